/*
 * The control thread's part of the protocol: handshake messages from the
 * queue the workers fill, initiations, and the timer tick that runs every
 * peer's timer rules.  All of it runs on the main event loop.
 */
#ifndef TUND_HANDSHAKE_H
#define TUND_HANDSHAKE_H

struct event_base;
struct tunnel;

#define HANDSHAKE_TICK_MS	100

/* Attach the queue, kick and tick events to the base; 0 or -1. */
int	handshake_start(struct tunnel *, struct event_base *);
void	handshake_stop(struct tunnel *);

#endif
