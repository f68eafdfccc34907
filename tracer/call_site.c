#include "call_site.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"

static uint64_t pid_key(int32_t pid)
{
	return (uint64_t)(uint32_t)pid + 1;
}

void cs_table_init(struct cs_table *t)
{
	fl_map_init(&t->pids);
}

static void maps_free(struct cs_maps *m)
{
	if (m) {
		free(m->r);
		free(m);
	}
}

void cs_table_free(struct cs_table *t)
{
	uint64_t k;
	void *v;

	for (size_t i = 0; fl_map_next(&t->pids, &i, &k, &v);)
		maps_free(v);
	fl_map_free(&t->pids);
}

const struct cs_maps *cs_table_get(const struct cs_table *t, int32_t pid)
{
	return fl_map_get(&t->pids, pid_key(pid));
}

static struct cs_maps *maps_of(struct cs_table *t, int32_t pid)
{
	struct cs_maps *m = fl_map_get(&t->pids, pid_key(pid));

	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (fl_map_put(&t->pids, pid_key(pid), m) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

/* The first range of m that ends above a: the one holding a, if any. */
static size_t first_ending_above(const struct cs_maps *m, uint64_t a)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->r[mid].end > a)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int cs_table_add(struct cs_table *t, int32_t pid, uint64_t start, uint64_t end)
{
	struct cs_maps *m = maps_of(t, pid);
	struct cs_range add[3];
	size_t i, j, nadd = 0;

	if (!m)
		return -ENOMEM;
	if (start >= end)
		return 0;	/* holds no address */
	/* r[i..j) overlap [start, end): the new mapping replaces them there,
	 * and what sticks out on either side stays theirs. */
	i = first_ending_above(m, start);
	for (j = i; j < m->n && m->r[j].start < end; j++)
		;
	if (i < j && m->r[i].start < start)
		add[nadd++] = (struct cs_range){ m->r[i].start, start, m->r[i].id };
	add[nadd++] = (struct cs_range){ start, end, m->next_id++ };
	if (i < j && m->r[j - 1].end > end)
		add[nadd++] = (struct cs_range){ end, m->r[j - 1].end, m->r[j - 1].id };
	if (fl_array_grow((void **)&m->r, &m->cap, m->n - (j - i) + nadd, sizeof(*m->r)) < 0)
		return -ENOMEM;
	memmove(&m->r[i + nadd], &m->r[j], (m->n - j) * sizeof(*m->r));
	memcpy(&m->r[i], add, nadd * sizeof(*add));
	m->n = m->n - (j - i) + nadd;
	return 0;
}

int cs_table_fork(struct cs_table *t, int32_t parent, int32_t child)
{
	const struct cs_maps *p = cs_table_get(t, parent);
	struct cs_maps *c;

	if (parent == child)
		return 0;
	cs_table_exec(t, child);	/* a reused pid starts afresh */
	if (!p || !p->n)
		return 0;
	c = maps_of(t, child);
	if (!c || fl_array_grow((void **)&c->r, &c->cap, p->n, sizeof(*c->r)) < 0)
		return -ENOMEM;
	memcpy(c->r, p->r, p->n * sizeof(*c->r));
	c->n = p->n;
	c->next_id = p->next_id;
	return 0;
}

void cs_table_exec(struct cs_table *t, int32_t pid)
{
	maps_free(fl_map_del(&t->pids, pid_key(pid)));
}

/* The mapping holding a (the newest that covered it), or NULL. */
static const struct cs_range *holding(const struct cs_maps *m, uint64_t a)
{
	size_t i = first_ending_above(m, a);

	return i < m->n && m->r[i].start <= a ? &m->r[i] : NULL;
}

uint64_t cs_pick(const struct cs_maps *m, uint64_t ip, const uint64_t *words, size_t nwords)
{
	const struct cs_range *own;

	if (!m)
		return 0;
	own = holding(m, ip);
	for (size_t i = 0; i < nwords; i++) {
		const struct cs_range *r = holding(m, words[i]);

		if (r && !(own && r->id == own->id))
			return words[i];
	}
	return 0;
}
