/*
 * The sending half of the data path: packets from the device, encrypted
 * to their peer into the thread's send queue, which goes out in one
 * sendmmsg (with UDP GSO where the kernel has it) when flushed.
 */
#ifndef TUND_SEND_H
#define TUND_SEND_H

#include <stddef.h>
#include <stdint.h>

struct peer;
struct thread_ctx;

/*
 * What was read from the device, with its offload header: one packet, or a
 * super-packet split into packets of the MTU.  Each is routed, sealed into
 * the send queue and sent when the queue is flushed.
 */
void	send_from_device(struct thread_ctx *, const uint8_t *vnet,
	    uint8_t *pkt, size_t len);
/* Send what the queue holds. */
void	send_flush(struct thread_ctx *);
/*
 * Send what the peer has staged, or a keepalive when nothing is staged
 * and keepalive is set, then flush.  Nothing happens without a session.
 */
void	send_staged(struct thread_ctx *, struct peer *, int keepalive);
/* Ask the control thread for a handshake with the peer. */
void	send_want_handshake(struct peer *);

#endif
