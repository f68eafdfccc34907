/* losses: what a trace lost, as the store has it (schemas/outcomes.sql:
 * losses, traces.lost_records and t_first_loss, faults marked 'after
 * loss'), and the one warning every reader prints about it, so that no
 * answer from a lossy trace goes out without it.  Also the faults the
 * model could not place, per process and reason. */
#ifndef FL_LOSSES_H
#define FL_LOSSES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "fl_fmt.h"

struct fl_loss_summary {
	bool lossy;			/* the trace lost something */
	uint64_t records;		/* perf records lost from the rings */
	uint64_t inferred;		/* of which inferred: records is then a
					 * lower bound */
	uint64_t events;		/* events the CTF tracer discarded */
	uint64_t packets;		/* packets the CTF tracer discarded */
	uint64_t reports;		/* rows of losses */
	int64_t t_first_loss;		/* ns on the trace clock; 0 unknown */
	int64_t t_first;		/* the trace's first event */
	uint64_t faults_after;		/* faults from the first loss on */
	uint64_t threads_after;		/* threads with such faults */
};

/* Fill s for trace_id (zeroed when the trace lost nothing, or the database
 * predates the losses table: then only lost_events/lost_packets count).
 * Returns 0, or a negative code on an SQL error. */
int fl_losses_read(sqlite3 *db, int64_t trace_id, struct fl_loss_summary *s);

/* The warning, prefix before each line ("" or "  "); nothing when the trace
 * lost nothing.  Its time as tf says (NULL: s since the first event). */
void fl_losses_print(FILE *f, const char *prefix, const struct fl_loss_summary *s,
		     const struct fl_time_fmt *tf);

/* One line of text for a status bar or an HTML note; "" when nothing lost. */
void fl_losses_line(char *buf, size_t len, const struct fl_loss_summary *s);

/* Print the faults of run_id the model could not place (outside every VMA
 * it knew, or in an extent it inferred), per process and reason, under a
 * heading; nothing when there are none.  Cheap when there are none: it
 * looks at cause_counts first.  Times as tf says (NULL: s since the first
 * event). */
int fl_unplaced_print(FILE *f, sqlite3 *db, int64_t run_id, const char *prefix,
		      const struct fl_time_fmt *tf);

#endif
