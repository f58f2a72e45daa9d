/*
 * endpoint.h - real programs over real sockets: starting and stopping an
 * endpoint under test (ep_proc.c) and the TCP plumbing both audits of live
 * endpoints share (ep_net.c). Private to src/.
 *
 * A program under test is started with /bin/sh -c CMD through the runner
 * (core/runner.c), so it gets what every piece of code under test gets: its own
 * process group (stopped as a group, never by name), death with tlsaudit, stdin
 * on /dev/null, its output captured and capped as evidence. Every wait here has
 * a deadline, and says what happens at it.
 */
#ifndef TA_ENDPOINT_H
#define TA_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"
#include "runner.h"

/* ---------------------------------------------------------------- addresses */

typedef struct ta__hostport {
    char host[256]; /* as given, without brackets */
    char port[8];   /* decimal, 1..65535 */
} ta__hostport;

/* "HOST:PORT", "[V6]:PORT". TA_E_ARG with one line (what is wrong, the form
 * expected) otherwise. */
TA_MUST_CHECK ta_status ta__hostport_parse(const char *s, ta__hostport *out);

/* ---------------------------------------------------------------- processes */

typedef struct ta__proc ta__proc;

typedef struct ta__proc_opts {
    const char *const *env; /* extra "NAME=value" entries, NULL-terminated; may be NULL */
    unsigned mem_limit_mb;  /* RLIMIT_AS; 0: none */
} ta__proc_opts;

/* Start /bin/sh -c cmd in a process group of its own. Its output is drained
 * by a thread of ours until it ends or is stopped (a chatty program never
 * blocks on a full pipe). */
TA_MUST_CHECK ta_status ta__proc_start(const char *cmd, const ta__proc_opts *o, ta__proc **out);
/* 1 while it runs, 0 once it has ended (not reaped: ta__proc_stop still
 * reports how). */
int ta__proc_running(ta__proc *p);
/* Wait up to wait_s for it to end on its own. 1 when it ended, 0 at the
 * deadline (it still runs). */
int ta__proc_wait(ta__proc *p, double wait_s);
/* Stop it: SIGTERM to its group, grace_s to end, then SIGKILL to the group;
 * reaped, *end (may be NULL) says how it ended (end->killed: it had to be
 * killed). Frees p; NULL is a no-op. */
void ta__proc_stop(ta__proc *p, double grace_s, ta__child_end *end);
pid_t ta__proc_pid(const ta__proc *p);
/* A one-line description of how it ended ("exit 0", "signal 11 (Segmentation
 * fault)", "killed at the deadline"), for reports. */
void ta__proc_end_text(const ta__child_end *end, char *out, size_t cap);

/* Start cmd (may be NULL: a server someone else runs) and wait up to wait_s
 * for hp to accept TCP connections. TA_E_NET with one line when the port never
 * opens or the program ends first (its status and first line of output in the
 * message); the program is stopped then. */
TA_MUST_CHECK ta_status ta__server_start(const char *cmd, const ta__hostport *hp, double wait_s,
                                         const ta__proc_opts *o, ta__proc **out);

/* ---------------------------------------------------------------- sockets */

/* A TCP connection to hp within timeout_s (TCP_NODELAY set). TA_E_NET when
 * refused, unreachable or too slow. */
TA_MUST_CHECK ta_status ta__tcp_connect(const ta__hostport *hp, double timeout_s, int *out_fd);
/* A listening socket on 127.0.0.1, port 0 (the kernel picks): *out_port. */
TA_MUST_CHECK ta_status ta__tcp_listen_local(int *out_fd, unsigned *out_port);
/* Accept one connection within timeout_s: 1 with *out_fd, 0 at the deadline,
 * -1 on error. */
int ta__tcp_accept(int lfd, double timeout_s, int *out_fd);
/* A port on 127.0.0.1 that was free a moment ago, for a server that must be
 * told its port (nginx, haproxy). 0 on failure. */
unsigned ta__tcp_free_port(void);
/* Half-close: a FIN, the read side stays open. */
void ta__tcp_fin(int fd);
/* Close with SO_LINGER 0: the peer sees an RST. */
void ta__tcp_rst(int fd);

/* What one bounded read saw (endpoints-facts: FIN and RST are different
 * answers; a window that ends with the connection open is never a close). */
typedef enum ta__wire_ev {
    TA__WIRE_DATA = 0, /* *n bytes */
    TA__WIRE_FIN,      /* read() == 0 */
    TA__WIRE_RST,      /* ECONNRESET */
    TA__WIRE_OPEN,     /* nothing within the window: still open */
    TA__WIRE_ERROR     /* another errno (in *n) */
} ta__wire_ev;
const char *ta__wire_ev_name(ta__wire_ev e); /* "data", "fin", "rst", "open", "error" */
/* Wait up to window_s for fd to be readable, then read at most cap bytes. */
ta__wire_ev ta__wire_read(int fd, void *buf, size_t cap, double window_s, size_t *n);
/* Write all n bytes within timeout_s; -1 on error (errno set) or deadline. */
int ta__wire_write(int fd, const void *buf, size_t n, double timeout_s);

#endif
