#!/usr/bin/env bats
# Containers under runc (Debian's package) with `rampart oci-hook` as their createRuntime
# hook: policies selected by the container's Kubernetes annotations confine it from its
# first exec, events name it, a seccomp profile written from the policy refuses its
# system calls, the hook fails closed without a daemon, and a restarted daemon keeps
# confining the containers its predecessor bound.
#
# Every container runs in a cgroup below one the test created, and every policy selects
# only containers of a namespace named after this test, so nothing else is confined.

load helpers

setup() {
	command -v runc > /dev/null || { echo "runc is missing from the guest: run make setup" >&2; return 1; }
	CG=$(rp_cgroup_new)
	NS=rp-ns-$BATS_TEST_NUMBER-$$
	POD_UID=1b2c3d4e-0000-4000-8000-0000000$(printf '%05d' $$)
	ROOTFS=$BATS_TEST_TMPDIR/rootfs
	mkdir -p "$ROOTFS"/{bin,proc,dev,sys,tmp,etc,usr/bin}
	cp /bin/busybox "$ROOTFS/bin/busybox"
	for a in sh cat mkdir ls echo true id sleep; do ln -s busybox "$ROOTFS/bin/$a"; done
	# A program the policy denies by path (a script: bprm_check_security decides on it
	# before its interpreter runs).
	printf '#!/bin/sh\necho "RAN-DENIED-PROGRAM $*"\n' > "$ROOTFS/bin/denied"
	chmod 0755 "$ROOTFS/bin/denied"
	echo secret > "$ROOTFS/etc/secret"
	POLICY=$(rp_policy containers <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "ctr-test",
	"selector": { "containers": [ { "namespace": "$NS", "container": "app*" } ] },
	"exec": [ { "path": "/bin/denied", "action": "deny" } ],
	"file": [ { "path": "/etc/secret", "access": ["read"], "action": "deny" } ],
	"syscalls": { "deny": ["mkdir", "mkdirat"] }
}
JSON
)
	CTRS=()
}

teardown() {
	local c
	for c in "${CTRS[@]}"; do runc delete -f "$c" > /dev/null 2>&1; done
	rp_teardown
}

# bundle NAME CONTAINER HOOKARGS ARGS...: writes the bundle $BATS_TEST_TMPDIR/NAME for a
# container named CONTAINER of pod web-0 in $NS, running ARGS, with the hook run as
# `rampart oci-hook HOOKARGS` (a JSON array of extra arguments); prints its directory.
bundle() {
	local name=$1 ctr=$2 hookargs=$3 dir=$BATS_TEST_TMPDIR/$1 args
	shift 3
	mkdir -p "$dir"
	(cd "$dir" && runc spec)
	# The program's arguments (one per line) as JSON: jq would take a "-c" among --args as
	# its own option.
	args=$(printf '%s\n' "$@" | jq -Rs 'split("\n") | .[:-1]')
	jq --argjson args "$args" --arg rootfs "$ROOTFS" --arg cg "$CG/kubepods/besteffort/pod$POD_UID/$name" --arg ns "$NS" --arg ctr "$ctr" \
		--argjson hookargs "$hookargs" '
		.process.terminal = false | .process.args = $args |
		.root = { "path": $rootfs, "readonly": false } |
		.linux.cgroupsPath = $cg |
		.hooks.createRuntime = [ { "path": "/usr/bin/rampart",
					   "args": (["rampart", "oci-hook"] + $hookargs) } ] |
		.annotations = { "io.kubernetes.cri.container-type": "container",
				 "io.kubernetes.cri.sandbox-namespace": $ns,
				 "io.kubernetes.cri.sandbox-name": "web-0",
				 "io.kubernetes.cri.sandbox-id": "5a4d",
				 "io.kubernetes.cri.container-name": $ctr,
				 "io.kubernetes.cri.image-name": "docker.io/library/busybox:1.35" }' \
		< "$dir/config.json" > "$dir/config.new"
	mv "$dir/config.new" "$dir/config.json"
	echo "$dir"
}

# ctr_run ID BUNDLE: runs the container in the foreground; sets status and output.
ctr_run() {
	CTRS+=("$1")
	run runc run --no-pivot --bundle "$2" "$1"
}

@test "oci-hook: the container is confined from its first exec, its seccomp profile applies, events name it" {
	local b line profile=$BATS_TEST_TMPDIR/profile.json example=$BATS_TEST_TMPDIR/no-shells.json
	rampart seccomp-profile "$POLICY" -o "$profile"
	# The shipped example, bound only to this test's containers named "shell".
	jq --arg ns "$NS" '.selector = { "containers": [ { "namespace": $ns, "container": "shell" } ] }' \
		/rampart/policies/examples/kubernetes/no-shells.json > "$example"
	rp_start --policy "$POLICY" --policy "$example"

	b=$(bundle first app '[]' /bin/denied echo RAN-DENIED)
	ctr_run rp-first-$$ "$b"
	rp_check "first exec refused" [ "$status" -ne 0 ]
	rp_check_not "denied program never ran" grep -q RAN-DENIED <<< "$output"
	rp_contains "runc says EPERM" "$output" "operation not permitted"
	line=$(ev_for /bin/denied exec)
	ev_parse "$line"
	rp_check "deny event, rule exec[0]" [ "$EV_DECISION/$EV_POLICY/$EV_RULE" == "deny/ctr-test/exec[0]" ]
	rp_contains "event names the container" "$line" \
		"\"container\":{\"id\":\"rp-first-$$\",\"name\":\"app\",\"pod\":\"web-0\",\"namespace\":\"$NS\",\"image\":\"docker.io/library/busybox:1.35\"}"
	rp_contains "event names the kubelet-shaped cgroup" "$line" "/pod$POD_UID/first\""
	rp_check "daemon logs the binding" grep -q "container rp-first-$$ .* confined by \[\"ctr-test\"\]" "$RP_ERR"

	b=$(bundle second app-2 '[]' /bin/sh -c 'echo RAN-SH; cat /etc/secret; echo cat=$?; mkdir /tmp/x; echo mkdir=$?')
	jq --slurpfile p "$profile" '.linux.seccomp = $p[0]' "$b/config.json" > "$b/c" && mv "$b/c" "$b/config.json"
	ctr_run rp-second-$$ "$b"
	rp_contains "allowed program runs" "$output" RAN-SH
	rp_contains "file rule applies inside" "$output" "cat=1"
	rp_check_not "secret not shown" grep -q '^secret$' <<< "$output"
	ev_is "file deny event" /etc/secret KIND=file DECISION=deny RULE='file[0]'
	rp_contains "file event names the container" "$(ev_for /etc/secret file)" "\"id\":\"rp-second-$$\""
	rp_contains "seccomp profile refuses mkdir" "$output" "Operation not permitted"
	rp_contains "mkdir failed" "$output" "mkdir=1"
	rp_check "no directory made" [ ! -e "$ROOTFS/tmp/x" ]

	b=$(bundle third sidecar '[]' /bin/sh -c '/bin/denied echo RAN-SIDECAR; mkdir /tmp/y; echo mkdir=$?')
	ctr_run rp-third-$$ "$b"
	rp_contains "a container the selector does not name is not confined" "$output" RAN-SIDECAR
	rp_contains "without the profile mkdir works" "$output" "mkdir=0"
	rp_check "daemon logs no policy" grep -q "container rp-third-$$ .* no policy selects it" "$RP_ERR"
	rp_check_not "no event from the unselected container" grep -q '"id":"rp-third-' "$RP_EVENTS"
	b=$(bundle fourth shell '[]' /bin/sh -c 'echo RAN-SHELL')
	ctr_run rp-fourth-$$ "$b"
	rp_check "no-shells example: the shell is refused" [ "$status" -ne 0 ]
	rp_contains "no-shells example: EPERM" "$output" "operation not permitted"
	rp_check_not "no-shells example: the shell never ran" grep -q RAN-SHELL <<< "$output"
	ev_is "no-shells example: the event" /bin/busybox KIND=exec DECISION=deny POLICY=no-shells
	rp_contains "no-shells example: the event names the container" "$(ev_for /bin/busybox exec)" "\"name\":\"shell\""

	run rampart status --json
	rp_check "status lists the last bound container" \
		jq -e --arg id rp-fourth-$$ --arg ns "$NS" '.containers | any(.id == $id and .namespace == $ns and .container == "shell")' <<< "$output"
	rp_check "containers gone by the last bind are forgotten" \
		jq -e --arg id rp-first-$$ '.containers | all(.id != $id)' <<< "$output"
}

@test "oci-hook: without a daemon the container does not start, unless its namespace is exempt" {
	local b
	[[ ! -S /run/rampart/rampart.sock ]] || rm -f /run/rampart/rampart.sock

	b=$(bundle closed app '[]' /bin/echo RAN-CLOSED)
	ctr_run rp-closed-$$ "$b"
	rp_check "runc fails" [ "$status" -ne 0 ]
	rp_check_not "the process never ran" grep -q RAN-CLOSED <<< "$output"
	rp_contains "the hook says why" "$output" "refusing to start it"
	rp_contains "the hook names the socket" "$output" "/run/rampart/rampart.sock cannot be reached"

	b=$(bundle exempt app "[\"--exempt-namespace\", \"rp-ns-*\"]" /bin/echo RAN-EXEMPT)
	ctr_run rp-exempt-$$ "$b"
	rp_check "exempt namespace starts" [ "$status" -eq 0 ]
	rp_contains "exempt container ran" "$output" RAN-EXEMPT

	b=$(bundle other app "[\"--exempt-namespace\", \"kube-system\"]" /bin/echo RAN-OTHER)
	ctr_run rp-other-$$ "$b"
	rp_check "another namespace's exemption does not apply" [ "$status" -ne 0 ]
	rp_check_not "not run" grep -q RAN-OTHER <<< "$output"
}

@test "oci-hook: a restarted daemon goes on confining the containers bound before" {
	local b id=rp-long-$$
	rp_start --policy "$POLICY"
	b=$(bundle long app '[]' /bin/sh -c 'echo UP > /tmp/up; exec sleep 600')
	CTRS+=("$id")
	runc run --no-pivot --detach --bundle "$b" "$id" < /dev/null > "$BATS_TEST_TMPDIR/long.out" 2>&1
	rp_check "state file lists it" grep -q "\"id\":\"$id\"" /run/rampart/containers.json
	run runc exec "$id" /bin/echo EXEC-WORKS
	rp_contains "runc exec works in the container" "$output" EXEC-WORKS || {
		cat "$BATS_TEST_TMPDIR/long.out" >&2; runc state "$id" >&2; cat "$RP_ERR" >&2; cat "$ROOTFS/tmp/up" >&2; return 1; }

	kill -KILL "$RP_PID"
	wait "$RP_PID" || true
	RP_PID=
	run runc exec "$id" /bin/denied echo STILL-DENIED-BY-PINS
	rp_contains "pinned set still confines it with no daemon" "$output" "operation not permitted"
	rp_check_not "not run without a daemon" grep -q STILL-DENIED-BY-PINS <<< "$output"

	rp_start --policy "$POLICY"
	rp_check "the new daemon read the binding" grep -q "1 bound container read from /run/rampart/containers.json" "$RP_ERR"
	run runc exec "$id" /bin/denied echo RAN-AFTER-RESTART
	rp_contains "exec refused after restart" "$output" "operation not permitted"
	rp_check_not "denied program never ran" grep -q RAN-AFTER-RESTART <<< "$output"
	ev_is "the new daemon's event" /bin/denied KIND=exec DECISION=deny POLICY=ctr-test
	rp_contains "and names the container" "$(ev_for /bin/denied exec)" "\"id\":\"$id\""

	runc delete -f "$id"
	rampart reload
	rp_check "the gone container is forgotten" [ "$(jq length /run/rampart/containers.json)" -eq 0 ]
}
