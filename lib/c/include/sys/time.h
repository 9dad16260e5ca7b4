/* lib/c/include/sys/time.h: struct timeval (socket timeouts: SO_RCVTIMEO, SO_SNDTIMEO). */
#pragma once

#include <sys/types.h>

// A duration or a time: tv_usec is 0..999999. No clock functions yet
// (Sietch has no gettimeofday); the struct is for socket options.
struct timeval {
    time_t tv_sec;
    suseconds_t tv_usec;
};
