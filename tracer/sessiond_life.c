#define _GNU_SOURCE
#include "sessiond_life.h"
#include "proc_stat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOTE_NAME "faultline-sessiond"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int fl_sessiond_note_path(char *buf, size_t n)
{
	const char *home = getenv("LTTNG_HOME");
	int len;

	if (geteuid() == 0)
		len = snprintf(buf, n, "/var/run/lttng/" NOTE_NAME);
	else {
		if (!home || !home[0])
			home = getenv("HOME");
		if (!home || !home[0])
			return -ENOENT;
		len = snprintf(buf, n, "%s/.lttng/" NOTE_NAME, home);
	}
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int fl_sessiond_note_put(pid_t pid)
{
	char path[4096], tmp[4200], line[64];
	unsigned long long start;
	pid_t pp;
	char st;
	int fd, len, rc = 0;

	if (fl_sessiond_note_path(path, sizeof(path)) < 0 || !fl_proc_stat(pid, &pp, &st, &start))
		return -ENOENT;
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	len = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, start);
	/* Written whole, then renamed: a reader sees the old note or this. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return -errno;
	if (write(fd, line, (size_t)len) != len)
		rc = -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* The note's pid when it is well formed, whether or not it runs. */
static pid_t note_read(const char *path, unsigned long long *start)
{
	char line[64];
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%d %llu", &pid, start) != 2 || pid <= 0)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

pid_t fl_sessiond_note_get(void)
{
	char path[4096];
	unsigned long long start = 0, now;
	pid_t pid, pp;
	char st;

	if (fl_sessiond_note_path(path, sizeof(path)) < 0 || !(pid = note_read(path, &start)))
		return 0;
	if (fl_proc_stat(pid, &pp, &st, &now) && now == start && st != 'Z' && st != 'X')
		return pid;
	/* That daemon has gone (its pid may now be another process's). */
	fl_sessiond_note_clear(pid);
	return 0;
}

void fl_sessiond_note_clear(pid_t pid)
{
	char path[4096];
	unsigned long long start;

	if (fl_sessiond_note_path(path, sizeof(path)) == 0 && note_read(path, &start) == pid)
		unlink(path);
}

void fl_sessiond_stop(pid_t pid)
{
	pid_t kids[16];
	size_t nkids = 0;
	DIR *d;
	struct dirent *de;
	int status;

	if (pid <= 0)
		return;
	if (fl_proc_gone(pid)) {
		waitpid(pid, &status, WNOHANG);
		return;
	}
	/* Its consumer daemons, found now: once it is gone they are
	 * re-parented and no longer tell whose they were. */
	if ((d = opendir("/proc"))) {
		while ((de = readdir(d)) && nkids < 16) {
			pid_t p = (pid_t)atoi(de->d_name), pp;
			char st;

			if (p > 0 && fl_proc_stat(p, &pp, &st, NULL) && pp == pid)
				kids[nkids++] = p;
		}
		closedir(d);
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 500 && !fl_proc_gone(pid); i++)
		sleep_ms(10);
	if (!fl_proc_gone(pid))
		kill(pid, SIGKILL);
	/* Reaped when it is ours; a zombie of another parent is gone too. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (size_t i = 0; i < nkids; i++)
		if (!fl_proc_gone(kids[i]))
			kill(kids[i], SIGKILL);
}
