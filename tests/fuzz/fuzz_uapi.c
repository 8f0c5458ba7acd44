/*
 * libFuzzer target for the control socket's parser, uapi_feed(), and the
 * reply formatters.  Build and run (from the top):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Itund tests/fuzz/fuzz_uapi.c tund/uapi.c tund/prefix.c \
 *	    tund/key.c tund/crypto.c -lcrypto -o /tmp/fuzz/fuzz_uapi
 *	mkdir -p /tmp/fuzz/corpus_uapi
 *	/tmp/fuzz/fuzz_uapi -max_total_time=300 -rss_limit_mb=2048 \
 *	    /tmp/fuzz/corpus_uapi
 *
 * The first byte seeds the sizes of the chunks the rest is fed in, as a
 * client's writes arrive; the rest is a stream of requests, each parsed to
 * its end, then the parser reset for the next whatever the outcome.
 *
 * What must hold: every byte is taken unless a request ended; the
 * outcomes do not depend on where the stream was cut; a refused request
 * says why with one of the documented errno values; an accepted one keeps
 * the parser's promises (masked prefixes, flags that match the values,
 * a port on every endpoint) and, written out again as a set request,
 * parses to the same thing; the replies are measured as snprintf(3)
 * measures and cut as it cuts.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uapi.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A growing string: the outcomes of a stream, a request written out. */
struct str {
	char	*s;
	size_t	 len, cap;
};

static void __attribute__((format(printf, 2, 3)))
add(struct str *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (o->len + (size_t)n + 1 > o->cap) {
		o->cap = (o->len + (size_t)n + 1) * 2;
		if ((o->s = realloc(o->s, o->cap)) == NULL)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

static void
add_key(struct str *o, const char *name, const uint8_t key[KEY_LEN])
{
	size_t	i;

	add(o, "%s=", name);
	for (i = 0; i < KEY_LEN; i++)
		add(o, "%02x", key[i]);
	add(o, "\n");
}

static void
add_endpoint(struct str *o, const union sockaddr_inet *sa)
{
	char	host[INET6_ADDRSTRLEN];

	if (sa->sa.sa_family == AF_INET) {
		if (sa->sin.sin_port == 0 || inet_ntop(AF_INET,
		    &sa->sin.sin_addr, host, sizeof(host)) == NULL)
			abort();
		add(o, "endpoint=%s:%u\n", host, ntohs(sa->sin.sin_port));
	} else if (sa->sa.sa_family == AF_INET6) {
		if (sa->sin6.sin6_port == 0 || sa->sin6.sin6_scope_id != 0 ||
		    inet_ntop(AF_INET6, &sa->sin6.sin6_addr, host,
		    sizeof(host)) == NULL)
			abort();
		add(o, "endpoint=[%s]:%u\n", host, ntohs(sa->sin6.sin6_port));
	} else
		abort();
}

/*
 * Check an accepted request and write it out as the request that says
 * the same thing the shortest way: the flags by their keys, each value
 * the way wg(8) writes it.
 */
static void
canon(struct str *o, const struct uapi_request *r)
{
	const struct uapi_peer_op	*p;
	struct prefix			 m;
	char				 ip[PREFIX_STRLEN];
	size_t				 i, j;

	if (r->json && r->op != UAPI_SHOW)
		abort();
	if (r->op != UAPI_SET && (r->flags != 0 || r->n_peers != 0))
		abort();
	switch (r->op) {
	case UAPI_GET:
		add(o, "get=1\n\n");
		return;
	case UAPI_SHOW:
		add(o, "tund-show=%s\n\n", r->json ? "json" : "text");
		return;
	case UAPI_RELOAD:
		add(o, "tund-reload=1\n\n");
		return;
	case UAPI_SET:
		break;
	default:
		abort();
	}
	if ((r->flags & ~0x0fU) != 0 || r->n_peers > UAPI_PEERS_MAX ||
	    r->n_peers > r->cap_peers)
		abort();
	add(o, "set=1\n");
	if (r->flags & UAPI_HAS_PRIVATE_KEY)
		add_key(o, "private_key", r->private_key);
	if (r->flags & UAPI_HAS_LISTEN_PORT)
		add(o, "listen_port=%u\n", r->listen_port);
	if (r->flags & UAPI_HAS_FWMARK)
		add(o, "fwmark=%u\n", (unsigned)r->fwmark);
	if (r->flags & UAPI_REPLACE_PEERS)
		add(o, "replace_peers=true\n");
	for (i = 0; i < r->n_peers; i++) {
		p = &r->peers[i];
		if ((p->flags & ~0x3fU) != 0 ||
		    p->n_allowed_ips > UAPI_ALLOWEDIPS_MAX ||
		    p->n_allowed_ips > p->cap_allowed_ips ||
		    (!(p->flags & UAPI_PEER_HAS_KEEPALIVE) &&
		    p->persistent_keepalive != 0) ||
		    (!(p->flags & UAPI_PEER_HAS_ENDPOINT) &&
		    p->endpoint.sa.sa_family != 0))
			abort();
		add_key(o, "public_key", p->public_key);
		if (p->flags & UAPI_PEER_REMOVE)
			add(o, "remove=true\n");
		if (p->flags & UAPI_PEER_UPDATE_ONLY)
			add(o, "update_only=true\n");
		if (p->flags & UAPI_PEER_HAS_PSK)
			add_key(o, "preshared_key", p->preshared_key);
		if (p->flags & UAPI_PEER_HAS_ENDPOINT)
			add_endpoint(o, &p->endpoint);
		if (p->flags & UAPI_PEER_HAS_KEEPALIVE)
			add(o, "persistent_keepalive_interval=%u\n",
			    p->persistent_keepalive);
		if (p->flags & UAPI_PEER_REPLACE_ALLOWEDIPS)
			add(o, "replace_allowed_ips=true\n");
		for (j = 0; j < p->n_allowed_ips; j++) {
			m = p->allowed_ips[j];
			prefix_mask(&m);
			if (!prefix_equal(&m, &p->allowed_ips[j]))
				abort();
			add(o, "allowed_ip=%s\n", prefix_fmt(&m, ip,
			    sizeof(ip)));
		}
	}
	add(o, "\n");
}

/*
 * A reply measured and written into size bytes: as snprintf(3), the
 * length of the whole, and what fits of it, NUL terminated.
 */
static void
check_cut(const char *whole, size_t n, const char *cut, size_t size)
{
	size_t	fit = n < size ? n : size - 1;

	if (size == 0)
		return;
	if (strlen(cut) != fit || memcmp(whole, cut, fit) != 0)
		abort();
}

/* The get reply of an interface that looks like the request. */
static void
check_get(const struct uapi_request *r, size_t size)
{
	struct uapi_device	 d;
	struct uapi_peer	*peers;
	char			*whole, *cut;
	size_t			 n, i;

	memset(&d, 0, sizeof(d));
	memcpy(d.private_key, r->private_key, KEY_LEN);
	d.listen_port = r->listen_port;
	d.fwmark = r->fwmark;
	if ((peers = calloc(r->n_peers + 1, sizeof(*peers))) == NULL)
		abort();
	for (i = 0; i < r->n_peers; i++) {
		memcpy(peers[i].public_key, r->peers[i].public_key, KEY_LEN);
		memcpy(peers[i].preshared_key, r->peers[i].preshared_key,
		    KEY_LEN);
		peers[i].endpoint = r->peers[i].endpoint;
		peers[i].last_handshake.tv_sec = (time_t)r->fwmark << 20;
		peers[i].last_handshake.tv_nsec = r->listen_port;
		peers[i].rx_bytes = UINT64_MAX - i;
		peers[i].tx_bytes = i;
		peers[i].persistent_keepalive =
		    r->peers[i].persistent_keepalive;
		peers[i].allowed_ips = r->peers[i].allowed_ips;
		peers[i].n_allowed_ips = r->peers[i].n_allowed_ips;
	}
	d.peers = peers;
	d.n_peers = r->n_peers;
	n = uapi_format_get(NULL, 0, &d);
	if ((whole = malloc(n + 1)) == NULL || (cut = malloc(size + 1)) ==
	    NULL)
		abort();
	if (uapi_format_get(whole, n + 1, &d) != n || strlen(whole) != n ||
	    n < 9 || strcmp(whole + n - 9, "errno=0\n\n") != 0)
		abort();
	if (uapi_format_get(cut, size, &d) != n)
		abort();
	check_cut(whole, n, cut, size);
	free(whole);
	free(cut);
	free(peers);
}

/* The error and reload replies: one line a message, whatever it holds. */
static void
check_replies(int error, const uint8_t *data, size_t len, size_t size)
{
	char	*msg[4], whole[64 + 4 * 80], cut[sizeof(whole)], *c;
	size_t	 n, i, lines;

	n = uapi_format_errno(whole, sizeof(whole), error);
	if (n >= sizeof(whole) || uapi_format_errno(cut, size, error) != n)
		abort();
	check_cut(whole, n, cut, size);
	for (i = 0; i < 4; i++) {
		n = len < 79 ? len : 79;
		if ((msg[i] = malloc(n + 1)) == NULL)
			abort();
		memcpy(msg[i], data, n);
		msg[i][n] = '\0';
		data += n;
		len -= n;
	}
	n = uapi_format_reload(whole, sizeof(whole), msg, 4, error);
	if (n >= sizeof(whole) || uapi_format_reload(cut, size, msg, 4,
	    error) != n)
		abort();
	check_cut(whole, n, cut, size);
	for (c = whole, lines = 0; *c != '\0'; c++)
		lines += *c == '\n';
	if (lines != 4 + 2 || strlen(whole) != n)
		abort();
	for (i = 0; i < 4; i++)
		free(msg[i]);
}

/* Written out again, a request parses to itself, in one go. */
static void
check_again(const struct str *c)
{
	struct uapi_parser	*p;
	struct str		 again = { NULL, 0, 0 };
	size_t			 used;

	if (c->len > UAPI_REQUEST_MAX || (p = calloc(1, sizeof(*p))) == NULL)
		return;
	if (uapi_feed(p, c->s, c->len, &used) != UAPI_DONE ||
	    used != c->len)
		abort();
	canon(&again, &p->req);
	if (again.len != c->len || memcmp(again.s, c->s, c->len) != 0)
		abort();
	uapi_parser_reset(p);
	free(p);
	free(again.s);
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Parse the stream in chunks (seed 0: all at once) and write down each
 * request's outcome.  Returns the outcomes.
 */
static struct str
run(const char *buf, size_t len, uint32_t seed, int checks)
{
	struct uapi_parser	*p;
	struct str		 out = { NULL, 0, 0 }, c;
	enum uapi_status	 st;
	size_t			 off = 0, n, used;
	int			 replied = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		abort();
	add(&out, "");
	while (off < len) {
		n = len - off;
		if (seed != 0 && rnd(&seed) % 4 != 0)
			n = 1 + rnd(&seed) % (n < 64 ? n : 64);
		st = uapi_feed(p, buf + off, n, &used);
		if (used > n || (st == UAPI_MORE && used != n))
			abort();
		off += used;
		switch (st) {
		case UAPI_MORE:
			continue;
		case UAPI_ERROR:
			switch (p->error) {
			case EPROTO:
			case EINVAL:
			case EMSGSIZE:
			case E2BIG:
				break;
			default:
				abort();
			}
			add(&out, "error %d\n", p->error);
			/* Once a stream: it costs more than the parsing. */
			if (checks && !replied++)
				check_replies(p->error, (const uint8_t *)buf,
				    len, off % 300);
			break;
		case UAPI_DONE:
			if (p->error != 0)
				abort();
			c = (struct str){ NULL, 0, 0 };
			canon(&c, &p->req);
			add(&out, "%s", c.s);
			if (checks) {
				check_again(&c);
				check_get(&p->req, off % 600);
			}
			free(c.s);
			break;
		}
		uapi_parser_reset(p);
	}
	/* What is left: a request cut short, never an outcome. */
	add(&out, "more %d\n", p->state);
	uapi_parser_reset(p);
	free(p);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str	whole, chunked;

	if (size < 1)
		return 0;
	whole = run((const char *)data + 1, size - 1, 0, 1);
	chunked = run((const char *)data + 1, size - 1, data[0] | 0x100, 0);
	if (whole.len != chunked.len || memcmp(whole.s, chunked.s,
	    whole.len) != 0)
		abort();
	free(whole.s);
	free(chunked.s);
	return 0;
}
