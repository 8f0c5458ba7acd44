/*
 * The tun device on Linux: /dev/net/tun, one fd per queue.
 *
 * Each queue is an open of /dev/net/tun attached with TUNSETIFF to the same
 * name (IFF_MULTI_QUEUE); the kernel spreads flows over the queues by hash.
 * IFF_NO_PI: packets are bare IP, the version nibble gives the family.  The
 * device is not persistent, so the kernel deletes it with the last fd.
 * The first queue is attached with IFF_TUN_EXCL: a device of that name
 * that exists already is another daemon's, whose flows a new queue would
 * quietly take a share of, unless it was made persistent for us.
 *
 * IFF_VNET_HDR with TSO and checksum offload: the stack hands us TCP
 * super-segments of up to 64 KB with a virtio_net_hdr, which offload.c
 * splits, and takes coalesced ones back, a system call for dozens of
 * packets.
 */
#include <sys/types.h>
#include <sys/ioctl.h>

#include <net/if.h>
#include <linux/if_tun.h>

#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"
#include "tunhdr.h"

#define TUN_DEV		"/dev/net/tun"

_Static_assert(TUN_NAMESIZ == IFNAMSIZ, "t->name is copied to ifr_name");

/*
 * The interface's statistics files, opened while the path is there: the
 * daemon reads them later from a chroot.  One that will not open stays
 * unread.
 */
static void
open_counters(struct tun *t)
{
	static const char	*file[TUN_NCOUNTERS] = {
		[TUN_RX_PACKETS] = "rx_packets", [TUN_RX_BYTES] = "rx_bytes",
		[TUN_RX_ERRORS] = "rx_errors", [TUN_RX_DROPPED] = "rx_dropped",
		[TUN_TX_PACKETS] = "tx_packets", [TUN_TX_BYTES] = "tx_bytes",
		[TUN_TX_ERRORS] = "tx_errors", [TUN_TX_DROPPED] = "tx_dropped"
	};
	char			 path[96];
	int			 c;

	for (c = 0; c < TUN_NCOUNTERS; c++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
		    t->name, file[c]);
		t->counter_fd[c] = open(path, O_RDONLY | O_CLOEXEC);
	}
}

/* Attach fd to the device t->name ("": a new one), and learn its name. */
static int
setiff(struct tun *t, int fd, int flags)
{
	struct ifreq	ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, t->name, sizeof(t->name));
	ifr.ifr_flags = (short)flags;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		return -1;
	memcpy(t->name, ifr.ifr_name, sizeof(t->name));
	t->name[sizeof(t->name) - 1] = '\0';
	return 0;
}

#ifndef IFF_TUN_EXCL
#define IFF_TUN_EXCL	0x8000
#endif

/* Whether the existing device was made persistent (ip tuntap add). */
static int
persistent(const char *name)
{
	char		 path[64 + TUN_NAMESIZ];
	unsigned	 flags = 0;
	FILE		*f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%x", &flags) != 1)
		flags = 0;
	fclose(f);
	return (flags & IFF_PERSIST) != 0;
}

/*
 * Attach fd as the next queue.  The first makes a new device or takes one
 * made persistent for us; one in use by another process is refused.
 */
static int
attach(struct tun *t, int fd, int flags)
{
	if (t->nqueues > 1)
		return setiff(t, fd, flags);
	if (setiff(t, fd, flags | IFF_TUN_EXCL) == 0)
		return 0;
	if (errno != EBUSY)
		return -1;
	if (!persistent(t->name)) {
		log_warnx("%s: in use by another process", t->name);
		return -1;
	}
	if (setiff(t, fd, flags) == -1) {
		log_warn("%s: persistent device", t->name);
		return -1;
	}
	return 0;
}

/* Linux 6.2; older headers lack them, older kernels refuse them. */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

/*
 * TSO for TCP over IPv4 and IPv6, with the checksum offload it needs, and
 * USO for UDP where the kernel has it.
 */
static void
offloads(struct tun *t, int fd)
{
	unsigned	f = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	t->offload = ioctl(fd, TUNSETOFFLOAD, f | TUN_F_USO4 | TUN_F_USO6) ==
	    0 || ioctl(fd, TUNSETOFFLOAD, f) == 0;
	if (!t->offload)
		log_warn("%s: no TSO, one packet a read", t->name);
}

/* Open one more queue fd; it belongs to t from here on. */
static int
open_queue(struct tun *t)
{
	int	fd;

	if ((fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		log_warn("%s", TUN_DEV);
		return -1;
	}
	t->fd[t->nqueues++] = fd;
	return fd;
}

int
tun_open(struct tun *t, const char *device, int nqueues)
{
	const char	*name = tunhdr_ifname(device);
	size_t		 len = strlen(name);
	int		 flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE |
			    IFF_VNET_HDR;
	int		 fd;

	memset(t, 0, sizeof(*t));
	memset(t->counter_fd, -1, sizeof(t->counter_fd));
	if (len >= sizeof(t->name)) {
		log_warnx("%s: interface name too long", device);
		return -1;
	}
	memcpy(t->name, name, len + 1);
	if (nqueues < 1)
		nqueues = 1;
	if (nqueues > TUN_MAXQUEUES)
		nqueues = TUN_MAXQUEUES;

	while (t->nqueues < nqueues) {
		if ((fd = open_queue(t)) == -1)
			goto fail;
		if (attach(t, fd, flags) == 0)
			continue;
		if (errno == EBUSY)
			goto fail;
		/* A kernel before 3.8, or a persistent single-queue device. */
		if (errno == EINVAL && t->nqueues == 1) {
			flags &= ~IFF_MULTI_QUEUE;
			if (attach(t, fd, flags) == 0) {
				if (nqueues > 1)
					log_info("%s: no multi-queue, using "
					    "one queue", t->name);
				nqueues = 1;
				continue;
			}
		}
		log_warn("TUNSETIFF %s", t->name[0] != '\0' ? t->name :
		    "(new device)");
		goto fail;
	}
	offloads(t, t->fd[0]);
	open_counters(t);
	log_debug("%s: %d queue%s%s", t->name, t->nqueues,
	    t->nqueues == 1 ? "" : "s", t->offload ? ", TSO" : "");
	return 0;

 fail:
	tun_close(t);
	return -1;
}

void
tun_close(struct tun *t)
{
	int	q, c;

	for (q = 0; q < t->nqueues; q++)
		close(t->fd[q]);
	t->nqueues = 0;
	for (c = 0; c < TUN_NCOUNTERS; c++) {
		if (t->counter_fd[c] != -1)
			close(t->counter_fd[c]);
		t->counter_fd[c] = -1;
	}
}

unsigned
tun_counters(const struct tun *t, uint64_t v[TUN_NCOUNTERS])
{
	char			 buf[32], *end;
	unsigned long long	 n;
	ssize_t			 len;
	unsigned		 mask = 0;
	int			 c;

	for (c = 0; c < TUN_NCOUNTERS; c++) {
		/* A sysfs attribute read from offset 0 is read anew. */
		if (t->counter_fd[c] == -1 || (len = pread(t->counter_fd[c],
		    buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[len] = '\0';
		errno = 0;
		n = strtoull(buf, &end, 10);
		if (end != buf && errno == 0 &&
		    (*end == '\n' || *end == '\0')) {
			v[c] = n;
			mask |= 1u << c;
		}
	}
	return mask;
}

/* A header right before the packet takes one read(), cheaper than readv(). */
ssize_t
tun_read(struct tun *t, int q, uint8_t *vnet, uint8_t *buf, size_t len)
{
	struct iovec	iov[2];
	ssize_t		n;

	if (vnet + TUN_VNET_LEN == buf)
		n = read(t->fd[q], vnet, TUN_VNET_LEN + len);
	else {
		iov[0].iov_base = vnet;
		iov[0].iov_len = TUN_VNET_LEN;
		iov[1].iov_base = buf;
		iov[1].iov_len = len;
		n = readv(t->fd[q], iov, 2);
	}
	if (n == -1)
		return -1;
	if (n < TUN_VNET_LEN ||
	    tun_ip_version(buf, (size_t)n - TUN_VNET_LEN) == 0)
		return 0;
	return n - TUN_VNET_LEN;
}

ssize_t
tun_write(struct tun *t, int q, const uint8_t *vnet, const uint8_t *pkt,
    size_t len)
{
	static const uint8_t	none[TUN_VNET_LEN];
	struct iovec		iov[2];
	ssize_t			n;

	iov[0].iov_base = (void *)(vnet != NULL ? vnet : none);
	iov[0].iov_len = TUN_VNET_LEN;
	iov[1].iov_base = (void *)pkt;
	iov[1].iov_len = len;
	if ((n = writev(t->fd[q], iov, 2)) == -1)
		return -1;
	return n - TUN_VNET_LEN;
}
