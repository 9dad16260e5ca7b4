# hake/rules.mk: Sietch's build rule library (the "hake" of Barrelfish, in Make).
#
# Every source is compiled once per world it is used in, into
# $(BUILD)/<world>/<path>.o, with header dependencies in .d files beside it.
# Hakefiles declare targets with the templates below, e.g.
#
#   $(eval $(call add_lib,user,c,$(LIBC_SRCS)))
#   $(eval $(call user_prog,init,usr/init/main.c,sys c base))
#   $(eval $(call host_test,check_bootmem,tests/unit/..../check_bootmem.c cpudriver/bootmem.c,base))
#
# World names: kern (CPU driver), user (user space), host (unit tests).

ifeq ($(V),1)
  Q :=
  msg = @true
else
  Q := @
  msg = @printf '  %-7s %s\n' $(1) $(2)
endif

kern_CC := $(TARGET_CC)
user_CC := $(TARGET_CC)
host_CC := $(HOST_CC)
kern_AR := $(TARGET_AR)
user_AR := $(TARGET_AR)
host_AR := $(HOST_AR)
kern_FLAGS = $(KERN_CFLAGS) $(KERN_INCLUDES)
user_FLAGS = $(USER_CFLAGS) $(USER_INCLUDES)
host_FLAGS = $(HOST_CFLAGS) $(HOST_INCLUDES)
kern_SFLAGS = $(KERN_ASFLAGS)
user_SFLAGS = $(USER_ASFLAGS)
host_SFLAGS = -g -MMD -MP $(HOST_INCLUDES)

# $(call objs,WORLD,SRCS): the object files of SRCS in WORLD.
objs = $(patsubst %,$(BUILD)/$(1)/%.o,$(2))

# $(call libs,WORLD,NAMES): the archives of libraries NAMES in WORLD.
libs = $(foreach l,$(2),$(BUILD)/$(1)/lib/lib$(l).a)

# A compile_commands.json fragment is written beside every object.
define compile_rules
$(BUILD)/$(1)/%.c.o: %.c hake/toolchain.mk
	@mkdir -p $$(@D)
	$$(call msg,CC-$(1),$$<)
	$$(Q)$$($(1)_CC) $$($(1)_FLAGS) $$(EXTRA_CFLAGS_$$<) -c $$< -o $$@
	@printf '{"directory":"%s","file":"%s","command":"%s"},\n' \
	  "$$(CURDIR)" "$$<" "$$($(1)_CC) $$($(1)_FLAGS) -c $$< -o $$@" > $$@.json

$(BUILD)/$(1)/%.S.o: %.S hake/toolchain.mk
	@mkdir -p $$(@D)
	$$(call msg,AS-$(1),$$<)
	$$(Q)$$($(1)_CC) $$($(1)_SFLAGS) -c $$< -o $$@
endef
$(eval $(call compile_rules,kern))
$(eval $(call compile_rules,user))
$(eval $(call compile_rules,host))

# $(call add_lib,WORLD,NAME,SRCS): the static library lib<NAME>.a in WORLD.
define add_lib
$(BUILD)/$(1)/lib/lib$(2).a: $(call objs,$(1),$(3))
	@mkdir -p $$(@D)
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && $$($(1)_AR) rcs $$@ $$^
OBJS_$(1) += $(call objs,$(1),$(3))
LIBS_$(1) += $(BUILD)/$(1)/lib/lib$(2).a
endef

# $(call kern_image,NAME,SRCS,LDSCRIPT,LIBS): a CPU driver ELF image.
define kern_image
$(BUILD)/sbin/$(1): $(call objs,kern,$(2)) $(call libs,kern,$(4)) $(3)
	@mkdir -p $$(@D)
	$$(call msg,LD,$$@)
	$$(Q)$$(TARGET_CC) $$(KERN_LDFLAGS) -T $(3) -o $$@ $(call objs,kern,$(2)) \
	  -Wl,--start-group $(call libs,kern,$(4)) -Wl,--end-group
OBJS_kern += $(call objs,kern,$(2))
KERN_IMAGES += $(BUILD)/sbin/$(1)
endef

# $(call user_prog,NAME,SRCS,LIBS): a user program, a boot module.
define user_prog
$(BUILD)/sbin/$(1): $(call objs,user,$(2)) $(call libs,user,$(3)) $$(USER_LDSCRIPT) $$(USER_CRT)
	@mkdir -p $$(@D)
	$$(call msg,LD,$$@)
	$$(Q)$$(TARGET_CC) $$(USER_LDFLAGS) -T $$(USER_LDSCRIPT) -o $$@ $$(USER_CRT) \
	  $(call objs,user,$(2)) -Wl,--start-group $(call libs,user,$(3)) -Wl,--end-group
OBJS_user += $(call objs,user,$(2))
USER_PROGS += $(BUILD)/sbin/$(1)
endef

# $(call host_test,NAME,SRCS,LIBS): a Check unit-test binary run by `make test`.
define host_test
$(BUILD)/host/bin/$(1): $(call objs,host,$(2)) $(call libs,host,$(3))
	@mkdir -p $$(@D)
	$$(call msg,LD-host,$$@)
	$$(Q)$$(HOST_CC) $$(HOST_LDFLAGS) -o $$@ $(call objs,host,$(2)) $(call libs,host,$(3)) $$(HOST_LIBS)
OBJS_host += $(call objs,host,$(2))
UNIT_TESTS += $(BUILD)/host/bin/$(1)
endef
