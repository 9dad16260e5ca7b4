/* usr/monitor/main.c: the monitor of a further core (issue 6): placeholder being built. */
#include <kpi/init.h>
#include <stdio.h>

int main(void)
{
    const struct bootinfo *bi = (const struct bootinfo *)INIT_BOOTINFO_VA;
    printf("monitor: core %u of %u online, %lu MiB of RAM\n", bi->core, bi->core_count,
           bi->ram_bytes >> 20);
    return 0;
}
