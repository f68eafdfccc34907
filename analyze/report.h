/* report: the views of `faultline report`, one file each (report_runs.c:
 * the default view and --by; report_spread.c: --spread; report_fidelity.c:
 * --fidelity).  builtin-report.c parses the command line and calls one;
 * --html is html.h's. */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fl_fmt.h"
#include "fl_err.h"
#include "symbols.h"

enum report_fmt { FMT_TEXT, FMT_JSON, FMT_CSV };

/* The --by views. */
enum report_by {
	BY_DEFAULT, BY_CAUSE, BY_REASON, BY_VMA, BY_THREAD, BY_WRITER, BY_TIME, BY_HANDLER, BY_IP,
	BY_TRACE,	/* not per run: every run, strategy x setting across traces */
};
/* The --by words, indexed by enum report_by ("" for BY_DEFAULT), NULL-ended. */
extern const char *const report_by_names[];

/* The symbols of the trace of the run being shown, read once per trace:
 * none when off (--no-symbols) or the trace cannot be read (said once, on
 * stderr). */
struct report_syms {
	bool off;
	int64_t trace_id;
	struct fl_symbols *sym;
	bool warned;
};
/* The symbols of trace_id (its path: trace), opened when the last trace
 * asked for was another; NULL when off or unreadable. */
struct fl_symbols *report_symbols_for(struct report_syms *c, int64_t trace_id, const char *trace);

/* The default view (by BY_DEFAULT) or a --by view of every run (run_id 0)
 * or one.  top: rows of a ranked table, 0 for all; cut_by: whether --by
 * views are cut to top (text always; CSV and JSON only when --top was
 * given); abs_time: times of the trace's clock, not since its first event. */
int report_runs(sqlite3 *db, const char *path, int64_t run_id, enum report_by by, int64_t top,
		bool cut_by, enum report_fmt fmt, struct report_syms *syms, bool abs_time,
		struct fl_err *err);
/* --spread: each cause's min / median / max over the runs that differ only
 * in their seed (every such group, or run_id's). */
int report_spread(sqlite3 *db, const char *path, int64_t run_id, enum report_fmt fmt,
		  struct fl_err *err);
/* --fidelity: run_id (0: the newest pervma run) against the kernel's answer,
 * at most limit disagreeing faults listed (0: all). */
int report_fidelity(sqlite3 *db, const char *path, int64_t run_id, size_t limit,
		    enum report_fmt fmt, bool abs_time, struct fl_err *err);

/* The mark replay --live leaves for run_id in meta (run_state:RUN_ID):
 * "live" while it grows the run, "cut short" when Ctrl-C stopped it, ""
 * for a run replayed whole; in buf, which is returned. */
const char *report_run_state(sqlite3 *db, int64_t run_id, char *buf, size_t len);
/* What a mark means, for the footnote "[MARK]: ..." under the runs. */
const char *report_state_note(const char *state);

/* num/den as a percentage "12.34%", or "n/a" when den is 0. */
const char *report_fmt_pct(char *buf, size_t len, uint64_t num, uint64_t den);
/* How trace_id's times print for people (fl_fmt.h): since traces.t_first,
 * or with abs_time the time of day, dated when t_first..t_last crosses
 * midnight; origin 0 when the trace cannot be read. */
void report_time_fmt(sqlite3 *db, int64_t trace_id, bool abs_time, struct fl_time_fmt *tf);

#endif
