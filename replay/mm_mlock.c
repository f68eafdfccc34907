/* mm_ops, the mlock family (mm/mlock.c): mlock(), mlock2(), munlock(),
 * mlockall() and munlockall().  Each takes mmap_lock for write, and
 * mlock_fixup() gives every VMA of its range whose VM_LOCKED or
 * VM_LOCKONFAULT changes the new flags through vma_modify_flags(): a split
 * or a merge, and vma_start_write().  A VMA whose flags stay the same is
 * not touched, so not write-locked.  mlock() and mlockall(MCL_CURRENT)
 * then fault the range in (__mm_populate(), under the read lock), but for
 * VM_LOCKONFAULT.  See mm_ops.h. */
#include "mm_ops_int.h"

#include <errno.h>

/* include/uapi/asm-generic/mman-common.h and mman.h (x86_64 and powerpc:
 * powerpc has its own MCL_* values). */
#define MLOCK_ONFAULT 0x01
#define MCL_CURRENT_X86 1
#define MCL_FUTURE_X86 2
#define MCL_ONFAULT_X86 4
#define MCL_CURRENT_PPC 0x2000
#define MCL_FUTURE_PPC 0x4000
#define MCL_ONFAULT_PPC 0x8000

struct mcl {
	uint64_t current, future, onfault;
};

static struct mcl mcl_bits(const struct fl_mm *mm)
{
	if (mm->arch == FL_MM_ARCH_PPC64)
		return (struct mcl){ MCL_CURRENT_PPC, MCL_FUTURE_PPC, MCL_ONFAULT_PPC };
	return (struct mcl){ MCL_CURRENT_X86, MCL_FUTURE_X86, MCL_ONFAULT_X86 };
}

/* mlock_fixup() on [start, end) of the VMA at slot idx.  It leaves alone,
 * unlocked, a VMA whose flags do not change, a VM_SPECIAL one and a
 * hugetlb one (and the gate VMA, DAX and secretmem, which the model does
 * not have). */
static void mlock_fixup(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
			uint64_t newflags)
{
	const struct fl_vma *v = mm->vmas.v[idx];

	if (newflags == v->flags || (v->flags & (FL_VM_SPECIAL | FL_VM_HUGETLB)))
		return;
	mm_modify_range(mm, idx, start, end, newflags);
}

/* populate_vma_page_range() for [start, end) after the call, as
 * __mm_populate() walks it: not VM_IO or VM_PFNMAP VMAs, not
 * PROT_NONE ones, and not VM_LOCKONFAULT ones. */
static void populate(struct fl_mm *mm, uint64_t start, uint64_t end)
{
	struct fl_vma_set *s = &mm->vmas;

	for (size_t idx = fl_vma_find_idx(s, start); idx < s->len; idx++) {
		struct fl_vma *v = s->v[idx];

		if (v->start >= end)
			break;
		if (v->end <= start || (v->flags & (FL_VM_IO | FL_VM_PFNMAP | FL_VM_LOCKONFAULT)) ||
		    !(v->flags & FL_VM_ACCESS_FLAGS))
			continue;
		mm_populate(mm, v, v->start > start ? v->start : start, v->end < end ? v->end : end);
	}
}

/* do_mlock() and munlock(): apply_vma_lock_flags() on
 * [start & PAGE_MASK, PAGE_ALIGN(start + len)), for a call that succeeded:
 * a hole in the range is the model's fault.  (A failed call is not
 * replayed, even with partial_failures: its -ENOMEM is also
 * RLIMIT_MEMLOCK's, which changes nothing.) */
static int do_mlock(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t flags)
{
	struct fl_vma_set *s = &mm->vmas;
	uint64_t off = start & page_mask(mm), end, alen, nstart;
	int rc;

	if (len > UINT64_MAX - off || !page_align(mm, len + off, &alen))
		return -EINVAL;
	start -= off;
	if (start > UINT64_MAX - alen)
		return -EINVAL;
	end = start + alen;
	if (end == start)
		return 0;

	mm_begin_call(mm, true);
	rc = mm_prepare(mm, mm_span_count(mm, start, end));
	if (rc)
		return rc;
	for (nstart = start; nstart < end;) {
		size_t idx = fl_vma_find_idx(s, nstart);
		struct fl_vma *v = fl_vma_at(s, idx);
		uint64_t tmp;

		if (!v || v->start >= end)
			break;
		if (v->start > nstart) {
			mm->inconsistent++;
			nstart = v->start;
		}
		tmp = v->end < end ? v->end : end;
		mlock_fixup(mm, idx, nstart, tmp, (v->flags & ~FL_VM_LOCKED_MASK) | flags);
		nstart = tmp;
	}
	if (nstart < end)
		mm->inconsistent++;
	if (flags & FL_VM_LOCKED)
		populate(mm, start, end);
	mm_end_call(mm);
	return 0;
}

int fl_mm_mlock(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t mlock2_flags)
{
	uint64_t vm = FL_VM_LOCKED;

	if (mlock2_flags & ~(uint64_t)MLOCK_ONFAULT)
		return -EINVAL;
	if (mlock2_flags & MLOCK_ONFAULT)
		vm |= FL_VM_LOCKONFAULT;
	return do_mlock(mm, start, len, vm);
}

int fl_mm_munlock(struct fl_mm *mm, uint64_t start, uint64_t len)
{
	return do_mlock(mm, start, len, 0);
}

/* mlockall() (flags != 0) and munlockall() (flags 0):
 * apply_mlockall_flags().  MCL_FUTURE sets mm->def_flags, which every
 * later mapping takes; MCL_CURRENT, or munlockall(), changes every VMA. */
int fl_mm_mlockall(struct fl_mm *mm, uint64_t flags)
{
	struct mcl b = mcl_bits(mm);
	uint64_t to_add = 0;
	int rc;

	if (flags && ((flags & ~(b.current | b.future | b.onfault)) || flags == b.onfault))
		return -EINVAL;
	mm_begin_call(mm, true);
	rc = mm_prepare(mm, mm->vmas.len + 2);
	if (rc)
		return rc;
	mm->def_flags &= ~FL_VM_LOCKED_MASK;
	if (flags & b.future) {
		mm->def_flags |= FL_VM_LOCKED;
		if (flags & b.onfault)
			mm->def_flags |= FL_VM_LOCKONFAULT;
	}
	if (!(flags & b.future) || (flags & b.current)) {
		if (flags & b.current) {
			to_add |= FL_VM_LOCKED;
			if (flags & b.onfault)
				to_add |= FL_VM_LOCKONFAULT;
		}
		/* mlock_fixup() may merge a VMA into the one before it, so
		 * the walk goes by address, not by slot. */
		for (uint64_t at = 0;;) {
			size_t idx = fl_vma_find_idx(&mm->vmas, at);
			struct fl_vma *v = fl_vma_at(&mm->vmas, idx);

			if (!v)
				break;
			at = v->end;
			mlock_fixup(mm, idx, v->start, v->end, (v->flags & ~FL_VM_LOCKED_MASK) | to_add);
		}
		if (flags & b.current)
			populate(mm, 0, UINT64_MAX);
	}
	mm_end_call(mm);
	return 0;
}
