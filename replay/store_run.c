/* The trace and run rows, their totals, and the commit (see store.h). */
#include "store_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fl_array.h"
#include "fl_version.h"

/* Room in the database file for every page of the transaction, taken
 * before the commit: after it, the rows of an existing database are in
 * the WAL, and a checkpoint that found the file system full would fail
 * with the replay already committed.  A failure here rolls the replay
 * back instead.  A new database's private file, written without a WAL,
 * has the pages the cache spilled; those still in the cache go in at the
 * commit, and a file system without room for them fails the replay here
 * too.  The file grows to the new page count exactly (one page a chunk);
 * the checkpoint writes into it. */
int store_reserve_pages(struct fl_store *st, const char *schema, struct fl_err *err)
{
	char sql[64];
	int64_t pages = 0, page_size = 0;
	sqlite3_int64 bytes;
	int chunk, rc;

	snprintf(sql, sizeof(sql), "PRAGMA %s.page_count", schema);
	if (store_pragma_int(st, sql, &pages) < 0)
		return store_fail(st, err, "cannot commit the replay");
	snprintf(sql, sizeof(sql), "PRAGMA %s.page_size", schema);
	if (store_pragma_int(st, sql, &page_size) < 0)
		return store_fail(st, err, "cannot commit the replay");
	chunk = (int)page_size;
	bytes = pages * page_size;
	sqlite3_file_control(st->db, schema, SQLITE_FCNTL_CHUNK_SIZE, &chunk);
	rc = sqlite3_file_control(st->db, schema, SQLITE_FCNTL_SIZE_HINT, &bytes);
	if (rc != SQLITE_OK && rc != SQLITE_NOTFOUND) {
		int e = errno;

		fl_err_set(err, -ENOSPC, "%s: cannot commit the replay: no room for its %" PRId64
			   " MiB in the database file (%s)", st->path,
			   (int64_t)(bytes >> 20), e ? strerror(e) : sqlite3_errstr(rc));
		fl_err_hint(err, "free space on the database's file system, or give -o a file elsewhere");
		return -ENOSPC;
	}
	return 0;
}

/* Copy the WAL into the database file.  A new database must be whole in
 * its file before it is published (TRUNCATE: nothing else has it open);
 * an existing one is checkpointed as far as its readers allow. */
int store_checkpoint(struct fl_store *st, const char *schema, bool whole, struct fl_err *err)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, schema, whole ? SQLITE_CHECKPOINT_TRUNCATE
								  : SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (rc == SQLITE_OK || (rc == SQLITE_BUSY && !whole))
		return 0;
	return store_fail(st, err, "cannot checkpoint the replay into the database file");
}

int fl_store_commit(struct fl_store *st, struct fl_err *err)
{
	int rc = store_sync(st, false);

	if (rc < 0) {
		*err = st->fail_err;
		return rc;
	}
	rc = store_exec(st, store_readers_indexes(), err, "cannot index the outcomes");
	/* Through the indexes just built: the runs' percentiles. */
	if (!rc && st->nruns && !st->tally_oom)
		rc = store_write_percentile_tallies(st, err);
	if (!rc)
		rc = store_exec(st, FL_STORE_ANALYZE_SQL, err,
				"cannot gather the query planner's statistics");
	/* Test hook (tests/integration/t0305-replay-replace.sh): stop with
	 * the transaction whole but not committed, for a test to kill the
	 * replay there. */
	if (!rc && getenv("FL_TEST_STOP_BEFORE_COMMIT"))
		raise(SIGSTOP);
	if (!rc)
		rc = store_reserve_pages(st, "main", err);
	if (!rc)
		rc = store_exec(st, "COMMIT", err, "cannot commit the replay");
	if (rc)
		return rc;
	st->in_txn = false;
	if (st->tmp_path)
		rc = store_set_wal(st, err);
	if (!rc)
		rc = store_checkpoint(st, "main", st->tmp_path != NULL, err);
	if (!rc && st->tmp_path)
		rc = store_publish_new(st, err);
	return rc;
}

int64_t fl_store_run_id(const struct fl_store *st, int64_t run_id)
{
	return run_id + st->run_offset;
}

static void utc_now(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int fl_store_trace_begin(struct fl_store *st, const char *path, const struct fl_trace_meta *meta,
			 int64_t *trace_id, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}

	if (store_prepare(st, &s, "INSERT INTO traces (path, dialect, tracer, hostname, kernel, arch,"
			   " page_size, t_first, t_last, ctf_events, lost_events, lost_packets,"
			   " has_ground_truth, lock_windows) VALUES (?,?,?,?,?,?,?,0,0,0,0,0,0,0)", err))
		return -EIO;
	bind_text(s, 1, path);
	bind_text(s, 2, meta->dialect ? meta->dialect->name : "");
	bind_text(s, 3, meta->tracer);
	bind_text(s, 4, meta->hostname);
	bind_text(s, 5, meta->release);
	bind_text(s, 6, meta->arch);
	sqlite3_bind_int64(s, 7, meta->page_size);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot add the trace");
	*trace_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int fl_store_run_begin(struct fl_store *st, int64_t trace_id, const char *strategy,
		       const char *profile, const char *knobs_json, uint64_t seed,
		       int64_t *run_id, struct fl_err *err)
{
	sqlite3_stmt *s;
	char now[32];
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}

	if (store_prepare(st, &s, "INSERT INTO runs (trace_id, strategy, profile, knobs, seed, tool_version,"
			   " created_at, wall_ms, cost_table, faults, fallbacks, unplaced)"
			   " VALUES (?,?,?,?,?,?,?,0,'{}',0,0,0)", err))
		return -EIO;
	utc_now(now, sizeof(now));
	sqlite3_bind_int64(s, 1, trace_id);
	bind_text(s, 2, strategy);
	bind_text(s, 3, profile);
	bind_text(s, 4, knobs_json);
	bind_u64(s, 5, seed);
	bind_text(s, 6, FL_VERSION);
	bind_text(s, 7, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot add the run");
	*run_id = sqlite3_last_insert_rowid(st->db);
	if (fl_array_grow((void **)&st->runs, &st->capruns, st->nruns + 1, sizeof(*st->runs)) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	memset(&st->runs[st->nruns], 0, sizeof(st->runs[0]));
	st->runs[st->nruns++].run_id = *run_id;
	return 0;
}

int fl_store_run_end(struct fl_store *st, int64_t run_id, const struct fl_engine_run *run,
		     uint64_t wall_ms, struct fl_err *err)
{
	sqlite3_stmt *s;
	struct run_tally *t;
	struct cause_tally *sorted;
	char cost[512];
	size_t off = 0;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	off += (size_t)snprintf(cost, sizeof(cost), "{");
	for (int h = 0; h < FL_H__COUNT && off < sizeof(cost); h++)
		off += (size_t)snprintf(cost + off, sizeof(cost) - off, "%s\"%s\":%" PRIu64,
					h ? "," : "", fl_handler_name((enum fl_handler)h),
					run->cfg.cost[h]);
	if (off < sizeof(cost))
		snprintf(cost + off, sizeof(cost) - off, "}");
	if (store_prepare(st, &s, "UPDATE runs SET wall_ms = ?, cost_table = ?, faults = ?, fallbacks = ?,"
			   " unplaced = ? WHERE run_id = ?", err))
		return -EIO;
	bind_u64(s, 1, wall_ms);
	bind_text(s, 2, cost);
	bind_u64(s, 3, run->faults);
	bind_u64(s, 4, run->fallbacks);
	bind_u64(s, 5, run->unplaced);
	sqlite3_bind_int64(s, 6, run_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot complete the run");
	/* cause_counts from the outcomes counted as they were stored, in the
	 * order an INSERT .. SELECT .. GROUP BY counter, reason gives (BINARY
	 * collation: strcmp for these NUL-free strings). */
	t = store_run_tally(st, run_id);
	if (!t)
		return fl_err_set(err, -EINVAL, "%s: run %" PRId64 " was not begun", st->path, run_id);
	/* A sorted copy: the outcomes' indexes in t->c (cause_of) stay true. */
	sorted = malloc((t->n ? t->n : 1) * sizeof(*sorted));
	if (!sorted)
		return fl_err_set(err, -ENOMEM, "out of memory");
	if (t->n) {	/* qsort(NULL, 0) is undefined */
		memcpy(sorted, t->c, t->n * sizeof(*sorted));
		qsort(sorted, t->n, sizeof(*sorted), store_cmp_cause);
	}
	if (store_prepare(st, &s, "INSERT INTO cause_counts (run_id, counter, reason, n, fell_back)"
			   " VALUES (?,?,?,?,?)", err)) {
		free(sorted);
		return -EIO;
	}
	rc = SQLITE_DONE;
	for (size_t i = 0; i < t->n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_text(s, 2, sorted[i].counter, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, sorted[i].reason, -1, SQLITE_STATIC);
		bind_u64(s, 4, sorted[i].n);
		bind_u64(s, 5, sorted[i].fell_back);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	free(sorted);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot count the causes");
	if (st->tally_oom)
		return 0;
	rc = store_exec(st, store_tally_tables(), err, "cannot store the run's tallies");
	return rc ? rc : store_write_view_tallies(st, t, err);
}

int fl_store_trace_end(struct fl_store *st, int64_t *trace_id, const struct fl_ingest_result *res,
		       bool has_ground_truth, bool lock_windows, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}

	/* The kernel and host as the trace finally says them: a faultline
	 * trace names them in its header event, after the row was added. */
	if (store_prepare(st, &s, "UPDATE traces SET t_first = ?, t_last = ?, ctf_events = ?,"
			   " lost_events = ? + lost_records,"
			   " lost_packets = ?, has_ground_truth = ?, lock_windows = ?,"
			   " kernel = coalesce(nullif(?9, ''), kernel),"
			   " hostname = coalesce(nullif(?10, ''), hostname) WHERE trace_id = ?8",
		    err))
		return -EIO;
	bind_text(s, 9, res->meta.release);
	bind_text(s, 10, res->meta.hostname);
	bind_u64(s, 1, res->t_first);
	bind_u64(s, 2, res->t_last);
	bind_u64(s, 3, res->events);
	bind_u64(s, 4, res->discarded_events);
	bind_u64(s, 5, res->discarded_packets);
	sqlite3_bind_int(s, 6, has_ground_truth);
	sqlite3_bind_int(s, 7, lock_windows);
	sqlite3_bind_int64(s, 8, *trace_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot complete the trace");
	if (!st->tally_oom && st->nruns &&
	    (store_write_time_tallies(st, res->t_first, res->t_last, err) < 0 ||
	     store_write_fidelity_tallies(st, has_ground_truth, err) < 0))
		return -EIO;
	if (!has_ground_truth &&
	    (store_prepare(st, &s, "UPDATE faults SET gt = 'unknown', gt_detail = '', gt_lock_wait = NULL"
			    " WHERE trace_id = ?", err) ||
	     (sqlite3_bind_int64(s, 1, *trace_id), rc = sqlite3_step(s), sqlite3_finalize(s),
	      rc != SQLITE_DONE)))
		return store_fail(st, err, "cannot mark the ground truth unknown");

	return store_merge_same_trace(st, trace_id, err);
}

/* The same trace replayed before: keep one copy of its rows. */
int store_merge_same_trace(struct fl_store *st, int64_t *trace_id, struct fl_err *err)
{
	static const char *const drop[] = {
		"DELETE FROM threads WHERE trace_id = ?2",
		"DELETE FROM writers WHERE trace_id = ?2",
		"DELETE FROM faults WHERE trace_id = ?2",
		"DELETE FROM losses WHERE trace_id = ?2",
		"UPDATE runs SET trace_id = ?1 WHERE trace_id = ?2",
		"DELETE FROM traces WHERE trace_id = ?2",
	};
	sqlite3_stmt *s;
	int64_t older = 0;
	int rc;

	if (store_prepare(st, &s, "SELECT o.trace_id FROM traces o, traces n WHERE n.trace_id = ?1"
			   " AND o.trace_id != n.trace_id AND o.path = n.path AND o.dialect = n.dialect"
			   " AND o.ctf_events = n.ctf_events AND o.t_first = n.t_first"
			   " AND o.t_last = n.t_last AND o.has_ground_truth = n.has_ground_truth"
			   " AND (SELECT count(*) FROM faults f WHERE f.trace_id = o.trace_id) ="
			   " (SELECT count(*) FROM faults f WHERE f.trace_id = n.trace_id)"
			   " ORDER BY o.trace_id LIMIT 1", err))
		return -EIO;
	sqlite3_bind_int64(s, 1, *trace_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		older = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (!older)
		return 0;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		if (store_prepare(st, &s, drop[i], err))
			return -EIO;
		sqlite3_bind_int64(s, 1, older);
		sqlite3_bind_int64(s, 2, *trace_id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return store_fail(st, err, "cannot merge with the earlier copy of the trace");
	}
	*trace_id = older;
	return 0;
}

/* ---- live replays: a run written again at each batch ------------------- */

int fl_store_run_rewrite(struct fl_store *st, int64_t run_id, struct fl_err *err)
{
	static const char *const drop[] = {
		"DELETE FROM cause_counts WHERE run_id = ?",
		"DELETE FROM tally_threads WHERE run_id = ?",
		"DELETE FROM tally_vmas WHERE run_id = ?",
		"DELETE FROM tally_handlers WHERE run_id = ?",
		"DELETE FROM tally_times WHERE run_id = ?",
		"DELETE FROM tally_fidelity WHERE run_id = ?",
		"DELETE FROM tally_latency WHERE run_id = ?",
		"DELETE FROM tally_percentiles WHERE run_id = ?",
	};
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	if (store_exec(st, store_tally_tables(), err, "cannot store the run's tallies"))
		return -EIO;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		if (store_prepare(st, &s, drop[i], err))
			return -EIO;
		sqlite3_bind_int64(s, 1, run_id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return store_fail(st, err, "cannot write the run's totals again");
	}
	return 0;
}

int fl_store_run_state(struct fl_store *st, int64_t run_id, const char *state, struct fl_err *err)
{
	sqlite3_stmt *s;
	char key[64];
	int rc;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	snprintf(key, sizeof(key), "run_state:%" PRId64, run_id);
	if (store_prepare(st, &s, state ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
				  : "DELETE FROM meta WHERE key = ?1", err))
		return -EIO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if (state)
		sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot mark the run");
	return 0;
}

/* ---- replay --replace: earlier runs deleted ---------------------------- */

/* Delete the rows of id from every table with a column col, but runs and
 * traces: found in the schema, so that no table it gains is forgotten. */
static int delete_rows_of(struct fl_store *st, const char *col, int64_t id, struct fl_err *err)
{
	sqlite3_stmt *s;
	char *sql = NULL;
	int rc;

	if (store_prepare(st, &s, "SELECT group_concat(printf('DELETE FROM \"%w\" WHERE \"%w\" = %lld;',"
			  " m.name, ?1, ?2), '') FROM sqlite_master m, pragma_table_info(m.name) p"
			  " WHERE m.type = 'table' AND p.name = ?1 AND m.name NOT IN ('runs', 'traces')",
			  err))
		return -EIO;
	sqlite3_bind_text(s, 1, col, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		sql = sqlite3_mprintf("%s", sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0)
									: "");
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, "cannot delete the earlier run");
	if (!sql)
		return fl_err_set(err, -ENOMEM, "out of memory");
	rc = store_exec(st, sql, err, "cannot delete the earlier run");
	sqlite3_free(sql);
	return rc;
}

int fl_store_run_delete(struct fl_store *st, int64_t run_id, struct fl_err *err)
{
	char sql[160];
	int64_t trace_id = 0, runs_left = 0;

	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	/* A database made before the tallies gets their tables: the same
	 * schema whatever it had. */
	if (store_exec(st, store_tally_tables(), err, "cannot store the run's tallies"))
		return -EIO;
	snprintf(sql, sizeof(sql), "SELECT trace_id FROM runs WHERE run_id = %" PRId64, run_id);
	if (store_pragma_int(st, sql, &trace_id) < 0)
		return store_fail(st, err, "cannot delete the earlier run");
	if (delete_rows_of(st, "run_id", run_id, err) < 0)
		return -EIO;
	snprintf(sql, sizeof(sql), "DELETE FROM meta WHERE key = 'run_state:%" PRId64 "';"
		 "DELETE FROM runs WHERE run_id = %" PRId64 ";", run_id, run_id);
	if (store_exec(st, sql, err, "cannot delete the earlier run"))
		return -EIO;
	/* Its trace goes with it when no run is left on it (this replay's
	 * runs are on it when it is the same trace: fl_store_trace_end()). */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs WHERE trace_id = %" PRId64, trace_id);
	if (store_pragma_int(st, sql, &runs_left) < 0)
		return store_fail(st, err, "cannot delete the earlier run");
	if (runs_left || !trace_id)
		return 0;
	if (delete_rows_of(st, "trace_id", trace_id, err) < 0)
		return -EIO;
	snprintf(sql, sizeof(sql), "DELETE FROM traces WHERE trace_id = %" PRId64, trace_id);
	return store_exec(st, sql, err, "cannot delete the earlier run");
}
