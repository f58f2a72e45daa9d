/*
 * test_fuzz_replay.c - the standalone replay driver (fuzz/replay.c) that
 * `ctest -L fuzz-replay` and tools/fuzz rely on.
 *
 * What it proves, against the real shutdown engine: directories are walked
 * recursively (regressions/ included) in name order; an input that aborts is
 * reported as a crash and the other inputs still run (one child runs them in
 * turn; a failure is confirmed alone, and a fresh child goes on); an exit(0) or a
 * hang in the middle of an input is a failure too; the
 * exit code says whether anything failed (0/1) or the replay itself could not
 * run (2); --print shows the decoded schedule. The same input passes with the
 * drain driver and fails with the eof-is-clean canary, so the replay reports the
 * code under test, not itself.
 *
 * Hostile corpus directories (the gate replays what pull requests supply): a
 * FIFO, a symlink to /dev/zero and a file one byte over the 1 MiB cap are each
 * skipped with one line, under a deadline, so none of them blocks or runs, and
 * the one real input still runs; a directory with nothing but such entries exits
 * 2, its last line saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "sanitized.h"

typedef struct fixture {
    char dir[64];
    char bin_dir[512];
} fixture;

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    static fixture fx;
    char path[128];
    const char *bin = getenv("TA_FUZZ_BIN_DIR");

    if (bin == NULL) {
        fprintf(stderr, "TA_FUZZ_BIN_DIR is not set (conformance/fuzz_replay.cmake sets it)\n");
        return -1;
    }
    snprintf(fx.bin_dir, sizeof(fx.bin_dir), "%s", bin);
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/ta-replay-XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    /* a-peer-replies: tls12, local client: start, deliver, peer reads and answers,
     * deliver back. Passes with any conformant driver. */
    static const uint8_t replies[] = {0x00, 's', '>', 0, 'c', '<', 255};
    /* regressions/b-peer-eof: start, then the peer closes without close_notify:
     * truncated; eof-is-clean calls it clean (SD-TRUNCATION). */
    static const uint8_t eof[] = {0x00, 's', 'e'};
    snprintf(path, sizeof(path), "%s/a-peer-replies", fx.dir);
    write_file(path, replies, sizeof(replies));
    snprintf(path, sizeof(path), "%s/regressions", fx.dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/regressions/b-peer-eof", fx.dir);
    write_file(path, eof, sizeof(eof));
    snprintf(path, sizeof(path), "%s/.hidden", fx.dir); /* dot files are skipped */
    write_file(path, "x", 1);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run "<bin_dir>/<prog> args" and return its exit status; output into out. */
static int run(const fixture *fx, const char *prog, const char *args, char *out, size_t cap)
{
    char cmd[1024];
    size_t n = 0;
    snprintf(cmd, sizeof(cmd), "'%s/%s' %s 2>&1", fx->bin_dir, prog, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    while (n + 1 < cap && fgets(out + n, (int)(cap - n), p) != NULL)
        n += strlen(out + n);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* The shutdown targets are built once the engine is in src/ (fuzz/CMakeLists.txt). */
static void need(const fixture *fx, const char *prog)
{
    char path[640];
    snprintf(path, sizeof(path), "%s/%s", fx->bin_dir, prog);
    if (access(path, X_OK) != 0)
        skip();
}

static void conformant_driver_passes_everything(void **state)
{
    fixture *fx = *state;
    char out[8192];

    need(fx, "shutdown_schedule-replay");
    assert_int_equal(run(fx, "shutdown_schedule-replay", fx->dir, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "a-peer-replies (7 bytes) ok"));
    assert_non_null(strstr(out, "regressions/b-peer-eof (3 bytes) ok"));
    assert_null(strstr(out, ".hidden"));
    assert_non_null(strstr(out, "replayed 2 inputs, 0 failed"));
}

static void canary_crash_is_reported_and_the_rest_runs(void **state)
{
    fixture *fx = *state;
    char out[8192];

    need(fx, "shutdown_schedule_negative-replay");
    assert_int_equal(run(fx, "shutdown_schedule_negative-replay", fx->dir, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "a-peer-replies (7 bytes) ok"));
    assert_non_null(strstr(out, "tlsaudit-fuzz: SD-TRUNCATION: "));
    assert_non_null(strstr(out, "CRASH (signal 6"));
    /* It ran after a-peer-replies in one child, and fails alone too. */
    assert_null(strstr(out, "alone it passes"));
    assert_non_null(strstr(out, "replayed 2 inputs, 1 failed"));
    /* Name order: a- before regressions/. */
    assert_true(strstr(out, "a-peer-replies") < strstr(out, "b-peer-eof"));
}

static void print_shows_the_schedule(void **state)
{
    fixture *fx = *state;
    char out[8192], args[256];

    need(fx, "shutdown_schedule-replay");
    snprintf(args, sizeof(args), "--print '%s/regressions/b-peer-eof'", fx->dir);
    assert_int_equal(run(fx, "shutdown_schedule-replay", args, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "  input: tls12/client:se\n"));
}

/* "<bin_dir>/<prog> args" under a 30 s deadline (coreutils timeout): a FIFO
 * that blocked the replay, or /dev/zero read to the end, would show as 124. */
static int run_bounded(const fixture *fx, const char *prog, const char *args, char *out, size_t cap)
{
    char cmd[1200];
    size_t n = 0;
    int len =
        snprintf(cmd, sizeof(cmd), "timeout -k 5 30 '%s/%s' %s 2>&1", fx->bin_dir, prog, args);
    assert_true(len > 0 && (size_t)len < sizeof(cmd));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    while (n + 1 < cap && fgets(out + n, (int)(cap - n), p) != NULL)
        n += strlen(out + n);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    assert_int_not_equal(WEXITSTATUS(st), 124); /* the deadline */
    return WEXITSTATUS(st);
}

/* A directory of entries that are not inputs: a FIFO, a symlink to /dev/zero, a
 * file of 1 MiB + 1 bytes. Returns its path in dir. */
static void make_hostile_dir(char *dir, size_t cap)
{
    char path[256];
    snprintf(dir, cap, "/tmp/ta-replay-hostile-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(path, sizeof(path), "%s/zero", dir);
    assert_int_equal(symlink("/dev/zero", path), 0);
    snprintf(path, sizeof(path), "%s/big", dir);
    size_t big_len = ((size_t)1 << 20) + 1;
    uint8_t *big = calloc(1, big_len);
    assert_non_null(big);
    write_file(path, big, big_len);
    free(big);
}

static void remove_dir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void hostile_entries_are_skipped_with_a_line_each(void **state)
{
    fixture *fx = *state;
    char dir[64], path[128], out[8192], args[256];
    static const uint8_t eof[] = {0x00, 's', 'e'};

    need(fx, "shutdown_schedule-replay");
    make_hostile_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/input", dir);
    write_file(path, eof, sizeof(eof));
    snprintf(args, sizeof(args), "'%s'", dir);
    assert_int_equal(run_bounded(fx, "shutdown_schedule-replay", args, out, sizeof(out)), 0);
    snprintf(path, sizeof(path), "%s/fifo: skipped, a FIFO (not a regular file)\n", dir);
    assert_non_null(strstr(out, path));
    snprintf(path, sizeof(path), "%s/zero: skipped, a symlink to a character device", dir);
    assert_non_null(strstr(out, path));
    snprintf(path, sizeof(path), "%s/big: skipped, over the 1048576-byte cap (not run)\n", dir);
    assert_non_null(strstr(out, path));
    snprintf(path, sizeof(path), "%s/input (3 bytes) ok\n", dir);
    assert_non_null(strstr(out, path));
    assert_non_null(strstr(out, "replayed 1 input, 0 failed, 3 skipped\n"));
    /* A FIFO named on the command line is skipped too, and runs nothing: exit 2. */
    snprintf(args, sizeof(args), "'%s/fifo'", dir);
    assert_int_equal(run_bounded(fx, "shutdown_schedule-replay", args, out, sizeof(out)), 2);
    assert_non_null(strstr(out, "skipped, a FIFO"));
    remove_dir(dir);
}

static void a_directory_without_an_input_exits_2(void **state)
{
    fixture *fx = *state;
    char dir[64], out[8192], args[256], want[256];

    need(fx, "shutdown_schedule-replay");
    make_hostile_dir(dir, sizeof(dir));
    snprintf(args, sizeof(args), "'%s'", dir);
    assert_int_equal(run_bounded(fx, "shutdown_schedule-replay", args, out, sizeof(out)), 2);
    assert_non_null(strstr(out, "replayed 0 inputs, 0 failed, 3 skipped\n"));
    /* The last line, the one the gate quotes, says why. */
    snprintf(want, sizeof(want),
             "replay: nothing replayed from '%s': no regular file of at "
             "most 1048576 bytes in it (3 skipped); give a corpus with at least one input\n",
             dir);
    size_t lw = strlen(want), lo = strlen(out);
    assert_true(lo >= lw);
    assert_string_equal(out + lo - lw, want);
    remove_dir(dir);
}

static void bad_invocations_exit_2(void **state)
{
    fixture *fx = *state;
    char out[4096], args[256];

    need(fx, "shutdown_schedule-replay");
    assert_int_equal(run(fx, "shutdown_schedule-replay", "", out, sizeof(out)), 2);
    assert_non_null(strstr(out, "no input given"));
    snprintf(args, sizeof(args), "'%s/does-not-exist'", fx->dir);
    assert_int_equal(run(fx, "shutdown_schedule-replay", args, out, sizeof(out)), 2);
    assert_int_equal(run(fx, "shutdown_schedule-replay", "--timeout 0 x", out, sizeof(out)), 2);
    assert_int_equal(run(fx, "shutdown_schedule-replay", "--bogus x", out, sizeof(out)), 2);
}

/* Code under test that exit(0)s or hangs in the middle of an input (the
 * hostile_* targets: conformance/hostile/hostile_sd.c compiled in) fails that
 * input, in the shared child and with --fork-each, and the replay goes on. */
static void exit_0_and_hang_mid_input_fail_and_the_rest_runs(void **state)
{
    fixture *fx = *state;
    char out[8192], args[256];
    need(fx, "hostile_exit0-replay");
    need(fx, "hostile_hang-replay");
    for (int each = 0; each < 2; each++) {
        snprintf(args, sizeof(args), "%s '%s'", each ? "--fork-each" : "", fx->dir);
        assert_int_equal(run(fx, "hostile_exit0-replay", args, out, sizeof(out)), 1);
        assert_non_null(strstr(out, "a-peer-replies (7 bytes) FAILED (exit 0 in the middle"));
        assert_non_null(strstr(out, "b-peer-eof (3 bytes) FAILED (exit 0 in the middle"));
        assert_non_null(strstr(out, "replayed 2 inputs, 2 failed"));
    }
    snprintf(args, sizeof(args), "--timeout 1 '%s'", fx->dir);
    assert_int_equal(run(fx, "hostile_hang-replay", args, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "a-peer-replies (7 bytes) TIMEOUT after 1 s"));
    assert_non_null(strstr(out, "b-peer-eof (3 bytes) TIMEOUT after 1 s"));
    assert_non_null(strstr(out, "replayed 2 inputs, 2 failed"));
}

/* Under LeakSanitizer, a leak shows when the shared child exits: every input it
 * ran is replayed alone and the one that leaks is named (conformance/
 * hostile/leaky_drain.c loses memory on a clean close: a-peer-replies, not b-peer-eof). */
static void a_leak_is_pinned_on_its_input(void **state)
{
    fixture *fx = *state;
    char out[8192], args[256];
    if (!TA_TEST_SANITIZED)
        skip(); /* a leak is only seen under the sanitizers (tools/check's second pass) */
    need(fx, "leaky_drain-replay");
    snprintf(args, sizeof(args), "'%s'", fx->dir);
    assert_int_equal(run(fx, "leaky_drain-replay", args, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "failed at its exit"));
    assert_non_null(strstr(out, "a-peer-replies (7 bytes) alone: FAILED (exit"));
    assert_null(strstr(out, "b-peer-eof (3 bytes) alone"));
    assert_non_null(strstr(out, "replayed 2 inputs, 1 failed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conformant_driver_passes_everything),
        cmocka_unit_test(canary_crash_is_reported_and_the_rest_runs),
        cmocka_unit_test(print_shows_the_schedule),
        cmocka_unit_test(bad_invocations_exit_2),
        cmocka_unit_test(hostile_entries_are_skipped_with_a_line_each),
        cmocka_unit_test(a_directory_without_an_input_exits_2),
        cmocka_unit_test(exit_0_and_hang_mid_input_fail_and_the_rest_runs),
        cmocka_unit_test(a_leak_is_pinned_on_its_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
