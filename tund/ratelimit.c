/*
 * Handshake rate limiting by source; see ratelimit.h.
 *
 * One allocation holds everything: a chained hash table whose chains are
 * entry indexes, and the entries, those not in use kept on a free list.
 *
 * Tokens count in units of 1/RATELIMIT_PER_SECOND ms: a millisecond adds
 * RATELIMIT_PER_SECOND of them, a packet costs 1000, and the bucket holds
 * RATELIMIT_BURST packets.  As in the Linux module, a new source starts
 * with a full bucket.
 *
 * The bucket index is a multiply-shift hash (Dietzfelbinger et al.) with
 * a random odd multiplier: a universal family, so a sender who does not
 * know the multiplier cannot pick sources that collide more often than
 * chance.  SipHash would also resist an attacker who learns from timing;
 * that seems remote here, where the sources that reach the limiter have
 * proven with mac2 that they receive at their address, and chains are
 * bounded by the table size in any case.  crypto_mac would allocate a
 * context per packet.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto.h"
#include "ratelimit.h"

#define HASH_BITS	13
#define BUCKETS		(1U << HASH_BITS)
#define NIL		UINT32_MAX
#define COST		1000
#define TOKEN_MAX	(COST * RATELIMIT_BURST)

/* An idle source's bucket is full, so forgetting it changes nothing. */
_Static_assert((uint64_t)RATELIMIT_IDLE_MS * RATELIMIT_PER_SECOND >= TOKEN_MAX,
    "idle sources must have refilled");

struct entry {
	uint64_t	 key;		/* IPv4 address or IPv6 /64 */
	uint64_t	 last;		/* time of the latest packet */
	uint32_t	 tokens;
	uint32_t	 next;		/* in a chain or the free list */
	int		 v6;
};

struct ratelimit {
	pthread_mutex_t	 lock;
	uint64_t	 mul;
	uint32_t	 free;
	size_t		 count;
	uint32_t	 bucket[BUCKETS];
	struct entry	 entry[RATELIMIT_ENTRIES];
};

struct ratelimit *
ratelimit_new(void)
{
	struct ratelimit	*rl;
	uint32_t		 i;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl);
		return NULL;
	}
	crypto_random(&rl->mul, sizeof(rl->mul));
	rl->mul |= 1;
	for (i = 0; i < BUCKETS; i++)
		rl->bucket[i] = NIL;
	for (i = 0; i < RATELIMIT_ENTRIES; i++)
		rl->entry[i].next = i + 1 < RATELIMIT_ENTRIES ? i + 1 : NIL;
	rl->free = 0;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

/* The first len bytes of p as a big-endian number. */
static uint64_t
be_get(const uint8_t *p, size_t len)
{
	uint64_t	 v = 0;

	while (len-- > 0)
		v = v << 8 | *p++;
	return v;
}

static uint32_t *
chain(struct ratelimit *rl, uint64_t key)
{
	return &rl->bucket[(key * rl->mul) >> (64 - HASH_BITS)];
}

static struct entry *
lookup(struct ratelimit *rl, uint64_t key, int v6)
{
	struct entry	*e;
	uint32_t	 i;

	for (i = *chain(rl, key); i != NIL; i = e->next) {
		e = &rl->entry[i];
		if (e->key == key && e->v6 == v6)
			return e;
	}
	return NULL;
}

/* A new source with a full bucket, or NULL when the table is full. */
static struct entry *
insert(struct ratelimit *rl, uint64_t key, int v6, uint64_t now)
{
	struct entry	*e;
	uint32_t	*head, i;

	if ((i = rl->free) == NIL)
		return NULL;
	e = &rl->entry[i];
	rl->free = e->next;
	head = chain(rl, key);
	e->key = key;
	e->v6 = v6;
	e->last = now;
	e->tokens = TOKEN_MAX;
	e->next = *head;
	*head = i;
	rl->count++;
	return e;
}

/* Refill for the time since the last packet, then pay for this one. */
static int
spend(struct entry *e, uint64_t now)
{
	uint64_t	 elapsed, tokens;

	if (now > e->last) {
		elapsed = now - e->last;
		/* The bucket is full by then; this keeps the sum small. */
		if (elapsed > RATELIMIT_IDLE_MS)
			elapsed = RATELIMIT_IDLE_MS;
		tokens = e->tokens + elapsed * RATELIMIT_PER_SECOND;
		e->tokens = tokens < TOKEN_MAX ? (uint32_t)tokens : TOKEN_MAX;
		e->last = now;
	}
	if (e->tokens < COST)
		return 0;
	e->tokens -= COST;
	return 1;
}

int
ratelimit_allow(struct ratelimit *rl, int af, const uint8_t *addr,
    uint64_t now)
{
	struct entry	*e;
	uint64_t	 key;
	int		 v6, ok;

	if (af == AF_INET) {
		key = be_get(addr, 4);
		v6 = 0;
	} else if (af == AF_INET6) {
		/* One host may hold a whole /64: limit it as one source. */
		key = be_get(addr, 8);
		v6 = 1;
	} else
		return 0;

	pthread_mutex_lock(&rl->lock);
	if ((e = lookup(rl, key, v6)) == NULL)
		e = insert(rl, key, v6, now);
	ok = e != NULL && spend(e, now);
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

/*
 * Silent for more than RATELIMIT_IDLE_MS.  A now behind the last packet
 * comes from a thread that read the clock earlier: not idle.
 */
static int
idle(const struct entry *e, uint64_t now)
{
	return now > e->last && now - e->last > RATELIMIT_IDLE_MS;
}

void
ratelimit_gc(struct ratelimit *rl, uint64_t now)
{
	struct entry	*e;
	uint32_t	*link, b, i;

	pthread_mutex_lock(&rl->lock);
	for (b = 0; b < BUCKETS; b++) {
		link = &rl->bucket[b];
		while ((i = *link) != NIL) {
			e = &rl->entry[i];
			if (idle(e, now)) {
				*link = e->next;
				e->next = rl->free;
				rl->free = i;
				rl->count--;
			} else
				link = &e->next;
		}
	}
	pthread_mutex_unlock(&rl->lock);
}

size_t
ratelimit_count(struct ratelimit *rl)
{
	size_t	 n;

	pthread_mutex_lock(&rl->lock);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}
