/*
 * Peers and their keypairs.
 *
 * A peer's lock guards its handshake, timers, keypair slots, endpoint and
 * staged packets.  A keypair is immutable once made but for its send
 * counter (atomic) and replay window (its own lock); threads hold it by
 * reference, so it outlives its slot for as long as a packet needs it.
 *
 * Slots: "next" is a keypair we derived as responder, not yet confirmed by
 * the initiator's first data packet; "current" is the one we send with;
 * "previous" still decrypts packets that were in flight when we moved on.
 */
#ifndef TUND_PEER_H
#define TUND_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "cookie.h"
#include "index.h"
#include "noise.h"
#include "replay.h"
#include "resolve.h"
#include "timers.h"
#include "tunnel.h"

struct keypair {
	struct index_entry	 entry;		/* our receiver index */
	_Atomic int		 refs;
	struct peer		*peer;
	uint8_t			 send[AEAD_KEY_LEN];	/* wiped */
	uint8_t			 recv[AEAD_KEY_LEN];	/* wiped */
	uint32_t		 remote_index;
	int			 initiator;
	uint64_t		 birth;		/* now_ms() */
	_Atomic uint64_t	 send_counter;
	pthread_mutex_t		 replay_lock;
	struct replay		 replay;
};

struct staged {
	struct staged		*next;
	size_t			 len;
	uint8_t			 pkt[];
};

struct peer {
	pthread_mutex_t		 lock;
	struct tunnel		*tn;
	struct peer		*next_dead;	/* removed: tunnel's dead list */
	uint64_t		 dead_calls[TUNNEL_MAXTHREADS];	/* then */
	struct noise_remote	 noise;
	struct cookie_maker	 cookie;
	struct timers		 timers;
	struct index_entry	 hs_entry;	/* handshake in progress */
	struct keypair		*current, *previous, *next;
	union sockaddr_inet	 endpoint;	/* family 0: none */
	struct staged		*staged, **staged_tail;
	size_t			 nstaged;
	struct timespec		 last_handshake;	/* CLOCK_REALTIME */
	uint64_t		 last_initiation;	/* sent, now_ms() */
	uint64_t		 unanswered_since;	/* the first initiation
						   since the last handshake */
	uint64_t		 last_initiation_in;	/* accepted */
	_Atomic int		 wants_handshake;	/* set by the data path */
	_Atomic uint64_t	 rx_bytes, tx_bytes;
	char			 name[KEY_B64_LEN + 1];	/* public key, base64 */
	struct resolve_name	 endpoint_name;	/* the control thread's */
};

/* A peer from its configuration; NULL (logged) on failure. */
struct peer	*peer_new(struct tunnel *, const struct conf_peer *);
void		 peer_free(struct peer *);
/* The peer with that static public key, or NULL. */
struct peer	*peer_by_key(struct tunnel *, const uint8_t pub[X25519_LEN]);

/*
 * Under the peer's lock: the keypair to send with, held, or NULL when
 * there is none or it may no longer be used.
 */
struct keypair	*peer_sending_keypair(struct peer *, uint64_t now);
/* Install the keys of a finished handshake; under the peer's lock. */
int		 peer_install_keys(struct peer *, const struct noise_keys *,
		    uint64_t now);
/*
 * A data packet authenticated under kp: promote it if it was "next".
 * Returns 1 when that confirmed a handshake.  Under the peer's lock.
 */
int		 peer_confirm_keypair(struct peer *, struct keypair *);
/* Drop every keypair and the handshake; under the peer's lock. */
void		 peer_zero_keys(struct peer *);

/* Take a reference on the keypair of a receiver index, or NULL. */
struct keypair	*keypair_lookup(struct tunnel *, uint32_t index);
void		 keypair_hold(struct keypair *);
void		 keypair_release(struct keypair *);

/* Queue a packet for when a session exists; 0, or -1 when full. */
int		 peer_stage(struct peer *, const uint8_t *, size_t);
/* Take the staged packets (the caller frees them). */
struct staged	*peer_unstage(struct peer *);
void		 staged_free(struct staged *);

/*
 * Endpoint: the configuration's, its address and the name to look up
 * again (resolve.c); under the peer's lock, on the control thread.
 */
void		 peer_set_conf_endpoint(struct peer *, const struct conf_peer *);
/* Endpoint: set from an authenticated packet's source (roaming). */
void		 peer_set_endpoint(struct peer *, const union sockaddr_inet *);
socklen_t	 sockaddr_inet_len(const union sockaddr_inet *);
int		 sockaddr_inet_equal(const union sockaddr_inet *,
		    const union sockaddr_inet *);

#endif
