#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "uapi.h"
#include "t.h"

/*
 * Keys made with wg genkey, wg pubkey and wg genpsk, in base64 as wg(8)
 * takes them and in hex as it sends them.
 */
#define PRIV		"mENNJytBJ4taiDvAA+OI2K4vT5TjvM7QpVpYeEgzSUA="
#define PRIV_HEX	"98434d272b41278b5a883bc003e388d8" \
			"ae2f4f94e3bcced0a55a587848334940"
#define PUB1		"t2bBTS1Nol1o4z2BJTaG7FHxX3BmjU0L8M6FkauxDB4="
#define PUB1_HEX	"b766c14d2d4da25d68e33d81253686ec" \
			"51f15f70668d4d0bf0ce8591abb10c1e"
#define PUB2		"13zRGZpiDLGebRyYsWIHPoJo9qv08jfVrgkiMnORg0Y="
#define PUB2_HEX	"d77cd1199a620cb19e6d1c98b162073e" \
			"8268f6abf4f237d5ae09223273918346"
#define PSK		"WW5aV882CvFkgWtDHK/Oc59W0veRGi6tWkj9Tkb9akM="
#define PSK_HEX		"596e5a57cf360af164816b431cafce73" \
			"9f56d2f7911a2ead5a48fd4e46fd6a43"
#define ZERO_HEX	"00000000000000000000000000000000" \
			"00000000000000000000000000000000"

/*
 * What wg(8) v1.0.20210914 wrote to wireguard-go v0.0.20220316's socket
 * (strace -e write), each answered "errno=0\n\n".
 */
/* wg set wg0 private-key priv listen-port 51820 fwmark 0x1234 peer PUB1
 *     preshared-key psk endpoint 192.0.2.1:51821 persistent-keepalive 25
 *     allowed-ips 10.0.0.1/32,fd00::1/128,10.1.2.3/16 */
static const char wg_set_all[] =
    "set=1\n"
    "private_key=" PRIV_HEX "\n"
    "listen_port=51820\n"
    "fwmark=4660\n"
    "public_key=" PUB1_HEX "\n"
    "preshared_key=" PSK_HEX "\n"
    "endpoint=192.0.2.1:51821\n"
    "persistent_keepalive_interval=25\n"
    "replace_allowed_ips=true\n"
    "allowed_ip=10.0.0.1/32\n"
    "allowed_ip=fd00::1/128\n"
    "allowed_ip=10.1.2.3/16\n"
    "\n";
/* wg set wg0 peer PUB2 endpoint [2001:db8::1]:4500 allowed-ips 10.9.0.0/24 */
static const char wg_set_v6[] =
    "set=1\n"
    "public_key=" PUB2_HEX "\n"
    "endpoint=[2001:db8::1]:4500\n"
    "replace_allowed_ips=true\n"
    "allowed_ip=10.9.0.0/24\n"
    "\n";
/* wg set wg0 peer PUB1 preshared-key /dev/null */
static const char wg_set_nopsk[] =
    "set=1\n"
    "public_key=" PUB1_HEX "\n"
    "preshared_key=" ZERO_HEX "\n"
    "\n";
/* wg set wg0 peer PUB1 allowed-ips "" */
static const char wg_set_noips[] =
    "set=1\n"
    "public_key=" PUB1_HEX "\n"
    "replace_allowed_ips=true\n"
    "\n";
/* wg set wg0 peer PUB2 remove */
static const char wg_set_remove[] =
    "set=1\n"
    "public_key=" PUB2_HEX "\n"
    "remove=true\n"
    "\n";
/* wg set wg0 listen-port 0 fwmark off peer PUB1 persistent-keepalive off */
static const char wg_set_off[] =
    "set=1\n"
    "listen_port=0\n"
    "fwmark=0\n"
    "public_key=" PUB1_HEX "\n"
    "persistent_keepalive_interval=0\n"
    "\n";
/* wg set wg0 private-key /dev/null */
static const char wg_set_nokey[] =
    "set=1\n"
    "private_key=" ZERO_HEX "\n"
    "\n";
/* wg show wg0 dump, and wg syncconf's first request */
static const char wg_get[] = "get=1\n\n";
/* wg syncconf wg0 sync.conf, after its get: PUB1 out, PUB2 in. */
static const char wg_syncconf[] =
    "set=1\n"
    "private_key=" PRIV_HEX "\n"
    "listen_port=51822\n"
    "fwmark=0\n"
    "public_key=" PUB1_HEX "\n"
    "remove=true\n"
    "public_key=" PUB2_HEX "\n"
    "endpoint=198.51.100.7:1234\n"
    "replace_allowed_ips=true\n"
    "allowed_ip=10.7.0.0/16\n"
    "allowed_ip=fd00:7::/48\n"
    "\n";
/* wg setconf wg0 sync.conf */
static const char wg_setconf[] =
    "set=1\n"
    "private_key=" PRIV_HEX "\n"
    "listen_port=51822\n"
    "fwmark=0\n"
    "replace_peers=true\n"
    "public_key=" PUB2_HEX "\n"
    "endpoint=198.51.100.7:1234\n"
    "replace_allowed_ips=true\n"
    "allowed_ip=10.7.0.0/16\n"
    "allowed_ip=fd00:7::/48\n"
    "\n";

/* wireguard-go's answer to wg showconf after the setconf above. */
static const char go_get_reply[] =
    "private_key=" PRIV_HEX "\n"
    "listen_port=51822\n"
    "public_key=" PUB2_HEX "\n"
    "preshared_key=" ZERO_HEX "\n"
    "protocol_version=1\n"
    "endpoint=198.51.100.7:1234\n"
    "last_handshake_time_sec=0\n"
    "last_handshake_time_nsec=0\n"
    "tx_bytes=0\n"
    "rx_bytes=0\n"
    "persistent_keepalive_interval=0\n"
    "allowed_ip=10.7.0.0/16\n"
    "allowed_ip=fd00:7::/48\n"
    "errno=0\n"
    "\n";

static struct uapi_parser	 p;

/* Parse one whole request in one go; UAPI_DONE only if it took it all. */
static enum uapi_status
parse(const char *s, size_t len)
{
	enum uapi_status	st;
	size_t			used;

	uapi_parser_reset(&p);
	st = uapi_feed(&p, s, len, &used);
	return st != UAPI_MORE && used != len ? UAPI_MORE : st;
}

#define PARSE(s)	parse((s), sizeof(s) - 1)

/* The errno a whole request is refused with, or -1 if it is not. */
static int
refused(const char *s)
{
	return parse(s, strlen(s)) == UAPI_ERROR ? p.error : -1;
}

static int
accepted(const char *s)
{
	return parse(s, strlen(s)) == UAPI_DONE;
}

static int
key_is(const uint8_t key[KEY_LEN], const char *b64)
{
	uint8_t	k[KEY_LEN];

	return key_from_base64(k, b64) == 0 && memcmp(k, key, KEY_LEN) == 0;
}

static int
key_zero(const uint8_t key[KEY_LEN])
{
	static const uint8_t	zero[KEY_LEN];

	return memcmp(key, zero, KEY_LEN) == 0;
}

static int
ip_is(const struct prefix *pfx, const char *s)
{
	char	buf[PREFIX_STRLEN];

	return strcmp(prefix_fmt(pfx, buf, sizeof(buf)), s) == 0;
}

static void
make_endpoint(union sockaddr_inet *sa, const char *host, unsigned port)
{
	memset(sa, 0, sizeof(*sa));
	if (strchr(host, ':') != NULL) {
		sa->sin6.sin6_family = AF_INET6;
		sa->sin6.sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &sa->sin6.sin6_addr) != 1)
			abort();
	} else {
		sa->sin.sin_family = AF_INET;
		sa->sin.sin_port = htons(port);
		if (inet_pton(AF_INET, host, &sa->sin.sin_addr) != 1)
			abort();
	}
}

static int
endpoint_is(const union sockaddr_inet *sa, const char *host, unsigned port)
{
	union sockaddr_inet	 want;

	make_endpoint(&want, host, port);
	return memcmp(sa, &want, sizeof(want)) == 0;
}

static void
check_set_all(void)
{
	struct uapi_request	*r = &p.req;
	struct uapi_peer_op	*peer = &r->peers[0];

	CHECK_INT(r->op, UAPI_SET);
	CHECK_INT(r->flags, UAPI_HAS_PRIVATE_KEY | UAPI_HAS_LISTEN_PORT |
	    UAPI_HAS_FWMARK);
	CHECK(key_is(r->private_key, PRIV));
	CHECK_INT(r->listen_port, 51820);
	CHECK_INT(r->fwmark, 0x1234);
	CHECK_INT(r->n_peers, 1);
	CHECK_INT(peer->flags, UAPI_PEER_HAS_PSK | UAPI_PEER_HAS_ENDPOINT |
	    UAPI_PEER_HAS_KEEPALIVE | UAPI_PEER_REPLACE_ALLOWEDIPS);
	CHECK(key_is(peer->public_key, PUB1));
	CHECK(key_is(peer->preshared_key, PSK));
	CHECK(endpoint_is(&peer->endpoint, "192.0.2.1", 51821));
	CHECK_INT(peer->persistent_keepalive, 25);
	CHECK_INT(peer->n_allowed_ips, 3);
	CHECK(ip_is(&peer->allowed_ips[0], "10.0.0.1/32"));
	CHECK(ip_is(&peer->allowed_ips[1], "fd00::1/128"));
	/* wg(8) warns of the host part and sends it; it is masked here. */
	CHECK(ip_is(&peer->allowed_ips[2], "10.1.0.0/16"));
}

static void
wg_set_every_key(void)
{
	CHECK_INT(PARSE(wg_set_all), UAPI_DONE);
	check_set_all();
}

static void
wg_set_byte_by_byte(void)
{
	size_t	i, used;

	uapi_parser_reset(&p);
	for (i = 0; i < sizeof(wg_set_all) - 2; i++) {
		CHECK_INT(uapi_feed(&p, &wg_set_all[i], 1, &used), UAPI_MORE);
		CHECK_INT(used, 1);
	}
	CHECK_INT(uapi_feed(&p, &wg_set_all[i], 1, &used), UAPI_DONE);
	CHECK_INT(used, 1);
	check_set_all();
}

static void
wg_set_ipv6_endpoint(void)
{
	struct uapi_peer_op	*peer;

	CHECK_INT(PARSE(wg_set_v6), UAPI_DONE);
	CHECK_INT(p.req.flags, 0);
	CHECK_INT(p.req.n_peers, 1);
	peer = &p.req.peers[0];
	CHECK(key_is(peer->public_key, PUB2));
	CHECK_INT(peer->flags, UAPI_PEER_HAS_ENDPOINT |
	    UAPI_PEER_REPLACE_ALLOWEDIPS);
	CHECK(endpoint_is(&peer->endpoint, "2001:db8::1", 4500));
	CHECK_INT(peer->n_allowed_ips, 1);
	CHECK(ip_is(&peer->allowed_ips[0], "10.9.0.0/24"));

	CHECK(accepted("set=1\npublic_key=" PUB2_HEX "\n"
	    "endpoint=[::ffff:192.0.2.1]:1\n\n"));
	CHECK(endpoint_is(&p.req.peers[0].endpoint, "::ffff:192.0.2.1", 1));
}

static void
wg_set_psk_removal(void)
{
	CHECK_INT(PARSE(wg_set_nopsk), UAPI_DONE);
	CHECK_INT(p.req.peers[0].flags, UAPI_PEER_HAS_PSK);
	CHECK(key_zero(p.req.peers[0].preshared_key));
}

static void
wg_set_empty_allowed_ips(void)
{
	CHECK_INT(PARSE(wg_set_noips), UAPI_DONE);
	CHECK_INT(p.req.peers[0].flags, UAPI_PEER_REPLACE_ALLOWEDIPS);
	CHECK_INT(p.req.peers[0].n_allowed_ips, 0);
}

static void
wg_set_remove_peer(void)
{
	CHECK_INT(PARSE(wg_set_remove), UAPI_DONE);
	CHECK_INT(p.req.n_peers, 1);
	CHECK(key_is(p.req.peers[0].public_key, PUB2));
	CHECK_INT(p.req.peers[0].flags, UAPI_PEER_REMOVE);
}

static void
wg_set_off_values(void)
{
	CHECK_INT(PARSE(wg_set_off), UAPI_DONE);
	CHECK_INT(p.req.flags, UAPI_HAS_LISTEN_PORT | UAPI_HAS_FWMARK);
	CHECK_INT(p.req.listen_port, 0);
	CHECK_INT(p.req.fwmark, 0);
	CHECK_INT(p.req.peers[0].flags, UAPI_PEER_HAS_KEEPALIVE);
	CHECK_INT(p.req.peers[0].persistent_keepalive, 0);
}

static void
wg_set_private_key_removal(void)
{
	CHECK_INT(PARSE(wg_set_nokey), UAPI_DONE);
	CHECK_INT(p.req.flags, UAPI_HAS_PRIVATE_KEY);
	CHECK(key_zero(p.req.private_key));
	CHECK_INT(p.req.n_peers, 0);
}

static void
wg_get_request(void)
{
	CHECK_INT(PARSE(wg_get), UAPI_DONE);
	CHECK_INT(p.req.op, UAPI_GET);
	CHECK_INT(p.req.flags, 0);
	CHECK_INT(p.req.n_peers, 0);
}

static void
wg_syncconf_request(void)
{
	struct uapi_peer_op	*peer;

	CHECK_INT(PARSE(wg_syncconf), UAPI_DONE);
	CHECK_INT(p.req.flags, UAPI_HAS_PRIVATE_KEY | UAPI_HAS_LISTEN_PORT |
	    UAPI_HAS_FWMARK);
	CHECK_INT(p.req.listen_port, 51822);
	CHECK_INT(p.req.n_peers, 2);
	CHECK(key_is(p.req.peers[0].public_key, PUB1));
	CHECK_INT(p.req.peers[0].flags, UAPI_PEER_REMOVE);
	peer = &p.req.peers[1];
	CHECK(key_is(peer->public_key, PUB2));
	CHECK_INT(peer->flags, UAPI_PEER_HAS_ENDPOINT |
	    UAPI_PEER_REPLACE_ALLOWEDIPS);
	CHECK(endpoint_is(&peer->endpoint, "198.51.100.7", 1234));
	CHECK_INT(peer->n_allowed_ips, 2);
	CHECK(ip_is(&peer->allowed_ips[0], "10.7.0.0/16"));
	CHECK(ip_is(&peer->allowed_ips[1], "fd00:7::/48"));
}

static void
wg_setconf_replace_peers(void)
{
	CHECK_INT(PARSE(wg_setconf), UAPI_DONE);
	CHECK_INT(p.req.flags, UAPI_HAS_PRIVATE_KEY | UAPI_HAS_LISTEN_PORT |
	    UAPI_HAS_FWMARK | UAPI_REPLACE_PEERS);
	CHECK_INT(p.req.n_peers, 1);
	CHECK(key_is(p.req.peers[0].public_key, PUB2));
	CHECK_INT(p.req.peers[0].n_allowed_ips, 2);
}

static void
update_only_and_version(void)
{
	CHECK(accepted("set=1\npublic_key=" PUB1_HEX "\nupdate_only=true\n"
	    "protocol_version=1\npersistent_keepalive_interval=65535\n\n"));
	CHECK_INT(p.req.peers[0].flags, UAPI_PEER_UPDATE_ONLY |
	    UAPI_PEER_HAS_KEEPALIVE);
	CHECK_INT(p.req.peers[0].persistent_keepalive, 65535);
}

static void
upper_case_hex(void)
{
	char	req[] = "set=1\nprivate_key=" PRIV_HEX "\n\n";
	char	*c;

	for (c = strstr(req, "key=") + 4; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'f')
			*c -= 'a' - 'A';
	CHECK_INT(PARSE(req), UAPI_DONE);
	CHECK(key_is(p.req.private_key, PRIV));
}

/* wireguard-go loses a request that follows a set in the same read. */
static void
pipelined_requests(void)
{
	static const char	two[] = "get=1\n\nset=1\nlisten_port=7\n\n";
	size_t			used;

	uapi_parser_reset(&p);
	CHECK_INT(uapi_feed(&p, two, sizeof(two) - 1, &used), UAPI_DONE);
	CHECK_INT(used, 7);
	CHECK_INT(p.req.op, UAPI_GET);
	/* Until reset, the parser stays done and takes nothing. */
	CHECK_INT(uapi_feed(&p, two + 7, sizeof(two) - 8, &used), UAPI_DONE);
	CHECK_INT(used, 0);
	uapi_parser_reset(&p);
	CHECK_INT(uapi_feed(&p, two + 7, sizeof(two) - 8, &used), UAPI_DONE);
	CHECK_INT(used, sizeof(two) - 8);
	CHECK_INT(p.req.op, UAPI_SET);
	CHECK_INT(p.req.listen_port, 7);
}

static void
secrets_wiped(void)
{
	static const uint8_t	zero[sizeof(p)];

	CHECK_INT(PARSE(wg_set_all), UAPI_DONE);
	/* Every line that held a key went through the line buffer. */
	CHECK_MEM(p.line, zero, sizeof(p.line));
	uapi_parser_reset(&p);
	CHECK_MEM(&p, zero, sizeof(p));
}

static void
incomplete_requests(void)
{
	size_t	used;

	CHECK_INT(parse("get=1\n", 6), UAPI_MORE);
	CHECK_INT(parse("get=1", 5), UAPI_MORE);
	CHECK_INT(parse("set=1\nlisten_port=1\n", 20), UAPI_MORE);
	CHECK_INT(parse("set=1\nlisten_port=1", 19), UAPI_MORE);
	/* The rest comes in another read. */
	CHECK_INT(uapi_feed(&p, "\n\n", 2, &used), UAPI_DONE);
	CHECK_INT(used, 2);
	CHECK_INT(p.req.listen_port, 1);
}

/* What wireguard-go answers these with, as observed. */
static void
refused_like_wireguard_go(void)
{
	CHECK_INT(refused("set=1\nfoo=bar\n\n"), EINVAL);
	CHECK_INT(refused("set=1\nnoequals\n\n"), EPROTO);
	CHECK_INT(refused("set=1\nprivate_key=zz\n\n"), EINVAL);
	CHECK_INT(refused("set=1\nlisten_port=70000\n\n"), EINVAL);
	CHECK_INT(refused("set=1\nallowed_ip=10.0.0.0/8\n\n"), EINVAL);
	CHECK_INT(refused("get=1\nx\n\n"), EINVAL);
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX
	    "\nprotocol_version=2\n\n"), EINVAL);
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX "\nlisten_port=1\n\n"),
	    EINVAL);
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX "\nendpoint=::1:5\n\n"),
	    EINVAL);
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX "\nremove=yes\n\n"),
	    EINVAL);
}

static void
refused_bad_operation(void)
{
	CHECK_INT(refused("get=2\n\n"), EINVAL);
	CHECK_INT(refused("set=0\n\n"), EINVAL);
	CHECK_INT(refused("GET=1\n\n"), EINVAL);
	CHECK_INT(refused("get=1 \n\n"), EINVAL);
	CHECK_INT(refused("set=1\r\n\n"), EINVAL);
	/* An empty first line ends the request at once. */
	CHECK_INT(refused("\n"), EINVAL);
	CHECK_INT(refused("listen_port=1\n\n"), EINVAL);
}

/* tund's own requests: a line and the empty line, as get=1. */
static void
tund_requests(void)
{
	CHECK(accepted("tund-show=text\n\n"));
	CHECK_INT(p.req.op, UAPI_SHOW);
	CHECK_INT(p.req.json, 0);
	CHECK(accepted("tund-show=json\n\n"));
	CHECK_INT(p.req.op, UAPI_SHOW);
	CHECK_INT(p.req.json, 1);
	CHECK(accepted("tund-reload=1\n\n"));
	CHECK_INT(p.req.op, UAPI_RELOAD);
	CHECK_INT(refused("tund-show=xml\n\n"), EINVAL);
	CHECK_INT(refused("tund-show=\n\n"), EINVAL);
	CHECK_INT(refused("tund-show=json\nextra=1\n\n"), EINVAL);
	CHECK_INT(refused("tund-reload=2\n\n"), EINVAL);
	CHECK_INT(refused("tund-reload=1 \n\n"), EINVAL);
	CHECK_INT(refused("tund-reload\n\n"), EINVAL);
}

/* Every byte as the first digit: only hex digits pass, with their value. */
static void
hex_every_byte(void)
{
	char	req[] = "set=1\nprivate_key=" PRIV_HEX "\n\n";
	char	*digit = strstr(req, "key=") + 4;
	int	c, want;

	for (c = 1; c < 256; c++) {
		if (c == '\n')
			continue;
		*digit = (char)c;
		if (c >= '0' && c <= '9')
			want = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			want = (c | 0x20) - 'a' + 10;
		else
			want = -1;
		if (want == -1) {
			CHECK_INT(refused(req), EINVAL);
			continue;
		}
		CHECK(accepted(req));
		CHECK_INT(p.req.private_key[0], want << 4 | 0x8);
	}
}

/* Whether key is refused as private, public and preshared key. */
static int
key_refused(const char *key)
{
	char	req[256];

	snprintf(req, sizeof(req), "set=1\nprivate_key=%s\n\n", key);
	if (refused(req) != EINVAL)
		return 0;
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\n\n", key);
	if (refused(req) != EINVAL)
		return 0;
	snprintf(req, sizeof(req), "set=1\npublic_key=" PUB1_HEX
	    "\npreshared_key=%s\n\n", key);
	return refused(req) == EINVAL;
}

static void
refused_bad_hex(void)
{
	static const char	 bad[] = "gGxz :-+/=\xff";
	static const size_t	 pos[] = { 0, 1, 31, 62, 63 };
	char			 key[sizeof(PRIV_HEX) + 1];
	size_t			 i, j;

	for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++)
		for (j = 0; j < sizeof(bad) - 1; j++) {
			memcpy(key, PRIV_HEX, sizeof(PRIV_HEX));
			key[pos[i]] = bad[j];
			CHECK(key_refused(key));
		}
	memcpy(key, PRIV_HEX, sizeof(PRIV_HEX));
	key[63] = '\0';
	CHECK(key_refused(key));
	CHECK(key_refused(""));
	CHECK(key_refused(PRIV_HEX "0"));
	CHECK(key_refused(PRIV_HEX " "));
}

static void
refused_bad_numbers(void)
{
	static const char	*bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "65536", "99999999999999999999"
	};
	char	req[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "set=1\nlisten_port=%s\n\n", bad[i]);
		CHECK_INT(refused(req), EINVAL);
		snprintf(req, sizeof(req), "set=1\npublic_key=" PUB1_HEX
		    "\npersistent_keepalive_interval=%s\n\n", bad[i]);
		CHECK_INT(refused(req), EINVAL);
	}
	CHECK_INT(refused("set=1\nfwmark=4294967296\n\n"), EINVAL);
	CHECK_INT(refused("set=1\nfwmark=0x1\n\n"), EINVAL);
	CHECK(accepted("set=1\nfwmark=4294967295\n\n"));
	CHECK_INT(p.req.fwmark, 4294967295U);
	CHECK(accepted("set=1\nlisten_port=065535\n\n"));
	CHECK_INT(p.req.listen_port, 65535);
}

static void
refused_bad_endpoints(void)
{
	static const char	*bad[] = {
		"", "192.0.2.1", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536",
		"192.0.2.1:x", ":51820", "192.0.2:51820", "192.0.2.1.5:1",
		"example.com:51820", "localhost:51820", "2001:db8::1:51820",
		"[2001:db8::1]", "[2001:db8::1]:", "[2001:db8::1]51820",
		"[2001:db8::1:51820", "[192.0.2.1]:51820", "[]:1",
		"[fe80::1%eth0]:51820", "[fe80::1%1]:51820", "192.0.2.1:1:2",
		"[::1]:1]"
	};
	char	req[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "set=1\npublic_key=" PUB1_HEX
		    "\nendpoint=%s\n\n", bad[i]);
		CHECK_INT(refused(req), EINVAL);
	}
}

static void
refused_bad_allowed_ips(void)
{
	static const char	*bad[] = {
		"", "10.0.0.1", "10.0.0.0/33", "fd00::/129", "10.0.0.0/",
		"10.0.0.0/-1", "fe80::1%eth0/128", "10.0.0.0/8,10.1.0.0/16",
		"10.0.0.0/8 ", "example.com/32"
	};
	char	req[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "set=1\npublic_key=" PUB1_HEX
		    "\nallowed_ip=%s\n\n", bad[i]);
		CHECK_INT(refused(req), EINVAL);
	}
}

static void
refused_bad_booleans(void)
{
	static const char	*keys[] = {
		"remove", "update_only", "replace_allowed_ips"
	};
	static const char	*bad[] = { "", "1", "false", "TRUE", "true " };
	char	req[256];
	size_t	i, j;

	for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
		snprintf(req, sizeof(req), "set=1\nreplace_peers=%s\n\n",
		    bad[j]);
		CHECK_INT(refused(req), EINVAL);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			snprintf(req, sizeof(req), "set=1\npublic_key="
			    PUB1_HEX "\n%s=%s\n\n", keys[i], bad[j]);
			CHECK_INT(refused(req), EINVAL);
		}
	}
}

static void
refused_misplaced_keys(void)
{
	CHECK_INT(refused("set=1\npreshared_key=" PSK_HEX "\n\n"), EINVAL);
	CHECK_INT(refused("set=1\nremove=true\n\n"), EINVAL);
	CHECK_INT(refused("set=1\nprotocol_version=1\n\n"), EINVAL);
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX "\nprivate_key="
	    PRIV_HEX "\n\n"), EINVAL);
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX
	    "\nreplace_peers=true\n\n"), EINVAL);
	/* Keys of get replies are not set keys. */
	CHECK_INT(refused("set=1\npublic_key=" PUB1_HEX "\nrx_bytes=0\n\n"),
	    EINVAL);
	CHECK_INT(refused("set=1\nerrno=0\n\n"), EINVAL);
	CHECK_INT(refused("set=1\n=1\n\n"), EINVAL);
}

/* A bad line: the request is read to its end, then refused. */
static void
refused_at_the_end(void)
{
	static const char	req[] = "set=1\nfoo=bar\nlisten_port=1\n"
	    "noequals\n\nget=1\n\n";
	size_t			used;

	uapi_parser_reset(&p);
	CHECK_INT(uapi_feed(&p, req, 20, &used), UAPI_MORE);
	CHECK_INT(used, 20);
	CHECK_INT(uapi_feed(&p, req + 20, sizeof(req) - 21, &used),
	    UAPI_ERROR);
	CHECK_INT(used, sizeof(req) - 1 - 20 - 7);
	/* The first error is the one reported. */
	CHECK_INT(p.error, EINVAL);
}

static void
refused_embedded_nul(void)
{
	static const char	a[] = "set=1\nlisten_port=1\0junk\n\n";
	static const char	b[] = "set=1\0\n\n";
	static const char	c[] = "get=1\n\0\n\n";

	CHECK_INT(PARSE(a), UAPI_ERROR);
	CHECK_INT(p.error, EINVAL);
	CHECK_INT(PARSE(b), UAPI_ERROR);
	CHECK_INT(p.error, EINVAL);
	CHECK_INT(PARSE(c), UAPI_ERROR);
	CHECK_INT(p.error, EINVAL);
}

static void
refused_long_line(void)
{
	char	req[1024];
	int	n;

	/* The longest line that fits: UAPI_LINE_MAX with its newline. */
	n = snprintf(req, sizeof(req), "set=1\nlisten_port=%0*d\n\n",
	    UAPI_LINE_MAX - 1 - 12, 1);
	CHECK_INT(parse(req, (size_t)n), UAPI_DONE);
	CHECK_INT(p.req.listen_port, 1);
	n = snprintf(req, sizeof(req), "set=1\nlisten_port=%0*d\n\n",
	    UAPI_LINE_MAX - 12, 1);
	CHECK_INT(parse(req, (size_t)n), UAPI_ERROR);
	CHECK_INT(p.error, EMSGSIZE);
	n = snprintf(req, sizeof(req), "set=1\nfoo=%0900d\n\n", 1);
	CHECK_INT(parse(req, (size_t)n), UAPI_ERROR);
	CHECK_INT(p.error, EMSGSIZE);
}

/* "set=1\n", head, n times line, and the empty line; free it. */
static char *
build(const char *head, const char *line, size_t n, size_t *len)
{
	size_t	i, hl = strlen(head), ll = strlen(line);
	char	*buf;

	if ((buf = malloc(6 + hl + n * ll + 1)) == NULL)
		abort();
	memcpy(buf, "set=1\n", 6);
	memcpy(buf + 6, head, hl);
	*len = 6 + hl;
	for (i = 0; i < n; i++, *len += ll)
		memcpy(buf + *len, line, ll);
	buf[(*len)++] = '\n';
	return buf;
}

/* Parse what build() makes; the status. */
static enum uapi_status
parse_built(const char *head, const char *line, size_t n)
{
	enum uapi_status	 st;
	char			*req;
	size_t			 len;

	req = build(head, line, n, &len);
	st = parse(req, len);
	free(req);
	return st;
}

static void
limit_peers(void)
{
	CHECK_INT(parse_built("", "public_key=" PUB1_HEX
	    "\nallowed_ip=10.0.0.0/24\n", UAPI_PEERS_MAX), UAPI_DONE);
	CHECK_INT(p.req.n_peers, UAPI_PEERS_MAX);
	CHECK_INT(p.req.peers[UAPI_PEERS_MAX - 1].n_allowed_ips, 1);
	CHECK_INT(parse_built("", "public_key=" PUB1_HEX "\n",
	    UAPI_PEERS_MAX + 1), UAPI_ERROR);
	CHECK_INT(p.error, E2BIG);
}

static void
limit_allowed_ips(void)
{
	CHECK_INT(parse_built("public_key=" PUB1_HEX "\n",
	    "allowed_ip=10.0.0.0/16\n", UAPI_ALLOWEDIPS_MAX), UAPI_DONE);
	CHECK_INT(p.req.peers[0].n_allowed_ips, UAPI_ALLOWEDIPS_MAX);
	CHECK_INT(parse_built("public_key=" PUB1_HEX "\n",
	    "allowed_ip=10.0.0.0/16\n", UAPI_ALLOWEDIPS_MAX + 1), UAPI_ERROR);
	CHECK_INT(p.error, E2BIG);
	/* The limit is a peer's: the next peer has its own. */
	CHECK_INT(parse_built("public_key=" PUB1_HEX "\nallowed_ip=10.0.0.0/8\n"
	    "public_key=" PUB2_HEX "\n", "allowed_ip=10.0.0.0/16\n",
	    UAPI_ALLOWEDIPS_MAX), UAPI_DONE);
}

static void
limit_request_size(void)
{
	static const char	 line[] = "listen_port=1\n";
	size_t			 len = UAPI_REQUEST_MAX, n, pad, used;
	char			*req;

	/* Exactly the limit: 14-byte lines, one padded with zeros to fit. */
	if ((req = malloc(len + 1)) == NULL)
		abort();
	memcpy(req, "set=1\n", 6);
	for (n = 6; len - 1 - n >= 2 * (sizeof(line) - 1); n += sizeof(line) - 1)
		memcpy(req + n, line, sizeof(line) - 1);
	pad = len - 1 - n;
	memcpy(req + n, "listen_port=", 12);
	memset(req + n + 12, '0', pad - 14);
	memcpy(req + n + pad - 2, "2\n\n", 3);
	CHECK_INT(parse(req, len), UAPI_DONE);
	CHECK_INT(p.req.listen_port, 2);

	/* One byte more is refused then and there, not at the end. */
	memcpy(req + len - 1, "1\n", 2);
	uapi_parser_reset(&p);
	CHECK_INT(uapi_feed(&p, req, len + 1, &used), UAPI_ERROR);
	CHECK_INT(used, UAPI_REQUEST_MAX);
	CHECK_INT(p.error, EMSGSIZE);
	free(req);
}

static struct prefix
pfx(const char *s)
{
	struct prefix	r;

	if (prefix_parse(&r, s, NULL) == -1)
		abort();
	return r;
}

static void
b64(uint8_t key[KEY_LEN], const char *s)
{
	if (key_from_base64(key, s) == -1)
		abort();
}

/* The reply in a buffer of its own size; free it. */
static char *
format(const struct uapi_device *dev)
{
	size_t	 n = uapi_format_get(NULL, 0, dev);
	char	*buf;

	if ((buf = malloc(n + 1)) == NULL ||
	    uapi_format_get(buf, n + 1, dev) != n)
		abort();
	return buf;
}

/* wireguard-go's state after wg setconf, as wg showconf saw it. */
static void
format_like_wireguard_go(void)
{
	struct prefix		ips[2];
	struct uapi_peer	peer;
	struct uapi_device	dev;
	char			*reply;

	memset(&dev, 0, sizeof(dev));
	memset(&peer, 0, sizeof(peer));
	b64(dev.private_key, PRIV);
	dev.listen_port = 51822;
	dev.peers = &peer;
	dev.n_peers = 1;
	b64(peer.public_key, PUB2);
	make_endpoint(&peer.endpoint, "198.51.100.7", 1234);
	ips[0] = pfx("10.7.0.0/16");
	ips[1] = pfx("fd00:7::/48");
	peer.allowed_ips = ips;
	peer.n_allowed_ips = 2;
	reply = format(&dev);
	CHECK_STR(reply, go_get_reply);
	free(reply);
}

/* No private key, a peer without endpoint or allowed IPs. */
static void
format_bare(void)
{
	static const char	want[] =
	    "listen_port=51822\n"
	    "public_key=" PUB1_HEX "\n"
	    "preshared_key=" ZERO_HEX "\n"
	    "protocol_version=1\n"
	    "last_handshake_time_sec=0\n"
	    "last_handshake_time_nsec=0\n"
	    "tx_bytes=0\n"
	    "rx_bytes=0\n"
	    "persistent_keepalive_interval=0\n"
	    "errno=0\n"
	    "\n";
	struct uapi_peer	peer;
	struct uapi_device	dev;
	char			*reply;

	memset(&dev, 0, sizeof(dev));
	memset(&peer, 0, sizeof(peer));
	dev.listen_port = 51822;
	dev.peers = &peer;
	dev.n_peers = 1;
	b64(peer.public_key, PUB1);
	reply = format(&dev);
	CHECK_STR(reply, want);
	free(reply);

	dev.listen_port = 0;
	dev.n_peers = 0;
	reply = format(&dev);
	CHECK_STR(reply, "errno=0\n\n");
	free(reply);
}

static struct prefix		 rt_ips[3];
static struct uapi_peer		 rt_peers[2];
static struct uapi_device	 rt_dev;

/* Every field set, two peers: one IPv6, one IPv4 without a psk. */
static void
full_snapshot(void)
{
	memset(&rt_dev, 0, sizeof(rt_dev));
	memset(rt_peers, 0, sizeof(rt_peers));
	b64(rt_dev.private_key, PRIV);
	rt_dev.listen_port = 51820;
	rt_dev.fwmark = 0xffffffff;
	rt_dev.peers = rt_peers;
	rt_dev.n_peers = 2;
	b64(rt_peers[0].public_key, PUB1);
	b64(rt_peers[0].preshared_key, PSK);
	make_endpoint(&rt_peers[0].endpoint, "2001:db8::1", 65535);
	rt_peers[0].last_handshake.tv_sec = 1700000000;
	rt_peers[0].last_handshake.tv_nsec = 999999999;
	rt_peers[0].rx_bytes = 1;
	rt_peers[0].tx_bytes = UINT64_MAX;
	rt_peers[0].persistent_keepalive = 25;
	rt_ips[0] = pfx("0.0.0.0/0");
	rt_ips[1] = pfx("::/0");
	rt_ips[2] = pfx("192.168.1.0/24");
	rt_peers[0].allowed_ips = rt_ips;
	rt_peers[0].n_allowed_ips = 3;
	b64(rt_peers[1].public_key, PUB2);
	make_endpoint(&rt_peers[1].endpoint, "192.0.2.1", 1);
}

static void
format_fields(void)
{
	static const char	want[] =
	    "private_key=" PRIV_HEX "\n"
	    "listen_port=51820\n"
	    "fwmark=4294967295\n"
	    "public_key=" PUB1_HEX "\n"
	    "preshared_key=" PSK_HEX "\n"
	    "protocol_version=1\n"
	    "endpoint=[2001:db8::1]:65535\n"
	    "last_handshake_time_sec=1700000000\n"
	    "last_handshake_time_nsec=999999999\n"
	    "tx_bytes=18446744073709551615\n"
	    "rx_bytes=1\n"
	    "persistent_keepalive_interval=25\n"
	    "allowed_ip=0.0.0.0/0\n"
	    "allowed_ip=::/0\n"
	    "allowed_ip=192.168.1.0/24\n"
	    "public_key=" PUB2_HEX "\n"
	    "preshared_key=" ZERO_HEX "\n"
	    "protocol_version=1\n"
	    "endpoint=192.0.2.1:1\n"
	    "last_handshake_time_sec=0\n"
	    "last_handshake_time_nsec=0\n"
	    "tx_bytes=0\n"
	    "rx_bytes=0\n"
	    "persistent_keepalive_interval=0\n"
	    "errno=0\n"
	    "\n";
	char			*reply;

	full_snapshot();
	reply = format(&rt_dev);
	CHECK_STR(reply, want);
	free(reply);
}

/* As snprintf(3): the length always, as much as fits, NUL terminated. */
static void
format_truncated(void)
{
	char	*whole, buf[600];
	size_t	 len, size;

	full_snapshot();
	whole = format(&rt_dev);
	len = strlen(whole);
	CHECK(len > sizeof(buf));
	for (size = 1; size <= sizeof(buf); size++) {
		memset(buf, 'x', sizeof(buf));
		CHECK_INT(uapi_format_get(buf, size, &rt_dev), len);
		CHECK_INT(strlen(buf), size - 1);
		CHECK(strncmp(buf, whole, size - 1) == 0);
	}
	free(whole);
	CHECK_INT(uapi_format_errno(buf, 5, EINVAL), 11);
	CHECK_STR(buf, "errn");
}

static void
format_errno(void)
{
	char	buf[32];

	/* wireguard-go's and wg(8)'s sign: the errno negated. */
	CHECK_INT(uapi_format_errno(buf, sizeof(buf), EINVAL), 11);
	CHECK_STR(buf, "errno=-22\n\n");
	uapi_format_errno(buf, sizeof(buf), EPROTO);
	CHECK_STR(buf, "errno=-71\n\n");
	CHECK_INT(uapi_format_errno(buf, sizeof(buf), 0), 9);
	CHECK_STR(buf, "errno=0\n\n");
	CHECK_INT(uapi_format_errno(NULL, 0, E2BIG), 10);
}

static void
format_reload(void)
{
	char	 buf[128];
	char	*msg[] = { "a.conf:3: bad key", "two\nlines" };

	CHECK_INT(uapi_format_reload(buf, sizeof(buf), NULL, 0, 0), 9);
	CHECK_STR(buf, "errno=0\n\n");
	uapi_format_reload(buf, sizeof(buf), msg, 2, EINVAL);
	CHECK_STR(buf, "error=a.conf:3: bad key\nerror=two lines\n"
	    "errno=-22\n\n");
	CHECK_INT(uapi_format_reload(NULL, 0, msg, 2, EINVAL),
	    strlen("error=a.conf:3: bad key\nerror=two lines\n"
	    "errno=-22\n\n"));
}

/*
 * A get reply made a set request, the way wg showconf | wg setconf goes:
 * without the counters, the handshake time and the errno.
 */
static size_t
reply_to_set(const char *reply, char *out, size_t size)
{
	static const char	*skip[] = {
		"last_handshake_time_sec=", "last_handshake_time_nsec=",
		"rx_bytes=", "tx_bytes=", "errno="
	};
	const char		*line, *nl;
	size_t			 len = 6, i;

	memcpy(out, "set=1\n", 6);
	for (line = reply; (nl = strchr(line, '\n')) != NULL && nl != line;
	    line = nl + 1) {
		for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			if (strncmp(line, skip[i], strlen(skip[i])) == 0)
				break;
		if (i < sizeof(skip) / sizeof(skip[0]))
			continue;
		if (len + (size_t)(nl - line) + 2 > size)
			abort();
		memcpy(out + len, line, (size_t)(nl - line) + 1);
		len += (size_t)(nl - line) + 1;
	}
	out[len++] = '\n';
	return len;
}

static void
format_round_trip(void)
{
	struct uapi_peer_op	*op;
	char			*reply, req[4096];
	size_t			 len, i, j;

	full_snapshot();
	reply = format(&rt_dev);
	len = reply_to_set(reply, req, sizeof(req));
	free(reply);
	CHECK_INT(parse(req, len), UAPI_DONE);
	CHECK_INT(p.req.flags, UAPI_HAS_PRIVATE_KEY | UAPI_HAS_LISTEN_PORT |
	    UAPI_HAS_FWMARK);
	CHECK_MEM(p.req.private_key, rt_dev.private_key, KEY_LEN);
	CHECK_INT(p.req.listen_port, rt_dev.listen_port);
	CHECK_INT(p.req.fwmark, rt_dev.fwmark);
	CHECK_INT(p.req.n_peers, rt_dev.n_peers);
	for (i = 0; i < rt_dev.n_peers; i++) {
		op = &p.req.peers[i];
		CHECK_INT(op->flags, UAPI_PEER_HAS_PSK |
		    UAPI_PEER_HAS_ENDPOINT | UAPI_PEER_HAS_KEEPALIVE);
		CHECK_MEM(op->public_key, rt_peers[i].public_key, KEY_LEN);
		CHECK_MEM(op->preshared_key, rt_peers[i].preshared_key,
		    KEY_LEN);
		CHECK_MEM(&op->endpoint, &rt_peers[i].endpoint,
		    sizeof(op->endpoint));
		CHECK_INT(op->persistent_keepalive,
		    rt_peers[i].persistent_keepalive);
		CHECK_INT(op->n_allowed_ips, rt_peers[i].n_allowed_ips);
		for (j = 0; j < op->n_allowed_ips; j++)
			CHECK(prefix_equal(&op->allowed_ips[j],
			    &rt_peers[i].allowed_ips[j]));
	}
}

int
main(void)
{
	T_RUN(wg_set_every_key);
	T_RUN(wg_set_byte_by_byte);
	T_RUN(wg_set_ipv6_endpoint);
	T_RUN(wg_set_psk_removal);
	T_RUN(wg_set_empty_allowed_ips);
	T_RUN(wg_set_remove_peer);
	T_RUN(wg_set_off_values);
	T_RUN(wg_set_private_key_removal);
	T_RUN(wg_get_request);
	T_RUN(wg_syncconf_request);
	T_RUN(wg_setconf_replace_peers);
	T_RUN(update_only_and_version);
	T_RUN(upper_case_hex);
	T_RUN(pipelined_requests);
	T_RUN(secrets_wiped);
	T_RUN(incomplete_requests);
	T_RUN(refused_like_wireguard_go);
	T_RUN(refused_bad_operation);
	T_RUN(tund_requests);
	T_RUN(hex_every_byte);
	T_RUN(refused_bad_hex);
	T_RUN(refused_bad_numbers);
	T_RUN(refused_bad_endpoints);
	T_RUN(refused_bad_allowed_ips);
	T_RUN(refused_bad_booleans);
	T_RUN(refused_misplaced_keys);
	T_RUN(refused_at_the_end);
	T_RUN(refused_embedded_nul);
	T_RUN(refused_long_line);
	T_RUN(limit_peers);
	T_RUN(limit_allowed_ips);
	T_RUN(limit_request_size);
	T_RUN(format_like_wireguard_go);
	T_RUN(format_bare);
	T_RUN(format_fields);
	T_RUN(format_truncated);
	T_RUN(format_errno);
	T_RUN(format_reload);
	T_RUN(format_round_trip);
	uapi_parser_reset(&p);
	return t_done();
}
