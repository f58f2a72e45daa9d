/*
 * sid_remote_collect.c - N full handshakes with a live server over C parallel
 * connections (one thread each, a blocking SSL on the socket: the server's
 * crypto is the bottleneck, not our client), each closed cleanly: OpenSSL
 * servers evict the session of a client that closes without close_notify, so
 * an unclean collector would measure an empty cache.
 *
 * TLS 1.2: the session id of the ServerHello (no ticket offered). TLS 1.3: the
 * NewSessionTickets read after our close_notify; a stateful ticket (32 bytes,
 * OpenSSL's SSL_OP_NO_TICKET) is the generator's id itself.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>

#include "sid_remote.h"

/* Three connections in a row whose close_notify got no answer: the server does
 * not answer it, so we stop waiting for it (each wait would cost this much). */
#define TA__SR_CLOSE_WAIT 1.0
#define TA__SR_NO_ANSWER_LIMIT 3

int ta__sr_ids_add(ta__sr_ids *s, const uint8_t *id, unsigned len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint8_t *e = realloc(s->e, cap * TA__SR_ENTRY);
        if (e == NULL)
            return -1;
        s->e = e;
        s->cap = cap;
    }
    uint8_t *e = s->e + s->n++ * TA__SR_ENTRY;
    memset(e, 0, TA__SR_ENTRY);
    e[0] = (uint8_t)(len > TA__SID_MAX ? TA__SID_MAX : len);
    memcpy(e + 1, id, e[0]);
    return 0;
}

void ta__sr_ids_free(ta__sr_ids *s)
{
    free(s->e);
    memset(s, 0, sizeof(*s));
}

static int ta__sr_ex_idx = -1;
static pthread_once_t ta__sr_ex_once = PTHREAD_ONCE_INIT;
static void ta__sr_ex_init(void)
{
    ta__sr_ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int ta__sr_ex_index(void)
{
    pthread_once(&ta__sr_ex_once, ta__sr_ex_init);
    return ta__sr_ex_idx;
}

/* Per connection, while its tickets arrive. */
typedef struct ta__sr_conn_tickets {
    ta__sr_collect *c;
    size_t count;
} ta__sr_conn_tickets;

static int ta__sr_new_session(SSL *ssl, SSL_SESSION *sess)
{
    ta__sr_conn_tickets *t = SSL_get_ex_data(ssl, ta__sr_ex_index());
    const unsigned char *tick = NULL;
    size_t len = 0;

    if (t == NULL)
        return 0;
    SSL_SESSION_get0_ticket(sess, &tick, &len);
    ta__sr_collect *c = t->c;
    unsigned long life = SSL_SESSION_get_ticket_lifetime_hint(sess);
    pthread_mutex_lock(&c->mu);
    t->count++;
    if (c->tickets == 0 || len < c->ticket_min)
        c->ticket_min = len;
    if (len > c->ticket_max)
        c->ticket_max = len;
    if (c->tickets == 0 || life < c->life_min)
        c->life_min = life;
    if (life > c->life_max)
        c->life_max = life;
    c->tickets++;
    if (len > TA__SID_MAX)
        c->stateless++;
    else if (tick != NULL && ta__sr_ids_add(&c->ids, tick, (unsigned)len) != 0)
        c->cut = 1;
    pthread_mutex_unlock(&c->mu);
    return 0; /* not kept */
}

static void ta__sr_fail(ta__sr_collect *c, int rc, const char *err)
{
    pthread_mutex_lock(&c->mu);
    if (rc == -1) {
        c->conn_fail++;
        /* Some servers take one connection at a time and let the others time
         * out (gnutls-serv): go on with one. */
        c->serial = 1;
    } else
        c->hs_fail++;
    if (c->first_error[0] == '\0')
        snprintf(c->first_error, sizeof(c->first_error), "%s", err);
    /* A server that refuses most of what we ask is gone or rate-limiting: stop
     * rather than spend the budget (the audit is then incomplete). */
    if (c->conn_fail + c->hs_fail > 20 && c->conn_fail + c->hs_fail > c->ok)
        c->cut = 1;
    pthread_mutex_unlock(&c->mu);
}

typedef struct ta__sr_worker_arg {
    ta__sr_collect *c;
    unsigned index;
} ta__sr_worker_arg;

static void *ta__sr_worker(void *arg)
{
    ta__sr_collect *c = ((ta__sr_worker_arg *)arg)->c;
    unsigned index = ((ta__sr_worker_arg *)arg)->index;
    char err[256];

    for (;;) {
        ta__sr_conn conn;
        ta__sr_conn_tickets t = {c, 0};
        pthread_mutex_lock(&c->mu);
        int stop =
            c->cut || c->next >= c->want || ta__mono_s() > c->deadline || (c->serial && index > 0);
        if (!stop)
            c->next++;
        int wait_answer = c->unanswered < TA__SR_NO_ANSWER_LIMIT;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        int rc = ta__sr_open(c->hp, c->ctx, NULL, c->timeout_s, &conn, err, sizeof(err));
        if (rc != 0) {
            ta__sr_fail(c, rc, err);
            continue;
        }
        SSL_set_ex_data(conn.ssl, ta__sr_ex_index(), &t);
        /* A copy, as a client keeps it: how the server then ends the connection
         * (an RST after our close_notify: nginx) may make our own stack mark
         * the live session not resumable. */
        SSL_SESSION *s =
            SSL_get0_session(conn.ssl) ? SSL_SESSION_dup(SSL_get0_session(conn.ssl)) : NULL;
        unsigned len = 0;
        const unsigned char *id = s ? SSL_SESSION_get_id(s, &len) : NULL;
        int answered = ta__sr_close_clean(&conn, wait_answer ? TA__SR_CLOSE_WAIT : 0.001);
        pthread_mutex_lock(&c->mu);
        c->ok++;
        if (!answered && wait_answer)
            c->unanswered++;
        else if (answered)
            c->unanswered = 0;
        if (c->version == TLS1_3_VERSION) {
            if (c->ok == 1 || t.count < c->per_conn_min)
                c->per_conn_min = t.count;
            if (t.count > c->per_conn_max)
                c->per_conn_max = t.count;
        } else if (id != NULL && ta__sr_ids_add(&c->ids, id, len) != 0) {
            c->cut = 1;
        }
        if (s != NULL && c->version == TLS1_2_VERSION) {
            size_t slot = c->nrecent++ % TA__SR_RECENT;
            SSL_SESSION_free(c->recent[slot]);
            c->recent[slot] = s;
            s = NULL;
        }
        pthread_mutex_unlock(&c->mu);
        SSL_SESSION_free(s);
    }
    pthread_mutex_lock(&c->mu);
    c->done++;
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

ta_status ta__sr_collect_run(ta__sr_collect *c)
{
    pthread_t th[256];
    unsigned n = c->conns < 1 ? 1 : c->conns > 256 ? 256 : c->conns, started = 0;
    double t0 = ta__mono_s();
    const char *name = c->version == TLS1_3_VERSION ? "tls13 tickets" : "tls12 ids";

    TA_ENSURE(pthread_mutex_init(&c->mu, NULL) == 0, TA_E_NOMEM, "mutex");
    c->ctx = ta__sr_client_ctx(c->version);
    if (c->ctx == NULL) {
        pthread_mutex_destroy(&c->mu);
        return TA_E_OSSL;
    }
    if (c->version == TLS1_3_VERSION)
        SSL_CTX_sess_set_new_cb(c->ctx, ta__sr_new_session);
    ta__sr_worker_arg args[256];
    for (unsigned i = 0; i < n; i++) {
        args[i].c = c;
        args[i].index = i;
        if (pthread_create(&th[i], NULL, ta__sr_worker, &args[i]) != 0)
            break;
        started++;
    }
    if (started == 0)
        (void)ta__sr_worker(&args[0]); /* no thread: the work is still done, serially */
    for (;;) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        pthread_mutex_lock(&c->mu);
        size_t done = c->done, ok = c->ok;
        pthread_mutex_unlock(&c->mu);
        if (c->progress != NULL)
            c->progress(c->progress_arg, name, ok, c->want);
        if (done >= started)
            break;
        nanosleep(&ts, NULL);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    c->seconds = ta__mono_s() - t0;
    if (c->ok + c->hs_fail + c->conn_fail < c->want)
        c->cut = 1;
    return TA_OK;
}

void ta__sr_collect_free(ta__sr_collect *c)
{
    for (size_t i = 0; i < TA__SR_RECENT; i++)
        SSL_SESSION_free(c->recent[i]);
    ta__sr_ids_free(&c->ids);
    if (c->ctx != NULL) {
        SSL_CTX_free(c->ctx);
        pthread_mutex_destroy(&c->mu);
    }
    c->ctx = NULL;
}
