/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SipHash-2-4 over a byte string, compiled on both sides: the daemon hashes rule paths
 * with the same code and secret key that the BPF programs use on the paths they see.
 * A keyed PRF, so a crafted path cannot be made to collide with a rule's key without
 * the key, which is drawn from getrandom() at every load.
 *
 * The BPF side hands in a buffer of RP_PATH_MAX bytes (a map value) and reads it a
 * word at a time; bytes past len are masked off, since bpf_d_path() leaves garbage
 * after the NUL. User space reads through rp_hash_load() so it never reads past len.
 */
#ifndef RAMPART_SIPHASH_H
#define RAMPART_SIPHASH_H

#include "abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define RP_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define RP_SIPROUND(v0, v1, v2, v3)                                                            \
	do {                                                                                   \
		v0 += v1;                                                                      \
		v1 = RP_ROTL64(v1, 13);                                                        \
		v1 ^= v0;                                                                      \
		v0 = RP_ROTL64(v0, 32);                                                        \
		v2 += v3;                                                                      \
		v3 = RP_ROTL64(v3, 16);                                                        \
		v3 ^= v2;                                                                      \
		v0 += v3;                                                                      \
		v3 = RP_ROTL64(v3, 21);                                                        \
		v3 ^= v0;                                                                      \
		v2 += v1;                                                                      \
		v1 = RP_ROTL64(v1, 17);                                                        \
		v1 ^= v2;                                                                      \
		v2 = RP_ROTL64(v2, 32);                                                        \
	} while (0)

struct rp_hash_key {
	__u64 k0;
	__u64 k1;
};

#ifdef __BPF__
/* buf is RP_PATH_MAX bytes long and 8-byte aligned: whole words are always readable. */
static __always_inline __u64 rp_hash_load(const void *buf, __u32 word, __u32 len)
{
	(void)len;
	return ((const __u64 *)buf)[word & (RP_PATH_MAX / 8 - 1)];
}
#else
/* Little-endian load of the word'th 8 bytes, reading no byte at or past len. */
static inline __u64 rp_hash_load(const void *buf, __u32 word, __u32 len)
{
	const unsigned char *p = (const unsigned char *)buf + (__u64)word * 8;
	__u32 avail = len - word * 8;
	__u64 w = 0;

	if (avail > 8)
		avail = 8;
	for (__u32 i = 0; i < avail; i++)
		w |= (__u64)p[i] << (8 * i);
	return w;
}
#endif

/*
 * SipHash in three steps, so that the state after a prefix can be kept and the hash of
 * prefix + suffix finished from it later (bpf-lsm/dcache.bpf.h keeps a directory's).
 */
struct rp_sip {
	__u64 v[4];
};

static __always_inline void rp_sip_init(struct rp_sip *st, const struct rp_hash_key *key)
{
	st->v[0] = 0x736f6d6570736575ULL ^ key->k0;
	st->v[1] = 0x646f72616e646f6dULL ^ key->k1;
	st->v[2] = 0x6c7967656e657261ULL ^ key->k0;
	st->v[3] = 0x7465646279746573ULL ^ key->k1;
}

/* Takes in the first nwords whole words of buf (len bytes long: see rp_hash_load()). */
static __always_inline void rp_sip_words(struct rp_sip *st, const void *buf, __u32 nwords,
					 __u32 len)
{
	__u64 v0 = st->v[0], v1 = st->v[1], v2 = st->v[2], v3 = st->v[3], m;

	for (__u32 i = 0; i < RP_PATH_MAX / 8; i++) {
		if (i >= nwords)
			break;
		m = rp_hash_load(buf, i, len);
		v3 ^= m;
		RP_SIPROUND(v0, v1, v2, v3);
		RP_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	st->v[0] = v0;
	st->v[1] = v1;
	st->v[2] = v2;
	st->v[3] = v3;
}

/* The hash of a string of total bytes whose last total % 8 bytes are the low ones of last. */
static __always_inline __u64 rp_sip_final(const struct rp_sip *st, __u64 last, __u32 total)
{
	__u64 v0 = st->v[0], v1 = st->v[1], v2 = st->v[2], v3 = st->v[3];
	__u32 rem = total & 7;
	__u64 b = (__u64)total << 56;

	if (rem)
		b |= last & ((1ULL << (rem * 8)) - 1);
	v3 ^= b;
	RP_SIPROUND(v0, v1, v2, v3);
	RP_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	RP_SIPROUND(v0, v1, v2, v3);
	RP_SIPROUND(v0, v1, v2, v3);
	RP_SIPROUND(v0, v1, v2, v3);
	RP_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The hash of a string of total bytes (below RP_PATH_MAX) whose first done words st has
 * taken in already; buf holds the rest of it, from byte done * 8 on.
 */
static __always_inline __u64 rp_sip_resume(const struct rp_sip *st, __u32 done, const void *buf,
					   __u32 total)
{
	__u32 n = total - done * 8, nwords = (n / 8) & (RP_PATH_MAX / 8 - 1);
	struct rp_sip rest = *st;

	rp_sip_words(&rest, buf, nwords, n);
	return rp_sip_final(&rest, n & 7 ? rp_hash_load(buf, nwords, n) : 0, total);
}

/* len must be below RP_PATH_MAX; longer strings are never hashed (they cannot match). */
static __always_inline __u64 rp_siphash(const void *buf, __u32 len, const struct rp_hash_key *key)
{
	struct rp_sip st;

	rp_sip_init(&st, key);
	return rp_sip_resume(&st, 0, buf, len);
}

#endif /* RAMPART_SIPHASH_H */
