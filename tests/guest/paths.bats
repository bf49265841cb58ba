#!/usr/bin/env bats
# Which path decides: the kernel's d_path of the opened or executed file, as the opening
# process sees it (its root directory and mount namespace). One test per way of reaching
# a file by another name. Every policy is scoped to a cgroup the test creates.

load helpers

# One daemon serves the whole file; each test's policies are loaded by a reload.
setup_file() {
	rp_shared_setup
}

teardown_file() {
	rp_shared_teardown
}

setup() {
	CG=$(rp_cgroup_new)
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D/sub"
	SECRET=$D/secret
	echo secret > "$SECRET"
	echo other > "$D/other"
	MOUNTS=()
	BG=
}

teardown() {
	[[ -n ${BG:-} ]] && kill "$BG" 2>/dev/null
	rp_teardown
	for m in "${MOUNTS[@]}"; do
		umount "$m"
	done
	return 0
}

# rp_like NAME STRING PATTERN: STRING matches the shell PATTERN.
rp_like() {
	# shellcheck disable=SC2053
	[[ $2 == $3 ]] || { echo "check '$1' failed: '$2' does not match '$3'" >&2; return 1; }
}

# file_policy NAME RULES: a policy on $CG with the given file rules (JSON array body).
file_policy() {
	rp_policy "$1" "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "$1",
	"selector": { "cgroups": ["@CG@"] },
	"file": [ $2 ]
}
JSON
}

# exec_policy NAME RULES: a policy on $CG with the given exec rules.
exec_policy() {
	rp_policy "$1" "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "$1",
	"selector": { "cgroups": ["@CG@"] },
	"exec": [ $2 ]
}
JSON
}

@test "paths: a symlink is resolved, the target's path decides and is reported" {
	ln -s "$SECRET" "$BATS_TEST_TMPDIR/link-to-secret"
	ln -s "$D/other" "$BATS_TEST_TMPDIR/link-to-other"
	rp_start --policy "$(file_policy symlinks "
		{ \"path\": \"$SECRET\", \"action\": \"deny\" },
		{ \"path\": \"$BATS_TEST_TMPDIR/link-to-other\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-open "$BATS_TEST_TMPDIR/link-to-secret"
	rp_check "open through a link to the denied file" [ "$output" = EPERM ]
	# A rule naming the link itself never matches: the open is decided by the target.
	run rp_in_cgroup "$CG" rp-open "$BATS_TEST_TMPDIR/link-to-other"
	rp_check "rule on the link path does not apply" [ "$output" = ok ]
	line=$(ev_for "$SECRET")
	ev_parse "$line"
	rp_check "event path is the target" [ "$EV_PATH" = "$SECRET" ]
	rp_check "rule" [ "$EV_RULE" = "file[0]" ]
	rp_check_not "no event names the link" grep -q link-to "$RP_EVENTS"
}

@test "paths: a relative path is decided by the absolute path it resolves to" {
	rp_start --policy "$(file_policy relative "{ \"path\": \"$SECRET\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" sh -c 'cd "$1" && exec rp-open secret' sh "$D"
	rp_check "relative name in the directory" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" sh -c 'cd "$1" && exec rp-open ../secret' sh "$D/sub"
	rp_check "relative name with .." [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" sh -c 'cd "$1" && exec rp-open other' sh "$D"
	rp_check "another relative name" [ "$output" = ok ]
	line=$(ev_for "$SECRET")
	ev_parse "$line"
	rp_check "event path is absolute" [ "$EV_PATH" = "$SECRET" ]
}

@test "paths: reopening through /proc/self/fd/N is decided by the file's path" {
	go=$BATS_TEST_TMPDIR/go
	out=$BATS_TEST_TMPDIR/out
	# The shell opens the file before the policy is live, then moves into the cgroup and
	# has rp-open reopen its inherited descriptor by the magic link.
	sh -c 'exec 3< "$1" && touch "$4"
		i=0; while [ ! -e "$2" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
		echo $$ > "$3/cgroup.procs" && exec rp-open /proc/self/fd/3' \
		sh "$SECRET" "$go" "$RP_CG_ROOT$CG" "$BATS_TEST_TMPDIR/opened" > "$out" 2>&1 &
	BG=$!
	for _ in $(seq 50); do
		[[ -e $BATS_TEST_TMPDIR/opened ]] && break
		sleep 0.1
	done
	rp_check "descriptor opened before the policy" [ -e "$BATS_TEST_TMPDIR/opened" ]
	rp_start --policy "$(file_policy procfd "{ \"path\": \"$SECRET\", \"action\": \"deny\" }")"
	touch "$go"
	wait "$BG" || true
	BG=
	rp_check "reopen via /proc/self/fd/3" [ "$(cat "$out")" = EPERM ]
	line=$(ev_for "$SECRET")
	ev_parse "$line"
	rp_check "event path is the file's path" [ "$EV_PATH" = "$SECRET" ]
	rp_check "comm" [ "$EV_COMM" = rp-open ]
}

# Documented limitation: a hard link is another name of the same inode, and names decide.
# A rule on /a does not cover a hard link /b; a recursive deny on b's directory does.
@test "paths: a hard link is decided by its own path (documented limitation)" {
	mkdir "$BATS_TEST_TMPDIR/plain" "$BATS_TEST_TMPDIR/guarded"
	ln "$SECRET" "$BATS_TEST_TMPDIR/plain/hard"
	ln "$SECRET" "$BATS_TEST_TMPDIR/guarded/hard"
	rp_start --policy "$(file_policy hardlinks "
		{ \"path\": \"$SECRET\", \"action\": \"deny\" },
		{ \"dir\": \"$BATS_TEST_TMPDIR/guarded\", \"recursive\": true, \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-open "$SECRET"
	rp_check "original name denied" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$BATS_TEST_TMPDIR/plain/hard"
	rp_check "hard link elsewhere is NOT covered by the rule on the original" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open "$BATS_TEST_TMPDIR/guarded/hard"
	rp_check "hard link in a denied directory" [ "$output" = EPERM ]
	line=$(ev_for "$BATS_TEST_TMPDIR/guarded/hard")
	ev_parse "$line"
	rp_check "rule of the link's directory" [ "$EV_RULE" = "file[1]" ]
	rp_check_not "no event for the unguarded link" grep -q plain/hard "$RP_EVENTS"
}

# Documented: a bind mount shows the mount point's path, as the process sees it. A rule on
# the source path does not cover the same file reached through the mount point.
@test "paths: a bind mount is decided by the mount-point path" {
	src=$BATS_TEST_TMPDIR/src
	mnt=$BATS_TEST_TMPDIR/mnt
	mkdir "$src" "$mnt"
	echo f > "$src/f"
	echo g > "$src/g"
	mount --bind "$src" "$mnt"
	MOUNTS+=("$mnt")
	rp_start --policy "$(file_policy bindmount "
		{ \"path\": \"$src/f\", \"action\": \"deny\" },
		{ \"path\": \"$mnt/g\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-open "$src/f"
	rp_check "source path denied" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$mnt/f"
	rp_check "same file via the mount point is NOT covered (limitation)" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open "$mnt/g"
	rp_check "rule on the mount-point path applies" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$src/g"
	rp_check "same file via the source path is not covered" [ "$output" = ok ]
	line=$(ev_for "$mnt/g")
	ev_parse "$line"
	rp_check "event names the mount-point path" [ "$EV_RULE" = "file[1]" ]
	rp_check "two events only" [ "$(wc -l < "$RP_EVENTS")" -eq 2 ]
}

@test "paths: inside a chroot, paths are relative to the new root" {
	root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/etc"
	cp /usr/bin/rp-open "$root/rp-open"
	echo inside > "$root/etc/rp-secret"
	echo inside > "$root/etc/rp-other"
	rp_start --policy "$(file_policy chroot "
		{ \"path\": \"/etc/rp-secret\", \"action\": \"deny\" },
		{ \"path\": \"$root/etc/rp-other\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" chroot "$root" /rp-open /etc/rp-secret
	rp_check "in-chroot path rule applies" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" chroot "$root" /rp-open /etc/rp-other
	rp_check "host path rule does not apply inside the chroot" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-open "$root/etc/rp-other"
	rp_check "host path rule applies outside the chroot" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$root/etc/rp-secret"
	rp_check "in-chroot rule does not apply to the host path" [ "$output" = ok ]
	line=$(ev_for /etc/rp-secret)
	ev_parse "$line"
	rp_check "event path as seen in the chroot" [ "$EV_RULE" = "file[0]" ]
}

@test "paths: in a private mount namespace, paths are as mounted there" {
	ns=$BATS_TEST_TMPDIR/ns
	mkdir "$ns"
	echo host > "$ns/hidden"
	rp_start --policy "$(file_policy mountns "{ \"path\": \"$ns/secret\", \"action\": \"deny\" }")"
	# tmpfs over $ns in a new mount namespace: the file exists only there.
	run unshare -m sh -c 'mount -t tmpfs tmpfs "$1" && echo s > "$1/secret" &&
		echo $$ > "$2/cgroup.procs" && exec rp-open "$1/secret"' sh "$ns" "$RP_CG_ROOT$CG"
	rp_check "file of the namespace's mount denied by its path there" [ "$output" = EPERM ]
	run unshare -m sh -c 'mount -t tmpfs tmpfs "$1" && echo $$ > "$2/cgroup.procs" &&
		exec rp-open "$1/hidden"' sh "$ns" "$RP_CG_ROOT$CG"
	rp_check "the host file under the mount is not visible there" [ "$output" = ENOENT ]
	run rp_in_cgroup "$CG" rp-open "$ns/secret"
	rp_check "the host has no such file" [ "$output" = ENOENT ]
	line=$(ev_for "$ns/secret")
	ev_parse "$line"
	rp_check "decision" [ "$EV_DECISION" = deny ]
}

@test "paths: // and /./ are denied like the normalized path" {
	rp_start --policy "$(file_policy slashes "{ \"path\": \"$SECRET\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-open "$D//secret"
	rp_check "double slash" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "$D/./secret"
	rp_check "dot component" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-open "/${D}/sub/..//./secret"
	rp_check "leading //, .. and ./" [ "$output" = EPERM ]
	rp_wait_events 3
	rp_check "every event has the normalized path" \
		[ "$(grep -cF "\"path\":\"$SECRET\"" "$RP_EVENTS")" -eq 3 ]
}

@test "paths: execveat of a denied program through an fd is denied by its path" {
	cp /usr/bin/rp-open "$BATS_TEST_TMPDIR/rp-open-copy"
	rp_start --policy "$(exec_policy execveat "{ \"path\": \"/usr/bin/rp-open\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-exec fd /usr/bin/rp-open /tmp
	rp_check "execveat(fd, \"\", AT_EMPTY_PATH)" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-exec plain /usr/bin/rp-open /tmp
	rp_check "plain execve" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-exec fd "$BATS_TEST_TMPDIR/rp-open-copy" /tmp
	rp_check "a copy at another path runs" [ "$output" = ok ]
	line=$(ev_for /usr/bin/rp-open)
	ev_parse "$line"
	rp_check "kind" [ "$EV_KIND" = exec ]
	rp_check "rule" [ "$EV_RULE" = "exec[0]" ]
	rp_check "comm is the caller" [ "$EV_COMM" = rp-exec ]
	rp_check "not fileless" [ "$EV_FILELESS" = false ]
}

@test "paths: executing a memfd is denied by a fileless rule" {
	rp_start --policy "$(exec_policy memfd "{ \"fileless\": true, \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-exec memfd payload /usr/bin/rp-open /tmp
	rp_check "memfd exec" [ "$output" = EPERM ]
	run rp_in_cgroup "$CG" rp-exec plain /usr/bin/rp-open /tmp
	rp_check "a program on disk still runs" [ "$output" = ok ]
	line=$(ev_for "/memfd:payload (deleted)")
	ev_parse "$line"
	rp_check "kind" [ "$EV_KIND" = exec ]
	rp_check "fileless flag" [ "$EV_FILELESS" = true ]
	rp_check "rule" [ "$EV_RULE" = "exec[0]" ]
	rp_check "decision" [ "$EV_DECISION" = deny ]
}

@test "paths: executing a memfd is allowed when no fileless rule exists" {
	rp_start --policy "$(exec_policy nofileless "{ \"path\": \"/usr/bin/rp-longpath\", \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-exec memfd payload /usr/bin/rp-open /tmp
	rp_check "memfd exec runs" [ "$output" = ok ]
	run rp_in_cgroup "$CG" rp-exec plain /usr/bin/rp-longpath
	rp_check "the exec rules are live" [ "$output" = EPERM ]
	rp_wait_events 1
	sleep 0.3
	rp_check_not "no event about the memfd" grep -q memfd "$RP_EVENTS"
}

@test "paths: executing a deleted file is denied by a fileless rule" {
	rp_start --policy "$(exec_policy deleted "{ \"fileless\": true, \"action\": \"deny\" }")"
	run rp_in_cgroup "$CG" rp-exec deleted /usr/bin/rp-open "$BATS_TEST_TMPDIR" /tmp
	rp_check "deleted file exec" [ "$output" = EPERM ]
	rp_wait_events 1
	line=$(grep -F -m 1 '"kind":"exec"' "$RP_EVENTS")
	ev_parse "$line"
	rp_check "fileless flag" [ "$EV_FILELESS" = true ]
	rp_like "path of the deleted file" "$EV_PATH" "$BATS_TEST_TMPDIR/rp-exec-deleted.* (deleted)"
	rp_check "rule" [ "$EV_RULE" = "exec[0]" ]
}
