/*
 * replay.c - the standalone driver: runs a fuzz target on files and directories.
 *
 *   <target>-replay [--print] [--fork-each | --no-fork] [--timeout SEC] PATH...
 *
 * Directories are walked recursively in name order (dot files skipped), so
 * `corpus/<target>` includes `corpus/<target>/regressions`. Inputs run in a
 * forked child after the target's one-time set-up; the child runs one input after
 * another, as libFuzzer runs a corpus in one process (a fork costs 10-20 ms
 * here, more under ASan: one per input was 98 % of a corpus replay). An input
 * that aborts, exits (with any status) or hangs past the timeout is reported,
 * and a fresh child runs the rest. Every failure is one input's alone: when the
 * child had run earlier inputs, the failing one runs again in a child of its own,
 * and the line says whether it fails alone too. When the child fails at its exit
 * (LeakSanitizer's report) each input it ran is replayed alone to name the
 * culprit. --fork-each: one child per input (the old isolation, slower);
 * --no-fork: in this process (a finding ends the replay).
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
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_target.h"

#define TA__REPLAY_MAX_LEN ((size_t)1 << 20) /* bytes read from one input, at most */

enum { TA__ONE_CHILD, TA__FORK_EACH, TA__IN_PROCESS };

typedef struct ta__replay {
    int print;
    int mode; /* TA__ONE_CHILD (default), TA__FORK_EACH, TA__IN_PROCESS */
    unsigned timeout;
    size_t ran, failed, skipped;
    /* TA__ONE_CHILD: the child running inputs one after another (pid 0: none),
     * the pipes to and from it, and the paths it ran (for a failure at its exit). */
    pid_t pid;
    int to, from;
    char **batch;
    size_t nbatch, capbatch;
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

/* What a child's wait status says about the input it ran. */
static void ta__status_why(int status, unsigned timeout, char *why, size_t why_len)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, why_len, "TIMEOUT after %u s", timeout);
    else if (WIFSIGNALED(status))
        snprintf(why, why_len, "CRASH (signal %d, %s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, why_len, "FAILED (exit %d)", WEXITSTATUS(status));
}

static int ta__wait(pid_t pid, int *status, char *why, size_t why_len)
{
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, why_len, "waitpid failed: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int ta__io_all(int fd, void *buf, size_t n, int writing);

/* Run one input in a child of its own; 0 when it returned normally. The child
 * says so on a pipe: an exit(0) in the middle of the input is no pass. */
static int ta__run_forked(const ta__replay *r, const uint8_t *data, size_t len, char *why,
                          size_t why_len)
{
    int done[2];
    if (pipe(done) != 0) {
        snprintf(why, why_len, "pipe failed: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork failed: %s", strerror(errno));
        close(done[0]);
        close(done[1]);
        return -1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(done[0]);
        alarm(r->timeout); /* SIGALRM's default action kills the child */
        LLVMFuzzerTestOneInput(data, len);
        char k = 'k';
        if (ta__io_all(done[1], &k, 1, 1) != 0)
            _exit(3);
        exit(0); /* exit, not _exit: LeakSanitizer reports at exit */
    }
    close(done[1]);
    char k = 0;
    int returned = ta__io_all(done[0], &k, 1, 0) == 0 && k == 'k';
    close(done[0]);
    int status;
    if (ta__wait(pid, &status, why, why_len) != 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (returned)
            return 0;
        snprintf(why, why_len, "FAILED (exit 0 in the middle of the input)");
        return -1;
    }
    ta__status_why(status, r->timeout, why, why_len);
    return -1;
}

static int ta__io_all(int fd, void *buf, size_t n, int writing)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t k = writing ? write(fd, p, n) : read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The child of TA__ONE_CHILD: reads (index, length, bytes), runs the input in a
 * buffer of exactly its length (as libFuzzer does: an overread is caught), and
 * answers the index. The end of its input stream ends it, through exit(): the
 * LeakSanitizer report of everything it ran comes then. */
static void ta__child_loop(int in, int out)
{
    for (;;) {
        uint64_t hdr[2];
        if (ta__io_all(in, hdr, sizeof(hdr), 0) != 0)
            exit(0);
        uint8_t *data = malloc(hdr[1] > 0 ? (size_t)hdr[1] : 1);
        if (data == NULL || ta__io_all(in, data, (size_t)hdr[1], 0) != 0)
            _exit(3);
        LLVMFuzzerTestOneInput(data, (size_t)hdr[1]);
        free(data);
        if (ta__io_all(out, &hdr[0], sizeof(hdr[0]), 1) != 0)
            _exit(3);
    }
}

static int ta__child_start(ta__replay *r, char *why, size_t why_len)
{
    int to[2], from[2];
    if (pipe(to) != 0) {
        snprintf(why, why_len, "pipe failed: %s", strerror(errno));
        return -1;
    }
    if (pipe(from) != 0) {
        snprintf(why, why_len, "pipe failed: %s", strerror(errno));
        close(to[0]);
        close(to[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork failed: %s", strerror(errno));
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        return -1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(to[1]);
        close(from[0]);
        ta__child_loop(to[0], from[1]);
    }
    close(to[0]);
    close(from[1]);
    r->pid = pid;
    r->to = to[1];
    r->from = from[0];
    return 0;
}

static void ta__batch_clear(ta__replay *r)
{
    for (size_t i = 0; i < r->nbatch; i++)
        free(r->batch[i]);
    r->nbatch = 0;
}

/* The child is gone or must go: kill it (kill: 1) and reap it; *status is its
 * wait status. */
static int ta__child_end(ta__replay *r, int kill_it, int *status, char *why, size_t why_len)
{
    close(r->to);
    close(r->from);
    /* Bounded: an exit handler of the code under test may hang too. */
    for (unsigned ms = 0; !kill_it && ms < r->timeout * 1000u; ms += 10) {
        pid_t w = waitpid(r->pid, status, WNOHANG);
        if (w == r->pid) {
            r->pid = 0;
            return 0;
        }
        if (w < 0 && errno != EINTR)
            break;
        usleep(10000);
    }
    kill(r->pid, SIGKILL);
    int rc = ta__wait(r->pid, status, why, why_len);
    r->pid = 0;
    return rc;
}

/* Run one input in the child (started when there is none). On a failure the
 * child is gone; when it had run earlier inputs, this one runs again alone, so
 * that every failure is reported as one input's. */
static int ta__run_in_child(ta__replay *r, const char *path, const uint8_t *data, size_t len,
                            char *why, size_t why_len)
{
    if (r->pid == 0 && ta__child_start(r, why, why_len) != 0)
        return -1;
    if (r->nbatch == r->capbatch) {
        size_t cap = r->capbatch ? r->capbatch * 2 : 64;
        char **b = realloc(r->batch, cap * sizeof(*b));
        if (b == NULL) {
            snprintf(why, why_len, "out of memory");
            return -1;
        }
        r->batch = b;
        r->capbatch = cap;
    }
    if ((r->batch[r->nbatch] = strdup(path)) == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    const size_t earlier = r->nbatch++;
    uint64_t hdr[2] = {earlier, len}, back = UINT64_MAX;
    int status = 0, kill_it = 0;
    char own[160] = "";
    if (ta__io_all(r->to, hdr, sizeof(hdr), 1) == 0
        && ta__io_all(r->to, (void *)data, len, 1) == 0) {
        struct pollfd pf = {.fd = r->from, .events = POLLIN};
        int n;
        while ((n = poll(&pf, 1, (int)r->timeout * 1000)) < 0 && errno == EINTR)
            ;
        if (n == 0) {
            kill_it = 1;
            snprintf(own, sizeof(own), "TIMEOUT after %u s", r->timeout);
        } else if (ta__io_all(r->from, &back, sizeof(back), 0) == 0 && back == earlier) {
            return 0;
        } else if (back != UINT64_MAX) {
            kill_it = 1; /* an answer out of turn: not ours to trust */
            snprintf(own, sizeof(own), "FAILED (the child answered for another input)");
        }
    }
    if (ta__child_end(r, kill_it, &status, why, why_len) != 0)
        return -1;
    ta__batch_clear(r);
    if (own[0] == '\0') {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            snprintf(own, sizeof(own), "FAILED (exit 0 in the middle of the input)");
        else
            ta__status_why(status, r->timeout, own, sizeof(own));
    }
    if (earlier == 0 || ta__run_forked(r, data, len, why, why_len) != 0) {
        if (earlier == 0)
            snprintf(why, why_len, "%s", own);
        return -1;
    }
    snprintf(why, why_len, "%s after %zu earlier input%s in one process; alone it passes", own,
             earlier, earlier == 1 ? "" : "s");
    return -1;
}

static int ta__read_file(ta__replay *r, const char *path, uint8_t **out, size_t *out_len);

/* The end of TA__ONE_CHILD: the child exits; a failure then (LeakSanitizer's
 * report, an exit handler) is pinned on the inputs that fail alone. */
static void ta__child_finish(ta__replay *r)
{
    int status;
    char why[160];
    if (r->pid == 0)
        return;
    if (ta__child_end(r, 0, &status, why, sizeof(why)) != 0 || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0) {
        char own[160];
        ta__status_why(status, r->timeout, own, sizeof(own));
        printf("the process that ran the last %zu input%s failed at its exit: %s; each runs "
               "again alone\n",
               r->nbatch, r->nbatch == 1 ? "" : "s", own);
        size_t culprits = 0;
        for (size_t i = 0; i < r->nbatch; i++) {
            uint8_t *data = NULL;
            size_t len = 0;
            if (ta__read_file(r, r->batch[i], &data, &len) != 0)
                continue;
            if (ta__run_forked(r, data, len, why, sizeof(why)) != 0) {
                printf("%s (%zu bytes) alone: %s\n", r->batch[i], len, why);
                culprits++;
            }
            free(data);
        }
        if (culprits == 0)
            printf("none fails alone: counted as one failure (state carried across inputs)\n");
        r->failed += culprits > 0 ? culprits : 1;
        fflush(stdout);
    }
    ta__batch_clear(r);
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
    if (r->mode == TA__ONE_CHILD) {
        bad = ta__run_in_child(r, path, data, len, why, sizeof(why));
    } else if (r->mode == TA__FORK_EACH) {
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
    fprintf(stderr,
            "%s: %s; usage: %s [--print] [--fork-each | --no-fork] [--timeout SEC] FILE|DIR...\n",
            argv0, msg, argv0);
    return 2;
}

int main(int argc, char **argv)
{
    ta__replay r = {.print = 0, .mode = TA__ONE_CHILD, .timeout = 25};
    int first = 1;

    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strcmp(argv[first], "--print") == 0) {
            r.print = 1;
        } else if (strcmp(argv[first], "--no-fork") == 0) {
            r.mode = TA__IN_PROCESS;
        } else if (strcmp(argv[first], "--fork-each") == 0) {
            r.mode = TA__FORK_EACH;
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
    signal(SIGPIPE, SIG_IGN); /* a child that died mid-input: EPIPE, told apart below */
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
    ta__child_finish(&r);
    free(r.batch);
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
