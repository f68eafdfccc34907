/* A fork's write hold of its parent's mm: dup_mmap().  The forking thread
 * takes the parent's mmap_lock for write, then the child's new mm's
 * (mmap_write_lock_nested()), and walks the parent's VMAs in address
 * order (for_each_vma() over the maple tree __mt_dup() copied):
 * vma_start_write() on each, then vm_area_dup(), anon_vma_fork() and,
 * for a VMA whose pages the child must share (vma_needs_copy(): an
 * anon_vma, VM_PFNMAP or VM_MIXEDMAP), copy_page_range().  It lets the
 * child's mm go at the end of the walk and the parent's after
 * flush_tlb_mm(); every VMA stays write-locked until then.  Neither
 * recorder traces the copy, only the two mmap_lock holds; the fork's
 * task event comes after both, once the faults that met it may already
 * be decided.  So the nested write lock of another mm is what marks a
 * hold as a fork's, and the walk's progress through it is placed by what
 * each VMA costs to copy. */
#include "engine_state.h"

#include <errno.h>
#include <stdlib.h>

#include "fl_array.h"

/* What a VMA costs the walk, in units of one PTE copied: the VMA copy
 * itself (vm_area_dup(), anon_vma_fork(), the maple tree store), each PTE
 * table copy_pte_range() allocates and walks, each entry it copies
 * (copy_present_ptes(), copy_nonpresent_pte()).  And how long the child's
 * mm is held before the walk reaches its first VMA (__mt_dup() and the
 * rest), capped at half the hold.  Fitted on x86_64 6.18 recordings,
 * with both recorders, of threads faulting while another forks: across
 * 150 VMAs of 16 KiB-2 MiB (150 forks, walks of 0.5-0.8 ms), across 32
 * (20 forks), across a populated 192 MiB table (walks of 3-13 ms), in
 * Node.js running child processes, and beside a MAP_SHARED region.  Of
 * the faults that fell back behind a fork, 94% came after the walk's
 * modelled arrival at their VMA; of those predicted to, 77% did: the
 * walk's speed varies from fork to fork, and from VMA to VMA. */
#define DUP_VMA_COST	64
#define DUP_TABLE_COST	64
#define DUP_PTE_COST	1
#define DUP_START_NS	30000

/* *last_pmd: the PMD entry the last VMA copied ended in, + 1 (0 none).
 * The child's PTE table under it was allocated then: a VMA that begins
 * in the same entry copies into it (pte_alloc_map_lock() finds it). */
static uint64_t vma_cost(struct mmctx *mm, const struct fl_vma *v, uint64_t *last_pmd)
{
	unsigned shift = mm->pt.geom.pmd_shift;
	uint64_t tables = 0, entries = 0;

	if ((v->flags & FL_VM_DONTCOPY) || (v->flags & FL_VM_WIPEONFORK) ||
	    !(v->anon_vma || (v->flags & (FL_VM_PFNMAP | FL_VM_MIXEDMAP))))
		return DUP_VMA_COST;
	if (fl_pgt_count(&mm->pt, v->start, v->end, &tables, &entries) < 0)
		return UINT64_MAX;
	if (tables && *last_pmd == (v->start >> shift) + 1 &&
	    fl_pgt_pmd_state(&mm->pt, v->start) == FL_PMD_TABLE)
		tables--;
	*last_pmd = ((v->end - 1) >> shift) + 1;
	return DUP_VMA_COST + DUP_TABLE_COST * tables + DUP_PTE_COST * entries;
}

/* The walk begins: w holds mm for write and has the child's mm too.  Every
 * VMA of mm is in the write, with what the copy before it costs. */
static int dup_begin(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now)
{
	const struct fl_vma_set *s = &mm->mm.vmas;
	size_t n = fl_vma_count(s);
	uint64_t sum = 0, last_pmd = 0;

	if (fl_array_grow((void **)&w->dupv, &w->capdupv, n, sizeof(*w->dupv)) ||
	    fl_array_grow((void **)&w->ids, &w->capids, w->nids + n, sizeof(*w->ids)))
		return oom(e);
	for (size_t i = 0; i < n; i++) {
		const struct fl_vma *v = fl_vma_at(s, i);
		uint64_t c = vma_cost(mm, v, &last_pmd);

		if (c == UINT64_MAX)
			return oom(e);
		w->dupv[i].start = v->start;
		w->dupv[i].end = v->end;
		w->dupv[i].cost_before = sum;
		sum += c;
		w->ids[w->nids++] = v->id;
	}
	w->ndupv = n;
	w->dup_cost = sum;
	w->dup = true;
	w->w.fork = true;
	w->dup_begin = now;
	w->w.vmas_written = (uint32_t)w->nids;
	return 0;
}

static uint64_t start_of(uint64_t run)
{
	return run / 2 < DUP_START_NS ? run / 2 : DUP_START_NS;
}

/* The walk is over at now.  One seen whole on its CPU tells how fast this
 * system copies.  One whose thread went off its CPU with no sign of when
 * it came back (both recorders trace a task's switch in only from another
 * traced task) is taken to have come back when what was left of the
 * walk, at that speed, ends at now; with no speed known yet, at once. */
static void dup_end(struct fl_engine *e, struct writer_obj *w, uint64_t now)
{
	size_t n = w->ndup_off;
	uint64_t before, off;
	double need, left;

	w->dup_end = now;
	if (now <= w->dup_begin)
		return;		/* out of order: a bad trace */
	if (!n) {
		uint64_t run = now - w->dup_begin;

		e->dup_ns += run - start_of(run);
		e->dup_cost += w->dup_cost;
		return;
	}
	off = w->dup_off[n - 1].off;
	if (w->dup_off[n - 1].on)
		return;
	w->dup_off[n - 1].on = off;	/* back at once */
	if (!e->dup_cost)
		return;
	/* Its time on the CPU before it left. */
	before = off - w->dup_begin;
	for (size_t i = 0; i + 1 < n; i++) {
		uint64_t gap = w->dup_off[i].on - w->dup_off[i].off;

		before = before > gap ? before - gap : 0;
	}
	need = (double)DUP_START_NS + (double)w->dup_cost * (double)e->dup_ns / (double)e->dup_cost;
	left = need - (double)before;
	/* Unless what is left needs all the time from its leaving to now. */
	if (now > off && left < (double)(now - off))
		w->dup_off[n - 1].on = left > 0 ? now - (uint64_t)left : now;
}

int eng_dup_lock(struct fl_engine *e, struct thread *t, const struct fl_mmap_lock *l, uint64_t now)
{
	struct mmctx *mm = t->mm;
	struct writer_obj *w = t->w;

	if (!l->write)
		return 0;
	/* Only while it holds its own mm for write, outside a traced call:
	 * an exec's locks of the mm it builds (bprm_mm_init(), the loader's
	 * mappings) come with none of the old one held. */
	if (!w || !w->acquired || w->closed || mm->holder != w || t->in_call || w->w.traced ||
	    w->lock_mm != mm->kmm)
		return 0;
	if (l->phase == FL_LOCK_ACQUIRED && l->success && !w->dup) {
		int rc = dup_begin(e, mm, w, now);

		if (rc < 0)
			return rc;
	} else if (l->phase == FL_LOCK_RELEASED && w->dup && !w->dup_end) {
		dup_end(e, w, now);
	}
	return 1;
}

void eng_dup_ran(struct writer_obj *w, uint64_t t)
{
	size_t n = w ? w->ndup_off : 0;

	if (n && !w->dup_end && !w->dup_off[n - 1].on && t >= w->dup_off[n - 1].off)
		w->dup_off[n - 1].on = t;
}

int eng_dup_off(struct writer_obj *w, uint64_t t)
{
	if (!w || !w->dup || w->dup_end || t < w->dup_begin)
		return 0;
	eng_dup_ran(w, t);	/* it ran until now, whatever was seen before */
	if (fl_array_grow((void **)&w->dup_off, &w->capdup_off, w->ndup_off + 1,
			  sizeof(*w->dup_off)))
		return -ENOMEM;
	w->dup_off[w->ndup_off].off = t;
	w->dup_off[w->ndup_off].on = 0;
	w->ndup_off++;
	return 0;
}

/* The time by which the walk had run `run` ns on its CPU. */
static uint64_t on_cpu_at(const struct writer_obj *w, uint64_t run, uint64_t end)
{
	uint64_t t = w->dup_begin;

	for (size_t i = 0; i < w->ndup_off; i++) {
		uint64_t off = w->dup_off[i].off, on = w->dup_off[i].on ? w->dup_off[i].on : end;

		if (off < t || off >= end)
			continue;
		if (run <= off - t)
			break;
		run -= off - t;
		t = on < end ? on : end;
	}
	return t + run < end ? t + run : end;
}

uint64_t eng_dup_locked_at(const struct writer_obj *w, const struct fl_vma *vma)
{
	uint64_t end = w->dup_end ? w->dup_end : w->w.w_end, run, start;
	size_t lo = 0, hi = w->ndupv;

	if (!w->dup || end == UINT64_MAX || end <= w->dup_begin || !w->dup_cost)
		return 0;
	/* The walk's VMA that holds vma's start (the hold changed none). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->dupv[mid].end <= vma->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == w->ndupv || w->dupv[lo].start > vma->start)
		return 0;
	/* How long it ran on its CPU in the walk, off-CPU spans left out. */
	run = end - w->dup_begin;
	for (size_t i = 0; i < w->ndup_off; i++) {
		uint64_t off = w->dup_off[i].off, on = w->dup_off[i].on ? w->dup_off[i].on : end;

		uint64_t gap = off < end && on > off ? (on < end ? on : end) - off : 0;

		run = run > gap ? run - gap : 0;	/* spans out of order: a bad trace */
	}
	start = start_of(run);
	return on_cpu_at(w, start + (uint64_t)((unsigned __int128)(run - start) *
					       w->dupv[lo].cost_before / w->dup_cost), end);
}
