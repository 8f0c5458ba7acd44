/*
 * icmp.c: the unreachable errors for IPv4 and IPv6, their checksums
 * recomputed here, their size limits, the packets that draw no error and
 * malformed input.  Every packet goes through buffers of exactly its size,
 * so a sanitizer build catches any read or write past either end.
 */
#include <stdlib.h>

#include "t.h"
#include "icmp.h"

#define BIG	2048

/* UDP 10.0.0.2:40000 -> 10.9.9.9:53, 13 bytes of data: 41 bytes. */
static const char udp4_hex[] =
    "4500 0029 1234 4000 4011 0000 0a00 0002 0a09 0909"
    "9c40 0035 0015 0000 6865 6c6c 6f20 776f 726c 6421 21";
/* ICMP echo request 10.0.0.2 -> 10.9.9.9: 28 bytes. */
static const char echo4_hex[] =
    "4500 001c 0001 0000 4001 0000 0a00 0002 0a09 0909"
    "0800 f7fe 0001 0000";
/* UDP [2001:db8::2]:40000 -> [2001:db8:9::9]:53, 13 bytes of data. */
static const char udp6_hex[] =
    "6000 0000 0015 1140"
    "2001 0db8 0000 0000 0000 0000 0000 0002"
    "2001 0db8 0009 0000 0000 0000 0000 0009"
    "9c40 0035 0015 0000 6865 6c6c 6f20 776f 726c 6421 21";
/* ICMPv6 echo request 2001:db8::2 -> 2001:db8:9::9. */
static const char echo6_hex[] =
    "6000 0000 0008 3a40"
    "2001 0db8 0000 0000 0000 0000 0000 0002"
    "2001 0db8 0009 0000 0000 0000 0000 0009"
    "8000 0000 0001 0001";

static const uint8_t	tun4[4] = { 10, 0, 0, 1 };
static const uint8_t	tun6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
};

static uint8_t	pkt[BIG], out[BIG];
static size_t	pktlen;

static void
load(const char *hex)
{
	memset(pkt, 0, sizeof(pkt));
	pktlen = t_unhex(pkt, sizeof(pkt), hex);
}

static size_t
get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void
set16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A pkt of n bytes, its length fields set and data a byte pattern. */
static void
big4(size_t n)
{
	size_t	i;

	load(udp4_hex);
	for (i = 28; i < n; i++)
		pkt[i] = (uint8_t)i;
	set16(pkt + 2, n);
	set16(pkt + 24, n - 20);
	pktlen = n;
}

static void
big6(size_t n)
{
	size_t	i;

	load(udp6_hex);
	for (i = 48; i < n; i++)
		pkt[i] = (uint8_t)i;
	set16(pkt + 4, n - 40);
	set16(pkt + 44, n - 40);
	pktlen = n;
}

/*
 * icmp_unreachable() on copies of pkt[0..len) and out[0..outlen) of
 * exactly those sizes; the result lands in out.
 */
static size_t
run(size_t outlen, size_t len, const uint8_t *src)
{
	uint8_t	*in, *o;
	size_t	 n;

	if ((in = malloc(len ? len : 1)) == NULL ||
	    (o = malloc(outlen ? outlen : 1)) == NULL)
		abort();
	memcpy(in, pkt, len);
	memset(out, 0xaa, sizeof(out));
	n = icmp_unreachable(o, outlen, in, len, src);
	if (n > outlen)
		abort();
	memcpy(out, o, n);
	free(in);
	free(o);
	return n;
}

/* Its own RFC 1071 sum, folded but not complemented. */
static size_t
onesum(size_t acc, const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i + 1 < n; i += 2)
		acc += get16(p + i);
	if (n % 2)
		acc += (size_t)p[n - 1] << 8;
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

/* A correct IPv4 header and ICMP checksum each sum to 0xffff. */
static int
sums4(size_t n)
{
	return onesum(0, out, 20) == 0xffff &&
	    onesum(0, out + 20, n - 20) == 0xffff;
}

/* The ICMPv6 sum covers the RFC 8200 pseudo-header too. */
static int
sums6(size_t n)
{
	uint8_t	ph[40];

	memcpy(ph, out + 8, 32);
	ph[32] = ph[33] = 0;
	set16(ph + 34, n - 40);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 58;
	return onesum(onesum(0, ph, sizeof(ph)), out + 40, n - 40) == 0xffff;
}

static void
test_v4_udp(void)
{
	static const uint8_t	hdr[] = {
		0x45, 0, 0, 69, 0, 0, 0, 0, 64, 1
	};
	size_t	n;

	load(udp4_hex);
	CHECK_INT(pktlen, 41);
	n = run(BIG, pktlen, tun4);
	CHECK_INT(n, 20 + 8 + 41);
	CHECK_MEM(out, hdr, sizeof(hdr));
	CHECK_MEM(out + 12, tun4, 4);
	CHECK_MEM(out + 16, pkt + 12, 4);
	CHECK_INT(out[20], 3);
	CHECK_INT(out[21], 1);
	CHECK_INT(out[24] | out[25] | out[26] | out[27], 0);
	CHECK_MEM(out + 28, pkt, 41);
	CHECK(sums4(n));
}

static void
test_v4_echo(void)
{
	size_t	n;

	load(echo4_hex);
	n = run(BIG, pktlen, tun4);
	CHECK_INT(n, 20 + 8 + 28);
	CHECK_INT(out[9], 1);
	CHECK_MEM(out + 16, pkt + 12, 4);
	CHECK_INT(out[20], 3);
	CHECK_INT(out[21], 1);
	CHECK_MEM(out + 28, pkt, 28);
	CHECK(sums4(n));
}

/* Options belong to the quoted header; bytes past the total length not. */
static void
test_v4_options(void)
{
	size_t	n;

	load(udp4_hex);
	memmove(pkt + 24, pkt + 20, 21);
	memset(pkt + 20, 1, 4);		/* four NOPs */
	pkt[0] = 0x46;
	set16(pkt + 2, 45);
	n = run(BIG, 45 + 7, tun4);
	CHECK_INT(n, 28 + 45);
	CHECK_INT(get16(out + 2), 28 + 45);
	CHECK_MEM(out + 28, pkt, 45);
	CHECK(sums4(n));
}

/* RFC 1812 4.3.2.3: no more than 576 bytes. */
static void
test_v4_limit(void)
{
	size_t	n;

	big4(1500);
	n = run(BIG, pktlen, tun4);
	CHECK_INT(n, ICMP4_MAXLEN);
	CHECK_INT(get16(out + 2), ICMP4_MAXLEN);
	CHECK_MEM(out + 28, pkt, ICMP4_MAXLEN - 28);
	CHECK(sums4(n));

	big4(ICMP4_MAXLEN - 28);	/* fits exactly */
	CHECK_INT(run(BIG, pktlen, tun4), ICMP4_MAXLEN);
	big4(ICMP4_MAXLEN - 27);
	CHECK_INT(run(BIG, pktlen, tun4), ICMP4_MAXLEN);
	CHECK_MEM(out + 28, pkt, ICMP4_MAXLEN - 28);
	CHECK(sums4(ICMP4_MAXLEN));
}

/* A short out shortens the quote down to the header and 8 bytes. */
static void
test_v4_outlen(void)
{
	big4(1500);
	CHECK_INT(run(101, pktlen, tun4), 101);
	CHECK_MEM(out + 28, pkt, 101 - 28);
	CHECK(sums4(101));
	CHECK_INT(run(28 + 20 + 8, pktlen, tun4), 56);
	CHECK(sums4(56));
	CHECK_INT(run(28 + 20 + 7, pktlen, tun4), 0);
	CHECK_INT(run(0, pktlen, tun4), 0);

	load(echo4_hex);		/* shorter than header and 8 */
	CHECK_INT(run(28 + 28, pktlen, tun4), 56);
	CHECK_INT(run(28 + 27, pktlen, tun4), 0);
}

static void
test_v6_udp(void)
{
	static const uint8_t	hdr[] = { 0x60, 0, 0, 0, 0, 69, 58, 64 };
	size_t	n;

	load(udp6_hex);
	CHECK_INT(pktlen, 61);
	n = run(BIG, pktlen, tun6);
	CHECK_INT(n, 40 + 8 + 61);
	CHECK_MEM(out, hdr, sizeof(hdr));
	CHECK_MEM(out + 8, tun6, 16);
	CHECK_MEM(out + 24, pkt + 8, 16);
	CHECK_INT(out[40], 1);
	CHECK_INT(out[41], 3);
	CHECK_INT(out[44] | out[45] | out[46] | out[47], 0);
	CHECK_MEM(out + 48, pkt, 61);
	CHECK(sums6(n));
}

static void
test_v6_echo(void)
{
	size_t	n;

	load(echo6_hex);
	n = run(BIG, pktlen, tun6);
	CHECK_INT(n, 40 + 8 + 48);
	CHECK_MEM(out + 24, pkt + 8, 16);
	CHECK_INT(out[40], 1);
	CHECK_INT(out[41], 3);
	CHECK_MEM(out + 48, pkt, 48);
	CHECK(sums6(n));
}

/* RFC 4443 2.4 (c): no more than the IPv6 minimum MTU. */
static void
test_v6_limit(void)
{
	size_t	n;

	big6(2000);
	n = run(BIG, pktlen, tun6);
	CHECK_INT(n, ICMP6_MAXLEN);
	CHECK_INT(get16(out + 4), ICMP6_MAXLEN - 40);
	CHECK_MEM(out + 48, pkt, ICMP6_MAXLEN - 48);
	CHECK(sums6(n));

	big6(ICMP6_MAXLEN - 47);
	CHECK_INT(run(BIG, pktlen, tun6), ICMP6_MAXLEN);
	CHECK(sums6(ICMP6_MAXLEN));

	big6(2000);
	CHECK_INT(run(48 + 48, pktlen, tun6), 96);
	CHECK(sums6(96));
	CHECK_INT(run(48 + 47, pktlen, tun6), 0);

	load(udp6_hex);			/* bytes past the payload length */
	CHECK_INT(run(BIG, pktlen + 9, tun6), 48 + 61);
	CHECK(sums6(48 + 61));
}

static size_t
v4with(const char *hex, size_t off, const char *bytes)
{
	load(hex);
	t_unhex(pkt + off, 4, bytes);
	return run(BIG, pktlen, tun4);
}

static void
test_v4_silent(void)
{
	static const uint8_t	errors[] = { 3, 4, 5, 11, 12 };
	static const uint8_t	others[] = { 0, 8, 13, 14 };
	size_t	i;

	for (i = 0; i < sizeof(errors); i++) {
		load(echo4_hex);
		pkt[20] = errors[i];
		CHECK_INT(run(BIG, pktlen, tun4), 0);
	}
	for (i = 0; i < sizeof(others); i++) {
		load(echo4_hex);
		pkt[20] = others[i];
		CHECK_INT(run(BIG, pktlen, tun4), 56);
	}
	load(echo4_hex);		/* ICMP without a type */
	set16(pkt + 2, 20);
	CHECK_INT(run(BIG, 20, tun4), 0);

	CHECK_INT(v4with(udp4_hex, 6, "0001"), 0);	/* later fragments */
	CHECK_INT(v4with(udp4_hex, 6, "1000"), 0);
	CHECK_INT(v4with(udp4_hex, 6, "3fff"), 0);
	CHECK_INT(v4with(echo4_hex, 6, "2000"), 56);	/* first, MF */

	CHECK_INT(v4with(udp4_hex, 12, "00000000"), 0);
	CHECK_INT(v4with(udp4_hex, 12, "ffffffff"), 0);
	CHECK_INT(v4with(udp4_hex, 12, "e0000001"), 0);
	CHECK_INT(v4with(udp4_hex, 12, "efffffff"), 0);
	CHECK_INT(v4with(udp4_hex, 12, "7f000001"), 0);
	CHECK_INT(v4with(udp4_hex, 12, "7fffffff"), 0);
	CHECK_INT(v4with(udp4_hex, 12, "00000001"), 69);
	CHECK_INT(v4with(udp4_hex, 12, "80000001"), 69);
	CHECK_INT(v4with(udp4_hex, 12, "dfffffff"), 69);
	CHECK_INT(v4with(udp4_hex, 12, "f0000001"), 69);

	CHECK_INT(v4with(udp4_hex, 16, "e0000005"), 0);
	CHECK_INT(v4with(udp4_hex, 16, "effffffa"), 0);
	CHECK_INT(v4with(udp4_hex, 16, "ffffffff"), 0);
	CHECK_INT(v4with(udp4_hex, 16, "7f000001"), 69);
}

static size_t
v6with(const char *hex, size_t off, const char *bytes)
{
	load(hex);
	t_unhex(pkt + off, 16, bytes);
	return run(BIG, pktlen, tun6);
}

static void
test_v6_silent(void)
{
	static const uint8_t	errors[] = { 0, 1, 2, 3, 4, 127, 137 };
	static const uint8_t	others[] = { 128, 129, 135, 255 };
	size_t	i;

	for (i = 0; i < sizeof(errors); i++) {
		load(echo6_hex);
		pkt[40] = errors[i];
		CHECK_INT(run(BIG, pktlen, tun6), 0);
	}
	for (i = 0; i < sizeof(others); i++) {
		load(echo6_hex);
		pkt[40] = others[i];
		CHECK_INT(run(BIG, pktlen, tun6), 96);
	}
	load(echo6_hex);		/* ICMPv6 without a type */
	set16(pkt + 4, 0);
	CHECK_INT(run(BIG, 40, tun6), 0);

	CHECK_INT(v6with(udp6_hex, 8, "0000 0000 0000 0000 0000 0000 0000 0000"),
	    0);
	CHECK_INT(v6with(udp6_hex, 8, "0000 0000 0000 0000 0000 0000 0000 0001"),
	    0);
	CHECK_INT(v6with(udp6_hex, 8, "ff02 0000 0000 0000 0000 0000 0000 0001"),
	    0);
	CHECK_INT(v6with(udp6_hex, 8, "ff0e 0000 0000 0000 0000 0000 0000 0101"),
	    0);
	CHECK_INT(v6with(udp6_hex, 8, "0000 0000 0000 0000 0000 0000 0000 0002"),
	    109);
	CHECK_INT(v6with(udp6_hex, 8, "fe80 0000 0000 0000 0000 0000 0000 0001"),
	    109);
	CHECK_INT(v6with(udp6_hex, 24, "ff02 0000 0000 0000 0000 0000 0000 0001"),
	    0);
	CHECK_INT(v6with(udp6_hex, 24, "ff05 0000 0000 0000 0000 0000 0001 0003"),
	    0);
	CHECK_INT(v6with(udp6_hex, 24, "0000 0000 0000 0000 0000 0000 0000 0001"),
	    109);
}

/* Bad lengths are refused; run() keeps every read inside them. */
static void
test_malformed(void)
{
	size_t	n;

	CHECK_INT(run(BIG, 0, tun4), 0);
	load(udp4_hex);
	for (n = 1; n < 20; n++)
		CHECK_INT(run(BIG, n, tun4), 0);
	pkt[0] = 0x44;			/* IHL below 5 */
	CHECK_INT(run(BIG, pktlen, tun4), 0);
	pkt[0] = 0x40;
	CHECK_INT(run(BIG, pktlen, tun4), 0);
	pkt[0] = 0x4f;			/* header past the total length */
	CHECK_INT(run(BIG, pktlen, tun4), 0);
	load(udp4_hex);
	CHECK_INT(run(BIG, pktlen - 1, tun4), 0);	/* total > len */
	set16(pkt + 2, 19);
	CHECK_INT(run(BIG, pktlen, tun4), 0);
	set16(pkt + 2, 0xffff);
	CHECK_INT(run(BIG, pktlen, tun4), 0);
	load(udp4_hex);			/* another IP version */
	pkt[0] = 0x55;
	CHECK_INT(run(BIG, pktlen, tun4), 0);

	load(udp6_hex);
	for (n = 1; n < 40; n++)
		CHECK_INT(run(BIG, n, tun6), 0);
	CHECK_INT(run(BIG, pktlen - 1, tun6), 0);	/* payload > len */
	set16(pkt + 4, 0xffff);
	CHECK_INT(run(BIG, pktlen, tun6), 0);
	load(udp6_hex);
	set16(pkt + 4, 0);		/* just the header: still answered */
	CHECK_INT(run(BIG, 40, tun6), 48 + 40);
	CHECK(sums6(88));
}

int
main(void)
{
	T_RUN(test_v4_udp);
	T_RUN(test_v4_echo);
	T_RUN(test_v4_options);
	T_RUN(test_v4_limit);
	T_RUN(test_v4_outlen);
	T_RUN(test_v6_udp);
	T_RUN(test_v6_echo);
	T_RUN(test_v6_limit);
	T_RUN(test_v4_silent);
	T_RUN(test_v6_silent);
	T_RUN(test_malformed);
	return t_done();
}
