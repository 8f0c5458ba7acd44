/*
 * Known-answer tests for the primitives in tund/crypto.c.  Vectors come
 * from RFC 7748, RFC 8439, draft-irtf-cfrg-xchacha-03 and RFC 7693;
 * those marked "python3" were computed with hashlib/hmac and with an
 * independent RFC 8439 implementation, then hard-coded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "t.h"

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: "
    "If I could offer you only one tip for the future, sunscreen would be "
    "it.";
#define SUNSCREEN_LEN	(sizeof(sunscreen) - 1)

static const char sunscreen_aad[] = "50515253c0c1c2c3c4c5c6c7";

static struct crypto_aead *aead;

/* Fill a buffer with first, first + 1, ... as the RFCs' keys are. */
static void
seq(uint8_t *p, size_t len, uint8_t first)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(first + i);
}

static void
unhex32(uint8_t out[32], const char *hex)
{
	if (t_unhex(out, 32, hex) != 32)
		abort();
}

static void
x25519_rfc7748_5_2(void)
{
	static const char *v[][3] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t	k[32], u[32], want[32], out[32];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex32(k, v[i][0]);
		unhex32(u, v[i][1]);
		unhex32(want, v[i][2]);
		CHECK_INT(crypto_x25519(out, k, u), 0);
		CHECK_MEM(out, want, 32);
	}
}

static void
x25519_rfc7748_6_1(void)
{
	uint8_t	a[32], b[32], apub[32], bpub[32], k[32], out[32];

	unhex32(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex32(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	unhex32(k, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	CHECK_INT(crypto_x25519_pubkey(apub, a), 0);
	CHECK_INT(crypto_x25519_pubkey(bpub, b), 0);
	unhex32(out, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	CHECK_MEM(apub, out, 32);
	unhex32(out, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	CHECK_MEM(bpub, out, 32);
	CHECK_INT(crypto_x25519(out, a, bpub), 0);
	CHECK_MEM(out, k, 32);
	CHECK_INT(crypto_x25519(out, b, apub), 0);
	CHECK_MEM(out, k, 32);
}

static void
x25519_low_order(void)
{
	/* Points of order 1, 2, 4 and 8, and p - 1, p, p + 1. */
	static const char *pts[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	uint8_t	priv[32], u[32], out[32];
	size_t	i;

	crypto_x25519_genkey(priv);
	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		unhex32(u, pts[i]);
		CHECK_INT(crypto_x25519(out, priv, u), -1);
	}
}

static void
x25519_genkey(void)
{
	uint8_t	a[32], b[32], apub[32], bpub[32], s1[32], s2[32];

	crypto_x25519_genkey(a);
	crypto_x25519_genkey(b);
	CHECK((a[0] & 7) == 0 && (a[31] & 0xc0) == 0x40);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK_INT(crypto_x25519_pubkey(apub, a), 0);
	CHECK_INT(crypto_x25519_pubkey(bpub, b), 0);
	CHECK_INT(crypto_x25519(s1, a, bpub), 0);
	CHECK_INT(crypto_x25519(s2, b, apub), 0);
	CHECK_MEM(s1, s2, 32);
}

/* RFC 8439 §2.8.2: the nonce 07000000 || 4041424344454647 is raw. */
static void
aead_rfc8439_2_8_2(void)
{
	uint8_t	key[32], iv[12], aad[12], want[SUNSCREEN_LEN + 16];
	uint8_t	out[SUNSCREEN_LEN + 16], back[SUNSCREEN_LEN];

	seq(key, sizeof(key), 0x80);
	t_unhex(iv, sizeof(iv), "07000000 4041424344454647");
	t_unhex(aad, sizeof(aad), sunscreen_aad);
	CHECK_INT(t_unhex(want, sizeof(want),
	    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	    "3ff4def08e4b7a9de576d26586cec64b6116"
	    "1ae10b594f09e26a7e902ecbd0600691"), sizeof(want));
	CHECK_INT(crypto_aead_seal_iv(aead, out, key, iv, aad, sizeof(aad),
	    sunscreen, SUNSCREEN_LEN), 0);
	CHECK_MEM(out, want, sizeof(want));
	CHECK_INT(crypto_aead_open_iv(aead, back, key, iv, aad, sizeof(aad),
	    out, sizeof(out)), 0);
	CHECK_MEM(back, sunscreen, SUNSCREEN_LEN);
}

/* RFC 8439 A.5 through the counter API: its nonce is 4 zero bytes. */
static void
aead_rfc8439_a5(void)
{
	uint8_t	key[32], aad[12], in[265 + 16], want[265], out[265];

	unhex32(key, "1c9240a5eb55d38af333888604f6b5f0"
	    "473917c1402b80099dca5cbc207075c0");
	t_unhex(aad, sizeof(aad), "f33388860000000000004e91");
	CHECK_INT(t_unhex(in, sizeof(in),
	    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	    "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	    "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	    "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	    "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	    "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	    "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	    "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	    "a6ad5cb4022b02709b"
	    "eead9d67890cbb22392336fea1851f38"), sizeof(in));
	CHECK_INT(t_unhex(want, sizeof(want),
	    "496e7465726e65742d4472616674732061726520647261667420646f63756d65"
	    "6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
	    "6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
	    "65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
	    "6e747320617420616e792074696d652e20497420697320696e617070726f7072"
	    "6961746520746f2075736520496e7465726e65742d4472616674732061732072"
	    "65666572656e6365206d6174657269616c206f7220746f206369746520746865"
	    "6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
	    "726573732e2fe2809d"), sizeof(want));
	CHECK_INT(crypto_aead_open(aead, out, key, UINT64_C(0x0807060504030201),
	    aad, sizeof(aad), in, sizeof(in)), 0);
	CHECK_MEM(out, want, sizeof(want));
}

/* A keepalive: empty plaintext and AAD (python3). */
static void
aead_empty(void)
{
	uint8_t	key[32], tag[16], want[16], out[1];

	seq(key, sizeof(key), 0);
	t_unhex(want, sizeof(want), "f3acb94490a18fa013ac0ad884671855");
	CHECK_INT(crypto_aead_seal(aead, tag, key, UINT64_C(0x0123456789abcdef),
	    NULL, 0, NULL, 0), 0);
	CHECK_MEM(tag, want, 16);
	CHECK_INT(crypto_aead_open(aead, out, key, UINT64_C(0x0123456789abcdef),
	    NULL, 0, tag, sizeof(tag)), 0);
	CHECK_INT(crypto_aead_open(aead, out, key, 0, NULL, 0, tag,
	    sizeof(tag)), -1);
	CHECK_INT(crypto_aead_open(aead, out, key, 0, NULL, 0, tag, 15), -1);
}

/* The data path seals and opens in place, reusing one context. */
static void
aead_in_place(void)
{
	uint8_t	key[32], pt[16], buf[32], want[32];

	seq(key, sizeof(key), 0);
	seq(pt, sizeof(pt), 0);
	t_unhex(want, sizeof(want), "9f56f15cb12fa91f21bfa4575e989788"
	    "a672aec8f76c3a7b2cff79f44f8f7448");	/* python3 */
	memcpy(buf, pt, sizeof(pt));
	CHECK_INT(crypto_aead_seal(aead, buf, key, 1, "hdr", 3, buf,
	    sizeof(pt)), 0);
	CHECK_MEM(buf, want, sizeof(want));
	CHECK_INT(crypto_aead_open(aead, buf, key, 1, "hdr", 3, buf,
	    sizeof(buf)), 0);
	CHECK_MEM(buf, pt, sizeof(pt));
	memcpy(buf, pt, sizeof(pt));
	CHECK_INT(crypto_aead_seal(aead, buf, key, 1, "hdr", 3, buf,
	    sizeof(pt)), 0);
	CHECK_MEM(buf, want, sizeof(want));
}

/* Any flipped bit fails, and the failed open leaves no plaintext. */
static void
aead_tamper(void)
{
	uint8_t	key[32], ct[64 + 16], bad[sizeof(ct)], out[64], zero[64];
	uint8_t	aad[8] = "header!";
	size_t	i;

	seq(key, sizeof(key), 7);
	memset(out, 0xaa, sizeof(out));
	memset(zero, 0, sizeof(zero));
	CHECK_INT(crypto_aead_seal(aead, ct, key, 42, aad, sizeof(aad), out,
	    sizeof(out)), 0);
	for (i = 0; i < sizeof(ct); i += 13) {	/* ciphertext and tag */
		memcpy(bad, ct, sizeof(ct));
		bad[i] ^= 0x01;
		memset(out, 0xff, sizeof(out));
		CHECK_INT(crypto_aead_open(aead, out, key, 42, aad,
		    sizeof(aad), bad, sizeof(bad)), -1);
		CHECK_MEM(out, zero, sizeof(out));
	}
	aad[0] ^= 1;
	CHECK_INT(crypto_aead_open(aead, out, key, 42, aad, sizeof(aad), ct,
	    sizeof(ct)), -1);
	aad[0] ^= 1;
	CHECK_INT(crypto_aead_open(aead, out, key, 43, aad, sizeof(aad), ct,
	    sizeof(ct)), -1);
	key[0] ^= 1;
	CHECK_INT(crypto_aead_open(aead, out, key, 42, aad, sizeof(aad), ct,
	    sizeof(ct)), -1);
	key[0] ^= 1;
	CHECK_INT(crypto_aead_open(aead, out, key, 42, aad, sizeof(aad), ct,
	    sizeof(ct)), 0);
}

/* draft-irtf-cfrg-xchacha-03 §2.2.1. */
static void
hchacha20_draft(void)
{
	uint8_t	key[32], in[16], want[32], out[32];

	seq(key, sizeof(key), 0);
	t_unhex(in, sizeof(in), "000000090000004a0000000031415927");
	unhex32(want, "82413b4227b27bfed30e42508a877d73"
	    "a0f9e4d58a74a853c12ec41326d3ecdc");
	crypto_hchacha20(out, key, in);
	CHECK_MEM(out, want, 32);
}

/* draft-irtf-cfrg-xchacha-03 A.3.1. */
static void
xaead_draft(void)
{
	uint8_t	key[32], nonce[24], aad[12], want[SUNSCREEN_LEN + 16];
	uint8_t	out[SUNSCREEN_LEN + 16], back[SUNSCREEN_LEN];

	seq(key, sizeof(key), 0x80);
	seq(nonce, sizeof(nonce), 0x40);
	t_unhex(aad, sizeof(aad), sunscreen_aad);
	CHECK_INT(t_unhex(want, sizeof(want),
	    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	    "21f9664c97637da9768812f615c68b13b52e"
	    "c0875924c1c7987947deafd8780acf49"), sizeof(want));
	CHECK_INT(crypto_xaead_seal(aead, out, key, nonce, aad, sizeof(aad),
	    sunscreen, SUNSCREEN_LEN), 0);
	CHECK_MEM(out, want, sizeof(want));
	CHECK_INT(crypto_xaead_open(aead, back, key, nonce, aad, sizeof(aad),
	    out, sizeof(out)), 0);
	CHECK_MEM(back, sunscreen, SUNSCREEN_LEN);
	nonce[0] ^= 1;		/* the HChaCha20 half of the nonce */
	CHECK_INT(crypto_xaead_open(aead, back, key, nonce, aad, sizeof(aad),
	    out, sizeof(out)), -1);
	nonce[0] ^= 1;
	nonce[23] ^= 1;		/* the ChaCha20 half */
	CHECK_INT(crypto_xaead_open(aead, back, key, nonce, aad, sizeof(aad),
	    out, sizeof(out)), -1);
}

/* RFC 7693 Appendix B, and the empty string. */
static void
blake2s_hash(void)
{
	uint8_t	want[32], out[32], h[32];

	unhex32(want, "508c5e8c327c14e2e1a72ba34eeb452f"
	    "37458b209ed63a294d999b4c86675982");
	CHECK_INT(crypto_hash(out, "abc", 3), 0);
	CHECK_MEM(out, want, 32);
	CHECK_INT(crypto_hash2(out, "a", 1, "bc", 2), 0);
	CHECK_MEM(out, want, 32);
	unhex32(want, "69217a3079908094e11121d042354a7c"
	    "1f55b6482ca1a51e1b250dfd1ed0eef9");
	CHECK_INT(crypto_hash(out, NULL, 0), 0);
	CHECK_MEM(out, want, 32);
	/* MixHash: h = HASH(h || data) in place. */
	memcpy(h, out, 32);
	CHECK_INT(crypto_hash2(want, out, 32, "abc", 3), 0);
	CHECK_INT(crypto_hash2(h, h, 32, "abc", 3), 0);
	CHECK_MEM(h, want, 32);
}

/* Keyed BLAKE2s with 16-byte output (python3 hashlib.blake2s). */
static void
blake2s_mac(void)
{
	uint8_t	key[32], in[64], want[16], out[16];

	seq(key, sizeof(key), 0);
	seq(in, sizeof(in), 0);
	t_unhex(want, sizeof(want), "9536f9b267655743dee97b8a670f9f53");
	CHECK_INT(crypto_mac(out, key, 32, NULL, 0), 0);
	CHECK_MEM(out, want, 16);
	t_unhex(want, sizeof(want), "1e2a79436a7796a3e9826bfedf07659f");
	CHECK_INT(crypto_mac(out, key, 32, in, 3), 0);
	CHECK_MEM(out, want, 16);
	/* mac2 is keyed by a 16-byte cookie; 64 bytes is one full block. */
	t_unhex(want, sizeof(want), "dd55c51c98f8ab96ed272882941f0b6a");
	CHECK_INT(crypto_mac(out, key, 16, in, 64), 0);
	CHECK_MEM(out, want, 16);
}

/* HMAC-BLAKE2s (python3 hmac with hashlib.blake2s). */
static void
hmac_blake2s(void)
{
	uint8_t	key[32], want[32], out[32];

	seq(key, sizeof(key), 0);
	unhex32(want, "82623be5bc0a391b24dce53e67d028ef"
	    "f92d586de0485ac37822e597d049c74f");
	CHECK_INT(crypto_hmac(out, key, "abc", 3), 0);
	CHECK_MEM(out, want, 32);
	unhex32(want, "e2641d24dfa8dd89e8cb77f1cdc77d8c"
	    "006e5bebdfc4d6a3a3a6f8d5b7586fb0");
	CHECK_INT(crypto_hmac(out, key, NULL, 0), 0);
	CHECK_MEM(out, want, 32);
}

/* The whitepaper's KDF1..3 (python3), including the in-place KDF1(C). */
static void
kdf(void)
{
	uint8_t	key[32], in[33], w1[32], w2[32], w3[32], t1[32], t2[32], t3[32];

	seq(key, sizeof(key), 0);
	seq(in, sizeof(in), 0x40);
	unhex32(w1, "13dbcd6c58985f3e35da37332c8c3255"
	    "f2a242c40297946964feadf733b244c1");
	unhex32(w2, "a0b5699ea14a357b66be45f3efa67bdc"
	    "381087796b7098f6d3c32a9dcb6fc8dd");
	unhex32(w3, "d3129fdfecfff3604463f6441109e7e6"
	    "997fceb10fef9d7999b8cac3d22e39e9");
	CHECK_INT(crypto_kdf(t1, t2, t3, key, in, sizeof(in)), 0);
	CHECK_MEM(t1, w1, 32);
	CHECK_MEM(t2, w2, 32);
	CHECK_MEM(t3, w3, 32);
	memset(t2, 0, sizeof(t2));
	CHECK_INT(crypto_kdf(t1, t2, NULL, key, in, sizeof(in)), 0);
	CHECK_MEM(t1, w1, 32);
	CHECK_MEM(t2, w2, 32);
	CHECK_INT(crypto_kdf(key, NULL, NULL, key, in, sizeof(in)), 0);
	CHECK_MEM(key, w1, 32);
	seq(key, sizeof(key), 0);
	unhex32(w1, "7a38c34bf2b8738d7374ca77c44ecb30"
	    "9a11d2b2528304fa86052c365e722624");
	CHECK_INT(crypto_kdf(t1, NULL, NULL, key, NULL, 0), 0);
	CHECK_MEM(t1, w1, 32);
}

static void
tai64n_format(void)
{
	struct timespec	ts = { 1700000000, 999999999 };
	uint8_t		out[TAI64N_LEN], want[TAI64N_LEN];

	/* 2^62 + 10 + seconds; nanoseconds rounded down to 2^24. */
	t_unhex(want, sizeof(want), "400000006553f10a 3b000000");
	crypto_tai64n(out, &ts);
	CHECK_MEM(out, want, TAI64N_LEN);
	ts.tv_sec = 0;
	ts.tv_nsec = (1 << 24) - 1;
	t_unhex(want, sizeof(want), "400000000000000a 00000000");
	crypto_tai64n(out, &ts);
	CHECK_MEM(out, want, TAI64N_LEN);
}

static void
tai64n_order(void)
{
	struct timespec	ts = { 1700000000, 500000000 };
	uint8_t		a[TAI64N_LEN], b[TAI64N_LEN];

	crypto_tai64n(a, &ts);
	CHECK(!crypto_tai64n_after(a, a));
	ts.tv_nsec += 1000;		/* within the same 2^24 ns */
	crypto_tai64n(b, &ts);
	CHECK(!crypto_tai64n_after(b, a));
	ts.tv_nsec += 1 << 24;
	crypto_tai64n(b, &ts);
	CHECK(crypto_tai64n_after(b, a));
	CHECK(!crypto_tai64n_after(a, b));
	/* Seconds outweigh nanoseconds. */
	ts.tv_sec++;
	ts.tv_nsec = 0;
	crypto_tai64n(b, &ts);
	CHECK(crypto_tai64n_after(b, a));
	/* TAI seconds 0xff then 0x100: the order is big-endian. */
	ts.tv_sec = 0xff - 10;
	crypto_tai64n(a, &ts);
	ts.tv_sec++;
	crypto_tai64n(b, &ts);
	CHECK(crypto_tai64n_after(b, a));
	CHECK(!crypto_tai64n_after(a, b));
}

int
main(void)
{
	if (crypto_init() == -1 || (aead = crypto_aead_new()) == NULL) {
		printf("FAIL crypto_init: OpenSSL lacks an algorithm\n");
		return 1;
	}
	T_RUN(x25519_rfc7748_5_2);
	T_RUN(x25519_rfc7748_6_1);
	T_RUN(x25519_low_order);
	T_RUN(x25519_genkey);
	T_RUN(aead_rfc8439_2_8_2);
	T_RUN(aead_rfc8439_a5);
	T_RUN(aead_empty);
	T_RUN(aead_in_place);
	T_RUN(aead_tamper);
	T_RUN(hchacha20_draft);
	T_RUN(xaead_draft);
	T_RUN(blake2s_hash);
	T_RUN(blake2s_mac);
	T_RUN(hmac_blake2s);
	T_RUN(kdf);
	T_RUN(tai64n_format);
	T_RUN(tai64n_order);
	crypto_aead_free(aead);
	return t_done();
}
