/* The rows of a trace: writers, faults and outcomes (bulk, through the
 * writer thread), losses, threads and their times. */
#include "store_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"

/* v in decimal at dst, without a NUL: its length. */
static size_t put_u64(char *dst, uint64_t v)
{
	char rev[20];
	size_t n = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		dst[i] = rev[n - 1 - i];
	return n;
}

/* "[", six numbers of up to 20 digits with commas between, "]", NUL. */
_Static_assert(ROW_TEXT_MAX >= 1 + 6 * 20 + 5 + 1 + 1, "a writer's args fit");

int fl_store_writer(struct fl_store *st, int64_t trace_id, const struct fl_writer *w)
{
	char *args, *end;
	struct row *r = store_row_new(st, TAB_WRITERS, ROW_TEXT_MAX, &args);

	if (!r)
		return -EIO;
	/* By hand, not snprintf(): its seven calls per writer were 1% of
	 * the calling thread's time on the largest bundled trace. */
	end = args;
	*end++ = '[';
	if (w->traced)
		for (int i = 0; i < 6; i++) {
			if (i)
				*end++ = ',';
			end += put_u64(end, w->call.args[i]);
		}
	*end++ = ']';
	*end = '\0';
	val_int(r, 0, trace_id);
	val_int(r, 1, (int64_t)w->id);
	val_int(r, 2, w->tid);
	val_int(r, 3, w->pid);
	val_text(r, 4, w->traced ? fl_mm_kind_name(w->call.kind) : w->fork ? "fork" : "untraced");
	val_text(r, 5, args);
	r->type[5] = VAL_BLOCK_TEXT;
	if (w->traced && w->call.has_exit)
		val_int(r, 6, w->call.ret);
	else
		val_null(r, 6);
	if (w->traced && w->call.has_enter)
		val_int(r, 7, (int64_t)w->call.t_enter);
	else
		val_null(r, 7);
	if (w->traced && w->call.has_exit)
		val_int(r, 8, (int64_t)w->call.t_exit);
	else
		val_null(r, 8);
	if (w->has_lock)
		val_int(r, 9, (int64_t)w->t_lock_start);
	else
		val_null(r, 9);
	if (w->has_lock && w->t_lock_acquired)
		val_int(r, 10, (int64_t)w->t_lock_acquired);
	else
		val_null(r, 10);
	if (w->has_lock && w->t_lock_released)
		val_int(r, 11, (int64_t)w->t_lock_released);
	else
		val_null(r, 11);
	val_int(r, 12, w->vmas_written);
	if (w->traced && w->call.call_site)
		val_int(r, 13, (int64_t)w->call.call_site);
	else
		val_null(r, 13);
	return 0;
}

static const char *access_text(uint32_t a)
{
	static const char *const names[] = { "read", "write", "exec", "read,prot", "write,prot",
					     "exec,prot" };
	int k = (a & FL_ACC_EXEC) ? 2 : (a & FL_ACC_WRITE) ? 1 : 0;

	return names[k + ((a & FL_ACC_PROT) ? 3 : 0)];
}

int fl_store_fault(struct fl_store *st, int64_t trace_id, const struct fl_fault_view *v,
		   const struct fl_gt_result *gt)
{
	struct row *r = store_row_new(st, TAB_FAULTS, 0, NULL);

	if (!r)
		return -EIO;
	if (!st->tally_oom && v->fault_id >= st->capfault_t &&
	    fl_array_grow((void **)&st->fault_t, &st->capfault_t, v->fault_id + 1,
			  sizeof(*st->fault_t)) < 0)
		st->tally_oom = true;
	if (!st->tally_oom)
		st->fault_t[v->fault_id] = (int64_t)v->t;
	if (!st->tally_oom && !store_gt_classify(st, v->fault_id, fl_gt_name(gt->gt), gt->detail))
		st->tally_oom = true;
	val_int(r, 0, trace_id);
	val_int(r, 1, (int64_t)v->fault_id);
	val_int(r, 2, (int64_t)v->t);
	if (v->has_end)
		val_int(r, 3, (int64_t)v->t_end);
	else
		val_null(r, 3);
	val_int(r, 4, v->tid);
	val_int(r, 5, v->pid);
	val_int(r, 6, v->cpu);
	val_int(r, 7, (int64_t)v->fault->address);
	val_int(r, 8, (int64_t)v->fault->ip);
	val_text(r, 9, access_text(v->fault->access));
	val_int(r, 10, (int64_t)v->fault->arch_code);
	if (v->has_end)
		val_int(r, 11, v->major);
	else
		val_null(r, 11);
	val_text(r, 12, fl_gt_name(gt->gt));
	val_text(r, 13, gt->detail);
	if (gt->gt == FL_GT_FALLBACK)
		val_int(r, 14, (int64_t)gt->lock_wait);
	else
		val_null(r, 14);
	return 0;
}

int fl_store_outcome(struct fl_store *st, int64_t run_id, const struct fl_fault_view *v,
		     const struct fl_outcome *o)
{
	struct run_tally *t = store_run_tally(st, run_id);
	bool placed = v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED ||
		      (v->place == FL_PLACE_STACK && v->vma.end);
	const char *kind = placed ? fl_vma_kind_name(v->vma.kind) : "";
	int64_t cause, vma = 0;
	int handler = store_handler_of(v);
	struct row *r;

	if (st->failed)
		return st->failed;
	if (!t) {
		st->failed = fl_err_set(&st->fail_err, -EINVAL, "%s: outcome of fault %" PRIu64
					" for run %" PRId64 ", which this replay did not begin",
					st->path, v->fault_id, run_id);
		return st->failed;
	}
	if (store_tally(t, o) < 0) {
		st->failed = fl_err_set(&st->fail_err, -ENOMEM, "out of memory");
		return st->failed;
	}
	/* Without memory for the views' tallies the replay goes on: the
	 * report reads the outcomes instead. */
	if (!st->tally_oom && !store_tally_views(st, t, v, o, placed, kind))
		st->tally_oom = true;
	cause = store_cause_code(st, t, fl_path_name(o->path), o->cause);
	if (cause >= 0 && placed)
		vma = store_vma_code(st, t, v->vma.start, v->vma.end, kind);
	if (cause == -ENOMEM || vma == -ENOMEM) {
		st->failed = fl_err_set(&st->fail_err, -ENOMEM, "out of memory");
		return st->failed;
	}
	if (cause < 0 || vma < 0)
		return -EIO;
	r = store_row_new(st, TAB_OUTCOMES, 0, NULL);
	if (!r)
		return -EIO;
	val_int(r, 0, run_id);
	val_int(r, 1, (int64_t)v->fault_id);
	val_int(r, 2, cause);
	val_int(r, 3, o->fell_back);
	val_int(r, 4, (int)o->attempts);
	val_int(r, 5, (int64_t)o->latency);
	val_int(r, 6, (int64_t)o->lock_wait);
	if (o->writer)
		val_int(r, 7, (int64_t)o->writer->id);
	else
		val_null(r, 7);
	if (placed)
		val_int(r, 8, vma);
	else
		val_null(r, 8);
	if (handler != H_NONE)
		val_int(r, 9, handler);
	else
		val_null(r, 9);
	return 0;
}

int fl_store_losses(struct fl_store *st, int64_t trace_id, const struct fl_store_loss *v, size_t n,
		    uint64_t t_first, uint64_t *marked, struct fl_err *err)
{
	uint64_t ring = 0, first = UINT64_MAX;
	sqlite3_stmt *s;
	int rc;

	if (!n)
		return 0;
	if (store_sync(st, false) < 0) {
		*err = st->fail_err;
		return -EIO;
	}
	if (store_prepare(st, &s, "INSERT INTO losses (trace_id, loss_id, what, stream, cpu, count, t_begin,"
			   " t_end) VALUES (?,?,?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		const struct fl_lost *l = &v[i].l;
		/* A loss that does not say when it began may be anywhere
		 * before its end: from the start, to be safe. */
		uint64_t from = l->t_begin ? l->t_begin : t_first;

		if (from < first)
			first = from;
		if (l->ring)
			ring += l->count;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, trace_id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		bind_text(s, 3, l->inferred ? "perf records (inferred)" : l->ring ? "perf records"
				: l->packets ? "packets" : "events");
		bind_u64(s, 4, l->stream_id);
		sqlite3_bind_int(s, 5, v[i].cpu);
		bind_u64(s, 6, l->count);
		if (l->t_begin)
			bind_u64(s, 7, l->t_begin);
		else
			sqlite3_bind_null(s, 7);
		if (l->t_end)
			bind_u64(s, 8, l->t_end);
		else
			sqlite3_bind_null(s, 8);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return store_fail(st, err, "cannot store the trace's losses");
		}
	}
	sqlite3_finalize(s);
	if (store_prepare(st, &s, "UPDATE traces SET lost_records = ?1, t_first_loss = ?2 WHERE trace_id = ?3",
		    err))
		return -EIO;
	bind_u64(s, 1, ring);
	bind_u64(s, 2, first);
	sqlite3_bind_int64(s, 3, trace_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the trace's losses");
	/* After a loss the trace may lack a munmap, a lock event, a fault's
	 * end: neither the model's layout nor the ground truth is sure. */
	if (store_prepare(st, &s, "UPDATE faults SET gt = 'unknown', gt_detail = 'after loss',"
			   " gt_lock_wait = NULL WHERE trace_id = ?1 AND t >= ?2", err))
		return -EIO;
	sqlite3_bind_int64(s, 1, trace_id);
	bind_u64(s, 2, first);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot mark the faults after a loss");
	*marked = (uint64_t)sqlite3_changes(st->db);
	st->loss_marked = true;
	st->loss_from = (int64_t)first;
	return 0;
}

int fl_store_thread(struct fl_store *st, int64_t trace_id, const struct fl_engine_thread *t)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0)
		return -EIO;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO threads (trace_id, tid, pid, comm, faults,"
				       " gt_fallbacks, mm_calls) VALUES (?,?,?,?,?,?,?)", -1, &s, NULL) !=
	    SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, trace_id);
	sqlite3_bind_int(s, 2, t->tid);
	sqlite3_bind_int(s, 3, t->pid);
	bind_text(s, 4, t->comm);
	bind_u64(s, 5, t->faults);
	bind_u64(s, 6, t->gt_fallbacks);
	bind_u64(s, 7, t->mm_calls);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int fl_store_thread_time(struct fl_store *st, int64_t run_id, const struct fl_delay_thread *t)
{
	sqlite3_stmt *s;
	int rc;

	if (store_sync(st, false) < 0)
		return -EIO;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO thread_times (run_id, tid, pid, faults,"
				       " blocked_traced, blocked_pred, wasted, run_traced, run_pred)"
				       " VALUES (?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, t->tid);
	sqlite3_bind_int(s, 3, t->pid);
	bind_u64(s, 4, t->faults);
	bind_u64(s, 5, t->blocked_traced);
	bind_u64(s, 6, t->blocked_pred);
	bind_u64(s, 7, t->wasted);
	bind_u64(s, 8, fl_delay_run_traced(t));
	bind_u64(s, 9, fl_delay_run_pred(t));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}
