/*
 * The OpenBSD sandbox: unveil(2) down to the resolver's files, then
 * pledge(2) down to what the running daemon does: reads and writes on
 * open descriptors, UDP and the control socket, name lookups, and the
 * capture files the privileged child hands over.
 */
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

int
sandbox_enter(void)
{
	if (unveil("/etc/hosts", "r") == -1 ||
	    unveil("/etc/resolv.conf", "r") == -1 ||
	    unveil(NULL, NULL) == -1) {
		log_warn("unveil");
		return -1;
	}
	if (pledge("stdio inet unix dns recvfd", NULL) == -1) {
		log_warn("pledge");
		return -1;
	}
	return 0;
}

int
sandbox_filters(void)
{
	return 1;
}
