/* tests/bench/linux/udpecho.c: the Linux baseline's UDP echo (make bench), built for the Linux
 * guest.
 *
 * The same loop as Sietch's `udpecho` (POSIX variant): recvfrom, then
 * sendto the same bytes back, on the port given (7 by default). Built with
 * the host's compiler, statically, into the Linux guest's initramfs by
 * tools/linux-guest; it is not part of Sietch.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

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
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
        if (n < 0) {
            perror("linux-udpecho: recvfrom");
            return 1;
        }
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
    }
}
