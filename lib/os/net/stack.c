/* lib/os/net/stack.c: start-up, the open stacks, polling and the adaptive wait. */
#include "net_priv.h"

#include <os/probe.h>

#include "lwip/timeouts.h"
#include "lwip_port.h"

#include <stdlib.h>
#include <string.h>

// At most this many receive batches per net_poll, so that a flood on one
// queue still lets timers, transmission and the application run.
#define NET_POLL_RX_BATCHES 8

struct net_stack *net_stacks;
static struct net_platform platform;

// While net_poll runs lwIP's timers, the clock it read just before (the
// timers' own look at it would be a second reading a few instructions
// later, at millisecond resolution); 0 otherwise.
static uint64_t poll_now_us;

static uint32_t lwip_now_ms(void)
{
    return (uint32_t)((poll_now_us != 0 ? poll_now_us : platform.now_us()) / 1000);
}

errval_t net_init(const struct net_platform *p)
{
    if (p == NULL || p->now_us == NULL || p->random32 == NULL)
        return NET_ERR_NO_PLATFORM;
    if (platform.now_us != NULL)
        return NET_ERR_ALREADY_INIT;
    platform = *p;
    struct lwip_port_hooks hooks = {.now_ms = lwip_now_ms, .random32 = p->random32};
    errval_t err = lwip_port_init(&hooks);
    if (err_is_fail(err)) {
        platform.now_us = NULL;
        return err_push(err, NET_ERR_ALREADY_INIT);
    }
    return SYS_ERR_OK;
}

uint64_t net_now_us(void) { return platform.now_us != NULL ? platform.now_us() : 0; }

bool net_started(void) { return platform.now_us != NULL; }

void net_config_defaults(struct net_config *cfg)
{
    cfg->rx_batch = 32;
    cfg->tx_batch = 32;
    cfg->rx_hold_max = 64;
    cfg->spin_us = 100;
}

static bool config_ok(const struct net_config *c)
{
    return c->rx_batch >= 1 && c->rx_batch <= NET_BATCH_MAX && c->tx_batch >= 1 &&
           c->tx_batch <= NET_BATCH_MAX && c->rx_hold_max >= 1 && c->rx_hold_max <= 4096;
}

errval_t net_stack_open(struct netq *q, const struct net_config *cfg, struct net_stack **out)
{
    if (platform.now_us == NULL)
        return NET_ERR_NOT_INIT;
    if (q == NULL || q->ops == NULL || out == NULL)
        return SYS_ERR_INVALID_ARGS;
    struct net_config c;
    net_config_defaults(&c);
    if (cfg != NULL)
        c = *cfg;
    if (!config_ok(&c))
        return NET_ERR_BAD_CONFIG;
    struct net_stack *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SYS_ERR_NO_MEMORY;
    s->q = q;
    s->cfg = c;
    errval_t err = net_netif_open(s);
    if (err_is_fail(err)) {
        net_netif_open_failed(s);
        return err;
    }
    // Appended: the first stack stays the default route for sockets.
    struct net_stack **pp = &net_stacks;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = s;
    net_flush(s); // the gratuitous ARP
    *out = s;
    return SYS_ERR_OK;
}

errval_t net_stack_close(struct net_stack *s)
{
    if (s == NULL)
        return SYS_ERR_INVALID_ARGS;
    if (s->native != NULL)
        return NET_ERR_BUSY;
    for (struct net_stack **pp = &net_stacks; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    net_netif_close(s);
    return SYS_ERR_OK;
}

unsigned net_poll(struct net_stack *s)
{
    os_probe_push(OS_PROBE_STACK_IN);
    unsigned frames = net_rx_drain(s, NET_POLL_RX_BATCHES), received = frames;
    uint64_t now = net_now_us();
    poll_now_us = now;
    sys_check_timeouts();
    poll_now_us = 0;
    if (s->n_frags > 0) // (most polls: no walk)
        net_frag_expire(s, now);
    net_rx_return_flush(s);
    net_flush(s);
    frames += s->tx_since_poll;
    s->tx_since_poll = 0;
    s->stats.polls++;
    if (frames > 0)
        s->last_traffic_us = now;
    os_probe_pop_as(received ? OS_PROBE_STACK_IN : OS_PROBE_WAIT); // an empty poll is waiting
    return frames;
}

unsigned net_poll_all(void)
{
    unsigned frames = 0;
    for (struct net_stack *s = net_stacks; s != NULL; s = s->next)
        frames += net_poll(s);
    return frames;
}

// Microseconds until lwIP's next timer (0: one is due), UINT64_MAX if none.
static uint64_t lwip_sleep_us(void)
{
    u32_t ms = sys_timeouts_sleeptime();
    return ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? UINT64_MAX : (uint64_t)ms * 1000;
}

// How long a wait may sleep: the caller's limit and lwIP's next timer
// (0: do not sleep; UINT64_MAX: no limit).
static uint64_t sleep_budget(uint64_t timeout_us)
{
    uint64_t t = lwip_sleep_us();
    if (timeout_us != 0 && timeout_us < t)
        t = timeout_us;
    return t;
}

// A queue's wait that ran out of time is no failure here: the time was
// lwIP's next timer or the caller's limit, which the caller checks.
static MUST_CHECK errval_t sleep_on(struct netq *q, uint64_t timeout_us)
{
    errval_t err = netq_wait(q, timeout_us);
    return err_has(err, SYS_ERR_TIMEOUT) ? SYS_ERR_OK : err; // (netd's under NETD_ERR_CALL)
}

static bool spinning(struct net_stack *s, uint64_t now)
{
    return s->cfg.spin_us > 0 && now - s->last_traffic_us < s->cfg.spin_us;
}

static MUST_CHECK errval_t wait_one(struct net_stack *s, uint64_t timeout_us)
{
    net_flush(s);
    if (spinning(s, net_now_us())) {
        s->stats.spins++;
        return SYS_ERR_OK;
    }
    uint64_t t = sleep_budget(timeout_us);
    if (t == 0)
        return SYS_ERR_OK; // a timer is due: the caller's next poll runs it
    s->stats.sleeps++;
    return sleep_on(s->q, t == UINT64_MAX ? 0 : t);
}

errval_t net_wait(struct net_stack *s, uint64_t timeout_us)
{
    os_probe_push(OS_PROBE_WAIT);
    errval_t err = wait_one(s, timeout_us);
    os_probe_pop();
    return err;
}

static MUST_CHECK errval_t wait_all(uint64_t timeout_us)
{
    static unsigned turn;
    unsigned n = 0;
    uint64_t now = net_now_us();
    for (struct net_stack *s = net_stacks; s != NULL; s = s->next) {
        net_flush(s);
        if (spinning(s, now)) {
            s->stats.spins++;
            return SYS_ERR_OK;
        }
        n++;
    }
    if (n == 0)
        return NET_ERR_NO_STACK;
    if (n == 1)
        return wait_one(net_stacks, timeout_us);
    struct net_stack *s = net_stacks;
    for (unsigned i = turn++ % n; i > 0; i--)
        s = s->next;
    uint64_t t = sleep_budget(timeout_us);
    if (t == 0)
        return SYS_ERR_OK;
    s->stats.sleeps++;
    return sleep_on(s->q, t < NET_WAIT_SLICE_US ? t : NET_WAIT_SLICE_US);
}

errval_t net_wait_all(uint64_t timeout_us)
{
    os_probe_push(OS_PROBE_WAIT);
    errval_t err = wait_all(timeout_us);
    os_probe_pop();
    return err;
}

static bool on_subnet(const struct net_stack *s, uint32_t ip)
{
    return ((ip ^ s->q->ip) & s->q->netmask) == 0;
}

struct net_stack *net_route(uint32_t dst)
{
    for (struct net_stack *s = net_stacks; s != NULL; s = s->next) {
        if (on_subnet(s, dst) || dst == 0xffffffffu)
            return s;
    }
    for (struct net_stack *s = net_stacks; s != NULL; s = s->next) {
        if (s->q->gateway != 0)
            return s;
    }
    return NULL;
}

struct net_stack *net_stack_by_ip(uint32_t ip)
{
    for (struct net_stack *s = net_stacks; s != NULL; s = s->next) {
        if (s->q->ip == ip)
            return s;
    }
    return NULL;
}

void net_stack_stats(struct net_stack *s, struct net_stack_stats *out)
{
    *out = s->stats;
    out->rx_held = s->rx_held;
    out->tx_spare = s->n_tx_spare;
}

struct netif *net_stack_netif(struct net_stack *s) { return &s->netif; }
struct netq *net_stack_netq(struct net_stack *s) { return s->q; }
