/* store_read: open a faultline outcome store (schemas/outcomes.sql) for
 * reading, and refuse what this build cannot read.
 *
 * The store is the contract between replay/ (the writer) and analyze/ + tui/
 * (the readers).  A reader opens it read-only, so it can run while a replay
 * writes (WAL), and checks two things before any query:
 *   - PRAGMA application_id is faultline's (0x464C4E31, "FLN1"): anything
 *     else is some other program's SQLite database;
 *   - PRAGMA user_version is one it knows (1 .. FL_STORE_VERSION): a newer
 *     one means a newer faultline wrote it, and its tables may have changed.
 */
#ifndef FL_STORE_READ_H
#define FL_STORE_READ_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"

#define FL_STORE_APPLICATION_ID 0x464C4E31	/* "FLN1" */
/* The schema version this build reads: the user_version that
 * schemas/outcomes.sql sets (tests/unit/test_fidelity.c checks they agree). */
#ifndef FL_STORE_VERSION
#define FL_STORE_VERSION 7
#endif

/* Open path read-only and check it (fl_store_check).  On success *db is an
 * open handle the caller closes with sqlite3_close(); on failure *db is
 * NULL, err says why, naming path, and the return is negative. */
int fl_store_open_read(const char *path, sqlite3 **db, struct fl_err *err);

/* Check that db is a faultline store this build can read; path only names
 * it in errors.  Returns its schema version, or a negative code with err set. */
int fl_store_check(sqlite3 *db, const char *path, struct fl_err *err);

/* Fill err from db's last SQLite error: "<path>: <what>: <sqlite message>". */
int fl_store_sql_error(sqlite3 *db, const char *path, const char *what, struct fl_err *err);

/* Set err for a --run that names no run of the database, saying which runs
 * it holds; returns the negative code. */
int fl_store_no_run(sqlite3 *db, const char *path, int64_t run_id, struct fl_err *err);

/* Column col of st's current row as text, NULL as "": a copy to free()
 * (NULL when out of memory), or into dst (cut to len). */
char *fl_store_col_dup(sqlite3_stmt *st, int col);
void fl_store_col_copy(char *dst, size_t len, sqlite3_stmt *st, int col);

#endif
