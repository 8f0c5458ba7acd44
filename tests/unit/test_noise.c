#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "noise.h"
#include "t.h"
#include "wire.h"

#define INIT_BODY	offsetof(struct msg_initiation, macs)
#define RESP_BODY	offsetof(struct msg_response, macs)

static struct crypto_aead	*aead;

/* Both ends of one tunnel: each side's identity and its view of the other. */
struct pair {
	struct noise_local	 il, rl;	/* initiator, responder */
	struct noise_remote	 ir;		/* the initiator's responder */
	struct noise_remote	 ri;		/* the responder's initiator */
};

static const uint8_t	zero_macs[sizeof(struct msg_macs)];

static void
tai64n_at(uint8_t out[TAI64N_LEN], time_t sec)
{
	struct timespec	ts = { sec, 0 };

	crypto_tai64n(out, &ts);
}

static int
genlocal(struct noise_local *l)
{
	uint8_t	priv[X25519_LEN];

	return crypto_x25519_genkey(priv) == -1 || noise_local_init(l, priv);
}

/* Fresh static keys; a NULL psk is none. */
static int
pair_init(struct pair *p, const uint8_t *ipsk, const uint8_t *rpsk)
{
	memset(p, 0, sizeof(*p));
	if (genlocal(&p->il) || genlocal(&p->rl))
		return -1;
	if (noise_remote_init(&p->ir, &p->il, p->rl.pub, ipsk) == -1 ||
	    noise_remote_init(&p->ri, &p->rl, p->il.pub, rpsk) == -1)
		return -1;
	return 0;
}

static enum noise_result
initiate(struct pair *p, uint32_t index, time_t when,
    struct msg_initiation *m)
{
	uint8_t	e[X25519_LEN], t[TAI64N_LEN];

	crypto_x25519_genkey(e);
	tai64n_at(t, when);
	return noise_create_initiation(&p->ir, &p->il, aead, index, e, t, m);
}

/* The responder's side of an initiation, as the daemon will do it. */
static enum noise_result
receive(struct pair *p, const struct msg_initiation *m)
{
	struct noise_pending	pend;
	enum noise_result	rv;

	if ((rv = noise_open_initiation(&p->rl, aead, m, &pend)) != NOISE_OK)
		return rv;
	if (memcmp(pend.remote_static, p->il.pub, X25519_LEN) != 0) {
		crypto_wipe(&pend, sizeof(pend));
		return NOISE_ERR_PEER;
	}
	return noise_accept_initiation(&p->ri, aead, &pend);
}

static enum noise_result
respond(struct pair *p, uint32_t index, struct msg_response *m)
{
	uint8_t	e[X25519_LEN];

	crypto_x25519_genkey(e);
	return noise_create_response(&p->ri, aead, index, e, m);
}

/* Seal with one side's send key, open with the other's receive key. */
static int
transport(const struct noise_keys *from, const struct noise_keys *to)
{
	static const char	 msg[] = "through the tunnel";
	uint8_t			 ct[sizeof(msg) + AEAD_TAG_LEN];
	uint8_t			 pt[sizeof(msg)];

	if (crypto_aead_seal(aead, ct, from->send, 7, NULL, 0, msg,
	    sizeof(msg)) == -1 ||
	    crypto_aead_open(aead, pt, to->recv, 7, NULL, 0, ct,
	    sizeof(ct)) == -1)
		return -1;
	return memcmp(pt, msg, sizeof(msg)) == 0 ? 0 : -1;
}

static void
handshake(const uint8_t *psk)
{
	struct pair		 p;
	struct msg_initiation	 mi;
	struct msg_response	 mr;
	struct noise_keys	 ki, kr;

	CHECK(pair_init(&p, psk, psk) == 0);
	CHECK_INT(initiate(&p, 11, 1700000000, &mi), NOISE_OK);
	CHECK_INT(p.ir.hs.state, NOISE_STATE_INIT_CREATED);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(p.ri.hs.state, NOISE_STATE_INIT_CONSUMED);
	CHECK_INT(respond(&p, 22, &mr), NOISE_OK);
	CHECK_INT(p.ri.hs.state, NOISE_STATE_RESP_CREATED);
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr), NOISE_OK);
	CHECK_INT(p.ir.hs.state, NOISE_STATE_RESP_CONSUMED);
	CHECK_INT(noise_derive_keys(&p.ir, &ki), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ri, &kr), NOISE_OK);
	CHECK_MEM(ki.send, kr.recv, AEAD_KEY_LEN);
	CHECK_MEM(ki.recv, kr.send, AEAD_KEY_LEN);
	CHECK(memcmp(ki.send, ki.recv, AEAD_KEY_LEN) != 0);
	CHECK(ki.initiator && !kr.initiator);
	CHECK_INT(ki.local_index, 11);
	CHECK_INT(ki.remote_index, 22);
	CHECK_INT(kr.local_index, 22);
	CHECK_INT(kr.remote_index, 11);
	CHECK(transport(&ki, &kr) == 0);
	CHECK(transport(&kr, &ki) == 0);
	CHECK(transport(&ki, &ki) == -1);
}

static void
test_handshake_nopsk(void)
{
	handshake(NULL);
}

static void
test_handshake_psk(void)
{
	uint8_t	psk[NOISE_PSK_LEN];

	crypto_random(psk, sizeof(psk));
	handshake(psk);
}

/* A different psk, or one on one side only, fails at the response. */
static void
psk_mismatch(const uint8_t *ipsk, const uint8_t *rpsk)
{
	struct pair		 p;
	struct msg_initiation	 mi;
	struct msg_response	 mr;
	struct noise_remote	 before;

	CHECK(pair_init(&p, ipsk, rpsk) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &mi), NOISE_OK);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(respond(&p, 2, &mr), NOISE_OK);
	before = p.ir;
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr),
	    NOISE_ERR_DECRYPT);
	CHECK_MEM(&p.ir, &before, sizeof(before));
}

static void
test_psk_mismatch(void)
{
	uint8_t	a[NOISE_PSK_LEN], b[NOISE_PSK_LEN];

	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	psk_mismatch(a, b);
	if (t_failed)
		return;
	psk_mismatch(a, NULL);
	if (t_failed)
		return;
	psk_mismatch(NULL, b);
}

/* An initiation made for another responder key does not open. */
static void
test_wrong_responder_key(void)
{
	struct pair		 p;
	struct noise_local	 other;
	struct noise_pending	 pend;
	struct msg_initiation	 mi;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK(genlocal(&other) == 0);
	CHECK(noise_remote_init(&p.ir, &p.il, other.pub, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &mi), NOISE_OK);
	CHECK_INT(noise_open_initiation(&p.rl, aead, &mi, &pend),
	    NOISE_ERR_DECRYPT);
	CHECK(memcmp(&pend, &(struct noise_pending){ 0 }, sizeof(pend)) == 0);
}

/* A static key that opens, but for another remote than the caller's. */
static void
test_wrong_peer(void)
{
	struct pair		 p;
	struct noise_local	 other;
	struct noise_remote	 wrong, before;
	struct noise_pending	 pend;
	struct msg_initiation	 mi;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK(genlocal(&other) == 0);
	CHECK(noise_remote_init(&wrong, &p.rl, other.pub, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &mi), NOISE_OK);
	CHECK_INT(noise_open_initiation(&p.rl, aead, &mi, &pend), NOISE_OK);
	CHECK_MEM(pend.remote_static, p.il.pub, X25519_LEN);
	before = wrong;
	CHECK_INT(noise_accept_initiation(&wrong, aead, &pend),
	    NOISE_ERR_PEER);
	CHECK_MEM(&wrong, &before, sizeof(before));
	CHECK(memcmp(&pend, &(struct noise_pending){ 0 }, sizeof(pend)) == 0);
}

/*
 * Every bit of the encrypted fields and the ephemeral key is bound to the
 * handshake: each flip fails and leaves the responder as it was.  The
 * sender index is mac1's to protect; flipped, it only misdirects the
 * response, which the initiator then refuses.
 */
static void
test_tampered_initiation(void)
{
	struct pair		 p;
	struct msg_initiation	 mi, bad;
	struct msg_response	 mr;
	struct noise_remote	 before;
	size_t			 i;
	int			 bit;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 5, 1700000000, &mi), NOISE_OK);
	before = p.ri;
	for (i = offsetof(struct msg_initiation, ephemeral); i < INIT_BODY;
	    i++)
		for (bit = 0; bit < 8; bit++) {
			bad = mi;
			((uint8_t *)&bad)[i] ^= 1 << bit;
			CHECK(receive(&p, &bad) != NOISE_OK);
			CHECK_MEM(&p.ri, &before, sizeof(before));
		}
	bad = mi;
	bad.sender[0] ^= 1;
	CHECK_INT(receive(&p, &bad), NOISE_OK);
	CHECK_INT(respond(&p, 6, &mr), NOISE_OK);
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr),
	    NOISE_ERR_INDEX);
}

static void
test_tampered_response(void)
{
	struct pair		 p;
	struct msg_initiation	 mi;
	struct msg_response	 mr, bad;
	struct noise_remote	 before;
	size_t			 i;
	int			 bit;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 5, 1700000000, &mi), NOISE_OK);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(respond(&p, 6, &mr), NOISE_OK);
	before = p.ir;
	for (i = offsetof(struct msg_response, ephemeral); i < RESP_BODY; i++)
		for (bit = 0; bit < 8; bit++) {
			bad = mr;
			((uint8_t *)&bad)[i] ^= 1 << bit;
			CHECK(noise_consume_response(&p.ir, &p.il, aead,
			    &bad) != NOISE_OK);
			CHECK_MEM(&p.ir, &before, sizeof(before));
		}
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr), NOISE_OK);
}

/* TAI64N replay protection: only a later timestamp is accepted. */
static void
test_replay(void)
{
	struct pair		 p;
	struct msg_initiation	 mi, again;
	struct noise_remote	 before;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &mi), NOISE_OK);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	before = p.ri;
	CHECK_INT(receive(&p, &mi), NOISE_ERR_REPLAY);
	CHECK_MEM(&p.ri, &before, sizeof(before));
	CHECK_INT(initiate(&p, 2, 1700000000, &again), NOISE_OK);
	CHECK_INT(receive(&p, &again), NOISE_ERR_REPLAY);
	CHECK_INT(initiate(&p, 3, 1699999999, &again), NOISE_OK);
	CHECK_INT(receive(&p, &again), NOISE_ERR_REPLAY);
	CHECK_MEM(&p.ri, &before, sizeof(before));
	CHECK_INT(initiate(&p, 4, 1700000001, &again), NOISE_OK);
	CHECK_INT(receive(&p, &again), NOISE_OK);
	CHECK_INT(p.ri.hs.remote_index, 4);
	CHECK_INT(receive(&p, &mi), NOISE_ERR_REPLAY);
}

static void
test_response_index_and_state(void)
{
	struct pair		 p;
	struct msg_initiation	 mi;
	struct msg_response	 mr, bad;
	struct noise_keys	 k;
	struct noise_remote	 before;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	memset(&mr, 0, sizeof(mr));
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr),
	    NOISE_ERR_STATE);
	CHECK_INT(respond(&p, 6, &mr), NOISE_ERR_STATE);
	CHECK_INT(noise_derive_keys(&p.ir, &k), NOISE_ERR_STATE);
	CHECK_INT(initiate(&p, 5, 1700000000, &mi), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ir, &k), NOISE_ERR_STATE);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ri, &k), NOISE_ERR_STATE);
	CHECK_INT(respond(&p, 6, &mr), NOISE_OK);
	CHECK_INT(respond(&p, 7, &bad), NOISE_ERR_STATE);
	bad = mr;
	le32_put(bad.receiver, 4);
	before = p.ir;
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &bad),
	    NOISE_ERR_INDEX);
	CHECK_MEM(&p.ir, &before, sizeof(before));
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr), NOISE_OK);
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr),
	    NOISE_ERR_STATE);
}

/* A new initiation replaces the one in progress: its response is stale. */
static void
test_reinitiate(void)
{
	struct pair		 p;
	struct msg_initiation	 old, mi;
	struct msg_response	 mr;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &old), NOISE_OK);
	CHECK_INT(initiate(&p, 2, 1700000001, &mi), NOISE_OK);
	CHECK_INT(receive(&p, &old), NOISE_OK);
	CHECK_INT(respond(&p, 9, &mr), NOISE_OK);
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr),
	    NOISE_ERR_INDEX);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(respond(&p, 9, &mr), NOISE_OK);
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr), NOISE_OK);
}

/*
 * Both sides initiate at once: the side that accepts the other's
 * initiation drops its own, and the other's completes.
 */
static void
test_crossed_initiations(void)
{
	struct pair		 p;
	struct msg_initiation	 a, b;
	struct msg_response	 mr;
	struct noise_pending	 pend;
	struct noise_keys	 ka, kb;
	uint8_t			 e[X25519_LEN], t[TAI64N_LEN];

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &a), NOISE_OK);
	crypto_x25519_genkey(e);
	tai64n_at(t, 1700000000);
	CHECK_INT(noise_create_initiation(&p.ri, &p.rl, aead, 2, e, t, &b),
	    NOISE_OK);
	/* The initiator accepts the responder's initiation and answers. */
	CHECK_INT(noise_open_initiation(&p.il, aead, &b, &pend), NOISE_OK);
	CHECK_INT(noise_accept_initiation(&p.ir, aead, &pend), NOISE_OK);
	crypto_x25519_genkey(e);
	CHECK_INT(noise_create_response(&p.ir, aead, 3, e, &mr), NOISE_OK);
	CHECK_INT(noise_consume_response(&p.ri, &p.rl, aead, &mr), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ir, &ka), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ri, &kb), NOISE_OK);
	CHECK(!ka.initiator && kb.initiator);
	CHECK(transport(&ka, &kb) == 0);
	CHECK(transport(&kb, &ka) == 0);
}

/* Points whose X25519 with any key is zero (RFC 7748 section 6.1). */
static const char *low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
};

static void
test_low_order(void)
{
	struct pair		 p;
	struct noise_remote	 r, before;
	struct noise_pending	 pend;
	struct msg_initiation	 mi, bad;
	struct msg_response	 mr, badr;
	uint8_t			 pt[X25519_LEN];
	size_t			 i;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &mi), NOISE_OK);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(respond(&p, 2, &mr), NOISE_OK);
	before = p.ir;
	for (i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		CHECK(t_unhex(pt, sizeof(pt), low_order[i]) == sizeof(pt));
		CHECK(noise_remote_init(&r, &p.il, pt, NULL) == -1);
		bad = mi;
		memcpy(bad.ephemeral, pt, X25519_LEN);
		CHECK_INT(noise_open_initiation(&p.rl, aead, &bad, &pend),
		    NOISE_ERR_KEY);
		badr = mr;
		memcpy(badr.ephemeral, pt, X25519_LEN);
		CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &badr),
		    NOISE_ERR_KEY);
		CHECK_MEM(&p.ir, &before, sizeof(before));
	}
}

/* Deriving the keys ends the handshake and leaves no secret behind. */
static void
test_derive_wipes(void)
{
	static const struct noise_handshake zero;
	struct pair		 p;
	struct msg_initiation	 mi;
	struct msg_response	 mr;
	struct noise_keys	 k;

	CHECK(pair_init(&p, NULL, NULL) == 0);
	CHECK_INT(initiate(&p, 1, 1700000000, &mi), NOISE_OK);
	CHECK_INT(receive(&p, &mi), NOISE_OK);
	CHECK_INT(respond(&p, 2, &mr), NOISE_OK);
	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ir, &k), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ri, &k), NOISE_OK);
	CHECK_MEM(&p.ir.hs, &zero, sizeof(zero));
	CHECK_MEM(&p.ri.hs, &zero, sizeof(zero));
	CHECK_INT(noise_derive_keys(&p.ir, &k), NOISE_ERR_STATE);
	CHECK_INT(initiate(&p, 3, 1700000001, &mi), NOISE_OK);
	noise_remote_clear(&p.ir);
	CHECK_MEM(&p.ir.hs, &zero, sizeof(zero));
}

/*
 * A fixed-key transcript.  The expected bytes come from an independent
 * implementation of whitepaper section 5.4 written in Python for this test
 * (hashlib's BLAKE2s, hmac for HMAC-BLAKE2s, the cryptography package's
 * X25519 and ChaCha20-Poly1305, each first checked against RFC 7748, RFC
 * 8439 and RFC 7693 vectors); its initial chaining key and hash match the
 * published 60e26dae... and 2211b361....  Private keys are BLAKE2s of
 * "tund test {initiator,responder} {static,ephemeral}", clamped; the psk is
 * BLAKE2s("tund test preshared key"); the timestamp is TAI64N of
 * 2024-01-01T00:00:00Z plus 0x2a000000 ns; indices 0x11223344 (initiator)
 * and 0xa1b2c3d4 (responder).
 */
static const char	tr_si[] =
    "a8d3b433cc53f074d22a2cacaaed8a864280e68b05189a675d31184eb60bfd45";
static const char	tr_sr[] =
    "a894089e5fb233dd29c12b1a309b97b22ee16f5a3c787e7d37ec6650068d2645";
static const char	tr_ei[] =
    "18418ca9ad026854f3f6846eba3d7d2c8abcdc30d669af05444e2340303b427a";
static const char	tr_er[] =
    "606b5bc4ce5e56560e1b51fec26a29ed26d599b963ab8a7a6317347a544ebf59";
static const char	tr_psk[] =
    "32807e9a1f9c656750cc568d41192ca24200b4f1ccc6a0985bbc35e9b65ba09e";
static const char	tr_ts[] = "400000006592008a2a000000";
static const char	tr_init[] =
    "01000000443322111a241aa93d770b3d4916fba569b18309f0d93e161fe422ab"
    "1390943bf81fc76f9d7c0e2f4e174d02ca431d3461af26e8f7e912dfdff4aa57"
    "fe67d8d0a7d02b00ddc00e75079b35bdacc92fc8106c8188acf42edd42038a57"
    "aaec69d6edf47d25b09db264dfeb96a61a32f391";

struct transcript {
	const char	*psk;		/* NULL: none */
	const char	*resp;
	const char	*isend, *irecv;	/* the initiator's keys */
};

static const struct transcript with_psk = {
	tr_psk,
	"02000000d4c3b2a14433221145315a99ffee6769f2361444b8dafe2a4d99510a"
	"eaf88ecc4e4043cd199cad10236938723b335b6c12d39a0781f50218",
	"ec698a53e46fb355f54cff040a49ea18b90f593e72e1443bd99dfaa7f0fbd88e",
	"f5497e0345b87ebbe94e07883e2a6cdb183173e0c9e94201314eb3331e106798"
};

static const struct transcript without_psk = {
	NULL,
	"02000000d4c3b2a14433221145315a99ffee6769f2361444b8dafe2a4d99510a"
	"eaf88ecc4e4043cd199cad10a2a97f9972e43639ba9003d5a35433f8",
	"34c1fd94ec7834afac53c15cbff8439d51a4c2df4d300e95f4844f583337a242",
	"ce6d8984f0647b891096939ba09fd2f1a6aff7ab2a4b4c91bb8046f53480fe88"
};

/* 32 bytes from hex. */
static void
key32(uint8_t out[32], const char *hex)
{
	if (t_unhex(out, 32, hex) != 32)
		abort();
}

static void
transcript(const struct transcript *tr)
{
	struct pair		 p;
	struct msg_initiation	 mi;
	struct msg_response	 mr;
	struct noise_pending	 pend;
	struct noise_keys	 ki, kr;
	uint8_t			 k[32], psk[32], ei[32], er[32];
	uint8_t			 t[TAI64N_LEN], want[MSG_INITIATION_LEN];

	memset(&p, 0, sizeof(p));
	key32(k, tr_si);
	CHECK(noise_local_init(&p.il, k) == 0);
	key32(k, tr_sr);
	CHECK(noise_local_init(&p.rl, k) == 0);
	if (tr->psk != NULL)
		key32(psk, tr->psk);
	CHECK(noise_remote_init(&p.ir, &p.il, p.rl.pub,
	    tr->psk ? psk : NULL) == 0);
	CHECK(noise_remote_init(&p.ri, &p.rl, p.il.pub,
	    tr->psk ? psk : NULL) == 0);
	key32(ei, tr_ei);
	key32(er, tr_er);
	CHECK(t_unhex(t, sizeof(t), tr_ts) == sizeof(t));

	CHECK_INT(noise_create_initiation(&p.ir, &p.il, aead, 0x11223344, ei,
	    t, &mi), NOISE_OK);
	CHECK(t_unhex(want, sizeof(want), tr_init) == INIT_BODY);
	CHECK_MEM(&mi, want, INIT_BODY);
	CHECK_MEM(&mi.macs, zero_macs, sizeof(zero_macs));

	CHECK_INT(noise_open_initiation(&p.rl, aead, &mi, &pend), NOISE_OK);
	CHECK_MEM(pend.remote_static, p.il.pub, X25519_LEN);
	CHECK_INT(noise_accept_initiation(&p.ri, aead, &pend), NOISE_OK);
	CHECK_INT(noise_create_response(&p.ri, aead, 0xa1b2c3d4, er, &mr),
	    NOISE_OK);
	CHECK(t_unhex(want, sizeof(want), tr->resp) == RESP_BODY);
	CHECK_MEM(&mr, want, RESP_BODY);
	CHECK_MEM(&mr.macs, zero_macs, sizeof(zero_macs));

	CHECK_INT(noise_consume_response(&p.ir, &p.il, aead, &mr), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ir, &ki), NOISE_OK);
	CHECK_INT(noise_derive_keys(&p.ri, &kr), NOISE_OK);
	key32(k, tr->isend);
	CHECK_MEM(ki.send, k, 32);
	CHECK_MEM(kr.recv, k, 32);
	key32(k, tr->irecv);
	CHECK_MEM(ki.recv, k, 32);
	CHECK_MEM(kr.send, k, 32);
	CHECK_INT(ki.remote_index, 0xa1b2c3d4);
	CHECK_INT(kr.remote_index, 0x11223344);
}

static void
test_transcript_psk(void)
{
	transcript(&with_psk);
}

static void
test_transcript_nopsk(void)
{
	transcript(&without_psk);
}

int
main(void)
{
	if (crypto_init() == -1 || (aead = crypto_aead_new()) == NULL) {
		fprintf(stderr, "test_noise: crypto_init failed\n");
		return 1;
	}
	T_RUN(test_transcript_psk);
	T_RUN(test_transcript_nopsk);
	T_RUN(test_handshake_nopsk);
	T_RUN(test_handshake_psk);
	T_RUN(test_psk_mismatch);
	T_RUN(test_wrong_responder_key);
	T_RUN(test_wrong_peer);
	T_RUN(test_tampered_initiation);
	T_RUN(test_tampered_response);
	T_RUN(test_replay);
	T_RUN(test_response_index_and_state);
	T_RUN(test_reinitiate);
	T_RUN(test_crossed_initiations);
	T_RUN(test_low_order);
	T_RUN(test_derive_wipes);
	crypto_aead_free(aead);
	return t_done();
}
