#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int fl_child_spawn(struct fl_child *c, char **argv, const struct fl_sudo_user *sudo, int nice,
		   struct fl_err *err)
{
	int go[2], ex[2];

	memset(c, 0, sizeof(*c));
	c->go_fd = c->err_fd = -1;
	c->as_sudo_user = sudo->active;
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0)
		return fl_err_set(err, -errno, "cannot run %s: pipe: %s", argv[0], strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		return fl_err_set(err, -errno, "cannot run %s: fork: %s", argv[0], strerror(errno));
	if (c->pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(ex[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		/* EOF instead of a byte: the recorder gave up. */
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		/* Back to faultline's own priority: the recorder's boost is
		 * the recorder's (recorder_start.c). */
		setpriority(PRIO_PROCESS, 0, nice);
		if (c->as_sudo_user && fl_sudo_user_become(sudo) < 0) {
			e = errno;
			if (write(ex[1], &e, sizeof(e)) < 0)
				_exit(126);
			_exit(126);
		}
		execvp(argv[0], argv);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	c->go_fd = go[1];
	c->err_fd = ex[0];
	return 0;
}

int fl_child_go(struct fl_child *c, char **argv, struct fl_err *err)
{
	int e = 0;
	ssize_t n;

	if (write(c->go_fd, "g", 1) != 1)
		return fl_err_set(err, -errno, "cannot start %s: %s", argv[0], strerror(errno));
	close(c->go_fd);
	c->go_fd = -1;
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == (ssize_t)sizeof(e)) {
		waitpid(c->pid, &c->status, 0);
		c->exited = true;
		fl_err_set(err, -e, "cannot run '%s': %s", argv[0], strerror(e));
		if (e == ENOENT)
			fl_err_hint(err, "check the command name and PATH%s",
				    c->as_sudo_user ? " (it runs as the user who ran sudo)" : "");
		else if (e == EACCES || e == EPERM)
			fl_err_hint(err, "%s", c->as_sudo_user ? "it runs as the user who ran sudo: "
				    "that user must be able to run it" : "is it executable?");
		return err->code;
	}
	return 0;
}

bool fl_child_poll(struct fl_child *c)
{
	if (c->pid <= 0 || c->exited)
		return true;
	if (waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = true;
	return c->exited;
}

void fl_child_stop(struct fl_child *c)
{
	if (c->pid <= 0)
		return;
	if (c->go_fd >= 0) {
		/* Never started: closing the pipe makes it exit. */
		close(c->go_fd);
		c->go_fd = -1;
	}
	if (c->err_fd >= 0) {
		close(c->err_fd);
		c->err_fd = -1;
	}
	if (fl_child_poll(c))
		return;
	kill(c->pid, SIGTERM);
	for (int i = 0; i < 200 && !fl_child_poll(c); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (!c->exited) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
		c->exited = true;
	}
}
