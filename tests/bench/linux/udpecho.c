/* tests/bench/linux/udpecho.c: the Linux baseline's UDP echo (make bench), built for the Linux
 * guest.
 *
 * The same loop as Sietch's `udpecho` (POSIX variant): recvfrom, then
 * sendto the same bytes back, on the port given (7 by default). Built with
 * the host's compiler, statically, into the Linux guest's initramfs by
 * tools/linux-guest; it is not part of Sietch.
 *
 * Two datagrams are not echoed but answered, for the instruction count
 * bench_net.py takes under -icount (docs/experiments.md says how):
 * "probe:reset" takes a snapshot of the guest's clocks and answers
 * "probe: reset"; "probe:report" takes another and answers with the
 * differences as "probe echoes=N key=value ...": the monotonic time, the
 * CPUs' idle time (/proc/timer_list's idle_sleeptime and iowait_sleeptime,
 * in ns), this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), the TSC cycles
 * spent in this program's own code between its system calls, and
 * /proc/stat's tick-sampled user, system, irq and softirq times.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <x86intrin.h>

// One reading of the clocks the report subtracts.
struct snap {
    uint64_t mono_ns, thread_ns, tsc, idle_ns, cpus;
    unsigned long long stat[7]; // user nice system idle iowait irq softirq (USER_HZ)
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// The idle and iowait time of all CPUs, in ns, and how many CPUs there are.
static void read_idle(struct snap *s)
{
    char line[256];
    FILE *f = fopen("/proc/timer_list", "r");
    s->idle_ns = s->cpus = 0;
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (colon && (strstr(line, ".idle_sleeptime") || strstr(line, ".iowait_sleeptime")))
            s->idle_ns += strtoull(colon + 1, NULL, 10);
        if (colon && strstr(line, ".idle_calls"))
            s->cpus++;
    }
    fclose(f);
}

static void read_stat(struct snap *s)
{
    FILE *f = fopen("/proc/stat", "r");
    memset(s->stat, 0, sizeof(s->stat));
    if (!f)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &s->stat[0], &s->stat[1], &s->stat[2],
               &s->stat[3], &s->stat[4], &s->stat[5], &s->stat[6]) != 7)
        memset(s->stat, 0, sizeof(s->stat));
    fclose(f);
}

// A snapshot. The files are read outside the interval the clocks bound (before them at the
// start, after them at the end): their reading is not charged to the echoes.
static void take(struct snap *s, int end)
{
    if (!end) {
        read_idle(s);
        read_stat(s);
    }
    s->thread_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    s->tsc = __rdtsc();
    s->mono_ns = clock_ns(CLOCK_MONOTONIC);
    if (end) {
        read_idle(s);
        read_stat(s);
    }
}

static int report(char *buf, size_t n, const struct snap *a, const struct snap *b, uint64_t echoes,
                  uint64_t user_tsc)
{
    static const char *names[] = {"user", "nice", "system", "idle", "iowait", "irq", "softirq"};
    int len = snprintf(buf, n,
                       "probe echoes=%llu elapsed_ns=%llu idle_ns=%llu thread_ns=%llu "
                       "tsc=%llu user_tsc=%llu cpus=%llu",
                       (unsigned long long)echoes, (unsigned long long)(b->mono_ns - a->mono_ns),
                       (unsigned long long)(b->idle_ns - a->idle_ns),
                       (unsigned long long)(b->thread_ns - a->thread_ns),
                       (unsigned long long)(b->tsc - a->tsc), (unsigned long long)user_tsc,
                       (unsigned long long)b->cpus);
    for (int i = 0; i < 7; i++)
        len += snprintf(buf + len, n - (size_t)len, " stat_%s=%llu", names[i],
                        b->stat[i] - a->stat[i]);
    return len;
}

int main(int argc, char **argv)
{
    static char buf[65536];
    int port = argc > 1 ? atoi(argv[1]) : 7;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("linux-udpecho");
        return 1;
    }
    printf("linux-udpecho: echo on port %d\n", port);
    fflush(stdout);
    struct snap start = {0}, end;
    uint64_t echoes = 0, user_tsc = 0, mark = __rdtsc();
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        user_tsc += __rdtsc() - mark;
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
        mark = __rdtsc();
        if (n < 0) {
            perror("linux-udpecho: recvfrom");
            return 1;
        }
        if (n == 11 && memcmp(buf, "probe:reset", 11) == 0) {
            n = snprintf(buf, sizeof(buf), "probe: reset");
            take(&start, 0);
            echoes = user_tsc = 0;
            mark = __rdtsc(); // the snapshot is not the program's work
        } else if (n == 12 && memcmp(buf, "probe:report", 12) == 0) {
            take(&end, 1);
            n = report(buf, sizeof(buf), &start, &end, echoes, user_tsc);
        } else {
            echoes++;
        }
        user_tsc += __rdtsc() - mark;
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
        mark = __rdtsc();
    }
}
