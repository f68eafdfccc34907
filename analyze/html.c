/* html: `faultline report --html`, one page with inline SVG (html.h). */
#include "html.h"
#include "losses.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "fl_out.h"
#include "store_read.h"
#include "table.h"
#include "views.h"

#define W 900			/* chart width, px */
#define TIME_BUCKETS 60
#define LAT_BUCKETS 40		/* 2^0 .. 2^39 ns (~9 minutes) */
#define MAP_VMAS 300		/* the VMAs drawn per run: most fallbacks, then faults */

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

struct hrun {
	int64_t run_id, trace_id, faults, fallbacks;
	char strategy[64], profile[64], trace[512];
};

/* Text into HTML (element content and attribute values alike). */
static void esc(FILE *f, const char *s)
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

static void run_name(FILE *f, const struct hrun *r)
{
	fprintf(f, "run %" PRId64 " ", r->run_id);
	esc(f, r->strategy);
	if (r->profile[0]) {
		fputc(' ', f);
		esc(f, r->profile);
	}
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
			       "r.profile, coalesce(t.path, '') FROM runs r LEFT JOIN traces t "
			       "ON t.trace_id = r.trace_id WHERE ?1 = 0 OR r.run_id = ?1 "
			       "ORDER BY r.run_id", -1, &st, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot query the store", err);
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hrun *r;

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
	".legend span{display:inline-block;margin-right:1em}"
	".legend i{display:inline-block;width:10px;height:10px;margin-right:4px}";

/* The cause breakdown: one bar per run, a segment per (counter, reason).
 * The same cause has the same colour in every bar; the causes with the
 * largest summed share over the runs get the colours, the rest is grey. */
struct ckey {
	char key[160];
	double share;
};

static int cmp_ckey(const void *a, const void *b)
{
	const struct ckey *x = a, *y = b;

	return x->share < y->share ? 1 : x->share > y->share ? -1 : strcmp(x->key, y->key);
}

static void cause_key(char *buf, size_t len, const struct fl_table *t, size_t r)
{
	const char *counter = fl_table_cell(t, r, 0)->s;

	snprintf(buf, len, "%s / %s", counter[0] ? counter : "-", fl_table_cell(t, r, 1)->s);
}

static int causes_chart(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs,
			size_t n, struct fl_err *err)
{
	struct fl_table *t = calloc(n ? n : 1, sizeof(*t));
	struct ckey *keys = NULL;
	size_t nkeys = 0, cap = 0, ncol;
	int h = 28 * (int)n + 10, rc = 0;

	if (!t)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, 0 };

		rc = fl_view_causes(&v, &t[i], err);
		for (size_t r = 0; !rc && r < t[i].nrows; r++) {
			char key[160];
			size_t k;

			cause_key(key, sizeof(key), &t[i], r);
			for (k = 0; k < nkeys && strcmp(keys[k].key, key); k++)
				;
			if (k == nkeys) {
				if (fl_array_grow((void **)&keys, &cap, nkeys + 1, sizeof(*keys)) < 0) {
					rc = fl_err_set(err, -ENOMEM, "out of memory");
					break;
				}
				snprintf(keys[nkeys].key, sizeof(keys[0].key), "%s", key);
				keys[nkeys++].share = 0;
			}
			if (fl_table_cell(&t[i], r, 3)->set)
				keys[k].share += fl_table_cell(&t[i], r, 3)->d;
		}
	}
	if (rc)
		goto out;
	if (nkeys)	/* qsort(NULL, 0) is undefined */
		qsort(keys, nkeys, sizeof(*keys), cmp_ckey);
	ncol = nkeys < NPAL - 1 ? nkeys : NPAL - 1;
	fprintf(f, "<section id=\"causes\"><h2>Cause breakdown per strategy</h2>\n"
		"<p class=\"note\">Each bar is one run's faults, split by the kernel counter "
		"and reason of the attempt (cause_counts).  Grey: every other cause.</p>\n");
	fprintf(f, "<svg id=\"causes-chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-label=\"cause breakdown\">\n", W, h, W, h);
	for (size_t i = 0; i < n; i++) {
		double x = 160, total = 0;

		for (size_t r = 0; r < t[i].nrows; r++)
			total += (double)fl_table_cell(&t[i], r, 2)->i;
		fprintf(f, "<text x=\"0\" y=\"%d\">", 28 * (int)i + 22);
		run_name(f, &runs[i]);
		fprintf(f, "</text>\n");
		for (size_t r = 0; r < t[i].nrows && total > 0; r++) {
			int64_t cnt = fl_table_cell(&t[i], r, 2)->i;
			double w = (W - 170) * (double)cnt / total;
			char key[160];
			size_t k;

			cause_key(key, sizeof(key), &t[i], r);
			for (k = 0; k < ncol && strcmp(keys[k].key, key); k++)
				;
			fprintf(f, "<rect class=\"cause\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
				"height=\"20\" fill=\"%s\"><title>", x, 28 * (int)i + 8, w,
				k < ncol ? palette[k] : "#bbb");
			run_name(f, &runs[i]);
			fputs(": ", f);
			esc(f, key);
			fprintf(f, ": %" PRId64 " faults (%.2f%%)</title></rect>\n", cnt,
				100.0 * (double)cnt / total);
			x += w;
		}
	}
	fprintf(f, "</svg>\n<p class=\"legend\">");
	for (size_t k = 0; k < ncol; k++) {
		fprintf(f, "<span><i style=\"background:%s\"></i>", palette[k]);
		esc(f, keys[k].key);
		fprintf(f, "</span>");
	}
	fprintf(f, "<span><i style=\"background:#bbb\"></i>other</span></p></section>\n");
out:
	for (size_t i = 0; i < n; i++)
		fl_table_free(&t[i]);
	free(t);
	free(keys);
	return rc;
}

/* One line per run over buckets; y scaled to the largest value. */
static void lines(FILE *f, const char *id, const char *label, double *const *y, size_t n,
		  size_t nb, const struct hrun *runs, const char *xlo, const char *xhi)
{
	const int h = 220, left = 50, bottom = 30;
	double max = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < nb; b++)
			if (y[i][b] > max)
				max = y[i][b];
	fprintf(f, "<svg id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"%s\">\n", id, W, h, W, h, label);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", left,
		h - bottom, W - 10, h - bottom);
	fprintf(f, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", left, left,
		h - bottom);
	fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\">%s</text>\n", left, h - 10, xlo, W - 10, h - 10, xhi);
	fprintf(f, "<text x=\"%d\" y=\"16\" text-anchor=\"end\">%.3g</text>"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4, max, left - 4,
		h - bottom);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" "
			"stroke=\"%s\" points=\"", palette[i % NPAL]);
		for (size_t b = 0; b < nb; b++) {
			double x = left + (double)(W - 10 - left) * ((double)b + 0.5) / (double)nb;
			double yy = (h - bottom) - (max > 0 ? (h - bottom - 10) * y[i][b] / max : 0);

			fprintf(f, "%.1f,%.1f ", x, yy);
		}
		fprintf(f, "\"><title>");
		run_name(f, &runs[i]);
		fprintf(f, "</title></polyline>\n");
	}
	fprintf(f, "</svg>\n<p class=\"legend\">");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<span><i style=\"background:%s\"></i>", palette[i % NPAL]);
		run_name(f, &runs[i]);
		fprintf(f, "</span>");
	}
	fprintf(f, "</p>\n");
}

static double **grid(size_t n, size_t nb)
{
	double **y = calloc(n ? n : 1, sizeof(*y));

	for (size_t i = 0; y && i < n; i++) {
		y[i] = calloc(nb, sizeof(**y));
		if (!y[i]) {
			for (size_t k = 0; k < i; k++)
				free(y[k]);
			free(y);
			return NULL;
		}
	}
	return y;
}

static void grid_free(double **y, size_t n)
{
	for (size_t i = 0; y && i < n; i++)
		free(y[i]);
	free(y);
}

static int time_chart(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs, size_t n,
		      struct fl_err *err)
{
	double **y = grid(n, TIME_BUCKETS);
	char hi[32];
	double span = 0;	/* ns; as a double, for any trace's span */

	if (!y)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, 0 };
		struct fl_table t;
		int rc = fl_view_time(&v, TIME_BUCKETS, &t, err);

		if (rc < 0) {
			fl_table_free(&t);
			grid_free(y, n);
			return rc;
		}
		for (size_t b = 0; b < t.nrows; b++)
			y[i][b] = (double)fl_table_cell(&t, b, 3)->i;
		if (t.nrows)
			span = (double)fl_table_cell(&t, t.nrows - 1, 1)->i * TIME_BUCKETS /
			       (TIME_BUCKETS - 1);
		fl_table_free(&t);
	}
	snprintf(hi, sizeof(hi), "%.3f s", span / 1e9);
	fprintf(f, "<section id=\"aborts-over-time\"><h2>Aborts and fallbacks over time</h2>\n"
		"<p class=\"note\">Faults that fell back to mmap_lock, per slice of 1/%d of the "
		"trace (x: time from the trace's first event).</p>\n", TIME_BUCKETS);
	lines(f, "time-chart", "fallbacks over time", y, n, TIME_BUCKETS, runs, "0 s", hi);
	fprintf(f, "</section>\n");
	grid_free(y, n);
	return 0;
}

static int latency_chart(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs,
			 size_t n, struct fl_err *err)
{
	double **y = grid(n, LAT_BUCKETS);
	int64_t hist[LAT_BUCKETS];
	size_t lo = LAT_BUCKETS, hi = 0;
	char xlo[32], xhi[32];
	double *sub[64] = { 0 };

	if (!y)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, 0 };
		int64_t total = 0;
		int rc = fl_view_latency_hist(&v, hist, LAT_BUCKETS, err);

		if (rc < 0) {
			grid_free(y, n);
			return rc;
		}
		for (size_t b = 0; b < LAT_BUCKETS; b++)
			total += hist[b];
		for (size_t b = 0; b < LAT_BUCKETS; b++) {
			y[i][b] = total ? 100.0 * (double)hist[b] / (double)total : 0;
			if (hist[b] && b < lo)
				lo = b;
			if (hist[b] && b > hi)
				hi = b;
		}
	}
	if (lo > hi)
		lo = hi = 0;
	for (size_t i = 0; i < n && i < 64; i++)
		sub[i] = y[i] + lo;
	fl_fmt_ns(xlo, sizeof(xlo), (int64_t)1 << lo);
	fl_fmt_ns(xhi, sizeof(xhi), (int64_t)1 << (hi + 1));
	fprintf(f, "<section id=\"latency\"><h2>Latency distribution</h2>\n"
		"<p class=\"note\">Share of faults (%%) per power-of-two latency bucket, as "
		"replayed, from %s to %s (log scale).</p>\n", xlo, xhi);
	lines(f, "latency-chart", "latency distribution", sub, n < 64 ? n : 64, hi - lo + 1, runs,
	      xlo, xhi);
	fprintf(f, "</section>\n");
	grid_free(y, n);
	return 0;
}

struct vma {
	uint64_t start, end;
	int64_t faults, fell_back;
	char kind[16];
};

static int cmp_vma(const void *a, const void *b)
{
	const struct vma *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int vma_map(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs, size_t n,
		   struct fl_err *err)
{
	const int row = 46, left = 150;
	int h = row * (int)n + 20;

	fprintf(f, "<section id=\"vma-map\"><h2>Where faults fell back in the address space</h2>\n"
		"<p class=\"note\">Per run, the VMAs faults were placed in, in address order (up "
		"to %d per run: those with the most fallbacks, then the most faults).  A box's "
		"width grows with the log of the VMA's size, gaps in the address space are "
		"marked by a space; red is the share of the VMA's faults that fell back, grey "
		"none.  Hover for the numbers.</p>\n", MAP_VMAS);
	fprintf(f, "<svg id=\"vma-map-chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-label=\"VMA map\">\n", W, h, W, h);
	for (size_t i = 0; i < n; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, MAP_VMAS };
		struct fl_table t;
		struct vma *vm;
		size_t nv = 0;
		double units = 0, x = left, y0 = row * (double)i + 10;
		int rc = fl_view_vmas(&v, &t, err);

		if (rc < 0) {
			fl_table_free(&t);
			return rc;
		}
		vm = calloc(t.nrows ? t.nrows : 1, sizeof(*vm));
		if (!vm) {
			fl_table_free(&t);
			return fl_err_set(err, -ENOMEM, "out of memory");
		}
		for (size_t r = 0; r < t.nrows; r++) {
			if (!fl_table_cell(&t, r, 1)->set)
				continue;	/* not placed */
			vm[nv].start = (uint64_t)fl_table_cell(&t, r, 1)->i;
			vm[nv].end = (uint64_t)fl_table_cell(&t, r, 2)->i;
			snprintf(vm[nv].kind, sizeof(vm[nv].kind), "%s", fl_table_cell(&t, r, 3)->s);
			vm[nv].faults = fl_table_cell(&t, r, 4)->i;
			vm[nv].fell_back = fl_table_cell(&t, r, 5)->i;
			nv++;
		}
		fl_table_free(&t);
		qsort(vm, nv, sizeof(*vm), cmp_vma);
		for (size_t k = 0; k < nv; k++)
			units += 1 + log2(1.0 + (double)(vm[k].end - vm[k].start) / 4096.0) +
				 (k && vm[k].start > vm[k - 1].end ? 1 : 0);
		fprintf(f, "<text x=\"0\" y=\"%.0f\">", y0 + 16);
		run_name(f, &runs[i]);
		fprintf(f, "</text>\n");
		for (size_t k = 0; k < nv && units > 0; k++) {
			double u = 1 + log2(1.0 + (double)(vm[k].end - vm[k].start) / 4096.0);
			double scale = (W - left - 10) / units;
			double share = vm[k].faults ? (double)vm[k].fell_back / (double)vm[k].faults : 0;

			if (k && vm[k].start > vm[k - 1].end)
				x += scale;
			if (vm[k].fell_back)
				fprintf(f, "<rect class=\"vma\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
					"height=\"24\" fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\" "
					"stroke-width=\"0.5\">", x, y0, u * scale,
					200 + (int)(55 * share), (int)(120 * (1 - share)),
					(int)(120 * (1 - share)));
			else
				fprintf(f, "<rect class=\"vma\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
					"height=\"24\" fill=\"#ccc\" stroke=\"#fff\" "
					"stroke-width=\"0.5\">", x, y0, u * scale);
			fprintf(f, "<title>0x%" PRIx64 "-0x%" PRIx64 " ", vm[k].start, vm[k].end);
			esc(f, vm[k].kind[0] ? vm[k].kind : "?");
			fprintf(f, ": %" PRId64 " faults, %" PRId64 " fell back</title></rect>\n",
				vm[k].faults, vm[k].fell_back);
			x += u * scale;
		}
		if (nv)
			fprintf(f, "<text x=\"%d\" y=\"%.0f\">0x%" PRIx64 "</text><text x=\"%d\" "
				"y=\"%.0f\" text-anchor=\"end\">0x%" PRIx64 "</text>\n", left,
				y0 + 36, vm[0].start, W - 10, y0 + 36, vm[nv - 1].end);
		free(vm);
	}
	fprintf(f, "</svg></section>\n");
	return 0;
}

static int page(FILE *f, sqlite3 *db, const char *path, int64_t run_id, struct fl_err *err)
{
	struct hrun *runs;
	size_t n;
	int rc = load_runs(db, path, run_id, &runs, &n, err);

	if (rc < 0)
		return rc;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\">\n<title>faultline report: ");
	esc(f, path);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>faultline report</h1>\n"
		"<p>Database <code>", style);
	esc(f, path);
	fprintf(f, "</code>: %zu run%s.</p>\n", n, n == 1 ? "" : "s");
	fprintf(f, "<section id=\"runs\"><h2>Runs</h2>\n<table id=\"runs-table\"><tr><th>run</th>"
		"<th class=\"l\">strategy</th><th class=\"l\">profile</th><th class=\"l\">trace</th><th>faults</th><th>fell back</th>"
		"<th>share</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<tr><td>%" PRId64 "</td><td class=\"l\">", runs[i].run_id);
		esc(f, runs[i].strategy);
		fprintf(f, "</td><td class=\"l\">");
		esc(f, runs[i].profile);
		fprintf(f, "</td><td class=\"l\">");
		esc(f, runs[i].trace);
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
		esc(f, runs[i].trace);
		fprintf(f, ": ");
		esc(f, line);
		fprintf(f, ".</p>\n");
	}
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
			rc = vma_map(f, db, path, runs, n, err);
	}
	fprintf(f, "<p class=\"note\">Written by faultline report --html; the numbers are "
		"those of <code>faultline report</code> on the same database.</p>\n"
		"</body></html>\n");
	free(runs);
	return rc;
}

int fl_html_write(sqlite3 *db, const char *path, int64_t run_id, const char *out,
		  struct fl_err *err)
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
	rc = page(o.f, db, path, run_id, err);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc) {
		fl_out_close(&o, false, err);
		return rc;
	}
	return fl_out_close(&o, true, err);
}
