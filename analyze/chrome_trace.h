/* chrome_trace: `faultline export --format chrome-trace`, a run's replayed
 * timeline as Chrome Trace Event JSON, for Perfetto UI (ui.perfetto.dev,
 * "Open trace file") and chrome://tracing.
 *
 *   one process per traced process (pid), one track per thread (tid);
 *   a complete slice (ph "X") per fault, named by its outcome: the
 *     counter, the reason when it is not "ok", and "-> mmap_lock" when the
 *     fault fell back; its args hold the exact numbers;
 *   a slice per mmap_lock writer on the writer's thread: the write window
 *     (the lock hold, else the syscall span);
 *   a "mmap_lock wait" slice inside each fault that waited on the
 *     simulated mmap_lock;
 *   a flow arrow (ph "s" -> "f", one id each) from a writer to every fault
 *     whose abort it caused;
 *   metadata (ph "M"): thread names, and process names that hold the
 *     run, strategy, profile, seed and non-default knobs (Perfetto UI reads
 *     only process_name and thread_name), the same as process_labels for
 *     chrome://tracing.
 *
 * Times are microseconds (the format's unit, to the ns as decimals) since
 * the trace's first event.  A fault slice lasts its replayed latency, cut
 * at the thread's next fault and at its thread's mmap_lock write windows so
 * that a track's slices nest (args.latency_ns keeps the exact value).
 * With several runs, each run's pids and tids are offset by
 * run_id * 10000000 so their tracks stay apart.
 */
#ifndef FL_CHROME_TRACE_H
#define FL_CHROME_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "fl_err.h"

/* Unbounded ends of the time window. */
#define FL_CT_FROM_START 0
#define FL_CT_TO_END INT64_MAX

/* Write the timeline of run_id (every run when 0) of db (path names it) to
 * out, keeping the events that meet [from, to] (ns since the trace's first
 * event): the fault slices are those of the whole run's file that meet it,
 * cut alike.  0, or a negative code with err set. */
int fl_chrome_trace_write(sqlite3 *db, const char *path, int64_t run_id, int64_t from, int64_t to,
			  FILE *out, struct fl_err *err);

/* Parse a time since the trace's start: a number with a unit, "250ms",
 * "1.5s", "300us", "1000ns" (a bare 0 too).  0, or -EINVAL. */
int fl_chrome_trace_parse_time(const char *s, int64_t *ns);

#endif
