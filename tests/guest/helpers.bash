# Shared by the guest suite. Every test policy is scoped to a cgroup the test creates,
# so nothing outside the test's own processes can be denied.

RP_CG_ROOT=/sys/fs/cgroup

# Creates a fresh cgroup for this test and prints its path relative to the cgroup root.
rp_cgroup_new() {
	local name=/rp-t${BATS_TEST_NUMBER}-${1:-main}-$$
	mkdir -p "$RP_CG_ROOT$name"
	echo "$name"
}

# Runs a command inside the cgroup CG (relative path): rp_in_cgroup CG CMD [ARGS...]
rp_in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$RP_CG_ROOT$cg" "$@"
}

# Writes a policy from stdin to $BATS_TEST_TMPDIR/NAME.json, replacing @CG@ with $2.
rp_policy() {
	local file=$BATS_TEST_TMPDIR/$1.json
	sed "s#@CG@#${2:-}#g" > "$file"
	echo "$file"
}

# --- One daemon for a whole file ------------------------------------------------------
# Loading and verifying the programs costs ~10 s of emulated CPU per daemon start. A file
# whose tests only need "a daemon enforcing these policies" calls rp_shared_setup from
# setup_file and rp_shared_teardown from teardown_file: one daemon then serves every test,
# rp_start (--policy FILE arguments only) puts the test's policies into the daemon's
# policy directory and reloads, events come from a `rampart events --follow` client
# started before the reload, rp_stop ends that client, and rp_teardown takes the policies
# out again and reloads. A placeholder policy on a cgroup of its own keeps the directory
# from ever being empty.

rp_shared_setup() {
	export RP_SHARED_DIR=$BATS_FILE_TMPDIR/policies RP_SHARED_CG=/rp-shared-$$
	export RP_SHARED_ERR=$BATS_FILE_TMPDIR/rampart.err
	mkdir -p "$RP_SHARED_DIR" "$RP_CG_ROOT$RP_SHARED_CG"
	cat > "$RP_SHARED_DIR/00-placeholder.json" <<JSON
{ "apiVersion": "rampart.dev/v1", "name": "shared-placeholder",
  "selector": { "cgroups": ["$RP_SHARED_CG"] },
  "file": [ { "path": "/nonexistent/rampart-placeholder", "action": "deny" } ] }
JSON
	rampart run --policy "$RP_SHARED_DIR" > "$BATS_FILE_TMPDIR/events.jsonl" \
		2> "$RP_SHARED_ERR" 3>&- &
	export RP_SHARED_PID=$!
	for _ in $(seq 600); do
		grep -q 'enforcing' "$RP_SHARED_ERR" && return 0
		kill -0 "$RP_SHARED_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the shared rampart did not start enforcing:" >&2
	cat "$RP_SHARED_ERR" >&2
	return 1
}

rp_shared_teardown() {
	[[ -n ${RP_SHARED_PID:-} ]] || return 0
	kill -TERM "$RP_SHARED_PID" 2>/dev/null
	wait "$RP_SHARED_PID" 2>/dev/null
	rampart unload 2> /dev/null
	rmdir "$RP_CG_ROOT$RP_SHARED_CG" 2>/dev/null
	return 0
}

# rp_start's shared form: the test's policies in, a reload, events from a new client.
rp_shared_start() {
	local n=0 clients
	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl
	RP_ERR=$RP_SHARED_ERR
	RP_PID=
	while [[ $# -gt 0 ]]; do
		[[ $1 == --policy && $# -ge 2 ]] ||
			{ echo "rp_start: a shared daemon takes --policy FILE only, not '$1'" >&2; return 1; }
		cp "$2" "$RP_SHARED_DIR/t$BATS_TEST_NUMBER-$((n++)).json"
		shift 2
	done
	clients=$(grep -c 'events client .* connected' "$RP_ERR" || true)
	rampart events --follow > "$RP_EVENTS" 2> "$BATS_TEST_TMPDIR/events.err" 3>&- &
	RP_EVPID=$!
	for _ in $(seq 100); do
		[[ $(grep -c 'events client .* connected' "$RP_ERR") -gt $clients ]] && break
		sleep 0.05
	done
	run rampart reload
	[[ $status == 0 ]] || { echo "rampart reload failed: $output" >&2; return 1; }
}

# Starts `rampart run` with the given arguments; waits until it enforces (loading and
# verifying the programs takes seconds under TCG, more while other guests run).
rp_start() {
	[[ -z ${RP_SHARED_PID:-} ]] || { rp_shared_start "$@"; return; }
	RP_EVENTS=$BATS_TEST_TMPDIR/events.jsonl
	RP_ERR=$BATS_TEST_TMPDIR/rampart.err
	# RP_LAUNCH: an array, the command the daemon is started through (it must exec)
	${RP_LAUNCH[@]+"${RP_LAUNCH[@]}"} rampart run "$@" > "$RP_EVENTS" 2> "$RP_ERR" 3>&- &
	RP_PID=$!
	for _ in $(seq 600); do
		grep -q 'enforcing' "$RP_ERR" && return 0
		kill -0 "$RP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "rampart did not start enforcing:" >&2
	cat "$RP_ERR" >&2
	return 1
}

# Stops rampart with SIGTERM (or $1) and checks that it exited 0. With a shared daemon:
# waits for the events in flight (flushed every 250 ms) and ends the test's client.
rp_stop() {
	local rc=0
	if [[ -n ${RP_SHARED_PID:-} ]]; then
		sleep 0.6
		[[ -n ${RP_EVPID:-} ]] && { kill "$RP_EVPID" 2>/dev/null; wait "$RP_EVPID" 2>/dev/null || true; }
		RP_EVPID=
		return 0
	fi
	[[ -n ${RP_PID:-} ]] || return 0
	kill -"${1:-TERM}" "$RP_PID"
	wait "$RP_PID" || rc=$?
	RP_PID=
	[[ $rc == 0 ]] || { echo "rampart exited $rc:" >&2; cat "$RP_ERR" >&2; return 1; }
}

# Waits until the event file has N lines (events are flushed every 250 ms at most).
rp_wait_events() {
	local n=$1
	for _ in $(seq 50); do
		[[ $(wc -l < "$RP_EVENTS") -ge $n ]] && return 0
		sleep 0.1
	done
	echo "expected $n events, got $(wc -l < "$RP_EVENTS"):" >&2
	cat "$RP_EVENTS" >&2
	return 1
}

# Fails the test with a message naming the check: rp_check NAME CONDITION...
rp_check() {
	local name=$1
	shift
	"$@" || { echo "check '$name' failed: $*" >&2; return 1; }
}

# rp_contains NAME STRING NEEDLE: STRING contains NEEDLE.
rp_contains() {
	[[ $2 == *"$3"* ]] || { echo "check '$1' failed: '$2' does not contain '$3'" >&2; return 1; }
}

# Stops rampart and detaches what it pinned (a stopped rampart leaves its programs
# enforcing), then removes the test's cgroups.
rp_teardown() {
	if [[ -n ${RP_SHARED_PID:-} ]]; then
		[[ -n ${RP_EVPID:-} ]] && { kill "$RP_EVPID" 2>/dev/null; wait "$RP_EVPID" 2>/dev/null || true; }
		RP_EVPID=
		rm -f "$RP_SHARED_DIR"/t*.json
		rampart reload > /dev/null 2>&1 || echo "reload after the test failed" >&2
		for cg in "$RP_CG_ROOT"/rp-t*; do
			[[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		return 0
	fi
	if [[ -n ${RP_PID:-} ]]; then
		kill -TERM "$RP_PID" 2>/dev/null
		wait "$RP_PID" 2>/dev/null
	fi
	RP_PID=
	rampart unload 2> /dev/null
	for cg in "$RP_CG_ROOT"/rp-t*; do
		[[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# Waits until rampart logged that generation $1 is live.
rp_wait_generation() {
	for _ in $(seq 2000); do
		[[ $(tail -n 1 "$RP_ERR") == *"(generation $1:"* ]] && return 0
		sleep 0.005
	done
	echo "generation $1 never became live; last log line: $(tail -n 1 "$RP_ERR")" >&2
	return 1
}

# ev_for PATH [KIND]: prints the first event line whose path is exactly PATH (and whose
# kind is KIND), waiting up to 5 s for it.
ev_for() {
	local needle="\"path\":\"$1\"" kind="\"kind\":\"${2:-}"
	for _ in $(seq 50); do
		grep -F "$needle" "$RP_EVENTS" | grep -F -m 1 "$kind" && return 0
		sleep 0.1
	done
	echo "no event with path '$1' ${2:+and kind $2}; events:" >&2
	cat "$RP_EVENTS" >&2
	return 1
}

# ev_parse LINE: sets EV_KIND EV_DECISION EV_MODE EV_POLICY EV_RULE EV_PATH EV_COMM EV_PID,
# EV_ACCESS (comma-separated) and EV_FILELESS (true/false) from one event line. Events are
# flat JSON written without spaces; plain bash keeps this fast in the emulated guest (a
# jq start costs ~0.5 s there). A missing key reads as "null".
ev_parse() {
	local line=$1 k re
	for k in kind decision mode policy rule path comm; do
		re="\"$k\":\"([^\"]*)\""
		if [[ $line =~ $re ]]; then
			printf -v "EV_${k^^}" '%s' "${BASH_REMATCH[1]}"
		else
			printf -v "EV_${k^^}" null
		fi
	done
	re='"pid":([0-9]+)'
	EV_PID=null
	[[ $line =~ $re ]] && EV_PID=${BASH_REMATCH[1]}
	re='"access":\[([^]]*)\]'
	EV_ACCESS=
	[[ $line =~ $re ]] && EV_ACCESS=${BASH_REMATCH[1]//\"/}
	re='"fileless":true'
	EV_FILELESS=false
	[[ $line =~ $re ]] && EV_FILELESS=true
	return 0
}

# ev_is NAME PATH FIELD=VALUE...: the first event about PATH has these fields.
ev_is() {
	local name=$1 path=$2 line kv kind=
	shift 2
	for kv in "$@"; do
		[[ $kv == KIND=* ]] && kind=${kv#KIND=}
	done
	line=$(ev_for "$path" "$kind") || { echo "check '$name' failed: no event for $path" >&2; return 1; }
	ev_parse "$line" || return 1
	for kv in "$@"; do
		local var=EV_${kv%%=*}
		[[ ${!var} == "${kv#*=}" ]] ||
			{ echo "check '$name' failed: ${kv%%=*} is '${!var}', expected '${kv#*=}' in $line" >&2; return 1; }
	done
}

# rp_check_not NAME CMD...: fails the test, naming the check, when CMD succeeds.
rp_check_not() {
	local name=$1
	shift
	! "$@" || { echo "check '$name' failed: expected false: $*" >&2; return 1; }
}

# expect NAME EXPECTED CMD...: runs CMD in the test cgroup $CG; its output must be EXPECTED.
expect() {
	local name=$1 want=$2
	shift 2
	run rp_in_cgroup "$CG" "$@"
	[[ $output == "$want" ]] ||
		{ echo "check '$name' failed: $* printed '$output', expected '$want'" >&2; return 1; }
}

# net_ev NAME NEEDLE...: the first network event line containing every NEEDLE (5 s at most).
net_ev() {
	local name=$1 line n
	shift
	for _ in $(seq 50); do
		line=$(grep -F '"kind":"network"' "$RP_EVENTS" | grep -F -- "$1")
		for n in "${@:2}"; do line=$(grep -F -- "$n" <<< "$line"); done
		[[ -n $line ]] && { head -n 1 <<< "$line"; return 0; }
		sleep 0.1
	done
	echo "check '$name' failed: no network event with $*; events:" >&2
	cat "$RP_EVENTS" >&2
	return 1
}

# rp_status_count REGEX: asks the daemon for a status report (SIGUSR1) and prints the
# number REGEX captures from its status line, e.g. 'verdict cache: ([0-9]+) hits'.
rp_status_count() {
	local n re=$1
	n=$(grep -c 'status:' "$RP_ERR")
	kill -USR1 "$RP_PID"
	for _ in $(seq 100); do
		[[ $(grep -c 'status:' "$RP_ERR") -gt $n ]] && break
		sleep 0.05
	done
	[[ $(grep 'status:' "$RP_ERR" | tail -n 1) =~ $re ]] ||
		{ echo "no status line with '$re': $(tail -n 1 "$RP_ERR")" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

# rp_tree_policy NAME RULES [DEFAULT]: a policy on $CG that denies the tree $T/deny, plus
# RULES (JSON objects, comma-separated), with the file default DEFAULT when given.
rp_tree_policy() {
	local defaults=
	[[ -z ${3:-} ]] || defaults="\"defaults\": { \"file\": \"$3\" },"
	rp_policy "$1" "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "$1",
	"selector": { "cgroups": ["@CG@"] }, $defaults
	"file": [ { "dir": "$T/deny", "recursive": true, "action": "deny" } ${2:+, $2} ]
}
JSON
}

# rp_umount_all: unmounts what the test listed in MOUNTS, the last first.
rp_umount_all() {
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}"
	done
	return 0
}
