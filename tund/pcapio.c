/*
 * libpcap files: the capture of what tund moves and the replay reader.
 * See pcapio.h.
 *
 * The capture keeps its directory open and names its files relative to
 * it, so that rotation still finds them after daemon(3) has changed the
 * working directory.  Writes go through stdio; a write error shows as
 * the stream's error flag or as a failed flush, and stops the capture.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inet.h"
#include "log.h"
#include "pcapio.h"

/* Older libpcaps lack some names; the values are those of the files. */
#ifndef DLT_LINUX_SLL
#define DLT_LINUX_SLL	113
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#define DLT_IPV6	229
#endif

#define CAPTURE_SNAPLEN		65535	/* whole packets */
#define CAPTURE_FLUSH_PACKETS	64	/* flushed after this many packets */
#define CAPTURE_FLUSH_SECONDS	1	/* or this long after the last flush */
#define PCAP_FILE_HDR_LEN	24	/* the file's header */
#define PCAP_REC_HDR_LEN	16	/* each packet's, in the file */

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_8021Q = 0x8100,	/* a VLAN tag */
	ETHERTYPE_8021AD = 0x88a8	/* an outer (QinQ) tag */
};

struct capture {
	pthread_mutex_t	 lock;		/* over everything below */
	pcap_t		*pcap;		/* link type and snap length */
	pcap_dumper_t	*dump;		/* the current file; NULL: stopped */
	char		*path;		/* as given, for messages */
	const char	*name;		/* in path: the name in dir */
	int		 dir;		/* the file's directory */
	uint64_t	 limit;		/* bytes a file; 0: none */
	unsigned	 files;		/* old files kept */
	uint64_t	 size;		/* bytes in the current file */
	uint64_t	 packets;	/* in the current file */
	unsigned	 unflushed;	/* packets since the last flush */
	time_t		 flushed;	/* when last flushed */
	atomic_int	 stopped;	/* read without the lock */
	capture_rotate_fn *rotate;	/* makes the next file; NULL: we do */
	void		*rotate_arg;
};

/* How a link type carries IP. */
struct link {
	int		 dlt;
	size_t		 hdrlen;	/* bytes before the payload */
	int		 type;		/* where its ethertype is; -1: none */
};

static const struct link links[] = {
	{ DLT_RAW, 0, -1 },
	{ DLT_IPV4, 0, -1 },
	{ DLT_IPV6, 0, -1 },
	/* An address family, passed over: its values differ by OS. */
	{ DLT_NULL, 4, -1 },
	{ DLT_LOOP, 4, -1 },
	{ DLT_EN10MB, 14, 12 },
	{ DLT_LINUX_SLL, 16, 14 },
	{ DLT_LINUX_SLL2, 20, 0 },
};

struct replay_file {
	char		*path;
	int		 fd;		/* kept open for rewinds */
	pcap_t		*pcap;		/* NULL after a failed rewind */
	const struct link *link;
	struct replay_counts counts;
};

/* The directory of c->path, opened, and the file's name in it. */
static int
open_dir(struct capture *c)
{
	char	*slash, *dir;

	if ((slash = strrchr(c->path, '/')) == NULL) {
		c->name = c->path;
		dir = strdup(".");
	} else {
		c->name = slash + 1;
		dir = strndup(c->path, slash == c->path ? 1 : slash - c->path);
	}
	if (dir == NULL) {
		log_warn("capture %s", c->path);
		return -1;
	}
	if (*c->name == '\0')
		log_warnx("capture %s: not a file name", c->path);
	else if ((c->dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		log_warn("capture %s: %s", c->path, dir);
	free(dir);
	return c->dir == -1 ? -1 : 0;
}

/* Flush and close the current file: 0, or -1 with errno. */
static int
close_file(struct capture *c)
{
	int	rv, saved;

	rv = pcap_dump_flush(c->dump);
	saved = errno;
	pcap_dump_close(c->dump);
	c->dump = NULL;
	errno = saved;
	return rv;
}

/* A new, empty file, mode 0600 even where it existed before: its fd. */
static int
create_file(int dir, const char *name, const char *path)
{
	struct stat	st;
	int		fd;

	fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 || fstat(fd, &st) == -1 ||
	    (S_ISREG(st.st_mode) && fchmod(fd, 0600) == -1)) {
		log_warn("capture %s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* The pcap stream on fd, the file's header written. */
static int
open_file(struct capture *c, int fd)
{
	FILE	*f;

	if (fd == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		log_warn("capture %s", c->path);
		close(fd);
		return -1;
	}
	if ((c->dump = pcap_dump_fopen(c->pcap, f)) == NULL) {
		log_warnx("capture %s: %s", c->path, pcap_geterr(c->pcap));
		fclose(f);
		return -1;
	}
	c->size = PCAP_FILE_HDR_LEN;
	c->packets = 0;
	c->unflushed = 0;
	c->flushed = time(NULL);
	/* The header now: a reader finds a valid file from the start. */
	if (pcap_dump_flush(c->dump) == -1) {
		log_warn("capture %s", c->path);
		close_file(c);
		return -1;
	}
	return 0;
}

/* No more packets: the current file closed, what it holds kept. */
static void
stop(struct capture *c)
{
	if (c->dump != NULL)
		close_file(c);
	atomic_store(&c->stopped, 1);
}

/* The name of the file that is generation gen: name, name.1, name.2... */
static int
generation(char *buf, size_t len, const char *name, unsigned gen)
{
	int	n;

	n = gen == 0 ? snprintf(buf, len, "%s", name) :
	    snprintf(buf, len, "%s.%u", name, gen);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
capture_next_file(int dir, const char *name, unsigned files,
    const char *path)
{
	char		from[PATH_MAX], to[PATH_MAX];
	unsigned	gen;

	for (gen = files; gen > 0; gen--) {
		if (generation(from, sizeof(from), name, gen - 1) == -1 ||
		    generation(to, sizeof(to), name, gen) == -1) {
			log_warnx("capture %s: name too long for rotation",
			    path);
			return -1;
		}
		if (renameat(dir, from, dir, to) == -1 && errno != ENOENT) {
			log_warn("capture %s: rename %s", path, from);
			return -1;
		}
	}
	return create_file(dir, name, path);
}

/*
 * The current file becomes path.1, path.1 path.2 and so on (the oldest
 * is replaced), and a new one starts.  0, or -1 logged.
 */
static int
rotate(struct capture *c)
{
	if (close_file(c) == -1) {
		log_warn("capture %s: write failed", c->path);
		return -1;
	}
	return open_file(c, c->rotate != NULL ? c->rotate(c->rotate_arg) :
	    capture_next_file(c->dir, c->name, c->files, c->path));
}

/*
 * Room for a packet of caplen bytes in the file, rotating it or stopping
 * at the limit: 0, or -1 when it stopped.  A file takes at least one.
 */
static int
make_room(struct capture *c, size_t caplen)
{
	if (c->limit == 0 || c->packets == 0 ||
	    c->size + PCAP_REC_HDR_LEN + caplen <= c->limit)
		return 0;
	if (c->files > 0) {
		if (rotate(c) == 0)
			return 0;
		log_warnx("capture %s: cannot rotate, capture stopped",
		    c->path);
	} else if (close_file(c) == -1)
		log_warn("capture %s: write failed, capture stopped", c->path);
	else
		log_warnx("capture %s: limit of %llu bytes reached, capture "
		    "stopped", c->path, (unsigned long long)c->limit);
	stop(c);
	return -1;
}

/* Under the lock: one packet into the current file. */
static void
write_packet(struct capture *c, const struct pcap_pkthdr *h,
    const uint8_t *pkt)
{
	int	flush;

	pcap_dump((u_char *)c->dump, h, pkt);
	c->size += PCAP_REC_HDR_LEN + h->caplen;
	c->packets++;
	flush = ++c->unflushed >= CAPTURE_FLUSH_PACKETS ||
	    h->ts.tv_sec - c->flushed >= CAPTURE_FLUSH_SECONDS;
	if (ferror(pcap_dump_file(c->dump)) ||
	    (flush && pcap_dump_flush(c->dump) == -1)) {
		log_warn("capture %s: write failed, capture stopped", c->path);
		stop(c);
		return;
	}
	if (flush) {
		c->unflushed = 0;
		c->flushed = h->ts.tv_sec;
	}
}

struct capture *
capture_open(const char *path, uint64_t limit, unsigned files)
{
	struct capture	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("capture %s", path);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->dir = -1;
	c->limit = limit;
	c->files = files;
	if ((c->path = strdup(path)) == NULL) {
		log_warn("capture %s", path);
		goto fail;
	}
	if ((c->pcap = pcap_open_dead(DLT_RAW, CAPTURE_SNAPLEN)) == NULL) {
		log_warnx("capture %s: libpcap refused link type RAW", path);
		goto fail;
	}
	if (open_dir(c) == -1 ||
	    open_file(c, create_file(c->dir, c->name, c->path)) == -1)
		goto fail;
	return c;
 fail:
	capture_close(c);
	return NULL;
}

void
capture_packet(struct capture *c, const uint8_t *pkt, size_t len)
{
	struct pcap_pkthdr	h;
	struct timespec		now;

	if (atomic_load_explicit(&c->stopped, memory_order_relaxed))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	h.ts.tv_sec = now.tv_sec;
	h.ts.tv_usec = now.tv_nsec / 1000;
	h.len = len;
	h.caplen = len < CAPTURE_SNAPLEN ? len : CAPTURE_SNAPLEN;
	pthread_mutex_lock(&c->lock);
	if (c->dump != NULL && make_room(c, h.caplen) == 0)
		write_packet(c, &h, pkt);
	pthread_mutex_unlock(&c->lock);
}

void
capture_delegate(struct capture *c, capture_rotate_fn *fn, void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->rotate = fn;
	c->rotate_arg = arg;
	pthread_mutex_unlock(&c->lock);
}

int
capture_where(const struct capture *c, const char **name, unsigned *files)
{
	*name = c->name;
	*files = c->files;
	return c->dir;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->dump != NULL && close_file(c) == -1)
		log_warn("capture %s: write failed", c->path);
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	if (c->dir != -1)
		close(c->dir);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c);
}

/* The file from its start, read through a copy of the descriptor. */
static pcap_t *
load(struct replay_file *r, char *err, size_t errlen)
{
	char	 ebuf[PCAP_ERRBUF_SIZE];
	FILE	*f;
	pcap_t	*p;
	int	 fd;

	if (lseek(r->fd, 0, SEEK_SET) == -1 ||
	    (fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "%s: %s", r->path, strerror(errno));
		return NULL;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", r->path, strerror(errno));
		close(fd);
		return NULL;
	}
	if ((p = pcap_fopen_offline(f, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", r->path, ebuf);
		fclose(f);
	}
	return p;
}

static const struct link *
link_of(int dlt)
{
	size_t	i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (links[i].dlt == dlt)
			return &links[i];
	return NULL;
}

struct replay_file *
replay_open(const char *path, char *err, size_t errlen)
{
	struct replay_file	*r;
	const char		*name;
	int			 dlt;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r->fd = -1;
	if ((r->path = strdup(path)) == NULL ||
	    (r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((r->pcap = load(r, err, errlen)) == NULL)
		goto fail;
	dlt = pcap_datalink(r->pcap);
	if ((r->link = link_of(dlt)) == NULL) {
		name = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s: link type %s (%d): tund reads IP "
		    "from Ethernet, raw IP, BSD loopback and Linux cooked "
		    "captures", path, name != NULL ? name : "unknown", dlt);
		goto fail;
	}
	return r;
 fail:
	replay_close(r);
	return NULL;
}

/*
 * Where the payload of a frame of caplen bytes starts, past any VLAN
 * tags, and the IP version the link header announces (0: the packet's
 * own says); -1 when the frame carries no IP.
 */
static long
payload(const struct link *l, const uint8_t *f, size_t caplen, int *v)
{
	size_t		off = l->hdrlen;
	unsigned	type;

	*v = 0;
	if (caplen < off)
		return -1;
	if (l->type < 0)
		return off;
	type = inet_get16(f + l->type);
	/* A tag: priority and VLAN id, then the ethertype inside. */
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD) {
		if (caplen < off + 4)
			return -1;
		type = inet_get16(f + off + 2);
		off += 4;
	}
	if (type == ETHERTYPE_IPV4)
		*v = 4;
	else if (type == ETHERTYPE_IPV6)
		*v = 6;
	else
		return -1;
	return off;
}

/*
 * The length of the IP packet at p, n bytes captured (without any link
 * padding after it), or 0 when it is no whole IPv4 or IPv6 packet of
 * version want (0: either).
 */
static size_t
ip_length(const uint8_t *p, size_t n, int want)
{
	size_t	len, hl;
	int	v = n > 0 ? p[0] >> 4 : 0;

	if (want != 0 && v != want)
		return 0;
	if (v == 4 && n >= 20) {
		len = inet_get16(p + 2);
		hl = (size_t)(p[0] & 0x0f) * 4;
		return hl >= 20 && len >= hl && len <= n ? len : 0;
	}
	if (v == 6 && n >= 40) {
		len = 40 + inet_get16(p + 4);
		return len <= n ? len : 0;
	}
	return 0;
}

int
replay_next(struct replay_file *r, const uint8_t **pkt, size_t *len,
    struct timeval *ts)
{
	struct pcap_pkthdr	*h;
	const u_char		*data;
	size_t			 n;
	long			 off;
	int			 rv, v;

	if (r->pcap == NULL)
		return -1;	/* a rewind failed, logged */
	while ((rv = pcap_next_ex(r->pcap, &h, &data)) == 1) {
		if (h->caplen < h->len) {
			r->counts.truncated++;
			continue;
		}
		if ((off = payload(r->link, data, h->caplen, &v)) == -1 ||
		    (n = ip_length(data + off, h->caplen - off, v)) == 0) {
			r->counts.skipped++;
			continue;
		}
		r->counts.packets++;
		*pkt = data + off;
		*len = n;
		*ts = h->ts;
		return 1;
	}
	if (rv == PCAP_ERROR_BREAK)
		return 0;
	log_warnx("%s: %s", r->path, pcap_geterr(r->pcap));
	return -1;
}

int
replay_rewind(struct replay_file *r)
{
	char	err[PCAP_ERRBUF_SIZE + PATH_MAX];

	if (r->pcap != NULL)
		pcap_close(r->pcap);
	if ((r->pcap = load(r, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

void
replay_counts(const struct replay_file *r, struct replay_counts *c)
{
	*c = r->counts;
}

void
replay_close(struct replay_file *r)
{
	if (r == NULL)
		return;
	if (r->pcap != NULL)
		pcap_close(r->pcap);
	if (r->fd != -1)
		close(r->fd);
	free(r->path);
	free(r);
}
