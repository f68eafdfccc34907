/* strategy: the one interface every fault-handling strategy implements
 * (docs/design.md §5), and what the replay engine tells it about each fault.
 *
 * The engine (engine.c and engine_*.c) runs the mm model and the time model; a strategy
 * only decides, for one fault at a time, what its kernel would have done:
 * which lock path ran handle_mm_fault(), which counter the attempt bumped,
 * why, and how long the thread waited.  Each strategy is one file
 * (strategy_<name>.c) exporting one const struct fl_strategy, listed in
 * strategies.c.
 *
 * Why one call per fault rather than begin/commit/finish callbacks: the
 * engine holds a fault back until every writer whose window can overlap the
 * attempt is known (a writer's VMA changes are only known at its syscall
 * exit), so by the time the strategy sees the fault, the lookup (begin),
 * the writers inside the attempt window (commit point) and the recorded
 * end (finish) are all in the view.  The strategy walks those phases in
 * that order in its fault() function, as the kernel does.
 */
#ifndef FL_STRATEGY_H
#define FL_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cause.h"
#include "fl_err.h"
#include "fl_event.h"
#include "mm_vma.h"

/* One mmap_lock writer: a traced mm call, or a write hold with no call. */
struct fl_writer {
	uint64_t id;			/* from 1, order of appearance */
	int32_t tid, pid;
	bool traced;			/* call holds a traced mm call */
	bool fork;			/* untraced: a fork's dup_mmap() */
	struct fl_mm_call call;
	bool has_lock;			/* window from mmap_lock events */
	uint64_t t_lock_start, t_lock_acquired, t_lock_released;
	/* The interval in which VMAs it writes are write-locked: acquired ..
	 * released (or downgraded); the syscall span without lock events. */
	uint64_t w_begin, w_end;
	/* Its queue interval on the rwsem: start_locking .. released. */
	uint64_t q_begin;
	/* A writer that waited: the last write release of the mm before it
	 * acquired, 0 none.  Another writer took the lock then, so the
	 * waiter had not set RWSEM_FLAG_HANDOFF yet (rwsem.h). */
	uint64_t t_other_release;
	uint32_t vmas_written;		/* VMAs vma_start_write() would lock */
};

/* How a writer's window meets one fault. */
struct fl_writer_hit {
	const struct fl_writer *w;
	bool wrote_vma;		/* it write-locked the VMA the fault was placed in */
	bool created_at;	/* it created the VMA now covering the address */
	bool wrote_any;		/* it write-locked some VMA of the mm */
	/* Scheduler evidence (whits only): a fault on this VMA held its VMA
	 * lock and, at its end, woke the writer waiting in vma_start_write()
	 * at late_t: the writer changed the VMA only after late_t.  0: no
	 * such evidence. */
	uint64_t late_t;
};

/* Something other than an mmap_lock writer that met a fault's speculative
 * attempt window (fl_fault_view.vevents): a call under the read lock that
 * zapped PTEs of the fault's VMA (MADV_DONTNEED, MADV_FREE...:
 * unmap_page_range(), which Dufour's series brackets with
 * vm_write_begin()/vm_write_end()), or a change of the PMD entry covering
 * the address that no writer of the window explains (a THP collapse). */
struct fl_vma_event {
	uint64_t t_begin, t_end;	/* the call's span */
	int32_t tid;
	enum fl_mm_kind kind;		/* FL_MM_MADVISE... */
	bool zap;			/* PTEs of the fault's VMA zapped */
	bool pmd_changed;		/* the PMD entry over the address changed */
};

enum fl_pc_wait {
	FL_PCW_NONE,
	FL_PCW_SLEPT,		/* the thread slept in D during the fault */
	FL_PCW_READAHEAD,	/* the fault started readahead */
};

/* Where the mm model placed a fault. */
enum fl_place {
	FL_PLACE_VMA,		/* inside a known VMA */
	FL_PLACE_INFERRED,	/* inside a VMA whose end was guessed */
	FL_PLACE_STACK,		/* below a VM_GROWSDOWN VMA: stack growth */
	FL_PLACE_NO_VMA,	/* in a hole of a known layout: SIGSEGV */
	FL_PLACE_UNKNOWN,	/* nothing known of this mm's layout there */
};

const char *fl_place_name(enum fl_place p);

/* The handler the fault reaches (handle_pte_fault()'s dispatch), as far as
 * the model knows the page tables and the page cache. */
enum fl_handler {
	FL_H_ANON_READ,		/* do_anonymous_page, read: the zero page */
	FL_H_ANON_WRITE,	/* do_anonymous_page, write: new folio */
	FL_H_FILE_READ,		/* do_read_fault (fault-around first) */
	FL_H_FILE_COW,		/* do_cow_fault: private write to a file page */
	FL_H_FILE_SHARED,	/* do_shared_fault */
	FL_H_WP,		/* do_wp_page: write to a present read-only PTE */
	FL_H_SWAP,		/* do_swap_page: the PTE holds a swap entry */
	FL_H_SPURIOUS,		/* PTE already fine: access-flag update only */
	FL_H__COUNT,
	/* No handler known: a fault the mm model could not place
	 * (FL_PLACE_UNKNOWN).  Outside the cost tables, so its cost is 0: the
	 * model cannot say what the kernel ran.  The store's "none". */
	FL_H_NONE = FL_H__COUNT
};

const char *fl_handler_name(enum fl_handler h);

/* What the engine knows about one fault when the strategy decides it. */
struct fl_fault_view {
	uint64_t fault_id;		/* from 1, trace order */
	uint64_t t;
	int32_t pid, tid, cpu;
	const struct fl_fault *fault;	/* address, ip, access bits, arch code */
	bool has_end;			/* the trace has its minor/major event */
	uint64_t t_end;
	bool major;			/* VM_FAULT_MAJOR or FAULT_FLAG_TRIED */

	enum fl_place place;
	struct fl_vma vma;		/* copy at fault time: FL_PLACE_VMA/_INFERRED */
	/* FL_PLACE_NO_VMA: the first VMA above the hole, which
	 * __find_vma() returns (addr < vm_end); has_above false when the
	 * hole has none above it. */
	bool has_above;
	struct fl_vma above;
	bool access_error;		/* access_error() would refuse it */
	enum fl_handler handler;
	bool needs_anon_vma;		/* the handler calls vmf_anon_prepare() */
	bool pmd_present;		/* a PTE table covers the address */
	bool pte_present;		/* the PTE is present */
	/* For the speculative walks, which never allocate and never handle
	 * huge pages: a PMD table covers the address (pud_none() is false),
	 * the PMD entry maps a THP, the fault maps one
	 * (do_huge_pmd_anonymous_page()). */
	bool pud_present;
	bool pmd_huge;
	bool thp_fault;
	/* Another thread's major fault on the same file pages is in flight:
	 * the folio is locked for IO (__folio_lock_or_retry()). */
	bool folio_locked;
	/* The page cache made the fault wait, as the trace shows it (only
	 * with sched_switch / readahead events in the recording): the fault
	 * started readahead (filemap_fault()'s do_sync_mmap_readahead() or
	 * do_async_mmap_readahead(), which drop the fault's lock for the IO:
	 * maybe_unlock_mmap_for_io()), or its thread slept uninterruptibly
	 * inside it (lock_folio_maybe_drop_mmap() drops the lock before it
	 * sleeps on a locked folio).  A file fault returns VM_FAULT_RETRY. */
	enum fl_pc_wait pc_wait;
	uint32_t mm_users;		/* threads sharing the mm */

	/* Writers whose window [w_begin, w_end] or queue interval contains
	 * t, or intersects [t, t + attempt window], in window order. */
	const struct fl_writer_hit *hits;
	size_t nhits;
	/* mmap_lock at t: held for write, or a writer queued (trylock fails). */
	bool lock_contended;
	/* When mmap_read_lock() at t would be granted (rwsem.h: behind a
	 * holding writer and the writers queued before the reader, else at
	 * once); t when nothing is in the way, UINT64_MAX when the writer in
	 * the way has no release in the trace. */
	uint64_t lock_free_at;
	/* When a fallback asks for mmap_read_lock(): when the kernel fell
	 * back too, the start_locking of the read lock it took (the trace
	 * says when the fault got there, after its per-VMA attempt and any
	 * failed trylock); else t.  lock_free_at_req: when that request is
	 * granted, against the writers holding or queued then (UINT64_MAX as
	 * above). */
	uint64_t t_lock_req;
	uint64_t lock_free_at_req;
	/* The kernel fell back too: its own wait for mmap_lock, first
	 * start_locking to the acquire (faults.gt_lock_wait).  A fallback
	 * that asks when the kernel's did, behind the same writers, waits
	 * that long: the trace shows what the model can only approximate
	 * (sub-microsecond races with a writer, the wake-up's run-queue
	 * delay). */
	bool kernel_waited;
	uint64_t kernel_wait;
	/* How far this thread runs behind the trace in the run being decided:
	 * the blocked time the run added to it so far, never below 0
	 * (delay.h).  It asks for mmap_lock that much later than t; a thread
	 * blocked once is not blocked again for the same writer by each fault
	 * the trace shows it taking meanwhile. */
	uint64_t behind;

	/* The speculative attempt window (docs/design.md §6), for the strategies
	 * that declare FL_NEED_SPEC_WINDOW; zero for the others.  The
	 * attempt occupies [t, t + d_spec]: t_end - t when the trace has the
	 * end, else the handler's calibrated cost, cut at the thread's next
	 * fault. */
	uint64_t d_spec;
	/* Every mmap_lock writer of the mm whose write window [w_begin,
	 * w_end] meets [t - FL_SPEC_LOOKBACK, t + 2 * d_spec +
	 * FL_SPEC_SLACK], in window order, with wrote_vma/created_at/wrote_any
	 * filled whatever the overlap (the strategy decides when the write
	 * happened); writers queued at t are in it too.  The margins let a
	 * strategy scale, jitter or shift time within them. */
	const struct fl_writer_hit *whits;
	size_t nwhits;
	/* Read-lock zaps of the fault's VMA and PMD changes in the same span. */
	const struct fl_vma_event *vevents;
	size_t nvevents;
	/* Other threads' faults of the same mm in the same page, and in the
	 * same PTE table, that ended inside the span: they changed the PTE
	 * (pte_same() fails), and they held the PTL just before their end. */
	uint64_t pte_changed_at;	/* 0: none; else the first such end */
	const uint64_t *ptl_ends;	/* ends of same-table faults, ascending */
	size_t nptl_ends;
};

/* The margins of fl_fault_view.whits around [t, t + d_spec] (ns). */
#define FL_SPEC_LOOKBACK 1000000ULL
#define FL_SPEC_SLACK 20000ULL

/* Where handle_mm_fault() finally ran. */
enum fl_path {
	FL_PATH_VMA_LOCK,
	FL_PATH_SPECULATIVE,
	FL_PATH_MMAP_LOCK,
	FL_PATH_NONE,		/* not handled: unplaced */
};

const char *fl_path_name(enum fl_path p);

struct fl_outcome {
	enum fl_path path;
	bool fell_back;		/* an attempt was made and handle_mm_fault ran under mmap_lock */
	/* The kernel counter and the finer reason: an entry of the strategy's
	 * cause table (fl_strategy.causes) or of the engine's
	 * (fl_engine_causes); NULL only before anything decided the fault. */
	const struct fl_cause *cause;
	uint32_t attempts;	/* handle_mm_fault() calls */
	uint64_t latency;	/* ns */
	uint64_t lock_wait;	/* ns on the simulated mmap_lock */
	const struct fl_writer *writer;	/* the writer behind an abort */
	/* ns of speculative work an abort threw away (delay propagation,
	 * delay.h); 0 for the strategies that make no speculative attempt. */
	uint64_t wasted;
};

/* The cause's counter and reason, "" when the outcome has no cause. */
static inline const char *fl_outcome_counter(const struct fl_outcome *o)
{
	return o->cause ? o->cause->counter : "";
}

static inline const char *fl_outcome_reason(const struct fl_outcome *o)
{
	return o->cause ? o->cause->reason : "";
}

/* A what-if knob (`--set key=value`), recorded with the run. */
struct fl_knob {
	const char *key;
	const char *help;
	int64_t def, min, max;
};

/* The run's configuration, parsed by the engine. */
struct fl_run_cfg {
	const char *profile;	/* as given, or the strategy's default */
	int kver;		/* FL_MM_KVER() of the profile, 0 when none */
	uint64_t seed;
	uint32_t page_shift;
	/* knob values, in the strategy's knob order, then the common ones */
	int64_t knob[16];
	/* Calibrated cost table (ns), per handler, from the trace. */
	uint64_t cost[FL_H__COUNT];
	int arch;		/* enum fl_mm_arch of the trace (0: x86_64) */
};

/* Needs: which normalised events a strategy cannot work without. */
enum {
	FL_NEED_FAULTS = 1u << 0,
	FL_NEED_MM_CALLS = 1u << 1,
	/* Not an event kind: the strategy wants fl_fault_view's speculative
	 * window (whits, vevents, pte_changed_at, ptl_ends).  The engine then
	 * decides the fault a second time, once every writer that can start
	 * inside the window is known; strategies without it are decided as
	 * before, unchanged. */
	FL_NEED_SPEC_WINDOW = 1u << 2,
};

struct fl_strategy {
	const char *name;
	const char *summary;
	/* Profiles it accepts, NULL-terminated, the default first; NULL when
	 * it takes none.  A profile is a kernel version "6.N" or "6.N+". */
	const char *const *profiles;
	const struct fl_knob *knobs;	/* NULL-terminated by key == NULL */
	unsigned needs;
	size_t state_size;
	/* 0 or a negative code with err filled (an unknown profile...). */
	int (*init)(void *state, const struct fl_run_cfg *cfg, struct fl_err *err);
	void (*fault)(void *state, const struct fl_run_cfg *cfg, const struct fl_fault_view *f,
		      struct fl_outcome *out);
	void (*fini)(void *state);
	/* Every (counter, reason) its fault() can give, ncauses of them
	 * (cause.h): the store codes outcomes by them, the tests hold the
	 * strategy to them. */
	const struct fl_cause *causes;
	size_t ncauses;
	/* NULL, or the strategy's own totals after a replay's per-run lines
	 * (replay_summary.c): given one run's outcomes counted per cause, it
	 * prints "run ID:    ..." lines on out (spf-mmseq's vmstat line, from
	 * its causes' FL_CAUSE_VMSTAT_* flags). */
	void (*summarize)(FILE *out, int64_t run_id, const struct fl_cause_count *counts,
			  size_t ncounts);
};

/* The registry, NULL-terminated, in the order `--strategy all` runs them. */
extern const struct fl_strategy *const fl_strategies[];
const struct fl_strategy *fl_strategy_find(const char *name);
/* Parse a profile "6.7", "6.15+" into FL_MM_KVER(); -EINVAL if not one. */
int fl_profile_parse(const char *s, int *kver);
/* The outcomes the engine decides itself, whatever the strategy (a fault
 * the larger page of a what-if absorbs): FL_ENGINE_CAUSE_*. */
enum {
	FL_ENGINE_CAUSE_ABSORBED_64K,	/* --set page_size=65536 */
	FL_ENGINE_CAUSE_ABSORBED,	/* another larger page */
};
extern const struct fl_cause fl_engine_causes[];
extern const size_t fl_engine_ncauses;
/* c is an entry of s's table or of the engine's. */
bool fl_cause_of(const struct fl_strategy *s, const struct fl_cause *c);
/* Every strategy's cause table, then the engine's: counter, reason, flags,
 * description (cause_doc.c, `faultline help causes`). */
void fl_causes_print(FILE *out);

#endif
