/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network decisions: socket creation by (family, type, protocol); connect, bind and
 * listen on inet addresses through the rp_net trie; unix connects and sends by the name
 * the peer bound. Each falls back to the ruleset's network default.
 */
#ifndef RAMPART_NET_BPF_H
#define RAMPART_NET_BPF_H

#define RP_AF_UNSPEC 0
#define RP_AF_UNIX 1
#define RP_AF_INET 2
#define RP_AF_INET6 10
#define RP_SOCK_STREAM 1
#define RP_MSG_FASTOPEN 0x20000000

/* What is being decided; the verdict's rule id comes back in rule_id. */
struct rp_net_req {
	struct rp_net_obj obj;
	__u64 unix_hash;	/* RP_EVF_UNIX: keyed hash of the peer's name */
	__u16 name_len;
	__u8 flags;		/* RP_EVF_UNIX or RP_EVF_INET */
	__u8 pad[5];
};

static __always_inline void rp_net_map4(__u8 addr[16], __u32 be_addr)
{
	__builtin_memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	__builtin_memcpy(addr + 12, &be_addr, 4);
}

static __always_inline __u16 rp_ntohs(__u16 x)
{
	return __builtin_bswap16(x);
}

/*
 * The address and port of a sockaddr the caller passed, copied with
 * bpf_probe_read_kernel() as far as addrlen goes; false when not inet, or when the kernel
 * refuses it whatever the hook says: AF_INET (and AF_UNSPEC on an inet socket, which bind
 * and sendmsg take as AF_INET) shorter than struct sockaddr_in fails every inet connect,
 * bind and sendmsg with EINVAL.
 */
static __always_inline bool rp_net_sockaddr_copy(const void *address, int addrlen,
						 __u16 sock_family, struct rp_net_req *req)
{
	struct sockaddr_in6 sa = {};
	__u32 n = addrlen < (int)sizeof(sa) ? (__u32)addrlen : sizeof(sa);

	/* The bound the verifier needs, kept from clang, which knows n <= 28 already. */
	asm volatile("if %[n] <= %[max] goto +1; %[n] = 0" : [n] "+r"(n) : [max] "i"(sizeof(sa)));
	if (addrlen < (int)sizeof(sa.sin6_family) || bpf_probe_read_kernel(&sa, n, address))
		return false;
	if (sa.sin6_family == RP_AF_INET || (sa.sin6_family == RP_AF_UNSPEC &&
					     sock_family == RP_AF_INET)) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		if (addrlen < (int)sizeof(*in))
			return false;
		rp_net_map4(req->obj.addr, in->sin_addr.s_addr);
		req->obj.port = rp_ntohs(in->sin_port);
	} else if (sa.sin6_family == RP_AF_INET6) {
		__builtin_memcpy(req->obj.addr, &sa.sin6_addr, 16);
		req->obj.port = rp_ntohs(sa.sin6_port);
	} else {
		return false;
	}
	req->flags = RP_EVF_INET;
	return true;
}

/*
 * The same for an address the hook receives typed (connect, bind): IPv4 is read with
 * typed loads, a fraction of the cost of the helper's call, since its port and address
 * fall in struct sockaddr's sa_data, which BTF lets a program read. IPv6 is longer than
 * struct sockaddr: copied.
 */
static __always_inline bool rp_net_sockaddr(const struct sockaddr *address, int addrlen,
					    __u16 sock_family, struct rp_net_req *req)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)address;
	__u16 family, port;
	__u32 addr4;

	if (addrlen < (int)sizeof(address->sa_family))
		return false;
	family = address->sa_family;
	if (family != RP_AF_INET && (family != RP_AF_UNSPEC || sock_family != RP_AF_INET))
		return rp_net_sockaddr_copy(address, addrlen, sock_family, req);
	if (addrlen < (int)sizeof(*in4))
		return false;
	addr4 = in4->sin_addr.s_addr;
	port = in4->sin_port;
	/* loaded here: merged with the copy's loads from the stack, the verifier refuses them */
	asm volatile("" : "+r"(addr4), "+r"(port));
	rp_net_map4(req->obj.addr, addr4);
	req->obj.port = rp_ntohs(port);
	req->flags = RP_EVF_INET;
	return true;
}

/* The family of a socket, which tells whether an address given to it is decided here;
 * returns its sock (or NULL) for rp_net_kind(). */
static __always_inline struct sock *rp_net_family(const struct socket *sock,
						  struct rp_net_req *req)
{
	struct sock *sk = sock->sk;	/* BTF loads, no helper calls: every process pays */

	if (sk)
		req->obj.family = sk->__sk_common.skc_family;
	return sk;
}

/* Its type and protocol: what an event reports of it. */
static __always_inline void rp_net_kind(const struct socket *sock, const struct sock *sk,
					struct rp_net_req *req)
{
	req->obj.type = sock->type;
	if (sk)
		req->obj.protocol = sk->sk_protocol;
}

/* Family, type and protocol of a socket: its sock read once. */
static __always_inline void rp_net_socket(const struct socket *sock, struct rp_net_req *req)
{
	rp_net_kind(sock, rp_net_family(sock, req), req);
}

static __always_inline __u8 rp_net_take(const struct rp_value *v, __u32 *rule_id)
{
	*rule_id = v->id[0];
	return RP_ACTION_OF(v->actions, 0);
}

/* The most specific of (family, type, protocol) with "any" in type, then protocol. */
static __always_inline __u8 rp_net_create_verdict(const struct rp_subject *subj,
						  const struct rp_net_obj *o, __u32 *rule_id)
{
	__u16 types[4] = { o->type, o->type, RP_NET_ANY, RP_NET_ANY };
	__u16 protos[4] = { o->protocol, RP_NET_ANY, o->protocol, RP_NET_ANY };

	for (int i = 0; i < 4; i++) {
		struct rp_value *v = rp_lookup(subj->gen, RP_KEY_NET_CREATE, subj->ruleset,
					       RP_NET_CREATE_HASH(o->family, types[i], protos[i]));

		if (v)
			return rp_net_take(v, rule_id);
	}
	return RP_ACT_NONE;
}

/* Does the task's last inet decision (struct rp_task) answer this one? */
static __always_inline bool rp_net_cached(const struct rp_task *t, const struct rp_subject *subj,
					  const struct rp_net_obj *o)
{
	const __u32 *a = (const __u32 *)t->net_addr, *b = (const __u32 *)o->addr;

	/* words of 4 bytes: o->addr is only so aligned on the stack */
	return t->net_gen == subj->gen && t->net_ruleset == subj->ruleset &&
	       t->net_op == o->op && t->net_port == o->port &&
	       a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/*
 * The trie node of the longest prefix holding the address, and its first matching range.
 * A task that connects to one address again and again (a resolver, a database) finds its
 * last answer in its storage instead: a trie lookup costs ~250 instructions, the
 * comparison a tenth of that.
 */
static __always_inline __u8 rp_net_inet_verdict(const struct rp_subject *subj,
						const struct rp_net_obj *o, __u32 *rule_id)
{
	struct rp_net_key key = { .prefixlen = RP_NET_KEY_HDR_BITS + 128, .gen = subj->gen,
				  .ruleset = subj->ruleset, .op = o->op };
	struct rp_task *t = subj->task;
	struct rp_net_value *v;
	__u8 verdict = RP_ACT_NONE;
	__u32 id = RP_RULE_NONE;

	if (t && rp_net_cached(t, subj, o)) {
		if (t->net_verdict != RP_ACT_NONE)
			*rule_id = t->net_rule_id;
		return t->net_verdict;
	}
	__builtin_memcpy(key.addr, o->addr, 16);
	v = bpf_map_lookup_elem(&rp_net, &key);
	for (int i = 0; v && i < RP_NET_PORTS_MAX; i++) {
		if (i >= v->n)
			break;
		if (o->port >= v->ports[i].lo && o->port <= v->ports[i].hi) {
			id = v->ports[i].rule_id;
			verdict = v->ports[i].action;
			break;
		}
	}
	if (verdict != RP_ACT_NONE)
		*rule_id = id;
	if (t) {
		t->net_ruleset = subj->ruleset;
		t->net_op = o->op;
		t->net_port = o->port;
		__builtin_memcpy(t->net_addr, o->addr, 16);
		t->net_verdict = verdict;
		t->net_rule_id = id;
		t->net_gen = subj->gen;
	}
	return verdict;
}

/*
 * The ruleset shapes that can decide req: without one of them rp_net_verdict() allows,
 * so a ruleset with only connect rules costs socket creation no lookup beyond its own.
 */
static __always_inline __u32 rp_net_shapes(const struct rp_net_req *req)
{
	if (req->obj.op == RP_NET_CREATE)
		return RP_SHAPE_NET_CREATE | RP_SHAPE_NET_DEFAULT;
	if (req->flags & RP_EVF_UNIX)
		return RP_SHAPE_NET_UNIX | RP_SHAPE_NET_DEFAULT;
	return RP_SHAPE_NET_INET | RP_SHAPE_NET_DEFAULT;
}

static __always_inline __u8 rp_net_verdict(const struct rp_subject *subj, __u16 shape,
					   const struct rp_net_req *req, __u32 *rule_id)
{
	struct rp_value *v;
	__u8 verdict = RP_ACT_NONE;

	if (req->obj.op == RP_NET_CREATE) {
		if (shape & RP_SHAPE_NET_CREATE)
			verdict = rp_net_create_verdict(subj, &req->obj, rule_id);
	} else if (req->flags & RP_EVF_UNIX) {
		if (shape & RP_SHAPE_NET_UNIX) {
			v = rp_lookup(subj->gen, RP_KEY_NET_UNIX, subj->ruleset, req->unix_hash);
			if (v)
				verdict = rp_net_take(v, rule_id);
		}
	} else if (shape & RP_SHAPE_NET_INET) {
		verdict = rp_net_inet_verdict(subj, &req->obj, rule_id);
	}
	if (verdict != RP_ACT_NONE || !(shape & RP_SHAPE_NET_DEFAULT))
		return verdict == RP_ACT_NONE ? RP_ACT_ALLOW : verdict;
	v = rp_lookup(subj->gen, RP_KEY_NET_DEFAULT, subj->ruleset, 0);
	return v ? rp_net_take(v, rule_id) : RP_ACT_ALLOW;
}

/*
 * Reads the name a unix peer bound into buf as the policy writes it: a path, or '@' and
 * an abstract name; returns its length, 0 for an unnamed peer.
 */
static __always_inline __u32 rp_net_unix_name(struct sock *peer, struct rp_pathbuf *buf)
{
	struct unix_sock *u = (struct unix_sock *)peer;
	struct unix_address *addr = BPF_CORE_READ(u, addr);
	__u32 len;
	void *src;

	if (!addr)
		return 0;
	len = BPF_CORE_READ(addr, len);
	if (len <= sizeof(__u16) || len > sizeof(__u16) + RP_UNIX_NAME_MAX)
		return 0;
	len -= sizeof(__u16);
	src = (void *)addr + bpf_core_field_offset(struct unix_address, name) + sizeof(__u16);
	if (bpf_probe_read_kernel(buf->s, len & 127, src))
		return 0;
	if (buf->s[0] == '\0') {
		buf->s[0] = '@';
		return len;
	}
	/* A path's length counts its NUL (unix_mkname_bsd), an abstract name's does not. */
	return buf->s[(len - 1) & 127] == '\0' ? len - 1 : len;
}

#endif /* RAMPART_NET_BPF_H */
