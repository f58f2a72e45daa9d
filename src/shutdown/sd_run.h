/*
 * sd_run.h - what the event loop (sd_run.c), the schedule actions (sd_action.c,
 * their no-op test sd_idle.c), the stream they move (sd_stream.c) and the state
 * keys (sd_key.c) share. Private to those files.
 * They call each other by design (the only circle in shutdown/): the loop runs
 * each action, and an action that moves bytes steps the driver through the loop.
 */
#ifndef TA_SD_RUN_H
#define TA_SD_RUN_H

#include "internal.h"

struct ta_sd_engine {
    ta_sd_opts o;
    ta_env *env;
    ta_ctx *ctx[TA_TLS_COUNT];
};

/* One run: a pair, a driver, a schedule and what was observed so far. */
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
    size_t act_end0;          /* end of the mirror when the current action began */
    int fatal_partial;
    size_t noops;
    ta_sd_decider decider_all;
    char secret[130]; /* the peer's TLS 1.3 application traffic secret (hex) */
    int peer_rekeyed; /* the peer sent KeyUpdate: the secret above is stale */
    uint64_t forged;  /* records forged in the peer's name so far */
    char note[128];
    /* Every call of the driver so far, hashed: the event, where the stream towards
     * local stood (bytes delivered, closed), whether the transport had room, and the
     * answer; harness calls on the local SSL ('w') too. The explorer's state key
     * holds it, so it merges two schedules only when the driver saw the same calls
     * (sd_explore.c). */
    uint64_t hist;
    size_t cap; /* backpressure towards the peer (bytes in flight; 0: unbounded) */
    /* The stream towards local as records, in order: what each is (the peer's by
     * kind and length from its record view, injected or forged ones by a hash of
     * their bytes), for the state key of drivers with TA_SD_STATE_IN_BLOCK. */
    ta__buf desc; /* ta__sd_desc entries */
    size_t recs_seen;
    /* The last quiet point: a driver call after which the local SSL held nothing
     * unprocessed (SSL_has_pending 0): the stream position it had read up to, a
     * hash of the SSL's and the state block's state then, and of every driver
     * call since. */
    size_t clean_pos;
    uint64_t clean_sig, hist_since;
} ta__sd_run;

typedef struct ta__sd_desc {
    size_t start, len; /* absolute stream offsets */
    uint64_t code;
} ta__sd_desc;
/* Describe n bytes just appended to the mirror (injected or forged): code. */
void ta__sd_desc_add(ta__sd_run *r, size_t start, size_t len, uint64_t code);
/* After a driver call or a harness call on the local SSL: the quiet point and
 * the call history since it. */
void ta__sd_note_call(ta__sd_run *r, const size_t *call, size_t n);

/* The state key of the end of run r (sd_key.c): ta__sd_probe.horizon says how
 * much of the queue towards local it describes. */
uint64_t ta__sd_state_key(ta__sd_run *r, size_t horizon);
/* FNV-1a over n bytes, from h. */
uint64_t ta__sd_fnv(uint64_t h, const void *p, size_t n);
/* Room towards the peer (SIZE_MAX: unbounded). */
size_t ta__sd_room(ta__sd_run *r);

/* Move the peer's new bytes into the mirror of the stream towards local. */
void ta__sd_sync(ta__sd_run *r);
size_t ta__sd_mirror_end(const ta__sd_run *r);
/* Record the first deciding event (before the verdict, and over the run). */
void ta__sd_decide(ta__sd_run *r, ta_sd_decider d);
/* Step the driver with ev, then while it asks for an event that is ready. */
void ta__sd_drive(ta__sd_run *r, ta_sd_event ev);
/* Records the local side has written so far. */
size_t ta__sd_local_records(ta__sd_run *r);
/* The peer may still act: its handshake is done and its close_notify not sent. */
int ta__sd_peer_ready(ta__sd_run *r);
/* The peer can still be made to answer a corrupt record with a fatal alert. */
int ta__sd_peer_answers_junk(ta__sd_run *r);
/* Bit i set when exhaustive token i (tok[0..n)) would change nothing at the end of
 * this run: the explorer skips those without running them (sd_idle.c). */
uint64_t ta__sd_idle_mask(ta__sd_run *r, const ta_sd_action *tok, size_t n);
/* The tokens that, as the last action after this run, cannot change its
 * verdict: they neither step the driver nor change a fact the oracle reads
 * (sd_idle.c). */
uint64_t ta__sd_silent_mask(ta__sd_run *r, const ta_sd_action *tok, size_t n);
uint64_t ta__sd_twin_mask(ta__sd_run *r, const ta_sd_action *tok, size_t n);
/* One schedule action (sd_action.c); *changed = 0 when it had no effect. */
ta_status ta__sd_act(ta__sd_run *r, const ta_sd_action *a, int *changed);

/* The stream (sd_stream.c). Bytes from `delivered` to the end of the record it
 * is in (or of the next one). */
size_t ta__sd_next_record(ta__sd_run *r);
/* Deliver n bytes (TA_ALL) towards local and step the driver; *out = 0 when
 * nothing moved. */
ta_status ta__sd_to_local(ta__sd_run *r, size_t n, size_t *out);
/* The peer reads what was delivered to it (application data discarded), bounded. */
void ta__sd_peer_read(ta__sd_run *r);
/* Queue bytes towards local as if the peer had sent them; the first injection
 * is the fatal decider (partial: its bytes end mid-record). */
ta_status ta__sd_inject(ta__sd_run *r, const uint8_t *b, size_t n, int partial);
/* 1 when the bytes do not end exactly on a record boundary. */
int ta__sd_ends_mid_record(const uint8_t *b, size_t n);
/* 1 once the peer has sent its close_notify. */
int ta__sd_peer_sent_cn(ta__sd_run *r);
/* The write probe: 1 when SSL_write failed with SSL_R_PROTOCOL_IS_SHUTDOWN and
 * nothing went out. */
int ta__sd_probe_write(ta__sd_run *r);
/* A record of `type` with `content` forged in the peer's name when its keys are
 * known, else the raw bytes injected; *forged says which one went out. */
ta_status ta__sd_forge_or_raw(ta__sd_run *r, uint8_t type, const uint8_t *content, size_t clen,
                              const uint8_t *raw, size_t rawlen, int *forged);

#endif
