/*
 * sd_key.c - the explorer's state keys (sd_explore.c argues why they merge only
 * runs with the same future): what a run records for them on the way (the
 * driver's calls, the quiet points, the stream described record by record) and
 * the key of its end state.
 */
#include <string.h>

#include "sd_run.h"

void ta__sd_desc_add(ta__sd_run *r, size_t start, size_t len, uint64_t code)
{
    ta__sd_desc d = {start, len, code};
    if (ta__buf_append(&r->desc, &d, sizeof(d)) != TA_OK)
        snprintf(r->note, sizeof(r->note), "out of memory describing the stream");
}

/* What the local SSL shows of itself (a driver sees no more of it than this and
 * what it reads). */
static uint64_t ta__sd_ssl_state(SSL *s, uint64_t h)
{
    int v[] = {SSL_get_shutdown(s),
               SSL_is_init_finished(s),
               SSL_in_init(s),
               SSL_get_key_update_type(s),
               SSL_has_pending(s),
               SSL_pending(s),
               SSL_want(s),
               SSL_get_quiet_shutdown(s),
               SSL_renegotiate_pending(s)};
    return ta__sd_fnv(h, v, sizeof(v));
}

void ta__sd_note_call(ta__sd_run *r, const size_t *call, size_t n)
{
    r->hist = ta__sd_fnv(r->hist, call, n * sizeof(*call));
    if (SSL_has_pending(r->local)) {
        size_t rel[] = {r->delivered - r->clean_pos,
                        r->delivered - ta_pair_unread(r->p, r->s->role) - r->clean_pos};
        r->hist_since =
            ta__sd_fnv(ta__sd_fnv(r->hist_since, call, n * sizeof(*call)), rel, sizeof(rel));
        return;
    }
    /* Quiet: everything the SSL took from its transport is processed. */
    r->clean_pos = r->delivered - ta_pair_unread(r->p, r->s->role);
    r->hist_since = 0;
    uint64_t h = ta__sd_ssl_state(r->local, 1469598103934665603ULL);
    r->clean_sig = r->state != NULL ? ta__sd_fnv(h, r->state, r->d->state_size) : h;
}

uint64_t ta__sd_fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* Hash the stream towards local from `from` on, record by record (kind, length,
 * position relative to `from`), but of the records not delivered at all only the
 * first `horizon`: the rest of the search can deliver no more of them, so they
 * cannot change what the driver sees or the oracle judges (a cut is hashed with
 * the horizon, so keys with the same cut come from the same level). Returns
 * the end of what was described. */
static size_t ta__sd_hash_ahead(const ta__sd_run *r, size_t from, size_t horizon, uint64_t *h)
{
    const ta__sd_desc *dv = (const ta__sd_desc *)r->desc.data;
    size_t ahead = 0, cut = ta__sd_mirror_end(r);
    for (size_t i = 0, n = r->desc.len / sizeof(*dv); i < n; i++) {
        if (dv[i].start + dv[i].len <= from)
            continue;
        if (dv[i].start >= r->delivered && ahead++ == horizon) {
            cut = dv[i].start;
            *h = ta__sd_fnv(*h, &horizon, sizeof(horizon));
            break;
        }
        size_t e[] = {dv[i].start > from ? dv[i].start - from : 0,
                      from - (dv[i].start < from ? dv[i].start : from), dv[i].len,
                      (size_t)dv[i].code, (size_t)(dv[i].code >> 32)};
        *h = ta__sd_fnv(*h, e, sizeof(e));
    }
    *h = ta__sd_fnv(*h, "|", 1);
    return cut;
}

/* Where a deciding record ends (cn_end, fatal_end), for the keys: none,
 * delivered, ahead (relative to `from`), or past what the key describes. */
static size_t ta__sd_marker(const ta__sd_run *r, size_t at, size_t from, size_t cut)
{
    if (at == 0)
        return 0;
    if (at <= r->delivered)
        return 1;
    return at <= cut ? 3 + at - from : 2;
}

/* The state key of the end of a run (the explorer's; sd_explore.c argues why it
 * merges only runs with the same future): the stream towards local from the
 * start of the schedule, record by record (kind + length, or what was injected:
 * the random bytes differ from run to run) up to the horizon, and our record
 * view, which with the delivery positions give the bytes queued and delivered
 * each way; the driver's
 * call history (r->hist); both shutdown flags, the peer's reading state and
 * rekeying, closure, backpressure (capacity, bytes stuck in OpenSSL, room), the
 * driver's answer and idle count, and the oracle's facts so far. */
static uint64_t ta__sd_signature(ta__sd_run *r, size_t horizon)
{
    uint64_t h = 1469598103934665603ULL;
    size_t n, cut = ta__sd_hash_ahead(r, r->base, horizon, &h);
    const ta_record *rec = ta_pair_records(r->p, r->to_peer, &n);
    for (size_t i = 0; i < n; i++) {
        uint32_t k = ((uint32_t)rec[i].kind << 16) | rec[i].length;
        h = ta__sd_fnv(h, &k, sizeof(k));
    }
    size_t vals[] = {r->delivered - r->base,
                     r->delivered_peer,
                     cut - r->base,
                     (size_t)ta_pair_is_closed(r->p, r->to_local),
                     (size_t)SSL_get_shutdown(r->peer),
                     (size_t)SSL_get_shutdown(r->local),
                     (size_t)r->ans,
                     (size_t)r->final,
                     (size_t)r->f->decider,
                     (size_t)r->f->write_probe,
                     (size_t)r->peer_unread,
                     (size_t)r->started,
                     (size_t)r->f->write_blocked,
                     (size_t)r->f->cancel_seen,
                     (size_t)r->hist,
                     (size_t)(r->hist >> 32),
                     ta__sd_marker(r, r->cn_end, r->base, cut),
                     ta__sd_marker(r, r->fatal_end, r->base, cut),
                     (size_t)r->fatal_partial,
                     (size_t)r->peer_rekeyed,
                     (size_t)r->f->peer_data_before_cn,
                     (size_t)r->f->junk_partial,
                     (size_t)r->f->spin,
                     (size_t)r->idle,
                     ta_pair_stuck(r->p, r->s->role),
                     ta__sd_room(r),
                     r->cap,
                     (size_t)SSL_is_init_finished(r->peer)};
    return ta__sd_fnv(h, vals, sizeof(vals));
}

/* The state key of a driver that promises TA_SD_STATE_IN_BLOCK (sd_explore.c
 * argues why it is sound): instead of the whole history, the last quiet point
 * (SSL state and state block then, the driver calls since) and what is still
 * ahead of the local side: the stream from the quiet point on, described record
 * by record with the delivery and read positions relative to it, but of the
 * records not yet delivered at all only the first `horizon` (the rest of the
 * search can deliver no more: the key then says where it stopped). The peer and
 * the oracle's facts as in ta__sd_signature. */
static uint64_t ta__sd_signature_abstract(ta__sd_run *r, size_t horizon)
{
    uint64_t h = 1469598103934665603ULL;
    size_t cut = ta__sd_hash_ahead(r, r->clean_pos, horizon, &h);
    /* Ours not yet delivered to the peer, record by record. */
    size_t nl, end = 0, out;
    const ta_record *lr = ta_pair_records(r->p, r->to_peer, &nl);
    (void)ta_pair_transcript(r->p, r->to_peer, &out);
    for (size_t i = 0; i < nl; i++) {
        end += TA__REC_HEADER + lr[i].length;
        if (end <= r->delivered_peer)
            continue;
        size_t e[] = {end - r->delivered_peer, (size_t)lr[i].kind, lr[i].length};
        h = ta__sd_fnv(h, e, sizeof(e));
    }
    size_t unread = ta_pair_unread(r->p, r->s->role);
    size_t vals[] = {r->delivered - r->clean_pos,
                     r->delivered - unread - r->clean_pos,
                     cut - r->clean_pos,
                     (size_t)ta_pair_is_closed(r->p, r->to_local),
                     (size_t)SSL_get_shutdown(r->peer),
                     (size_t)SSL_is_init_finished(r->peer),
                     (size_t)SSL_get_key_update_type(r->peer),
                     (size_t)r->peer_unread,
                     (size_t)r->peer_rekeyed,
                     (size_t)r->clean_sig,
                     (size_t)(r->clean_sig >> 32),
                     (size_t)r->hist_since,
                     (size_t)(r->hist_since >> 32),
                     (size_t)ta__sd_ssl_state(r->local, 0),
                     (size_t)r->ans,
                     (size_t)r->final,
                     (size_t)r->started,
                     (size_t)r->idle,
                     (size_t)r->f->decider,
                     (size_t)r->f->write_probe,
                     (size_t)r->f->peer_data_before_cn,
                     (size_t)r->f->junk_partial,
                     (size_t)r->f->spin,
                     (size_t)r->f->local_cn,
                     (size_t)r->f->nonalert_after_cn,
                     (size_t)r->f->keyupdate_after_cn,
                     (size_t)r->f->write_stuck,
                     (size_t)r->f->write_blocked,
                     (size_t)r->f->cancel_seen,
                     ta__sd_marker(r, r->cn_end, r->clean_pos, cut),
                     ta__sd_marker(r, r->fatal_end, r->clean_pos, cut),
                     (size_t)r->fatal_partial,
                     ta_pair_stuck(r->p, r->s->role),
                     ta__sd_room(r),
                     r->cap,
                     out - r->delivered_peer};
    return ta__sd_fnv(h, vals, sizeof(vals));
}

uint64_t ta__sd_state_key(ta__sd_run *r, size_t horizon)
{
    return (r->d->flags & TA_SD_STATE_IN_BLOCK) ? ta__sd_signature_abstract(r, horizon)
                                                : ta__sd_signature(r, horizon);
}
