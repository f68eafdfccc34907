/* The engine's own state, shared by its stages (engine.c and engine_*.c) and
 * included by them alone: the public interface is engine.h. */
#ifndef FL_ENGINE_STATE_H
#define FL_ENGINE_STATE_H

#include <errno.h>

#include "engine.h"
#include "mm_ops.h"
#include "mm_pgtable.h"

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
	 * it was woken (it write-locked the VMA after that); [start, end):
	 * the VMA; ran: when it was next seen on a CPU after woke, 0 not yet
	 * (it reached the VMAs it locks after this one only then); raced: it
	 * was still on its CPU when woken, on its way into the wait, so its
	 * next switch out in D is that wait's sleep, not a run after it. */
	struct { uint64_t vma_id, start, end, t, woke, ran; bool raced; } *late;
	size_t nlate, caplate;
	/* Its thread was switched out and not seen on a CPU since. */
	bool off_cpu;
	/* The neighbours an mmap merged with (vma_expand() of its prev or
	 * next), after it had unmapped the mapping it replaced or, into a
	 * hole, after its checks: write-locked only part-way through the hold
	 * (merge_locked_at(), engine_decide.c). */
	uint64_t merged[2];
	size_t nmerged;
	bool merged_hole;	/* those of an mmap into a hole, not a replacing one */
	/* When, holding mmap_lock for write, it was first switched out while
	 * runnable (preempted), and when it was next seen on a CPU; 0 none. */
	uint64_t preempted, resumed;
	/* When, holding it, it first went to sleep (switched out in D) with
	 * no other thread of its mm inside a fault or a madvise, so with no
	 * VMA reader it could be waiting for; and when it was next seen on a
	 * CPU; 0 none (split_not_yet(), engine_decide.c). */
	uint64_t asleep, woke_up;
	/* A thread of its mm woke it at the end of a fault or inside one
	 * while it held the lock: it waited for that fault's VMA lock. */
	bool reader_woke;
	/* A fork's hold (engine_fork.c): from dup_begin to dup_end it held
	 * the child's mm too and walked its own VMAs in address order,
	 * write-locking each; dupv[] is that walk, each VMA with what the
	 * copies before it cost, out of dup_cost. */
	bool dup;
	uint64_t lock_mm;	/* the mm address of its write acquire; 0 none */
	uint64_t dup_begin, dup_end;
	struct { uint64_t start, end, cost_before; } *dupv;
	size_t ndupv, capdupv;
	uint64_t dup_cost;
	/* When, during the walk, it was off its CPU (switched out; on: seen
	 * on one again, 0 not yet): the walk goes on only while it runs. */
	struct { uint64_t off, on; } *dup_off;
	size_t ndup_off, capdup_off;
	/* Its call was applied at a later writer's exit, in lock order,
	 * before its own exit event came (eng_on_mm_call()). */
	bool applied_early;
};

/* Completed writers an mm keeps for the speculative windows' look-back. */
#define RECENT_WRITERS 16

struct mmctx {
	int32_t pid;
	unsigned refs;			/* pids bound to it: more than one after a
					 * CLONE_VM fork (vfork, posix_spawn) */
	struct fl_mm mm;
	struct fl_pgtable pt;		/* page-table occupancy */
	/* The kernel's mm_struct address, from its threads' mmap_lock
	 * events; 0 not seen yet. */
	uint64_t kmm;
	/* Made by a fork the trace did not say CLONE_VM of (perf records no
	 * clone flags): the parent's pid + 1, 0 otherwise.  The child may
	 * run on the parent's mm (vfork, posix_spawn): its first mmap_lock
	 * event tells (eng_mm_kernel()). */
	int32_t fork_parent;
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
	/* The snapshot's mapping before the next one, for the anon_vma the
	 * next may share with it (eng_on_snapshot()). */
	struct { uint64_t end, flags, anon_id; bool anon; } snap_last;
	/* Its layout has a known origin: a snapshot (/proc, MMAP2), the copy
	 * of a known parent at fork, or an exec seen whole.  A process the
	 * trace shows no origin of (created in a loss, or before the snapshot
	 * of an -a recording reached it) knows only its traced calls: a fault
	 * elsewhere is unplaced, not a hole. */
	bool layout_known;
	/* The trace lost events while it lived: a hole may be a mapping
	 * whose call was lost, and its VMAs from before are stale. */
	bool lossy;
};

struct thread {
	struct fl_engine_thread pub;
	struct mmctx *mm;
	struct fl_gt_state gt;
	uint64_t fault_seq;		/* its fault waiting for an end; 0 none */
	uint64_t last_seq;		/* its latest fault, ended or not; 0 none */
	uint64_t last_end;		/* the end event of its latest fault; 0 none */
	/* Its latest fault that ended with an end event, kept after the
	 * fault has left the queue: the VMA lock its vma_end_read() let go
	 * (a wake of the mm's writer, eng_on_sched()).  seq 0: none. */
	struct { uint64_t seq, t, vma_id, vma_start, vma_end; bool placed; } ended;
	struct writer_obj *w;		/* the writer it is being, if any */
	bool in_call;			/* inside a traced mm syscall */
	/* That call holds VMA read locks, not mmap_lock (madvise()'s
	 * MADV_DONTNEED and kin from 6.17, get_lock_mode()): a writer's
	 * vma_start_write() may wait for it. */
	bool call_vma_read;
	bool exited;
};

/* The writers a fault can meet: the holder and those queued for the lock.
 * Many threads each mapping and unmapping queue many writers at once (16
 * threads, 15 queued for 80 ms, were seen), and the holder comes first:
 * it is the one whose VMAs are write-locked. */
#define MAX_HITS 32

/* The speculative window's writers, zaps and same-table neighbours. */
#define MAX_WHITS 16

#define MAX_VEVENTS 8

#define MAX_PTL_ENDS 8

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
	/* Its outcome rests on what a loss may have hidden: an access_error()
	 * or a missing anon_vma in a stale VMA (eng_on_loss()). */
	bool rests_on_loss;

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

/* A queued fault's thread and time, beside its pfault (fl_engine.qkey). */
struct q_key {
	struct thread *thr;
	uint64_t t;
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
	/* do_anonymous_page() maps the zero page for a read (mainline); when
	 * not (a kernel that forbids it), a read allocates the page, which
	 * needs the anon_vma, and maps it writable in a VM_WRITE VMA.  From
	 * the trace (fl_trace_meta.zero_page), or --set zero_page=. */
	bool zero_page;
	int wi_zero_page;		/* --set zero_page: 0, 1, -1 not given */
	/* Which anonymous VMAs get PMD-size THPs on a fault: "always" any
	 * (but MADV_NOHUGEPAGE), "madvise" MADV_HUGEPAGE ones, "never"
	 * none.  The trace's (fl_trace_meta.thp), else always; --set thp=. */
	enum fl_thp_mode thp, wi_thp;	/* wi_thp FL_THP_UNKNOWN: not given */

	struct fl_map threads;		/* tid + 1 -> thread */
	struct fl_map mms;		/* pid + 1 -> its mmctx now (shared by CLONE_VM) */
	struct mmctx **all_mms;		/* every mmctx made, for finish and free */
	bool layouts;			/* the trace gives layouts (vma_snapshot) */
	size_t nall_mms, capall_mms;

	/* The fault queue: q[i] is fault number q_base + i. */
	struct pfault *q;
	/* Each slot's thread and time beside the ring (qkey[i] for q[i]):
	 * the speculative windows' scans pass over every waiting fault at
	 * each fault end, writer and mm call, and most of those faults are of
	 * another mm, of the same thread or out of the window's time.  Through
	 * this small array the scans tell so without loading a pfault (over
	 * a kilobyte each). */
	struct q_key *qkey;
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
	/* The forks' walks seen whole on a CPU: their time past the start,
	 * and what they copied (engine_fork.c). */
	uint64_t dup_ns, dup_cost;
};

static inline int oom(struct fl_engine *e)
{
	return fl_err_set(&e->err, -ENOMEM, "replay: out of memory");
}

/* engine_procs.c */
void eng_mm_destroy(struct mmctx *mm);
struct mmctx *eng_mm_get(struct fl_engine *e, int32_t pid);
/* The kernel mm address kmm in an mmap_lock event of t: a process forked
 * with CLONE_VM unknown that shows its parent's joins its parent's mm.
 * 0, or -ENOMEM. */
int eng_mm_kernel(struct fl_engine *e, struct thread *t, uint64_t kmm);
int eng_shared_mm_snapshot(struct fl_engine *e, struct thread *t);
struct thread *eng_thread_get(struct fl_engine *e, int32_t pid, int32_t tid);
int eng_on_task(struct fl_engine *e, struct thread *t, const struct fl_event *ev);
/* Events were lost: every process's layout is now in doubt. */
void eng_on_loss(struct fl_engine *e, const struct fl_event *ev);
struct thread *eng_thread_find(struct fl_engine *e, int32_t tid);

/* engine_writers.c */
void eng_writer_put(struct writer_obj *w);
struct writer_obj *eng_writer_new(struct fl_engine *e, struct mmctx *mm, struct thread *t);
void eng_open_remove(struct mmctx *mm, struct writer_obj *w);
int eng_writer_complete(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w);
void eng_attach_recent(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now);
int eng_on_lock(struct fl_engine *e, struct thread *t, const struct fl_event *ev);
int eng_on_mm_call(struct fl_engine *e, struct thread *t, const struct fl_event *ev);
int eng_on_sched(struct fl_engine *e, const struct fl_event *ev);
void eng_attach_open(struct mmctx *mm, struct pfault *p);

/* engine_fork.c */
/* An mmap_lock event of t on another mm than its own (t's mm's address
 * known): a fork's hold of the child's mm marks t's write hold as
 * dup_mmap().  1 when it was that (the event is the fork's, not t's
 * mm's), 0 when not, < 0 out of memory. */
int eng_dup_lock(struct fl_engine *e, struct thread *t, const struct fl_mmap_lock *l, uint64_t now);
/* When the fork's walk write-locked vma; 0 when w is no fork, or the walk
 * is not over. */
uint64_t eng_dup_locked_at(const struct writer_obj *w, const struct fl_vma *vma);
/* The thread of w (NULL: none) was seen on a CPU at t: a fork's walk it
 * had left goes on. */
void eng_dup_ran(struct writer_obj *w, uint64_t t);
/* It left its CPU at t: a fork's walk stands still until it is seen on
 * one again.  0, or -ENOMEM. */
int eng_dup_off(struct writer_obj *w, uint64_t t);

/* The fault at position i of the queue (0: its head).  The ring's
 * capacity is a power of two (256, doubled as it grows), so the wrap is a
 * mask, not a division: the windows' scans take every waiting fault's slot
 * at each event that can meet them. */
static inline struct pfault *eng_q_slot(const struct fl_engine *e, size_t i)
{
	return &e->q[(e->qhead + i) & (e->qcap - 1)];
}

/* The thread and time of the fault at position i of the queue: its
 * pfault's thr and v.t, which do not change once it is queued. */
static inline const struct q_key *eng_q_key(const struct fl_engine *e, size_t i)
{
	return &e->qkey[(e->qhead + i) & (e->qcap - 1)];
}

/* engine_queue.c */
struct pfault *eng_q_at(struct fl_engine *e, uint64_t seq);
struct pfault *eng_q_push(struct fl_engine *e, struct thread *t, uint64_t time);
int eng_drain(struct fl_engine *e, bool all);

/* engine_windows.c */
void eng_window_attach(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now);
void eng_window_place(struct mmctx *mm, struct pfault *p);
void eng_window_fault_end(struct fl_engine *e, const struct pfault *q, uint64_t t_end);
void eng_window_mm_call(struct fl_engine *e, struct mmctx *mm, const struct fl_mm_call *c,
			bool writer, int32_t tid);

/* engine_fault.c */
enum fl_handler eng_handler_of(const struct fl_vma *v, uint32_t acc, bool major, bool zero_page,
			       bool *needs_anon);
void eng_end_fault(struct fl_engine *e, struct thread *t, const struct fl_event *end);
int eng_on_fault(struct fl_engine *e, struct thread *t, const struct fl_event *ev);
int eng_on_fault_end(struct fl_engine *e, struct thread *t, const struct fl_event *ev);
int eng_on_readahead(struct fl_engine *e, const struct fl_event *ev);

/* engine_decide.c */
int eng_decide_spec(struct fl_engine *e, struct pfault *p);
bool eng_spec_ready(const struct fl_engine *e, const struct pfault *p);
int eng_decide(struct fl_engine *e, struct pfault *p);

/* engine_calib.c */
void eng_sample_anon_delay(struct fl_engine *e, const struct fl_gt_state *g, uint64_t t);
void eng_sample_acq_delay(struct fl_engine *e, const struct fl_gt_state *g);

/* engine_snapshot.c */
int eng_on_snapshot(struct fl_engine *e, struct thread *t, const struct fl_event *ev);

#endif
