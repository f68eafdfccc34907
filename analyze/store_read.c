/* store_read: opening and checking a faultline outcome store for reading. */
#include "store_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "fl_version.h"

int fl_store_sql_error(sqlite3 *db, const char *path, const char *what, struct fl_err *err)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;

	fl_err_set(err, code == SQLITE_NOMEM ? -ENOMEM : -EIO, "%s: %s: %s", path, what,
		   db ? sqlite3_errmsg(db) : "out of memory");
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		fl_err_hint(err, "another process holds the database; try again when it is done");
	else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		fl_err_hint(err, "the file is damaged; replay the trace again into a new database");
	return err ? err->code : -EIO;
}

/* One integer PRAGMA. */
static int pragma_int(sqlite3 *db, const char *sql, int *val)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*val = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static const char not_ours_hint[] =
	"give a database written by `faultline replay TRACE --strategy S -o FILE`";

int fl_store_check(sqlite3 *db, const char *path, struct fl_err *err)
{
	int app = 0, version = 0;
	int rc = pragma_int(db, "PRAGMA application_id", &app);

	if (rc == SQLITE_NOTADB) {
		fl_err_set(err, -EINVAL, "%s: not a faultline database: not an SQLite database at all",
			   path);
		fl_err_hint(err, "%s", not_ours_hint);
		return err->code;
	}
	if (rc != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the database header", err);
	if ((unsigned)app != FL_STORE_APPLICATION_ID) {
		if (app == 0)
			fl_err_set(err, -EINVAL, "%s: not a faultline database: an SQLite database "
				   "with no application_id (faultline's is 0x%08X)",
				   path, FL_STORE_APPLICATION_ID);
		else
			fl_err_set(err, -EINVAL, "%s: not a faultline database: an SQLite database "
				   "of application_id 0x%08X (faultline's is 0x%08X)",
				   path, (unsigned)app, FL_STORE_APPLICATION_ID);
		fl_err_hint(err, "%s", not_ours_hint);
		return err->code;
	}
	rc = pragma_int(db, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the schema version", err);
	if (version > FL_STORE_VERSION) {
		fl_err_set(err, -EPROTONOSUPPORT, "%s: the database has store schema version %d, "
			   "newer than this faultline reads (version %d)",
			   path, version, FL_STORE_VERSION);
		fl_err_hint(err, "a newer faultline wrote it: upgrade faultline (this is %s) to one "
			    "that reads version %d", FL_VERSION, version);
		return err->code;
	}
	if (version < 1) {
		fl_err_set(err, -EINVAL, "%s: a faultline database without a schema version "
			   "(user_version %d; this faultline reads version %d)",
			   path, version, FL_STORE_VERSION);
		fl_err_hint(err, "the file is damaged or half-written: replay the trace again "
			    "into a new database");
		return err->code;
	}
	return version;
}

/* Open path read-only through a URI: mode=ro, or immutable=1 (no locks,
 * no -shm, no -wal: the file as it is).  An SQLite result code. */
static int open_ro(const char *path, bool immutable, sqlite3 **db)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *uri = malloc(n * 3 + 32), *p;
	int rc;

	*db = NULL;
	if (!uri)
		return SQLITE_NOMEM;
	p = uri + sprintf(uri, "file:");
	/* The path percent-encoded where a URI would read it otherwise. */
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if (*c == '%' || *c == '?' || *c == '#' || *c <= 0x20 || *c >= 0x7f) {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		} else {
			*p++ = (char)*c;
		}
	}
	strcpy(p, immutable ? "?immutable=1" : "?mode=ro");
	rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc == SQLITE_OK)
		/* A replay's commit or checkpoint may hold a lock for a moment. */
		sqlite3_busy_timeout(*db, 5000);
	return rc;
}

/* An error a WAL reader gets when it cannot create or write the -shm. */
static bool no_shm(int rc)
{
	return (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY;
}

/* Whether path's -wal holds frames (changes not yet in the file). */
static bool wal_pending(const char *path)
{
	char wal[4200];
	struct stat st;

	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal))
		return true;
	return stat(wal, &st) == 0 && st.st_size > 32;	/* more than its header */
}

int fl_store_open_read(const char *path, sqlite3 **out, struct fl_err *err)
{
	struct stat st;
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	if (stat(path, &st) < 0) {
		int e = errno;

		fl_err_set(err, -e, "%s: %s", path, strerror(e));
		if (e == ENOENT)
			fl_err_hint(err, "write one with `faultline replay TRACE --strategy S -o %s`",
				    path);
		return err->code;
	}
	if (S_ISDIR(st.st_mode)) {
		fl_err_set(err, -EISDIR, "%s: a directory, not a faultline database", path);
		fl_err_hint(err, "give the database file written by `faultline replay ... -o FILE`");
		return err->code;
	}
	if (!S_ISREG(st.st_mode)) {
		fl_err_set(err, -EINVAL, "%s: not a regular file, so not a faultline database", path);
		return err->code;
	}
	/* Read-only (mode=ro): a replay can write meanwhile (WAL).  A reader
	 * of WAL still writes the -shm beside the file; where it cannot (a
	 * read-only directory or mount, another user's database), the file
	 * is opened immutable instead: read as it is, without the -shm. */
	rc = open_ro(path, false, &db);
	if (rc == SQLITE_OK && fl_store_check(db, path, err) < 0)
		rc = sqlite3_errcode(db) != SQLITE_OK ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
	else if (rc != SQLITE_OK)
		fl_store_sql_error(db, path, "cannot open", err);
	if (rc != SQLITE_OK && no_shm(rc)) {
		sqlite3_close(db);
		db = NULL;
		*err = (struct fl_err){ 0 };
		if (wal_pending(path)) {
			fl_err_set(err, -EACCES, "%s: cannot read it: its -wal holds changes, and "
				   "reading them needs write access to %s-shm or its directory",
				   path, path);
			fl_err_hint(err, "read it as the user who wrote it, or once the replay "
				    "writing it is done");
			return err->code;
		}
		rc = open_ro(path, true, &db);
		if (rc != SQLITE_OK)
			fl_store_sql_error(db, path, "cannot open", err);
		else if (fl_store_check(db, path, err) < 0)
			rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		return err->code ? err->code : -EIO;
	}
	*out = db;
	return 0;
}

int fl_store_no_run(sqlite3 *db, const char *path, int64_t run_id, struct fl_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0, lo = 0, hi = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*), min(run_id), max(run_id) FROM runs", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		lo = sqlite3_column_int64(st, 1);
		hi = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (n == 0)
		fl_err_set(err, -ENOENT, "%s: no run %" PRId64 ": the database holds no runs",
			   path, run_id);
	else if (n == 1)
		fl_err_set(err, -ENOENT, "%s: no run %" PRId64 ": the database holds run %" PRId64
			   " only", path, run_id, lo);
	else
		fl_err_set(err, -ENOENT, "%s: no run %" PRId64 ": the database holds %" PRId64
			   " runs, ids %" PRId64 " to %" PRId64, path, run_id, n, lo, hi);
	fl_err_hint(err, "`faultline report %s` lists the runs", path);
	return err->code;
}

char *fl_store_col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

void fl_store_col_copy(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}
