/* faultline report: what a replay predicted, cause by cause, and with
 * --fidelity how well a run agrees with the kernel's own answer. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "fidelity.h"
#include "losses.h"
#include "fl_array.h"
#include "fl_err.h"
#include "fl_escape.h"
#include "fl_json.h"
#include "store_read.h"
#include "html.h"
#include "knobs.h"
#include "symbols.h"
#include "table.h"
#include "view_across.h"
#include "views.h"

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };

/* ---- formatting helpers ------------------------------------------------ */

/* What the text times count from: the trace's first event (traces.t_first),
 * or 0 for the trace clock itself (--abs-time). */
static int64_t time_origin;

/* Trace-clock ns as seconds with ns since time_origin: 1.000000567. */
static const char *fmt_time(char *buf, size_t len, int64_t ns)
{
	/* In 128 bits: a stored time may be anything (a damaged or
	 * hand-made database), and the difference must not overflow. */
	__int128 d = (__int128)ns - time_origin;
	unsigned __int128 a = d < 0 ? -(unsigned __int128)d : (unsigned __int128)d;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, d < 0 ? "-" : "", (uint64_t)(a / 1000000000u),
		 (uint64_t)(a % 1000000000u));
	return buf;
}

/* num/den as a percentage, or n/a when den is 0. */
static const char *fmt_pct(char *buf, size_t len, uint64_t num, uint64_t den)
{
	double r;

	if (!fl_ratio(num, den, &r))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f%%", 100.0 * r);
	return buf;
}

static void json_ratio(struct fl_json *j, const char *key, uint64_t num, uint64_t den)
{
	double r;

	if (fl_ratio(num, den, &r))
		fl_json_double(j, key, r);
	else
		fl_json_null(j, key);
}

static void json_hex(struct fl_json *j, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	fl_json_str(j, key, buf);
}

static void json_opt_i64(struct fl_json *j, const char *key, bool has, int64_t v)
{
	if (has)
		fl_json_i64(j, key, v);
	else
		fl_json_null(j, key);
}

static int width(const char *s, int min)
{
	int n = (int)strlen(s);

	return n > min ? n : min;
}

/* ---- the runs ------------------------------------------------------------ */

struct run {
	int64_t run_id, trace_id, seed, faults, fallbacks, unplaced;
	char *strategy, *profile, *knobs, *tool_version, *created_at, *trace;
};

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s ? (const char *)s : "");
}

static void run_free(struct run *r)
{
	free(r->strategy);
	free(r->profile);
	free(r->knobs);
	free(r->tool_version);
	free(r->created_at);
	free(r->trace);
}

static void runs_free(struct run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_free(&runs[i]);
	free(runs);
}

/* The runs (all, or run_id when > 0). */
static int load_runs(sqlite3 *db, const char *path, int64_t run_id, struct run **out,
		     size_t *nout, struct fl_err *err)
{
	struct run *runs = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT r.run_id, r.trace_id, r.seed, r.faults, r.fallbacks, "
			       "r.unplaced, r.strategy, r.profile, r.knobs, r.tool_version, "
			       "r.created_at, coalesce(t.path, '') FROM runs r "
			       "LEFT JOIN traces t ON t.trace_id = r.trace_id "
			       "WHERE ?1 = 0 OR r.run_id = ?1 ORDER BY r.run_id", -1, &st,
			       NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run *r;

		if (fl_array_grow((void **)&runs, &cap, n + 1, sizeof(*r)) < 0)
			break;
		r = &runs[n++];
		memset(r, 0, sizeof(*r));
		r->run_id = sqlite3_column_int64(st, 0);
		r->trace_id = sqlite3_column_int64(st, 1);
		r->seed = sqlite3_column_int64(st, 2);
		r->faults = sqlite3_column_int64(st, 3);
		r->fallbacks = sqlite3_column_int64(st, 4);
		r->unplaced = sqlite3_column_int64(st, 5);
		r->strategy = dup_col(st, 6);
		r->profile = dup_col(st, 7);
		r->knobs = dup_col(st, 8);
		r->tool_version = dup_col(st, 9);
		r->created_at = dup_col(st, 10);
		r->trace = dup_col(st, 11);
		if (!r->strategy || !r->profile || !r->knobs || !r->tool_version ||
		    !r->created_at || !r->trace)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		fl_store_sql_error(db, path, "cannot read the store", err);
	else if (rc == SQLITE_ROW)
		fl_err_set(err, -ENOMEM, "%s: out of memory", path);
	sqlite3_finalize(st);
	if (err->code) {
		runs_free(runs, n);
		return err->code;
	}
	if (run_id > 0 && n == 0)
		return fl_store_no_run(db, path, run_id, err);
	*out = runs;
	*nout = n;
	return 0;
}

/* Calls fn(ctx, st) for each knob of knobs, a JSON object, st's columns
 * being key, type, atom, value of json_each(); false when knobs is not a
 * JSON object. */
typedef void knob_fn(void *ctx, sqlite3_stmt *st);

static bool each_knob(sqlite3 *db, const char *knobs, knob_fn *fn, void *ctx)
{
	sqlite3_stmt *st;
	bool ok = false;

	/* The JSON1 functions are built into SQLite since 3.38. */
	if (sqlite3_prepare_v2(db, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) END",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, knobs, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "object") == 0;
	sqlite3_finalize(st);
	if (!ok || sqlite3_prepare_v2(db, "SELECT key, type, atom, value FROM json_each(?1)", -1,
				      &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, knobs, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(ctx, st);
	sqlite3_finalize(st);
	return true;
}

struct knob_text {
	int col;
	int n;
};

static void knob_print(void *ctx, sqlite3_stmt *st)
{
	struct knob_text *k = ctx;
	const char *key = (const char *)sqlite3_column_text(st, 0);
	const char *type = (const char *)sqlite3_column_text(st, 1);
	const char *val;
	char buf[256];
	int len;

	key = key ? key : "";
	type = type ? type : "";
	if (strcmp(type, "true") == 0 || strcmp(type, "false") == 0 || strcmp(type, "null") == 0) {
		val = type;
	} else if (strcmp(type, "text") == 0) {
		val = (const char *)sqlite3_column_text(st, 2);
		val = val ? val : "";
		if (!val[0] || strpbrk(val, " \t\"=")) {
			snprintf(buf, sizeof(buf), "\"%s\"", val);
			val = buf;
		}
	} else {	/* numbers as written; arrays and objects as JSON */
		val = (const char *)sqlite3_column_text(st, 3);
		val = val ? val : "";
	}
	len = (int)(strlen(key) + 1 + strlen(val));
	/* Wrap under the first knob, within 80 columns. */
	if (k->n && k->col + 1 + len > 80) {
		printf("\n%13s", "");
		k->col = 13;
	} else if (k->n) {
		putchar(' ');
		k->col++;
	}
	printf("%s=%s", key, val);
	k->col += len;
	k->n++;
}

static void knob_json(void *ctx, sqlite3_stmt *st)
{
	struct fl_json *j = ctx;
	const char *key = (const char *)sqlite3_column_text(st, 0);
	const char *type = (const char *)sqlite3_column_text(st, 1);

	key = key ? key : "";
	type = type ? type : "";
	if (strcmp(type, "integer") == 0)
		fl_json_i64(j, key, sqlite3_column_int64(st, 2));
	else if (strcmp(type, "real") == 0)
		fl_json_double(j, key, sqlite3_column_double(st, 2));
	else if (strcmp(type, "true") == 0 || strcmp(type, "false") == 0)
		fl_json_bool(j, key, type[0] == 't');
	else if (strcmp(type, "null") == 0)
		fl_json_null(j, key);
	else if (strcmp(type, "text") == 0)
		fl_json_str(j, key, (const char *)sqlite3_column_text(st, 2));
	else	/* a nested array or object: its JSON text */
		fl_json_str(j, key, (const char *)sqlite3_column_text(st, 3));
}

/* A section title: bold on a colour terminal. */
static void title(bool colour, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void title(bool colour, const char *fmt, ...)
{
	va_list ap;

	printf("\n  %s", colour ? "\033[1m" : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s\n", colour ? "\033[0m" : "");
}

static void print_run_header(sqlite3 *db, const struct run *r, bool colour)
{
	char pct[16], epath[8192];
	struct knob_text kt = { 13, 0 };
	char *changed = fl_knobs_nondefault(db, r->strategy, r->knobs);

	/* What sets the run apart from the others of its strategy: profile,
	 * seed and the knobs not at their defaults, on its first line. */
	{
		char line[256];
		size_t w = fl_table_width();
		int n = snprintf(line, sizeof(line), "run %" PRId64 ": %s, %s%s, seed %" PRId64,
				 r->run_id, r->strategy, r->profile[0] ? "profile " : "no profile",
				 r->profile, r->seed);
		bool more = changed && changed[0];

		/* The knobs on the same line when they fit, else on the next. */
		if (more && (!w || (size_t)n + 2 + strlen(changed) <= w))
			printf("%s%s, %s%s\n", colour ? "\033[1m" : "", line, changed,
			       colour ? "\033[0m" : "");
		else if (more)
			printf("%s%s,\n    %s%s\n", colour ? "\033[1m" : "", line, changed,
			       colour ? "\033[0m" : "");
		else
			printf("%s%s%s\n", colour ? "\033[1m" : "", line, colour ? "\033[0m" : "");
	}
	free(changed);
	printf("  trace:     %s (trace %" PRId64 ")\n",
	       r->trace[0] ? fl_escape(r->trace, epath, sizeof(epath)) : "?", r->trace_id);
	printf("  replayed:  by faultline %s at %s\n", r->tool_version, r->created_at);
	printf("  knobs:     ");
	if (!each_knob(db, r->knobs, knob_print, &kt))
		printf("%s", r->knobs);
	else if (!kt.n)
		printf("(none)");
	printf("\n");
	printf("  faults:    %" PRId64 "; predicted fallbacks %" PRId64 " (%s); unplaced %"
	       PRId64 "\n", r->faults, r->fallbacks,
	       fmt_pct(pct, sizeof(pct), (uint64_t)r->fallbacks, (uint64_t)r->faults), r->unplaced);
}

/* Whether the trace lost events, and which faults the model could not
 * place: said before any number of the run. */
static void print_trace_health(sqlite3 *db, const struct run *r)
{
	struct fl_loss_summary ls;

	if (fl_losses_read(db, r->trace_id, &ls) == 0)
		fl_losses_print(stdout, "  ", &ls);
	fl_unplaced_print(stdout, db, r->run_id, "  ");
}

/* What the default view shows of one run. */
struct run_view {
	struct fl_table summary, causes, latency, by[4], fidelity;
	bool has_gt;
};

static const char *const by_title[] = { "by mm call", "by faulting ip (of the aborted faults)",
					"by writer thread", "by VMA of the aborted faults" };
static const char *const by_key[] = { "by_call", "by_ip", "by_thread", "by_vma" };

static void run_view_free(struct run_view *rv)
{
	fl_table_free(&rv->summary);
	fl_table_free(&rv->causes);
	fl_table_free(&rv->latency);
	for (int i = 0; i < 4; i++)
		fl_table_free(&rv->by[i]);
	fl_table_free(&rv->fidelity);
}

static int run_view_load(const struct fl_view_ctx *v, struct run_view *rv, struct fl_err *err)
{
	struct fl_view_ctx all = *v;
	int rc;

	memset(rv, 0, sizeof(*rv));
	all.top = 0;
	rc = fl_view_summary(v, &rv->summary, err);
	if (!rc)
		rc = fl_view_causes(&all, &rv->causes, err);
	if (!rc)
		rc = fl_view_latency(v, &rv->latency, err);
	for (int i = 0; !rc && i < 4; i++)
		rc = fl_view_aborters(v, (enum fl_writers_by)i, &rv->by[i], err);
	if (!rc)
		rc = fl_view_fidelity(v, &rv->has_gt, &rv->fidelity, err);
	return rc;
}

static void print_run_view_text(const struct run *r, const struct run_view *rv, int64_t top,
				bool colour)
{
	const struct fl_cell *aborts = fl_table_cell(&rv->summary, 3, 1);

	title(colour, "outcomes:");
	fl_table_print_text(&rv->summary, stdout, 4, colour);
	if (!rv->causes.nrows) {
		printf("\n  no causes recorded for this run\n");
	} else {
		printf("\n");
		fl_table_print_text(&rv->causes, stdout, 2, colour);
	}
	title(colour, "latency and mmap_lock wait, as replayed:");
	fl_table_print_text(&rv->latency, stdout, 4, colour);
	if (!rv->by[0].nrows) {
		title(colour, "writers behind the aborts: none named%s",
		      aborts && aborts->i ? " (the aborts had no writer in its window)" : "");
	} else {
		title(colour, "writers behind the aborts (top %" PRId64 "):", top);
		for (int i = 0; i < 4; i++) {
			printf("%s    %s:\n", i ? "\n" : "", by_title[i]);
			fl_table_print_text(&rv->by[i], stdout, 6, colour);
		}
	}
	if (rv->has_gt) {
		title(colour, "fidelity against the kernel's answer (report --fidelity --run %"
		      PRId64 "):", r->run_id);
		fl_table_print_text(&rv->fidelity, stdout, 4, colour);
	}
}

static void print_run_view_json(struct fl_json *j, const struct run_view *rv)
{
	fl_table_json(&rv->causes, j, "causes");
	fl_table_json(&rv->summary, j, "summary");
	fl_table_json(&rv->latency, j, "latency");
	fl_json_obj_begin(j, "top_writers");
	for (int i = 0; i < 4; i++)
		fl_table_json(&rv->by[i], j, by_key[i]);
	fl_json_obj_end(j);
	if (rv->has_gt && rv->fidelity.nrows) {
		/* One row: an object, not an array. */
		fl_json_obj_begin(j, "fidelity");
		for (size_t c = 0; c < rv->fidelity.ncols; c++) {
			const struct fl_cell *v = fl_table_cell(&rv->fidelity, 0, c);

			if (!v->set)
				fl_json_null(j, rv->fidelity.cols[c].name);
			else if (rv->fidelity.cols[c].kind == FL_COL_RATIO)
				fl_json_double(j, rv->fidelity.cols[c].name, v->d);
			else
				fl_json_i64(j, rv->fidelity.cols[c].name, v->i);
		}
		fl_json_obj_end(j);
	} else {
		fl_json_null(j, "fidelity");
	}
}

/* "knobs_changed": the knobs not at their strategy's defaults, as text
 * ("writer_scale=200"; "" when none). */
static void json_knobs_changed(sqlite3 *db, struct fl_json *j, const struct run *r)
{
	char *changed = fl_knobs_nondefault(db, r->strategy, r->knobs);

	fl_json_str(j, "knobs_changed", changed ? changed : "");
	free(changed);
}

static void json_run_header(sqlite3 *db, struct fl_json *j, const struct run *r)
{
	fl_json_i64(j, "run_id", r->run_id);
	fl_json_i64(j, "trace_id", r->trace_id);
	fl_json_str(j, "trace", r->trace);
	fl_json_str(j, "strategy", r->strategy);
	fl_json_str(j, "profile", r->profile);
	fl_json_obj_begin(j, "knobs");
	each_knob(db, r->knobs, knob_json, j);
	fl_json_obj_end(j);
	json_knobs_changed(db, j, r);
	fl_json_i64(j, "seed", r->seed);
	fl_json_str(j, "tool_version", r->tool_version);
	fl_json_str(j, "created_at", r->created_at);
	fl_json_i64(j, "faults", r->faults);
	fl_json_i64(j, "fallbacks", r->fallbacks);
	fl_json_i64(j, "unplaced", r->unplaced);
}

/* The --by views. */
enum by {
	BY_DEFAULT, BY_CAUSE, BY_REASON, BY_VMA, BY_THREAD, BY_WRITER, BY_TIME, BY_HANDLER, BY_IP,
	BY_TRACE,	/* not per run: every run, strategy x setting across traces */
};
static const char *const by_names[] = { "", "cause", "reason", "vma", "thread", "writer", "time",
					"handler", "ip", "trace", NULL };
static const char *const by_titles[] = {
	"", "causes (cause_counts)", "causes by reason", "VMAs, most fallbacks first",
	"threads, largest change in run time first",
	"the writers that caused aborts", "faults and aborts over the trace's time",
	"fault handlers (from the fault and its VMA)",
	"faulting ips, most fallbacks first",
	"strategy x knob setting across traces",
};

#define TIME_BUCKETS 20

static int by_view(const struct fl_view_ctx *v, enum by by, struct fl_table *t, struct fl_err *err)
{
	switch (by) {
	case BY_CAUSE:
		return fl_view_causes(v, t, err);
	case BY_REASON:
		return fl_view_reasons(v, t, err);
	case BY_VMA:
		return fl_view_vmas(v, t, err);
	case BY_THREAD:
		return fl_view_threads(v, t, err);
	case BY_WRITER:
		return fl_view_aborters(v, FL_BY_WRITER, t, err);
	case BY_TIME:
		return fl_view_time(v, TIME_BUCKETS, t, err);
	case BY_HANDLER:
		return fl_view_handlers(v, t, err);
	case BY_IP:
		return fl_view_ips(v, t, err);
	default:
		return fl_err_set(err, -EINVAL, "no such view");
	}
}

/* The symbols of the trace of run r, read once per trace: NULL when
 * --no-symbols or the trace cannot be read (said once, on stderr). */
struct sym_cache {
	bool off;
	int64_t trace_id;
	struct fl_symbols *sym;
	bool warned;
};

static struct fl_symbols *symbols_for(struct sym_cache *c, const struct run *r)
{
	struct fl_err err = { 0 };

	if (c->off)
		return NULL;
	if (c->trace_id == r->trace_id)
		return c->sym;
	fl_symbols_free(c->sym);
	c->sym = NULL;
	c->trace_id = r->trace_id;
	if (fl_symbols_open(r->trace, &c->sym, &err) < 0 && !c->warned) {
		fprintf(stderr, "faultline report: no symbols or file names: cannot read the trace "
			"%s: %s\nhint: the trace is read again for its mappings; --no-symbols "
			"skips it\n", r->trace, err.msg);
		c->warned = true;
	}
	return c->sym;
}

/* Names the rows of a --by ip or --by vma table from the trace's
 * mappings: the ip's symbol, the file of a file-backed VMA. */
static void name_rows(struct sym_cache *c, const struct run *r, enum by by, struct fl_table *t)
{
	struct fl_symbols *sym;
	char buf[512];

	if (by != BY_IP && by != BY_VMA)
		return;
	sym = symbols_for(c, r);
	for (size_t i = 0; i < t->nrows; i++) {
		if (by == BY_IP) {
			const struct fl_cell *ip = fl_table_cell(t, i, 0), *pid = fl_table_cell(t, i, 1);

			if (sym && ip->set)
				fl_table_str(t, i, 2, fl_symbols_name(sym, pid->set ? (int32_t)pid->i : -1,
								       (uint64_t)ip->i, buf, sizeof(buf)));
		} else {
			const struct fl_cell *start = fl_table_cell(t, i, 1);
			const char *file = sym && start->set ? fl_symbols_path_at(sym, (uint64_t)start->i)
							     : NULL;

			if (file)
				fl_table_str(t, i, 9, file);
		}
	}
}

/* top: rows of a ranked table, 0 for all; cut_by: whether --by views
 * are cut to top (text always; CSV and JSON only when --top was given). */
/* --abs-time: a view's times (FL_COL_SECS, since the trace's first event)
 * moved to the trace's clock. */
static int64_t trace_first(sqlite3 *db, int64_t trace_id);

static void abs_times(sqlite3 *db, const struct run *r, struct fl_table *t)
{
	int64_t t0 = trace_first(db, r->trace_id);

	for (size_t c = 0; c < t->ncols; c++) {
		if (t->cols[c].kind != FL_COL_SECS)
			continue;
		for (size_t i = 0; i < t->nrows; i++)
			if (fl_table_cell(t, i, c)->set)
				fl_table_int(t, i, c, fl_table_cell(t, i, c)->i + t0);
	}
}

/* --by trace: one table over every run (view_across.h). */
static int report_across(sqlite3 *db, const char *path, int64_t top, enum fmt fmt,
			 struct fl_err *err)
{
	bool colour = fmt == FMT_TEXT && fl_colour_stdout();
	struct fl_table t;
	struct fl_json j;
	int rc = fl_view_across(db, path, top, &t, err);

	if (rc == 0 && fmt == FMT_CSV) {
		fl_table_print_csv(&t, stdout, true, "", "");
	} else if (rc == 0 && fmt == FMT_JSON) {
		fl_json_init(&j, stdout);
		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "database", path);
		fl_json_str(&j, "by", "trace");
		fl_table_json(&t, &j, "rows");
		fl_json_obj_end(&j);
		fl_json_finish(&j);
	} else if (rc == 0) {
		printf("%s%s: %s%s\n", colour ? "\033[1m" : "", path, by_titles[BY_TRACE],
		       colour ? "\033[0m" : "");
		if (t.nrows)
			fl_table_print_text(&t, stdout, 2, colour);
		else
			printf("  (no runs yet)\n");
	}
	fl_table_free(&t);
	return rc;
}

static int report_runs(sqlite3 *db, const char *path, int64_t run_id, enum by by, int64_t top,
		       bool cut_by, enum fmt fmt, struct sym_cache *syms, bool abs_time,
		       struct fl_err *err)
{
	bool colour = fmt == FMT_TEXT && fl_colour_stdout();
	struct run *runs = NULL;
	struct fl_json j;
	size_t n = 0;
	int rc;

	/* One snapshot for every query, while a replay may be committing. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (by == BY_TRACE) {
		rc = report_across(db, path, top, fmt, err);
		goto out;
	}
	rc = load_runs(db, path, run_id, &runs, &n, err);
	if (rc < 0)
		goto out;
	if (fmt == FMT_JSON) {
		fl_json_init(&j, stdout);
		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "database", path);
		if (by != BY_DEFAULT)
			fl_json_str(&j, "by", by_names[by]);
		fl_json_arr_begin(&j, "runs");
	} else if (fmt == FMT_TEXT && n == 0) {
		printf("%s: no runs yet\n", path);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct run *r = &runs[i];
		struct fl_view_ctx v = { db, path, r->run_id, r->trace_id, top };
		struct run_view rv;
		struct fl_table t;
		char prefix[256];
		size_t more;

		if (by == BY_DEFAULT && fmt != FMT_CSV) {
			rc = run_view_load(&v, &rv, err);
			if (rc == 0 && fmt == FMT_JSON) {
				fl_json_obj_begin(&j, NULL);
				json_run_header(db, &j, r);
				print_run_view_json(&j, &rv);
				fl_json_obj_end(&j);
			} else if (rc == 0) {
				if (i)
					printf("\n");
				print_run_header(db, r, colour);
				print_trace_health(db, r);
				print_run_view_text(r, &rv, top, colour);
			}
			run_view_free(&rv);
			continue;
		}
		if (by == BY_DEFAULT) {	/* CSV: the cause table, as it always was */
			struct fl_view_ctx all = v;

			all.top = 0;
			rc = fl_view_causes(&all, &t, err);
		} else {
			struct fl_view_ctx all = v;

			/* Every row, then the cut: the footer says how many more. */
			all.top = 0;
			rc = by_view(&all, by, &t, err);
		}
		if (rc < 0) {
			fl_table_free(&t);
			break;
		}
		more = 0;
		name_rows(syms, r, by, &t);
		if (abs_time)
			abs_times(db, r, &t);
		/* The time view is the trace's slices in order: never ranked. */
		if (by != BY_DEFAULT && by != BY_TIME && cut_by && top > 0 &&
		    t.nrows > (size_t)top) {
			more = t.nrows - (size_t)top;
			fl_table_truncate(&t, (size_t)top);
		}
		if (fmt == FMT_CSV) {
			char *p = prefix;
			size_t left = sizeof(prefix);
			int k;

			if (by == BY_DEFAULT)
				k = snprintf(p, left, "%" PRId64 ",%" PRId64 ",", r->run_id, r->trace_id);
			else
				k = snprintf(p, left, "%" PRId64 ",", r->run_id);
			/* strategy and profile are short names; quote them anyway
			 * if they ever hold a comma. */
			if (k > 0 && (size_t)k < left && !strpbrk(r->strategy, ",\"\n") &&
			    !strpbrk(r->profile, ",\"\n"))
				snprintf(p + k, left - (size_t)k, "%s,%s,", r->strategy, r->profile);
			else
				snprintf(p + k, left - (size_t)k, "?,?,");
			fl_table_print_csv(&t, stdout, i == 0,
					   by == BY_DEFAULT ? "run_id,trace_id,strategy,profile,"
							    : "run_id,strategy,profile,", prefix);
		} else if (fmt == FMT_JSON) {
			fl_json_obj_begin(&j, NULL);
			fl_json_i64(&j, "run_id", r->run_id);
			fl_json_i64(&j, "trace_id", r->trace_id);
			fl_json_str(&j, "strategy", r->strategy);
			fl_json_str(&j, "profile", r->profile);
			json_knobs_changed(db, &j, r);
			fl_json_i64(&j, "seed", r->seed);
			fl_table_json(&t, &j, "rows");
			fl_json_u64(&j, "more_rows", more);
			fl_json_obj_end(&j);
		} else {
			char *changed = fl_knobs_nondefault(db, r->strategy, r->knobs);

			if (i)
				printf("\n");
			printf("%srun %" PRId64 ": %s%s%s, seed %" PRId64 "%s%s, %s%s\n",
			       colour ? "\033[1m" : "", r->run_id, r->strategy,
			       r->profile[0] ? " " : "", r->profile, r->seed,
			       changed && changed[0] ? ", " : "", changed ? changed : "",
			       by_titles[by], colour ? "\033[0m" : "");
			free(changed);
			if (t.nrows)
				fl_table_print_text(&t, stdout, 2, colour);
			else
				printf("  (none)\n");
			if (more)
				printf("  %zu more row%s (--top 0 for all)\n", more,
				       more == 1 ? "" : "s");
		}
		fl_table_free(&t);
	}
	if (fmt == FMT_JSON && rc == 0) {
		fl_json_arr_end(&j);
		fl_json_obj_end(&j);
		fl_json_finish(&j);
	}
	/* A CSV of no runs still names its columns. */
	if (fmt == FMT_CSV && n == 0 && rc == 0)
		printf("%s\n", by == BY_DEFAULT ? "run_id,trace_id,strategy,profile,counter,reason,"
						  "count,share_pct,fell_back" : "run_id,strategy,profile");
	runs_free(runs, n);
out:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* ---- --spread ------------------------------------------------------------ */

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

/* report --spread: one table per group of runs that differ only in their
 * seed (all groups, or run_id's). */
static int report_spread(sqlite3 *db, const char *path, int64_t run_id, enum fmt fmt,
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
		char *changed = fl_knobs_nondefault(db, strategy, knobs);
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

/* ---- fidelity ----------------------------------------------------------- */

static void print_writer_text(const struct fl_fid_miss *m)
{
	const struct fl_fid_writer *w = &m->writer;
	char a[32], b[32];

	if (!w->present) {
		printf("    writer    none of pid %" PRId64 " within 1 ms of the fault\n", m->pid);
		return;
	}
	if (!w->call) {
		printf("    writer    #%" PRId64 " (named by the replay, missing from writers)\n",
		       w->writer_id);
		return;
	}
	if (w->linked)
		printf("    writer    #%" PRId64 " %s by tid %" PRId64 ", named by the replay\n",
		       w->writer_id, w->call, w->tid);
	else
		printf("    writer    #%" PRId64 " %s by tid %" PRId64 ", nearest of pid %" PRId64
		       " (none named)\n", w->writer_id, w->call, w->tid, w->pid);
	if (w->has_acquired && w->has_released)
		printf("              lock %s..%s", fmt_time(a, sizeof(a), w->t_lock_acquired),
		       fmt_time(b, sizeof(b), w->t_lock_released));
	else if (w->has_enter && w->has_exit)
		printf("              syscall %s..%s", fmt_time(a, sizeof(a), w->t_enter),
		       fmt_time(b, sizeof(b), w->t_exit));
	else
		printf("              window partly outside the trace");
	if (w->gap == 0)
		printf(", overlaps the fault\n");
	else
		printf(", %s %.3f us %s\n", w->gap < 0 ? "ended" : "began",
		       (double)(w->gap < 0 ? -w->gap : w->gap) / 1e3,
		       w->gap < 0 ? "before" : "after its end");
}

static void print_fidelity_text(const struct fl_fidelity *f)
{
	uint64_t pred = f->tp + f->fp, truth = f->tp + f->fn;
	int wr = 6, wd = 6, wc = 7, wcr = 6;
	char p1[16], p2[16], t[32], epath[8192], ecomm[80];

	printf("fidelity of run %" PRId64 " (%s%s%s) against the kernel's answer\n", f->run_id,
	       f->strategy, f->profile[0] ? ", profile " : "", f->profile);
	printf("  trace:     %s (trace %" PRId64 ")\n", fl_escape(f->trace_path, epath, sizeof(epath)),
	       f->trace_id);
	printf("  times:     %s\n", time_origin ? "s since the trace's first event" :
					 "s of the trace's clock");
	printf("  faults:    %" PRIu64 " in the trace, %" PRIu64 " compared\n", f->trace_faults,
	       f->compared);
	printf("  excluded:  %" PRIu64 " with ground truth unknown", f->excluded_unknown);
	if (f->excluded_no_outcome)
		printf(", %" PRIu64 " with no outcome in the run", f->excluded_no_outcome);
	printf("\n");

	printf("\n  %-21s  %15s  %15s\n", "", "kernel fallback", "kernel vma");
	printf("  %-21s  %4s%11" PRIu64 "  %4s%11" PRIu64 "\n", "predicted fallback", "TP",
	       f->tp, "FP", f->fp);
	printf("  %-21s  %4s%11" PRIu64 "  %4s%11" PRIu64 "\n", "predicted no fallback", "FN",
	       f->fn, "TN", f->tn);
	printf("\n  precision  %7s  %" PRIu64 " of %" PRIu64 " predicted fallbacks were true\n",
	       fmt_pct(p1, sizeof(p1), f->tp, pred), f->tp, pred);
	printf("  recall     %7s  %" PRIu64 " of %" PRIu64 " true fallbacks were predicted\n",
	       fmt_pct(p2, sizeof(p2), f->tp, truth), f->tp, truth);

	printf("\nprecision per predicted reason:\n");
	if (!f->nreasons)
		printf("  no predicted fallbacks\n");
	else {
		for (size_t i = 0; i < f->nreasons; i++)
			wr = width(f->reasons[i].reason, wr);
		printf("  %-*s  %9s  %9s  %9s  %9s\n", wr, "reason", "predicted", "true", "false",
		       "precision");
		for (size_t i = 0; i < f->nreasons; i++) {
			const struct fl_fid_reason *r = &f->reasons[i];

			printf("  %-*s  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "  %9s\n", wr,
			       r->reason[0] ? r->reason : "(none)", r->tp + r->fp, r->tp, r->fp,
			       fmt_pct(p1, sizeof(p1), r->tp, r->tp + r->fp));
		}
	}

	printf("\nrecall per kernel detail (faults.gt_detail of true fallbacks):\n");
	if (!f->ndetails)
		printf("  no true fallbacks\n");
	else {
		for (size_t i = 0; i < f->ndetails; i++)
			wd = width(f->details[i].detail, wd);
		printf("  %-*s  %9s  %9s  %9s  %9s\n", wd, "detail", "fallbacks", "predicted",
		       "missed", "recall");
		for (size_t i = 0; i < f->ndetails; i++) {
			const struct fl_fid_detail *d = &f->details[i];

			printf("  %-*s  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "  %9s\n", wd,
			       d->detail[0] ? d->detail : "(none)", d->tp + d->fn, d->tp, d->fn,
			       fmt_pct(p1, sizeof(p1), d->tp, d->tp + d->fn));
		}
	}

	printf("\nconfusion, predicted cause x kernel answer:\n");
	if (!f->ncells)
		printf("  no faults compared\n");
	else {
		for (size_t i = 0; i < f->ncells; i++) {
			wc = width(f->cells[i].counter, wc);
			wcr = width(f->cells[i].reason, wcr);
		}
		printf("  %-*s  %-*s  %9s  %9s  %9s\n", wc, "counter", wcr, "reason", "pred. fb",
		       "kern. vma", "kern. fb");
		for (size_t i = 0; i < f->ncells; i++) {
			const struct fl_fid_cell *c = &f->cells[i];

			printf("  %-*s  %-*s  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "\n", wc,
			       c->counter[0] ? c->counter : "-", wcr,
			       c->reason[0] ? c->reason : "(none)", c->predicted_fallback, c->gt_vma,
			       c->gt_fallback);
		}
	}

	printf("\ndisagreements: %" PRIu64 " (%" PRIu64 " FP: predicted a fallback the kernel did "
	       "not take;\n  %" PRIu64 " FN: missed a fallback the kernel took)", f->misses_total,
	       f->fp, f->fn);
	if (f->nmisses < f->misses_total)
		printf(", the first %zu shown\n  (--limit 0 shows all)", f->nmisses);
	printf("\n");
	for (size_t i = 0; i < f->nmisses; i++) {
		const struct fl_fid_miss *m = &f->misses[i];

		printf("\n  fault %" PRId64 ": %s, t %s, tid %" PRId64 " (%s) of pid %" PRId64 "\n",
		       m->fault_id, m->false_positive ? "FP" : "FN", fmt_time(t, sizeof(t), m->t),
		       m->tid, m->comm[0] ? fl_escape(m->comm, ecomm, sizeof(ecomm)) : "?", m->pid);
		printf("    address   0x%" PRIx64 " %s\n", m->address, m->access);
		if (m->has_vma)
			printf("    VMA       0x%" PRIx64 "-0x%" PRIx64 " %s\n", m->vma_start,
			       m->vma_end, m->vma_kind[0] ? m->vma_kind : "(kind unknown)");
		else
			printf("    VMA       not placed\n");
		printf("    predicted %s / %s (path %s)\n", m->counter[0] ? m->counter : "no attempt",
		       m->reason[0] ? m->reason : "(none)", m->path);
		printf("    kernel    %s%s%s\n", m->gt, m->gt_detail[0] ? " / " : "", m->gt_detail);
		print_writer_text(m);
	}
}

static void print_fidelity_json(const char *path, const struct fl_fidelity *f)
{
	struct fl_json j;

	fl_json_init(&j, stdout);
	fl_json_obj_begin(&j, NULL);
	fl_json_str(&j, "database", path);
	fl_json_i64(&j, "run_id", f->run_id);
	fl_json_str(&j, "strategy", f->strategy);
	fl_json_str(&j, "profile", f->profile);
	fl_json_i64(&j, "trace_id", f->trace_id);
	fl_json_str(&j, "trace", f->trace_path);
	fl_json_u64(&j, "trace_faults", f->trace_faults);
	fl_json_u64(&j, "compared", f->compared);
	fl_json_u64(&j, "excluded_unknown", f->excluded_unknown);
	fl_json_u64(&j, "excluded_no_outcome", f->excluded_no_outcome);
	fl_json_u64(&j, "tp", f->tp);
	fl_json_u64(&j, "fp", f->fp);
	fl_json_u64(&j, "fn", f->fn);
	fl_json_u64(&j, "tn", f->tn);
	json_ratio(&j, "precision", f->tp, f->tp + f->fp);
	json_ratio(&j, "recall", f->tp, f->tp + f->fn);

	fl_json_arr_begin(&j, "by_reason");
	for (size_t i = 0; i < f->nreasons; i++) {
		const struct fl_fid_reason *r = &f->reasons[i];

		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "reason", r->reason);
		fl_json_u64(&j, "predicted", r->tp + r->fp);
		fl_json_u64(&j, "tp", r->tp);
		fl_json_u64(&j, "fp", r->fp);
		json_ratio(&j, "precision", r->tp, r->tp + r->fp);
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);

	fl_json_arr_begin(&j, "by_gt_detail");
	for (size_t i = 0; i < f->ndetails; i++) {
		const struct fl_fid_detail *d = &f->details[i];

		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "gt_detail", d->detail);
		fl_json_u64(&j, "fallbacks", d->tp + d->fn);
		fl_json_u64(&j, "tp", d->tp);
		fl_json_u64(&j, "fn", d->fn);
		json_ratio(&j, "recall", d->tp, d->tp + d->fn);
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);

	fl_json_arr_begin(&j, "confusion");
	for (size_t i = 0; i < f->ncells; i++) {
		const struct fl_fid_cell *c = &f->cells[i];

		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "counter", c->counter);
		fl_json_str(&j, "reason", c->reason);
		fl_json_u64(&j, "predicted_fallback", c->predicted_fallback);
		fl_json_u64(&j, "gt_vma", c->gt_vma);
		fl_json_u64(&j, "gt_fallback", c->gt_fallback);
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);

	fl_json_u64(&j, "disagreements_total", f->misses_total);
	fl_json_arr_begin(&j, "disagreements");
	for (size_t i = 0; i < f->nmisses; i++) {
		const struct fl_fid_miss *m = &f->misses[i];
		const struct fl_fid_writer *w = &m->writer;

		fl_json_obj_begin(&j, NULL);
		fl_json_i64(&j, "fault_id", m->fault_id);
		fl_json_str(&j, "kind", m->false_positive ? "FP" : "FN");
		fl_json_i64(&j, "t_ns", m->t);
		fl_json_i64(&j, "tid", m->tid);
		fl_json_i64(&j, "pid", m->pid);
		fl_json_str(&j, "comm", m->comm);
		json_hex(&j, "address", m->address);
		fl_json_str(&j, "access", m->access);
		if (m->has_vma) {
			json_hex(&j, "vma_start", m->vma_start);
			json_hex(&j, "vma_end", m->vma_end);
		} else {
			fl_json_null(&j, "vma_start");
			fl_json_null(&j, "vma_end");
		}
		fl_json_str(&j, "vma_kind", m->vma_kind);
		fl_json_str(&j, "path", m->path);
		fl_json_str(&j, "counter", m->counter);
		fl_json_str(&j, "reason", m->reason);
		fl_json_str(&j, "gt", m->gt);
		fl_json_str(&j, "gt_detail", m->gt_detail);
		if (!w->present) {
			fl_json_null(&j, "writer");
		} else {
			fl_json_obj_begin(&j, "writer");
			fl_json_i64(&j, "writer_id", w->writer_id);
			fl_json_bool(&j, "linked", w->linked);
			if (w->call) {
				fl_json_str(&j, "call", w->call);
				fl_json_i64(&j, "tid", w->tid);
				fl_json_i64(&j, "pid", w->pid);
				json_opt_i64(&j, "t_enter_ns", w->has_enter, w->t_enter);
				json_opt_i64(&j, "t_exit_ns", w->has_exit, w->t_exit);
				json_opt_i64(&j, "t_lock_acquired_ns", w->has_acquired,
					     w->t_lock_acquired);
				json_opt_i64(&j, "t_lock_released_ns", w->has_released,
					     w->t_lock_released);
				fl_json_i64(&j, "gap_ns", w->gap);
			} else {
				fl_json_null(&j, "call");
			}
			fl_json_obj_end(&j);
		}
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);
	fl_json_obj_end(&j);
	fl_json_finish(&j);
}

/* traces.t_first of trace_id: the origin of the times people read. */
static int64_t trace_first(sqlite3 *db, int64_t trace_id)
{
	sqlite3_stmt *st;
	int64_t t = 0;

	if (sqlite3_prepare_v2(db, "SELECT t_first FROM traces WHERE trace_id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, trace_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

static int report_fidelity(sqlite3 *db, const char *path, int64_t run_id, size_t limit,
			   enum fmt fmt, bool abs_time, struct fl_err *err)
{
	struct fl_fidelity f;
	int rc;

	if (run_id <= 0) {
		rc = fl_fidelity_default_run(db, path, &run_id, err);
		if (rc < 0)
			return rc;
	}
	rc = fl_fidelity_compute(db, path, run_id, limit, &f, err);
	if (rc < 0)
		return rc;
	time_origin = abs_time ? 0 : trace_first(db, f.trace_id);
	if (fmt == FMT_JSON) {
		print_fidelity_json(path, &f);
	} else {
		struct fl_loss_summary ls;

		print_fidelity_text(&f);
		if (fl_losses_read(db, f.trace_id, &ls) == 0 && ls.lossy) {
			printf("\n");
			fl_losses_print(stdout, "", &ls);
		}
		printf("\n");
		fl_unplaced_print(stdout, db, run_id, "");
	}
	fl_fidelity_free(&f);
	return 0;
}

/* ---- the command -------------------------------------------------------- */

/* The command line of report, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct {
	int64_t run_id, limit, top;
	int by, format;
	const char *html;
	bool fidelity, spread, abs_time, no_symbols, wide;
	bool have_limit, have_format, have_top;
} ro;

static const char *const format_names[] = { "table", "text", "csv", "json", NULL };

static const struct fl_option report_options[] = {
	{ FL_OPT_INT, 'r', "run", "N", "only run N (default: every run; with\n"
	  "--fidelity, the newest pervma run)", &ro.run_id, NULL, 1,
	  "a run id (a positive integer)", NULL, NULL },
	{ FL_OPT_CHOICE, 'b', "by", "VIEW", "cause, reason, vma, thread, writer, time,\n"
	  "handler or ip", &ro.by, NULL, 0, "view", by_names + 1, NULL },
	{ FL_OPT_FLAG, 0, "abs-time", NULL, "times of the trace's clock, not since its first\n"
	  "event", &ro.abs_time, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 0, "no-symbols", NULL, "--by ip and vma: hex ips, no file names; the\n"
	  "trace is not read", &ro.no_symbols, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_INT, 't', "top", "K", "rows of a ranked table (default 5; 0: all; CSV\n"
	  "and JSON of --by: all unless given)", &ro.top, &ro.have_top, 0,
	  "a count (0 for all)", NULL, NULL },
	{ FL_OPT_FLAG, 'w', "wide", NULL, "cut no column, whatever the width", &ro.wide, NULL, 0,
	  NULL, NULL, NULL },
	{ FL_OPT_CHOICE, 'f', "format", "FMT", "table (default, for people; 'text' too), csv or\n"
	  "json (table or json with --fidelity)", &ro.format, &ro.have_format, 0, "format",
	  format_names, NULL },
	{ FL_OPT_FLAG, 0, "fidelity", NULL, "compare a run with the kernel's answer", &ro.fidelity,
	  NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_INT, 'l', "limit", "K", "with --fidelity, list at most K disagreeing\n"
	  "faults (default 20; 0 lists all)", &ro.limit, &ro.have_limit, 0, "a count (0 for all)",
	  NULL, NULL },
	{ FL_OPT_STRING, 0, "html", "FILE", "write the HTML page to FILE", &ro.html, NULL, 0, NULL,
	  NULL, NULL },
	{ FL_OPT_FLAG, 0, "spread", NULL, "each cause's min / median / max over the runs\n"
	  "that differ only in their seed", &ro.spread, NULL, 0, NULL, NULL, NULL },
	FL_OPT_END_,
};

static int run_report(int argc, char **argv)
{
	static const enum fmt formats[] = { FMT_TEXT, FMT_TEXT, FMT_CSV, FMT_JSON };
	struct fl_err err = { 0 };
	struct sym_cache syms = { .trace_id = -1 };
	enum fmt fmt;
	enum by by;
	bool fidelity, have_limit, have_format, have_top, spread, abs_time;
	int64_t run_id, limit, top;
	const char *path, *html;
	sqlite3 *db;
	int rc, npos;

	memset(&ro, 0, sizeof(ro));
	ro.by = -1;
	ro.limit = 20;
	ro.top = 5;
	npos = fl_cmd_parse(&fl_cmd_report, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	fmt = formats[ro.format];
	by = ro.by < 0 ? BY_DEFAULT : (enum by)(ro.by + 1);
	fidelity = ro.fidelity;
	spread = ro.spread;
	abs_time = ro.abs_time;
	syms.off = ro.no_symbols;
	fl_table_set_wide(ro.wide);
	have_limit = ro.have_limit;
	have_format = ro.have_format;
	have_top = ro.have_top;
	run_id = ro.run_id;
	limit = ro.limit;
	top = ro.top;
	html = ro.html;
	if (npos > 1)
		return fl_cmd_usage_error(&fl_cmd_report, "one database at a time ('%s' is extra)",
					  argv[2]);
	if (fidelity && fmt == FMT_CSV)
		return fl_cmd_usage_error(&fl_cmd_report, "--fidelity takes --format table or json "
					  "(its tables differ in shape; export writes CSV)");
	if (!fidelity && have_limit)
		return fl_cmd_usage_error(&fl_cmd_report, "--limit only applies to --fidelity");
	if (fidelity && (by != BY_DEFAULT || have_top || html))
		return fl_cmd_usage_error(&fl_cmd_report, "--fidelity is a view of its own: "
					  "without --by, --top or --html");
	if (spread && (fidelity || html || by != BY_DEFAULT || have_top))
		return fl_cmd_usage_error(&fl_cmd_report, "--spread is a view of its own: "
					  "without --fidelity, --html, --by or --top");
	if (by == BY_TRACE && !have_top)
		top = 0;	/* every setting: a sweep's table is the point */
	if (by == BY_TRACE && run_id)
		return fl_cmd_usage_error(&fl_cmd_report, "--by trace is over every run: without "
					  "--run");
	if (html && (by != BY_DEFAULT || have_format))
		return fl_cmd_usage_error(&fl_cmd_report, "--html writes the whole page: without "
					  "--by or --format");
	/* replay writes faultline.db by default, and report reads it, as
	 * perf report reads perf.data. */
	path = npos ? argv[1] : FL_DEFAULT_DB;

	if (fl_store_open_read(path, &db, &err) < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	if (spread)
		rc = report_spread(db, path, run_id, fmt, &err);
	else if (fidelity)
		rc = report_fidelity(db, path, run_id, (size_t)limit, fmt, abs_time, &err);
	else if (html)
		rc = fl_html_write(db, path, run_id, html, &err);
	else
		rc = report_runs(db, path, run_id, by, top, fmt == FMT_TEXT || have_top, fmt, &syms,
				 abs_time, &err);
	fl_symbols_free(syms.sym);
	sqlite3_close(db);
	if (rc < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	if (html)
		fprintf(stderr, "wrote %s\n", html);
	return FL_EXIT_OK;
}

const struct fl_cmd fl_cmd_report = {
	.name = "report",
	.summary = "summarise replayed runs: causes, latency, writers; fidelity; a page",
	.usage = "faultline report [--run N] [--by VIEW] [--top K] [--wide]\n"
		 "                        [--format table|csv|json] [DB]\n"
		 "       faultline report --fidelity [--run N] [--limit K]\n"
		 "                        [--format table|json] [DB]\n"
		 "       faultline report --html FILE [--run N] [DB]\n"
		 "       faultline report --spread [--run N] [--format F] [DB]",
	.help =
		"DB is an outcome store written by `faultline replay ... -o DB`\n"
		"(schemas/outcomes.sql; default faultline.db, what replay writes\n"
		"without -o).  It is opened read-only, so a replay may be\n"
		"writing it at the same time; the report shows the runs committed when it\n"
		"starts.\n"
		"\n"
		"The default view, for every run (or run N): a header (run id,\n"
		"strategy, profile, seed, knobs, trace, faults, predicted fallbacks,\n"
		"faults the mm model could not place); the outcomes (faults attempted\n"
		"under the VMA lock or speculatively, succeeded, aborted, retried,\n"
		"missed, fell back to mmap_lock, never attempted: counts and shares);\n"
		"the causes from cause_counts (the kernel counter of the attempt:\n"
		"vma_lock_success, _abort, _retry, _miss, ...; '-' when none was made;\n"
		"the finer reason; count; share; how many fell back); replayed latency\n"
		"and mmap_lock wait p50, p90, p99 (nearest rank) and max; the writers\n"
		"behind the aborts, top K by mm call, by the aborted faults' ip, by\n"
		"writer thread and by VMA; and, when the trace has ground truth, the\n"
		"fidelity counts (TP, FP, FN, TN, precision, recall).\n"
		"\n"
		"--by VIEW shows one table per run instead:\n"
		"  cause    counter, reason, count, share, fell back\n"
		"  reason   the causes summed by reason\n"
		"  vma      per VMA: faults, fell back, aborts, lock wait\n"
		"  thread   per thread: faults, fell back, blocked (traced and\n"
		"           predicted), wasted work, change in run time\n"
		"  writer   the writers that caused aborts, with call, thread, hold\n"
		"  time     faults, fallbacks and aborts over 20 slices of the trace\n"
		"  handler  per fault handler (classified from the recorded fault and\n"
		"           its VMA): faults, fallbacks, latency, calibrated cost\n"
		"  ip       per faulting ip: its symbol, faults, fallbacks, aborts\n"
		"\n"
		"--by ip names each ip as perf does, symbol+0xoff (dso), and --by vma\n"
		"names a file-backed VMA's file: the trace is read again for its\n"
		"mappings (the store keeps none), and the files are read as they are\n"
		"now on this host.  A missing file leaves the hex ip with the dso's\n"
		"name; --no-symbols skips it all.\n"
		"\n"
		"--by trace is one table over every run of DB (a sweep's merged\n"
		"database): per strategy, profile and knob setting, the traces and\n"
		"runs, faults, fell back (share of all faults; lowest and highest\n"
		"share of one run) and the predicted mmap_lock blocked time with its\n"
		"change from the traces' own.  The setting column names the knobs\n"
		"that differ between a strategy's runs; CSV and JSON add every knob\n"
		"(knobs).  --top K keeps the K settings with the largest share.\n"
		"\n"
		"--fidelity: how well one run predicts the fallbacks the kernel took,\n"
		"as recorded by the trace's mmap_lock events (faults.gt).  The run is run\n"
		"N, or else the newest pervma run.  Faults whose ground truth is unknown\n"
		"are excluded and counted.  A predicted fallback is an outcome with\n"
		"fell_back = 1; a true fallback is a fault the kernel ran under mmap_lock.\n"
		"It prints TP, FP, FN, TN; precision = TP/(TP+FP) and recall =\n"
		"TP/(TP+FN), n/a when nothing is there to divide by; precision per\n"
		"predicted reason; recall per ground-truth detail (trylock failed,\n"
		"anon_vma retry, stack growth, ...); the confusion of predicted cause\n"
		"(counter, reason) against the kernel's answer; and the disagreeing\n"
		"faults with their thread, address, VMA, prediction, kernel answer, and\n"
		"the writer the replay named, or else the nearest mmap_lock writer of the\n"
		"same process within 1 ms of the fault.  A run whose trace has no\n"
		"mmap_lock events has no ground truth and is refused.\n"
		"\n"
		"--spread: for the runs that differ only in their seed (replay --seeds\n"
		"N), each cause's count over them: min, median and max, in (counter,\n"
		"reason) order, as replay printed it; a run without a cause counts 0.\n"
		"\n"
		"--html FILE writes one self-contained page (inline SVG; no script,\n"
		"nothing fetched): the runs, the cause breakdown per strategy, fallbacks\n"
		"over time, the latency distribution, and a map of the VMAs where faults\n"
		"fell back.  Open it in any browser.\n"
		"\n"
		"Tables fit the terminal: COLUMNS, else the terminal's width, else 80.\n"
		"Only thread names, VMA kinds and lists are cut (\"...\", and a line\n"
		"under the table says so); addresses, VMA ranges, paths and cause names\n"
		"never are; --wide cuts nothing.  A --by view shows its top K rows and\n"
		"says how many more there are; CSV and JSON hold every row unless --top\n"
		"is given.  Each run's first line names its strategy, profile, seed and\n"
		"the knobs not at their defaults.  Tables are coloured only on a\n"
		"terminal, never when NO_COLOR is set.  Addresses print as hex; times\n"
		"are seconds with ns since the trace's first event (--abs-time: of\n"
		"the trace's clock, as babeltrace2 prints them); CSV and JSON keep\n"
		"integer ns (t_ns columns: since the first event in --by views unless\n"
		"--abs-time, of the trace's clock in --fidelity, as export).\n",
	.options = report_options,
	.help_tail =
		"columns for programs:\n"
		"  csv:  run_id,trace_id,strategy,profile,counter,reason,count,share_pct,\n"
		"        fell_back (one row per cause of each run); with --by VIEW,\n"
		"        run_id,strategy,profile then the view's columns, as in json\n"
		"  json: {database, runs: [{run_id, trace_id, trace, strategy, profile,\n"
		"        knobs, knobs_changed (\"k=v ...\", the knobs not at their\n"
		"        defaults), seed, tool_version, created_at, faults, fallbacks,\n"
		"        unplaced, causes: [{counter, reason, count, share_pct,\n"
		"        fell_back}], summary: [{outcome, count, share_pct}],\n"
		"        latency: [{metric, n, p50_ns, p90_ns, p99_ns, max_ns,\n"
		"        total_ns}], top_writers: {by_call: [{call, aborts, share_pct,\n"
		"        writers}], by_ip: [{ip, ...}], by_thread: [{tid, comm, ...}],\n"
		"        by_vma: [{vma, vma_start, vma_end, vma_kind, ...}]},\n"
		"        fidelity: null | {compared, tp, fp, fn, tn, precision,\n"
		"        recall}}]}\n"
		"  --by json: {database, by, runs: [{run_id, trace_id, strategy,\n"
		"        profile, knobs_changed, seed, rows: [...], more_rows}]}; rows of\n"
		"        reason: reason, count, share_pct, fell_back, counters\n"
		"        vma: vma, vma_start, vma_end, vma_kind, faults, fell_back,\n"
		"             fallback_pct, aborts, lock_wait_ns, file\n"
		"        ip: ip, pid, symbol, faults, fell_back, aborts\n"
		"        thread: tid, pid, comm, faults, fell_back, blocked_traced_ns,\n"
		"             blocked_pred_ns, wasted_ns, run_traced_ns, run_pred_ns,\n"
		"             run_delta_ns\n"
		"        writer: writer_id, call, tid, comm, aborts, share_pct, hold_ns,\n"
		"             t_ns, args\n"
		"        time: bucket, t_ns, faults, fell_back, fallback_pct, aborts\n"
		"        handler: handler, faults, share_pct, fell_back, fallback_pct,\n"
		"             latency_mean_ns, latency_max_ns, cost_ns\n"
		"  --spread: csv first_run,counter,reason,min,median,max; json\n"
		"        {database, spreads: [{runs, trace_id, strategy, profile,\n"
		"        knobs_changed, seed_min, seed_max, rows: [{counter, reason,\n"
		"        min, median, max}]}]}\n"
		"  --fidelity json: {database, run_id, strategy, profile, trace_id, trace,\n"
		"        trace_faults, compared, excluded_unknown, excluded_no_outcome,\n"
		"        tp, fp, fn, tn, precision, recall (0..1 or null),\n"
		"        by_reason: [{reason, predicted, tp, fp, precision}],\n"
		"        by_gt_detail: [{gt_detail, fallbacks, tp, fn, recall}],\n"
		"        confusion: [{counter, reason, predicted_fallback, gt_vma,\n"
		"        gt_fallback}], disagreements_total, disagreements: [{fault_id,\n"
		"        kind (FP|FN), t_ns, tid, pid, comm, address, access, vma_start,\n"
		"        vma_end, vma_kind, path, counter, reason, gt, gt_detail,\n"
		"        writer: null | {writer_id, linked, call, tid, pid, t_enter_ns,\n"
		"        t_exit_ns, t_lock_acquired_ns, t_lock_released_ns, gap_ns}}]}\n"
		"        Addresses are \"0x...\" strings.  gap_ns: 0 when the writer's\n"
		"        window overlaps the fault, < 0 when it ended before, > 0 after.\n"
		"\n"
		"exit status: 0 whatever the numbers are, 1 if the database cannot be read\n"
		"(missing, not faultline's, a newer schema), has no such run, the run\n"
		"has no ground truth for --fidelity, or the page cannot be written, 2 on\n"
		"a usage error.\n"
		"\n"
		"examples:\n"
		"  faultline report out.db\n"
		"  faultline report --run 2 --by writer --top 10 out.db\n"
		"  faultline report --by thread --format csv out.db\n"
		"  faultline report --fidelity --limit 0 out.db\n"
		"  faultline report --html report.html out.db\n",
	.run = run_report,
};
