/*
 * sd_remote.c - the live-endpoint runner: each scenario of the form k times,
 * its distinct outcomes counted, one result per scenario and version whose
 * detail lists them ("cn fin x2; fin x1"); a scenario passes only when every
 * outcome is allowed (real endpoints race: endpoints-facts.md).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_remote.h"

const char *ta_sd_form_name(ta_sd_form f)
{
    static const char *const n[] = {"connect", "client", "shim"};
    return (unsigned)f < TA_SD_FORM_COUNT ? n[f] : "?";
}

void ta_sd_remote_opts_default(ta_sd_remote_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->repeat = 3;
    o->window_s = 2;
    o->hold_s = 2;
    o->idle_s = 5;
    o->timeout_s = 5;
    o->start_s = 10;
    o->starve_n = 3;
    o->cancel_ms = 300;
}

#define TA__R_SETS 4
/* The scenario sets a form draws from, in order (rows filtered by their forms). */
static const ta__rscen *ta__r_set_at(size_t k, size_t *n)
{
    const ta__rscen *const sets[TA__R_SETS] = {ta__sd_rscen_server, ta__sd_rscen_forge,
                                               ta__sd_rscen_shim, ta__sd_rscen_client};
    const size_t counts[TA__R_SETS] = {ta__sd_rscen_server_n, ta__sd_rscen_forge_n,
                                       ta__sd_rscen_shim_n, ta__sd_rscen_client_n};
    *n = k < TA__R_SETS ? counts[k] : 0;
    return k < TA__R_SETS ? sets[k] : NULL;
}

const ta_sd_remote_scenario *ta_sd_remote_scenario_table(size_t *out_count)
{
    static ta_sd_remote_scenario t[64];
    static size_t n;
    if (n == 0) {
        for (size_t k = 0; k < TA__R_SETS; k++) {
            size_t m;
            const ta__rscen *set = ta__r_set_at(k, &m);
            for (size_t i = 0; i < m && n < 64; i++)
                t[n++] = set[i].pub;
        }
    }
    *out_count = n;
    return t;
}

void ta__r_set(ta__rrun *r, int rule, const char *key, const char *fmt, ...)
{
    va_list ap;
    r->rule = rule;
    snprintf(r->key, sizeof(r->key), "%s", key);
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(r->note, sizeof(r->note), fmt, ap);
        va_end(ap);
    }
}

void ta__r_words(const ta__wire *w, size_t from, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = from; i < w->nev; i++) {
        const ta__wev *e = &w->ev[i];
        char word[64];
        switch (e->kind) {
        case TA__WEV_CN:
            snprintf(word, sizeof(word), "cn");
            break;
        case TA__WEV_ALERT:
            snprintf(word, sizeof(word), "%s:%s", e->level == SSL3_AL_FATAL ? "alert" : "warning",
                     SSL_alert_desc_string_long(e->desc));
            for (char *c = word; *c; c++)
                *c = *c == ' ' ? '_' : *c; /* one word: "alert:decode_error" */
            break;
        case TA__WEV_DATA:
            snprintf(word, sizeof(word), "data");
            break;
        case TA__WEV_AFTER_CN:
            snprintf(word, sizeof(word), "after-cn");
            break;
        case TA__WEV_FIN:
            snprintf(word, sizeof(word), "fin");
            break;
        case TA__WEV_RST:
            snprintf(word, sizeof(word), "rst");
            break;
        case TA__WEV_OPEN:
            snprintf(word, sizeof(word), "open");
            break;
        default:
            snprintf(word, sizeof(word), "tls-error");
        }
        int k = snprintf(out + len, cap - len, "%s%s", len ? " " : "", word);
        if (k < 0 || (size_t)k >= cap - len)
            return;
        len += (size_t)k;
    }
    if (len == 0)
        snprintf(out, cap, "nothing");
}

int ta__r_dial(ta__rrun *r, SSL_SESSION *sess, ta__wire **out)
{
    int fd;
    ta__wire *w;
    *out = NULL;
    if (ta__tcp_connect(&r->hp, r->o->window_s, &fd) != TA_OK) {
        ta__r_set(r, TA_SD_R_SURVIVAL, "refused", "connect: %s", ta_last_error()->message);
        return 0;
    }
    if (ta__wire_new(r->ctx, fd, 0, &w) != TA_OK) {
        close(fd);
        ta__r_set(r, TA_SD_R_INCOMPLETE, "set-up", "%s", ta_last_error()->message);
        return 0;
    }
    if (sess != NULL)
        (void)SSL_set_session(w->ssl, sess);
    if (!ta__wire_handshake(w, r->o->window_s)) {
        ta__r_set(r, TA_SD_R_SURVIVAL, "no-handshake", "%s", w->err);
        ta__wire_free(w);
        return 0;
    }
    *out = w;
    return 1;
}

static int ta__r_closed(const ta__wire *w, void *arg)
{
    (void)arg;
    return w->cn || w->dead;
}

void ta__r_hangup(ta__wire *w)
{
    if (w == NULL)
        return;
    if (!w->dead && ta__wire_queue_cn(w) == 0 && ta__wire_flush(w, 0) == 0 && !w->cn)
        ta__wire_observe(w, 0.2, ta__r_closed, NULL);
    ta__wire_free(w);
}

/* ---------------------------------------------------------------- the runner */

#define TA__R_OUTCOMES 8
typedef struct ta__rtally {
    ta__rrun first[TA__R_OUTCOMES]; /* the first run of each distinct outcome */
    unsigned count[TA__R_OUTCOMES];
    size_t n;
    unsigned other; /* runs of outcomes past the table */
} ta__rtally;

static void ta__rtally_add(ta__rtally *t, const ta__rrun *r)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->first[i].key, r->key) == 0 && t->first[i].rule == r->rule
            && t->first[i].flag == r->flag) {
            t->count[i]++;
            return;
        }
    if (t->n == TA__R_OUTCOMES) {
        t->other++;
        return;
    }
    t->first[t->n] = *r;
    t->count[t->n++] = 1;
}

/* One result from the tally: the first failing outcome decides the rule. */
static void ta__r_result(const ta_sd_remote_opts *o, const char *scen, ta_tls v,
                         const ta__rtally *t, ta_sd_result *res)
{
    size_t len = 0, worst = 0;
    memset(res, 0, sizeof(*res));
    res->tls = v;
    res->role = o->form == TA_SD_FORM_CONNECT ? TA_SERVER : TA_CLIENT;
    res->pass = 1;
    res->rule = res->flag = -1;
    for (size_t i = 0; i < t->n; i++) {
        const ta__rrun *x = &t->first[i];
        if (x->rule >= 0 && res->pass) {
            res->pass = 0;
            worst = i;
        }
        if (x->flag >= 0 && res->flag < 0)
            res->flag = x->flag;
        int k = snprintf(res->detail + len, sizeof(res->detail) - len, "%s%s x%u%s%s",
                         i ? "; " : "", x->key, t->count[i], x->note[0] ? " (" : "", "");
        if (k > 0 && (size_t)k < sizeof(res->detail) - len)
            len += (size_t)k;
        if (x->note[0]) {
            k = snprintf(res->detail + len, sizeof(res->detail) - len, "%.120s)", x->note);
            if (k > 0 && (size_t)k < sizeof(res->detail) - len)
                len += (size_t)k;
        }
    }
    if (t->other)
        snprintf(res->detail + len, sizeof(res->detail) - len, "; %u more runs", t->other);
    if (!res->pass)
        res->rule = t->first[worst].rule;
    res->expected = t->n ? t->first[worst].expected : TA_SD_PENDING_READ;
    res->got = t->n ? t->first[worst].got : TA_SD_PENDING_READ;
    res->steps = o->repeat;
    snprintf(res->scenario, sizeof(res->scenario), "%s", scen);
    snprintf(res->name, sizeof(res->name), "%s/%s/%s/%s", ta_tls_name(v), ta_role_name(res->role),
             scen, ta_sd_form_name(o->form));
    snprintf(res->schedule, sizeof(res->schedule), "%s", scen);
    snprintf(res->reproducer, sizeof(res->reproducer), "tlsaudit shutdown %.300s --only %s",
             o->target ? o->target : "", res->name);
}

static ta_status ta__r_case(const ta_sd_remote_opts *o, const ta__rscen *sc, ta_tls v,
                            const char *dir, const ta__hostport *hp, ta_sd_report *rep)
{
    ta__rtally t;
    ta_sd_result res;
    SSL_CTX *ctx;

    memset(&t, 0, sizeof(t));
    TA_GUARD(ta__ep_ctx(o->form != TA_SD_FORM_CONNECT, v, &ctx));
    if (sc->forges) {
        ta_status fst = ta__wire_forging_ctx(ctx, o->form != TA_SD_FORM_CONNECT);
        if (fst != TA_OK) {
            SSL_CTX_free(ctx);
            return fst;
        }
    }
    for (unsigned k = 0; k < o->repeat; k++) {
        ta__rrun r;
        memset(&r, 0, sizeof(r));
        r.o = o;
        r.v = v;
        r.ctx = ctx;
        r.dir = dir;
        if (hp != NULL)
            r.hp = *hp;
        r.rule = r.flag = -1;
        r.expected = r.got = TA_SD_PENDING_READ;
        sc->play(&r);
        ta__rtally_add(&t, &r);
    }
    SSL_CTX_free(ctx);
    ta__r_result(o, sc->pub.name, v, &t, &res);
    return ta__sd_report_add(rep, &res);
}

/* One row of a set: each version it runs in, when it belongs to the form and
 * --only selects it. */
static ta_status ta__r_scenario(const ta_sd_remote_opts *o, const ta__rscen *sc, const char *dir,
                                const ta__hostport *hp, ta_sd_report *rep)
{
    ta_status st = TA_OK;
    if (!(sc->pub.forms & (1u << o->form)) || (sc->pub.http && !o->http))
        return TA_OK;
    for (int v = 0; v < TA_TLS_COUNT && st == TA_OK; v++) {
        char name[160];
        if (!(sc->pub.versions & (1u << v)))
            continue;
        snprintf(name, sizeof(name), "%s/%s/%s/%s", ta_tls_name((ta_tls)v),
                 o->form == TA_SD_FORM_CONNECT ? "server" : "client", sc->pub.name,
                 ta_sd_form_name(o->form));
        if (!ta_sd_only_match(o->only, name))
            continue;
        st = ta__r_case(o, sc, (ta_tls)v, dir, o->form == TA_SD_FORM_CONNECT ? hp : NULL, rep);
    }
    return st;
}

ta_status ta_sd_remote(const ta_sd_remote_opts *o, ta_sd_report **out)
{
    ta__hostport hp;
    ta__proc *server = NULL;
    ta_sd_report *rep = NULL;
    char subject[160], dir[256] = "";
    ta_status st = TA_OK;

    TA_ENSURE(o->repeat >= 1 && o->window_s > 0, TA_E_ARG, "repeat and window must be positive");
    if (o->form == TA_SD_FORM_CONNECT) {
        TA_ENSURE(o->connect != NULL, TA_E_ARG, "the connect form needs HOST:PORT");
        TA_GUARD(ta__hostport_parse(o->connect, &hp));
        snprintf(subject, sizeof(subject), "server %s", o->connect);
    } else {
        TA_ENSURE(o->cmd != NULL && o->cmd[0], TA_E_ARG, "the %s form needs a command",
                  ta_sd_form_name(o->form));
        snprintf(subject, sizeof(subject), "%s %s", ta_sd_form_name(o->form), o->cmd);
        TA_GUARD(ta__ep_dir(dir, sizeof(dir)));
    }
    st = ta__sd_report_new(subject, &rep);
    if (st == TA_OK)
        ta__sd_report_live(rep);
    if (st == TA_OK && o->form == TA_SD_FORM_CONNECT)
        st = ta__server_start(o->start, &hp, o->start_s, NULL, &server);
    /* Two passes: every scenario, then the ones that must come last (sanity-last). */
    for (unsigned pass = 0; pass < 2 && st == TA_OK; pass++)
        for (size_t k = 0; k < TA__R_SETS && st == TA_OK; k++) {
            size_t n;
            const ta__rscen *set = ta__r_set_at(k, &n);
            for (size_t i = 0; i < n && st == TA_OK; i++)
                if (set[i].last == pass)
                    st = ta__r_scenario(o, &set[i], dir, &hp, rep);
        }
    ta__proc_stop(server, 1.0, NULL);
    ta__ep_dir_remove(dir);
    if (st != TA_OK) {
        ta_sd_report_free(rep);
        return st;
    }
    *out = rep;
    return TA_OK;
}
