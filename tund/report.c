/*
 * The load report: progress line, table, JSON and SVG chart.  See
 * report.h.
 *
 * Every rate is worked out by rate(), from a count and the run's seconds,
 * so that the table, the JSON and the chart agree; every figure is
 * formatted by one of si(), count() and pct().  Numbers are written by
 * hand rather than by a library: the three formats are small.  JSON goes
 * through json.c; XML text is escaped here.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "report.h"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define MIN_SECONDS	1e-9	/* a shorter run measured nothing */

enum {
	FIG = 32,		/* one formatted figure */
	CELL = 400,		/* a table cell: LOAD_NERRORS errors fit */
	NCOL = 8,		/* columns of the widest table */
	PROGRESS_WIDTH = 72	/* the progress line, padded to overwrite */
};

/* The errnos a sender meets; others are shown by number. */
static const struct {
	int		 num;
	const char	*name;
} errnames[] = {
	{ ENOBUFS, "ENOBUFS" },		{ EAGAIN, "EAGAIN" },
	{ EINTR, "EINTR" },		{ ENOMEM, "ENOMEM" },
	{ EMSGSIZE, "EMSGSIZE" },	{ ENETDOWN, "ENETDOWN" },
	{ ENETUNREACH, "ENETUNREACH" },	{ EHOSTUNREACH, "EHOSTUNREACH" },
	{ EHOSTDOWN, "EHOSTDOWN" },	{ ECONNREFUSED, "ECONNREFUSED" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EDESTADDRREQ, "EDESTADDRREQ" },
	{ ENOTCONN, "ENOTCONN" },	{ EPERM, "EPERM" },
	{ EACCES, "EACCES" },		{ EINVAL, "EINVAL" },
	{ EFAULT, "EFAULT" },		{ EBADF, "EBADF" },
	{ ENXIO, "ENXIO" },		{ EIO, "EIO" },
	{ ENOSPC, "ENOSPC" },		{ EPIPE, "EPIPE" }
};

static const char *
errname(char *buf, size_t len, int e)
{
	size_t	i;

	for (i = 0; i < nitems(errnames); i++)
		if (errnames[i].num == e)
			return errnames[i].name;
	snprintf(buf, len, "errno %d", e);
	return buf;
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static double
fin(double v)
{
	return isfinite(v) ? v : 0;
}

/* n a second, or 0 when the run lasted no time. */
static double
rate(double n, double seconds)
{
	if (!(seconds >= MIN_SECONDS))
		return 0;
	return n / seconds;
}

static size_t
nthreads(const struct load_run *r)
{
	return r->thread != NULL ? r->threads : 0;
}

/* Digits after the point, for three significant figures. */
static int
decimals(double v)
{
	if (v == 0)
		return 0;
	return v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
}

/*
 * v scaled by 1000s through prefix[] (the first for v itself) until it
 * is under 1000, then unit: "1.23 Mpps", "632 Mbit/s", "41.0 us".
 */
static const char *
scale(char *buf, size_t len, double v, const char *const *prefix,
    size_t nprefix, const char *unit)
{
	size_t	p = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	while (v >= 999.5 && p + 1 < nprefix) {
		v /= 1000;
		p++;
	}
	/* past the last prefix, in figures that still fit a column */
	snprintf(buf, len, v < 1e6 ? "%.*f%s%s%s" : "%.*g%s%s%s",
	    v < 1e6 ? decimals(v) : 3, v,
	    *prefix[p] != '\0' || *unit != '\0' ? " " : "", prefix[p], unit);
	return buf;
}

static const char *
si(char *buf, size_t len, double v, const char *unit)
{
	static const char *const prefix[] = {
		"", "k", "M", "G", "T", "P", "E"
	};

	return scale(buf, len, v, prefix, nitems(prefix), unit);
}

static const char *
latency(char *buf, size_t len, double us)
{
	static const char *const prefix[] = { "u", "m", "" };

	return scale(buf, len, us, prefix, nitems(prefix), "s");
}

/* A tick's label: si() without trailing zeros, "1.5 M" for "1.50 M". */
static const char *
tick(char *buf, size_t len, double v)
{
	char	*dot, *end, *p;

	si(buf, len, v, "");
	if ((dot = strchr(buf, '.')) == NULL)
		return buf;
	end = dot + 1 + strspn(dot + 1, "0123456789");
	for (p = end; p > dot + 1 && p[-1] == '0'; p--)
		;
	if (p == dot + 1)
		p = dot;
	memmove(p, end, strlen(end) + 1);
	return buf;
}

/* An exact count in groups of three digits: "12,345,678". */
static const char *
count(char *buf, size_t len, uint64_t v)
{
	char	digits[FIG];
	size_t	n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static const char *
pct(char *buf, size_t len, double v)
{
	if (isfinite(v))
		snprintf(buf, len, "%.2f %%", v);
	else
		snprintf(buf, len, "-");
	return buf;
}

static const char *
method_name(enum load_method m)
{
	return m == LOAD_INJECT ? "inject" : "socket";
}

/* "198.18.0.2:9000" or "[2001:db8::2]:9000"; NULL without one. */
static const char *
destination(char *buf, size_t len, const struct conf_load *cl)
{
	char	addr[INET6_ADDRSTRLEN];
	int	af = cl->dst_family == 6 ? AF_INET6 : AF_INET;

	if ((cl->dst_family != 4 && cl->dst_family != 6) ||
	    inet_ntop(af, cl->dst_addr, addr, sizeof(addr)) == NULL)
		return NULL;
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
	    cl->dst_port);
	return buf;
}

/* 0 if everything written to fp went out, else -1 with errno. */
static int
flushed(FILE *fp)
{
	if (fflush(fp) == 0 && !ferror(fp))
		return 0;
	if (errno == 0)
		errno = EIO;
	return -1;
}

int
report_is_terminal(FILE *fp)
{
	return isatty(fileno(fp));
}

void
report_progress(FILE *fp, const struct load_progress *p, unsigned threads)
{
	char	line[PROGRESS_WIDTH * 2], pps[FIG], bits[FIG], drops[FIG];

	/* "thread" and a space for the "s": the line keeps its layout */
	snprintf(line, sizeof(line), "%7.1f s  %3u thread%-1s  %11s  %13s  "
	    "%s drop%s", fin(p->elapsed), threads, plural(threads),
	    si(pps, sizeof(pps), p->pps, "pps"),
	    si(bits, sizeof(bits), p->gbps * 1e9, "bit/s"),
	    count(drops, sizeof(drops), p->drops), plural(p->drops));
	fprintf(fp, "\r%-*s", PROGRESS_WIDTH, line);
	fflush(fp);
}

void
report_progress_end(FILE *fp)
{
	fputc('\n', fp);
	fflush(fp);
}

/*
 * Tables: each row is formatted twice, once to size the columns and once
 * to print, so that any figure fits without a buffer for the whole table.
 */
struct column {
	const char	*head;
	const char	*group;		/* over this and its like neighbours */
	int		 text;		/* the last column: text, not padded */
};

typedef void	row_fn(char [][CELL], const void *, size_t);

static void
put_row(FILE *fp, const struct column *col, size_t ncol, const size_t *w,
    char cell[][CELL])
{
	size_t	c;

	for (c = 0; c < ncol; c++) {
		if (col[c].text)
			fprintf(fp, "  %s", cell[c]);
		else
			fprintf(fp, "  %*s", (int)w[c], cell[c]);
	}
	fputc('\n', fp);
}

static void
repeat(FILE *fp, int c, size_t n)
{
	while (n-- > 0)
		fputc(c, fp);
}

/* The groups' names over their columns: "--- offered ---". */
static void
put_groups(FILE *fp, const struct column *col, size_t ncol, const size_t *w)
{
	const char	*g;
	size_t		 c, e, span, len, pad, last = 0;
	int		 fill;

	for (c = 0; c < ncol; c++)
		if (col[c].group != NULL)
			last = c + 1;
	for (c = 0; c < last; c = e) {
		g = col[c].group;
		span = w[c];
		for (e = c + 1; e < last && g != NULL && col[e].group == g; e++)
			span += 2 + w[e];
		len = g != NULL ? strlen(g) + 2 : 0;
		pad = span > len ? span - len : 0;
		fill = g != NULL ? '-' : ' ';
		fputs("  ", fp);
		repeat(fp, fill, pad / 2);
		if (g != NULL)
			fprintf(fp, " %s ", g);
		repeat(fp, fill, pad - pad / 2);
	}
	if (last > 0)
		fputc('\n', fp);
}

static void
table(FILE *fp, const struct column *col, size_t ncol, size_t nrow,
    row_fn *row, const void *arg)
{
	char	cell[NCOL][CELL];
	size_t	w[NCOL], c, r, len;

	for (c = 0; c < ncol; c++)
		w[c] = strlen(col[c].head);
	for (r = 0; r < nrow; r++) {
		row(cell, arg, r);
		for (c = 0; c < ncol; c++)
			if ((len = strlen(cell[c])) > w[c])
				w[c] = len;
	}
	for (c = 0; c < ncol; c++)
		snprintf(cell[c], CELL, "%s", col[c].head);
	put_groups(fp, col, ncol, w);
	put_row(fp, col, ncol, w, cell);
	for (r = 0; r < nrow; r++) {
		row(cell, arg, r);
		put_row(fp, col, ncol, w, cell);
	}
}

/* Packets, packets a second and bits a second, in three cells. */
static void
rate_cells(char cell[][CELL], uint64_t pkts, uint64_t bytes, double sec)
{
	count(cell[0], CELL, pkts);
	si(cell[1], CELL, rate(pkts, sec), "pps");
	si(cell[2], CELL, rate(bytes * 8.0, sec), "bit/s");
}

/* "ENOBUFS: 1,234; EAGAIN: 5", or "-". */
static void
error_cell(char *buf, size_t len, const struct load_thread_result *t)
{
	char	name[FIG], n[FIG];
	size_t	i, o = 0;

	snprintf(buf, len, "-");
	for (i = 0; i < LOAD_NERRORS && o < len; i++) {
		if (t->err_count[i] == 0)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s: %s",
		    o > 0 ? "; " : "", errname(name, sizeof(name), t->err[i]),
		    count(n, sizeof(n), t->err_count[i]));
	}
}

static const char	offered[] = "offered", accepted[] = "accepted";

static const struct column thread_cols[] = {
	{ "thread", NULL, 0 }, { "packets", offered, 0 },
	{ "rate", offered, 0 }, { "bit rate", offered, 0 },
	{ "packets", accepted, 0 }, { "rate", accepted, 0 },
	{ "bit rate", accepted, 0 }, { "send errors", NULL, 1 }
};

static void
thread_row(char cell[][CELL], const void *arg, size_t i)
{
	const struct load_run		*r = arg;
	const struct load_thread_result	*t = &r->total;

	if (i < nthreads(r)) {
		t = &r->thread[i];
		snprintf(cell[0], CELL, "%zu", i);
	} else
		snprintf(cell[0], CELL, "total");
	rate_cells(&cell[1], t->offered_pkts, t->offered_bytes, r->seconds);
	rate_cells(&cell[4], t->accepted_pkts, t->accepted_bytes, r->seconds);
	error_cell(cell[7], CELL, t);
}

static const struct column sweep_cols[] = {
	{ "threads", NULL, 0 }, { "offered", NULL, 0 },
	{ "accepted", NULL, 0 }, { "pulled", NULL, 0 },
	{ "delivered", NULL, 0 }, { "tx drops", NULL, 0 }, { "loss", NULL, 0 }
};

static void
sweep_row(char cell[][CELL], const void *arg, size_t i)
{
	const struct load_run	*r = (const struct load_run *)arg + i;

	snprintf(cell[0], CELL, "%u", r->threads);
	si(cell[1], CELL, rate(r->total.offered_pkts, r->seconds), "pps");
	si(cell[2], CELL, rate(r->total.accepted_pkts, r->seconds), "pps");
	si(cell[3], CELL, rate(r->pulled, r->seconds), "pps");
	snprintf(cell[4], CELL, "-");
	count(cell[5], CELL, r->if_tx_dropped);
	snprintf(cell[6], CELL, "-");
	if (r->far.valid) {
		si(cell[4], CELL, rate(r->far.delivered, r->seconds), "pps");
		pct(cell[6], CELL, r->far.loss_pct);
	}
}

/* One figure of a run, under the table: "  label   text". */
static void __attribute__((format(printf, 3, 4)))
line(FILE *fp, const char *label, const char *fmt, ...)
{
	va_list	ap;

	fprintf(fp, "  %-20s", label);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
}

/* A count and its rate: "12,345 (1.23 kpps)". */
static void
count_line(FILE *fp, const char *label, uint64_t n, double sec)
{
	char	a[FIG], b[FIG];

	line(fp, label, "%s (%s)", count(a, sizeof(a), n),
	    si(b, sizeof(b), rate(n, sec), "pps"));
}

static void
table_far(FILE *fp, const struct load_run *r)
{
	const struct load_far	*f = &r->far;
	char			 a[FIG], b[FIG], c[FIG];

	if (!f->valid) {
		line(fp, "far end", "no answer");
		return;
	}
	count_line(fp, "far end delivered", f->delivered, r->seconds);
	line(fp, "far end loss", "%s, reordered %s, duplicated %s",
	    pct(a, sizeof(a), f->loss_pct), count(b, sizeof(b), f->reordered),
	    count(c, sizeof(c), f->duplicated));
	if (!f->clock_shared)
		line(fp, "one-way latency", "not meaningful: the two ends do "
		    "not share a clock");
	else
		line(fp, "one-way latency", "p50 %s, p99 %s, p99.9 %s",
		    latency(a, sizeof(a), f->p50_us),
		    latency(b, sizeof(b), f->p99_us),
		    latency(c, sizeof(c), f->p999_us));
}

static void
table_run(FILE *fp, const struct load_run *r, size_t i, size_t n)
{
	char	a[FIG];

	fprintf(fp, "\nrun %zu of %zu: %u thread%s, %.2f s\n", i + 1, n,
	    r->threads, plural(r->threads), fin(r->seconds));
	table(fp, thread_cols, nitems(thread_cols), nthreads(r) + 1,
	    thread_row, r);
	line(fp, "interface tx drops", "%s", count(a, sizeof(a),
	    r->if_tx_dropped));
	count_line(fp, "pulled by tund", r->pulled, r->seconds);
	count_line(fp, "sent encrypted", r->encrypted, r->seconds);
	table_far(fp, r);
}

static void
table_workload(FILE *fp, const struct conf_load *cl)
{
	char	buf[INET6_ADDRSTRLEN + 16], a[FIG];

	fprintf(fp, "load: %s", method_name(cl->method));
	if (destination(buf, sizeof(buf), cl) != NULL)
		fprintf(fp, " to %s", buf);
	if (cl->replay != NULL)
		fprintf(fp, ", replay of %s%s", cl->replay,
		    cl->replay_timed ? " with its timing" : "");
	else if (cl->size == 0)
		fprintf(fp, ", imix packets");
	else
		fprintf(fp, ", %u-byte packets", cl->size);
	if (cl->flows == 0)
		fprintf(fp, ", a flow a thread");
	else
		fprintf(fp, ", %u flow%s", cl->flows, plural(cl->flows));
	if (cl->rate != 0)
		fprintf(fp, ", %s", si(a, sizeof(a), cl->rate, "pps"));
	else
		fprintf(fp, ", no rate limit");
	if (cl->count != 0)
		fprintf(fp, ", %s packets a run", count(a, sizeof(a),
		    cl->count));
	else
		fprintf(fp, ", %.1f s a run", cl->duration_ms / 1000.0);
	fputc('\n', fp);
}

void
report_table(FILE *fp, const struct conf_load *cl,
    const struct load_run *runs, size_t n)
{
	size_t	i;

	table_workload(fp, cl);
	for (i = 0; i < n; i++)
		table_run(fp, &runs[i], i, n);
	if (n > 1) {
		fprintf(fp, "\nsweep: packets a second and drops by sender "
		    "threads\n");
		table(fp, sweep_cols, nitems(sweep_cols), n, sweep_row, runs);
	}
	fflush(fp);
}

/* "offered_pkts", "offered_bytes", "offered_pps", "offered_bps". */
static void
json_rates(struct json *j, const char *what, uint64_t pkts, uint64_t bytes,
    double sec)
{
	char	key[FIG];

	snprintf(key, sizeof(key), "%s_pkts", what);
	json_u64(j, key, pkts);
	snprintf(key, sizeof(key), "%s_bytes", what);
	json_u64(j, key, bytes);
	snprintf(key, sizeof(key), "%s_pps", what);
	json_num(j, key, rate(pkts, sec));
	snprintf(key, sizeof(key), "%s_bps", what);
	json_num(j, key, rate(bytes * 8.0, sec));
}

static void
json_result(struct json *j, const struct load_thread_result *t, double sec)
{
	char	name[FIG];
	size_t	i;

	json_rates(j, "offered", t->offered_pkts, t->offered_bytes, sec);
	json_rates(j, "accepted", t->accepted_pkts, t->accepted_bytes, sec);
	json_open(j, "errors", '{');
	for (i = 0; i < LOAD_NERRORS; i++)
		if (t->err_count[i] != 0)
			json_u64(j, errname(name, sizeof(name), t->err[i]),
			    t->err_count[i]);
	json_close(j, '}');
}

static void
json_far(struct json *j, const struct load_run *r)
{
	const struct load_far	*f = &r->far;

	json_open(j, "far", '{');
	json_bool(j, "answered", f->valid);
	if (f->valid) {
		json_u64(j, "delivered", f->delivered);
		json_num(j, "delivered_pps", rate(f->delivered, r->seconds));
		json_num(j, "loss_pct", f->loss_pct);
		json_u64(j, "reordered", f->reordered);
		json_u64(j, "duplicated", f->duplicated);
		json_bool(j, "clock_shared", f->clock_shared);
		if (f->clock_shared) {
			json_open(j, "latency_us", '{');
			json_num(j, "p50", f->p50_us);
			json_num(j, "p99", f->p99_us);
			json_num(j, "p999", f->p999_us);
			json_close(j, '}');
		} else
			json_str(j, "latency_us", NULL);
	}
	json_close(j, '}');
}

static void
json_run(struct json *j, const struct load_run *r)
{
	size_t	i;

	json_open(j, NULL, '{');
	json_u64(j, "threads", r->threads);
	json_num(j, "seconds", r->seconds);
	json_open(j, "per_thread", '[');
	for (i = 0; i < nthreads(r); i++) {
		json_open(j, NULL, '{');
		json_u64(j, "thread", i);
		json_result(j, &r->thread[i], r->seconds);
		json_close(j, '}');
	}
	json_close(j, ']');
	json_open(j, "total", '{');
	json_result(j, &r->total, r->seconds);
	json_close(j, '}');
	json_u64(j, "interface_tx_dropped", r->if_tx_dropped);
	json_u64(j, "pulled", r->pulled);
	json_num(j, "pulled_pps", rate(r->pulled, r->seconds));
	json_u64(j, "encrypted", r->encrypted);
	json_num(j, "encrypted_pps", rate(r->encrypted, r->seconds));
	json_far(j, r);
	json_close(j, '}');
}

static void
json_workload(struct json *j, const struct conf_load *cl)
{
	char	buf[INET6_ADDRSTRLEN + 16];
	size_t	i;

	json_open(j, "workload", '{');
	json_str(j, "method", method_name(cl->method));
	json_str(j, "destination", destination(buf, sizeof(buf), cl));
	json_u64(j, "size", cl->size);
	json_bool(j, "imix", cl->size == 0);
	json_u64(j, "rate_pps", cl->rate);
	json_num(j, "duration_s", cl->duration_ms / 1000.0);
	json_u64(j, "count", cl->count);
	json_u64(j, "flows", cl->flows);
	json_str(j, "replay", cl->replay);
	json_bool(j, "replay_timed", cl->replay_timed);
	json_u64(j, "loops", cl->loops);
	json_open(j, "threads", '[');
	for (i = 0; i < cl->n_threads; i++)
		json_u64(j, NULL, cl->threads[i]);
	json_close(j, ']');
	json_close(j, '}');
}

int
report_json(FILE *fp, const struct conf_load *cl,
    const struct load_run *runs, size_t n)
{
	struct json	j = { fp, 0, 0 };
	size_t		i;

	errno = 0;
	json_open(&j, NULL, '{');
	json_workload(&j, cl);
	json_open(&j, "runs", '[');
	for (i = 0; i < n; i++)
		json_run(&j, &runs[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	fputc('\n', fp);
	return flushed(fp);
}

/*
 * The SVG chart: thread counts along x from 0, packets a second on the
 * left axis, drops on the right, both from 0.
 */
enum {
	SVG_W = 760, SVG_H = 460,
	PL = 90, PR = 670, PT = 70, PB = 390,	/* the plot area */
	XPAD = 20,		/* keeps the last point off the right axis */
	TICKS = 5		/* at most, on either y axis */
};

enum { S_PPS, S_DROPS, NSERIES };

static const struct {
	const char	*class;
	const char	*color;
	const char	*dash;
} series[NSERIES] = {
	{ "pps", "#1f77b4", "" },
	{ "drops", "#d62728", " stroke-dasharray=\"6 4\"" }
};

struct point {
	double	threads;
	double	v[NSERIES];
};

struct axis {
	double	step;		/* between ticks */
	int	nstep;		/* ticks above 0 */
};

static int
by_threads(const void *a, const void *b)
{
	const struct point	*p = a, *q = b;

	return (p->threads > q->threads) - (p->threads < q->threads);
}

/*
 * Fill pt in thread order.  Returns whether every run had the far end's
 * answer: then the chart shows delivered packets, else accepted ones,
 * never a mix of the two.
 */
static int
points(struct point *pt, const struct load_run *runs, size_t n)
{
	const struct load_run	*r;
	size_t			 i;
	int			 far = n > 0;

	for (i = 0; i < n; i++)
		far = far && runs[i].far.valid;
	for (i = 0; i < n; i++) {
		r = &runs[i];
		pt[i].threads = r->threads;
		pt[i].v[S_PPS] = rate(far ? r->far.delivered :
		    r->total.accepted_pkts, r->seconds);
		pt[i].v[S_DROPS] = r->if_tx_dropped;
	}
	qsort(pt, n, sizeof(*pt), by_threads);
	return far;
}

/* Ticks at 1, 2 or 5 times a power of ten, at least 1, reaching max. */
static void
axis_fit(struct axis *a, double max)
{
	double	raw = max / TICKS, mag = 1;

	while (mag * 10 <= raw)
		mag *= 10;
	if (raw <= mag)
		a->step = mag;
	else if (raw <= 2 * mag)
		a->step = 2 * mag;
	else if (raw <= 5 * mag)
		a->step = 5 * mag;
	else
		a->step = 10 * mag;
	for (a->nstep = 1; a->nstep * a->step < max; a->nstep++)
		;
}

static double
px(double threads, double xmax)
{
	return PL + threads / xmax * (PR - XPAD - PL);
}

static double
py(double v, const struct axis *a)
{
	return PB - v / (a->nstep * a->step) * (PB - PT);
}

/* <text> at x, y, with attributes attr and text escaped for XML. */
static void
svg_text(FILE *fp, double x, double y, const char *anchor, const char *attr,
    const char *text)
{
	fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
	    anchor, attr);
	for (; *text != '\0'; text++) {
		if (*text == '&')
			fputs("&amp;", fp);
		else if (*text == '<')
			fputs("&lt;", fp);
		else if (*text == '>')
			fputs("&gt;", fp);
		else
			fputc(*text, fp);
	}
	fputs("</text>\n", fp);
}

/* A y axis, on the left (with the grid) or the right, and its title. */
static void
svg_yaxis(FILE *fp, const struct axis *a, int right, const char *title)
{
	char	buf[FIG], attr[64];
	double	x = right ? PR : PL, dx = right ? 8 : -8, y;
	int	i;

	for (i = 0; i <= a->nstep; i++) {
		y = py(i * a->step, a);
		if (!right && i > 0)
			fprintf(fp, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
			    "y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", PL, y, PR, y);
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"black\"/>\n", x, y, x + dx / 2, y);
		svg_text(fp, x + dx, y + 4, right ? "start" : "end", "",
		    tick(buf, sizeof(buf), i * a->step));
	}
	fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
	    "stroke=\"black\"/>\n", x, PT, x, PB);
	x += right ? 70 : -70;
	snprintf(attr, sizeof(attr), " transform=\"rotate(%d %.1f %.1f)\"",
	    right ? 90 : -90, x, (PT + PB) / 2.0);
	svg_text(fp, x, (PT + PB) / 2.0, "middle", attr, title);
}

/* The x axis, with a tick at each thread count of the sweep. */
static void
svg_xaxis(FILE *fp, const struct point *pt, size_t n, double xmax)
{
	char	buf[FIG];
	double	x;
	size_t	i;

	fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"black\"/>\n", PL, PB, PR, PB);
	for (i = 0; i < n; i++) {
		if (i > 0 && pt[i].threads == pt[i - 1].threads)
			continue;
		x = px(pt[i].threads, xmax);
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%d\" stroke=\"black\"/>\n", x, PB, x, PB + 5);
		snprintf(buf, sizeof(buf), "%.0f", pt[i].threads);
		svg_text(fp, x, PB + 20, "middle", "", buf);
	}
	svg_text(fp, (PL + PR) / 2.0, PB + 45, "middle", "", "sender threads");
}

/* A series' line, and a point for each run with its figure as tooltip. */
static void
svg_series(FILE *fp, const struct point *pt, size_t n, int s,
    const struct axis *a, double xmax)
{
	char	buf[FIG];
	size_t	i;

	fprintf(fp, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"2\"%s points=\"", series[s].class,
	    series[s].color, series[s].dash);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%.1f,%.1f", i > 0 ? " " : "",
		    px(pt[i].threads, xmax), py(pt[i].v[s], a));
	fputs("\"/>\n", fp);
	for (i = 0; i < n; i++) {
		if (s == S_PPS)
			si(buf, sizeof(buf), pt[i].v[s], "pps");
		else
			snprintf(buf, sizeof(buf), "%.0f drops", pt[i].v[s]);
		fprintf(fp, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"4\" fill=\"%s\"><title>%.0f: %s</title></circle>\n",
		    series[s].class, px(pt[i].threads, xmax),
		    py(pt[i].v[s], a), series[s].color, pt[i].threads,
		    buf);
	}
}

static void
svg_legend(FILE *fp, const char *const label[NSERIES])
{
	int	s, y;

	fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"300\" height=\"48\" "
	    "fill=\"white\" stroke=\"#c0c0c0\"/>\n", PL + 10, PT + 10);
	for (s = 0; s < NSERIES; s++) {
		y = PT + 28 + 18 * s;
		fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"%s\" stroke-width=\"2\"%s/>\n", PL + 20, y,
		    PL + 50, y, series[s].color, series[s].dash);
		svg_text(fp, PL + 58, y + 4, "start", "", label[s]);
	}
}

static void
svg_chart(FILE *fp, const struct point *pt, size_t n, int delivered)
{
	const char	*label[NSERIES] = {
		delivered ? "delivered packets/s (left)" :
		    "accepted packets/s (left; the far end did not answer)",
		"interface tx drops (right)"
	};
	struct axis	 ax[NSERIES];
	double		 xmax = 1, max[NSERIES] = { 0, 0 };
	size_t		 i;
	int		 s;

	for (i = 0; i < n; i++) {
		if (pt[i].threads > xmax)
			xmax = pt[i].threads;
		for (s = 0; s < NSERIES; s++)
			if (pt[i].v[s] > max[s])
				max[s] = pt[i].v[s];
	}
	for (s = 0; s < NSERIES; s++)
		axis_fit(&ax[s], max[s]);

	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"12\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
	    SVG_W, SVG_H, SVG_W, SVG_H, SVG_W, SVG_H);
	svg_text(fp, SVG_W / 2.0, 35, "middle", " font-size=\"16\"",
	    delivered ? "tund load: delivered packets/s and drops by threads" :
	    "tund load: accepted packets/s and drops by threads");
	svg_yaxis(fp, &ax[S_PPS], 0, "packets/s");
	svg_yaxis(fp, &ax[S_DROPS], 1, "interface tx drops");
	svg_xaxis(fp, pt, n, xmax);
	for (s = 0; s < NSERIES; s++)
		svg_series(fp, pt, n, s, &ax[s], xmax);
	svg_legend(fp, label);
	fputs("</svg>\n", fp);
}

int
report_svg(const char *path, const struct load_run *runs, size_t n)
{
	struct point	*pt;
	FILE		*fp;
	int		 delivered, rv, saved;

	if ((pt = calloc(n > 0 ? n : 1, sizeof(*pt))) == NULL)
		return -1;
	delivered = points(pt, runs, n);
	if ((fp = fopen(path, "w")) == NULL) {
		saved = errno;
		free(pt);
		errno = saved;
		return -1;
	}
	errno = 0;
	svg_chart(fp, pt, n, delivered);
	free(pt);
	rv = flushed(fp);
	saved = errno;
	if (fclose(fp) != 0 && rv == 0)
		return -1;
	errno = saved;
	return rv;
}
