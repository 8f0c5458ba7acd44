/*
 * The tunnel: everything one interface shares between its threads.  The
 * workers move data between the device and the UDP sockets; the control
 * thread (the main event loop) does handshakes, timers and signals.
 *
 * What is fixed after startup is read without locks: the identity, the
 * peer array, the sockets.  What changes is locked where it lives: the
 * peer table (allowedips), the index table, each peer.  Counters are
 * per thread and atomic, summed when someone asks.
 */
#ifndef TUND_TUNNEL_H
#define TUND_TUNNEL_H

#include <sys/socket.h>

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "allowedips.h"
#include "cookie.h"
#include "index.h"
#include "noise.h"
#include "offload.h"
#include "parallel.h"
#include "udp_msg.h"
#include "wire.h"

struct capture;
struct peer;
struct priv;
struct ratelimit;
struct resolver;
struct sink;
struct tun;
struct event;
struct event_base;

#define TUNNEL_MAXTHREADS	64
/* Room before a packet for the data header, after it for padding and tag. */
#define PKT_HEADROOM		MSG_DATA_HDR_LEN
#define PKT_MAX			65535
#define PKT_BUFLEN		(PKT_HEADROOM + PKT_MAX + MSG_PADDING + AEAD_TAG_LEN)

/* Why a packet was dropped; each reason has its own counter. */
enum drop_reason {
	/* from the device */
	DROP_MALFORMED,		/* not an IPv4 or IPv6 packet */
	DROP_NO_PEER,		/* no peer's AllowedIPs hold the destination */
	DROP_NO_ENDPOINT,	/* the peer has no known endpoint */
	DROP_STAGED_FULL,	/* too many packets waiting for a handshake */
	DROP_GAVE_UP,		/* the handshake failed for 90 s */
	DROP_TOO_BIG,		/* larger than the MTU */
	DROP_SEND_FAILED,	/* the socket refused it */
	/* from the network */
	DROP_SHORT,		/* wrong length for its type */
	DROP_TYPE,		/* unknown message type */
	DROP_RESERVED,		/* non-zero reserved bytes */
	DROP_MAC1,		/* handshake with a bad mac1 */
	DROP_COOKIE_SENT,	/* under load without a cookie: answered */
	DROP_RATELIMIT,		/* handshakes from this source come too fast */
	DROP_QUEUE_FULL,	/* the handshake queue is full */
	DROP_HANDSHAKE,		/* handshake failed to authenticate */
	DROP_UNKNOWN_PEER,	/* initiation from a key we do not know */
	DROP_TIMESTAMP,		/* replayed initiation */
	DROP_INDEX,		/* no session has this receiver index */
	DROP_AUTH,		/* data failed to authenticate */
	DROP_REPLAY,		/* data counter seen before or too old */
	DROP_COUNTER_LIMIT,	/* data counter past Reject-After-Messages */
	DROP_EXPIRED,		/* data under a keypair past Reject-After-Time */
	DROP_INNER_MALFORMED,	/* decrypted packet is not IP, or truncated */
	DROP_SOURCE,		/* inner source outside the peer's AllowedIPs */
	DROP_TUN_WRITE,		/* the device refused it */
	DROP_NREASONS
};

struct counters {
	_Atomic uint64_t tun_rx_packets, tun_rx_bytes;	/* from the device */
	_Atomic uint64_t tun_tx_packets, tun_tx_bytes;	/* to the device */
	_Atomic uint64_t udp_rx_packets, udp_rx_bytes;
	_Atomic uint64_t udp_tx_packets, udp_tx_bytes;
	_Atomic uint64_t handshakes;			/* completed */
	_Atomic uint64_t drops[DROP_NREASONS];
};

/* The counters summed over the threads, for reports. */
struct stats {
	uint64_t	tun_rx_packets, tun_rx_bytes, tun_tx_packets, tun_tx_bytes;
	uint64_t	udp_rx_packets, udp_rx_bytes, udp_tx_packets, udp_tx_bytes;
	uint64_t	handshakes;
	uint64_t	drops[DROP_NREASONS];
};

#define TXQ_SLOTS	128	/* datagrams gathered before one sendmmsg */
#define RX_JOBS		1024	/* data messages opened together */
#define ICMP_PER_SECOND	1000	/* errors a thread may write */

/* Datagrams waiting to be sealed and sent together. */
struct txq {
	struct udp_msg		 m[TXQ_SLOTS];
	struct crypt_job	 crypt[TXQ_SLOTS];
	struct keypair		*kp[TXQ_SLOTS];	/* held until sealed */
	int			 n;
	uint8_t			*area;	/* TXQ_SLOTS slots */
	size_t			 slot;	/* bytes a slot */
};

/* A data message received, waiting to be opened and delivered. */
struct rx_job {
	struct keypair		*kp;	/* held */
	uint8_t			*buf;	/* the datagram */
	size_t			 len;
	uint64_t		 counter;
	uint8_t			*end;	/* of its buffer: room to coalesce */
	union sockaddr_inet	 src;
};

/* One thread's own things: what the data path may touch without a lock. */
struct thread_ctx {
	int			 id;	/* device queue, socket */
	struct tunnel		*tn;
	int			 sock;	/* the UDP socket it sends on */
	struct crypto_aead	*aead;
	struct counters		 c;
	struct txq		 tx;
	uint8_t			*rx;	/* rx_msgs buffers of rx_slot bytes */
	size_t			 rx_slot;
	int			 rx_msgs;
	uint8_t			*rx_end;	/* of the buffer being read */
	struct offload_gro	 gro;	/* packets for the device, coalesced */
	int			 gro_run;	/* gro holds a run */
	size_t			 gro_bytes;	/* of its packets, as they came */
	int			 batching;	/* hold data until receive_flush() */
	uint64_t		 icmp_window;	/* ms: start of 100 ms */
	unsigned		 icmp_sent;	/* errors in that window */
	uint64_t		 read_error_logged;	/* ms, the last time */
	int			 njobs;
	struct rx_job		 jobs[RX_JOBS];	/* data messages to open */
	struct crypt_job	 crypt[RX_JOBS];	/* their decryption */
	struct board		 board;	/* jobs on offer to other threads */
	_Atomic uint64_t	 calls;	/* callbacks entered and left: odd
					   while in one (peer reclamation) */
	uint8_t			 buf[PKT_BUFLEN];	/* device reads */
};

/* A handshake message waiting for the control thread. */
struct hs_item {
	union sockaddr_inet	 src;
	size_t			 len;
	uint8_t			 msg[MSG_INITIATION_LEN];
};

struct hs_queue {
	pthread_mutex_t		 lock;
	size_t			 head, count;
	struct hs_item		 item[MAX_QUEUED_HANDSHAKES];
};

struct tunnel {
	struct noise_local	 local;		/* our identity: wiped */
	struct cookie_checker	 cookies;
	struct ratelimit	*ratelimit;
	struct index_table	 indices;
	struct allowedips	 allowed;	/* destination -> peer */
	struct peer		**peer;		/* the control thread's */
	size_t			 npeers, peer_cap;
	struct peer		*dead;		/* removed, not yet freed */
	struct tun		*tun;
	int			 sock[TUNNEL_MAXTHREADS];
	int			 nsocks;
	uint16_t		 port;		/* the one we listen on */
	uint32_t		 fwmark;	/* of the UDP sockets' packets */
	unsigned		 mtu;
	/*
	 * The interface's first address of each family, network order, 0
	 * for none: ICMP errors' source, the load sink's destination.  A
	 * reload changes them while the workers read.
	 */
	_Atomic uint32_t	 addr4;
	_Atomic uint64_t	 addr6[2];
	struct sink		*sink;		/* load traffic for us, or NULL */
	struct hs_queue		 hsq;
	struct event		*hs_ev;		/* control thread: queue */
	struct event		*kick_ev;	/* control thread: peers want */
	struct event		*tick_ev;	/* control thread: timers */
	uint64_t		 last_gc;	/* of the rate limiter */
	struct thread_ctx	*ctl;		/* the control thread's */
	struct thread_ctx	*worker[TUNNEL_MAXTHREADS];
	struct event		*help_ev[TUNNEL_MAXTHREADS];	/* wake to help */
	int			 nworkers;
	struct capture		*capture;	/* pcapio.c; NULL: none */
	struct priv		*priv;		/* does what needs root */
	struct resolver		*resolver;	/* resolve.c; NULL: none */
};

struct conf;
struct conf_peer;

/* The shared state for a configuration; NULL (logged) on failure. */
struct tunnel	*tunnel_new(const struct conf *);
void		 tunnel_free(struct tunnel *);
/*
 * A new private key, on the control thread: every peer's sessions and
 * handshake end, their static-static DH is made again, and a peer whose
 * public key is the new one's is removed.  0, or -1 for a key that
 * cannot be one.
 */
int		 tunnel_set_identity(struct tunnel *,
		    const uint8_t priv[X25519_LEN]);
/*
 * Wipe the identity and each peer's handshake secrets, in a process that
 * only inherited them (the privileged child): before any handshake, so
 * there are no sessions yet.
 */
void		 tunnel_wipe_secrets(struct tunnel *);
/* The interface's addresses changed (startup, reload). */
void		 tunnel_set_local(struct tunnel *, const struct prefix *,
		    size_t n);
/* The first address of family 4 or 6 in out: 1, or 0 if there is none. */
int		 tunnel_local(const struct tunnel *, int family, uint8_t *out);
/* Route n more prefixes to the peer: 0, or -1 logged. */
int		 tunnel_add_routes(struct tunnel *, struct peer *,
		    const struct prefix *, size_t n);
/*
 * Route exactly these n prefixes to the peer: the new ones first, then
 * the ones no longer listed taken away, so that traffic to a prefix in
 * both never sees a moment without its peer.  0, or -1 logged.
 */
int		 tunnel_set_routes(struct tunnel *, struct peer *,
		    const struct prefix *, size_t n);
/*
 * Peers at run time, on the control thread.  A removed peer leaves every
 * table at once and is freed once each worker has been out of its
 * callbacks since (tunnel_reap(), on the timer tick): no worker holds a
 * peer, or a keypair of it, across callbacks.
 */
struct peer	*tunnel_peer_add(struct tunnel *, const struct conf_peer *);
void		 tunnel_peer_remove(struct tunnel *, struct peer *);
void		 tunnel_reap(struct tunnel *);
/* Mark a worker's entry into and exit from a callback. */
void		 tunnel_enter(struct thread_ctx *);
void		 tunnel_leave(struct thread_ctx *);

/* Monotonic milliseconds, the clock of timers and cookies. */
uint64_t	now_ms(void);
void		count(_Atomic uint64_t *, uint64_t);
void		drop(struct thread_ctx *, enum drop_reason);
const char	*drop_reason_name(enum drop_reason);
struct thread_ctx *thread_ctx_new(struct tunnel *, int id);
void		 thread_ctx_free(struct thread_ctx *);
/* Sum every thread's counters. */
void		 tunnel_stats(struct tunnel *, struct stats *);
/* One thread's counters. */
void		 thread_stats(struct thread_ctx *, struct stats *);

#endif
