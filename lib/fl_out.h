/* fl_out: writing a command's output, to stdout or a file, so that a
 * failed write is never taken for success and no other file is harmed.
 *
 * A file output is written to a new file that mkstemp() makes in the
 * target's directory (O_EXCL: never a name another user can plant a
 * symlink or a file at), synced, and renamed over the target only when
 * complete: a reader sees the old file or the whole new one.  The target
 * may be absent or a regular file; anything else (a FIFO, a device, a
 * directory, a symlink) is refused, not replaced.  "-" is stdout.
 *
 * Every write error (a full disk, /dev/full, a closed pipe, EIO) shows at
 * fl_out_close() or fl_stdout_close(), naming the output.
 */
#ifndef FL_OUT_H
#define FL_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "fl_err.h"

struct fl_out {
	FILE *f;		/* where to write */
	const char *path;	/* the target as named ("-": stdout) */
	char *tmp;		/* the new file, until renamed; NULL for stdout */
};

/* Open path ("-" or NULL: stdout) for writing.  0, or a negative code
 * with err naming path and why. */
int fl_out_open(struct fl_out *o, const char *path, struct fl_err *err);

/* Finish the output.  With commit, flush and sync it and put it in place:
 * 0, or a negative code with err naming the output and the failed write.
 * Without commit (the command failed), the new file is removed and the
 * target left as it was.  stdout is flushed, not closed. */
int fl_out_close(struct fl_out *o, bool commit, struct fl_err *err);

/* At the end of a command: flush and close stdout.  0, or a negative code
 * with err saying the output could not be written. */
int fl_stdout_close(struct fl_err *err);

#endif
