#!/usr/bin/env bats
# file_open's verdict cache (bpf-lsm/vcache.bpf.h): a second open of an allowed file is
# decided from the inode, and every change that could give the file another path (a
# rename of it or of a directory above it, a mount move, a hard link, another mount, a
# chroot, a new policy, other accesses) is decided in full again. Each test first shows
# that the cache served the file, then that the change is seen. Every policy is scoped to
# a cgroup the test creates.

load helpers

setup() {
	CG=$(rp_cgroup_new)
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/dir" "$T/deny"
	echo data > "$T/dir/ok"
	MOUNTS=()
	OPENER=(rp-open)
}

teardown() {
	rp_teardown
	rp_umount_all
}

# policy NAME RULES: a policy on $CG that denies the tree $T/deny, plus RULES.
policy() { rp_tree_policy "$@"; }

# hits: asks the daemon for its status (SIGUSR1) and prints the cache's hit count.
hits() { rp_status_count 'verdict cache: ([0-9]+) hits'; }

# opens_ok PATH: PATH opens in the cgroup (with the command in OPENER).
opens_ok() {
	run rp_in_cgroup "$CG" "${OPENER[@]}" "$1"
	[[ $output == ok ]] || { echo "open of $1 in the cgroup: $output" >&2; return 1; }
}

# served_from_cache PATH: opening PATH twice, the second open is a cache hit.
served_from_cache() {
	local before after
	opens_ok "$1"
	before=$(hits)
	opens_ok "$1"
	after=$(hits)
	rp_check "second open of $1 is a cache hit ($before -> $after)" test "$after" -gt "$before"
}

# denied PATH: opening PATH in the cgroup fails with EPERM and is reported under PATH.
denied() {
	run rp_in_cgroup "$CG" rp-open "$1"
	rp_check "open of $1 denied" test "$output" = EPERM
	ev_for "$1" > /dev/null
}

@test "vcache: a second open of an allowed file is decided from the cache" {
	rp_start --policy "$(policy hit)"
	served_from_cache "$T/dir/ok"
	run rp_in_cgroup "$CG" cat "$T/dir/ok"
	rp_check "content read" test "$output" = data
}

@test "vcache: a file renamed into a denied directory is denied" {
	rp_start --policy "$(policy rename)"
	served_from_cache "$T/dir/ok"
	mv "$T/dir/ok" "$T/deny/ok"
	denied "$T/deny/ok"
}

@test "vcache: a directory renamed into a denied tree takes its files along" {
	mkdir -p "$T/dir/sub"
	echo x > "$T/dir/sub/f"
	rp_start --policy "$(policy dir-rename)"
	served_from_cache "$T/dir/sub/f"
	mv "$T/dir/sub" "$T/deny/sub"
	denied "$T/deny/sub/f"
}

@test "vcache: a mount moved under a denied tree is decided by its new path" {
	mkdir -p "$T/m" "$T/deny/m"
	mount -t tmpfs vc "$T/m"
	MOUNTS+=("$T/deny/m")
	echo x > "$T/m/f"
	rp_start --policy "$(policy mount-move)"
	served_from_cache "$T/m/f"
	mount --move "$T/m" "$T/deny/m"
	denied "$T/deny/m/f"
}

@test "vcache: the same file through a bind mount is decided by the mount's path" {
	mkdir -p "$T/deny/view"
	mount --bind "$T/dir" "$T/deny/view"
	MOUNTS+=("$T/deny/view")
	rp_start --policy "$(policy bind)"
	served_from_cache "$T/dir/ok"
	denied "$T/deny/view/ok"
}

@test "vcache: a hard link in a denied directory is denied, before and after the first name goes" {
	rp_start --policy "$(policy link)"
	served_from_cache "$T/dir/ok"
	ln "$T/dir/ok" "$T/deny/ok"
	denied "$T/deny/ok"
	rm "$T/dir/ok"
	run rp_in_cgroup "$CG" rp-open "$T/deny/ok"
	rp_check "open of the one remaining name denied" test "$output" = EPERM
}

@test "vcache: inside a chroot the path as the process sees it decides" {
	# Both roots are on one mount: only the root directory tells them apart.
	local m=$T/m
	mkdir -p "$m"
	mount -t tmpfs vc "$m"
	MOUNTS+=("$m")
	mkdir -p "$m/jail/srv"
	cp "$(command -v rp-open)" "$m/rp-open"
	cp "$(command -v rp-open)" "$m/jail/rp-open"
	echo x > "$m/jail/srv/f"
	rp_start --policy "$(policy chroot '{ "path": "/srv/f", "action": "deny" }')"
	OPENER=(chroot "$m" /rp-open)
	served_from_cache /jail/srv/f
	run rp_in_cgroup "$CG" chroot "$m/jail" /rp-open /srv/f
	rp_check "open of /srv/f in the inner chroot denied" test "$output" = EPERM
	ev_for /srv/f > /dev/null
}

@test "vcache: a reloaded policy that denies the file is enforced at once" {
	local p
	p=$(policy reload)
	rp_start --policy "$p"
	served_from_cache "$T/dir/ok"
	policy reload "{ \"path\": \"$T/dir/ok\", \"action\": \"deny\" }" > /dev/null
	kill -HUP "$RP_PID"
	rp_wait_generation 2
	denied "$T/dir/ok"
}

@test "vcache: an allowed read does not allow a denied write of the same file" {
	rp_start --policy "$(policy access "{ \"path\": \"$T/dir/ok\", \"access\": [\"write\"], \"action\": \"deny\" }")"
	served_from_cache "$T/dir/ok"
	run rp_in_cgroup "$CG" rp-open -w "$T/dir/ok"
	rp_check "write open denied" test "$output" = EPERM
}

@test "vcache: denials are never cached: each one is reported" {
	echo x > "$T/deny/f"
	rp_start --policy "$(policy denials)"
	for _ in 1 2 3; do
		run rp_in_cgroup "$CG" rp-open "$T/deny/f"
		rp_check "open denied" test "$output" = EPERM
	done
	rp_wait_events 3
	rp_check "three events" test "$(grep -c "\"path\":\"$T/deny/f\"" "$RP_EVENTS")" -eq 3
}

# An entry names the cgroup that stored it: a task of that cgroup is answered from it
# without its subject being looked up, a task of another cgroup only when its ruleset is
# the one the entry was stored for.
@test "vcache: an entry serves cgroups of its ruleset, never a cgroup whose ruleset denies" {
	local same other before after
	mkdir -p "$RP_CG_ROOT$CG/a" "$RP_CG_ROOT$CG/b" "$RP_CG_ROOT$CG/c"
	same=$(rp_policy same <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "same",
	"selector": { "cgroups": ["$CG/a", "$CG/b"] },
	"file": [ { "dir": "$T/deny", "recursive": true, "action": "deny" } ]
}
JSON
)
	other=$(rp_policy other <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "other",
	"selector": { "cgroups": ["$CG/c"] },
	"file": [ { "path": "$T/dir/ok", "action": "deny" } ]
}
JSON
)
	rp_start --policy "$same" --policy "$other"
	CG=$CG/a served_from_cache "$T/dir/ok"
	before=$(hits)
	CG=$CG/b opens_ok "$T/dir/ok"
	after=$(hits)
	rp_check "b, same ruleset, served by a's entry ($before -> $after)" test "$after" -gt "$before"
	CG=$CG/c denied "$T/dir/ok"
	CG=$CG/a served_from_cache "$T/dir/ok"
}
