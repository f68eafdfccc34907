#define _GNU_SOURCE
#include "trace_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		rc = -EIO;
	if (fclose(f) == EOF && rc == 0)
		rc = -errno;
	return rc;
}

int fl_trace_dir_mark(const char *dir, uid_t uid, gid_t gid)
{
	char text[128];

	snprintf(text, sizeof(text), "pid %d\nowner %u %u\n", (int)getpid(), (unsigned)uid,
		 (unsigned)gid);
	return write_file(dir, FL_TRACE_MARK_RECORDING, text);
}

/* LTTng writes DIR/ust/uid/UID/64-bit/{metadata,faultline_N,index/}.  The
 * recorder's session has one buffer set (its own uid and bitness), so the
 * trace moves up to DIR: DIR itself is then the CTF trace, which is what
 * `faultline info DIR` and source.ctf.fs expect. */
static int find_metadata_dir(const char *dir, int depth, char *out, size_t len)
{
	char p[PATH_MAX + 300];
	struct stat st;
	DIR *d;
	struct dirent *de;
	int found = 0;

	snprintf(p, sizeof(p), "%s/metadata", dir);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(out, len, "%s", dir);
		return 1;
	}
	if (depth <= 0 || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			found += find_metadata_dir(p, depth - 1, out, len);
	}
	closedir(d);
	return found;
}

/* Move the one trace found in below (at most depth levels down) to outdir. */
static void flatten_from(const char *outdir, const char *below, int depth)
{
	char src[PATH_MAX + 64], from[PATH_MAX * 2 + 64], to[PATH_MAX * 2 + 64];
	DIR *d;
	struct dirent *de;

	if (find_metadata_dir(below, depth, src, sizeof(src)) != 1 || strcmp(src, outdir) == 0)
		return;		/* none, several, or already there: leave it */
	if (!(d = opendir(src)))
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", outdir, de->d_name);
		if (rename(from, to) < 0) {
			closedir(d);
			return;
		}
	}
	closedir(d);
	/* Remove the emptied chain, deepest first. */
	while (strlen(src) > strlen(outdir) && rmdir(src) == 0) {
		char *slash = strrchr(src, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

static uid_t chown_uid;
static gid_t chown_gid;
static bool do_chown;

static int fix_perm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (S_ISLNK(st->st_mode))
		return 0;
	/* Owner-only: LTTng creates its files group-writable. */
	chmod(path, S_ISDIR(st->st_mode) ? 0700 : 0600);
	if (do_chown && lchown(path, chown_uid, chown_gid) < 0)
		return 0;
	return 0;
}

static void flatten(const char *outdir)
{
	char ust[PATH_MAX + 8];

	snprintf(ust, sizeof(ust), "%s/ust", outdir);
	flatten_from(outdir, ust, 5);
}

void fl_trace_dir_finish_snapshot(const char *dir, bool chown_to, uid_t uid, gid_t gid)
{
	/* DIR/faultline-DATE-N/ust/uid/UID/64-bit */
	flatten_from(dir, dir, 6);
	do_chown = chown_to;
	chown_uid = uid;
	chown_gid = gid;
	nftw(dir, fix_perm, 16, FTW_PHYS);
}

void fl_trace_dir_finish(const char *dir, const char *why, bool chown_to, uid_t uid, gid_t gid)
{
	char path[PATH_MAX + 64];

	flatten(dir);
	if (why)
		write_file(dir, FL_TRACE_MARK_CUT_SHORT, why);
	snprintf(path, sizeof(path), "%s/%s", dir, FL_TRACE_MARK_RECORDING);
	unlink(path);
	do_chown = chown_to;
	chown_uid = uid;
	chown_gid = gid;
	nftw(dir, fix_perm, 16, FTW_PHYS);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void fl_trace_dir_remove(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_PHYS | FTW_DEPTH);
}

/* Is the recorder named in the marker still running?  A pid that now
 * belongs to another program does not count.  uid and gid: the owner the
 * marker names, when it names one. */
static bool recorder_alive(const char *dir, uid_t *uid, gid_t *gid)
{
	char path[PATH_MAX + 64], cmd[4096] = "";
	unsigned u, g;
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, FL_TRACE_MARK_RECORDING);
	if (!(f = fopen(path, "re")))
		return false;
	if (fscanf(f, "pid %d owner %u %u", &pid, &u, &g) == 3) {
		*uid = (uid_t)u;
		*gid = (gid_t)g;
	}
	fclose(f);
	if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
		return false;
	/* The command line, not the comm: a wrapper (valgrind) keeps its own. */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((f = fopen(path, "re"))) {
		size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[n] = '\0';
	}
	return strstr(cmd, "faultline") && strstr(cmd, " record");
}

int fl_trace_dir_complete(const char *dir)
{
	char path[PATH_MAX + 64], src[PATH_MAX + 64];
	struct stat st;
	uid_t owner_uid;
	gid_t owner_gid;
	bool marked, nested;

	snprintf(path, sizeof(path), "%s/%s", dir, FL_TRACE_MARK_RECORDING);
	marked = lstat(path, &st) == 0;
	snprintf(path, sizeof(path), "%s/ust", dir);
	nested = find_metadata_dir(path, 5, src, sizeof(src)) == 1;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (!marked && (!nested || lstat(path, &st) == 0))
		return 0;	/* a finished trace, or not one of ours */
	if (lstat(dir, &st) < 0)
		return -errno;
	owner_uid = st.st_uid;
	owner_gid = st.st_gid;
	if (marked && recorder_alive(dir, &owner_uid, &owner_gid))
		return 0;	/* still being recorded */
	if (access(dir, W_OK) < 0)
		return -errno;
	fl_trace_dir_finish(dir, "the recording was cut short: its recorder ended without "
			    "finishing it, so the trace holds what reached the disk until then\n",
			    geteuid() == 0, owner_uid, owner_gid);
	return 1;
}

bool fl_trace_dir_cut_short(const char *dir, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, FL_TRACE_MARK_CUT_SHORT);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}
