/*
 * Privilege separation.  Once the device, the sockets and the interface
 * are set up, tund forks: the parent gives up root and runs the tunnel,
 * the child stays root and does, when the parent asks, the few things only
 * root may: read the configuration file, change the interface's addresses
 * and routes on reload, mark the UDP sockets, and on the way down run the
 * down hooks, undo the interface and remove the files tund made.
 *
 * The child holds no key and sees no traffic.  What it applies to the
 * interface comes from the root-owned file, never from the request, so a
 * compromised parent cannot make it add an address or route of its own.
 */
#ifndef TUND_PRIV_H
#define TUND_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct capture;
struct conf;
struct conf_errors;
struct event_base;
struct netcfg;
struct priv;
struct tunnel;

#define PRIV_MAXFILES	2

/* What the privileged child takes over from the process as set up. */
struct priv_setup {
	struct conf	*conf;		/* its copy: the keys wiped */
	struct tunnel	*tunnel;	/* its copy: the secrets wiped */
	struct netcfg	*netcfg;	/* the parent's copy forgotten: NULL */
	struct capture	*capture;	/* its directory kept; NULL: none */
	const char	*ifname;
	/* Unlinked at the end if still the files there now; NULL: none. */
	const char	*remove[PRIV_MAXFILES];
};

/*
 * Fork the privileged child.  It closes every descriptor but its end of
 * the channel, the log, the netcfg's and the capture directory.  Its end,
 * whenever it comes, is logged from base's loop.  Returns NULL, logged,
 * on failure, with the setup untouched.
 */
struct priv	*priv_start(struct priv_setup *, struct event_base *);
/*
 * Read and check the configuration file.  Returns 0 with the text (*len
 * bytes, for the caller to wipe and free) or -1 with the errors in errs.
 */
int		 priv_read_conf(struct priv *, char **text, size_t *len,
		    struct conf_errors *errs);
/* Move the interface to the file priv_read_conf() read last: 0 or -1. */
int		 priv_apply_conf(struct priv *);
/* n UDP sockets sharing a new port, into fds: 0, or -1 with errno. */
int		 priv_bind(struct priv *, uint16_t port, int n, int *fds);
/* Mark n sockets' packets (SO_MARK): 0, or -1 with errno. */
int		 priv_fwmark(struct priv *, const int *fds, int n, uint32_t mark);
/*
 * The capture's next file, rotated in its directory by the child (a
 * capture_rotate_fn for the struct priv): its descriptor, or -1.
 */
int		 priv_capture_file(void *priv);
/* PreDown, then the interface's addresses and routes taken away. */
void		 priv_down(struct priv *);
/* PostDown, the files removed; the child ends.  NULL is fine. */
void		 priv_stop(struct priv *);

#endif
