/*
 * sd_run.c - the event loop: one driver, one schedule, one version and role.
 *
 * The local SSL (the driver's) and the peer (a real OpenSSL endpoint) sit on a
 * ta_pair. The schedule's actions make the peer act and move bytes; after every
 * change on the local side the driver is stepped, level-triggered like poll(2):
 * while bytes or an EOF wait on its transport and it asks to read, it is called
 * again. Everything is bounded: step calls per case (max_steps), step calls that
 * bring nothing new (idle_max: a busy loop, SD-SPIN), reads per peer action.
 * The facts the oracle needs are recorded on the way: the first deciding event
 * that reached the local side, the local records after its close_notify, ...
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "internal.h"

struct ta_sd_engine {
    ta_sd_opts o;
    ta_env *env;
    ta_ctx *ctx[TA_TLS_COUNT];
};

/* The run a pair's SSL objects belong to (keylog callback -> forging). */
static int ta__sd_ex_index = -1;
static void ta__sd_keylog(const SSL *ssl, const char *line);

void ta_sd_opts_default(ta_sd_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->timeout_s = 5.0;
    o->max_steps = 256;
    o->idle_max = 16;
}

ta_status ta_sd_engine_new(const ta_sd_opts *o, ta_sd_engine **out)
{
    ta_sd_engine *e;
    ta_ctx_opts co;

    TA_ENSURE(o != NULL && out != NULL, TA_E_ARG, "ta_sd_engine_new: NULL argument");
    *out = NULL;
    e = calloc(1, sizeof(*e));
    TA_ENSURE(e != NULL, TA_E_NOMEM, "ta_sd_engine_new");
    e->o = *o;
    if (e->o.max_steps <= 0)
        e->o.max_steps = 256;
    if (e->o.idle_max <= 0)
        e->o.idle_max = 16;
    memset(&co, 0, sizeof(co));
    co.num_tickets = 0; /* tickets only where a schedule asks for them */
    ta_status st = ta_env_new(&e->o.seed, &e->env);
    /* PSK contexts: no certificate work per pair (openssl-facts.md: ~5x faster). */
    for (int v = 0; st == TA_OK && v < TA_TLS_COUNT; v++)
        st = ta_ctx_new(e->env, (ta_tls)v, TA_MODE_PSK, &co, &e->ctx[v]);
    if (st == TA_OK && ta__sd_ex_index < 0)
        ta__sd_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    for (int v = 0; st == TA_OK && v < TA_TLS_COUNT; v++) {
        /* TLS 1.3 traffic secrets, to forge the records OpenSSL will not send. */
        SSL_CTX_set_keylog_callback(ta_ctx_server(e->ctx[v]), ta__sd_keylog);
        SSL_CTX_set_keylog_callback(ta_ctx_client(e->ctx[v]), ta__sd_keylog);
    }
    if (st != TA_OK) {
        ta_sd_engine_free(e);
        return st;
    }
    *out = e;
    return TA_OK;
}

void ta_sd_engine_free(ta_sd_engine *e)
{
    if (e == NULL)
        return;
    for (int v = 0; v < TA_TLS_COUNT; v++)
        ta_ctx_free(e->ctx[v]);
    ta_env_free(e->env);
    free(e);
}

/* ------------------------------------------------------------ one run */

typedef struct ta__sd_run {
    ta_sd_engine *e;
    const ta_sd_driver *d;
    const ta_sd_schedule *s;
    ta_sd_facts *f;
    ta_pair *p;
    SSL *local, *peer;
    ta_role peer_role;
    ta_dir to_local, to_peer;
    void *state;
    ta_sd_answer ans;
    int started, final, fresh, peer_unread;
    unsigned steps, idle;
    /* Mirror of the stream towards the local side (the peer's bytes and injected
     * ones, in queue order), in absolute offsets, to find record boundaries and
     * the moment a deciding record is fully delivered. */
    ta__buf mirror;
    size_t base, seen, delivered, walk, delivered_peer;
    size_t cn_end, fatal_end; /* 0: none */
    int fatal_partial;
    size_t noops;
    ta_sd_decider decider_all;
    char secret[130];  /* the peer's TLS 1.3 application traffic secret (hex) */
    int peer_rekeyed;  /* the peer sent KeyUpdate: the secret above is stale */
    uint64_t forged;   /* records forged in the peer's name so far */
    char note[128];
} ta__sd_run;

static void ta__sd_keylog(const SSL *ssl, const char *line)
{
    ta__sd_run *r = ta__sd_ex_index >= 0 ? SSL_get_ex_data(ssl, ta__sd_ex_index) : NULL;
    if (r == NULL || ssl != r->peer)
        return;
    const char *want = r->peer_role == TA_SERVER ? "SERVER_TRAFFIC_SECRET_0 "
                                                 : "CLIENT_TRAFFIC_SECRET_0 ";
    const char *sp = strrchr(line, ' ');
    if (strncmp(line, want, strlen(want)) == 0 && sp != NULL)
        snprintf(r->secret, sizeof(r->secret), "%s", sp + 1);
}

static void ta__sd_sync(ta__sd_run *r)
{
    size_t len;
    const uint8_t *t = ta_pair_transcript(r->p, r->to_local, &len);
    if (len > r->seen) {
        if (ta__buf_append(&r->mirror, t + r->seen, len - r->seen) != TA_OK)
            snprintf(r->note, sizeof(r->note), "out of memory mirroring the transcript");
        r->seen = len;
    }
}

static size_t ta__sd_mirror_end(const ta__sd_run *r)
{
    return r->base + r->mirror.len;
}

/* Bytes from `delivered` to the end of the record it is in (or of the next one). */
static size_t ta__sd_next_record(ta__sd_run *r)
{
    const size_t end = ta__sd_mirror_end(r);
    size_t w = r->walk;
    for (;;) {
        if (w + 5 > end)
            return end - r->delivered;
        const uint8_t *h = r->mirror.data + (w - r->base);
        size_t rl = 5 + (((size_t)h[3] << 8) | h[4]);
        if (w + rl > r->delivered)
            return (w + rl < end ? w + rl : end) - r->delivered;
        w += rl;
        r->walk = w;
    }
}

static void ta__sd_decide(ta__sd_run *r, ta_sd_decider d)
{
    if (!r->final && r->f->decider == TA_SD_EV_NONE)
        r->f->decider = d;
    if (r->decider_all == TA_SD_EV_NONE)
        r->decider_all = d; /* what the peer did over the whole run (for display) */
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

static int ta__sd_readable(ta__sd_run *r)
{
    BIO *rb = SSL_get_rbio(r->local);
    return BIO_ctrl_pending(rb) > 0 || ta_pair_is_closed(r->p, r->to_local);
}

static size_t ta__sd_local_records(ta__sd_run *r)
{
    size_t n;
    (void)ta_pair_records(r->p, r->to_peer, &n);
    return n;
}

/* Step the driver with ev, then as long as it asks for an event that is ready. */
static void ta__sd_drive(ta__sd_run *r, ta_sd_event ev)
{
    BIO *rb = SSL_get_rbio(r->local);

    if (!r->started || r->final || r->f->spin)
        return;
    for (;;) {
        if (r->steps >= (unsigned)r->e->o.max_steps) {
            snprintf(r->note, sizeof(r->note), "step budget (%d calls) used up",
                     r->e->o.max_steps);
            return;
        }
        size_t in0 = BIO_ctrl_pending(rb), rec0 = ta__sd_local_records(r);
        int fresh = r->fresh || ev == TA_SD_START || ev == TA_SD_CANCEL;
        r->fresh = 0;
        ta_sd_answer a = r->d->step(r->local, ev, r->state);
        ERR_clear_error(); /* a stale entry must not leak into the next call */
        r->steps++;
        if ((unsigned)a >= TA_SD_ANSWER_COUNT) {
            snprintf(r->note, sizeof(r->note), "invalid answer %d (read as failed)", (int)a);
            a = TA_SD_FAILED;
        }
        r->ans = a;
        if (TA_SD_IS_FINAL(a)) {
            r->final = 1;
            return;
        }
        int progress = fresh || BIO_ctrl_pending(rb) != in0 || ta__sd_local_records(r) != rec0;
        r->idle = progress ? 0 : r->idle + 1;
        if (r->idle > (unsigned)r->e->o.idle_max) {
            r->f->spin = 1;
            return;
        }
        if (a == TA_SD_PENDING_WRITE) {
            ev = TA_SD_WRITABLE; /* memory BIOs always accept bytes */
            continue;
        }
        if (!ta__sd_readable(r))
            return;
        ev = TA_SD_READABLE;
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
    while (w + 5 <= n)
        w += 5 + (((size_t)b[w + 3] << 8) | b[w + 4]);
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
static ta_status ta__sd_act(ta__sd_run *r, const ta_sd_action *a, int *changed)
{
    const ta_tls v = r->s->tls;
    const size_t end0 = (ta__sd_sync(r), ta__sd_mirror_end(r));
    size_t n = 0;
    int peer_ready = SSL_is_init_finished(r->peer) && !ta__sd_peer_sent_cn(r);
    static const uint8_t junk[37] = {23, 3, 3, 0, 32, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a,
                                     0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5,
                                     0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a,
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
        static const uint8_t alert[7] = {21, 3, 3, 0, 2, 1, 90};
        int forged;
        TA_GUARD(ta__sd_forge_or_raw(r, SSL3_RT_ALERT, alert + 5, 2, alert, sizeof(alert),
                                     &forged));
        break;
    }
    case 'z': {
        /* A zero-length application_data record (RFC 8446 §5.4, RFC 5246 §6.2.1). */
        static const uint8_t empty[5] = {23, 3, 3, 0, 0};
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

/* Partial handshake for +in-handshake: the client's first flight, and the
 * server's answer when the local side is the server. */
static void ta__sd_half_handshake(ta__sd_run *r)
{
    SSL *c = ta_pair_ssl(r->p, TA_CLIENT), *sv = ta_pair_ssl(r->p, TA_SERVER);
    size_t n;
    ERR_clear_error();
    (void)SSL_do_handshake(c);
    if (ta_pair_deliver(r->p, TA_C2S, TA_ALL, &n) == TA_OK && r->s->role == TA_SERVER)
        (void)SSL_do_handshake(sv);
    ERR_clear_error();
}

static uint64_t ta__fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* A hash of the end state: record views (kind + length, not the random bytes),
 * delivery positions, closure, shutdown flags and the driver's answer. */
static uint64_t ta__sd_signature(ta__sd_run *r)
{
    uint64_t h = 1469598103934665603ULL;
    for (int d = 0; d < 2; d++) {
        size_t n;
        const ta_record *rec = ta_pair_records(r->p, (ta_dir)d, &n);
        for (size_t i = 0; i < n; i++) {
            uint32_t k = ((uint32_t)rec[i].kind << 16) | rec[i].length;
            h = ta__fnv(h, &k, sizeof(k));
        }
        h = ta__fnv(h, "|", 1);
    }
    size_t vals[] = {r->delivered - r->base, r->delivered_peer, r->mirror.len,
                     (size_t)ta_pair_is_closed(r->p, r->to_local),
                     (size_t)SSL_get_shutdown(r->peer), (size_t)SSL_get_shutdown(r->local),
                     (size_t)r->ans, (size_t)r->final, (size_t)r->f->decider,
                     (size_t)r->f->write_probe, (size_t)r->peer_unread, (size_t)r->started};
    return ta__fnv(h, vals, sizeof(vals));
}

static void ta__sd_local_view(ta__sd_run *r)
{
    size_t n;
    const ta_record *rec = ta_pair_records(r->p, r->to_peer, &n);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen && r->s->tls == TA_TLS13 && rec[i].kind == TA_REC_HANDSHAKE)
            r->f->keyupdate_after_cn = 1; /* OpenSSL answering a KeyUpdate */
        else if (seen && rec[i].kind != TA_REC_ALERT && rec[i].kind != TA_REC_CLOSE_NOTIFY)
            r->f->nonalert_after_cn = 1;
        if (rec[i].kind == TA_REC_CLOSE_NOTIFY)
            seen = 1;
    }
    r->f->local_cn = seen;
}

ta_status ta__sd_run_sig(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                         ta_sd_facts *f, ta_sd_result *res, uint64_t *out_sig,
                         size_t *out_noops)
{
    ta__sd_run r;
    ta_status st = TA_OK;

    TA_ENSURE(e != NULL && d != NULL && d->step != NULL && s != NULL && f != NULL, TA_E_ARG,
              "ta_sd_run: NULL argument");
    TA_ENSURE((unsigned)s->tls < TA_TLS_COUNT && (unsigned)s->role < TA_ROLE_COUNT, TA_E_ARG,
              "schedule with an invalid version or role");
    memset(&r, 0, sizeof(r));
    memset(f, 0, sizeof(*f));
    f->write_probe = -1;
    f->driver_flags = d->flags;
    f->sched_flags = s->flags;
    f->got = TA_SD_PENDING_READ;
    r.e = e;
    r.d = d;
    r.s = s;
    r.f = f;
    r.peer_role = s->role == TA_CLIENT ? TA_SERVER : TA_CLIENT;
    r.to_local = ta_dir_from(r.peer_role);
    r.to_peer = ta_dir_from(s->role);
    if (d->state_size > 0) {
        r.state = calloc(1, d->state_size);
        TA_ENSURE(r.state != NULL, TA_E_NOMEM, "driver state of %zu bytes", d->state_size);
    }
    st = ta_pair_new(e->ctx[s->tls], &r.p);
    if (st != TA_OK)
        goto out;
    r.local = ta_pair_ssl(r.p, s->role);
    r.peer = ta_pair_ssl(r.p, r.peer_role);
    if (ta__sd_ex_index >= 0)
        (void)SSL_set_ex_data(r.peer, ta__sd_ex_index, &r);
    if (s->flags & TA_SD_F_IGNORE_EOF)
        SSL_set_options(r.local, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if ((s->flags & TA_SD_F_TICKETS) && s->tls == TA_TLS13)
        (void)SSL_set_num_tickets(ta_pair_ssl(r.p, TA_SERVER), 2);
    if (s->flags & TA_SD_F_IN_HANDSHAKE)
        ta__sd_half_handshake(&r);
    else if ((st = ta_pair_handshake(r.p, TA_DEFAULT_STEPS)) != TA_OK)
        goto out;
    {
        size_t len;
        (void)ta_pair_transcript(r.p, r.to_local, &len);
        r.base = r.delivered = r.walk = len - ta_pair_pending(r.p, r.to_local);
        r.seen = r.base;
        ta__sd_sync(&r);
        (void)ta_pair_transcript(r.p, r.to_peer, &len);
        r.delivered_peer = len - ta_pair_pending(r.p, r.to_peer);
    }
    int has_start = 0;
    for (size_t i = 0; i < s->n; i++)
        has_start |= s->act[i].op == 's';
    if (!has_start) {
        static const ta_sd_action start = {'s', 0, 0, 0};
        int ch;
        if ((st = ta__sd_act(&r, &start, &ch)) != TA_OK)
            goto out;
    }
    for (size_t i = 0; i < s->n; i++) {
        int ch;
        if ((st = ta__sd_act(&r, &s->act[i], &ch)) != TA_OK)
            goto out;
        r.noops += !ch;
    }
    f->got = r.ans;
    ta__sd_local_view(&r);
    if (out_sig != NULL)
        *out_sig = ta__sd_signature(&r);
    if (out_noops != NULL)
        *out_noops = r.noops;
    if (res != NULL) {
        ta_sd_verdict v;
        ta_sd_oracle(f, &v);
        if (!v.pass && f->decider == TA_SD_EV_NONE && r.decider_all != TA_SD_EV_NONE) {
            /* The driver ended before the deciding event: show what the peer's
             * actions called for, keep the verdict of the oracle. */
            ta_sd_facts g = *f;
            ta_sd_verdict w;
            g.decider = r.decider_all;
            ta_sd_oracle(&g, &w);
            v.expected = w.expected;
        }
        memset(res, 0, sizeof(*res));
        res->tls = s->tls;
        res->role = s->role;
        res->expected = v.expected;
        res->got = f->got;
        res->pass = v.pass;
        res->rule = v.rule;
        res->flag = v.flag;
        res->steps = r.steps;
        snprintf(res->detail, sizeof(res->detail), "%.190s%s%.60s", v.detail,
                 r.note[0] ? "; " : "", r.note);
        ta_sd_schedule_format(s, res->schedule, sizeof(res->schedule));
    }
out:
    ta_pair_free(r.p);
    ta__buf_free(&r.mirror);
    free(r.state);
    return st;
}

ta_status ta_sd_run_facts(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                          ta_sd_facts *out_facts, ta_sd_result *out_res)
{
    return ta__sd_run_sig(e, d, s, out_facts, out_res, NULL, NULL);
}

ta_status ta_sd_run(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                    ta_sd_result *out)
{
    TA_ENSURE(e != NULL && out != NULL, TA_E_ARG, "ta_sd_run: NULL argument");
    return ta__sd_case(e, d, &e->o, s, "schedule", out);
}
