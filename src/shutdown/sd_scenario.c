/*
 * sd_scenario.c - the named scenarios and the schedule language.
 *
 * A scenario is a schedule template (what the peer and the transport do around
 * the driver) with the versions and local roles it applies to. The names are
 * interface: case names ("tls13/client/peer-eof/drain"), reports and tests use
 * them. Expectations are not stored here: the oracle derives them from what the
 * run observed (sd_oracle.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define V12 (1u << TA_TLS12)
#define V13 (1u << TA_TLS13)
#define VALL (V12 | V13)
#define RC (1u << TA_CLIENT)
#define RS (1u << TA_SERVER)
#define RALL (RC | RS)

static const ta_sd_scenario ta__sd_scen[] = {
    {"peer-replies", "the peer reads our close_notify and answers with its own",
     "RFC 8446 §6.1; RFC 5246 §7.2.1; asio answer (a)", "s>c<", 0, VALL, RALL},
    {"peer-replies-late",
     "the peer's close_notify arrives in three delivery rounds (1 byte, 1 byte, rest)",
     "RFC 8446 §6.1; SSL_shutdown(3) (WANT_READ: call again)", "s>c<1<1<", 0, VALL, RALL},
    {"peer-first", "the peer's close_notify is on the transport before our shutdown starts",
     "RFC 8446 §6.1 (respond with a close_notify); SSL_shutdown(3)", "c<s>", 0, VALL, RALL},
    {"simultaneous", "both sides send close_notify before either receives the other's",
     "RFC 8446 §6.1; SSL_shutdown(3)", "sc<>", 0, VALL, RALL},
    {"peer-data-then-reply", "the peer still sends application data, then its close_notify",
     "RFC 8446 §6.1 (half-close: the peer may send until its close_notify)", "s>d<c<", 0, VALL,
     RALL},
    {"peer-tickets-pending", "two NewSessionTickets reach the client unread before its shutdown",
     "RFC 8446 §4.6.1; SSL_shutdown(3)", "tt<<s>c<", 0, V13, RC},
    {"peer-keyupdate", "the peer sends KeyUpdate(update_requested) before its close_notify",
     "RFC 8446 §4.6.3, §6.1", "s>k<c<", 0, V13, RALL},
    {"peer-empty-record",
     "a zero-length application_data record before the reply (OpenSSL "
     "never sends one: forged with the peer's keys)",
     "RFC 8446 §5.4; RFC 5246 §6.2.1 (zero-length fragments)", "s>z<c<", 0, VALL, RALL},
    {"peer-warning-alert",
     "a warning alert (user_canceled) before the reply (OpenSSL sends no "
     "such warning: forged with the peer's keys)",
     "RFC 8446 §6 (user_canceled); RFC 5246 §7.2", "s>a<c<", 0, VALL, RALL},
    {"peer-eof", "the peer closes the transport without close_notify",
     "RFC 8446 §6.1; RFC 5246 §7.2.1; asio answer (b: stream_truncated)", "s>e", 0, VALL, RALL},
    {"peer-eof-mid-record", "the transport closes in the middle of the peer's close_notify record",
     "RFC 8446 §6.1; RFC 5246 §7.2.1", "s>cm", 0, VALL, RALL},
    {"peer-eof-after-data", "application data, then EOF without close_notify (truncation attack)",
     "RFC 8446 §6.1; RFC 5246 §7.2.1", "s>d<e", 0, VALL, RALL},
    {"peer-silent-cancel", "the peer never answers; the application cancels",
     "asio answer (c: operation_aborted)", "s>x", 0, VALL, RALL},
    {"peer-silent", "the peer never answers and nobody cancels: stay pending without spinning",
     "asio answer (no completion otherwise); SSL_shutdown(3)", "s>!", 0, VALL, RALL},
    {"peer-fatal-alert", "the peer sent a fatal alert (it was fed a corrupt record)",
     "RFC 8446 §6.2; RFC 5246 §7.2.2", "f<s>", 0, VALL, RALL},
    {"peer-garbage", "a record of junk arrives where the peer's reply should be",
     "RFC 8446 §5.2 (bad_record_mac); RFC 5246 §6.2.3", "s>g<", 0, VALL, RALL},
    {"peer-hello-request",
     "TLS 1.2 renegotiation request (HelloRequest) during shutdown, then the reply",
     "RFC 5246 §7.4.1.1 (the client may ignore it)", "s>h<c<", 0, V12, RC},
    {"shutdown-in-handshake", "the shutdown starts before the handshake finished",
     "SSL_shutdown(3) (SSL_R_SHUTDOWN_WHILE_IN_INIT)", "s>", TA_SD_F_IN_HANDSHAKE, VALL, RALL},
    {"write-after-shutdown", "the application writes after the shutdown started",
     "SSL_write(3) (SSL_R_PROTOCOL_IS_SHUTDOWN); asio answer", "sw>c<", 0, VALL, RALL},
    {"peer-data-cn-coalesced",
     "application data and the close_notify in one delivery (one TCP segment); the local "
     "SSL reads ahead",
     "RFC 8446 §6.1; SSL_has_pending(3) (read-ahead: the transport is empty)", "s>dc<*",
     TA_SD_F_READ_AHEAD, VALL, RALL},
    {"peer-data-cn-split",
     "application data and half of the close_notify in one delivery, then the rest "
     "(read-ahead)",
     "RFC 8446 §5.1 (records span deliveries); SSL_has_pending(3)", "s>dcj<", TA_SD_F_READ_AHEAD,
     VALL, RALL},
    {"peer-data-split-coalesced",
     "one data record and half of the next in one delivery, then the rest of it and the "
     "close_notify in one (read-ahead)",
     "RFC 8446 §5.1; SSL_has_pending(3)", "s>ddcj<*", TA_SD_F_READ_AHEAD, VALL, RALL},
    {"peer-data-burst-coalesced",
     "40 application data records and the close_notify in one delivery (read-ahead): more "
     "than a read loop bounded per wake-up takes",
     "RFC 8446 §6.1; SSL_has_pending(3) (the records wait in OpenSSL's buffer)",
     "s>dddddddddddddddddddddddddddddddddddddddddc<*", TA_SD_F_READ_AHEAD, VALL, RALL},
    {"second-connection",
     "after a clean close, a second connection in the same process closes again: judged too",
     "RFC 8446 §6.1 (each connection sends its own close_notify)", "s>c<", TA_SD_F_SECOND, VALL,
     RALL},
    {"backpressure",
     "the transport towards the peer holds 8 bytes: our close_notify leaves in pieces as "
     "the peer reads (WANT_WRITE), then the reply",
     "SSL_get_error(3) (WANT_WRITE: call again when writable); RFC 8446 §6.1", "bs>>>>>c<", 0, VALL,
     RALL},
    {"backpressure-data",
     "as backpressure, and the peer's application data arrives while our close_notify is "
     "still held back",
     "SSL_get_error(3); RFC 8446 §6.1 (half-close)", "bsd<>>>>>c<", 0, VALL, RALL},
    {"ignore-unexpected-eof",
     "SSL_OP_IGNORE_UNEXPECTED_EOF set; the peer closes without close_notify",
     "SSL_CTX_set_options(3); RFC 8446 §6.1", "s>e", TA_SD_F_IGNORE_EOF, VALL, RALL},
};
#define TA__SD_NSCEN (sizeof(ta__sd_scen) / sizeof(ta__sd_scen[0]))

const ta_sd_scenario *ta_sd_scenario_table(size_t *out_count)
{
    *out_count = TA__SD_NSCEN;
    return ta__sd_scen;
}

const char *const *ta_sd_scenarios(size_t *out_count)
{
    static const char *names[TA__SD_NSCEN];
    for (size_t i = 0; i < TA__SD_NSCEN; i++)
        names[i] = ta__sd_scen[i].name;
    *out_count = TA__SD_NSCEN;
    return names;
}

int ta_sd_scenario_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < TA__SD_NSCEN; i++)
        if (strcmp(ta__sd_scen[i].name, name) == 0)
            return (int)i;
    return -1;
}

int ta_sd_scenario_applies(const ta_sd_scenario *sc, ta_tls v, ta_role r)
{
    return (sc->versions & (1u << v)) && (sc->roles & (1u << r));
}

ta_status ta_sd_scenario_schedule(const ta_sd_scenario *sc, ta_tls v, ta_role r,
                                  ta_sd_schedule *out)
{
    memset(out, 0, sizeof(*out));
    out->tls = v;
    out->role = r;
    out->flags = sc->flags;
    return ta_sd_schedule_parse(sc->schedule, out);
}

/* ------------------------------------------------------------ names */

static const char *const ta__sd_answer_names[] = {"pending-read", "pending-write", "clean", "sent",
                                                  "truncated",    "cancelled",     "failed"};
static const char *const ta__sd_event_names[] = {"start", "readable", "writable", "cancel"};

const char *ta_sd_answer_name(ta_sd_answer a)
{
    return (unsigned)a < TA_SD_ANSWER_COUNT ? ta__sd_answer_names[a] : "?";
}

int ta_sd_answer_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < TA_SD_ANSWER_COUNT; i++)
        if (strcmp(ta__sd_answer_names[i], name) == 0)
            return i;
    if (name != NULL && strcmp(name, "pending") == 0)
        return TA_SD_PENDING_READ;
    return -1;
}

const char *ta_sd_event_name(ta_sd_event e)
{
    return (unsigned)e < TA_SD_EVENT_COUNT ? ta__sd_event_names[e] : "?";
}

/* ------------------------------------------------------------ schedules */

static const struct {
    const char *name;
    unsigned flag;
} ta__sd_flag_names[] = {
    {"ignore-eof", TA_SD_F_IGNORE_EOF}, {"in-handshake", TA_SD_F_IN_HANDSHAKE},
    {"tickets", TA_SD_F_TICKETS},       {"read-ahead", TA_SD_F_READ_AHEAD},
    {"second", TA_SD_F_SECOND},
};
#define TA__SD_NFLAGS (sizeof(ta__sd_flag_names) / sizeof(ta__sd_flag_names[0]))

/* The actions, their arguments and meanings: the table in sd_action.c. */
ta_status ta_sd_schedule_add(ta_sd_schedule *s, char op, uint16_t arg, const void *bytes,
                             size_t len)
{
    TA_ENSURE(s->n < TA_SD_MAX_ACTIONS, TA_E_ARG, "schedule longer than %d actions",
              TA_SD_MAX_ACTIONS);
    const ta_sd_action_info *info = ta_sd_action_find(op);
    TA_ENSURE(info != NULL, TA_E_ARG, "unknown schedule action '%c'", op);
    ta_sd_action *a = &s->act[s->n];
    memset(a, 0, sizeof(*a));
    a->op = op;
    a->arg = arg;
    if (info->arg == TA_SD_ARG_BYTES) {
        TA_ENSURE(len <= TA_SD_POOL_BYTES - s->pool_len, TA_E_ARG,
                  "schedule injects more than %d bytes", TA_SD_POOL_BYTES);
        if (len > 0)
            memcpy(s->pool + s->pool_len, bytes, len);
        a->off = (uint16_t)s->pool_len;
        a->len = (uint16_t)len;
        s->pool_len += len;
    }
    s->n++;
    return TA_OK;
}

static int ta__hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "tls13/client+ignore-eof:" -> fields of *s; returns the index after ':' or 0. */
static ta_status ta__sd_parse_prefix(const char *str, ta_sd_schedule *s, size_t *out_pos)
{
    const char *colon = strchr(str, ':');
    char head[96], *save = NULL;

    *out_pos = 0;
    if (colon == NULL)
        return TA_OK;
    size_t hl = (size_t)(colon - str);
    TA_ENSURE(hl < sizeof(head), TA_E_PARSE, "schedule prefix too long");
    memcpy(head, str, hl);
    head[hl] = '\0';
    char *plus = strchr(head, '+');
    char *opts = NULL;
    if (plus != NULL) {
        *plus = '\0';
        opts = plus + 1;
    }
    char *slash = strchr(head, '/');
    TA_ENSURE(slash != NULL, TA_E_PARSE,
              "schedule prefix '%s' is not VERSION/ROLE (e.g. tls13/client)", head);
    *slash = '\0';
    int v = ta_tls_from_name(head), r = ta_role_from_name(slash + 1);
    TA_ENSURE(v >= 0, TA_E_PARSE, "unknown version '%s' (tls12, tls13)", head);
    TA_ENSURE(r >= 0, TA_E_PARSE, "unknown role '%s' (client, server)", slash + 1);
    s->tls = (ta_tls)v;
    s->role = (ta_role)r;
    s->flags = 0;
    for (char *o = opts ? strtok_r(opts, "+", &save) : NULL; o; o = strtok_r(NULL, "+", &save)) {
        size_t k;
        for (k = 0; k < TA__SD_NFLAGS && strcmp(ta__sd_flag_names[k].name, o) != 0; k++)
            ;
        TA_ENSURE(k < TA__SD_NFLAGS, TA_E_PARSE,
                  "unknown schedule option '+%s' (ignore-eof, in-handshake, tickets, read-ahead, "
                  "second)",
                  o);
        s->flags |= ta__sd_flag_names[k].flag;
    }
    *out_pos = hl + 1;
    return TA_OK;
}

ta_status ta_sd_schedule_parse(const char *str, ta_sd_schedule *s)
{
    size_t i;

    TA_ENSURE(str != NULL && s != NULL, TA_E_ARG, "ta_sd_schedule_parse: NULL argument");
    TA_GUARD(ta__sd_parse_prefix(str, s, &i));
    s->n = 0;
    s->pool_len = 0;
    while (str[i] != '\0') {
        char op = str[i++];
        if (op == ' ' || op == ',')
            continue;
        const ta_sd_action_info *info = ta_sd_action_find(op);
        TA_ENSURE(info != NULL, TA_E_PARSE, "schedule: unknown action '%c' at position %zu", op,
                  i - 1);
        if (info->arg == TA_SD_ARG_NONE) {
            TA_GUARD(ta_sd_schedule_add(s, op, 0, NULL, 0));
        } else if (info->arg == TA_SD_ARG_COUNT) {
            unsigned long arg = 0;
            if (str[i] == '*') {
                arg = TA_SD_ALL_BYTES;
                i++;
            } else {
                while (isdigit((unsigned char)str[i])) {
                    arg = arg * 10 + (unsigned long)(str[i++] - '0');
                    TA_ENSURE(arg < TA_SD_ALL_BYTES, TA_E_PARSE,
                              "schedule: number too large at position %zu", i);
                }
            }
            TA_GUARD(ta_sd_schedule_add(s, op, (uint16_t)arg, NULL, 0));
        } else { /* TA_SD_ARG_BYTES */
            uint8_t bytes[TA_SD_POOL_BYTES];
            size_t n = 0;
            while (ta__hexval(str[i]) >= 0 && ta__hexval(str[i + 1]) >= 0) {
                TA_ENSURE(n < sizeof(bytes), TA_E_PARSE, "schedule: too many injected bytes");
                bytes[n++] = (uint8_t)(ta__hexval(str[i]) * 16 + ta__hexval(str[i + 1]));
                i += 2;
            }
            TA_ENSURE(str[i] == '.', TA_E_PARSE,
                      "schedule: '%c' takes hex byte pairs ended by '.' (position %zu)", op, i);
            i++;
            TA_GUARD(ta_sd_schedule_add(s, op, 0, bytes, n));
        }
    }
    return TA_OK;
}

/* snprintf-like appender. */
static void ta__sd_put(char *buf, size_t cap, size_t *len, const char *fmt, ...) TA_PRINTF(4, 5);
static void ta__sd_put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n;
}

size_t ta_sd_schedule_format(const ta_sd_schedule *s, char *buf, size_t cap)
{
    size_t len = 0;

    if (cap > 0)
        buf[0] = '\0';
    ta__sd_put(buf, cap, &len, "%s/%s", ta_tls_name(s->tls), ta_role_name(s->role));
    for (size_t k = 0; k < TA__SD_NFLAGS; k++)
        if (s->flags & ta__sd_flag_names[k].flag)
            ta__sd_put(buf, cap, &len, "+%s", ta__sd_flag_names[k].name);
    ta__sd_put(buf, cap, &len, ":");
    for (size_t i = 0; i < s->n; i++) {
        const ta_sd_action *a = &s->act[i];
        const ta_sd_action_info *info = ta_sd_action_find(a->op);
        ta__sd_put(buf, cap, &len, "%c", a->op);
        if (info != NULL && info->arg == TA_SD_ARG_BYTES) {
            for (size_t k = 0; k < a->len; k++)
                ta__sd_put(buf, cap, &len, "%02x", s->pool[a->off + k]);
            ta__sd_put(buf, cap, &len, ".");
        } else if (a->arg == TA_SD_ALL_BYTES) {
            ta__sd_put(buf, cap, &len, "*");
        } else if (a->arg != 0) {
            ta__sd_put(buf, cap, &len, "%u", (unsigned)a->arg);
        }
    }
    return len;
}
