#!/usr/bin/env bats
# Host tests: the command line, and what rampart says on a kernel that cannot run BPF LSM
# (this machine's own). Kernel enforcement itself is tested in the guest (tests/guest).

bats_require_minimum_version 1.5.0

RAMPART=${RAMPART:-$BATS_TEST_DIRNAME/../../build/rampart}
EXAMPLE=$BATS_TEST_DIRNAME/../../policies/examples/demo.json

# Runs rampart in a private mount namespace after the shell snippet $1 (mounts).
in_mount_ns() {
	local setup=$1
	shift
	unshare -m sh -c "$setup; exec \"\$@\"" sh "$@"
}

mount_all='mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security;
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf'

host_can_run_bpf_lsm() {
	in_mount_ns "$mount_all" "$RAMPART" probe > /dev/null 2>&1
}

lockdown_mode() {
	in_mount_ns "$mount_all" cat /sys/kernel/security/lockdown 2>/dev/null |
		sed -n 's/.*\[\([a-z]*\)\].*/\1/p'
}

@test "host: rampart run on this kernel fails with one sentence naming the cause" {
	if host_can_run_bpf_lsm; then
		skip "this host runs BPF LSM programs; the guest suite covers enforcement"
	fi
	run --separate-stderr in_mount_ns "$mount_all" "$RAMPART" run --policy "$EXAMPLE"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ $stderr == "rampart: error: BPF LSM cannot be used on this kernel: "* ]]
	[[ $stderr != *libbpf* && $stderr != *ulimit* ]]
	if [ "$(lockdown_mode)" = confidentiality ]; then
		[[ $stderr == *"lockdown is in confidentiality mode"* ]]
	else
		[[ $stderr == *"refused to load a minimal BPF LSM program"* ]]
	fi
}

@test "host: without securityfs, rampart run says how to mount it" {
	run --separate-stderr in_mount_ns \
		'umount /sys/kernel/security 2>/dev/null; true' "$RAMPART" run --policy "$EXAMPLE"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"securityfs is not mounted"*"mount -t securityfs securityfs /sys/kernel/security"* ]]
}

@test "host: without bpffs, rampart run says how to mount it" {
	[ "$(lockdown_mode)" != confidentiality ] || skip "lockdown is reported before bpffs here"
	run --separate-stderr in_mount_ns \
		'mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security;
		 while mountpoint -q /sys/fs/bpf; do umount /sys/fs/bpf; done' \
		"$RAMPART" run --policy "$EXAMPLE"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"no BPF filesystem is mounted: mount it with 'mount -t bpf bpf /sys/fs/bpf'"* ]]
}

@test "host: rampart probe lists every check and fails on this kernel" {
	if host_can_run_bpf_lsm; then
		skip "this host runs BPF LSM programs"
	fi
	run in_mount_ns "$mount_all" "$RAMPART" probe
	echo "$output"
	[ "$status" -eq 1 ]
	for item in securityfs bpf-lsm lockdown btf bpffs cgroup2 lsm-load; do
		[[ $output == *"$item "* ]]
	done
	[[ $output == *"BPF LSM enforcement is NOT possible on this kernel"* ]]
}

@test "cli: no command prints usage and exits 2" {
	run "$RAMPART"
	[ "$status" -eq 2 ]
	[[ $output == *"usage: rampart"* ]]
}

@test "cli: an unknown command is named" {
	run "$RAMPART" frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "rampart: error: unknown command 'frobnicate' (see rampart --help)" ]
}

@test "cli: run without --policy watches /etc/rampart/policies.d, and names it when missing" {
	[ ! -e /etc/rampart/policies.d ] || skip "this host has /etc/rampart/policies.d"
	run "$RAMPART" run
	[ "$status" -eq 1 ]
	[ "$output" = "rampart: error: watching the policy directory /etc/rampart/policies.d failed: No such file or directory" ]
	run "$RAMPART" run --policy-dir "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 1 ]
	[[ $output == *"policy directory $BATS_TEST_TMPDIR/none failed: No such file or directory" ]]
	run "$RAMPART" run --policy-dir "$EXAMPLE"
	[ "$status" -eq 1 ]
	[[ $output == *"policy directory $EXAMPLE failed: Not a directory" ]]
	run "$RAMPART" run --policy-dir "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[[ $output == *"$BATS_TEST_TMPDIR: no *.json policies found"* ]]
}

@test "cli: run with a missing policy file names it" {
	run "$RAMPART" run --policy /nonexistent/p.json
	[ "$status" -eq 1 ]
	[[ $output == *"/nonexistent/p.json"* ]]
}

@test "cli: run with an invalid policy reports it before touching the kernel" {
	f=$BATS_TEST_TMPDIR/web.json
	cat > "$f" <<'JSON'
{ "apiVersion": "rampart.dev/v1", "name": "web", "selector": { "cgroups": ["/web"] },
  "file": [ { "path": "/etc/shadow", "access": ["wrte"], "action": "deny" } ] }
JSON
	run "$RAMPART" run --policy "$f"
	[ "$status" -eq 1 ]
	[ "$output" = "rampart: error: $f: .file[0].access[0]: unknown access 'wrte' (expected read, write, append, create, truncate, exec)" ]
}

@test "check: the shipped example is valid" {
	run "$RAMPART" check "$EXAMPLE"
	[ "$status" -eq 0 ]
	[[ $output == *"policy 'demo-deny-secret' is valid"* ]]
}

@test "check: an invalid policy exits 1 with a pointer to the element" {
	f=$BATS_TEST_TMPDIR/web.json
	cat > "$f" <<'JSON'
{ "apiVersion": "rampart.dev/v1", "name": "web", "mode": "enforced",
  "selector": { "cgroups": ["/web"] }, "file": [ { "path": "/x", "action": "deny" } ] }
JSON
	run "$RAMPART" check "$f"
	[ "$status" -eq 1 ]
	[ "$output" = "$f: .mode: unknown mode 'enforced' (expected enforce, audit)" ]
}

@test "check: a rule kind this version cannot enforce is refused, not ignored" {
	f=$BATS_TEST_TMPDIR/dir.json
	cat > "$f" <<'JSON'
{ "apiVersion": "rampart.dev/v1", "name": "dirs", "selector": { "cgroups": ["/web"] },
  "file": [ { "glob": "/etc/**/*.conf", "action": "deny" } ] }
JSON
	run "$RAMPART" check "$f"
	[ "$status" -eq 1 ]
	[[ $output == *".file[0]: "* ]]
}

@test "unload: nothing pinned is said, status 0; argument errors are named, status 2" {
	run --separate-stderr "$RAMPART" unload --pin-dir "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 0 ]
	[[ $stderr == *"unload: nothing pinned under $BATS_TEST_TMPDIR/none"* ]]
	run --separate-stderr "$RAMPART" unload --pin-dir
	[ "$status" -eq 2 ]
	[[ $stderr == *"usage: rampart unload [--pin-dir DIR]"* ]]
	run --separate-stderr "$RAMPART" unload extra
	[ "$status" -eq 2 ]
	run --separate-stderr "$RAMPART" run --policy "$EXAMPLE" --pin-dir ""
	[ "$status" -eq 2 ]
	[[ $stderr == *"run: --pin-dir needs a directory"* ]]
}

@test "unload: removes only the sets it pinned, by name, and says how many" {
	local d=$BATS_TEST_TMPDIR/pins
	mkdir -p "$d/set-1-1" "$d/set-2-2" "$d/other"
	touch "$d/set-1-1/rp_file_open" "$d/set-2-2/rp_file_open" "$d/other/keep"
	run --separate-stderr "$RAMPART" unload --pin-dir "$d"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ $stderr == *"unpinned 2 sets of programs under $d"* ]]
	[ ! -e "$d/set-1-1" ] && [ ! -e "$d/set-2-2" ]
	[ -e "$d/other/keep" ]
}

@test "probe --json: one object with every check, the same verdict and status as the text" {
	run --separate-stderr in_mount_ns "$mount_all" "$RAMPART" probe
	local text_status=$status text=$output
	run --separate-stderr in_mount_ns "$mount_all" "$RAMPART" probe --json
	echo "$output"
	[ "$status" -eq "$text_status" ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	[ "$(jq -r '.checks | map(.name) | join(",")' <<< "$output")" = \
	  "securityfs,bpf-lsm,lockdown,btf,bpffs,cgroup2,lsm-load" ]
	[ "$(jq -r .kernel <<< "$output")" = "$(uname -r)" ]
	if [ "$text_status" -eq 0 ]; then
		[ "$(jq -r .possible <<< "$output")" = true ]
	else
		[ "$(jq -r .possible <<< "$output")" = false ]
		# every failed check carries its hint, as the text does
		[ "$(jq '[.checks[] | select(.ok | not) | select(.hint | length > 10)] | length' \
			<<< "$output")" -eq "$(grep -c FAIL <<< "$text")" ]
	fi
	run --separate-stderr "$RAMPART" probe --yaml
	[ "$status" -eq 2 ]
	[[ $stderr == *"usage: rampart probe [--json]"* ]]
}

@test "log format: --log-format json writes one JSON object a line; a bad format is named" {
	run --separate-stderr "$RAMPART" --log-format json run --policy /nonexistent/p.json
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ "$(jq -r .level <<< "$stderr")" = error ]
	[ "$(jq -r .msg <<< "$stderr")" = "/nonexistent/p.json: cannot open: No such file or directory" ]
	[[ $(jq -r .time <<< "$stderr") =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z$ ]]
	# A message with quotes and a backslash stays valid JSON.
	run --separate-stderr "$RAMPART" --log-format json run --policy '/tmp/no "such\dir'
	[ "$(jq -r .msg <<< "$stderr" | head -c 22)" = '/tmp/no "such\dir: can' ]
	run --separate-stderr "$RAMPART" --log-format text run --policy /nonexistent/p.json
	[ "$stderr" = "rampart: error: /nonexistent/p.json: cannot open: No such file or directory" ]
	run --separate-stderr "$RAMPART" --log-format yaml version
	[ "$status" -eq 2 ]
	[ "$stderr" = "rampart: error: --log-format needs 'text' or 'json', not 'yaml'" ]
}
