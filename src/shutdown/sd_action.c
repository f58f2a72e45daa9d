/*
 * sd_action.c - the schedule's actions: what the peer does (a real OpenSSL
 * endpoint), what the transport delivers, injections and forged records, cancel
 * and spurious wake-ups. Every action either changes something or reports that
 * it did not (the explorer prunes those); none waits on anything.
 *
 * One handler per action, and one table (ta__sd_actions, at the end) that gives
 * each its letter, argument, alphabets and meaning. When a handler's "changed
 * nothing" conditions change, change the explorer's no-op test too (sd_idle.c).
 */
#include <string.h>
#include <openssl/err.h>

#include "sd_run.h"

/* An application_data record of 32 junk bytes: it fails to decrypt (bad_record_mac). */
static const uint8_t ta__sd_junk[TA__REC_HEADER + 32] = {
    TA__REC_HEADER_BYTES(SSL3_RT_APPLICATION_DATA, 32),
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a,
    0xa5,
    0x5a};

/* The peer may still act: its handshake is done and its close_notify not sent. */
int ta__sd_peer_ready(ta__sd_run *r)
{
    return SSL_is_init_finished(r->peer) && !ta__sd_peer_sent_cn(r);
}

/* The verdict of actions that act through the peer or inject: they changed
 * something when the stream towards local grew. */
static ta_status ta__sd_if_stream_grew(ta__sd_run *r, int *changed)
{
    ta__sd_sync(r);
    *changed = ta__sd_mirror_end(r) > r->act_end0;
    return TA_OK;
}

/* ------------------------------------------------------------ the handlers */

static ta_status ta__sd_do_start(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (r->started)
        return ta__sd_if_stream_grew(r, changed);
    r->started = 1;
    r->f->handshake_done = SSL_is_init_finished(r->local);
    ta__sd_drive(r, TA_SD_START);
    return TA_OK;
}

static ta_status ta__sd_do_data(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    unsigned char data[1024];
    size_t n, len = a->arg == 0 ? 16 : a->arg > sizeof(data) ? sizeof(data) : a->arg;

    if (ta__sd_peer_ready(r)) {
        memset(data, 'D', len);
        ERR_clear_error();
        if (SSL_write_ex(r->peer, data, len, &n) == 1)
            r->f->peer_data_before_cn = 1;
        ERR_clear_error();
    }
    return ta__sd_if_stream_grew(r, changed);
}

static ta_status ta__sd_do_close_notify(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (!ta__sd_peer_sent_cn(r)) {
        ERR_clear_error();
        (void)SSL_shutdown(r->peer);
        ERR_clear_error();
        ta__sd_sync(r);
        if (ta__sd_mirror_end(r) > r->act_end0 && ta__sd_peer_sent_cn(r))
            r->cn_end = ta__sd_mirror_end(r);
    }
    return ta__sd_if_stream_grew(r, changed);
}

static ta_status ta__sd_do_ticket(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (ta__sd_peer_ready(r) && r->s->tls == TA_TLS13 && r->peer_role == TA_SERVER) {
        ERR_clear_error();
        if (SSL_new_session_ticket(r->peer) == 1)
            (void)SSL_do_handshake(r->peer);
        ERR_clear_error();
    }
    return ta__sd_if_stream_grew(r, changed);
}

static ta_status ta__sd_do_hello_request(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (ta__sd_peer_ready(r) && r->s->tls == TA_TLS12 && r->peer_role == TA_SERVER) {
        ERR_clear_error();
        if (SSL_renegotiate(r->peer) == 1)
            (void)SSL_do_handshake(r->peer);
        ERR_clear_error();
    }
    return ta__sd_if_stream_grew(r, changed);
}

/* TLS 1.2 has no KeyUpdate: the nearest thing is the 'h' action's HelloRequest. */
static ta_status ta__sd_do_key_update(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    if (r->s->tls != TA_TLS13)
        return ta__sd_do_hello_request(r, a, changed);
    if (ta__sd_peer_ready(r)) {
        ERR_clear_error();
        if (SSL_key_update(r->peer, SSL_KEY_UPDATE_REQUESTED) == 1) {
            (void)SSL_do_handshake(r->peer);
            r->peer_rekeyed = 1;
        }
        ERR_clear_error();
    }
    return ta__sd_if_stream_grew(r, changed);
}

/* A delivery towards the peer made room: a driver waiting to write is called. */
static void ta__sd_room_made(ta__sd_run *r)
{
    if (r->started && !r->final && r->ans == TA_SD_PENDING_WRITE && ta__sd_room(r) > 0) {
        r->fresh = 1;
        ta__sd_drive(r, TA_SD_WRITABLE);
    }
}

static ta_status ta__sd_do_peer_read(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (!r->peer_unread) {
        *changed = 0;
        return TA_OK;
    }
    ta__sd_peer_read(r);
    ta__sd_room_made(r); /* what the peer read no longer takes room */
    return TA_OK;
}

/* The transport towards local closes (what was queued is dropped). */
static ta_status ta__sd_close_to_local(ta__sd_run *r)
{
    TA_GUARD(ta_pair_close(r->p, r->to_local));
    /* A peer that closed its socket reads nothing more: what we write goes to the
     * kernel (or fails), it no longer waits for room. */
    r->cap = 0;
    ta_pair_set_capacity(r->p, r->to_peer, 0);
    ta__sd_decide(r, TA_SD_EV_EOF);
    r->fresh = 1;
    ta__sd_drive(r, TA_SD_READABLE);
    return TA_OK;
}

static ta_status ta__sd_do_eof(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (ta_pair_is_closed(r->p, r->to_local)) {
        *changed = 0;
        return TA_OK;
    }
    ta__sd_sync(r);
    return ta__sd_close_to_local(r);
}

static ta_status ta__sd_do_eof_mid_record(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    size_t n, q = ta_pair_pending(r->p, r->to_local);

    (void)a;
    if (q < 2 || ta_pair_is_closed(r->p, r->to_local)) {
        *changed = 0;
        return TA_OK;
    }
    TA_GUARD(ta__sd_to_local(r, q / 2, &n));
    return ta__sd_close_to_local(r);
}

static ta_status ta__sd_do_to_local(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    size_t n;

    TA_GUARD(ta__sd_to_local(r,
                             a->arg == 0                 ? ta__sd_next_record(r)
                             : a->arg == TA_SD_ALL_BYTES ? TA_ALL
                                                         : a->arg,
                             &n));
    *changed = n > 0;
    return TA_OK;
}

/* The next whole record and half of the one after it, in one delivery: coalesced
 * records (one TCP segment) that end inside the second. */
static ta_status ta__sd_do_coalesced(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    size_t n, first = ta__sd_next_record(r), end = ta__sd_mirror_end(r), second = 0;

    (void)a;
    size_t at = r->delivered + first; /* a record boundary, or the end */
    if (at + TA__REC_HEADER <= end)
        second = ta__rec_len(r->mirror.data + (at - r->base)) / 2;
    else
        second = (end - at) / 2;
    TA_GUARD(ta__sd_to_local(r, first + second, &n));
    *changed = n > 0;
    return TA_OK;
}

static ta_status ta__sd_do_to_peer(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    size_t n;

    TA_GUARD(ta_pair_deliver(r->p, r->to_peer,
                             a->arg == 0 || a->arg == TA_SD_ALL_BYTES ? TA_ALL : a->arg, &n));
    r->delivered_peer += n;
    if (n > 0)
        r->peer_unread = 1;
    TA_GUARD(ta__sd_do_peer_read(r, a, changed));
    ta__sd_room_made(r);
    return TA_OK;
}

/* Backpressure: the transport towards the peer holds at most N bytes in flight. */
static ta_status ta__sd_do_backpressure(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    size_t cap = a->arg == 0 ? 8 : a->arg == TA_SD_ALL_BYTES ? 0 : a->arg;
    if (cap == r->cap || ta_pair_is_closed(r->p, r->to_local)) {
        *changed = 0;
        return TA_OK;
    }
    r->cap = cap;
    ta_pair_set_capacity(r->p, r->to_peer, cap);
    ta__sd_room_made(r); /* unbounded again, or a larger bound */
    return TA_OK;
}

static ta_status ta__sd_do_cancel(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (!r->started || r->final) {
        *changed = 0;
        return TA_OK;
    }
    ta__sd_decide(r, TA_SD_EV_CANCEL);
    r->f->cancel_seen = 1;
    if (ta_pair_stuck(r->p, r->s->role) > 0 && ta__sd_room(r) == 0)
        r->f->write_blocked = 1;
    ta__sd_drive(r, TA_SD_CANCEL);
    return TA_OK;
}

static ta_status ta__sd_do_wakeup(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (!r->started || r->final) {
        *changed = 0;
        return TA_OK;
    }
    /* The harness chose this call, not the driver: answering PENDING_READ to
     * a spurious wake-up is right, and never counts towards SD-SPIN. */
    r->fresh = 1;
    ta__sd_drive(r, TA_SD_READABLE);
    return TA_OK;
}

static ta_status ta__sd_do_write_probe(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    if (!r->started || !(SSL_get_shutdown(r->local) & SSL_SENT_SHUTDOWN)) {
        *changed = 0;
        return TA_OK;
    }
    if (r->f->write_probe != 0)
        r->f->write_probe = ta__sd_probe_write(r);
    return TA_OK;
}

static ta_status ta__sd_do_garbage(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    (void)a;
    TA_GUARD(ta__sd_inject(r, ta__sd_junk, sizeof(ta__sd_junk), 0));
    return ta__sd_if_stream_grew(r, changed);
}

static ta_status ta__sd_do_warning_alert(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    /* A warning alert, user_canceled (RFC 8446 §6.1: a warning in 1.3 too). */
    static const uint8_t alert[TA__REC_HEADER + 2] = {TA__REC_HEADER_BYTES(SSL3_RT_ALERT, 2),
                                                      SSL3_AL_WARNING, SSL_AD_USER_CANCELLED};
    int forged;

    (void)a;
    TA_GUARD(ta__sd_forge_or_raw(r, SSL3_RT_ALERT, alert + TA__REC_HEADER, 2, alert, sizeof(alert),
                                 &forged));
    return ta__sd_if_stream_grew(r, changed);
}

static ta_status ta__sd_do_empty_record(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    /* A zero-length application_data record (RFC 8446 §5.4, RFC 5246 §6.2.1). */
    static const uint8_t empty[TA__REC_HEADER] = {
        TA__REC_HEADER_BYTES(SSL3_RT_APPLICATION_DATA, 0)};
    int forged;

    (void)a;
    TA_GUARD(
        ta__sd_forge_or_raw(r, SSL3_RT_APPLICATION_DATA, NULL, 0, empty, sizeof(empty), &forged));
    if (forged && !ta__sd_peer_sent_cn(r))
        r->f->peer_data_before_cn = 1;
    return ta__sd_if_stream_grew(r, changed);
}

/* Where the peer can still be made to answer a corrupt record with a real fatal
 * alert: nothing of ours is queued ahead of the junk (it would deliver it) and it
 * has not read our close_notify (after which OpenSSL reads no further). */
int ta__sd_peer_answers_junk(ta__sd_run *r)
{
    return SSL_is_init_finished(r->peer) && !(SSL_get_shutdown(r->peer) & SSL_RECEIVED_SHUTDOWN)
           && ta_pair_pending(r->p, r->to_peer) == 0;
}

static ta_status ta__sd_do_fatal_alert(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    size_t n;

    (void)a;
    if (ta__sd_peer_answers_junk(r)) {
        /* The peer gets a corrupt record and answers with a real fatal alert. */
        TA_GUARD(ta_pair_inject(r->p, r->to_peer, ta__sd_junk, sizeof(ta__sd_junk)));
        TA_GUARD(ta_pair_deliver(r->p, r->to_peer, TA_ALL, &n));
        r->delivered_peer += n;
        ta__sd_peer_read(r);
        ta__sd_room_made(r); /* that delivery made room for a blocked writer too */
        if (ta__sd_mirror_end(r) > r->act_end0 && r->fatal_end == 0)
            r->fatal_end = ta__sd_mirror_end(r);
    } else if (SSL_is_init_finished(r->peer) && !ta__sd_peer_sent_cn(r)) {
        /* A peer that aborts instead of answering our close_notify (RFC 8446 §6.2):
         * OpenSSL will not, so a fatal internal_error alert is forged in its name
         * (raw, which the local side must reject as well, when its keys are not
         * known). */
        static const uint8_t alert[TA__REC_HEADER + 2] = {TA__REC_HEADER_BYTES(SSL3_RT_ALERT, 2),
                                                          SSL3_AL_FATAL, SSL_AD_INTERNAL_ERROR};
        int forged;
        TA_GUARD(ta__sd_forge_or_raw(r, SSL3_RT_ALERT, alert + TA__REC_HEADER, 2, alert,
                                     sizeof(alert), &forged));
        if (ta__sd_mirror_end(r) > r->act_end0 && r->fatal_end == 0)
            r->fatal_end = ta__sd_mirror_end(r);
    }
    return ta__sd_if_stream_grew(r, changed);
}

static ta_status ta__sd_do_inject(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    const uint8_t *b = r->s->pool + a->off;

    TA_GUARD(ta__sd_inject(r, b, a->len, ta__sd_ends_mid_record(b, a->len)));
    return ta__sd_if_stream_grew(r, changed);
}

/* ------------------------------------------------------------ the table */

#define EXH TA_SD_A_EXHAUSTIVE
#define FSCHED TA_SD_A_FUZZ_SCHEDULE
#define FREC TA_SD_A_FUZZ_RECORDS
#define FORGES TA_SD_A_FORGES
#define EXHALL TA_SD_A_EXHAUSTIVE_ALL

/* The order is the fuzz encoding's (see ta_sd_action_info): append only. The
 * meanings are the first lines of the list in tlsaudit/shutdown.h. */
static const ta_sd_action_info ta__sd_actions[] = {
    {'s', TA_SD_ARG_NONE, FSCHED | FREC,
     "START the driver (implicit first action when a schedule has none)", ta__sd_do_start},
    {'d', TA_SD_ARG_COUNT, EXH | FSCHED | FREC,
     "the peer writes N bytes of application data (default 16, at most 1024)", ta__sd_do_data},
    {'c', TA_SD_ARG_NONE, EXH | FSCHED | FREC, "the peer sends its close_notify (one SSL_shutdown)",
     ta__sd_do_close_notify},
    {'k', TA_SD_ARG_NONE, EXH | FSCHED | FREC,
     "TLS 1.3: the peer sends KeyUpdate(update_requested)", ta__sd_do_key_update},
    {'t', TA_SD_ARG_NONE, FSCHED | FREC, "TLS 1.3 server peer: a NewSessionTicket",
     ta__sd_do_ticket},
    {'r', TA_SD_ARG_NONE, FSCHED | FREC,
     "the peer reads what was delivered to it (application data discarded)", ta__sd_do_peer_read},
    {'h', TA_SD_ARG_NONE, FSCHED | FREC, "TLS 1.2 server peer: a HelloRequest (SSL_renegotiate)",
     ta__sd_do_hello_request},
    {'e', TA_SD_ARG_NONE, EXH | FSCHED | FREC,
     "the peer closes the transport (EOF, no close_notify; queued bytes dropped)", ta__sd_do_eof},
    {'m', TA_SD_ARG_NONE, FSCHED | FREC,
     "EOF mid-record: deliver half of what is queued towards local, then close",
     ta__sd_do_eof_mid_record},
    {'<', TA_SD_ARG_COUNT, EXH | EXHALL | FSCHED | FREC, "deliver N bytes peer -> local",
     ta__sd_do_to_local},
    {'>', TA_SD_ARG_COUNT, EXH | FSCHED | FREC,
     "deliver N bytes local -> peer (no N or \"*\": everything) and the peer reads",
     ta__sd_do_to_peer},
    {'x', TA_SD_ARG_NONE, EXH | FSCHED | FREC,
     "cancel: the driver gets TA_SD_CANCEL (only while it is pending)", ta__sd_do_cancel},
    {'!', TA_SD_ARG_NONE, FSCHED | FREC,
     "spurious wake-up: the driver gets TA_SD_READABLE with nothing new", ta__sd_do_wakeup},
    {'w', TA_SD_ARG_NONE, FSCHED | FREC, "the application writes 1 byte after the shutdown started",
     ta__sd_do_write_probe},
    {'g', TA_SD_ARG_NONE, EXH | FREC,
     "inject garbage towards local (an application_data record of junk)", ta__sd_do_garbage},
    {'a', TA_SD_ARG_NONE, FREC | FORGES, "a warning alert (user_canceled) in the peer's name",
     ta__sd_do_warning_alert},
    {'z', TA_SD_ARG_NONE, FREC | FORGES,
     "a zero-length application_data record in the peer's name (forged like 'a')",
     ta__sd_do_empty_record},
    {'f', TA_SD_ARG_NONE, EXH | FREC | FORGES,
     "the peer sends a fatal alert (it is fed a corrupt record and answers)",
     ta__sd_do_fatal_alert},
    {'i', TA_SD_ARG_BYTES, FREC, "inject raw bytes towards local", ta__sd_do_inject},
    {'b', TA_SD_ARG_COUNT, EXH | FREC,
     "backpressure: at most N bytes (default 8) in flight towards the peer",
     ta__sd_do_backpressure},
    {'j', TA_SD_ARG_NONE, EXH | FREC,
     "deliver the next record and half of the one after it in one delivery", ta__sd_do_coalesced},
};
#define TA__SD_NACTIONS (sizeof(ta__sd_actions) / sizeof(ta__sd_actions[0]))

#undef EXH
#undef FSCHED
#undef FREC
#undef FORGES
#undef EXHALL

const ta_sd_action_info *ta_sd_action_table(size_t *out_count)
{
    *out_count = TA__SD_NACTIONS;
    return ta__sd_actions;
}

const ta_sd_action_info *ta_sd_action_find(char op)
{
    for (size_t i = 0; op != '\0' && i < TA__SD_NACTIONS; i++)
        if (ta__sd_actions[i].op == op)
            return &ta__sd_actions[i];
    return NULL;
}

/* One action: the handler of its row. The stream is synced first for every
 * action (the handlers judge "changed" against where it ended then). */
ta_status ta__sd_act(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    const ta_sd_action_info *info = ta_sd_action_find(a->op);

    TA_ENSURE(info != NULL, TA_E_ARG, "unknown schedule action '%c'", a->op);
    ta__sd_sync(r);
    r->act_end0 = ta__sd_mirror_end(r);
    *changed = 1;
    return info->handler(r, a, changed);
}
