/* table: the list state of every list view, over rows held as a struct
 * fl_table (analyze/table.h).  The cells are typed; sorting compares them
 * as values (numbers as numbers).  Each row's cells are rendered once, as
 * fl_table_text() formats them, into one arena: the filter (a substring of
 * any cell, case-insensitive) and the sort only rebuild the index of rows
 * shown, so both are cheap on tens of thousands of rows. */
#define _GNU_SOURCE		/* strcasestr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "tui.h"

int tui_table_init(struct tui_table *t, const struct tui_col *cols, int ncols, int sort)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols > TUI_MAXCOLS ? TUI_MAXCOLS : ncols < 0 ? 0 : ncols;
	memcpy(t->cols, cols, sizeof(*cols) * (size_t)t->ncols);
	t->fcols = calloc((size_t)t->ncols + 1, sizeof(*t->fcols));
	if (!t->fcols)
		return -ENOMEM;
	for (int c = 0; c < t->ncols; c++)
		t->fcols[c] = cols[c].col;
	fl_table_init(&t->cells, t->fcols, (size_t)t->ncols);
	t->sort = sort;
	return 0;
}

void tui_table_free(struct tui_table *t)
{
	fl_table_free(&t->cells);
	free(t->fcols);
	free(t->rows);
	free(t->text);
	free(t->arena);
	free(t->vis);
	memset(t, 0, sizeof(*t));
}

int tui_table_add(struct tui_table *t, int64_t ref, int64_t ref2, double bar)
{
	struct tui_row *r;

	if (fl_array_grow((void **)&t->rows, &t->cap, t->n + 1, sizeof(*t->rows)) < 0)
		return -ENOMEM;
	if (fl_table_row(&t->cells) == (size_t)-1)
		return -ENOMEM;
	r = &t->rows[t->n++];
	r->ref = ref;
	r->ref2 = ref2;
	r->bar = bar;
	return 0;
}

/* The last row, or (size_t)-1 before the first. */
static size_t last(const struct tui_table *t)
{
	return t->n ? t->n - 1 : (size_t)-1;
}

void tui_table_int(struct tui_table *t, int col, int64_t v)
{
	fl_table_int(&t->cells, last(t), (size_t)col, v);
}

void tui_table_dbl(struct tui_table *t, int col, double v)
{
	fl_table_dbl(&t->cells, last(t), (size_t)col, v);
}

void tui_table_str(struct tui_table *t, int col, const char *s)
{
	fl_table_str(&t->cells, last(t), (size_t)col, s);
}

static int arena_put(struct tui_table *t, const char *s, size_t n, uint32_t *off)
{
	if (t->alen + n + 1 > UINT32_MAX)
		return -ENOMEM;
	if (fl_array_grow((void **)&t->arena, &t->acap, t->alen + n + 1, 1) < 0)
		return -ENOMEM;
	memcpy(t->arena + t->alen, s, n);
	t->arena[t->alen + n] = '\0';
	*off = (uint32_t)t->alen;
	t->alen += n + 1;
	return 0;
}

/* The shown text of the rows added since the last call: each cell as the
 * report formats it, printable ASCII only, at most 255 characters (the
 * rest is on the status line's full text no more than on the screen). */
static int render(struct tui_table *t)
{
	size_t nc = (size_t)t->ncols;
	uint32_t empty = 0;

	if (t->ntext == t->n)
		return 0;
	if (fl_array_grow((void **)&t->text, &t->text_cap, t->n * nc + 1, sizeof(*t->text)) < 0)
		return -ENOMEM;
	if (t->alen == 0 && arena_put(t, "", 0, &empty) < 0)
		return -ENOMEM;
	for (; t->ntext < t->n; t->ntext++)
		for (size_t c = 0; c < nc; c++) {
			uint32_t *off = &t->text[t->ntext * nc + c];
			char buf[64], clean[256];

			*off = 0;	/* offset 0: the empty string */
			if (t->cols[c].bar)
				continue;
			tui_sanitize(clean, sizeof(clean),
				     fl_table_text(&t->cells, t->ntext, c, buf, sizeof(buf)));
			if (clean[0] && arena_put(t, clean, strlen(clean), off) < 0)
				return -ENOMEM;
		}
	return 0;
}

const struct fl_cell *tui_table_value(const struct tui_table *t, const struct tui_row *r,
				      int col)
{
	return col < 0 ? NULL : fl_table_cell(&t->cells, (size_t)(r - t->rows), (size_t)col);
}

const char *tui_table_text(const struct tui_table *t, const struct tui_row *r, int col)
{
	size_t i = (size_t)(r - t->rows);

	if (i >= t->ntext || col < 0 || col >= t->ncols)
		return "";
	return t->arena + t->text[i * (size_t)t->ncols + (size_t)col];
}

/* qsort has no context argument in C11: the table being sorted. */
static const struct tui_table *sorting;

/* Cells of column c compared as values: a change by its size. */
static int cmp_cells(const struct tui_table *t, int c, size_t a, size_t b)
{
	const struct fl_cell *ca = fl_table_cell(&t->cells, a, (size_t)c);
	const struct fl_cell *cb = fl_table_cell(&t->cells, b, (size_t)c);

	if (t->cols[c].by_size && ca->set && cb->set) {
		uint64_t ma = ca->i < 0 ? (uint64_t)0 - (uint64_t)ca->i : (uint64_t)ca->i;
		uint64_t mb = cb->i < 0 ? (uint64_t)0 - (uint64_t)cb->i : (uint64_t)cb->i;

		return ma < mb ? -1 : ma > mb;
	}
	return fl_cell_cmp(&t->cols[c].col, ca, cb);
}

/* A column of quantities: right-aligned, sorted biggest first. */
static bool quantity(const struct tui_col *col)
{
	return !col->bar && fl_col_right(&col->col);
}

static int cmp_rows(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = sorting->sort, d = cmp_cells(sorting, c, a, b);

	/* names and addresses in their order, quantities biggest first */
	if (d)
		return fl_col_right(&sorting->cols[c].col) ? -d : d;
	/* ties: on the first other quantity, then as read */
	for (int k = 0; k < sorting->ncols; k++)
		if (k != c && quantity(&sorting->cols[k])) {
			d = cmp_cells(sorting, k, a, b);
			if (d)
				return -d;
			break;
		}
	return a < b ? -1 : a > b;
}

bool tui_table_row_has(const struct tui_table *t, const struct tui_row *r, const char *pat)
{
	if (!pat[0])
		return true;
	for (int c = 0; c < t->ncols; c++)
		if (strcasestr(tui_table_text(t, r, c), pat))
			return true;
	return false;
}

static bool row_matches(const struct tui_table *t, const struct tui_row *r)
{
	return tui_table_row_has(t, r, t->filter);
}

long tui_table_search(const struct tui_table *t, const char *pat, size_t from, int dir,
		      bool *wrapped)
{
	*wrapped = false;
	if (!t->nvis || !pat[0])
		return -1;
	if (from >= t->nvis)
		from = 0;
	for (size_t k = 0, i = from; k < t->nvis; k++) {
		if (tui_table_row_has(t, &t->rows[t->vis[i]], pat))
			return (long)i;
		if (dir < 0 && i == 0) {
			i = t->nvis - 1;
			*wrapped = true;
		} else if (dir > 0 && i + 1 == t->nvis) {
			i = 0;
			*wrapped = true;
		} else {
			i = dir < 0 ? i - 1 : i + 1;
		}
	}
	return -1;
}

int tui_table_apply(struct tui_table *t)
{
	size_t keep = SIZE_MAX, cap = t->n ? t->n : 1;
	size_t *vis;

	if (t->cells.oom || render(t) < 0)
		return -ENOMEM;
	if (t->cur < t->nvis)
		keep = t->vis[t->cur];
	vis = realloc(t->vis, cap * sizeof(*vis));
	if (!vis)
		return -ENOMEM;
	t->vis = vis;
	t->nvis = 0;
	for (size_t i = 0; i < t->n; i++)
		if (row_matches(t, &t->rows[i]))
			t->vis[t->nvis++] = i;
	if (t->sort >= 0 && t->sort < t->ncols) {
		sorting = t;
		qsort(t->vis, t->nvis, sizeof(*t->vis), cmp_rows);
		sorting = NULL;
	}
	t->cur = 0;
	for (size_t i = 0; i < t->nvis; i++)
		if (t->vis[i] == keep) {
			t->cur = i;
			break;
		}
	if (t->top > t->cur)
		t->top = t->cur;
	return 0;
}

void tui_table_next_sort(struct tui_table *t)
{
	for (int i = 0; i <= t->ncols; i++) {
		t->sort = t->sort + 1 >= t->ncols ? -1 : t->sort + 1;
		if (t->sort < 0 || (t->cols[t->sort].col.label[0] && !t->cols[t->sort].bar))
			break;
	}
}

const struct tui_row *tui_table_current(const struct tui_table *t)
{
	return t->cur < t->nvis ? &t->rows[t->vis[t->cur]] : NULL;
}

void tui_table_move(struct tui_table *t, long delta)
{
	long cur = (long)t->cur + delta;

	if (cur >= (long)t->nvis)
		cur = (long)t->nvis - 1;
	if (cur < 0)
		cur = 0;
	t->cur = (size_t)cur;
}

void tui_table_home(struct tui_table *t, bool end)
{
	t->cur = end && t->nvis ? t->nvis - 1 : 0;
}

void tui_table_scroll(struct tui_table *t, size_t h)
{
	if (!h)
		h = 1;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + h)
		t->top = t->cur - h + 1;
	if (t->nvis <= h)
		t->top = 0;
	else if (t->top > t->nvis - h)
		t->top = t->nvis - h;
}
