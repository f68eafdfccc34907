#define _GNU_SOURCE
#include "sudo_user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A plain decimal id: digits only, no sign, no spaces, below (uid_t)-1
 * (which means "no change" to setuid and chown). */
static bool parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !s[0])
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v < (unsigned long)(uid_t)-1;
}

int fl_sudo_user_get(struct fl_sudo_user *u, struct fl_err *err)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	unsigned long uid, gid;
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0 || (!su && !sg))
		return 0;
	if (!parse_id(su, &uid) || !parse_id(sg, &gid)) {
		fl_err_set(err, -EINVAL, "SUDO_UID and SUDO_GID must both be set to numeric ids "
			   "(SUDO_UID=%s%s%s, SUDO_GID=%s%s%s)", su ? "'" : "", su ? su : "unset",
			   su ? "'" : "", sg ? "'" : "", sg ? sg : "unset", sg ? "'" : "");
		fl_err_hint(err, "they say whom the command runs as and who owns the trace: run "
			    "faultline through sudo, or unset both to record as root");
		return err->code;
	}
	if (uid == 0)
		return 0;	/* root's own sudo: nothing to drop */
	u->active = true;
	u->uid = (uid_t)uid;
	u->gid = (gid_t)gid;
	errno = 0;
	pw = getpwuid(u->uid);
	if (pw) {
		u->in_passwd = true;
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : "/");
	} else {
		/* An id without an entry (a container's user): its number is
		 * its name, and it has no supplementary groups. */
		snprintf(u->name, sizeof(u->name), "%lu", uid);
		snprintf(u->home, sizeof(u->home), "/");
	}
	return 0;
}

int fl_sudo_user_become(const struct fl_sudo_user *u)
{
	if (u->in_passwd) {
		if (initgroups(u->name, u->gid) < 0)
			return -1;
	} else if (setgroups(1, &u->gid) < 0) {
		return -1;
	}
	if (setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return -1;
	if (setenv("HOME", u->home, 1) < 0 || setenv("USER", u->name, 1) < 0 ||
	    setenv("LOGNAME", u->name, 1) < 0)
		return -1;
	return 0;
}
