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

int cs_table_add(struct cs_table *t, int32_t pid, uint64_t start, uint64_t end)
{
	struct cs_maps *m = maps_of(t, pid);

	if (!m || fl_array_grow((void **)&m->r, &m->cap, m->n + 1, sizeof(*m->r)) < 0)
		return -ENOMEM;
	m->r[m->n++] = (struct cs_range){ start, end };
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
	return 0;
}

void cs_table_exec(struct cs_table *t, int32_t pid)
{
	maps_free(fl_map_del(&t->pids, pid_key(pid)));
}

/* The newest mapping holding a: a later mapping over an older range
 * replaced it. */
static const struct cs_range *holding(const struct cs_maps *m, uint64_t a)
{
	for (size_t i = m->n; i-- > 0;)
		if (a >= m->r[i].start && a < m->r[i].end)
			return &m->r[i];
	return NULL;
}

uint64_t cs_pick(const struct cs_maps *m, uint64_t ip, const uint64_t *words, size_t nwords)
{
	const struct cs_range *own;

	if (!m)
		return 0;
	own = holding(m, ip);
	for (size_t i = 0; i < nwords; i++) {
		const struct cs_range *r = holding(m, words[i]);

		if (r && !(own && r->start == own->start && r->end == own->end))
			return words[i];
	}
	return 0;
}
