/*
 * A small unit test harness.  Each tests/unit/test_MODULE.c is a program
 * whose main() calls T_RUN() for each test and returns t_done().  Every
 * test prints one line, "PASS name", "FAIL name: file:line: what" or
 * "SKIP name: why", which tests/run.sh counts.
 */
#ifndef TUND_T_H
#define TUND_T_H

#include <stdint.h>
#include <string.h>

extern int	 t_failed;	/* set by a failing CHECK in the current test */

void	t_run(const char *name, void (*fn)(void));
void	t_skip(const char *name, const char *why);
int	t_done(void);
void	t_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Hex string to bytes; returns the number of bytes.  Aborts on bad input. */
size_t	t_unhex(uint8_t *out, size_t max, const char *hex);

#define T_RUN(fn)	t_run(#fn, fn)

/* A failing check ends the current test. */
#define CHECK(c) do {							\
	if (!(c)) { t_fail(__FILE__, __LINE__, "%s", #c); return; }	\
} while (0)
#define CHECK_INT(a, b) do {						\
	long long t_a_ = (long long)(a), t_b_ = (long long)(b);	\
	if (t_a_ != t_b_) {						\
		t_fail(__FILE__, __LINE__, "%s == %lld, expected %lld",	\
		    #a, t_a_, t_b_);					\
		return;							\
	}								\
} while (0)
#define CHECK_STR(a, b) do {						\
	const char *t_a_ = (a), *t_b_ = (b);				\
	if (t_a_ == NULL || strcmp(t_a_, t_b_) != 0) {			\
		t_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"",\
		    #a, t_a_ ? t_a_ : "(null)", t_b_);			\
		return;							\
	}								\
} while (0)
#define CHECK_MEM(a, b, n) do {						\
	if (memcmp((a), (b), (n)) != 0) {				\
		t_fail(__FILE__, __LINE__, "%s differs from %s", #a, #b);\
		return;							\
	}								\
} while (0)

#endif
