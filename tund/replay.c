/*
 * Replay window for transport data counters (RFC 6479).  Counter c lives in
 * bit c % 64 of word (c / 64) % REPLAY_WORDS.  The words from the one
 * holding the greatest counter back to REPLAY_WORDS - 1 words before it are
 * live; the others are stale and are cleared when the window slides over
 * them.
 */
#include <stddef.h>
#include <string.h>

#include "replay.h"

static size_t
slot(uint64_t counter)
{
	return (counter / 64) % REPLAY_WORDS;
}

static uint64_t
bit(uint64_t counter)
{
	return UINT64_C(1) << (counter % 64);
}

void
replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

enum replay_result
replay_check(const struct replay *r, uint64_t counter)
{
	if (counter >= REPLAY_REJECT_AFTER)
		return REPLAY_LIMIT;
	if (counter >= r->next)
		return REPLAY_OK;
	/* Below the limit, so the sum cannot wrap. */
	if (counter + REPLAY_WINDOW < r->next)
		return REPLAY_TOO_OLD;
	if (r->ring[slot(counter)] & bit(counter))
		return REPLAY_DUPLICATE;
	return REPLAY_OK;
}

/*
 * Make counter the greatest: clear the words after the one holding the
 * old greatest, up to and including counter's.  A jump of a whole ring or
 * more clears every word once.
 */
static void
slide(struct replay *r, uint64_t counter)
{
	uint64_t	 first, last, w;

	/* The first word past the old greatest; 0 when nothing was seen. */
	first = r->next / 64 + (r->next % 64 != 0);
	last = counter / 64;
	if (last >= first) {
		if (last - first >= REPLAY_WORDS)
			first = last - (REPLAY_WORDS - 1);
		for (w = first; w <= last; w++)
			r->ring[w % REPLAY_WORDS] = 0;
	}
	r->next = counter + 1;
}

enum replay_result
replay_update(struct replay *r, uint64_t counter)
{
	enum replay_result	 res;

	if ((res = replay_check(r, counter)) != REPLAY_OK)
		return res;
	if (counter >= r->next)
		slide(r, counter);
	r->ring[slot(counter)] |= bit(counter);
	return REPLAY_OK;
}
