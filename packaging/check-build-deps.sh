#!/bin/sh
# Reports every missing build tool or library by name, with the apt-get command that
# installs it. Exits 1 if anything is missing. Run by `make` before the first build.
missing=""
need_cmd() {	# command package
	command -v "$1" >/dev/null 2>&1 && return 0
	missing="$missing $2"
	echo "rampart build: missing tool '$1' (Debian package $2)" >&2
}
need_hdr() {	# header package
	printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1 || {
		missing="$missing $2"
		echo "rampart build: missing library header '$1' (Debian package $2)" >&2
	}
}
need_cmd "${CC:-cc}" gcc
need_cmd clang clang
need_cmd bpftool bpftool
need_cmd make make
need_hdr bpf/libbpf.h libbpf-dev
need_hdr json-c/json.h libjson-c-dev
need_hdr seccomp.h libseccomp-dev
need_hdr libelf.h libelf-dev
need_hdr zlib.h zlib1g-dev
if [ -n "$missing" ]; then
	echo "rampart build: install them with: apt-get install -y$missing" >&2
	echo "rampart build: or run 'make setup', which installs everything the tests need" >&2
	exit 1
fi
exit 0
