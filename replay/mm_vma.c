#include "mm_vma.h"
#include "fl_array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *fl_vma_kind_name(enum fl_vma_kind kind)
{
	static const char *const names[FL_VMA__COUNT] = {
		[FL_VMA_ANON] = "anon",
		[FL_VMA_FILE] = "file",
		[FL_VMA_SHMEM] = "shmem",
		[FL_VMA_STACK] = "stack",
		[FL_VMA_HEAP] = "heap",
		[FL_VMA_SPECIAL] = "special",
	};

	return (unsigned)kind < FL_VMA__COUNT ? names[kind] : "?";
}

void fl_vma_set_init(struct fl_vma_set *s)
{
	memset(s, 0, sizeof(*s));
	s->next_id = 1;
}

void fl_vma_set_free(struct fl_vma_set *s)
{
	for (size_t i = 0; i < s->len; i++)
		free(s->v[i]);
	for (size_t i = 0; i < s->nspare; i++)
		free(s->spare[i]);
	free(s->v);
	free(s->ends);
	free(s->spare);
	fl_vma_set_init(s);
}

size_t fl_vma_find_idx(const struct fl_vma_set *s, uint64_t addr)
{
	size_t lo = 0, hi = s->len;

	/* First i with ends[i] > addr: the maple tree's mas_walk() answer. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ends[mid] > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct fl_vma *fl_vma_find(const struct fl_vma_set *s, uint64_t addr)
{
	return fl_vma_at(s, fl_vma_find_idx(s, addr));
}

struct fl_vma *fl_vma_lookup(const struct fl_vma_set *s, uint64_t addr)
{
	struct fl_vma *v = fl_vma_find(s, addr);

	return v && v->start <= addr ? v : NULL;
}

struct fl_vma *fl_vma_find_intersection(const struct fl_vma_set *s, uint64_t start, uint64_t end)
{
	struct fl_vma *v = fl_vma_find(s, start);

	return v && v->start < end ? v : NULL;
}

size_t fl_vma_index_of(const struct fl_vma_set *s, const struct fl_vma *v)
{
	size_t i = fl_vma_find_idx(s, v->start);

	return i < s->len && s->v[i] == v ? i : s->len;
}

struct fl_vma *fl_vma_prev_of(const struct fl_vma_set *s, uint64_t addr)
{
	size_t i = fl_vma_find_idx(s, addr);

	/* v[i] ends above addr; the one before it ends at or below. */
	return i > 0 ? s->v[i - 1] : NULL;
}


int fl_vma_set_reserve(struct fl_vma_set *s, size_t nslots, size_t nvmas)
{
	size_t need = s->len + nslots, cap = s->cap;
	void *v = s->v, *ends = s->ends;

	if (need > cap) {
		size_t cap2 = cap;

		if (fl_array_grow(&v, &cap, need, sizeof(*s->v)))
			return -ENOMEM;
		s->v = v;
		if (fl_array_grow(&ends, &cap2, need, sizeof(*s->ends))) {
			/* v grew, ends did not: keep cap at what both hold. */
			return -ENOMEM;
		}
		s->ends = ends;
		s->cap = cap;
	}
	if (s->nspare < nvmas) {
		void *sp = s->spare;

		/* Released VMAs are kept here too, so spares never outnumber
		 * the set's peak size. */

		if (fl_array_grow(&sp, &s->capspare, nvmas, sizeof(*s->spare)))
			return -ENOMEM;
		s->spare = sp;
		while (s->nspare < nvmas) {
			struct fl_vma *nv = malloc(sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			s->spare[s->nspare++] = nv;
		}
	}
	return 0;
}

struct fl_vma *fl_vma_new(struct fl_vma_set *s, const struct fl_vma *tmpl)
{
	struct fl_vma *v;

	if (s->nspare)
		v = s->spare[--s->nspare];
	else if (!(v = malloc(sizeof(*v))))
		return NULL;
	if (tmpl)
		*v = *tmpl;
	else
		memset(v, 0, sizeof(*v));
	v->id = s->next_id++;
	return v;
}

void fl_vma_release(struct fl_vma_set *s, struct fl_vma *v)
{
	void *sp = s->spare;

	if (!v)
		return;
	if (fl_array_grow(&sp, &s->capspare, s->nspare + 1, sizeof(*s->spare))) {
		free(v);
		return;
	}
	s->spare = sp;
	s->spare[s->nspare++] = v;
}

int fl_vma_set_splice(struct fl_vma_set *s, size_t from, size_t to,
		      struct fl_vma *const *add, size_t n)
{
	size_t removed = to - from, tail = s->len - to;

	if (from > to || to > s->len)
		return -EINVAL;
	if (n > removed && fl_vma_set_reserve(s, n - removed, 0))
		return -ENOMEM;
	memmove(&s->v[from + n], &s->v[to], tail * sizeof(*s->v));
	memmove(&s->ends[from + n], &s->ends[to], tail * sizeof(*s->ends));
	for (size_t i = 0; i < n; i++) {
		s->v[from + i] = add[i];
		s->ends[from + i] = add[i]->end;
	}
	s->len = s->len - removed + n;
	return 0;
}

void fl_vma_set_sync(struct fl_vma_set *s, size_t idx)
{
	if (idx < s->len)
		s->ends[idx] = s->v[idx]->end;
}

int fl_vma_insert(struct fl_vma_set *s, const struct fl_vma *tmpl, struct fl_vma **out)
{
	struct fl_vma *v;
	size_t i;

	if (tmpl->start >= tmpl->end)
		return -EINVAL;
	if (fl_vma_find_intersection(s, tmpl->start, tmpl->end))
		return -EEXIST;
	if (fl_vma_set_reserve(s, 1, 1))
		return -ENOMEM;
	v = fl_vma_new(s, tmpl);
	i = fl_vma_find_idx(s, tmpl->start);
	fl_vma_set_splice(s, i, i, &v, 1);
	if (out)
		*out = v;
	return 0;
}

int fl_vma_set_check(const struct fl_vma_set *s)
{
	for (size_t i = 0; i < s->len; i++) {
		const struct fl_vma *v = s->v[i];

		if (v->start >= v->end || s->ends[i] != v->end)
			return -EINVAL;
		if (i > 0 && s->v[i - 1]->end > v->start)
			return -EINVAL;
	}
	return 0;
}
