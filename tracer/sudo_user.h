/* Who `faultline record` works for when it runs under sudo.
 *
 * sudo sets SUDO_UID and SUDO_GID (and SUDO_USER).  The recorded command
 * runs as that user, with that user's HOME, USER, LOGNAME and groups, as
 * sudo itself would start it, and the trace is handed to that user.  The
 * two ids are trusted only as a pair of plain decimal numbers: a partial or
 * malformed pair is refused rather than silently running the command as
 * root, or giving the trace to an id nobody meant.
 */
#ifndef FL_SUDO_USER_H
#define FL_SUDO_USER_H

#include <stdbool.h>
#include <sys/types.h>

#include "fl_err.h"

struct fl_sudo_user {
	bool active;		/* running as root for this user (uid != 0) */
	uid_t uid;
	gid_t gid;
	char name[256];		/* login name, for initgroups() and USER/LOGNAME */
	char home[4096];	/* from the password database, "/" when absent */
	bool in_passwd;		/* name and home come from the password database */
};

/* Read SUDO_UID/SUDO_GID when running as root.  Neither set: not under
 * sudo (active false).  Returns a negative code with err set when only one
 * is set or either is not a decimal id. */
int fl_sudo_user_get(struct fl_sudo_user *u, struct fl_err *err);

/* In a child about to exec: take the user's groups, gid, uid and its HOME,
 * USER and LOGNAME.  -1 with errno set on failure. */
int fl_sudo_user_become(const struct fl_sudo_user *u);

#endif
