# Writes the rules of the benchmark, as a Rampart policy (fmt=rampart) or an AppArmor
# profile (fmt=apparmor), on stdout. Shared by bench/guest.sh and bench/run.
#
#   awk -f bench/gen.awk -v fmt=rampart -v cg=/bench -v file=N -v exec=N -v connect=N -v bind=N
#   awk -f bench/gen.awk -v fmt=apparmor -v file=N -v exec=N
#
# file=N: N file rules: allow the three "matching" files (-v allow="P1 P2 P3"), deny
# /srv/data/denied (the confinement check), and deny random /srv/data/XXXXXXXX names for
# the rest. Random names, because AppArmor folds regular names (f1, f2, ...) into a tiny
# automaton; Rampart hashes every path alike. exec=N: deny /srv/bin/denied and random
# /srv/bin/XXXXXXXX. connect=N, bind=N: deny 10.255.255.254 (connect) or 127.0.0.2
# (bind), then distinct 10.x.y.z addresses. Never a rule on what the bench measures.

function word(n,    s, i) {
	s = ""
	for (i = 0; i < n; i++)
		s = s substr("abcdefghijklmnopqrstuvwxyz", int(rand() * 26) + 1, 1)
	return s
}

function addr(i) {
	return sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
}

# The n names of a list: the fixed ones first, then random ones.
function names(prefix, first, n, out,    k, i, fixed) {
	k = split(first, fixed, " ")
	for (i = 1; i <= k && i <= n; i++)
		out[i] = fixed[i]
	for (; i <= n; i++) {
		do
			out[i] = prefix word(8)
		while (out[i] in used)
		used[out[i]] = 1
	}
	return n
}

function rp_list(key, n, body,    i, sep) {
	if (!n)
		return
	printf "%s\"%s\": [", (lists++ ? ", " : ""), key
	for (i = 1; i <= n; i++)
		printf "%s%s", (i > 1 ? ",\n" : "\n"), body[i]
	printf "]"
}

function rampart(    i, f, x, net, nnet, k, na) {
	printf "{ \"apiVersion\": \"rampart.dev/v1\", \"name\": \"bench\", "
	printf "\"selector\": { \"cgroups\": [\"%s\"] },\n", cg
	na = split(allow, k, " ")
	names("/srv/data/", allow " /srv/data/denied", file, f)
	for (i = 1; i <= file; i++)
		f[i] = sprintf("{ \"path\": \"%s\", \"action\": \"%s\" }", f[i],
			       i <= na ? "allow" : "deny")
	rp_list("file", file, f)
	names("/srv/bin/", "/srv/bin/denied", exec, x)
	for (i = 1; i <= exec; i++)
		x[i] = sprintf("{ \"path\": \"%s\", \"action\": \"deny\" }", x[i])
	rp_list("exec", exec, x)
	for (i = 1; i <= connect; i++)
		net[++nnet] = sprintf("{ \"connect\": { \"address\": \"%s\" }, \"action\": \"deny\" }",
				      i == 1 ? "10.255.255.254" : addr(i))
	for (i = 1; i <= bind; i++)
		net[++nnet] = sprintf("{ \"bind\": { \"address\": \"%s\" }, \"action\": \"deny\" }",
				      i == 1 ? "127.0.0.2" : addr(i))
	rp_list("network", nnet, net)
	print " }"
}

# A self-contained profile (no #include): everything allowed but the deny rules.
function apparmor(    i, f, x, k, na) {
	print "profile rpbench /usr/bin/rp-bench {"
	print "  /** rwlkmix,"
	print "  network inet dgram,"
	print "  deny /srv/data/denied r,"
	na = split(allow, k, " ")
	names("/srv/data/", allow, file > 1 ? file - 1 : 0, f)
	for (i = 1; i <= file - 1; i++)
		printf "  %s%s r,\n", (i <= na ? "" : "deny "), f[i]
	names("/srv/bin/", "/srv/bin/denied", exec, x)
	for (i = 1; i <= exec; i++)
		printf "  deny %s x,\n", x[i]
	print "}"
}

BEGIN {
	srand(7)
	file += 0; exec += 0; connect += 0; bind += 0
	if (fmt == "apparmor")
		apparmor()
	else
		rampart()
}
