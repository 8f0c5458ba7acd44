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
 * A datagram of len bytes at buf (which may be rewritten) from src.  When
 * the thread is batching, a data message waits to be opened with the
 * others, and its packet to be written coalesced with the next ones, until
 * receive_flush(); the buffer must last until then.  Otherwise it is
 * done with at once.
 */
void	receive_datagram(struct thread_ctx *, uint8_t *buf, size_t len,
	    const union sockaddr_inet *src);
/* Open the data messages waiting, deliver them, write to the device. */
void	receive_flush(struct thread_ctx *);

#endif
