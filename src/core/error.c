/* error.c - the last-error record (see "ERROR CONVENTION" in tlsaudit.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "internal.h"

static _Thread_local ta_error ta__last;

static const struct {
    int code;
    const char *name, *text;
} ta__errors[] = {{TA_OK, "TA_OK", "success"},
#define TA__ROW(name, value, text) {name, #name, text},
                  TA_ERROR_TABLE(TA__ROW)
#undef TA__ROW
};

const char *ta_error_name(int code)
{
    for (size_t i = 0; i < sizeof(ta__errors) / sizeof(ta__errors[0]); i++)
        if (ta__errors[i].code == code)
            return ta__errors[i].name;
    return "TA_E_UNKNOWN";
}

const char *ta_error_text(int code)
{
    for (size_t i = 0; i < sizeof(ta__errors) / sizeof(ta__errors[0]); i++)
        if (ta__errors[i].code == code)
            return ta__errors[i].text;
    return "unknown error";
}

const ta_error *ta_last_error(void)
{
    return &ta__last;
}

void ta_error_clear(void)
{
    memset(&ta__last, 0, sizeof(ta__last));
}

static const char *ta__short_file(const char *f)
{
    /* The LAST "src/": a checkout under ~/src/ must still read "src/pair.c". */
    const char *s = NULL;
    for (const char *q = strstr(f, "src/"); q != NULL; q = strstr(q + 1, "src/"))
        s = q;
    return s ? s : f;
}

int ta__error_set(int code, int with_ossl, const char *file, int line, const char *fmt, ...)
{
    ta_error *e = &ta__last;
    va_list ap;

    e->code = code;
    e->file = ta__short_file(file);
    e->line = line;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    e->ossl_err = 0;
    e->ossl_reason[0] = '\0';
    if (with_ossl) {
        unsigned long err = ERR_peek_error();
        if (err != 0) {
            const char *r = ERR_reason_error_string(err);
            e->ossl_err = err;
            if (r != NULL)
                snprintf(e->ossl_reason, sizeof(e->ossl_reason), "%s", r);
            else
                snprintf(e->ossl_reason, sizeof(e->ossl_reason), "reason %d", ERR_GET_REASON(err));
        }
    }
    /* A stale entry must never be read as the result of a later call. */
    ERR_clear_error();
    return code;
}

const char *ta_error_format(char *buf, size_t len)
{
    const ta_error *e = &ta__last;

    if (e->code == TA_OK) {
        snprintf(buf, len, "no error");
        return buf;
    }
    if (e->code == TA_E_LOAD) /* the user's object, said in one line: no source location */
        snprintf(buf, len, "%s", e->message);
    else if (e->ossl_reason[0] != '\0')
        snprintf(buf, len, "%s:%d: %s (OpenSSL: %s)", e->file ? e->file : "?", e->line, e->message,
                 e->ossl_reason);
    else
        snprintf(buf, len, "%s:%d: %s", e->file ? e->file : "?", e->line, e->message);
    return buf;
}

const char *ta_severity_name(ta_severity s)
{
    static const char *const names[] = {"info", "warning", "error"};
    return (unsigned)s < 3 ? names[s] : "?";
}

const char *ta_verdict_name(ta_verdict v)
{
    switch (v) {
    case TA_VERDICT_PASS:
        return "pass";
    case TA_VERDICT_FAIL:
        return "fail";
    case TA_VERDICT_INCOMPLETE:
        return "incomplete";
    }
    return "?";
}
