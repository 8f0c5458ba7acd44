/*
 * IPv4 and IPv6 prefixes.  Addresses are parsed with inet_pton(3), which is
 * strict on every system tund runs on: four decimal parts for IPv4, no
 * scope ids for IPv6.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "prefix.h"

static int
parse_plen(const char *s, unsigned max, unsigned *plen, const char **why)
{
	unsigned	v = 0;

	if (*s == '\0') {
		*why = "missing prefix length after '/'";
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			*why = "prefix length is not a number";
			return -1;
		}
		/* Stop early: the digits could otherwise overflow v. */
		if ((v = v * 10 + (unsigned)(*s - '0')) > max) {
			*why = "prefix length out of range";
			return -1;
		}
	}
	*plen = v;
	return 0;
}

int
prefix_parse(struct prefix *pfx, const char *s, const char **why)
{
	struct prefix	 p;
	char		 buf[INET6_ADDRSTRLEN];
	const char	*slash, *dummy;
	size_t		 n;
	unsigned	 plen;

	if (why == NULL)
		why = &dummy;
	memset(&p, 0, sizeof(p));
	slash = strchr(s, '/');
	n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, p.addr) == 1)
		p.family = 4;
	else if (inet_pton(AF_INET6, buf, p.addr) == 1)
		p.family = 6;
	else {
		*why = strchr(buf, '%') != NULL ? "scope ids are not allowed" :
		    "not an IPv4 or IPv6 address";
		return -1;
	}
	plen = (unsigned)prefix_addrlen(&p) * 8;
	if (slash != NULL && parse_plen(slash + 1, plen, &plen, why) == -1)
		return -1;
	p.plen = (uint8_t)plen;
	*pfx = p;
	return 0;
}

void
prefix_mask(struct prefix *p)
{
	size_t		i, len = prefix_addrlen(p);
	unsigned	bits = p->plen;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			p->addr[i] &= (uint8_t)(0xff << (8 - bits));
			bits = 0;
		}
	}
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	/* Cannot fail: the family is known and addr is large enough. */
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, addr,
	    sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, p->plen);
	return buf;
}

int
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	    memcmp(a->addr, b->addr, prefix_addrlen(a)) == 0;
}

int
prefix_contains(const struct prefix *p, const uint8_t *addr)
{
	size_t		whole = p->plen / 8;
	unsigned	rest = p->plen % 8;
	uint8_t		mask;

	if (memcmp(p->addr, addr, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return ((p->addr[whole] ^ addr[whole]) & mask) == 0;
}

size_t
prefix_addrlen(const struct prefix *p)
{
	return p->family == 4 ? 4 : 16;
}
