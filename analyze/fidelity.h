/* fidelity: how well one run's predicted fallbacks agree with the kernel's
 * own answer recorded in the trace (docs/design.md §7).  The computation only; the
 * printing is in builtin-report.c.
 *
 * The faults compared are those of the run's trace whose ground truth is
 * known (faults.gt 'vma' or 'fallback') and that have an outcome in the run.
 * A fault is a predicted fallback when outcomes.fell_back = 1, a true
 * fallback when faults.gt = 'fallback':
 *
 *                        truth fallback   truth vma
 *   predicted fallback         TP             FP
 *   predicted no fallback      FN             TN
 *
 * precision = TP / (TP + FP), recall = TP / (TP + FN); a ratio whose
 * denominator is 0 is undefined (fl_ratio() returns false).
 */
#ifndef FL_FIDELITY_H
#define FL_FIDELITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"

/* Precision per predicted reason (outcomes.reason of predicted fallbacks). */
struct fl_fid_reason {
	char *reason;
	uint64_t tp, fp;
};

/* Recall per ground-truth detail (faults.gt_detail of true fallbacks). */
struct fl_fid_detail {
	char *detail;
	uint64_t tp, fn;
};

/* One cell row of the confusion table: (counter, reason) x gt. */
struct fl_fid_cell {
	char *counter, *reason;
	uint64_t predicted_fallback;	/* of these faults, fell_back = 1 */
	uint64_t gt_vma, gt_fallback;
};

/* A writers row, linked by the outcome or the nearest in time. */
struct fl_fid_writer {
	bool present;
	bool linked;			/* outcomes.writer_id; else nearest of the pid */
	int64_t writer_id;
	int64_t tid, pid;
	char *call;
	/* Optional times (has_* false for NULL). */
	bool has_enter, has_exit, has_acquired, has_released;
	int64_t t_enter, t_exit, t_lock_acquired, t_lock_released;
	int64_t gap;			/* ns between the window and the fault; 0 overlapping */
};

/* A fault on which the run and the kernel disagree. */
struct fl_fid_miss {
	bool false_positive;		/* predicted fallback, truth vma; else FN */
	int64_t fault_id, t, tid, pid;
	char *comm;			/* threads.comm, '' unknown */
	uint64_t address;
	char *access;
	bool has_vma;
	uint64_t vma_start, vma_end;
	char *vma_kind;
	char *path, *counter, *reason;	/* the prediction */
	char *gt, *gt_detail;		/* the truth */
	struct fl_fid_writer writer;
};

struct fl_fidelity {
	int64_t run_id, trace_id;
	char *strategy, *profile, *trace_path;
	uint64_t trace_faults;		/* faults rows of the trace */
	uint64_t compared;		/* TP + FP + FN + TN */
	uint64_t excluded_unknown;	/* gt neither 'vma' nor 'fallback' */
	uint64_t excluded_no_outcome;	/* known gt, but no outcome in the run */
	uint64_t tp, fp, fn, tn;
	/* Of the kernel's fallbacks: those made during a write hold with no
	 * traced mm call (writers.call 'untraced'), whose VMAs no run knows. */
	uint64_t fallbacks_in_untraced;
	struct fl_fid_reason *reasons;
	size_t nreasons;
	struct fl_fid_detail *details;
	size_t ndetails;
	struct fl_fid_cell *cells;
	size_t ncells;
	struct fl_fid_miss *misses;	/* in fault order, at most the limit */
	size_t nmisses;
	uint64_t misses_total;		/* FP + FN */
};

/* Which run fl_fidelity_compute() compares when none is named: the newest
 * (highest run_id) pervma run.  Returns 0 and *run_id, or a negative code
 * with err set (naming path) when the database has none. */
int fl_fidelity_default_run(sqlite3 *db, const char *path, int64_t *run_id, struct fl_err *err);

/* Compute the fidelity of run run_id of the store db (path names it in
 * errors), listing at most limit disagreeing faults (0: all).  Refuses,
 * with err set, a run that does not exist or whose trace has no ground
 * truth (traces.has_ground_truth = 0).  On success *f is filled and the
 * caller frees it with fl_fidelity_free(); on failure *f holds nothing. */
int fl_fidelity_compute(sqlite3 *db, const char *path, int64_t run_id, size_t limit,
			struct fl_fidelity *f, struct fl_err *err);
void fl_fidelity_free(struct fl_fidelity *f);

/* num/den as *out; false (and *out = 0) when den is 0. */
bool fl_ratio(uint64_t num, uint64_t den, double *out);

#endif
