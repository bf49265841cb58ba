#!/usr/bin/env bats
# The Kubernetes packaging (packaging/kubernetes/daemonset.yaml, the Helm chart in
# packaging/helm/rampart, packaging/Containerfile): the YAML parses, the pod gets exactly
# the capabilities rampart.service grants, its command uses options `rampart run`
# accepts, its mounts are the ones docs/packaging.md justifies, and its example
# policies pass `rampart check`. Nothing here runs a cluster.

bats_require_minimum_version 1.5.0

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RAMPART=${RAMPART:-$TOP/build/rampart}
MANIFEST=$TOP/packaging/kubernetes/daemonset.yaml
CHART=$TOP/packaging/helm/rampart
UNIT=$TOP/packaging/rampart.service

# check NAME CONDITION...: fails the test, naming the check.
check() {
	local name=$1
	shift
	"$@" || { echo "check '$name' failed: $*" >&2; return 1; }
}

# yq_py EXPR FILE: prints EXPR evaluated by python3 over the YAML documents of FILE
# (docs: the list of documents; ds: the DaemonSet; c: its first container).
yq_py() {
	python3 - "$1" "$2" <<'PY'
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
ds = next((d for d in docs if d.get("kind") == "DaemonSet"), {})
c = (ds.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}])[0]
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
PY
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
	check "manifest runs the installed binary" [ "${cmd%% run *}" = /usr/sbin/rampart ]
	for opt in $(grep -oE -- '--[a-z-]+' <<< "$cmd"); do
		check "manifest: run accepts $opt" grep -qx -- "$opt" <<< "$opts"
	done
	for opt in $(sed -n '/^ *command:$/,/^ *securityContext:$/p' "$CHART/templates/daemonset.yaml" |
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
	mounts=$(yq_py '" ".join(sorted("%s:%s:%s" % (v["hostPath"]["path"], m["mountPath"], m.get("readOnly", False))
		for v in ds["spec"]["template"]["spec"]["volumes"] if "hostPath" in v
		for m in c["volumeMounts"] if m["name"] == v["name"]))' "$MANIFEST")
	check "host paths" [ "$mounts" = "/run/rampart:/run/rampart:False /sys/fs/bpf:/sys/fs/bpf:False /sys/fs/cgroup:/sys/fs/cgroup:True /sys/kernel/security:/sys/kernel/security:True" ]
	check "each justified in docs/packaging.md" [ "$(grep -c -E '^\| `(/sys/fs/bpf|/sys/kernel/security|/sys/fs/cgroup|/run/rampart)`' \
		"$TOP/docs/packaging.md")" -eq 4 ]
	check "host PID namespace" [ "$(yq_py 'ds["spec"]["template"]["spec"]["hostPID"]' "$MANIFEST")" = true ]
	check "policies mounted where --policy-dir points" [ "$(yq_py \
		'[m["mountPath"] for m in c["volumeMounts"] if m["name"] == "policies"][0]' "$MANIFEST")" = \
		"$(yq_py 'c["command"][c["command"].index("--policy-dir") + 1]' "$MANIFEST")" ]
	check "chart: same host paths" [ "$(sed -n 's/^ *path: \(\/.*\)$/\1/p' "$CHART/templates/daemonset.yaml" |
		sort | tr '\n' ' ')" = "/run/rampart /sys/fs/bpf /sys/fs/cgroup /sys/kernel/security " ]
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
}
