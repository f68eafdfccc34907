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

/* 31/35 "mm: anon spf statistics", printed in uppercase in /proc/vmstat. */
static const char C_ATTEMPT[] = "spf_attempt";
static const char A_ODD[] = "SPF_ABORT_ODD";
static const char A_UNMAPPED[] = "SPF_ABORT_UNMAPPED";
static const char A_NO_SPEC[] = "SPF_ABORT_NO_SPECULATE";
static const char A_VMA_COPY[] = "SPF_ABORT_VMA_COPY";
static const char A_ACCESS[] = "SPF_ABORT_ACCESS_ERROR";
static const char A_PUD[] = "SPF_ABORT_PUD";
static const char A_PMD[] = "SPF_ABORT_PMD";
static const char A_ANON_VMA[] = "SPF_ABORT_ANON_VMA";
static const char A_SEQ1[] = "SPF_ABORT_PTE_MAP_LOCK_SEQ1";
static const char A_MAP_PMD[] = "SPF_ABORT_PTE_MAP_LOCK_PMD";
static const char A_PTL[] = "SPF_ABORT_PTE_MAP_LOCK_PTL";
static const char A_SEQ2[] = "SPF_ABORT_PTE_MAP_LOCK_SEQ2";
static const char A_UFFD[] = "SPF_ABORT_USERFAULTFD";
static const char A_FAULT[] = "SPF_ABORT_FAULT";
static const char A_SWAP[] = "SPF_ABORT_SWAP";

struct ctx {
	const struct mmseq *s;
	const struct fl_fault_view *f;
	struct fl_outcome *o;
	struct fl_spec_phases ph;
};

static void no_spf(struct ctx *c, const char *reason)
{
	fl_spec_no_attempt(&c->s->st, c->f, c->f->d_spec, c->o, reason);
}

/* count_vm_spf_event(SPF_ABORT_*) and spf_abort, VM_FAULT_RETRY: the
 * classic path (lock_mmap) runs from t_abort. */
static void abort_at(struct ctx *c, const char *counter, const char *reason, uint64_t t_abort,
		     const struct fl_writer *w, bool ran)
{
	fl_spec_retry(&c->s->st, c->f, c->f->d_spec, c->o, counter, reason, t_abort, w, ran);
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
		abort_at(c, A_SWAP, "swap: do_swap_page() not speculative in v2", c->ph.t_walk,
			 NULL, true);
		return;
	case FL_H_ANON_READ:
	case FL_H_ANON_WRITE:
		/* do_anonymous_page() (SPF_ATTEMPT_ANON): a write without
		 * anon_vma aborts before the folio is allocated, before any
		 * page-table lock. */
		if (f->needs_anon_vma && !v->anon_vma) {
			abort_at(c, A_ANON_VMA, "no anon_vma yet", c->ph.t_walk, NULL, true);
			return;
		}
		break;
	case FL_H_FILE_READ:
	case FL_H_FILE_COW:
	case FL_H_FILE_SHARED:
		/* spec_file: ->fault that needs IO returns RETRY. */
		if (f->major || f->folio_locked) {
			abort_at(c, A_FAULT, f->major ? "file IO" : "folio locked", c->ph.t_walk,
				 NULL, true);
			return;
		}
		if (f->needs_anon_vma && !v->anon_vma) {
			abort_at(c, A_ANON_VMA, "no anon_vma yet", c->ph.t_walk, NULL, true);
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
		abort_at(c, A_SEQ1, "mmap_seq changed before the PTL", c->ph.t_map, w, true);
		return;
	}
	for (size_t i = 0; i < f->nvevents; i++) {
		const struct fl_vma_event *e = &f->vevents[i];

		if (e->pmd_changed && c->ph.t_walk < e->t_begin && e->t_begin <= c->ph.t_map) {
			abort_at(c, A_MAP_PMD, "PMD changed before the PTL", c->ph.t_map, NULL,
				 true);
			return;
		}
	}
	if (fl_spec_ptl_busy(&s->st, f, c->ph.t_map, &free_at)) {
		abort_at(c, A_PTL, "PTL busy (trylock)", c->ph.t_map, NULL, true);
		return;
	}
	w = seq_writer(c, c->ph.t_map, c->ph.t_ptl, false);
	if (w) {
		abort_at(c, A_SEQ2, "mmap_seq changed with the PTL held", c->ph.t_ptl, w, true);
		return;
	}
	/* With the PTL held: do_anonymous_page() delivers a missing-page
	 * userfault (userfaultfd_missing()) only after pte_map_lock();
	 * do_wp_page() checks userfaultfd_pte_wp() under pte_spinlock(), and
	 * wp_page_copy() then needs the anon_vma. */
	if ((f->handler == FL_H_ANON_READ || f->handler == FL_H_ANON_WRITE) &&
	    (v->flags & FL_VM_UFFD_MISSING)) {
		abort_at(c, A_UFFD, "userfaultfd missing", c->ph.t_ptl, NULL, true);
		return;
	}
	if (f->handler == FL_H_WP) {
		if (v->flags & FL_VM_UFFD_WP) {
			abort_at(c, A_UFFD, "userfaultfd write-protect", c->ph.t_ptl, NULL, true);
			return;
		}
		if (f->needs_anon_vma && !v->anon_vma) {
			abort_at(c, A_ANON_VMA, "no anon_vma yet", c->ph.t_ptl, NULL, true);
			return;
		}
	}
	bool pte_changed = fl_spec_pte_changed(f, f->t, c->ph.t_map);

	o->path = FL_PATH_SPECULATIVE;
	o->counter = C_ATTEMPT;
	o->reason = pte_changed ? "pte changed under the PTL: returns 0"
		    : !f->pmd_present || !f->pud_present ? "ok, page table allocated"
							 : "ok";
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
		o->reason = "unplaced: no VMA known";
		o->attempts = 0;
		o->latency = f->d_spec;
		return;
	}
	/* do_user_addr_fault() (13/35): kernel-mode faults and mm_users == 1
	 * go to no_spf, with no counter. */
	if (!(acc & FL_ACC_USER)) {
		no_spf(&c, "kernel-mode fault, not tried");
		return;
	}
	if (s->shortcut && f->mm_users <= 1) {
		no_spf(&c, "single-threaded (mm_users == 1), not tried");
		return;
	}
	/* count_vm_spf_event(SPF_ATTEMPT); mmap_seq_read_start(): odd. */
	w = seq_writer(&c, f->t, f->t, true);
	if (w) {
		abort_at(&c, A_ODD, "mmap_seq odd: a writer holds mmap_lock", f->t, w, false);
		return;
	}
	/* __find_vma() under rcu_read_lock(): none, or vm_start > address. */
	if (f->place == FL_PLACE_NO_VMA || f->place == FL_PLACE_STACK) {
		abort_at(&c, A_UNMAPPED, f->place == FL_PLACE_STACK ? "below the VMA (stack growth)"
								    : "no VMA",
			 f->t, NULL, false);
		return;
	}
	/* vma_is_anonymous(), or vma_can_speculate() with spec_file. */
	if (!fl_spec_anonymous(v) &&
	    !(s->spec_file && fl_vma_ops_of(v) == FL_VMA_OPS_FILE && !(v->flags & FL_VM_HUGETLB))) {
		abort_at(&c, A_NO_SPEC, v->kind == FL_VMA_SPECIAL ? "special mapping" : "not anonymous",
			 f->t, NULL, false);
		return;
	}
	/* pvma = *vma; rcu_read_unlock(); mmap_seq_read_check(). */
	w = seq_writer(&c, f->t, c.ph.t_walk, false);
	if (w) {
		abort_at(&c, A_VMA_COPY, "mmap_seq changed during the VMA copy", c.ph.t_walk, w, false);
		return;
	}
	if (f->access_error) {
		abort_at(&c, A_ACCESS, "access error: the classic path signals", c.ph.t_walk, NULL,
			 false);
		return;
	}
	/* __handle_mm_fault() under speculative_page_walk_begin(): no
	 * allocation, no huge pages. */
	if (!f->pud_present && !s->pgtable_alloc) {
		abort_at(&c, A_PUD, "walk: no PMD table (pud_none)", c.ph.t_walk, NULL, true);
		return;
	}
	if (f->pmd_huge || f->thp_fault) {
		abort_at(&c, A_PMD, "walk: huge PMD (THP)", c.ph.t_walk, NULL, true);
		return;
	}
	if (!f->pmd_present && !s->pgtable_alloc) {
		abort_at(&c, A_PMD, "walk: no PTE table (pmd_none)", c.ph.t_walk, NULL, true);
		return;
	}
	/* handle_pte_fault(). */
	mmseq_handle_pte(&c, v);
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
};
