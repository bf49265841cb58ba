#!/bin/sh
# Writes vmlinux.h for CO-RE from the running kernel's BTF. The BPF object is portable:
# libbpf relocates field offsets against the target kernel's BTF at load time.
set -e
bpftool=$1 out=$2
btf=/sys/kernel/btf/vmlinux
if [ ! -r "$btf" ]; then
	echo "rampart build: $btf is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF);" \
	     "build on a kernel that has it, e.g. Debian 12's" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
"$bpftool" btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
