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

static bool vma_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}

/* fault path after a NULL lock_vma_under_rcu() or a RETRY: lock_mmap. */
static void fall_back(const struct fl_fault_view *f, struct fl_outcome *o, const char *counter,
		      const char *reason)
{
	o->path = FL_PATH_MMAP_LOCK;
	o->fell_back = true;
	o->counter = counter;
	o->reason = reason;
	/* lock_mm_and_find_vma(): the read lock waits behind the writer
	 * holding it and those queued before, from when the fault asks for
	 * it (fl_fault_view.t_lock_req, lock_free_at_req), as late as the
	 * thread runs behind.  When the kernel fell back too and this run
	 * has not moved the thread, the request is the kernel's own: it
	 * waits what the kernel's did (kernel_wait). */
	if (f->kernel_waited && !f->behind)
		o->lock_wait = f->kernel_wait;
	else if (f->lock_free_at_req > f->t_lock_req + f->behind &&
		 f->lock_free_at_req != UINT64_MAX)
		o->lock_wait = f->lock_free_at_req - (f->t_lock_req + f->behind);
}

/* filemap_fault() under the VMA lock drops it and returns VM_FAULT_RETRY
 * when it waits on the page cache: IO for a page not in it (major), a
 * PG_readahead marker or readahead (maybe_unlock_mmap_for_io()), a locked
 * folio (lock_folio_maybe_drop_mmap()).  NULL when it does not.
 * shmem_fault() is not filemap_fault(): shmem_get_folio_gfp() sleeps on
 * a locked folio and swaps in with the lock held, and only a hole punch
 * in progress (shmem_falloc_wait(), not in the trace) drops it. */
static const char *filemap_retry(const struct fl_fault_view *f)
{
	if (f->vma.kind == FL_VMA_SHMEM)
		return NULL;
	if (f->major)
		return "file IO";
	if (f->pc_wait == FL_PCW_READAHEAD)
		return "readahead";
	if (f->folio_locked || f->pc_wait == FL_PCW_SLEPT)
		return "folio locked";
	return NULL;
}

/* handle_mm_fault(FAULT_FLAG_VMA_LOCK): what returns VM_FAULT_RETRY, as the
 * reason; NULL when the fault completes under the VMA lock. */
static const char *vma_lock_retry(int kver, const struct fl_run_cfg *cfg,
				  const struct fl_fault_view *f)
{
	const struct fl_vma *v = &f->vma;
	const char *retry = NULL;

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
					retry = "wp fault: page_mkwrite";
			} else if (!v->anon_vma) {
				retry = "wp fault: no anon_vma";
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
			retry = "swap";
		else if (f->folio_locked || f->pc_wait == FL_PCW_SLEPT)
			retry = "swap IO";
		break;
	case FL_H_FILE_READ:
		/* do_read_fault(): fault-around (->map_pages) runs under the
		 * VMA lock from 6.6; ->fault from 6.7 when the VMA has
		 * ->map_pages (vmf_can_call_fault()). */
		if (fl_vma_ops_of(v) != FL_VMA_OPS_FILE)
			retry = "no map_pages";
		else if (!(retry = filemap_retry(f)) && kver < FL_MM_KVER(6, 7) &&
			 (FAULT_AROUND_BYTES >> cfg->page_shift) <= 1)
			/* 6.6 ran only fault-around under the VMA lock, and
			 * should_fault_around() wants more than one page: 64 KiB
			 * on 64 KiB pages is one. */
			retry = "no fault-around";
		break;
	case FL_H_FILE_COW:
	case FL_H_FILE_SHARED:
		if (kver < FL_MM_KVER(6, 7))
			retry = "file fault";
		else if (fl_vma_ops_of(v) != FL_VMA_OPS_FILE)
			retry = "no map_pages";
		else
			retry = filemap_retry(f);
		break;
	case FL_H__COUNT:
		break;
	}
	if (!retry && (v->flags & FL_VM_UFFD_MISSING) && !(f->fault->access & FL_ACC_PROT))
		retry = "uffd";	/* handle_userfault() drops the lock and waits */
	if (!retry && f->needs_anon_vma) {
		/* __vmf_anon_prepare(): from 6.10 it tries mmap_read_trylock()
		 * to set the anon_vma; the trylock fails when a writer holds
		 * or waits for mmap_lock.  Before, the lookup refused anon VMAs
		 * without one, and file COW returned RETRY. */
		if (kver < FL_MM_KVER(6, 10) || f->lock_contended)
			retry = "no anon_vma";
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
	o->latency = f->has_end && f->t_end >= f->t ? f->t_end - f->t : cfg->cost[f->handler];

	if (f->place == FL_PLACE_UNKNOWN) {
		o->path = FL_PATH_NONE;
		o->reason = "unplaced: no VMA known";
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
		fall_back(f, o, "", "kernel-mode fault");
		return;
	}

	/* lock_vma_under_rcu(), 6.4 and 6.5: only anonymous VMAs with an
	 * anon_vma, not userfaultfd_armed(), tested before vma_start_read().
	 * File-backed VMAs, swap and userfaultfd came in 6.6 ("mm: allow
	 * per-VMA locks on file-backed VMAs", "Per-VMA lock support for swap
	 * and userfaults"). */
	if (kver < FL_MM_KVER(6, 6) && (f->place == FL_PLACE_VMA || f->place == FL_PLACE_INFERRED)) {
		if (!vma_anonymous(v)) {
			fall_back(f, o, "vma_lock_abort", "not anonymous");
			return;
		}
		if (!v->anon_vma) {
			fall_back(f, o, "vma_lock_abort", "no anon_vma");
			return;
		}
		if (v->flags & FL_VM_UFFD_MISSING) {
			fall_back(f, o, "vma_lock_abort", "uffd");
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
			fall_back(f, o, "vma_lock_abort", "write-locked");
			o->writer = w;
			return;
		}
	}
	/* mas_walk() found no VMA containing the address. */
	if (f->place == FL_PLACE_NO_VMA) {
		fall_back(f, o, "vma_lock_abort", "no VMA");
		return;
	}
	if (f->place == FL_PLACE_STACK) {
		fall_back(f, o, "vma_lock_abort", "stack growth");
		return;
	}
	/* 6.6-6.9: an anonymous VMA without anon_vma, tested after
	 * vma_start_read() (find_mergeable_anon_vma() looks at neighbours the
	 * VMA lock does not cover); 6.10 moved it into __vmf_anon_prepare(). */
	if (kver < FL_MM_KVER(6, 10) && vma_anonymous(v) && !v->anon_vma) {
		fall_back(f, o, "vma_lock_abort", "no anon_vma");
		return;
	}

	/* x86 do_user_addr_fault(): access_error() under the VMA lock drops
	 * it and takes the mmap_lock path, with no counter. */
	if (f->access_error) {
		fall_back(f, o, "", "access error");
		return;
	}

	/* handle_mm_fault(FAULT_FLAG_VMA_LOCK): what returns VM_FAULT_RETRY. */
	const char *retry = vma_lock_retry(kver, cfg, f);

	if (retry) {
		fall_back(f, o, "vma_lock_retry", retry);
		o->attempts = 2;
		return;
	}
	o->path = FL_PATH_VMA_LOCK;
	o->counter = "vma_lock_success";
	o->reason = f->needs_anon_vma ? "ok, anon_vma under trylock" : "ok";
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
};
