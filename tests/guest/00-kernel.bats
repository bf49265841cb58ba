#!/usr/bin/env bats
# The guest must offer BPF LSM with no lockdown: when it does not, the suite fails.

@test "guest kernel: the BPF LSM is active" {
	run cat /sys/kernel/security/lsm
	[[ $status == 0 ]]
	rp_lsm=",$output,"
	[[ $rp_lsm == *,bpf,* ]] || { echo "bpf missing from active LSMs: $output"; false; }
}

@test "guest kernel: lockdown is none" {
	run cat /sys/kernel/security/lockdown
	[[ $output == *"[none]"* ]] || { echo "lockdown: $output"; false; }
}

@test "guest kernel: rampart probe reports enforcement possible" {
	run rampart probe
	echo "$output"
	[[ $status == 0 ]]
	[[ $output == *"BPF LSM enforcement is possible"* ]]
}

@test "guest kernel: rampart probe --json says possible, every check ok, bpf among the LSMs" {
	run rampart probe --json
	echo "$output"
	[[ $status == 0 ]]
	[[ $(jq -r .possible <<< "$output") == true ]]
	[[ $(jq '[.checks[] | select(.ok | not)] | length' <<< "$output") == 0 ]]
	[[ $(jq -r '.checks[] | select(.name == "bpf-lsm") | .detail' <<< "$output") == *bpf* ]]
}
