#!/usr/bin/env bash
# `make demo`, inside the guest: enforce policies/examples/demo.json, show a process in
# the selected cgroup denied by the kernel, one outside it allowed, and the audit stream.
set -u
say() { printf '\n%s\n' "$*"; }

say "\$ cat policies/examples/demo.json"
cat policies/examples/demo.json
echo "top secret" > /tmp/secret
mkdir -p /sys/fs/cgroup/rampart-demo

say "\$ rampart run --policy policies/examples/demo.json > events.jsonl &"
rampart run --policy policies/examples/demo.json > /tmp/events.jsonl 2> /tmp/rampart.err &
pid=$!
for _ in $(seq 100); do grep -q enforcing /tmp/rampart.err && break; sleep 0.1; done
cat /tmp/rampart.err

say "# inside cgroup /rampart-demo: the kernel refuses the open"
echo "\$ cat /tmp/secret"
sh -c 'echo $$ > /sys/fs/cgroup/rampart-demo/cgroup.procs; exec cat /tmp/secret'
echo "(exit status $?)"

say "# outside the cgroup: allowed"
echo "\$ cat /tmp/secret"
cat /tmp/secret

say "# what the daemon enforces, and per rule how often it decided (its control socket)"
echo "\$ rampart status"
rampart status

sleep 0.5
say "# rampart stops; its pinned programs go on enforcing until rampart unload"
echo "\$ kill -TERM \$(pidof rampart)"
kill -TERM $pid
wait $pid
tail -n +2 /tmp/rampart.err
echo "\$ cat /tmp/secret  # in the cgroup, with no daemon running"
sh -c 'echo $$ > /sys/fs/cgroup/rampart-demo/cgroup.procs; exec cat /tmp/secret'
echo "(exit status $?)"
echo "\$ rampart unload"
rampart unload
say "# the audit stream: one JSON line per decision"
echo "\$ cat events.jsonl"
cat /tmp/events.jsonl
grep -q '"decision":"deny"' /tmp/events.jsonl
