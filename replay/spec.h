/* spec: the time model both speculative strategies share (docs/design.md §6).
 *
 * A speculative attempt occupies [t, t + d] (fl_fault_view.d_spec).  Inside
 * it the kernel looks at the sequence counts at fixed points, in order:
 *
 *   t       the lookup: the sequence is read (odd: a writer is inside);
 *   t_walk  the VMA copy (Lespinasse) / the read_seqcount_retry() after the
 *           page-table walk (Dufour): lookup_ns after t, at most d / 4;
 *   t_pus   pte_unmap_same()'s pte_spinlock() in do_swap_page() (Dufour,
 *           when sizeof(pte_t) > sizeof(long)): 2 lookup_ns, at most d / 2;
 *   t_map   pte_map_lock() / pte_spinlock() / __pte_map_lock(): the check,
 *           the PMD compare and the PTL trylock, ptl_ns before the end (at
 *           most d / 4);
 *   t_ptl   t + d: the check again with the PTL held covers (t_map, t_ptl].
 *
 * A writer "touches" at its mmap_lock acquisition (w_begin): mmap_seq goes
 * odd then; a writer whose write window contains t is inside at the lookup.
 * Dufour's per-VMA vm_sequence is odd only inside that window, while the
 * writer changes the VMA (strategy_spf.c, seq_window()).
 *
 * What-if time knobs apply here: writers' windows scaled (their hold
 * times, from the acquisition) and jittered (a whole window moved by a
 * seeded offset in [-jitter, +jitter]), within the engine's margins
 * (FL_SPEC_LOOKBACK, FL_SPEC_SLACK).
 */
#ifndef FL_SPEC_H
#define FL_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "strategy.h"

struct fl_spec_time {
	uint64_t lookup_ns, ptl_ns;
	uint64_t scale_pct;		/* writer hold time, percent */
	uint64_t jitter_ns;
	uint64_t seed;
};

/* The what-if knobs of the writers' windows, the same in both strategies'
 * knob tables. */
#define FL_SPEC_KNOB_WRITER_SCALE                                                     \
	{ "writer_scale", "writers' mmap_lock hold times, percent of the traced ones", \
	  100, 0, 1000 }
#define FL_SPEC_KNOB_JITTER                                                            \
	{ "jitter_ns", "each writer's window moves by a seeded offset in [-jitter, +jitter] ns " \
	  "(--seed, --seeds)", 0, 0, (int64_t)FL_SPEC_SLACK }

/* A writer's window as the run sees it: queue, acquisition, release. */
struct fl_spec_win {
	uint64_t q, b, e;
};

struct fl_spec_phases {
	uint64_t t, t_walk, t_pus, t_map, t_ptl;
};

/* The time model of a run: the knobs writer_scale, jitter_ns, lookup_ns
 * and ptl_ns, found by name in the strategy's knob table; the run's seed. */
void fl_spec_time_init(struct fl_spec_time *st, const struct fl_knob *knobs,
		       const struct fl_run_cfg *cfg);
void fl_spec_window(const struct fl_spec_time *st, const struct fl_writer *w, struct fl_spec_win *out);
void fl_spec_phases(const struct fl_spec_time *st, const struct fl_fault_view *f,
		    struct fl_spec_phases *ph);
/* Another thread's fault in the same PTE table holds the PTL at x (it
 * took it ptl_ns before its end); *free_at: when it lets go. */
bool fl_spec_ptl_busy(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t x,
		      uint64_t *free_at);
/* How long a read lock taken at x (plus the thread's lag, f->behind)
 * waits: rwsem.h's rule over the scaled and jittered writer windows. */
uint64_t fl_spec_lock_wait(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t x);
/* VM_FAULT_RETRY at t_abort: the classic path runs the fault under
 * mmap_lock from there.  `ran`: the speculative handle_pte_fault() had
 * started (a second attempt); d: the fault's own handling time. */
void fl_spec_retry(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t d,
		   struct fl_outcome *o, const struct fl_cause *cause, uint64_t t_abort,
		   const struct fl_writer *w, bool ran);
/* No speculative attempt: the classic path from the fault's time, with no
 * fallback; the cause has no counter. */
void fl_spec_no_attempt(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t d,
			struct fl_outcome *o, const struct fl_cause *cause);
/* A VMA the kernel's vma_is_anonymous() would take: no file, not special. */
bool fl_spec_anonymous(const struct fl_vma *v);
/* The PTE changed in (from, to]: another thread's fault on the page. */
bool fl_spec_pte_changed(const struct fl_fault_view *f, uint64_t from, uint64_t to);

#endif
