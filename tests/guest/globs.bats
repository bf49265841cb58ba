#!/usr/bin/env bats
# Glob rules: '*' within a component, prefix*suffix, a trailing '**', specificity.

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
	R=$BATS_TEST_TMPDIR/r
	mkdir -p "$R/home/alice/.ssh/keys" "$R/home/bob" "$R/log" "$R/ssl/certs" "$R/ssl/private"
	for f in home/alice/.ssh/id_rsa home/alice/.ssh/keys/k home/alice/x log/sys.log \
		 log/sys.txt log/.log ssl/certs/ca.pem ssl/private/key.pem; do
		echo x > "$R/$f"
	done
	policy=$(rp_policy globs "$CG" <<JSON
{
	"apiVersion": "rampart.dev/v1", "name": "globs",
	"selector": { "cgroups": ["@CG@"] },
	"file": [
		{ "glob": "$R/home/*/.ssh/**", "action": "deny" },
		{ "glob": "$R/log/*.log", "access": ["write"], "action": "deny" },
		{ "dir": "$R/ssl", "recursive": true, "action": "deny" },
		{ "glob": "$R/ssl/certs/*.pem", "access": ["read"], "action": "allow" },
		{ "glob": "$R/ssl/*/*.pem", "access": ["read"], "action": "audit" }
	],
	"exec": [ { "glob": "/usr/bin/rp-long*", "action": "deny" } ]
}
JSON
)
}

teardown() {
	rp_teardown
}

try() {	# try FLAG PATH: prints ok or the errno name
	rp_in_cgroup "$CG" rp-open "$1" "$2"
}

@test "glob: '*' matches one component and '**' everything below" {
	rp_start --policy "$policy"
	run try -r "$R/home/alice/.ssh/id_rsa"
	rp_check "star then double star" [ "$output" = EPERM ]
	run try -r "$R/home/alice/.ssh/keys/k"
	rp_check "two levels below" [ "$output" = EPERM ]
	run try -r "$R/home/alice/.ssh"
	rp_check "double star needs a component below" [ "$output" = ok ]
	run try -r "$R/home/alice/x"
	rp_check "other file of the home" [ "$output" = ok ]
	rp_wait_events 2
	rp_check "rule named" grep -q '"rule":"file\[0\]"' "$RP_EVENTS"
}

@test "glob: prefix*suffix matches within one component, empty prefix included" {
	rp_start --policy "$policy"
	run try -w "$R/log/sys.log"
	rp_check "suffix match" [ "$output" = EPERM ]
	run try -w "$R/log/.log"
	rp_check "empty stem" [ "$output" = EPERM ]
	run try -w "$R/log/sys.txt"
	rp_check "other suffix" [ "$output" = ok ]
	run try -r "$R/log/sys.log"
	rp_check "access not covered" [ "$output" = ok ]
}

@test "glob: more literal characters win, globs beat recursive dirs" {
	rp_start --policy "$policy"
	run try -r "$R/ssl/certs/ca.pem"
	rp_check "most literal glob allows" [ "$output" = ok ]
	run try -r "$R/ssl/private/key.pem"
	rp_check "audit glob beats the recursive deny" [ "$output" = ok ]
	run try -w "$R/ssl/private/key.pem"
	rp_check "write falls to the recursive deny" [ "$output" = EPERM ]
	rp_wait_events 2
	rp_check "audit event from file[4]" \
		grep -q '"decision":"audit".*"rule":"file\[4\]".*key.pem' "$RP_EVENTS"
	rp_check "no event for the allowed cert" bash -c "! grep -q ca.pem '$RP_EVENTS'"
}

@test "glob: exec rules match globs" {
	rp_start --policy "$policy"
	run rp_in_cgroup "$CG" rp-longpath create "$BATS_TEST_TMPDIR" 1
	rp_check "denied exec" [ "$status" -ne 0 ]
	rp_contains "EPERM" "$output" "Operation not permitted"
	run rp_in_cgroup "$CG" rp-open /nonexistent
	rp_check "other program" [ "$output" = ENOENT ]
}

@test "glob: 10,000 globs of one shape compile to one shape and are enforced" {
	{
		printf '{ "apiVersion": "rampart.dev/v1", "name": "many", "selector": { "cgroups": ["%s"] }, "file": [' "$CG"
		for i in $(seq 10000); do printf '{ "glob": "%s/many/d%d/*.key", "action": "deny" },' "$R" "$i"; done
		printf '{ "glob": "%s/log/*.log", "action": "deny" } ] }\n' "$R"
	} > "$BATS_TEST_TMPDIR/many.json"
	run rampart compile --dump "$BATS_TEST_TMPDIR/many.json"
	rp_contains "two shapes" "$output" "file-glob-shapes=2"
	rp_start --policy "$BATS_TEST_TMPDIR/many.json"
	run try -r "$R/log/sys.log"
	rp_check "denied among 10,001 globs" [ "$output" = EPERM ]
}

@test "glob: unsupported forms are refused, naming the rule" {
	f=$BATS_TEST_TMPDIR/bad.json
	echo '{ "apiVersion": "rampart.dev/v1", "name": "bad", "selector": { "cgroups": ["/x"] },
		"file": [ { "path": "/a", "action": "deny" }, { "glob": "/a/**/b", "action": "deny" } ] }' > "$f"
	run rampart check "$f"
	rp_check "exit 1" [ "$status" -eq 1 ]
	rp_contains "message" "$output" ".file[1]: '**' must be the last component of glob '/a/**/b'"
	echo '{ "apiVersion": "rampart.dev/v1", "name": "bad", "selector": { "cgroups": ["/x"] },
		"file": [ { "glob": "/a/*b*", "action": "deny" } ] }' > "$f"
	run rampart check "$f"
	rp_contains "two stars" "$output" "at most one '*' per component"
}
