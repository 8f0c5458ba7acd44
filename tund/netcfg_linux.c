/*
 * Interface configuration on Linux: rtnetlink(7) by hand over one
 * NETLINK_ROUTE socket.  Every request asks for an acknowledgement and
 * waits for it, so each call returns the kernel's verdict.
 */
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netcfg_os.h"

struct netcfg {
	struct journal	 journal;
	char		 ifname[IF_NAMESIZE];
	unsigned int	 ifindex;
	int		 fd;
	uint32_t	 seq;
	int		 up;		/* brought up by netcfg_set_up() */
};

/* A request: header, family header, attributes; the largest is ~70 bytes. */
union req {
	struct nlmsghdr	 nh;
	char		 buf[256];
};

struct netcfg *
netcfg_open(const char *ifname)
{
	struct netcfg	*nc;
	size_t		 len = strlen(ifname);

	if (len >= IF_NAMESIZE) {
		log_warnx("%s: interface name too long", ifname);
		return NULL;
	}
	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		log_warn("%s: netcfg", ifname);
		return NULL;
	}
	memcpy(nc->ifname, ifname, len + 1);
	if ((nc->ifindex = if_nametoindex(ifname)) == 0) {
		log_warn("%s", ifname);
		goto fail;
	}
	nc->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nc->fd == -1) {
		log_warn("%s: rtnetlink socket", ifname);
		goto fail;
	}
	journal_init(&nc->journal, nc->ifname, netcfg_apply, nc);
	return nc;
 fail:
	free(nc);
	return NULL;
}

static void *
req_init(union req *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(&r->nh);
}

static void
req_attr(union req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr	*rta;
	size_t		 off = NLMSG_ALIGN(r->nh.nlmsg_len);

	if (off + RTA_SPACE(len) > sizeof(r->buf))
		fatalx("%s: request buffer too small", __func__);
	rta = (struct rtattr *)(r->buf + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = off + RTA_SPACE(len);
}

/*
 * Send the request and wait for its acknowledgement.  Returns 0, or -1
 * with errno set to the kernel's error (or the socket's).
 */
static int
transact(struct netcfg *nc, union req *r)
{
	union {
		struct nlmsghdr	 nh;
		char		 buf[8192];
	} ans;
	struct sockaddr_nl	 sa;
	struct nlmsghdr		*nh;
	struct nlmsgerr		*err;
	socklen_t		 salen;
	ssize_t			 n;
	int			 left;

	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	r->nh.nlmsg_seq = ++nc->seq;
	while (sendto(nc->fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1)
		if (errno != EINTR)
			return -1;
	for (;;) {
		salen = sizeof(sa);
		n = recvfrom(nc->fd, &ans, sizeof(ans), MSG_TRUNC,
		    (struct sockaddr *)&sa, &salen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((size_t)n > sizeof(ans)) {
			errno = EMSGSIZE;
			return -1;
		}
		/* Any process may write to our port: trust the kernel only. */
		if (sa.nl_pid != 0)
			continue;
		left = (int)n;
		for (nh = &ans.nh; NLMSG_OK(nh, left);
		    nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != r->nh.nlmsg_seq)
				continue;	/* stale: an earlier request's */
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
				errno = EBADMSG;
				return -1;
			}
			err = NLMSG_DATA(nh);
			if (err->error == 0)
				return 0;
			errno = -err->error;
			return -1;
		}
	}
}

static struct ifinfomsg *
link_req(struct netcfg *nc, union req *r)
{
	struct ifinfomsg	*ifi;

	ifi = req_init(r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)nc->ifindex;
	return ifi;
}

/*
 * The old MTU is not restored on close: the device is this daemon's own
 * and goes away when its last descriptor is closed.
 */
int
netcfg_set_mtu(struct netcfg *nc, unsigned mtu)
{
	union req	 r;
	uint32_t	 v = mtu;

	link_req(nc, &r);
	req_attr(&r, IFLA_MTU, &v, sizeof(v));
	if (transact(nc, &r) == -1) {
		log_warn("%s: set MTU %u", nc->ifname, mtu);
		return -1;
	}
	return 0;
}

static int
set_up(struct netcfg *nc, int up)
{
	union req		 r;
	struct ifinfomsg	*ifi;

	ifi = link_req(nc, &r);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return transact(nc, &r);
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

static int
family(const struct prefix *p)
{
	return p->family == 6 ? AF_INET6 : AF_INET;
}

int
netcfg_os_address(struct netcfg *nc, int add, const struct prefix *p)
{
	union req		 r;
	struct ifaddrmsg	*ifa;
	size_t			 len = prefix_addrlen(p);

	ifa = req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ifa));
	ifa->ifa_family = family(p);
	ifa->ifa_prefixlen = p->plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = nc->ifindex;
	/* No duplicate address detection: usable at once, as on the BSDs. */
	if (p->family == 6)
		ifa->ifa_flags = IFA_F_NODAD;
	/*
	 * Local and "address" the same: no peer address, so the kernel
	 * routes the whole subnet to the interface.  No broadcast address
	 * on a point-to-point device.
	 */
	req_attr(&r, IFA_LOCAL, p->addr, len);
	req_attr(&r, IFA_ADDRESS, p->addr, len);
	return transact(nc, &r);
}

int
netcfg_os_route(struct netcfg *nc, int add, const struct prefix *p, int table)
{
	union req	 r;
	struct rtmsg	*rtm;
	uint32_t	 id = table >= 0 ? (uint32_t)table : RT_TABLE_MAIN;
	uint32_t	 oif = nc->ifindex;

	rtm = req_init(&r, add ? RTM_NEWROUTE : RTM_DELROUTE,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm));
	rtm->rtm_family = family(p);
	rtm->rtm_dst_len = p->plen;
	/* Ids past 255 only fit the attribute. */
	rtm->rtm_table = id < 256 ? id : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	req_attr(&r, RTA_DST, p->addr, prefix_addrlen(p));
	req_attr(&r, RTA_OIF, &oif, sizeof(oif));
	req_attr(&r, RTA_TABLE, &id, sizeof(id));
	return transact(nc, &r);
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
	close(nc->fd);
	free(nc);
}

int
netcfg_fd(const struct netcfg *nc)
{
	return nc == NULL ? -1 : nc->fd;
}

void
netcfg_close(struct netcfg *nc)
{
	if (nc == NULL)
		return;
	journal_undo(&nc->journal);
	/* ENODEV: the device was closed first and took everything along. */
	if (nc->up && set_up(nc, 0) == -1 && errno != ENODEV)
		log_warn("%s: set down", nc->ifname);
	close(nc->fd);
	free(nc);
}
