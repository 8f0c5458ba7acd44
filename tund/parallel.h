/*
 * Sharing a batch's encryption or decryption among the worker threads.
 *
 * One flow's packets come through one device queue and one peer's through
 * one socket, so one worker reads them all, and the cipher is most of their
 * cost.  The worker posts the batch on its board and wakes the others;
 * every thread that comes claims jobs one at a time until none are left,
 * the poster included, and the poster then takes the results in order.  No
 * thread waits for another but for the microseconds of a job already
 * claimed, and the order of the packets is the poster's.
 */
#ifndef TUND_PARALLEL_H
#define TUND_PARALLEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct thread_ctx;

/* One packet to seal or open in place under a key and counter. */
struct crypt_job {
	const uint8_t	*key;
	uint8_t		*data;
	size_t		 len;		/* to open: with the tag */
	uint64_t	 counter;
	int		 open;		/* open, else seal */
	int		 ok;		/* the result */
};

/*
 * A thread's batch on offer.  word packs an epoch (bits 40-63), the job
 * count (20-39) and the next job to claim (0-19), so a claim is one
 * compare-and-swap that also proves the batch is still the one it was.
 */
struct board {
	_Atomic uint64_t	 word;
	_Atomic uint32_t	 done;
	struct crypt_job	*jobs;
};

#define PARALLEL_MIN	16	/* smaller batches are not worth the wakeups */

/* Run every job, with whichever worker threads come to help. */
void	parallel_run(struct thread_ctx *x, struct crypt_job *, int n);
/* Help with the batches other threads have on offer. */
void	parallel_help(struct thread_ctx *x);

#endif
