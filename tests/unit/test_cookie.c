/*
 * mac1, mac2 and cookie replies (tund/cookie.c) with a fake clock: a
 * maker and a checker built from the same public key talk to each other.
 * Vectors marked "python3" were computed with hashlib.blake2s and
 * hard-coded.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cookie.h"
#include "crypto.h"
#include "wire.h"
#include "t.h"

#define SEC	1000ULL		/* the clock counts milliseconds */
#define T0	(1000 * SEC)	/* an arbitrary start */

static struct crypto_aead *aead;

static const uint8_t v4[4] = { 198, 18, 0, 1 };
static const uint8_t v4b[4] = { 198, 18, 0, 2 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint16_t port = 51820;

/* The public key 0xa0, 0xa1, ... 0xbf of the python3 vectors. */
static void
test_pub(uint8_t pub[X25519_LEN])
{
	int	 i;

	for (i = 0; i < X25519_LEN; i++)
		pub[i] = 0xa0 + i;
}

/* A handshake message of len bytes: i * 7 + 3, macs to be filled. */
static void
fill_msg(uint8_t *msg, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
}

static struct msg_macs *
macs(uint8_t *msg, size_t len)
{
	return (struct msg_macs *)(msg + len - sizeof(struct msg_macs));
}

static int
is_zero(const uint8_t *p, size_t len)
{
	while (len-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

/* A checker and a maker for the same key: our side and the peer's. */
struct pair {
	struct cookie_checker	c;
	struct cookie_maker	m;
	uint8_t			msg[MSG_INITIATION_LEN];
};

static int
pair_init(struct pair *p)
{
	uint8_t	 pub[X25519_LEN];

	test_pub(pub);
	fill_msg(p->msg, sizeof(p->msg));
	if (cookie_checker_init(&p->c, pub) == -1)
		return -1;
	if (cookie_maker_init(&p->m, pub) == -1) {
		cookie_checker_free(&p->c);
		return -1;
	}
	return 0;
}

static void
pair_free(struct pair *p)
{
	cookie_maker_free(&p->m);
	cookie_checker_free(&p->c);
}

static enum cookie_result
check(struct pair *p, const uint8_t *addr, int under_load, uint64_t now)
{
	int	 af = addr == v6 ? AF_INET6 : AF_INET;

	return cookie_checker_validate(&p->c, p->msg, sizeof(p->msg), af, addr,
	    port, under_load, now);
}

/*
 * The whole exchange: the peer sends p->msg from v4 at now, we answer
 * with a cookie reply, the peer takes it and sends p->msg again.
 */
static int
get_cookie(struct pair *p, uint64_t now)
{
	struct msg_cookie	 reply;

	if (cookie_maker_macs(&p->m, p->msg, sizeof(p->msg), now) == -1 ||
	    cookie_checker_reply(&p->c, aead, p->msg, sizeof(p->msg), AF_INET,
	    v4, port, now, &reply) == -1 ||
	    cookie_maker_consume(&p->m, aead, &reply, now) == -1)
		return -1;
	return cookie_maker_macs(&p->m, p->msg, sizeof(p->msg), now);
}

/* python3: the macs of both message sizes, mac2 with a known cookie. */
static void
macs_known_answer(void)
{
	static const struct {
		size_t		 len;
		const char	*mac1, *mac2;
	} kat[] = {
		{ MSG_INITIATION_LEN, "417270d242ba713e37759dec69099d24",
		    "cd1827c04ab2edfc415938ae9e9d6522" },
		{ MSG_RESPONSE_LEN, "8ff619512e98294c2380b97ba515858d",
		    "383b27dbb6ba7e233e2985eb7496e4e1" },
	};
	struct cookie_maker	 m;
	struct msg_cookie	 reply;
	uint8_t			 pub[X25519_LEN], msg[MSG_INITIATION_LEN];
	uint8_t			 key[AEAD_KEY_LEN], cookie[BLAKE2S_MAC_LEN];
	uint8_t			 want[BLAKE2S_MAC_LEN];
	size_t			 i, len;
	int			 rv;

	test_pub(pub);
	t_unhex(key, sizeof(key), "a3328bad1c4b1564e407bb9003a714e4"
	    "2236d2589839ba4d3e874caedc70d5e3");	/* python3 */
	for (i = 0; i < sizeof(cookie); i++)
		cookie[i] = 0x30 + i;
	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		len = kat[i].len;
		CHECK(cookie_maker_init(&m, pub) == 0);
		fill_msg(msg, len);
		rv = cookie_maker_macs(&m, msg, len, T0);
		t_unhex(want, sizeof(want), kat[i].mac1);
		if (rv != 0 || memcmp(macs(msg, len)->mac1, want, 16) != 0 ||
		    !is_zero(macs(msg, len)->mac2, 16)) {
			cookie_maker_free(&m);
			CHECK(!"mac1 differs from python3's");
		}
		/* A reply sealed by hand to the known cookie key. */
		memset(&reply, 0, sizeof(reply));
		reply.type = MSG_COOKIE;
		CHECK(crypto_xaead_seal(aead, reply.cookie_enc, key,
		    reply.nonce, want, sizeof(want), cookie,
		    sizeof(cookie)) == 0);
		rv = cookie_maker_consume(&m, aead, &reply, T0) |
		    cookie_maker_macs(&m, msg, len, T0);
		cookie_maker_free(&m);
		CHECK_INT(rv, 0);
		t_unhex(want, sizeof(want), kat[i].mac2);
		CHECK_MEM(macs(msg, len)->mac2, want, sizeof(want));
	}
}

static void
mac1_valid(void)
{
	struct pair	 p;
	int		 r;

	CHECK(pair_init(&p) == 0);
	r = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	if (r == 0)
		r = check(&p, v4, 0, T0);
	pair_free(&p);
	CHECK_INT(r, COOKIE_VALID_MAC1);
}

/*
 * Flipping any byte before mac2 breaks mac1; not under load, mac2 is not
 * looked at, so flipping it changes nothing.
 */
static void
mac1_tampered(void)
{
	struct pair	 p;
	size_t		 i, macs_at = MSG_INITIATION_LEN - 32;
	int		 want, r, bad = -1, badr = 0;

	CHECK(pair_init(&p) == 0);
	if (cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0) == -1) {
		pair_free(&p);
		CHECK(!"macs");
	}
	for (i = 0; i < sizeof(p.msg); i++) {
		want = i < macs_at + 16 ? COOKIE_INVALID_MAC1 :
		    COOKIE_VALID_MAC1;
		p.msg[i] ^= 0x01;
		if ((r = check(&p, v4, 0, T0)) != want && bad == -1) {
			bad = (int)i;
			badr = r;
		}
		p.msg[i] ^= 0x01;
	}
	pair_free(&p);
	if (bad != -1)
		t_fail(__FILE__, __LINE__, "byte %d flipped: result %d", bad,
		    badr);
}

/* A message for someone else, and ones too short to hold macs. */
static void
mac1_wrong_key_or_short(void)
{
	struct pair		 p;
	struct cookie_checker	 other;
	uint8_t			 pub[X25519_LEN];
	int			 r1, r2, r3;

	memset(pub, 0x42, sizeof(pub));
	CHECK(pair_init(&p) == 0);
	if (cookie_checker_init(&other, pub) == -1) {
		pair_free(&p);
		CHECK(!"init");
	}
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	r1 = cookie_checker_validate(&other, p.msg, sizeof(p.msg), AF_INET,
	    v4, port, 0, T0);
	r2 = cookie_checker_validate(&p.c, p.msg, MSG_RESPONSE_LEN - 1,
	    AF_INET, v4, port, 0, T0);
	r3 = cookie_checker_validate(&p.c, p.msg, 0, AF_INET, v4, port, 1,
	    T0);
	cookie_checker_free(&other);
	pair_free(&p);
	CHECK_INT(r1, COOKIE_INVALID_MAC1);
	CHECK_INT(r2, COOKIE_INVALID_MAC1);
	CHECK_INT(r3, COOKIE_INVALID_MAC1);
}

/* Under load, a message without mac2 or with a forged one needs a cookie. */
static void
under_load_needs_cookie(void)
{
	struct pair	 p;
	int		 r1, r2, r3;

	CHECK(pair_init(&p) == 0);
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	r1 = check(&p, v4, 1, T0);
	memset(macs(p.msg, sizeof(p.msg))->mac2, 0x5a, 16);
	r2 = check(&p, v4, 1, T0);
	p.msg[0] ^= 1;		/* and a bad mac1 is still just bad */
	r3 = check(&p, v4, 1, T0);
	pair_free(&p);
	CHECK_INT(r1, COOKIE_NEED_COOKIE);
	CHECK_INT(r2, COOKIE_NEED_COOKIE);
	CHECK_INT(r3, COOKIE_INVALID_MAC1);
}

/* Reply, consume, resend: the second message passes under load. */
static void
cookie_roundtrip(void)
{
	struct pair		 p;
	struct msg_cookie	 reply;
	int			 r1, r2, r3, rv;

	CHECK(pair_init(&p) == 0);
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	r1 = check(&p, v4, 1, T0);
	rv = cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg), AF_INET,
	    v4, port, T0, &reply);
	if (rv == 0)
		rv = cookie_maker_consume(&p.m, aead, &reply, T0 + 10);
	if (rv == 0)
		rv = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0 + 20);
	r2 = check(&p, v4, 1, T0 + 30);
	r3 = check(&p, v4, 0, T0 + 30);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK_INT(r1, COOKIE_NEED_COOKIE);
	CHECK_INT(r2, COOKIE_VALID_MAC2);
	CHECK_INT(r3, COOKIE_VALID_MAC1);
	/* The reply goes to the message's sender index, bytes 4 to 7. */
	CHECK_INT(reply.type, MSG_COOKIE);
	CHECK(is_zero(reply.reserved, sizeof(reply.reserved)));
	CHECK_MEM(reply.receiver, p.msg + 4, 4);
	CHECK(!is_zero(reply.nonce, sizeof(reply.nonce)));
}

/* Two replies to the same message carry different nonces. */
static void
reply_nonce_fresh(void)
{
	struct pair		 p;
	struct msg_cookie	 a, b;
	int			 rv;

	CHECK(pair_init(&p) == 0);
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	rv = cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg), AF_INET,
	    v4, port, T0, &a) | cookie_checker_reply(&p.c, aead, p.msg,
	    sizeof(p.msg), AF_INET, v4, port, T0, &b);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK(memcmp(a.nonce, b.nonce, sizeof(a.nonce)) != 0);
	CHECK(memcmp(a.cookie_enc, b.cookie_enc, sizeof(a.cookie_enc)) != 0);
}

/* The cookie is good from its source address and port only. */
static void
cookie_bound_to_source(void)
{
	struct pair	 p;
	uint8_t		 v4_in_v6[16] = { 198, 18, 0, 1 };
	int		 r[6];

	CHECK(pair_init(&p) == 0);
	if (get_cookie(&p, T0) == -1) {
		pair_free(&p);
		CHECK(!"get_cookie");
	}
	r[0] = check(&p, v4, 1, T0);
	r[1] = check(&p, v4b, 1, T0);
	r[2] = check(&p, v6, 1, T0);
	r[3] = cookie_checker_validate(&p.c, p.msg, sizeof(p.msg), AF_INET,
	    v4, port + 1, 1, T0);
	r[4] = cookie_checker_validate(&p.c, p.msg, sizeof(p.msg), AF_INET,
	    v4, (uint16_t)(port >> 8 | port << 8), 1, T0);
	r[5] = cookie_checker_validate(&p.c, p.msg, sizeof(p.msg), AF_INET6,
	    v4_in_v6, port, 1, T0);
	pair_free(&p);
	CHECK_INT(r[0], COOKIE_VALID_MAC2);
	CHECK_INT(r[1], COOKIE_NEED_COOKIE);
	CHECK_INT(r[2], COOKIE_NEED_COOKIE);
	CHECK_INT(r[3], COOKIE_NEED_COOKIE);
	CHECK_INT(r[4], COOKIE_NEED_COOKIE);
	CHECK_INT(r[5], COOKIE_NEED_COOKIE);
}

/* An IPv6 source gets and uses a cookie the same way. */
static void
cookie_ipv6(void)
{
	struct pair		 p;
	struct msg_cookie	 reply;
	int			 rv, r;

	CHECK(pair_init(&p) == 0);
	rv = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	if (rv == 0)
		rv = cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg),
		    AF_INET6, v6, port, T0, &reply);
	if (rv == 0)
		rv = cookie_maker_consume(&p.m, aead, &reply, T0);
	if (rv == 0)
		rv = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	r = check(&p, v6, 1, T0);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK_INT(r, COOKIE_VALID_MAC2);
}

/*
 * The secret made at T0 lives COOKIE_SECRET_MAX_AGE seconds: a cookie
 * taken later, still fresh on the peer's side, dies with it.
 */
static void
secret_rotation(void)
{
	struct pair		 p;
	struct msg_cookie	 reply;
	uint64_t		 age = COOKIE_SECRET_MAX_AGE * SEC, late;
	int			 rv, r[4];

	CHECK(pair_init(&p) == 0);
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	/* The first reply, at T0, makes the secret. */
	rv = cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg), AF_INET,
	    v4, port, T0, &reply);
	/* The peer's cookie, from a reply 100 s later, same secret. */
	late = T0 + 100 * SEC;
	if (rv == 0)
		rv = get_cookie(&p, late);
	r[0] = check(&p, v4, 1, T0 + age);
	if (rv == 0)	/* mac2 is still sent: the cookie is 20 s old */
		rv = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg),
		    T0 + age + 1);
	r[1] = check(&p, v4, 1, T0 + age + 1);
	r[2] = check(&p, v4, 1, T0 + age + 2);
	/* A cookie from the new secret works again. */
	if (rv == 0)
		rv = get_cookie(&p, T0 + age + 3);
	r[3] = check(&p, v4, 1, T0 + age + 3);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK_INT(r[0], COOKIE_VALID_MAC2);
	CHECK_INT(r[1], COOKIE_NEED_COOKIE);
	CHECK_INT(r[2], COOKIE_NEED_COOKIE);
	CHECK_INT(r[3], COOKIE_VALID_MAC2);
}

/* A time behind the secret's birth, from another thread, renews nothing. */
static void
secret_lagging_clock(void)
{
	struct pair	 p;
	int		 r;

	CHECK(pair_init(&p) == 0);
	if (get_cookie(&p, T0) == -1) {
		pair_free(&p);
		CHECK(!"get_cookie");
	}
	r = check(&p, v4, 1, T0 - 5);
	pair_free(&p);
	CHECK_INT(r, COOKIE_VALID_MAC2);
}

/* The maker drops a cookie COOKIE_SECRET_LATENCY s before its secret may. */
static void
maker_cookie_expiry(void)
{
	struct pair	 p;
	uint64_t	 life;
	uint8_t		 *mac2 = macs(p.msg, sizeof(p.msg))->mac2;
	int		 rv, zero[2];

	life = (COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY) * SEC;
	CHECK(pair_init(&p) == 0);
	rv = get_cookie(&p, T0);
	if (rv == 0)
		rv = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0 + life);
	zero[0] = is_zero(mac2, 16);
	if (rv == 0)
		rv = cookie_maker_macs(&p.m, p.msg, sizeof(p.msg),
		    T0 + life + 1);
	zero[1] = is_zero(mac2, 16);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK_INT(zero[0], 0);
	CHECK_INT(zero[1], 1);
}

/* A reply sealed to another message's mac1 does not open. */
static void
reply_wrong_aad(void)
{
	struct pair		 p;
	struct msg_cookie	 reply;
	uint8_t			 other[MSG_INITIATION_LEN];
	int			 rv, zero;

	CHECK(pair_init(&p) == 0);
	memcpy(other, p.msg, sizeof(other));
	other[8] ^= 0xff;
	cookie_maker_macs(&p.m, other, sizeof(other), T0);
	rv = cookie_checker_reply(&p.c, aead, other, sizeof(other), AF_INET,
	    v4, port, T0, &reply);
	/* The peer has since sent p.msg: the reply is for the older one. */
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	if (rv == 0)
		rv = cookie_maker_consume(&p.m, aead, &reply, T0) == -1 ? 0 : 1;
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	zero = is_zero(macs(p.msg, sizeof(p.msg))->mac2, 16);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK_INT(zero, 1);
}

/* Any flipped bit of nonce or sealed cookie is refused, and changes nothing. */
static void
reply_tampered(void)
{
	struct pair		 p;
	struct msg_cookie	 reply;
	uint8_t			*b = (uint8_t *)&reply;
	size_t			 i, from = offsetof(struct msg_cookie, nonce);
	size_t			 bad = 0;
	int			 rv;

	CHECK(pair_init(&p) == 0);
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	rv = cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg), AF_INET,
	    v4, port, T0, &reply);
	for (i = from; rv == 0 && i < sizeof(reply); i++) {
		b[i] ^= 0x80;
		if (cookie_maker_consume(&p.m, aead, &reply, T0) == 0)
			bad++;
		b[i] ^= 0x80;
	}
	/* The untouched reply still opens afterwards. */
	if (rv == 0)
		rv = cookie_maker_consume(&p.m, aead, &reply, T0);
	pair_free(&p);
	CHECK_INT(rv, 0);
	CHECK_INT(bad, 0);
}

/*
 * A cookie is taken once per message sent, never before one was sent,
 * and never from a reply sealed under another responder's key.
 */
static void
reply_unsolicited(void)
{
	struct pair		 p;
	struct cookie_checker	 other;
	struct msg_cookie	 reply, forged;
	uint8_t			 pub[X25519_LEN];
	int			 r[5];

	memset(pub, 0x42, sizeof(pub));
	CHECK(pair_init(&p) == 0);
	if (cookie_checker_init(&other, pub) == -1) {
		pair_free(&p);
		CHECK(!"init");
	}
	/* A reply before the maker sent anything. */
	cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg), AF_INET, v4,
	    port, T0, &reply);
	r[0] = cookie_maker_consume(&p.m, aead, &reply, T0);
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	cookie_checker_reply(&p.c, aead, p.msg, sizeof(p.msg), AF_INET, v4,
	    port, T0, &reply);
	cookie_checker_reply(&other, aead, p.msg, sizeof(p.msg), AF_INET, v4,
	    port, T0, &forged);
	r[1] = cookie_maker_consume(&p.m, aead, &forged, T0);
	r[2] = cookie_maker_consume(&p.m, aead, &reply, T0);
	r[3] = cookie_maker_consume(&p.m, aead, &reply, T0);	/* replayed */
	cookie_maker_macs(&p.m, p.msg, sizeof(p.msg), T0);
	r[4] = cookie_maker_consume(&p.m, aead, &reply, T0);
	cookie_checker_free(&other);
	pair_free(&p);
	CHECK_INT(r[0], -1);
	CHECK_INT(r[1], -1);
	CHECK_INT(r[2], 0);
	CHECK_INT(r[3], -1);
	/* A resend of the same bytes has the same mac1: the reply fits it. */
	CHECK_INT(r[4], 0);
}

/*
 * Several threads validate under load while the clock crosses secret
 * lifetimes; each gets an answer and none deadlocks (run under
 * SANITIZE=thread to look for races).
 */
#define NTHREADS	4
#define ROUNDS		300

static void *
hammer(void *arg)
{
	struct pair		*p = arg;
	struct crypto_aead	*a;
	struct msg_cookie	 reply;
	uint64_t		 now;
	int			 i, r;
	long			 bad = 0;

	if ((a = crypto_aead_new()) == NULL)
		return (void *)1;
	for (i = 0; i < ROUNDS; i++) {
		now = T0 + (uint64_t)i * 2 * SEC;
		r = cookie_checker_validate(&p->c, p->msg, sizeof(p->msg),
		    AF_INET, v4, port, 1, now);
		if (r != COOKIE_NEED_COOKIE && r != COOKIE_VALID_MAC2)
			bad++;
		if (cookie_checker_reply(&p->c, a, p->msg, sizeof(p->msg),
		    AF_INET, v4, port, now, &reply) == -1)
			bad++;
	}
	crypto_aead_free(a);
	return (void *)bad;
}

static void
threads_share_checker(void)
{
	struct pair	 p;
	pthread_t	 th[NTHREADS];
	void		*rv;
	long		 bad = 0;
	int		 i, n;

	CHECK(pair_init(&p) == 0);
	get_cookie(&p, T0);
	for (n = 0; n < NTHREADS; n++)
		if (pthread_create(&th[n], NULL, hammer, &p) != 0)
			break;
	for (i = 0; i < n; i++) {
		pthread_join(th[i], &rv);
		bad += (long)rv;
	}
	pair_free(&p);
	CHECK_INT(n, NTHREADS);
	CHECK_INT(bad, 0);
}

int
main(void)
{
	if (crypto_init() == -1 || (aead = crypto_aead_new()) == NULL) {
		printf("FAIL crypto_init: OpenSSL lacks an algorithm\n");
		return 1;
	}
	T_RUN(macs_known_answer);
	T_RUN(mac1_valid);
	T_RUN(mac1_tampered);
	T_RUN(mac1_wrong_key_or_short);
	T_RUN(under_load_needs_cookie);
	T_RUN(cookie_roundtrip);
	T_RUN(reply_nonce_fresh);
	T_RUN(cookie_bound_to_source);
	T_RUN(cookie_ipv6);
	T_RUN(secret_rotation);
	T_RUN(secret_lagging_clock);
	T_RUN(maker_cookie_expiry);
	T_RUN(reply_wrong_aad);
	T_RUN(reply_tampered);
	T_RUN(reply_unsolicited);
	T_RUN(threads_share_checker);
	crypto_aead_free(aead);
	return t_done();
}
