/*
 * tund.conf: a superset of the wg-quick INI format.
 *
 * conf_parse() is a pure function from text to a configuration: it does no
 * I/O, resolves no names and reports every error it finds as "file:line:
 * message".  conf_load() adds the file system around it: it reads the file,
 * refuses a private key readable by group or others, and resolves endpoints.
 */
#ifndef TUND_CONF_H
#define TUND_CONF_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "prefix.h"

#define CONF_MTU_DEFAULT	1420
#define CONF_MTU_MIN		576
#define CONF_MTU_MAX		9000
#define CONF_DEVICE_MAX		32
#define CONF_USER_MAX		32

enum conf_table {
	CONF_TABLE_AUTO = -1,	/* routes for AllowedIPs in the main table */
	CONF_TABLE_OFF = -2	/* no routes at all */
	/* >= 0: that routing table */
};

struct conf_strings {
	char	**v;
	size_t	  n;
};

struct conf_peer {
	uint8_t		 public_key[KEY_LEN];
	uint8_t		 preshared_key[KEY_LEN];	/* a secret: wiped */
	int		 has_preshared_key;
	struct prefix	*allowed_ips;
	size_t		 n_allowed_ips;
	char		*endpoint_host;		/* NULL: no Endpoint */
	uint16_t	 endpoint_port;
	struct sockaddr_storage endpoint;	/* filled by conf_resolve() */
	socklen_t	 endpoint_len;		/* 0 until resolved */
	int		 endpoint_line;		/* of Endpoint, for messages */
	uint16_t	 persistent_keepalive;	/* seconds, 0 = off */
	int		 line;			/* of its [Peer] header */
};

enum load_method {
	LOAD_SOCKET,	/* UDP sockets routed out through the interface */
	LOAD_INJECT	/* pcap_inject on the interface: the driver alone */
};

#define LOAD_SWEEP_MAX	16

/* The [Load] section: sender threads through the interface. */
struct conf_load {
	int		 enabled;		/* a [Load] section was given */
	unsigned	 threads[LOAD_SWEEP_MAX];	/* one run per entry */
	size_t		 n_threads;
	enum load_method method;
	uint8_t		 dst_family;		/* 4 or 6 */
	uint8_t		 dst_addr[16];		/* Destination */
	uint16_t	 dst_port;
	unsigned	 size;			/* IP packet bytes; 0: imix */
	uint64_t	 rate;			/* packets/s in all; 0: no limit */
	unsigned	 duration_ms;		/* 0: until count */
	uint64_t	 count;			/* packets a run; 0: duration */
	unsigned	 flows;			/* source ports */
	char		*replay;		/* pcap file to send, or NULL */
	int		 replay_timed;		/* with the file's timing */
	unsigned	 loops;			/* replay passes; 0: forever */
	char		*report;		/* NULL, "json" (stdout) or path */
	char		*plot;			/* SVG path, or NULL */
	int		 line;			/* of the [Load] header */
};

struct conf {
	char		*path;			/* as given to conf_parse() */
	uint8_t		 private_key[KEY_LEN];	/* a secret: wiped */
	int		 has_private_key;
	uint16_t	 listen_port;		/* 0: any */
	struct prefix	*addresses;
	size_t		 n_addresses;
	unsigned	 mtu;
	int		 table;			/* enum conf_table or an id */
	uint32_t	 fwmark;		/* 0: none */
	struct conf_strings pre_up, post_up, pre_down, post_down;
	struct conf_strings dns;		/* accepted, not applied */
	char		 device[CONF_DEVICE_MAX];	/* "" = first free */
	unsigned	 threads;		/* 0 = number of CPUs */
	char		*capture;		/* pcap file, or NULL */
	uint64_t	 capture_limit;		/* bytes a file; 0: none */
	unsigned	 capture_files;		/* rotated files kept */
	char		 user[CONF_USER_MAX];	/* "": the default */
	char		*chroot;		/* directory, or NULL */
	char		*control_socket;	/* path; NULL: the default */
	char		 control_group[CONF_USER_MAX];	/* "": none */
	struct conf_peer *peers;
	size_t		 n_peers;
	struct conf_load load;
};

/* Every error of one parse, each "file:line: message". */
struct conf_errors {
	char	**msg;
	size_t	  n;
};

/*
 * Parse text (len bytes, NUL not required) named "name" in messages.
 * Returns a configuration, or NULL with every error appended to errs.
 */
struct conf	*conf_parse(const char *name, const char *text, size_t len,
		    struct conf_errors *errs);
/* conf_parse(), also telling whether the text held a private key. */
struct conf	*conf_parse_secret(const char *name, const char *text,
		    size_t len, struct conf_errors *errs, int *secret);
/*
 * Read and parse a file, refuse a key file readable by others, resolve
 * endpoints.  Same contract as conf_parse().
 */
struct conf	*conf_load(const char *path, struct conf_errors *errs);
/*
 * conf_load() without resolving endpoints.  With text non-NULL, the file's
 * bytes too (*textlen of them, which the caller wipes and frees).
 */
struct conf	*conf_read(const char *path, char **text, size_t *textlen,
		    struct conf_errors *errs);
/*
 * Apply n "key=value" settings of the [Load] section from the command line
 * (tund -L) over the configuration's, then check the section as a whole
 * (a Destination, a Size that fits); with neither a [Load] section nor
 * arguments there is nothing to check.  Errors are "-L: message", or
 * "file:line: message" for the file's section.  Returns 0, or -1 with
 * every error appended to errs.
 */
int		 conf_set_load(struct conf *, char *const *args, size_t n,
		    struct conf_errors *errs);
/* Capture to path, over the file's Capture (tund -w): 0, or -1 in errs. */
int		 conf_set_capture(struct conf *, const char *path,
		    struct conf_errors *errs);
/* Resolve every peer's endpoint host; errors are "file:line: message". */
int		 conf_resolve(struct conf *, struct conf_errors *errs);
/*
 * Resolve one peer's endpoint_host and endpoint_port into its endpoint
 * (the first address getaddrinfo(3) gives); 0, or -1 with why set.
 * Safe to call from any thread.
 */
int		 conf_resolve_peer(struct conf_peer *, const char **why);
/* Wipe the private and preshared keys, for a process that needs none. */
void		 conf_wipe_keys(struct conf *);
/* Free a configuration, wiping its secrets first.  NULL is fine. */
void		 conf_free(struct conf *);
void		 conf_errors_clear(struct conf_errors *);
/* Append a message to errs (dropped if memory runs out). */
void		 conf_error(struct conf_errors *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* Whether two peers' configurations are the same (for reload). */
int		 conf_peer_equal(const struct conf_peer *, const struct conf_peer *);

#endif
