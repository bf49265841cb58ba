#!/usr/bin/env bats
# Host tests of `rampart bench-apply`: it creates the maps only (no program), which this
# host's lockdown allows, so applies are timed for real here. The policies select the
# root cgroup: nothing is enforced, since no program is loaded.

bats_require_minimum_version 1.5.0

RAMPART=${RAMPART:-$BATS_TEST_DIRNAME/../../build/rampart}

# small_policy FILE NFILE NNET: NFILE file rules and NNET connect rules, selecting "/".
small_policy() {
	awk -v nf="$2" -v nn="$3" 'BEGIN {
		printf "{\"apiVersion\":\"rampart.dev/v1\",\"name\":\"bench-t\",\"selector\":{\"cgroups\":[\"/\"]},\"file\":["
		for (i = 0; i < nf; i++) printf "%s{\"path\":\"/srv/t/f%d\",\"action\":\"deny\"}", i ? "," : "", i
		printf "],\"network\":["
		for (i = 0; i < nn; i++) printf "%s{\"connect\":{\"address\":\"10.9.0.%d\"},\"action\":\"deny\"}", i ? "," : "", i
		print "]}"
	}' > "$1"
}

# field EXPR: the jq expression on the JSON line in $output.
field() {
	jq -r "$1" <<< "$output"
}

@test "bench-apply: one JSON line with sane timings, entries and memory" {
	local p=$BATS_TEST_TMPDIR/p.json
	small_policy "$p" 50 5
	run --separate-stderr "$RAMPART" bench-apply --policy "$p" --rounds 3
	echo "status $status; stdout: $output; stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	[ "$(field .rules)" -eq 55 ]
	[ "$(field .rounds)" -eq 3 ]
	[ "$(field '.policies[0]')" = "$p" ]
	for ph in parse_ms compile_ms apply_ms total_ms retire_ms total_cpu_ms; do
		[ "$(field "(.$ph.median > 0) and (.$ph.median <= .$ph.max) and (.$ph.max < 10000)")" = true ]
	done
	[ "$(field '.total_ms.max >= .apply_ms.max')" = true ]
	# One thread: its CPU time in a span is at most the span's wall time.
	[ "$(field '.total_cpu_ms.max <= .total_ms.max + 0.1')" = true ]
	# After 3 swaps the maps hold exactly one generation: the old ones were deleted.
	[ "$(field .decision_entries)" -ge 50 ]
	[ "$(field .rp_decisions.entries)" -eq "$(field .decision_entries)" ]
	[ "$(field .net_entries)" -eq 5 ]
	[ "$(field .rp_net.entries)" -eq 5 ]
	[ "$(field '.rp_decisions.memlock > 0')" = true ]
	[ "$(field .rp_decisions.max_entries)" -gt "$(field .rp_decisions.entries)" ]
}

@test "bench-apply: the entries go in as one batch per apply, not one call each" {
	local p=$BATS_TEST_TMPDIR/p.json
	small_policy "$p" 50 5
	run --separate-stderr "$RAMPART" bench-apply --policy "$p" --rounds 2
	echo "status $status; stdout: $output; stderr: $stderr"
	[ "$status" -eq 0 ]
	# A refused batch (a flag the kernel rejects) falls back to one call per entry,
	# about twice as slow, and would otherwise go unnoticed.
	[ "$(field .insert_fallbacks)" -eq 0 ]
	[ "$(field .rp_decisions.entries)" -eq "$(field .decision_entries)" ]
}

@test "bench-apply: a policy that does not parse fails with its message, status 1" {
	local p=$BATS_TEST_TMPDIR/bad.json
	echo '{ "apiVersion": "rampart.dev/v1" }' > "$p"
	run --separate-stderr "$RAMPART" bench-apply --policy "$p"
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == "rampart: error: bench-apply: $p: "* ]]
	run --separate-stderr "$RAMPART" bench-apply --policy "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 1 ]
	[[ $stderr == *"missing.json"* ]]
}

@test "bench-apply: argument errors are named, status 2, in the order given" {
	local p=$BATS_TEST_TMPDIR/p.json
	small_policy "$p" 1 0
	run --separate-stderr "$RAMPART" bench-apply
	[ "$status" -eq 2 ]
	[ "$stderr" = "rampart: error: bench-apply: no policy given: use --policy FILE|DIR" ]
	for bad in 0 1001 abc -1 5x ''; do
		run --separate-stderr "$RAMPART" bench-apply --policy "$p" --rounds "$bad"
		echo "--rounds '$bad': status $status; $stderr"
		[ "$status" -eq 2 ]
		[ "$stderr" = "rampart: error: bench-apply: invalid --rounds '$bad': expected a number from 1 to 1000" ]
	done
	run --separate-stderr "$RAMPART" bench-apply --policy "$p" --rounds
	[ "$status" -eq 2 ]
	[ "$stderr" = "rampart: error: bench-apply: option '--rounds' needs a value" ]
	run --separate-stderr "$RAMPART" bench-apply --policy "$p" --frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = "rampart: error: bench-apply: unknown option '--frobnicate' (see rampart --help)" ]
	run --separate-stderr "$RAMPART" bench-apply --policy "$p" extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "rampart: error: bench-apply: unexpected argument 'extra'" ]
	# The first bad option is reported, before a missing policy.
	run --separate-stderr "$RAMPART" bench-apply --rounds 0 --frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = "rampart: error: bench-apply: invalid --rounds '0': expected a number from 1 to 1000" ]
	[ -z "$output" ]
}
