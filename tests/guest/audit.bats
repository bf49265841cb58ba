#!/usr/bin/env bats
# The audit pipeline: every sink (stdout, log file with rotation and reopen, socket
# clients with filters), loss accounting with a full ring buffer, coalescing, the per-rule
# rate limit, and a stuck socket client that must not stall the daemon. Every count is
# checked: delivered + coalesced + suppressed + lost = attempts.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D"
	echo s > "$D/secret"
	echo a > "$D/audited"
	echo o > "$D/other"
	echo t > "$D/third"
	SOCK=$BATS_TEST_TMPDIR/ev.sock
	CLIENTS=()
	N_CLIENTS=0
}

teardown() {
	local p
	for p in "${CLIENTS[@]}"; do kill "$p" 2>/dev/null; done
	rp_teardown
}

# The test policy: reads below $D are denied (file[0]), reads of $D/audited audited.
policy() {
	rp_policy audit "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "audit-t",
	"selector": { "cgroups": ["@CG@"] },
	"file": [
		{ "dir": "$D", "recursive": true, "access": ["read"], "action": "deny" },
		{ "path": "$D/audited", "action": "audit" }
	]
}
JSON
}

# A directory with a 200-character name below $D: long events fill buffers sooner.
long_dir() {
	LONG=$D/$(printf 'x%.0s' {1..200})
	mkdir -p "$LONG"
}

# wait_until TENTHS CMD...: retries CMD every 0.1 s.
wait_until() {
	local n=$1
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# start_client NAME [FILTERS...]: `rampart events --follow` on $SOCK into NAME.out, once
# the daemon has it connected.
start_client() {
	local name=$1
	shift
	rampart events --follow --socket "$SOCK" "$@" > "$BATS_TEST_TMPDIR/$name.out" \
		2> "$BATS_TEST_TMPDIR/$name.err" 3>&- &
	CLIENTS+=($!)
	N_CLIENTS=$((N_CLIENTS + 1))
	wait_until 100 grep -q "events client $N_CLIENTS connected" "$RP_ERR" ||
		{ echo "client $name did not connect:" >&2; cat "$RP_ERR" >&2; return 1; }
}

# ev_count PREFIX FILE: file events whose path starts with PREFIX, a coalesced line
# counting for its "count".
ev_count() {
	awk -v p="\"path\":\"$1" 'index($0, p) && index($0, "\"kind\":\"file\"") {
		if (match($0, /"count":[0-9]+/)) n += substr($0, RSTART + 8, RLENGTH - 8); else n++ }
		END { print n + 0 }' "$2"
}

# sum_field KIND FIELD FILE: the sum of the numeric FIELD over the lines of KIND.
sum_field() {
	awk -v k="\"kind\":\"$1\"" -v f="\"$2\":" 'index($0, k) { i = index($0, f)
		if (i) n += substr($0, i + length(f)) + 0 } END { print n + 0 }' "$3"
}

# count_is N CMD...: CMD prints N.
count_is() {
	local n=$1
	shift
	[[ $("$@") == "$n" ]]
}

@test "sinks: stdout, the log file and a socket client get the same line" {
	local log=$BATS_TEST_TMPDIR/ev.log line
	rp_start --policy "$(policy)" --log-file "$log" --socket "$SOCK"
	rp_check "log file mode 0600" [ "$(stat -c %a "$log")" = 600 ]
	rp_check "socket mode 0600" [ "$(stat -c %a "$SOCK")" = 600 ]
	start_client c1
	run rp_in_cgroup "$CG" rp-open "$D/secret"
	rp_check "open denied" [ "$output" = EPERM ]
	line=$(ev_for "$D/secret")
	rp_contains "event is a deny of file[0]" "$line" '"decision":"deny","mode":"enforce","policy":"audit-t","rule":"file[0]"'
	wait_until 50 grep -qxF "$line" "$BATS_TEST_TMPDIR/c1.out" || true
	rp_check "same line on the socket" grep -qxF "$line" "$BATS_TEST_TMPDIR/c1.out"
	rp_check "same line in the log file" grep -qxF "$line" "$log"
	rp_stop
	rp_check "socket removed at exit" [ ! -e "$SOCK" ]
	rp_check "client told the stream ended" grep -q "the daemon closed the stream" \
		"$BATS_TEST_TMPDIR/c1.err"
}

@test "names outside UTF-8: the line stays strict JSON, the exact bytes in path_hex" {
	local bad=$D/caf$'\xff' good=$D/caf$'\xc3\xa9' line hex
	echo b > "$bad"
	echo g > "$good"
	rp_start --policy "$(policy)"
	run rp_in_cgroup "$CG" rp-open "$bad"
	rp_check "open of the name with byte 0xff denied" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$good"
	rp_check "open of the UTF-8 name denied" [ "$output" = EPERM ]
	line=$(ev_for "$D/caf\\ufffd")
	hex=$(printf '%s' "$bad" | od -An -tx1 | tr -d ' \n')
	rp_contains "the exact bytes in path_hex" "$line" "\"path\":\"$D/caf\\ufffd\",\"path_hex\":\"$hex\","
	rp_check_not "no byte outside ASCII in the line" \
		sh -c 'od -An -tx1 | grep -qE " [89a-f][0-9a-f]"' <<< "$line"
	rp_check "jq reads path_hex" [ "$(jq -r .path_hex <<< "$line")" = "$hex" ]
	line=$(ev_for "$good")
	rp_check_not "a UTF-8 name has no path_hex" grep -q path_hex <<< "$line"
	rp_check "jq reads the UTF-8 name as it is" [ "$(jq -r .path <<< "$line")" = "$good" ]
}

@test "log file: rotated by size into PATH.1 .. PATH.keep, each 0600, no line lost between them" {
	local log=$BATS_TEST_TMPDIR/ev.log f
	rp_start --policy "$(policy)" --coalesce-ms 0 --log-file "$log" --log-max-bytes 2000 \
		--log-keep 2
	run rp_in_cgroup "$CG" rp-flood -c -d 30 30 "$D/f"
	rp_check "flood denied" [ "$output" = "attempts=30 denied=30 opened=0 errors=0" ]
	wait_until 100 count_is 30 ev_count "$D/f." "$RP_EVENTS" || true
	rp_check "30 events on stdout" count_is 30 ev_count "$D/f." "$RP_EVENTS"
	for f in "$log" "$log.1" "$log.2"; do
		rp_check "$f exists" [ -f "$f" ]
		rp_check "$f mode 0600" [ "$(stat -c %a "$f")" = 600 ]
		rp_check "$f within 2000 bytes" [ "$(stat -c %s "$f")" -le 2000 ]
	done
	rp_check "no third rotated file with --log-keep 2" [ ! -e "$log.3" ]
	cat "$log.2" "$log.1" "$log" > "$BATS_TEST_TMPDIR/kept"
	rp_check "kept files are the stream's last lines, in order" \
		diff "$BATS_TEST_TMPDIR/kept" <(tail -n "$(wc -l < "$BATS_TEST_TMPDIR/kept")" "$RP_EVENTS")
	rp_check "the rotated files hold more than one file's worth" \
		[ "$(wc -l < "$BATS_TEST_TMPDIR/kept")" -gt "$(wc -l < "$log")" ]
}

@test "log file: after mv and SIGHUP, rampart writes a new file" {
	local log=$BATS_TEST_TMPDIR/ev.log
	rp_start --policy "$(policy)" --log-file "$log"
	run rp_in_cgroup "$CG" rp-open "$D/secret"
	wait_until 50 grep -q "\"path\":\"$D/secret\"" "$log" || true
	rp_check "line in the log file" grep -q "\"path\":\"$D/secret\"" "$log"
	mv "$log" "$log.moved"
	run rp_in_cgroup "$CG" rp-open "$D/other"
	wait_until 50 grep -q "\"path\":\"$D/other\"" "$log.moved" || true
	rp_check "before SIGHUP, lines go to the moved file" grep -q "\"path\":\"$D/other\"" "$log.moved"
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	run rp_in_cgroup "$CG" rp-open "$D/third"
	wait_until 50 grep -q "\"path\":\"$D/third\"" "$log" || true
	rp_check "after SIGHUP, a new file" grep -q "\"path\":\"$D/third\"" "$log"
	rp_check "new file 0600" [ "$(stat -c %a "$log")" = 600 ]
	rp_check "new file has only the new line" [ "$(wc -l < "$log")" -eq 1 ]
	rp_check "moved file has the two old lines" [ "$(wc -l < "$log.moved")" -eq 2 ]
}

@test "socket: two clients with different filters each get their events" {
	local deny audit
	rp_start --policy "$(policy)" --socket "$SOCK"
	start_client deny --decision deny --kind file
	start_client audit --policy audit-t --decision audit
	start_client none --policy nobody
	run rp_in_cgroup "$CG" rp-open "$D/secret"
	rp_check "secret denied" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$D/audited"
	rp_check "audited allowed" [ "$output" = ok ]
	deny=$(ev_for "$D/secret")
	audit=$(ev_for "$D/audited")
	wait_until 50 grep -qxF "$deny" "$BATS_TEST_TMPDIR/deny.out" || true
	wait_until 50 grep -qxF "$audit" "$BATS_TEST_TMPDIR/audit.out" || true
	rp_check "deny client got the deny" grep -qxF "$deny" "$BATS_TEST_TMPDIR/deny.out"
	rp_check "deny client only that" [ "$(wc -l < "$BATS_TEST_TMPDIR/deny.out")" -eq 1 ]
	rp_check "audit client got the audit" grep -qxF "$audit" "$BATS_TEST_TMPDIR/audit.out"
	rp_check "audit client only that" [ "$(wc -l < "$BATS_TEST_TMPDIR/audit.out")" -eq 1 ]
	rp_check "client of another policy got nothing" [ ! -s "$BATS_TEST_TMPDIR/none.out" ]
}

@test "loss: a full ring buffer is reported with a count, lost + delivered = attempts" {
	local attempts=30000 delivered lost status
	long_dir
	echo x > "$LONG/f"
	rp_start --policy "$(policy)" --coalesce-ms 0 --rate-limit 1000000
	kill -STOP "$RP_PID"
	run rp_in_cgroup "$CG" rp-flood "$attempts" "$LONG/f"
	kill -CONT "$RP_PID"
	rp_check "every attempt denied" [ "$output" = "attempts=$attempts denied=$attempts opened=0 errors=0" ]
	wait_until 100 grep -q '"kind":"loss"' "$RP_EVENTS" || true
	rp_check "loss line in the stream while running" grep -q '"kind":"loss"' "$RP_EVENTS"
	# The daemon's status (SIGUSR1) carries the same kernel count.
	kill -USR1 "$RP_PID"
	wait_until 100 grep -q '"kind":"status"' "$RP_EVENTS" || true
	status=$(grep -m 1 '"kind":"status"' "$RP_EVENTS" || true)
	rp_contains "status line has the kernel's loss total" "$status" \
		"\"lost_total\":$(grep '"kind":"loss"' "$RP_EVENTS" | tail -n 1 | sed 's/.*"lost_total":\([0-9]*\).*/\1/')"
	rp_check "status logged on stderr" grep -q "status: generation 1; .* lost in the kernel" "$RP_ERR"
	rp_stop
	delivered=$(ev_count "$LONG/f" "$RP_EVENTS")
	lost=$(sum_field loss lost "$RP_EVENTS")
	echo "# delivered=$delivered lost=$lost" >&3
	rp_check "some were lost" [ "$lost" -gt 0 ]
	rp_check "some were delivered" [ "$delivered" -gt 0 ]
	rp_check "lost + delivered = attempts" [ $((lost + delivered)) -eq "$attempts" ]
	rp_check "lost_total matches" [ "$(grep '"kind":"loss"' "$RP_EVENTS" | tail -n 1 |
		sed 's/.*"lost_total":\([0-9]*\).*/\1/')" -eq "$lost" ]
	rp_check "loss warned on stderr" grep -q "events lost: the ring buffer was full" "$RP_ERR"
}

@test "scratch: four processes denied at once each get events with their own path and pid" {
	local attempts=3000 i pids=() line re bad=0 n=0 lost
	for i in 1 2 3 4; do mkdir -p "$D/w$i" && echo x > "$D/w$i/f"; done
	rp_start --policy "$(policy)" --coalesce-ms 0 --rate-limit 1000000
	# Two CPUs, four writers: the per-CPU scratch slot is contended on every CPU.
	for i in 1 2 3 4; do
		rp_in_cgroup "$CG" rp-flood "$attempts" "$D/w$i/f" > "$BATS_TEST_TMPDIR/w$i.out" 3>&- &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		wait "${pids[i - 1]}"
		rp_check "worker $i: every attempt denied" [ "$(cat "$BATS_TEST_TMPDIR/w$i.out")" = \
			"attempts=$attempts denied=$attempts opened=0 errors=0" ]
	done
	sleep 1
	rp_stop
	# Each process opens only its own file: an event whose path is another worker's, or
	# whose pid has events for two paths, was built in scratch memory another task used.
	declare -A path_of
	re='"pid":([0-9]+),.*"path":"[^"]*/w([0-9])/f"'
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		n=$((n + 1))
		if [[ -n ${path_of[${BASH_REMATCH[1]}]:-} && ${path_of[${BASH_REMATCH[1]}]} != "${BASH_REMATCH[2]}" ]]; then
			bad=$((bad + 1))
		fi
		path_of[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
	done < <(grep '"kind":"file"' "$RP_EVENTS")
	lost=$(sum_field loss lost "$RP_EVENTS")
	echo "# events=$n lost=$lost pids=${#path_of[@]}" >&3
	rp_check "no event mixes two workers" [ "$bad" -eq 0 ]
	rp_check "one path per worker process" [ "${#path_of[@]}" -eq 4 ]
	rp_check "events + lost = attempts" [ $((n + lost)) -eq $((4 * attempts)) ]
	for i in 1 2 3 4; do
		rp_check "every event path well formed ($i)" \
			[ "$(grep -c "\"path\":\"$D/w$i/f\"" "$RP_EVENTS")" -gt 0 ]
	done
	rp_check "no other file event" [ "$(grep '"kind":"file"' "$RP_EVENTS" | grep -vc "\"path\":\"$D/w[1-4]/f\"")" -eq 0 ]
}

@test "coalescing: 50 identical denials are one line, then one line with count 49" {
	local first second
	rp_start --policy "$(policy)" --coalesce-ms 2000
	run rp_in_cgroup "$CG" rp-flood 50 "$D/secret"
	rp_check "flood denied" [ "$output" = "attempts=50 denied=50 opened=0 errors=0" ]
	wait_until 60 grep -q '"count":' "$RP_EVENTS" || true
	first=$(grep -F "\"path\":\"$D/secret\"" "$RP_EVENTS" | sed -n 1p)
	second=$(grep -F "\"path\":\"$D/secret\"" "$RP_EVENTS" | sed -n 2p)
	rp_check "first published" [ -n "$first" ]
	rp_check_not "first published without a count" grep -q '"count"' <<< "$first"
	rp_contains "second carries the repeats" "$second" '"count":49}'
	rp_check "two lines for 50 events" [ "$(grep -cF "\"path\":\"$D/secret\"" "$RP_EVENTS")" -eq 2 ]
	rp_check "all 50 accounted" count_is 50 ev_count "$D/secret" "$RP_EVENTS"
}

@test "rate limit: many paths under one rule are capped, suppressed + delivered = attempts" {
	local attempts=500 delivered suppressed lost start elapsed line
	rp_start --policy "$(policy)" --coalesce-ms 0 --rate-limit 20
	start=$SECONDS
	run rp_in_cgroup "$CG" rp-flood -c -d "$attempts" "$attempts" "$D/r"
	rp_check "flood denied" [ "$output" = "attempts=$attempts denied=$attempts opened=0 errors=0" ]
	wait_until 50 grep -q '"kind":"rate_limited"' "$RP_EVENTS" || true
	line=$(grep -m 1 '"kind":"rate_limited"' "$RP_EVENTS")
	rp_contains "report names policy and rule" "$line" '"policy":"audit-t","rule":"file[0]","suppressed":'
	rp_stop
	elapsed=$((SECONDS - start))
	delivered=$(ev_count "$D/r." "$RP_EVENTS")
	suppressed=$(sum_field rate_limited suppressed "$RP_EVENTS")
	lost=$(sum_field loss lost "$RP_EVENTS")
	echo "# delivered=$delivered suppressed=$suppressed lost=$lost in ${elapsed}s" >&3
	rp_check "capped to the burst and the rate" [ "$delivered" -le $((20 + 20 * (elapsed + 1))) ]
	rp_check "some suppressed" [ "$suppressed" -gt 0 ]
	rp_check "delivered + suppressed + lost = attempts" \
		[ $((delivered + suppressed + lost)) -eq "$attempts" ]
}

@test "stuck client: enforcement and other clients go on, the stuck one is dropped with a count" {
	local attempts=0 fifo=$BATS_TEST_TMPDIR/stuck line good lost round
	long_dir
	rp_start --policy "$(policy)" --coalesce-ms 0 --rate-limit 1000000 --socket "$SOCK"
	# a client that never reads: its output is a pipe nobody empties
	mkfifo "$fifo"
	sleep 600 < "$fifo" 3>&- &
	CLIENTS+=($!)
	rampart events --follow --socket "$SOCK" > "$fifo" 2>/dev/null 3>&- &
	CLIENTS+=($!)
	N_CLIENTS=1
	wait_until 100 grep -q "events client 1 connected" "$RP_ERR" || true
	rp_check "stuck client connected" grep -q "events client 1 connected" "$RP_ERR"
	start_client good
	# Flood until the stuck client's queue has stayed full long enough to be dropped (10 s):
	# how many rounds that takes depends on how fast this emulated guest runs (a round
	# took 1 to 4 s here), so the rounds go on until it is dropped, 30 at most.
	for round in $(seq 30); do
		run rp_in_cgroup "$CG" rp-flood -c -d 8000 8000 "$LONG/s"
		rp_check "flood denied ($round)" [ "$output" = "attempts=8000 denied=8000 opened=0 errors=0" ]
		attempts=$((attempts + 8000))
		grep -q "events client 1 disconnected" "$RP_ERR" && break
	done
	echo "# $round flood rounds; $(grep -c . "$BATS_TEST_TMPDIR/good.out") lines to the good client" >&3
	grep "events client" "$RP_ERR" | sed 's/^/# /' >&3
	run rp_in_cgroup "$CG" rp-open "$D/secret"
	rp_check "enforcement goes on" [ "$output" = EPERM ]
	line=$(ev_for "$D/secret")
	wait_until 100 grep -qxF "$line" "$BATS_TEST_TMPDIR/good.out" || true
	rp_check "the other client gets the next event promptly" \
		grep -qxF "$line" "$BATS_TEST_TMPDIR/good.out"
	good=$(ev_count "$LONG/s." "$BATS_TEST_TMPDIR/good.out")
	lost=$(sum_field client_loss lost "$BATS_TEST_TMPDIR/good.out")
	rp_check "the other client got or was told of every event" \
		[ $((good + lost + $(sum_field loss lost "$RP_EVENTS"))) -eq "$attempts" ]
	rp_check "stdout got every event not lost in the kernel" \
		[ $(( $(ev_count "$LONG/s." "$RP_EVENTS") + $(sum_field loss lost "$RP_EVENTS") )) -eq "$attempts" ]
	wait_until 250 grep -q "events client 1 disconnected: it stopped reading" "$RP_ERR" || true
	line=$(grep "events client 1 disconnected" "$RP_ERR" || true)
	rp_contains "stuck client dropped after its queue stayed full" "$line" "it stopped reading"
	[[ $line =~ ([0-9]+)\ lines\ not\ delivered ]] || true
	rp_check "its undelivered lines counted" [ "${BASH_REMATCH[1]}" -gt 0 ]
	rp_check "the good client is still connected" \
		[ "$(grep -c "events client 2 disconnected" "$RP_ERR")" -eq 0 ]
}
