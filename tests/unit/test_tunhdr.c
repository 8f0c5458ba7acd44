/*
 * tunhdr.c: IP version, the BSD 4-byte header for each BSD's address
 * family numbers, device names.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <net/if.h>

#include "t.h"
#include "tun.h"
#include "tunhdr.h"

/* The first bytes of an ICMP echo 198.18.0.1 -> 198.18.0.2, and of an
 * ICMPv6 echo 2001:db8::1 -> 2001:db8::2; the rest is zero. */
static uint8_t	v4[64], v6[80];

static void
packets(void)
{
	memset(v4, 0, sizeof(v4));
	memset(v6, 0, sizeof(v6));
	t_unhex(v4, sizeof(v4), "4500 0040 0000 4000 4001 0000"
	    "c612 0001 c612 0002");
	t_unhex(v6, sizeof(v6), "6000 0000 0028 3a40"
	    "2001 0db8 0000 0000 0000 0000 0000 0001"
	    "2001 0db8 0000 0000 0000 0000 0000 0002");
}

static void
test_version(void)
{
	uint8_t	b[40];

	packets();
	CHECK_INT(tun_ip_version(v4, sizeof(v4)), 4);
	CHECK_INT(tun_ip_version(v6, sizeof(v6)), 6);
	CHECK_INT(tun_ip_version(v4, 20), 4);
	CHECK_INT(tun_ip_version(v4, 19), 0);
	CHECK_INT(tun_ip_version(v6, 40), 6);
	CHECK_INT(tun_ip_version(v6, 39), 0);
	CHECK_INT(tun_ip_version(v4, 1), 0);
	CHECK_INT(tun_ip_version(NULL, 0), 0);
	memset(b, 0, sizeof(b));
	b[0] = 0x00;
	CHECK_INT(tun_ip_version(b, sizeof(b)), 0);
	b[0] = 0x5f;		/* ST, not IP */
	CHECK_INT(tun_ip_version(b, sizeof(b)), 0);
	b[0] = 0xf0;
	CHECK_INT(tun_ip_version(b, sizeof(b)), 0);
	b[0] = 0x46;		/* only the high nibble counts */
	CHECK_INT(tun_ip_version(b, 20), 4);
	b[0] = 0x6f;
	CHECK_INT(tun_ip_version(b, 40), 6);
}

/* Encode, compare with the expected bytes, decode again. */
static int
roundtrip(const struct tunhdr_afs *afs, const uint8_t *pkt, size_t len,
    const char *want)
{
	uint8_t	hdr[TUNHDR_LEN], w[TUNHDR_LEN];

	if (t_unhex(w, sizeof(w), want) != TUNHDR_LEN)
		return -1;
	if (tunhdr_encode(afs, hdr, pkt, len) == -1 ||
	    memcmp(hdr, w, TUNHDR_LEN) != 0)
		return -1;
	return tunhdr_decode(afs, hdr, pkt, len);
}

static void
test_freebsd(void)
{
	packets();
	CHECK_INT(roundtrip(&tunhdr_afs_freebsd, v4, sizeof(v4), "00000002"),
	    0);
	CHECK_INT(roundtrip(&tunhdr_afs_freebsd, v6, sizeof(v6), "0000001c"),
	    0);
}

static void
test_openbsd(void)
{
	packets();
	CHECK_INT(roundtrip(&tunhdr_afs_openbsd, v4, sizeof(v4), "00000002"),
	    0);
	CHECK_INT(roundtrip(&tunhdr_afs_openbsd, v6, sizeof(v6), "00000018"),
	    0);
}

static void
test_netbsd(void)
{
	packets();
	CHECK_INT(roundtrip(&tunhdr_afs_netbsd, v4, sizeof(v4), "00000002"),
	    0);
	CHECK_INT(roundtrip(&tunhdr_afs_netbsd, v6, sizeof(v6), "00000018"),
	    0);
}

/* On this system the header holds this system's own numbers. */
static void
test_native(void)
{
	uint8_t	hdr[TUNHDR_LEN];

	packets();
	CHECK_INT(tunhdr_encode(&tunhdr_afs_native, hdr, v6, sizeof(v6)), 0);
	CHECK_INT(hdr[0], 0);
	CHECK_INT(hdr[1], 0);
	CHECK_INT(hdr[2], AF_INET6 >> 8);
	CHECK_INT(hdr[3], AF_INET6 & 0xff);
	CHECK_INT(tunhdr_decode(&tunhdr_afs_native, hdr, v6, sizeof(v6)), 0);
	CHECK_INT(tunhdr_encode(&tunhdr_afs_native, hdr, v4, sizeof(v4)), 0);
	CHECK_INT(hdr[3], AF_INET);
}

static void
test_encode_not_ip(void)
{
	uint8_t	hdr[TUNHDR_LEN] = { 0xaa, 0xaa, 0xaa, 0xaa };

	packets();
	v4[0] = 0x55;
	CHECK_INT(tunhdr_encode(&tunhdr_afs_freebsd, hdr, v4, sizeof(v4)),
	    -1);
	CHECK_INT(tunhdr_encode(&tunhdr_afs_freebsd, hdr, v6, 39), -1);
	CHECK_INT(tunhdr_encode(&tunhdr_afs_freebsd, hdr, v6, 0), -1);
}

static void
test_decode_mismatch(void)
{
	uint8_t	hdr[TUNHDR_LEN];

	packets();
	/* An AF_INET header on an IPv6 packet and the other way round. */
	t_unhex(hdr, sizeof(hdr), "00000002");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v6, sizeof(v6)), -1);
	t_unhex(hdr, sizeof(hdr), "0000001c");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v4, sizeof(v4)), -1);
	/* FreeBSD's AF_INET6 means nothing to OpenBSD, and vice versa. */
	CHECK_INT(tunhdr_decode(&tunhdr_afs_openbsd, hdr, v6, sizeof(v6)), -1);
	t_unhex(hdr, sizeof(hdr), "00000018");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v6, sizeof(v6)), -1);
}

static void
test_decode_unknown(void)
{
	uint8_t	hdr[TUNHDR_LEN];

	packets();
	t_unhex(hdr, sizeof(hdr), "0000000a");	/* Linux AF_INET6 */
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v6, sizeof(v6)), -1);
	t_unhex(hdr, sizeof(hdr), "00000000");	/* AF_UNSPEC */
	CHECK_INT(tunhdr_decode(&tunhdr_afs_openbsd, hdr, v4, sizeof(v4)), -1);
	/* Host byte order on a little-endian machine is not the header. */
	t_unhex(hdr, sizeof(hdr), "02000000");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v4, sizeof(v4)), -1);
	t_unhex(hdr, sizeof(hdr), "1c000000");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v6, sizeof(v6)), -1);
	t_unhex(hdr, sizeof(hdr), "0100001c");	/* high bytes count too */
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v6, sizeof(v6)), -1);
}

static void
test_decode_short(void)
{
	uint8_t	hdr[TUNHDR_LEN];

	packets();
	t_unhex(hdr, sizeof(hdr), "00000002");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v4, 20), 0);
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v4, 19), -1);
	CHECK_INT(tunhdr_decode(&tunhdr_afs_freebsd, hdr, v4, 0), -1);
	t_unhex(hdr, sizeof(hdr), "00000018");
	CHECK_INT(tunhdr_decode(&tunhdr_afs_openbsd, hdr, v6, 40), 0);
	CHECK_INT(tunhdr_decode(&tunhdr_afs_openbsd, hdr, v6, 39), -1);
}

static void
test_unit(void)
{
	CHECK_INT(tunhdr_unit("tun0"), 0);
	CHECK_INT(tunhdr_unit("tun3"), 3);
	CHECK_INT(tunhdr_unit("tun255"), 255);
	CHECK_INT(tunhdr_unit("tun32767"), TUNHDR_MAXUNIT);
	CHECK_INT(tunhdr_unit("tun32768"), -1);
	CHECK_INT(tunhdr_unit("tun99999999999999999999"), -1);
	CHECK_INT(tunhdr_unit("tun"), -1);
	CHECK_INT(tunhdr_unit("tun01"), -1);
	CHECK_INT(tunhdr_unit("tun00"), -1);
	CHECK_INT(tunhdr_unit("tun-1"), -1);
	CHECK_INT(tunhdr_unit("tun 1"), -1);
	CHECK_INT(tunhdr_unit("tun1a"), -1);
	CHECK_INT(tunhdr_unit("tap0"), -1);
	CHECK_INT(tunhdr_unit("Tun0"), -1);
	CHECK_INT(tunhdr_unit(""), -1);
	/* What devname(3) gives for a device it does not know. */
	CHECK_INT(tunhdr_unit("#C:0x5d"), -1);
}

static void
test_parse_device(void)
{
	int	unit = 99;

	CHECK_INT(tunhdr_parse_device("", &unit), 0);
	CHECK_INT(unit, TUNHDR_ANYUNIT);
	CHECK_INT(tunhdr_parse_device("tun3", &unit), 0);
	CHECK_INT(unit, 3);
	CHECK_INT(tunhdr_parse_device("/dev/tun12", &unit), 0);
	CHECK_INT(unit, 12);
	unit = 99;
	CHECK_INT(tunhdr_parse_device("/dev/", &unit), -1);
	CHECK_INT(tunhdr_parse_device("/dev/net/tun", &unit), -1);
	CHECK_INT(tunhdr_parse_device("dev/tun0", &unit), -1);
	CHECK_INT(tunhdr_parse_device("/dev/tap0", &unit), -1);
	CHECK_INT(tunhdr_parse_device("/dev//tun0", &unit), -1);
	CHECK_INT(tunhdr_parse_device("wg0", &unit), -1);
	CHECK_INT(unit, 99);
}

static void
test_ifname(void)
{
	CHECK_STR(tunhdr_ifname("/dev/tun3"), "tun3");
	CHECK_STR(tunhdr_ifname("tun3"), "tun3");
	CHECK_STR(tunhdr_ifname(""), "");
	CHECK_STR(tunhdr_ifname("/dev/"), "");
	CHECK_STR(tunhdr_ifname("/devtun3"), "/devtun3");
	CHECK_STR(tunhdr_ifname("/dev/net/tun"), "net/tun");
}

static void
test_devpath(void)
{
	char	path[16];

	CHECK_INT(tunhdr_devpath(path, sizeof(path), "tun3"), 0);
	CHECK_STR(path, "/dev/tun3");
	CHECK_INT(tunhdr_devpath(path, sizeof(path), "tun32767"), 0);
	CHECK_STR(path, "/dev/tun32767");
	CHECK_INT(tunhdr_devpath(path, 9, "tun3"), -1);
	CHECK_INT(tunhdr_devpath(path, 10, "tun3"), 0);
	CHECK_INT(tunhdr_devpath(path, sizeof(path), "tun0123456789"), -1);
}

static void
test_ifmode(void)
{
	int	m = tunhdr_ifmode();

	CHECK(m & IFF_POINTOPOINT);
	CHECK(m & IFF_MULTICAST);
	CHECK(!(m & IFF_BROADCAST));
	CHECK_INT(m & ~(IFF_POINTOPOINT | IFF_MULTICAST), 0);
}

int
main(void)
{
	T_RUN(test_version);
	T_RUN(test_freebsd);
	T_RUN(test_openbsd);
	T_RUN(test_netbsd);
	T_RUN(test_native);
	T_RUN(test_encode_not_ip);
	T_RUN(test_decode_mismatch);
	T_RUN(test_decode_unknown);
	T_RUN(test_decode_short);
	T_RUN(test_unit);
	T_RUN(test_parse_device);
	T_RUN(test_ifname);
	T_RUN(test_devpath);
	T_RUN(test_ifmode);
	return t_done();
}
