/*
 * Interface configuration: addresses, MTU, routes, up/down.  Done by the
 * daemon itself (rtnetlink on Linux in netcfg_linux.c; ioctls and the
 * routing socket on the BSDs in netcfg_bsd.c), never by running ip(8) or
 * ifconfig(8).
 *
 * A netcfg remembers what it added.  netcfg_close() removes all of it, in
 * reverse order, so a failure half way through setup and a normal shutdown
 * both leave the system as it was.
 */
#ifndef TUND_NETCFG_H
#define TUND_NETCFG_H

#include "prefix.h"

struct netcfg;

/* Returns NULL, having logged why, on failure. */
struct netcfg	*netcfg_open(const char *ifname);
/* Undo everything this netcfg added, then free it.  NULL is fine. */
void		 netcfg_close(struct netcfg *);
/* Free it, undoing nothing: another process took it over.  NULL is fine. */
void		 netcfg_forget(struct netcfg *);
/* The descriptor it keeps open, or -1. */
int		 netcfg_fd(const struct netcfg *);

int	netcfg_set_mtu(struct netcfg *, unsigned mtu);
int	netcfg_set_up(struct netcfg *, int up);
/* An address on the interface; the prefix length is the subnet's. */
int	netcfg_add_address(struct netcfg *, const struct prefix *);
int	netcfg_del_address(struct netcfg *, const struct prefix *);
/*
 * A route for the prefix through the interface, in routing table "table"
 * (a table id, or -1 for the main table; ignored where the system has one
 * table).  A route that already exists is left alone and not owned: the
 * call logs a warning and returns 0.
 */
int	netcfg_add_route(struct netcfg *, const struct prefix *, int table);
int	netcfg_del_route(struct netcfg *, const struct prefix *, int table);

#endif
