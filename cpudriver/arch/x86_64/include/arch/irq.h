/* cpudriver/arch/x86_64/include/arch/irq.h: interrupts for user space (IRQ caps, IOAPIC). */
#pragma once

#include <invocation.h>
#include <kpi/types.h>

struct endpoint;

// Use the IOAPIC at ioapic_base (from the MADT; 0: the standard address)
// and mask all its inputs.
void irq_init(paddr_t ioapic_base);

// The invocation table's rows for IRQDest and IRQSrc caps (invocation.h).
extern const struct inv_handler irqdest_invocations[INV_CMDS];
extern const struct inv_handler irqsrc_invocations[INV_CMDS];

// The endpoint is being destroyed: disconnect every vector bound to it.
void irq_endpoint_destroyed(const struct endpoint *ep);

// Number of IOAPIC inputs (GSIs) found.
unsigned irq_gsi_count(void);
