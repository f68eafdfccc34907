/* The replay driver: see engine.h for what it does and why it queues. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_error.h"
#include "fl_array.h"
#include "mm_ops.h"
#include "mm_pgtable.h"
#include "rwsem.h"

/* ---------------------------------------------------------------------- */
/* State                                                                  */

/* A writer while the engine follows it.  Faults that may have met it hold
 * a reference until they are decided. */
struct writer_obj {
	struct fl_writer w;
	struct mmctx *mm;	/* whose open list holds it: the thread's mm when
				 * it began (an exec may bind the thread to
				 * another before the writer completes) */
	unsigned refs;
	bool complete;		/* its VMA changes are known */
	bool acquired;		/* has_lock and the write lock was acquired */
	bool closed;		/* the write window has ended */
	uint64_t *ids;		/* fl_vma ids it wrote (vma_start_write) */
	size_t nids, capids;
	struct { uint64_t s, e; } *created;	/* ranges of VMAs it created */
	size_t ncreated, capcreated;
	/* VMAs it write-locked only after a fault had read-locked them: a
	 * faulting thread woke it while it held mmap_lock for write, so it
	 * slept in vma_start_write() (__vma_enter_locked()) until that fault's
	 * vma_end_read() let the VMA go.  t: that fault's time; faults on the
	 * VMA up to then took their VMA lock before the writer's; woke: when
	 * it was woken (it write-locked the VMA after that). */
	struct { uint64_t vma_id, t, woke; } *late;
	size_t nlate, caplate;
};

/* Completed writers an mm keeps for the speculative windows' look-back. */
#define RECENT_WRITERS 16

struct mmctx {
	int32_t pid;
	unsigned refs;			/* pids bound to it: more than one after a
					 * CLONE_VM fork (vfork, posix_spawn) */
	struct fl_mm mm;
	struct fl_pgtable pt;		/* page-table occupancy */
	struct writer_obj **open;	/* writers not complete, oldest first */
	size_t nopen, capopen;
	struct writer_obj *holder;	/* holds mmap_lock for write now */
	uint64_t last_w_release;	/* the last write release (or downgrade) */
	/* Writers completed last (speculative windows look back at them),
	 * each holding a reference; only with a FL_NEED_SPEC_WINDOW run. */
	struct writer_obj *recent[RECENT_WRITERS];
	size_t nrecent;
	uint32_t threads;		/* live threads: mm_users */
	/* The first VMA id of the current run of MMAP2-like snapshots: an
	 * exec reports its new mappings before the exec event itself. */
	uint64_t snap_first_id;
	bool snap_run;
	/* Between exec's exec_mmap() (FL_TASK_EXEC_MM) and its EXEC event:
	 * the mappings reported now are the new image's, made by the kernel. */
	bool exec_image;
	/* Its layout has a known origin: a snapshot (/proc, MMAP2), the copy
	 * of a known parent at fork, or an exec seen whole.  A process the
	 * trace shows no origin of (created in a loss, or before the snapshot
	 * of an -a recording reached it) knows only its traced calls: a fault
	 * elsewhere is unplaced, not a hole. */
	bool layout_known;
};

struct thread {
	struct fl_engine_thread pub;
	struct mmctx *mm;
	struct fl_gt_state gt;
	uint64_t fault_seq;		/* its fault waiting for an end; 0 none */
	uint64_t last_seq;		/* its latest fault, ended or not; 0 none */
	struct writer_obj *w;		/* the writer it is being, if any */
	bool in_call;			/* inside a traced mm syscall */
	bool exited;
};

#define MAX_HITS 8
/* The speculative window's writers, zaps and same-table neighbours. */
#define MAX_WHITS 16
#define MAX_VEVENTS 8
#define MAX_PTL_ENDS 8
/* How far below a VM_GROWSDOWN VMA a fault is taken as stack growth:
 * the default RLIMIT_STACK. */
#define STACK_REACH (8ULL << 20)
/* The anon_vma trylock's delay after the page-fault event until the trace
 * has calibrated it: the order of one perf tracepoint sample. */
#define DEFAULT_ANON_DELAY 1500
/* start_locking to the lock attempt, until the trace calibrates it. */
#define DEFAULT_ACQ_DELAY 1000
/* mm/memory.c fault_around_bytes: 64 KiB by default (debugfs-tunable). */
#define FAULT_AROUND_BYTES (64u << 10)

struct pfault {
	struct fl_fault_view v;
	struct fl_fault f;
	struct thread *thr;
	struct fl_gt_result gt;
	bool ended;
	struct writer_obj *hit[MAX_HITS];
	size_t nhits;
	bool contended;			/* a writer held or queued at t */
	bool thp_read_anon;		/* a THP read fault prepares the anon_vma */
	/* --set page_size larger than the trace's: the fault's larger page
	 * was already mapped (by an earlier fault of the same page) with the
	 * access it wants, so on that kernel it would not have faulted. */
	bool absorbed;
	bool defer_anon;		/* set the VMA's anon_vma at the fault's end */

	/* The speculative window (FL_NEED_SPEC_WINDOW runs, stage 2). */
	bool decided1;			/* the other runs' outcomes are out */
	uint64_t t_cut;			/* no end: the thread's next fault */
	int pmd_after;			/* fl_pgt_pmd_state() + 1 after it; 0 none */
	struct writer_obj *wh[MAX_WHITS];
	size_t nwh;
	struct fl_vma_event ve[MAX_VEVENTS];
	size_t nve;
	uint64_t pte_changed_at;
	uint64_t ptl_ends[MAX_PTL_ENDS];
	size_t nptl;
};

struct fl_engine {
	struct fl_engine_run *runs;
	size_t nruns;
	struct fl_engine_sink sink;
	struct fl_err err;
	uint64_t nev;			/* events seen, to name one in an error */
	struct fl_engine_stats st;

	/* The traced system: the syscall ABI and page size the mm model
	 * follows the layout by. */
	unsigned page_shift;
	enum fl_mm_arch arch;
	int kver;
	/* The fault paths replayed (the trace's, or a --set what-if): the
	 * page-table profile, the page the PTE model and the strategies work
	 * in, the arch hookup of the strategies. */
	unsigned sim_shift;
	enum fl_mm_arch sim_arch;
	enum fl_pgt_profile pgt;
	char wi_arch[16], wi_mmu[16];
	uint32_t wi_page_size;

	struct fl_map threads;		/* tid + 1 -> thread */
	struct fl_map mms;		/* pid + 1 -> its mmctx now (shared by CLONE_VM) */
	struct mmctx **all_mms;		/* every mmctx made, for finish and free */
	bool layouts;			/* the trace gives layouts (vma_snapshot) */
	size_t nall_mms, capall_mms;

	/* The fault queue: q[i] is fault number q_base + i. */
	struct pfault *q;
	size_t qhead, qlen, qcap;
	uint64_t q_base, next_seq;
	uint64_t next_writer;

	/* Calibration: when a fault's anon_vma trylock happens, as a delay
	 * after its page-fault event (median of the trace's own). */
	uint64_t anon_delay[1024];
	size_t nanon_delay;
	/* A fault's first mmap_lock attempt, start_locking to
	 * acquire_returned (a trylock: it never waits): how long after its
	 * start_locking a lock request really looks at the lock.  Median of
	 * the first 1024. */
	uint64_t acq_delay[1024];
	size_t nacq_delay;
	uint64_t d_acq;
	uint64_t d_anon;
	/* Calibration: mean duration per handler of faults with an end. */
	uint64_t cost_sum[FL_H__COUNT], cost_n[FL_H__COUNT];
	struct fl_writer_hit hits[MAX_HITS];

	/* Speculative windows: some run declares FL_NEED_SPEC_WINDOW. */
	bool spec;
	uint64_t now;			/* time of the last event */
	size_t ndec1;			/* queue head faults past stage 1 */
	struct fl_writer_hit whits[MAX_WHITS];
};

/* Costs (ns) used until the trace has calibrated a handler: the order of
 * magnitude of each handler on a current x86_64 server. */
static const uint64_t default_cost[FL_H__COUNT] = {
	[FL_H_ANON_READ] = 700, [FL_H_ANON_WRITE] = 1800, [FL_H_FILE_READ] = 1500,
	[FL_H_FILE_COW] = 2500, [FL_H_FILE_SHARED] = 2000, [FL_H_WP] = 1800,
	[FL_H_SWAP] = 30000, [FL_H_SPURIOUS] = 400,
};

static int oom(struct fl_engine *e)
{
	return fl_err_set(&e->err, -ENOMEM, "replay: out of memory");
}

/* Times from the trace are kept below 2^62 ns (146 years past the clock's
 * origin): a sum of two of them, or a time plus a duration between two,
 * then cannot wrap, and their difference fits an int64_t.  A timestamp
 * past it is corrupt and stops the replay, naming the event. */
#define FL_T_MAX (UINT64_C(1) << 62)

static int check_times(struct fl_engine *e, const struct fl_event *ev)
{
	uint64_t worst = ev->t;

	e->nev++;
	if (ev->kind == FL_EV_MM_CALL) {
		if (ev->u.mm_call.t_enter > worst)
			worst = ev->u.mm_call.t_enter;
		if (ev->u.mm_call.t_exit > worst)
			worst = ev->u.mm_call.t_exit;
	} else if (ev->kind == FL_EV_LOST) {
		if (ev->u.lost.t_begin > worst)
			worst = ev->u.lost.t_begin;
		if (ev->u.lost.t_end > worst)
			worst = ev->u.lost.t_end;
	}
	if (worst < FL_T_MAX)
		return 0;
	return fl_err_set(&e->err, -ERANGE, "replay: event %llu (%s, tid %d) has a timestamp of "
			  "%llu ns, past 2^62 ns: the trace is corrupt", (unsigned long long)e->nev,
			  fl_ev_kind_name(ev->kind), (int)ev->tid, (unsigned long long)worst);
}

int fl_kver_from_release(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 || major > 99 || minor > 99)
		return 0;
	return FL_MM_KVER((int)major, (int)minor);
}

/* ---------------------------------------------------------------------- */
/* Writers                                                                */

static void writer_put(struct writer_obj *w)
{
	if (w && !--w->refs) {
		free(w->ids);
		free(w->created);
		free(w->late);
		free(w);
	}
}

static struct writer_obj *writer_new(struct fl_engine *e, struct mmctx *mm, struct thread *t)
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

static void open_remove(struct mmctx *mm, struct writer_obj *w)
{
	for (size_t i = 0; i < mm->nopen; i++) {
		if (mm->open[i] == w) {
			memmove(&mm->open[i], &mm->open[i + 1], (mm->nopen - i - 1) * sizeof(*mm->open));
			mm->nopen--;
			return;
		}
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
	return 0;
}

static int writer_complete(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w)
{
	int rc = 0;

	if (w->complete)
		return 0;
	/* The mm whose open list holds it, whatever the thread's is now. */
	mm = w->mm;
	w->complete = true;
	if (!w->w.has_lock || !w->acquired) {
		/* No lock events: the window is the syscall span. */
		w->w.w_begin = w->w.call.t_enter;
		w->w.w_end = w->w.call.t_exit;
		w->w.q_begin = w->w.call.t_enter;
	}
	if (mm->holder == w)
		mm->holder = NULL;
	open_remove(mm, w);
	e->st.writers++;
	if (!w->w.traced)
		e->st.untraced_writers++;
	if (e->sink.writer)
		rc = e->sink.writer(e->sink.ctx, &w->w);
	if (e->spec) {
		/* Kept for the look-back of later faults' windows. */
		if (mm->nrecent == RECENT_WRITERS) {
			writer_put(mm->recent[0]);
			memmove(&mm->recent[0], &mm->recent[1],
				(RECENT_WRITERS - 1) * sizeof(mm->recent[0]));
			mm->nrecent--;
		}
		w->refs++;
		mm->recent[mm->nrecent++] = w;
	}
	writer_put(w);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Threads and mms                                                        */

static void mm_destroy(struct mmctx *mm)
{
	for (size_t i = 0; i < mm->nopen; i++)
		writer_put(mm->open[i]);
	for (size_t i = 0; i < mm->nrecent; i++)
		writer_put(mm->recent[i]);
	free(mm->open);
	fl_mm_free(&mm->mm);
	fl_pgt_free(&mm->pt);
	free(mm);
}

/* A new, empty address space, bound to no pid yet.  An mmctx lives until
 * the engine is freed: faults in the queue and open writers may still
 * point at one whose process has exec'd or exited. */
static struct mmctx *mm_new(struct fl_engine *e, int32_t pid)
{
	struct mmctx *mm;

	if (fl_array_grow((void **)&e->all_mms, &e->capall_mms, e->nall_mms + 1,
			  sizeof(*e->all_mms)) < 0)
		return NULL;
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->pid = pid;
	fl_mm_init(&mm->mm, e->page_shift, e->arch, e->kver);
	fl_pgt_init(&mm->pt, e->pgt);
	mm->pt.kver = e->kver;
	e->all_mms[e->nall_mms++] = mm;
	return mm;
}

/* Make pid's address space mm (fork with CLONE_VM shares the parent's;
 * exec gives the process a new one). */
static int mm_bind(struct fl_engine *e, int32_t pid, struct mmctx *mm)
{
	uint64_t key = (uint64_t)(uint32_t)pid + 1;
	struct mmctx *old = fl_map_get(&e->mms, key);

	if (old == mm)
		return 0;
	if (fl_map_put(&e->mms, key, mm) < 0)
		return -ENOMEM;
	if (old && old->refs)
		old->refs--;
	mm->refs++;
	return 0;
}

static struct mmctx *mm_get(struct fl_engine *e, int32_t pid)
{
	struct mmctx *mm = fl_map_get(&e->mms, (uint64_t)(uint32_t)pid + 1);

	if (mm)
		return mm;
	mm = mm_new(e, pid);
	if (!mm || mm_bind(e, pid, mm) < 0)
		return NULL;
	return mm;
}

static struct thread *thread_get(struct fl_engine *e, int32_t pid, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)tid + 1;
	struct thread *t;

	if (tid < 0)
		return NULL;
	t = fl_map_get(&e->threads, key);
	if (t) {
		if (t->pub.pid < 0 && pid >= 0) {
			t->pub.pid = pid;
			t->mm = mm_get(e, pid);
			if (t->mm)
				t->mm->threads++;
		}
		return t;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pub.pid = pid;
	t->pub.tid = tid;
	if (pid >= 0) {
		t->mm = mm_get(e, pid);
		if (!t->mm) {
			free(t);
			return NULL;
		}
		t->mm->threads++;
	}
	if (fl_map_put(&e->threads, key, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* ---------------------------------------------------------------------- */
/* The fault queue                                                        */

static struct pfault *q_at(struct fl_engine *e, uint64_t seq)
{
	if (seq < e->q_base || seq >= e->q_base + e->qlen)
		return NULL;
	return &e->q[(e->qhead + (seq - e->q_base)) % e->qcap];
}

static struct pfault *q_push(struct fl_engine *e)
{
	if (e->qlen == e->qcap) {
		size_t ncap = e->qcap ? e->qcap * 2 : 256;
		struct pfault *nq = malloc(ncap * sizeof(*nq));

		if (!nq)
			return NULL;
		for (size_t i = 0; i < e->qlen; i++)
			nq[i] = e->q[(e->qhead + i) % e->qcap];
		free(e->q);
		e->q = nq;
		e->qcap = ncap;
		e->qhead = 0;
	}
	if (!e->qlen)
		e->q_base = e->next_seq;
	struct pfault *p = &e->q[(e->qhead + e->qlen) % e->qcap];
	e->qlen++;
	e->next_seq++;
	if (e->qlen > e->st.max_pending)
		e->st.max_pending = e->qlen;
	memset(p, 0, sizeof(*p));
	return p;
}

static bool fault_ready(const struct pfault *p)
{
	if (!p->ended)
		return false;
	for (size_t i = 0; i < p->nhits; i++)
		if (!p->hit[i]->complete)
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Speculative windows                                                    */

/* The end of the span whose writers a fault's window keeps: t + 2 d_spec
 * + slack once d_spec is known, else open. */
static uint64_t window_end(const struct fl_engine *e, const struct pfault *p)
{
	uint64_t d;

	if (p->decided1)
		d = p->v.d_spec;
	else if (p->ended && p->v.has_end && p->v.t_end >= p->v.t)
		d = p->v.t_end - p->v.t;
	else if (p->ended && p->t_cut > p->v.t)
		d = p->t_cut - p->v.t;
	else
		return UINT64_MAX;
	(void)e;
	return p->v.t + 2 * d + FL_SPEC_SLACK;
}

/* Give w to the window of p, once. */
static void window_add(struct pfault *p, struct writer_obj *w)
{
	for (size_t k = 0; k < p->nwh; k++)
		if (p->wh[k] == w)
			return;
	if (p->nwh == MAX_WHITS)
		return;
	w->refs++;
	p->wh[p->nwh++] = w;
}

/* A writer of mm starts queueing, acquires, or enters its call at `now`:
 * it meets the window of every fault of mm still waiting whose span
 * reaches now. */
static void window_attach(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now)
{
	if (!e->spec)
		return;
	for (size_t i = 0; i < e->qlen; i++) {
		struct pfault *p = &e->q[(e->qhead + i) % e->qcap];

		if (!p->thr || p->thr->mm != mm)
			continue;
		if (p->v.t > now + FL_SPEC_LOOKBACK || window_end(e, p) < now)
			continue;
		window_add(p, w);
	}
}

/* A new fault's window looks back at the writers of its mm still open
 * (closed or not) and at those completed last. */
static void window_place(struct mmctx *mm, struct pfault *p)
{
	uint64_t from = p->v.t > FL_SPEC_LOOKBACK ? p->v.t - FL_SPEC_LOOKBACK : 0;

	for (size_t i = 0; i < mm->nrecent; i++) {
		struct writer_obj *w = mm->recent[i];

		if (w->w.w_end >= from)
			window_add(p, w);
	}
	for (size_t i = 0; i < mm->nopen; i++) {
		struct writer_obj *w = mm->open[i];

		if (!w->closed || w->w.w_end >= from)
			window_add(p, w);
	}
}

/* Another thread's fault of the same mm ended at t_end: for the faults
 * still waiting whose window it meets, it changed the PTE of its page and
 * held the PTL of its PTE table just before. */
static void window_fault_end(struct fl_engine *e, const struct pfault *q, uint64_t t_end)
{
	uint64_t page, table;

	if (!e->spec || !q->thr || !q->thr->mm)
		return;
	page = q->f.address >> e->sim_shift;
	table = q->f.address >> q->thr->mm->pt.geom.pmd_shift;
	for (size_t i = 0; i < e->qlen; i++) {
		struct pfault *p = &e->q[(e->qhead + i) % e->qcap];

		if (p == q || !p->thr || p->thr->mm != q->thr->mm || p->v.tid == q->v.tid)
			continue;
		if (p->v.t >= t_end || window_end(e, p) < t_end)
			continue;
		if ((p->f.address >> q->thr->mm->pt.geom.pmd_shift) != table)
			continue;
		if ((p->f.address >> e->sim_shift) == page && !p->pte_changed_at)
			p->pte_changed_at = t_end;
		if (p->nptl < MAX_PTL_ENDS)
			p->ptl_ends[p->nptl++] = t_end;
	}
}

/* A call of mm completed: read-lock zaps of a waiting fault's VMA (Dufour's
 * unmap_page_range() bumps vm_sequence), and PMD entries it changed under a
 * waiting fault.  Writers themselves come through their windows. */
static void window_mm_call(struct fl_engine *e, struct mmctx *mm, const struct fl_mm_call *c,
			   bool writer, int32_t tid)
{
	if (!e->spec)
		return;
	for (size_t i = 0; i < e->qlen; i++) {
		struct pfault *p = &e->q[(e->qhead + i) % e->qcap];
		struct fl_vma_event ev;
		bool zap = false, pmd = false;

		if (!p->thr || p->thr->mm != mm || p->nve == MAX_VEVENTS)
			continue;
		if (p->v.t > c->t_exit + FL_SPEC_LOOKBACK || window_end(e, p) < c->t_enter)
			continue;
		if (!writer && (p->v.place == FL_PLACE_VMA || p->v.place == FL_PLACE_INFERRED)) {
			for (size_t k = 0; k < mm->mm.nranges; k++) {
				const struct fl_mm_range *r = &mm->mm.ranges[k];

				if (r->kind == FL_MM_RANGE_ZAP && r->start < p->v.vma.end &&
				    p->v.vma.start < r->end)
					zap = true;
			}
		}
		if (p->pmd_after) {
			int now = (int)fl_pgt_pmd_state(&mm->pt, p->f.address) + 1;

			if (now != p->pmd_after) {
				pmd = true;
				p->pmd_after = now;
			}
		}
		if (!zap && !pmd)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.t_begin = c->has_enter ? c->t_enter : c->t_exit;
		ev.t_end = c->t_exit;
		ev.kind = c->kind;
		ev.tid = tid;
		ev.zap = zap;
		ev.pmd_changed = pmd;
		p->ve[p->nve++] = ev;
	}
}

/* ---------------------------------------------------------------------- */
/* Placing a fault                                                        */

static bool vma_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}

/* handle_pte_fault()'s dispatch as far as the trace shows it: the x86
 * error code's PROT bit says whether the PTE was present; a major fault on
 * an anonymous page is a swap-in. */
static enum fl_handler handler_of(const struct fl_vma *v, uint32_t acc, bool major,
				  bool *needs_anon)
{
	bool write = acc & FL_ACC_WRITE, present = acc & FL_ACC_PROT;
	bool shared = v->flags & FL_VM_SHARED;

	*needs_anon = false;
	if (present) {
		if (!write)
			return FL_H_SPURIOUS;
		/* do_wp_page(): a private COW copies into an anon folio
		 * (wp_page_copy() -> vmf_anon_prepare()). */
		*needs_anon = !shared && !v->anon_vma;
		return FL_H_WP;
	}
	if (vma_anonymous(v)) {
		if (major)
			return FL_H_SWAP;
		if (write) {
			*needs_anon = !v->anon_vma;
			return FL_H_ANON_WRITE;
		}
		return FL_H_ANON_READ;
	}
	if (!write)
		return FL_H_FILE_READ;
	if (shared)
		return FL_H_FILE_SHARED;
	*needs_anon = !v->anon_vma;
	return FL_H_FILE_COW;
}

/* thp_vma_suitable_order(PMD_ORDER) with THP enabled for the VMA: a read
 * fault there goes to do_huge_pmd_anonymous_page(), which prepares the
 * anon_vma before it maps the huge zero page. */
static bool thp_suitable(const struct mmctx *mm, const struct fl_vma *v, uint64_t addr)
{
	uint64_t pmd = 1ULL << mm->pt.geom.pmd_shift, haddr = addr & ~(pmd - 1);

	if (v->flags & (FL_VM_NOHUGEPAGE | FL_VM_HUGETLB | FL_VM_SPECIAL))
		return false;
	if (!vma_anonymous(v) || v->kind == FL_VMA_STACK)
		return false;
	return haddr >= v->start && haddr + pmd <= v->end &&
	       fl_pgt_pmd_state(&mm->pt, addr) == FL_PMD_NONE;
}

static enum fl_place place_fault(struct fl_engine *e, struct mmctx *mm, uint64_t addr,
				 struct fl_vma **out)
{
	struct fl_vma_set *s = &mm->mm.vmas;
	struct fl_vma *v = fl_vma_lookup(s, addr), *prev, *next;
	size_t idx;
	uint64_t page = 1ULL << e->page_shift;

	*out = NULL;
	if (v) {
		*out = v;
		return v->extent_inferred ? FL_PLACE_INFERRED : FL_PLACE_VMA;
	}
	idx = fl_vma_find_idx(s, addr);
	next = fl_vma_at(s, idx);
	prev = idx ? fl_vma_at(s, idx - 1) : NULL;
	/* find_vma() returns the VMA above; below a VM_GROWSDOWN one the
	 * fault grows the stack (within RLIMIT_STACK, 8 MiB by default). */
	if (next && (next->flags & FL_VM_GROWSDOWN) && next->start - addr <= STACK_REACH) {
		*out = next;
		return FL_PLACE_STACK;
	}
	/* A mapping known only by its start (perf MMAP2): it reaches at least
	 * as far as the faults inside it. */
	if (prev && prev->extent_inferred) {
		prev->end = (addr & ~(page - 1)) + page;
		if (next && prev->end > next->start)
			prev->end = next->start;
		fl_vma_set_sync(s, idx - 1);
		if (addr < prev->end) {
			*out = prev;
			return FL_PLACE_INFERRED;
		}
	}
	if (next && (next->flags & FL_VM_GROWSDOWN)) {
		*out = next;
		return FL_PLACE_STACK;
	}
	return fl_vma_count(s) && (mm->layout_known || !e->layouts) ? FL_PLACE_NO_VMA
								      : FL_PLACE_UNKNOWN;
}

/* ---------------------------------------------------------------------- */
/* Deciding                                                               */

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

/* The writer write-locked VMA id only after a fault at t held it. */
static bool writer_late(const struct writer_obj *w, uint64_t id, uint64_t t)
{
	for (size_t i = 0; i < w->nlate; i++)
		if (w->late[i].vma_id == id && t <= w->late[i].t)
			return true;
	return false;
}

/* When the writer was last woken by a fault that held VMA id (sched
 * evidence): it write-locked the VMA only after that; 0 when never. */
static uint64_t writer_late_t(const struct writer_obj *w, uint64_t id)
{
	for (size_t i = 0; i < w->nlate; i++)
		if (w->late[i].vma_id == id)
			return w->late[i].woke;
	return 0;
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
	o.counter = "";
	o.reason = "";
	if (p->absorbed) {
		o.path = FL_PATH_NONE;
		o.reason = e->sim_shift == 16 ? "no fault at 64 KiB pages: its page was mapped"
					      : "no fault at the larger page: its page was mapped";
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

static bool writer_wrote(const struct writer_obj *w, uint64_t id);
static bool writer_created_at(const struct writer_obj *w, uint64_t addr);

/* Stage 2: the runs that want the speculative window, once every writer
 * that can start inside it is known. */
static int decide_spec(struct fl_engine *e, struct pfault *p)
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
		e->whits[nw].late_t = placed ? writer_late_t(w, v->vma.id) : 0;
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
		writer_put(p->wh[i]);
	p->nwh = 0;
	if (rc < 0 && !e->err.code)
		fl_err_set(&e->err, rc, "replay: cannot store the outcome of fault %llu",
			   (unsigned long long)v->fault_id);
	return rc;
}

/* Stage 2 may run: the window's span is past and its writers complete. */
static bool spec_ready(const struct fl_engine *e, const struct pfault *p)
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

static int decide(struct fl_engine *e, struct pfault *p)
{
	struct fl_fault_view *v = &p->v;
	size_t nh = 0;
	int rc = 0;

	/* The trylock's time: the fault's own first attempt when the trace
	 * has it (it looks at the lock between its start_locking and its
	 * acquire_returned), else the calibrated delay after the fault. */
	uint64_t tc = p->gt.t_try >= v->t && p->gt.t_try_ret >= p->gt.t_try
			      ? p->gt.t_try + (p->gt.t_try_ret - p->gt.t_try) / 2
			      : v->t + e->d_anon;

	v->fault = &p->f;
	/* mmap_read_trylock() fails while a writer holds mmap_lock or waits
	 * for it in the wait list (RWSEM_READ_FAILED_MASK), at the time of the
	 * trylock; not while it spins before queueing (rwsem.h). */
	v->lock_contended = false;
	v->lock_free_at = 0;
	for (size_t i = 0; i < p->nhits; i++) {
		const struct writer_obj *w = p->hit[i];
		bool in = hit_in_window(w, v->t);
		bool queued = w->w.has_lock && w->w.q_begin <= v->t && v->t < w->w.w_begin;
		bool at_trylock = (w->w.w_begin <= tc || w->w.q_begin + FL_RWSEM_WSPIN_NS <= tc) &&
				  w->w.q_begin <= tc && tc < w->w.w_end;
		bool late;

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
		       writer_late(w, v->vma.id, v->t);
		e->hits[nh].wrote_vma = in && !late &&
					(v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED ||
					 v->place == FL_PLACE_STACK) &&
					writer_wrote(w, v->vma.id);
		e->hits[nh].created_at = in && !late && writer_created_at(w, v->fault->address);
		nh++;
	}
	v->hits = e->hits;
	v->nhits = nh;
	v->lock_free_at = read_grant(e->hits, nh, v->t);
	v->t_lock_req = v->t;
	v->lock_free_at_req = v->lock_free_at;
	v->kernel_waited = p->gt.gt == FL_GT_FALLBACK && p->gt.t_req > v->t;
	v->kernel_wait = v->kernel_waited ? p->gt.lock_wait : 0;
	if (v->kernel_waited) {
		struct fl_writer_hit at_req[MAX_HITS];
		size_t nr = 0;

		/* The writers in the way of the read lock when the kernel
		 * asked for it: holding it, or queued before (on_lock()
		 * attached those that came after the fault began).  The
		 * request looks at the lock d_acq after its start_locking:
		 * a writer that took it in between makes it queue. */
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

	if (v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED) {
		bool needs;

		v->handler = handler_of(&v->vma, p->f.access, v->major, &needs);
		v->needs_anon_vma = needs || p->thp_read_anon;
	}
	for (int h = 0; h < FL_H__COUNT; h++)
		for (size_t r = 0; r < e->nruns; r++)
			e->runs[r].cfg.cost[h] = e->cost_n[h] ? e->cost_sum[h] / e->cost_n[h]
							      : default_cost[h];

	e->st.faults++;
	e->st.place[v->place]++;
	e->st.gt[p->gt.gt]++;
	if (e->sink.fault)
		rc = e->sink.fault(e->sink.ctx, v, &p->gt);
	/* The attempt window of the speculative strategies, from the cost
	 * table of this moment (stage 2 decides them with it). */
	if (v->has_end && v->t_end >= v->t)
		v->d_spec = v->t_end - v->t;
	else {
		v->d_spec = e->cost_n[v->handler] ? e->cost_sum[v->handler] / e->cost_n[v->handler]
						  : default_cost[v->handler];
		if (p->t_cut > v->t && p->t_cut - v->t < v->d_spec)
			v->d_spec = p->t_cut - v->t;
	}
	for (size_t r = 0; r < e->nruns && rc >= 0; r++) {
		if (e->spec && (e->runs[r].strategy->needs & FL_NEED_SPEC_WINDOW))
			continue;	/* stage 2: decide_spec() */
		rc = run_fault(e, r, p);
	}
	if (v->has_end && v->t_end >= v->t && p->gt.gt == FL_GT_VMA && v->place == FL_PLACE_VMA) {
		e->cost_sum[v->handler] += v->t_end - v->t;
		e->cost_n[v->handler]++;
	}
	for (size_t i = 0; i < p->nhits; i++)
		writer_put(p->hit[i]);
	p->nhits = 0;
	p->decided1 = true;
	if (rc < 0 && !e->err.code)
		fl_err_set(&e->err, rc, "replay: cannot store the outcome of fault %llu",
			   (unsigned long long)v->fault_id);
	return rc;
}

static int drain(struct fl_engine *e, bool all)
{
	/* Stage 1, in trace order: every run without a speculative window. */
	while (e->ndec1 < e->qlen) {
		struct pfault *p = &e->q[(e->qhead + e->ndec1) % e->qcap];
		int rc;

		if (all && !p->ended) {
			p->ended = true;	/* the trace ended first */
			if (p->thr && p->thr->fault_seq == p->v.fault_id)
				p->thr->fault_seq = 0;
		}
		if (!fault_ready(p)) {
			if (!all)
				break;
			/* Writers still open at the trace's end: decide with
			 * what is known. */
		}
		rc = decide(e, p);
		e->ndec1++;
		if (rc < 0)
			return rc;
	}
	/* Stage 2, in trace order, and the queue's head goes. */
	while (e->ndec1) {
		struct pfault *p = &e->q[e->qhead];
		int rc = 0;

		if (e->spec) {
			if (!all && !spec_ready(e, p))
				break;
			rc = decide_spec(e, p);
		}
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
		e->q_base++;
		e->ndec1--;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Events                                                                 */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The trylock of __vmf_anon_prepare() shows as the fault's first
 * start_locking when the fault took it and released it (it stayed on the
 * VMA lock) or when it failed twice (RETRY, then lock_mmap's trylock
 * failed).  Its delay after the page-fault event -- the tracepoint's own
 * cost and the path to do_anonymous_page() -- places the trylock in time. */
static void sample_anon_delay(struct fl_engine *e, const struct fl_gt_state *g, uint64_t t)
{
	uint64_t tmp[1024];

	if (!g->starts || g->t_start < t || e->nanon_delay == 1024)
		return;
	if (!(g->released && !g->held && !g->write) && !(g->failed >= 2 && !g->write))
		return;
	e->anon_delay[e->nanon_delay++] = g->t_start - t;
	if (e->nanon_delay <= 64 || e->nanon_delay % 32 == 0) {
		memcpy(tmp, e->anon_delay, e->nanon_delay * sizeof(tmp[0]));
		qsort(tmp, e->nanon_delay, sizeof(tmp[0]), cmp_u64);
		e->d_anon = tmp[e->nanon_delay / 2];
	}
}

static void sample_acq_delay(struct fl_engine *e, const struct fl_gt_state *g)
{
	uint64_t tmp[1024];

	if (!g->starts || !g->t_first_ret || g->t_first_ret < g->t_start || e->nacq_delay == 1024)
		return;
	e->acq_delay[e->nacq_delay++] = g->t_first_ret - g->t_start;
	if (e->nacq_delay <= 64 || e->nacq_delay % 32 == 0) {
		memcpy(tmp, e->acq_delay, e->nacq_delay * sizeof(tmp[0]));
		qsort(tmp, e->nacq_delay, sizeof(tmp[0]), cmp_u64);
		e->d_acq = tmp[e->nacq_delay / 2];
	}
}

static void end_fault(struct fl_engine *e, struct thread *t, const struct fl_event *end)
{
	struct pfault *p = q_at(e, t->fault_seq);

	t->fault_seq = 0;
	if (!p)
		return;
	p->ended = true;
	if (end) {
		p->v.has_end = true;
		p->v.t_end = end->t;
		p->v.major = end->u.fault_end.major;
		if (p->defer_anon && t->mm) {
			struct fl_vma *v = fl_vma_lookup(&t->mm->mm.vmas, p->f.address);

			if (v && !v->anon_vma)
				fl_mm_anon_prepare(&t->mm->mm, v);
		}
		sample_anon_delay(e, &t->gt, p->v.t);
		sample_acq_delay(e, &t->gt);
		window_fault_end(e, p, end->t);
		fl_gt_end(&t->gt, &p->gt);
		if (p->gt.gt == FL_GT_FALLBACK)
			t->pub.gt_fallbacks++;
	} else {
		/* No end event before the thread's next fault: the fault
		 * failed (SIGSEGV) or its end was lost.  No ground truth. */
		t->gt.in_fault = false;
		p->gt.gt = FL_GT_UNKNOWN;
		p->gt.detail = "";
	}
}

static int on_fault(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	struct mmctx *mm = t->mm;
	struct pfault *p;
	struct fl_vma *vma;

	if (t->fault_seq) {
		struct pfault *prev = q_at(e, t->fault_seq);

		if (prev)
			prev->t_cut = ev->t;	/* it ended before this one */
		end_fault(e, t, NULL);
	}
	fl_gt_fault(&t->gt);
	t->pub.faults++;
	p = q_push(e);
	if (!p)
		return oom(e);
	p->thr = t;
	p->f = ev->u.fault;
	p->v.fault_id = e->next_seq - 1;
	p->v.t = ev->t;
	p->v.pid = ev->pid;
	p->v.tid = ev->tid;
	p->v.cpu = ev->cpu;
	p->v.mm_users = mm ? mm->threads : 1;
	t->fault_seq = p->v.fault_id;
	t->last_seq = p->v.fault_id;
	if (!mm) {
		p->v.place = FL_PLACE_UNKNOWN;
		return 0;
	}
	/* A user fault ends a run of exec mappings.  ppc64's software event
	 * also sees the kernel's own faults on user addresses, one of them in
	 * the middle of exec (elf_load() zeroing the bss): the run goes on. */
	if (!ev->u.fault.trap || (ev->u.fault.access & FL_ACC_USER))
		mm->snap_run = false;
	p->v.place = place_fault(e, mm, ev->u.fault.address, &vma);
	if (vma)
		p->v.vma = *vma;
	if (p->v.place == FL_PLACE_NO_VMA) {
		const struct fl_vma *above = fl_vma_at(&mm->mm.vmas,
						       fl_vma_find_idx(&mm->mm.vmas, ev->u.fault.address));

		p->v.has_above = above != NULL;
		if (above)
			p->v.above = *above;
	}
	if (p->v.place == FL_PLACE_VMA || p->v.place == FL_PLACE_INFERRED) {
		uint64_t addr = ev->u.fault.address;
		uint32_t acc = ev->u.fault.access;
		bool needs, write = acc & FL_ACC_WRITE;
		bool thp = !(acc & FL_ACC_PROT) && thp_suitable(mm, vma, addr);
		enum fl_pgt_pte old = fl_pgt_pte(&mm->pt, addr);

		p->v.access_error = fl_access_error(e->sim_arch,
						    e->pgt == FL_PGT_PPC64_RADIX_64K ||
							    e->pgt == FL_PGT_PPC64_RADIX_4K,
						    vma, acc);
		/* The what-if of a larger page: a fault whose page (in the
		 * what-if's size) an earlier fault already mapped for this
		 * access would not have happened.  Only then: the trace's own
		 * page size keeps every fault. */
		if (e->sim_shift > e->page_shift && !p->v.access_error && !(acc & FL_ACC_PROT) &&
		    (old == FL_PTE_PRESENT_WRITE || (old == FL_PTE_PRESENT && !write)))
			p->absorbed = true;
		p->v.pmd_present = fl_pgt_pmd_state(&mm->pt, addr) != FL_PMD_NONE;
		p->v.pte_present = old == FL_PTE_PRESENT || old == FL_PTE_PRESENT_WRITE;
		p->v.pud_present = fl_pgt_pud_present(&mm->pt, addr);
		p->v.pmd_huge = fl_pgt_pmd_state(&mm->pt, addr) == FL_PMD_HUGE;
		p->v.thp_fault = thp;
		handler_of(vma, acc, false, &needs);
		/* do_huge_pmd_anonymous_page() prepares the anon_vma before it
		 * maps the huge zero page for a read. */
		p->thp_read_anon = thp && !write && !vma->anon_vma;
		/* The fault sets the anon_vma whichever lock it runs under
		 * (anon_vma_prepare()); later faults see it.  A fault that may
		 * have to wait for a writer sets it only once it runs, after
		 * the writer, on the VMA as the writer left it. */
		if ((needs || p->thp_read_anon) && !p->v.access_error) {
			bool writer_near = mm->holder != NULL;

			for (size_t i = 0; i < mm->nopen; i++)
				writer_near |= mm->open[i]->w.has_lock && !mm->open[i]->closed;
			if (writer_near)
				p->defer_anon = true;
			else
				fl_mm_anon_prepare(&mm->mm, vma);
		}
		/* What the fault leaves in the page tables. */
		if (!p->v.access_error) {
			int rc;

			if (thp)
				rc = fl_pgt_fault_huge(&mm->pt, addr, write);
			else if (!write && !(acc & FL_ACC_PROT) &&
				 fl_pgt_should_fault_around(&mm->pt, vma, FAULT_AROUND_BYTES))
				rc = fl_pgt_fault_around(&mm->pt, vma, addr, FAULT_AROUND_BYTES);
			else
				rc = fl_pgt_set_pte(&mm->pt, addr,
						    fl_pgt_fault_result(&mm->pt, vma, old, write));
			if (rc < 0)
				return oom(e);
			p->pmd_after = (int)fl_pgt_pmd_state(&mm->pt, addr) + 1;
		}
	} else if (p->v.place == FL_PLACE_STACK) {
		struct fl_vma *grown = NULL;

		/* The fallback grows the stack (expand_stack_locked()). */
		if (fl_mm_expand_stack(&mm->mm, ev->u.fault.address, &grown) == 0 && grown)
			p->v.vma = *grown;
	}
	/* Writers that can meet this fault: every writer open now. */
	p->contended = mm->holder != NULL;
	for (size_t i = 0; i < mm->nopen && p->nhits < MAX_HITS; i++) {
		struct writer_obj *w = mm->open[i];

		if (w->closed)
			continue;	/* its window ended before this fault */
		if (w->w.has_lock && !w->acquired)
			p->contended = true;	/* queued: a trylock fails */
		w->refs++;
		p->hit[p->nhits++] = w;
	}
	if (e->spec)
		window_place(mm, p);
	return 0;
}

/* The fault's thread asks for mmap_lock now (a trylock, or the read lock
 * of a fallback): every writer holding it or queued for it is in its way,
 * however long after the fault's start it came. */
static void attach_open(struct fl_engine *e, struct mmctx *mm, struct pfault *p)
{
	(void)e;
	if (!p || p->ended || !p->thr || p->thr->mm != mm)
		return;
	for (size_t i = 0; i < mm->nopen && p->nhits < MAX_HITS; i++) {
		struct writer_obj *w = mm->open[i];
		bool have = false;

		if (w->closed)
			continue;
		for (size_t k = 0; k < p->nhits; k++)
			have |= p->hit[k] == w;
		if (have)
			continue;
		w->refs++;
		p->hit[p->nhits++] = w;
	}
}

/* A writer that starts queueing at `now` meets the faults still running
 * whose trylock comes after it (t + d_anon >= now). */
static void attach_recent(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now)
{
	for (size_t i = e->qlen; i-- > 0;) {
		struct pfault *p = &e->q[(e->qhead + i) % e->qcap];
		bool have = false;

		if (p->v.t + e->d_anon < now)
			break;
		if (p->ended || !p->thr || p->thr->mm != mm || p->nhits == MAX_HITS)
			continue;
		for (size_t k = 0; k < p->nhits; k++)
			have |= p->hit[k] == w;
		if (have)
			continue;
		w->refs++;
		p->hit[p->nhits++] = w;
	}
}

static int on_fault_end(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	if (t->fault_seq)
		end_fault(e, t, ev);
	/* else a fault taken in kernel mode on a user address: no
	 * page_fault_user, nothing to replay. */
	return 0;
}

static int on_lock(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	const struct fl_mmap_lock *l = &ev->u.lock;
	struct mmctx *mm = t->mm;
	struct writer_obj *w = t->w;

	e->st.lock_events = true;
	fl_gt_lock(&t->gt, l, ev->t);
	if (!mm)
		return 0;
	if (!l->write && l->phase == FL_LOCK_START && t->fault_seq)
		attach_open(e, mm, q_at(e, t->fault_seq));
	if (l->write) {
		switch (l->phase) {
		case FL_LOCK_START:
			if (!w || w->closed) {
				w = writer_new(e, mm, t);
				if (!w)
					return oom(e);
				t->w = w;
			}
			w->w.has_lock = true;
			w->w.t_lock_start = ev->t;
			w->w.q_begin = ev->t;
			attach_recent(e, mm, w, ev->t);
			window_attach(e, mm, w, ev->t);
			break;
		case FL_LOCK_ACQUIRED:
			if (!w)
				break;
			if (l->success) {
				w->acquired = true;
				if (mm->last_w_release > w->w.q_begin)
					w->w.t_other_release = mm->last_w_release;
				w->w.t_lock_acquired = ev->t;
				w->w.w_begin = ev->t;
				w->w.w_end = UINT64_MAX;
				mm->holder = w;
				window_attach(e, mm, w, ev->t);
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
				return writer_complete(e, mm, w);
			}
			break;
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
			return writer_complete(e, mm, w);
		}
	}
	return 0;
}

int fl_engine_mm_enter(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t;
	struct writer_obj *w;

	if (check_times(e, ev) < 0)
		return e->err.code;
	t = thread_get(e, ev->pid, ev->tid);
	if (!t)
		return ev->tid < 0 ? 0 : oom(e);
	if (ev->t > e->now)
		e->now = ev->t;
	t->in_call = true;
	if (!t->mm || fl_mm_call_lock_mode(&ev->u.mm_call, e->kver) != FL_MM_LOCK_MMAP_WRITE)
		return 0;
	w = writer_new(e, t->mm, t);
	if (!w)
		return oom(e);
	w->w.traced = true;
	w->w.call = ev->u.mm_call;
	t->w = w;
	attach_recent(e, t->mm, w, ev->t);
	window_attach(e, t->mm, w, ev->t);
	return 0;
}

static int on_mm_call(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
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
	rc = fl_mm_apply(&mm->mm, &ev->u.mm_call);
	if (rc < 0)
		e->st.mm_refused++;
	if (rc == 0 && fl_pgt_apply_mm(&mm->pt, &mm->mm) < 0)
		return oom(e);
	if (rc == 0)
		window_mm_call(e, mm, &ev->u.mm_call, w != NULL, t->pub.tid);
	if (!w && ev->u.mm_call.has_exit && rc == 0 && mm->mm.nchanges) {
		/* A writer whose entry preceded the trace, or one the entry's
		 * lock mode did not flag: it still wrote these VMAs. */
		w = writer_new(e, mm, t);
		if (!w)
			return oom(e);
		window_attach(e, mm, w, ev->u.mm_call.t_exit);
	}
	if (!w)
		return 0;
	w->w.traced = true;
	w->w.call = ev->u.mm_call;
	if (!w->w.call.has_enter)
		w->w.call.t_enter = ev->u.mm_call.t_exit;
	if (rc == 0 && writer_take_changes(w, &mm->mm) < 0)
		return oom(e);
	return writer_complete(e, mm, w);
}

/* The vm_flags a mapping's permissions give (mmap's calc_vm_prot_bits()
 * and calc_vm_flag_bits(); a private mapping may become anything). */
static uint64_t perms_flags(const char *perms)
{
	uint64_t f = 0;

	if (perms[0] == 'r')
		f |= FL_VM_READ;
	if (perms[1] == 'w')
		f |= FL_VM_WRITE;
	if (perms[2] == 'x')
		f |= FL_VM_EXEC;
	if (perms[3] == 's')
		return f | FL_VM_SHARED | FL_VM_MAYSHARE | FL_VM_MAYREAD | FL_VM_MAYEXEC |
		       (f & FL_VM_WRITE ? FL_VM_MAYWRITE : 0);
	return f | FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC;
}

/* smaps VmFlags (fs/proc/task_mmu.c show_smap_vma_flags()): the vm_flags
 * themselves, where the trace has them. */
static uint64_t smaps_flags(const char *s)
{
	static const struct { char m[3]; uint64_t f; } mn[] = {
		{ "rd", FL_VM_READ }, { "wr", FL_VM_WRITE }, { "ex", FL_VM_EXEC },
		{ "sh", FL_VM_SHARED }, { "mr", FL_VM_MAYREAD }, { "mw", FL_VM_MAYWRITE },
		{ "me", FL_VM_MAYEXEC }, { "ms", FL_VM_MAYSHARE }, { "gd", FL_VM_GROWSDOWN },
		{ "pf", FL_VM_PFNMAP }, { "lo", FL_VM_LOCKED }, { "io", FL_VM_IO },
		{ "sr", FL_VM_SEQ_READ }, { "rr", FL_VM_RAND_READ }, { "dc", FL_VM_DONTCOPY },
		{ "de", FL_VM_DONTEXPAND }, { "lf", FL_VM_LOCKONFAULT }, { "ac", FL_VM_ACCOUNT },
		{ "nr", FL_VM_NORESERVE }, { "ht", FL_VM_HUGETLB }, { "sf", FL_VM_SYNC },
		{ "wf", FL_VM_WIPEONFORK }, { "dd", FL_VM_DONTDUMP }, { "sd", FL_VM_SOFTDIRTY },
		{ "mm", FL_VM_MIXEDMAP }, { "hg", FL_VM_HUGEPAGE }, { "nh", FL_VM_NOHUGEPAGE },
		{ "mg", FL_VM_MERGEABLE }, { "um", FL_VM_UFFD_MISSING }, { "uw", FL_VM_UFFD_WP },
	};
	uint64_t f = 0;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!s[0] || !s[1])
			break;
		for (size_t i = 0; i < sizeof(mn) / sizeof(mn[0]); i++)
			if (s[0] == mn[i].m[0] && s[1] == mn[i].m[1])
				f |= mn[i].f;
		s += 2;
	}
	return f;
}

static void snapshot_kind(struct fl_vma *v, const char *path)
{
	static const char *const special[] = { "[vdso]", "[vvar]", "[vsyscall]", "[uprobes]",
					       "[vvar_vclock]", NULL };
	uint64_t h = 1469598103934665603ULL;

	v->flags = FL_VM_READ | FL_VM_WRITE | FL_VM_EXEC | FL_VM_MAYREAD | FL_VM_MAYWRITE |
		   FL_VM_MAYEXEC;
	for (int i = 0; special[i]; i++) {
		if (!strcmp(path, special[i])) {
			v->kind = FL_VMA_SPECIAL;
			v->flags = FL_VM_READ | FL_VM_EXEC | FL_VM_MAYREAD | FL_VM_MAYEXEC | FL_VM_IO;
			return;
		}
	}
	if (!strcmp(path, "[stack]")) {
		v->kind = FL_VMA_STACK;
		v->flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE |
			   FL_VM_MAYEXEC | FL_VM_GROWSDOWN | FL_VM_ACCOUNT;
		v->anon_vma = true;	/* the exec wrote argv and envp there */
		return;
	}
	if (!strcmp(path, "[heap]")) {
		v->kind = FL_VMA_HEAP;
		v->anon_vma = true;
		return;
	}
	if (!path[0] || !strcmp(path, "//anon") || path[0] == '[') {
		v->kind = FL_VMA_ANON;
		v->anon_vma = true;	/* unknown: the common case once used */
		return;
	}
	v->kind = FL_VMA_FILE;
	for (const char *c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	v->file_id = (h & ~(FL_MM_FILE_FD | FL_MM_FILE_ANON)) | 1;
}

static int on_snapshot(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	const struct fl_vma_snapshot *s = &ev->u.vma;
	/* A /proc/PID/maps snapshot names only the process. */
	struct mmctx *mm = t ? t->mm : ev->pid >= 0 ? mm_get(e, ev->pid) : NULL;
	struct fl_vma v;
	uint64_t page = 1ULL << e->page_shift;
	int rc;

	/* A mapping made by a traced call is the call's: the model applies
	 * it at the call's exit. */
	e->layouts = true;
	if (!mm || (t && t->in_call))
		return 0;
	if (s->end_known && s->end > s->start) {
		/* A mapping with its extent (perf MMAP2, /proc/PID/maps) is
		 * the kernel's word on that range at that moment: it replaces
		 * whatever the model had there, as MAP_FIXED does (the ELF
		 * loader maps a whole image, then its segments over it). */
		uint64_t lo = s->start & ~(page - 1), hi = (s->end + page - 1) & ~(page - 1);

		if (hi > lo && fl_mm_munmap(&mm->mm, lo, hi - lo) < 0)
			return 0;
	} else {
		struct fl_vma *old = fl_vma_lookup(&mm->mm.vmas, s->start);

		if (old && (!mm->snap_run || old->id < mm->snap_first_id)) {
			/* A mapping reported outside any traced call replaces
			 * what the model had there: the exec's new image over
			 * the layout copied at fork, or a mapping made by a
			 * call the trace does not hold. */
			if (fl_mm_munmap(&mm->mm, s->start & ~(page - 1), page) < 0)
				return 0;
		} else if (old) {
			return 0;
		}
	}
	memset(&v, 0, sizeof(v));
	v.start = s->start & ~(page - 1);
	v.end = s->end_known && s->end > v.start ? s->end : v.start + page;
	v.extent_inferred = !s->end_known;
	v.pgoff = s->pgoff >> e->page_shift;
	snapshot_kind(&v, s->path);
	/* The permissions, where the trace has them (not for special
	 * mappings: vdso and vvar are what the kernel makes them). */
	if (s->vm_flags[0])
		v.flags = smaps_flags(s->vm_flags);
	else if (strlen(s->perms) == 4 && v.kind != FL_VMA_SPECIAL)
		v.flags = (v.flags & ~(FL_VM_READ | FL_VM_WRITE | FL_VM_EXEC | FL_VM_SHARED |
				       FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC |
				       FL_VM_MAYSHARE)) | perms_flags(s->perms);
	/* A mapping exec has just made: no page of it was written yet, so
	 * no anon_vma, except on the stack (argv, envp) and in the page
	 * padzero() cleared past the data segment's end (the writable
	 * file mapping with the bss after it). */
	if (mm->exec_image && v.kind == FL_VMA_ANON)
		v.anon_vma = false;
	if (mm->exec_image && v.kind == FL_VMA_FILE && (v.flags & FL_VM_WRITE) &&
	    !(v.flags & FL_VM_SHARED))
		v.anon_vma = true;
	if (v.kind != FL_VMA_FILE && !v.file_id)
		v.pgoff = v.start >> e->page_shift;
	/* Do not run into the next known VMA. */
	{
		struct fl_vma *next = fl_vma_find(&mm->mm.vmas, v.start);

		if (next && next->start < v.end)
			v.end = next->start;
	}
	if (v.end <= v.start)
		return 0;
	{
		struct fl_vma *added = NULL;

		rc = fl_mm_add_vma(&mm->mm, &v, &added);
		if (rc == -ENOMEM)
			return oom(e);
		if (rc == 0 && added) {
			e->st.snapshots_used++;
			if (s->whole || mm->exec_image)
				mm->layout_known = true;
			if (!mm->snap_run) {
				mm->snap_run = true;
				mm->snap_first_id = added->id;
			}
		}
	}
	return 0;
}

/* exec_mmap(): the process gets a new mm; the old one goes on only for
 * the processes still sharing it (a vfork parent).  de_thread() has left
 * the exec'ing thread the only one of its process.  With keep_snap, the
 * mappings reported just before (an EXEC event with no EXEC_MM before it:
 * the exec's new image, reported before the exec event) move over. */
static int exec_replace(struct fl_engine *e, struct thread *t, int32_t pid, bool keep_snap)
{
	struct mmctx *old = t->mm, *mm = mm_new(e, pid);
	size_t it = 0;
	void *val;

	if (!mm)
		return oom(e);
	if (old && keep_snap && old->snap_run) {
		for (size_t i = 0; i < fl_vma_count(&old->mm.vmas); i++) {
			const struct fl_vma *v = fl_vma_at(&old->mm.vmas, i);

			if (v->id >= old->snap_first_id && fl_mm_add_vma(&mm->mm, v, NULL) == -ENOMEM)
				return oom(e);
		}
	}
	if (old) {
		mm->layout_known = !keep_snap || old->snap_run;
		old->snap_run = false;
	}
	if (mm_bind(e, pid, mm) < 0)
		return oom(e);
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		struct thread *o = val;

		if (o == t || o->pub.pid != pid || o->exited)
			continue;
		o->exited = true;
		if (o->mm && o->mm->threads)
			o->mm->threads--;
	}
	if (old && old->threads)
		old->threads--;
	t->mm = mm;
	t->pub.pid = pid;
	mm->threads = 1;
	return 0;
}

static int on_task(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	const struct fl_task *k = &ev->u.task;

	switch (k->kind) {
	case FL_TASK_COMM:
	case FL_TASK_EXEC:
	case FL_TASK_EXEC_MM:
		if (t && k->comm[0])
			snprintf(t->pub.comm, sizeof(t->pub.comm), "%s", k->comm);
		if (!t || ev->pid < 0)
			break;
		if (k->kind == FL_TASK_EXEC_MM) {
			int rc = exec_replace(e, t, ev->pid, false);

			if (rc == 0)
				t->mm->exec_image = true;
			return rc;
		}
		if (k->kind == FL_TASK_EXEC) {
			/* The trace said when exec_mmap() replaced the mm
			 * (FL_TASK_EXEC_MM): the new image is in place. */
			if (t->mm && t->mm->exec_image) {
				t->mm->exec_image = false;
				t->mm->snap_run = false;
				return 0;
			}
			return exec_replace(e, t, ev->pid, true);
		}
		break;
	case FL_TASK_FORK:
	case FL_TASK_CLONE_THREAD: {
		struct thread *c;
		bool same_mm = k->kind == FL_TASK_CLONE_THREAD || (k->clone_vm_known && k->clone_vm);

		if (k->child_tid < 0)
			break;
		if (k->kind == FL_TASK_FORK && same_mm && t && t->mm) {
			/* vfork, posix_spawn, clone(CLONE_VM) without
			 * CLONE_THREAD: a process of its own on the parent's
			 * mm, until its exec gives it one. */
			if (mm_bind(e, k->child_pid, t->mm) < 0)
				return oom(e);
			c = thread_get(e, k->child_pid, k->child_tid);
		} else if (same_mm || !t || !t->mm) {
			c = thread_get(e, same_mm && t ? t->pub.pid : k->child_pid, k->child_tid);
		} else {
			struct mmctx *child = mm_get(e, k->child_pid);

			if (!child)
				return oom(e);
			/* dup_mmap(): the child starts with a copy of the
			 * parent's VMAs (VM_DONTCOPY ones excepted). */
			if (!fl_vma_count(&child->mm.vmas)) {
				child->layout_known = t->mm->layout_known;
				for (size_t i = 0; i < fl_vma_count(&t->mm->mm.vmas); i++) {
					struct fl_vma v = *fl_vma_at(&t->mm->mm.vmas, i);

					if (v.flags & FL_VM_DONTCOPY)
						continue;
					v.anon_vma_fork_child = v.anon_vma;
					v.written_cycle = 0;
					if (fl_mm_add_vma(&child->mm, &v, NULL) == -ENOMEM)
						return oom(e);
				}
			}
			c = thread_get(e, k->child_pid, k->child_tid);
		}
		if (!c)
			return oom(e);
		if (t && !c->pub.comm[0])
			snprintf(c->pub.comm, sizeof(c->pub.comm), "%s",
				 k->comm[0] ? k->comm : t->pub.comm);
		break;
	}
	case FL_TASK_EXIT:
		if (t && !t->exited) {
			t->exited = true;
			if (t->mm && t->mm->threads)
				t->mm->threads--;
		}
		break;
	case FL_TASK__COUNT:
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The scheduler and readahead around the faults                          */

/* How long after a fault's end event its vma_end_read() may wake a writer:
 * the end event (the minor/major-faults count, mm_account_fault()) comes
 * before the return to do_user_addr_fault(), which drops the VMA lock.
 * Measured 1.2-4.7 us on the x86_64 recordings of traces/. */
#define WAKE_AFTER_END_NS 20000

static struct thread *thread_find(struct fl_engine *e, int32_t tid)
{
	return tid < 0 ? NULL : fl_map_get(&e->threads, (uint64_t)(uint32_t)tid + 1);
}

static int add_late(struct writer_obj *w, uint64_t vma_id, uint64_t t, uint64_t woke)
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
	w->late[w->nlate].t = t;
	w->late[w->nlate].woke = woke;
	w->nlate++;
	return 0;
}

/* sched_switch: a thread that leaves the CPU in D inside a fault waited in
 * the kernel.  sched_waking: a faulting thread that wakes the mm's write
 * holder, at the end of its fault, let go of the VMA the writer was
 * waiting to write-lock (vma_end_read() -> rcuwait_wake_up() of
 * mm->vma_writer_wait): the fault had its VMA lock first. */
static int on_sched(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t = thread_find(e, ev->tid), *wt;
	struct pfault *p;
	struct writer_obj *w;

	if (!t)
		return 0;
	if (ev->u.sched.kind == FL_SCHED_SWITCH) {
		p = t->fault_seq ? q_at(e, t->fault_seq) : NULL;
		if (p && (ev->u.sched.prev_state & FL_SCHED_STATE_D) && p->v.pc_wait == FL_PCW_NONE)
			p->v.pc_wait = FL_PCW_SLEPT;
		return 0;
	}
	if (ev->u.sched.kind != FL_SCHED_WAKING || !t->mm || !(w = t->mm->holder))
		return 0;
	wt = thread_find(e, ev->u.sched.other);
	if (!wt || wt->w != w || !w->acquired || w->closed)
		return 0;
	p = t->last_seq ? q_at(e, t->last_seq) : NULL;
	if (!p || ev->t < p->v.t || (p->ended && ev->t > p->v.t_end + WAKE_AFTER_END_NS) ||
	    p->v.place != FL_PLACE_VMA || p->v.t < w->w.w_begin)
		return 0;
	if (add_late(w, p->v.vma.id, p->v.t, ev->t) < 0)
		return oom(e);
	return 0;
}

static int on_readahead(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t = thread_find(e, ev->tid);
	struct pfault *p = t && t->fault_seq ? q_at(e, t->fault_seq) : NULL;

	if (p)
		p->v.pc_wait = FL_PCW_READAHEAD;
	return 0;
}


int fl_engine_event(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t = NULL;
	int rc = 0;

	if (check_times(e, ev) < 0)
		return e->err.code;
	if (ev->t > e->now)
		e->now = ev->t;
	/* Context for the faults: they neither create threads nor count in a
	 * thread's span. */
	if (ev->kind == FL_EV_SCHED || ev->kind == FL_EV_READAHEAD) {
		rc = ev->kind == FL_EV_SCHED ? on_sched(e, ev) : on_readahead(e, ev);
		return rc < 0 ? rc : drain(e, false);
	}
	if (ev->kind != FL_EV_LOST) {
		t = thread_get(e, ev->pid, ev->tid);
		if (!t && ev->tid >= 0)
			return oom(e);
		if (t) {
			if (!t->pub.t_first || ev->t < t->pub.t_first)
				t->pub.t_first = ev->t;
			if (ev->t > t->pub.t_last)
				t->pub.t_last = ev->t;
		}
	}
	switch (ev->kind) {
	case FL_EV_FAULT:
		if (t)
			rc = on_fault(e, t, ev);
		break;
	case FL_EV_FAULT_END:
		if (t)
			rc = on_fault_end(e, t, ev);
		break;
	case FL_EV_MM_CALL:
		if (t)
			rc = on_mm_call(e, t, ev);
		break;
	case FL_EV_MMAP_LOCK:
		if (t)
			rc = on_lock(e, t, ev);
		break;
	case FL_EV_VMA_SNAPSHOT:
		rc = on_snapshot(e, t, ev);
		break;
	case FL_EV_TASK:
		rc = on_task(e, t, ev);
		break;
	case FL_EV_LOST:
	case FL_EV_SCHED:
	case FL_EV_READAHEAD:
	case FL_EV__COUNT:
		break;
	}
	if (rc < 0)
		return rc;
	return drain(e, false);
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                             */

struct fl_engine *fl_engine_new(struct fl_engine_run *runs, size_t nruns,
				const struct fl_engine_sink *sink)
{
	struct fl_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->runs = runs;
	e->nruns = nruns;
	if (sink)
		e->sink = *sink;
	e->page_shift = e->sim_shift = 12;
	e->arch = e->sim_arch = FL_MM_ARCH_X86_64;
	e->pgt = FL_PGT_X86_64_4K;
	e->kver = FL_MM_KVER_DEFAULT;
	e->next_seq = 1;
	e->d_anon = DEFAULT_ANON_DELAY;
	e->d_acq = DEFAULT_ACQ_DELAY;
	for (size_t r = 0; r < nruns; r++) {
		fl_delay_init(&runs[r].delay);
		if (runs[r].strategy && (runs[r].strategy->needs & FL_NEED_SPEC_WINDOW))
			e->spec = true;
	}
	fl_map_init(&e->threads);
	fl_map_init(&e->mms);
	return e;
}

static unsigned shift_of(uint32_t bytes)
{
	unsigned shift = 0;

	while ((1u << shift) < bytes && shift < 31)
		shift++;
	return shift;
}

static bool arch_is_ppc64(const char *arch)
{
	return !strncmp(arch, "ppc64", 5) || !strncmp(arch, "powerpc", 7);
}

int fl_engine_what_if(struct fl_engine *e, const char *arch, uint32_t page_size, const char *mmu)
{
	snprintf(e->wi_arch, sizeof(e->wi_arch), "%s", arch ? arch : "");
	snprintf(e->wi_mmu, sizeof(e->wi_mmu), "%s", mmu ? mmu : "");
	e->wi_page_size = page_size;
	return 0;
}

/* book3s64: the MMU mode picks the geometry (hash 64K: 16 MiB PMD entries;
 * hash 4K: 2 MiB PMD entries but 256 MiB PUD entries, and no page-table
 * moves). */
static enum fl_pgt_profile pgt_for(enum fl_mm_arch arch, unsigned shift, const char *mmu)
{
	if (arch == FL_MM_ARCH_PPC64 && !strcmp(mmu, "hash"))
		return shift == 16 ? FL_PGT_PPC64_HASH_64K : FL_PGT_PPC64_HASH_4K;
	return fl_pgt_profile_for(arch, shift);
}

int fl_engine_begin(struct fl_engine *e, const struct fl_trace_meta *meta)
{
	int kver = fl_kver_from_release(meta->release);
	const char *mmu = meta->mmu;

	if (meta->page_size)
		e->page_shift = shift_of(meta->page_size);
	if (arch_is_ppc64(meta->arch))
		e->arch = FL_MM_ARCH_PPC64;
	e->sim_shift = e->page_shift;
	e->sim_arch = e->arch;
	/* --set arch=/page_size=/mmu=: the same layout and timing, the other
	 * arch's fault paths.  ppc64 defaults to its distro page size (64K)
	 * and radix, x86_64 has 4K pages only. */
	if (e->wi_arch[0]) {
		e->sim_arch = arch_is_ppc64(e->wi_arch) ? FL_MM_ARCH_PPC64 : FL_MM_ARCH_X86_64;
		if (e->sim_arch != e->arch) {
			e->sim_shift = e->sim_arch == FL_MM_ARCH_PPC64 ? 16 : 12;
			mmu = "";
		}
	}
	if (e->wi_page_size)
		e->sim_shift = shift_of(e->wi_page_size);
	if (e->wi_mmu[0])
		mmu = e->wi_mmu;
	e->pgt = pgt_for(e->sim_arch, e->sim_shift, mmu);
	/* The layout evolves by the rules of the kernel that was traced. */
	if (kver) {
		if (kver < FL_MM_KVER(6, 6))
			kver = FL_MM_KVER(6, 6);
		if (kver > FL_MM_KVER(6, 18))
			kver = FL_MM_KVER(6, 18);
		e->kver = kver;
	}
	for (size_t r = 0; r < e->nruns; r++) {
		e->runs[r].cfg.page_shift = e->sim_shift;
		e->runs[r].cfg.arch = (int)e->sim_arch;
	}
	return 0;
}

const char *fl_engine_pgt_name(const struct fl_engine *e)
{
	return fl_pgt_profile_name(e->pgt);
}

int fl_engine_finish(struct fl_engine *e)
{
	size_t it = 0;
	void *val;
	int rc;

	/* Writers still open: complete them with what is known. */
	for (size_t m = 0; m < e->nall_mms; m++) {
		struct mmctx *mm = e->all_mms[m];

		while (mm->nopen) {
			struct writer_obj *w = mm->open[0];

			if (w->complete) {	/* cannot happen: never loop on it */
				open_remove(mm, w);
				continue;
			}

			if (!w->w.call.t_exit)
				w->w.call.t_exit = UINT64_MAX;
			if (w->acquired && !w->closed)
				w->w.w_end = UINT64_MAX;
			rc = writer_complete(e, mm, w);
			if (rc < 0)
				return rc;
		}
	}
	it = 0;
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		struct thread *t = val;

		if (t->fault_seq)
			end_fault(e, t, NULL);
		t->w = NULL;
	}
	rc = drain(e, true);
	if (rc < 0)
		return rc;
	/* Each thread's traced span, for its predicted run time. */
	it = 0;
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		const struct thread *t = val;

		if (!t->pub.faults)
			continue;
		for (size_t r = 0; r < e->nruns; r++)
			if (fl_delay_span(&e->runs[r].delay, t->pub.pid, t->pub.tid, t->pub.t_first,
					  t->pub.t_last) < 0)
				return oom(e);
	}
	return 0;
}

void fl_engine_free(struct fl_engine *e)
{
	size_t it = 0;
	void *val;

	if (!e)
		return;
	while (e->qlen) {
		struct pfault *p = &e->q[e->qhead];

		for (size_t i = 0; i < p->nhits; i++)
			writer_put(p->hit[i]);
		for (size_t i = 0; i < p->nwh; i++)
			writer_put(p->wh[i]);
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
	}
	free(e->q);
	for (size_t m = 0; m < e->nall_mms; m++)
		mm_destroy(e->all_mms[m]);
	free(e->all_mms);
	fl_map_free(&e->mms);
	it = 0;
	while (fl_map_next(&e->threads, &it, NULL, &val))
		free(val);
	fl_map_free(&e->threads);
	for (size_t r = 0; r < e->nruns; r++)
		fl_delay_free(&e->runs[r].delay);
	free(e);
}

const struct fl_engine_stats *fl_engine_stats(const struct fl_engine *e)
{
	return &e->st;
}

const struct fl_err *fl_engine_err(const struct fl_engine *e)
{
	return &e->err;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct fl_engine_thread *x = *(struct fl_engine_thread *const *)a;
	const struct fl_engine_thread *y = *(struct fl_engine_thread *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

struct fl_engine_thread **fl_engine_threads(const struct fl_engine *e, size_t *n)
{
	struct fl_engine_thread **v = calloc(e->threads.len ? e->threads.len : 1, sizeof(*v));
	size_t it = 0, i = 0;
	void *val;

	*n = 0;
	if (!v)
		return NULL;
	while (fl_map_next(&e->threads, &it, NULL, &val))
		v[i++] = &((struct thread *)val)->pub;
	qsort(v, i, sizeof(*v), cmp_thread);
	*n = i;
	return v;
}
