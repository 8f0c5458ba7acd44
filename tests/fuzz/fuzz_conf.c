/*
 * libFuzzer target for conf_parse().  Build and run:
 *
 *	clang -g -fsanitize=fuzzer,address,undefined -Itund \
 *	    tests/fuzz/fuzz_conf.c tund/conf.c tund/prefix.c tund/key.c \
 *	    tund/crypto.c -lcrypto -o fuzz_conf
 *	mkdir -p /tmp/corpus_conf
 *	./fuzz_conf -max_total_time=60 -dict=tests/fuzz/conf.dict \
 *	    /tmp/corpus_conf conf
 *
 * Besides not crashing, a parse must keep its contract: a configuration
 * and no errors, or no configuration and at least one error, each naming
 * the file; and what it returns must hold what the parser promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct conf *c)
{
	struct prefix	 masked;
	size_t		 i, j;

	if (!c->has_private_key || c->mtu < CONF_MTU_MIN ||
	    c->mtu > CONF_MTU_MAX || strlen(c->device) >= CONF_DEVICE_MAX)
		abort();
	for (i = 0; i < c->n_peers; i++) {
		for (j = 0; j < c->peers[i].n_allowed_ips; j++) {
			masked = c->peers[i].allowed_ips[j];
			prefix_mask(&masked);
			if (!prefix_equal(&masked, &c->peers[i].allowed_ips[j]))
				abort();
		}
		if (c->peers[i].endpoint_host != NULL &&
		    c->peers[i].endpoint_port == 0)
			abort();
		if (!conf_peer_equal(&c->peers[i], &c->peers[i]))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	size_t			 i;

	c = conf_parse("f", (const char *)data, size, &errs);
	if ((c == NULL) == (errs.n == 0))
		abort();
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.msg[i], "f:", 2) != 0)
			abort();
	if (c != NULL)
		check(c);
	conf_free(c);
	conf_errors_clear(&errs);
	return 0;
}
