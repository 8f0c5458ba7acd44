/*
 * The WireGuard protocol on the wire: message layouts and every protocol
 * constant, from the whitepaper.  Multi-byte integers in messages are
 * little-endian; the structs are declared packed and never carry a host
 * byte order value, so they are read and written with le32/le64 helpers.
 */
#ifndef TUND_WIRE_H
#define TUND_WIRE_H

#include <stdint.h>
#include <string.h>

#include "crypto.h"

enum msg_type {
	MSG_INITIATION = 1,
	MSG_RESPONSE = 2,
	MSG_COOKIE = 3,
	MSG_DATA = 4
};

enum msg_size {
	MSG_INITIATION_LEN = 148,
	MSG_RESPONSE_LEN = 92,
	MSG_COOKIE_LEN = 64,
	MSG_DATA_HDR_LEN = 16,
	MSG_DATA_MIN_LEN = MSG_DATA_HDR_LEN + AEAD_TAG_LEN,	/* keepalive */
	MSG_PADDING = 16	/* data payloads are padded to a multiple */
};

/* The part of a handshake message that mac1 and mac2 cover ends here. */
struct msg_macs {
	uint8_t		mac1[BLAKE2S_MAC_LEN];
	uint8_t		mac2[BLAKE2S_MAC_LEN];
} __attribute__((packed));

struct msg_initiation {
	uint8_t		type;			/* MSG_INITIATION */
	uint8_t		reserved[3];		/* zero */
	uint8_t		sender[4];		/* le32 index */
	uint8_t		ephemeral[X25519_LEN];
	uint8_t		static_enc[X25519_LEN + AEAD_TAG_LEN];
	uint8_t		timestamp_enc[TAI64N_LEN + AEAD_TAG_LEN];
	struct msg_macs	macs;
} __attribute__((packed));

struct msg_response {
	uint8_t		type;			/* MSG_RESPONSE */
	uint8_t		reserved[3];
	uint8_t		sender[4];
	uint8_t		receiver[4];
	uint8_t		ephemeral[X25519_LEN];
	uint8_t		empty_enc[AEAD_TAG_LEN];
	struct msg_macs	macs;
} __attribute__((packed));

struct msg_cookie {
	uint8_t		type;			/* MSG_COOKIE */
	uint8_t		reserved[3];
	uint8_t		receiver[4];
	uint8_t		nonce[XAEAD_NONCE_LEN];
	uint8_t		cookie_enc[BLAKE2S_MAC_LEN + AEAD_TAG_LEN];
} __attribute__((packed));

struct msg_data {
	uint8_t		type;			/* MSG_DATA */
	uint8_t		reserved[3];
	uint8_t		receiver[4];
	uint8_t		counter[8];		/* le64 nonce */
	/* encrypted, padded packet and tag follow */
} __attribute__((packed));

_Static_assert(sizeof(struct msg_initiation) == MSG_INITIATION_LEN, "init");
_Static_assert(sizeof(struct msg_response) == MSG_RESPONSE_LEN, "response");
_Static_assert(sizeof(struct msg_cookie) == MSG_COOKIE_LEN, "cookie");
_Static_assert(sizeof(struct msg_data) == MSG_DATA_HDR_LEN, "data");

/* Protocol constants (whitepaper section 6), times in seconds. */
#define REKEY_AFTER_MESSAGES	(UINT64_C(1) << 60)
#define REJECT_AFTER_MESSAGES	(UINT64_MAX - (UINT64_C(1) << 13))
enum wg_timing {
	REKEY_AFTER_TIME = 120,
	REJECT_AFTER_TIME = 180,
	REKEY_ATTEMPT_TIME = 90,
	REKEY_TIMEOUT = 5,
	REKEY_TIMEOUT_JITTER_MS = 334,	/* random extra delay, [0, 334) ms */
	KEEPALIVE_TIMEOUT = 10,
	COOKIE_SECRET_MAX_AGE = 120,
	COOKIE_SECRET_LATENCY = 5,
	INITIATIONS_PER_SECOND = 50	/* per peer */
};
enum wg_limits {
	MAX_STAGED_PACKETS = 128,	/* per peer, waiting for a session */
	MAX_QUEUED_HANDSHAKES = 4096
};

/* Noise_IKpsk2 names, for the initial chaining key and hash. */
#define NOISE_CONSTRUCTION	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define NOISE_IDENTIFIER	"WireGuard v1 zx2c4 Jason@zx2c4.com"
#define LABEL_MAC1		"mac1----"
#define LABEL_COOKIE		"cookie--"

static inline uint32_t
le32_get(const uint8_t p[4])
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void
le32_put(uint8_t p[4], uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline uint64_t
le64_get(const uint8_t p[8])
{
	return (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

static inline void
le64_put(uint8_t p[8], uint64_t v)
{
	le32_put(p, (uint32_t)v);
	le32_put(p + 4, (uint32_t)(v >> 32));
}

#endif
