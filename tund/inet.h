/*
 * Reading and writing IP headers: big-endian fields and the Internet
 * checksum (RFC 1071), shared by the packets tund builds (icmp.c) and the
 * ones it splits and coalesces (offload.c).
 */
#ifndef TUND_INET_H
#define TUND_INET_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t
inet_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
inet_get32(const uint8_t *p)
{
	return (uint32_t)inet_get16(p) << 16 | inet_get16(p + 2);
}

static inline void
inet_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
inet_put32(uint8_t *p, uint32_t v)
{
	inet_put16(p, v >> 16);
	inet_put16(p + 2, v);
}

/*
 * Add n bytes to a running sum.  Only the last block of a sum may have an
 * odd length.
 */
uint64_t	inet_sum(uint64_t acc, const uint8_t *p, size_t n);
/* Add a 16-bit number. */
uint64_t	inet_sum16(uint64_t acc, uint16_t v);
/* The sum folded to 16 bits: 0xffff over data with a valid checksum. */
uint16_t	inet_fold(uint64_t acc);
/* The value of a checksum field: the folded sum's complement. */
uint16_t	inet_cksum(uint64_t acc);
/*
 * The sum of the pseudo-header (RFC 793, RFC 8200 8.1) of the IPv4 or
 * IPv6 packet pkt, for its L4 part of l4len bytes of protocol proto.
 */
uint64_t	inet_pseudo(const uint8_t *pkt, uint8_t proto, size_t l4len);

#endif
