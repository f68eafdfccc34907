/* The speculative windows (FL_NEED_SPEC_WINDOW runs): the writers, zaps, PMD
 * changes and same-table faults each waiting fault's attempt can meet. */
#include "engine_state.h"

#include <string.h>

/* The end of the span whose writers a fault's window keeps: t + 2 d_spec
 * + slack once d_spec is known, else open. */
static uint64_t window_end(const struct fl_engine *e, const struct pfault *p)
{
	uint64_t d;

	if (p->decided1)
		d = p->v.d_spec;
	else if (p->ended && p->v.has_end && p->v.t_end >= p->v.t)
		d = p->v.t_end - p->v.t;
	else if (p->ended && p->t_cut > p->v.t)
		d = p->t_cut - p->v.t;
	else
		return UINT64_MAX;
	(void)e;
	return p->v.t + 2 * d + FL_SPEC_SLACK;
}

/* Give w to the window of p, once. */
static void window_add(struct pfault *p, struct writer_obj *w)
{
	for (size_t k = 0; k < p->nwh; k++)
		if (p->wh[k] == w)
			return;
	if (p->nwh == MAX_WHITS)
		return;
	w->refs++;
	p->wh[p->nwh++] = w;
}

/* A writer of mm starts queueing, acquires, or enters its call at `now`:
 * it meets the window of every fault of mm still waiting whose span
 * reaches now. */
void eng_window_attach(struct fl_engine *e, struct mmctx *mm, struct writer_obj *w, uint64_t now)
{
	if (!e->spec)
		return;
	for (size_t i = 0; i < e->qlen; i++) {
		const struct q_key *key = eng_q_key(e, i);
		struct pfault *p;

		if (!key->thr || key->thr->mm != mm || key->t > now + FL_SPEC_LOOKBACK)
			continue;
		p = eng_q_slot(e, i);
		if (window_end(e, p) < now)
			continue;
		window_add(p, w);
	}
}

/* A new fault's window looks back at the writers of its mm still open
 * (closed or not) and at those completed last. */
void eng_window_place(struct mmctx *mm, struct pfault *p)
{
	uint64_t from = p->v.t > FL_SPEC_LOOKBACK ? p->v.t - FL_SPEC_LOOKBACK : 0;

	for (size_t i = 0; i < mm->nrecent; i++) {
		struct writer_obj *w = mm->recent[i];

		if (w->w.w_end >= from)
			window_add(p, w);
	}
	for (size_t i = 0; i < mm->nopen; i++) {
		struct writer_obj *w = mm->open[i];

		if (!w->closed || w->w.w_end >= from)
			window_add(p, w);
	}
}

/* Another thread's fault of the same mm ended at t_end: for the faults
 * still waiting whose window it meets, it changed the PTE of its page and
 * held the PTL of its PTE table just before. */
void eng_window_fault_end(struct fl_engine *e, const struct pfault *q, uint64_t t_end)
{
	uint64_t page, table;

	if (!e->spec || !q->thr || !q->thr->mm)
		return;
	page = q->f.address >> e->sim_shift;
	table = q->f.address >> q->thr->mm->pt.geom.pmd_shift;
	for (size_t i = 0; i < e->qlen; i++) {
		const struct q_key *key = eng_q_key(e, i);
		struct pfault *p;

		/* The thread's tid is its faults' v.tid (eng_thread_get()). */
		if (!key->thr || key->thr->mm != q->thr->mm || key->thr->pub.tid == q->v.tid ||
		    key->t >= t_end)
			continue;
		p = eng_q_slot(e, i);
		if (p == q || window_end(e, p) < t_end)
			continue;
		if ((p->f.address >> q->thr->mm->pt.geom.pmd_shift) != table)
			continue;
		if ((p->f.address >> e->sim_shift) == page && !p->pte_changed_at)
			p->pte_changed_at = t_end;
		if (p->nptl < MAX_PTL_ENDS)
			p->ptl_ends[p->nptl++] = t_end;
	}
}

/* A call of mm completed: read-lock zaps of a waiting fault's VMA (Dufour's
 * unmap_page_range() bumps vm_sequence), and PMD entries it changed under a
 * waiting fault.  Writers themselves come through their windows. */
void eng_window_mm_call(struct fl_engine *e, struct mmctx *mm, const struct fl_mm_call *c,
			bool writer, int32_t tid)
{
	if (!e->spec)
		return;
	for (size_t i = 0; i < e->qlen; i++) {
		const struct q_key *key = eng_q_key(e, i);
		struct pfault *p;
		struct fl_vma_event ev;
		bool zap = false, pmd = false;

		if (!key->thr || key->thr->mm != mm || key->t > c->t_exit + FL_SPEC_LOOKBACK)
			continue;
		p = eng_q_slot(e, i);
		if (p->nve == MAX_VEVENTS || window_end(e, p) < c->t_enter)
			continue;
		if (!writer && (p->v.place == FL_PLACE_VMA || p->v.place == FL_PLACE_INFERRED)) {
			for (size_t k = 0; k < mm->mm.nranges; k++) {
				const struct fl_mm_range *r = &mm->mm.ranges[k];

				if (r->kind == FL_MM_RANGE_ZAP && r->start < p->v.vma.end &&
				    p->v.vma.start < r->end)
					zap = true;
			}
		}
		if (p->pmd_after) {
			int now = (int)fl_pgt_pmd_state(&mm->pt, p->f.address) + 1;

			if (now != p->pmd_after) {
				pmd = true;
				p->pmd_after = now;
			}
		}
		if (!zap && !pmd)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.t_begin = c->has_enter ? c->t_enter : c->t_exit;
		ev.t_end = c->t_exit;
		ev.kind = c->kind;
		ev.tid = tid;
		ev.zap = zap;
		ev.pmd_changed = pmd;
		p->ve[p->nve++] = ev;
	}
}
