/* lib/c/include/unistd.h: POSIX's system interface, as far as Sietch has one: close. */
#pragma once

// Sockets are Sietch's only file descriptors: close is lib/os/net's
// (EBADF for anything that is not an open socket).
int close(int fd);
