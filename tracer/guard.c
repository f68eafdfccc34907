#define _GNU_SOURCE
#include "guard.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chunks.h"
#include "lttng_ctl.h"
#include "proc_stat.h"
#include "sessiond_life.h"
#include "trace_dir.h"

/* What the guard knows, from the recorder's messages. */
struct guard_state {
	pid_t child, sessiond;
	char session[256];
	bool started, done;
};

static bool in_set(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/* Stop root and every descendant (so none can fork or be re-parented
 * meanwhile), then kill them all.  Returns how many were killed. */
static size_t kill_tree(pid_t root)
{
	enum { MAXP = 4096 };
	static pid_t set[MAXP];
	size_t n = 0, before;

	if (root <= 0 || fl_proc_gone(root))
		return 0;
	set[n++] = root;
	kill(root, SIGSTOP);
	do {
		DIR *d = opendir("/proc");
		struct dirent *de;

		before = n;
		if (!d)
			break;
		while ((de = readdir(d)) && n < MAXP) {
			pid_t p = (pid_t)atoi(de->d_name), pp;
			char st;

			if (p > 0 && !in_set(set, n, p) && fl_proc_stat(p, &pp, &st, NULL) &&
			    in_set(set, n, pp)) {
				kill(p, SIGSTOP);
				set[n++] = p;
			}
		}
		closedir(d);
	} while (n > before);
	for (size_t i = 0; i < n; i++)
		kill(set[i], SIGKILL);
	return n;
}

/* End the recorder's session, and its daemon unless another recording
 * uses it (fl_lttng_cleanup() decides, as the recorder would have). */
static void end_session(const char *name, pid_t sessiond)
{
	struct fl_lttng l;
	struct fl_err err = { 0 };

	if (fl_lttng_load(&l, &err) < 0) {
		fl_sessiond_stop(sessiond);
		return;
	}
	/* Stopping makes the consumer daemon write out what it holds. */
	if (name[0]) {
		snprintf(l.session, sizeof(l.session), "%s", name);
		l.created = l.started = true;
	}
	l.sessiond_pid = sessiond > 0 && !fl_proc_gone(sessiond) ? sessiond : 0;
	fl_lttng_cleanup(&l);
}

static void clean_up(const struct guard_state *s, const char *outdir,
		     const struct fl_sudo_user *owner)
{
	char mark[PATH_MAX + 64];
	struct stat st;
	size_t killed = kill_tree(s->child);
	bool sessiond_stopped;

	end_session(s->session, s->sessiond);
	sessiond_stopped = s->sessiond > 0 && fl_proc_gone(s->sessiond);
	snprintf(mark, sizeof(mark), "%s/%s", outdir, FL_TRACE_MARK_RECORDING);
	if (lstat(mark, &st) < 0)
		return;		/* the recorder had finished the trace */
	if (!s->started) {
		fl_trace_dir_remove(outdir);
		fprintf(stderr, "faultline record: the recorder (pid %d) died before recording "
			"started; removed %s\n", (int)getppid(), outdir);
		return;
	}
	fl_chunks_finish(outdir, owner->active, owner->uid, owner->gid);	/* if it rotated */
	fl_trace_dir_finish(outdir, "the recording was cut short: the recorder was killed, "
			    "so the trace ends where it died\n", owner->active, owner->uid, owner->gid);
	fprintf(stderr, "faultline record: the recorder died: stopped %zu process%s of the "
		"recorded command%s%s; the trace until then is in %s (cut short)\n", killed,
		killed == 1 ? "" : "es", s->session[0] ? ", its LTTng session" : "",
		sessiond_stopped ? " and its lttng-sessiond" : "", outdir);
}

static void apply(struct guard_state *s, const char *line)
{
	int v;

	if (sscanf(line, "child %d", &v) == 1)
		s->child = (pid_t)v;
	else if (sscanf(line, "sessiond %d", &v) == 1)
		s->sessiond = (pid_t)v;
	else if (strncmp(line, "session ", 8) == 0) {
		size_t len = strnlen(line + 8, sizeof(s->session) - 1);
		memcpy(s->session, line + 8, len);
		s->session[len] = '\0';
	}
	else if (strcmp(line, "nosession") == 0)
		s->session[0] = '\0';
	else if (strcmp(line, "started") == 0)
		s->started = true;
	else if (strcmp(line, "done") == 0)
		s->done = true;
}

static void guard_main(int fd, const char *outdir, const struct fl_sudo_user *owner)
{
	struct guard_state s = { 0 };
	char buf[1024];
	size_t have = 0;

	prctl(PR_SET_NAME, "faultline-guard");
	/* A terminal's Ctrl-C is the recorder's to handle: the guard only
	 * acts when the recorder is gone. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			apply(&s, buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line too long: not ours */
	}
	if (!s.done)
		clean_up(&s, outdir, owner);
	_exit(0);
}

int fl_guard_start(struct fl_guard *g, const char *outdir, const struct fl_sudo_user *owner,
		   struct fl_err *err)
{
	int p[2];

	g->pid = 0;
	g->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return fl_err_set(err, -errno, "cannot start the recorder's guard: pipe: %s",
				  strerror(errno));
	fflush(NULL);
	g->pid = fork();
	if (g->pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		g->pid = 0;
		return fl_err_set(err, -e, "cannot start the recorder's guard: fork: %s", strerror(e));
	}
	if (g->pid == 0) {
		close(p[1]);
		guard_main(p[0], outdir, owner);
	}
	close(p[0]);
	g->fd = p[1];
	return 0;
}

static void say(struct fl_guard *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct fl_guard *g, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (g->fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(line) && write(g->fd, line, (size_t)n) < 0) {
		/* The guard is gone: nothing to tell. */
	}
}

void fl_guard_child(struct fl_guard *g, pid_t pid)
{
	say(g, "child %d\n", (int)pid);
}

void fl_guard_session(struct fl_guard *g, const char *name)
{
	if (name)
		say(g, "session %s\n", name);
	else
		say(g, "nosession\n");
}

void fl_guard_sessiond(struct fl_guard *g, pid_t pid)
{
	say(g, "sessiond %d\n", (int)pid);
}

void fl_guard_started(struct fl_guard *g)
{
	say(g, "started\n");
}

void fl_guard_release(struct fl_guard *g)
{
	int status;

	if (g->fd >= 0) {
		say(g, "done\n");
		close(g->fd);
		g->fd = -1;
	}
	if (g->pid > 0) {
		while (waitpid(g->pid, &status, 0) < 0 && errno == EINTR)
			;
		g->pid = 0;
	}
}
