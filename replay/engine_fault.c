/* A fault event: where it lands in the mm model (the VMA, stack growth, no
 * VMA), which handler the kernel runs, what it leaves in the page tables; and
 * its end. */
#include "engine_state.h"

#include "access_error.h"

/* How far below a VM_GROWSDOWN VMA a fault is taken as stack growth:
 * the default RLIMIT_STACK. */
#define STACK_REACH (8ULL << 20)

/* mm/memory.c fault_around_bytes: 64 KiB by default (debugfs-tunable). */
#define FAULT_AROUND_BYTES (64u << 10)

static bool vma_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}

/* handle_pte_fault()'s dispatch as far as the trace shows it: the x86
 * error code's PROT bit says whether the PTE was present; a major fault on
 * an anonymous page is a swap-in.  Without the zero page (zero_page
 * false), do_anonymous_page() allocates on a read as on a write: it calls
 * vmf_anon_prepare() before it allocates. */
enum fl_handler eng_handler_of(const struct fl_vma *v, uint32_t acc, bool major, bool zero_page,
			       bool *needs_anon)
{
	bool write = acc & FL_ACC_WRITE, present = acc & FL_ACC_PROT;
	bool shared = v->flags & FL_VM_SHARED;

	*needs_anon = false;
	if (present) {
		if (!write)
			return FL_H_SPURIOUS;
		/* do_wp_page(): a private COW copies into an anon folio
		 * (wp_page_copy() -> vmf_anon_prepare()). */
		*needs_anon = !shared && !v->anon_vma;
		return FL_H_WP;
	}
	if (vma_anonymous(v)) {
		if (major)
			return FL_H_SWAP;
		if (write || !zero_page)
			*needs_anon = !v->anon_vma;
		return write ? FL_H_ANON_WRITE : FL_H_ANON_READ;
	}
	if (!write)
		return FL_H_FILE_READ;
	if (shared)
		return FL_H_FILE_SHARED;
	*needs_anon = !v->anon_vma;
	return FL_H_FILE_COW;
}

/* thp_vma_suitable_order(PMD_ORDER) with THP enabled for the VMA (the
 * kernel's mode: "always" but MADV_NOHUGEPAGE, "madvise" MADV_HUGEPAGE
 * only, "never" none; __thp_vma_allowable_orders()): a read fault there
 * goes to do_huge_pmd_anonymous_page(), which prepares the anon_vma
 * before it maps the huge zero page. */
static bool thp_suitable(const struct mmctx *mm, enum fl_thp_mode mode, const struct fl_vma *v,
			 uint64_t addr)
{
	uint64_t pmd = 1ULL << mm->pt.geom.pmd_shift, haddr = addr & ~(pmd - 1);

	if (v->flags & (FL_VM_NOHUGEPAGE | FL_VM_HUGETLB | FL_VM_SPECIAL))
		return false;
	if (mode == FL_THP_NEVER || (mode == FL_THP_MADVISE && !(v->flags & FL_VM_HUGEPAGE)))
		return false;
	if (!vma_anonymous(v) || v->kind == FL_VMA_STACK)
		return false;
	return haddr >= v->start && haddr + pmd <= v->end &&
	       fl_pgt_pmd_state(&mm->pt, addr) == FL_PMD_NONE;
}

static enum fl_place place_fault(struct fl_engine *e, struct mmctx *mm, uint64_t addr,
				 struct fl_vma **out)
{
	struct fl_vma_set *s = &mm->mm.vmas;
	struct fl_vma *v = fl_vma_lookup(s, addr), *prev, *next;
	size_t idx;
	uint64_t page = 1ULL << e->page_shift;

	*out = NULL;
	if (v) {
		*out = v;
		return v->extent_inferred ? FL_PLACE_INFERRED : FL_PLACE_VMA;
	}
	idx = fl_vma_find_idx(s, addr);
	next = fl_vma_at(s, idx);
	prev = idx ? fl_vma_at(s, idx - 1) : NULL;
	/* find_vma() returns the VMA above; below a VM_GROWSDOWN one the
	 * fault grows the stack (within RLIMIT_STACK, 8 MiB by default). */
	if (next && (next->flags & FL_VM_GROWSDOWN) && next->start - addr <= STACK_REACH) {
		*out = next;
		return FL_PLACE_STACK;
	}
	/* A mapping known only by its start (perf MMAP2): it reaches at least
	 * as far as the faults inside it. */
	if (prev && prev->extent_inferred) {
		prev->end = (addr & ~(page - 1)) + page;
		if (next && prev->end > next->start)
			prev->end = next->start;
		fl_vma_set_sync(s, idx - 1);
		if (addr < prev->end) {
			*out = prev;
			return FL_PLACE_INFERRED;
		}
	}
	/* The rest of such a mapping, beyond a call that changed its start. */
	if (fl_mm_place_in_tail(&mm->mm, addr, out) > 0)
		return FL_PLACE_INFERRED;
	if (next && (next->flags & FL_VM_GROWSDOWN)) {
		*out = next;
		return FL_PLACE_STACK;
	}
	return fl_vma_count(s) && (mm->layout_known || !e->layouts) ? FL_PLACE_NO_VMA
								      : FL_PLACE_UNKNOWN;
}

void eng_end_fault(struct fl_engine *e, struct thread *t, const struct fl_event *end)
{
	struct pfault *p = eng_q_at(e, t->fault_seq);

	t->fault_seq = 0;
	if (end)
		t->last_end = end->t;
	if (!p)
		return;
	p->ended = true;
	if (end) {
		p->v.has_end = true;
		p->v.t_end = end->t;
		t->ended.seq = p->v.fault_id;
		t->ended.t = p->v.t;
		t->ended.vma_id = p->v.vma.id;
		t->ended.vma_start = p->v.vma.start;
		t->ended.vma_end = p->v.vma.end;
		t->ended.placed = p->v.place == FL_PLACE_VMA;
		p->v.major = end->u.fault_end.major;
		if (p->defer_anon && t->mm) {
			struct fl_vma *v = fl_vma_lookup(&t->mm->mm.vmas, p->f.address);

			if (v && !v->anon_vma)
				fl_mm_anon_prepare(&t->mm->mm, v);
		}
		eng_sample_anon_delay(e, &t->gt, p->v.t);
		eng_sample_acq_delay(e, &t->gt);
		eng_window_fault_end(e, p, end->t);
		fl_gt_end(&t->gt, &p->gt);
		if (p->gt.gt == FL_GT_FALLBACK)
			t->pub.gt_fallbacks++;
	} else {
		/* No end event before the thread's next fault: the fault
		 * failed (SIGSEGV) or its end was lost.  No ground truth. */
		t->gt.in_fault = false;
		p->gt.gt = FL_GT_UNKNOWN;
		p->gt.detail = "";
	}
}

/* A fault inside a VMA: access_error(), the what-if of a larger page, the
 * page-table state it finds, the anon_vma it prepares (anon_vma_prepare())
 * and what it leaves in the page tables. */
static int fault_in_vma(struct fl_engine *e, struct mmctx *mm, struct pfault *p,
			struct fl_vma *vma, const struct fl_event *ev)
{
	uint64_t addr = ev->u.fault.address;
	uint32_t acc = ev->u.fault.access;
	bool needs, write = acc & FL_ACC_WRITE;
	bool thp = !(acc & FL_ACC_PROT) && thp_suitable(mm, e->thp, vma, addr);
	enum fl_pgt_pte old = fl_pgt_pte(&mm->pt, addr);

	p->v.access_error = fl_access_error(e->sim_arch,
					    e->pgt == FL_PGT_PPC64_RADIX_64K ||
						    e->pgt == FL_PGT_PPC64_RADIX_4K,
					    vma, acc);
	/* The what-if of a larger page: a fault whose page (in the
	 * what-if's size) an earlier fault already mapped for this
	 * access would not have happened.  Only then: the trace's own
	 * page size keeps every fault. */
	if (e->sim_shift > e->page_shift && !p->v.access_error && !(acc & FL_ACC_PROT) &&
	    (old == FL_PTE_PRESENT_WRITE || (old == FL_PTE_PRESENT && !write)))
		p->absorbed = true;
	p->v.pmd_present = fl_pgt_pmd_state(&mm->pt, addr) != FL_PMD_NONE;
	p->v.pte_present = old == FL_PTE_PRESENT || old == FL_PTE_PRESENT_WRITE;
	p->v.pud_present = fl_pgt_pud_present(&mm->pt, addr);
	p->v.pmd_huge = fl_pgt_pmd_state(&mm->pt, addr) == FL_PMD_HUGE;
	p->v.thp_fault = thp;
	eng_handler_of(vma, acc, false, e->zero_page, &needs);
	/* do_huge_pmd_anonymous_page() prepares the anon_vma before it
	 * maps the huge zero page for a read. */
	p->thp_read_anon = thp && !write && !vma->anon_vma;
	p->rests_on_loss = vma->stale && (p->v.access_error ||
					  ((needs || p->thp_read_anon) && !vma->anon_vma));
	/* The fault sets the anon_vma whichever lock it runs under
	 * (anon_vma_prepare()); later faults see it.  A fault that may
	 * have to wait for a writer sets it only once it runs, after
	 * the writer, on the VMA as the writer left it. */
	if ((needs || p->thp_read_anon) && !p->v.access_error) {
		bool writer_near = mm->holder != NULL;

		for (size_t i = 0; i < mm->nopen; i++)
			writer_near |= mm->open[i]->w.has_lock && !mm->open[i]->closed;
		if (writer_near)
			p->defer_anon = true;
		else
			fl_mm_anon_prepare(&mm->mm, vma);
	}
	/* What the fault leaves in the page tables.  Without the zero page,
	 * an anonymous read maps the page it allocated, writable in a
	 * VM_WRITE VMA (do_anonymous_page(): pte_mkwrite() when VM_WRITE;
	 * do_huge_pmd_anonymous_page() likewise for a huge page). */
	if (!p->v.access_error) {
		bool alloc = write || (!e->zero_page && vma_anonymous(vma) && (vma->flags & FL_VM_WRITE) &&
				       !(acc & FL_ACC_PROT) && old == FL_PTE_NONE);
		int rc;

		if (thp)
			rc = fl_pgt_fault_huge(&mm->pt, addr, alloc);
		else if (!write && !(acc & FL_ACC_PROT) &&
			 fl_pgt_should_fault_around(&mm->pt, vma, FAULT_AROUND_BYTES))
			rc = fl_pgt_fault_around(&mm->pt, vma, addr, FAULT_AROUND_BYTES);
		else
			rc = fl_pgt_set_pte(&mm->pt, addr,
					    fl_pgt_fault_result(&mm->pt, vma, old, alloc));
		if (rc < 0)
			return oom(e);
		p->pmd_after = (int)fl_pgt_pmd_state(&mm->pt, addr) + 1;
	}
	return 0;
}

int eng_on_fault(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	struct mmctx *mm = t->mm;
	struct pfault *p;
	struct fl_vma *vma;

	if (t->fault_seq) {
		struct pfault *prev = eng_q_at(e, t->fault_seq);

		if (prev)
			prev->t_cut = ev->t;	/* it ended before this one */
		eng_end_fault(e, t, NULL);
	}
	fl_gt_fault(&t->gt);
	t->pub.faults++;
	p = eng_q_push(e, t, ev->t);
	if (!p)
		return oom(e);
	p->f = ev->u.fault;
	p->v.fault_id = e->next_seq - 1;
	p->v.pid = ev->pid;
	p->v.tid = ev->tid;
	p->v.cpu = ev->cpu;
	p->v.mm_users = mm ? mm->threads : 1;
	t->fault_seq = p->v.fault_id;
	t->last_seq = p->v.fault_id;
	if (!mm) {
		p->v.place = FL_PLACE_UNKNOWN;
		return 0;
	}
	/* A user fault ends a run of exec mappings.  ppc64's software event
	 * also sees the kernel's own faults on user addresses, one of them in
	 * the middle of exec (elf_load() zeroing the bss): the run goes on. */
	if (!ev->u.fault.trap || (ev->u.fault.access & FL_ACC_USER))
		mm->snap_run = false;
	p->v.place = place_fault(e, mm, ev->u.fault.address, &vma);
	if (vma)
		p->v.vma = *vma;
	/* Its ground truth reads a shared VMA's lock events apart. */
	t->gt.shared_vma = vma && (p->v.place == FL_PLACE_VMA || p->v.place == FL_PLACE_INFERRED) &&
			   (vma->flags & (FL_VM_SHARED | FL_VM_MAYSHARE));
	if (p->v.place == FL_PLACE_NO_VMA) {
		const struct fl_vma *above = fl_vma_at(&mm->mm.vmas,
						       fl_vma_find_idx(&mm->mm.vmas, ev->u.fault.address));

		p->v.has_above = above != NULL;
		if (above)
			p->v.above = *above;
	}
	/* A hole (or, layout_known cleared, an unknown place) after a loss:
	 * its mmap may be lost. */
	if (mm->lossy && (p->v.place == FL_PLACE_NO_VMA || p->v.place == FL_PLACE_UNKNOWN)) {
		p->v.place = FL_PLACE_UNKNOWN;
		e->st.unplaced_after_loss++;
	}
	if (p->v.place == FL_PLACE_VMA || p->v.place == FL_PLACE_INFERRED) {
		int rc = fault_in_vma(e, mm, p, vma, ev);

		if (rc < 0)
			return rc;
		/* What the model would answer from, a lost mprotect or fault
		 * may have changed: no prediction.  The fault still leaves
		 * what it leaves (the anon_vma, the PTE). */
		if (p->rests_on_loss) {
			p->v.place = FL_PLACE_UNKNOWN;
			e->st.unplaced_after_loss++;
		}
	} else if (p->v.place == FL_PLACE_STACK) {
		struct fl_vma *grown = NULL;

		/* The fallback grows the stack (expand_stack_locked()). */
		if (fl_mm_expand_stack(&mm->mm, ev->u.fault.address, &grown) == 0 && grown)
			p->v.vma = *grown;
	}
	/* Writers that can meet this fault: every writer open now, the
	 * holder first. */
	p->contended = mm->holder != NULL;
	eng_attach_open(mm, p);
	for (size_t i = 0; i < p->nhits; i++)
		if (p->hit[i]->w.has_lock && !p->hit[i]->acquired)
			p->contended = true;	/* queued: a trylock fails */
	if (e->spec)
		eng_window_place(mm, p);
	return 0;
}

int eng_on_fault_end(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	if (t->fault_seq)
		eng_end_fault(e, t, ev);
	/* else a fault taken in kernel mode on a user address: no
	 * page_fault_user, nothing to replay. */
	return 0;
}

int eng_on_readahead(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t = eng_thread_find(e, ev->tid);
	struct pfault *p = t && t->fault_seq ? eng_q_at(e, t->fault_seq) : NULL;

	if (p)
		p->v.pc_wait = FL_PCW_READAHEAD;
	return 0;
}
