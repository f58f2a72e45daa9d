/*
 * sid_bad_server.c - a tiny OpenSSL TLS server whose session-id generator is
 * one of the catalog's callbacks (src/sid/sid_catalog.c, compiled in), for the
 * live-server audit's tests (test_sid_remote.c): each remote check must fire on
 * the server it should. It links libssl and libcrypto only, never tlsaudit_lib
 * (which defines SSL_has_matching_session_id itself): the callbacks must see
 * OpenSSL's real cache, as in a real server.
 *
 *   sid_bad_server PORT CERT KEY CALLBACK [CACHE]
 *
 * CALLBACK: a catalog name ("counter", "manpage-www18", ...) or "none" (OpenSSL's
 * own generator). CACHE: "internal" (default, OpenSSL's cache), "external" (an
 * nginx-like cache of our own: OpenSSL's conflict check cannot see it, so a
 * duplicate id goes out), "forgetful" (external, ignores OpenSSL's removals: a
 * session survives the fatal alert that should end it), "write-only" (external,
 * stores but never finds: ids that never resume).
 *
 * One connection at a time, on 127.0.0.1 only; every read and write is bounded
 * (5 s), and the process ends by itself after 300 s. A client's close_notify is
 * answered with ours (the session stays); any other end drops it, as OpenSSL's
 * SSL_free does.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsaudit/sid.h"

#define SLOTS 4096

/* The external cache keeps sessions serialized, as nginx's shared cache does:
 * what OpenSSL later does to its own session object (marking it not resumable
 * after a fatal alert) reaches the cache only through remove_cb. */
static struct {
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned len;
    unsigned char *der;
    int der_len;
} cache[SLOTS];
static enum { INTERNAL, EXTERNAL, FORGETFUL, WRITE_ONLY } mode = INTERNAL;

static unsigned slot_of(const unsigned char *id, unsigned len)
{
    unsigned h = 2166136261u;
    for (unsigned i = 0; i < len; i++)
        h = (h ^ id[i]) * 16777619u;
    return h % SLOTS;
}

static int new_cb(SSL *ssl, SSL_SESSION *s)
{
    unsigned len;
    const unsigned char *id = SSL_SESSION_get_id(s, &len);
    unsigned char *p;
    (void)ssl;
    if (mode == WRITE_ONLY)
        return 0;
    unsigned k = slot_of(id, len);
    int n = i2d_SSL_SESSION(s, NULL);
    if (n <= 0 || (p = malloc((size_t)n)) == NULL)
        return 0;
    /* The newest session with this id replaces the older one. */
    free(cache[k].der);
    cache[k].der = p;
    cache[k].der_len = i2d_SSL_SESSION(s, &p);
    memcpy(cache[k].id, id, len);
    cache[k].len = len;
    return 0; /* serialized: OpenSSL keeps its reference */
}

static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    unsigned k = slot_of(id, (unsigned)len);
    const unsigned char *p = cache[k].der;
    (void)ssl;
    *copy = 0; /* a fresh object, ours to hand over */
    if (p == NULL || cache[k].len != (unsigned)len || memcmp(cache[k].id, id, cache[k].len) != 0)
        return NULL;
    return d2i_SSL_SESSION(NULL, &p, cache[k].der_len);
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *s)
{
    unsigned len;
    const unsigned char *id = SSL_SESSION_get_id(s, &len);
    unsigned k = slot_of(id, len);
    (void)ctx;
    if (mode == FORGETFUL || cache[k].len != len || memcmp(cache[k].id, id, len) != 0)
        return;
    free(cache[k].der);
    cache[k].der = NULL;
    cache[k].len = 0;
}

static void serve(SSL_CTX *ctx, int fd)
{
    struct timeval tv = {5, 0};
    char buf[4096];
    SSL *ssl = SSL_new(ctx);

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (ssl == NULL || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1)
        goto done;
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n > 0)
            continue;
        if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN)
            (void)SSL_shutdown(ssl);
        break;
    }
done:
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    int one = 1, lfd;
    SSL_CTX *ctx;

    if (argc < 5) {
        fprintf(stderr,
                "usage: %s PORT CERT KEY CALLBACK [internal|external|forgetful|"
                "write-only]\n",
                argv[0]);
        return 2;
    }
    alarm(300);
    if (argc > 5)
        mode = strcmp(argv[5], "external") == 0     ? EXTERNAL
               : strcmp(argv[5], "forgetful") == 0  ? FORGETFUL
               : strcmp(argv[5], "write-only") == 0 ? WRITE_ONLY
                                                    : INTERNAL;
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        || SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    /* No tickets: TLS 1.2 resumes by id, TLS 1.3 sends stateful tickets (the
     * generator's ids). */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"bad", 3);
    if (strcmp(argv[4], "none") != 0) {
        const ta_sid_builtin *b = ta_sid_builtin_find(argv[4]);
        if (b == NULL) {
            fprintf(stderr, "no catalog callback '%s'\n", argv[4]);
            return 2;
        }
        SSL_CTX_set_generate_session_id(ctx, b->cb);
    }
    if (mode != INTERNAL) {
        SSL_CTX_set_session_cache_mode(ctx,
                                       SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_cb);
        SSL_CTX_sess_set_get_cb(ctx, get_cb);
        SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    }
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 128) != 0) {
        perror("listen");
        return 1;
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0)
            serve(ctx, fd);
    }
}
