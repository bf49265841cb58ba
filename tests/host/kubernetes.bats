#!/usr/bin/env bats
# The Kubernetes packaging (packaging/kubernetes/daemonset.yaml, the Helm chart in
# packaging/helm/rampart, packaging/Containerfile): the YAML parses, the pod gets exactly
# the capabilities rampart.service grants, its command uses options `rampart run`
# accepts, its mounts are the ones docs/packaging.md justifies, and its example
# policies pass `rampart check`. The init container's install script runs here on
# scratch directories: a binary is installed once per content and never rewritten.
# Nothing here runs a cluster.

bats_require_minimum_version 1.5.0

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RAMPART=${RAMPART:-$TOP/build/rampart}
MANIFEST=$TOP/packaging/kubernetes/daemonset.yaml
CHART=$TOP/packaging/helm/rampart
UNIT=$TOP/packaging/rampart.service
BIN_DIR=/var/lib/rampart/bin

# check NAME CONDITION...: fails the test, naming the check.
check() {
	local name=$1
	shift
	"$@" || { echo "check '$name' failed: $*" >&2; return 1; }
}

# yq_py EXPR FILE: prints EXPR evaluated by python3 over the YAML documents of FILE
# (docs: the list of documents; ds: the DaemonSet; c: its first container; ic: its
# first init container).
yq_py() {
	python3 - "$1" "$2" <<'PY'
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
ds = next((d for d in docs if d.get("kind") == "DaemonSet"), {})
c = (ds.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}])[0]
ic = (ds.get("spec", {}).get("template", {}).get("spec", {}).get("initContainers") or [{}])[0]
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
PY
}

# chart_part FIRST LAST: the lines of the chart's DaemonSet template from the one that is
# FIRST to the one before LAST (the end: ""), with each {{ .Values.X }} (| quote) replaced
# by its value in values.yaml: a render of parts without control structures, sans helm.
chart_part() {
	python3 - "$CHART/templates/daemonset.yaml" "$CHART/values.yaml" "$1" "$2" <<'PY'
import json, re, sys, yaml
lines = open(sys.argv[1]).read().rstrip("\n").split("\n")
values = yaml.safe_load(open(sys.argv[2]))
a = lines.index(sys.argv[3])
b = lines.index(sys.argv[4], a + 1) if sys.argv[4] else len(lines)
def value(m):
    v = values
    for k in m.group(1).split("."):
        v = v[k]
    return json.dumps(v) if m.group(2) else str(v)
print(re.sub(r"\{\{ \.Values\.([a-zA-Z.]+)( \| quote)? \}\}", value, "\n".join(lines[a:b])))
PY
}

# The init container's script, from the manifest.
install_script() {
	yq_py 'ic["command"][2]' "$MANIFEST"
}

# install_run SRC: runs the init container's script as the pod would, with the binary
# SRC, on scratch directories: $D/bin (the node's binary directory) and $D/bpf/rampart
# (the pin directory; $D/bpf stands for the bpffs, PIN_FS overrides its type), with only
# the tools packaging/Containerfile checks for in PATH. Sets status, output (stdout: the
# installed binary's `version`) and stderr.
install_run() {
	run --separate-stderr env -i PATH="$D/tools" RAMPART_SRC="$1" RAMPART_BIN_DIR="$D/bin" \
		RAMPART_PIN_DIR="$D/bpf/rampart" RAMPART_PIN_FS="${PIN_FS-$(stat -f -c %T "$D/bpf")}" \
		/bin/sh -c "$(install_script)"
}

# inode FILE
inode() {
	stat -c %i "$1"
}

unit_caps() {
	sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | sort | tr '\n' ' '
}

# The options `rampart run` documents in `rampart --help`.
run_options() {
	"$RAMPART" --help | sed -n '/^  run /,/^  [a-z]/p' | grep -oE -- '^ +--[a-z-]+' | tr -d ' '
}

@test "kubernetes: the manifest, Chart.yaml and values.yaml parse" {
	check "python3 yaml (Debian package python3-yaml)" python3 -c 'import yaml'
	check "manifest" [ "$(yq_py '[d["kind"] for d in docs]' "$MANIFEST")" = \
		'["Namespace", "ConfigMap", "DaemonSet"]' ]
	check "Chart.yaml" [ "$(yq_py 'docs[0]["name"] + " " + docs[0]["apiVersion"]' \
		"$CHART/Chart.yaml")" = "rampart v2" ]
	check "Chart appVersion is the binary's" [ "$(yq_py 'docs[0]["appVersion"]' "$CHART/Chart.yaml")" = \
		"$("$RAMPART" version | awk '{print $2}')" ]
	check "values.yaml" yq_py 'docs[0]["policies"]' "$CHART/values.yaml"
}

@test "kubernetes: the pod adds exactly the capabilities rampart.service grants, and no privilege" {
	local want
	want=$(unit_caps)
	check "unit grants some" [ -n "$want" ]
	check "manifest adds the unit's set" [ "$(yq_py '" ".join(sorted(c["securityContext"]["capabilities"]["add"])) + " "' \
		"$MANIFEST")" = "$want" ]
	check "manifest drops ALL" [ "$(yq_py 'c["securityContext"]["capabilities"]["drop"]' "$MANIFEST")" = '["ALL"]' ]
	check "not privileged" [ "$(yq_py 'c["securityContext"]["privileged"]' "$MANIFEST")" = false ]
	check "no privilege escalation (no_new_privs)" \
		[ "$(yq_py 'c["securityContext"]["allowPrivilegeEscalation"]' "$MANIFEST")" = false ]
	check "chart adds the unit's set" [ "$(sed -n '/^ *add:$/,/^ *[a-z][a-zA-Z]*:/s/^ *- \([A-Z_]*\)$/\1/p' \
		"$CHART/templates/daemonset.yaml" | sort | tr '\n' ' ')" = "$want" ]
	check "chart drops ALL" grep -q '^ *drop: \["ALL"\]$' "$CHART/templates/daemonset.yaml"
	check "chart not privileged" grep -q '^ *privileged: false$' "$CHART/templates/daemonset.yaml"
	check "chart: no privilege escalation" \
		grep -q '^ *allowPrivilegeEscalation: false$' "$CHART/templates/daemonset.yaml"
}

@test "kubernetes: every option of the pod's command, the chart's and the image's is one rampart run accepts" {
	local opts cmd opt
	opts=$(run_options)
	check "run documents --policy-dir" grep -qx -- --policy-dir <<< "$opts"
	cmd=$(yq_py '" ".join(c["command"])' "$MANIFEST")
	check "manifest runs the binary installed on the node, with the image's arguments" \
		[ "$cmd" = "$BIN_DIR/current run --policy-dir /etc/rampart/policies.d" ]
	check "chart runs the binary installed on the node" [ "$(chart_part '      containers:' \
		'            {{- range .Values.extraArgs }}' | python3 -c 'import sys, yaml
print(" ".join(yaml.safe_load(sys.stdin)["containers"][0]["command"]))')" = "$cmd" ]
	for opt in $(grep -oE -- '--[a-z-]+' <<< "$cmd"); do
		check "manifest: run accepts $opt" grep -qx -- "$opt" <<< "$opts"
	done
	for opt in $(sed -n '/^      containers:$/,/^ *securityContext:$/p' "$CHART/templates/daemonset.yaml" |
		grep -oE -- '--[a-z-]+'); do
		check "chart: run accepts $opt" grep -qx -- "$opt" <<< "$opts"
	done
	cmd=$(sed -n 's/^ENTRYPOINT //p' "$TOP/packaging/Containerfile" | jq -r 'join(" ")')
	check "image entrypoint" [ "$cmd" = "/usr/sbin/rampart run --policy-dir /etc/rampart/policies.d" ]
	check "image installs the package" grep -q 'apt-get install .* /tmp/rampart_\*_amd64.deb' \
		"$TOP/packaging/Containerfile"
	check "image base is Debian 12" grep -qx 'FROM docker.io/library/debian:12-slim' \
		"$TOP/packaging/Containerfile"
}

@test "kubernetes: the pod mounts exactly the host paths the docs justify, read-only where it only reads" {
	local mounts
	local expr='" ".join(sorted("%s:%s:%s" % (v["hostPath"]["path"], m["mountPath"], m.get("readOnly", False))
		for v in ds["spec"]["template"]["spec"]["volumes"] if "hostPath" in v
		for m in CONTAINER["volumeMounts"] if m["name"] == v["name"]))'
	mounts=$(yq_py "${expr/CONTAINER/c}" "$MANIFEST")
	check "host paths" [ "$mounts" = "/run/rampart:/run/rampart:False /sys/fs/bpf:/sys/fs/bpf:False /sys/fs/cgroup:/sys/fs/cgroup:True /sys/kernel/security:/sys/kernel/security:True $BIN_DIR:$BIN_DIR:True" ]
	mounts=$(yq_py "${expr/CONTAINER/ic}" "$MANIFEST")
	check "init container's host paths" [ "$mounts" = "/sys/fs/bpf:/sys/fs/bpf:True $BIN_DIR:$BIN_DIR:False" ]
	check "nothing else in the init container" [ "$(yq_py 'len(ic["volumeMounts"])' "$MANIFEST")" = 2 ]
	check "each justified in docs/packaging.md" [ "$(grep -c -E '^\| `(/sys/fs/bpf|/sys/kernel/security|/sys/fs/cgroup|/run/rampart|/var/lib/rampart/bin)`' \
		"$TOP/docs/packaging.md")" -eq 5 ]
	check "host PID namespace" [ "$(yq_py 'ds["spec"]["template"]["spec"]["hostPID"]' "$MANIFEST")" = true ]
	check "policies mounted where --policy-dir points" [ "$(yq_py \
		'[m["mountPath"] for m in c["volumeMounts"] if m["name"] == "policies"][0]' "$MANIFEST")" = \
		"$(yq_py 'c["command"][c["command"].index("--policy-dir") + 1]' "$MANIFEST")" ]
	check "chart: same host paths" [ "$(chart_part '      volumes:' '' | sed -n 's/^ *path: \(\/.*\)$/\1/p' |
		sort | tr '\n' ' ')" = "/run/rampart /sys/fs/bpf /sys/fs/cgroup /sys/kernel/security $BIN_DIR " ]
	check "chart: the same init container" [ "$(chart_part '      initContainers:' '      containers:' |
		python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))')" = \
		"$(yq_py '{"initContainers": ds["spec"]["template"]["spec"]["initContainers"]}' "$MANIFEST")" ]
	check "chart: the binary directory read-only in the daemon's container" [ "$(chart_part \
		'      containers:' '      volumes:' | tail -3)" = "$(printf '            - name: bin\n              mountPath: %s\n              readOnly: true' "$BIN_DIR")" ]
	check "namespace is the one the OCI hook exempts" [ "$(yq_py 'ds["metadata"]["namespace"]' "$MANIFEST")" = \
		"$(jq -r '.hook.args as $a | $a[$a | index("--exempt-namespace") + 1]' \
			"$TOP/packaging/hooks.d/rampart.json")" ]
}

@test "kubernetes: the example policies of the ConfigMap and of values.yaml pass rampart check" {
	local d=$BATS_TEST_TMPDIR/cm
	mkdir -p "$d/manifest" "$d/values"
	python3 - "$MANIFEST" "$CHART/values.yaml" "$d" <<'PY'
import sys, yaml
cm = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap")
for name, text in cm["data"].items():
    open(f"{sys.argv[3]}/manifest/{name}", "w").write(text)
for name, text in yaml.safe_load(open(sys.argv[2]))["policies"].items():
    open(f"{sys.argv[3]}/values/{name}", "w").write(text)
PY
	check "ConfigMap keys end in .json" [ -z "$(ls "$d/manifest" "$d/values" | grep -v -e '\.json$' -e ':$' -e '^$')" ]
	run "$RAMPART" check "$d/manifest"
	check "manifest's policies check: $output" [ "$status" -eq 0 ]
	run "$RAMPART" check "$d/values"
	check "values' policies check: $output" [ "$status" -eq 0 ]
}

@test "kubernetes: helm lint and helm template render the chart" {
	command -v helm > /dev/null || skip "helm is not installed (Debian does not package it)"
	run helm lint "$CHART"
	check "lint: $output" [ "$status" -eq 0 ]
	run helm template rampart "$CHART" -n rampart-system
	check "template: $output" [ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/rendered.yaml"
	check "rendered capabilities" [ "$(yq_py '" ".join(sorted(c["securityContext"]["capabilities"]["add"])) + " "' \
		"$BATS_TEST_TMPDIR/rendered.yaml")" = "$(unit_caps)" ]
	check "rendered volumes" [ "$(yq_py 'ds["spec"]["template"]["spec"]["volumes"][1:]' \
		"$BATS_TEST_TMPDIR/rendered.yaml")" = "$(yq_py 'ds["spec"]["template"]["spec"]["volumes"][1:]' "$MANIFEST")" ]
	check "rendered init container" [ "$(yq_py 'ds["spec"]["template"]["spec"]["initContainers"]' \
		"$BATS_TEST_TMPDIR/rendered.yaml")" = "$(yq_py 'ds["spec"]["template"]["spec"]["initContainers"]' "$MANIFEST")" ]
	check "rendered command" [ "$(yq_py 'c["command"]' "$BATS_TEST_TMPDIR/rendered.yaml")" = \
		"$(yq_py 'c["command"]' "$MANIFEST")" ]
}

@test "kubernetes: the init container installs the image's binary for the daemon, with no privilege" {
	local env='{e["name"]: e["value"] for e in ic["env"]}'
	check "one init container" [ "$(yq_py 'len(ds["spec"]["template"]["spec"]["initContainers"])' "$MANIFEST")" = 1 ]
	check "the same image" [ "$(yq_py 'ic["image"]' "$MANIFEST")" = "$(yq_py 'c["image"]' "$MANIFEST")" ]
	check "a shell script" [ "$(yq_py 'ic["command"][:2]' "$MANIFEST")" = '["/bin/sh", "-c"]' ]
	check "installs where the daemon runs from" [ "$(yq_py "$env[\"RAMPART_BIN_DIR\"]" "$MANIFEST")" = "$BIN_DIR" ]
	check "reads the daemon's default pin directory" [ "$(yq_py "$env[\"RAMPART_PIN_DIR\"]" "$MANIFEST")" = \
		"$("$RAMPART" --help | sed -n '/^ *--pin-dir/,/^ *--[a-oq-z]/p' | grep -oE '/sys/fs/bpf/[a-z]+' | head -1)" ]
	check "nothing else set" [ "$(yq_py 'sorted(e["name"] for e in ic["env"])' "$MANIFEST")" = \
		'["RAMPART_BIN_DIR", "RAMPART_PIN_DIR"]' ]
	check "copies the package's binary" grep -qx 'src=${RAMPART_SRC:-/usr/sbin/rampart}' <<< "$(install_script)"
	check "drops ALL, adds nothing" [ "$(yq_py 'ic["securityContext"]["capabilities"]' "$MANIFEST")" = '{"drop": ["ALL"]}' ]
	check "not privileged" [ "$(yq_py 'ic["securityContext"]["privileged"]' "$MANIFEST")" = false ]
	check "no privilege escalation" [ "$(yq_py 'ic["securityContext"]["allowPrivilegeEscalation"]' "$MANIFEST")" = false ]
	check "read-only root" [ "$(yq_py 'ic["securityContext"]["readOnlyRootFilesystem"]' "$MANIFEST")" = true ]
	check "the runtime's AppArmor profile (no annotation for it)" [ "$(yq_py \
		'sorted(ds["spec"]["template"]["metadata"]["annotations"])' "$MANIFEST")" = \
		'["container.apparmor.security.beta.kubernetes.io/rampart"]' ]
	# One cp, to a temporary name; the installed name is made by link(2), which never
	# replaces a name, or by rename(2) for a file whose content is not its name's while
	# no set is pinned; nothing opens an existing file for writing.
	check "one cp, to the temporary name" [ "$(grep -E '(^|[ ;&|])cp ' <<< "$(install_script)")" = '  cp "$src" "$tmp"' ]
	check "no redirection into a file" [ -z "$(grep -E '(^|[^-])>[^&]' <<< "$(install_script)" | grep -v '2> /dev/null')" ]
}

@test "kubernetes: the init container's script installs a binary once per content, never rewrites it, prunes only with no set pinned" {
	local t h1 h2 i1 i2 m1
	D=$BATS_TEST_TMPDIR
	mkdir -m 0755 "$D/bin" "$D/bpf" "$D/tools"
	for t in $(sed -n 's/^ *&& for t in \(.*\); do \\$/\1/p' "$TOP/packaging/Containerfile"); do
		ln -s "$(command -v "$t")" "$D/tools/$t"
	done
	check "the image's tool list" [ -x "$D/tools/sha256sum" ] && [ -x "$D/tools/ln" ]
	printf '#!/bin/sh\necho fake 1\n' > "$D/f1"
	printf '#!/bin/sh\necho fake 2\n' > "$D/f2"
	chmod 0755 "$D/f1" "$D/f2"
	h1=rampart-$(sha256sum < "$D/f1" | cut -c1-16)
	h2=rampart-$(sha256sum < "$D/f2" | cut -c1-16)

	install_run "$D/f1"
	check "first install: $stderr" [ "$status" -eq 0 ] && [ "$output" = "fake 1" ]
	check "named by content" cmp -s "$D/f1" "$D/bin/$h1"
	check "mode 0755" [ "$(stat -c %a "$D/bin/$h1")" = 755 ]
	check "current" [ "$(readlink "$D/bin/current")" = "$h1" ]
	check "nothing else" [ "$(ls -A "$D/bin" | tr '\n' ' ')" = "current $h1 " ]
	i1=$(inode "$D/bin/$h1")
	m1=$(stat -c %Y.%Z "$D/bin/$h1")

	# Leftovers of an interrupted run.
	touch "$D/bin/.$h1.99.tmp" && ln -s "$h1" "$D/bin/.current-99.tmp"
	sleep 1.1
	install_run "$D/f1"
	check "restart, same image: $stderr" [ "$status" -eq 0 ] && [ "$output" = "fake 1" ]
	check "the same inode" [ "$(inode "$D/bin/$h1")" = "$i1" ]
	check "not written (mtime, ctime)" [ "$(stat -c %Y.%Z "$D/bin/$h1")" = "$m1" ]
	check "said so" grep -q "keeping $D/bin/$h1" <<< "$stderr"
	check "leftovers removed, nothing added" [ "$(ls -A "$D/bin" | tr '\n' ' ')" = "current $h1 " ]

	mkdir "$D/bpf/rampart" "$D/bpf/rampart/set-1-1"
	install_run "$D/f2"
	check "new image, a set pinned: $stderr" [ "$status" -eq 0 ] && [ "$output" = "fake 2" ]
	check "a new file" cmp -s "$D/f2" "$D/bin/$h2"
	i2=$(inode "$D/bin/$h2")
	check "a new inode" [ "$i2" != "$i1" ]
	check "current is the new one" [ "$(readlink "$D/bin/current")" = "$h2" ]
	check "the old one kept, unchanged" [ "$(inode "$D/bin/$h1")" = "$i1" ] && cmp -s "$D/f1" "$D/bin/$h1" &&
		[ "$(stat -c %Y.%Z "$D/bin/$h1")" = "$m1" ]
	check "said why" grep -q "a set is pinned under $D/bpf/rampart" <<< "$stderr"

	install_run "$D/f1"
	check "back to the old image: $stderr" [ "$status" -eq 0 ] && [ "$output" = "fake 1" ]
	check "its file again, the same inode" [ "$(readlink "$D/bin/current")" = "$h1" ] &&
		[ "$(inode "$D/bin/$h1")" = "$i1" ]
	check "the other kept while a set is pinned" [ "$(inode "$D/bin/$h2")" = "$i2" ]

	printf 'tampered\n' >> "$D/bin/$h2"
	install_run "$D/f2"
	check "content not its name's, a set pinned: refused" [ "$status" -ne 0 ]
	check "said why: $stderr" grep -q "a pinned set may trust it" <<< "$stderr"
	check "not replaced" [ "$(inode "$D/bin/$h2")" = "$i2" ] && [ "$(tail -1 "$D/bin/$h2")" = tampered ]
	check "current unchanged" [ "$(readlink "$D/bin/current")" = "$h1" ]

	rm -r "$D/bpf/rampart/set-1-1"
	PIN_FS=bpf_fs install_run "$D/f1"
	check "no set, but the pin directory's parent is no bpffs: $stderr" [ "$status" -eq 0 ]
	check "so nothing pruned" [ "$(inode "$D/bin/$h2")" = "$i2" ]

	install_run "$D/f2"
	check "content not its name's, no set pinned: $stderr" [ "$status" -eq 0 ] && [ "$output" = "fake 2" ]
	check "replaced by a new file" cmp -s "$D/f2" "$D/bin/$h2"
	check "older binaries removed, with no set pinned" [ "$(ls -A "$D/bin" | tr '\n' ' ')" = "current $h2 " ]
	i2=$(inode "$D/bin/$h2")

	rmdir "$D/bpf/rampart"
	install_run "$D/f2"
	check "no pin directory: $stderr" [ "$status" -eq 0 ] && [ "$(inode "$D/bin/$h2")" = "$i2" ]

	chmod g+w "$D/bin"
	install_run "$D/f1"
	check "refuses a directory others can write" [ "$status" -ne 0 ] && [ "$(readlink "$D/bin/current")" = "$h2" ]
	check "said why: $stderr" grep -q "writable by no one else" <<< "$stderr"
	chmod g-w "$D/bin"

	install_run "$RAMPART"
	check "the real binary runs from there: $stderr" [ "$status" -eq 0 ] && [ "$output" = "$("$RAMPART" version)" ]
}
