/*
 * The sink: counting the load traffic that arrives for this tund, and the
 * query and answer that carry the counts back to the sender.
 *
 * A stream keeps a bitmap of the last SINK_WINDOW sequence numbers below
 * the highest one seen: a number above it is new (the gap is loss, unless
 * it comes later), one inside it is a duplicate when its bit is set and a
 * late arrival (reordered) when not, and one below it is too old to tell
 * and taken as reordered.  Latency goes into a histogram with HIST_SUB
 * buckets per power of two, so a percentile is read within about 3%.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "send.h"
#include "sink.h"
#include "tun.h"
#include "tunnel.h"

#define HIST_SUB	16		/* buckets per power of two */
#define HIST_MAXBITS	36		/* latencies below 2^36 ns (68 s) */
#define HIST_BUCKETS	((HIST_MAXBITS - 3) * HIST_SUB)
#define HASH_SLOTS	(2 * SINK_STREAMS)	/* per table, half full at most */
#define BOOT_ID		"/proc/sys/kernel/random/boot_id"

struct stream {
	uint32_t	id;
	uint64_t	top;		/* the highest sequence seen, plus one */
	uint64_t	delivered, duplicated, reordered;
	uint64_t	last_ns;	/* of its latest packet */
	uint64_t	seen[SINK_WINDOW / 64];	/* [top - SINK_WINDOW, top) */
	uint64_t	hist[HIST_BUCKETS];
};

/* One worker's streams: open addressing on the stream id. */
struct table {
	pthread_mutex_t	 lock;
	struct stream	*slot[HASH_SLOTS];
	uint64_t	 streams, delivered;	/* since the start */
};

struct sink {
	struct table * _Atomic	 table[TUNNEL_MAXTHREADS];	/* lazily */
	_Atomic unsigned	 live;		/* streams, in all tables */
	_Atomic uint64_t	 untracked;
	_Atomic uint64_t	 last_sweep;	/* ns: of idle streams */
	uint8_t			 boot[LOADPKT_BOOT_LEN];
	int			 have_boot;
	/* The sending side's mailbox: one answer awaited at a time. */
	pthread_mutex_t		 mbox;
	pthread_cond_t		 arrived;
	uint64_t		 expect;	/* the nonce awaited */
	int			 got;
	struct loadpkt_answer	 answer;
};

uint64_t
sink_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

int
sink_boot_id(uint8_t boot[LOADPKT_BOOT_LEN])
{
	char	text[LOADPKT_BOOT_LEN];
	int	fd;
	ssize_t	n;

	/* The first 8 hex digits are as good as all of it for a test. */
	if ((fd = open(BOOT_ID, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n != (ssize_t)sizeof(text))
		return -1;
	memcpy(boot, text, LOADPKT_BOOT_LEN);
	return 0;
}

struct sink *
sink_new(const uint8_t boot[LOADPKT_BOOT_LEN])
{
	struct sink		*s;
	pthread_condattr_t	 ca;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("sink");
		return NULL;
	}
	if (boot != NULL) {
		memcpy(s->boot, boot, LOADPKT_BOOT_LEN);
		s->have_boot = 1;
	}
	pthread_mutex_init(&s->mbox, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->arrived, &ca);
	pthread_condattr_destroy(&ca);
	return s;
}

void
sink_free(struct sink *s)
{
	struct table	*t;
	size_t		 i, j;

	if (s == NULL)
		return;
	for (i = 0; i < TUNNEL_MAXTHREADS; i++) {
		if ((t = s->table[i]) == NULL)
			continue;
		for (j = 0; j < HASH_SLOTS; j++)
			free(t->slot[j]);
		pthread_mutex_destroy(&t->lock);
		free(t);
	}
	pthread_mutex_destroy(&s->mbox);
	pthread_cond_destroy(&s->arrived);
	free(s);
}

static size_t
hash(uint32_t id)
{
	return (size_t)((id * UINT32_C(2654435761)) % HASH_SLOTS);
}

static struct stream **
find(struct table *t, uint32_t id)
{
	size_t	i;

	for (i = hash(id); t->slot[i] != NULL; i = (i + 1) % HASH_SLOTS)
		if (t->slot[i]->id == id)
			return &t->slot[i];
	return &t->slot[i];
}

/*
 * Keep the streams for which keep() says so; free the others, first
 * handing each to done().  Returns how many went.  The table is built
 * again, as open addressing cannot leave holes.
 */
static unsigned
sift(struct table *t, int (*keep)(const struct stream *, const void *),
    const void *arg, void (*done)(struct stream *, void *), void *darg)
{
	struct stream	*all[HASH_SLOTS];
	size_t		 i, n = 0;
	unsigned	 gone = 0;

	for (i = 0; i < HASH_SLOTS; i++) {
		if (t->slot[i] == NULL)
			continue;
		if (keep(t->slot[i], arg))
			all[n++] = t->slot[i];
		else {
			if (done != NULL)
				done(t->slot[i], darg);
			free(t->slot[i]);
			gone++;
		}
		t->slot[i] = NULL;
	}
	for (i = 0; i < n; i++)
		*find(t, all[i]->id) = all[i];
	return gone;
}

static int
busy(const struct stream *st, const void *now)
{
	return *(const uint64_t *)now - st->last_ns < (uint64_t)SINK_IDLE_MS *
	    1000000;
}

/*
 * Make room by dropping idle streams, at most once a second: in the
 * caller's table (locked) and in the others that are free at the moment.
 */
static void
sweep(struct sink *s, struct table *mine, uint64_t now)
{
	struct table	*t;
	uint64_t	 last = atomic_load(&s->last_sweep);
	unsigned	 gone = 0;
	size_t		 i;

	if (now - last < 1000000000 ||
	    !atomic_compare_exchange_strong(&s->last_sweep, &last, now))
		return;
	for (i = 0; i < TUNNEL_MAXTHREADS; i++) {
		if ((t = s->table[i]) == NULL)
			continue;
		if (t == mine)
			gone += sift(t, busy, &now, NULL, NULL);
		else if (pthread_mutex_trylock(&t->lock) == 0) {
			gone += sift(t, busy, &now, NULL, NULL);
			pthread_mutex_unlock(&t->lock);
		}
	}
	atomic_fetch_sub(&s->live, gone);
}

/* A new stream in slot, or NULL when there is no room for one. */
static struct stream *
add(struct sink *s, struct table *t, uint32_t id, uint64_t now)
{
	struct stream	*st;

	if (atomic_load(&s->live) >= SINK_STREAMS)
		sweep(s, t, now);
	if (atomic_fetch_add(&s->live, 1) >= SINK_STREAMS ||
	    (st = calloc(1, sizeof(*st))) == NULL) {
		atomic_fetch_sub(&s->live, 1);
		return NULL;
	}
	st->id = id;
	*find(t, id) = st;
	return st;
}

/* The worker's table, made on its first load packet. */
static struct table *
table_of(struct sink *s, int thread)
{
	struct table	*t;

	if ((t = s->table[thread]) != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	s->table[thread] = t;
	return t;
}

static int
seen(const struct stream *st, uint64_t seq)
{
	return (st->seen[seq / 64 % (SINK_WINDOW / 64)] >> (seq % 64)) & 1;
}

static void
set_seen(struct stream *st, uint64_t seq, int on)
{
	uint64_t	*w = &st->seen[seq / 64 % (SINK_WINDOW / 64)];

	if (on)
		*w |= UINT64_C(1) << (seq % 64);
	else
		*w &= ~(UINT64_C(1) << (seq % 64));
}

/* Count a sequence number; 1 when it was delivered, 0 for a duplicate. */
static int
count_seq(struct stream *st, uint64_t seq)
{
	uint64_t	q;

	if (seq >= st->top) {
		if (seq - st->top >= SINK_WINDOW)
			memset(st->seen, 0, sizeof(st->seen));
		else
			for (q = st->top; q < seq; q++)
				set_seen(st, q, 0);
		set_seen(st, seq, 1);
		st->top = seq + 1;
	} else if (st->top - seq > SINK_WINDOW)
		st->reordered++;
	else if (seen(st, seq)) {
		st->duplicated++;
		return 0;
	} else {
		set_seen(st, seq, 1);
		st->reordered++;
	}
	st->delivered++;
	return 1;
}

static size_t
bucket(uint64_t ns)
{
	int	m;

	if (ns >= UINT64_C(1) << HIST_MAXBITS)
		ns = (UINT64_C(1) << HIST_MAXBITS) - 1;
	if (ns < HIST_SUB)
		return (size_t)ns;
	m = 63 - __builtin_clzll(ns);
	return (size_t)(m - 3) * HIST_SUB + ((ns >> (m - 4)) & (HIST_SUB - 1));
}

/* The middle of a bucket's range. */
static uint64_t
bucket_value(size_t b)
{
	int	m;

	if (b < HIST_SUB)
		return b;
	m = (int)(b / HIST_SUB) + 3;
	return ((HIST_SUB + b % HIST_SUB) << (m - 4)) +
	    ((UINT64_C(1) << (m - 4)) >> 1);
}

void
sink_count(struct sink *s, int thread, const struct loadpkt_hdr *h,
    uint64_t now_ns)
{
	struct table	*t;
	struct stream	*st;

	if (thread < 0 || thread >= TUNNEL_MAXTHREADS ||
	    (t = table_of(s, thread)) == NULL) {
		atomic_fetch_add(&s->untracked, 1);
		return;
	}
	pthread_mutex_lock(&t->lock);
	if ((st = *find(t, h->stream)) == NULL) {
		if ((st = add(s, t, h->stream, now_ns)) == NULL) {
			pthread_mutex_unlock(&t->lock);
			atomic_fetch_add(&s->untracked, 1);
			return;
		}
		t->streams++;
	}
	t->delivered += (uint64_t)count_seq(st, h->seq);
	st->hist[bucket(now_ns > h->sent_ns ? now_ns - h->sent_ns : 0)]++;
	st->last_ns = now_ns;
	pthread_mutex_unlock(&t->lock);
}

uint64_t
sink_untracked(struct sink *s)
{
	return atomic_load(&s->untracked);
}

void
sink_status(struct sink *s, struct sink_status *st)
{
	struct table	*t;
	size_t		 i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < TUNNEL_MAXTHREADS; i++) {
		if ((t = s->table[i]) == NULL)
			continue;
		pthread_mutex_lock(&t->lock);
		st->streams += t->streams;
		st->delivered += t->delivered;
		pthread_mutex_unlock(&t->lock);
	}
	st->live = atomic_load(&s->live);
	st->untracked = atomic_load(&s->untracked);
}

struct range {
	uint32_t	first, n;
};

static int
outside(const struct stream *st, const void *arg)
{
	const struct range	*r = arg;

	return st->id - r->first >= r->n;
}

/* What collect() gathers from the streams it takes. */
struct merged {
	struct sink_totals	*tot;
	uint64_t		 hist[HIST_BUCKETS];
};

static void
merge(struct stream *st, void *arg)
{
	struct merged	*m = arg;
	size_t		 i;

	m->tot->found++;
	m->tot->delivered += st->delivered;
	m->tot->duplicated += st->duplicated;
	m->tot->reordered += st->reordered;
	for (i = 0; i < HIST_BUCKETS; i++)
		m->hist[i] += st->hist[i];
}

/* The latency below which permille of the n packets in hist fall. */
static uint64_t
percentile(const uint64_t *hist, uint64_t n, unsigned permille)
{
	uint64_t	rank = (n * permille + 999) / 1000, sum = 0;
	size_t		i;

	for (i = 0; i < HIST_BUCKETS; i++)
		if ((sum += hist[i]) >= rank && sum > 0)
			return bucket_value(i);
	return 0;
}

void
sink_collect(struct sink *s, uint32_t first, uint32_t n,
    struct sink_totals *tot)
{
	struct range	 r = { first, n };
	struct merged	*m;
	struct table	*t;
	uint64_t	 all;
	size_t		 i;

	memset(tot, 0, sizeof(*tot));
	/* 4 KB of histogram: not on a worker's stack. */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	m->tot = tot;
	for (i = 0; i < TUNNEL_MAXTHREADS; i++) {
		if ((t = s->table[i]) == NULL)
			continue;
		pthread_mutex_lock(&t->lock);
		atomic_fetch_sub(&s->live, sift(t, outside, &r, merge, m));
		pthread_mutex_unlock(&t->lock);
	}
	all = tot->delivered + tot->duplicated;
	tot->p50_ns = percentile(m->hist, all, 500);
	tot->p99_ns = percentile(m->hist, all, 990);
	tot->p999_ns = percentile(m->hist, all, 999);
	free(m);
}

void
sink_answer(struct sink *s, const struct loadpkt_query *q,
    struct loadpkt_answer *a)
{
	struct sink_totals	tot;

	sink_collect(s, q->first, q->n, &tot);
	memset(a, 0, sizeof(*a));
	a->nonce = q->nonce;
	a->first = q->first;
	a->n = q->n;
	a->found = tot.found;
	a->clock_shared = s->have_boot &&
	    memcmp(q->boot, s->boot, LOADPKT_BOOT_LEN) == 0;
	a->delivered = tot.delivered;
	a->duplicated = tot.duplicated;
	a->reordered = tot.reordered;
	a->p50_ns = tot.p50_ns;
	a->p99_ns = tot.p99_ns;
	a->p999_ns = tot.p999_ns;
}

void
sink_expect(struct sink *s, uint64_t nonce)
{
	pthread_mutex_lock(&s->mbox);
	s->expect = nonce;
	s->got = 0;
	pthread_mutex_unlock(&s->mbox);
}

int
sink_await(struct sink *s, unsigned ms, struct loadpkt_answer *a)
{
	struct timespec	until;
	int		rv = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mbox);
	while (!s->got && rv != ETIMEDOUT)
		rv = pthread_cond_timedwait(&s->arrived, &s->mbox, &until);
	if (s->got)
		*a = s->answer;
	rv = s->got ? 0 : -1;
	s->expect = 0;
	pthread_mutex_unlock(&s->mbox);
	return rv;
}

void
sink_answered(struct sink *s, const struct loadpkt_answer *a)
{
	pthread_mutex_lock(&s->mbox);
	if (s->expect != 0 && a->nonce == s->expect && !s->got) {
		s->answer = *a;
		s->got = 1;
		pthread_cond_signal(&s->arrived);
	}
	pthread_mutex_unlock(&s->mbox);
}

/* Whether the packet is addressed to this tund. */
static int
for_us(const struct tunnel *tn, const struct loadpkt_flow *f)
{
	uint8_t	local[16];

	return tunnel_local(tn, f->family, local) &&
	    memcmp(f->dst, local, f->family == 4 ? 4 : 16) == 0;
}

/*
 * Answer a query through the tunnel, from the address and port it was
 * sent to, as if the packet had been read from the device.
 */
static void
reply(struct thread_ctx *x, const struct loadpkt_flow *f,
    const struct loadpkt_query *q)
{
	struct loadpkt_flow	back;
	struct loadpkt_answer	a;
	uint8_t			pkt[LOADPKT_IP6_HDRS + LOADPKT_ANSWER_LEN];
	uint8_t			vnet[TUN_VNET_LEN];
	size_t			hl = loadpkt_hdrs(f->family);

	sink_answer(x->tn->sink, q, &a);
	back.family = f->family;
	memcpy(back.src, f->dst, sizeof(back.src));
	memcpy(back.dst, f->src, sizeof(back.dst));
	back.sport = f->dport;
	back.dport = f->sport;
	loadpkt_answer_put(pkt + hl, &a, sink_clock());
	loadpkt_ip_udp(pkt, hl + LOADPKT_ANSWER_LEN, &back);
	memset(vnet, 0, sizeof(vnet));
	send_from_device(x, vnet, pkt, hl + LOADPKT_ANSWER_LEN);
	log_info("load: answered a query for %u streams: %u known, "
	    "%llu delivered", q->n, a.found,
	    (unsigned long long)a.delivered);
}

int
sink_input(struct thread_ctx *x, const uint8_t *pkt, size_t len)
{
	struct sink		*s = x->tn->sink;
	struct loadpkt_udp	 u;
	struct loadpkt_hdr	 h;
	struct loadpkt_query	 q;
	struct loadpkt_answer	 a;

	if (s == NULL || loadpkt_udp_parse(&u, pkt, len) == -1 ||
	    !for_us(x->tn, &u.flow) ||
	    loadpkt_hdr_get(&h, u.payload, u.len) == -1)
		return 0;
	switch (h.kind) {
	case LOADPKT_DATA:
		sink_count(s, x->id, &h, sink_clock());
		break;
	case LOADPKT_QUERY:
		if (loadpkt_query_get(&q, u.payload, u.len) == 0)
			reply(x, &u.flow, &q);
		break;
	case LOADPKT_ANSWER:
		if (loadpkt_answer_get(&a, u.payload, u.len) == 0)
			sink_answered(s, &a);
		break;
	}
	return 1;
}
