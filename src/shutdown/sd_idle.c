/*
 * sd_idle.c - read off the action table (sd_action.c): the alphabets (which
 * actions exhaustive mode and the fuzzers draw from), and the explorer's no-op
 * test: which tokens would change nothing at the end of a run, so that it skips
 * them without running them. The test restates the handlers' own "changed
 * nothing" conditions; change both together.
 */
#include <pthread.h>
#include <string.h>

#include "sd_run.h"

/* The alphabets, spelt out once from the table. */
static const unsigned ta__sd_alphabet_flags[] = {TA_SD_A_EXHAUSTIVE, TA_SD_A_FUZZ_SCHEDULE,
                                                 TA_SD_A_FUZZ_RECORDS, TA_SD_A_FORGES};
#define TA__SD_NALPHABETS (sizeof(ta__sd_alphabet_flags) / sizeof(ta__sd_alphabet_flags[0]))
#define TA__SD_LETTERS_MAX 64 /* actions in the table, at most (the fuzz encoding's byte) */
static char ta__sd_alphabets[TA__SD_NALPHABETS][TA__SD_LETTERS_MAX + 1];
static pthread_once_t ta__sd_alphabets_once = PTHREAD_ONCE_INIT;

static void ta__sd_alphabets_init(void)
{
    size_t na;
    const ta_sd_action_info *act = ta_sd_action_table(&na);
    for (size_t k = 0; k < TA__SD_NALPHABETS; k++) {
        size_t n = 0;
        for (size_t i = 0; i < na && n < TA__SD_LETTERS_MAX; i++)
            if (act[i].flags & ta__sd_alphabet_flags[k])
                ta__sd_alphabets[k][n++] = act[i].op;
        ta__sd_alphabets[k][n] = '\0';
    }
}

const char *ta_sd_action_letters(unsigned flag)
{
    (void)pthread_once(&ta__sd_alphabets_once, ta__sd_alphabets_init);
    for (size_t k = 0; k < TA__SD_NALPHABETS; k++)
        if (ta__sd_alphabet_flags[k] == flag)
            return ta__sd_alphabets[k];
    return "";
}

/* Exact "changes nothing" conditions of the handlers (sd_action.c), read at the end of a
 * run: the explorer skips those tokens without running them (an action that
 * changes nothing leaves the state, and so the subtree, of the shorter schedule).
 * Only conditions under which the handler is certain to report no change are
 * used; anything else is run. */
static int ta__sd_idle(ta__sd_run *r, const ta_sd_action *a)
{
    const int closed = ta_pair_is_closed(r->p, r->to_local);
    switch (a->op) {
    case 'd':
        return !ta__sd_peer_ready(r);
    case 'c':
        return ta__sd_peer_sent_cn(r);
    case 'k':
        return !ta__sd_peer_ready(r) || (r->s->tls == TA_TLS12 && r->peer_role != TA_SERVER);
    case 'e':
        return closed;
    case 'g':
        return closed;
    case '<':
    case 'j':
        return closed || ta_pair_pending(r->p, r->to_local) == 0;
    case '>':
        return ta_pair_pending(r->p, r->to_peer) == 0 && !r->peer_unread;
    case 'x':
        return !r->started || r->final;
    case 'b': {
        size_t cap = a->arg == 0 ? 8 : a->arg == TA_SD_ALL_BYTES ? 0 : a->arg;
        return cap == r->cap || closed;
    }
    case 'f':
        return !SSL_is_init_finished(r->peer)
               || (!ta__sd_peer_answers_junk(r) && ta__sd_peer_sent_cn(r));
    default:
        return 0;
    }
}

uint64_t ta__sd_idle_mask(ta__sd_run *r, const ta_sd_action *tok, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; tok != NULL && i < n && i < 64; i++)
        if (ta__sd_idle(r, &tok[i]))
            m |= (uint64_t)1 << i;
    return m;
}

/* Twins: tokens that would make exactly the delivery an earlier token of the set
 * makes, so the schedule would replay its sibling's run call for call (the
 * actions leave nothing of their own in the state: a delivery is its byte count).
 * With the rest of one record queued towards local, and the transport open,
 * '<' (to the end of the record), "<*" (everything) and 'j' (the next whole
 * record and half of the one after it, of which there is none) each deliver the
 * queue. The sibling is '<' without a count, which neither the no-op test nor
 * the silent test ever skips while something is queued. */
uint64_t ta__sd_twin_mask(ta__sd_run *r, const ta_sd_action *tok, size_t n)
{
    uint64_t m = 0;
    size_t first = SIZE_MAX;
    for (size_t i = 0; tok != NULL && i < n && i < 64 && first == SIZE_MAX; i++)
        if (tok[i].op == '<' && tok[i].arg == 0)
            first = i;
    if (first == SIZE_MAX || ta_pair_is_closed(r->p, r->to_local))
        return 0;
    ta__sd_sync(r);
    size_t q = ta_pair_pending(r->p, r->to_local);
    if (q == 0 || q != ta__sd_mirror_end(r) - r->delivered || ta__sd_next_record(r) != q)
        return 0;
    for (size_t i = first + 1; i < n && i < 64; i++)
        if ((tok[i].op == '<' && tok[i].arg == TA_SD_ALL_BYTES) || tok[i].op == 'j')
            m |= (uint64_t)1 << i;
    return m;
}

/* The explorer's last level (sd_explore.c): a token that, run as the last action
 * of a schedule whose driver has not finished, neither steps the driver nor
 * changes a fact the oracle reads leaves the verdict of the shorter schedule, which
 * was judged already; the explorer does not run it. Facts the oracle reads: the
 * answer and every deciding event (deliveries towards local, EOF and cancel
 * only), the local side's output (local_cn, records after it, what is stuck in
 * its write buffer), room towards the peer while something is stuck, and
 * peer_data_before_cn, which decides only a failed verdict (final: no schedule
 * extends it). The peer's own writes land in the queue towards local and reach
 * nobody without another delivery; its reads change room, hence the conditions
 * on '>' and 'k'. Anything else is run. */
static int ta__sd_silent(ta__sd_run *r, const ta_sd_action *a, int room_matters)
{
    switch (a->op) {
    case 'd': /* SSL_write on a peer whose handshake is done: it does not read */
    case 'c': /* the peer's first SSL_shutdown: it sends, it does not read */
    case 'g': /* injected towards local, not delivered */
        return 1;
    case 'k': /* KeyUpdate, or HelloRequest whose handshake may read: nothing to read */
        return ta_pair_unread(r->p, r->peer_role) == 0;
    case 'f': /* forged towards local; the other branch feeds the peer, which reads */
        return !ta__sd_peer_answers_junk(r);
    case '>': /* the peer reads: room for a driver that waits to write, and for what is stuck */
    case 'b': /* room too */
        return !room_matters;
    default: /* deliveries towards local, EOF and cancel call the driver */
        return 0;
    }
}

uint64_t ta__sd_silent_mask(ta__sd_run *r, const ta_sd_action *tok, size_t n)
{
    uint64_t m = 0;
    if (r->final || r->f->spin)
        return 0; /* a leaf: never extended */
    /* Room calls a driver that waits to write, and decides write_blocked while
     * its bytes are stuck: once per run, not per token. */
    const int room_matters = r->ans == TA_SD_PENDING_WRITE || ta_pair_stuck(r->p, r->s->role) > 0;
    for (size_t i = 0; tok != NULL && i < n && i < 64; i++)
        if (ta__sd_silent(r, &tok[i], room_matters))
            m |= (uint64_t)1 << i;
    return m;
}
