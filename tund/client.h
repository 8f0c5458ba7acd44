/*
 * The "tund show" and "tund reload" commands: the client side of tund's
 * own requests on the control socket (control.c, uapi.h).
 */
#ifndef TUND_CLIENT_H
#define TUND_CLIENT_H

/*
 * Each takes main()'s arguments, argv[1] being the command, and returns
 * the exit status.
 */
int	client_show(int argc, char *argv[]);	/* [-j] [ifname] */
int	client_reload(int argc, char *argv[]);	/* [ifname] */

#endif
