#!/usr/bin/env bats
# Host tests of `rampart oci-hook`: bad arguments and bad state are refused, and without a
# daemon the hook fails closed (exit 1: the runtime does not start the container) unless
# the container's namespace is exempt. tests/guest/containers.bats runs it under runc.

bats_require_minimum_version 1.5.0

RAMPART=${RAMPART:-$BATS_TEST_DIRNAME/../../build/rampart}

setup() {
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	cat > "$BUNDLE/config.json" <<JSON
{ "ociVersion": "1.0.2", "annotations": {
	"io.kubernetes.cri.container-type": "container",
	"io.kubernetes.cri.sandbox-namespace": "kube-system",
	"io.kubernetes.cri.sandbox-name": "coredns-0",
	"io.kubernetes.cri.container-name": "coredns" } }
JSON
	# This shell stands for the container's first process: it exists and has a cgroup.
	STATE="{\"ociVersion\":\"1.0.2\",\"id\":\"c0ffee\",\"status\":\"creating\",\"pid\":$$,\"bundle\":\"$BUNDLE\"}"
	NOSOCK=$BATS_TEST_TMPDIR/no-daemon.sock
}

@test "oci-hook: bad arguments are refused with status 2" {
	run --separate-stderr "$RAMPART" oci-hook --bogus < /dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"oci-hook: unknown option '--bogus'"* ]]
	run --separate-stderr "$RAMPART" oci-hook --timeout 0 < /dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"invalid --timeout '0': expected 1 to 600 seconds"* ]]
	run --separate-stderr "$RAMPART" oci-hook extra < /dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"unexpected argument 'extra'"* ]]
}

@test "oci-hook: a state that is not an OCI state fails closed" {
	run --separate-stderr "$RAMPART" oci-hook --control "$NOSOCK" <<< 'not json'
	[ "$status" -eq 1 ]
	[[ $stderr == *"container (unknown): the container state on stdin is not an OCI state"* ]]
	[[ $stderr == *"refusing to start it"* ]]
	run --separate-stderr "$RAMPART" oci-hook --control "$NOSOCK" --exempt-namespace '*' <<< '{"id":"x"}'
	[ "$status" -eq 1 ]	# no state, no namespace: an exemption cannot apply
}

@test "oci-hook: without a daemon the container does not start unless its namespace is exempt" {
	run --separate-stderr "$RAMPART" oci-hook --control "$NOSOCK" <<< "$STATE"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"container c0ffee (namespace 'kube-system'): the daemon at $NOSOCK cannot be reached"* ]]
	run --separate-stderr "$RAMPART" oci-hook --control "$NOSOCK" --exempt-namespace default \
		--exempt-namespace 'kube-*' <<< "$STATE"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ $stderr == *"container c0ffee in namespace 'kube-system' starts unconfined: its namespace is exempt"* ]]
	run --separate-stderr "$RAMPART" oci-hook --control "$NOSOCK" --exempt-namespace default <<< "$STATE"
	[ "$status" -eq 1 ]
}

@test "oci-hook: a bundle without config.json fails closed" {
	rm "$BUNDLE/config.json"
	run --separate-stderr "$RAMPART" oci-hook --control "$NOSOCK" --exempt-namespace '*' <<< "$STATE"
	[ "$status" -eq 1 ]
	[[ $stderr == *"reading $BUNDLE/config.json: No such file or directory"* ]]
}
