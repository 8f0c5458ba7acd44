/*
 * WireGuard's denial-of-service cookies (whitepaper 5.3, 5.4.4, 5.4.7).
 *
 * Every handshake message ends in struct msg_macs.  mac1 is keyed by
 * HASH(LABEL_MAC1 || receiver's public key) and covers the message up to
 * mac1: a sender must know whom it talks to.  mac2 is keyed by a cookie
 * and covers the message up to mac2.  The responder makes the cookie
 * from a secret it rotates every COOKIE_SECRET_MAX_AGE seconds and from
 * the datagram's source address and port, so a cookie proves that the
 * sender receives at that address.  Under load the responder answers a
 * message without a valid mac2 with a cookie reply, the cookie sealed
 * with XChaCha20-Poly1305 under HASH(LABEL_COOKIE || its public key) and
 * bound to the message by taking its mac1 as additional data.
 *
 * A checker checks what arrives for us (one per interface) and answers
 * with cookie replies; a maker fills the macs of what we send to one peer
 * and takes the cookies that peer sends back (one per peer).  The module
 * is pure: times are monotonic milliseconds from the caller, addresses
 * are raw bytes.
 *
 * A source is an address family (AF_INET or AF_INET6), the 4 or 16
 * address bytes in network order and the UDP port in host order.  The
 * cookie is MAC(secret, address bytes || port as big-endian 16 bits), the
 * Linux module's encoding (wireguard-go puts the port little-endian):
 * only the checker ever reads it, so peers need not agree.
 *
 * Threads: the checker may be used from any number of threads at once;
 * its keys are fixed at init, and the secret sits behind a read-write
 * lock that the thread which finds it stale takes for writing to renew
 * it.  A maker may likewise be used from several threads: its state sits
 * behind a mutex.  Each thread passes its own struct crypto_aead.
 */
#ifndef TUND_COOKIE_H
#define TUND_COOKIE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

enum cookie_result {
	COOKIE_INVALID_MAC1,	/* drop */
	COOKIE_VALID_MAC1,	/* not under load: process */
	COOKIE_VALID_MAC2,	/* under load, good cookie: rate limit */
	COOKIE_NEED_COOKIE	/* under load, no good mac2: send a reply */
};

struct cookie_checker {
	uint8_t			mac1_key[BLAKE2S_LEN];
	uint8_t			cookie_key[AEAD_KEY_LEN];
	pthread_rwlock_t	lock;		/* protects the three below */
	uint8_t			secret[BLAKE2S_LEN];
	uint64_t		secret_born;
	int			secret_set;
};

struct cookie_maker {
	uint8_t			mac1_key[BLAKE2S_LEN];
	uint8_t			cookie_key[AEAD_KEY_LEN];
	pthread_mutex_t		lock;		/* protects the rest */
	uint8_t			cookie[BLAKE2S_MAC_LEN];
	uint64_t		cookie_born;
	int			cookie_set;
	uint8_t			last_mac1[BLAKE2S_MAC_LEN];
	int			mac1_sent;	/* and no cookie taken for it */
};

/* Keys from our public key; the secret is made on first use. */
int	cookie_checker_init(struct cookie_checker *,
	    const uint8_t pub[X25519_LEN]);
/* A new public key of ours: its keys, on the thread that checks. */
int	cookie_checker_rekey(struct cookie_checker *,
	    const uint8_t pub[X25519_LEN]);
void	cookie_checker_free(struct cookie_checker *);
/*
 * Check the macs of a handshake message (initiation or response) of len
 * bytes, as received from the source.  mac2 is looked at only under load;
 * a caller that gets COOKIE_VALID_MAC2 applies the per-source rate limit
 * (ratelimit.h) before spending a Diffie-Hellman on the message.
 */
enum cookie_result cookie_checker_validate(struct cookie_checker *,
	    const void *msg, size_t len, int af, const uint8_t *addr,
	    uint16_t port, int under_load, uint64_t now);
/*
 * The cookie reply to a handshake message of len bytes that got
 * COOKIE_NEED_COOKIE: addressed to the message's sender index, under a
 * fresh random nonce.  0, or -1 when the library fails.
 */
int	cookie_checker_reply(struct cookie_checker *, struct crypto_aead *,
	    const void *msg, size_t len, int af, const uint8_t *addr,
	    uint16_t port, uint64_t now, struct msg_cookie *out);

/* Keys from the peer's public key; no cookie yet. */
int	cookie_maker_init(struct cookie_maker *, const uint8_t pub[X25519_LEN]);
void	cookie_maker_free(struct cookie_maker *);
/*
 * Fill mac1 and mac2 of an outgoing handshake message of len bytes; mac2
 * is zero unless a cookie younger than COOKIE_SECRET_MAX_AGE -
 * COOKIE_SECRET_LATENCY seconds is held.  0, or -1 when the library fails.
 */
int	cookie_maker_macs(struct cookie_maker *, void *msg, size_t len,
	    uint64_t now);
/*
 * Take the cookie from a reply to the last message sent (the caller has
 * matched its receiver index to this peer).  -1, and nothing changes,
 * when no message awaits a cookie or the reply does not authenticate
 * with that message's mac1.
 */
int	cookie_maker_consume(struct cookie_maker *, struct crypto_aead *,
	    const struct msg_cookie *, uint64_t now);

#endif
