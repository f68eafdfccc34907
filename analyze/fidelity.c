/* fidelity: a run's predicted fallbacks against the trace's ground truth. */
#include "fidelity.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "store_read.h"

/* The two sides of the comparison, as SQL over `faults f JOIN outcomes o`. */
#define KNOWN_GT "f.gt IN ('vma', 'fallback')"
#define PRED_FB "o.fell_back = 1"
#define TRUE_FB "f.gt = 'fallback'"
/* The faults of the run's trace (?2) with the run's (?1) outcomes. */
#define JOINED " FROM faults f JOIN outcomes o ON o.run_id = ?1 AND o.fault_id = f.fault_id" \
	       " WHERE f.trace_id = ?2"

/* The same over the run's tally (tally_fidelity, written by the replay):
 * sums of n over a few rows instead of a join of every fault. */
#define T_KNOWN_GT "gt IN ('vma', 'fallback')"
#define T_FROM " FROM tally_fidelity WHERE run_id = ?1"
#define T_COMPARED T_FROM " AND outcome = 1 AND " T_KNOWN_GT

/* The queries of each part, from the outcomes or from the tally; the
 * columns are the same. */
struct fid_sql {
	const char *trace_faults, *unknown, *no_outcome, *confusion, *reasons, *details, *cells;
};

static const struct fid_sql from_outcomes = {
	.trace_faults = "SELECT count(*) FROM faults WHERE trace_id = ?2",
	.unknown = "SELECT count(*) FROM faults f WHERE f.trace_id = ?2 AND NOT " KNOWN_GT,
	.no_outcome = "SELECT count(*) FROM faults f WHERE f.trace_id = ?2 AND " KNOWN_GT
		      " AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.run_id = ?1 AND "
		      "o.fault_id = f.fault_id)",
	.confusion = "SELECT " TRUE_FB ", " PRED_FB ", count(*)" JOINED " AND " KNOWN_GT
		     " GROUP BY 1, 2",
	.reasons = "SELECT o.reason, sum(" TRUE_FB "), sum(NOT " TRUE_FB ")" JOINED
		   " AND " KNOWN_GT " AND " PRED_FB
		   " GROUP BY o.reason ORDER BY count(*) DESC, o.reason",
	.details = "SELECT f.gt_detail, sum(" PRED_FB "), sum(NOT " PRED_FB ")" JOINED
		   " AND " TRUE_FB " GROUP BY f.gt_detail ORDER BY count(*) DESC, f.gt_detail",
	.cells = "SELECT o.counter, o.reason, sum(" PRED_FB "), sum(f.gt = 'vma'), "
		 "sum(" TRUE_FB ")" JOINED " AND " KNOWN_GT
		 " GROUP BY o.counter, o.reason ORDER BY count(*) DESC, o.counter, o.reason",
};

static const struct fid_sql from_tally = {
	.trace_faults = "SELECT coalesce(sum(n), 0)" T_FROM,
	.unknown = "SELECT coalesce(sum(n), 0)" T_FROM " AND NOT " T_KNOWN_GT,
	.no_outcome = "SELECT coalesce(sum(n), 0)" T_FROM " AND outcome = 0 AND " T_KNOWN_GT,
	.confusion = "SELECT gt = 'fallback', fell_back = 1, sum(n)" T_COMPARED " GROUP BY 1, 2",
	.reasons = "SELECT reason, sum(n * (gt = 'fallback')), sum(n * (NOT (gt = 'fallback')))"
		   T_COMPARED " AND fell_back = 1 GROUP BY reason ORDER BY sum(n) DESC, reason",
	.details = "SELECT gt_detail, sum(n * (fell_back = 1)), sum(n * (NOT (fell_back = 1)))" T_FROM
		   " AND outcome = 1 AND gt = 'fallback' GROUP BY gt_detail"
		   " ORDER BY sum(n) DESC, gt_detail",
	.cells = "SELECT counter, reason, sum(n * (fell_back = 1)), sum(n * (gt = 'vma')), "
		 "sum(n * (gt = 'fallback'))" T_COMPARED
		 " GROUP BY counter, reason ORDER BY sum(n) DESC, counter, reason",
};

/* How far from a fault the nearest writer of its process is looked for. */
#define NEAR_NS 1000000

struct q {
	sqlite3 *db;
	const char *path;
	struct fl_err *err;
	sqlite3_stmt *st;
	const struct fid_sql *sql;	/* from_tally when the run has one */
};

static int q_prep(struct q *q, const char *sql)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
		q->st = NULL;
		return fl_store_sql_error(q->db, q->path, "cannot query the store", q->err);
	}
	return 0;
}

/* Next row: 1, done: 0, error: negative. */
static int q_step(struct q *q)
{
	int rc = sqlite3_step(q->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fl_store_sql_error(q->db, q->path, "cannot read the store", q->err);
}

static void q_done(struct q *q)
{
	sqlite3_finalize(q->st);
	q->st = NULL;
}

static int oom(struct q *q)
{
	return fl_err_set(q->err, -ENOMEM, "%s: out of memory", q->path);
}

/* A copy of a text column, '' for NULL. */
static int col_dup(struct q *q, int i, char **out)
{
	const unsigned char *s = sqlite3_column_text(q->st, i);

	*out = strdup(s ? (const char *)s : "");
	return *out ? 0 : oom(q);
}

static uint64_t col_u64(struct q *q, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(q->st, i);

	return v < 0 ? 0 : (uint64_t)v;
}

static bool col_opt(struct q *q, int i, int64_t *v)
{
	if (sqlite3_column_type(q->st, i) == SQLITE_NULL)
		return false;
	*v = sqlite3_column_int64(q->st, i);
	return true;
}

/* One count(*) query with ?1 = run, ?2 = trace. */
static int q_count(struct q *q, const char *sql, int64_t run_id, int64_t trace_id, uint64_t *n)
{
	int rc = q_prep(q, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(q->st, 1, run_id);
	sqlite3_bind_int64(q->st, 2, trace_id);
	rc = q_step(q);
	if (rc > 0)
		*n = col_u64(q, 0);
	q_done(q);
	return rc < 0 ? rc : 0;
}

bool fl_ratio(uint64_t num, uint64_t den, double *out)
{
	*out = 0;
	if (den == 0)
		return false;
	*out = (double)num / (double)den;
	return true;
}

int fl_fidelity_default_run(sqlite3 *db, const char *path, int64_t *run_id, struct fl_err *err)
{
	struct q q = { db, path, err, NULL, &from_outcomes };
	int rc = q_prep(&q, "SELECT run_id FROM runs WHERE strategy = 'pervma' "
			    "ORDER BY run_id DESC LIMIT 1");

	if (rc < 0)
		return rc;
	rc = q_step(&q);
	if (rc > 0)
		*run_id = sqlite3_column_int64(q.st, 0);
	q_done(&q);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		fl_err_set(err, -ENOENT, "%s: no pervma run to compare with the kernel", path);
		fl_err_hint(err, "replay with --strategy pervma into it, or name a run with "
			    "--run N (`faultline report %s` lists them)", path);
		return err->code;
	}
	return 0;
}

/* The run's row and its trace's; refuses a missing run or no ground truth. */
static int load_run(struct q *q, struct fl_fidelity *f)
{
	int64_t gt = 0;
	int rc = q_prep(q, "SELECT r.trace_id, r.strategy, r.profile, t.path, t.has_ground_truth "
			   "FROM runs r LEFT JOIN traces t ON t.trace_id = r.trace_id "
			   "WHERE r.run_id = ?1");

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(q->st, 1, f->run_id);
	rc = q_step(q);
	if (rc > 0) {
		bool have_trace = sqlite3_column_type(q->st, 3) != SQLITE_NULL;

		f->trace_id = sqlite3_column_int64(q->st, 0);
		gt = sqlite3_column_int64(q->st, 4);
		rc = col_dup(q, 1, &f->strategy);
		if (rc == 0)
			rc = col_dup(q, 2, &f->profile);
		if (rc == 0)
			rc = col_dup(q, 3, &f->trace_path);
		if (rc == 0 && !have_trace)
			rc = fl_err_set(q->err, -EINVAL, "%s: run %" PRId64 " names trace %" PRId64
					", which is not in the database", q->path, f->run_id,
					f->trace_id);
		if (rc == 0)
			rc = 1;
	}
	q_done(q);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return fl_store_no_run(q->db, q->path, f->run_id, q->err);
	if (!gt) {
		fl_err_set(q->err, -ENODATA, "%s: run %" PRId64 " (trace %s): the trace has no "
			   "mmap_lock events: no ground truth", q->path, f->run_id, f->trace_path);
		fl_err_hint(q->err, "record with mmap_lock:* events (scripts/capture-perf-trace "
			    "does, or perf record -e 'mmap_lock:*' ...) and replay that trace");
		return q->err->code;
	}
	return 0;
}

/* Whether the replay wrote the run's fidelity tally (not before it
 * existed, nor when it ran out of memory for it). */
static bool tallied(struct q *q, int64_t run_id)
{
	sqlite3_stmt *st;
	bool yes;

	if (sqlite3_prepare_v2(q->db, "SELECT 1 FROM tally_fidelity WHERE run_id = ?1 LIMIT 1", -1,
			       &st, NULL) != SQLITE_OK)
		return false;	/* no such table */
	sqlite3_bind_int64(st, 1, run_id);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

static int load_counts(struct q *q, struct fl_fidelity *f)
{
	int rc = q_count(q, q->sql->trace_faults, f->run_id, f->trace_id, &f->trace_faults);

	if (rc < 0)
		return rc;
	rc = q_count(q, q->sql->unknown, f->run_id, f->trace_id, &f->excluded_unknown);
	if (rc < 0)
		return rc;
	rc = q_count(q, q->sql->no_outcome, f->run_id, f->trace_id, &f->excluded_no_outcome);
	if (rc < 0)
		return rc;
	rc = q_prep(q, q->sql->confusion);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(q->st, 1, f->run_id);
	sqlite3_bind_int64(q->st, 2, f->trace_id);
	while ((rc = q_step(q)) > 0) {
		bool truth = sqlite3_column_int(q->st, 0), pred = sqlite3_column_int(q->st, 1);
		uint64_t n = col_u64(q, 2);

		if (pred && truth)
			f->tp += n;
		else if (pred)
			f->fp += n;
		else if (truth)
			f->fn += n;
		else
			f->tn += n;
	}
	q_done(q);
	f->compared = f->tp + f->fp + f->fn + f->tn;
	f->misses_total = f->fp + f->fn;
	return rc;
}

/* What one row of a list's query fills in its record; negative when a
 * copied text column finds no memory. */
typedef int (*fill_row)(struct q *q, void *row);

static int fill_reason(struct q *q, void *row)
{
	struct fl_fid_reason *r = row;

	r->tp = col_u64(q, 1);
	r->fp = col_u64(q, 2);
	return col_dup(q, 0, &r->reason);
}

static int fill_detail(struct q *q, void *row)
{
	struct fl_fid_detail *d = row;

	d->tp = col_u64(q, 1);
	d->fn = col_u64(q, 2);
	return col_dup(q, 0, &d->detail);
}

static int fill_cell(struct q *q, void *row)
{
	struct fl_fid_cell *c = row;
	int rc = col_dup(q, 0, &c->counter);

	c->predicted_fallback = col_u64(q, 2);
	c->gt_vma = col_u64(q, 3);
	c->gt_fallback = col_u64(q, 4);
	return rc < 0 ? rc : col_dup(q, 1, &c->reason);
}

/* The rows of sql (?1 = the run, ?2 = its trace) as records of `size`
 * bytes appended to *rows, *n of them: each zeroed, counted, then filled,
 * so that fl_fidelity_free() frees what a failed fill copied. */
static int load_list(struct q *q, const char *sql, const struct fl_fidelity *f, void **rows,
		     size_t *n, size_t size, fill_row fill)
{
	size_t cap = 0;
	int rc = q_prep(q, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(q->st, 1, f->run_id);
	sqlite3_bind_int64(q->st, 2, f->trace_id);
	while ((rc = q_step(q)) > 0) {
		void *row;

		if (fl_array_grow(rows, &cap, *n + 1, size) < 0) {
			rc = oom(q);
			break;
		}
		row = (char *)*rows + *n * size;
		memset(row, 0, size);
		(*n)++;
		if ((rc = fill(q, row)) < 0)
			break;
	}
	q_done(q);
	return rc;
}

/* Precision per predicted reason, recall per kernel detail, and the
 * (counter, reason) cells. */
static int load_lists(struct q *q, struct fl_fidelity *f)
{
	int rc = load_list(q, q->sql->reasons, f, (void **)&f->reasons, &f->nreasons,
			   sizeof(*f->reasons), fill_reason);

	if (rc >= 0)
		rc = load_list(q, q->sql->details, f, (void **)&f->details, &f->ndetails,
			       sizeof(*f->details), fill_detail);
	if (rc >= 0)
		rc = load_list(q, q->sql->cells, f, (void **)&f->cells, &f->ncells,
			       sizeof(*f->cells), fill_cell);
	return rc;
}

/* The writer's window: its write hold from the lock events, else its
 * syscall span; and how far it is from the fault's [t, t_end]. */
static void writer_gap(struct fl_fid_writer *w, bool has_start, int64_t t_start, int64_t t,
		       int64_t t_end)
{
	int64_t b, e;

	if (w->has_acquired)
		b = w->t_lock_acquired;
	else if (has_start)
		b = t_start;
	else if (w->has_enter)
		b = w->t_enter;
	else
		b = t;
	e = w->has_released ? w->t_lock_released : w->has_exit ? w->t_exit : b;
	if (b > t_end)
		w->gap = b - t_end;
	else if (e < t)
		w->gap = -(t - e);
	else
		w->gap = 0;
}

#define WRITER_COLS "writer_id, tid, pid, call, t_enter, t_exit, t_lock_acquired, " \
		    "t_lock_released, t_lock_start"

/* The outcome's writer (writer_id set), else the nearest writer of the
 * fault's process whose window comes within NEAR_NS of the fault. */
static int load_writer(struct q *q, int64_t trace_id, struct fl_fid_miss *m, bool linked,
		       int64_t writer_id, int64_t t_end)
{
	struct fl_fid_writer *w = &m->writer;
	int64_t start = 0;
	bool has_start;
	int rc;

	if (linked) {
		rc = q_prep(q, "SELECT " WRITER_COLS " FROM writers WHERE trace_id = ?1 AND "
			    "writer_id = ?2");
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(q->st, 1, trace_id);
		sqlite3_bind_int64(q->st, 2, writer_id);
	} else {
		if (m->pid < 0)
			return 0;
		/* b, e: the window as writer_gap() sees it. */
		rc = q_prep(q, "SELECT " WRITER_COLS " FROM (SELECT *, "
			    "coalesce(t_lock_acquired, t_lock_start, t_enter) AS b, "
			    "coalesce(t_lock_released, t_exit, t_lock_acquired, t_lock_start, "
			    "t_enter) AS e FROM writers WHERE trace_id = ?1 AND pid = ?2) "
			    "WHERE b IS NOT NULL AND b <= ?4 + ?5 AND e >= ?3 - ?5 "
			    "ORDER BY CASE WHEN b > ?4 THEN b - ?4 WHEN e < ?3 THEN ?3 - e "
			    "ELSE 0 END, writer_id LIMIT 1");
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(q->st, 1, trace_id);
		sqlite3_bind_int64(q->st, 2, m->pid);
		sqlite3_bind_int64(q->st, 3, m->t);
		sqlite3_bind_int64(q->st, 4, t_end);
		sqlite3_bind_int64(q->st, 5, NEAR_NS);
	}
	rc = q_step(q);
	if (rc > 0) {
		w->present = true;
		w->linked = linked;
		w->writer_id = sqlite3_column_int64(q->st, 0);
		w->tid = sqlite3_column_int64(q->st, 1);
		w->pid = sqlite3_column_int64(q->st, 2);
		rc = col_dup(q, 3, &w->call);
		w->has_enter = col_opt(q, 4, &w->t_enter);
		w->has_exit = col_opt(q, 5, &w->t_exit);
		w->has_acquired = col_opt(q, 6, &w->t_lock_acquired);
		w->has_released = col_opt(q, 7, &w->t_lock_released);
		has_start = col_opt(q, 8, &start);
		writer_gap(w, has_start, start, m->t, t_end);
	} else if (rc == 0 && linked) {
		/* A dangling writer_id: say so rather than invent a writer. */
		w->present = true;
		w->linked = true;
		w->writer_id = writer_id;
		w->call = NULL;
	}
	q_done(q);
	return rc < 0 ? rc : 0;
}

/* A disagreeing fault's columns, over faults f, outcomes o and threads th. */
#define MISS_COLS PRED_FB ", f.fault_id, f.t, coalesce(f.t_end, f.t), f.tid, f.pid, " \
	"coalesce(th.comm, ''), f.address, f.access, o.vma_start, o.vma_end, o.vma_kind, o.path, " \
	"o.counter, o.reason, f.gt, f.gt_detail, o.writer_id"
#define MISS_THREAD " LEFT JOIN threads th ON th.trace_id = f.trace_id AND th.tid = f.tid"

static int load_misses(struct q *q, struct fl_fidelity *f, size_t limit)
{
	struct miss_link {
		bool linked;
		int64_t writer_id, t_end;
	} *links = NULL;
	size_t cap = 0, lcap = 0;
	int rc;

	/* The first disagreements in fault order, from two indexes: the
	 * false negatives among the faults whose truth is not 'vma'
	 * (faults_not_vma), the false positives among the run's predicted
	 * fallbacks (outcomes_fell_back); both few, or dense enough for the
	 * limit to come soon.  A database without the second index (written
	 * before it) walks the trace's faults in order instead. */
	if (sqlite3_prepare_v2(q->db, "SELECT " MISS_COLS " FROM (SELECT f.fault_id AS id"
			       " FROM faults f JOIN outcomes o ON o.run_id = ?1 AND o.fault_id = f.fault_id"
			       " WHERE f.trace_id = ?2 AND f.gt <> 'vma' AND " TRUE_FB " AND NOT " PRED_FB
			       " UNION ALL SELECT o.fault_id FROM outcome_rows o INDEXED BY outcomes_fell_back"
			       " JOIN faults f ON f.trace_id = ?2 AND f.fault_id = o.fault_id"
			       " WHERE o.run_id = ?1 AND " PRED_FB " AND f.gt = 'vma'"
			       " ORDER BY 1 LIMIT ?3) m"
			       " JOIN faults f ON f.trace_id = ?2 AND f.fault_id = m.id"
			       " JOIN outcomes o ON o.run_id = ?1 AND o.fault_id = m.id" MISS_THREAD
			       " ORDER BY m.id", -1, &q->st, NULL) != SQLITE_OK)
		q->st = NULL;
	rc = q->st ? 0 : q_prep(q, "SELECT " MISS_COLS
				" FROM faults f JOIN outcomes o ON o.run_id = ?1 AND o.fault_id = f.fault_id"
				MISS_THREAD " WHERE f.trace_id = ?2 AND ((" TRUE_FB " AND NOT " PRED_FB
				") OR (f.gt = 'vma' AND " PRED_FB ")) ORDER BY f.fault_id LIMIT ?3");
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(q->st, 1, f->run_id);
	sqlite3_bind_int64(q->st, 2, f->trace_id);
	sqlite3_bind_int64(q->st, 3, limit ? (sqlite3_int64)limit : -1);
	while ((rc = q_step(q)) > 0) {
		struct fl_fid_miss *m;
		int64_t v;

		if (fl_array_grow((void **)&f->misses, &cap, f->nmisses + 1, sizeof(*m)) < 0 ||
		    fl_array_grow((void **)&links, &lcap, f->nmisses + 1, sizeof(*links)) < 0) {
			rc = oom(q);
			break;
		}
		m = &f->misses[f->nmisses];
		memset(m, 0, sizeof(*m));
		f->nmisses++;
		m->false_positive = sqlite3_column_int(q->st, 0);
		m->fault_id = sqlite3_column_int64(q->st, 1);
		m->t = sqlite3_column_int64(q->st, 2);
		links[f->nmisses - 1].t_end = sqlite3_column_int64(q->st, 3);
		m->tid = sqlite3_column_int64(q->st, 4);
		m->pid = sqlite3_column_int64(q->st, 5);
		m->address = (uint64_t)sqlite3_column_int64(q->st, 7);
		if (col_opt(q, 9, &v)) {
			m->has_vma = true;
			m->vma_start = (uint64_t)v;
			col_opt(q, 10, &v);
			m->vma_end = (uint64_t)v;
		}
		links[f->nmisses - 1].linked = col_opt(q, 17, &links[f->nmisses - 1].writer_id);
		if ((rc = col_dup(q, 6, &m->comm)) < 0 || (rc = col_dup(q, 8, &m->access)) < 0 ||
		    (rc = col_dup(q, 11, &m->vma_kind)) < 0 || (rc = col_dup(q, 12, &m->path)) < 0 ||
		    (rc = col_dup(q, 13, &m->counter)) < 0 || (rc = col_dup(q, 14, &m->reason)) < 0 ||
		    (rc = col_dup(q, 15, &m->gt)) < 0 || (rc = col_dup(q, 16, &m->gt_detail)) < 0)
			break;
	}
	q_done(q);
	for (size_t i = 0; rc == 0 && i < f->nmisses; i++)
		rc = load_writer(q, f->trace_id, &f->misses[i], links[i].linked, links[i].writer_id,
				 links[i].t_end);
	free(links);
	return rc;
}

/* The kernel's fallbacks made while their process's mm was held for
 * write with no traced mm call around the hold (writers.call 'untraced':
 * mbind(), mseal() and the like; a fork's walk is
 * 'fork').  Which VMAs such a hold write-locked is not in the trace, so no
 * run can have predicted these.  One pass over both, each in (pid, time)
 * order: a process's holds do not overlap.  The fallbacks come through
 * faults_not_vma, so the trace's faults are not walked (load_misses()
 * reads them so too). */
static int load_untraced(struct q *q, struct fl_fidelity *f)
{
	static const char *wsql =
		"SELECT pid, t_lock_acquired, t_lock_released FROM writers WHERE trace_id = ?1 "
		"AND call = 'untraced' AND t_lock_acquired IS NOT NULL "
		"AND t_lock_released IS NOT NULL ORDER BY pid, t_lock_acquired";
	/* Named: the planner takes the primary key (every fault of the
	 * trace) otherwise.  A database written before the index walks them. */
	static const char *fsql_indexed =
		"SELECT pid, t FROM faults INDEXED BY faults_not_vma WHERE trace_id = ?1 "
		"AND gt <> 'vma' AND gt = 'fallback' ORDER BY pid, t";
	static const char *fsql =
		"SELECT pid, t FROM faults WHERE trace_id = ?1 AND gt = 'fallback' ORDER BY pid, t";
	sqlite3_stmt *ws = NULL, *fs = NULL;
	int wrc, frc, rc = 0;

	if (sqlite3_prepare_v2(q->db, fsql_indexed, -1, &fs, NULL) != SQLITE_OK)
		fs = NULL;
	if (sqlite3_prepare_v2(q->db, wsql, -1, &ws, NULL) != SQLITE_OK ||
	    (!fs && sqlite3_prepare_v2(q->db, fsql, -1, &fs, NULL) != SQLITE_OK)) {
		rc = fl_store_sql_error(q->db, q->path, "cannot query the store", q->err);
		goto out;
	}
	sqlite3_bind_int64(ws, 1, f->trace_id);
	sqlite3_bind_int64(fs, 1, f->trace_id);
	wrc = sqlite3_step(ws);
	frc = sqlite3_step(fs);
	while (wrc == SQLITE_ROW && frc == SQLITE_ROW) {
		int64_t wpid = sqlite3_column_int64(ws, 0), fpid = sqlite3_column_int64(fs, 0);
		int64_t ft = sqlite3_column_int64(fs, 1);

		if (wpid < fpid || (wpid == fpid && sqlite3_column_int64(ws, 2) <= ft)) {
			wrc = sqlite3_step(ws);	/* this hold ended before the fault */
			continue;
		}
		if (wpid == fpid && sqlite3_column_int64(ws, 1) <= ft)
			f->fallbacks_in_untraced++;
		frc = sqlite3_step(fs);
	}
	if ((wrc != SQLITE_ROW && wrc != SQLITE_DONE) || (frc != SQLITE_ROW && frc != SQLITE_DONE))
		rc = fl_store_sql_error(q->db, q->path, "cannot read the store", q->err);
out:
	sqlite3_finalize(ws);
	sqlite3_finalize(fs);
	return rc;
}

int fl_fidelity_compute(sqlite3 *db, const char *path, int64_t run_id, size_t limit,
			struct fl_fidelity *f, struct fl_err *err)
{
	struct q q = { db, path, err, NULL, &from_outcomes };
	bool own_txn = sqlite3_get_autocommit(db);
	int rc;

	memset(f, 0, sizeof(*f));
	f->run_id = run_id;
	/* One read transaction: every query sees the same snapshot even while
	 * a replay commits runs into the database (WAL). */
	if (own_txn && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	rc = load_run(&q, f);
	if (rc >= 0 && tallied(&q, run_id))
		q.sql = &from_tally;
	if (rc >= 0)
		rc = load_counts(&q, f);
	if (rc >= 0)
		rc = load_lists(&q, f);
	if (rc >= 0)
		rc = load_untraced(&q, f);
	/* Counted exactly by the tally: no disagreement is no search. */
	if (rc >= 0 && (q.sql != &from_tally || f->misses_total))
		rc = load_misses(&q, f, limit);
	if (own_txn)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc < 0) {
		fl_fidelity_free(f);
		return rc;
	}
	return 0;
}

void fl_fidelity_free(struct fl_fidelity *f)
{
	free(f->strategy);
	free(f->profile);
	free(f->trace_path);
	for (size_t i = 0; i < f->nreasons; i++)
		free(f->reasons[i].reason);
	free(f->reasons);
	for (size_t i = 0; i < f->ndetails; i++)
		free(f->details[i].detail);
	free(f->details);
	for (size_t i = 0; i < f->ncells; i++) {
		free(f->cells[i].counter);
		free(f->cells[i].reason);
	}
	free(f->cells);
	for (size_t i = 0; i < f->nmisses; i++) {
		struct fl_fid_miss *m = &f->misses[i];

		free(m->comm);
		free(m->access);
		free(m->vma_kind);
		free(m->path);
		free(m->counter);
		free(m->reason);
		free(m->gt);
		free(m->gt_detail);
		free(m->writer.call);
	}
	free(f->misses);
	memset(f, 0, sizeof(*f));
}
