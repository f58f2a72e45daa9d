/* transport_mem.c - the memory end of a transport (transport.h): a memory BIO. */
#include <pthread.h>
#include <stdlib.h>

#include "transport.h"

typedef struct ta__mem_end {
    ta__transport_end base;
    BIO *rbio;
} ta__mem_end;

static ta_status ta__mem_deliver(ta__transport_end *e, const uint8_t *buf, size_t n)
{
    ta__mem_end *m = (ta__mem_end *)e;
    TA_ENSURE(n <= (size_t)INT32_MAX, TA_E_ARG, "delivery of %zu bytes", n);
    TA_GUARD_OSSL(BIO_write(m->rbio, buf, (int)n) == (int)n, "writing into the receiver's BIO");
    return TA_OK;
}

static ta_status ta__mem_close(ta__transport_end *e)
{
    /* Empty then reads as EOF, not "retry". */
    BIO_set_mem_eof_return(((ta__mem_end *)e)->rbio, 0);
    return TA_OK;
}

static size_t ta__mem_unread(const ta__transport_end *e)
{
    return BIO_ctrl_pending(((const ta__mem_end *)e)->rbio);
}

static void ta__mem_free(ta__transport_end *e)
{
    free(e);
}

static const ta__transport_ops ta__mem_ops = {ta__mem_deliver, ta__mem_close, ta__mem_unread,
                                              ta__mem_free};

ta_status ta__transport_mem_new(BIO *rbio, ta__transport_end **out)
{
    ta__mem_end *m = calloc(1, sizeof(*m));
    TA_ENSURE(m != NULL, TA_E_NOMEM, "transport end");
    m->base.ops = &ta__mem_ops;
    m->rbio = rbio;
    BIO_set_mem_eof_return(rbio, -1); /* empty = retry, not EOF */
    *out = &m->base;
    return TA_OK;
}

/* ------------------------------------------------------------ the sending side */

/* A sink: a memory BIO behind a gate that takes at most room() bytes a write. */
typedef struct ta__sink {
    BIO *mem;
    ta__transport_room_fn room;
    void *arg;
} ta__sink;

static int ta__sink_write(BIO *b, const char *in, int inl)
{
    ta__sink *s = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (inl <= 0)
        return 0;
    size_t room = s->room != NULL ? s->room(s->arg) : (size_t)inl;
    if (room == 0) {
        BIO_set_retry_write(b); /* full: SSL_ERROR_WANT_WRITE */
        return -1;
    }
    return BIO_write(s->mem, in, room < (size_t)inl ? (int)room : inl);
}

static long ta__sink_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    ta__sink *s = BIO_get_data(b);
    /* Everything else reads like the memory BIO behind it (get_mem_data, reset, pending). */
    return cmd == BIO_CTRL_FLUSH ? 1 : BIO_ctrl(s->mem, cmd, num, ptr);
}

static int ta__sink_destroy(BIO *b)
{
    ta__sink *s = BIO_get_data(b);
    if (s != NULL) {
        BIO_free(s->mem);
        free(s);
        BIO_set_data(b, NULL);
    }
    return 1;
}

static BIO_METHOD *ta__sink_method;
static pthread_once_t ta__sink_once = PTHREAD_ONCE_INIT;

static void ta__sink_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlsaudit sink");
    if (m != NULL
        && (!BIO_meth_set_write(m, ta__sink_write) || !BIO_meth_set_ctrl(m, ta__sink_ctrl)
            || !BIO_meth_set_destroy(m, ta__sink_destroy))) {
        BIO_meth_free(m);
        m = NULL;
    }
    ta__sink_method = m; /* lives as long as the process, like OpenSSL's own methods */
}

ta_status ta__transport_sink_new(ta__transport_room_fn room, void *arg, BIO **out)
{
    (void)pthread_once(&ta__sink_once, ta__sink_method_init);
    TA_ENSURE(ta__sink_method != NULL, TA_E_OSSL, "creating the sink BIO method");
    ta__sink *s = calloc(1, sizeof(*s));
    TA_ENSURE(s != NULL, TA_E_NOMEM, "sink");
    BIO *b = BIO_new(ta__sink_method);
    s->mem = BIO_new(BIO_s_mem());
    if (b == NULL || s->mem == NULL) {
        BIO_free(b);
        BIO_free(s->mem);
        free(s);
        TA_BAIL_OSSL("creating a sink BIO");
    }
    s->room = room;
    s->arg = arg;
    BIO_set_data(b, s);
    BIO_set_init(b, 1);
    *out = b;
    return TA_OK;
}

size_t ta__transport_sink_pending(BIO *sink)
{
    return BIO_ctrl_pending(sink);
}
