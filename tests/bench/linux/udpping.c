/* tests/bench/linux/udpping.c: the Linux guest's UDP echo client (guest-to-guest runs of make
 * bench), built for the Linux guest.
 *
 *   udpping IP [PORT] COMMAND...
 *
 * The commands and output lines of Sietch's `udpping` (usr/apps/udpping), on a POSIX socket
 * with clock_gettime: echo N SIZE, lat N SIZE GAP_US, tput SIZE MS WINDOW, each answered with
 * one "udpping: ..." line (times in ns), then "udpping: done tx= rx= bad=". Built with the
 * host's compiler, statically, into the Linux guest's initramfs by tools/linux-guest; it is
 * not part of Sietch.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD 1472
#define MAX_WINDOW  256
#define MAX_LAT     20000
#define PATTERN     'x'
#define MS          1000000ull

static int fd;
static uint64_t last_seq, n_tx, n_rx, n_bad;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void send_new(size_t size)
{
    uint8_t p[MAX_PAYLOAD];
    uint64_t seq = ++last_seq;
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(seq >> (56 - 8 * i));
    memset(p + 8, PATTERN, size - 8);
    n_tx += send(fd, p, size, 0) == (ssize_t)size;
}

// The next echo's sequence number (0: not an echo of size bytes) before deadline; false at
// the deadline.
static bool take(size_t size, uint64_t deadline, uint64_t *seq)
{
    uint8_t p[2048];
    for (;;) {
        ssize_t n = recv(fd, p, sizeof(p), MSG_DONTWAIT);
        if (n >= 0) {
            n_rx++;
            *seq = 0;
            if ((size_t)n == size) {
                for (int i = 0; i < 8; i++)
                    *seq = *seq << 8 | p[i];
                for (size_t i = 8; i < size && *seq; i++)
                    if (p[i] != PATTERN)
                        *seq = 0;
            }
            n_bad += *seq == 0;
            return true;
        }
        uint64_t t = now_ns();
        if (t >= deadline)
            return false;
        struct pollfd w = {.fd = fd, .events = POLLIN};
        (void)poll(&w, 1, (int)((deadline - t + MS - 1) / MS));
    }
}

static uint64_t ping(size_t size, uint64_t timeout)
{
    uint64_t t0 = now_ns(), seq;
    send_new(size);
    while (take(size, t0 + timeout, &seq))
        if (seq == last_seq)
            return now_ns() - t0;
    return 0;
}

static void cmd_echo(unsigned n, size_t size)
{
    unsigned done = 0, lost = 0;
    while (done < n && lost < 100)
        ping(size, 1000 * MS) ? done++ : lost++;
    printf("udpping: echo done=%u lost=%u\n", done, lost);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void cmd_lat(unsigned n, size_t size, unsigned gap_us)
{
    static uint64_t rtt[MAX_LAT];
    unsigned got = 0;
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        if (gap_us)
            usleep(gap_us);
        uint64_t r = ping(size, 1000 * MS);
        if (r) {
            rtt[got++] = r;
            sum += r;
        }
    }
    if (!got) {
        printf("udpping: lat n=%u got=0 lost=%u\n", n, n);
        return;
    }
    qsort(rtt, got, sizeof(rtt[0]), cmp_u64);
    unsigned p99 = (unsigned)((uint64_t)got * 99 / 100);
    printf("udpping: lat n=%u got=%u lost=%u p50=%lu p99=%lu min=%lu max=%lu mean=%lu\n", n, got,
           n - got, (unsigned long)rtt[got / 2], (unsigned long)rtt[p99 < got ? p99 : got - 1],
           (unsigned long)rtt[0], (unsigned long)rtt[got - 1], (unsigned long)(sum / got));
}

static void cmd_tput(size_t size, unsigned ms, unsigned window)
{
    uint64_t sent = 0, got = 0, after = 0, lost = 0, late = 0, first = last_seq + 1;
    uint64_t t0 = now_ns(), end = t0 + ms * MS, elapsed = 0, seq;
    unsigned inflight = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end && !elapsed)
            elapsed = t - t0;
        for (; !elapsed && inflight < window; inflight++, sent++)
            send_new(size);
        if (elapsed && !inflight)
            break;
        if (!take(size, now_ns() + 200 * MS, &seq)) {
            lost += inflight;
            inflight = 0;
            first = last_seq + 1;
            continue;
        }
        if (seq >= first && seq <= last_seq && inflight) {
            *(elapsed ? &after : &got) += 1;
            inflight--;
        } else if (seq && seq < first) {
            late++;
        }
    }
    printf("udpping: tput size=%u sent=%lu got=%lu after=%lu lost=%lu late=%lu ns=%lu\n",
           (unsigned)size, (unsigned long)sent, (unsigned long)got, (unsigned long)after,
           (unsigned long)lost, (unsigned long)late, (unsigned long)elapsed);
}

static bool number(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool run(int argc, char **argv)
{
    for (int i = 0; i < argc;) {
        unsigned a, b, c;
        if (!strcmp(argv[i], "echo") && i + 2 < argc && number(argv[i + 1], 1, 1000000, &a) &&
            number(argv[i + 2], 8, MAX_PAYLOAD, &b)) {
            cmd_echo(a, b);
            i += 3;
        } else if (!strcmp(argv[i], "lat") && i + 3 < argc && number(argv[i + 1], 1, MAX_LAT, &a) &&
                   number(argv[i + 2], 8, MAX_PAYLOAD, &b) && number(argv[i + 3], 0, 1000000, &c)) {
            cmd_lat(a, b, c);
            i += 4;
        } else if (!strcmp(argv[i], "tput") && i + 3 < argc &&
                   number(argv[i + 1], 8, MAX_PAYLOAD, &a) && number(argv[i + 2], 1, 600000, &b) &&
                   number(argv[i + 3], 1, MAX_WINDOW, &c)) {
            cmd_tput(a, b, c);
            i += 4;
        } else {
            printf("udpping: cannot read the command at '%s'\n", argv[i]);
            return false;
        }
        fflush(stdout);
    }
    return true;
}

int main(int argc, char **argv)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7)};
    unsigned port;
    int at = 2;
    if (argc < 3 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        printf("usage: udpping IP [PORT] (echo N SIZE | lat N SIZE GAP_US | tput SIZE MS "
               "WINDOW)...\n");
        return 2;
    }
    if (number(argv[2], 1, 65535, &port)) {
        to.sin_port = htons((uint16_t)port);
        at = 3;
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
        perror("udpping");
        return 1;
    }
    printf("udpping: to %s:%u\n", argv[1], ntohs(to.sin_port));
    fflush(stdout);
    bool ok = run(argc - at, argv + at);
    printf("udpping: done tx=%lu rx=%lu bad=%lu\n", (unsigned long)n_tx, (unsigned long)n_rx,
           (unsigned long)n_bad);
    return ok ? 0 : 2;
}
