/*
 * test_fuzz_replay.c - the standalone replay driver (fuzz/replay.c) that
 * `ctest -L fuzz-replay` and tools/fuzz rely on.
 *
 * What it proves, against the real shutdown engine: directories are walked
 * recursively (regressions/ included) in name order; an input that aborts is
 * reported as a crash and the other inputs still run (one child per input); the
 * exit code says whether anything failed (0/1) or the replay itself could not
 * run (2); --print shows the decoded schedule. The same input passes with the
 * drain driver and fails with the eof-is-clean canary, so the replay reports the
 * code under test, not itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conformant_driver_passes_everything),
        cmocka_unit_test(canary_crash_is_reported_and_the_rest_runs),
        cmocka_unit_test(print_shows_the_schedule),
        cmocka_unit_test(bad_invocations_exit_2),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
