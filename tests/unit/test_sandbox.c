/*
 * The sandbox, entered in a child: what the running daemon does still
 * works, the calls an intruder would want fail with EPERM.  Each check is
 * one bit of the child's exit status.
 */
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/ptrace.h>
#include <termios.h>
#endif

#include "log.h"
#include "sandbox.h"
#include "t.h"

#ifdef __linux__
enum {
	GETPID = 1, FIONREAD_OK = 2, TIOCSTI_REFUSED = 4, EXEC_REFUSED = 8,
	PTRACE_REFUSED = 16, SECCOMP_MODE = 32, ENTERED = 64
};

static int
seccomp_mode(void)
{
	char	line[128];
	FILE	*f;
	int	mode = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode;
}

/* In the child: the checks that fail, as bits. */
static int
inside(void)
{
	char	*argv[] = { "sh", "-c", "exit 99", NULL }, c = 'x';
	int	 p[2], n, bad = 0;

	if (pipe(p) == -1 || sandbox_enter() == -1)
		return ENTERED;
	if (getpid() <= 0)
		bad |= GETPID;
	if (ioctl(p[0], FIONREAD, &n) == -1)
		bad |= FIONREAD_OK;
	/* On a pipe ENOTTY without the filter; EPERM with it. */
	if (ioctl(p[0], TIOCSTI, &c) != -1 || errno != EPERM)
		bad |= TIOCSTI_REFUSED;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != -1 || errno != EPERM)
		bad |= PTRACE_REFUSED;
	if (seccomp_mode() != 2)
		bad |= SECCOMP_MODE;
	/* Last: should it work, the child's status is the shell's, 99. */
	execve("/bin/sh", argv, NULL);
	if (errno != EPERM)
		bad |= EXEC_REFUSED;
	return bad;
}

static void
test_filter(void)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0)
		_exit(inside());
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}
#endif

int
main(void)
{
	log_init(1, 0);
#ifdef __linux__
	if (sandbox_filters())
		T_RUN(test_filter);
	else
#endif
		t_skip("test_filter", "no seccomp filter in this build");
	return t_done();
}
