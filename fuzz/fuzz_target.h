/*
 * fuzz_target.h - what every fuzz target and its three drivers share (fuzz/ only).
 *
 * A target is one C file defining LLVMFuzzerTestOneInput (and optionally
 * LLVMFuzzerInitialize and ta_fuzz_target_describe). The same file is linked
 * three ways: with replay.c (a standalone program, always built), with libFuzzer
 * (-fsanitize=fuzzer) and with afl_driver.c (AFL++ persistent mode).
 */
#ifndef TA_FUZZ_TARGET_H
#define TA_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tlsaudit.h"
#include "tlsaudit/unstable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: the expensive set-up, run once before the first input (and, under
 * AFL++, before the fork server starts: deferred initialisation). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Optional: print the decoded input as a readable schedule (replay --print,
 * tools/fuzz on a finding). */
void ta_fuzz_target_describe(const uint8_t *data, size_t size, FILE *out) __attribute__((weak));

/*
 * A violation: "tlsaudit-fuzz: RULE: explanation" and "tlsaudit-fuzz: at FUNC:LINE"
 * on stderr, then abort() so that every engine records the input. tools/fuzz
 * de-duplicates findings by the rule id and that location (or, for crashes inside
 * the code under test, the sanitizer's stack), so neither ever varies by input.
 */
#define TA_FUZZ_FAIL(rule, ...) ta_fuzz_fail_at(__func__, __LINE__, (rule), __VA_ARGS__)
void ta_fuzz_fail_at(const char *func, int line, const char *rule, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));
/* Set-up that cannot fail on a healthy machine failed: say so and exit(2)
 * (not an abort: a broken harness is not a finding). */
void ta_fuzz_setup_failed(const char *what) __attribute__((noreturn));

/* The fixed wall clock of fuzz/fixed_time.c (seconds since the epoch). */
#define TA_FUZZ_FIXED_TIME 1767225600 /* 2026-01-01T00:00:00Z */

#endif
