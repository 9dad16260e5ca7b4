/*
 * kernel/include/remote.h: capabilities that cross cores.
 *
 * Each core's CPU driver has its own mapping database; cores share nothing
 * in the kernel. A cap crosses cores as a description, carried by the
 * monitors over their channels: the sending core exports it (marking every
 * local copy EXPORTED), the receiving core imports it (a new root marked
 * IMPORTED). Imported Frames and DevFrames are FOREIGN: mapped, copied,
 * never retyped. Imported RAM is given: the receiving core owns it (for
 * core-local allocation) and the sending core can no longer retype it.
 * Revoking (or deleting) an EXPORTED cap reports that other cores hold
 * copies; the monitors then revoke them everywhere (caps_revoke_imported)
 * before the revoke counts as done. An EXPORTED cap's last copy cannot be
 * deleted (CAP_ERR_LAST_COPY_BUSY): that would let its memory be reused.
 */
#pragma once

#include <caps.h>

// Describe the cap in c for another core and mark its copies EXPORTED.
// RAM, Frame, DevFrame and IRQDest only (CAP_ERR_NOT_EXPORTABLE); RAM only
// without descendants here (CAP_ERR_HAS_DESCENDANTS). An imported cap is
// described as it is, unmarked: its owner's revokes reach every core.
MUST_CHECK errval_t caps_export(struct cte *c, struct capability *out);

// caps_export in two steps: the check (changes nothing), the apply (cannot fail).
MUST_CHECK errval_t caps_export_check(const struct cte *c);
void caps_export_apply(struct cte *c, struct capability *out);

// Install a cap another core exported into the empty slot dest.
// CAP_ERR_ROOT_OVERLAP if it overlaps anything here other than copies of
// the same imported object. A cap back on the core it came from becomes
// another copy of the object (say, a Frame passed between two processes
// of one core through init on another).
MUST_CHECK errval_t caps_import(struct cte *dest, const struct capability *cap);

// caps_import in two steps: the check (changes nothing), the apply (cannot fail).
MUST_CHECK errval_t caps_import_check(const struct cte *dest, const struct capability *cap);
void caps_import_apply(struct cte *dest, const struct capability *cap);

// Delete every imported cap here whose memory lies in [base, base+bytes),
// every copy of it and everything made from it. Returns how many imported
// objects went.
unsigned caps_revoke_imported(uint64_t base, uint64_t bytes);

// The revoke is complete everywhere: c's object is no longer shared.
void caps_unexport(struct cte *c);
