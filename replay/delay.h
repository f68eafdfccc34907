/* delay: delay propagation (docs/design.md §6), per run and per thread.
 *
 * A strategy changes how long a thread blocks on mmap_lock: classic makes
 * every fault queue behind the writers, a speculative strategy only the
 * faults it aborts.  The trace shows how long each thread really blocked
 * (the ground truth's wait between mmap_lock_start_locking and the
 * acquisition, for the faults that fell back) and how long it ran (its
 * first to its last event).  Each outcome adds the change in blocked time
 * -- predicted wait minus traced wait, plus the speculative work an abort
 * threw away -- to the thread's shift: every later event of the thread
 * happens that much later (or earlier).  At the end each thread has a
 * predicted blocked time and a predicted run time: the traced run time
 * plus its final shift.
 *
 * The shift is kept per run; a strategy may read it (the thread's shift,
 * fl_delay_get()) to decide a fault at its shifted time.  Memory: one record per thread.
 */
#ifndef FL_DELAY_H
#define FL_DELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_map.h"

struct fl_delay_thread {
	int32_t pid, tid;
	uint64_t faults;
	uint64_t blocked_traced;	/* ns on mmap_lock, from the trace */
	uint64_t blocked_pred;		/* ns on mmap_lock, as replayed */
	uint64_t wasted;		/* ns of speculative work thrown away */
	int64_t shift;			/* ns: how much later its next event is */
	uint64_t t_first, t_last;	/* its traced span (set by the caller) */
};

struct fl_delay {
	struct fl_map threads;		/* tid + 1 -> struct fl_delay_thread */
};

void fl_delay_init(struct fl_delay *d);
void fl_delay_free(struct fl_delay *d);

/* Thread (pid, tid)'s record, created at its first fault; NULL without
 * memory.  A strategy reads its shift before deciding the fault at its
 * shifted time; fl_delay_add() then accounts the decided fault. */
struct fl_delay_thread *fl_delay_get(struct fl_delay *d, int32_t pid, int32_t tid);
/* One decided fault: the traced wait (0 when it did not block), the
 * predicted wait, and the work thrown away. */
void fl_delay_add(struct fl_delay_thread *t, uint64_t traced_wait, uint64_t pred_wait,
		  uint64_t wasted);
/* Record the thread's traced span (first and last event), creating it. */
int fl_delay_span(struct fl_delay *d, int32_t pid, int32_t tid, uint64_t t_first,
		  uint64_t t_last);
/* Threads sorted by (pid, tid); the array is the caller's to free. */
struct fl_delay_thread **fl_delay_sorted(const struct fl_delay *d, size_t *n);

/* Traced run time, and predicted: traced plus the shift, never below 0. */
uint64_t fl_delay_run_traced(const struct fl_delay_thread *t);
uint64_t fl_delay_run_pred(const struct fl_delay_thread *t);

#endif
