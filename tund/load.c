/*
 * Load mode: the runs of a sweep, each from the counters before it to the
 * far end's answer after it, and the report.
 *
 * A run starts its sender threads (sender.h) and watches them, drawing the
 * progress line on a terminal.  When they are done it waits for the data
 * path to settle (tund's counters standing still), so that what was sent
 * has been pulled, encrypted and delivered before anything is counted;
 * then it reads the interface's drops and tund's counters again, and asks
 * the far end's sink (sink.h) for its counts of the run's streams.
 */
#include <event2/event.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "load.h"
#include "loadpkt.h"
#include "log.h"
#include "peer.h"
#include "report.h"
#include "send.h"
#include "sender.h"
#include "sink.h"
#include "tun.h"
#include "tunnel.h"

#define UP_WAIT_MS	10000	/* for a session with the destination's peer */
#define ANSWER_WAIT_MS	2000
#define TICK_MS		250	/* between looks at the senders */
#define PROGRESS_TICKS	4	/* a progress line a second */
#define SETTLE_MS	100	/* counters still this long: all was moved */
#define SETTLE_MAX_MS	2000
#define SENDERS_MAX	256	/* Threads, at most */

struct load {
	struct tunnel		*tn;
	const struct conf_load	*cl;
	struct event		*done_ev;	/* on the main loop: end it */
	pthread_t		 thread;
	int			 started;
	_Atomic int		 stop;
	int			 status;	/* 0: every run reported */
	struct peer		*peer;		/* the destination's, or NULL */
	uint8_t			 boot[LOADPKT_BOOT_LEN];
	FILE			*out;		/* table and progress line */
	struct load_run		 runs[LOAD_SWEEP_MAX];
	size_t			 nruns;
	/* For load_status(), from the main thread: */
	pthread_mutex_t		 live_lock;
	struct sender		**live;		/* the senders now sending */
	unsigned		 nlive;
	uint64_t		 live_start;	/* sink_clock() */
	size_t			 done;		/* runs that have sent */
};

static void
msleep(unsigned ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The interface's transmit drops: the device's ring was full. */
static uint64_t
if_drops(const struct load *l)
{
	uint64_t	v[TUN_NCOUNTERS];

	/* Where they are not known (the BSDs), no drops are. */
	if (!(tun_counters(l->tn->tun, v) & 1u << TUN_TX_DROPPED))
		return 0;
	return v[TUN_TX_DROPPED];
}

static int
has_session(struct peer *p)
{
	struct keypair	*kp;

	pthread_mutex_lock(&p->lock);
	kp = peer_sending_keypair(p, now_ms());
	pthread_mutex_unlock(&p->lock);
	if (kp == NULL)
		return 0;
	keypair_release(kp);
	return 1;
}

/*
 * A session with the peer the destination routes to, within UP_WAIT_MS.
 * Without such a peer there is nothing to wait for: tund drains.
 */
static int
tunnel_up(struct load *l)
{
	const struct conf_load	*cl = l->cl;
	unsigned		 waited;

	if (cl->replay != NULL)
		return 0;
	l->peer = allowedips_lookup(&l->tn->allowed, cl->dst_family,
	    cl->dst_addr);
	if (l->peer == NULL) {
		log_info("load: no peer for the destination: tund drains "
		    "what it pulls");
		return 0;
	}
	send_want_handshake(l->peer);
	for (waited = 0; waited < UP_WAIT_MS; waited += 50) {
		if (has_session(l->peer))
			return 0;
		if (atomic_load(&l->stop))
			return -1;
		msleep(50);
	}
	log_warnx("load: no session with peer %s after %d s", l->peer->name,
	    UP_WAIT_MS / 1000);
	return -1;
}

/* Until every sender is done; a progress line a second on a terminal. */
static void
watch(struct load *l, struct sender **s, unsigned n, uint64_t start,
    uint64_t drops)
{
	struct load_progress	p;
	uint64_t		pkts, bytes, k, b, now, last = start;
	uint64_t		last_pkts = 0, last_bytes = 0;
	unsigned		i, busy, ticks = 0;
	int			tty = report_is_terminal(l->out);

	for (;;) {
		for (busy = 0, i = 0; i < n; i++)
			busy += !sender_done(s[i]);
		if (busy == 0)
			break;
		msleep(TICK_MS);
		if (!tty || ++ticks % PROGRESS_TICKS != 0)
			continue;
		now = sink_clock();
		for (pkts = bytes = 0, i = 0; i < n; i++) {
			sender_progress(s[i], &k, &b);
			pkts += k;
			bytes += b;
		}
		p.elapsed = (double)(now - start) / 1e9;
		p.pps = (double)(pkts - last_pkts) * 1e9 / (double)(now - last);
		/* Bits per nanosecond are gigabits per second. */
		p.gbps = (double)(bytes - last_bytes) * 8 /
		    (double)(now - last);
		p.drops = if_drops(l) - drops;
		report_progress(l->out, &p, n);
		last = now;
		last_pkts = pkts;
		last_bytes = bytes;
	}
	if (ticks >= PROGRESS_TICKS)
		report_progress_end(l->out);
}

/* Wait until tund has pulled and sent what it will of the run. */
static void
settle(struct load *l)
{
	struct stats	s;
	uint64_t	last = UINT64_MAX, moved;
	unsigned	waited, still = 0;

	for (waited = 0; waited < SETTLE_MAX_MS && still < SETTLE_MS;
	    waited += 20) {
		msleep(20);
		tunnel_stats(l->tn, &s);
		moved = s.tun_rx_packets + s.udp_tx_packets + s.udp_rx_packets;
		still = moved == last ? still + 20 : 0;
		last = moved;
	}
}

/* Send the query through the tunnel, as any traffic to the destination. */
static int
send_query(struct load *l, const struct loadpkt_query *q)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sender_dst(l->cl, &ss);
	uint8_t			msg[LOADPKT_QUERY_LEN];
	int			fd, rv;

	loadpkt_query_put(msg, q, sink_clock());
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("load: query socket");
		return -1;
	}
	if ((rv = (int)sendto(fd, msg, sizeof(msg), 0,
	    (struct sockaddr *)&ss, len)) == -1)
		log_warn("load: query");
	close(fd);
	return rv == -1 ? -1 : 0;
}

/* The far end's counts of the run's streams, if it answers. */
static void
ask_far(struct load *l, const struct sender_run *r, struct load_run *run)
{
	struct loadpkt_query	q;
	struct loadpkt_answer	a;
	struct load_far		*far = &run->far;
	uint64_t		 accepted = run->total.accepted_pkts;

	memset(&q, 0, sizeof(q));
	while (q.nonce == 0)
		crypto_random(&q.nonce, sizeof(q.nonce));
	q.first = (uint32_t)r->tag << 16;
	q.n = r->flows;
	memcpy(q.boot, l->boot, sizeof(q.boot));
	sink_expect(l->tn->sink, q.nonce);
	if (send_query(l, &q) == -1 ||
	    sink_await(l->tn->sink, ANSWER_WAIT_MS, &a) == -1) {
		log_warnx("load: no answer from the far end");
		return;
	}
	far->valid = 1;
	far->delivered = a.delivered;
	far->reordered = a.reordered;
	far->duplicated = a.duplicated;
	far->loss_pct = accepted > a.delivered ?
	    (double)(accepted - a.delivered) * 100 / (double)accepted : 0;
	far->p50_us = (double)a.p50_ns / 1000;
	far->p99_us = (double)a.p99_ns / 1000;
	far->p999_us = (double)a.p999_ns / 1000;
	far->clock_shared = a.clock_shared;
}

static void
add_result(struct load_thread_result *to, const struct load_thread_result *r)
{
	int	i;

	to->offered_pkts += r->offered_pkts;
	to->offered_bytes += r->offered_bytes;
	to->accepted_pkts += r->accepted_pkts;
	to->accepted_bytes += r->accepted_bytes;
	for (i = 0; i < LOAD_NERRORS; i++)
		if (r->err_count[i] != 0)
			sender_tally(to, r->err[i], r->err_count[i]);
}

/* The run's senders for load_status(); NULL once they are done. */
static void
set_live(struct load *l, struct sender **s, unsigned n, uint64_t start)
{
	pthread_mutex_lock(&l->live_lock);
	l->live = s;
	l->nlive = n;
	l->live_start = start;
	l->done = l->nruns + (s == NULL);
	pthread_mutex_unlock(&l->live_lock);
}

/*
 * Start n senders of the run and watch them; then join whatever was made
 * and sum what they did.  Returns 0 when all of them ran.
 */
static int
send_all(struct load *l, struct sender_run *r, struct load_run *run)
{
	struct sender	*s[SENDERS_MAX];
	uint64_t	 start, end, last = 0, drops = if_drops(l);
	unsigned	 i, made, started = 0;

	for (made = 0; made < r->threads; made++)
		if ((s[made] = sender_new(r, made)) == NULL)
			break;
	start = sink_clock();
	if (l->cl->duration_ms != 0)
		r->deadline_ns = start + (uint64_t)l->cl->duration_ms * 1000000;
	if (made == r->threads)
		while (started < made && sender_start(s[started]) == 0)
			started++;
	if (started < r->threads)
		atomic_store(&l->stop, 1);
	set_live(l, s, made, start);
	watch(l, s, made, start, drops);
	set_live(l, NULL, 0, 0);
	for (i = 0; i < made; i++) {
		sender_join(s[i], &run->thread[i], &end);
		add_result(&run->total, &run->thread[i]);
		if (end > last)
			last = end;
	}
	run->seconds = last > start ? (double)(last - start) / 1e9 : 0;
	return started == r->threads ? 0 : -1;
}

/* One run of the sweep with that many threads. */
static int
run_one(struct load *l, unsigned threads, struct load_run *run)
{
	struct sender_run	r;
	struct stats		before, after;
	uint64_t		drops;

	memset(run, 0, sizeof(*run));
	run->threads = threads;
	if ((run->thread = calloc(threads, sizeof(*run->thread))) == NULL) {
		log_warn("load: run");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.cl = l->cl;
	r.tn = l->tn;
	r.threads = threads;
	r.flows = l->cl->flows > threads ? l->cl->flows : threads;
	crypto_random(&r.tag, sizeof(r.tag));
	r.stop = &l->stop;
	log_info("load: %u thread%s, %u flow%s", threads,
	    threads == 1 ? "" : "s", r.flows, r.flows == 1 ? "" : "s");
	tunnel_stats(l->tn, &before);
	drops = if_drops(l);
	if (send_all(l, &r, run) == -1)
		return -1;
	settle(l);
	tunnel_stats(l->tn, &after);
	run->if_tx_dropped = if_drops(l) - drops;
	run->pulled = after.tun_rx_packets - before.tun_rx_packets;
	run->encrypted = after.udp_tx_packets - before.udp_tx_packets;
	if (l->peer != NULL)
		ask_far(l, &r, run);
	return 0;
}

/* The table, and JSON and SVG where asked for. */
static int
report(struct load *l)
{
	const struct conf_load	*cl = l->cl;
	FILE			*f;
	int			 rv = 0;

	report_table(l->out, cl, l->runs, l->nruns);
	fflush(l->out);
	if (cl->report != NULL && strcmp(cl->report, "json") == 0)
		rv = report_json(stdout, cl, l->runs, l->nruns) == -1 ||
		    fflush(stdout) == EOF ? -1 : 0;
	else if (cl->report != NULL) {
		if ((f = fopen(cl->report, "w")) == NULL ||
		    report_json(f, cl, l->runs, l->nruns) == -1)
			rv = -1;
		if (f != NULL && fclose(f) == EOF)
			rv = -1;
	}
	if (rv == -1)
		log_warn("load: report %s", cl->report);
	if (cl->plot != NULL && report_svg(cl->plot, l->runs, l->nruns) == -1) {
		log_warn("load: plot %s", cl->plot);
		rv = -1;
	}
	return rv;
}

static void *
load_main(void *arg)
{
	struct load	*l = arg;
	size_t		 i;

	l->status = -1;
	if (tunnel_up(l) == 0) {
		for (i = 0; i < l->cl->n_threads && !atomic_load(&l->stop);
		    i++) {
			if (run_one(l, l->cl->threads[i], &l->runs[i]) == -1) {
				free(l->runs[i].thread);
				break;
			}
			l->nruns++;
		}
		if (l->nruns > 0 && report(l) == 0 &&
		    l->nruns == l->cl->n_threads)
			l->status = 0;
	}
	event_active(l->done_ev, EV_TIMEOUT, 0);
	return NULL;
}

static void
done(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

struct load *
load_start(struct tunnel *tn, const struct conf *c, struct event_base *base)
{
	struct load	*l;
	sigset_t	 all, old;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("load");
		return NULL;
	}
	l->tn = tn;
	l->cl = &c->load;
	pthread_mutex_init(&l->live_lock, NULL);
	/* With JSON on stdout, the table goes to stderr. */
	l->out = c->load.report != NULL && strcmp(c->load.report, "json") == 0 ?
	    stderr : stdout;
	if (sink_boot_id(l->boot) == -1)
		memset(l->boot, 0, sizeof(l->boot));
	if ((l->done_ev = event_new(base, -1, 0, done, base)) == NULL) {
		log_warnx("load: cannot create an event");
		free(l);
		return NULL;
	}
	/* Signals are the main loop's; the senders inherit the mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = pthread_create(&l->thread, NULL, load_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0) {
		log_warn("load: thread");
		event_free(l->done_ev);
		free(l);
		return NULL;
	}
	l->started = 1;
	return l;
}

int
load_stop(struct load *l)
{
	size_t	i;
	int	rv;

	if (l == NULL)
		return 0;
	atomic_store(&l->stop, 1);
	if (l->started)
		pthread_join(l->thread, NULL);
	rv = l->status;
	for (i = 0; i < l->nruns; i++)
		free(l->runs[i].thread);
	event_free(l->done_ev);
	pthread_mutex_destroy(&l->live_lock);
	free(l);
	return rv;
}

void
load_status(struct load *l, struct load_status *st)
{
	uint64_t	pkts, bytes;
	unsigned	i;

	memset(st, 0, sizeof(*st));
	st->runs = l->cl->n_threads;
	pthread_mutex_lock(&l->live_lock);
	st->done = l->done;
	if (l->live != NULL) {
		st->running = 1;
		st->threads = l->nlive;
		st->elapsed = (double)(sink_clock() - l->live_start) / 1e9;
		for (i = 0; i < l->nlive; i++) {
			sender_progress(l->live[i], &pkts, &bytes);
			st->sent += pkts;
		}
	}
	pthread_mutex_unlock(&l->live_lock);
}
