/*
 * sid_child.c - what a check sends from its child process (runner.h): findings,
 * rules it could not evaluate, what it is doing. The checks (sid_checks.c,
 * sid_threads.c, sid_e2e.c, sid_analyze.c) call these; sid_run.c reads them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sid_internal.h"

static void ta__sid_send(unsigned kind, ta_sid_rule rule, const char *text)
{
    ta__sid_msg m;
    memset(&m, 0, sizeof(m));
    m.rule = (int)rule;
    snprintf(m.text, sizeof(m.text), "%s", text ? text : "");
    (void)ta__child_put(kind, &m, sizeof(m));
}

void ta__sid_emit(ta__sid_cx *cx, ta_sid_rule rule, const char *fmt, ...)
{
    char buf[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    (void)cx;
    ta__sid_send(TA__MSG_FINDING, rule, buf);
}

void ta__sid_skip(ta__sid_cx *cx, ta_sid_rule rule)
{
    (void)cx;
    ta__sid_send(TA__MSG_SKIP, rule, NULL);
}

void ta__sid_phase(ta__sid_cx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf((char *)cx->sh->phase, sizeof(cx->sh->phase), fmt, ap);
    va_end(ap);
}

SSL *ta__sid_new_ssl(ta__sid_cx *cx)
{
    SSL *ssl = SSL_new(cx->sctx);
    if (ssl == NULL)
        ta__child_harness_fail("SSL_new failed in a check");
    return ssl;
}

/* A callback found slow gets this much time per check for its calls (beyond the
 * minimum each check needs); one not found slow gets half the check's budget,
 * so that a check that would have been cut off at its hard budget ends early,
 * with what it cut said, instead. */
#define TA__SLOW_ALLOWANCE_S 0.5

size_t ta__sid_calls(ta__sid_cx *cx, const char *what, size_t planned, size_t minimum, unsigned per)
{
    char text[160];
    double allowance, fit;
    size_t n;

    if (cx->cost.call_s <= 0 || planned <= minimum)
        return planned;
    allowance = cx->cost.slow ? TA__SLOW_ALLOWANCE_S : 0.5 * cx->o->budget_s;
    fit = allowance / (cx->cost.call_s * per);
    if (fit >= (double)planned)
        return planned;
    n = fit < (double)minimum ? minimum : (size_t)fit;
    snprintf(text, sizeof(text), "%s %zu/%zu", what, n, planned);
    ta__sid_send(TA__MSG_CUT, TA_SID_SLOW, text);
    return n;
}
