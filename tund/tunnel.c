/*
 * The tunnel's shared state: set up from a configuration, torn down at
 * exit, and the counters every thread keeps.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "log.h"
#include "peer.h"
#include "ratelimit.h"
#include "tunnel.h"
#include "udp.h"

static const char *drop_names[DROP_NREASONS] = {
	[DROP_MALFORMED] = "malformed",
	[DROP_NO_PEER] = "no peer",
	[DROP_NO_ENDPOINT] = "no endpoint",
	[DROP_STAGED_FULL] = "staged full",
	[DROP_GAVE_UP] = "handshake gave up",
	[DROP_TOO_BIG] = "too big",
	[DROP_SEND_FAILED] = "send failed",
	[DROP_SHORT] = "bad length",
	[DROP_TYPE] = "unknown type",
	[DROP_RESERVED] = "reserved bits",
	[DROP_MAC1] = "bad mac1",
	[DROP_COOKIE_SENT] = "cookie sent",
	[DROP_RATELIMIT] = "rate limited",
	[DROP_QUEUE_FULL] = "handshake queue full",
	[DROP_HANDSHAKE] = "handshake failed",
	[DROP_UNKNOWN_PEER] = "unknown peer",
	[DROP_TIMESTAMP] = "replayed initiation",
	[DROP_INDEX] = "unknown index",
	[DROP_AUTH] = "authentication failed",
	[DROP_REPLAY] = "replayed",
	[DROP_COUNTER_LIMIT] = "counter limit",
	[DROP_EXPIRED] = "expired keypair",
	[DROP_INNER_MALFORMED] = "inner malformed",
	[DROP_SOURCE] = "source not allowed",
	[DROP_TUN_WRITE] = "device write failed",
};

const char *
drop_reason_name(enum drop_reason r)
{
	return drop_names[r];
}

uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void
drop(struct thread_ctx *x, enum drop_reason r)
{
	count(&x->c.drops[r], 1);
}

/*
 * Receive buffers: with UDP GRO a message can hold 64 KB of datagrams, so
 * fewer and larger; either way about 1 MB a thread, allocated once.
 */
static int
rx_alloc(struct thread_ctx *x)
{
	x->rx_msgs = udp_gro_enabled() ? 16 : UDP_BATCH;
	x->rx_slot = udp_gro_enabled() ? 65536 : 16384;
	x->rx = malloc((size_t)x->rx_msgs * x->rx_slot);
	return x->rx == NULL ? -1 : 0;
}

/* A slot holds the data header, the packet, padding and the tag. */
static int
tx_alloc(struct thread_ctx *x, unsigned mtu)
{
	x->tx.slot = (MSG_DATA_MIN_LEN + mtu + MSG_PADDING + 63) & ~(size_t)63;
	x->tx.area = malloc(TXQ_SLOTS * x->tx.slot);
	return x->tx.area == NULL ? -1 : 0;
}

struct thread_ctx *
thread_ctx_new(struct tunnel *tn, int id)
{
	struct thread_ctx	*x;

	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->aead = crypto_aead_new()) == NULL || rx_alloc(x) == -1 ||
	    tx_alloc(x, tn->mtu) == -1) {
		log_warnx("thread %d: out of memory", id);
		thread_ctx_free(x);
		return NULL;
	}
	x->id = id;
	x->tn = tn;
	/* Its own socket; the control thread and helpers send on 0's. */
	x->sock = tn->nsocks == 0 ? -1 : tn->sock[id < tn->nsocks ? id : 0];
	return x;
}

void
thread_ctx_free(struct thread_ctx *x)
{
	if (x == NULL)
		return;
	if (x->aead != NULL)
		crypto_aead_free(x->aead);
	if (x->rx != NULL) {
		crypto_wipe(x->rx, (size_t)x->rx_msgs * x->rx_slot);
		free(x->rx);
	}
	if (x->tx.area != NULL) {
		crypto_wipe(x->tx.area, TXQ_SLOTS * x->tx.slot);
		free(x->tx.area);
	}
	crypto_wipe(x->buf, sizeof(x->buf));
	free(x);
}

static uint64_t
get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void
add_counters(struct stats *s, struct counters *c)
{
	int	r;

	s->tun_rx_packets += get(&c->tun_rx_packets);
	s->tun_rx_bytes += get(&c->tun_rx_bytes);
	s->tun_tx_packets += get(&c->tun_tx_packets);
	s->tun_tx_bytes += get(&c->tun_tx_bytes);
	s->udp_rx_packets += get(&c->udp_rx_packets);
	s->udp_rx_bytes += get(&c->udp_rx_bytes);
	s->udp_tx_packets += get(&c->udp_tx_packets);
	s->udp_tx_bytes += get(&c->udp_tx_bytes);
	s->handshakes += get(&c->handshakes);
	for (r = 0; r < DROP_NREASONS; r++)
		s->drops[r] += get(&c->drops[r]);
}

void
tunnel_stats(struct tunnel *tn, struct stats *s)
{
	int	i;

	memset(s, 0, sizeof(*s));
	if (tn->ctl != NULL)
		add_counters(s, &tn->ctl->c);
	for (i = 0; i < tn->nworkers; i++)
		add_counters(s, &tn->worker[i]->c);
}

void
thread_stats(struct thread_ctx *x, struct stats *s)
{
	memset(s, 0, sizeof(*s));
	add_counters(s, &x->c);
}

void
tunnel_set_local(struct tunnel *tn, const struct prefix *a, size_t n)
{
	uint64_t	v6[2] = { 0, 0 };
	uint32_t	v4 = 0;
	size_t		i;

	for (i = n; i-- > 0;)
		if (a[i].family == 4)
			memcpy(&v4, a[i].addr, 4);
		else
			memcpy(v6, a[i].addr, 16);
	/* Halves of different addresses, for an instant: harmless. */
	atomic_store(&tn->addr4, v4);
	atomic_store(&tn->addr6[0], v6[0]);
	atomic_store(&tn->addr6[1], v6[1]);
}

int
tunnel_local(const struct tunnel *tn, int family, uint8_t *out)
{
	uint64_t	v6[2];
	uint32_t	v4;

	if (family == 4) {
		v4 = atomic_load_explicit(&tn->addr4, memory_order_relaxed);
		memcpy(out, &v4, 4);
		return v4 != 0;
	}
	v6[0] = atomic_load_explicit(&tn->addr6[0], memory_order_relaxed);
	v6[1] = atomic_load_explicit(&tn->addr6[1], memory_order_relaxed);
	memcpy(out, v6, 16);
	return (v6[0] | v6[1]) != 0;
}

/* Whether a prefix of the table, masked, is one of the n given. */
static int
listed(const struct prefix *have, const struct prefix *v, size_t n)
{
	struct prefix	masked;
	size_t		i;

	for (i = 0; i < n; i++) {
		masked = v[i];
		prefix_mask(&masked);
		if (prefix_equal(have, &masked))
			return 1;
	}
	return 0;
}

int
tunnel_add_routes(struct tunnel *tn, struct peer *p, const struct prefix *v,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (allowedips_insert(&tn->allowed, &v[i], p) == -1) {
			log_warn("peer %s: AllowedIPs", p->name);
			return -1;
		}
	return 0;
}

int
tunnel_set_routes(struct tunnel *tn, struct peer *p, const struct prefix *v,
    size_t n)
{
	struct prefix	*have;
	size_t		 i, nhave;
	int		 rv;

	if ((rv = tunnel_add_routes(tn, p, v, n)) == -1)
		return -1;
	nhave = allowedips_list(&tn->allowed, p, NULL, 0);
	if (nhave == n)		/* every one listed is there */
		return 0;
	if ((have = reallocarray(NULL, nhave, sizeof(*have))) == NULL) {
		log_warn("peer %s: AllowedIPs", p->name);
		return -1;
	}
	nhave = allowedips_list(&tn->allowed, p, have, nhave);
	for (i = 0; i < nhave; i++)
		if (!listed(&have[i], v, n))
			allowedips_remove(&tn->allowed, &have[i]);
	free(have);
	return 0;
}

struct peer *
tunnel_peer_add(struct tunnel *tn, const struct conf_peer *cp)
{
	struct peer	**grown, *p;
	size_t		  cap;

	if (tn->npeers == tn->peer_cap) {
		cap = tn->peer_cap ? tn->peer_cap * 2 : 8;
		if ((grown = reallocarray(tn->peer, cap, sizeof(*grown))) ==
		    NULL) {
			log_warn("peers");
			return NULL;
		}
		tn->peer = grown;
		tn->peer_cap = cap;
	}
	if ((p = peer_new(tn, cp)) == NULL)
		return NULL;
	tn->peer[tn->npeers++] = p;
	if (tunnel_add_routes(tn, p, cp->allowed_ips, cp->n_allowed_ips) ==
	    -1) {
		tunnel_peer_remove(tn, p);
		return NULL;
	}
	return p;
}

void
tunnel_peer_remove(struct tunnel *tn, struct peer *p)
{
	struct staged	*dropped;
	size_t		 i;
	int		 w;

	allowedips_remove_peer(&tn->allowed, p);
	pthread_mutex_lock(&p->lock);
	peer_zero_keys(p);
	dropped = peer_unstage(p);
	pthread_mutex_unlock(&p->lock);
	staged_free(dropped);
	for (i = 0; i < tn->npeers; i++)
		if (tn->peer[i] == p)
			tn->peer[i] = tn->peer[--tn->npeers];
	/* Unreachable from here on; workers may still hold it for now. */
	for (w = 0; w < tn->nworkers; w++)
		p->dead_calls[w] = atomic_load(&tn->worker[w]->calls);
	p->next_dead = tn->dead;
	tn->dead = p;
}

/* Whether every worker has been out of its callbacks since p died. */
static int
quiescent(struct tunnel *tn, const struct peer *p)
{
	uint64_t	now;
	int		w;

	for (w = 0; w < tn->nworkers; w++) {
		now = atomic_load(&tn->worker[w]->calls);
		if ((p->dead_calls[w] & 1) && now == p->dead_calls[w])
			return 0;
	}
	return 1;
}

void
tunnel_reap(struct tunnel *tn)
{
	struct peer	**pp, *p;

	for (pp = &tn->dead; (p = *pp) != NULL;) {
		if (quiescent(tn, p)) {
			*pp = p->next_dead;
			peer_free(p);
		} else
			pp = &p->next_dead;
	}
}

void
tunnel_enter(struct thread_ctx *x)
{
	atomic_fetch_add(&x->calls, 1);
}

void
tunnel_leave(struct thread_ctx *x)
{
	atomic_fetch_add(&x->calls, 1);
}

struct tunnel *
tunnel_new(const struct conf *c)
{
	struct tunnel	*tn;
	size_t		 i;

	if ((tn = calloc(1, sizeof(*tn))) == NULL) {
		log_warn("tunnel");
		return NULL;
	}
	pthread_mutex_init(&tn->hsq.lock, NULL);
	if (index_init(&tn->indices) == -1 ||
	    allowedips_init(&tn->allowed) == -1) {
		log_warn("tunnel tables");
		free(tn);
		return NULL;
	}
	tn->mtu = c->mtu;
	tunnel_set_local(tn, c->addresses, c->n_addresses);
	if (noise_local_init(&tn->local, c->private_key) == -1 ||
	    cookie_checker_init(&tn->cookies, tn->local.pub) == -1 ||
	    (tn->ratelimit = ratelimit_new()) == NULL) {
		log_warnx("cannot set up the tunnel's identity");
		goto fail;
	}
	for (i = 0; i < c->n_peers; i++)
		if (tunnel_peer_add(tn, &c->peers[i]) == NULL)
			goto fail;
	return tn;
 fail:
	tunnel_free(tn);
	return NULL;
}

int
tunnel_set_identity(struct tunnel *tn, const uint8_t priv[X25519_LEN])
{
	struct noise_local	 l;
	struct peer		*p;
	size_t			 i;

	if (noise_local_init(&l, priv) == -1)
		return -1;
	if (crypto_equal(l.pub, tn->local.pub, KEY_LEN)) {
		crypto_wipe(&l, sizeof(l));
		return 0;
	}
	if (cookie_checker_rekey(&tn->cookies, l.pub) == -1) {
		crypto_wipe(&l, sizeof(l));
		return -1;
	}
	for (i = tn->npeers; i-- > 0;) {
		p = tn->peer[i];
		pthread_mutex_lock(&p->lock);
		/* Sessions and handshakes were the old identity's. */
		peer_zero_keys(p);
		if (crypto_equal(p->noise.pub, l.pub, KEY_LEN) ||
		    noise_remote_rekey(&p->noise, &l) == -1) {
			pthread_mutex_unlock(&p->lock);
			/* Ourselves, as WireGuard has it, or unusable. */
			log_info("peer %s removed: the new key's", p->name);
			tunnel_peer_remove(tn, p);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
	}
	tn->local = l;
	crypto_wipe(&l, sizeof(l));
	log_info("new private key: public key changed");
	return 0;
}

void
tunnel_wipe_secrets(struct tunnel *tn)
{
	size_t	i;

	crypto_wipe(&tn->local, sizeof(tn->local));
	crypto_wipe(&tn->cookies, offsetof(struct cookie_checker, lock));
	for (i = 0; i < tn->npeers; i++)
		crypto_wipe(&tn->peer[i]->noise, sizeof(tn->peer[i]->noise));
}

void
tunnel_free(struct tunnel *tn)
{
	size_t	i;

	if (tn == NULL)
		return;
	for (i = 0; i < tn->npeers; i++)
		peer_free(tn->peer[i]);
	free(tn->peer);
	tn->nworkers = 0;	/* none left to wait for */
	tunnel_reap(tn);
	allowedips_free(&tn->allowed);
	index_free(&tn->indices);
	if (tn->ratelimit != NULL)
		ratelimit_free(tn->ratelimit);
	cookie_checker_free(&tn->cookies);
	pthread_mutex_destroy(&tn->hsq.lock);
	thread_ctx_free(tn->ctl);
	crypto_wipe(&tn->local, sizeof(tn->local));
	free(tn);
}
