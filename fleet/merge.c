/* merge: combine outcome stores into one (merge.h says what is kept). */
#include "store.h"	/* first: it defines FL_STORE_VERSION for both headers */

#include "merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analyze/store_read.h"
#include "fl_array.h"
#include "fl_sha256.h"
#include "fl_sql.h"

/* The statistics of OUT alone: a bare ANALYZE would write them into the
 * attached shards too.  (FL_STORE_ANALYZE_SQL ends with its ANALYZE.) */
#define ANALYZE_OUT_SQL FL_STORE_ANALYZE_SQL " main"

#define MAX_COLS 48
#define NAME_MAX_LEN 64

/* A table as OUT's schema has it. */
struct table {
	char name[NAME_MAX_LEN];
	int ncols;
	char col[MAX_COLS][NAME_MAX_LEN];
	int trace_col, run_col, hash_col;	/* index of the column, or -1 */
	int pk[MAX_COLS];			/* primary key columns, in key order */
	int npk;
};

struct trace_map {
	int64_t from, to;	/* shard trace_id -> OUT trace_id */
};

struct merge {
	sqlite3 *out;
	const char *out_path;
	struct table traces, runs;
	struct table *keyed;	/* every other table with a trace_id or run_id */
	size_t nkeyed, capkeyed;
	struct trace_map *tmap;
	size_t ntmap, captmap;
	struct fl_merge_stats *stats;
	int nattached, maxattach;	/* shards attached to out, and SQLite's limit */
};

/* A statement text built piece by piece; too long is an error, not a cut. */
struct sql {
	char s[8192];
	size_t n;
	bool overflow;
};

static void sql_add(struct sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_add(struct sql *q, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (q->overflow)
		return;
	va_start(ap, fmt);
	w = vsnprintf(q->s + q->n, sizeof(q->s) - q->n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(q->s) - q->n)
		q->overflow = true;
	else
		q->n += (size_t)w;
}

static int sql_err(sqlite3 *db, const char *path, const char *what, struct fl_err *err)
{
	return fl_err_set(err, -EIO, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, const char *path, const struct sql *q, sqlite3_stmt **s,
		   struct fl_err *err)
{
	*s = NULL;
	if (q->overflow)
		return fl_err_set(err, -E2BIG, "%s: a statement of the merge is too long", path);
	if (sqlite3_prepare_v2(db, q->s, -1, s, NULL) != SQLITE_OK)
		return sql_err(db, path, "cannot read the tables", err);
	return 0;
}

static int exec(sqlite3 *db, const char *path, const char *sql, const char *what, struct fl_err *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sql_err(db, path, what, err);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* OUT's schema */

static int load_table(sqlite3 *db, const char *path, const char *name, struct table *t,
		      struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	memset(t, 0, sizeof(*t));
	t->trace_col = t->run_col = t->hash_col = -1;
	if (strlen(name) >= sizeof(t->name))
		return fl_err_set(err, -EINVAL, "%s: table name '%s' too long", path, name);
	strcpy(t->name, name);
	if (sqlite3_prepare_v2(db, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", -1, &s, NULL) !=
	    SQLITE_OK)
		return sql_err(db, path, "cannot read the schema", err);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(s, 0);

		if (!c || t->ncols == MAX_COLS || strlen(c) >= NAME_MAX_LEN) {
			sqlite3_finalize(s);
			return fl_err_set(err, -EINVAL, "%s: table %s: too many or too long columns", path,
					  name);
		}
		if (sqlite3_column_int(s, 1) > 0 && sqlite3_column_int(s, 1) <= MAX_COLS)
			t->pk[sqlite3_column_int(s, 1) - 1] = t->ncols, t->npk++;
		if (strcmp(c, "trace_id") == 0)
			t->trace_col = t->ncols;
		else if (strcmp(c, "run_id") == 0)
			t->run_col = t->ncols;
		else if (strcmp(c, "content_hash") == 0)
			t->hash_col = t->ncols;
		strcpy(t->col[t->ncols++], c);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(db, path, "cannot read the schema", err);
	return 0;
}

static int load_schema(struct merge *m, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (load_table(m->out, m->out_path, "traces", &m->traces, err) ||
	    load_table(m->out, m->out_path, "runs", &m->runs, err))
		return err->code;
	if (m->traces.trace_col < 0 || m->runs.run_col < 0 || m->runs.trace_col < 0)
		return fl_err_set(err, -EINVAL, "%s: traces or runs lack their id columns", m->out_path);
	if (sqlite3_prepare_v2(m->out, "SELECT name FROM sqlite_master WHERE type = 'table'"
				       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
				       " AND name NOT IN ('traces', 'runs', 'meta') ORDER BY name",
			       -1, &s, NULL) != SQLITE_OK)
		return sql_err(m->out, m->out_path, "cannot read the schema", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct table t;

		if (load_table(m->out, m->out_path, (const char *)sqlite3_column_text(s, 0), &t, err))
			break;
		if (t.trace_col < 0 && t.run_col < 0)
			continue;	/* not part of a trace or a run */
		if (fl_array_grow((void **)&m->keyed, &m->capkeyed, m->nkeyed + 1, sizeof(t)) < 0) {
			fl_err_set(err, -ENOMEM, "out of memory");
			break;
		}
		m->keyed[m->nkeyed++] = t;
	}
	sqlite3_finalize(s);
	if (err->code)
		return err->code;
	if (rc != SQLITE_DONE)
		return sql_err(m->out, m->out_path, "cannot read the schema", err);
	return 0;
}

/* The content hash column (schemas/outcomes.sql, after traces): a merge
 * adds it to its output, NULL until hashed. */
static int ensure_hash_column(struct merge *m, struct fl_err *err)
{
	if (m->traces.hash_col >= 0)
		return 0;
	if (exec(m->out, m->out_path, "ALTER TABLE traces ADD COLUMN content_hash TEXT",
		 "cannot add traces.content_hash", err))
		return err->code;
	return load_table(m->out, m->out_path, "traces", &m->traces, err);
}

/* ---------------------------------------------------------------------- */
/* Content hash of a trace */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The columns of t but its ids (and the traces row's path and hash), by
 * name: the same list whatever order a database's columns are in. */
static int content_cols(const struct table *t, const char **cols)
{
	int n = 0;

	for (int i = 0; i < t->ncols; i++) {
		if (i == t->trace_col || i == t->run_col || i == t->hash_col)
			continue;
		if (strcmp(t->name, "traces") == 0 && strcmp(t->col[i], "path") == 0)
			continue;
		cols[n++] = t->col[i];
	}
	qsort(cols, (size_t)n, sizeof(cols[0]), cmp_name);
	return n;
}

/* A row's values are gathered in one buffer and hashed with one update:
 * a call per value costs more than the hashing. */
struct rowbuf {
	uint8_t b[4096];
	size_t n;
};

static void rb_add(struct fl_sha256 *h, struct rowbuf *rb, const void *p, size_t n)
{
	if (rb->n + n > sizeof(rb->b)) {
		fl_sha256_update(h, rb->b, rb->n);
		rb->n = 0;
	}
	if (n > sizeof(rb->b)) {
		fl_sha256_update(h, p, n);
		return;
	}
	memcpy(rb->b + rb->n, p, n);
	rb->n += n;
}

static void hash_value(struct fl_sha256 *h, struct rowbuf *rb, sqlite3_stmt *s, int i)
{
	uint8_t buf[9];
	int type = sqlite3_column_type(s, i);
	uint64_t v = 0;
	const void *p = NULL;

	buf[0] = (uint8_t)type;
	switch (type) {
	case SQLITE_INTEGER:
		v = (uint64_t)sqlite3_column_int64(s, i);
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(s, i);

		memcpy(&v, &d, sizeof(v));
		break;
	}
	case SQLITE_TEXT:
		p = sqlite3_column_text(s, i);
		v = (uint64_t)sqlite3_column_bytes(s, i);
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(s, i);
		v = (uint64_t)sqlite3_column_bytes(s, i);
		break;
	default:	/* NULL */
		break;
	}
	for (int b = 0; b < 8; b++)
		buf[1 + b] = (uint8_t)(v >> (56 - 8 * b));
	rb_add(h, rb, buf, sizeof(buf));
	if (p && v)
		rb_add(h, rb, p, (size_t)v);
}

/* Where a database's rows are read: a connection and the schema name its
 * tables are under there.  A shard is attached to OUT's connection (its
 * rows copied by one INSERT ... SELECT per table and key), or, past
 * SQLite's limit on attached databases, read through a connection of its
 * own ("main") and copied row by row. */
struct src {
	sqlite3 *db;
	const char *path;
	const char *schema;
};

/* Hash the rows of table t with trace_id = id, in src, in primary key order
 * (a walk of the key's b-tree; every row in value order when the table has
 * no key beyond trace_id). */
static int hash_table(struct fl_sha256 *h, const struct src *src, const struct table *t, int64_t id,
		      struct fl_err *err)
{
	const char *cols[MAX_COLS];
	int n = content_cols(t, cols), rc;
	struct sql q = { .n = 0 };
	sqlite3_stmt *s;

	fl_sha256_update(h, t->name, strlen(t->name) + 1);
	sql_add(&q, "SELECT ");
	for (int i = 0; i < n; i++) {
		sql_add(&q, "%s\"%s\"", i ? "," : "", cols[i]);
		fl_sha256_update(h, cols[i], strlen(cols[i]) + 1);
	}
	sql_add(&q, " FROM \"%s\".\"%s\" WHERE trace_id = ?", src->schema, t->name);
	if (t->npk > 1 || (t->npk == 1 && t->pk[0] != t->trace_col)) {
		sql_add(&q, " ORDER BY ");
		for (int i = 0, k = 0; i < t->npk; i++)
			if (t->pk[i] != t->trace_col)
				sql_add(&q, "%s\"%s\"", k++ ? "," : "", t->col[t->pk[i]]);
	} else if (n) {
		sql_add(&q, " ORDER BY ");
		for (int i = 0; i < n; i++)
			sql_add(&q, "%s%d", i ? "," : "", i + 1);
	}
	if (prepare(src->db, src->path, &q, &s, err))
		return err->code;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rowbuf rb;

		rb.b[0] = 'R';
		rb.n = 1;
		for (int i = 0; i < n; i++)
			hash_value(h, &rb, s, i);
		fl_sha256_update(h, rb.b, rb.n);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(src->db, src->path, "cannot read a trace", err);
	return 0;
}

/* The hash of trace id in src: its traces row and the rows of every table
 * that belongs to a trace alone (not to a run). */
static int trace_hash(const struct merge *m, const struct src *src, int64_t id, char hex[65],
		      struct fl_err *err)
{
	struct fl_sha256 h;
	uint8_t d[32];

	fl_sha256_init(&h);
	if (hash_table(&h, src, &m->traces, id, err))
		return err->code;
	for (size_t i = 0; i < m->nkeyed; i++)
		if (m->keyed[i].run_col < 0 && hash_table(&h, src, &m->keyed[i], id, err))
			return err->code;
	fl_sha256_final(&h, d);
	fl_sha256_hex(d, hex);
	return 0;
}

/* Give every trace of OUT without a hash its hash. */
static int hash_out_traces(struct merge *m, struct fl_err *err)
{
	const struct src out = { .db = m->out, .path = m->out_path, .schema = "main" };
	sqlite3_stmt *sel, *upd;
	int rc;

	if (sqlite3_prepare_v2(m->out, "SELECT trace_id FROM main.traces WHERE content_hash IS NULL", -1,
			       &sel, NULL) != SQLITE_OK)
		return sql_err(m->out, m->out_path, "cannot read the traces", err);
	if (sqlite3_prepare_v2(m->out, "UPDATE main.traces SET content_hash = ? WHERE trace_id = ?", -1,
			       &upd, NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		return sql_err(m->out, m->out_path, "cannot read the traces", err);
	}
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0);
		char hex[65];

		if (trace_hash(m, &out, id, hex, err))
			break;
		sqlite3_bind_text(upd, 1, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, id);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			sql_err(m->out, m->out_path, "cannot store a trace's hash", err);
			break;
		}
		sqlite3_reset(upd);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	if (err->code)
		return err->code;
	return rc == SQLITE_DONE ? 0 : sql_err(m->out, m->out_path, "cannot read the traces", err);
}

/* ---------------------------------------------------------------------- */
/* Copying rows */

/* An attached shard's rows of t with key = ?1 into OUT in one statement:
 * INSERT ... SELECT, trace_id and run_id given as ?2 and ?3 when replaced.
 * Its SELECT is the row-by-row copy's, planned alike from the shard's
 * statistics, so the rows come in the same order (a scan's, or the key's
 * index's): a rowid table's rows get the rowids they get one by one. */
static int copy_rows_attached(struct merge *m, const struct src *src, const struct table *t,
			      const char *key, int64_t src_id, int64_t new_trace, int64_t new_run,
			      int skip_col, int64_t *last_id, struct fl_err *err)
{
	struct sql q = { .n = 0 };
	sqlite3_stmt *ins = NULL;
	int n = 0;

	sql_add(&q, "INSERT INTO main.\"%s\" (", t->name);
	for (int i = 0; i < t->ncols; i++)
		if (i != skip_col)
			sql_add(&q, "%s\"%s\"", n++ ? "," : "", t->col[i]);
	sql_add(&q, ") SELECT ");
	n = 0;
	for (int i = 0; i < t->ncols; i++) {
		if (i == skip_col)
			continue;
		sql_add(&q, "%s", n++ ? "," : "");
		if (i == t->hash_col)	/* stored by the caller; a shard may predate it */
			sql_add(&q, "NULL");
		else if (i == t->trace_col && new_trace > 0)
			sql_add(&q, "?2");
		else if (i == t->run_col && new_run > 0)
			sql_add(&q, "?3");
		else
			sql_add(&q, "\"%s\"", t->col[i]);
	}
	sql_add(&q, " FROM \"%s\".\"%s\" WHERE \"%s\" = ?1", src->schema, t->name, key);
	if (prepare(m->out, src->path, &q, &ins, err)) {
		if (err->code == -EIO)	/* the shard's table differs from OUT's */
			fl_err_hint(err, "merge databases written by the same faultline version");
		return err->code;
	}
	sqlite3_bind_int64(ins, 1, src_id);
	if (new_trace > 0)
		sqlite3_bind_int64(ins, 2, new_trace);
	if (new_run > 0)
		sqlite3_bind_int64(ins, 3, new_run);
	if (sqlite3_step(ins) != SQLITE_DONE)
		sql_err(m->out, m->out_path, "cannot add the rows", err);
	else if (last_id)
		*last_id = sqlite3_last_insert_rowid(m->out);
	sqlite3_finalize(ins);
	return err->code;
}

/* Copy the rows of t whose column key equals src_id from the shard into
 * OUT, with trace_id and run_id replaced (when new_trace / new_run > 0).
 * skip_col: a column of t left out (traces' own id), or -1. */
static int copy_rows(struct merge *m, const struct src *src, const struct table *t,
		     const char *key, int64_t src_id, int64_t new_trace, int64_t new_run, int skip_col,
		     int64_t *last_id, struct fl_err *err)
{
	struct sql sq = { .n = 0 }, iq = { .n = 0 };
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int n = 0, rc;

	if (src->db == m->out)
		return copy_rows_attached(m, src, t, key, src_id, new_trace, new_run, skip_col, last_id,
					  err);
	sql_add(&sq, "SELECT ");
	sql_add(&iq, "INSERT INTO main.\"%s\" (", t->name);
	for (int i = 0; i < t->ncols; i++) {
		if (i == skip_col)
			continue;
		/* The hash is bound below; a shard may predate the column. */
		sql_add(&sq, "%s%s%s%s", n ? "," : "", i == t->hash_col ? "NULL" : "\"",
			i == t->hash_col ? "" : t->col[i], i == t->hash_col ? "" : "\"");
		sql_add(&iq, "%s\"%s\"", n ? "," : "", t->col[i]);
		n++;
	}
	sql_add(&sq, " FROM \"%s\".\"%s\" WHERE \"%s\" = ?", src->schema, t->name, key);
	sql_add(&iq, ") VALUES (");
	for (int i = 0; i < n; i++)
		sql_add(&iq, "%s?", i ? "," : "");
	sql_add(&iq, ")");
	if (prepare(src->db, src->path, &sq, &sel, err) || prepare(m->out, m->out_path, &iq, &ins, err)) {
		sqlite3_finalize(sel);
		if (err->code == -EIO)	/* the shard's table differs from OUT's */
			fl_err_hint(err, "merge databases written by the same faultline version");
		return err->code;
	}
	sqlite3_bind_int64(sel, 1, src_id);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int p = 0;

		for (int i = 0; i < t->ncols; i++) {
			if (i == skip_col)
				continue;
			if (i == t->trace_col && new_trace > 0)
				sqlite3_bind_int64(ins, p + 1, new_trace);
			else if (i == t->run_col && new_run > 0)
				sqlite3_bind_int64(ins, p + 1, new_run);
			else
				sqlite3_bind_value(ins, p + 1, sqlite3_column_value(sel, p));
			p++;
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			sql_err(m->out, m->out_path, "cannot add a row", err);
			break;
		}
		if (last_id)
			*last_id = sqlite3_last_insert_rowid(m->out);
		sqlite3_reset(ins);
	}
	if (!err->code && rc != SQLITE_DONE)
		sql_err(src->db, src->path, "cannot read a row", err);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return err->code;
}

/* A tally table (schemas/outcomes.sql, @tallies) the shard was written
 * without: derived data, so its runs are copied without it and read from
 * their outcomes, as in the shard. */
static bool tally_missing(const struct src *src, const char *table)
{
	struct sql q = { .n = 0 };
	sqlite3_stmt *s;
	bool found = true;

	if (strncmp(table, "tally_", 6) != 0)
		return false;
	sql_add(&q, "SELECT 1 FROM \"%s\".sqlite_master WHERE type = 'table' AND name = ?", src->schema);
	if (q.overflow || sqlite3_prepare_v2(src->db, q.s, -1, &s, NULL) != SQLITE_OK)
		return false;	/* copy_rows() says what fails */
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return !found;
}

static int64_t mapped_trace(const struct merge *m, int64_t from)
{
	for (size_t i = 0; i < m->ntmap; i++)
		if (m->tmap[i].from == from)
			return m->tmap[i].to;
	return 0;
}

/* One trace of the shard: found in OUT by its hash, or copied. */
static int merge_trace(struct merge *m, const struct src *src, int64_t id, const char *hash,
		       struct fl_err *err)
{
	sqlite3_stmt *s;
	int64_t to = 0;

	if (sqlite3_prepare_v2(m->out, "SELECT trace_id FROM main.traces WHERE content_hash = ?"
				       " ORDER BY trace_id LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return sql_err(m->out, m->out_path, "cannot read the traces", err);
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		to = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (to) {
		m->stats->traces_known++;
	} else {
		if (copy_rows(m, src, &m->traces, "trace_id", id, 0, 0, m->traces.trace_col, &to, err))
			return err->code;
		if (sqlite3_prepare_v2(m->out, "UPDATE main.traces SET content_hash = ? WHERE trace_id = ?",
				       -1, &s, NULL) != SQLITE_OK)
			return sql_err(m->out, m->out_path, "cannot store a trace's hash", err);
		sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, to);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return sql_err(m->out, m->out_path, "cannot store a trace's hash", err);
		}
		sqlite3_finalize(s);
		for (size_t i = 0; i < m->nkeyed; i++)
			if (m->keyed[i].run_col < 0 &&
			    copy_rows(m, src, &m->keyed[i], "trace_id", id, to, 0, -1, NULL, err))
				return err->code;
		m->stats->traces_added++;
	}
	if (fl_array_grow((void **)&m->tmap, &m->captmap, m->ntmap + 1, sizeof(*m->tmap)) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	m->tmap[m->ntmap++] = (struct trace_map){ .from = id, .to = to };
	return 0;
}

/* What makes two runs the same run: every column of runs but its ids and
 * the two a replay stamps (when, and how long it took).  A replay is
 * deterministic: the same trace, strategy, profile, knobs, seed and version
 * give the same rows, so a job run again (its shard lost) is the run the
 * database holds, not another. */
static bool identity_col(const struct table *runs, int i)
{
	return i != runs->run_col && i != runs->trace_col && strcmp(runs->col[i], "created_at") != 0 &&
	       strcmp(runs->col[i], "wall_ms") != 0;
}

/* "c1 IS ? AND c2 IS ? ...". */
static void run_identity(const struct table *runs, struct sql *q)
{
	for (int i = 0; i < runs->ncols; i++)
		if (identity_col(runs, i))
			sql_add(q, " AND \"%s\" IS ?", runs->col[i]);
}

static void bind_identity(const struct table *runs, sqlite3_stmt *dst, int first, sqlite3_stmt *row)
{
	int p = first;

	for (int i = 0; i < runs->ncols; i++)
		if (identity_col(runs, i))
			sqlite3_bind_value(dst, p++, sqlite3_column_value(row, i));
}

static int merge_runs(struct merge *m, const struct src *src, struct fl_err *err)
{
	struct sql sq = { .n = 0 }, oq = { .n = 0 }, cq = { .n = 0 };
	sqlite3_stmt *sel = NULL, *in_out = NULL, *in_src = NULL;
	int rc;

	sql_add(&sq, "SELECT ");
	for (int i = 0; i < m->runs.ncols; i++)
		sql_add(&sq, "%s\"%s\"", i ? "," : "", m->runs.col[i]);
	sql_add(&sq, " FROM \"%s\".runs ORDER BY run_id", src->schema);
	sql_add(&oq, "SELECT count(*) FROM main.runs WHERE trace_id = ?");
	run_identity(&m->runs, &oq);
	sql_add(&cq, "SELECT count(*) FROM \"%s\".runs WHERE trace_id = ? AND run_id <= ?", src->schema);
	run_identity(&m->runs, &cq);
	if (prepare(src->db, src->path, &sq, &sel, err) ||
	    prepare(m->out, m->out_path, &oq, &in_out, err) ||
	    prepare(src->db, src->path, &cq, &in_src, err))
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t run = sqlite3_column_int64(sel, m->runs.run_col);
		int64_t trace = sqlite3_column_int64(sel, m->runs.trace_col);
		int64_t to = mapped_trace(m, trace), new_run = 0, have, nth;

		if (!to) {
			fl_err_set(err, -EINVAL, "%s: run %" PRId64 " names trace %" PRId64
				   ", which the database does not hold", src->path, run, trace);
			goto out;
		}
		/* How many copies of this run OUT holds, and which copy this is. */
		sqlite3_bind_int64(in_out, 1, to);
		bind_identity(&m->runs, in_out, 2, sel);
		sqlite3_bind_int64(in_src, 1, trace);
		sqlite3_bind_int64(in_src, 2, run);
		bind_identity(&m->runs, in_src, 3, sel);
		if (sqlite3_step(in_out) != SQLITE_ROW) {
			sql_err(m->out, m->out_path, "cannot read the runs", err);
			goto out;
		}
		if (sqlite3_step(in_src) != SQLITE_ROW) {
			sql_err(src->db, src->path, "cannot read the runs", err);
			goto out;
		}
		have = sqlite3_column_int64(in_out, 0);
		nth = sqlite3_column_int64(in_src, 0);
		sqlite3_reset(in_out);
		sqlite3_reset(in_src);
		if (have >= nth) {
			m->stats->runs_known++;
			continue;
		}
		if (copy_rows(m, src, &m->runs, "run_id", run, to, 0, m->runs.run_col, &new_run, err))
			goto out;
		for (size_t i = 0; i < m->nkeyed; i++)
			if (m->keyed[i].run_col >= 0 && !tally_missing(src, m->keyed[i].name) &&
			    copy_rows(m, src, &m->keyed[i], "run_id", run, to, new_run, -1, NULL, err))
				goto out;
		m->stats->runs_added++;
	}
	if (rc != SQLITE_DONE)
		sql_err(src->db, src->path, "cannot read the runs", err);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(in_out);
	sqlite3_finalize(in_src);
	return err->code;
}

/* The shard's schema version, through a connection of its own: 0, or a
 * negative code. */
static int check_version(sqlite3 *db, const char *path, struct fl_err *err)
{
	int version = fl_store_check(db, path, err);

	if (version < 0)
		return version;
	if (version != FL_STORE_VERSION) {
		fl_err_set(err, -EINVAL, "%s: schema version %d, not this faultline's %d", path, version,
			   FL_STORE_VERSION);
		fl_err_hint(err, "replay its traces again with this faultline, then merge");
		return err->code;
	}
	return 0;
}

/* Open the shard to be read: attached to OUT's connection while SQLite's
 * limit allows, else through a connection of its own (*own), in a read
 * transaction there.  Either way it is read in one snapshot: an attached
 * database is read inside OUT's transaction, which holds its read
 * transaction until the merge commits. */
static int open_shard(struct merge *m, const char *path, struct src *src, char *schema, size_t size,
		      sqlite3 **own, struct fl_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s;

	/* The readers' checks and messages (a missing file, not faultline's).
	 * The shard is then opened by a connection that may write, only so
	 * that its close checkpoints and removes the WAL files a read-only
	 * one would leave beside the shard; nothing is written to it. */
	if (fl_store_open_read(path, &db, err) < 0)
		return err->code;
	if (m->nattached < m->maxattach) {
		int rc = check_version(db, path, err);

		sqlite3_close(db);
		if (rc)
			return rc;
		snprintf(schema, size, "shard%d", m->nattached);
		if (sqlite3_prepare_v2(m->out, "ATTACH ?1 AS ?2", -1, &s, NULL) != SQLITE_OK)
			return sql_err(m->out, path, "cannot open", err);
		sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, schema, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return sql_err(m->out, path, "cannot open", err);
		m->nattached++;
		*src = (struct src){ .db = m->out, .path = path, .schema = schema };
		return 0;
	}
	sqlite3_close(db);
	if (sqlite3_open_v2(path, own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return sql_err(*own, path, "cannot open", err);
	sqlite3_busy_timeout(*own, 5000);
	if (exec(*own, path, "PRAGMA query_only = 1", "cannot open", err) ||
	    check_version(*own, path, err) ||
	    exec(*own, path, "BEGIN", "cannot start reading", err))
		return err->code;
	*src = (struct src){ .db = *own, .path = path, .schema = "main" };
	return 0;
}

/* One shard, read in one snapshot. */
static int merge_shard(struct merge *m, const char *path, struct fl_err *err)
{
	sqlite3 *own = NULL;
	sqlite3_stmt *s = NULL;
	struct src src = { .schema = "main" };
	struct sql q = { .n = 0 };
	char schema[32];
	bool stored_hash;
	int rc;

	if (open_shard(m, path, &src, schema, sizeof(schema), &own, err))
		goto out;
	m->ntmap = 0;
	stored_hash = fl_sql_schema_has_column(src.db, src.schema, "traces", "content_hash");
	sql_add(&q, "SELECT trace_id, %s FROM \"%s\".traces ORDER BY trace_id",
		stored_hash ? "content_hash" : "NULL", src.schema);
	if (prepare(src.db, path, &q, &s, err))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *stored = (const char *)sqlite3_column_text(s, 1);
		char hex[65];

		/* A hash a merge stored is the rows' hash; any other is computed. */
		if (stored && strlen(stored) == 64)
			memcpy(hex, stored, 65);
		else if (trace_hash(m, &src, id, hex, err))
			goto out;
		if (merge_trace(m, &src, id, hex, err))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		sql_err(src.db, path, "cannot read the traces", err);
		goto out;
	}
	merge_runs(m, &src, err);
out:
	sqlite3_finalize(s);
	sqlite3_close(own);
	return err->code;
}

/* A shard that is OUT itself would be read while written. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* OUT with its schema and indexes: the store writer makes it as a replay
 * would, so a merged database is one a replay can add to. */
static int create_out(const char *out, struct fl_err *err)
{
	struct fl_store *st;

	if (fl_store_open(out, &st, err) < 0)
		return err->code;
	if (fl_store_begin(st, err) == 0)
		fl_store_commit(st, err);
	fl_store_close(st);
	return err->code;
}

static void remove_new(const char *out)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[4096];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if ((size_t)snprintf(p, sizeof(p), "%s%s", out, suffix[i]) < sizeof(p))
			unlink(p);
}

/* OUT's indexes, dropped while an empty OUT is filled and made again at
 * the end (in the same transaction): one sorted pass per index instead of
 * an update per row, as the first replay into a database does. */
struct saved_indexes {
	char **sql;
	size_t n, cap;
};

static int drop_indexes(struct merge *m, struct saved_indexes *ix, struct fl_err *err)
{
	sqlite3_stmt *s;
	int64_t runs = 0;
	int rc;

	if (sqlite3_prepare_v2(m->out, "SELECT count(*) FROM runs", -1, &s, NULL) != SQLITE_OK)
		return sql_err(m->out, m->out_path, "cannot read the runs", err);
	if (sqlite3_step(s) == SQLITE_ROW)
		runs = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (runs)
		return 0;
	if (sqlite3_prepare_v2(m->out, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
				       " AND sql IS NOT NULL", -1, &s, NULL) != SQLITE_OK)
		return sql_err(m->out, m->out_path, "cannot read the indexes", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *sql = strdup((const char *)sqlite3_column_text(s, 1));

		if (!sql || fl_array_grow((void **)&ix->sql, &ix->cap, ix->n + 1, sizeof(*ix->sql)) < 0) {
			free(sql);
			fl_err_set(err, -ENOMEM, "out of memory");
			break;
		}
		ix->sql[ix->n++] = sql;
	}
	sqlite3_finalize(s);
	if (err->code)
		return err->code;
	if (rc != SQLITE_DONE)
		return sql_err(m->out, m->out_path, "cannot read the indexes", err);
	/* The names came from sqlite_master: a second statement drops them. */
	if (sqlite3_prepare_v2(m->out, "SELECT group_concat('DROP INDEX \"' || name || '\"', ';')"
				       " FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
			       -1, &s, NULL) != SQLITE_OK)
		return sql_err(m->out, m->out_path, "cannot read the indexes", err);
	{
		char *drop = NULL;

		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			drop = strdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);	/* before the DROPs: it reads sqlite_master */
		if (drop && sqlite3_exec(m->out, drop, NULL, NULL, NULL) != SQLITE_OK)
			sql_err(m->out, m->out_path, "cannot drop an index", err);
		free(drop);
	}
	return err->code;
}

static int restore_indexes(struct merge *m, struct saved_indexes *ix, struct fl_err *err)
{
	fl_sql_sort_threads(m->out);
	for (size_t i = 0; i < ix->n; i++)
		if (exec(m->out, m->out_path, ix->sql[i], "cannot index the merged rows", err))
			return err->code;
	return 0;
}

static void free_indexes(struct saved_indexes *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		free(ix->sql[i]);
	free(ix->sql);
}

size_t fl_merge_fast_shards(void)
{
	static int n;
	sqlite3 *db = NULL;

	if (n)
		return (size_t)n;
	/* The limit is the library's, asked of a connection of its own. */
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		n = sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, -1);
	sqlite3_close(db);
	if (n < 1)
		n = 1;
	return (size_t)n;
}

int fl_merge_hash_only(const char *db, struct fl_err *err)
{
	struct fl_merge_stats stats;
	struct merge m = { .out_path = db, .stats = &stats };
	int rc;

	if (fl_store_open_read(db, &m.out, err) < 0)	/* the readers' checks */
		return err->code;
	sqlite3_close(m.out);
	m.out = NULL;
	if (sqlite3_open_v2(db, &m.out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sql_err(m.out, db, "cannot open for writing", err);
		sqlite3_close(m.out);
		return err->code;
	}
	sqlite3_busy_timeout(m.out, 5000);
	rc = exec(m.out, db, "BEGIN IMMEDIATE", "cannot start hashing", err);
	if (!rc)
		rc = load_schema(&m, err) ?: ensure_hash_column(&m, err) ?: hash_out_traces(&m, err) ?:
		     exec(m.out, db, "COMMIT", "cannot commit the hashes", err);
	if (rc)
		sqlite3_exec(m.out, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(m.out);
	free(m.keyed);
	return rc;
}

int fl_merge(const char *out, const char *const *shards, size_t nshards,
	     struct fl_merge_stats *stats, struct fl_err *err)
{
	return fl_merge_ex(out, shards, nshards, 0, stats, err);
}

int fl_merge_ex(const char *out, const char *const *shards, size_t nshards, unsigned flags,
		struct fl_merge_stats *stats, struct fl_err *err)
{
	struct saved_indexes ix = { 0 };
	struct merge m = { .out_path = out, .stats = stats };
	bool created = !(flags & FL_MERGE_OUT_MADE) && access(out, F_OK) != 0, in_txn = false;

	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < nshards; i++)
		if (same_file(out, shards[i])) {
			fl_err_set(err, -EINVAL, "%s: the output is also given as a shard", shards[i]);
			fl_err_hint(err, "name a new output database");
			return err->code;
		}
	if (!(flags & FL_MERGE_OUT_MADE) && create_out(out, err))
		goto fail;
	if (sqlite3_open_v2(out, &m.out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sql_err(m.out, out, "cannot open for writing", err);
		goto fail;
	}
	sqlite3_busy_timeout(m.out, 5000);
	m.maxattach = sqlite3_limit(m.out, SQLITE_LIMIT_ATTACHED, -1);
	if (exec(m.out, out, "BEGIN IMMEDIATE", "cannot start the merge", err))
		goto fail;
	in_txn = true;
	if (load_schema(&m, err) || ensure_hash_column(&m, err) || hash_out_traces(&m, err) ||
	    drop_indexes(&m, &ix, err))
		goto fail;
	for (size_t i = 0; i < nshards; i++)
		if (merge_shard(&m, shards[i], err))
			goto fail;
	/* The query planner's statistics for the merged whole, as a replay
	 * gathers them for its own. */
	if (restore_indexes(&m, &ix, err) ||
	    (!(flags & FL_MERGE_NO_ANALYZE) &&
	     exec(m.out, out, ANALYZE_OUT_SQL, "cannot gather the query planner's statistics", err)) ||
	    exec(m.out, out, "COMMIT", "cannot commit the merge", err))
		goto fail;
	sqlite3_close(m.out);
	free(m.keyed);
	free(m.tmap);
	free_indexes(&ix);
	return 0;
fail:
	free_indexes(&ix);
	if (in_txn)
		sqlite3_exec(m.out, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(m.out);
	free(m.keyed);
	free(m.tmap);
	if (created)
		remove_new(out);
	return err->code ? err->code : -EIO;
}
