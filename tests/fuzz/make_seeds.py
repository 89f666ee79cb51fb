#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the seed corpus of each fuzz target (tests/fuzz/corpus/NAME/):
small valid inputs in each target's input format (see the comment at the
top of tests/fuzz/fuzz_NAME.c). Run from the top of the tree; the output
is checked in, so run it again only when a format changes."""
import os
import struct

OUT = "tests/fuzz/corpus"


def put(name, seed, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, seed), "wb") as f:
        f.write(data)


def ram(size, writes):
    b = bytearray(size)
    for off, data in writes:
        b[off:off + len(data)] = data
    return bytes(b)


def desc(addr, length, flags, nxt):
    return struct.pack("<QIHH", addr, length, flags, nxt)


NEXT, WRITE = 1, 2

# ---- virtqueue and virtio_blk: rings at 0x0 (desc), 0x100 (avail), 0x200 (used)


def blk_ring(reqs):
    """reqs: list of (header bytes, [(len, flags)] data, status) chains."""
    writes, descs, heads, buf, i = [], b"", [], 0x400, 0
    for hdr, data in reqs:
        heads.append(i)
        chain = [(hdr, 0)] + [(bytes(n), f) for n, f in data] + [(b"\xff", WRITE)]
        for k, (content, flags) in enumerate(chain):
            last = k == len(chain) - 1
            descs += desc(buf, len(content), flags | (0 if last else NEXT), i + 1)
            writes.append((buf, content))
            buf += (len(content) + 15) & ~15
            i += 1
    avail = struct.pack("<HH", 0, len(heads)) + b"".join(struct.pack("<H", h) for h in heads)
    return ram(buf, [(0, descs), (0x100, avail)] + writes)


def blk_hdr(t, sector):
    return struct.pack("<IIQ", t, 0, sector)


ring = blk_ring([(blk_hdr(0, 0), [(512, WRITE)]), (blk_hdr(1, 2), [(512, 0)]),
                 (blk_hdr(8, 0), [(20, WRITE)]), (blk_hdr(4, 0), [])])
layout = struct.pack("<HIII", 16, 0, 0x100, 0x200)
put("virtio_blk", "rw-getid-flush", b"\x00" + layout + ring)
put("virtio_blk", "read-only", b"\x01" + layout + ring)
put("virtio_blk", "bad-sector", b"\x00" + layout +
    blk_ring([(blk_hdr(0, 1 << 40), [(512, WRITE)]), (blk_hdr(9, 0), [])]))

ops = bytes([0, 2, 0, 2, 4, 5, 0, 2, 6, 0, 3, 0, 2])
put("virtqueue", "pop-push", layout + bytes([len(ops)]) + ops + ring)
loop = ram(0x300, [(0, desc(0x8000, 8, NEXT, 1) + desc(0x8010, 8, NEXT | WRITE, 0)),
                   (0x100, struct.pack("<HHH", 0, 1, 0))])
put("virtqueue", "loop", struct.pack("<HIII", 4, 0, 0x100, 0x200) + b"\x02\x00\x00" + loop)

# ---- vhost-user


def msg(req, flags, payload=b""):
    return struct.pack("<III", req, flags, len(payload)) + payload


def u64(v):
    return struct.pack("<Q", v)


REPLY, NEED_REPLY, V = 4, 8, 1
F_PROTO = 1 << 30
PROTO = (1 << 0) | (1 << 3) | (1 << 9)    # MQ, REPLY_ACK, CONFIG
ack = lambda req: msg(req, V | REPLY, u64(0))

# What a good backend answers to open, get_config(8), start(1 queue), stop.
config = struct.pack("<III", 0, 8, 0) + u64(128)
backend = (msg(1, V | REPLY, u64(F_PROTO | (1 << 32))) + msg(15, V | REPLY, u64(PROTO)) +
           msg(17, V | REPLY, u64(1)) + msg(24, V | REPLY, config) +
           ack(2) + ack(5) + ack(8) + ack(10) + ack(9) + ack(12) + ack(13) + ack(18) +
           msg(11, V | REPLY, struct.pack("<II", 0, 0)))
put("vhost_user_frontend", "good", bytes([0, 0, 8, 1]) + backend)
plain = msg(1, V | REPLY, u64(1 << 32))
put("vhost_user_frontend", "no-protocol", bytes([0, 0, 8, 1]) + plain +
    msg(11, V | REPLY, struct.pack("<II", 0, 0)))
put("vhost_user_frontend", "fds", bytes([2, 3, 8, 2]) + backend)

# What a good frontend sends; guest RAM (the memfd) holds a blk ring.
region = struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, 0x10000, 0, 0)
addr = struct.pack("<IIQQQQ", 0, 0, 0x0, 0x200, 0x100, 0)
frontend = (msg(3, V) + msg(1, V) + msg(15, V) + msg(16, V, u64(PROTO)) + msg(17, V) +
            msg(24, V, struct.pack("<III", 0, 8, 0) + bytes(8)) +
            msg(2, V | NEED_REPLY, u64(F_PROTO | (1 << 32))) +
            msg(5, V | NEED_REPLY, region) +
            msg(8, V | NEED_REPLY, struct.pack("<II", 0, 16)) +
            msg(10, V, struct.pack("<II", 0, 0)) + msg(9, V, addr) +
            msg(13, V, u64(1 << 8)) + msg(12, V, u64(0)) +
            msg(18, V, struct.pack("<II", 0, 1)) + msg(11, V, struct.pack("<II", 0, 0)))
put("vhost_user_backend", "good", b"\x00" + struct.pack("<H", len(frontend)) + frontend + ring)
put("vhost_user_backend", "extra-fd", b"\x0f" + struct.pack("<H", len(frontend)) + frontend)
# In-flight region: a fresh one (GET_INFLIGHT_FD), then the one handed
# back at 0x900 of guest RAM (after the ring's buffers), with head 3 in
# flight and the last batch (head 0) in the used ring but not cleared;
# the ring starts from it.
inflight = (msg(31, V, struct.pack("<QQHHxxxx", 0, 0, 1, 16)) +
            msg(32, V | NEED_REPLY, struct.pack("<QQHHxxxx", 0x140, 0x900, 1, 16)))
iregion = bytearray(struct.pack("<QHHHH", 0, 1, 16, 0, 0)) + bytearray(16 * 16)
struct.pack_into("<BxxxxxHQ", iregion, 16 + 16 * 0, 1, 0, 1)
struct.pack_into("<BxxxxxHQ", iregion, 16 + 16 * 3, 1, 0, 2)
used = struct.pack("<HH", 0, 1) + struct.pack("<II", 0, 1)
rf = inflight + frontend
put("vhost_user_backend", "inflight", b"\x00" + struct.pack("<H", len(rf)) + rf +
    ram(0x900 + len(iregion), [(0, ring), (0x200, used), (0x900, bytes(iregion))]))

# ---- x86_64 kernels


def elf(phdrs, entry, body):
    eh = bytearray(64)
    eh[0:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", eh, 16, 2, 62, 1, entry, 64, 0, 0, 64, 56,
                     len(phdrs), 64, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", *p) for p in phdrs)
    return bytes(eh) + ph + body


code = b"\xf4" * 16                 # hlt
off = 64 + 56
put("x86_kernel", "elf64", b"\x00" + elf([(1, 5, off, 0x100000, 0x100000, 16, 4096, 16)],
                                         0x100000, code))
note = struct.pack("<III", 4, 4, 18) + b"Xen\x00" + struct.pack("<I", 0x100000)
off = 64 + 2 * 56
put("x86_kernel", "pvh", b"\x13" + elf([(1, 5, off, 0x100000, 0x100000, 16, 4096, 16),
                                       (4, 4, off + 16, 0, 0, len(note), len(note), 4)],
                                      0x100000, code + note))
bz = bytearray(0x600)
bz[0x1f1] = 1                       # setup_sects: protected mode at 0x400
struct.pack_into("<H", bz, 0x1fe, 0xaa55)
bz[0x200:0x202] = b"\xeb\x66"       # jump over the header to 0x268
bz[0x202:0x206] = b"HdrS"
struct.pack_into("<H", bz, 0x206, 0x020f)
bz[0x211] = 1                       # LOADED_HIGH
struct.pack_into("<I", bz, 0x22c, 0x7fffffff)
struct.pack_into("<I", bz, 0x230, 0x200000)
bz[0x234] = 1                       # relocatable
struct.pack_into("<H", bz, 0x236, 1)  # XLF_KERNEL_64
struct.pack_into("<I", bz, 0x238, 2047)
struct.pack_into("<Q", bz, 0x258, 0x1000000)
struct.pack_into("<I", bz, 0x260, 0x10000)
put("x86_kernel", "bzimage", b"\x14" + bytes(bz))


def mb_header(flags, fields=()):
    magic = 0x1BADB002
    return struct.pack("<III", magic, flags, (-(magic + flags)) & 0xffffffff) + \
        b"".join(struct.pack("<I", f) for f in fields)


def elf32(phdrs, entry, body):
    eh = bytearray(52)
    eh[0:16] = b"\x7fELF\x01\x01\x01" + bytes(9)
    struct.pack_into("<HHIIIIIHHHHHH", eh, 16, 2, 3, 1, entry, 52, 0, 0, 52, 32,
                     len(phdrs), 40, 0, 0)
    ph = b"".join(struct.pack("<IIIIIIII", *p) for p in phdrs)
    return bytes(eh) + ph + body


# multiboot: an ELF32 image, and a raw one placed by the header's address
# fields (header at 0x20, loaded at 1 MiB, 4 KiB of bss after it)
off = 52 + 32
put("x86_kernel", "multiboot_elf32", b"\x11" + elf32(
    [(1, off, 0x100000, 0x100000, 12 + 16, 4096, 5, 16)], 0x10000c,
    mb_header(3) + code))
raw = bytearray(0x40)
raw[0x20:0x40] = mb_header(1 << 16, (0x100020, 0x100000, 0, 0x101000, 0x100030))
put("x86_kernel", "multiboot_raw", b"\x10" + bytes(raw) + code)

# ---- arm64


def image(text_offset, size, body=256):
    h = bytearray(64 + body)
    struct.pack_into("<QQQ", h, 8, text_offset, size, 0xa)
    h[0x38:0x3c] = b"ARM\x64"
    return bytes(h)


put("arm64_image", "image", b"\x21" + image(0, 0x10000))
put("arm64_image", "old", b"\x00" + image(0x80000, 0))
put("arm64_image", "initrd", b"\xf3" + image(0x80000, 0x200000))

fdt = (struct.pack("<IQQBQQBB", 0x10000, 0x40000000, 0x8000000, 2, 0x47000000, 0x1000, 0, 2) +
       bytes([0, 16, 1, 17]) + b"console=ttyAMA0 earlycon")
put("arm64_fdt", "two-virtio", fdt)
put("arm64_fdt", "no-initrd", struct.pack("<IQQBQQBB", 0x8000, 0x40000000, 0x4000000, 64,
                                          0, 0, 0, 0) + b"quiet")

# ---- config
for name, argv in [
    ("kernel", ["--kernel", "bzImage"]),
    ("full", ["--kernel", "k", "--initrd", "i", "--cmdline", "console=ttyS0",
              "--memory", "size=64M,backend=heap", "--cpus", "4", "--timeout", "30",
              "--disk", "d.img,ro", "--disk", "e.img,backend=thread", "--rng",
              "--net", "tap=tap0,mac=52:54:00:12:34:56", "--stats"]),
    ("vhost", ["--kernel", "k", "--vhost-user-blk", "socket=/tmp/b.sock",
               "--vhost-user-net", "socket=/tmp/n.sock,mac=02:00:00:00:00:01",
               "--memory-socket", "/tmp/m.sock", "--cpu-features", "-avx,-x2apic"]),
    ("hugetlb", ["--kernel", "k", "--memory", "size=1G,backend=hugetlb,path=/dev/hugepages"]),
    ("help", ["--help"]),
]:
    put("config", name, b"\x00".join(a.encode() for a in argv))

# ---- exec_channel: chunk sizes, fill, then the guest's frames


def frame(t, payload, length=None):
    return struct.pack("<B3xI", t, len(payload) if length is None else length) + payload


def chan(chunks, stream, fill=0, fill_byte=0, flags=0):
    return (bytes([flags | len(chunks)]) + b"".join(struct.pack("<H", c - 1) for c in chunks) +
            struct.pack("<IB", fill, fill_byte) + stream)


EXEC_OUT, EXEC_ERR, EXEC_FAIL, EXEC_STATUS = 1, 2, 3, 4
status = lambda s: frame(EXEC_STATUS, struct.pack("<I", s))
run = (frame(EXEC_OUT, b"hello\n") + frame(EXEC_ERR, b"warning: x\n") + frame(EXEC_OUT, b"") +
       frame(EXEC_OUT, bytes(range(256))) + status(0))
put("exec_channel", "whole", chan([], run))
put("exec_channel", "bytes", chan([1], run))
put("exec_channel", "chunks", chan([3, 8, 1, 13, 300], run))
put("exec_channel", "fail", chan([5], frame(EXEC_ERR, b"mount: no such device\n") +
                                 frame(EXEC_FAIL, b"share0 did not mount") + status(125)))
put("exec_channel", "full-frame", chan([4096, 1], frame(EXEC_OUT, b"", 65536), 65536, 0x78, 0x80))
put("exec_channel", "oversized", chan([7], frame(EXEC_OUT, b"ok") + frame(EXEC_OUT, b"", 65537),
                                      65537, 0x79, 0x80))
