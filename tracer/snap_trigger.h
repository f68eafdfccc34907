/* The built-in triggers of `faultline record --snapshot`: conditions seen
 * in the events as they are written that make the recorder take a
 * snapshot of the flight recorder's buffers.
 *
 *   lock wait   a thread waited longer than lock_wait_ns for mmap_lock
 *               (mmap_lock start_locking -> acquire_returned, per thread)
 *   fallback    among the faults that ended in the last window_ns, the
 *               share that ended while their thread held mmap_lock (the
 *               kernel's own answer to "did it fall back": the same rule
 *               `faultline info` and the fidelity report use) reached
 *               fallback_pct, over at least min_faults faults
 *
 * Each is off when its threshold is 0.  After firing, a trigger stays quiet
 * for holdoff_ns of trace time, so one burst makes one snapshot.
 */
#ifndef FL_SNAP_TRIGGER_H
#define FL_SNAP_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_map.h"
#include "rec_event.h"

#define SNAP_WINDOW_BUCKETS 16

struct snap_trigger {
	/* settings */
	uint64_t lock_wait_ns;
	double fallback_pct;
	uint64_t window_ns;
	uint32_t min_faults;
	uint64_t holdoff_ns;
	/* state */
	struct fl_map waiting;		/* tid -> start of its wait + 1 */
	struct fl_map holding;		/* tid -> how many mmap_lock holds */
	uint64_t bucket_id[SNAP_WINDOW_BUCKETS];
	uint32_t bucket_faults[SNAP_WINDOW_BUCKETS], bucket_fellback[SNAP_WINDOW_BUCKETS];
	uint64_t quiet_until;
	char why[256];			/* what fired, once it has */
};

void snap_trigger_init(struct snap_trigger *t);
void snap_trigger_free(struct snap_trigger *t);
bool snap_trigger_enabled(const struct snap_trigger *t);
/* Look at one event (in time order); true when a trigger fires (t->why
 * says which, with the thread and the numbers). */
bool snap_trigger_event(struct snap_trigger *t, const struct rec_ev *ev);

#endif
