/*
 * libFuzzer target for receive_datagram(), the door of every datagram from
 * the network, against a real tunnel with two peers, a load sink and the
 * control thread's handshake queue.  Build and run (from the top):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Itund tests/fuzz/fuzz_receive.c $(ls tund/[a-z]*.c | grep -v \
 *	    -e _bsd.c -e sandbox_openbsd.c -e sandbox_none.c -e tund/tund.c) \
 *	    $(pkg-config --cflags --libs libevent libevent_pthreads libpcap \
 *	    libcrypto) -lpthread -o /tmp/fuzz/fuzz_receive
 *	mkdir -p /tmp/fuzz/corpus_receive
 *	/tmp/fuzz/fuzz_receive -max_total_time=300 -rss_limit_mb=2048 \
 *	    -max_len=8192 /tmp/fuzz/corpus_receive
 *
 * An input is a flags byte (1: the device takes offloads, so decrypted TCP
 * is coalesced; 2: batch the datagrams as a worker does, one
 * receive_flush() for all) and records: a kind byte, a 16-bit
 * little-endian length and that many bytes.  Each record makes one
 * datagram, laid out back to back in one buffer as UDP GRO hands them over,
 * the kind's low bits saying how:
 *
 *	0	the bytes as they are
 *	1	a data header to the live session's receiver index, then the
 *		bytes (counter, ciphertext and tag): they cannot authenticate
 *	2	the bytes sealed under the session at a fresh counter, so what
 *		follows decryption is reached: 4 sets the IP length and a
 *		source the peer may use, 8 the checksums, 16 reuses the last
 *		counter (a replay)
 *	3	a handshake message of type 1 + (kind >> 2) % 3 and its exact
 *		length; 16 fills in a valid mac1, 32 aims a response or cookie
 *		at a live index
 *
 * What must hold: every datagram is counted once, as a drop, a queued
 * handshake or a packet to the device (or absorbed, for a sealed
 * keepalive or load packet); nothing but a sealed packet whose source the
 * peer owns reaches the device, in order, each at most once, and exactly
 * as sealed once coalesced packets are split again; the device counters
 * say what was written.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "cookie.h"
#include "crypto.h"
#include "handshake.h"
#include "inet.h"
#include "key.h"
#include "offload.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "sink.h"
#include "tun.h"
#include "tunnel.h"
#include "udp.h"
#include "wire.h"

#include "segment.h"

#define MAXREC		64
#define SESSION_MS	60000	/* a fresh session well before it expires */
#define DEVBUF		(TUN_VNET_LEN + 65536)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum kind {
	K_RAW,
	K_DATA,
	K_SEALED,
	K_HANDSHAKE
};

/* One record of the input, and the datagram made of it. */
struct rec {
	uint8_t		 kind;
	const uint8_t	*in;
	size_t		 n;
	uint8_t		*dg;
	size_t		 len;
	int		 fresh;		/* sealed at a new counter */
};

/* A sealed packet the device may get: what the inner IP header says. */
struct expect {
	const uint8_t	*pkt;
	size_t		 len;
};

static struct {
	struct conf		*conf;
	struct tunnel		*tn;
	struct thread_ctx	*x;
	struct event_base	*base;
	struct peer		*a;
	struct tun		 tun;
	struct crypto_aead	*aead;
	struct cookie_maker	 cm;	/* macs as peer A makes them */
	int			 dev;	/* the device's other end */
	int			 udp;	/* where replies go */
	union sockaddr_inet	 src;
	uint32_t		 idx;	/* the session's receiver index */
	uint8_t			 key[AEAD_KEY_LEN];	/* and its key */
	uint64_t		 birth;
	uint64_t		 counter;	/* the next to seal with */
	int			 sealed;	/* counter - 1 was used */
} f;

static int
udp_local(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
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

/* Tunnel with peer A (the sender of it all) and B, as test_receive.c. */
static int
setup(void)
{
	struct conf_errors	errs = { NULL, 0 };
	uint8_t			priv[3][X25519_LEN], pub[3][X25519_LEN];
	char			b64[3][KEY_B64_LEN + 1], text[1024];
	int			i, sv[2];

	if (crypto_init() == -1 || (f.aead = crypto_aead_new()) == NULL)
		return -1;
	for (i = 0; i < 3; i++)
		if (crypto_x25519_genkey(priv[i]) == -1 ||
		    crypto_x25519_pubkey(pub[i], priv[i]) == -1)
			return -1;
	key_to_base64(b64[0], priv[0]);
	key_to_base64(b64[1], pub[1]);
	key_to_base64(b64[2], pub[2]);
	snprintf(text, sizeof(text),
	    "[Interface]\n"
	    "PrivateKey = %s\n"
	    "Address = 198.18.0.1/24, 2001:db8::1/64\n"
	    "[Peer]\n"
	    "PublicKey = %s\n"
	    "AllowedIPs = 198.18.1.0/24, 2001:db8:1::/48\n"
	    "[Peer]\n"
	    "PublicKey = %s\n"
	    "AllowedIPs = 198.18.2.0/24, 2001:db8:2::/48\n",
	    b64[0], b64[1], b64[2]);
	if ((f.conf = conf_parse("f.conf", text, strlen(text), &errs)) ==
	    NULL) {
		for (i = 0; i < (int)errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		return -1;
	}
	if ((f.tn = tunnel_new(f.conf)) == NULL ||
	    (f.a = peer_by_key(f.tn, pub[1])) == NULL ||
	    (f.tn->sink = sink_new(NULL)) == NULL ||
	    cookie_maker_init(&f.cm, f.tn->local.pub) == -1)
		return -1;

	/* The device: datagrams keep packets apart, as a tun does. */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		return -1;
	snprintf(f.tun.name, sizeof(f.tun.name), "fuzz0");
	f.tun.fd[0] = sv[0];
	f.tun.nqueues = 1;
	f.dev = sv[1];
	f.tn->tun = &f.tun;
	if (udp_open(f.tn, 0, 1, 0) == -1 || (f.udp = udp_local()) == -1)
		return -1;

	if ((f.base = event_base_new()) == NULL ||
	    (f.x = thread_ctx_new(f.tn, 0)) == NULL)
		return -1;
	f.tn->worker[0] = f.x;
	f.tn->nworkers = 1;
	return handshake_start(f.tn, f.base);
}

/*
 * A session with peer A, as the control thread installs one after it
 * answered A's initiation (the handshake itself is not what is fuzzed
 * here); made anew before it could expire or once the timers took it
 * away.
 */
static void
session(void)
{
	struct noise_keys	 k;
	struct keypair		*kp;
	uint64_t		 now = now_ms();
	int			 rv;

	if ((kp = keypair_lookup(f.tn, f.idx)) != NULL) {
		keypair_release(kp);
		if (now - f.birth < SESSION_MS)
			return;
	}
	memset(&k, 0, sizeof(k));
	crypto_random(k.send, sizeof(k.send));
	crypto_random(k.recv, sizeof(k.recv));
	crypto_random(&k.remote_index, sizeof(k.remote_index));
	pthread_mutex_lock(&f.a->lock);
	index_del(&f.tn->indices, &f.a->hs_entry);
	f.idx = index_add(&f.tn->indices, &f.a->hs_entry, INDEX_HANDSHAKE);
	rv = peer_install_keys(f.a, &k, now);
	/* The initiation's source, as consume_initiation() has it. */
	peer_set_endpoint(f.a, &f.src);
	pthread_mutex_unlock(&f.a->lock);
	if (rv == -1)
		abort();
	memcpy(f.key, k.recv, sizeof(f.key));
	crypto_wipe(&k, sizeof(k));
	f.birth = now;
	f.counter = 0;
	f.sealed = 0;
}

/* The length of the IP packet at the start of len bytes, or 0. */
static size_t
ip_length(const uint8_t *p, size_t len)
{
	size_t	n;

	if (len >= 20 && p[0] >> 4 == 4) {
		n = (size_t)p[2] << 8 | p[3];
		return n >= 20 && n <= len ? n : 0;
	}
	if (len >= 40 && p[0] >> 4 == 6) {
		n = 40 + ((size_t)p[4] << 8 | p[5]);
		return n <= len ? n : 0;
	}
	return 0;
}

/* Whether the source is peer A's: 198.18.1.0/24 or 2001:db8:1::/48. */
static int
from_a(const uint8_t *p)
{
	static const uint8_t	v4[3] = { 198, 18, 1 };
	static const uint8_t	v6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };

	return p[0] >> 4 == 4 ? memcmp(p + 12, v4, 3) == 0 :
	    memcmp(p + 8, v6, 6) == 0;
}

/*
 * Make the plaintext look like a packet of peer A's, so the fuzzer need
 * not find lengths and addresses by chance: the IP length, a source in A's
 * prefixes and, with sums, the IPv4 header and TCP or UDP checksums.
 */
static void
fix(uint8_t *p, size_t len, int sums)
{
	size_t	hl, l4, field;

	if (len >= 20 && len <= 65535 && p[0] >> 4 == 4) {
		inet_put16(p + 2, (uint32_t)len);
		p[12] = 198;
		p[13] = 18;
		p[14] = 1;
		hl = (size_t)(p[0] & 0xf) * 4;
		if (!sums || hl < 20 || hl > len)
			return;
		inet_put16(p + 10, 0);
		inet_put16(p + 10, inet_cksum(inet_sum(0, p, hl)));
		l4 = hl;
	} else if (len >= 40 && len - 40 <= 65535 && p[0] >> 4 == 6) {
		inet_put16(p + 4, (uint32_t)(len - 40));
		memcpy(p + 8, "\x20\x01\x0d\xb8\x00\x01", 6);
		if (!sums)
			return;
		l4 = 40;
	} else
		return;
	switch (p[p[0] >> 4 == 4 ? 9 : 6]) {
	case IPPROTO_TCP:
		field = 16;
		break;
	case IPPROTO_UDP:
		field = 6;
		break;
	default:
		return;
	}
	if (l4 + field + 2 > len)
		return;
	inet_put16(p + l4 + field, 0);
	inet_put16(p + l4 + field, inet_cksum(inet_sum(inet_pseudo(p,
	    p[p[0] >> 4 == 4 ? 9 : 6], len - l4), p + l4, len - l4)));
}

static size_t
handshake_len(uint8_t kind)
{
	static const size_t	lens[] = { MSG_INITIATION_LEN,
	    MSG_RESPONSE_LEN, MSG_COOKIE_LEN };

	return lens[(kind >> 2) % 3];
}

/* A handshake message, of its exact length, in dg. */
static void
handshake(uint8_t *dg, uint8_t kind, const uint8_t *in, size_t n)
{
	uint8_t		type = MSG_INITIATION + (kind >> 2) % 3;
	size_t		len = handshake_len(kind);
	uint32_t	live;

	memset(dg, 0, len);
	memcpy(dg + 4, in, n < len - 4 ? n : len - 4);
	dg[0] = type;
	if (kind & 32) {
		/* Whose handshake is in progress, else the session's. */
		live = f.a->hs_entry.linked ? f.a->hs_entry.id : f.idx;
		le32_put(dg + (type == MSG_RESPONSE ? 8 : 4), live);
	}
	if ((kind & 16) && type != MSG_COOKIE &&
	    cookie_maker_macs(&f.cm, dg, len, now_ms()) == -1)
		abort();
}

/* Whether a and b agree but where splitting again may change them. */
static int
same(const uint8_t *a, const uint8_t *b, size_t len, int split)
{
	return split ? segment_same(a, b, len) : memcmp(a, b, len) == 0;
}

/*
 * A packet the device got: the next sealed one it can be, in order.  A
 * segment of a super-packet must carry valid checksums of its own.
 */
static void
match(const uint8_t *pkt, size_t len, int split, const struct expect *e,
    size_t ne, size_t *next)
{
	size_t	l4;

	if (split) {
		l4 = pkt[0] >> 4 == 4 ? 20 : 40;
		if ((pkt[0] >> 4 == 4 && inet_fold(inet_sum(0, pkt, 20)) !=
		    0xffff) || inet_fold(inet_sum(inet_pseudo(pkt, IPPROTO_TCP,
		    len - l4), pkt + l4, len - l4)) != 0xffff)
			abort();
	}
	for (; *next < ne; (*next)++)
		if (e[*next].len == len && same(e[*next].pkt, pkt, len,
		    split)) {
			/* Delivered: its source must be the peer's. */
			if (!from_a(e[(*next)++].pkt))
				abort();
			return;
		}
	abort();	/* not sealed, out of order, or twice */
}

/* Read what the device got; it must be what the counters say. */
static void
device(const struct expect *e, size_t ne, uint64_t packets, uint64_t bytes)
{
	static uint8_t		buf[DEVBUF], seg[OFFLOAD_MAXLEN];
	static const uint8_t	none[TUN_VNET_LEN];
	struct offload_split	s;
	size_t			next = 0, len, n;
	ssize_t			r;

	while ((r = recv(f.dev, buf, sizeof(buf), MSG_DONTWAIT)) != -1) {
		if (r < TUN_VNET_LEN || r == sizeof(buf))
			abort();
		len = (size_t)r - TUN_VNET_LEN;
		if (memcmp(buf, none, TUN_VNET_LEN) == 0) {
			match(buf + TUN_VNET_LEN, len, 0, e, ne, &next);
			packets--;
			bytes -= len;
			continue;
		}
		/* A super-packet, coalesced: split, it gives back the run. */
		if (!f.tun.offload || offload_split_init(&s, buf,
		    buf + TUN_VNET_LEN, len, sizeof(seg)) < 2)
			abort();
		while ((n = offload_split_next(&s, seg)) > 0) {
			match(seg, n, 1, e, ne, &next);
			packets--;
			bytes -= n;
		}
	}
	if (errno != EAGAIN || packets != 0 || bytes != 0)
		abort();
}

/* Replies, keepalives, initiations the tunnel sent: not looked at. */
static void
drain(int fd)
{
	uint8_t	b[2048];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) != -1)
		;
}

/* Seal the plaintext of record r at the next counter, or the last. */
static void
seal(struct rec *r, uint8_t *plain, struct expect *e, size_t *ne)
{
	uint64_t	c;

	memcpy(plain, r->in, r->n);
	if (r->kind & 4)
		fix(plain, r->n, r->kind & 8);
	memset(r->dg, 0, MSG_DATA_HDR_LEN);
	r->dg[0] = MSG_DATA;
	le32_put(r->dg + 4, f.idx);
	if ((r->kind & 16) && f.sealed)
		c = f.counter - 1;	/* a replay: never delivered */
	else {
		c = f.counter++;
		f.sealed = r->fresh = 1;
		e[*ne].pkt = plain;
		if ((e[*ne].len = ip_length(plain, r->n)) > 0)
			(*ne)++;
	}
	le64_put(r->dg + 8, c);
	crypto_aead_seal(f.aead, r->dg + MSG_DATA_HDR_LEN, f.key, c, NULL, 0,
	    plain, r->n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	struct rec	 rec[MAXREC];
	struct expect	 e[MAXREC];
	struct stats	 b, a;
	struct rec	*r;
	uint8_t		*buf, *plain, *p;
	size_t		 total = 0, ne = 0, nrec, nsealed = 0, q0, n, i;
	uint64_t	 counted;
	int		 d;

	if (!ready) {
		if (setup() == -1) {
			fprintf(stderr, "fuzz_receive: setup failed\n");
			abort();
		}
		ready = 1;
	}
	if (size < 1)
		return 0;
	session();
	f.tun.offload = data[0] & 1;
	f.x->batching = (data[0] & 2) != 0;
	data++;
	size--;

	for (nrec = 0; size >= 3 && nrec < MAXREC; nrec++) {
		r = &rec[nrec];
		r->kind = data[0];
		n = data[1] | (size_t)data[2] << 8;
		data += 3;
		size -= 3;
		r->n = n < size ? n : size;
		r->in = data;
		r->fresh = 0;
		data += r->n;
		size -= r->n;
		switch (r->kind & 3) {
		case K_RAW:
			r->len = r->n;
			break;
		case K_DATA:
			r->len = 8 + r->n;
			break;
		case K_SEALED:
			r->len = MSG_DATA_MIN_LEN + r->n;
			break;
		default:
			r->len = handshake_len(r->kind);
			break;
		}
		total += r->len;
	}
	/*
	 * Back to back, the last flush with the end of the allocation, so
	 * a read past it is caught; coalesced packets may grow up to there,
	 * as in a worker's slot.  The plaintexts are kept aside, as the
	 * datagrams are opened in place.
	 */
	if ((buf = malloc(total ? total : 1)) == NULL ||
	    (plain = malloc(total ? total : 1)) == NULL)
		abort();
	for (i = 0, p = buf; i < nrec; p += rec[i++].len) {
		r = &rec[i];
		r->dg = p;
		switch (r->kind & 3) {
		case K_RAW:
			memcpy(p, r->in, r->n);
			break;
		case K_DATA:
			memset(p, 0, 4);
			p[0] = MSG_DATA;
			le32_put(p + 4, f.idx);
			memcpy(p + 8, r->in, r->n);
			break;
		case K_SEALED:
			seal(r, plain + (p - buf), e, &ne);
			nsealed += r->fresh;
			break;
		default:
			handshake(p, r->kind, r->in, r->n);
			break;
		}
	}

	thread_stats(f.x, &b);
	q0 = f.tn->hsq.count;
	f.x->rx_end = buf + total;
	for (i = 0; i < nrec; i++)
		receive_datagram(f.x, rec[i].dg, rec[i].len, &f.src);
	if (f.x->batching)
		receive_flush(f.x);
	thread_stats(f.x, &a);

	/*
	 * Each datagram counted once: a drop, a queued handshake, a packet
	 * to the device; only fresh sealed ones may go uncounted (keepalives
	 * and load packets).  Drops on the way out (a load answer) aside.
	 */
	counted = f.tn->hsq.count - q0 + a.tun_tx_packets - b.tun_tx_packets;
	for (d = DROP_SHORT; d < DROP_NREASONS; d++)
		counted += a.drops[d] - b.drops[d];
	if (a.udp_rx_packets - b.udp_rx_packets != nrec ||
	    a.udp_rx_bytes - b.udp_rx_bytes != total ||
	    counted > nrec || counted < nrec - nsealed ||
	    a.tun_tx_packets - b.tun_tx_packets > nsealed)
		abort();
	device(e, ne, a.tun_tx_packets - b.tun_tx_packets,
	    a.tun_tx_bytes - b.tun_tx_bytes);

	/* Load answers out; the control thread takes the handshakes. */
	send_flush(f.x);
	for (i = 0; i < 100 && f.tn->hsq.count > 0; i++)
		event_base_loop(f.base, EVLOOP_NONBLOCK);
	if (f.tn->hsq.count > 0)
		abort();
	drain(f.udp);
	drain(f.dev);
	free(buf);
	free(plain);
	return 0;
}
