#include "fl_map.h"

#include <errno.h>
#include <stdlib.h>

static size_t hash(uint64_t k)
{
	/* splitmix64 finaliser: pointers and small ints both spread well. */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

void fl_map_init(struct fl_map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void fl_map_free(struct fl_map *m)
{
	free(m->slots);
	fl_map_init(m);
}

static struct fl_map_slot *find(const struct fl_map *m, uint64_t key)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
		if (m->slots[i].key == key || m->slots[i].key == 0)
			return &m->slots[i];
	}
}

void *fl_map_get(const struct fl_map *m, uint64_t key)
{
	struct fl_map_slot *s;

	if (!m->cap || !key)
		return NULL;
	s = find(m, key);
	return s->key == key ? s->val : NULL;
}

static int grow(struct fl_map *m)
{
	struct fl_map old = *m;
	size_t cap = old.cap ? old.cap * 2 : 16;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->len = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.slots[i].key) {
			*find(m, old.slots[i].key) = old.slots[i];
			m->len++;
		}
	}
	free(old.slots);
	return 0;
}

int fl_map_put(struct fl_map *m, uint64_t key, void *val)
{
	struct fl_map_slot *s;

	if (!key)
		return -EINVAL;
	if ((m->len + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return -ENOMEM;
	s = find(m, key);
	if (s->key != key) {
		s->key = key;
		m->len++;
	}
	s->val = val;
	return 0;
}

void *fl_map_del(struct fl_map *m, uint64_t key)
{
	struct fl_map_slot *s;
	void *val;
	size_t mask, i, j;

	if (!m->cap || !key)
		return NULL;
	s = find(m, key);
	if (s->key != key)
		return NULL;
	val = s->val;
	/* Backward-shift deletion keeps probe chains intact without
	 * tombstones. */
	mask = m->cap - 1;
	i = (size_t)(s - m->slots);
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = hash(m->slots[j].key) & mask;
		/* Move j into the hole at i if its home is not in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = 0;
	m->slots[i].val = NULL;
	m->len--;
	return val;
}

int fl_map_next(const struct fl_map *m, size_t *iter, uint64_t *key, void **val)
{
	while (*iter < m->cap) {
		const struct fl_map_slot *s = &m->slots[(*iter)++];
		if (s->key) {
			if (key)
				*key = s->key;
			if (val)
				*val = s->val;
			return 1;
		}
	}
	return 0;
}
