/*
 * sd_stream.c - the two directions of a run as the schedule's actions move them
 * (sd_action.c): deliveries towards local and the moment a deciding record
 * completes, the peer reading what reached it, injected and forged records, and
 * the write probe. Record boundaries come from the mirror of the stream towards
 * local (sd_run.h).
 */
#include <string.h>
#include <openssl/err.h>

#include "sd_run.h"

/* Bytes from `delivered` to the end of the record it is in (or of the next one). */
size_t ta__sd_next_record(ta__sd_run *r)
{
    const size_t end = ta__sd_mirror_end(r);
    size_t w = r->walk;
    for (;;) {
        if (w + TA__REC_HEADER > end)
            return end - r->delivered;
        size_t rl = ta__rec_len(r->mirror.data + (w - r->base));
        if (w + rl > r->delivered)
            return (w + rl < end ? w + rl : end) - r->delivered;
        w += rl;
        r->walk = w;
    }
}

/* After a delivery towards local: did a deciding record complete? The earlier
 * one in the stream wins. */
static void ta__sd_check_markers(ta__sd_run *r)
{
    size_t cn = r->cn_end && r->cn_end <= r->delivered ? r->cn_end : 0;
    size_t fa = r->fatal_end && r->fatal_end <= r->delivered ? r->fatal_end : 0;
    if (cn && (!fa || cn < fa))
        ta__sd_decide(r, TA_SD_EV_CLOSE_NOTIFY);
    else if (fa) {
        ta__sd_decide(r, TA_SD_EV_FATAL);
        if (r->f->decider == TA_SD_EV_FATAL)
            r->f->junk_partial = r->fatal_partial;
    }
}

/* Deliver n bytes (TA_ALL) towards local; 0 when nothing moved. */
ta_status ta__sd_to_local(ta__sd_run *r, size_t n, size_t *out)
{
    *out = 0;
    ta__sd_sync(r);
    if (ta_pair_is_closed(r->p, r->to_local) || n == 0)
        return TA_OK;
    TA_GUARD(ta_pair_deliver(r->p, r->to_local, n, out));
    if (*out == 0)
        return TA_OK;
    r->delivered += *out;
    r->fresh = 1;
    ta__sd_check_markers(r);
    ta__sd_drive(r, TA_SD_READABLE);
    return TA_OK;
}

/* The peer reads what it was given (application data discarded), bounded. */
void ta__sd_peer_read(ta__sd_run *r)
{
    unsigned char sink[2048];
    size_t n;
    for (int i = 0; i < 64; i++) {
        ERR_clear_error();
        if (SSL_read_ex(r->peer, sink, sizeof(sink), &n) != 1)
            break;
    }
    ERR_clear_error();
    r->peer_unread = 0;
    ta__sd_sync(r);
}

/* Queue bytes towards local as if the peer had sent them. */
ta_status ta__sd_inject(ta__sd_run *r, const uint8_t *b, size_t n, int partial)
{
    ta__sd_sync(r);
    if (ta_pair_is_closed(r->p, r->to_local) || n == 0)
        return TA_OK;
    size_t at = ta__sd_mirror_end(r);
    TA_GUARD(ta_pair_inject(r->p, r->to_local, b, n));
    TA_GUARD(ta__buf_append(&r->mirror, b, n));
    r->hist = ta__sd_fnv(r->hist, b, n); /* the state keys hold what was injected */
    ta__sd_desc_add(r, at, n, ta__sd_fnv(1, b, n) | 1);
    if (r->fatal_end == 0) {
        r->fatal_end = ta__sd_mirror_end(r);
        r->fatal_partial = partial;
    }
    return TA_OK;
}

/* 1 when the injected bytes do not end exactly on a record boundary. */
int ta__sd_ends_mid_record(const uint8_t *b, size_t n)
{
    size_t w = 0;
    while (w + TA__REC_HEADER <= n)
        w += ta__rec_len(b + w);
    return w != n;
}

int ta__sd_peer_sent_cn(ta__sd_run *r)
{
    return (SSL_get_shutdown(r->peer) & SSL_SENT_SHUTDOWN) != 0;
}

/* The write probe (write-after-shutdown): SSL_write(3) must fail with
 * SSL_R_PROTOCOL_IS_SHUTDOWN once our close_notify is out, and send nothing. */
int ta__sd_probe_write(ta__sd_run *r)
{
    size_t rec0 = ta__sd_local_records(r), n = 0;
    static const size_t call[] = {'w'}; /* a call on the local SSL: in the state keys */
    ERR_clear_error();
    int ret = SSL_write_ex(r->local, "x", 1, &n);
    ta__sd_note_call(r, call, 1);
    int e = SSL_get_error(r->local, ret);
    unsigned long err = ERR_peek_error();
    ERR_clear_error();
    return ret != 1 && e == SSL_ERROR_SSL && ERR_GET_REASON(err) == SSL_R_PROTOCOL_IS_SHUTDOWN
           && ta__sd_local_records(r) == rec0;
}

/* A record of `type` with `content`, authentic in the peer's name when its keys
 * are known (sd_forge.c); otherwise the raw, unprotected bytes, which the local
 * side must reject (a fatal decider). *forged says which one went out. */
ta_status ta__sd_forge_or_raw(ta__sd_run *r, uint8_t type, const uint8_t *content, size_t clen,
                              const uint8_t *raw, size_t rawlen, int *forged)
{
    uint8_t rec[128];
    size_t tlen, n = 0, w;

    *forged = 0;
    ta__sd_sync(r);
    if (ta_pair_is_closed(r->p, r->to_local))
        return TA_OK;
    const uint8_t *t = ta_pair_transcript(r->p, r->to_local, &tlen);
    if (!r->peer_rekeyed && SSL_is_init_finished(r->peer)
        && ta__sd_forge(r->peer, r->peer_role == TA_SERVER, r->s->tls, r->secret, t, tlen, type,
                        content, clen, r->forged, rec, sizeof(rec), &n)) {
        if (!ta__sd_peer_sent_cn(r)) {
            /* The forged record takes the peer's next sequence number: make the
             * peer use it up on a placeholder that never reaches the wire. */
            ERR_clear_error();
            if (SSL_write_ex(r->peer, "", 1, &w) != 1) {
                ERR_clear_error();
                return ta__sd_inject(r, raw, rawlen, 0);
            }
            (void)BIO_reset(SSL_get_wbio(r->peer));
            (void)ta_pair_records(r->p, r->to_local, &r->recs_seen); /* never on the wire */
        }
        r->forged++;
        size_t at = ta__sd_mirror_end(r);
        TA_GUARD(ta_pair_inject(r->p, r->to_local, rec, n));
        TA_GUARD(ta__buf_append(&r->mirror, rec, n));
        /* Forged bytes are random too: described by what was forged. */
        ta__sd_desc_add(r, at, n, ((uint64_t)type << 40) | ta__sd_fnv(2, content, clen) >> 24);
        r->hist = ta__sd_fnv(r->hist, &type, 1);
        *forged = 1;
        return TA_OK;
    }
    return ta__sd_inject(r, raw, rawlen, 0);
}
