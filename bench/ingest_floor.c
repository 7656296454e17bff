/* ingest_floor: the ceiling CivetWeb itself sets for bench/ingest.sh, measured in the same run.
 * A CivetWeb server with sbw-ingest's options (a thread per connection, keep-alive,
 * TCP_NODELAY) whose POST /clickstream reads the body and answers 200 {"success":true}:
 *   ingest_floor ADDR THREADS 0     answers at once: HTTP on CivetWeb with no work at all;
 *   ingest_floor ADDR THREADS US    answers when a shared clock ticks every US microseconds:
 *                                   a group commit whose storage takes US and costs nothing.
 * Not a product: it stores nothing. Built by bench/ingest.sh. */
#define _GNU_SOURCE
#include <civetweb.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_uint tick;
static long period_us;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void *ticker(void *arg)
{
    (void)arg;
    struct timespec ts = {period_us / 1000000, (period_us % 1000000) * 1000};
    while (!stop) {
        nanosleep(&ts, NULL);
        atomic_fetch_add(&tick, 1);
        syscall(SYS_futex, &tick, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    }
    return NULL;
}

static int handle(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    char buf[16384];
    while (mg_read(conn, buf, sizeof buf) > 0)
        ;
    if (period_us > 0) {
        unsigned t = atomic_load(&tick);
        while (atomic_load(&tick) == t && !stop)
            syscall(SYS_futex, &tick, FUTEX_WAIT_PRIVATE, t, NULL, NULL, 0);
    }
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 16\r\nConnection: keep-alive\r\n\r\n"
                               "{\"success\":true}";
    mg_write(conn, resp, sizeof resp - 1);
    return 200;
}

static int open_access(struct mg_connection *conn, void *cbdata)
{
    (void)conn;
    (void)cbdata;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ingest_floor ADDR:PORT THREADS TICK_US\n");
        return 2;
    }
    period_us = atol(argv[3]);
    const char *opts[] = {"listening_ports", argv[1], "num_threads", argv[2],
                          "enable_keep_alive", "yes", "tcp_nodelay", "1",
                          "keep_alive_timeout_ms", "5000", "access_control_allow_origin", "",
                          NULL};
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    mg_init_library(0);
    struct mg_context *ctx = mg_start(NULL, NULL, opts);
    if (!ctx) {
        fprintf(stderr, "ingest_floor: cannot listen on %s\n", argv[1]);
        return 1;
    }
    mg_set_request_handler(ctx, "/clickstream$", handle, NULL);
    mg_set_auth_handler(ctx, "/clickstream$", open_access, NULL);
    pthread_t th;
    if (period_us > 0)
        pthread_create(&th, NULL, ticker, NULL);
    while (!stop)
        usleep(100 * 1000);
    _exit(0); /* a benchmark helper: no orderly mg_stop needed */
}
