/* The fault queue: faults held in trace order until their outcome can be
 * decided (stage 1), then until their speculative window is complete (stage 2). */
#include "engine_state.h"

#include <stdlib.h>
#include <string.h>

struct pfault *eng_q_at(struct fl_engine *e, uint64_t seq)
{
	if (seq < e->q_base || seq >= e->q_base + e->qlen)
		return NULL;
	return eng_q_slot(e, (size_t)(seq - e->q_base));
}

struct pfault *eng_q_push(struct fl_engine *e, struct thread *t, uint64_t time)
{
	if (e->qlen == e->qcap) {
		/* A power of two: eng_q_slot() wraps with a mask. */
		size_t ncap = e->qcap ? e->qcap * 2 : 256;
		/* realloc(): a ring of this size is its own mapping, which
		 * grows by mremap() with its pages kept.  A new copy would
		 * touch every page afresh, and a page's first touch (a page
		 * fault) is most of what a fault's entry here costs. */
		struct pfault *nq = realloc(e->q, ncap * sizeof(*nq));
		struct q_key *nk;

		if (!nq)
			return NULL;
		e->q = nq;
		nk = realloc(e->qkey, ncap * sizeof(*nk));
		if (!nk)
			return NULL;
		e->qkey = nk;
		/* The entries that wrapped round to the start go after the
		 * others, into the new half. */
		memcpy(nq + e->qcap, nq, e->qhead * sizeof(*nq));
		memcpy(nk + e->qcap, nk, e->qhead * sizeof(*nk));
		e->qcap = ncap;
	}
	if (!e->qlen)
		e->q_base = e->next_seq;
	struct pfault *p = eng_q_slot(e, e->qlen);

	e->qkey[(e->qhead + e->qlen) & (e->qcap - 1)] = (struct q_key){ .thr = t, .t = time };
	e->qlen++;
	e->next_seq++;
	if (e->qlen > e->st.max_pending)
		e->st.max_pending = e->qlen;
	memset(p, 0, sizeof(*p));
	p->thr = t;
	p->v.t = time;
	return p;
}

static bool fault_ready(const struct pfault *p)
{
	if (!p->ended)
		return false;
	for (size_t i = 0; i < p->nhits; i++)
		if (!p->hit[i]->complete)
			return false;
	return true;
}

int eng_drain(struct fl_engine *e, bool all)
{
	/* Stage 1, in trace order: every run without a speculative window. */
	while (e->ndec1 < e->qlen) {
		struct pfault *p = eng_q_slot(e, e->ndec1);
		int rc;

		if (all && !p->ended) {
			p->ended = true;	/* the trace ended first */
			if (p->thr && p->thr->fault_seq == p->v.fault_id)
				p->thr->fault_seq = 0;
		}
		if (!fault_ready(p)) {
			if (!all)
				break;
			/* Writers still open at the trace's end: eng_decide with
			 * what is known. */
		}
		rc = eng_decide(e, p);
		e->ndec1++;
		if (rc < 0)
			return rc;
	}
	/* Stage 2, in trace order, and the queue's head goes. */
	while (e->ndec1) {
		struct pfault *p = &e->q[e->qhead];
		int rc = 0;

		if (e->spec) {
			if (!all && !eng_spec_ready(e, p))
				break;
			rc = eng_decide_spec(e, p);
		}
		e->qhead = (e->qhead + 1) & (e->qcap - 1);
		e->qlen--;
		e->q_base++;
		e->ndec1--;
		if (rc < 0)
			return rc;
	}
	return 0;
}
