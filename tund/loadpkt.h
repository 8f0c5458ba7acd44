/*
 * Load packets: the payload every load packet carries, the query and
 * answer that fetch the far end's counts, and the IP and UDP headers
 * around them.  Pure code: no I/O, no allocation.
 *
 * A load payload starts with a 32-byte header, all fields big-endian:
 *
 *	magic	 8	"tundload"
 *	kind	 1	data, query or answer
 *	zero	 3
 *	stream	 4	a run's random tag << 16 | the flow
 *	seq	 8	per stream, from 0; a query's and answer's nonce
 *	sent	 8	CLOCK_MONOTONIC nanoseconds when sent
 *
 * Data is padded with zeros to the packet's size.  A query asks for the
 * counts of streams [first, first + n) and carries the first 8 bytes of
 * the sender's boot id, so the far end can tell whether both share
 * CLOCK_MONOTONIC; the answer holds those counts.
 */
#ifndef TUND_LOADPKT_H
#define TUND_LOADPKT_H

#include <stddef.h>
#include <stdint.h>

#define LOADPKT_HDR_LEN		32
#define LOADPKT_QUERY_LEN	(LOADPKT_HDR_LEN + 16)
#define LOADPKT_ANSWER_LEN	(LOADPKT_HDR_LEN + 64)
#define LOADPKT_BOOT_LEN	8
#define LOADPKT_IP4_HDRS	(20 + 8)	/* IPv4 and UDP headers */
#define LOADPKT_IP6_HDRS	(40 + 8)
#define LOADPKT_IMIX_CYCLE	12		/* packets in one IMIX cycle */

enum loadpkt_kind {
	LOADPKT_DATA = 1,
	LOADPKT_QUERY = 2,
	LOADPKT_ANSWER = 3
};

struct loadpkt_hdr {
	enum loadpkt_kind kind;
	uint32_t	 stream;
	uint64_t	 seq;
	uint64_t	 sent_ns;
};

struct loadpkt_query {
	uint64_t	 nonce;
	uint32_t	 first, n;		/* streams asked about */
	uint8_t		 boot[LOADPKT_BOOT_LEN];
};

struct loadpkt_answer {
	uint64_t	 nonce;			/* the query's */
	uint32_t	 first, n;		/* the query's streams */
	uint32_t	 found;			/* of them the far end knew */
	int		 clock_shared;		/* the query's boot id was ours */
	uint64_t	 delivered, duplicated, reordered;
	uint64_t	 p50_ns, p99_ns, p999_ns;	/* one-way latency */
};

/* Where a UDP packet goes: the 4-tuple, addresses in network order. */
struct loadpkt_flow {
	int		 family;		/* 4 or 6 */
	uint8_t		 src[16], dst[16];
	uint16_t	 sport, dport;
};

/* A UDP packet taken apart by loadpkt_udp_parse(). */
struct loadpkt_udp {
	struct loadpkt_flow	 flow;
	const uint8_t		*payload;
	size_t			 len;
};

/* Write the header into p (LOADPKT_HDR_LEN bytes). */
void	loadpkt_hdr_put(uint8_t *p, const struct loadpkt_hdr *);
/* Read a header: 0, or -1 when the payload carries none. */
int	loadpkt_hdr_get(struct loadpkt_hdr *, const uint8_t *p, size_t len);

/* A query's payload into p (LOADPKT_QUERY_LEN bytes); sent_ns stamped. */
void	loadpkt_query_put(uint8_t *p, const struct loadpkt_query *,
	    uint64_t sent_ns);
/* A query from a payload whose header said so: 0, or -1 when short. */
int	loadpkt_query_get(struct loadpkt_query *, const uint8_t *p,
	    size_t len);
void	loadpkt_answer_put(uint8_t *p, const struct loadpkt_answer *,
	    uint64_t sent_ns);
int	loadpkt_answer_get(struct loadpkt_answer *, const uint8_t *p,
	    size_t len);

/* IP and UDP header bytes for the family: 28 or 48. */
size_t	loadpkt_hdrs(int family);
/*
 * Complete the packet of len bytes at pkt, whose UDP payload is already in
 * place after loadpkt_hdrs() bytes: the IP and UDP headers for the flow,
 * both checksums computed.
 */
void	loadpkt_ip_udp(uint8_t *pkt, size_t len, const struct loadpkt_flow *);
/*
 * Take apart an IP packet that is one whole UDP datagram (IPv4 without
 * fragmentation, IPv6 without extension headers): 0, or -1 for anything
 * else.  The checksum is not checked: the tunnel authenticated the packet.
 */
int	loadpkt_udp_parse(struct loadpkt_udp *, const uint8_t *pkt, size_t len);

/*
 * The size of packet i of an IMIX run (a cycle of 7 small, 4 of 576
 * bytes, 1 of the MTU), the small ones the least that carries a header.
 */
unsigned loadpkt_imix_size(uint64_t i, int family, unsigned mtu);

#endif
