/*
 * WireGuard's timer rules, per peer (whitepaper 6.1-6.5):
 *
 * - Retransmit handshake: REKEY_TIMEOUT + jitter after an initiation is
 *   sent, send another.  After the initiations that fit in
 *   REKEY_ATTEMPT_TIME, give up instead: drop the staged packets, cancel
 *   the keepalive, arm zero-keys if it is not armed, and send no more until
 *   the caller wants a fresh handshake (new data to send).
 * - Send keepalive: KEEPALIVE_TIMEOUT after authenticated data arrives, if
 *   we send no authenticated packet meanwhile, send an empty one.  Data
 *   arriving while it is armed asks for one more KEEPALIVE_TIMEOUT later.
 * - New handshake: KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after data is
 *   sent, if no authenticated packet arrives meanwhile, initiate afresh.
 * - Zero key material: REJECT_AFTER_TIME * 3 after the last session was
 *   derived, wipe the handshake and every keypair.
 * - Persistent keepalive: when configured, an empty packet the given number
 *   of seconds after the last authenticated packet in either direction; one
 *   at once when it is turned on.
 *
 * And the rules that are checked on events rather than timed:
 *
 * - At most one initiation per REKEY_TIMEOUT; a response sent counts too.
 * - On send: rekey past REKEY_AFTER_MESSAGES, or if we initiated the
 *   session and it is REKEY_AFTER_TIME old.
 * - On receive: rekey once if we initiated the session and it is
 *   REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT old.
 * - A keypair REJECT_AFTER_TIME old, or with REJECT_AFTER_MESSAGES used,
 *   is dead.
 *
 * The kernel module and wireguard-go send two more retries before giving up
 * (about 100 s); tund stops at REKEY_ATTEMPT_TIME as the whitepaper says.
 */
#include <stdint.h>
#include <string.h>

#include "timers.h"
#include "wire.h"

#define MS	UINT64_C(1000)

enum {
	MAX_ATTEMPTS = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT
};

/* The deadline delay ms after now; never 0, which means not armed. */
static uint64_t
after(uint64_t now, uint64_t delay)
{
	return now + delay != 0 ? now + delay : 1;
}

static int
due(uint64_t deadline, uint64_t now)
{
	return deadline != 0 && deadline <= now;
}

static uint64_t
jitter(const struct timers *t)
{
	return t->rand32() % REKEY_TIMEOUT_JITTER_MS;
}

/* The kernel's birthdate_has_expired: age of at least limit. */
static int
aged(uint64_t birth, uint64_t now, uint64_t limit)
{
	return now >= birth + limit;
}

static int
may_initiate(const struct timers *t, uint64_t now)
{
	return now >= t->initiation_ok;
}

static uint64_t
earlier(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void
timers_init(struct timers *t, uint32_t (*rand32)(void))
{
	memset(t, 0, sizeof(*t));
	t->rand32 = rand32;
}

void
timers_set_persistent_keepalive(struct timers *t, unsigned int interval,
    uint64_t now)
{
	if (interval == 0)
		t->persistent = 0;
	else if (t->interval == 0)
		t->persistent = after(now, 0);
	t->interval = interval;
}

void
timers_data_sent(struct timers *t, uint64_t now)
{
	if (t->new_handshake == 0)
		t->new_handshake = after(now,
		    (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) * MS + jitter(t));
}

void
timers_data_received(struct timers *t, uint64_t now)
{
	if (t->keepalive == 0)
		t->keepalive = after(now, KEEPALIVE_TIMEOUT * MS);
	else
		t->another_keepalive = 1;
}

/*
 * Anything we send answers what arrived before it, so a pending request
 * for one more keepalive goes too.
 */
void
timers_any_authenticated_packet_sent(struct timers *t)
{
	t->keepalive = 0;
	t->another_keepalive = 0;
}

void
timers_any_authenticated_packet_received(struct timers *t)
{
	t->new_handshake = 0;
}

void
timers_any_authenticated_packet_traversal(struct timers *t, uint64_t now)
{
	if (t->interval != 0)
		t->persistent = after(now, t->interval * MS);
}

void
timers_handshake_initiated(struct timers *t, uint64_t now)
{
	t->retransmit = after(now, REKEY_TIMEOUT * MS + jitter(t));
	t->initiation_ok = now + REKEY_TIMEOUT * MS;
	t->attempts++;
}

void
timers_response_sent(struct timers *t, uint64_t now)
{
	t->initiation_ok = now + REKEY_TIMEOUT * MS;
}

void
timers_handshake_complete(struct timers *t)
{
	t->retransmit = 0;
	t->attempts = 0;
	t->lastminute = 0;
}

void
timers_session_derived(struct timers *t, uint64_t now)
{
	t->zero_keys = after(now, REJECT_AFTER_TIME * 3 * MS);
}

int
timers_initiation_wanted(struct timers *t, uint64_t now)
{
	t->attempts = 0;
	return may_initiate(t, now);
}

static unsigned int
expire_retransmit(struct timers *t, uint64_t now)
{
	t->retransmit = 0;
	if (t->attempts < MAX_ATTEMPTS)
		return may_initiate(t, now) ? TIMER_SEND_INITIATION : 0;
	t->keepalive = 0;
	t->another_keepalive = 0;
	/* Destroy whatever a half-done exchange left behind, in time. */
	if (t->zero_keys == 0)
		timers_session_derived(t, now);
	return TIMER_GIVE_UP;
}

static unsigned int
expire_keepalive(struct timers *t, uint64_t now)
{
	t->keepalive = 0;
	if (t->another_keepalive) {
		t->another_keepalive = 0;
		t->keepalive = after(now, KEEPALIVE_TIMEOUT * MS);
	}
	return TIMER_SEND_KEEPALIVE;
}

unsigned int
timers_expire(struct timers *t, uint64_t now)
{
	unsigned int	 act = 0;

	if (due(t->retransmit, now))
		act |= expire_retransmit(t, now);
	if (due(t->new_handshake, now)) {
		t->new_handshake = 0;
		if (timers_initiation_wanted(t, now))
			act |= TIMER_SEND_INITIATION;
	}
	if (due(t->keepalive, now))
		act |= expire_keepalive(t, now);
	/* Re-armed by the keepalive itself, as it traverses. */
	if (due(t->persistent, now)) {
		t->persistent = 0;
		act |= TIMER_SEND_KEEPALIVE;
	}
	if (due(t->zero_keys, now)) {
		t->zero_keys = 0;
		act |= TIMER_ZERO_KEYS;
	}
	return act;
}

uint64_t
timers_next(const struct timers *t)
{
	uint64_t	 next;

	next = earlier(t->retransmit, t->keepalive);
	next = earlier(next, t->new_handshake);
	next = earlier(next, t->zero_keys);
	return earlier(next, t->persistent);
}

int
timers_should_rekey_on_send(uint64_t birth, uint64_t counter, int initiator,
    uint64_t now)
{
	return counter > REKEY_AFTER_MESSAGES ||
	    (initiator && aged(birth, now, REKEY_AFTER_TIME * MS));
}

int
timers_should_rekey_on_receive(struct timers *t, uint64_t birth,
    int initiator, uint64_t now)
{
	if (t->lastminute || !initiator || !aged(birth, now,
	    (REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT) * MS))
		return 0;
	t->lastminute = 1;
	return 1;
}

int
timers_keypair_expired(uint64_t birth, uint64_t counter, uint64_t now)
{
	return counter >= REJECT_AFTER_MESSAGES ||
	    aged(birth, now, REJECT_AFTER_TIME * MS);
}
