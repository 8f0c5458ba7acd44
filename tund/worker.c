/*
 * Worker threads.
 *
 * Each worker runs its own libevent base over one tun queue and one UDP
 * socket.  The kernel's flow hash keeps a flow on one queue, and a peer's
 * 4-tuple on one socket, so packets of a flow stay in order.  A readiness
 * callback handles a bounded batch and returns to the loop, so neither
 * side starves the other.
 */
#include <event2/event.h>
#include <event2/thread.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "log.h"
#include "parallel.h"
#include "receive.h"
#include "send.h"
#include "tun.h"
#include "tunnel.h"
#include "udp.h"
#include "worker.h"

#define BATCH	64		/* packets per readiness callback */
#define SPIN_POLLS 64		/* empty reads of a busy device in a row */

_Static_assert(PKT_HEADROOM >= TUN_VNET_LEN, "the header goes before");

struct workers;

struct worker {
	pthread_t		 thread;
	struct thread_ctx	*x;
	struct workers		*ws;
	struct event_base	*base;
	struct event		*tun_ev, *udp_ev, *stop_ev, *help_ev;
	struct event		*move_ev;	/* to the socket in newsock */
	int			 newsock;
};

struct workers {
	int		 n;		/* initialised, or being */
	int		 running;	/* threads started */
	struct worker	*w;
	pthread_mutex_t	 lock;
	pthread_cond_t	 moved_cv;
	int		 moved;		/* workers on the new sockets */
};

#define MOVE_WAIT_S	5	/* for the workers to take new sockets */

/*
 * A read that failed for another reason than an empty queue: logged at
 * most once a second, since an error that persists would come back on
 * every callback.
 */
static void
read_failed(struct thread_ctx *x, const char *what)
{
	uint64_t	now = now_ms();

	if (now - x->read_error_logged < 1000)
		return;
	x->read_error_logged = now;
	log_warn("worker %d: %s read", x->id, what);
}

/*
 * Read the device until it runs dry, then poll it on: at most SPIN_POLLS
 * empty reads in a row, and never more in all than the callback has read
 * packets.  A sender finds the worker awake instead of paying for its
 * wake-up, and the worker does not sleep between packets; sparse traffic
 * earns little polling, an idle device none.
 */
static void
tun_readable(evutil_socket_t fd, short what, void *arg)
{
	struct thread_ctx	*x = arg;
	uint8_t			*pkt = x->buf + PKT_HEADROOM;
	ssize_t			 n;
	int			 i = 0, empty = 0, run = 0;

	tunnel_enter(x);
	while (i < BATCH) {
		/* The header just before the packet: tun_read() reads both. */
		n = tun_read(x->tn->tun, x->id, pkt - TUN_VNET_LEN, pkt,
		    sizeof(x->buf) - PKT_HEADROOM);
		if (n > 0)
			send_from_device(x, pkt - TUN_VNET_LEN, pkt, (size_t)n);
		else if (n == 0)
			drop(x, DROP_MALFORMED);
		else if (errno != EAGAIN && errno != EINTR) {
			read_failed(x, "device");
			break;
		} else if (empty++ < i && run++ < SPIN_POLLS)
			continue;
		else
			break;
		i++;
		run = 0;
	}
	send_flush(x);
	tunnel_leave(x);
}

/* A received message: one datagram, or with GRO several of seg bytes. */
static void
received(struct thread_ctx *x, struct udp_msg *m)
{
	size_t	off, len;

	if (m->seg == 0 || m->seg >= m->len) {
		receive_datagram(x, m->buf, m->len, &m->addr);
		return;
	}
	for (off = 0; off < m->len; off += len) {
		len = m->len - off < m->seg ? m->len - off : m->seg;
		receive_datagram(x, m->buf + off, len, &m->addr);
	}
}

static void
udp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct thread_ctx	*x = arg;
	struct udp_msg		 m[UDP_BATCH];
	int			 i, n, round;

	tunnel_enter(x);
	for (round = 0; round < BATCH / 8; round++) {
		for (i = 0; i < x->rx_msgs; i++) {
			m[i].buf = x->rx + (size_t)i * x->rx_slot;
			m[i].len = x->rx_slot;
		}
		if ((n = udp_recv_batch(fd, m, x->rx_msgs)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				read_failed(x, "UDP socket");
			break;
		}
		for (i = 0; i < n; i++) {
			x->rx_end = x->rx + (size_t)(i + 1) * x->rx_slot;
			received(x, &m[i]);
		}
		/* Before the buffers are read into again. */
		receive_flush(x);
		if (n < x->rx_msgs)
			break;
	}
	send_flush(x);
	tunnel_leave(x);
}

static void
help_wanted(evutil_socket_t fd, short what, void *arg)
{
	tunnel_enter(arg);
	parallel_help(arg);
	tunnel_leave(arg);
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

/*
 * Watch fd for reading, if there is one: where the device has fewer queues
 * than there are workers (the BSDs have one), the others only help.
 */
static int
watch(struct worker *w, struct event **ev, int fd, event_callback_fn cb)
{
	if (fd == -1)
		return 0;
	*ev = event_new(w->base, fd, EV_READ | EV_PERSIST, cb, w->x);
	return *ev == NULL || event_add(*ev, NULL) == -1 ? -1 : 0;
}

/* On the worker's own thread: read and send on the new socket. */
static void
move_requested(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	if (w->udp_ev != NULL) {
		event_free(w->udp_ev);
		w->udp_ev = NULL;
		if (watch(w, &w->udp_ev, w->newsock, udp_readable) == -1)
			log_warnx("worker %d: cannot watch the new socket",
			    w->x->id);
	}
	w->x->sock = w->newsock;
	pthread_mutex_lock(&w->ws->lock);
	w->ws->moved++;
	pthread_cond_signal(&w->ws->moved_cv);
	pthread_mutex_unlock(&w->ws->lock);
}

int
workers_move(struct workers *ws, const int *socks, int n)
{
	struct timespec	until;
	int		i, rv = 0;

	pthread_mutex_lock(&ws->lock);
	ws->moved = 0;
	pthread_mutex_unlock(&ws->lock);
	for (i = 0; i < ws->running; i++) {
		ws->w[i].newsock = socks[i < n ? i : 0];
		event_active(ws->w[i].move_ev, EV_TIMEOUT, 0);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MOVE_WAIT_S;
	pthread_mutex_lock(&ws->lock);
	while (ws->moved < ws->running && rv == 0)
		rv = pthread_cond_timedwait(&ws->moved_cv, &ws->lock, &until);
	rv = ws->moved == ws->running ? 0 : -1;
	pthread_mutex_unlock(&ws->lock);
	return rv;
}

static int
worker_init(struct worker *w, struct tunnel *tn, int id)
{
	if ((w->x = thread_ctx_new(tn, id)) == NULL)
		return -1;
	tn->worker[id] = w->x;
	if ((w->base = event_base_new()) == NULL) {
		log_warnx("worker %d: cannot create event base", id);
		return -1;
	}
	w->stop_ev = event_new(w->base, -1, 0, stop_requested, w);
	w->help_ev = event_new(w->base, -1, 0, help_wanted, w->x);
	w->move_ev = event_new(w->base, -1, 0, move_requested, w);
	tn->help_ev[id] = w->help_ev;
	w->x->batching = 1;
	if (w->stop_ev == NULL || w->help_ev == NULL || w->move_ev == NULL ||
	    watch(w, &w->tun_ev, id < tn->tun->nqueues ? tn->tun->fd[id] : -1,
	    tun_readable) == -1 ||
	    watch(w, &w->udp_ev, id < tn->nsocks ? tn->sock[id] : -1,
	    udp_readable) == -1) {
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
	if (w->udp_ev != NULL)
		event_free(w->udp_ev);
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	if (w->help_ev != NULL)
		event_free(w->help_ev);
	if (w->move_ev != NULL)
		event_free(w->move_ev);
	if (w->base != NULL)
		event_base_free(w->base);
}

/* Signals belong to the main thread's loop, never a worker's. */
static int
start_threads(struct workers *ws)
{
	sigset_t	all, old;
	int		rv = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; ws->running < ws->n; ws->running++) {
		errno = pthread_create(&ws->w[ws->running].thread, NULL,
		    worker_main, &ws->w[ws->running]);
		if (errno != 0) {
			log_warn("worker %d: pthread_create", ws->running);
			rv = -1;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rv;
}

struct workers *
workers_start(struct tunnel *tn, int n)
{
	struct workers	*ws;
	int		 i;

	if ((ws = calloc(1, sizeof(*ws))) == NULL ||
	    (ws->w = calloc((size_t)n, sizeof(*ws->w))) == NULL) {
		log_warn("workers");
		free(ws);
		return NULL;
	}
	ws->n = n;
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->moved_cv, NULL);
	for (i = 0; i < n; i++) {
		ws->w[i].ws = ws;
		if (worker_init(&ws->w[i], tn, i) == -1)
			goto fail;
	}
	/* Counters are summed over the workers from now on. */
	tn->nworkers = n;
	if (start_threads(ws) == -1)
		goto fail;
	log_debug("%d worker threads on %s", n, tn->tun->name);
	return ws;
 fail:
	workers_stop(ws);
	return NULL;
}

void
workers_stop(struct workers *ws)
{
	struct tunnel	*tn;
	int		 i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->running; i++)
		event_active(ws->w[i].stop_ev, EV_TIMEOUT, 0);
	for (i = 0; i < ws->running; i++)
		pthread_join(ws->w[i].thread, NULL);
	for (i = 0; i < ws->n; i++) {
		worker_free(&ws->w[i]);
		if (ws->w[i].x != NULL) {
			tn = ws->w[i].x->tn;
			tn->worker[i] = NULL;
			tn->help_ev[i] = NULL;
			tn->nworkers = 0;
			thread_ctx_free(ws->w[i].x);
		}
	}
	pthread_cond_destroy(&ws->moved_cv);
	pthread_mutex_destroy(&ws->lock);
	free(ws->w);
	free(ws);
}
