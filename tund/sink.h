/*
 * The sink: load traffic that arrives through the tunnel for this tund.
 *
 * A decrypted packet that is UDP to one of the tunnel's own addresses
 * (tn->addr4, tn->addr6: the first of each family) and whose payload
 * starts with the load magic (loadpkt.h) goes no further than here.  Data
 * is counted per stream: delivered, duplicated and reordered from a
 * window of the last SINK_WINDOW sequence numbers, and one-way latency
 * into a log-scale histogram.  A query is answered through the tunnel
 * with the counts of the streams it names, which are then forgotten.  An
 * answer is handed to the load run waiting for it (sink_await()).
 *
 * Threads: each worker counts into a table of its own, under a lock of its
 * own that only a query ever contends for; a query takes the tables one
 * by one and merges them.  A stream stays on one worker as long as its
 * peer's datagrams come in on one socket, which is the rule; one split
 * over workers is still counted, but a duplicate seen by two workers is
 * counted as delivered twice.
 *
 * Memory is bounded: at most SINK_STREAMS streams are counted at once;
 * packets of streams beyond that are only counted as untracked.  A stream
 * idle for SINK_IDLE_MS makes room for a new one when there is no other.
 */
#ifndef TUND_SINK_H
#define TUND_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "loadpkt.h"

#define SINK_STREAMS	1024
#define SINK_WINDOW	4096		/* sequence numbers, a multiple of 64 */
#define SINK_IDLE_MS	10000

struct sink;
struct thread_ctx;

/* The counts of a set of streams, merged. */
struct sink_totals {
	uint32_t	found;		/* streams that had counts */
	uint64_t	delivered, duplicated, reordered;
	uint64_t	p50_ns, p99_ns, p999_ns;	/* 0 without packets */
};

/* A sink whose boot id, for the clock test, is boot (NULL: unknown). */
struct sink	*sink_new(const uint8_t boot[LOADPKT_BOOT_LEN]);
void		 sink_free(struct sink *);
/* The first bytes of the kernel's boot id, or -1 where there is none. */
int		 sink_boot_id(uint8_t boot[LOADPKT_BOOT_LEN]);

/*
 * A decrypted packet of len bytes, a whole IP packet, on its way to the
 * device on worker x: 1 when it was load traffic for this tund and has
 * been dealt with, 0 when it goes on to the device.
 */
int		 sink_input(struct thread_ctx *x, const uint8_t *pkt,
		    size_t len);

/* CLOCK_MONOTONIC in nanoseconds: the clock of send times. */
uint64_t	 sink_clock(void);
/* Count a data packet of a stream, seen by worker thread at now_ns. */
void		 sink_count(struct sink *, int thread,
		    const struct loadpkt_hdr *, uint64_t now_ns);
/* The totals of streams [first, first + n), which are then forgotten. */
void		 sink_collect(struct sink *, uint32_t first, uint32_t n,
		    struct sink_totals *);
/* Packets of streams that found no room. */
uint64_t	 sink_untracked(struct sink *);

/* What the sink has counted since the start, for tund show. */
struct sink_status {
	uint64_t	streams;	/* seen */
	uint64_t	delivered;	/* packets, duplicates aside */
	uint64_t	untracked;	/* packets of streams without room */
	unsigned	live;		/* streams being counted now */
};

void		 sink_status(struct sink *, struct sink_status *);
/* The answer to a query, as the sink would send it. */
void		 sink_answer(struct sink *, const struct loadpkt_query *,
		    struct loadpkt_answer *);

/*
 * The sending side: say which query's answer is awaited, then wait up to
 * ms milliseconds for it.  sink_await() returns 0 with the answer, or -1
 * when none came.
 */
void		 sink_expect(struct sink *, uint64_t nonce);
int		 sink_await(struct sink *, unsigned ms, struct loadpkt_answer *);
/* An answer that arrived, for whoever waits for it. */
void		 sink_answered(struct sink *, const struct loadpkt_answer *);

#endif
