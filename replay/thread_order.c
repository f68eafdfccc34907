/* The threads of a tid-keyed map in (pid, tid) order: see thread_order.h. */
#include "thread_order.h"

#include <stdlib.h>

/* Each record begins with int32_t pid, tid (FL_THREAD_ORDER_CHECK). */
static int cmp(const void *a, const void *b)
{
	const int32_t *x = *(const int32_t *const *)a;
	const int32_t *y = *(const int32_t *const *)b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

void **fl_threads_sorted(const struct fl_map *m, size_t off, size_t *n)
{
	void **v = calloc(m->len ? m->len : 1, sizeof(*v));
	size_t it = 0, i = 0;
	void *val;

	*n = 0;
	if (!v)
		return NULL;
	while (fl_map_next(m, &it, NULL, &val))
		v[i++] = (char *)val + off;
	qsort(v, i, sizeof(*v), cmp);
	*n = i;
	return v;
}
