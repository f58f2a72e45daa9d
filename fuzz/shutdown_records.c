/*
 * shutdown_records.c - fuzz target: what the peer sends during the shutdown.
 *
 * The input is a schedule whose alphabet (src/fuzzing/fuzz_input.c, TA_FUZZ_SD_RECORDS)
 * adds raw bytes injected towards the local side to the peer's real actions:
 * malformed and fragmented records, unprotected alerts, empty records, garbage,
 * data after close_notify, EOF in the middle of a record. Whatever arrives, three
 * things must hold:
 *   - no crash (sanitizers; the engine runs in-process here);
 *   - a verdict within bounds: no SD-STALL once the deciding event was delivered,
 *     no SD-SPIN (step calls without new input);
 *   - never "clean" without the peer's real close_notify having been delivered
 *     first (RFC 8446 §6.1: a close without close_notify is a truncation), and
 *     never clean/sent without our own close_notify on the wire (SD-NO-CN).
 * The full oracle is the shutdown_schedule target's job: arbitrary bytes make
 * "what the peer did" ambiguous for the finer rules, not for these.
 */
#include <stdlib.h>

#include "fuzz_target.h"

#include "sd_target.h"

void ta_fuzz_target_describe(const uint8_t *data, size_t size, FILE *out)
{
    ta_sd_schedule s;

    ta_fuzz_sd_decode(data, size, TA_FUZZ_SD_RECORDS, &s);
    ta_fuzz_sd_print(&s, out);
}

static const char *ta__rule_id(ta_sd_rule r)
{
    size_t n;
    const ta_sd_rule_info *rules = ta_sd_rule_table(&n);
    return (size_t)r < n ? rules[r].id : "SD-UNKNOWN";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_sd_schedule s;
    ta_sd_facts f;
    ta_sd_result res;
    ta_sd_verdict v;
    char err[512];

    if (ta__engine == NULL)
        LLVMFuzzerInitialize(NULL, NULL);
    ta_fuzz_sd_decode(data, size, TA_FUZZ_SD_RECORDS, &s);
    if (ta_sd_run_facts(ta__engine, ta__driver, &s, &f, &res) != TA_OK)
        TA_FUZZ_FAIL("FUZZ-HARNESS", "the engine failed on a decodable schedule: %s",
                     ta_error_format(err, sizeof(err)));
#define TA__REPLAY "replay: tlsaudit shutdown " TA__CLI_DRIVER "%s --schedule '%s'"
    /* Never clean without the peer's real close_notify (RFC 8446 §6.1). The one
     * documented exception: SSL_OP_IGNORE_UNEXPECTED_EOF makes OpenSSL itself
     * read EOF as close_notify (the audit flags it as the SD-IGNORE-EOF warning),
     * also when injected bytes ending mid-record were pending: OpenSSL never saw
     * them as a record, only the EOF (junk_partial). */
    int eof_as_cn =
        (f.sched_flags & TA_SD_F_IGNORE_EOF)
        && (f.decider == TA_SD_EV_EOF || (f.decider == TA_SD_EV_FATAL && f.junk_partial));
    if (f.got == TA_SD_CLEAN && f.decider != TA_SD_EV_CLOSE_NOTIFY && !eof_as_cn)
        TA_FUZZ_FAIL(f.decider == TA_SD_EV_EOF ? ta__rule_id(TA_SD_R_TRUNCATION)
                                               : ta__rule_id(TA_SD_R_VERDICT),
                     "driver %s reported clean, but the first deciding event was not the "
                     "peer's close_notify (decider %d); " TA__REPLAY,
                     ta__driver->name, (int)f.decider, ta__cli_mode, res.schedule);
    /* Never clean or sent without our own close_notify on the wire. */
    if ((f.got == TA_SD_CLEAN || f.got == TA_SD_SENT) && !f.local_cn)
        TA_FUZZ_FAIL(ta__rule_id(TA_SD_R_NO_CN),
                     "driver %s reported %s, but no close_notify left the local side; " TA__REPLAY,
                     ta__driver->name, ta_sd_answer_name(f.got), ta__cli_mode, res.schedule);
    /* A verdict within bounds. */
    if (f.spin)
        TA_FUZZ_FAIL(ta__rule_id(TA_SD_R_SPIN), "driver %s: %s; " TA__REPLAY, ta__driver->name,
                     "step calls without new input went past the bound", ta__cli_mode,
                     res.schedule);
    ta_sd_oracle(&f, &v);
    if (!v.pass && v.rule == TA_SD_R_STALL)
        TA_FUZZ_FAIL(ta__rule_id(TA_SD_R_STALL), "driver %s: %s; " TA__REPLAY, ta__driver->name,
                     v.detail, ta__cli_mode, res.schedule);
    return 0;
}
