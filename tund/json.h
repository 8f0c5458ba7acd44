/*
 * A JSON writer on a stdio stream, one member a line, indented: the load
 * report and tund show write their JSON through it.  Strings are escaped
 * (bytes that are not UTF-8 become U+FFFD) and numbers JSON cannot hold
 * (NaN, infinity) are written as null, so the output always parses.
 * Errors are the stream's: check ferror() or fflush() at the end.
 */
#ifndef TUND_JSON_H
#define TUND_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Zeroed but for fp, it is ready: { fp, 0, 0 }. */
struct json {
	FILE	*fp;
	int	 depth;
	int	 more;	/* what is being written has a member: a comma next */
};

/*
 * Each member is named by key in an object; key is NULL in an array and
 * for the value at the top.
 */
/* Open an object ('{') or an array ('['); close it with the other brace. */
void	json_open(struct json *, const char *key, int c);
void	json_close(struct json *, int c);
void	json_u64(struct json *, const char *key, uint64_t);
void	json_num(struct json *, const char *key, double);
void	json_bool(struct json *, const char *key, int);
/* A string, or null for NULL. */
void	json_str(struct json *, const char *key, const char *);

#endif
