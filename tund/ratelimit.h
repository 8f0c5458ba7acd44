/*
 * Per-source rate limit on handshake messages, after the WireGuard Linux
 * module's ratelimiter: a token bucket per IPv4 address or IPv6 /64 that
 * refills at RATELIMIT_PER_SECOND and holds RATELIMIT_BURST.  A source
 * idle for RATELIMIT_IDLE_MS has a full bucket, so ratelimit_gc() then
 * forgets it without changing any answer.
 *
 * The table has RATELIMIT_ENTRIES entries, allocated once: when they are
 * all in use, a new source is limited until the next ratelimit_gc()
 * frees some, and memory never grows.  The caller runs ratelimit_gc()
 * about once a second.
 *
 * These rates are the Linux module's (20 a second, 5 at once), not
 * wire.h's INITIATIONS_PER_SECOND, which bounds initiations from one
 * peer, whatever its address.
 *
 * Pure code (times are monotonic milliseconds from the caller); every
 * call may come from any thread, under one mutex.  The limiter sees only
 * handshake messages, not data, so the lock is off the fast path.
 */
#ifndef TUND_RATELIMIT_H
#define TUND_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

enum ratelimit_limits {
	RATELIMIT_PER_SECOND = 20,
	RATELIMIT_BURST = 5,
	RATELIMIT_ENTRIES = 8192,
	RATELIMIT_IDLE_MS = 1000
};

struct ratelimit;

/* NULL when out of memory. */
struct ratelimit *ratelimit_new(void);
void	ratelimit_free(struct ratelimit *);
/*
 * 1 when a packet from addr (4 bytes for AF_INET, 16 for AF_INET6) may
 * pass, 0 when it is limited.  Any other family is limited.
 */
int	ratelimit_allow(struct ratelimit *, int af, const uint8_t *addr,
	    uint64_t now);
/* Forget the sources idle for more than RATELIMIT_IDLE_MS. */
void	ratelimit_gc(struct ratelimit *, uint64_t now);
/* Sources remembered, for the interface's statistics. */
size_t	ratelimit_count(struct ratelimit *);

#endif
