/* mm_ops: the rest of a mapping known only by its start.
 *
 * A perf-CTF trace reports the mappings exec and the kernel make (the ELF
 * image, the interpreter) by their start alone (perf_mmap2 without a
 * length), and the model lets such a mapping reach as far as the faults
 * inside it (engine_fault.c, place_fault()).  A call that changes the
 * first part of it, such as ld.so's mprotect() of the RELRO pages at the
 * start of the data segment, ends that part at the call's end: the kernel
 * split the VMA there (mprotect_fixup() -> vma_modify_flags()), and
 * whatever lies beyond is still the old mapping with its old attributes,
 * of an extent as unknown as before.  That rest is kept here as a tail: a
 * template VMA starting where the call ended, made real by the first fault
 * inside it.  See mm_ops.h. */
#include "mm_ops.h"
#include "mm_ops_int.h"
#include "fl_array.h"

#include <errno.h>
#include <stdlib.h>

int mm_add_tail(struct fl_mm *mm, const struct fl_vma *tmpl)
{
	void *p = mm->tails;

	for (size_t i = 0; i < mm->ntails; i++)
		if (mm->tails[i].start == tmpl->start) {
			mm->tails[i] = *tmpl;
			return 0;
		}
	if (fl_array_grow(&p, &mm->captails, mm->ntails + 1, sizeof(*mm->tails)))
		return -ENOMEM;
	mm->tails = p;
	mm->tails[mm->ntails++] = *tmpl;
	return 0;
}

void mm_drop_tails(struct fl_mm *mm, uint64_t start, uint64_t end)
{
	size_t j = 0;

	for (size_t i = 0; i < mm->ntails; i++)
		if (mm->tails[i].start < start || mm->tails[i].start >= end)
			mm->tails[j++] = mm->tails[i];
	mm->ntails = j;
}

int fl_mm_copy_tails(struct fl_mm *dst, const struct fl_mm *src)
{
	for (size_t i = 0; i < src->ntails; i++)
		if (mm_add_tail(dst, &src->tails[i]) < 0)
			return -ENOMEM;
	return 0;
}

int fl_mm_place_in_tail(struct fl_mm *mm, uint64_t addr, struct fl_vma **out)
{
	struct fl_vma_set *s = &mm->vmas;
	size_t idx = fl_vma_find_idx(s, addr);
	struct fl_vma *next = fl_vma_at(s, idx), *prev = idx ? fl_vma_at(s, idx - 1) : NULL;
	uint64_t page = 1ULL << mm->page_shift;

	*out = NULL;
	if (next && next->start <= addr)
		return 0;	/* addr is inside a VMA */
	for (size_t i = 0; i < mm->ntails; i++) {
		struct fl_vma t = mm->tails[i];
		int rc;

		/* The tail must begin in the same gap as addr: no VMA between. */
		if (t.start > addr || (prev && t.start < prev->end))
			continue;
		t.end = (addr & ~(page - 1)) + page;
		if (next && t.end > next->start)
			t.end = next->start;
		t.extent_inferred = true;
		mm->tails[i] = mm->tails[--mm->ntails];
		rc = fl_mm_add_vma(mm, &t, out);
		return rc < 0 ? rc : *out != NULL;
	}
	return 0;
}
