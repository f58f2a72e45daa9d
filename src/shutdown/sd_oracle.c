/*
 * sd_oracle.c - what a shutdown driver should have answered, from what the peer
 * did, and the checks that hold in every case.
 *
 * The expected verdict is derived from the first deciding event that reached the
 * local side before the driver's verdict (the asio answer's three ways a shutdown
 * completes, RFC 8446 §6.1, RFC 5246 §7.2.1), never from what OpenSSL returned to
 * the driver. Where OpenSSL makes the right answer impossible to observe, a short
 * table of explicit exceptions says so and flags the case instead of failing it.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"


const ta_sd_rule_info *ta_sd_rule_table(size_t *out_count)
{
    if (out_count != NULL)
        *out_count = TA_SD_RULE_COUNT;
    return ta_report_rules(NULL) + TA_SID_RULE_COUNT; /* after the sid rows */
}

#define BIT(a) (1u << (a))
#define PENDING (BIT(TA_SD_PENDING_READ) | BIT(TA_SD_PENDING_WRITE))

/* Explicit exceptions: (option, deciding event, answer) that passes with a flag. */
static const struct {
    unsigned sched_flag;
    ta_sd_decider decider;
    ta_sd_answer got;
    ta_sd_rule flag;
    const char *why;
} ta__sd_exceptions[] = {
    /* SSL_CTX_set_options(3): with SSL_OP_IGNORE_UNEXPECTED_EOF OpenSSL reports an
     * EOF as SSL_ERROR_ZERO_RETURN, exactly like a close_notify; no driver can
     * tell them apart, so the finding belongs to the option, not the driver. */
    {TA_SD_F_IGNORE_EOF, TA_SD_EV_EOF, TA_SD_CLEAN, TA_SD_R_IGNORE_EOF,
     "truncation read as clean: SSL_OP_IGNORE_UNEXPECTED_EOF makes EOF look like close_notify"},
};

static const char *ta__sd_decider_text(ta_sd_decider d)
{
    switch (d) {
    case TA_SD_EV_CLOSE_NOTIFY:
        return "the peer's close_notify was delivered";
    case TA_SD_EV_EOF:
        return "the transport closed without close_notify";
    case TA_SD_EV_CANCEL:
        return "the application cancelled";
    case TA_SD_EV_FATAL:
        return "a fatal alert or an unauthenticated record was delivered";
    default:
        return "nothing deciding reached the local side";
    }
}

static const char *ta__sd_shown(ta_sd_answer a)
{
    return TA_SD_IS_FINAL(a) ? ta_sd_answer_name(a) : "pending";
}

static void ta__sd_fail(ta_sd_verdict *v, ta_sd_rule rule, const char *fmt, const char *a,
                        const char *b)
{
    v->pass = 0;
    v->rule = rule;
    snprintf(v->detail, sizeof(v->detail), fmt, a, b);
}

void ta_sd_oracle(const ta_sd_facts *f, ta_sd_verdict *v)
{
    const int uni = (f->driver_flags & TA_SD_UNIDIRECTIONAL) != 0;
    unsigned acc;

    memset(v, 0, sizeof(*v));
    v->pass = 1;
    v->rule = v->flag = -1;

    /* The expected verdict from the deciding event. */
    if (!f->handshake_done) {
        /* SSL_shutdown(3): no close_notify before the handshake finished
         * (SSL_R_SHUTDOWN_WHILE_IN_INIT): the close can only fail. */
        v->expected = TA_SD_FAILED;
        acc = BIT(TA_SD_FAILED) | (f->decider == TA_SD_EV_CANCEL ? BIT(TA_SD_CANCELLED) : 0);
    } else {
        switch (f->decider) {
        case TA_SD_EV_CLOSE_NOTIFY: /* asio answer (a); RFC 8446 §6.1 */
            v->expected = uni ? TA_SD_SENT : TA_SD_CLEAN;
            acc = BIT(TA_SD_CLEAN) | (uni ? BIT(TA_SD_SENT) : 0);
            break;
        case TA_SD_EV_EOF: /* asio answer (b); RFC 5246 §7.2.1: never clean */
            v->expected = uni ? TA_SD_SENT : TA_SD_TRUNCATED;
            acc = BIT(TA_SD_TRUNCATED) | (uni ? BIT(TA_SD_SENT) : 0);
            break;
        case TA_SD_EV_CANCEL: /* asio answer (c) */
            v->expected = uni ? TA_SD_SENT : TA_SD_CANCELLED;
            acc = BIT(TA_SD_CANCELLED) | (uni ? BIT(TA_SD_SENT) : 0);
            break;
        case TA_SD_EV_FATAL: /* RFC 8446 §6.2, RFC 5246 §7.2.2: the connection is dead */
            v->expected = uni ? TA_SD_SENT : TA_SD_FAILED;
            /* Injected bytes that end mid-record are not a whole record yet: the
             * receiver may reject the header at once (failed), see the EOF that
             * follows (truncated), or still wait for the rest (pending). */
            acc = BIT(TA_SD_FAILED) | (uni ? BIT(TA_SD_SENT) : 0)
                  | (f->junk_partial ? BIT(TA_SD_TRUNCATED) | PENDING : 0);
            break;
        default: /* nothing decided: still pending (asio: no completion otherwise) */
            v->expected = uni ? TA_SD_SENT : TA_SD_PENDING_READ;
            acc = uni ? BIT(TA_SD_SENT) : PENDING;
            break;
        }
    }
    if (f->write_blocked && f->handshake_done) {
        /* Backpressure: our close_notify waits for room (the peer does not read),
         * so no verdict can be given yet, or the wait was cancelled
         * (SSL_get_error(3): WANT_WRITE). */
        acc |= PENDING | (f->cancel_seen ? BIT(TA_SD_CANCELLED) : 0);
    }
    v->accepted = acc;

    /* Always-checks, in order of severity of what they say. */
    if (f->crash[0] != '\0') {
        ta__sd_fail(v, TA_SD_R_CRASH, "the driver %s%s", f->crash, "");
        return;
    }
    if (f->write_stuck) {
        /* SSL_get_error(3): WANT_WRITE means "call again when writable"; waiting
         * for readability instead leaves our close_notify in OpenSSL's buffer for
         * as long as the peer, waiting for it, stays silent. */
        ta__sd_fail(v, TA_SD_R_WANT_WRITE,
                    "the driver waits for readability while its records sit in OpenSSL's "
                    "write buffer (WANT_WRITE read as WANT_READ)%s%s",
                    "", "");
        return;
    }
    if (f->spin) {
        ta__sd_fail(v, TA_SD_R_SPIN,
                    "busy loop: the driver kept asking to be called without new input%s%s", "", "");
        return;
    }
    if (f->nonalert_after_cn) {
        /* RFC 8446 §6.1: close_notify says the sender "will not send any more
         * messages"; RFC 5246 §7.2.1 likewise. */
        ta__sd_fail(v, TA_SD_R_DATA_AFTER_CN,
                    "a non-alert record left the local side after its close_notify%s%s", "", "");
        return;
    }
    if (f->write_probe == 0) {
        ta__sd_fail(v, TA_SD_R_WRITE_AFTER,
                    "SSL_write after the shutdown did not fail with "
                    "SSL_R_PROTOCOL_IS_SHUTDOWN, or put bytes on the wire%s%s",
                    "", "");
        return;
    }
    if (!(acc & BIT(f->got))) {
        for (size_t i = 0; i < sizeof(ta__sd_exceptions) / sizeof(ta__sd_exceptions[0]); i++) {
            if ((f->sched_flags & ta__sd_exceptions[i].sched_flag)
                && f->decider == ta__sd_exceptions[i].decider
                && f->got == ta__sd_exceptions[i].got) {
                v->flag = ta__sd_exceptions[i].flag;
                snprintf(v->detail, sizeof(v->detail), "FLAG %s: %s",
                         ta_sd_rule_table(NULL)[v->flag].id, ta__sd_exceptions[i].why);
                acc |= BIT(f->got);
                break;
            }
        }
    }
    if (!(acc & BIT(f->got))) {
        const char *why = ta__sd_decider_text(f->decider);
        const char *got = ta__sd_shown(f->got);
        if (f->got == TA_SD_CLEAN && f->decider == TA_SD_EV_EOF)
            ta__sd_fail(v, TA_SD_R_TRUNCATION, "%s, but the driver said %s", why, got);
        else if (f->got == TA_SD_FAILED && f->peer_data_before_cn
                 && (f->decider == TA_SD_EV_NONE || f->decider == TA_SD_EV_CLOSE_NOTIFY))
            ta__sd_fail(v, TA_SD_R_DATA_FAILS,
                        "the peer's application data before its close_notify made the "
                        "driver say %s%s",
                        got, "");
        else if (f->decider == TA_SD_EV_CANCEL && !TA_SD_IS_FINAL(f->got))
            ta__sd_fail(v, TA_SD_R_CANCEL, "%s, but the driver is still %s", why, got);
        else if (f->decider == TA_SD_EV_NONE && TA_SD_IS_FINAL(f->got))
            ta__sd_fail(v, TA_SD_R_EARLY, "%s, but the driver said %s", why, got);
        else if (!TA_SD_IS_FINAL(f->got))
            ta__sd_fail(v, TA_SD_R_STALL, "%s, but the driver is still %s", why, got);
        else
            ta__sd_fail(v, TA_SD_R_VERDICT, "%s, but the driver said %s", why, got);
        return;
    }
    if ((f->got == TA_SD_CLEAN || f->got == TA_SD_SENT) && !f->local_cn) {
        /* A clean or sent close claims our close_notify went out (RFC 8446 §6.1). */
        ta__sd_fail(v, TA_SD_R_NO_CN,
                    "the driver said %s but no close_notify left the local "
                    "side%s",
                    ta__sd_shown(f->got), "");
        return;
    }
    if (f->keyupdate_after_cn && v->flag < 0) {
        /* Measured on OpenSSL 3.0: a second KeyUpdate(update_requested) that
         * arrives after our close_notify makes SSL_read/SSL_shutdown send a
         * KeyUpdate of its own. RFC 8446 §6.1 forbids it, but no driver that
         * reads (as it must to see the peer's close_notify) can stop it. */
        v->flag = TA_SD_R_OSSL_KEYUPDATE;
        snprintf(v->detail, sizeof(v->detail),
                 "FLAG %s: OpenSSL sent a KeyUpdate after our "
                 "close_notify (answering the peer's KeyUpdate); the driver said %s",
                 ta_sd_rule_table(NULL)[v->flag].id, ta__sd_shown(f->got));
        return;
    }
    if (v->flag < 0)
        snprintf(v->detail, sizeof(v->detail), "%s: %s", ta__sd_decider_text(f->decider),
                 ta__sd_shown(f->got));
}
