/*
 * Receiving: validate the header, then for data the keypair of the
 * receiver index, the replay window, authentication, the window again
 * (now authoritatively), cryptokey routing on the inner source, and the
 * device.
 */
#include <event2/event.h>

#include <arpa/inet.h>

#include <string.h>

#include "pcapio.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "sink.h"
#include "tun.h"

static int
queue_of(struct thread_ctx *x)
{
	return x->id < x->tn->tun->nqueues ? x->id : 0;
}

/* Hand a handshake message to the control thread, if there is room. */
static void
enqueue_handshake(struct thread_ctx *x, const uint8_t *msg, size_t len,
    const union sockaddr_inet *src)
{
	struct hs_queue	*q = &x->tn->hsq;
	struct hs_item	*it;
	int		 full;

	pthread_mutex_lock(&q->lock);
	if (!(full = q->count == MAX_QUEUED_HANDSHAKES)) {
		it = &q->item[(q->head + q->count) % MAX_QUEUED_HANDSHAKES];
		memcpy(it->msg, msg, len);
		it->len = len;
		it->src = *src;
		q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	if (full)
		drop(x, DROP_QUEUE_FULL);
	else
		event_active(x->tn->hs_ev, EV_READ, 0);
}

/*
 * The length of the IP packet inside a decrypted payload of len bytes
 * (the rest is padding), or 0 when it is not a whole IP packet.
 */
static size_t
inner_length(const uint8_t *pkt, size_t len, int v)
{
	size_t	n;

	if (v == 4) {
		n = (size_t)pkt[2] << 8 | pkt[3];
		return n >= 20 && n <= len ? n : 0;
	}
	n = 40 + ((size_t)pkt[4] << 8 | pkt[5]);
	return n <= len ? n : 0;
}

static const uint8_t *
source(const uint8_t *pkt, int v)
{
	return v == 4 ? pkt + 12 : pkt + 8;
}

/* Check the counter against the window; 0, or -1 having counted why. */
static int
replay(struct thread_ctx *x, struct keypair *kp, uint64_t counter, int update)
{
	enum replay_result	r;

	pthread_mutex_lock(&kp->replay_lock);
	r = update ? replay_update(&kp->replay, counter) :
	    replay_check(&kp->replay, counter);
	pthread_mutex_unlock(&kp->replay_lock);
	if (r == REPLAY_OK)
		return 0;
	drop(x, r == REPLAY_LIMIT ? DROP_COUNTER_LIMIT : DROP_REPLAY);
	return -1;
}

/*
 * The peer's side of an authenticated data message: confirm a new session,
 * follow the endpoint, run the timers.  Returns whether the session was
 * just confirmed.
 */
static int
authenticated(struct peer *p, struct keypair *kp,
    const union sockaddr_inet *src, size_t plen, int *rekey)
{
	uint64_t	now = now_ms();
	int		confirmed;

	pthread_mutex_lock(&p->lock);
	if ((confirmed = peer_confirm_keypair(p, kp)))
		timers_handshake_complete(&p->timers);
	peer_set_endpoint(p, src);
	timers_any_authenticated_packet_received(&p->timers);
	timers_any_authenticated_packet_traversal(&p->timers, now);
	if (plen > 0)
		timers_data_received(&p->timers, now);
	*rekey = p->current == kp && timers_should_rekey_on_receive(
	    &p->timers, kp->birth, kp->initiator, now);
	pthread_mutex_unlock(&p->lock);
	return confirmed;
}

/* Write the run of coalesced packets to the device. */
static void
device_flush(struct thread_ctx *x)
{
	struct offload_gro	*g = &x->gro;
	uint8_t			*vnet;
	size_t			 n;

	if (!x->gro_run)
		return;
	x->gro_run = 0;
	/* Only now: with no run, g->pkt may be NULL. */
	vnet = g->pkt - VNET_HDR_LEN;
	n = offload_gro_finish(g, vnet);
	if (tun_write(x->tn->tun, queue_of(x), vnet, g->pkt, n) < 0) {
		count(&x->c.drops[DROP_TUN_WRITE], g->n);
		return;
	}
	count(&x->c.tun_tx_packets, g->n);
	count(&x->c.tun_tx_bytes, x->gro_bytes);
}

/*
 * To the device: with offloads, into the run of segments that go as one
 * write; it grows in place over the datagrams that follow in the buffer.
 */
static void
to_device(struct thread_ctx *x, uint8_t *pkt, size_t len, uint8_t *end)
{
	size_t	room;

	if (!x->tn->tun->offload) {
		if (tun_write(x->tn->tun, queue_of(x), NULL, pkt, len) < 0) {
			drop(x, DROP_TUN_WRITE);
			return;
		}
		count(&x->c.tun_tx_packets, 1);
		count(&x->c.tun_tx_bytes, len);
		return;
	}
	if (x->gro_run && offload_gro_add(&x->gro, pkt, len) == 0) {
		x->gro_bytes += len;
		return;
	}
	device_flush(x);
	room = end > pkt ? (size_t)(end - pkt) : len;
	offload_gro_start(&x->gro, pkt, len, room);
	x->gro_run = 1;
	x->gro_bytes = len;
}

/* The decrypted packet, if its source belongs to the peer, to the device. */
static void
deliver(struct thread_ctx *x, struct peer *p, uint8_t *pkt, size_t len,
    uint8_t *end)
{
	size_t	n;
	int	v;

	if ((v = tun_ip_version(pkt, len)) == 0 ||
	    (n = inner_length(pkt, len, v)) == 0) {
		drop(x, DROP_INNER_MALFORMED);
		return;
	}
	if (allowedips_lookup(&x->tn->allowed, v, source(pkt, v)) != p) {
		drop(x, DROP_SOURCE);
		return;
	}
	if (x->tn->capture != NULL)	/* Capture: plaintext, inbound */
		capture_packet(x->tn->capture, pkt, n);
	if (sink_input(x, pkt, n))
		return;
	to_device(x, pkt, n, end);
}

/*
 * The held keypair of a receiver index.  A batch is mostly one session's,
 * so the previous job's answers without the index table's lock; a keypair
 * retired meanwhile still opens what was sent under it.
 */
static struct keypair *
batch_keypair(struct thread_ctx *x, uint32_t index)
{
	struct keypair	*kp;

	if (x->njobs > 0 && (kp = x->jobs[x->njobs - 1].kp)->entry.id ==
	    index) {
		keypair_hold(kp);
		return kp;
	}
	return keypair_lookup(x->tn, index);
}

/*
 * A data message, before its decryption: the keypair of its receiver
 * index, the keypair's age, a cheap look at the replay window.  What
 * passes waits in the batch.
 */
static void
receive_data(struct thread_ctx *x, uint8_t *buf, size_t len,
    const union sockaddr_inet *src)
{
	struct msg_data	*m = (struct msg_data *)buf;
	struct keypair	*kp;
	struct rx_job	*j;
	struct crypt_job *c;
	uint64_t	 counter = le64_get(m->counter);

	if ((kp = batch_keypair(x, le32_get(m->receiver))) == NULL) {
		drop(x, DROP_INDEX);
		return;
	}
	if (timers_keypair_expired(kp->birth, 0, now_ms())) {
		drop(x, DROP_EXPIRED);
		keypair_release(kp);
		return;
	}
	if (replay(x, kp, counter, 0) == -1) {
		keypair_release(kp);
		return;
	}
	if (x->njobs == RX_JOBS)
		receive_flush(x);
	c = &x->crypt[x->njobs];
	c->key = kp->recv;
	c->data = buf + MSG_DATA_HDR_LEN;
	c->len = len - MSG_DATA_HDR_LEN;
	c->counter = counter;
	c->open = 1;
	j = &x->jobs[x->njobs++];
	j->kp = kp;
	j->buf = buf;
	j->len = len;
	j->counter = counter;
	j->end = x->rx_end;
	j->src = *src;
}

/* Whether jobs a and b come from the same session and address. */
static int
same_session(const struct rx_job *a, const struct rx_job *b)
{
	return a->kp == b->kp && sockaddr_inet_equal(&a->src, &b->src);
}

/*
 * The peer's side of jobs[i] and the ones after it from the same session:
 * one call for the run.  Returns the index past the run.
 */
static int
session_run(struct thread_ctx *x, int i)
{
	struct rx_job	*j = &x->jobs[i];
	struct peer	*p = j->kp->peer;
	size_t		 data = 0;
	int		 k, rekey, confirmed;

	for (k = i; k < x->njobs && same_session(&x->jobs[k], j); k++)
		if (x->crypt[k].ok)
			data += x->jobs[k].len - MSG_DATA_MIN_LEN;
	confirmed = authenticated(p, j->kp, &j->src, data, &rekey);
	if (confirmed) {
		count(&x->c.handshakes, 1);
		send_staged(x, p, 0);
	}
	if (rekey)
		send_want_handshake(p);
	return k;
}

/* After decryption, in order: the window again, the peer, the device. */
static void
finish_job(struct thread_ctx *x, struct rx_job *j, struct crypt_job *c)
{
	struct peer	*p = j->kp->peer;
	size_t		 plen = j->len - MSG_DATA_MIN_LEN;

	if (!c->ok) {
		drop(x, DROP_AUTH);
		return;
	}
	if (replay(x, j->kp, j->counter, 1) == -1) {
		c->ok = 0;
		return;
	}
	count(&p->rx_bytes, j->len);
	if (plen > 0)
		deliver(x, p, j->buf + MSG_DATA_HDR_LEN, plen, j->end);
}

void
receive_flush(struct thread_ctx *x)
{
	int	i;

	parallel_run(x, x->crypt, x->njobs);
	for (i = 0; i < x->njobs; i++)
		finish_job(x, &x->jobs[i], &x->crypt[i]);
	/* Then each session's timers, endpoint and confirmation, once. */
	for (i = 0; i < x->njobs;)
		i = x->crypt[i].ok ? session_run(x, i) : i + 1;
	for (i = 0; i < x->njobs; i++)
		keypair_release(x->jobs[i].kp);
	x->njobs = 0;
	device_flush(x);
}

void
receive_datagram(struct thread_ctx *x, uint8_t *buf, size_t len,
    const union sockaddr_inet *src)
{
	static const size_t sizes[] = {
		[MSG_INITIATION] = MSG_INITIATION_LEN,
		[MSG_RESPONSE] = MSG_RESPONSE_LEN,
		[MSG_COOKIE] = MSG_COOKIE_LEN,
		[MSG_DATA] = MSG_DATA_MIN_LEN,
	};
	uint8_t		type;

	count(&x->c.udp_rx_packets, 1);
	count(&x->c.udp_rx_bytes, len);
	if (len < 4) {
		drop(x, DROP_SHORT);
		return;
	}
	type = buf[0];
	if (type < MSG_INITIATION || type > MSG_DATA) {
		drop(x, DROP_TYPE);
		return;
	}
	if (buf[1] != 0 || buf[2] != 0 || buf[3] != 0) {
		drop(x, DROP_RESERVED);
		return;
	}
	if (type == MSG_DATA ? len < sizes[type] : len != sizes[type]) {
		drop(x, DROP_SHORT);
		return;
	}
	if (type != MSG_DATA)
		enqueue_handshake(x, buf, len, src);
	else {
		receive_data(x, buf, len, src);
		if (!x->batching)
			receive_flush(x);
	}
}
