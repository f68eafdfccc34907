/* view_across: strategy x knob setting across traces (view_across.h). */
#include "view_across.h"

#include <errno.h>

#include "store_read.h"

static const struct fl_col across_cols[] = {
	{ "strategy", "strategy", FL_COL_TEXT, 0 },
	{ "profile", "profile", FL_COL_TEXT, FL_COL_DASH },
	{ "setting", "setting", FL_COL_TEXT, FL_COL_DASH },
	{ "knobs", "knobs", FL_COL_TEXT, FL_COL_NOTEXT },
	/* The text table keeps to 80 columns: the counts behind the share
	 * are in CSV and JSON. */
	{ "traces", "traces", FL_COL_INT, 0 },
	{ "runs", "runs", FL_COL_INT, FL_COL_NOTEXT },
	{ "faults", "faults", FL_COL_INT, FL_COL_NOTEXT },
	{ "fell_back", "fb", FL_COL_INT, 0 },
	{ "share_pct", "fb %", FL_COL_PCT, 0 },
	{ "min_pct", "min", FL_COL_PCT, FL_COL_NOTEXT },
	{ "max_pct", "max", FL_COL_PCT, FL_COL_NOTEXT },
	{ "blocked_ns", "blocked", FL_COL_NS, 0 },
	{ "blocked_delta_ns", "vs trace", FL_COL_NS, 0 },
};

/* A knob "varies" for a strategy when its runs hold more than one value of
 * it (or some runs lack it): only those make the setting column, which the
 * text table has room for; the JSON of every knob is the knobs column. */
static const char across_sql[] =
	"WITH varying AS ("
	"  SELECT r.strategy AS strategy, j.key AS key FROM runs r, json_each(r.knobs) j"
	"  WHERE json_valid(r.knobs) GROUP BY r.strategy, j.key"
	"  HAVING count(DISTINCT j.value) > 1"
	"   OR count(*) < (SELECT count(*) FROM runs r2 WHERE r2.strategy = r.strategy)),"
	" per_run AS ("
	"  SELECT r.run_id, r.trace_id, r.strategy, r.profile, r.knobs, r.faults, r.fallbacks,"
	"   CASE WHEN json_valid(r.knobs) THEN coalesce((SELECT group_concat(j.key || '=' || j.value, ' ')"
	"    FROM json_each(r.knobs) j WHERE EXISTS (SELECT 1 FROM varying v"
	"     WHERE v.strategy = r.strategy AND v.key = j.key)), '') ELSE r.knobs END AS setting,"
	"   (SELECT coalesce(sum(t.blocked_pred), 0) FROM thread_times t WHERE t.run_id = r.run_id) AS bp,"
	"   (SELECT coalesce(sum(t.blocked_traced), 0) FROM thread_times t WHERE t.run_id = r.run_id) AS bt"
	"  FROM runs r)"
	" SELECT strategy, profile, setting, knobs, count(DISTINCT trace_id), count(*), sum(faults),"
	"  sum(fallbacks), 100.0 * sum(fallbacks) / max(sum(faults), 1),"
	"  min(100.0 * fallbacks / max(faults, 1)), max(100.0 * fallbacks / max(faults, 1)),"
	"  sum(bp), sum(bp) - sum(bt)"
	" FROM per_run GROUP BY strategy, profile, knobs"
	" ORDER BY CASE WHEN ?1 > 0 THEN -sum(fallbacks) * 1.0 / max(sum(faults), 1) END,"
	"  strategy, profile, min(run_id) LIMIT ?2";

int fl_view_across(sqlite3 *db, const char *path, int64_t top, struct fl_table *t,
		   struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	fl_table_init(t, across_cols, sizeof(across_cols) / sizeof(across_cols[0]));
	if (sqlite3_prepare_v2(db, across_sql, -1, &st, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, top);
	sqlite3_bind_int64(st, 2, top > 0 ? top : -1);
	rc = fl_table_fill(t, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fl_store_sql_error(db, path, "cannot read the store", err);
		sqlite3_finalize(st);
		return err->code;
	}
	sqlite3_finalize(st);
	if (t->oom || rc == SQLITE_ROW)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", path);
	return 0;
}
