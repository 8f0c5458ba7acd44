#include <stdio.h>
#include <string.h>

#include "prefix.h"
#include "t.h"

/* The prefix s formatted after parsing, or NULL when it does not parse. */
static const char *
roundtrip(const char *s, int mask)
{
	static char	buf[PREFIX_STRLEN];
	struct prefix	p;

	if (prefix_parse(&p, s, NULL) == -1)
		return NULL;
	if (mask)
		prefix_mask(&p);
	return prefix_fmt(&p, buf, sizeof(buf));
}

static void
test_parse_valid(void)
{
	struct prefix	p;
	const char	*why = NULL;

	CHECK_INT(prefix_parse(&p, "10.0.0.1", &why), 0);
	CHECK_INT(p.family, 4);
	CHECK_INT(p.plen, 32);
	CHECK_INT(prefix_addrlen(&p), 4);
	CHECK_MEM(p.addr, "\x0a\x00\x00\x01", 4);

	CHECK_INT(prefix_parse(&p, "2001:db8::1", &why), 0);
	CHECK_INT(p.family, 6);
	CHECK_INT(p.plen, 128);
	CHECK_INT(prefix_addrlen(&p), 16);

	CHECK_STR(roundtrip("10.0.0.0/8", 0), "10.0.0.0/8");
	CHECK_STR(roundtrip("0.0.0.0/0", 0), "0.0.0.0/0");
	CHECK_STR(roundtrip("255.255.255.255/32", 0), "255.255.255.255/32");
	CHECK_STR(roundtrip("::/0", 0), "::/0");
	CHECK_STR(roundtrip("2001:DB8:0:0::1/64", 0), "2001:db8::1/64");
	CHECK_STR(roundtrip("::ffff:192.0.2.1/128", 0), "::ffff:192.0.2.1/128");
	CHECK_STR(roundtrip("fe80::1/10", 0), "fe80::1/10");
	/* An interface address keeps its host part until masked. */
	CHECK_STR(roundtrip("198.18.7.9/15", 0), "198.18.7.9/15");
}

static void
test_parse_invalid(void)
{
	static const struct {
		const char	*in, *why;
	} bad[] = {
		{ "10.0.0.1/33", "prefix length out of range" },
		{ "10.0.0.1/100000000000", "prefix length out of range" },
		{ "2001:db8::/129", "prefix length out of range" },
		{ "10.0.0.1/", "missing prefix length after '/'" },
		{ "10.0.0.1/-1", "prefix length is not a number" },
		{ "10.0.0.1/+8", "prefix length is not a number" },
		{ "10.0.0.1/ 8", "prefix length is not a number" },
		{ "10.0.0.1/8 ", "prefix length is not a number" },
		{ "10.0.0.1/8/8", "prefix length is not a number" },
		{ "10.0.0.1/0x8", "prefix length is not a number" },
		{ "/8", "not an IPv4 or IPv6 address" },
		{ "", "not an IPv4 or IPv6 address" },
		{ "1.2.3", "not an IPv4 or IPv6 address" },
		{ "1.2.3.4.5", "not an IPv4 or IPv6 address" },
		{ "256.0.0.1", "not an IPv4 or IPv6 address" },
		{ "010.0.0.1", "not an IPv4 or IPv6 address" },
		{ "0x0a.0.0.1", "not an IPv4 or IPv6 address" },
		{ " 10.0.0.1", "not an IPv4 or IPv6 address" },
		{ "10.0.0.1 ", "not an IPv4 or IPv6 address" },
		{ "10.0.0.1x", "not an IPv4 or IPv6 address" },
		{ "2001:db8:::1", "not an IPv4 or IPv6 address" },
		{ "2001:db8::g", "not an IPv4 or IPv6 address" },
		{ "[2001:db8::1]", "not an IPv4 or IPv6 address" },
		{ "host.example", "not an IPv4 or IPv6 address" },
		{ "fe80::1%eth0", "scope ids are not allowed" },
		{ "fe80::1%eth0/64", "scope ids are not allowed" },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999",
		    "not an IPv4 or IPv6 address" },
	};
	struct prefix	 p, before;
	const char	*why;
	size_t		 i;

	memset(&before, 0xa5, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = before;
		why = NULL;
		if (prefix_parse(&p, bad[i].in, &why) != -1)
			t_fail(__FILE__, __LINE__, "\"%s\" parsed", bad[i].in);
		else if (why == NULL || strcmp(why, bad[i].why) != 0)
			t_fail(__FILE__, __LINE__, "\"%s\": why \"%s\"",
			    bad[i].in, why ? why : "(null)");
		else if (memcmp(&p, &before, sizeof(p)) != 0)
			t_fail(__FILE__, __LINE__, "\"%s\" changed the prefix",
			    bad[i].in);
	}
	/* why is optional. */
	CHECK_INT(prefix_parse(&p, "1.2.3", NULL), -1);
}

static void
test_mask(void)
{
	CHECK_STR(roundtrip("10.1.2.3/8", 1), "10.0.0.0/8");
	CHECK_STR(roundtrip("10.1.2.3/0", 1), "0.0.0.0/0");
	CHECK_STR(roundtrip("10.1.2.3/32", 1), "10.1.2.3/32");
	CHECK_STR(roundtrip("10.1.2.3/31", 1), "10.1.2.2/31");
	CHECK_STR(roundtrip("192.168.255.255/17", 1), "192.168.128.0/17");
	CHECK_STR(roundtrip("2001:db8:ffff::1/32", 1), "2001:db8::/32");
	CHECK_STR(roundtrip("2001:db8::ffff:ffff:ffff:ffff/65", 1),
	    "2001:db8:0:0:8000::/65");
	CHECK_STR(roundtrip("2001:db8::1/128", 1), "2001:db8::1/128");
	CHECK_STR(roundtrip("ffff::1/0", 1), "::/0");
}

static void
test_fmt(void)
{
	struct prefix	p;
	char		buf[PREFIX_STRLEN], small[6];

	CHECK_INT(prefix_parse(&p,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128", NULL), 0);
	CHECK_STR(prefix_fmt(&p, buf, sizeof(buf)),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128");
	/* A short buffer truncates, never overflows. */
	CHECK_STR(prefix_fmt(&p, small, sizeof(small)), "ffff:");
}

static void
test_equal(void)
{
	struct prefix	a, b;

	CHECK_INT(prefix_parse(&a, "10.0.0.0/8", NULL), 0);
	CHECK_INT(prefix_parse(&b, "10.0.0.0/8", NULL), 0);
	CHECK(prefix_equal(&a, &b));
	CHECK_INT(prefix_parse(&b, "10.0.0.0/9", NULL), 0);
	CHECK(!prefix_equal(&a, &b));
	CHECK_INT(prefix_parse(&b, "10.0.0.1/8", NULL), 0);
	CHECK(!prefix_equal(&a, &b));
	prefix_mask(&b);
	CHECK(prefix_equal(&a, &b));
	/* Same bytes, other family. */
	CHECK_INT(prefix_parse(&a, "0.0.0.0/0", NULL), 0);
	CHECK_INT(prefix_parse(&b, "::/0", NULL), 0);
	CHECK(!prefix_equal(&a, &b));
}

static void
test_contains(void)
{
	struct prefix	p;
	uint8_t		a[16];

	CHECK_INT(prefix_parse(&p, "10.0.0.0/8", NULL), 0);
	t_unhex(a, 4, "0affffff");
	CHECK(prefix_contains(&p, a));
	t_unhex(a, 4, "0b000000");
	CHECK(!prefix_contains(&p, a));
	t_unhex(a, 4, "09ffffff");
	CHECK(!prefix_contains(&p, a));

	CHECK_INT(prefix_parse(&p, "0.0.0.0/0", NULL), 0);
	t_unhex(a, 4, "c0000201");
	CHECK(prefix_contains(&p, a));

	CHECK_INT(prefix_parse(&p, "192.0.2.1", NULL), 0);
	CHECK(prefix_contains(&p, a));
	t_unhex(a, 4, "c0000200");
	CHECK(!prefix_contains(&p, a));

	/* Host bits of the prefix itself do not matter. */
	CHECK_INT(prefix_parse(&p, "198.18.0.1/24", NULL), 0);
	t_unhex(a, 4, "c61200c8");
	CHECK(prefix_contains(&p, a));
	CHECK_INT(prefix_parse(&p, "198.18.0.1/31", NULL), 0);
	t_unhex(a, 4, "c6120000");
	CHECK(prefix_contains(&p, a));
	t_unhex(a, 4, "c6120002");
	CHECK(!prefix_contains(&p, a));

	CHECK_INT(prefix_parse(&p, "2001:db8::/65", NULL), 0);
	t_unhex(a, 16, "20010db8000000007fffffffffffffff");
	CHECK(prefix_contains(&p, a));
	t_unhex(a, 16, "20010db8000000008000000000000000");
	CHECK(!prefix_contains(&p, a));
	CHECK_INT(prefix_parse(&p, "::/0", NULL), 0);
	CHECK(prefix_contains(&p, a));
	CHECK_INT(prefix_parse(&p, "2001:db8::8000:0:0:0/128", NULL), 0);
	CHECK(prefix_contains(&p, a));
}

int
main(void)
{
	T_RUN(test_parse_valid);
	T_RUN(test_parse_invalid);
	T_RUN(test_mask);
	T_RUN(test_fmt);
	T_RUN(test_equal);
	T_RUN(test_contains);
	return t_done();
}
