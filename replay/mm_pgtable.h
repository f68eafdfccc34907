/* mm_pgtable: page-table occupancy of one mm (docs/design.md §4): which PMD tables
 * exist (PUD entries), which PMD entries hold a PTE table or a huge
 * mapping, and which PTEs are none, present, present+writable or swap.
 *
 * This is what the fault paths look at: the speculative walks abort on a
 * PUD or PMD entry that is none or huge (Dufour spf_vma_notsup, Lespinasse
 * SPF_ABORT_PUD/_PMD), handle_pte_fault() dispatches on the PTE (none:
 * do_anonymous_page/do_fault; swap: do_swap_page; present, a write to a
 * read-only PTE: do_wp_page).  The updates follow mm/memory.c,
 * mm/huge_memory.c, mm/mprotect.c, mm/mremap.c and mm/madvise.c of Linux
 * 6.6..6.18; replay/README-mm.md ("Page tables") lists which kernel
 * function each rule follows and what is not modelled.
 *
 * Memory grows with the tables the kernel would have, never with trace
 * length: a hash map from PMD-entry index to a PTE table of one byte per
 * PTE (or to a huge-mapping tag), and a set of PUD-entry indices that have
 * a PMD table.  Higher levels (PUD tables, P4D, PGD) are not modelled.
 */
#ifndef FL_MM_PGTABLE_H
#define FL_MM_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_map.h"
#include "mm_ops.h"
#include "mm_vma.h"

/* Page-table geometry, from arch/x86 and arch/powerpc/include/asm/book3s/64. */
enum fl_pgt_profile {
	FL_PGT_X86_64_4K,	/* 4 KiB pages, 512 PTEs: PMD 2 MiB, PUD 1 GiB */
	FL_PGT_PPC64_RADIX_64K,	/* radix-64k.h 13/9/9/5: 32 PTEs, PMD 2 MiB, PUD 1 GiB */
	FL_PGT_PPC64_RADIX_4K,	/* radix-4k.h 13/9/9/9: as x86_64 */
	FL_PGT_PPC64_HASH_64K,	/* hash-64k.h 8/10/10/8: 256 PTEs, PMD 16 MiB, PUD 16 GiB */
	FL_PGT_PPC64_HASH_4K,	/* hash-4k.h 9/7/9/9: 512 PTEs, PMD 2 MiB, PUD 256 MiB */
	FL_PGT__COUNT
};

struct fl_pgt_geom {
	unsigned pte_shift;	/* a PTE maps 1 << pte_shift bytes (PAGE_SHIFT) */
	unsigned pmd_shift;	/* a PMD entry (one PTE table, or a THP) maps 1 << pmd_shift */
	unsigned pud_shift;	/* a PUD entry (one PMD table) maps 1 << pud_shift */
	unsigned ptes_per_table; /* PTRS_PER_PTE = 1 << (pmd_shift - pte_shift) */
	/* arch_supports_page_table_move(): mremap may move a whole PTE table
	 * (move_normal_pmd); x86_64 and radix yes, hash no. */
	bool move_pmd;
};

const char *fl_pgt_profile_name(enum fl_pgt_profile p);
/* The geometry of a profile; NULL for an unknown one. */
const struct fl_pgt_geom *fl_pgt_geom_of(enum fl_pgt_profile p);
/* The default profile for an mm model's arch and page size: x86_64 4K;
 * ppc64 radix (POWER9+ default) 64K or 4K.  Hash is chosen by the trace's
 * MMU or by hand (the engine). */
enum fl_pgt_profile fl_pgt_profile_for(enum fl_mm_arch arch, unsigned page_shift);

enum fl_pgt_pte {
	FL_PTE_NONE,		/* pte_none(): never mapped, or zapped */
	FL_PTE_PRESENT,		/* present, read-only (zero page, page cache, COW) */
	FL_PTE_PRESENT_WRITE,	/* present and writable */
	FL_PTE_SWAP,		/* not present: a swap entry (do_swap_page) */
};

enum fl_pgt_pmd {
	FL_PMD_NONE,		/* pmd_none(): no PTE table */
	FL_PMD_TABLE,		/* a PTE table (__pte_alloc) */
	FL_PMD_HUGE,		/* a THP mapped by the PMD itself (pmd_trans_huge) */
};

const char *fl_pgt_pte_name(enum fl_pgt_pte s);
const char *fl_pgt_pmd_name(enum fl_pgt_pmd s);

struct fl_pgt_stats {
	uint64_t pte_tables;		/* PTE tables now */
	uint64_t pmd_tables;		/* PMD tables now */
	uint64_t pte_tables_alloc, pte_tables_freed;
	uint64_t pmd_tables_alloc, pmd_tables_freed;
	uint64_t resident_ptes;		/* PRESENT + PRESENT_WRITE PTEs */
	uint64_t swap_ptes;		/* SWAP PTEs */
	uint64_t huge_pmds;		/* FL_PMD_HUGE entries now */
	uint64_t huge_splits;		/* split_huge_pmd() */
};

struct fl_pgtable {
	struct fl_pgt_geom geom;
	enum fl_pgt_profile profile;
	/* Kernel version profile (FL_MM_KVER), for rules that changed:
	 * 6.11 maps a read swap-in of an exclusive page writable. */
	int kver;
	struct fl_map pmd;	/* PMD-entry index + 1 -> PTE table, or a huge tag */
	struct fl_map pud;	/* PUD-entry index + 1 -> non-NULL: a PMD table exists */
	struct fl_pgt_stats st;
	uint64_t *scratch;	/* index lists for range walks */
	size_t capscratch;
};

/* 0, or -EINVAL for an unknown profile. */
int fl_pgt_init(struct fl_pgtable *pt, enum fl_pgt_profile profile);
void fl_pgt_free(struct fl_pgtable *pt);
/* Bytes the model holds now (tables, maps, scratch). */
size_t fl_pgt_bytes(const struct fl_pgtable *pt);

/* ---- queries -------------------------------------------------------- */

/* pud_none() is false: a PMD table covers addr. */
bool fl_pgt_pud_present(const struct fl_pgtable *pt, uint64_t addr);
enum fl_pgt_pmd fl_pgt_pmd_state(const struct fl_pgtable *pt, uint64_t addr);
/* The PTE for addr.  Under a huge PMD: PRESENT or PRESENT_WRITE as the PMD. */
enum fl_pgt_pte fl_pgt_pte(const struct fl_pgtable *pt, uint64_t addr);

/* ---- faults ----------------------------------------------------------- */

/* The PTE a fault at addr leaves behind, given the PTE it found (old) and
 * whether it was a write (handle_pte_fault() and what it dispatches to):
 *   write: PRESENT_WRITE (do_anonymous_page, do_cow_fault, do_shared_fault,
 *          do_wp_page, do_swap_page);
 *   read of a SWAP PTE in a VM_WRITE VMA: PRESENT_WRITE from 6.11 (do_swap_page
 *          maps an exclusive page writable; pages are assumed exclusive, as
 *          there is no fork), PRESENT before;
 *   read of a present PTE: unchanged (a spurious fault, pte_mkyoung);
 *   read in a shared writable VMA without write-notify (shmem): PRESENT_WRITE,
 *          since vm_page_prot is writable (set_pte_range());
 *   other reads: PRESENT (the zero page, or a page-cache page).
 * It does not decide THP: see fl_pgt_fault_huge(). */
enum fl_pgt_pte fl_pgt_fault_result(const struct fl_pgtable *pt, const struct fl_vma *vma,
				    enum fl_pgt_pte old, bool write);

/* Set the PTE for addr, allocating the PMD table and the PTE table when
 * missing (__handle_mm_fault(): pmd_alloc(); do_anonymous_page() /
 * finish_fault(): pte_alloc() -> __pte_alloc()).  A huge PMD over addr is
 * split first (split_huge_pmd()): the trace mapped a small page there.
 * NONE clears the PTE and allocates nothing.  0 or -ENOMEM (no change). */
int fl_pgt_set_pte(struct fl_pgtable *pt, uint64_t addr, enum fl_pgt_pte st);
/* A fault maps one page: PRESENT or, for a write, PRESENT_WRITE. */
int fl_pgt_fault_pte(struct fl_pgtable *pt, uint64_t addr, bool write);
/* do_huge_pmd_anonymous_page(): the PMD entry over addr maps a THP (a read
 * maps the huge zero page read-only).  A PTE table already there is
 * replaced (as khugepaged's collapse_huge_page() does) and counted freed.
 * 0 or -ENOMEM. */
int fl_pgt_fault_huge(struct fl_pgtable *pt, uint64_t addr, bool write);

/* should_fault_around(): the VMA has ->map_pages (a file or shmem VMA,
 * fl_vma_ops_of() == FILE), no uffd-wp, and fault_around_bytes is more
 * than one page (fault_around_pages = rounddown_pow_of_two(bytes) >>
 * PAGE_SHIFT; 64 KiB on 64 KiB pages is one page: no fault-around). */
bool fl_pgt_should_fault_around(const struct fl_pgtable *pt, const struct fl_vma *vma,
				uint64_t fault_around_bytes);
/* do_fault_around() + filemap_map_pages() for a read fault at addr in vma:
 * the window starts at addr aligned down to fault_around_pages, raised to
 * the VMA start, and runs fault_around_pages from there, cut at the end of
 * the VMA and of the PTE table holding addr.  Every none PTE in it is
 * mapped (the page cache is not modelled: every page is taken to be
 * cached and uptodate); present and swap PTEs are left alone.  The PTEs
 * get fl_pgt_fault_result(.., NONE, read).  Returns how many PTEs were
 * mapped (the faulting page included), or -ENOMEM.  Does not check
 * fl_pgt_should_fault_around(). */
int fl_pgt_fault_around(struct fl_pgtable *pt, const struct fl_vma *vma, uint64_t addr,
			uint64_t fault_around_bytes);

/* What copy_page_range() would copy of [start, end) at a fork: its PTE
 * tables, and in them the entries that are not none (present or swap:
 * copy_pte_range() copies both); a huge PMD counts as one entry and no
 * table (copy_huge_pmd()).  *tables and *entries are set; 0 or -ENOMEM. */
int fl_pgt_count(struct fl_pgtable *pt, uint64_t start, uint64_t end, uint64_t *tables,
		 uint64_t *entries);

/* ---- mm calls (addresses page-aligned, start < end) ------------------- */

/* zap_page_range_single() (MADV_DONTNEED, munmap's unmap_vmas()): PTEs in
 * [start, end) become none, tables stay.  A huge PMD wholly inside is
 * cleared (zap_huge_pmd()); one partly inside is split first
 * (__split_huge_pmd() in zap_pmd_range()).  0 or -ENOMEM (a split). */
int fl_pgt_zap(struct fl_pgtable *pt, uint64_t start, uint64_t end);
/* munmap: zap, then free_pgtables() -> free_pgd_range(start, end, floor,
 * ceiling): free the PTE tables, and the PMD tables, that no VMA outside
 * [floor, ceiling) can share.  floor = the previous VMA's end (0: none),
 * ceiling = the next VMA's start (0 or UINT64_MAX: none), as mm_ops
 * reports them. */
int fl_pgt_unmap(struct fl_pgtable *pt, uint64_t start, uint64_t end, uint64_t floor,
		 uint64_t ceiling);
/* move_page_tables() (mremap): the PTEs of [start, end) go to dst, the
 * source becomes none.  A PMD-aligned, PMD-sized extent moves whole: a huge
 * PMD (move_huge_pmd()) or, where the arch allows, a PTE table
 * (move_normal_pmd()); otherwise a huge PMD is split and PTEs move one by
 * one (move_ptes()) into tables allocated at dst (alloc_new_pmd(),
 * pte_alloc()) for every source PMD entry that is not none. */
int fl_pgt_move(struct fl_pgtable *pt, uint64_t start, uint64_t end, uint64_t dst);
/* change_protection() for [start, end) of vma, whose vm_flags are the new
 * ones: without VM_WRITE, PRESENT_WRITE -> PRESENT (and huge PMDs likewise);
 * with VM_WRITE, a present PTE becomes writable only where the kernel makes
 * it so without a fault: a PTE that was writable before (an exclusive
 * anonymous page, or a dirty shared one: can_change_pte_writable()), or
 * every present PTE of a shared VMA without write-notify (shmem, whose
 * vm_page_prot is writable).  Other PTEs become writable on their next
 * write fault.  A huge PMD partly inside is split (change_pmd_range()). */
int fl_pgt_protect(struct fl_pgtable *pt, uint64_t start, uint64_t end, const struct fl_vma *vma);
/* madvise_free_pte_range() (MADV_FREE): present PTEs stay mapped (the pages
 * are only freed by reclaim, which is not modelled); swap entries are
 * freed and become none. */
int fl_pgt_lazyfree(struct fl_pgtable *pt, uint64_t start, uint64_t end);
/* populate_vma_page_range() / faultin_page_range() (MAP_POPULATE, mlock,
 * MADV_POPULATE_*): every page of [start, end) faulted in, as a write when
 * `write` (FOLL_WRITE), else a read: fl_pgt_fault_result() per PTE.  A
 * VMA without access (PROT_NONE) or with VM_IO/VM_PFNMAP is skipped.  At
 * most FL_PGT_MAX_POPULATE pages per call (64 GiB of 4 KiB pages): the
 * range comes from the trace. */
#ifndef FL_PGT_MAX_POPULATE	/* the fuzz build sets a smaller one, for speed */
#define FL_PGT_MAX_POPULATE (1u << 24)
#endif
int fl_pgt_populate(struct fl_pgtable *pt, uint64_t start, uint64_t end, const struct fl_vma *vma,
		    bool write);

/* Apply one mm call's page-table reports (fl_mm.ranges after fl_mm_apply()
 * and friends), in order.  vmas is the VMA set after the call: PROTECT
 * takes the new vm_flags from it, and POPULATE faults in the VMAs it finds,
 * writing where populate_vma_page_range() would (private writable VMAs;
 * the report does not say MADV_POPULATE_READ/WRITE apart).  0 or -ENOMEM
 * (the ranges before the failing one are applied). */
int fl_pgt_apply_ranges(struct fl_pgtable *pt, const struct fl_vma_set *vmas,
			const struct fl_mm_range *ranges, size_t n);
/* The same for the last call applied to mm. */
static inline int fl_pgt_apply_mm(struct fl_pgtable *pt, const struct fl_mm *mm)
{
	return fl_pgt_apply_ranges(pt, &mm->vmas, mm->ranges, mm->nranges);
}

/* Check the counters against the tables, and that every PTE table sits
 * under a PMD table: 0 or -EINVAL. */
int fl_pgt_check(const struct fl_pgtable *pt);

#endif
