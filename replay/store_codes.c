/* The per-run dictionaries of outcome_rows (schemas/outcomes.sql): the
 * code of an outcome's cause (its path, and its cause table entry, told by
 * fl_cause.code, with that entry's counter, reason, code, description and
 * FL_CAUSE_UNPLACED; an outcome without an entry has "", 0) and of its VMA
 * (start, end, kind), each new one written as a row of outcome_causes or
 * outcome_vmas through the writer thread, ahead of the outcome row that
 * first uses it, so that a row never names a code its transaction lacks. */
#include "store_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"

void store_run_codes_free(struct run_codes *c)
{
	free(c->c);
	free(c->v);
	fl_map_free(&c->v_index);
}

/* A run has a few dozen causes at most, and consecutive outcomes mostly
 * share theirs: the last one, then a walk.  The path is one of
 * fl_path_name()'s static strings: the same path is the same pointer. */
int64_t store_cause_code(struct fl_store *st, struct run_tally *t, const char *path,
			 const struct fl_cause *cause)
{
	struct run_codes *d = &t->codes;
	uint16_t code = cause ? cause->code : 0;
	struct row *r;
	size_t i;

	path = path ? path : "";
	if (d->lastc < d->nc && d->c[d->lastc].path == path && d->c[d->lastc].code == code)
		return (int64_t)d->lastc + 1;
	for (i = 0; i < d->nc; i++)
		if (d->c[i].code == code && store_same_text(d->c[i].path, path))
			break;
	if (i < d->nc) {
		d->lastc = i;
		return (int64_t)i + 1;
	}
	if (fl_array_grow((void **)&d->c, &d->capc, d->nc + 1, sizeof(*d->c)) < 0)
		return -ENOMEM;
	r = store_row_new(st, TAB_CAUSES, 0, NULL);
	if (!r)
		return -EIO;
	d->c[d->nc] = (struct cause_code){ .path = path, .code = code };
	d->lastc = d->nc++;
	val_int(r, 0, t->run_id);
	val_int(r, 1, (int64_t)d->nc);
	val_text(r, 2, path);
	val_text(r, 3, cause ? cause->counter : "");
	val_text(r, 4, cause ? cause->reason : "");
	val_int(r, 5, code);
	val_text(r, 6, cause && cause->description ? cause->description : "");
	val_int(r, 7, cause && (cause->flags & FL_CAUSE_UNPLACED));
	return (int64_t)d->nc;
}

/* A run places its faults in up to thousands of VMAs: found as the VMA
 * tally finds them (store_vma_find()). */
int64_t store_vma_code(struct fl_store *st, struct run_tally *t, uint64_t start, uint64_t end,
		       const char *kind)
{
	struct run_codes *d = &t->codes;
	const struct vma_key key = { start, end, kind };
	uint64_t slot;
	size_t i = store_vma_find(&d->v_index, d->v, d->nv, sizeof(*d->v), d->lastv, &key, &slot);
	struct row *r;

	if (i < d->nv) {
		d->lastv = i;
		return (int64_t)i + 1;
	}
	if (fl_array_grow((void **)&d->v, &d->capv, d->nv + 1, sizeof(*d->v)) < 0 ||
	    fl_map_put(&d->v_index, slot, (void *)(uintptr_t)(d->nv + 1)) < 0)
		return -ENOMEM;
	r = store_row_new(st, TAB_VMAS, 0, NULL);
	if (!r) {
		fl_map_del(&d->v_index, slot);
		return -EIO;
	}
	d->v[d->nv] = key;
	d->lastv = d->nv++;
	val_int(r, 0, t->run_id);
	val_int(r, 1, (int64_t)d->nv);
	val_int(r, 2, (int64_t)start);
	val_int(r, 3, (int64_t)end);
	val_text(r, 4, kind);
	return (int64_t)d->nv;
}
