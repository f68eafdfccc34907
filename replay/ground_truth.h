/* ground_truth: what the kernel itself did with each fault (docs/design.md §7),
 * read from the faulting thread's mmap_lock events between its fault and
 * the fault's end (the minor-faults/major-faults event, counted by
 * mm_account_fault() at the end of handle_mm_fault()).
 *
 * On a per-VMA-lock kernel a user fault first tries lock_vma_under_rcu().
 * It ran under mmap_lock -- fell back -- when the thread holds mmap_lock at
 * the fault's end: lock_mmap / lock_mm_and_find_vma() took it for read (or
 * for write to grow the stack, then downgraded) and handle_mm_fault() ran
 * under it.  Every mmap_read_trylock() shows as start_locking +
 * acquire_returned, so the event sequences are:
 *
 *   (none)                       per-VMA lock, nothing else
 *   S A(ok) R                    per-VMA lock: __vmf_anon_prepare() took the
 *                                trylock to set anon_vma and released it
 *                                (6.10+); NOT a fallback
 *   S A(ok) ...end               fallback, lock_mm_and_find_vma()'s trylock
 *   S A(fail) S A(ok) ...end     fallback, the trylock failed: contended
 *   S A(fail) S A(fail) S A(ok)  fallback after __vmf_anon_prepare()'s
 *                                trylock failed (VM_FAULT_RETRY), then
 *                                lock_mmap's trylock failed too
 *   a write start/acquire        fallback that grew the stack
 *
 * A fault with no end event (SIGSEGV, or the trace ended) has no ground
 * truth.
 */
#ifndef FL_GROUND_TRUTH_H
#define FL_GROUND_TRUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_event.h"

enum fl_gt {
	FL_GT_UNKNOWN,
	FL_GT_VMA,
	FL_GT_FALLBACK,
};

const char *fl_gt_name(enum fl_gt gt);

/* One thread's fault in progress. */
struct fl_gt_state {
	bool in_fault;
	uint32_t starts, failed;	/* start_locking events; failed acquires */
	bool held;			/* holds mmap_lock now */
	bool released;			/* took and released it inside the fault */
	bool write;			/* a write lock inside the fault */
	uint64_t t_start, t_acquired;	/* first start_locking, last successful acquire */
	uint64_t t_last_start;		/* the last start_locking */
	uint64_t t_first_ret;		/* the first acquire_returned, 0 none */
	/* The time spent asking for mmap_lock: each acquisition's wait, from
	 * the first start_locking after the last successful acquire (or the
	 * fault's start) to the acquire, failed trylocks on the way included.
	 * Not the time between acquisitions: a lock taken and released (the
	 * anon_vma trylock, a VM_FAULT_RETRY that dropped the lock for IO),
	 * then taken again, held nothing in between, and the thread slept in
	 * the IO, not on the lock. */
	bool asking;			/* a start_locking not yet acquired */
	uint64_t t_ask;			/* its first start_locking */
	uint64_t waited;		/* the acquisitions' waits so far, ns */
	/* Set by a reader that knows the layout (the replay): the fault's
	 * VMA is shared.  __vmf_anon_prepare() never runs there, so a read
	 * lock taken and released inside such a fault is
	 * lock_mm_and_find_vma()'s after a VM_FAULT_RETRY, and the attempt
	 * under it dropped it before the end: fault_dirty_shared_page()'s
	 * maybe_unlock_mmap_for_io(), then VM_FAULT_COMPLETED.  A fallback
	 * ('completed unlocked'), which `faultline info`, without layouts,
	 * counts as an anon_vma trylock. */
	bool shared_vma;
};

struct fl_gt_result {
	enum fl_gt gt;
	const char *detail;		/* static: see schemas/outcomes.sql faults.gt_detail */
	uint64_t lock_wait;		/* a fallback's waits for mmap_lock (fl_gt_state.waited), ns */
	/* A fallback: when the read lock it took was asked for (the
	 * start_locking of the acquire that succeeded: mmap_read_lock() after
	 * failed trylocks); 0 otherwise. */
	uint64_t t_req;
	/* The fault's first mmap_lock attempt (a trylock: __vmf_anon_prepare()
	 * or lock_mm_and_find_vma()): its start_locking and acquire_returned,
	 * 0 none. */
	uint64_t t_try, t_try_ret;
};

/* A fault begins on this thread. */
void fl_gt_fault(struct fl_gt_state *s);
/* One of the thread's own mmap_lock events, at time t. */
void fl_gt_lock(struct fl_gt_state *s, const struct fl_mmap_lock *lock, uint64_t t);
/* The fault's end event: classify it and leave the fault. */
void fl_gt_end(struct fl_gt_state *s, struct fl_gt_result *out);

#endif
