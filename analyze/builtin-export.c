/* faultline export: one table of the store as CSV or JSON, its columns
 * named as in schemas/outcomes.sql. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "chrome_trace.h"
#include "fl_err.h"
#include "fl_json.h"
#include "fl_out.h"
#include "store_read.h"
#include "table.h"

/* The tables of schemas/outcomes.sql, with their primary-key order and
 * whether they are keyed by run (so --run applies). */
static const struct {
	const char *name, *order;
	bool by_run, by_trace;
} tables[] = {
	{ "meta", "key", false, false },
	{ "traces", "trace_id", false, false },
	{ "threads", "trace_id, tid", false, true },
	{ "writers", "trace_id, writer_id", false, true },
	{ "faults", "trace_id, fault_id", false, true },
	{ "runs", "run_id", true, true },
	{ "outcomes", "run_id, fault_id", true, false },
	{ "cause_counts", "run_id, counter, reason", true, false },
	{ "thread_times", "run_id, tid", true, false },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* Whether the store has a run run_id (false too if the query fails). */
static bool run_exists(sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st;
	int64_t found = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM runs WHERE run_id = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return found != 0;
}

/* The SELECT of table ti in primary-key order; with a run_id > 0, only that
 * run's rows, or its trace's (?1 is the run). */
static void export_query(char *sql, size_t size, size_t ti, int64_t run_id)
{
	/* The table name comes from the list above, never from the user. */
	if (run_id > 0 && tables[ti].by_run)
		snprintf(sql, size, "SELECT * FROM %s WHERE run_id = ?1 ORDER BY %s",
			 tables[ti].name, tables[ti].order);
	else if (run_id > 0 && tables[ti].by_trace)
		snprintf(sql, size, "SELECT * FROM %s WHERE trace_id = (SELECT trace_id "
			 "FROM runs WHERE run_id = ?1) ORDER BY %s", tables[ti].name,
			 tables[ti].order);
	else if (run_id > 0 && strcmp(tables[ti].name, "traces") == 0)
		snprintf(sql, size, "SELECT * FROM traces WHERE trace_id = (SELECT trace_id "
			 "FROM runs WHERE run_id = ?1) ORDER BY trace_id");
	else
		snprintf(sql, size, "SELECT * FROM %s ORDER BY %s", tables[ti].name,
			 tables[ti].order);
}

/* The columns' names: the CSV header line, or the JSON object's database,
 * table and columns, opening its rows array. */
static void export_header(FILE *out, struct fl_json *j, sqlite3_stmt *st, int n,
			  const char *path, size_t ti, bool json)
{
	if (json) {
		fl_json_init(j, out);
		fl_json_obj_begin(j, NULL);
		fl_json_str(j, "database", path);
		fl_json_str(j, "table", tables[ti].name);
		fl_json_arr_begin(j, "columns");
		for (int c = 0; c < n; c++)
			fl_json_str(j, NULL, sqlite3_column_name(st, c));
		fl_json_arr_end(j);
		fl_json_arr_begin(j, "rows");
	} else {
		for (int c = 0; c < n; c++) {
			if (c)
				fputc(',', out);
			fl_csv_field(out, sqlite3_column_name(st, c));
		}
		fputc('\n', out);
	}
}

/* The statement's current row: a CSV line (NULL as an empty field) or a
 * JSON object keyed by column name. */
static void export_row(FILE *out, struct fl_json *j, sqlite3_stmt *st, int n, bool json)
{
	if (json)
		fl_json_obj_begin(j, NULL);
	for (int c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(st, c);
		int type = sqlite3_column_type(st, c);

		if (!json && c)
			fputc(',', out);
		switch (type) {
		case SQLITE_NULL:
			if (json)
				fl_json_null(j, name);
			break;
		case SQLITE_INTEGER:
			if (json)
				fl_json_i64(j, name, sqlite3_column_int64(st, c));
			else
				fprintf(out, "%" PRId64, (int64_t)sqlite3_column_int64(st, c));
			break;
		case SQLITE_FLOAT:
			if (json)
				fl_json_double(j, name, sqlite3_column_double(st, c));
			else
				fprintf(out, "%.17g", sqlite3_column_double(st, c));
			break;
		default: {
			const char *s = (const char *)sqlite3_column_text(st, c);

			if (json)
				fl_json_str(j, name, s ? s : "");
			else
				fl_csv_field(out, s ? s : "");
			break;
		}
		}
	}
	if (json)
		fl_json_obj_end(j);
	else
		fputc('\n', out);
}

static int export(FILE *out, sqlite3 *db, const char *path, size_t ti, int64_t run_id, bool json,
		  struct fl_err *err)
{
	char sql[256];
	sqlite3_stmt *st;
	struct fl_json j;
	int rc, n;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (run_id > 0 && !run_exists(db, run_id)) {
		rc = fl_store_no_run(db, path, run_id, err);
		goto out;
	}
	export_query(sql, sizeof(sql), ti, run_id);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = fl_store_sql_error(db, path, "cannot query the store", err);
		goto out;
	}
	if (run_id > 0 && sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, run_id);
	n = sqlite3_column_count(st);
	export_header(out, &j, st, n, path, ti, json);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		export_row(out, &j, st, n, json);
	if (rc != SQLITE_DONE) {
		fl_store_sql_error(db, path, "cannot read the store", err);
		rc = err->code;
	} else {
		rc = 0;
	}
	sqlite3_finalize(st);
	if (json) {
		fl_json_arr_end(&j);
		fl_json_obj_end(&j);
		fl_json_finish(&j);
	}
out:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* --format chrome-trace: the replayed timeline, to -o FILE or stdout. */
static int chrome_trace(const char *path, const char *table, int64_t run_id, int64_t from,
			int64_t to, const char *output)
{
	struct fl_err err = { 0 };
	struct fl_out out;
	sqlite3 *db;
	int rc;

	if (table)
		return fl_cmd_usage_error(&fl_cmd_export, "--format chrome-trace writes the "
					  "timeline, not a table: drop --table");
	if (to <= from && to != FL_CT_TO_END)
		return fl_cmd_usage_error(&fl_cmd_export, "--to must be after --from");
	if (fl_store_open_read(path, &db, &err) < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	rc = fl_out_open(&out, output, &err);
	if (!rc) {
		rc = fl_chrome_trace_write(db, path, run_id, from, to, out.f, &err);
		if (fl_out_close(&out, rc == 0, &err) < 0 && !rc)
			rc = err.code;
	}
	if (rc)
		goto fail;
	sqlite3_close(db);
	if (output)
		fprintf(stderr, "wrote %s: open it in https://ui.perfetto.dev or chrome://tracing\n",
			output);
	return FL_EXIT_OK;
fail:
	sqlite3_close(db);
	fl_err_print(&err, stderr);
	return FL_EXIT_FAIL;
}

/* The command line of export, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct {
	const char *table;
	int format;
	int64_t run_id;
	const char *output, *from, *to;
} eopt;

static const char *const export_formats[] = { "csv", "json", "chrome-trace", NULL };

static const struct fl_option export_options[] = {
	{ FL_OPT_STRING, 't', "table", "T", "the table (required)", &eopt.table, NULL, 0, NULL,
	  NULL, NULL },
	{ FL_OPT_CHOICE, 'f', "format", "FMT", "csv (default; a header line of column names) or\n"
	  "json ({database, table, columns: [...], rows:\n[{column: value, ...}]})",
	  &eopt.format, NULL, 0, "format", export_formats, NULL },
	{ FL_OPT_INT, 'r', "run", "N", "only run N's rows (runs, outcomes, cause_counts,\n"
	  "thread_times) or its trace's (traces, threads,\nwriters, faults)", &eopt.run_id, NULL,
	  1, "a run id (a positive integer)", NULL, NULL },
	{ FL_OPT_STRING, 'o', "output", "FILE", "write FILE instead of stdout: a new file renamed\n"
	  "over FILE when complete; FILE must be absent or a\nregular file ('-' is stdout)",
	  &eopt.output, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_STRING, 0, "from", "T", "chrome-trace: only the events from T on, a time\n"
	  "since the trace's start with a unit (250ms, 1.5s,\n300us)", &eopt.from, NULL, 0, NULL,
	  NULL, NULL },
	{ FL_OPT_STRING, 0, "to", "T", "chrome-trace: only the events up to T", &eopt.to, NULL, 0,
	  NULL, NULL, NULL },
	FL_OPT_END_,
};

static int run_export(int argc, char **argv)
{
	struct fl_err err = { 0 };
	const char *table, *path, *output;
	struct fl_out out;
	size_t ti = NTABLES;
	bool json;
	int64_t run_id;
	int64_t from = FL_CT_FROM_START, to = FL_CT_TO_END;
	sqlite3 *db;
	int rc, optind = 1, npos;

	memset(&eopt, 0, sizeof(eopt));
	npos = fl_cmd_parse(&fl_cmd_export, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	argc = npos + 1;
	table = eopt.table;
	json = eopt.format == 1;
	run_id = eopt.run_id;
	output = eopt.output;
	for (int k = 0; k < 2; k++) {
		const char *arg = k ? eopt.to : eopt.from;

		if (arg && fl_chrome_trace_parse_time(arg, k ? &to : &from) < 0)
			return fl_cmd_usage_error(&fl_cmd_export, "%s takes a time since the trace's "
						  "start with a unit (250ms, 1.5s, 300us, 1000ns), "
						  "not '%s'", k ? "--to" : "--from", arg);
	}
	if (eopt.format == 2) {
		if (argc - optind > 1)
			return fl_cmd_usage_error(&fl_cmd_export, "one database at a time ('%s' is "
						  "extra)", argv[optind + 1]);
		return chrome_trace(optind < argc ? argv[optind] : FL_DEFAULT_DB, table, run_id, from,
				    to, output);
	}
	if (from != FL_CT_FROM_START || to != FL_CT_TO_END)
		return fl_cmd_usage_error(&fl_cmd_export, "--from and --to go with --format "
					  "chrome-trace");
	if (!table)
		return fl_cmd_usage_error(&fl_cmd_export, "which table? --table T (traces, "
					  "threads, writers, faults, runs, outcomes, cause_counts, "
					  "thread_times, meta)");
	for (ti = 0; ti < NTABLES; ti++)
		if (strcmp(table, tables[ti].name) == 0)
			break;
	if (ti == NTABLES)
		return fl_cmd_usage_error(&fl_cmd_export, "no table '%s' in the store (traces, "
					  "threads, writers, faults, runs, outcomes, cause_counts, "
					  "thread_times, meta)", table);
	if (argc - optind > 1)
		return fl_cmd_usage_error(&fl_cmd_export, "one database at a time ('%s' is extra)",
					  argv[optind + 1]);
	if (run_id > 0 && strcmp(table, "meta") == 0)
		return fl_cmd_usage_error(&fl_cmd_export, "--run does not apply to meta");
	path = optind < argc ? argv[optind] : FL_DEFAULT_DB;
	if (fl_store_open_read(path, &db, &err) < 0)
		return fl_cmd_exit(-1, &err);
	rc = fl_out_open(&out, output, &err);
	if (!rc) {
		rc = export(out.f, db, path, ti, run_id, json, &err);
		if (fl_out_close(&out, rc == 0, &err) < 0 && !rc)
			rc = err.code;
	}
	sqlite3_close(db);
	return fl_cmd_exit(rc, &err);
}

const struct fl_cmd fl_cmd_export = {
	.name = "export",
	.summary = "write one table of an outcome store as CSV or JSON, or its timeline",
	.usage = "faultline export --table T [--format csv|json] [--run N] [-o FILE] [DB]\n"
		 "       faultline export -f chrome-trace [-r N] [-o F] [--from T] [--to T] [DB]",
	.help =
		"Writes table T of the outcome store DB (schemas/outcomes.sql; default\n"
		"faultline.db) to stdout (or FILE), every column under the name the schema gives\n"
		"it, in the schema's column order, rows in primary-key order.  Values\n"
		"are as stored: addresses are signed 64-bit integers (SQLite has no\n"
		"unsigned type); times are integer ns of the trace's own clock (subtract\n"
		"traces.t_first for the time since the trace's first event); NULL is an\n"
		"empty CSV field or JSON null.  The column names are the store's\n"
		"contract: they change only\n"		"with the schema version.\n"
		"\n"
		"Tables: traces, threads, writers, faults, runs, outcomes, cause_counts,\n"
		"thread_times, meta.\n"
		"\n"
		"--format chrome-trace writes the replayed timeline as Chrome Trace Event\n"
		"JSON for Perfetto UI (ui.perfetto.dev: Open trace file) or\n"
		"chrome://tracing: a process per traced process, a track per thread, a\n"
		"slice per fault named by its outcome, each writer's mmap_lock window,\n"
		"lock waits, arrows from a writer to the faults it aborted, and the run's\n"
		"strategy, seed and non-default knobs in each process's name and labels.\n"
		"Every run of DB unless --run N.\n"
		"\n"
		"Time columns.  Export keeps the store's values, unlike report and\n"
		"tui (seconds since the trace's first event, or --abs-time): integer ns\n"
		"of the trace's own clock, its offset included (ns since the Unix epoch\n"
		"for faultline and LTTng traces; perf's clock counts from boot), so\n"
		"t - traces.t_first is the time since the first event that report shows:\n"
		"  traces   t_first, t_last (the first and last event), t_first_loss\n"
		"  losses   t_begin, t_end\n"
		"  writers  t_enter, t_exit, t_lock_start, t_lock_acquired,\n"
		"           t_lock_released\n"
		"  faults   t, t_end\n"
		"Durations are ns: faults.gt_lock_wait, outcomes.latency and lock_wait,\n"
		"thread_times' blocked_*, wasted and run_*.  chrome-trace's ts and dur are\n"
		"us since the trace's first event (the Trace Event format's unit), and\n"
		"its syscall_enter_ns / syscall_exit_ns args ns since it.\n",
	.options = export_options,
	.help_tail =
		"exit status: 0, 1 if the database cannot be read or has no run N, or\n"
		"the output cannot be written; 2 on a usage error.\n"
		"\n"
		"examples:\n"
		"  faultline export --table cause_counts out.db\n"
		"  faultline export --table outcomes --run 2 --format json out.db\n"
		"  faultline export --table faults out.db > faults.csv   # pandas.read_csv\n"
		"  faultline export --format chrome-trace --run 1 -o run1.json out.db\n",
	.run = run_export,
};
