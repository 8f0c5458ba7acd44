/*
 * receive_datagram(), the door every UDP datagram comes through, against a
 * real tunnel made from a parsed configuration with two peers.  The device
 * is one end of a socketpair, the handshake queue is looked at directly,
 * and the test plays peer A with its own Noise identity.  Each datagram
 * must move exactly what its class moves: one drop counter, the handshake
 * queue, or one packet to the device, and nothing else.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <event2/event.h>

#include "conf.h"
#include "cookie.h"
#include "crypto.h"
#include "handshake.h"
#include "key.h"
#include "noise.h"
#include "peer.h"
#include "receive.h"
#include "t.h"
#include "tun.h"
#include "tunnel.h"
#include "udp.h"
#include "wire.h"

#define NRANDOM		100000	/* datagrams thrown by test_random */
#define MAXDGRAM	2048
#define MSGBUF		(MSG_DATA_HDR_LEN + MAXDGRAM + AEAD_TAG_LEN)

static struct {
	struct conf		*conf;
	struct tunnel		*tn;
	struct thread_ctx	*x;		/* the one worker */
	struct event_base	*base;
	struct event		*hs_ev, *kick_ev;
	struct tun		 tun;
	int			 dev;		/* the device's other end */
	uint8_t			*rx;		/* MSGBUF bytes from malloc */
	int			 udp;		/* ours: the source of it all */
	union sockaddr_inet	 src;
	struct peer		*a, *b;
	struct noise_local	 me;		/* we are peer A */
	struct noise_remote	 me_tn;		/* and this is the tunnel */
	time_t			 tai;		/* initiation times, rising */
	int			 wakeups, kicks;
} f;

static struct crypto_aead	*aead;

/* Our side of a session with the tunnel. */
struct session {
	struct noise_keys	 k;	/* send seals; remote_index is tund's */
};

static int
failf(int line, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t_fail(__FILE__, line, "%s", buf);
	return -1;
}

static const char *
reason_name(enum drop_reason r)
{
	return r == DROP_NREASONS ? "(none)" : drop_reason_name(r);
}

/* Bytes the allocator has handed out, where it says (glibc); else 0. */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

static uint64_t
rnd(void)
{
	static uint64_t	s;

	if (s == 0)
		crypto_random(&s, sizeof(s));
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * UINT64_C(2685821657736338717);
}

static void
rnd_bytes(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = (uint8_t)rnd();
}

static void
queue_reset(void)
{
	pthread_mutex_lock(&f.tn->hsq.lock);
	f.tn->hsq.head = f.tn->hsq.count = 0;
	pthread_mutex_unlock(&f.tn->hsq.lock);
}

static struct hs_item *
queued(size_t i)
{
	return &f.tn->hsq.item[(f.tn->hsq.head + i) % MAX_QUEUED_HANDSHAKES];
}

/* Nothing waiting on the fd. */
static int
quiet(int fd)
{
	uint8_t	b[1];

	return recv(fd, b, sizeof(b), MSG_DONTWAIT) == -1 && errno == EAGAIN;
}

/*
 * Where a datagram of len bytes goes: flush with the end of an
 * allocation, so that a read past its end is caught (-fsanitize=address,
 * valgrind), and no allocation per datagram upsets heap_in_use().
 */
static uint8_t *
rxbuf(const void *dgram, size_t len)
{
	uint8_t	*buf = f.rx + MSGBUF - len;

	if (dgram != NULL && len > 0)
		memcpy(buf, dgram, len);
	return buf;
}

/*
 * Feed one datagram, from rxbuf(), and check what it moved: the drop
 * counter of reason
 * and no other (DROP_NREASONS: none), n handshakes queued, and pkt written
 * to the device (NULL: nothing).  0, or -1 having failed the test.
 */
static int
feed(int line, const void *dgram, size_t len, enum drop_reason reason,
    size_t nqueued, const void *pkt, size_t pktlen)
{
	struct stats	 b, a;
	uint8_t		 got[MAXDGRAM];
	size_t		 q0 = f.tn->hsq.count;
	ssize_t		 n;
	int		 r;

	if (len > MSGBUF)
		return failf(line, "%zu bytes: too long for the test", len);
	tunnel_stats(f.tn, &b);
	receive_datagram(f.x, rxbuf(dgram, len), len, &f.src);
	tunnel_stats(f.tn, &a);

	if (a.udp_rx_packets != b.udp_rx_packets + 1 ||
	    a.udp_rx_bytes != b.udp_rx_bytes + len)
		return failf(line, "udp_rx counted %llu packets, %llu bytes",
		    (unsigned long long)(a.udp_rx_packets - b.udp_rx_packets),
		    (unsigned long long)(a.udp_rx_bytes - b.udp_rx_bytes));
	for (r = 0; r < DROP_NREASONS; r++)
		if (a.drops[r] - b.drops[r] != (r == (int)reason))
			return failf(line, "%zu bytes: drop \"%s\" moved by "
			    "%llu, expected drop \"%s\"", len,
			    drop_reason_name(r),
			    (unsigned long long)(a.drops[r] - b.drops[r]),
			    reason_name(reason));
	if (f.tn->hsq.count - q0 != nqueued)
		return failf(line, "%zu handshakes queued, expected %zu",
		    f.tn->hsq.count - q0, nqueued);
	if (a.udp_tx_packets != b.udp_tx_packets)
		return failf(line, "sent %llu datagrams",
		    (unsigned long long)(a.udp_tx_packets - b.udp_tx_packets));
	n = recv(f.dev, got, sizeof(got), MSG_DONTWAIT);
	if (pkt == NULL) {
		if (n != -1 || a.tun_tx_packets != b.tun_tx_packets)
			return failf(line, "delivered %zd bytes", n);
		return 0;
	}
	/* Linux's device takes an offload header before each packet. */
	if (n != (ssize_t)(TUN_VNET_LEN + pktlen) ||
	    memcmp(got + TUN_VNET_LEN, pkt, pktlen) != 0)
		return failf(line, "delivered %zd bytes, expected %zu", n,
		    TUN_VNET_LEN + pktlen);
	if (a.tun_tx_packets != b.tun_tx_packets + 1 ||
	    a.tun_tx_bytes != b.tun_tx_bytes + pktlen || !quiet(f.dev))
		return failf(line, "device counters or extra packets");
	return 0;
}

#define FEED(d, n, r, q, p, pn) do {					\
	if (feed(__LINE__, (d), (n), (r), (q), (p), (pn)) == -1)	\
		return;							\
} while (0)
#define DROPPED(d, n, r)	FEED(d, n, r, 0, NULL, 0)
#define QUEUED(d, n)		FEED(d, n, DROP_NREASONS, 1, NULL, 0)
#define DELIVERED(d, n, p, pn)	FEED(d, n, DROP_NREASONS, 0, p, pn)
#define ABSORBED(d, n)		FEED(d, n, DROP_NREASONS, 0, NULL, 0)

/* A datagram of len bytes: type, zero reserved bytes, the rest filler. */
static void
header(uint8_t *m, size_t len, uint8_t type)
{
	size_t	i;

	for (i = 0; i < len; i++)
		m[i] = (uint8_t)(i * 7 + 1);
	if (len > 0)
		m[0] = type;
	for (i = 1; i < 4 && i < len; i++)
		m[i] = 0;
}

/* An IPv4 packet of len bytes (at least 20) from src to dst. */
static size_t
ip4(uint8_t *pkt, size_t len, const char *src, const char *dst)
{
	size_t	i;

	for (i = 20; i < len; i++)
		pkt[i] = (uint8_t)(i + 0x30);
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[8] = 64;
	pkt[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, pkt + 12);
	inet_pton(AF_INET, dst, pkt + 16);
	return len;
}

/* An IPv6 packet of len bytes (at least 40) from src to dst. */
static size_t
ip6(uint8_t *pkt, size_t len, const char *src, const char *dst)
{
	size_t	i;

	for (i = 40; i < len; i++)
		pkt[i] = (uint8_t)(i + 0x60);
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)((len - 40) >> 8);
	pkt[5] = (uint8_t)(len - 40);
	pkt[6] = IPPROTO_UDP;
	pkt[7] = 64;
	inet_pton(AF_INET6, src, pkt + 8);
	inet_pton(AF_INET6, dst, pkt + 24);
	return len;
}

/*
 * A data message as a sender makes it: pkt padded to a multiple of 16 and
 * sealed under key (NULL: the session's) at counter.  Returns its length.
 */
static size_t
data(uint8_t *m, const struct session *s, const uint8_t *key,
    uint64_t counter, const void *pkt, size_t len)
{
	size_t	padded = (len + MSG_PADDING - 1) & ~(size_t)(MSG_PADDING - 1);

	memset(m, 0, MSG_DATA_HDR_LEN);
	m[0] = MSG_DATA;
	le32_put(m + 4, s->k.remote_index);
	le64_put(m + 8, counter);
	if (len > 0)
		memcpy(m + MSG_DATA_HDR_LEN, pkt, len);
	memset(m + MSG_DATA_HDR_LEN + len, 0, padded - len);
	crypto_aead_seal(aead, m + MSG_DATA_HDR_LEN, key != NULL ? key :
	    s->k.send, counter, NULL, 0, m + MSG_DATA_HDR_LEN, padded);
	return MSG_DATA_HDR_LEN + padded + AEAD_TAG_LEN;
}

static void
tai_next(uint8_t tai[TAI64N_LEN])
{
	struct timespec	ts = { f.tai++, 0 };

	crypto_tai64n(tai, &ts);
}

/* Our initiation to the tunnel, macs zero. */
static int
initiation(struct msg_initiation *m, uint32_t index)
{
	uint8_t	e[X25519_LEN], tai[TAI64N_LEN];
	int	rv;

	crypto_x25519_genkey(e);
	tai_next(tai);
	rv = noise_create_initiation(&f.me_tn, &f.me, aead, index, e, tai, m);
	crypto_wipe(e, sizeof(e));
	return rv == NOISE_OK ? 0 : -1;
}

/*
 * A fresh session between us (initiating) and the tunnel.  The tunnel's
 * half is done as handshake.c's consume_initiation() and respond() do it,
 * so it holds the keypair in peer A's "next" slot until data arrives.
 */
static int
session_new(struct session *s)
{
	struct msg_initiation	 mi;
	struct msg_response	 mr;
	struct noise_pending	 pend;
	struct noise_keys	 k;
	struct peer		*p;
	uint8_t			 e[X25519_LEN];
	uint32_t		 idx;
	int			 ok;

	if (initiation(&mi, (uint32_t)rnd()) == -1 ||
	    noise_open_initiation(&f.tn->local, f.x->aead, &mi, &pend) !=
	    NOISE_OK)
		return -1;
	if ((p = peer_by_key(f.tn, pend.remote_static)) != f.a) {
		crypto_wipe(&pend, sizeof(pend));
		return -1;
	}
	crypto_x25519_genkey(e);
	pthread_mutex_lock(&p->lock);
	if ((ok = noise_accept_initiation(&p->noise, f.x->aead, &pend) ==
	    NOISE_OK)) {
		index_del(&f.tn->indices, &p->hs_entry);
		idx = index_add(&f.tn->indices, &p->hs_entry,
		    INDEX_HANDSHAKE);
		ok = noise_create_response(&p->noise, f.x->aead, idx, e,
		    &mr) == NOISE_OK &&
		    noise_derive_keys(&p->noise, &k) == NOISE_OK &&
		    peer_install_keys(p, &k, now_ms()) == 0;
	}
	pthread_mutex_unlock(&p->lock);
	crypto_wipe(e, sizeof(e));
	crypto_wipe(&k, sizeof(k));
	if (!ok || noise_consume_response(&f.me_tn, &f.me, aead, &mr) !=
	    NOISE_OK || noise_derive_keys(&f.me_tn, &s->k) != NOISE_OK)
		return -1;
	return 0;
}

/* The tunnel's keypair of a session, or NULL. */
static struct keypair *
tunnel_keypair(const struct session *s)
{
	struct keypair	*kp;

	if ((kp = keypair_lookup(f.tn, s->k.remote_index)) != NULL)
		keypair_release(kp);	/* its slot still holds it */
	return kp;
}

/* Age the tunnel's keypair of the session by ms. */
static int
age(const struct session *s, uint64_t ms)
{
	struct keypair	*kp;

	if ((kp = keypair_lookup(f.tn, s->k.remote_index)) == NULL)
		return -1;
	pthread_mutex_lock(&kp->peer->lock);
	kp->birth -= ms;
	pthread_mutex_unlock(&kp->peer->lock);
	keypair_release(kp);
	return 0;
}

static void
test_empty(void)
{
	uint8_t	m[1] = { MSG_DATA };

	DROPPED(m, 0, DROP_SHORT);
}

static void
test_short(void)
{
	static const uint8_t	types[] = { 0, 1, 2, 3, 4, 5, 255 };
	uint8_t			m[3];
	size_t			i, len;

	for (i = 0; i < sizeof(types); i++)
		for (len = 1; len <= 3; len++) {
			header(m, len, types[i]);
			DROPPED(m, len, DROP_SHORT);
		}
}

static void
test_unknown_type(void)
{
	static const size_t	lens[] = { 4, 32, 48, 63, 64, 92, 148, 1500 };
	uint8_t			m[1500];
	size_t			i;
	unsigned		t;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		header(m, lens[i], 0);
		DROPPED(m, lens[i], DROP_TYPE);
		header(m, lens[i], 5);
		DROPPED(m, lens[i], DROP_TYPE);
		header(m, lens[i], 255);
		DROPPED(m, lens[i], DROP_TYPE);
	}
	for (t = 5; t <= 255; t++) {
		header(m, MSG_INITIATION_LEN, (uint8_t)t);
		DROPPED(m, MSG_INITIATION_LEN, DROP_TYPE);
	}
	/* The type is checked before the reserved bytes. */
	header(m, 32, 0);
	m[2] = 1;
	DROPPED(m, 32, DROP_TYPE);
}

static void
test_reserved(void)
{
	static const size_t	lens[] = { 0, MSG_INITIATION_LEN,
	    MSG_RESPONSE_LEN, MSG_COOKIE_LEN, MSG_DATA_MIN_LEN };
	static const uint8_t	bits[] = { 0x01, 0x80, 0xff };
	uint8_t			m[MSG_DATA_MIN_LEN + 16];
	uint8_t			big[MSG_INITIATION_LEN];
	size_t			len, i, j;
	uint8_t			t;

	for (t = MSG_INITIATION; t <= MSG_DATA; t++)
		for (i = 1; i < 4; i++)
			for (j = 0; j < sizeof(bits); j++) {
				header(big, lens[t], t);
				big[i] = bits[j];
				DROPPED(big, lens[t], DROP_RESERVED);
			}
	/* Data longer than a keepalive, and all three bytes set. */
	header(m, sizeof(m), MSG_DATA);
	m[1] = m[2] = m[3] = 0xff;
	DROPPED(m, sizeof(m), DROP_RESERVED);
	/* The reserved bytes are checked before the length. */
	for (len = 4; len < MSG_DATA_MIN_LEN; len++) {
		header(m, len, MSG_DATA);
		m[3] = 1;
		DROPPED(m, len, DROP_RESERVED);
	}
}

static void
test_wrong_length(void)
{
	static const struct {
		uint8_t	type;
		size_t	len;
	} bad[] = {
		{ MSG_INITIATION, MSG_INITIATION_LEN - 1 },
		{ MSG_INITIATION, MSG_INITIATION_LEN + 1 },
		{ MSG_INITIATION, 4 },
		{ MSG_INITIATION, MSG_RESPONSE_LEN },
		{ MSG_INITIATION, 1500 },
		{ MSG_RESPONSE, MSG_RESPONSE_LEN - 1 },
		{ MSG_RESPONSE, MSG_RESPONSE_LEN + 1 },
		{ MSG_RESPONSE, MSG_INITIATION_LEN },
		{ MSG_RESPONSE, 4 },
		{ MSG_COOKIE, MSG_COOKIE_LEN - 1 },
		{ MSG_COOKIE, MSG_COOKIE_LEN + 1 },
		{ MSG_COOKIE, MSG_RESPONSE_LEN },
		{ MSG_COOKIE, 4 }
	};
	uint8_t	m[1500];
	size_t	i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		header(m, bad[i].len, bad[i].type);
		DROPPED(m, bad[i].len, DROP_SHORT);
	}
	for (len = 4; len < MSG_DATA_MIN_LEN; len++) {
		header(m, len, MSG_DATA);
		DROPPED(m, len, DROP_SHORT);
	}
}

static void
test_handshake_queued(void)
{
	static const size_t	lens[] = { 0, MSG_INITIATION_LEN,
	    MSG_RESPONSE_LEN, MSG_COOKIE_LEN };
	struct hs_item		*it;
	uint8_t			 m[MSG_INITIATION_LEN];
	int			 wakeups = f.wakeups;
	uint8_t			 t;

	queue_reset();
	for (t = MSG_INITIATION; t <= MSG_COOKIE; t++) {
		header(m, lens[t], t);
		QUEUED(m, lens[t]);
		it = queued(f.tn->hsq.count - 1);
		CHECK_INT(it->len, lens[t]);
		CHECK_MEM(it->msg, m, lens[t]);
		CHECK(sockaddr_inet_equal(&it->src, &f.src));
	}
	CHECK_INT(f.tn->hsq.count, 3);
	/* The control thread was woken. */
	event_base_loop(f.base, EVLOOP_NONBLOCK);
	CHECK(f.wakeups > wakeups);
	queue_reset();
}

static void
test_queue_full(void)
{
	struct hs_item	*it;
	uint8_t		 m[MSG_INITIATION_LEN];
	size_t		 i, heap;
	uint8_t		 t;

	CHECK_INT(sizeof(f.tn->hsq.item) / sizeof(f.tn->hsq.item[0]),
	    MAX_QUEUED_HANDSHAKES);
	queue_reset();
	/* Start mid-ring, so filling it wraps around. */
	f.tn->hsq.head = MAX_QUEUED_HANDSHAKES - 10;
	heap = heap_in_use();
	for (i = 0; i < MAX_QUEUED_HANDSHAKES; i++) {
		t = MSG_INITIATION + i % 3;
		header(m, t == MSG_INITIATION ? MSG_INITIATION_LEN :
		    t == MSG_RESPONSE ? MSG_RESPONSE_LEN : MSG_COOKIE_LEN, t);
		le32_put(m + 4, (uint32_t)i);
		QUEUED(m, t == MSG_INITIATION ? MSG_INITIATION_LEN :
		    t == MSG_RESPONSE ? MSG_RESPONSE_LEN : MSG_COOKIE_LEN);
	}
	CHECK_INT(f.tn->hsq.count, MAX_QUEUED_HANDSHAKES);
	for (i = 0; i < 100; i++) {
		header(m, MSG_INITIATION_LEN, MSG_INITIATION);
		le32_put(m + 4, 0xdead0000 + (uint32_t)i);
		DROPPED(m, MSG_INITIATION_LEN, DROP_QUEUE_FULL);
		header(m, MSG_RESPONSE_LEN, MSG_RESPONSE);
		DROPPED(m, MSG_RESPONSE_LEN, DROP_QUEUE_FULL);
		header(m, MSG_COOKIE_LEN, MSG_COOKIE);
		DROPPED(m, MSG_COOKIE_LEN, DROP_QUEUE_FULL);
	}
	/* Nothing was allocated and nothing queued was overwritten. */
	CHECK_INT(heap_in_use(), heap);
	CHECK_INT(f.tn->hsq.count, MAX_QUEUED_HANDSHAKES);
	for (i = 0; i < MAX_QUEUED_HANDSHAKES; i++) {
		it = queued(i);
		CHECK_INT(it->msg[0], MSG_INITIATION + i % 3);
		CHECK_INT(le32_get(it->msg + 4), i);
	}
	/* One taken off makes room for one. */
	pthread_mutex_lock(&f.tn->hsq.lock);
	f.tn->hsq.head = (f.tn->hsq.head + 1) % MAX_QUEUED_HANDSHAKES;
	f.tn->hsq.count--;
	pthread_mutex_unlock(&f.tn->hsq.lock);
	header(m, MSG_COOKIE_LEN, MSG_COOKIE);
	QUEUED(m, MSG_COOKIE_LEN);
	DROPPED(m, MSG_COOKIE_LEN, DROP_QUEUE_FULL);
	queue_reset();
}

static void
test_data_unknown_index(void)
{
	struct index_entry	 e;
	struct session		 s;
	uint8_t			 m[MSGBUF], pkt[64];
	size_t			 len;
	int			 i;

	/* No index at all, short and long, whatever the counter. */
	for (i = 0; i < 64; i++) {
		memset(&s, 0, sizeof(s));
		s.k.remote_index = (uint32_t)rnd();
		crypto_random(s.k.send, sizeof(s.k.send));
		len = data(m, &s, NULL, rnd(), pkt,
		    (size_t)i % 2 ? ip4(pkt, 40, "198.18.1.2", "198.18.0.1") :
		    0);
		DROPPED(m, len, DROP_INDEX);
	}
	/* The index of a handshake in progress names no keypair. */
	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	s.k.remote_index = index_add(&f.tn->indices, &e, INDEX_HANDSHAKE);
	len = data(m, &s, NULL, 0, NULL, 0);
	index_del(&f.tn->indices, &e);
	DROPPED(m, len, DROP_INDEX);
}

static void
test_deliver(void)
{
	struct session	 s;
	struct keypair	*kp;
	uint8_t		 m[MSGBUF], pkt[MAXDGRAM];
	size_t		 len, n;

	CHECK(session_new(&s) == 0);
	CHECK((kp = tunnel_keypair(&s)) != NULL);
	CHECK(f.a->next == kp);
	/* IPv4, padding stripped; the first packet confirms the session. */
	n = ip4(pkt, 37, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 0, pkt, n);
	CHECK_INT(len, MSG_DATA_HDR_LEN + 48 + AEAD_TAG_LEN);
	DELIVERED(m, len, pkt, n);
	CHECK(f.a->current == kp && f.a->next == NULL);
	CHECK(sockaddr_inet_equal(&f.a->endpoint, &f.src));
	/* IPv6. */
	n = ip6(pkt, 61, "2001:db8:1::2", "2001:db8::1");
	len = data(m, &s, NULL, 1, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* A packet that needs no padding, the smallest and a large one. */
	n = ip4(pkt, 32, "198.18.1.200", "198.18.0.1");
	len = data(m, &s, NULL, 2, pkt, n);
	DELIVERED(m, len, pkt, n);
	n = ip4(pkt, 20, "198.18.1.3", "198.18.0.1");
	len = data(m, &s, NULL, 3, pkt, n);
	DELIVERED(m, len, pkt, n);
	n = ip6(pkt, 40, "2001:db8:1:ffff::9", "2001:db8::1");
	len = data(m, &s, NULL, 4, pkt, n);
	DELIVERED(m, len, pkt, n);
	n = ip4(pkt, 1420, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 5, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* Padding past a multiple of 16 is stripped as well. */
	n = ip4(pkt, 21, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 6, pkt, 64);
	DELIVERED(m, len, pkt, n);
}

static void
test_keepalive(void)
{
	struct session	 s;
	struct keypair	*kp;
	uint8_t		 m[MSGBUF];
	size_t		 len;

	CHECK(session_new(&s) == 0);
	CHECK((kp = tunnel_keypair(&s)) != NULL);
	len = data(m, &s, NULL, 0, NULL, 0);
	CHECK_INT(len, MSG_DATA_MIN_LEN);
	ABSORBED(m, len);
	/* A keepalive confirms a session as well as data does. */
	CHECK(f.a->current == kp);
	/* And is replayed like data. */
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, 1, NULL, 0);
	ABSORBED(m, len);
}

static void
test_replay_duplicate(void)
{
	struct session	s;
	uint8_t		m[MSGBUF], pkt[64];
	size_t		len, n;

	CHECK(session_new(&s) == 0);
	n = ip4(pkt, 40, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, 5, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* Out of order within the window: once. */
	len = data(m, &s, NULL, 3, pkt, n);
	DELIVERED(m, len, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, 5, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
}

static void
test_replay_too_old(void)
{
	struct session	s;
	uint8_t		m[MSGBUF], pkt[64];
	size_t		len, n;

	CHECK(session_new(&s) == 0);
	n = ip4(pkt, 40, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	len = data(m, &s, NULL, 10000, pkt, n);
	DELIVERED(m, len, pkt, n);
	len = data(m, &s, NULL, 9000, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* Never seen, but out of the window. */
	len = data(m, &s, NULL, 1, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, 0, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	/* The edge: REPLAY_WINDOW below the greatest is too old. */
	len = data(m, &s, NULL, 10000 - REPLAY_WINDOW, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, 10000 - REPLAY_WINDOW + 1, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* Far ahead, then the old ones are all gone. */
	len = data(m, &s, NULL, UINT64_C(1) << 40, pkt, n);
	DELIVERED(m, len, pkt, n);
	len = data(m, &s, NULL, 10001, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, (UINT64_C(1) << 40) - 1, pkt, n);
	DELIVERED(m, len, pkt, n);
}

static void
test_counter_limit(void)
{
	struct session	s;
	uint8_t		m[MSGBUF], pkt[64];
	size_t		len, n;

	CHECK(session_new(&s) == 0);
	n = ip4(pkt, 40, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, REJECT_AFTER_MESSAGES, pkt, n);
	DROPPED(m, len, DROP_COUNTER_LIMIT);
	len = data(m, &s, NULL, REJECT_AFTER_MESSAGES + 1, pkt, n);
	DROPPED(m, len, DROP_COUNTER_LIMIT);
	len = data(m, &s, NULL, UINT64_MAX, pkt, n);
	DROPPED(m, len, DROP_COUNTER_LIMIT);
	/* The last counter that may be used. */
	len = data(m, &s, NULL, REJECT_AFTER_MESSAGES - 1, pkt, n);
	DELIVERED(m, len, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	len = data(m, &s, NULL, REJECT_AFTER_MESSAGES, pkt, n);
	DROPPED(m, len, DROP_COUNTER_LIMIT);
}

static void
test_auth(void)
{
	struct session	s, other;
	uint8_t		m[MSGBUF], good[MSGBUF], pkt[128], key[AEAD_KEY_LEN];
	size_t		len, n, i;

	CHECK(session_new(&s) == 0);
	n = ip4(pkt, 100, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	len = data(good, &s, NULL, 7, pkt, n);
	/* Each bit of the ciphertext and the tag, a few of them. */
	for (i = MSG_DATA_HDR_LEN; i < len; i += 7) {
		memcpy(m, good, len);
		m[i] ^= 1 << (i % 8);
		DROPPED(m, len, DROP_AUTH);
	}
	memcpy(m, good, len);
	m[len - 1] ^= 0x80;
	DROPPED(m, len, DROP_AUTH);
	/* Another counter: another nonce. */
	memcpy(m, good, len);
	m[8] ^= 1;
	DROPPED(m, len, DROP_AUTH);
	/* Cut short or grown by a block. */
	DROPPED(good, len - 16, DROP_AUTH);
	memcpy(m, good, len);
	memset(m + len, 0, 16);
	DROPPED(m, len + 16, DROP_AUTH);
	/* Wrong keys: random, ours to receive, another session's. */
	crypto_random(key, sizeof(key));
	len = data(m, &s, key, 7, pkt, n);
	DROPPED(m, len, DROP_AUTH);
	len = data(m, &s, s.k.recv, 7, pkt, n);
	DROPPED(m, len, DROP_AUTH);
	CHECK(session_new(&other) == 0);
	len = data(m, &s, other.k.send, 7, pkt, n);
	DROPPED(m, len, DROP_AUTH);
	/* A forgery with a far counter moves no window. */
	len = data(m, &s, key, UINT64_C(1) << 50, pkt, n);
	DROPPED(m, len, DROP_AUTH);
	/* None of it spent counter 7, nor marked the session confirmed. */
	CHECK(f.a->next != NULL && f.a->next == tunnel_keypair(&other));
	len = data(m, &s, NULL, 7, pkt, n);
	DELIVERED(m, len, pkt, n);
	len = data(m, &s, NULL, 6, pkt, n);
	DELIVERED(m, len, pkt, n);
}

static void
test_inner_malformed(void)
{
	struct session	s;
	uint8_t		m[MSGBUF], pkt[256];
	size_t		len, n;
	uint64_t	c = 0;

	CHECK(session_new(&s) == 0);
	/* Not IP: version 5, 0, 15. */
	n = ip4(pkt, 60, "198.18.1.2", "198.18.0.1");
	pkt[0] = 0x55;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	pkt[0] = 0x05;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	pkt[0] = 0xf5;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	/* IPv4 longer than what came: by one byte past the padding. */
	n = ip4(pkt, 60, "198.18.1.2", "198.18.0.1");
	pkt[3] = 65;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	pkt[2] = 0xff;
	pkt[3] = 0xff;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	/* IPv4 total length under its header's. */
	n = ip4(pkt, 60, "198.18.1.2", "198.18.0.1");
	pkt[2] = 0;
	pkt[3] = 19;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	pkt[3] = 0;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	/* A payload shorter than an IPv4 header (no padding: 16 bytes). */
	n = ip4(pkt, 20, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, c++, pkt, 16);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	/* IPv6 payload length past the end. */
	n = ip6(pkt, 80, "2001:db8:1::2", "2001:db8::1");
	pkt[5] = 41;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	pkt[4] = 0xff;
	len = data(m, &s, NULL, c++, pkt, n);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	/* A payload shorter than an IPv6 header (32 bytes). */
	n = ip6(pkt, 40, "2001:db8:1::2", "2001:db8::1");
	pkt[4] = pkt[5] = 0;
	len = data(m, &s, NULL, c++, pkt, 32);
	DROPPED(m, len, DROP_INNER_MALFORMED);
	/* And a good one after all that. */
	n = ip6(pkt, 80, "2001:db8:1::2", "2001:db8::1");
	len = data(m, &s, NULL, c++, pkt, n);
	DELIVERED(m, len, pkt, n);
}

static void
test_source(void)
{
	static const char	*v4[] = { "192.0.2.1", "198.18.0.1",
	    "198.18.2.5", "198.18.3.1", "0.0.0.0", "255.255.255.255" };
	static const char	*v6[] = { "2001:db8:9::1", "2001:db8::1",
	    "2001:db8:2::5", "::", "::ffff:198.18.1.2", "fe80::1" };
	struct session		 s;
	uint8_t			 m[MSGBUF], pkt[128];
	size_t			 len, n, i;
	uint64_t		 c = 0;

	CHECK(session_new(&s) == 0);
	/* Outside every AllowedIPs, ours, peer B's. */
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		n = ip4(pkt, 60, v4[i], "198.18.0.1");
		len = data(m, &s, NULL, c++, pkt, n);
		DROPPED(m, len, DROP_SOURCE);
	}
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		n = ip6(pkt, 60, v6[i], "2001:db8::1");
		len = data(m, &s, NULL, c++, pkt, n);
		DROPPED(m, len, DROP_SOURCE);
	}
	/* A's own, at the edges of its prefixes. */
	n = ip4(pkt, 60, "198.18.1.0", "198.18.2.5");
	len = data(m, &s, NULL, c++, pkt, n);
	DELIVERED(m, len, pkt, n);
	n = ip4(pkt, 60, "198.18.1.255", "198.18.0.1");
	len = data(m, &s, NULL, c++, pkt, n);
	DELIVERED(m, len, pkt, n);
	n = ip6(pkt, 60, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", "::1");
	len = data(m, &s, NULL, c++, pkt, n);
	DELIVERED(m, len, pkt, n);
}

static void
test_expired(void)
{
	struct session	s;
	uint8_t		m[MSGBUF], pkt[64];
	size_t		len, n;

	CHECK(session_new(&s) == 0);
	n = ip4(pkt, 40, "198.18.1.2", "198.18.0.1");
	len = data(m, &s, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* Old, but not yet too old. */
	CHECK(age(&s, (REJECT_AFTER_TIME - 2) * 1000) == 0);
	len = data(m, &s, NULL, 1, pkt, n);
	DELIVERED(m, len, pkt, n);
	CHECK(age(&s, 3 * 1000) == 0);
	len = data(m, &s, NULL, 2, pkt, n);
	DROPPED(m, len, DROP_EXPIRED);
	len = data(m, &s, NULL, 3, NULL, 0);
	DROPPED(m, len, DROP_EXPIRED);
	/* Expiry is checked before anything else about the message. */
	len = data(m, &s, NULL, REJECT_AFTER_MESSAGES, pkt, n);
	DROPPED(m, len, DROP_EXPIRED);
	m[len - 1] ^= 1;
	DROPPED(m, len, DROP_EXPIRED);
}

/* Keypair slots: "previous" still decrypts, a retired one is gone. */
static void
test_keypair_slots(void)
{
	struct session	 s1, s2, s3;
	struct keypair	*kp1;
	uint8_t		 m[MSGBUF], pkt[64];
	size_t		 len, n;

	n = ip4(pkt, 40, "198.18.1.2", "198.18.0.1");
	CHECK(session_new(&s1) == 0);
	len = data(m, &s1, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	CHECK((kp1 = tunnel_keypair(&s1)) == f.a->current);
	CHECK(session_new(&s2) == 0);
	/* Unconfirmed "next" and "current" both decrypt. */
	len = data(m, &s1, NULL, 1, pkt, n);
	DELIVERED(m, len, pkt, n);
	len = data(m, &s2, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	CHECK(f.a->previous == kp1);
	len = data(m, &s1, NULL, 2, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* Each keypair has its own window. */
	len = data(m, &s2, NULL, 2, pkt, n);
	DELIVERED(m, len, pkt, n);
	DROPPED(m, len, DROP_REPLAY);
	/* A third session pushes the first out. */
	CHECK(session_new(&s3) == 0);
	len = data(m, &s3, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	CHECK(tunnel_keypair(&s1) == NULL);
	len = data(m, &s1, NULL, 3, pkt, n);
	DROPPED(m, len, DROP_INDEX);
	len = data(m, &s2, NULL, 3, pkt, n);
	DELIVERED(m, len, pkt, n);
	/* An unconfirmed "next" replaced by a newer one is gone too. */
	CHECK(session_new(&s1) == 0);
	CHECK(session_new(&s2) == 0);
	len = data(m, &s1, NULL, 0, pkt, n);
	DROPPED(m, len, DROP_INDEX);
	len = data(m, &s2, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
}

/*
 * A handshake message through the queue and the control thread: the
 * drop it ends with (DROP_NREASONS: none) and the replies it sends.
 */
static int
control(int line, const void *msg, size_t len, enum drop_reason reason,
    unsigned replies)
{
	struct stats	b, a;
	int		r, i;

	if (feed(line, msg, len, DROP_NREASONS, 1, NULL, 0) == -1)
		return -1;
	tunnel_stats(f.tn, &b);
	for (i = 0; i < 10 && f.tn->hsq.count > 0; i++)
		event_base_loop(f.base, EVLOOP_NONBLOCK);
	tunnel_stats(f.tn, &a);
	if (f.tn->hsq.count != 0)
		return failf(line, "the control thread left %zu queued",
		    f.tn->hsq.count);
	for (r = 0; r < DROP_NREASONS; r++)
		if (a.drops[r] - b.drops[r] != (r == (int)reason))
			return failf(line, "control: drop \"%s\" moved by "
			    "%llu, expected drop \"%s\"", drop_reason_name(r),
			    (unsigned long long)(a.drops[r] - b.drops[r]),
			    reason_name(reason));
	if (a.udp_tx_packets - b.udp_tx_packets != replies)
		return failf(line, "control: sent %llu, expected %u",
		    (unsigned long long)(a.udp_tx_packets - b.udp_tx_packets),
		    replies);
	if (replies == 0 && !quiet(f.udp))
		return failf(line, "control: something came back");
	return 0;
}

#define CONTROL(m, n, r, k) do {					\
	if (control(__LINE__, (m), (n), (r), (k)) == -1)		\
		return;							\
} while (0)

static ssize_t
reply(void *buf, size_t len)
{
	struct pollfd	pfd = { f.udp, POLLIN, 0 };

	if (poll(&pfd, 1, 2000) != 1)
		return -1;
	return recv(f.udp, buf, len, MSG_DONTWAIT);
}

static void
through_queue(void)
{
	struct cookie_maker	 cm, cm_stranger;
	struct msg_initiation	 mi, mi2;
	struct msg_response	 mr;
	struct msg_cookie	 mc;
	struct noise_local	 stranger;
	struct noise_remote	 stranger_tn;
	struct session		 s;
	struct keypair		*kp;
	uint8_t			 m[MSGBUF], pkt[64], priv[X25519_LEN];
	uint8_t			 e[X25519_LEN], tai[TAI64N_LEN];
	size_t			 len, n;

	CHECK(cookie_maker_init(&cm, f.tn->local.pub) == 0);
	/* A good initiation: answered, and the session works. */
	CHECK(initiation(&mi, 0x1234) == 0);
	CHECK(cookie_maker_macs(&cm, &mi, sizeof(mi), now_ms()) == 0);
	CONTROL(&mi, sizeof(mi), DROP_NREASONS, 1);
	CHECK_INT(reply(&mr, sizeof(mr)), sizeof(mr));
	CHECK_INT(mr.type, MSG_RESPONSE);
	CHECK_INT(le32_get(mr.receiver), 0x1234);
	CHECK_INT(noise_consume_response(&f.me_tn, &f.me, aead, &mr),
	    NOISE_OK);
	CHECK_INT(noise_derive_keys(&f.me_tn, &s.k), NOISE_OK);
	CHECK((kp = tunnel_keypair(&s)) != NULL && f.a->next == kp);
	n = ip4(pkt, 44, "198.18.1.9", "198.18.0.1");
	len = data(m, &s, NULL, 0, pkt, n);
	DELIVERED(m, len, pkt, n);
	CHECK(f.a->current == kp);

	/* The same again: a replayed timestamp, once past the rate limit. */
	usleep(1000 * (1000 / INITIATIONS_PER_SECOND + 5));
	CONTROL(&mi, sizeof(mi), DROP_TIMESTAMP, 0);
	/* A bad mac1, on an initiation and a response. */
	CHECK(initiation(&mi2, 0x5678) == 0);
	CHECK(cookie_maker_macs(&cm, &mi2, sizeof(mi2), now_ms()) == 0);
	mi2.macs.mac1[3] ^= 4;
	CONTROL(&mi2, sizeof(mi2), DROP_MAC1, 0);
	memset(&mr, 0, sizeof(mr));
	mr.type = MSG_RESPONSE;
	le32_put(mr.receiver, (uint32_t)rnd());
	CONTROL(&mr, sizeof(mr), DROP_MAC1, 0);
	/* A good mac1 on a response to no handshake of ours. */
	CHECK(cookie_maker_macs(&cm, &mr, sizeof(mr), now_ms()) == 0);
	CONTROL(&mr, sizeof(mr), DROP_INDEX, 0);
	/* A cookie reply to no handshake of ours. */
	memset(&mc, 0, sizeof(mc));
	mc.type = MSG_COOKIE;
	le32_put(mc.receiver, (uint32_t)rnd());
	CONTROL(&mc, sizeof(mc), DROP_INDEX, 0);
	/* A good mac1 on an initiation that does not decrypt. */
	CHECK(initiation(&mi2, 0x5678) == 0);
	mi2.static_enc[0] ^= 1;
	CHECK(cookie_maker_macs(&cm, &mi2, sizeof(mi2), now_ms()) == 0);
	CONTROL(&mi2, sizeof(mi2), DROP_HANDSHAKE, 0);
	/* A stranger who knows our public key. */
	CHECK(crypto_x25519_genkey(priv) == 0);
	CHECK(noise_local_init(&stranger, priv) == 0);
	CHECK(noise_remote_init(&stranger_tn, &stranger, f.tn->local.pub,
	    NULL) == 0);
	CHECK(crypto_x25519_genkey(e) == 0);
	tai_next(tai);
	CHECK_INT(noise_create_initiation(&stranger_tn, &stranger, aead, 9, e,
	    tai, &mi2), NOISE_OK);
	CHECK(cookie_maker_init(&cm_stranger, f.tn->local.pub) == 0);
	CHECK(cookie_maker_macs(&cm_stranger, &mi2, sizeof(mi2),
	    now_ms()) == 0);
	cookie_maker_free(&cm_stranger);
	CONTROL(&mi2, sizeof(mi2), DROP_UNKNOWN_PEER, 0);
	cookie_maker_free(&cm);
	/* The session is untouched by all of it. */
	len = data(m, &s, NULL, 1, pkt, n);
	DELIVERED(m, len, pkt, n);
}

static void
test_handshake_through_queue(void)
{
	struct event	*hs_ev = f.tn->hs_ev, *kick_ev = f.tn->kick_ev;

	queue_reset();
	f.tn->hs_ev = f.tn->kick_ev = NULL;
	if (handshake_start(f.tn, f.base) == -1)
		t_fail(__FILE__, __LINE__, "handshake_start");
	else {
		through_queue();
		handshake_stop(f.tn);
	}
	f.tn->hs_ev = hs_ev;
	f.tn->kick_ev = kick_ev;
	queue_reset();
}

/*
 * Random datagrams: any bytes, any bytes under a good header, and data
 * under a live receiver index.  Nothing crashes, nothing is delivered or
 * sent, and every datagram is accounted for by exactly one counter.
 */
static void
test_random(void)
{
	static const size_t	lens[] = { MSG_INITIATION_LEN,
	    MSG_RESPONSE_LEN, MSG_COOKIE_LEN, MSG_DATA_MIN_LEN };
	struct session		 s;
	struct stats		 b, a;
	uint8_t			*buf, pkt[MAXDGRAM];
	uint64_t		 drops, handled;
	size_t			 len, q0, heap = 0;
	int			 i, r;

	CHECK(session_new(&s) == 0);
	queue_reset();
	tunnel_stats(f.tn, &b);
	q0 = f.tn->hsq.count;
	for (i = 0; i < NRANDOM; i++) {
		if (i == 1000)
			heap = heap_in_use();
		len = rnd() % (MAXDGRAM - 47);
		switch (i % 3) {
		case 1:
			/* A good type and reserved bytes, often its length. */
			r = rnd() % 4;
			if (rnd() % 2)
				len = lens[r] + rnd() % 3 - 1;
			if (len < 4)
				len = 4;
			break;
		case 2:
			/* Data to a live index, at least its length. */
			r = MSG_DATA - 1;
			if (len < MSG_DATA_MIN_LEN)
				len = MSG_DATA_MIN_LEN;
			break;
		default:
			r = -1;
		}
		buf = rxbuf(NULL, len);
		rnd_bytes(buf, len);
		if (r >= 0) {
			buf[0] = MSG_INITIATION + r;
			buf[1] = buf[2] = buf[3] = 0;
		}
		if (r == MSG_DATA - 1 && i % 3 == 2) {
			le32_put(buf + 4, s.k.remote_index);
			if (rnd() % 2)
				le64_put(buf + 8, rnd() % 100000);
		}
		receive_datagram(f.x, buf, len, &f.src);
	}
	CHECK_INT(heap_in_use(), heap);
	tunnel_stats(f.tn, &a);
	for (drops = 0, r = 0; r < DROP_NREASONS; r++)
		drops += a.drops[r] - b.drops[r];
	handled = drops + (f.tn->hsq.count - q0) +
	    (a.tun_tx_packets - b.tun_tx_packets);
	CHECK_INT(a.udp_rx_packets - b.udp_rx_packets, NRANDOM);
	CHECK_INT(handled, NRANDOM);
	CHECK_INT(a.tun_tx_packets - b.tun_tx_packets, 0);
	CHECK_INT(a.udp_tx_packets - b.udp_tx_packets, 0);
	CHECK(quiet(f.dev));
	CHECK(quiet(f.udp));
	/* Every class was met, and the session still works. */
	CHECK(a.drops[DROP_SHORT] > b.drops[DROP_SHORT]);
	CHECK(a.drops[DROP_TYPE] > b.drops[DROP_TYPE]);
	CHECK(a.drops[DROP_RESERVED] > b.drops[DROP_RESERVED]);
	CHECK(a.drops[DROP_INDEX] > b.drops[DROP_INDEX]);
	CHECK(a.drops[DROP_AUTH] > b.drops[DROP_AUTH]);
	CHECK(f.tn->hsq.count > q0);
	queue_reset();
	len = data(pkt, &s, NULL, UINT64_C(1) << 32, NULL, 0);
	ABSORBED(pkt, len);
}

static void
hs_wakeup(evutil_socket_t fd, short what, void *arg)
{
	f.wakeups++;
}

static void
kick(evutil_socket_t fd, short what, void *arg)
{
	f.kicks++;
}

static int
udp_local(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		close(s);
		return -1;
	}
	memcpy(&f.src.sin, &sin, sizeof(sin));
	return s;
}

/* A tunnel with peers A (ours, with a preshared key) and B. */
static int
setup(void)
{
	struct conf_errors	errs = { NULL, 0 };
	uint8_t			priv[3][X25519_LEN], pub[3][X25519_LEN];
	uint8_t			psk[NOISE_PSK_LEN];
	char			b64[4][KEY_B64_LEN + 1], text[1024];
	int			i, sv[2];

	for (i = 0; i < 3; i++)
		if (crypto_x25519_genkey(priv[i]) == -1 ||
		    crypto_x25519_pubkey(pub[i], priv[i]) == -1)
			return -1;
	crypto_random(psk, sizeof(psk));
	key_to_base64(b64[0], priv[0]);
	key_to_base64(b64[1], pub[1]);
	key_to_base64(b64[2], psk);
	key_to_base64(b64[3], pub[2]);
	snprintf(text, sizeof(text),
	    "[Interface]\n"
	    "PrivateKey = %s\n"
	    "ListenPort = 51820\n"
	    "Address = 198.18.0.1/24, 2001:db8::1/64\n"
	    "\n"
	    "[Peer]\n"
	    "PublicKey = %s\n"
	    "PresharedKey = %s\n"
	    "AllowedIPs = 198.18.1.0/24, 2001:db8:1::/48\n"
	    "\n"
	    "[Peer]\n"
	    "PublicKey = %s\n"
	    "AllowedIPs = 198.18.2.0/24, 2001:db8:2::/48\n",
	    b64[0], b64[1], b64[2], b64[3]);
	if ((f.conf = conf_parse("t.conf", text, strlen(text),
	    &errs)) == NULL) {
		for (i = 0; i < (int)errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		conf_errors_clear(&errs);
		return -1;
	}
	if ((f.tn = tunnel_new(f.conf)) == NULL ||
	    (f.a = peer_by_key(f.tn, pub[1])) == NULL ||
	    (f.b = peer_by_key(f.tn, pub[2])) == NULL)
		return -1;
	if (noise_local_init(&f.me, priv[1]) == -1 ||
	    noise_remote_init(&f.me_tn, &f.me, pub[0], psk) == -1)
		return -1;
	crypto_wipe(priv, sizeof(priv));
	crypto_wipe(psk, sizeof(psk));
	f.tai = time(NULL);

	/* The device: datagrams keep packets apart, as a tun does. */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		return -1;
	snprintf(f.tun.name, sizeof(f.tun.name), "test0");
	f.tun.fd[0] = sv[0];
	f.tun.nqueues = 1;
	f.dev = sv[1];
	f.tn->tun = &f.tun;
	if (udp_open(f.tn, 0, 1, 0) == -1 || (f.udp = udp_local()) == -1)
		return -1;

	if ((f.base = event_base_new()) == NULL ||
	    (f.hs_ev = event_new(f.base, -1, 0, hs_wakeup, NULL)) == NULL ||
	    (f.kick_ev = event_new(f.base, -1, 0, kick, NULL)) == NULL)
		return -1;
	f.tn->hs_ev = f.hs_ev;
	f.tn->kick_ev = f.kick_ev;
	if ((f.x = thread_ctx_new(f.tn, 0)) == NULL ||
	    (f.rx = malloc(MSGBUF)) == NULL)
		return -1;
	f.tn->worker[0] = f.x;
	f.tn->nworkers = 1;
	return 0;
}

static void
teardown(void)
{
	if (f.tn != NULL) {
		udp_close(f.tn);
		tunnel_free(f.tn);
	}
	thread_ctx_free(f.x);
	free(f.rx);
	if (f.hs_ev != NULL)
		event_free(f.hs_ev);
	if (f.kick_ev != NULL)
		event_free(f.kick_ev);
	if (f.base != NULL)
		event_base_free(f.base);
	if (f.tun.nqueues > 0) {
		close(f.tun.fd[0]);
		close(f.dev);
	}
	if (f.udp > 0)
		close(f.udp);
	conf_free(f.conf);
	crypto_wipe(&f.me, sizeof(f.me));
	crypto_wipe(&f.me_tn, sizeof(f.me_tn));
}

int
main(void)
{
	int	rv;

	if (crypto_init() == -1 || (aead = crypto_aead_new()) == NULL ||
	    setup() == -1) {
		printf("FAIL test_receive: setup\n");
		teardown();
		crypto_aead_free(aead);
		return 1;
	}
	T_RUN(test_empty);
	T_RUN(test_short);
	T_RUN(test_unknown_type);
	T_RUN(test_reserved);
	T_RUN(test_wrong_length);
	T_RUN(test_handshake_queued);
	T_RUN(test_queue_full);
	T_RUN(test_data_unknown_index);
	T_RUN(test_deliver);
	T_RUN(test_keepalive);
	T_RUN(test_replay_duplicate);
	T_RUN(test_replay_too_old);
	T_RUN(test_counter_limit);
	T_RUN(test_auth);
	T_RUN(test_inner_malformed);
	T_RUN(test_source);
	T_RUN(test_expired);
	T_RUN(test_keypair_slots);
	T_RUN(test_handshake_through_queue);
	T_RUN(test_random);
	rv = t_done();
	teardown();
	crypto_aead_free(aead);
	return rv;
}
