/*
 * tund show and tund reload, the client side.
 *
 * One request a connection, as the daemon serves them: connect to
 * CONTROL_DIR/ifname.sock, send the request, read to the end.  A tund's
 * reply ends with "errno=N" and an empty line; anything else (a closed
 * connection, as wireguard-go answers a request it does not know) is
 * not a tund.  Every read and write gives up after CLIENT_TIMEOUT
 * seconds, so a daemon that does not answer cannot hang the command.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "control.h"

#define CLIENT_TIMEOUT	10			/* seconds */
#define REPLY_MAX	(64 * 1024 * 1024)	/* bytes */
#define SUFFIX		".sock"

#define REQ_TEXT	"tund-show=text\n\n"
#define REQ_JSON	"tund-show=json\n\n"
#define REQ_RELOAD	"tund-reload=1\n\n"

struct reply {
	char	*buf;		/* all of it, NUL terminated */
	size_t	 len;
	size_t	 body;		/* bytes before the errno line */
	int	 error;		/* of the errno line, positive */
};

/* The socket of an interface, or the path given (ControlSocket). */
static int
socket_path(char *buf, size_t len, const char *ifname)
{
	int	n;

	n = strchr(ifname, '/') != NULL ? snprintf(buf, len, "%s", ifname) :
	    snprintf(buf, len, "%s/%s%s", CONTROL_DIR, ifname, SUFFIX);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
connect_to(const char *ifname)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { CLIENT_TIMEOUT, 0 };
	int			fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (socket_path(sun.sun_path, sizeof(sun.sun_path), ifname) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* The timeouts bound connect(2) on a full backlog too. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		/* A socket closed on us is an answer, not a signal. */
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, struct reply *r)
{
	size_t	 cap = 0;
	ssize_t	 n;
	char	*b;

	for (;;) {
		if (r->len + 1 >= cap) {
			if (cap >= REPLY_MAX) {
				errno = EMSGSIZE;
				return -1;
			}
			cap = cap == 0 ? 16384 : cap * 2;
			if ((b = realloc(r->buf, cap)) == NULL)
				return -1;
			r->buf = b;
		}
		if ((n = read(fd, r->buf + r->len, cap - r->len - 1)) == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		r->len += (size_t)n;
	}
	r->buf[r->len] = '\0';
	return 0;
}

/* Find the closing "errno=N\n\n"; -1 when the reply has none. */
static int
parse_end(struct reply *r)
{
	const char	*line;
	char		*end;
	long		 e;
	size_t		 i;

	if (r->len < 3 || strlen(r->buf) != r->len ||
	    strcmp(r->buf + r->len - 2, "\n\n") != 0)
		return -1;
	for (i = r->len - 2; i > 0 && r->buf[i - 1] != '\n'; i--)
		;
	line = r->buf + i;
	if (strncmp(line, "errno=", 6) != 0)
		return -1;
	e = strtol(line + 6, &end, 10);
	if (end == line + 6 || end != r->buf + r->len - 2 || e > 0 ||
	    e < -4096)
		return -1;
	r->body = i;
	r->error = (int)-e;
	return 0;
}

/*
 * Send req to ifname's daemon and read its reply.  Returns 0 with a
 * tund's reply in r (which the caller frees), or -1 with errno:
 * EPROTO when whatever answered is not a tund.
 */
static int
request(const char *ifname, const char *req, struct reply *r)
{
	int	fd, rv, e;

	memset(r, 0, sizeof(*r));
	if ((fd = connect_to(ifname)) == -1)
		return -1;
	rv = send_all(fd, req, strlen(req)) == -1 ||
	    read_all(fd, r) == -1 ? -1 : 0;
	e = errno;
	close(fd);
	/* Closed without a tund's answer, or with something else. */
	if ((rv == -1 && (e == EPIPE || e == ECONNRESET)) ||
	    (rv == 0 && parse_end(r) == -1)) {
		e = EPROTO;
		rv = -1;
	}
	if (rv == -1) {
		free(r->buf);
		r->buf = NULL;
		/* A socket timeout reads as EAGAIN. */
		errno = e == EAGAIN || e == EWOULDBLOCK ? ETIMEDOUT : e;
	}
	return rv;
}

/* What went wrong with ifname, after request(). */
static void
complain(const char *ifname, int e)
{
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (socket_path(path, sizeof(path), ifname) == -1)
		e = ENAMETOOLONG;
	switch (e) {
	case ENOENT:
		warnx("%s: no such interface: no %s", ifname, path);
		break;
	case ECONNREFUSED:
		warnx("%s: no daemon answers on %s", ifname, path);
		break;
	case ETIMEDOUT:
		warnx("%s: the daemon did not answer within %d seconds",
		    ifname, CLIENT_TIMEOUT);
		break;
	case EPROTO:
		warnx("%s: not a tund: no answer to tund's request", ifname);
		break;
	default:
		warnx("%s: %s", ifname, strerror(e));
	}
}

/* Whether request() failed because the socket is not a live tund's. */
static int
not_tund(int rv, int e, const struct reply *r)
{
	return rv == -1 ? e == EPROTO || e == ECONNREFUSED : r->error != 0;
}

static int
is_socket_name(const struct dirent *d)
{
	size_t	len = strlen(d->d_name);

	return len > strlen(SUFFIX) &&
	    strcmp(d->d_name + len - strlen(SUFFIX), SUFFIX) == 0;
}

/*
 * The interfaces with a socket in CONTROL_DIR, sorted, their names cut
 * out in place; n of them.  NULL with n 0 when there are none; NULL with
 * a message and n -1 on failure.
 */
static struct dirent **
interfaces(int *n)
{
	struct dirent	**d;
	int		  i;

	if ((*n = scandir(CONTROL_DIR, &d, is_socket_name, alphasort)) ==
	    -1) {
		if (errno != ENOENT)
			warn("%s", CONTROL_DIR);
		else
			*n = 0;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		d[i]->d_name[strlen(d[i]->d_name) - strlen(SUFFIX)] = '\0';
	return d;
}

static void
interfaces_free(struct dirent **d, int n)
{
	while (n-- > 0)
		free(d[n]);
	free(d);
}

static int
show_usage(void)
{
	fprintf(stderr, "usage: tund show [-j] [ifname]\n");
	return 1;
}

/* The body of one view: as it came, or as a member of a JSON array. */
static void
print_view(const struct reply *r, int json, int nth)
{
	size_t	len = r->body;

	if (json && len > 0 && r->buf[len - 1] == '\n')
		len--;
	if (nth > 0)
		fputs(json ? ",\n" : "\n", stdout);
	fwrite(r->buf, 1, len, stdout);
}

/* Every interface whose socket answers as a tund's, the others skipped. */
static int
show_all(int json)
{
	struct dirent	**d;
	struct reply	  r;
	int		  i, n, rv, e, shown = 0, status = 0;

	if ((d = interfaces(&n)) == NULL && n == -1)
		return 1;
	if (json)
		fputs("[\n", stdout);
	for (i = 0; i < n; i++) {
		rv = request(d[i]->d_name, json ? REQ_JSON : REQ_TEXT, &r);
		e = errno;
		if (rv == 0 && r.error == 0)
			print_view(&r, json, shown++);
		else if (!not_tund(rv, e, &r)) {
			complain(d[i]->d_name, e);
			status = 1;
		}
		free(r.buf);
	}
	if (json)
		fputs(shown > 0 ? "\n]\n" : "]\n", stdout);
	interfaces_free(d, n);
	return status;
}

static int
show_one(const char *ifname, int json)
{
	struct reply	r;
	int		rv = 1;

	if (request(ifname, json ? REQ_JSON : REQ_TEXT, &r) == -1) {
		complain(ifname, errno);
		return 1;
	}
	if (r.error != 0)
		warnx("%s: request refused: %s", ifname, strerror(r.error));
	else {
		fwrite(r.buf, 1, r.body, stdout);
		rv = 0;
	}
	free(r.buf);
	return rv;
}

int
client_show(int argc, char *argv[])
{
	int	ch, json = 0, rv;

	optind = 2;	/* past the command */
	while ((ch = getopt(argc, argv, "j")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		default:
			return show_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		return show_usage();
	rv = argc == 0 ? show_all(json) : show_one(argv[0], json);
	if (fflush(stdout) == EOF) {
		warn("stdout");
		rv = 1;
	}
	return rv;
}

/* The messages of a reload reply: an "error=" line each. */
static void
print_errors(const struct reply *r)
{
	const char	*line, *nl;

	for (line = r->buf; line < r->buf + r->body; line = nl + 1) {
		nl = strchr(line, '\n');
		if (strncmp(line, "error=", 6) == 0)
			fprintf(stderr, "%.*s\n", (int)(nl - line - 6),
			    line + 6);
	}
}

static int
reload(const char *ifname)
{
	struct reply	r;
	int		rv = 1;

	if (request(ifname, REQ_RELOAD, &r) == -1) {
		complain(ifname, errno);
		return 1;
	}
	print_errors(&r);
	if (r.error == 0)
		rv = 0;
	else if (r.body == 0)	/* no messages: the errno says why */
		warnx("%s: reload failed: %s", ifname, strerror(r.error));
	else
		warnx("%s: reload failed; the running configuration is kept",
		    ifname);
	free(r.buf);
	return rv;
}

/*
 * Reload the one interface run by a tund, when the command names none.
 * Other daemons' sockets do not count.
 */
static int
reload_the_one(void)
{
	struct dirent	**d;
	struct reply	  r;
	int		  i, n, one = -1, found = 0, rv = 1;

	if ((d = interfaces(&n)) == NULL && n == -1)
		return 1;
	for (i = 0; i < n; i++) {
		if (request(d[i]->d_name, REQ_TEXT, &r) == 0 && r.error == 0) {
			one = i;
			found++;
		}
		free(r.buf);
	}
	if (found == 0)
		warnx("no tund is running: no socket in %s answers",
		    CONTROL_DIR);
	else if (found > 1)
		warnx("%d tund interfaces: name one (tund show lists them)",
		    found);
	else
		rv = reload(d[one]->d_name);
	interfaces_free(d, n);
	return rv;
}

int
client_reload(int argc, char *argv[])
{
	optind = 2;	/* past the command */
	if (getopt(argc, argv, "") != -1 || argc - optind > 1) {
		fprintf(stderr, "usage: tund reload [ifname]\n");
		return 1;
	}
	return optind < argc ? reload(argv[optind]) : reload_the_one();
}
