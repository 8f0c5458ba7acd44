/*
 * tund.conf on the file system: conf_parse() with the file read around
 * it, the key file's mode checked, and endpoint host names resolved.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"

#define CONF_FILE_MAX	(1024 * 1024)

static ssize_t
read_all(int fd, char *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		if ((n = read(fd, buf + got, len - got)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

struct conf *
conf_read(const char *path, char **text, size_t *textlen,
    struct conf_errors *errs)
{
	struct conf	*c = NULL;
	struct stat	 st;
	char		*buf;
	ssize_t		 len = 0;
	int		 fd, secret;

	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
		conf_error(errs, "%s: out of memory", path);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 ||
	    (len = read_all(fd, buf, CONF_FILE_MAX + 1)) == -1) {
		conf_error(errs, "%s: %s", path, strerror(errno));
		len = 0;
		goto out;
	}
	if (len > CONF_FILE_MAX) {
		conf_error(errs, "%s: larger than %d bytes", path, CONF_FILE_MAX);
		goto out;
	}
	c = conf_parse_secret(path, buf, (size_t)len, errs, &secret);
	if (secret && (st.st_mode & 077) != 0) {
		conf_error(errs, "%s: holds a private key but is readable by "
		    "group or others; run: chmod 600 %s", path, path);
		conf_free(c);
		c = NULL;
	}
	if (c != NULL && text != NULL) {
		*text = buf;
		*textlen = (size_t)len;
		buf = NULL;
	}
 out:
	if (fd != -1)
		close(fd);
	/* The text held the private key. */
	if (buf != NULL)
		crypto_wipe(buf, (size_t)len);
	free(buf);
	return c;
}

struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	struct conf	*c;

	if ((c = conf_read(path, NULL, NULL, errs)) != NULL &&
	    conf_resolve(c, errs) == -1) {
		conf_free(c);
		c = NULL;
	}
	return c;
}

int
conf_resolve_peer(struct conf_peer *pr, const char **why)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	int		 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", pr->endpoint_port);
	if ((e = getaddrinfo(pr->endpoint_host, port, &hints, &res)) != 0) {
		*why = e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e);
		return -1;
	}
	memset(&pr->endpoint, 0, sizeof(pr->endpoint));
	memcpy(&pr->endpoint, res->ai_addr, res->ai_addrlen);
	pr->endpoint_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
conf_resolve(struct conf *c, struct conf_errors *errs)
{
	struct conf_peer	*pr;
	const char		*why;
	size_t			 i;
	int			 rv = 0;

	for (i = 0; i < c->n_peers; i++) {
		pr = &c->peers[i];
		if (pr->endpoint_host == NULL ||
		    conf_resolve_peer(pr, &why) == 0)
			continue;
		conf_error(errs, "%s:%d: cannot resolve %s: %s", c->path,
		    pr->endpoint_line, pr->endpoint_host, why);
		rv = -1;
	}
	return rv;
}
