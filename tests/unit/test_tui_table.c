/* tui/table: a list's rows as typed cells (analyze/table.h) shown as the
 * report formats them, in the TUI's narrow form; the sort compares values
 * (numbers as numbers, biggest first; names and addresses in order; a
 * change by its size), the filter and search the text shown. */
#include "unit.h"

#include "tui/tui.h"

enum { C_NAME, C_N, C_SHARE, C_BAR, C_LAT, C_ADDR, C_DELTA, C_WRITER, NCOLS };

static const struct tui_col cols[NCOLS] = {
	[C_NAME] = { .col = { "name", "name", FL_COL_TEXT, 0 }, .width = 8 },
	[C_N] = { .col = { "n", "count", FL_COL_INT, 0 }, .width = 5 },
	[C_SHARE] = { .col = { "share", "share", FL_COL_PCT, FL_COL_NARROW }, .width = 6 },
	[C_BAR] = { .col = { "bar", "", FL_COL_INT, 0 }, .width = 8, .bar = true },
	[C_LAT] = { .col = { "lat_ns", "lat", FL_COL_NS, FL_COL_NARROW }, .width = 7 },
	[C_ADDR] = { .col = { "address", "address", FL_COL_HEX, FL_COL_NARROW }, .width = 12 },
	[C_DELTA] = { .col = { "change", "B - A", FL_COL_INT, FL_COL_SIGN }, .width = 6,
		      .by_size = true },
	[C_WRITER] = { .col = { "writer", "writer", FL_COL_INT, FL_COL_MARK }, .width = 6 },
};

struct row {
	const char *name;
	int64_t n;
	double share;
	int64_t lat, addr, delta, writer;
};

/* 9 and 10, 0xfff and 0x1000: text order is not value order. */
static const struct row rows[] = {
	{ "beta", 9, 47.4, 12345, 0x1000, -7, 0 },
	{ "alpha\x01", 10, 52.6, 850, 0xfff, 3, 12 },
	{ "gamma", 10, 0.05, 0, 0x7f0000000000, 5, 3 },
};

static void build(struct tui_table *t)
{
	assert_int_equal(tui_table_init(t, cols, NCOLS, -1), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		assert_int_equal(tui_table_add(t, (int64_t)i, 0, (double)r->n / 10), 0);
		tui_table_str(t, C_NAME, r->name);
		tui_table_int(t, C_N, r->n);
		tui_table_dbl(t, C_SHARE, r->share);
		tui_table_int(t, C_LAT, r->lat);
		tui_table_int(t, C_ADDR, r->addr);
		tui_table_int(t, C_DELTA, r->delta);
		if (r->writer)
			tui_table_int(t, C_WRITER, r->writer);
	}
	assert_int_equal(tui_table_apply(t), 0);
}

/* The refs of the rows shown, in order: "0 1 2". */
static const char *order(const struct tui_table *t)
{
	static char buf[64];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->nvis; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%lld", i ? " " : "",
					(long long)t->rows[t->vis[i]].ref);
	return buf;
}

static void text(void **state)
{
	struct tui_table t;

	(void)state;
	build(&t);
	assert_string_equal(order(&t), "0 1 2");
	assert_string_equal(tui_table_text(&t, &t.rows[0], C_NAME), "beta");
	/* printable ASCII only */
	assert_string_equal(tui_table_text(&t, &t.rows[1], C_NAME), "alpha?");
	assert_string_equal(tui_table_text(&t, &t.rows[0], C_N), "9");
	assert_string_equal(tui_table_text(&t, &t.rows[0], C_SHARE), "47.4%");
	assert_string_equal(tui_table_text(&t, &t.rows[0], C_BAR), "");
	assert_string_equal(tui_table_text(&t, &t.rows[0], C_LAT), "12.3us");
	assert_string_equal(tui_table_text(&t, &t.rows[2], C_LAT), "0ns");
	assert_string_equal(tui_table_text(&t, &t.rows[2], C_ADDR), "7f0000000000");
	assert_string_equal(tui_table_text(&t, &t.rows[1], C_DELTA), "+3");
	assert_string_equal(tui_table_text(&t, &t.rows[1], C_WRITER), "#12");
	assert_string_equal(tui_table_text(&t, &t.rows[0], C_WRITER), "-");
	assert_int_equal(tui_table_value(&t, &t.rows[2], C_N)->i, 10);
	tui_table_free(&t);
}

static void sort(void **state)
{
	struct tui_table t;

	(void)state;
	build(&t);
	/* numbers biggest first, a tie on the next quantity (share) */
	t.sort = C_N;
	tui_table_apply(&t);
	assert_string_equal(order(&t), "1 2 0");
	/* names in order */
	t.sort = C_NAME;
	tui_table_apply(&t);
	assert_string_equal(order(&t), "1 0 2");
	/* addresses in order of value: 0xfff before 0x1000 */
	t.sort = C_ADDR;
	tui_table_apply(&t);
	assert_string_equal(order(&t), "1 0 2");
	/* a change by its size: -7 first */
	t.sort = C_DELTA;
	tui_table_apply(&t);
	assert_string_equal(order(&t), "0 2 1");
	/* a writer not named last */
	t.sort = C_WRITER;
	tui_table_apply(&t);
	assert_string_equal(order(&t), "1 2 0");
	/* s walks the titled columns, never the bar, then as read */
	t.sort = C_SHARE;
	tui_table_next_sort(&t);
	assert_int_equal(t.sort, C_LAT);
	t.sort = C_WRITER;
	tui_table_next_sort(&t);
	assert_int_equal(t.sort, -1);
	tui_table_free(&t);
}

static void filter_search(void **state)
{
	struct tui_table t;
	bool wrapped;

	(void)state;
	build(&t);
	/* the text shown: "12.3us", any case */
	snprintf(t.filter, sizeof(t.filter), "3US");
	tui_table_apply(&t);
	assert_string_equal(order(&t), "0");
	/* the cursor stays on its row */
	t.filter[0] = '\0';
	tui_table_apply(&t);
	assert_int_equal(t.cur, 0);
	t.cur = 2;
	assert_int_equal(tui_table_search(&t, "#12", 2, 1, &wrapped), 1);
	assert_true(wrapped);
	assert_int_equal(tui_table_search(&t, "gam", 0, 1, &wrapped), 2);
	assert_false(wrapped);
	assert_int_equal(tui_table_search(&t, "nowhere", 0, 1, &wrapped), -1);
	tui_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text),
		cmocka_unit_test(sort),
		cmocka_unit_test(filter_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
