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
struct netcfg;
struct priv;

/*
 * Fork the privileged child.  It takes over *nc (the parent's copy is
 * forgotten, *nc set to NULL) and its copy of c, keys wiped; it keeps
 * the capture's directory (cap may be NULL) and closes every other
 * descriptor but its end of the channel, the log and the netcfg's.  The files in remove[] (NULL-terminated) are unlinked at the
 * end if they are still the ones there now.  Returns NULL, logged, on
 * failure, with *nc untouched.
 */
struct priv	*priv_start(struct conf *c, struct netcfg **nc,
		    struct capture *cap, const char *ifname,
		    const char *const remove[]);
/*
 * Read and check the configuration file.  Returns 0 with the text (*len
 * bytes, for the caller to wipe and free) or -1 with the errors in errs.
 */
int		 priv_read_conf(struct priv *, char **text, size_t *len,
		    struct conf_errors *errs);
/* Move the interface to the file priv_read_conf() read last: 0 or -1. */
int		 priv_apply_conf(struct priv *);
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
