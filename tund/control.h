/*
 * The control socket: WireGuard's cross-platform userspace API on a unix
 * socket, so that the stock wg(8) shows and changes a running tund.
 */
#ifndef TUND_CONTROL_H
#define TUND_CONTROL_H

#include <sys/types.h>

#include <stdint.h>

struct conf_errors;
struct event_base;
struct load;
struct tunnel;
struct control;

#define CONTROL_DIR	"/var/run/wireguard"

/*
 * Reload the configuration file as SIGHUP does: 0, or -1 with every error
 * ("file:line: message") in errs, which the caller clears.
 */
typedef int	(*control_reload_cb)(void *arg, struct conf_errors *errs);

struct control_opts {
	const char		*path;	/* NULL: CONTROL_DIR/ifname.sock */
	gid_t			 group;	/* mode 0660 for it; -1: 0600 */
	/*
	 * Where the daemon keeps its load mode state (NULL until it starts,
	 * or for good outside load mode; may be NULL itself).
	 */
	struct load *const	*load;
	control_reload_cb	 reload;	/* for tund-reload */
	/* For wg set listen-port: 0, or -1 with errno. */
	int			(*set_port)(void *arg, uint16_t port);
	void			*arg;		/* of both */
};

/*
 * Listen on the socket on the main loop; tund-reload calls
 * reload(reload_arg, ...) there.  Returns NULL, having logged why, on
 * failure.
 */
struct control	*control_open(struct tunnel *, const char *ifname,
		    struct event_base *, const struct control_opts *);
/* The group of that name's id: 0, or -1 if there is none. */
int		 control_group(const char *name, gid_t *);
/* The socket's path. */
const char	*control_path(const struct control *);
/* Leave the socket file to another process to remove (privsep). */
void		 control_disown(struct control *);
/* Close every client and remove the socket.  NULL is fine. */
void		 control_close(struct control *);

#endif
