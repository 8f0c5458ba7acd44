/*
 * Logging: stderr in the foreground, syslog(3) otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	foreground = 1;
static int	verbose;

void
log_init(int fg, int v)
{
	foreground = fg;
	verbose = v;
	if (!foreground)
		openlog("tund", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* After the descriptors were closed under it (a new process). */
void
log_reopen(void)
{
	if (!foreground) {
		closelog();
		openlog("tund", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void
log_setverbose(int v)
{
	verbose = v;
}

int
log_getverbose(void)
{
	return verbose;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	if (foreground) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
}

/* A message followed by ": strerror(errno)", keeping errno intact. */
static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 saved = errno;

	if (fmt == NULL)
		snprintf(buf, sizeof(buf), "%s", strerror(saved));
	else {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ": %s",
		    strerror(saved));
	}
	if (foreground)
		fprintf(stderr, "%s\n", buf);
	else
		syslog(pri, "%s", buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
