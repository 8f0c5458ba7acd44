/*
 * IPv4 and IPv6 prefixes (an address and a length), as they appear in
 * Address and AllowedIPs.  Pure code: no I/O.
 */
#ifndef TUND_PREFIX_H
#define TUND_PREFIX_H

#include <stddef.h>
#include <stdint.h>

struct prefix {
	uint8_t	 family;	/* 4 or 6: the IP version, never an AF_* */
	uint8_t	 plen;		/* prefix length in bits */
	uint8_t	 addr[16];	/* network byte order; IPv4 in the first 4 */
};

#define PREFIX_STRLEN	(46 + 4)	/* "ffff:...:ffff/128" */

/*
 * Parse "a.b.c.d", "a.b.c.d/n", "x::y" or "x::y/n".  A bare address gets the
 * full length.  Returns 0, or -1 with *why set to a static message.
 */
int	 prefix_parse(struct prefix *, const char *, const char **why);
/* Zero the bits past plen (AllowedIPs 10.0.0.1/8 means 10.0.0.0/8). */
void	 prefix_mask(struct prefix *);
/* The prefix as "addr/plen" in buf (PREFIX_STRLEN bytes). */
const char *prefix_fmt(const struct prefix *, char *buf, size_t len);
int	 prefix_equal(const struct prefix *, const struct prefix *);
/* Whether addr (of the prefix's family) lies inside the prefix. */
int	 prefix_contains(const struct prefix *, const uint8_t *addr);
size_t	 prefix_addrlen(const struct prefix *);

#endif
