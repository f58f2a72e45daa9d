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
#include "sd_run.h"


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
    o->mode = TA_MODE_PSK;
    o->mem_limit_mb = 4096;
}

ta_status ta_sd_engine_new(const ta_sd_opts *o, ta_sd_engine **out)
{
    ta_sd_engine *e;
    ta_ctx_opts co;

    TA_ENSURE(o != NULL && out != NULL, TA_E_ARG, "ta_sd_engine_new: NULL argument");
    TA_ENSURE((unsigned)o->mode < TA_MODE_COUNT, TA_E_ARG, "ta_sd_engine_new: mode %d",
              (int)o->mode);
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
    /* The forger (sd_forge.c) speaks AES-128-GCM: the PSK mode's suites, and the
     * ones we pin for the certificate and resumption modes. */
    co.tls13_suites = "TLS_AES_128_GCM_SHA256";
    co.tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
    ta_status st = ta_env_new(&e->o.seed, &e->env);
    /* PSK by default: no certificate work per pair (~5x faster: build/bench-pair). */
    for (int v = 0; st == TA_OK && v < TA_TLS_COUNT; v++)
        st = ta_ctx_new(e->env, (ta_tls)v, e->o.mode, &co, &e->ctx[v]);
    if (st == TA_OK && ta__sd_ex_index < 0)
        ta__sd_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (st != TA_OK) {
        ta_sd_engine_free(e);
        return st;
    }
    *out = e;
    return TA_OK;
}

/* One handshake and shutdown per version between two of our own endpoints: OpenSSL
 * fetches and caches its algorithms on first use, so workers forked afterwards
 * do not each pay for it. No driver runs here. */
void ta__sd_engine_warm(ta_sd_engine *e)
{
    for (int v = 0; v < TA_TLS_COUNT; v++) {
        ta_pair *p = NULL;
        if (ta_pair_new(e->ctx[v], &p) == TA_OK && ta_pair_handshake(p, TA_DEFAULT_STEPS) == TA_OK)
            ta_error_clear(); /* a warm-up: its outcome does not matter */
        ta_pair_free(p);
    }
    ta__sd_forge_warm(); /* the forged actions' primitives too (sd_forge.c) */
    ta_error_clear();
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


static void ta__sd_keylog(const SSL *ssl, const char *line)
{
    ta__sd_run *r = ta__sd_ex_index >= 0 ? SSL_get_ex_data(ssl, ta__sd_ex_index) : NULL;
    if (r == NULL || ssl != r->peer)
        return;
    const char *want =
        r->peer_role == TA_SERVER ? "SERVER_TRAFFIC_SECRET_0 " : "CLIENT_TRAFFIC_SECRET_0 ";
    const char *sp = strrchr(line, ' ');
    if (strncmp(line, want, strlen(want)) == 0 && sp != NULL)
        snprintf(r->secret, sizeof(r->secret), "%s", sp + 1);
}

void ta__sd_sync(ta__sd_run *r)
{
    size_t len, nrec;
    const uint8_t *t = ta_pair_transcript(r->p, r->to_local, &len);
    if (len > r->seen) {
        size_t at = ta__sd_mirror_end(r);
        if (ta__buf_append(&r->mirror, t + r->seen, len - r->seen) != TA_OK)
            snprintf(r->note, sizeof(r->note), "out of memory mirroring the transcript");
        r->seen = len;
        /* The peer writes whole records (nothing bounds its direction): the new
         * bytes are its next records in the view. */
        const ta_record *rec = ta_pair_records(r->p, r->to_local, &nrec);
        for (; r->recs_seen < nrec; r->recs_seen++) {
            size_t rl = TA__REC_HEADER + rec[r->recs_seen].length;
            ta__sd_desc_add(r, at, rl,
                            ((uint64_t)rec[r->recs_seen].kind << 32) | rec[r->recs_seen].length);
            at += rl;
        }
    }
}

size_t ta__sd_mirror_end(const ta__sd_run *r)
{
    return r->base + r->mirror.len;
}

void ta__sd_decide(ta__sd_run *r, ta_sd_decider d)
{
    if (!r->final && r->f->decider == TA_SD_EV_NONE)
        r->f->decider = d;
    if (r->decider_all == TA_SD_EV_NONE)
        r->decider_all = d; /* what the peer did over the whole run (for display) */
}

static int ta__sd_readable(ta__sd_run *r)
{
    return ta_pair_unread(r->p, r->s->role) > 0 || ta_pair_is_closed(r->p, r->to_local);
}

size_t ta__sd_room(ta__sd_run *r)
{
    return ta_pair_room(r->p, r->to_peer);
}

size_t ta__sd_local_records(ta__sd_run *r)
{
    size_t n;
    (void)ta_pair_records(r->p, r->to_peer, &n);
    return n;
}

static size_t ta__sd_local_out(ta__sd_run *r)
{
    size_t n;
    (void)ta_pair_transcript(r->p, r->to_peer, &n);
    return n;
}

/* Step the driver with ev, then as long as it asks for an event that is ready:
 * readable (bytes or EOF wait on its transport) for PENDING_READ, room towards
 * the peer for PENDING_WRITE (unbounded unless backpressure is on). */
void ta__sd_drive(ta__sd_run *r, ta_sd_event ev)
{
    if (!r->started || r->final || r->f->spin)
        return;
    for (;;) {
        if (r->steps >= (unsigned)r->e->o.max_steps) {
            snprintf(r->note, sizeof(r->note), "step budget (%d calls) used up", r->e->o.max_steps);
            return;
        }
        size_t in0 = ta_pair_unread(r->p, r->s->role), rec0 = ta__sd_local_records(r);
        size_t out0 = ta__sd_local_out(r);
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
        size_t call[] = {(size_t)ev, r->delivered - r->base,
                         (size_t)ta_pair_is_closed(r->p, r->to_local), ta__sd_room(r) > 0,
                         (size_t)a};
        ta__sd_note_call(r, call, sizeof(call) / sizeof(call[0]));
        if (TA_SD_IS_FINAL(a)) {
            r->final = 1;
            return;
        }
        /* Bytes only a WANT_WRITE leaves in OpenSSL's buffer, and a wait for
         * readability: SSL_get_error(3) says to wait until writable. */
        if (a == TA_SD_PENDING_READ && ta_pair_stuck(r->p, r->s->role) > 0)
            r->f->write_stuck = 1;
        int progress = fresh || ta_pair_unread(r->p, r->s->role) != in0
                       || ta__sd_local_records(r) != rec0 || ta__sd_local_out(r) != out0;
        r->idle = progress ? 0 : r->idle + 1;
        if (r->idle > (unsigned)r->e->o.idle_max) {
            r->f->spin = 1;
            return;
        }
        if (a == TA_SD_PENDING_WRITE) {
            if (ta__sd_room(r) == 0)
                return; /* full: called again when a delivery makes room ('>') */
            ev = TA_SD_WRITABLE;
            continue;
        }
        if (!ta__sd_readable(r))
            return;
        ev = TA_SD_READABLE;
    }
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

static void ta__sd_local_view(ta__sd_run *r)
{
    size_t n, out, end = 0;
    const ta_record *rec = ta_pair_records(r->p, r->to_peer, &n);
    int seen = 0;
    (void)ta_pair_transcript(r->p, r->to_peer, &out);
    for (size_t i = 0; i < n; i++) {
        end += TA__REC_HEADER + rec[i].length;
        if (seen && r->s->tls == TA_TLS13 && rec[i].kind == TA_REC_HANDSHAKE)
            r->f->keyupdate_after_cn = 1; /* OpenSSL answering a KeyUpdate */
        else if (seen && rec[i].kind != TA_REC_ALERT && rec[i].kind != TA_REC_CLOSE_NOTIFY)
            r->f->nonalert_after_cn = 1;
        /* A close_notify still (partly) in OpenSSL's write buffer has not left. */
        if (rec[i].kind == TA_REC_CLOSE_NOTIFY && end <= out)
            seen = 1;
    }
    r->f->local_cn = seen;
    if (!r->final && ta_pair_stuck(r->p, r->s->role) > 0 && ta__sd_room(r) == 0)
        r->f->write_blocked = 1;
}

/* One connection: a fresh pair and a zeroed state block, the schedule, the facts. */
static ta_status ta__sd_connection(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                                   ta_sd_facts *f, ta_sd_result *res, ta__sd_probe *probe)
{
    ta__sd_run r;
    ta_status st = TA_OK;

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
    TA_ENSURE(d->state_size <= TA_SD_STATE_MAX, TA_E_NOMEM,
              "the driver asks for %zu bytes of state per case (at most %zu)", d->state_size,
              TA_SD_STATE_MAX);
    if (d->state_size > 0) {
        r.state = calloc(1, d->state_size);
        TA_ENSURE(r.state != NULL, TA_E_NOMEM, "driver state of %zu bytes", d->state_size);
    }
    /* TLS 1.3 traffic secrets, to forge the records OpenSSL will not send (the
     * TA_SD_A_FORGES actions, 'a' and 'z'), through the keylog callback; only
     * then: OpenSSL 3.0 formats each keylog line byte by byte with sprintf (6.7 %
     * of the fuzz profile). The engine runs one schedule at a time, so the
     * context can carry the choice. */
    int forges = 0;
    for (size_t i = 0; s->tls == TA_TLS13 && i < s->n; i++) {
        const ta_sd_action_info *ai = ta_sd_action_find(s->act[i].op);
        forges |= ai != NULL && (ai->flags & TA_SD_A_FORGES);
    }
    SSL_CTX_set_keylog_callback(ta_ctx_server(e->ctx[s->tls]), forges ? ta__sd_keylog : NULL);
    SSL_CTX_set_keylog_callback(ta_ctx_client(e->ctx[s->tls]), forges ? ta__sd_keylog : NULL);
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
    if (s->flags & TA_SD_F_READ_AHEAD)
        SSL_set_read_ahead(r.local, 1);
    r.cap = e->o.capacity;
    ta_pair_set_capacity(r.p, r.to_peer, r.cap);
    {
        size_t len;
        (void)ta_pair_transcript(r.p, r.to_local, &len);
        r.base = r.delivered = r.walk = len - ta_pair_pending(r.p, r.to_local);
        r.seen = r.base;
        r.clean_pos = r.base;
        /* The stream's descriptions start with the records still queued: the
         * last ones of the peer's view whose lengths add up to what is pending. */
        const ta_record *rec = ta_pair_records(r.p, r.to_local, &r.recs_seen);
        for (size_t q = 0, pend = ta_pair_pending(r.p, r.to_local); q < pend && r.recs_seen > 0;)
            q += TA__REC_HEADER + rec[--r.recs_seen].length;
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
    if (probe != NULL) {
        probe->sig = ta__sd_state_key(&r, probe->horizon);
        probe->noops = r.noops;
        probe->idle = ta__sd_idle_mask(&r, probe->tok, probe->ntok);
        probe->silent = ta__sd_silent_mask(&r, probe->tok, probe->ntok);
        probe->twin = ta__sd_twin_mask(&r, probe->tok, probe->ntok);
    }
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
        snprintf(res->detail, sizeof(res->detail), "%.190s%s%.60s", v.detail, r.note[0] ? "; " : "",
                 r.note);
        ta_sd_schedule_format(s, res->schedule, sizeof(res->schedule));
    }
out:
    ta_pair_free(r.p);
    ta__buf_free(&r.mirror);
    ta__buf_free(&r.desc);
    free(r.state);
    return st;
}

/* With +second, a passing first connection is followed by a second one in the
 * same process, as a server accepts its next client: a fresh pair, a fresh zeroed
 * state block, the same schedule. A driver that keeps per-connection state
 * elsewhere (a static "close_notify sent" flag) goes wrong there, and the case
 * reports the second connection's facts. */
ta_status ta__sd_run_sig(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                         ta_sd_facts *f, ta_sd_result *res, ta__sd_probe *probe)
{
    TA_ENSURE(e != NULL && d != NULL && d->step != NULL && s != NULL && f != NULL, TA_E_ARG,
              "ta_sd_run: NULL argument");
    TA_ENSURE((unsigned)s->tls < TA_TLS_COUNT && (unsigned)s->role < TA_ROLE_COUNT, TA_E_ARG,
              "schedule with an invalid version or role");
    ta_sd_result first;
    ta_sd_result *r1 = res != NULL ? res : &first;
    TA_GUARD(ta__sd_connection(e, d, s, f, r1, probe));
    if (!(s->flags & TA_SD_F_SECOND) || !r1->pass)
        return TA_OK;
    ta_sd_result second;
    TA_GUARD(ta__sd_connection(e, d, s, f, &second, probe));
    if (res != NULL) {
        char detail[sizeof(second.detail)];
        snprintf(detail, sizeof(detail), "second connection: %.230s", second.detail);
        *res = second;
        snprintf(res->detail, sizeof(res->detail), "%s", detail);
    }
    return TA_OK;
}

ta_status ta_sd_run_facts(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                          ta_sd_facts *out_facts, ta_sd_result *out_res)
{
    return ta__sd_run_sig(e, d, s, out_facts, out_res, NULL);
}

ta_status ta_sd_run(ta_sd_engine *e, const ta_sd_driver *d, const ta_sd_schedule *s,
                    ta_sd_result *out)
{
    TA_ENSURE(e != NULL && d != NULL && out != NULL, TA_E_ARG, "ta_sd_run: NULL argument");
    ta_sd_facts f;
    TA_GUARD(ta__sd_run_sig(e, d, s, &f, out, NULL));
    ta__sd_name_result(&e->o, d->name, "schedule", out);
    return TA_OK;
}
