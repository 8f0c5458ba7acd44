/*
 * Logging in the style of the OpenBSD daemons: to stderr in the foreground
 * (-d), to syslog otherwise.  fatal() and fatalx() are for startup and broken
 * invariants only, never for anything that arrives from the network.
 */
#ifndef TUND_LOG_H
#define TUND_LOG_H

#include <stdarg.h>

void	log_init(int foreground, int verbose);
void	log_reopen(void);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int, const char *, va_list) __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
