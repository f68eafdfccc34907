/* data: everything the TUI reads from the store (schemas/outcomes.sql).
 *
 * The database is opened read-only through analyze/store_read (which checks
 * that it is a faultline store this build reads).  Every read is a bound
 * statement on a primary key: the runs table; a run's outcomes, one range
 * of outcomes' key (run_id, fault_id); its trace's faults, one range of
 * faults' key (trace_id, fault_id), merged with them in fault order; the
 * trace's writers and threads.  Each read runs in its own short read
 * transaction, so a replay writing the database (WAL) is never held up and
 * a run appears whole or not at all.  A run's views are then computed in
 * memory, so a keypress costs no query.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/losses.h"
#include "analyze/store_read.h"
#include "fl_array.h"
#include "tui.h"

static int sql_err(struct tui_store *st, const char *what, struct fl_err *err)
{
	return fl_store_sql_error(st->db, st->path, what, err);
}

/* The store's column readers (analyze/store_read.h), made safe for the
 * screen: tui_sanitize() in place. */
static void copy_col(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	fl_store_col_copy(dst, len, s, col);
	tui_sanitize(dst, len, dst);
}

static char *dup_col(sqlite3_stmt *s, int col)
{
	char *d = fl_store_col_dup(s, col);

	if (d)
		tui_sanitize(d, strlen(d) + 1, d);
	return d;
}

static void tx_begin(struct tui_store *st)
{
	sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
}

static void tx_end(struct tui_store *st)
{
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int tui_store_open(struct tui_store *st, const char *path, struct fl_err *err)
{
	memset(st, 0, sizeof(*st));
	st->path = path;
	return fl_store_open_read(path, &st->db, err);
}

static void free_runs(struct tui_store *st)
{
	for (size_t i = 0; i < st->nruns; i++) {
		free(st->runs[i].knobs);
		free(st->runs[i].trace);
		free(st->runs[i].kernel);
	}
	free(st->runs);
	st->runs = NULL;
	st->nruns = 0;
}

void tui_store_close(struct tui_store *st)
{
	free_runs(st);
	sqlite3_close(st->db);
	st->db = NULL;
}

int tui_store_load_runs(struct tui_store *st, struct fl_err *err)
{
	static const char sql[] =
		"SELECT r.run_id, r.trace_id, r.strategy, r.profile, r.knobs, r.seed,"
		" r.created_at, r.wall_ms, r.faults, r.fallbacks, r.unplaced,"
		" t.path, t.dialect, t.kernel, t.t_first, t.t_last,"
		" (SELECT value FROM meta WHERE key = 'run_state:' || r.run_id)"
		" FROM runs r JOIN traces t ON t.trace_id = r.trace_id ORDER BY r.run_id";
	struct tui_run *runs = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	tx_begin(st);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = sql_err(st, "cannot read the runs", err);
		tx_end(st);
		return rc;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tui_run *r;

		if (fl_array_grow((void **)&runs, &cap, n + 1, sizeof(*runs)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		r = &runs[n++];
		memset(r, 0, sizeof(*r));
		r->run_id = sqlite3_column_int64(s, 0);
		r->trace_id = sqlite3_column_int64(s, 1);
		copy_col(r->strategy, sizeof(r->strategy), s, 2);
		copy_col(r->profile, sizeof(r->profile), s, 3);
		r->knobs = dup_col(s, 4);
		r->seed = sqlite3_column_int64(s, 5);
		copy_col(r->created, sizeof(r->created), s, 6);
		r->wall_ms = sqlite3_column_int64(s, 7);
		r->faults = sqlite3_column_int64(s, 8);
		r->fallbacks = sqlite3_column_int64(s, 9);
		r->unplaced = sqlite3_column_int64(s, 10);
		r->trace = dup_col(s, 11);
		copy_col(r->dialect, sizeof(r->dialect), s, 12);
		r->kernel = dup_col(s, 13);
		r->t_first = sqlite3_column_int64(s, 14);
		r->t_last = sqlite3_column_int64(s, 15);
		copy_col(r->state, sizeof(r->state), s, 16);
		{
			struct fl_loss_summary ls;

			if (fl_losses_read(st->db, r->trace_id, &ls) == 0)
				fl_losses_line(r->lost, sizeof(r->lost), &ls);
		}
		if (!r->knobs || !r->trace || !r->kernel) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		struct tui_store tmp = { .runs = runs, .nruns = n };

		free_runs(&tmp);
		rc = rc == SQLITE_NOMEM ? fl_err_set(err, -ENOMEM, "out of memory")
					: sql_err(st, "cannot read the runs", err);
		sqlite3_finalize(s);
		tx_end(st);
		return rc;
	}
	sqlite3_finalize(s);
	tx_end(st);
	free_runs(st);
	st->runs = runs;
	st->nruns = n;
	return 0;
}

const struct tui_run *tui_store_run(const struct tui_store *st, int64_t run_id)
{
	for (size_t i = 0; i < st->nruns; i++)
		if (st->runs[i].run_id == run_id)
			return &st->runs[i];
	return NULL;
}

bool tui_store_any_live(const struct tui_store *st)
{
	for (size_t i = 0; i < st->nruns; i++)
		if (!strcmp(st->runs[i].state, "live"))
			return true;
	return false;
}

void tui_loaded_free(struct tui_loaded *ld)
{
	free(ld->outs);
	for (size_t i = 0; i < ld->ncauses; i++) {
		free(ld->causes[i].counter);
		free(ld->causes[i].reason);
		free(ld->causes[i].description);
	}
	free(ld->causes);
	tui_strs_free(&ld->paths);
	tui_strs_free(&ld->kinds);
	tui_strs_free(&ld->access);
	free(ld->writers);
	free(ld->threads);
	memset(ld, 0, sizeof(*ld));
}

size_t tui_bin(const struct tui_run *run, int64_t t)
{
	/* The store's times come from any trace, so a span may not fit in 64
	 * bits: subtract wide, as the time formatting does. */
	__int128 span = (__int128)run->t_last - run->t_first;
	__int128 d = (__int128)t - run->t_first;

	if (span <= 0 || d <= 0)
		return 0;
	if (d >= span)
		return TUI_BINS - 1;
	return (size_t)((double)d / (double)span * TUI_BINS);
}

/* The cause (counter, reason) of the run, added at its first outcome with
 * description (NULL: not stored). */
static int find_cause(struct tui_loaded *ld, const char *counter, const char *reason,
		      const char *description, unsigned *idx)
{
	struct tui_cause *c;

	if (*idx < ld->ncauses && strcmp(ld->causes[*idx].counter, counter) == 0 &&
	    strcmp(ld->causes[*idx].reason, reason) == 0)
		return 0;
	for (size_t i = 0; i < ld->ncauses; i++)
		if (strcmp(ld->causes[i].counter, counter) == 0 &&
		    strcmp(ld->causes[i].reason, reason) == 0) {
			*idx = (unsigned)i;
			return 0;
		}
	if (ld->ncauses >= UINT16_MAX)
		return -ENOSPC;
	if (fl_array_grow((void **)&ld->causes, &ld->causes_cap, ld->ncauses + 1,
			  sizeof(*ld->causes)) < 0)
		return -ENOMEM;
	c = &ld->causes[ld->ncauses];
	memset(c, 0, sizeof(*c));
	c->counter = strdup(counter);
	c->reason = strdup(reason);
	c->description = description ? strdup(description) : NULL;
	if (!c->counter || !c->reason || (description && !c->description)) {
		free(c->counter);
		free(c->reason);
		free(c->description);
		return -ENOMEM;
	}
	*idx = (unsigned)ld->ncauses++;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Mean and p99 (nearest rank) of each cause's latency. */
static int cause_stats(struct tui_loaded *ld)
{
	size_t *start = calloc(ld->ncauses + 1, sizeof(*start));
	int64_t *lat = malloc((ld->n ? ld->n : 1) * sizeof(*lat));
	size_t *fill = calloc(ld->ncauses + 1, sizeof(*fill));

	if (!start || !lat || !fill) {
		free(start);
		free(lat);
		free(fill);
		return -ENOMEM;
	}
	for (size_t c = 0; c < ld->ncauses; c++)
		start[c + 1] = start[c] + ld->causes[c].n;
	for (size_t i = 0; i < ld->n; i++) {
		unsigned c = ld->outs[i].cause;

		lat[start[c] + fill[c]++] = ld->outs[i].latency;
	}
	for (size_t c = 0; c < ld->ncauses; c++) {
		size_t n = ld->causes[c].n, rank;

		if (!n)
			continue;
		qsort(lat + start[c], n, sizeof(*lat), cmp_i64);
		rank = (size_t)fl_nearest_rank(n, 99);
		ld->causes[c].p99 = lat[start[c] + rank - 1];
	}
	free(start);
	free(lat);
	free(fill);
	return 0;
}

/* A writer's address range, from its call and arguments (schemas:
 * mmap [addr,len,..] returning the address, munmap/mprotect/madvise and
 * mlock/mlock2/munlock [addr,len,..], mremap [old,oldlen,newlen,flags,new] returning the new
 * address).  lo == hi: unknown (brk, mlockall, untraced). */
static void writer_range(struct tui_writer *w, sqlite3_stmt *s)
{
	int64_t a0 = sqlite3_column_int64(s, 7), a1 = sqlite3_column_int64(s, 8);
	int64_t a2 = sqlite3_column_int64(s, 9), ret = sqlite3_column_int64(s, 3);
	bool has_ret = sqlite3_column_type(s, 3) != SQLITE_NULL;

	w->lo = w->hi = 0;
	if (strcmp(w->call, "mmap") == 0) {
		if (has_ret && ret > 0) {
			w->lo = ret;
			w->hi = ret + a1;
		}
	} else if (strcmp(w->call, "munmap") == 0 || strcmp(w->call, "mprotect") == 0 ||
		   strcmp(w->call, "madvise") == 0 || strcmp(w->call, "mlock") == 0 ||
		   strcmp(w->call, "pkey_mprotect") == 0 ||
		   strcmp(w->call, "mlock2") == 0 || strcmp(w->call, "munlock") == 0) {
		w->lo = a0;
		w->hi = a0 + a1;
	} else if (strcmp(w->call, "mremap") == 0) {
		w->lo = a0;
		w->hi = a0 + (a2 > a1 ? a2 : a1);
		if (has_ret && ret > 0 && (ret < w->lo || ret >= w->hi)) {
			/* moved: count both the old and the new place */
			if (ret < w->lo)
				w->lo = ret;
			else
				w->hi = ret + a2;
		}
	}
}

static int load_trace(struct tui_store *st, struct tui_loaded *ld, int64_t trace_id,
		      struct fl_err *err)
{
	static const char wsql[] =
		"SELECT writer_id, tid, call, ret,"
		" coalesce(t_lock_acquired, t_lock_start, t_enter),"
		" coalesce(t_lock_released, t_exit, t_lock_acquired, t_enter),"
		" t_lock_start,"
		" json_extract(args, '$[0]'), json_extract(args, '$[1]'),"
		" json_extract(args, '$[2]')"
		" FROM writers WHERE trace_id = ?1 ORDER BY writer_id";
	static const char tsql[] =
		"SELECT tid, pid, comm FROM threads WHERE trace_id = ?1 ORDER BY tid";
	size_t wcap = 0, tcap = 0;
	sqlite3_stmt *s = NULL;
	int rc;

	free(ld->writers);
	free(ld->threads);
	ld->writers = NULL;
	ld->threads = NULL;
	ld->nwriters = ld->nthreads = 0;
	ld->trace_id = 0;
	if (sqlite3_prepare_v2(st->db, wsql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, "cannot read the writers", err);
	sqlite3_bind_int64(s, 1, trace_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct tui_writer *w;

		/* writer_id counts from 1 in order: index id - 1 */
		if (id < 1 || id > 100000000)
			continue;
		if (fl_array_grow((void **)&ld->writers, &wcap, (size_t)id,
				  sizeof(*ld->writers)) < 0) {
			sqlite3_finalize(s);
			return fl_err_set(err, -ENOMEM, "out of memory");
		}
		while (ld->nwriters < (size_t)id)
			memset(&ld->writers[ld->nwriters++], 0, sizeof(*ld->writers));
		w = &ld->writers[id - 1];
		w->tid = sqlite3_column_int(s, 1);
		copy_col(w->call, sizeof(w->call), s, 2);
		w->t0 = sqlite3_column_int64(s, 4);
		w->t1 = sqlite3_column_int64(s, 5);
		writer_range(w, s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, "cannot read the writers", err);
	if (sqlite3_prepare_v2(st->db, tsql, -1, &s, NULL) != SQLITE_OK)
		return sql_err(st, "cannot read the threads", err);
	sqlite3_bind_int64(s, 1, trace_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tui_thread *t;

		if (fl_array_grow((void **)&ld->threads, &tcap, ld->nthreads + 1,
				  sizeof(*ld->threads)) < 0) {
			sqlite3_finalize(s);
			return fl_err_set(err, -ENOMEM, "out of memory");
		}
		t = &ld->threads[ld->nthreads++];
		t->tid = sqlite3_column_int(s, 0);
		t->pid = sqlite3_column_int(s, 1);
		copy_col(t->comm, sizeof(t->comm), s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sql_err(st, "cannot read the threads", err);
	ld->trace_id = trace_id;
	return 0;
}

static int cmp_tid_thread(const void *key, const void *elem)
{
	int32_t k = *(const int32_t *)key, tid = ((const struct tui_thread *)elem)->tid;

	return k < tid ? -1 : k > tid;
}

const struct tui_thread *tui_loaded_thread(const struct tui_loaded *ld, int32_t tid)
{
	/* ld->threads is sorted by tid (the threads query orders them). */
	if (!ld->nthreads)
		return NULL;
	return bsearch(&tid, ld->threads, ld->nthreads, sizeof(*ld->threads), cmp_tid_thread);
}

const struct tui_writer *tui_loaded_writer(const struct tui_loaded *ld, int32_t writer_id)
{
	if (writer_id < 1 || (size_t)writer_id > ld->nwriters)
		return NULL;
	return &ld->writers[writer_id - 1];
}

static const char out_sql[] =
	"SELECT fault_id, path, fell_back, counter, reason, attempts, latency, lock_wait,"
	" writer_id, vma_start, vma_end, vma_kind"
	" FROM outcomes WHERE run_id = ?1 ORDER BY fault_id";
/* The same from the compact rows (schema version 5), their codes resolved
 * here through the run's dictionaries (tui_codes_load()). */
static const char out_rows_sql[] =
	"SELECT fault_id, cause_id, fell_back, attempts, latency, lock_wait, writer_id, vma_id"
	" FROM outcome_rows WHERE run_id = ?1 ORDER BY fault_id";
static const char fault_sql[] =
	"SELECT fault_id, t, tid, address, access FROM faults WHERE trace_id = ?1"
	" ORDER BY fault_id";

static const char *col_text(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return t ? t : "";
}

/* An outcome read through the view: its texts looked up by value. */
static int out_from_view(struct tui_loaded *ld, sqlite3_stmt *o, struct tui_out *x,
			 unsigned *cause)
{
	int a = sqlite3_column_int(o, 5);

	x->fault_id = sqlite3_column_int64(o, 0);
	x->path = (uint8_t)tui_intern(&ld->paths, (const char *)sqlite3_column_text(o, 1));
	x->fell_back = sqlite3_column_int(o, 2) != 0;
	if (find_cause(ld, col_text(o, 3), col_text(o, 4), NULL, cause) < 0)
		return -ENOMEM;
	x->cause = (uint16_t)*cause;
	x->attempts = (uint8_t)(a < 0 ? 0 : a > 255 ? 255 : a);
	x->latency = sqlite3_column_int64(o, 6);
	x->lock_wait = sqlite3_column_int64(o, 7);
	x->writer_id = sqlite3_column_int(o, 8);
	x->has_vma = sqlite3_column_type(o, 9) != SQLITE_NULL;
	x->vma_start = sqlite3_column_int64(o, 9);
	x->vma_end = sqlite3_column_int64(o, 10);
	x->kind = (uint8_t)tui_intern(&ld->kinds, (const char *)sqlite3_column_text(o, 11));
	return 0;
}

/* An outcome read from outcome_rows: each code's texts are looked up once,
 * at its first use, in the order the view would have met them. */
static int out_from_rows(struct tui_loaded *ld, struct tui_codes *k, sqlite3_stmt *o,
			 struct tui_out *x, unsigned *cause)
{
	int64_t cid = sqlite3_column_int64(o, 1), vid = sqlite3_column_int64(o, 7);
	struct tui_code_cause *c = cid >= 1 && (size_t)cid <= k->nc && k->c[cid - 1].path
				   ? &k->c[cid - 1] : NULL;
	struct tui_code_vma *v = sqlite3_column_type(o, 7) != SQLITE_NULL && vid >= 1 &&
				 (size_t)vid <= k->nv && k->v[vid - 1].kind ? &k->v[vid - 1] : NULL;
	int a = sqlite3_column_int(o, 3);

	x->fault_id = sqlite3_column_int64(o, 0);
	if (!c) {	/* no such code: the view's NULL texts */
		x->path = (uint8_t)tui_intern(&ld->paths, "");
		if (find_cause(ld, "", "", NULL, cause) < 0)
			return -ENOMEM;
	} else {
		if (c->path_i < 0)
			c->path_i = (int)tui_intern(&ld->paths, c->path);
		if (c->cause < 0) {
			if (find_cause(ld, c->counter, c->reason, c->description, cause) < 0)
				return -ENOMEM;
			c->cause = (int)*cause;
		}
		x->path = (uint8_t)c->path_i;
		*cause = (unsigned)c->cause;
	}
	x->cause = (uint16_t)*cause;
	x->fell_back = sqlite3_column_int(o, 2) != 0;
	x->attempts = (uint8_t)(a < 0 ? 0 : a > 255 ? 255 : a);
	x->latency = sqlite3_column_int64(o, 4);
	x->lock_wait = sqlite3_column_int64(o, 5);
	x->writer_id = sqlite3_column_int(o, 6);
	if (v) {
		if (v->kind_i < 0)
			v->kind_i = (int)tui_intern(&ld->kinds, v->kind);
		x->has_vma = v->has_start;
		x->vma_start = v->start;
		x->vma_end = v->end;
		x->kind = (uint8_t)v->kind_i;
	} else {
		if (k->none_kind_i < 0)
			k->none_kind_i = (int)tui_intern(&ld->kinds, "");
		x->kind = (uint8_t)k->none_kind_i;
	}
	return 0;
}

/* The two range scans, merged on fault_id. */
static int read_outcomes(struct tui_store *st, struct tui_loaded *ld, struct fl_err *err)
{
	sqlite3_stmt *o = NULL, *f = NULL;
	int orc, frc = SQLITE_ROW, rc = 0;
	int64_t fid = -1;
	unsigned cause = 0;
	struct tui_codes codes;
	int compact = tui_codes_load(st->db, ld->run->run_id, &codes);

	if (compact == -ENOMEM) {
		rc = fl_err_set(err, -ENOMEM, "out of memory reading run %lld",
				(long long)ld->run->run_id);
		goto out;
	}
	if (compact < 0) {
		rc = sql_err(st, "cannot read the outcomes", err);
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, compact == 0 ? out_rows_sql : out_sql, -1, &o, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, fault_sql, -1, &f, NULL) != SQLITE_OK) {
		rc = sql_err(st, "cannot read the outcomes", err);
		goto out;
	}
	sqlite3_bind_int64(o, 1, ld->run->run_id);
	sqlite3_bind_int64(f, 1, ld->run->trace_id);
	frc = sqlite3_step(f);
	while ((orc = sqlite3_step(o)) == SQLITE_ROW) {
		struct tui_out *x;
		struct tui_cause *c;

		if (fl_array_grow((void **)&ld->outs, &ld->cap, ld->n + 1, sizeof(*ld->outs)) < 0) {
			rc = fl_err_set(err, -ENOMEM, "out of memory reading run %lld",
					(long long)ld->run->run_id);
			goto out;
		}
		x = &ld->outs[ld->n];
		memset(x, 0, sizeof(*x));
		if ((compact == 0 ? out_from_rows(ld, &codes, o, x, &cause)
				  : out_from_view(ld, o, x, &cause)) < 0) {
			rc = fl_err_set(err, -ENOMEM, "out of memory reading run %lld",
					(long long)ld->run->run_id);
			goto out;
		}
		/* the fault of the same id: faults run ahead in the same order */
		while (frc == SQLITE_ROW && (fid = sqlite3_column_int64(f, 0)) < x->fault_id)
			frc = sqlite3_step(f);
		if (frc == SQLITE_ROW && fid == x->fault_id) {
			x->t = sqlite3_column_int64(f, 1);
			x->tid = sqlite3_column_int(f, 2);
			x->address = sqlite3_column_int64(f, 3);
			x->access = (uint8_t)tui_intern(&ld->access,
							(const char *)sqlite3_column_text(f, 4));
		}
		c = &ld->causes[cause];
		c->n++;
		c->fell_back += x->fell_back;
		c->sum += x->latency;
		c->bins[tui_bin(ld->run, x->t)]++;
		if (x->fell_back)
			ld->fell_bins[tui_bin(ld->run, x->t)]++;
		ld->n++;
	}
	if (orc != SQLITE_DONE || (frc != SQLITE_ROW && frc != SQLITE_DONE))
		rc = sql_err(st, "cannot read the outcomes", err);
out:
	sqlite3_finalize(o);
	sqlite3_finalize(f);
	if (compact == 0)
		tui_codes_free(&codes);
	return rc;
}

int tui_load_run(struct tui_store *st, int64_t run_id, struct tui_loaded *ld,
		 struct fl_err *err)
{
	const struct tui_run *run = tui_store_run(st, run_id);
	int64_t trace_id = ld->trace_id;
	struct tui_writer *w = ld->writers;
	struct tui_thread *th = ld->threads;
	size_t nw = ld->nwriters, nt = ld->nthreads;
	int rc;

	if (!run)
		return fl_store_no_run(st->db, st->path, run_id, err);
	/* Keep the trace's writers and threads when the trace is the same. */
	ld->writers = NULL;
	ld->threads = NULL;
	tui_loaded_free(ld);
	if (trace_id == run->trace_id) {
		ld->writers = w;
		ld->threads = th;
		ld->nwriters = nw;
		ld->nthreads = nt;
		ld->trace_id = trace_id;
	} else {
		free(w);
		free(th);
	}
	ld->run = run;
	ld->run_id = run_id;
	tx_begin(st);
	rc = read_outcomes(st, ld, err);
	if (!rc && ld->trace_id != run->trace_id)
		rc = load_trace(st, ld, run->trace_id, err);
	tx_end(st);
	if (!rc && cause_stats(ld) < 0)
		rc = fl_err_set(err, -ENOMEM, "out of memory");
	if (rc)
		tui_loaded_free(ld);
	return rc;
}

int tui_compare(struct tui_store *st, int64_t a, int64_t b, struct tui_cmp_row **rows,
		size_t *nrows, int64_t only[2], struct fl_err *err)
{
	static const char csql[] =
		"SELECT run_id, counter, reason, n, fell_back FROM cause_counts"
		" WHERE run_id IN (?1, ?2) ORDER BY counter, reason";
	/* Faults that fall back in one run only; runs of one trace only. */
	static const char dsql[] =
		"SELECT coalesce(sum(x.fell_back > y.fell_back), 0),"
		" coalesce(sum(y.fell_back > x.fell_back), 0)"
		" FROM outcomes x JOIN outcomes y ON y.run_id = ?2 AND y.fault_id = x.fault_id"
		" WHERE x.run_id = ?1";
	const struct tui_run *ra = tui_store_run(st, a), *rb = tui_store_run(st, b);
	struct tui_cmp_row *r = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	*rows = NULL;
	*nrows = 0;
	only[0] = only[1] = -1;
	tx_begin(st);
	if (sqlite3_prepare_v2(st->db, csql, -1, &s, NULL) != SQLITE_OK) {
		rc = sql_err(st, "cannot read the cause counts", err);
		goto out;
	}
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char counter[64], reason[96];
		struct tui_cmp_row *row = NULL;
		bool is_a = sqlite3_column_int64(s, 0) == a;

		copy_col(counter, sizeof(counter), s, 1);
		copy_col(reason, sizeof(reason), s, 2);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(r[i].counter, counter) && !strcmp(r[i].reason, reason))
				row = &r[i];
		if (!row) {
			if (fl_array_grow((void **)&r, &cap, n + 1, sizeof(*r)) < 0) {
				rc = fl_err_set(err, -ENOMEM, "out of memory");
				goto out;
			}
			row = &r[n++];
			memset(row, 0, sizeof(*row));
			memcpy(row->counter, counter, sizeof(counter));
			memcpy(row->reason, reason, sizeof(reason));
		}
		if (is_a) {
			row->n_a += sqlite3_column_int64(s, 3);
			row->fb_a += sqlite3_column_int64(s, 4);
		}
		if (sqlite3_column_int64(s, 0) == b) {
			row->n_b += sqlite3_column_int64(s, 3);
			row->fb_b += sqlite3_column_int64(s, 4);
		}
	}
	if (step != SQLITE_DONE) {
		rc = sql_err(st, "cannot read the cause counts", err);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (ra && rb && ra->trace_id == rb->trace_id) {
		if (sqlite3_prepare_v2(st->db, dsql, -1, &s, NULL) != SQLITE_OK) {
			rc = sql_err(st, "cannot compare the outcomes", err);
			goto out;
		}
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		if (sqlite3_step(s) == SQLITE_ROW) {
			only[0] = sqlite3_column_int64(s, 0);
			only[1] = sqlite3_column_int64(s, 1);
		}
	}
out:
	sqlite3_finalize(s);
	tx_end(st);
	if (rc)
		free(r);
	else {
		*rows = r;
		*nrows = n;
	}
	return rc;
}
