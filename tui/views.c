/* views: what each list view shows, built from the runs list or the
 * loaded run (data.c) into a table (table.c).
 *
 *   runs     every run: trace, strategy, profile, knobs, totals
 *   causes   one run's (counter, reason) pairs: count, share, bar, mean, p99
 *   groups   one cause by VMA, by thread or by writer (Tab switches)
 *   faults   the faults of a cause, or of one group of it
 *   compare  two runs' cause counts side by side
 * The fault detail is in detail.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/knobs.h"
#include "tui.h"

const char *tui_trace_name(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path);
	const char *b;

	while (n > 1 && path[n - 1] == '/')
		n--;
	b = path + n;
	while (b > path && b[-1] != '/')
		b--;
	snprintf(buf, len, "%.*s", (int)(path + n - b), b);
	return buf;
}

const char *tui_run_label(const struct tui_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "run %" PRId64 " %s%s%s%s%s%s", r->run_id, r->strategy,
		 r->profile[0] ? " " : "", r->profile, r->state[0] ? " (" : "", r->state,
		 r->state[0] ? ")" : "");
	return buf;
}

const char *tui_group_name(enum tui_group g)
{
	switch (g) {
	case G_VMA: return "VMA";
	case G_THREAD: return "thread";
	case G_WRITER: return "writer";
	default: return "?";
	}
}

int tui_ensure_run(struct tui_app *app, int64_t run_id, struct fl_err *err)
{
	if (app->ld.run_id == run_id && app->ld.run)
		return 0;
	return tui_load_run(&app->st, run_id, &app->ld, err);
}

/* Column col of v holds run's trace times: at least as wide as they print
 * (--abs-time: a time of day, 18 columns, 29 with the date), so that a
 * time is never cut in the middle. */
static void widen_time(struct tui_view *v, int col, const struct tui_run *run)
{
	char a[32], b[32];
	int w;

	if (!run)
		return;
	w = (int)strlen(tui_fmt_time(a, sizeof(a), run, run->t_first));
	if ((int)strlen(tui_fmt_time(b, sizeof(b), run, run->t_last)) > w)
		w = (int)strlen(b);
	if (w > v->tab.cols[col].width)
		v->tab.cols[col].width = w;
}

/* A column of a list: its stable name, title, kind and flags
 * (analyze/table.h), then its least width and share of the spare columns;
 * BAR, the bar of the row's count. */
#define COL(name, title, kind, flags, w, f) \
	{ .col = { name, title, kind, flags }, .width = w, .flex = f }
#define BAR(w, f) { .col = { "bar", "", FL_COL_INT, 0 }, .width = w, .flex = f, .bar = true }
/* Durations and shares as the TUI's narrow cells print them. */
#define NARROW FL_COL_NARROW

static struct tui_view *new_view(const struct tui_view_ops *ops, const struct tui_col *cols,
				 int ncols, int sort, struct fl_err *err)
{
	struct tui_view *v = calloc(1, sizeof(*v));

	if (!v || tui_table_init(&v->tab, cols, ncols, sort) < 0) {
		free(v);
		fl_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	v->ops = ops;
	v->cause = -1;
	return v;
}

void tui_view_free(struct tui_view *v)
{
	if (!v)
		return;
	tui_table_free(&v->tab);
	for (size_t i = 0; i < v->nlines; i++)
		free(v->lines[i].text);
	free(v->lines);
	free(v);
}

/* What a key opened: nv as how says, or the failure err holds. */
static enum tui_open opened(struct tui_view *nv, enum tui_open how)
{
	return nv ? how : TUI_OPEN_FAIL;
}

static struct tui_view *finish(struct tui_view *v, int rc, struct fl_err *err)
{
	if (!rc)
		rc = tui_table_apply(&v->tab);
	if (rc) {
		fl_err_set(err, rc, "out of memory building the view");
		tui_view_free(v);
		return NULL;
	}
	return v;
}

/* A share in percent, rounded to hundredths of a percent. */
static double share_pct(int64_t n, int64_t total)
{
	return (double)(total > 0 ? (n * 10000 + total / 2) / total : 0) / 100;
}

/* ---- runs -------------------------------------------------------------- */

/* knobs: only those that differ from the strategy's defaults, so runs
 * that differ in knobs read apart; the context line has them all. */
static const struct tui_col run_cols[] = {
	COL("run_id", "run", FL_COL_INT, 0, 3, 0),
	COL("trace", "trace", FL_COL_TEXT, 0, 8, 0),
	COL("strategy", "strategy", FL_COL_TEXT, 0, 9, 0),
	COL("profile", "profile", FL_COL_TEXT, FL_COL_DASH, 7, 0),
	COL("seed", "seed", FL_COL_INT, 0, 4, 0),
	COL("faults", "faults", FL_COL_INT, 0, 6, 0),
	COL("fell_back", "fb", FL_COL_INT, 0, 5, 0),
	COL("fell_back_pct", "share", FL_COL_PCT, 0, 6, 0),
	COL("unplaced", "unplaced", FL_COL_INT, 0, 8, 0),
	COL("knobs", "knobs", FL_COL_TEXT, 0, 7, 6),
};

struct tui_view *tui_view_runs(struct tui_app *app, enum tui_pick pick, int64_t run_a,
			       struct fl_err *err)
{
	struct tui_view *v = new_view(&tui_runs_ops, run_cols, 10, -1, err);
	int rc = 0;

	if (!v)
		return NULL;
	v->pick = pick;
	v->run_b = run_a;
	if (pick == PICK_COMPARE)
		snprintf(v->title, sizeof(v->title), "compare run %" PRId64 " with: pick a run, Enter",
			 run_a);
	else
		snprintf(v->title, sizeof(v->title), "runs");
	for (size_t i = 0; i < app->st.nruns && !rc; i++) {
		const struct tui_run *r = &app->st.runs[i];
		char name[64], trace[96], knobs[256];

		if ((rc = tui_table_add(&v->tab, r->run_id, 0, 0)) < 0)
			break;
		tui_table_int(&v->tab, 0, r->run_id);
		/* A run still growing, or stopped before its session ended,
		 * says so after its trace's name. */
		snprintf(trace, sizeof(trace), "%s%s%s%s", tui_trace_name(r->trace, name, sizeof(name)),
			 r->state[0] ? " [" : "", r->state, r->state[0] ? "]" : "");
		tui_table_str(&v->tab, 1, trace);
		tui_table_str(&v->tab, 2, r->strategy);
		tui_table_str(&v->tab, 3, r->profile);
		tui_table_int(&v->tab, 4, r->seed);
		tui_table_int(&v->tab, 5, r->faults);
		tui_table_int(&v->tab, 6, r->fallbacks);
		tui_table_dbl(&v->tab, 7, share_pct(r->fallbacks, r->faults));
		tui_table_int(&v->tab, 8, r->unplaced);
		fl_run_knobs_nondefault(r->strategy, r->knobs, knobs, sizeof(knobs));
		tui_table_str(&v->tab, 9, knobs[0] ? knobs : "default");
	}
	return finish(v, rc, err);
}

static struct tui_view *runs_reload(struct tui_app *app, const struct tui_view *v, int cause,
				    struct fl_err *err)
{
	(void)cause;
	return tui_view_runs(app, v->pick, v->run_b, err);
}

/* A run's causes; while picking run B, the compare of A and B, in place
 * of the list it was picked from. */
static enum tui_open runs_enter(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				struct fl_err *err)
{
	const struct tui_row *r = tui_table_current(&v->tab);

	if (!r)
		return TUI_OPEN_NONE;
	if (v->pick == PICK_COMPARE) {
		if (r->ref == v->run_b) {
			snprintf(app->msg, sizeof(app->msg), "that is run A itself: pick another run");
			return TUI_OPEN_NONE;
		}
		*nv = tui_view_compare(app, v->run_b, r->ref, err);
		return opened(*nv, TUI_OPEN_REPLACE);
	}
	*nv = tui_view_causes(app, r->ref, err);
	return opened(*nv, TUI_OPEN_PUSH);
}

/* The run under the cursor; none while picking run B. */
static bool runs_compare_from(const struct tui_view *v, int64_t *run_a)
{
	const struct tui_row *r = tui_table_current(&v->tab);

	if (v->pick == PICK_COMPARE || !r)
		return false;
	*run_a = r->ref;
	return true;
}

/* The run under the cursor in full: where its trace is from, and all its
 * knobs on the second line. */
static void runs_header(struct tui_app *app, const struct tui_view *v, char *buf, size_t len,
			char *line2, size_t len2)
{
	const struct tui_row *r = tui_table_current(&v->tab);
	const struct tui_run *run = r ? tui_store_run(&app->st, r->ref) : NULL;

	if (!run)
		return;
	snprintf(line2, len2, "knobs %s", run->knobs);
	if (run->lost[0])
		snprintf(buf + strlen(buf), len - strlen(buf), "! %s; ", run->lost);
	snprintf(buf + strlen(buf), len - strlen(buf), "%s (%s, kernel %s) seed %lld, %s, replayed in %lld ms",
		 run->trace, run->dialect, run->kernel, (long long)run->seed,
		 run->created, (long long)run->wall_ms);
}

static const char *runs_hints(const struct tui_view *v)
{
	return v->pick == PICK_COMPARE ? "Enter pick run B  q cancel  / search  ? help  Q quit"
				       : "Enter causes  d compare  / search  | filter  s sort  ? help  Q quit";
}

/* The runs list: title, context, the knobs line, column titles. */
const struct tui_view_ops tui_runs_ops = {
	.name = "runs",
	.body_row = 4,
	.reload = runs_reload,
	.enter = runs_enter,
	.compare_from = runs_compare_from,
	.header = runs_header,
	.hints = runs_hints,
	.draw_body = tui_draw_runs_body,
	.search = tui_search_rows,
};

/* ---- causes ------------------------------------------------------------ */

/* fb: how many of the cause's outcomes fell back to mmap_lock; the default
 * sort, so the aborts and retries come first, each by count. */
static const struct tui_col cause_cols[] = {
	COL("counter", "counter", FL_COL_TEXT, 0, 14, 1),
	COL("reason", "reason", FL_COL_TEXT, 0, 14, 2),
	COL("fell_back", "fb", FL_COL_INT, 0, 5, 0),
	COL("count", "count", FL_COL_INT, 0, 7, 0),
	COL("share", "share", FL_COL_PCT, NARROW, 6, 0),
	BAR(8, 1),
	COL("mean_ns", "mean", FL_COL_NS, NARROW, 7, 0),
	COL("p99_ns", "p99", FL_COL_NS, NARROW, 7, 0),
};

struct tui_view *tui_view_causes(struct tui_app *app, int64_t run_id, struct fl_err *err)
{
	struct tui_view *v;
	int64_t max = 0;
	int rc = 0;
	char rl[80];

	if (tui_ensure_run(app, run_id, err) < 0)
		return NULL;
	v = new_view(&tui_causes_ops, cause_cols, 8, 2, err);
	if (!v)
		return NULL;
	v->run_id = run_id;
	snprintf(v->title, sizeof(v->title), "%s > causes",
		 tui_run_label(app->ld.run, rl, sizeof(rl)));
	for (size_t i = 0; i < app->ld.ncauses; i++)
		if ((int64_t)app->ld.causes[i].n > max)
			max = (int64_t)app->ld.causes[i].n;
	for (size_t i = 0; i < app->ld.ncauses && !rc; i++) {
		const struct tui_cause *c = &app->ld.causes[i];
		int64_t n = (int64_t)c->n, mean = n ? c->sum / n : 0;

		if ((rc = tui_table_add(&v->tab, (int64_t)i, 0, max ? (double)n / (double)max : 0)) < 0)
			break;
		tui_table_str(&v->tab, 0, c->counter[0] ? c->counter : "(none)");
		tui_table_str(&v->tab, 1, c->reason);
		tui_table_int(&v->tab, 2, (int64_t)c->fell_back);
		tui_table_int(&v->tab, 3, n);
		tui_table_dbl(&v->tab, 4, share_pct(n, (int64_t)app->ld.n));
		tui_table_int(&v->tab, 6, mean);
		tui_table_int(&v->tab, 7, c->p99);
	}
	return finish(v, rc, err);
}

static struct tui_view *causes_reload(struct tui_app *app, const struct tui_view *v, int cause,
				      struct fl_err *err)
{
	(void)cause;
	return tui_view_causes(app, v->run_id, err);
}

static enum tui_open causes_enter(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				  struct fl_err *err)
{
	const struct tui_row *r = tui_table_current(&v->tab);

	if (!r)
		return TUI_OPEN_NONE;
	*nv = tui_view_groups(app, (int)r->ref, G_VMA, err);
	return opened(*nv, TUI_OPEN_PUSH);
}

/* The run's totals, and the knobs that tell it apart (the runs list has
 * them all). */
static void causes_header(struct tui_app *app, const struct tui_view *v, char *buf, size_t len,
			  char *line2, size_t len2)
{
	const struct tui_run *run = app->ld.run;
	char kb[256], tn[64];

	(void)v;
	(void)line2;
	(void)len2;
	if (!run)
		return;
	if (run->lost[0])
		snprintf(buf + strlen(buf), len - strlen(buf), "! %s; ", run->lost);
	fl_run_knobs_nondefault(run->strategy, run->knobs, kb, sizeof(kb));
	snprintf(buf + strlen(buf), len - strlen(buf), "%s: %lld faults, %lld fell back, %lld unplaced; seed %lld, %s",
		 tui_trace_name(run->trace, tn, sizeof(tn)), (long long)run->faults, (long long)run->fallbacks,
		 (long long)run->unplaced, (long long)run->seed, kb[0] ? kb : "default knobs");
}

static const char *causes_hints(const struct tui_view *v)
{
	(void)v;
	return "Enter drill  q back  / search  | filter  s sort  d compare  ? help";
}

/* The causes: title, context, two time strips, column titles. */
const struct tui_view_ops tui_causes_ops = {
	.name = "causes",
	.body_row = 5,
	.needs_run = true,
	.row_by_texts = true,
	.reload = causes_reload,
	.enter = causes_enter,
	.header = causes_header,
	.hints = causes_hints,
	.draw_body = tui_draw_causes_body,
	.search = tui_search_rows,
};

/* ---- groups ------------------------------------------------------------ */

struct gitem {
	int64_t k1, k2, lat;
	unsigned kind;
};

static int cmp_gitem(const void *pa, const void *pb)
{
	const struct gitem *a = pa, *b = pb;

	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	return a->lat < b->lat ? -1 : a->lat > b->lat;
}

static void group_key(const struct tui_out *o, enum tui_group g, int64_t *k1, int64_t *k2)
{
	switch (g) {
	case G_VMA:
		*k1 = o->has_vma ? o->vma_start : 0;
		*k2 = o->has_vma ? o->vma_end : 0;
		break;
	case G_THREAD:
		*k1 = o->tid;
		*k2 = 0;
		break;
	default:
		*k1 = o->writer_id;
		*k2 = 0;
		break;
	}
}

/* The columns every grouping ends with. */
#define GROUP_TALLY \
	COL("count", "count", FL_COL_INT, 0, 7, 0), \
	COL("share", "share", FL_COL_PCT, NARROW, 6, 0)
#define GROUP_LATENCY \
	COL("mean_ns", "mean", FL_COL_NS, NARROW, 8, 0), \
	COL("p99_ns", "p99", FL_COL_NS, NARROW, 8, 0)

/* A writer not named has no number, thread or time: its row says so in
 * its call column and leaves the others blank. */
static const struct tui_col group_cols[G_COUNT][8] = {
	[G_VMA] = {
		COL("vma", "VMA", FL_COL_TEXT, 0, 25, 1),
		COL("kind", "kind", FL_COL_TEXT, 0, 7, 0),
		GROUP_TALLY, BAR(8, 1), GROUP_LATENCY,
	},
	[G_THREAD] = {
		COL("tid", "tid", FL_COL_INT, 0, 7, 0),
		COL("comm", "comm", FL_COL_TEXT, 0, 16, 1),
		GROUP_TALLY, BAR(8, 1), GROUP_LATENCY,
	},
	[G_WRITER] = {
		COL("writer_id", "writer", FL_COL_INT, FL_COL_MARK, 7, 0),
		COL("call", "call", FL_COL_TEXT, 0, 9, 1),
		COL("tid", "tid", FL_COL_INT, FL_COL_BLANK, 7, 0),
		COL("at_ns", "at", FL_COL_SECS, FL_COL_BLANK, 12, 0),
		GROUP_TALLY, GROUP_LATENCY,
	},
};

static int group_row(struct tui_app *app, struct tui_view *v, enum tui_group g,
		     const struct gitem *it, size_t n, int64_t total, int64_t max)
{
	struct tui_table *t = &v->tab;
	int64_t sum = 0;
	size_t rank = (size_t)fl_nearest_rank(n, 99);
	char vma[32];
	int col = 0;

	for (size_t i = 0; i < n; i++)
		sum += it[i].lat;
	if (tui_table_add(t, it->k1, it->k2, max ? (double)n / (double)max : 0) < 0)
		return -ENOMEM;
	if (g == G_VMA) {
		if (it->k1 == 0 && it->k2 == 0)
			snprintf(vma, sizeof(vma), "(no VMA)");
		else
			snprintf(vma, sizeof(vma), "%012" PRIx64 "-%012" PRIx64, (uint64_t)it->k1,
				 (uint64_t)it->k2);
		tui_table_str(t, col++, vma);
		tui_table_str(t, col++, tui_str(&app->ld.kinds, it->kind));
	} else if (g == G_THREAD) {
		const struct tui_thread *th = tui_loaded_thread(&app->ld, (int32_t)it->k1);

		tui_table_int(t, col++, it->k1);
		tui_table_str(t, col++, th && th->comm[0] ? th->comm : "?");
	} else {
		const struct tui_writer *w = tui_loaded_writer(&app->ld, (int32_t)it->k1);

		/* writer 0: none named, "-" */
		if (it->k1)
			tui_table_int(t, col, it->k1);
		tui_table_str(t, col + 1, !it->k1 ? "(none named)" : w ? w->call : "?");
		if (w && it->k1) {
			tui_table_int(t, col + 2, w->tid);
			tui_table_int(t, col + 3, tui_since(app->ld.run, w->t0));
		}
		col += 4;
	}
	tui_table_int(t, col++, (int64_t)n);
	tui_table_dbl(t, col++, share_pct((int64_t)n, total));
	if (g != G_WRITER)
		col++;		/* the bar */
	tui_table_int(t, col++, sum / (int64_t)n);
	tui_table_int(t, col++, it[rank - 1].lat);	/* sorted by latency within the group */
	return 0;
}

static const char *cause_name(const struct tui_app *app, int cause, char *buf, size_t len)
{
	if (cause < 0 || (size_t)cause >= app->ld.ncauses)
		snprintf(buf, len, "all causes");
	else
		snprintf(buf, len, "%s", app->ld.causes[cause].counter[0] ?
			 app->ld.causes[cause].counter : app->ld.causes[cause].reason);
	return buf;
}

struct tui_view *tui_view_groups(struct tui_app *app, int cause, enum tui_group g,
				 struct fl_err *err)
{
	int ncols = g == G_WRITER ? 8 : 7;
	struct tui_view *v = new_view(&tui_groups_ops, group_cols[g], ncols, g == G_WRITER ? 4 : 2, err);
	struct gitem *items;
	size_t n = 0, i, j;
	int64_t max = 0;
	char cn[192], rl[80];
	int rc = 0;

	if (!v)
		return NULL;
	if (g == G_WRITER)		/* "at": as wide as the run's times */
		widen_time(v, 3, app->ld.run);
	tui_time_fmt(&v->tab.cells.time, app->ld.run);
	v->run_id = app->ld.run_id;
	v->cause = cause;
	v->group = g;
	snprintf(v->title, sizeof(v->title), "%s > %s > by %s",
		 tui_run_label(app->ld.run, rl, sizeof(rl)), cause_name(app, cause, cn, sizeof(cn)),
		 tui_group_name(g));
	items = malloc((app->ld.n ? app->ld.n : 1) * sizeof(*items));
	if (!items) {
		tui_view_free(v);
		fl_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < app->ld.n; i++) {
		const struct tui_out *o = &app->ld.outs[i];

		if (cause >= 0 && o->cause != cause)
			continue;
		group_key(o, g, &items[n].k1, &items[n].k2);
		items[n].kind = o->kind;
		items[n++].lat = o->latency;
	}
	qsort(items, n, sizeof(*items), cmp_gitem);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && items[j].k1 == items[i].k1 && items[j].k2 == items[i].k2; j++)
			;
		if ((int64_t)(j - i) > max)
			max = (int64_t)(j - i);
	}
	for (i = 0; i < n && !rc; i = j) {
		for (j = i; j < n && items[j].k1 == items[i].k1 && items[j].k2 == items[i].k2; j++)
			;
		rc = group_row(app, v, g, items + i, j - i, (int64_t)n, max);
	}
	free(items);
	return finish(v, rc, err);
}

static struct tui_view *groups_reload(struct tui_app *app, const struct tui_view *v, int cause,
				      struct fl_err *err)
{
	return tui_view_groups(app, cause, v->group, err);
}

static enum tui_open groups_enter(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				  struct fl_err *err)
{
	const struct tui_row *r = tui_table_current(&v->tab);

	if (!r)
		return TUI_OPEN_NONE;
	*nv = tui_view_faults(app, v->cause, true, v->group, r->ref, r->ref2, err);
	return opened(*nv, TUI_OPEN_PUSH);
}

/* The same cause by the next grouping, in place of this one. */
static enum tui_open groups_tab(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				struct fl_err *err)
{
	*nv = tui_view_groups(app, v->cause, (v->group + 1) % G_COUNT, err);
	return opened(*nv, TUI_OPEN_REPLACE);
}

/* The cause a list of groups or faults is of. */
static void cause_header(struct tui_app *app, const struct tui_view *v, char *buf, size_t len,
			 char *line2, size_t len2)
{
	(void)line2;
	(void)len2;
	if (v->cause >= 0 && (size_t)v->cause < app->ld.ncauses)
		snprintf(buf + strlen(buf), len - strlen(buf), "cause: %s / %s", app->ld.causes[v->cause].counter,
			 app->ld.causes[v->cause].reason);
}

static void groups_header(struct tui_app *app, const struct tui_view *v, char *buf, size_t len,
			  char *line2, size_t len2)
{
	cause_header(app, v, buf, len, line2, len2);
	snprintf(buf + strlen(buf), len - strlen(buf),
		 "   [Tab: by %s]", tui_group_name((v->group + 1) % G_COUNT));
}

static const char *groups_hints(const struct tui_view *v)
{
	(void)v;
	return "Enter faults  Tab VMA/thread/writer  q back  / search  | filter  ? help";
}

const struct tui_view_ops tui_groups_ops = {
	.name = "groups",
	.body_row = 3,
	.needs_run = true,
	.reload = groups_reload,
	.enter = groups_enter,
	.tab = groups_tab,
	.header = groups_header,
	.hints = groups_hints,
	.draw_body = tui_draw_table_body,
	.search = tui_search_rows,
};

/* ---- faults ------------------------------------------------------------ */

/* writer: "-" when none is named. */
static const struct tui_col fault_cols[] = {
	COL("fault_id", "fault", FL_COL_INT, 0, 6, 0),
	COL("t_ns", "time", FL_COL_SECS, 0, 11, 0),
	COL("tid", "tid", FL_COL_INT, 0, 6, 0),
	COL("address", "address", FL_COL_HEX, NARROW, 12, 0),
	COL("access", "access", FL_COL_TEXT, 0, 6, 1),
	COL("path", "path", FL_COL_TEXT, 0, 11, 1),
	COL("latency_ns", "latency", FL_COL_NS, NARROW, 7, 0),
	COL("lock_wait_ns", "wait", FL_COL_NS, NARROW, 6, 0),
	COL("writer_id", "writer", FL_COL_INT, FL_COL_MARK, 6, 0),
};

struct tui_view *tui_view_faults(struct tui_app *app, int cause, bool grouped,
				 enum tui_group g, int64_t gkey, int64_t gkey2, struct fl_err *err)
{
	struct tui_view *v = new_view(&tui_faults_ops, fault_cols, 9, -1, err);
	char cn[192], gn[64] = "", rl[80];
	int rc = 0;

	if (!v)
		return NULL;
	widen_time(v, 1, app->ld.run);
	tui_time_fmt(&v->tab.cells.time, app->ld.run);
	v->run_id = app->ld.run_id;
	v->cause = cause;
	v->grouped = grouped;
	v->group = g;
	v->gkey = gkey;
	v->gkey2 = gkey2;
	if (grouped) {
		if (g == G_VMA)
			snprintf(gn, sizeof(gn), " > VMA %" PRIx64 "-%" PRIx64, (uint64_t)gkey,
				 (uint64_t)gkey2);
		else if (g == G_THREAD)
			snprintf(gn, sizeof(gn), " > thread %" PRId64, gkey);
		else if (gkey)
			snprintf(gn, sizeof(gn), " > writer #%" PRId64, gkey);
		else
			snprintf(gn, sizeof(gn), " > no writer named");
	}
	snprintf(v->title, sizeof(v->title), "%s > %s%s > faults",
		 tui_run_label(app->ld.run, rl, sizeof(rl)), cause_name(app, cause, cn, sizeof(cn)), gn);
	for (size_t i = 0; i < app->ld.n && !rc; i++) {
		const struct tui_out *o = &app->ld.outs[i];
		int64_t k1, k2;

		if (cause >= 0 && o->cause != cause)
			continue;
		if (grouped) {
			group_key(o, g, &k1, &k2);
			if (k1 != gkey || k2 != gkey2)
				continue;
		}
		if ((rc = tui_table_add(&v->tab, o->fault_id, 0, 0)) < 0)
			break;
		tui_table_int(&v->tab, 0, o->fault_id);
		tui_table_int(&v->tab, 1, tui_since(app->ld.run, o->t));
		tui_table_int(&v->tab, 2, o->tid);
		tui_table_int(&v->tab, 3, o->address);
		tui_table_str(&v->tab, 4, tui_str(&app->ld.access, o->access));
		tui_table_str(&v->tab, 5, tui_str(&app->ld.paths, o->path));
		tui_table_int(&v->tab, 6, o->latency);
		tui_table_int(&v->tab, 7, o->lock_wait);
		if (o->writer_id)
			tui_table_int(&v->tab, 8, o->writer_id);
	}
	return finish(v, rc, err);
}

static struct tui_view *faults_reload(struct tui_app *app, const struct tui_view *v, int cause,
				      struct fl_err *err)
{
	return tui_view_faults(app, cause, v->grouped, v->group, v->gkey, v->gkey2, err);
}

static enum tui_open faults_enter(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				  struct fl_err *err)
{
	const struct tui_row *r = tui_table_current(&v->tab);

	if (!r)
		return TUI_OPEN_NONE;
	*nv = tui_view_detail(app, r->ref, err);
	return opened(*nv, TUI_OPEN_PUSH);
}

static const char *faults_hints(const struct tui_view *v)
{
	(void)v;
	return "Enter detail  q back  / search  n/N next  | filter  s sort  ? help";
}

const struct tui_view_ops tui_faults_ops = {
	.name = "faults",
	.body_row = 3,
	.needs_run = true,
	.reload = faults_reload,
	.enter = faults_enter,
	.header = cause_header,
	.hints = faults_hints,
	.draw_body = tui_draw_table_body,
	.search = tui_search_rows,
};

/* ---- compare ----------------------------------------------------------- */

/* B - A: sorted on the size of the change. */
static const struct tui_col cmp_cols[] = {
	COL("counter", "counter", FL_COL_TEXT, 0, 14, 1),
	COL("reason", "reason", FL_COL_TEXT, 0, 14, 2),
	COL("a", "run A", FL_COL_INT, 0, 8, 0),
	COL("b", "run B", FL_COL_INT, 0, 8, 0),
	{ .col = { "change", "B - A", FL_COL_INT, FL_COL_SIGN }, .width = 8, .by_size = true },
	COL("fell_back_a", "fb A", FL_COL_INT, 0, 7, 0),
	COL("fell_back_b", "fb B", FL_COL_INT, 0, 7, 0),
};

struct tui_view *tui_view_compare(struct tui_app *app, int64_t a, int64_t b,
				  struct fl_err *err)
{
	const struct tui_run *ra = tui_store_run(&app->st, a), *rb = tui_store_run(&app->st, b);
	struct tui_cmp_row *rows;
	struct tui_view *v;
	size_t n;
	int64_t only[2];
	int rc = 0;
	char la[80], lb[80];

	if (!ra || !rb) {
		fl_err_set(err, -ENOENT, "no run %" PRId64, ra ? b : a);
		return NULL;
	}
	if (tui_compare(&app->st, a, b, &rows, &n, only, err) < 0)
		return NULL;
	v = new_view(&tui_compare_ops, cmp_cols, 7, 4, err);
	if (!v) {
		free(rows);
		return NULL;
	}
	v->run_id = a;
	v->run_b = b;
	v->only[0] = only[0];
	v->only[1] = only[1];
	snprintf(v->title, sizeof(v->title), "compare: A = %s, B = %s",
		 tui_run_label(ra, la, sizeof(la)), tui_run_label(rb, lb, sizeof(lb)));
	for (size_t i = 0; i < n && !rc; i++) {
		const struct tui_cmp_row *r = &rows[i];

		if ((rc = tui_table_add(&v->tab, (int64_t)i, 0, 0)) < 0)
			break;
		tui_table_str(&v->tab, 0, r->counter[0] ? r->counter : "(none)");
		tui_table_str(&v->tab, 1, r->reason);
		tui_table_int(&v->tab, 2, r->n_a);
		tui_table_int(&v->tab, 3, r->n_b);
		tui_table_int(&v->tab, 4, r->n_b - r->n_a);
		tui_table_int(&v->tab, 5, r->fb_a);
		tui_table_int(&v->tab, 6, r->fb_b);
	}
	free(rows);
	return finish(v, rc, err);
}

static struct tui_view *compare_reload(struct tui_app *app, const struct tui_view *v, int cause,
				       struct fl_err *err)
{
	(void)cause;
	return tui_view_compare(app, v->run_id, v->run_b, err);
}

/* The index of the cause a row of the compare shows, in the run loaded
 * now, by its texts as shown; -1 none. */
static int cause_shown(const struct tui_app *app, const char *counter, const char *reason)
{
	char c[256], r[256];

	for (size_t i = 0; i < app->ld.ncauses; i++) {
		tui_sanitize(c, sizeof(c), app->ld.causes[i].counter[0] ? app->ld.causes[i].counter
									 : "(none)");
		tui_sanitize(r, sizeof(r), app->ld.causes[i].reason);
		if (!strcmp(c, counter) && !strcmp(r, reason))
			return (int)i;
	}
	return -1;
}

/* The faults of the cause under the cursor, in run A (in run B when A
 * has none of it). */
static enum tui_open compare_enter(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				   struct fl_err *err)
{
	const struct tui_row *r = tui_table_current(&v->tab);
	const struct fl_cell *n_a;
	int64_t run;
	int cause;

	if (!r)
		return TUI_OPEN_NONE;
	n_a = tui_table_value(&v->tab, r, 2);
	run = n_a && n_a->i > 0 ? v->run_id : v->run_b;
	if (tui_ensure_run(app, run, err) < 0)
		return TUI_OPEN_FAIL;
	cause = cause_shown(app, tui_table_text(&v->tab, r, 0), tui_table_text(&v->tab, r, 1));
	if (cause < 0) {
		snprintf(app->msg, sizeof(app->msg), "run %" PRId64 " has no such outcome", run);
		return TUI_OPEN_NONE;
	}
	*nv = tui_view_faults(app, cause, false, G_VMA, 0, 0, err);
	return opened(*nv, TUI_OPEN_PUSH);
}

static void compare_header(struct tui_app *app, const struct tui_view *v, char *buf, size_t len,
			   char *line2, size_t len2)
{
	(void)app;
	(void)line2;
	(void)len2;
	if (v->only[0] >= 0)
		snprintf(buf + strlen(buf), len - strlen(buf), "fell back in A only: %lld faults; in B only: %lld "
			 "faults", (long long)v->only[0], (long long)v->only[1]);
	else
		snprintf(buf + strlen(buf), len - strlen(buf), "the two runs replay different traces: counts only");
}

static const char *compare_hints(const struct tui_view *v)
{
	(void)v;
	return "Enter faults of A  q back  / search  | filter  s sort  ? help  Q quit";
}

/* Two runs: neither is the loaded run its rows stand for. */
const struct tui_view_ops tui_compare_ops = {
	.name = "compare",
	.body_row = 3,
	.row_by_texts = true,
	.reload = compare_reload,
	.enter = compare_enter,
	.header = compare_header,
	.hints = compare_hints,
	.draw_body = tui_draw_table_body,
	.search = tui_search_rows,
};

/* ---- refresh: the same views over the database as it is now ------------ */

/* The row of ov under its cursor, found again in nv: by the cause's
 * texts in the lists of causes (their refs are indexes, which a reload
 * may change), else by what the row stands for. */
static bool same_row(const struct tui_view *nv, const struct tui_row *a,
		     const struct tui_view *ov, const struct tui_row *b)
{
	if (nv->ops->row_by_texts)
		return !strcmp(tui_table_text(&nv->tab, a, 0), tui_table_text(&ov->tab, b, 0)) &&
		       !strcmp(tui_table_text(&nv->tab, a, 1), tui_table_text(&ov->tab, b, 1));
	return a->ref == b->ref && a->ref2 == b->ref2;
}

/* Give nv what the reader had done in ov: filter, sort, cursor, scroll. */
static void carry(struct tui_view *nv, const struct tui_view *ov)
{
	const struct tui_row *r = tui_table_current(&ov->tab);

	if (nv->ops->is_text) {
		nv->top = ov->top < nv->nlines ? ov->top : 0;
		return;
	}
	snprintf(nv->tab.filter, sizeof(nv->tab.filter), "%s", ov->tab.filter);
	nv->tab.sort = ov->tab.sort;
	tui_table_apply(&nv->tab);
	for (size_t i = 0; r && i < nv->tab.nvis; i++)
		if (same_row(nv, &nv->tab.rows[nv->tab.vis[i]], ov, r)) {
			nv->tab.cur = i;
			break;
		}
	nv->tab.top = ov->tab.top <= nv->tab.cur ? ov->tab.top : nv->tab.cur;
}

/* The index of a cause in the run loaded now, by its texts; -1 none. */
static int cause_named(const struct tui_app *app, const char *counter, const char *reason)
{
	for (size_t i = 0; i < app->ld.ncauses; i++)
		if (!strcmp(app->ld.causes[i].counter, counter) &&
		    !strcmp(app->ld.causes[i].reason, reason))
			return (int)i;
	return -1;
}

static struct tui_view *rebuild(struct tui_app *app, const struct tui_view *v, const char *counter,
				const char *reason, struct fl_err *err)
{
	int cause = -1;

	if (v->ops->needs_run && tui_ensure_run(app, v->run_id, err) < 0)
		return NULL;
	if (v->cause >= 0 && (cause = cause_named(app, counter, reason)) < 0) {
		fl_err_set(err, -ENOENT, "run %" PRId64 " no longer has the cause %s / %s",
			   v->run_id, counter, reason);
		return NULL;
	}
	return v->ops->reload(app, v, cause, err);
}

int tui_refresh(struct tui_app *app, struct fl_err *err)
{
	static char counter[16][256], reason[16][256];
	int64_t top_run = app->depth ? app->stack[app->depth - 1]->run_id : 0;

	/* The views name their cause by index in the loaded run: keep the
	 * names, which a reload keeps. */
	for (int i = 0; i < app->depth; i++) {
		const struct tui_view *v = app->stack[i];
		bool named = v->cause >= 0 && (size_t)v->cause < app->ld.ncauses &&
			     v->run_id == app->ld.run_id;

		snprintf(counter[i], sizeof(counter[i]), "%s", named ? app->ld.causes[v->cause].counter : "");
		snprintf(reason[i], sizeof(reason[i]), "%s", named ? app->ld.causes[v->cause].reason : "");
	}
	/* The loaded run points into the runs array about to be replaced. */
	tui_loaded_free(&app->ld);
	if (tui_store_load_runs(&app->st, err) < 0)
		return -1;
	for (int i = 0; i < app->depth; i++) {
		struct tui_view *nv = rebuild(app, app->stack[i], counter[i], reason[i], err);

		if (!nv) {
			/* What cannot be shown again goes, with what was
			 * opened from it. */
			while (app->depth > i && app->depth > 1)
				tui_view_free(app->stack[--app->depth]);
			break;
		}
		carry(nv, app->stack[i]);
		tui_view_free(app->stack[i]);
		app->stack[i] = nv;
	}
	if (app->depth && app->stack[app->depth - 1]->run_id && app->stack[app->depth - 1]->ops->needs_run)
		top_run = app->stack[app->depth - 1]->run_id;
	if (top_run && tui_ensure_run(app, top_run, err) < 0)
		return -1;
	return err->code ? -1 : 0;
}
