/*
 * The only file that includes OpenSSL.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define BLAKE2S_BLOCK	64

/* Fetched once by crypto_init() and shared read-only by every thread. */
static EVP_CIPHER	*chachapoly;
static EVP_MD		*blake2s;
static EVP_MAC		*blake2smac;

struct crypto_aead {
	EVP_CIPHER_CTX	*ctx;
};

struct span {
	const void	*p;
	size_t		 len;
};

int
crypto_init(void)
{
	chachapoly = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	blake2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	blake2smac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	if (chachapoly != NULL && blake2s != NULL && blake2smac != NULL)
		return 0;
	EVP_CIPHER_free(chachapoly);
	EVP_MD_free(blake2s);
	EVP_MAC_free(blake2smac);
	chachapoly = NULL;
	blake2s = NULL;
	blake2smac = NULL;
	return -1;
}

void
crypto_random(void *buf, size_t len)
{
	/* Without randomness no key or index is safe: nothing can go on. */
	if (RAND_bytes(buf, (int)len) != 1)
		abort();
}

static void
x25519_clamp(uint8_t k[X25519_LEN])
{
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

int
crypto_x25519_genkey(uint8_t priv[X25519_LEN])
{
	crypto_random(priv, X25519_LEN);
	x25519_clamp(priv);
	return 0;
}

int
crypto_x25519_pubkey(uint8_t pub[X25519_LEN], const uint8_t priv[X25519_LEN])
{
	EVP_PKEY	*pk;
	size_t		 len = X25519_LEN;
	int		 rv = -1;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    X25519_LEN);
	if (pk == NULL)
		return -1;
	if (EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 &&
	    len == X25519_LEN)
		rv = 0;
	EVP_PKEY_free(pk);
	return rv;
}

int
crypto_x25519(uint8_t out[X25519_LEN], const uint8_t priv[X25519_LEN],
    const uint8_t pub[X25519_LEN])
{
	static const uint8_t zero[X25519_LEN];
	EVP_PKEY	*ours = NULL, *theirs = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	size_t		 len = X25519_LEN;
	int		 rv = -1;

	ours = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    X25519_LEN);
	theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub,
	    X25519_LEN);
	if (ours == NULL || theirs == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new(ours, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, theirs) != 1 ||
	    EVP_PKEY_derive(ctx, out, &len) != 1 || len != X25519_LEN)
		goto out;
	if (!crypto_equal(out, zero, X25519_LEN))
		rv = 0;
 out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(theirs);
	EVP_PKEY_free(ours);
	return rv;
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
crypto_wipe(void *buf, size_t len)
{
	OPENSSL_cleanse(buf, len);
}

static uint32_t
load32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
store32le(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void
store32be(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

struct crypto_aead *
crypto_aead_new(void)
{
	struct crypto_aead	*a;

	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	/* Bind the cipher now so that each packet sets only key and IV. */
	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex2(a->ctx, chachapoly, NULL, NULL, 1, NULL) != 1) {
		crypto_aead_free(a);
		return NULL;
	}
	return a;
}

void
crypto_aead_free(struct crypto_aead *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->ctx);
	free(a);
}

/* EVP counts bytes in int. */
static int
aead_lengths_ok(size_t aadlen, size_t len)
{
	return aadlen <= INT_MAX && len <= INT_MAX;
}

int
crypto_aead_seal_iv(struct crypto_aead *a, uint8_t *out,
    const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len)
{
	EVP_CIPHER_CTX	*ctx = a->ctx;
	int		 n;

	if (!aead_lengths_ok(aadlen, len))
		return -1;
	if (EVP_CipherInit_ex2(ctx, NULL, key, iv, 1, NULL) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN,
	    out + len) != 1)
		return -1;
	return 0;
}

int
crypto_aead_open_iv(struct crypto_aead *a, uint8_t *out,
    const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len)
{
	EVP_CIPHER_CTX	*ctx = a->ctx;
	uint8_t		 tag[AEAD_TAG_LEN];
	int		 n;

	if (len < AEAD_TAG_LEN || !aead_lengths_ok(aadlen, len))
		return -1;
	len -= AEAD_TAG_LEN;
	memcpy(tag, (const uint8_t *)in + len, AEAD_TAG_LEN);
	if (EVP_CipherInit_ex2(ctx, NULL, key, iv, 0, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN,
	    tag) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -1;
	/*
	 * OpenSSL decrypts before it checks the tag: on a forgery the
	 * plaintext already written must not survive.
	 */
	if (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &n) != 1) {
		crypto_wipe(out, len);
		return -1;
	}
	return 0;
}

static void
counter_iv(uint8_t iv[AEAD_IV_LEN], uint64_t counter)
{
	memset(iv, 0, 4);
	store32le(iv + 4, (uint32_t)counter);
	store32le(iv + 8, (uint32_t)(counter >> 32));
}

int
crypto_aead_seal(struct crypto_aead *a, uint8_t *out,
    const uint8_t key[AEAD_KEY_LEN], uint64_t counter,
    const void *aad, size_t aadlen, const void *in, size_t len)
{
	uint8_t	iv[AEAD_IV_LEN];

	counter_iv(iv, counter);
	return crypto_aead_seal_iv(a, out, key, iv, aad, aadlen, in, len);
}

int
crypto_aead_open(struct crypto_aead *a, uint8_t *out,
    const uint8_t key[AEAD_KEY_LEN], uint64_t counter,
    const void *aad, size_t aadlen, const void *in, size_t len)
{
	uint8_t	iv[AEAD_IV_LEN];

	counter_iv(iv, counter);
	return crypto_aead_open_iv(a, out, key, iv, aad, aadlen, in, len);
}

static uint32_t
rotl(uint32_t v, int n)
{
	return v << n | v >> (32 - n);
}

static void
quarterround(uint32_t x[16], int a, int b, int c, int d)
{
	x[a] += x[b];
	x[d] = rotl(x[d] ^ x[a], 16);
	x[c] += x[d];
	x[b] = rotl(x[b] ^ x[c], 12);
	x[a] += x[b];
	x[d] = rotl(x[d] ^ x[a], 8);
	x[c] += x[d];
	x[b] = rotl(x[b] ^ x[c], 7);
}

/*
 * The ChaCha20 block function without its final addition of the input,
 * keeping the words that the caller can not compute from the nonce.
 */
void
crypto_hchacha20(uint8_t out[AEAD_KEY_LEN], const uint8_t key[AEAD_KEY_LEN],
    const uint8_t in[16])
{
	uint32_t	x[16];
	int		i;

	x[0] = 0x61707865;	/* "expand 32-byte k" */
	x[1] = 0x3320646e;
	x[2] = 0x79622d32;
	x[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		x[4 + i] = load32le(key + 4 * i);
	for (i = 0; i < 4; i++)
		x[12 + i] = load32le(in + 4 * i);
	for (i = 0; i < 10; i++) {
		quarterround(x, 0, 4, 8, 12);
		quarterround(x, 1, 5, 9, 13);
		quarterround(x, 2, 6, 10, 14);
		quarterround(x, 3, 7, 11, 15);
		quarterround(x, 0, 5, 10, 15);
		quarterround(x, 1, 6, 11, 12);
		quarterround(x, 2, 7, 8, 13);
		quarterround(x, 3, 4, 9, 14);
	}
	for (i = 0; i < 4; i++) {
		store32le(out + 4 * i, x[i]);
		store32le(out + 16 + 4 * i, x[12 + i]);
	}
	crypto_wipe(x, sizeof(x));
}

/* XChaCha20 is ChaCha20 under a subkey, with the nonce's last 8 bytes. */
static void
xaead_setup(uint8_t subkey[AEAD_KEY_LEN], uint8_t iv[AEAD_IV_LEN],
    const uint8_t key[AEAD_KEY_LEN], const uint8_t nonce[XAEAD_NONCE_LEN])
{
	crypto_hchacha20(subkey, key, nonce);
	memset(iv, 0, 4);
	memcpy(iv + 4, nonce + 16, 8);
}

int
crypto_xaead_seal(struct crypto_aead *a, uint8_t *out,
    const uint8_t key[AEAD_KEY_LEN], const uint8_t nonce[XAEAD_NONCE_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len)
{
	uint8_t	subkey[AEAD_KEY_LEN], iv[AEAD_IV_LEN];
	int	rv;

	xaead_setup(subkey, iv, key, nonce);
	rv = crypto_aead_seal_iv(a, out, subkey, iv, aad, aadlen, in, len);
	crypto_wipe(subkey, sizeof(subkey));
	return rv;
}

int
crypto_xaead_open(struct crypto_aead *a, uint8_t *out,
    const uint8_t key[AEAD_KEY_LEN], const uint8_t nonce[XAEAD_NONCE_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len)
{
	uint8_t	subkey[AEAD_KEY_LEN], iv[AEAD_IV_LEN];
	int	rv;

	xaead_setup(subkey, iv, key, nonce);
	rv = crypto_aead_open_iv(a, out, subkey, iv, aad, aadlen, in, len);
	crypto_wipe(subkey, sizeof(subkey));
	return rv;
}

/* BLAKE2s-256 of the concatenated spans, reusing the caller's context. */
static int
digest(EVP_MD_CTX *md, uint8_t out[BLAKE2S_LEN], const struct span *v,
    size_t n)
{
	size_t	i;

	if (EVP_DigestInit_ex2(md, blake2s, NULL) != 1)
		return -1;
	for (i = 0; i < n; i++)
		if (EVP_DigestUpdate(md, v[i].p, v[i].len) != 1)
			return -1;
	return EVP_DigestFinal_ex(md, out, NULL) == 1 ? 0 : -1;
}

int
crypto_hash2(uint8_t out[BLAKE2S_LEN], const void *a, size_t alen,
    const void *b, size_t blen)
{
	EVP_MD_CTX	*md;
	struct span	 v[2] = { { a, alen }, { b, blen } };
	int		 rv;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	rv = digest(md, out, v, 2);
	EVP_MD_CTX_free(md);
	return rv;
}

int
crypto_hash(uint8_t out[BLAKE2S_LEN], const void *in, size_t len)
{
	return crypto_hash2(out, in, len, NULL, 0);
}

int
crypto_mac(uint8_t out[BLAKE2S_MAC_LEN], const void *key, size_t keylen,
    const void *in, size_t len)
{
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	size_t		 outlen = BLAKE2S_MAC_LEN;
	int		 rv = -1;

	if ((ctx = EVP_MAC_CTX_new(blake2smac)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, in, len) == 1 &&
	    EVP_MAC_final(ctx, out, &outlen, BLAKE2S_MAC_LEN) == 1 &&
	    outlen == BLAKE2S_MAC_LEN)
		rv = 0;
	EVP_MAC_CTX_free(ctx);
	return rv;
}

/*
 * HMAC (RFC 2104) of a || b, by hand over the digest: every key here is
 * used once, and EVP_MAC's HMAC, which allocates three digest contexts
 * per key, takes twice as long.
 */
static int
hmac(EVP_MD_CTX *md, uint8_t out[BLAKE2S_LEN], const uint8_t key[BLAKE2S_LEN],
    const void *a, size_t alen, const void *b, size_t blen)
{
	uint8_t		 pad[BLAKE2S_BLOCK], inner[BLAKE2S_LEN];
	struct span	 v[3] = { { pad, sizeof(pad) }, { a, alen }, { b, blen } };
	size_t		 i;
	int		 rv;

	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < BLAKE2S_LEN; i++)
		pad[i] ^= key[i];
	rv = digest(md, inner, v, 3);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	v[1].p = inner;
	v[1].len = sizeof(inner);
	if (rv == 0)
		rv = digest(md, out, v, 2);
	crypto_wipe(pad, sizeof(pad));
	crypto_wipe(inner, sizeof(inner));
	return rv;
}

int
crypto_hmac(uint8_t out[BLAKE2S_LEN], const uint8_t key[BLAKE2S_LEN],
    const void *in, size_t len)
{
	EVP_MD_CTX	*md;
	int		 rv;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	rv = hmac(md, out, key, in, len, NULL, 0);
	EVP_MD_CTX_free(md);
	return rv;
}

int
crypto_kdf(uint8_t t1[BLAKE2S_LEN], uint8_t t2[BLAKE2S_LEN],
    uint8_t t3[BLAKE2S_LEN], const uint8_t key[BLAKE2S_LEN],
    const void *in, size_t len)
{
	EVP_MD_CTX	*md;
	uint8_t		 prk[BLAKE2S_LEN], *t[3] = { t1, t2, t3 };
	const uint8_t	*prev = NULL;
	uint8_t		 i;
	int		 rv;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	/* prk first: key and in are not read again, so outputs may alias. */
	rv = hmac(md, prk, key, in, len, NULL, 0);
	for (i = 1; rv == 0 && i <= 3 && t[i - 1] != NULL; i++) {
		rv = hmac(md, t[i - 1], prk, prev, prev ? BLAKE2S_LEN : 0,
		    &i, 1);
		prev = t[i - 1];
	}
	crypto_wipe(prk, sizeof(prk));
	EVP_MD_CTX_free(md);
	return rv;
}

/*
 * WireGuard rounds the nanoseconds down to 2^24 (about 17 ms, under the
 * 20 ms between the 50 initiations a second a peer accepts) so that the
 * timestamp does not reveal a fine clock.
 */
#define TAI64N_NSEC_MASK	0xff000000U
#define TAI64N_BASE		0x400000000000000aULL	/* TAI64 of the epoch */

void
crypto_tai64n(uint8_t out[TAI64N_LEN], const struct timespec *ts)
{
	uint64_t	s = TAI64N_BASE + (uint64_t)ts->tv_sec;

	store32be(out, (uint32_t)(s >> 32));
	store32be(out + 4, (uint32_t)s);
	store32be(out + 8, (uint32_t)ts->tv_nsec & TAI64N_NSEC_MASK);
}

int
crypto_tai64n_after(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN])
{
	return memcmp(a, b, TAI64N_LEN) > 0;
}
