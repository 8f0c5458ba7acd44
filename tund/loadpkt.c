/*
 * Load packets: the payload header, the query and answer, and the IP and
 * UDP headers around them.
 */
#include <netinet/in.h>

#include <string.h>

#include "inet.h"
#include "loadpkt.h"

static const uint8_t	magic[8] = "tundload";

static void
put64(uint8_t *p, uint64_t v)
{
	inet_put32(p, (uint32_t)(v >> 32));
	inet_put32(p + 4, (uint32_t)v);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)inet_get32(p) << 32 | inet_get32(p + 4);
}

void
loadpkt_hdr_put(uint8_t *p, const struct loadpkt_hdr *h)
{
	memcpy(p, magic, sizeof(magic));
	p[8] = (uint8_t)h->kind;
	p[9] = p[10] = p[11] = 0;
	inet_put32(p + 12, h->stream);
	put64(p + 16, h->seq);
	put64(p + 24, h->sent_ns);
}

int
loadpkt_hdr_get(struct loadpkt_hdr *h, const uint8_t *p, size_t len)
{
	if (len < LOADPKT_HDR_LEN || memcmp(p, magic, sizeof(magic)) != 0 ||
	    p[8] < LOADPKT_DATA || p[8] > LOADPKT_ANSWER)
		return -1;
	h->kind = p[8];
	h->stream = inet_get32(p + 12);
	h->seq = get64(p + 16);
	h->sent_ns = get64(p + 24);
	return 0;
}

/* The header of a query or answer: its first stream, its nonce. */
static void
control_hdr(uint8_t *p, enum loadpkt_kind kind, uint32_t first,
    uint64_t nonce, uint64_t sent_ns)
{
	struct loadpkt_hdr	h = { kind, first, nonce, sent_ns };

	loadpkt_hdr_put(p, &h);
}

void
loadpkt_query_put(uint8_t *p, const struct loadpkt_query *q,
    uint64_t sent_ns)
{
	control_hdr(p, LOADPKT_QUERY, q->first, q->nonce, sent_ns);
	p += LOADPKT_HDR_LEN;
	inet_put32(p, q->n);
	inet_put32(p + 4, 0);
	memcpy(p + 8, q->boot, LOADPKT_BOOT_LEN);
}

int
loadpkt_query_get(struct loadpkt_query *q, const uint8_t *p, size_t len)
{
	struct loadpkt_hdr	h;

	if (len < LOADPKT_QUERY_LEN || loadpkt_hdr_get(&h, p, len) == -1)
		return -1;
	q->nonce = h.seq;
	q->first = h.stream;
	p += LOADPKT_HDR_LEN;
	q->n = inet_get32(p);
	memcpy(q->boot, p + 8, LOADPKT_BOOT_LEN);
	return 0;
}

void
loadpkt_answer_put(uint8_t *p, const struct loadpkt_answer *a,
    uint64_t sent_ns)
{
	control_hdr(p, LOADPKT_ANSWER, a->first, a->nonce, sent_ns);
	p += LOADPKT_HDR_LEN;
	inet_put32(p, a->n);
	inet_put32(p + 4, a->found);
	put64(p + 8, a->clock_shared != 0);
	put64(p + 16, a->delivered);
	put64(p + 24, a->duplicated);
	put64(p + 32, a->reordered);
	put64(p + 40, a->p50_ns);
	put64(p + 48, a->p99_ns);
	put64(p + 56, a->p999_ns);
}

int
loadpkt_answer_get(struct loadpkt_answer *a, const uint8_t *p, size_t len)
{
	struct loadpkt_hdr	h;

	if (len < LOADPKT_ANSWER_LEN || loadpkt_hdr_get(&h, p, len) == -1)
		return -1;
	a->nonce = h.seq;
	a->first = h.stream;
	p += LOADPKT_HDR_LEN;
	a->n = inet_get32(p);
	a->found = inet_get32(p + 4);
	a->clock_shared = get64(p + 8) != 0;
	a->delivered = get64(p + 16);
	a->duplicated = get64(p + 24);
	a->reordered = get64(p + 32);
	a->p50_ns = get64(p + 40);
	a->p99_ns = get64(p + 48);
	a->p999_ns = get64(p + 56);
	return 0;
}

size_t
loadpkt_hdrs(int family)
{
	return family == 4 ? LOADPKT_IP4_HDRS : LOADPKT_IP6_HDRS;
}

static void
ip4(uint8_t *pkt, size_t len, const struct loadpkt_flow *f)
{
	pkt[0] = 0x45;
	pkt[1] = 0;
	inet_put16(pkt + 2, (uint32_t)len);
	inet_put32(pkt + 4, 0x4000);		/* id 0, don't fragment */
	pkt[8] = 64;
	pkt[9] = IPPROTO_UDP;
	inet_put16(pkt + 10, 0);
	memcpy(pkt + 12, f->src, 4);
	memcpy(pkt + 16, f->dst, 4);
	inet_put16(pkt + 10, inet_cksum(inet_sum(0, pkt, 20)));
}

static void
ip6(uint8_t *pkt, size_t len, const struct loadpkt_flow *f)
{
	inet_put32(pkt, 0x60000000);
	inet_put16(pkt + 4, (uint32_t)(len - 40));
	pkt[6] = IPPROTO_UDP;
	pkt[7] = 64;
	memcpy(pkt + 8, f->src, 16);
	memcpy(pkt + 24, f->dst, 16);
}

void
loadpkt_ip_udp(uint8_t *pkt, size_t len, const struct loadpkt_flow *f)
{
	size_t		 iplen = loadpkt_hdrs(f->family) - 8;
	uint8_t		*udp = pkt + iplen;
	uint16_t	 sum;

	if (f->family == 4)
		ip4(pkt, len, f);
	else
		ip6(pkt, len, f);
	inet_put16(udp, f->sport);
	inet_put16(udp + 2, f->dport);
	inet_put16(udp + 4, (uint32_t)(len - iplen));
	inet_put16(udp + 6, 0);
	sum = inet_cksum(inet_sum(inet_pseudo(pkt, IPPROTO_UDP, len - iplen),
	    udp, len - iplen));
	/* Zero means "no checksum" in UDP: its complement says the same. */
	inet_put16(udp + 6, sum == 0 ? 0xffff : sum);
}

int
loadpkt_udp_parse(struct loadpkt_udp *u, const uint8_t *pkt, size_t len)
{
	size_t	hl, alen;

	if (len < 1)
		return -1;
	if (pkt[0] >> 4 == 4) {
		hl = (size_t)(pkt[0] & 0xf) * 4;
		/* Not a fragment: offset 0 and no more fragments. */
		if (len < 20 || hl < 20 || pkt[9] != IPPROTO_UDP ||
		    (inet_get16(pkt + 6) & 0x3fff) != 0 ||
		    inet_get16(pkt + 2) != len)
			return -1;
		u->flow.family = 4;
		alen = 4;
	} else if (pkt[0] >> 4 == 6) {
		hl = 40;
		if (len < 40 || pkt[6] != IPPROTO_UDP ||
		    (size_t)inet_get16(pkt + 4) + 40 != len)
			return -1;
		u->flow.family = 6;
		alen = 16;
	} else
		return -1;
	if (len < hl + 8 || inet_get16(pkt + hl + 4) != len - hl)
		return -1;
	memcpy(u->flow.src, pkt + (alen == 4 ? 12 : 8), alen);
	memcpy(u->flow.dst, pkt + (alen == 4 ? 16 : 24), alen);
	u->flow.sport = inet_get16(pkt + hl);
	u->flow.dport = inet_get16(pkt + hl + 2);
	u->payload = pkt + hl + 8;
	u->len = len - hl - 8;
	return 0;
}

unsigned
loadpkt_imix_size(uint64_t i, int family, unsigned mtu)
{
	unsigned	small = loadpkt_hdrs(family) + LOADPKT_HDR_LEN;

	switch (i % LOADPKT_IMIX_CYCLE) {
	case 3:
	case 6:
	case 9:
	case 11:
		return mtu < 576 ? mtu : 576;
	case 7:
		return mtu;
	default:
		return small;
	}
}
