/* faultline export: one table of the store as CSV or JSON, its columns
 * named as in schemas/outcomes.sql. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "chrome_trace.h"
#include "fl_err.h"
#include "fl_json.h"
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

static int export(sqlite3 *db, const char *path, size_t ti, int64_t run_id, bool json,
		  struct fl_err *err)
{
	char sql[256];
	sqlite3_stmt *st;
	struct fl_json j;
	int rc, n;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (run_id > 0) {
		int64_t found = 0;

		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM runs WHERE run_id = ?1", -1, &st,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, run_id);
			if (sqlite3_step(st) == SQLITE_ROW)
				found = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
		if (!found) {
			rc = fl_store_no_run(db, path, run_id, err);
			goto out;
		}
	}
	/* The table name comes from the list above, never from the user. */
	if (run_id > 0 && tables[ti].by_run)
		snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE run_id = ?1 ORDER BY %s",
			 tables[ti].name, tables[ti].order);
	else if (run_id > 0 && tables[ti].by_trace)
		snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE trace_id = (SELECT trace_id "
			 "FROM runs WHERE run_id = ?1) ORDER BY %s", tables[ti].name,
			 tables[ti].order);
	else if (run_id > 0 && strcmp(tables[ti].name, "traces") == 0)
		snprintf(sql, sizeof(sql), "SELECT * FROM traces WHERE trace_id = (SELECT trace_id "
			 "FROM runs WHERE run_id = ?1) ORDER BY trace_id");
	else
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY %s", tables[ti].name,
			 tables[ti].order);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = fl_store_sql_error(db, path, "cannot query the store", err);
		goto out;
	}
	if (run_id > 0 && sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, run_id);
	n = sqlite3_column_count(st);
	if (json) {
		fl_json_init(&j, stdout);
		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "database", path);
		fl_json_str(&j, "table", tables[ti].name);
		fl_json_arr_begin(&j, "columns");
		for (int c = 0; c < n; c++)
			fl_json_str(&j, NULL, sqlite3_column_name(st, c));
		fl_json_arr_end(&j);
		fl_json_arr_begin(&j, "rows");
	} else {
		for (int c = 0; c < n; c++) {
			if (c)
				putchar(',');
			fl_csv_field(stdout, sqlite3_column_name(st, c));
		}
		putchar('\n');
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json)
			fl_json_obj_begin(&j, NULL);
		for (int c = 0; c < n; c++) {
			const char *name = sqlite3_column_name(st, c);
			int type = sqlite3_column_type(st, c);

			if (!json && c)
				putchar(',');
			switch (type) {
			case SQLITE_NULL:
				if (json)
					fl_json_null(&j, name);
				break;
			case SQLITE_INTEGER:
				if (json)
					fl_json_i64(&j, name, sqlite3_column_int64(st, c));
				else
					printf("%" PRId64, (int64_t)sqlite3_column_int64(st, c));
				break;
			case SQLITE_FLOAT:
				if (json)
					fl_json_double(&j, name, sqlite3_column_double(st, c));
				else
					printf("%.17g", sqlite3_column_double(st, c));
				break;
			default: {
				const char *s = (const char *)sqlite3_column_text(st, c);

				if (json)
					fl_json_str(&j, name, s ? s : "");
				else
					fl_csv_field(stdout, s ? s : "");
				break;
			}
			}
		}
		if (json)
			fl_json_obj_end(&j);
		else
			putchar('\n');
	}
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
static int chrome_trace(int argc, char **argv, const char *table, int64_t run_id, int64_t from,
			int64_t to, const char *output)
{
	struct fl_err err = { 0 };
	char tmp[4096];
	sqlite3 *db;
	FILE *f = stdout;
	int rc;

	if (table)
		return fl_cmd_usage_error(&fl_cmd_export, "--format chrome-trace writes the "
					  "timeline, not a table: drop --table");
	if (optind >= argc)
		return fl_cmd_usage_error(&fl_cmd_export, "no database given");
	if (argc - optind > 1)
		return fl_cmd_usage_error(&fl_cmd_export, "one database at a time ('%s' is extra)",
					  argv[optind + 1]);
	if (to <= from && to != FL_CT_TO_END)
		return fl_cmd_usage_error(&fl_cmd_export, "--to must be after --from");
	if (fl_store_open_read(argv[optind], &db, &err) < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	/* Written beside FILE and renamed over it: a failed export leaves no
	 * half file. */
	if (output) {
		if (snprintf(tmp, sizeof(tmp), "%s.tmp", output) >= (int)sizeof(tmp)) {
			fl_err_set(&err, -ENAMETOOLONG, "%s: file name too long", output);
			goto fail;
		}
		f = fopen(tmp, "w");
		if (!f) {
			int e = errno;

			fl_err_set(&err, -e, "%s: cannot write: %s", tmp, strerror(e));
			goto fail;
		}
	}
	rc = fl_chrome_trace_write(db, argv[optind], run_id, from, to, f, &err);
	if (output) {
		if (fclose(f) != 0 && !rc) {
			int e = errno;

			rc = fl_err_set(&err, -e, "%s: cannot write: %s", tmp, strerror(e));
		}
		if (!rc && rename(tmp, output) < 0) {
			int e = errno;

			rc = fl_err_set(&err, -e, "%s: cannot write: %s", output, strerror(e));
		}
		if (rc)
			remove(tmp);
	} else if (fflush(stdout) != 0 && !rc) {
		int e = errno;

		rc = fl_err_set(&err, -e, "stdout: cannot write: %s", strerror(e));
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

static int run_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "table", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "run", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct fl_err err = { 0 };
	const char *table = NULL;
	size_t ti = NTABLES;
	bool json = false, chrome = false;
	const char *output = NULL;
	int64_t run_id = 0, from = FL_CT_FROM_START, to = FL_CT_TO_END;
	sqlite3 *db;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":t:f:r:o:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			table = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				json = false;
			else if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "chrome-trace") == 0)
				chrome = true;
			else
				return fl_cmd_usage_error(&fl_cmd_export, "unknown format '%s' (csv, "
							  "json or chrome-trace)", optarg);
			break;
		case 'r': {
			char *end;

			errno = 0;
			run_id = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || run_id < 1)
				return fl_cmd_usage_error(&fl_cmd_export, "--run takes a run id (a "
							  "positive integer), not '%s'", optarg);
			break;
		}
		case 'o':
			output = optarg;
			break;
		case 'F':
		case 'T':
			if (fl_chrome_trace_parse_time(optarg, c == 'F' ? &from : &to) < 0)
				return fl_cmd_usage_error(&fl_cmd_export, "%s takes a time since the "
							  "trace's start with a unit (250ms, 1.5s, "
							  "300us, 1000ns), not '%s'",
							  c == 'F' ? "--from" : "--to", optarg);
			break;
		case ':':
			return fl_cmd_usage_error(&fl_cmd_export, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			if (optopt)
				return fl_cmd_usage_error(&fl_cmd_export, "unknown option '-%c'",
							  optopt);
			return fl_cmd_usage_error(&fl_cmd_export, "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (chrome)
		return chrome_trace(argc, argv, table, run_id, from, to, output);
	if (output || from != FL_CT_FROM_START || to != FL_CT_TO_END)
		return fl_cmd_usage_error(&fl_cmd_export, "-o, --from and --to go with --format "
					  "chrome-trace (a table goes to stdout)");
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
	if (optind >= argc)
		return fl_cmd_usage_error(&fl_cmd_export, "no database given");
	if (argc - optind > 1)
		return fl_cmd_usage_error(&fl_cmd_export, "one database at a time ('%s' is extra)",
					  argv[optind + 1]);
	if (run_id > 0 && strcmp(table, "meta") == 0)
		return fl_cmd_usage_error(&fl_cmd_export, "--run does not apply to meta");
	if (fl_store_open_read(argv[optind], &db, &err) < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	rc = export(db, argv[optind], ti, run_id, json, &err);
	sqlite3_close(db);
	if (rc < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	return FL_EXIT_OK;
}

const struct fl_cmd fl_cmd_export = {
	.name = "export",
	.summary = "write one table of an outcome store as CSV or JSON, or its timeline",
	.usage = "faultline export --table T [--format csv|json] [--run N] DB\n"
		 "       faultline export -f chrome-trace [-r N] [-o FILE] [--from T] [--to T] "
		 "DB",
	.help =
		"Writes table T of the outcome store DB (schemas/outcomes.sql) to\n"
		"stdout, every column under the name the schema gives it, in the\n"
		"schema's column order, rows in primary-key order.  Values are as\n"
		"stored: addresses are signed 64-bit integers (SQLite has no unsigned\n"
		"type), times are trace-clock ns, NULL is an empty CSV field or JSON\n"
		"null.  The column names are the store's contract: they change only\n"
		"with the schema version.\n"
		"\n"
		"Tables: traces, threads, writers, faults, runs, outcomes, cause_counts,\n"
		"thread_times, meta.\n"
		"\n"
		"options:\n"
		"  -t, --table T          the table (required)\n"
		"  -f, --format FMT       csv (default; a header line of column names) or\n"
		"                         json ({database, table, columns: [...], rows:\n"
		"                         [{column: value, ...}]})\n"
		"  -r, --run N            only run N's rows (runs, outcomes, cause_counts,\n"
		"                         thread_times) or its trace's (traces, threads,\n"
		"                         writers, faults)\n"
		"  -o, --output FILE      chrome-trace: write FILE (default stdout)\n"
		"      --from T, --to T   chrome-trace: only the events that meet this window\n"
		"                         of time since the trace's start (250ms, 1.5s, 300us)\n"
		"  -h, --help             this help\n"
		"\n"
		"--format chrome-trace writes the replayed timeline as Chrome Trace Event\n"
		"JSON for Perfetto UI (ui.perfetto.dev: Open trace file) or\n"
		"chrome://tracing: a process per traced process, a track per thread, a\n"
		"slice per fault named by its outcome, each writer's mmap_lock window,\n"
		"lock waits, arrows from a writer to the faults it aborted, and the run's\n"
		"strategy, seed and non-default knobs as process labels.  Every run of DB\n"
		"unless --run N.\n"
		"\n"
		"exit status: 0, 1 if the database cannot be read or has no run N, 2 on\n"
		"a usage error.\n"
		"\n"
		"examples:\n"
		"  faultline export --table cause_counts out.db\n"
		"  faultline export --table outcomes --run 2 --format json out.db\n"
		"  faultline export --table faults out.db > faults.csv   # pandas.read_csv\n"
		"  faultline export --format chrome-trace --run 1 -o run1.json out.db\n",
	.run = run_export,
};
