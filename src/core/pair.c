/*
 * pair.c - a client and a server SSL joined by two harness-controlled queues.
 *
 *   client wbio --collect--> queue[C2S] --deliver--> server rbio
 *   server wbio --collect--> queue[S2C] --deliver--> client rbio
 *
 * Collecting is observation only (transcript + nothing else moves); delivering
 * is the harness's decision. Read BIOs return "retry" when empty until the
 * direction is closed, after which they return EOF (BIO_set_mem_eof_return 0):
 * the reader sees the transport close without a close_notify. Delivering goes
 * through the receiver's transport end (transport.h): the seam where a socket
 * to a real program can stand in for a memory BIO.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "internal.h"
#include "transport.h"

typedef struct ta__recs {
    ta_record *v;
    size_t n, cap;
} ta__recs;

struct ta_pair {
    ta_ctx *ctx;
    SSL *ssl[TA_ROLE_COUNT];
    BIO *rbio[TA_ROLE_COUNT];              /* what each side reads */
    BIO *wbio[TA_ROLE_COUNT];              /* what each side writes */
    ta__transport_end *end[TA_ROLE_COUNT]; /* what delivers to each side */
    ta__buf queue[2];                      /* per direction: collected, not yet delivered */
    ta__buf transcript[2];                 /* per direction: everything the sender wrote */
    ta__recs recs[2];                      /* per direction: record view */
    int closed[2];
    int oom;       /* an allocation failed inside a callback */
    size_t cap[2]; /* per direction: bytes in flight before the sender blocks (0: never) */
    struct ta__gate {
        ta_pair *p;
        ta_dir d;
    } gate[2]; /* what each sender's sink asks for its room */
};

ta_dir ta_dir_from(ta_role side)
{
    return side == TA_CLIENT ? TA_C2S : TA_S2C;
}

static ta_role ta__sender(ta_dir d)
{
    return d == TA_C2S ? TA_CLIENT : TA_SERVER;
}

static ta_role ta__receiver(ta_dir d)
{
    return d == TA_C2S ? TA_SERVER : TA_CLIENT;
}

/* Bytes in flight in direction d: written and not yet delivered (collected or
 * still in the sender's sink), plus delivered and not read by the receiver. */
static size_t ta__in_flight(const ta_pair *p, ta_dir d)
{
    const ta__transport_end *e = p->end[ta__receiver(d)];
    return p->queue[d].len + ta__transport_sink_pending(p->wbio[ta__sender(d)])
           + (e != NULL ? e->ops->unread(e) : 0);
}

static size_t ta__room(void *arg)
{
    const struct ta__gate *g = arg;
    const ta_pair *p = g->p;
    if (p->cap[g->d] == 0)
        return SIZE_MAX;
    size_t used = ta__in_flight(p, g->d);
    return used < p->cap[g->d] ? p->cap[g->d] - used : 0;
}

const char *ta_rec_kind_name(ta_rec_kind k)
{
    static const char *const names[] = {
        "handshake", "change_cipher_spec", "application_data", "close_notify", "alert", "other"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static ta_rec_kind ta__kind_of(const ta_record *r)
{
    switch (r->inner_type) {
    case SSL3_RT_HANDSHAKE:
        return TA_REC_HANDSHAKE;
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        return TA_REC_CCS;
    case SSL3_RT_APPLICATION_DATA:
        return TA_REC_APPDATA;
    case SSL3_RT_ALERT:
        return r->alert_desc == SSL_AD_CLOSE_NOTIFY ? TA_REC_CLOSE_NOTIFY : TA_REC_ALERT;
    default:
        return TA_REC_OTHER;
    }
}

/* OpenSSL reports every record it writes: the header (SSL3_RT_HEADER), then for
 * protected TLS 1.3 records the inner content type, then the message itself. */
static void ta__msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    ta_pair *p = arg;
    const uint8_t *b = buf;
    (void)version;

    if (!write_p)
        return;
    ta__recs *rs = &p->recs[ta_dir_from(ssl == p->ssl[TA_CLIENT] ? TA_CLIENT : TA_SERVER)];
    if (content_type == SSL3_RT_HEADER && len >= TA__REC_HEADER) {
        if (rs->n == rs->cap) {
            size_t cap = rs->cap ? rs->cap * 2 : 16;
            ta_record *v = realloc(rs->v, cap * sizeof(*v));
            if (v == NULL) {
                p->oom = 1;
                return;
            }
            rs->v = v;
            rs->cap = cap;
        }
        ta_record *r = &rs->v[rs->n++];
        memset(r, 0, sizeof(*r));
        r->outer_type = b[0];
        r->inner_type = b[0];
        r->length = (uint16_t)ta__rec_body_len(b);
        r->kind = ta__kind_of(r);
        return;
    }
    if (rs->n == 0)
        return;
    ta_record *last = &rs->v[rs->n - 1];
    if (content_type == SSL3_RT_INNER_CONTENT_TYPE && len == 1) {
        last->inner_type = b[0];
    } else if (content_type == SSL3_RT_ALERT && len == 2) {
        last->alert_level = b[0];
        last->alert_desc = b[1];
    }
    last->kind = ta__kind_of(last);
}

ta_status ta_pair_new(ta_ctx *ctx, ta_pair **out_pair)
{
    ta_pair *p;

    TA_ENSURE(ctx != NULL && out_pair != NULL, TA_E_ARG, "ta_pair_new: NULL argument");
    *out_pair = NULL;
    p = calloc(1, sizeof(*p));
    TA_ENSURE(p != NULL, TA_E_NOMEM, "ta_pair_new");
    p->ctx = ctx;
    p->ssl[TA_CLIENT] = SSL_new(ta_ctx_client(ctx));
    p->ssl[TA_SERVER] = SSL_new(ta_ctx_server(ctx));
    for (int s = 0; s < TA_ROLE_COUNT; s++) {
        ta_dir d = ta_dir_from((ta_role)s);
        p->gate[d].p = p;
        p->gate[d].d = d;
        p->rbio[s] = BIO_new(BIO_s_mem());
        if (ta__transport_sink_new(ta__room, &p->gate[d], &p->wbio[s]) != TA_OK)
            p->wbio[s] = NULL;
        if (p->ssl[s] == NULL || p->rbio[s] == NULL || p->wbio[s] == NULL) {
            BIO_free(p->rbio[s]);
            BIO_free(p->wbio[s]);
            p->rbio[s] = p->wbio[s] = NULL;
            ta_pair_free(p);
            TA_BAIL_OSSL("creating the pair's SSL objects and BIOs");
        }
        if (ta__transport_mem_new(p->rbio[s], &p->end[s]) != TA_OK) {
            BIO_free(p->rbio[s]);
            BIO_free(p->wbio[s]);
            p->rbio[s] = p->wbio[s] = NULL;
            ta_pair_free(p);
            return TA_E_NOMEM;
        }
        SSL_set_bio(p->ssl[s], p->rbio[s], p->wbio[s]); /* SSL owns the BIOs now */
        SSL_set_msg_callback(p->ssl[s], ta__msg_cb);
        SSL_set_msg_callback_arg(p->ssl[s], p);
    }
    SSL_set_connect_state(p->ssl[TA_CLIENT]);
    SSL_set_accept_state(p->ssl[TA_SERVER]);
    if (ta_ctx_mode(ctx) == TA_MODE_RESUME && ta_ctx_session(ctx) != NULL) {
        /* Offer a copy: OpenSSL's client marks a TLS 1.3 session it resumed
         * not resumable (RFC 8446 §C.4, tickets are single use for clients), so
         * offering the saved object itself would make every later pair of the
         * context a full handshake. The server accepts the stateless ticket
         * again (no anti-replay without early data). */
        SSL_SESSION *copy = SSL_SESSION_dup(ta_ctx_session(ctx));
        int ok = copy != NULL && SSL_set_session(p->ssl[TA_CLIENT], copy) == 1;
        SSL_SESSION_free(copy); /* the SSL holds its own reference */
        if (!ok) {
            ta_pair_free(p);
            TA_BAIL_OSSL("offering the saved session");
        }
    }
    *out_pair = p;
    return TA_OK;
}

void ta_pair_free(ta_pair *p)
{
    if (p == NULL)
        return;
    for (int s = 0; s < TA_ROLE_COUNT; s++) {
        SSL_free(p->ssl[s]);
        if (p->end[s] != NULL)
            p->end[s]->ops->free(p->end[s]);
    }
    for (int d = 0; d < 2; d++) {
        ta__buf_free(&p->queue[d]);
        ta__buf_free(&p->transcript[d]);
        free(p->recs[d].v);
    }
    free(p);
}

SSL *ta_pair_ssl(ta_pair *p, ta_role side)
{
    return p->ssl[side];
}

ta_ctx *ta_pair_ctx(ta_pair *p)
{
    return p->ctx;
}

size_t ta_pair_collect(ta_pair *p, ta_dir d)
{
    BIO *w = p->wbio[ta__sender(d)];
    size_t total = 0;
    char *data;
    long n = BIO_get_mem_data(w, &data);

    if (n > 0) {
        if (ta__buf_append(&p->transcript[d], data, (size_t)n) != TA_OK
            || (!p->closed[d] && ta__buf_append(&p->queue[d], data, (size_t)n) != TA_OK))
            p->oom = 1;
        total = (size_t)n;
        (void)BIO_reset(w);
    }
    return total;
}

size_t ta_pair_pending(ta_pair *p, ta_dir d)
{
    ta_pair_collect(p, d);
    return p->queue[d].len;
}

ta_status ta_pair_deliver(ta_pair *p, ta_dir d, size_t n, size_t *out_n)
{
    ta__buf *q = &p->queue[d];

    if (out_n != NULL)
        *out_n = 0;
    ta_pair_collect(p, d);
    TA_ENSURE(!p->oom, TA_E_NOMEM, "capturing the transcript");
    if (n > q->len)
        n = q->len;
    if (n == 0)
        return TA_OK;
    TA_ENSURE(!p->closed[d], TA_E_CLOSED, "direction %s is closed",
              d == TA_C2S ? "client->server" : "server->client");
    ta__transport_end *e = p->end[ta__receiver(d)];
    TA_GUARD(e->ops->deliver(e, q->data, n));
    ta__buf_consume(q, n);
    if (out_n != NULL)
        *out_n = n;
    return TA_OK;
}

ta_status ta_pair_deliver_record(ta_pair *p, ta_dir d, size_t *out_n)
{
    ta__buf *q = &p->queue[d];
    size_t need;

    *out_n = 0;
    ta_pair_collect(p, d);
    if (q->len < TA__REC_HEADER)
        return TA_OK;
    need = ta__rec_len(q->data);
    if (q->len < need)
        return TA_OK;
    return ta_pair_deliver(p, d, need, out_n);
}

ta_status ta_pair_close(ta_pair *p, ta_dir d)
{
    ta_pair_collect(p, d);
    p->queue[d].len = 0;
    p->closed[d] = 1;
    ta__transport_end *e = p->end[ta__receiver(d)];
    return e->ops->close(e);
}

size_t ta_pair_unread(ta_pair *p, ta_role side)
{
    return p->end[side]->ops->unread(p->end[side]);
}

int ta_pair_is_closed(ta_pair *p, ta_dir d)
{
    return p->closed[d];
}

ta_status ta_pair_inject(ta_pair *p, ta_dir d, const void *buf, size_t len)
{
    TA_ENSURE(!p->closed[d], TA_E_CLOSED, "cannot inject into a closed direction");
    ta_pair_collect(p, d);
    return ta__buf_append(&p->queue[d], buf, len);
}

const uint8_t *ta_pair_transcript(ta_pair *p, ta_dir d, size_t *out_len)
{
    ta_pair_collect(p, d);
    *out_len = p->transcript[d].len;
    return p->transcript[d].data;
}

const ta_record *ta_pair_records(ta_pair *p, ta_dir d, size_t *out_count)
{
    *out_count = p->recs[d].n;
    return p->recs[d].v;
}

void ta_pair_set_capacity(ta_pair *p, ta_dir d, size_t cap)
{
    p->cap[d] = cap;
}

size_t ta_pair_room(ta_pair *p, ta_dir d)
{
    ta_pair_collect(p, d);
    return ta__room(&p->gate[d]);
}

size_t ta_pair_stuck(ta_pair *p, ta_role side)
{
    ta_dir d = ta_dir_from(side);
    size_t n, built = 0, out;
    const ta_record *r = ta_pair_records(p, d, &n);
    for (size_t i = 0; i < n; i++)
        built += TA__REC_HEADER + r[i].length;
    (void)ta_pair_transcript(p, d, &out);
    return built > out ? built - out : 0;
}
