/*
 * tund show: a running tund's own view of itself, as text for people or
 * as JSON for scripts.  Only rendering: control.c gathers the figures into
 * a show_view, and both forms are written from it, so they agree.
 */
#ifndef TUND_SHOW_H
#define TUND_SHOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "key.h"
#include "load.h"
#include "sink.h"
#include "tunnel.h"
#include "uapi.h"

/* The kernel's counters of the interface, named as Linux's sysfs names them. */
enum show_dev {
	SHOW_RX_PACKETS,
	SHOW_RX_BYTES,
	SHOW_RX_ERRORS,
	SHOW_RX_DROPPED,
	SHOW_TX_PACKETS,
	SHOW_TX_BYTES,
	SHOW_TX_ERRORS,
	SHOW_TX_DROPPED,
	SHOW_NDEV
};

/* One thread's counters. */
struct show_thread {
	int		worker;		/* -1: the main thread */
	struct stats	s;
};

struct show_view {
	const char		 *ifname;
	uint8_t			  public_key[KEY_LEN];
	uint16_t		  listen_port;
	uint32_t		  fwmark;	/* 0: none */
	const struct show_thread *thread;
	size_t			  nthreads;
	uint64_t		  dev[SHOW_NDEV];
	unsigned		  dev_read;	/* bit i: dev[i] is known */
	const struct uapi_peer	 *peer;		/* preshared keys unread */
	size_t			  npeers;
	time_t			  now;		/* realtime: handshake ages */
	struct sink_status	  sink;
	const struct load_status *load;		/* NULL: not in load mode */
};

/* "rx_packets", ...: the file under /sys/class/net/IF/statistics. */
const char	*show_dev_name(enum show_dev);
/* The counters of the view's threads, summed. */
void		 show_total(const struct show_view *, struct stats *);
/*
 * Write the view as text or as one JSON object (and a newline).  Returns
 * 0, or -1 when writing failed.
 */
int		 show_text(FILE *, const struct show_view *);
int		 show_json(FILE *, const struct show_view *);

#endif
