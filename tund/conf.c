/*
 * tund.conf: the wg-quick INI format plus tund's own keys.
 *
 * The parser copies one line at a time into a bounded buffer and keeps
 * nothing but what the keys describe, so what it allocates grows with the
 * input and no faster.  Errors are gathered with their line numbers and
 * sorted at the end, because some are only known when a section ends: a
 * [Peer] without PublicKey is reported on its header line, an [Interface]
 * without PrivateKey on the [Interface] line, and a file without any
 * [Interface] on line 1.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "loadpkt.h"

#define CONF_LINE_MAX	4096		/* bytes in a line, newline excluded */
#define CONF_ERRORS_MAX	100		/* then the file is not a tund.conf */
#define THREADS_MAX	64
#define LOAD_THREADS_MAX 256
#define LOAD_FLOWS_MAX	1024		/* streams a far end tracks */
#define LOAD_DURATION_DEFAULT 10000	/* ms, without Duration or Count */
#define LOAD_SIZE_DEFAULT 128
#define DURATION_MAX	86400000	/* ms: a day */
#define CAPTURE_LIMIT_DEFAULT 100000000	/* bytes a file */
#define CAPTURE_FILES_DEFAULT 2
#define CAPTURE_FILES_MAX 1000
/* The least packet that carries the load header, by family. */
#define LOAD_MIN4	(LOADPKT_IP4_HDRS + LOADPKT_HDR_LEN)
#define LOAD_MIN6	(LOADPKT_IP6_HDRS + LOADPKT_HDR_LEN)
#define HOST_MAX	255
#define SHOW_MAX	64		/* bytes of a bad value quoted back */

enum section {
	SEC_NONE,	/* before the first header */
	SEC_INTERFACE,
	SEC_PEER,
	SEC_LOAD,
	SEC_SKIP	/* after a bad or repeated header: keys are ignored */
};

enum kw {
	KW_PRIVATE_KEY, KW_LISTEN_PORT, KW_ADDRESS, KW_MTU, KW_DNS, KW_TABLE,
	KW_FWMARK, KW_PRE_UP, KW_POST_UP, KW_PRE_DOWN, KW_POST_DOWN,
	KW_SAVE_CONFIG, KW_DEVICE, KW_THREADS, KW_CAPTURE, KW_CAPTURE_LIMIT,
	KW_CAPTURE_FILES, KW_USER, KW_CHROOT, KW_CONTROL_SOCKET,
	KW_CONTROL_GROUP,
	KW_PUBLIC_KEY, KW_PRESHARED_KEY, KW_ALLOWED_IPS, KW_ENDPOINT,
	KW_KEEPALIVE,
	KW_LOAD_THREADS, KW_METHOD, KW_DESTINATION, KW_SIZE, KW_RATE,
	KW_DURATION, KW_COUNT_PKTS, KW_FLOWS, KW_REPLAY, KW_TIMING, KW_LOOPS,
	KW_REPORT, KW_PLOT,
	KW_COUNT
};

struct parser;
struct keyword;
typedef void	setter(struct parser *, const struct keyword *, char *);

struct keyword {
	const char	*name;
	enum section	 section;
	int		 flags;
#define REPEAT		0x1	/* may be given more than once */
#define LIST		0x2	/* set per comma-separated item, maybe none */
	setter		*set;
	size_t		 field;		/* offset in conf of what set fills */
};

struct error {
	int	 line;
	size_t	 seq;		/* keeps errors of one line in order */
	char	*msg;
};

struct parser {
	const char	*name;
	struct conf	*conf;
	struct error	*err;
	size_t		 nerr;
	int		 nomem;
	int		 secret;	/* saw a PrivateKey or PresharedKey */
	int		 line;
	enum section	 section;
	int		 header;	/* line of the section's header */
	int		 interface;	/* line of [Interface]; 0: none yet */
	int		 load;		/* line of [Load]; 0: none yet */
	int		 seen[KW_COUNT];	/* first line of each key */
	int		*pubkey_line;	/* per peer; 0: no valid PublicKey */
};

static setter	set_private_key, set_listen_port, set_address, set_mtu,
		set_string, set_table, set_fwmark, set_save_config, set_device,
		set_threads, set_public_key, set_preshared_key, set_allowed_ip,
		set_endpoint, set_keepalive, set_path, set_capture_limit,
		set_capture_files, set_load_threads, set_method,
		set_destination, set_size, set_rate, set_duration, set_count,
		set_flows, set_timing, set_loops, set_user, set_abspath,
		set_group;

#define I		SEC_INTERFACE
#define P		SEC_PEER
#define L		SEC_LOAD
#define S(field)	offsetof(struct conf, field)

static const struct keyword keywords[KW_COUNT] = {
	[KW_PRIVATE_KEY] = { "PrivateKey", I, 0, set_private_key, 0 },
	[KW_LISTEN_PORT] = { "ListenPort", I, 0, set_listen_port, 0 },
	[KW_ADDRESS] = { "Address", I, REPEAT | LIST, set_address, 0 },
	[KW_MTU] = { "MTU", I, 0, set_mtu, 0 },
	[KW_DNS] = { "DNS", I, REPEAT | LIST, set_string, S(dns) },
	[KW_TABLE] = { "Table", I, 0, set_table, 0 },
	[KW_FWMARK] = { "FwMark", I, 0, set_fwmark, 0 },
	[KW_PRE_UP] = { "PreUp", I, REPEAT, set_string, S(pre_up) },
	[KW_POST_UP] = { "PostUp", I, REPEAT, set_string, S(post_up) },
	[KW_PRE_DOWN] = { "PreDown", I, REPEAT, set_string, S(pre_down) },
	[KW_POST_DOWN] = { "PostDown", I, REPEAT, set_string, S(post_down) },
	[KW_SAVE_CONFIG] = { "SaveConfig", I, 0, set_save_config, 0 },
	[KW_DEVICE] = { "Device", I, 0, set_device, 0 },
	[KW_THREADS] = { "Threads", I, 0, set_threads, 0 },
	[KW_CAPTURE] = { "Capture", I, 0, set_path, S(capture) },
	[KW_CAPTURE_LIMIT] = { "CaptureLimit", I, 0, set_capture_limit, 0 },
	[KW_CAPTURE_FILES] = { "CaptureFiles", I, 0, set_capture_files, 0 },
	[KW_USER] = { "User", I, 0, set_user, 0 },
	[KW_CHROOT] = { "Chroot", I, 0, set_abspath, S(chroot) },
	[KW_CONTROL_SOCKET] = { "ControlSocket", I, 0, set_abspath,
	    S(control_socket) },
	[KW_CONTROL_GROUP] = { "ControlGroup", I, 0, set_group, 0 },
	[KW_PUBLIC_KEY] = { "PublicKey", P, 0, set_public_key, 0 },
	[KW_PRESHARED_KEY] = { "PresharedKey", P, 0, set_preshared_key, 0 },
	[KW_ALLOWED_IPS] = { "AllowedIPs", P, REPEAT | LIST, set_allowed_ip,
	    0 },
	[KW_ENDPOINT] = { "Endpoint", P, 0, set_endpoint, 0 },
	[KW_KEEPALIVE] = { "PersistentKeepalive", P, 0, set_keepalive, 0 },
	[KW_LOAD_THREADS] = { "Threads", L, 0, set_load_threads, 0 },
	[KW_METHOD] = { "Method", L, 0, set_method, 0 },
	[KW_DESTINATION] = { "Destination", L, 0, set_destination, 0 },
	[KW_SIZE] = { "Size", L, 0, set_size, 0 },
	[KW_RATE] = { "Rate", L, 0, set_rate, 0 },
	[KW_DURATION] = { "Duration", L, 0, set_duration, 0 },
	[KW_COUNT_PKTS] = { "Count", L, 0, set_count, 0 },
	[KW_FLOWS] = { "Flows", L, 0, set_flows, 0 },
	[KW_REPLAY] = { "Replay", L, 0, set_path, S(load.replay) },
	[KW_TIMING] = { "Timing", L, 0, set_timing, 0 },
	[KW_LOOPS] = { "Loops", L, 0, set_loops, 0 },
	[KW_REPORT] = { "Report", L, 0, set_path, S(load.report) },
	[KW_PLOT] = { "Plot", L, 0, set_path, S(load.plot) },
};

#undef I
#undef P
#undef L
#undef S

static char *
vformat(const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*s;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *
strfmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* Append msg to errs, or drop it when there is no memory for it. */
static void
errs_push(struct conf_errors *errs, char *msg)
{
	char	**v;

	if (msg == NULL)
		return;
	if ((v = realloc(errs->msg, (errs->n + 1) * sizeof(*v))) == NULL) {
		free(msg);
		return;
	}
	v[errs->n++] = msg;
	errs->msg = v;
}

void
conf_error(struct conf_errors *errs, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errs_push(errs, vformat(fmt, ap));
	va_end(ap);
}

/*
 * Room for element n of an array that doubles whenever n reaches a power of
 * two.  Returns the array, moved or not, or NULL with it untouched.
 */
static void *
grow(void *a, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return a;
	return realloc(a, (n == 0 ? 1 : 2 * n) * size);
}

/* A bad value as it may be quoted back: printable and short. */
static const char *
show(char buf[SHOW_MAX + 4], const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < SHOW_MAX; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	strcpy(buf + i, s[i] != '\0' ? "..." : "");
	return buf;
}

static void
verr(struct parser *p, int line, const char *fmt, va_list ap)
{
	struct error	*e;
	char		 body[512], *msg;

	vsnprintf(body, sizeof(body), fmt, ap);
	/* Line 0: the command line (-L), which has no lines. */
	msg = line > 0 ? strfmt("%s:%d: %s", p->name, line, body) :
	    strfmt("%s: %s", p->name, body);
	if (msg == NULL ||
	    (e = grow(p->err, p->nerr, sizeof(*e))) == NULL) {
		free(msg);
		p->nomem = 1;
		return;
	}
	p->err = e;
	e[p->nerr].line = line;
	e[p->nerr].seq = p->nerr;
	e[p->nerr].msg = msg;
	p->nerr++;
}

static void __attribute__((format(printf, 3, 4)))
errat(struct parser *p, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	verr(p, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
err(struct parser *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	verr(p, p->line, fmt, ap);
	va_end(ap);
}

/* "bad KEY "VALUE": why", for values that are no secret. */
static void __attribute__((format(printf, 4, 5)))
bad(struct parser *p, const struct keyword *kw, const char *v,
    const char *fmt, ...)
{
	va_list	ap;
	char	why[128], shown[SHOW_MAX + 4];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err(p, "bad %s \"%s\": %s", kw->name, show(shown, v), why);
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

/* Digits only, in base 10 or 16: no sign, no blanks, nothing above max. */
static int
digits(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	unsigned	d;
	int		c;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		c = tolower((unsigned char)*s);
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -1;
		if (d > max || v > (max - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int
number(struct parser *p, const struct keyword *kw, const char *v,
    uint64_t min, uint64_t max, uint64_t *out)
{
	if (digits(v, 10, max, out) == 0 && *out >= min)
		return 0;
	bad(p, kw, v, "not a number from %llu to %llu",
	    (unsigned long long)min, (unsigned long long)max);
	return -1;
}

static int
parse_key(struct parser *p, const struct keyword *kw, const char *v,
    uint8_t key[KEY_LEN])
{
	/* The value is never quoted back: it may be a secret. */
	if (key_from_base64(key, v) == 0)
		return 0;
	err(p, "bad %s: not a 32-byte key in base64 (44 characters)",
	    kw->name);
	return -1;
}

static struct conf_peer *
peer(struct parser *p)
{
	return &p->conf->peers[p->conf->n_peers - 1];
}

static void
add_prefix(struct parser *p, struct prefix **a, size_t *n,
    const struct prefix *pfx)
{
	struct prefix	*na;

	if ((na = grow(*a, *n, sizeof(*na))) == NULL) {
		p->nomem = 1;
		return;
	}
	na[(*n)++] = *pfx;
	*a = na;
}

static void
set_private_key(struct parser *p, const struct keyword *kw, char *v)
{
	p->secret = 1;
	if (parse_key(p, kw, v, p->conf->private_key) == 0)
		p->conf->has_private_key = 1;
}

static void
set_listen_port(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	/* 0, as with wg(8), lets the system pick a port. */
	if (number(p, kw, v, 0, UINT16_MAX, &n) == 0)
		p->conf->listen_port = (uint16_t)n;
}

static void
set_address(struct parser *p, const struct keyword *kw, char *v)
{
	struct prefix	 pfx;
	const char	*why;

	/* An interface address keeps its host part: 10.0.0.1/24. */
	if (prefix_parse(&pfx, v, &why) == -1)
		bad(p, kw, v, "%s", why);
	else
		add_prefix(p, &p->conf->addresses, &p->conf->n_addresses, &pfx);
}

static void
set_mtu(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (number(p, kw, v, CONF_MTU_MIN, CONF_MTU_MAX, &n) == 0)
		p->conf->mtu = (unsigned)n;
}

static void
set_string(struct parser *p, const struct keyword *kw, char *v)
{
	struct conf_strings	*s;
	char			**nv, *dup;

	s = (struct conf_strings *)((char *)p->conf + kw->field);
	if ((dup = strdup(v)) == NULL ||
	    (nv = grow(s->v, s->n, sizeof(*nv))) == NULL) {
		free(dup);
		p->nomem = 1;
		return;
	}
	nv[s->n++] = dup;
	s->v = nv;
}

static void
set_table(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (strcasecmp(v, "off") == 0)
		p->conf->table = CONF_TABLE_OFF;
	else if (strcasecmp(v, "auto") == 0)
		p->conf->table = CONF_TABLE_AUTO;
	else if (digits(v, 10, INT_MAX, &n) == 0)
		p->conf->table = (int)n;
	else
		bad(p, kw, v, "not off, auto or a table number");
}

static void
set_fwmark(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;
	int		rv;

	if (strcasecmp(v, "off") == 0) {
		p->conf->fwmark = 0;
		return;
	}
	if (strncasecmp(v, "0x", 2) == 0)
		rv = digits(v + 2, 16, UINT32_MAX, &n);
	else
		rv = digits(v, 10, UINT32_MAX, &n);
	if (rv == 0)
		p->conf->fwmark = (uint32_t)n;
	else
		bad(p, kw, v, "not off or a 32-bit number");
}

static void
set_save_config(struct parser *p, const struct keyword *kw, char *v)
{
	/* tund never writes its configuration: the value is only checked. */
	if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0)
		bad(p, kw, v, "not true or false");
}

static void
set_device(struct parser *p, const struct keyword *kw, char *v)
{
	const char	*name = v;
	size_t		 i, n;
	int		 ok;

	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	n = strlen(name);
	ok = n > 0 && n < IFNAMSIZ && isalpha((unsigned char)name[0]);
	for (i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) ||
		    strchr("_-.", name[i]) != NULL;
	if (!ok) {
		bad(p, kw, v, "not an interface name such as tun0");
		return;
	}
	memcpy(p->conf->device, name, n + 1);
}

static void
set_threads(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (number(p, kw, v, 1, THREADS_MAX, &n) == 0)
		p->conf->threads = (unsigned)n;
}

static void
set_public_key(struct parser *p, const struct keyword *kw, char *v)
{
	struct conf	*c = p->conf;
	size_t		 i, me = c->n_peers - 1;

	if (parse_key(p, kw, v, c->peers[me].public_key) == -1)
		return;
	for (i = 0; i < me; i++) {
		if (p->pubkey_line[i] != 0 && memcmp(c->peers[i].public_key,
		    c->peers[me].public_key, KEY_LEN) == 0) {
			err(p, "duplicate peer: same PublicKey as on line %d",
			    p->pubkey_line[i]);
			return;
		}
	}
	p->pubkey_line[me] = p->line;
}

static void
set_preshared_key(struct parser *p, const struct keyword *kw, char *v)
{
	p->secret = 1;
	if (parse_key(p, kw, v, peer(p)->preshared_key) == 0)
		peer(p)->has_preshared_key = 1;
}

static void
set_allowed_ip(struct parser *p, const struct keyword *kw, char *v)
{
	struct conf_peer	*pr = peer(p);
	struct prefix		 pfx;
	const char		*why;

	if (prefix_parse(&pfx, v, &why) == -1) {
		bad(p, kw, v, "%s", why);
		return;
	}
	prefix_mask(&pfx);
	add_prefix(p, &pr->allowed_ips, &pr->n_allowed_ips, &pfx);
}

static int
host_ok(const char *host, size_t len)
{
	size_t	i;

	if (len == 0 || len > HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (host[i] <= ' ' || host[i] > '~' || host[i] == '[' ||
		    host[i] == ']')
			return 0;
	}
	return 1;
}

/*
 * Split "host:port" or "[host]:port" in place: the host (brackets gone)
 * and the port.  Returns 0, or -1 having said what is wrong.
 */
static int
host_port(struct parser *p, const struct keyword *kw, char *v, char **host,
    uint16_t *port)
{
	char		*end, *ps;
	uint64_t	 n;

	*host = v;
	if (*v == '[') {
		*host = v + 1;
		if ((end = strchr(v, ']')) == NULL || end[1] != ':') {
			bad(p, kw, v, "expected host:port or [address]:port");
			return -1;
		}
		ps = end + 2;
	} else {
		if ((end = strrchr(v, ':')) == NULL) {
			bad(p, kw, v, "expected host:port or [address]:port");
			return -1;
		}
		if (memchr(v, ':', (size_t)(end - v)) != NULL) {
			bad(p, kw, v, "an IPv6 address needs brackets: "
			    "[address]:port");
			return -1;
		}
		ps = end + 1;
	}
	if (!host_ok(*host, (size_t)(end - *host))) {
		bad(p, kw, v, "not a host name or address");
		return -1;
	}
	if (digits(ps, 10, UINT16_MAX, &n) == -1 || n == 0) {
		bad(p, kw, v, "port not a number from 1 to 65535");
		return -1;
	}
	*end = '\0';
	*port = (uint16_t)n;
	return 0;
}

/* "host:port", "1.2.3.4:port" or "[v6]:port"; resolved by conf_resolve(). */
static void
set_endpoint(struct parser *p, const struct keyword *kw, char *v)
{
	struct conf_peer	*pr = peer(p);
	char			*host;
	uint16_t		 port;

	if (host_port(p, kw, v, &host, &port) == -1)
		return;
	if ((pr->endpoint_host = strdup(host)) == NULL) {
		p->nomem = 1;
		return;
	}
	pr->endpoint_port = port;
	pr->endpoint_line = p->line;
}

static void
set_keepalive(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (strcasecmp(v, "off") == 0)
		peer(p)->persistent_keepalive = 0;
	else if (number(p, kw, v, 0, UINT16_MAX, &n) == 0)
		peer(p)->persistent_keepalive = (uint16_t)n;
}

/* A path, or for Report "json"; a later one (from -L) replaces it. */
static void
set_path(struct parser *p, const struct keyword *kw, char *v)
{
	char	**s = (char **)((char *)p->conf + kw->field);

	free(*s);
	if ((*s = strdup(v)) == NULL)
		p->nomem = 1;
}

/* A user or group name as useradd(8) and adduser(8) accept them. */
static int
account_name(struct parser *p, const struct keyword *kw, char *v,
    char out[CONF_USER_MAX], const char *what)
{
	size_t	i, n = strlen(v);
	int	ok;

	ok = n > 0 && n < CONF_USER_MAX && v[0] != '-';
	for (i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)v[i]) || strchr("_.-", v[i]) != NULL;
	if (!ok) {
		bad(p, kw, v, what);
		return -1;
	}
	memcpy(out, v, n + 1);
	return 0;
}

static void
set_user(struct parser *p, const struct keyword *kw, char *v)
{
	account_name(p, kw, v, p->conf->user, "not a user name");
}

static void
set_group(struct parser *p, const struct keyword *kw, char *v)
{
	account_name(p, kw, v, p->conf->control_group, "not a group name");
}

static void
set_abspath(struct parser *p, const struct keyword *kw, char *v)
{
	if (v[0] != '/') {
		bad(p, kw, v, "not an absolute path");
		return;
	}
	set_path(p, kw, v);
}

/* Digits with an optional k, M or G (10^3, 10^6, 10^9) after them. */
static int
scaled(const char *v, uint64_t max, uint64_t *out)
{
	char		num[24];
	size_t		len = strlen(v);
	uint64_t	mul = 1, n;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, v, len + 1);
	if (num[len - 1] == 'k' || num[len - 1] == 'K')
		mul = 1000;
	else if (num[len - 1] == 'M')
		mul = 1000000;
	else if (num[len - 1] == 'G')
		mul = 1000000000;
	if (mul != 1)
		num[len - 1] = '\0';
	if (digits(num, 10, max / mul, &n) == -1)
		return -1;
	*out = n * mul;
	return 0;
}

static void
set_capture_limit(struct parser *p, const struct keyword *kw, char *v)
{
	if (scaled(v, UINT64_C(1000000000000000), &p->conf->capture_limit) ==
	    -1)
		bad(p, kw, v, "not a size in bytes such as 100M (k, M, G: "
		    "10^3, 10^6, 10^9)");
}

static void
set_capture_files(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (number(p, kw, v, 0, CAPTURE_FILES_MAX, &n) == 0)
		p->conf->capture_files = (unsigned)n;
}

/* A count or a comma list of them, one run each; replaces the last. */
static void
set_load_threads(struct parser *p, const struct keyword *kw, char *v)
{
	struct conf_load	*l = &p->conf->load;
	char			*item;
	uint64_t		 n;

	l->n_threads = 0;
	while ((item = strsep(&v, ",")) != NULL) {
		item = trim(item);
		if (*item == '\0') {
			err(p, "empty entry in %s", kw->name);
			return;
		}
		if (l->n_threads == LOAD_SWEEP_MAX) {
			err(p, "more than %d entries in %s", LOAD_SWEEP_MAX,
			    kw->name);
			return;
		}
		if (number(p, kw, item, 1, LOAD_THREADS_MAX, &n) == -1)
			return;
		l->threads[l->n_threads++] = (unsigned)n;
	}
}

static void
set_method(struct parser *p, const struct keyword *kw, char *v)
{
	if (strcasecmp(v, "socket") == 0)
		p->conf->load.method = LOAD_SOCKET;
	else if (strcasecmp(v, "inject") == 0)
		p->conf->load.method = LOAD_INJECT;
	else
		bad(p, kw, v, "not socket or inject");
}

/* A numeric address and port: load goes where it is told, unresolved. */
static void
set_destination(struct parser *p, const struct keyword *kw, char *v)
{
	struct conf_load	*l = &p->conf->load;
	char			 shown[SHOW_MAX + 4], *host;
	uint16_t		 port;

	show(shown, v);
	if (host_port(p, kw, v, &host, &port) == -1)
		return;
	if (inet_pton(AF_INET, host, l->dst_addr) == 1)
		l->dst_family = 4;
	else if (inet_pton(AF_INET6, host, l->dst_addr) == 1)
		l->dst_family = 6;
	else {
		err(p, "bad %s \"%s\": not a numeric address: a.b.c.d:port "
		    "or [v6]:port", kw->name, shown);
		return;
	}
	l->dst_port = port;
}

static void
set_size(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (strcasecmp(v, "imix") == 0)
		p->conf->load.size = 0;
	else if (digits(v, 10, CONF_MTU_MAX, &n) == 0 &&
	    n >= LOAD_MIN4)
		p->conf->load.size = (unsigned)n;
	else
		bad(p, kw, v, "not imix or a number from %d to %d",
		    LOAD_MIN4, CONF_MTU_MAX);
}

static void
set_rate(struct parser *p, const struct keyword *kw, char *v)
{
	if (scaled(v, 1000000000, &p->conf->load.rate) == -1)
		bad(p, kw, v, "not packets per second such as 20000 or 20k "
		    "(0: no limit)");
}

/* Seconds ("5", "5s") or milliseconds ("500ms"); 0: no time limit. */
static void
set_duration(struct parser *p, const struct keyword *kw, char *v)
{
	char		num[24];
	size_t		len = strlen(v);
	uint64_t	mul = 1000, n;

	if (len > 2 && strcasecmp(v + len - 2, "ms") == 0) {
		mul = 1;
		len -= 2;
	} else if (len > 1 && tolower((unsigned char)v[len - 1]) == 's')
		len--;
	if (len < sizeof(num)) {
		memcpy(num, v, len);
		num[len] = '\0';
	}
	if (len >= sizeof(num) || digits(num, 10, DURATION_MAX / mul, &n) == -1)
		bad(p, kw, v, "not a duration such as 5, 5s or 500ms, up to "
		    "a day");
	else
		p->conf->load.duration_ms = (unsigned)(n * mul);
}

static void
set_count(struct parser *p, const struct keyword *kw, char *v)
{
	if (scaled(v, UINT64_C(1000000000000000), &p->conf->load.count) == -1)
		bad(p, kw, v, "not a number of packets such as 100000 or "
		    "100k (0: no limit)");
}

static void
set_flows(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (number(p, kw, v, 1, LOAD_FLOWS_MAX, &n) == 0)
		p->conf->load.flows = (unsigned)n;
}

static void
set_timing(struct parser *p, const struct keyword *kw, char *v)
{
	if (strcasecmp(v, "original") == 0)
		p->conf->load.replay_timed = 1;
	else if (strcasecmp(v, "fast") == 0)
		p->conf->load.replay_timed = 0;
	else
		bad(p, kw, v, "not original or fast");
}

static void
set_loops(struct parser *p, const struct keyword *kw, char *v)
{
	uint64_t	n;

	if (number(p, kw, v, 0, 1000000, &n) == 0)
		p->conf->load.loops = (unsigned)n;
}

static const char *
section_name(enum section s)
{
	if (s == SEC_LOAD)
		return "Load";
	return s == SEC_INTERFACE ? "Interface" : "Peer";
}

/* The key of that section, or else of any section, or NULL. */
static const struct keyword *
lookup(const char *name, enum section s)
{
	const struct keyword	*any = NULL;
	size_t			 i;

	for (i = 0; i < KW_COUNT; i++) {
		if (strcasecmp(keywords[i].name, name) != 0)
			continue;
		if (keywords[i].section == s)
			return &keywords[i];
		if (any == NULL)
			any = &keywords[i];
	}
	return any;
}

/* Split a LIST value at commas; an empty value is an empty list. */
static void
set_items(struct parser *p, const struct keyword *kw, char *v)
{
	char	*item;

	if (*v == '\0')
		return;
	while ((item = strsep(&v, ",")) != NULL) {
		item = trim(item);
		if (*item == '\0')
			err(p, "empty entry in %s", kw->name);
		else
			kw->set(p, kw, item);
	}
}

static void
key_line(struct parser *p, char *line, char *eq)
{
	const struct keyword	*kw;
	char			*name, *value, shown[SHOW_MAX + 4];
	int			*seen;

	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	if (*name == '\0') {
		err(p, "missing key before '='");
		return;
	}
	if (p->section == SEC_SKIP)
		return;
	if (p->section == SEC_NONE) {
		err(p, "key \"%s\" outside a section", show(shown, name));
		return;
	}
	if ((kw = lookup(name, p->section)) == NULL) {
		err(p, "unknown key \"%s\" in [%s]", show(shown, name),
		    section_name(p->section));
		return;
	}
	if (kw->section != p->section) {
		err(p, "%s belongs in [%s], not [%s]", kw->name,
		    section_name(kw->section), section_name(p->section));
		return;
	}
	seen = &p->seen[kw - keywords];
	if (*seen != 0 && !(kw->flags & REPEAT)) {
		err(p, "duplicate %s (first on line %d)", kw->name, *seen);
		return;
	}
	if (*seen == 0)
		*seen = p->line;
	if (kw->flags & LIST)
		set_items(p, kw, value);
	else if (*value == '\0')
		err(p, "missing value for %s", kw->name);
	else
		kw->set(p, kw, value);
}

static void
end_section(struct parser *p)
{
	if (p->section == SEC_INTERFACE && p->seen[KW_PRIVATE_KEY] == 0)
		errat(p, p->header, "missing PrivateKey in [Interface]");
	if (p->section == SEC_PEER && p->seen[KW_PUBLIC_KEY] == 0)
		errat(p, p->header, "missing PublicKey in [Peer]");
	memset(p->seen, 0, sizeof(p->seen));
}

static void
begin_peer(struct parser *p)
{
	struct conf		*c = p->conf;
	struct conf_peer	*peers;
	int			*lines;

	if ((peers = grow(c->peers, c->n_peers, sizeof(*peers))) == NULL)
		goto nomem;
	c->peers = peers;
	if ((lines = grow(p->pubkey_line, c->n_peers, sizeof(*lines))) == NULL)
		goto nomem;
	p->pubkey_line = lines;
	memset(&peers[c->n_peers], 0, sizeof(peers[0]));
	peers[c->n_peers].line = p->line;
	lines[c->n_peers] = 0;
	c->n_peers++;
	p->section = SEC_PEER;
	return;
 nomem:
	p->nomem = 1;
	p->section = SEC_SKIP;
}

/* A section that may appear once; *first is the line of its header. */
static void
begin_once(struct parser *p, int *first, enum section sec)
{
	if (*first != 0) {
		err(p, "second [%s] section (the first is on line %d)",
		    section_name(sec), *first);
		return;
	}
	*first = p->line;
	p->section = sec;
}

static void
header_line(struct parser *p, char *line)
{
	char	*end, *name, shown[SHOW_MAX + 4];

	end_section(p);
	p->header = p->line;
	p->section = SEC_SKIP;
	if ((end = strchr(line, ']')) == NULL) {
		err(p, "missing ']' in section header");
		return;
	}
	if (end[1] != '\0') {
		err(p, "junk after section header");
		return;
	}
	*end = '\0';
	name = trim(line + 1);
	if (strcasecmp(name, "Peer") == 0)
		begin_peer(p);
	else if (strcasecmp(name, "Interface") == 0)
		begin_once(p, &p->interface, SEC_INTERFACE);
	else if (strcasecmp(name, "Load") == 0) {
		begin_once(p, &p->load, SEC_LOAD);
		p->conf->load.enabled = 1;
		p->conf->load.line = p->load;
	} else
		err(p, "unknown section [%s]", show(shown, name));
}

static void
parse_line(struct parser *p, char *buf)
{
	char	*line, *eq;

	/* As in wg-quick, '#' starts a comment anywhere, even in PostUp. */
	if ((line = strchr(buf, '#')) != NULL)
		*line = '\0';
	line = trim(buf);
	if (*line == '\0')
		return;
	if (*line == '[')
		header_line(p, line);
	else if ((eq = strchr(line, '=')) == NULL)
		err(p, "missing '='");
	else
		key_line(p, line, eq);
}

static void
parse_text(struct parser *p, const char *text, size_t len)
{
	char		 buf[CONF_LINE_MAX + 1];
	const char	*s = text, *end = text + len, *nl;
	size_t		 n;

	/* A byte order mark, as some Windows editors write. */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	for (p->line = 1; s < end; p->line++) {
		if (p->nomem)
			goto out;
		if (p->nerr >= CONF_ERRORS_MAX) {
			err(p, "too many errors, giving up");
			goto out;
		}
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		if (n > CONF_LINE_MAX)
			err(p, "line longer than %d bytes", CONF_LINE_MAX);
		else if (memchr(s, '\0', n) != NULL)
			err(p, "NUL byte in line");
		else {
			memcpy(buf, s, n);
			buf[n] = '\0';
			parse_line(p, buf);
		}
		s = nl < end ? nl + 1 : end;
	}
	end_section(p);
	if (p->interface == 0)
		errat(p, 1, "no [Interface] section");
 out:
	/* The buffer held the private key's line. */
	crypto_wipe(buf, sizeof(buf));
}

static int
error_cmp(const void *a, const void *b)
{
	const struct error	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the parser's errors, in line order, to errs. */
static void
flush_errors(struct parser *p, struct conf_errors *errs)
{
	size_t	i;

	if (p->nerr != 0)
		qsort(p->err, p->nerr, sizeof(*p->err), error_cmp);
	for (i = 0; i < p->nerr; i++)
		errs_push(errs, p->err[i].msg);
	free(p->err);
}

struct conf *
conf_parse_secret(const char *name, const char *text, size_t len,
    struct conf_errors *errs, int *secret)
{
	struct parser	 p;
	struct conf	*c;

	memset(&p, 0, sizeof(p));
	p.name = name;
	if ((c = p.conf = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(name)) == NULL) {
		free(c);
		conf_error(errs, "%s: out of memory", name);
		return NULL;
	}
	c->mtu = CONF_MTU_DEFAULT;
	c->table = CONF_TABLE_AUTO;
	c->capture_limit = CAPTURE_LIMIT_DEFAULT;
	c->capture_files = CAPTURE_FILES_DEFAULT;
	c->load.size = LOAD_SIZE_DEFAULT;
	c->load.loops = 1;
	parse_text(&p, text, len);
	flush_errors(&p, errs);
	free(p.pubkey_line);
	if (p.nomem)
		conf_error(errs, "%s: out of memory", name);
	if (secret != NULL)
		*secret = p.secret;
	if (p.nerr != 0 || p.nomem) {
		conf_free(c);
		return NULL;
	}
	return c;
}

struct conf *
conf_parse(const char *name, const char *text, size_t len,
    struct conf_errors *errs)
{
	return conf_parse_secret(name, text, len, errs, NULL);
}

/*
 * The [Load] section as a whole, once the command line has had its say:
 * what one key cannot know alone.  Errors go on the [Load] header's line,
 * or to "-L" when the section came from the command line alone.
 */
static void
check_load(struct parser *p)
{
	struct conf		*c = p->conf;
	struct conf_load	*l = &c->load;
	int			 line = l->line;

	if (line > 0)
		p->name = c->path;
	if (l->n_threads == 0)
		l->threads[l->n_threads++] = 1;
	if (l->replay == NULL && l->dst_family == 0)
		errat(p, line, "missing Destination in [Load]");
	if (l->size != 0 && l->dst_family == 6 &&
	    l->size < LOAD_MIN6)
		errat(p, line, "Size %u is too small for an IPv6 Destination "
		    "(at least %d)", l->size, LOAD_MIN6);
	if (l->size > c->mtu)
		errat(p, line, "Size %u is larger than the MTU (%u)", l->size,
		    c->mtu);
	if (l->duration_ms != 0 || l->count != 0)
		return;
	if (l->replay == NULL)
		l->duration_ms = LOAD_DURATION_DEFAULT;
	else if (l->loops == 0)
		errat(p, line, "Loops = 0 replays forever: give a Duration or "
		    "a Count");
}

/* One -L argument, "key=value", as a line of the [Load] section. */
static void
load_arg(struct parser *p, const char *arg)
{
	char	buf[CONF_LINE_MAX + 1], shown[SHOW_MAX + 4], *eq;
	size_t	n = strlen(arg);

	/* Each argument may override the file and the ones before it. */
	memset(p->seen, 0, sizeof(p->seen));
	p->section = SEC_LOAD;
	if (n > CONF_LINE_MAX) {
		err(p, "argument longer than %d bytes", CONF_LINE_MAX);
		return;
	}
	memcpy(buf, arg, n + 1);
	if ((eq = strchr(buf, '=')) == NULL)
		err(p, "expected key=value, not \"%s\"", show(shown, buf));
	else
		key_line(p, buf, eq);
}

int
conf_set_load(struct conf *c, char *const *args, size_t n,
    struct conf_errors *errs)
{
	struct parser	p;
	size_t		i;

	memset(&p, 0, sizeof(p));
	p.name = "-L";
	p.conf = c;
	for (i = 0; i < n; i++) {
		c->load.enabled = 1;
		load_arg(&p, args[i]);
	}
	if (c->load.enabled)
		check_load(&p);
	flush_errors(&p, errs);
	if (p.nomem)
		conf_error(errs, "%s: out of memory", c->path);
	return p.nerr != 0 || p.nomem ? -1 : 0;
}

static void
strings_free(struct conf_strings *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

int
conf_set_capture(struct conf *c, const char *path, struct conf_errors *errs)
{
	char	*dup;

	if (*path == '\0' || (dup = strdup(path)) == NULL) {
		conf_error(errs, "-w: %s", *path == '\0' ?
		    "expected a file name" : strerror(errno));
		return -1;
	}
	free(c->capture);
	c->capture = dup;
	return 0;
}

void
conf_wipe_keys(struct conf *c)
{
	size_t	i;

	crypto_wipe(c->private_key, sizeof(c->private_key));
	for (i = 0; i < c->n_peers; i++)
		crypto_wipe(c->peers[i].preshared_key,
		    sizeof(c->peers[i].preshared_key));
}

void
conf_free(struct conf *c)
{
	size_t	i;

	if (c == NULL)
		return;
	conf_wipe_keys(c);
	for (i = 0; i < c->n_peers; i++) {
		free(c->peers[i].allowed_ips);
		free(c->peers[i].endpoint_host);
	}
	free(c->peers);
	free(c->addresses);
	strings_free(&c->pre_up);
	strings_free(&c->post_up);
	strings_free(&c->pre_down);
	strings_free(&c->post_down);
	strings_free(&c->dns);
	free(c->capture);
	free(c->chroot);
	free(c->control_socket);
	free(c->load.replay);
	free(c->load.report);
	free(c->load.plot);
	free(c->path);
	free(c);
}

void
conf_errors_clear(struct conf_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

/* Everything a peer is configured with; where it was in the file is not. */
int
conf_peer_equal(const struct conf_peer *a, const struct conf_peer *b)
{
	size_t	i;

	if (memcmp(a->public_key, b->public_key, KEY_LEN) != 0 ||
	    a->has_preshared_key != b->has_preshared_key ||
	    !crypto_equal(a->preshared_key, b->preshared_key, KEY_LEN) ||
	    a->n_allowed_ips != b->n_allowed_ips ||
	    (a->endpoint_host == NULL) != (b->endpoint_host == NULL) ||
	    (a->endpoint_host != NULL &&
	    strcmp(a->endpoint_host, b->endpoint_host) != 0) ||
	    a->endpoint_port != b->endpoint_port ||
	    a->endpoint_len != b->endpoint_len ||
	    memcmp(&a->endpoint, &b->endpoint, a->endpoint_len) != 0 ||
	    a->persistent_keepalive != b->persistent_keepalive)
		return 0;
	for (i = 0; i < a->n_allowed_ips; i++)
		if (!prefix_equal(&a->allowed_ips[i], &b->allowed_ips[i]))
			return 0;
	return 1;
}
