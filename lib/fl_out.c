/* fl_out: checked outputs and safe file replacement (see fl_out.h). */
#include "fl_out.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

/* The kind of file at path, for a refusal. */
static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int fl_out_open(struct fl_out *o, const char *path, struct fl_err *err)
{
	struct stat st;
	char *dcopy, *bcopy;
	mode_t mode, mask;
	size_t n;
	int fd;

	*o = (struct fl_out){ .f = stdout, .path = path ? path : "-" };
	if (is_stdout(path))
		return 0;
	o->f = NULL;
	mask = umask(022);
	umask(mask);
	mode = 0666 & ~mask;
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			fl_err_set(err, -EEXIST, "%s: %s, which an output does not replace", path,
				   kind_of(st.st_mode));
			fl_err_hint(err, "give the name of a new or a regular file (or - for stdout)");
			return -EEXIST;
		}
		mode = st.st_mode & 07777;	/* the replacement keeps the file's mode */
	} else if (errno != ENOENT) {
		int e = errno;

		return fl_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	dcopy = strdup(path);
	bcopy = strdup(path);
	n = strlen(path) + 16;
	o->tmp = malloc(n);
	if (!dcopy || !bcopy || !o->tmp) {
		free(dcopy);
		free(bcopy);
		free(o->tmp);
		o->tmp = NULL;
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	snprintf(o->tmp, n, "%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
	free(dcopy);
	free(bcopy);
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		fl_err_set(err, -e, "%s: cannot create it: %s", path, strerror(e));
		fl_err_hint(err, "write it in a directory you can write to");
		return -e;
	}
	if (fchmod(fd, mode) < 0) {
		/* Stays 0600, private: no harm. */
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;

		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return fl_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	return 0;
}

/* Flush f and look for an earlier failed write: 0, -errno, or -EIO when
 * a write failed before and its errno is gone. */
static int flush_checked(FILE *f)
{
	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/* Why a write failed, for the message: strerror(), or nothing known. */
static const char *why(int rc)
{
	return rc == -EIO && !errno ? "a write failed" : strerror(-rc);
}

int fl_out_close(struct fl_out *o, bool commit, struct fl_err *err)
{
	int rc = 0;

	if (!o->f)
		return 0;
	if (!o->tmp) {
		rc = flush_checked(o->f);
		o->f = NULL;
		if (rc && commit)
			return fl_err_set(err, rc, "cannot write the output to stdout: %s", why(rc));
		return 0;
	}
	if (commit) {
		rc = flush_checked(o->f);
		if (!rc && fsync(fileno(o->f)) < 0)
			rc = -errno;
	}
	if (fclose(o->f) != 0 && commit && !rc)
		rc = errno ? -errno : -EIO;
	o->f = NULL;
	if (commit && !rc) {
		struct stat st;

		/* Checked again just before the rename: what was planted at
		 * the target meanwhile is not replaced either. */
		if (lstat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
			fl_err_set(err, -EEXIST, "%s: %s, which an output does not replace", o->path,
				   kind_of(st.st_mode));
			rc = -EEXIST;
		} else if (rename(o->tmp, o->path) < 0) {
			rc = -errno;
			fl_err_set(err, rc, "%s: cannot put the output in place: %s", o->path,
				   strerror(-rc));
		}
	} else if (commit) {
		fl_err_set(err, rc, "%s: cannot write the output: %s", o->path, why(rc));
	}
	if (rc || !commit)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return rc;
}

int fl_stdout_close(struct fl_err *err)
{
	int rc = flush_checked(stdout);

	if (!rc && fclose(stdout) != 0)
		rc = errno ? -errno : -EIO;
	if (rc)
		return fl_err_set(err, rc, "cannot write the output to stdout: %s", why(rc));
	return 0;
}
