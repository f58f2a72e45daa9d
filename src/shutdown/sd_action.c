/*
 * sd_action.c - the schedule's actions: what the peer does (a real OpenSSL
 * endpoint), what the transport delivers, injections and forged records, cancel
 * and spurious wake-ups. Every action either changes something or reports that
 * it did not (the explorer prunes those); none waits on anything.
 */
#include <string.h>
#include <openssl/err.h>

#include "sd_run.h"

/* Bytes from `delivered` to the end of the record it is in (or of the next one). */
static size_t ta__sd_next_record(ta__sd_run *r)
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
static ta_status ta__sd_to_local(ta__sd_run *r, size_t n, size_t *out)
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
static void ta__sd_peer_read(ta__sd_run *r)
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
static ta_status ta__sd_inject(ta__sd_run *r, const uint8_t *b, size_t n, int partial)
{
    ta__sd_sync(r);
    if (ta_pair_is_closed(r->p, r->to_local) || n == 0)
        return TA_OK;
    TA_GUARD(ta_pair_inject(r->p, r->to_local, b, n));
    TA_GUARD(ta__buf_append(&r->mirror, b, n));
    if (r->fatal_end == 0) {
        r->fatal_end = ta__sd_mirror_end(r);
        r->fatal_partial = partial;
    }
    return TA_OK;
}

/* 1 when the injected bytes do not end exactly on a record boundary. */
static int ta__sd_ends_mid_record(const uint8_t *b, size_t n)
{
    size_t w = 0;
    while (w + TA__REC_HEADER <= n)
        w += ta__rec_len(b + w);
    return w != n;
}

static int ta__sd_peer_sent_cn(ta__sd_run *r)
{
    return (SSL_get_shutdown(r->peer) & SSL_SENT_SHUTDOWN) != 0;
}

/* The write probe (write-after-shutdown): SSL_write(3) must fail with
 * SSL_R_PROTOCOL_IS_SHUTDOWN once our close_notify is out, and send nothing. */
static int ta__sd_probe_write(ta__sd_run *r)
{
    size_t rec0 = ta__sd_local_records(r), n = 0;
    ERR_clear_error();
    int ret = SSL_write_ex(r->local, "x", 1, &n);
    int e = SSL_get_error(r->local, ret);
    unsigned long err = ERR_peek_error();
    ERR_clear_error();
    return ret != 1 && e == SSL_ERROR_SSL && ERR_GET_REASON(err) == SSL_R_PROTOCOL_IS_SHUTDOWN
           && ta__sd_local_records(r) == rec0;
}

/* A record of `type` with `content`, authentic in the peer's name when its keys
 * are known (sd_forge.c); otherwise the raw, unprotected bytes, which the local
 * side must reject (a fatal decider). *forged says which one went out. */
static ta_status ta__sd_forge_or_raw(ta__sd_run *r, uint8_t type, const uint8_t *content,
                                     size_t clen, const uint8_t *raw, size_t rawlen, int *forged)
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
        }
        r->forged++;
        TA_GUARD(ta_pair_inject(r->p, r->to_local, rec, n));
        TA_GUARD(ta__buf_append(&r->mirror, rec, n));
        *forged = 1;
        return TA_OK;
    }
    return ta__sd_inject(r, raw, rawlen, 0);
}

/* One action; *changed = 0 when it had no effect (the explorer prunes those). */
ta_status ta__sd_act(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    const ta_tls v = r->s->tls;
    const size_t end0 = (ta__sd_sync(r), ta__sd_mirror_end(r));
    size_t n = 0;
    int peer_ready = SSL_is_init_finished(r->peer) && !ta__sd_peer_sent_cn(r);
    /* An application_data record of 32 junk bytes: fails to decrypt (bad_record_mac). */
    static const uint8_t junk[TA__REC_HEADER + 32] = {
        TA__REC_HEADER_BYTES(SSL3_RT_APPLICATION_DATA, 32),
        0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a,
        0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a,
        0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a};

    *changed = 1;
    switch (a->op) {
    case 's':
        if (r->started)
            break;
        r->started = 1;
        r->f->handshake_done = SSL_is_init_finished(r->local);
        ta__sd_drive(r, TA_SD_START);
        return TA_OK;
    case 'd': {
        unsigned char data[1024];
        size_t len = a->arg == 0 ? 16 : a->arg > sizeof(data) ? sizeof(data) : a->arg;
        if (!peer_ready)
            break;
        memset(data, 'D', len);
        ERR_clear_error();
        if (SSL_write_ex(r->peer, data, len, &n) == 1)
            r->f->peer_data_before_cn = 1;
        ERR_clear_error();
        break;
    }
    case 'c':
        if (ta__sd_peer_sent_cn(r))
            break;
        ERR_clear_error();
        (void)SSL_shutdown(r->peer);
        ERR_clear_error();
        ta__sd_sync(r);
        if (ta__sd_mirror_end(r) > end0 && (SSL_get_shutdown(r->peer) & SSL_SENT_SHUTDOWN))
            r->cn_end = ta__sd_mirror_end(r);
        break;
    case 'k':
        if (!peer_ready)
            break;
        ERR_clear_error();
        if (v == TA_TLS13) {
            if (SSL_key_update(r->peer, SSL_KEY_UPDATE_REQUESTED) == 1) {
                (void)SSL_do_handshake(r->peer);
                r->peer_rekeyed = 1;
            }
        } else if (r->peer_role == TA_SERVER && SSL_renegotiate(r->peer) == 1) {
            (void)SSL_do_handshake(r->peer); /* TLS 1.2: a HelloRequest */
        }
        ERR_clear_error();
        break;
    case 't':
        if (!peer_ready || v != TA_TLS13 || r->peer_role != TA_SERVER)
            break;
        ERR_clear_error();
        if (SSL_new_session_ticket(r->peer) == 1)
            (void)SSL_do_handshake(r->peer);
        ERR_clear_error();
        break;
    case 'h':
        if (!peer_ready || v != TA_TLS12 || r->peer_role != TA_SERVER)
            break;
        ERR_clear_error();
        if (SSL_renegotiate(r->peer) == 1)
            (void)SSL_do_handshake(r->peer);
        ERR_clear_error();
        break;
    case 'r':
        if (!r->peer_unread) {
            *changed = 0;
            return TA_OK;
        }
        ta__sd_peer_read(r);
        return TA_OK;
    case 'e':
        if (ta_pair_is_closed(r->p, r->to_local)) {
            *changed = 0;
            return TA_OK;
        }
        ta__sd_sync(r);
        TA_GUARD(ta_pair_close(r->p, r->to_local));
        ta__sd_decide(r, TA_SD_EV_EOF);
        r->fresh = 1;
        ta__sd_drive(r, TA_SD_READABLE);
        return TA_OK;
    case 'm': {
        size_t q = ta_pair_pending(r->p, r->to_local);
        if (q < 2 || ta_pair_is_closed(r->p, r->to_local)) {
            *changed = 0;
            return TA_OK;
        }
        TA_GUARD(ta__sd_to_local(r, q / 2, &n));
        TA_GUARD(ta_pair_close(r->p, r->to_local));
        ta__sd_decide(r, TA_SD_EV_EOF);
        r->fresh = 1;
        ta__sd_drive(r, TA_SD_READABLE);
        return TA_OK;
    }
    case '<':
        TA_GUARD(ta__sd_to_local(r, a->arg == 0 ? ta__sd_next_record(r)
                                    : a->arg == TA_SD_ALL_BYTES ? TA_ALL : a->arg, &n));
        *changed = n > 0;
        return TA_OK;
    case '>':
        TA_GUARD(ta_pair_deliver(r->p, r->to_peer,
                                 a->arg == 0 || a->arg == TA_SD_ALL_BYTES ? TA_ALL : a->arg, &n));
        r->delivered_peer += n;
        if (n > 0)
            r->peer_unread = 1;
        if (!r->peer_unread) {
            *changed = 0;
            return TA_OK;
        }
        ta__sd_peer_read(r);
        return TA_OK;
    case 'x':
        if (!r->started || r->final) {
            *changed = 0;
            return TA_OK;
        }
        ta__sd_decide(r, TA_SD_EV_CANCEL);
        ta__sd_drive(r, TA_SD_CANCEL);
        return TA_OK;
    case '!':
        if (!r->started || r->final) {
            *changed = 0;
            return TA_OK;
        }
        /* The harness chose this call, not the driver: answering PENDING_READ to
         * a spurious wake-up is right, and never counts towards SD-SPIN. */
        r->fresh = 1;
        ta__sd_drive(r, TA_SD_READABLE);
        return TA_OK;
    case 'w':
        if (!r->started || !(SSL_get_shutdown(r->local) & SSL_SENT_SHUTDOWN)) {
            *changed = 0;
            return TA_OK;
        }
        if (r->f->write_probe != 0)
            r->f->write_probe = ta__sd_probe_write(r);
        return TA_OK;
    case 'g':
        TA_GUARD(ta__sd_inject(r, junk, sizeof(junk), 0));
        break;
    case 'a': {
        /* A warning alert, user_canceled (RFC 8446 §6.1: a warning in 1.3 too). */
        static const uint8_t alert[TA__REC_HEADER + 2] = {
            TA__REC_HEADER_BYTES(SSL3_RT_ALERT, 2), SSL3_AL_WARNING, SSL_AD_USER_CANCELLED};
        int forged;
        TA_GUARD(ta__sd_forge_or_raw(r, SSL3_RT_ALERT, alert + TA__REC_HEADER, 2, alert,
                                     sizeof(alert), &forged));
        break;
    }
    case 'z': {
        /* A zero-length application_data record (RFC 8446 §5.4, RFC 5246 §6.2.1). */
        static const uint8_t empty[TA__REC_HEADER] = {
            TA__REC_HEADER_BYTES(SSL3_RT_APPLICATION_DATA, 0)};
        int forged;
        TA_GUARD(ta__sd_forge_or_raw(r, SSL3_RT_APPLICATION_DATA, NULL, 0, empty,
                                     sizeof(empty), &forged));
        if (forged && !ta__sd_peer_sent_cn(r))
            r->f->peer_data_before_cn = 1;
        break;
    }
    case 'i':
        TA_GUARD(ta__sd_inject(r, r->s->pool + a->off, a->len,
                               ta__sd_ends_mid_record(r->s->pool + a->off, a->len)));
        break;
    case 'f':
        /* The peer gets a corrupt record and answers with a real fatal alert. */
        if (!SSL_is_init_finished(r->peer) || (SSL_get_shutdown(r->peer) & SSL_RECEIVED_SHUTDOWN))
            break;
        TA_GUARD(ta_pair_inject(r->p, r->to_peer, junk, sizeof(junk)));
        TA_GUARD(ta_pair_deliver(r->p, r->to_peer, TA_ALL, &n));
        r->delivered_peer += n;
        ta__sd_peer_read(r);
        if (ta__sd_mirror_end(r) > end0 && r->fatal_end == 0)
            r->fatal_end = ta__sd_mirror_end(r);
        break;
    default:
        TA_BAIL(TA_E_ARG, "unknown schedule action '%c'", a->op);
    }
    ta__sd_sync(r);
    *changed = ta__sd_mirror_end(r) > end0;
    return TA_OK;
}

