/* fl_sql: SQLite helpers shared by the store's writer and its readers.
 * Not in the recorder-only build (RECORD_ONLY=1), which has no SQLite. */
#ifndef FL_SQL_H
#define FL_SQL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* Let SQLite's sorter use a helper thread per online CPU (at most 8) for
 * the statements that sort much (CREATE INDEX on millions of rows): by
 * then the rest of the process waits on it.  Measured: an index of 1.6M
 * outcomes on 2 CPUs, 1.64 s alone, 1.01 s with 2 helpers. */
void fl_sql_sort_threads(sqlite3 *db);

/* Whether table (or view) has a column of that name: how readers tell an
 * older schema version's shape.  False when the query fails. */
bool fl_sql_has_column(sqlite3 *db, const char *table, const char *column);
/* The same in one schema of db ("main", an attached database's name);
 * NULL: the first that has the table, as fl_sql_has_column(). */
bool fl_sql_schema_has_column(sqlite3 *db, const char *schema, const char *table,
			      const char *column);

/* The value at 0-based rank k of the n values of key in an ordered index
 * range, walked from whichever end is nearer: asc reads the k-th from the
 * bottom, desc the (n - 1 - k)-th from the top; asc NULL walks from the
 * top always (an index that leaves out values below its entries: a rank
 * it does not reach reads 0).  Each statement reads one value with
 * `LIMIT 1 OFFSET ?`: ?1 is bound to key, the statement's last parameter
 * to the offset.  *out is 0 when no row is there.  Returns FL_SQL_OK, or
 * where it failed (sqlite3_errmsg(db) says why). */
enum fl_sql_rc { FL_SQL_OK, FL_SQL_PREPARE, FL_SQL_STEP };
enum fl_sql_rc fl_sql_rank_value(sqlite3 *db, const char *asc, const char *desc, int64_t key,
				  int64_t n, int64_t k, int64_t *out);

#endif
