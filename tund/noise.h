/*
 * The WireGuard handshake, Noise_IKpsk2 (whitepaper section 5.4), as a
 * state machine over message buffers:
 *
 *	initiator				responder
 *	noise_create_initiation  -- 148 -->	noise_open_initiation
 *						(caller finds the peer)
 *						noise_accept_initiation
 *	noise_consume_response   <-- 92 --	noise_create_response
 *	noise_derive_keys			noise_derive_keys
 *
 * No I/O, no clock, no randomness, no allocation and no locks: the caller
 * passes ephemeral keys, timestamps and indices in, and holds whatever
 * lock guards the struct noise_remote.  mac1 and mac2 are cookie.c's:
 * these functions leave a message's macs zeroed and never read them, and
 * the caller checks the type and reserved bytes.  The per-peer limit of
 * INITIATIONS_PER_SECOND needs a clock, so it is the caller's too: check it
 * before noise_accept_initiation and count only the ones that succeed.
 */
#ifndef TUND_NOISE_H
#define TUND_NOISE_H

#include <stdint.h>

#include "crypto.h"
#include "wire.h"

#define NOISE_PSK_LEN	32

/* Why a message was refused; the caller counts drops by reason. */
enum noise_result {
	NOISE_OK = 0,
	NOISE_ERR_CRYPTO,	/* a primitive failed (out of memory) */
	NOISE_ERR_KEY,		/* a low-order public key in the message */
	NOISE_ERR_DECRYPT,	/* a field failed authentication */
	NOISE_ERR_PEER,		/* the initiation is from another peer */
	NOISE_ERR_REPLAY,	/* timestamp not after the last accepted */
	NOISE_ERR_STATE,	/* no handshake in the state the call needs */
	NOISE_ERR_INDEX		/* the response is not for our index */
};

enum noise_state {
	NOISE_STATE_NONE = 0,
	NOISE_STATE_INIT_CREATED,
	NOISE_STATE_INIT_CONSUMED,
	NOISE_STATE_RESP_CREATED,
	NOISE_STATE_RESP_CONSUMED
};

struct noise_local {
	uint8_t		priv[X25519_LEN];
	uint8_t		pub[X25519_LEN];
};

/* A handshake in progress with one peer. */
struct noise_handshake {
	enum noise_state state;
	uint32_t	 local_index;
	uint32_t	 remote_index;
	uint8_t		 hash[BLAKE2S_LEN];
	uint8_t		 ck[BLAKE2S_LEN];	/* chaining key */
	uint8_t		 e_priv[X25519_LEN];	/* our ephemeral */
	uint8_t		 e_remote[X25519_LEN];	/* theirs */
};

struct noise_remote {
	uint8_t		 pub[X25519_LEN];
	uint8_t		 psk[NOISE_PSK_LEN];	/* zeros: none */
	uint8_t		 ss[X25519_LEN];	/* DH(our static, pub) */
	uint8_t		 timestamp[TAI64N_LEN];	/* greatest accepted */
	struct noise_handshake hs;
};

/* An initiation decrypted as far as the initiator's static key. */
struct noise_pending {
	uint8_t		 remote_static[X25519_LEN]; /* find the peer by it */
	uint8_t		 timestamp_enc[TAI64N_LEN + AEAD_TAG_LEN];
	struct noise_handshake hs;
};

/* Session keys from a completed handshake. */
struct noise_keys {
	uint8_t		 send[AEAD_KEY_LEN];
	uint8_t		 recv[AEAD_KEY_LEN];
	uint32_t	 local_index;
	uint32_t	 remote_index;
	int		 initiator;
};

/* Our identity from its private key; 0 or -1. */
int	noise_local_init(struct noise_local *, const uint8_t priv[X25519_LEN]);
/*
 * A peer with no handshake and no timestamp seen; psk NULL for none.
 * -1 for a low-order public key.
 */
int	noise_remote_init(struct noise_remote *, const struct noise_local *,
	    const uint8_t pub[X25519_LEN], const uint8_t *psk);
/* Our identity changed: the static-static DH again.  -1 for low order. */
int	noise_remote_rekey(struct noise_remote *, const struct noise_local *);
/* Forget the handshake in progress, if any, and wipe its secrets. */
void	noise_remote_clear(struct noise_remote *);

/*
 * Start a handshake: fill out up to its macs and replace any handshake in
 * progress (the caller retires that one's local index).
 */
enum noise_result noise_create_initiation(struct noise_remote *,
	    const struct noise_local *, struct crypto_aead *,
	    uint32_t local_index, const uint8_t e_priv[X25519_LEN],
	    const uint8_t timestamp[TAI64N_LEN], struct msg_initiation *out);
/*
 * Decrypt an initiation's static key into p, for the caller to look the
 * peer up by p->remote_static.  A caller that drops p wipes it.
 */
enum noise_result noise_open_initiation(const struct noise_local *,
	    struct crypto_aead *, const struct msg_initiation *,
	    struct noise_pending *p);
/*
 * Finish an initiation for the peer found: check its timestamp and make it
 * the handshake in progress, replacing any other (the caller retires that
 * one's local index).  p is wiped whatever the outcome; on failure the
 * remote is unchanged.
 */
enum noise_result noise_accept_initiation(struct noise_remote *,
	    struct crypto_aead *, struct noise_pending *p);
/* Answer the accepted initiation. */
enum noise_result noise_create_response(struct noise_remote *,
	    struct crypto_aead *, uint32_t local_index,
	    const uint8_t e_priv[X25519_LEN], struct msg_response *out);
/*
 * A response to the initiation in progress, for the remote found by the
 * message's receiver index.  On failure the remote is unchanged.
 */
enum noise_result noise_consume_response(struct noise_remote *,
	    const struct noise_local *, struct crypto_aead *,
	    const struct msg_response *);
/*
 * After a response was created or consumed: the session keys, then the
 * handshake is cleared.
 */
enum noise_result noise_derive_keys(struct noise_remote *,
	    struct noise_keys *);

#endif
