/* Delay propagation: see delay.h. */
#include "delay.h"

#include <errno.h>
#include <stdlib.h>

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

void fl_delay_add(struct fl_delay_thread *t, uint64_t traced_wait, uint64_t pred_wait,
		  uint64_t wasted)
{
	t->faults++;
	t->blocked_traced += traced_wait;
	t->blocked_pred += pred_wait;
	t->wasted += wasted;
	t->shift += (int64_t)pred_wait - (int64_t)traced_wait + (int64_t)wasted;
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

static int cmp(const void *a, const void *b)
{
	const struct fl_delay_thread *x = *(struct fl_delay_thread *const *)a;
	const struct fl_delay_thread *y = *(struct fl_delay_thread *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

struct fl_delay_thread **fl_delay_sorted(const struct fl_delay *d, size_t *n)
{
	struct fl_delay_thread **v = calloc(d->threads.len ? d->threads.len : 1, sizeof(*v));
	size_t it = 0, i = 0;
	void *val;

	*n = 0;
	if (!v)
		return NULL;
	while (fl_map_next(&d->threads, &it, NULL, &val))
		v[i++] = val;
	qsort(v, i, sizeof(*v), cmp);
	*n = i;
	return v;
}

uint64_t fl_delay_run_traced(const struct fl_delay_thread *t)
{
	return t->t_last > t->t_first ? t->t_last - t->t_first : 0;
}

uint64_t fl_delay_run_pred(const struct fl_delay_thread *t)
{
	int64_t r = (int64_t)fl_delay_run_traced(t) + t->shift;

	return r > 0 ? (uint64_t)r : 0;
}
