#!/bin/sh
# Installs every Debian package that building and testing Rampart need, and fetches
# Debian's cloud kernel for the test guest into a cache outside the repository (it is
# unpacked there, never installed on this host). Idempotent: a second run only checks.
set -eu

PACKAGES="make gcc clang llvm bpftool libbpf-dev libjson-c-dev libseccomp-dev libelf-dev
dpkg-dev python3-yaml
zlib1g-dev pkg-config qemu-system-x86 cpio busybox-static bats iproute2 jq apparmor gnuplot-nox
runc"
KERNEL_META=linux-image-cloud-amd64
cache=${RAMPART_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rampart}
kdir=$cache/kernel

say() { echo "rampart setup: $*"; }

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		say "need root to run '$*' (no sudo found)" >&2
		exit 1
	fi
}

apt_updated=0
apt_update() {
	[ $apt_updated = 1 ] && return 0
	say "apt-get update"
	as_root apt-get update -q >/dev/null
	apt_updated=1
}

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt_update
	say "installing$missing"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing >/dev/null
fi

if ! ls "$kdir"/root/boot/vmlinuz-* >/dev/null 2>&1; then
	pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
	if [ -z "$pkg" ]; then
		apt_update
		pkg=$(apt-cache depends "$KERNEL_META" | awk '/Depends: linux-image-/{print $2; exit}')
	fi
	[ -n "$pkg" ] || { say "cannot find the package behind $KERNEL_META" >&2; exit 1; }
	say "fetching $pkg into $kdir (not installed on this host)"
	rm -rf "$kdir.tmp"
	mkdir -p "$kdir.tmp"
	(cd "$kdir.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null 2>&1) ||
		{ apt_update; (cd "$kdir.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null); }
	dpkg-deb -x "$kdir.tmp"/*.deb "$kdir.tmp/root"
	rm -f "$kdir.tmp"/*.deb
	rm -rf "$kdir"
	mv "$kdir.tmp" "$kdir"
fi
say "ready: packages installed, guest kernel $(basename "$(ls "$kdir"/root/boot/vmlinuz-* | tail -n 1)")"
