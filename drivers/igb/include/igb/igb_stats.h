/* drivers/igb/include/igb/igb_stats.h: one pool's counters, as both igb drivers read them. */
#pragma once

#include <stdint.h>

// Per-pool statistics QEMU keeps in VMDq mode (PF: PVF* mirrors; VF: VF*
// registers), never cleared. Octet counts include 4 bytes of FCS per frame;
// QEMU counts loopback traffic in these (its *LBC loopback counters stay 0).
struct igb_pool_stats {
    uint32_t rx_packets, tx_packets, rx_octets, tx_octets, rx_multicast;
};
