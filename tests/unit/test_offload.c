/*
 * Tests for offload.c: splitting TSO and USO super-packets, coalescing
 * TCP segments back, and refusing every malformed header and packet.
 * Checksums are checked with a sum written here, 16 bits at a time,
 * independent of the one in offload.c.  Run under -fsanitize=address:
 * the malformed inputs live in buffers of their exact size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "t.h"

enum {
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	F_FIN = 0x01,
	F_SYN = 0x02,
	F_RST = 0x04,
	F_PSH = 0x08,
	F_ACK = 0x10,
	F_URG = 0x20,
	F_ECE = 0x40,
	F_CWR = 0x80,
	MSS = 1380,
	PAYLEN = 20000,
	MTU = 1500,
	BIG = OFFLOAD_MAXLEN + 128
};

static const uint8_t	tsopt[12] = {
	1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0
};

/* What build() puts in a packet. */
struct flow {
	int		 ipv;
	uint8_t		 proto;
	uint8_t		 tos;		/* or traffic class */
	uint8_t		 ttl;		/* or hop limit */
	uint32_t	 label;		/* IPv6 flow label */
	int		 df;
	int		 ipopt;		/* 4 bytes of IPv4 options */
	uint16_t	 id;
	uint16_t	 sport;
	uint8_t		 dst;		/* last byte of the destination */
	uint32_t	 seq;
	uint32_t	 ack;
	uint8_t		 flags;
	uint16_t	 win;
	const uint8_t	*opt;
	size_t		 optlen;
	int		 seed;		/* L4 checksum: pseudo-header's sum */
};

static uint32_t	rnd_state = 0x2545f491;
static uint8_t	payload[PAYLEN];

static uint32_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t
sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n % 2)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
fold16(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static size_t
iphlen(const uint8_t *p)
{
	return p[0] >> 4 == 4 ? (size_t)(p[0] & 15) * 4 : 40;
}

static uint32_t
pseudo16(const uint8_t *p, uint8_t proto, size_t l4len)
{
	uint32_t	acc;

	acc = p[0] >> 4 == 4 ? sum16(0, p + 12, 8) : sum16(0, p + 8, 32);
	return acc + proto + (uint32_t)l4len;
}

/* A valid L4 checksum sums to 0xffff with the pseudo-header. */
static int
l4_ok(const uint8_t *p, size_t len, uint8_t proto)
{
	size_t	hl = iphlen(p);

	return fold16(sum16(pseudo16(p, proto, len - hl), p + hl,
	    len - hl)) == 0xffff;
}

static int
ip4_ok(const uint8_t *p)
{
	return fold16(sum16(0, p, iphlen(p))) == 0xffff;
}

static void
ip4_fix(uint8_t *p)
{
	put16(p + 10, 0);
	put16(p + 10, (uint16_t)~fold16(sum16(0, p, iphlen(p))));
}

static void
l4_fix(uint8_t *p, size_t len, uint8_t proto, int seed)
{
	size_t		 hl = iphlen(p), at;
	uint16_t	 c;

	at = hl + (proto == PROTO_TCP ? 16 : 6);
	put16(p + at, 0);
	if (seed) {
		put16(p + at, fold16(pseudo16(p, proto, len - hl)));
		return;
	}
	c = (uint16_t)~fold16(sum16(pseudo16(p, proto, len - hl), p + hl,
	    len - hl));
	put16(p + at, c == 0 ? 0xffff : c);
}

/* An IP packet of f carrying pay; returns its length. */
static size_t
build(uint8_t *p, const struct flow *f, const uint8_t *pay, size_t paylen)
{
	size_t		 hl, l4hl, len;
	uint8_t		*l4;

	if (f->ipv == 4) {
		hl = f->ipopt ? 24 : 20;
		memset(p, 0, hl);
		p[0] = (uint8_t)(0x40 | hl / 4);
		p[1] = f->tos;
		put16(p + 4, f->id);
		put16(p + 6, f->df ? 0x4000 : 0);
		p[8] = f->ttl;
		p[9] = f->proto;
		put32(p + 12, 0xc6120001);		/* 198.18.0.1 */
		put32(p + 16, 0xc6130000 | f->dst);	/* 198.19.0.x */
		if (f->ipopt)
			put32(p + 20, 0x01010100);	/* NOP NOP NOP EOL */
	} else {
		hl = 40;
		memset(p, 0, hl);
		put32(p, 6u << 28 | (uint32_t)f->tos << 20 | f->label);
		p[6] = f->proto;
		p[7] = f->ttl;
		put32(p + 8, 0x20010db8);
		p[23] = 1;
		put32(p + 24, 0x20010db8);
		p[39] = f->dst;
	}
	l4 = p + hl;
	if (f->proto == PROTO_TCP) {
		l4hl = 20 + f->optlen;
		memset(l4, 0, 20);
		put16(l4, f->sport);
		put16(l4 + 2, 5201);
		put32(l4 + 4, f->seq);
		put32(l4 + 8, f->ack);
		l4[12] = (uint8_t)(l4hl / 4 << 4);
		l4[13] = f->flags;
		put16(l4 + 14, f->win);
		memcpy(l4 + 20, f->opt, f->optlen);
	} else {
		l4hl = 8;
		put16(l4, f->sport);
		put16(l4 + 2, 5201);
		put16(l4 + 4, (uint32_t)(l4hl + paylen));
	}
	memcpy(l4 + l4hl, pay, paylen);
	len = hl + l4hl + paylen;
	if (f->ipv == 4) {
		put16(p + 2, (uint32_t)len);
		ip4_fix(p);
	} else
		put16(p + 4, (uint32_t)(len - 40));
	l4_fix(p, len, f->proto, f->seed);
	return len;
}

static struct flow
tcp_flow(int ipv)
{
	struct flow	f;

	memset(&f, 0, sizeof(f));
	f.ipv = ipv;
	f.proto = PROTO_TCP;
	f.tos = 0x10;
	f.ttl = 64;
	f.label = 0x12345;
	f.df = 1;
	f.id = 0xfff8;			/* wraps while splitting */
	f.sport = 40000;
	f.dst = 1;
	f.seq = 0xffffe000;		/* so does the sequence number */
	f.ack = 0x01020304;
	f.flags = F_ACK | F_PSH;
	f.win = 502;
	f.opt = tsopt;
	f.optlen = sizeof(tsopt);
	return f;
}

static void
vnet(uint8_t *hdr, uint8_t flags, uint8_t type, uint16_t hdrlen,
    uint16_t gso, uint16_t start, uint16_t off)
{
	struct offload_vnet	v;

	v.flags = flags;
	v.gso_type = type;
	v.hdr_len = hdrlen;
	v.gso_size = gso;
	v.csum_start = start;
	v.csum_offset = off;
	offload_vnet_encode(hdr, &v);
}

/* A super-packet as tun hands it out, and its header. */
static size_t
super(uint8_t *p, uint8_t *hdr, struct flow *f, size_t paylen, uint16_t mss)
{
	size_t	len, hl;
	uint8_t	type;

	f->seed = 1;
	len = build(p, f, payload, paylen);
	f->seed = 0;
	hl = iphlen(p);
	if (f->proto == PROTO_UDP)
		type = VNET_GSO_UDP_L4;
	else
		type = f->ipv == 4 ? VNET_GSO_TCPV4 : VNET_GSO_TCPV6;
	if (f->flags & F_CWR)
		type |= VNET_GSO_ECN;
	/* hdr_len as Linux sets it: the linear part, here all of it */
	vnet(hdr, VNET_F_NEEDS_CSUM, type, (uint16_t)len, mss, (uint16_t)hl,
	    f->proto == PROTO_TCP ? 16 : 6);
	return len;
}

static void
test_vnet_codec(void)
{
	struct offload_vnet	v;
	uint8_t			hdr[VNET_HDR_LEN];
	static const uint8_t	want[VNET_HDR_LEN] = {
		0x01, 0x81, 0x42, 0x00, 0x64, 0x05, 0x14, 0x00, 0x10, 0x00
	};

	vnet(hdr, VNET_F_NEEDS_CSUM, VNET_GSO_TCPV4 | VNET_GSO_ECN, 66, 1380,
	    20, 16);
	CHECK_MEM(hdr, want, sizeof(want));
	offload_vnet_decode(&v, want);
	CHECK_INT(v.flags, 1);
	CHECK_INT(v.gso_type, 0x81);
	CHECK_INT(v.hdr_len, 66);
	CHECK_INT(v.gso_size, 1380);
	CHECK_INT(v.csum_start, 20);
	CHECK_INT(v.csum_offset, 16);
}

/*
 * Split a TCP super-packet with FIN, PSH and CWR into out[] and check
 * every segment against what the kernel's TSO would have sent.
 */
static void
split_tcp(int ipv, uint8_t flags)
{
	static uint8_t		 pkt[BIG], whole[PAYLEN];
	struct offload_split	 s;
	struct flow		 f = tcp_flow(ipv);
	uint8_t			 hdr[VNET_HDR_LEN], *out, *l4;
	size_t			 len, seglen, hl, hlen, pay, got = 0;
	size_t			 alen = ipv == 4 ? 4 : 16;
	int			 i, n;

	f.flags = flags;
	len = super(pkt, hdr, &f, PAYLEN, MSS);
	hl = iphlen(pkt);
	hlen = hl + 32;
	n = offload_split_init(&s, hdr, pkt, len, hlen + MSS);
	CHECK_INT(n, (PAYLEN + MSS - 1) / MSS);
	CHECK((out = malloc(hlen + MSS)) != NULL);
	for (i = 0; i < n; i++) {
		seglen = offload_split_next(&s, out);
		pay = PAYLEN - got < MSS ? PAYLEN - got : MSS;
		CHECK_INT(seglen, hlen + pay);
		l4 = out + hl;
		if (ipv == 4) {
			CHECK_INT(get16(out + 2), seglen);
			CHECK_INT(get16(out + 4), (uint16_t)(f.id + i));
			CHECK_INT(get16(out + 6), 0x4000);
			CHECK_INT(out[8], f.ttl);
			CHECK_INT(out[1], f.tos);
			CHECK(ip4_ok(out));
		} else {
			CHECK_INT(get16(out + 4), seglen - 40);
			CHECK_INT(get32(out), get32(pkt));
			CHECK_INT(out[7], f.ttl);
		}
		if (ipv == 4)
			CHECK_MEM(out + 8, pkt + 8, 2);
		CHECK_MEM(out + hl - 2 * alen, pkt + hl - 2 * alen, 2 * alen);
		CHECK_INT(get32(l4 + 4), (uint32_t)(f.seq + got));
		CHECK_INT(get32(l4 + 8), f.ack);
		CHECK_INT(l4[13], flags & ~(i > 0 ? F_CWR : 0) &
		    ~(i < n - 1 ? F_FIN | F_PSH : 0));
		CHECK_MEM(l4 + 20, tsopt, sizeof(tsopt));
		CHECK(l4_ok(out, seglen, PROTO_TCP));
		memcpy(whole + got, out + hlen, pay);
		got += pay;
	}
	CHECK_INT(offload_split_next(&s, out), 0);
	CHECK_INT(got, PAYLEN);
	CHECK_MEM(whole, payload, PAYLEN);
	free(out);
}

static void
test_split_tcp4(void)
{
	split_tcp(4, F_ACK | F_PSH | F_FIN | F_CWR);
}

static void
test_split_tcp6(void)
{
	split_tcp(6, F_ACK | F_PSH | F_FIN | F_CWR);
}

static void
test_split_tcp4_plain(void)
{
	split_tcp(4, F_ACK);
}

/* USO with an odd gso_size, so that sums end on odd lengths. */
static void
split_udp(int ipv)
{
	static uint8_t		 pkt[BIG], whole[PAYLEN];
	struct offload_split	 s;
	struct flow		 f = tcp_flow(ipv);
	uint8_t			 hdr[VNET_HDR_LEN], out[MTU];
	size_t			 len, seglen, hl, pay, got = 0, total = 7777;
	int			 i, n;

	f.proto = PROTO_UDP;
	len = super(pkt, hdr, &f, total, 1001);
	hl = iphlen(pkt);
	n = offload_split_init(&s, hdr, pkt, len, sizeof(out));
	CHECK_INT(n, 8);
	for (i = 0; i < n; i++) {
		seglen = offload_split_next(&s, out);
		pay = total - got < 1001 ? total - got : 1001;
		CHECK_INT(seglen, hl + 8 + pay);
		if (ipv == 4) {
			CHECK_INT(get16(out + 2), seglen);
			CHECK_INT(get16(out + 4), (uint16_t)(f.id + i));
			CHECK(ip4_ok(out));
		} else
			CHECK_INT(get16(out + 4), seglen - 40);
		CHECK_INT(get16(out + hl), f.sport);
		CHECK_INT(get16(out + hl + 4), 8 + pay);
		CHECK(get16(out + hl + 6) != 0);
		CHECK(l4_ok(out, seglen, PROTO_UDP));
		memcpy(whole + got, out + hl + 8, pay);
		got += pay;
	}
	CHECK_INT(offload_split_next(&s, out), 0);
	CHECK_INT(got, total);
	CHECK_MEM(whole, payload, total);
}

static void
test_split_udp4(void)
{
	split_udp(4);
}

static void
test_split_udp6(void)
{
	split_udp(6);
}

/* A packet with no GSO: its partial checksum is completed in place. */
static void
test_split_none(void)
{
	static uint8_t		 pkt[MTU], copy[MTU], zeros[100];
	struct offload_split	 s;
	struct flow		 f = tcp_flow(6);
	uint8_t			 hdr[VNET_HDR_LEN];
	size_t			 len;
	uint32_t		 acc;

	f.seed = 1;
	len = build(pkt, &f, payload, 1000);
	vnet(hdr, VNET_F_NEEDS_CSUM, VNET_GSO_NONE, 0, 0, 40, 16);
	CHECK_INT(offload_split_init(&s, hdr, pkt, len, 0), 0);
	CHECK(l4_ok(pkt, len, PROTO_TCP));

	/* no flags, or only DATA_VALID: nothing to do */
	memcpy(copy, pkt, len);
	vnet(hdr, 0, VNET_GSO_NONE, 0xffff, 0xffff, 0xffff, 0xffff);
	CHECK_INT(offload_split_init(&s, hdr, pkt, len, 0), 0);
	vnet(hdr, 2, VNET_GSO_NONE, 0, 0, 0, 0);
	CHECK_INT(offload_split_init(&s, hdr, pkt, len, 0), 0);
	CHECK_MEM(pkt, copy, len);

	/* a UDP checksum that comes out 0 is sent as 0xffff */
	f = tcp_flow(4);
	f.proto = PROTO_UDP;
	f.seed = 1;
	len = build(pkt, &f, zeros, sizeof(zeros));
	acc = fold16(sum16(0, pkt + 20, len - 20));
	put16(pkt + 28, (uint16_t)~acc);
	vnet(hdr, VNET_F_NEEDS_CSUM, VNET_GSO_NONE, 0, 0, 20, 6);
	CHECK_INT(offload_split_init(&s, hdr, pkt, len, 0), 0);
	CHECK_INT(get16(pkt + 26), 0xffff);
	CHECK(l4_ok(pkt, len, PROTO_UDP));
}

/* init on a copy of pkt in a buffer of exactly len bytes. */
static int
split_exact(const uint8_t *hdr, const uint8_t *pkt, size_t len,
    size_t maxlen)
{
	struct offload_split	 s;
	uint8_t			*p, *out;
	size_t			 seglen;
	int			 n, i;

	if ((p = malloc(len ? len : 1)) == NULL ||
	    (out = malloc(maxlen ? maxlen : 1)) == NULL)
		abort();
	memcpy(p, pkt, len);
	n = offload_split_init(&s, hdr, p, len, maxlen);
	for (i = 0; i < n; i++) {
		seglen = offload_split_next(&s, out);
		if (seglen == 0 || seglen > maxlen)
			n = -2;
	}
	if (n > 0 && offload_split_next(&s, out) != 0)
		n = -2;
	free(out);
	free(p);
	return n;
}

/* Every field of the header and of the packet, wrong in turn. */
static void
test_split_malformed(void)
{
	static uint8_t	 pkt[MTU * 4], bad[MTU * 4];
	struct flow	 f = tcp_flow(4);
	uint8_t		 hdr[VNET_HDR_LEN], h[VNET_HDR_LEN];
	size_t		 len, len6, cut;
	static const uint8_t types[] = { 2, 3, 6, 0x7f, 0x80, 0x82, 0x85 };
	unsigned int	 i;

	f.optlen = 0;
	len = super(pkt, hdr, &f, 3000, 1000);
	CHECK_INT(split_exact(hdr, pkt, len, MTU), 3);
	CHECK_INT(split_exact(hdr, pkt, len, 1040), 3);
	CHECK_INT(split_exact(hdr, pkt, len, 1039), -1);

	for (i = 0; i < sizeof(types); i++) {
		vnet(h, 1, types[i], 40, 1000, 20, 16);
		CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	}
	vnet(h, 1, VNET_GSO_TCPV4, 40, 0, 20, 16);	/* gso_size */
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 0, VNET_GSO_TCPV4, 40, 1000, 20, 16);	/* no NEEDS_CSUM */
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV4, 40, 1000, 19, 16);	/* csum_start */
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV4, 40, 1000, 0xffff, 16);
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV4, 40, 1000, 20, 6);	/* csum_offset */
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV4, 40, 1000, 20, 0xffff);
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV6, 40, 1000, 20, 16);	/* version */
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_UDP_L4, 40, 1000, 20, 6);	/* protocol */
	CHECK_INT(split_exact(h, pkt, len, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV4, 0, 1000, 20, 16);	/* hdr_len: a hint */
	CHECK_INT(split_exact(h, pkt, len, MTU), 3);
	vnet(h, 1, VNET_GSO_TCPV4, 0xffff, 1000, 20, 16);
	CHECK_INT(split_exact(h, pkt, len, MTU), 3);
	vnet(h, 1, VNET_GSO_TCPV4 | VNET_GSO_ECN, 0, 1000, 20, 16);
	CHECK_INT(split_exact(h, pkt, len, MTU), 3);

	/* the IP and TCP headers */
#define BAD(off, val) do {						\
	memcpy(bad, pkt, len);						\
	bad[off] = (val);						\
	CHECK_INT(split_exact(hdr, bad, len, MTU), -1);			\
} while (0)
	BAD(0, 0x44);			/* ihl 4 */
	BAD(0, 0x46);			/* ihl 6: csum_start is wrong */
	BAD(0, 0x55);			/* version 5 */
	BAD(0, 0x65);			/* version 6 with TCPV4 */
	BAD(2, pkt[2] + 1);		/* total length */
	BAD(6, 0x60);			/* DF and MF */
	BAD(7, 1);			/* fragment offset */
	BAD(9, PROTO_UDP);
	BAD(32, 0x40);			/* data offset 4 */
#undef BAD
	memcpy(bad, pkt, 40);		/* data offset past the packet */
	bad[32] = 0xf0;
	put16(bad + 2, 50);
	CHECK_INT(split_exact(hdr, bad, 50, MTU), -1);
	put16(bad + 2, 40);		/* no payload */
	bad[32] = 0x50;
	CHECK_INT(split_exact(hdr, bad, 40, MTU), -1);
	for (cut = 0; cut < len; cut++)
		CHECK_INT(split_exact(hdr, pkt, cut, MTU), -1);

	f = tcp_flow(6);
	len6 = super(pkt, hdr, &f, 3000, 1000);
	CHECK_INT(split_exact(hdr, pkt, len6, MTU), 3);
	for (cut = 0; cut < len6; cut++)
		CHECK_INT(split_exact(hdr, pkt, cut, MTU), -1);
	memcpy(bad, pkt, len6);
	bad[6] = 0;			/* a hop-by-hop header */
	CHECK_INT(split_exact(hdr, bad, len6, MTU), -1);
	memcpy(bad, pkt, len6);
	put16(bad + 4, get16(pkt + 4) - 1);
	CHECK_INT(split_exact(hdr, bad, len6, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV4, 40, 1000, 40, 16);
	CHECK_INT(split_exact(h, pkt, len6, MTU), -1);

	f.proto = PROTO_UDP;
	len6 = super(pkt, hdr, &f, 3000, 1000);
	CHECK_INT(split_exact(hdr, pkt, len6, MTU), 3);
	hdr[1] |= VNET_GSO_ECN;
	CHECK_INT(split_exact(hdr, pkt, len6, MTU), -1);
	vnet(h, 1, VNET_GSO_UDP_L4, 40, 1000, 40, 16);
	CHECK_INT(split_exact(h, pkt, len6, MTU), -1);
	vnet(h, 1, VNET_GSO_TCPV6, 40, 1000, 40, 6);
	CHECK_INT(split_exact(h, pkt, len6, MTU), -1);

	/* GSO_NONE: the checksum field must lie in the packet */
	vnet(h, 1, VNET_GSO_NONE, 0, 0, 40, 16);
	CHECK_INT(split_exact(h, pkt, 58, MTU), 0);
	CHECK_INT(split_exact(h, pkt, 57, MTU), -1);
	vnet(h, 1, VNET_GSO_NONE, 0, 0, 40, 15);
	CHECK_INT(split_exact(h, pkt, len6, MTU), -1);
	vnet(h, 1, VNET_GSO_NONE, 0, 0, 0xffff, 0xfffe);
	CHECK_INT(split_exact(h, pkt, len6, MTU), -1);
	vnet(h, 1, VNET_GSO_NONE, 0, 0, 0, 0);
	CHECK_INT(split_exact(h, pkt, 0, MTU), -1);
}

/* Random headers over random damage: no overrun, segments in bounds. */
static void
test_split_fuzz(void)
{
	static uint8_t	 base[3][MTU * 4], pkt[MTU * 4];
	uint8_t		 hdr[3][VNET_HDR_LEN], h[VNET_HDR_LEN];
	size_t		 blen[3], len;
	struct flow	 f;
	int		 i, j, k, n, ok = 0;

	f = tcp_flow(4);
	blen[0] = super(base[0], hdr[0], &f, 4000, 700);
	f = tcp_flow(6);
	blen[1] = super(base[1], hdr[1], &f, 4000, 1200);
	f.proto = PROTO_UDP;
	blen[2] = super(base[2], hdr[2], &f, 4000, 333);
	for (i = 0; i < 30000; i++) {
		k = (int)(rnd() % 3);
		memcpy(pkt, base[k], blen[k]);
		memcpy(h, hdr[k], sizeof(h));
		len = blen[k];
		for (j = (int)(rnd() % 4); j > 0; j--)
			h[rnd() % sizeof(h)] ^= (uint8_t)(1 << rnd() % 8);
		for (j = (int)(rnd() % 4); j > 0; j--)
			pkt[rnd() % 80] = (uint8_t)rnd();
		if (rnd() % 4 == 0)
			len = rnd() % (len + 1);
		n = split_exact(h, pkt, len, 100 + rnd() % MTU);
		CHECK(n >= -1);
		ok += n > 0;
	}
	CHECK(ok > 0);
}

/* Split a super-packet into buffers of their own, like the tunnel does. */
static int
segments(uint8_t **seg, size_t *seglen, const uint8_t *hdr, uint8_t *pkt,
    size_t len)
{
	struct offload_split	s;
	int			i, n;

	if ((n = offload_split_init(&s, hdr, pkt, len, MTU)) <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if ((seg[i] = malloc(OFFLOAD_MAXLEN)) == NULL)
			abort();
		seglen[i] = offload_split_next(&s, seg[i]);
	}
	return n;
}

static void
freesegs(uint8_t **seg, int n)
{
	while (n > 0)
		free(seg[--n]);
}

/*
 * The caller's loop: coalesce runs of pkt[0..n-1]; the size of each run
 * in runs[], the last run's header in hdr.  Returns the number of runs.
 */
static int
coalesce(uint8_t **pkt, const size_t *len, int n, size_t room, int *runs,
    uint8_t *hdr, size_t *lastlen)
{
	struct offload_gro	g;
	int			i, nr = 0;

	for (i = 0; i < n; i++) {
		if (i > 0 && offload_gro_add(&g, pkt[i], len[i]) == 0)
			continue;
		if (i > 0) {
			*lastlen = offload_gro_finish(&g, hdr);
			runs[nr++] = (int)g.n;
		}
		offload_gro_start(&g, pkt[i], len[i], room);
	}
	*lastlen = offload_gro_finish(&g, hdr);
	runs[nr++] = (int)g.n;
	return nr;
}

/*
 * Split, coalesce back: the super-packet the kernel gave, byte for byte,
 * with the same header; split again: the same segments.
 */
static void
gro_roundtrip(int ipv)
{
	static uint8_t		 pkt[BIG];
	struct offload_vnet	 v;
	struct flow		 f = tcp_flow(ipv);
	uint8_t			*seg[32], *again[32], *orig[32];
	uint8_t			 khdr[VNET_HDR_LEN], hdr[VNET_HDR_LEN];
	size_t			 len, seglen[32], againlen[32], outlen;
	int			 n, i, runs[32];

	len = super(pkt, khdr, &f, PAYLEN, MSS);
	n = segments(seg, seglen, khdr, pkt, len);
	CHECK_INT(n, 15);
	CHECK_INT(segments(orig, againlen, khdr, pkt, len), n);
	CHECK_INT(coalesce(seg, seglen, n, OFFLOAD_MAXLEN, runs, hdr,
	    &outlen), 1);
	CHECK_INT(runs[0], 15);
	CHECK_INT(outlen, len);
	CHECK_MEM(seg[0], pkt, len);
	offload_vnet_decode(&v, hdr);
	CHECK_INT(v.flags, VNET_F_NEEDS_CSUM);
	CHECK_INT(v.gso_type, ipv == 4 ? VNET_GSO_TCPV4 : VNET_GSO_TCPV6);
	CHECK_INT(v.hdr_len, iphlen(pkt) + 32);
	CHECK_INT(v.gso_size, MSS);
	CHECK_INT(v.csum_start, iphlen(pkt));
	CHECK_INT(v.csum_offset, 16);

	CHECK_INT(segments(again, againlen, hdr, seg[0], outlen), n);
	for (i = 0; i < n; i++) {
		CHECK_INT(againlen[i], seglen[i]);
		CHECK_MEM(again[i], orig[i], seglen[i]);
	}
	freesegs(orig, n);
	freesegs(again, n);
	freesegs(seg, n);
}

static void
test_gro_roundtrip4(void)
{
	gro_roundtrip(4);
}

static void
test_gro_roundtrip6(void)
{
	gro_roundtrip(6);
}

/* Segment i of flow f, payload MSS bytes (or pay if not 0). */
static size_t
segment(uint8_t *p, struct flow f, int i, size_t pay)
{
	f.seq += (uint32_t)(i * MSS);
	f.id = (uint16_t)(f.id + i);
	return build(p, &f, payload + i * MSS, pay ? pay : MSS);
}

static void
test_gro_interleaved(void)
{
	static uint8_t	 a0[OFFLOAD_MAXLEN], a1[MTU], b0[MTU];
	struct flow	 a = tcp_flow(4), b = tcp_flow(4);
	uint8_t		*pkt[3] = { a0, b0, a1 }, hdr[VNET_HDR_LEN];
	uint8_t		 zero[VNET_HDR_LEN] = { 0 };
	size_t		 len[3], outlen;
	int		 runs[3];

	a.flags = b.flags = F_ACK;
	b.sport++;
	len[0] = segment(a0, a, 0, 0);
	len[1] = segment(b0, b, 0, 0);
	len[2] = segment(a1, a, 1, 0);
	CHECK_INT(coalesce(pkt, len, 3, MTU, runs, hdr, &outlen), 3);
	CHECK_INT(outlen, len[2]);
	CHECK_MEM(hdr, zero, sizeof(zero));
	CHECK(l4_ok(a1, len[2], PROTO_TCP));
	pkt[1] = a1;		/* A0 A1 B0: the first two join */
	pkt[2] = b0;
	len[1] = len[2];
	len[2] = segment(b0, b, 0, 0);
	CHECK_INT(coalesce(pkt, len, 3, OFFLOAD_MAXLEN, runs, hdr, &outlen),
	    2);
	CHECK_INT(runs[0], 2);
	CHECK_INT(runs[1], 1);
}

/* Out of order, repeated: a run stops there. */
static void
test_gro_order(void)
{
	static uint8_t	 buf[5][OFFLOAD_MAXLEN];
	struct flow	 f = tcp_flow(6);
	uint8_t		*pkt[5], hdr[VNET_HDR_LEN];
	size_t		 len[5], outlen;
	int		 runs[5], i;
	static const int order[5] = { 0, 1, 3, 2, 2 };

	f.flags = F_ACK;
	for (i = 0; i < 5; i++) {
		pkt[i] = buf[i];
		len[i] = segment(buf[i], f, order[i], 0);
	}
	CHECK_INT(coalesce(pkt, len, 5, OFFLOAD_MAXLEN, runs, hdr, &outlen),
	    4);
	CHECK_INT(runs[0], 2);
	CHECK_INT(runs[1], 1);
	CHECK_INT(runs[2], 1);
	CHECK_INT(runs[3], 1);
}

/* Whether segment 1, made from g, joins segment 0, made from f. */
static int
joins(const struct flow *f, const struct flow *g, size_t pay1)
{
	static uint8_t		p0[OFFLOAD_MAXLEN], p1[MTU];
	struct offload_gro	gro;
	size_t			len0;

	len0 = segment(p0, *f, 0, 0);
	offload_gro_start(&gro, p0, len0, sizeof(p0));
	return offload_gro_add(&gro, p1, segment(p1, *g, 1, pay1)) == 0;
}

static void
test_gro_differs(void)
{
	static const uint8_t	 tsopt2[12] = {
		1, 1, 8, 10, 0x12, 0x34, 0x56, 0x79, 0x9a, 0xbc, 0xde, 0xf0
	};
	static const uint8_t	 flags[] = {
		F_FIN, F_SYN, F_RST, F_URG, F_ECE, F_CWR
	};
	struct flow		 f = tcp_flow(4), g;
	unsigned int		 i;

	f.flags = F_ACK;
	CHECK(joins(&f, &f, 0));
	CHECK(joins(&f, &f, 100));		/* a shorter last */
	CHECK(!joins(&f, &f, MSS + 1));		/* a larger one */
#define DIFF(field, val) do {						\
	g = f;								\
	g.field = (val);						\
	CHECK(!joins(&f, &g, 0));					\
} while (0)
	DIFF(ttl, 63);
	DIFF(tos, 0x12);
	DIFF(df, 0);
	DIFF(ipopt, 1);
	DIFF(sport, 40001);
	DIFF(dst, 2);
	DIFF(ack, f.ack + 1);
	DIFF(win, 503);
	DIFF(opt, tsopt2);
	DIFF(optlen, 0);
	DIFF(id, f.id + 1);
	DIFF(seq, f.seq + 1);
	g = f;					/* IPv4 options, even alike */
	g.ipopt = 1;
	CHECK(!joins(&g, &g, 0));
	for (i = 0; i < sizeof(flags); i++)
		DIFF(flags, F_ACK | flags[i]);
	DIFF(flags, 0);
	f = tcp_flow(6);
	f.flags = F_ACK;
	CHECK(joins(&f, &f, 0));
	DIFF(label, 0x54321);
	DIFF(tos, 0x12);
	DIFF(ttl, 1);
	DIFF(dst, 2);
#undef DIFF
	g = f;					/* no ids in IPv6 */
	g.id++;
	CHECK(joins(&f, &g, 0));
}

/* The IPv4 id counts up, or stays with DF; the second segment decides. */
static void
test_gro_ipv4_id(void)
{
	static uint8_t		 p[4][OFFLOAD_MAXLEN];
	struct offload_gro	 gro;
	struct flow		 f = tcp_flow(4);
	size_t			 len[4];
	int			 i;

	f.flags = F_ACK;
	for (i = 0; i < 4; i++) {
		len[i] = segment(p[i], f, i, 0);
		f.id = (uint16_t)(f.id - 1);	/* all the same id */
	}
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	for (i = 1; i < 4; i++)
		CHECK_INT(offload_gro_add(&gro, p[i], len[i]), 0);

	f.df = 0;				/* fixed without DF */
	for (i = 0; i < 2; i++) {
		len[i] = segment(p[i], f, i, 0);
		f.id = (uint16_t)(f.id - 1);
	}
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), -1);

	f = tcp_flow(4);			/* counting, then fixed */
	f.flags = F_ACK;
	for (i = 0; i < 3; i++)
		len[i] = segment(p[i], f, i, 0);
	put16(p[2] + 4, get16(p[1] + 4));
	ip4_fix(p[2]);
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), 0);
	CHECK_INT(offload_gro_add(&gro, p[2], len[2]), -1);
}

/* What ends a run: a short segment, PSH, a full buffer, a bad checksum. */
static void
test_gro_ends(void)
{
	static uint8_t		 p[4][OFFLOAD_MAXLEN];
	struct offload_gro	 gro;
	struct flow		 f = tcp_flow(4), g;
	uint8_t			 hdr[VNET_HDR_LEN];
	size_t			 len[4];
	int			 i;

	f.flags = F_ACK;
	len[0] = segment(p[0], f, 0, 0);
	len[1] = segment(p[1], f, 1, 500);
	g = f;
	g.seq += MSS + 500;
	g.id += 2;
	len[2] = build(p[2], &g, payload, MSS);
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), 0);
	CHECK_INT(offload_gro_add(&gro, p[2], len[2]), -1);

	g = f;
	g.flags = F_ACK | F_PSH;
	len[1] = segment(p[1], g, 1, 0);
	len[2] = segment(p[2], f, 2, 0);
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), 0);
	CHECK_INT(gro.pkt[20 + 13], F_ACK | F_PSH);
	CHECK_INT(offload_gro_add(&gro, p[2], len[2]), -1);
	len[0] = segment(p[0], g, 0, 0);		/* PSH on the first */
	len[1] = segment(p[1], f, 1, 0);
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), -1);

	for (i = 0; i < 4; i++)
		len[i] = segment(p[i], f, i, 0);
	offload_gro_start(&gro, p[0], len[0], len[0] + 2 * MSS);
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), 0);
	CHECK_INT(offload_gro_add(&gro, p[2], len[2]), 0);
	CHECK_INT(offload_gro_add(&gro, p[3], len[3]), -1);

	len[0] = segment(p[0], f, 0, 0);
	offload_gro_start(&gro, p[0], len[0], len[0] - 1);	/* no room */
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), -1);
	CHECK_INT(offload_gro_finish(&gro, hdr), len[0]);
	CHECK_INT(hdr[1], VNET_GSO_NONE);

	p[1][len[1] - 1] ^= 1;				/* TCP checksum */
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), -1);
	p[1][len[1] - 1] ^= 1;
	p[1][8] ^= 1;					/* IPv4 checksum */
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), -1);
	p[1][8] ^= 1;
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), 0);
	len[0] = segment(p[0], f, 0, 0);
	p[0][len[0] - 1] ^= 1;				/* the first's */
	offload_gro_start(&gro, p[0], len[0], sizeof(p[0]));
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), -1);
}

/*
 * Segments back to back in one buffer, as the datagrams of one UDP GRO
 * read are after decryption in place (a 16-byte header before each, a
 * 16-byte tag after): the run grows over the next segment's own header,
 * and its flags must be read before that.
 */
static void
test_gro_in_place(void)
{
	static uint8_t		 buf[4 * (MTU + 32)];
	struct offload_gro	 gro;
	struct flow		 f = tcp_flow(4), psh;
	uint8_t			*p[4], tmp[MTU];
	size_t			 len[4], off = 16;
	int			 i;

	f.flags = F_ACK;
	psh = f;
	psh.flags = F_ACK | F_PSH;
	for (i = 0; i < 4; i++) {
		/* Third from the left pushes: payload bytes fill the rest. */
		len[i] = segment(tmp, i == 2 ? psh : f, i, 0);
		p[i] = buf + off;
		memcpy(p[i], tmp, len[i]);
		off += len[i] + 32;
	}
	offload_gro_start(&gro, p[0], len[0], sizeof(buf) - 16);
	CHECK_INT(offload_gro_add(&gro, p[1], len[1]), 0);
	CHECK_INT(gro.pkt[20 + 13], F_ACK);		/* no PSH made up */
	CHECK_INT(offload_gro_add(&gro, p[2], len[2]), 0);
	CHECK_INT(gro.pkt[20 + 13], F_ACK | F_PSH);	/* and none lost */
	CHECK_INT(offload_gro_add(&gro, p[3], len[3]), -1);
	CHECK_INT(gro.n, 3);
}

/*
 * Packets that cannot start a run go out as they came, with an empty
 * header, and nothing joins them.
 */
static void
test_gro_single(void)
{
	static uint8_t		 p[MTU], copy[MTU], next[MTU];
	struct offload_gro	 gro;
	struct flow		 f = tcp_flow(4), u[8];
	uint8_t			 hdr[VNET_HDR_LEN];
	uint8_t			 zero[VNET_HDR_LEN] = { 0 };
	size_t			 len, nlen;
	int			 i;

	f.flags = F_ACK;
	nlen = segment(next, f, 1, 0);
	for (i = 0; i < 8; i++)
		u[i] = f;
	u[0].flags = F_ACK | F_FIN;
	u[1].flags = F_SYN;
	u[2].flags = F_ACK | F_RST;
	u[3].flags = F_ACK | F_CWR;
	u[4].flags = F_ACK | F_URG;
	u[5].proto = PROTO_UDP;
	u[6].ipopt = 1;
	for (i = 0; i < 8; i++) {
		if (i < 7)
			len = segment(p, u[i], 0, 0);
		else				/* a pure ACK */
			len = build(p, &u[i], payload, 0);
		memcpy(copy, p, len);
		offload_gro_start(&gro, p, len, sizeof(p));
		CHECK_INT(offload_gro_add(&gro, next, nlen), -1);
		CHECK_INT(offload_gro_finish(&gro, hdr), len);
		CHECK_MEM(hdr, zero, sizeof(zero));
		CHECK_MEM(p, copy, len);
	}

	len = build(p, &f, payload, 0);		/* a repeated ACK */
	memcpy(next, p, len);
	offload_gro_start(&gro, p, len, sizeof(p));
	CHECK_INT(offload_gro_add(&gro, next, len), -1);

	len = segment(p, f, 0, 0);		/* one segment alone */
	memcpy(copy, p, len);
	offload_gro_start(&gro, p, len, sizeof(p));
	CHECK_INT(offload_gro_finish(&gro, hdr), len);
	CHECK_MEM(hdr, zero, sizeof(zero));
	CHECK_MEM(p, copy, len);
}

/* Damaged segments never make the run read or write out of bounds. */
static void
test_gro_fuzz(void)
{
	static uint8_t		 base[2][4][MTU];
	struct offload_gro	 gro;
	struct flow		 f;
	uint8_t			*p[4], hdr[VNET_HDR_LEN];
	size_t			 blen[2][4], len[4], room, out;
	int			 it, i, j, k, joined = 0;

	for (k = 0; k < 2; k++) {
		f = tcp_flow(k ? 6 : 4);
		f.flags = F_ACK;
		for (i = 0; i < 4; i++)
			blen[k][i] = segment(base[k][i], f, i, 0);
	}
	for (it = 0; it < 20000; it++) {
		k = (int)(rnd() % 2);
		room = rnd() % 2 ? OFFLOAD_MAXLEN : rnd() % (4 * MTU);
		for (i = 0; i < 4; i++) {
			len[i] = blen[k][i];
			if (rnd() % 8 == 0)
				len[i] = rnd() % (len[i] + 1);
			if ((p[i] = malloc(i == 0 ? (room > len[i] ? room :
			    len[i]) + 1 : len[i] + 1)) == NULL)
				abort();
			memcpy(p[i], base[k][i], len[i]);
			for (j = (int)(rnd() % 3); j > 0 && len[i] > 0; j--)
				p[i][rnd() % (len[i] < 72 ? len[i] : 72)] ^=
				    (uint8_t)(1 << rnd() % 8);
		}
		offload_gro_start(&gro, p[0], len[0], room);
		for (i = 1; i < 4; i++)
			joined += offload_gro_add(&gro, p[i], len[i]) == 0;
		out = offload_gro_finish(&gro, hdr);
		CHECK(out == len[0] || (out <= room && out <= OFFLOAD_MAXLEN));
		for (i = 0; i < 4; i++)
			free(p[i]);
	}
	CHECK(joined > 0);
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)rnd();
	T_RUN(test_vnet_codec);
	T_RUN(test_split_tcp4);
	T_RUN(test_split_tcp6);
	T_RUN(test_split_tcp4_plain);
	T_RUN(test_split_udp4);
	T_RUN(test_split_udp6);
	T_RUN(test_split_malformed);
	T_RUN(test_split_fuzz);
	T_RUN(test_gro_roundtrip4);
	T_RUN(test_gro_roundtrip6);
	T_RUN(test_gro_interleaved);
	T_RUN(test_gro_order);
	T_RUN(test_gro_differs);
	T_RUN(test_gro_ipv4_id);
	T_RUN(test_gro_ends);
	T_RUN(test_gro_in_place);
	T_RUN(test_gro_single);
	T_RUN(test_gro_fuzz);
	T_RUN(test_split_none);
	return t_done();
}
