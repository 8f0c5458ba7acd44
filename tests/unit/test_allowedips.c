#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"
#include "t.h"

/* The source itself, so the tests can check the trie's shape too. */
#include "allowedips.c"

#define NPEERS	1000

/* Peers are only compared, so any distinct addresses will do. */
static char	 peers[NPEERS];
#define PEER(i)	((void *)&peers[(i)])

static struct prefix
pfx(const char *s)
{
	struct prefix	 p;

	if (prefix_parse(&p, s, NULL) == -1)
		abort();
	return p;
}

static void *
lookup(const struct allowedips *t, const char *addr)
{
	struct prefix	 p = pfx(addr);

	return allowedips_lookup(t, p.family, p.addr);
}

static int
put(struct allowedips *t, const char *s, void *peer)
{
	struct prefix	 p = pfx(s);

	return allowedips_insert(t, &p, peer);
}

static int
drop(struct allowedips *t, const char *s)
{
	struct prefix	 p = pfx(s);

	return allowedips_remove(t, &p);
}

/* The naive reference: a list of prefixes, scanned for every lookup. */
struct ref {
	struct entry {
		struct prefix	 p;
		void		*peer;
	}		*v;
	size_t		 n;
};

static struct entry *
ref_find(struct ref *r, const struct prefix *p)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		if (prefix_equal(&r->v[i].p, p))
			return &r->v[i];
	return NULL;
}

static void
ref_insert(struct ref *r, struct prefix p, void *peer)
{
	struct entry	*e;

	prefix_mask(&p);
	if ((e = ref_find(r, &p)) == NULL) {
		if ((r->v = realloc(r->v, (r->n + 1) * sizeof(*r->v))) == NULL)
			abort();
		e = &r->v[r->n++];
		e->p = p;
	}
	e->peer = peer;
}

static int
ref_remove(struct ref *r, struct prefix p)
{
	struct entry	*e;

	prefix_mask(&p);
	if ((e = ref_find(r, &p)) == NULL)
		return -1;
	*e = r->v[--r->n];
	return 0;
}

static size_t
ref_remove_peer(struct ref *r, const void *peer)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->n;) {
		if (r->v[i].peer == peer) {
			r->v[i] = r->v[--r->n];
			n++;
		} else
			i++;
	}
	return n;
}

static void *
ref_lookup(const struct ref *r, int family, const uint8_t *addr)
{
	const struct entry	*best = NULL;
	size_t			 i;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].p.family != family ||
		    !prefix_contains(&r->v[i].p, addr))
			continue;
		if (best == NULL || r->v[i].p.plen > best->p.plen)
			best = &r->v[i];
	}
	return best != NULL ? best->peer : NULL;
}

/* IPv4 first, then by address, then shorter first: the table's order. */
static int
prefix_order(const void *va, const void *vb)
{
	const struct prefix	*a = va, *b = vb;
	int			 c;

	if (a->family != b->family)
		return a->family - b->family;
	if ((c = memcmp(a->addr, b->addr, sizeof(a->addr))) != 0)
		return c;
	return a->plen - b->plen;
}

static size_t
ref_list(const struct ref *r, const void *peer, struct prefix *out)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->n; i++)
		if (r->v[i].peer == peer)
			out[n++] = r->v[i].p;
	qsort(out, n, sizeof(*out), prefix_order);
	return n;
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)random() % n;
}

/*
 * Addresses that share leading bits often, so prefixes nest and overlap:
 * random bytes behind one of a few fixed beginnings.
 */
static void
random_addr(uint8_t *addr, int family)
{
	static const uint8_t starts[4][16] = {
		{ 10, 0, 0, 0 }, { 198, 18, 0, 0 }, { 0x20, 0x01, 0x0d, 0xb8 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	size_t	 len = family == 4 ? 4 : 16, i, keep;

	memset(addr, 0, 16);
	for (i = 0; i < len; i++)
		addr[i] = rnd(256);
	if (rnd(4) != 0) {
		keep = rnd(len);
		memcpy(addr, starts[rnd(4)], keep);
	}
}

static struct prefix
random_prefix(int family)
{
	struct prefix	 p;

	memset(&p, 0, sizeof(p));
	p.family = family;
	random_addr(p.addr, family);
	p.plen = rnd(family == 4 ? 33 : 129);
	return p;
}

/* Overwrite the first bits of an address with a prefix's. */
static void
blend(uint8_t *addr, const struct prefix *p)
{
	int	 i, bit;

	for (i = 0; i < p->plen; i++) {
		bit = 0x80 >> i % 8;
		addr[i / 8] = (addr[i / 8] & ~bit) | (p->addr[i / 8] & bit);
	}
}

/* An address inside a prefix the reference holds, or a random one. */
static void
probe_addr(const struct ref *r, uint8_t *addr, int family)
{
	const struct prefix	*p;

	random_addr(addr, family);
	if (r->n == 0 || rnd(4) == 0)
		return;
	p = &r->v[rnd(r->n)].p;
	if (p->family == family)
		blend(addr, p);
}

/* The first of n probes where table and reference disagree, or -1. */
static int
compare(const struct allowedips *t, const struct ref *r, int n)
{
	uint8_t	 addr[16];
	int	 i, family;

	for (i = 0; i < n; i++) {
		family = rnd(2) ? 4 : 6;
		probe_addr(r, addr, family);
		if (allowedips_lookup(t, family, addr) !=
		    ref_lookup(r, family, addr))
			return i;
	}
	return -1;
}

static int
same_list(const struct allowedips *t, const struct ref *r, const void *peer)
{
	static struct prefix	 got[4096], want[4096];
	size_t			 n;

	n = ref_list(r, peer, want);
	if (allowedips_list(t, peer, got, 4096) != n)
		return 0;
	return memcmp(got, want, n * sizeof(*got)) == 0;
}

static void
empty(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK(lookup(&t, "10.0.0.1") == NULL);
	CHECK(lookup(&t, "::") == NULL);
	CHECK_INT(allowedips_count(&t), 0);
	CHECK_INT(allowedips_list(&t, PEER(0), NULL, 0), 0);
	allowedips_free(&t);
}

static void
one_v4(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "198.18.1.0/24", PEER(1)), 0);
	CHECK(lookup(&t, "198.18.1.0") == PEER(1));
	CHECK(lookup(&t, "198.18.1.255") == PEER(1));
	CHECK(lookup(&t, "198.18.0.255") == NULL);
	CHECK(lookup(&t, "198.18.2.0") == NULL);
	CHECK(lookup(&t, "70.18.1.1") == NULL);
	CHECK_INT(allowedips_count(&t), 1);
	allowedips_free(&t);
}

static void
one_v6(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "2001:db8:1::/48", PEER(1)), 0);
	CHECK(lookup(&t, "2001:db8:1::1") == PEER(1));
	CHECK(lookup(&t, "2001:db8:1:ffff:ffff:ffff:ffff:ffff") == PEER(1));
	CHECK(lookup(&t, "2001:db8:2::") == NULL);
	CHECK(lookup(&t, "2001:db8::ffff") == NULL);
	allowedips_free(&t);
}

static void
default_v4(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "0.0.0.0/0", PEER(1)), 0);
	CHECK(lookup(&t, "0.0.0.0") == PEER(1));
	CHECK(lookup(&t, "255.255.255.255") == PEER(1));
	CHECK(lookup(&t, "128.0.0.0") == PEER(1));
	CHECK(lookup(&t, "::") == NULL);
	allowedips_free(&t);
}

static void
default_v6(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "::/0", PEER(1)), 0);
	CHECK(lookup(&t, "::") == PEER(1));
	CHECK(lookup(&t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") ==
	    PEER(1));
	CHECK(lookup(&t, "0.0.0.0") == NULL);
	allowedips_free(&t);
}

static void
defaults_and_hosts(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "0.0.0.0/0", PEER(1)), 0);
	CHECK_INT(put(&t, "::/0", PEER(2)), 0);
	CHECK_INT(put(&t, "198.18.0.1/32", PEER(3)), 0);
	CHECK_INT(put(&t, "2001:db8::1/128", PEER(4)), 0);
	CHECK(lookup(&t, "198.18.0.1") == PEER(3));
	CHECK(lookup(&t, "198.18.0.0") == PEER(1));
	CHECK(lookup(&t, "198.18.0.2") == PEER(1));
	CHECK(lookup(&t, "2001:db8::1") == PEER(4));
	CHECK(lookup(&t, "2001:db8::") == PEER(2));
	CHECK(lookup(&t, "2001:db8::3") == PEER(2));
	CHECK_INT(allowedips_count(&t), 4);
	allowedips_free(&t);
}

static void
host_v4(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "198.18.7.7/32", PEER(1)), 0);
	CHECK_INT(put(&t, "198.18.7.6/32", PEER(2)), 0);
	CHECK(lookup(&t, "198.18.7.7") == PEER(1));
	CHECK(lookup(&t, "198.18.7.6") == PEER(2));
	CHECK(lookup(&t, "198.18.7.5") == NULL);
	CHECK(lookup(&t, "198.18.7.8") == NULL);
	allowedips_free(&t);
}

static void
host_v6(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "2001:db8::ffff/128", PEER(1)), 0);
	CHECK_INT(put(&t, "2001:db8::fffe/128", PEER(2)), 0);
	CHECK(lookup(&t, "2001:db8::ffff") == PEER(1));
	CHECK(lookup(&t, "2001:db8::fffe") == PEER(2));
	CHECK(lookup(&t, "2001:db8::fffd") == NULL);
	CHECK(lookup(&t, "2001:db8::1:ffff") == NULL);
	allowedips_free(&t);
}

static void
longest_wins(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/8", PEER(1)), 0);
	CHECK_INT(put(&t, "10.1.0.0/16", PEER(2)), 0);
	CHECK_INT(put(&t, "10.1.1.0/24", PEER(3)), 0);
	CHECK_INT(put(&t, "10.1.1.128/25", PEER(4)), 0);
	CHECK(lookup(&t, "10.2.0.0") == PEER(1));
	CHECK(lookup(&t, "10.1.2.0") == PEER(2));
	CHECK(lookup(&t, "10.1.1.1") == PEER(3));
	CHECK(lookup(&t, "10.1.1.200") == PEER(4));
	CHECK(lookup(&t, "11.1.1.1") == NULL);
	allowedips_free(&t);
}

static void
longest_wins_reversed(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.1.1.128/25", PEER(4)), 0);
	CHECK_INT(put(&t, "10.1.1.0/24", PEER(3)), 0);
	CHECK_INT(put(&t, "10.1.0.0/16", PEER(2)), 0);
	CHECK_INT(put(&t, "10.0.0.0/8", PEER(1)), 0);
	CHECK(lookup(&t, "10.2.0.0") == PEER(1));
	CHECK(lookup(&t, "10.1.2.0") == PEER(2));
	CHECK(lookup(&t, "10.1.1.1") == PEER(3));
	CHECK(lookup(&t, "10.1.1.200") == PEER(4));
	allowedips_free(&t);
}

static void
halves(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "0.0.0.0/1", PEER(1)), 0);
	CHECK_INT(put(&t, "128.0.0.0/1", PEER(2)), 0);
	CHECK_INT(put(&t, "::/1", PEER(3)), 0);
	CHECK_INT(put(&t, "8000::/1", PEER(4)), 0);
	CHECK(lookup(&t, "127.255.255.255") == PEER(1));
	CHECK(lookup(&t, "128.0.0.0") == PEER(2));
	CHECK(lookup(&t, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == PEER(3));
	CHECK(lookup(&t, "8000::") == PEER(4));
	allowedips_free(&t);
}

/* Prefixes that differ only in their 64th or 65th bit. */
static void
word_boundary_v6(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "2001:db8::/64", PEER(1)), 0);
	CHECK_INT(put(&t, "2001:db8:0:1::/64", PEER(2)), 0);
	CHECK_INT(put(&t, "2001:db8::8000:0:0:0/65", PEER(3)), 0);
	CHECK(lookup(&t, "2001:db8::1") == PEER(1));
	CHECK(lookup(&t, "2001:db8:0:1::1") == PEER(2));
	CHECK(lookup(&t, "2001:db8::8000:0:0:1") == PEER(3));
	CHECK(lookup(&t, "2001:db8:0:2::") == NULL);
	allowedips_free(&t);
}

static void
replace_owner(void)
{
	struct allowedips	 t;
	struct prefix		 out[2];

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "198.18.0.0/16", PEER(1)), 0);
	CHECK_INT(put(&t, "198.18.0.0/16", PEER(2)), 0);
	CHECK(lookup(&t, "198.18.3.4") == PEER(2));
	CHECK_INT(allowedips_count(&t), 1);
	CHECK_INT(allowedips_list(&t, PEER(1), out, 2), 0);
	CHECK_INT(allowedips_list(&t, PEER(2), out, 2), 1);
	CHECK_INT(allowedips_remove_peer(&t, PEER(1)), 0);
	CHECK(lookup(&t, "198.18.3.4") == PEER(2));
	allowedips_free(&t);
}

static void
same_owner_twice(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "2001:db8::/32", PEER(1)), 0);
	CHECK_INT(put(&t, "2001:db8::/32", PEER(1)), 0);
	CHECK_INT(allowedips_count(&t), 1);
	CHECK_INT(drop(&t, "2001:db8::/32"), 0);
	CHECK(lookup(&t, "2001:db8::1") == NULL);
	allowedips_free(&t);
}

static void
host_bits_masked(void)
{
	struct allowedips	 t;
	struct prefix		 out[1];
	char			 buf[PREFIX_STRLEN];

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.1.2.3/8", PEER(1)), 0);
	CHECK_INT(put(&t, "2001:db8::1/32", PEER(1)), 0);
	CHECK(lookup(&t, "10.200.0.1") == PEER(1));
	CHECK(lookup(&t, "2001:db8:ffff::") == PEER(1));
	CHECK_INT(allowedips_list(&t, PEER(1), out, 1), 2);
	CHECK_STR(prefix_fmt(&out[0], buf, sizeof(buf)), "10.0.0.0/8");
	/* The same prefix written with other host bits. */
	CHECK_INT(put(&t, "10.9.9.9/8", PEER(2)), 0);
	CHECK_INT(allowedips_count(&t), 2);
	CHECK(lookup(&t, "10.1.2.3") == PEER(2));
	CHECK_INT(drop(&t, "10.255.0.0/8"), 0);
	CHECK_INT(drop(&t, "2001:db8::2/32"), 0);
	CHECK_INT(allowedips_count(&t), 0);
	allowedips_free(&t);
}

static void
remove_missing(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	errno = 0;
	CHECK_INT(drop(&t, "10.0.0.0/8"), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(put(&t, "10.0.0.0/8", PEER(1)), 0);
	CHECK_INT(drop(&t, "10.0.0.0/9"), -1);
	CHECK_INT(drop(&t, "10.0.0.0/7"), -1);
	CHECK_INT(drop(&t, "10.0.0.1/32"), -1);
	CHECK_INT(drop(&t, "::/8"), -1);
	CHECK(lookup(&t, "10.0.0.1") == PEER(1));
	CHECK_INT(allowedips_count(&t), 1);
	allowedips_free(&t);
}

/* The fork a table makes between two prefixes is not a prefix itself. */
static void
remove_fork(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/24", PEER(1)), 0);
	CHECK_INT(put(&t, "10.0.1.0/24", PEER(2)), 0);
	CHECK_INT(drop(&t, "10.0.0.0/23"), -1);
	CHECK(lookup(&t, "10.0.0.1") == PEER(1));
	CHECK(lookup(&t, "10.0.1.1") == PEER(2));
	CHECK_INT(allowedips_list(&t, PEER(1), NULL, 0), 1);
	allowedips_free(&t);
}

static void
insert_at_fork(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/24", PEER(1)), 0);
	CHECK_INT(put(&t, "10.0.1.0/24", PEER(2)), 0);
	CHECK_INT(put(&t, "10.0.0.0/23", PEER(3)), 0);
	CHECK_INT(allowedips_count(&t), 3);
	CHECK(lookup(&t, "10.0.1.1") == PEER(2));
	CHECK_INT(drop(&t, "10.0.1.0/24"), 0);
	CHECK(lookup(&t, "10.0.1.1") == PEER(3));
	CHECK_INT(drop(&t, "10.0.0.0/23"), 0);
	CHECK(lookup(&t, "10.0.1.1") == NULL);
	CHECK(lookup(&t, "10.0.0.1") == PEER(1));
	allowedips_free(&t);
}

static void
remove_falls_back(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/8", PEER(1)), 0);
	CHECK_INT(put(&t, "10.1.0.0/16", PEER(2)), 0);
	CHECK_INT(put(&t, "10.1.1.0/24", PEER(3)), 0);
	CHECK_INT(drop(&t, "10.1.0.0/16"), 0);
	CHECK(lookup(&t, "10.1.2.0") == PEER(1));
	CHECK(lookup(&t, "10.1.1.0") == PEER(3));
	CHECK_INT(drop(&t, "10.1.1.0/24"), 0);
	CHECK(lookup(&t, "10.1.1.0") == PEER(1));
	CHECK_INT(drop(&t, "10.0.0.0/8"), 0);
	CHECK(lookup(&t, "10.1.1.0") == NULL);
	CHECK_INT(allowedips_count(&t), 0);
	allowedips_free(&t);
}

static void
remove_peer(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/8", PEER(1)), 0);
	CHECK_INT(put(&t, "10.1.0.0/16", PEER(2)), 0);
	CHECK_INT(put(&t, "10.1.1.0/24", PEER(1)), 0);
	CHECK_INT(put(&t, "2001:db8::/32", PEER(1)), 0);
	CHECK_INT(put(&t, "2001:db8:1::/48", PEER(2)), 0);
	CHECK_INT(allowedips_remove_peer(&t, PEER(1)), 4 - 1);
	CHECK_INT(allowedips_count(&t), 2);
	CHECK(lookup(&t, "10.1.1.1") == PEER(2));
	CHECK(lookup(&t, "10.2.0.0") == NULL);
	CHECK(lookup(&t, "2001:db8::1") == NULL);
	CHECK(lookup(&t, "2001:db8:1::1") == PEER(2));
	CHECK_INT(allowedips_remove_peer(&t, PEER(1)), 0);
	CHECK_INT(allowedips_remove_peer(&t, PEER(2)), 2);
	CHECK_INT(allowedips_count(&t), 0);
	CHECK(lookup(&t, "10.1.1.1") == NULL);
	allowedips_free(&t);
}

static void
remove_peer_unknown(void)
{
	struct allowedips	 t;

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/24", PEER(1)), 0);
	CHECK_INT(put(&t, "10.0.1.0/24", PEER(1)), 0);
	CHECK_INT(allowedips_remove_peer(&t, PEER(9)), 0);
	CHECK_INT(allowedips_remove_peer(&t, NULL), 0);
	CHECK_INT(allowedips_count(&t), 2);
	CHECK(lookup(&t, "10.0.1.1") == PEER(1));
	allowedips_free(&t);
}

static void
list_order_and_size(void)
{
	static const char *want[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.0.1.0/24",
		"192.168.0.0/16", "::/0", "2001:db8::/32", "2001:db8::1/128"
	};
	struct allowedips	 t;
	struct prefix		 out[8];
	char			 buf[PREFIX_STRLEN];
	size_t			 i, n = sizeof(want) / sizeof(want[0]);

	CHECK_INT(allowedips_init(&t), 0);
	for (i = n; i-- > 0;)
		CHECK_INT(put(&t, want[i], PEER(1)), 0);
	CHECK_INT(put(&t, "10.0.0.0/12", PEER(2)), 0);
	CHECK_INT(allowedips_list(&t, PEER(1), out, 8), n);
	for (i = 0; i < n; i++)
		CHECK_STR(prefix_fmt(&out[i], buf, sizeof(buf)), want[i]);
	memset(out, 0xee, sizeof(out));
	CHECK_INT(allowedips_list(&t, PEER(1), out, 3), n);
	CHECK_STR(prefix_fmt(&out[2], buf, sizeof(buf)), want[2]);
	CHECK_INT(out[3].family, 0xee);
	CHECK_INT(allowedips_list(&t, PEER(2), out, 8), 1);
	CHECK_INT(allowedips_list(&t, NULL, out, 8), 0);
	allowedips_free(&t);
}

static void
invalid(void)
{
	struct allowedips	 t;
	struct prefix		 p;

	CHECK_INT(allowedips_init(&t), 0);
	p = pfx("10.0.0.0/8");
	errno = 0;
	CHECK_INT(allowedips_insert(&t, &p, NULL), -1);
	CHECK_INT(errno, EINVAL);
	p.plen = 33;
	CHECK_INT(allowedips_insert(&t, &p, PEER(1)), -1);
	CHECK_INT(allowedips_remove(&t, &p), -1);
	p = pfx("::/0");
	p.plen = 129;
	CHECK_INT(allowedips_insert(&t, &p, PEER(1)), -1);
	p.plen = 0;
	p.family = 5;
	errno = 0;
	CHECK_INT(allowedips_insert(&t, &p, PEER(1)), -1);
	CHECK_INT(errno, EINVAL);
	p.family = 10;
	CHECK_INT(allowedips_insert(&t, &p, PEER(1)), -1);
	CHECK_INT(allowedips_count(&t), 0);
	CHECK(lookup(&t, "10.0.0.0") == NULL);
	CHECK(lookup(&t, "::") == NULL);
	allowedips_free(&t);
}

static void
lookup_bad_family(void)
{
	struct allowedips	 t;
	uint8_t			 addr[16] = { 0 };

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "0.0.0.0/0", PEER(1)), 0);
	CHECK_INT(put(&t, "::/0", PEER(1)), 0);
	CHECK(allowedips_lookup(&t, 4, addr) == PEER(1));
	CHECK(allowedips_lookup(&t, 0, addr) == NULL);
	CHECK(allowedips_lookup(&t, 2, addr) == NULL);
	CHECK(allowedips_lookup(&t, 10, addr) == NULL);
	allowedips_free(&t);
}

/* The same bytes are different addresses in the two families. */
static void
families_apart(void)
{
	struct allowedips	 t;
	uint8_t			 addr[16] = { 10, 1, 2, 3 };

	CHECK_INT(allowedips_init(&t), 0);
	CHECK_INT(put(&t, "10.0.0.0/8", PEER(1)), 0);
	CHECK_INT(put(&t, "a00::/8", PEER(2)), 0);
	CHECK(allowedips_lookup(&t, 4, addr) == PEER(1));
	CHECK(allowedips_lookup(&t, 6, addr) == PEER(2));
	CHECK_INT(drop(&t, "10.0.0.0/8"), 0);
	CHECK(allowedips_lookup(&t, 4, addr) == NULL);
	CHECK(allowedips_lookup(&t, 6, addr) == PEER(2));
	allowedips_free(&t);
}

static void
every_length_nested(void)
{
	struct allowedips	 t;
	struct prefix		 p = pfx("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	int			 len;

	CHECK_INT(allowedips_init(&t), 0);
	for (len = 0; len <= 128; len++) {
		p.plen = len;
		CHECK_INT(allowedips_insert(&t, &p, PEER(len)), 0);
	}
	CHECK_INT(allowedips_count(&t), 129);
	CHECK(allowedips_lookup(&t, 6, p.addr) == PEER(128));
	for (len = 128; len > 0; len--) {
		p.plen = len;
		CHECK_INT(allowedips_remove(&t, &p), 0);
		CHECK(allowedips_lookup(&t, 6, p.addr) == PEER(len - 1));
	}
	allowedips_free(&t);
}

/*
 * Whether a subtree is a trie as allowedips.c means it: keys without bits
 * past their length, each child longer than its parent, holding the
 * parent's prefix and on the side of its next bit, and no node that
 * neither holds a prefix nor forks.  Counts the nodes.
 */
static int
subtree_ok(const struct allowedips_node *n, const struct allowedips_node *up,
    int side, int bits, size_t *nodes)
{
	uint64_t	 key[2];

	if (n == NULL)
		return 1;
	(*nodes)++;
	memcpy(key, n->key, sizeof(key));
	key_mask(key, n->plen);
	if (n->plen > bits || memcmp(key, n->key, sizeof(key)) != 0)
		return 0;
	if (n->peer == NULL && (n->child[0] == NULL || n->child[1] == NULL))
		return 0;
	if (up != NULL && (n->plen <= up->plen || !covers(up, n->key) ||
	    key_bit(n->key, up->plen) != side))
		return 0;
	return subtree_ok(n->child[0], n, 0, bits, nodes) &&
	    subtree_ok(n->child[1], n, 1, bits, nodes);
}

/* A sound trie with fewer than two nodes per prefix. */
static int
shape_ok(const struct allowedips *t)
{
	size_t	 nodes = 0;

	if (!subtree_ok(t->root[0], NULL, 0, 32, &nodes) ||
	    !subtree_ok(t->root[1], NULL, 0, 128, &nodes))
		return 0;
	return nodes == 0 || nodes < 2 * t->count;
}

/*
 * Random inserts, removals (of prefixes held, written with random host
 * bits, and of prefixes not held) and removals of whole peers, each checked
 * against the reference, with lookups and listings after every step.
 * Returns the step where the two disagree, or -1.
 */
static int
churn(unsigned seed, int family, int steps, int npeers, int remove_pct,
    int peer_pct)
{
	struct allowedips	 t;
	struct ref		 r = { NULL, 0 };
	struct prefix		 p;
	const struct prefix	*held;
	void			*peer;
	int			 i, op, bad = -1;

	srandom(seed);
	if (allowedips_init(&t) == -1)
		return 0;
	for (i = 0; i < steps && bad == -1; i++) {
		p = random_prefix(family ? family : rnd(2) ? 4 : 6);
		peer = PEER(rnd(npeers));
		op = rnd(100);
		if (op < peer_pct) {
			if (allowedips_remove_peer(&t, peer) !=
			    ref_remove_peer(&r, peer))
				bad = i;
		} else if (op < peer_pct + remove_pct) {
			/* Mostly one held, with other host bits. */
			if (r.n > 0 && rnd(4) != 0) {
				held = &r.v[rnd(r.n)].p;
				p = random_prefix(held->family);
				p.plen = held->plen;
				blend(p.addr, held);
			}
			if (allowedips_remove(&t, &p) != ref_remove(&r, p))
				bad = i;
		} else {
			if (allowedips_insert(&t, &p, peer) != 0)
				bad = i;
			ref_insert(&r, p, peer);
		}
		if (allowedips_count(&t) != r.n || !shape_ok(&t) ||
		    compare(&t, &r, 4) != -1 ||
		    (i % 64 == 0 && !same_list(&t, &r, PEER(rnd(npeers)))))
			bad = i;
	}
	if (bad == -1 && compare(&t, &r, 5000) != -1)
		bad = steps;
	for (i = 0; i < npeers && bad == -1; i++)
		if (allowedips_remove_peer(&t, PEER(i)) !=
		    ref_remove_peer(&r, PEER(i)))
			bad = steps + 1;
	if (bad == -1 && (allowedips_count(&t) != 0 || t.root[0] != NULL ||
	    t.root[1] != NULL || compare(&t, &r, 100) != -1))
		bad = steps + 2;
	allowedips_free(&t);
	free(r.v);
	return bad;
}

static void
random_v4(void)
{
	CHECK_INT(churn(1, 4, 3000, NPEERS, 0, 0), -1);
}

static void
random_v6(void)
{
	CHECK_INT(churn(2, 6, 3000, NPEERS, 0, 0), -1);
}

static void
random_v4_churn(void)
{
	CHECK_INT(churn(3, 4, 4000, 20, 40, 2), -1);
}

static void
random_v6_churn(void)
{
	CHECK_INT(churn(4, 6, 4000, 20, 40, 2), -1);
}

static void
random_mixed(void)
{
	CHECK_INT(churn(5, 0, 4000, 50, 30, 3), -1);
}

static void
random_small_tables(void)
{
	unsigned	 seed;

	for (seed = 100; seed < 160; seed++)
		CHECK_INT(churn(seed, 0, 150, 1 + seed % 7, seed % 50,
		    seed % 5), -1);
}

/*
 * Threads: readers look up addresses under 64 prefixes that stay put while
 * a writer adds and removes longer prefixes under them and elsewhere.  A
 * reader must always see the stable peer or a churning one, never nothing
 * and never a wrong stable peer.
 */
#define NSTABLE		64
#define CHURN0		100	/* churning peers are CHURN0..CHURN0+31 */
#define NREADERS	2

struct race {
	struct allowedips	 t;
	atomic_int		 ready, stop;
	atomic_long		 lookups, errors;
};

static int
race_peer_ok(void *peer, int stable)
{
	ptrdiff_t	 i = (char *)peer - peers;

	if (peer != NULL && i >= CHURN0 && i < CHURN0 + 32)
		return 1;
	return stable >= 0 ? peer == PEER(stable) : peer == NULL;
}

static void *
race_reader(void *arg)
{
	struct race	*rc = arg;
	struct prefix	 out[2];
	uint8_t		 v4[4] = { 10 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint8_t		 other[16] = { 172, 16 };
	unsigned	 seed = (unsigned)(uintptr_t)&seed;
	long		 n = 0, errors = 0;
	int		 i;

	while (!atomic_load(&rc->stop)) {
		i = rand_r(&seed) % NSTABLE;
		v4[1] = i;
		v4[2] = rand_r(&seed);
		v4[3] = rand_r(&seed);
		v6[5] = i;
		v6[6 + rand_r(&seed) % 10] = rand_r(&seed);
		other[2] = rand_r(&seed);
		errors += !race_peer_ok(allowedips_lookup(&rc->t, 4, v4), i);
		errors += !race_peer_ok(allowedips_lookup(&rc->t, 6, v6), i);
		errors += !race_peer_ok(allowedips_lookup(&rc->t, 4, other),
		    -1);
		if (n++ % 256 == 0)
			errors += allowedips_list(&rc->t, PEER(i), out, 2) != 2;
		if (n == 1)
			atomic_fetch_add(&rc->ready, 1);
	}
	atomic_fetch_add(&rc->lookups, 3 * n);
	atomic_fetch_add(&rc->errors, errors);
	return NULL;
}

/* A prefix under a stable one, or under 172.16.0.0/16 or fd00::/8. */
static struct prefix
race_prefix(void)
{
	static const char *under[] = {
		"10.0.0.0/17", "2001:db8::/49", "172.16.0.0/16", "fd00::/8"
	};
	struct prefix	 p, base;
	int		 which = rnd(4);

	base = pfx(under[which]);
	p = random_prefix(base.family);
	blend(p.addr, &base);
	p.plen = base.plen + rnd(base.family == 4 ? 33 - base.plen :
	    129 - base.plen);
	if (which == 0)
		p.addr[1] = rnd(NSTABLE);
	else if (which == 1)
		p.addr[5] = rnd(NSTABLE);
	return p;
}

static void
threads(void)
{
	struct race	 rc;
	struct prefix	 p;
	pthread_t	 tid[NREADERS];
	char		 s[64];
	int		 i, op, started = 0;

	memset(&rc, 0, sizeof(rc));
	CHECK_INT(allowedips_init(&rc.t), 0);
	for (i = 0; i < NSTABLE; i++) {
		snprintf(s, sizeof(s), "10.%d.0.0/16", i);
		CHECK_INT(put(&rc.t, s, PEER(i)), 0);
		snprintf(s, sizeof(s), "2001:db8:%x::/48", i);
		CHECK_INT(put(&rc.t, s, PEER(i)), 0);
	}
	for (; started < NREADERS; started++)
		if (pthread_create(&tid[started], NULL, race_reader, &rc) != 0)
			break;
	/* Change the table only while every reader is busy with it. */
	while (atomic_load(&rc.ready) < started)
		sched_yield();
	srandom(42);
	for (i = 0; i < 5000; i++) {
		p = race_prefix();
		if ((op = rnd(100)) < 2)
			allowedips_remove_peer(&rc.t, PEER(CHURN0 + rnd(32)));
		else if (op < 45)
			allowedips_remove(&rc.t, &p);
		else if (allowedips_insert(&rc.t, &p, PEER(CHURN0 + rnd(32))))
			break;
	}
	for (op = 0; op < 32; op++)
		allowedips_remove_peer(&rc.t, PEER(CHURN0 + op));
	atomic_store(&rc.stop, 1);
	while (started-- > 0)
		pthread_join(tid[started], NULL);
	CHECK_INT(i, 5000);
	CHECK_INT(atomic_load(&rc.errors), 0);
	CHECK(atomic_load(&rc.lookups) > 0);
	CHECK_INT(allowedips_count(&rc.t), 2 * NSTABLE);
	CHECK(shape_ok(&rc.t));
	allowedips_free(&rc.t);
}

int
main(void)
{
	T_RUN(empty);
	T_RUN(one_v4);
	T_RUN(one_v6);
	T_RUN(default_v4);
	T_RUN(default_v6);
	T_RUN(defaults_and_hosts);
	T_RUN(host_v4);
	T_RUN(host_v6);
	T_RUN(longest_wins);
	T_RUN(longest_wins_reversed);
	T_RUN(halves);
	T_RUN(word_boundary_v6);
	T_RUN(replace_owner);
	T_RUN(same_owner_twice);
	T_RUN(host_bits_masked);
	T_RUN(remove_missing);
	T_RUN(remove_fork);
	T_RUN(insert_at_fork);
	T_RUN(remove_falls_back);
	T_RUN(remove_peer);
	T_RUN(remove_peer_unknown);
	T_RUN(list_order_and_size);
	T_RUN(invalid);
	T_RUN(lookup_bad_family);
	T_RUN(families_apart);
	T_RUN(every_length_nested);
	T_RUN(random_v4);
	T_RUN(random_v6);
	T_RUN(random_v4_churn);
	T_RUN(random_v6_churn);
	T_RUN(random_mixed);
	T_RUN(random_small_tables);
	T_RUN(threads);
	return t_done();
}
