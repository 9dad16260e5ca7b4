/* lib/os/net/platform.c: the network library's clock and random source in Sietch's user world. */
#include <net/netif.h>
#include <stdbool.h>
#include <sys/sys.h>

// CPUID leaf 1, ECX bit 30: RDRAND (Intel SDM Vol. 2A, CPUID, Table 3-10).
#define CPUID1_ECX_RDRAND (1u << 30)

static bool have_rdrand(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return (c & CPUID1_ECX_RDRAND) != 0;
}

// splitmix64 over the TSC: not cryptographic, but different every run.
static uint32_t tsc_random(void)
{
    static uint64_t state;
    if (state == 0)
        state = sys_rdtsc();
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t hw_random(void)
{
    // RDRAND may fail briefly (CF clear): the SDM suggests ten tries.
    for (int i = 0; i < 10; i++) {
        uint32_t v;
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        if (ok)
            return v;
    }
    return tsc_random();
}

const struct net_platform *net_platform_sietch(void)
{
    static struct net_platform p;
    p.now_us = sys_clock_us;
    p.random32 = have_rdrand() ? hw_random : tsc_random;
    return &p;
}
