#include "mm_ops.h"
#include "fl_array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- profile helpers -------------------------------------------------- */

static uint64_t page_mask(const struct fl_mm *mm)
{
	return (1ULL << mm->page_shift) - 1;
}

static uint64_t npages(const struct fl_mm *mm, uint64_t bytes)
{
	return bytes >> mm->page_shift;
}

/* PAGE_ALIGN(len); false when it would wrap. */
static bool page_align(const struct fl_mm *mm, uint64_t len, uint64_t *out)
{
	uint64_t m = page_mask(mm);

	if (len > UINT64_MAX - m)
		return false;
	*out = (len + m) & ~m;
	return true;
}

/* A page-aligned, non-empty, non-wrapping [start, start + PAGE_ALIGN(len)). */
static bool user_range(const struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t *end)
{
	uint64_t alen;

	if ((start & page_mask(mm)) || !page_align(mm, len, &alen) || !alen ||
	    start > UINT64_MAX - alen)
		return false;
	*end = start + alen;
	return true;
}

static uint64_t map_locked_flag(const struct fl_mm *mm)
{
	return mm->arch == FL_MM_ARCH_PPC64 ? FL_MAP_LOCKED_PPC : FL_MAP_LOCKED_X86;
}

static uint64_t map_noreserve_flag(const struct fl_mm *mm)
{
	return mm->arch == FL_MM_ARCH_PPC64 ? FL_MAP_NORESERVE_PPC : FL_MAP_NORESERVE_X86;
}

/* calc_vm_prot_bits() without pkeys. */
static uint64_t prot_bits(uint64_t prot)
{
	uint64_t vm = 0;

	if (prot & FL_PROT_READ)
		vm |= FL_VM_READ;
	if (prot & FL_PROT_WRITE)
		vm |= FL_VM_WRITE;
	if (prot & FL_PROT_EXEC)
		vm |= FL_VM_EXEC;
	return vm;
}

/* vma_is_anonymous(): no vm_ops, which is no file and not special. */
static bool vma_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}

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
static void begin_call(struct fl_mm *mm, bool write)
{
	mm->nchanges = 0;
	mm->nranges = 0;
	if (write)
		mm->write_cycle++;
}

/* Room for a call touching about n VMAs, so that nothing fails halfway:
 * a call that cannot be applied whole is not applied at all. */
static int prepare(struct fl_mm *mm, size_t n)
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

/* How many VMAs [start, end) may touch, for prepare(). */
static size_t span_count(const struct fl_mm *mm, uint64_t start, uint64_t end)
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
static void note_write(struct fl_mm *mm, struct fl_vma *v)
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
		note_write(mm, v);
		c = change_of(mm, v);
		if (!c)
			return;
	}
	c->kind = c->kind == FL_MM_VMA_CREATED ? FL_MM_VMA__DROPPED : FL_MM_VMA_REMOVED;
	c->after = NULL;
}

static struct fl_mm_range *note_range(struct fl_mm *mm, enum fl_mm_range_kind kind,
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
	return rg;
}

static void end_call(struct fl_mm *mm)
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

	note_write(mm, v);
	n = fl_vma_new(&mm->vmas, v);	/* reserved by prepare() */
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
static bool unmap_range(struct fl_mm *mm, uint64_t start, uint64_t end)
{
	struct fl_vma_set *s = &mm->vmas;
	size_t i = fl_vma_find_idx(s, start), j;
	struct fl_vma *v = fl_vma_at(s, i);
	struct fl_mm_range *rg;

	if (!v || v->start >= end)
		return false;
	if (v->start < start) {
		split_at(mm, i, start, true);
		i++;
	}
	for (j = i; j < s->len && s->v[j]->start < end; j++)
		if (s->v[j]->end > end)
			split_at(mm, j, end, false);
	rg = note_range(mm, FL_MM_RANGE_UNMAP, start, end, 0);
	if (rg) {
		/* free_pgtables() stops at the neighbours (vms->unmap_start/end). */
		rg->floor = i ? s->v[i - 1]->end : 0;
		rg->ceiling = j < s->len ? s->v[j]->start : UINT64_MAX;
	}
	remove_slots(mm, i, j);
	return true;
}

/* The anon_vma a range brings to a merge (vmg->anon_vma), and whether the
 * VMA it comes from is a fork child (vma_is_fork_child(middle or
 * copied_from)). */
struct anon_src {
	bool has;
	uint64_t id;
	bool fork_child;
};

static struct anon_src anon_of(const struct fl_vma *v)
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

/* A range about to be mapped (vma_merge_struct for a new range). */
struct proposed {
	uint64_t start, end, flags, file_id, pgoff;
	enum fl_vma_kind kind;
	struct anon_src anon;
	bool extent_inferred;
	bool just_expand;	/* brk: VMG_FLAG_JUST_EXPAND, only prev may grow */
};

/* vma_merge_new_range() (6.12+; vma_merge() for a new range before): grow
 * prev and/or next over [start, end), which must be empty.  NULL if the
 * range merges with neither. */
static struct fl_vma *merge_new_range(struct fl_mm *mm, const struct proposed *p)
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
		note_write(mm, prev);
		if (right) {
			struct anon_src na = anon_of(next);

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
		note_write(mm, next);
		next->start = p->start;
		next->pgoff = p->pgoff;
		take_anon(next, &p->anon);
		absorb_kind(next, p->kind, p->extent_inferred);
		return next;
	}
	return NULL;
}

static struct fl_vma *insert_new(struct fl_mm *mm, const struct proposed *p)
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
	v = fl_vma_new(&mm->vmas, &t);	/* reserved by prepare() */
	if (!v)
		return NULL;
	insert_at(mm, fl_vma_find_idx(&mm->vmas, p->start), v);
	note_created(mm, v);
	return v;
}

/* Map an empty range: merge if the kernel would, else a new VMA. */
static struct fl_vma *map_range(struct fl_mm *mm, const struct proposed *p)
{
	struct fl_vma *v = merge_new_range(mm, p);

	return v ? v : insert_new(mm, p);
}

/* vma_modify() = vma_merge_existing_range() then split_vma(): give
 * [start, end) of the VMA at slot idx the flags nf.  Returns the VMA that
 * now covers [start, end). */
static struct fl_vma *modify_range(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
				   uint64_t nf)
{
	struct fl_vma_set *s = &mm->vmas;
	struct fl_vma *vma = s->v[idx];
	struct fl_vma *prev = idx ? s->v[idx - 1] : NULL, *next = fl_vma_at(s, idx + 1);
	bool left_side = start == vma->start, right_side = end == vma->end;
	uint64_t pgoff = vma->pgoff + npages(mm, start - vma->start);
	uint64_t pglen = npages(mm, end - start);
	struct anon_src src = anon_of(vma);
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
		struct anon_src na = anon_of(next);

		note_write(mm, vma);
		note_write(mm, prev);
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
		note_write(mm, vma);
		note_write(mm, prev);
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
		note_write(mm, vma);
		note_write(mm, next);
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
	note_write(mm, vma);
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
static void populate(struct fl_mm *mm, struct fl_vma *v, uint64_t start, uint64_t end)
{
	note_range(mm, FL_MM_RANGE_POPULATE, start, end, 0);
	if (v && (v->flags & (FL_VM_WRITE | FL_VM_SHARED)) == FL_VM_WRITE)
		fl_mm_anon_prepare(mm, v);
}

int fl_mm_expand_stack(struct fl_mm *mm, uint64_t addr, struct fl_vma **out)
{
	struct fl_vma_set *s = &mm->vmas;
	size_t i = fl_vma_find_idx(s, addr);
	struct fl_vma *v = fl_vma_at(s, i), *prev;
	uint64_t address, grow;
	int rc;

	if (out)
		*out = NULL;
	if (!v)
		return -EFAULT;
	if (v->start <= addr) {
		if (out)
			*out = v;
		return 0;
	}
	/* expand_downwards() */
	if (!(v->flags & FL_VM_GROWSDOWN))
		return -EFAULT;
	address = addr & ~page_mask(mm);
	if (address < mm->mmap_min_addr)
		return -EPERM;
	prev = i ? s->v[i - 1] : NULL;
	if (prev && !(prev->flags & FL_VM_GROWSDOWN) &&
	    address - prev->end < mm->stack_guard_gap) {
		/* The full gap below an accessible VMA; against a PROT_NONE
		 * one, at least one page ("mm: enforce a minimal stack gap
		 * even against inaccessible VMAs", 6.12, in stable). */
		if (prev->flags & FL_VM_ACCESS_FLAGS)
			return -ENOMEM;
		if (address == prev->end)
			return -ENOMEM;
	}
	grow = npages(mm, v->start - address);
	if (grow > v->pgoff)
		return -ENOMEM;
	/* acct_stack_growth(): RLIMIT_STACK bounds the whole VMA. */
	if (mm->stack_rlimit && v->end - address > mm->stack_rlimit)
		return -ENOMEM;

	/* The fault path takes mmap_lock for write (lock_mm_and_find_vma()):
	 * a write cycle of its own. */
	begin_call(mm, true);
	rc = prepare(mm, 1);
	if (rc)
		return rc;
	note_write(mm, v);
	fl_mm_anon_prepare(mm, v);	/* anon_vma_prepare() comes first */
	v->start = address;
	v->pgoff -= grow;
	end_call(mm);
	if (out)
		*out = v;
	return 0;
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

	begin_call(mm, true);
	rc = prepare(mm, span_count(mm, ret, end));
	if (rc)
		return rc;
	/* MAP_FIXED: whatever was there goes first (mmap_region() unmaps, or
	 * from 6.12 gathers, the old VMAs).  Without MAP_FIXED the kernel
	 * picked a free range, so finding something there means the model
	 * missed an unmap. */
	if (fl_vma_find_intersection(&mm->vmas, ret, end)) {
		if (!(flags & FL_MAP_FIXED) || (flags & FL_MAP_FIXED_NOREPLACE))
			mm->inconsistent++;
		unmap_range(mm, ret, end);
	}
	v = map_range(mm, &p);
	if ((flags & (FL_MAP_POPULATE | FL_MAP_NONBLOCK)) == FL_MAP_POPULATE ||
	    (p.flags & FL_VM_LOCKED))
		populate(mm, v, ret, end);
	end_call(mm);
	return 0;
}

int fl_mm_munmap(struct fl_mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end;
	int rc;

	if (!user_range(mm, start, len, &end))
		return -EINVAL;
	begin_call(mm, true);
	rc = prepare(mm, span_count(mm, start, end));
	if (rc)
		return rc;
	unmap_range(mm, start, end);
	end_call(mm);
	return 0;
}

/* ---- mprotect --------------------------------------------------------- */

/* mprotect_fixup() on [start, end) of the VMA at slot idx. */
static void mprotect_fixup(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
			   uint64_t newflags)
{
	struct fl_vma *vma = mm->vmas.v[idx];
	uint64_t old = vma->flags;

	if (newflags == old)
		return;		/* nothing to do: the VMA is not even locked */
	/* A private mapping turning writable is charged (VM_ACCOUNT) and stays
	 * charged when it turns read-only again, except (6.7+) an anonymous
	 * VMA that was never faulted. */
	if (newflags & FL_VM_WRITE) {
		if (!(old & (FL_VM_ACCOUNT | FL_VM_WRITE | FL_VM_HUGETLB | FL_VM_SHARED |
			     FL_VM_NORESERVE)))
			newflags |= FL_VM_ACCOUNT;
	} else if (mm->kver >= FL_MM_KVER(6, 7) && (old & FL_VM_ACCOUNT) && vma_anonymous(vma) &&
		   !vma->anon_vma) {
		newflags &= ~FL_VM_ACCOUNT;
	}
	vma = modify_range(mm, idx, start, end, newflags);
	note_range(mm, FL_MM_RANGE_PROTECT, start, end, 0);
	/* A private VM_LOCKED VMA turning writable is COWed at once. */
	if ((old & (FL_VM_WRITE | FL_VM_SHARED | FL_VM_LOCKED)) == FL_VM_LOCKED &&
	    (newflags & FL_VM_WRITE))
		populate(mm, vma, start, end);
}

/* do_mprotect_pkey().  strict: replay a call the kernel failed with
 * -ENOMEM, which stops at the first hole with what came before it applied;
 * otherwise the call succeeded, and holes are the model's fault. */
static int do_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot, bool strict)
{
	struct fl_vma_set *s = &mm->vmas;
	uint64_t grows = prot & (FL_PROT_GROWSDOWN | FL_PROT_GROWSUP), end, nstart;
	uint64_t bits;
	struct fl_vma *v;
	int err = 0, rc;

	prot &= ~grows;
	bits = prot_bits(prot);
	if (grows == (FL_PROT_GROWSDOWN | FL_PROT_GROWSUP))
		return -EINVAL;
	if (start & page_mask(mm))
		return -EINVAL;
	if (!len)
		return 0;
	if (!user_range(mm, start, len, &end))
		return -ENOMEM;

	begin_call(mm, true);
	rc = prepare(mm, span_count(mm, start, end));
	if (rc)
		return rc;
	v = fl_vma_find(s, start);
	if (!v || v->start >= end) {
		err = -ENOMEM;
		goto out;
	}
	nstart = start;
	if (grows & FL_PROT_GROWSDOWN) {
		/* PROT_GROWSDOWN extends the change down to the VMA start. */
		if (!(v->flags & FL_VM_GROWSDOWN)) {
			err = -EINVAL;
			goto out;
		}
		nstart = v->start;
	}
	while (nstart < end) {
		size_t idx = fl_vma_find_idx(s, nstart);
		uint64_t tmp, newflags;

		v = fl_vma_at(s, idx);
		if (!v || v->start >= end)
			break;
		if (v->start > nstart) {
			if (strict) {
				err = -ENOMEM;
				goto out;
			}
			mm->inconsistent++;
			nstart = v->start;
		}
		tmp = v->end < end ? v->end : end;
		newflags = bits | (v->flags & ~FL_VM_ACCESS_FLAGS);
		/* Each VM_MAY* bit guards its VM_* bit. */
		if ((newflags & ~(newflags >> 4)) & FL_VM_ACCESS_FLAGS) {
			if (strict) {
				err = -EACCES;
				goto out;
			}
			mm->inconsistent++;
		}
		mprotect_fixup(mm, idx, nstart, tmp, newflags);
		nstart = tmp;
	}
	if (nstart < end) {
		if (strict)
			err = -ENOMEM;
		else
			mm->inconsistent++;
	}
out:
	if (err && !strict)
		mm->inconsistent++;
	end_call(mm);
	return strict ? err : 0;
}

int fl_mm_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot)
{
	return do_mprotect(mm, start, len, prot, false);
}

/* ---- mremap ----------------------------------------------------------- */

/* vma_merge_extend(): the VMA ending at addr + old_len grows in place. */
static void expand_in_place(struct fl_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len)
{
	struct fl_vma *v = fl_vma_lookup(&mm->vmas, addr);
	struct proposed p;

	if (!v) {
		mm->inconsistent++;
		return;
	}
	if (v->end != addr + old_len)
		mm->inconsistent++;	/* resize_is_valid() wanted it at the end */
	if (v->end >= addr + new_len)
		return;
	if (fl_vma_find_intersection(&mm->vmas, v->end, addr + new_len)) {
		mm->inconsistent++;	/* vma_expandable() saw a free range */
		unmap_range(mm, v->end, addr + new_len);
	}
	memset(&p, 0, sizeof(p));
	p.start = v->end;
	p.end = addr + new_len;
	p.flags = v->flags;
	p.file_id = v->file_id;
	p.pgoff = v->pgoff + npages(mm, fl_vma_len(v));
	p.kind = v->kind;
	p.anon = anon_of(v);
	p.extent_inferred = v->extent_inferred;
	if (!merge_new_range(mm, &p)) {
		/* The kernel fails the call here (special mapping). */
		mm->inconsistent++;
		note_write(mm, v);
		v->end = addr + new_len;
		fl_vma_set_sync(&mm->vmas, fl_vma_index_of(&mm->vmas, v));
	}
	v = fl_vma_lookup(&mm->vmas, addr);
	if (v && (v->flags & FL_VM_LOCKED))
		populate(mm, v, addr + old_len, addr + new_len);
}

/* move_vma() via copy_vma(): the pages of [addr, addr + old_len) go to
 * dst, in a VMA of new_len that merges at dst when the kernel would. */
static void move_range(struct fl_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		       uint64_t flags, uint64_t dst)
{
	struct fl_vma *v, *nv;
	struct proposed p;

	/* mremap_to(): MREMAP_FIXED unmaps the target first; and a move that
	 * shrinks drops the old tail before moving. */
	if (fl_vma_find_intersection(&mm->vmas, dst, dst + new_len)) {
		if (!(flags & FL_MREMAP_FIXED))
			mm->inconsistent++;
		unmap_range(mm, dst, dst + new_len);
	}
	if (old_len > new_len) {
		unmap_range(mm, addr + new_len, addr + old_len);
		old_len = new_len;
	}
	v = fl_vma_lookup(&mm->vmas, addr);
	if (!v) {
		mm->inconsistent++;
		return;
	}
	if (addr + old_len > v->end) {
		mm->inconsistent++;	/* vma_to_resize(): the range is one VMA */
		old_len = v->end - addr;
	}
	memset(&p, 0, sizeof(p));
	p.start = dst;
	p.end = dst + new_len;
	p.flags = v->flags;
	p.file_id = v->file_id;
	p.pgoff = v->pgoff + npages(mm, addr - v->start);
	/* copy_vma(): an anonymous VMA never faulted takes the pgoff of its new
	 * address, to merge there; once faulted, pgoff follows the pages. */
	if (vma_anonymous(v) && !v->anon_vma)
		p.pgoff = npages(mm, dst);
	p.kind = v->kind;
	p.anon = anon_of(v);
	p.extent_inferred = v->extent_inferred;
	nv = map_range(mm, &p);
	if (old_len)
		note_range(mm, FL_MM_RANGE_MOVE, addr, addr + old_len, dst);

	if (flags & FL_MREMAP_DONTUNMAP) {
		/* The old VMA stays, empty, unlocked; whole, it drops its
		 * anon_vma (unlink_anon_vmas()). */
		v = fl_vma_lookup(&mm->vmas, addr);
		if (v) {
			note_write(mm, v);
			v->flags &= ~FL_VM_LOCKED_MASK;
			if (v != nv && v->start == addr && v->end == addr + old_len) {
				v->anon_vma = false;
				v->anon_vma_id = 0;
				v->anon_vma_fork_child = false;
			}
		}
	} else if (old_len) {
		unmap_range(mm, addr, addr + old_len);
	}
	nv = fl_vma_lookup(&mm->vmas, dst);
	if (nv && new_len > old_len && (nv->flags & FL_VM_LOCKED))
		populate(mm, nv, dst + old_len, dst + new_len);
}

int fl_mm_mremap(struct fl_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		 uint64_t flags, uint64_t ret)
{
	uint64_t olen, nlen, end;
	int rc;

	if ((addr & page_mask(mm)) || (ret & page_mask(mm)))
		return -EINVAL;
	if (flags & ~(FL_MREMAP_MAYMOVE | FL_MREMAP_FIXED | FL_MREMAP_DONTUNMAP))
		return -EINVAL;
	if (!page_align(mm, old_len, &olen) || !page_align(mm, new_len, &nlen) || !nlen ||
	    addr > UINT64_MAX - olen || ret > UINT64_MAX - nlen)
		return -EINVAL;
	/* A move cannot overlap itself, so with FIXED or DONTUNMAP the new
	 * address is never the old one. */
	if (ret == addr && (flags & (FL_MREMAP_FIXED | FL_MREMAP_DONTUNMAP)))
		return -EINVAL;

	begin_call(mm, true);
	end = addr + (olen > nlen ? olen : nlen);
	rc = prepare(mm, span_count(mm, addr, end) + span_count(mm, ret, ret + nlen));
	if (rc)
		return rc;
	if (ret == addr) {
		if (nlen < olen)
			unmap_range(mm, addr + nlen, addr + olen);	/* shrink */
		else if (nlen > olen)
			expand_in_place(mm, addr, olen, nlen);
	} else {
		move_range(mm, addr, olen, nlen, flags, ret);
	}
	end_call(mm);
	return 0;
}

/* ---- brk -------------------------------------------------------------- */

static struct fl_vma *find_heap(const struct fl_mm *mm)
{
	for (size_t i = 0; i < mm->vmas.len; i++)
		if (mm->vmas.v[i]->kind == FL_VMA_HEAP)
			return mm->vmas.v[i];
	return NULL;
}

void fl_mm_set_brk(struct fl_mm *mm, uint64_t start_brk, uint64_t brk)
{
	mm->start_brk = start_brk;
	mm->brk = brk;
	mm->brk_known = true;
}

int fl_mm_brk(struct fl_mm *mm, uint64_t requested, uint64_t ret)
{
	uint64_t newbrk, oldbrk;
	struct fl_vma *brkvma, *v;
	struct proposed p;
	size_t i;
	int rc;

	if (!mm->brk_known) {
		struct fl_vma *heap = find_heap(mm);

		if (requested == 0 || ret != requested) {
			/* brk(0), or a failure: either way ret is the break. */
			fl_mm_set_brk(mm, mm->start_brk ? mm->start_brk : heap ? heap->start : ret, ret);
			return 0;
		}
		if (!heap) {
			/* Grown from where?  Start the bookkeeping here. */
			mm->inconsistent++;
			fl_mm_set_brk(mm, ret, ret);
			return 0;
		}
		fl_mm_set_brk(mm, heap->start, heap->end);
	}
	if (ret != requested) {
		/* brk() failed and returned the old break. */
		mm->brk = ret;
		return 0;
	}
	if (!page_align(mm, requested, &newbrk) || !page_align(mm, mm->brk, &oldbrk))
		return -EINVAL;

	begin_call(mm, true);
	rc = prepare(mm, span_count(mm, oldbrk < newbrk ? oldbrk : newbrk,
				    oldbrk < newbrk ? newbrk : oldbrk));
	if (rc)
		return rc;
	if (newbrk == oldbrk)
		goto set_brk;
	if (requested <= mm->brk) {
		/* "Always allow shrinking brk": do_vmi_align_munmap(). */
		unmap_range(mm, newbrk, oldbrk);
		goto set_brk;
	}
	if (fl_vma_find_intersection(&mm->vmas, oldbrk, newbrk)) {
		mm->inconsistent++;	/* brk() checked the range was free */
		unmap_range(mm, oldbrk, newbrk);
	}
	/* do_brk_flags(): grow the VMA ending at oldbrk, if it lies above
	 * start_brk (vma_prev_limit()) and is compatible; else a new one. */
	memset(&p, 0, sizeof(p));
	p.start = oldbrk;
	p.end = newbrk;
	p.flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC |
		  FL_VM_ACCOUNT | mm->def_flags;	/* VM_DATA_DEFAULT_FLAGS */
	p.pgoff = npages(mm, oldbrk);
	p.kind = FL_VMA_HEAP;
	p.just_expand = true;
	i = fl_vma_find_idx(&mm->vmas, oldbrk);
	brkvma = i ? mm->vmas.v[i - 1] : NULL;
	v = NULL;
	if (brkvma && brkvma->end == oldbrk && brkvma->end > mm->start_brk)
		v = merge_new_range(mm, &p);
	if (!v)
		v = insert_new(mm, &p);
	if (mm->def_flags & FL_VM_LOCKED)
		populate(mm, v, oldbrk, newbrk);
set_brk:
	mm->brk = requested;
	end_call(mm);
	return 0;
}

/* ---- madvise ---------------------------------------------------------- */

enum fl_mm_lock_mode fl_mm_madvise_lock_mode(int advice, int kver)
{
	switch (advice) {
	case FL_MADV_HWPOISON:
	case FL_MADV_SOFT_OFFLINE:
		return FL_MM_LOCK_NONE;		/* is_memory_failure() */
	case FL_MADV_REMOVE:
	case FL_MADV_WILLNEED:
	case FL_MADV_COLD:
	case FL_MADV_PAGEOUT:
	case FL_MADV_POPULATE_READ:
	case FL_MADV_POPULATE_WRITE:
	case FL_MADV_COLLAPSE:
		return FL_MM_LOCK_MMAP_READ;
	case FL_MADV_GUARD_INSTALL:
	case FL_MADV_GUARD_REMOVE:
		/* Guard regions came in 6.13; before, the advice is invalid. */
		return kver >= FL_MM_KVER(6, 13) ? FL_MM_LOCK_MMAP_READ : FL_MM_LOCK_NONE;
	case FL_MADV_DONTNEED:
	case FL_MADV_DONTNEED_LOCKED:
	case FL_MADV_FREE:
		/* get_lock_mode(): MADVISE_VMA_READ_LOCK from 6.17. */
		return kver >= FL_MM_KVER(6, 17) ? FL_MM_LOCK_VMA_READ : FL_MM_LOCK_MMAP_READ;
	case FL_MADV_NORMAL:
	case FL_MADV_RANDOM:
	case FL_MADV_SEQUENTIAL:
	case FL_MADV_DONTFORK:
	case FL_MADV_DOFORK:
	case FL_MADV_MERGEABLE:
	case FL_MADV_UNMERGEABLE:
	case FL_MADV_HUGEPAGE:
	case FL_MADV_NOHUGEPAGE:
	case FL_MADV_DONTDUMP:
	case FL_MADV_DODUMP:
	case FL_MADV_WIPEONFORK:
	case FL_MADV_KEEPONFORK:
		/* They change vm_flags: "be safe, default to 1". */
		return FL_MM_LOCK_MMAP_WRITE;
	default:
		return FL_MM_LOCK_NONE;		/* madvise_behavior_valid() */
	}
}

bool fl_mm_madvise_need_mmap_write(int advice, int kver)
{
	return fl_mm_madvise_lock_mode(advice, kver) == FL_MM_LOCK_MMAP_WRITE;
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
		return FL_MM_LOCK_MMAP_WRITE;
	case FL_MM__COUNT:
		break;
	}
	return FL_MM_LOCK_NONE;
}

/* vma_ksm_compatible() */
static bool ksm_compatible(const struct fl_vma *v)
{
	return !(v->flags & (FL_VM_SHARED | FL_VM_MAYSHARE | FL_VM_PFNMAP | FL_VM_IO |
			     FL_VM_DONTEXPAND | FL_VM_HUGETLB | FL_VM_MIXEDMAP));
}

/* madvise_vma_behavior() for the advice that rewrites vm_flags. */
static int madvise_flags(int advice, const struct fl_vma *v, uint64_t *nf)
{
	uint64_t f = v->flags;

	switch (advice) {
	case FL_MADV_NORMAL:
		f &= ~(FL_VM_SEQ_READ | FL_VM_RAND_READ);
		break;
	case FL_MADV_SEQUENTIAL:
		f = (f & ~FL_VM_RAND_READ) | FL_VM_SEQ_READ;
		break;
	case FL_MADV_RANDOM:
		f = (f & ~FL_VM_SEQ_READ) | FL_VM_RAND_READ;
		break;
	case FL_MADV_DONTFORK:
		f |= FL_VM_DONTCOPY;
		break;
	case FL_MADV_DOFORK:
		if (f & FL_VM_IO)
			return -EINVAL;
		f &= ~FL_VM_DONTCOPY;
		break;
	case FL_MADV_WIPEONFORK:
		/* MADV_WIPEONFORK is only supported on anonymous memory. */
		if (v->file_id || (f & FL_VM_SHARED))
			return -EINVAL;
		f |= FL_VM_WIPEONFORK;
		break;
	case FL_MADV_KEEPONFORK:
		f &= ~FL_VM_WIPEONFORK;
		break;
	case FL_MADV_DONTDUMP:
		f |= FL_VM_DONTDUMP;
		break;
	case FL_MADV_DODUMP:
		if (!(f & FL_VM_HUGETLB) && (f & FL_VM_SPECIAL))
			return -EINVAL;
		f &= ~FL_VM_DONTDUMP;
		break;
	case FL_MADV_MERGEABLE:
		/* ksm_madvise(): incompatible VMAs are left alone, no error. */
		if (ksm_compatible(v))
			f |= FL_VM_MERGEABLE;
		break;
	case FL_MADV_UNMERGEABLE:
		f &= ~FL_VM_MERGEABLE;
		break;
	case FL_MADV_HUGEPAGE:
		/* hugepage_madvise() */
		f = (f & ~FL_VM_NOHUGEPAGE) | FL_VM_HUGEPAGE;
		break;
	case FL_MADV_NOHUGEPAGE:
		f = (f & ~FL_VM_HUGEPAGE) | FL_VM_NOHUGEPAGE;
		break;
	default:
		return -EINVAL;
	}
	*nf = f;
	return 0;
}

/* One VMA's part [start, end) of a madvise call. */
static int madvise_one(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end, int advice)
{
	struct fl_vma *v = mm->vmas.v[idx];
	uint64_t nf;
	int rc;

	switch (fl_mm_madvise_lock_mode(advice, mm->kver)) {
	case FL_MM_LOCK_MMAP_WRITE:
		/* madvise_update_vma(): unchanged flags touch nothing. */
		rc = madvise_flags(advice, v, &nf);
		if (rc)
			return rc;
		if (nf != v->flags)
			modify_range(mm, idx, start, end, nf);
		return 0;
	case FL_MM_LOCK_NONE:
		return 0;
	case FL_MM_LOCK_MMAP_READ:
	case FL_MM_LOCK_VMA_READ:
		break;
	}
	switch (advice) {
	case FL_MADV_DONTNEED:
	case FL_MADV_DONTNEED_LOCKED:
		/* madvise_dontneed_single_vma(): zap, keep the VMA. */
		note_range(mm, FL_MM_RANGE_ZAP, start, end, 0);
		break;
	case FL_MADV_FREE:
		if (!vma_anonymous(v))
			return -EINVAL;
		note_range(mm, FL_MM_RANGE_LAZYFREE, start, end, 0);
		break;
	case FL_MADV_REMOVE:
		/* Punch a hole in the shared file behind the mapping. */
		if ((v->flags & (FL_VM_SHARED | FL_VM_WRITE)) != (FL_VM_SHARED | FL_VM_WRITE))
			return -EACCES;
		note_range(mm, FL_MM_RANGE_ZAP, start, end, 0);
		break;
	case FL_MADV_POPULATE_READ:
		note_range(mm, FL_MM_RANGE_POPULATE, start, end, 0);
		break;
	case FL_MADV_POPULATE_WRITE:
		/* Write faults: private mappings get anonymous pages. */
		populate(mm, v, start, end);
		break;
	case FL_MADV_GUARD_INSTALL:
		/* madvise_guard_install(): anon_vma_prepare(), then zap and
		 * install guard markers. */
		if (vma_anonymous(v))
			fl_mm_anon_prepare(mm, v);
		note_range(mm, FL_MM_RANGE_ZAP, start, end, 0);
		break;
	default:
		break;		/* WILLNEED, COLD, PAGEOUT, COLLAPSE, GUARD_REMOVE */
	}
	return 0;
}

/* do_madvise() + madvise_walk_vmas(): holes are skipped and reported as
 * -ENOMEM at the end, after every mapped part was advised. */
static int do_madvise(struct fl_mm *mm, uint64_t start, uint64_t len_in, int advice, bool strict)
{
	enum fl_mm_lock_mode mode = fl_mm_madvise_lock_mode(advice, mm->kver);
	struct fl_vma_set *s = &mm->vmas;
	uint64_t len, end, cur;
	bool unmapped = false;
	int err = 0, rc;

	if (advice == FL_MADV_HWPOISON || advice == FL_MADV_SOFT_OFFLINE)
		return 0;	/* pages, not VMAs */
	if (mode == FL_MM_LOCK_NONE)
		return -EINVAL;
	if ((start & page_mask(mm)) || !page_align(mm, len_in, &len) || (len_in && !len) ||
	    start > UINT64_MAX - len)
		return -EINVAL;
	end = start + len;
	if (end == start)
		return 0;

	begin_call(mm, mode == FL_MM_LOCK_MMAP_WRITE);
	rc = prepare(mm, span_count(mm, start, end));
	if (rc)
		return rc;
	for (cur = start; cur < end;) {
		size_t idx = fl_vma_find_idx(s, cur);
		struct fl_vma *v = fl_vma_at(s, idx);
		uint64_t tmp;

		if (!v || v->start >= end) {
			unmapped = true;
			break;
		}
		if (v->start > cur) {
			unmapped = true;
			cur = v->start;
		}
		tmp = v->end < end ? v->end : end;
		rc = madvise_one(mm, idx, cur, tmp, advice);
		if (rc) {
			if (strict) {
				err = rc;
				break;
			}
			mm->inconsistent++;
		}
		cur = tmp;
	}
	if (unmapped && !strict)
		mm->inconsistent++;
	end_call(mm);
	if (!strict)
		return 0;
	return err ? err : unmapped ? -ENOMEM : 0;
}

int fl_mm_madvise(struct fl_mm *mm, uint64_t start, uint64_t len, int advice)
{
	return do_madvise(mm, start, len, advice, false);
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
				do_mprotect(mm, a[0], a[1], a[2], true);
				return 0;
			}
			if (call->kind == FL_MM_MADVISE) {
				do_madvise(mm, a[0], a[1], (int)(int32_t)a[2], true);
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
	case FL_MM__COUNT:
		break;
	}
	return -EINVAL;
}
