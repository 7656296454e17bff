/* wake_probe: what this machine charges for the two things a thread-per-connection server with
 * durable acknowledgements does per request — a system call and waking another thread — so
 * bench/ingest.sh can print them next to its ratios. Three figures:
 *   syscall_us       one getppid(2);
 *   rt_same_cpu_us   a one-byte pipe round trip between two threads pinned to one CPU
 *                    (two context switches, four system calls);
 *   rt_cross_cpu_us  the same between threads pinned to CPUs 0 and 1 while nothing else runs:
 *                    each wake-up lands on an idle CPU, as when a fsync completes or a
 *                    group commit wakes its requests on a quiet machine.
 * On bare metal the round trips are a few microseconds. Not a product; built by the benchmark.
 * Usage: wake_probe [round_trips] */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pin(pthread_t t, int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    pthread_setaffinity_np(t, sizeof s, &s);
}

static void *echo(void *arg)
{
    (void)arg;
    char c;
    while (read(ping[0], &c, 1) == 1 && c != 'q')
        if (write(pong[1], &c, 1) != 1)
            break;
    return NULL;
}

/* Mean microseconds of n round trips with the caller on cpu_a and the echo thread on cpu_b. */
static double round_trip(int n, int cpu_a, int cpu_b)
{
    pthread_t t;
    if (pipe(ping) != 0 || pipe(pong) != 0 || pthread_create(&t, NULL, echo, NULL) != 0) {
        perror("wake_probe");
        exit(1);
    }
    pin(pthread_self(), cpu_a);
    pin(t, cpu_b);
    char c = 'x';
    for (int i = 0; i < n / 10 + 1; i++) /* warm up: both threads on their CPUs */
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
            exit(1);
    double t0 = now();
    for (int i = 0; i < n; i++)
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
            exit(1);
    double us = (now() - t0) / n * 1e6;
    c = 'q';
    if (write(ping[1], &c, 1) != 1)
        exit(1);
    pthread_join(t, NULL);
    close(ping[0]);
    close(ping[1]);
    close(pong[0]);
    close(pong[1]);
    return us;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    if (n < 1)
        n = 1;
    int calls = 1000000;
    double t0 = now();
    for (int i = 0; i < calls; i++)
        syscall(SYS_getppid);
    double sys_us = (now() - t0) / calls * 1e6;
    double same = round_trip(n, 0, 0);
    double cross = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? round_trip(n, 0, 1) : 0;
    printf("wake_probe syscall_us=%.3f rt_same_cpu_us=%.2f rt_cross_cpu_us=%.2f\n", sys_us, same,
           cross);
    return 0;
}
