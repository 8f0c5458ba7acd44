/*
 * tund: a userspace WireGuard tunnel daemon and a load generator for tun.
 *
 * main() reads as the startup order: options, configuration, device,
 * interface, hooks, daemon, workers, event loop; then the way back down.
 */
#include <sys/stat.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "control.h"
#include "crypto.h"
#include "genkey.h"
#include "handshake.h"
#include "hook.h"
#include "iface.h"
#include "load.h"
#include "log.h"
#include "netcfg.h"
#include "pcapio.h"
#include "peer.h"
#include "priv.h"
#include "privdrop.h"
#include "sandbox.h"
#include "sink.h"
#include "tun.h"
#include "tunnel.h"
#include "udp.h"
#include "worker.h"

#define CONF_DEFAULT	"/etc/tund/tund.conf"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* What the daemon answers; any other ends it as the system would. */
static const int handled_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };

struct tund {
	const char		*conffile;
	const char		*pidfile;
	struct conf		*conf;
	struct tun		 tun;
	struct netcfg		*netcfg;
	struct tunnel		*tunnel;
	struct workers		*workers;
	struct control		*control;
	struct event_base	*base;
	struct load		*load;		/* load mode: the runs */
	struct privdrop		 user;		/* to become after setup */
	gid_t			 control_gid;	/* ControlGroup's, or -1 */
	struct priv		*priv;		/* the part that stays root */
	struct event		*sig_ev[nitems(handled_sigs)];
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tund [-dhnv] [-f file] [-L key=value] "
	    "[-p pidfile] [-w file]\n"
	    "       tund genkey\n"
	    "       tund pubkey < private.key\n"
	    "       tund show [-j] [ifname]\n"
	    "       tund reload [ifname]\n");
	exit(1);
}

static void
print_errors(struct conf_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		log_warnx("%s", errs->msg[i]);
	conf_errors_clear(errs);
}

/*
 * The file, and over it the command line's n [Load] settings (-L) and
 * capture file (-w, or NULL).
 */
static struct conf *
load_conf(const char *path, char **args, size_t n, const char *capture)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	if ((c = conf_load(path, &errs)) == NULL ||
	    conf_set_load(c, args, n, &errs) == -1 ||
	    (capture != NULL && conf_set_capture(c, capture, &errs) == -1)) {
		print_errors(&errs);
		conf_free(c);
		return NULL;
	}
	return c;
}

static int
threads_for(const struct conf *c)
{
	long	n = c->threads;

	if (n == 0 && (n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	return n > TUN_MAXQUEUES ? TUN_MAXQUEUES : (int)n;
}

/* Whether c configures a peer with that public key. */
static int
configured(const struct conf *c, const uint8_t pub[KEY_LEN])
{
	size_t	i;

	for (i = 0; i < c->n_peers; i++)
		if (memcmp(c->peers[i].public_key, pub, KEY_LEN) == 0)
			return 1;
	return 0;
}

/*
 * Move the peers to configuration c: peers no longer there go, new ones
 * come, and the others keep their sessions while their AllowedIPs,
 * Endpoint and PersistentKeepalive follow the file.
 */
static void
reload_peers(struct tunnel *tn, const struct conf *c)
{
	struct peer	*p;
	size_t		 i;

	for (i = tn->npeers; i-- > 0;)
		if (!configured(c, tn->peer[i]->noise.pub)) {
			log_info("peer %s removed", tn->peer[i]->name);
			tunnel_peer_remove(tn, tn->peer[i]);
		}
	for (i = 0; i < c->n_peers; i++) {
		if ((p = peer_by_key(tn, c->peers[i].public_key)) == NULL) {
			if ((p = tunnel_peer_add(tn, &c->peers[i])) != NULL)
				log_info("peer %s added", p->name);
			continue;
		}
		tunnel_set_routes(tn, p, c->peers[i].allowed_ips,
		    c->peers[i].n_allowed_ips);
		pthread_mutex_lock(&p->lock);
		peer_set_conf_endpoint(p, &c->peers[i]);
		timers_set_persistent_keepalive(&p->timers,
		    c->peers[i].persistent_keepalive, now_ms());
		pthread_mutex_unlock(&p->lock);
	}
}

static void
write_pidfile(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF)
		log_warn("%s", path);
}

static void
log_peer(struct peer *p)
{
	char		ep[SOCKADDR_STRLEN], ago[32] = "never";
	struct timespec	hs, now;

	pthread_mutex_lock(&p->lock);
	sockaddr_inet_fmt(&p->endpoint, ep, sizeof(ep));
	hs = p->last_handshake;
	pthread_mutex_unlock(&p->lock);
	clock_gettime(CLOCK_REALTIME, &now);
	if (hs.tv_sec != 0)
		snprintf(ago, sizeof(ago), "%lld s ago",
		    (long long)(now.tv_sec - hs.tv_sec));
	log_info("peer %s: endpoint %s, latest handshake %s, "
	    "%llu bytes in, %llu bytes out", p->name, ep, ago,
	    (unsigned long long)atomic_load(&p->rx_bytes),
	    (unsigned long long)atomic_load(&p->tx_bytes));
}

static void
log_stats(struct tund *t)
{
	struct stats	s;
	size_t		i;
	int		r;

	tunnel_stats(t->tunnel, &s);
	log_info("%s: device %llu packets %llu bytes in, %llu packets "
	    "%llu bytes out; UDP %llu packets in, %llu out; %llu handshakes",
	    t->tun.name, (unsigned long long)s.tun_rx_packets,
	    (unsigned long long)s.tun_rx_bytes,
	    (unsigned long long)s.tun_tx_packets,
	    (unsigned long long)s.tun_tx_bytes,
	    (unsigned long long)s.udp_rx_packets,
	    (unsigned long long)s.udp_tx_packets,
	    (unsigned long long)s.handshakes);
	for (r = 0; r < DROP_NREASONS; r++)
		if (s.drops[r] != 0)
			log_info("%s: dropped %llu (%s)", t->tun.name,
			    (unsigned long long)s.drops[r],
			    drop_reason_name(r));
	for (i = 0; i < t->tunnel->npeers; i++)
		log_peer(t->tunnel->peer[i]);
}

/*
 * A new listening port: sockets bound by the privileged child (a port
 * under 1024 needs it), marked as the old ones were; the workers move to
 * them on their own threads, and the old ones close once none uses them.
 * 0, or -1 with errno and the old port kept.
 */
static int
move_port(struct tund *t, uint16_t port)
{
	struct tunnel	*tn = t->tunnel;
	int		 fds[TUNNEL_MAXTHREADS], old[TUNNEL_MAXTHREADS], i, e;

	if (priv_bind(t->priv, port, tn->nsocks, fds) == -1) {
		log_warn("ListenPort %u", port);
		return -1;
	}
	if (tn->fwmark != 0 &&
	    priv_fwmark(t->priv, fds, tn->nsocks, tn->fwmark) == -1) {
		e = errno;
		log_warn("ListenPort %u: FwMark", port);
		for (i = 0; i < tn->nsocks; i++)
			close(fds[i]);
		errno = e;
		return -1;
	}
	if (workers_move(t->workers, fds, tn->nsocks) == -1) {
		/* Someone may still use the old ones: leave them open. */
		log_warnx("ListenPort %u: a worker did not move; the old "
		    "sockets stay open", port);
		memcpy(tn->sock, fds, (size_t)tn->nsocks * sizeof(int));
	} else {
		memcpy(old, tn->sock, (size_t)tn->nsocks * sizeof(int));
		memcpy(tn->sock, fds, (size_t)tn->nsocks * sizeof(int));
		for (i = 0; i < tn->nsocks; i++)
			close(old[i]);
	}
	tn->ctl->sock = tn->sock[0];
	tn->port = udp_port(tn->sock[0]);
	log_info("%s: listening on UDP port %u", t->tun.name, tn->port);
	return 0;
}

/* The control socket's request for a new listening port. */
static int
port_request(void *arg, uint16_t port)
{
	return move_port(arg, port);
}

static int
differ(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a != b : strcmp(a, b) != 0;
}

/* What a reload leaves as it was: each key whose change waits. */
static void
warn_restart_only(const struct conf *old, const struct conf *new)
{
	const struct {
		const char	*key;
		int		 changed;
	} k[] = {
		{ "Device", strcmp(old->device, new->device) != 0 },
		{ "Threads", old->threads != new->threads },
		{ "User", strcmp(old->user, new->user) != 0 },
		{ "Chroot", differ(old->chroot, new->chroot) },
		{ "ControlSocket", differ(old->control_socket,
		    new->control_socket) },
		{ "ControlGroup", strcmp(old->control_group,
		    new->control_group) != 0 }
	};
	size_t	i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].changed)
			log_warnx("%s changes only on restart", k[i].key);
}

/* The file again, as the privileged child read it. */
static struct conf *
reread_conf(struct tund *t, struct conf_errors *errs)
{
	struct conf	*c;
	char		*text;
	size_t		 len;

	if (priv_read_conf(t->priv, &text, &len, errs) == -1)
		return NULL;
	c = conf_parse(t->conffile, text, len, errs);
	crypto_wipe(text, len);
	free(text);
	if (c != NULL && conf_resolve(c, errs) == -1) {
		conf_free(c);
		c = NULL;
	}
	return c;
}

/*
 * SIGHUP and tund reload: parse the file again and apply the difference.
 * A file with errors, or a change the system refuses, leaves the old one
 * in force; every error is logged and left in errs for the caller.
 */
static int
reload(struct tund *t, struct conf_errors *errs)
{
	struct conf	*c;
	size_t		 i;
	uint16_t	 port;

	if (t->load != NULL) {
		conf_error(errs, "no reload in load mode");
		goto failed;
	}
	log_info("reloading %s", t->conffile);
	if ((c = reread_conf(t, errs)) == NULL)
		goto failed;
	warn_restart_only(t->conf, c);
	port = t->tunnel->port;
	if (c->listen_port != t->conf->listen_port &&
	    move_port(t, c->listen_port) == -1) {
		conf_error(errs, "%s: ListenPort %u: %s", t->conffile,
		    c->listen_port, strerror(errno));
		conf_free(c);
		goto failed;
	}
	if (priv_apply_conf(t->priv) == -1) {
		conf_error(errs, "%s: the system refused an address or route "
		    "change", t->conffile);
		if (port != t->tunnel->port)
			move_port(t, port);
		conf_free(c);
		goto failed;
	}
	/* The file's key, whatever wg set made it meanwhile. */
	if (tunnel_set_identity(t->tunnel, c->private_key) == -1)
		log_warnx("%s: PrivateKey refused", t->conffile);
	reload_peers(t->tunnel, c);
	tunnel_set_local(t->tunnel, c->addresses, c->n_addresses);
	conf_free(t->conf);
	t->conf = c;
	log_info("reloaded %s", t->conffile);
	return 0;
 failed:
	for (i = 0; i < errs->n; i++)
		log_warnx("%s", errs->msg[i]);
	log_warnx("reload failed, keeping the running configuration");
	return -1;
}

/* The control socket's reload request. */
static int
reload_request(void *arg, struct conf_errors *errs)
{
	return reload(arg, errs);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct tund		*t = arg;
	struct conf_errors	 errs = { NULL, 0 };

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d, shutting down", (int)sig);
		event_base_loopbreak(t->base);
		break;
	case SIGHUP:
		reload(t, &errs);
		conf_errors_clear(&errs);
		break;
	case SIGUSR1:
		log_stats(t);
		break;
	}
}

/* Block or unblock the signals tund handles. */
static void
hold_signals(int how)
{
	sigset_t	set;
	size_t		i;

	sigemptyset(&set);
	for (i = 0; i < nitems(handled_sigs); i++)
		sigaddset(&set, handled_sigs[i]);
	pthread_sigmask(how, &set, NULL);
}

/*
 * The signals are held from the start of setup until the loop watches
 * them, then wait for it: a stop during setup still undoes the setup.
 */
static int
watch_signals(struct tund *t)
{
	struct event	*ev;
	size_t		 i;

	for (i = 0; i < nitems(handled_sigs); i++) {
		ev = evsignal_new(t->base, handled_sigs[i], on_signal, t);
		if ((t->sig_ev[i] = ev) == NULL ||
		    evsignal_add(ev, NULL) == -1) {
			log_warnx("cannot watch signal %d", handled_sigs[i]);
			return -1;
		}
	}
	return 0;
}

static void
unwatch_signals(struct tund *t)
{
	size_t	i;

	for (i = 0; i < nitems(handled_sigs); i++)
		if (t->sig_ev[i] != NULL) {
			event_free(t->sig_ev[i]);
			t->sig_ev[i] = NULL;
		}
}

static int
run(struct tund *t)
{
	log_info("%s up, %d worker threads", t->tun.name, t->tunnel->nworkers);
	return event_base_dispatch(t->base);
}

/*
 * What needs root is done: fork the part that keeps it, then become the
 * configured user and enter the sandbox, before any thread starts.  A
 * load run, a measurement from a terminal, stays root.
 */
static int
drop_privileges(struct tund *t)
{
	struct priv_setup	su = { t->conf, t->tunnel, t->netcfg,
	    t->tunnel->capture, t->tun.name,
	    { control_path(t->control), t->pidfile } };

	if ((t->priv = priv_start(&su, t->base)) == NULL)
		return -1;
	t->netcfg = su.netcfg;
	control_disown(t->control);
	t->tunnel->priv = t->priv;
	if (t->tunnel->capture != NULL)
		capture_delegate(t->tunnel->capture, priv_capture_file, t->priv);
	if (t->conf->load.enabled)
		return 0;
	if (privdrop_apply(&t->user, t->conf->chroot) == -1)
		return -1;
	return sandbox_enter();
}

/* Everything up to the event loop; on failure undone by shutdown(). */
static int
startup(struct tund *t, int foreground)
{
	struct control_opts	ctl = { t->conf->control_socket,
	    t->control_gid, &t->load, reload_request, port_request, t };
	uint8_t			boot[LOADPKT_BOOT_LEN];

	if ((t->tunnel = tunnel_new(t->conf)) == NULL)
		return -1;
	/* Every tund is a far end for load traffic addressed to it. */
	if ((t->tunnel->sink = sink_new(sink_boot_id(boot) == 0 ? boot :
	    NULL)) == NULL)
		return -1;
	if (hook_run("PreUp", &t->conf->pre_up, t->conf->device) == -1)
		return -1;
	if (tun_open(&t->tun, t->conf->device, threads_for(t->conf)) == -1)
		return -1;
	t->tunnel->tun = &t->tun;
	if (udp_open(t->tunnel, t->conf->listen_port, t->tun.nqueues,
	    t->conf->fwmark) == -1)
		return -1;
	if ((t->netcfg = iface_setup(t->tun.name, t->conf)) == NULL)
		return -1;
	if (hook_run("PostUp", &t->conf->post_up, t->tun.name) == -1)
		return -1;
	/* Capture: opened before daemon(3) and any privilege drop. */
	if (t->conf->capture != NULL && (t->tunnel->capture = capture_open(
	    t->conf->capture, t->conf->capture_limit,
	    t->conf->capture_files)) == NULL)
		return -1;
	if (!foreground) {
		if (daemon(0, 0) == -1) {
			log_warn("daemon");
			return -1;
		}
		log_init(0, log_getverbose());
	}
	if ((t->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event base");
		return -1;
	}
	if (watch_signals(t) == -1)
		return -1;
	hold_signals(SIG_UNBLOCK);
	if (t->pidfile != NULL)
		write_pidfile(t->pidfile);
	if ((t->control = control_open(t->tunnel, t->tun.name, t->base,
	    &ctl)) == NULL)
		return -1;
	if (drop_privileges(t) == -1)
		return -1;
	if (resolve_start(t->tunnel) == -1)
		return -1;
	if (handshake_start(t->tunnel, t->base) == -1)
		return -1;
	if ((t->workers = workers_start(t->tunnel, threads_for(t->conf))) ==
	    NULL)
		return -1;
	log_info("%s: listening on UDP port %u", t->tun.name,
	    t->tunnel->port);
	if (t->conf->load.enabled &&
	    (t->load = load_start(t->tunnel, t->conf, t->base)) == NULL)
		return -1;
	return 0;
}

static void
shutdown_all(struct tund *t)
{
	control_close(t->control);
	if (t->workers != NULL) {
		workers_stop(t->workers);
		t->workers = NULL;
	}
	if (t->priv != NULL)
		priv_down(t->priv);
	else if (t->netcfg != NULL)
		iface_down(t->netcfg, t->conf, t->tun.name);
	if (t->tunnel != NULL) {
		handshake_stop(t->tunnel);
		resolve_stop(t->tunnel);
		udp_close(t->tunnel);
		capture_close(t->tunnel->capture);	/* the workers are gone */
		t->tunnel->capture = NULL;
	}
	if (t->tun.nqueues > 0) {
		tun_close(&t->tun);
		if (t->priv == NULL)
			hook_run("PostDown", &t->conf->post_down, t->tun.name);
	}
	/* Its PostDown, once the device is gone, and root's files. */
	if (t->priv != NULL)
		priv_stop(t->priv);
	else if (t->pidfile != NULL && unlink(t->pidfile) == -1 &&
	    errno != ENOENT)
		log_warn("%s", t->pidfile);
	if (t->tunnel != NULL)
		sink_free(t->tunnel->sink);
	tunnel_free(t->tunnel);
	unwatch_signals(t);
	if (t->base != NULL)
		event_base_free(t->base);
	conf_free(t->conf);
}

int
main(int argc, char *argv[])
{
	struct tund	 t;
	const char	*capture = NULL;
	char		**largs;
	size_t		 nlargs = 0;
	char		 err[128], path[PATH_MAX];
	int		 ch, foreground = 0, noaction = 0, verbose = 0, rv;

	memset(&t, 0, sizeof(t));
	t.conffile = CONF_DEFAULT;
	if (crypto_init() == -1)
		fatalx("OpenSSL lacks an algorithm tund needs");
	if (evthread_use_pthreads() == -1)
		fatalx("libevent lacks thread support");
	if (argc == 2 && strcmp(argv[1], "genkey") == 0)
		return genkey_main();
	if (argc == 2 && strcmp(argv[1], "pubkey") == 0)
		return pubkey_main();
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return client_show(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "reload") == 0)
		return client_reload(argc, argv);

	/* No more -L arguments than arguments. */
	if ((largs = calloc((size_t)argc, sizeof(char *))) == NULL)
		fatal("arguments");
	while ((ch = getopt(argc, argv, "df:hL:np:vw:")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			/* Reloads come after daemon(3) went to "/". */
			t.conffile = realpath(optarg, path) != NULL ? path :
			    optarg;
			break;
		case 'L':
			largs[nlargs++] = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'p':
			t.pidfile = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'w':
			capture = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* Until daemon(3), errors go to the terminal that started us. */
	log_init(1, verbose);
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	/* -L means load mode, which never reloads: the arguments are done. */
	t.conf = load_conf(t.conffile, largs, nlargs, capture);
	free(largs);
	if (t.conf == NULL)
		exit(1);
	if (privdrop_lookup(t.conf->user, &t.user, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", t.conffile, err);
		exit(1);
	}
	t.control_gid = (gid_t)-1;
	if (*t.conf->control_group != '\0' &&
	    control_group(t.conf->control_group, &t.control_gid) == -1) {
		log_warnx("%s: ControlGroup %s: no such group", t.conffile,
		    t.conf->control_group);
		exit(1);
	}
	if (noaction) {
		printf("configuration OK\n");
		conf_free(t.conf);
		return 0;
	}

	/* Load mode reports on the terminal, then ends. */
	hold_signals(SIG_BLOCK);
	rv = startup(&t, foreground || t.conf->load.enabled) == 0 &&
	    run(&t) == 0 ? 0 : 1;
	if (load_stop(t.load) == -1)
		rv = 1;
	t.load = NULL;
	if (log_getverbose() > 0 && t.workers != NULL)
		log_stats(&t);
	shutdown_all(&t);
	return rv;
}
