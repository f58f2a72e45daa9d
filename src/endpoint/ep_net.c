/*
 * ep_net.c - TCP for audits of live endpoints: addresses, bounded connect and
 * accept, half-close and reset, and reads that tell FIN, RST and "still open"
 * apart (endpoints-facts.md: they are different answers, and a window that
 * ends with the connection open is never a close).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "endpoint.h"

ta_status ta__hostport_parse(const char *s, ta__hostport *out)
{
    const char *colon, *host = s, *port;
    size_t hlen;
    char *end;
    long v;

    TA_ENSURE(s != NULL && out != NULL, TA_E_ARG, "ta__hostport_parse: NULL");
    memset(out, 0, sizeof(*out));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        TA_ENSURE(close != NULL && close[1] == ':', TA_E_ARG,
                  "'%s': expected [IPV6]:PORT, e.g. [::1]:8443", s);
        host = s + 1;
        hlen = (size_t)(close - host);
        port = close + 2;
    } else {
        colon = strrchr(s, ':');
        TA_ENSURE(colon != NULL && strchr(s, ':') == colon, TA_E_ARG,
                  "'%s': expected HOST:PORT, e.g. 127.0.0.1:8443", s);
        hlen = (size_t)(colon - s);
        port = colon + 1;
    }
    TA_ENSURE(hlen > 0 && hlen < sizeof(out->host), TA_E_ARG,
              "'%s': the host is empty or too long; expected HOST:PORT", s);
    errno = 0;
    v = strtol(port, &end, 10);
    TA_ENSURE(port[0] >= '0' && port[0] <= '9' && *end == '\0' && errno == 0 && v >= 1
                  && v <= 65535,
              TA_E_ARG, "'%s': expected HOST:PORT with PORT a decimal number from 1 to 65535", s);
    memcpy(out->host, host, hlen);
    snprintf(out->port, sizeof(out->port), "%ld", v);
    return TA_OK;
}

static int ta__wait_fd(int fd, short events, double timeout_s)
{
    const double deadline = ta__mono_s() + timeout_s;
    for (;;) {
        double left = deadline - ta__mono_s();
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r; /* 0: deadline */
        return 1;
    }
}

static void ta__set_blocking(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    (void)fcntl(fd, F_SETFL, on ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
}

ta_status ta__tcp_connect(const ta__hostport *hp, double timeout_s, int *out_fd)
{
    struct addrinfo hints, *res = NULL;
    int rc, fd = -1, err = 0, one = 1;

    TA_ENSURE(hp != NULL && out_fd != NULL, TA_E_ARG, "ta__tcp_connect: NULL");
    *out_fd = -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(hp->host, hp->port, &hints, &res);
    TA_ENSURE(rc == 0, TA_E_NET, "%s: %s", hp->host, gai_strerror(rc));
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0
            || (errno == EINPROGRESS && ta__wait_fd(fd, POLLOUT, timeout_s) > 0)) {
            socklen_t l = sizeof(err);
            err = 0;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0)
                break;
        } else if (errno != EINPROGRESS) {
            err = errno;
        } else {
            err = ETIMEDOUT;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    TA_ENSURE(fd >= 0, TA_E_NET, "connect to %s:%s: %s", hp->host, hp->port,
              strerror(err ? err : ECONNREFUSED));
    ta__set_blocking(fd, 1);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *out_fd = fd;
    return TA_OK;
}

ta_status ta__tcp_listen_local(int *out_fd, unsigned *out_port)
{
    struct sockaddr_in sa;
    socklen_t l = sizeof(sa);
    int fd, one = 1;

    TA_ENSURE(out_fd != NULL && out_port != NULL, TA_E_ARG, "ta__tcp_listen_local: NULL");
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    TA_ENSURE(fd >= 0, TA_E_NET, "socket: %s", strerror(errno));
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &l) != 0) {
        int e = errno;
        close(fd);
        TA_BAIL(TA_E_NET, "listen on 127.0.0.1: %s", strerror(e));
    }
    *out_fd = fd;
    *out_port = ntohs(sa.sin_port);
    return TA_OK;
}

int ta__tcp_accept(int lfd, double timeout_s, int *out_fd)
{
    int r = ta__wait_fd(lfd, POLLIN, timeout_s), fd, one = 1;
    if (r <= 0)
        return r < 0 ? -1 : 0;
    fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *out_fd = fd;
    return 1;
}

unsigned ta__tcp_free_port(void)
{
    int fd;
    unsigned port = 0;
    if (ta__tcp_listen_local(&fd, &port) != TA_OK)
        return 0;
    close(fd);
    return port;
}

void ta__tcp_fin(int fd)
{
    (void)shutdown(fd, SHUT_WR);
}

void ta__tcp_rst(int fd)
{
    struct linger lg = {1, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

const char *ta__wire_ev_name(ta__wire_ev e)
{
    static const char *const names[] = {"data", "fin", "rst", "open", "error"};
    return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

ta__wire_ev ta__wire_read(int fd, void *buf, size_t cap, double window_s, size_t *n)
{
    int r;
    ssize_t got;

    *n = 0;
    r = ta__wait_fd(fd, POLLIN, window_s);
    if (r == 0)
        return TA__WIRE_OPEN;
    if (r < 0) {
        *n = (size_t)errno;
        return TA__WIRE_ERROR;
    }
    do
        got = recv(fd, buf, cap, MSG_DONTWAIT);
    while (got < 0 && errno == EINTR);
    if (got > 0) {
        *n = (size_t)got;
        return TA__WIRE_DATA;
    }
    if (got == 0)
        return TA__WIRE_FIN;
    if (errno == ECONNRESET)
        return TA__WIRE_RST;
    if (errno == EAGAIN)
        return TA__WIRE_OPEN; /* readable but nothing after all: spurious wake-up */
    *n = (size_t)errno;
    return TA__WIRE_ERROR;
}

int ta__wire_write(int fd, const void *buf, size_t n, double timeout_s)
{
    const double deadline = ta__mono_s() + timeout_s;
    const uint8_t *b = buf;
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            b += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        double left = deadline - ta__mono_s();
        if (left <= 0 || ta__wait_fd(fd, POLLOUT, left) <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
    return 0;
}
