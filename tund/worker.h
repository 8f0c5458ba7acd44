/*
 * Worker threads: each owns one event base, one tun queue and one UDP
 * socket, and runs the data path between them; all of them share the
 * encryption and decryption of busy batches (parallel.h).
 */
#ifndef TUND_WORKER_H
#define TUND_WORKER_H

struct tunnel;
struct workers;

/*
 * Start n workers, worker i on device queue i and socket i where those
 * exist; the others help with the cipher.  Returns NULL, having logged
 * why, on failure.
 */
struct workers	*workers_start(struct tunnel *, int n);
/* Stop and join every worker. */
void		 workers_stop(struct workers *);
/*
 * Every worker reads and sends on new sockets (a new listening port):
 * worker i on socks[i], or socks[0] past n.  Returns once all have
 * moved, 0, or -1 after some seconds without, when the old sockets must
 * stay open.
 */
int		 workers_move(struct workers *, const int *socks, int n);

#endif
