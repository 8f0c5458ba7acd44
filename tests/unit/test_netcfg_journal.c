/*
 * The netcfg journal against a fake system: what reaches the system, in
 * what order, and what is owned.
 */
#include <errno.h>
#include <stdlib.h>

#include "netcfg_journal.h"
#include "t.h"

#define MAXCALLS	256

/* The fake system: a log of calls, and the errno to fail the next with. */
static struct call {
	int			add;
	struct journal_entry	e;
} calls[MAXCALLS];
static int	ncalls;
static int	fail_add, fail_del;

static int
fake(void *arg, int add, const struct journal_entry *e)
{
	int	error = add ? fail_add : fail_del;

	if (ncalls < MAXCALLS) {
		calls[ncalls].add = add;
		calls[ncalls].e = *e;
	}
	ncalls++;
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

static void
start(struct journal *j)
{
	ncalls = 0;
	fail_add = fail_del = 0;
	journal_init(j, "tun9", fake, NULL);
}

static struct prefix
pfx(const char *s)
{
	struct prefix	 p;
	const char	*why;

	if (prefix_parse(&p, s, &why) == -1)
		abort();
	return p;
}

/* Whether call i was (add, kind, prefix, table). */
static int
was(int i, int add, enum journal_kind kind, const char *s, int table)
{
	struct prefix	 p = pfx(s);

	return i < ncalls && calls[i].add == add &&
	    calls[i].e.kind == kind && calls[i].e.table == table &&
	    prefix_equal(&calls[i].e.prefix, &p);
}

static void
undo_reverse_order(void)
{
	struct journal	 j;
	struct prefix	 a = pfx("198.18.5.1/24"), r1 = pfx("198.19.0.0/16");
	struct prefix	 r2 = pfx("2001:db8:77::/48");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ADDRESS, &a, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r1, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r2, 1234), 0);
	CHECK_INT(ncalls, 3);
	CHECK(was(0, 1, JOURNAL_ADDRESS, "198.18.5.1/24", -1));
	journal_undo(&j);
	CHECK_INT(ncalls, 6);
	CHECK(was(3, 0, JOURNAL_ROUTE, "2001:db8:77::/48", 1234));
	CHECK(was(4, 0, JOURNAL_ROUTE, "198.19.0.0/16", -1));
	CHECK(was(5, 0, JOURNAL_ADDRESS, "198.18.5.1/24", -1));
	CHECK_INT(j.n, 0);
	CHECK(j.entries == NULL);
}

static void
existing_not_owned(void)
{
	struct journal	 j;
	struct prefix	 a = pfx("198.18.5.1/24"), r = pfx("198.19.0.0/16");

	start(&j);
	fail_add = EEXIST;
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ADDRESS, &a, -1), 0);
	CHECK_INT(j.n, 0);
	/* Not ours: neither removed by name nor at the end. */
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r, -1), 0);
	journal_undo(&j);
	CHECK_INT(ncalls, 2);
}

static void
add_failure_not_recorded(void)
{
	struct journal	 j;
	struct prefix	 r = pfx("198.19.0.0/16");

	start(&j);
	fail_add = ENETDOWN;
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), -1);
	CHECK_INT(j.n, 0);
	journal_undo(&j);
	CHECK_INT(ncalls, 1);
}

static void
del_owned(void)
{
	struct journal	 j;
	struct prefix	 r1 = pfx("198.19.0.0/16"), r2 = pfx("198.18.64.0/20");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r1, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r2, -1), 0);
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r1, -1), 0);
	CHECK(was(2, 0, JOURNAL_ROUTE, "198.19.0.0/16", -1));
	CHECK_INT(j.n, 1);
	/* Once only. */
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r1, -1), 0);
	CHECK_INT(ncalls, 3);
	journal_undo(&j);
	CHECK_INT(ncalls, 4);
	CHECK(was(3, 0, JOURNAL_ROUTE, "198.18.64.0/20", -1));
}

static void
del_gone_is_fine(void)
{
	struct journal	 j;
	struct prefix	 r = pfx("198.19.0.0/16"), a = pfx("198.18.5.1/24");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ADDRESS, &a, -1), 0);
	fail_del = ESRCH;
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r, -1), 0);
	CHECK_INT(j.n, 1);
	fail_del = EADDRNOTAVAIL;
	CHECK_INT(journal_del(&j, JOURNAL_ADDRESS, &a, -1), 0);
	CHECK_INT(j.n, 0);
	journal_undo(&j);
}

static void
del_failure_kept(void)
{
	struct journal	 j;
	struct prefix	 r = pfx("198.19.0.0/16");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), 0);
	fail_del = EPERM;
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r, -1), -1);
	CHECK_INT(j.n, 1);
	/* Tried again at the end. */
	fail_del = 0;
	journal_undo(&j);
	CHECK_INT(ncalls, 3);
	CHECK(was(2, 0, JOURNAL_ROUTE, "198.19.0.0/16", -1));
}

static void
undo_goes_on_after_failure(void)
{
	struct journal	 j;
	struct prefix	 r1 = pfx("198.19.0.0/16"), r2 = pfx("198.18.64.0/20");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r1, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r2, -1), 0);
	fail_del = EPERM;
	journal_undo(&j);
	CHECK_INT(ncalls, 4);
	CHECK(was(3, 0, JOURNAL_ROUTE, "198.19.0.0/16", -1));
	CHECK_INT(j.n, 0);
}

static void
tables_are_distinct(void)
{
	struct journal	 j;
	struct prefix	 r = pfx("198.19.0.0/16");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), 0);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, 7), 0);
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r, 7), 0);
	CHECK(was(2, 0, JOURNAL_ROUTE, "198.19.0.0/16", 7));
	CHECK_INT(j.n, 1);
	CHECK_INT(j.entries[0].table, -1);
	/* Any negative table is the main one. */
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r, -5), 0);
	CHECK_INT(j.n, 0);
	journal_undo(&j);
}

static void
routes_masked_addresses_not(void)
{
	struct journal	 j;
	struct prefix	 r = pfx("198.19.7.7/16"), a = pfx("198.18.5.1/24");
	struct prefix	 r0 = pfx("198.19.0.0/16"), a0 = pfx("198.18.5.0/24");

	start(&j);
	CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), 0);
	CHECK(was(0, 1, JOURNAL_ROUTE, "198.19.0.0/16", -1));
	CHECK_INT(journal_add(&j, JOURNAL_ADDRESS, &a, -1), 0);
	CHECK(was(1, 1, JOURNAL_ADDRESS, "198.18.5.1/24", -1));
	/* The same route spelt with its host bits clear. */
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r0, -1), 0);
	CHECK_INT(j.n, 1);
	/* A different address. */
	CHECK_INT(journal_del(&j, JOURNAL_ADDRESS, &a0, -1), 0);
	CHECK_INT(j.n, 1);
	CHECK_INT(ncalls, 3);
	journal_undo(&j);
}

static void
many(void)
{
	struct journal	 j;
	struct prefix	 r = pfx("198.19.0.0/24");
	int		 i;

	start(&j);
	for (i = 0; i < 100; i++) {
		r.addr[2] = (uint8_t)i;
		CHECK_INT(journal_add(&j, JOURNAL_ROUTE, &r, -1), 0);
	}
	CHECK_INT(j.n, 100);
	r.addr[2] = 50;
	CHECK_INT(journal_del(&j, JOURNAL_ROUTE, &r, -1), 0);
	CHECK_INT(j.n, 99);
	journal_undo(&j);
	CHECK_INT(ncalls, 200);
	/* Newest first, and the one taken out is not removed twice. */
	CHECK(was(101, 0, JOURNAL_ROUTE, "198.19.99.0/24", -1));
	CHECK(was(149, 0, JOURNAL_ROUTE, "198.19.51.0/24", -1));
	CHECK(was(150, 0, JOURNAL_ROUTE, "198.19.49.0/24", -1));
	CHECK(was(199, 0, JOURNAL_ROUTE, "198.19.0.0/24", -1));
}

int
main(void)
{
	T_RUN(undo_reverse_order);
	T_RUN(existing_not_owned);
	T_RUN(add_failure_not_recorded);
	T_RUN(del_owned);
	T_RUN(del_gone_is_fine);
	T_RUN(del_failure_kept);
	T_RUN(undo_goes_on_after_failure);
	T_RUN(tables_are_distinct);
	T_RUN(routes_masked_addresses_not);
	T_RUN(many);
	return t_done();
}
