/* Calibration from the trace itself: where in a fault its first lock attempt
 * and its anon_vma trylock fall, as medians of the faults seen so far. */
#include "engine_state.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The trylock of __vmf_anon_prepare() shows as the fault's first
 * start_locking when the fault took it and released it (it stayed on the
 * VMA lock) or when it failed twice (RETRY, then lock_mmap's trylock
 * failed).  Its delay after the page-fault event -- the tracepoint's own
 * cost and the path to do_anonymous_page() -- places the trylock in time. */
void eng_sample_anon_delay(struct fl_engine *e, const struct fl_gt_state *g, uint64_t t)
{
	uint64_t tmp[1024];

	if (!g->starts || g->t_start < t || e->nanon_delay == 1024 || g->shared_vma)
		return;	/* a shared VMA's lock is a fallback's (fl_gt_state.shared_vma) */
	if (!(g->released && !g->held && !g->write) && !(g->failed >= 2 && !g->write))
		return;
	e->anon_delay[e->nanon_delay++] = g->t_start - t;
	if (e->nanon_delay <= 64 || e->nanon_delay % 32 == 0) {
		memcpy(tmp, e->anon_delay, e->nanon_delay * sizeof(tmp[0]));
		qsort(tmp, e->nanon_delay, sizeof(tmp[0]), cmp_u64);
		e->d_anon = tmp[e->nanon_delay / 2];
	}
}

void eng_sample_acq_delay(struct fl_engine *e, const struct fl_gt_state *g)
{
	uint64_t tmp[1024];

	if (!g->starts || !g->t_first_ret || g->t_first_ret < g->t_start || e->nacq_delay == 1024)
		return;
	e->acq_delay[e->nacq_delay++] = g->t_first_ret - g->t_start;
	if (e->nacq_delay <= 64 || e->nacq_delay % 32 == 0) {
		memcpy(tmp, e->acq_delay, e->nacq_delay * sizeof(tmp[0]));
		qsort(tmp, e->nacq_delay, sizeof(tmp[0]), cmp_u64);
		e->d_acq = tmp[e->nacq_delay / 2];
	}
}
