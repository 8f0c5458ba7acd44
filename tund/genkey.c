/*
 * tund genkey / tund pubkey: the same keys as wg genkey / wg pubkey, base64
 * Curve25519, so either tool's output works in the other's configuration.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "genkey.h"
#include "key.h"

/* As wg(8) does: warn when the key is about to land in a readable file. */
static void
warn_if_readable(void)
{
	struct stat	st;

	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 077) != 0)
		fprintf(stderr, "tund: warning: writing a private key to a "
		    "file readable by others (use umask 077)\n");
}

static int
put_key(const uint8_t key[KEY_LEN])
{
	char	b64[KEY_B64_LEN + 1];
	int	rv;

	key_to_base64(b64, key);
	rv = printf("%s\n", b64) < 0 || fflush(stdout) == EOF ? 1 : 0;
	crypto_wipe(b64, sizeof(b64));
	if (rv)
		perror("tund: stdout");
	return rv;
}

int
genkey_main(void)
{
	uint8_t	priv[KEY_LEN];
	int	rv;

	warn_if_readable();
	crypto_x25519_genkey(priv);
	rv = put_key(priv);
	crypto_wipe(priv, sizeof(priv));
	return rv;
}

int
pubkey_main(void)
{
	char	line[256];
	uint8_t	priv[KEY_LEN], pub[KEY_LEN];
	size_t	len;
	int	rv = 1;

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "tund: pubkey: no private key on stdin\n");
		return 1;
	}
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (key_from_base64(priv, line) == -1)
		fprintf(stderr, "tund: pubkey: not a base64 key\n");
	else if (crypto_x25519_pubkey(pub, priv) == -1)
		fprintf(stderr, "tund: pubkey: cannot derive the public key\n");
	else
		rv = put_key(pub);
	crypto_wipe(line, sizeof(line));
	crypto_wipe(priv, sizeof(priv));
	return rv;
}
