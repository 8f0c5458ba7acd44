/*
 * The control socket: WireGuard's cross-platform userspace API on a unix
 * socket, so that the stock wg(8) shows and changes a running tund.
 */
#ifndef TUND_CONTROL_H
#define TUND_CONTROL_H

struct event_base;
struct tunnel;
struct control;

#define CONTROL_DIR	"/var/run/wireguard"

/*
 * Listen on CONTROL_DIR/ifname.sock (mode 0600) on the main loop.  Returns
 * NULL, having logged why, on failure.
 */
struct control	*control_open(struct tunnel *, const char *ifname,
		    struct event_base *);
/* Close every client and remove the socket.  NULL is fine. */
void		 control_close(struct control *);

#endif
