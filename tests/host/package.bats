#!/usr/bin/env bats
# The Debian package (make deb, packaging/build-deb.sh): its files and modes, control
# fields, conffiles, a dpkg install into a scratch root, the maintainer scripts' calls to
# systemctl, the OCI hook configuration, and the systemd unit. The package is installed
# and run for real in the guest (tests/guest/package.bats).

bats_require_minimum_version 1.5.0

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-$TOP/build}

setup_file() {
	export DEB_OUT=$BATS_FILE_TMPDIR/out
	"$TOP/packaging/build-deb.sh" "$BUILD" "$DEB_OUT" > "$BATS_FILE_TMPDIR/deb-path"
}

setup() {
	DEB=$(cat "$BATS_FILE_TMPDIR/deb-path")
	X=$BATS_TEST_TMPDIR/x
}

# check NAME CONDITION...: fails the test, naming the check.
check() {
	local name=$1
	shift
	"$@" || { echo "check '$name' failed: $*" >&2; return 1; }
}

# check_match NAME STRING REGEX: STRING matches the extended regular expression REGEX.
check_match() {
	[[ $2 =~ $3 ]] || { echo "check '$1' failed: '$2' does not match '$3'" >&2; return 1; }
}

field() { dpkg-deb --field "$DEB" "$1"; }

@test "package: build-deb.sh writes rampart_VERSION_amd64.deb, VERSION led by the binary's own" {
	local v
	v=$(field Version)
	check "one package in the output" [ "$(ls "$DEB_OUT"/*.deb | wc -l)" -eq 1 ]
	check "file name" [ "$(basename "$DEB")" = "rampart_${v}_amd64.deb" ]
	check "upstream part is 'rampart version'" \
		[ "${v%%+*}" = "$("$BUILD/rampart" version | awk '{print $2}')" ]
	check_match "git part" "$v" '^[0-9.]+\+git[0-9]{8}\.[0-9]{6}\.[0-9a-f]{7,}(\.dirty)?$'
	RAMPART_DEB_VERSION=9.8.7 run "$TOP/packaging/build-deb.sh" "$BUILD" "$BATS_TEST_TMPDIR"
	check "RAMPART_DEB_VERSION overrides" [ "$output" = "$BATS_TEST_TMPDIR/rampart_9.8.7_amd64.deb" ]
}

@test "package: every file is there, owned by root, with its mode" {
	local listing want
	listing=$(dpkg-deb --contents "$DEB" | awk '{print $1, $2, $6}')
	for want in \
		"-rwxr-xr-x root/root ./usr/sbin/rampart" \
		"-rw-r--r-- root/root ./lib/systemd/system/rampart.service" \
		"-rw-r--r-- root/root ./usr/share/containers/oci/hooks.d/rampart.json" \
		"drwxr-xr-x root/root ./etc/rampart/policies.d/" \
		"-rw-r--r-- root/root ./etc/rampart/policies.d/README" \
		"-rw-r--r-- root/root ./usr/share/doc/rampart/copyright" \
		"-rw-r--r-- root/root ./usr/share/doc/rampart/README.md" \
		"-rw-r--r-- root/root ./usr/share/doc/rampart/packaging.md" \
		"-rw-r--r-- root/root ./usr/share/doc/rampart/containerd.md"; do
		check "entry '$want'" grep -qxF -- "$want" <<< "$listing"
	done
	check "nothing but root/root" [ -z "$(grep -v ' root/root ' <<< "$listing")" ]
	check "no policy shipped" [ -z "$(grep 'policies.d/.*\.json' <<< "$listing")" ]
}

@test "package: control fields, and Depends names the package of every library linked" {
	local dep lib pkg
	check "Package" [ "$(field Package)" = rampart ]
	check "Architecture" [ "$(field Architecture)" = amd64 ]
	check "Maintainer" [ -n "$(field Maintainer)" ]
	check "Section" [ "$(field Section)" = admin ]
	check_match "Description" "$(field Description)" '^BPF-LSM mandatory access control'
	check "Installed-Size" [ "$(field Installed-Size)" -gt 100 ]
	dep=$(field Depends)
	for lib in $(readelf -d "$BUILD/rampart" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		pkg=$(dpkg -S "*/x86_64-linux-gnu/$lib" | head -n 1 | cut -d: -f1)
		check_match "Depends has $pkg (for $lib)" ", $dep" ", $pkg "
	done
	for pkg in libbpf1 libjson-c5 libseccomp2 libc6; do
		check_match "Depends has $pkg" ", $dep" ", $pkg "
	done
}

@test "package: conffiles are exactly the files under /etc; maintainer scripts are sh" {
	local s
	dpkg-deb --control "$DEB" "$X"
	check "conffiles" [ "$(cat "$X/conffiles")" = /etc/rampart/policies.d/README ]
	for s in postinst prerm postrm; do
		check "$s executable" [ -x "$X/$s" ]
		check "$s parses" sh -n "$X/$s"
		check "$s runs /bin/sh" [ "$(head -n 1 "$X/$s")" = "#!/bin/sh" ]
	done
}

@test "package: dpkg installs, removes and purges it in a scratch root" {
	local r=$BATS_TEST_TMPDIR/root
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
	touch "$r/var/lib/dpkg/status"
	run dpkg --root="$r" --force-depends --force-script-chrootless -i "$DEB"
	check "installs" [ "$status" -eq 0 ]
	check "status" [ "$(dpkg --root="$r" -s rampart | sed -n 's/^Status: //p')" = "install ok installed" ]
	check "binary runs" "$r/usr/sbin/rampart" --help > /dev/null
	check "unit enabled for a later systemd boot" \
		[ "$(readlink "$r/etc/systemd/system/multi-user.target.wants/rampart.service")" = \
		  /lib/systemd/system/rampart.service ]
	run dpkg --root="$r" --force-script-chrootless -r rampart
	check "removes" [ "$status" -eq 0 ]
	check "binary gone" [ ! -e "$r/usr/sbin/rampart" ]
	check "conffile kept" [ -f "$r/etc/rampart/policies.d/README" ]
	run dpkg --root="$r" --force-script-chrootless -P rampart
	check "purges" [ "$status" -eq 0 ]
	check "conffile gone" [ ! -e "$r/etc/rampart" ]
	check "enablement link gone" [ ! -e "$r/etc/systemd/system/multi-user.target.wants" ]
}

# scripts ROOT ACTIVE SCRIPT ARGS...: runs a maintainer script with DPKG_ROOT=ROOT and a
# systemctl that logs its arguments to ROOT/calls (is-active answers ACTIVE).
script() {
	local r=$1 active=$2 s=$3
	shift 3
	mkdir -p "$r/bin"
	printf '#!/bin/sh\necho "$*" >> "%s/calls"\n[ "$2" = is-active ] && exit %s\nexit 0\n' \
		"$r" "$active" > "$r/bin/systemctl"
	chmod +x "$r/bin/systemctl"
	: > "$r/calls"
	dpkg-deb --control "$DEB" "$X" 2> /dev/null || true
	DPKG_ROOT=$r PATH="$r/bin:$PATH" sh "$X/$s" "$@"
}

@test "package: maintainer scripts call systemctl only when systemd runs, as deb-systemd-helper would" {
	local r=$BATS_TEST_TMPDIR/r
	script "$r" 1 postinst configure ""
	check "no systemd: no call" [ ! -s "$r/calls" ]
	check "no systemd: enabled by link" [ -L "$r/etc/systemd/system/multi-user.target.wants/rampart.service" ]
	script "$r" 1 prerm remove
	check "no systemd, remove: no call" [ ! -s "$r/calls" ]

	mkdir -p "$r/run/systemd/system"
	script "$r" 1 postinst configure ""
	check "install: enable and start" [ "$(cat "$r/calls")" = \
		"$(printf '%s\n' '--system daemon-reload' 'enable rampart.service' 'start rampart.service')" ]
	script "$r" 0 postinst configure 0.0.1
	check "upgrade, running: reload (trust the new binary) then restart" [ "$(cat "$r/calls")" = \
		"$(printf '%s\n' '--system daemon-reload' '--quiet is-active rampart.service' \
			'reload rampart.service' 'restart rampart.service')" ]
	script "$r" 3 postinst configure 0.0.1
	check "upgrade, stopped: left stopped" [ "$(cat "$r/calls")" = \
		"$(printf '%s\n' '--system daemon-reload' '--quiet is-active rampart.service')" ]
	script "$r" 0 prerm upgrade 0.0.2
	check "prerm upgrade: no call" [ ! -s "$r/calls" ]
	script "$r" 0 prerm remove
	check "prerm remove: stop" [ "$(cat "$r/calls")" = "stop rampart.service" ]
	script "$r" 0 postrm purge
	check "purge: link gone" [ ! -e "$r/etc/systemd/system/multi-user.target.wants/rampart.service" ]
}

@test "package: the extracted rampart runs, and is the version the package says" {
	dpkg-deb -x "$DEB" "$X"
	run "$X/usr/sbin/rampart" --help
	check "--help exits 0" [ "$status" -eq 0 ]
	check_match "--help is the usage" "${lines[0]}" '^usage: rampart '
	run "$X/usr/sbin/rampart" version
	check "version" [ "$(awk '{print $2}' <<< "$output")" = "$(field Version | cut -d+ -f1)" ]
}

@test "package: the OCI hook configuration parses and runs an existing subcommand of the binary" {
	local j=$TOP/packaging/hooks.d/rampart.json usage opt
	dpkg-deb -x "$DEB" "$X"
	check "shipped file is the repository's" \
		cmp -s "$j" "$X/usr/share/containers/oci/hooks.d/rampart.json"
	check "parses" jq -e . "$j" > /dev/null
	check "version 1.0.0" [ "$(jq -r .version "$j")" = 1.0.0 ]
	check "path" [ "$(jq -r .hook.path "$j")" = /usr/sbin/rampart ]
	check "argv[0]" [ "$(jq -r '.hook.args[0]' "$j")" = rampart ]
	check "always" [ "$(jq -r .when.always "$j")" = true ]
	check "createRuntime only" [ "$(jq -c .stages "$j")" = '["createRuntime"]' ]
	check "exempts rampart-system and kube-system" [ "$(jq -c \
		'[.hook.args as $a | range(0; $a | length) | select($a[.] == "--exempt-namespace") |
		  $a[. + 1]]' "$j")" = '["rampart-system","kube-system"]' ]
	check "the runtime waits longer than the hook does" [ "$(jq \
		'.hook.timeout > (.hook.args | .[index("--timeout") + 1] | tonumber)' "$j")" = true ]
	usage=$("$X/usr/sbin/rampart" --help | grep -A1 "^  $(jq -r '.hook.args[1]' "$j") " || true)
	check "subcommand '$(jq -r '.hook.args[1]' "$j")' in the usage" [ -n "$usage" ]
	for opt in $(jq -r '.hook.args[2:][] | select(startswith("--"))' "$j"); do
		check "option $opt in its usage" grep -qF -- "[$opt " <<< "$usage"
	done
}

@test "package: systemd-analyze verify passes on the unit, which runs /usr/sbin/rampart" {
	local u=$BATS_TEST_TMPDIR/rampart.service opt
	command -v systemd-analyze > /dev/null || skip "systemd-analyze is missing (Debian package systemd)"
	dpkg-deb -x "$DEB" "$X"
	check "ExecStart" grep -qx 'ExecStart=/usr/sbin/rampart run --policy-dir /etc/rampart/policies.d' \
		"$X/lib/systemd/system/rampart.service"
	check "ExecReload" grep -qx 'ExecReload=/usr/sbin/rampart reload' "$X/lib/systemd/system/rampart.service"
	for opt in $(sed -n 's/^ExecStart=[^ ]* run //p' "$X/lib/systemd/system/rampart.service" | grep -o -- '--[a-z-]*'); do
		check "run accepts $opt" grep -qE -- "^ +$opt " <<< "$("$X/usr/sbin/rampart" --help)"
	done
	# verify insists that the binary exists: point the copy at the extracted one.
	sed "s#/usr/sbin/rampart#$X/usr/sbin/rampart#g" "$X/lib/systemd/system/rampart.service" > "$u"
	run systemd-analyze verify "$u"
	echo "$output"
	check "verify" [ "$status" -eq 0 ]
	check "no warning" [ -z "$output" ]
}
