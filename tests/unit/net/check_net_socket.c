/* tests/unit/net/check_net_socket.c: the socket layer's errno paths, options, fcntl and poll. */
#include "fixture.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unit.h>

#define ASSERT_FAILS(call, err)                                                                    \
    do {                                                                                           \
        errno = 0;                                                                                 \
        ck_assert_int_eq((call), -1);                                                              \
        ck_assert_int_eq(errno, (err));                                                            \
    } while (0)

START_TEST(test_socket_errors)
{
    ASSERT_FAILS(net_sock_socket(AF_UNSPEC, SOCK_DGRAM, 0), EAFNOSUPPORT);
    ASSERT_FAILS(net_sock_socket(10 /* AF_INET6 */, SOCK_STREAM, 0), EAFNOSUPPORT);
    ASSERT_FAILS(net_sock_socket(AF_INET, 3 /* SOCK_RAW */, 0), ESOCKTNOSUPPORT);
    ASSERT_FAILS(net_sock_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    ASSERT_FAILS(net_sock_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    int t = net_sock_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    int u = net_sock_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    ck_assert_int_eq(t, NET_SOCK_FD_BASE); // the lowest free descriptors
    ck_assert_int_eq(u, NET_SOCK_FD_BASE + 1);
    int type;
    socklen_t len = sizeof(type);
    ck_assert_int_eq(net_sock_getsockopt(u, SOL_SOCKET, SO_TYPE, &type, &len), 0);
    ck_assert_int_eq(type, SOCK_DGRAM);
    // Bad descriptors everywhere.
    uint8_t b;
    struct sockaddr_in a = fx_addr(FX_IP_B, 7);
    int bad[] = {-1, 0, 1, 2, NET_SOCK_FD_BASE + 2, NET_SOCK_FD_BASE + NET_SOCK_MAX, 1 << 30};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int fd = bad[i];
        ASSERT_FAILS(net_sock_close(fd), EBADF);
        ASSERT_FAILS(net_sock_bind(fd, (struct sockaddr *)&a, sizeof(a)), EBADF);
        ASSERT_FAILS(net_sock_connect(fd, (struct sockaddr *)&a, sizeof(a)), EBADF);
        ASSERT_FAILS(net_sock_listen(fd, 1), EBADF);
        ASSERT_FAILS(net_sock_accept(fd, NULL, NULL), EBADF);
        ASSERT_FAILS(net_sock_send(fd, &b, 1, 0), EBADF);
        ASSERT_FAILS(net_sock_recv(fd, &b, 1, 0), EBADF);
        ASSERT_FAILS(net_sock_shutdown(fd, SHUT_RDWR), EBADF);
        ASSERT_FAILS(net_sock_fcntl(fd, F_GETFL, 0), EBADF);
        ASSERT_FAILS(net_sock_getsockname(fd, (struct sockaddr *)&a, &len), EBADF);
        ASSERT_FAILS(net_sock_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &type, sizeof(type)), EBADF);
    }
    ck_assert_int_eq(net_sock_close(t), 0);
    ASSERT_FAILS(net_sock_close(t), EBADF); // closed twice
    ck_assert_int_eq(net_sock_close(u), 0);
}
END_TEST

START_TEST(test_bind_errors)
{
    int u = net_sock_socket(AF_INET, SOCK_DGRAM, 0), t = net_sock_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = fx_addr(FX_IP_B, 7);
    ASSERT_FAILS(net_sock_bind(u, NULL, sizeof(a)), EFAULT);
    ASSERT_FAILS(net_sock_bind(u, (struct sockaddr *)&a, sizeof(a) - 1), EINVAL);
    a.sin_family = AF_UNSPEC;
    ASSERT_FAILS(net_sock_bind(u, (struct sockaddr *)&a, sizeof(a)), EAFNOSUPPORT);
    struct sockaddr_in other = fx_addr(0x0a000009, 7); // no stack has it
    ASSERT_FAILS(net_sock_bind(u, (struct sockaddr *)&other, sizeof(other)), EADDRNOTAVAIL);
    a = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
    ASSERT_FAILS(net_sock_bind(u, (struct sockaddr *)&a, sizeof(a)), EINVAL); // bound already
    int u2 = net_sock_socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_FAILS(net_sock_bind(u2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
    struct sockaddr_in any = fx_addr(0, 7);
    ASSERT_FAILS(net_sock_bind(u2, (struct sockaddr *)&any, sizeof(any)), EADDRINUSE);
    ck_assert_int_eq(net_sock_bind(t, (struct sockaddr *)&a, sizeof(a)), 0); // TCP's own ports
    ASSERT_FAILS(net_sock_bind(t, (struct sockaddr *)&a, sizeof(a)), EINVAL);
    int t2 = net_sock_socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_FAILS(net_sock_bind(t2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
    // Port 0: a port is picked; getsockname says which.
    struct sockaddr_in name;
    socklen_t len = sizeof(name);
    struct sockaddr_in zero = fx_addr(FX_IP_A, 0);
    ck_assert_int_eq(net_sock_bind(u2, (struct sockaddr *)&zero, sizeof(zero)), 0);
    ck_assert_int_eq(net_sock_getsockname(u2, (struct sockaddr *)&name, &len), 0);
    ck_assert_uint_eq(len, sizeof(name));
    ck_assert_uint_eq(ntohl(name.sin_addr.s_addr), FX_IP_A);
    ck_assert_uint_ne(name.sin_port, 0);
    // A short buffer gets what fits, and the full length.
    uint8_t small[4];
    len = sizeof(small);
    ck_assert_int_eq(net_sock_getsockname(u2, (struct sockaddr *)small, &len), 0);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
    ck_assert_mem_eq(small, &name, 4);
    ASSERT_FAILS(net_sock_getsockname(u2, NULL, &len), EFAULT);
}
END_TEST

START_TEST(test_udp_errors)
{
    int u = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    static uint8_t big[70000];
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ASSERT_FAILS(net_sock_send(u, "x", 1, 0), EDESTADDRREQ);
    ASSERT_FAILS(net_sock_sendto(u, big, 65508, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
    ASSERT_FAILS(net_sock_sendto(u, NULL, 5, 0, (struct sockaddr *)&to, sizeof(to)), EFAULT);
    ASSERT_FAILS(net_sock_sendto(u, "x", 1, 0, (struct sockaddr *)&to, 3), EINVAL);
    struct sockaddr_in port0 = fx_addr(FX_IP_B, 0);
    ASSERT_FAILS(net_sock_sendto(u, "x", 1, 0, (struct sockaddr *)&port0, sizeof(port0)), EINVAL);
    ASSERT_FAILS(
        net_sock_sendto(u, "x", 1, 0x8000 /* MSG_MORE */, (struct sockaddr *)&to, sizeof(to)),
        EOPNOTSUPP);
    ASSERT_FAILS(net_sock_recv(u, big, 10, 0x8000), EOPNOTSUPP);
    ASSERT_FAILS(net_sock_recv(u, NULL, 10, MSG_DONTWAIT), EFAULT);
    ASSERT_FAILS(net_sock_recv(u, big, 10, MSG_DONTWAIT), EAGAIN);
    ASSERT_FAILS(net_sock_listen(u, 1), EOPNOTSUPP);
    ASSERT_FAILS(net_sock_accept(u, NULL, NULL), EOPNOTSUPP);
    ASSERT_FAILS(net_sock_shutdown(u, SHUT_WR), ENOTCONN);
    ASSERT_FAILS(net_sock_connect(u, (struct sockaddr *)&port0, sizeof(port0)), EINVAL);
    // Off every stack's subnet, and no gateway.
    struct sockaddr_in far = fx_addr(0x0b000001, 7);
    ASSERT_FAILS(net_sock_sendto(u, "x", 1, 0, (struct sockaddr *)&far, sizeof(far)), ENETUNREACH);
    int any = fx_socket(SOCK_DGRAM, 0, 0);
    ASSERT_FAILS(net_sock_sendto(any, "x", 1, 0, (struct sockaddr *)&far, sizeof(far)),
                 ENETUNREACH);
    // The largest datagram goes (in 45 fragments).
    ck_assert_int_eq(net_sock_sendto(u, big, 65507, 0, (struct sockaddr *)&to, sizeof(to)), 65507);
    // Every UDP PCB in use.
    int n = 2, fds[16];
    for (; n < 16; n++) {
        fds[n] = net_sock_socket(AF_INET, SOCK_DGRAM, 0);
        if (fds[n] < 0)
            break;
    }
    ck_assert_int_eq(errno, ENOBUFS);
    ck_assert_int_lt(n, 16);
}
END_TEST

START_TEST(test_tcp_errors)
{
    int t = fx_socket(SOCK_STREAM, 0, 0);
    uint8_t b;
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ASSERT_FAILS(net_sock_send(t, "x", 1, 0), ENOTCONN);
    ASSERT_FAILS(net_sock_recv(t, &b, 1, 0), ENOTCONN);
    ASSERT_FAILS(net_sock_shutdown(t, SHUT_WR), ENOTCONN);
    ASSERT_FAILS(net_sock_shutdown(t, 7), EINVAL);
    ASSERT_FAILS(net_sock_accept(t, NULL, NULL), EINVAL); // not listening
    ASSERT_FAILS(net_sock_getpeername(t, (struct sockaddr *)&to, &(socklen_t){sizeof(to)}),
                 ENOTCONN);
    struct sockaddr_in bcast = fx_addr(0xffffffff, 7), port0 = fx_addr(FX_IP_B, 0);
    ASSERT_FAILS(net_sock_connect(t, (struct sockaddr *)&bcast, sizeof(bcast)), ENETUNREACH);
    ASSERT_FAILS(net_sock_connect(t, (struct sockaddr *)&port0, sizeof(port0)), EINVAL);
    struct sockaddr_in far = fx_addr(0x0b000001, 7);
    ASSERT_FAILS(net_sock_connect(t, (struct sockaddr *)&far, sizeof(far)), ENETUNREACH);
    ASSERT_FAILS(net_sock_connect(t, (struct sockaddr *)&to, 2), EINVAL);
    int l = fx_socket(SOCK_STREAM, FX_IP_B, 7);
    ck_assert_int_eq(net_sock_listen(l, 1), 0);
    ck_assert_int_eq(net_sock_listen(l, 3), 0); // a new backlog
    ASSERT_FAILS(net_sock_connect(l, (struct sockaddr *)&to, sizeof(to)), EINVAL);
    ASSERT_FAILS(net_sock_send(l, "x", 1, 0), ENOTCONN);
    ASSERT_FAILS(net_sock_accept(l, (struct sockaddr *)&to, NULL), EFAULT);
    ck_assert_int_eq(net_sock_fcntl(l, F_SETFL, O_NONBLOCK), 0);
    ASSERT_FAILS(net_sock_accept(l, NULL, NULL), EAGAIN);
    // A second listener on the port.
    int l2 = net_sock_socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_FAILS(net_sock_bind(l2, (struct sockaddr *)&to, sizeof(to)), EADDRINUSE);
    ck_assert_int_eq(net_sock_connect(t, (struct sockaddr *)&to, sizeof(to)), 0);
    ASSERT_FAILS(net_sock_connect(t, (struct sockaddr *)&to, sizeof(to)), EISCONN);
    ASSERT_FAILS(net_sock_sendto(t, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), EISCONN);
    ASSERT_FAILS(net_sock_bind(t, (struct sockaddr *)&to, sizeof(to)), EINVAL);
    ASSERT_FAILS(net_sock_listen(t, 1), EINVAL);
    ASSERT_FAILS(net_sock_recv(t, &b, 1, MSG_DONTWAIT), EAGAIN);
    int s = net_sock_accept(l, NULL, NULL);
    ck_assert_int_ge(s, 0);
    // The send buffer fills (nobody reads): EAGAIN without waiting, and a
    // partial count when some went.
    static uint8_t big[65536];
    ssize_t n = net_sock_send(t, big, sizeof(big), MSG_DONTWAIT);
    ck_assert_int_gt(n, 0);
    ck_assert_int_lt(n, (ssize_t)sizeof(big));
    for (int i = 0; i < 4 && n > 0; i++) {
        fx_run(100000);
        n = net_sock_send(t, big, sizeof(big), MSG_DONTWAIT);
    }
    ck_assert_int_eq(n, -1);
    ck_assert_int_eq(errno, EAGAIN);
    struct timeval tv = {.tv_sec = 1};
    ck_assert_int_eq(net_sock_setsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    uint64_t start = simq_now_us;
    ASSERT_FAILS(net_sock_send(t, big, 100, 0), EAGAIN);
    ck_assert_uint_ge(simq_now_us - start, 1000000);
    ck_assert_int_eq(net_sock_close(s), 0); // unread data: a reset
    ck_assert_int_eq(net_sock_recv(t, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    ASSERT_FAILS(net_sock_send(t, "x", 1, 0), EPIPE);
    ASSERT_FAILS(net_sock_connect(t, (struct sockaddr *)&to, sizeof(to)), EISCONN);
}
END_TEST

START_TEST(test_options)
{
    int u = net_sock_socket(AF_INET, SOCK_DGRAM, 0), t = net_sock_socket(AF_INET, SOCK_STREAM, 0);
    int v = 1, got;
    socklen_t len = sizeof(got);
    ck_assert_int_eq(net_sock_setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
    ck_assert_int_eq(net_sock_getsockopt(u, SOL_SOCKET, SO_REUSEADDR, &got, &len), 0);
    ck_assert_int_eq(got, 1);
    ck_assert_uint_eq(len, sizeof(int));
    ck_assert_int_eq(net_sock_setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), 0);
    ck_assert_int_eq(net_sock_getsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &got, &len), 0);
    ck_assert_int_eq(got, 1);
    struct timeval tv = {.tv_sec = 2, .tv_usec = 500}, back;
    len = sizeof(back);
    ck_assert_int_eq(net_sock_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    ck_assert_int_eq(net_sock_getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &back, &len), 0);
    ck_assert_int_eq(back.tv_sec, 2);
    ck_assert_int_eq(back.tv_usec, 500);
    struct timeval bad = {.tv_sec = 0, .tv_usec = 1000000};
    ASSERT_FAILS(net_sock_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof(bad)), EDOM);
    ASSERT_FAILS(net_sock_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv) - 1), EINVAL);
    ASSERT_FAILS(net_sock_setsockopt(u, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof(v)), EFAULT);
    ASSERT_FAILS(net_sock_setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
    ASSERT_FAILS(net_sock_setsockopt(u, SOL_SOCKET, 999, &v, sizeof(v)), ENOPROTOOPT);
    ASSERT_FAILS(net_sock_setsockopt(u, 999, SO_REUSEADDR, &v, sizeof(v)), ENOPROTOOPT);
    ASSERT_FAILS(net_sock_setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), ENOPROTOOPT);
    ASSERT_FAILS(net_sock_setsockopt(u, SOL_SOCKET, SO_LINGER, &v, sizeof(v)), ENOPROTOOPT);
    struct linger lg = {.l_onoff = 1, .l_linger = 5};
    ASSERT_FAILS(net_sock_setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), EOPNOTSUPP);
    lg.l_linger = 0;
    ck_assert_int_eq(net_sock_setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    struct linger lb;
    len = sizeof(lb);
    ck_assert_int_eq(net_sock_getsockopt(t, SOL_SOCKET, SO_LINGER, &lb, &len), 0);
    ck_assert_int_eq(lb.l_onoff, 1);
    len = 1;
    ASSERT_FAILS(net_sock_getsockopt(u, SOL_SOCKET, SO_ERROR, &got, &len), EINVAL);
    ASSERT_FAILS(net_sock_getsockopt(u, SOL_SOCKET, SO_ERROR, NULL, &len), EFAULT);
    len = sizeof(got);
    ASSERT_FAILS(net_sock_getsockopt(u, SOL_SOCKET, 999, &got, &len), ENOPROTOOPT);
    ASSERT_FAILS(net_sock_getsockopt(u, 999, SO_ERROR, &got, &len), ENOPROTOOPT);
}
END_TEST

START_TEST(test_fcntl_and_timeouts)
{
    int u = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    ck_assert_int_eq(net_sock_fcntl(u, F_GETFL, 0), O_RDWR);
    ck_assert_int_eq(net_sock_fcntl(u, F_SETFL, O_NONBLOCK | O_RDWR), 0);
    ck_assert_int_eq(net_sock_fcntl(u, F_GETFL, 0), O_RDWR | O_NONBLOCK);
    uint8_t b;
    uint64_t start = simq_now_us;
    ASSERT_FAILS(net_sock_recv(u, &b, 1, 0), EWOULDBLOCK);
    ck_assert_uint_lt(simq_now_us - start, 1000); // it did not wait
    ck_assert_int_eq(net_sock_fcntl(u, F_SETFL, 0), 0);
    ASSERT_FAILS(net_sock_fcntl(u, 99, 0), EINVAL);
    int s = net_sock_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ck_assert_int_eq(net_sock_fcntl(s, F_GETFL, 0), O_RDWR | O_NONBLOCK);
    // SO_RCVTIMEO: EAGAIN after that much (simulated) time.
    struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
    ck_assert_int_eq(net_sock_setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    start = simq_now_us;
    ASSERT_FAILS(net_sock_recv(u, &b, 1, 0), EAGAIN);
    ck_assert_uint_ge(simq_now_us - start, 300000);
    ck_assert_uint_lt(simq_now_us - start, 310000);
    // SO_RCVTIMEO also bounds accept.
    int l = fx_socket(SOCK_STREAM, FX_IP_B, 80);
    ck_assert_int_eq(net_sock_listen(l, 1), 0);
    ck_assert_int_eq(net_sock_setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    ASSERT_FAILS(net_sock_accept(l, NULL, NULL), EAGAIN);
}
END_TEST

START_TEST(test_descriptor_limit)
{
    ck_assert_int_eq(net_sock_set_max(2), 0);
    int a = net_sock_socket(AF_INET, SOCK_DGRAM, 0), b = net_sock_socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(b, 0);
    ASSERT_FAILS(net_sock_socket(AF_INET, SOCK_DGRAM, 0), EMFILE);
    // accept() with no descriptor free leaves the connection waiting.
    ck_assert_int_eq(net_sock_close(b), 0);
    int l = fx_socket(SOCK_STREAM, FX_IP_B, 7);
    ck_assert_int_eq(net_sock_listen(l, 2), 0);
    ck_assert_int_eq(net_sock_set_max(NET_SOCK_MAX), 0);
    int c = fx_socket(SOCK_STREAM, 0, 0);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
    ck_assert_int_eq(net_sock_set_max(3), 0);
    ASSERT_FAILS(net_sock_accept(l, NULL, NULL), EMFILE);
    ck_assert_int_eq(net_sock_close(a), 0);
    ck_assert_int_ge(net_sock_accept(l, NULL, NULL), 0);
    ASSERT_FAILS(net_sock_set_max(0), EINVAL);
    ASSERT_FAILS(net_sock_set_max(NET_SOCK_MAX + 1), EINVAL);
    ck_assert_int_eq(net_sock_set_max(NET_SOCK_MAX), 0);
    struct net_sock_stats st;
    net_sock_stats(&st);
    ck_assert_uint_eq(st.open, 3);
    ck_assert_uint_eq(st.unaccepted, 0);
}
END_TEST

START_TEST(test_poll)
{
    int u = fx_socket(SOCK_DGRAM, FX_IP_B, 7), c = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    struct pollfd p[4] = {{.fd = u, .events = POLLIN},
                          {.fd = -5, .events = POLLIN},
                          {.fd = 60, .events = POLLIN},
                          {.fd = c, .events = POLLOUT}};
    // Negative descriptors are skipped; closed ones are POLLNVAL.
    ck_assert_int_eq(net_sock_poll(p, 4, 0), 2);
    ck_assert_int_eq(p[0].revents, 0);
    ck_assert_int_eq(p[1].revents, 0);
    ck_assert_int_eq(p[2].revents, POLLNVAL);
    ck_assert_int_eq(p[3].revents, POLLOUT);
    // A timeout in milliseconds of simulated time.
    uint64_t start = simq_now_us;
    ck_assert_int_eq(net_sock_poll(p, 1, 250), 0);
    ck_assert_uint_ge(simq_now_us - start, 250000);
    ck_assert_uint_lt(simq_now_us - start, 260000);
    // A datagram wakes it.
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_sendto(c, "hi", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
    ck_assert_int_eq(net_sock_poll(p, 1, -1), 1);
    ck_assert_int_eq(p[0].revents, POLLIN);
    // A fresh TCP socket: writable and hung up (as Linux).
    int t = net_sock_socket(AF_INET, SOCK_STREAM, 0);
    struct pollfd q = {.fd = t, .events = POLLIN | POLLOUT};
    ck_assert_int_eq(net_sock_poll(&q, 1, 0), 1);
    ck_assert_int_eq(q.revents, POLLOUT | POLLHUP);
    ASSERT_FAILS(net_sock_poll(NULL, 1, 0), EFAULT);
    ASSERT_FAILS(net_sock_poll(p, 100000, 0), EINVAL);
    ck_assert_int_eq(net_sock_poll(NULL, 0, 0), 0);
}
END_TEST

// With no stack open, a call that has to wait fails.
START_TEST(test_no_network)
{
    int u = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    ck_assert(err_is_ok(net_stack_close(fx.a)));
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.a = fx.b = NULL;
    uint8_t b;
    ASSERT_FAILS(net_sock_recv(u, &b, 1, 0), ENETDOWN);
    struct pollfd p = {.fd = u, .events = POLLIN};
    ASSERT_FAILS(net_sock_poll(&p, 1, 100), ENETDOWN);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ASSERT_FAILS(net_sock_sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), ENETUNREACH);
    ck_assert_int_eq(net_sock_close(u), 0);
}
END_TEST

static Suite *socket_suite(void)
{
    Suite *s = suite_create("net_socket");
    TCase *tc = tcase_create("socket");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_test(tc, test_socket_errors);
    tcase_add_test(tc, test_bind_errors);
    tcase_add_test(tc, test_udp_errors);
    tcase_add_test(tc, test_tcp_errors);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_fcntl_and_timeouts);
    tcase_add_test(tc, test_descriptor_limit);
    tcase_add_test(tc, test_poll);
    tcase_add_test(tc, test_no_network);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(socket_suite)
