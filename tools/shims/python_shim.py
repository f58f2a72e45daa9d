#!/usr/bin/python3
"""python_shim.py - the shim for CPython's ssl module (stdlib only), used the way a
blocking client uses it: ssl.SSLSocket over socket.create_connection, recv() in a
loop, then unwrap(), which is Python's SSL_shutdown. The protocol is
tools/shims/README.md.

What CPython says, and the verdict it becomes:
  recv() == b''                 the peer's close_notify (suppress_ragged_eofs=False,
                                so a transport closed without close_notify raises
                                SSLEOFError instead of also reading as b''; CPython
                                returns b'' rather than raising SSLZeroReturnError when
                                the peer's close_notify arrives before we sent ours)
  ssl.SSLEOFError               the transport closed without close_notify: truncated
  unwrap() returns              both close_notifys done: clean
  TimeoutError in unwrap()      the cancel timer: a socket timeout of TA_SHIM_CANCEL_MS
                                set just before unwrap(), Python's way to bound a
                                blocking call: cancelled
  any other exception           failed:<what it says>
"""
import os
import socket
import ssl
import sys

VERDICTS = {"clean": 0, "truncated": 10, "cancelled": 11, "failed": 12, "unimplemented": 13}


def finish(verdict, why=None):
    """Print the verdict line (one line) and exit with its code."""
    line = verdict
    if verdict == "failed" and why:
        line = "failed:" + " ".join(str(why).split())
    print(line, flush=True)
    sys.exit(VERDICTS[verdict])


def env(name, required=True):
    value = os.environ.get(name, "")
    if required and not value:
        print(f"python shim: {name} is not set (see tools/shims/README.md)", file=sys.stderr)
        finish("failed", "missing environment variable")
    return value


def number(name, text):
    if not text.isdigit():
        print(f"python shim: {name}='{text}' is not a decimal number", file=sys.stderr)
        finish("failed", "bad number in the environment")
    return int(text)


def describe(exc):
    """What an exception says, for failed:<why> (the OpenSSL reason when there is one)."""
    reason = getattr(exc, "reason", None)
    text = reason.lower().replace("_", " ") if reason else str(exc)
    print(f"python shim: {type(exc).__name__}: {exc}", file=sys.stderr)
    return text or type(exc).__name__


def connect(host, port, tls, ca):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # the chain is checked when TA_SHIM_CA is set, not the name
    if ca:
        ctx.load_verify_locations(ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    version = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}.get(tls)
    if version is None:
        finish("failed", "TA_SHIM_TLS must be 1.2 or 1.3")
    ctx.minimum_version = version
    ctx.maximum_version = version
    raw = socket.create_connection((host, int(port)))
    return ctx.wrap_socket(raw, suppress_ragged_eofs=False)


def read_phase(tls, read_n):
    """Read read_n bytes (read_n < 0: until the stream ends). A truncation or an
    error ends the shim here; otherwise the shutdown follows."""
    total = 0
    while read_n < 0 or total < read_n:
        want = 16384 if read_n < 0 else min(16384, read_n - total)
        try:
            data = tls.recv(want)
        except ssl.SSLZeroReturnError:
            return  # the peer's close_notify, spelt the other way
        except ssl.SSLEOFError as exc:
            describe(exc)
            finish("truncated")
        except (ssl.SSLError, OSError) as exc:
            finish("failed", describe(exc))
        if not data:
            return  # the peer's close_notify (see the module comment)
        total += len(data)
        print(f"read {total}", flush=True)


def shutdown_phase(tls, cancel_ms):
    if cancel_ms > 0:
        tls.settimeout(cancel_ms / 1000.0)
    try:
        tls.unwrap()
    except TimeoutError as exc:
        print(f"python shim: cancel timer ({cancel_ms} ms): {exc}", file=sys.stderr)
        finish("cancelled")
    except ssl.SSLEOFError as exc:
        describe(exc)
        finish("truncated")
    except (ssl.SSLError, OSError) as exc:
        finish("failed", describe(exc))
    finish("clean")


def main():
    host, port = env("TA_SHIM_HOST"), env("TA_SHIM_PORT")
    read = env("TA_SHIM_READ")
    read_n = -1 if read == "close" else number("TA_SHIM_READ", read)
    cancel_ms = number("TA_SHIM_CANCEL_MS", env("TA_SHIM_CANCEL_MS", False) or "0")
    try:
        tls = connect(host, port, env("TA_SHIM_TLS"), env("TA_SHIM_CA", False))
    except (ssl.SSLError, OSError) as exc:
        finish("failed", describe(exc))
    read_phase(tls, read_n)
    shutdown_phase(tls, cancel_ms)


if __name__ == "__main__":
    main()
