/*
 * bench_remote.c - figures of the live-endpoint forms (not a test).
 *   1. handshakes per second of the socket peer (src/endpoint/ep_wire.c)
 *      against `openssl s_server`, and `openssl s_time -new` against the same
 *      server in the same run, both as wall-clock rates (s_time's
 *      "connections/user sec" counts the client's CPU time only:
 *      endpoints-facts.md);
 *   2. wall time of the whole scenario set, default k (3) and short timers,
 *      against s_server (--connect) and against curl (--client).
 * Usage: bench-remote [SECONDS] (per rate measurement, default 3). Needs
 * openssl (and curl for the client figure) on PATH; run from the build tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsaudit.h"
#include "wire.h"

static double ta_bench_handshakes(const ta__hostport *hp, SSL_CTX *ctx, double secs, int *n)
{
    double t0 = ta__mono_s();
    *n = 0;
    while (ta__mono_s() - t0 < secs) {
        int fd;
        ta__wire *w;
        if (ta__tcp_connect(hp, 2, &fd) != TA_OK || ta__wire_new(ctx, fd, 0, &w) != TA_OK)
            return -1;
        if (!ta__wire_handshake(w, 2)) {
            ta__wire_free(w);
            return -1;
        }
        /* As s_time -new: close the socket once the handshake is done. */
        ta__wire_free(w);
        (*n)++;
    }
    return *n / (ta__mono_s() - t0);
}

static double ta_bench_s_time(unsigned port, double secs)
{
    char cmd[300], line[400];
    double rate = -1;
    snprintf(cmd, sizeof(cmd), "openssl s_time -connect 127.0.0.1:%u -new -time %d 2>&1", port,
             (int)secs);
    FILE *p = popen(cmd, "r");
    while (p != NULL && fgets(line, sizeof(line), p) != NULL) {
        int conns;
        long real;
        /* "1934 connections in 3 real seconds, 0 bytes read per connection" */
        if (sscanf(line, "%d connections in %ld real seconds", &conns, &real) == 2 && real > 0)
            rate = (double)conns / (double)real;
    }
    if (p != NULL)
        pclose(p);
    return rate;
}

static double ta_bench_cli(const char *self, const char *args)
{
    char cmd[1600];
    const char *slash = strrchr(self, '/');
    int dl = slash ? (int)(slash - self + 1) : 0;
    snprintf(cmd, sizeof(cmd), "%.*stlsaudit shutdown %s --quiet", dl, self, args);
    double t0 = ta__mono_s();
    int rc = system(cmd);
    double t = ta__mono_s() - t0;
    printf("  exit %d, %.1f s: tlsaudit shutdown %s\n", WEXITSTATUS(rc), t, args);
    return t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3;
    char dir[256], cmd[1400];
    ta__proc *srv = NULL;
    ta__hostport hp;
    SSL_CTX *ctx = NULL;
    int n;

    if (system("command -v openssl >/dev/null") != 0) {
        fprintf(stderr, "bench-remote: needs openssl on PATH\n");
        return 2;
    }
    unsigned port = ta__tcp_free_port();
    snprintf(hp.host, sizeof(hp.host), "127.0.0.1");
    snprintf(hp.port, sizeof(hp.port), "%u", port);
    if (ta__ep_dir(dir, sizeof(dir)) != TA_OK || ta__ep_ctx(0, TA_TLS13, &ctx) != TA_OK)
        return 2;
    snprintf(cmd, sizeof(cmd),
             "exec openssl s_server -accept 127.0.0.1:%u -cert %s/ca.pem -key %s/key.pem -quiet "
             "-www",
             port, dir, dir);
    if (ta__server_start(cmd, &hp, 10, NULL, &srv) != TA_OK) {
        fprintf(stderr, "bench-remote: %s\n", ta_last_error()->message);
        return 2;
    }
    printf("handshakes/s against openssl s_server (TLS 1.3, P-256, wall clock, %.0f s each):\n",
           secs);
    /* Interleaved rounds: the machine is shared, so each pair runs under the same load. */
    double sum_ours = 0, sum_theirs = 0;
    for (int round = 0; round < 3; round++) {
        double ours = ta_bench_handshakes(&hp, ctx, secs, &n);
        double theirs = ta_bench_s_time(port, secs);
        printf("  round %d: socket peer (ep_wire.c) %.0f/s, openssl s_time -new %.0f/s\n",
               round + 1, ours, theirs);
        sum_ours += ours;
        sum_theirs += theirs;
    }
    if (sum_theirs > 0)
        printf("  ratio over the rounds: %.0f %%\n", 100 * sum_ours / sum_theirs);
    ta__proc_stop(srv, 1, NULL);
    SSL_CTX_free(ctx);

    printf("wall time of the whole scenario set (default --repeat 3, short timers):\n");
    unsigned p2 = ta__tcp_free_port();
    snprintf(cmd, sizeof(cmd),
             "--connect 127.0.0.1:%u --start 'openssl s_server -accept 127.0.0.1:%u -cert "
             "%s/ca.pem -key %s/key.pem -quiet -www' --http --window 1 --hold-bound 1 "
             "--idle-bound 1",
             p2, p2, dir, dir);
    ta_bench_cli(argv[0], cmd);
    if (system("command -v curl >/dev/null") == 0)
        ta_bench_cli(argv[0], "--client 'curl -sk -o /dev/null https://127.0.0.1:{port}/' "
                              "--window 1 --timeout 2");
    snprintf(cmd, sizeof(cmd), "%.*sshims/ta-shim-asio",
             strrchr(argv[0], '/') ? (int)(strrchr(argv[0], '/') - argv[0] + 1) : 0, argv[0]);
    if (access(cmd, X_OK) == 0) {
        char args[1500];
        snprintf(args, sizeof(args), "--shim '%s' --window 1 --timeout 2", cmd);
        ta_bench_cli(argv[0], args);
    }
    ta__ep_dir_remove(dir);
    return 0;
}
