/* mm_ops: the reports of a call, the VMA primitives (split, remove, merge),
 * anon_vma, mmap() and munmap(), and the entry points (fl_mm_apply()).
 * mm_attrs.c holds mprotect() and madvise(), mm_resize.c mremap(), brk() and
 * stack growth.  See mm_ops.h. */
#include "mm_ops.h"
#include "mm_ops_int.h"
#include "fl_array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void fl_mm_init(struct fl_mm *mm, unsigned page_shift, enum fl_mm_arch arch, int kver)
{
	memset(mm, 0, sizeof(*mm));
	fl_vma_set_init(&mm->vmas);
	mm->page_shift = page_shift ? page_shift : 12;
	mm->arch = arch;
	mm->kver = kver ? kver : FL_MM_KVER_DEFAULT;
	/* mm/mmap.c: stack_guard_gap = 256UL << PAGE_SHIFT */
	mm->stack_guard_gap = 256ULL << mm->page_shift;
	mm->mmap_min_addr = 65536;
	mm->next_anon_vma = 1;
	mm->next_anon_file = 1;
}

void fl_mm_free(struct fl_mm *mm)
{
	fl_vma_set_free(&mm->vmas);
	free(mm->changes);
	free(mm->ranges);
	free(mm->tails);
	memset(mm, 0, sizeof(*mm));
}

const char *fl_mm_lock_mode_name(enum fl_mm_lock_mode mode)
{
	switch (mode) {
	case FL_MM_LOCK_NONE:
		return "none";
	case FL_MM_LOCK_MMAP_READ:
		return "mmap_read";
	case FL_MM_LOCK_MMAP_WRITE:
		return "mmap_write";
	case FL_MM_LOCK_VMA_READ:
		return "vma_read";
	}
	return "?";
}

/* ---- reports ---------------------------------------------------------- */

/* A call starts: clear the reports; a writer opens a new write cycle, as
 * mmap_write_unlock() -> vma_end_write_all() bumps mm_lock_seq per writer. */
void mm_begin_call(struct fl_mm *mm, bool write)
{
	mm->nchanges = 0;
	mm->nranges = 0;
	if (write)
		mm->write_cycle++;
}

/* Room for a call touching about n VMAs, so that nothing fails halfway:
 * a call that cannot be applied whole is not applied at all. */
int mm_prepare(struct fl_mm *mm, size_t n)
{
	void *c = mm->changes, *r = mm->ranges;

	if (fl_vma_set_reserve(&mm->vmas, 8, 8))
		return -ENOMEM;
	if (fl_array_grow(&c, &mm->capchanges, mm->nchanges + 2 * n + 16, sizeof(*mm->changes)))
		return -ENOMEM;
	mm->changes = c;
	if (fl_array_grow(&r, &mm->capranges, mm->nranges + n + 8, sizeof(*mm->ranges)))
		return -ENOMEM;
	mm->ranges = r;
	return 0;
}

/* How many VMAs [start, end) may touch, for mm_prepare(). */
size_t mm_span_count(const struct fl_mm *mm, uint64_t start, uint64_t end)
{
	return fl_vma_find_idx(&mm->vmas, end) - fl_vma_find_idx(&mm->vmas, start) + 2;
}

static struct fl_mm_change *new_change(struct fl_mm *mm)
{
	void *c = mm->changes;

	if (fl_array_grow(&c, &mm->capchanges, mm->nchanges + 1, sizeof(*mm->changes)))
		return NULL;
	mm->changes = c;
	return &mm->changes[mm->nchanges++];
}

static struct fl_mm_change *change_of(struct fl_mm *mm, const struct fl_vma *v)
{
	if (v->written_cycle != mm->write_cycle || v->change_idx >= mm->nchanges ||
	    mm->changes[v->change_idx].id != v->id)
		return NULL;
	return &mm->changes[v->change_idx];
}

/* vma_start_write() on a VMA: remember how it was before this cycle. */
void mm_note_write(struct fl_mm *mm, struct fl_vma *v)
{
	struct fl_mm_change *c;

	if (v->written_cycle == mm->write_cycle)
		return;
	c = new_change(mm);
	if (c) {
		c->kind = FL_MM_VMA_MODIFIED;
		c->id = v->id;
		c->before = *v;
		c->after = v;
	}
	v->written_cycle = mm->write_cycle;
	v->change_idx = c ? (uint32_t)(c - mm->changes) : UINT32_MAX;
}

static void note_created(struct fl_mm *mm, struct fl_vma *v)
{
	struct fl_mm_change *c = new_change(mm);

	if (c) {
		c->kind = FL_MM_VMA_CREATED;
		c->id = v->id;
		memset(&c->before, 0, sizeof(c->before));
		c->after = v;
	}
	v->written_cycle = mm->write_cycle;
	v->change_idx = c ? (uint32_t)(c - mm->changes) : UINT32_MAX;
}

/* vma_mark_detached(): a VMA born in this call and gone again was never
 * seen outside it, so it is dropped from the report. */
static void note_removed(struct fl_mm *mm, struct fl_vma *v)
{
	struct fl_mm_change *c = change_of(mm, v);

	if (!c) {
		mm_note_write(mm, v);
		c = change_of(mm, v);
		if (!c)
			return;
	}
	c->kind = c->kind == FL_MM_VMA_CREATED ? FL_MM_VMA__DROPPED : FL_MM_VMA_REMOVED;
	c->after = NULL;
}

struct fl_mm_range *mm_note_range(struct fl_mm *mm, enum fl_mm_range_kind kind,
				  uint64_t start, uint64_t end, uint64_t dst)
{
	void *r = mm->ranges;
	struct fl_mm_range *rg;

	if (fl_array_grow(&r, &mm->capranges, mm->nranges + 1, sizeof(*mm->ranges)))
		return NULL;
	mm->ranges = r;
	rg = &mm->ranges[mm->nranges++];
	memset(rg, 0, sizeof(*rg));
	rg->kind = kind;
	rg->start = start;
	rg->end = end;
	rg->dst = dst;
	/* The rest of a mapping moved away is gone from here. */
	if (kind == FL_MM_RANGE_MOVE)
		mm_drop_tails(mm, start, end);
	return rg;
}

void mm_end_call(struct fl_mm *mm)
{
	size_t j = 0;

	for (size_t i = 0; i < mm->nchanges; i++)
		if (mm->changes[i].kind != FL_MM_VMA__DROPPED)
			mm->changes[j++] = mm->changes[i];
	mm->nchanges = j;
	if (mm->observer && (mm->nchanges || mm->nranges))
		mm->observer(mm->observer_ctx, mm);
}

/* ---- the VMA primitives: split, remove, merge ------------------------- */

static void insert_at(struct fl_mm *mm, size_t i, struct fl_vma *v)
{
	fl_vma_set_splice(&mm->vmas, i, i, &v, 1);
}

/* Remove slots [from, to), each reported as detached. */
static void remove_slots(struct fl_mm *mm, size_t from, size_t to)
{
	struct fl_vma_set *s = &mm->vmas;

	for (size_t i = from; i < to; i++) {
		note_removed(mm, s->v[i]);
		fl_vma_release(s, s->v[i]);
	}
	fl_vma_set_splice(s, from, to, NULL, 0);
}

/* __split_vma(): cut the VMA at slot i at addr.  The new VMA takes the part
 * below addr (new_below) or above it and the original keeps the rest, so
 * that munmap detaches the original and the surviving piece is new, as in
 * the kernel.  Both are write-locked. */
static void split_at(struct fl_mm *mm, size_t i, uint64_t addr, bool new_below)
{
	struct fl_vma *v = mm->vmas.v[i], *n;

	mm_note_write(mm, v);
	n = fl_vma_new(&mm->vmas, v);	/* reserved by mm_prepare() */
	if (!n)
		return;
	if (new_below) {
		n->end = addr;
		v->pgoff += npages(mm, addr - v->start);
		v->start = addr;
		insert_at(mm, i, n);
	} else {
		n->start = addr;
		n->pgoff += npages(mm, addr - v->start);
		v->end = addr;
		fl_vma_set_sync(&mm->vmas, i);
		insert_at(mm, i + 1, n);
	}
	note_created(mm, n);
}

/* do_vmi_munmap(): split the VMAs straddling start and end, detach every
 * VMA inside.  Unmapping nothing is fine.  Returns whether anything was. */
bool mm_unmap_range(struct fl_mm *mm, uint64_t start, uint64_t end)
{
	struct fl_vma_set *s = &mm->vmas;
	size_t i = fl_vma_find_idx(s, start), j;
	struct fl_vma *v = fl_vma_at(s, i);
	struct fl_mm_range *rg;

	mm_drop_tails(mm, start, end);
	if (!v || v->start >= end)
		return false;
	if (v->start < start) {
		split_at(mm, i, start, true);
		i++;
	}
	for (j = i; j < s->len && s->v[j]->start < end; j++)
		if (s->v[j]->end > end)
			split_at(mm, j, end, false);
	rg = mm_note_range(mm, FL_MM_RANGE_UNMAP, start, end, 0);
	if (rg) {
		/* free_pgtables() stops at the neighbours (vms->unmap_start/end). */
		rg->floor = i ? s->v[i - 1]->end : 0;
		rg->ceiling = j < s->len ? s->v[j]->start : UINT64_MAX;
	}
	remove_slots(mm, i, j);
	return true;
}

struct anon_src mm_anon_of(const struct fl_vma *v)
{
	struct anon_src a = { v->anon_vma, v->anon_vma_id, v->anon_vma_fork_child };

	return a;
}

/* is_mergeable_vma(): same flags but VM_SOFTDIRTY, same file.  Special
 * mappings never merge (VM_SPECIAL, and their ->close hook). */
static bool same_attrs(const struct fl_vma *v, uint64_t flags, uint64_t file_id)
{
	if (v->kind == FL_VMA_SPECIAL)
		return false;
	return !((v->flags ^ flags) & ~FL_VM_SOFTDIRTY) && v->file_id == file_id;
}

/* is_mergeable_anon_vma(): may a range bringing anon_vma src join tgt? */
static bool anon_ok(const struct fl_mm *mm, const struct fl_vma *tgt, const struct anon_src *src)
{
	if (mm->kver >= FL_MM_KVER(6, 16)) {
		/* "mm/vma: fix incorrectly disallowed anonymous VMA merges":
		 * tgt takes src's anon_vma unless src came from a fork. */
		if (!tgt->anon_vma && src->has)
			return !src->fork_child;
		if (tgt->anon_vma && !src->has)
			return !tgt->anon_vma_fork_child;
		return !src->has || src->id == tgt->anon_vma_id;
	}
	/* Up to 6.15: one side may lack an anon_vma only when tgt's
	 * anon_vma_chain is singular, i.e. tgt has an anon_vma and is no
	 * fork child; a faulted range never joins an unfaulted tgt. */
	if ((!src->has || !tgt->anon_vma) && tgt->anon_vma && !tgt->anon_vma_fork_child)
		return true;
	if (src->has != tgt->anon_vma)
		return false;
	return !src->has || src->id == tgt->anon_vma_id;
}

/* dup_anon_vma(): the VMA that grows over pages of another takes its
 * anon_vma if it had none. */
static void take_anon(struct fl_vma *dst, const struct anon_src *src)
{
	if (!dst->anon_vma && src->has) {
		dst->anon_vma = true;
		dst->anon_vma_id = src->id;
		dst->anon_vma_fork_child = src->fork_child;
	}
}

/* What a merged VMA is: the brk area wins, so /proc's [heap] reading of a
 * heap that swallowed an anonymous neighbour holds. */
static void absorb_kind(struct fl_vma *dst, enum fl_vma_kind kind, bool inferred)
{
	if (kind == FL_VMA_HEAP)
		dst->kind = FL_VMA_HEAP;
	dst->extent_inferred |= inferred;
}

/* vma_merge_new_range() (6.12+; vma_merge() for a new range before): grow
 * prev and/or next over [start, end), which must be empty.  NULL if the
 * range merges with neither. */
struct fl_vma *mm_merge_new_range(struct fl_mm *mm, const struct proposed *p)
{
	struct fl_vma_set *s = &mm->vmas;
	size_t i = fl_vma_find_idx(s, p->start);
	struct fl_vma *prev = i ? s->v[i - 1] : NULL, *next = fl_vma_at(s, i);
	bool left, right;

	if ((p->flags & FL_VM_SPECIAL) || p->kind == FL_VMA_SPECIAL)
		return NULL;
	/* can_vma_merge_left() / can_vma_merge_after() */
	left = prev && prev->end == p->start && same_attrs(prev, p->flags, p->file_id) &&
	       anon_ok(mm, prev, &p->anon) &&
	       prev->pgoff + npages(mm, fl_vma_len(prev)) == p->pgoff;
	/* can_vma_merge_right() / can_vma_merge_before() */
	right = !p->just_expand && next && next->start == p->end &&
		same_attrs(next, p->flags, p->file_id) && anon_ok(mm, next, &p->anon) &&
		next->pgoff == p->pgoff + npages(mm, p->end - p->start);
	/* Both sides accept the range, but must also accept each other. */
	if (left && right && prev->anon_vma && next->anon_vma &&
	    prev->anon_vma_id != next->anon_vma_id)
		right = false;

	if (left) {
		mm_note_write(mm, prev);
		if (right) {
			struct anon_src na = mm_anon_of(next);

			prev->end = next->end;
			take_anon(prev, &na);
			absorb_kind(prev, next->kind, next->extent_inferred);
			remove_slots(mm, i, i + 1);
		} else {
			prev->end = p->end;
		}
		take_anon(prev, &p->anon);
		absorb_kind(prev, p->kind, p->extent_inferred);
		fl_vma_set_sync(s, i - 1);
		return prev;
	}
	if (right) {
		mm_note_write(mm, next);
		next->start = p->start;
		next->pgoff = p->pgoff;
		take_anon(next, &p->anon);
		absorb_kind(next, p->kind, p->extent_inferred);
		return next;
	}
	return NULL;
}

struct fl_vma *mm_insert_new(struct fl_mm *mm, const struct proposed *p)
{
	struct fl_vma t, *v;

	memset(&t, 0, sizeof(t));
	t.start = p->start;
	t.end = p->end;
	t.flags = p->flags;
	t.kind = p->kind;
	t.file_id = p->file_id;
	t.pgoff = p->pgoff;
	/* anon_vma_clone() for a copy keeps the anon_vma and its chain. */
	t.anon_vma = p->anon.has;
	t.anon_vma_id = p->anon.has ? p->anon.id : 0;
	t.anon_vma_fork_child = p->anon.has && p->anon.fork_child;
	t.extent_inferred = p->extent_inferred;
	v = fl_vma_new(&mm->vmas, &t);	/* reserved by mm_prepare() */
	if (!v)
		return NULL;
	insert_at(mm, fl_vma_find_idx(&mm->vmas, p->start), v);
	note_created(mm, v);
	return v;
}

/* Map an empty range: merge if the kernel would, else a new VMA. */
struct fl_vma *mm_map_range(struct fl_mm *mm, const struct proposed *p)
{
	struct fl_vma *v = mm_merge_new_range(mm, p);

	return v ? v : mm_insert_new(mm, p);
}

/* vma_modify() = vma_merge_existing_range() then split_vma(): give
 * [start, end) of the VMA at slot idx the flags nf.  Returns the VMA that
 * now covers [start, end). */
struct fl_vma *mm_modify_range(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
			       uint64_t nf)
{
	struct fl_vma_set *s = &mm->vmas;
	struct fl_vma *vma = s->v[idx];
	struct fl_vma *prev = idx ? s->v[idx - 1] : NULL, *next = fl_vma_at(s, idx + 1);
	bool left_side = start == vma->start, right_side = end == vma->end;
	uint64_t pgoff = vma->pgoff + npages(mm, start - vma->start);
	uint64_t pglen = npages(mm, end - start);
	struct anon_src src = mm_anon_of(vma);
	bool ml = false, mr = false;

	/* No merge for special mappings, or for a range strictly inside. */
	if (!(nf & FL_VM_SPECIAL) && vma->kind != FL_VMA_SPECIAL && (left_side || right_side)) {
		ml = left_side && prev && prev->end == start && same_attrs(prev, nf, vma->file_id) &&
		     anon_ok(mm, prev, &src) &&
		     prev->pgoff + npages(mm, fl_vma_len(prev)) == pgoff;
		mr = right_side && next && next->start == end &&
		     same_attrs(next, nf, vma->file_id) && anon_ok(mm, next, &src) &&
		     next->pgoff == pgoff + pglen;
		if (ml && mr && prev->anon_vma && next->anon_vma &&
		    prev->anon_vma_id != next->anon_vma_id)
			mr = false;
	}

	if (ml && mr) {
		/* prev grows over vma and next; both are detached. */
		struct anon_src na = mm_anon_of(next);

		mm_note_write(mm, vma);
		mm_note_write(mm, prev);
		prev->end = next->end;
		take_anon(prev, na.has ? &na : &src);
		absorb_kind(prev, vma->kind, vma->extent_inferred);
		absorb_kind(prev, next->kind, next->extent_inferred);
		fl_vma_set_sync(s, idx - 1);
		remove_slots(mm, idx, idx + 2);
		return prev;
	}
	if (ml) {
		/* prev grows over [start, end); vma shrinks or goes. */
		mm_note_write(mm, vma);
		mm_note_write(mm, prev);
		prev->end = end;
		take_anon(prev, &src);
		absorb_kind(prev, vma->kind, vma->extent_inferred);
		fl_vma_set_sync(s, idx - 1);
		if (right_side) {
			remove_slots(mm, idx, idx + 1);
		} else {
			vma->start = end;
			vma->pgoff += pglen;
		}
		return prev;
	}
	if (mr) {
		/* next grows down over [start, end); vma shrinks or goes. */
		mm_note_write(mm, vma);
		mm_note_write(mm, next);
		take_anon(next, &src);
		absorb_kind(next, vma->kind, vma->extent_inferred);
		next->pgoff -= pglen;
		if (left_side) {
			next->start = vma->start;
			remove_slots(mm, idx, idx + 1);
		} else {
			vma->end = start;
			next->start = start;
			fl_vma_set_sync(s, idx);
		}
		return next;
	}

	if (vma->start < start) {
		split_at(mm, idx, start, true);
		idx++;
	}
	if (vma->end > end)
		split_at(mm, idx, end, false);
	mm_note_write(mm, vma);
	vma->flags = nf;
	return vma;
}

/* ---- anon_vma and stack growth (fault side) --------------------------- */

/* anon_vma_compatible(): a and b (a below b) could share an anon_vma. */
static bool anon_vma_compatible(const struct fl_mm *mm, const struct fl_vma *a,
				const struct fl_vma *b)
{
	return a->end == b->start && a->file_id == b->file_id &&
	       !((a->flags ^ b->flags) & ~(FL_VM_ACCESS_FLAGS | FL_VM_SOFTDIRTY)) &&
	       b->pgoff == a->pgoff + npages(mm, b->start - a->start);
}

/* reusable_anon_vma(): old's anon_vma, if a/b fit and it is no fork child. */
static const struct fl_vma *reusable_anon_vma(const struct fl_mm *mm, const struct fl_vma *old,
					      const struct fl_vma *a, const struct fl_vma *b)
{
	if (anon_vma_compatible(mm, a, b) && old->anon_vma && !old->anon_vma_fork_child)
		return old;
	return NULL;
}

uint64_t fl_mm_anon_prepare(struct fl_mm *mm, struct fl_vma *vma)
{
	const struct fl_vma_set *s = &mm->vmas;
	const struct fl_vma *from = NULL;
	size_t i;

	if (vma->anon_vma)
		return vma->anon_vma_id;
	/* find_mergeable_anon_vma(): next first, then prev, so a later
	 * mprotect can merge them again. */
	i = fl_vma_index_of(s, vma);
	if (i < s->len) {
		if (i + 1 < s->len)
			from = reusable_anon_vma(mm, s->v[i + 1], vma, s->v[i + 1]);
		if (!from && i > 0)
			from = reusable_anon_vma(mm, s->v[i - 1], s->v[i - 1], vma);
	}
	vma->anon_vma = true;
	vma->anon_vma_id = from ? from->anon_vma_id : mm->next_anon_vma++;
	vma->anon_vma_fork_child = false;
	return vma->anon_vma_id;
}

/* populate_vma_page_range(): writes (FOLL_WRITE) only to private writable
 * mappings, and those writes are anonymous faults. */
void mm_populate(struct fl_mm *mm, struct fl_vma *v, uint64_t start, uint64_t end)
{
	mm_note_range(mm, FL_MM_RANGE_POPULATE, start, end, 0);
	if (v && (v->flags & (FL_VM_WRITE | FL_VM_SHARED)) == FL_VM_WRITE)
		fl_mm_anon_prepare(mm, v);
}

/* ---- mmap ------------------------------------------------------------- */

uint64_t fl_mm_mmap_vm_flags(const struct fl_mm *mm, uint64_t prot, uint64_t flags, bool file,
			     bool writable)
{
	uint64_t type = flags & FL_MAP_TYPE;
	uint64_t vm = prot_bits(prot);

	/* calc_vm_flag_bits() */
	if (flags & FL_MAP_GROWSDOWN)
		vm |= FL_VM_GROWSDOWN;
	if (flags & map_locked_flag(mm))
		vm |= FL_VM_LOCKED;
	/* "mm: mmap: map MAP_STACK to VM_NOHUGEPAGE" (6.7, in 6.6.y), with THP */
	if (flags & FL_MAP_STACK)
		vm |= FL_VM_NOHUGEPAGE;
	vm |= mm->def_flags | FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC;
	/* do_mmap(): a shared mapping of a file not open for writing is
	 * neither VM_SHARED nor VM_MAYWRITE. */
	if (type == FL_MAP_SHARED || type == FL_MAP_SHARED_VALIDATE) {
		vm |= FL_VM_SHARED | FL_VM_MAYSHARE;
		if (file && !writable)
			vm &= ~(FL_VM_MAYWRITE | FL_VM_SHARED);
	}
	if (type == FL_MAP_DROPPABLE)
		vm |= FL_VM_WIPEONFORK | FL_VM_DONTDUMP | FL_VM_NORESERVE;
	if (flags & map_noreserve_flag(mm))
		vm |= FL_VM_NORESERVE;
	/* hugetlbfs_file_mmap() */
	if (flags & FL_MAP_HUGETLB)
		vm |= FL_VM_HUGETLB | FL_VM_DONTEXPAND;
	/* accountable_mapping(): private writable memory is charged. */
	if (!(vm & FL_VM_HUGETLB) &&
	    (vm & (FL_VM_NORESERVE | FL_VM_SHARED | FL_VM_WRITE)) == FL_VM_WRITE)
		vm |= FL_VM_ACCOUNT;
	return vm;
}

int fl_mm_mmap(struct fl_mm *mm, uint64_t ret, uint64_t len, uint64_t prot, uint64_t flags,
	       int64_t fd, uint64_t off)
{
	uint64_t type = flags & FL_MAP_TYPE, end;
	bool anon = flags & FL_MAP_ANONYMOUS;
	bool shared = type == FL_MAP_SHARED || type == FL_MAP_SHARED_VALIDATE;
	bool writable = true, has_file;
	struct proposed p;
	struct fl_vma *v;
	int rc;

	if (!user_range(mm, ret, len, &end))
		return -EINVAL;
	if (!shared && type != FL_MAP_PRIVATE && type != FL_MAP_DROPPABLE)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.start = ret;
	p.end = end;
	if (!anon) {
		p.file_id = mm->file_fn ? mm->file_fn(mm->file_ctx, fd, &writable)
					: FL_MM_FILE_FD | (uint64_t)(uint32_t)fd;
		if (!p.file_id)
			p.file_id = FL_MM_FILE_FD | (uint64_t)(uint32_t)fd;
		p.pgoff = npages(mm, off);
		p.kind = FL_VMA_FILE;
	} else if (shared || (flags & FL_MAP_HUGETLB)) {
		/* shmem_zero_setup() / hugetlb_file_setup(): a file each. */
		p.file_id = FL_MM_FILE_ANON | mm->next_anon_file++;
		p.pgoff = shared ? 0 : npages(mm, off);
		p.kind = (flags & FL_MAP_HUGETLB) ? FL_VMA_FILE : FL_VMA_SHMEM;
	} else {
		/* do_mmap(): an anonymous private mapping's pgoff is its
		 * address in pages, so neighbours line up for merging. */
		p.pgoff = npages(mm, ret);
		p.kind = (flags & FL_MAP_GROWSDOWN) ? FL_VMA_STACK : FL_VMA_ANON;
	}
	has_file = p.file_id != 0;
	p.flags = fl_mm_mmap_vm_flags(mm, prot, flags, has_file, writable);

	mm_begin_call(mm, true);
	rc = mm_prepare(mm, mm_span_count(mm, ret, end));
	if (rc)
		return rc;
	/* MAP_FIXED: whatever was there goes first (mmap_region() unmaps, or
	 * from 6.12 gathers, the old VMAs).  Without MAP_FIXED the kernel
	 * picked a free range, so finding something there means the model
	 * missed an unmap. */
	if (fl_vma_find_intersection(&mm->vmas, ret, end)) {
		if (!(flags & FL_MAP_FIXED) || (flags & FL_MAP_FIXED_NOREPLACE))
			mm->inconsistent++;
		mm_unmap_range(mm, ret, end);
	}
	v = mm_map_range(mm, &p);
	/* do_mmap() asks for it; populate_vma_page_range() skips a
	 * VM_LOCKONFAULT VMA (mlockall(MCL_FUTURE | MCL_ONFAULT)). */
	if (((flags & (FL_MAP_POPULATE | FL_MAP_NONBLOCK)) == FL_MAP_POPULATE ||
	     (p.flags & FL_VM_LOCKED)) && !(p.flags & FL_VM_LOCKONFAULT))
		mm_populate(mm, v, ret, end);
	mm_end_call(mm);
	return 0;
}

int fl_mm_munmap(struct fl_mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end;
	int rc;

	if (!user_range(mm, start, len, &end))
		return -EINVAL;
	mm_begin_call(mm, true);
	rc = mm_prepare(mm, mm_span_count(mm, start, end));
	if (rc)
		return rc;
	mm_unmap_range(mm, start, end);
	mm_end_call(mm);
	return 0;
}

enum fl_mm_lock_mode fl_mm_call_lock_mode(const struct fl_mm_call *call, int kver)
{
	switch (call->kind) {
	case FL_MM_MADVISE:
		return fl_mm_madvise_lock_mode((int)(int32_t)call->args[2], kver);
	case FL_MM_MMAP:
	case FL_MM_MUNMAP:
	case FL_MM_MPROTECT:
	case FL_MM_MREMAP:
	case FL_MM_BRK:
	case FL_MM_PKEY_MPROTECT:
	case FL_MM_MLOCK:
	case FL_MM_MLOCK2:
	case FL_MM_MUNLOCK:
	case FL_MM_MLOCKALL:
	case FL_MM_MUNLOCKALL:
		return FL_MM_LOCK_MMAP_WRITE;
	case FL_MM__COUNT:
		break;
	}
	return FL_MM_LOCK_NONE;
}

/* ---- entry points ----------------------------------------------------- */

int fl_mm_add_vma(struct fl_mm *mm, const struct fl_vma *tmpl, struct fl_vma **out)
{
	struct fl_vma t = *tmpl, *v;
	int rc;

	if ((t.start | t.end) & page_mask(mm))
		return -EINVAL;
	t.written_cycle = 0;
	t.change_idx = 0;
	rc = fl_vma_insert(&mm->vmas, &t, &v);
	if (rc)
		return rc;
	if (out)
		*out = v;
	return 0;
}

int fl_mm_apply(struct fl_mm *mm, const struct fl_mm_call *call)
{
	const uint64_t *a = call->args;

	if (!call->has_exit || !call->has_enter)
		return FL_MM_SKIPPED;
	/* brk() reports failure by returning the old break, never < 0. */
	if (call->kind != FL_MM_BRK && call->ret < 0) {
		if (mm->partial_failures && call->ret == -ENOMEM) {
			if (call->kind == FL_MM_MPROTECT) {
				mm_do_mprotect(mm, a[0], a[1], a[2], -1, true);
				return 0;
			}
			if (call->kind == FL_MM_PKEY_MPROTECT) {
				mm_do_mprotect(mm, a[0], a[1], a[2], (int32_t)a[3], true);
				return 0;
			}
			if (call->kind == FL_MM_MADVISE) {
				mm_do_madvise(mm, a[0], a[1], (int)(int32_t)a[2], true);
				return 0;
			}
		}
		return FL_MM_SKIPPED;
	}
	switch (call->kind) {
	case FL_MM_MMAP:
		return fl_mm_mmap(mm, (uint64_t)call->ret, a[1], a[2], a[3], (int32_t)a[4], a[5]);
	case FL_MM_MUNMAP:
		return fl_mm_munmap(mm, a[0], a[1]);
	case FL_MM_MPROTECT:
		return fl_mm_mprotect(mm, a[0], a[1], a[2]);
	case FL_MM_MREMAP:
		return fl_mm_mremap(mm, a[0], a[1], a[2], a[3], (uint64_t)call->ret);
	case FL_MM_BRK:
		return fl_mm_brk(mm, a[0], (uint64_t)call->ret);
	case FL_MM_MADVISE:
		return fl_mm_madvise(mm, a[0], a[1], (int)(int32_t)a[2]);
	case FL_MM_PKEY_MPROTECT:
		/* pkey is an int: -1 from the register is 0xffffffff. */
		return fl_mm_pkey_mprotect(mm, a[0], a[1], a[2], (int32_t)a[3]);
	case FL_MM_MLOCK:
		return fl_mm_mlock(mm, a[0], a[1], 0);
	case FL_MM_MLOCK2:
		return fl_mm_mlock(mm, a[0], a[1], a[2]);
	case FL_MM_MUNLOCK:
		return fl_mm_munlock(mm, a[0], a[1]);
	case FL_MM_MLOCKALL:
		return fl_mm_mlockall(mm, a[0]);
	case FL_MM_MUNLOCKALL:
		return fl_mm_mlockall(mm, 0);
	case FL_MM__COUNT:
		break;
	}
	return -EINVAL;
}
