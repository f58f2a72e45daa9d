/*
 * transport.h - the seam between a pair's queues and what receives their bytes.
 *
 * A pair (pair.c) collects what each side writes into a per-direction queue and
 * hands bytes on only when the harness says so. Where they go is a transport
 * end: today both ends are memory BIOs read by an SSL of this process
 * (transport_mem.c); an end can as well be a socket to a program under test,
 * with the same three operations (deliver bytes, close the direction, count
 * what the receiver has not read yet), so the schedule engine above does not
 * change with the transport. Private to src/.
 */
#ifndef TA_TRANSPORT_H
#define TA_TRANSPORT_H

#include "internal.h"

typedef struct ta__transport_end ta__transport_end;
typedef struct ta__transport_ops {
    /* Hand n bytes to the receiver, whole or not at all. */
    ta_status (*deliver)(ta__transport_end *e, const uint8_t *buf, size_t n);
    /* The sender is gone: once the receiver has read what it was given, it reads
     * end of stream (the transport closed without a close_notify). */
    ta_status (*close)(ta__transport_end *e);
    /* Bytes delivered that the receiver has not read yet. */
    size_t (*unread)(const ta__transport_end *e);
    void (*free)(ta__transport_end *e);
} ta__transport_ops;

struct ta__transport_end {
    const ta__transport_ops *ops;
};

/* The memory end: a BIO that an SSL reads (rbio), retry when empty until closed.
 * The SSL owns the BIO (SSL_set_bio); the end does not free it. */
TA_MUST_CHECK ta_status ta__transport_mem_new(BIO *rbio, ta__transport_end **out);

/*
 * The sending side. What an SSL writes goes into a sink BIO that reads back like a
 * memory BIO (BIO_get_mem_data, BIO_reset: the pair collects from it) but takes at
 * most room(arg) bytes per write and answers "retry" when that is 0, so SSL_write
 * and SSL_shutdown return SSL_ERROR_WANT_WRITE: a transport that is full
 * (backpressure). room NULL: it never fills. For a direction the pair bounds
 * (ta_pair_set_capacity), room is the capacity minus the bytes in flight: written
 * and not delivered (the pair's queue) plus delivered and not read (the receiving
 * end's unread()). A socket end brings its own room: the kernel's buffers.
 */
typedef size_t (*ta__transport_room_fn)(void *arg);
TA_MUST_CHECK ta_status ta__transport_sink_new(ta__transport_room_fn room, void *arg, BIO **out);
/* Bytes written into the sink and not yet collected. */
size_t ta__transport_sink_pending(BIO *sink);

#endif
