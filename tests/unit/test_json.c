/*
 * json.c: members, commas and indentation of nested objects and arrays;
 * strings escaped (quotes, backslashes, control characters) with valid
 * UTF-8 kept and every invalid byte made U+FFFD; numbers JSON cannot hold
 * written as null.  The expected texts are written out by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "t.h"

static char	*buf;
static size_t	 len;

static struct json
start(void)
{
	struct json	j = { NULL, 0, 0 };

	free(buf);
	buf = NULL;
	if ((j.fp = open_memstream(&buf, &len)) == NULL)
		abort();
	return j;
}

static const char *
done(struct json *j)
{
	fclose(j->fp);
	return buf;
}

static void
test_nesting(void)
{
	struct json	j = start();

	json_open(&j, NULL, '{');
	json_u64(&j, "a", 1);
	json_open(&j, "b", '[');
	json_u64(&j, NULL, 18446744073709551615ULL);
	json_bool(&j, NULL, 0);
	json_open(&j, NULL, '{');
	json_close(&j, '}');
	json_close(&j, ']');
	json_open(&j, "c", '[');
	json_close(&j, ']');
	json_bool(&j, "d", 1);
	json_close(&j, '}');
	CHECK_STR(done(&j), "{\n"
	    "  \"a\": 1,\n"
	    "  \"b\": [\n"
	    "    18446744073709551615,\n"
	    "    false,\n"
	    "    {}\n"
	    "  ],\n"
	    "  \"c\": [],\n"
	    "  \"d\": true\n"
	    "}");
}

static void
test_numbers(void)
{
	struct json	j = start();

	json_open(&j, NULL, '[');
	json_num(&j, NULL, 1.5);
	json_num(&j, NULL, 0.1);
	json_num(&j, NULL, NAN);
	json_num(&j, NULL, INFINITY);
	json_num(&j, NULL, -INFINITY);
	json_close(&j, ']');
	CHECK_STR(done(&j), "[\n  1.5,\n  0.1,\n  null,\n  null,\n  null\n]");
}

/* One string member of an array, as written. */
static const char *
string(const char *s)
{
	struct json	j = start();

	json_open(&j, NULL, '[');
	json_str(&j, NULL, s);
	json_close(&j, ']');
	done(&j);
	/* "[\n  " ... "\n]" */
	buf[strlen(buf) - 2] = '\0';
	return buf + 4;
}

static void
test_escapes(void)
{
	CHECK_STR(string("plain"), "\"plain\"");
	CHECK_STR(string(""), "\"\"");
	CHECK_STR(string(NULL), "null");
	CHECK_STR(string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
	CHECK_STR(string("\n\t\x01\x1f "), "\"\\u000a\\u0009\\u0001\\u001f \"");
	CHECK_STR(string("\x7f"), "\"\x7f\"");
}

static void
test_utf8(void)
{
	/* é, €, U+1F600: kept as they are. */
	CHECK_STR(string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* A stray continuation byte, a byte no UTF-8 has, a cut sequence. */
	CHECK_STR(string("a\x80" "b\xff" "c\xc3"),
	    "\"a\\ufffdb\\ufffdc\\ufffd\"");
	/* Overlong "/", a surrogate, beyond U+10FFFF: byte by byte. */
	CHECK_STR(string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	CHECK_STR(string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(string("\xf4\x90\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void
test_keys_escaped(void)
{
	struct json	j = start();

	json_open(&j, NULL, '{');
	json_str(&j, "k\"\n", "v");
	json_close(&j, '}');
	CHECK_STR(done(&j), "{\n  \"k\\\"\\u000a\": \"v\"\n}");
}

int
main(void)
{
	T_RUN(test_nesting);
	T_RUN(test_numbers);
	T_RUN(test_escapes);
	T_RUN(test_utf8);
	T_RUN(test_keys_escaped);
	free(buf);
	return t_done();
}
