/*
 * Parallel encryption and decryption of one thread's batch (parallel.h).
 */
#include <event2/event.h>

#include <sched.h>

#include "crypto.h"
#include "parallel.h"
#include "tunnel.h"

#define NEXT_BITS	20
#define COUNT_SHIFT	NEXT_BITS
#define EPOCH_SHIFT	(2 * NEXT_BITS)
#define FIELD(w, s)	(((w) >> (s)) & ((UINT64_C(1) << NEXT_BITS) - 1))

static void
run_job(struct thread_ctx *x, struct crypt_job *j)
{
	if (j->open)
		j->ok = crypto_aead_open(x->aead, j->data, j->key, j->counter,
		    NULL, 0, j->data, j->len) == 0;
	else
		j->ok = crypto_aead_seal(x->aead, j->data, j->key, j->counter,
		    NULL, 0, j->data, j->len) == 0;
}

/* Claim and open jobs of the board until none are left. */
static void
work(struct thread_ctx *x, struct board *b)
{
	uint64_t	w = atomic_load_explicit(&b->word, memory_order_acquire);

	for (;;) {
		if (FIELD(w, 0) >= FIELD(w, COUNT_SHIFT))
			return;
		if (!atomic_compare_exchange_weak_explicit(&b->word, &w, w + 1,
		    memory_order_acq_rel, memory_order_acquire))
			continue;
		run_job(x, &b->jobs[FIELD(w, 0)]);
		atomic_fetch_add_explicit(&b->done, 1, memory_order_release);
		w = atomic_load_explicit(&b->word, memory_order_acquire);
	}
}

void
parallel_run(struct thread_ctx *x, struct crypt_job *jobs, int n)
{
	struct board	*b = &x->board;
	struct tunnel	*tn = x->tn;
	uint64_t	 epoch;
	int		 i;

	/* The control thread is no worker: nobody would look at its board. */
	if (n < PARALLEL_MIN || tn->nworkers < 2 || x->id >= tn->nworkers) {
		for (i = 0; i < n; i++)
			run_job(x, &jobs[i]);
		return;
	}
	epoch = (atomic_load(&b->word) >> EPOCH_SHIFT) + 1;
	b->jobs = jobs;
	atomic_store_explicit(&b->done, 0, memory_order_relaxed);
	atomic_store_explicit(&b->word, epoch << EPOCH_SHIFT |
	    (uint64_t)n << COUNT_SHIFT, memory_order_release);
	for (i = 0; i < tn->nworkers; i++)
		if (i != x->id)
			event_active(tn->help_ev[i], EV_READ, 0);
	work(x, b);
	/* Jobs claimed by others finish in a few microseconds. */
	while (atomic_load_explicit(&b->done, memory_order_acquire) !=
	    (uint32_t)n)
		sched_yield();
	/* Closed: a late helper finds nothing to claim. */
	atomic_store_explicit(&b->word, epoch << EPOCH_SHIFT,
	    memory_order_release);
}

void
parallel_help(struct thread_ctx *x)
{
	struct tunnel	*tn = x->tn;
	int		 i;

	for (i = 0; i < tn->nworkers; i++)
		if (i != x->id)
			work(x, &tn->worker[i]->board);
}
