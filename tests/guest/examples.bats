#!/usr/bin/env bats
# The Kubernetes example policies (policies/examples/kubernetes/), one test each. Each
# policy is loaded as shipped, with only its selector replaced by the test's own cgroup;
# each test proves the denial from inside the cgroup, the same action or a neighbour
# allowed, and the event naming the policy and its rule.

load helpers

EXAMPLES=$BATS_TEST_DIRNAME/../../policies/examples/kubernetes

setup() {
	CG=$(rp_cgroup_new)
	T=$BATS_TEST_TMPDIR
	SERVERS=()
	MOUNTS=()
	CLEANUP=()
}

teardown() {
	for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null; done
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	rp_teardown
	for p in "${CLEANUP[@]}"; do rm -rf "$p"; done
}

# example NAME: the example NAME.json selecting $CG only (written for rp_start).
example() {
	local p
	p=$(jq '.selector = { "cgroups": ["@CG@"] }' "$EXAMPLES/$1.json" | rp_policy "$1" "$CG")
	rp_check "$1 selects the test cgroup only" \
		[ "$(jq -c .selector "$p")" = "{\"cgroups\":[\"$CG\"]}" ] || return 1
	echo "$p"
}

# rule_of POLICY CATEGORY JQ VALUE: the rule of CATEGORY whose JQ is VALUE, as events
# name it: rule_of p.json exec '.path // .glob' /usr/bin/bash prints exec[2].
rule_of() {
	jq -r --arg v "$4" ".$2 | map($3) | index(\$v) | \"$2[\\(.)]\"" "$1"
}

# expect_outside NAME EXPECTED CMD...: the same outside the cgroup.
expect_outside() {
	local name=$1 want=$2
	shift 2
	run "$@"
	[[ $output == "$want" ]] ||
		{ echo "check '$name' failed: $* printed '$output', expected '$want'" >&2; return 1; }
}

# serve NAME: a unix stream server outside the cgroup, bound to NAME (teardown stops it).
serve() {
	local out=$T/serve.${#SERVERS[@]}
	rp-net unix-serve stream "$1" 900 > "$out" 3>&- &
	SERVERS+=($!)
	for _ in $(seq 50); do
		grep -q listening "$out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "unix server on $1 did not start: $(cat "$out")" >&2
	return 1
}

# mkdir_owned DIR: creates DIR (absent before) and removes it in teardown.
mkdir_owned() {
	rp_check "$1 does not exist yet" [ ! -e "$1" ] || return 1
	mkdir -p "$1"
	CLEANUP+=("$1")
}

# The guest has bash (/usr/bin/bash, /bin/bash a link to it), busybox as /bin/sh and its
# applets (links to /bin/busybox, as on Alpine) and the loader at /lib64; dash only when
# the run copied it in, otherwise a copy of rp-true stands in at /usr/bin/dash.
@test "no-shells: shells, busybox and the loader route denied inside; other programs and shells outside run" {
	if [[ ! -e /usr/bin/dash ]]; then
		cp /usr/bin/rp-true /usr/bin/dash
		CLEANUP+=(/usr/bin/dash)
	fi
	ln -s /usr/bin/dash "$T/sh"
	p=$(example no-shells)
	rp_start --policy "$p"
	expect "bash by its path" EPERM rp-exec plain /usr/bin/bash -c 'echo ran'
	expect "/bin/bash, a link to /usr/bin/bash" EPERM rp-exec plain /bin/bash -c 'echo ran'
	expect "/bin/sh, a link to busybox" EPERM rp-exec plain /bin/sh -c 'echo ran'
	expect "every busybox applet is busybox" EPERM rp-exec plain /bin/ls /
	expect "sh linked to dash, as on Debian" EPERM rp-exec plain "$T/sh" -c 'echo ran'
	expect "bash run by the dynamic loader" EPERM \
		rp-exec plain /lib64/ld-linux-x86-64.so.2 /usr/bin/bash -c 'echo ran'
	expect "a static program runs" ok rp-exec plain /usr/bin/rp-open /tmp
	expect "a dynamically linked program runs (the kernel starts its loader)" 1 \
		rp-exec plain /usr/bin/jq -n 1
	expect_outside "bash runs outside" ran rp-exec plain /usr/bin/bash -c 'echo ran'
	expect_outside "sh runs outside" ran rp-exec plain /bin/sh -c 'echo ran'
	ev_is "bash event" /usr/bin/bash KIND=exec DECISION=deny POLICY=no-shells \
		RULE="$(rule_of "$p" exec '.path // .glob' /usr/bin/bash)"
	ev_is "busybox event" /bin/busybox KIND=exec POLICY=no-shells \
		RULE="$(rule_of "$p" exec '.path // .glob' /bin/busybox)"
	ev_is "dash event" /usr/bin/dash KIND=exec POLICY=no-shells \
		RULE="$(rule_of "$p" exec '.path // .glob' /usr/bin/dash)"
	ev_is "loader event" /lib64/ld-linux-x86-64.so.2 KIND=exec POLICY=no-shells \
		RULE="$(rule_of "$p" exec '.path // .glob' '/lib64/ld-*')"
}

# The guest has no route off loopback: a connect the policy lets through fails with
# ENETUNREACH, one it denies with EPERM before any route is looked up.
@test "no-cloud-metadata: 169.254.169.254 and fd00:ec2::254 denied inside; unreachable, not denied, outside" {
	p=$(example no-cloud-metadata)
	rp_start --policy "$p"
	expect "tcp to 169.254.169.254:80" EPERM rp-net connect tcp 169.254.169.254 80
	expect "udp to another port" EPERM rp-net connect udp 169.254.169.254 53
	expect "a datagram sent without connect" EPERM rp-net sendto 169.254.169.254 53
	expect "IPv4-mapped on an inet6 socket" EPERM rp-net connect tcp ::ffff:169.254.169.254 80
	expect "tcp to fd00:ec2::254" EPERM rp-net connect tcp fd00:ec2::254 80
	expect "the address next to it is not denied" ENETUNREACH rp-net connect tcp 169.254.169.253 80
	expect "the IPv6 address next to it is not denied" ENETUNREACH rp-net connect tcp fd00:ec2::253 80
	expect "loopback allowed" ok rp-net connect udp 127.0.0.1 9
	expect_outside "IPv4 outside" ENETUNREACH rp-net connect tcp 169.254.169.254 80
	expect_outside "IPv6 outside" ENETUNREACH rp-net connect tcp fd00:ec2::254 80
	line=$(net_ev "IPv4 event" '"address":"169.254.169.254","port":80')
	rp_contains "IPv4 decision" "$line" "\"decision\":\"deny\",\"mode\":\"enforce\",\"policy\":\"no-cloud-metadata\",\"rule\":\"$(rule_of "$p" network .connect.address 169.254.169.254)\""
	line=$(net_ev "IPv6 event" '"address":"fd00:ec2::254"')
	rp_contains "IPv6 rule" "$line" "\"policy\":\"no-cloud-metadata\",\"rule\":\"$(rule_of "$p" network .connect.address fd00:ec2::254)\""
}

@test "no-etc-writes: write, append, truncate and create below /etc denied inside; reads and writes elsewhere allowed" {
	E=/etc/rp-ex-$$
	mkdir_owned "$E"
	CLEANUP+=("$E.conf")
	mkdir "$E/sub"
	for f in "$E/f" "$E/sub/f" "$E.conf" "$T/f"; do echo data > "$f"; done
	p=$(example no-etc-writes)
	rp_start --policy "$p"
	expect "write" EPERM rp-open -w "$E/f"
	expect "read-write" EPERM rp-open -rw "$E/f"
	expect "append" EPERM rp-open -a "$E/f"
	expect "truncate" EPERM rp-open -t "$E/f"
	rp_check "content kept" [ "$(cat "$E/f")" = data ]
	expect "create" EPERM rp-open -c "$E/new"
	expect "a direct entry of /etc" EPERM rp-open -w "$E.conf"
	expect "two levels below" EPERM rp-open -a "$E/sub/f"
	expect "read below /etc" ok rp-open -r "$E/f"
	expect "read /etc/passwd" ok rp-open -r /etc/passwd
	expect "write outside /etc" ok rp-open -w "$T/f"
	expect_outside "append outside the cgroup" ok rp-open -a "$E/f"
	ev_is "write event" "$E/f" KIND=file DECISION=deny POLICY=no-etc-writes RULE="file[0]" ACCESS=write
	line=$(ev_for "$E/new")
	ev_parse "$line"
	rp_contains "create event" "$EV_ACCESS" create
}

@test "no-raw-sockets: raw inet, inet6 and packet sockets denied inside; tcp and udp allowed, raw allowed outside" {
	p=$(example no-raw-sockets)
	rp_start --policy "$p"
	expect "raw icmp" EPERM rp-net create inet raw 1
	expect "raw IPPROTO_RAW" EPERM rp-net create inet raw 255
	expect "raw icmpv6" EPERM rp-net create inet6 raw 58
	expect "packet raw" EPERM rp-net create packet raw
	expect "packet dgram" EPERM rp-net create packet dgram
	expect "inet SOCK_PACKET, a packet socket" EPERM rp-net create inet 10
	expect "tcp allowed" ok rp-net create inet stream
	expect "udp6 allowed" ok rp-net create inet6 dgram
	expect_outside "raw allowed outside" ok rp-net create inet raw 1
	expect_outside "packet allowed outside" ok rp-net create packet raw
	line=$(net_ev "raw event" '"operation":"create"' '"family":"inet","type":"raw","protocol":"icmp"')
	rp_contains "raw rule" "$line" "\"decision\":\"deny\",\"mode\":\"enforce\",\"policy\":\"no-raw-sockets\",\"rule\":\"$(rule_of "$p" network '.create.family + "/" + .create.type' inet/raw)\""
	line=$(net_ev "packet event" '"operation":"create"' '"family":"packet"')
	rp_contains "packet rule" "$line" "\"policy\":\"no-raw-sockets\",\"rule\":\"$(rule_of "$p" network .create.family packet)\""
}

# The runtime's socket is decided by the name the server bound, whatever name the client
# uses: a bind mount of it, as a hostPath volume makes, is denied too. Opening a socket
# file never connects (ENXIO); the file rules make it a reported denial, for the names
# they list only.
@test "no-runtime-socket: connects to containerd and docker sockets denied inside, through a mount too; allowed outside" {
	C=/run/containerd/containerd.sock
	mkdir_owned /run/containerd
	CLEANUP+=(/run/docker.sock)
	serve "$C"
	serve /run/docker.sock
	serve "$T/app.sock"
	ln -s "$C" "$T/link.sock"
	touch "$T/mounted.sock"
	mount --bind "$C" "$T/mounted.sock"
	MOUNTS+=("$T/mounted.sock")
	p=$(example no-runtime-socket)
	rp_start --policy "$p"
	expect "containerd" EPERM rp-net unix-connect "$C"
	expect "containerd through a symlink" EPERM rp-net unix-connect "$T/link.sock"
	expect "containerd mounted elsewhere" EPERM rp-net unix-connect "$T/mounted.sock"
	expect "docker" EPERM rp-net unix-connect /run/docker.sock
	expect "open of the socket file" EPERM rp-open -rw "$C"
	expect "open through a name no file rule lists: the kernel's ENXIO" \
		"No such device or address" rp-open -rw "$T/mounted.sock"
	expect "another unix socket allowed" ok rp-net unix-connect "$T/app.sock"
	expect_outside "containerd outside" ok rp-net unix-connect "$C"
	expect_outside "docker outside" ok rp-net unix-connect /run/docker.sock
	line=$(net_ev "containerd event" "\"address\":\"$C\"")
	rp_contains "containerd rule" "$line" "\"decision\":\"deny\",\"mode\":\"enforce\",\"policy\":\"no-runtime-socket\",\"rule\":\"$(rule_of "$p" network .connect.unix "$C")\""
	line=$(net_ev "docker event" '"address":"/run/docker.sock"')
	rp_contains "docker rule" "$line" "\"rule\":\"$(rule_of "$p" network .connect.unix /run/docker.sock)\""
	ev_is "open event" "$C" KIND=file DECISION=deny POLICY=no-runtime-socket \
		RULE="$(rule_of "$p" file .path "$C")"
}
