/*
 * The Internet checksum.
 *
 * The one's complement sum does not depend on byte order (RFC 1071 2(B)),
 * so inet_sum() adds host-order 32-bit words into 64 bits and inet_fold()
 * swaps once at the end: a few cycles a word, which matters when every
 * segment of a 64 KB super-packet gets its own.
 */
#include <arpa/inet.h>

#include <string.h>

#include "inet.h"

uint64_t
inet_sum(uint64_t acc, const uint8_t *p, size_t n)
{
	uint64_t	q;
	uint32_t	w;
	uint16_t	h = 0;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&q, p, sizeof(q));
		acc += (q & 0xffffffff) + (q >> 32);
	}
	if (n >= 4) {
		memcpy(&w, p, sizeof(w));
		acc += w;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&h, p, sizeof(h));
		acc += h;
		p += 2;
		n -= 2;
	}
	if (n == 1) {
		h = 0;
		memcpy(&h, p, 1);	/* the high byte, in network order */
		acc += h;
	}
	return acc;
}

uint64_t
inet_sum16(uint64_t acc, uint16_t v)
{
	return acc + htons(v);
}

uint16_t
inet_fold(uint64_t acc)
{
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return ntohs((uint16_t)acc);
}

uint16_t
inet_cksum(uint64_t acc)
{
	return (uint16_t)~inet_fold(acc);
}

uint64_t
inet_pseudo(const uint8_t *pkt, uint8_t proto, size_t l4len)
{
	uint64_t	acc;

	if (pkt[0] >> 4 == 4)
		acc = inet_sum(0, pkt + 12, 8);
	else
		acc = inet_sum(0, pkt + 8, 32);
	return inet_sum16(inet_sum16(acc, proto), (uint16_t)l4len);
}
