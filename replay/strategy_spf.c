/* spf: Laurent Dufour's speculative page faults, v11/v12 semantics.
 *
 * The arch handler calls handle_speculative_fault() before taking mmap_sem.
 * It looks the VMA up without mmap_sem (get_vma() under the mm_rb rwlock),
 * snapshots its vm_sequence, checks that the VMA is one the speculative path
 * handles, walks the page tables with IRQs off (no allocation, no huge
 * pages), checks the sequence again, and runs handle_pte_fault() with
 * FAULT_FLAG_SPECULATIVE.  Every point where the page table is locked
 * (pte_spinlock(), pte_map_lock()) checks vm_sequence, the PMD and the PTL
 * (a trylock that loops on `again:` in v11 and v12, and fails with
 * spf_pte_lock in v8-v10), and checks vm_sequence again with the PTL held.
 * Any failure returns VM_FAULT_RETRY and the classic path runs under
 * mmap_sem.  The failures are the series' trace events (pagefault:spf_*),
 * the successes its vmstat speculative_pgfault.
 *
 * Profiles: v12 (default) and v11 (the PTL trylock spins, `goto again`, no
 * spf_pte_lock), v10 (the trylock fails: spf_pte_lock); "-ppc-intended"
 * takes the intended reading of the ppc64 hookup's result test (below).
 * Time: spec.h.  Kernel functions per rule: README-strategies.md, ## spf.
 */
#include <errno.h>
#include <string.h>

#include "mm_ops.h"
#include "spec.h"
#include "strategy.h"

/* Knob order: cfg->knob[] follows it. */
enum {
	K_SPEC_FILE,
	K_PGTABLE_ALLOC,
	K_SINGLE_THREAD,
	K_PTE_WIDE,
	K_WRITER_SCALE,
	K_JITTER,
	K_NOANON_EVENT,
	K_PPC_MEM_KEYS,
	K_LOOKUP_NS,
	K_PTL_NS,
	K_SEQ_WINDOW,
	K_SEQ_BLOCK,
	K_SEQ_TAIL,
};

static const struct fl_knob spf_knobs[] = {
	[K_SPEC_FILE] = { "spec_file",
			  "1: file-backed VMAs whose fault handler is filemap_fault-compatible "
			  "(->map_pages) go speculative too; 0: vm_ops->fault is spf_vma_notsup, "
			  "as posted", 0, 0, 1 },
	[K_PGTABLE_ALLOC] = { "pgtable_alloc",
			      "1: the speculative walk allocates a missing PTE table under "
			      "page_table_lock; 0: pmd_none() is spf_vma_notsup, as posted", 0, 0, 1 },
	[K_SINGLE_THREAD] = { "single_thread_shortcut",
			      "1: handle_speculative_fault() skips mm_users == 1; 0: single-"
			      "threaded processes go speculative too", 1, 0, 1 },
	[K_PTE_WIDE] = { "pte_wide",
			 "1: sizeof(pte_t) > sizeof(unsigned long) (32-bit PAE): pte_unmap_same() "
			 "locks and compares; 0: x86_64 and ppc64, where it returns 0 at once",
			 0, 0, 1 },
	[K_WRITER_SCALE] = FL_SPEC_KNOB_WRITER_SCALE,
	[K_JITTER] = FL_SPEC_KNOB_JITTER,
	[K_NOANON_EVENT] = { "noanon_event",
			     "1: a VMA without anon_vma is spf_vma_noanon, as the series documents "
			     "the event; 0: spf_vma_notsup, as its code traces it", 0, 0, 1 },
	[K_PPC_MEM_KEYS] = { "ppc_mem_keys",
			     "ppc64: CONFIG_PPC_MEM_KEYS (default y on book3s64)", 1, 0, 1 },
	[K_LOOKUP_NS] = { "lookup_ns",
			  "ns from the fault to the sequence check after the walk", 100, 0, 100000 },
	[K_PTL_NS] = { "ptl_ns",
		       "ns the PTL is held at the end of a fault (pte_map_lock to the end)",
		       100, 0, 100000 },
	[K_SEQ_WINDOW] = { "seq_window",
			   "1: vm_sequence is odd only while the writer changes the VMA "
			   "(vm_write_begin() .. vm_write_end(), by call kind and sched evidence); "
			   "0: over the writer's whole mmap_lock write hold", 1, 0, 1 },
	[K_SEQ_BLOCK] = { "seq_block_ns",
			  "ns vm_sequence stays odd for a short VMA change (mmap_region()'s "
			  "final block, brk, madvise's vm_flags), at the end of the hold",
			  1000, 0, 1000000 },
	[K_SEQ_TAIL] = { "seq_tail_ns",
			 "ns from the writer's last vm_write_end() to mmap_write_unlock()",
			 0, 0, 1000000 },
	{ NULL, NULL, 0, 0, 0 },
};

static const char *const spf_profiles[] = { "v12", "v11", "v10", "v12-ppc-intended",
					    "v11-ppc-intended", "v10-ppc-intended", NULL };

struct spf {
	bool pte_trylock;	/* v8-v10: the PTL trylock aborts, spf_pte_lock */
	bool ppc_intended;	/* ppc64: the result test as intended */
	bool spec_file, pgtable_alloc, shortcut, pte_wide, noanon, mem_keys;
	bool seq_phases;	/* seq_window=1 */
	uint64_t seq_block, seq_tail;
	struct fl_spec_time st;
};

static int spf_init(void *state, const struct fl_run_cfg *cfg, struct fl_err *err)
{
	struct spf *s = state;
	const char *p = cfg->profile ? cfg->profile : spf_profiles[0];

	memset(s, 0, sizeof(*s));
	if (!strcmp(p, "v10") || !strcmp(p, "v10-ppc-intended"))
		s->pte_trylock = true;
	else if (strcmp(p, "v12") && strcmp(p, "v12-ppc-intended") && strcmp(p, "v11") &&
		 strcmp(p, "v11-ppc-intended"))
		return fl_err_set(err, -EINVAL, "spf: unknown profile '%s' (v12, v11, v10, "
				  "v12-ppc-intended, v11-ppc-intended, v10-ppc-intended)", p);
	s->ppc_intended = strstr(p, "-ppc-intended") != NULL;
	s->spec_file = cfg->knob[K_SPEC_FILE];
	s->pgtable_alloc = cfg->knob[K_PGTABLE_ALLOC];
	s->shortcut = cfg->knob[K_SINGLE_THREAD];
	s->pte_wide = cfg->knob[K_PTE_WIDE];
	s->noanon = cfg->knob[K_NOANON_EVENT];
	s->mem_keys = cfg->knob[K_PPC_MEM_KEYS];
	s->seq_phases = cfg->knob[K_SEQ_WINDOW];
	s->seq_block = (uint64_t)cfg->knob[K_SEQ_BLOCK];
	s->seq_tail = (uint64_t)cfg->knob[K_SEQ_TAIL];
	fl_spec_time_init(&s->st, spf_knobs, cfg);
	return 0;
}

static void spf_fini(void *state)
{
	(void)state;
}

/* Every outcome spf gives.  The counters are the series' trace events, and
 * vmstat speculative_pgfault for a speculative attempt that did not return
 * VM_FAULT_RETRY; "" where neither is bumped. */
enum {
	U_UNPLACED,
	N_PKEY,
	N_KERNEL,
	N_SINGLE,
	N_NO_VMA,
	CH_ODD,
	CH_HOLE,
	CH_WALK,
	CH_ZAP,
	CH_PUS,
	CH_PUS_AFTER,
	CH_MAP,
	CH_MAP_AFTER,
	NS_SPECIAL,
	NS_FILE,
	NS_NO_ANON_VMA,
	NA_NO_ANON_VMA,
	NS_UFFD,
	NS_STACK,
	NS_THP,
	NS_PMD_NONE,
	NS_PUD_NONE,
	AC_SEGV,
	PMD_PUS,
	PMD_MAP,
	PTL_PUS,
	PTL_MAP,
	F_FILE_IO,
	OK_PTNOTSAME,
	OK_NOMAP,
	OK_PTE_CHANGED,
	OK_ALLOC,
	OK,
	PPC_SEGV_POSTED,
	PPC_FAULT_POSTED,
	PPC_KEYS,
	C__COUNT
};

static const char C_OK[] = "speculative_pgfault";
static const char C_CHANGED[] = "spf_vma_changed";
static const char C_NOTSUP[] = "spf_vma_notsup";
static const char C_NOANON[] = "spf_vma_noanon";
static const char C_ACCESS[] = "spf_vma_access";
static const char C_PMD[] = "spf_pmd_changed";
static const char C_PTE_LOCK[] = "spf_pte_lock";

#define CAUSE(id, counter, reason, desc) [id] = { (id) + 1, 0, counter, reason, desc }
/* A fault the model could not place in a VMA it knew (cause.h): none
 * known there, or none holds the address (get_vma() finds none, or one
 * above a hole). */
#define UNPLACED(id, counter, reason, desc) \
	[id] = { (id) + 1, FL_CAUSE_UNPLACED, counter, reason, desc }

static const struct fl_cause spf_causes[C__COUNT] = {
	UNPLACED(U_UNPLACED, "", "unplaced: no VMA known", "the replay knows nothing of the mm's "
	      "layout at the address: not decided"),
	CAUSE(N_PKEY, "", "x86: protection-key fault, not tried", "x86 do_user_addr_fault() "
	      "(v11 24/26): X86_PF_PK skips handle_speculative_fault(), mmap_sem path"),
	CAUSE(N_KERNEL, "", "kernel-mode fault, not tried", "handle_speculative_fault(): no "
	      "FAULT_FLAG_USER, VM_FAULT_RETRY before any event"),
	CAUSE(N_SINGLE, "", "single-threaded (mm_users == 1), not tried",
	      "handle_speculative_fault(): mm_users == 1, VM_FAULT_RETRY before any event"),
	UNPLACED(N_NO_VMA, "", "no VMA (get_vma() NULL), no event", "__handle_speculative_fault(): "
	      "get_vma() finds no VMA at or above the address, VM_FAULT_RETRY"),
	CAUSE(CH_ODD, C_CHANGED, "vm_sequence odd at lookup (writer inside)",
	      "raw_read_seqcount(&vma->vm_sequence) odd: a writer is between vm_write_begin() "
	      "and vm_write_end()"),
	UNPLACED(CH_HOLE, C_CHANGED, "hole below the VMA (bounds check)",
	      "__handle_speculative_fault(): address < vm_start of the VMA get_vma() found"),
	CAUSE(CH_WALK, C_CHANGED, "vm_sequence changed during the walk",
	      "read_seqcount_retry() after the page-table walk: a vm_write_begin() in between"),
	CAUSE(CH_ZAP, C_CHANGED, "vm_sequence bumped by a read-lock zap (unmap_page_range)",
	      "unmap_page_range() under the read lock (MADV_DONTNEED...) brackets the zap with "
	      "vm_write_begin()/vm_write_end()"),
	CAUSE(CH_PUS, C_CHANGED, "pte_unmap_same: vm_sequence changed",
	      "do_swap_page(): pte_spinlock() in pte_unmap_same() sees vma_has_changed()"),
	CAUSE(CH_PUS_AFTER, C_CHANGED, "pte_unmap_same: vm_sequence changed after the PTL",
	      "do_swap_page(): pte_spinlock() sees vma_has_changed() with the PTL taken"),
	CAUSE(CH_MAP, C_CHANGED, "pte_map_lock: vm_sequence changed",
	      "pte_map_lock(): vma_has_changed() before the PTL"),
	CAUSE(CH_MAP_AFTER, C_CHANGED, "vm_sequence changed after taking the PTL",
	      "pte_map_lock(): vma_has_changed() again once the PTL is held"),
	CAUSE(NS_SPECIAL, C_NOTSUP, "special mapping (vm_ops->fault)",
	      "__handle_speculative_fault(): vma->vm_ops->fault set on a special mapping"),
	CAUSE(NS_FILE, C_NOTSUP, "file-backed (vm_ops->fault)",
	      "__handle_speculative_fault(): a file VMA (vm_ops->fault) is not speculated"),
	CAUSE(NS_NO_ANON_VMA, C_NOTSUP, "no anon_vma yet",
	      "__handle_speculative_fault(): !vma->anon_vma, __anon_vma_prepare() needs mmap_sem"),
	CAUSE(NA_NO_ANON_VMA, C_NOANON, "no anon_vma yet", "as spf_vma_notsup's, counted under "
	      "the documented spf_vma_noanon (knob noanon_event)"),
	CAUSE(NS_UFFD, C_NOTSUP, "userfaultfd (VM_UFFD_MISSING)",
	      "__handle_speculative_fault(): userfaultfd_missing() VMA"),
	CAUSE(NS_STACK, C_NOTSUP, "VM_GROWSDOWN (stack)",
	      "__handle_speculative_fault(): VM_GROWSDOWN VMA, stack growth needs mmap_sem"),
	CAUSE(NS_THP, C_NOTSUP, "walk: huge PMD (THP)", "the IRQ-off walk finds a trans-huge "
	      "PMD, or the fault would map one: out_walk"),
	CAUSE(NS_PMD_NONE, C_NOTSUP, "walk: no PTE table (pmd_none)", "the IRQ-off walk finds "
	      "pmd_none(): the speculative path allocates no page table, out_walk"),
	CAUSE(NS_PUD_NONE, C_NOTSUP, "walk: no PMD table (pud_none)", "the IRQ-off walk finds "
	      "pud_none(): the speculative path allocates no page table, out_walk"),
	CAUSE(AC_SEGV, C_ACCESS, "access error: VM_FAULT_SIGSEGV, no retry",
	      "__handle_speculative_fault(): arch_vma_access_permitted() or the VM_WRITE/VM_READ "
	      "check fails, VM_FAULT_SIGSEGV"),
	CAUSE(PMD_PUS, C_PMD, "pte_unmap_same: PMD changed",
	      "do_swap_page(): pte_spinlock() finds the PMD changed since the walk"),
	CAUSE(PMD_MAP, C_PMD, "pte_map_lock: PMD changed",
	      "pte_map_lock(): the PMD changed since the walk"),
	CAUSE(PTL_PUS, C_PTE_LOCK, "pte_unmap_same: PTL busy (trylock)",
	      "v10 pte_spinlock(): spin_trylock() of the PTL fails, VM_FAULT_RETRY"),
	CAUSE(PTL_MAP, C_PTE_LOCK, "pte_map_lock: PTL busy (trylock)",
	      "v10 pte_map_lock(): spin_trylock() of the PTL fails, VM_FAULT_RETRY"),
	CAUSE(F_FILE_IO, "", "file IO under SPF", "spec_file: ->fault would wait for IO, which "
	      "FAULT_FLAG_SPECULATIVE (no ALLOW_RETRY) forbids: VM_FAULT_RETRY, no event"),
	CAUSE(OK_PTNOTSAME, C_OK, "pte_unmap_same: VM_FAULT_PTNOTSAME, returns 0",
	      "do_swap_page(): pte_unmap_same() sees another PTE, returns 0"),
	CAUSE(OK_NOMAP, C_OK, "pte changed under the PTL: out_nomap, 0",
	      "do_swap_page(): !pte_same() under the PTL, out_nomap, returns 0"),
	CAUSE(OK_PTE_CHANGED, C_OK, "pte changed under the PTL: returns 0",
	      "another thread's fault set the PTE: the handler backs out and returns 0"),
	CAUSE(OK_ALLOC, C_OK, "ok, page table allocated", "handle_pte_fault() with "
	      "FAULT_FLAG_SPECULATIVE completes, the page table allocated (pgtable_alloc)"),
	CAUSE(OK, C_OK, "ok", "handle_pte_fault() with FAULT_FLAG_SPECULATIVE completes"),
	CAUSE(PPC_SEGV_POSTED, C_ACCESS, "ppc as posted: MEM_KEYS off, SIGSEGV redone under "
	      "mmap_sem", "powerpc ___do_page_fault() as posted: without CONFIG_PPC_MEM_KEYS "
	      "nothing short-circuits, the classic path runs again"),
	CAUSE(PPC_FAULT_POSTED, C_OK, "ppc as posted: MEM_KEYS off, fault redone under mmap_sem",
	      "powerpc ___do_page_fault() as posted: without CONFIG_PPC_MEM_KEYS a completed "
	      "speculative fault runs again under mmap_sem"),
	CAUSE(PPC_KEYS, C_ACCESS, "ppc MEM_KEYS: SIGSEGV redone under mmap_sem (key or "
	      "protection?)", "powerpc ___do_page_fault() with CONFIG_PPC_MEM_KEYS: "
	      "VM_FAULT_SIGSEGV goes to the classic path, which tells a key fault apart"),
};

#undef CAUSE
#undef UNPLACED

/* ppc64 DSISR_KEYFAULT (arch/powerpc/include/asm/reg.h). */
#define DSISR_KEYFAULT 0x00200000ULL

/* Where the fault ends up, and what the decision cost. */
struct ctx {
	const struct spf *s;
	const struct fl_run_cfg *cfg;
	const struct fl_fault_view *f;
	struct fl_outcome *o;
	struct fl_spec_phases ph;
	uint64_t d;		/* the fault's own handling time */
	uint64_t spin;		/* v12: time spun on a busy PTL */
};

/* No speculative attempt: the classic path from t. */
static void no_spf(struct ctx *c, int cause)
{
	fl_spec_no_attempt(&c->s->st, c->f, c->d, c->o, &spf_causes[cause]);
}

/* VM_FAULT_RETRY at t_abort: the classic path runs handle_mm_fault() under
 * mmap_sem.  `ran`: the speculative handle_pte_fault() had started. */
static void retry(struct ctx *c, int cause, uint64_t t_abort, const struct fl_writer *w, bool ran)
{
	fl_spec_retry(&c->s->st, c->f, c->d, c->o, &spf_causes[cause], t_abort, w, ran);
}

/* The speculative attempt returned something other than VM_FAULT_RETRY
 * (0, or VM_FAULT_SIGSEGV when `segv`): the arch hookup decides. */
static void done(struct ctx *c, int cause, bool segv, uint64_t t_done)
{
	struct fl_outcome *o = c->o;
	const struct spf *s = c->s;
	bool classic_too = false;

	if (c->cfg->arch == FL_MM_ARCH_PPC64) {
		/* arch/powerpc/mm/fault.c, v11 25/26 and v12: as posted,
		 *   fault != VM_FAULT_RETRY && (IS_ENABLED(CONFIG_PPC_MEM_KEYS)
		 *                               && fault != VM_FAULT_SIGSEGV)
		 * so without MEM_KEYS nothing short-circuits; intended, MEM_KEYS
		 * only sends SIGSEGV to the classic path (a key fault or a
		 * protection fault: it needs the VMA to tell). */
		if (s->ppc_intended)
			classic_too = s->mem_keys && segv;
		else
			classic_too = !s->mem_keys || segv;
	}
	o->cause = &spf_causes[cause];
	if (classic_too) {
		/* flags lose FAULT_FLAG_SPECULATIVE (and get FAULT_FLAG_WRITE
		 * back from is_write) and the classic path runs again. */
		o->path = FL_PATH_MMAP_LOCK;
		o->fell_back = true;
		o->attempts = 2;
		o->wasted = t_done - c->f->t;
		o->lock_wait = fl_spec_lock_wait(&s->st, c->f, t_done);
		o->latency = o->wasted + o->lock_wait + (segv ? 0 : c->cfg->cost[FL_H_SPURIOUS]);
		/* The counter stays: SIGSEGV comes only with spf_vma_access. */
		if (!s->mem_keys && !s->ppc_intended)
			o->cause = &spf_causes[segv ? PPC_SEGV_POSTED : PPC_FAULT_POSTED];
		else
			o->cause = &spf_causes[PPC_KEYS];
		return;
	}
	/* x86 (v11 24/26): perf_sw_event(PERF_COUNT_SW_SPF) and `goto done`:
	 * VM_FAULT_ERROR goes to the error handling, no retry. */
	o->path = FL_PATH_SPECULATIVE;
	o->fell_back = false;
	o->attempts = 1;
	o->latency = segv ? t_done - c->f->t : c->d + c->spin;
	o->lock_wait = 0;
}

/* Where a writer of the fault's VMA keeps its vm_sequence odd: between
 * vm_write_begin() and vm_write_end(), which wrap the VMA changes
 * themselves, not the whole mmap_lock hold ([PATCH v12 10/31] "mm: protect
 * VMA modifications using VMA sequence count", "mm: VMA sequence count").
 * The trace shows the hold, not the changes, so the window is placed by
 * what the call does:
 *  - mprotect (mprotect_fixup() wraps the vm_flags write and
 *    change_protection()), mremap (move_page_tables()), munmap (the VMA is
 *    detached early, and vma_has_changed() is true for a detached VMA):
 *    the hold, up to seq_tail before its end;
 *  - mmap, brk, madvise under the write lock, and the mlock family
 *    (mlock_fixup() wraps its vm_flags write; munlock_vma_pages_range()
 *    walks the pages after vm_write_end()): a short change (the end of
 *    mmap_region(), __vma_adjust(), a vm_flags write): seq_block, ending
 *    seq_tail before the end of the hold;
 *  - a fault that woke the writer waiting in vma_start_write() on this VMA
 *    (sched evidence, fl_writer_hit.late_t) means the writer reached the
 *    change only after that wake: the window starts there at the earliest.
 * seq_window=0 takes the whole hold, as a kernel that bumped vm_sequence
 * at mmap_write_lock() would. */
static bool short_change(enum fl_mm_kind kind)
{
	switch (kind) {
	case FL_MM_MMAP:
	case FL_MM_BRK:
	case FL_MM_MADVISE:
	case FL_MM_MLOCK:
	case FL_MM_MLOCK2:
	case FL_MM_MUNLOCK:
	case FL_MM_MLOCKALL:
	case FL_MM_MUNLOCKALL:
		return true;
	default:
		return false;
	}
}

static void seq_window(const struct ctx *c, const struct fl_writer_hit *h, uint64_t *b, uint64_t *e)
{
	const struct spf *s = c->s;
	struct fl_spec_win win;

	fl_spec_window(&s->st, h->w, &win);
	*b = win.b;
	*e = win.e;
	if (!s->seq_phases)
		return;
	if (*e != UINT64_MAX) {
		*e -= *e - *b < s->seq_tail ? *e - *b : s->seq_tail;
		if (h->w->traced && short_change(h->w->call.kind) && *e - *b > s->seq_block)
			*b = *e - s->seq_block;
	}
	if (h->late_t > *b)
		*b = h->late_t < *e ? h->late_t : *e;
}

/* The first writer of the window that bumps the VMA's vm_sequence with its
 * vm_write_begin() in (from, to]; NULL if none.  `held`: instead, one whose
 * odd window contains `from` (odd at the lookup). */
static const struct fl_writer *vma_writer(const struct ctx *c, uint64_t from, uint64_t to, bool held)
{
	for (size_t i = 0; i < c->f->nwhits; i++) {
		const struct fl_writer_hit *h = &c->f->whits[i];
		uint64_t b, e;

		if (!h->wrote_vma && !h->created_at)
			continue;
		seq_window(c, h, &b, &e);
		if (held ? (b <= from && from <= e) : (from < b && b <= to))
			return h->w;
	}
	return NULL;
}

/* A read-lock zap of the VMA (unmap_page_range()'s vm_write_begin() /
 * vm_write_end()) in (from, to].  The zap is taken at the call's exit: the
 * trace shows neither its lock nor its unmap_page_range(), and the span
 * before it is mostly the lock and the VMA walk. */
static bool vma_zapped(const struct ctx *c, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < c->f->nvevents; i++) {
		const struct fl_vma_event *e = &c->f->vevents[i];

		if (e->zap && from < e->t_end && e->t_end <= to)
			return true;
	}
	return false;
}

static bool pmd_changed(const struct ctx *c, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < c->f->nvevents; i++) {
		const struct fl_vma_event *e = &c->f->vevents[i];

		if (e->pmd_changed && from < e->t_begin && e->t_begin <= to)
			return true;
	}
	return false;
}

/* vma_has_changed() for a check at `to` covering (from, to]. */
static bool changed(struct ctx *c, uint64_t from, uint64_t to, int cause, bool ran)
{
	const struct fl_writer *w = vma_writer(c, from, to, false);

	if (w) {
		retry(c, cause, to, w, ran);
		return true;
	}
	if (vma_zapped(c, from, to)) {
		retry(c, CH_ZAP, to, NULL, ran);
		return true;
	}
	return false;
}

/* pte_spinlock() / pte_map_lock() at `at`, the previous check at `since`:
 * vma_has_changed(), the PMD, the PTL trylock, vma_has_changed() again. */
static bool map_lock(struct ctx *c, uint64_t since, uint64_t at, uint64_t after,
		     int r_changed, int r_pmd, int r_ptl, int r_after)
{
	uint64_t free_at;

	if (changed(c, since, at, r_changed, true))
		return false;
	if (pmd_changed(c, since, at)) {
		retry(c, r_pmd, at, NULL, true);
		return false;
	}
	if (fl_spec_ptl_busy(&c->s->st, c->f, at, &free_at)) {
		if (c->s->pte_trylock) {
			retry(c, r_ptl, at, NULL, true);
			return false;
		}
		/* v11, v12: spin_trylock() failed: local_irq_enable(); goto
		 * again -- the checks run again once the PTL is free. */
		uint64_t tail = after - at;

		c->spin += free_at - at;
		since = at;
		at = free_at;
		after = at + tail;
		if (changed(c, since, at, r_changed, true))
			return false;
	}
	return !changed(c, at, after, r_after, true);
}

/* handle_pte_fault() with FAULT_FLAG_SPECULATIVE, once the lookup and the
 * walk passed: the PTE lock and what it finds under it. */
static void spf_handle_pte(struct ctx *c, const struct fl_vma *v)
{
	const struct spf *s = c->s;
	const struct fl_fault_view *f = c->f;
	uint64_t since = c->ph.t_walk;

	if (f->handler == FL_H_SWAP) {
		/* do_swap_page(): pte_unmap_same() only compares when
		 * sizeof(pte_t) > sizeof(unsigned long); then pte_spinlock()
		 * can fail (VM_FAULT_RETRY) and a different PTE is
		 * VM_FAULT_PTNOTSAME, which do_swap_page() turns into 0. */
		if (s->pte_wide) {
			if (!map_lock(c, since, c->ph.t_pus, c->ph.t_pus, CH_PUS, PMD_PUS, PTL_PUS,
				      CH_PUS_AFTER))
				return;
			if (fl_spec_pte_changed(f, f->t, c->ph.t_pus)) {
				c->d = c->ph.t_pus - f->t;
				done(c, OK_PTNOTSAME, false, c->ph.t_pus);
				return;
			}
			since = c->ph.t_pus;
		}
	}
	if (!fl_spec_anonymous(v) && f->major && f->handler != FL_H_SWAP) {
		/* spec_file: ->fault would wait for IO, which the speculative
		 * path (ALLOW_RETRY cleared) must not do under its VMA
		 * reference: VM_FAULT_RETRY, no event. */
		retry(c, F_FILE_IO, c->ph.t_walk, NULL, true);
		return;
	}
	/* pte_map_lock() / pte_spinlock() before the PTE is set. */
	if (!map_lock(c, since, c->ph.t_map, c->ph.t_ptl, CH_MAP, PMD_MAP, PTL_MAP, CH_MAP_AFTER))
		return;
	/* Under the PTL: another thread's fault changed the PTE -- the
	 * handler backs out and returns 0 (do_swap_page(): out_nomap). */
	if (fl_spec_pte_changed(f, f->t, c->ph.t_map)) {
		done(c, f->handler == FL_H_SWAP ? OK_NOMAP : OK_PTE_CHANGED, false, c->ph.t_ptl);
		return;
	}
	done(c, !f->pmd_present || !f->pud_present ? OK_ALLOC : OK, false, c->ph.t_ptl + c->spin);
}

static void spf_fault(void *state, const struct fl_run_cfg *cfg, const struct fl_fault_view *f,
		      struct fl_outcome *o)
{
	const struct spf *s = state;
	const struct fl_vma *v = &f->vma;
	uint32_t acc = f->fault->access;
	bool ppc = cfg->arch == FL_MM_ARCH_PPC64;
	bool hole = false;
	struct ctx c = { .s = s, .cfg = cfg, .f = f, .o = o };
	const struct fl_writer *w;

	c.d = f->d_spec;
	fl_spec_phases(&s->st, f, &c.ph);

	if (f->place == FL_PLACE_UNKNOWN) {
		o->path = FL_PATH_NONE;
		o->cause = &spf_causes[U_UNPLACED];
		o->attempts = 0;
		o->latency = c.d;
		return;
	}
	/* x86 (v11 24/26): `if (!(error_code & X86_PF_PK))` around the
	 * speculative attempt: a protection-key fault goes to mmap_sem. */
	if (!ppc && (acc & FL_ACC_PKEY)) {
		no_spf(&c, N_PKEY);
		return;
	}
	/* handle_speculative_fault() (inline): no FAULT_FLAG_USER, or
	 * mm_users == 1, returns VM_FAULT_RETRY with no event. */
	if (!(acc & FL_ACC_USER)) {
		no_spf(&c, N_KERNEL);
		return;
	}
	if (s->shortcut && f->mm_users <= 1) {
		no_spf(&c, N_SINGLE);
		return;
	}
	/* ppc64 book3s64: FAULT_FLAG_WRITE comes from DSISR_ISSTORE for the
	 * speculative attempt (the access check below reads it). */

	/* __handle_speculative_fault(): get_vma() is __find_vma(), the first
	 * VMA with addr < vm_end.  None: VM_FAULT_RETRY, no event.  In a hole
	 * below a VMA, the checks run on that VMA, and the bounds check
	 * catches the address if nothing before it did. */
	if (f->place == FL_PLACE_NO_VMA) {
		if (!f->has_above) {
			no_spf(&c, N_NO_VMA);
			o->fell_back = true;
			return;
		}
		v = &f->above;
		hole = true;
	}
	/* raw_read_seqcount(&vma->vm_sequence) odd: a writer is inside. */
	w = vma_writer(&c, f->t, f->t, true);
	if (w) {
		retry(&c, CH_ODD, f->t, w, false);
		return;
	}
	/* vma->vm_ops && vma->vm_ops->fault: file-backed, special mappings. */
	if (!fl_spec_anonymous(v) &&
	    !(s->spec_file && fl_vma_ops_of(v) == FL_VMA_OPS_FILE && !(v->flags & FL_VM_HUGETLB))) {
		retry(&c, v->kind == FL_VMA_SPECIAL ? NS_SPECIAL : NS_FILE, f->t, NULL, false);
		return;
	}
	/* !vma->anon_vma: __anon_vma_prepare() needs mmap_sem.  The event
	 * traced is spf_vma_notsup; spf_vma_noanon is defined and documented
	 * for it but has no call site. */
	if (!v->anon_vma && (fl_spec_anonymous(v) || f->needs_anon_vma)) {
		retry(&c, s->noanon ? NA_NO_ANON_VMA : NS_NO_ANON_VMA, f->t, NULL, false);
		return;
	}
	if (v->flags & FL_VM_UFFD_MISSING) {
		retry(&c, NS_UFFD, f->t, NULL, false);
		return;
	}
	if (f->place == FL_PLACE_STACK || (v->flags & FL_VM_GROWSDOWN)) {
		retry(&c, NS_STACK, f->t, NULL, false);
		return;
	}
	/* address < vm_start || vm_end <= address: spf_vma_changed. */
	if (hole) {
		retry(&c, CH_HOLE, f->t, NULL, false);
		return;
	}
	/* arch_vma_access_permitted(), a write without VM_WRITE, a read
	 * without VM_READ|VM_EXEC|VM_WRITE: VM_FAULT_SIGSEGV, not RETRY. */
	if (f->access_error || (ppc && (f->fault->arch_code & DSISR_KEYFAULT))) {
		done(&c, AC_SEGV, true, c.ph.t_walk);
		return;
	}
	/* The IRQ-off walk: pgd/p4d/pud/pmd none, bad, trans-huge, devmap or
	 * swap go to out_walk: spf_vma_notsup. */
	if (f->pmd_huge || f->thp_fault) {
		retry(&c, NS_THP, c.ph.t_walk, NULL, false);
		return;
	}
	if ((!f->pud_present || !f->pmd_present) && !s->pgtable_alloc) {
		retry(&c, f->pud_present ? NS_PMD_NONE : NS_PUD_NONE, c.ph.t_walk, NULL, false);
		return;
	}
	/* read_seqcount_retry() after the walk and the bounds. */
	if (changed(&c, f->t, c.ph.t_walk, CH_WALK, false))
		return;

	/* handle_pte_fault() with FAULT_FLAG_SPECULATIVE. */
	spf_handle_pte(&c, v);
}

/* Listed in strategies.c. */
extern const struct fl_strategy fl_strategy_spf;

const struct fl_strategy fl_strategy_spf = {
	.name = "spf",
	.summary = "Laurent Dufour's speculative page faults (v11/v12): vm_sequence, "
		   "pte_unmap_same, spf_* events",
	.profiles = spf_profiles,
	.knobs = spf_knobs,
	.needs = FL_NEED_FAULTS | FL_NEED_MM_CALLS | FL_NEED_SPEC_WINDOW,
	.state_size = sizeof(struct spf),
	.init = spf_init,
	.fault = spf_fault,
	.fini = spf_fini,
	.causes = spf_causes,
	.ncauses = C__COUNT,
};
