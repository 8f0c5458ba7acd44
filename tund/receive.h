/*
 * The receiving half: every datagram that arrives on the UDP port.  Data
 * is decrypted on the thread that read it; handshake messages are queued
 * for the control thread.  Nothing is allocated for a datagram before it
 * has been validated, and every one that is refused is counted by reason.
 */
#ifndef TUND_RECEIVE_H
#define TUND_RECEIVE_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel.h"

/*
 * A datagram of len bytes at buf (which may be rewritten) from src.  Its
 * packet may wait, coalesced with the next ones, in the thread's run for
 * the device until receive_flush(); the buffer must last until then.
 */
void	receive_datagram(struct thread_ctx *, uint8_t *buf, size_t len,
	    const union sockaddr_inet *src);
/* Write the packets waiting for the device. */
void	receive_flush(struct thread_ctx *);

#endif
