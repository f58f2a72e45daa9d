/*
 * hostile_sid.c - session-id callbacks written to make an audit lie, for
 * test_hostile.c. Each tries one way for code under test to turn a failing
 * audit into exit 0 or to take the tool down without a report. Only OpenSSL
 * and libc inside; the call counter lives in the process that runs the check.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

static unsigned calls;

/* A correct generator: what every specimen does when it is not misbehaving. */
static int good(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    for (int i = 0; i < 10; i++) {
        if (RAND_bytes(id, (int)*id_len) != 1)
            return 0;
        if (!SSL_has_matching_session_id(ssl, id, *id_len))
            return 1;
    }
    return 0;
}

/* Duplicates first (a constant id), then exit(0) before the check can finish:
 * the duplicates found before the exit must stay in the report. */
int hostile_dup_then_exit0(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    (void)ssl;
    if (++calls == 200)
        exit(0);
    memset(id, 0x42, *id_len);
    return 1;
}

int hostile_exit0(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 3)
        exit(0);
    return good(ssl, id, id_len);
}

int hostile__exit0(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 3)
        _exit(0);
    return good(ssl, id, id_len);
}

/* The status our old harness used for its own set-up failures. */
int hostile__exit3(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 3)
        _exit(3);
    return good(ssl, id, id_len);
}

static void exit0_handler(int sig)
{
    (void)sig;
    _exit(0);
}

/* Crashes, but its own SIGSEGV handler turns the crash into a clean exit. */
int hostile_segv_handler_exit0(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 5) {
        signal(SIGSEGV, exit0_handler);
        void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *(volatile int *)page = 1;
    }
    return good(ssl, id, id_len);
}

/* Closes every descriptor (the harness's channel too) and goes on working. */
int hostile_close_fds(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 3)
        for (int fd = 0; fd < 1024; fd++)
            close(fd);
    return good(ssl, id, id_len);
}

/* Forks a child that keeps stdout open for two minutes (a CI step reading the
 * tool's output through a pipe would wait for it). */
int hostile_fork_orphan(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 3 && fork() == 0) {
        sleep(120);
        _exit(0);
    }
    return good(ssl, id, id_len);
}

/* Signals its whole process group: the tool must not be in it. */
int hostile_kill_group(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    if (++calls == 3)
        kill(0, SIGTERM);
    return good(ssl, id, id_len);
}

/* 1 MB on stdout per call. */
int hostile_flood(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    static char junk[1 << 20];
    if (++calls <= 64) {
        memset(junk, 'A', sizeof(junk));
        fwrite(junk, 1, sizeof(junk), stdout);
        fflush(stdout);
    }
    return good(ssl, id, id_len);
}

/* 64 MiB more on every call, touched, never freed. */
int hostile_memhog(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    char *p = malloc(64u << 20);
    if (p == NULL)
        abort(); /* what most code does when memory runs out */
    memset(p, 1, 64u << 20);
    return good(ssl, id, id_len);
}

/* Writes a forged "end of check" into every descriptor it finds. */
int hostile_forge_records(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    static const unsigned char fake[16] = {0, 0, 0, 0, 0, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0};
    if (++calls == 3)
        for (int fd = 3; fd < 64; fd++)
            (void)!write(fd, fake, sizeof(fake));
    if (calls >= 3)
        _exit(0);
    return good(ssl, id, id_len);
}

/* Slow: a second per call (the budget, not the stall timeout, must stop it). */
int hostile_sleeper(SSL *ssl, unsigned char *id, unsigned int *id_len)
{
    calls++;
    usleep(300 * 1000);
    return good(ssl, id, id_len);
}

/* A data object with a callback's name: not a function. */
const int hostile_not_a_function = 42;
