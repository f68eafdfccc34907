/* The recorded command (`faultline record -- CMD ARGS`).
 *
 * fl_child_spawn() forks a child that waits until the recorder has opened
 * its perf events on it; fl_child_go() lets it exec.  The events are
 * enabled by that exec (enable_on_exec), so the trace starts exactly with
 * the command.  Under sudo the command runs as the invoking user
 * (sudo_user.h), not as root.  It runs at the nice value given, the one
 * faultline was started with, not the recorder's (recorder_start.c).
 */
#ifndef FL_CHILD_H
#define FL_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "fl_err.h"
#include "sudo_user.h"

struct fl_child {
	pid_t pid;
	int go_fd;		/* write a byte: exec now */
	int err_fd;		/* the child's exec errno, or EOF once exec'd */
	bool as_sudo_user;
	bool exited;
	int status;		/* waitpid status once exited */
};

/* Fork the command, held until fl_child_go(); under sudo (sudo->active) it
 * runs as that user, at nice value nice. */
int fl_child_spawn(struct fl_child *c, char **argv, const struct fl_sudo_user *sudo, int nice,
		   struct fl_err *err);
/* Let the child exec; fails with err set if exec failed. */
int fl_child_go(struct fl_child *c, char **argv, struct fl_err *err);
/* Reap the child if it exited (non-blocking).  True once it has exited. */
bool fl_child_poll(struct fl_child *c);
/* Terminate a child still running (SIGTERM, then SIGKILL after 2 s). */
void fl_child_stop(struct fl_child *c);

#endif
