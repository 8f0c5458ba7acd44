/*
 * tund show, rendered.  See show.h.
 *
 * The thread counters are walked through one table of fields, so the
 * text, the JSON and the total name and sum the same ones.  Only public
 * keys are written: the view holds no private key, and the peers'
 * preshared keys are never read.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "prefix.h"
#include "show.h"
#include "udp.h"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define NAME_LEN	24	/* "worker 2147483647" */
#define LABEL_W		20	/* text: the counter names' column */
#define COL_W		12	/* text: a thread's column */

static const struct {
	const char	*key;		/* JSON */
	const char	*label;		/* text */
	size_t		 off;		/* in struct stats */
} fields[] = {
	{ "device_rx_packets", "device rx packets",
	    offsetof(struct stats, tun_rx_packets) },
	{ "device_rx_bytes", "device rx bytes",
	    offsetof(struct stats, tun_rx_bytes) },
	{ "device_tx_packets", "device tx packets",
	    offsetof(struct stats, tun_tx_packets) },
	{ "device_tx_bytes", "device tx bytes",
	    offsetof(struct stats, tun_tx_bytes) },
	{ "udp_rx_packets", "UDP rx packets",
	    offsetof(struct stats, udp_rx_packets) },
	{ "udp_rx_bytes", "UDP rx bytes",
	    offsetof(struct stats, udp_rx_bytes) },
	{ "udp_tx_packets", "UDP tx packets",
	    offsetof(struct stats, udp_tx_packets) },
	{ "udp_tx_bytes", "UDP tx bytes",
	    offsetof(struct stats, udp_tx_bytes) },
	{ "handshakes", "handshakes",
	    offsetof(struct stats, handshakes) }
};

static const char *dev_names[TUN_NCOUNTERS] = {
	[TUN_RX_PACKETS] = "rx_packets",
	[TUN_RX_BYTES] = "rx_bytes",
	[TUN_RX_ERRORS] = "rx_errors",
	[TUN_RX_DROPPED] = "rx_dropped",
	[TUN_TX_PACKETS] = "tx_packets",
	[TUN_TX_BYTES] = "tx_bytes",
	[TUN_TX_ERRORS] = "tx_errors",
	[TUN_TX_DROPPED] = "tx_dropped"
};

static uint64_t *
field(struct stats *s, size_t f)
{
	return (uint64_t *)((char *)s + fields[f].off);
}

static uint64_t
dropped(const struct stats *s)
{
	uint64_t	n = 0;
	int		r;

	for (r = 0; r < DROP_NREASONS; r++)
		n += s->drops[r];
	return n;
}

/* Field f of the table; one past its end, the drops summed. */
static uint64_t
get(const struct stats *s, size_t f)
{
	if (f == nitems(fields))
		return dropped(s);
	return *(const uint64_t *)((const char *)s + fields[f].off);
}

void
show_total(const struct show_view *v, struct stats *t)
{
	size_t	i, f;
	int	r;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < v->nthreads; i++) {
		for (f = 0; f < nitems(fields); f++)
			*field(t, f) += get(&v->thread[i].s, f);
		for (r = 0; r < DROP_NREASONS; r++)
			t->drops[r] += v->thread[i].s.drops[r];
	}
}

static const char *
thread_name(const struct show_thread *t, char buf[NAME_LEN])
{
	if (t->worker < 0)
		return "main";
	snprintf(buf, NAME_LEN, "worker %d", t->worker);
	return buf;
}

static size_t
workers(const struct show_view *v)
{
	size_t	i, n = 0;

	for (i = 0; i < v->nthreads; i++)
		n += v->thread[i].worker >= 0;
	return n;
}

/* Seconds since the peer's latest handshake, or -1 for never. */
static long long
handshake_age(const struct show_view *v, const struct uapi_peer *p)
{
	if (p->last_handshake.tv_sec == 0)
		return -1;
	if (v->now < p->last_handshake.tv_sec)
		return 0;	/* the clock went back */
	return (long long)(v->now - p->last_handshake.tv_sec);
}

static int
finish(FILE *fp)
{
	return fflush(fp) == EOF || ferror(fp) ? -1 : 0;
}

/* --- Text ---------------------------------------------------------------- */

static void
text_interface(FILE *fp, const struct show_view *v)
{
	char	b64[KEY_B64_LEN + 1];

	key_to_base64(b64, v->public_key);
	fprintf(fp, "interface: %s\n  public key: %s\n"
	    "  listening port: %u\n", v->ifname, b64, v->listen_port);
	if (v->fwmark != 0)
		fprintf(fp, "  fwmark: 0x%" PRIx32 "\n", v->fwmark);
	fprintf(fp, "  worker threads: %zu\n", workers(v));
}

/* A row of the counters table: field f per thread, then the total. */
static void
text_row(FILE *fp, const char *label, const struct show_view *v,
    const struct stats *total, size_t f)
{
	size_t	i;

	fprintf(fp, "  %-*s", LABEL_W, label);
	for (i = 0; i < v->nthreads; i++)
		fprintf(fp, " %*" PRIu64, COL_W, get(&v->thread[i].s, f));
	fprintf(fp, " %*" PRIu64 "\n", COL_W, get(total, f));
}

static void
text_counters(FILE *fp, const struct show_view *v, const struct stats *total)
{
	char	name[NAME_LEN];
	size_t	i;
	int	r, any = 0;

	fprintf(fp, "\n  %-*s", LABEL_W, "counters");
	for (i = 0; i < v->nthreads; i++)
		fprintf(fp, " %*s", COL_W, thread_name(&v->thread[i], name));
	fprintf(fp, " %*s\n", COL_W, "total");
	for (i = 0; i < nitems(fields); i++)
		text_row(fp, fields[i].label, v, total, i);
	text_row(fp, "dropped", v, total, nitems(fields));

	fprintf(fp, "\n  drops:");
	for (r = 0; r < DROP_NREASONS; r++)
		if (total->drops[r] != 0) {
			fprintf(fp, "\n    %-*s %*" PRIu64, LABEL_W,
			    drop_reason_name(r), COL_W, total->drops[r]);
			any = 1;
		}
	fprintf(fp, "%s\n", any ? "" : " none");
}

static void
text_dev(FILE *fp, const struct show_view *v, enum tun_counter d)
{
	if (v->dev_read & (1u << d))
		fprintf(fp, " %*" PRIu64, COL_W, v->dev[d]);
	else
		fprintf(fp, " %*s", COL_W, "n/a");
}

/* The kernel's counters: a row each for packets, bytes, errors, dropped. */
static void
text_device(FILE *fp, const struct show_view *v)
{
	static const char	*rows[] = { "packets", "bytes", "errors",
				    "dropped" };
	size_t			 i;

	fprintf(fp, "\n  %-*s %*s %*s\n", LABEL_W, "kernel counters", COL_W,
	    "rx", COL_W, "tx");
	for (i = 0; i < nitems(rows); i++) {
		fprintf(fp, "  %-*s", LABEL_W, rows[i]);
		text_dev(fp, v, TUN_RX_PACKETS + i);
		text_dev(fp, v, TUN_TX_PACKETS + i);
		fputc('\n', fp);
	}
}

static void
text_peer(FILE *fp, const struct show_view *v, const struct uapi_peer *p)
{
	char		b64[KEY_B64_LEN + 1], ep[SOCKADDR_STRLEN];
	char		ip[PREFIX_STRLEN];
	long long	age = handshake_age(v, p);
	size_t		i;

	key_to_base64(b64, p->public_key);
	fprintf(fp, "\npeer: %s\n  endpoint: %s\n  allowed ips:", b64,
	    sockaddr_inet_fmt(&p->endpoint, ep, sizeof(ep)));
	for (i = 0; i < p->n_allowed_ips; i++)
		fprintf(fp, "%s %s", i == 0 ? "" : ",",
		    prefix_fmt(&p->allowed_ips[i], ip, sizeof(ip)));
	fprintf(fp, "%s\n", p->n_allowed_ips == 0 ? " (none)" : "");
	if (age < 0)
		fprintf(fp, "  latest handshake: never\n");
	else
		fprintf(fp, "  latest handshake: %lld second%s ago\n", age,
		    age == 1 ? "" : "s");
	fprintf(fp, "  transfer: %" PRIu64 " bytes received, %" PRIu64
	    " bytes sent\n", p->rx_bytes, p->tx_bytes);
	if (p->persistent_keepalive == 0)
		fprintf(fp, "  persistent keepalive: off\n");
	else
		fprintf(fp, "  persistent keepalive: every %u seconds\n",
		    p->persistent_keepalive);
}

static void
text_load(FILE *fp, const struct show_view *v)
{
	const struct sink_status	*s = &v->sink;
	const struct load_status	*l = v->load;

	fprintf(fp, "\nload sink: %" PRIu64 " streams seen, %" PRIu64
	    " packets delivered\n  %u streams counted now, %" PRIu64
	    " packets untracked\n", s->streams, s->delivered, s->live,
	    s->untracked);
	if (l == NULL)
		return;
	if (l->running)
		fprintf(fp, "load: run %zu of %zu: %u threads, %.1f s, %"
		    PRIu64 " packets sent\n", l->done + 1, l->runs,
		    l->threads, l->elapsed, l->sent);
	else
		fprintf(fp, "load: %zu of %zu runs sent, none sending now\n",
		    l->done, l->runs);
}

int
show_text(FILE *fp, const struct show_view *v)
{
	struct stats	total;
	size_t		i;

	show_total(v, &total);
	text_interface(fp, v);
	text_counters(fp, v, &total);
	text_device(fp, v);
	for (i = 0; i < v->npeers; i++)
		text_peer(fp, v, &v->peer[i]);
	text_load(fp, v);
	return finish(fp);
}

/* --- JSON ---------------------------------------------------------------- */

static void
json_counters(struct json *j, const char *key, const char *name,
    const struct stats *s)
{
	size_t	i;

	json_open(j, key, '{');
	if (name != NULL)
		json_str(j, "thread", name);
	for (i = 0; i < nitems(fields); i++)
		json_u64(j, fields[i].key, get(s, i));
	json_u64(j, "dropped", dropped(s));
	json_close(j, '}');
}

static void
json_threads(struct json *j, const struct show_view *v,
    const struct stats *total)
{
	char	name[NAME_LEN];
	size_t	i;
	int	r;

	json_open(j, "threads", '[');
	for (i = 0; i < v->nthreads; i++)
		json_counters(j, NULL, thread_name(&v->thread[i], name),
		    &v->thread[i].s);
	json_close(j, ']');
	json_counters(j, "total", NULL, total);
	json_open(j, "drops", '{');
	for (r = 0; r < DROP_NREASONS; r++)
		if (total->drops[r] != 0)
			json_u64(j, drop_reason_name(r), total->drops[r]);
	json_close(j, '}');
}

static void
json_device(struct json *j, const struct show_view *v)
{
	int	d;

	json_open(j, "device", '{');
	for (d = 0; d < TUN_NCOUNTERS; d++)
		if (v->dev_read & (1u << d))
			json_u64(j, dev_names[d], v->dev[d]);
		else
			json_str(j, dev_names[d], NULL);
	json_close(j, '}');
}

static void
json_peer(struct json *j, const struct show_view *v, const struct uapi_peer *p)
{
	char		b64[KEY_B64_LEN + 1], ep[SOCKADDR_STRLEN];
	char		ip[PREFIX_STRLEN];
	long long	age = handshake_age(v, p);
	size_t		i;

	key_to_base64(b64, p->public_key);
	json_open(j, NULL, '{');
	json_str(j, "public_key", b64);
	json_str(j, "endpoint", p->endpoint.sa.sa_family == 0 ? NULL :
	    sockaddr_inet_fmt(&p->endpoint, ep, sizeof(ep)));
	json_open(j, "allowed_ips", '[');
	for (i = 0; i < p->n_allowed_ips; i++)
		json_str(j, NULL, prefix_fmt(&p->allowed_ips[i], ip,
		    sizeof(ip)));
	json_close(j, ']');
	json_u64(j, "latest_handshake", (uint64_t)p->last_handshake.tv_sec);
	if (age < 0)
		json_str(j, "latest_handshake_age", NULL);
	else
		json_u64(j, "latest_handshake_age", (uint64_t)age);
	json_u64(j, "rx_bytes", p->rx_bytes);
	json_u64(j, "tx_bytes", p->tx_bytes);
	json_u64(j, "persistent_keepalive", p->persistent_keepalive);
	json_close(j, '}');
}

static void
json_load(struct json *j, const struct show_view *v)
{
	const struct load_status	*l = v->load;

	json_open(j, "sink", '{');
	json_u64(j, "streams", v->sink.streams);
	json_u64(j, "delivered", v->sink.delivered);
	json_u64(j, "live_streams", v->sink.live);
	json_u64(j, "untracked", v->sink.untracked);
	json_close(j, '}');
	if (l == NULL) {
		json_str(j, "load", NULL);
		return;
	}
	json_open(j, "load", '{');
	json_u64(j, "runs", l->runs);
	json_u64(j, "runs_sent", l->done);
	json_bool(j, "running", l->running);
	if (l->running) {
		json_u64(j, "threads", l->threads);
		json_num(j, "elapsed", l->elapsed);
		json_u64(j, "sent", l->sent);
	}
	json_close(j, '}');
}

int
show_json(FILE *fp, const struct show_view *v)
{
	struct json	j = { fp, 0, 0 };
	struct stats	total;
	char		b64[KEY_B64_LEN + 1];
	size_t		i;

	show_total(v, &total);
	key_to_base64(b64, v->public_key);
	json_open(&j, NULL, '{');
	json_str(&j, "interface", v->ifname);
	json_str(&j, "public_key", b64);
	json_u64(&j, "listen_port", v->listen_port);
	json_u64(&j, "fwmark", v->fwmark);
	json_u64(&j, "workers", workers(v));
	json_threads(&j, v, &total);
	json_device(&j, v);
	json_open(&j, "peers", '[');
	for (i = 0; i < v->npeers; i++)
		json_peer(&j, v, &v->peer[i]);
	json_close(&j, ']');
	json_load(&j, v);
	json_close(&j, '}');
	fputc('\n', fp);
	return finish(fp);
}
