/*
 * Worker threads and the device read path.
 *
 * Each worker runs its own libevent base and owns one tun queue, so the
 * kernel's flow hash keeps a flow on one thread and its packets in order.
 * A readiness callback drains a bounded batch and returns to the loop, so
 * one busy queue cannot starve the worker's other events.
 */
#include <event2/event.h>
#include <event2/thread.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "allowedips.h"
#include "log.h"
#include "tun.h"
#include "worker.h"

#define READ_BATCH	64		/* packets per readiness callback */
#define PACKET_MAX	65536

struct counters {
	_Atomic uint64_t tun_packets;
	_Atomic uint64_t tun_bytes;
	_Atomic uint64_t drops[DROP_NREASONS];
};

struct worker {
	int			 id;
	pthread_t		 thread;
	struct event_base	*base;
	struct event		*tun_ev;
	struct event		*stop_ev;
	struct tun		*tun;
	struct allowedips	*peers;
	struct counters		 c;
	uint8_t			 buf[PACKET_MAX];
};

struct workers {
	int		 n;		/* initialised, or being */
	int		 running;	/* threads started */
	struct worker	*w;
};

static const char *drop_names[DROP_NREASONS] = {
	[DROP_MALFORMED] = "malformed",
	[DROP_NO_PEER] = "no peer",
	[DROP_NO_SESSION] = "no session",
};

const char *
drop_reason_name(enum drop_reason r)
{
	return drop_names[r];
}

static void
count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static void
drop(struct worker *w, enum drop_reason r)
{
	count(&w->c.drops[r], 1);
}

/* The destination address of an IP packet tun_read() has validated. */
static const uint8_t *
destination(const uint8_t *pkt, int version)
{
	return version == 4 ? pkt + 16 : pkt + 24;
}

static void
outbound(struct worker *w, const uint8_t *pkt, size_t len)
{
	int	v;

	count(&w->c.tun_packets, 1);
	count(&w->c.tun_bytes, len);
	if ((v = tun_ip_version(pkt, len)) == 0) {
		drop(w, DROP_MALFORMED);
		return;
	}
	if (allowedips_lookup(w->peers, v, destination(pkt, v)) == NULL) {
		drop(w, DROP_NO_PEER);
		return;
	}
	/* The tunnel itself comes with the protocol. */
	drop(w, DROP_NO_SESSION);
}

static void
tun_readable(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < READ_BATCH; i++) {
		n = tun_read(w->tun, w->id, w->buf, sizeof(w->buf));
		if (n > 0)
			outbound(w, w->buf, (size_t)n);
		else if (n == 0)
			drop(w, DROP_MALFORMED);
		else {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: read queue %d", w->tun->name,
				    w->id);
			return;
		}
	}
}

/*
 * Runs in the worker's own thread.  A loopbreak from outside could be lost
 * if it came before the loop began; an activated event is not.
 */
static void
stop_requested(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	event_base_loopbreak(w->base);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

static int
worker_init(struct worker *w, int id, struct tun *tun,
    struct allowedips *peers)
{
	w->id = id;
	w->tun = tun;
	w->peers = peers;
	if ((w->base = event_base_new()) == NULL) {
		log_warnx("worker %d: cannot create event base", id);
		return -1;
	}
	w->tun_ev = event_new(w->base, tun->fd[id], EV_READ | EV_PERSIST,
	    tun_readable, w);
	w->stop_ev = event_new(w->base, -1, 0, stop_requested, w);
	if (w->tun_ev == NULL || w->stop_ev == NULL ||
	    event_add(w->tun_ev, NULL) == -1) {
		log_warnx("worker %d: cannot watch the device", id);
		return -1;
	}
	return 0;
}

static void
worker_free(struct worker *w)
{
	if (w->tun_ev != NULL)
		event_free(w->tun_ev);
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	if (w->base != NULL)
		event_base_free(w->base);
}

struct workers *
workers_start(struct tun *tun, int n, struct allowedips *peers)
{
	struct workers	*ws;
	int		 i;

	if (evthread_use_pthreads() == -1) {
		log_warnx("libevent has no thread support");
		return NULL;
	}
	if ((ws = calloc(1, sizeof(*ws))) == NULL ||
	    (ws->w = calloc((size_t)n, sizeof(*ws->w))) == NULL) {
		log_warn("workers");
		free(ws);
		return NULL;
	}
	ws->n = n;
	for (i = 0; i < n; i++)
		if (worker_init(&ws->w[i], i, tun, peers) == -1)
			goto fail;
	for (; ws->running < n; ws->running++) {
		errno = pthread_create(&ws->w[ws->running].thread, NULL,
		    worker_main, &ws->w[ws->running]);
		if (errno != 0) {
			log_warn("worker %d: pthread_create", ws->running);
			goto fail;
		}
	}
	log_debug("%d worker threads on %s", n, tun->name);
	return ws;
 fail:
	workers_stop(ws);
	return NULL;
}

void
workers_stop(struct workers *ws)
{
	int	i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->running; i++)
		event_active(ws->w[i].stop_ev, EV_TIMEOUT, 0);
	for (i = 0; i < ws->running; i++)
		pthread_join(ws->w[i].thread, NULL);
	for (i = 0; i < ws->n; i++)
		worker_free(&ws->w[i]);
	free(ws->w);
	free(ws);
}

void
workers_stats(struct workers *ws, struct worker_stats *s)
{
	struct counters	*c;
	int		 i, r;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ws->n; i++) {
		c = &ws->w[i].c;
		s->tun_packets += atomic_load_explicit(&c->tun_packets,
		    memory_order_relaxed);
		s->tun_bytes += atomic_load_explicit(&c->tun_bytes,
		    memory_order_relaxed);
		for (r = 0; r < DROP_NREASONS; r++)
			s->drops[r] += atomic_load_explicit(&c->drops[r],
			    memory_order_relaxed);
	}
}
