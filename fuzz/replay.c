/*
 * replay.c - the standalone driver: runs a fuzz target on files and directories.
 *
 *   <target>-replay [--print] [--no-fork] [--timeout SEC] PATH...
 *
 * Directories are walked recursively in name order (dot files skipped), so
 * `corpus/<target>` includes `corpus/<target>/regressions`. Each input runs in a
 * forked child after the target's one-time set-up: an input that aborts (a real
 * finding) is reported and the rest still run; a hang is killed at the timeout.
 * Prints one line per file and its outcome; exit 0 when every input passed, 1
 * when any failed, 2 on usage errors or unreadable paths.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_target.h"

typedef struct ta__replay {
    int print;
    int fork;
    unsigned timeout;
    size_t ran, failed;
} ta__replay;

static int ta__read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL)
        return -1;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *n = realloc(buf, ncap);
            if (n == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = n;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* Run one input in a child; 0 when it returned normally. */
static int ta__run_forked(const ta__replay *r, const uint8_t *data, size_t len,
                          char *why, size_t why_len)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork failed: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        alarm(r->timeout); /* SIGALRM's default action kills the child */
        LLVMFuzzerTestOneInput(data, len);
        exit(0); /* exit, not _exit: LeakSanitizer reports at exit */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, why_len, "waitpid failed: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, why_len, "TIMEOUT after %u s", r->timeout);
    else if (WIFSIGNALED(status))
        snprintf(why, why_len, "CRASH (signal %d, %s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, why_len, "FAILED (exit %d)", WEXITSTATUS(status));
    return -1;
}

static int ta__replay_file(ta__replay *r, const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char why[128] = "";

    if (ta__read_file(path, &data, &len) != 0) {
        fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
        return -1;
    }
    printf("%s (%zu bytes)", path, len);
    if (r->print && ta_fuzz_target_describe != NULL) {
        printf("\n  input: ");
        fflush(stdout);
        ta_fuzz_target_describe(data, len, stdout);
        printf("  ->");
    }
    fflush(stdout);
    int bad;
    if (r->fork) {
        bad = ta__run_forked(r, data, len, why, sizeof(why));
    } else {
        LLVMFuzzerTestOneInput(data, len); /* a finding aborts right here */
        bad = 0;
    }
    printf(" %s\n", bad ? why : "ok");
    fflush(stdout);
    r->ran++;
    if (bad)
        r->failed++;
    free(data);
    return 0;
}

static int ta__skip(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int ta__replay_path(ta__replay *r, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return ta__replay_file(r, path);
    struct dirent **names;
    int n = scandir(path, &names, ta__skip, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list '%s': %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
        char *child = malloc(len);
        if (child == NULL || rc != 0) {
            rc = -1;
        } else {
            snprintf(child, len, "%s/%s", path, names[i]->d_name);
            rc = ta__replay_path(r, child);
        }
        free(child);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int ta__usage(const char *argv0, const char *msg)
{
    fprintf(stderr, "%s: %s; usage: %s [--print] [--no-fork] [--timeout SEC] FILE|DIR...\n",
            argv0, msg, argv0);
    return 2;
}

int main(int argc, char **argv)
{
    ta__replay r = {.print = 0, .fork = 1, .timeout = 25};
    int first = 1;

    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strcmp(argv[first], "--print") == 0) {
            r.print = 1;
        } else if (strcmp(argv[first], "--no-fork") == 0) {
            r.fork = 0;
        } else if (strcmp(argv[first], "--timeout") == 0 && first + 1 < argc) {
            char *end;
            unsigned long t = strtoul(argv[++first], &end, 10);
            if (*end != '\0' || t == 0 || t > 3600)
                return ta__usage(argv[0], "--timeout wants 1..3600 seconds");
            r.timeout = (unsigned)t;
        } else if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else {
            return ta__usage(argv[0], "unknown option");
        }
    }
    if (first >= argc)
        return ta__usage(argv[0], "no input given");
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = first; i < argc; i++)
        if (ta__replay_path(&r, argv[i]) != 0)
            return 2;
    printf("replayed %zu input%s, %zu failed\n", r.ran, r.ran == 1 ? "" : "s", r.failed);
    return r.failed ? 1 : 0;
}
