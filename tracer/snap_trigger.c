#include "snap_trigger.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void snap_trigger_init(struct snap_trigger *t)
{
	memset(t, 0, sizeof(*t));
	fl_map_init(&t->waiting);
	fl_map_init(&t->holding);
	t->window_ns = 1000000000ull;
	t->min_faults = 100;
	t->holdoff_ns = 1000000000ull;
}

void snap_trigger_free(struct snap_trigger *t)
{
	fl_map_free(&t->waiting);
	fl_map_free(&t->holding);
}

bool snap_trigger_enabled(const struct snap_trigger *t)
{
	return t->lock_wait_ns > 0 || t->fallback_pct > 0;
}

/* Counts of the window's buckets that are still inside it at time now. */
static void window_counts(const struct snap_trigger *t, uint64_t cur, uint64_t *faults,
			  uint64_t *fellback)
{
	*faults = *fellback = 0;
	for (int i = 0; i < SNAP_WINDOW_BUCKETS; i++) {
		if (t->bucket_id[i] + SNAP_WINDOW_BUCKETS <= cur || t->bucket_id[i] > cur)
			continue;
		*faults += t->bucket_faults[i];
		*fellback += t->bucket_fellback[i];
	}
}

static bool on_fault_end(struct snap_trigger *t, const struct rec_ev *ev)
{
	uint64_t width = t->window_ns / SNAP_WINDOW_BUCKETS, cur, faults, fellback;
	int32_t tid = ev->u.fault_end.id.tid;
	bool held = tid > 0 && fl_map_get(&t->holding, (uint64_t)tid) != NULL;
	int b;

	if (width == 0)
		width = 1;
	cur = ev->t / width;
	b = (int)(cur % SNAP_WINDOW_BUCKETS);
	if (t->bucket_id[b] != cur) {
		t->bucket_id[b] = cur;
		t->bucket_faults[b] = t->bucket_fellback[b] = 0;
	}
	t->bucket_faults[b]++;
	t->bucket_fellback[b] += held;
	if (!held || ev->t < t->quiet_until)
		return false;
	window_counts(t, cur, &faults, &fellback);
	if (faults < t->min_faults || (double)fellback * 100.0 < t->fallback_pct * (double)faults)
		return false;
	snprintf(t->why, sizeof(t->why), "%" PRIu64 " of the %" PRIu64 " faults in the last %.3f s "
		 "fell back to mmap_lock (%.1f%%, threshold %.1f%%)", fellback, faults,
		 (double)t->window_ns / 1e9, (double)fellback * 100.0 / (double)faults, t->fallback_pct);
	return true;
}

static bool on_lock(struct snap_trigger *t, const struct rec_ev *ev)
{
	const struct fl_ust_mmap_lock *l = &ev->u.lock;
	uint64_t tid = l->id.tid > 0 ? (uint64_t)l->id.tid : 0;
	uintptr_t v;

	if (!tid)
		return false;
	switch (l->phase) {
	case FL_UST_LOCK_START:
		fl_map_put(&t->waiting, tid, (void *)(uintptr_t)(ev->t + 1));
		return false;
	case FL_UST_LOCK_ACQUIRED:
		v = (uintptr_t)fl_map_del(&t->waiting, tid);
		if (l->success) {
			uintptr_t n = (uintptr_t)fl_map_get(&t->holding, tid);
			fl_map_put(&t->holding, tid, (void *)(n + 1));
		}
		if (!v || !t->lock_wait_ns || ev->t < t->quiet_until || ev->t + 1 - v < t->lock_wait_ns)
			return false;
		snprintf(t->why, sizeof(t->why), "thread %" PRIu64 " waited %.3f ms for mmap_lock "
			 "(%s; threshold %.3f ms)", tid, (double)(ev->t + 1 - v) / 1e6,
			 l->write ? "write" : "read", (double)t->lock_wait_ns / 1e6);
		return true;
	case FL_UST_LOCK_RELEASED: {
		uintptr_t n = (uintptr_t)fl_map_get(&t->holding, tid);
		if (n > 1)
			fl_map_put(&t->holding, tid, (void *)(n - 1));
		else if (n == 1)
			fl_map_del(&t->holding, tid);
		return false;
	}
	default:
		return false;
	}
}

bool snap_trigger_event(struct snap_trigger *t, const struct rec_ev *ev)
{
	bool fired = false;

	if (ev->type == REC_LOCK)
		fired = on_lock(t, ev);
	else if (ev->type == REC_FAULT_END && t->fallback_pct > 0)
		fired = on_fault_end(t, ev);
	if (fired)
		t->quiet_until = ev->t + t->holdoff_ns;
	return fired;
}
