#include "ground_truth.h"

#include <string.h>

const char *fl_gt_name(enum fl_gt gt)
{
	switch (gt) {
	case FL_GT_VMA:
		return "vma";
	case FL_GT_FALLBACK:
		return "fallback";
	case FL_GT_UNKNOWN:
		break;
	}
	return "unknown";
}

void fl_gt_fault(struct fl_gt_state *s)
{
	memset(s, 0, sizeof(*s));
	s->in_fault = true;
}

void fl_gt_lock(struct fl_gt_state *s, const struct fl_mmap_lock *lock, uint64_t t)
{
	if (!s->in_fault)
		return;
	if (lock->write)
		s->write = true;
	switch (lock->phase) {
	case FL_LOCK_START:
		if (!s->starts++)
			s->t_start = t;
		s->t_last_start = t;
		if (!s->asking) {
			s->asking = true;
			s->t_ask = t;
		}
		break;
	case FL_LOCK_ACQUIRED:
		if (s->starts && !s->t_first_ret)
			s->t_first_ret = t;
		/* mmap_write_downgrade() shows as a successful read acquire
		 * with no start: the lock stays held. */
		if (lock->success) {
			s->held = true;
			s->t_acquired = t;
			if (s->asking && t >= s->t_ask)
				s->waited += t - s->t_ask;
			s->asking = false;
		} else {
			s->failed++;
		}
		break;
	case FL_LOCK_RELEASED:
		if (s->held)
			s->released = true;
		s->held = false;
		break;
	case FL_LOCK__COUNT:
		break;
	}
}

void fl_gt_end(struct fl_gt_state *s, struct fl_gt_result *out)
{
	out->lock_wait = 0;
	out->t_req = 0;
	out->t_try = s->in_fault && s->starts ? s->t_start : 0;
	out->t_try_ret = out->t_try && s->t_first_ret >= s->t_start ? s->t_first_ret : 0;
	out->detail = "";
	if (!s->in_fault) {
		out->gt = FL_GT_UNKNOWN;
		return;
	}
	if (s->held || (s->released && s->shared_vma && !s->write)) {
		out->gt = FL_GT_FALLBACK;
		out->lock_wait = s->waited;
		if (s->starts && s->t_acquired >= s->t_last_start)
			out->t_req = s->t_last_start;
		if (s->write)
			out->detail = "stack growth";
		else if (s->failed >= 2)
			out->detail = "anon_vma retry";
		else if (s->failed == 1)
			out->detail = "trylock failed";
		else if (!s->held)
			out->detail = "completed unlocked";
	} else {
		out->gt = FL_GT_VMA;
		if (s->released)
			out->detail = "anon_vma trylock";
	}
	s->in_fault = false;
}
