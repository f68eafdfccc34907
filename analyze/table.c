/* table: views as rows of named columns, printed as text, CSV or JSON. */
#include "table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fl_array.h"
#include "fl_escape.h"

void fl_table_init(struct fl_table *t, const struct fl_col *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

void fl_table_free(struct fl_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].s);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

size_t fl_table_row(struct fl_table *t)
{
	size_t need = (t->nrows + 1) * t->ncols;

	if (fl_array_grow((void **)&t->cells, &t->cap, need, sizeof(*t->cells)) < 0) {
		t->oom = true;
		return (size_t)-1;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	return t->nrows++;
}

static struct fl_cell *cell(struct fl_table *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	return &t->cells[row * t->ncols + col];
}

const struct fl_cell *fl_table_cell(const struct fl_table *t, size_t row, size_t col)
{
	return cell((struct fl_table *)t, row, col);
}

void fl_table_int(struct fl_table *t, size_t row, size_t col, int64_t v)
{
	struct fl_cell *c = cell(t, row, col);

	if (c) {
		c->set = true;
		c->i = v;
		c->d = (double)v;
	}
}

void fl_table_dbl(struct fl_table *t, size_t row, size_t col, double v)
{
	struct fl_cell *c = cell(t, row, col);

	if (c) {
		c->set = true;
		c->d = v;
		c->i = (int64_t)v;
	}
}

void fl_table_str(struct fl_table *t, size_t row, size_t col, const char *s)
{
	struct fl_cell *c = cell(t, row, col);

	if (!c)
		return;
	free(c->s);
	c->s = strdup(s ? s : "");
	c->set = c->s != NULL;
	if (!c->s)
		t->oom = true;
}

int fl_table_fill(struct fl_table *t, sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t r = fl_table_row(t);
		int n = sqlite3_column_count(st);

		if (r == (size_t)-1)
			break;
		for (size_t c = 0; c < t->ncols && (int)c < n; c++) {
			if (sqlite3_column_type(st, (int)c) == SQLITE_NULL)
				continue;
			switch (t->cols[c].kind) {
			case FL_COL_TEXT:
				fl_table_str(t, r, c, (const char *)sqlite3_column_text(st, (int)c));
				break;
			case FL_COL_PCT:
			case FL_COL_RATIO:
				fl_table_dbl(t, r, c, sqlite3_column_double(st, (int)c));
				break;
			default:
				fl_table_int(t, r, c, sqlite3_column_int64(st, (int)c));
				break;
			}
		}
	}
	sqlite3_reset(st);
	return rc;
}

static bool table_wide;

void fl_table_set_wide(bool wide)
{
	table_wide = wide;
}

size_t fl_table_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;

	if (table_wide)
		return 0;
	/* COLUMNS first, as ls and git do: it lets a pipe keep a width. */
	if (env && env[0]) {
		char *end;
		long v;

		errno = 0;
		v = strtol(env, &end, 10);
		if (!errno && !*end && v >= 20 && v <= 100000)
			return (size_t)v;
	}
	if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= 20)
		return ws.ws_col;
	return FL_TABLE_WIDTH;
}

void fl_table_truncate(struct fl_table *t, size_t n)
{
	if (n >= t->nrows)
		return;
	for (size_t i = n * t->ncols; i < t->nrows * t->ncols; i++) {
		free(t->cells[i].s);
		t->cells[i].s = NULL;
	}
	t->nrows = n;
}

bool fl_colour_stdout(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && nc[0])
		return false;
	return isatty(STDOUT_FILENO) == 1;
}

/* Column c's label for people.  A time column's "(s)" goes with
 * --abs-time, whose times of day are not seconds. */
static const char *label_of(const struct fl_table *t, size_t c, char *buf, size_t len)
{
	const char *l = t->cols[c].label;
	size_t n = strlen(l);

	if (t->cols[c].kind != FL_COL_SECS || !t->time.abs || n < 4 || n >= len ||
	    strcmp(l + n - 4, " (s)"))
		return l;
	snprintf(buf, len, "%.*s", (int)(n - 4), l);
	return buf;
}

/* A cell as text for people. */
static const char *text_of(const struct fl_col *col, const struct fl_cell *c,
			   const struct fl_time_fmt *time, char *buf, size_t len)
{
	bool narrow = col->flags & FL_COL_NARROW;

	if (!c->set)
		return (col->kind == FL_COL_TEXT && !(col->flags & FL_COL_DASH)) ||
		       (col->flags & FL_COL_BLANK) ? "" : "-";
	switch (col->kind) {
	case FL_COL_TEXT:
		return c->s[0] || !(col->flags & FL_COL_DASH) ? c->s : "-";
	case FL_COL_INT:
		snprintf(buf, len, col->flags & FL_COL_SIGN ? "%+" PRId64 :
				   col->flags & FL_COL_MARK ? "#%" PRId64 : "%" PRId64, c->i);
		break;
	case FL_COL_PCT:
		snprintf(buf, len, narrow ? "%.1f%%" : "%.2f%%", c->d);
		break;
	case FL_COL_RATIO:
		snprintf(buf, len, "%.2f%%", 100.0 * c->d);
		break;
	case FL_COL_NS:
		fl_fmt_duration(buf, len, c->i, narrow ? FL_FMT_COMPACT : FL_FMT_SPACED);
		break;
	case FL_COL_HEX:
		snprintf(buf, len, narrow ? "%" PRIx64 : "0x%" PRIx64, (uint64_t)c->i);
		break;
	case FL_COL_SECS:	/* s with ns, exact: no double rounding */
		fl_fmt_since(buf, len, time, c->i);
		break;
	}
	return buf;
}

const char *fl_table_text(const struct fl_table *t, size_t row, size_t col, char *buf,
			  size_t len)
{
	const struct fl_cell *c = fl_table_cell(t, row, col);

	if (!c)
		return "";
	return text_of(&t->cols[col], c, &t->time, buf, len);
}

/* A cell as text for programs (CSV); NULL is "". */
static const char *value_of(const struct fl_col *col, const struct fl_cell *c, char *buf,
			    size_t len)
{
	if (!c->set)
		return "";
	switch (col->kind) {
	case FL_COL_TEXT:
		return c->s;
	case FL_COL_PCT:
		snprintf(buf, len, "%.2f", c->d);
		break;
	case FL_COL_RATIO:
		snprintf(buf, len, "%.6f", c->d);
		break;
	case FL_COL_HEX:
		snprintf(buf, len, "0x%" PRIx64, (uint64_t)c->i);
		break;
	default:
		snprintf(buf, len, "%" PRId64, c->i);
		break;
	}
	return buf;
}

bool fl_col_right(const struct fl_col *col)
{
	return col->kind != FL_COL_TEXT && col->kind != FL_COL_HEX;
}

int fl_cell_cmp(const struct fl_col *col, const struct fl_cell *a, const struct fl_cell *b)
{
	if (!a->set || !b->set)
		return (int)a->set - (int)b->set;
	switch (col->kind) {
	case FL_COL_TEXT:
		return strcmp(a->s, b->s);
	case FL_COL_PCT:
	case FL_COL_RATIO:
		return a->d < b->d ? -1 : a->d > b->d;
	case FL_COL_HEX:	/* addresses: unsigned */
		return (uint64_t)a->i < (uint64_t)b->i ? -1 : (uint64_t)a->i > (uint64_t)b->i;
	default:
		return a->i < b->i ? -1 : a->i > b->i;
	}
}

bool fl_table_print_text(const struct fl_table *t, FILE *out, int indent, bool colour)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
	size_t limit = fl_table_width();
	bool cut = false;
	char buf[64];
	size_t total;

	if (!w)
		return false;
	for (size_t c = 0; c < t->ncols; c++) {
		if (t->cols[c].flags & FL_COL_NOTEXT)
			continue;
		w[c] = strlen(label_of(t, c, buf, sizeof(buf)));
		for (size_t r = 0; r < t->nrows; r++) {
			char *owned;
			const struct fl_cell *cell = &t->cells[r * t->ncols + c];
			size_t n = strlen(fl_escape_str(text_of(&t->cols[c], cell, &t->time, buf,
								sizeof(buf)), &owned));
			free(owned);
			if (n > w[c])
				w[c] = n;
		}
	}
	/* Fit the width: shorten the widest column that may be cut, a column
	 * at a time, never below its label or 8 characters.  What identifies
	 * a row (an address, a range, a path, a cause) is never cut: a
	 * table too wide without it is printed wide. */
	for (;;) {
		size_t shown = 0, widest = (size_t)-1;

		total = (size_t)indent;
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->cols[c].flags & FL_COL_NOTEXT)
				continue;
			total += w[c] + (shown++ ? 2 : 0);
			if (t->cols[c].kind == FL_COL_TEXT && (t->cols[c].flags & FL_COL_CUT) &&
			    w[c] > 8 && w[c] > strlen(label_of(t, c, buf, sizeof(buf))) &&
			    (widest == (size_t)-1 || w[c] > w[widest]))
				widest = c;
		}
		if (!limit || total <= limit || widest == (size_t)-1)
			break;
		w[widest] -= total - limit < w[widest] - 8 ? total - limit : 1;
		cut = true;
	}
	for (long r = -1; r < (long)t->nrows; r++) {
		bool first = true;
		/* The line without trailing blanks: the last column is padded
		 * only when something follows it. */
		size_t last = 0;

		for (size_t c = 0; c < t->ncols; c++)
			if (!(t->cols[c].flags & FL_COL_NOTEXT))
				last = c;
		fprintf(out, "%*s", indent, "");
		if (r < 0 && colour)
			fputs("\033[1m", out);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct fl_col *col = &t->cols[c];
			const char *s;
			char *owned = NULL;
			const struct fl_cell *cell = r < 0 ? NULL : &t->cells[(size_t)r * t->ncols + c];
			size_t n;

			if (col->flags & FL_COL_NOTEXT)
				continue;
			/* Texts from the trace (comm, paths) escaped: never a
			 * terminal control sequence. */
			if (r < 0)
				s = label_of(t, c, buf, sizeof(buf));
			else
				s = fl_escape_str(text_of(col, cell, &t->time, buf, sizeof(buf)),
						  &owned);
			n = strlen(s);
			if (!first)
				fputs("  ", out);
			first = false;
			if (n > w[c]) {	/* only FL_COL_CUT columns are ever cut */
				fprintf(out, "%.*s...", (int)(w[c] - 3), s);
			} else if (fl_col_right(col)) {
				fprintf(out, "%*s", (int)w[c], s);
			} else if (c == last) {
				fputs(s, out);
			} else {
				fprintf(out, "%-*s", (int)w[c], s);
			}
			free(owned);
		}
		if (r < 0 && colour)
			fputs("\033[0m", out);
		fputc('\n', out);
	}
	if (cut)
		fprintf(out, "%*s(cut to %zu columns; --wide shows it whole)\n", indent, "", limit);
	free(w);
	return cut;
}

void fl_csv_field(FILE *out, const char *raw)
{
	/* Control characters escaped as in tables (a CSV is read on
	 * terminals too); then RFC 4180: a field with a comma, a quote, CR or
	 * LF is quoted, its quotes doubled. */
	char *owned;
	const char *s = fl_escape_str(raw, &owned);

	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	free(owned);
}

void fl_table_print_csv(const struct fl_table *t, FILE *out, bool header,
			const char *prefix_names, const char *prefix)
{
	char buf[64];

	if (header) {
		if (prefix_names)
			fputs(prefix_names, out);
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->cols[c].flags & FL_COL_JSON_ONLY)
				continue;
			if (c)
				fputc(',', out);
			fputs(t->cols[c].name, out);
		}
		fputc('\n', out);
	}
	for (size_t r = 0; r < t->nrows; r++) {
		if (prefix)
			fputs(prefix, out);
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->cols[c].flags & FL_COL_JSON_ONLY)
				continue;
			if (c)
				fputc(',', out);
			fl_csv_field(out, value_of(&t->cols[c], &t->cells[r * t->ncols + c], buf,
						   sizeof(buf)));
		}
		fputc('\n', out);
	}
}

void fl_table_json(const struct fl_table *t, struct fl_json *j, const char *key)
{
	char buf[32];

	fl_json_arr_begin(j, key);
	for (size_t r = 0; r < t->nrows; r++) {
		fl_json_obj_begin(j, NULL);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct fl_col *col = &t->cols[c];
			const struct fl_cell *v = &t->cells[r * t->ncols + c];

			if (!v->set) {
				fl_json_null(j, col->name);
				continue;
			}
			switch (col->kind) {
			case FL_COL_TEXT:
				fl_json_str(j, col->name, v->s);
				break;
			case FL_COL_PCT:
			case FL_COL_RATIO:
				fl_json_double(j, col->name, v->d);
				break;
			case FL_COL_HEX:
				snprintf(buf, sizeof(buf), "0x%" PRIx64, (uint64_t)v->i);
				fl_json_str(j, col->name, buf);
				break;
			default:
				fl_json_i64(j, col->name, v->i);
				break;
			}
		}
		fl_json_obj_end(j);
	}
	fl_json_arr_end(j);
}
