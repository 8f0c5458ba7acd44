/*
 * The handshake rate limiter (tund/ratelimit.c) with a fake clock in
 * milliseconds.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "ratelimit.h"
#include "t.h"

#define T0	5000ULL
#define COST_MS	(1000 / RATELIMIT_PER_SECOND)	/* refill time of one */

static const uint8_t a4[4] = { 198, 18, 0, 1 };
static const uint8_t b4[4] = { 198, 18, 0, 2 };

/* Packets allowed out of n sent from one source at now. */
static int
burst(struct ratelimit *rl, int af, const uint8_t *addr, int n, uint64_t now)
{
	int	 ok = 0;

	while (n-- > 0)
		ok += ratelimit_allow(rl, af, addr, now);
	return ok;
}

static void
v4_addr(uint8_t a[4], uint32_t n)
{
	a[0] = 10;
	a[1] = n >> 16;
	a[2] = n >> 8;
	a[3] = n;
}

static void
burst_then_limited(void)
{
	struct ratelimit	*rl;
	int			 n, last;

	CHECK((rl = ratelimit_new()) != NULL);
	n = burst(rl, AF_INET, a4, RATELIMIT_BURST, T0);
	last = ratelimit_allow(rl, AF_INET, a4, T0);
	ratelimit_free(rl);
	CHECK_INT(n, RATELIMIT_BURST);
	CHECK_INT(last, 0);
}

/* One packet's worth comes back every 1000 / RATELIMIT_PER_SECOND ms. */
static void
refill(void)
{
	struct ratelimit	*rl;
	int			 r[4];

	CHECK((rl = ratelimit_new()) != NULL);
	burst(rl, AF_INET, a4, RATELIMIT_BURST, T0);
	r[0] = ratelimit_allow(rl, AF_INET, a4, T0 + COST_MS - 1);
	r[1] = ratelimit_allow(rl, AF_INET, a4, T0 + COST_MS);
	r[2] = ratelimit_allow(rl, AF_INET, a4, T0 + COST_MS);
	r[3] = burst(rl, AF_INET, a4, 100, T0 + COST_MS + 3 * COST_MS);
	ratelimit_free(rl);
	CHECK_INT(r[0], 0);
	CHECK_INT(r[1], 1);
	CHECK_INT(r[2], 0);
	CHECK_INT(r[3], 3);
}

/* However long the pause, the bucket holds RATELIMIT_BURST, no more. */
static void
refill_capped(void)
{
	struct ratelimit	*rl;
	int			 n;

	CHECK((rl = ratelimit_new()) != NULL);
	burst(rl, AF_INET, a4, 100, T0);
	n = burst(rl, AF_INET, a4, 100, T0 + 3600 * 1000);
	ratelimit_free(rl);
	CHECK_INT(n, RATELIMIT_BURST);
}

/* Over ten seconds of steady sending: the burst plus the rate. */
static void
steady_rate(void)
{
	struct ratelimit	*rl;
	uint64_t		 t;
	int			 n = 0;

	CHECK((rl = ratelimit_new()) != NULL);
	for (t = 0; t < 10000; t += 10)
		n += ratelimit_allow(rl, AF_INET, a4, T0 + t);
	ratelimit_free(rl);
	/* 5 at once, then 20 a second over the 9.99 s after the first. */
	CHECK_INT(n, RATELIMIT_BURST + 9990 * RATELIMIT_PER_SECOND / 1000);
}

/* A clock read earlier on another thread neither refills nor breaks. */
static void
clock_behind(void)
{
	struct ratelimit	*rl;
	int			 r[2];

	CHECK((rl = ratelimit_new()) != NULL);
	burst(rl, AF_INET, a4, RATELIMIT_BURST, T0);
	r[0] = ratelimit_allow(rl, AF_INET, a4, T0 - 1000);
	r[1] = ratelimit_allow(rl, AF_INET, a4, T0 + COST_MS);
	ratelimit_free(rl);
	CHECK_INT(r[0], 0);
	CHECK_INT(r[1], 1);
}

static void
sources_independent(void)
{
	struct ratelimit	*rl;
	uint8_t			 v6[16] = { 0, 0, 0, 0, 198, 18, 0, 2 };
	int			 r[3];

	CHECK((rl = ratelimit_new()) != NULL);
	burst(rl, AF_INET, a4, 100, T0);
	r[0] = burst(rl, AF_INET, b4, 100, T0);
	/* Its /64 is b4's number: a family of its own all the same. */
	r[1] = burst(rl, AF_INET6, v6, 100, T0);
	r[2] = ratelimit_allow(rl, AF_INET, a4, T0);
	CHECK_INT(ratelimit_count(rl), 3);
	ratelimit_free(rl);
	CHECK_INT(r[0], RATELIMIT_BURST);
	CHECK_INT(r[1], RATELIMIT_BURST);
	CHECK_INT(r[2], 0);
}

/* The addresses of one /64 share a bucket; the next /64 has its own. */
static void
ipv6_prefix64(void)
{
	struct ratelimit	*rl;
	uint8_t			 x[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 7,
				    [15] = 1 };
	int			 n[4];

	CHECK((rl = ratelimit_new()) != NULL);
	n[0] = burst(rl, AF_INET6, x, 3, T0);
	x[8] = 0xff;
	x[15] = 0x99;
	n[1] = burst(rl, AF_INET6, x, 100, T0);
	x[7] = 8;
	n[2] = burst(rl, AF_INET6, x, 100, T0);
	x[0] = 0x30;
	x[7] = 7;
	n[3] = burst(rl, AF_INET6, x, 100, T0);
	ratelimit_free(rl);
	CHECK_INT(n[0], 3);
	CHECK_INT(n[1], RATELIMIT_BURST - 3);
	CHECK_INT(n[2], RATELIMIT_BURST);
	CHECK_INT(n[3], RATELIMIT_BURST);
}

static void
unknown_family(void)
{
	struct ratelimit	*rl;
	int			 r;

	CHECK((rl = ratelimit_new()) != NULL);
	r = ratelimit_allow(rl, AF_UNIX, a4, T0);
	CHECK_INT(ratelimit_count(rl), 0);
	ratelimit_free(rl);
	CHECK_INT(r, 0);
}

/*
 * A full table refuses new sources and does not grow; the sources it
 * holds keep their buckets; a collection makes room.
 */
static void
table_full(void)
{
	struct ratelimit	*rl;
	uint8_t			 a[4];
	uint32_t		 i;
	int			 refused = 0, r[3];

	CHECK((rl = ratelimit_new()) != NULL);
	for (i = 0; i < RATELIMIT_ENTRIES; i++) {
		v4_addr(a, i);
		refused += !ratelimit_allow(rl, AF_INET, a, T0);
	}
	CHECK_INT(refused, 0);
	CHECK_INT(ratelimit_count(rl), RATELIMIT_ENTRIES);
	for (i = 0; i < 1000; i++) {
		v4_addr(a, RATELIMIT_ENTRIES + i);
		refused += ratelimit_allow(rl, AF_INET, a, T0 + 100) == 0;
	}
	CHECK_INT(refused, 1000);
	CHECK_INT(ratelimit_count(rl), RATELIMIT_ENTRIES);
	v4_addr(a, 17);
	r[0] = burst(rl, AF_INET, a, 100, T0 + 100);
	ratelimit_gc(rl, T0 + 100 + RATELIMIT_IDLE_MS);
	CHECK_INT(ratelimit_count(rl), 1);	/* 17, seen at T0 + 100 */
	v4_addr(a, RATELIMIT_ENTRIES + 1);
	r[1] = ratelimit_allow(rl, AF_INET, a, T0 + 100 + RATELIMIT_IDLE_MS);
	r[2] = (int)ratelimit_count(rl);
	ratelimit_free(rl);
	CHECK_INT(r[0], RATELIMIT_BURST);
	CHECK_INT(r[1], 1);
	CHECK_INT(r[2], 2);
}

/* Collection forgets sources idle for more than RATELIMIT_IDLE_MS only. */
static void
gc_stale(void)
{
	struct ratelimit	*rl;
	size_t			 n[3];

	CHECK((rl = ratelimit_new()) != NULL);
	ratelimit_allow(rl, AF_INET, a4, T0);
	ratelimit_allow(rl, AF_INET, b4, T0 + 600);
	ratelimit_gc(rl, T0 + RATELIMIT_IDLE_MS);
	n[0] = ratelimit_count(rl);
	ratelimit_gc(rl, T0 + RATELIMIT_IDLE_MS + 1);
	n[1] = ratelimit_count(rl);
	ratelimit_gc(rl, T0 + 600 + RATELIMIT_IDLE_MS + 1);
	n[2] = ratelimit_count(rl);
	ratelimit_free(rl);
	CHECK_INT(n[0], 2);
	CHECK_INT(n[1], 1);
	CHECK_INT(n[2], 0);
}

/* Forgetting an idle source gives it what waiting would have: a full bucket. */
static void
gc_transparent(void)
{
	struct ratelimit	*kept, *collected;
	uint64_t		 later = T0 + RATELIMIT_IDLE_MS + 1;
	int			 n[2];

	CHECK((kept = ratelimit_new()) != NULL);
	if ((collected = ratelimit_new()) == NULL) {
		ratelimit_free(kept);
		CHECK(!"ratelimit_new");
	}
	burst(kept, AF_INET, a4, 100, T0);
	burst(collected, AF_INET, a4, 100, T0);
	ratelimit_gc(collected, later);
	n[0] = burst(kept, AF_INET, a4, 100, later);
	n[1] = burst(collected, AF_INET, a4, 100, later);
	ratelimit_free(kept);
	ratelimit_free(collected);
	CHECK_INT(n[0], RATELIMIT_BURST);
	CHECK_INT(n[1], RATELIMIT_BURST);
}

/* Fill, collect, fill again: entries come back through the free list. */
static void
churn(void)
{
	struct ratelimit	*rl;
	uint8_t			 a[4];
	uint32_t		 i, round;
	int			 refused = 0;

	CHECK((rl = ratelimit_new()) != NULL);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < RATELIMIT_ENTRIES; i++) {
			v4_addr(a, round * RATELIMIT_ENTRIES + i);
			refused += !ratelimit_allow(rl, AF_INET, a,
			    T0 + round * 2000);
		}
		ratelimit_gc(rl, T0 + round * 2000 + RATELIMIT_IDLE_MS + 1);
		if (ratelimit_count(rl) != 0)
			break;
	}
	ratelimit_free(rl);
	CHECK_INT(round, 4);
	CHECK_INT(refused, 0);
}

/*
 * Threads share one limiter: together they get exactly one burst from a
 * shared source, and each its own from a private one.
 */
#define NTHREADS	4

static struct ratelimit *shared;

static void *
hammer(void *arg)
{
	uint8_t	 own[4];
	long	 n = 0, i;

	v4_addr(own, (uint32_t)(uintptr_t)arg);
	for (i = 0; i < 1000; i++) {
		n += ratelimit_allow(shared, AF_INET, a4, T0);
		n += 1000 * ratelimit_allow(shared, AF_INET, own, T0);
		if (i % 100 == 0)
			ratelimit_gc(shared, T0);
	}
	return (void *)n;
}

static void
threads(void)
{
	pthread_t	 th[NTHREADS];
	void		*rv;
	long		 n = 0;
	int		 i, started;

	CHECK((shared = ratelimit_new()) != NULL);
	for (started = 0; started < NTHREADS; started++)
		if (pthread_create(&th[started], NULL, hammer,
		    (void *)(uintptr_t)started) != 0)
			break;
	for (i = 0; i < started; i++) {
		pthread_join(th[i], &rv);
		n += (long)rv;
	}
	ratelimit_free(shared);
	CHECK_INT(started, NTHREADS);
	CHECK_INT(n, RATELIMIT_BURST + 1000 * NTHREADS * RATELIMIT_BURST);
}

int
main(void)
{
	T_RUN(burst_then_limited);
	T_RUN(refill);
	T_RUN(refill_capped);
	T_RUN(steady_rate);
	T_RUN(clock_behind);
	T_RUN(sources_independent);
	T_RUN(ipv6_prefix64);
	T_RUN(unknown_family);
	T_RUN(table_full);
	T_RUN(gc_stale);
	T_RUN(gc_transparent);
	T_RUN(churn);
	T_RUN(threads);
	return t_done();
}
