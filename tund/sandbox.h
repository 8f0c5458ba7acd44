/*
 * The last step of startup: restrict the unprivileged process to what it
 * still does.  Linux: no_new_privs and a seccomp filter of the system
 * calls tund uses (sandbox_linux.c); OpenBSD: pledge(2) and unveil(2)
 * (sandbox_openbsd.c); elsewhere nothing more than the dropped user
 * (sandbox_none.c).
 */
#ifndef TUND_SANDBOX_H
#define TUND_SANDBOX_H

/*
 * Enter the sandbox, before any thread starts: every thread inherits it.
 * 0, or -1 logged.
 */
int	sandbox_enter(void);
/* Whether sandbox_enter() filters system calls in this build. */
int	sandbox_filters(void);

#endif
