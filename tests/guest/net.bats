#!/usr/bin/env bats
# Network enforcement: socket creation by family, type and protocol; connect, bind and
# listen by CIDR and port; IPv4-mapped IPv6; unix connects by the name the peer bound.
# Only loopback and sockets the test creates are used; every policy is scoped to a cgroup
# the test creates.

load helpers

# One daemon serves the whole file; each test's policies are loaded by a reload.
setup_file() {
	rp_shared_setup
}

teardown_file() {
	rp_shared_teardown
}

setup() {
	CG=$(rp_cgroup_new)
	T=$BATS_TEST_TMPDIR
	SERVERS=()
}

teardown() {
	for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null; done
	rp_teardown
}

# net_policy NAME BODY: a policy on $CG whose other keys are BODY.
net_policy() {
	rp_policy "$1" "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "$1",
	"selector": { "cgroups": ["@CG@"] },
	$2
}
JSON
}

# expect NAME EXPECTED ARGS...: rp-net ARGS inside the cgroup prints EXPECTED.
expect() {
	local name=$1 want=$2
	shift 2
	run rp_in_cgroup "$CG" rp-net "$@"
	[[ $output == "$want" ]] ||
		{ echo "check '$name' failed: rp-net $* printed '$output', expected '$want'" >&2; return 1; }
}

# expect_outside NAME EXPECTED ARGS...: the same outside the cgroup.
expect_outside() {
	local name=$1 want=$2
	shift 2
	run rp-net "$@"
	[[ $output == "$want" ]] ||
		{ echo "check '$name' failed: rp-net $* printed '$output', expected '$want'" >&2; return 1; }
}

# serve KIND NAME: a unix server outside the cgroup, bound to NAME, for 60 s.
serve() {
	rp-net unix-serve "$1" "$2" 60 > "$T/serve.out" 3>&- &
	SERVERS+=($!)
	for _ in $(seq 50); do
		grep -q listening "$T/serve.out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "unix server on $2 did not start" >&2
	return 1
}

# one_task BEFORE AFTER: one bash process in $CG (one task, one task storage) runs the
# tries BEFORE ("try ADDR PORT; ...": a UDP connect each, printing ok or EPERM), waits
# for a line on $T/go, then runs the tries AFTER; it prints to $T/out. Returns once the
# tries BEFORE have printed; TASK_PID is the process.
one_task() {
	local n
	n=$(grep -o 'try ' <<< "$1" | wc -l)
	mkfifo "$T/go"
	rp_in_cgroup "$CG" bash -c 'try() {
			if { exec 3<>"/dev/udp/$1/$2"; } 2>/dev/null; then exec 3>&-; echo ok
			else echo EPERM; fi
		}
		eval "$1"; read -r _ < "$0"; eval "$2"' "$T/go" "$1" "$2" > "$T/out" 3>&- &
	TASK_PID=$!
	for _ in $(seq 50); do [[ $(wc -l < "$T/out") -ge $n ]] && return 0; sleep 0.1; done
	echo "the task printed $(wc -l < "$T/out") of $n lines" >&2
	return 1
}

@test "network: socket creation denied by family and type, inside the cgroup only" {
	rp_start --policy "$(net_policy create '"network": [ { "create": { "family": "inet", "type": "dgram" }, "action": "deny" } ]')"
	# held 1 s: the event names the executable only if the process is there when the
	# daemon reads it (/proc/PID/exe; null otherwise, as the README says)
	RP_NET_HOLD_MS=1000 expect "inet dgram denied" EPERM create inet dgram
	expect "inet stream allowed" ok create inet stream
	expect "inet6 dgram allowed" ok create inet6 dgram
	expect_outside "inet dgram allowed outside" ok create inet dgram
	line=$(net_ev "create event" '"operation":"create"')
	rp_contains "decision" "$line" '"decision":"deny","mode":"enforce","policy":"create","rule":"network[0]"'
	rp_contains "object" "$line" '"family":"inet","type":"dgram","protocol":"udp"'
	rp_contains "schema and node" "$line" "\"schema\":1,\"node\":\"$(uname -n)\""
	rp_contains "executable" "$line" '"comm":"rp-net","exe":"/usr/bin/rp-net"'
	rp_contains "cgroup path" "$line" "\"cgroup\":\"$CG\""
}

@test "network: the most specific creation rule wins (type and protocol beat family)" {
	rp_start --policy "$(net_policy create2 '"network": [
		{ "create": { "family": "inet" }, "action": "deny" },
		{ "create": { "family": "inet", "type": "stream", "protocol": "tcp" }, "action": "allow" },
		{ "create": { "family": "inet", "protocol": "icmp" }, "action": "audit" } ]')"
	expect "tcp stream allowed by the specific rule" ok create inet stream
	expect "udp denied by the family rule" EPERM create inet dgram
	expect "icmp raw audited (protocol beats family)" ok create inet raw 1
	line=$(net_ev "audit event" '"decision":"audit"')
	rp_contains "audited rule" "$line" '"rule":"network[2]"'
	rp_contains "raw icmp" "$line" '"type":"raw","protocol":"icmp"'
}

@test "network: connect denied by CIDR and port range, IPv4-mapped IPv6 included" {
	rp_start --policy "$(net_policy conn '"network": [ { "connect": { "address": "127.0.0.0/8", "ports": ["9000-9100", 7777] }, "action": "deny" } ]')"
	expect "udp 127.0.0.1:9050 denied" EPERM connect udp 127.0.0.1 9050
	expect "tcp 127.0.0.2:7777 denied" EPERM connect tcp 127.0.0.2 7777
	expect "udp 127.0.0.1:9200 allowed" ok connect udp 127.0.0.1 9200
	expect "tcp to a closed allowed port is refused by the stack" ECONNREFUSED connect tcp 127.0.0.1 9101
	expect "IPv4-mapped on an inet6 socket denied" EPERM connect udp ::ffff:127.0.0.1 9050
	expect "sendto without connect denied" EPERM sendto 127.0.0.1 9050
	expect "sendto an allowed port" ok sendto 127.0.0.1 9200
	expect "::1 is not in 127.0.0.0/8" ok connect udp ::1 9050
	expect_outside "allowed outside the cgroup" ok connect udp 127.0.0.1 9050
	line=$(net_ev "connect event" '"address":"127.0.0.1","port":9050')
	rp_contains "connect event fields" "$line" '"operation":"connect","family":"inet","type":"dgram","protocol":"udp"'
	line=$(net_ev "mapped event" '"address":"::ffff:127.0.0.1"')
	rp_contains "mapped event family" "$line" '"family":"inet6"'
}

@test "network: IPv6 CIDRs, and the longest prefix wins" {
	rp_start --policy "$(net_policy v6 '"network": [
		{ "connect": { "address": "::1/128" }, "action": "deny" },
		{ "connect": { "address": "127.0.0.0/8" }, "action": "deny" },
		{ "connect": { "address": "127.0.0.2" }, "action": "allow" } ]')"
	expect "::1 denied" EPERM connect udp ::1 53
	expect "127.0.0.3 denied by /8" EPERM connect udp 127.0.0.3 53
	expect "127.0.0.2 allowed by /32" ok connect udp 127.0.0.2 53
	line=$(net_ev "v6 event" '"address":"::1"')
	rp_contains "rule of ::1" "$line" '"rule":"network[0]"'
}

@test "network: at one prefix a single port beats a range, and deny beats allow at equal rank" {
	rp_start --policy "$(net_policy ports '"network": [
		{ "connect": { "ports": ["5000-5100"] }, "action": "deny" },
		{ "connect": { "ports": [5050] }, "action": "allow" },
		{ "connect": { "ports": [6000] }, "action": "allow" },
		{ "connect": { "ports": [6000] }, "action": "deny" } ]')"
	expect "5050 allowed by the single port" ok connect udp 127.0.0.1 5050
	expect "5051 denied by the range" EPERM connect udp 127.0.0.1 5051
	expect "6000: deny beats allow" EPERM connect udp 127.0.0.1 6000
	line=$(net_ev "6000 event" '"port":6000')
	rp_contains "deciding rule" "$line" '"rule":"network[3]"'
}

@test "network: bind and listen decided by address and port" {
	rp_start --policy "$(net_policy bl '"network": [
		{ "bind": { "ports": ["0-1023"] }, "action": "deny" },
		{ "listen": { "address": "127.0.0.0/8", "ports": [7000] }, "action": "deny" } ]')"
	expect "bind to a privileged port denied" EPERM bind udp 127.0.0.1 80
	expect "bind to 8080 allowed" ok bind udp 127.0.0.1 8080
	expect "bind on inet6 denied too" EPERM bind tcp ::1 443
	expect "listen on 7000 denied" EPERM listen 127.0.0.1 7000
	expect "listen on 7001 allowed" ok listen 127.0.0.1 7001
	line=$(net_ev "listen event" '"operation":"listen"')
	rp_contains "listen event object" "$line" '"address":"127.0.0.1","port":7000'
	line=$(net_ev "bind event" '"operation":"bind"' '"port":80')
	rp_contains "bind rule" "$line" '"rule":"network[0]"'
}

@test "network: a deny default makes the rules an allow-list" {
	rp_start --policy "$(net_policy allowlist '"defaults": { "network": "deny" }, "network": [
		{ "create": { "family": "inet", "type": "dgram" }, "action": "allow" },
		{ "connect": { "address": "127.0.0.1", "ports": [5353] }, "action": "allow" } ]')"
	expect "allowed connect" ok connect udp 127.0.0.1 5353
	expect "other port denied by the default" EPERM connect udp 127.0.0.1 5354
	expect "stream socket denied by the default" EPERM create inet stream
	expect "unix socket denied by the default" EPERM create unix stream
	line=$(net_ev "default event" '"port":5354')
	rp_contains "default names itself" "$line" '"rule":"defaults.network"'
}

@test "network: a deny default with no creation rule still decides socket creation" {
	rp_start --policy "$(net_policy nocreate '"defaults": { "network": "deny" }, "network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5353] }, "action": "allow" } ]')"
	expect "creation denied by the default alone" EPERM create inet dgram
	line=$(net_ev "creation default event" '"operation":"create"')
	rp_contains "creation default names itself" "$line" '"rule":"defaults.network"'
}

@test "network: connect rules alone leave socket creation and unix connects allowed" {
	serve stream "$T/api.sock"
	rp_start --policy "$(net_policy connectonly '"network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5354] }, "action": "deny" } ]')"
	expect "creation allowed: no creation rule" ok create inet stream
	expect "unix connect allowed: no unix rule" ok unix-connect "$T/api.sock"
	expect "connect denied by its rule" EPERM connect udp 127.0.0.1 5354
	expect "other port allowed" ok connect udp 127.0.0.1 5353
}

@test "network: each hook's filter set follows reloads between unix, inet, file-only and default rules" {
	serve stream "$T/api.sock"
	rp_start --policy "$(net_policy sets "\"network\": [
		{ \"connect\": { \"unix\": \"$T/api.sock\" }, \"action\": \"deny\" } ]")"
	expect "unix rules only: the unix connect is denied" EPERM unix-connect "$T/api.sock"
	expect "unix rules only: inet connect allowed" ok connect udp 127.0.0.1 5354
	rp_stop
	rp_start --policy "$(net_policy sets '"network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5354] }, "action": "deny" },
		{ "bind": { "address": "127.0.0.1", "ports": [5355] }, "action": "deny" } ]')"
	expect "inet rules only: connect denied" EPERM connect udp 127.0.0.1 5354
	expect "inet rules only: sendto denied" EPERM sendto 127.0.0.1 5354
	expect "inet rules only: bind denied" EPERM bind udp 127.0.0.1 5355
	expect "inet rules only: the unix connect allowed" ok unix-connect "$T/api.sock"
	rp_stop
	rp_start --policy "$(net_policy sets '"file": [ { "path": "/nonexistent", "action": "deny" } ]')"
	expect "file rules only: connect allowed" ok connect udp 127.0.0.1 5354
	expect "file rules only: bind allowed" ok bind udp 127.0.0.1 5355
	expect "file rules only: the unix connect allowed" ok unix-connect "$T/api.sock"
	rp_stop
	rp_start --policy "$(net_policy sets '"defaults": { "network": "deny" }, "network": [
		{ "create": { "family": "inet", "type": "dgram" }, "action": "allow" },
		{ "create": { "family": "unix" }, "action": "allow" },
		{ "connect": { "address": "127.0.0.1", "ports": [5353] }, "action": "allow" } ]')"
	expect "network default: connect to another port denied" EPERM connect udp 127.0.0.1 5354
	expect "network default: the allowed port" ok connect udp 127.0.0.1 5353
	expect "network default: the unix connect denied" EPERM unix-connect "$T/api.sock"
	net_ev "the unix connect's event names the default" "\"address\":\"$T/api.sock\"" \
		'"rule":"defaults.network"' > /dev/null
	expect_outside "outside the cgroup: allowed" ok connect udp 127.0.0.1 5354
}

@test "network: one task across a reload: the shapes it cached follow the new set" {
	rp_start --policy "$(net_policy shapes '"network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5354] }, "action": "deny" } ]')"
	# the same task (and task storage) on both sides of the reload
	one_task 'try 127.0.0.1 5353; try 127.0.0.1 5354' 'try 127.0.0.1 5353'
	rp_stop
	rp_start --policy "$(net_policy shapes '"network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5354] }, "action": "deny" },
		{ "create": { "family": "inet", "type": "dgram" }, "action": "deny" } ]')"
	echo go > "$T/go"
	wait "$TASK_PID"
	run cat "$T/out"
	# before the reload: allowed, then denied by the connect rule; after it: by creation
	rp_check "same task, both sides of the reload" [ "$output" = $'ok\nEPERM\nEPERM' ]
	line=$(net_ev "creation event" '"operation":"create"')
	rp_contains "creation rule" "$line" '"rule":"network[1]"'
}

# denied_5354: the connects to port 5354 that rule network[0] denied, as reported.
denied_5354() {
	awk '/"port":5354/ && /"rule":"network\[0\]"/ {
		n += match($0, /"count":[0-9]+/) ? substr($0, RSTART + 8, RLENGTH - 8) : 1 }
		END { print n + 0 }' "$RP_EVENTS"
}

@test "network: one task's repeated connects: the answer it keeps is per address, port, operation and set" {
	rp_start --policy "$(net_policy repeat '"network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5354] }, "action": "deny" } ]')"
	one_task 'try 127.0.0.1 5354; try 127.0.0.1 5354; try 127.0.0.1 5353; try 127.0.0.1 5354
		try 127.0.0.2 5354; try 127.0.0.1 5354' 'try 127.0.0.1 5354; try 127.0.0.1 5353'
	# Identical events are coalesced for 1 s, then reported with "count":N; every denied
	# connect counts once: a line stands for one event, or for "count":N. Waits up to 10 s
	# for the four (a slow guest may report the count late), then 0.6 s more for a fifth.
	for _ in $(seq 100); do
		[[ $(denied_5354) -ge 4 ]] && break
		sleep 0.1
	done
	rp_stop
	run denied_5354
	rp_check "each of the four denied connects reported, with its rule" [ "$output" = 4 ]
	rp_start --policy "$(net_policy repeat '"network": [
		{ "connect": { "address": "127.0.0.1", "ports": [5353] }, "action": "deny" } ]')"
	echo go > "$T/go"
	wait "$TASK_PID"
	run cat "$T/out"
	rp_check "denied again and again; another port, another address allowed; after the reload the other port" \
		[ "$output" = $'EPERM\nEPERM\nok\nEPERM\nok\nEPERM\nok\nEPERM' ]
}

@test "network: unix connects are decided by the name the server bound" {
	mkdir -p "$T/run" "$T/other"
	serve stream "$T/run/api.sock"
	serve stream "$T/other/ok.sock"
	ln -s "$T/run/api.sock" "$T/link.sock"
	rp_start --policy "$(net_policy unix "\"network\": [ { \"connect\": { \"unix\": \"$T/run/api.sock\" }, \"action\": \"deny\" } ]")"
	expect "direct path denied" EPERM unix-connect "$T/run/api.sock"
	expect "through a symlink denied" EPERM unix-connect "$T/link.sock"
	run rp_in_cgroup "$CG" sh -c "cd '$T/run' && exec rp-net unix-connect api.sock"
	rp_check "relative path denied" [ "$output" = EPERM ]
	expect "another socket allowed" ok unix-connect "$T/other/ok.sock"
	expect_outside "allowed outside the cgroup" ok unix-connect "$T/run/api.sock"
	line=$(net_ev "unix event" "\"address\":\"$T/run/api.sock\"")
	rp_contains "unix event" "$line" '"operation":"connect","family":"unix","type":"stream"'
}

@test "network: abstract unix names, stream and datagram" {
	serve stream "@rp-abs-$$"
	serve dgram "@rp-dg-$$"
	rp_start --policy "$(net_policy abs "\"network\": [
		{ \"connect\": { \"unix\": \"@rp-abs-$$\" }, \"action\": \"deny\" },
		{ \"connect\": { \"unix\": \"@rp-dg-$$\" }, \"action\": \"deny\" } ]")"
	expect "abstract stream denied" EPERM unix-connect "@rp-abs-$$"
	expect "abstract datagram send denied" EPERM unix-send "@rp-dg-$$"
	line=$(net_ev "abstract event" "\"address\":\"@rp-dg-$$\"")
	rp_contains "dgram event" "$line" '"type":"dgram"'
}

@test "network: audit mode reports what enforce would deny, and denies nothing" {
	rp_start --policy "$(net_policy watch '"mode": "audit", "network": [ { "connect": { "address": "127.0.0.0/8" }, "action": "deny" } ]')"
	expect "allowed in audit mode" ok connect udp 127.0.0.1 9999
	line=$(net_ev "audit-mode event" '"port":9999')
	rp_contains "audit mode event" "$line" '"decision":"audit","mode":"audit","policy":"watch"'
}
