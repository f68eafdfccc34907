/* faultline record --trigger [-o DIR]: the other side of --snapshot.
 * Finds the flight recorder writing DIR (through its recording marker)
 * or the only one running (through /proc), and sends it SIGUSR1.  Apart
 * from the recorder: it records nothing and shares none of its state.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "recorder.h"
#include "trace_dir.h"

/* Is pid a `faultline record --snapshot`?  Its command line says so (the
 * comm may be a wrapper's, valgrind's for one): an argument naming the
 * faultline binary, then "record", then "--snapshot" before any "--". */
static bool is_flight_recorder(pid_t pid)
{
	char path[64], buf[8192];
	FILE *f;
	size_t n;
	int step = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		const char *arg = buf + i, *base = strrchr(arg, '/');

		base = base ? base + 1 : arg;
		if (step == 0 && strcmp(base, "faultline") == 0)
			step = 1;
		else if (step == 1)
			step = strcmp(arg, "record") == 0 ? 2 : 0;
		else if (step == 2 && strcmp(arg, "--") == 0)
			return false;	/* the recorded command's own arguments */
		else if (step == 2 && strcmp(arg, "--snapshot") == 0)
			return true;
	}
	return false;
}

/* faultline record --trigger [-o DIR]: ask the flight recorder writing DIR
 * (or the only one running) for a snapshot. */
int recorder_send_trigger(const struct rec_opts *o)
{
	struct fl_err err = { 0 };
	pid_t pid = 0;

	if (o->output) {
		char path[PATH_MAX + 64], buf[64];
		snprintf(path, sizeof(path), "%s/%s", o->output, FL_TRACE_MARK_RECORDING);
		if (recorder_read_file_str(path, buf, sizeof(buf)) < 0 || sscanf(buf, "pid %d", &pid) != 1) {
			fl_err_set(&err, -ENOENT, "no recording in progress in %s", o->output);
			fl_err_hint(&err, "give the -o DIR of a running `faultline record --snapshot`");
			goto fail;
		}
		if (!is_flight_recorder(pid)) {
			fl_err_set(&err, -EINVAL, "the recorder of %s (pid %d) is not a flight recorder",
				   o->output, (int)pid);
			fl_err_hint(&err, "only `faultline record --snapshot` takes snapshots");
			goto fail;
		}
	} else {
		DIR *d = opendir("/proc");
		struct dirent *de;
		int found = 0;

		while (d && (de = readdir(d))) {
			pid_t p = (pid_t)atoi(de->d_name);
			if (p > 0 && p != getpid() && is_flight_recorder(p)) {
				found++;
				pid = p;
			}
		}
		if (d)
			closedir(d);
		if (found != 1) {
			fl_err_set(&err, -ESRCH, "%s", found ? "several flight recorders are running"
				   : "no flight recorder (faultline record --snapshot) is running");
			fl_err_hint(&err, "%s", found ? "say which with -o DIR" :
				    "start one with: sudo faultline record --snapshot -o DIR ...");
			goto fail;
		}
	}
	if (kill(pid, SIGUSR1) < 0) {
		fl_err_set(&err, -errno, "cannot signal the recorder (pid %d): %s", (int)pid, strerror(errno));
		fl_err_hint(&err, "run --trigger as the user who runs the recorder (root)");
		goto fail;
	}
	fprintf(stderr, "faultline record: asked the flight recorder (pid %d) for a snapshot\n", (int)pid);
	return FL_EXIT_OK;
fail:
	fl_err_print(&err, stderr);
	return FL_EXIT_FAIL;
}
