/*
 * sd_worker.h - shutdown cases in a worker child (sd_worker.c); used by the
 * matrix, replay and exhaustive mode. Private to src/sd_*.c.
 */
#ifndef TA_SD_WORKER_H
#define TA_SD_WORKER_H

#include "internal.h"

typedef struct ta__sd_worker ta__sd_worker;

/* What one case gave: always a result (res); crashed / incomplete say whether
 * the code under test ended it (SD-CRASH) or our harness could not run it
 * (SD-INCOMPLETE). got, spin, sig and noops are the explorer's (0 unless the
 * case ran to its end). */
typedef struct ta__sd_reply {
    ta_sd_result res;
    int crashed, incomplete;
    int expect_later; /* crashed, res.expected not known yet: ta__sd_worker_expected */
    ta_sd_answer got;
    int spin;
    uint64_t sig;
    size_t noops;
    uint64_t idle;   /* bit t: exhaustive token t would change nothing next */
    uint64_t silent; /* bit t: token t, run last, could not change the verdict */
    uint64_t twin;   /* bit t: token t would replay an earlier token's run */
} ta__sd_reply;

/* The exhaustive tokens of o (sd_explore.c): o->actions parsed, or the table's. */
TA_MUST_CHECK ta_status ta__sd_explore_tokens(const ta_sd_opts *o, ta_sd_schedule *out);

/* A worker for driver d (built in) or o->lib/o->symbol (loaded in the worker
 * only); it is started at once. TA_E_LOAD with one line when the object cannot
 * be loaded; an object whose loading kills the worker gives a worker whose
 * load_crash says how (every case then crashes). */
TA_MUST_CHECK ta_status ta__sd_worker_new(const ta_sd_driver *d, const ta_sd_opts *o,
                                          ta__sd_worker **out);
/* The driver's name (escaped), where it lives, and how loading crashed (NULL: it
 * did not). */
const char *ta__sd_worker_name(const ta__sd_worker *w);
const ta__location *ta__sd_worker_location(const ta__sd_worker *w);
const char *ta__sd_worker_load_crash(const ta__sd_worker *w);
/* What a crashed case expected of the driver (SD-CRASH shows it): the schedule
 * replayed with a passive stand-in, on the worker when it is idle (no batch in
 * flight) or a fresh one. With lazy set, a crash leaves res.expected pending and
 * expect_later set instead, for the caller to ask only for the crashes it
 * reports (the explorer: one per rule, version and role, of thousands); the
 * replay costs a run. */
ta_sd_answer ta__sd_worker_expected(ta__sd_worker *w, const ta_sd_schedule *s);
void ta__sd_worker_set_lazy(ta__sd_worker *w, int lazy);
/* Run one case (a fresh worker first when the last one died). Fails only on our
 * own errors (fork, a harness failure while starting). */
TA_MUST_CHECK ta_status ta__sd_worker_run(ta__sd_worker *w, const ta_sd_schedule *s,
                                          ta__sd_reply *out);
/* Run cases[0..n) on the workers ws[0..nw) (nw <= TA__SD_WORKERS_MAX): case i
 * on worker i % nw, each worker's cases in order, in batches (a request record
 * holds many; one answer record per case), all workers at once. out[i] is what
 * ta__sd_worker_run gives for case i: the split depends on i only, so results
 * do not depend on timing. horizon: ta__sd_probe.horizon of every case. Fails only on our own errors. */
#define TA__SD_WORKERS_MAX 4
TA_MUST_CHECK ta_status ta__sd_workers_run(ta__sd_worker *const *ws, size_t nw,
                                           const ta_sd_schedule *cases, size_t n, size_t horizon,
                                           ta__sd_reply *out);
/* End the current worker: the next case starts in a fresh process, so nothing a
 * driver kept outside its state block (statics, the heap) carries over. */
void ta__sd_worker_recycle(ta__sd_worker *w);
/* 1 when the current worker has run a case already (a fresh one has not). */
int ta__sd_worker_restarts(const ta__sd_worker *w);
/* Workers started so far (1 + restarts after crashes). */
uint64_t ta__sd_worker_starts(const ta__sd_worker *w);
void ta__sd_worker_free(ta__sd_worker *w);

/* A worker and a report named after the driver it loaded (sd_matrix.c). When
 * loading the object killed the worker, the report holds that one crash and
 * *dead is 1. */
TA_MUST_CHECK ta_status ta__sd_begin(const ta_sd_driver *d, const ta_sd_opts *o, ta__sd_worker **w,
                                     ta_sd_report **rep, int *dead);

#endif
