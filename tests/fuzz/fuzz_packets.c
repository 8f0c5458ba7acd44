/*
 * libFuzzer target for the packet parsers that take a peer's or the
 * kernel's bytes: the load packets (loadpkt.c), splitting and coalescing
 * offloaded TCP and UDP (offload.c) and ICMP errors (icmp.c).  Build and
 * run (from the top):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Itund tests/fuzz/fuzz_packets.c tund/loadpkt.c tund/offload.c \
 *	    tund/icmp.c tund/inet.c -o /tmp/fuzz/fuzz_packets
 *	mkdir -p /tmp/fuzz/corpus_packets
 *	/tmp/fuzz/fuzz_packets -max_total_time=300 -rss_limit_mb=2048 \
 *	    -max_len=16384 /tmp/fuzz/corpus_packets
 *
 * The first byte picks the code, modulo 4:
 *
 *	0	loadpkt_hdr_get(), _query_get(), _answer_get() and
 *		loadpkt_udp_parse() on the rest
 *	1	offload_split_init() and _next(): a virtio-net header, a 16-bit
 *		little-endian maxlen, the packet
 *	2	offload_gro_start(), _add() and _finish() over packets laid out
 *		in one buffer as the receive path has them: each a flags byte
 *		(1: set its lengths and checksums), a gap byte, a 16-bit
 *		little-endian length and the packet
 *	3	icmp_unreachable(): a 16-bit little-endian outlen, a 16-byte
 *		source, the packet
 *
 * Every output buffer ends where the code was told it ends, so a write
 * past it is caught.  What must hold: what a parser accepts it reads back
 * the same when written again; split segments are whole IP packets with
 * valid checksums whose payloads make up the super-packet's; a coalesced
 * run splits back into the segments it was made of; an ICMP error is a
 * valid packet from the given source to the sender, quoting the packet.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"
#include "inet.h"
#include "loadpkt.h"
#include "offload.h"
#include "segment.h"

#define MAXSEG		64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A copy that ends where its allocation ends. */
static uint8_t *
dup(const uint8_t *p, size_t n)
{
	uint8_t	*c;

	if ((c = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(c, p, n);
	return c;
}

/* Whether the IP header's checksum, and the L4 one, are valid. */
static int
valid(const uint8_t *pkt, size_t len, size_t l4, uint8_t proto)
{
	if (pkt[0] >> 4 == 4 && inet_fold(inet_sum(0, pkt, l4)) != 0xffff)
		return 0;
	return inet_fold(inet_sum(inet_pseudo(pkt, proto, len - l4), pkt + l4,
	    len - l4)) == 0xffff;
}

static void
fuzz_loadpkt(const uint8_t *data, size_t size)
{
	struct loadpkt_hdr	h;
	struct loadpkt_query	q;
	struct loadpkt_answer	a;
	struct loadpkt_udp	u, u2;
	uint8_t			*p = dup(data, size), *again;
	size_t			 hl;

	/* An IPv4 flow leaves 12 bytes of each address unwritten. */
	memset(&u, 0, sizeof(u));
	memset(&u2, 0, sizeof(u2));

	if (loadpkt_hdr_get(&h, p, size) == 0) {
		if (size < LOADPKT_HDR_LEN || h.kind < LOADPKT_DATA ||
		    h.kind > LOADPKT_ANSWER)
			abort();
		again = dup(p, LOADPKT_HDR_LEN);
		loadpkt_hdr_put(again, &h);
		/* The three zero bytes are not looked at; the rest is. */
		if (memcmp(again, p, 9) != 0 ||
		    memcmp(again + 12, p + 12, 20) != 0)
			abort();
		free(again);
	}
	if (loadpkt_query_get(&q, p, size) == 0) {
		if (size < LOADPKT_QUERY_LEN)
			abort();
		again = dup(p, LOADPKT_QUERY_LEN);
		loadpkt_query_put(again, &q, h.sent_ns);
		if (memcmp(again + 12, p + 12, 24) != 0 ||
		    memcmp(again + 40, p + 40, 8) != 0)
			abort();
		free(again);
	}
	if (loadpkt_answer_get(&a, p, size) == 0) {
		if (size < LOADPKT_ANSWER_LEN || (a.clock_shared != 0 &&
		    a.clock_shared != 1))
			abort();
		again = dup(p, LOADPKT_ANSWER_LEN);
		loadpkt_answer_put(again, &a, h.sent_ns);
		if (memcmp(again + 12, p + 12, 28) != 0 ||
		    memcmp(again + 48, p + 48, 48) != 0)
			abort();
		free(again);
	}
	if (loadpkt_udp_parse(&u, p, size) == 0) {
		hl = loadpkt_hdrs(u.flow.family);
		if ((u.flow.family != 4 && u.flow.family != 6) ||
		    u.payload < p + hl || u.payload + u.len != p + size)
			abort();
		/* Made again from what was read, it reads the same. */
		again = malloc(hl + u.len > 0 ? hl + u.len : 1);
		if (again == NULL)
			abort();
		memcpy(again + hl, u.payload, u.len);
		loadpkt_ip_udp(again, hl + u.len, &u.flow);
		if (loadpkt_udp_parse(&u2, again, hl + u.len) != 0 ||
		    memcmp(&u.flow, &u2.flow, sizeof(u.flow)) != 0 ||
		    u2.len != u.len || !valid(again, hl + u.len, hl - 8,
		    IPPROTO_UDP))
			abort();
		free(again);
	}
	free(p);
}

static void
fuzz_split(const uint8_t *data, size_t size)
{
	struct offload_split	 s;
	uint8_t			*vnet, *pkt, *orig, *seg;
	size_t			 maxlen, len, n, got = 0, done = 0, l4;
	int			 segs;

	if (size < VNET_HDR_LEN + 2)
		return;
	vnet = dup(data, VNET_HDR_LEN);
	maxlen = le16(data + VNET_HDR_LEN);
	len = size - VNET_HDR_LEN - 2;
	orig = dup(data + VNET_HDR_LEN + 2, len);
	pkt = dup(orig, len);
	seg = malloc(maxlen > 0 ? maxlen : 1);
	if (seg == NULL)
		abort();
	if ((segs = offload_split_init(&s, vnet, pkt, len, maxlen)) > 0) {
		if (s.hlen >= len || s.mss == 0 || s.l4off < 20 ||
		    s.hlen > maxlen || memcmp(pkt, orig, len) != 0)
			abort();
		l4 = s.l4off;
		while ((n = offload_split_next(&s, seg)) > 0) {
			/* A whole packet, of the right length and sums. */
			if (n > maxlen || n <= s.hlen || ++got > (size_t)segs ||
			    (seg[0] >> 4 == 4 ? inet_get16(seg + 2) != n :
			    (size_t)inet_get16(seg + 4) + 40 != n) ||
			    !valid(seg, n, l4, s.proto) ||
			    memcmp(seg + s.hlen, orig + s.hlen + done,
			    n - s.hlen) != 0)
				abort();
			if (s.proto == IPPROTO_TCP && inet_get32(seg + l4 + 4) !=
			    (uint32_t)(inet_get32(orig + l4 + 4) + done))
				abort();
			if (s.proto == IPPROTO_UDP &&
			    inet_get16(seg + l4 + 4) != n - l4)
				abort();
			done += n - s.hlen;
		}
		if (got != (size_t)segs || done != len - s.hlen)
			abort();
	}
	free(vnet);
	free(orig);
	free(pkt);
	free(seg);
}

/* Set the IP length, and the IPv4 header and TCP checksums. */
static void
fix(uint8_t *p, size_t len)
{
	size_t	l4;

	if (len >= 20 && len <= 65535 && p[0] >> 4 == 4) {
		inet_put16(p + 2, (uint32_t)len);
		l4 = (size_t)(p[0] & 0xf) * 4;
		if (l4 < 20 || l4 > len)
			return;
		inet_put16(p + 10, 0);
		inet_put16(p + 10, inet_cksum(inet_sum(0, p, l4)));
	} else if (len >= 40 && len - 40 <= 65535 && p[0] >> 4 == 6) {
		inet_put16(p + 4, (uint32_t)(len - 40));
		l4 = 40;
	} else
		return;
	if (l4 + 18 > len)
		return;
	inet_put16(p + l4 + 16, 0);
	inet_put16(p + l4 + 16, inet_cksum(inet_sum(inet_pseudo(p,
	    IPPROTO_TCP, len - l4), p + l4, len - l4)));
}

/*
 * The run of segments first to first + n - 1 is done: one of them comes
 * out as it went in; more split back into what they were, checksums
 * valid, PSH on the last only if it was there.
 */
static void
gro_check(struct offload_gro *g, uint8_t **orig, size_t *len, size_t first,
    size_t n)
{
	static const uint8_t	 none[VNET_HDR_LEN];
	struct offload_split	 s;
	uint8_t			 vnet[VNET_HDR_LEN], *seg;
	size_t			 out, k = first, sl;

	out = offload_gro_finish(g, vnet);
	if (g->n != n)
		abort();
	if (n == 1) {
		if (memcmp(vnet, none, sizeof(vnet)) != 0 || out != len[first] ||
		    memcmp(g->pkt, orig[first], out) != 0)
			abort();
		return;
	}
	if (out > OFFLOAD_MAXLEN || (seg = malloc(OFFLOAD_MAXLEN)) == NULL)
		abort();
	if (offload_split_init(&s, vnet, g->pkt, out, OFFLOAD_MAXLEN) !=
	    (int)n)
		abort();
	while ((sl = offload_split_next(&s, seg)) > 0) {
		if (k == first + n || sl != len[k] || !segment_same(orig[k], seg, sl))
			abort();
		k++;
	}
	if (k != first + n)
		abort();
	free(seg);
}

static void
fuzz_gro(const uint8_t *data, size_t size)
{
	struct offload_gro	 g;
	uint8_t			*orig[MAXSEG], *pkt[MAXSEG], *buf, *p;
	size_t			 len[MAXSEG], gap[MAXSEG], total = 0, i, n;
	size_t			 first;
	const uint8_t		*in = data;

	for (n = 0, i = 0; n < MAXSEG && size - i >= 4; n++) {
		gap[n] = in[i + 1];
		len[n] = le16(in + i + 2);
		i += 4;
		if (len[n] > size - i)
			len[n] = size - i;
		orig[n] = dup(in + i, len[n]);
		if (in[i - 4] & 1)
			fix(orig[n], len[n]);
		i += len[n];
		total += gap[n] + len[n];
	}
	if ((buf = malloc(total > 0 ? total : 1)) == NULL)
		abort();
	for (i = 0, p = buf; i < n; i++) {
		memset(p, 0xa5, gap[i]);
		pkt[i] = p + gap[i];
		memcpy(pkt[i], orig[i], len[i]);
		p = pkt[i] + len[i];
	}
	/* As receive.c does: a run may grow to the end of the buffer. */
	for (i = 0, first = 0; i < n; i++) {
		if (i > 0 && offload_gro_add(&g, pkt[i], len[i]) == 0)
			continue;
		if (i > 0)
			gro_check(&g, orig, len, first, i - first);
		offload_gro_start(&g, pkt[i], len[i],
		    (size_t)(buf + total - pkt[i]));
		first = i;
	}
	if (n > 0)
		gro_check(&g, orig, len, first, n - first);
	for (i = 0; i < n; i++)
		free(orig[i]);
	free(buf);
}

static void
fuzz_icmp(const uint8_t *data, size_t size)
{
	uint8_t	*out, *pkt, *src, *icmp;
	size_t	 outlen, len, n, hl, q, max;
	int	 v;

	if (size < 18)
		return;
	outlen = le16(data);
	src = dup(data + 2, 16);
	len = size - 18;
	pkt = dup(data + 18, len);
	if ((out = malloc(outlen > 0 ? outlen : 1)) == NULL)
		abort();
	n = icmp_unreachable(out, outlen, pkt, len, src);
	v = len > 0 ? pkt[0] >> 4 : 0;
	if (n > 0) {
		/* From src to the sender, quoting the packet's first bytes. */
		hl = v == 4 ? 20 : 40;
		max = v == 4 ? ICMP4_MAXLEN : ICMP6_MAXLEN;
		q = n - hl - 8;
		icmp = out + hl;
		if ((v != 4 && v != 6) || out[0] >> 4 != v || n > outlen ||
		    n > max || n < hl + 8 + 8 || q > len ||
		    memcmp(icmp + 8, pkt, q) != 0)
			abort();
		if (v == 4 && (inet_get16(out + 2) != n || out[9] !=
		    IPPROTO_ICMP || memcmp(out + 12, src, 4) != 0 ||
		    memcmp(out + 16, pkt + 12, 4) != 0 ||
		    inet_fold(inet_sum(0, out, 20)) != 0xffff ||
		    inet_fold(inet_sum(0, icmp, n - 20)) != 0xffff ||
		    icmp[0] != 3 || icmp[1] != 1))
			abort();
		if (v == 6 && ((size_t)inet_get16(out + 4) + 40 != n ||
		    out[6] != IPPROTO_ICMPV6 || memcmp(out + 8, src, 16) != 0 ||
		    memcmp(out + 24, pkt + 8, 16) != 0 ||
		    !valid(out, n, 40, IPPROTO_ICMPV6) ||
		    icmp[0] != 1 || icmp[1] != 3))
			abort();
	}
	free(out);
	free(src);
	free(pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_loadpkt(data + 1, size - 1);
		break;
	case 1:
		fuzz_split(data + 1, size - 1);
		break;
	case 2:
		fuzz_gro(data + 1, size - 1);
		break;
	default:
		fuzz_icmp(data + 1, size - 1);
		break;
	}
	return 0;
}
