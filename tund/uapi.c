/*
 * The userspace configuration protocol, parsed and formatted.  Errors are
 * the errno values wireguard-go answers with: EPROTO for a line without
 * '=', EINVAL for any other bad line (an unknown key, a key out of place,
 * a bad value), and, for what wireguard-go does not limit, EMSGSIZE for
 * a line or request too long and E2BIG for too many peers or allowed IPs.
 * The reply carries the errno negated, as wireguard-go's does and as
 * wg(8) reads it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "uapi.h"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define KEY_HEX_LEN	(KEY_LEN * 2)

enum state {
	S_START,	/* zero: a zeroed parser is ready */
	S_GET,		/* after get=1 or tund's: only the empty line */
	S_SET,		/* after set=1: key=value lines */
	S_DISCARD,	/* after a bad line: on to the empty line */
	S_DONE,		/* the two ends last: uapi_feed() stops at them */
	S_FAILED
};

/* Where a key may appear: before the first public_key, or after one. */
enum scope {
	DEVICE,
	PEER,
	ANY
};

struct setter {
	const char	*key;
	enum scope	 scope;
	unsigned	 flag;		/* set in the device's or peer's flags */
	int		(*parse)(struct uapi_request *, const char *);
};

static struct uapi_peer_op *
last_peer(struct uapi_request *r)
{
	return &r->peers[r->n_peers - 1];
}

/* The value of a hex digit, or -1; no branch on c, which may be secret. */
static int
hexval(unsigned char c)
{
	int	d = c - '0', a = (c | 0x20) - 'a';
	int	bad_d = (int)((unsigned)(d | (9 - d)) >> 31);
	int	bad_a = (int)((unsigned)(a | (5 - a)) >> 31);

	return (d & (bad_d - 1)) | ((a + 10) & (bad_a - 1)) | -(bad_d & bad_a);
}

/* The hex digit of n (0 to 15), lower case, without a table lookup. */
static char
hexdigit(unsigned n)
{
	return (char)(n + '0' + ((9 - n) >> 31) * ('a' - '0' - 10));
}

static int
parse_key(uint8_t key[KEY_LEN], const char *s)
{
	size_t	i;
	int	hi, lo, bad = 0;

	if (strlen(s) != KEY_HEX_LEN)
		return EINVAL;
	for (i = 0; i < KEY_LEN; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		bad |= hi | lo;
		key[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
	}
	return bad < 0 ? EINVAL : 0;
}

/* A decimal number up to max: digits only, as wg(8) writes them. */
static int
parse_number(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t	v = 0;

	if (*s == '\0')
		return EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		/* Stop early: v cannot overflow. */
		if ((v = v * 10 + (uint64_t)(*s - '0')) > max)
			return EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_u16(const char *s, uint16_t *out)
{
	uint32_t	n;

	if (parse_number(s, UINT16_MAX, &n) != 0)
		return EINVAL;
	*out = (uint16_t)n;
	return 0;
}

/*
 * Make room for element n of an array; NULL when out of memory.  The old
 * array is wiped, not just freed: peers hold preshared keys.
 */
static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void	*new;
	size_t	 ncap;

	if (n < *cap)
		return arr;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if ((new = calloc(ncap, size)) == NULL)
		return NULL;
	if (arr != NULL) {
		memcpy(new, arr, n * size);
		crypto_wipe(arr, *cap * size);
		free(arr);
	}
	*cap = ncap;
	return new;
}

static int
set_private_key(struct uapi_request *r, const char *v)
{
	return parse_key(r->private_key, v);
}

static int
set_listen_port(struct uapi_request *r, const char *v)
{
	return parse_u16(v, &r->listen_port);
}

static int
set_fwmark(struct uapi_request *r, const char *v)
{
	return parse_number(v, UINT32_MAX, &r->fwmark);
}

/* replace_peers, remove, update_only, replace_allowed_ips: the flag. */
static int
set_true(struct uapi_request *r, const char *v)
{
	return strcmp(v, "true") == 0 ? 0 : EINVAL;
}

static int
set_public_key(struct uapi_request *r, const char *v)
{
	struct uapi_peer_op	*peers;

	if (r->n_peers == UAPI_PEERS_MAX)
		return E2BIG;
	if ((peers = grow(r->peers, &r->cap_peers, r->n_peers,
	    sizeof(*peers))) == NULL)
		return ENOMEM;
	r->peers = peers;
	r->n_peers++;
	return parse_key(last_peer(r)->public_key, v);
}

static int
set_preshared_key(struct uapi_request *r, const char *v)
{
	return parse_key(last_peer(r)->preshared_key, v);
}

/*
 * "a.b.c.d:port" or "[v6]:port", numeric only: wg(8) resolves names
 * itself.  Scope ids are refused, as in AllowedIPs.
 */
static int
set_endpoint(struct uapi_request *r, const char *v)
{
	union sockaddr_inet	*sa = &last_peer(r)->endpoint;
	char			 host[INET6_ADDRSTRLEN];
	const char		*start = v, *end, *port;
	uint16_t		 n;

	if (v[0] == '[') {
		start++;
		if ((end = strchr(start, ']')) == NULL || end[1] != ':')
			return EINVAL;
		port = end + 2;
	} else {
		if ((end = strrchr(v, ':')) == NULL)
			return EINVAL;
		port = end + 1;
	}
	if ((size_t)(end - start) >= sizeof(host) ||
	    parse_u16(port, &n) != 0 || n == 0)
		return EINVAL;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';

	memset(sa, 0, sizeof(*sa));
	if (start != v) {
		sa->sin6.sin6_family = AF_INET6;
		sa->sin6.sin6_port = htons(n);
		if (inet_pton(AF_INET6, host, &sa->sin6.sin6_addr) != 1)
			return EINVAL;
	} else {
		sa->sin.sin_family = AF_INET;
		sa->sin.sin_port = htons(n);
		if (inet_pton(AF_INET, host, &sa->sin.sin_addr) != 1)
			return EINVAL;
	}
	return 0;
}

static int
set_keepalive(struct uapi_request *r, const char *v)
{
	return parse_u16(v, &last_peer(r)->persistent_keepalive);
}

static int
set_allowed_ip(struct uapi_request *r, const char *v)
{
	struct uapi_peer_op	*p = last_peer(r);
	struct prefix		 pfx, *ips;

	if (p->n_allowed_ips == UAPI_ALLOWEDIPS_MAX)
		return E2BIG;
	/* wg(8) always sends the length, and wireguard-go requires it. */
	if (strchr(v, '/') == NULL || prefix_parse(&pfx, v, NULL) == -1)
		return EINVAL;
	prefix_mask(&pfx);
	if ((ips = grow(p->allowed_ips, &p->cap_allowed_ips, p->n_allowed_ips,
	    sizeof(*ips))) == NULL)
		return ENOMEM;
	p->allowed_ips = ips;
	p->allowed_ips[p->n_allowed_ips++] = pfx;
	return 0;
}

static int
set_protocol_version(struct uapi_request *r, const char *v)
{
	return strcmp(v, "1") == 0 ? 0 : EINVAL;
}

/* The first line of a request. */
static const struct {
	const char	*line;
	enum uapi_op	 op;
	int		 json;
	enum state	 next;
} requests[] = {
	{ "get=1",		UAPI_GET,	0, S_GET },
	{ "set=1",		UAPI_SET,	0, S_SET },
	{ "tund-show=text",	UAPI_SHOW,	0, S_GET },
	{ "tund-show=json",	UAPI_SHOW,	1, S_GET },
	{ "tund-reload=1",	UAPI_RELOAD,	0, S_GET }
};

static const struct setter setters[] = {
	{ "private_key",	DEVICE,	UAPI_HAS_PRIVATE_KEY, set_private_key },
	{ "listen_port",	DEVICE,	UAPI_HAS_LISTEN_PORT, set_listen_port },
	{ "fwmark",		DEVICE,	UAPI_HAS_FWMARK, set_fwmark },
	{ "replace_peers",	DEVICE,	UAPI_REPLACE_PEERS, set_true },
	{ "public_key",		ANY,	0, set_public_key },
	{ "remove",		PEER,	UAPI_PEER_REMOVE, set_true },
	{ "update_only",	PEER,	UAPI_PEER_UPDATE_ONLY, set_true },
	{ "preshared_key",	PEER,	UAPI_PEER_HAS_PSK, set_preshared_key },
	{ "endpoint",		PEER,	UAPI_PEER_HAS_ENDPOINT, set_endpoint },
	{ "persistent_keepalive_interval", PEER, UAPI_PEER_HAS_KEEPALIVE,
	    set_keepalive },
	{ "replace_allowed_ips", PEER,	UAPI_PEER_REPLACE_ALLOWEDIPS, set_true },
	{ "allowed_ip",		PEER,	0, set_allowed_ip },
	{ "protocol_version",	PEER,	0, set_protocol_version }
};

static int
set_line(struct uapi_request *r, char *line)
{
	const struct setter	*s;
	char			*value;
	size_t			 i;
	int			 error;

	if ((value = strchr(line, '=')) == NULL)
		return EPROTO;
	*value++ = '\0';
	for (i = 0; i < nitems(setters); i++)
		if (strcmp(setters[i].key, line) == 0)
			break;
	if (i == nitems(setters))
		return EINVAL;
	s = &setters[i];
	/* Interface keys come before the first peer, peer keys after. */
	if ((s->scope == DEVICE && r->n_peers > 0) ||
	    (s->scope == PEER && r->n_peers == 0))
		return EINVAL;
	if ((error = s->parse(r, value)) != 0)
		return error;
	if (s->scope == DEVICE)
		r->flags |= s->flag;
	else
		last_peer(r)->flags |= s->flag;
	return 0;
}

static int
start_line(struct uapi_parser *p)
{
	size_t	i;

	for (i = 0; i < nitems(requests); i++)
		if (strcmp(p->line, requests[i].line) == 0) {
			p->req.op = requests[i].op;
			p->req.json = requests[i].json;
			p->state = requests[i].next;
			return 0;
		}
	return EINVAL;
}

/* One line, without its newline; 0 or an errno. */
static int
handle_line(struct uapi_parser *p)
{
	if (p->linelen >= sizeof(p->line))
		return EMSGSIZE;
	p->line[p->linelen] = '\0';
	if (strlen(p->line) != p->linelen)
		return EINVAL;		/* a NUL would cut the line short */

	switch (p->state) {
	case S_START:
		return start_line(p);
	case S_GET:
		if (p->linelen != 0)
			return EINVAL;
		p->state = S_DONE;
		return 0;
	default:
		if (p->linelen == 0) {
			p->state = S_DONE;
			return 0;
		}
		return set_line(&p->req, p->line);
	}
}

static void
end_line(struct uapi_parser *p)
{
	int	error;

	if (p->state == S_DISCARD) {
		if (p->linelen == 0)
			p->state = S_FAILED;
		return;
	}
	error = handle_line(p);
	crypto_wipe(p->line, sizeof(p->line));
	if (error != 0) {
		p->error = error;
		/* An empty line ends the request: no more to read. */
		p->state = p->linelen == 0 ? S_FAILED : S_DISCARD;
	}
}

enum uapi_status
uapi_feed(struct uapi_parser *p, const char *buf, size_t len, size_t *used)
{
	size_t	i;

	for (i = 0; i < len && p->state < S_DONE; i++) {
		if (++p->total > UAPI_REQUEST_MAX) {
			p->error = EMSGSIZE;
			p->state = S_FAILED;
			break;
		}
		if (buf[i] == '\n') {
			end_line(p);
			p->linelen = 0;
		} else if (p->linelen < sizeof(p->line))
			p->line[p->linelen++] = buf[i];
		else
			p->linelen = sizeof(p->line);	/* too long: noted */
	}
	*used = i;
	if (p->state == S_DONE)
		return UAPI_DONE;
	return p->state == S_FAILED ? UAPI_ERROR : UAPI_MORE;
}

void
uapi_parser_reset(struct uapi_parser *p)
{
	struct uapi_request	*r = &p->req;
	size_t			 i;

	for (i = 0; i < r->n_peers; i++)
		free(r->peers[i].allowed_ips);
	if (r->peers != NULL) {
		crypto_wipe(r->peers, r->cap_peers * sizeof(*r->peers));
		free(r->peers);
	}
	crypto_wipe(p, sizeof(*p));
}

/* A reply being written: as snprintf(3), len counts what did not fit. */
struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void
put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	if (o->len < o->size)
		n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* Keys go by hand, not through printf: no copy of a secret in stdio. */
static void
put_key(struct out *o, const char *name, const uint8_t key[KEY_LEN])
{
	size_t	i;

	put(o, "%s=", name);
	for (i = 0; i < KEY_LEN; i++) {
		put_char(o, hexdigit(key[i] >> 4));
		put_char(o, hexdigit(key[i] & 0xf));
	}
	put_char(o, '\n');
}

static void
put_endpoint(struct out *o, const union sockaddr_inet *sa)
{
	char	host[INET6_ADDRSTRLEN];

	if (sa->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &sa->sin.sin_addr, host, sizeof(host));
		put(o, "endpoint=%s:%u\n", host, ntohs(sa->sin.sin_port));
	} else if (sa->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sa->sin6.sin6_addr, host, sizeof(host));
		put(o, "endpoint=[%s]:%u\n", host, ntohs(sa->sin6.sin6_port));
	}
}

static int
is_zero(const uint8_t key[KEY_LEN])
{
	static const uint8_t	zero[KEY_LEN];

	return crypto_equal(key, zero, KEY_LEN);
}

/* In wireguard-go's order, which wg(8) does not depend on. */
static void
put_peer(struct out *o, const struct uapi_peer *p)
{
	char	ip[PREFIX_STRLEN];
	size_t	i;

	put_key(o, "public_key", p->public_key);
	put_key(o, "preshared_key", p->preshared_key);
	put(o, "protocol_version=1\n");
	put_endpoint(o, &p->endpoint);
	put(o, "last_handshake_time_sec=%lld\n"
	    "last_handshake_time_nsec=%ld\n",
	    (long long)p->last_handshake.tv_sec, p->last_handshake.tv_nsec);
	put(o, "tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n", p->tx_bytes,
	    p->rx_bytes);
	put(o, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
	for (i = 0; i < p->n_allowed_ips; i++)
		put(o, "allowed_ip=%s\n",
		    prefix_fmt(&p->allowed_ips[i], ip, sizeof(ip)));
}

static size_t
finish(struct out *o)
{
	if (o->size > 0)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len;
}

size_t
uapi_format_get(char *buf, size_t size, const struct uapi_device *dev)
{
	struct out	o = { buf, size, 0 };
	size_t		i;

	if (!is_zero(dev->private_key))
		put_key(&o, "private_key", dev->private_key);
	if (dev->listen_port != 0)
		put(&o, "listen_port=%u\n", dev->listen_port);
	if (dev->fwmark != 0)
		put(&o, "fwmark=%" PRIu32 "\n", dev->fwmark);
	for (i = 0; i < dev->n_peers; i++)
		put_peer(&o, &dev->peers[i]);
	put(&o, "errno=0\n\n");
	return finish(&o);
}

size_t
uapi_format_errno(char *buf, size_t size, int error)
{
	struct out	o = { buf, size, 0 };

	put(&o, "errno=%d\n\n", -error);
	return finish(&o);
}

size_t
uapi_format_reload(char *buf, size_t size, char *const *msg, size_t n,
    int error)
{
	struct out	 o = { buf, size, 0 };
	const char	*c;
	size_t		 i;

	for (i = 0; i < n; i++) {
		put(&o, "error=");
		for (c = msg[i]; *c != '\0'; c++)
			put_char(&o, *c == '\n' ? ' ' : *c);
		put_char(&o, '\n');
	}
	put(&o, "errno=%d\n\n", -error);
	return finish(&o);
}
