/*
 * sd_worker_child.c - the child side of a shutdown worker (sd_worker.c starts
 * it): it loads the driver (a shared object only here), says hello, and runs
 * the cases of each request, one answer record per case, in order.
 */
#include <string.h>

#include "internal.h"
#include "sd_worker_wire.h"

/* A stand-in that does nothing and waits for ever (a cancel ends it): run in the
 * place of a driver that crashed, to learn what the schedule's peer did, hence
 * what was expected of the case (SD-CRASH shows it). Never code under test. */
static ta_sd_answer ta__sd_passive(SSL *ssl, ta_sd_event ev, void *state)
{
    (void)ssl;
    (void)state;
    return ev == TA_SD_CANCEL ? TA_SD_CANCELLED : TA_SD_PENDING_READ;
}

void ta__sd_worker_main(ta__child *ch, void *arg)
{
    ta__sd_worker *w = arg;
    ta_sd_driver loaded;
    const ta_sd_driver *d = w->d;
    ta_sd_engine *e = w->e;
    ta__sd_hello hello;
    static char name[64];

    (void)ch;
    memset(&hello, 0, sizeof(hello));
    if (d == NULL) {
        if (ta__load_driver(w->o.lib, w->o.symbol, &loaded, name, sizeof(name), &hello.loc)
            != TA_OK) {
            const char *m = ta_last_error()->message;
            (void)ta__child_put(TA__REC_LOAD_ERROR, m, strlen(m));
            ta__child_exit();
        }
        d = &loaded;
    } else {
        (void)ta__locate(*(void *const *)&d->step, &hello.loc);
    }
    snprintf(hello.name, sizeof(hello.name), "%s", d->name);
    hello.flags = d->flags;
    if (ta__child_put(TA__SD_HELLO, &hello, sizeof(hello)) != 0)
        ta__child_exit();
    static ta_sd_schedule tok; /* the explorer's tokens: which would change nothing */
    if (ta__sd_explore_tokens(&w->o, &tok) != TA_OK)
        tok.n = 0;
    const ta_sd_driver passive = {"passive", "", 0, ta__sd_passive, d->flags, ""};
    for (;;) {
        /* A request is one schedule (TA__SD_EXPECT) or a batch of them
         * (TA__SD_CASE): one reply record per case, in order, so the parent knows
         * which case a crash ended even in the middle of a batch. */
        static struct {
            ta__sd_batch_hdr h;
            ta_sd_schedule s[TA__SD_BATCH_MAX];
        } req;
        static ta__sd_wire_reply r;
        ta_sd_facts f;
        unsigned type;
        size_t len;
        ta_sd_schedule *s = req.s;
        uint64_t horizon = SIZE_MAX;
        if (ta__child_get(&type, &req, sizeof(req), &len) != 0)
            ta__child_exit();
        if (type == TA__SD_EXPECT && len == sizeof(req.s[0])) {
            memmove(req.s, &req, sizeof(req.s[0])); /* one schedule, no header */
        } else if (type == TA__SD_CASE && len > sizeof(req.h)
                   && (len - sizeof(req.h)) % sizeof(req.s[0]) == 0) {
            horizon = req.h.horizon;
            len -= sizeof(req.h);
        } else {
            ta__child_exit();
        }
        for (size_t i = 0; i < len / sizeof(s[0]); i++) {
            memset(&r, 0, sizeof(r));
            ta__sd_probe probe = {.tok = tok.act, .ntok = tok.n, .horizon = (size_t)horizon};
            r.status =
                ta__sd_run_sig(e, type == TA__SD_EXPECT ? &passive : d, &s[i], &f, &r.res, &probe);
            if (r.status != TA_OK)
                snprintf(r.msg, sizeof(r.msg), "%s", ta_last_error()->message);
            r.got = f.got;
            r.spin = f.spin;
            r.sig = probe.sig;
            r.noops = probe.noops;
            r.idle = probe.idle;
            r.silent = probe.silent;
            r.twin = probe.twin;
            if (ta__child_put(TA__SD_REPLY, &r, sizeof(r)) != 0)
                ta__child_exit();
        }
    }
}
