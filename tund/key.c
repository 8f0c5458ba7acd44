/*
 * Keys in base64.  Private keys pass through here, so both directions work
 * without branches or table lookups that depend on the key's bits, and
 * decoding checks the whole string before it writes a byte of the key.
 */
#include <stdint.h>
#include <string.h>

#include "key.h"

/*
 * The value of base64 character c, or -1.  Each term adds its offset only
 * when c lies in its range: (lo - 1 - c) & (c - (hi + 1)) is negative
 * exactly then, and the arithmetic shift turns that into an all-ones mask.
 */
static int
b64dec(int c)
{
	int	v = -1;

	v += ((('A' - 1 - c) & (c - ('Z' + 1))) >> 8) & (c - 'A' + 1);
	v += ((('a' - 1 - c) & (c - ('z' + 1))) >> 8) & (c - 'a' + 27);
	v += ((('0' - 1 - c) & (c - ('9' + 1))) >> 8) & (c - '0' + 53);
	v += ((('+' - 1 - c) & (c - ('+' + 1))) >> 8) & 63;
	v += ((('/' - 1 - c) & (c - ('/' + 1))) >> 8) & 64;
	return v;
}

/* The character for v (0-63); each step corrects the offset past a range. */
static char
b64enc(int v)
{
	int	c = v + 'A';

	c += ((25 - v) >> 8) & ('a' - 'Z' - 1);
	c -= ((51 - v) >> 8) & ('z' - '0' + 1);
	c -= ((61 - v) >> 8) & ('9' - '+' + 1);
	c += ((62 - v) >> 8) & ('/' - '+' - 1);
	return (char)c;
}

int
key_from_base64(uint8_t key[KEY_LEN], const char *s)
{
	uint32_t	v;
	size_t		i, o;
	int		any = 0;

	if (strnlen(s, KEY_B64_LEN + 1) != KEY_B64_LEN ||
	    s[KEY_B64_LEN - 1] != '=')
		return -1;
	/* A negative value anywhere makes the OR of them all negative. */
	for (i = 0; i < KEY_B64_LEN - 1; i++)
		any |= b64dec((unsigned char)s[i]);
	/* The last character holds two bits of padding: zero when canonical. */
	if (any < 0 || (b64dec((unsigned char)s[KEY_B64_LEN - 2]) & 3) != 0)
		return -1;

	for (i = 0, o = 0; i < KEY_B64_LEN; i += 4) {
		v = (uint32_t)b64dec((unsigned char)s[i]) << 18 |
		    (uint32_t)b64dec((unsigned char)s[i + 1]) << 12 |
		    (uint32_t)b64dec((unsigned char)s[i + 2]) << 6;
		if (i + 3 < KEY_B64_LEN - 1)
			v |= (uint32_t)b64dec((unsigned char)s[i + 3]);
		key[o++] = (uint8_t)(v >> 16);
		key[o++] = (uint8_t)(v >> 8);
		if (o < KEY_LEN)
			key[o++] = (uint8_t)v;
	}
	return 0;
}

void
key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN])
{
	uint32_t	v;
	size_t		i, o;

	for (i = 0, o = 0; i < KEY_LEN; i += 3) {
		v = (uint32_t)key[i] << 16;
		if (i + 1 < KEY_LEN)
			v |= (uint32_t)key[i + 1] << 8;
		if (i + 2 < KEY_LEN)
			v |= key[i + 2];
		out[o++] = b64enc(v >> 18 & 63);
		out[o++] = b64enc(v >> 12 & 63);
		out[o++] = b64enc(v >> 6 & 63);
		out[o++] = b64enc(v & 63);
	}
	/* 32 bytes fill 43 characters of six bits; the 44th is padding. */
	out[KEY_B64_LEN - 1] = '=';
	out[KEY_B64_LEN] = '\0';
}
