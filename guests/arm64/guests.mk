# Freestanding arm64 test guests, cross-built with the arm64 CC
# (included by the top Makefile when ARCH=arm64):
#   raw-hello.bin  a raw binary (no Image header) for --kernel-format=raw,
#                  linked at the RAM base and flattened with objcopy -O
#                  binary; the arm64 nested test boots it in L1.
ARM64_GUEST_DIR := $(BUILD)/guests/arm64
ARM64_OBJCOPY   ?= $(CROSS_COMPILE)objcopy
ARM64_GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-Ttext=0x40000000 \
	-Wl,--build-id=none -Wl,--fatal-warnings

.PHONY: guests
guests: $(ARM64_GUEST_DIR)/raw-hello.bin

$(ARM64_GUEST_DIR)/%.bin: guests/arm64/%.S | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ARM64_GUEST_LDFLAGS) -o $(@:.bin=.elf) $<
	$(ARM64_OBJCOPY) -O binary $(@:.bin=.elf) $@
