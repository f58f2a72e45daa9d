/*
 * sid_invoke.c - the guarded invoker: call a session-id callback with an id
 * buffer that ends exactly at a PROT_NONE page.
 *
 * Why: OpenSSL hands the callback a 32-byte array inside its SSL_SESSION, so a
 * write past *id_len lands in the session's next fields, invisible even to ASan
 * (an intra-object overflow). The man page: "The buffer at location id is only
 * guaranteed to have the size id_len ... the callback must never ... write to
 * the location id exceeding the given limit." Here a write past the offered
 * length faults at once; the fault address gives the offset.
 *
 *   [ PROT_NONE ][ canaries ... | id buffer (offered bytes) ][ PROT_NONE ]
 *
 * Canaries in front catch small underflows; the lower guard page catches wild ones.
 * A fault outside the guard pages is not ours: the handler restores the default
 * action and returns, the access repeats and the process (a check's child) dies
 * with the real signal, which the parent reports as SID-CRASH.
 */
#define _GNU_SOURCE 1 /* REG_ERR: the page-fault error code in ucontext */
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "sid_internal.h"

#define TA__CANARY_BYTE 0xA5

static uint8_t ta__canaries[4096]; /* filled with TA__CANARY_BYTE by guard_new */

struct ta__sid_guard {
    uint8_t *map; /* three pages */
    size_t page;
    size_t canary;
    void *altstack;
};

/* The one guard in use and where to go back to: a process-wide slot, because a
 * signal handler can reach nothing else. Guarded calls run in one thread only. */
static ta__sid_guard *volatile ta__cur;
static sigjmp_buf ta__jmp;
static volatile uintptr_t ta__fault_addr;
static volatile int ta__fault_write;

static void ta__sid_fault(int sig, siginfo_t *si, void *ucv)
{
    ta__sid_guard *g = ta__cur;
    uintptr_t a = (uintptr_t)si->si_addr;
    uintptr_t lo = g ? (uintptr_t)g->map : 0;

    if (g != NULL
        && ((a >= lo && a < lo + g->page) || (a >= lo + 2 * g->page && a < lo + 3 * g->page))) {
        ta__fault_addr = a;
#if defined(__x86_64__) && defined(REG_ERR)
        /* Page-fault error code: bit 1 set for a write access. */
        ta__fault_write = (((ucontext_t *)ucv)->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;
#else
        (void)ucv;
        ta__fault_write = -1;
#endif
        siglongjmp(ta__jmp, 1);
    }
    /* Not ours: let it kill the process with the real signal. */
    signal(sig, SIG_DFL);
}

ta_status ta__sid_guard_new(size_t canary, ta__sid_guard **out)
{
    ta__sid_guard *g;
    struct sigaction sa;
    stack_t ss;
    long page = sysconf(_SC_PAGESIZE);

    TA_ENSURE(out != NULL && page > 0, TA_E_ARG, "ta__sid_guard_new");
    g = calloc(1, sizeof(*g));
    TA_ENSURE(g != NULL, TA_E_NOMEM, "guard");
    g->page = (size_t)page;
    g->canary = canary > g->page - TA__SID_MAX ? g->page - TA__SID_MAX : canary;
    if (g->canary > sizeof(ta__canaries))
        g->canary = sizeof(ta__canaries);
    memset(ta__canaries, TA__CANARY_BYTE, sizeof(ta__canaries));
    g->map = mmap(NULL, 3 * g->page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED) {
        free(g);
        TA_BAIL(TA_E_NOMEM, "mmap of the guarded id buffer failed");
    }
    if (mprotect(g->map + g->page, g->page, PROT_READ | PROT_WRITE) != 0) {
        munmap(g->map, 3 * g->page);
        free(g);
        TA_BAIL(TA_E_NOMEM, "mprotect of the guarded id buffer failed");
    }
    /* An alternate stack, so a callback that blew its stack still reaches us. */
    g->altstack = malloc(SIGSTKSZ * 4);
    if (g->altstack != NULL) {
        ss.ss_sp = g->altstack;
        ss.ss_size = SIGSTKSZ * 4;
        ss.ss_flags = 0;
        (void)sigaltstack(&ss, NULL);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = ta__sid_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    *out = g;
    return TA_OK;
}

void ta__sid_guard_free(ta__sid_guard *g)
{
    stack_t ss;
    if (g == NULL)
        return;
    if (ta__cur == g)
        ta__cur = NULL;
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    if (g->altstack != NULL) {
        memset(&ss, 0, sizeof(ss));
        ss.ss_flags = SS_DISABLE;
        (void)sigaltstack(&ss, NULL);
        free(g->altstack);
    }
    munmap(g->map, 3 * g->page);
    free(g);
}

void ta__sid_guard_call(ta__sid_guard *g, ta_sid_cb cb, SSL *ssl, unsigned offered,
                        ta__sid_call *out)
{
    uint8_t *end = g->map + 2 * g->page;
    uint8_t *volatile buf = end - offered;
    volatile unsigned len = offered;

    memset(out, 0, sizeof(*out));
    out->offered = offered;
    /* OpenSSL zero-fills the id before the call (ssl_generate_session_id). */
    memset(buf, 0, offered);
    memset(buf - g->canary, TA__CANARY_BYTE, g->canary);
    ta__sid_cache_call_begin();
    ta__cur = g;
    /* No mask saved: a syscall per call otherwise; SA_NODEFER keeps SIGSEGV
     * unblocked in the handler, so there is no mask to restore. */
    if (sigsetjmp(ta__jmp, 0) == 0) {
        out->ret = cb(ssl, buf, (unsigned int *)&len);
    } else {
        long off = (long)(ta__fault_addr - (uintptr_t)buf);
        ta__cur = NULL;
        if (off < 0) {
            out->underflow_offset = off;
        } else {
            out->overflow = 1;
            out->overflow_offset = off;
            out->overflow_write = ta__fault_write;
        }
        out->ret = 0;
        out->out_len = offered;
        return;
    }
    ta__cur = NULL;
    out->out_len = len;
    memcpy(out->id, buf, offered);
    if (memcmp(buf - g->canary, ta__canaries, g->canary) == 0)
        return; /* the common case, checked in one pass */
    /* The byte nearest to the buffer first: that is where an off-by-one lands. */
    for (long o = 1; o <= (long)g->canary; o++) {
        if (buf[-o] != TA__CANARY_BYTE) {
            out->underflow_offset = -o;
            break;
        }
    }
}

int ta__sid_call_judge(const ta__sid_call *c, ta__sid_breaks *out)
{
    out->n = 0;
    if (c->overflow) {
        /* The fault's error code tells a read from a write (x86-64); where the
         * platform does not say, it counts as a write, the worse of the two. */
        out->rule[out->n++] = c->overflow_write == 0 ? TA_SID_OVERREAD : TA_SID_OVERFLOW;
        return 0;
    }
    if (c->underflow_offset < 0)
        out->rule[out->n++] = TA_SID_UNDERFLOW;
    if (c->ret != 0 && c->ret != 1)
        out->rule[out->n++] = TA_SID_RETURN_VALUE; /* OpenSSL reads even -1 as success */
    if (c->ret == 0)
        return 0;
    if (c->out_len > c->offered) {
        out->rule[out->n++] = TA_SID_LEN_GROWN;
        return 0;
    }
    if (c->out_len == 0) {
        out->rule[out->n++] = TA_SID_LEN_ZERO;
        return 0;
    }
    return 1;
}
