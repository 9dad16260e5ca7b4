/* cpudriver/arch/x86_64/include/arch/serial.h: the COM1 console UART (16550). */
#pragma once

#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);

// Returns true and a byte if one is waiting; never blocks.
bool serial_getc(char *c);
