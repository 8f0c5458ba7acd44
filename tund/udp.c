/*
 * UDP sockets.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"
#include "udp.h"

#define SOCKBUF		(4 * 1024 * 1024)

static int	family = AF_INET6;	/* AF_INET without IPv6 */
static int	gso, gro;		/* the kernel has UDP GSO, GRO */

socklen_t
sockaddr_inet_len(const union sockaddr_inet *a)
{
	switch (a->sa.sa_family) {
	case AF_INET:
		return sizeof(a->sin);
	case AF_INET6:
		return sizeof(a->sin6);
	}
	return 0;
}

int
sockaddr_inet_equal(const union sockaddr_inet *a, const union sockaddr_inet *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		    a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return a->sin6.sin6_port == b->sin6.sin6_port &&
		    a->sin6.sin6_scope_id == b->sin6.sin6_scope_id &&
		    memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) == 0;
	return 1;
}

const char *
sockaddr_inet_fmt(const union sockaddr_inet *a, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	switch (a->sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &a->sin.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin.sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &a->sin6.sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6.sin6_port));
		break;
	default:
		snprintf(buf, len, "(none)");
	}
	return buf;
}

const uint8_t *
sockaddr_inet_addr(const union sockaddr_inet *a, uint16_t *port)
{
	if (a->sa.sa_family == AF_INET) {
		*port = ntohs(a->sin.sin_port);
		return (const uint8_t *)&a->sin.sin_addr;
	}
	*port = ntohs(a->sin6.sin6_port);
	return (const uint8_t *)&a->sin6.sin6_addr;
}

/* What a dual-stack socket needs: IPv4 as ::ffff:a.b.c.d. */
static socklen_t
to_socket(const union sockaddr_inet *a, union sockaddr_inet *out)
{
	if (family == AF_INET6 && a->sa.sa_family == AF_INET) {
		memset(out, 0, sizeof(*out));
		out->sin6.sin6_family = AF_INET6;
		out->sin6.sin6_port = a->sin.sin_port;
		out->sin6.sin6_addr.s6_addr[10] = 0xff;
		out->sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&out->sin6.sin6_addr.s6_addr[12], &a->sin.sin_addr, 4);
	} else
		*out = *a;
	return sockaddr_inet_len(out);
}

/* And back: a mapped source becomes a plain IPv4 endpoint. */
static void
from_socket(union sockaddr_inet *a)
{
	struct sockaddr_in	sin;

	if (a->sa.sa_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr))
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = a->sin6.sin6_port;
	memcpy(&sin.sin_addr, &a->sin6.sin6_addr.s6_addr[12], 4);
	a->sin = sin;
}

/* UDP GSO and GRO, where the kernel has them (Linux 4.18, 5.0). */
static void
offloads(int s)
{
#ifdef UDP_SEGMENT
	int		on = 1, size;
	socklen_t	len = sizeof(size);

	gso = getsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &size, &len) == 0;
	gro = setsockopt(s, IPPROTO_UDP, UDP_GRO, &on, sizeof(on)) == 0;
#endif
}

int
udp_gro_enabled(void)
{
	return gro;
}

#ifndef SO_RCVBUFFORCE
#define SO_RCVBUFFORCE	-1
#define SO_SNDBUFFORCE	-1
#endif

/*
 * Bigger buffers absorb bursts: as root past the system's cap where there
 * is a way to, else as far as the cap (the kernel trims quietly).
 */
static void
set_buffer(int s, int force, int plain)
{
	int	size = SOCKBUF;

	if (force == -1 ||
	    setsockopt(s, SOL_SOCKET, force, &size, sizeof(size)) == -1)
		setsockopt(s, SOL_SOCKET, plain, &size, sizeof(size));
}

static int
set_fwmark(int s, uint32_t fwmark)
{
#ifdef SO_MARK
	return setsockopt(s, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark));
#else
	errno = EOPNOTSUPP;
	return -1;
#endif
}

int
udp_set_fwmark(struct tunnel *tn, uint32_t fwmark)
{
	/* SO_MARK needs CAP_NET_ADMIN, which only the privileged part has. */
	if (priv_fwmark(tn->priv, tn->sock, tn->nsocks, fwmark) == -1)
		return -1;
	tn->fwmark = fwmark;
	return 0;
}

static int
socket_for(int af, uint32_t fwmark)
{
	int	s, on = 1, off = 0;

	s = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s == -1)
		return -1;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    (af == AF_INET6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off,
	    sizeof(off)) == -1)) {
		close(s);
		return -1;
	}
	set_buffer(s, SO_RCVBUFFORCE, SO_RCVBUF);
	set_buffer(s, SO_SNDBUFFORCE, SO_SNDBUF);
	if (fwmark != 0 && set_fwmark(s, fwmark) == -1)
		log_warn("FwMark %u", fwmark);
	offloads(s);
	return s;
}

static int
bind_port(int s, uint16_t port)
{
	union sockaddr_inet	a;

	memset(&a, 0, sizeof(a));
	if (family == AF_INET6) {
		a.sin6.sin6_family = AF_INET6;
		a.sin6.sin6_port = htons(port);
	} else {
		a.sin.sin_family = AF_INET;
		a.sin.sin_port = htons(port);
	}
	return bind(s, &a.sa, sockaddr_inet_len(&a));
}

uint16_t
udp_port(int s)
{
	union sockaddr_inet	a;
	socklen_t		len = sizeof(a);

	if (getsockname(s, &a.sa, &len) == -1)
		return 0;
	return ntohs(family == AF_INET6 ? a.sin6.sin6_port : a.sin.sin_port);
}

int
udp_bind(uint16_t port, int n, uint32_t fwmark, int *fds, uint16_t *bound)
{
	int	s, i;

	for (i = 0; i < n; i++) {
		s = socket_for(family, fwmark);
		if (s == -1 && i == 0 && errno == EAFNOSUPPORT) {
			family = AF_INET;
			s = socket_for(family, fwmark);
		}
		if (s == -1) {
			log_warn("UDP socket");
			goto fail;
		}
		fds[i] = s;
		if (bind_port(s, port) == -1) {
			log_warn("UDP port %u", port);
			i++;
			goto fail;
		}
		/* The others share the port the first was given. */
		port = udp_port(s);
	}
	*bound = port;
	return 0;
 fail:
	while (i-- > 0)
		close(fds[i]);
	return -1;
}

int
udp_open(struct tunnel *tn, uint16_t port, int n, uint32_t fwmark)
{
	if (udp_bind(port, n, fwmark, tn->sock, &tn->port) == -1)
		return -1;
	tn->nsocks = n;
	tn->fwmark = fwmark;
	log_debug("UDP port %u, %d sockets%s%s", tn->port, n,
	    gso ? ", GSO" : "", gro ? ", GRO" : "");
	return 0;
}

void
udp_close(struct tunnel *tn)
{
	int	i;

	for (i = 0; i < tn->nsocks; i++)
		close(tn->sock[i]);
	tn->nsocks = 0;
}

int
udp_send(struct tunnel *tn, int s, const union sockaddr_inet *to,
    const void *buf, size_t len)
{
	union sockaddr_inet	dst;
	socklen_t		dlen = to_socket(to, &dst);

	if (dlen == 0) {
		errno = EDESTADDRREQ;
		return -1;
	}
	if (sendto(tn->sock[s], buf, len, 0, &dst.sa, dlen) == -1)
		return -1;
	return 0;
}

/* How many of m[i..n) can go as one GSO send after m[i]. */
static int
gso_run(const struct udp_msg *m, int i, int n)
{
	size_t	total = m[i].len;
	int	j;

	if (!gso)
		return 1;
	for (j = i + 1; j < n && j - i < UDP_GSO_MAX; j++) {
		if (m[j].len > m[i].len || total + m[j].len > 65000 ||
		    !sockaddr_inet_equal(&m[j].addr, &m[i].addr))
			break;
		total += m[j].len;
		if (m[j].len < m[i].len) {
			j++;	/* a shorter one ends the run */
			break;
		}
	}
	return j - i;
}

#ifdef UDP_SEGMENT
static void
set_segment(struct msghdr *h, char *cbuf, size_t clen, uint16_t size)
{
	struct cmsghdr	*c;

	h->msg_control = cbuf;
	h->msg_controllen = clen;
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(size));
	memcpy(CMSG_DATA(c), &size, sizeof(size));
}
#endif

int
udp_send_batch(int fd, struct udp_msg *m, int n)
{
	struct mmsghdr		 h[UDP_BATCH];
	struct iovec		 iov[UDP_BATCH * UDP_GSO_MAX];
	union sockaddr_inet	 dst[UDP_BATCH];
	char			 cbuf[UDP_BATCH][CMSG_SPACE(sizeof(uint16_t))];
	int			 count[UDP_BATCH];
	int			 i = 0, k, j, nmsg, niov, done = 0, sent, r;

	while (i < n) {
		memset(h, 0, sizeof(h));
		niov = 0;
		for (nmsg = 0; nmsg < UDP_BATCH && i < n; nmsg++, i += k) {
			k = gso_run(m, i, n);
			h[nmsg].msg_hdr.msg_iov = &iov[niov];
			for (j = 0; j < k; j++, niov++) {
				iov[niov].iov_base = m[i + j].buf;
				iov[niov].iov_len = m[i + j].len;
			}
			h[nmsg].msg_hdr.msg_iovlen = k;
			h[nmsg].msg_hdr.msg_name = &dst[nmsg];
			h[nmsg].msg_hdr.msg_namelen = to_socket(&m[i].addr,
			    &dst[nmsg]);
#ifdef UDP_SEGMENT
			if (k > 1)
				set_segment(&h[nmsg].msg_hdr, cbuf[nmsg],
				    sizeof(cbuf[nmsg]), m[i].len);
#endif
			count[nmsg] = k;
		}
		for (r = 0; r < nmsg; r += sent) {
			if ((sent = sendmmsg(fd, h + r, nmsg - r, 0)) == -1) {
				if (errno == EINTR) {
					sent = 0;
					continue;
				}
				/* A device without checksum offload. */
				if (errno == EIO && gso) {
					log_warnx("UDP GSO refused, sending "
					    "without it");
					gso = 0;
				}
				return done;
			}
			for (j = r; j < r + sent; j++)
				done += count[j];
		}
	}
	return done;
}

int
udp_recv_batch(int fd, struct udp_msg *m, int n)
{
	struct mmsghdr	 h[UDP_BATCH];
	struct iovec	 iov[UDP_BATCH];
	char		 cbuf[UDP_BATCH][CMSG_SPACE(sizeof(int))];
	struct cmsghdr	*c;
	int		 i, got, size;

	memset(h, 0, sizeof(h));
	for (i = 0; i < n; i++) {
		iov[i].iov_base = m[i].buf;
		iov[i].iov_len = m[i].len;
		h[i].msg_hdr.msg_iov = &iov[i];
		h[i].msg_hdr.msg_iovlen = 1;
		h[i].msg_hdr.msg_name = &m[i].addr;
		h[i].msg_hdr.msg_namelen = sizeof(m[i].addr);
		h[i].msg_hdr.msg_control = cbuf[i];
		h[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
	}
	if ((got = recvmmsg(fd, h, n, MSG_DONTWAIT, NULL)) == -1)
		return -1;
	for (i = 0; i < got; i++) {
		m[i].len = h[i].msg_len;
		m[i].seg = 0;
		from_socket(&m[i].addr);
		for (c = CMSG_FIRSTHDR(&h[i].msg_hdr); c != NULL;
		    c = CMSG_NXTHDR(&h[i].msg_hdr, c)) {
#ifdef UDP_GRO
			if (c->cmsg_level == IPPROTO_UDP &&
			    c->cmsg_type == UDP_GRO) {
				memcpy(&size, CMSG_DATA(c), sizeof(size));
				m[i].seg = size > 0 ? (size_t)size : 0;
			}
#endif
		}
	}
	return got;
}
