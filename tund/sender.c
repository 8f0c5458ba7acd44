/*
 * Sender threads.
 *
 * A thread takes flows i, i + threads, i + 2 * threads, ... of the run,
 * and sends on them in turn, a batch at a time.  Sequence numbers count
 * what the kernel took: a packet it refused is sent again under the same
 * number, so the far end's count of a flow's packets is exactly the
 * sequence numbers below the last one sent, less what was lost.  Count
 * bounds what was offered, refused or not, so a run always ends.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadpkt.h"
#include "log.h"
#include "pcapio.h"
#include "sender.h"
#include "sink.h"
#include "tun.h"
#include "tunnel.h"

#define BATCH		32		/* packets a sendmmsg */
#define SNDTIMEO_MS	100		/* a blocked send gives up: EAGAIN */
#define NAP_MAX_NS	100000000	/* a stop is seen within this */
#define BACKOFF_NS	20000		/* after ENOBUFS: the device's ring is full */
#define FLOW_PORT	49152		/* inject: source port of flow 0 */
#define REPLAY_SLOT	(65535 + 4)	/* a link header and any IP packet */

struct flow {
	int			 fd;	/* socket: connected to the destination */
	uint32_t		 stream;
	uint64_t		 seq;	/* the next packet's */
	struct loadpkt_flow	 addr;	/* inject: its headers */
};

/*
 * A token bucket: rate tokens a second, at most burst saved up.  A sender
 * short of tokens sleeps until it has step of them, a millisecond's worth,
 * rather than waking for every packet.
 */
struct pace {
	double		 rate;		/* 0: no limit */
	double		 burst;
	double		 step;
	double		 tokens;
	uint64_t	 last;		/* ns */
};

struct sender {
	const struct sender_run	*r;
	unsigned		 id;
	pthread_t		 thread;
	int			 started;
	_Atomic int		 done;
	/* Send up to n packets; returns how many were offered. */
	unsigned		(*send)(struct sender *, unsigned n);
	struct flow		*flow;
	unsigned		 nflows, next;
	uint64_t		 quota;		/* packets left to offer */
	struct pace		 pace;
	pcap_t			*pcap;
	uint8_t			 link[4];	/* a link header, if any */
	size_t			 linklen;
	int			 raw4, raw6;	/* replay by socket */
	struct replay_file	*file;
	uint64_t		 index;		/* in this pass of the file */
	unsigned		 passes;	/* of the file, finished */
	uint64_t		 pass_start;	/* ns */
	struct timeval		 first_ts;	/* of the pass's first packet */
	int			 eof;		/* the file is done with */
	uint8_t			*buf;		/* BATCH slots */
	size_t			 slot;
	struct mmsghdr		 msg[BATCH];
	struct iovec		 iov[BATCH];
	struct load_thread_result res;
	_Atomic uint64_t	 live_pkts, live_bytes;
	uint64_t		 end_ns;
	int			 full;		/* the last refusal was ENOBUFS */
};

void
sender_tally(struct load_thread_result *res, int e, uint64_t n)
{
	int	i;

	/* Errnos past the first LOAD_NERRORS distinct ones go uncounted. */
	for (i = 0; i < LOAD_NERRORS; i++) {
		if (res->err_count[i] == 0)
			res->err[i] = e;
		if (res->err[i] == e) {
			res->err_count[i] += n;
			return;
		}
	}
}

static void
took(struct sender *s, uint64_t pkts, uint64_t bytes)
{
	s->res.offered_pkts += pkts;
	s->res.offered_bytes += bytes;
	s->res.accepted_pkts += pkts;
	s->res.accepted_bytes += bytes;
	atomic_fetch_add_explicit(&s->live_pkts, pkts, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->live_bytes, bytes, memory_order_relaxed);
}

static void
refused(struct sender *s, int e, size_t bytes)
{
	s->res.offered_pkts++;
	s->res.offered_bytes += bytes;
	sender_tally(&s->res, e != 0 ? e : EIO, 1);
	s->full = e == ENOBUFS;
}

/* Sleep until t, or less: not past the deadline, not too long for a stop. */
static void
nap(const struct sender *s, uint64_t t)
{
	struct timespec	ts;
	uint64_t	now = sink_clock();

	if (s->r->deadline_ns != 0 && t > s->r->deadline_ns)
		t = s->r->deadline_ns;
	if (t > now + NAP_MAX_NS)
		t = now + NAP_MAX_NS;
	ts.tv_sec = (time_t)(t / 1000000000);
	ts.tv_nsec = (long)(t % 1000000000);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

static int
over(const struct sender *s, uint64_t now)
{
	return atomic_load(s->r->stop) ||
	    (s->r->deadline_ns != 0 && now >= s->r->deadline_ns);
}

/*
 * How many of want packets may go now, after sleeping until at least one
 * may; 0 when the run is over first.
 */
static unsigned
pace_take(struct sender *s, unsigned want)
{
	struct pace	*p = &s->pace;
	uint64_t	 now;
	double		 need;

	for (;;) {
		if (over(s, now = sink_clock()))
			return 0;
		if (p->rate == 0)
			return want;
		p->tokens += (double)(now - p->last) * p->rate / 1e9;
		p->last = now;
		if (p->tokens > p->burst)
			p->tokens = p->burst;
		need = p->step < want ? p->step : want;
		if (p->tokens >= need)
			return p->tokens < want ? (unsigned)p->tokens : want;
		nap(s, now + (uint64_t)((need - p->tokens) * 1e9 / p->rate) + 1);
	}
}

/* The IP size of a flow's packet number seq. */
static size_t
size_of(const struct sender *s, uint64_t seq)
{
	const struct conf_load	*cl = s->r->cl;

	if (cl->size != 0)
		return cl->size;
	return loadpkt_imix_size(seq, cl->dst_family, s->r->tn->mtu);
}

static void
stamp(uint8_t *payload, const struct flow *f, uint64_t seq, uint64_t now)
{
	struct loadpkt_hdr	h = { LOADPKT_DATA, f->stream, seq, now };

	loadpkt_hdr_put(payload, &h);
}

static struct flow *
next_flow(struct sender *s)
{
	struct flow	*f = &s->flow[s->next];

	s->next = (s->next + 1) % s->nflows;
	return f;
}

static unsigned
socket_send(struct sender *s, unsigned n)
{
	struct flow	*f = next_flow(s);
	uint64_t	 now = sink_clock(), bytes = 0;
	size_t		 hl = loadpkt_hdrs(s->r->cl->dst_family);
	unsigned	 i;
	int		 k;

	for (i = 0; i < n; i++) {
		stamp(s->iov[i].iov_base, f, f->seq + i, now);
		s->iov[i].iov_len = size_of(s, f->seq + i) - hl;
	}
	if ((k = sendmmsg(f->fd, s->msg, n, 0)) == -1) {
		refused(s, errno, s->iov[0].iov_len + hl);
		return 1;
	}
	for (i = 0; i < (unsigned)k; i++)
		bytes += s->iov[i].iov_len + hl;
	took(s, (uint64_t)k, bytes);
	f->seq += (uint64_t)k;
	return (unsigned)k;
}

/* One IP packet at pkt, with room for the link header before it. */
static int
inject(struct sender *s, uint8_t *pkt, size_t len)
{
	memcpy(pkt - s->linklen, s->link, s->linklen);
	errno = 0;
	return pcap_inject(s->pcap, pkt - s->linklen, len + s->linklen) ==
	    -1 ? -1 : 0;
}

static unsigned
inject_send(struct sender *s, unsigned n)
{
	struct flow	*f = next_flow(s);
	uint8_t		*pkt = s->buf + s->linklen;
	uint64_t	 now = sink_clock();
	size_t		 hl = loadpkt_hdrs(f->addr.family), len;
	unsigned	 i;

	for (i = 0; i < n; i++) {
		len = size_of(s, f->seq);
		stamp(pkt + hl, f, f->seq, now);
		loadpkt_ip_udp(pkt, len, &f->addr);
		if (inject(s, pkt, len) == -1) {
			refused(s, errno, len);
			return i + 1;
		}
		took(s, 1, len);
		f->seq++;
	}
	return n;
}

/*
 * This thread's next packet of the file, passes and threads taken into
 * account: 1, or 0 when the file is done with (or failed, logged).
 */
static int
next_packet(struct sender *s, const uint8_t **pkt, size_t *len,
    struct timeval *ts)
{
	int	rv;

	for (;;) {
		if ((rv = replay_next(s->file, pkt, len, ts)) == -1)
			return 0;
		if (rv == 0) {
			/* A pass without a packet would loop forever. */
			if (s->index == 0 || ++s->passes == s->r->cl->loops ||
			    replay_rewind(s->file) == -1)
				return 0;
			s->index = 0;
			continue;
		}
		if (s->index == 0) {
			s->pass_start = sink_clock();
			s->first_ts = *ts;
		}
		if (s->index++ % s->r->threads == s->id)
			return 1;
	}
}

/* With the file's timing: wait for the packet's moment; -1 when over. */
static int
wait_for(struct sender *s, const struct timeval *ts)
{
	uint64_t	at, now;

	at = s->pass_start +
	    (uint64_t)(ts->tv_sec - s->first_ts.tv_sec) * 1000000000 +
	    (uint64_t)((int64_t)ts->tv_usec - s->first_ts.tv_usec) * 1000;
	while ((now = sink_clock()) < at) {
		if (over(s, now))
			return -1;
		nap(s, at);
	}
	return 0;
}

static int
raw_send(struct sender *s, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	if (len >= 20 && pkt[0] >> 4 == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, pkt + 16, 4);
		return sendto(s->raw4, pkt, len, 0, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1 ? -1 : 0;
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, pkt + 24, 16);
	return sendto(s->raw6, pkt, len, 0, (struct sockaddr *)&sin6,
	    sizeof(sin6)) == -1 ? -1 : 0;
}

static unsigned
replay_send(struct sender *s, unsigned n)
{
	const uint8_t	*pkt;
	struct timeval	 ts;
	size_t		 len;
	unsigned	 i;
	int		 rv;

	for (i = 0; i < n; i++) {
		if (!next_packet(s, &pkt, &len, &ts)) {
			s->eof = 1;
			return i;
		}
		if (s->r->cl->replay_timed && wait_for(s, &ts) == -1)
			return i;
		if (s->pcap == NULL)
			rv = raw_send(s, pkt, len);
		else {
			memcpy(s->buf + s->linklen, pkt, len);
			rv = inject(s, s->buf + s->linklen, len);
		}
		if (rv == -1)
			refused(s, errno, len);
		else
			took(s, 1, len);
	}
	return n;
}

static void *
sender_main(void *arg)
{
	struct sender	*s = arg;
	unsigned	 n;

	s->pace.last = sink_clock();
	while (!s->eof && s->quota > 0 &&
	    (n = pace_take(s, s->quota < BATCH ? (unsigned)s->quota : BATCH)) >
	    0) {
		n = s->send(s, n);
		s->pace.tokens -= n;
		s->quota -= n;
		/* Let the drain make room rather than spin on a full ring. */
		if (s->full) {
			s->full = 0;
			nap(s, sink_clock() + BACKOFF_NS);
		}
	}
	s->end_ns = sink_clock();
	atomic_store(&s->done, 1);
	return NULL;
}

socklen_t
sender_dst(const struct conf_load *cl, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (cl->dst_family == 4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(cl->dst_port);
		memcpy(&sin->sin_addr, cl->dst_addr, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(cl->dst_port);
	memcpy(&sin6->sin6_addr, cl->dst_addr, 16);
	return sizeof(*sin6);
}

static int
open_socket(struct sender *s, struct flow *f)
{
	struct sockaddr_storage	ss;
	struct timeval		tv = { 0, SNDTIMEO_MS * 1000 };
	socklen_t		len = sender_dst(s->r->cl, &ss);

	if ((f->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) ==
	    -1 || setsockopt(f->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)) == -1 || connect(f->fd, (struct sockaddr *)&ss,
	    len) == -1) {
		log_warn("load: socket to the destination");
		return -1;
	}
	return 0;
}

/* Inject: the flow's headers, from the interface's own address. */
static int
flow_headers(struct sender *s, struct flow *f, unsigned k)
{
	const struct conf_load	*cl = s->r->cl;
	struct tunnel		*tn = s->r->tn;
	struct loadpkt_flow	*a = &f->addr;

	if (!tunnel_local(tn, cl->dst_family, a->src)) {
		log_warnx("load: inject needs an IPv%d Address on the "
		    "interface", cl->dst_family);
		return -1;
	}
	a->family = cl->dst_family;
	memcpy(a->dst, cl->dst_addr, sizeof(a->dst));
	a->sport = (uint16_t)(FLOW_PORT + k);
	a->dport = cl->dst_port;
	return 0;
}

static int
open_flows(struct sender *s)
{
	const struct sender_run	*r = s->r;
	struct flow		*f;
	unsigned		 k;

	s->nflows = (r->flows - s->id + r->threads - 1) / r->threads;
	if ((s->flow = calloc(s->nflows, sizeof(*s->flow))) == NULL) {
		log_warn("load: flows");
		return -1;
	}
	for (k = 0; k < s->nflows; k++)
		s->flow[k].fd = -1;
	for (k = s->id, f = s->flow; k < r->flows; k += r->threads, f++) {
		f->stream = (uint32_t)r->tag << 16 | k;
		if (r->cl->method == LOAD_SOCKET ? open_socket(s, f) :
		    flow_headers(s, f, k))
			return -1;
	}
	return 0;
}

/*
 * The interface for pcap_inject, capturing nothing: a filter that takes
 * no packet keeps the kernel from copying every one to this handle.
 */
static int
open_pcap(struct sender *s)
{
	static struct bpf_insn	none[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct bpf_program	prog = { 1, none };
	char			errbuf[PCAP_ERRBUF_SIZE];
	uint32_t		af;
	int			dlt;

	if ((s->pcap = pcap_open_live(s->r->tn->tun->name, 64, 0, 100,
	    errbuf)) == NULL) {
		log_warnx("load: %s", errbuf);
		return -1;
	}
	if (pcap_setfilter(s->pcap, &prog) == -1)
		log_warnx("load: %s", pcap_geterr(s->pcap));
	/* BSD tun: the family in 4 bytes, host order (null) or not (loop). */
	af = s->r->cl->dst_family == 6 ? AF_INET6 : AF_INET;
	switch (dlt = pcap_datalink(s->pcap)) {
	case DLT_RAW:
		return 0;
	case DLT_NULL:
		memcpy(s->link, &af, 4);
		break;
	case DLT_LOOP:
		af = htonl(af);
		memcpy(s->link, &af, 4);
		break;
	default:
		log_warnx("load: %s: link type %d, not raw IP",
		    s->r->tn->tun->name, dlt);
		return -1;
	}
	s->linklen = 4;
	return 0;
}

static int
open_replay(struct sender *s)
{
	char	err[256];

	if ((s->file = replay_open(s->r->cl->replay, err, sizeof(err))) ==
	    NULL) {
		log_warnx("load: %s", err);
		return -1;
	}
	if (s->r->cl->method == LOAD_INJECT)
		return open_pcap(s);
	s->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	s->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (s->raw4 == -1 || s->raw6 == -1) {
		log_warn("load: raw socket");
		return -1;
	}
	return 0;
}

/* The socket method's batch: each message one slot of the buffer. */
static void
batch_init(struct sender *s)
{
	int	i;

	for (i = 0; i < BATCH; i++) {
		s->iov[i].iov_base = s->buf + (size_t)i * s->slot;
		s->msg[i].msg_hdr.msg_iov = &s->iov[i];
		s->msg[i].msg_hdr.msg_iovlen = 1;
	}
}

static void
sender_free(struct sender *s)
{
	unsigned	i;

	for (i = 0; s->flow != NULL && i < s->nflows; i++)
		if (s->flow[i].fd != -1)
			close(s->flow[i].fd);
	if (s->raw4 != -1)
		close(s->raw4);
	if (s->raw6 != -1)
		close(s->raw6);
	if (s->pcap != NULL)
		pcap_close(s->pcap);
	replay_close(s->file);
	free(s->flow);
	free(s->buf);
	free(s);
}

/* Thread i's share of n, the first ones taking what does not divide. */
static uint64_t
share(uint64_t n, unsigned threads, unsigned i)
{
	return n / threads + (i < n % threads);
}

struct sender *
sender_new(const struct sender_run *r, unsigned i)
{
	const struct conf_load	*cl = r->cl;
	struct sender		*s;
	int			 rv;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("load: sender");
		return NULL;
	}
	s->r = r;
	s->id = i;
	s->raw4 = s->raw6 = -1;
	s->quota = cl->count != 0 ? share(cl->count, r->threads, i) :
	    UINT64_MAX;
	/* The file's own timing paces a timed replay. */
	if (cl->rate != 0 && !(cl->replay != NULL && cl->replay_timed)) {
		s->pace.rate = (double)cl->rate / r->threads;
		s->pace.burst = s->pace.rate / 1000 > BATCH ?
		    s->pace.rate / 1000 : BATCH;
		s->pace.step = s->pace.rate / 1000 < 1 ? 1 :
		    s->pace.rate / 1000 > BATCH ? BATCH : s->pace.rate / 1000;
		s->pace.tokens = 1;
	}
	s->slot = cl->replay != NULL ? REPLAY_SLOT : r->tn->mtu + 4;
	if ((s->buf = calloc(BATCH, s->slot)) == NULL) {
		log_warn("load: sender");
		sender_free(s);
		return NULL;
	}
	if (cl->replay != NULL) {
		s->send = replay_send;
		rv = open_replay(s);
	} else if (cl->method == LOAD_SOCKET) {
		s->send = socket_send;
		batch_init(s);
		rv = open_flows(s);
	} else {
		s->send = inject_send;
		rv = open_pcap(s) == 0 ? open_flows(s) : -1;
	}
	if (rv == -1) {
		sender_free(s);
		return NULL;
	}
	return s;
}

int
sender_start(struct sender *s)
{
	if ((errno = pthread_create(&s->thread, NULL, sender_main, s)) != 0) {
		log_warn("load: sender thread");
		return -1;
	}
	s->started = 1;
	return 0;
}

int
sender_done(struct sender *s)
{
	return !s->started || atomic_load(&s->done);
}

void
sender_progress(struct sender *s, uint64_t *pkts, uint64_t *bytes)
{
	*pkts = atomic_load_explicit(&s->live_pkts, memory_order_relaxed);
	*bytes = atomic_load_explicit(&s->live_bytes, memory_order_relaxed);
}

void
sender_join(struct sender *s, struct load_thread_result *res,
    uint64_t *end_ns)
{
	if (s == NULL)
		return;
	if (s->started)
		pthread_join(s->thread, NULL);
	*res = s->res;
	*end_ns = s->end_ns;
	sender_free(s);
}
