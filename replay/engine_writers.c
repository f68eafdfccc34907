/* mmap_lock writers while the engine follows them: the open list of each mm,
 * their lock events and calls, the faults they meet, and the scheduler's
 * evidence of a writer waiting for a VMA's readers. */
#include "engine_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"

void eng_writer_put(struct writer_obj *w)
{
	if (w && !--w->refs) {
		free(w->ids);
		free(w->created);
		free(w->late);
		free(w->dupv);
		free(w->dup_off);
		free(w);
	}
}

struct writer_obj *eng_writer_new(struct fl_engine *e, struct mmctx *mm, struct thread *t)
{
	struct writer_obj *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (fl_array_grow((void **)&mm->open, &mm->capopen, mm->nopen + 1, sizeof(*mm->open))) {
		free(w);
		return NULL;
	}
	w->w.id = ++e->next_writer;
	w->mm = mm;
	w->w.tid = t->pub.tid;
	w->w.pid = t->pub.pid;
	w->refs = 1;		/* the mm's open list */
	mm->open[mm->nopen++] = w;
	return w;
}

void eng_open_remove(struct mmctx *mm, struct writer_obj *w)
{
	for (size_t i = 0; i < mm->nopen; i++) {
		if (mm->open[i] == w) {
			memmove(&mm->open[i], &mm->open[i + 1], (mm->nopen - i - 1) * sizeof(*mm->open));
			mm->nopen--;
			return;
		}
	}
}

static bool before_in(const struct fl_mm_change *c, uint64_t s, uint64_t e)
{
	return c->kind != FL_MM_VMA_CREATED && c->before.start < e && c->before.end > s;
}

/* An mmap over an existing mapping (MAP_FIXED) that merged with a
 * neighbour: __mmap_region() (mmap_region() before 6.12, after its
 * do_vmi_munmap()) first gathers and write-locks the VMAs it replaces and
 * clears their page tables (vms_gather_munmap_vmas(), vms_clean_up_area()),
 * and only then merges: vma_merge_new_range() -> vma_expand() write-locks
 * the prev (or next) it grows, and a next it absorbs.  Those neighbours
 * are kept apart (merge_locked_at(), engine_decide.c).  A new mapping in
 * a hole merges after get_unmapped_area() and __mmap_prepare()'s checks,
 * before perf_event_mmap() and the rest: its neighbours are kept too,
 * marked merged_hole. */
static void writer_take_merges(struct writer_obj *w, const struct fl_mm *mm)
{
	const struct fl_mm_call *c = &w->w.call;
	uint64_t s, e;
	bool replaced = false;

	if (c->kind != FL_MM_MMAP || c->ret <= 0 || !c->args[1])
		return;
	s = (uint64_t)c->ret;
	e = s + c->args[1] > s ? s + c->args[1] : UINT64_MAX;
	for (size_t i = 0; i < mm->nchanges; i++)
		replaced |= before_in(&mm->changes[i], s, e);
	w->merged_hole = !replaced;
	for (size_t i = 0; i < mm->nchanges && w->nmerged < 2; i++) {
		const struct fl_mm_change *c2 = &mm->changes[i];

		if ((c2->kind == FL_MM_VMA_MODIFIED || c2->kind == FL_MM_VMA_REMOVED) &&
		    !before_in(c2, s, e))
			w->merged[w->nmerged++] = c2->id;
	}
}

/* Record what the mm model says the call wrote. */
static int writer_take_changes(struct writer_obj *w, const struct fl_mm *mm)
{
	for (size_t i = 0; i < mm->nchanges; i++) {
		const struct fl_mm_change *c = &mm->changes[i];

		if (c->kind == FL_MM_VMA__DROPPED)
			continue;
		if (fl_array_grow((void **)&w->ids, &w->capids, w->nids + 1, sizeof(*w->ids)))
			return -ENOMEM;
		w->ids[w->nids++] = c->kind == FL_MM_VMA_CREATED ? c->after->id : c->id;
		if (c->kind == FL_MM_VMA_CREATED ||
		    (c->kind == FL_MM_VMA_MODIFIED && c->after &&
		     (c->after->start < c->before.start || c->after->end > c->before.end))) {
			if (fl_array_grow((void **)&w->created, &w->capcreated, w->ncreated + 1,
					  sizeof(*w->created)))
				return -ENOMEM;
			w->created[w->ncreated].s = c->after->start;
			w->created[w->ncreated].e = c->after->end;
			w->ncreated++;
		}
	}
	w->w.vmas_written = (uint32_t)w->nids;
	writer_take_merges(w, mm);
	return 0;
}

int eng_writer_complete(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w)
{
	int rc = 0;

	if (w->complete)
		return 0;
	/* The mm whose open list holds it, whatever the thread's is now. */
	mm = w->mm;
	w->complete = true;
	if (w->w.has_lock && !w->acquired && w->w.t_lock_start) {
		/* It queued for mmap_lock and the trace lost its acquire (a
		 * failed acquire clears has_lock): when it held the lock is
		 * unknown, perhaps after a long wait behind others, so it
		 * write-locks no VMA a fault can be shown to meet.  Queued, it
		 * still fails the read trylocks (RWSEM_FLAG_WAITERS). */
		w->w.q_begin = w->w.t_lock_start;
		w->w.w_begin = w->w.w_end = w->w.call.t_exit;
	} else if (!w->w.has_lock || !w->acquired) {
		/* No lock events: the window is the syscall span. */
		w->w.w_begin = w->w.call.t_enter;
		w->w.w_end = w->w.call.t_exit;
		w->w.q_begin = w->w.call.t_enter;
	}
	if (mm->holder == w)
		mm->holder = NULL;
	eng_open_remove(mm, w);
	e->st.writers++;
	if (!w->w.traced)
		e->st.untraced_writers++;
	if (e->sink.writer)
		rc = e->sink.writer(e->sink.ctx, &w->w);
	if (e->spec) {
		/* Kept for the look-back of later faults' windows. */
		if (mm->nrecent == RECENT_WRITERS) {
			eng_writer_put(mm->recent[0]);
			memmove(&mm->recent[0], &mm->recent[1],
				(RECENT_WRITERS - 1) * sizeof(mm->recent[0]));
			mm->nrecent--;
		}
		w->refs++;
		mm->recent[mm->nrecent++] = w;
	}
	eng_writer_put(w);
	return rc;
}

/* w is in p's way: it joins p's hits (holding a reference) once. */
static void hit_add(struct pfault *p, struct writer_obj *w)
{
	for (size_t k = 0; k < p->nhits; k++)
		if (p->hit[k] == w)
			return;
	w->refs++;
	p->hit[p->nhits++] = w;
}

/* The fault's thread asks for mmap_lock now (a trylock, or the read lock
 * of a fallback): every writer holding it or queued for it is in its way,
 * however long after the fault's start it came. */
static void attach_open(struct fl_engine *e, struct mmctx *mm, struct pfault *p)
{
	(void)e;
	if (!p || p->ended || !p->thr || p->thr->mm != mm)
		return;
	eng_attach_open(mm, p);
}

/* Every writer of mm still open joins p's hits: the holder first (the
 * one whose VMAs are write-locked), then the queued ones in queue order,
 * as many as there is room for. */
void eng_attach_open(struct mmctx *mm, struct pfault *p)
{
	if (mm->holder && !mm->holder->closed && p->nhits < MAX_HITS)
		hit_add(p, mm->holder);
	for (size_t i = 0; i < mm->nopen && p->nhits < MAX_HITS; i++) {
		struct writer_obj *w = mm->open[i];

		if (!w->closed)
			hit_add(p, w);
	}
}

/* A writer that starts queueing at `now` meets the faults still running
 * whose trylock comes after it (t + d_anon >= now). */
void eng_attach_recent(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now)
{
	for (size_t i = e->qlen; i-- > 0;) {
		struct pfault *p = eng_q_slot(e, i);

		if (p->v.t + e->d_anon < now)
			break;
		if (p->ended || !p->thr || p->thr->mm != mm || p->nhits == MAX_HITS)
			continue;
		hit_add(p, w);
	}
}

/* One call into the mm model, its page tables and the fault windows:
 * *applied is fl_mm_apply()'s answer; < 0 only when memory ran out. */
static int apply_call(struct fl_engine *e, struct mmctx *mm, const struct fl_mm_call *call,
		      bool writer, int32_t tid, int *applied)
{
	int rc = fl_mm_apply(&mm->mm, call);

	*applied = rc;
	if (rc < 0)
		e->st.mm_refused++;
	if (rc == 0 && fl_pgt_apply_mm(&mm->pt, &mm->mm) < 0)
		return oom(e);
	if (rc == 0)
		eng_window_mm_call(e, mm, call, writer, tid);
	return 0;
}

/* Calls whose effect needs no return value: their arguments say it all.
 * Not mlock(), mlock2() and mlockall(): they fail on RLIMIT_MEMLOCK after
 * taking mmap_lock (do_mlock()), having changed nothing. */
static bool applies_from_args(enum fl_mm_kind kind)
{
	return kind == FL_MM_MUNMAP || kind == FL_MM_MPROTECT || kind == FL_MM_PKEY_MPROTECT ||
	       kind == FL_MM_MADVISE || kind == FL_MM_MUNLOCK || kind == FL_MM_MUNLOCKALL;
}

/* The kernel changed the VMAs while the writer held mmap_lock for write,
 * but the model applied each call at its exit, and a writer preempted
 * between mmap_write_unlock() (or the downgrade) and its return exits
 * after writers that took the lock after it: applied late, its munmap()
 * removed the mapping a later mmap() had made in the range it freed, and
 * faults in between met VMAs the kernel no longer had.  So a call whose
 * arguments say all it did is applied when its writer lets the lock go,
 * as a success; its exit then only completes it. */
static int apply_at_release(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w)
{
	struct fl_mm_call call;
	int applied;

	if (w->applied_early || !w->w.traced || !w->w.call.has_enter || w->w.call.has_exit ||
	    !applies_from_args(w->w.call.kind))
		return 0;
	call = w->w.call;
	call.has_exit = true;
	call.ret = 0;
	call.t_exit = w->w.w_end;
	w->applied_early = true;
	mm->snap_run = false;
	if (apply_call(e, mm, &call, true, w->w.tid, &applied) < 0)
		return e->err.code;
	if (applied == 0 && writer_take_changes(w, &mm->mm) < 0)
		return oom(e);
	return 0;
}

int eng_on_lock(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	const struct fl_mmap_lock *l = &ev->u.lock;
	struct mmctx *mm = t->mm;
	struct writer_obj *w = t->w;
	int rc;

	e->st.lock_events = true;
	fl_gt_lock(&t->gt, l, ev->t);
	if (eng_mm_kernel(e, t, l->mm) < 0)
		return oom(e);
	mm = t->mm;
	if (!mm)
		return 0;
	if (l->mm && mm->kmm && l->mm != mm->kmm) {	/* another mm's lock */
		rc = eng_dup_lock(e, t, l, ev->t);
		if (rc)
			return rc < 0 ? rc : 0;
		/* A vfork or posix_spawn child, on its parent's mm until its
		 * exec, builds the exec's new mm first (bprm_mm_init(),
		 * copy_strings()): those locks are of an mm the model does not
		 * follow yet, and the parent's threads never wait for them. */
		if (mm->refs > 1 && !(w && w->acquired && !w->closed))
			return 0;
	}
	if (!l->write && l->phase == FL_LOCK_START && t->fault_seq)
		attach_open(e, mm, eng_q_at(e, t->fault_seq));
	if (l->write) {
		switch (l->phase) {
		case FL_LOCK_START:
			if (!w || w->closed) {
				w = eng_writer_new(e, mm, t);
				if (!w)
					return oom(e);
				t->w = w;
			}
			w->w.has_lock = true;
			w->w.t_lock_start = ev->t;
			w->w.q_begin = ev->t;
			eng_attach_recent(e, mm, w, ev->t);
			eng_window_attach(e, mm, w, ev->t);
			break;
		case FL_LOCK_ACQUIRED:
			if (!w)
				break;
			if (l->success) {
				w->acquired = true;
				if (mm->last_w_release > w->w.q_begin)
					w->w.t_other_release = mm->last_w_release;
				w->w.t_lock_acquired = ev->t;
				w->lock_mm = l->mm;
				w->w.w_begin = ev->t;
				w->w.w_end = UINT64_MAX;
				mm->holder = w;
				eng_window_attach(e, mm, w, ev->t);
			} else {
				w->w.has_lock = false;	/* a failed write trylock */
			}
			break;
		case FL_LOCK_RELEASED:
			if (!w || !w->acquired)
				break;
			w->w.t_lock_released = ev->t;
			w->w.w_end = ev->t;
			w->closed = true;
			mm->last_w_release = ev->t;
			if (mm->holder == w)
				mm->holder = NULL;
			if (!t->in_call) {
				t->w = NULL;
				return eng_writer_complete(e, mm, w);
			}
			return apply_at_release(e, mm, w);
		case FL_LOCK__COUNT:
			break;
		}
	} else if (l->phase == FL_LOCK_ACQUIRED && l->success && w && w->acquired && !w->closed &&
		   mm->holder == w) {
		/* mmap_write_downgrade(): vma_end_write_all() ends the write
		 * cycle; the rest of the call holds it for read. */
		w->w.t_lock_released = ev->t;
		w->w.w_end = ev->t;
		w->closed = true;
		mm->last_w_release = ev->t;
		mm->holder = NULL;
		if (!t->in_call) {
			t->w = NULL;
			return eng_writer_complete(e, mm, w);
		}
		return apply_at_release(e, mm, w);
	}
	return 0;
}

int eng_on_mm_call(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	struct mmctx *mm = t->mm;
	struct writer_obj *w = t->w;
	int rc;

	t->in_call = false;
	t->pub.mm_calls++;
	t->w = NULL;
	if (!mm)
		return 0;
	mm->snap_run = false;
	if (w && w->applied_early) {
		/* Applied at its release, as a success: a failure is the
		 * model's error now. */
		if (ev->u.mm_call.has_exit && ev->u.mm_call.ret < 0)
			mm->mm.inconsistent++;
		w->w.call = ev->u.mm_call;
		return eng_writer_complete(e, mm, w);
	}
	if (apply_call(e, mm, &ev->u.mm_call, w != NULL, t->pub.tid, &rc) < 0)
		return e->err.code;
	if (!w && ev->u.mm_call.has_exit && rc == 0 && mm->mm.nchanges) {
		/* A writer whose entry preceded the trace, or one the entry's
		 * lock mode did not flag: it still wrote these VMAs. */
		w = eng_writer_new(e, mm, t);
		if (!w)
			return oom(e);
		eng_window_attach(e, mm, w, ev->u.mm_call.t_exit);
	}
	if (!w)
		return 0;
	w->w.traced = true;
	w->w.call = ev->u.mm_call;
	if (!w->w.call.has_enter)
		w->w.call.t_enter = ev->u.mm_call.t_exit;
	if (rc == 0 && writer_take_changes(w, &mm->mm) < 0)
		return oom(e);
	return eng_writer_complete(e, mm, w);
}

/* How long after a fault's end event its vma_end_read() may wake a writer:
 * the end event (the minor/major-faults count, mm_account_fault()) comes
 * before the return to do_user_addr_fault(), which drops the VMA lock.
 * Measured 1.2-4.7 us on the x86_64 recordings of traces/. */
#define WAKE_AFTER_END_NS 20000

/* The VMA [start, end), id vma_id, read-locked by a fault at t that woke
 * the writer at woke. */
static int add_late(struct writer_obj *w, uint64_t vma_id, uint64_t start, uint64_t end,
		    uint64_t t, uint64_t woke)
{
	for (size_t i = 0; i < w->nlate; i++) {
		if (w->late[i].vma_id == vma_id) {
			if (t > w->late[i].t)
				w->late[i].t = t;
			if (woke > w->late[i].woke)
				w->late[i].woke = woke;
			return 0;
		}
	}
	if (fl_array_grow((void **)&w->late, &w->caplate, w->nlate + 1, sizeof(*w->late)) < 0)
		return -ENOMEM;
	w->late[w->nlate].vma_id = vma_id;
	w->late[w->nlate].start = start;
	w->late[w->nlate].end = end;
	w->late[w->nlate].ran = 0;
	w->late[w->nlate].t = t;
	w->late[w->nlate].woke = woke;
	w->late[w->nlate].raced = !w->off_cpu;
	w->nlate++;
	return 0;
}

/* How the trace shows a writer's thread at a sched event. */
enum seen { SEEN_ON_CPU, SEEN_SWITCHING_OUT, SEEN_GOING_TO_SLEEP };

/* A writer woken from vma_start_write() is seen on a CPU at t (switched
 * in, or switching out): a woken task runs only once the scheduler picks
 * it, and on a busy machine that can be milliseconds after the wake.
 * how: on the CPU, switching out (it is off its CPU after t), or
 * switching out in D (asleep).  After a wake that raced with its
 * way into __vma_enter_locked()'s wait (woken while still on its CPU),
 * that switch is the wait's own sleep: the queued wake makes it runnable,
 * and it goes on only once it is back on a CPU.  (On x86_64 6.18, a
 * madvise woken 350 ns before it switched out in D ran again 906 us
 * later; the faults on the prev it merges with, which it write-locks
 * after the waited VMA, kept their VMA locks all that time.) */
static void writer_ran(struct writer_obj *w, uint64_t t, enum seen how)
{
	if (!w)
		return;
	w->off_cpu = how != SEEN_ON_CPU;
	for (size_t i = 0; i < w->nlate; i++) {
		if (w->late[i].ran || w->late[i].woke > t)
			continue;
		if (how == SEEN_GOING_TO_SLEEP && w->late[i].raced)
			w->late[i].raced = false;
		else
			w->late[i].ran = t;
	}
	if (w->preempted && !w->resumed && t > w->preempted)
		w->resumed = t;
	if (w->asleep && !w->woke_up && t > w->asleep)
		w->woke_up = t;
	eng_dup_ran(w, t);
}

/* Whether a thread of mm other than self is inside a fault (waiting for
 * its end) or a madvise under VMA read locks: a VMA reader a writer's
 * vma_start_write() could be waiting for (madvise's MADV_DONTNEED and kin
 * take the VMA's read lock, not mmap_lock, from 6.17).  A madvise that
 * takes mmap_lock holds no VMA lock. */
static bool mm_has_vma_reader(struct fl_engine *e, const struct mmctx *mm,
			      const struct thread *self)
{
	size_t it = 0;
	void *val;

	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		const struct thread *u = val;

		if (u == self || u->mm != mm || u->exited)
			continue;
		if (u->fault_seq || (u->in_call && u->call_vma_read))
			return true;
	}
	return false;
}

/* sched_switch: a thread that leaves the CPU in D inside a fault waited in
 * the kernel; a writer that enters or leaves it after a wake ran then, as
 * one that wakes another task does.
 * sched_waking: a faulting thread that wakes the mm's write holder, at the
 * end of its fault, let go of the VMA the writer was waiting to
 * write-lock (vma_end_read() -> rcuwait_wake_up() of
 * mm->vma_writer_wait): the fault had its VMA lock first.  So did a
 * madvise under VMA read locks that wakes it (madvise_unlock()). */
int eng_on_sched(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t = eng_thread_find(e, ev->tid), *wt;
	struct pfault *p;
	struct writer_obj *w;
	uint64_t f_t, f_end, f_vma_id, f_vma_start, f_vma_end;
	bool ended, placed;

	if (ev->u.sched.kind == FL_SCHED_SWITCH) {
		/* The task switched in runs, whatever task it follows (an
		 * idle or untraced one too). */
		wt = eng_thread_find(e, ev->u.sched.other);
		if (wt)
			writer_ran(wt->w, ev->t, SEEN_ON_CPU);
	}
	if (!t)
		return 0;
	if (ev->u.sched.kind == FL_SCHED_SWITCH) {
		p = t->fault_seq ? eng_q_at(e, t->fault_seq) : NULL;
		if (p && (ev->u.sched.prev_state & FL_SCHED_STATE_D) && p->v.pc_wait == FL_PCW_NONE)
			p->v.pc_wait = FL_PCW_SLEPT;
		writer_ran(t->w, ev->t, (ev->u.sched.prev_state & FL_SCHED_STATE_D) ? SEEN_GOING_TO_SLEEP
										    : SEEN_SWITCHING_OUT);
		if (eng_dup_off(t->w, ev->t) < 0)
			return oom(e);
		/* Switched out runnable while it holds mmap_lock for write:
		 * preempted, which a PREEMPT_NONE or _VOLUNTARY kernel does
		 * only at a cond_resched(), as in the zap of a range it unmaps
		 * (merge_locked_at(), engine_decide.c). */
		if (t->w && t->w->acquired && !t->w->closed && !t->w->preempted &&
		    (ev->u.sched.prev_state == 0 ||
		     (ev->u.sched.prev_state & FL_SCHED_STATE_PREEMPTED)))
			t->w->preempted = ev->t;
		/* Asleep while it holds it for write, with no VMA reader of
		 * its mm to wait for: on an allocation or the anon_vma's
		 * rwsem (split_not_yet(), engine_decide.c). */
		if (t->w && t->w->acquired && !t->w->closed && !t->w->asleep && !t->w->reader_woke &&
		    (ev->u.sched.prev_state & FL_SCHED_STATE_D) && !mm_has_vma_reader(e, t->mm, t))
			t->w->asleep = ev->t;
		return 0;
	}
	/* The waker is the task on the CPU (an interrupt's wake too): a
	 * writer that wakes another task runs.  faultline record traces only
	 * its tasks' own switches out, so a woken writer's switch in from an
	 * idle or untraced task is not in its recordings. */
	if (ev->u.sched.kind != FL_SCHED_WAKING)
		return 0;
	writer_ran(t->w, ev->t, SEEN_ON_CPU);
	wt = eng_thread_find(e, ev->u.sched.other);
	/* A fork's walk goes on once its thread is woken, too: it runs soon
	 * after, on an idle CPU. */
	if (wt)
		eng_dup_ran(wt->w, ev->t);
	if (!t->mm || !(w = t->mm->holder))
		return 0;
	if (!wt || wt->w != w || !w->acquired || w->closed)
		return 0;
	/* Even when that fault has left the queue (decided) by now. */
	if (t->fault_seq || (t->last_end && ev->t <= t->last_end + WAKE_AFTER_END_NS) ||
	    (t->in_call && t->call_vma_read))
		w->reader_woke = true;
	/* The fault whose VMA lock it waited for: the waker's latest, queued
	 * still or, once decided, as it ended (a fault is decided as soon as
	 * no writer window can still change its answer, which may be before
	 * its vma_end_read() wakes the writer). */
	p = t->last_seq ? eng_q_at(e, t->last_seq) : NULL;
	if (p) {
		f_vma_id = p->v.vma.id;
		f_vma_start = p->v.vma.start;
		f_vma_end = p->v.vma.end;
		f_t = p->v.t;
		ended = p->ended;
		f_end = p->v.t_end;
		placed = p->v.place == FL_PLACE_VMA;
	} else if (t->last_seq && t->ended.seq == t->last_seq) {
		f_vma_id = t->ended.vma_id;
		f_vma_start = t->ended.vma_start;
		f_vma_end = t->ended.vma_end;
		f_t = t->ended.t;
		ended = true;
		f_end = t->last_end;
		placed = t->ended.placed;
	} else {
		return 0;
	}
	if (ev->t < f_t || (ended && ev->t > f_end + WAKE_AFTER_END_NS) || !placed ||
	    (ended && f_end < w->w.w_begin))
		return 0;
	if (add_late(w, f_vma_id, f_vma_start, f_vma_end, f_t, ev->t) < 0)
		return oom(e);
	return 0;
}
