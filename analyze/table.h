/* table: the one shape every report, diff and export view, and every list
 * of the TUI, is built as, and its renderings.
 *
 * A view is a list of named columns and rows of cells.  The column names
 * are the stable names programs read (CSV header, JSON keys); the labels
 * are what people read.  The same table prints as
 *   - text: aligned, numbers right and text left, two spaces between
 *     columns, fit to the terminal's width (fl_table_width()): only the
 *     columns marked FL_COL_CUT (names of threads, kinds, lists) lose
 *     their tail, marked "...", and a line under a cut table says so;
 *     addresses, VMA ranges, paths and cause names are never cut; the
 *     header bold when colour is on;
 *   - CSV (RFC 4180), a header line of the column names;
 *   - JSON, an array of objects keyed by the column names, NULL as null;
 *   - one cell as text for people (fl_table_text()), what the text table
 *     prints and what the TUI's lists show (tui/table.c).
 */
#ifndef FL_TABLE_H
#define FL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "fl_fmt.h"
#include "fl_json.h"

/* The width when neither COLUMNS nor a terminal says otherwise. */
#define FL_TABLE_WIDTH 80

enum fl_col_kind {
	FL_COL_TEXT,	/* left-aligned; may be cut in text */
	FL_COL_INT,	/* int64 */
	FL_COL_PCT,	/* a percentage (double): "12.34%" in text, 12.34 otherwise */
	FL_COL_RATIO,	/* a ratio 0..1 (double): "95.00%" in text, 0.95 otherwise */
	FL_COL_NS,	/* int64 ns: "12.3 us" in text, the integer otherwise */
	FL_COL_HEX,	/* an address: 0x... (a string in JSON) */
	FL_COL_SECS,	/* int64 ns since the trace's first event: in text as the
			 * table's time says ("1.234567891" or a time of day) */
};

/* Column flags. */
enum {
	FL_COL_NOTEXT = 1,	/* in CSV and JSON only: the text table has no room */
	FL_COL_DASH = 2,	/* text: an empty string prints as "-" */
	FL_COL_CUT = 4,		/* text: may lose its tail to fit the width */
	/* The narrow form of the TUI's cells, in text only: NS without the
	 * space before the unit ("12.3us", "0ns"), PCT with one decimal
	 * ("12.3%"), HEX without "0x" ("7f12345000"). */
	FL_COL_NARROW = 8,
	FL_COL_SIGN = 16,	/* INT, text: a change, signed ("+3", "-2", "+0") */
	FL_COL_MARK = 32,	/* INT, text: an id marked "#12" (writers) */
	FL_COL_BLANK = 64,	/* text: NULL prints as nothing rather than "-" */
	/* In JSON only (with FL_COL_NOTEXT): a column added to a table whose
	 * CSV columns stay as they were. */
	FL_COL_JSON_ONLY = 128,
};

struct fl_col {
	const char *name;	/* stable: CSV header, JSON key */
	const char *label;	/* for people (text header) */
	enum fl_col_kind kind;
	unsigned flags;
};

struct fl_cell {
	bool set;		/* false: NULL */
	int64_t i;
	double d;
	char *s;
};

struct fl_table {
	const struct fl_col *cols;
	size_t ncols;
	struct fl_cell *cells;	/* nrows * ncols, row-major */
	size_t nrows, cap;
	bool oom;		/* an allocation failed: the table is short */
	/* How FL_COL_SECS prints in text; fl_table_init(): seconds since
	 * the first event. */
	struct fl_time_fmt time;
};

void fl_table_init(struct fl_table *t, const struct fl_col *cols, size_t ncols);
void fl_table_free(struct fl_table *t);
/* A new row of NULL cells; its index, or (size_t)-1 when out of memory. */
size_t fl_table_row(struct fl_table *t);
void fl_table_int(struct fl_table *t, size_t row, size_t col, int64_t v);
void fl_table_dbl(struct fl_table *t, size_t row, size_t col, double v);
void fl_table_str(struct fl_table *t, size_t row, size_t col, const char *s);
/* Appends one row per result row of st, column i of the result to column i
 * of the table (NULL stays NULL; TEXT columns take text, the others
 * integers or, for PCT and RATIO, doubles).  Returns sqlite3_step()'s last
 * code (SQLITE_DONE on success); resets st. */
int fl_table_fill(struct fl_table *t, sqlite3_stmt *st);
const struct fl_cell *fl_table_cell(const struct fl_table *t, size_t row, size_t col);

/* Cell (row, col) as text for people, as the text table prints it before
 * escaping: the column's kind and flags say how (NULL: "" in a TEXT
 * column or with FL_COL_BLANK, else "-"; FL_COL_DASH: "" too prints "-").
 * Returns buf, or the cell's own string for TEXT. */
const char *fl_table_text(const struct fl_table *t, size_t row, size_t col, char *buf,
			  size_t len);
/* Whether a column is printed right-aligned: numbers are, text and
 * addresses are not. */
bool fl_col_right(const struct fl_col *col);
/* Compare two cells of column col as values: numbers as numbers, text by
 * strcmp, NULL before any value.  <0, 0 or >0. */
int fl_cell_cmp(const struct fl_col *col, const struct fl_cell *a, const struct fl_cell *b);

/* Whether stdout gets colour: a terminal, and NO_COLOR unset or empty
 * (https://no-color.org). */
bool fl_colour_stdout(void);

/* The width text tables fit: COLUMNS when it is a number, else the width
 * of the terminal on stdout, else FL_TABLE_WIDTH; 0 (no limit) after
 * fl_table_set_wide(true) (--wide). */
size_t fl_table_width(void);
void fl_table_set_wide(bool wide);
/* Keep the first n rows only (a --top K cut made after counting). */
void fl_table_truncate(struct fl_table *t, size_t n);

/* Text: indent spaces before each line, fit to fl_table_width().  Returns
 * true when a column was cut (a line after the table says so). */
bool fl_table_print_text(const struct fl_table *t, FILE *out, int indent, bool colour);
/* CSV; with header the first line names the columns.  prefix, when not
 * NULL, is written before every line (e.g. "3,pervma," to key rows by run);
 * prefix_names before the header's. */
void fl_table_print_csv(const struct fl_table *t, FILE *out, bool header,
			const char *prefix_names, const char *prefix);
/* JSON: an array of row objects under key. */
void fl_table_json(const struct fl_table *t, struct fl_json *j, const char *key);

/* One CSV field, quoted when it holds a comma, a quote or a line break. */
void fl_csv_field(FILE *out, const char *s);

#endif
