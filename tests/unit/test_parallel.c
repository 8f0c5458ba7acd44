/*
 * parallel.c: a batch of data messages opened by its poster with helpers
 * claiming jobs at the same time.  Every job must be opened exactly once
 * and correctly, forged ones must fail, and batch after batch must not mix.
 * Run under -fsanitize=thread (make check SANITIZE=thread) this is also
 * the proof that the claims do not race.
 */
#include <event2/event.h>
#include <event2/thread.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "parallel.h"
#include "peer.h"
#include "t.h"
#include "tunnel.h"

#define HELPERS		3
#define BATCHES		300
#define PAYLOAD		200

static struct tunnel	 tn;
static struct keypair	 kp;
static _Atomic int	 stop;
static uint8_t		 bufs[RX_JOBS][MSG_DATA_MIN_LEN + PAYLOAD];
static uint8_t		 plain[RX_JOBS][PAYLOAD];

static void *
helper(void *arg)
{
	struct thread_ctx	*x = arg;

	while (!atomic_load(&stop))
		parallel_help(x);
	return NULL;
}

/* Seal job i's message; every seventh is forged (a flipped tag byte). */
static void
make_job(struct thread_ctx *x, struct rx_job *j, int i, uint64_t counter)
{
	uint8_t	*b = bufs[i];

	crypto_random(plain[i], PAYLOAD);
	memset(b, 0, MSG_DATA_HDR_LEN);
	crypto_aead_seal(x->aead, b + MSG_DATA_HDR_LEN, kp.recv, counter,
	    NULL, 0, plain[i], PAYLOAD);
	if (i % 7 == 3)
		b[sizeof(bufs[i]) - 1] ^= 1;
	memset(j, 0, sizeof(*j));
	j->kp = &kp;
	j->buf = b;
	j->len = sizeof(bufs[i]);
	j->counter = counter;
	j->ok = -1;
}

static void
test_batches(void)
{
	struct thread_ctx	*x[HELPERS + 1];
	struct event_base	*base;
	pthread_t		 th[HELPERS];
	uint64_t		 counter = 0;
	int			 i, b, n, bad = 0;

	base = event_base_new();
	crypto_random(kp.recv, sizeof(kp.recv));
	for (i = 0; i <= HELPERS; i++) {
		x[i] = thread_ctx_new(&tn, i);
		CHECK(x[i] != NULL);
		tn.worker[i] = x[i];
		/* The poster's wakeups land here; the helpers poll. */
		tn.help_ev[i] = event_new(base, -1, 0, NULL, NULL);
	}
	tn.nworkers = HELPERS + 1;
	for (i = 0; i < HELPERS; i++)
		pthread_create(&th[i], NULL, helper, x[i + 1]);
	for (b = 0; b < BATCHES && !bad; b++) {
		n = PARALLEL_MIN + b % (RX_JOBS - PARALLEL_MIN);
		for (i = 0; i < n; i++)
			make_job(x[0], &x[0]->jobs[i], i, counter++);
		parallel_open(x[0], x[0]->jobs, n);
		for (i = 0; i < n && !bad; i++) {
			if (x[0]->jobs[i].ok != (i % 7 != 3))
				bad = 1;
			else if (x[0]->jobs[i].ok && memcmp(bufs[i] +
			    MSG_DATA_HDR_LEN, plain[i], PAYLOAD) != 0)
				bad = 2;
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < HELPERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i <= HELPERS; i++) {
		event_free(tn.help_ev[i]);
		thread_ctx_free(x[i]);
	}
	event_base_free(base);
	CHECK_INT(bad, 0);
}

/* Below PARALLEL_MIN, or alone, the poster opens everything itself. */
static void
test_small_batch_alone(void)
{
	struct thread_ctx	*x;
	int			 i;

	tn.nworkers = 1;
	x = thread_ctx_new(&tn, 0);
	CHECK(x != NULL);
	for (i = 0; i < 5; i++)
		make_job(x, &x->jobs[i], i, 1000 + i);
	parallel_open(x, x->jobs, 5);
	for (i = 0; i < 5; i++)
		CHECK_INT(x->jobs[i].ok, i != 3);
	CHECK_MEM(bufs[0] + MSG_DATA_HDR_LEN, plain[0], PAYLOAD);
	thread_ctx_free(x);
}

int
main(void)
{
	if (crypto_init() == -1 || evthread_use_pthreads() == -1)
		return 1;
	tn.mtu = 1420;
	T_RUN(test_small_batch_alone);
	T_RUN(test_batches);
	return t_done();
}
