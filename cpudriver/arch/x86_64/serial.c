/* cpudriver/arch/x86_64/serial.c: COM1 as the kernel console, polled. */
#include <arch/serial.h>
#include <arch/x86.h>
#include <console.h>

// 16550 UART registers, offsets from the I/O base (PC16550D datasheet).
#define COM1           0x3f8
#define UART_THR       0 // transmit holding (write), receive buffer (read)
#define UART_IER       1 // interrupt enable; divisor high with DLAB
#define UART_FCR       2 // FIFO control
#define UART_LCR       3 // line control; bit 7 = DLAB
#define UART_MCR       4 // modem control
#define UART_LSR       5 // line status
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00); // no UART interrupts: the console polls
    outb(COM1 + UART_LCR, 0x80); // DLAB on: set the divisor
    outb(COM1 + UART_THR, 0x01); // 115200 baud (divisor 1)
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x03); // 8 bits, no parity, 1 stop bit
    outb(COM1 + UART_FCR, 0xc7); // FIFOs on and cleared
    outb(COM1 + UART_MCR, 0x03); // DTR, RTS
}

void serial_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
        pause();
    outb(COM1 + UART_THR, (uint8_t)c);
}

bool serial_getc(char *c)
{
    if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
        return false;
    *c = (char)inb(COM1 + UART_THR);
    return true;
}

void arch_console_putc(char c) { serial_putc(c); }
