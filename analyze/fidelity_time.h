/* fidelity_time: how well one run's predicted mmap_lock blocked time
 * agrees with the waits the trace itself shows (report --fidelity).
 *
 * Recorded: a fault that fell back waited from start_locking to
 * acquire_returned, for each acquisition (faults.gt_lock_wait, summed per
 * thread in thread_times.blocked_traced); an mm call waited from its writer's
 * start_locking to its acquire (writers.t_lock_acquired - t_lock_start).
 * Predicted: the run's lock waits of the faults (thread_times.blocked_pred).
 * Writers are replayed where the trace put them, so their waits are not
 * predicted: they are shown for scale.
 *
 * The per-thread error of a thread is (predicted - recorded) / recorded
 * over its faults' waits, for the threads with at least
 * FL_FID_TIME_MIN_NS recorded; its distribution is over |error|.
 *
 * A trace that lost events: the faults from its first loss on ('unknown'
 * / 'after loss') are left out of the faults' waits, recorded and
 * predicted, as --fidelity leaves them out of its counts. */
#ifndef FL_FIDELITY_TIME_H
#define FL_FIDELITY_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"

#define FL_FID_TIME_MIN_NS 1000000ULL

/* A thread whose prediction is furthest off. */
struct fl_fid_time_thread {
	int64_t tid, pid;
	char comm[32];
	uint64_t recorded, predicted;	/* ns */
};

#define FL_FID_TIME_WORST 5

struct fl_fid_time {
	bool have;			/* the run has thread times, or lost events */
	uint64_t after_loss;		/* faults left out: after the first loss */
	uint64_t faults_recorded, faults_predicted;	/* ns, over threads */
	uint64_t calls_recorded;	/* ns: the writers' waits */
	uint64_t calls;			/* writers with a lock window */
	uint64_t threads;		/* threads with >= FL_FID_TIME_MIN_NS recorded */
	double err_p50, err_p90, err_max;	/* |error| over them, as fractions */
	struct fl_fid_time_thread worst[FL_FID_TIME_WORST];
	size_t nworst;
};

/* Fill *t for run_id of db (path names it in errors).  after_loss: the
 * faults of the run's trace from its first loss on (fl_losses_read()'s
 * faults_after), 0 for a trace that lost nothing.  Returns 0, or a
 * negative code with err set. */
int fl_fid_time_compute(sqlite3 *db, const char *path, int64_t run_id, uint64_t after_loss,
			struct fl_fid_time *t, struct fl_err *err);

/* The text section ("blocked on mmap_lock ...") under prefix. */
void fl_fid_time_print(const struct fl_fid_time *t, const char *prefix);

#endif
