/*
 * sd_explore.c - exhaustive mode: every interleaving of peer actions, deliveries
 * and cancel after the driver's start, up to a depth, for both versions and roles.
 *
 * Every schedule runs in a worker child (sd_worker.c), never here. OpenSSL
 * objects cannot be snapshotted (and a fork per schedule costs more than the
 * handshake), so every schedule is replayed from a fresh pair (PSK contexts keep
 * that cheap). The search is breadth-first; the schedules of a level are
 * independent, so they run a chunk at a time on two workers, in batches, and
 * their answers are taken in the order one worker would have given them: the
 * report does not depend on timing. It prunes twice: an action that changed
 * nothing (a delivery with nothing queued, a second close_notify, ...) adds
 * nothing new, and a schedule whose end state (record views, delivery
 * positions, shutdown flags, driver answer, the queue as far as the rest of the
 * search can deliver it) was already reached by another schedule is not
 * extended again: its subtree is the same. Each violation keeps the shortest
 * schedule that shows it, per rule, version and role (warning flags too, as
 * passing results); the schedule string replays it (--schedule).
 */
#define _GNU_SOURCE /* mremap */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"
#include "sd_worker.h"


/* The explorer's big arrays (the frontier, the batch, the state set: tens of
 * MB at depth 6) live in mappings that workers do not inherit. A worker is a
 * fork of this process, and a fork copies the page tables of every mapping it
 * inherits and makes each page copy-on-write, in the worker and here, while
 * workers only use their own buffers; a driver that crashes on every other
 * schedule has a worker forked for each crash. */
static void *ta__sd_big_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, bytes, MADV_DONTFORK); /* only the cost changes if it fails */
    return p;                               /* zeroed */
}

static void ta__sd_big_free(void *p, size_t bytes)
{
    if (p != NULL)
        (void)munmap(p, bytes);
}

/* p (old bytes) grown to bytes, contents kept; NULL (p still valid) on failure. */
static void *ta__sd_big_grow(void *p, size_t old, size_t bytes)
{
    if (p == NULL)
        return ta__sd_big_alloc(bytes);
    void *q = mremap(p, old, bytes, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return NULL;
    (void)madvise(q, bytes, MADV_DONTFORK);
    return q;
}

typedef struct {
    uint64_t *slot;
    size_t cap, n;
} ta__sd_set;

/* 1 when inserted, 0 when present, -1 on allocation failure. */
static int ta__sd_set_add(ta__sd_set *s, uint64_t h)
{
    if (h == 0)
        h = 1; /* 0 marks an empty slot */
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *v = ta__sd_big_alloc(cap * sizeof(*v));
        if (v == NULL)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slot[i] == 0)
                continue;
            size_t k = (size_t)(s->slot[i] % cap);
            while (v[k] != 0)
                k = (k + 1) % cap;
            v[k] = s->slot[i];
        }
        ta__sd_big_free(s->slot, s->cap * sizeof(*s->slot));
        s->slot = v;
        s->cap = cap;
    }
    size_t k = (size_t)(h % s->cap);
    while (s->slot[k] != 0) {
        if (s->slot[k] == h)
            return 0;
        k = (k + 1) % s->cap;
    }
    s->slot[k] = h;
    s->n++;
    return 1;
}

/* Report a violation (or the first schedule of a warning flag) once per rule,
 * version and role; reply.res is already the worker's verdict, but for what a
 * crashed case expected, asked for here (the workers are idle: between batches)
 * and only for the crashes reported. */
static ta_status ta__sd_note(ta__sd_worker *w, const ta_sd_opts *o, const ta_sd_schedule *s,
                             ta__sd_reply *reply, uint64_t *reported, ta_sd_report *rep,
                             ta_sd_explore_stats *st)
{
    ta_sd_result *res = &reply->res;
    if (res->pass && res->flag < 0)
        return TA_OK;
    st->violations += !res->pass;
    uint64_t bit =
        res->pass ? (uint64_t)1 << ((32 + res->flag) & 63) : (uint64_t)1 << (res->rule & 31);
    if (*reported & bit)
        return TA_OK;
    *reported |= bit;
    if (reply->expect_later)
        res->expected = ta__sd_worker_expected(w, s);
    ta__sd_name_result(o, ta__sd_worker_name(w), "schedule", res);
    return ta__sd_report_add(rep, res);
}

/* The tokens explored: o->actions parsed as a schedule, or every exhaustive
 * action of the table with its default argument, and "<*" (TA_SD_A_EXHAUSTIVE_ALL). */
ta_status ta__sd_explore_tokens(const ta_sd_opts *o, ta_sd_schedule *out)
{
    memset(out, 0, sizeof(*out));
    if (o->actions != NULL) {
        TA_GUARD(ta_sd_schedule_parse(o->actions, out));
        for (size_t i = 0; i < out->n; i++) {
            const ta_sd_action_info *ai = ta_sd_action_find(out->act[i].op);
            TA_ENSURE(out->act[i].op != 's' && ai->arg != TA_SD_ARG_BYTES, TA_E_ARG,
                      "exhaustive actions: '%c' cannot be explored", out->act[i].op);
        }
        return TA_OK;
    }
    for (const char *a = ta_sd_action_letters(TA_SD_A_EXHAUSTIVE); *a != '\0'; a++) {
        TA_GUARD(ta_sd_schedule_add(out, *a, 0, NULL, 0));
        if (ta_sd_action_find(*a)->flags & TA_SD_A_EXHAUSTIVE_ALL)
            TA_GUARD(ta_sd_schedule_add(out, *a, TA_SD_ALL_BYTES, NULL, 0));
    }
    return TA_OK;
}

/* A reply that ends its subtree: the code under test ended it, the harness could
 * not run it, or the driver is done (a final verdict: never called again) or spins. */
static int ta__sd_leaf(const ta__sd_reply *reply)
{
    return reply->crashed || reply->incomplete || TA_SD_IS_FINAL(reply->got) || reply->spin;
}

/* Workers running a level's schedules side by side, and schedules per batch. */
#define TA__SD_EXPLORE_WORKERS 2
#define TA__SD_CHUNK 2048

typedef struct {
    ta_sd_schedule s;
    uint64_t idle;   /* tokens that would change nothing at its end */
    uint64_t silent; /* tokens that, run last, could not change its verdict */
    uint64_t twin;   /* tokens that would replay an earlier token's run */
} ta__sd_node;

typedef struct {
    ta__sd_node *v;
    size_t n, cap;
} ta__sd_list;

static ta_status ta__sd_list_push(ta__sd_list *l, const ta_sd_schedule *s, const ta__sd_reply *rp)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ta__sd_node *v = ta__sd_big_grow(l->v, l->cap * sizeof(*v), cap * sizeof(*v));
        TA_ENSURE(v != NULL, TA_E_NOMEM, "exhaustive frontier");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].s = *s;
    l->v[l->n].idle = rp->idle;
    l->v[l->n].silent = rp->silent;
    l->v[l->n].twin = rp->twin;
    l->n++;
    return TA_OK;
}

/* How many records queued towards local past the delivery point the tokens can
 * still reach in `left` more actions: '<' reaches into one record (the rest of
 * the one it is in, or the next), 'j' into two; one with a byte count, "<*" and
 * 'm' into any number (SIZE_MAX); the others deliver nothing towards local. */
static size_t ta__sd_horizon(const ta_sd_schedule *tok, unsigned left)
{
    size_t reach = 0;
    for (size_t t = 0; t < tok->n; t++) {
        const ta_sd_action *a = &tok->act[t];
        size_t k = a->op == '<'   ? (a->arg == 0 ? 1 : SIZE_MAX)
                   : a->op == 'j' ? 2
                   : a->op == 'm' ? SIZE_MAX
                                  : 0;
        reach = k > reach ? k : reach;
    }
    return reach == SIZE_MAX ? SIZE_MAX : reach * left;
}

/* One version and role, breadth-first. Every schedule runs in the worker: a crash
 * is reported with its schedule and ends that subtree; the worker is restarted.
 *
 * Pruning (off with TA_SD_EXPLORE_NO_PRUNE):
 *  1. A token that would change nothing at the end of a schedule (the worker
 *     reports which: ta__sd_idle_mask, exact conditions of the handlers) is not
 *     run: the schedule it makes ends in the same state as its parent, whose
 *     subtree is explored already. Counted in pruned_idle.
 *  2. A schedule whose state key (ta__sd_state_key in sd_key.c) was reached
 *     before is run and judged but not extended: counted in pruned_seen.
 *  3. On the last level, a token that would neither step the driver nor change
 *     a fact the oracle reads (ta__sd_silent_mask, sd_idle.c: the peer's own
 *     writes, injections, a peer read or a new bound while nothing waits for
 *     room) is not run: the schedule it makes has its parent's verdict, judged
 *     already, and no subtree. Counted in pruned_silent. On other levels it runs:
 *     its state key and no-op tokens serve its children.
 *  4. A token that would make exactly the delivery an earlier token of the node
 *     makes (ta__sd_twin_mask, sd_idle.c: "<*" and 'j' with the rest of one record
 *     queued do what '<' does) is not run: the run would be its sibling's, call
 *     for call, so its verdict and subtree are the sibling's. Counted in
 *     pruned_twin.
 * Why 2 is sound for a driver we cannot look into: the key holds the driver's
 * whole call history (every event it was given, where the stream towards it
 * stood at that moment, whether the transport had room, what it answered), so
 * two schedules merge only when the driver made the same calls and saw the same
 * input at each: a deterministic driver (whose only per-connection state is its
 * state block and the SSL, as the ABI says) is then in the same state, and so is
 * the local SSL, which only the driver and those deliveries touch (harness calls
 * on it, 'w', and injected bytes are in the history too). The peer is OpenSSL: its
 * future depends on what it sent, what it received and read (delivery
 * positions, unread flag), its shutdown flags and keys (rekeyed); the queued
 * bytes each way are described record by record past the delivery positions;
 * the oracle's facts so far are in the key. Same key, same subtree, up to the
 * random bytes of the run.
 * The horizon (ta__sd_horizon): with `left` actions to go, the search can still
 * deliver at most left * reach records towards local (reach: 1 for '<', 2 for
 * 'j', any number for "<*"). Records queued beyond that are never delivered in
 * this subtree, so neither the driver nor the local SSL ever sees them, the
 * peer does not depend on them (it wrote them; its flags are in the key), and
 * the oracle judges only facts recorded when they were sent (in the key) or
 * when a record arrives (never): the key describes the queue up to there and
 * hashes the horizon where it cut. Two keys that cut are equal only with the
 * same horizon, hence at the same level, with the same actions left; two that
 * do not cut describe the whole queue. What it cannot see: state the driver
 * keeps outside its block across schedules of one worker (statics, the heap):
 * the +second scenarios and a fresh worker per matrix case are what catch
 * those. The unpruned search is there to check the claim: test_shutdown
 * compares the violations both find, with their shortest schedules. */
static ta_status ta__sd_explore_one(ta__sd_worker *const *ws, size_t nw, const ta_sd_opts *o,
                                    ta_tls v, ta_role role, unsigned depth,
                                    const ta_sd_schedule *tok, ta_sd_report *rep,
                                    ta_sd_explore_stats *st, uint64_t *reported)
{
    const int prune = !(o->explore_flags & TA_SD_EXPLORE_NO_PRUNE);
    ta__sd_set seen = {0};
    ta__sd_list cur = {0}, next = {0};
    ta_sd_schedule *cand = ta__sd_big_alloc(TA__SD_CHUNK * sizeof(*cand));
    ta__sd_reply *reply = ta__sd_big_alloc(TA__SD_CHUNK * sizeof(*reply));
    ta_status s = TA_OK;

    if (cand == NULL || reply == NULL) {
        ta__sd_big_free(cand, TA__SD_CHUNK * sizeof(*cand));
        ta__sd_big_free(reply, TA__SD_CHUNK * sizeof(*reply));
        TA_BAIL(TA_E_NOMEM, "exhaustive batch");
    }
    uint64_t *rep_bits = &reported[v * TA_ROLE_COUNT + role];
    /* The roots: the start alone, and, when backpressure is explored, the start
     * with the transport already full ("bs": the close_notify itself meets
     * WANT_WRITE; 'b' after the start bounds only what follows it). */
    int with_b = 0;
    for (size_t t = 0; t < tok->n; t++)
        with_b |= tok->act[t].op == 'b';
    size_t nroot = 0;
    for (int k = 0; s == TA_OK && k <= with_b; k++) {
        ta_sd_schedule *root = &cand[nroot++];
        memset(root, 0, sizeof(*root));
        root->tls = v;
        root->role = role;
        /* The local SSL reads ahead: with one record per delivery that changes
         * nothing a driver can see, and with coalesced deliveries ("<*", 'j') it is
         * what real connections do (the records land in OpenSSL's buffer, not on
         * the transport: SSL_has_pending(3)). */
        root->flags = TA_SD_F_READ_AHEAD;
        if (k == 1)
            s = ta_sd_schedule_add(root, 'b', 0, NULL, 0);
        if (s == TA_OK)
            s = ta_sd_schedule_add(root, 's', 0, NULL, 0);
    }
    /* The start alone is a schedule too (a driver may already go wrong there). */
    if (s == TA_OK)
        s = ta__sd_workers_run(ws, nw, cand, nroot, ta__sd_horizon(tok, depth), reply);
    for (size_t k = 0; s == TA_OK && k < nroot; k++) {
        ta__sd_reply *rp = &reply[k];
        st->explored++;
        if (!rp->crashed && !rp->incomplete)
            st->distinct += ta__sd_set_add(&seen, rp->sig) > 0;
        if (!rp->res.pass) {
            /* The start alone failed: always reported. */
            st->violations++;
            *rep_bits |= (uint64_t)1 << (rp->res.rule & 31);
            if (rp->expect_later)
                rp->res.expected = ta__sd_worker_expected(ws[0], &cand[k]);
            ta__sd_name_result(o, ta__sd_worker_name(ws[0]), "schedule", &rp->res);
            s = ta__sd_report_add(rep, &rp->res);
        }
        if (s == TA_OK && !ta__sd_leaf(rp))
            s = ta__sd_list_push(&cur, &cand[k], rp);
    }
    for (unsigned level = 1; s == TA_OK && level <= depth && cur.n > 0; level++) {
        next.n = 0;
        /* The level's candidates in order (node, then token), a chunk at a time:
         * all of a chunk run at once on the workers, the answers are then taken
         * in that order, as one worker would have given them. */
        for (size_t i = 0, t = 0; s == TA_OK && i < cur.n;) {
            size_t nc = 0;
            for (; s == TA_OK && i < cur.n && nc < TA__SD_CHUNK;
                 t = t + 1 < tok->n ? t + 1 : 0, i += t == 0) {
                if (prune && t < 64 && (cur.v[i].idle >> t & 1)) {
                    st->pruned_idle++;
                    continue;
                }
                if (prune && t < 64 && (cur.v[i].twin >> t & 1)) {
                    st->pruned_twin++;
                    continue;
                }
                if (prune && level == depth && t < 64 && (cur.v[i].silent >> t & 1)) {
                    st->pruned_silent++;
                    continue;
                }
                const ta_sd_action *a = &tok->act[t];
                cand[nc] = cur.v[i].s;
                s = ta_sd_schedule_add(&cand[nc++], a->op, a->arg, NULL, 0);
            }
            if (s == TA_OK)
                s = ta__sd_workers_run(ws, nw, cand, nc, ta__sd_horizon(tok, depth - level), reply);
            for (size_t j = 0; s == TA_OK && j < nc; j++) {
                ta__sd_reply *rp = &reply[j];
                st->explored++;
                if (rp->crashed || rp->incomplete) {
                    /* Ended by the code under test (or not run): reported, not extended. */
                    s = ta__sd_note(ws[0], o, &cand[j], rp, rep_bits, rep, st);
                    continue;
                }
                if (prune && rp->noops > 0) {
                    st->pruned_idle++; /* same state as a shorter schedule */
                    continue;
                }
                /* Violations, and the first schedule of each warning flag. */
                if ((s = ta__sd_note(ws[0], o, &cand[j], rp, rep_bits, rep, st)) != TA_OK)
                    break;
                int fresh = ta__sd_set_add(&seen, rp->sig);
                if (fresh < 0) {
                    s = ta__error_set(TA_E_NOMEM, 0, TA__FILE, __LINE__, "exhaustive state set");
                    break;
                }
                st->distinct += fresh > 0;
                if (prune && fresh == 0) {
                    st->pruned_seen++;
                    continue;
                }
                /* A final verdict ends the subtree: the driver is never called again. */
                if (!ta__sd_leaf(rp) && level < depth)
                    s = ta__sd_list_push(&next, &cand[j], rp);
            }
        }
        ta__sd_list tmp = cur;
        cur = next;
        next = tmp;
    }
    ta__sd_big_free(cand, TA__SD_CHUNK * sizeof(*cand));
    ta__sd_big_free(reply, TA__SD_CHUNK * sizeof(*reply));
    ta__sd_big_free(cur.v, cur.cap * sizeof(*cur.v));
    ta__sd_big_free(next.v, next.cap * sizeof(*next.v));
    ta__sd_big_free(seen.slot, seen.cap * sizeof(*seen.slot));
    return s;
}

ta_status ta_sd_explore(const ta_sd_driver *d, const ta_sd_opts *o, unsigned depth,
                        ta_sd_report **out, ta_sd_explore_stats *out_stats)
{
    ta__sd_worker *ws[TA__SD_EXPLORE_WORKERS] = {NULL};
    size_t nw = 1;
    ta_sd_report *rep = NULL;
    ta_sd_explore_stats st;
    uint64_t reported[TA_TLS_COUNT * TA_ROLE_COUNT] = {0};
    ta_sd_schedule tok;
    ta_status s = TA_OK;
    int dead;
    const double t0 = ta__mono_s();

    TA_ENSURE(o != NULL && out != NULL, TA_E_ARG, "ta_sd_explore: NULL argument");
    TA_ENSURE(depth >= 1 && depth < TA_SD_MAX_ACTIONS, TA_E_ARG, "depth %u", depth);
    *out = NULL;
    memset(&st, 0, sizeof(st));
    TA_GUARD(ta__sd_explore_tokens(o, &tok));
    TA_ENSURE(tok.n > 0, TA_E_ARG, "exhaustive mode without actions");
    TA_GUARD(ta__sd_begin(d, o, &ws[0], &rep, &dead));
    /* More workers, each with its share of every chunk (the same share whatever
     * the timing): a fixed number, not the machine's core count, so a driver that
     * keeps state across cases (statics) meets the same sequence everywhere. */
    for (; s == TA_OK && !dead && nw < TA__SD_EXPLORE_WORKERS; nw++)
        s = ta__sd_worker_new(d, o, &ws[nw]);
    for (size_t k = 0; k < nw; k++)
        ta__sd_worker_set_lazy(ws[k], 1);
    for (int v = 0; s == TA_OK && !dead && v < TA_TLS_COUNT; v++) {
        for (int r = 0; s == TA_OK && r < TA_ROLE_COUNT; r++) {
            char name[128];
            snprintf(name, sizeof(name), "%s/%s/schedule/%s", ta_tls_name((ta_tls)v),
                     ta_role_name((ta_role)r), ta__sd_worker_name(ws[0]));
            if (!ta_sd_only_match(o->only, name))
                continue;
            s = ta__sd_explore_one(ws, nw, o, (ta_tls)v, (ta_role)r, depth, &tok, rep, &st,
                                   reported);
        }
    }
    for (size_t k = 0; k < TA__SD_EXPLORE_WORKERS; k++)
        ta__sd_worker_free(ws[k]);
    st.seconds = ta__mono_s() - t0;
    if (s != TA_OK) {
        ta_sd_report_free(rep);
        return s;
    }
    ta__sd_report_explore(rep, &st, depth);
    if (out_stats != NULL)
        *out_stats = st;
    *out = rep;
    return TA_OK;
}
