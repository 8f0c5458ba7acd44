/*
 * The JSON writer.  See json.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"

/* The length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	uint32_t	cp;
	size_t		n, i;

	if (*p >= 0xc2 && *p <= 0xdf) {
		n = 2;
		cp = *p & 0x1f;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 3;
		cp = *p & 0x0f;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4;
		cp = *p & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* the NUL ends it here too */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 (a file name's) become U+FFFD. */
static void
json_string(FILE *fp, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	fputc('"', fp);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p++);
		else if (*p < 0x20)
			fprintf(fp, "\\u%04x", *p++);
		else if (*p < 0x80)
			fputc(*p++, fp);
		else if ((n = utf8_len(p)) > 0) {
			fwrite(p, 1, n, fp);
			p += n;
		} else {
			fputs("\\ufffd", fp);
			p++;
		}
	}
	fputc('"', fp);
}

/* Start a member: a key in an object, NULL in an array. */
static void
member(struct json *j, const char *key)
{
	if (j->depth > 0)
		fprintf(j->fp, "%s\n%*s", j->more ? "," : "", 2 * j->depth,
		    "");
	j->more = 1;
	if (key != NULL) {
		json_string(j->fp, key);
		fputs(": ", j->fp);
	}
}

void
json_open(struct json *j, const char *key, int c)
{
	member(j, key);
	fputc(c, j->fp);
	j->depth++;
	j->more = 0;
}

void
json_close(struct json *j, int c)
{
	j->depth--;
	if (j->more)
		fprintf(j->fp, "\n%*s", 2 * j->depth, "");
	fputc(c, j->fp);
	j->more = 1;
}

void
json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->fp, "%" PRIu64, v);
}

/* A number, or null: JSON has no NaN nor infinity. */
void
json_num(struct json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->fp, "%.15g", v);
	else
		fputs("null", j->fp);
}

void
json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->fp);
}

/* A string, or null. */
void
json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s != NULL)
		json_string(j->fp, s);
	else
		fputs("null", j->fp);
}

