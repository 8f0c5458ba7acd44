/*
 * Cryptographic primitives.  crypto.c is the only file that includes
 * OpenSSL; everything else sees these functions.
 */
#ifndef TUND_CRYPTO_H
#define TUND_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define X25519_LEN	32

/* Fetch every algorithm once; 0 or -1. */
int	crypto_init(void);
void	crypto_random(void *, size_t);
/* A new clamped private key. */
int	crypto_x25519_genkey(uint8_t priv[X25519_LEN]);
int	crypto_x25519_pubkey(uint8_t pub[X25519_LEN], const uint8_t priv[X25519_LEN]);
/* Shared secret; -1 when the result is all zero (a low-order point). */
int	crypto_x25519(uint8_t out[X25519_LEN], const uint8_t priv[X25519_LEN],
	    const uint8_t pub[X25519_LEN]);
/* Constant-time: 1 when equal. */
int	crypto_equal(const void *, const void *, size_t);
void	crypto_wipe(void *, size_t);

#endif
