// SPDX-License-Identifier: GPL-2.0
/*
 * rp_siphash(): the published SipHash-2-4 vectors, agreement with a plain byte-wise
 * implementation written here from the paper, and that no byte at or past len is read.
 */
#include <stdint.h>
#include <stdlib.h>

#include <linux/types.h>

#include "rampart/siphash.h"
#include "unit.h"

static const struct rp_hash_key ref_key = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

static uint64_t ref_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void ref_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ref_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = ref_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = ref_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ref_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ref_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = ref_rotl(v[2], 32);
}

static void ref_compress(uint64_t v[4], uint64_t m, int rounds)
{
	v[3] ^= m;
	for (int i = 0; i < rounds; i++)
		ref_round(v);
	v[0] ^= m;
}

/* SipHash-2-4 as the paper states it: one byte at a time into a little-endian word. */
static uint64_t ref_siphash(const unsigned char *msg, size_t len, uint64_t k0, uint64_t k1)
{
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ULL,
		k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL,
		k1 ^ 0x7465646279746573ULL,
	};
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		m |= (uint64_t)msg[i] << (8 * (i % 8));
		if (i % 8 == 7) {
			ref_compress(v, m, 2);
			m = 0;
		}
	}
	ref_compress(v, m | ((uint64_t)(len & 0xff) << 56), 2);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		ref_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void counting_message(unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)i;
}

/* Hashes bytes 00..len-1 from a heap buffer of exactly len bytes, so ASan sees overreads. */
static __u64 hash_counting(__u32 len)
{
	unsigned char *buf = malloc(len ? len : 1);
	__u64 h;

	counting_message(buf, len);
	h = rp_siphash(buf, len, &ref_key);
	free(buf);
	return h;
}

UNIT_TEST(siphash_matches_published_vectors_for_len_0_1_63)
{
	ASSERT_EQ(hash_counting(0), 0x726fdb47dd0e0e31ULL, "len 0");
	ASSERT_EQ(hash_counting(1), 0x74f839c593dc67fdULL, "len 1");
	ASSERT_EQ(hash_counting(63), 0x958a324ceb064572ULL, "len 63");
}

UNIT_TEST(siphash_matches_published_vectors_around_word_boundaries)
{
	ASSERT_EQ(hash_counting(7), 0xab0200f58b01d137ULL, "len 7");
	ASSERT_EQ(hash_counting(8), 0x93f5f5799a932462ULL, "len 8");
	ASSERT_EQ(hash_counting(9), 0x9e0082df0ba9e4b0ULL, "len 9");
	ASSERT_EQ(hash_counting(15), 0xa129ca6149be45e5ULL, "len 15");
	ASSERT_EQ(hash_counting(16), 0x3f2acc7f57c29bdbULL, "len 16");
}

UNIT_TEST(siphash_reference_implementation_matches_published_vectors)
{
	unsigned char msg[64];

	counting_message(msg, sizeof(msg));
	ASSERT_EQ(ref_siphash(msg, 0, ref_key.k0, ref_key.k1), 0x726fdb47dd0e0e31ULL, "len 0");
	ASSERT_EQ(ref_siphash(msg, 1, ref_key.k0, ref_key.k1), 0x74f839c593dc67fdULL, "len 1");
	ASSERT_EQ(ref_siphash(msg, 8, ref_key.k0, ref_key.k1), 0x93f5f5799a932462ULL, "len 8");
	ASSERT_EQ(ref_siphash(msg, 63, ref_key.k0, ref_key.k1), 0x958a324ceb064572ULL, "len 63");
}

UNIT_TEST(siphash_matches_reference_for_every_len_0_to_64)
{
	unsigned char msg[64];
	char check[32];

	counting_message(msg, sizeof(msg));
	for (__u32 len = 0; len <= 64; len++) {
		snprintf(check, sizeof(check), "len %u", len);
		ASSERT_EQ(hash_counting(len), ref_siphash(msg, len, ref_key.k0, ref_key.k1), check);
	}
}

UNIT_TEST(siphash_ignores_bytes_after_len)
{
	const char abc[3] = { 'a', 'b', 'c' };
	const char padded[8] = "abcXYZ";
	const char junk[8] = { 'a', 'b', 'c', '\xff', '\xff', '\xff', '\xff', '\xff' };
	__u64 want = rp_siphash(abc, 3, &ref_key);

	ASSERT_EQ(rp_siphash(padded, 3, &ref_key), want, "abc inside abcXYZ");
	ASSERT_EQ(rp_siphash(junk, 3, &ref_key), want, "abc followed by 0xff bytes");
	ASSERT_EQ(want, ref_siphash((const unsigned char *)"abc", 3, ref_key.k0, ref_key.k1),
		  "abc matches reference");
	ASSERT_TRUE(rp_siphash(padded, 6, &ref_key) != want, "abcXYZ with len 6 differs");
}

UNIT_TEST(siphash_different_keys_give_different_hashes)
{
	const char *path = "/etc/shadow";
	const unsigned char *up = (const unsigned char *)path;
	struct rp_hash_key k2 = { ref_key.k0 ^ 1, ref_key.k1 };
	struct rp_hash_key k3 = { ref_key.k0, ref_key.k1 ^ (1ULL << 63) };
	__u64 h1 = rp_siphash(path, 11, &ref_key);

	ASSERT_TRUE(h1 != rp_siphash(path, 11, &k2), "k0 differs by one bit");
	ASSERT_TRUE(h1 != rp_siphash(path, 11, &k3), "k1 differs by one bit");
	ASSERT_EQ(rp_siphash(path, 11, &k2),
		  ref_siphash(up, 11, k2.k0, k2.k1), "k2 matches reference");
	ASSERT_EQ(rp_siphash(path, 11, &k3),
		  ref_siphash(up, 11, k3.k0, k3.k1), "k3 matches reference");
}

UNIT_TEST(siphash_longest_path_reads_only_len_bytes)
{
	const __u32 len = RP_PATH_MAX - 1;
	unsigned char *buf = malloc(len);
	__u64 got, want;

	ASSERT_TRUE(buf != NULL, "malloc");
	for (__u32 i = 0; i < len; i++)
		buf[i] = (unsigned char)('a' + i % 26);
	/* Exactly len bytes on the heap: any read at or past len trips ASan. */
	got = rp_siphash(buf, len, &ref_key);
	want = ref_siphash(buf, len, ref_key.k0, ref_key.k1);
	free(buf);
	ASSERT_EQ(got, want, "4095-byte string matches reference");
}

/*
 * What the directory cache does: keep the state after a directory's whole words, then
 * finish the hash of directory + name from that state, the directory's last bytes and
 * the name. Every split point of strings of every length up to 40 bytes, plus a long one.
 */
UNIT_TEST(siphash_resumed_from_a_prefix_state_matches_the_whole)
{
	static const char text[] = "/var/lib/containers/storage/overlay/l/ABCDEFGHIJKLMNOP/f";
	unsigned char rest[RP_PATH_MAX];
	char what[96];

	for (__u32 len = 0; len <= 40; len++) {
		for (__u32 split = 0; split <= len; split++) {
			__u32 done = split / 8;
			struct rp_sip st;

			rp_sip_init(&st, &ref_key);
			rp_sip_words(&st, text, done, split);
			/* rest: the prefix's last split % 8 bytes, then the remainder */
			memcpy(rest, text + done * 8, len - done * 8);
			snprintf(what, sizeof(what), "length %u resumed after %u bytes", len, split);
			ASSERT_EQ(rp_sip_resume(&st, done, rest, len),
				  ref_siphash((const unsigned char *)text, len, ref_key.k0, ref_key.k1),
				  what);
		}
	}
}
