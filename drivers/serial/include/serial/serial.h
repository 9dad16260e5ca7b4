/* drivers/serial/include/serial/serial.h: a 16550 UART's input, driven from user space. */
#pragma once

#include <stddef.h>
#include <sys/caps.h>

struct serial {
    capref_t io;     // the UART's I/O ports (base .. base+7)
    capref_t irqsrc; // its IOAPIC input
    capref_t ep;     // where its interrupts arrive (a notification endpoint we receive on)
    uint16_t base;
};

// Take over input of the UART at base: route its interrupt (irqsrc, edge)
// to irqdest's vector, connected to the endpoint ep with the badge of
// notify (a badged send cap to ep); enable its receive interrupt. Output
// stays with the CPU driver's console.
MUST_CHECK errval_t serial_init(struct serial *s, uint16_t base, capref_t io, capref_t irqsrc,
                                capref_t irqdest, capref_t ep, capref_t notify);

// Read at least one byte (blocking), at most len. Every notification on
// ep is taken as the UART's: a program that has other notifications come
// to ep uses serial_poll and serial_ack in its own loop instead.
size_t serial_read(struct serial *s, char *buf, size_t len);

// What has arrived, at most len bytes, without waiting (0: nothing yet).
size_t serial_poll(struct serial *s, char *buf, size_t len);

// After a notification with the UART's badge: let its interrupt come again
// (it is masked from when it fires until then). Poll after this, not
// before: a byte that came meanwhile raised no new notification.
MUST_CHECK errval_t serial_ack(struct serial *s);
