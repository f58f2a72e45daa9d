/*
 * runner.c - the one way code under test runs: in a child process (runner.h).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#if defined(__SANITIZE_ADDRESS__)
#define TA__SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) \
    || __has_feature(thread_sanitizer)
#define TA__SANITIZED 1
#endif
#endif
#ifndef TA__SANITIZED
#define TA__SANITIZED 0 /* sanitizers reserve terabytes of address space: no RLIMIT_AS */
#endif

typedef struct ta__rec_hdr {
    uint64_t nonce;
    uint32_t type, len;
} ta__rec_hdr;

struct ta__child {
    pid_t pid;
    int sock; /* our end of the record socket */
    int out;  /* parent: read end of the child's stdout/stderr; -1 in the child */
    uint64_t nonce;
    int gone, violation;
    uint64_t total;
    size_t kept;
    char keep[TA__CHILD_KEEP];
    uint8_t rx[sizeof(ta__rec_hdr) + TA__REC_MAX];
};

static ta__child *ta__self;

/* ------------------------------------------------------------ the child's start */

static void ta__child_limits(const ta__child_opts *o)
{
    struct rlimit rl = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &rl);
    if (o->mem_limit_mb > 0 && !TA__SANITIZED) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)o->mem_limit_mb * 1024 * 1024;
        (void)setrlimit(RLIMIT_AS, &rl);
    }
    if (o->cpu_limit_s > 0) {
        rl.rlim_cur = o->cpu_limit_s;
        rl.rlim_max = o->cpu_limit_s + 1;
        (void)setrlimit(RLIMIT_CPU, &rl);
    }
}

/* In the child, right after fork: a process group of its own, our fds only,
 * default signal handling (the code under test dies of its own signals, so the
 * parent sees them), and death with the parent. */
static void ta__child_setup(ta__child *ch, int sock, int out_w, const ta__child_opts *o)
{
    static const int fatal[] = {SIGSEGV, SIGBUS,  SIGABRT, SIGFPE, SIGILL,  SIGSYS,
                                SIGTRAP, SIGTERM, SIGINT,  SIGHUP, SIGXCPU, SIGXFSZ};
    sigset_t none;
    int null;

    (void)setpgid(0, 0);
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        signal(fatal[i], SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    null = open("/dev/null", O_RDONLY);
    if (null >= 0 && null != STDIN_FILENO) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    dup2(out_w, STDOUT_FILENO);
    dup2(out_w, STDERR_FILENO);
    if (out_w > STDERR_FILENO && out_w != sock)
        close(out_w);
    /* The record socket at fd 3, nothing else open above it. */
    if (sock != 3) {
        dup2(sock, 3);
        close(sock);
    }
    (void)syscall(SYS_close_range, 4U, ~0U, 0);
    ch->sock = 3;
    ch->out = -1;
    ta__child_limits(o);
}

ta_status ta__child_start(const ta__child_opts *o, void (*fn)(ta__child *ch, void *arg), void *arg,
                          ta__child **out)
{
    int sv[2], op[2];
    ta__child *ch;

    TA_ENSURE(o != NULL && fn != NULL && out != NULL, TA_E_ARG, "ta__child_start: NULL");
    *out = NULL;
    ch = calloc(1, sizeof(*ch));
    TA_ENSURE(ch != NULL, TA_E_NOMEM, "child handle");
    if (getrandom(&ch->nonce, sizeof(ch->nonce), 0) != (ssize_t)sizeof(ch->nonce))
        ch->nonce = (uint64_t)ta__mono_s() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        free(ch);
        TA_BAIL(TA_E_CHILD, "socketpair: %s", strerror(errno));
    }
    if (pipe2(op, O_CLOEXEC) != 0) {
        close(sv[0]);
        close(sv[1]);
        free(ch);
        TA_BAIL(TA_E_CHILD, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    ch->pid = fork();
    if (ch->pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        close(op[0]);
        close(op[1]);
        free(ch);
        TA_BAIL(TA_E_CHILD, "fork: %s", strerror(e));
    }
    if (ch->pid == 0) {
        close(sv[0]);
        close(op[0]);
        ta__child_setup(ch, sv[1], op[1], o);
        ta__self = ch;
        fn(ch, arg);
        ta__child_exit();
    }
    (void)setpgid(ch->pid, ch->pid); /* also here: no window where it shares ours */
    close(sv[1]);
    close(op[1]);
    ch->sock = sv[0];
    ch->out = op[0];
    (void)fcntl(ch->out, F_SETFL, fcntl(ch->out, F_GETFL) | O_NONBLOCK);
    *out = ch;
    return TA_OK;
}

pid_t ta__child_pid(const ta__child *ch)
{
    return ch->pid;
}

size_t ta__child_fds(const ta__child *ch, int *out)
{
    size_t n = 0;
    if (!ch->gone)
        out[n++] = ch->sock;
    if (ch->out >= 0)
        out[n++] = ch->out;
    return n;
}

/* ------------------------------------------------------------ parent side */

static void ta__child_drain_output(ta__child *ch)
{
    char buf[4096];
    for (int rounds = 0; ch->out >= 0 && rounds < 64; rounds++) {
        ssize_t n = read(ch->out, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0) {
                close(ch->out); /* every writer closed it */
                ch->out = -1;
            }
            return;
        }
        if (ch->kept < sizeof(ch->keep)) {
            size_t k =
                sizeof(ch->keep) - ch->kept < (size_t)n ? sizeof(ch->keep) - ch->kept : (size_t)n;
            memcpy(ch->keep + ch->kept, buf, k);
            ch->kept += k;
        }
        ch->total += (uint64_t)n;
    }
}

int ta__child_recv(ta__child *ch, int wait_ms, unsigned *type, void *buf, size_t cap, size_t *len)
{
    const double deadline = ta__mono_s() + wait_ms / 1000.0;
    int reset = 0; /* ECONNRESET seen once (below) */

    if (ch->gone)
        return -1;
    for (;;) {
        struct pollfd p[2] = {{ch->sock, POLLIN, 0}, {ch->out, POLLIN, 0}};
        double left = deadline - ta__mono_s();
        int ms = left > 0 ? (int)(left * 1000) + 1 : 0;
        int pr = poll(p, ch->out >= 0 ? 2 : 1, ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (ch->out >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
            ta__child_drain_output(ch);
        if (pr > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = recv(ch->sock, ch->rx, sizeof(ch->rx), MSG_DONTWAIT | MSG_TRUNC);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            /* A child that dies with requests still unread makes Linux report
             * ECONNRESET once, ahead of the records it had sent (af_unix.c,
             * unix_release_sock): read on, or its last answers are lost and its
             * end is blamed on a case it had answered. */
            if (n < 0 && errno == ECONNRESET && !reset++)
                continue;
            if (n <= 0) {
                ch->gone = 1;
                return -1;
            }
            ta__rec_hdr h;
            if ((size_t)n < sizeof(h) || (size_t)n > sizeof(ch->rx)) {
                ch->gone = ch->violation = 1;
                return -1;
            }
            memcpy(&h, ch->rx, sizeof(h));
            if (h.nonce != ch->nonce || h.len != (size_t)n - sizeof(h) || h.len > cap) {
                ch->gone = ch->violation = 1;
                return -1;
            }
            *type = h.type;
            *len = h.len;
            if (h.len > 0)
                memcpy(buf, ch->rx + sizeof(h), h.len);
            return 1;
        }
        if (ta__mono_s() >= deadline)
            return 0;
    }
}

static int ta__rec_send(int sock, uint64_t nonce, unsigned type, const void *p, size_t len)
{
    ta__rec_hdr h = {nonce, type, (uint32_t)len};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)p, len}};
    struct msghdr m;

    if (len > TA__REC_MAX)
        return -1;
    memset(&m, 0, sizeof(m));
    m.msg_iov = iov;
    m.msg_iovlen = len > 0 ? 2 : 1;
    for (;;) {
        ssize_t w = sendmsg(sock, &m, MSG_NOSIGNAL);
        if (w >= 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

int ta__child_send(ta__child *ch, unsigned type, const void *p, size_t len)
{
    if (ch->gone)
        return -1;
    return ta__rec_send(ch->sock, ch->nonce, type, p, len);
}

/* Observe the child's end without reaping it: while it is a zombie its pid (and
 * so its process group id) cannot be reused, so the group kill below hits only
 * what it left behind. */
static int ta__child_ended(ta__child *ch, int block, siginfo_t *si)
{
    memset(si, 0, sizeof(*si));
    for (;;) {
        int r = waitid(P_PID, (id_t)ch->pid, si, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
        if (r < 0 && errno == EINTR)
            continue;
        return r == 0 && si->si_pid == ch->pid;
    }
}

int ta__child_running(ta__child *ch)
{
    siginfo_t si;
    ta__child_drain_output(ch);
    return !ta__child_ended(ch, 0, &si);
}

void ta__child_finish(ta__child *ch, double grace_s, ta__child_end *end)
{
    siginfo_t si;
    int killed = 0;
    const double deadline = ta__mono_s() + grace_s;

    if (ch == NULL)
        return;
    shutdown(ch->sock, SHUT_RDWR);
    close(ch->sock);
    while (!ta__child_ended(ch, 0, &si)) {
        if (ta__mono_s() >= deadline) {
            kill(-ch->pid, SIGKILL);
            kill(ch->pid, SIGKILL);
            killed = 1;
            (void)ta__child_ended(ch, 1, &si);
            break;
        }
        struct pollfd p = {ch->out, POLLIN, 0};
        if (ch->out >= 0 && poll(&p, 1, 10) > 0)
            ta__child_drain_output(ch);
        else if (ch->out < 0) {
            struct timespec ts = {0, 200 * 1000}; /* a dead child is reaped within ~1 ms */
            nanosleep(&ts, NULL);
        }
    }
    kill(-ch->pid, SIGKILL); /* whatever it forked, while its zombie holds the group id */
    while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    ta__child_drain_output(ch);
    if (ch->out >= 0)
        close(ch->out);
    if (end != NULL) {
        memset(end, 0, sizeof(*end));
        end->killed = killed;
        end->violation = ch->violation;
        if (si.si_code == CLD_EXITED) {
            end->exited = 1;
            end->status = si.si_status;
        } else {
            end->signaled = 1;
            end->signal = si.si_status;
        }
        end->output_total = ch->total;
        memcpy(end->output, ch->keep, ch->kept);
        end->output[ch->kept] = '\0';
    }
    free(ch);
}

/* ------------------------------------------------------------ child side */

ta__child *ta__child_self(void)
{
    return ta__self;
}

int ta__child_put(unsigned type, const void *p, size_t len)
{
    if (ta__self == NULL)
        return -1;
    return ta__rec_send(ta__self->sock, ta__self->nonce, type, p, len);
}

int ta__child_get(unsigned *type, void *buf, size_t cap, size_t *len)
{
    ta__child *ch = ta__self;
    if (ch == NULL)
        return -1;
    for (;;) {
        ssize_t n = recv(ch->sock, ch->rx, sizeof(ch->rx), MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        ta__rec_hdr h;
        if (n < (ssize_t)sizeof(h) || (size_t)n > sizeof(ch->rx))
            return -1;
        memcpy(&h, ch->rx, sizeof(h));
        if (h.nonce != ch->nonce || h.len != (size_t)n - sizeof(h) || h.len > cap)
            return -1;
        *type = h.type;
        *len = h.len;
        if (h.len > 0)
            memcpy(buf, ch->rx + sizeof(h), h.len);
        return 0;
    }
}

void ta__child_harness_fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)ta__child_put(TA__REC_HARNESS, msg, strlen(msg));
    ta__child_exit();
}

void ta__child_exit(void)
{
    _exit(0); /* the status means nothing: only records do */
}

/* ------------------------------------------------------------ loading */

/* 1 when n bytes at p can be read (a bad pointer in a loaded driver must be a
 * load error, not a crash of the loader). */
static int ta__readable(const void *p, void *copy, size_t n)
{
    struct iovec local = {copy, n}, remote = {(void *)p, n};
    return p != NULL && process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)n;
}

static int ta__symbol_kind(const void *p, ta__location *loc)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    if (dladdr1(p, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL)
        return -1;
    if (loc != NULL && info.dli_fname != NULL) {
        snprintf(loc->object, sizeof(loc->object), "%s", info.dli_fname);
        loc->offset = (unsigned long)((const char *)p - (const char *)info.dli_fbase);
    }
    return (int)(sym->st_info & 0xf); /* ELF32_ST_TYPE and ELF64_ST_TYPE alike */
}

ta_status ta__lib_check(const char *path)
{
    char full[1024];
    snprintf(full, sizeof(full), "%s%s", strchr(path, '/') ? "" : "./", path);
    TA_ENSURE(access(full, R_OK) == 0, TA_E_LOAD, "cannot read '%s': no such file or no permission",
              path);
    return TA_OK;
}

ta_status ta__load_symbol(const char *path, const char *symbol, int want_function, void **out,
                          ta__location *loc)
{
    char full[1024];
    void *h, *p;
    int kind;

    TA_ENSURE(path != NULL && symbol != NULL && out != NULL, TA_E_ARG, "ta__load_symbol: NULL");
    *out = NULL;
    TA_GUARD(ta__lib_check(path));
    /* A name without a slash would send dlopen to the library search path. */
    snprintf(full, sizeof(full), "%s%s", strchr(path, '/') ? "" : "./", path);
    h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    TA_ENSURE(h != NULL, TA_E_LOAD, "cannot load '%s': %s", path, dlerror());
    (void)dlerror();
    p = dlsym(h, symbol);
    TA_ENSURE(p != NULL, TA_E_LOAD, "'%s' has no symbol '%s'", path, symbol);
    if (loc != NULL) {
        memset(loc, 0, sizeof(*loc));
        snprintf(loc->symbol, sizeof(loc->symbol), "%s", symbol);
    }
    kind = ta__symbol_kind(p, loc);
    if (want_function)
        TA_ENSURE(kind == STT_FUNC || kind == STT_GNU_IFUNC, TA_E_LOAD,
                  "'%s' in '%s' is not a function; a session-id callback is "
                  "int %s(SSL *, unsigned char *, unsigned int *)",
                  symbol, path, symbol);
    else
        TA_ENSURE(kind == STT_OBJECT || kind == STT_COMMON, TA_E_LOAD,
                  "'%s' in '%s' is %s, not a 'const ta_sd_driver' (a data object)", symbol, path,
                  kind == STT_FUNC || kind == STT_GNU_IFUNC ? "a function" : "no data object");
    *out = p;
    return TA_OK;
}

/* 1 when addr lies in an executable segment of a loaded object (a static step
 * function has no dynamic symbol to ask about). */
static int ta__code_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    const uintptr_t a = *(const uintptr_t *)arg;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && a >= lo && a < lo + ph->p_memsz)
            return 1;
    }
    return 0;
}

static int ta__is_code(const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    return addr != NULL && dl_iterate_phdr(ta__code_cb, &a) == 1;
}

ta_status ta__load_driver(const char *path, const char *symbol, ta_sd_driver *out, char *name,
                          size_t name_cap, ta__location *loc)
{
    void *p;
    ta_sd_driver d;

    TA_GUARD(ta__load_symbol(path, symbol, 0, &p, loc));
    TA_ENSURE(ta__readable(p, &d, sizeof(d)), TA_E_LOAD,
              "'%s' in '%s' is smaller than a ta_sd_driver", symbol, path);
    TA_ENSURE(ta__is_code(*(void **)&d.step), TA_E_LOAD,
              "the step of driver '%s' in '%s' is not a function", symbol, path);
    /* The name: at most name_cap - 1 readable bytes, else the symbol. */
    memset(name, 0, name_cap);
    size_t n = 0;
    char c;
    while (d.name != NULL && n + 1 < name_cap && ta__readable(d.name + n, &c, 1) && c != '\0')
        name[n++] = c;
    if (n == 0)
        snprintf(name, name_cap, "%s", symbol);
    d.name = name;
    d.summary = "";
    d.caught_by = "";
    *out = d;
    return TA_OK;
}

int ta__locate(const void *addr, ta__location *loc)
{
    Dl_info info;
    memset(loc, 0, sizeof(*loc));
    if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL)
        return 0;
    snprintf(loc->object, sizeof(loc->object), "%s", info.dli_fname);
    loc->offset = (unsigned long)((const char *)addr - (const char *)info.dli_fbase);
    if (info.dli_sname != NULL)
        snprintf(loc->symbol, sizeof(loc->symbol), "%s", info.dli_sname);
    return 1;
}

void ta__escape(const char *in, size_t in_len, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < in_len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
        } else {
            if (o + 5 > cap)
                break;
            snprintf(out + o, cap - o, "\\x%02x", c);
            o += 4;
        }
    }
    out[o] = '\0';
}
