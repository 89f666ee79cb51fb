# Tiny freestanding x86_64 test guests: ELF64 executables linked at 1 MiB,
# entered in 64-bit mode as the Linux 64-bit boot protocol describes.
GUEST_DIR    := $(BUILD)/guests/x86_64
GUEST_NAMES  := hello mempattern fault spin status hostile triple pioloop
GUEST_COMMON := guests/x86_64/start.S guests/x86_64/runtime.c
GUEST_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -I guests/x86_64 \
	-ffreestanding -fno-pic -fno-pie -no-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-nostdlib -static -Wl,-T,guests/x86_64/guest.ld -Wl,--build-id=none -Wl,--fatal-warnings

.PHONY: guests
guests: $(GUEST_NAMES:%=$(GUEST_DIR)/%)

$(GUEST_DIR)/%: guests/x86_64/%.c $(GUEST_COMMON) guests/x86_64/runtime.h guests/x86_64/guest.ld
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -o $@ $(GUEST_COMMON) $<

# The multiboot test guest: 32-bit protected mode, an ELF32 image with a
# multiboot v1 header, as kvm-unit-tests' x86 tests are.
MB_GUEST_SRCS   := guests/x86_64/multiboot/start.S guests/x86_64/multiboot/main.c
MB_GUEST_CFLAGS := -m32 -O2 -g -std=gnu11 -Wall -Wextra -Werror \
	-ffreestanding -fno-pic -fno-pie -no-pie -fno-stack-protector \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -nostdlib -static \
	-Wl,-T,guests/x86_64/multiboot/multiboot.ld -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments -Wl,--fatal-warnings

guests: $(GUEST_DIR)/multiboot

$(GUEST_DIR)/multiboot: $(MB_GUEST_SRCS) guests/x86_64/multiboot/multiboot.ld
	@mkdir -p $(dir $@)
	gcc $(MB_GUEST_CFLAGS) -o $@ $(MB_GUEST_SRCS)
