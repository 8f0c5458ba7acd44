/*
 * The privileged child and its channel to the parent: one request at a
 * time, a header and maybe descriptors one way, a header and text back.
 * The parent is the less trusted side, so the child checks every request
 * and ends on anything it does not expect.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "hook.h"
#include "iface.h"
#include "log.h"
#include "netcfg.h"
#include "pcapio.h"
#include "priv.h"
#include "tunnel.h"
#include "udp.h"

#define PRIV_MAXFDS	64		/* sockets one request may carry */
#define PRIV_TEXT_MAX	(1024 * 1024 + 1024 * 64)	/* file or errors */

enum priv_cmd {
	PRIV_READ_CONF = 1,
	PRIV_APPLY_CONF,
	PRIV_FWMARK,
	PRIV_CAPTURE,
	PRIV_BIND,
	PRIV_DOWN,
	PRIV_STOP
};

struct priv_hdr {
	uint32_t	cmd;		/* request: enum priv_cmd */
	uint32_t	arg;		/* PRIV_FWMARK: the mark */
	int32_t		status;		/* reply: 0 or an errno */
	uint32_t	len;		/* bytes of text after the header */
};

struct priv {
	pthread_mutex_t	lock;		/* capture rotation is a worker's */
	int		fd;
	pid_t		pid;		/* -1 once reaped */
	int		life;		/* reads the end of the file at its exit */
	struct event	*life_ev;
};

/* A file to remove at the end, if it is still this one. */
struct owned_file {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
};

/* The child's state. */
struct child {
	int			 fd;
	int			 life;		/* never written: its end */
	struct conf		*conf;		/* in force, keys wiped */
	struct conf		*pending;	/* read, not yet applied */
	struct netcfg		*netcfg;	/* NULL once down */
	char			*ifname;
	int			 capdir;	/* the capture's, or -1 */
	const char		*capname;	/* the file's name in it */
	unsigned		 capfiles;	/* old files kept */
	struct owned_file	 file[PRIV_MAXFILES];
	size_t			 nfiles;
};

static void
close_all(int *fds, int *n)
{
	while (*n > 0)
		close(fds[--*n]);
}

static ssize_t
read_full(int fd, void *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		if ((n = read(fd, (char *)buf + got, len - got)) == 0)
			return (ssize_t)got;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

/* A header with n descriptors attached, then len bytes of text. */
static int
send_msg(int fd, const struct priv_hdr *h, const int *fds, int n,
    const void *text)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(PRIV_MAXFDS * sizeof(int))];
	} cm;
	struct msghdr	msg;
	struct iovec	iov;
	ssize_t		r;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)h;
	iov.iov_len = sizeof(*h);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (n > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		cm.hdr.cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		cm.hdr.cmsg_level = SOL_SOCKET;
		cm.hdr.cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(&cm.hdr), fds, (size_t)n * sizeof(int));
	}
	while ((r = sendmsg(fd, &msg, 0)) == -1 && errno == EINTR)
		;
	if (r != (ssize_t)sizeof(*h))
		return -1;
	return h->len == 0 ? 0 : write_full(fd, text, h->len);
}

/*
 * The descriptors of a control message: up to max into fds (*n of them),
 * the rest closed.  Returns how many came.
 */
static int
take_fds(struct cmsghdr *c, int *fds, int max, int *n)
{
	int	i, got, fd;

	got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	for (i = 0; i < got; i++) {
		memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof(fd));
		if (*n < max)
			fds[(*n)++] = fd;
		else
			close(fd);
	}
	return got;
}

/*
 * A header and the descriptors that came with it (at most max; *n set to
 * how many).  0, or -1 at the end of the channel or on a broken message.
 */
static int
recv_hdr(int fd, struct priv_hdr *h, int *fds, int max, int *n)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(PRIV_MAXFDS * sizeof(int))];
	} cm;
	struct msghdr	 msg;
	struct cmsghdr	*c;
	struct iovec	 iov;
	ssize_t		 r;
	int		 got = 0;

	*n = 0;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = h;
	iov.iov_len = sizeof(*h);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	while ((r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	for (c = CMSG_FIRSTHDR(&msg); r > 0 && c != NULL;
	    c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			got = take_fds(c, fds, max, n);
	if (r != (ssize_t)sizeof(*h) || got > max ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
	    h->len > PRIV_TEXT_MAX) {
		while (*n > 0)
			close(fds[--*n]);
		return -1;
	}
	return 0;
}

/* The errors, one a line, as the text of a reply. */
static char *
errors_text(const struct conf_errors *errs, size_t *len)
{
	char	*t, *p;
	size_t	 i;

	for (*len = 0, i = 0; i < errs->n; i++)
		*len += strlen(errs->msg[i]) + 1;
	if ((t = p = malloc(*len + 1)) == NULL) {
		*len = 0;
		return NULL;
	}
	for (i = 0; i < errs->n; i++)
		p += sprintf(p, "%s\n", errs->msg[i]);
	return t;
}

static int
reply(struct child *ch, int status, const void *text, size_t len)
{
	struct priv_hdr	h = { 0, 0, status, (uint32_t)len };

	return send_msg(ch->fd, &h, NULL, 0, text);
}

/*
 * n sockets on a new listening port, made here where a port under 1024
 * and the full receive buffer are allowed.
 */
static int
do_bind(struct child *ch, uint16_t port, int n)
{
	struct priv_hdr	h = { 0, 0, 0, 0 };
	uint16_t	bound;
	int		fds[PRIV_MAXFDS], rv;

	if (n < 1 || n > PRIV_MAXFDS)
		return reply(ch, EINVAL, NULL, 0);
	if (udp_bind(port, n, 0, fds, &bound) == -1)
		return reply(ch, errno != 0 ? errno : EIO, NULL, 0);
	rv = send_msg(ch->fd, &h, fds, n, NULL);
	close_all(fds, &n);
	return rv;
}

/* The next capture file, made here where the directory is writable. */
static int
do_capture(struct child *ch)
{
	struct priv_hdr	h = { 0, 0, 0, 0 };
	int		fd, rv;

	if (ch->capdir == -1 || (fd = capture_next_file(ch->capdir,
	    ch->capname, ch->capfiles, ch->conf->capture)) == -1)
		return reply(ch, EPERM, NULL, 0);
	rv = send_msg(ch->fd, &h, &fd, 1, NULL);
	close(fd);
	return rv;
}

static int
do_read_conf(struct child *ch)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	char			*text = NULL;
	size_t			 len = 0;
	int			 rv;

	conf_free(ch->pending);
	if ((ch->pending = c = conf_read(ch->conf->path, &text, &len,
	    &errs)) == NULL) {
		text = errors_text(&errs, &len);
		rv = reply(ch, EINVAL, text, len);
		free(text);
		conf_errors_clear(&errs);
		return rv;
	}
	conf_wipe_keys(c);
	rv = reply(ch, 0, text, len);
	crypto_wipe(text, len);
	free(text);
	return rv;
}

static int
do_apply_conf(struct child *ch)
{
	if (ch->pending == NULL || ch->netcfg == NULL)
		return reply(ch, EINVAL, NULL, 0);
	if (iface_update(ch->netcfg, ch->conf, ch->pending) == -1)
		return reply(ch, EPERM, NULL, 0);
	conf_free(ch->conf);
	ch->conf = ch->pending;
	ch->pending = NULL;
	return reply(ch, 0, NULL, 0);
}

static int
do_fwmark(struct child *ch, uint32_t mark, const int *fds, int n)
{
	int	i, e = 0;

	for (i = 0; i < n; i++) {
#ifdef SO_MARK
		if (e == 0 && setsockopt(fds[i], SOL_SOCKET, SO_MARK, &mark,
		    sizeof(mark)) == -1)
			e = errno;
#else
		e = EOPNOTSUPP;
#endif
		close(fds[i]);
	}
	return reply(ch, e, NULL, 0);
}

static void
down(struct child *ch)
{
	if (ch->netcfg == NULL)
		return;
	iface_down(ch->netcfg, ch->conf, ch->ifname);
	ch->netcfg = NULL;
}

/* PostDown, and the files removed if nobody replaced them since. */
static void
finish(struct child *ch)
{
	struct stat	st;
	size_t		i;

	down(ch);
	hook_run("PostDown", &ch->conf->post_down, ch->ifname);
	for (i = 0; i < ch->nfiles; i++)
		if (lstat(ch->file[i].path, &st) == 0 &&
		    st.st_dev == ch->file[i].dev &&
		    st.st_ino == ch->file[i].ino &&
		    unlink(ch->file[i].path) == -1)
			log_warn("%s", ch->file[i].path);
}

/* Requests until PRIV_STOP or the parent's end; any surprise ends it. */
static void __attribute__((noreturn))
serve(struct child *ch)
{
	struct priv_hdr	h;
	int		fds[PRIV_MAXFDS], n, rv;

	for (;;) {
		if (recv_hdr(ch->fd, &h, fds, PRIV_MAXFDS, &n) == -1 ||
		    h.len != 0)
			break;
		if (n > 0 && h.cmd != PRIV_FWMARK)
			break;
		switch (h.cmd) {
		case PRIV_READ_CONF:
			rv = do_read_conf(ch);
			break;
		case PRIV_APPLY_CONF:
			rv = do_apply_conf(ch);
			break;
		case PRIV_FWMARK:
			rv = do_fwmark(ch, h.arg, fds, n);
			break;
		case PRIV_CAPTURE:
			rv = do_capture(ch);
			break;
		case PRIV_BIND:
			rv = do_bind(ch, h.arg & 0xffff, (int)(h.arg >> 16));
			break;
		case PRIV_DOWN:
			down(ch);
			rv = reply(ch, 0, NULL, 0);
			break;
		case PRIV_STOP:
			finish(ch);
			reply(ch, 0, NULL, 0);
			_exit(0);
		default:
			rv = -1;
		}
		if (rv == -1)
			break;
	}
	/* The parent died or misbehaved: leave the system as it was. */
	while (n > 0)
		close(fds[--n]);
	finish(ch);
	_exit(1);
}

static void
own_files(struct child *ch, const char *const remove[PRIV_MAXFILES])
{
	struct stat	st;
	size_t		i;

	for (i = 0; i < PRIV_MAXFILES; i++) {
		if (remove[i] == NULL || lstat(remove[i], &st) == -1)
			continue;
		ch->file[ch->nfiles].path = strdup(remove[i]);
		ch->file[ch->nfiles].dev = st.st_dev;
		ch->file[ch->nfiles].ino = st.st_ino;
		if (ch->file[ch->nfiles].path != NULL)
			ch->nfiles++;
	}
}

/* Every descriptor but the standard ones and the child's own. */
static void
close_others(const struct child *ch)
{
	int	fd, max = (int)sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != ch->fd && fd != ch->life && fd != ch->capdir &&
		    fd != netcfg_fd(ch->netcfg))
			close(fd);
}

static void __attribute__((noreturn))
child_main(int chan, int life, struct priv_setup *su)
{
	struct child	ch;

	/*
	 * Signals are for the parent, which tells us what to do; the
	 * handler inherited would pass them on to the parent's loop.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	/* Nothing here may ever need a key. */
	conf_wipe_keys(su->conf);
	tunnel_wipe_secrets(su->tunnel);
	memset(&ch, 0, sizeof(ch));
	ch.fd = chan;
	ch.life = life;
	ch.conf = su->conf;
	ch.netcfg = su->netcfg;
	ch.capdir = su->capture != NULL ? capture_where(su->capture,
	    &ch.capname, &ch.capfiles) : -1;
	close_others(&ch);
	log_reopen();
	if ((ch.ifname = strdup(su->ifname)) == NULL)
		fatalx("privileged child: out of memory");
	own_files(&ch, su->remove);
	serve(&ch);
}

#define WHAT_FAILS	"what needs root (reload, fwmark, listen-port, " \
			"capture rotation, the down hooks) will fail"

/*
 * The child's end of the lifeline closes only as it exits: say so at
 * once, with how it ended, rather than at the next request that fails.
 */
static void
child_gone(evutil_socket_t fd, short what, void *arg)
{
	struct priv	*p = arg;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(p->pid, &status, 0)) == -1 && errno == EINTR)
		;
	p->pid = -1;
	if (pid == -1)
		log_warn("privileged child gone; %s", WHAT_FAILS);
	else if (WIFSIGNALED(status))
		log_warnx("privileged child killed by signal %d; %s",
		    WTERMSIG(status), WHAT_FAILS);
	else
		log_warnx("privileged child exited with status %d; %s",
		    WEXITSTATUS(status), WHAT_FAILS);
}

static void
close_pair(int fd[2])
{
	close(fd[0]);
	close(fd[1]);
}

struct priv *
priv_start(struct priv_setup *su, struct event_base *base)
{
	struct priv	*p;
	int		 sv[2], life[2];

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("privilege separation");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("privilege separation: socketpair");
		free(p);
		return NULL;
	}
	if (pipe2(life, O_CLOEXEC) == -1) {
		log_warn("privilege separation: pipe");
		close_pair(sv);
		free(p);
		return NULL;
	}
	switch (p->pid = fork()) {
	case -1:
		log_warn("privilege separation: fork");
		close_pair(sv);
		close_pair(life);
		free(p);
		return NULL;
	case 0:
		child_main(sv[1], life[1], su);
	}
	close(sv[1]);
	close(life[1]);
	pthread_mutex_init(&p->lock, NULL);
	p->fd = sv[0];
	p->life = life[0];
	if ((p->life_ev = event_new(base, p->life, EV_READ, child_gone, p)) ==
	    NULL || event_add(p->life_ev, NULL) == -1)
		log_warnx("privilege separation: cannot watch the child");
	netcfg_forget(su->netcfg);
	su->netcfg = NULL;
	return p;
}

/*
 * One exchange: the request with n descriptors, the reply with its text
 * (NUL-terminated, h->len bytes) and descriptors (*rn of them in rfds,
 * room for PRIV_MAXFDS).  0, or -1 when the child is gone.
 */
static int
exchange(struct priv *p, struct priv_hdr *h, const int *fds, int n,
    char **text, int *rfds, int *rn)
{
	*text = NULL;
	*rn = 0;	/* none to close if the request cannot go */
	if (send_msg(p->fd, h, fds, n, NULL) == -1 ||
	    recv_hdr(p->fd, h, rfds, PRIV_MAXFDS, rn) == -1 ||
	    (*text = malloc((size_t)h->len + 1)) == NULL ||
	    read_full(p->fd, *text, h->len) != (ssize_t)h->len) {
		log_warnx("privileged child: gone");
		free(*text);
		close_all(rfds, rn);
		return -1;
	}
	(*text)[h->len] = '\0';
	return 0;
}

/*
 * One request and its reply: the reply's status (0 or an errno), its
 * text in *text (NULL: thrown away) and descriptors in fds, *nfds of them
 * (NULL: closed), or -1 when the child is gone.
 */
static int
request(struct priv *p, uint32_t cmd, uint32_t arg, const int *fds, int n,
    char **text, size_t *len, int *rfds, int *nfds)
{
	struct priv_hdr	 h = { cmd, arg, 0, 0 };
	char		*buf;
	int		 got[PRIV_MAXFDS], ngot, rv;

	pthread_mutex_lock(&p->lock);
	rv = exchange(p, &h, fds, n, &buf, got, &ngot);
	pthread_mutex_unlock(&p->lock);
	if (rv == -1)
		return -1;
	if (text != NULL) {
		*text = buf;
		*len = h.len;
	} else
		free(buf);
	if (rfds != NULL && h.status == 0) {
		memcpy(rfds, got, (size_t)ngot * sizeof(int));
		*nfds = ngot;
	} else
		close_all(got, &ngot);
	return h.status;
}

int
priv_read_conf(struct priv *p, char **text, size_t *len,
    struct conf_errors *errs)
{
	char	*t, *line, *next;
	size_t	 n;
	int	 st;

	st = request(p, PRIV_READ_CONF, 0, NULL, 0, &t, &n, NULL, NULL);
	if (st == 0) {
		*text = t;
		*len = n;
		return 0;
	}
	if (st == -1) {
		conf_error(errs, "privileged child: gone");
		return -1;
	}
	for (line = t; (next = strchr(line, '\n')) != NULL; line = next + 1) {
		*next = '\0';
		conf_error(errs, "%s", line);
	}
	free(t);
	return -1;
}

int
priv_apply_conf(struct priv *p)
{
	int	st;

	st = request(p, PRIV_APPLY_CONF, 0, NULL, 0, NULL, NULL, NULL, NULL);
	return st == 0 ? 0 : -1;
}

int
priv_fwmark(struct priv *p, const int *fds, int n, uint32_t mark)
{
	int	st;

	if (n > PRIV_MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	st = request(p, PRIV_FWMARK, mark, fds, n, NULL, NULL, NULL, NULL);
	if (st != 0) {
		errno = st == -1 ? EPIPE : st;
		return -1;
	}
	return 0;
}

int
priv_bind(struct priv *p, uint16_t port, int n, int *fds)
{
	int	got = 0, st;

	if ((st = request(p, PRIV_BIND, port | (uint32_t)n << 16, NULL, 0,
	    NULL, NULL, fds, &got)) != 0) {
		errno = st == -1 ? EPIPE : st;
		return -1;
	}
	if (got != n) {
		close_all(fds, &got);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
priv_capture_file(void *arg)
{
	int	fd[PRIV_MAXFDS], n = 0;

	if (request(arg, PRIV_CAPTURE, 0, NULL, 0, NULL, NULL, fd, &n) != 0)
		return -1;
	if (n != 1) {
		close_all(fd, &n);
		return -1;
	}
	return fd[0];
}

void
priv_down(struct priv *p)
{
	request(p, PRIV_DOWN, 0, NULL, 0, NULL, NULL, NULL, NULL);
}

void
priv_stop(struct priv *p)
{
	int	status;

	if (p == NULL)
		return;
	request(p, PRIV_STOP, 0, NULL, 0, NULL, NULL, NULL, NULL);
	if (p->life_ev != NULL)
		event_free(p->life_ev);
	close(p->life);
	close(p->fd);
	while (p->pid != -1 && waitpid(p->pid, &status, 0) == -1 &&
	    errno == EINTR)
		;
	pthread_mutex_destroy(&p->lock);
	free(p);
}
