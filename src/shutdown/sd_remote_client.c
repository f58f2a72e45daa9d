/*
 * sd_remote_client.c - scenarios for a client under test (tlsaudit shutdown
 * --client 'CMD {port}'), and the plumbing the shim form shares
 * (sd_remote_shim.c): tlsaudit listens on 127.0.0.1, starts the program once
 * per run and plays the server. A client is judged by its wire behaviour and
 * its exit status.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_remote.h"

#define TA__BOTH ((1u << TA_TLS12) | (1u << TA_TLS13))
#define TA__CLIENT (1u << TA_SD_FORM_CLIENT)

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
int ta__cl_begin(ta__rrun *r, const char *read, unsigned cancel_ms, ta__rcl *c)
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
void ta__cl_finish(ta__rrun *r, ta__rcl *c)
{
    double left = c->t0 + r->o->timeout_s - ta__mono_s();
    c->hung = !ta__proc_wait(c->p, left > 0 ? left : 0);
    ta__proc_stop(c->p, 0, &c->end);
    c->p = NULL;
    if (c->hung)
        c->end.killed = 1;
}

/* Observe until the program closed or its hard timeout. */
void ta__cl_watch(ta__rrun *r, ta__rcl *c, int (*done)(const ta__wire *, void *))
{
    double left = c->t0 + r->o->timeout_s - ta__mono_s();
    ta__wire_observe(c->w, left > 0.05 ? left : 0.05, done, NULL);
}

int ta__cn_in(const ta__wire *w, void *arg)
{
    (void)arg;
    return w->cn || w->dead;
}

static int ta__request_in(const ta__wire *w, void *arg)
{
    (void)arg;
    return w->in.len >= 4 && memmem(w->in.data, w->in.len, "\r\n\r\n", 4) != NULL;
}

void ta__cl_send(ta__wire *w, const char *s, int cn)
{
    (void)ta__wire_queue_data(w, s, strlen(s));
    if (cn)
        (void)ta__wire_queue_cn(w);
    (void)ta__wire_flush(w, 0);
}

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
    {{"length-cn", "a Content-Length response, close_notify, FIN: exit 0", "RFC 8446 §6.1",
      TA__CLIENT, TA__BOTH, 0},
     .play = ta__cl_length_cn},
    {{"length-fin", "a Content-Length response, then FIN without close_notify",
      "RFC 9112 §9.8 (length-delimited: complete)", TA__CLIENT, TA__BOTH, 0},
     .play = ta__cl_length_fin},
    {{"close-cn", "a close-delimited body ended by close_notify: exit 0", "RFC 9112 §9.8",
      TA__CLIENT, TA__BOTH, 0},
     .play = ta__cl_close_cn},
    {{"close-fin", "a close-delimited body ended by a FIN alone: exit 0 is truncation accepted",
      "RFC 8446 §6.1; RFC 9112 §9.8", TA__CLIENT, TA__BOTH, 0},
     .play = ta__cl_close_fin},
    {{"short-body",
      "a body shorter than its Content-Length, then close_notify: exit 0 is "
      "truncation accepted",
      "RFC 9112 §8.6", TA__CLIENT, TA__BOTH, 0},
     .play = ta__cl_short},
    {{"silent-after-response", "a complete keep-alive response, then silence: does it end",
      "asio answer (no deadline)", TA__CLIENT, TA__BOTH, 0},
     .play = ta__cl_silent},
};
const size_t ta__sd_rscen_client_n = sizeof(ta__sd_rscen_client) / sizeof(ta__sd_rscen_client[0]);
