/*
 * Hooks: the wg-quick PreUp/PostUp/PreDown/PostDown commands.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"
#include "log.h"

/* The command with "%i" replaced by the interface name; NULL on ENOMEM. */
static char *
expand(const char *cmd, const char *ifname)
{
	const char	*p;
	char		*out, *o;
	size_t		 n = 0, len;

	for (p = cmd; (p = strstr(p, "%i")) != NULL; p += 2)
		n++;
	len = strlen(cmd) + n * strlen(ifname) + 1;
	if ((out = o = malloc(len)) == NULL)
		return NULL;
	for (p = cmd; *p != '\0';) {
		if (p[0] == '%' && p[1] == 'i') {
			o = stpcpy(o, ifname);
			p += 2;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * In the command's process: the signals as a shell run from a terminal
 * would have them, not as the daemon keeps them (SIGPIPE and, in the
 * privileged child, SIGTERM ignored; some blocked during setup).
 */
static void
default_signals(void)
{
	sigset_t	none;
	int		sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* fails harmlessly for KILL, STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
run_shell(const char *cmd)
{
	pid_t	pid;
	int	status;

	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		return -1;
	case 0:
		default_signals();
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			log_warn("waitpid");
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		log_warnx("command exited with status %d: %s",
		    WEXITSTATUS(status), cmd);
	else
		log_warnx("command killed by signal %d: %s",
		    WTERMSIG(status), cmd);
	return -1;
}

int
hook_run(const char *what, const struct conf_strings *cmds, const char *ifname)
{
	char	*cmd;
	size_t	 i;
	int	 rv;

	for (i = 0; i < cmds->n; i++) {
		if ((cmd = expand(cmds->v[i], ifname)) == NULL) {
			log_warn("%s", what);
			return -1;
		}
		log_info("%s: %s", what, cmd);
		rv = run_shell(cmd);
		free(cmd);
		if (rv == -1)
			return -1;
	}
	return 0;
}
