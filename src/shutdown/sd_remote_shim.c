/*
 * sd_remote_shim.c - scenarios for a shim (tlsaudit shutdown --shim 'CMD',
 * the shim protocol of tools/shims/README.md): tlsaudit plays the server
 * (sd_remote_client.c's plumbing), the shim performs its stack's own shutdown
 * and prints its verdict, judged against what we really did on the wire.
 * Some scenarios forge our records (ep_forge.c): a warning alert, data after
 * our close_notify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_remote.h"

#define TA__BOTH ((1u << TA_TLS12) | (1u << TA_TLS13))
#define TA__SHIM (1u << TA_SD_FORM_SHIM)
#define TA__APP_BYTES 64

/* ---------------------------------------------------------------- shims */

typedef enum { TA__SV_NONE = -1, TA__SV_UNIMPLEMENTED = 100 } ta__sv_extra;

/* The verdict line and exit code of the shim protocol; 0 with why on a violation. */
static int ta__shim_verdict(const ta__rrun *r, const ta__child_end *end, int *out, long *read,
                            char *why, size_t cap)
{
    static const struct {
        const char *word;
        int verdict, code;
    } t[] = {{"clean", TA_SD_CLEAN, 0},
             {"truncated", TA_SD_TRUNCATED, 10},
             {"cancelled", TA_SD_CANCELLED, 11},
             {"failed", TA_SD_FAILED, 12},
             {"unimplemented", TA__SV_UNIMPLEMENTED, 13}};
    char path[300], buf[4096] = "", line[200];
    FILE *f;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/out", r->dir);
    if ((f = fopen(path, "r")) != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    /* The last "read N" line: the application bytes the shim was handed. */
    for (const char *l = buf; l != NULL && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, "read ", 5) == 0)
            *read = strtol(l + 5, NULL, 10);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    const char *last = strrchr(buf, '\n');
    last = last ? last + 1 : buf;
    ta__escape(last, strlen(last), line, sizeof(line));
    if (end->signaled) {
        snprintf(why, cap, "signal %d (%s), last line '%.100s'", end->signal,
                 strsignal(end->signal), line);
        return 0;
    }
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t wl = strlen(t[i].word);
        if (strncmp(last, t[i].word, wl) != 0
            || !(last[wl] == '\0' || (t[i].verdict == TA_SD_FAILED && last[wl] == ':')))
            continue;
        if (end->status != t[i].code) {
            snprintf(why, cap, "verdict '%.100s' with exit %d (the protocol says %d)", line,
                     end->status, t[i].code);
            return 0;
        }
        *out = t[i].verdict;
        return 1;
    }
    snprintf(why, cap, "exit %d, no verdict line (last line '%.100s')", end->status, line);
    return 0;
}

/* The shim scenarios: what we do around the shim's own shutdown. */
typedef enum {
    TA__SH_PEER_CN,     /* READ=close: data, our close_notify */
    TA__SH_PEER_FIN,    /* READ=close: data, FIN without close_notify */
    TA__SH_REPLY,       /* READ=N: we answer its close_notify with ours */
    TA__SH_FIN,         /* READ=N: we answer it with a FIN */
    TA__SH_DATA,        /* READ=N: data, then our close_notify (TLS 1.3 half-close) */
    TA__SH_SILENT,      /* READ=N: silence, no cancel */
    TA__SH_CANCEL,      /* READ=N: silence, the shim cancels after --cancel-ms */
    TA__SH_RST_MID,     /* READ=close: data, half a record, RST */
    TA__SH_PEER_SILENT, /* READ=close: data, then silence */
    TA__SH_WARNING,     /* READ=close: data, a warning user_canceled, close_notify (forged) */
    TA__SH_CN_DATA,     /* READ=close: data, close_notify, data after it (forged) */
    TA__SH_ERROR_WARN   /* READ=close, TLS 1.3: data, a warning-level error alert, data, cn */
} ta__shim_kind;

/* What each kind expects (the oracle), and whether the peer closes first. */
static const struct {
    ta_sd_answer expect;
    int close_first;
} ta__shim_kinds[] = {
    {TA_SD_CLEAN, 1},        {TA_SD_TRUNCATED, 1},    {TA_SD_CLEAN, 0},     {TA_SD_TRUNCATED, 0},
    {TA_SD_CLEAN, 0},        {TA_SD_PENDING_READ, 0}, {TA_SD_CANCELLED, 0}, {TA_SD_TRUNCATED, 1},
    {TA_SD_PENDING_READ, 1}, {TA_SD_CLEAN, 1},        {TA_SD_CLEAN, 1},     {TA_SD_FAILED, 1},
};

/* What we send once the shim is connected (READ=close kinds: all of it; the
 * others: the data its READ=N waits for). */
static void ta__shim_serve(ta__rcl *c, ta__shim_kind k, const char *data)
{
    static const char late[] = "32 bytes after our close_notify";
    ta__buf q = {0};
    switch (k) {
    case TA__SH_RST_MID:
        (void)ta__wire_queue_data(c->w, data, strlen(data));
        (void)ta__wire_queue_data(c->w, data, strlen(data));
        ta__wire_take(c->w, &q);
        (void)ta__wire_send(c->w, q.data, q.len - (q.len - TA__REC_HEADER) / 4); /* a cut record */
        ta__tcp_rst(c->w->fd);
        c->w->fd = -1;
        break;
    case TA__SH_WARNING:
        ta__cl_send(c->w, data, 0);
        if (ta__wire_forge_alert(c->w, SSL3_AL_WARNING, SSL_AD_USER_CANCELLED, &q) == 0)
            (void)ta__wire_forge_alert(c->w, SSL3_AL_WARNING, SSL3_AD_CLOSE_NOTIFY, &q);
        (void)ta__wire_send(c->w, q.data, q.len);
        break;
    case TA__SH_CN_DATA:
        (void)ta__wire_queue_data(c->w, data, strlen(data));
        (void)ta__wire_queue_cn(c->w);
        (void)ta__wire_forge(c->w, SSL3_RT_APPLICATION_DATA, late, sizeof(late) - 1, &q);
        (void)ta__wire_send(c->w, q.data, q.len); /* one write: data, cn, data */
        break;
    case TA__SH_ERROR_WARN:
        ta__cl_send(c->w, data, 0);
        if (ta__wire_forge_alert(c->w, SSL3_AL_WARNING, SSL_AD_UNEXPECTED_MESSAGE, &q) == 0
            && ta__wire_forge(c->w, SSL3_RT_APPLICATION_DATA, late, sizeof(late) - 1, &q) == 0)
            (void)ta__wire_forge_alert(c->w, SSL3_AL_WARNING, SSL3_AD_CLOSE_NOTIFY, &q);
        (void)ta__wire_send(c->w, q.data, q.len);
        break;
    default:
        ta__cl_send(c->w, data, k == TA__SH_PEER_CN);
        if (k == TA__SH_PEER_FIN)
            ta__tcp_fin(c->w->fd);
    }
    ta__buf_free(&q);
}

/* The outcome of a run that ended with a verdict. */
static void ta__shim_judge(ta__rrun *r, ta__shim_kind k, const ta__rcl *c, long read,
                           const char *key, const char *ev)
{
    int silent = k == TA__SH_SILENT || k == TA__SH_PEER_SILENT;
    if (silent)
        ta__r_set(r, TA_SD_R_EARLY, key, "a verdict although we stayed silent: %s", ev);
    else if (k == TA__SH_CN_DATA && read > TA__APP_BYTES)
        ta__r_set(r, TA_SD_R_ACTED_AFTER_CN, key,
                  "read %ld bytes: the %ld after our close_notify were handed over", read,
                  read - TA__APP_BYTES);
    else if (k == TA__SH_CN_DATA && r->got != TA_SD_CLEAN)
        ta__r_set(r, TA_SD_R_ACTED_AFTER_CN, key,
                  "the bytes after our close_notify turned a clean close into %s: %s",
                  ta_sd_answer_name(r->got), ev);
    else if (k == TA__SH_ERROR_WARN && r->got != TA_SD_FAILED)
        ta__r_set(r, TA_SD_R_ALERT_IGNORED, key,
                  "a warning-level unexpected_message did not fail the connection (read %ld): %s",
                  read, ev);
    else if (k == TA__SH_WARNING && r->got != TA_SD_CLEAN)
        ta__r_set(r, TA_SD_R_WARNING_CLOSE, key,
                  "a warning user_canceled before our close_notify: %s", ev);
    else if (r->got == r->expected && r->got == TA_SD_CLEAN && (c->w == NULL || !c->w->cn))
        ta__r_set(r, TA_SD_R_NO_CN, key, "clean, but no close_notify of its own: %s", ev);
    else if (r->got == r->expected || (k == TA__SH_RST_MID && r->got == TA_SD_FAILED))
        ta__r_set(r, -1, key, "%s", ev); /* a reset: truncated, or the stack's error for it */
    else if (r->got == TA_SD_CLEAN && r->expected == TA_SD_TRUNCATED)
        ta__r_set(r, TA_SD_R_TRUNCATION, key, "%s", ev);
    else if (r->got == TA_SD_FAILED && k == TA__SH_DATA)
        ta__r_set(r, TA_SD_R_DATA_FAILS, key, "%s", ev);
    else
        ta__r_set(r, TA_SD_R_VERDICT, key, "%s", ev);
}

static void ta__shim_run(ta__rrun *r, ta__shim_kind k, const char *scen)
{
    char data[TA__APP_BYTES + 1];
    ta__rcl c;
    char nbuf[16], why[200], words[96], ev[200];
    int close_first = ta__shim_kinds[k].close_first;

    memset(data, 'a', TA__APP_BYTES);
    data[TA__APP_BYTES] = '\0';
    snprintf(nbuf, sizeof(nbuf), "%d", TA__APP_BYTES);
    snprintf(r->key, sizeof(r->key), "%s", scen);
    r->expected = ta__shim_kinds[k].expect;
    int b =
        ta__cl_begin(r, close_first ? "close" : nbuf, k == TA__SH_CANCEL ? r->o->cancel_ms : 0, &c);
    if (b == 0)
        return;
    if (b > 0) {
        ta__shim_serve(&c, k, data);
        if (!close_first) {
            ta__cl_watch(r, &c, ta__cn_in); /* the shim's own close_notify */
            if (c.w->cn && k == TA__SH_REPLY)
                ta__cl_send(c.w, "", 1);
            else if (c.w->cn && k == TA__SH_FIN)
                ta__tcp_fin(c.w->fd);
            else if (c.w->cn && k == TA__SH_DATA)
                ta__cl_send(c.w, "and 32 more bytes before our cn.", 1);
        }
        if (c.w->fd >= 0)
            ta__cl_watch(r, &c, NULL);
    }
    ta__cl_finish(r, &c);
    if (c.w != NULL) {
        ta__r_words(c.w, 0, words, sizeof(words));
        ta__wire_events_text(c.w, 0, ev, sizeof(ev));
    } else
        snprintf(words, sizeof(words), "%s", "no-connection");
    int verdict = TA__SV_NONE;
    long read = -1;
    char key[96];
    if (c.hung) {
        r->got = TA_SD_PENDING_READ;
        snprintf(key, sizeof(key), "hang [%.80s]", words);
        if (k == TA__SH_SILENT || k == TA__SH_PEER_SILENT) {
            ta__r_set(r, -1, key, "no verdict %.1f s into our silence (no own deadline)",
                      r->o->timeout_s);
            r->flag = TA_SD_R_NO_TERMINATION;
        } else
            ta__r_set(r, k == TA__SH_CANCEL ? TA_SD_R_CANCEL : TA_SD_R_NO_TERMINATION, key,
                      "still running at the hard timeout (%.1f s)", r->o->timeout_s);
    } else if (!ta__shim_verdict(r, &c.end, &verdict, &read, why, sizeof(why))) {
        ta__r_set(r, TA_SD_R_CRASH, "protocol-violation", "%s", why);
    } else if (verdict == TA__SV_UNIMPLEMENTED) {
        ta__r_set(r, TA_SD_R_INCOMPLETE, "unimplemented", "the shim cannot run this scenario");
    } else {
        r->got = (ta_sd_answer)verdict;
        snprintf(key, sizeof(key), "%s [%.70s]", ta_sd_answer_name(r->got), words);
        ta__shim_judge(r, k, &c, read, key, ev);
    }
    ta__wire_free(c.w);
}

#define TA__SHIM_PLAY(fn, kind, name) \
    static void fn(ta__rrun *r)       \
    {                                 \
        ta__shim_run(r, kind, name);  \
    }
TA__SHIM_PLAY(ta__sh_peer_cn, TA__SH_PEER_CN, "peer-cn")
TA__SHIM_PLAY(ta__sh_peer_fin, TA__SH_PEER_FIN, "peer-fin")
TA__SHIM_PLAY(ta__sh_reply, TA__SH_REPLY, "shim-first")
TA__SHIM_PLAY(ta__sh_fin, TA__SH_FIN, "shim-first-fin")
TA__SHIM_PLAY(ta__sh_data, TA__SH_DATA, "data-before-cn")
TA__SHIM_PLAY(ta__sh_silent, TA__SH_SILENT, "silent")
TA__SHIM_PLAY(ta__sh_cancel, TA__SH_CANCEL, "cancel")
TA__SHIM_PLAY(ta__sh_rst_mid, TA__SH_RST_MID, "peer-rst-mid-record")
TA__SHIM_PLAY(ta__sh_peer_silent, TA__SH_PEER_SILENT, "silent-before-close")
TA__SHIM_PLAY(ta__sh_warning, TA__SH_WARNING, "peer-warning-cn")
TA__SHIM_PLAY(ta__sh_cn_data, TA__SH_CN_DATA, "peer-cn-then-data")
TA__SHIM_PLAY(ta__sh_error_warn, TA__SH_ERROR_WARN, "peer-error-as-warning")


const ta__rscen ta__sd_rscen_shim[] = {
    {{"peer-cn", "data, then our close_notify: the shim answers with its own (clean)",
      "RFC 8446 §6.1", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_peer_cn},
    {{"peer-fin", "data, then FIN without close_notify: truncated, never clean",
      "RFC 8446 §6.1; RFC 5246 §7.2.1", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_peer_fin},
    {{"shim-first", "the shim closes first; we answer with close_notify (clean)", "RFC 8446 §6.1",
      TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_reply},
    {{"shim-first-fin", "the shim closes first; we answer with a FIN alone (truncated)",
      "asio answer (stream_truncated)", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_fin},
    {{"data-before-cn", "the shim closes first; we send data, then close_notify (legal: clean)",
      "RFC 8446 §6.1 (half-close)", TA__SHIM, 1u << TA_TLS13, 0},
     .play = ta__sh_data},
    {{"silent", "the shim closes first and we stay silent: a shutdown without a deadline hangs",
      "asio answer (no deadline)", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_silent},
    {{"cancel", "the shim closes first, we stay silent, its cancel timer must end it (cancelled)",
      "asio answer (operation_aborted)", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_cancel},
    {{"peer-rst-mid-record", "data, half a record, then RST: truncated or failed, never clean",
      "RFC 8446 §6.1, §5.2", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_rst_mid},
    {{"silent-before-close",
      "READ=close: data, then silence: the read has no end (hang or own timeout)",
      "asio answer (no deadline)", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_peer_silent},
    {{"peer-warning-cn", "data, a warning user_canceled, then close_notify: clean",
      "RFC 5246 §7.2, §7.2.1; RFC 8446 §6.1", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_warning,
     .forges = 1},
    {{"peer-cn-then-data",
      "data, close_notify and data after it in one write: clean, the late data never handed over",
      "RFC 8446 §6.1", TA__SHIM, TA__BOTH, 0},
     .play = ta__sh_cn_data,
     .forges = 1},
    {{"peer-error-as-warning",
      "data, an error alert (unexpected_message) with level warning, data, close_notify: failed",
      "RFC 8446 §6.2", TA__SHIM, 1u << TA_TLS13, 0},
     .play = ta__sh_error_warn,
     .forges = 1},
};
const size_t ta__sd_rscen_shim_n = sizeof(ta__sd_rscen_shim) / sizeof(ta__sd_rscen_shim[0]);
