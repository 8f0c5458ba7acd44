#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "t.h"

/* Key pairs made with wg genkey | wg pubkey, and one wg genpsk. */
#define PRIV_A	"kMW8wQH23TZeFHkElcaB8Iwg0JqMD8pbmjOazIDgdUc="
#define PUB_A	"4b7jpnJ/BQy+g25H4ozVX9aPTUHSxFrFnJxMdFflK0c="
#define PUB_B	"jXZP77+ihj/SVj708h5eHeGKp0FOHaFb2ebymK8WpzE="
#define PUB_C	"kfj/T++mCk+O/m7RMoCCQ2tl4wug8WnaMnLdV9m0s1E="
#define PSK	"CFb+qju4XU4sv98uedDtFy/qinztf9U7B+EG219fzrc="

/* Lines 1-2 and 1-4 of most test files. */
#define IFACE	"[Interface]\nPrivateKey = " PRIV_A "\n"
#define PEER	IFACE "[Peer]\nPublicKey = " PUB_B "\n"

/* A gateway's wg-quick file as found in the wild, tund keys added. */
static const char wild[] =
    "# /etc/wireguard/wg0.conf: office gateway\n"
    "\n"
    "[Interface]\n"
    "# generated with wg genkey\n"
    "PrivateKey = " PRIV_A "\n"
    "Address = 10.200.0.1/24\n"
    "address=fd00:200::1/64   # ULA\n"
    "ListenPort = 51820\n"
    "MTU = 1380\n"
    "DNS = 10.200.0.53 , fd00:200::53,corp.example\n"
    "Table = auto\n"
    "PostUp = iptables -A FORWARD -i %i -j ACCEPT; "
    "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE\n"
    "PostUp = ip6tables -A FORWARD -i %i -j ACCEPT\n"
    "PostDown = iptables -D FORWARD -i %i -j ACCEPT  # undo\n"
    "SaveConfig = false\n"
    "\tdevice = /dev/tun7\n"
    "THREADS = 4\n"
    "\n"
    "[Peer]\n"
    "# laptop\n"
    "PublicKey = " PUB_B "\n"
    "PresharedKey = " PSK "\n"
    "AllowedIPs = 10.200.0.2/32, fd00:200::2/128\n"
    "AllowedIPs = 192.168.50.7/24\n"
    "\n"
    "[peer]\n"
    "publickey=" PUB_C "\n"
    "allowedips = 10.201.0.0/16,fd00:201::/48\n"
    "endpoint = branch.example.net:51820\n"
    "persistentkeepalive = 25\n";

static struct conf *
parse(const char *text, struct conf_errors *errs)
{
	return conf_parse("t.conf", text, strlen(text), errs);
}

static const char *
fmt(const struct prefix *p)
{
	static char	buf[4][PREFIX_STRLEN];
	static int	i;

	i = (i + 1) % 4;
	return prefix_fmt(p, buf[i], sizeof(buf[i]));
}

static void
check_wild(const char *text)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	struct conf_peer	*p;
	uint8_t			 key[KEY_LEN];

	c = parse(text, &errs);
	if (errs.n != 0)
		t_fail(__FILE__, __LINE__, "%s", errs.msg[0]);
	CHECK(c != NULL);
	CHECK_STR(c->path, "t.conf");
	CHECK(c->has_private_key);
	CHECK_INT(key_from_base64(key, PRIV_A), 0);
	CHECK_MEM(c->private_key, key, KEY_LEN);
	CHECK_INT(c->n_addresses, 2);
	CHECK_STR(fmt(&c->addresses[0]), "10.200.0.1/24");
	CHECK_STR(fmt(&c->addresses[1]), "fd00:200::1/64");
	CHECK_INT(c->listen_port, 51820);
	CHECK_INT(c->mtu, 1380);
	CHECK_INT(c->dns.n, 3);
	CHECK_STR(c->dns.v[0], "10.200.0.53");
	CHECK_STR(c->dns.v[1], "fd00:200::53");
	CHECK_STR(c->dns.v[2], "corp.example");
	CHECK_INT(c->table, CONF_TABLE_AUTO);
	CHECK_INT(c->post_up.n, 2);
	CHECK_STR(c->post_up.v[0], "iptables -A FORWARD -i %i -j ACCEPT; "
	    "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE");
	CHECK_STR(c->post_up.v[1], "ip6tables -A FORWARD -i %i -j ACCEPT");
	CHECK_INT(c->post_down.n, 1);
	CHECK_STR(c->post_down.v[0], "iptables -D FORWARD -i %i -j ACCEPT");
	CHECK_INT(c->pre_up.n, 0);
	CHECK_INT(c->pre_down.n, 0);
	CHECK_STR(c->device, "tun7");
	CHECK_INT(c->threads, 4);
	CHECK_INT(c->fwmark, 0);
	CHECK_INT(c->n_peers, 2);

	p = &c->peers[0];
	CHECK_INT(p->line, 19);
	CHECK_INT(key_from_base64(key, PUB_B), 0);
	CHECK_MEM(p->public_key, key, KEY_LEN);
	CHECK(p->has_preshared_key);
	CHECK_INT(key_from_base64(key, PSK), 0);
	CHECK_MEM(p->preshared_key, key, KEY_LEN);
	CHECK_INT(p->n_allowed_ips, 3);
	CHECK_STR(fmt(&p->allowed_ips[0]), "10.200.0.2/32");
	CHECK_STR(fmt(&p->allowed_ips[1]), "fd00:200::2/128");
	/* AllowedIPs are masked to their network. */
	CHECK_STR(fmt(&p->allowed_ips[2]), "192.168.50.0/24");
	CHECK(p->endpoint_host == NULL);
	CHECK_INT(p->persistent_keepalive, 0);

	p = &c->peers[1];
	CHECK_INT(p->line, 26);
	CHECK_INT(key_from_base64(key, PUB_C), 0);
	CHECK_MEM(p->public_key, key, KEY_LEN);
	CHECK(!p->has_preshared_key);
	CHECK_INT(p->n_allowed_ips, 2);
	CHECK_STR(fmt(&p->allowed_ips[0]), "10.201.0.0/16");
	CHECK_STR(fmt(&p->allowed_ips[1]), "fd00:201::/48");
	CHECK_STR(p->endpoint_host, "branch.example.net");
	CHECK_INT(p->endpoint_port, 51820);
	CHECK_INT(p->endpoint_line, 29);
	CHECK_INT(p->endpoint_len, 0);
	CHECK_INT(p->persistent_keepalive, 25);
	conf_free(c);
}

static void
test_wild(void)
{
	check_wild(wild);
}

/* The same file as Windows writes it, with a byte order mark and CRLF. */
static void
test_wild_crlf(void)
{
	char		*dos, *d;
	const char	*s;

	CHECK((dos = malloc(3 + 2 * sizeof(wild))) != NULL);
	d = dos + 3;
	memcpy(dos, "\xef\xbb\xbf", 3);
	for (s = wild; *s != '\0'; s++) {
		if (*s == '\n')
			*d++ = '\r';
		*d++ = *s;
	}
	*d = '\0';
	check_wild(dos);
	free(dos);
}

static void
test_defaults(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	/* No trailing newline, and the text need not end in a NUL. */
	static const char text[] = "[Interface]\nPrivateKey=" PRIV_A;
	char	*copy;

	CHECK((copy = malloc(sizeof(text) - 1)) != NULL);
	memcpy(copy, text, sizeof(text) - 1);
	c = conf_parse("t.conf", copy, sizeof(text) - 1, &errs);
	free(copy);
	CHECK_INT(errs.n, 0);
	CHECK(c != NULL);
	CHECK_INT(c->listen_port, 0);
	CHECK_INT(c->mtu, CONF_MTU_DEFAULT);
	CHECK_INT(c->table, CONF_TABLE_AUTO);
	CHECK_INT(c->fwmark, 0);
	CHECK_STR(c->device, "");
	CHECK_INT(c->threads, 0);
	CHECK_INT(c->n_addresses, 0);
	CHECK_INT(c->n_peers, 0);
	CHECK_INT(c->dns.n + c->pre_up.n + c->post_up.n + c->pre_down.n +
	    c->post_down.n, 0);
	conf_free(c);
}

static void
test_values(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	c = parse("[INTERFACE]\n"
	    "privatekey =\t" PRIV_A "\t\n"
	    "Address = 198.18.0.1, 2001:db8::1\n"
	    "Address =\n"
	    "ListenPort = 0\n"
	    "MTU = 9000\n"
	    "Table = 1234\n"
	    "FwMark = 0xCAfe\n"
	    "PreUp = echo one\n"
	    "PreDown = echo down\n"
	    "PreUp = echo two\n"
	    "SaveConfig = TRUE\n"
	    "Device = wg-office.1\n"
	    "Threads = 64\n"
	    "[ Peer ]\n"
	    "PublicKey = " PUB_B "\n"
	    "AllowedIPs =\n"
	    "Endpoint = [2001:db8::2]:51820\n"
	    "PersistentKeepalive = off\n"
	    "[Peer]\n"
	    "PublicKey = " PUB_C "\n"
	    "AllowedIPs = 0.0.0.0/0, ::/0\n"
	    "Endpoint = 198.18.0.2:1\n"
	    "PersistentKeepalive = 65535\n", &errs);
	if (errs.n != 0)
		t_fail(__FILE__, __LINE__, "%s", errs.msg[0]);
	CHECK(c != NULL);
	CHECK_INT(c->n_addresses, 2);
	CHECK_STR(fmt(&c->addresses[0]), "198.18.0.1/32");
	CHECK_STR(fmt(&c->addresses[1]), "2001:db8::1/128");
	CHECK_INT(c->listen_port, 0);
	CHECK_INT(c->mtu, 9000);
	CHECK_INT(c->table, 1234);
	CHECK_INT(c->fwmark, 0xcafe);
	CHECK_INT(c->pre_up.n, 2);
	CHECK_STR(c->pre_up.v[0], "echo one");
	CHECK_STR(c->pre_up.v[1], "echo two");
	CHECK_INT(c->pre_down.n, 1);
	CHECK_STR(c->device, "wg-office.1");
	CHECK_INT(c->threads, 64);
	CHECK_INT(c->n_peers, 2);
	CHECK_INT(c->peers[0].n_allowed_ips, 0);
	CHECK_STR(c->peers[0].endpoint_host, "2001:db8::2");
	CHECK_INT(c->peers[0].endpoint_port, 51820);
	CHECK_INT(c->peers[0].persistent_keepalive, 0);
	CHECK_INT(c->peers[1].n_allowed_ips, 2);
	CHECK_STR(fmt(&c->peers[1].allowed_ips[1]), "::/0");
	CHECK_STR(c->peers[1].endpoint_host, "198.18.0.2");
	CHECK_INT(c->peers[1].endpoint_port, 1);
	CHECK_INT(c->peers[1].persistent_keepalive, 65535);
	conf_free(c);

	c = parse(IFACE "Table = off\nFwMark = off\nTable = 0\n", &errs);
	CHECK(c == NULL);
	CHECK_INT(errs.n, 1);
	CHECK_STR(errs.msg[0], "t.conf:5: duplicate Table (first on line 3)");
	conf_errors_clear(&errs);
	CHECK_INT(errs.n, 0);
	CHECK(errs.msg == NULL);

	c = parse(IFACE "Table = OFF\nFwMark = 4294967295\n", &errs);
	CHECK(c != NULL);
	CHECK_INT(c->table, CONF_TABLE_OFF);
	CHECK_INT(c->fwmark, 4294967295u);
	conf_free(c);

	c = parse(IFACE "User = _tund\nChroot = /var/empty\n"
	    "ControlSocket = /run/tund/wg0.sock\nControlGroup = wg-admins\n",
	    &errs);
	CHECK(c != NULL);
	CHECK_STR(c->user, "_tund");
	CHECK_STR(c->chroot, "/var/empty");
	CHECK_STR(c->control_socket, "/run/tund/wg0.sock");
	CHECK_STR(c->control_group, "wg-admins");
	conf_free(c);
}

static char	 long_line[sizeof(IFACE) + 4200];

static void
make_long_line(void)
{
	size_t	n;

	n = (size_t)snprintf(long_line, sizeof(long_line), "%sPostUp = ",
	    IFACE);
	memset(long_line + n, 'x', 4100);
	strcpy(long_line + n + 4100, "\n");
}

/* Each file has exactly one mistake. */
static const struct {
	const char	*text, *msg;
} broken[] = {
	{ IFACE "[Foo]\n", "t.conf:3: unknown section [Foo]" },
	{ IFACE "[]\n", "t.conf:3: unknown section []" },
	{ IFACE "[Peer\n", "t.conf:3: missing ']' in section header" },
	{ IFACE "[Peer] x\n", "t.conf:3: junk after section header" },
	{ IFACE "[Peer]]\n", "t.conf:3: junk after section header" },
	{ IFACE "Foo = 1\n", "t.conf:3: unknown key \"Foo\" in [Interface]" },
	{ PEER "Private Key = 1\n",
	    "t.conf:5: unknown key \"Private Key\" in [Peer]" },
	{ "MTU = 1400\n" IFACE, "t.conf:1: key \"MTU\" outside a section" },
	{ IFACE "ListenPort 51820\n", "t.conf:3: missing '='" },
	{ IFACE "= 1\n", "t.conf:3: missing key before '='" },
	{ IFACE "ListenPort = 1\nlistenport = 2\n",
	    "t.conf:4: duplicate ListenPort (first on line 3)" },
	{ PEER "Endpoint = 198.18.0.1:1\nEndpoint = 198.18.0.1:2\n",
	    "t.conf:6: duplicate Endpoint (first on line 5)" },
	{ IFACE "PublicKey = " PUB_B "\n",
	    "t.conf:3: PublicKey belongs in [Peer], not [Interface]" },
	{ PEER "MTU = 1400\n",
	    "t.conf:5: MTU belongs in [Interface], not [Peer]" },
	{ "[Interface]\nPrivateKey = abc\n",
	    "t.conf:2: bad PrivateKey: not a 32-byte key in base64 "
	    "(44 characters)" },
	{ "[Interface]\nPrivateKey =\n",
	    "t.conf:2: missing value for PrivateKey" },
	{ IFACE "[Peer]\nPublicKey = "
	    "jXZP77+ihj/SVj708h5eHeGKp0FOHaFb2ebymK8WpzE\n",
	    "t.conf:4: bad PublicKey: not a 32-byte key in base64 "
	    "(44 characters)" },
	/* The last character's padding bits are set. */
	{ IFACE "[Peer]\nPublicKey = "
	    "jXZP77+ihj/SVj708h5eHeGKp0FOHaFb2ebymK8WpzF=\n",
	    "t.conf:4: bad PublicKey: not a 32-byte key in base64 "
	    "(44 characters)" },
	{ PEER "PresharedKey = " PSK "x\n",
	    "t.conf:5: bad PresharedKey: not a 32-byte key in base64 "
	    "(44 characters)" },
	{ IFACE "Address = 10.0.0.1/33\n",
	    "t.conf:3: bad Address \"10.0.0.1/33\": prefix length out of "
	    "range" },
	{ IFACE "Address = 1.2.3\n",
	    "t.conf:3: bad Address \"1.2.3\": not an IPv4 or IPv6 address" },
	{ IFACE "Address = fe80::1%eth0/64\n",
	    "t.conf:3: bad Address \"fe80::1%eth0/64\": scope ids are not "
	    "allowed" },
	{ IFACE "Address = 10.0.0.1/24 10.0.0.2/24\n",
	    "t.conf:3: bad Address \"10.0.0.1/24 10.0.0.2/24\": prefix length "
	    "is not a number" },
	{ PEER "AllowedIPs = 10.0.0.0/\n",
	    "t.conf:5: bad AllowedIPs \"10.0.0.0/\": missing prefix length "
	    "after '/'" },
	{ PEER "AllowedIPs = 10.0.0.0/8,,10.1.0.0/16\n",
	    "t.conf:5: empty entry in AllowedIPs" },
	{ PEER "AllowedIPs = 10.0.0.0/8,\n",
	    "t.conf:5: empty entry in AllowedIPs" },
	{ IFACE "ListenPort = 65536\n",
	    "t.conf:3: bad ListenPort \"65536\": not a number from 0 to "
	    "65535" },
	{ IFACE "ListenPort = -1\n",
	    "t.conf:3: bad ListenPort \"-1\": not a number from 0 to 65535" },
	{ IFACE "MTU = 575\n",
	    "t.conf:3: bad MTU \"575\": not a number from 576 to 9000" },
	{ IFACE "MTU = 1420 bytes\n",
	    "t.conf:3: bad MTU \"1420 bytes\": not a number from 576 to 9000" },
	{ IFACE "MTU = 99999999999999999999999\n",
	    "t.conf:3: bad MTU \"99999999999999999999999\": not a number "
	    "from 576 to 9000" },
	{ IFACE "Threads = 0\n",
	    "t.conf:3: bad Threads \"0\": not a number from 1 to 64" },
	{ IFACE "Threads = 65\n",
	    "t.conf:3: bad Threads \"65\": not a number from 1 to 64" },
	{ IFACE "Table = main\n",
	    "t.conf:3: bad Table \"main\": not off, auto or a table number" },
	{ IFACE "FwMark = 0x1g\n",
	    "t.conf:3: bad FwMark \"0x1g\": not off or a 32-bit number" },
	{ IFACE "FwMark = 4294967296\n",
	    "t.conf:3: bad FwMark \"4294967296\": not off or a 32-bit number" },
	{ IFACE "SaveConfig = yes\n",
	    "t.conf:3: bad SaveConfig \"yes\": not true or false" },
	{ IFACE "Device = /dev/net/tun\n",
	    "t.conf:3: bad Device \"/dev/net/tun\": not an interface name "
	    "such as tun0" },
	{ IFACE "Device = tun0123456789abcd\n",
	    "t.conf:3: bad Device \"tun0123456789abcd\": not an interface "
	    "name such as tun0" },
	{ IFACE "PostUp =\n", "t.conf:3: missing value for PostUp" },
	{ PEER "PersistentKeepalive = 65536\n",
	    "t.conf:5: bad PersistentKeepalive \"65536\": not a number from "
	    "0 to 65535" },
	{ PEER "Endpoint = vpn.example.com\n",
	    "t.conf:5: bad Endpoint \"vpn.example.com\": expected host:port "
	    "or [address]:port" },
	{ PEER "Endpoint = :51820\n",
	    "t.conf:5: bad Endpoint \":51820\": not a host name or address" },
	{ PEER "Endpoint = vpn example.com:51820\n",
	    "t.conf:5: bad Endpoint \"vpn example.com:51820\": not a host "
	    "name or address" },
	{ PEER "Endpoint = 198.18.0.1:0\n",
	    "t.conf:5: bad Endpoint \"198.18.0.1:0\": port not a number from "
	    "1 to 65535" },
	{ PEER "Endpoint = 198.18.0.1:65536\n",
	    "t.conf:5: bad Endpoint \"198.18.0.1:65536\": port not a number "
	    "from 1 to 65535" },
	{ PEER "Endpoint = 198.18.0.1:\n",
	    "t.conf:5: bad Endpoint \"198.18.0.1:\": port not a number from "
	    "1 to 65535" },
	{ PEER "Endpoint = 2001:db8::1:51820\n",
	    "t.conf:5: bad Endpoint \"2001:db8::1:51820\": an IPv6 address "
	    "needs brackets: [address]:port" },
	{ PEER "Endpoint = [2001:db8::1:51820\n",
	    "t.conf:5: bad Endpoint \"[2001:db8::1:51820\": expected "
	    "host:port or [address]:port" },
	{ PEER "Endpoint = [2001:db8::1]51820\n",
	    "t.conf:5: bad Endpoint \"[2001:db8::1]51820\": expected "
	    "host:port or [address]:port" },
	{ "[Interface]\nListenPort = 1\n",
	    "t.conf:1: missing PrivateKey in [Interface]" },
	{ IFACE "\n[Peer]\nAllowedIPs = 10.0.0.0/8\n",
	    "t.conf:4: missing PublicKey in [Peer]" },
	{ PEER "[Peer]\nPublicKey = " PUB_B "\n",
	    "t.conf:6: duplicate peer: same PublicKey as on line 4" },
	{ "", "t.conf:1: no [Interface] section" },
	{ "# nothing but a comment\n\n", "t.conf:1: no [Interface] section" },
	{ "[Peer]\nPublicKey = " PUB_B "\n",
	    "t.conf:1: no [Interface] section" },
	{ IFACE "[Interface]\nPrivateKey = " PRIV_A "\n",
	    "t.conf:3: second [Interface] section (the first is on line 1)" },
	{ long_line, "t.conf:3: line longer than 4096 bytes" },
	/* Capture and [Load]. */
	{ IFACE "Capture =\n", "t.conf:3: missing value for Capture" },
	{ IFACE "CaptureLimit = 10T\n",
	    "t.conf:3: bad CaptureLimit \"10T\": not a size in bytes such as "
	    "100M (k, M, G: 10^3, 10^6, 10^9)" },
	{ IFACE "CaptureLimit = 2000000G\n",
	    "t.conf:3: bad CaptureLimit \"2000000G\": not a size in bytes "
	    "such as 100M (k, M, G: 10^3, 10^6, 10^9)" },
	{ IFACE "CaptureFiles = 1001\n",
	    "t.conf:3: bad CaptureFiles \"1001\": not a number from 0 to "
	    "1000" },
	/* Privileges and the control socket. */
	{ IFACE "User = -rf\n",
	    "t.conf:3: bad User \"-rf\": not a user name" },
	{ IFACE "User = a b\n",
	    "t.conf:3: bad User \"a b\": not a user name" },
	{ IFACE "User = abcdefghijklmnopqrstuvwxyz0123456\n",
	    "t.conf:3: bad User \"abcdefghijklmnopqrstuvwxyz0123456\": not a "
	    "user name" },
	{ IFACE "Chroot = var/empty\n",
	    "t.conf:3: bad Chroot \"var/empty\": not an absolute path" },
	{ IFACE "ControlSocket = tund.sock\n",
	    "t.conf:3: bad ControlSocket \"tund.sock\": not an absolute path" },
	{ IFACE "ControlGroup = wheel:x\n",
	    "t.conf:3: bad ControlGroup \"wheel:x\": not a group name" },
	{ IFACE "User = _tund\nUser = nobody\n",
	    "t.conf:4: duplicate User (first on line 3)" },
	{ IFACE "[Load]\nThreads = 0\n",
	    "t.conf:4: bad Threads \"0\": not a number from 1 to 256" },
	{ IFACE "[Load]\nThreads = 1, 257\n",
	    "t.conf:4: bad Threads \"257\": not a number from 1 to 256" },
	{ IFACE "[Load]\nThreads = 1,,2\n",
	    "t.conf:4: empty entry in Threads" },
	{ IFACE "[Load]\nThreads = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
	    "t.conf:4: more than 16 entries in Threads" },
	{ IFACE "[Load]\nMethod = raw\n",
	    "t.conf:4: bad Method \"raw\": not socket or inject" },
	{ IFACE "[Load]\nDestination = 198.19.0.2\n",
	    "t.conf:4: bad Destination \"198.19.0.2\": expected host:port or "
	    "[address]:port" },
	{ IFACE "[Load]\nDestination = sink.example.net:9\n",
	    "t.conf:4: bad Destination \"sink.example.net:9\": not a numeric "
	    "address: a.b.c.d:port or [v6]:port" },
	{ IFACE "[Load]\nDestination = 2001:db8::2:9\n",
	    "t.conf:4: bad Destination \"2001:db8::2:9\": an IPv6 address "
	    "needs brackets: [address]:port" },
	{ IFACE "[Load]\nDestination = 198.19.0.2:0\n",
	    "t.conf:4: bad Destination \"198.19.0.2:0\": port not a number "
	    "from 1 to 65535" },
	{ IFACE "[Load]\nSize = 59\n",
	    "t.conf:4: bad Size \"59\": not imix or a number from 60 to 9000" },
	{ IFACE "[Load]\nSize = 9001\n",
	    "t.conf:4: bad Size \"9001\": not imix or a number from 60 to "
	    "9000" },
	{ IFACE "[Load]\nRate = 10x\n",
	    "t.conf:4: bad Rate \"10x\": not packets per second such as 20000 "
	    "or 20k (0: no limit)" },
	{ IFACE "[Load]\nRate = 2G\n",
	    "t.conf:4: bad Rate \"2G\": not packets per second such as 20000 "
	    "or 20k (0: no limit)" },
	{ IFACE "[Load]\nDuration = 5m\n",
	    "t.conf:4: bad Duration \"5m\": not a duration such as 5, 5s or "
	    "500ms, up to a day" },
	{ IFACE "[Load]\nDuration = 86401s\n",
	    "t.conf:4: bad Duration \"86401s\": not a duration such as 5, 5s "
	    "or 500ms, up to a day" },
	{ IFACE "[Load]\nDuration = ms\n",
	    "t.conf:4: bad Duration \"ms\": not a duration such as 5, 5s or "
	    "500ms, up to a day" },
	{ IFACE "[Load]\nCount = -1\n",
	    "t.conf:4: bad Count \"-1\": not a number of packets such as "
	    "100000 or 100k (0: no limit)" },
	{ IFACE "[Load]\nFlows = 0\n",
	    "t.conf:4: bad Flows \"0\": not a number from 1 to 1024" },
	{ IFACE "[Load]\nFlows = 1025\n",
	    "t.conf:4: bad Flows \"1025\": not a number from 1 to 1024" },
	{ IFACE "[Load]\nTiming = slow\n",
	    "t.conf:4: bad Timing \"slow\": not original or fast" },
	{ IFACE "[Load]\nLoops = many\n",
	    "t.conf:4: bad Loops \"many\": not a number from 0 to 1000000" },
	{ IFACE "[Load]\nReport =\n", "t.conf:4: missing value for Report" },
	{ IFACE "[Load]\nRate = 1\nrate = 2\n",
	    "t.conf:5: duplicate Rate (first on line 4)" },
	{ IFACE "[Load]\n[load]\n",
	    "t.conf:4: second [Load] section (the first is on line 3)" },
	{ IFACE "Method = socket\n",
	    "t.conf:3: Method belongs in [Load], not [Interface]" },
	{ IFACE "[Load]\nCapture = x.pcap\n",
	    "t.conf:4: Capture belongs in [Interface], not [Load]" },
	{ IFACE "[Load]\nMTU = 1400\n",
	    "t.conf:4: MTU belongs in [Interface], not [Load]" },
	/* What is quoted back is printable and short. */
	{ IFACE "MTU = \x01\x7f\xff\n",
	    "t.conf:3: bad MTU \"???\": not a number from 576 to 9000" },
	{ IFACE "[0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789]\n",
	    "t.conf:3: unknown section [0123456789012345678901234567890123"
	    "456789012345678901234567890123...]" },
};

static void
test_broken(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	size_t			 i, j;

	make_long_line();
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		c = parse(broken[i].text, &errs);
		if (c != NULL)
			t_fail(__FILE__, __LINE__, "case %zu: no error", i);
		else if (errs.n != 1 || strcmp(errs.msg[0], broken[i].msg)) {
			t_fail(__FILE__, __LINE__, "case %zu: %zu errors, "
			    "expected \"%s\"", i, errs.n, broken[i].msg);
			for (j = 0; j < errs.n; j++)
				printf("\t%s\n", errs.msg[j]);
		}
		conf_free(c);
		conf_errors_clear(&errs);
	}
}

static void
test_nul(void)
{
	static const char	 text[] = "[Interface]\nPrivate\0Key = " PRIV_A
	    "\nMTU = 1400\n";
	struct conf_errors	 errs = { NULL, 0 };

	CHECK(conf_parse("t.conf", text, sizeof(text) - 1, &errs) == NULL);
	CHECK_INT(errs.n, 2);
	CHECK_STR(errs.msg[0], "t.conf:1: missing PrivateKey in [Interface]");
	CHECK_STR(errs.msg[1], "t.conf:2: NUL byte in line");
	conf_errors_clear(&errs);
}

/* Every error of a file, in line order, each once. */
static void
test_many_errors(void)
{
	struct conf_errors	 errs = { NULL, 0 };

	CHECK(parse("Table = off\n"
	    "# a comment\n"
	    "[Interface]\n"
	    "MTU = 12\n"
	    "Address = 10.0.0.1/24, 10.0.0.300/24, ::1/200\n"
	    "Bogus = 1\n"
	    "[Peer]\n"
	    "AllowedIPs = 10.0.0.0/8\n"
	    "Endpoint = nowhere\n"
	    "[Peer]\n"
	    "PublicKey = " PUB_B "\n"
	    "[Peer]\n"
	    "PublicKey = " PUB_B "\n"
	    "[Tunnel]\n"
	    "Anything = goes\n"
	    "[Interface]\n", &errs) == NULL);
	CHECK_INT(errs.n, 11);
	CHECK_STR(errs.msg[0], "t.conf:1: key \"Table\" outside a section");
	CHECK_STR(errs.msg[1], "t.conf:3: missing PrivateKey in [Interface]");
	CHECK_STR(errs.msg[2],
	    "t.conf:4: bad MTU \"12\": not a number from 576 to 9000");
	CHECK_STR(errs.msg[3], "t.conf:5: bad Address \"10.0.0.300/24\": "
	    "not an IPv4 or IPv6 address");
	CHECK_STR(errs.msg[4],
	    "t.conf:5: bad Address \"::1/200\": prefix length out of range");
	CHECK_STR(errs.msg[5],
	    "t.conf:6: unknown key \"Bogus\" in [Interface]");
	CHECK_STR(errs.msg[6], "t.conf:7: missing PublicKey in [Peer]");
	CHECK_STR(errs.msg[7], "t.conf:9: bad Endpoint \"nowhere\": "
	    "expected host:port or [address]:port");
	CHECK_STR(errs.msg[8],
	    "t.conf:13: duplicate peer: same PublicKey as on line 11");
	CHECK_STR(errs.msg[9], "t.conf:14: unknown section [Tunnel]");
	CHECK_STR(errs.msg[10],
	    "t.conf:16: second [Interface] section (the first is on line 3)");
	conf_errors_clear(&errs);
}

/* A file that is no configuration at all stops after 100 errors. */
static void
test_too_many_errors(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	char			 text[1000];
	size_t			 i;

	for (i = 0; i < 300; i++)
		memcpy(text + 3 * i, "xx\n", 3);
	CHECK(conf_parse("t.conf", text, 900, &errs) == NULL);
	CHECK_INT(errs.n, 101);
	CHECK_STR(errs.msg[0], "t.conf:1: missing '='");
	CHECK_STR(errs.msg[99], "t.conf:100: missing '='");
	CHECK_STR(errs.msg[100], "t.conf:101: too many errors, giving up");
	conf_errors_clear(&errs);
}

/* Errors add to what errs already holds. */
static void
test_errors_append(void)
{
	struct conf_errors	 errs = { NULL, 0 };

	CHECK(conf_parse("a.conf", "", 0, &errs) == NULL);
	CHECK(conf_parse("b.conf", "[Interface]\n", 12, &errs) == NULL);
	CHECK_INT(errs.n, 2);
	CHECK_STR(errs.msg[0], "a.conf:1: no [Interface] section");
	CHECK_STR(errs.msg[1], "b.conf:1: missing PrivateKey in [Interface]");
	conf_errors_clear(&errs);
}

#define NFIELDS	10

/* Change field i of a peer whose allowed_ips may be written. */
static void
change(struct conf_peer *p, size_t i)
{
	static char	host[] = "127.0.0.2";

	switch (i) {
	case 0:
		p->public_key[31] ^= 1;
		break;
	case 1:
		p->preshared_key[0] ^= 1;
		break;
	case 2:
		p->has_preshared_key = 0;
		break;
	case 3:
		p->allowed_ips[1].plen++;
		break;
	case 4:
		p->n_allowed_ips = 1;
		break;
	case 5:
		p->endpoint_host = host;
		break;
	case 6:
		p->endpoint_port++;
		break;
	case 7:
		p->endpoint_len = sizeof(struct sockaddr_in);
		break;
	case 8:
		p->persistent_keepalive = 0;
		break;
	case 9:
		p->endpoint_host = NULL;
		break;
	}
}

static void
test_peer_equal(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*a, *b;
	size_t			 i;

	/* The same peers, elsewhere in the file and written otherwise. */
	a = parse(PEER "PresharedKey = " PSK "\n"
	    "AllowedIPs = 10.0.0.0/8, 2001:db8::/32\n"
	    "Endpoint = 127.0.0.1:51820\n"
	    "PersistentKeepalive = 25\n"
	    "[Peer]\nPublicKey = " PUB_C "\n", &errs);
	CHECK(a != NULL);
	b = parse("# moved down\n\n" IFACE "[Peer]\n"
	    "allowedips = 10.1.2.3/8,2001:db8:1::/32\n"
	    "PersistentKeepalive = 25\n"
	    "PublicKey = " PUB_B "\n"
	    "Endpoint = 127.0.0.1:51820\n"
	    "PresharedKey = " PSK "\n"
	    "[Peer]\nPublicKey = " PUB_C "\n"
	    "[Peer]\nPublicKey = " PUB_A "\n"
	    "PersistentKeepalive = 26\n", &errs);
	CHECK_INT(errs.n, 0);
	CHECK(b != NULL);
	CHECK(conf_peer_equal(&a->peers[0], &b->peers[0]));
	CHECK(conf_peer_equal(&a->peers[1], &b->peers[1]));
	CHECK(!conf_peer_equal(&a->peers[0], &a->peers[1]));
	CHECK(!conf_peer_equal(&a->peers[1], &b->peers[2]));

	/* Each field on its own makes a difference. */
	for (i = 0; i < NFIELDS; i++) {
		struct conf_peer	p = a->peers[0];
		struct prefix		ips[2];

		memcpy(ips, p.allowed_ips, sizeof(ips));
		p.allowed_ips = ips;
		change(&p, i);
		if (conf_peer_equal(&a->peers[0], &p))
			t_fail(__FILE__, __LINE__, "field %zu ignored", i);
	}
	conf_free(a);
	conf_free(b);
}

/* A temporary file with text and mode; its name in path. */
static int
tmpconf(char path[64], const char *text, mode_t mode)
{
	int	fd;

	strcpy(path, "/tmp/test_conf.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (fchmod(fd, mode) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

static void
test_load_permissions(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	char			 path[64], want[256];

	CHECK(tmpconf(path, PEER, 0644) == 0);
	c = conf_load(path, &errs);
	CHECK(c == NULL);
	CHECK_INT(errs.n, 1);
	snprintf(want, sizeof(want), "%s: holds a private key but is "
	    "readable by group or others; run: chmod 600 %s", path, path);
	CHECK_STR(errs.msg[0], want);
	conf_errors_clear(&errs);

	CHECK(chmod(path, 0640) == 0);
	CHECK(conf_load(path, &errs) == NULL);
	CHECK_INT(errs.n, 1);
	CHECK_STR(errs.msg[0], want);
	conf_errors_clear(&errs);

	CHECK(chmod(path, 0600) == 0);
	c = conf_load(path, &errs);
	CHECK_INT(errs.n, 0);
	CHECK(c != NULL);
	CHECK_STR(c->path, path);
	CHECK_INT(c->n_peers, 1);
	conf_free(c);

	CHECK(chmod(path, 0400) == 0);
	c = conf_load(path, &errs);
	CHECK(c != NULL);
	conf_free(c);
	unlink(path);
}

/* Parse errors and the permission error come out together. */
static void
test_load_all_errors(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	char			 path[64], want[256];

	CHECK(tmpconf(path, IFACE "MTU = 1\n", 0604) == 0);
	CHECK(conf_load(path, &errs) == NULL);
	unlink(path);
	CHECK_INT(errs.n, 2);
	snprintf(want, sizeof(want),
	    "%s:3: bad MTU \"1\": not a number from 576 to 9000", path);
	CHECK_STR(errs.msg[0], want);
	snprintf(want, sizeof(want), "%s: holds a private key but is "
	    "readable by group or others; run: chmod 600 %s", path, path);
	CHECK_STR(errs.msg[1], want);
	conf_errors_clear(&errs);
}

static void
test_load_errors(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	char			 path[64], want[256];
	char			*big;
	size_t			 i;
	int			 fd;

	CHECK(conf_load("/nonexistent/tund.conf", &errs) == NULL);
	CHECK_INT(errs.n, 1);
	CHECK_STR(errs.msg[0], "/nonexistent/tund.conf: No such file or "
	    "directory");
	conf_errors_clear(&errs);

	CHECK(conf_load("/tmp", &errs) == NULL);
	CHECK_INT(errs.n, 1);
	CHECK_STR(errs.msg[0], "/tmp: Is a directory");
	conf_errors_clear(&errs);

	/* 1 MiB of comments is fine; one byte more is not. */
	CHECK((big = malloc(1024 * 1024 + 2)) != NULL);
	for (i = 0; i <= 1024 * 1024; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	big[1024 * 1024 + 1] = '\0';
	CHECK(tmpconf(path, big, 0600) == 0);
	CHECK(conf_load(path, &errs) == NULL);
	CHECK_INT(errs.n, 1);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	CHECK_STR(errs.msg[0], want);
	conf_errors_clear(&errs);

	CHECK((fd = open(path, O_WRONLY | O_TRUNC)) != -1);
	CHECK(write(fd, IFACE, strlen(IFACE)) == (ssize_t)strlen(IFACE));
	CHECK(write(fd, big, 1024 * 1024 - strlen(IFACE)) ==
	    (ssize_t)(1024 * 1024 - strlen(IFACE)));
	close(fd);
	free(big);
	c = conf_load(path, &errs);
	unlink(path);
	CHECK_INT(errs.n, 0);
	CHECK(c != NULL);
	conf_free(c);
}

static void
test_resolve(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 path[64];

	CHECK(tmpconf(path, PEER "Endpoint = 127.0.0.1:51820\n"
	    "[Peer]\nPublicKey = " PUB_C "\nEndpoint = [::1]:1\n"
	    "[Peer]\nPublicKey = " PUB_A "\n", 0600) == 0);
	c = conf_load(path, &errs);
	unlink(path);
	if (errs.n != 0)
		t_fail(__FILE__, __LINE__, "%s", errs.msg[0]);
	CHECK(c != NULL);
	sin = (struct sockaddr_in *)&c->peers[0].endpoint;
	CHECK_INT(c->peers[0].endpoint_len, sizeof(*sin));
	CHECK_INT(sin->sin_family, AF_INET);
	CHECK_INT(ntohs(sin->sin_port), 51820);
	CHECK_INT(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	sin6 = (struct sockaddr_in6 *)&c->peers[1].endpoint;
	CHECK_INT(c->peers[1].endpoint_len, sizeof(*sin6));
	CHECK_INT(sin6->sin6_family, AF_INET6);
	CHECK_INT(ntohs(sin6->sin6_port), 1);
	CHECK(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	CHECK_INT(c->peers[2].endpoint_len, 0);
	conf_free(c);
}

/*
 * A failure without asking any name server: a link-local address with a
 * scope that names no interface.
 */
static void
test_resolve_error(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	const char		*want = "t.conf:7: cannot resolve "
	    "fe80::1%nosuchif0: ";

	c = parse(PEER "\n\nEndpoint = [fe80::1%nosuchif0]:51820\n", &errs);
	CHECK(c != NULL);
	CHECK_INT(conf_resolve(c, &errs), -1);
	CHECK_INT(errs.n, 1);
	if (strncmp(errs.msg[0], want, strlen(want)) != 0)
		t_fail(__FILE__, __LINE__, "%s", errs.msg[0]);
	conf_errors_clear(&errs);
	conf_free(c);
}

static void
test_capture(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	CHECK((c = parse(IFACE, &errs)) != NULL);
	CHECK(c->capture == NULL);
	CHECK_INT(c->capture_limit, 100000000);
	CHECK_INT(c->capture_files, 2);
	conf_free(c);
	c = parse(IFACE "Capture = /var/log/tund.pcap\n"
	    "capturelimit = 5k\nCaptureFiles = 0\n", &errs);
	CHECK(c != NULL);
	CHECK_STR(c->capture, "/var/log/tund.pcap");
	CHECK_INT(c->capture_limit, 5000);
	CHECK_INT(c->capture_files, 0);
	conf_free(c);
	c = parse(IFACE "CaptureLimit = 0\n", &errs);
	CHECK(c != NULL);
	CHECK_INT(c->capture_limit, 0);
	conf_free(c);
	c = parse(IFACE "CaptureLimit = 3G\n", &errs);
	CHECK(c != NULL);
	CHECK(c->capture_limit == UINT64_C(3000000000));
	conf_free(c);
	CHECK_INT(errs.n, 0);
}

/* Apply -L arguments to text; the errors of both in errs. */
static struct conf *
with_args(const char *text, const char **args, size_t n,
    struct conf_errors *errs)
{
	struct conf	*c;

	if ((c = parse(text, errs)) != NULL &&
	    conf_set_load(c, (char *const *)args, n, errs) == -1) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static void
test_load_keys(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	struct conf_load	*l;

	c = with_args(IFACE "[LOAD]\n"
	    "threads = 1, 2,4,256\n"
	    "METHOD = Inject\n"
	    "Destination = [2001:db8:19::2]:5001\n"
	    "Size = IMIX\n"
	    "Rate = 20k\n"
	    "Duration = 500ms\n"
	    "Count = 2M\n"
	    "Flows = 8\n"
	    "Replay = /tmp/x.pcap\n"
	    "Timing = original\n"
	    "Loops = 0\n"
	    "Report = json\n"
	    "Plot = sweep.svg\n", NULL, 0, &errs);
	if (errs.n != 0)
		t_fail(__FILE__, __LINE__, "%s", errs.msg[0]);
	CHECK(c != NULL);
	l = &c->load;
	CHECK_INT(l->enabled, 1);
	CHECK_INT(l->line, 3);
	CHECK_INT(l->n_threads, 4);
	CHECK_INT(l->threads[0], 1);
	CHECK_INT(l->threads[3], 256);
	CHECK_INT(l->method, LOAD_INJECT);
	CHECK_INT(l->dst_family, 6);
	CHECK_MEM(l->dst_addr, "\x20\x01\x0d\xb8\x00\x19\0\0\0\0\0\0\0\0\0\x02",
	    16);
	CHECK_INT(l->dst_port, 5001);
	CHECK_INT(l->size, 0);
	CHECK_INT(l->rate, 20000);
	CHECK_INT(l->duration_ms, 500);
	CHECK_INT(l->count, 2000000);
	CHECK_INT(l->flows, 8);
	CHECK_STR(l->replay, "/tmp/x.pcap");
	CHECK_INT(l->replay_timed, 1);
	CHECK_INT(l->loops, 0);
	CHECK_STR(l->report, "json");
	CHECK_STR(l->plot, "sweep.svg");
	conf_free(c);
}

static void
test_load_defaults(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	struct conf_load	*l;

	/* Without [Load] or -L: no load mode. */
	CHECK((c = with_args(IFACE, NULL, 0, &errs)) != NULL);
	CHECK_INT(c->load.enabled, 0);
	conf_free(c);
	c = with_args(IFACE "[Load]\nDestination = 198.19.0.2:9\n", NULL, 0,
	    &errs);
	CHECK(c != NULL);
	l = &c->load;
	CHECK_INT(l->enabled, 1);
	CHECK_INT(l->n_threads, 1);
	CHECK_INT(l->threads[0], 1);
	CHECK_INT(l->method, LOAD_SOCKET);
	CHECK_INT(l->dst_family, 4);
	CHECK_MEM(l->dst_addr, "\xc6\x13\x00\x02", 4);
	CHECK_INT(l->dst_port, 9);
	CHECK_INT(l->size, 128);
	CHECK_INT(l->rate, 0);
	CHECK_INT(l->duration_ms, 10000);
	CHECK_INT(l->count, 0);
	CHECK_INT(l->flows, 0);
	CHECK(l->replay == NULL && l->report == NULL && l->plot == NULL);
	CHECK_INT(l->replay_timed, 0);
	CHECK_INT(l->loops, 1);
	conf_free(c);
	/* A Count alone: no time limit. */
	c = with_args(IFACE "[Load]\nDestination = 198.19.0.2:9\n"
	    "Count = 100\nDuration = 0\n", NULL, 0, &errs);
	CHECK(c != NULL);
	CHECK_INT(c->load.duration_ms, 0);
	CHECK_INT(c->load.count, 100);
	conf_free(c);
	CHECK_INT(errs.n, 0);
}

static void
test_set_load(void)
{
	static const char	*args[] = { "threads=1,2", " Destination = "
				    "198.19.0.2:9 ", "duration=3", "rate=1k",
				    "RATE=2k", "plot=a.svg", "plot=b.svg" };
	static const char	*over[] = { "threads=2", "replay=/b.pcap" };
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	c = with_args(IFACE, args, sizeof(args) / sizeof(args[0]), &errs);
	if (errs.n != 0)
		t_fail(__FILE__, __LINE__, "%s", errs.msg[0]);
	CHECK(c != NULL);
	CHECK_INT(c->load.enabled, 1);
	CHECK_INT(c->load.line, 0);
	CHECK_INT(c->load.n_threads, 2);
	CHECK_INT(c->load.threads[1], 2);
	CHECK_INT(c->load.dst_port, 9);
	CHECK_INT(c->load.duration_ms, 3000);
	CHECK_INT(c->load.rate, 2000);
	CHECK_STR(c->load.plot, "b.svg");
	conf_free(c);
	/* The command line overrides the file. */
	c = with_args(IFACE "[Load]\nThreads = 8, 16\nReplay = /a.pcap\n",
	    over, 2, &errs);
	CHECK(c != NULL);
	CHECK_INT(c->load.n_threads, 1);
	CHECK_INT(c->load.threads[0], 2);
	CHECK_STR(c->load.replay, "/b.pcap");
	conf_free(c);
	CHECK_INT(errs.n, 0);
}

static void
test_set_load_errors(void)
{
	static const char	*args[] = { "threads=0", "nokey", "bogus=1",
				    "mtu=1400", "destination=x", "=1",
				    "size=" };
	struct conf_errors	 errs = { NULL, 0 };

	CHECK(with_args(IFACE, args, sizeof(args) / sizeof(args[0]), &errs) ==
	    NULL);
	CHECK_INT(errs.n, 8);
	CHECK_STR(errs.msg[0],
	    "-L: bad Threads \"0\": not a number from 1 to 256");
	CHECK_STR(errs.msg[1], "-L: expected key=value, not \"nokey\"");
	CHECK_STR(errs.msg[2], "-L: unknown key \"bogus\" in [Load]");
	CHECK_STR(errs.msg[3], "-L: MTU belongs in [Interface], not [Load]");
	CHECK_STR(errs.msg[4], "-L: bad Destination \"x\": expected "
	    "host:port or [address]:port");
	CHECK_STR(errs.msg[5], "-L: missing key before '='");
	CHECK_STR(errs.msg[6], "-L: missing value for Size");
	CHECK_STR(errs.msg[7], "-L: missing Destination in [Load]");
	conf_errors_clear(&errs);
}

/* What only the section as a whole tells, on its header's line. */
static void
test_load_whole(void)
{
	static const struct {
		const char	*text, *msg;
	} bad[] = {
		{ IFACE "[Load]\nThreads = 4\n",
		    "t.conf:3: missing Destination in [Load]" },
		{ IFACE "[Load]\nDestination = [2001:db8::2]:9\nSize = 79\n",
		    "t.conf:3: Size 79 is too small for an IPv6 Destination "
		    "(at least 80)" },
		{ IFACE "MTU = 1280\n[Load]\nDestination = 198.19.0.2:9\n"
		    "Size = 1281\n",
		    "t.conf:4: Size 1281 is larger than the MTU (1280)" },
		{ IFACE "[Load]\nReplay = x.pcap\nLoops = 0\n",
		    "t.conf:3: Loops = 0 replays forever: give a Duration or "
		    "a Count" },
	};
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (with_args(bad[i].text, NULL, 0, &errs) != NULL ||
		    errs.n != 1 || strcmp(errs.msg[0], bad[i].msg) != 0)
			t_fail(__FILE__, __LINE__, "case %zu: %s", i,
			    errs.n > 0 ? errs.msg[0] : "no error");
		conf_errors_clear(&errs);
	}
	/* A replay needs no Destination, and sends its file once. */
	c = with_args(IFACE "[Load]\nReplay = x.pcap\n", NULL, 0, &errs);
	CHECK(c != NULL);
	CHECK_INT(c->load.duration_ms, 0);
	CHECK_INT(c->load.loops, 1);
	conf_free(c);
}

int
main(void)
{
	T_RUN(test_wild);
	T_RUN(test_wild_crlf);
	T_RUN(test_defaults);
	T_RUN(test_values);
	T_RUN(test_broken);
	T_RUN(test_nul);
	T_RUN(test_many_errors);
	T_RUN(test_too_many_errors);
	T_RUN(test_errors_append);
	T_RUN(test_peer_equal);
	T_RUN(test_load_permissions);
	T_RUN(test_load_all_errors);
	T_RUN(test_load_errors);
	T_RUN(test_resolve);
	T_RUN(test_resolve_error);
	T_RUN(test_capture);
	T_RUN(test_load_keys);
	T_RUN(test_load_defaults);
	T_RUN(test_set_load);
	T_RUN(test_set_load_errors);
	T_RUN(test_load_whole);
	return t_done();
}
