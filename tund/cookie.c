/*
 * mac1, mac2 and cookie replies, both ends; see cookie.h.  Handshake
 * messages are rare next to data, so each call may take a lock and
 * the library may allocate inside crypto_mac.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cookie.h"
#include "crypto.h"
#include "wire.h"

#define MSEC(s)		((uint64_t)(s) * 1000)
#define SENDER_OFF	offsetof(struct msg_initiation, sender)

/* The reply reads the sender index at one offset for both message kinds. */
_Static_assert(offsetof(struct msg_response, sender) == SENDER_OFF, "sender");
_Static_assert(BLAKE2S_LEN == AEAD_KEY_LEN, "cookie key is a hash");

/* HASH(LABEL_MAC1 || pub) and HASH(LABEL_COOKIE || pub). */
static int
derive_keys(uint8_t mac1_key[BLAKE2S_LEN], uint8_t cookie_key[AEAD_KEY_LEN],
    const uint8_t pub[X25519_LEN])
{
	if (crypto_hash2(mac1_key, LABEL_MAC1, strlen(LABEL_MAC1), pub,
	    X25519_LEN) == -1 ||
	    crypto_hash2(cookie_key, LABEL_COOKIE, strlen(LABEL_COOKIE), pub,
	    X25519_LEN) == -1)
		return -1;
	return 0;
}

/* The macs end every handshake message. */
static const struct msg_macs *
macs_of(const void *msg, size_t len)
{
	return (const struct msg_macs *)((const uint8_t *)msg + len -
	    sizeof(struct msg_macs));
}

/* mac1 covers the message up to mac1. */
static int
mac1(uint8_t out[BLAKE2S_MAC_LEN], const uint8_t key[BLAKE2S_LEN],
    const void *msg, size_t len)
{
	return crypto_mac(out, key, BLAKE2S_LEN, msg,
	    len - sizeof(struct msg_macs));
}

/* mac2 covers the message up to mac2, mac1 included. */
static int
mac2(uint8_t out[BLAKE2S_MAC_LEN], const uint8_t cookie[BLAKE2S_MAC_LEN],
    const void *msg, size_t len)
{
	return crypto_mac(out, cookie, BLAKE2S_MAC_LEN, msg,
	    len - sizeof(struct msg_macs) + offsetof(struct msg_macs, mac2));
}

/*
 * More than age ms since born.  A now behind born is not late: threads
 * read the clock at different moments, and one may store a later time
 * than another then passes in.
 */
static int
expired(uint64_t born, uint64_t age, uint64_t now)
{
	return now > born && now - born > age;
}

int
cookie_checker_init(struct cookie_checker *c, const uint8_t pub[X25519_LEN])
{
	memset(c, 0, sizeof(*c));
	if (derive_keys(c->mac1_key, c->cookie_key, pub) == -1 ||
	    pthread_rwlock_init(&c->lock, NULL) != 0)
		return -1;
	return 0;
}

int
cookie_checker_rekey(struct cookie_checker *c, const uint8_t pub[X25519_LEN])
{
	return derive_keys(c->mac1_key, c->cookie_key, pub);
}

void
cookie_checker_free(struct cookie_checker *c)
{
	pthread_rwlock_destroy(&c->lock);
	crypto_wipe(c, sizeof(*c));
}

/* Called with the lock held, for reading or writing. */
static int
stale(const struct cookie_checker *c, uint64_t now)
{
	return !c->secret_set ||
	    expired(c->secret_born, MSEC(COOKIE_SECRET_MAX_AGE), now);
}

static void
renew(struct cookie_checker *c, uint64_t now)
{
	pthread_rwlock_wrlock(&c->lock);
	/* Another thread may have renewed it since we looked. */
	if (stale(c, now)) {
		crypto_random(c->secret, sizeof(c->secret));
		c->secret_born = now;
		c->secret_set = 1;
	}
	pthread_rwlock_unlock(&c->lock);
}

/* MAC(secret, address || be16 port), renewing a stale secret first. */
static int
make_cookie(struct cookie_checker *c, uint8_t out[BLAKE2S_MAC_LEN], int af,
    const uint8_t *addr, uint16_t port, uint64_t now)
{
	uint8_t	 src[16 + 2];
	size_t	 alen;
	int	 rv;

	/* Another family never reaches here; it would bind the port alone. */
	alen = af == AF_INET6 ? 16 : af == AF_INET ? 4 : 0;
	memcpy(src, addr, alen);
	src[alen] = port >> 8;
	src[alen + 1] = port & 0xff;

	pthread_rwlock_rdlock(&c->lock);
	if (stale(c, now)) {
		pthread_rwlock_unlock(&c->lock);
		renew(c, now);
		pthread_rwlock_rdlock(&c->lock);
	}
	rv = crypto_mac(out, c->secret, sizeof(c->secret), src, alen + 2);
	pthread_rwlock_unlock(&c->lock);
	return rv;
}

enum cookie_result
cookie_checker_validate(struct cookie_checker *c, const void *msg, size_t len,
    int af, const uint8_t *addr, uint16_t port, int under_load, uint64_t now)
{
	const struct msg_macs	*m;
	uint8_t			 mac[BLAKE2S_MAC_LEN], cookie[BLAKE2S_MAC_LEN];

	if (len < MSG_RESPONSE_LEN)
		return COOKIE_INVALID_MAC1;
	m = macs_of(msg, len);
	if (mac1(mac, c->mac1_key, msg, len) == -1 ||
	    !crypto_equal(mac, m->mac1, sizeof(mac)))
		return COOKIE_INVALID_MAC1;
	if (!under_load)
		return COOKIE_VALID_MAC1;
	if (make_cookie(c, cookie, af, addr, port, now) == -1 ||
	    mac2(mac, cookie, msg, len) == -1 ||
	    !crypto_equal(mac, m->mac2, sizeof(mac)))
		return COOKIE_NEED_COOKIE;
	return COOKIE_VALID_MAC2;
}

int
cookie_checker_reply(struct cookie_checker *c, struct crypto_aead *aead,
    const void *msg, size_t len, int af, const uint8_t *addr, uint16_t port,
    uint64_t now, struct msg_cookie *out)
{
	uint8_t	 cookie[BLAKE2S_MAC_LEN];

	if (len < MSG_RESPONSE_LEN ||
	    make_cookie(c, cookie, af, addr, port, now) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = MSG_COOKIE;
	memcpy(out->receiver, (const uint8_t *)msg + SENDER_OFF,
	    sizeof(out->receiver));
	crypto_random(out->nonce, sizeof(out->nonce));
	/* Sealed to the message's mac1, so only its sender can use it. */
	return crypto_xaead_seal(aead, out->cookie_enc, c->cookie_key,
	    out->nonce, macs_of(msg, len)->mac1, BLAKE2S_MAC_LEN, cookie,
	    sizeof(cookie));
}

int
cookie_maker_init(struct cookie_maker *k, const uint8_t pub[X25519_LEN])
{
	memset(k, 0, sizeof(*k));
	if (derive_keys(k->mac1_key, k->cookie_key, pub) == -1 ||
	    pthread_mutex_init(&k->lock, NULL) != 0)
		return -1;
	return 0;
}

void
cookie_maker_free(struct cookie_maker *k)
{
	pthread_mutex_destroy(&k->lock);
	crypto_wipe(k, sizeof(*k));
}

int
cookie_maker_macs(struct cookie_maker *k, void *msg, size_t len, uint64_t now)
{
	struct msg_macs	*m;
	int		 rv = -1;

	if (len < MSG_RESPONSE_LEN)
		return -1;
	m = (struct msg_macs *)((uint8_t *)msg + len - sizeof(*m));
	pthread_mutex_lock(&k->lock);
	if (mac1(m->mac1, k->mac1_key, msg, len) == -1)
		goto out;
	/* A cookie reply to this message must be sealed to this mac1. */
	memcpy(k->last_mac1, m->mac1, sizeof(k->last_mac1));
	k->mac1_sent = 1;
	/* Stop short of the secret's age, so a cookie in flight still works. */
	if (k->cookie_set && !expired(k->cookie_born,
	    MSEC(COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY), now))
		rv = mac2(m->mac2, k->cookie, msg, len);
	else {
		memset(m->mac2, 0, sizeof(m->mac2));
		rv = 0;
	}
 out:
	pthread_mutex_unlock(&k->lock);
	return rv;
}

int
cookie_maker_consume(struct cookie_maker *k, struct crypto_aead *aead,
    const struct msg_cookie *msg, uint64_t now)
{
	uint8_t	 cookie[BLAKE2S_MAC_LEN];
	int	 rv = -1;

	pthread_mutex_lock(&k->lock);
	if (k->mac1_sent && crypto_xaead_open(aead, cookie, k->cookie_key,
	    msg->nonce, k->last_mac1, sizeof(k->last_mac1), msg->cookie_enc,
	    sizeof(msg->cookie_enc)) == 0) {
		memcpy(k->cookie, cookie, sizeof(k->cookie));
		k->cookie_born = now;
		k->cookie_set = 1;
		/* One cookie per message sent: a replayed reply is refused. */
		k->mac1_sent = 0;
		rv = 0;
	}
	pthread_mutex_unlock(&k->lock);
	crypto_wipe(cookie, sizeof(cookie));
	return rv;
}
