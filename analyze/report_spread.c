/* report --spread: each cause's count over the runs that differ only in
 * their seed (replay --seeds N), as min / median / max, as replay printed it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fl_json.h"
#include "knobs.h"
#include "report.h"
#include "store_read.h"
#include "table.h"

static const struct fl_col spread_cols[] = {
	{ "counter", "counter", FL_COL_TEXT, FL_COL_DASH },
	{ "reason", "reason", FL_COL_TEXT, 0 },
	{ "min", "min", FL_COL_INT, 0 },
	{ "median", "median", FL_COL_INT, 0 },
	{ "max", "max", FL_COL_INT, 0 },
};

/* Each cause's count over the runs of one trace, strategy, profile and
 * knobs (the seeds of replay --seeds): min, median (the value at index
 * n / 2 of the sorted counts, as replay prints it) and max; a run without
 * the cause counts 0. */
static int spread_table(sqlite3 *db, const char *path, int64_t first, struct fl_table *t,
			struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	fl_table_init(t, spread_cols, sizeof(spread_cols) / sizeof(spread_cols[0]));
	if (sqlite3_prepare_v2(db,
			       "WITH k AS (SELECT trace_id, strategy, profile, knobs FROM runs "
			       " WHERE run_id = ?1), "
			       "g AS (SELECT r.run_id FROM runs r JOIN k USING (trace_id, strategy, "
			       " profile, knobs)), "
			       "c AS (SELECT DISTINCT counter, reason FROM cause_counts "
			       " WHERE run_id IN (SELECT run_id FROM g)), "
			       "v AS (SELECT c.counter, c.reason, coalesce(x.n, 0) AS n FROM c "
			       " CROSS JOIN g LEFT JOIN cause_counts x ON x.run_id = g.run_id "
			       " AND x.counter = c.counter AND x.reason = c.reason), "
			       "o AS (SELECT counter, reason, n, row_number() OVER (PARTITION BY "
			       " counter, reason ORDER BY n) AS rn, count(*) OVER (PARTITION BY "
			       " counter, reason) AS k FROM v) "
			       "SELECT counter, reason, min(n), max(CASE WHEN rn = k / 2 + 1 THEN n END), "
			       " max(n) FROM o GROUP BY counter, reason ORDER BY counter, reason",
			       -1, &st, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, first);
	rc = fl_table_fill(t, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (t->oom)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", path);
	return 0;
}

/* One table per group of runs that differ only in their seed. */
int report_spread(sqlite3 *db, const char *path, int64_t run_id, enum report_fmt fmt,
		  struct fl_err *err)
{
	bool colour = fmt == FMT_TEXT && fl_colour_stdout();
	sqlite3_stmt *st;
	struct fl_json j;
	int rc = 0, step, groups = 0;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (sqlite3_prepare_v2(db,
			       "SELECT min(run_id), count(*), min(seed), max(seed), group_concat(run_id), "
			       " strategy, profile, knobs, trace_id FROM runs "
			       "GROUP BY trace_id, strategy, profile, knobs HAVING count(*) > 1 AND "
			       " (?1 = 0 OR sum(run_id = ?1) > 0) ORDER BY 1", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = fl_store_sql_error(db, path, "cannot query the store", err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	if (fmt == FMT_JSON) {
		fl_json_init(&j, stdout);
		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "database", path);
		fl_json_arr_begin(&j, "spreads");
	}
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
		int64_t s0 = sqlite3_column_int64(st, 2), s1 = sqlite3_column_int64(st, 3);
		const char *ids = (const char *)sqlite3_column_text(st, 4);
		const char *strategy = (const char *)sqlite3_column_text(st, 5);
		const char *profile = (const char *)sqlite3_column_text(st, 6);
		const char *knobs = (const char *)sqlite3_column_text(st, 7);
		char *changed = fl_knobs_nondefault(strategy, knobs);
		struct fl_table t;
		char prefix[64];

		rc = spread_table(db, path, first, &t, err);
		if (rc == 0 && fmt == FMT_JSON) {
			fl_json_obj_begin(&j, NULL);
			fl_json_str(&j, "runs", ids ? ids : "");
			fl_json_i64(&j, "trace_id", sqlite3_column_int64(st, 8));
			fl_json_str(&j, "strategy", strategy ? strategy : "");
			fl_json_str(&j, "profile", profile ? profile : "");
			fl_json_str(&j, "knobs_changed", changed ? changed : "");
			fl_json_i64(&j, "seed_min", s0);
			fl_json_i64(&j, "seed_max", s1);
			fl_table_json(&t, &j, "rows");
			fl_json_obj_end(&j);
		} else if (rc == 0 && fmt == FMT_CSV) {
			snprintf(prefix, sizeof(prefix), "%" PRId64 ",", first);
			fl_table_print_csv(&t, stdout, groups == 0, "first_run,", prefix);
		} else if (rc == 0) {
			printf("%s%sruns %s: %s%s%s, seeds %" PRId64 "..%" PRId64 "%s%s "
			       "(faults per cause over %" PRId64 " runs)%s\n", groups ? "\n" : "",
			       colour ? "\033[1m" : "", ids ? ids : "", strategy ? strategy : "",
			       profile && profile[0] ? " " : "", profile ? profile : "", s0, s1,
			       changed && changed[0] ? ", " : "", changed ? changed : "", n,
			       colour ? "\033[0m" : "");
			if (s0 == s1)
				printf("  (one seed: the runs were replayed again, not with other seeds)\n");
			fl_table_print_text(&t, stdout, 2, colour);
		}
		groups++;
		free(changed);
		fl_table_free(&t);
	}
	sqlite3_finalize(st);
	if (rc == 0 && fmt == FMT_JSON) {
		fl_json_arr_end(&j);
		fl_json_obj_end(&j);
		fl_json_finish(&j);
	} else if (rc == 0 && fmt == FMT_CSV && !groups) {
		printf("first_run,counter,reason,min,median,max\n");
	} else if (rc == 0 && fmt == FMT_TEXT && !groups) {
		printf("%s: no runs that differ only in their seed (replay --seeds N)\n", path);
	}
out:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
