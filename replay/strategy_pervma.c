/* pervma: mainline per-VMA locks (6.4+), with kernel-version profiles.
 *
 * The x86 and powerpc fault handlers try lock_vma_under_rcu() first for user
 * faults; handle_mm_fault() then runs under the VMA's read lock with
 * FAULT_FLAG_VMA_LOCK.  Anything it cannot do there returns VM_FAULT_RETRY
 * and the fault runs again under mmap_lock (lock_mmap).  The counters are
 * the kernel's (CONFIG_PER_VMA_LOCK_STATS): vma_lock_success, _abort,
 * _retry, _miss.  replay/README-strategies.md has the profile table.
 */
#include <string.h>

#include "mm_ops.h"
#include "strategy.h"

/* mm/memory.c fault_around_bytes default. */
#define FAULT_AROUND_BYTES (64u << 10)

struct pervma {
	int kver;
	uint64_t vma_lock_delay;
};

enum { KNOB_VMA_LOCK_DELAY };

static const struct fl_knob knobs[] = {
	[KNOB_VMA_LOCK_DELAY] = {
		.key = "vma_lock_delay",
		.help = "ns after a writer acquires mmap_lock before its VMAs count as "
			"write-locked (vma_start_write() is not in the trace)",
		.def = 0, .min = 0, .max = 1000000000,
	},
	{ .key = NULL },
};

static const char *const profiles[] = { "6.15+", "6.4", "6.6", "6.7", "6.10", NULL };

static int pervma_init(void *state, const struct fl_run_cfg *cfg, struct fl_err *err)
{
	struct pervma *p = state;

	(void)err;
	p->kver = cfg->kver ? cfg->kver : FL_MM_KVER(6, 15);
	p->vma_lock_delay = (uint64_t)cfg->knob[KNOB_VMA_LOCK_DELAY];
	return 0;
}

/* Every outcome pervma gives.  The counters are CONFIG_PER_VMA_LOCK_STATS'
 * vm_events; "" where the kernel bumps none. */
enum {
	C_UNPLACED,
	C_KERNEL_MODE,
	C_ACCESS,
	A_NOT_ANON,
	A_NO_ANON_VMA,
	A_UFFD,
	A_WRITE_LOCKED,
	A_NO_VMA,
	A_STACK,
	R_WP_MKWRITE,
	R_WP_NO_ANON_VMA,
	R_SWAP,
	R_SWAP_IO,
	R_NO_MAP_PAGES,
	R_FILE_IO,
	R_READAHEAD,
	R_FOLIO,
	R_NO_FAULT_AROUND,
	R_FILE_FAULT,
	R_UFFD,
	R_NO_ANON_VMA,
	S_OK,
	S_OK_TRYLOCK,
	C__COUNT
};

#define CAUSE(id, counter, reason, desc) [id] = { (id) + 1, 0, counter, reason, desc }
/* A fault the model could not place in a VMA it knew (cause.h). */
#define UNPLACED(id, counter, reason, desc) \
	[id] = { (id) + 1, FL_CAUSE_UNPLACED, counter, reason, desc }

static const struct fl_cause pervma_causes[C__COUNT] = {
	UNPLACED(C_UNPLACED, "", "unplaced: no VMA known", "the replay knows nothing of the mm's "
	      "layout at the address: not decided"),
	CAUSE(C_KERNEL_MODE, "", "kernel-mode fault", "no FAULT_FLAG_USER: do_user_addr_fault() "
	      "skips lock_vma_under_rcu() and goes to lock_mm_and_find_vma()"),
	CAUSE(C_ACCESS, "", "access error", "access_error() under the VMA lock: "
	      "vma_end_read(), then the mmap_lock path, no counter"),
	CAUSE(A_NOT_ANON, "vma_lock_abort", "not anonymous", "6.4-6.5 lock_vma_under_rcu(): "
	      "vma_is_anonymous() false, only anonymous VMAs are taken"),
	CAUSE(A_NO_ANON_VMA, "vma_lock_abort", "no anon_vma", "6.4-6.9 lock_vma_under_rcu(): an "
	      "anonymous VMA without vma->anon_vma (before 6.10's __vmf_anon_prepare())"),
	CAUSE(A_UFFD, "vma_lock_abort", "uffd", "6.4-6.5 lock_vma_under_rcu(): "
	      "userfaultfd_armed() VMA"),
	CAUSE(A_WRITE_LOCKED, "vma_lock_abort", "write-locked", "vma_start_read() fails: an "
	      "mmap_lock writer's vma_start_write() set vm_lock_seq == mm_lock_seq"),
	UNPLACED(A_NO_VMA, "vma_lock_abort", "no VMA", "lock_vma_under_rcu(): mas_walk() finds no "
	      "VMA containing the address"),
	CAUSE(A_STACK, "vma_lock_abort", "stack growth", "lock_vma_under_rcu(): the address is "
	      "below a VM_GROWSDOWN VMA, expand_stack() needs mmap_lock"),
	CAUSE(R_WP_MKWRITE, "vma_lock_retry", "wp fault: page_mkwrite", "before 6.7 "
	      "wp_page_shared() with ->page_mkwrite returns VM_FAULT_RETRY under the VMA lock"),
	CAUSE(R_WP_NO_ANON_VMA, "vma_lock_retry", "wp fault: no anon_vma", "before 6.7 "
	      "do_wp_page() needs an anon_vma for wp_page_copy(): VM_FAULT_RETRY"),
	CAUSE(R_SWAP, "vma_lock_retry", "swap", "before 6.6 do_swap_page() returns "
	      "VM_FAULT_RETRY under the VMA lock"),
	CAUSE(R_SWAP_IO, "vma_lock_retry", "swap IO", "6.6+ do_swap_page(): "
	      "__folio_lock_or_retry() finds the folio locked for IO and drops the VMA lock"),
	CAUSE(R_NO_MAP_PAGES, "vma_lock_retry", "no map_pages", "a file VMA without "
	      "->map_pages: vmf_can_call_fault() refuses ->fault under the VMA lock"),
	CAUSE(R_FILE_IO, "vma_lock_retry", "file IO", "major file fault: filemap_fault() drops "
	      "the VMA lock for the IO (maybe_unlock_mmap_for_io())"),
	CAUSE(R_READAHEAD, "vma_lock_retry", "readahead", "filemap_fault() starts readahead "
	      "and drops the VMA lock (maybe_unlock_mmap_for_io())"),
	CAUSE(R_FOLIO, "vma_lock_retry", "folio locked", "filemap_fault(): "
	      "lock_folio_maybe_drop_mmap() drops the VMA lock to sleep on a locked folio"),
	CAUSE(R_NO_FAULT_AROUND, "vma_lock_retry", "no fault-around", "6.6 do_read_fault(): "
	      "only fault-around runs under the VMA lock, and should_fault_around() wants more "
	      "than one page"),
	CAUSE(R_FILE_FAULT, "vma_lock_retry", "file fault", "before 6.7 do_cow_fault() / "
	      "do_shared_fault() return VM_FAULT_RETRY under the VMA lock"),
	CAUSE(R_UFFD, "vma_lock_retry", "uffd", "handle_userfault() drops the VMA lock and "
	      "waits for the userfaultfd handler"),
	CAUSE(R_NO_ANON_VMA, "vma_lock_retry", "no anon_vma", "the handler needs an anon_vma: "
	      "before 6.10 VM_FAULT_RETRY under the VMA lock; from 6.10 "
	      "__vmf_anon_prepare()'s mmap_read_trylock() fails against a writer"),
	CAUSE(S_OK, "vma_lock_success", "ok", "handle_mm_fault(FAULT_FLAG_VMA_LOCK) completes "
	      "under the VMA read lock"),
	CAUSE(S_OK_TRYLOCK, "vma_lock_success", "ok, anon_vma under trylock", "completes under "
	      "the VMA lock; 6.10+ __vmf_anon_prepare() set the anon_vma under "
	      "mmap_read_trylock()"),
};

#undef CAUSE
#undef UNPLACED

static bool vma_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}

/* fault path after a NULL lock_vma_under_rcu() or a RETRY: lock_mmap. */
static void fall_back(const struct fl_fault_view *f, struct fl_outcome *o, int cause)
{
	o->path = FL_PATH_MMAP_LOCK;
	o->fell_back = true;
	o->cause = &pervma_causes[cause];
	/* lock_mm_and_find_vma(): the read lock waits behind the writer
	 * holding it and those queued before, from when the fault asks for
	 * it (fl_fault_view.t_lock_req, lock_free_at_req), as late as the
	 * thread runs behind.  When the kernel fell back too, the request is
	 * the kernel's own: the lock came when the kernel's did, and what of
	 * that the writers do not explain is the thread waiting for a CPU
	 * once woken, which a thread running behind still meets.  So it
	 * waits what the kernel's did (kernel_wait) or, running behind, until
	 * the kernel's acquire or as the writers in the way give, whichever
	 * is later. */
	if (f->kernel_waited && !f->behind) {
		o->lock_wait = f->kernel_wait;
		return;
	}
	if (f->lock_free_at_req > f->t_lock_req + f->behind &&
	    f->lock_free_at_req != UINT64_MAX)
		o->lock_wait = f->lock_free_at_req - (f->t_lock_req + f->behind);
	if (f->kernel_waited && f->kernel_wait > f->behind &&
	    f->kernel_wait - f->behind > o->lock_wait)
		o->lock_wait = f->kernel_wait - f->behind;
}

/* filemap_fault() under the VMA lock drops it and returns VM_FAULT_RETRY
 * when it waits on the page cache: IO for a page not in it (major), a
 * PG_readahead marker or readahead (maybe_unlock_mmap_for_io()), a locked
 * folio (lock_folio_maybe_drop_mmap()).  -1 when it does not.
 * shmem_fault() is not filemap_fault(): shmem_get_folio_gfp() sleeps on
 * a locked folio and swaps in with the lock held, and only a hole punch
 * in progress (shmem_falloc_wait(), not in the trace) drops it. */
static int filemap_retry(const struct fl_fault_view *f)
{
	if (f->vma.kind == FL_VMA_SHMEM)
		return -1;
	if (f->major)
		return R_FILE_IO;
	if (f->pc_wait == FL_PCW_READAHEAD)
		return R_READAHEAD;
	if (f->folio_locked || f->pc_wait == FL_PCW_SLEPT)
		return R_FOLIO;
	return -1;
}

/* handle_mm_fault(FAULT_FLAG_VMA_LOCK): what returns VM_FAULT_RETRY, as the
 * cause; -1 when the fault completes under the VMA lock. */
static int vma_lock_retry(int kver, const struct fl_run_cfg *cfg,
				  const struct fl_fault_view *f)
{
	const struct fl_vma *v = &f->vma;
	int retry = -1;

	switch (f->handler) {
	case FL_H_ANON_READ:
	case FL_H_ANON_WRITE:
	case FL_H_SPURIOUS:
		break;
	case FL_H_WP:
		/* do_wp_page() before 6.7 ("mm: handle write faults to RO
		 * pages under the VMA lock"): VM_FAULT_RETRY under the VMA lock
		 * only from wp_page_shared() when the VMA has ->page_mkwrite
		 * (a filesystem's shared mapping; shmem has none), and before
		 * wp_page_copy() when a private copy needs an anon_vma the VMA
		 * does not have yet.  A private COW with an anon_vma, or a page
		 * reused in place, completes. */
		if (kver < FL_MM_KVER(6, 7)) {
			if (v->flags & FL_VM_SHARED) {
				if (fl_vma_ops_of(v) == FL_VMA_OPS_FILE && v->kind != FL_VMA_SHMEM &&
				    !(v->file_id & FL_MM_FILE_ANON))
					retry = R_WP_MKWRITE;
			} else if (!v->anon_vma) {
				retry = R_WP_NO_ANON_VMA;
			}
		}
		break;
	case FL_H_SWAP:
		/* do_swap_page(): under the VMA lock only from 6.6 (before, it
		 * returned VM_FAULT_RETRY at once).  From 6.6 it drops the lock
		 * only in folio_lock_or_retry(), when __folio_lock_or_retry()'s
		 * trylock fails: the folio is locked for IO (another thread's
		 * swap-in, or an asynchronous read the thread sleeps on).  A
		 * synchronous swap-in (SWP_SYNCHRONOUS_IO: zram) unlocks the
		 * folio before, and completes under the VMA lock. */
		if (kver < FL_MM_KVER(6, 6))
			retry = R_SWAP;
		else if (f->folio_locked || f->pc_wait == FL_PCW_SLEPT)
			retry = R_SWAP_IO;
		break;
	case FL_H_FILE_READ:
		/* do_read_fault(): fault-around (->map_pages) runs under the
		 * VMA lock from 6.6; ->fault from 6.7 when the VMA has
		 * ->map_pages (vmf_can_call_fault()). */
		if (fl_vma_ops_of(v) != FL_VMA_OPS_FILE)
			retry = R_NO_MAP_PAGES;
		else if ((retry = filemap_retry(f)) < 0 && kver < FL_MM_KVER(6, 7) &&
			 (FAULT_AROUND_BYTES >> cfg->page_shift) <= 1)
			/* 6.6 ran only fault-around under the VMA lock, and
			 * should_fault_around() wants more than one page: 64 KiB
			 * on 64 KiB pages is one. */
			retry = R_NO_FAULT_AROUND;
		break;
	case FL_H_FILE_COW:
	case FL_H_FILE_SHARED:
		if (kver < FL_MM_KVER(6, 7))
			retry = R_FILE_FAULT;
		else if (fl_vma_ops_of(v) != FL_VMA_OPS_FILE)
			retry = R_NO_MAP_PAGES;
		else
			retry = filemap_retry(f);
		break;
	case FL_H__COUNT:
		break;
	}
	if (retry < 0 && (v->flags & FL_VM_UFFD_MISSING) && !(f->fault->access & FL_ACC_PROT))
		retry = R_UFFD;	/* handle_userfault() drops the lock and waits */
	if (retry < 0 && f->needs_anon_vma) {
		/* __vmf_anon_prepare(): from 6.10 it tries mmap_read_trylock()
		 * to set the anon_vma; the trylock fails when a writer holds
		 * or waits for mmap_lock.  Before, the lookup refused anon VMAs
		 * without one, and file COW returned RETRY. */
		if (kver < FL_MM_KVER(6, 10) || f->lock_contended)
			retry = R_NO_ANON_VMA;
	}
	return retry;
}

static void pervma_fault(void *state, const struct fl_run_cfg *cfg, const struct fl_fault_view *f,
			 struct fl_outcome *o)
{
	const struct pervma *p = state;
	const struct fl_vma *v = &f->vma;
	int kver = p->kver;

	o->attempts = 1;
	/* Without an end: the handler's cost; none for FL_H_NONE. */
	o->latency = f->has_end && f->t_end >= f->t ? f->t_end - f->t
		     : (unsigned)f->handler < FL_H__COUNT ? cfg->cost[f->handler] : 0;

	if (f->place == FL_PLACE_UNKNOWN) {
		o->path = FL_PATH_NONE;
		o->cause = &pervma_causes[C_UNPLACED];
		o->attempts = 0;
		return;
	}

	/* x86 do_user_addr_fault(), powerpc ___do_page_fault(): only a
	 * user-mode fault (FAULT_FLAG_USER) tries the VMA lock; a kernel-mode
	 * fault on a user address (copy_to_user, exec's clear_user of the
	 * bss) goes to lock_mm_and_find_vma(), with no counter.  Only ppc64's
	 * page-faults event shows those (a trap says its access bits are
	 * decoded); x86's tracepoint is page_fault_user. */
	if (f->fault->trap && !(f->fault->access & FL_ACC_USER)) {
		fall_back(f, o, C_KERNEL_MODE);
		return;
	}

	/* lock_vma_under_rcu(), 6.4 and 6.5: only anonymous VMAs with an
	 * anon_vma, not userfaultfd_armed(), tested before vma_start_read().
	 * File-backed VMAs, swap and userfaultfd came in 6.6 ("mm: allow
	 * per-VMA locks on file-backed VMAs", "Per-VMA lock support for swap
	 * and userfaults"). */
	if (kver < FL_MM_KVER(6, 6) && (f->place == FL_PLACE_VMA || f->place == FL_PLACE_INFERRED)) {
		if (!vma_anonymous(v)) {
			fall_back(f, o, A_NOT_ANON);
			return;
		}
		if (!v->anon_vma) {
			fall_back(f, o, A_NO_ANON_VMA);
			return;
		}
		if (v->flags & FL_VM_UFFD_MISSING) {
			fall_back(f, o, A_UFFD);
			return;
		}
	}
	/* vma_start_read(): a VMA being written by an mmap_lock writer has
	 * vm_lock_seq == mm_lock_seq until mmap_write_unlock() (or the
	 * downgrade) ends the cycle: ABORT.  A VMA the writer created is
	 * write-locked too. */
	for (size_t i = 0; i < f->nhits; i++) {
		const struct fl_writer *w = f->hits[i].w;

		if (w->w_begin + p->vma_lock_delay > f->t)
			continue;
		if (f->hits[i].wrote_vma || f->hits[i].created_at) {
			fall_back(f, o, A_WRITE_LOCKED);
			o->writer = w;
			return;
		}
	}
	/* mas_walk() found no VMA containing the address. */
	if (f->place == FL_PLACE_NO_VMA) {
		fall_back(f, o, A_NO_VMA);
		return;
	}
	if (f->place == FL_PLACE_STACK) {
		fall_back(f, o, A_STACK);
		return;
	}
	/* 6.6-6.9: an anonymous VMA without anon_vma, tested after
	 * vma_start_read() (find_mergeable_anon_vma() looks at neighbours the
	 * VMA lock does not cover); 6.10 moved it into __vmf_anon_prepare(). */
	if (kver < FL_MM_KVER(6, 10) && vma_anonymous(v) && !v->anon_vma) {
		fall_back(f, o, A_NO_ANON_VMA);
		return;
	}

	/* x86 do_user_addr_fault(): access_error() under the VMA lock drops
	 * it and takes the mmap_lock path, with no counter. */
	if (f->access_error) {
		fall_back(f, o, C_ACCESS);
		return;
	}

	/* handle_mm_fault(FAULT_FLAG_VMA_LOCK): what returns VM_FAULT_RETRY. */
	int retry = vma_lock_retry(kver, cfg, f);

	if (retry >= 0) {
		fall_back(f, o, retry);
		o->attempts = 2;
		return;
	}
	o->path = FL_PATH_VMA_LOCK;
	o->cause = &pervma_causes[f->needs_anon_vma ? S_OK_TRYLOCK : S_OK];
}

static void pervma_fini(void *state)
{
	(void)state;
}

const struct fl_strategy fl_strategy_pervma = {
	.name = "pervma",
	.summary = "mainline per-VMA locks (6.4+), by kernel-version profile",
	.profiles = profiles,
	.knobs = knobs,
	.needs = FL_NEED_FAULTS | FL_NEED_MM_CALLS,
	.state_size = sizeof(struct pervma),
	.init = pervma_init,
	.fault = pervma_fault,
	.fini = pervma_fini,
	.causes = pervma_causes,
	.ncauses = C__COUNT,
};
