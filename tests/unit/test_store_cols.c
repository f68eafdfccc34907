/* analyze/store_read: a column's text, NULL as "", copied whole or cut. */
#include "unit.h"

#include <stdlib.h>

#include "analyze/store_read.h"

static void columns(void **state)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char buf[4], *s;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 'hello', NULL, 42", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	s = fl_store_col_dup(st, 0);
	assert_string_equal(s, "hello");
	free(s);
	s = fl_store_col_dup(st, 1);
	assert_string_equal(s, "");
	free(s);
	s = fl_store_col_dup(st, 2);
	assert_string_equal(s, "42");
	free(s);
	fl_store_col_copy(buf, sizeof(buf), st, 0);
	assert_string_equal(buf, "hel");
	fl_store_col_copy(buf, sizeof(buf), st, 1);
	assert_string_equal(buf, "");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
