/*
 * audit_self.c - a program linked against tlsaudit::tlsaudit (the installed
 * static library) that audits a session-id callback compiled into itself
 * through the library API, with small counts. Exit 0 when the audit passes.
 */
#include <stdio.h>

#include "tlsaudit.h"

int consumer_session_id(SSL *ssl, unsigned char *id, unsigned int *id_len);

int main(void)
{
    ta_sid_opts o;
    ta_sid_report *r = NULL;

    ta_sid_opts_default(&o);
    o.ids = 2000;
    o.threads = 2;
    if (ta_sid_audit("consumer_session_id", consumer_session_id, &o, &r) != TA_OK) {
        fprintf(stderr, "audit-self: the audit could not run\n");
        return 2;
    }
    ta_sid_report_print(r, stdout);
    int failed = ta_sid_report_failed(r);
    ta_sid_report_free(r);
    printf("audit-self: tlsaudit %s, %s\n", TA_VERSION_STRING, failed ? "FAILED" : "passed");
    return failed ? 1 : 0;
}
