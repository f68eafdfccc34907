/* The mmap family against the kernel's VMA rules (mm/vma.c, mm/mmap.c,
 * mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mlock.c, 6.6..6.18): each test states
 * what the kernel does and checks the model does the same, then a long
 * random run is checked page by page against a naive reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm_ops.h"

#define PG 4096ULL
#define BASE 0x10000000ULL
#define P(n) (BASE + (uint64_t)(n) * PG)
#define PN(addr) (((addr) - BASE) / PG)
#define R FL_PROT_READ
#define RW (FL_PROT_READ | FL_PROT_WRITE)
#define ANON (FL_MAP_PRIVATE | FL_MAP_ANONYMOUS | FL_MAP_FIXED)
#define MAYS (FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC)

static struct fl_mm *new_mm(int kver)
{
	struct fl_mm *mm = malloc(sizeof(*mm));

	assert_non_null(mm);
	fl_mm_init(mm, 12, FL_MM_ARCH_X86_64, kver);
	return mm;
}

static int setup_618(void **state)
{
	*state = new_mm(FL_MM_KVER(6, 18));
	return 0;
}

static int setup_606(void **state)
{
	*state = new_mm(FL_MM_KVER(6, 6));
	return 0;
}

static int teardown(void **state)
{
	struct fl_mm *mm = *state;

	assert_int_equal(fl_vma_set_check(&mm->vmas), 0);
	fl_mm_free(mm);
	free(mm);
	return 0;
}

static void map_anon(struct fl_mm *mm, int page, int n, uint64_t prot)
{
	assert_int_equal(fl_mm_mmap(mm, P(page), (uint64_t)n * PG, prot, ANON, -1, 0), 0);
}

static void map_file(struct fl_mm *mm, int page, int n, uint64_t prot, int fd, int off_pages)
{
	assert_int_equal(fl_mm_mmap(mm, P(page), (uint64_t)n * PG, prot,
				    FL_MAP_PRIVATE | FL_MAP_FIXED, fd, (uint64_t)off_pages * PG), 0);
}

static struct fl_vma *at(struct fl_mm *mm, int page)
{
	return fl_vma_lookup(&mm->vmas, P(page));
}

struct span {
	int start, end;		/* pages */
};

static void expect_layout(const struct fl_mm *mm, const struct span *sp, size_t n)
{
	if (fl_vma_count(&mm->vmas) != n) {
		for (size_t i = 0; i < fl_vma_count(&mm->vmas); i++) {
			const struct fl_vma *v = fl_vma_at(&mm->vmas, i);

			print_message("  vma [%lu, %lu) flags %#lx\n", (unsigned long)PN(v->start),
				      (unsigned long)PN(v->end), (unsigned long)v->flags);
		}
	}
	assert_int_equal(fl_vma_count(&mm->vmas), n);
	for (size_t i = 0; i < n; i++) {
		const struct fl_vma *v = fl_vma_at(&mm->vmas, i);

		assert_int_equal(v->start, P(sp[i].start));
		assert_int_equal(v->end, P(sp[i].end));
	}
	assert_int_equal(fl_vma_set_check(&mm->vmas), 0);
}

#define LAYOUT(mm, ...)                                                                   \
	do {                                                                              \
		const struct span sp_[] = { __VA_ARGS__ };                                \
		expect_layout(mm, sp_, sizeof(sp_) / sizeof(sp_[0]));                      \
	} while (0)

static size_t nchanges_of(const struct fl_mm *mm, enum fl_mm_change_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < mm->nchanges; i++)
		n += mm->changes[i].kind == kind;
	return n;
}

static const struct fl_mm_change *change_for(const struct fl_mm *mm, uint64_t id)
{
	for (size_t i = 0; i < mm->nchanges; i++)
		if (mm->changes[i].id == id)
			return &mm->changes[i];
	return NULL;
}

/* ---- merges on mmap (vma_merge_new_range) ----------------------------- */

static void anon_adjacent_merge(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t id;

	map_anon(mm, 0, 2, RW);
	id = at(mm, 0)->id;
	assert_int_equal(mm->nchanges, 1);
	assert_int_equal(mm->changes[0].kind, FL_MM_VMA_CREATED);

	/* Same flags, no file, pgoffs (address in pages) line up: prev grows. */
	map_anon(mm, 2, 2, RW);
	LAYOUT(mm, { 0, 4 });
	assert_int_equal(at(mm, 3)->id, id);
	assert_int_equal(mm->nchanges, 1);
	assert_int_equal(mm->changes[0].kind, FL_MM_VMA_MODIFIED);
	assert_int_equal(mm->changes[0].before.end, P(2));
	assert_ptr_equal(mm->changes[0].after, at(mm, 0));

	/* Filling the gap between two compatible VMAs: prev grows over the
	 * range and over next, which is detached. */
	map_anon(mm, 6, 2, RW);
	uint64_t next_id = at(mm, 6)->id;
	map_anon(mm, 4, 2, RW);
	LAYOUT(mm, { 0, 8 });
	assert_int_equal(at(mm, 7)->id, id);
	assert_int_equal(change_for(mm, id)->kind, FL_MM_VMA_MODIFIED);
	assert_int_equal(change_for(mm, next_id)->kind, FL_MM_VMA_REMOVED);
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_CREATED), 0);

	/* Only next is compatible: next grows down. */
	map_anon(mm, 12, 2, RW);
	next_id = at(mm, 12)->id;
	map_anon(mm, 10, 2, RW);
	LAYOUT(mm, { 0, 8 }, { 10, 14 });
	assert_int_equal(at(mm, 10)->id, next_id);
	assert_int_equal(at(mm, 10)->pgoff, P(10) / PG);
}

static void different_flags_do_not_merge(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_vma t;

	map_anon(mm, 0, 2, RW);
	map_anon(mm, 2, 2, R);
	LAYOUT(mm, { 0, 2 }, { 2, 4 });
	/* MAP_NORESERVE: no VM_ACCOUNT, so not the same flags either. */
	assert_int_equal(fl_mm_mmap(mm, P(4), 2 * PG, R, ANON | FL_MAP_NORESERVE_X86, -1, 0), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 }, { 4, 6 });
	assert_true(at(mm, 4)->flags & FL_VM_NORESERVE);

	/* VM_SOFTDIRTY alone does not keep VMAs apart (is_mergeable_vma()). */
	memset(&t, 0, sizeof(t));
	t.start = P(20);
	t.end = P(22);
	t.flags = FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT | FL_VM_SOFTDIRTY;
	t.pgoff = P(20) / PG;
	assert_int_equal(fl_mm_add_vma(mm, &t, NULL), 0);
	map_anon(mm, 22, 1, RW);
	LAYOUT(mm, { 0, 2 }, { 2, 4 }, { 4, 6 }, { 20, 23 });
}

static void file_pgoff_must_be_contiguous(void **state)
{
	struct fl_mm *mm = *state;

	map_file(mm, 0, 2, R, 5, 0);
	map_file(mm, 2, 2, R, 5, 2);	/* file pages 2..3 follow 0..1 */
	LAYOUT(mm, { 0, 4 });
	map_file(mm, 4, 2, R, 5, 10);	/* same file, pages 10..11: a hole in the file */
	LAYOUT(mm, { 0, 4 }, { 4, 6 });
	map_file(mm, 6, 2, R, 6, 12);	/* contiguous pgoff, other file */
	LAYOUT(mm, { 0, 4 }, { 4, 6 }, { 6, 8 });
	assert_int_equal(at(mm, 6)->file_id, FL_MM_FILE_FD | 6);
	assert_int_equal(at(mm, 3)->pgoff, 0);
	assert_int_equal(at(mm, 4)->kind, FL_VMA_FILE);
	/* A file mapping next to an anonymous one: different vm_file. */
	map_anon(mm, 8, 2, R);
	LAYOUT(mm, { 0, 4 }, { 4, 6 }, { 6, 8 }, { 8, 10 });
}

static void shared_anon_and_special_never_merge(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t flags = FL_MAP_SHARED | FL_MAP_ANONYMOUS | FL_MAP_FIXED;
	struct fl_vma t;

	assert_int_equal(fl_mm_mmap(mm, P(0), 2 * PG, RW, flags, -1, 0), 0);
	assert_int_equal(fl_mm_mmap(mm, P(2), 2 * PG, RW, flags, -1, 0), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 });
	/* shmem_zero_setup(): each its own file, pgoff 0, no accounting. */
	assert_true(at(mm, 0)->file_id & FL_MM_FILE_ANON);
	assert_int_not_equal(at(mm, 0)->file_id, at(mm, 2)->file_id);
	assert_int_equal(at(mm, 2)->pgoff, 0);
	assert_int_equal(at(mm, 2)->kind, FL_VMA_SHMEM);
	assert_int_equal(at(mm, 2)->flags,
			 FL_VM_READ | FL_VM_WRITE | FL_VM_SHARED | FL_VM_MAYSHARE | MAYS);

	/* vdso-like special mapping: VM_SPECIAL never merges. */
	memset(&t, 0, sizeof(t));
	t.start = P(10);
	t.end = P(12);
	t.flags = FL_VM_READ | FL_VM_EXEC | MAYS | FL_VM_DONTEXPAND;
	t.kind = FL_VMA_SPECIAL;
	assert_int_equal(fl_mm_add_vma(mm, &t, NULL), 0);
	assert_int_equal(fl_mm_mmap(mm, P(12), PG, R | FL_PROT_EXEC, ANON, -1, 0), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 }, { 10, 12 }, { 12, 13 });
}

/* A new mapping has no anon_vma: it may join a faulted neighbour whose
 * anon_vma_chain is singular; with faulted neighbours on both sides whose
 * anon_vmas differ, only prev takes it (can_vma_merge_right()). */
static void new_mapping_and_anon_vma(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t x, y;

	map_anon(mm, 0, 2, RW);
	x = fl_mm_anon_prepare(mm, at(mm, 0));
	map_anon(mm, 2, 2, RW);
	LAYOUT(mm, { 0, 4 });
	assert_true(at(mm, 3)->anon_vma);
	assert_int_equal(at(mm, 3)->anon_vma_id, x);

	map_anon(mm, 6, 2, RW);
	y = fl_mm_anon_prepare(mm, at(mm, 6));
	assert_int_not_equal(x, y);	/* not adjacent: a new anon_vma */
	map_anon(mm, 4, 2, RW);
	LAYOUT(mm, { 0, 6 }, { 6, 8 });
	assert_int_equal(at(mm, 5)->anon_vma_id, x);
	assert_int_equal(at(mm, 6)->anon_vma_id, y);

	/* A fork child's anon_vma_chain is not singular: no merge. */
	struct fl_vma t;

	memset(&t, 0, sizeof(t));
	t.start = P(20);
	t.end = P(22);
	t.flags = FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT;
	t.pgoff = P(20) / PG;
	t.anon_vma = true;
	t.anon_vma_id = 99;
	t.anon_vma_fork_child = true;
	assert_int_equal(fl_mm_add_vma(mm, &t, NULL), 0);
	map_anon(mm, 22, 2, RW);
	LAYOUT(mm, { 0, 6 }, { 6, 8 }, { 20, 22 }, { 22, 24 });
}

/* anon_vma_prepare() -> find_mergeable_anon_vma(): an adjacent VMA that
 * differs only in access bits lends its anon_vma, so mprotect can merge
 * them again later. */
static void anon_prepare_reuses_neighbour(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t nr = ANON | FL_MAP_NORESERVE_X86;	/* no VM_ACCOUNT to track */
	uint64_t x;

	assert_int_equal(fl_mm_mmap(mm, P(0), 4 * PG, RW, nr, -1, 0), 0);
	x = fl_mm_anon_prepare(mm, at(mm, 0));
	assert_int_equal(fl_mm_anon_prepare(mm, at(mm, 0)), x);	/* idempotent */
	assert_int_equal(fl_mm_mprotect(mm, P(2), 2 * PG, R), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 });
	assert_int_equal(at(mm, 2)->anon_vma_id, x);	/* split cloned it */

	/* A fresh R mapping joins the faulted R VMA below it. */
	assert_int_equal(fl_mm_mmap(mm, P(4), 2 * PG, R, nr, -1, 0), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 6 });
	assert_int_equal(at(mm, 5)->anon_vma_id, x);

	/* Away from everything: a new anon_vma. */
	assert_int_equal(fl_mm_mmap(mm, P(8), 2 * PG, R, nr, -1, 0), 0);
	assert_int_not_equal(fl_mm_anon_prepare(mm, at(mm, 8)), x);
	/* Next to it, differing in access bits only: it lends its anon_vma,
	 * and a later mprotect merges the two. */
	assert_int_equal(fl_mm_mmap(mm, P(10), 2 * PG, RW, nr, -1, 0), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 6 }, { 8, 10 }, { 10, 12 });
	assert_int_equal(fl_mm_anon_prepare(mm, at(mm, 10)), at(mm, 8)->anon_vma_id);
	assert_int_equal(fl_mm_mprotect(mm, P(10), 2 * PG, R), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 6 }, { 8, 12 });

	/* Not across a pgoff discontinuity (a moved, faulted VMA). */
	assert_int_equal(fl_mm_mmap(mm, P(20), 2 * PG, RW, nr, -1, 0), 0);
	fl_mm_anon_prepare(mm, at(mm, 20));
	assert_int_equal(fl_mm_mremap(mm, P(20), 2 * PG, 2 * PG, FL_MREMAP_MAYMOVE, P(30)), 0);
	assert_int_equal(fl_mm_mmap(mm, P(32), 2 * PG, RW, nr, -1, 0), 0);
	assert_int_not_equal(fl_mm_anon_prepare(mm, at(mm, 32)), at(mm, 30)->anon_vma_id);
}

/* ---- munmap ----------------------------------------------------------- */

static void munmap_middle_splits_in_three(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t id, cycle;

	map_anon(mm, 0, 6, RW);
	id = at(mm, 0)->id;
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_munmap(mm, P(2), 2 * PG), 0);
	LAYOUT(mm, { 0, 2 }, { 4, 6 });
	assert_int_equal(mm->write_cycle, cycle + 1);
	/* __split_vma() twice: the pieces that stay are the new VMAs, the
	 * original [2, 4) part is detached. */
	assert_int_equal(change_for(mm, id)->kind, FL_MM_VMA_REMOVED);
	assert_int_equal(change_for(mm, id)->before.start, P(0));
	assert_int_equal(change_for(mm, id)->before.end, P(6));
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_CREATED), 2);
	assert_int_not_equal(at(mm, 0)->id, id);
	assert_int_not_equal(at(mm, 4)->id, id);
	assert_int_equal(at(mm, 4)->pgoff, P(4) / PG);
	assert_true(fl_mm_written_in_cycle(at(mm, 0), mm->write_cycle));
	assert_int_equal(mm->nranges, 1);
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_UNMAP);
	assert_int_equal(mm->ranges[0].floor, P(2));
	assert_int_equal(mm->ranges[0].ceiling, P(4));

	/* Unmapping nothing is fine; so is a range with holes. */
	assert_int_equal(fl_mm_munmap(mm, P(100), PG), 0);
	assert_int_equal(mm->nchanges, 0);
	assert_int_equal(fl_mm_munmap(mm, P(1), 4 * PG), 0);
	LAYOUT(mm, { 0, 1 }, { 5, 6 });
	/* Unaligned start: the kernel says -EINVAL; so does the model. */
	assert_int_equal(fl_mm_munmap(mm, P(0) + 1, PG), -EINVAL);
	assert_int_equal(fl_mm_munmap(mm, P(0), 0), -EINVAL);
	LAYOUT(mm, { 0, 1 }, { 5, 6 });
}

/* MAP_FIXED over existing mappings unmaps them first, then merges. */
static void map_fixed_replaces(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t id;

	map_anon(mm, 0, 8, RW);
	id = at(mm, 0)->id;
	map_file(mm, 2, 2, R, 7, 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 }, { 4, 8 });
	assert_int_equal(at(mm, 2)->file_id, FL_MM_FILE_FD | 7);
	assert_int_equal(change_for(mm, id)->kind, FL_MM_VMA_REMOVED);
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_CREATED), 3);
	assert_int_equal(mm->inconsistent, 0);

	/* Anonymous again: the unfaulted remnants on both sides take it. */
	map_anon(mm, 2, 2, RW);
	LAYOUT(mm, { 0, 8 });

	/* An mmap without MAP_FIXED lands on free space; if the model has a
	 * VMA there it missed something, and says so. */
	assert_int_equal(fl_mm_mmap(mm, P(6), 4 * PG, R, FL_MAP_PRIVATE | FL_MAP_ANONYMOUS, -1, 0), 0);
	assert_int_equal(mm->inconsistent, 1);
	LAYOUT(mm, { 0, 6 }, { 6, 10 });
}

/* ---- mprotect (vma_modify_flags) -------------------------------------- */

static void mprotect_split_and_remerge(struct fl_mm *mm, bool fault)
{
	uint64_t id, cycle;

	map_anon(mm, 0, 6, RW);
	id = at(mm, 0)->id;
	if (fault)
		fl_mm_anon_prepare(mm, at(mm, 0));
	assert_int_equal(fl_mm_mprotect(mm, P(2), 2 * PG, R), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 }, { 4, 6 });
	assert_false(at(mm, 2)->flags & FL_VM_WRITE);
	assert_true(at(mm, 0)->flags & FL_VM_WRITE);
	assert_true(at(mm, 4)->flags & FL_VM_WRITE);
	/* The original keeps the middle; both outer pieces are new. */
	assert_int_equal(at(mm, 2)->id, id);
	assert_int_equal(change_for(mm, id)->kind, FL_MM_VMA_MODIFIED);
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_CREATED), 2);
	assert_int_equal(mm->nranges, 1);
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_PROTECT);
	if (fault)
		assert_int_equal(at(mm, 4)->anon_vma_id, at(mm, 0)->anon_vma_id);
	/* 6.7+: an unfaulted anonymous VMA losing write loses VM_ACCOUNT. */
	if (!fault && mm->kver >= FL_MM_KVER(6, 7))
		assert_false(at(mm, 2)->flags & FL_VM_ACCOUNT);
	else
		assert_true(at(mm, 2)->flags & FL_VM_ACCOUNT);

	/* Same protection again: nothing is locked or changed. */
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_mprotect(mm, P(2), 2 * PG, R), 0);
	assert_int_equal(mm->write_cycle, cycle + 1);
	assert_int_equal(mm->nchanges, 0);

	/* Restore: prev grows over the middle and next (merge both). */
	assert_int_equal(fl_mm_mprotect(mm, P(2), 2 * PG, RW), 0);
	LAYOUT(mm, { 0, 6 });
	assert_int_equal(mm->nchanges, 3);
	assert_int_equal(change_for(mm, id)->kind, FL_MM_VMA_REMOVED);
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_REMOVED), 2);
	assert_int_equal(at(mm, 0)->flags, FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT);
}

static void mprotect_middle_split_remerge(void **state)
{
	mprotect_split_and_remerge(*state, false);
}

static void mprotect_middle_split_remerge_faulted(void **state)
{
	mprotect_split_and_remerge(*state, true);
}

/* mprotect at one edge: the neighbour grows over the range and the VMA
 * shrinks (merge_left / merge_right with the VMA kept). */
static void mprotect_edge_moves_boundary(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t a, b;

	assert_int_equal(fl_mm_mmap(mm, P(0), 4 * PG, R, ANON | FL_MAP_NORESERVE_X86, -1, 0), 0);
	assert_int_equal(fl_mm_mmap(mm, P(4), 4 * PG, RW, ANON | FL_MAP_NORESERVE_X86, -1, 0), 0);
	a = at(mm, 0)->id;
	b = at(mm, 4)->id;
	assert_int_equal(fl_mm_mprotect(mm, P(4), PG, R), 0);	/* first page of b */
	LAYOUT(mm, { 0, 5 }, { 5, 8 });
	assert_int_equal(at(mm, 0)->id, a);
	assert_int_equal(at(mm, 5)->id, b);
	assert_int_equal(at(mm, 5)->pgoff, P(5) / PG);
	assert_int_equal(mm->nchanges, 2);
	assert_int_equal(fl_mm_mprotect(mm, P(4), PG, RW), 0);	/* last page of a */
	LAYOUT(mm, { 0, 4 }, { 4, 8 });
	assert_int_equal(at(mm, 4)->id, b);
	assert_int_equal(at(mm, 4)->pgoff, P(4) / PG);
}

/* is_mergeable_anon_vma(): before 6.16 a faulted range never joins an
 * unfaulted VMA ("mm/vma: fix incorrectly disallowed anonymous VMA
 * merges" changed that); a faulted VMA taking an unfaulted range always
 * could. */
static void mprotect_anon_vma_rules(void **state)
{
	int kvers[] = { FL_MM_KVER(6, 6), FL_MM_KVER(6, 15), FL_MM_KVER(6, 16), FL_MM_KVER(6, 18) };
	uint64_t nr = ANON | FL_MAP_NORESERVE_X86;

	(void)state;
	for (size_t k = 0; k < sizeof(kvers) / sizeof(kvers[0]); k++) {
		struct fl_mm *mm = new_mm(kvers[k]);
		uint64_t x;

		/* A unfaulted R, B faulted RW; B becomes R. */
		assert_int_equal(fl_mm_mmap(mm, P(0), 2 * PG, R, nr, -1, 0), 0);
		assert_int_equal(fl_mm_mmap(mm, P(2), 2 * PG, RW, nr, -1, 0), 0);
		x = fl_mm_anon_prepare(mm, at(mm, 2));
		assert_int_equal(fl_mm_mprotect(mm, P(2), 2 * PG, R), 0);
		if (kvers[k] >= FL_MM_KVER(6, 16)) {
			LAYOUT(mm, { 0, 4 });
			assert_int_equal(at(mm, 0)->anon_vma_id, x);	/* dup_anon_vma() */
		} else {
			LAYOUT(mm, { 0, 2 }, { 2, 4 });
		}

		/* C faulted R, D unfaulted RW; D becomes R: always merges. */
		assert_int_equal(fl_mm_mmap(mm, P(10), 2 * PG, R, nr, -1, 0), 0);
		assert_int_equal(fl_mm_mmap(mm, P(12), 2 * PG, RW, nr, -1, 0), 0);
		x = fl_mm_anon_prepare(mm, at(mm, 10));
		assert_int_equal(fl_mm_mprotect(mm, P(12), 2 * PG, R), 0);
		assert_int_equal(at(mm, 13)->start, P(10));
		assert_int_equal(at(mm, 13)->anon_vma_id, x);
		fl_mm_free(mm);
		free(mm);
	}
}

/* ---- mremap ----------------------------------------------------------- */

static void mremap_expand_in_place_vs_move(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t id;

	map_anon(mm, 0, 2, RW);
	id = at(mm, 0)->id;
	/* Room above: vma_merge_extend() grows the same VMA. */
	assert_int_equal(fl_mm_mremap(mm, P(0), 2 * PG, 4 * PG, FL_MREMAP_MAYMOVE, P(0)), 0);
	LAYOUT(mm, { 0, 4 });
	assert_int_equal(at(mm, 0)->id, id);
	assert_int_equal(mm->nchanges, 1);
	assert_int_equal(mm->changes[0].kind, FL_MM_VMA_MODIFIED);
	/* ... and merges with a compatible next when it reaches it. */
	map_anon(mm, 6, 2, RW);
	assert_int_equal(fl_mm_mremap(mm, P(0), 4 * PG, 6 * PG, FL_MREMAP_MAYMOVE, P(0)), 0);
	LAYOUT(mm, { 0, 8 });
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_REMOVED), 1);

	/* No room (the trace returns another address): a move.  An
	 * anonymous VMA never faulted takes its new address as pgoff. */
	map_anon(mm, 8, 2, R);
	assert_int_equal(fl_mm_mremap(mm, P(0), 8 * PG, 10 * PG, FL_MREMAP_MAYMOVE, P(20)), 0);
	LAYOUT(mm, { 8, 10 }, { 20, 30 });
	assert_int_equal(at(mm, 20)->pgoff, P(20) / PG);
	assert_int_equal(change_for(mm, id)->kind, FL_MM_VMA_REMOVED);
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_CREATED), 1);
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_MOVE);
	assert_int_equal(mm->ranges[0].start, P(0));
	assert_int_equal(mm->ranges[0].end, P(8));
	assert_int_equal(mm->ranges[0].dst, P(20));

	/* A faulted one keeps its pgoff and anon_vma: it no longer lines up
	 * with fresh neighbours at the new place. */
	uint64_t x = fl_mm_anon_prepare(mm, at(mm, 20));
	assert_int_equal(fl_mm_mremap(mm, P(20), 10 * PG, 10 * PG, FL_MREMAP_MAYMOVE, P(40)), 0);
	LAYOUT(mm, { 8, 10 }, { 40, 50 });
	assert_int_equal(at(mm, 40)->pgoff, P(20) / PG);
	assert_int_equal(at(mm, 40)->anon_vma_id, x);
	map_anon(mm, 50, 2, RW);
	LAYOUT(mm, { 8, 10 }, { 40, 50 }, { 50, 52 });

	/* Shrink in place: the tail is unmapped. */
	assert_int_equal(fl_mm_mremap(mm, P(40), 10 * PG, 3 * PG, 0, P(40)), 0);
	LAYOUT(mm, { 8, 10 }, { 40, 43 }, { 50, 52 });
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_UNMAP);

	/* MREMAP_FIXED onto a mapping replaces it; moving part of a VMA
	 * splits the source. */
	assert_int_equal(fl_mm_mremap(mm, P(40), PG, PG, FL_MREMAP_MAYMOVE | FL_MREMAP_FIXED, P(9)), 0);
	LAYOUT(mm, { 8, 9 }, { 9, 10 }, { 41, 43 }, { 50, 52 });
	assert_int_equal(at(mm, 9)->anon_vma_id, x);
	assert_int_equal(at(mm, 9)->pgoff, P(20) / PG);
	assert_int_equal(at(mm, 41)->pgoff, P(21) / PG);
	assert_int_equal(mm->inconsistent, 0);
}

static void mremap_dontunmap(void **state)
{
	struct fl_mm *mm = *state;

	assert_int_equal(fl_mm_mmap(mm, P(0), 4 * PG, RW, ANON | FL_MAP_LOCKED_X86, -1, 0), 0);
	fl_mm_anon_prepare(mm, at(mm, 0));	/* MAP_LOCKED populated it anyway */
	assert_int_equal(fl_mm_mremap(mm, P(0), 4 * PG, 4 * PG,
				      FL_MREMAP_MAYMOVE | FL_MREMAP_DONTUNMAP, P(10)), 0);
	LAYOUT(mm, { 0, 4 }, { 10, 14 });
	/* The old VMA stays, unlocked and (whole) without its anon_vma. */
	assert_false(at(mm, 0)->flags & FL_VM_LOCKED);
	assert_false(at(mm, 0)->anon_vma);
	assert_true(at(mm, 10)->anon_vma);
	assert_true(at(mm, 10)->flags & FL_VM_LOCKED);
}

/* ---- brk -------------------------------------------------------------- */

static void brk_grow_shrink(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t id, cycle;

	/* brk(0) tells the break. */
	assert_int_equal(fl_mm_brk(mm, 0, P(100)), 0);
	assert_true(mm->brk_known);
	assert_int_equal(mm->start_brk, P(100));
	assert_int_equal(fl_vma_count(&mm->vmas), 0);

	assert_int_equal(fl_mm_brk(mm, P(100) + 100, P(100) + 100), 0);
	LAYOUT(mm, { 100, 101 });
	id = at(mm, 100)->id;
	assert_int_equal(at(mm, 100)->kind, FL_VMA_HEAP);
	assert_int_equal(at(mm, 100)->flags, FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT);
	assert_int_equal(at(mm, 100)->pgoff, P(100) / PG);

	/* do_brk_flags() grows the same VMA. */
	assert_int_equal(fl_mm_brk(mm, P(104), P(104)), 0);
	LAYOUT(mm, { 100, 104 });
	assert_int_equal(at(mm, 100)->id, id);
	assert_int_equal(mm->changes[0].kind, FL_MM_VMA_MODIFIED);

	/* Within the same page: only mm->brk moves. */
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_brk(mm, P(104) - 8, P(104) - 8), 0);
	assert_int_equal(mm->brk, P(104) - 8);
	assert_int_equal(mm->nchanges, 0);
	assert_int_equal(mm->write_cycle, cycle + 1);

	/* Shrink: the top is unmapped. */
	assert_int_equal(fl_mm_brk(mm, P(102), P(102)), 0);
	LAYOUT(mm, { 100, 102 });
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_UNMAP);

	/* Failure returns the old break: nothing changes. */
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_brk(mm, P(5000), P(102)), 0);
	LAYOUT(mm, { 100, 102 });
	assert_int_equal(mm->brk, P(102));
	assert_int_equal(mm->write_cycle, cycle);

	/* Growing up to a compatible anonymous VMA does not merge with it:
	 * do_brk_flags() only ever expands the VMA below. */
	map_anon(mm, 106, 2, RW);
	assert_int_equal(fl_mm_brk(mm, P(106), P(106)), 0);
	LAYOUT(mm, { 100, 106 }, { 106, 108 });

	/* Shrink to start_brk: the heap is gone. */
	assert_int_equal(fl_mm_brk(mm, P(100), P(100)), 0);
	LAYOUT(mm, { 106, 108 });
}

static void brk_from_snapshot_heap(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_vma t;

	memset(&t, 0, sizeof(t));
	t.start = P(50);
	t.end = P(60);
	t.flags = FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT;
	t.kind = FL_VMA_HEAP;
	t.pgoff = P(50) / PG;
	assert_int_equal(fl_mm_add_vma(mm, &t, NULL), 0);
	/* The first brk seen already grows: the old break is the heap's end. */
	assert_int_equal(fl_mm_brk(mm, P(62), P(62)), 0);
	LAYOUT(mm, { 50, 62 });
	assert_int_equal(mm->start_brk, P(50));
}

/* ---- madvise ---------------------------------------------------------- */

static void madvise_dontneed_keeps_vmas(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t cycle;

	map_anon(mm, 0, 4, RW);
	map_file(mm, 4, 2, R, 3, 0);
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_madvise(mm, P(1), 2 * PG, FL_MADV_DONTNEED), 0);
	LAYOUT(mm, { 0, 4 }, { 4, 6 });
	assert_int_equal(mm->write_cycle, cycle);	/* mmap_lock for read */
	assert_int_equal(mm->nchanges, 0);
	assert_int_equal(mm->nranges, 1);
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_ZAP);
	assert_int_equal(mm->ranges[0].start, P(1));
	assert_int_equal(mm->ranges[0].end, P(3));

	/* Across two VMAs: one zap per VMA part. */
	assert_int_equal(fl_mm_madvise(mm, P(3), 2 * PG, FL_MADV_DONTNEED), 0);
	assert_int_equal(mm->nranges, 2);
	LAYOUT(mm, { 0, 4 }, { 4, 6 });

	assert_int_equal(fl_mm_madvise(mm, P(0), 4 * PG, FL_MADV_FREE), 0);
	assert_int_equal(mm->ranges[0].kind, FL_MM_RANGE_LAZYFREE);
	assert_int_equal(mm->write_cycle, cycle);
	/* MADV_FREE is for anonymous memory only: a success on a file
	 * mapping means the model is off. */
	assert_int_equal(fl_mm_madvise(mm, P(4), PG, FL_MADV_FREE), 0);
	assert_int_equal(mm->inconsistent, 1);
	/* Advice the kernel does not know. */
	assert_int_equal(fl_mm_madvise(mm, P(0), PG, 77), -EINVAL);
	LAYOUT(mm, { 0, 4 }, { 4, 6 });
}

static void madvise_nohugepage_splits(void **state)
{
	struct fl_mm *mm = *state;
	uint64_t id, cycle;

	map_anon(mm, 0, 6, RW);
	id = at(mm, 0)->id;
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_madvise(mm, P(2), 2 * PG, FL_MADV_NOHUGEPAGE), 0);
	LAYOUT(mm, { 0, 2 }, { 2, 4 }, { 4, 6 });
	assert_int_equal(mm->write_cycle, cycle + 1);	/* mmap_lock for write */
	assert_true(at(mm, 2)->flags & FL_VM_NOHUGEPAGE);
	assert_false(at(mm, 0)->flags & FL_VM_NOHUGEPAGE);
	assert_int_equal(at(mm, 2)->id, id);
	assert_int_equal(nchanges_of(mm, FL_MM_VMA_CREATED), 2);

	/* The same advice over the whole range: each side joins the middle. */
	assert_int_equal(fl_mm_madvise(mm, P(0), 6 * PG, FL_MADV_NOHUGEPAGE), 0);
	LAYOUT(mm, { 0, 6 });
	assert_true(at(mm, 0)->flags & FL_VM_NOHUGEPAGE);

	/* HUGEPAGE clears NOHUGEPAGE; DONTFORK and WIPEONFORK split too. */
	assert_int_equal(fl_mm_madvise(mm, P(0), PG, FL_MADV_HUGEPAGE), 0);
	LAYOUT(mm, { 0, 1 }, { 1, 6 });
	assert_int_equal(at(mm, 0)->flags & (FL_VM_HUGEPAGE | FL_VM_NOHUGEPAGE), FL_VM_HUGEPAGE);
	assert_int_equal(fl_mm_madvise(mm, P(5), PG, FL_MADV_DONTFORK), 0);
	LAYOUT(mm, { 0, 1 }, { 1, 5 }, { 5, 6 });
	assert_true(at(mm, 5)->flags & FL_VM_DONTCOPY);
	assert_int_equal(fl_mm_madvise(mm, P(5), PG, FL_MADV_DOFORK), 0);
	LAYOUT(mm, { 0, 1 }, { 1, 6 });
	assert_int_equal(fl_mm_madvise(mm, P(2), PG, FL_MADV_WIPEONFORK), 0);
	LAYOUT(mm, { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 6 });

	/* Advice that changes nothing locks nothing. */
	assert_int_equal(fl_mm_madvise(mm, P(3), PG, FL_MADV_DODUMP), 0);
	assert_int_equal(mm->nchanges, 0);
	assert_int_equal(mm->inconsistent, 0);
}

/* madvise_need_mmap_write() (6.6..6.16) and get_lock_mode() (6.17+). */
static void madvise_lock_table(void **state)
{
	const int k66 = FL_MM_KVER(6, 6), k613 = FL_MM_KVER(6, 13), k618 = FL_MM_KVER(6, 18);
	const int writers[] = { FL_MADV_NORMAL, FL_MADV_RANDOM, FL_MADV_SEQUENTIAL, FL_MADV_DONTFORK,
				FL_MADV_DOFORK, FL_MADV_MERGEABLE, FL_MADV_UNMERGEABLE,
				FL_MADV_HUGEPAGE, FL_MADV_NOHUGEPAGE, FL_MADV_DONTDUMP,
				FL_MADV_DODUMP, FL_MADV_WIPEONFORK, FL_MADV_KEEPONFORK };
	const int readers[] = { FL_MADV_REMOVE, FL_MADV_WILLNEED, FL_MADV_COLD, FL_MADV_PAGEOUT,
				FL_MADV_POPULATE_READ, FL_MADV_POPULATE_WRITE, FL_MADV_COLLAPSE };
	const int zappers[] = { FL_MADV_DONTNEED, FL_MADV_DONTNEED_LOCKED, FL_MADV_FREE };
	struct fl_mm_call call;

	(void)state;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		assert_true(fl_mm_madvise_need_mmap_write(writers[i], k66));
		assert_true(fl_mm_madvise_need_mmap_write(writers[i], k618));
	}
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		assert_int_equal(fl_mm_madvise_lock_mode(readers[i], k66), FL_MM_LOCK_MMAP_READ);
		assert_int_equal(fl_mm_madvise_lock_mode(readers[i], k618), FL_MM_LOCK_MMAP_READ);
	}
	for (size_t i = 0; i < sizeof(zappers) / sizeof(zappers[0]); i++) {
		assert_false(fl_mm_madvise_need_mmap_write(zappers[i], k66));
		assert_int_equal(fl_mm_madvise_lock_mode(zappers[i], k66), FL_MM_LOCK_MMAP_READ);
		assert_int_equal(fl_mm_madvise_lock_mode(zappers[i], FL_MM_KVER(6, 16)),
				 FL_MM_LOCK_MMAP_READ);
		assert_int_equal(fl_mm_madvise_lock_mode(zappers[i], k618), FL_MM_LOCK_VMA_READ);
	}
	/* Guard regions exist from 6.13, under the read lock. */
	assert_int_equal(fl_mm_madvise_lock_mode(FL_MADV_GUARD_INSTALL, k66), FL_MM_LOCK_NONE);
	assert_int_equal(fl_mm_madvise_lock_mode(FL_MADV_GUARD_INSTALL, k613), FL_MM_LOCK_MMAP_READ);
	assert_int_equal(fl_mm_madvise_lock_mode(FL_MADV_GUARD_REMOVE, k618), FL_MM_LOCK_MMAP_READ);
	/* Memory-failure injection takes no lock; unknown advice fails first. */
	assert_int_equal(fl_mm_madvise_lock_mode(FL_MADV_HWPOISON, k618), FL_MM_LOCK_NONE);
	assert_int_equal(fl_mm_madvise_lock_mode(5, k618), FL_MM_LOCK_NONE);
	assert_int_equal(fl_mm_madvise_lock_mode(-1, k618), FL_MM_LOCK_NONE);
	assert_false(fl_mm_madvise_need_mmap_write(77, k618));

	memset(&call, 0, sizeof(call));
	call.kind = FL_MM_MADVISE;
	call.args[2] = FL_MADV_DONTNEED;
	assert_int_equal(fl_mm_call_lock_mode(&call, k66), FL_MM_LOCK_MMAP_READ);
	assert_int_equal(fl_mm_call_lock_mode(&call, k618), FL_MM_LOCK_VMA_READ);
	call.args[2] = FL_MADV_HUGEPAGE;
	assert_int_equal(fl_mm_call_lock_mode(&call, k618), FL_MM_LOCK_MMAP_WRITE);
	call.kind = FL_MM_MMAP;
	assert_int_equal(fl_mm_call_lock_mode(&call, k618), FL_MM_LOCK_MMAP_WRITE);
	call.kind = FL_MM_BRK;
	assert_int_equal(fl_mm_call_lock_mode(&call, k66), FL_MM_LOCK_MMAP_WRITE);
	assert_string_equal(fl_mm_lock_mode_name(FL_MM_LOCK_VMA_READ), "vma_read");
}

/* ---- stack growth (expand_downwards) ---------------------------------- */

static void stack_growth_and_guard_gap(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_vma *v;
	uint64_t cycle;

	assert_int_equal(mm->stack_guard_gap, 256 * PG);
	map_anon(mm, 0, 10, RW);
	assert_int_equal(fl_mm_mmap(mm, P(1000), 10 * PG, RW, ANON | FL_MAP_GROWSDOWN, -1, 0), 0);
	assert_int_equal(at(mm, 1000)->kind, FL_VMA_STACK);
	assert_false(at(mm, 1000)->anon_vma);

	/* Inside the VMA: nothing to grow. */
	cycle = mm->write_cycle;
	assert_int_equal(fl_mm_expand_stack(mm, P(1005), &v), 0);
	assert_ptr_equal(v, at(mm, 1000));
	assert_int_equal(mm->write_cycle, cycle);

	/* Just below: grows by one page, under the write lock, with an
	 * anon_vma (anon_vma_prepare() first). */
	assert_int_equal(fl_mm_expand_stack(mm, P(1000) - 8, &v), 0);
	LAYOUT(mm, { 0, 10 }, { 999, 1010 });
	assert_int_equal(v->pgoff, P(999) / PG);
	assert_true(v->anon_vma);
	assert_int_equal(mm->write_cycle, cycle + 1);
	assert_true(fl_mm_written_in_cycle(v, mm->write_cycle));
	assert_int_equal(mm->changes[0].kind, FL_MM_VMA_MODIFIED);
	assert_int_equal(mm->changes[0].before.start, P(1000));

	/* 256 pages above an accessible VMA stay free. */
	assert_int_equal(fl_mm_expand_stack(mm, P(10 + 255), &v), -ENOMEM);
	assert_null(v);
	assert_int_equal(fl_mm_expand_stack(mm, P(10 + 256), &v), 0);
	LAYOUT(mm, { 0, 10 }, { 266, 1010 });

	/* Below a VMA that does not grow down, or above all: SEGV_MAPERR. */
	map_anon(mm, 3000, 2, RW);
	assert_int_equal(fl_mm_expand_stack(mm, P(2990), &v), -EFAULT);
	assert_int_equal(fl_mm_expand_stack(mm, P(5000), &v), -EFAULT);
	assert_int_equal(fl_mm_munmap(mm, P(3000), 2 * PG), 0);

	/* Against a PROT_NONE VMA, only one page must stay free. */
	assert_int_equal(fl_mm_mprotect(mm, P(0), 10 * PG, 0), 0);
	assert_int_equal(fl_mm_expand_stack(mm, P(10), &v), -ENOMEM);
	assert_int_equal(fl_mm_expand_stack(mm, P(11), &v), 0);
	LAYOUT(mm, { 0, 10 }, { 11, 1010 });
}

static void stack_limits(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_vma *v;

	mm->stack_rlimit = 16 * PG;
	assert_int_equal(fl_mm_mmap(mm, P(100), 10 * PG, RW, ANON | FL_MAP_GROWSDOWN, -1, 0), 0);
	assert_int_equal(fl_mm_expand_stack(mm, P(94), &v), 0);
	assert_int_equal(fl_mm_expand_stack(mm, P(93), &v), -ENOMEM);	/* 17 pages */
	mm->stack_rlimit = 0;
	/* vm.mmap_min_addr */
	assert_int_equal(fl_mm_mmap(mm, 0x20000, PG, RW, ANON | FL_MAP_GROWSDOWN, -1, 0), 0);
	assert_int_equal(fl_mm_expand_stack(mm, 0x10000, &v), 0);
	assert_int_equal(fl_mm_expand_stack(mm, 0xf000, &v), -EPERM);
}

/* ---- failed calls, trace entry point ---------------------------------- */

static struct fl_mm_call call_of(enum fl_mm_kind kind, int64_t ret, uint64_t a0, uint64_t a1,
				 uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct fl_mm_call c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.has_enter = c.has_exit = true;
	c.ret = ret;
	c.args[0] = a0;
	c.args[1] = a1;
	c.args[2] = a2;
	c.args[3] = a3;
	c.args[4] = a4;
	c.args[5] = a5;
	return c;
}

/* ---- pkey_mprotect (mm/mprotect.c do_mprotect_pkey()) ----------------- */

#define PKEY(mm, page) ((at(mm, page)->flags & FL_VM_PKEY_MASK) >> FL_VM_PKEY_SHIFT)

/* The key is in vm_flags (calc_vm_prot_bits(prot, pkey)): a new key with
 * the same protections splits the range out all the same; mprotect()
 * (pkey -1) keeps each VMA's key, so a later one does not merge pieces
 * whose keys differ; the trace's pkey -1 is the register's 0xffffffff. */
static void pkey_mprotect_splits_on_the_key(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_mm_call c;

	map_anon(mm, 0, 16, RW);
	assert_int_equal(fl_mm_pkey_mprotect(mm, P(4), 4 * PG, RW, 1), 0);
	LAYOUT(mm, { 0, 4 }, { 4, 8 }, { 8, 16 });
	assert_int_equal(PKEY(mm, 4), 1);
	assert_int_equal(PKEY(mm, 0), 0);
	assert_true(mm->nchanges > 0);

	assert_int_equal(fl_mm_mprotect(mm, P(0), 16 * PG, R), 0);
	LAYOUT(mm, { 0, 4 }, { 4, 8 }, { 8, 16 });
	assert_int_equal(PKEY(mm, 4), 1);
	assert_int_equal(at(mm, 4)->flags & FL_VM_ACCESS_FLAGS, FL_VM_READ);

	/* Back to key 0: one VMA again. */
	c = call_of(FL_MM_PKEY_MPROTECT, 0, P(4), 4 * PG, R, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 0, 16 });

	/* pkey -1 from the trace: mprotect(). */
	c = call_of(FL_MM_PKEY_MPROTECT, 0, P(4), 4 * PG, RW, 0xffffffff, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 0, 4 }, { 4, 8 }, { 8, 16 });
	assert_int_equal(PKEY(mm, 4), 0);
	c = call_of(FL_MM_PKEY_MPROTECT, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(fl_mm_call_lock_mode(&c, mm->kver), FL_MM_LOCK_MMAP_WRITE);
	assert_int_equal(fl_mm_pkey_mprotect(mm, P(4), PG, R, -2), -EINVAL);
}

/* ---- the mlock family (mm/mlock.c) ------------------------------------ */

#define LOCKED(mm, page) ((at(mm, page)->flags & FL_VM_LOCKED_MASK))

/* apply_vma_lock_flags(): mlock_fixup() -> vma_modify_flags() splits the
 * range out and sets VM_LOCKED; munlock() merges it back.  A range whose
 * flags do not change is not touched (no change, so no vma_start_write()). */
static void mlock_splits_and_munlock_merges(void **state)
{
	struct fl_mm *mm = *state;

	map_anon(mm, 0, 16, RW);
	assert_int_equal(fl_mm_mlock(mm, P(4), 4 * PG, 0), 0);
	LAYOUT(mm, { 0, 4 }, { 4, 8 }, { 8, 16 });
	assert_int_equal(LOCKED(mm, 4), FL_VM_LOCKED);
	assert_int_equal(LOCKED(mm, 0), 0);
	assert_true(mm->nchanges > 0);
	assert_true(mm->nranges > 0);	/* __mm_populate() */

	assert_int_equal(fl_mm_mlock(mm, P(4), 4 * PG, 0), 0);
	assert_int_equal(mm->nchanges, 0);	/* already VM_LOCKED */

	assert_int_equal(fl_mm_munlock(mm, P(4), 4 * PG), 0);
	LAYOUT(mm, { 0, 16 });
	assert_int_equal(LOCKED(mm, 4), 0);

	/* do_mlock(): start &= PAGE_MASK, len = PAGE_ALIGN(len + offset). */
	assert_int_equal(fl_mm_mlock(mm, P(4) + 100, 2 * PG, 0), 0);
	LAYOUT(mm, { 0, 4 }, { 4, 7 }, { 7, 16 });

	/* mlock2(MLOCK_ONFAULT): VM_LOCKONFAULT too, and no populate. */
	assert_int_equal(fl_mm_mlock(mm, P(10), PG, 1), 0);
	assert_int_equal(LOCKED(mm, 10), FL_VM_LOCKED | FL_VM_LOCKONFAULT);
	for (size_t i = 0; i < mm->nranges; i++)
		assert_int_not_equal(mm->ranges[i].kind, FL_MM_RANGE_POPULATE);
	assert_int_equal(fl_mm_mlock(mm, P(10), PG, 2), -EINVAL);

	/* munlockall(): every VMA, and they merge back into one. */
	assert_int_equal(fl_mm_mlockall(mm, 0), 0);
	LAYOUT(mm, { 0, 16 });
}

/* mlock_fixup() leaves a VM_SPECIAL or hugetlb VMA alone. */
static void mlock_skips_special_and_hugetlb(void **state)
{
	struct fl_mm *mm = *state;

	assert_int_equal(fl_mm_mmap(mm, P(0), 4 * PG, RW, ANON | FL_MAP_HUGETLB, -1, 0), 0);
	assert_int_equal(fl_mm_mlock(mm, P(1), PG, 0), 0);
	LAYOUT(mm, { 0, 4 });
	assert_int_equal(LOCKED(mm, 0), 0);
	assert_int_equal(mm->nchanges, 0);
}

/* apply_mlockall_flags(): MCL_FUTURE sets mm->def_flags, which the next
 * mappings take, and changes no VMA; MCL_CURRENT locks every VMA;
 * MCL_ONFAULT alone is -EINVAL; munlockall() clears both. */
static void mlockall_current_and_future(void **state)
{
	struct fl_mm *mm = *state;

	map_anon(mm, 0, 4, RW);
	map_anon(mm, 8, 4, R);
	assert_int_equal(fl_mm_mlockall(mm, 4), -EINVAL);
	assert_int_equal(fl_mm_mlockall(mm, 2), 0);	/* MCL_FUTURE */
	assert_int_equal(mm->nchanges, 0);
	assert_int_equal(LOCKED(mm, 0), 0);
	map_anon(mm, 20, 2, RW);
	assert_int_equal(LOCKED(mm, 20), FL_VM_LOCKED);

	assert_int_equal(fl_mm_mlockall(mm, 1 | 4), 0);	/* MCL_CURRENT|MCL_ONFAULT */
	assert_int_equal(LOCKED(mm, 0), FL_VM_LOCKED | FL_VM_LOCKONFAULT);
	assert_int_equal(LOCKED(mm, 8), FL_VM_LOCKED | FL_VM_LOCKONFAULT);
	assert_int_equal(LOCKED(mm, 20), FL_VM_LOCKED | FL_VM_LOCKONFAULT);
	assert_int_equal(mm->def_flags & FL_VM_LOCKED_MASK, 0);	/* no MCL_FUTURE */

	assert_int_equal(fl_mm_mlockall(mm, 0), 0);
	assert_int_equal(LOCKED(mm, 0), 0);
	assert_int_equal(LOCKED(mm, 20), 0);
	map_anon(mm, 30, 2, RW);
	assert_int_equal(LOCKED(mm, 30), 0);
}

/* The trace's calls: each takes mmap_lock for write; a failed one changes
 * nothing; mlockall's MCL_* bits are powerpc's own there. */
static void mlock_calls_from_trace(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_mm_call c;
	struct fl_mm *ppc;

	for (int k = FL_MM_MLOCK; k <= FL_MM_MUNLOCKALL; k++) {
		c = call_of((enum fl_mm_kind)k, 0, 0, 0, 0, 0, 0, 0);
		assert_int_equal(fl_mm_call_lock_mode(&c, mm->kver), FL_MM_LOCK_MMAP_WRITE);
	}
	map_anon(mm, 0, 8, RW);
	c = call_of(FL_MM_MLOCK, -ENOMEM, P(2), 2 * PG, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), FL_MM_SKIPPED);
	LAYOUT(mm, { 0, 8 });
	c = call_of(FL_MM_MLOCK2, 0, P(2), 2 * PG, 1, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	assert_int_equal(LOCKED(mm, 2), FL_VM_LOCKED | FL_VM_LOCKONFAULT);
	c = call_of(FL_MM_MUNLOCK, 0, P(2), 2 * PG, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 0, 8 });
	c = call_of(FL_MM_MLOCKALL, 0, 1, 0, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	assert_int_equal(LOCKED(mm, 0), FL_VM_LOCKED);
	c = call_of(FL_MM_MUNLOCKALL, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	assert_int_equal(LOCKED(mm, 0), 0);

	/* powerpc: MCL_CURRENT is 0x2000, and x86's 1 is not a flag. */
	ppc = malloc(sizeof(*ppc));
	assert_non_null(ppc);
	fl_mm_init(ppc, 16, FL_MM_ARCH_PPC64, FL_MM_KVER(6, 18));
	assert_int_equal(fl_mm_mlockall(ppc, 1), -EINVAL);
	assert_int_equal(fl_mm_mlockall(ppc, 0x2000), 0);
	fl_mm_free(ppc);
	free(ppc);
}

static void failed_calls_change_nothing(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_mm_call calls[] = {
		call_of(FL_MM_MMAP, -ENOMEM, P(2), 4 * PG, RW, ANON, (uint64_t)-1, 0),
		call_of(FL_MM_MUNMAP, -EINVAL, P(0), 2 * PG, 0, 0, 0, 0),
		call_of(FL_MM_MPROTECT, -ENOMEM, P(0), 8 * PG, R, 0, 0, 0),
		call_of(FL_MM_MPROTECT, -EACCES, P(0), 2 * PG, R, 0, 0, 0),
		call_of(FL_MM_MREMAP, -ENOMEM, P(0), 4 * PG, 8 * PG, 0, 0, 0),
		call_of(FL_MM_MADVISE, -ENOMEM, P(0), 8 * PG, FL_MADV_NOHUGEPAGE, 0, 0, 0),
		call_of(FL_MM_MADVISE, -EINVAL, P(0), 2 * PG, FL_MADV_DONTNEED, 0, 0, 0),
	};
	uint64_t cycle;

	map_anon(mm, 0, 4, RW);
	cycle = mm->write_cycle;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		assert_int_equal(fl_mm_apply(mm, &calls[i]), FL_MM_SKIPPED);
		LAYOUT(mm, { 0, 4 });
		assert_int_equal(at(mm, 0)->flags, FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT);
	}
	/* A call still running when the trace ended, or whose entry came
	 * before it, did not (visibly) happen. */
	struct fl_mm_call c = call_of(FL_MM_MUNMAP, 0, P(0), 4 * PG, 0, 0, 0, 0);

	c.has_exit = false;
	assert_int_equal(fl_mm_apply(mm, &c), FL_MM_SKIPPED);
	c.has_exit = true;
	c.has_enter = false;
	assert_int_equal(fl_mm_apply(mm, &c), FL_MM_SKIPPED);
	/* brk() fails by returning the old break. */
	assert_int_equal(fl_mm_brk(mm, 0, P(50)), 0);
	c = call_of(FL_MM_BRK, (int64_t)P(50), P(60), 0, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 0, 4 });
	assert_int_equal(mm->write_cycle, cycle);
	assert_int_equal(mm->inconsistent, 0);
}

/* The kernel applies mprotect up to the first hole and madvise to every
 * mapped part before returning -ENOMEM; with partial_failures set the
 * model replays that part. */
static void partial_failures(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_mm_call c;

	mm->partial_failures = true;
	map_anon(mm, 0, 2, RW);
	map_anon(mm, 4, 2, RW);
	c = call_of(FL_MM_MPROTECT, -ENOMEM, P(0), 6 * PG, R, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 0, 2 }, { 4, 6 });
	assert_false(at(mm, 0)->flags & FL_VM_WRITE);
	assert_true(at(mm, 4)->flags & FL_VM_WRITE);	/* after the hole */

	c = call_of(FL_MM_MADVISE, -ENOMEM, P(1), 5 * PG, FL_MADV_NOHUGEPAGE, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 0, 1 }, { 1, 2 }, { 4, 6 });
	assert_true(at(mm, 1)->flags & FL_VM_NOHUGEPAGE);
	assert_true(at(mm, 4)->flags & FL_VM_NOHUGEPAGE);

	/* Other errors still change nothing. */
	c = call_of(FL_MM_MPROTECT, -EACCES, P(4), 2 * PG, R, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), FL_MM_SKIPPED);
	assert_true(at(mm, 4)->flags & FL_VM_WRITE);
	/* A call that succeeded over what the model thinks is a hole is
	 * applied to what the model has, and counted. */
	assert_int_equal(fl_mm_mprotect(mm, P(0), 6 * PG, RW), 0);
	assert_int_equal(mm->inconsistent, 1);
}

static void apply_from_trace(void **state)
{
	struct fl_mm *mm = *state;
	struct fl_mm_call c;

	/* mmap(NULL, 3 pages, RW, PRIVATE|ANON, fd -1 as the tracer stores
	 * it, 0) = P(7): the hint is ignored, the return value is the start. */
	c = call_of(FL_MM_MMAP, (int64_t)P(7), 0, 3 * PG - 100, RW,
		    FL_MAP_PRIVATE | FL_MAP_ANONYMOUS, 0xffffffffULL, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 7, 10 });
	assert_int_equal(at(mm, 7)->kind, FL_VMA_ANON);
	c = call_of(FL_MM_MPROTECT, 0, P(8), PG, R, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 7, 8 }, { 8, 9 }, { 9, 10 });
	c = call_of(FL_MM_MREMAP, (int64_t)P(20), P(9), PG, 2 * PG, FL_MREMAP_MAYMOVE, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	LAYOUT(mm, { 7, 8 }, { 8, 9 }, { 20, 22 });
	c = call_of(FL_MM_MADVISE, 0, P(7), PG, FL_MADV_DONTDUMP, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	assert_true(at(mm, 7)->flags & FL_VM_DONTDUMP);
	c = call_of(FL_MM_MUNMAP, 0, P(0), 100 * PG, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), 0);
	assert_int_equal(fl_vma_count(&mm->vmas), 0);
	/* A "successful" call the kernel cannot have accepted. */
	c = call_of(FL_MM_MUNMAP, 0, P(0) + 12, PG, 0, 0, 0, 0);
	assert_int_equal(fl_mm_apply(mm, &c), -EINVAL);
}

/* do_mmap()'s vm_flags, per arch. */
static void mmap_vm_flags(void **state)
{
	struct fl_mm *mm = *state, ppc;
	uint64_t priv = FL_MAP_PRIVATE | FL_MAP_ANONYMOUS, shared = FL_MAP_SHARED;

	assert_int_equal(fl_mm_mmap_vm_flags(mm, RW, priv, false, true),
			 FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT);
	assert_int_equal(fl_mm_mmap_vm_flags(mm, R, priv, false, true), FL_VM_READ | MAYS);
	assert_int_equal(fl_mm_mmap_vm_flags(mm, 0, priv, false, true), MAYS);
	assert_int_equal(fl_mm_mmap_vm_flags(mm, RW, shared, true, true),
			 FL_VM_READ | FL_VM_WRITE | FL_VM_SHARED | FL_VM_MAYSHARE | MAYS);
	/* A shared mapping of a file opened read-only. */
	assert_int_equal(fl_mm_mmap_vm_flags(mm, R, shared, true, false),
			 FL_VM_READ | FL_VM_MAYREAD | FL_VM_MAYEXEC | FL_VM_MAYSHARE);
	assert_int_equal(fl_mm_mmap_vm_flags(mm, RW, priv | FL_MAP_NORESERVE_X86, false, true),
			 FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_NORESERVE);
	assert_true(fl_mm_mmap_vm_flags(mm, RW, priv | FL_MAP_LOCKED_X86, false, true) & FL_VM_LOCKED);
	assert_true(fl_mm_mmap_vm_flags(mm, RW, priv | FL_MAP_STACK, false, true) & FL_VM_NOHUGEPAGE);
	assert_true(fl_mm_mmap_vm_flags(mm, RW, priv | FL_MAP_GROWSDOWN, false, true) &
		    FL_VM_GROWSDOWN);
	assert_int_equal(fl_mm_mmap_vm_flags(mm, RW, priv | FL_MAP_HUGETLB, true, true) &
				 (FL_VM_HUGETLB | FL_VM_ACCOUNT),
			 FL_VM_HUGETLB);
	/* powerpc moves MAP_NORESERVE and MAP_LOCKED; 0x40 is MAP_32BIT on x86. */
	fl_mm_init(&ppc, 16, FL_MM_ARCH_PPC64, FL_MM_KVER_DEFAULT);
	assert_true(fl_mm_mmap_vm_flags(&ppc, RW, priv | FL_MAP_NORESERVE_PPC, false, true) &
		    FL_VM_NORESERVE);
	assert_true(fl_mm_mmap_vm_flags(&ppc, RW, priv | FL_MAP_LOCKED_PPC, false, true) &
		    FL_VM_LOCKED);
	assert_false(fl_mm_mmap_vm_flags(mm, RW, priv | 0x40, false, true) & FL_VM_NORESERVE);
	assert_int_equal(ppc.stack_guard_gap, 256ULL << 16);
	fl_mm_free(&ppc);
}

static uint64_t ro_file(void *ctx, int64_t fd, bool *writable)
{
	(void)ctx;
	*writable = false;
	return 1000 + (uint64_t)fd;
}

static void mmap_populate_and_files(void **state)
{
	struct fl_mm *mm = *state;

	/* MAP_POPULATE write-faults private writable memory: anon_vma. */
	assert_int_equal(fl_mm_mmap(mm, P(0), 2 * PG, RW, ANON | FL_MAP_POPULATE, -1, 0), 0);
	assert_true(at(mm, 0)->anon_vma);
	assert_int_equal(mm->ranges[mm->nranges - 1].kind, FL_MM_RANGE_POPULATE);
	assert_int_equal(fl_mm_mmap(mm, P(10), 2 * PG, R, ANON | FL_MAP_POPULATE, -1, 0), 0);
	assert_false(at(mm, 10)->anon_vma);
	/* A private file mapping written to gets an anon_vma too (COW). */
	map_file(mm, 20, 2, RW, 4, 0);
	assert_int_equal(fl_mm_madvise(mm, P(20), PG, FL_MADV_POPULATE_WRITE), 0);
	assert_true(at(mm, 20)->anon_vma);

	mm->file_fn = ro_file;
	assert_int_equal(fl_mm_mmap(mm, P(30), PG, R, FL_MAP_SHARED | FL_MAP_FIXED, 9, 0), 0);
	assert_int_equal(at(mm, 30)->file_id, 1009);
	assert_false(at(mm, 30)->flags & (FL_VM_SHARED | FL_VM_MAYWRITE));
}

static int observed;

static void observer(void *ctx, const struct fl_mm *mm)
{
	(void)ctx;
	observed += (int)(mm->nchanges + mm->nranges);
}

static void observer_and_cycles(void **state)
{
	struct fl_mm *mm = *state;

	observed = 0;
	mm->observer = observer;
	map_anon(mm, 0, 2, RW);
	map_anon(mm, 4, 2, RW);
	assert_int_equal(observed, 2);
	assert_int_equal(fl_mm_mprotect(mm, P(4), PG, R), 0);
	/* Written in this cycle: the split pair; not the VMA at 0. */
	assert_true(fl_mm_written_in_cycle(at(mm, 4), mm->write_cycle));
	assert_true(fl_mm_written_in_cycle(at(mm, 5), mm->write_cycle));
	assert_false(fl_mm_written_in_cycle(at(mm, 0), mm->write_cycle));
	assert_false(fl_mm_written_in_cycle(at(mm, 0), 0));
	assert_int_equal(observed, 2 + 3);	/* MODIFIED, CREATED, PROTECT */
	/* A no-op writer reports nothing, so is not observed. */
	assert_int_equal(fl_mm_mprotect(mm, P(4), PG, R), 0);
	assert_int_equal(observed, 5);
}

/* ---- random run against a page-granular reference ---------------------- */

#define NP 512			/* pages in the window */
#define HEAP0 400		/* start_brk, in pages */

struct refpage {
	bool mapped;
	uint64_t flags, file, pgoff;
};

struct rnd_cfg {
	int kver;
	bool faults;
};

struct ref {
	struct refpage pg[NP];
	uint64_t brk;		/* in pages */
};

static uint64_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 33;
}

static uint64_t ref_mmap_flags(uint64_t prot, bool shared)
{
	uint64_t f = MAYS;

	if (prot & FL_PROT_READ)
		f |= FL_VM_READ;
	if (prot & FL_PROT_WRITE)
		f |= FL_VM_WRITE;
	if (prot & FL_PROT_EXEC)
		f |= FL_VM_EXEC;
	if (shared)
		f |= FL_VM_SHARED | FL_VM_MAYSHARE;
	else if (f & FL_VM_WRITE)
		f |= FL_VM_ACCOUNT;
	return f;
}

static bool ref_all_mapped(const struct ref *r, int a, int b)
{
	for (int i = a; i < b; i++)
		if (!r->pg[i].mapped)
			return false;
	return true;
}

static bool ref_none_mapped(const struct ref *r, int a, int b)
{
	for (int i = a; i < b; i++)
		if (r->pg[i].mapped)
			return false;
	return true;
}

static void check_against_ref(const struct fl_mm *mm, const struct ref *r, bool faults,
			      uint64_t step)
{
	static struct refpage got[NP];
	uint64_t mask = faults ? ~FL_VM_ACCOUNT : ~0ULL;

	memset(got, 0, sizeof(got));
	for (size_t i = 0; i < fl_vma_count(&mm->vmas); i++) {
		const struct fl_vma *v = fl_vma_at(&mm->vmas, i);

		assert_true(v->start >= P(0) && v->end <= P(NP));
		for (uint64_t a = v->start; a < v->end; a += PG) {
			struct refpage *g = &got[PN(a)];

			g->mapped = true;
			g->flags = v->flags;
			g->file = v->file_id;
			g->pgoff = v->pgoff + (a - v->start) / PG;
		}
	}
	for (int i = 0; i < NP; i++) {
		const struct refpage *w = &r->pg[i], *g = &got[i];

		if (w->mapped != g->mapped || (w->mapped && ((w->flags ^ g->flags) & mask)) ||
		    (w->mapped && w->file != g->file) ||
		    (w->mapped && w->pgoff != g->pgoff && !(faults && !w->file)))
			fail_msg("step %lu page %d: want mapped %d flags %#lx file %#lx pgoff %#lx, "
				 "got %d %#lx %#lx %#lx",
				 (unsigned long)step, i, w->mapped, (unsigned long)w->flags,
				 (unsigned long)w->file, (unsigned long)w->pgoff, g->mapped,
				 (unsigned long)g->flags, (unsigned long)g->file,
				 (unsigned long)g->pgoff);
	}
}

/* The reports are coherent: what was written this cycle is reported, and
 * what is reported gone is gone. */
static void check_reports(const struct fl_mm *mm)
{
	for (size_t i = 0; i < mm->nchanges; i++) {
		const struct fl_mm_change *c = &mm->changes[i];

		if (c->kind == FL_MM_VMA_REMOVED) {
			assert_null(c->after);
			for (size_t j = 0; j < fl_vma_count(&mm->vmas); j++)
				assert_int_not_equal(fl_vma_at(&mm->vmas, j)->id, c->id);
		} else {
			assert_non_null(c->after);
			assert_int_equal(c->after->id, c->id);
			assert_int_equal(c->after->written_cycle, mm->write_cycle);
			assert_int_equal(fl_vma_index_of(&mm->vmas, c->after) < fl_vma_count(&mm->vmas), 1);
		}
	}
	for (size_t j = 0; j < fl_vma_count(&mm->vmas); j++) {
		const struct fl_vma *v = fl_vma_at(&mm->vmas, j);

		if (mm->nchanges && v->written_cycle == mm->write_cycle) {
			bool found = false;

			for (size_t i = 0; i < mm->nchanges; i++)
				found |= mm->changes[i].id == v->id;
			assert_true(found);
		}
	}
}

static void ref_unmap(struct ref *r, int a, int b)
{
	for (int i = a < 0 ? 0 : a; i < b && i < NP; i++)
		memset(&r->pg[i], 0, sizeof(r->pg[i]));
}

static void random_step(struct fl_mm *mm, struct ref *r, const struct rnd_cfg *cfg, uint64_t *seed)
{
	static const uint64_t prots[] = { 0, R, RW, R | FL_PROT_EXEC, RW };
	static const int advs[] = { FL_MADV_HUGEPAGE, FL_MADV_NOHUGEPAGE, FL_MADV_DONTFORK,
				    FL_MADV_DOFORK, FL_MADV_RANDOM, FL_MADV_SEQUENTIAL,
				    FL_MADV_NORMAL, FL_MADV_DONTDUMP, FL_MADV_DODUMP,
				    FL_MADV_DONTNEED };
	int op = (int)(rnd(seed) % 100);
	int a = (int)(rnd(seed) % NP), n = 1 + (int)(rnd(seed) % 12), b;

	if (a + n > NP)
		n = NP - a;
	b = a + n;
	if (op < 30) {
		/* mmap MAP_FIXED: anon private, anon shared or a file */
		uint64_t prot = prots[rnd(seed) % 5];
		int kind = (int)(rnd(seed) % 10);
		bool shared = kind == 9 || kind == 8;
		uint64_t flags = FL_MAP_FIXED | (shared ? FL_MAP_SHARED : FL_MAP_PRIVATE);
		int fd = -1, off = 0;

		if (kind < 6)
			flags |= FL_MAP_ANONYMOUS;
		else if (kind == 9)
			flags |= FL_MAP_ANONYMOUS;
		else {
			fd = 3 + (int)(rnd(seed) % 2);
			off = (int)(rnd(seed) % 4) * 4;
		}
		assert_int_equal(fl_mm_mmap(mm, P(a), (uint64_t)n * PG, prot, flags, fd, (uint64_t)off * PG), 0);
		for (int i = a; i < b; i++) {
			struct refpage *p = &r->pg[i];

			p->mapped = true;
			p->flags = ref_mmap_flags(prot, shared);
			if (flags & FL_MAP_ANONYMOUS) {
				p->file = shared ? at(mm, a)->file_id : 0;
				p->pgoff = shared ? (uint64_t)(i - a) : P(i) / PG;
			} else {
				p->file = FL_MM_FILE_FD | (uint64_t)fd;
				p->pgoff = (uint64_t)(off + i - a);
			}
		}
	} else if (op < 45) {
		assert_int_equal(fl_mm_munmap(mm, P(a), (uint64_t)n * PG), 0);
		ref_unmap(r, a, b);
	} else if (op < 60) {
		/* mprotect: over a hole the kernel fails, and nothing changes */
		uint64_t prot = prots[rnd(seed) % 5], bits = ref_mmap_flags(prot, false) &
								 FL_VM_ACCESS_FLAGS;
		bool ok = ref_all_mapped(r, a, b);
		struct fl_mm_call c = call_of(FL_MM_MPROTECT, ok ? 0 : -ENOMEM, P(a),
					      (uint64_t)n * PG, prot, 0, 0, 0);

		assert_int_equal(fl_mm_apply(mm, &c), ok ? 0 : FL_MM_SKIPPED);
		for (int i = a; ok && i < b; i++) {
			struct refpage *p = &r->pg[i];
			uint64_t old = p->flags, nf = bits | (old & ~FL_VM_ACCESS_FLAGS);

			if (nf == old)
				continue;
			if (nf & FL_VM_WRITE) {
				if (!(old & (FL_VM_ACCOUNT | FL_VM_WRITE | FL_VM_SHARED)))
					nf |= FL_VM_ACCOUNT;
			} else if (cfg->kver >= FL_MM_KVER(6, 7) && !cfg->faults &&
				   (old & FL_VM_ACCOUNT) && !p->file) {
				nf &= ~FL_VM_ACCOUNT;
			}
			p->flags = nf;
		}
	} else if (op < 72) {
		int adv = advs[rnd(seed) % (sizeof(advs) / sizeof(advs[0]))];
		bool ok = ref_all_mapped(r, a, b);
		struct fl_mm_call c = call_of(FL_MM_MADVISE, ok ? 0 : -ENOMEM, P(a),
					      (uint64_t)n * PG, (uint64_t)adv, 0, 0, 0);

		assert_int_equal(fl_mm_apply(mm, &c), ok ? 0 : FL_MM_SKIPPED);
		for (int i = a; ok && i < b; i++) {
			uint64_t *f = &r->pg[i].flags;

			switch (adv) {
			case FL_MADV_HUGEPAGE: *f = (*f & ~FL_VM_NOHUGEPAGE) | FL_VM_HUGEPAGE; break;
			case FL_MADV_NOHUGEPAGE: *f = (*f & ~FL_VM_HUGEPAGE) | FL_VM_NOHUGEPAGE; break;
			case FL_MADV_DONTFORK: *f |= FL_VM_DONTCOPY; break;
			case FL_MADV_DOFORK: *f &= ~FL_VM_DONTCOPY; break;
			case FL_MADV_RANDOM: *f = (*f & ~FL_VM_SEQ_READ) | FL_VM_RAND_READ; break;
			case FL_MADV_SEQUENTIAL: *f = (*f & ~FL_VM_RAND_READ) | FL_VM_SEQ_READ; break;
			case FL_MADV_NORMAL: *f &= ~(FL_VM_RAND_READ | FL_VM_SEQ_READ); break;
			case FL_MADV_DONTDUMP: *f |= FL_VM_DONTDUMP; break;
			case FL_MADV_DODUMP: *f &= ~FL_VM_DONTDUMP; break;
			default: break;
			}
		}
	} else if (op < 86) {
		/* mremap of part of a VMA: shrink, grow in place, or move */
		struct fl_vma *v = at(mm, a);
		int vs, ve, len, nlen, dst, mode = (int)(rnd(seed) % 3);
		struct refpage save[NP];

		if (!v)
			return;
		vs = (int)PN(v->start);
		ve = (int)PN(v->end);
		len = 1 + (int)(rnd(seed) % (uint64_t)(ve - a));
		if (mode == 0 && len > 1) {
			nlen = 1 + (int)(rnd(seed) % (uint64_t)(len - 1));
			assert_int_equal(fl_mm_mremap(mm, P(a), (uint64_t)len * PG, (uint64_t)nlen * PG, 0, P(a)), 0);
			ref_unmap(r, a + nlen, a + len);
			return;
		}
		if (mode == 1) {
			/* resize_is_valid(): in place only at the VMA's end, into free space */
			len = ve - a;
			nlen = len + 1 + (int)(rnd(seed) % 6);
			if (a + nlen > NP || !ref_none_mapped(r, ve, a + nlen))
				return;
			assert_int_equal(fl_mm_mremap(mm, P(a), (uint64_t)len * PG, (uint64_t)nlen * PG,
						      FL_MREMAP_MAYMOVE, P(a)), 0);
			for (int i = ve; i < a + nlen; i++) {
				r->pg[i] = r->pg[ve - 1];
				r->pg[i].pgoff = r->pg[ve - 1].pgoff + (uint64_t)(i - ve + 1);
			}
			return;
		}
		nlen = 1 + (int)(rnd(seed) % 10);
		dst = (int)(rnd(seed) % NP);
		if (dst + nlen > NP || (dst < a + len && a < dst + nlen))
			return;
		(void)vs;
		memcpy(save, r->pg, sizeof(save));
		assert_int_equal(fl_mm_mremap(mm, P(a), (uint64_t)len * PG, (uint64_t)nlen * PG,
					      FL_MREMAP_MAYMOVE | FL_MREMAP_FIXED, P(dst)), 0);
		ref_unmap(r, dst, dst + nlen);
		ref_unmap(r, a, a + len);
		for (int i = 0; i < nlen; i++) {
			struct refpage *p = &r->pg[dst + i];

			*p = save[a + (i < len ? i : len - 1)];
			p->pgoff = save[a].pgoff + (uint64_t)i;
			if (!p->file)
				p->pgoff = P(dst + i) / PG;	/* unfaulted anon; faults: not compared */
		}
	} else if (op < 94) {
		/* brk between HEAP0 and the top of the window */
		int nb = HEAP0 + (int)(rnd(seed) % 60);
		int old = (int)r->brk;

		/* brk() refuses to grow into a mapping, and to shrink where
		 * nothing is mapped; it returns the old break then. */
		if ((nb > old && !ref_none_mapped(r, old, nb + 1)) ||
		    (nb < old && ref_none_mapped(r, nb, old))) {
			assert_int_equal(fl_mm_brk(mm, P(nb), P(old)), 0);
			return;
		}
		assert_int_equal(fl_mm_brk(mm, P(nb), P(nb)), 0);
		if (nb < old)
			ref_unmap(r, nb, old);
		for (int i = old; i < nb; i++) {
			r->pg[i].mapped = true;
			r->pg[i].flags = FL_VM_READ | FL_VM_WRITE | MAYS | FL_VM_ACCOUNT;
			r->pg[i].file = 0;
			r->pg[i].pgoff = P(i) / PG;
		}
		r->brk = (uint64_t)nb;
	} else if (cfg->faults) {
		struct fl_vma *v = at(mm, a);

		if (v)
			fl_mm_anon_prepare(mm, v);
	} else {
		struct fl_vma *v;

		/* read faults need no anon_vma: just look things up */
		v = at(mm, a);
		assert_true(v == NULL || (v->start <= P(a) && P(a) < v->end));
	}
}

static void random_vs_reference(void **state)
{
	const struct rnd_cfg *cfg = *state;
	struct fl_mm *mm = new_mm(cfg->kver);
	static struct ref r;
	uint64_t seed = 0x5eed0000ULL + (uint64_t)cfg->kver * 2 + cfg->faults;

	memset(&r, 0, sizeof(r));
	r.brk = HEAP0;
	assert_int_equal(fl_mm_brk(mm, 0, P(HEAP0)), 0);
	for (uint64_t step = 0; step < 20000; step++) {
		random_step(mm, &r, cfg, &seed);
		assert_int_equal(fl_vma_set_check(&mm->vmas), 0);
		check_reports(mm);
		check_against_ref(mm, &r, cfg->faults, step);
	}
	assert_int_equal(mm->inconsistent, 0);
	fl_mm_free(mm);
	free(mm);
}

static struct rnd_cfg cfg_606 = { FL_MM_KVER(6, 6), false };
static struct rnd_cfg cfg_606f = { FL_MM_KVER(6, 6), true };
static struct rnd_cfg cfg_618 = { FL_MM_KVER(6, 18), false };
static struct rnd_cfg cfg_618f = { FL_MM_KVER(6, 18), true };

#define T618(f) cmocka_unit_test_setup_teardown(f, setup_618, teardown)
#define T606(f) cmocka_unit_test_setup_teardown(f, setup_606, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T618(anon_adjacent_merge),
		T618(different_flags_do_not_merge),
		T618(file_pgoff_must_be_contiguous),
		T618(shared_anon_and_special_never_merge),
		T618(new_mapping_and_anon_vma),
		T606(new_mapping_and_anon_vma),
		T618(anon_prepare_reuses_neighbour),
		T618(munmap_middle_splits_in_three),
		T618(map_fixed_replaces),
		T618(mprotect_middle_split_remerge),
		T606(mprotect_middle_split_remerge),
		T618(mprotect_middle_split_remerge_faulted),
		T606(mprotect_middle_split_remerge_faulted),
		T618(mprotect_edge_moves_boundary),
		cmocka_unit_test(mprotect_anon_vma_rules),
		T618(mremap_expand_in_place_vs_move),
		T606(mremap_expand_in_place_vs_move),
		T618(mremap_dontunmap),
		T618(brk_grow_shrink),
		T618(brk_from_snapshot_heap),
		T618(madvise_dontneed_keeps_vmas),
		T618(madvise_nohugepage_splits),
		T618(pkey_mprotect_splits_on_the_key),
		T618(mlock_splits_and_munlock_merges),
		T618(mlock_skips_special_and_hugetlb),
		T618(mlockall_current_and_future),
		T618(mlock_calls_from_trace),
		cmocka_unit_test(madvise_lock_table),
		T618(stack_growth_and_guard_gap),
		T618(stack_limits),
		T618(failed_calls_change_nothing),
		T618(partial_failures),
		T618(apply_from_trace),
		T618(mmap_vm_flags),
		T618(mmap_populate_and_files),
		T618(observer_and_cycles),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_606),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_606f),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_618),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_618f),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
