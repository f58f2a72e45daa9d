#!/usr/bin/python3
"""A minimal shim of the shim protocol (tools/shims/ documents it) on Python's
ssl module, for the endpoint tests only: SSLSocket.unwrap() is its shutdown,
the socket timeout its cancel timer. The shipped shims live in tools/shims/."""
import os, socket, ssl, sys

def verdict(word, code):
    print(word, flush=True)
    sys.exit(code)

def fail(e):
    # OpenSSL 3.0: the transport closed without close_notify.
    if isinstance(e, ssl.SSLEOFError) or getattr(e, "reason", "") == "UNEXPECTED_EOF_WHILE_READING":
        verdict("truncated", 10)
    verdict("failed:%s" % (getattr(e, "reason", None) or type(e).__name__), 12)

env = os.environ
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ver = ssl.TLSVersion.TLSv1_3 if env["TA_SHIM_TLS"] == "1.3" else ssl.TLSVersion.TLSv1_2
ctx.minimum_version = ctx.maximum_version = ver
ctx.load_verify_locations(env["TA_SHIM_CA"])
# Python sets OP_IGNORE_UNEXPECTED_EOF, which reads a truncation as a close_notify.
ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
raw = socket.create_connection((env["TA_SHIM_HOST"], int(env["TA_SHIM_PORT"])), timeout=10)
s = ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)
want = env["TA_SHIM_READ"]
got = 0
try:
    while want == "close" or got < int(want):
        b = s.recv(4096)
        if not b:  # the peer's close_notify
            print("read %d" % got)
            s.unwrap()
            verdict("clean", 0)
        got += len(b)
        print("read %d" % got)
except (ssl.SSLError, OSError) as e:
    fail(e)
cancel = int(env["TA_SHIM_CANCEL_MS"])
s.settimeout(cancel / 1000.0 if cancel > 0 else None)
try:
    s.unwrap()
    verdict("clean", 0)
except socket.timeout:
    raw.close()
    verdict("cancelled", 11)
except (ssl.SSLError, OSError) as e:
    fail(e)
