#!/usr/bin/env bats
# Tamper resistance while enforcement is on: root cannot get at Rampart's maps, remove
# its pins, unmount their bpffs, trace the daemon or write its binary; only the rampart
# binary that pinned a set (or an upgrade the daemon was told about) removes it.

load helpers

PIN=/sys/fs/bpf/rampart

setup() {
	CG=$(rp_cgroup_new)
	SECRET=$BATS_TEST_TMPDIR/secret
	echo secret > "$SECRET"
	POLICY=$(rp_policy deny "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "guarded",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
)
}

teardown() {
	rp_teardown
	# a test that ran the daemon from a copy unloads with that copy
	[[ -x ${COPY:-} ]] && "$COPY" unload 2> /dev/null
	rampart unload 2> /dev/null
	return 0
}

# denied: the test's denied open is still denied.
denied() {
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	[ "$output" = EPERM ]
}

@test "guard: no process, root included, gets an fd to Rampart's maps" {
	rp_start --policy "$POLICY"
	rp_check "armed" grep -q "guard armed: Rampart's maps take no new fd" "$RP_ERR"
	# the live generation and the selection filter live in the programs' .bss
	run bpftool map dump name rampart_.bss
	rp_check "dump refused" [ "$status" -ne 0 ]
	rp_contains "by the kernel" "$output" "Operation not permitted"
	run bpftool map update name rampart_.bss key 0 0 0 0 value 0 0 0 0
	rp_check "update refused" [ "$status" -ne 0 ]
	rp_contains "update refused by the kernel" "$output" "Operation not permitted"
	run bpftool map dump name rp_tasks
	rp_check "task storage refused" [ "$status" -ne 0 ]
	run bpftool map dump name rp_decisions
	rp_check "decisions refused" [ "$status" -ne 0 ]
	rp_check "still enforced" denied
	# Programs stay visible: prog fds allow no detaching.
	rp_check "bpftool prog show works" sh -c 'bpftool prog show name rp_file_open | grep -q lsm'
}

@test "guard: pins cannot be removed, moved or unmounted; rampart unload can" {
	rp_start --policy "$POLICY"
	set=$(ls -d "$PIN"/set-*)
	run rm -f "$set/rp_file_open"
	rp_check "rm refused" [ "$status" -ne 0 ]
	rp_check "pin still there" [ -e "$set/rp_file_open" ]
	run rm -rf "$PIN"
	rp_check "rm -rf refused" [ -e "$set/rp_file_open" ]
	run mv "$set/rp_file_open" "$PIN/moved"
	rp_check "move out refused" [ "$status" -ne 0 ]
	run mv "$set" "$PIN/moved-set"
	rp_check "set rename refused" [ "$status" -ne 0 ]
	run umount /sys/fs/bpf
	rp_check "umount refused" [ "$status" -ne 0 ]
	run umount -l /sys/fs/bpf
	rp_check "lazy umount refused" [ -e "$set/rp_file_open" ]
	# The LSM link itself cannot be detached on this kernel.
	id=$(bpftool link show | awk -F: '/^[0-9]+:/ { print $1; exit }')
	run bpftool link detach id "$id"
	rp_check "link detach refused" [ "$status" -ne 0 ]
	kill -KILL "$RP_PID"
	wait "$RP_PID" 2> /dev/null || true
	RP_PID=
	rp_check "enforced with the daemon gone" denied
	run rm -f "$set/rp_file_open"
	rp_check "still guarded with the daemon gone" [ -e "$set/rp_file_open" ]
	run rampart unload
	rp_check "unload works" [ "$status" -eq 0 ]
	rp_check "no set left" [ -z "$(ls -d "$PIN"/set-* 2> /dev/null)" ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "nothing enforced after unload" [ "$output" = ok ]
}

@test "guard: a copy of the rampart binary is not trusted to unload" {
	rp_start --policy "$POLICY"
	cp /usr/bin/rampart "$BATS_TEST_TMPDIR/rampart-copy"
	run "$BATS_TEST_TMPDIR/rampart-copy" unload
	rp_check "status 1" [ "$status" -eq 1 ]
	rp_contains "says why" "$output" "the guard lets only the rampart binary that pinned them remove them"
	rp_check "set still pinned" [ -n "$(ls -d "$PIN"/set-* 2> /dev/null)" ]
	rp_check "still enforced" denied
}

@test "guard: the daemon cannot be traced; its binary cannot be written or truncated, even once it is gone" {
	# Run from a copy: were the guard to fail, only the copy would be damaged.
	COPY=$BATS_TEST_TMPDIR/rampart
	cp /usr/bin/rampart "$COPY"
	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl RP_ERR=$BATS_TEST_TMPDIR/rampart.err
	"$COPY" run --policy "$POLICY" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do grep -q 'guard armed' "$RP_ERR" && break; sleep 0.1; done
	rp_check "armed" grep -q 'guard armed' "$RP_ERR"
	run rp-ptrace "$RP_PID"
	rp_check "ptrace refused" [ "$output" = EPERM ]
	run cat "/proc/$RP_PID/environ"
	rp_check "environ refused" [ "$status" -ne 0 ]
	run readlink "/proc/$RP_PID/fd/0"
	rp_check "its fds cannot be reached through /proc" [ "$status" -ne 0 ]
	run "$COPY" status --json
	rp_check "the copy answers status" [ "$(jq -r .pid <<< "$output")" -eq "$RP_PID" ]
	# While it runs the kernel refuses writes itself (ETXTBSY); once it is gone the
	# guard does, so that nobody rewrites the trusted binary in place and runs it.
	kill -KILL "$RP_PID"
	wait "$RP_PID" 2> /dev/null || true
	RP_PID=
	run rp-open -a "$COPY"
	rp_check "open for writing refused" [ "$output" = EPERM ]
	run truncate -s 0 "$COPY"
	rp_check "truncate refused" [ "$status" -ne 0 ]
	rp_check "binary intact" cmp -s "$COPY" /usr/bin/rampart
	run rp-open -r "$COPY"
	rp_check "reading is fine" [ "$output" = ok ]
}

@test "guard: an upgraded binary the daemon was told of (reload) takes over" {
	COPY=$BATS_TEST_TMPDIR/rampart
	cp /usr/bin/rampart "$COPY"
	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl RP_ERR=$BATS_TEST_TMPDIR/rampart.err
	"$COPY" run --policy "$POLICY" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do grep -q 'guard armed' "$RP_ERR" && break; sleep 0.1; done
	# What a package upgrade does: a new file renamed over the old path.
	cp /usr/bin/rampart "$COPY.new"
	mv "$COPY.new" "$COPY"
	run "$COPY" reload
	rp_check "reload ok" [ "$status" -eq 0 ]
	rp_check "the new binary is trusted" grep -q "guard: trusting the new binary at $COPY" "$RP_ERR"
	kill -TERM "$RP_PID"
	wait "$RP_PID" || true
	"$COPY" run --policy "$POLICY" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do grep -q 'guard armed' "$RP_ERR" && break; sleep 0.1; done
	rp_check "took over" grep -q "took over from an earlier rampart: unpinned its 1 set" "$RP_ERR"
	rp_check "one set pinned" [ "$(ls -d "$PIN"/set-* | wc -l)" -eq 1 ]
	rp_check "still enforced" denied
}

@test "guard: an upgrade that points the daemon's symlink at a new binary takes over after a reload" {
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	cp /usr/bin/rampart "$bin/rampart-a"
	ln -s rampart-a "$bin/current"
	COPY=$bin/current	# teardown unloads with whatever current is
	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl RP_ERR=$BATS_TEST_TMPDIR/rampart.err
	"$bin/current" run --policy "$POLICY" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do grep -q 'guard armed' "$RP_ERR" && break; sleep 0.1; done
	# What the DaemonSet's install step does: a new file, and the symlink moved to it.
	cp /usr/bin/rampart "$bin/rampart-b"
	ln -sfn rampart-b "$bin/current"
	run "$bin/current" reload
	rp_check "reload ok" [ "$status" -eq 0 ]
	rp_check "the binary behind the symlink is trusted" grep -q "guard: trusting the new binary at $bin/current" "$RP_ERR"
	kill -TERM "$RP_PID"
	wait "$RP_PID" || true
	"$bin/current" run --policy "$POLICY" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do grep -q 'guard armed' "$RP_ERR" && break; sleep 0.1; done
	rp_check "took over" grep -q "took over from an earlier rampart: unpinned its 1 set" "$RP_ERR"
	rp_check "one set pinned" [ "$(ls -d "$PIN"/set-* | wc -l)" -eq 1 ]
	rp_check "still enforced" denied
}

@test "guard: --no-guard leaves the maps readable by bpftool" {
	rp_start --policy "$POLICY" --no-guard
	run bpftool map dump name rampart_.bss
	rp_check "dump works" [ "$status" -eq 0 ]
	rp_contains "generation 1" "$output" '"rp_live_gen": 1'
}
