/* drivers/igb/igb_vf_priv.h: what igb_vf.c and igb_vf_ring.c share inside the VF driver. */
#pragma once

#include <igb/igb_defines.h>
#include <igb/igb_desc.h>
#include <igb/igb_mbx.h>
#include <igb/igb_regs.h>
#include <igb/igb_vf.h>

uint32_t igb_vf_rd(const struct igb_vf *vf, uint32_t off);
void igb_vf_wr(struct igb_vf *vf, uint32_t off, uint32_t v);
