/*
 * Sharing a batch's decryption among the worker threads.
 *
 * One peer's datagrams arrive on one socket, so one worker reads them all;
 * decryption is most of their cost.  The worker posts the batch on its
 * board and wakes the others; every thread that comes claims jobs one at a
 * time until none are left, the poster included, and the poster then takes
 * the results in order.  No thread waits for another but for the few
 * microseconds of a job already claimed, and order is the poster's.
 */
#ifndef TUND_PARALLEL_H
#define TUND_PARALLEL_H

#include <stdatomic.h>
#include <stdint.h>

#include "udp_msg.h"

struct keypair;
struct thread_ctx;

/* A data message to open. */
struct rx_job {
	struct keypair		*kp;	/* held */
	uint8_t			*buf;	/* the datagram, opened in place */
	size_t			 len;
	uint64_t		 counter;
	uint8_t			*end;	/* of its buffer: room to coalesce */
	union sockaddr_inet	 src;
	int			 ok;	/* it authenticated */
};

/*
 * A thread's batch on offer.  word packs an epoch (bits 40-63), the job
 * count (20-39) and the next job to claim (0-19), so a claim is one
 * compare-and-swap that also proves the batch is still the one it was.
 */
struct board {
	_Atomic uint64_t	 word;
	_Atomic uint32_t	 done;
	struct rx_job		*jobs;
};

#define PARALLEL_MIN	16	/* smaller batches are not worth the wakeups */

/* Open every job of x's batch, with whichever threads come to help. */
void	parallel_open(struct thread_ctx *x, struct rx_job *, int n);
/* Help with the batches other threads have on offer. */
void	parallel_help(struct thread_ctx *x);

#endif
