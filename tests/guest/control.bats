#!/usr/bin/env bats
# The control socket (rampart status, reload, events), who may use it (SO_PEERCRED),
# per-rule hit counts from the kernel, and the Prometheus metrics listener.

load helpers

CTL=/run/rampart/rampart.sock

setup() {
	CG=$(rp_cgroup_new)
	SECRET=$BATS_TEST_TMPDIR/secret
	OTHER=$BATS_TEST_TMPDIR/other
	echo secret > "$SECRET"
	echo other > "$OTHER"
	POLICY=$BATS_TEST_TMPDIR/ctl.json
	policy_file "$SECRET" > "$POLICY"
}

teardown() {
	rp_teardown
	sed -i '/^rampart-ops:/d' /etc/group
}

# policy_file PATH...: a policy denying each PATH in the test's cgroup, on stdout.
policy_file() {
	local rules="" p
	for p in "$@"; do
		rules+="${rules:+, }{ \"path\": \"$p\", \"action\": \"deny\" }"
	done
	cat <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "ctl-test",
	"selector": { "cgroups": ["$CG"] },
	"file": [ $rules ]
}
JSON
}

# hits RULE: the hit count of RULE of policy ctl-test in rampart status --json.
hits() {
	rampart status --json | jq -r --arg r "$1" \
		'.policies[] | select(.name == "ctl-test") | .rules[] | select(.rule == $r) | .hits'
}

# as_nobody CMD...: runs CMD as uid 65534 (with the groups /etc/group gives nobody).
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}

# scrape: the metrics page, from the listener on 127.0.0.1:9464.
scrape() {
	wget -q -O - http://127.0.0.1:9464/metrics
}

@test "status: policies, per-rule hits counted by the kernel, programs, maps and kernel" {
	rp_start --policy "$POLICY"
	rp_check "socket there" [ -S "$CTL" ]
	for _ in 1 2 3; do
		run rp_in_cgroup "$CG" rp-open "$SECRET"
		rp_check "denied" [ "$output" = EPERM ]
	done
	rp_check "three denials counted for file[0]" [ "$(hits 'file[0]')" -eq 3 ]
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "the count moves" [ "$(hits 'file[0]')" -eq 4 ]
	run rampart status --json
	rp_check "status 0" [ "$status" -eq 0 ]
	rp_check "generation 1" [ "$(jq -r .generation <<< "$output")" -eq 1 ]
	rp_check "pid is the daemon's" [ "$(jq -r .pid <<< "$output")" -eq "$RP_PID" ]
	rp_check "action named" [ "$(jq -r '.policies[0].rules[] | select(.rule == "file[0]") | .action' <<< "$output")" = deny ]
	rp_check "file_open attached" [ "$(jq -r '.programs[] | select(.hook == "file_open") | .attached' <<< "$output")" = true ]
	rp_check "sixteen programs loaded" [ "$(jq '.programs | length' <<< "$output")" -eq 16 ]
	rp_check "file rules only: file_open and the seven of the guard attached" [ "$(jq '[.programs[] | select(.attached)] | length' <<< "$output")" -eq 8 ]
	rp_check "exec and the seven socket hooks on demand, not attached" [ "$(jq '[.programs[] | select(.on_demand and (.attached | not))] | length' <<< "$output")" -eq 8 ]
	rp_check "pinned set named" [ "$(jq -r .pinned <<< "$output")" = "$(ls -d /sys/fs/bpf/rampart/set-*)" ]
	rp_check "map entries" [ "$(jq -r '.maps[] | select(.name == "rp_decisions") | .entries' <<< "$output")" -gt 0 ]
	rp_check "kernel release" [ "$(jq -r .kernel.release <<< "$output")" = "$(uname -r)" ]
	rp_check "kernel checks all ok" [ "$(jq '[.kernel.checks[] | select(.ok == false)] | length' <<< "$output")" -eq 0 ]
	rp_check "no loss" [ "$(jq -r .events.lost <<< "$output")" -eq 0 ]
	rp_check "features in use" [ "$(jq -c '.features | [.ring_buffer, .sleepable_lsm, .verdict_cache, .guard, .seccomp, .capabilities_dropped]' <<< "$output")" = '[true,true,true,true,true,true]' ]
	rp_check "events read" [ "$(jq -r .events.read <<< "$output")" -ge 1 ]
	run rampart status
	rp_check "text status 0" [ "$status" -eq 0 ]
	rp_contains "text names the rule and its hits" "$output" "deny   file[0]              4 hits"
	rp_contains "text names the policy" "$output" "ctl-test (enforce)"
	rp_contains "text has the generation" "$output" "generation 1, live since"
}

@test "reload: rampart reload applies a new set; a bad one is refused with its error and the set stays" {
	rp_start --policy "$POLICY"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "denied first" [ "$output" = EPERM ]
	rp_check "counted" [ "$(hits 'file[0]')" -eq 1 ]
	policy_file "$OTHER" "$SECRET" > "$POLICY"
	run rampart reload
	rp_check "reload status 0" [ "$status" -eq 0 ]
	rp_contains "reload says the generation" "$output" "reload: generation 2 is live"
	rp_check "daemon logged who asked" grep -q "reload requested on the control socket by uid 0" "$RP_ERR"
	run rp_in_cgroup "$CG" rp-open "$OTHER"
	rp_check "the new rule is enforced" [ "$output" = EPERM ]
	rp_check "new generation's counts start at 0 for the moved rule" [ "$(hits 'file[1]')" -eq 0 ]
	rp_check "and count" [ "$(hits 'file[0]')" -eq 1 ]
	echo '{ "apiVersion": "rampart.dev/v1", "name": ' > "$POLICY"
	run rampart reload
	rp_check "bad reload status 1" [ "$status" -eq 1 ]
	rp_contains "the error names the file" "$output" "reload failed: $POLICY"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "the set in force stays" [ "$output" = EPERM ]
	run rampart status --json
	rp_check "still generation 2" [ "$(jq -r .generation <<< "$output")" -eq 2 ]
	rp_check "two reloads, one failed" [ "$(jq -r '"\(.reloads) \(.reload_failures)"' <<< "$output")" = "2 1" ]
	rp_contains "last error kept" "$(jq -r .last_error <<< "$output")" "reload failed: $POLICY"
}

@test "peers: a user who is not root is refused with a message; a member of --control-group is answered" {
	echo "rampart-ops:x:4242:nobody" >> /etc/group
	rp_start --policy "$POLICY" --control-group rampart-ops
	run as_nobody rampart status
	rp_check "member: status 0" [ "$status" -eq 0 ]
	rp_contains "member sees the policy" "$output" "ctl-test (enforce)"
	sed -i '/^rampart-ops:/d' /etc/group
	run as_nobody rampart reload
	rp_check "outsider: status 1" [ "$status" -eq 1 ]
	rp_contains "outsider: told why" "$output" "refused: uid 65534"
	rp_contains "outsider: group named" "$output" "not in group 'rampart-ops'"
	run as_nobody rampart events
	rp_check "outsider: no events" [ "$status" -eq 1 ]
	rp_contains "outsider: events refused" "$output" "refused: uid 65534"
	rp_check "no reload happened" [ "$(grep -c 'reload requested' "$RP_ERR")" -eq 0 ]
	rp_stop
	rp_start --policy "$POLICY"
	run as_nobody rampart status
	rp_check "root only: status 1" [ "$status" -eq 1 ]
	rp_contains "root only: says how to let a group in" "$output" "--control-group GROUP"
}

@test "events: rampart events streams decisions from the control socket" {
	rp_start --policy "$POLICY"
	rampart events --follow --kind file > "$BATS_TEST_TMPDIR/client.out" 2>&1 3>&- &
	local client=$!
	for _ in $(seq 50); do
		[[ $(rampart status --json | jq -r .events.stream_clients) -ge 1 ]] && break
		sleep 0.1
	done
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	for _ in $(seq 50); do grep -q "\"path\":\"$SECRET\"" "$BATS_TEST_TMPDIR/client.out" && break; sleep 0.1; done
	kill "$client"
	wait "$client" 2> /dev/null || true
	line=$(grep -F "\"path\":\"$SECRET\"" "$BATS_TEST_TMPDIR/client.out" | head -n 1)
	rp_check "client got the event" [ -n "$line" ]
	rp_contains "a denial" "$line" '"decision":"deny"'
	rp_contains "with its rule" "$line" '"rule":"file[0]"'
	rp_contains "and its policy" "$line" '"policy":"ctl-test"'
}

@test "control: a second rampart is refused while one runs; the first goes on enforcing" {
	rp_start --policy "$POLICY"
	run rampart run --policy "$POLICY"
	rp_check "status 1" [ "$status" -eq 1 ]
	rp_contains "named" "$output" "another rampart is running: its control socket $CTL answers"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "still denied" [ "$output" = EPERM ]
	run rampart status --json
	rp_check "the first still answers" [ "$(jq -r .pid <<< "$output")" -eq "$RP_PID" ]
	rp_stop
	rp_check "socket removed at exit" [ ! -e "$CTL" ]
}

@test "metrics: Prometheus text with decisions by rule, losses, maps, reloads and generation" {
	rp_start --policy "$POLICY" --metrics 127.0.0.1:9464
	rp_check "listener logged" grep -q "metrics: Prometheus text on 127.0.0.1:9464" "$RP_ERR"
	for _ in 1 2; do run rp_in_cgroup "$CG" rp-open "$SECRET"; done
	run scrape
	rp_check "scrape ok" [ "$status" -eq 0 ]
	rp_contains "decisions by policy, rule and action" "$output" 'rampart_decisions_total{policy="ctl-test",rule="file[0]",action="deny"} 2'
	rp_contains "typed" "$output" "# TYPE rampart_decisions_total counter"
	rp_contains "losses" "$output" "rampart_events_lost_total 0"
	rp_contains "generation" "$output" "rampart_generation 1"
	rp_contains "capacity" "$output" 'rampart_map_capacity{map="rp_decisions"} 524288'
	rp_contains "apply latency" "$output" "rampart_apply_seconds 0."
	rp_check "map entries" grep -q '^rampart_map_entries{map="rp_decisions"} [1-9]' <<< "$output"
	echo '{' > "$POLICY"
	kill -HUP "$RP_PID"
	for _ in $(seq 50); do grep -q "reload failed" "$RP_ERR" && break; sleep 0.1; done
	run scrape
	rp_contains "reload counted" "$output" "rampart_reloads_total 1"
	rp_contains "failure counted" "$output" "rampart_reload_failures_total 1"
	rp_contains "generation kept" "$output" "rampart_generation 1"
	run wget -q -O - http://127.0.0.1:9464/other
	rp_check "other paths: not found" [ "$status" -ne 0 ]
}
