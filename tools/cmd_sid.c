/* cmd_sid.c - 'tlsaudit sid': audit a session-id generator callback. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* isatty */

#include "cli.h"

void ta_cmd_sid_help(FILE *out)
{
    size_t n;
    const ta_sid_rule_info *rules = ta_sid_rule_table(&n);
    fprintf(out,
            "usage: tlsaudit sid (--builtin NAME | --lib FILE.so --symbol NAME) [options]\n"
            "Audits a session-id generator (SSL_CTX_set_generate_session_id) against the\n"
            "man page's contract: guarded direct calls at every offered length, our own\n"
            "SSL_has_matching_session_id (live ids, every id taken, the first k taken),\n"
            "T threads at once, and real handshakes in TLS 1.2 and 1.3. Every check runs\n"
            "in a child process: a crash or a hang is a finding.\n\n"
            "  --builtin NAME     a callback of the catalog ('tlsaudit list')\n"
            "  --lib FILE.so      a shared object holding the callback (dlopen)\n"
            "  --symbol NAME      the callback's symbol in --lib\n"
            "  --ids N            direct calls in the uniqueness and threads checks (200000)\n"
            "  --threads T        concurrent callers (8)\n"
            "  --seed S           seed of our choices and the TLS environment (1)\n"
            "  --timeout SEC      a check that makes no progress this long is a hang (2)\n"
            "  --handshakes N     full handshakes per end-to-end configuration (8, max 64)\n"
            "  --bucket-n N       cached sessions for the SID-BUCKET-COLLAPSE measurement\n"
            "                     (4096; at most --ids)\n"
            "  --only RULE[,RULE] report (and run the checks for) these rules only\n"
            "  --json FILE|-      write the JSON report (- for stdout)\n"
            "  --junit FILE       JUnit XML: a testcase per rule, failures with reproducers\n"
            "  --sarif FILE       SARIF 2.1.0: a result per finding, at the callback\n"
            "  --strict           warnings fail too\n"
            "  --quiet            no table, no progress\n\n"
            "exit: 0 no error finding, 1 findings (warnings too with --strict),\n"
            "      2 usage or load error\n\nrules:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-25s %-7s %s\n", rules[i].id, ta_severity_name(rules[i].severity),
                rules[i].help);
}

static void ta__sid_progress(void *arg, const char *check, uint64_t calls, uint64_t planned)
{
    (void)arg;
    if (planned)
        fprintf(stderr, "\r\033[Ktlsaudit sid: %-20s %llu/%llu calls", check,
                (unsigned long long)calls, (unsigned long long)planned);
    else
        fprintf(stderr, "\r\033[Ktlsaudit sid: %-20s", check);
}

/* One message for every numeric bound: "--ids must be 1..100000000". */
static int ta__range(const char *opt, uint64_t v, uint64_t lo, uint64_t hi)
{
    if (v >= lo && v <= hi)
        return 0;
    return ta_cli_usage_error("sid", "%s must be %llu..%llu", opt, (unsigned long long)lo,
                              (unsigned long long)hi);
}

static int ta__need(int argc, char **argv, int i)
{
    return i + 1 < argc ? 0 : ta_cli_usage_error("sid", "%s needs a value", argv[i]);
}

int ta_cmd_sid(int argc, char **argv)
{
    ta_sid_opts o;
    const char *builtin = NULL, *lib = NULL, *symbol = NULL, *json = NULL;
    const char *junit = NULL, *sarif = NULL;
    int quiet = 0, rc;
    uint64_t v;
    char target[600], subject[400], ebuf[300];
    ta_sid_cb cb = NULL;
    ta_sid_report *r = NULL;

    ta_sid_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--strict") == 0) {
            o.strict = 1;
        } else if (strcmp(a, "--builtin") == 0 || strcmp(a, "--lib") == 0
                   || strcmp(a, "--symbol") == 0 || strcmp(a, "--json") == 0
                   || strcmp(a, "--junit") == 0 || strcmp(a, "--sarif") == 0
                   || strcmp(a, "--only") == 0 || strcmp(a, "--ids") == 0
                   || strcmp(a, "--threads") == 0 || strcmp(a, "--seed") == 0
                   || strcmp(a, "--timeout") == 0 || strcmp(a, "--handshakes") == 0
                   || strcmp(a, "--bucket-n") == 0) {
            if (ta__need(argc, argv, i))
                return TA_EXIT_USAGE;
            const char *val = argv[++i];
            if (strcmp(a, "--builtin") == 0)
                builtin = val;
            else if (strcmp(a, "--lib") == 0)
                lib = val;
            else if (strcmp(a, "--symbol") == 0)
                symbol = val;
            else if (strcmp(a, "--json") == 0)
                json = val;
            else if (strcmp(a, "--junit") == 0)
                junit = val;
            else if (strcmp(a, "--sarif") == 0)
                sarif = val;
            else if (strcmp(a, "--only") == 0) {
                if (ta_sid_rules_parse(val, &o.only) != TA_OK)
                    return ta_cli_usage_error("sid", "--only: %s", ta_last_error()->message);
            } else if (strcmp(a, "--timeout") == 0) {
                char *end;
                o.timeout_s = strtod(val, &end);
                if (*end != '\0' || !(o.timeout_s > 0 && o.timeout_s <= 3600))
                    return ta_cli_usage_error("sid", "--timeout takes seconds in (0, 3600], "
                                              "not '%s'", val);
            } else {
                if (ta_cli_parse_u64(val, &v) != 0)
                    return ta_cli_usage_error("sid", "%s takes a number, not '%s'", a, val);
                if (strcmp(a, "--ids") == 0) {
                    if (ta__range(a, v, 1, TA_SID_IDS_MAX))
                        return TA_EXIT_USAGE;
                    o.ids = (size_t)v;
                } else if (strcmp(a, "--threads") == 0) {
                    if (ta__range(a, v, 1, TA_SID_THREADS_MAX))
                        return TA_EXIT_USAGE;
                    o.threads = (unsigned)v;
                } else if (strcmp(a, "--handshakes") == 0) {
                    if (ta__range(a, v, 1, TA_SID_HANDSHAKES_MAX))
                        return TA_EXIT_USAGE;
                    o.handshakes = (int)v;
                } else if (strcmp(a, "--bucket-n") == 0) {
                    if (ta__range(a, v, TA_SID_BUCKET_MIN, TA_SID_IDS_MAX))
                        return TA_EXIT_USAGE;
                    o.bucket_n = (size_t)v;
                } else {
                    o.seed = v;
                }
            }
        } else {
            return ta_cli_usage_error("sid", "unknown option '%s'", a);
        }
    }
    if ((builtin != NULL) == (lib != NULL))
        return ta_cli_usage_error("sid", "give exactly one of --builtin NAME or --lib FILE.so");
    if (builtin != NULL) {
        const ta_sid_builtin *b = ta_sid_builtin_find(builtin);
        if (symbol != NULL)
            return ta_cli_usage_error("sid", "--symbol goes with --lib, not --builtin");
        if (b == NULL)
            return ta_cli_usage_error("sid", "no built-in callback '%s' (see 'tlsaudit list')",
                                      builtin);
        cb = b->cb;
        snprintf(subject, sizeof(subject), "%s", b->name);
        snprintf(target, sizeof(target), "--builtin %s", b->name);
    } else {
        if (symbol == NULL)
            return ta_cli_usage_error("sid", "--lib needs --symbol NAME");
        if (ta_sid_cb_load(lib, symbol, &cb) != TA_OK) {
            fprintf(stderr, "tlsaudit sid: %s\n", ta_last_error()->message);
            return TA_EXIT_USAGE;
        }
        snprintf(subject, sizeof(subject), "%s:%s", lib, symbol);
        snprintf(target, sizeof(target), "--lib %s --symbol %s", lib, symbol);
    }
    o.target = target;
    if (!quiet && isatty(STDERR_FILENO))
        o.progress = ta__sid_progress;
    if (ta_sid_audit(subject, cb, &o, &r) != TA_OK) {
        fprintf(stderr, "tlsaudit sid: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
        return TA_EXIT_USAGE;
    }
    if (o.progress != NULL)
        fprintf(stderr, "\r\033[K");
    if (!quiet)
        ta_sid_report_print(r, stdout);
    rc = ta_sid_report_failed(r) ? TA_EXIT_FINDINGS : TA_EXIT_OK;
    if (json != NULL) {
        FILE *f = ta_cli_report_open("sid", "json", json);
        if (f == NULL)
            rc = TA_EXIT_USAGE;
        else {
            ta_sid_report_json(r, f);
            if (ta_cli_report_close("sid", json, f) != 0)
                rc = TA_EXIT_USAGE;
        }
    }
    if (rc != TA_EXIT_USAGE && (junit != NULL || sarif != NULL)) {
        ta_subject_report s;
        if (ta_sid_report_to_subject(r, o.strict, &s) != TA_OK) {
            fprintf(stderr, "tlsaudit sid: %s\n", ta_error_format(ebuf, sizeof(ebuf)));
            rc = TA_EXIT_USAGE;
        } else {
            ta_subject_locate(&s, *(void **)&cb, lib ? symbol : NULL);
            if (ta_cli_write_reports("sid", &s, 1, junit, sarif) != 0)
                rc = TA_EXIT_USAGE;
            ta_subject_report_clear(&s);
        }
    }
    ta_sid_report_free(r);
    return rc;
}
