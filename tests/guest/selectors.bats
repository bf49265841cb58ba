#!/usr/bin/env bats
# selector.cgroups patterns: '*' within a component names every existing cgroup that
# matches, each with its descendants; cgroups created later are picked up on reload.
# Every pattern is rooted in a cgroup the test creates.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	SECRET=$BATS_TEST_TMPDIR/secret
	echo secret > "$SECRET"
	LIVE=$BATS_TEST_TMPDIR/live.json
}

teardown() {
	rp_teardown
}

# pattern_policy PATTERN: denies opening $SECRET to the cgroups PATTERN names.
pattern_policy() {
	rp_policy pods "$1" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "pods",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
}

# opens_in NAME CGROUP EXPECTED: rp-open $SECRET inside CGROUP prints EXPECTED.
opens_in() {
	run rp_in_cgroup "$2" rp-open "$SECRET"
	[[ $output == "$3" ]] ||
		{ echo "check '$1' failed: open in $2 printed '$output', expected '$3'" >&2; return 1; }
}

@test "selector: a pattern selects every matching cgroup and their descendants" {
	mkdir -p "$RP_CG_ROOT$CG/pod-a/child" "$RP_CG_ROOT$CG/pod-b" "$RP_CG_ROOT$CG/other"
	rp_start --policy "$(pattern_policy "$CG/pod-*")"
	rp_contains "two cgroups selected" "$(cat "$RP_ERR")" "2 cgroups"
	opens_in "pod-a denied" "$CG/pod-a" EPERM
	opens_in "pod-b denied" "$CG/pod-b" EPERM
	opens_in "descendant of pod-a denied" "$CG/pod-a/child" EPERM
	opens_in "other allowed" "$CG/other" ok
	opens_in "the parent itself allowed" "$CG" ok
	ev_is "event names the policy" "$SECRET" KIND=file DECISION=deny POLICY=pods RULE='file[0]'
}

@test "selector: a cgroup created after start is selected from the next reload" {
	mkdir -p "$RP_CG_ROOT$CG/pod-a"
	cp "$(pattern_policy "$CG/pod-*")" "$LIVE"
	rp_start --policy "$LIVE"
	mkdir "$RP_CG_ROOT$CG/pod-new"
	opens_in "not yet selected (documented window until reload)" "$CG/pod-new" ok
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	opens_in "selected after reload" "$CG/pod-new" EPERM
	opens_in "pod-a still selected" "$CG/pod-a" EPERM
}

@test "selector: a pattern naming no cgroup yet is valid, and binds once one appears" {
	cp "$(pattern_policy "$CG/pod-*")" "$LIVE"
	rp_start --policy "$LIVE"
	rp_contains "no cgroup selected" "$(cat "$RP_ERR")" "0 cgroups"
	mkdir "$RP_CG_ROOT$CG/pod-late"
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	opens_in "selected after reload" "$CG/pod-late" EPERM
}

@test "selector: patterns and exact cgroups of several policies combine per cgroup" {
	mkdir -p "$RP_CG_ROOT$CG/pod-a" "$RP_CG_ROOT$CG/pod-b"
	OTHER=$BATS_TEST_TMPDIR/other
	echo other > "$OTHER"
	exact=$(rp_policy only-a "$CG/pod-a" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "only-a",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$OTHER", "action": "deny" } ]
}
JSON
)
	rp_start --policy "$(pattern_policy "$CG/pod-*")" --policy "$exact"
	opens_in "pod-a: pattern policy" "$CG/pod-a" EPERM
	opens_in "pod-b: pattern policy" "$CG/pod-b" EPERM
	run rp_in_cgroup "$CG/pod-a" rp-open "$OTHER"
	rp_check "pod-a: exact policy too" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG/pod-b" rp-open "$OTHER"
	rp_check "pod-b: not the exact policy" [ "$output" = ok ]
}

# deep_selection: $CG/a selected; its descendants, including one made after the start,
# are confined at every depth, and cgroups beside and above it are not.
deep_selection() {
	mkdir -p "$RP_CG_ROOT$CG/a/b" "$RP_CG_ROOT$CG/other"
	rp_start --policy "$(pattern_policy "$CG/a")"
	mkdir -p "$RP_CG_ROOT$CG/a/b/c/d"
	opens_in "the selected cgroup denied" "$CG/a" EPERM
	opens_in "a child denied" "$CG/a/b" EPERM
	opens_in "a grandchild made after the start denied" "$CG/a/b/c/d" EPERM
	opens_in "beside it allowed" "$CG/other" ok
	opens_in "above it allowed" "$CG" ok
}

@test "selector: descendants made after the start are confined at every depth" {
	deep_selection
	rp_check_not "cgroup levels known in the initial namespace" grep -q "is unknown" "$RP_ERR"
}

@test "selector: a daemon in another cgroup namespace still confines every depth" {
	mkdir -p "$RP_CG_ROOT$CG/daemon"
	# the daemon's namespace is rooted at $CG/daemon: levels cannot be told from there
	RP_LAUNCH=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$RP_CG_ROOT$CG/daemon"
		   rp-exec cgroupns)
	deep_selection
	unset RP_LAUNCH
	rp_contains "the unknown level is reported" "$(cat "$RP_ERR")" "not in the initial cgroup namespace"
}

# A hook consults the filter set of the subjects whose policy speaks to it: a cgroup whose
# policy has only network rules leaves file_open as early as an unselected one. The sets
# follow every reload, and a file default other than allow, with no file rule, puts a
# cgroup in file_open's set (audit mode here, so that the test's own programs still run).
@test "selector: filter sets follow a reload that adds and drops a cgroup's file rules" {
	local netonly=$BATS_TEST_TMPDIR/netonly.json audited=$BATS_TEST_TMPDIR/audited.json
	sed "s#@CG@#$CG#g" > "$netonly" <<'JSON'
{
	"apiVersion": "rampart.dev/v1", "name": "pods",
	"selector": { "cgroups": ["@CG@"] },
	"network": [ { "create": { "family": "packet" }, "action": "deny" } ]
}
JSON
	sed "s#@CG@#$CG#g" > "$audited" <<'JSON'
{
	"apiVersion": "rampart.dev/v1", "name": "pods", "mode": "audit",
	"selector": { "cgroups": ["@CG@"] },
	"defaults": { "file": "deny" },
	"exec": [ { "path": "/nonexistent", "action": "deny" } ]
}
JSON
	cp "$netonly" "$LIVE"
	rp_start --policy "$LIVE"
	opens_in "network rules only: the open is allowed" "$CG" ok
	cp "$(pattern_policy "$CG")" "$LIVE"
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	opens_in "a file rule added by the reload denies" "$CG" EPERM
	cp "$netonly" "$LIVE"
	kill -HUP "$RP_PID"
	rp_wait_generation 3
	opens_in "the file rule dropped again: allowed" "$CG" ok
	cp "$audited" "$LIVE"
	kill -HUP "$RP_PID"
	rp_wait_generation 4
	echo data > "$BATS_TEST_TMPDIR/other"
	run rp_in_cgroup "$CG" rp-open "$BATS_TEST_TMPDIR/other"
	rp_check "a file default of deny with no file rule, audit mode: allowed" \
		test "$output" = ok
	ev_is "... and reported: the open was decided" "$BATS_TEST_TMPDIR/other" KIND=file \
		DECISION=audit POLICY=pods RULE=defaults.file
}
