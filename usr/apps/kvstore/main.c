/*
 * usr/apps/kvstore/main.c: a Redis-compatible key-value store on the
 * library OS: RESP2 over TCP through POSIX sockets, and optionally an
 * append-only file, as the persistent log, on a VSA of its own (Arrakis's
 * Redis). The protocol and the data are lib/os/kv (os/kv.h), the file is
 * os/kv_aof.h; this file is the sockets, the storage, the clock and the
 * loop.
 *
 *   kvstore [--vnic | --netd] [--port N] [--maxmemory BYTES]
 *           [--appendonly VSA [--stord] [--appendfsync always|everysec|no]]
 *
 * Port 6379 unless given. With --appendonly every write is logged on the
 * VSA (directly through a VSIC of its own, or through stord with
 * --stord), and at start the log is replayed. --appendfsync always (the
 * default): the writes of one round of the loop go to the log as one
 * batch, durable, before any reply of that round is sent, so a client
 * that got its reply has its write on the media (group commit);
 * everysec: a batch a second, replies at once; no: a batch when 1 MiB
 * waits or every 30 s. The log is compacted (a snapshot, then a trim)
 * when it is more than half full.
 *
 * One thread serves every client from one loop: sockets polled without
 * waiting, the batch committed, replies sent, keys with deadlines expired
 * (every 100 ms), then a wait for the network when nothing happened.
 * Sietch has no wall clock: the store's clock starts from the last time
 * in its log (so a key's time to live does not run while the store is
 * down) or from KVSTORE_EPOCH.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/netif.h>
#include <net/start.h>
#include <netinet/in.h>
#include <os/kv.h>
#include <os/kv_aof.h>
#include <os/stord.h>
#include <os/vsic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sys.h>
#include <unistd.h>

#define MAX_CLIENTS   100 // within lwIP's 128 TCP PCBs (lwipopts.h)
#define BACKLOG       64  // clients connecting at once (redis-benchmark -c 50 opens 50)
#define READ_BYTES    16384
#define OUT_HIGH      (1 << 20)        // replies waiting: stop reading from that client
#define KVSTORE_EPOCH 1000000000000ull // ms: 2001-09-09, the clock of a store with no log
#define EXPIRE_MS     100
#define EVERYSEC_MS   1000
#define NO_MS         30000
#define NO_BYTES      (1 << 20)

enum fsync_mode { FSYNC_ALWAYS, FSYNC_EVERYSEC, FSYNC_NO };

static struct kv_db *db;
static struct kv_aof *aof;
static enum fsync_mode fsync_mode = FSYNC_ALWAYS;
static struct pollfd fds[1 + MAX_CLIENTS]; // [0]: the listener
static struct kv_conn *conns[1 + MAX_CLIENTS];
static bool closing[1 + MAX_CLIENTS];
static nfds_t nfds = 1;
static uint64_t clock_base, start_tsc, tsc_khz;

static uint64_t now_ms(void) { return clock_base + (sys_rdtsc() - start_tsc) / tsc_khz; }
static uint64_t clock_ms(void *arg)
{
    (void)arg;
    return now_ms();
}

// The engine reports each write here; the log takes it when there is one.
static void on_write(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    (void)arg;
    if (aof)
        kv_aof_write(aof, argc, argv, lens);
}

// ---- The log ----

static uint64_t last_commit;

// Commit what waits if the mode says it is time; a log that fails ends
// the store, before any reply of the failed batch goes out.
static void commit(void)
{
    if (!aof || !kv_aof_pending(aof))
        return;
    uint64_t now = now_ms();
    bool due =
        fsync_mode == FSYNC_ALWAYS ||
        (fsync_mode == FSYNC_EVERYSEC && now - last_commit >= EVERYSEC_MS) ||
        (fsync_mode == FSYNC_NO && (now - last_commit >= NO_MS || kv_aof_pending(aof) >= NO_BYTES));
    if (!due)
        return;
    errval_t err = kv_aof_commit(aof, now);
    if (err_is_ok(err) && kv_aof_compact_due(aof)) {
        uint64_t used, size, n;
        kv_aof_usage(aof, &used, &size, &n);
        printf("kvstore: compacting the log (%lu of %lu KiB used)\n", used >> 10, size >> 10);
        err = kv_aof_compact(aof, db, now);
        kv_aof_usage(aof, &used, &size, &n);
        if (err_is_ok(err))
            printf("kvstore: compacted: %lu KiB used, %lu keys\n", used >> 10, kv_db_keys(db));
    }
    if (err_is_fail(err)) {
        printf("kvstore: the log failed: %s; stopping (no reply of the lost writes was sent)\n",
               err_msg(err));
        exit(1);
    }
    last_commit = now;
}

struct storage {
    struct vsic *vsic;
    struct vsa *vsa;
    struct stord_bdev sb;
    const struct blockdev *dev;
};

static MUST_CHECK errval_t open_log(const char *vsa, bool stord, struct storage *st,
                                    struct kv_aof_info *info)
{
    errval_t err;
    if (stord) {
        err = stord_open(vsa, &st->sb);
        st->dev = &st->sb.dev;
    } else {
        err = vsic_open(&st->vsic);
        if (err_is_ok(err))
            err = vsa_open(st->vsic, vsa, &st->vsa);
        if (err_is_ok(err))
            st->dev = &st->vsa->dev;
    }
    if (err_is_ok(err))
        err = kv_aof_open(st->dev, db, sys_rdtsc(), &aof, info);
    return err;
}

// ---- Clients ----

static void drop_client(nfds_t i)
{
    close(fds[i].fd);
    kv_conn_free(conns[i]);
    nfds--;
    fds[i] = fds[nfds];
    conns[i] = conns[nfds];
    closing[i] = closing[nfds];
}

// Redis's answer to a client past maxclients, then the close (a client
// left unaccepted in the backlog would wait for ever).
static void reject(int c)
{
    static const char full[] = "-ERR max number of clients reached\r\n";
    send(c, full, sizeof(full) - 1, MSG_DONTWAIT);
    close(c);
    kv_db_note_rejected(db);
}

static void accept_clients(void)
{
    for (;;) {
        int c = accept(fds[0].fd, NULL, NULL);
        if (c < 0)
            return;
        if (nfds == 1 + MAX_CLIENTS) {
            reject(c);
            continue;
        }
        fds[nfds] = (struct pollfd){.fd = c};
        conns[nfds] = kv_conn_new(db);
        closing[nfds] = false;
        nfds++;
    }
}

static size_t pending(nfds_t i) { return kv_conn_output(conns[i])->len; }

// Client i's replies, as far as its peer takes them now; false when the
// connection failed.
static bool flush(nfds_t i)
{
    struct kv_buf *b = kv_conn_output(conns[i]);
    while (b->len > 0) {
        ssize_t n = send(fds[i].fd, b->data, b->len, MSG_DONTWAIT);
        if (n < 0)
            return errno == EAGAIN;
        kv_buf_consume(b, (size_t)n);
    }
    return true;
}

// Read what client i sent and run it; false when it is gone.
static bool take_input(nfds_t i)
{
    static char buf[READ_BYTES];
    if (closing[i] || pending(i) >= OUT_HIGH)
        return true;
    ssize_t n = recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN))
        return false;
    if (n > 0 && kv_conn_feed(conns[i], buf, (size_t)n))
        closing[i] = true;
    return true;
}

static void set_events(void)
{
    fds[0].events = POLLIN;
    for (nfds_t i = 1; i < nfds; i++) {
        bool in = !closing[i] && pending(i) < OUT_HIGH;
        fds[i].events = (short)((in ? POLLIN : 0) | (pending(i) ? POLLOUT : 0));
    }
}

// One round: input from every client that has some, the batch committed
// (before any reply goes out), then the replies. True if anything happened.
static bool round_once(void)
{
    set_events();
    int ready = poll(fds, nfds, 0);
    if (ready < 0) {
        printf("kvstore: poll: %s\n", strerror(errno));
        exit(1);
    }
    bool gone[1 + MAX_CLIENTS] = {false};
    for (nfds_t i = 1; i < nfds; i++) {
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
            gone[i] = !take_input(i);
    }
    commit();
    for (nfds_t i = nfds - 1; i >= 1; i--) {
        if (!gone[i] && pending(i) && !flush(i))
            gone[i] = true;
        if (gone[i] || (closing[i] && pending(i) == 0))
            drop_client(i); // (moves the last client to i, already done)
    }
    if (ready > 0 && (fds[0].revents & POLLIN))
        accept_clients();
    return ready > 0;
}

// ---- Start ----

struct options {
    uint16_t port;
    uint64_t maxmemory;
    const char *vsa;
    bool stord;
};

static bool parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--vnic") || !strcmp(a, "--netd"))
            continue;
        if (!strcmp(a, "--stord")) {
            o->stord = true;
            continue;
        }
        if (!v)
            return false;
        char *end;
        if (!strcmp(a, "--port") && net_port_arg(v, &o->port)) {
        } else if (!strcmp(a, "--maxmemory") && *v >= '0' && *v <= '9') {
            o->maxmemory = strtoull(v, &end, 10);
            if (*end)
                return false;
        } else if (!strcmp(a, "--appendonly") && *v) {
            o->vsa = v;
        } else if (!strcmp(a, "--appendfsync") && !strcmp(v, "always")) {
            fsync_mode = FSYNC_ALWAYS;
        } else if (!strcmp(a, "--appendfsync") && !strcmp(v, "everysec")) {
            fsync_mode = FSYNC_EVERYSEC;
        } else if (!strcmp(a, "--appendfsync") && !strcmp(v, "no")) {
            fsync_mode = FSYNC_NO;
        } else {
            return false;
        }
        i++;
    }
    return !o->stord || o->vsa;
}

int main(int argc, char **argv)
{
    struct options o = {.port = 6379};
    if (!parse_args(argc, argv, &o)) {
        printf("usage: kvstore [--vnic | --netd] [--port N] [--maxmemory BYTES] "
               "[--appendonly VSA [--stord] [--appendfsync always|everysec|no]]\n");
        return 2;
    }
    start_tsc = sys_rdtsc();
    tsc_khz = sys_tsc_hz() / 1000;
    clock_base = KVSTORE_EPOCH;
    struct kv_config cfg = {.maxmemory = o.maxmemory,
                            .appendonly = o.vsa != NULL,
                            .clock_ms = clock_ms,
                            .on_write = on_write,
                            .seed = sys_rdtsc()};
    db = kv_db_new(&cfg);
    char durable[128] = "no append-only file";
    if (o.vsa) {
        static struct storage st; // (the log keeps pointers into it)
        struct kv_aof_info info;
        uint64_t t0 = sys_rdtsc();
        errval_t err = open_log(o.vsa, o.stord, &st, &info);
        if (err_is_fail(err)) {
            printf("kvstore: the append-only file on VSA '%s'%s: %s\n", o.vsa,
                   o.stord ? " (through stord)" : "", err_msg(err));
            return 1;
        }
        // The dataset's snapshot must fit in the free half of the log:
        // maxmemory at most a quarter of the log's room.
        uint64_t cap = kv_aof_room(aof) / 4;
        if (!o.maxmemory || o.maxmemory > cap) {
            o.maxmemory = cap;
            kv_db_set_maxmemory(db, cap);
        }
        // The clock goes on from the log's last time.
        if (info.clock_ms > clock_base)
            clock_base = info.clock_ms;
        start_tsc = sys_rdtsc();
        last_commit = now_ms();
        static const char *const modes[] = {"always", "everysec", "no"};
        printf("kvstore: VSA '%s'%s: %s; replayed %lu batches (%lu commands, %lu snapshots, "
               "%lu half-written ignored) in %lu ms: %lu keys\n",
               o.vsa, o.stord ? " through stord" : "", info.formatted ? "a new log" : "its log",
               info.batches, info.commands, info.snapshots, info.abandoned,
               (sys_rdtsc() - t0) / tsc_khz, kv_db_keys(db));
        snprintf(durable, sizeof(durable),
                 "append-only file on '%s', appendfsync %s, maxmemory %lu", o.vsa,
                 modes[fsync_mode], (unsigned long)o.maxmemory);
    }
    const char *mode = net_mode_arg(argc, argv);
    struct net_stack *s;
    errval_t err = net_start(mode, &s);
    if (err_is_fail(err)) {
        char what[40];
        snprintf(what, sizeof(what), "kvstore: no network (%s)", mode);
        err_print_chain(what, err);
        return 1;
    }
    int l = net_listen_tcp(o.port, BACKLOG, true);
    if (l < 0) {
        printf("kvstore: port %u: %s\n", o.port, strerror(errno));
        return 1;
    }
    fds[0] = (struct pollfd){.fd = l};
    struct in_addr ip = {.s_addr = net_stack_netq(s)->ip};
    printf("kvstore: on %s:%u (%s); %s\n", inet_ntoa(ip), o.port, mode, durable);
    uint64_t next_expire = now_ms() + EXPIRE_MS;
    for (;;) {
        bool busy = round_once();
        uint64_t now = now_ms();
        if (now >= next_expire) {
            kv_active_expire(db, now, 20);
            next_expire = now + EXPIRE_MS;
        }
        if (aof && fsync_mode != FSYNC_ALWAYS)
            commit();
        if (!busy) {
            uint64_t wait = next_expire > now ? next_expire - now : 1;
            err_ignore(net_wait(s, wait * 1000),
                       "a wait that fails or times out returns to the loop, which polls");
        }
    }
}
