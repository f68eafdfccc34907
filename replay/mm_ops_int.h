/* mm_ops' own helpers, shared by mm_ops.c, mm_attrs.c and mm_resize.c and
 * included by them alone: the public interface is mm_ops.h. */
#ifndef FL_MM_OPS_INT_H
#define FL_MM_OPS_INT_H

#include "mm_ops.h"

/* ---- profile helpers -------------------------------------------------- */

static inline uint64_t page_mask(const struct fl_mm *mm)
{
	return (1ULL << mm->page_shift) - 1;
}

static inline uint64_t npages(const struct fl_mm *mm, uint64_t bytes)
{
	return bytes >> mm->page_shift;
}

/* PAGE_ALIGN(len); false when it would wrap. */
static inline bool page_align(const struct fl_mm *mm, uint64_t len, uint64_t *out)
{
	uint64_t m = page_mask(mm);

	if (len > UINT64_MAX - m)
		return false;
	*out = (len + m) & ~m;
	return true;
}

/* A page-aligned, non-empty, non-wrapping [start, start + PAGE_ALIGN(len)). */
static inline bool user_range(const struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t *end)
{
	uint64_t alen;

	if ((start & page_mask(mm)) || !page_align(mm, len, &alen) || !alen ||
	    start > UINT64_MAX - alen)
		return false;
	*end = start + alen;
	return true;
}

static inline uint64_t map_locked_flag(const struct fl_mm *mm)
{
	return mm->arch == FL_MM_ARCH_PPC64 ? FL_MAP_LOCKED_PPC : FL_MAP_LOCKED_X86;
}

static inline uint64_t map_noreserve_flag(const struct fl_mm *mm)
{
	return mm->arch == FL_MM_ARCH_PPC64 ? FL_MAP_NORESERVE_PPC : FL_MAP_NORESERVE_X86;
}

/* calc_vm_prot_bits() without pkeys. */
static inline uint64_t prot_bits(uint64_t prot)
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
static inline bool vma_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}

/* The anon_vma a range brings to a merge (vmg->anon_vma), and whether the
 * VMA it comes from is a fork child (vma_is_fork_child(middle or
 * copied_from)). */
struct anon_src {
	bool has;
	uint64_t id;
	bool fork_child;
};

/* A range about to be mapped (vma_merge_struct for a new range). */
struct proposed {
	uint64_t start, end, flags, file_id, pgoff;
	enum fl_vma_kind kind;
	struct anon_src anon;
	bool extent_inferred;
	bool just_expand;	/* brk: VMG_FLAG_JUST_EXPAND, only prev may grow */
};

/* mm_ops.c */
void mm_begin_call(struct fl_mm *mm, bool write);
int mm_prepare(struct fl_mm *mm, size_t n);
size_t mm_span_count(const struct fl_mm *mm, uint64_t start, uint64_t end);
void mm_note_write(struct fl_mm *mm, struct fl_vma *v);
struct fl_mm_range *mm_note_range(struct fl_mm *mm, enum fl_mm_range_kind kind,
				  uint64_t start, uint64_t end, uint64_t dst);
void mm_end_call(struct fl_mm *mm);
bool mm_unmap_range(struct fl_mm *mm, uint64_t start, uint64_t end);
struct anon_src mm_anon_of(const struct fl_vma *v);
struct fl_vma *mm_merge_new_range(struct fl_mm *mm, const struct proposed *p);
struct fl_vma *mm_insert_new(struct fl_mm *mm, const struct proposed *p);
struct fl_vma *mm_map_range(struct fl_mm *mm, const struct proposed *p);
struct fl_vma *mm_modify_range(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
			       uint64_t nf);
void mm_populate(struct fl_mm *mm, struct fl_vma *v, uint64_t start, uint64_t end);

/* mm_tails.c */
int mm_add_tail(struct fl_mm *mm, const struct fl_vma *tmpl);
void mm_drop_tails(struct fl_mm *mm, uint64_t start, uint64_t end);

/* mm_attrs.c */
int mm_do_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot, int64_t pkey,
		   bool strict);
int mm_do_madvise(struct fl_mm *mm, uint64_t start, uint64_t len_in, int advice, bool strict);

#endif
