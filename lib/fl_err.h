/* fl_err: carrying one human-readable error from deep in the code to the CLI.
 *
 * Library code never prints and never exits: it fills a struct fl_err and
 * returns a negative errno-style code.  The CLI prints
 *   faultline: <what failed>: <why>
 *   hint: <what to do>
 * and picks the exit status.  One error is enough: the first one wins, later
 * calls only fill the hint if it is still empty.
 */
#ifndef FL_ERR_H
#define FL_ERR_H

#include <stdarg.h>
#include <stdio.h>

struct fl_err {
	int code;		/* negative errno-style code, 0 when unset */
	char msg[1024];
	char hint[512];
};

#define FL_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Record an error (first one wins); returns code so callers can
 * `return fl_err_set(err, -EINVAL, "...")`. */
int fl_err_set(struct fl_err *err, int code, const char *fmt, ...) FL_PRINTF(3, 4);
/* Attach a hint to the recorded error, unless one is already there. */
void fl_err_hint(struct fl_err *err, const char *fmt, ...) FL_PRINTF(2, 3);
/* Print "faultline: msg" and "hint: ..." to stream. */
void fl_err_print(const struct fl_err *err, FILE *stream);

/* Print a one-off CLI error (usage problems and the like). */
void fl_error(const char *fmt, ...) FL_PRINTF(1, 2);

#endif
