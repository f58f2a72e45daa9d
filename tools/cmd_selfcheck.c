/* cmd_selfcheck.c - 'tlsaudit selfcheck': the pair works, in every version and mode. */
#include <string.h>

#include "cli.h"

void ta_cmd_selfcheck_help(FILE *out)
{
    ta_opt_help(out, &ta_selfcheck_optset);
}

/* One case: handshake, "ping" c->s, "pong" s->c, client-initiated close. */
static const char *ta_selfcheck_case(ta_env *env, ta_tls v, ta_mode m)
{
    static char why[400];
    char ebuf[300];
    ta_ctx *ctx = NULL;
    ta_pair *p = NULL;
    unsigned char buf[16];
    size_t n = 0;
    const char *fail = NULL;

    if (ta_ctx_new(env, v, m, NULL, &ctx) != TA_OK || ta_pair_new(ctx, &p) != TA_OK)
        fail = "set-up";
    else if (ta_pair_handshake(p, TA_DEFAULT_STEPS) != TA_OK)
        fail = "handshake";
    else if (m == TA_MODE_RESUME && !SSL_session_reused(ta_pair_ssl(p, TA_CLIENT)))
        fail = "resumption (full handshake instead)";
    else if (ta_pair_write(p, TA_CLIENT, "ping", 4, TA_DEFAULT_STEPS) != TA_OK
             || ta_pair_read(p, TA_SERVER, buf, sizeof(buf), &n, TA_DEFAULT_STEPS) != TA_OK
             || n != 4 || memcmp(buf, "ping", 4) != 0)
        fail = "client->server data";
    else if (ta_pair_write(p, TA_SERVER, "pong", 4, TA_DEFAULT_STEPS) != TA_OK
             || ta_pair_read(p, TA_CLIENT, buf, sizeof(buf), &n, TA_DEFAULT_STEPS) != TA_OK
             || n != 4 || memcmp(buf, "pong", 4) != 0)
        fail = "server->client data";
    else if (ta_pair_shutdown(p, TA_CLIENT, TA_DEFAULT_STEPS) != TA_OK)
        fail = "bidirectional close";
    if (fail != NULL)
        snprintf(why, sizeof(why), "%s: %s", fail,
                 ta_last_error()->code ? ta_error_format(ebuf, sizeof(ebuf)) : "wrong bytes");
    ta_pair_free(p);
    ta_ctx_free(ctx);
    return fail ? why : NULL;
}

int ta_cmd_selfcheck(int argc, char **argv)
{
    ta_optvals v;
    int failures = 0;
    ta_env *env = NULL;
    char ebuf[300];

    if (ta_cli_parse(&ta_selfcheck_optset, argc, argv, &v) != 0)
        return TA_EXIT_USAGE;
    uint64_t seed = ta_opt_get(&v, "--seed")->u;
    int seeded = ta_opt_get(&v, "--seed")->given;
    if (ta_env_new(seeded ? &seed : NULL, &env) != TA_OK) {
        fprintf(stderr, "tlsaudit selfcheck: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
        return TA_EXIT_USAGE;
    }
    printf("tlsaudit selfcheck: memory-BIO pair, %s randomness\n", seeded ? "seeded" : "OS");
    for (int v = 0; v < TA_TLS_COUNT; v++) {
        for (int m = 0; m < TA_MODE_COUNT; m++) {
            const char *why = ta_selfcheck_case(env, (ta_tls)v, (ta_mode)m);
            printf("  %s/%-7s %s%s\n", ta_tls_name((ta_tls)v), ta_mode_name((ta_mode)m),
                   why ? "FAIL " : "ok", why ? why : "");
            failures += why != NULL;
        }
    }
    ta_env_free(env);
    printf("%d of %d cases ok\n", 2 * TA_MODE_COUNT - failures, 2 * TA_MODE_COUNT);
    return failures ? TA_EXIT_FINDINGS : TA_EXIT_OK;
}
