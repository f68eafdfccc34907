/* html: `faultline report --html`, one page with inline SVG (html.h). */
#include "html.h"
#include "html_page.h"
#include "losses.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "fl_out.h"
#include "report.h"
#include "run_knobs.h"
#include "store_read.h"
#include "table.h"
#include "views.h"

#define W HTML_W
#define TIME_BUCKETS 60
#define LAT_BUCKETS 40		/* 2^0 .. 2^39 ns (~9 minutes) */

/* Plot area inside a chart: room on the left for the y ticks and label,
 * below for the x ticks and label. */
#define PL 78
#define PR HTML_PR
#define PT 12
#define PB 46

/* Causes (Tableau 10 less its grey, which is "other"). */
static const char *const cause_pal[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
					 "#edc948", "#b07aa1", "#ff9da7", "#9c755f" };
#define NCAUSE (sizeof(cause_pal) / sizeof(cause_pal[0]))
#define CAUSE_OTHER "#bab0ac"
/* Runs: Okabe-Ito, apart from the cause colours; past them, hues a golden
 * angle apart. */
static const char *const run_pal[] = { "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000",
				       "#e69f00", "#56b4e9", "#7f3c8d" };
#define NRUNPAL (sizeof(run_pal) / sizeof(run_pal[0]))
/* Dashes, so that runs whose lines lie on each other still read apart. */
static const char *const run_dash[] = { "", "7 3", "2 2", "9 3 2 3" };

void html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

void html_run_short(FILE *f, const struct hrun *r)
{
	fprintf(f, "run %" PRId64 " ", r->run_id);
	html_esc(f, r->strategy);
}

void html_run_name(FILE *f, const struct hrun *r)
{
	html_run_short(f, r);
	if (r->profile[0]) {
		fputc(' ', f);
		html_esc(f, r->profile);
	}
	fprintf(f, ", seed %" PRId64, r->seed);
	if (r->knobs[0]) {
		fputs(", ", f);
		html_esc(f, r->knobs);
	}
}

static const char *dash(size_t i)
{
	return run_dash[(i / NRUNPAL) % (sizeof(run_dash) / sizeof(run_dash[0]))];
}

static int load_runs(sqlite3 *db, const char *path, int64_t run_id, struct hrun **out, size_t *n,
		     struct fl_err *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT r.run_id, r.trace_id, r.faults, r.fallbacks, r.strategy, "
			       "r.profile, coalesce(t.path, ''), r.seed, r.knobs FROM runs r "
			       "LEFT JOIN traces t ON t.trace_id = r.trace_id WHERE ?1 = 0 OR "
			       "r.run_id = ?1 ORDER BY r.run_id", -1, &st, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hrun *r;
		const char *knobs = (const char *)sqlite3_column_text(st, 8);

		if (fl_array_grow((void **)out, &cap, *n + 1, sizeof(**out)) < 0)
			break;
		r = &(*out)[(*n)++];
		r->run_id = sqlite3_column_int64(st, 0);
		r->trace_id = sqlite3_column_int64(st, 1);
		r->faults = sqlite3_column_int64(st, 2);
		r->fallbacks = sqlite3_column_int64(st, 3);
		snprintf(r->strategy, sizeof(r->strategy), "%s", sqlite3_column_text(st, 4));
		snprintf(r->profile, sizeof(r->profile), "%s", sqlite3_column_text(st, 5));
		snprintf(r->trace, sizeof(r->trace), "%s", sqlite3_column_text(st, 6));
		r->seed = sqlite3_column_int64(st, 7);
		fl_run_knobs_nondefault(r->strategy, knobs ? knobs : "", r->knobs, sizeof(r->knobs));
		if (*n - 1 < NRUNPAL)
			snprintf(r->color, sizeof(r->color), "%s", run_pal[*n - 1]);
		else
			snprintf(r->color, sizeof(r->color), "hsl(%d,65%%,40%%)",
				 (int)(fmod((double)(*n - 1) * 137.508, 360.0)));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", path);
	if (rc != SQLITE_DONE)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	if (run_id > 0 && *n == 0)
		return fl_store_no_run(db, path, run_id, err);
	return 0;
}

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}"
	".warning{color:#a00}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}"
	"td:first-child,th:first-child,td.l,th.l{text-align:left}"
	"th{border-bottom:1px solid #999}svg{display:block;margin:.5em 0}"
	"svg text{font:11px system-ui,sans-serif;fill:#333}.note{color:#666;font-size:.9em}"
	"svg .axis-label{font-size:12px;fill:#222}svg .tick line{stroke:#999}"
	"svg .grid{stroke:#eee}svg .legend text{font-size:12px}"
	".swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}";

/* ---- axes ----------------------------------------------------------------- */

struct plot {
	int w, h;		/* the whole chart */
	double x0, x1, y0, y1;	/* the plot area, px */
	double xlo, xhi, ylo, yhi;	/* data at its edges */
	bool xlog;		/* x is log10 of the data */
	bool ylog;		/* y is log10 of the data */
};

static double px_x(const struct plot *p, double v)
{
	double d = p->xlog ? log10(v > 0 ? v : 1e-300) : v;

	return p->x0 + (p->x1 - p->x0) * (p->xhi > p->xlo ? (d - p->xlo) / (p->xhi - p->xlo) : 0);
}

static double px_y(const struct plot *p, double v)
{
	double d = p->ylog ? log10(v > 0 ? v : 1e-300) : v;

	if (p->ylog && d < p->ylo)
		d = p->ylo;	/* 0 on a log scale: the bottom edge */
	return p->y1 - (p->y1 - p->y0) * (p->yhi > p->ylo ? (d - p->ylo) / (p->yhi - p->ylo) : 0);
}

/* 1, 2 or 5 times a power of ten, so that range holds about n steps. */
static double nice_step(double range, int n)
{
	double raw = range / (n > 0 ? n : 1), mag, f;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* A round top for the y axis at or above max. */
static double nice_top(double max, int n)
{
	double step;

	if (!(max > 0))
		return 1;
	step = nice_step(max, n);
	return ceil(max / step - 1e-9) * step;
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (fabs(v) >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

/* A latency in ns as a tick label: "100 ns", "1 us", "10 ms". */
static void fmt_ns_tick(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%g ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%g ms", ns / 1e6);
	else
		snprintf(buf, len, "%g s", ns / 1e9);
}

void html_svg_open(FILE *f, const char *id, const char *label, int w, int h)
{
	fprintf(f, "<svg id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"%s\">\n", id, w, h, w, h, label);
}

/* The y axis: line, ticks with grid lines and labels, the rotated label. */
static void y_axis(FILE *f, const struct plot *p, const char *label, const char *unit)
{
	double step = p->ylog ? 1 : nice_step(p->yhi - p->ylo, 5);

	fprintf(f, "<g class=\"axis y-axis\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"#555\"/>\n", p->x0, p->y0, p->x0, p->y1);
	for (double v = p->ylo; v <= p->yhi + step * 1e-6; v += step) {
		double y = px_y(p, p->ylog ? pow(10, v) : v);
		char t[32];

		fmt_num(t, sizeof(t), p->ylog ? pow(10, v) : v);
		fprintf(f, "<g class=\"tick\"><line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text></g>\n",
			p->x0, y, p->x1, y, p->x0 - 5, y, p->x0, y, p->x0 - 8, y + 4, t);
	}
	fprintf(f, "<text class=\"axis-label\" transform=\"translate(%.1f,%.1f) rotate(-90)\" "
		"text-anchor=\"middle\">", p->x0 - PL + 14, (p->y0 + p->y1) / 2);
	html_esc(f, label);
	fprintf(f, " (%s)</text></g>\n", unit);
}

/* The x axis: linear ticks at a round step, or one per power of ten. */
static void x_axis(FILE *f, const struct plot *p, const char *label, const char *unit,
		   void (*fmt)(char *, size_t, double))
{
	fprintf(f, "<g class=\"axis x-axis\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"#555\"/>\n", p->x0, p->y1, p->x1, p->y1);
	if (p->xlog) {
		for (double e = ceil(p->xlo - 1e-9); e <= p->xhi + 1e-9; e++) {
			double x = px_x(p, pow(10, e));
			char t[32];

			fmt(t, sizeof(t), pow(10, e));
			fprintf(f, "<g class=\"tick\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
				"</text></g>\n", x, p->y1, x, p->y1 + 5, x, p->y1 + 17, t);
		}
	} else {
		double step = nice_step(p->xhi - p->xlo, 8);

		for (double v = ceil(p->xlo / step - 1e-9) * step; v <= p->xhi + step * 1e-6;
		     v += step) {
			double x = px_x(p, v);
			char t[32];

			fmt(t, sizeof(t), fabs(v) < step * 1e-6 ? 0 : v);
			fprintf(f, "<g class=\"tick\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
				"</text></g>\n", x, p->y1, x, p->y1 + 5, x, p->y1 + 17, t);
		}
	}
	fprintf(f, "<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
		(p->x0 + p->x1) / 2, p->y1 + 36);
	html_esc(f, label);
	fprintf(f, " (%s)</text></g>\n", unit);
}

static void fmt_plain(char *buf, size_t len, double v)
{
	fmt_num(buf, len, v);
}

/* The runs' legend inside a chart, one line each from y: its colour, its
 * dash, what tells it apart. */
static void run_legend(FILE *f, const struct hrun *runs, size_t n, double x, double y)
{
	fprintf(f, "<g class=\"legend\">\n");
	for (size_t i = 0; i < n; i++) {
		double yy = y + 18 * (double)i;

		fprintf(f, "<g class=\"legend-item\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\" stroke-dasharray=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">", x, yy, x + 26, yy, runs[i].color, dash(i),
			x + 32, yy + 4);
		html_run_name(f, &runs[i]);
		fprintf(f, "</text></g>\n");
	}
	fprintf(f, "</g>\n");
}

/* ---- causes ----------------------------------------------------------------- */

/* The abort and retry causes: per run, the causes whose outcomes fell
 * back to mmap_lock, on their own scale (the outcomes that did not fall
 * back would leave them slivers).  The same cause has the same colour in
 * every bar; the causes with the most fallbacks over the runs get the
 * colours, the rest is grey. */
struct ckey {
	char key[160];
	double n;
};

static int cmp_ckey(const void *a, const void *b)
{
	const struct ckey *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static void cause_key(char *buf, size_t len, const struct fl_table *t, size_t r)
{
	const char *counter = fl_table_cell(t, r, 0)->s;

	snprintf(buf, len, "%s / %s", counter[0] ? counter : "-", fl_table_cell(t, r, 1)->s);
}

static int64_t cause_fb(const struct fl_table *t, size_t r)
{
	return fl_table_cell(t, r, 4)->i;
}

static int causes_chart(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs,
			size_t n, struct fl_err *err)
{
	struct fl_table *t = calloc(n ? n : 1, sizeof(*t));
	struct ckey *keys = NULL;
	size_t nkeys = 0, cap = 0, ncol;
	const int row = 30, left = 150;
	struct plot p;
	double max = 0;
	int rc = 0;

	if (!t)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, 0 };
		double total = 0;

		rc = fl_view_causes(&v, &t[i], err);
		for (size_t r = 0; !rc && r < t[i].nrows; r++) {
			char key[160];
			size_t k;

			if (!cause_fb(&t[i], r))
				continue;
			total += (double)cause_fb(&t[i], r);
			cause_key(key, sizeof(key), &t[i], r);
			for (k = 0; k < nkeys && strcmp(keys[k].key, key); k++)
				;
			if (k == nkeys) {
				if (fl_array_grow((void **)&keys, &cap, nkeys + 1, sizeof(*keys)) < 0) {
					rc = fl_err_set(err, -ENOMEM, "out of memory");
					break;
				}
				snprintf(keys[nkeys].key, sizeof(keys[0].key), "%s", key);
				keys[nkeys++].n = 0;
			}
			keys[k].n += (double)cause_fb(&t[i], r);
		}
		if (total > max)
			max = total;
	}
	if (rc)
		goto out;
	if (nkeys)	/* qsort(NULL, 0) is undefined */
		qsort(keys, nkeys, sizeof(*keys), cmp_ckey);
	ncol = nkeys < NCAUSE ? nkeys : NCAUSE;
	p = (struct plot){ .w = W, .h = row * (int)n + PT + PB, .x0 = left, .x1 = W - PR,
			   .y0 = PT, .y1 = PT + row * (double)n, .xlo = 0,
			   .xhi = nice_top(max, 8), .ylo = 0, .yhi = 1 };
	fprintf(f, "<section id=\"causes\"><h2>Abort and retry causes per run</h2>\n"
		"<p class=\"note\">Per run, the faults that fell back to mmap_lock, split by the "
		"kernel counter and reason of the attempt (cause_counts), on their own scale: the "
		"faults that did not fall back are left out (hover a run's name for them).  "
		"Grey: every other cause.</p>\n");
	html_svg_open(f, "causes-chart", "abort and retry causes", p.w, p.h);
	x_axis(f, &p, "faults that fell back", "count", fmt_plain);
	for (size_t i = 0; i < n; i++) {
		double x = p.x0, y = PT + row * (double)i + 4, fb = 0;

		for (size_t r = 0; r < t[i].nrows; r++)
			fb += (double)cause_fb(&t[i], r);
		fprintf(f, "<text class=\"run-label\" x=\"0\" y=\"%.0f\" fill=\"%s\" "
			"style=\"fill:%s\">", y + 15, runs[i].color, runs[i].color);
		html_run_short(f, &runs[i]);
		fprintf(f, "<title>");
		html_run_name(f, &runs[i]);
		fprintf(f, ": %" PRId64 " faults, %.0f fell back, %.0f did not (not drawn)</title>"
			"</text>\n", runs[i].faults, fb, (double)runs[i].faults - fb);
		if (!fb)
			fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">no fault fell back</text>\n", x + 4,
				y + 15);
		for (size_t r = 0; r < t[i].nrows; r++) {
			int64_t cnt = cause_fb(&t[i], r);
			double w;
			char key[160];
			size_t k;

			if (!cnt)
				continue;
			w = px_x(&p, (double)cnt) - p.x0;
			cause_key(key, sizeof(key), &t[i], r);
			for (k = 0; k < ncol && strcmp(keys[k].key, key); k++)
				;
			fprintf(f, "<rect class=\"cause\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
				"height=\"20\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.5\"><title>", x,
				y, w, k < ncol ? cause_pal[k] : CAUSE_OTHER);
			html_run_name(f, &runs[i]);
			fputs(": ", f);
			html_esc(f, key);
			fprintf(f, ": %" PRId64 " faults fell back (%.2f%% of the run's faults)"
				"</title></rect>\n", cnt,
				runs[i].faults ? 100.0 * (double)cnt / (double)runs[i].faults : 0);
			x += w;
		}
	}
	fprintf(f, "</svg>\n<p class=\"legend cause-legend\">");
	for (size_t k = 0; k < ncol; k++) {
		fprintf(f, "<span><i class=\"swatch\" style=\"background:%s\"></i>", cause_pal[k]);
		html_esc(f, keys[k].key);
		fprintf(f, "</span> ");
	}
	if (nkeys > ncol)
		fprintf(f, "<span><i class=\"swatch\" style=\"background:%s\"></i>other</span>",
			CAUSE_OTHER);
	fprintf(f, "</p></section>\n");
out:
	for (size_t i = 0; i < n; i++)
		fl_table_free(&t[i]);
	free(t);
	free(keys);
	return rc;
}

/* One line per run through (x, y) points, a marker with its exact values
 * at each. */
static void series(FILE *f, const struct plot *p, const struct hrun *r, size_t i, const double *x,
		   const double *y, size_t n, const char *what, void (*xfmt)(char *, size_t, double),
		   const char *yunit)
{
	fprintf(f, "<g class=\"run-series\"><polyline class=\"series\" fill=\"none\" "
		"stroke-width=\"2\" stroke=\"%s\" stroke-dasharray=\"%s\" points=\"", r->color, dash(i));
	for (size_t b = 0; b < n; b++)
		fprintf(f, "%.1f,%.1f ", px_x(p, x[b]), px_y(p, y[b]));
	fprintf(f, "\"><title>");
	html_run_name(f, r);
	fprintf(f, "</title></polyline>\n");
	for (size_t b = 0; b < n; b++) {
		char xt[32];

		xfmt(xt, sizeof(xt), x[b]);
		fprintf(f, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\">"
			"<title>", px_x(p, x[b]), px_y(p, y[b]), r->color);
		html_run_name(f, r);
		fprintf(f, ": %s %s: %.6g%s</title></circle>\n", what, xt, y[b], yunit);
	}
	fprintf(f, "</g>\n");
}

static void fmt_s(char *buf, size_t len, double s)
{
	snprintf(buf, len, "%g s", s);
}

static void fmt_s_tick(char *buf, size_t len, double s)
{
	snprintf(buf, len, "%g", s);
}

static int time_chart(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs, size_t n,
		      struct fl_err *err)
{
	double x[TIME_BUCKETS], y[TIME_BUCKETS], max = 0, span = 0;
	double (*ys)[TIME_BUCKETS] = calloc(n ? n : 1, sizeof(*ys));
	size_t nb[64] = { 0 };
	struct plot p;

	if (!ys)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, 0 };
		struct fl_table t;
		int rc = fl_view_time(&v, TIME_BUCKETS, &t, err);

		if (rc < 0) {
			fl_table_free(&t);
			free(ys);
			return rc;
		}
		for (size_t b = 0; b < t.nrows && b < TIME_BUCKETS; b++) {
			ys[i][b] = (double)fl_table_cell(&t, b, 3)->i;
			if (ys[i][b] > max)
				max = ys[i][b];
		}
		if (i < 64)
			nb[i] = t.nrows < TIME_BUCKETS ? t.nrows : TIME_BUCKETS;
		if (t.nrows)
			span = (double)fl_table_cell(&t, t.nrows - 1, 1)->i * TIME_BUCKETS /
			       (TIME_BUCKETS - 1) / 1e9;
		fl_table_free(&t);
	}
	p = (struct plot){ .w = W, .h = 260 + 18 * (int)n, .x0 = PL, .x1 = W - PR, .y0 = PT,
			   .y1 = 260 - PB, .xlo = 0, .xhi = span > 0 ? span : 1, .ylo = 0,
			   .yhi = nice_top(max, 5) };
	fprintf(f, "<section id=\"aborts-over-time\"><h2>Fallbacks over time</h2>\n"
		"<p class=\"note\">Faults that fell back to mmap_lock, per slice of 1/%d of the "
		"trace (%.3f s each).  Hover a point for its numbers.</p>\n", TIME_BUCKETS,
		span / TIME_BUCKETS);
	html_svg_open(f, "time-chart", "fallbacks over time", p.w, p.h);
	y_axis(f, &p, "faults that fell back per slice", "count");
	x_axis(f, &p, "time since the trace's first event", "s", fmt_s_tick);
	for (size_t i = 0; i < n; i++) {
		size_t k = i < 64 ? nb[i] : 0;

		for (size_t b = 0; b < k; b++) {
			x[b] = span * ((double)b + 0.5) / TIME_BUCKETS;
			y[b] = ys[i][b];
		}
		series(f, &p, &runs[i], i, x, y, k, "at", fmt_s, " fell back");
	}
	run_legend(f, runs, n, p.x0, 262);
	fprintf(f, "</svg>\n</section>\n");
	free(ys);
	return 0;
}

static void fmt_lat(char *buf, size_t len, double ns)
{
	char t[32];

	fl_fmt_ns(t, sizeof(t), (int64_t)ns);
	snprintf(buf, len, "slower than %s", t);
}

/* The latency tail of each run: the share of its faults slower than each
 * power-of-two bucket's upper edge (a complementary cumulative
 * distribution), log scales both ways, so that the tails where runs differ
 * are not squeezed under the bulk of fast faults where they agree. */
#define TAIL_FLOOR -3		/* 0.001%: the y axis' bottom, log10 of % */
/* The run's latency histogram: from the replay's tally (tally_latency,
 * counted in the same power-of-two buckets) when the run has one, else
 * from its outcomes. */
static int latency_hist(const struct fl_view_ctx *v, int64_t *hist, int n, struct fl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(v->db, "SELECT bucket, n FROM tally_latency WHERE run_id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return fl_view_latency_hist(v, hist, n, err);	/* no such table */
	memset(hist, 0, (size_t)n * sizeof(*hist));
	sqlite3_bind_int64(st, 1, v->run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0);

		hist[b < 0 ? 0 : b > n - 1 ? n - 1 : b] += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fl_store_sql_error(v->db, v->path, "cannot read the store", err);
	for (int b = 0; b < n; b++)
		if (hist[b])
			return 0;
	/* No row: a run stored before the tally, or one without outcomes. */
	return fl_view_latency_hist(v, hist, n, err);
}

/* The latency tail as small multiples: a panel per run, its line in its
 * colour over the other runs' lines in grey, so that runs whose tails lie
 * on each other (most of them agree on the bulk of fast faults) are each
 * seen whole.  The panels share their scales and read side by side. */
#define LAT_COLS 2		/* panels side by side */
#define LAT_PANEL_H 220		/* a panel: its title, plot and x axis */
#define LAT_PLOT_TOP 22		/* the panel's title above its plot */

/* The points of run i's tail: all of them slower than the first bucket's
 * lower edge, then the share slower than each bucket's upper edge. */
static size_t tail_points(const double (*tail)[LAT_BUCKETS], size_t i, size_t lo, size_t hi,
			  double *x, double *y)
{
	size_t k = 0;

	x[k] = (double)((int64_t)1 << lo);
	y[k++] = 100;
	for (size_t b = lo; b <= hi; b++) {
		x[k] = (double)((int64_t)1 << (b + 1));
		y[k++] = tail[i][b];
	}
	return k;
}

/* Run i's panel of the latency chart: axes, the other runs in grey, then
 * its own line with a marker at each point. */
static void latency_panel(FILE *f, const struct plot *scale, const struct hrun *runs, size_t n,
			  size_t i, const double (*tail)[LAT_BUCKETS], size_t lo, size_t hi)
{
	double x[LAT_BUCKETS + 1], y[LAT_BUCKETS + 1];
	int cols = n > 1 ? LAT_COLS : 1, pw = W / cols;
	double ox = (double)((int)i % cols * pw), oy = (double)((int)i / cols * LAT_PANEL_H);
	struct plot p = *scale;
	size_t k;

	p.x0 = ox + PL;
	p.x1 = ox + pw - PR;
	p.y0 = oy + LAT_PLOT_TOP;
	p.y1 = oy + LAT_PANEL_H - PB;
	fprintf(f, "<g class=\"panel\"><text class=\"panel-title\" x=\"%.1f\" y=\"%.1f\" "
		"fill=\"%s\">", p.x0, oy + 14, runs[i].color);
	html_run_name(f, &runs[i]);
	fprintf(f, "</text>\n");
	y_axis(f, &p, "share slower, log", "%");
	x_axis(f, &p, "replayed latency, log scale", "ns .. s", fmt_ns_tick);
	for (size_t j = 0; j < n; j++) {
		if (j == i)
			continue;
		k = tail_points(tail, j, lo, hi, x, y);
		fprintf(f, "<polyline class=\"context\" fill=\"none\" stroke=\"#c8c8c8\" "
			"stroke-width=\"1.5\" points=\"");
		for (size_t b = 0; b < k; b++)
			fprintf(f, "%.1f,%.1f ", px_x(&p, x[b]), px_y(&p, y[b]));
		fprintf(f, "\"><title>");
		html_run_name(f, &runs[j]);
		fprintf(f, " (its own panel has its numbers)</title></polyline>\n");
	}
	k = tail_points(tail, i, lo, hi, x, y);
	series(f, &p, &runs[i], i, x, y, k, "faults", fmt_lat, "%");
	fprintf(f, "</g>\n");
}

static int latency_chart(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs,
			 size_t n, struct fl_err *err)
{
	double (*tail)[LAT_BUCKETS] = calloc(n ? n : 1, sizeof(*tail));
	int64_t hist[LAT_BUCKETS];
	size_t lo = LAT_BUCKETS, hi = 0, cols = n > 1 ? LAT_COLS : 1, rows = (n + cols - 1) / cols;
	struct plot p;
	int h;

	if (!tail)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, 0 };
		int64_t total = 0, acc = 0;
		int rc = latency_hist(&v, hist, LAT_BUCKETS, err);

		if (rc < 0) {
			free(tail);
			return rc;
		}
		for (size_t b = 0; b < LAT_BUCKETS; b++)
			total += hist[b];
		for (size_t b = 0; b < LAT_BUCKETS; b++) {
			acc += hist[b];
			tail[i][b] = total ? 100.0 * (double)(total - acc) / (double)total : 0;
			if (hist[b] && b < lo)
				lo = b;
			if (hist[b] && b > hi)
				hi = b;
		}
	}
	if (lo > hi)
		lo = hi = 0;
	/* from the bucket below the first to the last, in whole decades, the
	 * same in every panel */
	h = (int)rows * LAT_PANEL_H + 12 + 18 * (int)n;
	p = (struct plot){ .w = W, .h = h, .xlog = true, .ylog = true,
			   .xlo = floor(log10((double)((int64_t)1 << lo))),
			   .xhi = ceil(log10((double)((int64_t)1 << (hi + 1)))), .ylo = TAIL_FLOOR,
			   .yhi = 2 };
	if (p.xhi <= p.xlo)
		p.xhi = p.xlo + 1;
	fprintf(f, "<section id=\"latency\"><h2>Latency distribution</h2>\n"
		"<p class=\"note\">A panel per run: the share of its faults whose replayed latency "
		"is longer than each latency (log scales), the other runs in grey behind it; the "
		"further a line reaches right, the longer its slowest faults; 0 is drawn at the "
		"bottom edge (0.001%%).  Hover a point for its numbers.</p>\n");
	html_svg_open(f, "latency-chart", "latency distribution", p.w, p.h);
	for (size_t i = 0; i < n; i++)
		latency_panel(f, &p, runs, n, i, (const double (*)[LAT_BUCKETS])tail, lo, hi);
	run_legend(f, runs, n, PL, (double)rows * LAT_PANEL_H + 12);
	fprintf(f, "</svg>\n</section>\n");
	free(tail);
	return 0;
}

/* Each live mark the runs carry (report_run_state()), said once under the
 * runs' table, as the loss warnings are: a growing run's charts are its
 * last commit's. */
static void state_notes(FILE *f, sqlite3 *db, const struct hrun *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char st[64], other[64];
		bool seen = false;

		if (!report_run_state(db, runs[i].run_id, st, sizeof(st))[0])
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(report_run_state(db, runs[k].run_id, other, sizeof(other)), st);
		if (seen)
			continue;
		fprintf(f, "<p class=\"warning\"><strong>[");
		html_esc(f, st);
		fprintf(f, "]:</strong> ");
		html_esc(f, report_state_note(st));
		fprintf(f, ".</p>\n");
	}
}

static int page(FILE *f, sqlite3 *db, const char *path, int64_t run_id, struct report_syms *syms,
		struct fl_err *err)
{
	struct hrun *runs;
	size_t n;
	int rc = load_runs(db, path, run_id, &runs, &n, err);

	if (rc < 0)
		return rc;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\">\n<title>faultline report: ");
	html_esc(f, path);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>faultline report</h1>\n"
		"<p>Database <code>", style);
	html_esc(f, path);
	fprintf(f, "</code>: %zu run%s.</p>\n", n, n == 1 ? "" : "s");
	fprintf(f, "<section id=\"runs\"><h2>Runs</h2>\n<p class=\"note\">Each run has its "
		"colour in every chart; knobs: those that differ from the strategy's defaults.</p>\n"
		"<table id=\"runs-table\"><tr><th>run</th>"
		"<th class=\"l\">strategy</th><th class=\"l\">profile</th><th>seed</th>"
		"<th class=\"l\">knobs</th><th class=\"l\">trace</th><th>faults</th><th>fell back</th>"
		"<th>share</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		char st[64];

		fprintf(f, "<tr><td><i class=\"swatch\" style=\"background:%s\"></i>%" PRId64,
			runs[i].color, runs[i].run_id);
		if (report_run_state(db, runs[i].run_id, st, sizeof(st))[0]) {
			fprintf(f, " [");
			html_esc(f, st);
			fprintf(f, "]");
		}
		fprintf(f, "</td><td class=\"l\">");
		html_esc(f, runs[i].strategy);
		fprintf(f, "</td><td class=\"l\">");
		html_esc(f, runs[i].profile);
		fprintf(f, "</td><td>%" PRId64 "</td><td class=\"l\">", runs[i].seed);
		html_esc(f, runs[i].knobs[0] ? runs[i].knobs : "default");
		fprintf(f, "</td><td class=\"l\">");
		html_esc(f, runs[i].trace);
		fprintf(f, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%.2f%%</td></tr>\n",
			runs[i].faults, runs[i].fallbacks,
			runs[i].faults ? 100.0 * (double)runs[i].fallbacks / (double)runs[i].faults : 0);
	}
	fprintf(f, "</table>\n");
	/* A trace that lost events: said once per trace, above every chart. */
	for (size_t i = 0; i < n; i++) {
		struct fl_loss_summary ls;
		char line[256];
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen |= runs[k].trace_id == runs[i].trace_id;
		if (seen || fl_losses_read(db, runs[i].trace_id, &ls) < 0 || !ls.lossy)
			continue;
		fl_losses_line(line, sizeof(line), &ls);
		fprintf(f, "<p class=\"warning\"><strong>Warning:</strong> ");
		html_esc(f, runs[i].trace);
		fprintf(f, ": ");
		html_esc(f, line);
		fprintf(f, ".</p>\n");
	}
	state_notes(f, db, runs, n);
	fprintf(f, "</section>\n");
	if (n == 0) {
		fprintf(f, "<p>No runs yet.</p>\n");
	} else {
		rc = causes_chart(f, db, path, runs, n, err);
		if (!rc)
			rc = time_chart(f, db, path, runs, n, err);
		if (!rc)
			rc = latency_chart(f, db, path, runs, n, err);
		if (!rc)
			rc = html_vma_strip(f, db, path, runs, n, syms, err);
	}
	fprintf(f, "<p class=\"note\">Written by faultline report --html; the numbers are "
		"those of <code>faultline report</code> on the same database.</p>\n"
		"</body></html>\n");
	free(runs);
	return rc;
}

int fl_html_write(sqlite3 *db, const char *path, int64_t run_id, const char *out,
		  struct report_syms *syms, struct fl_err *err)
{
	struct fl_out o;
	int rc;

	/* A new file renamed over out when whole (fl_out.h): a failed
	 * report leaves no half page, and nothing but out is written. */
	rc = fl_out_open(&o, out, err);
	if (rc)
		return rc;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		fl_out_close(&o, false, err);
		return fl_store_sql_error(db, path, "cannot read the store", err);
	}
	rc = page(o.f, db, path, run_id, syms, err);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc) {
		fl_out_close(&o, false, err);
		return rc;
	}
	return fl_out_close(&o, true, err);
}
