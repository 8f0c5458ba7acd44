/*
 * Endpoint host names, looked up again while a peer does not answer.
 *
 * A peer configured with "Endpoint = host:port" keeps the name.  When its
 * handshakes have gone unanswered for a while (resolve_due()), a resolver
 * thread looks the name up again with getaddrinfo(3); the control thread
 * takes the answer on its tick and, if the address changed, sends to the
 * new one.  The lookup runs on no event loop, so a slow or dead DNS server
 * delays nothing but the lookup.
 */
#ifndef TUND_RESOLVE_H
#define TUND_RESOLVE_H

#include <stdint.h>

#include "wire.h"

struct tunnel;

/*
 * Three initiations unanswered (REKEY_TIMEOUT apart) before the first
 * lookup; then at most one every RESOLVE_INTERVAL_MS, the period of
 * wireguard-tools' reresolve-dns.sh, while initiations still go out.
 */
#define RESOLVE_AFTER_MS	(3 * REKEY_TIMEOUT * 1000)
#define RESOLVE_INTERVAL_MS	30000

/* A peer's Endpoint name; the control thread's. */
struct resolve_name {
	char		*host;		/* NULL: none, or an address */
	uint16_t	 port;
	uint64_t	 asked;		/* last looked up, now_ms() */
	int		 pending;	/* a lookup is on its way */
};

/*
 * Keep host and port to look up again; an address or NULL keeps nothing.
 * The same name and port as before change nothing; another counts as
 * looked up at now (the configuration just resolved it).
 */
void	resolve_name_set(struct resolve_name *, const char *host,
	    uint16_t port, uint64_t now);

/*
 * Whether to look a name up again at now (ms): handshakes have gone
 * unanswered since `unanswered` (0: they have not) for RESOLVE_AFTER_MS,
 * an initiation went out at `initiated` less than RESOLVE_INTERVAL_MS ago,
 * and the name was last looked up at `asked`, at least that long ago.
 */
int	resolve_due(uint64_t unanswered, uint64_t initiated, uint64_t asked,
	    uint64_t now);

/* Start and stop the resolver thread (tn->resolver); 0 or -1 (logged). */
int	resolve_start(struct tunnel *);
void	resolve_stop(struct tunnel *);
/* On the control thread's tick: apply the answers, ask what is due. */
void	resolve_tick(struct tunnel *, uint64_t now);

#endif
