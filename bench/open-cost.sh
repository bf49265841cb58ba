#!/usr/bin/env bash
# Runs in the guest (tests/vm/run --icount bench/open-cost.sh): the cost of open+close of
# a depth-5 path on tmpfs, with no Rampart program, with Rampart loaded but the process
# not selected, and selected under 10 and 100,000 rules of each kind. Ratios are to the
# no-program baseline of the same boot; the first round warms caches and is discarded.
set -u
N=${N:-20000}
D=/tmp/a/b/c/d
mkdir -p $D /sys/fs/cgroup/bench
echo x > $D/file
measure() {	# measure LABEL: prints the best of 3 rounds, after a discarded warm-up
	local best= v
	rp-bench open $D/file 2000 > /dev/null
	for _ in 1 2 3; do
		v=$(sh -c 'echo $$ > /sys/fs/cgroup/bench/cgroup.procs; exec rp-bench open "$0" "$1"' $D/file $N)
		[[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a < b) }' && best=$v
	done
	printf '%-44s %10.1f ns  x%.3f\n' "$1" "$best" "$(awk -v a="$best" -v b="${BASE:-$best}" 'BEGIN { print a / b }')"
}
policy() {	# policy FILE CGROUP KIND COUNT: COUNT rules of KIND, none matching $D/file
	{
		printf '{ "apiVersion": "rampart.dev/v1", "name": "bench", "selector": { "cgroups": ["%s"] }, "file": [' "$2"
		for ((i = 1; i < $4; i++)); do
			case $3 in
			path) printf '{ "path": "/srv/data/f%d", "action": "deny" },' $i ;;
			tree) printf '{ "dir": "/srv/d%d", "recursive": true, "action": "deny" },' $i ;;
			glob) printf '{ "glob": "/srv/g%d/*.key", "action": "deny" },' $i ;;
			esac
		done
		printf '{ "path": "/srv/last", "action": "deny" } ] }\n'
	} > "$1"
}
run_with() {	# run_with LABEL POLICY
	rampart run --policy "$2" > /dev/null 2> /tmp/bench.err &
	local pid=$!
	for _ in $(seq 600); do grep -q enforcing /tmp/bench.err && break; sleep 0.1; done
	measure "$1"
	kill $pid; wait $pid
}
BASE=
measure "no program"
BASE=$(sh -c 'echo $$ > /sys/fs/cgroup/bench/cgroup.procs; exec rp-bench open "$0" "$1"' $D/file $N)
measure "no program (again, the baseline)"
mkdir -p /sys/fs/cgroup/other
policy /tmp/p-other.json /other path 10
run_with "loaded, process not selected" /tmp/p-other.json
for kind in path tree glob; do
	for n in 10 100000; do
		policy /tmp/p.json /bench $kind $n
		run_with "selected, $n $kind rules" /tmp/p.json
	done
done
