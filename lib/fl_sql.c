/* SQLite helpers shared by the store's writer and its readers (fl_sql.h). */
#include "fl_sql.h"

#include <stddef.h>
#include <unistd.h>

enum fl_sql_rc fl_sql_rank_value(sqlite3 *db, const char *asc, const char *desc, int64_t key,
				  int64_t n, int64_t k, int64_t *out)
{
	/* An OFFSET walks its rows one by one: from the nearer end it walks
	 * at most half the run's index entries. */
	int top = !asc || k >= n / 2;
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	if (sqlite3_prepare_v2(db, top ? desc : asc, -1, &s, NULL) != SQLITE_OK)
		return FL_SQL_PREPARE;
	sqlite3_bind_int64(s, 1, key);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_count(s), top ? n - 1 - k : k);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FL_SQL_OK : FL_SQL_STEP;
}

bool fl_sql_schema_has_column(sqlite3 *db, const char *schema, const char *table,
			      const char *column)
{
	sqlite3_stmt *s;
	bool found;

	/* pragma_table_info's schema argument, NULL (unbound) as absent. */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1, ?3) WHERE name = ?2", -1, &s,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC);
	if (schema)
		sqlite3_bind_text(s, 3, schema, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

bool fl_sql_has_column(sqlite3 *db, const char *table, const char *column)
{
	return fl_sql_schema_has_column(db, NULL, table, column);
}

void fl_sql_sort_threads(sqlite3 *db)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	/* PRAGMA threads: a limit, which SQLite caps at its compiled maximum. */
	sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, n < 1 ? 0 : n > 8 ? 8 : (int)n);
}
