/* mm_vma: the VMA set of one mm (docs/design.md §4), ordered by address.
 *
 * What the kernel keeps in mm->mm_mt (a maple tree), kept here as two sorted
 * arrays: one of pointers to individually allocated VMAs (so a VMA pointer
 * stays valid until the VMA is removed) and a parallel one of their end
 * addresses, which the binary search walks without touching the VMAs.
 * Lookups are O(log n); an insert or removal moves 16 bytes per VMA above
 * it, which at 100k VMAs is tens of microseconds: mm calls are rare next to
 * faults, and a call's whole change is applied with one splice.
 *
 * This file knows nothing of the kernel's rules (mm_ops does); it only keeps
 * the VMAs ordered, non-overlapping and findable.
 */
#ifndef FL_MM_VMA_H
#define FL_MM_VMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* vm_flags bits, with the kernel's values (include/linux/mm.h, 64-bit,
 * CONFIG_MMU).  The replay compares them with traced vm_flags as-is. */
#define FL_VM_NONE		0x00000000ULL
#define FL_VM_READ		0x00000001ULL
#define FL_VM_WRITE		0x00000002ULL
#define FL_VM_EXEC		0x00000004ULL
#define FL_VM_SHARED		0x00000008ULL
#define FL_VM_MAYREAD		0x00000010ULL
#define FL_VM_MAYWRITE		0x00000020ULL
#define FL_VM_MAYEXEC		0x00000040ULL
#define FL_VM_MAYSHARE		0x00000080ULL
#define FL_VM_GROWSDOWN		0x00000100ULL
#define FL_VM_UFFD_MISSING	0x00000200ULL
#define FL_VM_PFNMAP		0x00000400ULL
#define FL_VM_UFFD_WP		0x00001000ULL
#define FL_VM_LOCKED		0x00002000ULL
#define FL_VM_IO		0x00004000ULL
#define FL_VM_SEQ_READ		0x00008000ULL
#define FL_VM_RAND_READ		0x00010000ULL
#define FL_VM_DONTCOPY		0x00020000ULL
#define FL_VM_DONTEXPAND	0x00040000ULL
#define FL_VM_LOCKONFAULT	0x00080000ULL
#define FL_VM_ACCOUNT		0x00100000ULL
#define FL_VM_NORESERVE		0x00200000ULL
#define FL_VM_HUGETLB		0x00400000ULL
#define FL_VM_SYNC		0x00800000ULL
#define FL_VM_ARCH_1		0x01000000ULL
#define FL_VM_WIPEONFORK	0x02000000ULL
#define FL_VM_DONTDUMP		0x04000000ULL
#define FL_VM_SOFTDIRTY		0x08000000ULL
#define FL_VM_MIXEDMAP		0x10000000ULL
#define FL_VM_HUGEPAGE		0x20000000ULL
#define FL_VM_NOHUGEPAGE	0x40000000ULL
#define FL_VM_MERGEABLE		0x80000000ULL

/* VM_ACCESS_FLAGS and VM_SPECIAL as the kernel defines them. */
#define FL_VM_ACCESS_FLAGS	(FL_VM_READ | FL_VM_WRITE | FL_VM_EXEC)
#define FL_VM_SPECIAL		(FL_VM_IO | FL_VM_DONTEXPAND | FL_VM_PFNMAP | FL_VM_MIXEDMAP)
#define FL_VM_LOCKED_MASK	(FL_VM_LOCKED | FL_VM_LOCKONFAULT)
/* The protection key: VM_PKEY_BIT0.. (VM_HIGH_ARCH_0.., bits 32-35 on
 * x86_64, 32-36 on powerpc), set by pkey_mprotect(). */
#define FL_VM_PKEY_SHIFT	32
#define FL_VM_PKEY_MASK		(0x1fULL << FL_VM_PKEY_SHIFT)

/* What a VMA is, for reports and for the strategies' eligibility checks.
 * It is a label: merging follows vm_flags and the file, as in the kernel. */
enum fl_vma_kind {
	FL_VMA_ANON,		/* private anonymous */
	FL_VMA_FILE,		/* file-backed */
	FL_VMA_SHMEM,		/* MAP_SHARED|MAP_ANONYMOUS: an unlinked shmem file */
	FL_VMA_STACK,		/* the main stack, or any VM_GROWSDOWN mapping */
	FL_VMA_HEAP,		/* the brk area */
	FL_VMA_SPECIAL,		/* vdso, vvar, vsyscall, device mappings */
	FL_VMA__COUNT
};

const char *fl_vma_kind_name(enum fl_vma_kind kind);

/* The vm_ops a VMA would have, which is what decides whether a fault may be
 * handled under the per-VMA lock (vmf_can_call_fault() wants ->map_pages). */
enum fl_vma_ops {
	FL_VMA_OPS_NONE,	/* anonymous: vma->vm_ops == NULL */
	FL_VMA_OPS_FILE,	/* a filesystem's ops, with ->map_pages */
	FL_VMA_OPS_SPECIAL,	/* special mapping ops, or SysV shm's: no ->map_pages */
};

struct fl_vma {
	uint64_t start;		/* vm_start, inclusive */
	uint64_t end;		/* vm_end, exclusive */
	uint64_t flags;		/* FL_VM_* */
	enum fl_vma_kind kind;
	uint64_t file_id;	/* opaque file identity; 0 = no file */
	uint64_t pgoff;		/* vm_pgoff, in pages */
	bool anon_vma;		/* vma->anon_vma != NULL */
	uint64_t anon_vma_id;	/* which anon_vma, when anon_vma */
	/* The anon_vma_chain is longer than one entry: the VMA was copied from
	 * a parent at fork (vma_is_fork_child()), which blocks some merges. */
	bool anon_vma_fork_child;
	/* File-backed, but its vm_ops have no ->map_pages: SysV shared
	 * memory (ipc/shm.c shm_vm_ops over shmem), which shmat() maps. */
	bool no_map_pages;
	bool extent_inferred;	/* end was guessed (perf MMAP2 gives no end) */
	/* The trace lost events after the model last knew it: a lost
	 * mprotect, munmap or fault may have changed its flags, extent or
	 * anon_vma. */
	bool stale;
	uint64_t id;		/* stable identity, never reused in a set */
	/* Write cycle that last wrote this VMA (vma_start_write() in that
	 * cycle); 0 = never.  See fl_mm_written_in_cycle(). */
	uint64_t written_cycle;
	uint32_t change_idx;	/* private to mm_ops: its record this cycle */
};

static inline enum fl_vma_ops fl_vma_ops_of(const struct fl_vma *v)
{
	if (v->kind == FL_VMA_SPECIAL || v->no_map_pages)
		return FL_VMA_OPS_SPECIAL;
	return v->file_id ? FL_VMA_OPS_FILE : FL_VMA_OPS_NONE;
}

static inline uint64_t fl_vma_len(const struct fl_vma *v)
{
	return v->end - v->start;
}

struct fl_vma_set {
	struct fl_vma **v;	/* sorted by start; non-overlapping */
	uint64_t *ends;		/* ends[i] == v[i]->end */
	size_t len, cap;
	uint64_t next_id;
	struct fl_vma **spare;	/* freed VMAs kept for reuse */
	size_t nspare, capspare;
};

void fl_vma_set_init(struct fl_vma_set *s);
void fl_vma_set_free(struct fl_vma_set *s);

static inline size_t fl_vma_count(const struct fl_vma_set *s)
{
	return s->len;
}

static inline struct fl_vma *fl_vma_at(const struct fl_vma_set *s, size_t i)
{
	return i < s->len ? s->v[i] : NULL;
}

/* Index of the first VMA with end > addr (find_vma()), or count if none. */
size_t fl_vma_find_idx(const struct fl_vma_set *s, uint64_t addr);
/* find_vma(): the first VMA ending above addr; it may start above addr. */
struct fl_vma *fl_vma_find(const struct fl_vma_set *s, uint64_t addr);
/* vma_lookup(): the VMA containing addr ([start, end)), or NULL. */
struct fl_vma *fl_vma_lookup(const struct fl_vma_set *s, uint64_t addr);
/* find_vma_intersection(): the first VMA overlapping [start, end), or NULL. */
struct fl_vma *fl_vma_find_intersection(const struct fl_vma_set *s, uint64_t start, uint64_t end);
/* Index of a VMA known to be in the set (by its start), or count. */
size_t fl_vma_index_of(const struct fl_vma_set *s, const struct fl_vma *v);
/* find_vma_prev(): the VMA ending at or below addr closest to it, or NULL. */
struct fl_vma *fl_vma_prev_of(const struct fl_vma_set *s, uint64_t addr);

/* Make room so that the next splices adding up to nslots VMAs and the next
 * nvmas fl_vma_new() calls cannot fail.  0 or -ENOMEM (nothing changed). */
int fl_vma_set_reserve(struct fl_vma_set *s, size_t nslots, size_t nvmas);
/* A new VMA (copy of tmpl, or zeroed) with a fresh id, not yet in the set.
 * Never fails after a matching fl_vma_set_reserve(); NULL otherwise. */
struct fl_vma *fl_vma_new(struct fl_vma_set *s, const struct fl_vma *tmpl);
/* Give back a VMA that is not in the set. */
void fl_vma_release(struct fl_vma_set *s, struct fl_vma *v);
/* Replace slots [from, to) with add[0..n): the caller keeps the order and
 * removes/releases the VMAs it takes out.  Fails (-ENOMEM) only without a
 * prior fl_vma_set_reserve(); then nothing changed. */
int fl_vma_set_splice(struct fl_vma_set *s, size_t from, size_t to,
		      struct fl_vma *const *add, size_t n);
/* A VMA's end changed in place: keep the ends[] index in step. */
void fl_vma_set_sync(struct fl_vma_set *s, size_t idx);

/* Insert a copy of tmpl where nothing overlaps it (loading a snapshot).
 * 0, -EINVAL (empty or inverted range), -EEXIST (overlap), -ENOMEM. */
int fl_vma_insert(struct fl_vma_set *s, const struct fl_vma *tmpl, struct fl_vma **out);

/* Check ordering, non-overlap and the ends[] index: 0 or -EINVAL. */
int fl_vma_set_check(const struct fl_vma_set *s);

#endif
