/*
 * WireGuard's per-peer timers (whitepaper section 6) as a pure state
 * machine: the caller reports events, asks timers_expire() what is due and
 * does it.  No clock, no I/O, no locks: times are milliseconds of a
 * monotonic clock passed in as now, and the caller holds the peer's lock.
 *
 * Events the caller reports, for each packet:
 *
 *   initiation sent      any_authenticated_packet_traversal,
 *                        any_authenticated_packet_sent, handshake_initiated
 *   response sent        session_derived, any_authenticated_packet_traversal,
 *                        any_authenticated_packet_sent, response_sent
 *   data or keepalive    any_authenticated_packet_traversal,
 *   sent                 any_authenticated_packet_sent, then data_sent
 *                        unless every packet was a keepalive
 *   handshake message    any_authenticated_packet_received,
 *   authenticated        any_authenticated_packet_traversal; for a response
 *                        also session_derived and handshake_complete
 *   data or keepalive    handshake_complete if it confirmed the next keypair,
 *   authenticated        any_authenticated_packet_received,
 *                        any_authenticated_packet_traversal, then
 *                        data_received unless it was a keepalive
 *
 * An initiation counts as sent once it is handed to the socket, whether or
 * not the send succeeded, so that the retransmit timer keeps running.
 */
#ifndef TUND_TIMERS_H
#define TUND_TIMERS_H

#include <stdint.h>

/* What timers_expire() asks the caller to do; any combination. */
enum timers_action {
	/*
	 * Send a handshake initiation now; it may go out (rate rule checked).
	 * Forget the endpoint's local source address too, in case it is why
	 * nothing came back.
	 */
	TIMER_SEND_INITIATION = 1 << 0,
	/* Send a keepalive: the staged packets, or an empty data message. */
	TIMER_SEND_KEEPALIVE = 1 << 1,
	/* The handshake failed for REKEY_ATTEMPT_TIME: drop staged packets. */
	TIMER_GIVE_UP = 1 << 2,
	/* Wipe the handshake state and every keypair of the peer. */
	TIMER_ZERO_KEYS = 1 << 3
};

/* One per peer.  Deadlines are in ms; 0 means not armed. */
struct timers {
	uint64_t	 retransmit;	/* resend the initiation */
	uint64_t	 keepalive;	/* answer received data */
	uint64_t	 new_handshake;	/* sent data, heard nothing back */
	uint64_t	 zero_keys;	/* no new session for a long time */
	uint64_t	 persistent;	/* PersistentKeepalive */
	uint64_t	 initiation_ok;	/* no initiation before this time */
	uint32_t	(*rand32)(void);	/* jitter source */
	unsigned int	 attempts;	/* initiations since a fresh request */
	unsigned int	 interval;	/* PersistentKeepalive, seconds; 0: off */
	int		 another_keepalive;	/* data came while one was due */
	int		 lastminute;	/* rekeyed on receive this session */
};

/* Nothing armed; rand32 returns uniform 32-bit values for the jitter. */
void	timers_init(struct timers *, uint32_t (*rand32)(void));
/*
 * Set PersistentKeepalive in seconds, 0 to turn it off.  Turning it on
 * makes a keepalive due at once, as wg(8) does.
 */
void	timers_set_persistent_keepalive(struct timers *, unsigned int,
	    uint64_t now);

void	timers_data_sent(struct timers *, uint64_t now);
void	timers_data_received(struct timers *, uint64_t now);
void	timers_any_authenticated_packet_sent(struct timers *);
void	timers_any_authenticated_packet_received(struct timers *);
void	timers_any_authenticated_packet_traversal(struct timers *,
	    uint64_t now);
void	timers_handshake_initiated(struct timers *, uint64_t now);
void	timers_response_sent(struct timers *, uint64_t now);
void	timers_handshake_complete(struct timers *);
void	timers_session_derived(struct timers *, uint64_t now);

/*
 * The caller wants a fresh handshake: data waits without a usable
 * session, or a rekey rule fired.  Restarts the count of attempts and
 * returns 1 if an initiation may be sent now, 0 if one went out less than
 * REKEY_TIMEOUT ago.
 */
int	timers_initiation_wanted(struct timers *, uint64_t now);

/* Disarm what is due at now, re-arm what repeats; enum timers_action bits. */
unsigned int timers_expire(struct timers *, uint64_t now);
/* The earliest armed deadline, 0 if none is armed. */
uint64_t timers_next(const struct timers *);

/*
 * Rules on the current keypair; birth is when its session was derived and
 * counter the next nonce to send with (on receive, the greatest seen).
 *
 * On send: a new handshake is due if the counter passed
 * REKEY_AFTER_MESSAGES, or we initiated the session and it is
 * REKEY_AFTER_TIME old.
 */
int	timers_should_rekey_on_send(uint64_t birth, uint64_t counter,
	    int initiator, uint64_t now);
/*
 * On receive: if we initiated a session that has little time left (the
 * peer, as responder, will not rekey it), once per session.
 */
int	timers_should_rekey_on_receive(struct timers *, uint64_t birth,
	    int initiator, uint64_t now);
/* The keypair must not be used any more, in either direction. */
int	timers_keypair_expired(uint64_t birth, uint64_t counter, uint64_t now);

#endif
