/* The replay driver: see engine.h for what it does and why it queues.  This file
 * holds the public API: the events in (dispatched to the engine_*.c stages), the
 * trace's description, the end of the trace and the life cycle. */
#include "engine_state.h"
#include "dialect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The anon_vma trylock's delay after the page-fault event until the trace
 * has calibrated it: the order of one perf tracepoint sample. */
#define DEFAULT_ANON_DELAY 1500

/* start_locking to the lock attempt, until the trace calibrates it. */
#define DEFAULT_ACQ_DELAY 1000

/* Times from the trace are kept below 2^62 ns (146 years past the clock's
 * origin): a sum of two of them, or a time plus a duration between two,
 * then cannot wrap, and their difference fits an int64_t.  A timestamp
 * past it is corrupt and stops the replay, naming the event. */
#define FL_T_MAX (UINT64_C(1) << 62)

static int check_times(struct fl_engine *e, const struct fl_event *ev)
{
	uint64_t worst = ev->t;

	e->nev++;
	if (ev->kind == FL_EV_MM_CALL) {
		if (ev->u.mm_call.t_enter > worst)
			worst = ev->u.mm_call.t_enter;
		if (ev->u.mm_call.t_exit > worst)
			worst = ev->u.mm_call.t_exit;
	} else if (ev->kind == FL_EV_LOST) {
		if (ev->u.lost.t_begin > worst)
			worst = ev->u.lost.t_begin;
		if (ev->u.lost.t_end > worst)
			worst = ev->u.lost.t_end;
	}
	if (worst < FL_T_MAX)
		return 0;
	return fl_err_set(&e->err, -ERANGE, "replay: event %llu (%s, tid %d) has a timestamp of "
			  "%llu ns, past 2^62 ns: the trace is corrupt", (unsigned long long)e->nev,
			  fl_ev_kind_name(ev->kind), (int)ev->tid, (unsigned long long)worst);
}

int fl_kver_from_release(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 || major > 99 || minor > 99)
		return 0;
	return FL_MM_KVER((int)major, (int)minor);
}

int fl_engine_mm_enter(struct fl_engine *e, const struct fl_event *ev)
{
	enum fl_mm_lock_mode mode;
	struct thread *t;
	struct writer_obj *w;

	if (check_times(e, ev) < 0)
		return e->err.code;
	t = eng_thread_get(e, ev->pid, ev->tid);
	if (!t)
		return ev->tid < 0 ? 0 : oom(e);
	if (ev->t > e->now)
		e->now = ev->t;
	mode = fl_mm_call_lock_mode(&ev->u.mm_call, e->kver);
	t->in_call = true;
	t->call_vma_read = mode == FL_MM_LOCK_VMA_READ;
	if (!t->mm || mode != FL_MM_LOCK_MMAP_WRITE)
		return 0;
	w = eng_writer_new(e, t->mm, t);
	if (!w)
		return oom(e);
	w->w.traced = true;
	w->w.call = ev->u.mm_call;
	t->w = w;
	eng_attach_recent(e, t->mm, w, ev->t);
	eng_window_attach(e, t->mm, w, ev->t);
	return 0;
}

int fl_engine_event(struct fl_engine *e, const struct fl_event *ev)
{
	struct thread *t = NULL;
	int rc = 0;

	if (check_times(e, ev) < 0)
		return e->err.code;
	if (ev->t > e->now)
		e->now = ev->t;
	/* Context for the faults: they neither create threads nor count in a
	 * thread's span. */
	if (ev->kind == FL_EV_SCHED || ev->kind == FL_EV_READAHEAD) {
		rc = ev->kind == FL_EV_SCHED ? eng_on_sched(e, ev) : eng_on_readahead(e, ev);
		return rc < 0 ? rc : eng_drain(e, false);
	}
	if (ev->kind != FL_EV_LOST) {
		t = eng_thread_get(e, ev->pid, ev->tid);
		if (!t && ev->tid >= 0)
			return oom(e);
		if (t) {
			if (!t->pub.t_first || ev->t < t->pub.t_first)
				t->pub.t_first = ev->t;
			if (ev->t > t->pub.t_last)
				t->pub.t_last = ev->t;
		}
	}
	switch (ev->kind) {
	case FL_EV_FAULT:
		if (t)
			rc = eng_on_fault(e, t, ev);
		break;
	case FL_EV_FAULT_END:
		if (t)
			rc = eng_on_fault_end(e, t, ev);
		break;
	case FL_EV_MM_CALL:
		if (t)
			rc = eng_on_mm_call(e, t, ev);
		break;
	case FL_EV_MMAP_LOCK:
		if (t)
			rc = eng_on_lock(e, t, ev);
		break;
	case FL_EV_VMA_SNAPSHOT:
		rc = eng_on_snapshot(e, t, ev);
		break;
	case FL_EV_TASK:
		rc = eng_on_task(e, t, ev);
		break;
	case FL_EV_LOST:
		eng_on_loss(e, ev);
		break;
	case FL_EV_SCHED:
	case FL_EV_READAHEAD:
	case FL_EV__COUNT:
		break;
	}
	if (rc < 0)
		return rc;
	return eng_drain(e, false);
}

struct fl_engine *fl_engine_new(struct fl_engine_run *runs, size_t nruns,
				const struct fl_engine_sink *sink)
{
	struct fl_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->runs = runs;
	e->nruns = nruns;
	if (sink)
		e->sink = *sink;
	e->page_shift = e->sim_shift = 12;
	e->arch = e->sim_arch = FL_MM_ARCH_X86_64;
	e->pgt = FL_PGT_X86_64_4K;
	e->kver = FL_MM_KVER_DEFAULT;
	e->zero_page = true;
	e->wi_zero_page = -1;
	e->thp = FL_THP_ALWAYS;
	e->next_seq = 1;
	e->d_anon = DEFAULT_ANON_DELAY;
	e->d_acq = DEFAULT_ACQ_DELAY;
	for (size_t r = 0; r < nruns; r++) {
		fl_delay_init(&runs[r].delay);
		if (runs[r].strategy && (runs[r].strategy->needs & FL_NEED_SPEC_WINDOW))
			e->spec = true;
	}
	fl_map_init(&e->threads);
	fl_map_init(&e->mms);
	return e;
}

static unsigned shift_of(uint32_t bytes)
{
	unsigned shift = 0;

	while ((1u << shift) < bytes && shift < 31)
		shift++;
	return shift;
}

static bool arch_is_ppc64(const char *arch)
{
	return !strncmp(arch, "ppc64", 5) || !strncmp(arch, "powerpc", 7);
}

int fl_engine_what_if(struct fl_engine *e, const char *arch, uint32_t page_size, const char *mmu)
{
	snprintf(e->wi_arch, sizeof(e->wi_arch), "%s", arch ? arch : "");
	snprintf(e->wi_mmu, sizeof(e->wi_mmu), "%s", mmu ? mmu : "");
	e->wi_page_size = page_size;
	return 0;
}

/* book3s64: the MMU mode picks the geometry (hash 64K: 16 MiB PMD entries;
 * hash 4K: 2 MiB PMD entries but 256 MiB PUD entries, and no page-table
 * moves). */
static enum fl_pgt_profile pgt_for(enum fl_mm_arch arch, unsigned shift, const char *mmu)
{
	if (arch == FL_MM_ARCH_PPC64 && !strcmp(mmu, "hash"))
		return shift == 16 ? FL_PGT_PPC64_HASH_64K : FL_PGT_PPC64_HASH_4K;
	return fl_pgt_profile_for(arch, shift);
}

int fl_engine_begin(struct fl_engine *e, const struct fl_trace_meta *meta)
{
	int kver = fl_kver_from_release(meta->release);
	const char *mmu = meta->mmu;

	/* With -p or -a the recorder enables its events, then names the
	 * threads it attached to and reads their layouts: a fault in between
	 * is already in a process whose layout is still to come. */
	if (meta->dialect && meta->dialect->layouts)
		e->layouts = true;
	if (meta->page_size)
		e->page_shift = shift_of(meta->page_size);
	if (arch_is_ppc64(meta->arch))
		e->arch = FL_MM_ARCH_PPC64;
	e->sim_shift = e->page_shift;
	e->sim_arch = e->arch;
	/* --set arch=/page_size=/mmu=: the same layout and timing, the other
	 * arch's fault paths.  ppc64 defaults to its distro page size (64K)
	 * and radix, x86_64 has 4K pages only. */
	if (e->wi_arch[0]) {
		e->sim_arch = arch_is_ppc64(e->wi_arch) ? FL_MM_ARCH_PPC64 : FL_MM_ARCH_X86_64;
		if (e->sim_arch != e->arch) {
			e->sim_shift = e->sim_arch == FL_MM_ARCH_PPC64 ? 16 : 12;
			mmu = "";
		}
	}
	if (e->wi_page_size)
		e->sim_shift = shift_of(e->wi_page_size);
	if (e->wi_mmu[0])
		mmu = e->wi_mmu;
	e->pgt = pgt_for(e->sim_arch, e->sim_shift, mmu);
	e->zero_page = e->wi_zero_page >= 0 ? e->wi_zero_page : meta->zero_page != FL_ZERO_PAGE_OFF;
	e->thp = e->wi_thp != FL_THP_UNKNOWN ? e->wi_thp
		 : meta->thp != FL_THP_UNKNOWN ? meta->thp : FL_THP_ALWAYS;
	/* The layout evolves by the rules of the kernel that was traced. */
	if (kver) {
		if (kver < FL_MM_KVER(6, 6))
			kver = FL_MM_KVER(6, 6);
		if (kver > FL_MM_KVER(6, 18))
			kver = FL_MM_KVER(6, 18);
		e->kver = kver;
	}
	for (size_t r = 0; r < e->nruns; r++) {
		e->runs[r].cfg.page_shift = e->sim_shift;
		e->runs[r].cfg.arch = (int)e->sim_arch;
	}
	return 0;
}

void fl_engine_what_if_zero_page(struct fl_engine *e, int on)
{
	e->wi_zero_page = on < 0 ? -1 : !!on;
}

void fl_engine_what_if_thp(struct fl_engine *e, int mode)
{
	e->wi_thp = mode >= FL_THP_ALWAYS && mode <= FL_THP_NEVER ? (enum fl_thp_mode)mode
								    : FL_THP_UNKNOWN;
}

const char *fl_engine_pgt_name(const struct fl_engine *e)
{
	return fl_pgt_profile_name(e->pgt);
}

int fl_engine_finish(struct fl_engine *e)
{
	size_t it = 0;
	void *val;
	int rc;

	/* Writers still open: complete them with what is known. */
	for (size_t m = 0; m < e->nall_mms; m++) {
		struct mmctx *mm = e->all_mms[m];

		while (mm->nopen) {
			struct writer_obj *w = mm->open[0];

			if (w->complete) {	/* cannot happen: never loop on it */
				eng_open_remove(mm, w);
				continue;
			}

			if (!w->w.call.t_exit)
				w->w.call.t_exit = UINT64_MAX;
			if (w->acquired && !w->closed)
				w->w.w_end = UINT64_MAX;
			rc = eng_writer_complete(e, mm, w);
			if (rc < 0)
				return rc;
		}
	}
	it = 0;
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		struct thread *t = val;

		if (t->fault_seq)
			eng_end_fault(e, t, NULL);
		t->w = NULL;
	}
	rc = eng_drain(e, true);
	if (rc < 0)
		return rc;
	/* Each thread's traced span, for its predicted run time. */
	it = 0;
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		const struct thread *t = val;

		if (!t->pub.faults)
			continue;
		for (size_t r = 0; r < e->nruns; r++)
			if (fl_delay_span(&e->runs[r].delay, t->pub.pid, t->pub.tid, t->pub.t_first,
					  t->pub.t_last) < 0)
				return oom(e);
	}
	return 0;
}

void fl_engine_free(struct fl_engine *e)
{
	size_t it = 0;
	void *val;

	if (!e)
		return;
	while (e->qlen) {
		struct pfault *p = &e->q[e->qhead];

		for (size_t i = 0; i < p->nhits; i++)
			eng_writer_put(p->hit[i]);
		for (size_t i = 0; i < p->nwh; i++)
			eng_writer_put(p->wh[i]);
		e->qhead = (e->qhead + 1) & (e->qcap - 1);
		e->qlen--;
	}
	free(e->q);
	free(e->qkey);
	for (size_t m = 0; m < e->nall_mms; m++)
		eng_mm_destroy(e->all_mms[m]);
	free(e->all_mms);
	fl_map_free(&e->mms);
	it = 0;
	while (fl_map_next(&e->threads, &it, NULL, &val))
		free(val);
	fl_map_free(&e->threads);
	for (size_t r = 0; r < e->nruns; r++)
		fl_delay_free(&e->runs[r].delay);
	free(e);
}

const struct fl_engine_stats *fl_engine_stats(const struct fl_engine *e)
{
	return &e->st;
}

const struct fl_err *fl_engine_err(const struct fl_engine *e)
{
	return &e->err;
}
