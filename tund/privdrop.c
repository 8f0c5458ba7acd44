/*
 * Becoming an unprivileged user, the portable part: chroot(2), then the
 * groups, the group and the user, all of real, effective and saved ids,
 * and a check that root cannot be had back.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

static int
found(const char *name, struct privdrop *pd)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return 0;
	snprintf(pd->name, sizeof(pd->name), "%s", name);
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	return 1;
}

int
privdrop_lookup(const char *user, struct privdrop *pd, char *err,
    size_t errlen)
{
	memset(pd, 0, sizeof(*pd));
	if (strcmp(user, "root") == 0 || geteuid() != 0) {
		pd->keep = 1;
		return 0;
	}
	if (*user != '\0') {
		if (found(user, pd))
			return 0;
		snprintf(err, errlen, "User %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
		return -1;
	}
	if (found(PRIVDROP_DEFAULT, pd) || found(PRIVDROP_FALLBACK, pd))
		return 0;
	snprintf(err, errlen, "neither %s nor %s exists: create one, or set "
	    "User", PRIVDROP_DEFAULT, PRIVDROP_FALLBACK);
	return -1;
}

int
privdrop_apply(const struct privdrop *pd, const char *dir)
{
	if (pd->keep) {
		if (dir != NULL)
			log_warnx("Chroot %s ignored: not dropping root", dir);
		return 0;
	}
	if (dir != NULL && (chroot(dir) == -1 || chdir("/") == -1)) {
		log_warn("Chroot %s", dir);
		return -1;
	}
	if (setgroups(1, &pd->gid) == -1) {
		log_warn("setgroups");
		return -1;
	}
	/* From here a failure would leave mixed credentials. */
	if (setgid(pd->gid) == -1 || setuid(pd->uid) == -1)
		fatal("cannot become %s", pd->name);
	if (pd->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		fatalx("root could be regained after becoming %s", pd->name);
	log_info("running as %s (uid %ld, gid %ld)%s%s", pd->name,
	    (long)pd->uid, (long)pd->gid, dir != NULL ? ", chrooted to " : "",
	    dir != NULL ? dir : "");
	return 0;
}
