/*
 * The ICMP error tund writes back into the tun device for a packet whose
 * destination no peer's AllowedIPs hold, as WireGuard does: ICMP host
 * unreachable for IPv4, ICMPv6 address unreachable for IPv6.  Pure code.
 */
#ifndef TUND_ICMP_H
#define TUND_ICMP_H

#include <stddef.h>
#include <stdint.h>

enum {
	ICMP4_MAXLEN = 576,	/* RFC 1812 4.3.2.3: whole IPv4 error */
	ICMP6_MAXLEN = 1280	/* RFC 4443 2.4 (c): the IPv6 minimum MTU */
};

/*
 * Write into out the complete IP packet that reports pkt, an IPv4 or IPv6
 * packet of len bytes, as unreachable to its sender.  src is the error's
 * source, an address of the tun interface of pkt's family (4 or 16 bytes).
 * The error quotes as much of pkt as fits in ICMP4_MAXLEN or ICMP6_MAXLEN
 * bytes, or in outlen if that is less; out must not overlap pkt.
 *
 * Returns the length written, or 0 when no error must be sent: pkt is
 * malformed, an ICMP error or ICMPv6 redirect, or a later IPv4 fragment,
 * comes from an address that names no single host, or goes to a multicast
 * or broadcast address; or outlen cannot hold the headers and 8 bytes
 * past pkt's own.  Bytes of len past the IP length pkt gives are ignored.
 */
size_t	icmp_unreachable(uint8_t *out, size_t outlen, const uint8_t *pkt,
	    size_t len, const uint8_t *src);

#endif
