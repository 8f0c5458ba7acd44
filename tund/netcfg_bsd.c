/*
 * Interface configuration on FreeBSD, DragonFly and OpenBSD: ioctls on a
 * datagram socket for the MTU, the flags and the addresses (netintro(4)),
 * and the routing socket for routes (route(4)).  The kernel's answer to a
 * routing message comes back as the result of write(2), so every call
 * opens its socket, says one thing and closes it again.
 *
 * The systems differ in few places, each marked with its #if: how a route
 * names its table, and whether DAD can be skipped for an address.
 */
#include <sys/param.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sockio.h>

#include <net/if.h>
#include <net/if_dl.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet6/in6_var.h>
#include <netinet6/nd6.h>

#include <errno.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netcfg_os.h"

/* Addresses in a routing message are padded to a multiple of a long. */
#define PAD_SA(n)	((n) > 0 ? 1 + (((n) - 1) | (sizeof(long) - 1)) : \
			    sizeof(long))

struct netcfg {
	struct journal		 journal;
	char			 ifname[IFNAMSIZ];
	int			 up;	/* brought up by netcfg_set_up() */
	struct sockaddr_storage	 link;	/* the interface's AF_LINK address */
};

/* One interface ioctl, on a socket of family af made for it. */
static int
ifioctl(int af, unsigned long req, void *arg)
{
	int	s, rv, saved;

	if ((s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rv = ioctl(s, req, arg);
	saved = errno;
	close(s);
	errno = saved;
	return rv;
}

/* Whether a is like want: the same family and, but for AF_LINK, address. */
static int
same(const struct sockaddr *a, const struct sockaddr *want)
{
	if (a->sa_family != want->sa_family)
		return 0;
	switch (want->sa_family) {
	case AF_INET:
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)want)->sin_addr,
		    sizeof(struct in_addr)) == 0;
	case AF_INET6:
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)want)->sin6_addr,
		    sizeof(struct in6_addr)) == 0;
	default:
		return 1;
	}
}

/*
 * Look for an address of the interface like want, and copy it to found
 * (which may be NULL).  Returns 1 if there is one, 0 if not, -1 with errno.
 */
static int
find_ifaddr(const char *ifname, const struct sockaddr *want,
    struct sockaddr_storage *found)
{
	struct ifaddrs	*ifap, *ifa;
	int		 rv = 0;

	if (getifaddrs(&ifap) == -1)
		return -1;
	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL ||
		    (size_t)ifa->ifa_addr->sa_len > sizeof(*found) ||
		    strcmp(ifa->ifa_name, ifname) != 0 ||
		    !same(ifa->ifa_addr, want))
			continue;
		if (found != NULL)
			memcpy(found, ifa->ifa_addr, ifa->ifa_addr->sa_len);
		rv = 1;
		break;
	}
	freeifaddrs(ifap);
	return rv;
}

struct netcfg *
netcfg_open(const char *ifname)
{
	struct netcfg	*nc;
	struct sockaddr	 link;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		log_warn("%s: netcfg", ifname);
		return NULL;
	}
	if (strlcpy(nc->ifname, ifname, sizeof(nc->ifname)) >=
	    sizeof(nc->ifname)) {
		log_warnx("%s: interface name too long", ifname);
		goto fail;
	}
	/* Routes name the interface by its link-level address. */
	memset(&link, 0, sizeof(link));
	link.sa_family = AF_LINK;
	switch (find_ifaddr(ifname, &link, &nc->link)) {
	case -1:
		log_warn("%s: getifaddrs", ifname);
		goto fail;
	case 0:
		log_warnx("%s: no such interface", ifname);
		goto fail;
	}
	journal_init(&nc->journal, nc->ifname, netcfg_apply, nc);
	return nc;
 fail:
	free(nc);
	return NULL;
}

static void
ifreq_init(struct ifreq *ifr, const struct netcfg *nc)
{
	memset(ifr, 0, sizeof(*ifr));
	strlcpy(ifr->ifr_name, nc->ifname, sizeof(ifr->ifr_name));
}

/*
 * The old MTU is not restored on close: the interface is this daemon's,
 * and whoever uses the device next sets their own.
 */
int
netcfg_set_mtu(struct netcfg *nc, unsigned mtu)
{
	struct ifreq	ifr;

	ifreq_init(&ifr, nc);
	ifr.ifr_mtu = (int)mtu;
	if (ifioctl(AF_INET, SIOCSIFMTU, &ifr) == -1) {
		log_warn("%s: set MTU %u", nc->ifname, mtu);
		return -1;
	}
	return 0;
}

static int
set_up(struct netcfg *nc, int up)
{
	struct ifreq	ifr;

	ifreq_init(&ifr, nc);
	if (ifioctl(AF_INET, SIOCGIFFLAGS, &ifr) == -1)
		return -1;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ifioctl(AF_INET, SIOCSIFFLAGS, &ifr);
}

int
netcfg_set_up(struct netcfg *nc, int up)
{
	if (set_up(nc, up) == -1) {
		log_warn("%s: set %s", nc->ifname, up ? "up" : "down");
		return -1;
	}
	nc->up = up;
	return 0;
}

/* addr, of the prefix's family, as a sockaddr. */
static void
to_sa(struct sockaddr_storage *ss, const struct prefix *p,
    const uint8_t *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (p->family == 6) {
		sin6->sin6_len = sizeof(*sin6);
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
	} else {
		sin->sin_len = sizeof(*sin);
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
	}
}

static void
to_mask(struct sockaddr_storage *ss, const struct prefix *p)
{
	struct prefix	m = *p;

	memset(m.addr, 0xff, sizeof(m.addr));
	prefix_mask(&m);
	to_sa(ss, p, m.addr);
}

static int
address4(struct netcfg *nc, int add, const struct sockaddr_storage *sa,
    const struct sockaddr_storage *mask)
{
	struct in_aliasreq	ifra;
	struct ifreq		ifr;

	if (!add) {
		ifreq_init(&ifr, nc);
		memcpy(&ifr.ifr_addr, sa, sizeof(struct sockaddr_in));
		return ifioctl(AF_INET, SIOCDIFADDR, &ifr);
	}
	memset(&ifra, 0, sizeof(ifra));
	strlcpy(ifra.ifra_name, nc->ifname, sizeof(ifra.ifra_name));
	memcpy(&ifra.ifra_addr, sa, sizeof(ifra.ifra_addr));
	/*
	 * A point-to-point interface wants the far end's address.  A tunnel
	 * has no single far end: the address itself does (wg-quick does the
	 * same on tun), since routes go to the interface, not to a next hop.
	 */
	memcpy(&ifra.ifra_dstaddr, sa, sizeof(ifra.ifra_dstaddr));
	memcpy(&ifra.ifra_mask, mask, sizeof(ifra.ifra_mask));
	return ifioctl(AF_INET, SIOCAIFADDR, &ifra);
}

static int
address6(struct netcfg *nc, int add, const struct sockaddr_storage *sa,
    const struct sockaddr_storage *mask)
{
	struct in6_aliasreq	ifra;
	struct in6_ifreq	ifr;

	if (!add) {
		memset(&ifr, 0, sizeof(ifr));
		strlcpy(ifr.ifr_name, nc->ifname, sizeof(ifr.ifr_name));
		memcpy(&ifr.ifr_ifru.ifru_addr, sa, sizeof(struct sockaddr_in6));
		return ifioctl(AF_INET6, SIOCDIFADDR_IN6, &ifr);
	}
	/* No far end: with one, the kernel insists on a /128. */
	memset(&ifra, 0, sizeof(ifra));
	strlcpy(ifra.ifra_name, nc->ifname, sizeof(ifra.ifra_name));
	memcpy(&ifra.ifra_addr, sa, sizeof(ifra.ifra_addr));
	memcpy(&ifra.ifra_prefixmask, mask, sizeof(ifra.ifra_prefixmask));
	ifra.ifra_lifetime.ia6t_vltime = ND6_INFINITE_LIFETIME;
	ifra.ifra_lifetime.ia6t_pltime = ND6_INFINITE_LIFETIME;
#ifdef IN6_IFF_NODAD
	/* Usable at once; nothing else answers on a tunnel's link. */
	ifra.ifra_flags |= IN6_IFF_NODAD;
#endif
	return ifioctl(AF_INET6, SIOCAIFADDR_IN6, &ifra);
}

int
netcfg_os_address(struct netcfg *nc, int add, const struct prefix *p)
{
	struct sockaddr_storage	 sa, mask;

	to_sa(&sa, p, p->addr);
	/* SIOCAIFADDR would take over an address that is there already. */
	if (add) {
		switch (find_ifaddr(nc->ifname, (struct sockaddr *)&sa,
		    NULL)) {
		case -1:
			return -1;
		case 1:
			errno = EEXIST;
			return -1;
		}
	}
	to_mask(&mask, p);
	if (p->family == 6)
		return address6(nc, add, &sa, &mask);
	return address4(nc, add, &sa, &mask);
}

/* Append a sockaddr to a routing message. */
static char *
put_sa(char *cp, const struct sockaddr_storage *ss)
{
	size_t	len = ((const struct sockaddr *)ss)->sa_len;

	memcpy(cp, ss, len);
	return cp + PAD_SA(len);
}

/* Aim the message (OpenBSD) or the socket (FreeBSD) at the table. */
static int
set_table(int s, struct rt_msghdr *rtm, int table)
{
#if defined(__OpenBSD__)
	rtm->rtm_tableid = table >= 0 ? table : getrtable();
#elif defined(__FreeBSD__)
	/* A new socket starts in the process's own FIB, which -1 means. */
	if (table >= 0)
		return setsockopt(s, SOL_SOCKET, SO_SETFIB, &table,
		    sizeof(table));
#endif
	/* DragonFly has one table. */
	return 0;
}

/*
 * A route through the interface: no RTF_GATEWAY, and the interface's
 * link-level address as the gateway.  OpenBSD picks the route's source
 * from the interface's addresses, so it needs one of the route's family.
 */
int
netcfg_os_route(struct netcfg *nc, int add, const struct prefix *p, int table)
{
	struct {
		struct rt_msghdr	 hdr;
		char			 addrs[3 * sizeof(struct sockaddr_storage)];
	} m;
	struct rt_msghdr	*rtm = &m.hdr;
	struct sockaddr_storage	 sa;
	char			*cp = m.addrs;
	ssize_t			 n = -1;
	int			 s, saved;

	memset(&m, 0, sizeof(m));
	rtm->rtm_version = RTM_VERSION;
	rtm->rtm_type = add ? RTM_ADD : RTM_DELETE;
	rtm->rtm_flags = RTF_UP | RTF_STATIC;
	rtm->rtm_addrs = RTA_DST | RTA_GATEWAY;
#if defined(__OpenBSD__)
	rtm->rtm_hdrlen = sizeof(*rtm);
#endif
	/* In the order of their RTA_ bits. */
	to_sa(&sa, p, p->addr);
	cp = put_sa(cp, &sa);
	cp = put_sa(cp, &nc->link);
	if ((size_t)p->plen == prefix_addrlen(p) * 8)
		rtm->rtm_flags |= RTF_HOST;
	else {
		rtm->rtm_addrs |= RTA_NETMASK;
		to_mask(&sa, p);
		cp = put_sa(cp, &sa);
	}
	rtm->rtm_msglen = (u_short)(cp - (char *)&m);

	if ((s = socket(PF_ROUTE, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (set_table(s, rtm, table) == 0)
		while ((n = write(s, &m, rtm->rtm_msglen)) == -1 &&
		    errno == EINTR)
			;
	saved = errno;
	close(s);
	errno = saved;
	return n == -1 ? -1 : 0;
}

struct journal *
netcfg_journal(struct netcfg *nc)
{
	return &nc->journal;
}

void
netcfg_forget(struct netcfg *nc)
{
	if (nc == NULL)
		return;
	journal_free(&nc->journal);
	free(nc);
}

/* Every change opens its own socket. */
int
netcfg_fd(const struct netcfg *nc)
{
	return -1;
}

void
netcfg_close(struct netcfg *nc)
{
	if (nc == NULL)
		return;
	journal_undo(&nc->journal);
	/* ENXIO: the interface is gone, and took everything along. */
	if (nc->up && set_up(nc, 0) == -1 && errno != ENXIO)
		log_warn("%s: set down", nc->ifname);
	free(nc);
}
