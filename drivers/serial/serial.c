/* drivers/serial/serial.c: 16550 input by interrupt, through I/O and IRQ caps. */
#include <serial/serial.h>
#include <sys/lmp.h>

// 16550 registers (PC16550D datasheet), offsets from the base port.
#define UART_RBR 0 // receive buffer
#define UART_IER 1 // interrupt enable: bit 0 = received data available
#define UART_MCR 4 // modem control: bit 3 = OUT2 (gates the IRQ line on PCs)
#define UART_LSR 5 // line status: bit 0 = data ready
#define IER_RX   0x01
#define MCR_OUT2 0x08
#define LSR_DR   0x01

static uint32_t in(struct serial *s, unsigned reg)
{
    uint32_t v = 0;
    err_ignore(invoke_io_in(s->io, (uint16_t)(s->base + reg), 1, &v),
               "reading the UART's status only clears it: the value does not matter");
    return v;
}

errval_t serial_init(struct serial *s, uint16_t base, capref_t io, capref_t irqsrc,
                     capref_t irqdest, capref_t ep, capref_t notify)
{
    *s = (struct serial){.io = io, .irqsrc = irqsrc, .ep = ep, .base = base};
    errval_t err = invoke_irqdest_connect(irqdest, notify);
    if (err_is_ok(err))
        err = invoke_irqsrc_route(irqsrc, irqdest, 0); // ISA: edge, active high
    if (err_is_ok(err))
        err = invoke_io_out(io, (uint16_t)(base + UART_MCR), 1, in(s, UART_MCR) | MCR_OUT2);
    if (err_is_ok(err))
        err = invoke_io_out(io, (uint16_t)(base + UART_IER), 1, IER_RX);
    return err;
}

size_t serial_poll(struct serial *s, char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && (in(s, UART_LSR) & LSR_DR))
        buf[n++] = (char)in(s, UART_RBR);
    return n;
}

errval_t serial_ack(struct serial *s) { return invoke_irqsrc_ack(s->irqsrc); }

size_t serial_read(struct serial *s, char *buf, size_t len)
{
    for (;;) {
        size_t n = serial_poll(s, buf, len);
        if (n)
            return n;
        // Empty: the next byte raises an edge, a notification on our endpoint.
        struct lmp_recv_msg m;
        if (err_is_fail(lmp_recv(s->ep, 0, NULL_CAP, &m)))
            return 0;
        // a failed unmask shows as no more input; nothing to do here
        err_ignore(serial_ack(s), "the next interrupt acknowledges again");
    }
}
