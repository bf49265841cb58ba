#!/usr/bin/env bats
# Host tests of `rampart seccomp-profile POLICY [-o FILE]`: the OCI / Kubernetes seccomp
# profile of a policy's syscalls section, and every error with its message and status.
# The container runtime enforces the profile; a guest test runs a container under it.

bats_require_minimum_version 1.5.0

RAMPART=${RAMPART:-$BATS_TEST_DIRNAME/../../build/rampart}
USAGE="rampart: error: seccomp-profile: usage: rampart seccomp-profile POLICY [-o FILE]"

# policy NAME SECTION [EXTRA]: writes $BATS_TEST_TMPDIR/NAME.json with that syscalls section.
policy() {
	cat > "$BATS_TEST_TMPDIR/$1.json" <<JSON
{ "apiVersion": "rampart.dev/v1", "name": "$1", "selector": { "cgroups": ["/web"] }$3,
  "syscalls": $2 }
JSON
	echo "$BATS_TEST_TMPDIR/$1.json"
}

@test "seccomp-profile: a deny list refuses its calls with the errno, everything else allowed" {
	f=$(policy web '{ "deny": ["ptrace", "mount", "bpf"], "errno": "EACCES" }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	echo "$output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .defaultAction <<< "$output")" = SCMP_ACT_ALLOW ]
	[ "$(jq -r 'has("defaultErrnoRet")' <<< "$output")" = false ]
	[ "$(jq -c .architectures <<< "$output")" = \
	  '["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' ]
	[ "$(jq -c .syscalls <<< "$output")" = \
	  '[{"names":["bpf","mount","ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]' ]
	# pretty-printed: one key a line
	[ "$(grep -c '"defaultAction"' <<< "$output")" -eq 1 ]
	[ "$(wc -l <<< "$output")" -gt 10 ]
}

@test "seccomp-profile: an allow list refuses everything else, and warns of missing start calls" {
	f=$(policy tight '{ "default": "deny", "allow": ["write", "read", "execve", "exit_group"] }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	echo "$output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$stderr" = "rampart: warning: seccomp-profile: policy 'tight': the allow list lacks brk, mmap, rt_sigreturn, which nearly every container needs to start" ]
	[ "$(jq -r .defaultAction <<< "$output")" = SCMP_ACT_ERRNO ]
	[ "$(jq -r .defaultErrnoRet <<< "$output")" = 1 ]
	[ "$(jq -c .syscalls <<< "$output")" = \
	  '[{"names":["execve","exit_group","read","write"],"action":"SCMP_ACT_ALLOW"}]' ]
}

@test "seccomp-profile: an allow list with the start calls gets no warning" {
	f=$(policy full '{ "default": "deny", "errno": "ENOSYS",
	  "allow": ["execve", "exit_group", "brk", "mmap", "rt_sigreturn", "read"] }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .defaultErrnoRet <<< "$output")" = 38 ]
}

@test "seccomp-profile: a policy in audit mode logs the calls it would refuse" {
	f=$(policy audited '{ "deny": ["ptrace"] }' ', "mode": "audit"')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$status" -eq 0 ]
	[ "$(jq -c .syscalls <<< "$output")" = '[{"names":["ptrace"],"action":"SCMP_ACT_LOG"}]' ]
	f=$(policy audited2 '{ "default": "deny", "allow": ["read"] }' ', "mode": "audit"')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -r .defaultAction <<< "$output")" = SCMP_ACT_LOG ]
}

@test "seccomp-profile: -o FILE writes the profile, mode 0644, nothing on stdout" {
	f=$(policy web '{ "deny": ["ptrace"] }')
	out=$BATS_TEST_TMPDIR/profiles/web.json
	mkdir -p "$BATS_TEST_TMPDIR/profiles"
	echo stale > "$out"
	run --separate-stderr sh -c 'umask 077; exec "$@"' sh "$RAMPART" seccomp-profile "$f" -o "$out"
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	[ "$(stat -c %a "$out")" = 644 ]
	[ ! -e "$out.tmp" ]
	[ "$(ls "$BATS_TEST_TMPDIR/profiles")" = web.json ]
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$(cat "$out")" = "$output" ]
	# -o may come first
	run --separate-stderr "$RAMPART" seccomp-profile -o "$BATS_TEST_TMPDIR/profiles/b.json" "$f"
	[ "$status" -eq 0 ]
	cmp "$out" "$BATS_TEST_TMPDIR/profiles/b.json"
}

@test "seccomp-profile: -o FILE refuses to replace a link, a fifo or a directory" {
	f=$(policy web '{ "deny": ["ptrace"] }')
	ln -s /dev/null "$BATS_TEST_TMPDIR/link"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	for out in "$BATS_TEST_TMPDIR/link" "$BATS_TEST_TMPDIR/fifo" "$BATS_TEST_TMPDIR"; do
		run --separate-stderr "$RAMPART" seccomp-profile "$f" -o "$out"
		echo "stderr: $stderr"
		[ "$status" -eq 1 ]
		[ "$stderr" = "rampart: error: seccomp-profile: writing $out failed: it exists and is not a regular file" ]
		[ ! -e "$out.tmp" ]
	done
	[ -L "$BATS_TEST_TMPDIR/link" ] && [ -p "$BATS_TEST_TMPDIR/fifo" ]
}

@test "seccomp-profile: a policy of a selector and syscalls only is valid for check and compile" {
	f=$(policy web '{ "deny": ["ptrace"] }')
	run "$RAMPART" check "$f"
	[ "$status" -eq 0 ]
	[ "$output" = "$f: policy 'web' is valid (0 file rules, 0 exec rules, 0 network rules, a syscalls section; selects 1 cgroups, 0 container selectors)" ]
	run "$RAMPART" compile --dump "$f"
	echo "$output"
	[ "$status" -eq 0 ]
	# the selector binds the cgroup with the two defaults and nothing else
	[[ $output == "1 rulesets, 1 selected cgroups, "*", 2 rules"* ]]
	! grep -qE '^  (file|exec|net)' <<< "$output"
}

@test "seccomp-profile: an invalid section exits 1 with the parser's message" {
	f=$(policy web '{ "deny": ["ptrace", "mount", "ptrce"] }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "rampart: error: $f: .syscalls.deny[2]: unknown system call 'ptrce'" ]
	f=$(policy web '{ "deny": ["ptrace", "ptrace"] }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$status" -eq 1 ]
	[ "$stderr" = "rampart: error: $f: .syscalls.deny[1]: duplicate system call 'ptrace'" ]
	f=$(policy web '{ "allow": ["read"] }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f"
	[ "$status" -eq 1 ]
	[ "$stderr" = "rampart: error: $f: .syscalls.allow: only valid with default 'deny' (the default is 'allow': list the calls to refuse in 'deny')" ]
	run "$RAMPART" check "$f"
	[ "$status" -eq 1 ]
	[ "$output" = "$f: .syscalls.allow: only valid with default 'deny' (the default is 'allow': list the calls to refuse in 'deny')" ]
}

@test "seccomp-profile: a policy without a syscalls section exits 1 naming it" {
	f=$BATS_TEST_TMPDIR/files.json
	cat > "$f" <<'JSON'
{ "apiVersion": "rampart.dev/v1", "name": "files", "selector": { "cgroups": ["/web"] },
  "file": [ { "path": "/etc/shadow", "action": "deny" } ] }
JSON
	run --separate-stderr "$RAMPART" seccomp-profile "$f" -o "$BATS_TEST_TMPDIR/out.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "rampart: error: seccomp-profile: policy 'files' has no syscalls section" ]
	[ ! -e "$BATS_TEST_TMPDIR/out.json" ]
}

@test "seccomp-profile: a missing policy or a directory exits 1 with the parser's message" {
	run --separate-stderr "$RAMPART" seccomp-profile /nonexistent/p.json
	[ "$status" -eq 1 ]
	[ "$stderr" = "rampart: error: /nonexistent/p.json: cannot open: No such file or directory" ]
	run --separate-stderr "$RAMPART" seccomp-profile "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[ "$stderr" = "rampart: error: $BATS_TEST_TMPDIR: is a directory, expected a policy file" ]
}

@test "seccomp-profile: a FILE that cannot be written exits 1 naming it" {
	f=$(policy web '{ "deny": ["ptrace"] }')
	run --separate-stderr "$RAMPART" seccomp-profile "$f" -o "$BATS_TEST_TMPDIR/none/web.json"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "rampart: error: seccomp-profile: writing $BATS_TEST_TMPDIR/none/web.json failed: No such file or directory" ]
}

@test "seccomp-profile: usage errors exit 2 with the usage line" {
	f=$(policy web '{ "deny": ["ptrace"] }')
	for args in "" "$f $f" "$f -o" "-o $BATS_TEST_TMPDIR/x.json" "$f --output x" "-x $f" \
		"$f -o a -o b"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$RAMPART" seccomp-profile $args
		echo "args: $args; stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "$USAGE" ]
	done
	run --separate-stderr "$RAMPART" seccomp-profile "$f" -o ""
	[ "$status" -eq 2 ]
	[ "$stderr" = "$USAGE" ]
	[ ! -e "$BATS_TEST_TMPDIR/x.json" ]
}

@test "seccomp-profile: rampart --help lists the command" {
	run "$RAMPART" --help
	[ "$status" -eq 0 ]
	[[ $output == *"seccomp-profile POLICY [-o FILE]"* ]]
}
