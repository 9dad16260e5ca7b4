/*
 * tests/unit/igb/igb_model.h: a model of QEMU 10's igb (82576) for the
 * driver tests: the PF's register file with the side effects QEMU gives
 * them (hw/net/igb_core.c), the VFs' register BARs mapped onto it as
 * igbvf.c does, and a DMA arena the device reads descriptors and frames
 * from and writes them to.
 *
 * Modelled: reset, MDIC and auto-negotiation, the mailbox, VF resets
 * (VFLRE), VMDq receive (pool selection by destination MAC, broadcast
 * replication, VLAN pool filters, default pool, VFRE, oversize), the
 * transmit path with pool-to-pool loopback and VLAN insertion, per-pool
 * statistics, extended interrupts in MSI-X mode (counted per VF
 * vector), and RSS for IPv4 (Toeplitz over RSSRK, RETA): QEMU hashes only
 * with VMDq off (MRQC 1:0 = 10b), every frame the receive addresses take
 * going to queue RETA[hash] & 15; with `board`, VMDq + RSS per pool
 * (VMOLR.RSSE, RETA bit 3) as the datasheet has it. QEMU has no anti-spoofing and no rate
 * scheduler; with `board` set the model is an 82576 on a board instead, for the parts the driver
 * programs only there: source-MAC anti-spoofing on transmit (a spoofed
 * frame is dropped and its pool recorded in WVBR) and the rate
 * scheduler's registers (RTTBCNRC per queue selected by RTTDQSEL). On
 * QEMU's model an access to those registers is a bad access. Not modelled because the drivers do
 * not use them: IPv6 RSS, header split, legacy interrupts, multicast tables, checksum offload
 * (rx_error_bits injects its error bits instead).
 */
#pragma once

#include <base/mmio.h>
#include <igb/igb_defines.h>
#include <igb/igb_desc.h>
#include <igb/igb_mbx.h>
#include <igb/igb_regs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IGBM_REGS       (0x11800 / 4)
#define IGBM_PAGES      96
#define IGBM_IOVA_BASE  0x40000000ull
#define IGBM_WIRE       64 // frames remembered that left on the wire
#define IGBM_FRAME      2048
#define IGBM_PF_VECTORS 10 // the PF's own MSI-X entries (QEMU IGB_MSIX_VEC_NUM)

struct igbm_frame {
    uint8_t data[IGBM_FRAME];
    uint16_t len;
};

struct igb_model;

struct igbm_port { // what a VF's struct mmio points at
    struct igb_model *m;
    unsigned vf;
};

struct igb_model {
    uint32_t r[IGBM_REGS]; // PF registers by offset / 4
    uint16_t phy[32];
    uint8_t perm_mac[6];
    unsigned num_vfs; // as set in the PF's SR-IOV capability
    uint64_t now_us;  // the clock: every look at it costs clock_step_us
    uint64_t clock_step_us;
    uint64_t autoneg_done_at; // 0: no auto-negotiation running

    // Faults to inject.
    bool rst_stuck, mdic_never_ready, mdic_error;
    bool gone;              // surprise removal: every read returns all ones
    uint32_t rx_error_bits; // put in the status of every received frame's last descriptor
    uint32_t rx_csum_bits;  // likewise: the checksums it says it checked (IGB_RXD_STAT_IPCS ...)
    bool board;             // an 82576 on a board, not QEMU's model (above)

    // What the device did.
    struct igbm_frame wire[IGBM_WIRE];
    unsigned nwire;
    unsigned msix[8][IGB_VF_MSIX_VECTORS]; // messages sent per VF vector
    unsigned pf_msix[IGBM_PF_VECTORS];     // messages sent per PF vector
    unsigned tdt_writes[IGB_QUEUES];
    unsigned rx_no_buffer;         // frames a queue had no room for (RXO)
    unsigned rx_queue[IGB_QUEUES]; // frames written to each queue
    unsigned roc;                  // oversized frames
    unsigned bad_accesses;         // VF registers QEMU does not map, unknown PF ones
    unsigned resets;
    uint32_t rate[IGB_QUEUES]; // board: RTTBCNRC as written for each queue
    unsigned spoofed;          // board: frames dropped by anti-spoofing

    struct igbm_port port[8];
    uint8_t mem[IGBM_PAGES][4096] __attribute__((aligned(4096)));
};

// Power on: every register at QEMU's reset value, mac the permanent address.
void igbm_init(struct igb_model *m, const uint8_t mac[6]);

struct mmio igbm_pf_mmio(struct igb_model *m);
struct mmio igbm_vf_mmio(struct igb_model *m, unsigned vf);

// The clock hook (arg: the model). Completes auto-negotiation when due.
uint64_t igbm_clock(void *arg);

// DMA memory: pages [first, first + n) of the arena; a byte's CPU address.
struct igbm_dma {
    void *va;
    uint64_t iova;
    uint64_t bytes;
};
struct igbm_dma igbm_pages(struct igb_model *m, unsigned first, unsigned n);
void *igbm_va(struct igb_model *m, uint64_t iova, size_t len);

// A frame arrives from the wire.
void igbm_receive(struct igb_model *m, const uint8_t *frame, size_t len);

// A PF register as the driver left it (no read side effects).
uint32_t igbm_reg(const struct igb_model *m, uint32_t off);
