/* analyze/table: text fitting the width (80, COLUMNS, --wide), columns
 * never cut, CSV quoting, JSON types, ns for people; one cell as text in
 * each form (the TUI's narrow cells too), cells compared as values. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/table.h"

static const struct fl_col cols[] = {
	{ "name", "name", FL_COL_TEXT, FL_COL_DASH | FL_COL_CUT },
	{ "n", "count", FL_COL_INT, 0 },
	{ "share_pct", "share", FL_COL_PCT, 0 },
	{ "t_ns", "time", FL_COL_NS, 0 },
	{ "addr", "address", FL_COL_HEX, 0 },
	{ "hidden", "", FL_COL_TEXT, FL_COL_NOTEXT },
};

static char *render(const struct fl_table *t, int what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fl_json j;

	if (what == 0) {
		fl_table_print_text(t, f, 2, false);
	} else if (what == 1) {
		fl_table_print_csv(t, f, true, "run,", "7,");
	} else {
		fl_json_init(&j, f);
		fl_json_obj_begin(&j, NULL);
		fl_table_json(t, &j, "rows");
		fl_json_obj_end(&j);
		fl_json_finish(&j);
	}
	fclose(f);
	return buf;
}

static void make(struct fl_table *t, const char *name)
{
	size_t r;

	fl_table_init(t, cols, sizeof(cols) / sizeof(cols[0]));
	r = fl_table_row(t);
	fl_table_str(t, r, 0, name);
	fl_table_int(t, r, 1, 42);
	fl_table_dbl(t, r, 2, 12.345);
	fl_table_int(t, r, 3, 1500);
	fl_table_int(t, r, 4, -4096);
	fl_table_str(t, r, 5, "a,\"b\"");
	r = fl_table_row(t);	/* all NULL but an empty name */
	fl_table_str(t, r, 0, "");
}

static void text(void **state)
{
	struct fl_table t;
	char *s;

	(void)state;
	make(&t, "short");
	s = render(&t, 0);
	/* Numbers right, text and addresses left, the last column unpadded,
	 * NULL and an empty FL_COL_DASH text as "-". */
	assert_string_equal(s, "  name   count   share     time  address\n"
			       "  short     42  12.35%  1.50 us  0xfffffffffffff000\n"
			       "  -          -       -        -  -\n");
	free(s);
	fl_table_free(&t);
}

static void text_fits_80(void **state)
{
	char longname[200];
	struct fl_table t;
	char *s, *line;
	int lines = 0;

	(void)state;
	unsetenv("COLUMNS");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	make(&t, longname);
	s = render(&t, 0);
	/* A cut table says so, on a line of its own. */
	assert_non_null(strstr(s, "  (cut to 80 columns; --wide shows it whole)\n"));
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		assert_true(strlen(line) <= FL_TABLE_WIDTH);
		lines++;
	}
	assert_int_equal(lines, 4);
	free(s);
	s = render(&t, 1);	/* CSV keeps it whole */
	assert_non_null(strstr(s, longname));
	free(s);
	fl_table_free(&t);
}

/* COLUMNS sets the width; --wide lifts it; a column not marked
 * FL_COL_CUT is never cut, whatever the width. */
static void text_width(void **state)
{
	static const struct fl_col keep[] = {
		{ "vma", "VMA", FL_COL_TEXT, 0 },
		{ "n", "count", FL_COL_INT, 0 },
	};
	char longname[151];
	struct fl_table t;
	char *s;

	(void)state;
	memset(longname, 'y', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	make(&t, longname);
	setenv("COLUMNS", "200", 1);
	assert_int_equal(fl_table_width(), 200);
	s = render(&t, 0);
	assert_non_null(strstr(s, longname));	/* fits 200 whole */
	assert_null(strstr(s, "cut to"));
	free(s);
	setenv("COLUMNS", "100", 1);
	s = render(&t, 0);
	assert_null(strstr(s, longname));
	assert_non_null(strstr(s, "(cut to 100 columns"));
	free(s);
	fl_table_set_wide(true);
	assert_int_equal(fl_table_width(), 0);
	s = render(&t, 0);
	assert_non_null(strstr(s, longname));
	free(s);
	fl_table_set_wide(false);
	fl_table_free(&t);

	fl_table_init(&t, keep, 2);
	fl_table_str(&t, fl_table_row(&t), 0, longname);
	s = render(&t, 0);
	assert_non_null(strstr(s, longname));
	assert_null(strstr(s, "cut to"));
	free(s);
	fl_table_truncate(&t, 0);
	assert_int_equal(t.nrows, 0);
	fl_table_free(&t);
	unsetenv("COLUMNS");
}

static void csv(void **state)
{
	struct fl_table t;
	char *s;

	(void)state;
	make(&t, "a b");
	s = render(&t, 1);
	assert_string_equal(s, "run,name,n,share_pct,t_ns,addr,hidden\n"
			       "7,a b,42,12.35,1500,0xfffffffffffff000,\"a,\"\"b\"\"\"\n"
			       "7,,,,,,\n");
	free(s);
	fl_table_free(&t);
}

static void json(void **state)
{
	struct fl_table t;
	char *s;

	(void)state;
	make(&t, "n");
	s = render(&t, 2);
	assert_non_null(strstr(s, "\"n\": 42"));
	assert_non_null(strstr(s, "\"share_pct\": 12.345"));
	assert_non_null(strstr(s, "\"addr\": \"0xfffffffffffff000\""));
	assert_non_null(strstr(s, "\"t_ns\": null"));
	assert_non_null(strstr(s, "\"hidden\": \"a,\\\"b\\\"\""));
	free(s);
	fl_table_free(&t);
}

static void ns(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 0), "0");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 850), "850 ns");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 12345), "12.3 us");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 4560000), "4.56 ms");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), -1230000000), "-1.23 s");
}

/* One cell of one column, as fl_table_text() gives it. */
static const char *cell_text(char *buf, size_t len, enum fl_col_kind kind, unsigned flags,
			     bool set, int64_t i, double d)
{
	static char keep[64];
	struct fl_col col = { "c", "c", kind, flags };
	struct fl_table t;
	size_t r;

	fl_table_init(&t, &col, 1);
	fl_time_fmt_init(&t.time, 1000, 5000, false);
	r = fl_table_row(&t);
	if (set && (kind == FL_COL_PCT || kind == FL_COL_RATIO))
		fl_table_dbl(&t, r, 0, d);
	else if (set)
		fl_table_int(&t, r, 0, i);
	snprintf(keep, sizeof(keep), "%s", fl_table_text(&t, r, 0, buf, len));
	fl_table_free(&t);
	return keep;
}

static void cell_forms(void **state)
{
	char b[64];

	(void)state;
	/* the report's forms */
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_NS, 0, true, 12345, 0), "12.3 us");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_PCT, 0, true, 0, 12.345), "12.35%");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_HEX, 0, true, 0x7f00, 0), "0x7f00");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, 0, true, -3, 0), "-3");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, 0, false, 0, 0), "-");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_TEXT, 0, false, 0, 0), "");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_SECS, 0, true, 1500000001, 0),
			    "1.500000001");
	/* the TUI's narrow cells */
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_NS, FL_COL_NARROW, true, 12345, 0),
			    "12.3us");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_NS, FL_COL_NARROW, true, 0, 0), "0ns");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_PCT, FL_COL_NARROW, true, 0, 12.34),
			    "12.3%");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_HEX, FL_COL_NARROW, true, 0x7f00, 0),
			    "7f00");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, FL_COL_SIGN, true, 3, 0), "+3");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, FL_COL_SIGN, true, 0, 0), "+0");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, FL_COL_SIGN, true, -2, 0), "-2");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, FL_COL_MARK, true, 12, 0), "#12");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_INT, FL_COL_MARK, false, 0, 0), "-");
	assert_string_equal(cell_text(b, sizeof(b), FL_COL_SECS, FL_COL_BLANK, false, 0, 0), "");
}

static void compare(void **state)
{
	static const struct fl_col c[] = {
		{ "n", "n", FL_COL_INT, 0 },
		{ "p", "p", FL_COL_PCT, 0 },
		{ "a", "a", FL_COL_HEX, 0 },
		{ "s", "s", FL_COL_TEXT, 0 },
	};
	struct fl_table t;
	size_t r0, r1;

	(void)state;
	fl_table_init(&t, c, 4);
	r0 = fl_table_row(&t);
	r1 = fl_table_row(&t);
	/* numbers as numbers: 9 < 10, which text would put the other way */
	fl_table_int(&t, r0, 0, 9);
	fl_table_int(&t, r1, 0, 10);
	assert_true(fl_cell_cmp(&c[0], fl_table_cell(&t, r0, 0), fl_table_cell(&t, r1, 0)) < 0);
	fl_table_dbl(&t, r0, 1, 2.5);
	fl_table_dbl(&t, r1, 1, 2.25);
	assert_true(fl_cell_cmp(&c[1], fl_table_cell(&t, r0, 1), fl_table_cell(&t, r1, 1)) > 0);
	/* addresses unsigned: the top of the space is the biggest */
	fl_table_int(&t, r0, 2, -4096);
	fl_table_int(&t, r1, 2, 0xfff);
	assert_true(fl_cell_cmp(&c[2], fl_table_cell(&t, r0, 2), fl_table_cell(&t, r1, 2)) > 0);
	fl_table_str(&t, r0, 3, "b");
	assert_true(fl_cell_cmp(&c[3], fl_table_cell(&t, r0, 3), fl_table_cell(&t, r1, 3)) > 0);
	assert_int_equal(fl_cell_cmp(&c[3], fl_table_cell(&t, r1, 3), fl_table_cell(&t, r1, 3)), 0);
	/* right-aligned: numbers; not: text, addresses */
	assert_true(fl_col_right(&c[0]) && fl_col_right(&c[1]));
	assert_false(fl_col_right(&c[2]) || fl_col_right(&c[3]));
	fl_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text),
		cmocka_unit_test(text_fits_80),
		cmocka_unit_test(text_width),
		cmocka_unit_test(csv),
		cmocka_unit_test(json),
		cmocka_unit_test(ns),
		cmocka_unit_test(cell_forms),
		cmocka_unit_test(compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
