/* mm_pgtable: page-table occupancy of one mm.  See mm_pgtable.h. */
#include "mm_pgtable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"

/* One PTE is one byte: the state, and whether the kernel could make it
 * writable again without a fault (PTE_WOK: the page is an exclusive
 * anonymous page, or a dirty shared one -- can_change_pte_writable()). */
#define PTE_STATE	0x3u
#define PTE_WOK		0x4u

/* A PTE table: how many PTEs are not none, then one byte per PTE. */
struct ptetab {
	uint32_t used;
	uint8_t pte[];
};

/* A huge PMD is stored in the PMD map as a tagged value instead of a
 * table pointer (tables are malloc'd, so their low bit is clear). */
#define HUGE_TAG	0x1u
#define HUGE_WRITE	0x2u
#define HUGE_WOK	0x4u

static const struct fl_pgt_geom geoms[FL_PGT__COUNT] = {
	[FL_PGT_X86_64_4K] = { 12, 21, 30, 512, true },
	[FL_PGT_PPC64_RADIX_64K] = { 16, 21, 30, 32, true },
	[FL_PGT_PPC64_RADIX_4K] = { 12, 21, 30, 512, true },
	[FL_PGT_PPC64_HASH_64K] = { 16, 24, 34, 256, false },
	/* hash-4k.h: H_PMD_INDEX_SIZE 7, so a PMD table (one PUD entry)
	 * covers 128 x 2 MiB = 256 MiB; hash never moves page tables. */
	[FL_PGT_PPC64_HASH_4K] = { 12, 21, 28, 512, false },
};

static const char *const profile_names[FL_PGT__COUNT] = {
	[FL_PGT_X86_64_4K] = "x86_64-4k",
	[FL_PGT_PPC64_RADIX_64K] = "ppc64-radix-64k",
	[FL_PGT_PPC64_RADIX_4K] = "ppc64-radix-4k",
	[FL_PGT_PPC64_HASH_64K] = "ppc64-hash-64k",
	[FL_PGT_PPC64_HASH_4K] = "ppc64-hash-4k",
};

const char *fl_pgt_profile_name(enum fl_pgt_profile p)
{
	return (unsigned)p < FL_PGT__COUNT ? profile_names[p] : "?";
}

const struct fl_pgt_geom *fl_pgt_geom_of(enum fl_pgt_profile p)
{
	return (unsigned)p < FL_PGT__COUNT ? &geoms[p] : NULL;
}

enum fl_pgt_profile fl_pgt_profile_for(enum fl_mm_arch arch, unsigned page_shift)
{
	if (arch == FL_MM_ARCH_PPC64)
		return page_shift == 16 ? FL_PGT_PPC64_RADIX_64K : FL_PGT_PPC64_RADIX_4K;
	return FL_PGT_X86_64_4K;
}

const char *fl_pgt_pte_name(enum fl_pgt_pte s)
{
	switch (s) {
	case FL_PTE_NONE:
		return "none";
	case FL_PTE_PRESENT:
		return "present";
	case FL_PTE_PRESENT_WRITE:
		return "present-write";
	case FL_PTE_SWAP:
		return "swap";
	}
	return "?";
}

const char *fl_pgt_pmd_name(enum fl_pgt_pmd s)
{
	switch (s) {
	case FL_PMD_NONE:
		return "none";
	case FL_PMD_TABLE:
		return "table";
	case FL_PMD_HUGE:
		return "huge";
	}
	return "?";
}

int fl_pgt_init(struct fl_pgtable *pt, enum fl_pgt_profile profile)
{
	const struct fl_pgt_geom *g = fl_pgt_geom_of(profile);

	memset(pt, 0, sizeof(*pt));
	if (!g)
		return -EINVAL;
	pt->geom = *g;
	pt->profile = profile;
	pt->kver = FL_MM_KVER_DEFAULT;
	fl_map_init(&pt->pmd);
	fl_map_init(&pt->pud);
	return 0;
}

static bool is_huge(const void *v)
{
	return (uintptr_t)v & HUGE_TAG;
}

void fl_pgt_free(struct fl_pgtable *pt)
{
	void *v;

	for (size_t it = 0; fl_map_next(&pt->pmd, &it, NULL, &v);)
		if (!is_huge(v))
			free(v);
	fl_map_free(&pt->pmd);
	fl_map_free(&pt->pud);
	free(pt->scratch);
	pt->scratch = NULL;
	pt->capscratch = 0;
}

static size_t tab_size(const struct fl_pgtable *pt)
{
	return sizeof(struct ptetab) + pt->geom.ptes_per_table;
}

size_t fl_pgt_bytes(const struct fl_pgtable *pt)
{
	return (size_t)pt->st.pte_tables * tab_size(pt) +
	       (pt->pmd.cap + pt->pud.cap) * sizeof(struct fl_map_slot) +
	       pt->capscratch * sizeof(*pt->scratch);
}

/* ---- indices ----------------------------------------------------------- */

static uint64_t pmd_size(const struct fl_pgtable *pt)
{
	return 1ULL << pt->geom.pmd_shift;
}

static uint64_t pmd_idx(const struct fl_pgtable *pt, uint64_t addr)
{
	return addr >> pt->geom.pmd_shift;
}

static uint64_t pud_idx(const struct fl_pgtable *pt, uint64_t addr)
{
	return addr >> pt->geom.pud_shift;
}

/* PTE index of addr inside its table (pte_index()). */
static unsigned pte_idx(const struct fl_pgtable *pt, uint64_t addr)
{
	return (unsigned)((addr >> pt->geom.pte_shift) & (pt->geom.ptes_per_table - 1));
}

/* Map keys: index + 1, since key 0 is reserved. */
static void *pmd_get(const struct fl_pgtable *pt, uint64_t idx)
{
	return fl_map_get(&pt->pmd, idx + 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The indices in [lo, hi] that map m holds, ascending, into pt->scratch.
 * Walks whichever is smaller: the index range or the map.  Returns the
 * count, or -ENOMEM. */
static long collect(struct fl_pgtable *pt, const struct fl_map *m, uint64_t lo, uint64_t hi)
{
	size_t n = 0;
	uint64_t key;
	void *p;

	if (!m->len || lo > hi)
		return 0;
	if (hi - lo < (uint64_t)m->len * 2) {
		for (uint64_t i = lo;; i++) {
			if (fl_map_get(m, i + 1)) {
				p = pt->scratch;
				if (fl_array_grow(&p, &pt->capscratch, n + 1, sizeof(uint64_t)))
					return -ENOMEM;
				pt->scratch = p;
				pt->scratch[n++] = i;
			}
			if (i == hi)
				break;
		}
		return (long)n;
	}
	p = pt->scratch;
	if (fl_array_grow(&p, &pt->capscratch, m->len, sizeof(uint64_t)))
		return -ENOMEM;
	pt->scratch = p;
	for (size_t it = 0; fl_map_next(m, &it, &key, NULL);)
		if (key - 1 >= lo && key - 1 <= hi)
			pt->scratch[n++] = key - 1;
	qsort(pt->scratch, n, sizeof(uint64_t), cmp_u64);
	return (long)n;
}

/* ---- entries ------------------------------------------------------------ */

/* Set one PTE byte, keeping the counters. */
static void put_pte(struct fl_pgtable *pt, struct ptetab *t, unsigned i, uint8_t nv)
{
	uint8_t ov = t->pte[i];
	unsigned os = ov & PTE_STATE, ns = nv & PTE_STATE;

	t->pte[i] = nv;
	if (os == ns)
		return;
	t->used += (ns != FL_PTE_NONE) - (os != FL_PTE_NONE);
	pt->st.resident_ptes += (ns == FL_PTE_PRESENT || ns == FL_PTE_PRESENT_WRITE) -
				(os == FL_PTE_PRESENT || os == FL_PTE_PRESENT_WRITE);
	pt->st.swap_ptes += (ns == FL_PTE_SWAP) - (os == FL_PTE_SWAP);
}

/* pmd_alloc() / __pmd_alloc(): a PMD table over addr. */
static int pmd_table_alloc(struct fl_pgtable *pt, uint64_t addr)
{
	uint64_t key = pud_idx(pt, addr) + 1;

	if (fl_map_get(&pt->pud, key))
		return 0;
	if (fl_map_put(&pt->pud, key, pt))
		return -ENOMEM;
	pt->st.pmd_tables++;
	pt->st.pmd_tables_alloc++;
	return 0;
}

/* Clear PMD entry idx (pmd_clear()): a table is freed (free_pte_range()
 * -> pte_free_tlb()), a huge mapping dropped with its pages. */
static void pmd_drop(struct fl_pgtable *pt, uint64_t idx)
{
	void *v = fl_map_del(&pt->pmd, idx + 1);
	struct ptetab *t = v;

	if (!v)
		return;
	if (is_huge(v)) {
		pt->st.huge_pmds--;
		return;
	}
	for (unsigned i = 0; i < pt->geom.ptes_per_table; i++)
		put_pte(pt, t, i, 0);
	free(t);
	pt->st.pte_tables--;
	pt->st.pte_tables_freed++;
}

static struct ptetab *tab_new(struct fl_pgtable *pt)
{
	return calloc(1, tab_size(pt));
}

/* __split_huge_pmd(): the huge PMD at idx becomes a PTE table mapping the
 * same pages with the same permission.  (The kernel uses the table it
 * deposited at THP fault time; the model allocates, and counts, it here.) */
static struct ptetab *split_huge(struct fl_pgtable *pt, uint64_t idx)
{
	uintptr_t tag = (uintptr_t)pmd_get(pt, idx);
	struct ptetab *t = tab_new(pt);
	uint8_t b;

	if (!t)
		return NULL;
	if (fl_map_put(&pt->pmd, idx + 1, t)) {
		free(t);
		return NULL;
	}
	b = (tag & HUGE_WRITE) ? FL_PTE_PRESENT_WRITE : FL_PTE_PRESENT;
	if (tag & HUGE_WOK)
		b |= PTE_WOK;
	for (unsigned i = 0; i < pt->geom.ptes_per_table; i++)
		put_pte(pt, t, i, b);
	pt->st.huge_pmds--;
	pt->st.huge_splits++;
	pt->st.pte_tables++;
	pt->st.pte_tables_alloc++;
	return t;
}

/* The PTE table of PMD entry idx, or NULL when there is none. */
static struct ptetab *tab_get(const struct fl_pgtable *pt, uint64_t idx)
{
	void *v = pmd_get(pt, idx);

	return v && !is_huge(v) ? v : NULL;
}

/* The PTE table under PMD entry idx, made if missing: pmd_alloc() then
 * __pte_alloc(); a huge entry is split.  NULL: -ENOMEM, nothing changed
 * but possibly a PMD table allocated (as in the kernel, harmless). */
static struct ptetab *tab_make(struct fl_pgtable *pt, uint64_t idx)
{
	void *v = pmd_get(pt, idx);
	struct ptetab *t;

	if (v)
		return is_huge(v) ? split_huge(pt, idx) : v;
	if (pmd_table_alloc(pt, idx << pt->geom.pmd_shift))
		return NULL;
	t = tab_new(pt);
	if (!t)
		return NULL;
	if (fl_map_put(&pt->pmd, idx + 1, t)) {
		free(t);
		return NULL;
	}
	pt->st.pte_tables++;
	pt->st.pte_tables_alloc++;
	return t;
}

/* ---- queries ------------------------------------------------------------ */

bool fl_pgt_pud_present(const struct fl_pgtable *pt, uint64_t addr)
{
	return fl_map_get(&pt->pud, pud_idx(pt, addr) + 1) != NULL;
}

enum fl_pgt_pmd fl_pgt_pmd_state(const struct fl_pgtable *pt, uint64_t addr)
{
	void *v = pmd_get(pt, pmd_idx(pt, addr));

	if (!v)
		return FL_PMD_NONE;
	return is_huge(v) ? FL_PMD_HUGE : FL_PMD_TABLE;
}

enum fl_pgt_pte fl_pgt_pte(const struct fl_pgtable *pt, uint64_t addr)
{
	void *v = pmd_get(pt, pmd_idx(pt, addr));

	if (!v)
		return FL_PTE_NONE;
	if (is_huge(v))
		return ((uintptr_t)v & HUGE_WRITE) ? FL_PTE_PRESENT_WRITE : FL_PTE_PRESENT;
	return (enum fl_pgt_pte)(((struct ptetab *)v)->pte[pte_idx(pt, addr)] & PTE_STATE);
}

/* ---- faults ------------------------------------------------------------- */

/* vm_page_prot of a shared writable VMA is writable unless the VMA wants
 * write-notify (vma_wants_writenotify()): filesystems with ->page_mkwrite
 * do (taken to be every file VMA), shmem does not. */
static bool prot_writable(const struct fl_vma *vma)
{
	return (vma->flags & (FL_VM_SHARED | FL_VM_WRITE)) == (FL_VM_SHARED | FL_VM_WRITE) &&
	       vma->kind == FL_VMA_SHMEM;
}

enum fl_pgt_pte fl_pgt_fault_result(const struct fl_pgtable *pt, const struct fl_vma *vma,
				    enum fl_pgt_pte old, bool write)
{
	if (write)
		return FL_PTE_PRESENT_WRITE;
	switch (old) {
	case FL_PTE_PRESENT:
	case FL_PTE_PRESENT_WRITE:
		return old;
	case FL_PTE_SWAP:
		/* do_swap_page(): an exclusive page in a VM_WRITE VMA is mapped
		 * writable on a read too since Barry Song's 6.11 change. */
		return (vma->flags & FL_VM_WRITE) && pt->kver >= FL_MM_KVER(6, 11)
			       ? FL_PTE_PRESENT_WRITE
			       : FL_PTE_PRESENT;
	case FL_PTE_NONE:
		break;
	}
	/* set_pte_range() / do_anonymous_page(): mk_pte(page, vm_page_prot);
	 * an anonymous read maps the zero page read-only. */
	return prot_writable(vma) ? FL_PTE_PRESENT_WRITE : FL_PTE_PRESENT;
}

/* The byte for a PTE going from ov to state st. */
static uint8_t pte_byte(uint8_t ov, enum fl_pgt_pte st)
{
	switch (st) {
	case FL_PTE_PRESENT_WRITE:
		return FL_PTE_PRESENT_WRITE | PTE_WOK;
	case FL_PTE_PRESENT:
		/* Write-protecting keeps what the page is; a swapped-in page is
		 * an exclusive anonymous page (no fork is modelled). */
		if ((ov & PTE_STATE) == FL_PTE_SWAP)
			return FL_PTE_PRESENT | PTE_WOK;
		if ((ov & PTE_STATE) == FL_PTE_PRESENT || (ov & PTE_STATE) == FL_PTE_PRESENT_WRITE)
			return FL_PTE_PRESENT | (ov & PTE_WOK);
		return FL_PTE_PRESENT;
	case FL_PTE_SWAP:
		return FL_PTE_SWAP;
	case FL_PTE_NONE:
		break;
	}
	return FL_PTE_NONE;
}

int fl_pgt_set_pte(struct fl_pgtable *pt, uint64_t addr, enum fl_pgt_pte st)
{
	uint64_t idx = pmd_idx(pt, addr);
	struct ptetab *t;

	if ((unsigned)st > FL_PTE_SWAP)
		return -EINVAL;
	if (st == FL_PTE_NONE) {
		if (is_huge(pmd_get(pt, idx)) && !split_huge(pt, idx))
			return -ENOMEM;
		t = tab_get(pt, idx);
		if (t)
			put_pte(pt, t, pte_idx(pt, addr), 0);
		return 0;
	}
	t = tab_make(pt, idx);
	if (!t)
		return -ENOMEM;
	put_pte(pt, t, pte_idx(pt, addr), pte_byte(t->pte[pte_idx(pt, addr)], st));
	return 0;
}

int fl_pgt_fault_pte(struct fl_pgtable *pt, uint64_t addr, bool write)
{
	return fl_pgt_set_pte(pt, addr, write ? FL_PTE_PRESENT_WRITE : FL_PTE_PRESENT);
}

int fl_pgt_fault_huge(struct fl_pgtable *pt, uint64_t addr, bool write)
{
	uint64_t idx = pmd_idx(pt, addr);
	uintptr_t tag = HUGE_TAG | (write ? HUGE_WRITE | HUGE_WOK : 0);
	void *v = pmd_get(pt, idx);

	if (is_huge(v))	/* a write to a read-only huge PMD: wp_huge_pmd() */
		return write ? fl_map_put(&pt->pmd, idx + 1, (void *)tag) : 0;
	if (pmd_table_alloc(pt, addr))
		return -ENOMEM;
	if (v) {
		if (fl_map_put(&pt->pmd, idx + 1, (void *)tag))
			return -ENOMEM;
		for (unsigned i = 0; i < pt->geom.ptes_per_table; i++)
			put_pte(pt, v, i, 0);
		free(v);
		pt->st.pte_tables--;
		pt->st.pte_tables_freed++;
	} else if (fl_map_put(&pt->pmd, idx + 1, (void *)tag)) {
		return -ENOMEM;
	}
	pt->st.huge_pmds++;
	return 0;
}

bool fl_pgt_should_fault_around(const struct fl_pgtable *pt, const struct fl_vma *vma,
				uint64_t fault_around_bytes)
{
	if (fl_vma_ops_of(vma) != FL_VMA_OPS_FILE)
		return false;	/* no ->map_pages */
	if (vma->flags & FL_VM_UFFD_WP)
		return false;	/* uffd_disable_fault_around() */
	return (fault_around_bytes >> pt->geom.pte_shift) > 1;
}

/* rounddown_pow_of_two() */
static uint64_t pow2_floor(uint64_t x)
{
	while (x & (x - 1))
		x &= x - 1;
	return x;
}

int fl_pgt_fault_around(struct fl_pgtable *pt, const struct fl_vma *vma, uint64_t addr,
			uint64_t fault_around_bytes)
{
	const unsigned ps = pt->geom.pte_shift;
	uint64_t nr = pow2_floor(fault_around_bytes) >> ps, win, from, to, tbase, tlast;
	uint64_t idx = pmd_idx(pt, addr);
	enum fl_pgt_pte st = fl_pgt_fault_result(pt, vma, FL_PTE_NONE, false);
	struct ptetab *t;
	int n = 0;

	if (addr < vma->start || addr >= vma->end)
		return -EINVAL;
	/* fault_around_bytes_set(): at least one page, at most a table. */
	if (nr < 1)
		nr = 1;
	if (nr > pt->geom.ptes_per_table)
		nr = pt->geom.ptes_per_table;
	win = nr << ps;
	/* do_fault_around(): from_pte = max(ALIGN_DOWN(pte_off, nr_pages),
	 * the VMA start within the table); to_pte = min3(from_pte + nr_pages,
	 * PTRS_PER_PTE, the VMA end). */
	tbase = addr & ~(pmd_size(pt) - 1);
	tlast = tbase + (pmd_size(pt) - 1);
	from = addr & ~(win - 1);
	if (from < vma->start)
		from = vma->start;
	if (from < tbase)
		from = tbase;
	to = from + (win - 1);		/* inclusive, as the kernel's to_pte */
	if (to > tlast)
		to = tlast;
	if (to > vma->end - 1)
		to = vma->end - 1;
	/* filemap_map_pmd(): a huge PMD there already maps it all. */
	if (is_huge(pmd_get(pt, idx)))
		return 0;
	t = tab_make(pt, idx);
	if (!t)
		return -ENOMEM;
	for (uint64_t a = from;; a += 1ULL << ps) {
		unsigned i = pte_idx(pt, a);

		/* filemap_map_pages() skips PTEs that are not none. */
		if (!(t->pte[i] & PTE_STATE)) {
			put_pte(pt, t, i, pte_byte(0, st));
			n++;
		}
		if (a >= to - ((1ULL << ps) - 1))
			break;
	}
	return n;
}

/* ---- mm calls ----------------------------------------------------------- */

/* For each PMD entry that exists over [start, end): call fn with the part
 * [a, b] (inclusive) of the range inside it.  The list of entries is
 * taken first, so fn may add and drop entries.  fn returns 0 or -ENOMEM. */
typedef int (*pmd_fn)(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b, void *ctx);

static int each_pmd(struct fl_pgtable *pt, uint64_t start, uint64_t end, pmd_fn fn, void *ctx)
{
	long n;
	uint64_t *idxs;
	int rc = 0;

	if (start >= end)
		return 0;
	n = collect(pt, &pt->pmd, pmd_idx(pt, start), pmd_idx(pt, end - 1));
	if (n < 0)
		return (int)n;
	if (!n)
		return 0;
	/* fn may not collect again: it gets its own copy. */
	idxs = malloc((size_t)n * sizeof(*idxs));
	if (!idxs)
		return -ENOMEM;
	memcpy(idxs, pt->scratch, (size_t)n * sizeof(*idxs));
	for (long k = 0; k < n && !rc; k++) {
		uint64_t base = idxs[k] << pt->geom.pmd_shift, last = base + (pmd_size(pt) - 1);
		uint64_t a = start > base ? start : base, b = end - 1 < last ? end - 1 : last;

		rc = fn(pt, idxs[k], a, b, ctx);
	}
	free(idxs);
	return rc;
}

static bool covers_pmd(const struct fl_pgtable *pt, uint64_t a, uint64_t b)
{
	return !(a & (pmd_size(pt) - 1)) && b - a == pmd_size(pt) - 1;
}

/* The PTE table for [a, b] of entry idx, splitting a huge PMD that the
 * range covers only in part.  *t = NULL: nothing to do (none, or a huge
 * PMD wholly covered, left to the caller through *huge). */
static int table_for(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b,
		     struct ptetab **t, bool *huge)
{
	void *v = pmd_get(pt, idx);

	*t = NULL;
	*huge = false;
	if (!v)
		return 0;
	if (!is_huge(v)) {
		*t = v;
		return 0;
	}
	if (covers_pmd(pt, a, b)) {
		*huge = true;
		return 0;
	}
	*t = split_huge(pt, idx);
	return *t ? 0 : -ENOMEM;
}

static int zap_fn(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b, void *ctx)
{
	struct ptetab *t;
	bool huge;
	int rc = table_for(pt, idx, a, b, &t, &huge);

	(void)ctx;
	if (rc)
		return rc;
	if (huge) {
		pmd_drop(pt, idx);	/* zap_huge_pmd() */
		return 0;
	}
	if (t && t->used)
		for (unsigned i = pte_idx(pt, a), j = pte_idx(pt, b); i <= j; i++)
			put_pte(pt, t, i, 0);	/* zap_pte_range() */
	return 0;
}

int fl_pgt_zap(struct fl_pgtable *pt, uint64_t start, uint64_t end)
{
	return each_pmd(pt, start, end, zap_fn, NULL);
}

struct count_ctx {
	uint64_t tables, entries;
};

static int count_fn(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b, void *ctx)
{
	struct count_ctx *c = ctx;
	void *v = pmd_get(pt, idx);
	const struct ptetab *t = v;

	if (!v)
		return 0;
	if (is_huge(v)) {
		c->entries++;
		return 0;
	}
	c->tables++;
	if (covers_pmd(pt, a, b)) {
		c->entries += t->used;
		return 0;
	}
	for (unsigned i = pte_idx(pt, a), j = pte_idx(pt, b); i <= j; i++)
		c->entries += (t->pte[i] & PTE_STATE) != FL_PTE_NONE;
	return 0;
}

int fl_pgt_count(struct fl_pgtable *pt, uint64_t start, uint64_t end, uint64_t *tables,
		 uint64_t *entries)
{
	struct count_ctx c = { 0, 0 };
	int rc = each_pmd(pt, start, end, count_fn, &c);

	*tables = c.tables;
	*entries = c.entries;
	return rc;
}

/* free_pgd_range() and the levels under it, down to free_pte_range(). */
static int free_pgd_range(struct fl_pgtable *pt, uint64_t addr, uint64_t end, uint64_t floor,
			  uint64_t ceiling)
{
	const uint64_t pmdsz = pmd_size(pt), pmd_mask = ~(pmdsz - 1);
	const uint64_t pudsz = 1ULL << pt->geom.pud_shift, pud_mask = ~(pudsz - 1);
	const unsigned per_pud = pt->geom.pud_shift - pt->geom.pmd_shift;
	long n;

	/* The kernel's rounding, with its unsigned wrap-around: a PMD entry
	 * whose span reaches below floor or above ceiling may still be used
	 * by the neighbouring VMA, so it stays. */
	addr &= pmd_mask;
	if (addr < floor) {
		addr += pmdsz;
		if (!addr)
			return 0;
	}
	if (ceiling) {
		ceiling &= pmd_mask;
		if (!ceiling)
			return 0;
	}
	if (end - 1 > ceiling - 1)
		end -= pmdsz;
	if (addr > end - 1)
		return 0;

	/* free_pmd_range(): every PTE table in [addr, end). */
	n = collect(pt, &pt->pmd, pmd_idx(pt, addr), pmd_idx(pt, end - 1));
	if (n < 0)
		return (int)n;
	for (long k = 0; k < n; k++)
		pmd_drop(pt, pt->scratch[k]);

	/* free_pud_range() -> free_pmd_range()'s tail: the PMD table of each
	 * PUD entry in [addr, end) whose whole span lies in [floor, ceiling). */
	n = collect(pt, &pt->pud, pud_idx(pt, addr), pud_idx(pt, end - 1));
	if (n < 0)
		return (int)n;
	for (long k = 0; k < n; k++) {
		uint64_t u = pt->scratch[k], ustart = u << pt->geom.pud_shift, uend, bound, c;

		if (ustart < addr)
			ustart = addr;
		bound = (ustart + pudsz) & pud_mask;	/* pud_addr_end() */
		uend = bound - 1 < end - 1 ? bound : end;
		if ((ustart & pud_mask) < floor)
			continue;
		c = ceiling;
		if (c) {
			c &= pud_mask;
			if (!c)
				continue;
		}
		if (uend - 1 > c - 1)
			continue;
		/* pud_clear() + pmd_free_tlb(); nothing is left under it (the
		 * kernel would leak a table there; none can exist). */
		fl_map_del(&pt->pud, u + 1);
		pt->st.pmd_tables--;
		pt->st.pmd_tables_freed++;
		for (uint64_t i = u << per_pud, last = i + ((1ULL << per_pud) - 1);; i++) {
			pmd_drop(pt, i);
			if (i == last || !pt->pmd.len)
				break;
		}
	}
	return 0;
}

int fl_pgt_unmap(struct fl_pgtable *pt, uint64_t start, uint64_t end, uint64_t floor,
		 uint64_t ceiling)
{
	int rc;

	if (start >= end)
		return 0;
	/* vms_clear_ptes(): unmap_vmas() then free_pgtables().  mm_ops says
	 * "no next VMA" with UINT64_MAX; the kernel's USER_PGTABLES_CEILING
	 * is 0. */
	rc = fl_pgt_zap(pt, start, end);
	if (rc)
		return rc;
	if (ceiling == UINT64_MAX)
		ceiling = 0;
	return free_pgd_range(pt, start, end, floor, ceiling);
}

/* One extent of move_page_tables(): [x, y) inside source PMD entry sidx,
 * to nx, inside one destination PMD entry. */
static int move_extent(struct fl_pgtable *pt, uint64_t sidx, uint64_t x, uint64_t y, uint64_t nx)
{
	const uint64_t pagesz = 1ULL << pt->geom.pte_shift;
	uint64_t didx = pmd_idx(pt, nx);
	bool whole = covers_pmd(pt, x, y - 1) && !(nx & (pmd_size(pt) - 1));
	void *v = pmd_get(pt, sidx);
	struct ptetab *s, *d;

	if (!v)
		return 0;	/* get_old_pmd(): none, nothing to move */
	if (whole && !pmd_get(pt, didx) && (is_huge(v) || pt->geom.move_pmd)) {
		/* move_huge_pmd() / move_normal_pmd(): the entry itself moves,
		 * into a PMD table allocated at dst (alloc_new_pmd()). */
		if (pmd_table_alloc(pt, nx))
			return -ENOMEM;
		if (fl_map_put(&pt->pmd, didx + 1, v))
			return -ENOMEM;
		fl_map_del(&pt->pmd, sidx + 1);
		return 0;
	}
	if (is_huge(v) && !split_huge(pt, sidx))	/* split_huge_pmd() */
		return -ENOMEM;
	/* alloc_new_pmd() + pte_alloc(), then move_ptes(). */
	d = tab_make(pt, didx);
	if (!d)
		return -ENOMEM;
	s = tab_get(pt, sidx);
	for (uint64_t a = x; a < y && s->used; a += pagesz) {
		unsigned i = pte_idx(pt, a);
		uint8_t b = s->pte[i];

		if (!(b & PTE_STATE))
			continue;
		put_pte(pt, s, i, 0);
		put_pte(pt, d, pte_idx(pt, a - x + nx), b);
	}
	return 0;
}

static int move_fn(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b, void *ctx)
{
	uint64_t delta = *(const uint64_t *)ctx, y = b + 1;	/* b + 1: no wrap below the top */

	/* get_extent(): cut at the next PMD boundary of source and dest. */
	for (uint64_t x = a; x < y;) {
		uint64_t nx = x + delta, dnext = (nx | (pmd_size(pt) - 1)) + 1;
		uint64_t ext = y - x < dnext - nx ? y - x : dnext - nx;
		int rc = move_extent(pt, idx, x, x + ext, nx);

		if (rc)
			return rc;
		x += ext;
	}
	return 0;
}

int fl_pgt_move(struct fl_pgtable *pt, uint64_t start, uint64_t end, uint64_t dst)
{
	uint64_t delta = dst - start;

	if (start >= end || dst == start)
		return 0;
	return each_pmd(pt, start, end, move_fn, &delta);
}

struct protect_ctx {
	bool write;		/* the VMA is now VM_WRITE */
	bool all;		/* and vm_page_prot is writable (shmem) */
};

static uint8_t protect_byte(uint8_t b, const struct protect_ctx *c)
{
	unsigned s = b & PTE_STATE;

	if (s != FL_PTE_PRESENT && s != FL_PTE_PRESENT_WRITE)
		return b;	/* none and swap entries keep their value */
	/* pte_modify() to the new vm_page_prot, then, under
	 * MM_CP_TRY_CHANGE_WRITABLE, can_change_pte_writable(). */
	if (c->write && (c->all || (b & PTE_WOK)))
		return FL_PTE_PRESENT_WRITE | PTE_WOK;
	return FL_PTE_PRESENT | (b & PTE_WOK);
}

static int protect_fn(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b, void *ctx)
{
	const struct protect_ctx *c = ctx;
	struct ptetab *t;
	bool huge;
	int rc = table_for(pt, idx, a, b, &t, &huge);

	if (rc)
		return rc;
	if (huge) {
		/* change_huge_pmd(), can_change_pmd_writable(). */
		uintptr_t tag = (uintptr_t)pmd_get(pt, idx);

		tag &= ~(uintptr_t)HUGE_WRITE;
		if (c->write && (c->all || (tag & HUGE_WOK)))
			tag |= HUGE_WRITE | HUGE_WOK;
		return fl_map_put(&pt->pmd, idx + 1, (void *)tag);
	}
	if (t && t->used)
		for (unsigned i = pte_idx(pt, a), j = pte_idx(pt, b); i <= j; i++)
			put_pte(pt, t, i, protect_byte(t->pte[i], c));
	return 0;
}

int fl_pgt_protect(struct fl_pgtable *pt, uint64_t start, uint64_t end, const struct fl_vma *vma)
{
	struct protect_ctx c = { .write = vma->flags & FL_VM_WRITE, .all = prot_writable(vma) };

	return each_pmd(pt, start, end, protect_fn, &c);
}

static int lazyfree_fn(struct fl_pgtable *pt, uint64_t idx, uint64_t a, uint64_t b, void *ctx)
{
	struct ptetab *t = tab_get(pt, idx);

	(void)ctx;
	if (t && t->used)
		for (unsigned i = pte_idx(pt, a), j = pte_idx(pt, b); i <= j; i++)
			if ((t->pte[i] & PTE_STATE) == FL_PTE_SWAP)
				put_pte(pt, t, i, 0);	/* free_swap_and_cache_nr() */
	return 0;
}

int fl_pgt_lazyfree(struct fl_pgtable *pt, uint64_t start, uint64_t end)
{
	return each_pmd(pt, start, end, lazyfree_fn, NULL);
}

int fl_pgt_populate(struct fl_pgtable *pt, uint64_t start, uint64_t end, const struct fl_vma *vma,
		    bool write)
{
	const uint64_t pagesz = 1ULL << pt->geom.pte_shift;

	/* populate_vma_page_range() / check_vma_flags(). */
	if (!(vma->flags & FL_VM_ACCESS_FLAGS) || (vma->flags & (FL_VM_IO | FL_VM_PFNMAP)))
		return 0;
	if (!(vma->flags & FL_VM_WRITE))
		write = false;
	if (start < vma->start)
		start = vma->start;
	if (end > vma->end)
		end = vma->end;
	/* The range comes from the trace (a MAP_POPULATE length): at most
	 * FL_PGT_MAX_POPULATE pages are made present, so a corrupt length
	 * cannot hold the replay for hours.  Faults beyond it are then
	 * replayed as first touches. */
	if (end > start && (end - start) >> pt->geom.pte_shift > FL_PGT_MAX_POPULATE)
		end = start + ((uint64_t)FL_PGT_MAX_POPULATE << pt->geom.pte_shift);
	for (uint64_t a = start; a < end;) {
		uint64_t idx = pmd_idx(pt, a), last = (idx << pt->geom.pmd_shift) + (pmd_size(pt) - 1);
		void *v = pmd_get(pt, idx);
		struct ptetab *t;
		uint64_t b = end - 1 < last ? end - 1 : last;

		if (is_huge(v)) {
			/* Already mapped; a write to a read-only one: wp_huge_pmd(). */
			if (write && fl_map_put(&pt->pmd, idx + 1,
						(void *)((uintptr_t)v | HUGE_WRITE | HUGE_WOK)))
				return -ENOMEM;
		} else {
			t = tab_make(pt, idx);
			if (!t)
				return -ENOMEM;
			for (uint64_t p = a;; p += pagesz) {
				unsigned i = pte_idx(pt, p);
				enum fl_pgt_pte o = (enum fl_pgt_pte)(t->pte[i] & PTE_STATE);
				enum fl_pgt_pte s = fl_pgt_fault_result(pt, vma, o, write);

				if (s != o)
					put_pte(pt, t, i, pte_byte(t->pte[i], s));
				if (p >= b - (pagesz - 1))
					break;
			}
		}
		if (b == UINT64_MAX)
			break;
		a = b + 1;
	}
	return 0;
}

/* Call fn on each VMA of vmas overlapping [start, end), with the overlap. */
static int each_vma(struct fl_pgtable *pt, const struct fl_vma_set *vmas, uint64_t start,
		    uint64_t end, int (*fn)(struct fl_pgtable *, uint64_t, uint64_t,
					    const struct fl_vma *))
{
	for (size_t i = fl_vma_find_idx(vmas, start); i < fl_vma_count(vmas); i++) {
		const struct fl_vma *v = fl_vma_at(vmas, i);
		int rc;

		if (v->start >= end)
			break;
		rc = fn(pt, v->start > start ? v->start : start, v->end < end ? v->end : end, v);
		if (rc)
			return rc;
	}
	return 0;
}

static int populate_vma(struct fl_pgtable *pt, uint64_t start, uint64_t end,
			const struct fl_vma *v)
{
	/* FOLL_WRITE only for private writable mappings. */
	return fl_pgt_populate(pt, start, end, v,
			       (v->flags & (FL_VM_WRITE | FL_VM_SHARED)) == FL_VM_WRITE);
}

int fl_pgt_apply_ranges(struct fl_pgtable *pt, const struct fl_vma_set *vmas,
			const struct fl_mm_range *ranges, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fl_mm_range *r = &ranges[i];
		int rc = 0;

		switch (r->kind) {
		case FL_MM_RANGE_UNMAP:
			rc = fl_pgt_unmap(pt, r->start, r->end, r->floor, r->ceiling);
			break;
		case FL_MM_RANGE_ZAP:
			rc = fl_pgt_zap(pt, r->start, r->end);
			break;
		case FL_MM_RANGE_LAZYFREE:
			rc = fl_pgt_lazyfree(pt, r->start, r->end);
			break;
		case FL_MM_RANGE_MOVE:
			rc = fl_pgt_move(pt, r->start, r->end, r->dst);
			break;
		case FL_MM_RANGE_PROTECT:
			rc = each_vma(pt, vmas, r->start, r->end, fl_pgt_protect);
			break;
		case FL_MM_RANGE_POPULATE:
			rc = each_vma(pt, vmas, r->start, r->end, populate_vma);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int fl_pgt_check(const struct fl_pgtable *pt)
{
	struct fl_pgt_stats s;
	uint64_t key;
	void *v;

	memset(&s, 0, sizeof(s));
	for (size_t it = 0; fl_map_next(&pt->pmd, &it, &key, &v);) {
		const struct ptetab *t = v;
		uint32_t used = 0;

		if (!fl_map_get(&pt->pud, ((key - 1) >> (pt->geom.pud_shift - pt->geom.pmd_shift)) + 1))
			return -EINVAL;
		if (is_huge(v)) {
			s.huge_pmds++;
			continue;
		}
		s.pte_tables++;
		for (unsigned i = 0; i < pt->geom.ptes_per_table; i++) {
			unsigned st = t->pte[i] & PTE_STATE;

			used += st != FL_PTE_NONE;
			s.resident_ptes += st == FL_PTE_PRESENT || st == FL_PTE_PRESENT_WRITE;
			s.swap_ptes += st == FL_PTE_SWAP;
			if (st == FL_PTE_PRESENT_WRITE && !(t->pte[i] & PTE_WOK))
				return -EINVAL;
		}
		if (used != t->used)
			return -EINVAL;
	}
	if (s.pte_tables != pt->st.pte_tables || s.huge_pmds != pt->st.huge_pmds ||
	    s.resident_ptes != pt->st.resident_ptes || s.swap_ptes != pt->st.swap_ptes ||
	    pt->pud.len != pt->st.pmd_tables ||
	    pt->st.pte_tables != pt->st.pte_tables_alloc - pt->st.pte_tables_freed ||
	    pt->st.pmd_tables != pt->st.pmd_tables_alloc - pt->st.pmd_tables_freed)
		return -EINVAL;
	return 0;
}
