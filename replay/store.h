/* store: writing replays into the SQLite outcome store (docs/design.md §8).
 *
 * The schema is schemas/outcomes.sql, compiled in.  A database is created
 * on first use; an existing one must be a faultline database (its
 * application_id) of a schema version this build knows.  Everything of one
 * `faultline replay` goes into one transaction (fl_store_begin ..
 * fl_store_commit): a killed replay leaves the database as it was.
 * Statements are prepared once and every value is bound.
 */
#ifndef FL_STORE_H
#define FL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "fl_err.h"
#include "ground_truth.h"
#include "ingest.h"
#include "strategy.h"

#define FL_STORE_APP_ID		0x464C4E31	/* "FLN1" */
#define FL_STORE_VERSION	7

/* Statistics for SQLite's query planner (sqlite_stat1), from a sample of
 * each index, run before a commit: a replay's (store_run.c) and a merge's
 * (fleet/merge.c).  Without them a user's join of the view outcomes with
 * faults on fault_id scanned every outcome row once per fault: 31 s on
 * five runs of a 14,692-fault trace, 33 ms with them, which took 14 ms
 * to gather. */
#define FL_STORE_ANALYZE_SQL	"PRAGMA analysis_limit = 400; ANALYZE"

struct fl_store;

/* Open or create path for writing.  0, or a negative code with err filled
 * (not SQLite, not faultline's, a newer schema, cannot write).
 *
 * A new database is written in a private file next to path (O_EXCL) and
 * linked to path at the commit, only if path is still absent; if another
 * replay made path meanwhile, the rows are copied into it in one
 * transaction.  A replay that fails leaves nothing of a new database, and
 * never removes or replaces a file it did not create. */
int fl_store_open(const char *path, struct fl_store **out, struct fl_err *err);
void fl_store_close(struct fl_store *st);

/* Start the replay's transaction: 0, or -EBUSY at once when another
 * process holds the database's write lock (err says so); then
 * fl_store_begin_wait() waits up to seconds for it. */
int fl_store_begin(struct fl_store *st, struct fl_err *err);
int fl_store_begin_wait(struct fl_store *st, int seconds, struct fl_err *err);
#define FL_STORE_WAIT_S		600

/* Commit, and checkpoint the WAL into the database file: 0 only when
 * both succeeded.  A new database is published at its path only then
 * (see fl_store_open()); a failure leaves the database as it was. */
int fl_store_commit(struct fl_store *st, struct fl_err *err);
/* A run's id in the database once committed: a new database that met
 * another replay's at its path was added to it, its runs renumbered. */
int64_t fl_store_run_id(const struct fl_store *st, int64_t run_id);
void fl_store_rollback(struct fl_store *st);

/* A new trace row (completed by fl_store_trace_end). */
int fl_store_trace_begin(struct fl_store *st, const char *path, const struct fl_trace_meta *meta,
			 int64_t *trace_id, struct fl_err *err);
int fl_store_run_begin(struct fl_store *st, int64_t trace_id, const char *strategy,
		       const char *profile, const char *knobs_json, uint64_t seed,
		       int64_t *run_id, struct fl_err *err);

/* The engine's sink: writers, faults and outcomes as they are decided.
 * They are inserted on a writer thread, in the order given; a failure
 * shows in a later call (-EIO, or -ENOMEM), at the latest in
 * fl_store_commit(), and fl_store_error() says which row failed and why.
 * Every other call waits until the rows given before it are stored. */
int fl_store_writer(struct fl_store *st, int64_t trace_id, const struct fl_writer *w);
int fl_store_fault(struct fl_store *st, int64_t trace_id, const struct fl_fault_view *v,
		   const struct fl_gt_result *gt);
int fl_store_outcome(struct fl_store *st, int64_t run_id, const struct fl_fault_view *v,
		     const struct fl_outcome *o);

/* The first row that could not be stored: "DB: cannot store fault N: why". */
const struct fl_err *fl_store_error(const struct fl_store *st);

int fl_store_thread(struct fl_store *st, int64_t trace_id, const struct fl_engine_thread *t);
/* One thread's predicted blocked and run time in a run (thread_times). */
int fl_store_thread_time(struct fl_store *st, int64_t run_id, const struct fl_delay_thread *t);
/* Fill in the run's totals and its cause_counts. */
int fl_store_run_end(struct fl_store *st, int64_t run_id, const struct fl_engine_run *run,
		     uint64_t wall_ms, struct fl_err *err);
/* Fill in the trace row.  When the database already held this trace (same
 * path, dialect, events and time span), the rows just written for it are
 * dropped and the runs point at the older copy; *trace_id is updated. */
/* What the trace lost (before fl_store_trace_end): the losses rows,
 * traces.lost_records and t_first_loss, and the faults from t_first_loss on
 * marked gt 'unknown', gt_detail 'after loss'. */
struct fl_store_loss {
	struct fl_lost l;
	int32_t cpu;
};
int fl_store_losses(struct fl_store *st, int64_t trace_id, const struct fl_store_loss *v, size_t n,
		    uint64_t t_first, uint64_t *marked, struct fl_err *err);
int fl_store_trace_end(struct fl_store *st, int64_t *trace_id, const struct fl_ingest_result *res,
		       bool has_ground_truth, bool lock_windows, struct fl_err *err);

/* A live replay (replay --live) commits its runs in batches: before
 * fl_store_run_end() writes a run's totals again, this drops what the
 * previous batch's run_end and trace_end wrote of it (its cause_counts and
 * tallies), so that they are written whole with the totals so far. */
int fl_store_run_rewrite(struct fl_store *st, int64_t run_id, struct fl_err *err);
/* Mark a run in the meta table, key 'run_state:RUN_ID': "live" (still
 * growing), "cut short" (stopped before its session ended), or NULL for
 * none (complete, as every run that is not marked). */
int fl_store_run_state(struct fl_store *st, int64_t run_id, const char *state,
		       struct fl_err *err);
/* replay --replace: delete run_id and every row of it (outcomes,
 * cause_counts, thread_times, tallies, its meta mark), and its trace's
 * rows when no run is left on it, in the open transaction: they are gone
 * only once fl_store_commit() has committed the replay that replaces it. */
int fl_store_run_delete(struct fl_store *st, int64_t run_id, struct fl_err *err);

#endif
