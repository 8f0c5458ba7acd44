/*
 * ICMP and ICMPv6 destination unreachable errors for packets tund cannot
 * route.  See icmp.h.  The rules on when not to answer are those of
 * RFC 1812 4.3.2.7 and RFC 4443 2.4 (e).
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <string.h>

#include "icmp.h"
#include "inet.h"

enum {
	IP4_HDRLEN = 20,
	IP6_HDRLEN = 40,
	ICMP_HDRLEN = 8,	/* type, code, checksum, 4 unused bytes */
	QUOTE_MIN = 8,		/* RFC 792: 64 bits past the IP header */
	HOPS = 64,		/* TTL and hop limit of the error */
	ICMP4_UNREACH = 3,
	ICMP4_UNREACH_HOST = 1,
	ICMP6_UNREACH = 1,
	ICMP6_UNREACH_ADDR = 3,
	ICMP6_INFO = 128,	/* ICMPv6 types below are errors */
	ICMP6_REDIRECT = 137
};

static const uint8_t	in6_any[16];
static const uint8_t	in6_loopback[16] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
};

/*
 * How much of a packet of pktlen bytes, hlen of them its IP header, an
 * error of hdrs bytes of headers can quote within max and outlen; 0 if
 * the room does not reach the quote RFC 792 requires.
 */
static size_t
quotelen(size_t pktlen, size_t hlen, size_t outlen, size_t max, size_t hdrs)
{
	size_t	room, need;

	room = outlen < max ? outlen : max;
	need = hlen + QUOTE_MIN < pktlen ? hlen + QUOTE_MIN : pktlen;
	if (room < hdrs + need)
		return 0;
	return pktlen < room - hdrs ? pktlen : room - hdrs;
}

/* A source that names no single host: 0.0.0.0, broadcast, 224/4, 127/8. */
static int
badsrc4(const uint8_t *a)
{
	uint32_t	v = inet_get32(a);

	return v == 0 || v == 0xffffffff || v >> 28 == 0xe || v >> 24 == 127;
}

/* Multicast (224/4) or the limited broadcast address. */
static int
groupdst4(const uint8_t *a)
{
	uint32_t	v = inet_get32(a);

	return v >> 28 == 0xe || v == 0xffffffff;
}

static int
icmperror4(uint8_t type)
{
	switch (type) {
	case 3:		/* destination unreachable */
	case 4:		/* source quench */
	case 5:		/* redirect */
	case 11:	/* time exceeded */
	case 12:	/* parameter problem */
		return 1;
	default:
		return 0;
	}
}

/* The IPv4 packets that must draw no error; hlen and tot are checked. */
static int
silent4(const uint8_t *pkt, size_t hlen, size_t tot)
{
	if ((inet_get16(pkt + 6) & 0x1fff) != 0)	/* not the first fragment */
		return 1;
	if (badsrc4(pkt + 12) || groupdst4(pkt + 16))
		return 1;
	if (pkt[9] == IPPROTO_ICMP)	/* no type to look at is no answer */
		return tot == hlen || icmperror4(pkt[hlen]);
	return 0;
}

static size_t
unreach4(uint8_t *out, size_t outlen, const uint8_t *pkt, size_t len,
    const uint8_t *src)
{
	uint8_t	*icmp = out + IP4_HDRLEN;
	size_t	 hlen, tot, n;

	if (len < IP4_HDRLEN)
		return 0;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	tot = inet_get16(pkt + 2);
	if (hlen < IP4_HDRLEN || hlen > tot || tot > len)
		return 0;
	if (silent4(pkt, hlen, tot))
		return 0;
	n = quotelen(tot, hlen, outlen, ICMP4_MAXLEN, IP4_HDRLEN + ICMP_HDRLEN);
	if (n == 0)
		return 0;

	/* TOS, ID, flags and fragment offset all zero: DF clear. */
	memset(out, 0, IP4_HDRLEN + ICMP_HDRLEN);
	out[0] = 0x45;
	inet_put16(out + 2, IP4_HDRLEN + ICMP_HDRLEN + n);
	out[8] = HOPS;
	out[9] = IPPROTO_ICMP;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, pkt + 12, 4);
	inet_put16(out + 10, inet_cksum(inet_sum(0, out, IP4_HDRLEN)));

	icmp[0] = ICMP4_UNREACH;
	icmp[1] = ICMP4_UNREACH_HOST;
	memcpy(icmp + ICMP_HDRLEN, pkt, n);
	inet_put16(icmp + 2, inet_cksum(inet_sum(0, icmp, ICMP_HDRLEN + n)));
	return IP4_HDRLEN + ICMP_HDRLEN + n;
}

/* A source that names no single host: ::, ::1, multicast. */
static int
badsrc6(const uint8_t *a)
{
	return memcmp(a, in6_any, 16) == 0 ||
	    memcmp(a, in6_loopback, 16) == 0 || a[0] == 0xff;
}

/* RFC 4443 2.4 (e): no error for an error, nor for a redirect. */
static int
icmperror6(uint8_t type)
{
	return type < ICMP6_INFO || type == ICMP6_REDIRECT;
}

/*
 * The IPv6 packets that must draw no error.  Only the first next header
 * is looked at: an ICMPv6 error behind extension headers is not seen.
 */
static int
silent6(const uint8_t *pkt, size_t tot)
{
	if (badsrc6(pkt + 8) || pkt[24] == 0xff)
		return 1;
	if (pkt[6] == IPPROTO_ICMPV6)	/* no type to look at is no answer */
		return tot == IP6_HDRLEN || icmperror6(pkt[IP6_HDRLEN]);
	return 0;
}

static size_t
unreach6(uint8_t *out, size_t outlen, const uint8_t *pkt, size_t len,
    const uint8_t *src)
{
	uint8_t		*icmp = out + IP6_HDRLEN;
	uint64_t	 acc;
	size_t		 tot, n, plen;

	if (len < IP6_HDRLEN)
		return 0;
	tot = IP6_HDRLEN + (size_t)inet_get16(pkt + 4);
	if (tot > len)
		return 0;
	if (silent6(pkt, tot))
		return 0;
	n = quotelen(tot, IP6_HDRLEN, outlen, ICMP6_MAXLEN,
	    IP6_HDRLEN + ICMP_HDRLEN);
	if (n == 0)
		return 0;
	plen = ICMP_HDRLEN + n;

	/* Traffic class and flow label zero. */
	memset(out, 0, IP6_HDRLEN + ICMP_HDRLEN);
	out[0] = 0x60;
	inet_put16(out + 4, plen);
	out[6] = IPPROTO_ICMPV6;
	out[7] = HOPS;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, pkt + 8, 16);

	icmp[0] = ICMP6_UNREACH;
	icmp[1] = ICMP6_UNREACH_ADDR;
	memcpy(icmp + ICMP_HDRLEN, pkt, n);
	/* RFC 8200 8.1 pseudo-header: both addresses, length, next header. */
	acc = inet_pseudo(out, IPPROTO_ICMPV6, plen);
	inet_put16(icmp + 2, inet_cksum(inet_sum(acc, icmp, plen)));
	return IP6_HDRLEN + plen;
}

size_t
icmp_unreachable(uint8_t *out, size_t outlen, const uint8_t *pkt, size_t len,
    const uint8_t *src)
{
	if (len == 0)
		return 0;
	switch (pkt[0] >> 4) {
	case 4:
		return unreach4(out, outlen, pkt, len, src);
	case 6:
		return unreach6(out, outlen, pkt, len, src);
	default:
		return 0;
	}
}
