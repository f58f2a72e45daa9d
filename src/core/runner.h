/*
 * runner.h - the one way code under test runs: in a child process (runner.c).
 *
 * Every audit that calls code it did not write (a session-id callback, a
 * shutdown driver, built-in or loaded from a shared object) does it through
 * this module, never in the calling process. A child:
 *   - runs in its own process group, killed as a group when it is done, so that
 *     what it forked dies with it and kill(0, ...) reaches only itself;
 *   - has stdin on /dev/null and stdout/stderr in a pipe the parent drains and
 *     caps (the first TA__CHILD_KEEP bytes are kept as evidence);
 *   - runs under RLIMIT_AS (mem_limit_mb), RLIMIT_CORE 0, and RLIMIT_CPU when
 *     asked;
 *   - talks to the parent only in records over a SOCK_SEQPACKET socket: one
 *     send is one record, each stamped with a nonce drawn by the parent for
 *     this child. A child's work is complete only when it sends the record
 *     the caller waits for (an end-of-check, a case's result). Any other end,
 *     an exit with any status, a signal, a closed socket, a record that is not
 *     one of ours, is the code under test's doing and the caller reports it.
 * Harness failures inside the child travel as TA__REC_HARNESS records, never as
 * an exit status that the code under test could imitate.
 *
 * Private to src/.
 */
#ifndef TA_RUNNER_H
#define TA_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

/* Record types of the runner itself; callers number theirs from TA__REC_USER. */
enum {
    TA__REC_HARNESS = 1, /* payload: a message; our own set-up failed */
    TA__REC_LOAD_ERROR,  /* payload: a message; the code under test could not be loaded */
    TA__REC_USER = 16
};

#define TA__CHILD_KEEP 4096     /* bytes of the child's output kept as evidence */
#define TA__REC_MAX (64 * 1024) /* largest record payload */

typedef struct ta__child_opts {
    unsigned mem_limit_mb; /* RLIMIT_AS; 0: none (and none in sanitizer builds) */
    unsigned cpu_limit_s;  /* RLIMIT_CPU; 0: none */
} ta__child_opts;

typedef struct ta__child ta__child;

/* How a child ended, as the parent saw it. */
typedef struct ta__child_end {
    int exited, status;              /* exit() / _exit() and its status */
    int signaled, signal;            /* killed by a signal */
    int killed;                      /* the parent killed it (timeout, violation, done) */
    int violation;                   /* it sent something that is not one of our records */
    uint64_t output_total;           /* bytes it wrote to stdout/stderr */
    char output[TA__CHILD_KEEP + 1]; /* the first of them, NUL-terminated */
} ta__child_end;

/* Start fn(ch, arg) in a child. fn runs in the child and must end in
 * ta__child_exit(); the parent returns at once with the handle. */
TA_MUST_CHECK ta_status ta__child_start(const ta__child_opts *o,
                                        void (*fn)(ta__child *ch, void *arg), void *arg,
                                        ta__child **out);

/* Parent side. Wait up to wait_ms for one record (the child's output is drained
 * meanwhile). Returns 1 with a record (*type, payload in buf, *len; a payload
 * longer than cap is a violation), 0 when none came in time, -1 when the child
 * can send no more (its end of the socket closed, or a violation). */
int ta__child_recv(ta__child *ch, int wait_ms, unsigned *type, void *buf, size_t cap, size_t *len);
/* Parent side: send a request record; -1 when the child is gone. */
int ta__child_send(ta__child *ch, unsigned type, const void *p, size_t len);
/* Parent side: end the child. It gets grace_s to exit on its own after its
 * socket is closed (0: killed at once); then its process group is killed, it is
 * reaped and *end (may be NULL) says how it ended. Frees ch. */
void ta__child_finish(ta__child *ch, double grace_s, ta__child_end *end);
pid_t ta__child_pid(const ta__child *ch);
/* Parent side: the descriptors to poll(2) for a child with several (its record
 * socket while it may still send, its output pipe) into out[0..2); returns how
 * many. Then ta__child_recv(ch, 0, ...) takes what is ready and drains output. */
size_t ta__child_fds(const ta__child *ch, int *out);
/* Parent side: drain the child's output; 1 while it runs, 0 once it has ended
 * (not reaped: ta__child_finish still reports how it ended). */
int ta__child_running(ta__child *ch);

/* Child side: the current process's channel (set in the child by
 * ta__child_start; NULL in the parent). */
ta__child *ta__child_self(void);
/* Child side: send a record (one send, whole or not at all; several threads may
 * send at once). -1 when the parent is gone. */
int ta__child_put(unsigned type, const void *p, size_t len);
/* Child side: wait for the parent's next request; -1 when the parent closed. */
int ta__child_get(unsigned *type, void *buf, size_t cap, size_t *len);
/* Child side: a harness failure: send it as a record, then end the child. */
__attribute__((noreturn)) void ta__child_harness_fail(const char *fmt, ...) TA_PRINTF(1, 2);
/* Child side: end the child without running atexit handlers or destructors of
 * loaded objects (the code under test must not choose our end). */
__attribute__((noreturn)) void ta__child_exit(void);

/* Parent or child: TA_E_LOAD with one line unless the shared object at path
 * can be read (a name without a slash is relative to the current directory,
 * never a library search). Only looks: nothing is loaded. */
TA_MUST_CHECK ta_status ta__lib_check(const char *path);
/* Child side: load symbol from the shared object at path (a name without a
 * slash is relative to the current directory). want_function: the symbol must
 * be a function (else a data object). On failure: TA_E_LOAD with one line. The
 * location (object file, offset, symbol) is filled for the reports. */
TA_MUST_CHECK ta_status ta__load_symbol(const char *path, const char *symbol, int want_function,
                                        void **out, ta__location *loc);
/* Child side: a driver from a shared object: the symbol must be a data object
 * the size of a ta_sd_driver whose step is a function; its name (copied into
 * name, at most name_cap - 1 bytes; the symbol when unreadable) must not be
 * trusted as text. *out is a copy. TA_E_LOAD with one line otherwise. */
TA_MUST_CHECK ta_status ta__load_driver(const char *path, const char *symbol, ta_sd_driver *out,
                                        char *name, size_t name_cap, ta__location *loc);
/* Where addr (code already in this process) lives; 0 when unknown. */
int ta__locate(const void *addr, ta__location *loc);
/* A message's text for the terminal and reports: control and non-ASCII bytes
 * as \xNN, at most cap-1 bytes. */
void ta__escape(const char *in, size_t in_len, char *out, size_t cap);

#endif
