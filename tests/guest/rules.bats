#!/usr/bin/env bats
# Every rule kind, access, action, default, mode and precedence rule, each with a test
# that fails when it breaks. Every policy is scoped to a cgroup the test creates.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	T=$BATS_TEST_TMPDIR
	D=$T/d
	mkdir -p "$D/sub/deeper"
	for f in "$D/f" "$D/g" "$D/sub/f" "$D/sub/deeper/f"; do
		echo data > "$f"
	done
}

teardown() {
	rp_teardown
}

# One daemon serves the whole file; each test's policies are loaded by a reload.
setup_file() {
	rp_shared_setup
}

teardown_file() {
	rp_shared_teardown
}

# policy NAME [CG] BODY: a policy named NAME on CG (default $CG) whose other keys are BODY.
policy() {
	local name=$1 cg=$CG
	[[ $# -eq 3 ]] && { cg=$2; shift; }
	rp_policy "$name" "$cg" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "$name",
	"selector": { "cgroups": ["@CG@"] },
	$2
}
JSON
}

# A copy of rp-open at PATH, to be executed: `PATH /tmp` prints ok.
prog() {
	mkdir -p "$(dirname "$1")"
	cp /usr/bin/rp-open "$1"
}

# --- rule kinds ------------------------------------------------------------------------

@test "dir: matches the direct entries only, not deeper paths nor the directory itself" {
	mkdir "${D}x"
	echo data > "${D}x/f"
	rp_start --policy "$(policy dir '"file": [ { "dir": "'"$D"'", "action": "deny" } ]')"
	expect "direct entry" EPERM rp-open "$D/f"
	expect "direct subdirectory entry" EPERM rp-open "$D/sub"
	expect "entry of a subdirectory" ok rp-open "$D/sub/f"
	expect "the directory itself" ok rp-open "$D"
	expect "sibling directory with the same prefix" ok rp-open "${D}x/f"
	ev_is "event" "$D/f" KIND=file DECISION=deny RULE="file[0]"
}

@test "dir recursive: matches every level below, not the directory itself" {
	mkdir "${D}x"
	echo data > "${D}x/f"
	rp_start --policy "$(policy tree '"file": [ { "dir": "'"$D"'", "recursive": true, "action": "deny" } ]')"
	expect "level 1" EPERM rp-open "$D/f"
	expect "level 2" EPERM rp-open "$D/sub/f"
	expect "level 3" EPERM rp-open "$D/sub/deeper/f"
	expect "the directory itself" ok rp-open "$D"
	expect "sibling directory with the same prefix" ok rp-open "${D}x/f"
	ev_is "event" "$D/sub/deeper/f" RULE="file[0]"
}

# --- accesses ----------------------------------------------------------------------------

@test "access read: only reads are denied" {
	rp_start --policy "$(policy acc-read '"file": [ { "path": "'"$D/f"'", "access": ["read"], "action": "deny" } ]')"
	expect "read" EPERM rp-open -r "$D/f"
	expect "read-write" EPERM rp-open -rw "$D/f"
	expect "write" ok rp-open -w "$D/f"
	expect "append" ok rp-open -a "$D/f"
	ev_is "event" "$D/f" ACCESS=read
}

@test "access write: only non-append writes are denied" {
	rp_start --policy "$(policy acc-write '"file": [ { "path": "'"$D/f"'", "access": ["write"], "action": "deny" } ]')"
	expect "write" EPERM rp-open -w "$D/f"
	expect "read-write" EPERM rp-open -rw "$D/f"
	expect "read" ok rp-open -r "$D/f"
	expect "append is its own access" ok rp-open -a "$D/f"
	ev_is "event" "$D/f" ACCESS=write
}

@test "access append: only appends are denied" {
	rp_start --policy "$(policy acc-append '"file": [ { "path": "'"$D/f"'", "access": ["append"], "action": "deny" } ]')"
	expect "append" EPERM rp-open -a "$D/f"
	expect "write" ok rp-open -w "$D/f"
	expect "read" ok rp-open -r "$D/f"
	ev_is "event" "$D/f" ACCESS=append
}

# O_CREAT of a new file: the kernel creates the file before file_open decides, so the
# file exists afterwards even though the open failed.
@test "access create: creating a new file is denied; opening it once it exists is not" {
	rp_start --policy "$(policy acc-create '"file": [ { "dir": "'"$D"'", "access": ["create"], "action": "deny" } ]')"
	expect "O_CREAT of a new file" EPERM rp-open -c "$D/new"
	rp_check "the file was created before the deny" [ -e "$D/new" ]
	expect "O_CREAT of an existing file" ok rp-open -c "$D/f"
	expect "write of an existing file" ok rp-open -w "$D/f"
	line=$(ev_for "$D/new")
	ev_parse "$line"
	rp_contains "event access" "$EV_ACCESS" create
}

@test "access truncate: O_TRUNC is denied and the file keeps its content" {
	rp_start --policy "$(policy acc-trunc '"file": [ { "path": "'"$D/f"'", "access": ["truncate"], "action": "deny" } ]')"
	expect "truncate" EPERM rp-open -t "$D/f"
	rp_check "content kept" [ "$(cat "$D/f")" = data ]
	expect "write without truncate" ok rp-open -w "$D/f"
	ev_is "event" "$D/f" ACCESS="write,truncate"
}

@test "access exec: opening for execution is denied, so execve fails; reading is not" {
	prog "$T/bin/prog"
	rp_start --policy "$(policy acc-exec '"file": [ { "path": "'"$T/bin/prog"'", "access": ["exec"], "action": "deny" } ]')"
	expect "execve" EPERM rp-exec plain "$T/bin/prog" /tmp
	expect "read of the program" ok rp-open -r "$T/bin/prog"
	line=$(ev_for "$T/bin/prog")
	ev_parse "$line"
	rp_check "kind file" [ "$EV_KIND" = file ]
	rp_contains "event access" "$EV_ACCESS" exec
}

# --- actions, defaults and modes --------------------------------------------------------

@test "action audit: the open is allowed and reported as audit" {
	rp_start --policy "$(policy act-audit '"file": [ { "path": "'"$D/f"'", "action": "audit" } ]')"
	expect "allowed" ok rp-open "$D/f"
	ev_is "event" "$D/f" DECISION=audit MODE=enforce RULE="file[0]" POLICY=act-audit
}

@test "defaults.file deny: only what the rules allow may be opened" {
	echo data > "$T/outside"
	rp_start --policy "$(policy file-allowlist '
		"defaults": { "file": "deny" },
		"file": [
			{ "path": "/usr/bin/rp-open", "access": ["read", "exec"], "action": "allow" },
			{ "dir": "'"$D"'", "recursive": true, "access": ["read"], "action": "allow" },
			{ "path": "'"$D/g"'", "access": ["write"], "action": "allow" }
		]')"
	expect "allowed read (recursive allow)" ok /usr/bin/rp-open -r "$D/sub/deeper/f"
	expect "allowed write" ok /usr/bin/rp-open -w "$D/g"
	expect "write not allowed" EPERM /usr/bin/rp-open -w "$D/f"
	expect "path outside the allowed tree" EPERM /usr/bin/rp-open -r "$T/outside"
	ev_is "event" "$D/f" RULE=defaults.file DECISION=deny
}

@test "defaults.exec deny: only the allowed programs run" {
	rp_start --policy "$(policy exec-allowlist '
		"defaults": { "exec": "deny" },
		"exec": [
			{ "path": "/usr/bin/rp-exec", "action": "allow" },
			{ "path": "/usr/bin/rp-open", "action": "allow" }
		]')"
	expect "allowed program" ok rp-exec plain /usr/bin/rp-open /tmp
	expect "another program" EPERM rp-exec plain /usr/bin/rp-longpath
	ev_is "event" /usr/bin/rp-longpath KIND=exec DECISION=deny RULE=defaults.exec POLICY=exec-allowlist
}

@test "mode audit: nothing is denied, every would-be denial is reported as audit" {
	prog "$T/bin/prog"
	rp_start --policy "$(policy audit-mode '
		"mode": "audit",
		"defaults": { "file": "allow", "exec": "allow" },
		"file": [ { "path": "'"$D/f"'", "action": "deny" } ],
		"exec": [ { "path": "'"$T/bin/prog"'", "action": "deny" } ]')"
	expect "file not denied" ok rp-open "$D/f"
	expect "exec not denied" ok rp-exec plain "$T/bin/prog" /tmp
	ev_is "file event" "$D/f" KIND=file DECISION=audit MODE=audit RULE="file[0]"
	ev_is "exec event" "$T/bin/prog" KIND=exec DECISION=audit MODE=audit RULE="exec[0]"
	rp_check_not "no deny decision" grep -q '"decision":"deny"' "$RP_EVENTS"
}

@test "mode audit: a deny default is reported, not enforced" {
	rp_start --policy "$(policy audit-default '
		"mode": "audit",
		"defaults": { "file": "deny", "exec": "deny" },
		"file": [ { "path": "'"$D/g"'", "action": "allow" } ]')"
	expect "file default not enforced" ok rp-exec plain /usr/bin/rp-open "$D/f"
	ev_is "file default" "$D/f" DECISION=audit MODE=audit RULE=defaults.file
	ev_is "exec default" /usr/bin/rp-open KIND=exec DECISION=audit RULE=defaults.exec
}

# --- precedence ------------------------------------------------------------------------

@test "precedence: an exact allow beats a recursive deny" {
	rp_start --policy "$(policy exact-over-tree '"file": [
		{ "dir": "'"$D"'", "recursive": true, "action": "deny" },
		{ "path": "'"$D/sub/f"'", "action": "allow" } ]')"
	expect "exact allow" ok rp-open "$D/sub/f"
	expect "rest of the tree" EPERM rp-open "$D/sub/deeper/f"
}

@test "precedence: a deeper recursive dir beats a shallower one, both ways" {
	mkdir -p "$T/e/sub/x"
	echo data > "$T/e/f"
	echo data > "$T/e/sub/x/f"
	rp_start --policy "$(policy deeper-tree '"file": [
		{ "dir": "'"$D"'", "recursive": true, "action": "deny" },
		{ "dir": "'"$D/sub"'", "recursive": true, "action": "allow" },
		{ "dir": "'"$T/e/sub"'", "recursive": true, "action": "deny" },
		{ "dir": "'"$T/e"'", "recursive": true, "action": "allow" } ]')"
	expect "deeper allow" ok rp-open "$D/sub/deeper/f"
	expect "shallower deny" EPERM rp-open "$D/f"
	expect "deeper deny" EPERM rp-open "$T/e/sub/x/f"
	expect "shallower allow" ok rp-open "$T/e/f"
	ev_is "deeper rule named" "$T/e/sub/x/f" RULE="file[2]"
}

@test "precedence: a dir rule (direct entries) beats a recursive dir, both ways" {
	mkdir -p "$T/e/sub"
	echo data > "$T/e/f"
	echo data > "$T/e/sub/f"
	rp_start --policy "$(policy dir-over-tree '"file": [
		{ "dir": "'"$D"'", "recursive": true, "action": "deny" },
		{ "dir": "'"$D"'", "action": "allow" },
		{ "dir": "'"$T/e"'", "recursive": true, "action": "allow" },
		{ "dir": "'"$T/e"'", "action": "deny" } ]')"
	expect "direct entry: dir allow" ok rp-open "$D/f"
	expect "deeper: recursive deny" EPERM rp-open "$D/sub/f"
	expect "direct entry: dir deny" EPERM rp-open "$T/e/f"
	expect "deeper: recursive allow" ok rp-open "$T/e/sub/f"
	ev_is "dir rule named" "$T/e/f" RULE="file[3]"
}

@test "precedence: at equal specificity deny beats audit beats allow, in any order" {
	for n in a b c e; do echo data > "$D/$n"; done
	rp_start --policy "$(policy equal '"file": [
		{ "path": "'"$D/a"'", "action": "allow" },
		{ "path": "'"$D/a"'", "action": "deny" },
		{ "path": "'"$D/b"'", "action": "deny" },
		{ "path": "'"$D/b"'", "action": "allow" },
		{ "path": "'"$D/c"'", "action": "audit" },
		{ "path": "'"$D/c"'", "action": "deny" },
		{ "path": "'"$D/e"'", "action": "allow" },
		{ "path": "'"$D/e"'", "action": "audit" },
		{ "dir": "'"$D/sub"'", "action": "allow" },
		{ "dir": "'"$D/sub"'", "action": "deny" },
		{ "dir": "'"$D/sub/deeper"'", "recursive": true, "action": "deny" },
		{ "dir": "'"$D/sub/deeper"'", "recursive": true, "action": "allow" } ]')"
	expect "allow then deny" EPERM rp-open "$D/a"
	expect "deny then allow" EPERM rp-open "$D/b"
	expect "audit and deny" EPERM rp-open "$D/c"
	expect "allow and audit" ok rp-open "$D/e"
	expect "two dir rules" EPERM rp-open "$D/sub/f"
	expect "two recursive rules" EPERM rp-open "$D/sub/deeper/f"
	ev_is "deny rule named" "$D/a" RULE="file[1]"
	ev_is "deny rule named" "$D/b" RULE="file[2]"
	ev_is "deny over audit" "$D/c" RULE="file[5]" DECISION=deny
	ev_is "audit over allow" "$D/e" RULE="file[7]" DECISION=audit
}

@test "precedence: each access is decided on its own; uncovered accesses take the default" {
	CG2=$(rp_cgroup_new second)
	rp_start --policy "$(policy read-allowed '
		"defaults": { "file": "deny" },
		"file": [
			{ "path": "/usr/bin/rp-open", "access": ["read", "exec"], "action": "allow" },
			{ "path": "'"$D/f"'", "access": ["read"], "action": "allow" } ]')" \
		--policy "$(policy read-denied "$CG2" '
		"file": [ { "path": "'"$D/f"'", "access": ["read"], "action": "deny" } ]')"
	expect "read allowed by the rule" ok /usr/bin/rp-open -r "$D/f"
	expect "write left to the deny default" EPERM /usr/bin/rp-open -w "$D/f"
	expect "read-write: the strictest access wins" EPERM /usr/bin/rp-open -rw "$D/f"
	ev_is "default named" "$D/f" RULE=defaults.file POLICY=read-allowed
	run rp_in_cgroup "$CG2" rp-open -r "$D/f"
	rp_check "read denied by the rule" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG2" rp-open -w "$D/f"
	rp_check "write left to the allow default" [ "$output" = ok ]
}

@test "combining: two policies on one cgroup; a deny of either wins, the strictest default applies" {
	for n in a b c e; do echo data > "$D/$n"; done
	rp_start --policy "$(policy combine-one '
		"defaults": { "file": "allow" },
		"file": [
			{ "path": "'"$D/a"'", "action": "deny" },
			{ "path": "'"$D/b"'", "action": "allow" } ]')" \
		--policy "$(policy combine-two '
		"defaults": { "file": "deny" },
		"file": [
			{ "path": "/usr/bin/rp-open", "access": ["read", "exec"], "action": "allow" },
			{ "path": "'"$D/a"'", "action": "allow" },
			{ "path": "'"$D/b"'", "action": "deny" },
			{ "path": "'"$D/c"'", "action": "allow" } ]')"
	expect "deny of the first policy wins" EPERM /usr/bin/rp-open "$D/a"
	expect "deny of the second policy wins" EPERM /usr/bin/rp-open "$D/b"
	expect "allowed by a rule" ok /usr/bin/rp-open "$D/c"
	expect "unmatched: strictest default" EPERM /usr/bin/rp-open "$D/e"
	ev_is "first" "$D/a" POLICY=combine-one RULE="file[0]"
	ev_is "second" "$D/b" POLICY=combine-two RULE="file[2]"
	ev_is "default" "$D/e" POLICY=combine-two RULE=defaults.file
}

# --- exec rules --------------------------------------------------------------------------

# /bin/sh is busybox; bash is /usr/bin/bash. `bash -c CMD` executes CMD from bash.
@test "exec parent: a rule applies only when the calling program matches" {
	rp_start --policy "$(policy parent '"exec": [
		{ "path": "/bin/busybox", "parent": { "path": "/usr/bin/bash" }, "action": "deny" } ]')"
	run rp_in_cgroup "$CG" bash -c '/bin/busybox echo ran'
	rp_check "bash running busybox is denied" [ "$status" -eq 126 ]
	rp_contains "bash message" "$output" "Operation not permitted"
	run rp_in_cgroup "$CG" sh -c '/bin/busybox echo ran'
	rp_check "sh running busybox is allowed" [ "$output" = ran ]
	run rp_in_cgroup "$CG" rp-exec plain /bin/busybox echo ran
	rp_check "another caller is allowed" [ "$output" = ran ]
	ev_is "event" /bin/busybox KIND=exec DECISION=deny RULE="exec[0]" COMM=bash
}

@test "exec parent: a parent-qualified allow beats an unconditional deny at the same path" {
	rp_start --policy "$(policy parent-allow '"exec": [
		{ "path": "/usr/bin/rp-open", "action": "deny" },
		{ "path": "/usr/bin/rp-open", "parent": { "path": "/usr/bin/bash" }, "action": "allow" } ]')"
	run rp_in_cgroup "$CG" bash -c '/usr/bin/rp-open /tmp'
	rp_check "bash may run it" [ "$output" = ok ]
	expect "another caller may not" EPERM rp-exec plain /usr/bin/rp-open /tmp
	ev_is "event" /usr/bin/rp-open RULE="exec[0]" COMM=rp-exec
}

@test "exec parent: dir and recursive dir parent conditions" {
	prog "$T/bin/one"
	prog "$T/bin/two"
	rp_start --policy "$(policy parent-dirs '"exec": [
		{ "path": "'"$T/bin/one"'", "parent": { "dir": "/usr/bin" }, "action": "deny" },
		{ "path": "'"$T/bin/two"'", "parent": { "dir": "/usr", "recursive": true }, "action": "deny" } ]')"
	run rp_in_cgroup "$CG" bash -c '"$0" /tmp' "$T/bin/one"
	rp_check "caller in the parent dir" [ "$status" -eq 126 ]
	run rp_in_cgroup "$CG" bash -c '"$0" /tmp' "$T/bin/two"
	rp_check "caller below the recursive parent dir" [ "$status" -eq 126 ]
	run rp_in_cgroup "$CG" sh -c '"$0" /tmp' "$T/bin/one"
	rp_check "caller outside the parent dir (/bin/busybox)" [ "$output" = ok ]
	run rp_in_cgroup "$CG" sh -c '"$0" /tmp' "$T/bin/two"
	rp_check "caller outside the recursive parent dir" [ "$output" = ok ]
	ev_is "dir parent" "$T/bin/one" RULE="exec[0]"
	ev_is "recursive parent" "$T/bin/two" RULE="exec[1]"
}

@test "exec dir and recursive dir rules" {
	prog "$T/b1/prog"
	prog "$T/b1/sub/prog"
	prog "$T/b2/prog"
	prog "$T/b2/sub/deep/prog"
	rp_start --policy "$(policy exec-dirs '"exec": [
		{ "dir": "'"$T/b1"'", "action": "deny" },
		{ "dir": "'"$T/b2"'", "recursive": true, "action": "deny" } ]')"
	expect "dir: direct entry" EPERM rp-exec plain "$T/b1/prog" /tmp
	expect "dir: deeper program runs" ok rp-exec plain "$T/b1/sub/prog" /tmp
	expect "recursive: level 1" EPERM rp-exec plain "$T/b2/prog" /tmp
	expect "recursive: level 3" EPERM rp-exec plain "$T/b2/sub/deep/prog" /tmp
	expect "exec rules do not deny reads" ok rp-open "$T/b1/prog"
	ev_is "dir rule" "$T/b1/prog" KIND=exec RULE="exec[0]"
	ev_is "recursive rule" "$T/b2/sub/deep/prog" KIND=exec RULE="exec[1]"
}

@test "exec events: kind, path, rule, policy, process" {
	prog "$T/bin/prog"
	rp_start --policy "$(policy exec-events '"exec": [
		{ "path": "/usr/bin/rp-longpath", "action": "deny" },
		{ "path": "'"$T/bin/prog"'", "action": "deny" } ]')"
	run rp_in_cgroup "$CG" sh -c 'echo $$ > "$0"; exec rp-exec plain "$1" /tmp' "$T/pid" "$T/bin/prog"
	rp_check "denied" [ "$output" = EPERM ]
	ev_is "fields" "$T/bin/prog" KIND=exec DECISION=deny MODE=enforce POLICY=exec-events \
		RULE="exec[1]" COMM=rp-exec PID="$(cat "$T/pid")" FILELESS=false ACCESS=
	rp_stop
	rp_check "one event" [ "$(wc -l < "$RP_EVENTS")" -eq 1 ]
	rp_check "valid JSON without an access list" jq -e '.access == null' "$RP_EVENTS"
}
