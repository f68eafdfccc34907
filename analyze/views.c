/* views: the report's queries (views.h). */
#include "views.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fl_sql.h"
#include "store_read.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static int prep(const struct fl_view_ctx *v, const char *sql, sqlite3_stmt **st,
		struct fl_err *err)
{
	if (sqlite3_prepare_v2(v->db, sql, -1, st, NULL) != SQLITE_OK)
		return fl_store_sql_error(v->db, v->path, "cannot query the store", err);
	return 0;
}

/* Bind ?1 run, ?2 trace, ?3 top (-1: no limit), fill t, finalize. */
static int fill(const struct fl_view_ctx *v, const char *sql, struct fl_table *t,
		struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc = prep(v, sql, &st, err);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, v->run_id);
	sqlite3_bind_int64(st, 2, v->trace_id);
	sqlite3_bind_int64(st, 3, v->top > 0 ? v->top : -1);
	rc = fl_table_fill(t, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fl_store_sql_error(v->db, v->path, "cannot read the store", err);
		sqlite3_finalize(st);
		return err->code;
	}
	sqlite3_finalize(st);
	if (t->oom || rc == SQLITE_ROW)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", v->path);
	return 0;
}

/* One row of integers from sql (?1 run, ?2 trace, ?3 extra). */
static int ints(const struct fl_view_ctx *v, const char *sql, int64_t extra, int64_t *out,
		int n, struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc = prep(v, sql, &st, err);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, v->run_id);
	sqlite3_bind_int64(st, 2, v->trace_id);
	sqlite3_bind_int64(st, 3, extra);
	rc = sqlite3_step(st);
	for (int i = 0; i < n; i++)
		out[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fl_store_sql_error(v->db, v->path, "cannot read the store", err);
		sqlite3_finalize(st);
		return err->code;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Whether the run has its tallies in the table sql reads (?1 run): the
 * replay counts the views by thread, VMA, handler and time as it stores
 * the outcomes (schemas/outcomes.sql, @tallies).  A database written
 * before them has none, and the views read the outcomes instead: the
 * same answer, slower. */
static bool tallied(const struct fl_view_ctx *v, const char *sql)
{
	sqlite3_stmt *st;
	bool yes;

	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;	/* no such table */
	sqlite3_bind_int64(st, 1, v->run_id);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* ---- summary and causes -------------------------------------------------- */

static const struct fl_col summary_cols[] = {
	{ "outcome", "outcome", FL_COL_TEXT, 0 },
	{ "count", "count", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
};

int fl_view_summary(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	/* A counter names an attempt unless it is '' (none made) or
	 * 'mmap_lock' (classic goes there directly).  Retries and misses are
	 * named so by their counter; any other attempt that fell back aborted. */
	static const char sql[] =
		"SELECT sum(n), "
		" sum(CASE WHEN counter NOT IN ('', 'mmap_lock') THEN n ELSE 0 END), "
		" sum(CASE WHEN counter NOT IN ('', 'mmap_lock') AND fell_back = 0 THEN n ELSE 0 END), "
		" sum(CASE WHEN counter NOT IN ('', 'mmap_lock') AND counter NOT LIKE '%retry%' "
		"      AND counter NOT LIKE '%miss%' THEN fell_back ELSE 0 END), "
		" sum(CASE WHEN counter LIKE '%retry%' THEN fell_back ELSE 0 END), "
		" sum(CASE WHEN counter LIKE '%miss%' THEN fell_back ELSE 0 END), "
		" sum(fell_back), "
		" sum(CASE WHEN counter IN ('', 'mmap_lock') THEN n ELSE 0 END) "
		"FROM cause_counts WHERE run_id = ?1";
	static const char *const names[] = {
		"faults", "attempted (VMA lock or speculative)", "  succeeded",
		"  aborted", "  retried", "  missed (no VMA found)", "fell back to mmap_lock",
		"straight to mmap_lock (no attempt)",
	};
	int64_t n[8];
	int rc;

	fl_table_init(t, summary_cols, NCOLS(summary_cols));
	rc = ints(v, sql, 0, n, 8, err);
	if (rc < 0)
		return rc;
	for (int i = 0; i < 8; i++) {
		size_t r = fl_table_row(t);

		if (r == (size_t)-1)
			return fl_err_set(err, -ENOMEM, "%s: out of memory", v->path);
		fl_table_str(t, r, 0, names[i]);
		fl_table_int(t, r, 1, n[i]);
		if (n[0] > 0)
			fl_table_dbl(t, r, 2, 100.0 * (double)n[i] / (double)n[0]);
	}
	/* Programs get the names without the indent. */
	for (size_t r = 0; r < t->nrows; r++) {
		struct fl_cell *c = &t->cells[r * t->ncols];

		if (c->s && c->s[0] == ' ')
			memmove(c->s, c->s + 2, strlen(c->s + 2) + 1);
	}
	return 0;
}

/* The description last, in JSON only: the text table has no room for a
 * sentence, and the CSV keeps its columns.  A database before schema
 * version 7 does not store it: the table has no such column then. */
static const struct fl_col cause_cols[] = {
	{ "counter", "counter", FL_COL_TEXT, FL_COL_DASH },
	{ "reason", "reason", FL_COL_TEXT, 0 },
	{ "count", "count", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "description", "", FL_COL_TEXT, FL_COL_NOTEXT | FL_COL_JSON_ONLY },
};

int fl_view_causes(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	/* A run's (counter, reason) is one entry of its strategy's table or
	 * the engine's (tests/unit/test_causes.c): one description, whichever
	 * path its outcomes took. */
	if (fl_sql_has_column(v->db, "outcome_causes", "description")) {
		fl_table_init(t, cause_cols, NCOLS(cause_cols));
		return fill(v, "SELECT counter, reason, n, "
			    " 100.0 * n / (SELECT sum(n) FROM cause_counts WHERE run_id = ?1), fell_back,"
			    " (SELECT c.description FROM outcome_causes c WHERE c.run_id = k.run_id"
			    "  AND c.counter = k.counter AND c.reason = k.reason ORDER BY c.cause_id"
			    "  LIMIT 1) "
			    "FROM cause_counts k WHERE run_id = ?1 ORDER BY n DESC, counter, reason"
			    " LIMIT ?3", t, err);
	}
	fl_table_init(t, cause_cols, NCOLS(cause_cols) - 1);
	return fill(v, "SELECT counter, reason, n, "
		    " 100.0 * n / (SELECT sum(n) FROM cause_counts WHERE run_id = ?1), fell_back "
		    "FROM cause_counts WHERE run_id = ?1 ORDER BY n DESC, counter, reason LIMIT ?3",
		    t, err);
}

static const struct fl_col reason_cols[] = {
	{ "reason", "reason", FL_COL_TEXT, 0 },
	{ "count", "count", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "counters", "counters", FL_COL_TEXT, FL_COL_CUT },
};

int fl_view_reasons(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	fl_table_init(t, reason_cols, NCOLS(reason_cols));
	return fill(v, "SELECT reason, sum(n), "
		    " 100.0 * sum(n) / (SELECT sum(n) FROM cause_counts WHERE run_id = ?1), "
		    " sum(fell_back), group_concat(CASE counter WHEN '' THEN '-' ELSE counter END, ' ') "
		    "FROM (SELECT * FROM cause_counts WHERE run_id = ?1 ORDER BY n DESC, counter) "
		    "GROUP BY reason ORDER BY 2 DESC, 1 LIMIT ?3", t, err);
}

/* ---- percentiles ----------------------------------------------------------- */

/* The value at 0-based rank k of a run's n values in an ordered index
 * range, walking from whichever end is nearer. */
static int nth(const struct fl_view_ctx *v, const char *asc, const char *desc, int64_t n,
	       int64_t k, int64_t *out, struct fl_err *err)
{
	switch (fl_sql_rank_value(v->db, asc, desc, v->run_id, n, k, out)) {
	case FL_SQL_PREPARE:
		return fl_store_sql_error(v->db, v->path, "cannot query the store", err);
	case FL_SQL_STEP:
		fl_store_sql_error(v->db, v->path, "cannot read the store", err);
		return err->code;
	default:
		return 0;
	}
}

/* One stored percentile of the run (tally_percentiles). */
static int tallied_pct(const struct fl_view_ctx *v, const char *sql, const char *metric, int p,
		       int64_t *out, struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc = prep(v, sql, &st, err);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, v->run_id);
	sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, p);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fl_store_sql_error(v->db, v->path, "cannot read the store", err);
		return err->code;
	}
	return 0;
}

/* The 0-based index of percentile p's nearest rank among n values. */
static int64_t rank_of(int p, int64_t n)
{
	int64_t k = n > 0 ? (int64_t)fl_nearest_rank((uint64_t)n, (unsigned)p) : 0;

	return k < 1 ? 0 : k - 1;
}

static const struct fl_col latency_cols[] = {
	{ "metric", "", FL_COL_TEXT, 0 },
	{ "n", "faults", FL_COL_INT, 0 },
	{ "p50_ns", "p50", FL_COL_NS, 0 },
	{ "p90_ns", "p90", FL_COL_NS, 0 },
	{ "p99_ns", "p99", FL_COL_NS, 0 },
	{ "max_ns", "max", FL_COL_NS, 0 },
	{ "total_ns", "total", FL_COL_NS, 0 },
};

int fl_view_latency(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	static const int pct[] = { 50, 90, 99, 100 };
	/* outcomes_latency and outcomes_lock_wait (schemas/outcomes.sql): a
	 * percentile is one walk of the run's index range from its nearer
	 * end.  Lock waits of 0 are not indexed: a rank the walk down from
	 * the top does not reach is a 0. */
	static const char lat_asc[] = "SELECT latency FROM outcomes WHERE run_id = ?1 "
				      "ORDER BY latency LIMIT 1 OFFSET ?3";
	static const char lat_desc[] = "SELECT latency FROM outcomes WHERE run_id = ?1 "
				       "ORDER BY latency DESC LIMIT 1 OFFSET ?3";
	static const char lw_desc[] = "SELECT lock_wait FROM outcomes WHERE run_id = ?1 AND "
				      "lock_wait > 0 ORDER BY lock_wait DESC LIMIT 1 OFFSET ?3";
	static const char tally[] = "SELECT value FROM tally_percentiles WHERE run_id = ?1 AND "
				    "metric = ?2 AND p = ?3";
	int64_t n[1], blocked[1], val;
	bool tal;
	int rc;

	fl_table_init(t, latency_cols, NCOLS(latency_cols));
	/* The replay stores the percentiles (tally_percentiles) when it has
	 * built the indexes: no walk of a run's millions of index entries. */
	tal = tallied(v, "SELECT 1 FROM tally_percentiles WHERE run_id = ?1 LIMIT 1");
	rc = ints(v, "SELECT coalesce(sum(n), 0) FROM cause_counts WHERE run_id = ?1", 0, n, 1, err);
	/* The run's lock waits summed per thread by the replay (thread_times). */
	if (!rc)
		rc = ints(v, "SELECT sum(blocked_pred) FROM thread_times WHERE run_id = ?1", 0,
			  blocked, 1, err);
	if (rc < 0)
		return rc;
	for (int m = 0; m < 2; m++) {
		size_t r = fl_table_row(t);

		if (r == (size_t)-1)
			return fl_err_set(err, -ENOMEM, "%s: out of memory", v->path);
		fl_table_str(t, r, 0, m == 0 ? "latency" : "lock wait");
		fl_table_int(t, r, 1, n[0]);
		if (n[0] == 0)
			continue;
		for (int i = 0; i < 4; i++) {
			int64_t k = rank_of(pct[i], n[0]);

			if (tal)
				rc = tallied_pct(v, tally, m ? "lock wait" : "latency", pct[i], &val, err);
			else if (m == 0)
				rc = nth(v, lat_asc, lat_desc, n[0], k, &val, err);
			else
				rc = ints(v, lw_desc, n[0] - 1 - k, &val, 1, err);
			if (rc < 0)
				return rc;
			fl_table_int(t, r, 2 + (size_t)i, val);
		}
		if (m == 1)
			fl_table_int(t, r, 6, blocked[0]);
	}
	return 0;
}

int fl_view_latency_hist(const struct fl_view_ctx *v, int64_t *hist, int n, struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc = prep(v, "SELECT latency, count(*) FROM outcomes WHERE run_id = ?1 "
		      "GROUP BY latency", &st, err);

	if (rc < 0)
		return rc;
	memset(hist, 0, (size_t)n * sizeof(*hist));
	sqlite3_bind_int64(st, 1, v->run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t lat = (uint64_t)sqlite3_column_int64(st, 0);
		int b = 0;

		while (lat >= 2 && b < n - 1) {
			lat >>= 1;
			b++;
		}
		hist[b] += sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		fl_store_sql_error(v->db, v->path, "cannot read the store", err);
		sqlite3_finalize(st);
		return err->code;
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- the writers behind the aborts ------------------------------------------ */

/* The run's aborts with a writer named, per writer: the outcomes_writer
 * index in writer order, so no sort. */
#define PER_WRITER "(SELECT writer_id, count(*) AS n FROM outcomes " \
	"WHERE run_id = ?1 AND writer_id IS NOT NULL GROUP BY writer_id)"
#define ABORTS_TOTAL "(SELECT count(*) FROM outcomes WHERE run_id = ?1 AND writer_id IS NOT NULL)"

static const struct fl_col by_call_cols[] = {
	{ "call", "call", FL_COL_TEXT, 0 },
	{ "aborts", "aborts", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "writers", "writers", FL_COL_INT, 0 },
};
static const struct fl_col by_ip_cols[] = {
	{ "ip", "faulting ip", FL_COL_HEX, 0 },
	{ "aborts", "aborts", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "writers", "writers", FL_COL_INT, 0 },
};
static const struct fl_col by_thread_cols[] = {
	{ "tid", "writer tid", FL_COL_INT, 0 },
	{ "comm", "comm", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "aborts", "aborts", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "writers", "writers", FL_COL_INT, 0 },
};
static const struct fl_col by_vma_cols[] = {
	{ "vma", "VMA", FL_COL_TEXT, 0 },
	{ "vma_start", "", FL_COL_HEX, FL_COL_NOTEXT },
	{ "vma_end", "", FL_COL_HEX, FL_COL_NOTEXT },
	{ "vma_kind", "kind", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "aborts", "aborts", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "writers", "writers", FL_COL_INT, 0 },
};
static const struct fl_col by_writer_cols[] = {
	{ "writer_id", "writer", FL_COL_INT, 0 },
	{ "call", "call", FL_COL_TEXT, 0 },
	{ "tid", "tid", FL_COL_INT, 0 },
	{ "comm", "comm", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "aborts", "aborts", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "hold_ns", "held", FL_COL_NS, 0 },
	{ "t_ns", "at (s)", FL_COL_SECS, 0 },
	{ "args", "", FL_COL_TEXT, FL_COL_NOTEXT },
	{ "pid", "", FL_COL_INT, FL_COL_NOTEXT },
	{ "call_site", "", FL_COL_HEX, FL_COL_NOTEXT },
	/* call_site as symbol+0xoff (dso): filled by the caller (symbols.h) */
	{ "caller", "call site", FL_COL_TEXT, FL_COL_DASH },
};

int fl_view_aborters(const struct fl_view_ctx *v, enum fl_writers_by by, struct fl_table *t,
		     struct fl_err *err)
{
	switch (by) {
	case FL_BY_CALL:
		fl_table_init(t, by_call_cols, NCOLS(by_call_cols));
		return fill(v, "SELECT coalesce(w.call, '?'), sum(a.n), 100.0 * sum(a.n) / "
			    ABORTS_TOTAL ", count(*) FROM " PER_WRITER " a LEFT JOIN writers w "
			    "ON w.trace_id = ?2 AND w.writer_id = a.writer_id "
			    "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?3", t, err);
	case FL_BY_IP:
		fl_table_init(t, by_ip_cols, NCOLS(by_ip_cols));
		return fill(v, "SELECT f.ip, count(*), 100.0 * count(*) / " ABORTS_TOTAL ", "
			    "count(DISTINCT o.writer_id) FROM outcomes o JOIN faults f "
			    "ON f.trace_id = ?2 AND f.fault_id = o.fault_id "
			    "WHERE o.run_id = ?1 AND o.writer_id IS NOT NULL "
			    "GROUP BY f.ip ORDER BY 2 DESC, 1 LIMIT ?3", t, err);
	case FL_BY_THREAD:
		fl_table_init(t, by_thread_cols, NCOLS(by_thread_cols));
		return fill(v, "SELECT w.tid, coalesce((SELECT comm FROM threads h WHERE "
			    "h.trace_id = ?2 AND h.tid = w.tid), ''), sum(a.n), 100.0 * sum(a.n) / "
			    ABORTS_TOTAL ", count(*) FROM " PER_WRITER " a JOIN writers w "
			    "ON w.trace_id = ?2 AND w.writer_id = a.writer_id "
			    "GROUP BY w.tid ORDER BY 3 DESC, 1 LIMIT ?3", t, err);
	case FL_BY_VMA:
		fl_table_init(t, by_vma_cols, NCOLS(by_vma_cols));
		return fill(v, "SELECT printf('0x%x-0x%x', vma_start, vma_end), vma_start, vma_end, "
			    "vma_kind, count(*), 100.0 * count(*) / " ABORTS_TOTAL ", "
			    "count(DISTINCT writer_id) FROM outcomes "
			    "WHERE run_id = ?1 AND writer_id IS NOT NULL "
			    "GROUP BY vma_start, vma_end, vma_kind ORDER BY 5 DESC, 2 LIMIT ?3",
			    t, err);
	case FL_BY_WRITER:
		fl_table_init(t, by_writer_cols, NCOLS(by_writer_cols));
#define BY_WRITER(call_site)							\
	"SELECT a.writer_id, coalesce(w.call, '?'), w.tid, "			\
	"coalesce((SELECT comm FROM threads h WHERE h.trace_id = ?2 AND "	\
	"h.tid = w.tid), ''), a.n, 100.0 * a.n / " ABORTS_TOTAL ", "		\
	"coalesce(w.t_lock_released - w.t_lock_acquired, w.t_exit - w.t_enter), " \
	"coalesce(w.t_lock_acquired, w.t_enter) - "				\
	" (SELECT t_first FROM traces WHERE trace_id = ?2), w.args, w.pid, "	\
	call_site ", NULL "							\
	"FROM " PER_WRITER " a LEFT JOIN writers w ON w.trace_id = ?2 AND "	\
	"w.writer_id = a.writer_id ORDER BY a.n DESC, a.writer_id LIMIT ?3"
		/* A version 3 database has no call sites. */
		return fill(v, fl_sql_has_column(v->db, "writers", "call_site") ? BY_WRITER("w.call_site")
									     : BY_WRITER("NULL"),
			    t, err);
#undef BY_WRITER
	}
	return fl_err_set(err, -EINVAL, "unknown view");
}

/* ---- fidelity, the fast way ------------------------------------------------- */

static const struct fl_col fid_cols[] = {
	{ "compared", "compared", FL_COL_INT, 0 },
	{ "tp", "TP", FL_COL_INT, 0 },
	{ "fp", "FP", FL_COL_INT, 0 },
	{ "fn", "FN", FL_COL_INT, 0 },
	{ "tn", "TN", FL_COL_INT, 0 },
	{ "precision", "precision", FL_COL_RATIO, 0 },
	{ "recall", "recall", FL_COL_RATIO, 0 },
};

int fl_view_fidelity(const struct fl_view_ctx *v, bool *has_gt, struct fl_table *t,
		     struct fl_err *err)
{
	/* The faults whose truth is not 'vma' are few (faults_not_vma); each
	 * query says gt <> 'vma' itself, since SQLite uses a partial index
	 * only when the WHERE clause holds the index's own condition.  Each
	 * is looked up in the run.  Predicted fallbacks and outcomes come
	 * from cause_counts, so the faults the kernel handled under the VMA
	 * lock are never read one by one. */
	int64_t gt[1], cc[2], fb[3], unk[2];
	int64_t tp, fn, fp, tn;
	size_t r;
	int rc;

	fl_table_init(t, fid_cols, NCOLS(fid_cols));
	rc = ints(v, "SELECT has_ground_truth FROM traces WHERE trace_id = ?2", 0, gt, 1, err);
	if (rc < 0)
		return rc;
	*has_gt = gt[0] != 0;
	if (!*has_gt)
		return 0;
	rc = ints(v, "SELECT coalesce(sum(n), 0), coalesce(sum(fell_back), 0) FROM cause_counts "
		  "WHERE run_id = ?1", 0, cc, 2, err);
	if (!rc)
		rc = ints(v, "SELECT count(*), count(o.fault_id), coalesce(sum(o.fell_back), 0) "
			  "FROM faults f LEFT JOIN outcomes o ON o.run_id = ?1 AND "
			  "o.fault_id = f.fault_id WHERE f.trace_id = ?2 AND f.gt <> 'vma' AND "
			  "f.gt = 'fallback'",
			  0, fb, 3, err);
	if (!rc)
		rc = ints(v, "SELECT count(o.fault_id), coalesce(sum(o.fell_back), 0) "
			  "FROM faults f LEFT JOIN outcomes o ON o.run_id = ?1 AND "
			  "o.fault_id = f.fault_id WHERE f.trace_id = ?2 AND f.gt <> 'vma' AND "
			  "f.gt <> 'fallback'", 0, unk, 2, err);
	if (rc < 0)
		return rc;
	tp = fb[2];
	fn = fb[1] - tp;
	fp = cc[1] - tp - unk[1];
	tn = (cc[0] - fb[1] - unk[0]) - fp;
	r = fl_table_row(t);
	if (r == (size_t)-1)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", v->path);
	fl_table_int(t, r, 0, tp + fp + fn + tn);
	fl_table_int(t, r, 1, tp);
	fl_table_int(t, r, 2, fp);
	fl_table_int(t, r, 3, fn);
	fl_table_int(t, r, 4, tn);
	if (tp + fp > 0)
		fl_table_dbl(t, r, 5, (double)tp / (double)(tp + fp));
	if (tp + fn > 0)
		fl_table_dbl(t, r, 6, (double)tp / (double)(tp + fn));
	return 0;
}

/* ---- the --by views ------------------------------------------------------------ */

static const struct fl_col ip_cols[] = {
	{ "ip", "faulting ip", FL_COL_HEX, 0 },
	{ "pid", "", FL_COL_INT, FL_COL_NOTEXT },
	{ "symbol", "symbol", FL_COL_TEXT, FL_COL_DASH },	/* filled by the caller */
	{ "faults", "faults", FL_COL_INT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "aborts", "aborts", FL_COL_INT, 0 },
};

int fl_view_ips(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	fl_table_init(t, ip_cols, NCOLS(ip_cols));
	return fill(v, "SELECT f.ip, min(f.pid), NULL, count(*), sum(o.fell_back), "
		    " count(o.writer_id) FROM outcomes o JOIN faults f ON f.trace_id = ?2 "
		    " AND f.fault_id = o.fault_id WHERE o.run_id = ?1 "
		    "GROUP BY f.ip ORDER BY 5 DESC, 6 DESC, 4 DESC, 1 LIMIT ?3", t, err);
}

static const struct fl_col vma_cols[] = {
	{ "vma", "VMA", FL_COL_TEXT, 0 },
	{ "vma_start", "", FL_COL_HEX, FL_COL_NOTEXT },
	{ "vma_end", "", FL_COL_HEX, FL_COL_NOTEXT },
	{ "vma_kind", "kind", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "faults", "faults", FL_COL_INT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "fallback_pct", "fb %", FL_COL_PCT, 0 },
	{ "aborts", "aborts", FL_COL_INT, 0 },
	{ "lock_wait_ns", "lock wait", FL_COL_NS, 0 },
	{ "file", "file", FL_COL_TEXT, FL_COL_DASH },	/* filled by the caller (symbols.h) */
};

int fl_view_vmas(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	fl_table_init(t, vma_cols, NCOLS(vma_cols));
	if (tallied(v, "SELECT 1 FROM tally_vmas WHERE run_id = ?1 LIMIT 1"))
		return fill(v, "SELECT CASE WHEN vma_start IS NULL THEN '(not placed)' ELSE "
			    " printf('0x%x-0x%x', vma_start, vma_end) END, vma_start, vma_end, "
			    " vma_kind, faults, fell_back, 100.0 * fell_back / faults, aborts, "
			    " lock_wait FROM tally_vmas WHERE run_id = ?1 "
			    "ORDER BY 6 DESC, 5 DESC, 2, 3, 4 LIMIT ?3", t, err);
	return fill(v, "SELECT CASE WHEN vma_start IS NULL THEN '(not placed)' ELSE "
		    " printf('0x%x-0x%x', vma_start, vma_end) END, vma_start, vma_end, vma_kind, "
		    " count(*), sum(fell_back), 100.0 * sum(fell_back) / count(*), "
		    " count(writer_id), sum(lock_wait) FROM outcomes WHERE run_id = ?1 "
		    "GROUP BY vma_start, vma_end, vma_kind ORDER BY 6 DESC, 5 DESC, 2, 3, 4 LIMIT ?3",
		    t, err);
}

static const struct fl_col thread_cols[] = {
	{ "tid", "tid", FL_COL_INT, 0 },
	{ "pid", "", FL_COL_INT, FL_COL_NOTEXT },
	{ "comm", "comm", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "faults", "faults", FL_COL_INT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "blocked_traced_ns", "blocked", FL_COL_NS, 0 },
	{ "blocked_pred_ns", "predicted", FL_COL_NS, 0 },
	{ "wasted_ns", "wasted", FL_COL_NS, 0 },
	{ "run_traced_ns", "", FL_COL_NS, FL_COL_NOTEXT },
	{ "run_pred_ns", "", FL_COL_NS, FL_COL_NOTEXT },
	{ "run_delta_ns", "run +/-", FL_COL_NS, 0 },
};

int fl_view_threads(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	fl_table_init(t, thread_cols, NCOLS(thread_cols));
	if (tallied(v, "SELECT 1 FROM tally_threads WHERE run_id = ?1 LIMIT 1"))
		return fill(v, "SELECT t.tid, t.pid, coalesce(h.comm, ''), t.faults, "
			    " coalesce(x.fell_back, 0), t.blocked_traced, t.blocked_pred, t.wasted, "
			    " t.run_traced, t.run_pred, t.run_pred - t.run_traced "
			    "FROM thread_times t LEFT JOIN threads h ON h.trace_id = ?2 AND h.tid = t.tid "
			    "LEFT JOIN tally_threads x ON x.run_id = ?1 AND x.tid = t.tid "
			    "WHERE t.run_id = ?1 ORDER BY abs(t.run_pred - t.run_traced) DESC, "
			    " t.faults DESC, t.tid LIMIT ?3", t, err);
	return fill(v, "SELECT t.tid, t.pid, coalesce(h.comm, ''), t.faults, coalesce(x.fb, 0), "
		    " t.blocked_traced, t.blocked_pred, t.wasted, t.run_traced, t.run_pred, "
		    " t.run_pred - t.run_traced "
		    "FROM thread_times t LEFT JOIN threads h ON h.trace_id = ?2 AND h.tid = t.tid "
		    "LEFT JOIN (SELECT f.tid AS tid, sum(o.fell_back) AS fb FROM outcomes o "
		    " JOIN faults f ON f.trace_id = ?2 AND f.fault_id = o.fault_id "
		    " WHERE o.run_id = ?1 GROUP BY f.tid) x ON x.tid = t.tid "
		    "WHERE t.run_id = ?1 ORDER BY abs(t.run_pred - t.run_traced) DESC, t.faults DESC, "
		    " t.tid LIMIT ?3", t, err);
}

static const struct fl_col time_cols[] = {
	{ "bucket", "", FL_COL_INT, FL_COL_NOTEXT },
	{ "t_ns", "from (s)", FL_COL_SECS, 0 },
	{ "faults", "faults", FL_COL_INT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "fallback_pct", "fb %", FL_COL_PCT, 0 },
	{ "aborts", "aborts", FL_COL_INT, 0 },
};

int fl_view_time(const struct fl_view_ctx *v, int buckets, struct fl_table *t,
		 struct fl_err *err)
{
	int64_t span[2];
	uint64_t width;
	sqlite3_stmt *st;
	int rc;

	fl_table_init(t, time_cols, NCOLS(time_cols));
	rc = ints(v, "SELECT t_first, t_last FROM traces WHERE trace_id = ?2", 0, span, 2, err);
	if (rc < 0)
		return rc;
	/* The span as unsigned: t_last - t_first may not fit int64_t, and an
	 * empty span is one ns wide. */
	width = span[1] > span[0] ? (uint64_t)span[1] - (uint64_t)span[0] : 1;
	for (int b = 0; b < buckets; b++) {
		size_t r = fl_table_row(t);

		if (r == (size_t)-1)
			return fl_err_set(err, -ENOMEM, "%s: out of memory", v->path);
		fl_table_int(t, r, 0, b);
		double off = (double)width * b / buckets;

		/* Within int64_t: a span of the whole range ends past it. */
		fl_table_int(t, r, 1, off < 9.2e18 ? (int64_t)off : INT64_MAX);
		for (size_t c = 2; c < 6; c++)
			if (c != 4)
				fl_table_int(t, r, c, 0);
	}
	/* The replay's tally of 20 or 60 slices, computed alike (store.c). */
	if (tallied(v, "SELECT 1 FROM tally_times WHERE run_id = ?1 LIMIT 1") &&
	    (buckets == 20 || buckets == 60))
		rc = prep(v, "SELECT bucket, faults, fell_back, aborts FROM tally_times "
			  "WHERE run_id = ?1 AND buckets = ?4",
			  &st, err);
	else
		rc = prep(v, "SELECT min(?4 - 1, max(0, CAST((f.t - ?3) * 1.0 * ?4 / (?5 - ?3) AS "
			  "INTEGER))) AS b, count(*), sum(o.fell_back), count(o.writer_id) "
			  "FROM outcomes o JOIN faults f ON f.trace_id = ?2 AND f.fault_id = o.fault_id "
			  "WHERE o.run_id = ?1 GROUP BY b", &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, v->run_id);
	sqlite3_bind_int64(st, 2, v->trace_id);
	sqlite3_bind_int64(st, 3, span[0]);
	sqlite3_bind_int(st, 4, buckets);
	sqlite3_bind_double(st, 5, (double)span[0] + (double)width);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
		int64_t fb = sqlite3_column_int64(st, 2);

		if (b < 0 || b >= buckets)
			continue;
		fl_table_int(t, (size_t)b, 2, n);
		fl_table_int(t, (size_t)b, 3, fb);
		if (n > 0)
			fl_table_dbl(t, (size_t)b, 4, 100.0 * (double)fb / (double)n);
		fl_table_int(t, (size_t)b, 5, sqlite3_column_int64(st, 3));
	}
	if (rc != SQLITE_DONE) {
		fl_store_sql_error(v->db, v->path, "cannot read the store", err);
		sqlite3_finalize(st);
		return err->code;
	}
	sqlite3_finalize(st);
	return 0;
}

static const struct fl_col handler_cols[] = {
	{ "handler", "handler", FL_COL_TEXT, 0 },
	{ "faults", "faults", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "fell_back", "fell back", FL_COL_INT, 0 },
	{ "fallback_pct", "fb %", FL_COL_PCT, 0 },
	{ "latency_mean_ns", "mean lat.", FL_COL_NS, 0 },
	{ "latency_max_ns", "max lat.", FL_COL_NS, 0 },
	{ "cost_ns", "cost", FL_COL_NS, 0 },
};

int fl_view_handlers(const struct fl_view_ctx *v, struct fl_table *t, struct fl_err *err)
{
	/* The handler each outcome was stored with: the replay's own
	 * dispatch (handle_pte_fault() as replay/engine_fault.c models it),
	 * never worked out again here.  An older database (schema version 5
	 * or 4) does not store it, and its tally_handlers were classified by
	 * other rules: refused, not guessed. */
	fl_table_init(t, handler_cols, NCOLS(handler_cols));
	/* Schema version 6 on: the view's column handler. */
	if (!fl_sql_has_column(v->db, "outcomes", "handler")) {
		fl_err_set(err, -EINVAL, "%s: written by an older faultline, whose outcomes do not say "
			   "which handler each fault reached (schema version 6 does)", v->path);
		fl_err_hint(err, "replay the trace again into a new database to see the faults by handler");
		return -EINVAL;
	}
	if (tallied(v, "SELECT 1 FROM tally_handlers WHERE run_id = ?1 LIMIT 1"))
		return fill(v, "SELECT handler, faults, 100.0 * faults / "
			    " (SELECT sum(n) FROM cause_counts WHERE run_id = ?1), fell_back, "
			    " 100.0 * fell_back / faults, latency_sum * 1.0 / faults, latency_max, "
			    " json_extract((SELECT cost_table FROM runs WHERE run_id = ?1), "
			    " '$.' || handler) FROM tally_handlers WHERE run_id = ?1 "
			    "ORDER BY 2 DESC, 1 LIMIT ?3", t, err);
	return fill(v, "SELECT h, count(*), 100.0 * count(*) / "
		    " (SELECT sum(n) FROM cause_counts WHERE run_id = ?1), sum(fb), "
		    " 100.0 * sum(fb) / count(*), avg(lat), max(lat), "
		    " json_extract((SELECT cost_table FROM runs WHERE run_id = ?1), '$.' || h) "
		    "FROM (SELECT fell_back AS fb, latency AS lat, coalesce(handler, 'none') AS h "
		    " FROM outcomes WHERE run_id = ?1) "
		    "GROUP BY h ORDER BY 2 DESC, 1 LIMIT ?3", t, err);
}
