#!/usr/bin/env bats
# file_open enforcement of exact-path rules, scoped to a cgroup each test creates.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	SECRET=$BATS_TEST_TMPDIR/secret
	OTHER=$BATS_TEST_TMPDIR/other
	echo secret > "$SECRET"
	echo other > "$OTHER"
}

teardown() {
	rp_teardown
	[[ -n ${LONG_ROOT:-} ]] && umount "$LONG_ROOT"
	return 0
}

deny_secret_policy() {
	rp_policy deny-secret "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1",
	"name": "deny-secret",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
}

@test "file_open: the denied path fails with EPERM inside the cgroup" {
	rp_start --policy "$(deny_secret_policy)"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "exit status" [ "$status" -eq 1 ]
	rp_check "errno" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" cat "$SECRET"
	rp_check "cat fails" [ "$status" -ne 0 ]
	rp_contains "cat message" "$output" "Operation not permitted"
	# rp-open has exited long before the daemon reads the event: the kernel named it.
	rp_contains "executable from the kernel" "$(ev_for "$SECRET")" \
		'"comm":"rp-open","exe":"/usr/bin/rp-open"'
}

@test "file_open: the denied path is allowed outside the cgroup" {
	rp_start --policy "$(deny_secret_policy)"
	run rp-open "$SECRET"
	rp_check "open outside" [ "$output" = ok ]
	run cat "$SECRET"
	rp_check "content" [ "$output" = secret ]
}

@test "file_open: other paths are allowed inside the cgroup" {
	rp_start --policy "$(deny_secret_policy)"
	run rp_in_cgroup "$CG" rp-open "$OTHER"
	rp_check "other path" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open "$SECRET.bak"
	rp_check "similar path" [ "$output" = ENOENT ]
	run rp_in_cgroup "$CG" rp-open "$BATS_TEST_TMPDIR"
	rp_check "parent directory" [ "$output" = ok ]
}

@test "file_open: a cgroup created under the selected one later is covered" {
	rp_start --policy "$(deny_secret_policy)"
	mkdir -p "$RP_CG_ROOT$CG/late/deeper"
	run rp_in_cgroup "$CG/late/deeper" rp-open "$SECRET"
	rp_check "nested cgroup denied" [ "$output" = EPERM ]
}

@test "file_open: a sibling cgroup is not covered" {
	SIB=$(rp_cgroup_new sibling)
	rp_start --policy "$(deny_secret_policy)"
	run rp_in_cgroup "$SIB" rp-open "$SECRET"
	rp_check "sibling allowed" [ "$output" = ok ]
}

@test "events: exactly one JSON line per denial, with the right fields" {
	rp_start --policy "$(deny_secret_policy)"
	for i in 1 2 3; do
		run rp_in_cgroup "$CG" sh -c 'echo $$ > "$0"; exec rp-open "$1"' \
			"$BATS_TEST_TMPDIR/pid$i" "$SECRET"
		rp_check "denied $i" [ "$output" = EPERM ]
	done
	rp_in_cgroup "$CG" rp-open "$OTHER"
	rp_wait_events 3
	sleep 0.5
	rp_stop
	rp_check "three lines" [ "$(wc -l < "$RP_EVENTS")" -eq 3 ]
	cgid=$(stat -c %i "$RP_CG_ROOT$CG")
	for i in 1 2 3; do
		line=$(sed -n "${i}p" "$RP_EVENTS")
		pid=$(cat "$BATS_TEST_TMPDIR/pid$i")
		echo "event $i: $line"
		rp_check "valid JSON" jq -e . <<< "$line" > /dev/null
		rp_check "kind" [ "$(jq -r .kind <<< "$line")" = file ]
		rp_check "decision" [ "$(jq -r .decision <<< "$line")" = deny ]
		rp_check "policy" [ "$(jq -r .policy <<< "$line")" = deny-secret ]
		rp_check "rule" [ "$(jq -r .rule <<< "$line")" = "file[0]" ]
		rp_check "path" [ "$(jq -r .path <<< "$line")" = "$SECRET" ]
		rp_check "pid" [ "$(jq -r .pid <<< "$line")" = "$pid" ]
		rp_check "comm" [ "$(jq -r .comm <<< "$line")" = rp-open ]
		rp_check "cgroup id" [ "$(jq -r .cgroup_id <<< "$line")" = "$cgid" ]
		rp_check "access" [ "$(jq -c .access <<< "$line")" = '["read"]' ]
		rp_check "generation" [ "$(jq -r .generation <<< "$line")" = 1 ]
		rp_check "time is RFC 3339 with ns" [[ $(jq -r .time <<< "$line") =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
	done
}

@test "events: allowed opens produce no event" {
	rp_start --policy "$(deny_secret_policy)"
	rp_in_cgroup "$CG" rp-open "$OTHER"
	rp-open "$SECRET"
	sleep 0.6
	rp_stop
	rp_check "no events" [ ! -s "$RP_EVENTS" ]
}

@test "exit: after SIGTERM the pinned programs go on enforcing; rampart unload detaches them" {
	rp_start --policy "$(deny_secret_policy)"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "denied while running" [ "$output" = EPERM ]
	rp_stop TERM
	rp_check "exit logged as pinned" grep -q "go on enforcing generation 1 (rampart unload detaches them)" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied after exit" [ "$output" = EPERM ]
	run rampart unload
	rp_check "unload status" [ "$status" -eq 0 ]
	rp_contains "unload message" "$output" "unpinned 1 set of programs"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "allowed after unload" [ "$output" = ok ]
	rp_check "pin dir empty" [ -z "$(ls /sys/fs/bpf/rampart)" ]
	for _ in $(seq 50); do [[ -z $(bpftool prog show name rp_file_open) ]] && break; sleep 0.1; done
	run bpftool prog show name rp_file_open
	rp_check "program unloaded" [ -z "$output" ]
	run rampart unload
	rp_contains "second unload: nothing pinned" "$output" "nothing pinned under /sys/fs/bpf/rampart"
}

@test "exit: after SIGINT too" {
	rp_start --policy "$(deny_secret_policy)"
	rp_stop INT
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "denied after SIGINT" [ "$output" = EPERM ]
}

@test "access: a write-only deny rule denies writes and allows reads" {
	policy=$(rp_policy write-deny "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "no-write",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "access": ["write", "append", "truncate"], "action": "deny" } ]
}
JSON
)
	rp_start --policy "$policy"
	run rp_in_cgroup "$CG" rp-open -r "$SECRET"
	rp_check "read allowed" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open -w "$SECRET"
	rp_check "write denied" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open -a "$SECRET"
	rp_check "append denied" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open -rw "$SECRET"
	rp_check "read-write denied" [ "$output" = EPERM ]
	rp_wait_events 3
	rp_check "append event" grep -q '"access":\["append"\]' "$RP_EVENTS"
	rp_check "read-write event" grep -q '"access":\["read","write"\]' "$RP_EVENTS"
}

@test "mode: an audit-mode policy allows the open and reports it" {
	policy=$(rp_policy audit "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "watch-secret", "mode": "audit",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
)
	rp_start --policy "$policy"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "allowed" [ "$output" = ok ]
	rp_wait_events 1
	line=$(head -n 1 "$RP_EVENTS")
	rp_check "decision audit" [ "$(jq -r .decision <<< "$line")" = audit ]
	rp_check "mode audit" [ "$(jq -r .mode <<< "$line")" = audit ]
}

@test "defaults: file deny turns the rules into an allow-list" {
	policy=$(rp_policy allowlist "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "allow-only-other",
	"selector": { "cgroups": ["@CG@"] },
	"defaults": { "file": "deny" },
	"file": [
		{ "path": "$OTHER", "access": ["read"], "action": "allow" },
		{ "path": "/usr/bin/rp-open", "access": ["read", "exec"], "action": "allow" }
	]
}
JSON
)
	rp_start --policy "$policy"
	run rp_in_cgroup "$CG" /usr/bin/rp-open -r "$OTHER"
	rp_check "allowed path read" [ "$output" = ok ]
	run rp_in_cgroup "$CG" /usr/bin/rp-open -w "$OTHER"
	rp_check "allowed path, write not allowed" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" /usr/bin/rp-open "$SECRET"
	rp_check "other path denied" [ "$output" = EPERM ]
	rp_stop
	rp_check "default named" grep -q '"rule":"defaults.file"' "$RP_EVENTS"
}

# A path longer than PATH_MAX cannot be resolved: with a deny default it is denied and
# reported, never silently allowed; with an allow default it is allowed and reported.
# The tree lives on its own tmpfs, since nothing can remove it by path.
make_long_path() {
	LONG_ROOT=$BATS_TEST_TMPDIR/long
	mkdir -p "$LONG_ROOT"
	mount -t tmpfs tmpfs "$LONG_ROOT"
	rp-longpath create "$LONG_ROOT" 22
}

# Walks down the long tree by relative steps, enters the cgroup, opens f.
open_long_path() {
	rp_in_cgroup "$CG" /usr/bin/rp-longpath enter "$LONG_ROOT" 22 /usr/bin/rp-open f
}

@test "limits: a path beyond 4096 bytes is denied under a deny default, and reported" {
	make_long_path
	policy=$(rp_policy longdeny "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "long-deny",
	"selector": { "cgroups": ["@CG@"] },
	"defaults": { "file": "deny" },
	"file": [
		{ "path": "/usr/bin/rp-open", "access": ["read", "exec"], "action": "allow" },
		{ "path": "/usr/bin/rp-longpath", "access": ["read", "exec"], "action": "allow" }
	]
}
JSON
)
	rp_start --policy "$policy"
	run open_long_path
	rp_check "denied" [ "$output" = EPERM ]
	rp_wait_events 1
	line=$(head -n 1 "$RP_EVENTS")
	rp_check "deny decision" [ "$(jq -r .decision <<< "$line")" = deny ]
	rp_check "error reported" [ "$(jq -r .error <<< "$line")" = "File name too long" ]
	rp_check "default rule named" [ "$(jq -r .rule <<< "$line")" = defaults.file ]
}

@test "limits: a path beyond 4096 bytes is allowed under an allow default, and reported" {
	make_long_path
	rp_start --policy "$(deny_secret_policy)"
	run open_long_path
	rp_check "allowed" [ "$output" = ok ]
	rp_wait_events 1
	line=$(head -n 1 "$RP_EVENTS")
	rp_check "audit decision" [ "$(jq -r .decision <<< "$line")" = audit ]
	rp_check "error reported" [ "$(jq -r .error <<< "$line")" = "File name too long" ]
}

@test "policies: the shipped example denies /tmp/secret in /rampart-demo" {
	mkdir -p "$RP_CG_ROOT/rampart-demo"
	echo hello > /tmp/secret
	rp_start --policy policies/examples/demo.json
	run rp_in_cgroup /rampart-demo rp-open /tmp/secret
	rp_check "example denies" [ "$output" = EPERM ]
	rp_stop
	rmdir "$RP_CG_ROOT/rampart-demo"
}

@test "errors: a selected cgroup that does not exist is refused, naming it" {
	policy=$(rp_policy nocg "/no-such-cgroup" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "missing-cgroup",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
)
	run rampart run --policy "$policy"
	rp_check "exit 1" [ "$status" -eq 1 ]
	rp_contains "names cgroup" "$output" "cgroup '/no-such-cgroup'"
	rp_contains "names cause" "$output" "No such file or directory"
	run bpftool prog show name rp_file_open
	rp_check "nothing left loaded" [ -z "$output" ]
}

# rp_start returns when rampart logs "enforcing": by then the policy must be enforced,
# or a check made right after it passes although the rule denies. The exec program is
# attached last, and attaching is slowest right after another rampart detached, so the
# test restarts rampart and executes at once, twice.
@test "start: the policy is enforced as soon as rampart reports enforcing" {
	p=$(rp_policy ready "$CG" <<'JSON'
{ "apiVersion": "rampart.dev/v1", "name": "ready", "selector": { "cgroups": ["@CG@"] },
  "exec": [ { "path": "/usr/bin/rp-open", "action": "deny" } ] }
JSON
)
	for i in 1 2; do
		rp_start --policy "$p"
		run rp_in_cgroup "$CG" rp-exec plain /usr/bin/rp-open /tmp
		rp_check "exec denied at once ($i)" [ "$output" = EPERM ]
		rp_stop
		rampart unload 2> /dev/null	# the next start must enforce by itself
	done
}
