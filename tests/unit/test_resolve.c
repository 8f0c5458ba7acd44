/*
 * resolve.c: when a peer's endpoint name is looked up again (a fake
 * clock), which names are kept, and the resolver thread's answers against
 * a real tunnel: applied by public key, to a peer that still has the name
 * and still does not answer, never to a peer removed meanwhile.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "key.h"
#include "peer.h"
#include "resolve.h"
#include "t.h"
#include "tunnel.h"
#include "udp.h"

#define T0	UINT64_C(1000000)	/* the fake clock starts here, in ms */
#define SEC	UINT64_C(1000)

/* Never while handshakes are answered. */
static void
test_due_answered(void)
{
	CHECK(!resolve_due(0, T0 + 100 * SEC, T0, T0 + 100 * SEC));
}

/* Fifteen seconds (three initiations) unanswered, then at once. */
static void
test_due_after_three_initiations(void)
{
	uint64_t	first = T0 + 60 * SEC;

	CHECK(!resolve_due(first, first + 10 * SEC, T0, first + 15 * SEC - 1));
	CHECK(resolve_due(first, first + 10 * SEC, T0, first + 15 * SEC));
}

/* At most one lookup every 30 s while handshakes keep failing. */
static void
test_due_interval(void)
{
	uint64_t	asked = T0 + 100 * SEC;

	CHECK(!resolve_due(T0, asked + 25 * SEC, asked, asked + 30 * SEC - 1));
	CHECK(resolve_due(T0, asked + 25 * SEC, asked, asked + 30 * SEC));
}

/* Once tund gave up initiating (nothing to send), no more lookups. */
static void
test_due_not_trying(void)
{
	CHECK(resolve_due(T0, T0 + 90 * SEC, T0, T0 + 119 * SEC));
	CHECK(!resolve_due(T0, T0 + 90 * SEC, T0, T0 + 120 * SEC));
}

/* Just started: the configuration's lookup counts, 30 s later again. */
static void
test_due_after_start(void)
{
	uint64_t	start = T0;

	CHECK(!resolve_due(start + 1 * SEC, start + 26 * SEC, start,
	    start + 29 * SEC));
	CHECK(resolve_due(start + 1 * SEC, start + 26 * SEC, start,
	    start + 30 * SEC));
}

static void
test_name_kept(void)
{
	struct resolve_name	rn;

	memset(&rn, 0, sizeof(rn));
	resolve_name_set(&rn, "peer.example", 51820, T0);
	CHECK_STR(rn.host, "peer.example");
	CHECK_INT(rn.port, 51820);
	CHECK_INT(rn.asked, T0);
	/* Unchanged on reload: the same state, a lookup still on its way. */
	rn.pending = 1;
	resolve_name_set(&rn, "peer.example", 51820, T0 + SEC);
	CHECK_INT(rn.asked, T0);
	CHECK_INT(rn.pending, 1);
	/* Another port is another endpoint. */
	resolve_name_set(&rn, "peer.example", 51821, T0 + SEC);
	CHECK_INT(rn.port, 51821);
	CHECK_INT(rn.asked, T0 + SEC);
	CHECK_INT(rn.pending, 0);
	resolve_name_set(&rn, NULL, 0, 0);
	CHECK(rn.host == NULL);
}

/* An address has nothing to look up again, and replaces a name. */
static void
test_address_not_kept(void)
{
	struct resolve_name	rn;

	memset(&rn, 0, sizeof(rn));
	resolve_name_set(&rn, "198.18.0.2", 51820, T0);
	CHECK(rn.host == NULL);
	resolve_name_set(&rn, "2001:db8::2", 51820, T0);
	CHECK(rn.host == NULL);
	resolve_name_set(&rn, "peer.example", 51820, T0);
	CHECK(rn.host != NULL);
	resolve_name_set(&rn, "2001:db8::2", 51820, T0);
	CHECK(rn.host == NULL);
}

/* --- The resolver thread, with a tunnel whose peer is at "localhost". */

static struct {
	struct conf	*conf;
	struct tunnel	*tn;
	uint8_t		 pub[X25519_LEN];
	int		 ready;
	uint64_t	 skew;	/* ms the tests' clock is ahead */
} f;

/*
 * The monotonic clock, moved on by each test so that the resolver's
 * once-a-second scan runs at its first tick.
 */
static uint64_t
clock_ms(void)
{
	return now_ms() + f.skew;
}

static const union sockaddr_inet *
localhost_addr(void)
{
	return (const union sockaddr_inet *)&f.conf->peers[0].endpoint;
}

static void
set_addr(union sockaddr_inet *sa, const char *v4)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin.sin_family = AF_INET;
	sa->sin.sin_port = htons(51820);
	inet_pton(AF_INET, v4, &sa->sin.sin_addr);
}

/* The peer, at a stale address, failing its handshakes for a while. */
static struct peer *
failing_peer(void)
{
	struct peer	*p = peer_by_key(f.tn, f.pub);
	uint64_t	 now;

	f.skew += 10 * SEC;
	now = clock_ms();
	set_addr(&p->endpoint, "198.18.0.9");
	p->unanswered_since = now - 20 * SEC;
	p->last_initiation = now - SEC;
	p->endpoint_name.asked = now - 60 * SEC;
	return p;
}

/* Tick until the peer's lookup is answered; 0, or -1 after 10 s. */
static int
answered(void)
{
	struct peer	*p;
	int		 i;

	for (i = 0; i < 1000; i++) {
		resolve_tick(f.tn, clock_ms());
		if ((p = peer_by_key(f.tn, f.pub)) != NULL &&
		    !p->endpoint_name.pending)
			return 0;
		usleep(10000);
	}
	return -1;
}

static void
test_thread_moves_endpoint(void)
{
	struct peer	*p = failing_peer();

	resolve_tick(f.tn, clock_ms());
	CHECK(p->endpoint_name.pending);
	CHECK(answered() == 0);
	CHECK(sockaddr_inet_equal(&p->endpoint, localhost_addr()));
	/* Not again within the interval. */
	resolve_tick(f.tn, clock_ms() + 2 * SEC);
	CHECK(!p->endpoint_name.pending);
}

/* A handshake while the lookup ran: the endpoint it came from stays. */
static void
test_thread_handshake_meanwhile(void)
{
	struct peer	*p = failing_peer();
	union sockaddr_inet	 roamed;

	resolve_tick(f.tn, clock_ms());
	CHECK(p->endpoint_name.pending);
	set_addr(&roamed, "198.18.0.10");
	p->endpoint = roamed;
	p->unanswered_since = 0;
	CHECK(answered() == 0);
	CHECK(sockaddr_inet_equal(&p->endpoint, &roamed));
}

/* Given an address (wg set) while the lookup ran: the answer is dropped. */
static void
test_thread_reconfigured_meanwhile(void)
{
	struct peer	*p = failing_peer();
	union sockaddr_inet	 stale = p->endpoint;

	resolve_tick(f.tn, clock_ms());
	CHECK(p->endpoint_name.pending);
	resolve_name_set(&p->endpoint_name, NULL, 0, 0);
	p->endpoint_name.pending = 1;	/* to see the answer come */
	CHECK(answered() == 0);
	CHECK(sockaddr_inet_equal(&p->endpoint, &stale));
	resolve_name_set(&p->endpoint_name, "localhost", 51820, 0);
}

/*
 * Removed while the lookup ran: the freed peer is never touched (the
 * sanitizer builds would see it), and the answer goes by key to the peer
 * that has the key now.
 */
static void
test_thread_peer_removed(void)
{
	struct peer	*p = failing_peer();

	resolve_tick(f.tn, clock_ms());
	CHECK(p->endpoint_name.pending);
	tunnel_peer_remove(f.tn, p);
	tunnel_reap(f.tn);		/* no workers: freed at once */
	CHECK(peer_by_key(f.tn, f.pub) == NULL);
	CHECK((p = tunnel_peer_add(f.tn, &f.conf->peers[0])) != NULL);
	set_addr(&p->endpoint, "198.18.0.9");
	p->unanswered_since = clock_ms();	/* not due itself */
	p->endpoint_name.pending = 1;	/* to see the old answer come */
	CHECK(answered() == 0);
	CHECK(sockaddr_inet_equal(&p->endpoint, localhost_addr()));
}

static int
setup(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	uint8_t			 priv[2][X25519_LEN];
	char			 b64[2][KEY_B64_LEN + 1], text[512];

	if (crypto_x25519_genkey(priv[0]) == -1 ||
	    crypto_x25519_genkey(priv[1]) == -1 ||
	    crypto_x25519_pubkey(f.pub, priv[1]) == -1)
		return -1;
	key_to_base64(b64[0], priv[0]);
	key_to_base64(b64[1], f.pub);
	crypto_wipe(priv, sizeof(priv));
	snprintf(text, sizeof(text),
	    "[Interface]\nPrivateKey = %s\n\n"
	    "[Peer]\nPublicKey = %s\nAllowedIPs = 198.19.0.2/32\n"
	    "Endpoint = localhost:51820\n", b64[0], b64[1]);
	f.conf = conf_parse("t.conf", text, strlen(text), &errs);
	if (f.conf == NULL || conf_resolve(f.conf, &errs) == -1) {
		conf_errors_clear(&errs);
		return 0;	/* no localhost to look up: skipped */
	}
	if ((f.tn = tunnel_new(f.conf)) == NULL ||
	    resolve_start(f.tn) == -1)
		return -1;
	f.ready = 1;
	return 0;
}

static void
teardown(void)
{
	if (f.tn != NULL)
		resolve_stop(f.tn);
	tunnel_free(f.tn);
	conf_free(f.conf);
}

int
main(void)
{
	int	rv;

	T_RUN(test_due_answered);
	T_RUN(test_due_after_three_initiations);
	T_RUN(test_due_interval);
	T_RUN(test_due_not_trying);
	T_RUN(test_due_after_start);
	T_RUN(test_name_kept);
	T_RUN(test_address_not_kept);
	if (crypto_init() == -1 || setup() == -1) {
		printf("FAIL test_resolve: setup\n");
		teardown();
		return 1;
	}
	if (f.ready) {
		T_RUN(test_thread_moves_endpoint);
		T_RUN(test_thread_handshake_meanwhile);
		T_RUN(test_thread_reconfigured_meanwhile);
		T_RUN(test_thread_peer_removed);
	} else {
		t_skip("test_thread_moves_endpoint", "localhost not resolved");
		t_skip("test_thread_handshake_meanwhile",
		    "localhost not resolved");
		t_skip("test_thread_reconfigured_meanwhile",
		    "localhost not resolved");
		t_skip("test_thread_peer_removed", "localhost not resolved");
	}
	rv = t_done();
	teardown();
	return rv;
}
