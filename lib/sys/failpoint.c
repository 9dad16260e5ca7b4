/* lib/sys/failpoint.c: the injected-failure counter (sys/failpoint.h). */
#include <sys/failpoint.h>

unsigned failpoint_countdown;
