/*
 * shutdown_schedule.c - fuzz target: a shutdown driver against fuzzed schedules.
 *
 * The input is a schedule (src/fuzzing/fuzz_input.c, TA_FUZZ_SD_SCHEDULE): version, the
 * driver's role, flags (ignore-eof, start in handshake, tickets), then peer
 * actions (data, close_notify, KeyUpdate, tickets, EOF, EOF mid-record), partial
 * deliveries each way, spurious wake-ups, writes after the shutdown and local
 * cancel. The engine (src/sd_run*.c) runs it against a real OpenSSL peer over the
 * pair and the oracle (src/shutdown/sd_oracle.c) judges the facts; any violated rule aborts
 * with its id and the schedule string that `tlsaudit shutdown --schedule` replays.
 *
 * Code under test: the catalog's `drain` driver by default; TA_FUZZ_BUILTIN names
 * another catalog entry; TA_FUZZ_SYMBOL names a `const ta_sd_driver` compiled in
 * (tlsaudit_add_fuzz_target(... SOURCES drv.c SYMBOL my_driver)).
 */
#include <stdlib.h>

#include "fuzz_target.h"

#include "sd_target.h"

void ta_fuzz_target_describe(const uint8_t *data, size_t size, FILE *out)
{
    ta_sd_schedule s;

    ta_fuzz_sd_decode(data, size, TA_FUZZ_SD_SCHEDULE, &s);
    ta_fuzz_sd_print(&s, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_sd_schedule s;
    ta_sd_facts facts;
    ta_sd_result res;
    ta_sd_verdict v;
    char err[512];

    if (ta__engine == NULL)
        LLVMFuzzerInitialize(NULL, NULL);
    ta_fuzz_sd_decode(data, size, TA_FUZZ_SD_SCHEDULE, &s);
    if (ta_sd_run_facts(ta__engine, ta__driver, &s, &facts, &res) != TA_OK)
        TA_FUZZ_FAIL("FUZZ-HARNESS", "the engine failed on a decodable schedule: %s",
                     ta_error_format(err, sizeof(err)));
    ta_sd_oracle(&facts, &v);
    if (!v.pass) {
        size_t n;
        const ta_sd_rule_info *rules = ta_sd_rule_table(&n);
        const char *id = v.rule >= 0 && (size_t)v.rule < n ? rules[v.rule].id : "SD-UNKNOWN";
        TA_FUZZ_FAIL(id,
                     "driver %s: expected %s, got %s: %s; replay: tlsaudit shutdown " TA__CLI_DRIVER
                     "%s --schedule '%s'",
                     ta__driver->name, ta_sd_answer_name(v.expected), ta_sd_answer_name(facts.got),
                     v.detail, ta__cli_mode, res.schedule);
    }
    return 0;
}
