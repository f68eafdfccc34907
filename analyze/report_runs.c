/* report's default view and its --by views: per run, the header (strategy,
 * profile, seed, knobs, trace), what the trace lost, and the views' tables
 * as text, CSV or JSON; --by trace over every run. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fidelity.h"
#include "fl_array.h"
#include "fl_escape.h"
#include "fl_json.h"
#include "knobs.h"
#include "losses.h"
#include "report.h"
#include "store_read.h"
#include "table.h"
#include "view_across.h"
#include "views.h"

const char *report_fmt_pct(char *buf, size_t len, uint64_t num, uint64_t den)
{
	double r;

	if (!fl_ratio(num, den, &r))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f%%", 100.0 * r);
	return buf;
}

/* ---- the runs ------------------------------------------------------------ */

struct run {
	int64_t run_id, trace_id, seed, faults, fallbacks, unplaced;
	char *strategy, *profile, *knobs, *tool_version, *created_at, *trace;
	/* The live mark `replay --live` leaves in meta (run_state:RUN_ID):
	 * "live" while it grows the run, "cut short" when Ctrl-C stopped it;
	 * "" for a run replayed whole. */
	char *state;
};

/* The run's state for JSON: "complete", "live" or "cut short". */
static const char *run_state(const struct run *r)
{
	return r->state[0] ? r->state : "complete";
}

/* The text mark after "run N" (" [live]"), "" for a complete run. */
static const char *run_mark(const struct run *r, char *buf, size_t len)
{
	if (!r->state[0])
		return "";
	snprintf(buf, len, " [%s]", r->state);
	return buf;
}

static void run_free(struct run *r)
{
	free(r->strategy);
	free(r->profile);
	free(r->knobs);
	free(r->tool_version);
	free(r->created_at);
	free(r->trace);
	free(r->state);
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
			       "r.created_at, coalesce(t.path, ''), "
			       "coalesce((SELECT value FROM meta WHERE key = 'run_state:' || "
			       "r.run_id), '') FROM runs r "
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
		r->strategy = fl_store_col_dup(st, 6);
		r->profile = fl_store_col_dup(st, 7);
		r->knobs = fl_store_col_dup(st, 8);
		r->tool_version = fl_store_col_dup(st, 9);
		r->created_at = fl_store_col_dup(st, 10);
		r->trace = fl_store_col_dup(st, 11);
		r->state = fl_store_col_dup(st, 12);
		if (!r->strategy || !r->profile || !r->knobs || !r->tool_version ||
		    !r->created_at || !r->trace || !r->state)
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
	char *changed = fl_knobs_nondefault(r->strategy, r->knobs);

	/* What sets the run apart from the others of its strategy: profile,
	 * seed and the knobs not at their defaults, on its first line. */
	{
		char line[256], mark[64];
		size_t w = fl_table_width();
		int n = snprintf(line, sizeof(line), "run %" PRId64 "%s: %s, %s%s, seed %" PRId64,
				 r->run_id, run_mark(r, mark, sizeof(mark)), r->strategy,
				 r->profile[0] ? "profile " : "no profile", r->profile, r->seed);
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
	       report_fmt_pct(pct, sizeof(pct), (uint64_t)r->fallbacks, (uint64_t)r->faults),
	       r->unplaced);
}

/* Whether the trace lost events, and which faults the model could not
 * place: said before any number of the run. */
static void print_trace_health(sqlite3 *db, const struct run *r, bool abs_time)
{
	struct fl_loss_summary ls;
	struct fl_time_fmt tf;

	report_time_fmt(db, r->trace_id, abs_time, &tf);
	if (fl_losses_read(db, r->trace_id, &ls) == 0)
		fl_losses_print(stdout, "  ", &ls, &tf);
	fl_unplaced_print(stdout, db, r->run_id, "  ", &tf);
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
static void json_knobs_changed(struct fl_json *j, const struct run *r)
{
	char *changed = fl_knobs_nondefault(r->strategy, r->knobs);

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
	json_knobs_changed(j, r);
	fl_json_i64(j, "seed", r->seed);
	fl_json_str(j, "state", run_state(r));
	fl_json_str(j, "tool_version", r->tool_version);
	fl_json_str(j, "created_at", r->created_at);
	fl_json_i64(j, "faults", r->faults);
	fl_json_i64(j, "fallbacks", r->fallbacks);
	fl_json_i64(j, "unplaced", r->unplaced);
}

const char *const report_by_names[] = { "", "cause", "reason", "vma", "thread", "writer",
					 "time", "handler", "ip", "trace", NULL };
static const char *const by_titles[] = {
	"", "causes (cause_counts)", "causes by reason", "VMAs, most fallbacks first",
	"threads, largest change in run time first",
	"the writers that caused aborts", "faults and aborts over the trace's time",
	"fault handlers (as the replay dispatched the faults)",
	"faulting ips, most fallbacks first",
	"strategy x knob setting across traces",
};

#define TIME_BUCKETS 20

static int by_view(const struct fl_view_ctx *v, enum report_by by, struct fl_table *t,
		   struct fl_err *err)
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

struct fl_symbols *report_symbols_for(struct report_syms *c, int64_t trace_id, const char *trace)
{
	struct fl_err err = { 0 };

	if (c->off)
		return NULL;
	if (c->trace_id == trace_id)
		return c->sym;
	fl_symbols_free(c->sym);
	c->sym = NULL;
	c->trace_id = trace_id;
	if (fl_symbols_open(trace, &c->sym, &err) < 0 && !c->warned) {
		fprintf(stderr, "faultline report: no symbols or file names: cannot read the trace "
			"%s: %s\nhint: the trace is read again for its mappings; --no-symbols "
			"skips it\n", trace, err.msg);
		c->warned = true;
	}
	return c->sym;
}

/* Names the rows of a --by ip, vma or writer table from the trace's
 * mappings: the ip's symbol, the file of a file-backed VMA, the writer's
 * call site. */
static void name_rows(struct report_syms *c, const struct run *r, enum report_by by,
		      struct fl_table *t)
{
	struct fl_symbols *sym;
	char buf[512];

	if (by != BY_IP && by != BY_VMA && by != BY_WRITER)
		return;
	sym = report_symbols_for(c, r->trace_id, r->trace);
	for (size_t i = 0; i < t->nrows; i++) {
		if (by == BY_WRITER) {
			/* pid, call_site, caller: hex without symbols */
			const struct fl_cell *pid = fl_table_cell(t, i, 9), *cs = fl_table_cell(t, i, 10);

			if (cs->set)
				fl_table_str(t, i, 11, fl_symbols_name(sym, pid->set ? (int32_t)pid->i : -1,
									(uint64_t)cs->i, buf, sizeof(buf)));
		} else if (by == BY_IP) {
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

/* --by trace: one table over every run (view_across.h). */
static int report_across(sqlite3 *db, const char *path, int64_t top, enum report_fmt fmt,
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

/* What report_runs() shows, and where its JSON goes. */
struct runs_out {
	sqlite3 *db;
	const char *path;
	enum report_by by;
	int64_t top;
	bool cut_by, abs_time, colour;
	enum report_fmt fmt;
	struct report_syms *syms;
	struct fl_json j;
};

/* Run r's default view (the i-th run shown), as text or JSON. */
static int show_run_view(struct runs_out *o, const struct run *r, size_t i, struct fl_err *err)
{
	struct fl_view_ctx v = { o->db, o->path, r->run_id, r->trace_id, o->top };
	struct run_view rv;
	int rc = run_view_load(&v, &rv, err);

	if (rc == 0 && o->fmt == FMT_JSON) {
		fl_json_obj_begin(&o->j, NULL);
		json_run_header(o->db, &o->j, r);
		print_run_view_json(&o->j, &rv);
		fl_json_obj_end(&o->j);
	} else if (rc == 0) {
		if (i)
			printf("\n");
		print_run_header(o->db, r, o->colour);
		print_trace_health(o->db, r, o->abs_time);
		print_run_view_text(r, &rv, o->top, o->colour);
	}
	run_view_free(&rv);
	return rc;
}

/* Run r's table t (the i-th run shown; more rows cut) as CSV: each row
 * prefixed with the run's keys. */
static void print_table_csv(const struct runs_out *o, const struct run *r, size_t i,
			    const struct fl_table *t)
{
	char prefix[256];
	char *p = prefix;
	size_t left = sizeof(prefix);
	int k;

	if (o->by == BY_DEFAULT)
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
	fl_table_print_csv(t, stdout, i == 0,
			   o->by == BY_DEFAULT ? "run_id,trace_id,strategy,profile,"
					       : "run_id,strategy,profile,", prefix);
}

/* Run r's table t (the i-th run shown; more rows cut) as text or JSON. */
static void print_table_run(struct runs_out *o, const struct run *r, size_t i,
			    const struct fl_table *t, size_t more)
{
	struct fl_json *j = &o->j;
	char *changed, mark[64];

	if (o->fmt == FMT_CSV) {
		print_table_csv(o, r, i, t);
		return;
	}
	if (o->fmt == FMT_JSON) {
		fl_json_obj_begin(j, NULL);
		fl_json_i64(j, "run_id", r->run_id);
		fl_json_i64(j, "trace_id", r->trace_id);
		fl_json_str(j, "strategy", r->strategy);
		fl_json_str(j, "profile", r->profile);
		json_knobs_changed(j, r);
		fl_json_i64(j, "seed", r->seed);
		fl_json_str(j, "state", run_state(r));
		fl_table_json(t, j, "rows");
		fl_json_u64(j, "more_rows", more);
		fl_json_obj_end(j);
		return;
	}
	changed = fl_knobs_nondefault(r->strategy, r->knobs);
	if (i)
		printf("\n");
	printf("%srun %" PRId64 "%s: %s%s%s, seed %" PRId64 "%s%s, %s%s\n",
	       o->colour ? "\033[1m" : "", r->run_id, run_mark(r, mark, sizeof(mark)), r->strategy,
	       r->profile[0] ? " " : "", r->profile, r->seed,
	       changed && changed[0] ? ", " : "", changed ? changed : "",
	       by_titles[o->by], o->colour ? "\033[0m" : "");
	free(changed);
	if (t->nrows)
		fl_table_print_text(t, stdout, 2, o->colour);
	else
		printf("  (none)\n");
	if (more)
		printf("  %zu more row%s (--top 0 for all)\n", more, more == 1 ? "" : "s");
}

/* Run r's --by table (in CSV without --by, its causes, as it always was):
 * every row, then the cut to top, the footer saying how many more. */
static int show_run_table(struct runs_out *o, const struct run *r, size_t i, struct fl_err *err)
{
	struct fl_view_ctx all = { o->db, o->path, r->run_id, r->trace_id, 0 };
	struct fl_table t;
	size_t more = 0;
	int rc;

	if (o->by == BY_DEFAULT)
		rc = fl_view_causes(&all, &t, err);
	else
		rc = by_view(&all, o->by, &t, err);
	if (rc < 0) {
		fl_table_free(&t);
		return rc;
	}
	name_rows(o->syms, r, o->by, &t);
	/* The cells stay ns since the first event (CSV, JSON); --abs-time
	 * changes how the text prints them. */
	report_time_fmt(o->db, r->trace_id, o->abs_time, &t.time);
	/* The time view is the trace's slices in order: never ranked. */
	if (o->by != BY_DEFAULT && o->by != BY_TIME && o->cut_by && o->top > 0 &&
	    t.nrows > (size_t)o->top) {
		more = t.nrows - (size_t)o->top;
		fl_table_truncate(&t, (size_t)o->top);
	}
	print_table_run(o, r, i, &t, more);
	fl_table_free(&t);
	return 0;
}

/* The marks replay --live leaves, in the order their footnotes come. */
static const char *const state_notes[][2] = {
	{ "live", "the run is still growing (replay --live): its last commit's numbers" },
	{ "cut short", "its replay --live was stopped (Ctrl-C) before the trace's end" },
};

const char *report_state_note(const char *state)
{
	for (size_t k = 0; k < sizeof(state_notes) / sizeof(state_notes[0]); k++)
		if (!strcmp(state, state_notes[k][0]))
			return state_notes[k][1];
	/* A mark this version does not know is still explained. */
	return "so marked in the store by the run's replay";
}

const char *report_run_state(sqlite3 *db, int64_t run_id, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'run_state:' || ?", -1, &st,
			       NULL) != SQLITE_OK)
		return buf;	/* a store without meta: no replay --live wrote it */
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* The footnote of each mark the runs shown carry, once, after them all:
 * the known marks in their order, then any other in the runs' order. */
static void print_state_notes(const struct run *runs, size_t n)
{
	const size_t nknown = sizeof(state_notes) / sizeof(state_notes[0]);
	bool first = true;

	for (size_t k = 0; k < nknown; k++) {
		size_t i = 0;

		while (i < n && strcmp(runs[i].state, state_notes[k][0]))
			i++;
		if (i == n)
			continue;
		printf("%s[%s]: %s\n", first ? "\n" : "", state_notes[k][0], state_notes[k][1]);
		first = false;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 0, p = 0;

		if (!runs[i].state[0])
			continue;
		while (k < nknown && strcmp(runs[i].state, state_notes[k][0]))
			k++;
		while (p < i && strcmp(runs[p].state, runs[i].state))
			p++;
		if (k < nknown || p < i)
			continue;
		printf("%s[%s]: %s\n", first ? "\n" : "", runs[i].state,
		       report_state_note(runs[i].state));
		first = false;
	}
}

int report_runs(sqlite3 *db, const char *path, int64_t run_id, enum report_by by, int64_t top,
		bool cut_by, enum report_fmt fmt, struct report_syms *syms, bool abs_time,
		struct fl_err *err)
{
	struct runs_out o = { .db = db, .path = path, .by = by, .top = top, .cut_by = cut_by,
			      .abs_time = abs_time, .fmt = fmt, .syms = syms,
			      .colour = fmt == FMT_TEXT && fl_colour_stdout() };
	struct run *runs = NULL;
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
		fl_json_init(&o.j, stdout);
		fl_json_obj_begin(&o.j, NULL);
		fl_json_str(&o.j, "database", path);
		if (by != BY_DEFAULT)
			fl_json_str(&o.j, "by", report_by_names[by]);
		fl_json_arr_begin(&o.j, "runs");
	} else if (fmt == FMT_TEXT && n == 0) {
		printf("%s: no runs yet\n", path);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (by == BY_DEFAULT && fmt != FMT_CSV)
			rc = show_run_view(&o, &runs[i], i, err);
		else
			rc = show_run_table(&o, &runs[i], i, err);
	}
	if (fmt == FMT_JSON && rc == 0) {
		fl_json_arr_end(&o.j);
		fl_json_obj_end(&o.j);
		fl_json_finish(&o.j);
	}
	if (fmt == FMT_TEXT && rc == 0)
		print_state_notes(runs, n);
	/* A CSV of no runs still names its columns. */
	if (fmt == FMT_CSV && n == 0 && rc == 0)
		printf("%s\n", by == BY_DEFAULT ? "run_id,trace_id,strategy,profile,counter,reason,"
						  "count,share_pct,fell_back" : "run_id,strategy,profile");
	runs_free(runs, n);
out:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

void report_time_fmt(sqlite3 *db, int64_t trace_id, bool abs_time, struct fl_time_fmt *tf)
{
	sqlite3_stmt *st;
	int64_t t0 = 0, t1 = 0;

	if (sqlite3_prepare_v2(db, "SELECT t_first, t_last FROM traces WHERE trace_id = ?1", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, trace_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			t0 = sqlite3_column_int64(st, 0);
			t1 = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	fl_time_fmt_init(tf, t0, t1, abs_time);
}
