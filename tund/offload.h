/*
 * Linux tun offloads.  With IFF_VNET_HDR every packet through the device
 * carries a virtio-net header; with TUNSETOFFLOAD the kernel hands out
 * TCP (TSO) and UDP (USO) super-packets of up to 64 KB that tund splits
 * into packets of the MTU, and takes such super-packets back, which tund
 * builds by coalescing the TCP segments of one flow (GRO).  Pure code: no
 * I/O, no allocation, and no trust in the kernel's or a peer's bytes.
 * Without linux headers, so that it builds everywhere.
 */
#ifndef TUND_OFFLOAD_H
#define TUND_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#define VNET_HDR_LEN	10		/* struct virtio_net_hdr */
#define OFFLOAD_MAXLEN	65535		/* the largest super-packet */

/* include/uapi/linux/virtio_net.h */
enum {
	VNET_F_NEEDS_CSUM = 0x01,	/* complete the partial checksum */
	VNET_GSO_NONE = 0,
	VNET_GSO_TCPV4 = 1,
	VNET_GSO_TCPV6 = 4,
	VNET_GSO_UDP_L4 = 5,		/* USO, IPv4 or IPv6 */
	VNET_GSO_ECN = 0x80		/* TCP with CWR set */
};

/*
 * The header's fields.  The 16-bit ones are little-endian on the wire:
 * what tun uses on a little-endian host, and on any host after
 * TUNSETVNETLE.
 */
struct offload_vnet {
	uint8_t		flags;
	uint8_t		gso_type;
	uint16_t	hdr_len;	/* IP and L4 headers (a hint) */
	uint16_t	gso_size;	/* payload bytes per segment */
	uint16_t	csum_start;	/* where the checksummed part starts */
	uint16_t	csum_offset;	/* the checksum's, from csum_start */
};

void	offload_vnet_decode(struct offload_vnet *, const uint8_t *hdr);
void	offload_vnet_encode(uint8_t *hdr, const struct offload_vnet *);

/* Splitting a super-packet read from the device. */
struct offload_split {
	const uint8_t	*pkt;		/* the super-packet */
	size_t		 len;		/* its length */
	size_t		 l4off;		/* its TCP or UDP header */
	size_t		 hlen;		/* IP and L4 headers, in each segment */
	size_t		 mss;		/* payload bytes per segment */
	size_t		 off;		/* the next segment's payload */
	uint8_t		 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

/*
 * Take pkt, len bytes read from the device after the header vnet.
 * Returns 0 when pkt is one packet, ready as it is: a partial checksum
 * it had is completed in place.  Returns n > 0 when pkt is a TCP or UDP
 * super-packet of n segments, none longer than maxlen, to be taken with
 * offload_split_next(); pkt must stay as it is until then.  Returns -1
 * for a malformed header or packet, or a segment longer than maxlen.
 */
int	offload_split_init(struct offload_split *, const uint8_t *vnet,
	    uint8_t *pkt, size_t len, size_t maxlen);
/*
 * Write the next segment, a complete IP packet, into out, which holds
 * maxlen bytes and does not overlap pkt.  Returns its length, or 0
 * after the last.
 */
size_t	offload_split_next(struct offload_split *, uint8_t *out);

/*
 * Coalescing a run of consecutive TCP segments of one flow, in order,
 * into the buffer of the first.  A segment joins only if the kernel's
 * GRO would have taken it: same addresses, ports, ack, window, options,
 * TOS or traffic class and flow label, TTL or hop limit and DF; the
 * next sequence number; IPv4 ids counting up (or fixed, with DF); no
 * IPv4 options or IPv6 extension headers; ACK with nothing but ECE
 * besides; every payload the size of the first's, except a shorter last;
 * PSH only on the last; and both checksums valid, since the kernel
 * checks none of a super-packet's.
 */
struct offload_gro {
	uint8_t		*pkt;		/* the first segment, grown in place */
	size_t		 len;		/* the super-packet's length so far */
	size_t		 room;		/* how far it may grow */
	size_t		 l4off;		/* its TCP header; 0: not TCP */
	size_t		 hlen;		/* IP and TCP headers */
	size_t		 mss;		/* the first segment's payload */
	uint32_t	 seq;		/* the next segment's sequence number */
	unsigned int	 n;		/* segments in the run */
	int		 idstep;	/* IPv4 ids: 1 count up, 0 fixed */
	int		 open;		/* another segment may join */
};

/*
 * Start a run with pkt, len bytes at the start of a buffer of room
 * bytes.  Any packet starts one; one that cannot be coalesced is a run
 * of its own.
 */
void	offload_gro_start(struct offload_gro *, uint8_t *pkt, size_t len,
	    size_t room);
/*
 * Append pkt's payload to the run: 0 when it joined (pkt's buffer is
 * free again), -1 when it cannot; then finish the run and start a new
 * one with pkt.  pkt may lie inside the run's buffer, past its end.
 */
int	offload_gro_add(struct offload_gro *, const uint8_t *pkt, size_t len);
/*
 * Complete the run's packet, at g->pkt, and write its header into vnet
 * (which may be the VNET_HDR_LEN bytes before g->pkt).  Returns its
 * length.  A run of one packet is left as it came, with an empty header.
 */
size_t	offload_gro_finish(struct offload_gro *, uint8_t *vnet);

#endif
