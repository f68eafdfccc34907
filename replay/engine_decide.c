/* Deciding one fault: the writers in its way and the mmap_lock model, each
 * run's strategy, the delay accounting (stage 1), and the speculative
 * strategies once their window is known (stage 2). */
#include "engine_state.h"

#include <stdlib.h>
#include <string.h>

#include "rwsem.h"

/* Costs (ns) used until the trace has calibrated a handler: the order of
 * magnitude of each handler on a current x86_64 server. */
static const uint64_t default_cost[FL_H__COUNT] = {
	[FL_H_ANON_READ] = 700, [FL_H_ANON_WRITE] = 1800, [FL_H_FILE_READ] = 1500,
	[FL_H_FILE_COW] = 2500, [FL_H_FILE_SHARED] = 2000, [FL_H_WP] = 1800,
	[FL_H_SWAP] = 30000, [FL_H_SPURIOUS] = 400,
};

static bool hit_in_window(const struct writer_obj *w, uint64_t t)
{
	return w->w.w_begin <= t && t <= w->w.w_end;
}

static bool writer_wrote(const struct writer_obj *w, uint64_t id)
{
	for (size_t i = 0; i < w->nids; i++)
		if (w->ids[i] == id)
			return true;
	return false;
}

/* Where the writer's call began its walk, 0 when unknown: munmap,
 * mprotect, pkey_mprotect, madvise, mlock, mlock2 and munlock at their
 * start argument, mmap at the address it returned.  mremap, brk and
 * mlockall (every VMA) are left out. */
static uint64_t writer_call_start(const struct writer_obj *w)
{
	const struct fl_mm_call *c = &w->w.call;

	if (w->dup)	/* dup_mmap() walks them all, from the lowest */
		return w->ndupv ? w->dupv[0].start : 0;
	switch (c->kind) {
	case FL_MM_MUNMAP:
	case FL_MM_MPROTECT:
	case FL_MM_PKEY_MPROTECT:
	case FL_MM_MADVISE:
	case FL_MM_MLOCK:
	case FL_MM_MLOCK2:
	case FL_MM_MUNLOCK:
		/* (do_mlock() rounds it down to a page: the same VMA) */
		return c->args[0];
	case FL_MM_MMAP:
		return c->ret > 0 ? (uint64_t)c->ret : 0;
	default:
		return 0;
	}
}

/* The end of the range of the writer's call, which began at cs
 * (writer_call_start(), non-zero only for the calls whose length is their
 * second argument, or a fork's walk); 0 unknown. */
static uint64_t writer_call_end(const struct writer_obj *w, uint64_t cs)
{
	return cs && !w->dup ? cs + w->w.call.args[1] : 0;
}

/* vma comes after late[i]'s VMA in the walk of the writer's call, which
 * began at cs (writer_call_start(); 0 unknown): above it, or below the
 * call's range (a merge's prev).  See writer_late().  From 6.14
 * ("mm: simplify vma merge structure and expand comments"),
 * vma_merge_existing_range() write-locks the VMA it changes, then next,
 * then prev: a writer asleep on its prev's reader has locked the next
 * above the range already, and goes on only to the rest of its range. */
static bool walked_after(const struct writer_obj *w, size_t i, uint64_t cs,
			 const struct fl_vma *vma, int kver)
{
	uint64_t e = writer_call_end(w, cs);

	if (cs && e && w->late[i].end <= cs && kver >= FL_MM_KVER(6, 14))
		return vma->start > cs && vma->start < e;
	return cs && (vma->start >= w->late[i].end || vma->end <= cs);
}

/* When the writer was back on a CPU after late[i]'s wake: seen there, else
 * at its release. */
static uint64_t ran_at(const struct writer_obj *w, size_t i)
{
	return w->late[i].ran ? w->late[i].ran : w->w.w_end;
}

/* The writer had not write-locked vma when a fault at t read-locked it.
 * The trace shows it slept in vma_start_write() (__vma_enter_locked())
 * on one VMA's readers until a fault on that VMA woke it (late[]):
 * - that VMA it write-locked only after the waking fault held it (later
 *   readers fail: __vma_enter_locked() has raised vm_refcnt);
 * - the VMAs it reaches after that one it write-locked only once it ran
 *   again.  The calls walk their range upwards (vms_gather_munmap_vmas(),
 *   madvise_walk_vmas(), the mprotect_fixup() loop), so the VMAs above
 *   come later; a VMA below the range is the prev of a merge, which
 *   vma_merge_existing_range() and vma_expand() write-lock after the VMA
 *   they change. */
static bool writer_late(const struct writer_obj *w, const struct fl_vma *vma, uint64_t t, int kver)
{
	uint64_t cs = writer_call_start(w);

	for (size_t i = 0; i < w->nlate; i++) {
		if (w->late[i].vma_id == vma->id) {
			if (t <= w->late[i].t)
				return true;
		} else if (t < ran_at(w, i) && walked_after(w, i, cs, vma, kver)) {
			return true;
		}
	}
	return false;
}

/* How long after taking mmap_lock a call that splits a VMA write-locks
 * it, at the least.  munmap, mprotect, madvise and a MAP_FIXED mmap split
 * a VMA their range cuts in __split_vma(), which calls vma_start_write()
 * on it only after vm_area_dup(), vma_iter_prealloc() (maple nodes) and
 * anon_vma_clone(): allocations, and the anon_vma's lock.  A fault
 * stamped within this of the writer's acquire_returned read-locked the
 * part the call keeps first.  On x86_64 6.18, over 53 recordings of both
 * recorders, faults 340 and 370 ns after kept their VMA lock, and the
 * earliest that aborted on a split came 1.6 us after; some 2-3 us after
 * still kept it, so the point varies beyond this bound. */
#define SPLIT_LOCK_NS 1000

/* Whether the writer was asleep at t on something that comes before the
 * split's vma_start_write(): it went to sleep (D) holding mmap_lock for
 * write with no VMA reader of its mm to wait for (eng_on_sched()), so on
 * an allocation or on the anon_vma's rwsem, which anon_vma_clone() takes
 * (down_write() spins on a running owner first, then sleeps), and has not
 * run since, or ran less than SPLIT_LOCK_NS before t.  A writer a
 * faulting thread of its mm woke (the VMA readers' wait: vma_end_read()
 * wakes it, even before it has gone to sleep) is left out: reader_woke,
 * which every such wake sets, those that also gave a late entry too.  Seen on
 * x86_64 6.18: an mprotect asleep 2.5 ms from 15 us after its acquire,
 * with 307 faults of the VMA it split completing under their VMA locks
 * meanwhile. */
static bool split_asleep(const struct writer_obj *w, uint64_t t)
{
	return w->asleep && !w->reader_woke && t >= w->asleep &&
	       (!w->woke_up || t < w->woke_up + SPLIT_LOCK_NS);
}

/* The fault at t, at address addr in vma but outside the writer's range,
 * came before the writer had split vma and write-locked it.  A VMA wholly
 * outside the range is a merge's neighbour, which
 * vma_merge_existing_range() write-locks with no allocation first. */
static bool split_not_yet(const struct writer_obj *w, const struct fl_vma *vma, uint64_t addr,
			  uint64_t t)
{
	uint64_t s = writer_call_start(w), e = writer_call_end(w, s);

	if (!w->w.traced || !e || (t >= w->w.w_begin + SPLIT_LOCK_NS && !split_asleep(w, t)))
		return false;
	return (addr < s || addr >= e) && vma->start < e && s < vma->end;
}

/* Where in its hold an mmap that replaced a mapping has reached
 * vma_expand() of the neighbour it merges with (writer_take_merges()):
 * the gather and the page-table clean-up of the replaced range come
 * before it, perf_event_mmap(), vms_complete_munmap_vmas() and the unlock
 * after.  Neither recorder sees the point; on x86_64 6.18, faults that
 * read-locked the neighbour during such holds (Go's and the JVM's heap
 * growth over a PROT_NONE reservation) found it write-locked from about
 * 40% of the hold on, with either recorder. */
#define MERGE_LOCK_PCT 40

/* The same for an mmap into a hole that merges with a neighbour: the
 * merge comes after get_unmapped_area() and __mmap_prepare()'s checks,
 * and perf_event_mmap() and the accounting after it take most of the
 * hold.  On x86_64 6.18, in recordings of both recorders of jemalloc
 * mapping its extents one below the other while other threads fault on
 * the last one, faults on the neighbour up to 18% into the hold kept
 * their VMA lock but one (17%), and from 22% on all fell back but one
 * (24.7%, 6.7 us in); 5 more past 22% kept it in 75 other recordings.
 * Sensitivity, pooled TP/FP/FN over the 79: from the lock 9978/235/60,
 * 10% 9978/232/60, 20% 9977/225/61, 30% 9974/223/64.  As for brk
 * (BRK_LOCK_PCT), a hold that is long because the writer slept after the
 * merge does not move it later than HOLE_MERGE_LOCK_MAX_NS: holds of
 * 1-4 ms had faults fall back 43 and 80 us in. */
#define HOLE_MERGE_LOCK_PCT 20
#define HOLE_MERGE_LOCK_MAX_NS 10000

/* pct% of the way from b to e, and at most max_ns after b. */
static uint64_t part_way(uint64_t b, uint64_t e, uint64_t pct, uint64_t max_ns)
{
	uint64_t d = (e - b) / 100 * pct + (e - b) % 100 * pct / 100;

	return b + (d < max_ns ? d : max_ns);
}

/* When w write-locked the VMA id as a merge's neighbour, 0 when it is not
 * one, when the hold is not over yet, or when the trace shows the writer
 * asleep on the VMA's readers (writer_late(), which places it then). */
static uint64_t merge_locked_at(const struct writer_obj *w, uint64_t id)
{
	uint64_t b = w->w.w_begin, e = w->w.w_end;

	if (!w->closed || e <= b)
		return 0;
	for (size_t i = 0; i < w->nlate; i++)
		if (w->late[i].vma_id == id)
			return 0;
	for (size_t i = 0; i < w->nmerged; i++) {
		uint64_t at = w->merged_hole ? part_way(b, e, HOLE_MERGE_LOCK_PCT, HOLE_MERGE_LOCK_MAX_NS)
					     : part_way(b, e, MERGE_LOCK_PCT, UINT64_MAX);
		uint64_t r = w->resumed && w->resumed < e ? w->resumed : e;

		if (w->merged[i] != id)
			continue;
		/* Preempted in the hold: where the kernel is not fully
		 * preemptible, at a cond_resched() of the zap of what it
		 * replaces (zap_pmd_range(), the TLB batch's page freeing),
		 * before the merge, which comes once it runs again. */
		return w->preempted && w->preempted < e && r > at ? r : at;
	}
	return 0;
}

/* Where in its hold brk() write-locks the heap VMA.  brk() runs
 * check_brk_limits(), vma_find() and vma_prev_limit(), then
 * do_brk_flags()' vm_enough_memory accounting, before
 * vma_merge_new_range() reaches vma_expand(), whose first act is
 * vma_start_write() on the heap; perf_event_mmap() and the accounting
 * come after, most of the hold.  (A shrink write-locks the VMA it splits
 * in __split_vma(), after its allocations.)  Neither recorder sees the
 * point.  How long the part before it takes follows how fast the CPU ran
 * the whole hold, so it is a share of the hold; a hold that is long
 * because the writer slept or was preempted (after the lock, in
 * perf_event_mmap()'s allocations, or waiting for a CPU) does not move
 * it later than a few us.  On x86_64 6.18, in recordings of both
 * recorders of 6 threads on tcmalloc, whose heap grows by brk while the
 * others fault on it (holds of 2.7 us to 1.5 ms): the 20 faults on the
 * heap up to 14.1% and 2.7 us into a hold kept their VMA lock; of those
 * that fell back, one came at 10.9% (291 ns into a 2.7 us hold), the
 * others after 15% or 3 us. */
#define BRK_LOCK_PCT 15
#define BRK_LOCK_MAX_NS 3000

static bool brk_not_yet(const struct writer_obj *w, uint64_t t)
{
	uint64_t b = w->w.w_begin;

	if (!w->w.traced || w->w.call.kind != FL_MM_BRK)
		return false;
	if (!w->closed || w->w.w_end <= b)	/* the hold not over: its cap */
		return t < b + BRK_LOCK_MAX_NS;
	return t < part_way(b, w->w.w_end, BRK_LOCK_PCT, BRK_LOCK_MAX_NS);
}

/* How long after its fault event a fault reads its VMA's lock, at the
 * least: the event comes first in the exception handler, and
 * lock_vma_under_rcu() (the maple tree walk, vma_start_read()) after.
 * The writer's locks end with its unlock: mmap_write_unlock() and
 * mmap_write_downgrade() trace released, then vma_end_write_all() bumps
 * mm_lock_seq.  So a fault stamped less than this before the release
 * finds its VMA unlocked.  (A window that is a syscall's span, with no
 * lock events, ends after the unlock anyway.)  On x86_64 6.18, over 85
 * recordings of both recorders, the 11 faults stamped 20-300 ns before
 * the release of a writer that had write-locked their VMA all kept their
 * VMA lock, and the nearest that aborted was stamped 321 ns before. */
#define VMA_READ_LAG_NS 300

static bool released_before_read(const struct writer_obj *w, uint64_t t)
{
	return w->w.has_lock && w->closed && w->w.w_end != UINT64_MAX &&
	       t + VMA_READ_LAG_NS > w->w.w_end;
}

/* When the writer reached vma, by the sched evidence (writer_late()); 0
 * when never. */
static uint64_t writer_late_t(const struct writer_obj *w, const struct fl_vma *vma, int kver)
{
	uint64_t cs = writer_call_start(w), t = 0, merged, copied;

	for (size_t i = 0; i < w->nlate; i++) {
		uint64_t at = 0;

		if (w->late[i].vma_id == vma->id)
			at = w->late[i].woke;
		else if (walked_after(w, i, cs, vma, kver))
			at = ran_at(w, i);
		if (at > t)
			t = at;
	}
	merged = merge_locked_at(w, vma->id);
	if (merged > t)
		t = merged;
	copied = eng_dup_locked_at(w, vma);
	return copied > t ? copied : t;
}

static bool writer_created_at(const struct writer_obj *w, uint64_t addr)
{
	for (size_t i = 0; i < w->ncreated; i++)
		if (w->created[i].s <= addr && addr < w->created[i].e)
			return true;
	return false;
}

/* One run's outcome for p: the strategy, the run's totals, the delay
 * accounting, the sink. */
static int run_fault(struct fl_engine *e, size_t r, struct pfault *p)
{
	struct fl_engine_run *run = &e->runs[r];
	struct fl_fault_view *v = &p->v;
	struct fl_outcome o;
	uint64_t traced_wait = p->gt.gt == FL_GT_FALLBACK ? p->gt.lock_wait : 0;
	struct fl_delay_thread *dt = fl_delay_get(&run->delay, v->pid, v->tid);

	if (!dt)
		return oom(e);
	memset(&o, 0, sizeof(o));
	if (p->absorbed) {
		o.path = FL_PATH_NONE;
		o.cause = &fl_engine_causes[e->sim_shift == 16 ? FL_ENGINE_CAUSE_ABSORBED_64K
							       : FL_ENGINE_CAUSE_ABSORBED];
	} else {
		v->behind = dt->shift > 0 ? (uint64_t)dt->shift : 0;
		run->strategy->fault(run->state, &run->cfg, v, &o);
	}
	run->faults++;
	if (o.fell_back)
		run->fallbacks++;
	if (v->place == FL_PLACE_UNKNOWN || v->place == FL_PLACE_INFERRED)
		run->unplaced++;
	fl_delay_add(dt, traced_wait, o.lock_wait, o.wasted);
	return e->sink.outcome ? e->sink.outcome(e->sink.ctx, r, v, &o) : 0;
}

static int cmp_whit(const void *a, const void *b)
{
	const struct fl_writer_hit *x = a, *y = b;

	if (x->w->w_begin != y->w->w_begin)
		return x->w->w_begin < y->w->w_begin ? -1 : 1;
	return (x->w->id > y->w->id) - (x->w->id < y->w->id);
}

/* Stage 2: the runs that want the speculative window, once every writer
 * that can start inside it is known. */
int eng_decide_spec(struct fl_engine *e, struct pfault *p)
{
	struct fl_fault_view *v = &p->v;
	uint64_t from = v->t > FL_SPEC_LOOKBACK ? v->t - FL_SPEC_LOOKBACK : 0;
	uint64_t to = v->t + 2 * v->d_spec + FL_SPEC_SLACK;
	bool placed = v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED ||
		      v->place == FL_PLACE_STACK;
	size_t nw = 0;
	int rc = 0;

	v->fault = &p->f;
	v->hits = NULL;		/* stage 1's, released */
	v->nhits = 0;
	for (size_t i = 0; i < p->nwh; i++) {
		const struct writer_obj *w = p->wh[i];
		uint64_t b = w->w.has_lock && w->w.q_begin && w->w.q_begin < w->w.w_begin ?
				     w->w.q_begin : w->w.w_begin;

		if (!w->complete && !w->acquired)
			continue;	/* never got the lock in the trace */
		if (w->w.w_end < from || b > to)
			continue;
		e->whits[nw].w = &w->w;
		e->whits[nw].wrote_any = w->nids > 0;
		e->whits[nw].wrote_vma = placed && writer_wrote(w, v->vma.id);
		e->whits[nw].created_at = writer_created_at(w, v->fault->address);
		e->whits[nw].late_t = placed ? writer_late_t(w, &v->vma, e->kver) : 0;
		nw++;
	}
	qsort(e->whits, nw, sizeof(e->whits[0]), cmp_whit);
	v->whits = e->whits;
	v->nwhits = nw;
	v->vevents = p->ve;
	v->nvevents = p->nve;
	v->pte_changed_at = p->pte_changed_at;
	v->ptl_ends = p->ptl_ends;
	v->nptl_ends = p->nptl;
	for (size_t r = 0; r < e->nruns && rc >= 0; r++)
		if (e->runs[r].strategy->needs & FL_NEED_SPEC_WINDOW)
			rc = run_fault(e, r, p);
	v->whits = NULL;
	v->nwhits = 0;
	for (size_t i = 0; i < p->nwh; i++)
		eng_writer_put(p->wh[i]);
	p->nwh = 0;
	if (rc < 0 && !e->err.code)
		fl_err_set(&e->err, rc, "replay: cannot store the outcome of fault %llu",
			   (unsigned long long)v->fault_id);
	return rc;
}

/* Stage 2 may run: the window's span is past and its writers complete. */
bool eng_spec_ready(const struct fl_engine *e, const struct pfault *p)
{
	if (e->now <= p->v.t + 2 * p->v.d_spec + FL_SPEC_SLACK)
		return false;
	for (size_t i = 0; i < p->nwh; i++)
		if (!p->wh[i]->complete)
			return false;
	return true;
}

/* Where a writer joins the rwsem's queue: its start_locking, or its window
 * when the trace has no lock events for it. */
static uint64_t queued_from(const struct fl_writer *w)
{
	return w->has_lock && w->q_begin && w->q_begin < w->w_begin ? w->q_begin : w->w_begin;
}

/* When mmap_read_lock() at t is granted, against the writers hits[] put
 * on the lock where the trace put them (rwsem.h: a reader queues behind a
 * holding writer and the writers queued before it, or steals the lock). */
static uint64_t read_grant(const struct fl_writer_hit *hits, size_t n, uint64_t t)
{
	struct fl_rwsem_hold h[2 * MAX_HITS];
	size_t nh = 0;

	for (size_t i = 0; i < n && nh + 2 <= 2 * MAX_HITS; i++) {
		const struct fl_writer *w = hits[i].w;

		uint64_t q = queued_from(w);

		/* A window still open (w_end UINT64_MAX) grants nothing. */
		h[nh++] = (struct fl_rwsem_hold){
			.id = w->id, .q = q, .acq = w->w_begin, .rel = w->w_end, .write = true,
			.no_handoff_before = w->t_other_release,
		};
		/* Downgraded: read-held until the release. */
		if (w->has_lock && w->t_lock_released > w->w_end)
			h[nh++] = (struct fl_rwsem_hold){
				.id = w->id, .q = q, .acq = w->w_end,
				.rel = w->t_lock_released, .write = false,
			};
	}
	return fl_rwsem_read_grant(h, nh, t, NULL);
}

/* How much later than a trylock's acquire_returned a writer's may come
 * and still have taken mmap_lock first.  mmap_write_lock() traces
 * acquire_returned after mm_lock_seqcount_begin(), a store to the mm's
 * lock sequence, which every CPU faulting in the mm reads
 * (lock_vma_under_rcu()): its stamp trails its atomic.  And a trylock
 * that took the lock holds it for its anon_vma_prepare() (read holds of
 * 300 ns and more over the x86_64 6.18 recordings): a writer after it
 * returns only once it is released.  On a recording (faultline) of
 * threads writing into 4 KiB MAP_FIXED mappings another thread keeps
 * making, trylocks whose writer returned 20, 40, 50, 110, 231 and 281 ns
 * after them all failed, and none that succeeded had a writer return
 * within 800 ns after it. */
#define TRY_WRITER_LAG_NS 250

/* The writers in the way of the fault: in its window, queued when it
 * began, or holding mmap_lock at its anon_vma trylock.  Fills e->hits and
 * v->lock_contended; returns how many. */
static size_t fault_hits(struct fl_engine *e, struct pfault *p)
{
	struct fl_fault_view *v = &p->v;
	size_t nh = 0;

	/* The trylock's time: the fault's own first attempt when the trace
	 * has it (it looks at the lock between its start_locking and its
	 * acquire_returned), else the calibrated delay after the fault. */
	bool has_try = p->gt.t_try >= v->t && p->gt.t_try_ret >= p->gt.t_try;
	uint64_t tc = has_try ? p->gt.t_try + (p->gt.t_try_ret - p->gt.t_try) / 2
			      : v->t + e->d_anon;
	/* Whether a writer held the lock at the trylock's atomic, from the
	 * stamps that compare like with like.  A writer takes the lock
	 * between its start_locking and its acquire_returned, as the
	 * trylock tries it: the two acquire_returned stamps tell which came
	 * first (a writer that returned 160 ns before the trylock did, from
	 * the same start_locking ns, had the lock).  mmap_write_unlock()
	 * traces mmap_lock_released before up_write(), as mmap_read_trylock()
	 * traces start_locking before down_read_trylock(): those two tell
	 * whether the lock was still held (a trylock started 110 ns before
	 * the writer's released stamp failed). */
	uint64_t tc_ret = has_try ? p->gt.t_try_ret : tc;
	uint64_t tc_start = has_try ? p->gt.t_try : tc;

	/* mmap_read_trylock() fails while a writer holds mmap_lock or waits
	 * for it in the wait list (RWSEM_READ_FAILED_MASK), at the time of the
	 * trylock; not while it spins before queueing (rwsem.h). */
	v->lock_contended = false;
	for (size_t i = 0; i < p->nhits; i++) {
		const struct writer_obj *w = p->hit[i];
		bool in = hit_in_window(w, v->t);
		bool queued = w->w.has_lock && w->w.q_begin <= v->t && v->t < w->w.w_begin;
		bool at_trylock = (w->w.w_begin <= tc_ret + TRY_WRITER_LAG_NS ||
				   w->w.q_begin + FL_RWSEM_WSPIN_NS <= tc) &&
				  w->w.q_begin <= tc_ret && tc_start < w->w.w_end;
		bool late, gone;

		if (at_trylock)
			v->lock_contended = true;
		if (!in && !queued && !at_trylock)
			continue;
		e->hits[nh].w = &w->w;
		e->hits[nh].wrote_any = in && w->nids;
		/* A writer the trace shows waiting for this VMA's readers had
		 * not write-locked it (or split it) when this fault read-locked
		 * it. */
		late = (v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED) &&
		       (writer_late(w, &v->vma, v->t, e->kver) || v->t < merge_locked_at(w, v->vma.id) ||
			v->t < eng_dup_locked_at(w, &v->vma) ||
			split_not_yet(w, &v->vma, v->fault->address, v->t) ||
			brk_not_yet(w, v->t));
		gone = released_before_read(w, v->t);
		e->hits[nh].wrote_vma = in && !late && !gone &&
					(v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED ||
					 v->place == FL_PLACE_STACK) &&
					writer_wrote(w, v->vma.id);
		e->hits[nh].created_at = in && !late && !gone && writer_created_at(w, v->fault->address);
		nh++;
	}
	return nh;
}

/* When the kernel's fallback asked for the read lock (the trace's
 * start_locking after the fault), when the lock was free for it then. */
static void lock_at_request(struct fl_engine *e, struct pfault *p)
{
	struct fl_fault_view *v = &p->v;
	struct fl_writer_hit at_req[MAX_HITS];
	size_t nr = 0;

	/* The writers in the way of the read lock when the kernel asked for
	 * it: holding it, or queued before (eng_on_lock() attached those that
	 * came after the fault began).  The request looks at the lock d_acq
	 * after its start_locking: a writer that took it in between makes it
	 * queue. */
	uint64_t at = p->gt.t_req + e->d_acq;

	v->t_lock_req = p->gt.t_req;
	for (size_t i = 0; i < p->nhits; i++) {
		const struct writer_obj *w = p->hit[i];
		uint64_t q = queued_from(&w->w);

		if (q <= at && at < w->w.w_end)
			at_req[nr++] = (struct fl_writer_hit){ .w = &w->w };
	}
	v->lock_free_at_req = read_grant(at_req, nr, at);
	if (v->lock_free_at_req == at)
		v->lock_free_at_req = v->t_lock_req;
}

/* The attempt window of the speculative strategies, from the cost table of
 * this moment (stage 2 decides them with it). */
static uint64_t spec_window(const struct fl_engine *e, const struct pfault *p)
{
	const struct fl_fault_view *v = &p->v;
	uint64_t d;

	if (v->has_end && v->t_end >= v->t)
		return v->t_end - v->t;
	if (v->handler >= FL_H__COUNT)
		return 0;		/* FL_H_NONE: no handler runs */
	d = e->cost_n[v->handler] ? e->cost_sum[v->handler] / e->cost_n[v->handler]
				  : default_cost[v->handler];
	if (p->t_cut > v->t && p->t_cut - v->t < d)
		d = p->t_cut - v->t;
	return d;
}

int eng_decide(struct fl_engine *e, struct pfault *p)
{
	struct fl_fault_view *v = &p->v;
	size_t nh;
	int rc = 0;

	v->fault = &p->f;
	nh = fault_hits(e, p);
	v->hits = e->hits;
	v->nhits = nh;
	v->lock_free_at = read_grant(e->hits, nh, v->t);
	v->t_lock_req = v->t;
	v->lock_free_at_req = v->lock_free_at;
	v->kernel_waited = p->gt.gt == FL_GT_FALLBACK && p->gt.t_req > v->t;
	v->kernel_wait = v->kernel_waited ? p->gt.lock_wait : 0;
	if (v->kernel_waited)
		lock_at_request(e, p);

	if (v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED) {
		bool needs;

		v->handler = eng_handler_of(&v->vma, p->f.access, v->major, e->zero_page, &needs);
		v->needs_anon_vma = needs || p->thp_read_anon;
	} else if (v->place == FL_PLACE_UNKNOWN) {
		/* No VMA, so no handler: not whatever the field held (the
		 * first handler of the enum), whose cost the strategies would
		 * take as the fault's. */
		v->handler = FL_H_NONE;
	}
	for (int h = 0; h < FL_H__COUNT; h++)
		for (size_t r = 0; r < e->nruns; r++)
			e->runs[r].cfg.cost[h] = e->cost_n[h] ? e->cost_sum[h] / e->cost_n[h]
							      : default_cost[h];

	e->st.faults++;
	e->st.place[v->place]++;
	/* Inside [w_begin, w_end), not hit_in_window()'s closed interval: a
	 * fault stamped at the release is out, as in --fidelity's count of
	 * the fallbacks among them (fidelity.c load_untraced()). */
	for (size_t i = 0; i < nh; i++) {
		const struct fl_writer *w = e->hits[i].w;

		if (!w->traced && !w->fork && w->w_begin <= v->t && v->t < w->w_end) {
			e->st.in_untraced_hold++;
			break;
		}
	}
	e->st.gt[p->gt.gt]++;
	if (e->sink.fault)
		rc = e->sink.fault(e->sink.ctx, v, &p->gt);
	v->d_spec = spec_window(e, p);
	for (size_t r = 0; r < e->nruns && rc >= 0; r++) {
		if (e->spec && (e->runs[r].strategy->needs & FL_NEED_SPEC_WINDOW))
			continue;	/* stage 2: eng_decide_spec() */
		rc = run_fault(e, r, p);
	}
	if (v->has_end && v->t_end >= v->t && p->gt.gt == FL_GT_VMA && v->place == FL_PLACE_VMA) {
		e->cost_sum[v->handler] += v->t_end - v->t;
		e->cost_n[v->handler]++;
	}
	for (size_t i = 0; i < p->nhits; i++)
		eng_writer_put(p->hit[i]);
	p->nhits = 0;
	p->decided1 = true;
	if (rc < 0 && !e->err.code)
		fl_err_set(&e->err, rc, "replay: cannot store the outcome of fault %llu",
			   (unsigned long long)v->fault_id);
	return rc;
}
