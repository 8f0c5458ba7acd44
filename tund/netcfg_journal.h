/*
 * What a netcfg added to the system, and the rules for adding and taking
 * away, shared by netcfg_linux.c and netcfg_bsd.c.  The system side is a
 * callback, so the rules are the same on every system and can be tested
 * without one:
 *
 * - An address or route that already exists is left alone and not owned:
 *   a warning, and success.
 * - Only what was added here is ever removed.  Removing something that is
 *   already gone (or whose interface is) is not an error.
 * - journal_undo() removes everything in reverse order of addition.
 */
#ifndef TUND_NETCFG_JOURNAL_H
#define TUND_NETCFG_JOURNAL_H

#include <stddef.h>

#include "prefix.h"

enum journal_kind {
	JOURNAL_ADDRESS,
	JOURNAL_ROUTE
};

struct journal_entry {
	enum journal_kind	 kind;
	int			 table;		/* routes; -1: the main one */
	struct prefix		 prefix;	/* routes: masked */
};

/*
 * Add (add != 0) or remove the entry on the system.  Returns 0, or -1 with
 * errno set: EEXIST when adding what is there already.
 */
typedef int journal_fn(void *arg, int add, const struct journal_entry *);

struct journal {
	const char		*ifname;	/* for messages */
	journal_fn		*apply;
	void			*arg;
	struct journal_entry	*entries;
	size_t			 n, cap;
};

void	journal_init(struct journal *, const char *ifname, journal_fn *,
	    void *arg);
/* 0 when added or already there, -1 having logged why. */
int	journal_add(struct journal *, enum journal_kind,
	    const struct prefix *, int table);
/* 0 when removed, gone, or not ours to remove; -1 having logged why. */
int	journal_del(struct journal *, enum journal_kind,
	    const struct prefix *, int table);
/* Remove everything, newest first, logging what fails; then free. */
void	journal_undo(struct journal *);
/* Forget every entry, removing nothing. */
void	journal_free(struct journal *);

#endif
