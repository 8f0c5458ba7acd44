/*
 * Sending: cryptokey routing on the destination, then the peer's current
 * keypair, a fresh counter, padding, sealing in place in a slot of the
 * thread's send queue; the queue goes out in one sendmmsg.
 *
 * With no usable keypair the packet is staged and the control thread asked
 * for a handshake; the packets go out when the session exists.
 */
#include <event2/event.h>

#include <string.h>

#include "icmp.h"
#include "parallel.h"
#include "pcapio.h"
#include "peer.h"
#include "send.h"
#include "tun.h"
#include "udp.h"

static int
queue_of(struct thread_ctx *x)
{
	return x->id < x->tn->tun->nqueues ? x->id : 0;
}

void
send_want_handshake(struct peer *p)
{
	if (atomic_exchange(&p->wants_handshake, 1) == 0)
		event_active(p->tn->kick_ev, EV_TIMEOUT, 0);
}

/* Padded to a multiple of 16, but never past the MTU (whitepaper 5.4.6). */
static size_t
padded_len(size_t len, unsigned mtu)
{
	size_t	padded = (len + MSG_PADDING - 1) & ~(size_t)(MSG_PADDING - 1);

	if (len <= mtu && padded > mtu)
		padded = mtu;
	return padded;
}

/*
 * The next free slot of the send queue, flushing it when full: room for
 * the data header before the packet, and for padding and tag after.
 */
static uint8_t *
send_slot(struct thread_ctx *x)
{
	struct txq	*q = &x->tx;

	if (q->n == TXQ_SLOTS)
		send_flush(x);
	return q->area + q->n * q->slot + MSG_DATA_HDR_LEN;
}

void
send_flush(struct thread_ctx *x)
{
	struct txq	*q = &x->tx;
	size_t		 bytes = 0;
	int		 i, k, sent;

	if (q->n == 0)
		return;
	parallel_run(x, q->crypt, q->n);
	for (i = 0, k = 0; i < q->n; i++) {
		keypair_release(q->kp[i]);
		if (q->crypt[i].ok)
			q->m[k++] = q->m[i];
		else
			drop(x, DROP_SEND_FAILED);
	}
	q->n = k;
	sent = udp_send_batch(x->sock, q->m, q->n);
	for (i = 0; i < sent; i++)
		bytes += q->m[i].len;
	count(&x->c.udp_tx_packets, sent);
	count(&x->c.udp_tx_bytes, bytes);
	if (sent < q->n)
		count(&x->c.drops[DROP_SEND_FAILED], q->n - sent);
	q->n = 0;
}

/*
 * Queue the packet in the queue's next slot for sealing under kp and
 * sending to the endpoint, both at send_flush().  Returns 0, or -1 having
 * counted the drop.
 */
static int
seal(struct thread_ctx *x, struct keypair *kp, const union sockaddr_inet *to,
    uint8_t *pkt, size_t len)
{
	struct msg_data	 *hdr = (struct msg_data *)(pkt - MSG_DATA_HDR_LEN);
	struct txq	 *q = &x->tx;
	struct udp_msg	 *m = &q->m[q->n];
	struct crypt_job *c = &q->crypt[q->n];
	uint64_t	  counter;
	size_t		  padded = padded_len(len, x->tn->mtu);

	counter = atomic_fetch_add_explicit(&kp->send_counter, 1,
	    memory_order_relaxed);
	if (counter >= REJECT_AFTER_MESSAGES) {
		drop(x, DROP_COUNTER_LIMIT);
		return -1;
	}
	memset(pkt + len, 0, padded - len);
	memset(hdr, 0, sizeof(*hdr));
	hdr->type = MSG_DATA;
	le32_put(hdr->receiver, kp->remote_index);
	le64_put(hdr->counter, counter);
	c->key = kp->send;
	c->data = pkt;
	c->len = padded;
	c->counter = counter;
	c->open = 0;
	keypair_hold(kp);
	q->kp[q->n] = kp;
	m->addr = *to;
	m->buf = (uint8_t *)hdr;
	m->len = MSG_DATA_HDR_LEN + padded + AEAD_TAG_LEN;
	q->n++;
	count(&kp->peer->tx_bytes, m->len);
	return 0;
}

/* The timer events of sending; under the peer's lock. */
static void
sent(struct peer *p, int data, uint64_t now)
{
	timers_any_authenticated_packet_traversal(&p->timers, now);
	timers_any_authenticated_packet_sent(&p->timers);
	if (data)
		timers_data_sent(&p->timers, now);
}

/*
 * At most ICMP_PER_SECOND errors a thread, as the kernel limits its own:
 * a flood to nowhere must not become a flood back.
 */
static int
icmp_allowed(struct thread_ctx *x)
{
	uint64_t	now = now_ms();

	if (now - x->icmp_window >= 100) {
		x->icmp_window = now;
		x->icmp_sent = 0;
	}
	return x->icmp_sent++ < ICMP_PER_SECOND / 10;
}

static const uint8_t *
destination(const uint8_t *pkt, int v)
{
	return v == 4 ? pkt + 16 : pkt + 24;
}

/*
 * Answer a packet no peer takes with ICMP unreachable, as WireGuard does,
 * from the unreachable destination: the kernel drops as a martian any
 * packet arriving on the device from one of its own addresses, so an
 * error from the interface's address would reach neither a local sender
 * nor, on a gateway, a forwarded one.
 */
static void
unreachable(struct thread_ctx *x, const uint8_t *pkt, size_t len, int v)
{
	uint8_t	err[ICMP6_MAXLEN];
	size_t	n;

	if (!icmp_allowed(x))
		return;
	n = icmp_unreachable(err, sizeof(err), pkt, len, destination(pkt, v));
	if (n > 0 && tun_write(x->tn->tun, queue_of(x), NULL, err, n) > 0) {
		count(&x->c.tun_tx_packets, 1);
		count(&x->c.tun_tx_bytes, n);
	}
}

/* One packet of at most the MTU, in the send queue's next slot. */
static void
send_packet(struct thread_ctx *x, uint8_t *pkt, size_t len)
{
	struct tunnel		*tn = x->tn;
	struct peer		*p;
	struct keypair		*kp;
	union sockaddr_inet	 to;
	uint64_t		 now;
	int			 v, rekey = 0, staged = 0;

	count(&x->c.tun_rx_packets, 1);
	count(&x->c.tun_rx_bytes, len);
	if ((v = tun_ip_version(pkt, len)) == 0) {
		drop(x, DROP_MALFORMED);
		return;
	}
	if (tn->capture != NULL)	/* Capture: plaintext, outbound */
		capture_packet(tn->capture, pkt, len);
	if ((p = allowedips_lookup(&tn->allowed, v, destination(pkt, v))) ==
	    NULL) {
		drop(x, DROP_NO_PEER);
		unreachable(x, pkt, len, v);
		return;
	}
	now = now_ms();
	pthread_mutex_lock(&p->lock);
	if (p->endpoint.sa.sa_family == 0)
		kp = NULL;
	else if ((kp = peer_sending_keypair(p, now)) == NULL)
		staged = peer_stage(p, pkt, len) == 0 ? 1 : -1;
	else {
		to = p->endpoint;
		rekey = timers_should_rekey_on_send(kp->birth,
		    atomic_load(&kp->send_counter), kp->initiator, now);
		sent(p, 1, now);
	}
	pthread_mutex_unlock(&p->lock);

	if (kp == NULL) {
		if (staged == 0) {
			/* Nowhere to send it, as WireGuard: unreachable. */
			drop(x, DROP_NO_ENDPOINT);
			unreachable(x, pkt, len, v);
			return;
		}
		if (staged < 0)
			drop(x, DROP_STAGED_FULL);
		send_want_handshake(p);
		return;
	}
	seal(x, kp, &to, pkt, len);
	keypair_release(kp);
	if (rekey)
		send_want_handshake(p);
}

void
send_from_device(struct thread_ctx *x, const uint8_t *vnet, uint8_t *pkt,
    size_t len)
{
	struct offload_split	 s;
	uint8_t			*slot;
	int			 n = 0;

	if (x->tn->tun->offload &&
	    (n = offload_split_init(&s, vnet, pkt, len, x->tn->mtu)) == -1) {
		drop(x, DROP_MALFORMED);
		return;
	}
	if (n == 0) {
		if (len > x->tn->mtu) {
			drop(x, DROP_TOO_BIG);
			return;
		}
		slot = send_slot(x);
		memcpy(slot, pkt, len);
		send_packet(x, slot, len);
		return;
	}
	while ((len = offload_split_next(&s, slot = send_slot(x))) > 0)
		send_packet(x, slot, len);
}

void
send_staged(struct thread_ctx *x, struct peer *p, int keepalive)
{
	struct staged		*s, *list;
	struct keypair		*kp;
	union sockaddr_inet	 to;
	uint8_t			*pkt;
	uint64_t		 now = now_ms();

	pthread_mutex_lock(&p->lock);
	kp = p->endpoint.sa.sa_family != 0 ?
	    peer_sending_keypair(p, now) : NULL;
	list = kp != NULL ? peer_unstage(p) : NULL;
	if (kp != NULL && (list != NULL || keepalive))
		sent(p, list != NULL, now);
	to = p->endpoint;
	pthread_mutex_unlock(&p->lock);
	if (kp == NULL)
		return;

	if (list == NULL && keepalive)
		seal(x, kp, &to, send_slot(x), 0);
	for (s = list; s != NULL; s = s->next) {
		pkt = send_slot(x);
		memcpy(pkt, s->pkt, s->len);
		seal(x, kp, &to, pkt, s->len);
	}
	send_flush(x);
	staged_free(list);
	keypair_release(kp);
}
