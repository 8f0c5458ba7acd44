/*
 * Handshakes and timers, on the control thread.
 *
 * Workers queue handshake messages; this thread checks their macs, under
 * load asks for cookies and rate limits sources, runs the Noise handshake
 * and installs the keys.  A tick every HANDSHAKE_TICK_MS runs each peer's
 * timer rules and takes the endpoint lookups' answers (resolve.c); a kick
 * from the data path (a peer wants a handshake) runs the same pass at once.
 */
#include <event2/event.h>

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto.h"
#include "handshake.h"
#include "log.h"
#include "peer.h"
#include "ratelimit.h"
#include "resolve.h"
#include "send.h"
#include "udp.h"

#define QUEUE_BATCH	64	/* messages per callback, to let signals in */
#define UNDER_LOAD	(MAX_QUEUED_HANDSHAKES / 8)

static void
send_handshake(struct thread_ctx *x, struct peer *p,
    const union sockaddr_inet *to, const void *msg, size_t len)
{
	if (udp_send(x->tn, 0, to, msg, len) == -1) {
		drop(x, DROP_SEND_FAILED);
		return;
	}
	count(&x->c.udp_tx_packets, 1);
	count(&x->c.udp_tx_bytes, len);
	if (p != NULL)
		count(&p->tx_bytes, len);
}

static void
ephemeral(uint8_t e[X25519_LEN])
{
	crypto_x25519_genkey(e);
}

/* Start a handshake with the peer, if it has an endpoint. */
static void
initiate(struct thread_ctx *x, struct peer *p)
{
	struct msg_initiation	 m;
	union sockaddr_inet	 to;
	struct timespec		 ts;
	uint8_t			 e[X25519_LEN], tai[TAI64N_LEN];
	uint32_t		 idx;
	uint64_t		 now = now_ms();
	int			 ok;

	ephemeral(e);
	clock_gettime(CLOCK_REALTIME, &ts);
	crypto_tai64n(tai, &ts);
	pthread_mutex_lock(&p->lock);
	if ((ok = p->endpoint.sa.sa_family != 0)) {
		index_del(&x->tn->indices, &p->hs_entry);
		idx = index_add(&x->tn->indices, &p->hs_entry,
		    INDEX_HANDSHAKE);
		ok = noise_create_initiation(&p->noise, &x->tn->local,
		    x->aead, idx, e, tai, &m) == NOISE_OK &&
		    cookie_maker_macs(&p->cookie, &m, sizeof(m), now) == 0;
		timers_any_authenticated_packet_traversal(&p->timers, now);
		timers_any_authenticated_packet_sent(&p->timers);
		timers_handshake_initiated(&p->timers, now);
		p->last_initiation = now;
		if (p->unanswered_since == 0)
			p->unanswered_since = now;
		to = p->endpoint;
	}
	pthread_mutex_unlock(&p->lock);
	crypto_wipe(e, sizeof(e));
	if (ok) {
		log_debug("peer %s: sending handshake initiation", p->name);
		send_handshake(x, p, &to, &m, sizeof(m));
	}
}

/* The peer whose handshake or keypair has our index, or NULL. */
static struct peer *
peer_by_index(struct tunnel *tn, uint32_t index, int keypairs_too)
{
	struct index_entry	*e;
	struct peer		*p = NULL;

	index_rdlock(&tn->indices);
	if ((e = index_find(&tn->indices, index, INDEX_HANDSHAKE)) != NULL)
		p = (struct peer *)((char *)e - offsetof(struct peer,
		    hs_entry));
	else if (keypairs_too && (e = index_find(&tn->indices, index,
	    INDEX_KEYPAIR)) != NULL)
		p = ((struct keypair *)((char *)e - offsetof(struct keypair,
		    entry)))->peer;
	index_unlock(&tn->indices);
	return p;
}

static enum drop_reason
noise_drop(enum noise_result r)
{
	return r == NOISE_ERR_REPLAY ? DROP_TIMESTAMP : DROP_HANDSHAKE;
}

/* After the peer's handshake message authenticated; under its lock. */
static void
heard_from(struct peer *p, const union sockaddr_inet *src, uint64_t now)
{
	peer_set_endpoint(p, src);
	timers_any_authenticated_packet_received(&p->timers);
	timers_any_authenticated_packet_traversal(&p->timers, now);
}

/* Accept the initiation and derive the keys; under the peer's lock. */
static enum drop_reason
respond(struct thread_ctx *x, struct peer *p, struct noise_pending *pend,
    struct msg_response *m, uint64_t now)
{
	struct noise_keys	k;
	enum noise_result	r;
	uint8_t			e[X25519_LEN];
	uint32_t		idx;
	int			ok;

	/* At most INITIATIONS_PER_SECOND from one peer, whatever its address. */
	if (now - p->last_initiation_in < 1000 / INITIATIONS_PER_SECOND &&
	    p->last_initiation_in != 0) {
		crypto_wipe(pend, sizeof(*pend));
		return DROP_RATELIMIT;
	}
	if ((r = noise_accept_initiation(&p->noise, x->aead, pend)) !=
	    NOISE_OK)
		return noise_drop(r);
	p->last_initiation_in = now;
	index_del(&x->tn->indices, &p->hs_entry);
	idx = index_add(&x->tn->indices, &p->hs_entry, INDEX_HANDSHAKE);
	ephemeral(e);
	r = noise_create_response(&p->noise, x->aead, idx, e, m);
	crypto_wipe(e, sizeof(e));
	ok = r == NOISE_OK && cookie_maker_macs(&p->cookie, m, sizeof(*m),
	    now) == 0 && noise_derive_keys(&p->noise, &k) == NOISE_OK &&
	    peer_install_keys(p, &k, now) == 0;
	crypto_wipe(&k, sizeof(k));
	if (!ok) {
		index_del(&x->tn->indices, &p->hs_entry);
		noise_remote_clear(&p->noise);
		return DROP_HANDSHAKE;
	}
	timers_session_derived(&p->timers, now);
	timers_any_authenticated_packet_traversal(&p->timers, now);
	timers_any_authenticated_packet_sent(&p->timers);
	timers_response_sent(&p->timers, now);
	return DROP_NREASONS;
}

static void
consume_initiation(struct thread_ctx *x, const struct hs_item *it)
{
	const struct msg_initiation *m = (const void *)it->msg;
	struct noise_pending	 pend;
	struct msg_response	 resp;
	union sockaddr_inet	 to;
	struct peer		*p;
	enum noise_result	 r;
	enum drop_reason	 why;
	uint64_t		 now = now_ms();

	if ((r = noise_open_initiation(&x->tn->local, x->aead, m, &pend)) !=
	    NOISE_OK) {
		drop(x, noise_drop(r));
		return;
	}
	if ((p = peer_by_key(x->tn, pend.remote_static)) == NULL) {
		crypto_wipe(&pend, sizeof(pend));
		drop(x, DROP_UNKNOWN_PEER);
		return;
	}
	pthread_mutex_lock(&p->lock);
	if ((why = respond(x, p, &pend, &resp, now)) == DROP_NREASONS) {
		heard_from(p, &it->src, now);
		to = p->endpoint;
	}
	pthread_mutex_unlock(&p->lock);
	if (why != DROP_NREASONS) {
		drop(x, why);
		return;
	}
	log_debug("peer %s: handshake initiation accepted", p->name);
	send_handshake(x, p, &to, &resp, sizeof(resp));
}

static void
consume_response(struct thread_ctx *x, const struct hs_item *it)
{
	const struct msg_response *m = (const void *)it->msg;
	struct noise_keys	 k;
	struct peer		*p;
	uint64_t		 now = now_ms();
	int			 ok;

	if ((p = peer_by_index(x->tn, le32_get(m->receiver), 0)) == NULL) {
		drop(x, DROP_INDEX);
		return;
	}
	pthread_mutex_lock(&p->lock);
	ok = noise_consume_response(&p->noise, &x->tn->local, x->aead, m) ==
	    NOISE_OK && noise_derive_keys(&p->noise, &k) == NOISE_OK &&
	    peer_install_keys(p, &k, now) == 0;
	crypto_wipe(&k, sizeof(k));
	if (ok) {
		heard_from(p, &it->src, now);
		timers_session_derived(&p->timers, now);
		timers_handshake_complete(&p->timers);
	}
	pthread_mutex_unlock(&p->lock);
	if (!ok) {
		drop(x, DROP_HANDSHAKE);
		return;
	}
	count(&x->c.handshakes, 1);
	log_debug("peer %s: handshake complete", p->name);
	/* The initiator confirms the session with data or a keepalive. */
	send_staged(x, p, 1);
}

static void
consume_cookie(struct thread_ctx *x, const struct hs_item *it)
{
	const struct msg_cookie *m = (const void *)it->msg;
	struct peer		*p;

	if ((p = peer_by_index(x->tn, le32_get(m->receiver), 1)) == NULL) {
		drop(x, DROP_INDEX);
		return;
	}
	if (cookie_maker_consume(&p->cookie, x->aead, m, now_ms()) == -1)
		drop(x, DROP_HANDSHAKE);
	else
		log_debug("peer %s: cookie received", p->name);
}

/* mac1, and under load mac2 and the source's rate; 0 to go on. */
static int
admit(struct thread_ctx *x, const struct hs_item *it, int under_load)
{
	struct tunnel		*tn = x->tn;
	struct msg_cookie	 reply;
	const uint8_t		*addr;
	uint16_t		 port;
	uint64_t		 now = now_ms();
	int			 af = it->src.sa.sa_family;

	addr = sockaddr_inet_addr(&it->src, &port);
	switch (cookie_checker_validate(&tn->cookies, it->msg, it->len, af,
	    addr, port, under_load, now)) {
	case COOKIE_INVALID_MAC1:
		drop(x, DROP_MAC1);
		return -1;
	case COOKIE_NEED_COOKIE:
		if (cookie_checker_reply(&tn->cookies, x->aead, it->msg,
		    it->len, af, addr, port, now, &reply) == 0)
			send_handshake(x, NULL, &it->src, &reply,
			    sizeof(reply));
		drop(x, DROP_COOKIE_SENT);
		return -1;
	case COOKIE_VALID_MAC2:
		if (!ratelimit_allow(tn->ratelimit, af, addr, now)) {
			drop(x, DROP_RATELIMIT);
			return -1;
		}
		return 0;
	case COOKIE_VALID_MAC1:
		return 0;
	}
	return -1;
}

static void
process(struct thread_ctx *x, const struct hs_item *it, int under_load)
{
	if (it->msg[0] == MSG_COOKIE) {
		consume_cookie(x, it);
		return;
	}
	if (admit(x, it, under_load) == -1)
		return;
	if (it->msg[0] == MSG_INITIATION)
		consume_initiation(x, it);
	else
		consume_response(x, it);
}

static void
queue_ready(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel	*tn = arg;
	struct hs_queue	*q = &tn->hsq;
	struct hs_item	 it;
	int		 i, more = 1, under_load;

	for (i = 0; i < QUEUE_BATCH && more; i++) {
		pthread_mutex_lock(&q->lock);
		if ((more = q->count > 0)) {
			under_load = q->count >= UNDER_LOAD;
			it = q->item[q->head];
			q->head = (q->head + 1) % MAX_QUEUED_HANDSHAKES;
			q->count--;
		}
		pthread_mutex_unlock(&q->lock);
		if (more)
			process(tn->ctl, &it, under_load);
	}
	crypto_wipe(&it, sizeof(it));
	if (more)
		event_active(tn->hs_ev, EV_READ, 0);
}

/* One peer's timer rules and handshake wishes. */
static void
run_timers(struct thread_ctx *x, struct peer *p, uint64_t now)
{
	struct staged	*dropped = NULL;
	unsigned	 due;
	int		 want;

	pthread_mutex_lock(&p->lock);
	due = timers_expire(&p->timers, now);
	/* A keepalive without a session asks for one, as WireGuard's does. */
	if ((due & TIMER_SEND_KEEPALIVE) && p->current == NULL)
		atomic_store(&p->wants_handshake, 1);
	want = atomic_exchange(&p->wants_handshake, 0) &&
	    timers_initiation_wanted(&p->timers, now);
	if (due & TIMER_ZERO_KEYS)
		peer_zero_keys(p);
	if (due & TIMER_GIVE_UP) {
		count(&x->c.drops[DROP_GAVE_UP], p->nstaged);
		dropped = peer_unstage(p);
	}
	pthread_mutex_unlock(&p->lock);
	staged_free(dropped);
	if (want || (due & TIMER_SEND_INITIATION))
		initiate(x, p);
	if (due & TIMER_SEND_KEEPALIVE)
		send_staged(x, p, 1);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel	*tn = arg;
	uint64_t	 now = now_ms();
	size_t		 i;

	for (i = 0; i < tn->npeers; i++)
		run_timers(tn->ctl, tn->peer[i], now);
	resolve_tick(tn, now);
	tunnel_reap(tn);
	if (now - tn->last_gc >= 1000) {
		ratelimit_gc(tn->ratelimit, now);
		tn->last_gc = now;
	}
}

int
handshake_start(struct tunnel *tn, struct event_base *base)
{
	struct timeval	tv = { 0, HANDSHAKE_TICK_MS * 1000 };

	if ((tn->ctl = thread_ctx_new(tn, TUNNEL_MAXTHREADS)) == NULL)
		return -1;
	tn->hs_ev = event_new(base, -1, 0, queue_ready, tn);
	tn->kick_ev = event_new(base, -1, 0, tick, tn);
	tn->tick_ev = event_new(base, -1, EV_PERSIST, tick, tn);
	if (tn->hs_ev == NULL || tn->kick_ev == NULL || tn->tick_ev == NULL ||
	    event_add(tn->tick_ev, &tv) == -1) {
		log_warnx("cannot set up the handshake events");
		handshake_stop(tn);
		return -1;
	}
	return 0;
}

void
handshake_stop(struct tunnel *tn)
{
	if (tn->tick_ev != NULL)
		event_free(tn->tick_ev);
	if (tn->hs_ev != NULL)
		event_free(tn->hs_ev);
	if (tn->kick_ev != NULL)
		event_free(tn->kick_ev);
	tn->tick_ev = tn->hs_ev = tn->kick_ev = NULL;
}
