/* UDP endpoints and messages, as the data path and udp.c share them. */
#ifndef TUND_UDP_MSG_H
#define TUND_UDP_MSG_H

#include <sys/socket.h>

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define UDP_BATCH	64	/* messages per system call */
#define UDP_GSO_MAX	64	/* datagrams per GSO send */

/* A UDP endpoint, IPv4 or IPv6. */
union sockaddr_inet {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
};

/* One datagram to send, or one message received. */
struct udp_msg {
	union sockaddr_inet	 addr;	/* destination, or source */
	uint8_t			*buf;
	size_t			 len;	/* bytes; on receive, room in buf */
	size_t			 seg;	/* received: GRO segment size, or 0 */
};

#endif
