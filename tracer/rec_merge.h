/* Ordering recorded events by kernel time before they are written.
 *
 * Each CPU's ring is in time order (almost: see below), but the CPUs are
 * not in step with each other.  Events read from every ring go into one
 * queue; rec_merge_flush() sorts it and writes out the events that no ring
 * can still precede: those older than `limit`, which the caller computes as
 * the earliest moment any ring was last read, minus a margin for records
 * whose time was taken before that moment but which the kernel had not yet
 * committed.  The LTTng events then go out in kernel-time order from one
 * thread, so the order of the CTF streams and the `ktime` payloads agree.
 * An event older than one already written (a record held up longer than
 * the margin) is still written, and counted as late.
 */
#ifndef FL_REC_MERGE_H
#define FL_REC_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "rec_event.h"

struct rec_merge {
	struct rec_ev *v;
	size_t n, cap;
	uint64_t last_t;	/* time of the newest event written */
	uint64_t late;		/* events written after a newer one */
};

typedef void (*rec_emit_fn)(void *ctx, struct rec_ev *ev);

void rec_merge_init(struct rec_merge *m);
/* Queue ev (moved in: the queue owns ev->str from now on). */
int rec_merge_push(struct rec_merge *m, const struct rec_ev *ev);
/* Write, in time order, every queued event with t <= limit. */
void rec_merge_flush(struct rec_merge *m, uint64_t limit, rec_emit_fn emit, void *ctx);
void rec_merge_free(struct rec_merge *m);

#endif
