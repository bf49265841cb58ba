#!/bin/sh
# Builds the Debian package of Rampart from a built tree, without debhelper:
#
#   packaging/build-deb.sh [BUILD_DIR [OUT_DIR]]     (make deb: BUILD_DIR=OUT_DIR=build)
#
# stages BUILD_DIR/rampart, the systemd unit, the OCI hook configuration, the policy
# directory and the docs, writes DEBIAN/control (Depends from dpkg-shlibdeps), conffiles
# and the maintainer scripts, and builds OUT_DIR/rampart_VERSION_ARCH.deb with dpkg-deb,
# replacing any older rampart_*.deb there. Prints the package's path.
#
# VERSION is the binary's own version (`rampart version`), then, in a git checkout,
# +git<commit time, UTC>.<`git describe --always`>, with .dirty for uncommitted changes:
# 0.1.0+git20251201.030700.cb02479. RAMPART_DEB_VERSION overrides it (release builds).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
out=${2:-$build}
bin=$build/rampart

die() { echo "build-deb: $*" >&2; exit 1; }

[ -x "$bin" ] || die "$bin is not built: run 'make' first"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian package dpkg)"
command -v dpkg-shlibdeps >/dev/null ||
	die "dpkg-shlibdeps is missing: apt-get install dpkg-dev (or run 'make setup')"
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || die "the BPF programs are built for x86 only, this is $arch"

version=${RAMPART_DEB_VERSION:-}
if [ -z "$version" ]; then
	version=$("$bin" version | awk '{print $2}')
	case $version in [0-9]*) ;; *) die "'$bin version' gave no version number" ;; esac
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		when=$(TZ=UTC git -C "$top" log -1 --format=%cd --date=format-local:%Y%m%d.%H%M%S)
		desc=$(git -C "$top" describe --always --dirty=.dirty)
		version=$version+git$when.$desc
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

# The files, with their modes; directories 0755, owned by root (--root-owner-group).
install -D -m 0755 "$bin" "$root/usr/sbin/rampart"
strip --strip-unneeded --remove-section=.comment "$root/usr/sbin/rampart"
install -D -m 0644 "$top/packaging/rampart.service" "$root/lib/systemd/system/rampart.service"
install -D -m 0644 "$top/packaging/hooks.d/rampart.json" \
	"$root/usr/share/containers/oci/hooks.d/rampart.json"
install -D -m 0644 "$top/packaging/deb/policies.d-README" "$root/etc/rampart/policies.d/README"
install -D -m 0644 "$top/packaging/deb/copyright" "$root/usr/share/doc/rampart/copyright"
install -D -m 0644 "$top/README.md" "$root/usr/share/doc/rampart/README.md"
install -D -m 0644 "$top/docs/packaging.md" "$root/usr/share/doc/rampart/packaging.md"
install -D -m 0644 "$top/packaging/containerd.md" "$root/usr/share/doc/rampart/containerd.md"

mkdir -p "$root/DEBIAN"
for s in postinst prerm postrm; do
	install -m 0755 "$top/packaging/deb/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find etc -type f | sed 's#^#/#') > "$root/DEBIAN/conffiles"
chmod 0644 "$root/DEBIAN/conffiles"

# Depends: the libraries the binary links (libelf1 and zlib1g come in through libbpf1).
mkdir -p "$work/shlibs/debian"
printf 'Source: rampart\n\nPackage: rampart\nArchitecture: any\n' > "$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" &&
	dpkg-shlibdeps -O --ignore-missing-info "$root/usr/sbin/rampart" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies for $bin"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)

cat > "$root/DEBIAN/control" <<EOF
Package: rampart
Version: $version
Architecture: $arch
Maintainer: Rampart developers <packaging@rampart.invalid>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Description: BPF-LSM mandatory access control for Linux hosts and Kubernetes nodes
 Rampart enforces short, declarative JSON policies in the kernel with BPF LSM
 programs: which files the processes of a cgroup may open and change, which
 programs they may run, which sockets they may use. Each deny or audit
 decision is reported as one JSON line.
 .
 This package ships the rampart daemon and command, a sandboxed systemd unit
 that starts once a policy is in /etc/rampart/policies.d, and an OCI hook
 configuration for CRI-O and podman that binds policies to each container
 before its first instruction. It needs a kernel with the BPF LSM active;
 'rampart probe' says whether this one can run it. Removing the package ends
 enforcement ('rampart unload').
EOF
chmod 0644 "$root/DEBIAN/control"

deb=$out/rampart_${version}_$arch.deb
mkdir -p "$out"
rm -f "$out"/rampart_*.deb
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
