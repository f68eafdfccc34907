/* spf-mmseq: Michel Lespinasse's speculative page faults (v2, January 2022).
 *
 * One sequence count for the whole mm, mmap_seq: mmap_write_lock() makes
 * it odd, mmap_write_unlock() even again, so any writer of the mm -- on any
 * VMA -- invalidates every speculative fault in flight.  The x86 handler
 * (v2 13/35) reads the sequence (odd: abort), looks the VMA up under RCU,
 * takes only anonymous VMAs, copies the VMA and checks the sequence again,
 * checks access_error(), then runs do_handle_mm_fault() with
 * FAULT_FLAG_SPECULATIVE and the sequence.  The walk (16/35) never
 * allocates and never handles huge pages; do_anonymous_page() needs the
 * anon_vma; do_swap_page() aborts (v2 dropped speculative swap).  The PTE
 * is installed only after __pte_map_lock() checks the sequence, the PMD,
 * takes the PTL with a trylock and checks the sequence again with it held.
 * Counters: the vmstat spf_attempt / spf_abort and the detailed
 * SPF_ABORT_* of CONFIG_SPECULATIVE_PAGE_FAULT_STATS (31/35).
 * Time: spec.h.  Kernel functions per rule: README-strategies.md.
 */
#include <inttypes.h>
#include <string.h>

#include "mm_ops.h"
#include "spec.h"
#include "strategy.h"

enum {
	K_SPEC_FILE,
	K_PGTABLE_ALLOC,
	K_SINGLE_THREAD,
	K_WRITER_SCALE,
	K_JITTER,
	K_LOOKUP_NS,
	K_PTL_NS,
};

static const struct fl_knob mmseq_knobs[] = {
	[K_SPEC_FILE] = { "spec_file",
			  "1: file-backed VMAs whose fault handler is filemap_fault-compatible "
			  "(->map_pages) go speculative (vma_can_speculate()); 0: anonymous only, "
			  "as v2", 0, 0, 1 },
	[K_PGTABLE_ALLOC] = { "pgtable_alloc",
			      "1: the speculative walk allocates missing PMD/PTE tables under "
			      "page_table_lock; 0: SPF_ABORT_PUD / _PMD, as v2", 0, 0, 1 },
	[K_SINGLE_THREAD] = { "single_thread_shortcut",
			      "1: mm_users == 1 skips the speculative path (no_spf); 0: it is "
			      "tried too", 1, 0, 1 },
	[K_WRITER_SCALE] = FL_SPEC_KNOB_WRITER_SCALE,
	[K_JITTER] = FL_SPEC_KNOB_JITTER,
	[K_LOOKUP_NS] = { "lookup_ns",
			  "ns from the fault to the sequence check after the VMA copy", 100, 0, 100000 },
	[K_PTL_NS] = { "ptl_ns",
		       "ns the PTL is held at the end of a fault (__pte_map_lock to the end)",
		       100, 0, 100000 },
	{ NULL, NULL, 0, 0, 0 },
};

struct mmseq {
	bool spec_file, pgtable_alloc, shortcut;
	struct fl_spec_time st;
};

static int mmseq_init(void *state, const struct fl_run_cfg *cfg, struct fl_err *err)
{
	struct mmseq *s = state;

	(void)err;
	memset(s, 0, sizeof(*s));
	s->spec_file = cfg->knob[K_SPEC_FILE];
	s->pgtable_alloc = cfg->knob[K_PGTABLE_ALLOC];
	s->shortcut = cfg->knob[K_SINGLE_THREAD];
	fl_spec_time_init(&s->st, mmseq_knobs, cfg);
	return 0;
}

static void mmseq_fini(void *state)
{
	(void)state;
}

/* Every outcome spf-mmseq gives.  The counters are 31/35 "mm: anon spf
 * statistics", printed in uppercase in /proc/vmstat; "" where the attempt
 * is not made. */
enum {
	U_UNPLACED,
	N_KERNEL,
	N_SINGLE,
	A_ODD,
	A_UNMAPPED_STACK,
	A_UNMAPPED,
	A_NO_SPEC_SPECIAL,
	A_NO_SPEC,
	A_VMA_COPY,
	A_ACCESS,
	A_PUD,
	A_PMD_THP,
	A_PMD_NONE,
	A_SWAP,
	A_ANON_VMA,
	A_FAULT_IO,
	A_FAULT_FOLIO,
	A_SEQ1,
	A_MAP_PMD,
	A_PTL,
	A_SEQ2,
	A_UFFD_MISSING,
	A_UFFD_WP,
	S_PTE_CHANGED,
	S_OK_ALLOC,
	S_OK,
	C__COUNT
};

static const char C_ATTEMPT[] = "spf_attempt";
static const char C_ODD[] = "SPF_ABORT_ODD";
static const char C_UNMAPPED[] = "SPF_ABORT_UNMAPPED";
static const char C_NO_SPEC[] = "SPF_ABORT_NO_SPECULATE";
static const char C_VMA_COPY[] = "SPF_ABORT_VMA_COPY";
static const char C_ACCESS[] = "SPF_ABORT_ACCESS_ERROR";
static const char C_PUD[] = "SPF_ABORT_PUD";
static const char C_PMD[] = "SPF_ABORT_PMD";
static const char C_ANON_VMA[] = "SPF_ABORT_ANON_VMA";
static const char C_SEQ1[] = "SPF_ABORT_PTE_MAP_LOCK_SEQ1";
static const char C_MAP_PMD[] = "SPF_ABORT_PTE_MAP_LOCK_PMD";
static const char C_PTL[] = "SPF_ABORT_PTE_MAP_LOCK_PTL";
static const char C_SEQ2[] = "SPF_ABORT_PTE_MAP_LOCK_SEQ2";
static const char C_UFFD[] = "SPF_ABORT_USERFAULTFD";
static const char C_FAULT[] = "SPF_ABORT_FAULT";
static const char C_SWAP[] = "SPF_ABORT_SWAP";

/* An attempt that completed counts spf_attempt; one that aborted counts
 * spf_attempt and spf_abort too (count_vm_event() in the x86 handler). */
#define ATTEMPT FL_CAUSE_VMSTAT_SPF_ATTEMPT
#define ABORT (FL_CAUSE_VMSTAT_SPF_ATTEMPT | FL_CAUSE_VMSTAT_SPF_ABORT)
#define CAUSE(id, flags, counter, reason, desc) [id] = { (id) + 1, flags, counter, reason, desc }

static const struct fl_cause mmseq_causes[C__COUNT] = {
	CAUSE(U_UNPLACED, FL_CAUSE_UNPLACED, "", "unplaced: no VMA known", "the replay knows nothing of the mm's "
	      "layout at the address: not decided"),
	CAUSE(N_KERNEL, 0, "", "kernel-mode fault, not tried", "do_user_addr_fault() (13/35): no "
	      "FAULT_FLAG_USER, straight to the mmap_lock path, no SPF_ATTEMPT"),
	CAUSE(N_SINGLE, 0, "", "single-threaded (mm_users == 1), not tried",
	      "do_user_addr_fault() (13/35): mm_users == 1, straight to the mmap_lock path"),
	CAUSE(A_ODD, ABORT, C_ODD, "mmap_seq odd: a writer holds mmap_lock",
	      "mmap_seq_read_start() finds mmap_seq odd: mmap_write_lock() is held"),
	CAUSE(A_UNMAPPED_STACK, ABORT, C_UNMAPPED, "below the VMA (stack growth)",
	      "__find_vma() under rcu_read_lock(): vm_start > address, stack growth needs "
	      "mmap_lock"),
	CAUSE(A_UNMAPPED, ABORT | FL_CAUSE_UNPLACED, C_UNMAPPED, "no VMA", "__find_vma() under rcu_read_lock() "
	      "finds no VMA containing the address"),
	CAUSE(A_NO_SPEC_SPECIAL, ABORT, C_NO_SPEC, "special mapping", "vma_can_speculate(): "
	      "a special mapping is not anonymous"),
	CAUSE(A_NO_SPEC, ABORT, C_NO_SPEC, "not anonymous", "vma_is_anonymous() false (or "
	      "vma_can_speculate() refuses the file VMA)"),
	CAUSE(A_VMA_COPY, ABORT, C_VMA_COPY, "mmap_seq changed during the VMA copy",
	      "pvma = *vma; rcu_read_unlock(); mmap_seq_read_check() fails"),
	CAUSE(A_ACCESS, ABORT, C_ACCESS, "access error: the classic path signals",
	      "access_error() on the VMA copy: the mmap_lock path delivers the signal"),
	CAUSE(A_PUD, ABORT, C_PUD, "walk: no PMD table (pud_none)", "__handle_mm_fault() under "
	      "speculative_page_walk_begin(): pud_none(), no allocation"),
	CAUSE(A_PMD_THP, ABORT, C_PMD, "walk: huge PMD (THP)", "__handle_mm_fault() under "
	      "speculative_page_walk_begin(): a huge PMD, or a THP fault"),
	CAUSE(A_PMD_NONE, ABORT, C_PMD, "walk: no PTE table (pmd_none)", "__handle_mm_fault() "
	      "under speculative_page_walk_begin(): pmd_none(), no allocation"),
	CAUSE(A_SWAP, ABORT, C_SWAP, "swap: do_swap_page() not speculative in v2",
	      "handle_pte_fault(): a swap entry, do_swap_page() returns VM_FAULT_RETRY"),
	CAUSE(A_ANON_VMA, ABORT, C_ANON_VMA, "no anon_vma yet", "do_anonymous_page() / "
	      "do_cow_fault() / wp_page_copy(): no vma->anon_vma, which needs mmap_lock"),
	CAUSE(A_FAULT_IO, ABORT, C_FAULT, "file IO", "__do_fault() with "
	      "FAULT_FLAG_SPECULATIVE: ->fault needs IO, VM_FAULT_RETRY"),
	CAUSE(A_FAULT_FOLIO, ABORT, C_FAULT, "folio locked", "__do_fault() with "
	      "FAULT_FLAG_SPECULATIVE: the folio is locked for IO, VM_FAULT_RETRY"),
	CAUSE(A_SEQ1, ABORT, C_SEQ1, "mmap_seq changed before the PTL", "__pte_map_lock(): "
	      "mmap_seq_read_check() fails before the PTL"),
	CAUSE(A_MAP_PMD, ABORT, C_MAP_PMD, "PMD changed before the PTL", "__pte_map_lock(): "
	      "the PMD is not the one the walk saw"),
	CAUSE(A_PTL, ABORT, C_PTL, "PTL busy (trylock)", "__pte_map_lock(): spin_trylock() of "
	      "the PTL fails"),
	CAUSE(A_SEQ2, ABORT, C_SEQ2, "mmap_seq changed with the PTL held", "__pte_map_lock(): "
	      "mmap_seq_read_check() fails with the PTL held"),
	CAUSE(A_UFFD_MISSING, ABORT, C_UFFD, "userfaultfd missing", "do_anonymous_page(): "
	      "userfaultfd_missing() after pte_map_lock()"),
	CAUSE(A_UFFD_WP, ABORT, C_UFFD, "userfaultfd write-protect", "do_wp_page(): "
	      "userfaultfd_pte_wp() under pte_spinlock()"),
	CAUSE(S_PTE_CHANGED, ATTEMPT, C_ATTEMPT, "pte changed under the PTL: returns 0",
	      "another thread's fault set the PTE: !pte_same() under the PTL, returns 0"),
	CAUSE(S_OK_ALLOC, ATTEMPT, C_ATTEMPT, "ok, page table allocated", "do_handle_mm_fault() "
	      "with FAULT_FLAG_SPECULATIVE completes, the page table allocated (pgtable_alloc)"),
	CAUSE(S_OK, ATTEMPT, C_ATTEMPT, "ok", "do_handle_mm_fault() with FAULT_FLAG_SPECULATIVE "
	      "completes"),
};

#undef CAUSE
#undef ABORT
#undef ATTEMPT

struct ctx {
	const struct mmseq *s;
	const struct fl_fault_view *f;
	struct fl_outcome *o;
	struct fl_spec_phases ph;
};

static void no_spf(struct ctx *c, int cause)
{
	fl_spec_no_attempt(&c->s->st, c->f, c->f->d_spec, c->o, &mmseq_causes[cause]);
}

/* count_vm_spf_event(SPF_ABORT_*) and spf_abort, VM_FAULT_RETRY: the
 * classic path (lock_mmap) runs from t_abort. */
static void abort_at(struct ctx *c, int cause, uint64_t t_abort, const struct fl_writer *w, bool ran)
{
	fl_spec_retry(&c->s->st, c->f, c->f->d_spec, c->o, &mmseq_causes[cause], t_abort, w, ran);
}

/* The first writer (any VMA: every mmap_write_lock() moves mmap_seq) whose
 * acquisition falls in (from, to]; or, `held`, whose window contains from. */
static const struct fl_writer *seq_writer(const struct ctx *c, uint64_t from, uint64_t to, bool held)
{
	for (size_t i = 0; i < c->f->nwhits; i++) {
		const struct fl_writer *w = c->f->whits[i].w;
		struct fl_spec_win win;

		if (w->pid >= 0 && c->f->pid >= 0 && w->pid != c->f->pid)
			continue;
		fl_spec_window(&c->s->st, w, &win);
		if (held ? (win.b <= from && from <= win.e) : (from < win.b && win.b <= to))
			return w;
	}
	return NULL;
}

/* handle_pte_fault() under speculative_page_walk_begin(), once the lookup,
 * the VMA copy and the walk passed: the handler's own aborts, then
 * __pte_map_lock() and what the fault finds with the PTL held. */
static void mmseq_handle_pte(struct ctx *c, const struct fl_vma *v)
{
	const struct mmseq *s = c->s;
	const struct fl_fault_view *f = c->f;
	struct fl_outcome *o = c->o;
	const struct fl_writer *w;
	uint64_t free_at;

	switch (f->handler) {
	case FL_H_SWAP:
		abort_at(c, A_SWAP, c->ph.t_walk, NULL, true);
		return;
	case FL_H_ANON_READ:
	case FL_H_ANON_WRITE:
		/* do_anonymous_page() (SPF_ATTEMPT_ANON): a write without
		 * anon_vma aborts before the folio is allocated, before any
		 * page-table lock. */
		if (f->needs_anon_vma && !v->anon_vma) {
			abort_at(c, A_ANON_VMA, c->ph.t_walk, NULL, true);
			return;
		}
		break;
	case FL_H_FILE_READ:
	case FL_H_FILE_COW:
	case FL_H_FILE_SHARED:
		/* spec_file: ->fault that needs IO returns RETRY. */
		if (f->major || f->folio_locked) {
			abort_at(c, f->major ? A_FAULT_IO : A_FAULT_FOLIO, c->ph.t_walk, NULL, true);
			return;
		}
		if (f->needs_anon_vma && !v->anon_vma) {
			abort_at(c, A_ANON_VMA, c->ph.t_walk, NULL, true);
			return;
		}
		break;
	case FL_H_WP:
	case FL_H_SPURIOUS:
	case FL_H__COUNT:
		break;
	}
	/* __pte_map_lock() (pte_spinlock() on the present-PTE path): SEQ1,
	 * PMD, PTL trylock, SEQ2. */
	w = seq_writer(c, c->ph.t_walk, c->ph.t_map, false);
	if (w) {
		abort_at(c, A_SEQ1, c->ph.t_map, w, true);
		return;
	}
	for (size_t i = 0; i < f->nvevents; i++) {
		const struct fl_vma_event *e = &f->vevents[i];

		if (e->pmd_changed && c->ph.t_walk < e->t_begin && e->t_begin <= c->ph.t_map) {
			abort_at(c, A_MAP_PMD, c->ph.t_map, NULL, true);
			return;
		}
	}
	if (fl_spec_ptl_busy(&s->st, f, c->ph.t_map, &free_at)) {
		abort_at(c, A_PTL, c->ph.t_map, NULL, true);
		return;
	}
	w = seq_writer(c, c->ph.t_map, c->ph.t_ptl, false);
	if (w) {
		abort_at(c, A_SEQ2, c->ph.t_ptl, w, true);
		return;
	}
	/* With the PTL held: do_anonymous_page() delivers a missing-page
	 * userfault (userfaultfd_missing()) only after pte_map_lock();
	 * do_wp_page() checks userfaultfd_pte_wp() under pte_spinlock(), and
	 * wp_page_copy() then needs the anon_vma. */
	if ((f->handler == FL_H_ANON_READ || f->handler == FL_H_ANON_WRITE) &&
	    (v->flags & FL_VM_UFFD_MISSING)) {
		abort_at(c, A_UFFD_MISSING, c->ph.t_ptl, NULL, true);
		return;
	}
	if (f->handler == FL_H_WP) {
		if (v->flags & FL_VM_UFFD_WP) {
			abort_at(c, A_UFFD_WP, c->ph.t_ptl, NULL, true);
			return;
		}
		if (f->needs_anon_vma && !v->anon_vma) {
			abort_at(c, A_ANON_VMA, c->ph.t_ptl, NULL, true);
			return;
		}
	}
	bool pte_changed = fl_spec_pte_changed(f, f->t, c->ph.t_map);

	o->path = FL_PATH_SPECULATIVE;
	o->cause = &mmseq_causes[pte_changed ? S_PTE_CHANGED
				 : !f->pmd_present || !f->pud_present ? S_OK_ALLOC : S_OK];
	o->attempts = 1;
	o->latency = f->d_spec;
}

static void mmseq_fault(void *state, const struct fl_run_cfg *cfg, const struct fl_fault_view *f,
			struct fl_outcome *o)
{
	const struct mmseq *s = state;
	const struct fl_vma *v = &f->vma;
	uint32_t acc = f->fault->access;
	struct ctx c = { .s = s, .f = f, .o = o };
	const struct fl_writer *w;

	(void)cfg;
	fl_spec_phases(&s->st, f, &c.ph);
	if (f->place == FL_PLACE_UNKNOWN) {
		o->path = FL_PATH_NONE;
		o->cause = &mmseq_causes[U_UNPLACED];
		o->attempts = 0;
		o->latency = f->d_spec;
		return;
	}
	/* do_user_addr_fault() (13/35): kernel-mode faults and mm_users == 1
	 * go to no_spf, with no counter. */
	if (!(acc & FL_ACC_USER)) {
		no_spf(&c, N_KERNEL);
		return;
	}
	if (s->shortcut && f->mm_users <= 1) {
		no_spf(&c, N_SINGLE);
		return;
	}
	/* count_vm_spf_event(SPF_ATTEMPT); mmap_seq_read_start(): odd. */
	w = seq_writer(&c, f->t, f->t, true);
	if (w) {
		abort_at(&c, A_ODD, f->t, w, false);
		return;
	}
	/* __find_vma() under rcu_read_lock(): none, or vm_start > address. */
	if (f->place == FL_PLACE_NO_VMA || f->place == FL_PLACE_STACK) {
		abort_at(&c, f->place == FL_PLACE_STACK ? A_UNMAPPED_STACK : A_UNMAPPED, f->t, NULL,
			 false);
		return;
	}
	/* vma_is_anonymous(), or vma_can_speculate() with spec_file. */
	if (!fl_spec_anonymous(v) &&
	    !(s->spec_file && fl_vma_ops_of(v) == FL_VMA_OPS_FILE && !(v->flags & FL_VM_HUGETLB))) {
		abort_at(&c, v->kind == FL_VMA_SPECIAL ? A_NO_SPEC_SPECIAL : A_NO_SPEC, f->t, NULL,
			 false);
		return;
	}
	/* pvma = *vma; rcu_read_unlock(); mmap_seq_read_check(). */
	w = seq_writer(&c, f->t, c.ph.t_walk, false);
	if (w) {
		abort_at(&c, A_VMA_COPY, c.ph.t_walk, w, false);
		return;
	}
	if (f->access_error) {
		abort_at(&c, A_ACCESS, c.ph.t_walk, NULL, false);
		return;
	}
	/* __handle_mm_fault() under speculative_page_walk_begin(): no
	 * allocation, no huge pages. */
	if (!f->pud_present && !s->pgtable_alloc) {
		abort_at(&c, A_PUD, c.ph.t_walk, NULL, true);
		return;
	}
	if (f->pmd_huge || f->thp_fault) {
		abort_at(&c, A_PMD_THP, c.ph.t_walk, NULL, true);
		return;
	}
	if (!f->pmd_present && !s->pgtable_alloc) {
		abort_at(&c, A_PMD_NONE, c.ph.t_walk, NULL, true);
		return;
	}
	/* handle_pte_fault(). */
	mmseq_handle_pte(&c, v);
}

/* Lespinasse's /proc/vmstat totals: spf_attempt counts every attempt,
 * spf_abort the ones that fell back (an SPF_ABORT_* each): the causes'
 * FL_CAUSE_VMSTAT_* flags. */
static void mmseq_summarize(FILE *out, int64_t run_id, const struct fl_cause_count *counts,
			    size_t ncounts)
{
	uint64_t attempt = 0, abort_n = 0;

	for (size_t k = 0; k < ncounts; k++) {
		unsigned flags = counts[k].cause ? counts[k].cause->flags : 0;

		if (flags & FL_CAUSE_VMSTAT_SPF_ATTEMPT)
			attempt += counts[k].n;
		if (flags & FL_CAUSE_VMSTAT_SPF_ABORT)
			abort_n += counts[k].n;
	}
	fprintf(out, "run %" PRId64 ":    vmstat spf_attempt %" PRIu64 ", spf_abort %" PRIu64 "\n",
		run_id, attempt, abort_n);
}

/* Listed in strategies.c. */
extern const struct fl_strategy fl_strategy_spf_mmseq;

const struct fl_strategy fl_strategy_spf_mmseq = {
	.name = "spf-mmseq",
	.summary = "Michel Lespinasse's speculative page faults (v2, 2022): mmap_seq, "
		   "anonymous only, SPF_ABORT_*",
	.profiles = NULL,
	.knobs = mmseq_knobs,
	.needs = FL_NEED_FAULTS | FL_NEED_MM_CALLS | FL_NEED_SPEC_WINDOW,
	.state_size = sizeof(struct mmseq),
	.init = mmseq_init,
	.fault = mmseq_fault,
	.fini = mmseq_fini,
	.causes = mmseq_causes,
	.ncauses = C__COUNT,
	.summarize = mmseq_summarize,
};
