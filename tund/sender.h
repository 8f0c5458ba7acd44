/*
 * Sender threads: one run's packets through the interface's output path.
 *
 * Method socket: each thread's UDP sockets (one per flow, so each a source
 * port of its own) are connected to the destination and routed out through
 * the interface by the kernel; packets leave in sendmmsg batches.  Method
 * inject: pcap_inject on the interface, IP and UDP headers built here.
 * Replay sends the IP packets of a pcap file instead, through raw sockets
 * or pcap_inject.  A token bucket paces each thread to its share of the
 * rate, sleeping rather than spinning.
 */
#ifndef TUND_SENDER_H
#define TUND_SENDER_H

#include <sys/socket.h>

#include <stdatomic.h>
#include <stdint.h>

#include "conf.h"
#include "load.h"

struct sender;
struct tunnel;

/* What a run asks of its senders. */
struct sender_run {
	const struct conf_load	*cl;
	struct tunnel		*tn;
	unsigned		 threads;
	unsigned		 flows;		/* at least threads */
	uint16_t		 tag;		/* streams are tag << 16 | flow */
	uint64_t		 deadline_ns;	/* sink_clock(); 0: none */
	_Atomic int		*stop;		/* set: stop now */
};

/*
 * Make the senders of a run: thread i of r->threads, its sockets or pcap
 * handle open.  NULL, having logged why, on failure.
 */
struct sender	*sender_new(const struct sender_run *, unsigned i);
/* Start it sending; 0, or -1 having logged why. */
int		 sender_start(struct sender *);
/* Whether it has finished: time, count, file or a stop. */
int		 sender_done(struct sender *);
/* Packets and bytes the kernel has taken so far, for the progress line. */
void		 sender_progress(struct sender *, uint64_t *pkts,
		    uint64_t *bytes);
/*
 * Wait for it to finish, fill in what it did and when it stopped, and
 * free it.  NULL is fine.
 */
void		 sender_join(struct sender *, struct load_thread_result *,
		    uint64_t *end_ns);
/* The destination as a socket address; its length. */
socklen_t	 sender_dst(const struct conf_load *,
		    struct sockaddr_storage *);
/* Add a count of errno e to a result. */
void		 sender_tally(struct load_thread_result *, int e, uint64_t n);

#endif
