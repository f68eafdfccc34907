/* mm_ops: the mmap family applied to one mm's VMA set with the kernel's
 * rules (docs/design.md §4), and the fault-side VMA changes (anon_vma, stack growth).
 *
 * The replay feeds every completed mm call here in trace order.  The trace's
 * return value is the truth: a call that failed (ret < 0) changes nothing,
 * and a call that succeeded is applied even where the model disagrees (a
 * mapping the model never saw, an extent that was guessed), which is counted
 * in fl_mm.inconsistent so a report can say how far to trust the layout.
 *
 * Each writer is one write cycle (the kernel's mmap_write_lock ..
 * mmap_write_unlock, i.e. one mm_lock_seq value).  Every VMA the kernel would
 * vma_start_write() -- modified, split, merged, removed or created -- is
 * reported for the cycle, because that is what aborts speculative and
 * per-VMA-lock faults; page-table effects (zap, move, protect) are reported
 * as ranges.  Reports of the last call stay readable until the next one.
 *
 * Rules follow mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/mremap.c and
 * mm/madvise.c of Linux 6.6..6.18; where they changed in that span the
 * kernel version profile (fl_mm.kver) selects.  replay/README-mm.md lists
 * which kernel function each rule follows and what is not modelled.
 */
#ifndef FL_MM_OPS_H
#define FL_MM_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_event.h"
#include "mm_vma.h"

/* Kernel version profile: major * 100 + minor. */
#define FL_MM_KVER(major, minor)	((major) * 100 + (minor))
#define FL_MM_KVER_DEFAULT		FL_MM_KVER(6, 18)

/* The arch decides the values of two mmap flags and the page size. */
enum fl_mm_arch {
	FL_MM_ARCH_X86_64,
	FL_MM_ARCH_PPC64,
};

/* UAPI values (include/uapi/asm-generic/mman-common.h, mman.h; powerpc's
 * asm/mman.h overrides MAP_NORESERVE and MAP_LOCKED). */
#define FL_PROT_READ		0x1ULL
#define FL_PROT_WRITE		0x2ULL
#define FL_PROT_EXEC		0x4ULL
#define FL_PROT_GROWSDOWN	0x01000000ULL
#define FL_PROT_GROWSUP		0x02000000ULL

#define FL_MAP_SHARED		0x01ULL
#define FL_MAP_PRIVATE		0x02ULL
#define FL_MAP_SHARED_VALIDATE	0x03ULL
#define FL_MAP_DROPPABLE	0x08ULL
#define FL_MAP_TYPE		0x0fULL
#define FL_MAP_FIXED		0x10ULL
#define FL_MAP_ANONYMOUS	0x20ULL
#define FL_MAP_GROWSDOWN	0x0100ULL
#define FL_MAP_POPULATE		0x8000ULL
#define FL_MAP_NONBLOCK		0x10000ULL
#define FL_MAP_STACK		0x20000ULL
#define FL_MAP_HUGETLB		0x40000ULL
#define FL_MAP_FIXED_NOREPLACE	0x100000ULL
#define FL_MAP_LOCKED_X86	0x2000ULL
#define FL_MAP_NORESERVE_X86	0x4000ULL
#define FL_MAP_LOCKED_PPC	0x80ULL
#define FL_MAP_NORESERVE_PPC	0x40ULL

#define FL_MREMAP_MAYMOVE	1ULL
#define FL_MREMAP_FIXED		2ULL
#define FL_MREMAP_DONTUNMAP	4ULL

enum {
	FL_MADV_NORMAL = 0,
	FL_MADV_RANDOM = 1,
	FL_MADV_SEQUENTIAL = 2,
	FL_MADV_WILLNEED = 3,
	FL_MADV_DONTNEED = 4,
	FL_MADV_FREE = 8,
	FL_MADV_REMOVE = 9,
	FL_MADV_DONTFORK = 10,
	FL_MADV_DOFORK = 11,
	FL_MADV_MERGEABLE = 12,
	FL_MADV_UNMERGEABLE = 13,
	FL_MADV_HUGEPAGE = 14,
	FL_MADV_NOHUGEPAGE = 15,
	FL_MADV_DONTDUMP = 16,
	FL_MADV_DODUMP = 17,
	FL_MADV_WIPEONFORK = 18,
	FL_MADV_KEEPONFORK = 19,
	FL_MADV_COLD = 20,
	FL_MADV_PAGEOUT = 21,
	FL_MADV_POPULATE_READ = 22,
	FL_MADV_POPULATE_WRITE = 23,
	FL_MADV_DONTNEED_LOCKED = 24,
	FL_MADV_COLLAPSE = 25,
	FL_MADV_HWPOISON = 100,
	FL_MADV_SOFT_OFFLINE = 101,
	FL_MADV_GUARD_INSTALL = 102,
	FL_MADV_GUARD_REMOVE = 103,
};

/* Which lock a call takes (mm/madvise.c get_lock_mode(), and the mmap_lock
 * writers).  VMA_READ: the per-VMA read lock, falling back to a mmap_lock
 * read lock when the range spans VMAs or the VMA lock is contended. */
enum fl_mm_lock_mode {
	FL_MM_LOCK_NONE,	/* invalid advice (-EINVAL before locking), hwpoison */
	FL_MM_LOCK_MMAP_READ,
	FL_MM_LOCK_MMAP_WRITE,
	FL_MM_LOCK_VMA_READ,
};

const char *fl_mm_lock_mode_name(enum fl_mm_lock_mode mode);

/* madvise_need_mmap_write() / get_lock_mode() of that kernel version. */
enum fl_mm_lock_mode fl_mm_madvise_lock_mode(int advice, int kver);
/* True when the advice takes mmap_lock for write (it changes vm_flags). */
bool fl_mm_madvise_need_mmap_write(int advice, int kver);
/* The lock a traced call takes first (munmap, brk and mremap shrinking
 * downgrade it to read once the VMAs are detached). */
enum fl_mm_lock_mode fl_mm_call_lock_mode(const struct fl_mm_call *call, int kver);

/* What one write cycle did to one VMA. */
enum fl_mm_change_kind {
	FL_MM_VMA_CREATED,	/* a new VMA (mmap, brk, split, mremap copy) */
	FL_MM_VMA_MODIFIED,	/* range, pgoff, flags or anon_vma changed */
	FL_MM_VMA_REMOVED,	/* detached: unmapped, or merged into another */
	FL_MM_VMA__DROPPED,	/* internal: created and removed in one call */
};

struct fl_mm_change {
	enum fl_mm_change_kind kind;
	uint64_t id;			/* the VMA's fl_vma.id */
	struct fl_vma before;		/* MODIFIED, REMOVED: as at the call's start */
	const struct fl_vma *after;	/* CREATED, MODIFIED: the VMA now */
};

/* What one call did to page-table contents. */
enum fl_mm_range_kind {
	FL_MM_RANGE_UNMAP,	/* PTEs zapped, VMAs gone, tables in [floor, ceiling) freed */
	FL_MM_RANGE_ZAP,	/* PTEs zapped, VMAs kept (MADV_DONTNEED, _REMOVE, guard) */
	FL_MM_RANGE_LAZYFREE,	/* MADV_FREE: pages stay mapped until reclaim */
	FL_MM_RANGE_MOVE,	/* mremap: PTEs of [start, end) now at dst */
	FL_MM_RANGE_PROTECT,	/* mprotect: PTE permissions rewritten */
	FL_MM_RANGE_POPULATE,	/* MAP_POPULATE, MADV_POPULATE_*: faulted in */
};

struct fl_mm_range {
	enum fl_mm_range_kind kind;
	uint64_t start, end;
	uint64_t dst;			/* MOVE */
	uint64_t floor, ceiling;	/* UNMAP: free_pgtables() bounds */
};

struct fl_mm;
/* Called after every call that changed something, with that call's
 * reports (also in mm->changes / mm->ranges). */
typedef void (*fl_mm_observer_fn)(void *ctx, const struct fl_mm *mm);
/* An mmap's fd to a file identity (nonzero); *writable: opened for writing
 * (FMODE_WRITE), which decides VM_SHARED/VM_MAYWRITE of a shared mapping. */
typedef uint64_t (*fl_mm_file_fn)(void *ctx, int64_t fd, bool *writable);

/* Without a file_fn an fd maps to FL_MM_FILE_FD | fd, opened read-write.
 * Shared anonymous and hugetlb mappings get a fresh FL_MM_FILE_ANON id each:
 * the kernel gives each one its own unlinked file. */
#define FL_MM_FILE_FD		(1ULL << 62)
#define FL_MM_FILE_ANON		(1ULL << 63)

/* fl_mm_apply(): the call was not applied (failed, or cut off by the trace). */
#define FL_MM_SKIPPED 1

struct fl_mm {
	struct fl_vma_set vmas;

	/* Profile: set by fl_mm_init(), adjustable before the first call. */
	unsigned page_shift;		/* 12: 4 KiB; 16: 64 KiB */
	enum fl_mm_arch arch;
	int kver;			/* FL_MM_KVER(6, 6) .. FL_MM_KVER(6, 18) */
	uint64_t stack_guard_gap;	/* bytes; the kernel's 256 pages */
	uint64_t stack_rlimit;		/* RLIMIT_STACK in bytes; 0 = unlimited */
	uint64_t mmap_min_addr;		/* vm.mmap_min_addr */
	uint64_t def_flags;		/* mm->def_flags (mlockall, prctl THP) */
	/* Replay the part of a failed mprotect/madvise that the kernel does
	 * apply before it meets a hole (ret == -ENOMEM).  Off by default:
	 * failed calls change nothing. */
	bool partial_failures;

	/* brk state: mm->start_brk and mm->brk, once known. */
	bool brk_known;
	uint64_t start_brk, brk;

	uint64_t write_cycle;		/* the last write cycle; 0 = none yet */
	uint64_t inconsistent;		/* successful calls the model disagreed with */
	uint64_t next_anon_vma;
	uint64_t next_anon_file;

	/* Reports of the last call. */
	struct fl_mm_change *changes;
	size_t nchanges, capchanges;
	struct fl_mm_range *ranges;
	size_t nranges, capranges;

	/* The rest of each mapping known only by its start that a call
	 * cut short (mm_tails.c): a template VMA at the call's end. */
	struct fl_vma *tails;
	size_t ntails, captails;

	fl_mm_observer_fn observer;
	void *observer_ctx;
	fl_mm_file_fn file_fn;
	void *file_ctx;
};

void fl_mm_init(struct fl_mm *mm, unsigned page_shift, enum fl_mm_arch arch, int kver);
void fl_mm_free(struct fl_mm *mm);

/* A VMA known at trace start (maps file, perf MMAP2).  Not a write cycle.
 * 0, -EINVAL, -EEXIST (overlaps a known VMA), -ENOMEM. */
int fl_mm_add_vma(struct fl_mm *mm, const struct fl_vma *tmpl, struct fl_vma **out);
/* A fault at addr, outside every VMA, in the rest of a mapping known only
 * by its start whose first part a call changed (mm_tails.c): the rest
 * becomes a VMA of inferred extent reaching addr's page.  1 and *out when
 * it did, 0 when no such rest holds addr, -ENOMEM. */
int fl_mm_place_in_tail(struct fl_mm *mm, uint64_t addr, struct fl_vma **out);
/* fork: the child's copy of the parent's VMAs keeps those rests too. */
int fl_mm_copy_tails(struct fl_mm *dst, const struct fl_mm *src);
/* mm->start_brk and mm->brk, when known from a snapshot. */
void fl_mm_set_brk(struct fl_mm *mm, uint64_t start_brk, uint64_t brk);

/* Apply one traced call.  0 applied, FL_MM_SKIPPED not applied (ret < 0, no
 * exit, or no entry so no arguments), or a negative errno when the call
 * cannot be applied at all (-EINVAL arguments the kernel cannot have
 * accepted, -ENOMEM); nothing changed then. */
int fl_mm_apply(struct fl_mm *mm, const struct fl_mm_call *call);

/* The same, one call at a time, for a call that succeeded.  Addresses are
 * the trace's: ret is where the kernel put the mapping. */
int fl_mm_mmap(struct fl_mm *mm, uint64_t ret, uint64_t len, uint64_t prot, uint64_t flags,
	       int64_t fd, uint64_t off);
int fl_mm_munmap(struct fl_mm *mm, uint64_t start, uint64_t len);
int fl_mm_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot);
/* pkey_mprotect(): pkey -1 is mprotect(); a key sets the VMAs' FL_VM_PKEY
 * bits, a change that splits as a change of protection does. */
int fl_mm_pkey_mprotect(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t prot, int64_t pkey);
int fl_mm_mremap(struct fl_mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
		 uint64_t flags, uint64_t ret);
/* brk(requested) returned ret: the new break, or the old one on failure. */
int fl_mm_brk(struct fl_mm *mm, uint64_t requested, uint64_t ret);
int fl_mm_madvise(struct fl_mm *mm, uint64_t start, uint64_t len, int advice);
/* mlock(start, len) (mlock2_flags 0) and mlock2(); munlock(); mlockall(flags)
 * and munlockall() (flags 0), with the arch's MCL_* values (mm_mlock.c). */
int fl_mm_mlock(struct fl_mm *mm, uint64_t start, uint64_t len, uint64_t mlock2_flags);
int fl_mm_munlock(struct fl_mm *mm, uint64_t start, uint64_t len);
int fl_mm_mlockall(struct fl_mm *mm, uint64_t flags);

/* The first anonymous fault on vma (anon_vma_prepare()): reuse a compatible
 * neighbour's anon_vma (find_mergeable_anon_vma()) or make one.  Runs under
 * the read lock, so it is not a write cycle.  Returns the anon_vma id. */
uint64_t fl_mm_anon_prepare(struct fl_mm *mm, struct fl_vma *vma);

/* A fault at addr that found no VMA containing it: grow the VM_GROWSDOWN
 * VMA above it (expand_downwards()), a write cycle of its own.  0 with *out
 * the VMA now covering addr (also when one already did), -EFAULT no
 * VM_GROWSDOWN VMA above addr (SEGV_MAPERR), -ENOMEM guard gap, pgoff or
 * rlimit, -EPERM below mmap_min_addr. */
int fl_mm_expand_stack(struct fl_mm *mm, uint64_t addr, struct fl_vma **out);

/* Was v write-locked (vma_start_write()) in write cycle `cycle`? */
static inline bool fl_mm_written_in_cycle(const struct fl_vma *v, uint64_t cycle)
{
	return cycle && v->written_cycle == cycle;
}

/* The vm_flags mmap() would give (do_mmap() + mmap_region()), before any
 * merge.  file: the mapping has a file (not anonymous); writable: that
 * file was opened for writing. */
uint64_t fl_mm_mmap_vm_flags(const struct fl_mm *mm, uint64_t prot, uint64_t flags, bool file,
			     bool writable);

#endif
