/* The "tund genkey" and "tund pubkey" commands. */
#ifndef TUND_GENKEY_H
#define TUND_GENKEY_H

int	genkey_main(void);	/* a new private key on stdout */
int	pubkey_main(void);	/* stdin's private key's public key on stdout */

#endif
