/*
 * The seam between netcfg.c, which keeps the journal of what was added,
 * and each system's file, which talks to the kernel.
 */
#ifndef TUND_NETCFG_OS_H
#define TUND_NETCFG_OS_H

#include "netcfg.h"
#include "netcfg_journal.h"

/* The system's file: its netcfg's journal, and one change each. */
struct journal	*netcfg_journal(struct netcfg *);
int		 netcfg_os_address(struct netcfg *, int add, const struct prefix *);
int		 netcfg_os_route(struct netcfg *, int add, const struct prefix *,
		    int table);

/* netcfg.c: the journal's callback, for the system's netcfg_open(). */
int		 netcfg_apply(void *netcfg, int add, const struct journal_entry *);

#endif
