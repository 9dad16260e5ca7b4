# hake/image.mk: boot images. A boot menu (hake/menu.lst, or a test's menu)
# becomes a GRUB ISO through tools/mkiso, which checks every file it names.

MENU ?= hake/menu.lst
KARGS ?=
IMAGE_SEARCH = $(BUILD)/sbin

# Rebuild the image when the extra kernel arguments change.
$(BUILD)/kargs.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(KARGS)' | cmp -s - $@ 2>/dev/null || echo '$(KARGS)' > $@

$(BUILD)/sietch.iso: $(MENU) $(KERN_IMAGES) $(USER_PROGS) tools/mkiso $(BUILD)/kargs.stamp
	$(call msg,ISO,$@)
	$(Q)tools/mkiso --menu $(MENU) --search $(IMAGE_SEARCH) --out $@ --kargs '$(KARGS)'

.PHONY: FORCE
FORCE:
