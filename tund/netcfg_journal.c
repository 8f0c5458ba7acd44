/*
 * The netcfg journal: what was added to the system, so that exactly that
 * can be taken away again.  The rules are in netcfg_journal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netcfg_journal.h"

#define DESCLEN		(PREFIX_STRLEN + 32)

void
journal_init(struct journal *j, const char *ifname, journal_fn *apply,
    void *arg)
{
	memset(j, 0, sizeof(*j));
	j->ifname = ifname;
	j->apply = apply;
	j->arg = arg;
}

static void
entry(struct journal_entry *e, enum journal_kind kind, const struct prefix *p,
    int table)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->prefix = *p;
	/* One spelling per route, so that lookups compare equal. */
	e->table = kind == JOURNAL_ROUTE && table >= 0 ? table : -1;
	if (kind == JOURNAL_ROUTE)
		prefix_mask(&e->prefix);
}

/* "address 198.18.5.1/24", "route 2001:db8::/32 table 7" */
static const char *
describe(const struct journal_entry *e, char *buf, size_t len)
{
	char	p[PREFIX_STRLEN];

	prefix_fmt(&e->prefix, p, sizeof(p));
	if (e->kind == JOURNAL_ADDRESS)
		snprintf(buf, len, "address %s", p);
	else if (e->table < 0)
		snprintf(buf, len, "route %s", p);
	else
		snprintf(buf, len, "route %s table %d", p, e->table);
	return buf;
}

/* Whether a removal failed only because there was nothing to remove. */
static int
gone(int error)
{
	switch (error) {
	case ENOENT:
	case ESRCH:		/* no such route */
	case EADDRNOTAVAIL:	/* no such address */
	case ENODEV:		/* Linux: no such interface */
	case ENXIO:		/* BSD: no such interface */
		return 1;
	default:
		return 0;
	}
}

static struct journal_entry *
find(const struct journal *j, const struct journal_entry *e)
{
	size_t	i;

	for (i = 0; i < j->n; i++)
		if (j->entries[i].kind == e->kind &&
		    j->entries[i].table == e->table &&
		    prefix_equal(&j->entries[i].prefix, &e->prefix))
			return &j->entries[i];
	return NULL;
}

static int
grow(struct journal *j)
{
	struct journal_entry	*v;
	size_t			 cap;

	if (j->n < j->cap)
		return 0;
	cap = j->cap > 0 ? j->cap * 2 : 8;
	if ((v = reallocarray(j->entries, cap, sizeof(*v))) == NULL)
		return -1;
	j->entries = v;
	j->cap = cap;
	return 0;
}

int
journal_add(struct journal *j, enum journal_kind kind, const struct prefix *p,
    int table)
{
	struct journal_entry	 e;
	char			 desc[DESCLEN];

	entry(&e, kind, p, table);
	describe(&e, desc, sizeof(desc));
	/* Room first: whatever reaches the system must be remembered. */
	if (grow(j) == -1 || j->apply(j->arg, 1, &e) == -1) {
		if (errno != EEXIST) {
			log_warn("%s: add %s", j->ifname, desc);
			return -1;
		}
		log_warnx("%s: %s already exists, leaving it", j->ifname, desc);
		return 0;
	}
	j->entries[j->n++] = e;
	log_debug("%s: added %s", j->ifname, desc);
	return 0;
}

/* Take e off the system; 0 if it is not there any more. */
static int
remove_one(const struct journal *j, const struct journal_entry *e)
{
	char	desc[DESCLEN];

	describe(e, desc, sizeof(desc));
	if (j->apply(j->arg, 0, e) == 0)
		log_debug("%s: removed %s", j->ifname, desc);
	else if (gone(errno))
		log_debug("%s: %s was gone already", j->ifname, desc);
	else {
		log_warn("%s: remove %s", j->ifname, desc);
		return -1;
	}
	return 0;
}

int
journal_del(struct journal *j, enum journal_kind kind, const struct prefix *p,
    int table)
{
	struct journal_entry	 e, *found;
	char			 desc[DESCLEN];

	entry(&e, kind, p, table);
	if ((found = find(j, &e)) == NULL) {
		log_debug("%s: %s was not added by tund, leaving it",
		    j->ifname, describe(&e, desc, sizeof(desc)));
		return 0;
	}
	/* On failure keep the entry: journal_undo() tries again. */
	if (remove_one(j, found) == -1)
		return -1;
	j->n--;
	memmove(found, found + 1,
	    (size_t)(j->entries + j->n - found) * sizeof(*found));
	return 0;
}

void
journal_undo(struct journal *j)
{
	while (j->n > 0)
		remove_one(j, &j->entries[--j->n]);
	journal_free(j);
}

void
journal_free(struct journal *j)
{
	free(j->entries);
	j->entries = NULL;
	j->n = j->cap = 0;
}
