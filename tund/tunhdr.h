/*
 * The pure parts of the tun backends: the BSD 4-byte packet header
 * (TUNSIFHEAD, and OpenBSD's fixed header) and the naming and ioctl
 * arguments of BSD tun devices.  No I/O, so all of it is unit tested on
 * Linux, for every BSD's address family numbers.
 */
#ifndef TUND_TUNHDR_H
#define TUND_TUNHDR_H

#include <stddef.h>
#include <stdint.h>

#define TUNHDR_LEN	4		/* address family, network byte order */
#define TUNHDR_MAXWRITE	16384		/* BSD TUNMRU: one write, header included */
#define TUNHDR_ANYUNIT	(-1)		/* "": the first free device */
#define TUNHDR_MAXUNIT	32767		/* IF_MAXUNIT on FreeBSD and DragonFly */
#define TUNHDR_NSCAN	256		/* units tried for the first free one */

/*
 * The AF_INET and AF_INET6 numbers of one system.  The header carries
 * them; the wire and the rest of tund never do.
 */
struct tunhdr_afs {
	uint32_t	inet;
	uint32_t	inet6;
};

extern const struct tunhdr_afs tunhdr_afs_freebsd;	/* and DragonFly */
extern const struct tunhdr_afs tunhdr_afs_openbsd;
extern const struct tunhdr_afs tunhdr_afs_netbsd;
extern const struct tunhdr_afs tunhdr_afs_native;	/* this build's */

/*
 * The header for an IP packet, its family taken from the version nibble.
 * Returns 0, or -1 for a packet that is neither IPv4 nor IPv6.
 */
int	tunhdr_encode(const struct tunhdr_afs *, uint8_t hdr[TUNHDR_LEN],
	    const uint8_t *pkt, size_t len);
/*
 * Check a header read with a packet: 0 when its family is the packet's
 * IP version, -1 for an unknown family, a mismatch or a short packet.
 */
int	tunhdr_decode(const struct tunhdr_afs *, const uint8_t hdr[TUNHDR_LEN],
	    const uint8_t *pkt, size_t len);

/* A device spec without its leading "/dev/", if any. */
const char *tunhdr_ifname(const char *spec);
/*
 * The unit of a name "tunN" (N decimal without leading zeros, at most
 * TUNHDR_MAXUNIT), or -1 if name is not such a name.
 */
int	tunhdr_unit(const char *name);
/*
 * Parse a Device setting: "" (the first free device), "tunN" or
 * "/dev/tunN".  Sets *unit to N or TUNHDR_ANYUNIT; returns 0, or -1 if
 * spec names no tun device.
 */
int	tunhdr_parse_device(const char *spec, int *unit);
/* "/dev/name" into path; 0, or -1 if it does not fit. */
int	tunhdr_devpath(char *path, size_t size, const char *name);
/* The TUNSIFMODE argument: a point-to-point interface with multicast. */
int	tunhdr_ifmode(void);

#endif
