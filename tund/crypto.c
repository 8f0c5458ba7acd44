/*
 * The only file that includes OpenSSL.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int
crypto_init(void)
{
	return 0;
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
