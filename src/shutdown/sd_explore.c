/*
 * sd_explore.c - exhaustive mode: every interleaving of peer actions, deliveries
 * and cancel after the driver's start, up to a depth, for both versions and roles.
 *
 * Every schedule runs in a worker child (sd_worker.c), never here. OpenSSL
 * objects cannot be snapshotted, so every schedule is replayed from a fresh pair (PSK contexts keep that cheap). The search is breadth-first and
 * prunes twice: an action that changed nothing (a delivery with nothing queued,
 * a second close_notify, ...) adds nothing new, and a schedule whose end state
 * (record views, delivery positions, shutdown flags, driver answer) was already
 * reached by another schedule is not extended again: its subtree is the same.
 * Each violation keeps the shortest schedule that shows it, per rule, version
 * and role (warning flags too, as passing results); the schedule string replays
 * it (--schedule).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "sd_worker.h"


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
        uint64_t *v = calloc(cap, sizeof(*v));
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
        free(s->slot);
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

typedef struct {
    ta_sd_schedule *v;
    size_t n, cap;
} ta__sd_list;

static ta_status ta__sd_list_push(ta__sd_list *l, const ta_sd_schedule *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ta_sd_schedule *v = realloc(l->v, cap * sizeof(*v));
        TA_ENSURE(v != NULL, TA_E_NOMEM, "exhaustive frontier");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *s;
    return TA_OK;
}

/* Report a violation (or the first schedule of a warning flag) once per rule,
 * version and role; reply.res is already the worker's verdict. */
static ta_status ta__sd_note(ta__sd_worker *w, const ta_sd_opts *o, ta__sd_reply *reply,
                             uint32_t *reported, ta_sd_report *rep, ta_sd_explore_stats *st)
{
    ta_sd_result *res = &reply->res;
    if (res->pass && res->flag < 0)
        return TA_OK;
    st->violations += !res->pass;
    uint32_t bit = res->pass ? 1u << ((16 + res->flag) & 31) : 1u << (res->rule & 15);
    if (*reported & bit)
        return TA_OK;
    *reported |= bit;
    ta__sd_name_result(o, ta__sd_worker_name(w), "schedule", res);
    return ta__sd_report_add(rep, res);
}

/* One version and role. Every schedule runs in the worker: a crash is reported
 * with its schedule and ends that subtree; the worker is restarted. */
static ta_status ta__sd_explore_one(ta__sd_worker *w, const ta_sd_opts *o, ta_tls v, ta_role role,
                                    unsigned depth, ta_sd_report *rep, ta_sd_explore_stats *st,
                                    uint32_t *reported)
{
    ta__sd_set seen = {0};
    ta__sd_list cur = {0}, next = {0};
    ta_sd_schedule root;
    ta_status s = TA_OK;
    /* The TA_SD_A_EXHAUSTIVE actions of the table (sd_action.c), in its order. */
    const char *alphabet = ta_sd_action_letters(TA_SD_A_EXHAUSTIVE);

    memset(&root, 0, sizeof(root));
    root.tls = v;
    root.role = role;
    s = ta_sd_schedule_add(&root, 's', 0, NULL, 0);
    uint32_t *rep_bits = &reported[v * TA_ROLE_COUNT + role];
    if (s == TA_OK) {
        /* The start alone is a schedule too (a driver may already go wrong there). */
        ta__sd_reply reply;
        s = ta__sd_worker_run(w, &root, &reply);
        if (s == TA_OK) {
            st->explored++;
            if (!reply.crashed && !reply.incomplete)
                st->distinct += ta__sd_set_add(&seen, reply.sig) > 0;
            if (!reply.res.pass) {
                /* The start alone failed: always reported. */
                st->violations++;
                *rep_bits |= 1u << (reply.res.rule & 15);
                ta__sd_name_result(o, ta__sd_worker_name(w), "schedule", &reply.res);
                s = ta__sd_report_add(rep, &reply.res);
            }
            if (s == TA_OK && !reply.crashed && !reply.incomplete && !TA_SD_IS_FINAL(reply.got)
                && !reply.spin)
                s = ta__sd_list_push(&cur, &root);
        }
    }
    for (unsigned level = 1; s == TA_OK && level <= depth && cur.n > 0; level++) {
        next.n = 0;
        for (size_t i = 0; s == TA_OK && i < cur.n; i++) {
            for (const char *a = alphabet; s == TA_OK && *a != '\0'; a++) {
                ta_sd_schedule cand = cur.v[i];
                ta__sd_reply reply;
                if ((s = ta_sd_schedule_add(&cand, *a, 0, NULL, 0)) != TA_OK)
                    break;
                if ((s = ta__sd_worker_run(w, &cand, &reply)) != TA_OK)
                    break;
                st->explored++;
                if (reply.crashed || reply.incomplete) {
                    /* Ended by the code under test (or not run): reported, not extended. */
                    s = ta__sd_note(w, o, &reply, rep_bits, rep, st);
                    continue;
                }
                if (reply.noops > 0)
                    continue; /* same as a shorter schedule */
                /* Violations, and the first schedule of each warning flag. */
                if ((s = ta__sd_note(w, o, &reply, rep_bits, rep, st)) != TA_OK)
                    break;
                int fresh = ta__sd_set_add(&seen, reply.sig);
                TA_ENSURE(fresh >= 0, TA_E_NOMEM, "exhaustive state set");
                if (fresh == 0)
                    continue;
                st->distinct++;
                /* A final verdict ends the subtree: the driver is never called again. */
                if (!TA_SD_IS_FINAL(reply.got) && !reply.spin)
                    s = ta__sd_list_push(&next, &cand);
            }
        }
        ta__sd_list tmp = cur;
        cur = next;
        next = tmp;
    }
    free(cur.v);
    free(next.v);
    free(seen.slot);
    return s;
}

ta_status ta_sd_explore(const ta_sd_driver *d, const ta_sd_opts *o, unsigned depth,
                        ta_sd_report **out, ta_sd_explore_stats *out_stats)
{
    ta__sd_worker *w = NULL;
    ta_sd_report *rep = NULL;
    ta_sd_explore_stats st;
    uint32_t reported[TA_TLS_COUNT * TA_ROLE_COUNT] = {0};
    ta_status s = TA_OK;
    int dead;
    const double t0 = ta__mono_s();

    TA_ENSURE(o != NULL && out != NULL, TA_E_ARG, "ta_sd_explore: NULL argument");
    TA_ENSURE(depth >= 1 && depth < TA_SD_MAX_ACTIONS, TA_E_ARG, "depth %u", depth);
    *out = NULL;
    memset(&st, 0, sizeof(st));
    TA_GUARD(ta__sd_begin(d, o, &w, &rep, &dead));
    for (int v = 0; s == TA_OK && !dead && v < TA_TLS_COUNT; v++) {
        for (int r = 0; s == TA_OK && r < TA_ROLE_COUNT; r++) {
            char name[128];
            snprintf(name, sizeof(name), "%s/%s/schedule/%s", ta_tls_name((ta_tls)v),
                     ta_role_name((ta_role)r), ta__sd_worker_name(w));
            if (!ta_sd_only_match(o->only, name))
                continue;
            s = ta__sd_explore_one(w, o, (ta_tls)v, (ta_role)r, depth, rep, &st, reported);
        }
    }
    ta__sd_worker_free(w);
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
