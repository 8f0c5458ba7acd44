/*
 * Peers: their keypair slots, staged packets and endpoints.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "peer.h"
#include "udp.h"

static uint32_t
random32(void)
{
	uint32_t	r;

	crypto_random(&r, sizeof(r));
	return r;
}

struct peer *
peer_new(struct tunnel *tn, const struct conf_peer *cp)
{
	struct peer	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("peer");
		return NULL;
	}
	key_to_base64(p->name, cp->public_key);
	if (noise_remote_init(&p->noise, &tn->local, cp->public_key,
	    cp->has_preshared_key ? cp->preshared_key : NULL) == -1) {
		log_warnx("peer %s: public key refused (low order)", p->name);
		free(p);
		return NULL;
	}
	if (cookie_maker_init(&p->cookie, cp->public_key) == -1) {
		log_warnx("peer %s: cannot set up cookies", p->name);
		noise_remote_clear(&p->noise);
		crypto_wipe(&p->noise, sizeof(p->noise));
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->tn = tn;
	p->staged_tail = &p->staged;
	timers_init(&p->timers, random32);
	if (cp->persistent_keepalive != 0)
		timers_set_persistent_keepalive(&p->timers,
		    cp->persistent_keepalive, now_ms());
	peer_set_conf_endpoint(p, cp);
	return p;
}

void
peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	peer_zero_keys(p);
	staged_free(peer_unstage(p));
	pthread_mutex_unlock(&p->lock);
	cookie_maker_free(&p->cookie);
	free(p->endpoint_name.host);
	crypto_wipe(&p->noise, sizeof(p->noise));
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct peer *
peer_by_key(struct tunnel *tn, const uint8_t pub[X25519_LEN])
{
	size_t	i;

	for (i = 0; i < tn->npeers; i++)
		if (memcmp(tn->peer[i]->noise.pub, pub, X25519_LEN) == 0)
			return tn->peer[i];
	return NULL;
}

void
keypair_hold(struct keypair *kp)
{
	atomic_fetch_add_explicit(&kp->refs, 1, memory_order_relaxed);
}

void
keypair_release(struct keypair *kp)
{
	if (kp == NULL ||
	    atomic_fetch_sub_explicit(&kp->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_destroy(&kp->replay_lock);
	crypto_wipe(kp, sizeof(*kp));
	free(kp);
}

struct keypair *
keypair_lookup(struct tunnel *tn, uint32_t index)
{
	struct index_entry	*e;
	struct keypair		*kp = NULL;

	index_rdlock(&tn->indices);
	if ((e = index_find(&tn->indices, index, INDEX_KEYPAIR)) != NULL) {
		kp = (struct keypair *)((char *)e -
		    offsetof(struct keypair, entry));
		keypair_hold(kp);
	}
	index_unlock(&tn->indices);
	return kp;
}

/* Empty a slot: no new lookup finds the keypair, held ones finish. */
static void
retire(struct peer *p, struct keypair **slot)
{
	if (*slot == NULL)
		return;
	index_del(&p->tn->indices, &(*slot)->entry);
	keypair_release(*slot);
	*slot = NULL;
}

struct keypair *
peer_sending_keypair(struct peer *p, uint64_t now)
{
	struct keypair	*kp = p->current;

	if (kp == NULL || timers_keypair_expired(kp->birth,
	    atomic_load_explicit(&kp->send_counter, memory_order_relaxed), now))
		return NULL;
	keypair_hold(kp);
	return kp;
}

int
peer_install_keys(struct peer *p, const struct noise_keys *k, uint64_t now)
{
	struct keypair	*kp;

	if ((kp = calloc(1, sizeof(*kp))) == NULL) {
		log_warn("peer %s: keypair", p->name);
		return -1;
	}
	atomic_init(&kp->refs, 1);	/* the slot's */
	kp->peer = p;
	memcpy(kp->send, k->send, sizeof(kp->send));
	memcpy(kp->recv, k->recv, sizeof(kp->recv));
	kp->remote_index = k->remote_index;
	kp->initiator = k->initiator;
	kp->birth = now;
	pthread_mutex_init(&kp->replay_lock, NULL);
	replay_init(&kp->replay);
	/* The handshake's index names the keypair from now on. */
	index_replace(&p->tn->indices, &p->hs_entry, &kp->entry,
	    INDEX_KEYPAIR);

	if (kp->initiator) {
		/* Confirmed by the response: send with it at once. */
		retire(p, &p->next);
		retire(p, &p->previous);
		p->previous = p->current;
		p->current = kp;
	} else {
		/* Unconfirmed until the initiator's first data packet. */
		retire(p, &p->next);
		p->next = kp;
	}
	clock_gettime(CLOCK_REALTIME, &p->last_handshake);
	p->unanswered_since = 0;
	return 0;
}

int
peer_confirm_keypair(struct peer *p, struct keypair *kp)
{
	if (kp != p->next)
		return 0;
	retire(p, &p->previous);
	p->previous = p->current;
	p->current = p->next;
	p->next = NULL;
	return 1;
}

void
peer_zero_keys(struct peer *p)
{
	retire(p, &p->next);
	retire(p, &p->current);
	retire(p, &p->previous);
	index_del(&p->tn->indices, &p->hs_entry);
	noise_remote_clear(&p->noise);
}

int
peer_stage(struct peer *p, const uint8_t *pkt, size_t len)
{
	struct staged	*s;

	if (p->nstaged >= MAX_STAGED_PACKETS ||
	    (s = malloc(sizeof(*s) + len)) == NULL)
		return -1;
	s->next = NULL;
	s->len = len;
	memcpy(s->pkt, pkt, len);
	*p->staged_tail = s;
	p->staged_tail = &s->next;
	p->nstaged++;
	return 0;
}

struct staged *
peer_unstage(struct peer *p)
{
	struct staged	*s = p->staged;

	p->staged = NULL;
	p->staged_tail = &p->staged;
	p->nstaged = 0;
	return s;
}

void
staged_free(struct staged *s)
{
	struct staged	*next;

	for (; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
}

void
peer_set_conf_endpoint(struct peer *p, const struct conf_peer *cp)
{
	if (cp->endpoint_len != 0)
		memcpy(&p->endpoint, &cp->endpoint, cp->endpoint_len);
	resolve_name_set(&p->endpoint_name, cp->endpoint_host,
	    cp->endpoint_port, now_ms());
}

void
peer_set_endpoint(struct peer *p, const union sockaddr_inet *src)
{
	if (!sockaddr_inet_equal(&p->endpoint, src))
		p->endpoint = *src;
}
