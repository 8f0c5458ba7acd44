/*
 * Interface configuration from tund.conf, on top of netcfg.
 *
 * Updates add before they remove, so that a failure leaves the old state
 * whole: additions made so far are taken back and nothing was removed yet.
 */
#include <stdlib.h>

#include "conf.h"
#include "hook.h"
#include "iface.h"
#include "log.h"
#include "netcfg.h"

static int
has_address(const struct conf *c, const struct prefix *p)
{
	size_t	i;

	for (i = 0; i < c->n_addresses; i++)
		if (prefix_equal(&c->addresses[i], p))
			return 1;
	return 0;
}

/* Whether c routes p through the interface (some peer allows it). */
static int
has_route(const struct conf *c, const struct prefix *p)
{
	size_t	i, j;

	if (c->table == CONF_TABLE_OFF)
		return 0;
	for (i = 0; i < c->n_peers; i++)
		for (j = 0; j < c->peers[i].n_allowed_ips; j++)
			if (prefix_equal(&c->peers[i].allowed_ips[j], p))
				return 1;
	return 0;
}

/* The first time p appears among c's AllowedIPs is at peer i, index j. */
static int
first_route(const struct conf *c, size_t pi, size_t pj)
{
	const struct prefix *p = &c->peers[pi].allowed_ips[pj];
	size_t	i, j;

	for (i = 0; i <= pi; i++)
		for (j = 0; j < c->peers[i].n_allowed_ips; j++) {
			if (i == pi && j == pj)
				return 1;
			if (prefix_equal(&c->peers[i].allowed_ips[j], p))
				return 0;
		}
	return 1;
}

static int
table_of(const struct conf *c)
{
	return c->table >= 0 ? c->table : -1;
}

/* Add what "want" has and "have" lacks (have may be NULL: nothing yet). */
static int
add_addresses(struct netcfg *nc, const struct conf *have,
    const struct conf *want)
{
	size_t	i;

	for (i = 0; i < want->n_addresses; i++) {
		if (have != NULL && has_address(have, &want->addresses[i]))
			continue;
		if (netcfg_add_address(nc, &want->addresses[i]) == -1)
			return -1;
	}
	return 0;
}

static int
same_table(const struct conf *a, const struct conf *b)
{
	return a != NULL && table_of(a) == table_of(b);
}

static int
add_routes(struct netcfg *nc, const struct conf *have, const struct conf *want)
{
	const struct prefix *p;
	size_t	 i, j;

	if (want->table == CONF_TABLE_OFF)
		return 0;
	for (i = 0; i < want->n_peers; i++)
		for (j = 0; j < want->peers[i].n_allowed_ips; j++) {
			p = &want->peers[i].allowed_ips[j];
			if (!first_route(want, i, j) ||
			    (same_table(have, want) && has_route(have, p)))
				continue;
			if (netcfg_add_route(nc, p, table_of(want)) == -1)
				return -1;
		}
	return 0;
}

static void
del_addresses(struct netcfg *nc, const struct conf *have,
    const struct conf *want)
{
	size_t	i;

	for (i = 0; i < have->n_addresses; i++)
		if (want == NULL || !has_address(want, &have->addresses[i]))
			netcfg_del_address(nc, &have->addresses[i]);
}

static void
del_routes(struct netcfg *nc, const struct conf *have, const struct conf *want)
{
	const struct prefix *p;
	size_t	 i, j;

	if (have->table == CONF_TABLE_OFF)
		return;
	for (i = 0; i < have->n_peers; i++)
		for (j = 0; j < have->peers[i].n_allowed_ips; j++) {
			p = &have->peers[i].allowed_ips[j];
			if (!first_route(have, i, j) ||
			    (same_table(want, have) && has_route(want, p)))
				continue;
			netcfg_del_route(nc, p, table_of(have));
		}
}

struct netcfg *
iface_setup(const char *ifname, const struct conf *c)
{
	struct netcfg	*nc;

	if ((nc = netcfg_open(ifname)) == NULL)
		return NULL;
	if (netcfg_set_mtu(nc, c->mtu) == -1 ||
	    add_addresses(nc, NULL, c) == -1 ||
	    netcfg_set_up(nc, 1) == -1 ||
	    add_routes(nc, NULL, c) == -1) {
		netcfg_close(nc);
		return NULL;
	}
	return nc;
}

int
iface_update(struct netcfg *nc, const struct conf *old, const struct conf *new)
{
	if (add_addresses(nc, old, new) == -1 ||
	    add_routes(nc, old, new) == -1 ||
	    (new->mtu != old->mtu && netcfg_set_mtu(nc, new->mtu) == -1)) {
		/* Take back what this update added, in reverse order. */
		del_routes(nc, new, old);
		del_addresses(nc, new, old);
		return -1;
	}
	del_routes(nc, old, new);
	del_addresses(nc, old, new);
	return 0;
}

void
iface_down(struct netcfg *nc, const struct conf *c, const char *ifname)
{
	hook_run("PreDown", &c->pre_down, ifname);
	netcfg_close(nc);
}
