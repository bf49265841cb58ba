#!/usr/bin/env bats
# Atomic policy swaps: SIGHUP reloads, every decision belongs to exactly one generation,
# and a set that fails to load leaves the one in force untouched.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	P=$BATS_TEST_TMPDIR/p
	Q=$BATS_TEST_TMPDIR/q
	echo p > "$P"
	echo q > "$Q"
	LIVE=$BATS_TEST_TMPDIR/live.json
}

teardown() {
	rp_teardown
}

# Set A denies Q, audits P and the program; set B the other way round: the two coupled
# file rules and the exec rule flip together.
write_set() {	# write_set A|B FILE
	local p_act=audit q_act=deny x_act=audit
	[[ $1 == B ]] && p_act=deny q_act=audit x_act=deny
	sed "s#@CG@#$CG#g" > "$2.tmp" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "swap-${1,,}",
	"selector": { "cgroups": ["@CG@"] },
	"file": [
		{ "path": "$P", "action": "$p_act" },
		{ "path": "$Q", "action": "$q_act" }
	],
	"exec": [ { "path": "/usr/bin/rp-longpath", "action": "$x_act" } ]
}
JSON
	mv "$2.tmp" "$2"
}

@test "reload: SIGHUP makes the rewritten policy live" {
	write_set A "$LIVE"
	rp_start --policy "$LIVE"
	run rp_in_cgroup "$CG" rp-open "$Q"
	rp_check "set A denies q" [ "$output" = EPERM ]
	write_set B "$LIVE"
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	run rp_in_cgroup "$CG" rp-open "$Q"
	rp_check "set B allows q" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open "$P"
	rp_check "set B denies p" [ "$output" = EPERM ]
	rp_wait_events 3
	rp_check "event of generation 2 names swap-b" \
		grep -q '"policy":"swap-b","rule":"file\[0\]","generation":2' "$RP_EVENTS"
}

@test "reload: an invalid policy leaves the set in force" {
	write_set A "$LIVE"
	rp_start --policy "$LIVE"
	echo '{ "apiVersion": "rampart.dev/v1", "name": "broken", ' > "$LIVE"
	kill -HUP "$RP_PID"
	for _ in $(seq 100); do grep -q 'reload failed' "$RP_ERR" && break; sleep 0.05; done
	rp_check "failure logged" grep -q "reload failed: $LIVE: invalid JSON" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$Q"
	rp_check "set A still denies q" [ "$output" = EPERM ]
	rp_check "generation still 1" [ "$(rampart status --json | jq -r .generation)" -eq 1 ]
}

@test "reload: a set that cannot be loaded (missing cgroup) leaves the set in force" {
	write_set A "$LIVE"
	rp_start --policy "$LIVE"
	sed -i "s#\"$CG\"#\"/no-such-cgroup\"#" "$LIVE"
	kill -HUP "$RP_PID"
	for _ in $(seq 100); do grep -q 'reload failed' "$RP_ERR" && break; sleep 0.05; done
	rp_check "failure names the cgroup" grep -q "cgroup '/no-such-cgroup'" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$Q"
	rp_check "set A still denies q" [ "$output" = EPERM ]
}

# flip_sets A B N: the daemon (started on $LIVE = A) made to switch N times, to B, to A,
# ...; returns once generation N + 1 is live. The loop forks nothing: under emulation
# each fork costs milliseconds. A read that meets the end of the log in the middle of a
# line (the daemon's write not yet complete, as across a page boundary) keeps what it got
# in `part` for the rest to join: matched in halves, a line would be missed.
flip_sets() {
	local set_a set_b line part= g t start=$SECONDS fifo=$BATS_TEST_TMPDIR/tick
	set_a=$(< "$1")
	set_b=$(< "$2")
	mkfifo "$fifo"
	exec 5<> "$fifo" 6< "$RP_ERR"
	for ((g = 2; g <= $3 + 1; g++)); do
		# the daemon reads the file only on SIGHUP, and the last flip is done: no torn reads
		if ((g % 2 == 0)); then printf '%s\n' "$set_b"; else printf '%s\n' "$set_a"; fi > "$LIVE"
		kill -HUP "$RP_PID"
		for ((t = 0; t < 20000; t++)); do
			if IFS= read -r line <&6; then
				line=$part$line part=
				[[ $line == *"(generation $g:"* ]] && break
				[[ $line == *"reload failed"* ]] && { echo "$line" >&2; return 1; }
			else
				part+=$line
				read -t 0.002 -u 5 || true	# a sleep without a fork
			fi
		done
		((t < 20000)) || {
			echo "generation $g never became live after $((SECONDS - start)) s; the log's end:" >&2
			tail -n 5 "$RP_ERR" >&2
			return 1
		}
	done
	exec 5>&- 6<&-
	rm -f "$fifo"
	echo "# $3 flips in $((SECONDS - start)) s" >&3
}

@test "swap: 1000 flips under load, and no decision mixes two sets" {
	local flips=${RP_SWAP_FLIPS:-1000}
	write_set A "$BATS_TEST_TMPDIR/A.json"
	write_set B "$BATS_TEST_TMPDIR/B.json"
	cp "$BATS_TEST_TMPDIR/A.json" "$LIVE"
	rp_start --policy "$LIVE"
	for w in 1 2; do
		rp_in_cgroup "$CG" rp-hammer 600 2000 /usr/bin/rp-longpath "$P" "$Q" \
			> "$BATS_TEST_TMPDIR/hammer$w.out" 2>/dev/null 3>&- &
		eval "H$w=\$!"
	done
	flip_sets "$BATS_TEST_TMPDIR/A.json" "$BATS_TEST_TMPDIR/B.json" "$flips"
	# $H1 and $H2 are the subshells; the hammers are their children in the cgroup: stop
	# them all, or they go on opening and executing for 600 s through the next tests.
	kill -TERM $(cat "$RP_CG_ROOT$CG/cgroup.procs") 2> /dev/null || true
	wait "$H1" "$H2" || true
	for _ in $(seq 50); do [[ -s $RP_CG_ROOT$CG/cgroup.procs ]] || break; sleep 0.1; done
	rp_check "hammers stopped" [ ! -s "$RP_CG_ROOT$CG/cgroup.procs" ]
	sleep 0.5
	rp_stop
	rp_check "no reload failed" [ "$(grep -c 'reload failed' "$RP_ERR")" -eq 0 ]
	grep '"kind":"undecided"' "$RP_EVENTS" | sed 's/^/# /' >&3 || true
	# Odd generations are set A, even ones set B: every event must agree with its own.
	jq -r 'select(.kind == "file" or .kind == "exec") | [.generation, .kind, .path, .decision, .policy] | @tsv' \
		"$RP_EVENTS" > "$BATS_TEST_TMPDIR/ev.tsv"
	awk -F'\t' -v P="$P" -v Q="$Q" '
		{ a = $1 % 2 == 1; want = "" }
		$2 == "file" && $3 == P { want = a ? "audit" : "deny" }
		$2 == "file" && $3 == Q { want = a ? "deny" : "audit" }
		$2 == "exec" { want = a ? "audit" : "deny" }
		{ pol = a ? "swap-a" : "swap-b" }
		want == "" || $4 != want || $5 != pol { bad++; if (bad <= 5) print "mixed: " $0 }
		{ seen[$1 % 2]++ }
		END { printf "events=%d odd=%d even=%d mixed=%d\n", NR, seen[1], seen[0], bad + 0
		      exit bad > 0 }' "$BATS_TEST_TMPDIR/ev.tsv"
	gens=$(cut -f1 "$BATS_TEST_TMPDIR/ev.tsv" | sort -un | wc -l)
	echo "events from $gens distinct generations"
	rp_check "decisions under many generations" [ "$gens" -ge 100 ]
}

# The selection filter (include/rampart/abi.h) changes levels at each flip here: set A
# selects $CG, set B only $CG/sub, one level down. The hammer in $CG/sub is selected by
# both, and both deny Q: not one open of Q may succeed across the flips. (The torn read
# the filter's union and generation check guard against, a whole apply between two
# loads of one check, cannot be forced from here; that a reload updates the filter at
# all is selectors.bats' "selected from the next reload".)
@test "swap: moving the selection one cgroup level down and back never lets the task out" {
	local flips=${RP_SWAP_LEVEL_FLIPS:-300} out
	mkdir "$RP_CG_ROOT$CG/sub"
	for s in A B; do
		local sel=$CG
		[[ $s == B ]] && sel=$CG/sub
		cat > "$BATS_TEST_TMPDIR/$s.json" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "level-${s,,}",
	"selector": { "cgroups": ["$sel"] },
	"file": [ { "path": "$Q", "action": "deny" } ]
}
JSON
	done
	cp "$BATS_TEST_TMPDIR/A.json" "$LIVE"
	rp_start --policy "$LIVE"
	rp_in_cgroup "$CG/sub" rp-hammer 600 500 - "$Q" > "$BATS_TEST_TMPDIR/hammer.out" \
		2>/dev/null 3>&- &
	H1=$!
	flip_sets "$BATS_TEST_TMPDIR/A.json" "$BATS_TEST_TMPDIR/B.json" "$flips"
	kill -TERM $(cat "$RP_CG_ROOT$CG/sub/cgroup.procs") 2> /dev/null || true
	wait "$H1" || true
	out=$(< "$BATS_TEST_TMPDIR/hammer.out")
	echo "hammer: $out"
	opened=$(sed -n 's/^opened=\([0-9]*\) .*/\1/p' <<< "$out")
	denied=$(sed -n 's/.* open_denied=\([0-9]*\) .*/\1/p' <<< "$out")
	rp_check "the hammer reported its opens" [ -n "$opened" ]
	rp_check "the hammer reported its refusals" [ -n "$denied" ]
	rp_check "no open of Q succeeded" [ "$opened" -eq 0 ]
	rp_check "opens were refused throughout (at least 100)" [ "$denied" -ge 100 ]
}
