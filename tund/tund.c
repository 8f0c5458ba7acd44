/*
 * tund: a userspace WireGuard tunnel daemon and a load generator for tun.
 *
 * main() reads as the startup order: options, configuration, device,
 * interface, hooks, daemon, workers, event loop; then the way back down.
 */
#include <sys/stat.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowedips.h"
#include "conf.h"
#include "crypto.h"
#include "genkey.h"
#include "hook.h"
#include "iface.h"
#include "log.h"
#include "netcfg.h"
#include "tun.h"
#include "worker.h"

#define CONF_DEFAULT	"/etc/tund/tund.conf"

struct tund {
	const char		*conffile;
	const char		*pidfile;
	struct conf		*conf;
	struct tun		 tun;
	struct netcfg		*netcfg;
	struct allowedips	 peers;
	int			 have_peers;	/* peers initialised */
	struct workers		*workers;
	struct event_base	*base;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tund [-dnv] [-f file] [-p pidfile]\n"
	    "       tund genkey\n"
	    "       tund pubkey < private.key\n");
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

static struct conf *
load_conf(const char *path)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	if ((c = conf_load(path, &errs)) == NULL)
		print_errors(&errs);
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

/* Move the peer table from old's peers (NULL: none) to new's. */
static int
load_peers(struct allowedips *t, const struct conf *old, const struct conf *c)
{
	size_t	i, j;

	for (i = 0; old != NULL && i < old->n_peers; i++)
		allowedips_remove_peer(t, &old->peers[i]);
	for (i = 0; i < c->n_peers; i++)
		for (j = 0; j < c->peers[i].n_allowed_ips; j++)
			if (allowedips_insert(t, &c->peers[i].allowed_ips[j],
			    &c->peers[i]) == -1)
				return -1;
	return 0;
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
log_stats(struct tund *t)
{
	struct worker_stats	s;
	int			r;

	workers_stats(t->workers, &s);
	log_info("%s: %llu packets, %llu bytes from the device", t->tun.name,
	    (unsigned long long)s.tun_packets,
	    (unsigned long long)s.tun_bytes);
	for (r = 0; r < DROP_NREASONS; r++)
		log_info("%s: dropped %llu (%s)", t->tun.name,
		    (unsigned long long)s.drops[r], drop_reason_name(r));
}

/*
 * SIGHUP: parse the file again and apply the difference.  A file with
 * errors, or a change the system refuses, leaves the old one in force.
 */
static void
reload(struct tund *t)
{
	struct conf	*c;

	log_info("reloading %s", t->conffile);
	if ((c = load_conf(t->conffile)) == NULL) {
		log_warnx("reload failed, keeping the running configuration");
		return;
	}
	if (strcmp(c->device, t->conf->device) != 0 ||
	    c->threads != t->conf->threads)
		log_warnx("Device and Threads change only on restart");
	if (iface_update(t->netcfg, t->conf, c) == -1) {
		log_warnx("reload failed, keeping the running configuration");
		conf_free(c);
		return;
	}
	if (load_peers(&t->peers, t->conf, c) == -1) {
		log_warn("reload: peer table");
		load_peers(&t->peers, c, t->conf);
		iface_update(t->netcfg, c, t->conf);
		conf_free(c);
		return;
	}
	conf_free(t->conf);
	t->conf = c;
	log_info("reloaded %s", t->conffile);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct tund	*t = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d, shutting down", (int)sig);
		event_base_loopbreak(t->base);
		break;
	case SIGHUP:
		reload(t);
		break;
	case SIGUSR1:
		log_stats(t);
		break;
	}
}

static int
run(struct tund *t)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct event	*ev[4];
	size_t		 i;
	int		 rv = -1;

	memset(ev, 0, sizeof(ev));
	for (i = 0; i < 4; i++) {
		ev[i] = evsignal_new(t->base, sigs[i], on_signal, t);
		if (ev[i] == NULL || evsignal_add(ev[i], NULL) == -1) {
			log_warnx("cannot watch signal %d", sigs[i]);
			goto out;
		}
	}
	log_info("%s up, %d worker threads", t->tun.name, t->tun.nqueues);
	rv = event_base_dispatch(t->base);
 out:
	for (i = 0; i < 4; i++)
		if (ev[i] != NULL)
			event_free(ev[i]);
	return rv;
}

/* Everything up to the event loop; on failure undone by shutdown(). */
static int
startup(struct tund *t, int foreground)
{
	if (hook_run("PreUp", &t->conf->pre_up, t->conf->device) == -1)
		return -1;
	if (tun_open(&t->tun, t->conf->device, threads_for(t->conf)) == -1)
		return -1;
	if ((t->netcfg = iface_setup(t->tun.name, t->conf)) == NULL)
		return -1;
	if (allowedips_init(&t->peers) == -1) {
		log_warn("peer table");
		return -1;
	}
	t->have_peers = 1;
	if (load_peers(&t->peers, NULL, t->conf) == -1) {
		log_warn("peer table");
		return -1;
	}
	if (hook_run("PostUp", &t->conf->post_up, t->tun.name) == -1)
		return -1;
	if (!foreground) {
		if (daemon(0, 0) == -1) {
			log_warn("daemon");
			return -1;
		}
		log_init(0, log_getverbose());
	}
	if (t->pidfile != NULL)
		write_pidfile(t->pidfile);
	if ((t->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event base");
		return -1;
	}
	if ((t->workers = workers_start(&t->tun, t->tun.nqueues,
	    &t->peers)) == NULL)
		return -1;
	return 0;
}

static void
shutdown_all(struct tund *t)
{
	if (t->workers != NULL) {
		workers_stop(t->workers);
		t->workers = NULL;
	}
	if (t->netcfg != NULL) {
		hook_run("PreDown", &t->conf->pre_down, t->tun.name);
		netcfg_close(t->netcfg);
	}
	if (t->tun.nqueues > 0) {
		tun_close(&t->tun);
		hook_run("PostDown", &t->conf->post_down, t->tun.name);
	}
	if (t->have_peers)
		allowedips_free(&t->peers);
	if (t->base != NULL)
		event_base_free(t->base);
	if (t->pidfile != NULL && unlink(t->pidfile) == -1 && errno != ENOENT)
		log_warn("%s", t->pidfile);
	conf_free(t->conf);
}

int
main(int argc, char *argv[])
{
	struct tund	 t;
	int		 ch, foreground = 0, noaction = 0, verbose = 0, rv;

	memset(&t, 0, sizeof(t));
	t.conffile = CONF_DEFAULT;
	if (crypto_init() == -1)
		fatalx("OpenSSL lacks an algorithm tund needs");
	if (argc == 2 && strcmp(argv[1], "genkey") == 0)
		return genkey_main();
	if (argc == 2 && strcmp(argv[1], "pubkey") == 0)
		return pubkey_main();

	while ((ch = getopt(argc, argv, "df:hnp:v")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			t.conffile = optarg;
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
	if ((t.conf = load_conf(t.conffile)) == NULL)
		exit(1);
	if (noaction) {
		printf("configuration OK\n");
		conf_free(t.conf);
		return 0;
	}

	rv = startup(&t, foreground) == 0 && run(&t) == 0 ? 0 : 1;
	if (log_getverbose() > 0 && t.workers != NULL)
		log_stats(&t);
	shutdown_all(&t);
	return rv;
}
