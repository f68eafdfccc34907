/* engine: the replay driver (docs/design.md §4-7).
 *
 * Fed the normalised event stream in time order, it keeps one mm model per
 * process, follows every mmap_lock writer (its queue and write windows from
 * the mmap_lock events, else its syscall span), places each fault in the
 * VMA layout of the moment, reads the kernel's own answer for it
 * (ground_truth.h), and hands it to every strategy of the run.
 *
 * A fault is decided only when everything that can change its answer is
 * known: its end event, and the VMA changes of every writer whose window
 * contains it.  A writer's changes are known at its syscall exit, so faults
 * wait in a queue at most as long as the longest write hold or fault; they
 * are decided in trace order.  Memory holds the VMAs, the threads and that
 * queue: it does not grow with the trace's length.
 */
#ifndef FL_ENGINE_H
#define FL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_err.h"
#include "fl_event.h"
#include "fl_map.h"
#include "ground_truth.h"
#include "delay.h"
#include "ingest.h"
#include "strategy.h"

/* One strategy run inside the replay. */
struct fl_engine_run {
	const struct fl_strategy *strategy;
	struct fl_run_cfg cfg;
	void *state;
	uint64_t faults, fallbacks, unplaced;
	/* Per-thread blocked and run time as replayed (delay.h); the
	 * engine keeps it, from fl_engine_new() to fl_engine_free(). */
	struct fl_delay delay;
};

/* A thread as the engine knows it (the threads table). */
struct fl_engine_thread {
	int32_t pid, tid;
	char comm[FL_COMM_LEN + 1];
	uint64_t faults, gt_fallbacks, mm_calls;
	uint64_t t_first, t_last;	/* its first and last event */
};

/* Where results go, in order: writers as they complete, then each fault
 * (once) followed by its outcome in each run. */
struct fl_engine_sink {
	void *ctx;
	int (*writer)(void *ctx, const struct fl_writer *w);
	int (*fault)(void *ctx, const struct fl_fault_view *v, const struct fl_gt_result *gt);
	int (*outcome)(void *ctx, size_t run, const struct fl_fault_view *v,
		       const struct fl_outcome *o);
};

struct fl_engine_stats {
	uint64_t faults, writers, untraced_writers;
	uint64_t place[5];		/* by enum fl_place */
	/* Of place[FL_PLACE_UNKNOWN]: faults whose outcome rested on what a
	 * loss may have hidden (eng_on_loss()). */
	uint64_t unplaced_after_loss;
	/* Faults made while their mm was held for write with no traced mm
	 * call around the hold and no fork's walk (mbind(), mseal(), a
	 * userfaultfd registration, mlock() in older traces...):
	 * which VMAs such a
	 * hold write-locked is not in the trace, and every strategy answers
	 * these faults as if it locked none. */
	uint64_t in_untraced_hold;
	uint64_t gt[3];			/* by enum fl_gt */
	uint64_t mm_inconsistent;	/* calls the model disagreed with */
	uint64_t mm_refused;		/* calls the model could not apply */
	uint64_t snapshots_used;
	size_t max_pending;		/* the deepest the fault queue got */
	bool lock_events;		/* the trace has mmap_lock events */
};

struct fl_engine;

struct fl_engine *fl_engine_new(struct fl_engine_run *runs, size_t nruns,
				const struct fl_engine_sink *sink);
void fl_engine_free(struct fl_engine *e);

/* The trace's metadata: arch, page size and the kernel release that
 * picks the mm model's rules. */
int fl_engine_begin(struct fl_engine *e, const struct fl_trace_meta *meta);
/* Before fl_engine_begin(): replay the fault paths of another arch, page
 * size or (ppc64) MMU mode: arch "x86_64" or "ppc64", page_size in bytes
 * (0: the trace's, or 64K for ppc64 over an x86_64 trace), mmu "radix" or
 * "hash" ("" the trace's, else radix).  The VMA layout still follows the
 * trace's own syscall ABI and page size. */
int fl_engine_what_if(struct fl_engine *e, const char *arch, uint32_t page_size, const char *mmu);
/* Before fl_engine_begin(): whether the replayed kernel maps the zero page
 * on an anonymous read (1) or allocates a page there (0), whatever the
 * trace says; -1 the trace's (mainline's when it does not say). */
void fl_engine_what_if_zero_page(struct fl_engine *e, int on);
/* Before fl_engine_begin(): the THP mode replayed (FL_THP_ALWAYS,
 * _MADVISE, _NEVER), whatever the trace says; FL_THP_UNKNOWN the trace's
 * (always when it does not say). */
void fl_engine_what_if_thp(struct fl_engine *e, int mode);
/* The page-table profile in use ("x86_64-4k", "ppc64-radix-64k", ...). */
const char *fl_engine_pgt_name(const struct fl_engine *e);
int fl_engine_event(struct fl_engine *e, const struct fl_event *ev);
int fl_engine_mm_enter(struct fl_engine *e, const struct fl_event *ev);
/* The trace ended: decide every fault still waiting. */
int fl_engine_finish(struct fl_engine *e);

const struct fl_engine_stats *fl_engine_stats(const struct fl_engine *e);
/* Threads sorted by (pid, tid); the array is the caller's to free. */
struct fl_engine_thread **fl_engine_threads(const struct fl_engine *e, size_t *n);
/* The error behind a negative return of the calls above. */
const struct fl_err *fl_engine_err(const struct fl_engine *e);

/* The kernel release "6.18.44-..." as FL_MM_KVER(), 0 if not parseable. */
int fl_kver_from_release(const char *release);

#endif
