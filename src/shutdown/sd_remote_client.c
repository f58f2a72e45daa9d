/*
 * sd_remote_client.c - scenarios for a client under test (tlsaudit shutdown
 * --client 'CMD {port}') and for a shim (--shim 'CMD', the shim protocol of
 * tools/shims/): tlsaudit listens on 127.0.0.1, starts the program once per
 * run and plays the server. A client is judged by its wire behaviour and its
 * exit status, a shim by its verdict line against what we really did.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_remote.h"

#define TA__BOTH ((1u << TA_TLS12) | (1u << TA_TLS13))
#define TA__CLIENT (1u << TA_SD_FORM_CLIENT)
#define TA__SHIM (1u << TA_SD_FORM_SHIM)
#define TA__APP_BYTES 64

/* One run's program and connection. */
typedef struct ta__rcl {
    ta__proc *p;
    ta__wire *w;
    ta__child_end end;
    int hung; /* still running at the hard timeout */
    double t0;
} ta__rcl;

/* "CMD {port}" with every {port} replaced. */
static void ta__cl_subst(const char *cmd, unsigned port, char *out, size_t cap)
{
    size_t n = 0;
    while (*cmd && n + 8 < cap) {
        if (strncmp(cmd, "{port}", 6) == 0) {
            n += (size_t)snprintf(out + n, cap - n, "%u", port);
            cmd += 6;
        } else
            out[n++] = *cmd++;
    }
    out[n] = '\0';
}

/* Listen, start the program, accept its connection and handshake. 0 with the
 * outcome set when any of it failed (the program is stopped then). */
static int ta__cl_begin(ta__rrun *r, const char *read, unsigned cancel_ms, ta__rcl *c)
{
    int lfd, fd = -1;
    unsigned port;
    char cmd[2048], env[7][300];
    const char *envp[8] = {NULL};
    ta__proc_opts po = {envp, 0};
    const ta_sd_remote_opts *o = r->o;

    memset(c, 0, sizeof(*c));
    if (ta__tcp_listen_local(&lfd, &port) != TA_OK) {
        ta__r_set(r, TA_SD_R_INCOMPLETE, "set-up", "%s", ta_last_error()->message);
        return 0;
    }
    if (o->form == TA_SD_FORM_SHIM) {
        snprintf(env[0], sizeof(env[0]), "TA_SHIM_HOST=127.0.0.1");
        snprintf(env[1], sizeof(env[1]), "TA_SHIM_PORT=%u", port);
        snprintf(env[2], sizeof(env[2]), "TA_SHIM_TLS=%s", r->v == TA_TLS13 ? "1.3" : "1.2");
        snprintf(env[3], sizeof(env[3]), "TA_SHIM_SCENARIO=%s", r->key);
        snprintf(env[4], sizeof(env[4]), "TA_SHIM_CA=%s/ca.pem", r->dir);
        snprintf(env[5], sizeof(env[5]), "TA_SHIM_READ=%s", read);
        snprintf(env[6], sizeof(env[6]), "TA_SHIM_CANCEL_MS=%u", cancel_ms);
        for (int i = 0; i < 7; i++)
            envp[i] = env[i];
        /* stdout to a file of ours: the verdict line, apart from stderr. */
        snprintf(cmd, sizeof(cmd), "exec >'%s/out'\n%s", r->dir, o->cmd);
    } else
        ta__cl_subst(o->cmd, port, cmd, sizeof(cmd));
    r->key[0] = '\0';
    c->t0 = ta__mono_s();
    if (ta__proc_start(cmd, &po, &c->p) != TA_OK) {
        close(lfd);
        ta__r_set(r, TA_SD_R_INCOMPLETE, "set-up", "%s", ta_last_error()->message);
        return 0;
    }
    /* Bounded: accept by the hard timeout, watching for the program ending first. */
    for (double end = c->t0 + o->timeout_s; fd < 0 && ta__mono_s() < end;) {
        if (ta__tcp_accept(lfd, 0.05, &fd) < 0)
            break;
        if (fd < 0 && !ta__proc_running(c->p))
            break;
    }
    close(lfd);
    if (fd < 0 || ta__wire_new(r->ctx, fd, 1, &c->w) != TA_OK) {
        if (fd >= 0)
            close(fd);
        return -1; /* judged by how the program ended */
    }
    if (!ta__wire_handshake(c->w, o->window_s))
        return -2;
    return 1;
}

/* Wait for the program to end, up to the hard timeout counted from its start;
 * then it is a hang, and its group is killed. */
static void ta__cl_finish(ta__rrun *r, ta__rcl *c)
{
    double left = c->t0 + r->o->timeout_s - ta__mono_s();
    c->hung = !ta__proc_wait(c->p, left > 0 ? left : 0);
    ta__proc_stop(c->p, 0, &c->end);
    c->p = NULL;
    if (c->hung)
        c->end.killed = 1;
}

/* Observe until the program closed or its hard timeout. */
static void ta__cl_watch(ta__rrun *r, ta__rcl *c, int (*done)(const ta__wire *, void *))
{
    double left = c->t0 + r->o->timeout_s - ta__mono_s();
    ta__wire_observe(c->w, left > 0.05 ? left : 0.05, done, NULL);
}

static int ta__cn_in(const ta__wire *w, void *arg)
{
    (void)arg;
    return w->cn || w->dead;
}

static int ta__request_in(const ta__wire *w, void *arg)
{
    (void)arg;
    return w->in.len >= 4 && memmem(w->in.data, w->in.len, "\r\n\r\n", 4) != NULL;
}

static void ta__cl_send(ta__wire *w, const char *s, int cn)
{
    (void)ta__wire_queue_data(w, s, strlen(s));
    if (cn)
        (void)ta__wire_queue_cn(w);
    (void)ta__wire_flush(w, 0);
}

/* ---------------------------------------------------------------- shims */

typedef enum { TA__SV_NONE = -1, TA__SV_UNIMPLEMENTED = 100 } ta__sv_extra;

/* The verdict line and exit code of the shim protocol; 0 with why on a violation. */
static int ta__shim_verdict(const ta__rrun *r, const ta__child_end *end, int *out, char *why,
                            size_t cap)
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
    TA__SH_PEER_CN,  /* READ=close: data, our close_notify */
    TA__SH_PEER_FIN, /* READ=close: data, FIN without close_notify */
    TA__SH_REPLY,    /* READ=N: we answer its close_notify with ours */
    TA__SH_FIN,      /* READ=N: we answer it with a FIN */
    TA__SH_DATA,     /* READ=N: data, then our close_notify (TLS 1.3 half-close) */
    TA__SH_SILENT,   /* READ=N: silence, no cancel */
    TA__SH_CANCEL    /* READ=N: silence, the shim cancels after --cancel-ms */
} ta__shim_kind;

static void ta__shim_run(ta__rrun *r, ta__shim_kind k, const char *scen)
{
    char data[TA__APP_BYTES + 1];
    static const ta_sd_answer expect[] = {TA_SD_CLEAN,     TA_SD_TRUNCATED, TA_SD_CLEAN,
                                          TA_SD_TRUNCATED, TA_SD_CLEAN,     TA_SD_PENDING_READ,
                                          TA_SD_CANCELLED};
    ta__rcl c;
    char nbuf[16], why[200], words[96], ev[200];
    int close_first = k == TA__SH_PEER_CN || k == TA__SH_PEER_FIN;

    memset(data, 'a', TA__APP_BYTES);
    data[TA__APP_BYTES] = '\0';
    snprintf(nbuf, sizeof(nbuf), "%d", TA__APP_BYTES);
    snprintf(r->key, sizeof(r->key), "%s", scen);
    r->expected = expect[k];
    int b =
        ta__cl_begin(r, close_first ? "close" : nbuf, k == TA__SH_CANCEL ? r->o->cancel_ms : 0, &c);
    if (b == 0)
        return;
    if (b > 0) {
        ta__cl_send(c.w, data, k == TA__SH_PEER_CN);
        if (k == TA__SH_PEER_FIN)
            ta__tcp_fin(c.w->fd);
        if (!close_first) {
            ta__cl_watch(r, &c, ta__cn_in); /* the shim's own close_notify */
            if (c.w->cn && k == TA__SH_REPLY)
                ta__cl_send(c.w, "", 1);
            else if (c.w->cn && k == TA__SH_FIN)
                ta__tcp_fin(c.w->fd);
            else if (c.w->cn && k == TA__SH_DATA)
                ta__cl_send(c.w, "and 32 more bytes before our cn.", 1);
        }
        ta__cl_watch(r, &c, NULL);
    }
    ta__cl_finish(r, &c);
    if (c.w != NULL) {
        ta__r_words(c.w, 0, words, sizeof(words));
        ta__wire_events_text(c.w, 0, ev, sizeof(ev));
    } else
        snprintf(words, sizeof(words), "%s", "no-connection");
    int verdict = TA__SV_NONE;
    char key[96];
    if (c.hung) {
        r->got = TA_SD_PENDING_READ;
        snprintf(key, sizeof(key), "hang [%.80s]", words);
        if (k == TA__SH_SILENT) {
            ta__r_set(r, -1, key, "no verdict %.1f s after its close_notify (no own deadline)",
                      r->o->timeout_s);
            r->flag = TA_SD_R_NO_TERMINATION;
        } else
            ta__r_set(r, k == TA__SH_CANCEL ? TA_SD_R_CANCEL : TA_SD_R_NO_TERMINATION, key,
                      "still running at the hard timeout (%.1f s)", r->o->timeout_s);
    } else if (!ta__shim_verdict(r, &c.end, &verdict, why, sizeof(why))) {
        ta__r_set(r, TA_SD_R_CRASH, "protocol-violation", "%s", why);
    } else if (verdict == TA__SV_UNIMPLEMENTED) {
        ta__r_set(r, TA_SD_R_INCOMPLETE, "unimplemented", "the shim cannot run this scenario");
    } else {
        r->got = (ta_sd_answer)verdict;
        snprintf(key, sizeof(key), "%s [%.70s]", ta_sd_answer_name(r->got), words);
        if (k == TA__SH_SILENT)
            ta__r_set(r, TA_SD_R_EARLY, key, "a verdict although we stayed silent: %s", ev);
        else if (r->got == r->expected && r->got == TA_SD_CLEAN && (c.w == NULL || !c.w->cn))
            ta__r_set(r, TA_SD_R_NO_CN, key, "clean, but no close_notify of its own: %s", ev);
        else if (r->got == r->expected)
            ta__r_set(r, -1, key, "%s", ev);
        else if (r->got == TA_SD_CLEAN && r->expected == TA_SD_TRUNCATED)
            ta__r_set(r, TA_SD_R_TRUNCATION, key, "%s", ev);
        else if (r->got == TA_SD_FAILED && k == TA__SH_DATA)
            ta__r_set(r, TA_SD_R_DATA_FAILS, key, "%s", ev);
        else
            ta__r_set(r, TA_SD_R_VERDICT, key, "%s", ev);
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

/* ---------------------------------------------------------------- clients */

typedef enum {
    TA__CL_LENGTH_CN,  /* Content-Length body, close_notify, FIN */
    TA__CL_LENGTH_FIN, /* Content-Length body, FIN without close_notify */
    TA__CL_CLOSE_CN,   /* close-delimited body ended by close_notify */
    TA__CL_CLOSE_FIN,  /* close-delimited body ended by a FIN alone: truncation */
    TA__CL_SHORT,      /* Content-Length promises more than comes */
    TA__CL_SILENT      /* a keep-alive response, then silence */
} ta__cl_kind;

static void ta__client_run(ta__rrun *r, ta__cl_kind k)
{
    static const char body[] = "tlsaudit body: 48 bytes of a response body....\r\n";
    char resp[512], words[96], ev[200], key[96], how[64];
    ta__rcl c;
    int b = ta__cl_begin(r, "", 0, &c);
    if (b == 0)
        return;
    if (b > 0) {
        ta__wire_observe(c.w, r->o->window_s < 0.5 ? r->o->window_s : 0.5, ta__request_in, NULL);
        if (k == TA__CL_CLOSE_CN || k == TA__CL_CLOSE_FIN)
            snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%s", body);
        else
            snprintf(resp, sizeof(resp),
                     "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n%s",
                     k == TA__CL_SHORT ? 2 * strlen(body) : strlen(body),
                     k == TA__CL_SILENT ? "keep-alive" : "close", body);
        size_t mark = c.w->nev;
        ta__cl_send(c.w, resp, k == TA__CL_LENGTH_CN || k == TA__CL_CLOSE_CN || k == TA__CL_SHORT);
        if (k != TA__CL_SILENT)
            ta__tcp_fin(c.w->fd);
        ta__cl_watch(r, &c, NULL);
        ta__r_words(c.w, mark, words, sizeof(words));
        ta__wire_events_text(c.w, mark, ev, sizeof(ev));
    } else
        snprintf(words, sizeof(words), "%s", b == -1 ? "no-connection" : "no-handshake");
    ta__cl_finish(r, &c);
    ta__proc_end_text(&c.end, how, sizeof(how));
    snprintf(key, sizeof(key), "%.20s [%.70s]", c.hung ? "hang" : how, words);
    int ok = !c.hung && c.end.exited && c.end.status == 0;
    r->got = c.hung ? TA_SD_PENDING_READ : ok ? TA_SD_CLEAN : TA_SD_FAILED;
    r->expected = k == TA__CL_CLOSE_FIN || k == TA__CL_SHORT ? TA_SD_FAILED : TA_SD_CLEAN;
    if (b <= 0)
        ta__r_set(r, TA_SD_R_INCOMPLETE, key, "%s", b == -1 ? "it never connected" : "handshake");
    else if (c.hung && k == TA__CL_SILENT) {
        ta__r_set(r, -1, key, "still running %.1f s after a complete response", r->o->timeout_s);
        r->flag = TA_SD_R_NO_TERMINATION;
    } else if (c.hung)
        ta__r_set(r, TA_SD_R_NO_TERMINATION, key, "still running at the hard timeout (%.1f s)",
                  r->o->timeout_s);
    else if (ok && r->expected == TA_SD_FAILED)
        ta__r_set(r, TA_SD_R_TRUNCATION_ACCEPTED, key, "exit 0 on a %s: %s",
                  k == TA__CL_SHORT ? "body shorter than its Content-Length"
                                    : "close-delimited body ended by a FIN without close_notify",
                  ev);
    else if (!ok && (k == TA__CL_LENGTH_CN || k == TA__CL_CLOSE_CN))
        ta__r_set(r, TA_SD_R_VERDICT, key, "a complete response ended by close_notify: %s", ev);
    else
        ta__r_set(r, -1, key, "%s", ev);
    ta__wire_free(c.w);
}

#define TA__CLIENT_PLAY(fn, kind) \
    static void fn(ta__rrun *r)   \
    {                             \
        ta__client_run(r, kind);  \
    }
TA__CLIENT_PLAY(ta__cl_length_cn, TA__CL_LENGTH_CN)
TA__CLIENT_PLAY(ta__cl_length_fin, TA__CL_LENGTH_FIN)
TA__CLIENT_PLAY(ta__cl_close_cn, TA__CL_CLOSE_CN)
TA__CLIENT_PLAY(ta__cl_close_fin, TA__CL_CLOSE_FIN)
TA__CLIENT_PLAY(ta__cl_short, TA__CL_SHORT)
TA__CLIENT_PLAY(ta__cl_silent, TA__CL_SILENT)

const ta__rscen ta__sd_rscen_client[] = {
    {{"peer-cn", "data, then our close_notify: the shim answers with its own (clean)",
      "RFC 8446 §6.1", TA__SHIM, TA__BOTH, 0},
     ta__sh_peer_cn},
    {{"peer-fin", "data, then FIN without close_notify: truncated, never clean",
      "RFC 8446 §6.1; RFC 5246 §7.2.1", TA__SHIM, TA__BOTH, 0},
     ta__sh_peer_fin},
    {{"shim-first", "the shim closes first; we answer with close_notify (clean)", "RFC 8446 §6.1",
      TA__SHIM, TA__BOTH, 0},
     ta__sh_reply},
    {{"shim-first-fin", "the shim closes first; we answer with a FIN alone (truncated)",
      "asio answer (stream_truncated)", TA__SHIM, TA__BOTH, 0},
     ta__sh_fin},
    {{"data-before-cn", "the shim closes first; we send data, then close_notify (legal: clean)",
      "RFC 8446 §6.1 (half-close)", TA__SHIM, 1u << TA_TLS13, 0},
     ta__sh_data},
    {{"silent", "the shim closes first and we stay silent: a shutdown without a deadline hangs",
      "asio answer (no deadline)", TA__SHIM, TA__BOTH, 0},
     ta__sh_silent},
    {{"cancel", "the shim closes first, we stay silent, its cancel timer must end it (cancelled)",
      "asio answer (operation_aborted)", TA__SHIM, TA__BOTH, 0},
     ta__sh_cancel},
    {{"length-cn", "a Content-Length response, close_notify, FIN: exit 0", "RFC 8446 §6.1",
      TA__CLIENT, TA__BOTH, 0},
     ta__cl_length_cn},
    {{"length-fin", "a Content-Length response, then FIN without close_notify",
      "RFC 9112 §9.8 (length-delimited: complete)", TA__CLIENT, TA__BOTH, 0},
     ta__cl_length_fin},
    {{"close-cn", "a close-delimited body ended by close_notify: exit 0", "RFC 9112 §9.8",
      TA__CLIENT, TA__BOTH, 0},
     ta__cl_close_cn},
    {{"close-fin", "a close-delimited body ended by a FIN alone: exit 0 is truncation accepted",
      "RFC 8446 §6.1; RFC 9112 §9.8", TA__CLIENT, TA__BOTH, 0},
     ta__cl_close_fin},
    {{"short-body",
      "a body shorter than its Content-Length, then close_notify: exit 0 is "
      "truncation accepted",
      "RFC 9112 §8.6", TA__CLIENT, TA__BOTH, 0},
     ta__cl_short},
    {{"silent-after-response", "a complete keep-alive response, then silence: does it end",
      "asio answer (no deadline)", TA__CLIENT, TA__BOTH, 0},
     ta__cl_silent},
};
const size_t ta__sd_rscen_client_n = sizeof(ta__sd_rscen_client) / sizeof(ta__sd_rscen_client[0]);
