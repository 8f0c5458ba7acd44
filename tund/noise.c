/*
 * The WireGuard handshake: Noise_IKpsk2 with the whitepaper's message
 * layout (section 5.4).
 *
 *	<- s
 *	...
 *	-> e, es, s, ss, {t}
 *	<- e, ee, se, psk, {}
 *
 * The helpers are Noise's MixHash, MixKey and (En|De)cryptAndHash over a
 * struct noise_handshake.  Each message is worked out on a copy of the
 * handshake that is stored in the remote only once the whole message has
 * checked out, so a forged or stale message changes nothing.  Secrets on
 * the stack are wiped on every path.
 */
#include <string.h>

#include "crypto.h"
#include "noise.h"
#include "wire.h"

/* Ci = Hash(Construction), Hi = Hash(Hash(Ci || Identifier) || Spub_r) */
static enum noise_result
start(struct noise_handshake *hs, const uint8_t responder[X25519_LEN])
{
	if (crypto_hash(hs->ck, NOISE_CONSTRUCTION,
	    sizeof(NOISE_CONSTRUCTION) - 1) == -1 ||
	    crypto_hash2(hs->hash, hs->ck, BLAKE2S_LEN, NOISE_IDENTIFIER,
	    sizeof(NOISE_IDENTIFIER) - 1) == -1 ||
	    crypto_hash2(hs->hash, hs->hash, BLAKE2S_LEN, responder,
	    X25519_LEN) == -1)
		return NOISE_ERR_CRYPTO;
	return NOISE_OK;
}

/* H = Hash(H || in) */
static enum noise_result
mix_hash(struct noise_handshake *hs, const void *in, size_t len)
{
	if (crypto_hash2(hs->hash, hs->hash, BLAKE2S_LEN, in, len) == -1)
		return NOISE_ERR_CRYPTO;
	return NOISE_OK;
}

/* (C, key) = KDF2(C, in), or C = KDF1(C, in) when key is NULL. */
static enum noise_result
mix_key(struct noise_handshake *hs, uint8_t key[AEAD_KEY_LEN],
    const uint8_t in[BLAKE2S_LEN])
{
	if (crypto_kdf(hs->ck, key, NULL, hs->ck, in, BLAKE2S_LEN) == -1)
		return NOISE_ERR_CRYPTO;
	return NOISE_OK;
}

/* (C, tau, key) = KDF3(C, Q), H = Hash(H || tau) */
static enum noise_result
mix_psk(struct noise_handshake *hs, uint8_t key[AEAD_KEY_LEN],
    const uint8_t psk[NOISE_PSK_LEN])
{
	uint8_t			tau[BLAKE2S_LEN];
	enum noise_result	rv = NOISE_ERR_CRYPTO;

	if (crypto_kdf(hs->ck, tau, key, hs->ck, psk, NOISE_PSK_LEN) == 0)
		rv = mix_hash(hs, tau, sizeof(tau));
	crypto_wipe(tau, sizeof(tau));
	return rv;
}

/* An ephemeral public key enters both the chaining key and the hash. */
static enum noise_result
mix_ephemeral(struct noise_handshake *hs, const uint8_t e[X25519_LEN])
{
	enum noise_result	rv;

	if ((rv = mix_key(hs, NULL, e)) != NOISE_OK)
		return rv;
	return mix_hash(hs, e, X25519_LEN);
}

/* An all-zero DH result means a low-order public key. */
static enum noise_result
dh(uint8_t out[X25519_LEN], const uint8_t priv[X25519_LEN],
    const uint8_t pub[X25519_LEN])
{
	return crypto_x25519(out, priv, pub) == 0 ? NOISE_OK : NOISE_ERR_KEY;
}

/* out = AEAD(key, 0, in, H), H = Hash(H || out) */
static enum noise_result
encrypt_and_hash(struct noise_handshake *hs, struct crypto_aead *aead,
    uint8_t *out, const uint8_t key[AEAD_KEY_LEN], const void *in,
    size_t len)
{
	if (crypto_aead_seal(aead, out, key, 0, hs->hash, BLAKE2S_LEN, in,
	    len) == -1)
		return NOISE_ERR_CRYPTO;
	return mix_hash(hs, out, len + AEAD_TAG_LEN);
}

/* The reverse; len counts the tag. */
static enum noise_result
decrypt_and_hash(struct noise_handshake *hs, struct crypto_aead *aead,
    uint8_t *out, const uint8_t key[AEAD_KEY_LEN], const uint8_t *in,
    size_t len)
{
	if (crypto_aead_open(aead, out, key, 0, hs->hash, BLAKE2S_LEN, in,
	    len) == -1)
		return NOISE_ERR_DECRYPT;
	return mix_hash(hs, in, len);
}

/*
 * -> e, es: the key that encrypts the initiator's static key.  Each side
 * brings es computed from its own private key.
 */
static enum noise_result
initiation_es(struct noise_handshake *hs, uint8_t key[AEAD_KEY_LEN],
    const uint8_t responder[X25519_LEN], const uint8_t e[X25519_LEN],
    const uint8_t es[X25519_LEN])
{
	enum noise_result	rv;

	if ((rv = start(hs, responder)) != NOISE_OK ||
	    (rv = mix_ephemeral(hs, e)) != NOISE_OK)
		return rv;
	return mix_key(hs, key, es);
}

/* <- e, ee, se, psk: the key that encrypts the empty payload. */
static enum noise_result
response_psk(struct noise_handshake *hs, uint8_t key[AEAD_KEY_LEN],
    const uint8_t e[X25519_LEN], const uint8_t ee[X25519_LEN],
    const uint8_t se[X25519_LEN], const uint8_t psk[NOISE_PSK_LEN])
{
	enum noise_result	rv;

	if ((rv = mix_ephemeral(hs, e)) != NOISE_OK ||
	    (rv = mix_key(hs, NULL, ee)) != NOISE_OK ||
	    (rv = mix_key(hs, NULL, se)) != NOISE_OK)
		return rv;
	return mix_psk(hs, key, psk);
}

int
noise_local_init(struct noise_local *l, const uint8_t priv[X25519_LEN])
{
	memcpy(l->priv, priv, X25519_LEN);
	if (crypto_x25519_pubkey(l->pub, l->priv) == -1) {
		crypto_wipe(l, sizeof(*l));
		return -1;
	}
	return 0;
}

int
noise_remote_init(struct noise_remote *r, const struct noise_local *l,
    const uint8_t pub[X25519_LEN], const uint8_t *psk)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->pub, pub, X25519_LEN);
	if (psk != NULL)
		memcpy(r->psk, psk, NOISE_PSK_LEN);
	if (dh(r->ss, l->priv, r->pub) != NOISE_OK) {
		crypto_wipe(r, sizeof(*r));
		return -1;
	}
	return 0;
}

int
noise_remote_rekey(struct noise_remote *r, const struct noise_local *l)
{
	return dh(r->ss, l->priv, r->pub) == NOISE_OK ? 0 : -1;
}

void
noise_remote_clear(struct noise_remote *r)
{
	crypto_wipe(&r->hs, sizeof(r->hs));
	r->hs.state = NOISE_STATE_NONE;
}

enum noise_result
noise_create_initiation(struct noise_remote *r, const struct noise_local *l,
    struct crypto_aead *aead, uint32_t local_index,
    const uint8_t e_priv[X25519_LEN], const uint8_t timestamp[TAI64N_LEN],
    struct msg_initiation *m)
{
	struct noise_handshake	hs;
	uint8_t			es[X25519_LEN], key[AEAD_KEY_LEN];
	enum noise_result	rv;

	memset(&hs, 0, sizeof(hs));
	memset(m, 0, sizeof(*m));
	m->type = MSG_INITIATION;
	le32_put(m->sender, local_index);
	if (crypto_x25519_pubkey(m->ephemeral, e_priv) == -1) {
		rv = NOISE_ERR_CRYPTO;
		goto out;
	}
	if ((rv = dh(es, e_priv, r->pub)) != NOISE_OK ||
	    (rv = initiation_es(&hs, key, r->pub, m->ephemeral, es)) !=
	    NOISE_OK ||
	    (rv = encrypt_and_hash(&hs, aead, m->static_enc, key, l->pub,
	    X25519_LEN)) != NOISE_OK ||
	    (rv = mix_key(&hs, key, r->ss)) != NOISE_OK ||
	    (rv = encrypt_and_hash(&hs, aead, m->timestamp_enc, key,
	    timestamp, TAI64N_LEN)) != NOISE_OK)
		goto out;
	hs.state = NOISE_STATE_INIT_CREATED;
	hs.local_index = local_index;
	memcpy(hs.e_priv, e_priv, X25519_LEN);
	r->hs = hs;
 out:
	crypto_wipe(&hs, sizeof(hs));
	crypto_wipe(es, sizeof(es));
	crypto_wipe(key, sizeof(key));
	return rv;
}

enum noise_result
noise_open_initiation(const struct noise_local *l, struct crypto_aead *aead,
    const struct msg_initiation *m, struct noise_pending *p)
{
	struct noise_handshake	*hs = &p->hs;
	uint8_t			 es[X25519_LEN], key[AEAD_KEY_LEN];
	enum noise_result	 rv;

	memset(p, 0, sizeof(*p));
	if ((rv = dh(es, l->priv, m->ephemeral)) != NOISE_OK ||
	    (rv = initiation_es(hs, key, l->pub, m->ephemeral, es)) !=
	    NOISE_OK ||
	    (rv = decrypt_and_hash(hs, aead, p->remote_static, key,
	    m->static_enc, sizeof(m->static_enc))) != NOISE_OK) {
		crypto_wipe(p, sizeof(*p));
		goto out;
	}
	memcpy(hs->e_remote, m->ephemeral, X25519_LEN);
	hs->remote_index = le32_get(m->sender);
	memcpy(p->timestamp_enc, m->timestamp_enc, sizeof(p->timestamp_enc));
 out:
	crypto_wipe(es, sizeof(es));
	crypto_wipe(key, sizeof(key));
	return rv;
}

enum noise_result
noise_accept_initiation(struct noise_remote *r, struct crypto_aead *aead,
    struct noise_pending *p)
{
	struct noise_handshake	*hs = &p->hs;
	uint8_t			 key[AEAD_KEY_LEN], t[TAI64N_LEN];
	enum noise_result	 rv;

	/*
	 * A wrong remote would only fail to decrypt below; say why.  What
	 * proves the key is the timestamp, sealed under DH(s_i, s_r).
	 */
	if (!crypto_equal(p->remote_static, r->pub, X25519_LEN)) {
		rv = NOISE_ERR_PEER;
		goto out;
	}
	if ((rv = mix_key(hs, key, r->ss)) != NOISE_OK ||
	    (rv = decrypt_and_hash(hs, aead, t, key, p->timestamp_enc,
	    sizeof(p->timestamp_enc))) != NOISE_OK)
		goto out;
	if (!crypto_tai64n_after(t, r->timestamp)) {
		rv = NOISE_ERR_REPLAY;
		goto out;
	}
	memcpy(r->timestamp, t, TAI64N_LEN);
	hs->state = NOISE_STATE_INIT_CONSUMED;
	r->hs = *hs;
 out:
	crypto_wipe(key, sizeof(key));
	crypto_wipe(p, sizeof(*p));
	return rv;
}

enum noise_result
noise_create_response(struct noise_remote *r, struct crypto_aead *aead,
    uint32_t local_index, const uint8_t e_priv[X25519_LEN],
    struct msg_response *m)
{
	struct noise_handshake	hs;
	uint8_t			ee[X25519_LEN], se[X25519_LEN];
	uint8_t			key[AEAD_KEY_LEN];
	enum noise_result	rv;

	if (r->hs.state != NOISE_STATE_INIT_CONSUMED)
		return NOISE_ERR_STATE;
	hs = r->hs;
	memset(m, 0, sizeof(*m));
	m->type = MSG_RESPONSE;
	le32_put(m->sender, local_index);
	le32_put(m->receiver, hs.remote_index);
	if (crypto_x25519_pubkey(m->ephemeral, e_priv) == -1) {
		rv = NOISE_ERR_CRYPTO;
		goto out;
	}
	if ((rv = dh(ee, e_priv, hs.e_remote)) != NOISE_OK ||
	    (rv = dh(se, e_priv, r->pub)) != NOISE_OK ||
	    (rv = response_psk(&hs, key, m->ephemeral, ee, se, r->psk)) !=
	    NOISE_OK ||
	    (rv = encrypt_and_hash(&hs, aead, m->empty_enc, key, "", 0)) !=
	    NOISE_OK)
		goto out;
	hs.state = NOISE_STATE_RESP_CREATED;
	hs.local_index = local_index;
	r->hs = hs;
 out:
	crypto_wipe(&hs, sizeof(hs));
	crypto_wipe(ee, sizeof(ee));
	crypto_wipe(se, sizeof(se));
	crypto_wipe(key, sizeof(key));
	return rv;
}

enum noise_result
noise_consume_response(struct noise_remote *r, const struct noise_local *l,
    struct crypto_aead *aead, const struct msg_response *m)
{
	struct noise_handshake	hs;
	uint8_t			ee[X25519_LEN], se[X25519_LEN];
	uint8_t			key[AEAD_KEY_LEN], empty[1];
	enum noise_result	rv;

	if (r->hs.state != NOISE_STATE_INIT_CREATED)
		return NOISE_ERR_STATE;
	if (le32_get(m->receiver) != r->hs.local_index)
		return NOISE_ERR_INDEX;
	hs = r->hs;
	if ((rv = dh(ee, hs.e_priv, m->ephemeral)) != NOISE_OK ||
	    (rv = dh(se, l->priv, m->ephemeral)) != NOISE_OK ||
	    (rv = response_psk(&hs, key, m->ephemeral, ee, se, r->psk)) !=
	    NOISE_OK ||
	    (rv = decrypt_and_hash(&hs, aead, empty, key, m->empty_enc,
	    sizeof(m->empty_enc))) != NOISE_OK)
		goto out;
	/* The ephemeral has done its work: only ck is needed from here. */
	crypto_wipe(hs.e_priv, sizeof(hs.e_priv));
	hs.state = NOISE_STATE_RESP_CONSUMED;
	hs.remote_index = le32_get(m->sender);
	r->hs = hs;
 out:
	crypto_wipe(&hs, sizeof(hs));
	crypto_wipe(ee, sizeof(ee));
	crypto_wipe(se, sizeof(se));
	crypto_wipe(key, sizeof(key));
	return rv;
}

/* (T_send, T_recv) = KDF2(C, empty) for the initiator, swapped for us. */
enum noise_result
noise_derive_keys(struct noise_remote *r, struct noise_keys *k)
{
	const struct noise_handshake	*hs = &r->hs;
	int				 initiator;

	if (hs->state == NOISE_STATE_RESP_CONSUMED)
		initiator = 1;
	else if (hs->state == NOISE_STATE_RESP_CREATED)
		initiator = 0;
	else
		return NOISE_ERR_STATE;
	memset(k, 0, sizeof(*k));
	if (crypto_kdf(initiator ? k->send : k->recv,
	    initiator ? k->recv : k->send, NULL, hs->ck, "", 0) == -1) {
		crypto_wipe(k, sizeof(*k));
		return NOISE_ERR_CRYPTO;
	}
	k->local_index = hs->local_index;
	k->remote_index = hs->remote_index;
	k->initiator = initiator;
	noise_remote_clear(r);
	return NOISE_OK;
}
