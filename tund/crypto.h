/*
 * Cryptographic primitives.  crypto.c is the only file that includes
 * OpenSSL; everything else sees these functions.
 *
 * crypto_init() runs once at startup, before any thread starts.  Each
 * thread that encrypts owns its struct crypto_aead; the hash, MAC and KDF
 * functions keep no state and are safe from any thread.  Unless noted,
 * functions that return int give 0 on success and -1 on failure.
 */
#ifndef TUND_CRYPTO_H
#define TUND_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define X25519_LEN	32
#define AEAD_KEY_LEN	32
#define AEAD_IV_LEN	12
#define AEAD_TAG_LEN	16
#define XAEAD_NONCE_LEN	24
#define BLAKE2S_LEN	32	/* hash, HMAC and KDF outputs */
#define BLAKE2S_MAC_LEN	16	/* keyed BLAKE2s: mac1, mac2, cookie */
#define TAI64N_LEN	12

struct crypto_aead;

/* Fetch every algorithm once; -1 if the library lacks one. */
int	crypto_init(void);
/* Fill with random bytes; aborts if the generator fails. */
void	crypto_random(void *, size_t);
/* A new clamped private key. */
int	crypto_x25519_genkey(uint8_t priv[X25519_LEN]);
int	crypto_x25519_pubkey(uint8_t pub[X25519_LEN], const uint8_t priv[X25519_LEN]);
/* Shared secret; -1 when the result is all zero (a low-order point). */
int	crypto_x25519(uint8_t out[X25519_LEN], const uint8_t priv[X25519_LEN],
	    const uint8_t pub[X25519_LEN]);
/* Constant-time: 1 when equal. */
int	crypto_equal(const void *, const void *, size_t);
/* Zero memory in a way the compiler cannot elide. */
void	crypto_wipe(void *, size_t);

/* A ChaCha20-Poly1305 context for one thread; NULL when out of memory. */
struct crypto_aead *crypto_aead_new(void);
void	crypto_aead_free(struct crypto_aead *);
/*
 * WireGuard's AEAD: the nonce is 4 zero bytes and the little-endian
 * counter.  Seal writes len bytes of ciphertext and the tag to out; open
 * takes ciphertext and tag (len includes the tag) and writes len -
 * AEAD_TAG_LEN bytes, or fails and zeroes them.  out may equal in but
 * must not otherwise overlap it.
 */
int	crypto_aead_seal(struct crypto_aead *, uint8_t *out,
	    const uint8_t key[AEAD_KEY_LEN], uint64_t counter,
	    const void *aad, size_t aadlen, const void *in, size_t len);
int	crypto_aead_open(struct crypto_aead *, uint8_t *out,
	    const uint8_t key[AEAD_KEY_LEN], uint64_t counter,
	    const void *aad, size_t aadlen, const void *in, size_t len);
/* The same with RFC 8439's raw 96-bit nonce. */
int	crypto_aead_seal_iv(struct crypto_aead *, uint8_t *out,
	    const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN],
	    const void *aad, size_t aadlen, const void *in, size_t len);
int	crypto_aead_open_iv(struct crypto_aead *, uint8_t *out,
	    const uint8_t key[AEAD_KEY_LEN], const uint8_t iv[AEAD_IV_LEN],
	    const void *aad, size_t aadlen, const void *in, size_t len);
/* XChaCha20-Poly1305 with a 24-byte nonce (cookie replies); as above. */
int	crypto_xaead_seal(struct crypto_aead *, uint8_t *out,
	    const uint8_t key[AEAD_KEY_LEN], const uint8_t nonce[XAEAD_NONCE_LEN],
	    const void *aad, size_t aadlen, const void *in, size_t len);
int	crypto_xaead_open(struct crypto_aead *, uint8_t *out,
	    const uint8_t key[AEAD_KEY_LEN], const uint8_t nonce[XAEAD_NONCE_LEN],
	    const void *aad, size_t aadlen, const void *in, size_t len);
/* HChaCha20: a subkey from a key and the first 16 bytes of a nonce. */
void	crypto_hchacha20(uint8_t out[AEAD_KEY_LEN],
	    const uint8_t key[AEAD_KEY_LEN], const uint8_t in[16]);

/* BLAKE2s-256 of in. */
int	crypto_hash(uint8_t out[BLAKE2S_LEN], const void *in, size_t len);
/* BLAKE2s-256 of a || b; out may alias a or b (Noise's MixHash). */
int	crypto_hash2(uint8_t out[BLAKE2S_LEN], const void *a, size_t alen,
	    const void *b, size_t blen);
/* Keyed BLAKE2s with a 16-byte output; keylen is 1 to 32. */
int	crypto_mac(uint8_t out[BLAKE2S_MAC_LEN], const void *key,
	    size_t keylen, const void *in, size_t len);
/* HMAC-BLAKE2s with a 32-byte key. */
int	crypto_hmac(uint8_t out[BLAKE2S_LEN], const uint8_t key[BLAKE2S_LEN],
	    const void *in, size_t len);
/*
 * The whitepaper's KDF1, KDF2 or KDF3: t2 and t3 may be NULL.  Outputs
 * may alias key or in.
 */
int	crypto_kdf(uint8_t t1[BLAKE2S_LEN], uint8_t t2[BLAKE2S_LEN],
	    uint8_t t3[BLAKE2S_LEN], const uint8_t key[BLAKE2S_LEN],
	    const void *in, size_t len);

/* TAI64N of a CLOCK_REALTIME time, nanoseconds coarsened as WireGuard's. */
void	crypto_tai64n(uint8_t out[TAI64N_LEN], const struct timespec *);
/* 1 when timestamp a is later than b. */
int	crypto_tai64n_after(const uint8_t a[TAI64N_LEN],
	    const uint8_t b[TAI64N_LEN]);

#endif
