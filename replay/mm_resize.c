/* mm_ops, the calls and faults that move or resize VMAs: mremap()
 * (mm/mremap.c), brk() (mm/mmap.c) and stack growth (expand_stack()).  See
 * mm_ops.h. */
#include "mm_ops_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	mm_begin_call(mm, true);
	rc = mm_prepare(mm, 1);
	if (rc)
		return rc;
	mm_note_write(mm, v);
	fl_mm_anon_prepare(mm, v);	/* anon_vma_prepare() comes first */
	v->start = address;
	v->pgoff -= grow;
	mm_end_call(mm);
	if (out)
		*out = v;
	return 0;
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
		mm_unmap_range(mm, v->end, addr + new_len);
	}
	memset(&p, 0, sizeof(p));
	p.start = v->end;
	p.end = addr + new_len;
	p.flags = v->flags;
	p.file_id = v->file_id;
	p.pgoff = v->pgoff + npages(mm, fl_vma_len(v));
	p.kind = v->kind;
	p.anon = mm_anon_of(v);
	p.extent_inferred = v->extent_inferred;
	if (!mm_merge_new_range(mm, &p)) {
		/* The kernel fails the call here (special mapping). */
		mm->inconsistent++;
		mm_note_write(mm, v);
		v->end = addr + new_len;
		fl_vma_set_sync(&mm->vmas, fl_vma_index_of(&mm->vmas, v));
	}
	v = fl_vma_lookup(&mm->vmas, addr);
	if (v && (v->flags & FL_VM_LOCKED))
		mm_populate(mm, v, addr + old_len, addr + new_len);
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
		mm_unmap_range(mm, dst, dst + new_len);
	}
	if (old_len > new_len) {
		mm_unmap_range(mm, addr + new_len, addr + old_len);
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
	p.anon = mm_anon_of(v);
	p.extent_inferred = v->extent_inferred;
	nv = mm_map_range(mm, &p);
	if (old_len)
		mm_note_range(mm, FL_MM_RANGE_MOVE, addr, addr + old_len, dst);

	if (flags & FL_MREMAP_DONTUNMAP) {
		/* The old VMA stays, empty, unlocked; whole, it drops its
		 * anon_vma (unlink_anon_vmas()). */
		v = fl_vma_lookup(&mm->vmas, addr);
		if (v) {
			mm_note_write(mm, v);
			v->flags &= ~FL_VM_LOCKED_MASK;
			if (v != nv && v->start == addr && v->end == addr + old_len) {
				v->anon_vma = false;
				v->anon_vma_id = 0;
				v->anon_vma_fork_child = false;
			}
		}
	} else if (old_len) {
		mm_unmap_range(mm, addr, addr + old_len);
	}
	nv = fl_vma_lookup(&mm->vmas, dst);
	if (nv && new_len > old_len && (nv->flags & FL_VM_LOCKED))
		mm_populate(mm, nv, dst + old_len, dst + new_len);
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

	mm_begin_call(mm, true);
	end = addr + (olen > nlen ? olen : nlen);
	rc = mm_prepare(mm, mm_span_count(mm, addr, end) + mm_span_count(mm, ret, ret + nlen));
	if (rc)
		return rc;
	if (ret == addr) {
		if (nlen < olen)
			mm_unmap_range(mm, addr + nlen, addr + olen);	/* shrink */
		else if (nlen > olen)
			expand_in_place(mm, addr, olen, nlen);
	} else {
		move_range(mm, addr, olen, nlen, flags, ret);
	}
	mm_end_call(mm);
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

	mm_begin_call(mm, true);
	rc = mm_prepare(mm, mm_span_count(mm, oldbrk < newbrk ? oldbrk : newbrk,
					  oldbrk < newbrk ? newbrk : oldbrk));
	if (rc)
		return rc;
	if (newbrk == oldbrk)
		goto set_brk;
	if (requested <= mm->brk) {
		/* "Always allow shrinking brk": do_vmi_align_munmap(). */
		mm_unmap_range(mm, newbrk, oldbrk);
		goto set_brk;
	}
	if (fl_vma_find_intersection(&mm->vmas, oldbrk, newbrk)) {
		mm->inconsistent++;	/* brk() checked the range was free */
		mm_unmap_range(mm, oldbrk, newbrk);
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
		v = mm_merge_new_range(mm, &p);
	if (!v)
		v = mm_insert_new(mm, &p);
	if (mm->def_flags & FL_VM_LOCKED)
		mm_populate(mm, v, oldbrk, newbrk);
set_brk:
	mm->brk = requested;
	mm_end_call(mm);
	return 0;
}
