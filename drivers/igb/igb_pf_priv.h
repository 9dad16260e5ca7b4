/* drivers/igb/igb_pf_priv.h: what igb_pf.c and igb_pf_mbx.c share inside the PF driver. */
#pragma once

#include <igb/igb_defines.h>
#include <igb/igb_mbx.h>
#include <igb/igb_pf.h>
#include <igb/igb_regs.h>

uint32_t igb_pf_rd(const struct igb_pf *pf, uint32_t off);
void igb_pf_wr(struct igb_pf *pf, uint32_t off, uint32_t v);

// SYS_ERR_OK if VFs are enabled and vf is one of them.
MUST_CHECK errval_t igb_pf_check_vf(const struct igb_pf *pf, unsigned vf);

// VF vf's receive address entry from its assigned MAC (cleared if none).
void igb_pf_program_mac(struct igb_pf *pf, unsigned vf);

// VFRE/VFTE for vf: on exactly when it is allowed, reset and has a MAC.
void igb_pf_apply_pool(struct igb_pf *pf, unsigned vf);

// VF vf's pool was just turned on or off: on QEMU's model, whole-device
// RSS (igb_pf_set_vf_rss) ends when its VF stops or another VF starts.
void igb_pf_rss_pool_changed(struct igb_pf *pf, unsigned vf, bool on);
