/* transport_mem.c - the memory end of a transport (transport.h): a memory BIO. */
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
