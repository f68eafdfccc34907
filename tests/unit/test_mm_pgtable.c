/* Page-table occupancy against the kernel's rules (mm/memory.c,
 * mm/huge_memory.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c, 6.6..6.18):
 * each test names the kernel function it follows, then a random run is
 * checked page by page against a page-array reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm_pgtable.h"

#define KB 1024ULL
#define MB (1024 * KB)
#define GB (1024 * MB)
#define PG (4 * KB)
#define PMDSZ (2 * MB)
/* x86_64: page n of PMD entry m, counted from a PUD-aligned base. */
#define BASE (4 * GB)
#define A(m, n) (BASE + (uint64_t)(m) * PMDSZ + (uint64_t)(n) * PG)

static int setup_x86(void **state)
{
	struct fl_pgtable *pt = malloc(sizeof(*pt));

	assert_non_null(pt);
	assert_int_equal(fl_pgt_init(pt, FL_PGT_X86_64_4K), 0);
	*state = pt;
	return 0;
}

static int teardown(void **state)
{
	struct fl_pgtable *pt = *state;

	assert_int_equal(fl_pgt_check(pt), 0);
	fl_pgt_free(pt);
	free(pt);
	return 0;
}

static struct fl_vma vma_of(uint64_t start, uint64_t end, uint64_t flags, enum fl_vma_kind kind)
{
	struct fl_vma v;

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = end;
	v.flags = flags | FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC;
	v.kind = kind;
	if (kind == FL_VMA_FILE || kind == FL_VMA_SHMEM)
		v.file_id = 7;
	return v;
}

#define RW (FL_VM_READ | FL_VM_WRITE)

/* ---- geometry (arch/x86, arch/powerpc/include/asm/book3s/64) ----------- */

static void geometry(void **state)
{
	const struct fl_pgt_geom *g;
	struct fl_pgtable pt;

	(void)state;
	g = fl_pgt_geom_of(FL_PGT_X86_64_4K);
	assert_int_equal(g->pte_shift, 12);
	assert_int_equal(g->pmd_shift, 21);	/* a PTE table covers 2 MiB */
	assert_int_equal(g->pud_shift, 30);	/* a PMD table covers 1 GiB */
	assert_int_equal(g->ptes_per_table, 512);

	/* radix-64k.h: index bits 13/9/9/5. */
	g = fl_pgt_geom_of(FL_PGT_PPC64_RADIX_64K);
	assert_int_equal(g->pte_shift, 16);
	assert_int_equal(g->ptes_per_table, 32);
	assert_int_equal(g->pmd_shift, 21);
	assert_int_equal(g->pud_shift, 30);

	g = fl_pgt_geom_of(FL_PGT_PPC64_RADIX_4K);
	assert_int_equal(g->pmd_shift, 21);
	assert_int_equal(g->ptes_per_table, 512);

	/* hash-64k.h: H_PTE_INDEX_SIZE 8, so a PMD entry maps 16 MiB. */
	g = fl_pgt_geom_of(FL_PGT_PPC64_HASH_64K);
	assert_int_equal(g->pmd_shift, 24);
	assert_int_equal(g->ptes_per_table, 256);
	assert_false(g->move_pmd);

	/* hash-4k.h: H_PTE_INDEX_SIZE 9, H_PMD_INDEX_SIZE 7: a PTE table
	 * covers 2 MiB, a PMD table 128 of them, 256 MiB; no table moves. */
	g = fl_pgt_geom_of(FL_PGT_PPC64_HASH_4K);
	assert_int_equal(g->pte_shift, 12);
	assert_int_equal(g->pmd_shift, 21);
	assert_int_equal(g->pud_shift, 28);
	assert_int_equal(g->ptes_per_table, 512);
	assert_false(g->move_pmd);
	assert_string_equal(fl_pgt_profile_name(FL_PGT_PPC64_HASH_4K), "ppc64-hash-4k");

	for (int p = 0; p < FL_PGT__COUNT; p++) {
		g = fl_pgt_geom_of(p);
		assert_int_equal(1u << (g->pmd_shift - g->pte_shift), g->ptes_per_table);
	}
	assert_null(fl_pgt_geom_of(FL_PGT__COUNT));
	assert_int_equal(fl_pgt_init(&pt, FL_PGT__COUNT), -EINVAL);

	assert_int_equal(fl_pgt_profile_for(FL_MM_ARCH_X86_64, 12), FL_PGT_X86_64_4K);
	assert_int_equal(fl_pgt_profile_for(FL_MM_ARCH_PPC64, 16), FL_PGT_PPC64_RADIX_64K);
	assert_int_equal(fl_pgt_profile_for(FL_MM_ARCH_PPC64, 12), FL_PGT_PPC64_RADIX_4K);
	assert_string_equal(fl_pgt_profile_name(FL_PGT_PPC64_HASH_64K), "ppc64-hash-64k");
}

/* ppc64 radix 64K: 32 PTEs of 64 KiB per table. */
static void ppc64_64k_tables(void **state)
{
	struct fl_pgtable pt;

	(void)state;
	assert_int_equal(fl_pgt_init(&pt, FL_PGT_PPC64_RADIX_64K), 0);
	assert_int_equal(fl_pgt_fault_pte(&pt, BASE + 31 * 64 * KB, true), 0);
	assert_int_equal(pt.st.pte_tables, 1);
	assert_int_equal(fl_pgt_fault_pte(&pt, BASE + 32 * 64 * KB, false), 0);
	assert_int_equal(pt.st.pte_tables, 2);	/* the 33rd page: next table */
	assert_int_equal(fl_pgt_pte(&pt, BASE + 31 * 64 * KB + 4 * KB), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(&pt, BASE + 30 * 64 * KB), FL_PTE_NONE);
	assert_int_equal(pt.st.pmd_tables, 1);
	/* 64 KiB fault-around on 64 KiB pages is one page: none. */
	struct fl_vma f = vma_of(BASE, BASE + 4 * MB, FL_VM_READ, FL_VMA_FILE);
	assert_false(fl_pgt_should_fault_around(&pt, &f, 64 * KB));
	assert_true(fl_pgt_should_fault_around(&pt, &f, 256 * KB));
	assert_int_equal(fl_pgt_fault_around(&pt, &f, BASE + 5 * 64 * KB, 256 * KB), 4);
	assert_int_equal(fl_pgt_pte(&pt, BASE + 4 * 64 * KB), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(&pt, BASE + 7 * 64 * KB), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(&pt, BASE + 8 * 64 * KB), FL_PTE_NONE);
	assert_int_equal(fl_pgt_check(&pt), 0);
	fl_pgt_free(&pt);
}

/* ---- faults ------------------------------------------------------------- */

/* __handle_mm_fault(): pmd_alloc(); do_anonymous_page(): pte_alloc(). */
static void fault_allocates_tables(void **state)
{
	struct fl_pgtable *pt = *state;

	assert_false(fl_pgt_pud_present(pt, A(0, 0)));
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 0)), FL_PTE_NONE);

	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 3), false), 0);
	assert_true(fl_pgt_pud_present(pt, A(0, 0)));
	assert_true(fl_pgt_pud_present(pt, BASE + GB - 1));
	assert_false(fl_pgt_pud_present(pt, BASE + GB));
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(1, 0)), FL_PMD_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 3)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 4)), FL_PTE_NONE);
	assert_int_equal(pt->st.pte_tables, 1);
	assert_int_equal(pt->st.pmd_tables, 1);
	assert_int_equal(pt->st.resident_ptes, 1);

	/* Same table; do_wp_page() makes it writable. */
	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 511), true), 0);
	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 3), true), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 3)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(pt->st.pte_tables, 1);
	assert_int_equal(pt->st.resident_ptes, 2);

	/* Next PMD entry: a new PTE table under the same PMD table. */
	assert_int_equal(fl_pgt_fault_pte(pt, A(1, 0), true), 0);
	assert_int_equal(pt->st.pte_tables, 2);
	assert_int_equal(pt->st.pmd_tables, 1);
	/* Next PUD entry: a new PMD table too. */
	assert_int_equal(fl_pgt_fault_pte(pt, BASE + GB, true), 0);
	assert_int_equal(pt->st.pte_tables, 3);
	assert_int_equal(pt->st.pmd_tables, 2);
	assert_int_equal(pt->st.pte_tables_alloc, 3);

	/* Swap entries (reclaim is not traced: set by hand). */
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 511), FL_PTE_SWAP), 0);
	assert_int_equal(pt->st.swap_ptes, 1);
	assert_int_equal(pt->st.resident_ptes, 3);
	assert_int_equal(fl_pgt_set_pte(pt, A(5, 0), FL_PTE_NONE), 0);
	assert_int_equal(pt->st.pte_tables, 3);	/* clearing allocates nothing */
	assert_true(fl_pgt_bytes(pt) >= 3 * 512);
	assert_int_equal(fl_pgt_check(pt), 0);
}

/* handle_pte_fault() and what it dispatches to. */
static void fault_result_rules(void **state)
{
	struct fl_pgtable *pt = *state;
	struct fl_vma anon = vma_of(BASE, BASE + MB, RW, FL_VMA_ANON);
	struct fl_vma ro = vma_of(BASE, BASE + MB, FL_VM_READ, FL_VMA_ANON);
	struct fl_vma shm = vma_of(BASE, BASE + MB, RW | FL_VM_SHARED, FL_VMA_SHMEM);
	struct fl_vma file = vma_of(BASE, BASE + MB, RW | FL_VM_SHARED, FL_VMA_FILE);

	/* Writes: do_anonymous_page, do_cow_fault, do_shared_fault, do_wp_page. */
	assert_int_equal(fl_pgt_fault_result(pt, &anon, FL_PTE_NONE, true), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_fault_result(pt, &anon, FL_PTE_PRESENT, true),
			 FL_PTE_PRESENT_WRITE);
	/* do_anonymous_page() read: the zero page, read-only. */
	assert_int_equal(fl_pgt_fault_result(pt, &anon, FL_PTE_NONE, false), FL_PTE_PRESENT);
	/* Spurious read of a present PTE: unchanged. */
	assert_int_equal(fl_pgt_fault_result(pt, &anon, FL_PTE_PRESENT_WRITE, false),
			 FL_PTE_PRESENT_WRITE);
	/* set_pte_range(): shmem's vm_page_prot is writable; a file with
	 * write-notify maps read-only until the write fault. */
	assert_int_equal(fl_pgt_fault_result(pt, &shm, FL_PTE_NONE, false), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_fault_result(pt, &file, FL_PTE_NONE, false), FL_PTE_PRESENT);
	/* do_swap_page(): a read swap-in is writable from 6.11 in a VM_WRITE VMA. */
	assert_int_equal(fl_pgt_fault_result(pt, &anon, FL_PTE_SWAP, false), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_fault_result(pt, &ro, FL_PTE_SWAP, false), FL_PTE_PRESENT);
	pt->kver = FL_MM_KVER(6, 6);
	assert_int_equal(fl_pgt_fault_result(pt, &anon, FL_PTE_SWAP, false), FL_PTE_PRESENT);
}

/* do_huge_pmd_anonymous_page(), wp_huge_pmd(). */
static void huge_pmd_fault(void **state)
{
	struct fl_pgtable *pt = *state;

	assert_int_equal(fl_pgt_fault_huge(pt, A(2, 7), false), 0);	/* huge zero page */
	assert_int_equal(fl_pgt_pmd_state(pt, A(2, 0)), FL_PMD_HUGE);
	assert_true(fl_pgt_pud_present(pt, A(2, 0)));
	assert_int_equal(fl_pgt_pte(pt, A(2, 0)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(2, 511)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(3, 0)), FL_PTE_NONE);
	assert_int_equal(pt->st.huge_pmds, 1);
	assert_int_equal(pt->st.pte_tables, 0);
	assert_int_equal(fl_pgt_fault_huge(pt, A(2, 9), true), 0);
	assert_int_equal(fl_pgt_pte(pt, A(2, 100)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(pt->st.huge_pmds, 1);

	/* A small page mapped under a huge PMD: split_huge_pmd() first. */
	assert_int_equal(fl_pgt_set_pte(pt, A(2, 5), FL_PTE_NONE), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(2, 0)), FL_PMD_TABLE);
	assert_int_equal(pt->st.huge_splits, 1);
	assert_int_equal(pt->st.resident_ptes, 511);
	assert_int_equal(fl_pgt_pte(pt, A(2, 6)), FL_PTE_PRESENT_WRITE);

	/* A huge PMD over a PTE table (collapse): the table goes. */
	assert_int_equal(fl_pgt_fault_huge(pt, A(2, 0), true), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(2, 0)), FL_PMD_HUGE);
	assert_int_equal(pt->st.pte_tables, 0);
	assert_int_equal(pt->st.resident_ptes, 0);
	assert_int_equal(pt->st.pte_tables_freed, 1);
}

/* ---- fault-around (do_fault_around, should_fault_around) ----------------- */

static void fault_around_window(void **state)
{
	struct fl_pgtable *pt = *state;
	struct fl_vma f = vma_of(A(0, 0), A(0, 100), FL_VM_READ, FL_VMA_FILE);
	struct fl_vma anon = vma_of(A(0, 0), A(0, 100), FL_VM_READ, FL_VMA_ANON);

	/* should_fault_around(): ->map_pages and more than one page. */
	assert_true(fl_pgt_should_fault_around(pt, &f, 64 * KB));
	assert_false(fl_pgt_should_fault_around(pt, &anon, 64 * KB));
	assert_false(fl_pgt_should_fault_around(pt, &f, 4 * KB));
	f.flags |= FL_VM_UFFD_WP;
	assert_false(fl_pgt_should_fault_around(pt, &f, 64 * KB));
	f.flags &= ~FL_VM_UFFD_WP;

	/* 64 KiB = 16 pages, aligned down: pages 16..31 around page 20. */
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(0, 20), 64 * KB), 16);
	assert_int_equal(fl_pgt_pte(pt, A(0, 15)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 16)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 31)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 32)), FL_PTE_NONE);

	/* filemap_map_pages() skips PTEs that are not none. */
	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 33), true), 0);
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 34), FL_PTE_SWAP), 0);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(0, 40), 64 * KB), 14);
	assert_int_equal(fl_pgt_pte(pt, A(0, 33)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 34)), FL_PTE_SWAP);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(0, 40), 64 * KB), 0);

	/* Clamped to the VMA end: pages 96..99. */
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(0, 98), 64 * KB), 4);
	assert_int_equal(fl_pgt_pte(pt, A(0, 100)), FL_PTE_NONE);

	/* Clamped to the VMA start: from_pte is raised to it and the window
	 * runs nr_pages from there (to_pte = from_pte + nr_pages). */
	f = vma_of(A(1, 18), A(1, 100), FL_VM_READ, FL_VMA_FILE);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(1, 20), 64 * KB), 16);
	assert_int_equal(fl_pgt_pte(pt, A(1, 17)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(1, 18)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(1, 33)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(1, 34)), FL_PTE_NONE);

	/* ... and to the PTE table holding the address. */
	f = vma_of(A(2, 500), A(3, 100), FL_VM_READ, FL_VMA_FILE);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(2, 505), 64 * KB), 12);
	assert_int_equal(fl_pgt_pte(pt, A(2, 511)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(3, 0)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(3, 0)), FL_PMD_NONE);

	/* Shared shmem: mapped writable (vm_page_prot). */
	f = vma_of(A(4, 0), A(4, 64), RW | FL_VM_SHARED, FL_VMA_SHMEM);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(4, 1), 64 * KB), 16);
	assert_int_equal(fl_pgt_pte(pt, A(4, 15)), FL_PTE_PRESENT_WRITE);
	/* A huge PMD there: filemap_map_pmd(), nothing to map. */
	assert_int_equal(fl_pgt_fault_huge(pt, A(5, 0), false), 0);
	f = vma_of(A(5, 0), A(6, 0), FL_VM_READ, FL_VMA_FILE);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(5, 1), 64 * KB), 0);
	assert_int_equal(fl_pgt_fault_around(pt, &f, A(6, 1), 64 * KB), -EINVAL);
}

/* ---- zap (zap_page_range_single, zap_pmd_range) ------------------------- */

static void zap_keeps_tables(void **state)
{
	struct fl_pgtable *pt = *state;

	for (int n = 0; n < 10; n++)
		assert_int_equal(fl_pgt_fault_pte(pt, A(0, n), true), 0);
	assert_int_equal(fl_pgt_zap(pt, A(0, 2), A(0, 5)), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 1)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 4)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 5)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_zap(pt, A(0, 0), A(1, 0)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);	/* kept */
	assert_int_equal(pt->st.resident_ptes, 0);
	assert_int_equal(pt->st.pte_tables, 1);

	/* A huge PMD partly zapped: __split_huge_pmd(), then the PTEs. */
	assert_int_equal(fl_pgt_fault_huge(pt, A(1, 0), true), 0);
	assert_int_equal(fl_pgt_zap(pt, A(1, 500), A(2, 0)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(1, 0)), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pte(pt, A(1, 499)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(1, 500)), FL_PTE_NONE);
	assert_int_equal(pt->st.resident_ptes, 500);
	/* Wholly zapped: zap_huge_pmd() clears the entry. */
	assert_int_equal(fl_pgt_fault_huge(pt, A(3, 0), true), 0);
	assert_int_equal(fl_pgt_zap(pt, A(2, 0), A(4, 0)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(3, 0)), FL_PMD_NONE);
	assert_int_equal(pt->st.huge_pmds, 0);
}

/* What a fork's copy_page_range() would copy: the PTE tables under a
 * range, the entries in them that are not none (a swap entry is copied
 * too, copy_nonpresent_pte()), a huge PMD as one entry and no table. */
static void count_for_fork(void **state)
{
	struct fl_pgtable *pt = *state;
	uint64_t tables, entries;

	for (int n = 0; n < 10; n++)
		assert_int_equal(fl_pgt_fault_pte(pt, A(0, n), true), 0);
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 20), FL_PTE_SWAP), 0);
	assert_int_equal(fl_pgt_zap(pt, A(0, 3), A(0, 4)), 0);
	assert_int_equal(fl_pgt_fault_huge(pt, A(1, 0), true), 0);
	assert_int_equal(fl_pgt_count(pt, A(0, 0), A(2, 0), &tables, &entries), 0);
	assert_int_equal(tables, 1);
	assert_int_equal(entries, 9 + 1 + 1);
	/* Part of a table: only the entries inside. */
	assert_int_equal(fl_pgt_count(pt, A(0, 5), A(0, 21), &tables, &entries), 0);
	assert_int_equal(tables, 1);
	assert_int_equal(entries, 5 + 1);
	assert_int_equal(fl_pgt_count(pt, A(3, 0), A(4, 0), &tables, &entries), 0);
	assert_int_equal(tables + entries, 0);
}

/* ---- unmap (free_pgtables, free_pgd_range) ------------------------------ */

static void fill(struct fl_pgtable *pt, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end; a += PG)
		assert_int_equal(fl_pgt_fault_pte(pt, a, true), 0);
}

static void unmap_frees_tables(void **state)
{
	struct fl_pgtable *pt = *state;

	/* Alone in the address space: everything goes, PMD table too. */
	fill(pt, A(0, 10), A(0, 20));
	assert_int_equal(fl_pgt_unmap(pt, A(0, 10), A(0, 20), 0, 0), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 10)), FL_PMD_NONE);
	assert_false(fl_pgt_pud_present(pt, A(0, 10)));
	assert_int_equal(pt->st.pte_tables_freed, 1);
	assert_int_equal(pt->st.pmd_tables_freed, 1);

	/* The previous VMA ends inside the same PMD span (floor): the PTE
	 * table may serve it, it stays. */
	fill(pt, A(0, 0), A(0, 20));
	assert_int_equal(fl_pgt_unmap(pt, A(0, 10), A(0, 20), A(0, 10), UINT64_MAX), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 9)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 10)), FL_PTE_NONE);
	assert_true(fl_pgt_pud_present(pt, A(0, 0)));

	/* The next VMA starts in the same PMD span (ceiling): kept. */
	assert_int_equal(fl_pgt_unmap(pt, A(0, 0), A(0, 5), 0, A(0, 6)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);
	assert_true(fl_pgt_pud_present(pt, A(0, 0)));
	/* Nothing around any more: freed. */
	assert_int_equal(fl_pgt_unmap(pt, A(0, 5), A(0, 10), 0, 0), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_NONE);
	assert_false(fl_pgt_pud_present(pt, A(0, 0)));

	/* A range over three PMD spans, neighbours in the first and last:
	 * only the middle table is freed; the PMD table stays (shared). */
	fill(pt, A(0, 500), A(2, 12));
	assert_int_equal(fl_pgt_unmap(pt, A(0, 505), A(2, 10), A(0, 505), A(2, 10)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(1, 0)), FL_PMD_NONE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(2, 0)), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 504)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(2, 10)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(2, 9)), FL_PTE_NONE);
	assert_true(fl_pgt_pud_present(pt, A(1, 0)));

	/* Neighbours at exact PMD boundaries do not keep a span they do not
	 * reach into. */
	assert_int_equal(fl_pgt_unmap(pt, A(0, 500), A(1, 0), A(0, 0), A(1, 0)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_NONE);
	assert_true(fl_pgt_pud_present(pt, A(0, 0)));	/* ceiling A(1,0) is in this PUD */

	/* PMD tables: a neighbour in the next PUD span does not keep this
	 * one's PMD table. */
	fill(pt, BASE + GB, BASE + GB + PG);
	assert_int_equal(fl_pgt_unmap(pt, A(2, 10), A(2, 12), 0, BASE + GB), 0);
	assert_false(fl_pgt_pud_present(pt, A(2, 0)));
	assert_true(fl_pgt_pud_present(pt, BASE + GB));
	assert_int_equal(pt->st.pte_tables, 1);
	assert_int_equal(pt->st.pmd_tables, 1);

	/* Huge PMDs are zapped and the PMD table freed. */
	assert_int_equal(fl_pgt_fault_huge(pt, A(7, 0), true), 0);
	assert_int_equal(fl_pgt_unmap(pt, A(7, 0), A(8, 0), 0, BASE + GB), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(7, 0)), FL_PMD_NONE);
	assert_false(fl_pgt_pud_present(pt, A(7, 0)));
	assert_int_equal(pt->st.pte_tables_alloc - pt->st.pte_tables_freed, pt->st.pte_tables);
}

/* ---- move (move_page_tables) ------------------------------------------- */

static void move_ptes(void **state)
{
	struct fl_pgtable *pt = *state;
	uint64_t alloc;

	/* Unaligned: move_ptes() one by one, source none after. */
	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 10), true), 0);
	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 11), false), 0);
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 12), FL_PTE_SWAP), 0);
	assert_int_equal(fl_pgt_move(pt, A(0, 10), A(0, 14), A(3, 510)), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 10)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 12)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(3, 510)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(3, 511)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(4, 0)), FL_PTE_SWAP);	/* crosses a table */
	assert_int_equal(fl_pgt_pte(pt, A(4, 1)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);	/* source table stays */
	assert_int_equal(pt->st.pte_tables, 3);

	/* PMD-aligned, PMD-sized: move_normal_pmd() moves the table itself. */
	fill(pt, A(8, 0), A(8, 4));
	alloc = pt->st.pte_tables_alloc;
	assert_int_equal(fl_pgt_move(pt, A(8, 0), A(9, 0), A(12, 0)), 0);
	assert_int_equal(pt->st.pte_tables_alloc, alloc);
	assert_int_equal(fl_pgt_pmd_state(pt, A(8, 0)), FL_PMD_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(12, 3)), FL_PTE_PRESENT_WRITE);

	/* Huge PMD: move_huge_pmd() when aligned ... */
	assert_int_equal(fl_pgt_fault_huge(pt, A(20, 0), true), 0);
	assert_int_equal(fl_pgt_move(pt, A(20, 0), A(21, 0), BASE + GB), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(20, 0)), FL_PMD_NONE);
	assert_int_equal(fl_pgt_pmd_state(pt, BASE + GB), FL_PMD_HUGE);
	assert_true(fl_pgt_pud_present(pt, BASE + GB));	/* alloc_new_pmd() */
	/* ... else split_huge_pmd() and move the PTEs. */
	assert_int_equal(fl_pgt_move(pt, BASE + GB, BASE + GB + PMDSZ, A(30, 1)), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, BASE + GB), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pte(pt, BASE + GB), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(30, 0)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(30, 1)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(31, 0)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(31, 1)), FL_PTE_NONE);
	assert_int_equal(pt->st.resident_ptes, 2 + 4 + 512);
}

/* Hash 64K: no move_normal_pmd() (arch_supports_page_table_move()). */
static void move_hash_no_table_move(void **state)
{
	struct fl_pgtable pt;
	const uint64_t sz = 16 * MB;

	(void)state;
	assert_int_equal(fl_pgt_init(&pt, FL_PGT_PPC64_HASH_64K), 0);
	assert_int_equal(fl_pgt_fault_pte(&pt, BASE, true), 0);
	assert_int_equal(fl_pgt_move(&pt, BASE, BASE + sz, BASE + 4 * sz), 0);
	assert_int_equal(pt.st.pte_tables_alloc, 2);
	assert_int_equal(fl_pgt_pte(&pt, BASE + 4 * sz), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(&pt, BASE), FL_PTE_NONE);
	assert_int_equal(fl_pgt_check(&pt), 0);
	fl_pgt_free(&pt);
}

/* Hash 4K (hash-4k.h, H_PMD_INDEX_SIZE 7): a PMD table covers 256 MiB, so
 * two faults 256 MiB apart need two PMD tables where radix 4K (1 GiB) needs
 * one; and mremap copies the PTEs instead of moving the table
 * (arch_supports_page_table_move() is radix only). */
static void hash_4k_geometry(void **state)
{
	struct fl_pgtable pt;
	const uint64_t base = 0x10000000ULL;	/* 256 MiB aligned */

	(void)state;
	assert_int_equal(fl_pgt_init(&pt, FL_PGT_PPC64_HASH_4K), 0);
	assert_int_equal(fl_pgt_fault_pte(&pt, base, true), 0);
	assert_int_equal(fl_pgt_fault_pte(&pt, base + (255u << 20), true), 0);
	assert_int_equal(pt.st.pmd_tables_alloc, 1);
	assert_int_equal(fl_pgt_fault_pte(&pt, base + (256u << 20), true), 0);
	assert_int_equal(pt.st.pmd_tables_alloc, 2);
	assert_false(fl_pgt_pud_present(&pt, base + (512u << 20)));
	assert_int_equal(fl_pgt_move(&pt, base, base + (2u << 20), base + (64u << 20)), 0);
	assert_int_equal(pt.st.pte_tables_alloc, 4);	/* a new table at the destination */
	assert_int_equal(fl_pgt_pte(&pt, base + (64u << 20)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(&pt, base), FL_PTE_NONE);
	assert_int_equal(fl_pgt_check(&pt), 0);
	fl_pgt_free(&pt);

	assert_int_equal(fl_pgt_init(&pt, FL_PGT_PPC64_RADIX_4K), 0);
	assert_int_equal(fl_pgt_fault_pte(&pt, base, true), 0);
	assert_int_equal(fl_pgt_fault_pte(&pt, base + (256u << 20), true), 0);
	assert_int_equal(pt.st.pmd_tables_alloc, 1);
	fl_pgt_free(&pt);
}

/* ---- protect (change_protection, can_change_pte_writable) -------------- */

static void protect_write(void **state)
{
	struct fl_pgtable *pt = *state;
	struct fl_vma ro = vma_of(A(0, 0), A(1, 0), FL_VM_READ, FL_VMA_ANON);
	struct fl_vma rw = vma_of(A(0, 0), A(1, 0), RW, FL_VMA_ANON);
	struct fl_vma shm = vma_of(A(2, 0), A(3, 0), RW | FL_VM_SHARED, FL_VMA_SHMEM);
	struct fl_vma file = vma_of(A(2, 0), A(3, 0), RW | FL_VM_SHARED, FL_VMA_FILE);

	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 0), true), 0);	/* anon page */
	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 1), false), 0);	/* zero page */
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 2), FL_PTE_SWAP), 0);
	/* Removing write: PRESENT_WRITE -> PRESENT. */
	assert_int_equal(fl_pgt_protect(pt, A(0, 0), A(1, 0), &ro), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 0)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 1)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_SWAP);
	/* Adding write back: the exclusive anon page is writable at once, the
	 * zero page waits for its write fault. */
	assert_int_equal(fl_pgt_protect(pt, A(0, 0), A(1, 0), &rw), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 0)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 1)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_SWAP);
	/* A swapped-in page is exclusive too. */
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 2), FL_PTE_PRESENT), 0);
	assert_int_equal(fl_pgt_protect(pt, A(0, 0), A(1, 0), &rw), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_PRESENT_WRITE);

	/* Shared: shmem (no write-notify) maps every present PTE writable;
	 * a file with write-notify only its dirty ones. */
	assert_int_equal(fl_pgt_fault_pte(pt, A(2, 0), false), 0);
	assert_int_equal(fl_pgt_fault_pte(pt, A(2, 1), true), 0);
	file.flags &= ~FL_VM_WRITE;
	assert_int_equal(fl_pgt_protect(pt, A(2, 0), A(3, 0), &file), 0);
	assert_int_equal(fl_pgt_pte(pt, A(2, 1)), FL_PTE_PRESENT);
	file.flags |= FL_VM_WRITE;
	assert_int_equal(fl_pgt_protect(pt, A(2, 0), A(3, 0), &file), 0);
	assert_int_equal(fl_pgt_pte(pt, A(2, 0)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(2, 1)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_protect(pt, A(2, 0), A(3, 0), &shm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(2, 0)), FL_PTE_PRESENT_WRITE);

	/* A huge PMD partly covered: split (change_pmd_range()); wholly: it
	 * stays huge (change_huge_pmd()). */
	assert_int_equal(fl_pgt_fault_huge(pt, A(4, 0), true), 0);
	assert_int_equal(fl_pgt_fault_huge(pt, A(5, 0), true), 0);
	ro.end = A(6, 0);
	assert_int_equal(fl_pgt_protect(pt, A(4, 0), A(5, 0), &ro), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(4, 0)), FL_PMD_HUGE);
	assert_int_equal(fl_pgt_pte(pt, A(4, 0)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_protect(pt, A(5, 0), A(5, 8), &ro), 0);
	assert_int_equal(fl_pgt_pmd_state(pt, A(5, 0)), FL_PMD_TABLE);
	assert_int_equal(fl_pgt_pte(pt, A(5, 7)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(5, 8)), FL_PTE_PRESENT_WRITE);
	rw.end = A(6, 0);
	assert_int_equal(fl_pgt_protect(pt, A(4, 0), A(6, 0), &rw), 0);
	assert_int_equal(fl_pgt_pte(pt, A(4, 0)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(5, 7)), FL_PTE_PRESENT_WRITE);
}

/* ---- lazyfree (madvise_free_pte_range) --------------------------------- */

static void lazyfree_keeps_pages(void **state)
{
	struct fl_pgtable *pt = *state;

	assert_int_equal(fl_pgt_fault_pte(pt, A(0, 0), true), 0);
	assert_int_equal(fl_pgt_set_pte(pt, A(0, 1), FL_PTE_SWAP), 0);
	assert_int_equal(fl_pgt_lazyfree(pt, A(0, 0), A(0, 2)), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 0)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 1)), FL_PTE_NONE);	/* swap freed */
	assert_int_equal(pt->st.swap_ptes, 0);
}

/* ---- the engine's path: mm_ops reports applied ------------------------- */

static void apply_mm_reports(void **state)
{
	struct fl_pgtable *pt = *state;
	struct fl_mm mm;
	const uint64_t anon = FL_MAP_PRIVATE | FL_MAP_ANONYMOUS | FL_MAP_FIXED;
	const uint64_t rw = FL_PROT_READ | FL_PROT_WRITE;

	fl_mm_init(&mm, 12, FL_MM_ARCH_X86_64, FL_MM_KVER(6, 18));
	/* MAP_POPULATE on a private writable mapping: write faults. */
	assert_int_equal(fl_mm_mmap(&mm, A(0, 0), 8 * PG, rw, anon | FL_MAP_POPULATE, -1, 0), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 7)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(pt->st.resident_ptes, 8);
	/* MADV_POPULATE_READ on a read-only one: read faults. */
	assert_int_equal(fl_mm_mmap(&mm, A(3, 0), 4 * PG, FL_PROT_READ, anon, -1, 0), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_mm_madvise(&mm, A(3, 0), 4 * PG, FL_MADV_POPULATE_READ), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(3, 3)), FL_PTE_PRESENT);

	/* mprotect(PROT_READ) on the middle: split VMAs, PTEs read-only. */
	assert_int_equal(fl_mm_mprotect(&mm, A(0, 2), 2 * PG, FL_PROT_READ), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 1)), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_PRESENT);
	assert_int_equal(fl_pgt_pte(pt, A(0, 4)), FL_PTE_PRESENT_WRITE);
	/* and back: exclusive anonymous pages are writable again. */
	assert_int_equal(fl_mm_mprotect(&mm, A(0, 2), 2 * PG, rw), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_PRESENT_WRITE);

	/* MADV_DONTNEED: zap, table kept. */
	assert_int_equal(fl_mm_madvise(&mm, A(0, 0), 2 * PG, FL_MADV_DONTNEED), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 0)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_TABLE);
	/* MADV_FREE: stays mapped. */
	assert_int_equal(fl_mm_madvise(&mm, A(0, 2), 2 * PG, FL_MADV_FREE), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_PRESENT_WRITE);

	/* mremap move to another PUD span: PTEs move, the old VMA is
	 * unmapped and, with no neighbour in its span, its table freed. */
	assert_int_equal(fl_mm_mremap(&mm, A(0, 0), 8 * PG, 8 * PG,
				      FL_MREMAP_MAYMOVE | FL_MREMAP_FIXED, BASE + GB), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(fl_pgt_pte(pt, BASE + GB + 2 * PG), FL_PTE_PRESENT_WRITE);
	assert_int_equal(fl_pgt_pte(pt, BASE + GB), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pte(pt, A(0, 2)), FL_PTE_NONE);
	assert_int_equal(fl_pgt_pmd_state(pt, A(0, 0)), FL_PMD_NONE);
	assert_true(fl_pgt_pud_present(pt, A(0, 0)));	/* the VMA at A(3, 0) */
	assert_int_equal(fl_pgt_pmd_state(pt, A(3, 0)), FL_PMD_TABLE);

	/* munmap everything: every table goes. */
	assert_int_equal(fl_mm_munmap(&mm, A(0, 0), 2 * GB), 0);
	assert_int_equal(fl_pgt_apply_mm(pt, &mm), 0);
	assert_int_equal(pt->st.pte_tables, 0);
	assert_int_equal(pt->st.pmd_tables, 0);
	assert_int_equal(pt->st.resident_ptes, 0);
	fl_mm_free(&mm);
}

/* ---- random run against a page-array reference ------------------------ */

struct rcfg {
	enum fl_pgt_profile profile;
	int steps;
};

#define NPMD 8

struct ref {
	const struct fl_pgt_geom *g;
	uint64_t base;		/* PUD boundary - NPMD/2 PMD spans */
	int np, ppt;		/* pages, pages per table */
	uint8_t *st;		/* enum fl_pgt_pte per page */
	uint8_t *wok;		/* could be made writable without a fault */
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t addr_of(const struct ref *r, int p)
{
	return r->base + ((uint64_t)p << r->g->pte_shift);
}

static void ref_set(struct ref *r, int p, enum fl_pgt_pte s)
{
	uint8_t old = r->st[p];

	if (s == FL_PTE_PRESENT_WRITE)
		r->wok[p] = 1;
	else if (s == FL_PTE_PRESENT)
		r->wok[p] = old == FL_PTE_SWAP || ((old == FL_PTE_PRESENT ||
						    old == FL_PTE_PRESENT_WRITE) && r->wok[p]);
	else
		r->wok[p] = 0;
	r->st[p] = (uint8_t)s;
}

static bool ref_span_none(const struct ref *r, int a, int b)
{
	for (int p = a; p < b; p++)
		if (r->st[p] != FL_PTE_NONE)
			return false;
	return true;
}

static void check_ref(const struct fl_pgtable *pt, const struct ref *r, int step)
{
	for (int p = 0; p < r->np; p++) {
		enum fl_pgt_pte got = fl_pgt_pte(pt, addr_of(r, p));

		if (got != r->st[p])
			fail_msg("step %d page %d: %s, want %s", step, p, fl_pgt_pte_name(got),
				 fl_pgt_pte_name(r->st[p]));
		if (got != FL_PTE_NONE) {
			assert_int_not_equal(fl_pgt_pmd_state(pt, addr_of(r, p)), FL_PMD_NONE);
			assert_true(fl_pgt_pud_present(pt, addr_of(r, p)));
		}
	}
	assert_int_equal(fl_pgt_check(pt), 0);
}

static void random_step(struct fl_pgtable *pt, struct ref *r, uint64_t *seed, int step)
{
	int a = (int)(rnd(seed) % (uint64_t)r->np), len = 1 + (int)(rnd(seed) % (uint64_t)(r->ppt * 2));
	int b = a + len > r->np ? r->np : a + len;
	uint64_t op = rnd(seed) % 100;
	struct fl_vma v;

	v = vma_of(addr_of(r, 0), addr_of(r, r->np),
		   (rnd(seed) & 1) ? RW : FL_VM_READ, FL_VMA_ANON);
	if (op < 30) {			/* a fault */
		bool w = rnd(seed) & 1;
		enum fl_pgt_pte s = fl_pgt_fault_result(pt, &v, r->st[a], w);

		assert_int_equal(fl_pgt_set_pte(pt, addr_of(r, a), s), 0);
		ref_set(r, a, s);
	} else if (op < 35) {		/* reclaim */
		assert_int_equal(fl_pgt_set_pte(pt, addr_of(r, a), FL_PTE_SWAP), 0);
		ref_set(r, a, FL_PTE_SWAP);
	} else if (op < 40) {		/* THP on a none PMD (create_huge_pmd()) */
		int t0 = a / r->ppt * r->ppt;
		bool w = rnd(seed) & 1;

		if (fl_pgt_pmd_state(pt, addr_of(r, t0)) == FL_PMD_NONE) {
			assert_true(ref_span_none(r, t0, t0 + r->ppt));
			assert_int_equal(fl_pgt_fault_huge(pt, addr_of(r, a), w), 0);
			for (int p = t0; p < t0 + r->ppt; p++)
				ref_set(r, p, w ? FL_PTE_PRESENT_WRITE : FL_PTE_PRESENT);
		}
	} else if (op < 48) {		/* fault-around in a file VMA [vs, ve) */
		int vs = a - (int)(rnd(seed) % 40), ve = b + (int)(rnd(seed) % 40);
		uint64_t bytes = (uint64_t)(1 + rnd(seed) % 32) << r->g->pte_shift;
		int nr, from, to, t0, mapped = 0;

		vs = vs < 0 ? 0 : vs;
		ve = ve > r->np ? r->np : ve;
		v = vma_of(addr_of(r, vs), addr_of(r, ve), FL_VM_READ, FL_VMA_FILE);
		for (nr = 1; nr * 2 <= (int)(bytes >> r->g->pte_shift); nr *= 2)
			;
		if (nr > r->ppt)
			nr = r->ppt;
		t0 = a / r->ppt * r->ppt;
		from = a / nr * nr;
		from = from < vs ? vs : from;
		to = from + nr;
		to = to > t0 + r->ppt ? t0 + r->ppt : to;
		to = to > ve ? ve : to;
		if (fl_pgt_pmd_state(pt, addr_of(r, a)) != FL_PMD_HUGE) {
			for (int p = from; p < to; p++)
				if (r->st[p] == FL_PTE_NONE) {
					ref_set(r, p, FL_PTE_PRESENT);
					mapped++;
				}
		}
		assert_int_equal(fl_pgt_fault_around(pt, &v, addr_of(r, a), bytes), mapped);
	} else if (op < 58) {		/* zap */
		assert_int_equal(fl_pgt_zap(pt, addr_of(r, a), addr_of(r, b)), 0);
		for (int p = a; p < b; p++)
			ref_set(r, p, FL_PTE_NONE);
	} else if (op < 70) {		/* unmap, neighbours at floor/ceiling */
		int f = a - (int)(rnd(seed) % (uint64_t)(r->ppt * 2));
		int c = b + (int)(rnd(seed) % (uint64_t)(r->ppt * 2));
		uint64_t floor = f < 0 ? 0 : addr_of(r, f);
		uint64_t ceiling = c >= r->np ? 0 : addr_of(r, c);
		int ntab = r->np / r->ppt;
		bool had_pmd[NPMD], had_pud[2];

		for (int t = 0; t < ntab; t++)
			had_pmd[t] = fl_pgt_pmd_state(pt, addr_of(r, t * r->ppt)) != FL_PMD_NONE;
		for (int u = 0; u < 2; u++)
			had_pud[u] = fl_pgt_pud_present(pt, addr_of(r, u * r->np / 2));
		/* [floor, a) and [b, ceiling) are holes: nothing mapped there. */
		if (f > 0 && f < a)
			assert_int_equal(fl_pgt_zap(pt, addr_of(r, f), addr_of(r, a)), 0);
		else if (f <= 0)
			assert_int_equal(fl_pgt_zap(pt, addr_of(r, 0), addr_of(r, a)), 0);
		assert_int_equal(fl_pgt_zap(pt, addr_of(r, b), addr_of(r, c < r->np ? c : r->np)), 0);
		for (int p = f < 0 ? 0 : f; p < (c < r->np ? c : r->np); p++)
			ref_set(r, p, FL_PTE_NONE);
		assert_int_equal(fl_pgt_unmap(pt, addr_of(r, a), addr_of(r, b), floor, ceiling), 0);
		for (int p = a; p < b; p++)
			ref_set(r, p, FL_PTE_NONE);
		/* free_pgd_range(): a span in [a, b) is freed iff it lies in
		 * [floor, ceiling); a PMD table likewise for its PUD span. */
		for (int t = 0; t < ntab; t++) {
			uint64_t ts = addr_of(r, t * r->ppt), te = addr_of(r, (t + 1) * r->ppt);
			bool hit = te > addr_of(r, a) && ts < addr_of(r, b);
			bool freed = hit && ts >= floor && (!ceiling || te <= ceiling);
			enum fl_pgt_pmd s = fl_pgt_pmd_state(pt, ts);

			if (!hit)
				continue;
			if (freed)
				assert_int_equal(s, FL_PMD_NONE);
			else
				assert_int_equal(s != FL_PMD_NONE, had_pmd[t]);
		}
		for (int u = 0; u < 2; u++) {
			uint64_t us = addr_of(r, u * r->np / 2) >> r->g->pud_shift << r->g->pud_shift;
			uint64_t ue = us + (1ULL << r->g->pud_shift);
			bool hit = u ? b > r->np / 2 : a < r->np / 2;
			bool freed = hit && us >= floor && (!ceiling || ue <= ceiling);

			if (!hit)
				continue;
			if (freed)
				assert_false(fl_pgt_pud_present(pt, us));
			else
				assert_int_equal(fl_pgt_pud_present(pt, us), had_pud[u]);
		}
	} else if (op < 80) {		/* move [a, b) -> d, not overlapping */
		int n = b - a, d = (int)(rnd(seed) % (uint64_t)(r->np - n + 1));

		if (d + n <= a || d >= b) {
			uint8_t *tmp = malloc((size_t)n * 2);

			assert_non_null(tmp);
			for (int i = 0; i < n; i++) {
				tmp[i] = r->st[a + i];
				tmp[n + i] = r->wok[a + i];
				ref_set(r, a + i, FL_PTE_NONE);
			}
			assert_int_equal(fl_pgt_move(pt, addr_of(r, a), addr_of(r, b), addr_of(r, d)), 0);
			for (int i = 0; i < n; i++) {
				/* move_ptes() moves what is there and nothing else */
				if (tmp[i] != FL_PTE_NONE) {
					r->st[d + i] = tmp[i];
					r->wok[d + i] = tmp[n + i];
				}
			}
			free(tmp);
		}
	} else if (op < 92) {		/* mprotect */
		bool shm = !(rnd(seed) % 4);

		if (shm)
			v = vma_of(addr_of(r, 0), addr_of(r, r->np), RW | FL_VM_SHARED, FL_VMA_SHMEM);
		assert_int_equal(fl_pgt_protect(pt, addr_of(r, a), addr_of(r, b), &v), 0);
		for (int p = a; p < b; p++) {
			if (r->st[p] != FL_PTE_PRESENT && r->st[p] != FL_PTE_PRESENT_WRITE)
				continue;
			if ((v.flags & FL_VM_WRITE) && (shm || r->wok[p])) {
				r->st[p] = FL_PTE_PRESENT_WRITE;
				r->wok[p] = 1;
			} else {
				r->st[p] = FL_PTE_PRESENT;
			}
		}
	} else {			/* MADV_FREE */
		assert_int_equal(fl_pgt_lazyfree(pt, addr_of(r, a), addr_of(r, b)), 0);
		for (int p = a; p < b; p++)
			if (r->st[p] == FL_PTE_SWAP)
				ref_set(r, p, FL_PTE_NONE);
	}
	check_ref(pt, r, step);
}

static void random_vs_reference(void **state)
{
	const struct rcfg *cfg = *state;
	struct fl_pgtable pt;
	struct ref r;
	uint64_t seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)cfg->profile;

	assert_int_equal(fl_pgt_init(&pt, cfg->profile), 0);
	r.g = &pt.geom;
	r.ppt = (int)pt.geom.ptes_per_table;
	r.np = NPMD * r.ppt;
	/* NPMD PMD spans around a PUD boundary, so PMD tables come and go. */
	r.base = (1ULL << (pt.geom.pud_shift + 2)) - (uint64_t)(NPMD / 2) * (1ULL << pt.geom.pmd_shift);
	r.st = calloc((size_t)r.np, 1);
	r.wok = calloc((size_t)r.np, 1);
	assert_non_null(r.st);
	assert_non_null(r.wok);
	for (int step = 0; step < cfg->steps; step++)
		random_step(&pt, &r, &seed, step);
	/* Unmapping it all leaves nothing, and memory is back to the maps. */
	assert_int_equal(fl_pgt_unmap(&pt, r.base, addr_of(&r, r.np), 0, 0), 0);
	assert_int_equal(pt.st.pte_tables, 0);
	assert_int_equal(pt.st.pmd_tables, 0);
	assert_int_equal(pt.st.huge_pmds, 0);
	assert_int_equal(pt.st.resident_ptes + pt.st.swap_ptes, 0);
	assert_int_equal(fl_pgt_check(&pt), 0);
	free(r.st);
	free(r.wok);
	fl_pgt_free(&pt);
}

static struct rcfg cfg_x86 = { FL_PGT_X86_64_4K, 3000 };
static struct rcfg cfg_r64 = { FL_PGT_PPC64_RADIX_64K, 6000 };
static struct rcfg cfg_h64 = { FL_PGT_PPC64_HASH_64K, 3000 };

#define T(f) cmocka_unit_test_setup_teardown(f, setup_x86, teardown)

/* populate_vma_page_range() over a length from a corrupt trace: at most
 * FL_PGT_MAX_POPULATE pages are made present, so it ends in bounded time
 * and memory instead of walking 2^28 pages. */
static void populate_is_bounded(void **state)
{
	struct fl_pgtable *pt = *state;
	struct fl_vma v = vma_of(BASE, BASE + 1024 * GB, RW, FL_VMA_ANON);

	assert_int_equal(fl_pgt_populate(pt, v.start, v.end, &v, true), 0);
	assert_int_equal(pt->st.resident_ptes, FL_PGT_MAX_POPULATE);
	assert_int_equal(fl_pgt_unmap(pt, v.start, v.end, 0, UINT64_MAX), 0);
	assert_int_equal(pt->st.resident_ptes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(populate_is_bounded, setup_x86, teardown),
		cmocka_unit_test(geometry),
		cmocka_unit_test(ppc64_64k_tables),
		T(fault_allocates_tables),
		T(fault_result_rules),
		T(huge_pmd_fault),
		T(fault_around_window),
		T(zap_keeps_tables),
		T(count_for_fork),
		T(unmap_frees_tables),
		T(move_ptes),
		cmocka_unit_test(move_hash_no_table_move),
		cmocka_unit_test(hash_4k_geometry),
		T(protect_write),
		T(lazyfree_keeps_pages),
		T(apply_mm_reports),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_x86),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_r64),
		cmocka_unit_test_prestate(random_vs_reference, &cfg_h64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
