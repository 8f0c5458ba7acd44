/*
 * The sliding window that refuses replayed transport data counters, in the
 * style of RFC 6479: a ring of 64-bit words indexed by counter / 64, so the
 * window slides by clearing whole words instead of shifting a bitmap.
 *
 * The ring holds REPLAY_BITS bits.  When the window slides into a word, the
 * whole word is cleared, so only REPLAY_BITS - 64 = 8128 counters are
 * always remembered: a counter is accepted when it is greater than every
 * counter seen so far, or at most REPLAY_WINDOW - 1 below the greatest one
 * and not seen before.  Counters at or above REPLAY_REJECT_AFTER, the
 * whitepaper's Reject-After-Messages (2^64 - 2^13 - 1), are refused.
 *
 * Pure code, no locks.  The caller serialises the calls on one window,
 * typically with the keypair's mutex or spinlock: replay_update() must run
 * alone, replay_check() only reads and may run alongside other checks (under
 * a read lock, say) but never alongside an update.
 */
#ifndef TUND_REPLAY_H
#define TUND_REPLAY_H

#include <stdint.h>

#define REPLAY_BITS		8192
#define REPLAY_WORDS		(REPLAY_BITS / 64)
#define REPLAY_WINDOW		(REPLAY_BITS - 64)
#define REPLAY_REJECT_AFTER	(UINT64_MAX - (UINT64_C(1) << 13))

/* Why a counter was refused; the caller counts drops by reason. */
enum replay_result {
	REPLAY_OK = 0,
	REPLAY_DUPLICATE,	/* seen before */
	REPLAY_TOO_OLD,		/* REPLAY_WINDOW or more below the greatest */
	REPLAY_LIMIT		/* at or past REPLAY_REJECT_AFTER */
};

struct replay {
	uint64_t	 next;	/* greatest counter accepted + 1; 0: none yet */
	uint64_t	 ring[REPLAY_WORDS];
};

/* An empty window: every counter below the limit is acceptable. */
void	replay_init(struct replay *);
/*
 * Whether a counter would be accepted, before spending a decryption on it.
 * Changes nothing.
 */
enum replay_result replay_check(const struct replay *, uint64_t counter);
/*
 * The authoritative check, once the packet has authenticated: accepts the
 * counter and marks it seen, or refuses it and changes nothing.
 */
enum replay_result replay_update(struct replay *, uint64_t counter);

#endif
