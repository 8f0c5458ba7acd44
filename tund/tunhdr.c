/*
 * The pure parts of the tun backends: IP version, the BSD packet header,
 * device names.  See tunhdr.h.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <net/if.h>

#include <stdio.h>
#include <string.h>

#include "tun.h"
#include "tunhdr.h"

enum {
	IP4_HDRLEN = 20,
	IP6_HDRLEN = 40
};

const struct tunhdr_afs tunhdr_afs_freebsd = { 2, 28 };
const struct tunhdr_afs tunhdr_afs_openbsd = { 2, 24 };
const struct tunhdr_afs tunhdr_afs_netbsd = { 2, 24 };
const struct tunhdr_afs tunhdr_afs_native = { AF_INET, AF_INET6 };

static const char devdir[] = "/dev/";

int
tun_ip_version(const uint8_t *pkt, size_t len)
{
	if (len == 0)
		return 0;
	switch (pkt[0] >> 4) {
	case 4:
		return len >= IP4_HDRLEN ? 4 : 0;
	case 6:
		return len >= IP6_HDRLEN ? 6 : 0;
	default:
		return 0;
	}
}

int
tunhdr_encode(const struct tunhdr_afs *afs, uint8_t hdr[TUNHDR_LEN],
    const uint8_t *pkt, size_t len)
{
	uint32_t	af;

	switch (tun_ip_version(pkt, len)) {
	case 4:
		af = afs->inet;
		break;
	case 6:
		af = afs->inet6;
		break;
	default:
		return -1;
	}
	hdr[0] = (uint8_t)(af >> 24);
	hdr[1] = (uint8_t)(af >> 16);
	hdr[2] = (uint8_t)(af >> 8);
	hdr[3] = (uint8_t)af;
	return 0;
}

int
tunhdr_decode(const struct tunhdr_afs *afs, const uint8_t hdr[TUNHDR_LEN],
    const uint8_t *pkt, size_t len)
{
	uint32_t	af;
	int		v;

	af = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (af == afs->inet)
		v = 4;
	else if (af == afs->inet6)
		v = 6;
	else
		return -1;
	return tun_ip_version(pkt, len) == v ? 0 : -1;
}

const char *
tunhdr_ifname(const char *spec)
{
	size_t	n = sizeof(devdir) - 1;

	return strncmp(spec, devdir, n) == 0 ? spec + n : spec;
}

int
tunhdr_unit(const char *name)
{
	const char	*p;
	int		 unit = 0;

	if (strncmp(name, "tun", 3) != 0)
		return -1;
	p = name + 3;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0'))
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unit = unit * 10 + (*p - '0');
		if (unit > TUNHDR_MAXUNIT)
			return -1;
	}
	return unit;
}

int
tunhdr_parse_device(const char *spec, int *unit)
{
	int	u;

	if (*spec == '\0') {
		*unit = TUNHDR_ANYUNIT;
		return 0;
	}
	if ((u = tunhdr_unit(tunhdr_ifname(spec))) == -1)
		return -1;
	*unit = u;
	return 0;
}

int
tunhdr_devpath(char *path, size_t size, const char *name)
{
	int	n;

	n = snprintf(path, size, "%s%s", devdir, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
tunhdr_ifmode(void)
{
	return IFF_POINTOPOINT | IFF_MULTICAST;
}
