/*
 * Curve25519 keys and preshared keys as wg(8) writes them: 32 bytes in
 * standard base64 with padding, 44 characters.  Pure code.
 */
#ifndef TUND_KEY_H
#define TUND_KEY_H

#include <stdint.h>

#define KEY_LEN		32
#define KEY_B64_LEN	44	/* without the terminating NUL */

/* Decode exactly one key; 0 on success, -1 (and key untouched) otherwise. */
int	key_from_base64(uint8_t key[KEY_LEN], const char *);
void	key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN]);

#endif
