#include "fidelity_time.h"
#include "fl_escape.h"
#include "fl_fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(sqlite3 *db, const char *path, struct fl_err *err)
{
	return fl_err_set(err, -EIO, "%s: cannot read the thread times: %s", path, sqlite3_errmsg(db));
}

/* A thread's |error|, (predicted - recorded) / recorded. */
static double error_of(const struct fl_fid_time_thread *w)
{
	return fabs(((double)w->predicted - (double)w->recorded) / (double)w->recorded);
}

/* Furthest off first; ties by tid, so the list is stable. */
static int cmp_error_desc(const void *a, const void *b)
{
	const struct fl_fid_time_thread *x = a, *y = b;
	double ex = error_of(x), ey = error_of(y);

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Each thread's waits as the run stored them (thread_times). */
#define BY_THREAD_SQL \
	"SELECT x.tid, x.pid, coalesce(h.comm, ''), x.blocked_traced, x.blocked_pred" \
	" FROM thread_times x JOIN runs r USING (run_id)" \
	" LEFT JOIN threads h ON h.trace_id = r.trace_id AND h.tid = x.tid" \
	" WHERE x.run_id = ?1 ORDER BY x.tid"

/* After a loss, the thread's waits are summed over its faults before the
 * loss only: the faults after it have no ground truth, and the model may
 * have placed them on a wrong layout, so their recorded and predicted
 * waits would be compared for nothing (a thread's whole time, which
 * thread_times holds, mixes them in). */
#define BY_FAULT_SQL \
	"SELECT f.tid, f.pid, coalesce(h.comm, ''), sum(coalesce(f.gt_lock_wait, 0))," \
	" sum(o.lock_wait) FROM runs r JOIN faults f ON f.trace_id = r.trace_id" \
	" JOIN outcome_rows o ON o.run_id = r.run_id AND o.fault_id = f.fault_id" \
	" LEFT JOIN threads h ON h.trace_id = r.trace_id AND h.tid = f.tid" \
	" WHERE r.run_id = ?1 AND NOT (f.gt = 'unknown' AND f.gt_detail = 'after loss')" \
	" GROUP BY f.tid ORDER BY f.tid"

int fl_fid_time_compute(sqlite3 *db, const char *path, int64_t run_id, uint64_t after_loss,
			struct fl_fid_time *t, struct fl_err *err)
{
	sqlite3_stmt *s = NULL;
	struct fl_fid_time_thread *big = NULL;	/* threads >= FL_FID_TIME_MIN_NS */
	size_t n = 0, cap = 0;

	memset(t, 0, sizeof(*t));
	t->after_loss = after_loss;
	t->have = t->after_loss > 0;	/* said even when no fault came before */
	if (sqlite3_prepare_v2(db, t->after_loss ? BY_FAULT_SQL : BY_THREAD_SQL, -1, &s, NULL) !=
	    SQLITE_OK)
		return fail(db, path, err);
	sqlite3_bind_int64(s, 1, run_id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct fl_fid_time_thread th = {
			.tid = sqlite3_column_int64(s, 0),
			.pid = sqlite3_column_int64(s, 1),
			.recorded = (uint64_t)sqlite3_column_int64(s, 3),
			.predicted = (uint64_t)sqlite3_column_int64(s, 4),
		};

		snprintf(th.comm, sizeof(th.comm), "%s", (const char *)sqlite3_column_text(s, 2));
		t->have = true;
		t->faults_recorded += th.recorded;
		t->faults_predicted += th.predicted;
		if (th.recorded < FL_FID_TIME_MIN_NS)
			continue;
		if (n == cap) {
			struct fl_fid_time_thread *g = realloc(big, (cap = cap ? 2 * cap : 64) * sizeof(*big));

			if (!g) {
				free(big);
				sqlite3_finalize(s);
				return fl_err_set(err, -ENOMEM, "out of memory");
			}
			big = g;
		}
		big[n++] = th;
	}
	if (sqlite3_finalize(s) != SQLITE_OK) {
		free(big);
		return fail(db, path, err);
	}
	t->threads = n;
	if (n) {
		/* Sorted furthest off first: the nearest rank of percentile p
		 * among the errors in ascending order is n - rank here. */
		qsort(big, n, sizeof(*big), cmp_error_desc);
		t->err_p50 = error_of(&big[n - fl_nearest_rank(n, 50)]);
		t->err_p90 = error_of(&big[n - fl_nearest_rank(n, 90)]);
		t->err_max = error_of(&big[0]);
		t->nworst = n < FL_FID_TIME_WORST ? n : FL_FID_TIME_WORST;
		memcpy(t->worst, big, t->nworst * sizeof(*big));
	}
	free(big);
	if (sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(w.t_lock_acquired - w.t_lock_start), 0)"
				   " FROM writers w JOIN runs r ON r.trace_id = w.trace_id"
				   " WHERE r.run_id = ?1 AND w.t_lock_acquired >= w.t_lock_start",
				   -1, &s, NULL) != SQLITE_OK)
		return fail(db, path, err);
	sqlite3_bind_int64(s, 1, run_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		t->calls = (uint64_t)sqlite3_column_int64(s, 0);
		t->calls_recorded = (uint64_t)sqlite3_column_int64(s, 1);
	}
	if (sqlite3_finalize(s) != SQLITE_OK)
		return fail(db, path, err);
	return 0;
}

static void ms(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
}

void fl_fid_time_print(const struct fl_fid_time *t, const char *prefix)
{
	char a[32], b[32];

	if (!t->have)
		return;
	printf("%sblocked on mmap_lock, recorded (start_locking to acquire_returned) and replayed:\n",
	       prefix);
	if (t->after_loss)
		printf("%s  (over the faults before the trace's first loss: the %" PRIu64
		       " after it are left out)\n", prefix, t->after_loss);
	printf("%s  %-10s %14s %14s %8s\n", prefix, "", "recorded", "predicted", "error");
	ms(a, sizeof(a), t->faults_recorded);
	ms(b, sizeof(b), t->faults_predicted);
	if (t->faults_recorded)
		printf("%s  %-10s %14s %14s %+7.1f%%\n", prefix, "faults", a, b,
		       100.0 * ((double)t->faults_predicted - (double)t->faults_recorded) /
			       (double)t->faults_recorded);
	else
		printf("%s  %-10s %14s %14s %8s\n", prefix, "faults", a, b, "-");
	ms(a, sizeof(a), t->calls_recorded);
	printf("%s  %-10s %14s %14s %8s  (%" PRIu64 " writers, replayed as recorded)\n", prefix,
	       "mm calls", a, "-", "-", t->calls);
	if (!t->threads) {
		printf("%s  no thread waited %.0f ms or more\n", prefix, FL_FID_TIME_MIN_NS / 1e6);
		return;
	}
	printf("%s  per-thread |error| over the %" PRIu64 " threads with >= %.0f ms recorded:"
	       " p50 %.1f%%, p90 %.1f%%, max %.1f%%\n", prefix, t->threads, FL_FID_TIME_MIN_NS / 1e6,
	       100 * t->err_p50, 100 * t->err_p90, 100 * t->err_max);
	for (size_t i = 0; i < t->nworst && t->err_max > 0; i++) {
		const struct fl_fid_time_thread *w = &t->worst[i];
		char comm[4 * sizeof(w->comm)];

		if (w->predicted == w->recorded)
			break;
		ms(a, sizeof(a), w->recorded);
		ms(b, sizeof(b), w->predicted);
		printf("%s    tid %" PRId64 " (%s) of pid %" PRId64 ": %s recorded, %s predicted\n",
		       prefix, w->tid, w->comm[0] ? fl_escape(w->comm, comm, sizeof(comm)) : "?", w->pid,
		       a, b);
	}
}
