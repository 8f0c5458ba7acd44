/*
 * Giving up root after setup: the user is looked up at start, while the
 * password database is still in reach, and become once the device, the
 * sockets and the files are open.
 */
#ifndef TUND_PRIVDROP_H
#define TUND_PRIVDROP_H

#include <sys/types.h>

#define PRIVDROP_DEFAULT	"_tund"		/* else PRIVDROP_FALLBACK */
#define PRIVDROP_FALLBACK	"nobody"

struct privdrop {
	char	name[32];
	uid_t	uid;
	gid_t	gid;
	int	keep;		/* stay as we are: User = root, or not root */
};

/*
 * The user to become: the named one ("" for the default, "root" for
 * none).  0, or -1 with a message in err.
 */
int	privdrop_lookup(const char *user, struct privdrop *, char *err,
	    size_t errlen);
/*
 * Chroot to dir (NULL: none), then become the user for good: groups, gid,
 * uid.  0, or -1 logged; a half-done change is fatal.
 */
int	privdrop_apply(const struct privdrop *, const char *dir);

#endif
