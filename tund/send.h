/*
 * The sending half of the data path: packets from the device, encrypted
 * to their peer; keepalives; packets staged while a handshake ran.
 */
#ifndef TUND_SEND_H
#define TUND_SEND_H

#include <stddef.h>
#include <stdint.h>

struct peer;
struct thread_ctx;

/*
 * A packet pulled from the device, at pkt with PKT_HEADROOM bytes free
 * before it and room for padding and tag after it.
 */
void	send_from_device(struct thread_ctx *, uint8_t *pkt, size_t len);
/*
 * Send what the peer has staged, or a keepalive when nothing is staged
 * and keepalive is set.  Nothing happens without a session.
 */
void	send_staged(struct thread_ctx *, struct peer *, int keepalive);
/* Ask the control thread for a handshake with the peer. */
void	send_want_handshake(struct peer *);

#endif
