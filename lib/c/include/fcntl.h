/* lib/c/include/fcntl.h: file status flags (sockets' O_NONBLOCK; defined by lib/os/net). */
#pragma once

#define O_RDONLY   00
#define O_WRONLY   01
#define O_RDWR     02
#define O_NONBLOCK 04000

#define F_GETFL 3
#define F_SETFL 4

// F_GETFL returns the flags (O_RDWR, and O_NONBLOCK if set); F_SETFL takes
// an int and sets O_NONBLOCK from it (other bits are ignored, as on Linux).
int fcntl(int fd, int cmd, ...);
