/*
 * Interface configuration common to every system: each change goes
 * through the journal, which remembers it for netcfg_close() and calls
 * the system's file to make it.
 */
#include "netcfg_os.h"

int
netcfg_apply(void *arg, int add, const struct journal_entry *e)
{
	struct netcfg	*nc = arg;

	if (e->kind == JOURNAL_ADDRESS)
		return netcfg_os_address(nc, add, &e->prefix);
	return netcfg_os_route(nc, add, &e->prefix, e->table);
}

int
netcfg_add_address(struct netcfg *nc, const struct prefix *p)
{
	return journal_add(netcfg_journal(nc), JOURNAL_ADDRESS, p, -1);
}

int
netcfg_del_address(struct netcfg *nc, const struct prefix *p)
{
	return journal_del(netcfg_journal(nc), JOURNAL_ADDRESS, p, -1);
}

int
netcfg_add_route(struct netcfg *nc, const struct prefix *p, int table)
{
	return journal_add(netcfg_journal(nc), JOURNAL_ROUTE, p, table);
}

int
netcfg_del_route(struct netcfg *nc, const struct prefix *p, int table)
{
	return journal_del(netcfg_journal(nc), JOURNAL_ROUTE, p, table);
}
