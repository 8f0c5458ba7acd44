/*
 * Systems without a sandbox tund knows how to build: the unprivileged
 * user (privdrop.c) is all the protection there is.
 */
#include "log.h"
#include "sandbox.h"

int
sandbox_enter(void)
{
	log_debug("no system call sandbox on this system");
	return 0;
}

int
sandbox_filters(void)
{
	return 0;
}
