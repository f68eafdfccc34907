/* view_across: `faultline report --by trace`, a sweep's summary.
 *
 * One row per strategy x profile x knob setting, over every run of the
 * database (many traces, after `faultline merge`): how many traces and runs,
 * faults and predicted fallbacks (the share of all faults, and the lowest
 * and highest share of one run), and the mmap_lock blocked time the runs
 * predict, with its change from the traces' own.  Reads runs and
 * thread_times only (pre-aggregated per run), so it stays fast on a large
 * merged database.
 */
#ifndef FL_VIEW_ACROSS_H
#define FL_VIEW_ACROSS_H

#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"
#include "table.h"

/* Columns: strategy, profile, setting (the knobs whose value differs
 * between the strategy's runs, "k=v ..."), knobs (the whole JSON; not in
 * text), traces, runs, faults, fell_back, share_pct, min_pct, max_pct,
 * blocked_ns, blocked_delta_ns; in the order the runs were added (a sweep's
 * order).  top > 0 keeps the top rows by share. */
int fl_view_across(sqlite3 *db, const char *path, int64_t top, struct fl_table *t,
		   struct fl_err *err);

#endif
