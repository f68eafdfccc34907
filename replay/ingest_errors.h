/* ingest_errors.h: how the decoder tells what went wrong in
 * libbabeltrace2 (ingest_errors.c): its log captured while the source opens
 * the trace, and its error turned into faultline's one-line message. */
#ifndef FL_INGEST_ERRORS_H
#define FL_INGEST_ERRORS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "fl_err.h"

/* libbabeltrace2 puts the specific reason for a bad trace (the metadata
 * parser's "At line N ...: syntax error", "Invalid packet size ... file-size")
 * in its log, not in the error causes.  While the source opens the trace,
 * its log (stderr, at WARNING) goes to a temporary file, and the first
 * plugin line of it becomes the detail of our message. */
struct log_capture {
	int saved;
	FILE *tmp;
	off_t inplace;		/* >= 0: captured in stderr itself, from here */
};

void ingest_capture_begin(struct log_capture *c);
/* Restore stderr; copy the most telling captured line into detail.
 * *metadata is set when that line came from the metadata decoder. */
void ingest_capture_end(struct log_capture *c, char *detail, size_t len, bool *metadata);
/* The indexer's words for a stream file that ends inside a packet. */
bool ingest_truncated(const char *detail);
/* libbabeltrace2's error of this thread as err: "PATH: WHAT: detail". */
int ingest_bt_error(struct fl_err *err, const char *path, const char *what,
		    const char *log_detail);

#endif
