/*
 * loadpkt.c: the load header, query and answer through their codecs and
 * back, what is refused, IPv4 and IPv6 UDP packets against bytes made
 * with an independent checksum (Python), parsing them back, and the IMIX
 * cycle.
 */
#include <stdlib.h>

#include "inet.h"
#include "loadpkt.h"
#include "t.h"

/* Stream 0x12340001, seq 5, sent 0x0102030405060708, zero padded. */
#define HDR_HEX	"7475 6e64 6c6f 6164 0100 0000 1234 0001" \
		"0000 0000 0000 0005 0102 0304 0506 0708"
/* 198.19.0.1:49152 -> 198.19.0.2:9, 92 bytes. */
static const char pkt4_hex[] =
    "4500 005c 0000 4000 4011 ae67 c613 0001 c613 0002"
    "c000 0009 0048 df2e" HDR_HEX;
/* [2001:db8:19::1]:49152 -> [2001:db8:19::2]:9, 112 bytes. */
static const char pkt6_hex[] =
    "6000 0000 0048 1140"
    "2001 0db8 0019 0000 0000 0000 0000 0001"
    "2001 0db8 0019 0000 0000 0000 0000 0002"
    "c000 0009 0048 0fb2" HDR_HEX;

static const struct loadpkt_hdr	hdr = {
	LOADPKT_DATA, 0x12340001, 5, 0x0102030405060708
};

static void
flow(struct loadpkt_flow *f, int family)
{
	static const uint8_t	a4[2][4] = { { 198, 19, 0, 1 },
				    { 198, 19, 0, 2 } };
	static const uint8_t	a6[2][16] = {
		{ 0x20, 1, 0x0d, 0xb8, 0, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0x20, 1, 0x0d, 0xb8, 0, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }
	};

	memset(f, 0, sizeof(*f));
	f->family = family;
	memcpy(f->src, family == 4 ? a4[0] : a6[0], family == 4 ? 4 : 16);
	memcpy(f->dst, family == 4 ? a4[1] : a6[1], family == 4 ? 4 : 16);
	f->sport = 49152;
	f->dport = 9;
}

static void
test_hdr(void)
{
	uint8_t			p[LOADPKT_HDR_LEN], want[LOADPKT_HDR_LEN];
	struct loadpkt_hdr	h;

	loadpkt_hdr_put(p, &hdr);
	t_unhex(want, sizeof(want), HDR_HEX);
	CHECK_MEM(p, want, sizeof(p));
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p)), 0);
	CHECK_INT(h.kind, LOADPKT_DATA);
	CHECK_INT(h.stream, 0x12340001);
	CHECK_INT(h.seq, 5);
	CHECK(h.sent_ns == 0x0102030405060708);
	/* Short, another magic, an unknown kind: not load traffic. */
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p) - 1), -1);
	p[7] ^= 1;
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p)), -1);
	p[7] ^= 1;
	p[8] = 0;
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p)), -1);
	p[8] = 4;
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p)), -1);
}

static void
test_query(void)
{
	struct loadpkt_query	q = { 0xfeedfacecafebeef, 0xabcd0000, 7,
				    "01234567" }, got;
	struct loadpkt_hdr	h;
	uint8_t			p[LOADPKT_QUERY_LEN];

	loadpkt_query_put(p, &q, 42);
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p)), 0);
	CHECK_INT(h.kind, LOADPKT_QUERY);
	CHECK_INT(h.sent_ns, 42);
	CHECK_INT(loadpkt_query_get(&got, p, sizeof(p)), 0);
	CHECK(got.nonce == q.nonce);
	CHECK_INT(got.first, 0xabcd0000);
	CHECK_INT(got.n, 7);
	CHECK_MEM(got.boot, "01234567", LOADPKT_BOOT_LEN);
	CHECK_INT(loadpkt_query_get(&got, p, sizeof(p) - 1), -1);
}

static void
test_answer(void)
{
	struct loadpkt_answer	a = { 0x1122334455667788, 0x00010000, 3, 2,
				    1, 1000000, 3, 4, 100, 200, 300 }, got;
	struct loadpkt_hdr	h;
	uint8_t			p[LOADPKT_ANSWER_LEN];

	loadpkt_answer_put(p, &a, 9);
	CHECK_INT(loadpkt_hdr_get(&h, p, sizeof(p)), 0);
	CHECK_INT(h.kind, LOADPKT_ANSWER);
	CHECK_INT(loadpkt_answer_get(&got, p, sizeof(p)), 0);
	CHECK(got.nonce == a.nonce);
	CHECK_INT(got.first, a.first);
	CHECK_INT(got.n, 3);
	CHECK_INT(got.found, 2);
	CHECK_INT(got.clock_shared, 1);
	CHECK_INT(got.delivered, 1000000);
	CHECK_INT(got.duplicated, 3);
	CHECK_INT(got.reordered, 4);
	CHECK_INT(got.p50_ns, 100);
	CHECK_INT(got.p99_ns, 200);
	CHECK_INT(got.p999_ns, 300);
	CHECK_INT(loadpkt_answer_get(&got, p, sizeof(p) - 1), -1);
}

/* Build the packet of family into a buffer of exactly its size. */
static void
check_packet(int family, const char *hex, size_t len)
{
	struct loadpkt_flow	 f;
	struct loadpkt_udp	 u;
	uint8_t			*pkt, want[128];
	size_t			 hl = loadpkt_hdrs(family);

	CHECK((pkt = calloc(1, len)) != NULL);
	flow(&f, family);
	loadpkt_hdr_put(pkt + hl, &hdr);
	loadpkt_ip_udp(pkt, len, &f);
	t_unhex(want, sizeof(want), hex);
	if (memcmp(pkt, want, hl + LOADPKT_HDR_LEN) != 0)
		t_fail(__FILE__, __LINE__, "IPv%d packet differs", family);
	CHECK_INT(loadpkt_udp_parse(&u, pkt, len), 0);
	CHECK_INT(u.flow.family, family);
	CHECK_MEM(u.flow.src, f.src, family == 4 ? 4 : 16);
	CHECK_MEM(u.flow.dst, f.dst, family == 4 ? 4 : 16);
	CHECK_INT(u.flow.sport, 49152);
	CHECK_INT(u.flow.dport, 9);
	CHECK(u.payload == pkt + hl);
	CHECK_INT(u.len, len - hl);
	/* Cut short, or one byte long: refused, and nothing read past it. */
	CHECK_INT(loadpkt_udp_parse(&u, pkt, len - 1), -1);
	CHECK_INT(loadpkt_udp_parse(&u, pkt, 1), -1);
	free(pkt);
}

static void
test_ip4(void)
{
	check_packet(4, pkt4_hex, 92);
}

static void
test_ip6(void)
{
	check_packet(6, pkt6_hex, 112);
}

/* The checksums of every size from the smallest to the MTU are valid. */
static void
test_checksums(void)
{
	struct loadpkt_flow	f;
	uint8_t			pkt[1420];
	size_t			len;
	int			fam;

	for (fam = 4; fam <= 6; fam += 2) {
		flow(&f, fam);
		for (len = loadpkt_hdrs(fam) + LOADPKT_HDR_LEN;
		    len <= sizeof(pkt); len++) {
			memset(pkt, (int)len, sizeof(pkt));
			loadpkt_hdr_put(pkt + loadpkt_hdrs(fam), &hdr);
			loadpkt_ip_udp(pkt, len, &f);
			if (fam == 4)
				CHECK_INT(inet_fold(inet_sum(0, pkt, 20)),
				    0xffff);
			CHECK_INT(inet_fold(inet_sum(inet_pseudo(pkt,
			    17, len - loadpkt_hdrs(fam) + 8),
			    pkt + loadpkt_hdrs(fam) - 8,
			    len - loadpkt_hdrs(fam) + 8)), 0xffff);
		}
	}
}

/* Not one whole UDP datagram: not a load packet. */
static void
test_parse_refused(void)
{
	struct loadpkt_udp	u;
	uint8_t			p[128];
	size_t			n;

	/* The hex is the headers; the rest, zeros, is padding. */
	memset(p, 0, sizeof(p));
	t_unhex(p, sizeof(p), pkt4_hex);
	n = 92;
	p[6] = 0x20;				/* more fragments */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[6] = 0x40;
	p[7] = 1;				/* a fragment's offset */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[7] = 0;
	p[9] = 6;				/* TCP */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[9] = 17;
	p[0] = 0x44;				/* header too short */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[0] = 0x45;
	p[25] ^= 1;				/* UDP length */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[25] ^= 1;
	CHECK_INT(loadpkt_udp_parse(&u, p, n), 0);

	t_unhex(p, sizeof(p), pkt6_hex);
	n = 112;
	CHECK_INT(loadpkt_udp_parse(&u, p, n), 0);
	p[6] = 0;				/* hop-by-hop options */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[6] = 17;
	p[5] ^= 1;				/* payload length */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
	p[5] ^= 1;
	p[0] = 0x50;				/* neither 4 nor 6 */
	CHECK_INT(loadpkt_udp_parse(&u, p, n), -1);
}

static void
test_imix(void)
{
	unsigned	small = 0, mid = 0, big = 0, s;
	uint64_t	i;

	for (i = 0; i < 10 * LOADPKT_IMIX_CYCLE; i++) {
		s = loadpkt_imix_size(i, 4, 1420);
		if (s == LOADPKT_IP4_HDRS + LOADPKT_HDR_LEN)
			small++;
		else if (s == 576)
			mid++;
		else if (s == 1420)
			big++;
		else
			t_fail(__FILE__, __LINE__, "size %u", s);
	}
	CHECK_INT(small, 70);
	CHECK_INT(mid, 40);
	CHECK_INT(big, 10);
	CHECK_INT(loadpkt_imix_size(0, 6, 1420),
	    LOADPKT_IP6_HDRS + LOADPKT_HDR_LEN);
	CHECK_INT(loadpkt_imix_size(3, 4, 500), 500);
}

int
main(void)
{
	T_RUN(test_hdr);
	T_RUN(test_query);
	T_RUN(test_answer);
	T_RUN(test_ip4);
	T_RUN(test_ip6);
	T_RUN(test_checksums);
	T_RUN(test_parse_refused);
	T_RUN(test_imix);
	return t_done();
}
