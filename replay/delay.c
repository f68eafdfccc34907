/* Delay propagation: see delay.h. */
#include "delay.h"

#include <errno.h>
#include <stdlib.h>

#include "thread_order.h"

void fl_delay_init(struct fl_delay *d)
{
	fl_map_init(&d->threads);
}

void fl_delay_free(struct fl_delay *d)
{
	size_t it = 0;
	void *val;

	while (fl_map_next(&d->threads, &it, NULL, &val))
		free(val);
	fl_map_free(&d->threads);
}

struct fl_delay_thread *fl_delay_get(struct fl_delay *d, int32_t pid, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)tid + 1;
	struct fl_delay_thread *t = fl_map_get(&d->threads, key);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pid = pid;
	t->tid = tid;
	if (fl_map_put(&d->threads, key, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* The times come from the trace: a corrupt one can hold anything, so the
 * sums saturate instead of wrapping (signed overflow is undefined). */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int64_t sat_shift(int64_t shift, uint64_t up, uint64_t down)
{
	/* shift + up - down, clamped to int64_t. */
	__int128 v = (__int128)shift + (__int128)up - (__int128)down;

	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

void fl_delay_add(struct fl_delay_thread *t, uint64_t traced_wait, uint64_t pred_wait,
		  uint64_t wasted)
{
	t->faults++;
	t->blocked_traced = sat_add(t->blocked_traced, traced_wait);
	t->blocked_pred = sat_add(t->blocked_pred, pred_wait);
	t->wasted = sat_add(t->wasted, wasted);
	t->shift = sat_shift(t->shift, sat_add(pred_wait, wasted), traced_wait);
}

int fl_delay_span(struct fl_delay *d, int32_t pid, int32_t tid, uint64_t t_first, uint64_t t_last)
{
	struct fl_delay_thread *t = fl_delay_get(d, pid, tid);

	if (!t)
		return -ENOMEM;
	t->t_first = t_first;
	t->t_last = t_last;
	return 0;
}

FL_THREAD_ORDER_CHECK(struct fl_delay_thread);

struct fl_delay_thread **fl_delay_sorted(const struct fl_delay *d, size_t *n)
{
	return (struct fl_delay_thread **)fl_threads_sorted(&d->threads, 0, n);
}

uint64_t fl_delay_run_traced(const struct fl_delay_thread *t)
{
	return t->t_last > t->t_first ? t->t_last - t->t_first : 0;
}

uint64_t fl_delay_run_pred(const struct fl_delay_thread *t)
{
	__int128 r = (__int128)fl_delay_run_traced(t) + t->shift;

	return r <= 0 ? 0 : r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}
