/*
 * sd_worker_wire.h - what the two sides of a shutdown worker share
 * (sd_worker.c, the parent; sd_worker_child.c, the child): the record types,
 * the request and answer layouts, and the worker handle the child is forked
 * with.
 */
#ifndef TA_SD_WORKER_WIRE_H
#define TA_SD_WORKER_WIRE_H

#include "runner.h"
#include "sd_worker.h"

enum { TA__SD_HELLO = TA__REC_USER, TA__SD_CASE, TA__SD_REPLY, TA__SD_EXPECT };
#define TA__SD_SETUP_S 60.0 /* our engine's set-up (keys in cert mode), not the driver's */
/* A request for cases (TA__SD_CASE): this header, then the schedules. */
typedef struct ta__sd_batch_hdr {
    uint64_t horizon; /* ta__sd_probe.horizon of every case of the batch */
} ta__sd_batch_hdr;
/* Cases per request record (a record holds TA__REC_MAX bytes). */
#define TA__SD_BATCH_MAX ((TA__REC_MAX - sizeof(ta__sd_batch_hdr)) / sizeof(ta_sd_schedule))

typedef struct ta__sd_hello {
    char name[64];
    unsigned flags;
    ta__location loc;
} ta__sd_hello;

typedef struct ta__sd_wire_reply {
    int status; /* TA_OK, or our harness's failure (message in msg) */
    ta_sd_result res;
    ta_sd_answer got;
    int spin;
    uint64_t sig;
    size_t noops;
    uint64_t idle, silent, twin;
    char msg[256];
} ta__sd_wire_reply;

struct ta__sd_worker {
    const ta_sd_driver *d; /* built-in: in our catalog; NULL for a lib */
    ta_sd_opts o;
    ta__child *ch; /* NULL: none running */
    ta__sd_hello hello;
    int have_hello;
    char load_crash[300]; /* the object could not even be loaded: how it ended */
    uint64_t restarts;
    unsigned cases; /* run by the current worker */
    int lazy;       /* crashes leave expected to ta__sd_worker_expected */
    int hello_due;  /* started, its hello not read yet (the first record it sends) */
    /* The engine (our contexts and seeded environment, never code under test),
     * built here once and inherited by every worker: a fresh worker per case costs
     * a fork, not a set-up (~15 ms), and every case starts from the same
     * randomness whatever ran before it. */
    ta_sd_engine *e;
};

/* The child's main: loads the driver, says hello, then answers requests. */
void ta__sd_worker_main(ta__child *ch, void *arg);

#endif
