/*
 * The tun device on FreeBSD, DragonFly, OpenBSD and NetBSD: /dev/tunN.
 *
 * One queue: these systems have no multi-queue tun.  Every packet carries
 * a 4-byte address family header (TUNSIFHEAD; always on OpenBSD), made
 * from and checked against the IP version nibble here.  The first free
 * device comes from the cloning device /dev/tun where there is one
 * (FreeBSD, DragonFly), otherwise from trying /dev/tun0, /dev/tun1, ...
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <net/if.h>
#if defined(__DragonFly__)
#include <net/tun/if_tun.h>
#else
#include <net/if_tun.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"
#include "tunhdr.h"

#define CLONE_DEV	"/dev/tun"
#define OPEN_FLAGS	(O_RDWR | O_NONBLOCK | O_CLOEXEC)

/*
 * Open /dev/tunN.  Opening it makes the interface if there is none yet,
 * and then the interface is ours to remove.  Failures are the caller's to
 * log: while looking for a free device, EBUSY is no failure.
 */
static int
open_unit(struct tun *t, int unit)
{
	char	path[sizeof("/dev/") + TUN_NAMESIZ];

	(void)snprintf(t->name, sizeof(t->name), "tun%d", unit);
	(void)tunhdr_devpath(path, sizeof(path), t->name);	/* fits */
	t->created = if_nametoindex(t->name) == 0;
	return open(path, OPEN_FLAGS);
}

/*
 * fd is the cloning device, which hands out the lowest unused unit,
 * making it if need be; devname(3) says which.  That may be an idle
 * interface someone else made, which is removed at close all the same.
 */
static int
name_clone(struct tun *t, int fd)
{
	struct stat	 st;
	const char	*name;

	if (fstat(fd, &st) == -1) {
		log_warn("%s: fstat", CLONE_DEV);
		goto fail;
	}
	name = devname(st.st_rdev, S_IFCHR);
	if (name == NULL || tunhdr_unit(name) == -1) {
		log_warnx("%s: cannot tell which device it opened", CLONE_DEV);
		goto fail;
	}
	(void)strlcpy(t->name, name, sizeof(t->name));
	t->created = 1;
	return fd;

 fail:
	close(fd);
	return -1;
}

static int
open_first(struct tun *t)
{
	int	fd, unit;

	if ((fd = open(CLONE_DEV, OPEN_FLAGS)) != -1)
		return name_clone(t, fd);
	if (errno != ENOENT) {
		log_warn("%s", CLONE_DEV);
		return -1;
	}
	for (unit = 0; unit < TUNHDR_NSCAN; unit++) {
		if ((fd = open_unit(t, unit)) != -1)
			return fd;
		if (errno != EBUSY)
			break;
	}
	if (errno == EBUSY || errno == ENOENT)
		log_warnx("no free tun device");
	else
		log_warn("/dev/%s", t->name);
	return -1;
}

/* An ioctl on the device that takes an int. */
static int
set_int(struct tun *t, int fd, unsigned long req, const char *what, int val)
{
	if (ioctl(fd, req, &val) == -1) {
		log_warn("%s: %s", t->name, what);
		return -1;
	}
	return 0;
}

/* Bare IP behind the family header, point-to-point, non-blocking. */
static int
configure(struct tun *t, int fd)
{
#ifdef TUNSIFHEAD	/* not OpenBSD, which always has the header */
	if (set_int(t, fd, TUNSIFHEAD, "TUNSIFHEAD", 1) == -1)
		return -1;
#endif
	if (set_int(t, fd, TUNSIFMODE, "TUNSIFMODE", tunhdr_ifmode()) == -1)
		return -1;
#ifdef __NetBSD__	/* its tun keeps a non-blocking flag of its own */
	if (set_int(t, fd, FIONBIO, "FIONBIO", 1) == -1)
		return -1;
#endif
	return 0;
}

/*
 * Remove the interface tun_open() made.  OpenBSD and DragonFly do that at
 * the last close already (ENXIO here); FreeBSD keeps it.
 */
static void
destroy(const char *name)
{
	struct ifreq	ifr;
	int		s;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1) {
		log_warn("%s: socket", name);
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCIFDESTROY, &ifr) == -1 && errno != ENXIO)
		log_warn("%s: SIOCIFDESTROY", name);
	close(s);
}

int
tun_open(struct tun *t, const char *device, int nqueues)
{
	int	fd, unit;

	memset(t, 0, sizeof(*t));
	if (tunhdr_parse_device(device, &unit) == -1) {
		log_warnx("%s: not a tun device (tunN or /dev/tunN)", device);
		return -1;
	}
	if (unit == TUNHDR_ANYUNIT)
		fd = open_first(t);
	else if ((fd = open_unit(t, unit)) == -1)
		log_warn("/dev/%s", t->name);
	if (fd == -1)
		return -1;
	t->fd[t->nqueues++] = fd;
	if (configure(t, fd) == -1) {
		tun_close(t);
		return -1;
	}
	log_debug("%s: 1 queue", t->name);
	return 0;
}

void
tun_close(struct tun *t)
{
	int	q;

	for (q = 0; q < t->nqueues; q++)
		close(t->fd[q]);
	/* After the close: FreeBSD would wait for it. */
	if (t->nqueues > 0 && t->created)
		destroy(t->name);
	t->nqueues = 0;
	t->created = 0;
}

/*
 * None: getifaddrs(3) would have them, but whether pledge(2) lets the
 * sandboxed daemon read them is untested, and a refused call is fatal.
 */
unsigned
tun_counters(const struct tun *t, uint64_t v[TUN_NCOUNTERS])
{
	(void)t;
	(void)v;
	return 0;
}

/* The header and the packet as one read or write. */
static void
iov_set(struct iovec iov[2], uint8_t *hdr, const uint8_t *pkt, size_t len)
{
	iov[0].iov_base = hdr;
	iov[0].iov_len = TUNHDR_LEN;
	iov[1].iov_base = (void *)(uintptr_t)pkt;	/* writev only reads */
	iov[1].iov_len = len;
}

ssize_t
tun_read(struct tun *t, int q, uint8_t *vnet, uint8_t *buf, size_t len)
{
	uint8_t		hdr[TUNHDR_LEN];
	struct iovec	iov[2];
	ssize_t		n;

	/* No offloads here: every packet is a plain one. */
	memset(vnet, 0, TUN_VNET_LEN);
	iov_set(iov, hdr, buf, len);
	if ((n = readv(t->fd[q], iov, 2)) == -1)
		return -1;
	if (n < TUNHDR_LEN || tunhdr_decode(&tunhdr_afs_native, hdr, buf,
	    (size_t)n - TUNHDR_LEN) == -1)
		return 0;
	return n - TUNHDR_LEN;
}

ssize_t
tun_write(struct tun *t, int q, const uint8_t *vnet, const uint8_t *pkt,
    size_t len)
{
	uint8_t		hdr[TUNHDR_LEN];
	struct iovec	iov[2];

	if (len > TUNHDR_MAXWRITE - TUNHDR_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	if (tunhdr_encode(&tunhdr_afs_native, hdr, pkt, len) == -1) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	iov_set(iov, hdr, pkt, len);
	if (writev(t->fd[q], iov, 2) == -1)
		return -1;
	return (ssize_t)len;
}
