/* tlsaudit.c - the command line: one table of subcommands. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "cli.h"

static const ta_cli_cmd ta_cmds[] = {
    {"demo", "audit every built-in callback and driver and print the tables", ta_cmd_demo,
     ta_cmd_demo_help},
    {"sid", "audit a session-id generator callback (SSL_CTX_set_generate_session_id)", ta_cmd_sid,
     ta_cmd_sid_help},
    {"shutdown", "check a shutdown driver against every ordering of peer events", ta_cmd_shutdown,
     ta_cmd_shutdown_help},
    {"gate", "run the audits a config file lists; exit 0 only without unaccepted findings",
     ta_cmd_gate, ta_cmd_gate_help},
    {"list", "list the built-in callbacks, drivers, rules and scenarios", ta_cmd_list,
     ta_cmd_list_help},
    {"selfcheck", "handshake, transfer and close over the memory-BIO pair, every mode",
     ta_cmd_selfcheck, ta_cmd_selfcheck_help},
};
#define TA_NCMDS (sizeof(ta_cmds) / sizeof(ta_cmds[0]))

static void ta_usage(FILE *out)
{
    fprintf(out, "usage: tlsaudit [--help | --version] <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < TA_NCMDS; i++)
        fprintf(out, "  %-10s %s\n", ta_cmds[i].name, ta_cmds[i].summary);
    fprintf(out, "\n'tlsaudit <command> --help' describes a command's options.\n"
                 "exit codes: 0 no finding, 1 findings, 2 usage or load error.\n");
}

int ta_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    char msg[1024], esc[2048];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The message quotes what the user (or a gate config) gave: one line, always. */
    fprintf(stderr, "tlsaudit%s%s: %s; see 'tlsaudit%s%s --help'\n", cmd ? " " : "", cmd ? cmd : "",
            ta_cli_escape(msg, esc, sizeof(esc)), cmd ? " " : "", cmd ? cmd : "");
    return TA_EXIT_USAGE;
}

int ta_cli_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ta_usage(stderr);
        return TA_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0) {
        ta_usage(stdout);
        return TA_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tlsaudit %s\nOpenSSL %s (linked), built against %s\n", TA_VERSION_STRING,
               OpenSSL_version(OPENSSL_VERSION_STRING), OPENSSL_VERSION_TEXT);
        return TA_EXIT_OK;
    }
    for (size_t i = 0; i < TA_NCMDS; i++) {
        if (strcmp(argv[1], ta_cmds[i].name) != 0)
            continue;
        for (int a = 2; a < argc; a++) {
            if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
                ta_cmds[i].help(stdout);
                return TA_EXIT_OK;
            }
        }
        return ta_cmds[i].run(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "man") == 0) /* hidden: the build writes tlsaudit.1 with it */
        return ta_cmd_man(argc - 1, argv + 1);
    if (argv[1][0] == '-')
        return ta_cli_usage_error(NULL, "unknown option '%s'", argv[1]);
    return ta_cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
