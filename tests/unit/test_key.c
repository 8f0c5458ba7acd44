#include <stdio.h>
#include <string.h>

#include "key.h"
#include "t.h"

/* A key pair made with wg genkey | wg pubkey; the public half in hex. */
#define PUB_B64	"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0c="
#define PUB_HEX	"e1bee3a6727f050cbe836e47e28cd55f" \
		"d68f4d41d2c45ac59c9c4c7457e52b47"

static void
test_known(void)
{
	static const struct {
		const char	*hex, *b64;
	} v[] = {
		{ PUB_HEX, PUB_B64 },
		{ "000102030405060708090a0b0c0d0e0f"
		  "101112131415161718191a1b1c1d1e1f",
		  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
		{ "00000000000000000000000000000000"
		  "00000000000000000000000000000000",
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
		{ "ffffffffffffffffffffffffffffffff"
		  "ffffffffffffffffffffffffffffffff",
		  "//////////////////////////////////////////8=" },
	};
	uint8_t	key[KEY_LEN], dec[KEY_LEN];
	char	b64[KEY_B64_LEN + 1];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_INT(t_unhex(key, sizeof(key), v[i].hex), KEY_LEN);
		key_to_base64(b64, key);
		CHECK_STR(b64, v[i].b64);
		CHECK_INT(key_from_base64(dec, v[i].b64), 0);
		CHECK_MEM(dec, key, KEY_LEN);
	}
}

/* Every byte value in every position survives the round trip. */
static void
test_roundtrip(void)
{
	uint8_t	key[KEY_LEN], dec[KEY_LEN];
	char	b64[KEY_B64_LEN + 1];
	int	i, b;

	for (b = 0; b < 256; b++) {
		for (i = 0; i < KEY_LEN; i++)
			key[i] = (uint8_t)(b + i * 37);
		key_to_base64(b64, key);
		CHECK_INT(strlen(b64), KEY_B64_LEN);
		CHECK_INT(key_from_base64(dec, b64), 0);
		CHECK_MEM(dec, key, KEY_LEN);
	}
}

/* All 64 characters decode, in the first position, to their value. */
static void
test_alphabet(void)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t	key[KEY_LEN];
	char	b64[KEY_B64_LEN + 1];
	int	i;

	for (i = 0; i < 64; i++) {
		strcpy(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
		b64[0] = abc[i];
		CHECK_INT(key_from_base64(key, b64), 0);
		CHECK_INT(key[0], i << 2);
	}
}

static void
test_reject(void)
{
	static const char *bad[] = {
		"",
		"=",
		/* 43 characters, 45 characters */
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0c",
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0c==",
		"A4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0c=",
		/* no padding, or padding too early */
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0cA",
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0==",
		"4b7jpnJ/BQy+g25H4ozVX9aP=UHSxFrFnJxMdFflK0c=",
		/* URL-safe alphabet, blanks, non-ASCII */
		"4b7jpnJ_BQy-g25H4ozVX9aPTUHSxFrFnJxMdFflK0c=",
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0 =",
		" b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0c=",
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0\xc3=",
		"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
		"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
		"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80=",
		/* non-canonical: the last character's padding bits are set */
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0d=",
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0e=",
		"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0f=",
		"//////////////////////////////////////////9=",
	};
	uint8_t	key[KEY_LEN], before[KEY_LEN];
	size_t	i;

	memset(before, 0x5a, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(key, before, sizeof(key));
		if (key_from_base64(key, bad[i]) != -1)
			t_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		else if (memcmp(key, before, sizeof(key)) != 0)
			t_fail(__FILE__, __LINE__, "\"%s\" changed the key",
			    bad[i]);
	}
}

int
main(void)
{
	T_RUN(test_known);
	T_RUN(test_roundtrip);
	T_RUN(test_alphabet);
	T_RUN(test_reject);
	return t_done();
}
