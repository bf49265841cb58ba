#!/usr/bin/env bash
# Runs in the guest under qemu -icount (bench/run boots it): what a decision costs, side
# by side. Prints one tab-separated row per figure, starting with "R", and progress
# lines starting with "#"; bench/run keeps the rows and makes the tables.
#
#   R cost OP VARIANT CONFIG RULES BEST_NS ROUND1/ROUND2/ROUND3
#   R check CONFIG RULES WHAT ok|FAILED
#   R apply guest RULES PHASE MEDIAN_MS MAX_MS
#   R mem WHAT RULES VALUE UNIT
#   R audit WHAT VALUE UNIT
#   R load start MEDIAN_MS MAX_MS
#
# Every measured process runs in /sys/fs/cgroup/bench, which this script creates; every
# Rampart policy selects that cgroup or /bench-other, so nothing else can be denied.
# Under icount the guest clock counts instructions ("ns" are instructions): each figure
# is the best of 3 rounds after a discarded warm-up round.
set -u

N_OPEN=${N_OPEN:-20000}
N_EXEC=${N_EXEC:-300}
N_NET=${N_NET:-10000}
COUNTS=${COUNTS:-"10 1000 10000 100000"}
AA_COUNTS=${AA_COUNTS:-"10 1000 10000 100000"}
NET_MAX=32768			# RP_NET_ENTRIES_MAX / 2: trie nodes of one set
AUDIT_ATTEMPTS=${AUDIT_ATTEMPTS:-100000}
CG=/sys/fs/cgroup
W=/tmp/bench
AA=/sys/kernel/security/apparmor
M1=/m1 N1=/n1 M5=/tmp/b/c/d/m5 N5=/tmp/b/c/d/n5
D20=/tmp$(printf '/d%d' $(seq 2 19))
M20=$D20/m20 N20=$D20/n20
# Files with a second name: the verdict cache never holds them. Those on tmpfs (K5, K20)
# sit in a directory whose path the directory cache knows after the first open, as a
# file opened for the first time in a known directory is. Those on ramfs (F5, F20), a
# file system neither cache trusts, and /f1, directly in the root, are decided in full
# (bpf_d_path(), the hash, the lookups) every time, as the first open in a new directory is.
RF=/tmp/rf
F1=/f1 F5=$RF/c/d/f5 F20=$RF$(printf '/d%d' $(seq 3 19))/f20
K1=/f1 K5=/tmp/b/c/d/k5 K20=$D20/k20
RP_PID=
GEN=0

say() { echo "# $*"; }

# row FIELDS...: one result row.
row() {
	local IFS=$'\t'
	echo "R${IFS}$*"
}

# setup: cgroups, the files the bench opens and executes, loopback.
setup() {
	ip link set lo up
	mkdir -p $CG/bench $CG/bench-other $W /srv/data /srv/bin /srv/flood /tmp/b/c/d $D20 \
		/etc/apparmor $RF
	mount -t ramfs bench-rf $RF
	mkdir -p "$(dirname "$F5")" "$(dirname "$F20")"
	touch /etc/apparmor/parser.conf
	for f in $M1 $N1 $M5 $N5 $M20 $N20 /srv/data/denied /srv/flood/f; do echo x > "$f"; done
	for f in $F1 $F5 $F20 $K5 $K20; do echo x > "$f" && ln -f "$f" "$f.link"; done
	cp /usr/bin/rp-true /srv/bin/denied
}

# in_cg NAME CMD...: runs CMD in the cgroup /NAME.
in_cg() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG/$1" "${@:2}"
}

in_bench() { in_cg bench "$@"; }

# measure OP VARIANT CONFIG RULES N ARGS...: a warm-up round of N/4, then the best of 3
# rounds of `rp-bench OP ARGS N`, as one cost row; "error" when an operation failed.
measure() {
	local op=$1 variant=$2 config=$3 rules=$4 n=$5 v best= all=
	shift 5
	if ! in_bench rp-bench "$op" "$@" $((n / 4)) > /dev/null; then
		row cost "$op" "$variant" "$config" "$rules" error -
		return
	fi
	for _ in 1 2 3; do
		v=$(in_bench rp-bench "$op" "$@" "$n") || { best=error; break; }
		all=${all:+$all/}$v
		if [[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$v
		fi
	done
	row cost "$op" "$variant" "$config" "$rules" "$best" "${all:--}"
}

# measure_open CONFIG RULES: the twelve open variants (depth 1, 5, 20; named by an allow
# rule, by none, by none and decided from the directory cache, or by none and decided in
# full every time).
measure_open() {
	local d m n k f
	for d in 1 5 20; do
		m=M$d n=N$d k=K$d f=F$d
		measure open "d$d-match" "$1" "$2" "$N_OPEN" "${!m}"
		measure open "d$d-nomatch" "$1" "$2" "$N_OPEN" "${!n}"
		measure open "d$d-dir" "$1" "$2" "$N_OPEN" "${!k}"
		measure open "d$d-full" "$1" "$2" "$N_OPEN" "${!f}"
	done
}

measure_exec() { measure exec rp-true "$1" "$2" "$N_EXEC" /usr/bin/rp-true; }
measure_connect() { measure connect udp-lo "$1" "$2" "$N_NET" 127.0.0.1 40001; }
measure_bind() { measure bind udp-lo "$1" "$2" "$N_NET" 127.0.0.1 40000; }

# check CONFIG RULES WHAT EXPECT CMD...: CMD, in the bench cgroup, must fail with the error
# EXPECT (the policy in force really confines the bench), or succeed when EXPECT is "ok";
# one check row. Returns 1 when it did not. $CHECK_CG overrides the cgroup.
check() {
	local config=$1 rules=$2 what=$3 expect=$4 out rc
	shift 4
	out=$(in_cg "${CHECK_CG:-bench}" "$@" 2>&1 > /dev/null)
	rc=$?
	if [[ $expect == ok && $rc == 0 ]] || [[ $expect != ok && $rc != 0 && $out == *"$expect"* ]]; then
		row check "$config" "$rules" "$what" ok
		return 0
	fi
	row check "$config" "$rules" "$what" FAILED
	say "check $what under $config $rules failed: expected '$expect', got '$out'"
	return 1
}

# policy FILE ARGS...: a Rampart policy from bench/gen.awk.
policy() {
	local f=$1
	shift
	awk -f bench/gen.awk -v fmt=rampart -v allow="$M1 $M5 $M20" "$@" > "$f"
}

# rp_start POLICY: starts the daemon (events to a file) and waits until it enforces.
rp_start() {
	cp "$1" $W/live.json
	rampart run --policy $W/live.json --no-stdout --log-file $W/events.log \
		> /dev/null 2> $W/rampart.err &
	RP_PID=$!
	GEN=1
	wait_gen
}

# wait_gen: waits until the daemon logs generation $GEN (or a failure).
wait_gen() {
	for _ in $(seq 6000); do
		grep -q "(generation $GEN:" $W/rampart.err && return 0
		grep -q "failed" $W/rampart.err && break
		kill -0 "$RP_PID" 2>/dev/null || break
		sleep 0.1
	done
	say "rampart did not make generation $GEN live:"
	sed 's/^/# /' $W/rampart.err
	return 1
}

# rp_swap POLICY: makes POLICY live with a reload, as an operator would.
rp_swap() {
	cp "$1" $W/live.json
	GEN=$((GEN + 1))
	kill -HUP "$RP_PID"
	wait_gen
}

# rp_stop: stops the daemon and detaches its pinned programs.
rp_stop() {
	[[ -n $RP_PID ]] || return 0
	kill "$RP_PID"
	wait "$RP_PID"
	RP_PID=
	rampart unload 2> /dev/null
}

# aa_load PROFILE RULES KIND: loads an AppArmor profile, timing the compile (one apply
# row); returns the parser's status.
aa_load() {
	local t0=$EPOCHREALTIME rc
	apparmor_parser -r -K "$1" 2> $W/aa.err
	rc=$?
	row apply apparmor-guest "$2" "$3-compile+load" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.1f", (b - a) * 1000 }')" -
	if [[ $rc != 0 ]]; then
		sed 's/^/# apparmor_parser: /' $W/aa.err
		row check apparmor "$2" "$3-compile" "FAILED: apparmor_parser status $rc"
	fi
	return $rc
}

aa_unload() { echo -n rpbench 2> /dev/null > $AA/.remove; }

# baseline: no program at all (AppArmor active, no profile).
baseline() {
	say "no program"
	measure_open base 0
	measure_exec base 0
	measure_connect base 0
	measure_bind base 0
}

# apparmor: the same operations confined by AppArmor profiles of N rules.
apparmor() {
	local n
	for n in $AA_COUNTS; do
		say "AppArmor, $n file rules"
		awk -f bench/gen.awk -v fmt=apparmor -v allow="$M1 $M5 $M20" -v file="$n" > $W/aa
		if aa_load $W/aa "$n" file &&
		   check apparmor "$n" file-deny "Permission denied" rp-bench open /srv/data/denied 1; then
			measure_open apparmor "$n"
		fi
		aa_unload
		say "AppArmor, $n exec rules"
		awk -f bench/gen.awk -v fmt=apparmor -v exec="$n" > $W/aa
		if aa_load $W/aa "$n" exec &&
		   check apparmor "$n" exec-deny "Permission denied" rp-bench exec /srv/bin/denied 1; then
			measure_exec apparmor "$n"
		fi
		aa_unload
	done
	# AppArmor 3.0 on Linux 6.1 mediates sockets by family and type only: no address rule.
	say "AppArmor, network inet dgram"
	awk -f bench/gen.awk -v fmt=apparmor > $W/aa
	if aa_load $W/aa 1 network &&
	   check apparmor 1 file-deny "Permission denied" rp-bench open /srv/data/denied 1; then
		measure_connect apparmor 1
		measure_bind apparmor 1
	fi
	aa_unload
}

# unselected: Rampart enforcing 1,000 rules of each kind on another cgroup.
unselected() {
	say "Rampart, process not selected"
	policy $W/p.json -v cg=/bench-other -v file=1000 -v exec=1000 -v connect=1000 -v bind=1000
	rp_swap $W/p.json || return
	check unselected 1000 bench-not-confined ok rp-bench open /srv/data/denied 1 || return
	CHECK_CG=bench-other check unselected 1000 other-confined "Operation not permitted" \
		rp-bench open /srv/data/denied 1 || return
	measure_open unselected 1000
	measure_exec unselected 1000
	measure_connect unselected 1000
	measure_bind unselected 1000
}

# selected N: the process's cgroup selected, N rules of the measured kind.
selected() {
	local n=$1 nn=$1
	[[ $nn -le $NET_MAX ]] || nn=$NET_MAX
	say "Rampart, selected, $n file rules"
	policy $W/p.json -v cg=/bench -v file="$n"
	if rp_swap $W/p.json &&
	   check rampart "$n" file-deny "Operation not permitted" rp-bench open /srv/data/denied 1; then
		measure_open rampart "$n"
	fi
	say "Rampart, selected, $n exec rules"
	policy $W/p.json -v cg=/bench -v exec="$n"
	if rp_swap $W/p.json &&
	   check rampart "$n" exec-deny "Operation not permitted" rp-bench exec /srv/bin/denied 1; then
		measure_exec rampart "$n"
	fi
	say "Rampart, selected, $nn connect rules"
	policy $W/p.json -v cg=/bench -v connect="$nn"
	if rp_swap $W/p.json && check rampart "$nn" connect-deny "Operation not permitted" \
			rp-bench connect 10.255.255.254 53 1; then
		measure_connect rampart "$nn"
	fi
	say "Rampart, selected, $nn bind rules"
	policy $W/p.json -v cg=/bench -v bind="$nn"
	if rp_swap $W/p.json && check rampart "$nn" bind-deny "Operation not permitted" \
			rp-bench bind 127.0.0.2 40002 1; then
		measure_bind rampart "$nn"
	fi
}

# kernel_kb: slab and per-CPU memory, where BPF map elements live.
kernel_kb() {
	awk '/^(Slab|Percpu):/ { s += $2 } END { print s }' /proc/meminfo
}

# proc_kb PID FIELD: VmRSS or VmHWM of a process, in kB.
proc_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# memory: a fresh daemon at 10 file rules, then swapped to 100,000.
memory() {
	local k10 k100 n=100000
	say "memory: 10 and $n file rules"
	policy $W/p10.json -v cg=/bench -v file=10
	policy $W/p100k.json -v cg=/bench -v file=$n
	rp_start $W/p10.json || return
	sleep 2
	k10=$(kernel_kb)
	row mem daemon-rss 10 "$(proc_kb "$RP_PID" VmRSS)" kB
	row mem daemon-hwm 10 "$(proc_kb "$RP_PID" VmHWM)" kB
	row mem kernel-slab-percpu 10 "$k10" kB
	rp_swap $W/p100k.json || { rp_stop; return; }
	sleep 2
	k100=$(kernel_kb)
	row mem daemon-rss $n "$(proc_kb "$RP_PID" VmRSS)" kB
	row mem daemon-hwm $n "$(proc_kb "$RP_PID" VmHWM)" kB
	row mem kernel-slab-percpu $n "$k100" kB
	row mem kernel-bytes-per-rule $n \
		"$(awk -v a="$k10" -v b="$k100" -v n=$n 'BEGIN { printf "%.1f", (b - a) * 1024 / (n - 10) }')" B
	rp_stop
}

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# status_read: events read and lost in the kernel, "READ LOST", from the daemon's last
# status log line (SIGUSR1): a small file, cheap to read while the daemon works.
status_read() {
	grep 'status: generation' $W/rampart.err | tail -n 1 |
		sed -n 's/.* \([0-9]*\) events read,.* \([0-9]*\) lost in the kernel.*/\1 \2/p'
}

# audit: a tight loop of denials, every one reported to the log file.
audit() {
	local n=$AUDIT_ATTEMPTS t0 t1 c0 c1 nread lost= delivered out
	say "audit: $n denials to a log file"
	cat > $W/audit.json <<-JSON
	{ "apiVersion": "rampart.dev/v1", "name": "bench-audit",
	  "selector": { "cgroups": ["/bench"] },
	  "file": [ { "dir": "/srv/flood", "recursive": true, "access": ["read"], "action": "deny" } ] }
	JSON
	rm -f $W/events.log
	cp $W/audit.json $W/live.json
	rampart run --policy $W/live.json --no-stdout --log-file $W/events.log \
		--coalesce-ms 0 --rate-limit 1000000 > /dev/null 2> $W/rampart.err &
	RP_PID=$! GEN=1
	wait_gen || return
	c0=$(cpu_ticks "$RP_PID")
	t0=$EPOCHREALTIME
	out=$(in_bench rp-flood "$n" /srv/flood/f)
	for _ in $(seq 600); do
		kill -USR1 "$RP_PID"
		sleep 0.1
		read -r nread lost <<< "$(status_read)"
		[[ -n $nread && $((nread + lost)) -ge $n ]] && break
	done
	t1=$EPOCHREALTIME
	c1=$(cpu_ticks "$RP_PID")
	rp_stop
	delivered=$(grep -c '"path":"/srv/flood/f"' $W/events.log)
	row audit flood "$out" -
	row audit attempts "$n" events
	row audit delivered "$delivered" events
	row audit lost "${lost:-0}" events
	row audit accounted "$([[ $((delivered + ${lost:-0})) == "$n" ]] && echo yes || echo no)" -
	row audit seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" s
	row audit events-per-s "$(awk -v a="$t0" -v b="$t1" -v d="$delivered" \
		'BEGIN { printf "%.0f", d / (b - a) }')" events/s
	# /proc/PID/stat counts in USER_HZ, 100 on x86.
	row audit daemon-cpu-per-100k "$(awk -v c=$((c1 - c0)) -v hz=100 \
		-v d="$delivered" 'BEGIN { printf "%.3f", d ? c / hz * 100000 / d : 0 }')" s
}

# load: the daemon's start, from exec to "enforcing" (3 rounds; icount "ms" are millions
# of instructions, most of them the verifier's).
load() {
	local i t0 ms=() sorted
	say "load: daemon start to enforcing, 3 rounds"
	policy $W/load.json -v cg=/bench-other -v file=10
	cp $W/load.json $W/live.json
	for i in 1 2 3; do
		: > $W/rampart.err
		t0=$EPOCHREALTIME
		rampart run --policy $W/live.json --no-stdout --log-file $W/events.log \
			> /dev/null 2> $W/rampart.err &
		RP_PID=$!
		until grep -q enforcing $W/rampart.err; do
			kill -0 "$RP_PID" 2>/dev/null || { say "rampart did not start:"; sed 's/^/# /' $W/rampart.err; return 1; }
			sleep 0.01
		done
		ms+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')")
		rp_stop
	done
	sorted=($(printf '%s\n' "${ms[@]}" | sort -n))
	row load start "${sorted[1]}" "${sorted[2]}"
}

# apply_guest: bench-apply in the guest (guest "ms" are instruction counts too).
apply_guest() {
	local n j
	for n in 1000 10000 100000; do
		say "bench-apply, $n file rules"
		policy $W/a.json -v cg=/bench -v file="$n"
		j=$(rampart bench-apply --policy $W/a.json --rounds 3) || continue
		jq -r --arg n "$n" '["parse_ms", "compile_ms", "apply_ms", "total_ms", "retire_ms", "total_cpu_ms"][] as $k |
			["R", "apply", "guest", $n, $k, .[$k].median, .[$k].max] | @tsv' <<< "$j"
		jq -r --arg n "$n" '["R", "mem", "memlock-rp_decisions", $n, .rp_decisions.memlock, "B"],
			["R", "mem", "entries-rp_decisions", $n, .rp_decisions.entries, "entries"] |
			@tsv' <<< "$j"
	done
}

# net_quick: connect and bind only, in a minute: no program, not selected (the policy of
# unselected()), and selected under 10,000 rules of the measured kind. For a change to
# the network hooks: `tests/vm/run --icount bench/guest.sh net_quick`.
net_quick() {
	measure_connect base 0
	measure_bind base 0
	policy $W/p.json -v cg=/bench-other -v file=1000 -v exec=1000 -v connect=1000 -v bind=1000
	rp_start $W/p.json || return
	measure_connect unselected 1000
	measure_bind unselected 1000
	policy $W/p.json -v cg=/bench -v connect=10000
	rp_swap $W/p.json && check rampart 10000 connect-deny "Operation not permitted" \
		rp-bench connect 10.255.255.254 53 1 && measure_connect rampart 10000
	policy $W/p.json -v cg=/bench -v bind=10000
	rp_swap $W/p.json && check rampart 10000 bind-deny "Operation not permitted" \
		rp-bench bind 127.0.0.2 40002 1 && measure_bind rampart 10000
	rp_stop
}

main() {
	setup
	row info kernel "$(uname -r)" lsm "$(cat /sys/kernel/security/lsm)"
	row info n "open=$N_OPEN exec=$N_EXEC net=$N_NET" icount "$(date -u +%FT%TZ)"
	baseline
	apparmor
	policy $W/p0.json -v cg=/bench-other -v file=10
	rp_start $W/p0.json || exit 1
	unselected
	for n in $COUNTS; do selected "$n"; done
	rp_stop
	# The baseline again, after everything: it shows any drift within the boot.
	measure open d5-nomatch base-end 0 "$N_OPEN" "$N5"
	memory
	audit
	load
	apply_guest
	say "done"
}

# With arguments: the set-up, then only the steps named (e.g. `bench/guest.sh load`).
if [[ $# -gt 0 ]]; then
	setup
	for step in "$@"; do "$step"; done
else
	main
fi
