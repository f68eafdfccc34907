/* mm_ops, the calls that change the attributes of VMAs in place: mprotect()
 * (mm/mprotect.c) and madvise() (mm/madvise.c), with the lock mode each
 * advice takes.  See mm_ops.h. */
#include "mm_ops_int.h"

#include <errno.h>

/* ---- mprotect --------------------------------------------------------- */

/* mprotect_fixup() on [start, end) of the VMA at slot idx. */
static struct fl_vma *mprotect_fixup(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
				     uint64_t newflags)
{
	struct fl_vma *vma = mm->vmas.v[idx];
	uint64_t old = vma->flags;

	if (newflags == old)
		return NULL;	/* nothing to do: the VMA is not even locked */
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
	vma = mm_modify_range(mm, idx, start, end, newflags);
	mm_note_range(mm, FL_MM_RANGE_PROTECT, start, end, 0);
	/* A private VM_LOCKED VMA turning writable is COWed at once. */
	if ((old & (FL_VM_WRITE | FL_VM_SHARED | FL_VM_LOCKED)) == FL_VM_LOCKED &&
	    (newflags & FL_VM_WRITE))
		mm_populate(mm, vma, start, end);
	return vma;
}

/* A mapping known only by its start (perf MMAP2) that a successful call
 * covers reaches at least to the call's end, up to the next VMA. */
static void reach_call_end(struct fl_mm *mm, size_t idx, uint64_t end)
{
	struct fl_vma *v = mm->vmas.v[idx], *next = fl_vma_at(&mm->vmas, idx + 1);

	v->end = next && next->start < end ? next->start : end;
	fl_vma_set_sync(&mm->vmas, idx);
}

/* mprotect_fixup() on the end of a mapping known only by its start: the
 * kernel split the VMA at the call's end, so the changed part ends there
 * for certain, and what lies beyond (if anything) is the rest of the old
 * mapping, kept as a tail (mm_tails.c). */
static int fixup_inferred_end(struct fl_mm *mm, size_t idx, uint64_t start, uint64_t end,
			      uint64_t newflags)
{
	struct fl_vma tail = *mm->vmas.v[idx], *v;

	tail.pgoff += npages(mm, end - tail.start);
	tail.start = tail.end = end;
	v = mprotect_fixup(mm, idx, start, end, newflags);
	if (!v)
		return 0;
	if (v->end == end)
		v->extent_inferred = false;
	return mm_add_tail(mm, &tail);
}

/* do_mprotect_pkey().  pkey: pkey_mprotect()'s key, -1 for mprotect(),
 * which keeps each VMA's (arch_override_mprotect_pkey(); x86's
 * execute-only key for PROT_EXEC alone is not modelled).  strict: replay
 * a call the kernel failed with -ENOMEM, which stops at the first hole
 * with what came before it applied; otherwise the call succeeded, and
 * holes are the model's fault. */
int mm_do_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot, int64_t pkey,
		   bool strict)
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

	mm_begin_call(mm, true);
	rc = mm_prepare(mm, mm_span_count(mm, start, end));
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
		if (!strict && v->extent_inferred && v->end < end)
			reach_call_end(mm, idx, end);
		tmp = v->end < end ? v->end : end;
		/* calc_vm_prot_bits(prot, new_vma_pkey), and the rest of the
		 * VMA's flags but VM_ACCESS_FLAGS | VM_FLAGS_CLEAR (the key). */
		newflags = bits | (v->flags & ~(FL_VM_ACCESS_FLAGS | FL_VM_PKEY_MASK)) |
			   (pkey < 0 ? v->flags & FL_VM_PKEY_MASK
				     : ((uint64_t)pkey << FL_VM_PKEY_SHIFT) & FL_VM_PKEY_MASK);
		/* Each VM_MAY* bit guards its VM_* bit. */
		if ((newflags & ~(newflags >> 4)) & FL_VM_ACCESS_FLAGS) {
			if (strict) {
				err = -EACCES;
				goto out;
			}
			mm->inconsistent++;
		}
		if (v->extent_inferred && tmp == end && tmp == v->end) {
			if ((rc = fixup_inferred_end(mm, idx, nstart, tmp, newflags)) < 0) {
				mm_end_call(mm);
				return rc;
			}
		} else {
			mprotect_fixup(mm, idx, nstart, tmp, newflags);
		}
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
	mm_end_call(mm);
	return strict ? err : 0;
}

int fl_mm_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot)
{
	return mm_do_mprotect(mm, start, len, prot, -1, false);
}

int fl_mm_pkey_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot, int64_t pkey)
{
	/* do_mprotect_pkey(): a key this mm did not pkey_alloc() is -EINVAL;
	 * a successful call's key is a real one. */
	if (pkey < -1 || pkey > (int64_t)(FL_VM_PKEY_MASK >> FL_VM_PKEY_SHIFT))
		return -EINVAL;
	return mm_do_mprotect(mm, start, len, prot, pkey, false);
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
			mm_modify_range(mm, idx, start, end, nf);
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
		mm_note_range(mm, FL_MM_RANGE_ZAP, start, end, 0);
		break;
	case FL_MADV_FREE:
		if (!vma_anonymous(v))
			return -EINVAL;
		mm_note_range(mm, FL_MM_RANGE_LAZYFREE, start, end, 0);
		break;
	case FL_MADV_REMOVE:
		/* Punch a hole in the shared file behind the mapping. */
		if ((v->flags & (FL_VM_SHARED | FL_VM_WRITE)) != (FL_VM_SHARED | FL_VM_WRITE))
			return -EACCES;
		mm_note_range(mm, FL_MM_RANGE_ZAP, start, end, 0);
		break;
	case FL_MADV_POPULATE_READ:
		mm_note_range(mm, FL_MM_RANGE_POPULATE, start, end, 0);
		break;
	case FL_MADV_POPULATE_WRITE:
		/* Write faults: private mappings get anonymous pages. */
		mm_populate(mm, v, start, end);
		break;
	case FL_MADV_GUARD_INSTALL:
		/* madvise_guard_install(): anon_vma_prepare(), then zap and
		 * install guard markers. */
		if (vma_anonymous(v))
			fl_mm_anon_prepare(mm, v);
		mm_note_range(mm, FL_MM_RANGE_ZAP, start, end, 0);
		break;
	default:
		break;		/* WILLNEED, COLD, PAGEOUT, COLLAPSE, GUARD_REMOVE */
	}
	return 0;
}

/* mm_do_madvise() + madvise_walk_vmas(): holes are skipped and reported as
 * -ENOMEM at the end, after every mapped part was advised. */
int mm_do_madvise(struct fl_mm *mm, uint64_t start, uint64_t len_in, int advice, bool strict)
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

	mm_begin_call(mm, mode == FL_MM_LOCK_MMAP_WRITE);
	rc = mm_prepare(mm, mm_span_count(mm, start, end));
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
	mm_end_call(mm);
	if (!strict)
		return 0;
	return err ? err : unmapped ? -ENOMEM : 0;
}

int fl_mm_madvise(struct fl_mm *mm, uint64_t start, uint64_t len, int advice)
{
	return mm_do_madvise(mm, start, len, advice, false);
}
