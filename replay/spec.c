/* The speculative strategies' time model: see spec.h. */
#include "spec.h"

#include <string.h>

#include "rwsem.h"

/* Writers one read lock can meet: the engine passes at most 16. */
#define SPEC_MAX_HOLDS 32

/* splitmix64: the jitter of writer `id` under `seed`, deterministic. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t shift(uint64_t v, int64_t d)
{
	if (v == UINT64_MAX)
		return v;
	if (d < 0 && (uint64_t)-d > v)
		return 0;
	return v + (uint64_t)d;
}

void fl_spec_window(const struct fl_spec_time *st, const struct fl_writer *w, struct fl_spec_win *out)
{
	int64_t j = 0;
	uint64_t q = w->has_lock && w->q_begin && w->q_begin < w->w_begin ? w->q_begin : w->w_begin;
	uint64_t b = w->w_begin, e = w->w_end;

	if (st->jitter_ns) {
		uint64_t span = 2 * st->jitter_ns + 1;

		j = (int64_t)(mix(st->seed * 0x100000001b3ULL ^ w->id) % span) - (int64_t)st->jitter_ns;
	}
	if (e != UINT64_MAX && st->scale_pct != 100 && e >= b) {
		/* Without wrapping (up to 1000% of a span of up to 2^62 ns);
		 * UINT64_MAX stays "no end". */
		unsigned __int128 v = (unsigned __int128)(e - b) * st->scale_pct / 100 + b;

		e = v >= UINT64_MAX ? UINT64_MAX - 1 : (uint64_t)v;
	}
	out->q = shift(q, j);
	out->b = shift(b, j);
	out->e = shift(e, j);
	if (out->e < out->b)
		out->e = out->b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void fl_spec_phases(const struct fl_spec_time *st, const struct fl_fault_view *f,
		    struct fl_spec_phases *ph)
{
	uint64_t d = f->d_spec;

	ph->t = f->t;
	ph->t_walk = f->t + min_u64(st->lookup_ns, d / 4);
	ph->t_pus = f->t + min_u64(2 * st->lookup_ns, d / 2);
	ph->t_ptl = f->t + d;
	ph->t_map = ph->t_ptl - min_u64(st->ptl_ns, d / 4);
}

bool fl_spec_ptl_busy(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t x,
		      uint64_t *free_at)
{
	bool busy = false;

	*free_at = x;
	for (size_t i = 0; i < f->nptl_ends; i++) {
		uint64_t e = f->ptl_ends[i], s = e > st->ptl_ns ? e - st->ptl_ns : 0;

		if (s <= x && x < e) {
			busy = true;
			if (e > *free_at)
				*free_at = e;
		}
	}
	return busy;
}

uint64_t fl_spec_lock_wait(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t x)
{
	struct fl_rwsem_hold h[SPEC_MAX_HOLDS];
	size_t n = 0;
	uint64_t at;

	x += f->behind;
	for (size_t i = 0; i < f->nwhits && n + 1 < SPEC_MAX_HOLDS; i++) {
		const struct fl_writer *w = f->whits[i].w;
		struct fl_spec_win win;

		if (w->pid >= 0 && f->pid >= 0 && w->pid != f->pid)
			continue;
		fl_spec_window(st, w, &win);
		if (win.e == UINT64_MAX)
			continue;	/* no release in the trace: nothing to wait for */
		h[n++] = (struct fl_rwsem_hold){
			.id = w->id, .q = win.q, .acq = win.b, .rel = win.e, .write = true,
		};
	}
	at = fl_rwsem_read_grant(h, n, x, NULL);
	return at - x;
}

bool fl_spec_pte_changed(const struct fl_fault_view *f, uint64_t from, uint64_t to)
{
	return f->pte_changed_at && from < f->pte_changed_at && f->pte_changed_at <= to;
}

/* The knob `key` of the table, by name: the names are what --set takes. */
static int64_t knob_of(const struct fl_knob *knobs, const struct fl_run_cfg *cfg, const char *key)
{
	for (size_t i = 0; knobs[i].key; i++)
		if (!strcmp(knobs[i].key, key))
			return cfg->knob[i];
	return 0;
}

void fl_spec_time_init(struct fl_spec_time *st, const struct fl_knob *knobs,
		       const struct fl_run_cfg *cfg)
{
	st->scale_pct = (uint64_t)knob_of(knobs, cfg, "writer_scale");
	st->jitter_ns = (uint64_t)knob_of(knobs, cfg, "jitter_ns");
	st->lookup_ns = (uint64_t)knob_of(knobs, cfg, "lookup_ns");
	st->ptl_ns = (uint64_t)knob_of(knobs, cfg, "ptl_ns");
	st->seed = cfg->seed;
}

void fl_spec_retry(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t d,
		   struct fl_outcome *o, const struct fl_cause *cause, uint64_t t_abort,
		   const struct fl_writer *w, bool ran)
{
	o->path = FL_PATH_MMAP_LOCK;
	o->fell_back = true;
	o->cause = cause;
	o->writer = w;
	o->attempts = ran ? 2 : 1;
	o->wasted = t_abort - f->t;
	o->lock_wait = fl_spec_lock_wait(st, f, t_abort);
	o->latency = o->wasted + o->lock_wait + d;
}

void fl_spec_no_attempt(const struct fl_spec_time *st, const struct fl_fault_view *f, uint64_t d,
			struct fl_outcome *o, const struct fl_cause *cause)
{
	/* A retry at the fault's own time wastes nothing. */
	fl_spec_retry(st, f, d, o, cause, f->t, NULL, false);
	o->fell_back = false;
}

bool fl_spec_anonymous(const struct fl_vma *v)
{
	return !v->file_id && v->kind != FL_VMA_SPECIAL;
}
