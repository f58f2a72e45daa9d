/* buf.c - the growable byte buffer used across src/. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

ta_status ta__buf_append(ta__buf *b, const void *src, size_t n)
{
    if (n == 0)
        return TA_OK;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        TA_ENSURE(d != NULL, TA_E_NOMEM, "buffer of %zu bytes", cap);
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return TA_OK;
}

void ta__buf_consume(ta__buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void ta__buf_free(ta__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
