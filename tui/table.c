/* table: the list model of every list view.  Rows keep their cells as text
 * in one arena and their numbers as sort keys; the filter (a substring of
 * any cell, case-insensitive) and the sort only rebuild the index of rows
 * shown, so both are cheap on tens of thousands of rows. */
#define _GNU_SOURCE		/* strcasestr */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "tui.h"

void tui_table_init(struct tui_table *t, const struct tui_col *cols, int ncols, int sort)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols > TUI_MAXCOLS ? TUI_MAXCOLS : ncols;
	memcpy(t->cols, cols, sizeof(*cols) * (size_t)t->ncols);
	t->sort = sort;
}

void tui_table_free(struct tui_table *t)
{
	free(t->rows);
	free(t->arena);
	free(t->vis);
	memset(t, 0, sizeof(*t));
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

struct tui_row *tui_table_add(struct tui_table *t, int64_t ref, int64_t ref2, double bar)
{
	struct tui_row *r;
	uint32_t empty;

	if (fl_array_grow((void **)&t->rows, &t->cap, t->n + 1, sizeof(*t->rows)) < 0)
		return NULL;
	if (t->alen == 0 && arena_put(t, "", 0, &empty) < 0)
		return NULL;
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));	/* every cell: offset 0, the empty string */
	r->ref = ref;
	r->ref2 = ref2;
	r->bar = bar;
	return r;
}

int tui_table_cell(struct tui_table *t, int col, int64_t num, const char *fmt, ...)
{
	char buf[256], clean[256];
	struct tui_row *r;
	va_list ap;

	if (!t->n || col < 0 || col >= t->ncols)
		return -EINVAL;
	r = &t->rows[t->n - 1];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tui_sanitize(clean, sizeof(clean), buf);
	r->num[col] = num;
	return arena_put(t, clean, strlen(clean), &r->cell[col]);
}

const char *tui_table_text(const struct tui_table *t, const struct tui_row *r, int col)
{
	return t->arena ? t->arena + r->cell[col] : "";
}

/* qsort has no context argument in C11: the table being sorted. */
static const struct tui_table *sorting;

static int cmp_rows(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct tui_row *ra = &sorting->rows[a], *rb = &sorting->rows[b];
	int c = sorting->sort;

	if (sorting->cols[c].kind == COL_TEXT) {
		int d = strcmp(tui_table_text(sorting, ra, c), tui_table_text(sorting, rb, c));

		if (d)
			return d;
	} else if (ra->num[c] != rb->num[c]) {
		return ra->num[c] > rb->num[c] ? -1 : 1;	/* biggest first */
	}
	/* ties: on the first other number column, then as read */
	for (int k = 0; k < sorting->ncols; k++)
		if (k != c && sorting->cols[k].kind == COL_NUM) {
			if (ra->num[k] != rb->num[k])
				return ra->num[k] > rb->num[k] ? -1 : 1;
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
		if (t->sort < 0 || t->cols[t->sort].title[0])
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
