#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "t.h"

int		 t_failed;
static int	 npassed, nfailed, nskipped;
static const char *current;

void
t_run(const char *name, void (*fn)(void))
{
	current = name;
	t_failed = 0;
	fn();
	if (t_failed)
		nfailed++;
	else {
		npassed++;
		printf("PASS %s\n", name);
	}
	fflush(stdout);
}

void
t_skip(const char *name, const char *why)
{
	nskipped++;
	printf("SKIP %s: %s\n", name, why);
}

void
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	t_failed = 1;
	printf("FAIL %s: %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
t_done(void)
{
	fprintf(stderr, "%d passed, %d failed, %d skipped\n", npassed, nfailed,
	    nskipped);
	return nfailed ? 1 : 0;
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
t_unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t	n = 0;
	int	hi, lo;

	for (; *hex != '\0'; hex += 2) {
		while (*hex == ' ' || *hex == '\n')
			hex++;
		if (*hex == '\0')
			break;
		hi = nibble(hex[0]);
		lo = nibble(hex[1]);
		if (hi < 0 || lo < 0 || n == max) {
			fprintf(stderr, "t_unhex: bad input\n");
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}
