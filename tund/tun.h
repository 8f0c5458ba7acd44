/*
 * The tun device: one backend per system family (tun_linux.c, tun_bsd.c),
 * chosen by the Makefile.  Above this interface a packet is a bare IP
 * packet; any per-packet header the device wants is added and removed here.
 */
#ifndef TUND_TUN_H
#define TUND_TUN_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define TUN_NAMESIZ	16
#define TUN_MAXQUEUES	64

/* The kernel's counters of the interface, as Linux names them. */
enum tun_counter {
	TUN_RX_PACKETS,
	TUN_RX_BYTES,
	TUN_RX_ERRORS,
	TUN_RX_DROPPED,
	TUN_TX_PACKETS,
	TUN_TX_BYTES,
	TUN_TX_ERRORS,
	TUN_TX_DROPPED,
	TUN_NCOUNTERS
};

struct tun {
	char	 name[TUN_NAMESIZ];	/* interface name, e.g. "tun0" */
	int	 fd[TUN_MAXQUEUES];	/* one per queue, non-blocking */
	int	 nqueues;		/* what the system gave us */
	int	 created;		/* BSD: tun_close() destroys it */
	int	 offload;		/* Linux: TSO and checksum offload */
	int	 counter_fd[TUN_NCOUNTERS]; /* Linux: sysfs files, or -1 */
};

/* The virtio_net_hdr that comes with every packet where t->offload. */
#define TUN_VNET_LEN	10

/*
 * Open the device.  device is "", "tunN" or "/dev/tunN" ("" = the first
 * free one; Linux takes any interface name).  Asks for nqueues queues
 * (Linux IFF_MULTI_QUEUE), at most TUN_MAXQUEUES; a system without
 * multi-queue gives one, and t->nqueues says how many there are.
 * Returns 0, or -1 having logged why and closed what it opened.
 */
int	tun_open(struct tun *t, const char *device, int nqueues);
/*
 * Close every queue and remove an interface tun_open() created.  Leaves
 * t->name for the PostDown hook; t->nqueues becomes 0.
 */
void	tun_close(struct tun *t);
/*
 * One packet from queue q into buf, and its offload header into vnet
 * (TUN_VNET_LEN bytes, zeroed where the device has none): its length, 0
 * for a packet that was dropped (malformed header, not IPv4 or IPv6), or
 * -1 with errno (EAGAIN when drained).  A packet longer than len is cut
 * without a word from the device, so buf should hold the interface MTU,
 * or 64 KB with offloads.
 */
ssize_t	tun_read(struct tun *t, int q, uint8_t *vnet, uint8_t *buf,
	    size_t len);
/*
 * One IP packet to queue q, with its offload header (NULL: none, a plain
 * packet): its length, or -1 with errno (EMSGSIZE on the BSDs past what
 * one write may carry).
 */
ssize_t	tun_write(struct tun *t, int q, const uint8_t *vnet,
	    const uint8_t *pkt, size_t len);

/*
 * The interface's counters into v: a mask of those read (bit i: v[i]).
 * Linux reads files opened by tun_open(), so it works in a chroot and
 * after a rename; the BSDs give none.
 */
unsigned tun_counters(const struct tun *t, uint64_t v[TUN_NCOUNTERS]);

/*
 * The IP version of a packet from its first nibble: 4 or 6, and 0 for
 * anything else or a packet shorter than its fixed header.
 */
int	tun_ip_version(const uint8_t *pkt, size_t len);

#endif
