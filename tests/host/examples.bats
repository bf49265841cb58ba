#!/usr/bin/env bats
# The shipped example policies (policies/examples/, subdirectories included) are valid,
# and each Kubernetes example is exercised by a guest test.

bats_require_minimum_version 1.5.0

RAMPART=${RAMPART:-$BATS_TEST_DIRNAME/../../build/rampart}
EXAMPLES=$BATS_TEST_DIRNAME/../../policies/examples

@test "examples: every policy file passes rampart check on its own" {
	local n=0 f
	while IFS= read -r f; do
		run --separate-stderr "$RAMPART" check "$f"
		[ "$status" -eq 0 ] || { echo "check '$f' failed: $stderr" >&2; return 1; }
		[[ $output == "$f: policy '"*"' is valid"* ]]
		n=$((n + 1))
	done < <(find "$EXAMPLES" -name '*.json' | sort)
	[ "$n" -ge 6 ]
}

@test "examples: the Kubernetes examples are valid as one set" {
	run --separate-stderr "$RAMPART" check "$EXAMPLES/kubernetes/"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(grep -c "is valid" <<< "$output")" -eq "$(ls "$EXAMPLES"/kubernetes/*.json | wc -l)" ]
}

@test "examples: each Kubernetes example has a guest test" {
	local f name
	for f in "$EXAMPLES"/kubernetes/*.json; do
		name=$(basename "$f" .json)
		grep -q "^@test \"$name: " "$BATS_TEST_DIRNAME/../guest/examples.bats" ||
			{ echo "no guest test for $name" >&2; return 1; }
		grep -q "example $name)" "$BATS_TEST_DIRNAME/../guest/examples.bats" ||
			{ echo "the guest test does not load $name" >&2; return 1; }
	done
}
