/*
 * show.c: a view made by hand, written as text and as JSON.  The total is
 * the sum of the threads, in both forms; unknown kernel counters are
 * "n/a" and null; handshake ages, keepalives and endpoints read as wg(8)
 * shows them; only non-zero drop reasons are listed; the load run shows
 * only in load mode; no preshared key is written, whatever the view
 * holds.  The JSON is judged by python3's parser (those tests are skipped
 * without it); a write error is reported.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "key.h"
#include "show.h"
#include "t.h"

#define NOW	1800000000

static struct show_thread	thr[3];
static struct uapi_peer		peers[2];
static struct prefix		ips[3];
static struct load_status	load;
static struct show_view		view;
static int			python;

/* Key bytes all equal to b. */
static void
fill(uint8_t key[KEY_LEN], uint8_t b)
{
	memset(key, b, KEY_LEN);
}

static void
mkview(void)
{
	int	i;

	memset(&view, 0, sizeof(view));
	memset(thr, 0, sizeof(thr));
	memset(peers, 0, sizeof(peers));
	view.ifname = "tu\"n\n0";
	fill(view.public_key, 0x11);
	view.listen_port = 51820;
	view.fwmark = 0x1234;
	for (i = 0; i < 3; i++) {
		thr[i].worker = i - 1;
		thr[i].s.tun_rx_packets = 10 * (uint64_t)(i + 1);
		thr[i].s.tun_rx_bytes = 1000 * (uint64_t)(i + 1);
		thr[i].s.udp_tx_bytes = UINT64_C(1) << 40;
		thr[i].s.handshakes = (uint64_t)i;
		thr[i].s.drops[DROP_NO_PEER] = (uint64_t)i;
	}
	thr[2].s.drops[DROP_REPLAY] = 7;
	view.thread = thr;
	view.nthreads = 3;
	view.dev[TUN_RX_PACKETS] = 42;
	view.dev[TUN_TX_DROPPED] = 3;
	view.dev_read = 1u << TUN_RX_PACKETS | 1u << TUN_TX_DROPPED;

	prefix_parse(&ips[0], "198.19.0.2/32", NULL);
	prefix_parse(&ips[1], "2001:db8:19::/64", NULL);
	fill(peers[0].public_key, 0x22);
	fill(peers[0].preshared_key, 0xa5);
	peers[0].endpoint.sin.sin_family = AF_INET;
	peers[0].endpoint.sin.sin_port = htons(51820);
	inet_pton(AF_INET, "198.18.0.2", &peers[0].endpoint.sin.sin_addr);
	peers[0].last_handshake.tv_sec = NOW - 5;
	peers[0].rx_bytes = 1234;
	peers[0].tx_bytes = 5678;
	peers[0].persistent_keepalive = 25;
	peers[0].allowed_ips = ips;
	peers[0].n_allowed_ips = 2;
	fill(peers[1].public_key, 0x33);
	fill(peers[1].preshared_key, 0x5a);
	view.peer = peers;
	view.npeers = 2;
	view.now = NOW;
	view.sink.streams = 4;
	view.sink.delivered = 99;
}

/* What show_text or show_json wrote, NUL terminated; freed by the caller. */
static char *
render(int json)
{
	char	*out = NULL;
	size_t	 len;
	FILE	*fp;

	if ((fp = open_memstream(&out, &len)) == NULL)
		abort();
	if ((json ? show_json(fp, &view) : show_text(fp, &view)) != 0)
		abort();
	fclose(fp);
	return out;
}

/* The numbers on the text's line that starts with label. */
static int
row(const char *text, const char *label, uint64_t *v, int max)
{
	const char	*p = strstr(text, label);
	int		 n = 0, used;

	if (p == NULL)
		return -1;
	for (p += strlen(label); n < max &&
	    sscanf(p, " %" SCNu64 "%n", &v[n], &used) == 1; p += used)
		n++;
	return n;
}

static void
test_text_interface(void)
{
	char	*t;
	char	 b64[KEY_B64_LEN + 1];

	mkview();
	t = render(0);
	key_to_base64(b64, view.public_key);
	CHECK(strncmp(t, "interface: tu\"n\n0\n", 18) == 0);
	CHECK(strstr(t, b64) != NULL);
	CHECK(strstr(t, "\n  listening port: 51820\n") != NULL);
	CHECK(strstr(t, "\n  fwmark: 0x1234\n") != NULL);
	CHECK(strstr(t, "\n  worker threads: 2\n") != NULL);
	free(t);
}

static void
test_text_totals(void)
{
	uint64_t	v[8];
	char		*t;

	mkview();
	t = render(0);
	CHECK(strstr(t, "main     worker 0     worker 1        total\n") !=
	    NULL);
	CHECK_INT(row(t, "\n  device rx packets", v, 8), 4);
	CHECK(v[0] == 10 && v[1] == 20 && v[2] == 30 && v[3] == 60);
	CHECK_INT(row(t, "\n  UDP tx bytes", v, 8), 4);
	CHECK(v[3] == 3 * (UINT64_C(1) << 40));
	CHECK_INT(row(t, "\n  handshakes", v, 8), 4);
	CHECK(v[3] == 3);
	CHECK_INT(row(t, "\n  dropped", v, 8), 4);
	CHECK(v[0] == 0 && v[1] == 1 && v[2] == 9 && v[3] == 10);
	/* Only the reasons that dropped something. */
	CHECK_INT(row(t, "\n    no peer", v, 8), 1);
	CHECK(v[0] == 3);
	CHECK_INT(row(t, "\n    replayed", v, 8), 1);
	CHECK(v[0] == 7);
	CHECK(strstr(t, "bad mac1") == NULL);
	free(t);

	memset(thr, 0, sizeof(thr));
	t = render(0);
	CHECK(strstr(t, "\n  drops: none\n") != NULL);
	free(t);
}

static void
test_text_device(void)
{
	char	*t;

	mkview();
	t = render(0);
	CHECK(strstr(t, "\n  packets                        42          n/a\n")
	    != NULL);
	CHECK(strstr(t, "\n  dropped                       n/a            3\n")
	    != NULL);
	free(t);
}

static void
test_text_peers(void)
{
	char	*t, b64[KEY_B64_LEN + 1], want[256];

	mkview();
	t = render(0);
	key_to_base64(b64, peers[0].public_key);
	snprintf(want, sizeof(want), "\npeer: %s\n"
	    "  endpoint: 198.18.0.2:51820\n"
	    "  allowed ips: 198.19.0.2/32, 2001:db8:19::/64\n", b64);
	CHECK(strstr(t, want) != NULL);
	CHECK(strstr(t, "\n  latest handshake: 5 seconds ago\n"
	    "  transfer: 1234 bytes received, 5678 bytes sent\n"
	    "  persistent keepalive: every 25 seconds\n") != NULL);
	key_to_base64(b64, peers[1].public_key);
	snprintf(want, sizeof(want), "\npeer: %s\n  endpoint: (none)\n"
	    "  allowed ips: (none)\n  latest handshake: never\n", b64);
	CHECK(strstr(t, want) != NULL);
	CHECK(strstr(t, "  persistent keepalive: off\n") != NULL);
	free(t);

	/* The clock set back: no negative age. */
	view.now = NOW - 60;
	t = render(0);
	CHECK(strstr(t, "latest handshake: 0 seconds ago\n") != NULL);
	free(t);
}

static void
test_text_load(void)
{
	char	*t;

	mkview();
	t = render(0);
	CHECK(strstr(t, "\nload sink: 4 streams seen, 99 packets delivered\n")
	    != NULL);
	CHECK(strstr(t, "\nload:") == NULL);
	free(t);
	load = (struct load_status){ 3, 1, 1, 4, 2.5, 1000 };
	view.load = &load;
	t = render(0);
	CHECK(strstr(t, "\nload: run 2 of 3: 4 threads, 2.5 s, 1000 packets "
	    "sent\n") != NULL);
	free(t);
	load.running = 0;
	t = render(0);
	CHECK(strstr(t, "\nload: 1 of 3 runs sent, none sending now\n") !=
	    NULL);
	free(t);
}

/* Neither the preshared keys' bytes in hex nor their base64. */
static int
no_psk(const char *t)
{
	char	b64[KEY_B64_LEN + 1];
	int	i;

	for (i = 0; i < 2; i++) {
		key_to_base64(b64, peers[i].preshared_key);
		if (strstr(t, b64) != NULL)
			return 0;
	}
	return strstr(t, "a5a5a5a5") == NULL && strstr(t, "A5A5A5A5") == NULL &&
	    strstr(t, "5a5a5a5a") == NULL && strstr(t, "5A5A5A5A") == NULL;
}

static void
test_no_psk(void)
{
	char	*t;

	mkview();
	t = render(0);
	CHECK(no_psk(t));
	free(t);
	t = render(1);
	CHECK(no_psk(t));
	free(t);
}

/* Python's verdict on the JSON: every assertion of prog over j. */
static int
py_json(const char *prog)
{
	char	 path[] = "/tmp/test_show.XXXXXX", cmd[4096], *t;
	FILE	*fp;
	int	 fd, rv;

	t = render(1);
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(t, fp);
	fclose(fp);
	free(t);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys\n"
	    "j = json.load(open(sys.argv[1]), parse_constant=lambda c: "
	    "sys.exit(c))\n%s' %s", prog, path);
	rv = system(cmd);
	unlink(path);
	return rv;
}

static void
test_json_view(void)
{
	mkview();
	CHECK_INT(py_json(
	    "assert j[\"interface\"] == \"tu\\\"n\\n0\"\n"
	    "assert j[\"listen_port\"] == 51820 and j[\"fwmark\"] == 4660\n"
	    "assert j[\"workers\"] == 2\n"
	    "th, tot = j[\"threads\"], j[\"total\"]\n"
	    "assert [t[\"thread\"] for t in th] == "
	    "[\"main\", \"worker 0\", \"worker 1\"]\n"
	    "assert set(tot) == set(th[0]) - {\"thread\"}\n"
	    "assert all(tot[k] == sum(t[k] for t in th) for k in tot)\n"
	    "assert tot[\"udp_tx_bytes\"] == 3 << 40\n"
	    "assert j[\"drops\"] == {\"no peer\": 3, \"replayed\": 7}\n"
	    "assert tot[\"dropped\"] == 10\n"
	    "d = j[\"device\"]\n"
	    "assert d[\"rx_packets\"] == 42 and d[\"tx_dropped\"] == 3\n"
	    "assert d[\"rx_bytes\"] is None and len(d) == 8\n"
	    "p, q = j[\"peers\"]\n"
	    "assert p[\"endpoint\"] == \"198.18.0.2:51820\"\n"
	    "assert p[\"allowed_ips\"] == [\"198.19.0.2/32\", "
	    "\"2001:db8:19::/64\"]\n"
	    "assert p[\"latest_handshake\"] == 1799999995\n"
	    "assert p[\"latest_handshake_age\"] == 5\n"
	    "assert (p[\"rx_bytes\"], p[\"tx_bytes\"]) == (1234, 5678)\n"
	    "assert p[\"persistent_keepalive\"] == 25\n"
	    "assert q[\"endpoint\"] is None and q[\"allowed_ips\"] == []\n"
	    "assert q[\"latest_handshake_age\"] is None\n"
	    "assert not any(\"preshared\" in k for k in p)\n"
	    "assert j[\"sink\"][\"streams\"] == 4 and j[\"load\"] is None"),
	    0);
}

static void
test_json_load(void)
{
	mkview();
	load = (struct load_status){ 3, 1, 1, 4, 2.5, 1000 };
	view.load = &load;
	CHECK_INT(py_json("assert j[\"load\"] == {\"runs\": 3, "
	    "\"runs_sent\": 1, \"running\": True, \"threads\": 4, "
	    "\"elapsed\": 2.5, \"sent\": 1000}"), 0);
	/* No thread at all: an empty list and zero totals. */
	view.nthreads = 0;
	load.running = 0;
	CHECK_INT(py_json("assert j[\"threads\"] == [] and "
	    "not any(j[\"total\"].values()) and j[\"drops\"] == {}\n"
	    "assert j[\"load\"] == {\"runs\": 3, \"runs_sent\": 1, "
	    "\"running\": False}"), 0);
}

static void
test_total(void)
{
	struct stats	t;

	mkview();
	show_total(&view, &t);
	CHECK(t.tun_rx_packets == 60 && t.tun_rx_bytes == 6000);
	CHECK(t.udp_tx_bytes == 3 * (UINT64_C(1) << 40));
	CHECK(t.handshakes == 3 && t.drops[DROP_NO_PEER] == 3);
	CHECK(t.drops[DROP_REPLAY] == 7 && t.udp_rx_packets == 0);
}

static void
test_write_error(void)
{
	FILE	*fp;

	mkview();
	CHECK((fp = fopen("/dev/null", "r")) != NULL);
	CHECK_INT(show_text(fp, &view), -1);
	CHECK_INT(show_json(fp, &view), -1);
	fclose(fp);
	CHECK((fp = fopen("/dev/full", "w")) != NULL);
	CHECK_INT(show_json(fp, &view), -1);
	fclose(fp);
}

#define PY_RUN(fn) (python ? t_run(#fn, fn) : \
	t_skip(#fn, "python3 is not installed"))

int
main(void)
{
	python = system("python3 -c '' 2>/dev/null") == 0;
	T_RUN(test_text_interface);
	T_RUN(test_text_totals);
	T_RUN(test_text_device);
	T_RUN(test_text_peers);
	T_RUN(test_text_load);
	T_RUN(test_no_psk);
	PY_RUN(test_json_view);
	PY_RUN(test_json_load);
	T_RUN(test_total);
	T_RUN(test_write_error);
	return t_done();
}
