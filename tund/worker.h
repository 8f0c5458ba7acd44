/*
 * Worker threads: each owns one event base, one tun queue and one UDP
 * socket, and runs the data path between them.
 */
#ifndef TUND_WORKER_H
#define TUND_WORKER_H

struct tunnel;
struct workers;

/*
 * Start n workers, worker i on device queue i and socket i.  Returns NULL,
 * having logged why, on failure.
 */
struct workers	*workers_start(struct tunnel *, int n);
/* Stop and join every worker. */
void		 workers_stop(struct workers *);

#endif
