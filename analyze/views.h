/* views: the queries behind `faultline report`'s views, each filling an
 * fl_table (table.h).  Computation only; builtin-report.c prints them, and
 * html.c draws some of them.
 *
 * The default view reads pre-aggregated rows (cause_counts) and the
 * readers' indexes of schemas/outcomes.sql, never a whole run's outcomes:
 * it stays well under a second on tens of millions of outcome rows
 * (scripts/bench-report).  The --by views may scan a run's outcomes.
 *
 * Every function returns 0, or a negative code with err set (naming path).
 */
#ifndef FL_VIEWS_H
#define FL_VIEWS_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"
#include "table.h"

struct fl_view_ctx {
	sqlite3 *db;
	const char *path;	/* names the database in errors */
	int64_t run_id, trace_id;
	int64_t top;		/* rows of a ranked table; 0: all */
};

/* Faults, attempted (under the VMA lock or speculatively), succeeded,
 * aborted, retried, missed, fell back, never attempted: counts and shares
 * of the run's outcomes, from cause_counts.
 * Columns: outcome, count, share_pct. */
int fl_view_summary(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);
/* cause_counts: counter, reason, count, share_pct, fell_back. */
int fl_view_causes(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);
/* cause_counts by reason: reason, count, share_pct, fell_back, counters. */
int fl_view_reasons(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);
/* Latency and lock wait, nearest-rank percentiles:
 * metric, n, p50_ns, p90_ns, p99_ns, max_ns, total_ns (lock wait only: the
 * sum of thread_times.blocked_pred). */
int fl_view_latency(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);

/* The writers that caused aborts (outcomes.writer_id), ranked. */
enum fl_writers_by {
	FL_BY_CALL,	/* call, aborts, share_pct, writers */
	FL_BY_IP,	/* ip (of the aborted faults), aborts, share_pct, writers */
	FL_BY_THREAD,	/* tid, comm, aborts, share_pct, writers */
	FL_BY_VMA,	/* vma, vma_start, vma_end, vma_kind, aborts, share_pct, writers */
	FL_BY_WRITER,	/* writer_id, call, tid, comm, aborts, share_pct, hold_ns, t_ns, args,
			 * pid, call_site, caller (left NULL for the caller to name) */
};
int fl_view_aborters(const struct fl_view_ctx *v, enum fl_writers_by by, struct fl_table *t,
		     struct fl_err *err);

/* The fidelity counts of the run, through the faults_not_vma index and
 * cause_counts: compared, tp, fp, fn, tn, precision, recall (one row; the
 * same numbers as fidelity.h's, which lists every fault too).  *has_gt is
 * false, and t empty, when the trace has no ground truth. */
int fl_view_fidelity(const struct fl_view_ctx *v, bool *has_gt, struct fl_table *t,
		     struct fl_err *err);

/* Per VMA the run placed faults in: vma, vma_start, vma_end, vma_kind,
 * faults, fell_back, fallback_pct, aborts (a writer named), lock_wait_ns,
 * file (left NULL: the caller names it from the trace's mappings); most
 * fallbacks first. */
int fl_view_vmas(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);
/* Per faulting ip: ip, pid (one of its processes), symbol (left NULL for
 * the caller), faults, fell_back, aborts; most fallbacks first. */
int fl_view_ips(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);
/* Per thread (thread_times): tid, pid, comm, faults, fell_back,
 * blocked_traced_ns, blocked_pred_ns, wasted_ns, run_traced_ns,
 * run_pred_ns, run_delta_ns; the largest predicted change first. */
int fl_view_threads(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);
/* Aborts over time, buckets equal slices of the trace: bucket, t_ns (start,
 * from the trace's first event), faults, fell_back, fallback_pct, aborts. */
int fl_view_time(const struct fl_view_ctx *v, int buckets, struct fl_table *t,
		 struct fl_err *err);
/* Per fault handler, the one the replay dispatched each fault to and
 * stored with its outcome ('none': not in a VMA), named as the replay's
 * cost table names them: handler, faults, share_pct, fell_back,
 * fallback_pct, latency_mean_ns, latency_max_ns, cost_ns (the run's
 * calibrated cost).  -EINVAL for a database of schema version 5 or older,
 * which does not store the handler. */
int fl_view_handlers(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err);

/* The latency histogram of a run for html.c: counts per power-of-two
 * bucket, hist[i] counting latencies in [2^i, 2^(i+1)) ns (hist[0] also
 * 0 and 1 ns).  n buckets. */
int fl_view_latency_hist(const struct fl_view_ctx *v, int64_t *hist, int n, struct fl_err *err);

#endif
