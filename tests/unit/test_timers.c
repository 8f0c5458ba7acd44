#include <stdint.h>

#include "timers.h"
#include "wire.h"
#include "t.h"

#define T0	UINT64_C(1000000)	/* the fake clock starts here, in ms */
#define SEC	UINT64_C(1000)

static uint32_t	 rand_value;

static uint32_t
fake_rand(void)
{
	return rand_value;
}

static void
setup(struct timers *t, uint32_t jitter)
{
	rand_value = jitter;
	timers_init(t, fake_rand);
}

/* What the caller does for an initiation it sends. */
static void
send_initiation(struct timers *t, uint64_t now)
{
	timers_any_authenticated_packet_traversal(t, now);
	timers_any_authenticated_packet_sent(t);
	timers_handshake_initiated(t, now);
}

static void
test_nothing_armed(void)
{
	struct timers	 t;

	setup(&t, 0);
	CHECK_INT(timers_next(&t), 0);
	CHECK_INT(timers_expire(&t, T0 + 1000 * SEC), 0);
	timers_any_authenticated_packet_traversal(&t, T0);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_retransmit(void)
{
	struct timers	 t;

	setup(&t, 100);
	CHECK(timers_initiation_wanted(&t, T0));
	send_initiation(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 5 * SEC + 100);
	CHECK_INT(timers_expire(&t, T0 + 5 * SEC + 99), 0);
	CHECK_INT(timers_expire(&t, T0 + 5 * SEC + 100),
	    TIMER_SEND_INITIATION);
	CHECK_INT(timers_next(&t), 0);
	send_initiation(&t, T0 + 5 * SEC + 100);
	CHECK_INT(timers_next(&t), T0 + 10 * SEC + 200);
	CHECK_INT(timers_expire(&t, T0 + 10 * SEC + 200),
	    TIMER_SEND_INITIATION);
}

/* The jitter is below REKEY_TIMEOUT_JITTER_MS whatever rand32 returns. */
static void
test_retransmit_jitter(void)
{
	struct timers	 t;

	setup(&t, REKEY_TIMEOUT_JITTER_MS - 1);
	send_initiation(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 5 * SEC + REKEY_TIMEOUT_JITTER_MS - 1);
	setup(&t, REKEY_TIMEOUT_JITTER_MS * 7);
	send_initiation(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 5 * SEC);
	setup(&t, UINT32_MAX);
	send_initiation(&t, T0);
	CHECK(timers_next(&t) < T0 + 5 * SEC + REKEY_TIMEOUT_JITTER_MS);
}

static void
test_retransmit_stops_on_complete(void)
{
	struct timers	 t;

	setup(&t, 0);
	send_initiation(&t, T0);
	timers_handshake_complete(&t);
	CHECK_INT(timers_next(&t), 0);
	CHECK_INT(timers_expire(&t, T0 + 5 * SEC), 0);
}

/*
 * Retry until REKEY_ATTEMPT_TIME; return the number of initiations sent
 * and the time of the give-up, or 0 if it never came.
 */
static int
retry_until_give_up(struct timers *t, uint64_t start, uint64_t *gave_up)
{
	uint64_t	 now = start;
	unsigned int	 act;
	int		 sent = 1;

	send_initiation(t, now);
	*gave_up = 0;
	while (sent < 100) {
		now = timers_next(t);
		act = timers_expire(t, now);
		if (act == TIMER_GIVE_UP) {
			*gave_up = now;
			break;
		}
		if (act != TIMER_SEND_INITIATION)
			break;
		send_initiation(t, now);
		sent++;
	}
	return sent;
}

static void
test_give_up(void)
{
	struct timers	 t;
	uint64_t	 when;

	setup(&t, 0);
	timers_data_received(&t, T0);
	CHECK_INT(retry_until_give_up(&t, T0, &when), 18);
	CHECK_INT(when, T0 + REKEY_ATTEMPT_TIME * SEC);
	/* Nothing more but the wipe of what the attempts left behind. */
	CHECK_INT(timers_next(&t), when + REJECT_AFTER_TIME * 3 * SEC);
	CHECK_INT(timers_expire(&t, when + 60 * SEC), 0);
	/* New data to send starts a new series of attempts. */
	CHECK(timers_initiation_wanted(&t, when + 60 * SEC));
	CHECK_INT(retry_until_give_up(&t, when + 60 * SEC, &when), 18);
	CHECK(when != 0);
}

/* Each attempt waits its own jitter, so the give-up comes later. */
static void
test_give_up_jitter(void)
{
	struct timers	 t;
	uint64_t	 when;

	setup(&t, 300);
	CHECK_INT(retry_until_give_up(&t, T0, &when), 18);
	CHECK_INT(when, T0 + REKEY_ATTEMPT_TIME * SEC + 18 * 300);
}

/* A session derived earlier keeps its zero-keys deadline on give-up. */
static void
test_give_up_keeps_zero_keys(void)
{
	struct timers	 t;
	uint64_t	 when;

	setup(&t, 0);
	timers_session_derived(&t, T0);
	retry_until_give_up(&t, T0 + 10 * SEC, &when);
	CHECK(when != 0);
	CHECK_INT(timers_next(&t), T0 + REJECT_AFTER_TIME * 3 * SEC);
}

static void
test_keepalive(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_data_received(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 10 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 10 * SEC - 1), 0);
	CHECK_INT(timers_expire(&t, T0 + 10 * SEC), TIMER_SEND_KEEPALIVE);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_keepalive_not_needed(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_data_received(&t, T0);
	timers_any_authenticated_packet_sent(&t);
	CHECK_INT(timers_expire(&t, T0 + 10 * SEC), 0);
	/* Data arriving while one is due asks for another; sending ends it. */
	timers_data_received(&t, T0 + 20 * SEC);
	timers_data_received(&t, T0 + 21 * SEC);
	timers_any_authenticated_packet_sent(&t);
	timers_data_received(&t, T0 + 22 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 32 * SEC), TIMER_SEND_KEEPALIVE);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_keepalive_another(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_data_received(&t, T0);
	timers_data_received(&t, T0 + 3 * SEC);
	CHECK_INT(timers_next(&t), T0 + 10 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 10 * SEC), TIMER_SEND_KEEPALIVE);
	CHECK_INT(timers_next(&t), T0 + 20 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 20 * SEC), TIMER_SEND_KEEPALIVE);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_new_handshake(void)
{
	struct timers	 t;

	setup(&t, 50);
	timers_data_sent(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 15 * SEC + 50);
	/* Later data does not push it back. */
	timers_data_sent(&t, T0 + 4 * SEC);
	CHECK_INT(timers_next(&t), T0 + 15 * SEC + 50);
	CHECK_INT(timers_expire(&t, T0 + 15 * SEC + 49), 0);
	CHECK_INT(timers_expire(&t, T0 + 15 * SEC + 50),
	    TIMER_SEND_INITIATION);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_new_handshake_cancelled(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_data_sent(&t, T0);
	timers_any_authenticated_packet_received(&t);
	CHECK_INT(timers_next(&t), 0);
	CHECK_INT(timers_expire(&t, T0 + 15 * SEC), 0);
}

/* It is a fresh handshake: the attempts start again after a give-up. */
static void
test_new_handshake_after_give_up(void)
{
	struct timers	 t;
	uint64_t	 when;

	setup(&t, 0);
	retry_until_give_up(&t, T0, &when);
	timers_data_sent(&t, when + 1);
	CHECK_INT(timers_expire(&t, when + 1 + 15 * SEC),
	    TIMER_SEND_INITIATION);
	CHECK_INT(retry_until_give_up(&t, when + 1 + 15 * SEC, &when), 18);
}

/* An initiation sent less than REKEY_TIMEOUT ago holds it back. */
static void
test_new_handshake_rate(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_data_sent(&t, T0);
	send_initiation(&t, T0 + 12 * SEC);
	timers_handshake_complete(&t);
	CHECK_INT(timers_expire(&t, T0 + 15 * SEC), 0);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_zero_keys(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_session_derived(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 540 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 540 * SEC - 1), 0);
	CHECK_INT(timers_expire(&t, T0 + 540 * SEC), TIMER_ZERO_KEYS);
	CHECK_INT(timers_next(&t), 0);
	timers_session_derived(&t, T0 + 600 * SEC);
	timers_session_derived(&t, T0 + 700 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 1140 * SEC), 0);
	CHECK_INT(timers_expire(&t, T0 + 1240 * SEC), TIMER_ZERO_KEYS);
}

static void
test_persistent_keepalive(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_set_persistent_keepalive(&t, 25, T0);
	CHECK_INT(timers_expire(&t, T0), TIMER_SEND_KEEPALIVE);
	timers_any_authenticated_packet_traversal(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 25 * SEC);
	/* Traffic either way pushes it back. */
	timers_any_authenticated_packet_traversal(&t, T0 + 10 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 25 * SEC), 0);
	CHECK_INT(timers_expire(&t, T0 + 35 * SEC), TIMER_SEND_KEEPALIVE);
	timers_any_authenticated_packet_traversal(&t, T0 + 35 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 60 * SEC), TIMER_SEND_KEEPALIVE);
	/* A new interval applies from the next packet. */
	timers_set_persistent_keepalive(&t, 5, T0 + 60 * SEC);
	CHECK_INT(timers_next(&t), 0);
	timers_any_authenticated_packet_traversal(&t, T0 + 60 * SEC);
	CHECK_INT(timers_next(&t), T0 + 65 * SEC);
}

static void
test_persistent_keepalive_off(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_set_persistent_keepalive(&t, 25, T0);
	timers_any_authenticated_packet_traversal(&t, T0);
	timers_set_persistent_keepalive(&t, 0, T0 + SEC);
	CHECK_INT(timers_next(&t), 0);
	timers_any_authenticated_packet_traversal(&t, T0 + 2 * SEC);
	CHECK_INT(timers_next(&t), 0);
	CHECK_INT(timers_expire(&t, T0 + 100 * SEC), 0);
}

/* A deadline at time 0 is still armed, a millisecond late. */
static void
test_clock_at_zero(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_set_persistent_keepalive(&t, 1, 0);
	CHECK(timers_next(&t) != 0);
	CHECK_INT(timers_expire(&t, 1), TIMER_SEND_KEEPALIVE);
}

static void
test_rekey_on_send(void)
{
	CHECK(!timers_should_rekey_on_send(T0, 0, 1, T0 + 120 * SEC - 1));
	CHECK(timers_should_rekey_on_send(T0, 0, 1, T0 + 120 * SEC));
	/* The responder leaves time-based rekeying to the initiator. */
	CHECK(!timers_should_rekey_on_send(T0, 0, 0, T0 + 179 * SEC));
	CHECK(!timers_should_rekey_on_send(T0, REKEY_AFTER_MESSAGES, 0, T0));
	CHECK(timers_should_rekey_on_send(T0, REKEY_AFTER_MESSAGES + 1, 0,
	    T0));
	CHECK(timers_should_rekey_on_send(T0, REKEY_AFTER_MESSAGES + 1, 1,
	    T0));
}

static void
test_rekey_on_receive(void)
{
	struct timers	 t;
	uint64_t	 at = T0 + 165 * SEC;

	setup(&t, 0);
	CHECK(!timers_should_rekey_on_receive(&t, T0, 1, at - 1));
	CHECK(!timers_should_rekey_on_receive(&t, T0, 0, at));
	CHECK(timers_should_rekey_on_receive(&t, T0, 1, at));
	/* Once per session. */
	CHECK(!timers_should_rekey_on_receive(&t, T0, 1, at + SEC));
	timers_handshake_complete(&t);
	CHECK(timers_should_rekey_on_receive(&t, T0, 1, at + SEC));
}

static void
test_keypair_expired(void)
{
	CHECK(!timers_keypair_expired(T0, 0, T0));
	CHECK(!timers_keypair_expired(T0, 0, T0 + 180 * SEC - 1));
	CHECK(timers_keypair_expired(T0, 0, T0 + 180 * SEC));
	CHECK(!timers_keypair_expired(T0, REJECT_AFTER_MESSAGES - 1, T0));
	CHECK(timers_keypair_expired(T0, REJECT_AFTER_MESSAGES, T0));
	CHECK(timers_keypair_expired(T0, UINT64_MAX, T0));
}

static void
test_initiation_rate(void)
{
	struct timers	 t;

	setup(&t, 0);
	CHECK(timers_initiation_wanted(&t, 0));
	send_initiation(&t, T0);
	CHECK(!timers_initiation_wanted(&t, T0 + 5 * SEC - 1));
	CHECK(timers_initiation_wanted(&t, T0 + 5 * SEC));
	/* A response sent counts as a handshake sent. */
	timers_response_sent(&t, T0 + 6 * SEC);
	CHECK(!timers_initiation_wanted(&t, T0 + 11 * SEC - 1));
	CHECK(timers_initiation_wanted(&t, T0 + 11 * SEC));
}

/* The retransmit timer firing too soon after a response sends nothing. */
static void
test_retransmit_rate(void)
{
	struct timers	 t;

	setup(&t, 0);
	send_initiation(&t, T0);
	timers_response_sent(&t, T0 + 4 * SEC);
	CHECK_INT(timers_expire(&t, T0 + 5 * SEC), 0);
	CHECK_INT(timers_next(&t), 0);
}

static void
test_next_ordering(void)
{
	struct timers	 t;

	setup(&t, 0);
	timers_set_persistent_keepalive(&t, 25, T0);
	timers_any_authenticated_packet_traversal(&t, T0);
	timers_session_derived(&t, T0);
	timers_data_sent(&t, T0);
	timers_data_received(&t, T0);
	timers_handshake_initiated(&t, T0);
	CHECK_INT(timers_next(&t), T0 + 5 * SEC);
	timers_handshake_complete(&t);
	CHECK_INT(timers_next(&t), T0 + 10 * SEC);
	timers_any_authenticated_packet_sent(&t);
	CHECK_INT(timers_next(&t), T0 + 15 * SEC);
	timers_any_authenticated_packet_received(&t);
	CHECK_INT(timers_next(&t), T0 + 25 * SEC);
	timers_set_persistent_keepalive(&t, 0, T0);
	CHECK_INT(timers_next(&t), T0 + 540 * SEC);
}

/* Everything due at once comes back in one call, and only once. */
static void
test_expire_together(void)
{
	struct timers	 t;
	unsigned int	 all;

	setup(&t, 0);
	timers_session_derived(&t, T0);
	timers_data_sent(&t, T0);
	timers_data_received(&t, T0);
	timers_set_persistent_keepalive(&t, 25, T0);
	all = TIMER_SEND_INITIATION | TIMER_SEND_KEEPALIVE | TIMER_ZERO_KEYS;
	CHECK_INT(timers_expire(&t, T0 + 600 * SEC), all);
	CHECK_INT(timers_next(&t), 0);
	CHECK_INT(timers_expire(&t, T0 + 600 * SEC), 0);
}

int
main(void)
{
	T_RUN(test_nothing_armed);
	T_RUN(test_retransmit);
	T_RUN(test_retransmit_jitter);
	T_RUN(test_retransmit_stops_on_complete);
	T_RUN(test_give_up);
	T_RUN(test_give_up_jitter);
	T_RUN(test_give_up_keeps_zero_keys);
	T_RUN(test_keepalive);
	T_RUN(test_keepalive_not_needed);
	T_RUN(test_keepalive_another);
	T_RUN(test_new_handshake);
	T_RUN(test_new_handshake_cancelled);
	T_RUN(test_new_handshake_after_give_up);
	T_RUN(test_new_handshake_rate);
	T_RUN(test_zero_keys);
	T_RUN(test_persistent_keepalive);
	T_RUN(test_persistent_keepalive_off);
	T_RUN(test_clock_at_zero);
	T_RUN(test_rekey_on_send);
	T_RUN(test_rekey_on_receive);
	T_RUN(test_keypair_expired);
	T_RUN(test_initiation_rate);
	T_RUN(test_retransmit_rate);
	T_RUN(test_next_ordering);
	T_RUN(test_expire_together);
	return t_done();
}
