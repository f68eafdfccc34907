/* faultline diff: two runs of one trace side by side, a what-if: cause by
 * cause, thread by thread, and the change in predicted blocked time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "losses.h"
#include "builtin.h"
#include "fl_err.h"
#include "fl_escape.h"
#include "fl_json.h"
#include "knobs.h"
#include "store_read.h"
#include "table.h"

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };
enum part { PART_TOTALS, PART_CAUSES, PART_THREADS };

struct drun {
	int64_t run_id, trace_id, seed;
	char strategy[64], profile[64], knobs[512], trace[512];
};

static int load_run(sqlite3 *db, const char *path, int64_t id, struct drun *r, struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT r.trace_id, r.strategy, r.profile, r.knobs, "
			       "coalesce(t.path, ''), r.seed FROM runs r LEFT JOIN traces t "
			       "ON t.trace_id = r.trace_id WHERE r.run_id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->run_id = id;
		r->trace_id = sqlite3_column_int64(st, 0);
		snprintf(r->strategy, sizeof(r->strategy), "%s", sqlite3_column_text(st, 1));
		snprintf(r->profile, sizeof(r->profile), "%s", sqlite3_column_text(st, 2));
		snprintf(r->knobs, sizeof(r->knobs), "%s", sqlite3_column_text(st, 3));
		snprintf(r->trace, sizeof(r->trace), "%s", sqlite3_column_text(st, 4));
		r->seed = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return fl_store_no_run(db, path, id, err);
	if (rc != SQLITE_ROW)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	return 0;
}

static const struct fl_col total_cols[] = {
	{ "metric", "", FL_COL_TEXT, 0 },
	{ "a", "run A", FL_COL_INT, 0 },
	{ "b", "run B", FL_COL_INT, 0 },
	{ "change", "B - A", FL_COL_INT, 0 },
	{ "change_pct", "change", FL_COL_PCT, 0 },
};
/* The same, in ns. */
static const struct fl_col total_ns_cols[] = {
	{ "metric", "", FL_COL_TEXT, 0 },
	{ "a_ns", "run A", FL_COL_NS, 0 },
	{ "b_ns", "run B", FL_COL_NS, 0 },
	{ "change_ns", "B - A", FL_COL_NS, 0 },
	{ "change_pct", "change", FL_COL_PCT, 0 },
};
static const struct fl_col cause_cols[] = {
	{ "counter", "counter", FL_COL_TEXT, FL_COL_DASH },
	{ "reason", "reason", FL_COL_TEXT, 0 },
	{ "a", "run A", FL_COL_INT, 0 },
	{ "b", "run B", FL_COL_INT, 0 },
	{ "change", "B - A", FL_COL_INT, 0 },
	{ "fell_back_a", "", FL_COL_INT, FL_COL_NOTEXT },
	{ "fell_back_b", "", FL_COL_INT, FL_COL_NOTEXT },
};
static const struct fl_col thread_cols[] = {
	{ "tid", "tid", FL_COL_INT, 0 },
	{ "comm", "comm", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "faults", "faults", FL_COL_INT, 0 },
	{ "blocked_a_ns", "blocked A", FL_COL_NS, 0 },
	{ "blocked_b_ns", "blocked B", FL_COL_NS, 0 },
	{ "blocked_change_ns", "B - A", FL_COL_NS, 0 },
	{ "run_a_ns", "", FL_COL_NS, FL_COL_NOTEXT },
	{ "run_b_ns", "", FL_COL_NS, FL_COL_NOTEXT },
	{ "run_change_ns", "run B - A", FL_COL_NS, 0 },
};

/* A section of one row per key, of either run: its columns and its query
 * (?1, ?2: runs A and B; ?3: their trace; ?4: the most rows, -1 for all). */
struct section {
	const struct fl_col *cols;
	size_t ncols;
	const char *sql;
};

/* Every (counter, reason) of either run; a missing one counts 0. */
static const struct section causes = {
	cause_cols, sizeof(cause_cols) / sizeof(cause_cols[0]),
	"SELECT k.counter, k.reason, coalesce(x.n, 0), coalesce(y.n, 0), "
	" coalesce(y.n, 0) - coalesce(x.n, 0), coalesce(x.fell_back, 0), "
	" coalesce(y.fell_back, 0) "
	"FROM (SELECT counter, reason FROM cause_counts WHERE run_id IN (?1, ?2) "
	" GROUP BY 1, 2) k "
	"LEFT JOIN cause_counts x ON x.run_id = ?1 AND x.counter = k.counter AND "
	" x.reason = k.reason "
	"LEFT JOIN cause_counts y ON y.run_id = ?2 AND y.counter = k.counter AND "
	" y.reason = k.reason "
	"ORDER BY abs(coalesce(y.n, 0) - coalesce(x.n, 0)) DESC, "
	" max(coalesce(x.n, 0), coalesce(y.n, 0)) DESC, 1, 2 LIMIT ?4",
};

static const struct section threads = {
	thread_cols, sizeof(thread_cols) / sizeof(thread_cols[0]),
	"SELECT k.tid, coalesce(h.comm, ''), max(coalesce(x.faults, 0), "
	" coalesce(y.faults, 0)), coalesce(x.blocked_pred, 0), "
	" coalesce(y.blocked_pred, 0), "
	" coalesce(y.blocked_pred, 0) - coalesce(x.blocked_pred, 0), "
	" x.run_pred, y.run_pred, y.run_pred - x.run_pred "
	"FROM (SELECT tid FROM thread_times WHERE run_id IN (?1, ?2) GROUP BY 1) k "
	"LEFT JOIN thread_times x ON x.run_id = ?1 AND x.tid = k.tid "
	"LEFT JOIN thread_times y ON y.run_id = ?2 AND y.tid = k.tid "
	"LEFT JOIN threads h ON h.trace_id = ?3 AND h.tid = k.tid "
	"ORDER BY abs(coalesce(y.blocked_pred, 0) - coalesce(x.blocked_pred, 0)) DESC, "
	" 3 DESC, 1 LIMIT ?4",
};

/* Section `sec` of runs a and b into t. */
static int fill(sqlite3 *db, const char *path, const struct section *sec, const struct drun *a,
		const struct drun *b, int64_t top, struct fl_table *t, struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	fl_table_init(t, sec->cols, sec->ncols);
	if (sqlite3_prepare_v2(db, sec->sql, -1, &st, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, a->run_id);
	sqlite3_bind_int64(st, 2, b->run_id);
	sqlite3_bind_int64(st, 3, a->trace_id);
	sqlite3_bind_int64(st, 4, top > 0 ? top : -1);
	rc = fl_table_fill(t, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (t->oom)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", path);
	return 0;
}

/* The totals: one row per metric, A, B, B - A and the change in %. */
static int totals(sqlite3 *db, const char *path, const struct drun *a, const struct drun *b,
		  struct fl_table *counts, struct fl_table *times, struct fl_err *err)
{
	static const char *const count_names[] = {
		"faults", "fell back to mmap_lock", "aborted (a writer named)",
		"fell back under A only", "fell back under B only",
	};
	static const char *const time_names[] = {
		"blocked on mmap_lock", "aborted work wasted", "thread run time",
	};
	int64_t v[2][8] = { { 0 } };
	sqlite3_stmt *st;
	int rc;

	fl_table_init(counts, total_cols, sizeof(total_cols) / sizeof(total_cols[0]));
	fl_table_init(times, total_ns_cols, sizeof(total_ns_cols) / sizeof(total_ns_cols[0]));
	for (int i = 0; i < 2; i++) {
		const struct drun *r = i ? b : a;

		if (sqlite3_prepare_v2(db, "SELECT (SELECT coalesce(sum(n), 0) FROM cause_counts "
				       " WHERE run_id = ?1), (SELECT coalesce(sum(fell_back), 0) FROM "
				       " cause_counts WHERE run_id = ?1), (SELECT count(*) FROM outcomes "
				       " WHERE run_id = ?1 AND writer_id IS NOT NULL), "
				       " coalesce(sum(blocked_pred), 0), coalesce(sum(wasted), 0), "
				       " coalesce(sum(run_pred), 0) FROM thread_times WHERE run_id = ?1",
				       -1, &st, NULL) != SQLITE_OK)
			return fl_store_sql_error(db, path, "cannot query the store", err);
		sqlite3_bind_int64(st, 1, r->run_id);
		rc = sqlite3_step(st);
		for (int c = 0; rc == SQLITE_ROW && c < 6; c++)
			v[i][c < 3 ? c : c + 2] = sqlite3_column_int64(st, c);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return fl_store_sql_error(db, path, "cannot read the store", err);
	}
	/* Fault by fault: which fell back under one run and not the other. */
	if (sqlite3_prepare_v2(db, "SELECT coalesce(sum(a.fell_back > b.fell_back), 0), "
			       "coalesce(sum(b.fell_back > a.fell_back), 0) FROM outcomes a "
			       "JOIN outcomes b ON b.run_id = ?2 AND b.fault_id = a.fault_id "
			       "WHERE a.run_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, a->run_id);
	sqlite3_bind_int64(st, 2, b->run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t only_a = sqlite3_column_int64(st, 0), only_b = sqlite3_column_int64(st, 1);

		v[0][3] = only_a;
		v[1][3] = 0;
		v[0][4] = 0;
		v[1][4] = only_b;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	for (int m = 0; m < 8; m++) {
		struct fl_table *t = m < 5 ? counts : times;
		size_t r = fl_table_row(t);

		if (r == (size_t)-1)
			return fl_err_set(err, -ENOMEM, "%s: out of memory", path);
		fl_table_str(t, r, 0, m < 5 ? count_names[m] : time_names[m - 5]);
		fl_table_int(t, r, 1, v[0][m]);
		fl_table_int(t, r, 2, v[1][m]);
		fl_table_int(t, r, 3, v[1][m] - v[0][m]);
		if (v[0][m] != 0 && (m < 3 || m >= 5))
			fl_table_dbl(t, r, 4, 100.0 * (double)(v[1][m] - v[0][m]) / (double)v[0][m]);
	}
	return 0;
}

/* What sets a run apart: strategy, profile, seed and the knobs not at
 * their defaults, whole (two runs that differ in one knob must not look
 * alike); every knob is in --format json. */
static void run_line(const char *which, const struct drun *r)
{
	char *changed = fl_knobs_nondefault(r->strategy, r->knobs);

	printf("run %s: %" PRId64 ", %s%s%s, seed %" PRId64 ", %s%s\n", which, r->run_id,
	       r->strategy, r->profile[0] ? " " : "", r->profile, r->seed,
	       changed && changed[0] ? "knobs " : "knobs at their defaults",
	       changed ? changed : "");
	free(changed);
}

static void json_run(struct fl_json *j, const char *key, const struct drun *r)
{
	char *changed = fl_knobs_nondefault(r->strategy, r->knobs);

	fl_json_obj_begin(j, key);
	fl_json_i64(j, "run_id", r->run_id);
	fl_json_str(j, "strategy", r->strategy);
	fl_json_str(j, "profile", r->profile);
	fl_json_i64(j, "seed", r->seed);
	fl_json_str(j, "knobs", r->knobs);
	fl_json_str(j, "knobs_changed", changed ? changed : "");
	fl_json_obj_end(j);
	free(changed);
}

static bool parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1)
		return false;
	*out = v;
	return true;
}

static int diff(sqlite3 *db, const char *path, int64_t ida, int64_t idb, enum fmt fmt,
		enum part part, int64_t top, struct fl_err *err)
{
	struct fl_table counts = { 0 }, times = { 0 }, tc = { 0 }, tt = { 0 };
	bool colour = fmt == FMT_TEXT && fl_colour_stdout();
	const char *b1 = colour ? "\033[1m" : "", *b0 = colour ? "\033[0m" : "";
	char epath[8192];	/* the trace path, escaped */
	struct drun a, b;
	int rc;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	rc = load_run(db, path, ida, &a, err);
	if (!rc)
		rc = load_run(db, path, idb, &b, err);
	if (!rc && a.trace_id != b.trace_id) {
		rc = fl_err_set(err, -EINVAL, "%s: runs %" PRId64 " and %" PRId64 " replay different "
				"traces (trace %" PRId64 " %s, trace %" PRId64 " %s): a what-if "
				"compares two runs of one trace", path, ida, idb, a.trace_id, a.trace,
				b.trace_id, b.trace);
		fl_err_hint(err, "replay the one trace with both strategies into one database, "
			    "e.g. `faultline replay TRACE -s all -o DB`");
	}
	if (!rc)
		rc = totals(db, path, &a, &b, &counts, &times, err);
	if (!rc)
		rc = fill(db, path, &causes, &a, &b, top, &tc, err);
	if (!rc)
		rc = fill(db, path, &threads, &a, &b, top, &tt, err);
	if (rc)
		goto out;
	if (fmt == FMT_JSON) {
		struct fl_json j;

		fl_json_init(&j, stdout);
		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "database", path);
		fl_json_i64(&j, "trace_id", a.trace_id);
		fl_json_str(&j, "trace", a.trace);
		json_run(&j, "a", &a);
		json_run(&j, "b", &b);
		fl_table_json(&counts, &j, "counts");
		fl_table_json(&times, &j, "times");
		fl_table_json(&tc, &j, "causes");
		fl_table_json(&tt, &j, "threads");
		fl_json_obj_end(&j);
		fl_json_finish(&j);
	} else if (fmt == FMT_CSV) {
		if (part == PART_TOTALS) {
			/* Counts and times in one table: the ns columns are integers too. */
			fl_table_print_csv(&counts, stdout, true, NULL, NULL);
			fl_table_print_csv(&times, stdout, false, NULL, NULL);
		} else {
			fl_table_print_csv(part == PART_CAUSES ? &tc : &tt, stdout, true, NULL, NULL);
		}
	} else {
		printf("%sdiff of run %" PRId64 " (A) and run %" PRId64 " (B)%s over %s (trace %"
		       PRId64 ")\n", b1, ida, idb, b0, fl_escape(a.trace, epath, sizeof(epath)), a.trace_id);
		{
			struct fl_loss_summary ls;

			if (fl_losses_read(db, a.trace_id, &ls) == 0)
				fl_losses_print(stdout, "  ", &ls, NULL);
		}
		run_line("A", &a);
		run_line("B", &b);
		printf("\n");
		fl_table_print_text(&counts, stdout, 2, colour);
		printf("\n%s  predicted time, summed over threads (thread_times):%s\n", b1, b0);
		fl_table_print_text(&times, stdout, 2, colour);
		printf("\n%s  cause by cause, the largest change first:%s\n", b1, b0);
		fl_table_print_text(&tc, stdout, 2, colour);
		printf("\n%s  thread by thread, the largest change in blocked time first:%s\n", b1,
		       b0);
		if (tt.nrows)
			fl_table_print_text(&tt, stdout, 2, colour);
		else
			printf("  (no thread_times rows)\n");
	}
out:
	fl_table_free(&counts);
	fl_table_free(&times);
	fl_table_free(&tc);
	fl_table_free(&tt);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* The command line of diff, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct {
	int format, part;
	int64_t top;
	bool wide;
} dopt;

static const char *const diff_formats[] = { "table", "text", "csv", "json", NULL };
static const char *const diff_parts[] = { "total", "cause", "thread", NULL };

static const struct fl_option diff_options[] = {
	{ FL_OPT_CHOICE, 'f', "format", "FMT", "table (default, for people), csv or json",
	  &dopt.format, NULL, 0, "format", diff_formats, NULL },
	{ FL_OPT_CHOICE, 'b', "by", "TABLE", "with --format csv, which table: total, cause\n"
	  "(default) or thread (json holds all of them)", &dopt.part, NULL, 0, "table",
	  diff_parts, NULL },
	{ FL_OPT_INT, 't', "top", "K", "at most K causes and K threads (default 0: all)",
	  &dopt.top, NULL, 0, "a count (0 for all)", NULL, NULL },
	{ FL_OPT_FLAG, 'w', "wide", NULL, "cut no column, whatever the terminal's width",
	  &dopt.wide, NULL, 0, NULL, NULL, NULL },
	FL_OPT_END_,
};

static int run_diff(int argc, char **argv)
{
	static const enum fmt formats[] = { FMT_TEXT, FMT_TEXT, FMT_CSV, FMT_JSON };
	static const enum part parts[] = { PART_TOTALS, PART_CAUSES, PART_THREADS };
	struct fl_err err = { 0 };
	enum fmt fmt;
	enum part part;
	int64_t top, a, b;
	const char *path = FL_DEFAULT_DB;
	sqlite3 *db;
	int rc, first, optind = 1, npos;

	memset(&dopt, 0, sizeof(dopt));
	dopt.part = 1;
	npos = fl_cmd_parse(&fl_cmd_diff, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	argc = npos + 1;
	fmt = formats[dopt.format];
	part = parts[dopt.part];
	top = dopt.top;
	fl_table_set_wide(dopt.wide);
	/* DB RUN_A RUN_B, or RUN_A RUN_B of faultline.db. */
	if ((argc - optind != 3 && argc - optind != 2) ||
	    (argc - optind == 2 && !parse_id(argv[optind], &a)))
		return fl_cmd_usage_error(&fl_cmd_diff, "give a database and two run ids, or two "
					  "run ids of faultline.db (%d argument%s given)",
					  argc - optind, argc - optind == 1 ? "" : "s");
	if (argc - optind == 3)
		path = argv[optind++];
	first = optind;
	if (!parse_id(argv[first], &a) || !parse_id(argv[first + 1], &b))
		return fl_cmd_usage_error(&fl_cmd_diff, "run ids are positive integers, not '%s'",
					  parse_id(argv[first], &a) ? argv[first + 1] : argv[first]);
	if (a == b)
		return fl_cmd_usage_error(&fl_cmd_diff, "run %" PRId64 " against itself: a diff "
					  "compares two runs (`faultline report %s` lists them)", a,
					  path);
	if (fl_store_open_read(path, &db, &err) < 0)
		return fl_cmd_exit(-1, &err);
	rc = diff(db, path, a, b, fmt, part, top, &err);
	sqlite3_close(db);
	return fl_cmd_exit(rc, &err);
}

const struct fl_cmd fl_cmd_diff = {
	.name = "diff",
	.summary = "compare two runs of one trace: causes, threads, blocked time",
	.usage = "faultline diff [--format table|csv|json] [--by total|cause|thread]\n"
		 "                      [--top K] [--wide] [DB] RUN_A RUN_B",
	.help =
		"A what-if: how run B (a strategy, profile or knob setting) would have\n"
		"fared against run A on the same trace.  Both runs must replay the same\n"
		"trace of DB (default faultline.db); runs over different traces, and a\n"
		"run against itself, are refused.  Each run's line names its strategy,\n"
		"profile, seed and the knobs not at their defaults, whole.\n"
		"\n"
		"It prints, as B - A:\n"
		"  - faults that fell back to mmap_lock, aborts a writer caused, and the\n"
		"    faults that fell back under one run only (fault by fault);\n"
		"  - predicted time summed over the trace's threads (thread_times): time\n"
		"    blocked on mmap_lock, aborted speculative work, and run time;\n"
		"  - cause by cause (cause_counts): each (counter, reason) of either run,\n"
		"    0 where a run has none, the largest change first;\n"
		"  - thread by thread: blocked time under A and B and its change, and\n"
		"    the change in the thread's run time, the largest change first.\n",
	.options = diff_options,
	.help_tail =
		"columns for programs:\n"
		"  total:  metric,a,b,change,change_pct (times in ns)\n"
		"  cause:  counter,reason,a,b,change,fell_back_a,fell_back_b\n"
		"  thread: tid,comm,faults,blocked_a_ns,blocked_b_ns,blocked_change_ns,\n"
		"          run_a_ns,run_b_ns,run_change_ns\n"
		"  json:   {database, trace_id, trace, a: {run_id, strategy, profile,\n"
		"          seed, knobs, knobs_changed}, b: {...},\n"
		"          counts: [{metric, a, b, change, change_pct}],\n"
		"          times: [{metric, a_ns, b_ns, change_ns, change_pct}],\n"
		"          causes: [...], threads: [...]}\n"
		"\n"
		"exit status: 0, 1 if the database cannot be read, a run does not exist\n"
		"or the runs replay different traces, 2 on a usage error.\n"
		"\n"
		"examples:\n"
		"  faultline replay TRACE -s all -o out.db\n"
		"  faultline diff out.db 1 2          # classic (A) against pervma (B)\n"
		"  faultline diff --format csv --by thread out.db 2 4\n",
	.run = run_diff,
};
