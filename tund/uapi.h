/*
 * WireGuard's cross-platform userspace configuration protocol: the text
 * wg(8) writes to /var/run/wireguard/<ifname>.sock.  A request is
 * "get=1\n\n", or "set=1\n", key=value lines and an empty line; the reply
 * is key=value lines (for get) and "errno=N\n\n".  Keys travel as 64 hex
 * digits.
 *
 * tund adds requests that wg(8) never sends, each a line and the empty
 * line: "tund-show=text" or "tund-show=json", answered with tund's own
 * view (show.h) and "errno=0\n\n", and "tund-reload=1", which reloads the
 * configuration file and is answered with an "error=file:line: message"
 * line for each error and the errno line.
 *
 * Pure code: requests are parsed into structs and replies formatted from
 * structs; nothing is applied, nothing resolved, no I/O.
 */
#ifndef TUND_UAPI_H
#define TUND_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "key.h"
#include "prefix.h"
#include "udp_msg.h"

#define UAPI_LINE_MAX		256		/* bytes a line, with newline */
#define UAPI_REQUEST_MAX	(1024 * 1024)	/* bytes a request */
#define UAPI_PEERS_MAX		8192		/* public_key lines a request */
#define UAPI_ALLOWEDIPS_MAX	8192		/* allowed_ip lines a peer */

enum uapi_op {
	UAPI_GET = 1,
	UAPI_SET,
	UAPI_SHOW,	/* tund-show */
	UAPI_RELOAD	/* tund-reload */
};

/* What a set request changes on the interface (uapi_request.flags). */
#define UAPI_HAS_PRIVATE_KEY	0x01	/* all zero: remove the key */
#define UAPI_HAS_LISTEN_PORT	0x02	/* 0: any */
#define UAPI_HAS_FWMARK		0x04	/* 0: none */
#define UAPI_REPLACE_PEERS	0x08	/* remove every peer first */

/* What it changes on one peer (uapi_peer_op.flags). */
#define UAPI_PEER_REMOVE	0x01
#define UAPI_PEER_UPDATE_ONLY	0x02	/* only if the peer exists */
#define UAPI_PEER_HAS_PSK	0x04	/* all zero: remove the psk */
#define UAPI_PEER_HAS_ENDPOINT	0x08
#define UAPI_PEER_HAS_KEEPALIVE	0x10	/* 0: off */
#define UAPI_PEER_REPLACE_ALLOWEDIPS 0x20 /* drop the old ones first */

/* One public_key section of a set request. */
struct uapi_peer_op {
	uint8_t			 public_key[KEY_LEN];
	uint8_t			 preshared_key[KEY_LEN];	/* wiped */
	unsigned		 flags;		/* UAPI_PEER_* */
	union sockaddr_inet	 endpoint;
	uint16_t		 persistent_keepalive;	/* seconds */
	struct prefix		*allowed_ips;	/* masked, to add in order */
	size_t			 n_allowed_ips;
	size_t			 cap_allowed_ips;	/* allocated */
};

struct uapi_request {
	enum uapi_op		 op;
	int			 json;		/* tund-show=json */
	unsigned		 flags;		/* UAPI_HAS_*, UAPI_REPLACE_* */
	uint8_t			 private_key[KEY_LEN];	/* wiped */
	uint16_t		 listen_port;
	uint32_t		 fwmark;
	struct uapi_peer_op	*peers;		/* to apply in this order */
	size_t			 n_peers;
	size_t			 cap_peers;	/* allocated */
};

enum uapi_status {
	UAPI_MORE,	/* every byte taken; the request goes on */
	UAPI_DONE,	/* a whole request in req */
	UAPI_ERROR	/* the request is refused; the errno is in error */
};

/*
 * Reads requests from a stream, one at a time, through a line buffer of
 * its own.  A zeroed parser is ready; uapi_parser_reset() makes it ready
 * again.
 */
struct uapi_parser {
	struct uapi_request	 req;
	int			 error;		/* an errno, after UAPI_ERROR */
	int			 state;
	size_t			 total;		/* bytes of this request */
	size_t			 linelen;
	char			 line[UAPI_LINE_MAX];	/* wiped */
};

/*
 * Feed len bytes of the stream; *used is set to how many were taken.
 * UAPI_DONE leaves the bytes past the request (a next request) untaken.
 * After a bad line the parser reads on to the request's empty line, so
 * the client is not cut off while it still writes, and only then returns
 * UAPI_ERROR; a request beyond UAPI_REQUEST_MAX is refused at once.  After
 * an error the stream cannot be trusted: reply and close.  Nothing of a
 * refused request is to be applied.  Reset before feeding the next one.
 */
enum uapi_status uapi_feed(struct uapi_parser *, const char *buf, size_t len,
		    size_t *used);
/* Free and wipe the request, and be ready for the next. */
void		 uapi_parser_reset(struct uapi_parser *);

/* One peer of a get reply. */
struct uapi_peer {
	uint8_t			 public_key[KEY_LEN];
	uint8_t			 preshared_key[KEY_LEN];	/* zero: none */
	union sockaddr_inet	 endpoint;	/* family 0: none */
	struct timespec		 last_handshake;	/* realtime; 0: never */
	uint64_t		 rx_bytes;
	uint64_t		 tx_bytes;
	uint16_t		 persistent_keepalive;	/* seconds; 0: off */
	const struct prefix	*allowed_ips;
	size_t			 n_allowed_ips;
};

/* A snapshot of the interface for a get reply. */
struct uapi_device {
	uint8_t			 private_key[KEY_LEN];	/* zero: none */
	uint16_t		 listen_port;	/* 0: not listening */
	uint32_t		 fwmark;	/* 0: none */
	const struct uapi_peer	*peers;
	size_t			 n_peers;
};

/*
 * As snprintf(3): write the reply, NUL terminated, into size bytes of buf
 * and return its length, which may exceed size (a NULL buf with size 0
 * measures).  The get reply holds secrets: wipe buf after sending it.
 */
size_t	uapi_format_get(char *buf, size_t size, const struct uapi_device *);
/* An error reply; error is an errno such as uapi_parser.error, or 0. */
size_t	uapi_format_errno(char *buf, size_t size, int error);
/*
 * The reply to tund-reload: the n messages, a line each (a newline in one
 * becomes a space), and the errno line.
 */
size_t	uapi_format_reload(char *buf, size_t size, char *const *msg, size_t n,
	    int error);

#endif
