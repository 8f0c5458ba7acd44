/*
 * pcapio: the replay reader against files of every link type it reads,
 * written here with libpcap, and against truncated, mutated and random
 * files; the capture's files (format, mode, rotation, the stop, write
 * errors, several threads at once).
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "inet.h"
#include "log.h"
#include "pcapio.h"
#include "t.h"

#define PATHLEN		256
#define MAXFRAME	2048
#define NFUZZ		400	/* frames, or files, a fuzz test */
#define NTHREADS	4
#define PER_THREAD	2000

static char	 scratch[] = "/tmp/test_pcapio.XXXXXX";

/* A file in the scratch directory. */
static const char *
path(char buf[PATHLEN], const char *name)
{
	snprintf(buf, PATHLEN, "%s/%s", scratch, name);
	return buf;
}

/*
 * An IPv4 (v == 4) or IPv6 packet of len bytes, told apart by id: in the
 * IPv4 identification, in the IPv6 flow label, and in its payload.
 */
static size_t
ip_packet(uint8_t *p, int v, size_t len, unsigned id)
{
	static const uint8_t a4[] = { 198, 18, 0, 1, 198, 18, 0, 2 };
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(id * 7 + i);
	if (v == 4) {
		memset(p, 0, 20);
		p[0] = 0x45;
		inet_put16(p + 2, len);
		inet_put16(p + 4, id);
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, a4, sizeof(a4));
	} else {
		memset(p, 0, 40);
		inet_put32(p, 6U << 28 | (id & 0xfffff));
		inet_put16(p + 4, len - 40);
		p[6] = 17;
		p[7] = 64;
		p[8] = p[24] = 0x20;
		p[23] = 1;
		p[39] = 2;
	}
	return len;
}

static unsigned
ip_id(const uint8_t *p)
{
	if (p[0] >> 4 == 4)
		return inet_get16(p + 4);
	return (unsigned)(p[1] & 0x0f) << 16 | inet_get16(p + 2);
}

/* A link type to read, and how the test frames a packet in it. */
struct lt {
	const char	*test;
	int		 dlt;
	int		 tags;	/* Ethernet: VLAN tags */
	int		 swap;	/* NULL: the family in network order */
};

static const struct lt lts[] = {
	{ "replay_raw", DLT_RAW, 0, 0 },
	{ "replay_ipv4", DLT_IPV4, 0, 0 },
	{ "replay_ipv6", DLT_IPV6, 0, 0 },
	{ "replay_null_host_order", DLT_NULL, 0, 0 },
	{ "replay_null_network_order", DLT_NULL, 0, 1 },
	{ "replay_loop", DLT_LOOP, 0, 1 },
	{ "replay_ethernet", DLT_EN10MB, 0, 0 },
	{ "replay_ethernet_vlan", DLT_EN10MB, 1, 0 },
	{ "replay_ethernet_qinq", DLT_EN10MB, 2, 0 },
	{ "replay_linux_sll", DLT_LINUX_SLL, 0, 0 },
	{ "replay_linux_sll2", DLT_LINUX_SLL2, 0, 0 },
};
#define NLTS	(sizeof(lts) / sizeof(lts[0]))

/* The link header of l for a packet of IP version v (0: ARP). */
static size_t
link_header(uint8_t *f, const struct lt *l, int v)
{
	unsigned	type = v == 4 ? 0x0800 : v == 6 ? 0x86dd : 0x0806;
	uint32_t	af = v == 4 ? 2 : v == 6 ? 24 : 7;
	size_t		n = 0;
	int		i;

	switch (l->dlt) {
	case DLT_NULL:
	case DLT_LOOP:
		if (l->swap)
			inet_put32(f, af);
		else
			memcpy(f, &af, 4);
		return 4;
	case DLT_EN10MB:
		memset(f, 0xff, 6);
		memset(f + 6, 0x02, 6);
		for (n = 12, i = 0; i < l->tags; i++, n += 4) {
			inet_put16(f + n, i == 0 && l->tags > 1 ? 0x88a8 :
			    0x8100);
			inet_put16(f + n + 2, 100 + i);
		}
		inet_put16(f + n, type);
		return n + 2;
	case DLT_LINUX_SLL:
		memset(f, 0, 16);
		inet_put16(f + 2, 1);	/* ARPHRD_ETHER */
		inet_put16(f + 4, 6);
		memset(f + 6, 0x02, 6);
		inet_put16(f + 14, type);
		return 16;
	case DLT_LINUX_SLL2:
		memset(f, 0, 20);
		inet_put16(f, type);
		inet_put32(f + 4, 1);	/* ifindex */
		inet_put16(f + 8, 1);	/* ARPHRD_ETHER */
		f[11] = 6;
		memset(f + 12, 0x02, 6);
		return 20;
	}
	return 0;
}

/*
 * A frame of link type l around the IP packet ip of len bytes, or around
 * an ARP request when ip is NULL; Ethernet padded to 60 bytes.
 */
static size_t
frame(uint8_t *f, const struct lt *l, const uint8_t *ip, size_t len)
{
	static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	size_t	n;

	n = link_header(f, l, ip != NULL ? ip[0] >> 4 : 0);
	if (ip == NULL) {
		ip = arp;
		len = sizeof(arp);
	}
	memcpy(f + n, ip, len);
	n += len;
	if (l->dlt == DLT_EN10MB && n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

/* A pcap file of link type dlt; records added with add(). */
struct writer {
	pcap_t		*pcap;
	pcap_dumper_t	*dump;
};

static int
writer_open(struct writer *w, const char *file, int dlt)
{
	if ((w->pcap = pcap_open_dead(dlt, 65535)) == NULL)
		return -1;
	if ((w->dump = pcap_dump_open(w->pcap, file)) == NULL) {
		pcap_close(w->pcap);
		return -1;
	}
	return 0;
}

/* A record of caplen bytes of a frame of len, stamped sec.usec. */
static void
add(struct writer *w, const uint8_t *f, size_t caplen, size_t len,
    long sec, long usec)
{
	struct pcap_pkthdr	h;

	h.ts.tv_sec = sec;
	h.ts.tv_usec = usec;
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)w->dump, &h, f);
}

static void
writer_close(struct writer *w)
{
	pcap_dump_close(w->dump);
	pcap_close(w->pcap);
}

/* The packets every link type carries: IP version, length, id. */
static const struct {
	int	 v;
	size_t	 len;
	unsigned id;
} mix[] = {
	{ 4, 100, 1 },
	{ 0, 0, 0 },		/* ARP, or what the link type has */
	{ 6, 80, 2 },
	{ 4, 28, 3 },		/* padded in Ethernet */
	{ 6, 1400, 4 },
	{ 6, 40, 5 },		/* no payload at all */
};
#define NMIX	(sizeof(mix) / sizeof(mix[0]))
#define NMIX_IP	(NMIX - 1)

static const struct lt	*cur;	/* the link type of replay_link() */

static void
write_mix(const char *file, const struct lt *l)
{
	struct writer	w;
	uint8_t		ip[MAXFRAME], f[MAXFRAME];
	size_t		i, n;

	if (writer_open(&w, file, l->dlt) == -1)
		abort();
	for (i = 0; i < NMIX; i++) {
		if (mix[i].v != 0)
			ip_packet(ip, mix[i].v, mix[i].len, mix[i].id);
		n = frame(f, l, mix[i].v != 0 ? ip : NULL, mix[i].len);
		add(&w, f, n, n, 1000 + i, i);
	}
	writer_close(&w);
}

/* Read the mix back: its IP packets, exactly, then the end. */
static void
read_mix(struct replay_file *r)
{
	const uint8_t	*pkt;
	uint8_t		 want[MAXFRAME];
	struct timeval	 ts;
	size_t		 i, len;

	for (i = 0; i < NMIX; i++) {
		if (mix[i].v == 0)
			continue;
		CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
		ip_packet(want, mix[i].v, mix[i].len, mix[i].id);
		CHECK_INT(len, mix[i].len);
		CHECK_MEM(pkt, want, len);
		CHECK_INT(ts.tv_sec, 1000 + i);
		CHECK_INT(ts.tv_usec, i);
	}
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 0);
}

static void
replay_link(void)
{
	struct replay_file	*r;
	struct replay_counts	 c;
	char			 file[PATHLEN], err[512];

	write_mix(path(file, "mix.pcap"), cur);
	r = replay_open(file, err, sizeof(err));
	CHECK(r != NULL);
	read_mix(r);
	if (t_failed)
		return;
	replay_counts(r, &c);
	CHECK_INT(c.packets, NMIX_IP);
	CHECK_INT(c.skipped, 1);
	CHECK_INT(c.truncated, 0);
	/* Again, from the start: the counts go on. */
	CHECK_INT(replay_rewind(r), 0);
	read_mix(r);
	replay_counts(r, &c);
	CHECK_INT(c.packets, 2 * NMIX_IP);
	CHECK_INT(c.skipped, 2);
	replay_close(r);
}

/* Cut records are counted and passed over, and so are bad IP lengths. */
static void
replay_truncated_records(void)
{
	static const struct lt	 eth = { "", DLT_EN10MB, 1, 0 };
	struct replay_file	*r;
	struct replay_counts	 c;
	struct writer		 w;
	const uint8_t		*pkt;
	uint8_t			 ip[MAXFRAME], f[MAXFRAME];
	struct timeval		 ts;
	char			 file[PATHLEN], err[512];
	size_t			 n, len;

	CHECK(writer_open(&w, path(file, "cut.pcap"), DLT_EN10MB) == 0);
	n = frame(f, &eth, ip, ip_packet(ip, 4, 200, 1));
	add(&w, f, 60, n, 1, 0);		/* snaplen 60 */
	add(&w, f, 10, n, 2, 0);		/* not even the header */
	n = frame(f, &eth, ip, ip_packet(ip, 6, 300, 2));
	add(&w, f, n - 1, n, 3, 0);		/* one byte short */
	add(&w, f, n - 1, n - 1, 4, 0);		/* shorter than IP says */
	add(&w, f, 17, 17, 5, 0);		/* tag, no type */
	add(&w, f, 20, 20, 6, 0);		/* a bare IPv6 start */
	f[18] = 0x45;				/* IPv4 inside an IPv6 type */
	add(&w, f, n, n, 7, 0);
	f[18] = 0x60;
	add(&w, f, n, n, 8, 0);			/* the one that passes */
	writer_close(&w);

	CHECK((r = replay_open(file, err, sizeof(err))) != NULL);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
	CHECK_INT(ts.tv_sec, 8);
	CHECK_INT(len, 300);
	CHECK_INT(ip_id(pkt), 2);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 0);
	replay_counts(r, &c);
	CHECK_INT(c.packets, 1);
	CHECK_INT(c.truncated, 3);
	CHECK_INT(c.skipped, 4);
	replay_close(r);
}

/* A bad IPv4 header length is passed over: below 20, or past the packet. */
static void
replay_bad_ipv4_header(void)
{
	static const struct lt	 raw = { "", DLT_RAW, 0, 0 };
	struct replay_file	*r;
	struct replay_counts	 c;
	struct writer		 w;
	const uint8_t		*pkt;
	uint8_t			 ip[MAXFRAME];
	struct timeval		 ts;
	char			 file[PATHLEN], err[512];
	size_t			 len;

	CHECK(writer_open(&w, path(file, "ihl.pcap"), raw.dlt) == 0);
	ip_packet(ip, 4, 40, 1);
	ip[0] = 0x44;
	add(&w, ip, 40, 40, 1, 0);
	ip[0] = 0x4f;			/* 60 bytes of header in 40 */
	add(&w, ip, 40, 40, 2, 0);
	inet_put16(ip + 2, 0);		/* TSO: no length */
	ip[0] = 0x45;
	add(&w, ip, 40, 40, 3, 0);
	writer_close(&w);
	CHECK((r = replay_open(file, err, sizeof(err))) != NULL);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 0);
	replay_counts(r, &c);
	CHECK_INT(c.skipped, 3);
	replay_close(r);
}

static int
write_bytes(const char *file, const void *buf, size_t len)
{
	FILE	*f;
	int	 rv;

	if ((f = fopen(file, "wb")) == NULL)
		return -1;
	rv = fwrite(buf, 1, len, f) == len ? 0 : -1;
	return fclose(f) == 0 ? rv : -1;
}

static void
replay_refuses(void)
{
	struct writer	 w;
	uint8_t		 junk[100];
	char		 file[PATHLEN], err[512];
	size_t		 i;

	CHECK(writer_open(&w, path(file, "wifi.pcap"), DLT_IEEE802_11) == 0);
	writer_close(&w);
	CHECK(replay_open(file, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "link type IEEE802_11 (105)") != NULL);

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	CHECK(write_bytes(path(file, "junk.pcap"), junk, sizeof(junk)) == 0);
	err[0] = '\0';
	CHECK(replay_open(file, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, file, strlen(file)) == 0);
	CHECK(write_bytes(path(file, "empty.pcap"), junk, 0) == 0);
	CHECK(replay_open(file, err, sizeof(err)) == NULL);
	CHECK(replay_open(path(file, "absent.pcap"), err, sizeof(err)) ==
	    NULL);
	CHECK(strstr(err, strerror(ENOENT)) != NULL);
	/* Too small a buffer for the message is fine. */
	CHECK(replay_open(file, err, 8) == NULL);
	CHECK_INT(strlen(err), 7);
}

static long
file_size(const char *file)
{
	struct stat	st;

	return stat(file, &st) == 0 ? (long)st.st_size : -1;
}

/* A file cut in the middle of a record: what comes before, then -1. */
static void
replay_cut_file(void)
{
	struct replay_file	*r;
	const uint8_t		*pkt;
	struct timeval		 ts;
	char			 file[PATHLEN], err[512];
	size_t			 len;
	long			 size;

	write_mix(path(file, "mix.pcap"), &lts[0]);
	CHECK((size = file_size(file)) > 0);
	CHECK(truncate(file, size - 10) == 0);
	CHECK((r = replay_open(file, err, sizeof(err))) != NULL);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), -1);
	/* A rewind recovers what there is. */
	CHECK_INT(replay_rewind(r), 0);
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
	CHECK_INT(ip_id(pkt), 1);
	replay_close(r);
}

/* Whether p[0..len) is in f[0..n) at some offset. */
static int
inside(const uint8_t *p, size_t len, const uint8_t *f, size_t n)
{
	size_t	off;

	for (off = 0; off + len <= n; off++)
		if (memcmp(f + off, p, len) == 0)
			return 1;
	return 0;
}

/*
 * Random frames, each a real one with bytes changed and cut anywhere, in
 * every link type: what comes back is a whole IP packet from inside the
 * frame it came from (its timestamp says which).
 */
static void
replay_fuzz_frames(void)
{
	static uint8_t		 f[NFUZZ][MAXFRAME];
	static size_t		 flen[NFUZZ];
	struct replay_file	*r;
	struct replay_counts	 c;
	struct writer		 w;
	const uint8_t		*pkt;
	uint8_t			 ip[MAXFRAME];
	struct timeval		 ts;
	char			 file[PATHLEN], err[512];
	size_t			 i, k, n, len, cap;
	int			 rv;

	srandom(1);
	for (k = 0; k < NLTS; k++) {
		CHECK(writer_open(&w, path(file, "fuzz.pcap"), lts[k].dlt) ==
		    0);
		for (i = 0; i < NFUZZ; i++) {
			n = ip_packet(ip, random() % 2 ? 4 : 6,
			    40 + random() % 200, i);
			n = frame(f[i], &lts[k], ip, n);
			for (len = random() % 5; len > 0; len--)
				f[i][random() % n] = (uint8_t)random();
			flen[i] = random() % 4 ? n : random() % (n + 1);
			cap = random() % 8 ? flen[i] : random() % (n + 1);
			add(&w, f[i], cap < flen[i] ? cap : flen[i], flen[i],
			    i, 0);
		}
		writer_close(&w);
		CHECK((r = replay_open(file, err, sizeof(err))) != NULL);
		while ((rv = replay_next(r, &pkt, &len, &ts)) == 1) {
			i = ts.tv_sec;
			CHECK(i < NFUZZ);
			CHECK(len >= 20);
			CHECK(pkt[0] >> 4 == 4 || pkt[0] >> 4 == 6);
			CHECK(inside(pkt, len, f[i], flen[i]));
		}
		CHECK_INT(rv, 0);
		replay_counts(r, &c);
		CHECK_INT(c.packets + c.skipped + c.truncated, NFUZZ);
		CHECK(c.packets > NFUZZ / 4);
		replay_close(r);
	}
}

/* Read a file to its end, whatever it holds; 0 or -1 from the reader. */
static int
drain(const char *file)
{
	struct replay_file	*r;
	const uint8_t		*pkt;
	struct timeval		 ts;
	char			 err[512];
	size_t			 len;
	int			 rv;

	if ((r = replay_open(file, err, sizeof(err))) == NULL)
		return -2;
	while ((rv = replay_next(r, &pkt, &len, &ts)) == 1)
		if (len < 20 || (pkt[0] >> 4 != 4 && pkt[0] >> 4 != 6))
			abort();
	replay_close(r);
	return rv;
}

/* Send the log (stderr) to /dev/null, or back. */
static void
quiet(int on)
{
	static int	saved = -1;
	int		fd;

	if (on && saved == -1 && (fd = open("/dev/null", O_WRONLY)) != -1) {
		saved = dup(2);
		dup2(fd, 2);
		close(fd);
	} else if (!on && saved != -1) {
		dup2(saved, 2);
		close(saved);
		saved = -1;
	}
}

/*
 * Whole files mangled: bytes of the headers and records changed, cut at
 * any length, and files of nothing but noise.  Nothing may crash.
 */
static void
replay_fuzz_files(void)
{
	static uint8_t	 good[1 << 16], buf[1 << 16];
	char		 src[PATHLEN], file[PATHLEN];
	size_t		 i, k, n, len;
	FILE		*fp;

	srandom(2);
	quiet(1);	/* a read error is logged: hundreds of them */
	path(file, "mangled.pcap");
	for (i = 0; i < NFUZZ; i++) {
		write_mix(path(src, "src.pcap"), &lts[i % NLTS]);
		CHECK((fp = fopen(src, "rb")) != NULL);
		len = fread(good, 1, sizeof(good), fp);
		fclose(fp);
		memcpy(buf, good, len);
		for (k = random() % 8; k > 0; k--)
			buf[random() % len] = (uint8_t)random();
		n = random() % 3 ? len : random() % (len + 1);
		CHECK(write_bytes(file, buf, n) == 0);
		drain(file);
		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)random();
		if (i % 2)	/* a valid magic, then noise */
			memcpy(buf, good, n < 24 ? n : 24);
		CHECK(write_bytes(file, buf, n) == 0);
		drain(file);
	}
	quiet(0);
}

/* Read a capture file: the ids of its packets, in order; -1 if unread. */
static long
capture_ids(const char *file, unsigned *ids, size_t max)
{
	struct replay_file	*r;
	const uint8_t		*pkt;
	struct timeval		 ts;
	char			 err[512];
	size_t			 len, n = 0;
	int			 rv = 1;

	if ((r = replay_open(file, err, sizeof(err))) == NULL)
		return -1;
	while (n < max && (rv = replay_next(r, &pkt, &len, &ts)) == 1)
		ids[n++] = ip_id(pkt);
	replay_close(r);
	return rv == 0 ? (long)n : -1;
}

/* The file: a pcap header for RAW, whole packets, mode 0600, packets. */
static void
capture_format(void)
{
	static uint8_t	 ip[65535];
	struct capture	*c;
	struct stat	 st;
	struct timeval	 before, ts;
	const uint8_t	*pkt;
	uint8_t		 hdr[24];
	struct replay_file *r;
	char		 file[PATHLEN], err[512];
	size_t		 len;
	FILE		*fp;
	int		 v;

	/* It was there, readable by all: emptied, and then 0600. */
	CHECK(write_bytes(path(file, "cap.pcap"), "old", 3) == 0);
	CHECK(chmod(file, 0644) == 0);
	gettimeofday(&before, NULL);
	CHECK((c = capture_open(file, 0, 0)) != NULL);
	CHECK(stat(file, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(st.st_size, 24);	/* the header, already there */
	for (v = 4; v <= 6; v += 2) {
		capture_packet(c, ip, ip_packet(ip, v, 60, v));
		capture_packet(c, ip, ip_packet(ip, v, 65535, v + 1));
	}
	capture_close(c);

	CHECK((fp = fopen(file, "rb")) != NULL);
	CHECK_INT(fread(hdr, 1, sizeof(hdr), fp), sizeof(hdr));
	fclose(fp);
	/* Magic a1b2c3d4, version 2.4, snaplen 65535, LINKTYPE_RAW. */
	CHECK_INT(hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24,
	    0xa1b2c3d4);
	CHECK_INT(hdr[16] | hdr[17] << 8 | hdr[18] << 16, 65535);
	CHECK_INT(hdr[20] | hdr[21] << 8, 101);
	CHECK_INT(file_size(file), 24 + 4 * 16 + 2 * 60 + 2 * 65535);

	CHECK((r = replay_open(file, err, sizeof(err))) != NULL);
	for (v = 4; v <= 6; v += 2) {
		CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
		CHECK_INT(len, 60);
		ip_packet(ip, v, 60, v);
		CHECK_MEM(pkt, ip, 60);
		CHECK(ts.tv_sec >= before.tv_sec && ts.tv_sec <= time(NULL));
		CHECK_INT(replay_next(r, &pkt, &len, &ts), 1);
		CHECK_INT(len, 65535);
		CHECK_INT(ip_id(pkt), v + 1);
	}
	CHECK_INT(replay_next(r, &pkt, &len, &ts), 0);
	replay_close(r);
}

/*
 * A limit of 1000 bytes holds 8 packets of 100 (24 + 8 * 116 = 952):
 * path, path.1 and path.2 remain, each within the limit, the newest
 * packets in path.
 */
static void
capture_rotation(void)
{
	struct capture	*c;
	uint8_t		 ip[100];
	unsigned	 ids[64];
	char		 file[PATHLEN], old[PATHLEN];
	long		 n;
	unsigned	 i;

	CHECK((c = capture_open(path(file, "rot.pcap"), 1000, 2)) != NULL);
	for (i = 0; i < 50; i++)
		capture_packet(c, ip, ip_packet(ip, 4, sizeof(ip), i));
	capture_close(c);
	/* 50 = 6 full files and 2 packets: 32..39, 40..47 and 48, 49 kept. */
	CHECK_INT(capture_ids(file, ids, 64), 2);
	CHECK_INT(ids[0], 48);
	CHECK_INT(ids[1], 49);
	CHECK((n = capture_ids(path(old, "rot.pcap.1"), ids, 64)) == 8);
	CHECK_INT(ids[0], 40);
	CHECK_INT(file_size(old), 952);
	CHECK((n = capture_ids(path(old, "rot.pcap.2"), ids, 64)) == 8);
	CHECK_INT(ids[7], 39);
	CHECK_INT(file_size(path(old, "rot.pcap.3")), -1);
}

/* Rotation after a change of directory: the files stay where they were. */
static void
capture_rotation_relative(void)
{
	struct capture	*c;
	uint8_t		 ip[100];
	char		 cwd[PATHLEN], file[PATHLEN];
	int		 i;

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(chdir(scratch) == 0);
	c = capture_open("rel.pcap", 500, 1);
	CHECK(chdir("/") == 0);
	CHECK(c != NULL);
	for (i = 0; i < 10; i++)
		capture_packet(c, ip, ip_packet(ip, 6, sizeof(ip), i));
	capture_close(c);
	CHECK(chdir(cwd) == 0);
	CHECK(file_size(path(file, "rel.pcap")) > 0);
	CHECK(file_size(path(file, "rel.pcap.1")) > 0);
}

/*
 * Run fn in a child with its log on a pipe: the child's exit status and
 * how many of its log lines hold what.
 */
static int
in_child(void (*fn)(void), const char *what, int *lines)
{
	char	 buf[4096], more[512], *s;
	size_t	 n = 0;
	ssize_t	 k;
	pid_t	 pid;
	int	 fd[2], status;

	if (pipe(fd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		fn();
		_exit(t_failed);
	}
	close(fd[1]);
	while ((k = read(fd[0], more, sizeof(more))) > 0) {
		if ((size_t)k > sizeof(buf) - 1 - n)
			k = sizeof(buf) - 1 - n;
		memcpy(buf + n, more, k);
		n += k;
	}
	buf[n] = '\0';
	close(fd[0]);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	for (*lines = 0, s = buf; (s = strstr(s, what)) != NULL; s++)
		(*lines)++;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* With no old files kept, the limit stops the capture. */
static void
stop_at_limit(void)
{
	struct capture	*c;
	uint8_t		 ip[100];
	char		 file[PATHLEN];
	int		 i;

	CHECK((c = capture_open(path(file, "stop.pcap"), 1000, 0)) != NULL);
	for (i = 0; i < 20; i++)
		capture_packet(c, ip, ip_packet(ip, 4, sizeof(ip), i));
	capture_close(c);
}

static void
capture_stop(void)
{
	unsigned	ids[64];
	char		file[PATHLEN];
	int		lines;

	CHECK_INT(in_child(stop_at_limit, "capture stopped", &lines), 0);
	CHECK_INT(lines, 1);
	CHECK_INT(capture_ids(path(file, "stop.pcap"), ids, 64), 8);
	CHECK_INT(ids[7], 7);
	CHECK_INT(file_size(path(file, "stop.pcap.1")), -1);
}

/* A file that can grow no more: writes fail with EFBIG, like ENOSPC. */
static void
write_past_fsize(void)
{
	struct capture	*c;
	struct rlimit	 rl = { 4096, 4096 };
	uint8_t		 ip[200];
	char		 file[PATHLEN];
	int		 i;

	signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	CHECK((c = capture_open(path(file, "full.pcap"), 0, 0)) != NULL);
	for (i = 0; i < 500; i++)
		capture_packet(c, ip, ip_packet(ip, 4, sizeof(ip), i));
	capture_close(c);
}

static void
capture_write_error(void)
{
	unsigned	ids[64];
	char		file[PATHLEN];
	long		n;
	int		lines;

	CHECK_INT(in_child(write_past_fsize, "write failed", &lines), 0);
	CHECK_INT(lines, 1);
	CHECK(file_size(path(file, "full.pcap")) <= 4096);
	/* What went in before is there, up to a cut last record. */
	n = capture_ids(file, ids, 64);
	CHECK(n == -1 || n >= 10);
	/* A device that is always full fails at the header. */
	if (access("/dev/full", W_OK) == 0)
		CHECK(capture_open("/dev/full", 0, 0) == NULL);
}

static void
capture_refuses(void)
{
	char	file[PATHLEN], link[PATHLEN];

	CHECK(capture_open(path(file, "nodir/cap.pcap"), 0, 0) == NULL);
	CHECK(capture_open(path(file, ""), 0, 0) == NULL);
	/* A symbolic link is not followed: the file holds plaintext. */
	CHECK(symlink(path(file, "target.pcap"), path(link, "link.pcap")) ==
	    0);
	CHECK(capture_open(link, 0, 0) == NULL);
	CHECK_INT(file_size(file), -1);
}

static struct capture	*shared;

static void *
writer_thread(void *arg)
{
	uint8_t		ip[60];
	unsigned	i, t = (unsigned)(uintptr_t)arg;

	for (i = 0; i < PER_THREAD; i++)
		capture_packet(shared, ip, ip_packet(ip, 4, sizeof(ip),
		    t * 10000 + i));
	return NULL;
}

/* Threads at once, rotating: every packet in some file, once. */
static void
capture_threads(void)
{
	static unsigned	 ids[NTHREADS * PER_THREAD];
	static uint8_t	 seen[NTHREADS * 10000];
	pthread_t	 th[NTHREADS];
	char		 file[PATHLEN], name[64];
	size_t		 total = 0;
	long		 i, k, n;

	CHECK((shared = capture_open(path(file, "thr.pcap"), 30000, 100)) !=
	    NULL);
	for (i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, writer_thread,
		    (void *)(uintptr_t)i) == 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	capture_close(shared);
	for (k = 0; k <= 100; k++) {
		snprintf(name, sizeof(name), k ? "thr.pcap.%ld" : "thr.pcap",
		    k);
		if ((n = capture_ids(path(file, name), ids,
		    sizeof(ids) / sizeof(ids[0]))) == -1)
			break;
		CHECK(file_size(file) <= 30000);
		for (i = 0; i < n; i++) {
			CHECK(ids[i] < sizeof(seen) && !seen[ids[i]]);
			seen[ids[i]] = 1;
		}
		total += n;
	}
	CHECK(k > 10);
	CHECK_INT(total, NTHREADS * PER_THREAD);
}

static int
remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

int
main(void)
{
	size_t	i;
	int	rv;

	log_init(1, 0);
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < NLTS; i++) {
		cur = &lts[i];
		t_run(lts[i].test, replay_link);
	}
	T_RUN(replay_truncated_records);
	T_RUN(replay_bad_ipv4_header);
	T_RUN(replay_refuses);
	T_RUN(replay_cut_file);
	T_RUN(replay_fuzz_frames);
	T_RUN(replay_fuzz_files);
	T_RUN(capture_format);
	T_RUN(capture_rotation);
	T_RUN(capture_rotation_relative);
	T_RUN(capture_stop);
	T_RUN(capture_write_error);
	T_RUN(capture_refuses);
	T_RUN(capture_threads);
	rv = t_done();
	nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	return rv;
}
