#!/usr/bin/env bats
# The daemon's lifetime: enforcement pinned in bpffs outlives the process, a restarted
# daemon takes over with no window, and only rampart unload ends it.

load helpers

PIN=/sys/fs/bpf/rampart

setup() {
	CG=$(rp_cgroup_new)
	SECRET=$BATS_TEST_TMPDIR/secret
	echo secret > "$SECRET"
	POLICY=$(rp_policy deny "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "deny-secret",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ]
}
JSON
)
}

teardown() {
	[[ -n ${WORKER:-} ]] && { touch "$BATS_TEST_TMPDIR/stop"; wait "$WORKER"; }
	rp_teardown
}

# pinned_sets: how many sets are pinned.
pinned_sets() {
	ls -d "$PIN"/set-* 2> /dev/null | wc -l
}

# loaded NAME: how many programs called NAME are loaded, once the count is steady (a
# detached program is freed after an RCU grace period).
loaded() {
	local n
	for _ in $(seq 50); do
		n=$(bpftool prog show name "$1" | grep -c "^[0-9]*: lsm")
		[[ $n == "${2:-1}" ]] && break
		sleep 0.1
	done
	echo "$n"
}

@test "pin: a running rampart pins one set with a link per attached program" {
	rp_start --policy "$POLICY"
	rp_check "one set" [ "$(pinned_sets)" -eq 1 ]
	set=$(ls -d "$PIN"/set-*)
	rp_check "pinned rp_file_open" [ -e "$set/rp_file_open" ]
	rp_check "a pin per attached program" [ "$(ls "$set" | wc -l)" -eq \
		"$(rampart status --json | jq '[.programs[] | select(.attached)] | length')" ]
	rp_check "set is root-only" [ "$(stat -c %a "$set")" = 700 ]
	rp_check "logged" grep -q "programs pinned under $set: enforcement continues" "$RP_ERR"
}

# hook_attached PROGRAM: true or false, as rampart status --json reports it.
hook_attached() {
	rampart status --json | jq -r --arg p "$1" '.programs[] | select(.program == $p) | .attached'
}

# swap_policy FILE GEN: makes FILE the daemon's policy (the path it was started with) by
# a reload, and waits for generation GEN.
swap_policy() {
	cp "$1" "$BATS_TEST_TMPDIR/live.json"
	kill -HUP "$RP_PID"
	rp_wait_generation "$2"
}

@test "hooks on demand: attached and pinned before the first policy that needs them is live, detached after the last" {
	local set net
	net=$(rp_policy net "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "deny-secret",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ { "path": "$SECRET", "action": "deny" } ],
	"network": [ { "connect": { "address": "127.0.0.1", "ports": [9050] }, "action": "deny" } ]
}
JSON
)
	cp "$POLICY" "$BATS_TEST_TMPDIR/live.json"
	rp_start --policy "$BATS_TEST_TMPDIR/live.json"
	set=$(ls -d "$PIN"/set-*)
	# a file-only policy: the socket and exec hooks are not attached at all
	for p in rp_bprm_check rp_socket_create rp_socket_connect rp_socket_bind \
		 rp_socket_sendmsg rp_socket_listen rp_unix_connect rp_unix_send; do
		rp_check "$p not attached" [ "$(hook_attached "$p")" = false ]
		rp_check "$p not pinned" [ ! -e "$set/$p" ]
	done
	rp_check "file_open attached" [ "$(hook_attached rp_file_open)" = true ]
	rampart status | grep -q "socket_connect .* not attached: no policy needs it" ||
		{ echo "check 'status text names an on-demand hook' failed" >&2; return 1; }
	run rp_in_cgroup "$CG" rp-net connect udp 127.0.0.1 9050
	rp_check "connect allowed under the file-only policy" [ "$output" = ok ]

	# a connect rule: its hooks are attached before the generation goes live
	swap_policy "$net" 2
	run rp_in_cgroup "$CG" rp-net connect udp 127.0.0.1 9050
	rp_check "connect denied from the first call after the reload" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-net sendto 127.0.0.1 9050
	rp_check "sendto denied too (socket_sendmsg attached with connect)" [ "$output" = EPERM ]
	for p in rp_socket_connect rp_socket_bind rp_socket_sendmsg rp_socket_listen; do
		rp_check "$p attached" [ "$(hook_attached "$p")" = true ]
		rp_check "$p pinned in the daemon's set" [ -e "$set/$p" ]
	done
	for p in rp_socket_create rp_unix_connect rp_unix_send rp_bprm_check; do
		rp_check "$p still not attached (no rule of its kind)" [ "$(hook_attached "$p")" = false ]
	done

	# back to file rules only: detached after the flip, pins removed
	swap_policy "$POLICY" 3
	run rp_in_cgroup "$CG" rp-net connect udp 127.0.0.1 9050
	rp_check "connect allowed again" [ "$output" = ok ]
	rp_check "rp_socket_connect detached" [ "$(hook_attached rp_socket_connect)" = false ]
	rp_check "its pin removed" [ ! -e "$set/rp_socket_connect" ]
	rp_check "no warning about a hook left attached" [ "$(grep -c 'could not be unpinned' "$RP_ERR")" -eq 0 ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "file rule still enforced" [ "$output" = EPERM ]

	# attached on demand and then killed: the pin keeps the hook enforcing
	swap_policy "$net" 4
	kill -KILL "$RP_PID"
	wait "$RP_PID" 2> /dev/null || true
	run rp_in_cgroup "$CG" rp-net connect udp 127.0.0.1 9050
	rp_check "connect still denied with the daemon killed" [ "$output" = EPERM ]
	rp_check "attaching passed the daemon's seccomp filter: nothing refused but its own check" \
		[ "$(dmesg | grep 'type=1326' | grep " pid=$RP_PID " | grep -vc ' syscall=135 ')" -eq 0 ]
	RP_PID=
}

@test "pin: killed by SIGKILL and restarted 10 times, a denied open never succeeds" {
	local i lines opened denied
	# tests/run-all runs this test again in a guest of its own with one CPU
	[[ $(nproc) == 1 ]] || skip "runs in the one-CPU guest (README, Known problems)"
	rp_start --policy "$POLICY"
	# A worker in the cgroup tries the denied open every 2 ms, for as long as the test
	# runs (in runs of 2 s, each printing its counts). Not flat out: in the emulated
	# guest, attaching or detaching programs while another CPU kept running the hooked
	# function without pause sometimes locked up both CPUs (README, "Known problems").
	rp_in_cgroup "$CG" sh -c 'while [ ! -e "$0/stop" ]; do rp-hammer 2 2000 - "$1"; done' \
		"$BATS_TEST_TMPDIR" "$SECRET" > "$BATS_TEST_TMPDIR/worker.out" 2>&1 3>&- &
	WORKER=$!
	for i in $(seq 10); do
		kill -KILL "$RP_PID"
		wait "$RP_PID" 2> /dev/null || true
		RP_PID=
		rp_start --policy "$POLICY"
	done
	sleep 0.5
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$WORKER"
	WORKER=
	lines=$(grep -c '^opened=' "$BATS_TEST_TMPDIR/worker.out")
	opened=$(awk -F'[= ]' '/^opened=/ { n += $2 } END { print n + 0 }' "$BATS_TEST_TMPDIR/worker.out")
	denied=$(awk -F'[= ]' '/^opened=/ { n += $4 } END { print n + 0 }' "$BATS_TEST_TMPDIR/worker.out")
	echo "# $lines worker runs, $denied attempts denied, $opened opened" >&3
	rp_check "the worker ran throughout" [ "$lines" -ge 20 ]
	rp_check "only denials" [ "$(grep -cE '^opened=0 open_denied=[1-9][0-9]* execed=0 exec_denied=0 errors=0$' \
		"$BATS_TEST_TMPDIR/worker.out")" -eq "$lines" ]
	rp_check "not one open succeeded" [ "$opened" -eq 0 ]
	rp_check "one set pinned at the end" [ "$(pinned_sets)" -eq 1 ]
	rp_check "takeover logged" grep -q "took over from an earlier rampart: unpinned its 1 set" "$RP_ERR"
	rp_check "one file_open program loaded" [ "$(loaded rp_file_open)" -eq 1 ]
}

@test "pin: a rampart that cannot start leaves the pinned set enforcing" {
	rp_start --policy "$POLICY"
	kill -KILL "$RP_PID"
	wait "$RP_PID" 2> /dev/null || true
	RP_PID=
	# A pin directory outside bpffs: the new daemon loads, attaches, fails to pin, exits.
	run rampart run --policy "$POLICY" --pin-dir "$BATS_TEST_TMPDIR/not-bpffs"
	rp_check "status 1" [ "$status" -eq 1 ]
	rp_contains "named" "$output" "pinning the programs failed: $BATS_TEST_TMPDIR/not-bpffs is not on a bpf filesystem"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied" [ "$output" = EPERM ]
	rp_check "earlier set kept" [ "$(pinned_sets)" -eq 1 ]
	# A policy that does not parse: refused before the kernel is touched.
	echo '{' > "$BATS_TEST_TMPDIR/bad.json"
	run rampart run --policy "$BATS_TEST_TMPDIR/bad.json"
	rp_check "bad policy: status 1" [ "$status" -eq 1 ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied after a bad policy" [ "$output" = EPERM ]
}

@test "unload: detaches every pinned set; a running rampart keeps its own until it exits" {
	rp_start --policy "$POLICY"
	run rampart unload
	rp_check "unload status" [ "$status" -eq 0 ]
	rp_check "nothing pinned" [ "$(pinned_sets)" -eq 0 ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "the running daemon still enforces" [ "$output" = EPERM ]
	# a reload that needs a hook attached on demand: attached, unpinned as unload means
	jq '.network = [ { "connect": { "address": "127.0.0.1", "ports": [9050] }, "action": "deny" } ]' \
		"$POLICY" > "$POLICY.new" && mv "$POLICY.new" "$POLICY"
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	run rp_in_cgroup "$CG" rp-net connect udp 127.0.0.1 9050
	rp_check "a hook attached after unload enforces" [ "$output" = EPERM ]
	rp_check "still nothing pinned" [ "$(pinned_sets)" -eq 0 ]
	rp_stop
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "allowed once it exited" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-net connect udp 127.0.0.1 9050
	rp_check "connect allowed once it exited" [ "$output" = ok ]
	run rampart unload --pin-dir
	rp_check "usage error: status 2" [ "$status" -eq 2 ]
	rp_contains "usage named" "$output" "usage: rampart unload [--pin-dir DIR]"
}

# policy_file NAME PATH: a policy denying PATH in the test's cgroup, on stdout.
policy_file() {
	cat <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "$1",
	"selector": { "cgroups": ["$CG"] },
	"file": [ { "path": "$2", "action": "deny" } ]
}
JSON
}

@test "policy-dir: a file added is enforced without a signal; removed, its rules end" {
	local dir=$BATS_TEST_TMPDIR/policies.d other=$BATS_TEST_TMPDIR/other
	echo o > "$other"
	mkdir -p "$dir"
	policy_file first "$SECRET" > "$dir/first.json"
	rp_start --policy-dir "$dir"
	run rp_in_cgroup "$CG" rp-open "$other"
	rp_check "other allowed at first" [ "$output" = ok ]
	policy_file second "$other" > "$dir/second.json"
	rp_wait_generation 2
	rp_check "reload logged" grep -q "a policy directory changed: reloading" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$other"
	rp_check "other denied once added" [ "$output" = EPERM ]
	# Files that are not policies (hidden, editors' swap files) cause no reload.
	echo junk > "$dir/.second.json.swp"
	sleep 1
	rp_check "no reload for a hidden file" [ "$(grep -c 'a policy directory changed' "$RP_ERR")" -eq 1 ]
	rm "$dir/second.json"
	rp_wait_generation 3
	run rp_in_cgroup "$CG" rp-open "$other"
	rp_check "other allowed once removed" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "secret still denied" [ "$output" = EPERM ]
}

@test "policy-dir: a ConfigMap update (a new ..data link renamed over the old) is enforced" {
	local dir=$BATS_TEST_TMPDIR/cm other=$BATS_TEST_TMPDIR/other
	echo o > "$other"
	# The layout kubelet's atomic writer makes: files are links into ..data, a link to
	# a timestamped directory.
	mkdir -p "$dir/..2026_11_25_01"
	policy_file cm "$SECRET" > "$dir/..2026_11_25_01/cm.json"
	ln -s ..2026_11_25_01 "$dir/..data"
	ln -s ..data/cm.json "$dir/cm.json"
	rp_start --policy-dir "$dir"
	run rp_in_cgroup "$CG" rp-open "$other"
	rp_check "other allowed before the update" [ "$output" = ok ]
	mkdir "$dir/..2026_11_25_02"
	policy_file cm "$other" > "$dir/..2026_11_25_02/cm.json"
	ln -s ..2026_11_25_02 "$dir/..data_tmp"
	mv -T "$dir/..data_tmp" "$dir/..data"
	rm -rf "$dir/..2026_11_25_01"
	rp_wait_generation 2
	run rp_in_cgroup "$CG" rp-open "$other"
	rp_check "the new version is enforced" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "the old version is gone" [ "$output" = ok ]
	sleep 1
	rp_check "one reload for the whole update" [ "$(grep -c '(generation' "$RP_ERR")" -eq 2 ]
}

@test "policy-dir: a bad file is reported with its error and the set in force stays" {
	local dir=$BATS_TEST_TMPDIR/policies.d
	mkdir -p "$dir"
	policy_file first "$SECRET" > "$dir/first.json"
	rp_start --policy-dir "$dir"
	echo '{ "apiVersion": "rampart.dev/v1", "name": ' > "$dir/broken.json"
	for _ in $(seq 100); do grep -q "reload failed" "$RP_ERR" && break; sleep 0.1; done
	rp_check "failure logged, naming the file" grep -q "reload failed: $dir/broken.json" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "old set still enforced" [ "$output" = EPERM ]
	rm "$dir/first.json" "$dir/broken.json"
	for _ in $(seq 100); do [[ $(grep -c "reload failed" "$RP_ERR") -ge 2 ]] && break; sleep 0.1; done
	rp_check "an emptied directory is refused too" grep -q "reload failed: $dir: no \*.json policies found" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still enforced after emptying" [ "$output" = EPERM ]
}

@test "seccomp: the running daemon is confined; a call outside its list is refused and logged" {
	rp_start --policy "$POLICY"
	for _ in $(seq 50); do grep -q "confined: seccomp" "$RP_ERR" && break; sleep 0.1; done
	rp_check "confinement logged" grep -q "confined: seccomp allows [0-9]* system calls (bpf() for map commands and attaching its own programs only)" "$RP_ERR"
	rp_check "filter mode" grep -q "^Seccomp:[[:space:]]*2$" "/proc/$RP_PID/status"
	rp_check "one filter" grep -q "^Seccomp_filters:[[:space:]]*1$" "/proc/$RP_PID/status"
	# The daemon's own check at start: personality() (135 on x86_64) refused, and the
	# kernel's audit record of it names the daemon.
	rp_check "refusal logged by the kernel" sh -c \
		"dmesg | grep 'type=1326' | grep ' pid=$RP_PID ' | grep -q ' syscall=135 '"
	# Confined, it still reloads, reports and serves: a new generation and an event.
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied" [ "$output" = EPERM ]
	ev_for "$SECRET" > /dev/null
	rp_stop
	rp_check "exits cleanly" grep -q "stopped by signal 15" "$RP_ERR"
	rp_check "no other refusal" [ "$(dmesg | grep 'type=1326' | grep " pid=$RP_PID " | grep -vc ' syscall=135 ')" -eq 0 ]
}

@test "seccomp: --no-seccomp leaves the daemon unconfined" {
	rp_start --policy "$POLICY" --no-seccomp
	rp_check "not confined" grep -q "^Seccomp:[[:space:]]*0$" "/proc/$RP_PID/status"
	rp_check "nothing logged about it" [ "$(grep -c 'confined: seccomp' "$RP_ERR")" -eq 0 ]
}

@test "capabilities: the daemon keeps only CAP_BPF, CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, and still works" {
	rp_start --policy "$POLICY"
	for _ in $(seq 50); do grep -q "capabilities dropped" "$RP_ERR" && break; sleep 0.1; done
	rp_check "drop logged" grep -q "capabilities dropped: only CAP_BPF, CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE are left" "$RP_ERR"
	for set in CapEff CapPrm CapBnd; do
		rp_check "$set is CAP_BPF|CAP_SYS_PTRACE|CAP_DAC_READ_SEARCH" grep -q "^$set:[[:space:]]*0000008000080004$" "/proc/$RP_PID/status"
	done
	rp_check "nothing inheritable" grep -q "^CapInh:[[:space:]]*0000000000000000$" "/proc/$RP_PID/status"
	rp_check "no ambient" grep -q "^CapAmb:[[:space:]]*0000000000000000$" "/proc/$RP_PID/status"
	# Without the rest it still reloads, decides and names the event's cgroup.
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied" [ "$output" = EPERM ]
	rp_contains "event names the cgroup" "$(ev_for "$SECRET")" "\"cgroup\":\"$CG\""
	run rampart status --json
	rp_check "status answered" [ "$(jq -r .generation <<< "$output")" -eq 2 ]
	rp_stop
}

@test "capabilities: --keep-capabilities keeps them" {
	rp_start --policy "$POLICY" --keep-capabilities
	rp_check "full set kept" [ "$(awk '/^CapEff:/ { print $2 }' "/proc/$RP_PID/status")" != 0000008000080004 ]
	rp_check "nothing logged about it" [ "$(grep -c 'capabilities dropped' "$RP_ERR")" -eq 0 ]
}

@test "capabilities: without CAP_PERFMON the start names it; without CAP_SYSLOG the verdict cache is reported off" {
	local all=bpf,perfmon,setpcap,dac_read_search,sys_ptrace,syslog
	run rp-caps "${all/perfmon,/}" rampart run --policy "$POLICY"
	rp_check "refused" [ "$status" -eq 1 ]
	rp_contains "names the missing capability" "$output" "this process lacks CAP_PERFMON, which rampart run needs"
	rp_check_not "does not blame the kernel" grep -q "cannot be used on this kernel" <<< "$output"

	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl RP_ERR=$BATS_TEST_TMPDIR/rampart.err
	rp-caps "${all/,syslog/}" rampart run --policy "$POLICY" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do grep -q enforcing "$RP_ERR" && break; sleep 0.1; done
	rp_check "starts without CAP_SYSLOG" grep -q enforcing "$RP_ERR"
	rp_check "warns the verdict cache stays off" grep -q "the verdict cache stays off: /proc/kallsyms hides kernel addresses" "$RP_ERR"
	run rampart status --json
	rp_check "status: verdict cache off" [ "$(jq -r .features.verdict_cache <<< "$output")" == false ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied" [ "$output" = EPERM ]
}
