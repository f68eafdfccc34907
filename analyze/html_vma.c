/* html_vma: the HTML page's address-space strip (html_page.h).  Per run,
 * the VMAs its faults were placed in, in address order: a box per VMA
 * coloured by the share of its faults that fell back, a band under it
 * coloured by its kind, and over the widest boxes a label with the kind and
 * the file.  The store keeps VMA kinds but not paths: the paths come from
 * the trace's mappings, read again (symbols.h), as `report --by vma` does. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_page.h"
#include "symbols.h"
#include "table.h"
#include "views.h"

#define MAP_VMAS 300		/* the VMAs drawn per run: most fallbacks, then faults */
#define MAP_LABELS 4		/* the widest boxes of a run labelled above it */
#define ROW 86			/* a run's height: label lane, boxes, band, axis, ticks */
#define LEFT 150		/* room for the run's name */
#define LANE 16			/* the label lane over the boxes */
#define CHAR_PX 6.5		/* an 11 px character's width, about */

struct vma {
	uint64_t start, end;
	int64_t faults, fell_back;
	char kind[16];
	const char *path;	/* the mapping's file, owned by the symbols; NULL: none */
	double x, w;		/* where it is drawn */
};

static int cmp_vma(const void *a, const void *b)
{
	const struct vma *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void fmt_size(char *buf, size_t len, uint64_t b)
{
	if (b >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", (double)b / (1 << 30));
	else if (b >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", (double)b / (1 << 20));
	else
		snprintf(buf, len, "%" PRIu64 " KiB", b >> 10);
}

/* The VMA kinds' colours, in the band under each run's boxes. */
static const struct {
	const char *kind, *color;
} kinds[] = {
	{ "anon", "#8da0cb" }, { "file", "#66c2a5" }, { "shmem", "#e78ac3" },
	{ "stack", "#a6d854" }, { "heap", "#ffd92f" }, { "special", "#b3b3b3" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *kind_color(const char *k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].kind, k))
			return kinds[i].color;
	return "#666";
}

/* The file's last component, what a label has room for. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* Run v's VMAs with a placed fault, in address order, each named from sym
 * (NULL: no paths).  *out is the caller's to free. */
static int load_vmas(const struct fl_view_ctx *v, const struct fl_symbols *sym, struct vma **out,
		     size_t *nout, struct fl_err *err)
{
	struct fl_table t;
	struct vma *vm;
	size_t nv = 0;
	int rc = fl_view_vmas(v, &t, err);

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
		vm[nv].path = sym ? fl_symbols_path_at(sym, vm[nv].start) : NULL;
		nv++;
	}
	fl_table_free(&t);
	qsort(vm, nv, sizeof(*vm), cmp_vma);
	*out = vm;
	*nout = nv;
	return 0;
}

static double vma_units(const struct vma *m)
{
	return 1 + log2(1.0 + (double)(m->end - m->start) / 4096.0);
}

/* Whether m starts a region: the first VMA, or one after a gap. */
static bool starts_region(const struct vma *vm, size_t k)
{
	return !k || vm[k].start > vm[k - 1].end;
}

/* Where each VMA is drawn: width growing with the log of its size, a
 * gap's width of space before each region after the first. */
static void place(struct vma *vm, size_t nv)
{
	double units = 0, x = LEFT, scale;

	for (size_t k = 0; k < nv; k++)
		units += vma_units(&vm[k]) + (k && starts_region(vm, k) ? 1 : 0);
	if (units <= 0)
		return;
	scale = (HTML_W - LEFT - HTML_PR) / units;
	for (size_t k = 0; k < nv; k++) {
		if (k && starts_region(vm, k))
			x += scale;
		vm[k].x = x;
		vm[k].w = vma_units(&vm[k]) * scale;
		x += vm[k].w;
	}
}

static double share_of(const struct vma *m)
{
	return m->faults ? (double)m->fell_back / (double)m->faults : 0;
}

/* A box's and its band's tooltip: range, size, kind, file and numbers. */
static void vma_title(FILE *f, const struct vma *m)
{
	char size[32];

	fmt_size(size, sizeof(size), m->end - m->start);
	fprintf(f, "<title>0x%" PRIx64 "-0x%" PRIx64 " (%s) ", m->start, m->end, size);
	html_esc(f, m->kind[0] ? m->kind : "?");
	if (m->path) {
		fputc(' ', f);
		html_esc(f, m->path);
	}
	fprintf(f, ": %" PRId64 " faults, %" PRId64 " fell back (%.1f%%)</title>", m->faults,
		m->fell_back, 100 * share_of(m));
}

/* Whether m's box is wide enough for its kind inside. */
static bool in_box(const struct vma *m)
{
	return m->kind[0] && m->w >= 7.0 * (double)(strlen(m->kind) + 1);
}

/* The box (red by the share that fell back, grey for none), the kind band
 * under it, and the kind inside a box wide enough for it. */
static void draw_vma(FILE *f, const struct vma *m, double yb)
{
	double share = share_of(m);

	if (m->fell_back)
		fprintf(f, "<rect class=\"vma\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"24\" "
			"fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\" stroke-width=\"0.5\">", m->x, yb,
			m->w, 200 + (int)(55 * share), (int)(120 * (1 - share)),
			(int)(120 * (1 - share)));
	else
		fprintf(f, "<rect class=\"vma\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"24\" "
			"fill=\"#ccc\" stroke=\"#fff\" stroke-width=\"0.5\">", m->x, yb, m->w);
	vma_title(f, m);
	fprintf(f, "</rect>\n<rect class=\"vma-kind-band\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
		"height=\"6\" fill=\"%s\">", m->x, yb + 25, m->w, kind_color(m->kind));
	vma_title(f, m);
	fprintf(f, "</rect>\n");
	if (in_box(m)) {
		fprintf(f, "<text class=\"vma-kind\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">",
			m->x + m->w / 2, yb + 16);
		html_esc(f, m->kind);
		fprintf(f, "</text>\n");
	}
}

/* The label of m: "file libc.so.6", or the kind alone. */
static size_t label_len(const struct vma *m)
{
	return strlen(m->kind[0] ? m->kind : "?") + (m->path ? 1 + strlen(base_name(m->path)) : 0);
}

/* Indexes of vm by drawn width, widest first (then by address). */
static const struct vma *sort_base;

static int cmp_width(const void *a, const void *b)
{
	const struct vma *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];

	if (x->w != y->w)
		return x->w < y->w ? 1 : -1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Over the widest MAP_LABELS boxes, in the lane above them, their kind and
 * file (whole in the label's tooltip), with a tick down to the box; a label
 * that would run into another one, or only repeat the kind written inside
 * its box, is left out for the next widest. */
static void draw_labels(FILE *f, const struct vma *vm, size_t nv, double y0)
{
	size_t ni = 0, *all = malloc((nv ? nv : 1) * sizeof(*all));
	double from[MAP_LABELS], to[MAP_LABELS];

	if (!all)
		return;		/* labels are a help; the tooltips hold the same */
	for (size_t k = 0; k < nv; k++)
		all[k] = k;
	sort_base = vm;
	qsort(all, nv, sizeof(*all), cmp_width);
	for (size_t r = 0; r < nv && ni < MAP_LABELS; r++) {
		const struct vma *m = &vm[all[r]];
		double cx = m->x + m->w / 2, half = CHAR_PX * (double)label_len(m) / 2;
		double a = fmax(LEFT, fmin(cx - half, HTML_W - 2 - 2 * half)), b = a + 2 * half;
		/* a kind alone that the box already shows inside says nothing new */
		bool clash = !m->path && in_box(m);

		for (size_t i = 0; i < ni && !clash; i++)
			clash = a < to[i] + 8 && b > from[i] - 8;
		if (clash)
			continue;
		from[ni] = a;
		to[ni] = b;
		ni++;
		fprintf(f, "<g class=\"vma-label\"><line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
			"y2=\"%.0f\" stroke=\"#555\"/><text x=\"%.1f\" y=\"%.0f\">", cx, y0 + 12, cx,
			y0 + LANE, a, y0 + 10);
		html_esc(f, m->kind[0] ? m->kind : "?");
		if (m->path) {
			fputc(' ', f);
			html_esc(f, base_name(m->path));
		}
		vma_title(f, m);
		fprintf(f, "</text></g>\n");
	}
	free(all);
}

/* Run r's row at y0: its name, the label lane, the boxes, the axis with an
 * address tick where a region starts (when there is room) and at the end. */
static void draw_row(FILE *f, const struct hrun *r, const struct vma *vm, size_t nv, double y0)
{
	double yb = y0 + LANE, last_label = -1e9;

	fprintf(f, "<text class=\"run-label\" x=\"0\" y=\"%.0f\" style=\"fill:%s\">", yb + 16,
		r->color);
	html_run_short(f, r);
	fprintf(f, "<title>");
	html_run_name(f, r);
	fprintf(f, "</title></text>\n");
	fprintf(f, "<g class=\"axis x-axis\"><line x1=\"%d\" y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\" "
		"stroke=\"#555\"/></g>\n", LEFT, yb + 32, HTML_W - HTML_PR, yb + 32);
	draw_labels(f, vm, nv, y0);
	for (size_t k = 0; k < nv; k++) {
		double x = vm[k].x;

		draw_vma(f, &vm[k], yb);
		if (starts_region(vm, k) && x - last_label >= 110 && x <= HTML_W - HTML_PR - 100) {
			fprintf(f, "<g class=\"tick\"><line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
				"y2=\"%.0f\"/><text x=\"%.1f\" y=\"%.0f\">0x%" PRIx64 "</text></g>\n",
				x, yb + 32, x, yb + 37, x, yb + 48, vm[k].start);
			last_label = x;
		}
	}
	if (nv)
		fprintf(f, "<g class=\"tick\"><line x1=\"%d\" y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\"/>"
			"<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">0x%" PRIx64 "</text></g>\n",
			HTML_W - HTML_PR, yb + 32, HTML_W - HTML_PR, yb + 37, HTML_W - HTML_PR,
			yb + 60, vm[nv - 1].end);
}

/* The axis label and the legend: the kinds' colours, then the boxes'. */
static void draw_legend(FILE *f, int h)
{
	fprintf(f, "<text class=\"axis-label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">virtual "
		"address (hex; box width: log of the VMA's size)</text>\n",
		(LEFT + HTML_W - HTML_PR) / 2, h - 30);
	fprintf(f, "<g class=\"legend\">");
	for (size_t k = 0; k < NKINDS; k++)
		fprintf(f, "<g class=\"legend-item\"><rect x=\"%d\" y=\"%d\" width=\"14\" "
			"height=\"8\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text></g>",
			LEFT + 90 * (int)k, h - 16, kinds[k].color, LEFT + 90 * (int)k + 18, h - 8,
			kinds[k].kind);
	fprintf(f, "<g class=\"legend-item\"><rect x=\"%d\" y=\"%d\" width=\"14\" height=\"8\" "
		"fill=\"#ccc\"/><rect x=\"%d\" y=\"%d\" width=\"14\" height=\"8\" "
		"fill=\"rgb(255,0,0)\"/><text x=\"%d\" y=\"%d\">no .. all faults fell back</text>"
		"</g></g>\n", LEFT + 90 * (int)NKINDS, h - 16, LEFT + 90 * (int)NKINDS + 15, h - 16,
		LEFT + 90 * (int)NKINDS + 34, h - 8);
}

int html_vma_strip(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs, size_t n,
		   struct report_syms *syms, struct fl_err *err)
{
	int h = ROW * (int)n + 64;

	fprintf(f, "<section id=\"vma-map\"><h2>Where faults fell back in the address space</h2>\n"
		"<p class=\"note\">Per run, the VMAs faults were placed in, in address order (up "
		"to %d per run: those with the most fallbacks, then the most faults).  A box's "
		"width grows with the log of the VMA's size; a gap in the address space is a "
		"space.  The band under the boxes is the VMA's kind (the legend below; its name "
		"inside a box wide enough), and the address where a region starts is written "
		"under it.  Over the widest boxes (up to %d), their kind and file: the store keeps VMA "
		"kinds, the files come from the trace's mappings, read again (not with "
		"--no-symbols).  Red: the share of the VMA's faults that fell back; grey: none.  "
		"Hover a box for its range, size, kind, file and numbers.</p>\n",
		MAP_VMAS, MAP_LABELS);
	html_svg_open(f, "vma-map-chart", "VMA map", HTML_W, h);
	for (size_t i = 0; i < n; i++) {
		struct fl_view_ctx v = { db, path, runs[i].run_id, runs[i].trace_id, MAP_VMAS };
		const struct fl_symbols *sym = syms ? report_symbols_for(syms, runs[i].trace_id,
									  runs[i].trace) : NULL;
		struct vma *vm = NULL;
		size_t nv = 0;
		int rc = load_vmas(&v, sym, &vm, &nv, err);

		if (rc < 0)
			return rc;
		place(vm, nv);
		draw_row(f, &runs[i], vm, nv, ROW * (double)i + 10);
		free(vm);
	}
	draw_legend(f, h);
	fprintf(f, "</svg></section>\n");
	return 0;
}
