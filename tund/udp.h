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
void		 udp_close(struct tunnel *);
/* Send one datagram on socket s; 0, or -1 with errno. */
int		 udp_send(struct tunnel *, int s, const union sockaddr_inet *,
		    const void *, size_t);
/* Receive one datagram; its length, or -1 with errno (EAGAIN: drained). */
ssize_t		 udp_recv(int fd, void *, size_t, union sockaddr_inet *from);

socklen_t	 sockaddr_inet_len(const union sockaddr_inet *);
int		 sockaddr_inet_equal(const union sockaddr_inet *,
		    const union sockaddr_inet *);
/* "198.18.0.1:51820" or "[2001:db8::1]:51820"; "(none)" without one. */
const char	*sockaddr_inet_fmt(const union sockaddr_inet *, char *, size_t);
/* The address bytes (4 or 16) and port (host order) for cookies. */
const uint8_t	*sockaddr_inet_addr(const union sockaddr_inet *, uint16_t *port);

#endif
