/*
 * sink.c: counting load streams in order, with loss, duplicates and
 * reordering, inside and beyond the window; latency percentiles against
 * a known distribution; the bound on streams and the room idle ones make;
 * the tables of several threads merged; the counts since the start; the answer to a query and the
 * mailbox of the waiting run; and sink_input() telling load traffic for
 * this tund from everything else.
 */
#include <pthread.h>
#include <stdlib.h>

#include "loadpkt.h"
#include "sink.h"
#include "t.h"
#include "tunnel.h"

#define MS	UINT64_C(1000000)
#define T0	(1000 * MS)		/* a "now" well above zero */

static const uint8_t	boot[LOADPKT_BOOT_LEN] = "abcdefgh";

/* Packet seq of stream id on thread th, latency lat ns, at T0 + seq us. */
static void
feed(struct sink *s, int th, uint32_t id, uint64_t seq, uint64_t lat)
{
	struct loadpkt_hdr	h = { LOADPKT_DATA, id, seq, 0 };
	uint64_t		now = T0 + seq * 1000;

	h.sent_ns = now - lat;
	sink_count(s, th, &h, now);
}

static void
feed_range(struct sink *s, uint32_t id, uint64_t from, uint64_t to)
{
	uint64_t	q;

	for (q = from; q < to; q++)
		feed(s, 0, id, q, 1000);
}

static void
test_in_order(void)
{
	struct sink		*s;
	struct sink_totals	 t;

	CHECK((s = sink_new(boot)) != NULL);
	feed_range(s, 7, 0, 100000);
	sink_collect(s, 7, 1, &t);
	CHECK_INT(t.found, 1);
	CHECK_INT(t.delivered, 100000);
	CHECK_INT(t.duplicated, 0);
	CHECK_INT(t.reordered, 0);
	/* Collected streams are forgotten. */
	sink_collect(s, 7, 1, &t);
	CHECK_INT(t.found, 0);
	CHECK_INT(t.delivered, 0);
	sink_free(s);
}

static void
test_loss(void)
{
	struct sink		*s;
	struct sink_totals	 t;

	CHECK((s = sink_new(boot)) != NULL);
	/* Gaps smaller and larger than the window, and a lost tail. */
	feed_range(s, 1, 0, 10);
	feed_range(s, 1, 20, 30);
	feed_range(s, 1, 30 + 2 * SINK_WINDOW, 40 + 2 * SINK_WINDOW);
	sink_collect(s, 1, 1, &t);
	CHECK_INT(t.delivered, 30);
	CHECK_INT(t.duplicated + t.reordered, 0);
	sink_free(s);
}

static void
test_duplicates(void)
{
	struct sink		*s;
	struct sink_totals	 t;

	CHECK((s = sink_new(boot)) != NULL);
	feed_range(s, 1, 0, 100);
	feed(s, 0, 1, 99, 0);			/* the latest again */
	feed(s, 0, 1, 50, 0);			/* in the window */
	feed(s, 0, 1, 50, 0);
	feed(s, 0, 1, 0, 0);			/* the oldest in it */
	sink_collect(s, 1, 1, &t);
	CHECK_INT(t.delivered, 100);
	CHECK_INT(t.duplicated, 4);
	CHECK_INT(t.reordered, 0);
	sink_free(s);
}

/* What tund show reports: totals that outlive the streams' collection. */
static void
test_status(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	struct sink_status	 st;

	CHECK((s = sink_new(boot)) != NULL);
	sink_status(s, &st);
	CHECK_INT(st.streams + st.delivered + st.untracked + st.live, 0);
	feed_range(s, 1, 0, 100);
	feed(s, 0, 1, 50, 0);			/* a duplicate */
	feed(s, 1, 2, 0, 0);			/* another thread's table */
	feed(s, 1, 2, 1, 0);
	sink_status(s, &st);
	CHECK_INT(st.streams, 2);
	CHECK_INT(st.delivered, 102);
	CHECK_INT(st.live, 2);
	sink_collect(s, 1, 2, &t);
	sink_status(s, &st);
	CHECK_INT(st.streams, 2);
	CHECK_INT(st.delivered, 102);
	CHECK_INT(st.live, 0);
	CHECK_INT(st.untracked, 0);
	sink_free(s);
}

static void
test_reordered(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	uint64_t		 q;

	CHECK((s = sink_new(boot)) != NULL);
	/* Pairs swapped: 1 0 3 2 5 4 ... */
	for (q = 0; q < 1000; q += 2) {
		feed(s, 0, 1, q + 1, 0);
		feed(s, 0, 1, q, 0);
	}
	/* Late by the whole window, then too late to tell. */
	feed(s, 0, 1, 1000 + SINK_WINDOW, 0);
	feed(s, 0, 1, 1001, 0);
	feed(s, 0, 1, 1001, 0);
	feed(s, 0, 1, 1000, 0);
	sink_collect(s, 1, 1, &t);
	CHECK_INT(t.delivered, 1000 + 3);
	CHECK_INT(t.reordered, 500 + 2);
	CHECK_INT(t.duplicated, 1);
	sink_free(s);
}

/* Latencies 1 us, 2 us, ..., 10 ms, each once, in a shuffled order. */
static void
test_latency(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	uint64_t		 i, k;

	CHECK((s = sink_new(boot)) != NULL);
	for (i = 0; i < 10000; i++) {
		k = i * 7919 % 10000;		/* 7919 is prime: a shuffle */
		feed(s, 0, 3, i, (k + 1) * 1000);
	}
	sink_collect(s, 3, 1, &t);
	CHECK_INT(t.delivered, 10000);
	/* Bucket middles are within 1/32 of the value. */
	CHECK(t.p50_ns > 5000000 * 31 / 32 && t.p50_ns < 5000000 * 33 / 32);
	CHECK(t.p99_ns > 9900000 * 31 / 32 && t.p99_ns < 9900000 * 33 / 32);
	CHECK(t.p999_ns > 9990000 * 31 / 32 &&
	    t.p999_ns < 9990000 * 33 / 32);
	/* Without packets: no latency at all. */
	sink_collect(s, 3, 1, &t);
	CHECK_INT(t.p50_ns + t.p99_ns + t.p999_ns, 0);
	sink_free(s);
}

/* Sub-microsecond and huge latencies land in the first and last buckets. */
static void
test_latency_ends(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	struct loadpkt_hdr	 h = { LOADPKT_DATA, 5, 0, T0 + 1 };

	CHECK((s = sink_new(boot)) != NULL);
	sink_count(s, 0, &h, T0);		/* sent "after" it came */
	sink_collect(s, 5, 1, &t);
	CHECK_INT(t.p50_ns, 0);
	h.sent_ns = 0;
	sink_count(s, 0, &h, UINT64_MAX);
	sink_collect(s, 5, 1, &t);
	CHECK(t.p50_ns > (UINT64_C(1) << 35) && t.p50_ns < UINT64_C(1) << 36);
	sink_free(s);
}

static void
test_bounded(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	uint32_t		 i;

	CHECK((s = sink_new(boot)) != NULL);
	for (i = 0; i < SINK_STREAMS; i++)
		feed(s, i % 4, 0x10000 + i, 0, 0);
	CHECK_INT(sink_untracked(s), 0);
	feed(s, 0, 0x20000, 0, 0);
	feed(s, 1, 0x20000, 1, 0);
	CHECK_INT(sink_untracked(s), 2);
	/* A range of them collected makes room again. */
	sink_collect(s, 0x10000, 10, &t);
	CHECK_INT(t.found, 10);
	CHECK_INT(t.delivered, 10);
	feed(s, 0, 0x20000, 2, 0);
	CHECK_INT(sink_untracked(s), 2);
	sink_collect(s, 0x10000, SINK_STREAMS, &t);
	CHECK_INT(t.found, SINK_STREAMS - 10);
	sink_collect(s, 0x20000, 1, &t);
	CHECK_INT(t.found, 1);
	sink_free(s);
}

/* With the table full, streams idle for SINK_IDLE_MS give way. */
static void
test_idle(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	struct loadpkt_hdr	 h = { LOADPKT_DATA, 0, 0, T0 };
	uint32_t		 i;

	CHECK((s = sink_new(boot)) != NULL);
	for (i = 0; i < SINK_STREAMS; i++) {
		h.stream = i;
		sink_count(s, i % 2, &h, T0 + (i < 100 ? 0 : 5000 * MS));
	}
	h.stream = 0x30000;
	sink_count(s, 0, &h, T0 + (SINK_IDLE_MS + 1) * MS);
	CHECK_INT(sink_untracked(s), 0);
	sink_collect(s, 0, SINK_STREAMS, &t);
	CHECK_INT(t.found, SINK_STREAMS - 100);
	sink_free(s);
}

/* One stream counted by two threads: the counts add up. */
static void
test_threads_merged(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	uint64_t		 q;

	CHECK((s = sink_new(boot)) != NULL);
	for (q = 0; q < 1000; q++)
		feed(s, (int)(q % 3), 9, q, 1000);
	feed(s, 63, 9, 1000, 1000);
	feed(s, 64, 9, 1001, 1000);		/* no such thread */
	feed(s, -1, 9, 1002, 1000);
	CHECK_INT(sink_untracked(s), 2);
	sink_collect(s, 9, 1, &t);
	CHECK_INT(t.found, 4);
	CHECK_INT(t.delivered, 1001);
	sink_free(s);
}

struct worker_arg {
	struct sink	*s;
	int		 th;
};

static void *
count_many(void *arg)
{
	struct worker_arg	*w = arg;
	uint64_t		 q;

	for (q = 0; q < 100000; q++)
		feed(w->s, w->th, 0x40000 + (uint32_t)w->th, q, 1000);
	return NULL;
}

/* Four workers count while queries come: nothing lost, nothing twice. */
static void
test_concurrent(void)
{
	struct sink		*s;
	struct sink_totals	 t;
	struct worker_arg	 w[4];
	pthread_t		 th[4];
	uint64_t		 sum = 0;
	int			 i;

	CHECK((s = sink_new(boot)) != NULL);
	for (i = 0; i < 4; i++) {
		w[i].s = s;
		w[i].th = i;
		CHECK(pthread_create(&th[i], NULL, count_many, &w[i]) == 0);
	}
	for (i = 0; i < 50; i++) {
		sink_collect(s, 0x40000, 4, &t);
		sum += t.delivered;
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	sink_collect(s, 0x40000, 4, &t);
	sum += t.delivered;
	CHECK_INT(sum, 400000);
	sink_free(s);
}

static void
test_answer(void)
{
	struct sink		*s;
	struct loadpkt_query	 q = { 77, 0x50000, 2, "abcdefgh" };
	struct loadpkt_answer	 a;

	CHECK((s = sink_new(boot)) != NULL);
	feed_range(s, 0x50000, 0, 10);
	feed_range(s, 0x50001, 0, 5);
	feed_range(s, 0x50002, 0, 3);		/* not asked about */
	sink_answer(s, &q, &a);
	CHECK_INT(a.nonce, 77);
	CHECK_INT(a.first, 0x50000);
	CHECK_INT(a.n, 2);
	CHECK_INT(a.found, 2);
	CHECK_INT(a.delivered, 15);
	CHECK_INT(a.clock_shared, 1);
	CHECK(a.p50_ns > 0);
	/* Another machine's boot id, or none known here: no shared clock. */
	memcpy(q.boot, "ABCDEFGH", LOADPKT_BOOT_LEN);
	q.first = 0x50002;
	sink_answer(s, &q, &a);
	CHECK_INT(a.delivered, 3);
	CHECK_INT(a.clock_shared, 0);
	sink_free(s);
	CHECK((s = sink_new(NULL)) != NULL);
	memcpy(q.boot, boot, LOADPKT_BOOT_LEN);
	sink_answer(s, &q, &a);
	CHECK_INT(a.clock_shared, 0);
	sink_free(s);
}

static void
test_mailbox(void)
{
	struct sink		*s;
	struct loadpkt_answer	 a, got;

	CHECK((s = sink_new(boot)) != NULL);
	memset(&a, 0, sizeof(a));
	/* Nothing awaited: an answer is dropped. */
	a.nonce = 5;
	sink_answered(s, &a);
	sink_expect(s, 6);
	CHECK_INT(sink_await(s, 10, &got), -1);
	sink_expect(s, 6);
	sink_answered(s, &a);			/* another query's */
	a.nonce = 6;
	a.delivered = 1234;
	sink_answered(s, &a);
	CHECK_INT(sink_await(s, 1000, &got), 0);
	CHECK_INT(got.delivered, 1234);
	sink_free(s);
}

/* A tunnel with one IPv4 address, and a worker of it, for sink_input(). */
static struct tunnel	 tn;
static struct thread_ctx x;

static size_t
packet(uint8_t *pkt, const struct loadpkt_hdr *h, const uint8_t dst[4],
    size_t payload)
{
	struct loadpkt_flow	f;

	memset(&f, 0, sizeof(f));
	f.family = 4;
	memcpy(f.src, "\xc6\x13\x00\x02", 4);
	memcpy(f.dst, dst, 4);
	f.sport = 40000;
	f.dport = 9;
	memset(pkt, 0, LOADPKT_IP4_HDRS + payload);
	if (h != NULL)
		loadpkt_hdr_put(pkt + LOADPKT_IP4_HDRS, h);
	loadpkt_ip_udp(pkt, LOADPKT_IP4_HDRS + payload, &f);
	return LOADPKT_IP4_HDRS + payload;
}

static void
test_input(void)
{
	static const uint8_t	 me[4] = { 198, 19, 0, 1 };
	static const uint8_t	 other[4] = { 198, 19, 0, 9 };
	struct loadpkt_hdr	 h = { LOADPKT_DATA, 0x60000, 0, 0 };
	struct loadpkt_answer	 a, got;
	struct sink_totals	 t;
	struct prefix		 local;
	uint8_t			 pkt[256];
	size_t			 n;

	memset(&tn, 0, sizeof(tn));
	memset(&x, 0, sizeof(x));
	x.tn = &tn;
	memset(&local, 0, sizeof(local));
	local.family = 4;
	local.plen = 32;
	memcpy(local.addr, me, 4);
	tunnel_set_local(&tn, &local, 1);
	/* No sink: everything goes to the device. */
	n = packet(pkt, &h, me, 64);
	CHECK_INT(sink_input(&x, pkt, n), 0);
	CHECK((tn.sink = sink_new(boot)) != NULL);
	h.sent_ns = sink_clock();
	CHECK_INT(sink_input(&x, pkt, packet(pkt, &h, me, 64)), 1);
	/* To another address, without the magic, not UDP: not ours. */
	CHECK_INT(sink_input(&x, pkt, packet(pkt, &h, other, 64)), 0);
	CHECK_INT(sink_input(&x, pkt, packet(pkt, NULL, me, 64)), 0);
	n = packet(pkt, &h, me, 64);
	pkt[9] = 6;
	CHECK_INT(sink_input(&x, pkt, n), 0);
	sink_collect(tn.sink, 0x60000, 1, &t);
	CHECK_INT(t.delivered, 1);
	/* An answer goes to the mailbox. */
	memset(&a, 0, sizeof(a));
	a.nonce = 99;
	a.delivered = 5;
	n = LOADPKT_IP4_HDRS + LOADPKT_ANSWER_LEN;
	packet(pkt, NULL, me, LOADPKT_ANSWER_LEN);
	loadpkt_answer_put(pkt + LOADPKT_IP4_HDRS, &a, 0);
	sink_expect(tn.sink, 99);
	CHECK_INT(sink_input(&x, pkt, n), 1);
	CHECK_INT(sink_await(tn.sink, 1000, &got), 0);
	CHECK_INT(got.delivered, 5);
	sink_free(tn.sink);
}

int
main(void)
{
	T_RUN(test_in_order);
	T_RUN(test_loss);
	T_RUN(test_duplicates);
	T_RUN(test_status);
	T_RUN(test_reordered);
	T_RUN(test_latency);
	T_RUN(test_latency_ends);
	T_RUN(test_bounded);
	T_RUN(test_idle);
	T_RUN(test_threads_merged);
	T_RUN(test_concurrent);
	T_RUN(test_answer);
	T_RUN(test_mailbox);
	T_RUN(test_input);
	return t_done();
}
