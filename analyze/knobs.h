/* knobs: what sets a run apart from another run of its strategy.
 *
 * runs.knobs holds every knob of the run's strategy, set or default, as a
 * JSON object (and the what-if keys arch, page_size, mmu when given).
 * Two runs that differ only in a knob look alike unless that knob is
 * shown, so every list of runs (report, diff, the HTML page) names the
 * knobs that are not at their strategy's default.
 */
#ifndef FL_KNOBS_H
#define FL_KNOBS_H

#include <stddef.h>

#include <sqlite3.h>

/* "writer_scale=200 jitter_ns=50": the knobs of knobs_json (a run's
 * runs.knobs) that differ from strategy's defaults, in the order stored,
 * and every what-if key; "" when all are at their defaults.  A knob the
 * strategy does not know (a newer store) counts as not default; knobs_json
 * that is not a JSON object is returned as it is.  db is any open
 * connection (for SQLite's JSON functions).  Returns a string to free(),
 * or NULL when out of memory. */
char *fl_knobs_nondefault(sqlite3 *db, const char *strategy, const char *knobs_json);

#endif
