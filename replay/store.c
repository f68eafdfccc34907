/* The outcome store, written (see store.h): opening and closing it, and the
 * writer thread that inserts the bulk rows through a ring of blocks. */
#include "store_priv.h"
#include "fl_sql.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_array.h"

static int stop_thread(struct fl_store *st, bool discard);

int store_fail(struct fl_store *st, struct fl_err *err, const char *what)
{
	return fl_err_set(err, -EIO, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int store_exec(struct fl_store *st, const char *sql, struct fl_err *err, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = fl_err_set(err, -EIO, "%s: %s: %s", st->path, what,
				    msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

int store_pragma_int(struct fl_store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

int store_prepare(struct fl_store *st, sqlite3_stmt **s, const char *sql, struct fl_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return store_fail(st, err, "cannot prepare a statement");
	return 0;
}

/* A table's INSERT of nrows rows into *out. */
static int prepare_rows(struct fl_store *st, struct table *t, int nrows, sqlite3_stmt **out,
			struct bindings *b, struct fl_err *err)
{
	char sql[8192];
	size_t off = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES ", t->name, t->cols);

	for (int r = 0; r < nrows && off < sizeof(sql); r++)
		for (int c = 0; c < t->ncols && off < sizeof(sql); c++)
			off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s%s?%s", r && !c ? "," : "",
						c ? "," : "(", c == t->ncols - 1 ? ")" : "");
	if (off >= sizeof(sql))
		return fl_err_set(err, -EINVAL, "%s: an INSERT of %d rows is too long", t->name, nrows);
	memset(b->type, 0xff, sizeof(b->type));	/* nothing bound */
	return store_prepare(st, out, sql, err);
}

static int prepare_insert(struct fl_store *st, struct table *t, struct fl_err *err)
{
	return prepare_rows(st, t, 1, &t->ins, &t->bound, err) ?:
	       prepare_rows(st, t, BATCH_ROWS, &t->ins_many, &t->bound_many, err);
}

/* Check (or create) the schema. */
static int check_schema(struct fl_store *st, struct fl_err *err)
{
	int64_t app = 0, ver = 0, ntables = 0;

	/* Reading the header fails on a file that is not SQLite. */
	if (store_pragma_int(st, "PRAGMA application_id", &app) < 0 ||
	    store_pragma_int(st, "PRAGMA user_version", &ver) < 0 ||
	    store_pragma_int(st, "SELECT count(*) FROM sqlite_master", &ntables) < 0) {
		if (sqlite3_errcode(st->db) == SQLITE_CORRUPT) {
			fl_err_set(err, -EINVAL, "%s: the database is damaged (%s)", st->path,
				   sqlite3_errmsg(st->db));
			fl_err_hint(err, "nothing was added to it; give -o a new file name");
			return -EINVAL;
		}
		fl_err_set(err, -EINVAL, "%s: not an SQLite database (%s)", st->path,
			   sqlite3_errmsg(st->db));
		fl_err_hint(err, "give -o a new file name, or a database written by faultline replay");
		return -EINVAL;
	}
	if (app == 0 && ver == 0 && ntables == 0) {
		st->empty = true;
		return 0;
	}
	if (app != FL_STORE_APP_ID) {
		fl_err_set(err, -EINVAL, "%s: not a faultline database (application_id 0x%" PRIx64
			   ", %" PRId64 " tables)", st->path, (uint64_t)app, ntables);
		fl_err_hint(err, "faultline adds runs only to its own databases: give -o a new file name");
		return -EINVAL;
	}
	if (ver > FL_STORE_VERSION) {
		fl_err_set(err, -EINVAL, "%s: schema version %" PRId64 " is newer than this faultline's (%d)",
			   st->path, ver, FL_STORE_VERSION);
		fl_err_hint(err, "use the faultline that wrote it, or a newer one");
		return -EINVAL;
	}
	/* An older database keeps its runs as they were written: this
	 * replay's rows (compact outcomes from version 5 on) are not mixed
	 * into it. */
	if (ver < FL_STORE_VERSION) {
		fl_err_set(err, -EINVAL, "%s: schema version %" PRId64 " is older than this faultline's (%d) "
			   "and cannot be upgraded: nothing was added to it", st->path, ver,
			   FL_STORE_VERSION);
		fl_err_hint(err, "give -o a new file name: replay the trace again into a new database "
			    "(faultline report and diff still read this one)");
		return -EINVAL;
	}
	return 0;
}

/* Open file (path, or the private file of a new database) and check or
 * create the schema. */
int store_open_db(struct fl_store *st, const char *file, struct fl_err *err)
{
	bool priv = st->tmp_path && !strcmp(file, st->tmp_path);
	int rc;

	if (sqlite3_open_v2(file, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = fl_err_set(err, -EIO, "%s: cannot open for writing: %s", st->path,
				st->db ? sqlite3_errmsg(st->db) : "out of memory");
		return rc;
	}
	/* Short waits: a reader's or a checkpoint's locks.  A replay holding
	 * the write lock is waited for in fl_store_begin_wait(). */
	sqlite3_busy_timeout(st->db, 5000);
	rc = check_schema(st, err);
	/* WAL: readers (the TUI, a report) see the last committed runs while
	 * a replay writes.  NORMAL: a commit is atomic; only durability across
	 * a power cut waits for the next checkpoint.  The page cache stays at
	 * SQLite's default: the transaction's dirty pages spill to the WAL, so
	 * memory does not grow with the trace.
	 *
	 * A new database's private file is written with no WAL and no sync:
	 * no other process opens it, and a replay that fails removes it, so
	 * the WAL would only have every page written twice (the WAL, then the
	 * checkpoint) and read back from it when the cache spills.  Its
	 * rollback journal is in memory: it holds the pages the transaction
	 * changes that existed before it (the schema's), not the new ones it
	 * appends, so it stays small; the cache spills into the file itself.
	 * The file is switched to WAL after the commit and synced whole before
	 * it is published (store_set_wal() in fl_store_commit()). */
	if (!rc && st->empty && priv)
		rc = store_exec(st, "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;", err,
			  "cannot set the journal mode");
	else if (!rc && st->empty)
		rc = store_exec(st, "PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;", err,
			  "cannot set WAL mode");
	if (!rc && st->empty) {
		rc = store_create_tables(st, err);
		if (rc == 1) {
			st->empty = false;
			rc = check_schema(st, err);
		}
	}
	if (!rc && !priv)
		rc = store_set_wal(st, err);
	/* The index builds at the commit sort millions of rows with the
	 * other CPUs idle: SQLite's sorter may use them. */
	if (!rc)
		fl_sql_sort_threads(st->db);
	return rc;
}

/* WAL and synchronous NORMAL, as above: a database other processes may
 * open, or a new one's private file once committed (store_publish_new()
 * syncs it). */
int store_set_wal(struct fl_store *st, struct fl_err *err)
{
	return store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", err,
			  "cannot set WAL mode");
}

int fl_store_open(const char *path, struct fl_store **out, struct fl_err *err)
{
	struct fl_store *st = calloc(1, sizeof(*st));
	struct stat sb;
	int rc;

	*out = NULL;
	if (!st)
		return fl_err_set(err, -ENOMEM, "out of memory");
	if (pthread_mutex_init(&st->mu, NULL)) {
		free(st);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	if (pthread_cond_init(&st->cv_thread, NULL)) {
		pthread_mutex_destroy(&st->mu);
		free(st);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	if (pthread_cond_init(&st->cv_prod, NULL)) {
		pthread_cond_destroy(&st->cv_thread);
		pthread_mutex_destroy(&st->mu);
		free(st);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	st->tab[TAB_WRITERS] = (struct table){
		.name = "writers", .ncols = 14, .cols = "trace_id, writer_id, tid, pid, call, args, ret, t_enter, t_exit,"
			   " t_lock_start, t_lock_acquired, t_lock_released, vmas_written, call_site" };
	st->tab[TAB_FAULTS] = (struct table){
		.name = "faults", .ncols = 15, .cols = "trace_id, fault_id, t, t_end, tid, pid, cpu, address, ip, access,"
			  " arch_code, major, gt, gt_detail, gt_lock_wait" };
	/* The outcomes go to the compact table and its per-run
	 * dictionaries, not through the view (schemas/outcomes.sql). */
	st->tab[TAB_CAUSES] = (struct table){
		.name = "outcome_causes", .ncols = 8, .cols = "run_id, cause_id, path, counter, reason, code,"
			      " description, unplaced" };
	st->tab[TAB_VMAS] = (struct table){
		.name = "outcome_vmas", .ncols = 5, .cols = "run_id, vma_id, vma_start, vma_end, vma_kind" };
	st->tab[TAB_OUTCOMES] = (struct table){
		.name = "outcome_rows", .ncols = 10, .cols = "run_id, fault_id, cause_id, fell_back, attempts,"
			    " latency, lock_wait, writer_id, vma_id, handler" };
	/* No memory statistics: with them, every allocation SQLite makes (two
	 * per row inserted) takes a global mutex; 5% of the writer thread's
	 * instructions.  A process-wide setting, taken only before SQLite
	 * initializes; later it is refused (SQLITE_MISUSE) and changes
	 * nothing. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	st->path = path;
	/* A new database is made in a private file and published whole at
	 * the commit; another replay creating the same path meanwhile is met
	 * there (store_publish_new()).  Deciding by stat() here is only a shortcut:
	 * nothing is ever removed or replaced on its word. */
	store_remove_stale_tmps(path);
	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			rc = fl_err_set(err, -EINVAL, "%s: not a regular file", path);
			fl_err_hint(err, "give -o a new file name, or a database written by faultline replay");
			fl_store_close(st);
			return rc;
		}
		rc = store_open_db(st, path, err);
	} else if (errno == ENOENT) {
		rc = store_make_tmp(st, err);
		if (!rc)
			rc = store_open_db(st, st->tmp_path, err);
		/* Test hook (tests/integration/t0335-store-killed.sh): stop
		 * once the private file has its schema, for a test to kill the
		 * replay there. */
		if (!rc && getenv("FL_TEST_STOP_AFTER_TMP"))
			raise(SIGSTOP);
	} else {
		int e = errno;

		rc = fl_err_set(err, -e, "%s: %s", path, strerror(e));
	}
	for (int t = 0; t < TAB__COUNT && !rc; t++)
		rc = prepare_insert(st, &st->tab[t], err);
	if (!rc) {
		st->blocks[0] = malloc(sizeof(*st->blocks[0]));
		if (!st->blocks[0])
			rc = fl_err_set(err, -ENOMEM, "out of memory");
		else
			st->blocks[0]->n = st->blocks[0]->ntext = 0;
		st->nblocks = 1;
	}
	if (rc) {
		fl_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* Finalize the statements and close the connection (idempotent). */
void store_close_db(struct fl_store *st)
{
	for (int t = 0; t < TAB__COUNT; t++) {
		sqlite3_finalize(st->tab[t].ins);
		st->tab[t].ins = NULL;
		sqlite3_finalize(st->tab[t].ins_many);
		st->tab[t].ins_many = NULL;
	}
	sqlite3_close(st->db);
	st->db = NULL;
}

void fl_store_close(struct fl_store *st)
{
	if (!st)
		return;
	if (st->in_txn)
		fl_store_rollback(st);
	stop_thread(st, true);
	store_close_db(st);
	for (size_t i = 0; i < st->nblocks; i++)
		free(st->blocks[i]);
	pthread_cond_destroy(&st->cv_prod);
	pthread_cond_destroy(&st->cv_thread);
	pthread_mutex_destroy(&st->mu);
	for (size_t i = 0; i < st->nruns; i++)
		store_run_tally_free(&st->runs[i]);
	free(st->runs);
	free(st->fault_t);
	free(st->fault_gt);
	/* A new database that was not published: nothing of it is left. */
	store_remove_tmp(st);
	free(st);
}

/* ---------------------------------------------------------------------- */
/* The bulk rows and the writer thread                                    */

/* Bind row r's values to the parameters of s from the (k+1)th row's on. */
static void bind_row(const struct table *t, sqlite3_stmt *s, struct bindings *b, int k,
		     const struct row *r)
{
	for (int c = 0; c < t->ncols; c++) {
		int p = k * t->ncols + c;
		uint8_t type = r->type[c];

		if (type == b->type[p] && type != VAL_BLOCK_TEXT &&
		    (type == VAL_NULL || (type == VAL_INT ? r->v[c].i == b->v[p].i
							  : r->v[c].s == b->v[p].s)))
			continue;
		switch (type) {
		case VAL_INT:
			sqlite3_bind_int64(s, p + 1, r->v[c].i);
			break;
		case VAL_TEXT:
		case VAL_BLOCK_TEXT:
			/* Static strings, or the block's text, which outlives
			 * the statement's step (and is bound again for the
			 * next row: never taken as unchanged). */
			sqlite3_bind_text(s, p + 1, r->v[c].s, -1, SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(s, p + 1);
			break;
		}
		b->type[p] = type;
		b->v[p] = r->v[c];
	}
}

/* The message for a row that could not be stored: its table and key,
 * and SQLite's reason. */
static void row_fail(struct fl_store *st, const struct row *r, struct fl_err *err)
{
	const char *why = sqlite3_errmsg(st->db);

	if (r->table == TAB_WRITERS)
		fl_err_set(err, -EIO, "%s: cannot store writer %" PRId64 ": %s", st->path, r->v[1].i,
			   why);
	else if (r->table == TAB_FAULTS)
		fl_err_set(err, -EIO, "%s: cannot store fault %" PRId64 ": %s", st->path, r->v[1].i,
			   why);
	else if (r->table == TAB_CAUSES)
		fl_err_set(err, -EIO, "%s: cannot store cause %" PRId64 " of run %" PRId64 ": %s",
			   st->path, r->v[1].i, r->v[0].i, why);
	else if (r->table == TAB_VMAS)
		fl_err_set(err, -EIO, "%s: cannot store VMA %" PRId64 " of run %" PRId64 ": %s",
			   st->path, r->v[1].i, r->v[0].i, why);
	else
		fl_err_set(err, -EIO, "%s: cannot store the outcome of fault %" PRId64 " (run %" PRId64
			   "): %s", st->path, r->v[1].i, r->v[0].i, why);
}

/* Insert one row. */
static int write_row(struct fl_store *st, const struct row *r, struct fl_err *err)
{
	struct table *t = &st->tab[r->table];
	int rc;

	bind_row(t, t->ins, &t->bound, 0, r);
	rc = sqlite3_step(t->ins);
	if (rc != SQLITE_DONE)
		row_fail(st, r, err);
	sqlite3_reset(t->ins);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Insert BATCH_ROWS rows of one table in one statement.  A row that
 * breaks a constraint fails the statement alone, which then changes
 * nothing: its rows are inserted again one by one, for the message to
 * name the row.  Any other failure (a full disk, an I/O error) may have
 * rolled the whole transaction back, and nothing more may be written:
 * the message names the statement's first row. */
static int write_batch(struct fl_store *st, const struct row *const *rows, struct fl_err *err)
{
	struct table *t = &st->tab[rows[0]->table];
	int rc;

	for (int k = 0; k < BATCH_ROWS; k++)
		bind_row(t, t->ins_many, &t->bound_many, k, rows[k]);
	rc = sqlite3_step(t->ins_many);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(t->ins_many);
		return 0;
	}
	rc = sqlite3_reset(t->ins_many);
	if ((rc & 0xff) != SQLITE_CONSTRAINT || sqlite3_get_autocommit(st->db)) {
		row_fail(st, rows[0], err);
		return -EIO;
	}
	for (int k = 0; k < BATCH_ROWS; k++)
		if (write_row(st, rows[k], err) < 0)
			return -EIO;
	return 0;
}

/* Insert a block's rows: table by table, each table's in the order they
 * were given (the order of their keys, and of a rowid table's rowids),
 * BATCH_ROWS at a time.  No table's rows refer to a row of another that
 * SQLite checks (no foreign-key enforcement), and all are in the same
 * transaction, so the order across tables changes nothing stored. */
static int write_block(struct fl_store *st, const struct block *b, struct fl_err *err)
{
	const struct row *batch[BATCH_ROWS];

	for (int t = 0; t < TAB__COUNT; t++) {
		int n = 0;

		for (size_t i = 0; i < b->n; i++) {
			if (b->rows[i].table != t)
				continue;
			batch[n++] = &b->rows[i];
			if (n == BATCH_ROWS) {
				if (write_batch(st, batch, err) < 0)
					return -EIO;
				n = 0;
			}
		}
		for (int k = 0; k < n; k++)
			if (write_row(st, batch[k], err) < 0)
				return -EIO;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct fl_store *st = arg;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		struct block *b;
		bool skip;
		struct fl_err err = { 0 };
		int rc = 0;

		while (!st->filled && !st->done)
			pthread_cond_wait(&st->cv_thread, &st->mu);
		if (!st->filled)
			break;
		b = st->blocks[st->cons];
		skip = st->discard || st->row_rc;
		pthread_mutex_unlock(&st->mu);
		if (!skip)
			rc = write_block(st, b, &err);
		b->n = b->ntext = 0;
		pthread_mutex_lock(&st->mu);
		if (rc < 0 && !st->row_rc) {
			st->row_rc = rc;
			st->row_err = err;
		}
		st->cons = (st->cons + 1) % st->nblocks;
		st->filled--;
		pthread_cond_signal(&st->cv_prod);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Start the thread for the first row, with its blocks.  Without memory or
 * a thread, the rows are inserted by the calling thread: the same rows in
 * the same order. */
static void start_thread(struct fl_store *st)
{
	if (st->no_thread)
		return;
	while (st->nblocks < NBLOCKS) {
		struct block *b = malloc(sizeof(*b));

		if (!b)
			break;
		b->n = b->ntext = 0;
		st->blocks[st->nblocks++] = b;
	}
	if (st->nblocks < 2) {
		st->no_thread = true;
		return;
	}
	/* Set before the thread exists: pthread_create() publishes it. */
	st->prod = st->cons = st->filled = 0;
	st->done = st->discard = false;
	if (pthread_create(&st->thread, NULL, writer_main, st)) {
		st->no_thread = true;
		return;
	}
	st->running = true;
}

/* The first row error, seen by the calling thread (under mu, or with no
 * thread running). */
static int take_row_error(struct fl_store *st)
{
	if (st->row_rc && !st->failed) {
		st->failed = st->row_rc;
		st->fail_err = st->row_err;
	}
	return st->failed;
}

/* Join the thread once it has inserted (or, with discard, dropped) every
 * block given to it.  The producer's block is not touched.  Returns the
 * first error. */
static int stop_thread(struct fl_store *st, bool discard)
{
	if (st->running) {
		pthread_mutex_lock(&st->mu);
		st->done = true;
		st->discard |= discard;
		pthread_cond_signal(&st->cv_thread);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->thread, NULL);
		st->running = false;
		/* The producer's block moves to the front of the ring. */
		if (st->prod) {
			struct block *b = st->blocks[0];

			st->blocks[0] = st->blocks[st->prod];
			st->blocks[st->prod] = b;
		}
		st->prod = st->cons = st->filled = 0;
	}
	return take_row_error(st);
}

/* The producer's block is full (or the rows end): hand it over, and take
 * the next free one. */
static int publish(struct fl_store *st)
{
	struct block *b = st->blocks[st->prod];
	int rc;

	if (!b->n)
		return st->failed;
	if (!st->running) {
		/* No thread: insert here. */
		if (!st->row_rc) {
			rc = write_block(st, b, &st->row_err);
			if (rc < 0)
				st->row_rc = rc;
		}
		b->n = b->ntext = 0;
		return take_row_error(st);
	}
	pthread_mutex_lock(&st->mu);
	st->filled++;
	pthread_cond_signal(&st->cv_thread);
	while (st->filled == st->nblocks)
		pthread_cond_wait(&st->cv_prod, &st->mu);
	st->prod = (st->prod + 1) % st->nblocks;
	rc = take_row_error(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* Every row given so far is in the database (or has failed; with discard,
 * is dropped): the calling thread has the connection to itself.  Returns
 * the first error (0 with discard). */
int store_sync(struct fl_store *st, bool discard)
{
	int rc;

	if (!discard)
		publish(st);
	else
		st->blocks[st->prod]->n = st->blocks[st->prod]->ntext = 0;
	rc = stop_thread(st, discard);
	return discard ? 0 : rc;
}

/* A new row of table t in the producer's block, with room for text bytes
 * of text (*text); NULL when an earlier row failed (fl_store_error()). */
struct row *store_row_new(struct fl_store *st, int table, size_t text, char **textp)
{
	struct block *b;
	struct row *r;

	if (st->failed)
		return NULL;
	if (!st->running && !st->no_thread)
		start_thread(st);
	b = st->blocks[st->prod];
	if ((b->n == BLOCK_ROWS || b->ntext + text > BLOCK_TEXT) && publish(st) < 0)
		return NULL;
	b = st->blocks[st->prod];
	r = &b->rows[b->n++];
	r->table = (uint8_t)table;
	if (textp) {
		*textp = b->text + b->ntext;
		b->ntext += text;
	}
	return r;
}

const struct fl_err *fl_store_error(const struct fl_store *st)
{
	return &st->fail_err;
}

int fl_store_begin(struct fl_store *st, struct fl_err *err)
{
	int rc;

	/* No wait here: a replay holding the lock can hold it for minutes,
	 * and the caller says so before fl_store_begin_wait(). */
	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, 5000);
	if (rc == SQLITE_BUSY) {
		fl_err_set(err, -EBUSY, "%s: another process is writing it", st->path);
		return -EBUSY;
	}
	if (rc != SQLITE_OK)
		return store_fail(st, err, "cannot start a transaction");
	st->in_txn = true;
	return 0;
}

int fl_store_begin_wait(struct fl_store *st, int seconds, struct fl_err *err)
{
	int rc;

	sqlite3_busy_timeout(st->db, seconds * 1000);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, 5000);
	if (rc == SQLITE_BUSY) {
		fl_err_set(err, -EBUSY, "%s: another process held its write lock for %d s", st->path,
			   seconds);
		fl_err_hint(err, "run the replay again when the other one is done, or give -o another file");
		return -EBUSY;
	}
	if (rc != SQLITE_OK)
		return store_fail(st, err, "cannot start a transaction");
	st->in_txn = true;
	return 0;
}

void fl_store_rollback(struct fl_store *st)
{
	store_sync(st, true);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
}
