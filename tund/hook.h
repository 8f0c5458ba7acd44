/* PreUp, PostUp, PreDown and PostDown commands, run by /bin/sh. */
#ifndef TUND_HOOK_H
#define TUND_HOOK_H

#include "conf.h"

/*
 * Run each command in order with every "%i" replaced by the interface
 * name.  Stops at the first that fails and returns -1; 0 when all succeed.
 */
int	hook_run(const char *what, const struct conf_strings *, const char *ifname);

#endif
