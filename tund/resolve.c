/*
 * Endpoint names looked up again, on a thread of their own.
 *
 * Why a thread that blocks in getaddrinfo(3): it answers as the startup
 * lookup did (conf_resolve_peer(): /etc/hosts, nsswitch, resolv.conf),
 * it is the same on every system, and it needs nothing but the files
 * getaddrinfo reads and the sockets it opens.  getaddrinfo_a(3) is
 * glibc's alone; libevent's evdns knows neither nsswitch nor mDNS.
 *
 * A lookup carries the peer's public key and a copy of the name, never
 * the peer: the answer is applied on the control thread to whatever peer
 * has that key then, if it still has that name and still does not
 * answer.  A peer removed meanwhile is simply not found.
 *
 * The control thread asks on its tick and takes the answers on a later
 * one, so no descriptor wakes either side: the resolver thread sleeps on
 * a condition variable, and while it is in getaddrinfo nothing waits for
 * it, not even shutdown (resolve_stop() leaves a busy thread to free its
 * own state).  Its system calls are getaddrinfo's (files under /etc, UDP
 * and TCP to the name servers, a netlink dump and UDP connects to sort
 * addresses), futex and memory: see the sandbox's list.
 */
#include <arpa/inet.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "peer.h"
#include "resolve.h"
#include "tunnel.h"
#include "udp.h"

#define SCAN_MS		1000	/* how often peers are checked */

struct lookup {
	struct lookup		*next;
	uint8_t			 pub[KEY_LEN];	/* of the peer that asked */
	struct conf_peer	 ep;	/* endpoint_host (ours) and _port in,
					   endpoint out */
	int			 ok;
	char			 why[128];	/* when not */
};

struct resolver {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	pthread_t		 thread;
	struct lookup		*todo, **todo_tail;
	struct lookup		*done;
	int			 busy;		/* in getaddrinfo */
	int			 stop;
	int			 orphan;	/* stopped while busy: frees
						   itself */
	uint64_t		 scanned;	/* the control thread's */
};

static int
is_address(const char *host)
{
	struct in6_addr	a;

	return inet_pton(AF_INET, host, &a) == 1 ||
	    inet_pton(AF_INET6, host, &a) == 1;
}

static int
same(const struct resolve_name *rn, const char *host, uint16_t port)
{
	if (host == NULL || rn->host == NULL)
		return host == rn->host;
	return strcmp(rn->host, host) == 0 && rn->port == port;
}

void
resolve_name_set(struct resolve_name *rn, const char *host, uint16_t port,
    uint64_t now)
{
	if (host != NULL && is_address(host))
		host = NULL;
	if (same(rn, host, port))
		return;
	free(rn->host);
	memset(rn, 0, sizeof(*rn));
	if (host == NULL)
		return;
	if ((rn->host = strdup(host)) == NULL) {
		log_warn("%s: not looked up again", host);
		return;
	}
	rn->port = port;
	rn->asked = now;
}

/* Milliseconds from then to now; a time stamped after now is now. */
static uint64_t
since(uint64_t then, uint64_t now)
{
	return now > then ? now - then : 0;
}

int
resolve_due(uint64_t unanswered, uint64_t initiated, uint64_t asked,
    uint64_t now)
{
	return unanswered != 0 && since(unanswered, now) >= RESOLVE_AFTER_MS &&
	    since(initiated, now) < RESOLVE_INTERVAL_MS &&
	    since(asked, now) >= RESOLVE_INTERVAL_MS;
}

static void
lookup_free(struct lookup *l)
{
	struct lookup	*next;

	for (; l != NULL; l = next) {
		next = l->next;
		free(l->ep.endpoint_host);
		free(l);
	}
}

static void
resolver_free(struct resolver *r)
{
	lookup_free(r->todo);
	lookup_free(r->done);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* The resolver thread: getaddrinfo, one name at a time. */
static void *
resolver_main(void *arg)
{
	struct resolver	*r = arg;
	struct lookup	*l;
	const char	*why;
	int		 orphan;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->todo == NULL && !r->stop)
			pthread_cond_wait(&r->wake, &r->lock);
		if (r->stop)
			break;
		l = r->todo;
		if ((r->todo = l->next) == NULL)
			r->todo_tail = &r->todo;
		r->busy = 1;
		pthread_mutex_unlock(&r->lock);

		if (!(l->ok = conf_resolve_peer(&l->ep, &why) == 0))
			snprintf(l->why, sizeof(l->why), "%s", why);

		pthread_mutex_lock(&r->lock);
		r->busy = 0;
		l->next = r->done;
		r->done = l;
	}
	orphan = r->orphan;
	pthread_mutex_unlock(&r->lock);
	if (orphan)
		resolver_free(r);
	return NULL;
}

int
resolve_start(struct tunnel *tn)
{
	struct resolver	*r;
	sigset_t	 all, old;
	int		 error;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("resolver");
		return -1;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	r->todo_tail = &r->todo;
	/* Signals are the main loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	error = pthread_create(&r->thread, NULL, resolver_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		log_warnx("resolver thread: %s", strerror(error));
		resolver_free(r);
		return -1;
	}
	tn->resolver = r;
	return 0;
}

void
resolve_stop(struct tunnel *tn)
{
	struct resolver	*r = tn->resolver;
	pthread_t	 thread;
	int		 orphan;

	if (r == NULL)
		return;
	tn->resolver = NULL;
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	orphan = r->orphan = r->busy;
	thread = r->thread;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	/* A thread waiting for a DNS server must not hold up shutdown. */
	if (orphan) {
		pthread_detach(thread);
		return;
	}
	pthread_join(thread, NULL);
	resolver_free(r);
}

/* Queue a lookup of the peer's name; 0, or -1 (logged). */
static int
ask(struct resolver *r, struct peer *p)
{
	struct lookup	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->ep.endpoint_host = strdup(p->endpoint_name.host)) == NULL) {
		log_warn("peer %s: lookup", p->name);
		free(l);
		return -1;
	}
	memcpy(l->pub, p->noise.pub, KEY_LEN);
	l->ep.endpoint_port = p->endpoint_name.port;
	pthread_mutex_lock(&r->lock);
	*r->todo_tail = l;
	r->todo_tail = &l->next;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void
ask_if_due(struct resolver *r, struct peer *p, uint64_t now)
{
	struct resolve_name	*rn = &p->endpoint_name;
	int			 due;

	if (rn->host == NULL || rn->pending)
		return;
	pthread_mutex_lock(&p->lock);
	due = resolve_due(p->unanswered_since, p->last_initiation, rn->asked,
	    now);
	pthread_mutex_unlock(&p->lock);
	if (!due)
		return;
	rn->asked = now;
	if (ask(r, p) == 0) {
		rn->pending = 1;
		log_debug("peer %s: looking up %s again", p->name, rn->host);
	}
}

/* Move the peer to the lookup's answer, if it is still wanted. */
static void
apply(struct tunnel *tn, const struct lookup *l)
{
	const struct conf_peer	*ep = &l->ep;
	union sockaddr_inet	 sa, was;
	struct peer		*p;
	char			 to[SOCKADDR_STRLEN], from[SOCKADDR_STRLEN];
	int			 moved = 0;

	if ((p = peer_by_key(tn, l->pub)) == NULL)
		return;		/* removed meanwhile */
	p->endpoint_name.pending = 0;
	if (p->endpoint_name.host == NULL ||
	    strcmp(p->endpoint_name.host, ep->endpoint_host) != 0 ||
	    p->endpoint_name.port != ep->endpoint_port)
		return;		/* reconfigured meanwhile */
	if (!l->ok) {
		log_warnx("peer %s: cannot resolve %s: %s", p->name,
		    ep->endpoint_host, l->why);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	memcpy(&sa, &ep->endpoint, ep->endpoint_len);
	pthread_mutex_lock(&p->lock);
	/* A handshake meanwhile: the endpoint it came from works. */
	if (p->unanswered_since != 0 &&
	    !sockaddr_inet_equal(&p->endpoint, &sa)) {
		was = p->endpoint;
		p->endpoint = sa;
		moved = 1;
	}
	pthread_mutex_unlock(&p->lock);
	if (moved)
		log_info("peer %s: endpoint %s resolved to %s (was %s)",
		    p->name, ep->endpoint_host,
		    sockaddr_inet_fmt(&sa, to, sizeof(to)),
		    sockaddr_inet_fmt(&was, from, sizeof(from)));
}

void
resolve_tick(struct tunnel *tn, uint64_t now)
{
	struct resolver	*r = tn->resolver;
	struct lookup	*done, *l;
	size_t		 i;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	done = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->lock);
	for (l = done; l != NULL; l = l->next)
		apply(tn, l);
	lookup_free(done);
	if (since(r->scanned, now) < SCAN_MS)
		return;
	r->scanned = now;
	for (i = 0; i < tn->npeers; i++)
		ask_if_due(r, tn->peer[i], now);
}
