/*
 * The UDP side: one socket per worker, all bound to the same port with
 * SO_REUSEPORT so the kernel spreads peers over the workers.  Sockets are
 * IPv6 with IPv4 mapped in where the system has IPv6, IPv4 otherwise;
 * above this file an endpoint is always a plain sockaddr_in or _in6.
 */
#ifndef TUND_UDP_H
#define TUND_UDP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "tunnel.h"

#define SOCKADDR_STRLEN	(46 + 8)	/* "[v6]:port" */

/*
 * Open n sockets on the port (0: one the system picks, the same for all),
 * with fwmark (0: none).  Fills tn->sock, tn->nsocks and tn->port.
 */
int		 udp_open(struct tunnel *, uint16_t port, int n, uint32_t fwmark);
/*
 * n sockets sharing a port (0: any; *bound the one given), for
 * udp_open() and a new listening port: 0, or -1 logged, none left open.
 */
int		 udp_bind(uint16_t port, int n, uint32_t fwmark, int *fds,
		    uint16_t *bound);
/* The port a socket is bound to, or 0. */
uint16_t	 udp_port(int fd);
void		 udp_close(struct tunnel *);
/* Mark every socket's packets with fwmark (0: none); 0 or -1 with errno. */
int		 udp_set_fwmark(struct tunnel *, uint32_t fwmark);
/* Send one datagram on socket s; 0, or -1 with errno. */
int		 udp_send(struct tunnel *, int s, const union sockaddr_inet *,
		    const void *, size_t);

/*
 * Send n datagrams (at most UDP_BATCH * UDP_GSO_MAX) with sendmmsg; runs
 * to one address whose datagrams have one length (the last may be
 * shorter) go as one UDP GSO send where the kernel has it.  Returns how
 * many were sent; fewer than n with errno set when the socket refused one.
 */
int		 udp_send_batch(int fd, struct udp_msg *, int n);
/*
 * Receive up to n (at most UDP_BATCH) messages with recvmmsg.  With GRO a
 * message may hold several datagrams of seg bytes each (the last may be
 * shorter).  Returns the count, or -1 with errno (EAGAIN: drained).
 */
int		 udp_recv_batch(int fd, struct udp_msg *, int n);
/* Whether received messages may hold several datagrams (GRO is on). */
int		 udp_gro_enabled(void);

socklen_t	 sockaddr_inet_len(const union sockaddr_inet *);
int		 sockaddr_inet_equal(const union sockaddr_inet *,
		    const union sockaddr_inet *);
/* "198.18.0.1:51820" or "[2001:db8::1]:51820"; "(none)" without one. */
const char	*sockaddr_inet_fmt(const union sockaddr_inet *, char *, size_t);
/* The address bytes (4 or 16) and port (host order) for cookies. */
const uint8_t	*sockaddr_inet_addr(const union sockaddr_inet *, uint16_t *port);

#endif
