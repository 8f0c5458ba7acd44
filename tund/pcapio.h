/*
 * libpcap files: the capture of the plaintext packets tund moves, and the
 * reader of the pcap files that [Load] Replay sends.
 *
 * A capture file has link type RAW (bare IPv4 and IPv6 packets, mixed),
 * wall clock timestamps in microseconds and whole packets.  It is opened
 * at startup, mode 0600 (it holds plaintext; a symbolic link is refused),
 * and bounded: past its limit it rotates, or stops with one log line when
 * no old files are kept; a write error stops it with one log line too.
 * Packets reach the file every 64 packets, with the first packet a second
 * or more after the last flush, and at the close.
 *
 * The reader takes any link type libpcap reads that carries IP (see
 * replay_open()) and yields bare IP packets.  Its type is struct
 * replay_file: struct replay is the replay window of replay.h.
 */
#ifndef TUND_PCAPIO_H
#define TUND_PCAPIO_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

struct capture;
struct replay_file;

/*
 * Write to path: a new file, or an existing one emptied.  limit is the
 * most bytes a file holds (0: no limit; a file always takes one packet);
 * past it the file becomes path.1, path.1 becomes path.2 and so on, files
 * old ones kept, or with files == 0 the capture stops.  Returns NULL
 * having logged why.
 */
struct capture	*capture_open(const char *path, uint64_t limit,
		    unsigned files);
/* One IP packet, from any thread.  Does nothing once stopped. */
void		 capture_packet(struct capture *, const uint8_t *pkt,
		    size_t len);
/* Flush and close.  NULL is fine. */
void		 capture_close(struct capture *);
/*
 * Rotation in another process (one that may still write the directory):
 * fn(arg) shifts the old files and returns the new file's descriptor, or
 * -1 having logged why; see capture_next_file().
 */
typedef int	 capture_rotate_fn(void *arg);
void		 capture_delegate(struct capture *, capture_rotate_fn *fn,
		    void *arg);
/* The directory's descriptor, the file's name in it, old files kept. */
int		 capture_where(const struct capture *, const char **name,
		    unsigned *files);
/*
 * In directory dir: name.(files-1) becomes name.files ... name becomes
 * name.1, then a new, empty name, mode 0600; path is for messages.
 * Returns its descriptor, or -1 logged.
 */
int		 capture_next_file(int dir, const char *name, unsigned files,
		    const char *path);

/* What the reader passed over. */
struct replay_counts {
	uint64_t	packets;	/* IP packets returned */
	uint64_t	truncated;	/* cut short by the capture's snaplen */
	uint64_t	skipped;	/* not IP, or a malformed IP header */
};

/*
 * Open a pcap or pcapng file for reading.  Refuses a link type that
 * carries no IP (Ethernet with or without 802.1Q tags, raw IP, BSD
 * loopback and null, Linux cooked v1 and v2 are read), with a message in
 * err.
 */
struct replay_file *replay_open(const char *path, char *err, size_t errlen);
/*
 * The next IP packet: 1 with *pkt (valid until the next call), *len and
 * its timestamp *ts; 0 at the end of the file; -1 on a read error, logged.
 */
int		 replay_next(struct replay_file *, const uint8_t **pkt,
		    size_t *len, struct timeval *ts);
/* Back to the first packet, for another pass.  0, or -1 logged. */
int		 replay_rewind(struct replay_file *);
/* The counts since replay_open(), over every pass. */
void		 replay_counts(const struct replay_file *,
		    struct replay_counts *);
/* NULL is fine. */
void		 replay_close(struct replay_file *);

#endif
