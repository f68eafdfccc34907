#include "rec_merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"

void rec_merge_init(struct rec_merge *m)
{
	memset(m, 0, sizeof(*m));
}

int rec_merge_push(struct rec_merge *m, const struct rec_ev *ev)
{
	if (fl_array_grow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v)) < 0)
		return -ENOMEM;
	m->v[m->n++] = *ev;
	return 0;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct rec_ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void rec_merge_flush(struct rec_merge *m, uint64_t limit, rec_emit_fn emit, void *ctx)
{
	size_t i;

	if (!m->n)
		return;
	qsort(m->v, m->n, sizeof(*m->v), cmp_ev);
	for (i = 0; i < m->n && m->v[i].t <= limit; i++) {
		if (m->v[i].t < m->last_t)
			m->late++;
		else
			m->last_t = m->v[i].t;
		emit(ctx, &m->v[i]);
		free(m->v[i].str);
		m->v[i].str = NULL;
	}
	memmove(m->v, m->v + i, (m->n - i) * sizeof(*m->v));
	m->n -= i;
}

void rec_merge_free(struct rec_merge *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].str);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
