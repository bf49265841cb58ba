#!/usr/bin/env bats
# Host tests of the audit pipeline's command line: `rampart run` sink and flood options,
# and `rampart events` errors. The host cannot load LSM programs: argument checks only.

bats_require_minimum_version 1.5.0

RAMPART=${RAMPART:-$BATS_TEST_DIRNAME/../../build/rampart}
EXAMPLE=$BATS_TEST_DIRNAME/../../policies/examples/demo.json

# run_refused NAME WANT_STATUS WANT_STDERR ARGS...: rampart ARGS exits WANT_STATUS with
# exactly the one line WANT_STDERR.
run_refused() {
	local name=$1 want_status=$2 want=$3
	shift 3
	run --separate-stderr "$RAMPART" "$@"
	[ "$status" -eq "$want_status" ] ||
		{ echo "check '$name' failed: status $status, expected $want_status: $stderr"; return 1; }
	[ "$stderr" = "$want" ] ||
		{ echo "check '$name' failed: stderr '$stderr', expected '$want'"; return 1; }
	[ -z "$output" ] || { echo "check '$name' failed: stdout '$output'"; return 1; }
}

@test "cli: run refuses bad sink and flood option values with exit 2" {
	run_refused "log-max-bytes 0" 2 \
		"rampart: error: run: invalid --log-max-bytes '0': expected a positive size such as 1048576 or 64M" \
		run --policy "$EXAMPLE" --log-max-bytes 0
	run_refused "log-max-bytes unit" 2 \
		"rampart: error: run: invalid --log-max-bytes '10X': expected a positive size such as 1048576 or 64M" \
		run --policy "$EXAMPLE" --log-max-bytes 10X
	run_refused "rate-limit abc" 2 \
		"rampart: error: run: invalid --rate-limit 'abc': expected events per second from 1 to 1000000" \
		run --policy "$EXAMPLE" --rate-limit abc
	run_refused "rate-limit 0" 2 \
		"rampart: error: run: invalid --rate-limit '0': expected events per second from 1 to 1000000" \
		run --policy "$EXAMPLE" --rate-limit 0
	run_refused "log-keep too many" 2 \
		"rampart: error: run: invalid --log-keep '1001': expected a number of files from 0 to 1000" \
		run --policy "$EXAMPLE" --log-keep 1001
	run_refused "coalesce-ms negative" 2 \
		"rampart: error: run: invalid --coalesce-ms '-5': expected milliseconds from 0 to 3600000" \
		run --policy "$EXAMPLE" --coalesce-ms -5
	run_refused "missing value" 2 "rampart: error: run: option '--socket' needs a value" \
		run --policy "$EXAMPLE" --socket
	run_refused "unknown option" 2 "rampart: error: run: unknown option '--log' (see rampart --help)" \
		run --policy "$EXAMPLE" --log x
	run_refused "no-stdout alone" 2 \
		"rampart: error: run: --no-stdout without --log-file or --socket would send the events nowhere" \
		run --policy "$EXAMPLE" --no-stdout
}

@test "cli: run checks option values before the policies, and the policies before the sinks" {
	run_refused "option before policy" 2 \
		"rampart: error: run: invalid --rate-limit 'x': expected events per second from 1 to 1000000" \
		run --policy /nonexistent/p.json --rate-limit x
	run --separate-stderr "$RAMPART" run --policy /nonexistent/p.json --log-file /nonexistent/dir/log
	[ "$status" -eq 1 ]
	[[ $stderr == *"/nonexistent/p.json"* && $stderr != *"log file"* ]] ||
		{ echo "check 'policy error first' failed: $stderr"; return 1; }
}

@test "cli: run names a log file or socket it cannot open, before touching the kernel" {
	run_refused "log file in a missing directory" 1 \
		"rampart: error: cannot open the log file '/nonexistent/dir/x.log': No such file or directory" \
		run --policy "$EXAMPLE" --log-file /nonexistent/dir/x.log
	run_refused "log file is a directory" 1 \
		"rampart: error: cannot open the log file '$BATS_TEST_TMPDIR': Is a directory" \
		run --policy "$EXAMPLE" --log-file "$BATS_TEST_TMPDIR"
	touch "$BATS_TEST_TMPDIR/plain"
	run_refused "socket path is a plain file" 1 \
		"rampart: error: cannot listen on '$BATS_TEST_TMPDIR/plain': a file that is not a socket is there" \
		run --policy "$EXAMPLE" --socket "$BATS_TEST_TMPDIR/plain"
	[ -f "$BATS_TEST_TMPDIR/plain" ] || { echo "check 'plain file kept' failed"; return 1; }
}

@test "cli: events without a daemon names the socket and how to start one" {
	run_refused "default: the control socket" 1 \
		"rampart: error: events: no rampart daemon answers on '/run/rampart/rampart.sock' (is it running? rampart run --control PATH names another)" \
		events
	run_refused "given control socket" 1 \
		"rampart: error: events: no rampart daemon answers on '$BATS_TEST_TMPDIR/c.sock' (is it running? rampart run --control PATH names another)" \
		events --control "$BATS_TEST_TMPDIR/c.sock"
	run_refused "given socket" 1 \
		"rampart: error: events: no event socket at '$BATS_TEST_TMPDIR/ev.sock': start the daemon with 'rampart run --socket $BATS_TEST_TMPDIR/ev.sock'" \
		events --follow --socket "$BATS_TEST_TMPDIR/ev.sock"
}

@test "cli: events refuses bad filter values with exit 2, before connecting" {
	run_refused "decision allow" 2 \
		"rampart: error: events: invalid --decision 'allow': expected deny or audit" \
		events --decision allow
	run_refused "kind net" 2 \
		"rampart: error: events: invalid --kind 'net': expected file, exec or network" \
		events --kind net --socket /nonexistent.sock
	run_refused "missing value" 2 "rampart: error: events: option '--policy' needs a value" \
		events --policy
	run_refused "stray argument" 2 "rampart: error: events: unexpected argument 'now'" \
		events now
}

@test "cli: events without --follow ends after an idle second, with filters on parsed JSON" {
	command -v python3 > /dev/null || skip "python3 is needed to serve a fake socket"
	sock=$BATS_TEST_TMPDIR/ev.sock
	# a fake daemon: sends three lines, then stays silent with the connection open
	python3 - "$sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
c.sendall(b'{"kind":"file","decision":"deny","policy":"web","path":"/a"}\n'
          b'{"kind":"file","decision":"audit","policy":"web","path":"/b"}\n'
          b'{"kind":"file","decision":"deny","policy":"db","path":"/c"}\n'
          b'{"kind":"loss","lost":2,"lost_total":2}\n')
time.sleep(5)
PY
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	start=$SECONDS
	run --separate-stderr "$RAMPART" events --socket "$sock" --policy web --decision deny
	[ "$status" -eq 0 ] || { echo "check 'exit 0' failed: $status $stderr"; return 1; }
	[ "${lines[0]}" = '{"kind":"file","decision":"deny","policy":"web","path":"/a"}' ] ||
		{ echo "check 'matching event' failed: $output"; return 1; }
	[ "${lines[1]}" = '{"kind":"loss","lost":2,"lost_total":2}' ] ||
		{ echo "check 'loss line passes filters' failed: $output"; return 1; }
	[ "${#lines[@]}" -eq 2 ] || { echo "check 'others filtered' failed: $output"; return 1; }
	[ $((SECONDS - start)) -lt 4 ] || { echo "check 'ends when idle' failed"; return 1; }
	wait
}

@test "cli: status and reload without a daemon say so; their arguments are checked" {
	run_refused "status, no daemon" 1 \
		"rampart: error: status: no rampart daemon answers on /run/rampart/rampart.sock (is it running? --control PATH names another socket)" \
		status
	run_refused "reload, no daemon" 1 \
		"rampart: error: reload: no rampart daemon answers on $BATS_TEST_TMPDIR/c.sock (is it running? --control PATH names another socket)" \
		reload --control "$BATS_TEST_TMPDIR/c.sock"
	run_refused "status, bad argument" 2 \
		"rampart: error: status: usage: rampart status [--json] [--control PATH]" \
		status --yaml
	run_refused "reload takes no --json" 2 \
		"rampart: error: reload: usage: rampart reload [--control PATH]" \
		reload --json
}

@test "cli: run refuses bad control and metrics options with exit 2" {
	run_refused "relative control path" 2 \
		"rampart: error: run: --control needs an absolute socket path, not 'ctl.sock'" \
		run --policy "$EXAMPLE" --control ctl.sock
	run_refused "unknown group" 2 \
		"rampart: error: run: unknown group 'no-such-group-xyz' for --control-group" \
		run --policy "$EXAMPLE" --control-group no-such-group-xyz
	run_refused "metrics name" 2 \
		"rampart: error: run: invalid --metrics 'localhost:9464': expected PORT, IP:PORT, [IPV6]:PORT or /PATH" \
		run --policy "$EXAMPLE" --metrics localhost:9464
	run_refused "metrics port" 2 \
		"rampart: error: run: invalid --metrics '70000': expected PORT, IP:PORT, [IPV6]:PORT or /PATH" \
		run --policy "$EXAMPLE" --metrics 70000
}

@test "cli: run refuses a control socket path held by a plain file, before the kernel" {
	touch "$BATS_TEST_TMPDIR/plain"
	run_refused "plain file" 1 \
		"rampart: error: cannot listen on the control socket $BATS_TEST_TMPDIR/plain: a file that is not a socket is there" \
		run --policy "$EXAMPLE" --control "$BATS_TEST_TMPDIR/plain"
	[ -f "$BATS_TEST_TMPDIR/plain" ] || { echo "check 'plain file kept' failed"; return 1; }
}
