/*
 * Cryptokey routing: the longest-prefix-match table from IPv4 and IPv6
 * prefixes (AllowedIPs) to peers.  Outgoing packets go to the peer of the
 * longest prefix holding the destination; an incoming packet is kept only
 * when the longest prefix holding its source belongs to the peer it came
 * from.
 *
 * A path-compressed binary trie per family: a lookup visits at most one
 * node per address bit and allocates nothing.  Every node holds a prefix or
 * forks into two, so the table has fewer than two nodes per prefix.
 *
 * Threads: allowedips_lookup() may run in any number of threads at once,
 * alongside the calls that change the table; the table locks for itself.
 * A lookup takes one of 16 reader locks, picked once per thread, so up to
 * 16 data-path threads never share a lock's cache line; a change takes
 * them all.  allowedips_init() and allowedips_free() need the table to
 * themselves.  The peer pointers belong to the caller: a peer may be freed
 * only after allowedips_remove_peer() and after every thread that might
 * have looked it up is done with it.
 */
#ifndef TUND_ALLOWEDIPS_H
#define TUND_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct allowedips_node;
union allowedips_lock;

struct allowedips {
	struct allowedips_node	*root[2];	/* IPv4, IPv6 */
	union allowedips_lock	*locks;
	size_t			 count;		/* prefixes */
};

/* 0, or -1 with errno set; allowedips_free() only after a success. */
int	 allowedips_init(struct allowedips *);
void	 allowedips_free(struct allowedips *);
/*
 * Route a prefix to peer (not NULL); the bits past the length are ignored.
 * A prefix already in the table changes owner.  0, or -1 with errno set
 * (EINVAL, ENOMEM) and the table unchanged.
 */
int	 allowedips_insert(struct allowedips *, const struct prefix *,
	    void *peer);
/* 0, or -1 (ENOENT) when the prefix is not in the table. */
int	 allowedips_remove(struct allowedips *, const struct prefix *);
/* Remove every prefix of a peer; returns how many there were. */
size_t	 allowedips_remove_peer(struct allowedips *, const void *peer);
/*
 * The peer of the longest prefix holding addr (4 or 16 bytes, network
 * order, after family 4 or 6), or NULL.
 */
void	*allowedips_lookup(const struct allowedips *, int family,
	    const uint8_t *addr);
/*
 * Copy up to max of a peer's prefixes to out, IPv4 first, each family in
 * address order; returns how many the peer has (more than max: call again
 * with a bigger array).
 */
size_t	 allowedips_list(const struct allowedips *, const void *peer,
	    struct prefix *out, size_t max);
/* How many prefixes the table holds. */
size_t	 allowedips_count(const struct allowedips *);

#endif
