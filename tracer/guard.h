/* The recorder's guard: a small process that cleans up after a recorder
 * that dies without doing it itself (SIGKILL, the OOM killer, a crash).
 *
 * It is forked first, before anything it may have to undo exists, and then
 * only reads a pipe from the recorder: what the recorder has set up (the
 * recorded command, the LTTng session, a private lttng-sessiond, that the
 * recording started), then "done" at a normal end.  End of file without
 * "done" means the recorder is gone: the guard kills the recorded command
 * and everything it started, stops and destroys the session (LTTng then
 * flushes what it holds), stops the private session daemon and its
 * consumer daemons, and finishes the trace as cut short (trace_dir.h), or
 * removes the directory if the recording never started.  Nothing is left
 * running and the trace is readable and owner-only.
 */
#ifndef FL_GUARD_H
#define FL_GUARD_H

#include <stdbool.h>
#include <sys/types.h>

#include "fl_err.h"
#include "sudo_user.h"

struct fl_guard {
	pid_t pid;		/* the guard, 0 when none */
	int fd;			/* the pipe to it */
};

/* Fork the guard for the trace in outdir (owned by owner when active). */
int fl_guard_start(struct fl_guard *g, const char *outdir, const struct fl_sudo_user *owner,
		   struct fl_err *err);
/* What the recorder set up or undid. */
void fl_guard_child(struct fl_guard *g, pid_t pid);		/* 0: reaped */
void fl_guard_session(struct fl_guard *g, const char *name);	/* NULL: destroyed */
void fl_guard_sessiond(struct fl_guard *g, pid_t pid);		/* 0: stopped */
void fl_guard_started(struct fl_guard *g);
/* A normal end: the guard exits without doing anything; reaps it. */
void fl_guard_release(struct fl_guard *g);

#endif
