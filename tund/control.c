/*
 * The control socket.
 *
 * A client sends a "get=1" or "set=1" request (uapi.c parses it) and
 * reads the reply; then the connection is closed, as wg(8) expects.  tund
 * show and tund reload send tund's own requests the same way: a view of
 * the daemon gathered here and rendered by show.c, and a reload through
 * the daemon's callback.  Everything is non-blocking on the main loop: a
 * client may send at most UAPI_REQUEST_MAX bytes, at most CONTROL_CLIENTS
 * are served at once, and one that stalls for CONTROL_TIMEOUT seconds,
 * reading or writing, is dropped, so no client can hold the daemon up.
 *
 * A set request is checked whole before any of it is applied.  It may add,
 * remove and change peers (endpoint, keepalive, preshared key, allowed
 * IPs), the fwmark, the private key and the listening port.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <net/if.h>

#include <event2/event.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "crypto.h"
#include "load.h"
#include "log.h"
#include "peer.h"
#include "show.h"
#include "sink.h"
#include "uapi.h"
#include "udp.h"

#define CONTROL_CLIENTS	16
#define CONTROL_TIMEOUT	5		/* seconds */

struct client {
	struct control		*ctl;
	int			 fd;
	struct event		*ev;
	struct uapi_parser	 parser;
	char			*out;		/* the reply, being written */
	size_t			 outlen, outoff;
	int			 closing;	/* close once the reply is out */
};

struct control {
	struct tunnel		*tn;
	struct event_base	*base;
	struct load *const	*load;		/* the daemon's, or NULL */
	control_reload_cb	 reload;
	int			(*set_port)(void *, uint16_t);
	void			*arg;		/* of both */
	int			 fd;
	struct event		*ev;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char			 ifname[IF_NAMESIZE];
	struct client		*client[CONTROL_CLIENTS];
};

static void	client_event(evutil_socket_t, short, void *);

static void
client_free(struct client *c)
{
	int	i;

	for (i = 0; i < CONTROL_CLIENTS; i++)
		if (c->ctl->client[i] == c)
			c->ctl->client[i] = NULL;
	event_free(c->ev);
	close(c->fd);
	uapi_parser_reset(&c->parser);
	if (c->out != NULL) {
		crypto_wipe(c->out, c->outlen);
		free(c->out);
	}
	free(c);
}

/* Wait for the client to be readable, or writable while a reply is out. */
static void
client_wait(struct client *c)
{
	struct timeval	tv = { CONTROL_TIMEOUT, 0 };

	event_del(c->ev);
	event_assign(c->ev, c->ctl->base, c->fd,
	    c->out != NULL ? EV_WRITE : EV_READ, client_event, c);
	event_add(c->ev, &tv);
}

/* One peer as wg(8) shows it; its preshared key only if secrets. */
static int
snapshot_peer(struct tunnel *tn, struct peer *p, struct uapi_peer *u,
    int secrets)
{
	struct prefix	*ips;
	size_t		 n;

	n = allowedips_list(&tn->allowed, p, NULL, 0);
	if ((ips = calloc(n + 1, sizeof(*ips))) == NULL)
		return -1;
	u->n_allowed_ips = allowedips_list(&tn->allowed, p, ips, n);
	if (u->n_allowed_ips > n)
		u->n_allowed_ips = n;	/* a change in between: the first n */
	u->allowed_ips = ips;
	memcpy(u->public_key, p->noise.pub, KEY_LEN);
	pthread_mutex_lock(&p->lock);
	if (secrets)
		memcpy(u->preshared_key, p->noise.psk, KEY_LEN);
	u->endpoint = p->endpoint;
	u->last_handshake = p->last_handshake;
	u->persistent_keepalive = (uint16_t)p->timers.interval;
	pthread_mutex_unlock(&p->lock);
	u->rx_bytes = atomic_load(&p->rx_bytes);
	u->tx_bytes = atomic_load(&p->tx_bytes);
	return 0;
}

static void
snapshot_free(struct uapi_device *d)
{
	struct uapi_peer	*peers = (struct uapi_peer *)d->peers;
	size_t			 i;

	for (i = 0; i < d->n_peers; i++)
		free((void *)peers[i].allowed_ips);
	crypto_wipe(d, sizeof(*d));
	if (peers != NULL) {
		crypto_wipe(peers, d->n_peers * sizeof(*peers));
		free(peers);
	}
}

/*
 * The interface and its peers as wg(8) shows them, with the private and
 * preshared keys only if secrets; 0, or -1 (out of memory) with what was
 * taken left for snapshot_free().
 */
static int
snapshot(struct tunnel *tn, struct uapi_device *d, int secrets)
{
	struct uapi_peer	*peers;
	size_t			 i;

	memset(d, 0, sizeof(*d));
	if ((peers = calloc(tn->npeers + 1, sizeof(*peers))) == NULL)
		return -1;
	d->peers = peers;
	if (secrets)
		memcpy(d->private_key, tn->local.priv, KEY_LEN);
	d->listen_port = tn->port;
	d->fwmark = tn->fwmark;
	for (i = 0; i < tn->npeers; i++, d->n_peers++)
		if (snapshot_peer(tn, tn->peer[i], &peers[i], secrets) == -1)
			return -1;
	return 0;
}

/* The get reply, allocated; NULL when out of memory. */
static char *
reply_get(struct tunnel *tn, size_t *len)
{
	struct uapi_device	 d;
	char			*out = NULL;

	if (snapshot(tn, &d, 1) == 0) {
		*len = uapi_format_get(NULL, 0, &d);
		if ((out = malloc(*len + 1)) != NULL)
			uapi_format_get(out, *len + 1, &d);
	}
	snapshot_free(&d);
	return out;
}

/* Every thread's counters, the main thread's first; NULL: no memory. */
static struct show_thread *
thread_counters(struct tunnel *tn, size_t *n)
{
	struct show_thread	*th;
	int			 w;

	if ((th = calloc((size_t)tn->nworkers + 1, sizeof(*th))) == NULL)
		return NULL;
	*n = 0;
	if (tn->ctl != NULL) {
		th[*n].worker = -1;
		thread_stats(tn->ctl, &th[(*n)++].s);
	}
	for (w = 0; w < tn->nworkers; w++) {
		th[*n].worker = w;
		thread_stats(tn->worker[w], &th[(*n)++].s);
	}
	return th;
}

/* The tund-show reply, allocated; NULL when out of memory. */
static char *
reply_show(struct control *ctl, int json, size_t *len)
{
	struct tunnel		*tn = ctl->tn;
	struct show_view	 v;
	struct show_thread	*th;
	struct uapi_device	 d;
	struct load_status	 ls;
	char			 end[32], *out = NULL;
	FILE			*fp;
	int			 rv = -1;

	memset(&v, 0, sizeof(v));
	if ((th = thread_counters(tn, &v.nthreads)) == NULL)
		return NULL;
	if (snapshot(tn, &d, 0) == -1)
		goto out;
	v.ifname = ctl->ifname;
	memcpy(v.public_key, tn->local.pub, KEY_LEN);
	v.listen_port = d.listen_port;
	v.fwmark = d.fwmark;
	v.thread = th;
	v.peer = d.peers;
	v.npeers = d.n_peers;
	v.now = time(NULL);
	/* Those the system does not give stay unknown, shown as such. */
	if (tn->tun != NULL)
		v.dev_read = tun_counters(tn->tun, v.dev);
	if (tn->sink != NULL)
		sink_status(tn->sink, &v.sink);
	if (ctl->load != NULL && *ctl->load != NULL) {
		load_status(*ctl->load, &ls);
		v.load = &ls;
	}
	if ((fp = open_memstream(&out, len)) == NULL)
		goto out;
	uapi_format_errno(end, sizeof(end), 0);
	rv = (json ? show_json(fp, &v) : show_text(fp, &v)) == -1 ||
	    fputs(end, fp) == EOF ? -1 : 0;
	if (fclose(fp) == EOF)
		rv = -1;
 out:
	snapshot_free(&d);
	free(th);
	if (rv == -1) {
		free(out);
		return NULL;
	}
	return out;
}

/* The tund-reload reply: the outcome and the errors, allocated. */
static char *
reply_reload(struct control *ctl, size_t *len)
{
	struct conf_errors	 errs = { NULL, 0 };
	char			*out;
	int			 error = EOPNOTSUPP;

	if (ctl->reload != NULL)
		error = ctl->reload(ctl->arg, &errs) == 0 ? 0 : EINVAL;
	*len = uapi_format_reload(NULL, 0, errs.msg, errs.n, error);
	if ((out = malloc(*len + 1)) != NULL)
		uapi_format_reload(out, *len + 1, errs.msg, errs.n, error);
	conf_errors_clear(&errs);
	return out;
}

/* Whether a peer with that public key could be made (not low order). */
static int
usable_key(struct tunnel *tn, const uint8_t pub[KEY_LEN])
{
	uint8_t	ss[X25519_LEN];
	int	ok;

	ok = crypto_x25519(ss, tn->local.priv, pub) == 0;
	crypto_wipe(ss, sizeof(ss));
	return ok;
}

/* Why the request cannot be applied as a whole, or 0. */
static int
check_set(struct control *ctl, const struct uapi_request *r)
{
	static const uint8_t		 none[KEY_LEN];
	struct tunnel			*tn = ctl->tn;
	const struct uapi_peer_op	*op;
	size_t				 i;

	if ((r->flags & UAPI_HAS_LISTEN_PORT) && r->listen_port != tn->port &&
	    ctl->set_port == NULL)
		return EOPNOTSUPP;
	/* An interface without a key is not one tund runs. */
	if ((r->flags & UAPI_HAS_PRIVATE_KEY) &&
	    crypto_equal(r->private_key, none, KEY_LEN))
		return EINVAL;
	for (i = 0; i < r->n_peers; i++) {
		op = &r->peers[i];
		if (!(op->flags & (UAPI_PEER_REMOVE | UAPI_PEER_UPDATE_ONLY)) &&
		    !usable_key(tn, op->public_key))
			return EINVAL;
	}
	return 0;
}

/* A new peer from a set request's operation. */
static struct peer *
add_peer(struct tunnel *tn, const struct uapi_peer_op *op)
{
	struct conf_peer	cp;
	struct peer		*p;

	memset(&cp, 0, sizeof(cp));
	memcpy(cp.public_key, op->public_key, KEY_LEN);
	p = tunnel_peer_add(tn, &cp);
	if (p != NULL)
		log_info("control: peer %s added", p->name);
	return p;
}

static void
apply_peer(struct tunnel *tn, const struct uapi_peer_op *op)
{
	struct peer	*p = peer_by_key(tn, op->public_key);

	if (op->flags & UAPI_PEER_REMOVE) {
		if (p != NULL) {
			log_info("control: peer %s removed", p->name);
			tunnel_peer_remove(tn, p);
		}
		return;
	}
	if (p == NULL && ((op->flags & UAPI_PEER_UPDATE_ONLY) ||
	    (p = add_peer(tn, op)) == NULL))
		return;
	if (op->flags & UAPI_PEER_REPLACE_ALLOWEDIPS)
		tunnel_set_routes(tn, p, op->allowed_ips, op->n_allowed_ips);
	else
		tunnel_add_routes(tn, p, op->allowed_ips, op->n_allowed_ips);
	pthread_mutex_lock(&p->lock);
	if (op->flags & UAPI_PEER_HAS_ENDPOINT) {
		p->endpoint = op->endpoint;
		/* An address, from wg(8): no name to look up again. */
		resolve_name_set(&p->endpoint_name, NULL, 0, 0);
	}
	if (op->flags & UAPI_PEER_HAS_PSK)	/* all zero: none */
		memcpy(p->noise.psk, op->preshared_key, KEY_LEN);
	if (op->flags & UAPI_PEER_HAS_KEEPALIVE)
		timers_set_persistent_keepalive(&p->timers,
		    op->persistent_keepalive, now_ms());
	pthread_mutex_unlock(&p->lock);
}

static int
apply_set(struct control *ctl, const struct uapi_request *r)
{
	struct tunnel	*tn = ctl->tn;
	size_t		 i;
	int		 error;

	if ((error = check_set(ctl, r)) != 0)
		return error;
	/* First: it may fail, and then nothing else is applied. */
	if ((r->flags & UAPI_HAS_LISTEN_PORT) && r->listen_port != tn->port &&
	    ctl->set_port(ctl->arg, r->listen_port) == -1)
		return errno;
	if ((r->flags & UAPI_HAS_FWMARK) && r->fwmark != tn->fwmark &&
	    udp_set_fwmark(tn, r->fwmark) == -1)
		return errno;
	if ((r->flags & UAPI_HAS_PRIVATE_KEY) &&
	    tunnel_set_identity(tn, r->private_key) == -1)
		return EINVAL;
	if (r->flags & UAPI_REPLACE_PEERS)
		while (tn->npeers > 0)
			tunnel_peer_remove(tn, tn->peer[0]);
	for (i = 0; i < r->n_peers; i++)
		apply_peer(tn, &r->peers[i]);
	log_info("control: configuration changed");
	return 0;
}

/* Queue the reply to the request just parsed. */
static void
respond(struct client *c, enum uapi_status st)
{
	struct uapi_request	*r = &c->parser.req;
	char			 err[32];
	int			 error = c->parser.error;

	c->out = NULL;
	if (st == UAPI_DONE) {
		switch (r->op) {
		case UAPI_GET:
			c->out = reply_get(c->ctl->tn, &c->outlen);
			break;
		case UAPI_SHOW:
			c->out = reply_show(c->ctl, r->json, &c->outlen);
			break;
		case UAPI_RELOAD:
			c->out = reply_reload(c->ctl, &c->outlen);
			break;
		case UAPI_SET:
			error = apply_set(c->ctl, r);
			break;
		}
		if (r->op != UAPI_SET && c->out == NULL)
			error = ENOMEM;
	}
	if (c->out == NULL) {
		c->outlen = uapi_format_errno(err, sizeof(err), error);
		if ((c->out = strdup(err)) == NULL) {
			c->closing = 1;
			return;
		}
	}
	c->outoff = 0;
	/* One request a connection, as wg(8) makes them. */
	c->closing = 1;
	uapi_parser_reset(&c->parser);
}

static int
client_read(struct client *c)
{
	char			 buf[4096];
	enum uapi_status	 st;
	size_t			 used;
	ssize_t			 n;

	if ((n = read(c->fd, buf, sizeof(buf))) <= 0)
		return n == -1 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	st = uapi_feed(&c->parser, buf, (size_t)n, &used);
	crypto_wipe(buf, sizeof(buf));
	if (st != UAPI_MORE)
		respond(c, st);
	return 0;
}

static int
client_write(struct client *c)
{
	ssize_t	n;

	n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if ((c->outoff += (size_t)n) < c->outlen)
		return 0;
	crypto_wipe(c->out, c->outlen);
	free(c->out);
	c->out = NULL;
	return c->closing ? -1 : 0;
}

static void
client_event(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	int		 rv;

	if (what & EV_TIMEOUT)
		rv = -1;
	else if (c->out != NULL)
		rv = client_write(c);
	else
		rv = client_read(c);
	if (rv == -1 || (c->closing && c->out == NULL)) {
		client_free(c);
		return;
	}
	client_wait(c);
}

static void
accept_client(evutil_socket_t fd, short what, void *arg)
{
	struct control	*ctl = arg;
	struct client	*c;
	int		 s, i;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	for (i = 0; i < CONTROL_CLIENTS && ctl->client[i] != NULL; i++)
		;
	if (i == CONTROL_CLIENTS || (c = calloc(1, sizeof(*c))) == NULL) {
		close(s);	/* busy: wg(8) reports it and may retry */
		return;
	}
	c->ctl = ctl;
	c->fd = s;
	if ((c->ev = event_new(ctl->base, s, EV_READ, client_event, c)) ==
	    NULL) {
		close(s);
		free(c);
		return;
	}
	ctl->client[i] = c;
	client_wait(c);
}

int
control_group(const char *name, gid_t *gid)
{
	struct group	*gr;

	if ((gr = getgrnam(name)) == NULL)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

static int
listen_unix(struct control *ctl, gid_t group)
{
	struct sockaddr_un	sun;
	mode_t			old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ctl->path, sizeof(sun.sun_path));
	if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* A socket left by a tund that died; a live one holds the device. */
	unlink(ctl->path);
	old = umask(077);
	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		return -1;
	}
	umask(old);
	/* wg(8) needs only read and write; umask left execute on. */
	if (group != (gid_t)-1 ? chown(ctl->path, (uid_t)-1, group) == -1 ||
	    chmod(ctl->path, 0660) == -1 : chmod(ctl->path, 0600) == -1)
		return -1;
	return listen(ctl->fd, CONTROL_CLIENTS);
}

struct control *
control_open(struct tunnel *tn, const char *ifname, struct event_base *base,
    const struct control_opts *o)
{
	struct control	*ctl;
	int		 n;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		log_warn("control");
		return NULL;
	}
	ctl->tn = tn;
	ctl->base = base;
	ctl->load = o->load;
	ctl->reload = o->reload;
	ctl->set_port = o->set_port;
	ctl->arg = o->arg;
	ctl->fd = -1;
	n = o->path != NULL ?
	    snprintf(ctl->path, sizeof(ctl->path), "%s", o->path) :
	    snprintf(ctl->path, sizeof(ctl->path), "%s/%s.sock", CONTROL_DIR,
	    ifname);
	if ((size_t)snprintf(ctl->ifname, sizeof(ctl->ifname), "%s",
	    ifname) >= sizeof(ctl->ifname) ||
	    n < 0 || (size_t)n >= sizeof(ctl->path)) {
		log_warnx("%s: control socket path too long", ifname);
		free(ctl);
		return NULL;
	}
	/* Only the default's directory is ours to make. */
	if ((o->path == NULL && mkdir(CONTROL_DIR, 0755) == -1 &&
	    errno != EEXIST) ||
	    listen_unix(ctl, o->group) == -1 ||
	    (ctl->ev = event_new(base, ctl->fd, EV_READ | EV_PERSIST,
	    accept_client, ctl)) == NULL || event_add(ctl->ev, NULL) == -1) {
		log_warn("control socket %s", ctl->path);
		control_close(ctl);
		return NULL;
	}
	log_debug("control socket %s", ctl->path);
	return ctl;
}

void
control_close(struct control *ctl)
{
	int	i;

	if (ctl == NULL)
		return;
	for (i = 0; i < CONTROL_CLIENTS; i++)
		if (ctl->client[i] != NULL)
			client_free(ctl->client[i]);
	if (ctl->ev != NULL)
		event_free(ctl->ev);
	if (ctl->fd != -1) {
		close(ctl->fd);
		if (ctl->path[0] != '\0')
			unlink(ctl->path);
	}
	free(ctl);
}

void
control_disown(struct control *ctl)
{
	ctl->path[0] = '\0';
}

const char *
control_path(const struct control *ctl)
{
	return ctl->path;
}
