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
 * when any failed, 2 on usage errors, unreadable paths, or a PATH from which
 * not one input ran.
 *
 * The gate replays directories that pull requests supply, so what a directory
 * holds is not trusted:
 *   - only regular files run. FIFOs, devices, sockets, dangling symlinks and
 *     symlinks to any of them are skipped with one line each, and never opened
 *     (a FIFO's open would block; /dev/zero never ends). Files are opened with
 *     O_NONBLOCK and checked again with fstat, in case one was swapped since.
 *   - symlinks to directories are not followed inside a walk (a link to "." or
 *     a parent would recurse without end); a PATH given on the command line is
 *     followed.
 *   - an input larger than TA__REPLAY_MAX_LEN (1 MiB, libFuzzer's -max_len
 *     spirit: no target here reads that far) is skipped with one line, not run:
 *     running its first 1 MiB would report on an input that is not on disk.
 *     Reading stops at the cap, whatever the file claims its size is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_target.h"

#define TA__REPLAY_MAX_LEN ((size_t)1 << 20) /* bytes read from one input, at most */

typedef struct ta__replay {
    int print;
    int fork;
    unsigned timeout;
    size_t ran, failed, skipped;
} ta__replay;

static const char *ta__kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISDIR(m))
        return "a directory";
    return "not a regular file";
}

static void ta__skip_line(ta__replay *r, const char *path, const char *what, const char *kind)
{
    printf("%s: skipped, %s%s (not a regular file)\n", path, what, kind);
    fflush(stdout);
    r->skipped++;
}

/* 0: read (at most TA__REPLAY_MAX_LEN bytes); 1: over the cap or not a regular
 * file after all (a line says so); -1: cannot read (errno set). */
static int ta__read_file(ta__replay *r, const char *path, uint8_t **out, size_t *out_len)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        ta__skip_line(r, path, "", ta__kind(st.st_mode));
        return 1;
    }
    /* Read one byte past the cap: that byte tells an over-cap file. */
    while (st.st_size >= 0 && (size_t)st.st_size <= TA__REPLAY_MAX_LEN) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            if (ncap > TA__REPLAY_MAX_LEN + 1)
                ncap = TA__REPLAY_MAX_LEN + 1;
            uint8_t *n = realloc(buf, ncap);
            if (n == NULL) {
                free(buf);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            buf = n;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        len += (size_t)got;
        if (got == 0 || len > TA__REPLAY_MAX_LEN)
            break;
    }
    close(fd);
    if ((size_t)st.st_size > TA__REPLAY_MAX_LEN || len > TA__REPLAY_MAX_LEN) {
        free(buf);
        printf("%s: skipped, over the %zu-byte cap (not run)\n", path, TA__REPLAY_MAX_LEN);
        fflush(stdout);
        r->skipped++;
        return 1;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* Run one input in a child; 0 when it returned normally. */
static int ta__run_forked(const ta__replay *r, const uint8_t *data, size_t len, char *why,
                          size_t why_len)
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

    int rd = ta__read_file(r, path, &data, &len);
    if (rd < 0) {
        fflush(stdout);
        fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
        return -1;
    }
    if (rd > 0)
        return 0;
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

/* top: a PATH from the command line (symlinks followed); otherwise an entry
 * found in a walk, whose symlinks are followed to regular files only. */
static int ta__replay_path(ta__replay *r, const char *path, int top)
{
    struct stat st;

    if ((top ? stat(path, &st) : lstat(path, &st)) != 0) {
        fflush(stdout);
        fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0) {
            ta__skip_line(r, path, "a dangling symlink", "");
            return 0;
        }
        if (!S_ISREG(st.st_mode)) {
            ta__skip_line(r, path, "a symlink to ", ta__kind(st.st_mode));
            return 0;
        }
    }
    if (S_ISREG(st.st_mode))
        return ta__replay_file(r, path);
    if (!S_ISDIR(st.st_mode)) {
        ta__skip_line(r, path, "", ta__kind(st.st_mode));
        return 0;
    }
    struct dirent **names;
    int n = scandir(path, &names, ta__skip, alphasort);
    if (n < 0) {
        fflush(stdout);
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
            rc = ta__replay_path(r, child, 0);
        }
        free(child);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int ta__usage(const char *argv0, const char *msg)
{
    fprintf(stderr, "%s: %s; usage: %s [--print] [--no-fork] [--timeout SEC] FILE|DIR...\n", argv0,
            msg, argv0);
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
    const char *empty = NULL; /* the first PATH from which nothing ran */
    size_t empty_skipped = 0;
    for (int i = first; i < argc; i++) {
        size_t ran = r.ran, skipped = r.skipped;
        if (ta__replay_path(&r, argv[i], 1) != 0)
            return 2;
        if (r.ran == ran && empty == NULL) {
            empty = argv[i];
            empty_skipped = r.skipped - skipped;
        }
    }
    printf("replayed %zu input%s, %zu failed, %zu skipped\n", r.ran, r.ran == 1 ? "" : "s",
           r.failed, r.skipped);
    fflush(stdout);
    /* Last, so that it is the line the gate quotes: an empty corpus is not a pass. */
    if (empty != NULL) {
        fprintf(stderr,
                "replay: nothing replayed from '%s': no regular file of at most %zu "
                "bytes in it (%zu skipped); give a corpus with at least one input\n",
                empty, TA__REPLAY_MAX_LEN, empty_skipped);
        return 2;
    }
    return r.failed ? 1 : 0;
}
