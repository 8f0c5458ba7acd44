/*
 * A path-compressed binary trie per address family.  A node's key is its
 * prefix as two host-order words, most significant bit first (IPv4 in the
 * top half of the first word), with the bits past its length zero.  Each
 * child extends its parent's prefix; which child is the parent's first bit
 * past its length.  Nodes without a peer only fork, and go away as soon as
 * they would not.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "allowedips.h"

#define NLOCKS		16
#define CACHELINE	64

struct allowedips_node {
	struct allowedips_node	*child[2];
	void			*peer;		/* NULL: only a fork */
	uint64_t		 key[2];
	uint8_t			 plen;
};

/* Reader locks on cache lines of their own. */
union allowedips_lock {
	pthread_rwlock_t	 rw;
	char			 pad[(sizeof(pthread_rwlock_t) + CACHELINE - 1) /
				    CACHELINE * CACHELINE];
};

/* This thread's reader lock, 1 + its index; 0 until the first lookup. */
static _Thread_local unsigned int reader;
static atomic_uint nreaders;

static union allowedips_lock *
read_lock(const struct allowedips *t)
{
	union allowedips_lock	*l;

	if (reader == 0)
		reader = atomic_fetch_add(&nreaders, 1) % NLOCKS + 1;
	l = &t->locks[reader - 1];
	pthread_rwlock_rdlock(&l->rw);
	return l;
}

static void
write_lock(struct allowedips *t)
{
	int	 i;

	/* Always in the same order, so writers queue instead of deadlocking. */
	for (i = 0; i < NLOCKS; i++)
		pthread_rwlock_wrlock(&t->locks[i].rw);
}

static void
write_unlock(struct allowedips *t)
{
	int	 i;

	for (i = NLOCKS - 1; i >= 0; i--)
		pthread_rwlock_unlock(&t->locks[i].rw);
}

/* The address length in bits for an IP version; 0 for anything else. */
static int
family_bits(int family)
{
	return family == 4 ? 32 : family == 6 ? 128 : 0;
}

static void
key_load(uint64_t key[2], const uint8_t *addr, int bits)
{
	int	 i;

	key[0] = key[1] = 0;
	for (i = 0; i < bits / 8; i++)
		key[i / 8] |= (uint64_t)addr[i] << (56 - 8 * (i % 8));
}

static void
key_store(uint8_t *addr, const uint64_t key[2], int bits)
{
	int	 i;

	for (i = 0; i < bits / 8; i++)
		addr[i] = (uint8_t)(key[i / 8] >> (56 - 8 * (i % 8)));
}

/* A word with its top bits set, bits clamped to [0, 64]. */
static uint64_t
top_bits(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 64)
		return UINT64_MAX;
	return UINT64_MAX << (64 - bits);
}

/* Zero the bits past plen. */
static void
key_mask(uint64_t key[2], int plen)
{
	key[0] &= top_bits(plen);
	key[1] &= top_bits(plen - 64);
}

/* How many leading bits two keys share. */
static int
common_bits(const uint64_t a[2], const uint64_t b[2])
{
	if (a[0] != b[0])
		return __builtin_clzll(a[0] ^ b[0]);
	if (a[1] != b[1])
		return 64 + __builtin_clzll(a[1] ^ b[1]);
	return 128;
}

/* Bit i of a key, counting from the most significant; i < 128. */
static int
key_bit(const uint64_t key[2], int i)
{
	return key[i / 64] >> (63 - i % 64) & 1;
}

/* The node's prefix holds the key. */
static int
covers(const struct allowedips_node *n, const uint64_t key[2])
{
	return common_bits(key, n->key) >= n->plen;
}

static struct allowedips_node *
node_new(const uint64_t key[2], int plen, void *peer)
{
	struct allowedips_node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	memcpy(n->key, key, sizeof(n->key));
	key_mask(n->key, plen);
	n->plen = (uint8_t)plen;
	n->peer = peer;
	return n;
}

/* A node that neither holds a prefix nor forks is replaced by its child. */
static struct allowedips_node *
compact(struct allowedips_node *n)
{
	struct allowedips_node	*c;

	if (n->peer != NULL || (n->child[0] != NULL && n->child[1] != NULL))
		return n;
	c = n->child[0] != NULL ? n->child[0] : n->child[1];
	free(n);
	return c;
}

static void
tree_free(struct allowedips_node *n)
{
	if (n == NULL)
		return;
	tree_free(n->child[0]);
	tree_free(n->child[1]);
	free(n);
}

/* Check a prefix and turn it into a key without its host bits. */
static int
prefix_key(const struct prefix *p, uint64_t key[2])
{
	int	 bits = family_bits(p->family);

	if (bits == 0 || p->plen > bits) {
		errno = EINVAL;
		return -1;
	}
	key_load(key, p->addr, bits);
	key_mask(key, p->plen);
	return 0;
}

int
allowedips_init(struct allowedips *t)
{
	void	*mem;
	int	 i, error;

	memset(t, 0, sizeof(*t));
	error = posix_memalign(&mem, CACHELINE, NLOCKS * sizeof(*t->locks));
	if (error != 0) {
		errno = error;
		return -1;
	}
	t->locks = mem;
	for (i = 0; i < NLOCKS; i++) {
		if ((error = pthread_rwlock_init(&t->locks[i].rw, NULL)) != 0)
			goto fail;
	}
	return 0;
 fail:
	while (i-- > 0)
		pthread_rwlock_destroy(&t->locks[i].rw);
	free(t->locks);
	t->locks = NULL;
	errno = error;
	return -1;
}

void
allowedips_free(struct allowedips *t)
{
	int	 i;

	tree_free(t->root[0]);
	tree_free(t->root[1]);
	for (i = 0; i < NLOCKS; i++)
		pthread_rwlock_destroy(&t->locks[i].rw);
	free(t->locks);
	memset(t, 0, sizeof(*t));
}

/*
 * Walk down to where the prefix belongs and hang it there: as an existing
 * node (new owner), a new leaf, a new node above the one in the way, or a
 * fork above both.  1 for a new prefix, 0 for a new owner, -1 when out of
 * memory.
 */
static int
insert(struct allowedips_node **slot, const uint64_t key[2], int plen,
    void *peer)
{
	struct allowedips_node	*n, *leaf, *fork;
	int			 c = 0, added;

	while ((n = *slot) != NULL) {
		c = common_bits(key, n->key);
		if (c > plen)
			c = plen;
		if (c < n->plen)
			break;
		if (n->plen == plen) {
			added = n->peer == NULL;
			n->peer = peer;
			return added;
		}
		slot = &n->child[key_bit(key, n->plen)];
	}
	if ((leaf = node_new(key, plen, peer)) == NULL)
		return -1;
	if (n == NULL) {
		*slot = leaf;
		return 1;
	}
	if (c == plen) {
		leaf->child[key_bit(n->key, plen)] = n;
		*slot = leaf;
		return 1;
	}
	if ((fork = node_new(key, c, NULL)) == NULL) {
		free(leaf);
		return -1;
	}
	fork->child[key_bit(key, c)] = leaf;
	fork->child[key_bit(n->key, c)] = n;
	*slot = fork;
	return 1;
}

int
allowedips_insert(struct allowedips *t, const struct prefix *p, void *peer)
{
	uint64_t	 key[2];
	int		 rv;

	if (prefix_key(p, key) == -1)
		return -1;
	if (peer == NULL) {
		errno = EINVAL;
		return -1;
	}
	write_lock(t);
	if ((rv = insert(&t->root[p->family == 6], key, p->plen, peer)) == 1)
		t->count++;
	write_unlock(t);
	if (rv == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Returns the subtree without the prefix; *found says whether it was. */
static struct allowedips_node *
delete(struct allowedips_node *n, const uint64_t key[2], int plen,
    int *found)
{
	int	 b;

	if (n == NULL || n->plen > plen || !covers(n, key))
		return n;
	if (n->plen == plen) {
		*found = n->peer != NULL;
		n->peer = NULL;
	} else {
		b = key_bit(key, n->plen);
		n->child[b] = delete(n->child[b], key, plen, found);
	}
	return compact(n);
}

int
allowedips_remove(struct allowedips *t, const struct prefix *p)
{
	struct allowedips_node	**root = &t->root[p->family == 6];
	uint64_t		 key[2];
	int			 found = 0;

	if (prefix_key(p, key) == -1)
		return -1;
	write_lock(t);
	*root = delete(*root, key, p->plen, &found);
	if (found)
		t->count--;
	write_unlock(t);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static struct allowedips_node *
prune(struct allowedips_node *n, const void *peer, size_t *removed)
{
	if (n == NULL)
		return NULL;
	n->child[0] = prune(n->child[0], peer, removed);
	n->child[1] = prune(n->child[1], peer, removed);
	if (n->peer == peer) {
		n->peer = NULL;
		(*removed)++;
	}
	return compact(n);
}

size_t
allowedips_remove_peer(struct allowedips *t, const void *peer)
{
	size_t	 removed = 0;
	int	 i;

	/* NULL would match every fork. */
	if (peer == NULL)
		return 0;
	write_lock(t);
	for (i = 0; i < 2; i++)
		t->root[i] = prune(t->root[i], peer, &removed);
	t->count -= removed;
	write_unlock(t);
	return removed;
}

void *
allowedips_lookup(const struct allowedips *t, int family, const uint8_t *addr)
{
	union allowedips_lock	*l;
	struct allowedips_node	*n;
	uint64_t		 key[2];
	void			*peer = NULL;
	int			 bits = family_bits(family);

	if (bits == 0)
		return NULL;
	key_load(key, addr, bits);
	l = read_lock(t);
	n = t->root[family == 6];
	while (n != NULL && covers(n, key)) {
		if (n->peer != NULL)
			peer = n->peer;
		/* A full-length prefix is always a leaf. */
		if (n->plen == bits)
			break;
		n = n->child[key_bit(key, n->plen)];
	}
	pthread_rwlock_unlock(&l->rw);
	return peer;
}

struct listing {
	const void	*peer;
	struct prefix	*out;
	size_t		 max;
	size_t		 n;
	int		 family;
};

static void
collect(const struct allowedips_node *n, struct listing *ls)
{
	struct prefix	*p;

	if (n == NULL)
		return;
	if (n->peer == ls->peer) {
		if (ls->n < ls->max) {
			p = &ls->out[ls->n];
			memset(p, 0, sizeof(*p));
			p->family = (uint8_t)ls->family;
			p->plen = n->plen;
			key_store(p->addr, n->key, family_bits(ls->family));
		}
		ls->n++;
	}
	collect(n->child[0], ls);
	collect(n->child[1], ls);
}

size_t
allowedips_list(const struct allowedips *t, const void *peer,
    struct prefix *out, size_t max)
{
	union allowedips_lock	*l;
	struct listing		 ls = { .peer = peer, .out = out, .max = max,
				    .family = 4 };

	if (peer == NULL)
		return 0;
	l = read_lock(t);
	collect(t->root[0], &ls);
	ls.family = 6;
	collect(t->root[1], &ls);
	pthread_rwlock_unlock(&l->rw);
	return ls.n;
}

size_t
allowedips_count(const struct allowedips *t)
{
	union allowedips_lock	*l;
	size_t			 n;

	l = read_lock(t);
	n = t->count;
	pthread_rwlock_unlock(&l->rw);
	return n;
}
