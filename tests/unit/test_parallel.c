/*
 * parallel.c: batches of packets sealed or opened by their poster with
 * helpers claiming jobs at the same time.  Every job must be done exactly
 * once and correctly, forged ones must fail to open, and batch after batch
 * must not mix.
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
#include "t.h"
#include "tunnel.h"

#define HELPERS		3
#define BATCHES		300
#define PAYLOAD		200

static struct tunnel	 tn;
static uint8_t		 key[AEAD_KEY_LEN];
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

/*
 * Job i: to open, a sealed message, every seventh forged (a flipped tag
 * byte); to seal, the plaintext itself.
 */
static void
make_job(struct thread_ctx *x, struct crypt_job *j, int i, uint64_t counter,
    int open)
{
	uint8_t	*b = bufs[i] + MSG_DATA_HDR_LEN;

	crypto_random(plain[i], PAYLOAD);
	memset(j, 0, sizeof(*j));
	j->key = key;
	j->data = b;
	j->counter = counter;
	j->open = open;
	j->ok = -1;
	if (!open) {
		memcpy(b, plain[i], PAYLOAD);
		j->len = PAYLOAD;
		return;
	}
	crypto_aead_seal(x->aead, b, key, counter, NULL, 0, plain[i], PAYLOAD);
	if (i % 7 == 3)
		b[PAYLOAD + AEAD_TAG_LEN - 1] ^= 1;
	j->len = PAYLOAD + AEAD_TAG_LEN;
}

/* What a job left, checked against the plaintext it started from. */
static int
job_right(struct thread_ctx *x, struct crypt_job *j, int i)
{
	uint8_t	out[PAYLOAD];

	if (j->open)
		return j->ok == (i % 7 != 3) && (!j->ok ||
		    memcmp(j->data, plain[i], PAYLOAD) == 0);
	return j->ok == 1 && crypto_aead_open(x->aead, out, key, j->counter,
	    NULL, 0, j->data, PAYLOAD + AEAD_TAG_LEN) == 0 &&
	    memcmp(out, plain[i], PAYLOAD) == 0;
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
	crypto_random(key, sizeof(key));
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
			make_job(x[0], &x[0]->crypt[i], i, counter++, b & 1);
		parallel_run(x[0], x[0]->crypt, n);
		for (i = 0; i < n && !bad; i++)
			bad = !job_right(x[0], &x[0]->crypt[i], i);
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
		make_job(x, &x->crypt[i], i, 1000 + i, 1);
	parallel_run(x, x->crypt, 5);
	for (i = 0; i < 5; i++)
		CHECK(job_right(x, &x->crypt[i], i));
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
