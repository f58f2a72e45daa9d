/*
 * unit_endpoint.c - the plumbing of live-endpoint audits (src/endpoint/):
 * HOST:PORT parsing, a server command started in its own process group and
 * waited for, stopped with whatever it forked, a server that ends before it
 * listens, and reads that tell data, FIN, RST and "still open" apart. The
 * servers are real processes (/usr/bin/python3 one-liners) on 127.0.0.1.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "endpoint.h"

#define PY "/usr/bin/python3"

static void test_hostport(void **state)
{
    ta__hostport hp;
    (void)state;
    assert_int_equal(ta__hostport_parse("127.0.0.1:8443", &hp), TA_OK);
    assert_string_equal(hp.host, "127.0.0.1");
    assert_string_equal(hp.port, "8443");
    assert_int_equal(ta__hostport_parse("[::1]:443", &hp), TA_OK);
    assert_string_equal(hp.host, "::1");
    assert_int_equal(ta__hostport_parse("localhost:1", &hp), TA_OK);
    static const char *const bad[] = {"127.0.0.1", ":443",    "host:",   "host:0",   "host:65536",
                                      "host:+1",   "host:1x", "::1:443", "[::1]443", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ta__hostport_parse(bad[i], &hp), TA_E_ARG);
        assert_non_null(strstr(ta_last_error()->message, "PORT"));
    }
}

/* A server on 127.0.0.1:port that does `how` to every connection it accepts
 * (the first is ta__server_start's probe, already closed), keeping each open. */
static void server_cmd(char *cmd, size_t cap, unsigned port, const char *how)
{
    snprintf(cmd, cap,
             PY " -c 'import socket,struct\n"
                "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                "s.bind((\"127.0.0.1\", %u)); s.listen(4); print(\"listening\", flush=True)\n"
                "keep=[]\n"
                "for i in range(8):\n"
                "  c=s.accept()[0]; keep.append(c)\n"
                "  try:\n"
                "    %s\n"
                "  except OSError: pass\n"
                "  \n"
                "'",
             port, how);
}

static void start_server(const char *how, ta__hostport *hp, ta__proc **p)
{
    char cmd[1024];
    unsigned port = ta__tcp_free_port();
    assert_true(port > 0);
    snprintf(hp->host, sizeof(hp->host), "127.0.0.1");
    snprintf(hp->port, sizeof(hp->port), "%u", port);
    server_cmd(cmd, sizeof(cmd), port, how);
    assert_int_equal(ta__server_start(cmd, hp, 20.0, NULL, p), TA_OK);
}

/* Connect, read (data is skipped) until something else: what the server's
 * `how` looks like on the wire. */
static void check_wire(const char *how, ta__wire_ev want, double window)
{
    ta__hostport hp;
    ta__proc *p;
    ta__child_end end;
    ta__wire_ev got = TA__WIRE_DATA;
    char buf[256];
    size_t n, data = 0;
    int fd;

    start_server(how, &hp, &p);
    assert_int_equal(ta__tcp_connect(&hp, 5.0, &fd), TA_OK);
    for (int i = 0; i < 100 && got == TA__WIRE_DATA; i++) {
        got = ta__wire_read(fd, buf, sizeof(buf), window, &n);
        if (got == TA__WIRE_DATA)
            data += n;
    }
    close(fd);
    ta__proc_stop(p, 2.0, &end);
    if (got != want)
        fail_msg("server doing '%s': saw %s, expected %s", how, ta__wire_ev_name(got),
                 ta__wire_ev_name(want));
    if (strstr(how, "send") != NULL)
        assert_int_equal(data, 5);
    assert_non_null(strstr(end.output, "listening"));
}

static void test_wire_events(void **state)
{
    (void)state;
    check_wire("c.shutdown(socket.SHUT_WR)", TA__WIRE_FIN, 10.0);
    check_wire("c.send(b\"hello\"); c.shutdown(socket.SHUT_WR)", TA__WIRE_FIN, 10.0);
    check_wire("c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0)); "
               "c.close()",
               TA__WIRE_RST, 10.0);
    /* Silent: the window ends with the connection open, never a close. */
    check_wire("pass", TA__WIRE_OPEN, 0.3);
}

/* A server command that ends before it listens is an error that says how it
 * ended and what it printed; one that never listens hits the deadline. */
static void test_server_start_failures(void **state)
{
    ta__hostport hp;
    ta__proc *p = (ta__proc *)1;
    unsigned port = ta__tcp_free_port();
    (void)state;
    snprintf(hp.host, sizeof(hp.host), "127.0.0.1");
    snprintf(hp.port, sizeof(hp.port), "%u", port);
    assert_int_equal(ta__server_start("echo no certificate >&2; exit 3", &hp, 20.0, NULL, &p),
                     TA_E_NET);
    assert_null(p);
    assert_non_null(strstr(ta_last_error()->message, "exit 3"));
    assert_non_null(strstr(ta_last_error()->message, "no certificate"));
    assert_int_equal(ta__server_start("sleep 30", &hp, 0.3, NULL, &p), TA_E_NET);
    assert_non_null(strstr(ta_last_error()->message, "did not accept"));
    /* No command: someone else's server, which is not there. */
    assert_int_equal(ta__server_start(NULL, &hp, 0.2, NULL, &p), TA_E_NET);
}

/* Running, not a zombie waiting for whoever inherited it. Bounded wait for the
 * kill to land. */
static int alive(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        char path[64], st[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            return 0;
        size_t n = fread(st, 1, sizeof(st) - 1, f);
        fclose(f);
        st[n] = '\0';
        const char *rp = strrchr(st, ')');
        if (rp != NULL && (rp[2] == 'Z' || rp[2] == 'X'))
            return 0;
        usleep(10 * 1000);
    }
    return 1;
}

/* Stopping a program stops its whole process group: a background child of the
 * shell dies too. A program that ends on its own reports its status. */
static void test_proc_group(void **state)
{
    ta__proc *p;
    ta__child_end end;
    char how[64];
    (void)state;
    assert_int_equal(ta__proc_start("sleep 60 & echo $!; wait", NULL, &p), TA_OK);
    usleep(200 * 1000);
    assert_int_equal(ta__proc_running(p), 1);
    ta__proc_stop(p, 1.0, &end);
    long bg = strtol(end.output, NULL, 10);
    assert_true(bg > 0);
    assert_false(alive((pid_t)bg)); /* the background sleep is gone too */

    static const char *const env[] = {"TA_TEST_VALUE=42", NULL};
    ta__proc_opts o = {env, 0};
    assert_int_equal(ta__proc_start("echo value=$TA_TEST_VALUE; exit 7", &o, &p), TA_OK);
    assert_int_equal(ta__proc_wait(p, 20.0), 1);
    ta__proc_stop(p, 1.0, &end);
    ta__proc_end_text(&end, how, sizeof(how));
    assert_string_equal(how, "exit 7");
    assert_non_null(strstr(end.output, "value=42"));
}

/* A chatty program's output is drained while nobody asks about it (the audit
 * is busy on the wire): 1 MB to stdout, far past a pipe's 64 KB, then a
 * marker file. Without the drain it blocks on the full pipe for ever. */
static void test_proc_drain(void **state)
{
    ta__proc *p;
    ta__child_end end;
    char dir[] = "/tmp/ta-drain-XXXXXX", cmd[300], mark[64];
    struct stat st;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(mark, sizeof(mark), "%s/done", dir);
    snprintf(cmd, sizeof(cmd), "head -c 1048576 /dev/zero | tr '\\000' x; : > '%s'; sleep 30",
             mark);
    assert_int_equal(ta__proc_start(cmd, NULL, &p), TA_OK);
    int done = 0;
    /* Bounded: 20 s (a loaded machine), only stat() meanwhile, no call on p. */
    for (int i = 0; i < 2000 && !done; i++) {
        done = stat(mark, &st) == 0;
        if (!done)
            usleep(10 * 1000);
    }
    ta__proc_stop(p, 0.5, &end);
    unlink(mark);
    rmdir(dir);
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_wire_events),
        cmocka_unit_test(test_server_start_failures),
        cmocka_unit_test(test_proc_group),
        cmocka_unit_test(test_proc_drain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
