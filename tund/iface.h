/*
 * The interface as the configuration describes it: MTU, addresses, up, and
 * a route for every peer's AllowedIPs.  Built on netcfg, which remembers
 * what was added so that it can all be taken away again.
 */
#ifndef TUND_IFACE_H
#define TUND_IFACE_H

#include "conf.h"

struct netcfg;

/*
 * Configure the interface for c.  Returns the netcfg that owns what was
 * added, or NULL with everything undone.
 */
struct netcfg	*iface_setup(const char *ifname, const struct conf *c);
/*
 * Move the interface from configuration old to new, touching only what
 * differs.  On failure what this call added is taken back and -1 returned.
 */
int		 iface_update(struct netcfg *, const struct conf *old,
		    const struct conf *new);
/* The way down: the PreDown commands, then all of it taken away. */
void		 iface_down(struct netcfg *, const struct conf *,
		    const char *ifname);

#endif
