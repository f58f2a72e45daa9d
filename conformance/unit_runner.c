/*
 * unit_runner.c - the isolated-child channel (src/core/runner.c) keeps every
 * record a child sent before it died, also when it died with requests of ours
 * still unread: Linux then reports ECONNRESET once, ahead of those records
 * (net/unix/af_unix.c, unix_release_sock), and a reader that stopped there lost
 * the child's last answers and blamed its end on a case it had answered (the
 * shutdown explorer, with two batches in flight, reported crashes on the wrong
 * schedules). The child is a real process that really aborts.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "runner.h"

#define TA_T_TYPE (TA__REC_USER + 1)
#define TA_T_ANSWERS 3

/* Answers three times, waits (bounded) until a request of the parent's is
 * queued, and dies without reading it. */
static void ta_t_answer_then_abort(ta__child *ch, void *arg)
{
    struct pollfd p = {3, POLLIN, 0}; /* the record socket (ta__child_start) */
    (void)ch;
    (void)arg;
    for (unsigned i = 0; i < TA_T_ANSWERS; i++)
        if (ta__child_put(TA_T_TYPE, &i, sizeof(i)) != 0)
            ta__child_exit();
    (void)poll(&p, 1, 5000);
    abort();
}

static void test_answers_survive_a_reset(void **state)
{
    const ta__child_opts o = {0, 0};
    ta__child *ch = NULL;
    ta__child_end end;
    struct timespec nap = {0, 5 * 1000 * 1000};
    unsigned got, type;
    size_t len;
    (void)state;

    assert_int_equal(ta__child_start(&o, ta_t_answer_then_abort, NULL, &ch), TA_OK);
    /* A request the child never reads: it dies as soon as it is queued. */
    assert_int_equal(ta__child_send(ch, TA_T_TYPE, "one", 3), 0);
    for (int i = 0; i < 1000 && ta__child_running(ch); i++) /* at most 5 s */
        nanosleep(&nap, NULL);
    assert_false(ta__child_running(ch));
    for (unsigned i = 0; i < TA_T_ANSWERS; i++) {
        assert_int_equal(ta__child_recv(ch, 1000, &type, &got, sizeof(got), &len), 1);
        assert_int_equal(type, TA_T_TYPE);
        assert_int_equal(len, sizeof(got));
        assert_int_equal(got, i);
    }
    assert_int_equal(ta__child_recv(ch, 1000, &type, &got, sizeof(got), &len), -1);
    ta__child_finish(ch, 1.0, &end);
    assert_true(end.signaled);
    assert_int_equal(end.signal, SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_survive_a_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
