# Rampart build. `make` builds build/rampart; `make test` and `make demo` also set up
# what they need (packaging/setup.sh) first. See README.md.
BUILD ?= build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-format-truncation \
	  -Iinclude -Ienforcer -I$(BUILD)
LDLIBS := -lbpf -ljson-c -lseccomp -lelf -lz
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Iinclude -I$(BUILD)

HEADERS := $(wildcard include/rampart/*.h) $(wildcard enforcer/*.h)
BPF_SRC := bpf-lsm/rampart.bpf.c
BPF_HDRS := $(wildcard bpf-lsm/*.h)
LIB_SRC := $(filter-out enforcer/main.c,$(wildcard enforcer/*.c))
LIB_OBJ := $(patsubst enforcer/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(patsubst tests/unit/%.c,$(BUILD)/obj/unit/%.o,$(UNIT_SRC))
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRC))

.PHONY: all setup test unit host-test guest-test demo bench clean tools-check deb
all: $(BUILD)/rampart $(HELPERS)

tools-check:
	$(Q)packaging/check-build-deps.sh

$(BUILD)/.tools-ok: packaging/check-build-deps.sh
	$(Q)mkdir -p $(BUILD)
	$(Q)packaging/check-build-deps.sh
	$(Q)touch $@

$(BUILD)/vmlinux.h: | $(BUILD)/.tools-ok
	@echo "  GEN     $@"
	$(Q)packaging/gen-vmlinux-h.sh $(BPFTOOL) $@

$(BUILD)/rampart.bpf.o: $(BPF_SRC) $(BPF_HDRS) $(HEADERS) $(BUILD)/vmlinux.h
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(BUILD)/rampart.skel.h: $(BUILD)/rampart.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name rampart_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: enforcer/%.c $(HEADERS) $(BUILD)/rampart.skel.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/unit/%.o: tests/unit/%.c $(HEADERS) tests/unit/unit.h $(BUILD)/rampart.skel.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(BUILD)/rampart: $(BUILD)/obj/main.o $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The Debian package $(BUILD)/rampart_<version>_amd64.deb; version and contents: docs/packaging.md.
deb: $(BUILD)/rampart
	@echo "  DEB     $(BUILD)/rampart_*.deb"
	$(Q)packaging/build-deb.sh $(BUILD) > /dev/null

$(BUILD)/helpers/%: tests/helpers/%.c | $(BUILD)/.tools-ok
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -static -o $@ $<

# Installs Debian packages and fetches the guest kernel; fast and idempotent.
setup:
	$(Q)packaging/setup.sh

unit: $(BUILD)/unit-tests
	$(Q)$(BUILD)/unit-tests

test: setup
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/unit-tests deb
	$(Q)tests/run-all

# Not part of `make test`: costs are measured, never asserted (README, "What a decision costs").
bench: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run

demo: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/run tests/demo.sh

clean:
	rm -rf $(BUILD)
