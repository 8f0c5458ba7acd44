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
#include "tun.h"
#include "tunnel.h"
#include "uapi.h"

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
	uint64_t		  dev[TUN_NCOUNTERS];
	unsigned		  dev_read;	/* bit i: dev[i] is known */
	const struct uapi_peer	 *peer;		/* preshared keys unread */
	size_t			  npeers;
	time_t			  now;		/* realtime: handshake ages */
	struct sink_status	  sink;
	const struct load_status *load;		/* NULL: not in load mode */
};

/* The counters of the view's threads, summed. */
void		 show_total(const struct show_view *, struct stats *);
/*
 * Write the view as text or as one JSON object (and a newline).  Returns
 * 0, or -1 when writing failed.
 */
int		 show_text(FILE *, const struct show_view *);
int		 show_json(FILE *, const struct show_view *);

#endif
