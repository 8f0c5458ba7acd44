/*
 * Linux tun offloads: the virtio-net header, splitting super-packets,
 * coalescing TCP segments.  See offload.h.
 *
 * Splitting does what the kernel's tcp_gso_segment and udp4/6 USO do:
 * every segment gets the headers of the super-packet with its own IP
 * length, IPv4 id (one more per segment) and header checksum, sequence
 * number or UDP length, and a full L4 checksum; FIN and PSH stay on the
 * last TCP segment, CWR on the first.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "inet.h"
#include "offload.h"

enum {
	IP4_HDRLEN = 20,
	IP6_HDRLEN = 40,
	TCP_HDRLEN = 20,
	UDP_HDRLEN = 8,
	TCP_CSUM = 16,		/* checksum field offsets in the L4 header */
	UDP_CSUM = 6,
	IP4_DF = 0x4000,
	IP4_MF = 0x2000,
	IP4_OFFMASK = 0x1fff,
	TH_FIN = 0x01,
	TH_PSH = 0x08,
	TH_ACK = 0x10,
	TH_ECE = 0x40,
	TH_CWR = 0x80
};

static uint16_t
getle16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void
putle16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/*
 * Store the checksum of a sum in an L4 header.  0 goes out as 0xffff, the
 * same in one's complement, since 0 means "none" to UDP (RFC 768).
 */
static void
put_csum(uint8_t *p, uint64_t acc)
{
	uint16_t	c = inet_cksum(acc);

	inet_put16(p, c == 0 ? 0xffff : c);
}

/*
 * Where the L4 header starts in an IP packet of exactly len bytes that
 * carries proto right after the IP header, not in an IPv4 fragment; 0
 * for any other packet.
 */
static size_t
l4offset(const uint8_t *pkt, size_t len, uint8_t proto)
{
	size_t	hl;

	if (len < IP4_HDRLEN)
		return 0;
	switch (pkt[0] >> 4) {
	case 4:
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl < IP4_HDRLEN || hl > len || inet_get16(pkt + 2) != len ||
		    pkt[9] != proto ||
		    (inet_get16(pkt + 6) & (IP4_MF | IP4_OFFMASK)) != 0)
			return 0;
		return hl;
	case 6:
		if (len < IP6_HDRLEN || pkt[6] != proto ||
		    (size_t)inet_get16(pkt + 4) + IP6_HDRLEN != len)
			return 0;
		return IP6_HDRLEN;
	default:
		return 0;
	}
}

/* The length of a TCP header at l4off, or 0 if it does not fit in len. */
static size_t
tcp_hlen(const uint8_t *pkt, size_t len, size_t l4off)
{
	size_t	thl;

	if (l4off + TCP_HDRLEN > len)
		return 0;
	thl = (size_t)(pkt[l4off + 12] >> 4) * 4;
	if (thl < TCP_HDRLEN || l4off + thl > len)
		return 0;
	return thl;
}

/* Set the IP length of a packet now len bytes, and the IPv4 checksum. */
static void
set_iplen(uint8_t *pkt, size_t len)
{
	size_t	hl;

	if (pkt[0] >> 4 == 6) {
		inet_put16(pkt + 4, (uint32_t)(len - IP6_HDRLEN));
		return;
	}
	hl = (size_t)(pkt[0] & 0x0f) * 4;
	inet_put16(pkt + 2, (uint32_t)len);
	inet_put16(pkt + 10, 0);
	inet_put16(pkt + 10, (uint16_t)~inet_fold(inet_sum(0, pkt, hl)));
}

void
offload_vnet_decode(struct offload_vnet *v, const uint8_t *hdr)
{
	v->flags = hdr[0];
	v->gso_type = hdr[1];
	v->hdr_len = getle16(hdr + 2);
	v->gso_size = getle16(hdr + 4);
	v->csum_start = getle16(hdr + 6);
	v->csum_offset = getle16(hdr + 8);
}

void
offload_vnet_encode(uint8_t *hdr, const struct offload_vnet *v)
{
	hdr[0] = v->flags;
	hdr[1] = v->gso_type;
	putle16(hdr + 2, v->hdr_len);
	putle16(hdr + 4, v->gso_size);
	putle16(hdr + 6, v->csum_start);
	putle16(hdr + 8, v->csum_offset);
}

/*
 * Complete a partial checksum: the field holds the pseudo-header's sum,
 * the rest is summed from csum_start to the end, as skb_checksum_help()
 * does.  An odd csum_offset would put the field across the sum's words.
 */
static int
complete(const struct offload_vnet *v, uint8_t *pkt, size_t len)
{
	size_t	start = v->csum_start, at = start + v->csum_offset;

	if (at + 2 > len || v->csum_offset % 2 != 0)
		return -1;
	put_csum(pkt + at, inet_sum(0, pkt + start, len - start));
	return 0;
}

int
offload_split_init(struct offload_split *s, const uint8_t *vnet,
    uint8_t *pkt, size_t len, size_t maxlen)
{
	struct offload_vnet	v;
	size_t			l4off, hlen, first;
	uint8_t			proto;
	int			ipv;

	offload_vnet_decode(&v, vnet);
	if (v.gso_type == VNET_GSO_NONE) {
		if ((v.flags & VNET_F_NEEDS_CSUM) == 0)
			return 0;
		return complete(&v, pkt, len);
	}
	switch (v.gso_type & ~VNET_GSO_ECN) {
	case VNET_GSO_TCPV4:
		ipv = 4;
		proto = IPPROTO_TCP;
		break;
	case VNET_GSO_TCPV6:
		ipv = 6;
		proto = IPPROTO_TCP;
		break;
	case VNET_GSO_UDP_L4:
		if (v.gso_type & VNET_GSO_ECN)
			return -1;
		ipv = 0;
		proto = IPPROTO_UDP;
		break;
	default:
		return -1;
	}
	/* hdr_len is skb_headlen() on Linux, not the headers: ignore it. */
	if ((v.flags & VNET_F_NEEDS_CSUM) == 0 || v.gso_size == 0)
		return -1;
	if ((l4off = l4offset(pkt, len, proto)) == 0 ||
	    (ipv != 0 && pkt[0] >> 4 != ipv) || v.csum_start != l4off)
		return -1;
	if (proto == IPPROTO_TCP) {
		if (v.csum_offset != TCP_CSUM ||
		    (hlen = tcp_hlen(pkt, len, l4off)) == 0)
			return -1;
		hlen += l4off;
	} else {
		if (v.csum_offset != UDP_CSUM)
			return -1;
		hlen = l4off + UDP_HDRLEN;
	}
	if (hlen >= len)
		return -1;
	first = len - hlen < v.gso_size ? len - hlen : v.gso_size;
	if (hlen + first > maxlen)
		return -1;

	s->pkt = pkt;
	s->len = len;
	s->l4off = l4off;
	s->hlen = hlen;
	s->mss = v.gso_size;
	s->off = hlen;
	s->proto = proto;
	return (int)((len - hlen + s->mss - 1) / s->mss);
}

size_t
offload_split_next(struct offload_split *s, uint8_t *out)
{
	uint8_t		*l4 = out + s->l4off;
	size_t		 done, pay, seglen, l4len, i, field;

	if (s->off >= s->len)
		return 0;
	done = s->off - s->hlen;
	i = done / s->mss;
	pay = s->len - s->off < s->mss ? s->len - s->off : s->mss;
	seglen = s->hlen + pay;
	l4len = seglen - s->l4off;
	memcpy(out, s->pkt, s->hlen);
	memcpy(out + s->hlen, s->pkt + s->off, pay);

	if (out[0] >> 4 == 4)
		inet_put16(out + 4, inet_get16(out + 4) + (uint32_t)i);
	set_iplen(out, seglen);
	if (s->proto == IPPROTO_TCP) {
		inet_put32(l4 + 4, inet_get32(l4 + 4) + (uint32_t)done);
		if (s->off + pay < s->len)
			l4[13] &= ~(TH_FIN | TH_PSH);
		if (i > 0)
			l4[13] &= ~TH_CWR;
		field = TCP_CSUM;
	} else {
		inet_put16(l4 + 4, (uint32_t)l4len);
		field = UDP_CSUM;
	}
	inet_put16(l4 + field, 0);
	put_csum(l4 + field, inet_sum(inet_pseudo(out, s->proto, l4len), l4, l4len));

	s->off += pay;
	return seglen;
}

/*
 * The offset of the TCP header of a segment that may be coalesced, its
 * headers' length in *hlen; 0 for any other packet.  Checksums are left
 * to tcp_valid(), the costly part.
 */
static size_t
candidate(const uint8_t *pkt, size_t len, size_t *hlen)
{
	size_t	l4off, thl;

	if ((l4off = l4offset(pkt, len, IPPROTO_TCP)) == 0)
		return 0;
	if (pkt[0] >> 4 == 4 && l4off != IP4_HDRLEN)
		return 0;
	if ((thl = tcp_hlen(pkt, len, l4off)) == 0 || l4off + thl == len)
		return 0;
	if ((pkt[l4off + 13] & ~(TH_PSH | TH_ECE)) != TH_ACK)
		return 0;
	*hlen = l4off + thl;
	return l4off;
}

static int
tcp_valid(const uint8_t *pkt, size_t len, size_t l4off)
{
	if (pkt[0] >> 4 == 4 && inet_fold(inet_sum(0, pkt, l4off)) != 0xffff)
		return 0;
	return inet_fold(inet_sum(inet_pseudo(pkt, IPPROTO_TCP, len - l4off),
	    pkt + l4off, len - l4off)) == 0xffff;
}

/*
 * Whether b's headers match a's but for what changes from one segment to
 * the next: IP length, IPv4 id and checksum, sequence number, PSH and
 * TCP checksum.
 */
static int
same_flow(const uint8_t *a, const uint8_t *b, size_t l4off, size_t hlen)
{
	const uint8_t	*ta = a + l4off, *tb = b + l4off;

	if (a[0] >> 4 == 4) {
		if (memcmp(a, b, 2) != 0 || memcmp(a + 6, b + 6, 4) != 0 ||
		    memcmp(a + 12, b + 12, 8) != 0)
			return 0;
	} else if (memcmp(a, b, 4) != 0 || memcmp(a + 6, b + 6, 34) != 0)
		return 0;
	return memcmp(ta, tb, 4) == 0 && memcmp(ta + 8, tb + 8, 5) == 0 &&
	    ((ta[13] ^ tb[13]) & ~TH_PSH) == 0 &&
	    memcmp(ta + 14, tb + 14, 2) == 0 &&
	    memcmp(ta + 18, tb + 18, hlen - l4off - 18) == 0;
}

/*
 * IPv4 ids count up by one per segment or, with DF, may stay fixed, as
 * the kernel's GRO wants; the second segment tells which.  Counting up
 * keeps the ids the kernel gives the segments if it splits the run again.
 */
static int
id_follows(struct offload_gro *g, const uint8_t *pkt)
{
	uint16_t	first = inet_get16(g->pkt + 4), id = inet_get16(pkt + 4);

	if (pkt[0] >> 4 != 4)
		return 1;
	if (g->n == 1)
		g->idstep = id == first && (inet_get16(pkt + 6) & IP4_DF) ? 0 : 1;
	return id == (uint16_t)(first + g->n * (unsigned int)g->idstep);
}

void
offload_gro_start(struct offload_gro *g, uint8_t *pkt, size_t len,
    size_t room)
{
	memset(g, 0, sizeof(*g));
	g->pkt = pkt;
	g->len = len;
	g->room = room < OFFLOAD_MAXLEN ? room : OFFLOAD_MAXLEN;
	g->n = 1;
	if (len > g->room || (g->l4off = candidate(pkt, len, &g->hlen)) == 0 ||
	    !tcp_valid(pkt, len, g->l4off)) {
		g->l4off = 0;
		return;
	}
	g->mss = len - g->hlen;
	g->seq = inet_get32(pkt + g->l4off + 4) + (uint32_t)g->mss;
	g->open = (pkt[g->l4off + 13] & TH_PSH) == 0;
}

int
offload_gro_add(struct offload_gro *g, const uint8_t *pkt, size_t len)
{
	size_t	l4off, hlen, pay;
	int	psh;

	if (!g->open || (l4off = candidate(pkt, len, &hlen)) == 0 ||
	    l4off != g->l4off || hlen != g->hlen)
		return -1;
	pay = len - hlen;
	if (pay > g->mss || pay > g->room - g->len ||
	    inet_get32(pkt + l4off + 4) != g->seq ||
	    !same_flow(g->pkt, pkt, l4off, hlen) || !id_follows(g, pkt) ||
	    !tcp_valid(pkt, len, l4off))
		return -1;

	/*
	 * The run may grow over the datagrams it came in, this one's own
	 * header included: read what is needed of it before the memmove.
	 */
	psh = pkt[l4off + 13] & TH_PSH;
	memmove(g->pkt + g->len, pkt + hlen, pay);
	g->len += pay;
	g->seq += (uint32_t)pay;
	g->n++;
	if (psh) {
		g->pkt[l4off + 13] |= TH_PSH;
		g->open = 0;
	}
	if (pay < g->mss)
		g->open = 0;
	return 0;
}

/*
 * A super-packet goes to the kernel as CHECKSUM_PARTIAL: the TCP checksum
 * field holds the pseudo-header's sum over the whole length, which the
 * kernel adjusts per segment if it splits it again.
 */
size_t
offload_gro_finish(struct offload_gro *g, uint8_t *vnet)
{
	struct offload_vnet	v;

	memset(&v, 0, sizeof(v));
	if (g->n > 1) {
		set_iplen(g->pkt, g->len);
		inet_put16(g->pkt + g->l4off + TCP_CSUM,
		    inet_fold(inet_pseudo(g->pkt, IPPROTO_TCP, g->len - g->l4off)));
		v.flags = VNET_F_NEEDS_CSUM;
		v.gso_type = g->pkt[0] >> 4 == 4 ? VNET_GSO_TCPV4 :
		    VNET_GSO_TCPV6;
		v.hdr_len = (uint16_t)g->hlen;
		v.gso_size = (uint16_t)g->mss;
		v.csum_start = (uint16_t)g->l4off;
		v.csum_offset = TCP_CSUM;
	}
	offload_vnet_encode(vnet, &v);
	return g->len;
}
