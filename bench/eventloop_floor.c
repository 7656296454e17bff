/* eventloop_floor: what an event-loop HTTP front end could reach where ingest_floor.c measures
 * CivetWeb, for bench/ingest.sh (same run). Not a product and not a general HTTP server: it
 * understands exactly the requests wrk sends (a request line, headers with Content-Length, a
 * body; keep-alive; pipelining) and answers 200 {"success":true} without looking at the body.
 *   eventloop_floor ADDR PORT WORKERS TICK_US
 * WORKERS threads (like nginx's worker processes) each accept on their own SO_REUSEPORT socket
 * and run one epoll loop. TICK_US 0: answer at once; else answer every complete request when
 * the worker's timer next fires, every TICK_US microseconds: a group commit whose storage
 * costs no CPU and takes that long, without a thread per connection. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define BUF 65536
#define MAX_CONN 4096

typedef struct {
    int fd;
    size_t used;
    int waiting; /* complete requests not yet answered */
    char buf[BUF];
} conn_t;

static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Content-Length: 16\r\nConnection: keep-alive\r\n\r\n"
                           "{\"success\":true}";
static const char *addr;
static int port;
static long tick_us;

/* Length of the first complete request in c->buf, 0 if incomplete, -1 if unusable. */
static long request_len(conn_t *c)
{
    char *end = memmem(c->buf, c->used, "\r\n\r\n", 4);
    if (!end)
        return c->used == BUF ? -1 : 0;
    size_t head = (size_t)(end - c->buf) + 4;
    long body = 0;
    for (char *p = c->buf; p < end; p++) {
        if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
            body = strtol(p + 15, NULL, 10);
            break;
        }
    }
    if (body < 0 || head + (size_t)body > BUF)
        return -1;
    return head + (size_t)body <= c->used ? (long)(head + (size_t)body) : 0;
}

static void answer(conn_t *c, int n)
{
    for (int i = 0; i < n; i++) {
        size_t off = 0;
        while (off < sizeof RESP - 1) {
            ssize_t w = write(c->fd, RESP + off, sizeof RESP - 1 - off);
            if (w < 0 && errno == EAGAIN)
                continue; /* loopback, 100-byte answers: practically never */
            if (w <= 0)
                return;
            off += (size_t)w;
        }
    }
}

static void *worker(void *arg)
{
    (void)arg;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(ls, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1024) != 0) {
        perror("eventloop_floor: listen");
        exit(1);
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    int tfd = -1;
    static conn_t tick_marker;
    if (tick_us > 0) {
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
        struct itimerspec its = {{tick_us / 1000000, (tick_us % 1000000) * 1000},
                                 {tick_us / 1000000, (tick_us % 1000000) * 1000}};
        timerfd_settime(tfd, 0, &its, NULL);
        struct epoll_event tev = {.events = EPOLLIN, .data.ptr = &tick_marker};
        epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);
    }
    conn_t **pending = calloc(MAX_CONN, sizeof *pending);
    int n_pending = 0;
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (!c) { /* new connections */
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            if (c == &tick_marker) { /* the "commit" is done: answer everyone waiting */
                unsigned long long ticks;
                if (read(tfd, &ticks, sizeof ticks) < 0)
                    continue;
                for (int k = 0; k < n_pending; k++) {
                    answer(pending[k], pending[k]->waiting);
                    pending[k]->waiting = 0;
                }
                n_pending = 0;
                continue;
            }
            ssize_t r = read(c->fd, c->buf + c->used, BUF - c->used);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                if (c->waiting) { /* answered at the tick: keep it until then */
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    continue;
                }
                close(c->fd);
                free(c);
                continue;
            }
            c->used += (size_t)r;
            int complete = 0;
            long len;
            while ((len = request_len(c)) > 0) {
                memmove(c->buf, c->buf + len, c->used - (size_t)len);
                c->used -= (size_t)len;
                complete++;
            }
            if (len < 0) {
                close(c->fd);
                free(c);
                continue;
            }
            if (complete == 0)
                continue;
            if (tick_us == 0) {
                answer(c, complete);
            } else {
                if (c->waiting == 0 && n_pending < MAX_CONN)
                    pending[n_pending++] = c;
                c->waiting += complete;
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: eventloop_floor ADDR PORT WORKERS TICK_US\n");
        return 2;
    }
    addr = argv[1];
    port = atoi(argv[2]);
    int workers = atoi(argv[3]);
    tick_us = atol(argv[4]);
    signal(SIGPIPE, SIG_IGN);
    pthread_t th[64];
    for (int i = 0; i < workers && i < 64; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    pthread_join(th[0], NULL);
    return 0;
}
