/*
 * Worker threads: each owns one event base and one tun queue and pulls
 * packets from it on poll readiness.  Counters are per worker and atomic,
 * so reading them from the main thread needs no lock.
 */
#ifndef TUND_WORKER_H
#define TUND_WORKER_H

#include <stdint.h>

struct tun;
struct allowedips;

/* Why a packet was dropped; each reason has its own counter. */
enum drop_reason {
	DROP_MALFORMED,		/* not an IPv4 or IPv6 packet */
	DROP_NO_PEER,		/* no peer's AllowedIPs hold the destination */
	DROP_NO_SESSION,	/* a peer, but no tunnel to it yet */
	DROP_NREASONS
};

struct worker_stats {
	uint64_t	tun_packets;	/* pulled from the device */
	uint64_t	tun_bytes;
	uint64_t	drops[DROP_NREASONS];
};

struct workers;

/*
 * Start n workers, worker i reading queue i of the device and looking up
 * packets by the peer table.  Returns NULL, having logged why, on failure.
 */
struct workers	*workers_start(struct tun *, int n, struct allowedips *);
/* Stop and join every worker. */
void		 workers_stop(struct workers *);
/* The sum of every worker's counters. */
void		 workers_stats(struct workers *, struct worker_stats *);
const char	*drop_reason_name(enum drop_reason);

#endif
