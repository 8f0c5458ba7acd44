/*
 * Load generation through the tun interface, and the sink at the far end.
 *
 * Sender threads push packets through the interface's output path, by UDP
 * sockets routed out through it or by pcap_inject on it; tund's workers
 * pull them from the device like any traffic.  Each packet's payload
 * carries a magic, a stream id, a sequence number and a send time, so the
 * tund at the far end recognises load traffic addressed to one of its
 * interface addresses and counts it; the sender asks for those counts at
 * the end of each run, so one report holds both ends.
 */
#ifndef TUND_LOAD_H
#define TUND_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define LOAD_NERRORS	8	/* distinct errnos counted a thread */

/* What one sender thread did in a run. */
struct load_thread_result {
	uint64_t	offered_pkts, offered_bytes;	/* tried to send */
	uint64_t	accepted_pkts, accepted_bytes;	/* the kernel took */
	int		err[LOAD_NERRORS];		/* errno values */
	uint64_t	err_count[LOAD_NERRORS];	/* and how often */
};

/* The far end's view of a run, from its answer. */
struct load_far {
	int		valid;		/* an answer came */
	uint64_t	delivered, reordered, duplicated;
	double		loss_pct;	/* of accepted packets, not delivered */
	double		p50_us, p99_us, p999_us;	/* one-way latency */
	int		clock_shared;	/* latency meaningful (same clock) */
};

/* One run: a thread count of the sweep. */
struct load_run {
	unsigned	threads;
	double		seconds;
	struct load_thread_result *thread;	/* threads entries */
	struct load_thread_result total;
	uint64_t	if_tx_dropped;	/* the interface's, during the run */
	uint64_t	pulled;		/* packets tund read from the device */
	uint64_t	encrypted;	/* datagrams tund sent */
	struct load_far	far;
};

/* A live view while a run goes on, for the progress line. */
struct load_progress {
	double		elapsed;	/* seconds */
	double		pps, gbps;	/* accepted, over the last interval */
	uint64_t	drops;		/* interface drops so far */
};

struct event_base;
struct load;
struct tunnel;

/*
 * Load mode, on a thread of its own: wait for a session with the peer
 * that Destination routes to (none: tund drains what it pulls), make one
 * run per entry of Threads, write the report, then end the event loop of
 * base.  NULL, having logged why, when it cannot start.
 */
struct load	*load_start(struct tunnel *, const struct conf *,
		    struct event_base *);
/*
 * Stop what still runs, wait for it and free it.  Returns 0 when every
 * run was made and reported, -1 otherwise.  NULL is fine (0).
 */
int		 load_stop(struct load *);

/* Where the sweep is, for tund show. */
struct load_status {
	size_t		runs;		/* of the sweep */
	size_t		done;		/* runs whose senders have finished */
	int		running;	/* a run's senders are sending: */
	unsigned	threads;	/* how many */
	double		elapsed;	/* seconds since they started */
	uint64_t	sent;		/* packets the kernel took from them */
};

/* From any thread while the load runs. */
void		 load_status(struct load *, struct load_status *);

#endif
