#!/usr/bin/env bats
# The Debian package (make deb), installed with busybox dpkg: the installed daemon,
# started with the unit's ExecStart under the unit's capability bounding set and
# NoNewPrivileges (rp-caps, as systemd would), enforces a policy in the packaged policy
# directory; only the installed binary's `rampart unload` ends it, and removing the
# package runs that unload. Every policy is scoped to a cgroup the test creates.

load helpers

UNIT=/lib/systemd/system/rampart.service
POLICY_DIR=/etc/rampart/policies.d
KEPT=0000008000080004	# CAP_BPF, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH: what the daemon keeps

setup_file() {
	local debs=(/rampart/build/rampart_*.deb)
	[[ -f ${debs[0]} && ${#debs[@]} -eq 1 ]] ||
		{ echo "expected one build/rampart_*.deb in the guest: run 'make deb'" >&2; return 1; }
	export DEB=${debs[0]}
}

setup() {
	CG=$(rp_cgroup_new)
	SECRET=$BATS_TEST_TMPDIR/secret
	OPEN=$BATS_TEST_TMPDIR/open
	echo secret > "$SECRET"
	echo open > "$OPEN"
}

teardown() {
	if [[ -n ${RP_PID:-} ]]; then
		kill -TERM "$RP_PID" 2> /dev/null
		wait "$RP_PID" 2> /dev/null
	fi
	RP_PID=
	[[ -x /usr/sbin/rampart ]] && /usr/sbin/rampart unload 2> /dev/null
	rm -f "$POLICY_DIR"/rp-*.json
	rp_teardown
	dpkg -P rampart > /dev/null 2>&1
	return 0
}

# Installs the package with busybox dpkg (no dependency database in the guest).
install_deb() {
	mkdir -p /var/lib/dpkg/info
	touch /var/lib/dpkg/status
	run dpkg -i --force-depends "$DEB"
	echo "$output"
	rp_check "dpkg -i" [ "$status" -eq 0 ]
	rp_check "installed binary" [ -x /usr/sbin/rampart ]
	rp_check "not the suite's binary" [ "$(stat -c %i /usr/sbin/rampart)" != "$(stat -c %i /usr/bin/rampart)" ]
	rp_check "unit installed" [ -f "$UNIT" ]
	rp_check "postinst ran (no systemd: the unit is enabled for a later boot)" \
		[ -L /etc/systemd/system/multi-user.target.wants/rampart.service ]
}

# Starts the installed daemon as the unit would: its ExecStart, its bounding set, NNP.
start_as_unit() {
	local caps exec
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
	exec=$(sed -n 's/^ExecStart=//p' "$UNIT")
	rp_check "bounding set in the unit" [ -n "$caps" ]
	rp_check "ExecStart runs the installed binary" [ "${exec%% *}" = /usr/sbin/rampart ]
	rp_policy rp-packaged "$CG" > /dev/null <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "packaged",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
	cp "$BATS_TEST_TMPDIR/rp-packaged.json" "$POLICY_DIR/"
	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl
	RP_ERR=$BATS_TEST_TMPDIR/rampart.err
	# shellcheck disable=SC2086 # ExecStart is split into words, as systemd does
	rp-caps "$caps" $exec > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 900); do
		grep -q 'confined:' "$RP_ERR" && return 0
		kill -0 "$RP_PID" 2> /dev/null || break
		sleep 0.1
	done
	echo "the installed rampart did not start and confine itself:" >&2
	cat "$RP_ERR" >&2
	return 1
}

denied() { [ "$(rp_in_cgroup "$CG" rp-open "$SECRET")" = EPERM ]; }
allowed() { [ "$(rp_in_cgroup "$CG" rp-open "$SECRET")" = ok ]; }

# cache_stored: the verdict cache's store count, from a status report (SIGUSR1).
cache_stored() { rp_status_count 'verdict cache: [0-9]+ hits, ([0-9]+) stored'; }

@test "package: installed with dpkg, the daemon runs under the unit's capabilities and denies in the test's cgroup" {
	install_deb
	start_as_unit
	rp_contains "enforcing the packaged directory" "$(cat "$RP_ERR")" "start: enforcing 1 policy"
	rp_contains "capabilities dropped" "$(cat "$RP_ERR")" "capabilities dropped"
	rp_check "bounding set is the kept set" grep -q "^CapBnd:.$KEPT$" "/proc/$RP_PID/status"
	rp_check "effective set is the kept set" grep -q "^CapEff:.$KEPT$" "/proc/$RP_PID/status"
	rp_check "no new privileges" grep -q "^NoNewPrivs:.1$" "/proc/$RP_PID/status"
	rp_check "denied in the cgroup" denied
	rp_check "allowed outside it" [ "$(rp-open "$SECRET")" = ok ]
	ev_is "deny event" "$SECRET" DECISION=deny POLICY=packaged
	# CAP_SYSLOG at start is what lets libbpf read the verdict cache's kernel symbols.
	rp_check "allowed open" [ "$(rp_in_cgroup "$CG" rp-open "$OPEN")" = ok ]
	rp_check "allowed open again" [ "$(rp_in_cgroup "$CG" rp-open "$OPEN")" = ok ]
	rp_check "verdict cache stores" [ "$(cache_stored)" -ge 1 ]
	run /usr/sbin/rampart reload
	rp_check "ExecReload" [ "$status" -eq 0 ]
	rp_stop
	rp_check "still denied with the daemon stopped" denied
	run rampart unload
	rp_check "another rampart binary cannot unload it" denied
	run /usr/sbin/rampart unload
	rp_check "installed binary unloads" [ "$status" -eq 0 ]
	rp_check "allowed after unload" allowed
}

@test "package: dpkg -r ends enforcement (prerm runs the installed rampart unload)" {
	install_deb
	start_as_unit
	rp_check "denied" denied
	rp_stop	# what prerm's `systemctl stop` does where systemd runs
	run dpkg -r rampart
	echo "$output"
	rp_check "dpkg -r" [ "$status" -eq 0 ]
	rp_check "binary removed" [ ! -e /usr/sbin/rampart ]
	rp_check "conffile kept" [ -f "$POLICY_DIR/README" ]
	rp_check "allowed once the package is gone" allowed
	rp_check "nothing pinned" [ -z "$(ls /sys/fs/bpf/rampart 2> /dev/null)" ]
}
