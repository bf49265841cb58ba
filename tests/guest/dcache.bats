#!/usr/bin/env bats
# file_open's directory cache (bpf-lsm/dcache.bpf.h): once a file of a directory has been
# decided in full, other files of that directory are decided from their name and the
# directory's entry, without bpf_d_path(). Each test first shows that the cache served a
# file, then that the decision is the one the full path gives: exact rules on names of
# every length, dir and tree rules, and each change that gives the file another path.
# Denials always end in a decision in full, so their events name the path. Every policy
# is scoped to a cgroup the test creates.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/dir" "$T/deny"
	for f in a b c secret; do echo data > "$T/dir/$f"; done
	MOUNTS=()
}

teardown() {
	rp_teardown
	rp_umount_all
}

# policy NAME RULES [DEFAULT]: a policy on $CG that denies the tree $T/deny, plus RULES,
# with the file default DEFAULT (allow, the default, unless given).
policy() { rp_tree_policy "$@"; }

# dir_hits: asks the daemon for its status (SIGUSR1) and prints the directory cache's
# hit count.
dir_hits() { rp_status_count 'directory cache: ([0-9]+) hits'; }

# opens_ok PATH: PATH opens in the cgroup.
opens_ok() {
	run rp_in_cgroup "$CG" rp-open "$1"
	[[ $output == ok ]] || { echo "open of $1 in the cgroup: $output" >&2; return 1; }
}

# served_by_dir FIRST NEXT: FIRST opens (its directory is stored), then NEXT, a file of
# the same directory never opened before, opens as a directory cache hit.
served_by_dir() {
	local before after
	opens_ok "$1"
	before=$(dir_hits)
	opens_ok "$2"
	after=$(dir_hits)
	rp_check "first open of $2 is a directory cache hit ($before -> $after)" \
		test "$after" -gt "$before"
}

# denied PATH: opening PATH in the cgroup fails with EPERM and is reported under PATH.
denied() {
	run rp_in_cgroup "$CG" rp-open "$1"
	rp_check "open of $1 denied" test "$output" = EPERM
	ev_for "$1" > /dev/null
}

@test "dcache: a new file of a known directory is decided from the directory's entry" {
	rp_start --policy "$(policy hit)"
	served_by_dir "$T/dir/a" "$T/dir/b"
	run rp_in_cgroup "$CG" cat "$T/dir/c"
	rp_check "content read" test "$output" = data
}

@test "dcache: an exact rule on a file of a known directory denies it, and the event names its path" {
	rp_start --policy "$(policy exact "{ \"path\": \"$T/dir/secret\", \"action\": \"deny\" }")"
	served_by_dir "$T/dir/a" "$T/dir/b"
	denied "$T/dir/secret"
}

# The name's hash is finished from the directory's SipHash state: names of every length
# from 1 to 24 and of 255 bytes, below directories whose paths end at every offset in a
# word, each with a deny rule that only the right hash finds.
@test "dcache: exact rules on names of every length below directories of every length" {
	local rules= d n name names=() dirs=() f
	for d in x xx xxx xxxx xxxxx xxxxxx xxxxxxx xxxxxxxx; do
		mkdir -p "$T/$d"
		echo x > "$T/$d/open"
		dirs+=("$T/$d")
	done
	for n in $(seq 1 24) 255; do
		name=$(printf 'n%.0s' $(seq "$n"))
		names+=("$name")
	done
	for d in "${dirs[@]}"; do
		for name in "${names[@]}"; do
			echo x > "$d/$name"
			rules+="${rules:+, }{ \"path\": \"$d/$name\", \"action\": \"deny\" }"
		done
	done
	rp_start --policy "$(policy lengths "$rules")"
	for d in "${dirs[@]}"; do
		echo x > "$d/other"
		served_by_dir "$d/open" "$d/other"
		for name in "${names[@]}"; do
			run rp_in_cgroup "$CG" rp-open "$d/$name"
			rp_check "open of $d/<${#name} bytes> denied" test "$output" = EPERM
		done
	done
}

@test "dcache: a tree rule above a known directory decides its new files, allow and deny" {
	mkdir -p "$T/ok/sub" "$T/deny/sub"
	for f in a b; do echo x > "$T/ok/sub/$f"; echo x > "$T/deny/sub/$f"; done
	rp_start --policy "$(policy tree "{ \"dir\": \"$T/ok\", \"recursive\": true, \"action\": \"allow\" }, { \"path\": \"/usr/bin/rp-open\", \"access\": [\"read\", \"exec\"], \"action\": \"allow\" }" deny)"
	served_by_dir "$T/ok/sub/a" "$T/ok/sub/b"
	denied "$T/deny/sub/a"
	denied "$T/deny/sub/b"
	denied "$T/dir/a"
	denied "$T/dir/b"
}

@test "dcache: a dir rule on a known directory decides its new files" {
	mkdir -p "$T/d1/d2"
	for f in a b; do echo x > "$T/d1/d2/$f"; done
	echo x > "$T/d1/c"
	echo x > "$T/d1/e"
	rp_start --policy "$(policy dirrule "{ \"dir\": \"$T/d1\", \"action\": \"deny\" }")"
	served_by_dir "$T/d1/d2/a" "$T/d1/d2/b"
	# the first denial stores $T/d1's entry, whose dir decision denies the second
	denied "$T/d1/c"
	denied "$T/d1/e"
	run rp_in_cgroup "$CG" rp-open "$T/d1/d2/b"
	rp_check "a file one level below the dir rule stays allowed" test "$output" = ok
}

@test "dcache: a directory renamed into a denied tree: its new files are decided by the new path" {
	rp_start --policy "$(policy rename)"
	served_by_dir "$T/dir/a" "$T/dir/b"
	mv "$T/dir" "$T/deny/dir"
	denied "$T/deny/dir/c"
}

@test "dcache: a file bind-mounted into a denied tree is named by its mount point" {
	echo x > "$T/deny/view"
	mount --bind "$T/dir/c" "$T/deny/view"
	MOUNTS+=("$T/deny/view")
	rp_start --policy "$(policy bind)"
	served_by_dir "$T/dir/a" "$T/dir/b"
	denied "$T/deny/view"
}

@test "dcache: a mount moved under a denied tree: its new files are decided by the new path" {
	mkdir -p "$T/m" "$T/deny/m"
	mount -t tmpfs dc "$T/m"
	MOUNTS+=("$T/deny/m")
	for f in a b c; do echo x > "$T/m/$f"; done
	rp_start --policy "$(policy mount-move)"
	served_by_dir "$T/m/a" "$T/m/b"
	mount --move "$T/m" "$T/deny/m"
	denied "$T/deny/m/c"
}

@test "dcache: a reloaded policy that denies a new file of a known directory is enforced at once" {
	rp_start --policy "$(policy reload)"
	served_by_dir "$T/dir/a" "$T/dir/b"
	policy reload "{ \"path\": \"$T/dir/c\", \"action\": \"deny\" }" > /dev/null
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	denied "$T/dir/c"
}

@test "dcache: an entry serves only its ruleset: another cgroup's tree rule still denies" {
	mkdir -p "$RP_CG_ROOT$CG/a" "$RP_CG_ROOT$CG/c"
	local one other
	one=$(rp_policy one <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "one",
	"selector": { "cgroups": ["$CG/a"] },
	"file": [ { "dir": "$T/deny", "recursive": true, "action": "deny" } ]
}
JSON
)
	other=$(rp_policy other <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "other",
	"selector": { "cgroups": ["$CG/c"] },
	"file": [ { "dir": "$T/dir", "recursive": true, "action": "deny" } ]
}
JSON
)
	rp_start --policy "$one" --policy "$other"
	CG=$CG/a served_by_dir "$T/dir/a" "$T/dir/b"
	CG=$CG/c denied "$T/dir/c"
}

@test "dcache: rulesets with file globs decide every open in full" {
	local before after
	rp_start --policy "$(policy globs "{ \"glob\": \"$T/dir/s*t\", \"action\": \"deny\" }")"
	opens_ok "$T/dir/a"
	before=$(dir_hits)
	opens_ok "$T/dir/b"
	after=$(dir_hits)
	rp_check "no directory cache hit ($before -> $after)" test "$after" -eq "$before"
	denied "$T/dir/secret"
}
