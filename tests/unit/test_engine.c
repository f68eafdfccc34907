/* The replay engine on tiny hand-written event sequences: each scenario is
 * what a trace of a few threads would hold, fed through fl_engine as the
 * ingestion does (mm_enter at a call's entry, every event in time order),
 * and each expected outcome follows from the kernel function named above
 * the test.  An in-memory sink keeps what the engine hands out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "engine.h"
#include "rwsem.h"
#include "mm_ops.h"

extern const struct fl_strategy fl_strategy_pervma;
extern const struct fl_strategy fl_strategy_classic;

/* ---------------------------------------------------------------------- */
/* Scripts: events in any order, fed sorted by time                      */

struct item {
	struct fl_event ev;
	bool enter;		/* an mm call's entry: fl_engine_mm_enter() */
	size_t seq;
};

struct script {
	struct item v[256];
	size_t n;
};

static struct fl_event *add(struct script *s, enum fl_ev_kind kind, uint64_t t, int32_t pid,
			    int32_t tid)
{
	struct item *it;

	assert_true(s->n < sizeof(s->v) / sizeof(s->v[0]));
	it = &s->v[s->n];
	memset(it, 0, sizeof(*it));
	it->seq = s->n++;
	it->ev.kind = kind;
	it->ev.t = t;
	it->ev.pid = pid;
	it->ev.tid = tid;
	it->ev.cpu = tid % 4;
	return &it->ev;
}

#define PID 100
#define MAIN 100
#define T1 101
#define T2 102
#define T3 103

/* x86 page-fault error codes (arch/x86/include/asm/trap_pf.h). */
#define PF_PROT 1u
#define PF_WRITE 2u
#define PF_USER 4u
#define RD (PF_USER)
#define WR (PF_USER | PF_WRITE)
#define WR_PROT (PF_USER | PF_WRITE | PF_PROT)

static void fault(struct script *s, int32_t tid, uint64_t t, uint64_t addr, unsigned err)
{
	struct fl_event *ev = add(s, FL_EV_FAULT, t, PID, tid);

	fl_fault_from_x86_tracepoint(&ev->u.fault, addr, 0x401000, err);
}

/* The fault's minor-faults / major-faults event: mm_account_fault(). */
static void fault_end(struct script *s, int32_t tid, uint64_t t, bool major)
{
	add(s, FL_EV_FAULT_END, t, PID, tid)->u.fault_end.major = major;
}

/* An mmap_lock event of the mm at kernel address mm. */
static void lock_of(struct script *s, int32_t tid, uint64_t t, enum fl_lock_phase phase,
		    bool write, bool success, uint64_t mm)
{
	struct fl_event *ev = add(s, FL_EV_MMAP_LOCK, t, PID, tid);

	ev->u.lock.phase = phase;
	ev->u.lock.write = write;
	ev->u.lock.success = success;
	ev->u.lock.mm = mm;
}

/* One of PID's own mm. */
static void lock(struct script *s, int32_t tid, uint64_t t, enum fl_lock_phase phase, bool write,
		 bool success)
{
	lock_of(s, tid, t, phase, write, success, 0xffff888000001000ULL);
}

/* The faulting (or any) thread's read lock events. */
#define R_START(s, tid, t) lock(s, tid, t, FL_LOCK_START, false, false)
#define R_OK(s, tid, t) lock(s, tid, t, FL_LOCK_ACQUIRED, false, true)
#define R_FAIL(s, tid, t) lock(s, tid, t, FL_LOCK_ACQUIRED, false, false)
#define R_REL(s, tid, t) lock(s, tid, t, FL_LOCK_RELEASED, false, false)
#define W_START(s, tid, t) lock(s, tid, t, FL_LOCK_START, true, false)
#define W_OK(s, tid, t) lock(s, tid, t, FL_LOCK_ACQUIRED, true, true)
#define W_REL(s, tid, t) lock(s, tid, t, FL_LOCK_RELEASED, true, false)
/* mmap_write_downgrade(): a successful read acquire with no start. */
#define DOWNGRADE(s, tid, t) R_OK(s, tid, t)

/* An mm call: its entry at t0 and its completed event at t1. */
static void call(struct script *s, int32_t tid, enum fl_mm_kind kind, uint64_t t0, uint64_t t1,
		 int64_t ret, const uint64_t args[6])
{
	struct fl_event *ev;
	struct fl_mm_call c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.t_enter = t0;
	c.t_exit = t1;
	c.has_enter = true;
	c.has_exit = true;
	c.ret = ret;
	memcpy(c.args, args, sizeof(c.args));

	ev = add(s, FL_EV_MM_CALL, t0, PID, tid);
	ev->u.mm_call = c;
	ev->u.mm_call.has_exit = false;
	ev->u.mm_call.t_exit = 0;
	ev->u.mm_call.ret = 0;
	s->v[s->n - 1].enter = true;

	ev = add(s, FL_EV_MM_CALL, t1, PID, tid);
	ev->u.mm_call = c;
}

/* The same holding mmap_lock for write over [t0 + 2, t1 - 1]. */
static void locked_call(struct script *s, int32_t tid, enum fl_mm_kind kind, uint64_t t0,
			uint64_t t1, int64_t ret, const uint64_t args[6])
{
	call(s, tid, kind, t0, t1, ret, args);
	W_START(s, tid, t0 + 1);
	W_OK(s, tid, t0 + 2);
	W_REL(s, tid, t1 - 1);
}

#define A 0x7f0000000000ULL
#define B 0x7f0000100000ULL
#define G 0x7ff000000000ULL
#define LEN 0x10000ULL
#define PROT_RW (FL_PROT_READ | FL_PROT_WRITE)
#define MAP_ANON_PRIV (FL_MAP_PRIVATE | FL_MAP_ANONYMOUS)

static void mmap_anon(struct script *s, uint64_t t0, uint64_t t1, uint64_t addr, uint64_t flags,
		      bool locks)
{
	const uint64_t args[6] = { 0, LEN, PROT_RW, MAP_ANON_PRIV | flags, (uint64_t)-1, 0 };

	if (locks)
		locked_call(s, MAIN, FL_MM_MMAP, t0, t1, (int64_t)addr, args);
	else
		call(s, MAIN, FL_MM_MMAP, t0, t1, (int64_t)addr, args);
}

/* ---------------------------------------------------------------------- */
/* The sink                                                               */

#define NRUNS_MAX 2

struct out {
	bool set;
	enum fl_path path;
	bool fell_back;
	const char *counter, *reason;
	uint32_t attempts;
	uint64_t latency, lock_wait;
	bool has_writer;
	struct fl_writer writer;	/* a copy: the engine frees its own */
};

struct rec {
	uint64_t fault_id, t;
	int32_t tid;
	enum fl_place place;
	enum fl_handler handler;
	bool thp_fault;
	bool has_end;
	struct fl_vma vma;
	enum fl_gt gt;
	const char *gt_detail;
	uint64_t gt_wait;
	struct out o[NRUNS_MAX];
};

struct sink {
	struct rec *r;
	size_t n, cap;
	struct fl_writer w[64];
	size_t nw;
	size_t outcomes;
	bool keep;		/* keep every rec (not in the long run) */
};

static int on_writer(void *ctx, const struct fl_writer *w)
{
	struct sink *k = ctx;

	if (k->nw < sizeof(k->w) / sizeof(k->w[0]))
		k->w[k->nw] = *w;
	k->nw++;
	return 0;
}

static int on_fault(void *ctx, const struct fl_fault_view *v, const struct fl_gt_result *gt)
{
	struct sink *k = ctx;
	struct rec *r;

	/* Each fault once, in trace order. */
	if (v->fault_id != k->n + 1)
		return -1;
	if (k->keep || !k->n) {
		if (k->n == k->cap) {
			k->cap = k->cap ? 2 * k->cap : 64;
			k->r = realloc(k->r, k->cap * sizeof(*k->r));
			if (!k->r)
				return -1;
		}
		r = &k->r[k->n];
	} else {
		r = &k->r[0];
	}
	memset(r, 0, sizeof(*r));
	r->fault_id = v->fault_id;
	r->t = v->t;
	r->tid = v->tid;
	r->place = v->place;
	r->handler = v->handler;
	r->thp_fault = v->thp_fault;
	r->has_end = v->has_end;
	r->vma = v->vma;
	r->gt = gt->gt;
	r->gt_detail = gt->detail;
	r->gt_wait = gt->lock_wait;
	k->n++;
	return 0;
}

static int on_outcome(void *ctx, size_t run, const struct fl_fault_view *v, const struct fl_outcome *o)
{
	struct sink *k = ctx;
	struct rec *r = k->keep ? &k->r[k->n - 1] : &k->r[0];
	struct out *x;

	if (run >= NRUNS_MAX || r->fault_id != v->fault_id)
		return -1;
	x = &r->o[run];
	x->set = true;
	x->path = o->path;
	x->fell_back = o->fell_back;
	x->counter = fl_outcome_counter(o);
	x->reason = fl_outcome_reason(o);
	x->attempts = o->attempts;
	x->latency = o->latency;
	x->lock_wait = o->lock_wait;
	if (o->writer) {
		bool known = false;

		x->has_writer = true;
		x->writer = *o->writer;
		/* A writer is handed to the sink before any outcome names it
		 * (the store's writer_id refers to it). */
		for (size_t i = 0; i < k->nw && i < sizeof(k->w) / sizeof(k->w[0]); i++)
			known |= k->w[i].id == o->writer->id;
		if (!known)
			return -1;
	}
	k->outcomes++;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Running                                                                */

struct replay {
	struct fl_engine_run runs[NRUNS_MAX];
	size_t nruns;
	struct fl_engine *e;
	struct sink sink;
};

static void run_add(struct replay *r, const struct fl_strategy *s, const char *profile)
{
	struct fl_engine_run *run = &r->runs[r->nruns++];
	struct fl_err err;

	memset(&err, 0, sizeof(err));
	memset(run, 0, sizeof(*run));
	run->strategy = s;
	run->cfg.profile = profile;
	if (profile)
		assert_int_equal(fl_profile_parse(profile, &run->cfg.kver), 0);
	for (size_t i = 0; s->knobs && s->knobs[i].key; i++)
		run->cfg.knob[i] = s->knobs[i].def;
	run->state = calloc(1, s->state_size);
	assert_non_null(run->state);
	assert_int_equal(s->init(run->state, &run->cfg, &err), 0);
}

/* The dialect the next replay_start() says the trace has; NULL none. */
static const struct fl_dialect *test_dialect;
/* What the next replay_start() says of the kernel's zero page. */
static enum fl_zero_page test_zero_page;
/* ... and of its THP mode. */
static enum fl_thp_mode test_thp;

static void replay_start(struct replay *r, bool with_classic)
{
	const struct fl_trace_meta meta = {
		.path = "test", .dialect = test_dialect, .tracer = "test", .hostname = "h",
		.release = "6.18.0-test", .arch = "x86_64", .page_size = 4096,
		.zero_page = test_zero_page, .thp = test_thp,
	};
	struct fl_engine_sink sink = { .writer = on_writer, .fault = on_fault, .outcome = on_outcome };

	memset(r, 0, sizeof(*r));
	r->sink.keep = true;
	run_add(r, &fl_strategy_pervma, "6.15+");
	if (with_classic)
		run_add(r, &fl_strategy_classic, NULL);
	sink.ctx = &r->sink;
	r->e = fl_engine_new(r->runs, r->nruns, &sink);
	assert_non_null(r->e);
	assert_int_equal(fl_engine_begin(r->e, &meta), 0);
}

static void feed(struct replay *r, const struct fl_event *ev, bool enter)
{
	int rc = enter ? fl_engine_mm_enter(r->e, ev) : fl_engine_event(r->e, ev);

	if (rc < 0)
		fail_msg("engine: %s", fl_engine_err(r->e)->msg);
}

static void replay_finish(struct replay *r)
{
	if (fl_engine_finish(r->e) < 0)
		fail_msg("engine finish: %s", fl_engine_err(r->e)->msg);
	/* Every fault decided once, with one outcome per run. */
	assert_int_equal(fl_engine_stats(r->e)->faults, r->sink.n);
	assert_int_equal(r->sink.outcomes, r->sink.n * r->nruns);
}

static void replay_free(struct replay *r)
{
	fl_engine_free(r->e);
	for (size_t i = 0; i < r->nruns; i++) {
		r->runs[i].strategy->fini(r->runs[i].state);
		free(r->runs[i].state);
	}
	free(r->sink.r);
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->ev.t != y->ev.t)
		return x->ev.t < y->ev.t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Replay the script (sorted by time; equal times in script order). */
static void play(struct replay *r, struct script *s, bool with_classic)
{
	replay_start(r, with_classic);
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_item);
	for (size_t i = 0; i < s->n; i++)
		feed(r, &s->v[i].ev, s->v[i].enter);
	replay_finish(r);
}

static const struct rec *F(const struct replay *r, uint64_t fault_id)
{
	if (fault_id < 1 || fault_id > r->sink.n)
		fail_msg("no fault %llu (%zu decided)", (unsigned long long)fault_id, r->sink.n);
	return &r->sink.r[fault_id - 1];
}

static const struct fl_writer *W(const struct replay *r, enum fl_mm_kind kind, int nth)
{
	for (size_t i = 0; i < r->sink.nw; i++)
		if (r->sink.w[i].traced && r->sink.w[i].call.kind == kind && nth-- == 0)
			return &r->sink.w[i];
	fail_msg("no %s writer", fl_mm_kind_name(kind));
	return NULL;
}

/* The pervma outcome of a fault, at the caller's line. */
#define EXPECT(r, id, path_, fell_, counter_, reason_, attempts_)                      \
	do {                                                                           \
		const struct out *o_ = &F(r, id)->o[0];                                \
		assert_true(o_->set);                                                  \
		assert_string_equal(fl_path_name(o_->path), fl_path_name(path_));     \
		assert_int_equal(o_->fell_back, (fell_));                              \
		assert_string_equal(o_->counter, (counter_));                          \
		assert_string_equal(o_->reason, (reason_));                            \
		assert_int_equal(o_->attempts, (attempts_));                           \
	} while (0)
#define EXPECT_OK(r, id, reason_) \
	EXPECT(r, id, FL_PATH_VMA_LOCK, false, "vma_lock_success", reason_, 1)
#define EXPECT_ABORT(r, id, reason_) \
	EXPECT(r, id, FL_PATH_MMAP_LOCK, true, "vma_lock_abort", reason_, 1)
#define EXPECT_RETRY(r, id, reason_) \
	EXPECT(r, id, FL_PATH_MMAP_LOCK, true, "vma_lock_retry", reason_, 2)
#define EXPECT_GT(r, id, gt_, detail_)                                                \
	do {                                                                           \
		assert_string_equal(fl_gt_name(F(r, id)->gt), fl_gt_name(gt_));       \
		assert_string_equal(F(r, id)->gt_detail, (detail_));                   \
	} while (0)

/* A first write fault that sets the anon_vma while nothing contends:
 * __vmf_anon_prepare()'s trylock, taken and released inside the fault. */
static void first_write(struct script *s, int32_t tid, uint64_t t, uint64_t addr)
{
	fault(s, tid, t, addr, WR);
	R_START(s, tid, t + 3);
	R_OK(s, tid, t + 4);
	R_REL(s, tid, t + 6);
	fault_end(s, tid, t + 10, false);
}

/* ---------------------------------------------------------------------- */
/* Scenarios                                                              */

/* mprotect() of the upper half of VMA A (mm/mprotect.c
 * mprotect_fixup() -> vma_modify_flags() -> split_vma(), which
 * vma_start_write()s A): during the writer's mmap_lock write hold,
 * lock_vma_under_rcu() -> vma_start_read() fails on A (vm_lock_seq ==
 * mm_lock_seq): ABORT, naming that writer, and lock_mm_and_find_vma()
 * waits for the release.  VMA B, which the writer does not touch, stays
 * readable under its VMA lock.  After mmap_write_unlock() ->
 * vma_end_write_all(), A's halves are free again. */
static void mprotect_split_aborts_in_write_window(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x8000, FL_PROT_READ };
	const struct fl_writer *w;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1 */
	first_write(&s, T2, 200, B);			/* fault 2 */

	call(&s, MAIN, FL_MM_MPROTECT, 700, 2105, 0, mp);
	W_START(&s, MAIN, 710);
	W_OK(&s, MAIN, 720);
	fault(&s, T1, 1750, A + 0x1000, WR);		/* fault 3: in A, write-locked */
	R_START(&s, T1, 2035);
	fault(&s, T2, 2040, B + 0x1000, WR);		/* fault 4: in B, untouched */
	fault_end(&s, T2, 2045, false);
	W_REL(&s, MAIN, 2100);
	R_OK(&s, T1, 2101);
	fault_end(&s, T1, 2110, false);
	R_REL(&s, T1, 2115);

	fault(&s, T1, 2200, A + 0x2000, WR);		/* fault 5: after the release */
	fault_end(&s, T1, 2210, false);
	fault(&s, T2, 2300, A + 0x9000, RD);		/* fault 6: the read-only half */
	fault_end(&s, T2, 2310, false);
	/* fault 7: a write there is an access_error(): SIGSEGV, no end. */
	fault(&s, T2, 2400, A + 0xa000, WR);
	R_START(&s, T2, 2403);
	R_OK(&s, T2, 2404);
	R_REL(&s, T2, 2406);
	play(&r, &s, false);

	assert_int_equal(r.sink.n, 7);
	w = W(&r, FL_MM_MPROTECT, 0);
	assert_int_equal(w->tid, MAIN);
	assert_true(w->has_lock);
	assert_int_equal(w->t_lock_start, 710);
	assert_int_equal(w->w_begin, 720);
	assert_int_equal(w->w_end, 2100);
	assert_true(w->vmas_written >= 2);		/* A modified, its upper half created */

	EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
	EXPECT_GT(&r, 1, FL_GT_VMA, "anon_vma trylock");
	EXPECT_OK(&r, 2, "ok, anon_vma under trylock");

	EXPECT_ABORT(&r, 3, "write-locked");
	assert_true(F(&r, 3)->o[0].has_writer);
	assert_int_equal(F(&r, 3)->o[0].writer.id, w->id);
	assert_int_equal(F(&r, 3)->o[0].writer.call.kind, FL_MM_MPROTECT);
	assert_int_equal(F(&r, 3)->o[0].writer.tid, MAIN);
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 3)->vma.start, A);
	assert_int_equal(F(&r, 3)->vma.end, A + LEN);	/* placed before the split */
	EXPECT_GT(&r, 3, FL_GT_FALLBACK, "");
	assert_int_equal(F(&r, 3)->gt_wait, 66);

	EXPECT_OK(&r, 4, "ok");
	assert_false(F(&r, 4)->o[0].has_writer);
	EXPECT_GT(&r, 4, FL_GT_VMA, "");

	EXPECT_OK(&r, 5, "ok");
	assert_int_equal(F(&r, 5)->vma.end, A + 0x8000);	/* after the split */
	EXPECT_OK(&r, 6, "ok");
	assert_int_equal(F(&r, 6)->vma.start, A + 0x8000);

	/* x86 do_user_addr_fault(): access_error() under the VMA lock falls
	 * back with no counter. */
	EXPECT(&r, 7, FL_PATH_MMAP_LOCK, true, "", "access error", 1);
	EXPECT_GT(&r, 7, FL_GT_UNKNOWN, "");		/* no end: SIGSEGV */

	assert_true(fl_engine_stats(r.e)->lock_events);
	assert_int_equal(fl_engine_stats(r.e)->gt[FL_GT_FALLBACK], 1);
	replay_free(&r);
}

/* munmap() of part of a VMA: do_vmi_align_munmap() vma_start_write()s it
 * and splits it, then vms_complete_munmap_vmas() calls
 * mmap_write_downgrade(), whose vma_end_write_all() ends the write cycle:
 * a fault before the downgrade aborts, one after it (the call still holding
 * mmap_lock for read) gets its VMA lock.  The downgrade shows as an
 * acquire_returned write=0 without a start. */
static void munmap_downgrade_ends_the_window(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t um[6] = { A + 0x8000, 0x8000 };
	const struct fl_writer *w;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1 */

	call(&s, MAIN, FL_MM_MUNMAP, 1700, 3110, 0, um);
	W_START(&s, MAIN, 1710);
	W_OK(&s, MAIN, 1720);
	fault(&s, T1, 2730, A + 0x1000, WR);		/* fault 2: write-locked */
	R_START(&s, T1, 3035);
	DOWNGRADE(&s, MAIN, 3050);
	R_OK(&s, T1, 3051);				/* readers get in */
	fault_end(&s, T1, 3055, false);
	R_REL(&s, T1, 3056);
	fault(&s, T2, 3060, A + 0x2000, WR);		/* fault 3: after the downgrade */
	fault_end(&s, T2, 3065, false);
	R_REL(&s, MAIN, 3100);
	play(&r, &s, false);

	w = W(&r, FL_MM_MUNMAP, 0);
	assert_int_equal(w->w_begin, 1720);
	assert_int_equal(w->w_end, 3050);
	assert_int_equal(w->t_lock_released, 3050);

	EXPECT_ABORT(&r, 2, "write-locked");
	assert_int_equal(F(&r, 2)->o[0].writer.id, w->id);
	EXPECT_GT(&r, 2, FL_GT_FALLBACK, "");
	EXPECT_OK(&r, 3, "ok");
	assert_false(F(&r, 3)->o[0].has_writer);
	EXPECT_GT(&r, 3, FL_GT_VMA, "");
	replay_free(&r);
}

/* lock_vma_under_rcu(): mas_walk() finds no VMA at an address in a hole
 * (here: the half munmap() removed): ABORT; lock_mm_and_find_vma() finds
 * none either, bad_area() releases mmap_lock and signals: the fault has no
 * end event, and the thread's next fault closes it with no ground truth. */
static void fault_in_a_hole(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t um[6] = { A + 0x8000, 0x8000 };

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	locked_call(&s, MAIN, FL_MM_MUNMAP, 50, 60, 0, um);
	first_write(&s, T1, 100, A);			/* fault 1 */
	fault(&s, T2, 200, A + 0x9000, WR);		/* fault 2: the hole */
	R_START(&s, T2, 203);
	R_OK(&s, T2, 204);
	R_REL(&s, T2, 205);
	fault(&s, T2, 300, A + 0x20000, RD);		/* fault 3: between A and B */
	fault(&s, T2, 400, A + 0x1000, WR);		/* fault 4: in A */
	fault_end(&s, T2, 410, false);
	play(&r, &s, false);

	assert_int_equal(F(&r, 2)->place, FL_PLACE_NO_VMA);
	EXPECT_ABORT(&r, 2, "no VMA");
	assert_false(F(&r, 2)->o[0].has_writer);
	/* No end before its thread's next fault: no ground truth, even though
	 * the lock events alone would read as the anon_vma trylock. */
	assert_false(F(&r, 2)->has_end);
	EXPECT_GT(&r, 2, FL_GT_UNKNOWN, "");
	assert_int_equal(F(&r, 3)->place, FL_PLACE_NO_VMA);
	EXPECT_ABORT(&r, 3, "no VMA");
	EXPECT_GT(&r, 3, FL_GT_UNKNOWN, "");
	EXPECT_OK(&r, 4, "ok");
	EXPECT_GT(&r, 4, FL_GT_VMA, "");
	replay_free(&r);
}

/* A write just below a VM_GROWSDOWN VMA: mas_walk() finds nothing there
 * (ABORT); lock_mm_and_find_vma() drops the read lock, takes mmap_lock for
 * write, expand_stack_locked(), downgrades.  The grown VMA then covers the
 * address for later faults. */
static void stack_growth_below_growsdown(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mmap_anon(&s, 10, 20, G, FL_MAP_GROWSDOWN, true);
	first_write(&s, T1, 50, G + 0x1000);		/* fault 1 */
	fault(&s, T1, 100, G - 0x1000, WR);		/* fault 2: below it */
	R_START(&s, T1, 103);
	R_OK(&s, T1, 104);
	R_REL(&s, T1, 105);
	W_START(&s, T1, 106);
	W_OK(&s, T1, 107);
	DOWNGRADE(&s, T1, 110);
	fault_end(&s, T1, 120, false);
	R_REL(&s, T1, 125);
	fault(&s, T2, 300, G - 0x1000 + 0x10, WR_PROT);	/* fault 3: the grown page */
	fault_end(&s, T2, 305, false);
	play(&r, &s, false);

	assert_int_equal(F(&r, 2)->place, FL_PLACE_STACK);
	EXPECT_ABORT(&r, 2, "stack growth");
	EXPECT_GT(&r, 2, FL_GT_FALLBACK, "stack growth");
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 3)->vma.start, G - 0x1000);
	EXPECT_OK(&r, 3, "ok");
	replay_free(&r);
}

/* do_anonymous_page() on a read: mainline maps the zero page, with no
 * anon_vma, so the first write after it (do_wp_page() -> wp_page_copy())
 * is the one that prepares it.  A kernel that forbids the zero page
 * (fl_trace_meta.zero_page off) allocates on the read as on a write:
 * vmf_anon_prepare() first, whose mmap_read_trylock() fails when a writer
 * is queued (VM_FAULT_RETRY, the fault runs under mmap_lock), and the
 * page it maps is writable in a VM_WRITE VMA. */
static void first_anon_read_and_the_zero_page(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x1000, FL_PROT_READ };
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	for (int off = 0; off < 2; off++) {
		s.n = 0;
		mmap_anon(&s, 10, 20, A, 0, true);
		mmap_anon(&s, 30, 40, B, 0, true);
		if (off) {	/* the read prepares the anon_vma */
			fault(&s, T1, 100, A, RD);		/* fault 1 */
			R_START(&s, T1, 103);
			R_OK(&s, T1, 104);
			R_REL(&s, T1, 106);
			fault_end(&s, T1, 110, false);
			fault(&s, T1, 200, A + 0x1000, WR);	/* fault 2 */
			fault_end(&s, T1, 205, false);
		} else {	/* the zero page: the write after the read does */
			fault(&s, T1, 100, A, RD);
			fault_end(&s, T1, 110, false);
			first_write(&s, T1, 200, A + 0x1000);
		}
		/* A read into B while MAIN's mprotect is queued behind T3. */
		R_START(&s, T3, 900);
		R_OK(&s, T3, 901);
		call(&s, MAIN, FL_MM_MPROTECT, 980, 4010 + S, 0, mp);
		W_START(&s, MAIN, 990);
		fault(&s, T2, 1000 + S, B, RD);		/* fault 3 */
		if (off) {
			R_START(&s, T2, 1002 + S);
			R_FAIL(&s, T2, 1003 + S);
			R_START(&s, T2, 1004 + S);
			R_FAIL(&s, T2, 1005 + S);
			R_START(&s, T2, 1006 + S);
		}
		if (!off)
			fault_end(&s, T2, 1010 + S, false);
		R_REL(&s, T3, 3000 + S);
		W_OK(&s, MAIN, 3001 + S);
		W_REL(&s, MAIN, 4000 + S);
		if (off) {
			R_OK(&s, T2, 4001 + S);
			fault_end(&s, T2, 4050 + S, false);
			R_REL(&s, T2, 4060 + S);
		}
		test_zero_page = off ? FL_ZERO_PAGE_OFF : FL_ZERO_PAGE_ON;
		play(&r, &s, false);
		test_zero_page = FL_ZERO_PAGE_UNKNOWN;

		assert_int_equal(F(&r, 1)->handler, FL_H_ANON_READ);
		assert_int_equal(F(&r, 3)->handler, FL_H_ANON_READ);
		if (off) {
			EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
			EXPECT_GT(&r, 1, FL_GT_VMA, "anon_vma trylock");
			EXPECT_OK(&r, 2, "ok");
			EXPECT_RETRY(&r, 3, "no anon_vma");
			EXPECT_GT(&r, 3, FL_GT_FALLBACK, "anon_vma retry");
		} else {
			EXPECT_OK(&r, 1, "ok");
			EXPECT_OK(&r, 2, "ok, anon_vma under trylock");
			EXPECT_OK(&r, 3, "ok");
			EXPECT_GT(&r, 3, FL_GT_VMA, "");
		}
		replay_free(&r);
	}
}

/* __thp_vma_allowable_orders(): with THP "always" the first fault in a
 * PMD-size range of any anonymous VMA (but MADV_NOHUGEPAGE) maps a huge
 * page; with "madvise" only in a MADV_HUGEPAGE VMA; with "never" none.
 * A 4 MiB VMA at a 2 MiB boundary: a fault in its first half, then
 * madvise(MADV_HUGEPAGE) of the second half and a fault there.  With no
 * mode in the trace, the replay takes "always". */
static void thp_mode_decides_huge_faults(void **state)
{
	static const struct {
		enum fl_thp_mode mode;
		bool first, second;
	} cases[] = {
		{ FL_THP_UNKNOWN, true, true },
		{ FL_THP_ALWAYS, true, true },
		{ FL_THP_MADVISE, false, true },
		{ FL_THP_NEVER, false, false },
	};
	const uint64_t big = 4ULL << 20, half = 2ULL << 20;
	const uint64_t mm[6] = { 0, big, PROT_RW, MAP_ANON_PRIV, (uint64_t)-1, 0 };
	const uint64_t ma[6] = { G + half, half, FL_MADV_HUGEPAGE };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct script s = { .n = 0 };
		struct replay r;

		locked_call(&s, MAIN, FL_MM_MMAP, 10, 20, (int64_t)G, mm);
		first_write(&s, T1, 100, G);			/* fault 1 */
		locked_call(&s, MAIN, FL_MM_MADVISE, 200, 210, 0, ma);
		first_write(&s, T1, 300, G + half);		/* fault 2 */
		test_thp = cases[i].mode;
		play(&r, &s, false);
		test_thp = FL_THP_UNKNOWN;
		assert_int_equal(r.sink.n, 2);
		if (F(&r, 1)->thp_fault != cases[i].first || F(&r, 2)->thp_fault != cases[i].second)
			fail_msg("THP mode %d: huge faults %d %d, want %d %d", (int)cases[i].mode,
				 F(&r, 1)->thp_fault, F(&r, 2)->thp_fault, cases[i].first,
				 cases[i].second);
		replay_free(&r);
	}
}

/* do_anonymous_page() -> vmf_anon_prepare() -> __vmf_anon_prepare() (6.10+):
 * the first write into a fresh anonymous mmap finds no anon_vma and takes
 * mmap_read_trylock() to set it, staying on the VMA lock; the second fault
 * in the VMA finds it set.  With a writer queued for mmap_lock
 * (rwsem_down_write_slowpath() waiting behind a reader, past its
 * rwsem_optimistic_spin()) the trylock fails:
 * VM_FAULT_RETRY, vma_lock_retry, and the fault runs under mmap_lock once
 * the writer is done; after it, the VMA has its anon_vma. */
static void first_anon_write_and_the_trylock(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x1000, FL_PROT_READ };
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1 */
	fault(&s, T1, 200, A + 0x1000, WR);		/* fault 2 */
	fault_end(&s, T1, 205, false);

	/* T3 holds mmap_lock for read; MAIN's mprotect of A spins, then
	 * queues (FLAG_WAITERS) FL_RWSEM_WSPIN_NS later. */
	R_START(&s, T3, 900);
	R_OK(&s, T3, 901);
	call(&s, MAIN, FL_MM_MPROTECT, 980, 4010 + S, 0, mp);
	W_START(&s, MAIN, 990);
	fault(&s, T2, 1000 + S, B, WR);			/* fault 3: first write into B */
	R_START(&s, T2, 1002 + S);			/* __vmf_anon_prepare's trylock */
	R_FAIL(&s, T2, 1003 + S);
	R_START(&s, T2, 1004 + S);			/* lock_mm_and_find_vma's trylock */
	R_FAIL(&s, T2, 1005 + S);
	R_START(&s, T2, 1006 + S);			/* mmap_read_lock_killable() */
	R_REL(&s, T3, 3000 + S);
	W_OK(&s, MAIN, 3001 + S);
	W_REL(&s, MAIN, 4000 + S);
	R_OK(&s, T2, 4001 + S);
	fault_end(&s, T2, 4050 + S, false);
	R_REL(&s, T2, 4060 + S);
	fault(&s, T2, 5000 + S, B + 0x1000, WR);	/* fault 4 */
	fault_end(&s, T2, 5005 + S, false);
	play(&r, &s, false);

	EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
	EXPECT_GT(&r, 1, FL_GT_VMA, "anon_vma trylock");
	EXPECT_OK(&r, 2, "ok");
	EXPECT_GT(&r, 2, FL_GT_VMA, "");

	EXPECT_RETRY(&r, 3, "no anon_vma");
	assert_false(F(&r, 3)->o[0].has_writer);
	assert_int_equal(F(&r, 3)->handler, FL_H_ANON_WRITE);
	EXPECT_GT(&r, 3, FL_GT_FALLBACK, "anon_vma retry");
	assert_int_equal(F(&r, 3)->gt_wait, 4001 - 1002);


	EXPECT_OK(&r, 4, "ok");
	assert_true(F(&r, 4)->vma.anon_vma);
	replay_free(&r);

	/* The same trylock while the writer still spins succeeds. */
	s.n = 0;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	R_START(&s, T3, 900);
	R_OK(&s, T3, 901);
	call(&s, MAIN, FL_MM_MPROTECT, 980, 4010 + S, 0, mp);
	W_START(&s, MAIN, 990);
	fault(&s, T2, 1000, B, WR);
	R_START(&s, T2, 1002);
	R_OK(&s, T2, 1003);
	R_REL(&s, T2, 1010);
	fault_end(&s, T2, 1050, false);
	R_REL(&s, T3, 3000 + S);
	W_OK(&s, MAIN, 3001 + S);
	W_REL(&s, MAIN, 4000 + S);
	play(&r, &s, false);
	EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
	replay_free(&r);
}

/* The trylock of __vmf_anon_prepare() is the fault's own when the trace
 * has it: this fault reached it 5 us after its start, long past the
 * calibrated delay (3 ns here, from two earlier first writes), when a
 * writer had taken mmap_lock; it failed there (VM_FAULT_RETRY) and the
 * fallback waited for the writer, as long as the kernel's did. */
static void trylock_at_the_faults_own_attempt(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x1000, FL_PROT_READ };
	const uint64_t C = B + 0x100000;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	mmap_anon(&s, 50, 60, C, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1: calibrates 3 ns */
	first_write(&s, T1, 200, C);			/* fault 2 */
	call(&s, MAIN, FL_MM_MPROTECT, 4990, 9010, 0, mp);
	W_START(&s, MAIN, 5000);
	W_OK(&s, MAIN, 5001);
	fault(&s, T2, 1000, B, WR);			/* fault 3: first write into B */
	R_START(&s, T2, 6000);				/* __vmf_anon_prepare's trylock */
	R_FAIL(&s, T2, 6001);
	R_START(&s, T2, 6002);				/* lock_mm_and_find_vma's trylock */
	R_FAIL(&s, T2, 6003);
	R_START(&s, T2, 6004);				/* mmap_read_lock_killable() */
	W_REL(&s, MAIN, 9000);
	R_OK(&s, T2, 9001);
	fault_end(&s, T2, 9050, false);
	R_REL(&s, T2, 9060);
	play(&r, &s, false);

	EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
	EXPECT_OK(&r, 2, "ok, anon_vma under trylock");
	EXPECT_RETRY(&r, 3, "no anon_vma");
	EXPECT_GT(&r, 3, FL_GT_FALLBACK, "anon_vma retry");
	assert_int_equal(F(&r, 3)->gt_wait, 9001 - 6000);
	assert_int_equal(F(&r, 3)->o[0].lock_wait, 9001 - 6000);
	replay_free(&r);
}

/* The recorded race: MAIN's mprotect and T2's trylock start locking at
 * 6000; MAIN's acquire_returned at w_ok, the trylock's (failed) at
 * r_fail; T2 then waits for MAIN's release. */
static void trylock_lost_script(struct script *s, uint64_t w_ok, uint64_t r_fail)
{
	const uint64_t mp[6] = { A + 0x8000, 0x1000, FL_PROT_READ };

	mmap_anon(s, 10, 20, A, 0, true);
	mmap_anon(s, 30, 40, B, 0, true);
	call(s, MAIN, FL_MM_MPROTECT, 5990, 9010, 0, mp);
	W_START(s, MAIN, 6000);
	fault(s, T2, 5976, B, WR);			/* fault 1: first write into B */
	R_START(s, T2, 6000);				/* __vmf_anon_prepare's trylock */
	W_OK(s, MAIN, w_ok);
	R_FAIL(s, T2, r_fail);
	R_START(s, T2, 6522);				/* lock_mm_and_find_vma's trylock */
	R_FAIL(s, T2, 6523);
	R_START(s, T2, 6524);				/* mmap_read_lock_killable() */
	W_REL(s, MAIN, 9000);
	R_OK(s, T2, 9001);
	fault_end(s, T2, 9050, false);
	R_REL(s, T2, 9060);
}

/* A writer and the trylock of __vmf_anon_prepare() start locking in the
 * same ns on two CPUs (a node worker's mmap against another's first
 * write, recorded): the writer's acquire_returned comes 361 ns later,
 * the trylock's 521 ns later, failed.  Each took or tried the lock
 * between its two stamps, so the like stamps are what compare: the
 * writer returned first and held it.  The middle of the trylock's span
 * fell before the writer's return, and read as the lock still free.
 * The writer's stamp trails its atomic (mm_lock_seqcount_begin() comes
 * between them), and a trylock that got the lock holds it for hundreds
 * of ns: a writer returning 40 ns after the trylock did (recorded too)
 * had it first as well.  Returned 510 ns before the writer did, after a
 * hold the writer waited for, the trylock got it. */
static void trylock_and_writer_compared_by_their_returns(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x1000, FL_PROT_READ };

	(void)state;
	trylock_lost_script(&s, 6361, 6521);
	play(&r, &s, false);
	EXPECT_RETRY(&r, 1, "no anon_vma");
	EXPECT_GT(&r, 1, FL_GT_FALLBACK, "anon_vma retry");
	replay_free(&r);

	s.n = 0;
	trylock_lost_script(&s, 6361, 6321);
	play(&r, &s, false);
	EXPECT_RETRY(&r, 1, "no anon_vma");
	replay_free(&r);

	s.n = 0;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	call(&s, MAIN, FL_MM_MPROTECT, 5990, 9010, 0, mp);
	W_START(&s, MAIN, 6000);
	fault(&s, T2, 5976, B, WR);
	R_START(&s, T2, 6000);
	R_OK(&s, T2, 6300);
	R_REL(&s, T2, 6800);
	W_OK(&s, MAIN, 6810);
	fault_end(&s, T2, 6850, false);
	W_REL(&s, MAIN, 9000);
	play(&r, &s, false);
	EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
	EXPECT_GT(&r, 1, FL_GT_VMA, "anon_vma trylock");
	replay_free(&r);
}

/* A mapped at 10-20 and written at 100 by T1 (fault 1): A has its
 * anon_vma, so a split's anon_vma_clone() has one to take. */
static void a_written_once(struct script *s)
{
	mmap_anon(s, 10, 20, A, 0, true);
	fault(s, T1, 100, A + 0x9000, WR);
	fault_end(s, T1, 110, false);
}

/* A munmap of A's lower half splits A in __split_vma(), which write-locks
 * A only after vm_area_dup(), the maple-tree preallocation and
 * anon_vma_clone(): a fault in the upper half 400 ns after the munmap's
 * acquire_returned read-locked A first and completes; 1.5 us after, A is
 * write-locked and the fault aborts. */
static void split_write_locks_after_its_allocations(void **state)
{
	const uint64_t at[2] = { 400, 1500 };
	const uint64_t um[6] = { A, LEN / 2 };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct script s = { .n = 0 };
		struct replay r;

		a_written_once(&s);			/* fault 1 */
		locked_call(&s, MAIN, FL_MM_MUNMAP, 1000, 6000, 0, um);	/* acquired at 1002 */
		fault(&s, T2, 1002 + at[i], A + 0xa000, WR);		/* fault 2 */
		fault_end(&s, T2, 1002 + at[i] + 50, false);
		play(&r, &s, false);
		if (i == 0)
			EXPECT_OK(&r, 2, "ok");
		else
			EXPECT_ABORT(&r, 2, "write-locked");
		replay_free(&r);
	}
}

#define H 0x555500000000ULL

/* brk() grows the heap with vma_expand(), whose vma_start_write() comes
 * after check_brk_limits(), the VMA lookups and the vm_enough_memory
 * accounting, and well before perf_event_mmap() and the rest of the hold:
 * a fault 400 ns after the acquire_returned read-locked the heap first,
 * one 3 us after aborts.  mmap_write_unlock() traces released before
 * vma_end_write_all(), and a fault reads its VMA's lock only after its
 * own event (lock_vma_under_rcu()): one stamped 200 ns before the release
 * finds the heap unlocked, one 1 us before aborts. */
static void brk_locks_the_heap_after_its_checks_until_the_release(void **state)
{
	const uint64_t at[4] = { 1002 + 400, 1002 + 3000, 19999 - 200, 19999 - 1000 };
	const uint64_t first[6] = { 0 }, grow[6] = { H + LEN }, more[6] = { H + 2 * LEN };

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct script s = { .n = 0 };
		struct replay r;

		call(&s, MAIN, FL_MM_BRK, 10, 20, (int64_t)H, first);	/* the break */
		locked_call(&s, MAIN, FL_MM_BRK, 30, 40, (int64_t)(H + LEN), grow);
		fault(&s, T1, 100, H + 0x1000, WR);				/* fault 1 */
		fault_end(&s, T1, 110, false);
		locked_call(&s, MAIN, FL_MM_BRK, 1000, 20000, (int64_t)(H + 2 * LEN), more);
		fault(&s, T2, at[i], H + 0x2000, WR);				/* fault 2 */
		fault_end(&s, T2, at[i] + 50, false);
		play(&r, &s, false);
		assert_int_equal(F(&r, 2)->place, FL_PLACE_VMA);
		if (i == 0 || i == 2)
			EXPECT_OK(&r, 2, "ok");
		else
			EXPECT_ABORT(&r, 2, "write-locked");
		replay_free(&r);
	}
}

/* A trace without mmap_lock events: a writer's window is its syscall span
 * (docs/design.md §6), from sys_enter to sys_exit of the mprotect. */
static void syscall_span_windows(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x8000, FL_PROT_READ };
	const struct fl_writer *w;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, false);
	mmap_anon(&s, 30, 40, B, 0, false);
	fault(&s, T1, 100, A, WR);			/* fault 1 */
	fault_end(&s, T1, 110, false);
	fault(&s, T2, 200, B, WR);			/* fault 2 */
	fault_end(&s, T2, 210, false);
	fault(&s, T1, 990, A + 0x3000, WR);		/* fault 3: before the call */
	fault_end(&s, T1, 995, false);
	call(&s, MAIN, FL_MM_MPROTECT, 1000, 2100, 0, mp);
	fault(&s, T1, 2050, A + 0x1000, WR);		/* fault 4: inside, on A */
	fault_end(&s, T1, 2060, false);
	fault(&s, T2, 2070, B + 0x1000, WR);		/* fault 5: inside, on B */
	fault_end(&s, T2, 2075, false);
	fault(&s, T1, 2200, A + 0x2000, WR);		/* fault 6: after it */
	fault_end(&s, T1, 2210, false);
	play(&r, &s, false);

	assert_false(fl_engine_stats(r.e)->lock_events);
	w = W(&r, FL_MM_MPROTECT, 0);
	assert_false(w->has_lock);
	assert_int_equal(w->w_begin, 1000);
	assert_int_equal(w->w_end, 2100);

	EXPECT_OK(&r, 1, "ok, anon_vma under trylock");
	EXPECT_OK(&r, 3, "ok");
	EXPECT_ABORT(&r, 4, "write-locked");
	assert_int_equal(F(&r, 4)->o[0].writer.id, w->id);
	EXPECT_OK(&r, 5, "ok");
	EXPECT_OK(&r, 6, "ok");
	replay_free(&r);
}

/* The same events replayed twice give the same outcomes, field by field,
 * for every run. */
static void build_mixed(struct script *s)
{
	const uint64_t mp[6] = { A + 0x8000, 0x8000, FL_PROT_READ };
	const uint64_t um[6] = { B + 0x8000, 0x8000 };

	memset(s, 0, sizeof(*s));
	mmap_anon(s, 10, 20, A, 0, true);
	mmap_anon(s, 30, 40, B, 0, true);
	mmap_anon(s, 50, 60, G, FL_MAP_GROWSDOWN, true);
	first_write(s, T1, 100, A);
	first_write(s, T2, 200, B);
	call(s, MAIN, FL_MM_MPROTECT, 700, 2105, 0, mp);
	W_START(s, MAIN, 710);
	W_OK(s, MAIN, 720);
	fault(s, T1, 1750, A + 0x1000, WR);
	R_START(s, T1, 2035);
	fault(s, T2, 2040, B + 0x1000, WR);
	fault_end(s, T2, 2045, false);
	W_REL(s, MAIN, 2100);
	R_OK(s, T1, 2101);
	fault_end(s, T1, 2110, false);
	R_REL(s, T1, 2115);
	fault(s, T3, 2150, G - 0x1000, WR);
	fault_end(s, T3, 2190, false);
	fault(s, T1, 2200, A + 0x20000, RD);
	call(s, MAIN, FL_MM_MUNMAP, 2700, 4110, 0, um);
	W_START(s, MAIN, 2710);
	W_OK(s, MAIN, 2720);
	fault(s, T2, 3730, B + 0x2000, RD);
	DOWNGRADE(s, MAIN, 4050);
	fault_end(s, T2, 4055, false);
	fault(s, T1, 4060, B + 0x3000, WR);
	fault_end(s, T1, 4065, false);
	R_REL(s, MAIN, 4100);
}

static void same_outcomes(const struct replay *x, const struct replay *y)
{
	assert_int_equal(x->sink.n, y->sink.n);
	assert_int_equal(x->sink.nw, y->sink.nw);
	for (size_t i = 0; i < x->sink.nw && i < 64; i++) {
		assert_int_equal(x->sink.w[i].id, y->sink.w[i].id);
		assert_int_equal(x->sink.w[i].w_begin, y->sink.w[i].w_begin);
		assert_int_equal(x->sink.w[i].w_end, y->sink.w[i].w_end);
		assert_int_equal(x->sink.w[i].vmas_written, y->sink.w[i].vmas_written);
	}
	for (size_t i = 0; i < x->sink.n; i++) {
		const struct rec *a = &x->sink.r[i], *b = &y->sink.r[i];

		assert_int_equal(a->fault_id, b->fault_id);
		assert_int_equal(a->place, b->place);
		assert_int_equal(a->gt, b->gt);
		assert_string_equal(a->gt_detail, b->gt_detail);
		assert_int_equal(a->gt_wait, b->gt_wait);
		assert_int_equal(a->vma.start, b->vma.start);
		assert_int_equal(a->vma.end, b->vma.end);
		for (size_t k = 0; k < x->nruns; k++) {
			const struct out *p = &a->o[k], *q = &b->o[k];

			assert_true(p->set && q->set);
			assert_int_equal(p->path, q->path);
			assert_int_equal(p->fell_back, q->fell_back);
			assert_string_equal(p->counter, q->counter);
			assert_string_equal(p->reason, q->reason);
			assert_int_equal(p->attempts, q->attempts);
			assert_int_equal(p->latency, q->latency);
			assert_int_equal(p->lock_wait, q->lock_wait);
			assert_int_equal(p->has_writer, q->has_writer);
			if (p->has_writer)
				assert_int_equal(p->writer.id, q->writer.id);
		}
	}
}

static void deterministic(void **state)
{
	struct script *s = malloc(sizeof(*s));
	struct replay x, y;
	size_t fell = 0;

	(void)state;
	assert_non_null(s);
	build_mixed(s);
	play(&x, s, true);
	build_mixed(s);
	play(&y, s, true);
	same_outcomes(&x, &y);
	/* Not vacuous: the mix has fallbacks and successes, in both runs. */
	for (size_t i = 0; i < x.sink.n; i++)
		fell += x.sink.r[i].o[0].fell_back;
	assert_true(fell >= 3);
	assert_true(fell < x.sink.n);
	for (size_t i = 0; i < x.sink.n; i++)
		assert_int_equal(x.sink.r[i].o[1].path, FL_PATH_MMAP_LOCK);	/* classic */
	replay_free(&x);
	replay_free(&y);
	free(s);
}

/* Memory: faults are held back only while a writer that may meet them is
 * open.  A long run of faults over a few VMAs, with a writer now and then
 * and a thread whose faults never get an end event, keeps the fault queue
 * a few entries deep. */
static void long_run_keeps_the_queue_short(void **state)
{
	const size_t nfaults = 200000;
	static const uint64_t base[4] = { A, B, A + 0x200000, B + 0x200000 };
	struct replay r;
	struct fl_event ev;
	uint64_t t = 1000;
	size_t ncalls = 0;

	(void)state;
	replay_start(&r, false);
	r.sink.keep = false;
	for (size_t i = 0; i < 4; i++) {
		struct fl_event c;

		memset(&c, 0, sizeof(c));
		c.kind = FL_EV_MM_CALL;
		c.pid = PID;
		c.tid = MAIN;
		c.u.mm_call.kind = FL_MM_MMAP;
		c.u.mm_call.has_enter = true;
		c.u.mm_call.t_enter = c.t = t;
		c.u.mm_call.args[1] = LEN;
		c.u.mm_call.args[2] = PROT_RW;
		c.u.mm_call.args[3] = MAP_ANON_PRIV;
		c.u.mm_call.args[4] = (uint64_t)-1;
		feed(&r, &c, true);
		c.u.mm_call.has_exit = true;
		c.u.mm_call.t_exit = c.t = t + 5;
		c.u.mm_call.ret = (int64_t)base[i];
		feed(&r, &c, false);
		t += 10;
	}
	for (size_t i = 0; i < nfaults; i++) {
		int32_t tid = T1 + (int32_t)(i % 3);
		uint64_t addr = base[i % 4] + ((i / 4) % 16) * 0x1000;

		/* Every 1000 faults, an mprotect flips a page of A, with two
		 * faults inside its write hold. */
		if (i % 1000 == 999) {
			struct fl_event c;

			memset(&c, 0, sizeof(c));
			c.kind = FL_EV_MM_CALL;
			c.pid = PID;
			c.tid = MAIN;
			c.u.mm_call.kind = FL_MM_MPROTECT;
			c.u.mm_call.has_enter = true;
			c.u.mm_call.t_enter = c.t = t;
			c.u.mm_call.args[0] = A + 0xf000;
			c.u.mm_call.args[1] = 0x1000;
			c.u.mm_call.args[2] = ncalls % 2 ? PROT_RW : FL_PROT_READ;
			feed(&r, &c, true);
			memset(&ev, 0, sizeof(ev));
			ev.kind = FL_EV_MMAP_LOCK;
			ev.pid = PID;
			ev.tid = MAIN;
			ev.u.lock.write = true;
			ev.u.lock.phase = FL_LOCK_START;
			ev.t = t + 1;
			feed(&r, &ev, false);
			ev.u.lock.phase = FL_LOCK_ACQUIRED;
			ev.u.lock.success = true;
			ev.t = t + 2;
			feed(&r, &ev, false);
			t += 10;
			for (int k = 0; k < 2; k++, i++) {
				memset(&ev, 0, sizeof(ev));
				ev.kind = FL_EV_FAULT;
				ev.pid = PID;
				ev.tid = T1 + k;
				ev.t = t;
				fl_fault_from_x86_tracepoint(&ev.u.fault, B + 0x1000 * (uint64_t)k, 0, RD);
				feed(&r, &ev, false);
				ev.kind = FL_EV_FAULT_END;
				ev.t = t + 3;
				feed(&r, &ev, false);
				t += 10;
			}
			memset(&ev, 0, sizeof(ev));
			ev.kind = FL_EV_MMAP_LOCK;
			ev.pid = PID;
			ev.tid = MAIN;
			ev.u.lock.write = true;
			ev.u.lock.phase = FL_LOCK_RELEASED;
			ev.t = t;
			feed(&r, &ev, false);
			c.u.mm_call.has_exit = true;
			c.u.mm_call.t_exit = c.t = t + 2;
			feed(&r, &c, false);
			ncalls++;
			t += 10;
		}
		memset(&ev, 0, sizeof(ev));
		ev.kind = FL_EV_FAULT;
		ev.pid = PID;
		ev.tid = tid;
		ev.t = t;
		fl_fault_from_x86_tracepoint(&ev.u.fault, addr, 0, i % 2 ? WR : RD);
		feed(&r, &ev, false);
		/* T3's faults have no end (a perf software-event trace):
		 * each is closed by its next fault. */
		if (tid != T3) {
			ev.kind = FL_EV_FAULT_END;
			ev.t = t + 40;
			feed(&r, &ev, false);
		}
		t += 100;
	}
	replay_finish(&r);

	assert_true(fl_engine_stats(r.e)->faults >= nfaults);
	assert_int_equal(fl_engine_stats(r.e)->faults, r.sink.n);
	assert_true(ncalls >= 100);
	assert_int_equal(fl_engine_stats(r.e)->writers, 4 + ncalls);
	if (fl_engine_stats(r.e)->max_pending > 32)
		fail_msg("the fault queue grew to %zu for a trace of %llu faults",
			 fl_engine_stats(r.e)->max_pending,
			 (unsigned long long)fl_engine_stats(r.e)->faults);
	replay_free(&r);
}


/* A fault that aborts on a write-locked VMA falls back at once: lock_mmap
 * -> lock_mm_and_find_vma() -> mmap_read_lock_killable() blocks until the
 * writer's mmap_write_unlock(); the wait is recorded. */
static void abort_waits_for_the_writer(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x8000, FL_PROT_READ };

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	fault(&s, T1, 100, A, WR);			/* fault 1: no trylock traced */
	fault_end(&s, T1, 110, false);
	call(&s, MAIN, FL_MM_MPROTECT, 700, 2105, 0, mp);
	W_START(&s, MAIN, 710);
	W_OK(&s, MAIN, 720);
	fault(&s, T1, 1750, A + 0x1000, WR);		/* fault 2: write-locked */
	R_START(&s, T1, 2035);
	W_REL(&s, MAIN, 2100);
	R_OK(&s, T1, 2101);
	fault_end(&s, T1, 2110, false);
	R_REL(&s, T1, 2115);
	play(&r, &s, false);

	EXPECT_ABORT(&r, 2, "write-locked");
	assert_int_equal(F(&r, 2)->gt_wait, 66);	/* the kernel waited */
	/* It fell back as the kernel's did, asking when the kernel's did:
	 * it waits what the kernel's waited. */
	assert_int_equal(F(&r, 2)->o[0].lock_wait, 66);
	replay_free(&r);

	/* Without mmap_lock events the window is the span: the same. */
	memset(&s, 0, sizeof(s));
	mmap_anon(&s, 10, 20, A, 0, false);
	fault(&s, T1, 100, A, WR);
	fault_end(&s, T1, 110, false);
	call(&s, MAIN, FL_MM_MPROTECT, 1000, 2100, 0, mp);
	fault(&s, T1, 2050, A + 0x1000, WR);
	fault_end(&s, T1, 2120, false);
	play(&r, &s, false);
	EXPECT_ABORT(&r, 2, "write-locked");
	assert_int_equal(F(&r, 2)->o[0].lock_wait, 2100 - 2050);
	replay_free(&r);
}

static void sched_ev(struct script *s, int32_t tid, uint64_t t, enum fl_sched_kind kind,
		     int32_t other, uint32_t prev_state)
{
	struct fl_event *ev = add(s, FL_EV_SCHED, t, PID, tid);

	ev->u.sched.kind = kind;
	ev->u.sched.other = other;
	ev->u.sched.prev_state = prev_state;
}

/* T1's fault at 1030 while MAIN, holding mmap_lock for write since 1010,
 * sleeps in D from 1033 (vma_start_write() waiting for its VMA lock); it
 * ends at 1040 and, when wake_at is not 0, wakes MAIN then. */
static void waking_fault(struct script *s, uint64_t addr, unsigned err, uint64_t wake_at)
{
	fault(s, T1, 1030, addr, err);
	sched_ev(s, MAIN, 1033, FL_SCHED_SWITCH, 0, FL_SCHED_STATE_D);
	fault_end(s, T1, 1040, false);
	if (wake_at)
		sched_ev(s, T1, wake_at, FL_SCHED_WAKING, MAIN, 0);
}

/* T2's fault at 1100 that falls back behind MAIN's write lock, released
 * at 1400. */
static void fault_at_release(struct script *s, uint64_t addr, unsigned err)
{
	fault(s, T2, 1100, addr, err);
	R_START(s, T2, 1105);
	W_REL(s, MAIN, 1400);
	R_OK(s, T2, 1401);
	fault_end(s, T2, 1410, false);
	R_REL(s, T2, 1415);
}

/* mprotect() of all of A (no split: vma_start_write() of A comes at once)
 * with a writer window over [1010, 1400], and three write faults on A
 * inside it: fault 2 (T2, 1015),
 * fault 3 (T1, 1030), fault 4 (T2, 1100).  With `woken`, T1 wakes the
 * writer at the end of fault 3: __vma_enter_locked() had put MAIN to sleep
 * in vma_start_write() until fault 3's vma_end_read() (rcuwait_wake_up()
 * of mm->vma_writer_wait).  wake_at moves that wake. */
static void woken_writer_script(struct script *s, bool woken, uint64_t wake_at)
{
	const uint64_t mp[6] = { A, LEN, PROT_RW | FL_PROT_EXEC };

	mmap_anon(s, 10, 20, A, 0, true);
	first_write(s, T1, 100, A);			/* fault 1: the anon_vma */
	call(s, MAIN, FL_MM_MPROTECT, 1000, 1500, 0, mp);
	W_START(s, MAIN, 1005);
	W_OK(s, MAIN, 1010);
	fault(s, T2, 1015, A + 0x1000, WR);		/* fault 2 */
	fault_end(s, T2, 1022, false);
	waking_fault(s, A + 0x2000, WR, woken ? wake_at : 0);	/* fault 3 */
	fault_at_release(s, A + 0x3000, WR);		/* fault 4: after it */
}

/* vma_start_write() -> __vma_enter_locked() waits for the VMA's readers to
 * drain: a writer that a faulting thread wakes at the end of its fault,
 * while it holds mmap_lock for write, had not write-locked that VMA when
 * the fault (and any earlier fault on it) read-locked it, whatever its
 * mmap_lock window says.  Faults on the VMA after the waking one still
 * find it write-locked.  Without the wake the window decides. */
static void woken_writer_locked_the_vma_later(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	woken_writer_script(&s, true, 1043);
	play(&r, &s, false);
	assert_int_equal(r.sink.n, 4);
	EXPECT_OK(&r, 2, "ok");
	EXPECT_OK(&r, 3, "ok");
	EXPECT_ABORT(&r, 4, "write-locked");
	replay_free(&r);

	/* No wake in the trace: every fault in the window aborts. */
	memset(&s, 0, sizeof(s));
	woken_writer_script(&s, false, 0);
	play(&r, &s, false);
	EXPECT_ABORT(&r, 2, "write-locked");
	EXPECT_ABORT(&r, 3, "write-locked");
	EXPECT_ABORT(&r, 4, "write-locked");
	replay_free(&r);

	/* A wake long after the fault's end is something else. */
	memset(&s, 0, sizeof(s));
	woken_writer_script(&s, true, 1040 + 50000);
	play(&r, &s, false);
	EXPECT_ABORT(&r, 3, "write-locked");
	replay_free(&r);
}

/* Two VMAs one above the other: A (read-write, its anon_vma made by fault
 * 1) and A + LEN (read-only, so they do not merge).  One writer holds
 * mmap_lock over [1010, 1400]: with WALK_MERGE an mprotect() that makes
 * A + LEN read-write (it merges into A, its prev), else a munmap() of
 * both.  Fault 3 on `waited` wakes the writer at its end (1043), as in
 * woken_writer_script() (with `raced`, the writer is still on its CPU
 * then, and switches out in D at 1044); the writer is back on a CPU at
 * 1050 (switched in).  Faults 2 (1015), 4 (1045) and 5 (1100) read the
 * other VMA. */
enum walk { WALK_UP, WALK_DOWN, WALK_MERGE };

static void walk_script_seen(struct script *s, enum walk how, bool by_wake, bool raced)
{
	const uint64_t ro[6] = { 0, LEN, FL_PROT_READ, MAP_ANON_PRIV, (uint64_t)-1, 0 };
	const uint64_t mu[6] = { A, 2 * LEN };
	const uint64_t mp[6] = { A + LEN, LEN, PROT_RW };
	uint64_t waited = how == WALK_UP ? A : A + LEN, other = how == WALK_UP ? A + LEN : A;

	mmap_anon(s, 10, 20, A, 0, true);
	locked_call(s, MAIN, FL_MM_MMAP, 30, 40, (int64_t)(A + LEN), ro);
	first_write(s, T1, 100, A);			/* fault 1: the anon_vma */
	if (how == WALK_MERGE)
		call(s, MAIN, FL_MM_MPROTECT, 1000, 1500, 0, mp);
	else
		call(s, MAIN, FL_MM_MUNMAP, 1000, 1500, 0, mu);
	W_START(s, MAIN, 1005);
	W_OK(s, MAIN, 1010);
	fault(s, T2, 1015, other + 0x1000, RD);		/* fault 2 */
	fault_end(s, T2, 1022, false);
	if (raced) {	/* woken at 1043 still on its CPU, asleep from 1044 */
		fault(s, T1, 1030, waited + 0x2000, RD);	/* fault 3 */
		fault_end(s, T1, 1040, false);
		sched_ev(s, T1, 1043, FL_SCHED_WAKING, MAIN, 0);
		sched_ev(s, MAIN, 1044, FL_SCHED_SWITCH, T3, FL_SCHED_STATE_D);
	} else {
		waking_fault(s, waited + 0x2000, RD, 1043);	/* fault 3 */
	}
	fault(s, T2, 1045, other + 0x3000, RD);		/* fault 4: woken, not on a CPU */
	fault_end(s, T2, 1048, false);
	if (by_wake)	/* MAIN wakes T3: it is the task on the CPU */
		sched_ev(s, MAIN, 1050, FL_SCHED_WAKING, T3, 0);
	else
		sched_ev(s, T1, 1050, FL_SCHED_SWITCH, MAIN, 0);
	fault_at_release(s, other + 0x4000, RD);	/* fault 5: running again */
}

static void walk_script(struct script *s, enum walk how)
{
	walk_script_seen(s, how, false, false);
}

/* A writer that sleeps in vma_start_write() on one VMA's reader locks the
 * other VMAs of its call in walk order: the calls walk their range upwards
 * (vms_gather_munmap_vmas(), madvise_walk_vmas(), the mprotect_fixup()
 * loop), and a merge write-locks the prev below the range after the VMA it
 * changes (vma_merge_existing_range()).  So while it sleeps, and until the
 * scheduler runs it again after the wake, the VMAs above the one it waits
 * on, and the prev, are not yet write-locked: faults on them run under
 * their VMA locks.  The VMAs below it in the range it had locked. */
static void woken_writer_locks_the_rest_of_its_walk_later(void **state)
{
	/* Faults 2 (before the sleep) and 4 (woken, not yet on a CPU) find
	 * the other VMA write-locked; fault 3 (the waking one) never does,
	 * fault 5 (running again) always does. */
	static const struct {
		enum walk how;
		bool locked;
	} cases[] = {
		{ WALK_UP, false },	/* waits on A: A + LEN is above */
		{ WALK_DOWN, true },	/* waits on A + LEN: A is below, in the range */
		{ WALK_MERGE, false },	/* waits on A + LEN: A is its prev */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct script s = { .n = 0 };
		struct replay r;

		walk_script(&s, cases[i].how);
		play(&r, &s, false);
		assert_int_equal(r.sink.n, 5);
		for (int id = 2; id <= 4; id += 2) {
			if (cases[i].locked)
				EXPECT_ABORT(&r, id, "write-locked");
			else
				EXPECT_OK(&r, id, "ok");
		}
		EXPECT_OK(&r, 3, "ok");
		EXPECT_ABORT(&r, 5, "write-locked");
		replay_free(&r);
	}
}

/* The wake can come while the writer is still on its CPU, on its way into
 * __vma_enter_locked()'s wait: the reader's vma_end_read() drops its
 * reference after the writer's check, and rcuwait_wake_up() finds the
 * writer not yet switched out.  The writer then switches out in D, the
 * queued wake makes it runnable, and it goes on, write-locking the rest,
 * only once it is back on a CPU.  WALK_MERGE with that order: T1's fault 3
 * wakes MAIN at 1043, MAIN switches out in D at 1044 and is back at 1050.
 * Fault 4 (1045) on the prev still keeps its VMA lock; fault 5 aborts.
 * (x86_64 6.18, record -a of proctree: a madvise woken 350 ns before it
 * switched out in D ran again 906 us later, and 39 faults on the prev it
 * merges with kept their VMA locks meanwhile.) */
static void writer_woken_before_its_sleep_locks_the_rest_once_it_runs(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	walk_script_seen(&s, WALK_MERGE, false, true);
	play(&r, &s, false);
	assert_int_equal(r.sink.n, 5);
	EXPECT_OK(&r, 2, "ok");
	EXPECT_OK(&r, 3, "ok");
	EXPECT_OK(&r, 4, "ok");
	EXPECT_ABORT(&r, 5, "write-locked");
	replay_free(&r);
}

/* From 6.14 ("mm: simplify vma merge structure and expand comments"),
 * vma_merge_existing_range() write-locks the VMA it changes, then next,
 * then prev.  [A, A + 3 LEN) is written once (one anon_vma), then its
 * middle LEN made read-only: prev, middle and next share the anon_vma.
 * At 1000 MAIN makes the middle read-write again, merging all three; T1,
 * reading prev, wakes it at 1043 (MAIN slept on prev's reader from 1033).
 * By then MAIN had write-locked next: T2's fault 5 on next (1045) aborts,
 * as does fault 4 on prev after the waking fault 3 (__vma_enter_locked()
 * had raised prev's vm_refcnt).  (x86_64 6.18, record -a of proctree:
 * a fault on the next of a madvise asleep on its prev's reader fell
 * back.) */
static void merge_locks_next_before_prev(void **state)
{
	const uint64_t ro[6] = { A + LEN, LEN, FL_PROT_READ };
	const uint64_t rw[6] = { A + LEN, LEN, PROT_RW };
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1: the anon_vma */
	mmap_anon(&s, 200, 210, A + LEN, FL_MAP_FIXED, true);
	mmap_anon(&s, 220, 230, A + 2 * LEN, FL_MAP_FIXED, true);
	locked_call(&s, MAIN, FL_MM_MPROTECT, 300, 310, 0, ro);
	fault(&s, T2, 400, A + 2 * LEN + 0x1000, RD);	/* fault 2 */
	fault_end(&s, T2, 410, false);
	call(&s, MAIN, FL_MM_MPROTECT, 1000, 1500, 0, rw);
	W_START(&s, MAIN, 1005);
	W_OK(&s, MAIN, 1010);
	waking_fault(&s, A + 0x2000, RD, 1043);		/* fault 3, on prev */
	fault(&s, T3, 1044, A + 0x3000, RD);		/* fault 4, on prev */
	fault_end(&s, T3, 1046, false);
	fault(&s, T2, 1045, A + 2 * LEN + 0x3000, RD);	/* fault 5, on next */
	fault_end(&s, T2, 1048, false);
	sched_ev(&s, T1, 1050, FL_SCHED_SWITCH, MAIN, 0);
	fault_at_release(&s, A + 0x4000, RD);		/* fault 6 */
	play(&r, &s, false);
	assert_int_equal(r.sink.n, 6);
	EXPECT_OK(&r, 3, "ok");
	EXPECT_ABORT(&r, 4, "write-locked");
	EXPECT_ABORT(&r, 5, "write-locked");
	EXPECT_ABORT(&r, 6, "write-locked");
	replay_free(&r);
}

/* A (read-write, its anon_vma made by fault 1) with, when `reserved`, a
 * PROT_NONE reservation above it (Go's and the JVM's heap).  At 1000 MAIN
 * maps A + LEN read-write, MAP_FIXED, holding mmap_lock for write over
 * [1010, 1600]: over the reservation, or into a hole.  The new mapping
 * merges into A.  T1 writes A at 1030 (fault 2) and at 1280 (fault 3),
 * each before the release. */
static void heap_growth_script_at(struct script *s, bool reserved, uint64_t preempt,
				  uint64_t resume, uint64_t t3)
{
	const uint64_t res[6] = { A + LEN, 4 * LEN, 0, MAP_ANON_PRIV | FL_MAP_FIXED,
				  (uint64_t)-1, 0 };
	const uint64_t grow[6] = { A + LEN, LEN, PROT_RW, MAP_ANON_PRIV | FL_MAP_FIXED,
				   (uint64_t)-1, 0 };

	mmap_anon(s, 10, 20, A, 0, true);
	first_write(s, T1, 100, A);			/* fault 1 */
	if (reserved)
		call(s, MAIN, FL_MM_MMAP, 200, 210, (int64_t)(A + LEN), res);
	call(s, MAIN, FL_MM_MMAP, 1000, 1700, (int64_t)(A + LEN), grow);
	W_START(s, MAIN, 1005);
	W_OK(s, MAIN, 1010);
	if (preempt)	/* switched out runnable (R+), then back at resume */
		sched_ev(s, MAIN, preempt, FL_SCHED_SWITCH, T3, FL_SCHED_STATE_PREEMPTED);
	if (resume)
		sched_ev(s, T3, resume, FL_SCHED_SWITCH, MAIN, 0);	/* T3: not traced */
	fault(s, T1, 1030, A + 0x1000, WR);		/* fault 2 */
	fault_end(s, T1, 1040, false);
	fault(s, T2, t3, A + 0x2000, WR);		/* fault 3 */
	R_START(s, T2, t3 + 5);
	W_REL(s, MAIN, 1600);
	R_OK(s, T2, 1601);
	fault_end(s, T2, 1610, false);
	R_REL(s, T2, 1615);
}

static void heap_growth_script_preempted(struct script *s, bool reserved, uint64_t preempt,
					 uint64_t resume)
{
	heap_growth_script_at(s, reserved, preempt, resume, 1280);
}

static void heap_growth_script(struct script *s, bool reserved)
{
	heap_growth_script_preempted(s, reserved, 0, 0);
}

/* __mmap_region(): an mmap over an existing mapping first gathers and
 * clears what it replaces (vms_gather_munmap_vmas(), vms_clean_up_area())
 * and only then merges, so vma_expand() write-locks the prev it grows
 * part-way through the hold: a fault on the prev early in the hold keeps
 * its VMA lock, a later one aborts.  Into a hole, the merge comes after
 * get_unmapped_area() and the checks, before perf_event_mmap(): the same
 * two faults, at 3% and 46% of the hold, keep it and abort; one at 30%
 * aborts there, and keeps it behind a replacing mmap. */
static void replacing_mmap_locks_its_merge_later(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	heap_growth_script(&s, true);
	play(&r, &s, false);
	assert_int_equal(r.sink.n, 3);
	EXPECT_OK(&r, 2, "ok");
	EXPECT_ABORT(&r, 3, "write-locked");
	replay_free(&r);

	memset(&s, 0, sizeof(s));
	heap_growth_script(&s, false);
	play(&r, &s, false);
	EXPECT_OK(&r, 2, "ok");
	EXPECT_ABORT(&r, 3, "write-locked");
	replay_free(&r);

	for (int hole = 0; hole < 2; hole++) {
		memset(&s, 0, sizeof(s));
		heap_growth_script_at(&s, !hole, 0, 0, 1010 + 177);	/* 30% */
		play(&r, &s, false);
		if (hole)
			EXPECT_ABORT(&r, 3, "write-locked");
		else
			EXPECT_OK(&r, 3, "ok");
		replay_free(&r);
	}
}

/* On a kernel that is not fully preemptible a writer holding mmap_lock is
 * preempted only at a cond_resched(), as in the zap of the range a
 * replacing mmap unmaps: it merges only once it runs again.  Preempted at
 * 1020, back at 1290, it has not write-locked A at fault 3 (1280); back
 * at 1100, it has. */
static void preempted_replacing_mmap_merges_once_it_runs(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	heap_growth_script_preempted(&s, true, 1020, 1290);
	play(&r, &s, false);
	assert_int_equal(r.sink.n, 3);
	EXPECT_OK(&r, 2, "ok");
	EXPECT_OK(&r, 3, "ok");
	replay_free(&r);

	memset(&s, 0, sizeof(s));
	heap_growth_script_preempted(&s, true, 1020, 1100);
	play(&r, &s, false);
	EXPECT_OK(&r, 2, "ok");
	EXPECT_ABORT(&r, 3, "write-locked");
	replay_free(&r);
}

/* faultline record traces a task's switches out, not its switches in: a
 * woken writer that wakes another task is on a CPU, and has gone on with
 * its walk.  Fault 5 finds the other VMA write-locked. */
static void writer_seen_by_its_wake_of_another(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	walk_script_seen(&s, WALK_UP, true, false);
	play(&r, &s, false);
	assert_int_equal(r.sink.n, 5);
	EXPECT_OK(&r, 4, "ok");
	EXPECT_ABORT(&r, 5, "write-locked");
	replay_free(&r);
}

/* An mprotect of part of A splits A.  MAIN goes to sleep (D) 15 us after
 * its acquire with no fault of its mm in flight: on an allocation or the
 * anon_vma's rwsem, before __split_vma()'s vma_start_write().  Fault 3,
 * on the part A keeps, comes while it sleeps and completes under its VMA
 * lock; fault 4, once MAIN is seen running again, aborts.  When T1 woke
 * MAIN at the end of fault 2 (vma_end_read(): MAIN waited for that VMA
 * reader), its sleep is that wait, and fault 3 aborts.  So it does when
 * T1 was inside madvise(MADV_DONTNEED) as MAIN went to sleep: from 6.17
 * that holds A's VMA read lock, not mmap_lock (madvise_lock(),
 * get_lock_mode()), and its madvise_unlock() wakes MAIN; and when that
 * wake is not in the trace, the madvise in flight as MAIN went to sleep is
 * enough. */
static void split_writer_asleep_before_its_lock(void **state)
{
	const uint64_t mp[6] = { A + 0x4000, 0x1000, PROT_RW | FL_PROT_EXEC };
	const uint64_t dontneed[6] = { A + 0x8000, 0x1000, 4 /* MADV_DONTNEED */ };

	(void)state;
	for (int woken = 0; woken < 4; woken++) {
		struct script s = { .n = 0 };
		struct replay r;

		a_written_once(&s);			/* fault 1 */
		locked_call(&s, MAIN, FL_MM_MPROTECT, 1000, 90000, 0, mp);	/* acquired at 1002 */
		fault(&s, T1, 1500, A + 0xa000, WR);	/* fault 2 */
		fault_end(&s, T1, 1600, false);
		if (woken == 1)
			sched_ev(&s, T1, 1700, FL_SCHED_WAKING, MAIN, 0);
		if (woken >= 2)
			call(&s, T1, FL_MM_MADVISE, 1700, 41000, 0, dontneed);
		if (woken == 2)
			sched_ev(&s, T1, 40000, FL_SCHED_WAKING, MAIN, 0);
		sched_ev(&s, MAIN, 16000, FL_SCHED_SWITCH, T2, FL_SCHED_STATE_D);
		fault(&s, T2, 30000, A + 0xb000, WR);	/* fault 3 */
		fault_end(&s, T2, 30100, false);
		sched_ev(&s, T2, 50000, FL_SCHED_SWITCH, MAIN, 0);	/* MAIN runs */
		fault(&s, T1, 52000, A + 0xc000, WR);	/* fault 4 */
		fault_end(&s, T1, 52100, false);
		play(&r, &s, false);
		EXPECT_OK(&r, 2, "ok");
		if (woken)
			EXPECT_ABORT(&r, 3, "write-locked");
		else
			EXPECT_OK(&r, 3, "ok");
		EXPECT_ABORT(&r, 4, "write-locked");
		replay_free(&r);
	}
}

/* A private file mapping (a file_id: ->map_pages, filemap_fault()) read
 * by minor faults at 2000, 2100 and 2200. */
static void file_faults_script(struct script *s, enum fl_ev_kind what, uint32_t state_)
{
	const uint64_t args[6] = { 0, LEN, FL_PROT_READ, FL_MAP_PRIVATE, 3, 0 };
	struct fl_event *ev;

	call(s, MAIN, FL_MM_MMAP, 10, 20, (int64_t)B, args);
	fault(s, T1, 2000, B, RD);			/* fault 1: nothing */
	fault_end(s, T1, 2010, false);
	fault(s, T1, 2100, B + 0x4000, RD);		/* fault 2: the evidence */
	if (what == FL_EV_READAHEAD) {
		ev = add(s, FL_EV_READAHEAD, 2103, PID, T1);
		ev->u.ra.async = true;
		ev->u.ra.ino = 42;
		ev->u.ra.index = 4;
	} else {
		sched_ev(s, T1, 2103, FL_SCHED_SWITCH, 0, state_);
	}
	R_START(s, T1, 2150);
	R_OK(s, T1, 2151);
	fault_end(s, T1, 2160, false);
	R_REL(s, T1, 2161);
	/* fault 3: readahead outside any fault (a read()) changes nothing. */
	ev = add(s, FL_EV_READAHEAD, 2190, PID, T1);
	ev->u.ra.async = false;
	fault(s, T1, 2200, B + 0x8000, RD);
	fault_end(s, T1, 2210, false);
}

/* filemap_fault() under FAULT_FLAG_VMA_LOCK: do_async_mmap_readahead() on
 * a PG_readahead folio, or do_sync_mmap_readahead(), calls
 * maybe_unlock_mmap_for_io() and the fault returns VM_FAULT_RETRY: a
 * minor fault that started readahead fell back.  So did one that slept in
 * D: lock_folio_maybe_drop_mmap() drops the lock before sleeping on a
 * locked folio.  A sleep in S (preempted, a signal wait) is not that. */
static void file_fault_that_waited_retries(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	file_faults_script(&s, FL_EV_READAHEAD, 0);
	play(&r, &s, false);
	assert_int_equal(F(&r, 2)->handler, FL_H_FILE_READ);
	EXPECT_OK(&r, 1, "ok");
	EXPECT_RETRY(&r, 2, "readahead");
	EXPECT_GT(&r, 2, FL_GT_FALLBACK, "");
	EXPECT_OK(&r, 3, "ok");
	replay_free(&r);

	memset(&s, 0, sizeof(s));
	file_faults_script(&s, FL_EV_SCHED, FL_SCHED_STATE_D);
	play(&r, &s, false);
	EXPECT_RETRY(&r, 2, "folio locked");
	replay_free(&r);

	memset(&s, 0, sizeof(s));
	file_faults_script(&s, FL_EV_SCHED, 0x1);	/* S */
	play(&r, &s, false);
	EXPECT_OK(&r, 2, "ok");
	replay_free(&r);
}

/* ---------------------------------------------------------------------- */
/* Process trees: whose address space each fault is in                   */

#define CHILD 200
#define STRANGER 300
#define PG 0x1000ULL

static void task(struct script *s, uint64_t t, int32_t pid, int32_t tid, enum fl_task_kind kind,
		 int32_t child, bool clone_vm)
{
	struct fl_event *ev = add(s, FL_EV_TASK, t, pid, tid);

	ev->u.task.kind = kind;
	ev->u.task.child_pid = ev->u.task.child_tid = child;
	ev->u.task.clone_vm_known = true;
	ev->u.task.clone_vm = clone_vm;
	snprintf(ev->u.task.comm, sizeof(ev->u.task.comm), "p%d", pid);
}

/* A mapping as the faultline recorder reports it: whole (one line of a
 * /proc/PID/maps read) or alone (a PERF_RECORD_MMAP2). */
static void mapping(struct script *s, uint64_t t, int32_t pid, uint64_t start, uint64_t end,
		    const char *perms, const char *path, bool whole)
{
	struct fl_event *ev = add(s, FL_EV_VMA_SNAPSHOT, t, pid, -1);

	ev->u.vma.start = start;
	ev->u.vma.end = end;
	ev->u.vma.end_known = true;
	ev->u.vma.whole = whole;
	snprintf(ev->u.vma.perms, sizeof(ev->u.vma.perms), "%s", perms);
	snprintf(ev->u.vma.path, sizeof(ev->u.vma.path), "%s", path);
}

static void pfault(struct script *s, int32_t pid, int32_t tid, uint64_t t, uint64_t addr,
		   unsigned err)
{
	struct fl_event *ev = add(s, FL_EV_FAULT, t, pid, tid);

	fl_fault_from_x86_tracepoint(&ev->u.fault, addr, 0x401000, err);
	add(s, FL_EV_FAULT_END, t + 5, pid, tid);
}

/* fs/exec.c begin_new_exec(): exec_mmap() gives the process a new mm, with
 * only what the ELF loader then maps (PERF_RECORD_MMAP2 after the exec's
 * PERF_RECORD_COMM): the old image's addresses are holes from then on. */
static void exec_gives_a_new_mm(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	task(&s, 50, PID, MAIN, FL_TASK_EXEC_MM, -1, false);
	mapping(&s, 51, PID, B, B + LEN, "r-xp", "/usr/bin/python3", false);
	task(&s, 52, PID, MAIN, FL_TASK_EXEC, -1, false);
	pfault(&s, PID, MAIN, 60, A + PG, RD);		/* fault 1: the old image */
	pfault(&s, PID, MAIN, 70, B + PG, RD);		/* fault 2: the new one */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_NO_VMA);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 2)->vma.kind, FL_VMA_FILE);
	replay_free(&r);
}

/* A writer still open when its thread's process gets a new mm (its
 * release or its call's exit lost, or ordered after the exec): it is
 * completed once, from the open list of the mm it began in, and the
 * replay's end does not wait on it for ever. */
static void writer_open_across_an_exec(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	W_START(&s, MAIN, 40);
	W_OK(&s, MAIN, 41);
	task(&s, 50, PID, MAIN, FL_TASK_EXEC_MM, -1, false);
	mapping(&s, 51, PID, B, B + LEN, "r-xp", "/usr/bin/python3", false);
	task(&s, 52, PID, MAIN, FL_TASK_EXEC, -1, false);
	W_REL(&s, MAIN, 60);
	pfault(&s, PID, MAIN, 70, B + PG, RD);
	play(&r, &s, false);

	assert_int_equal(r.sink.nw, 1);
	assert_int_equal(r.sink.w[0].t_lock_acquired, 41);
	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	replay_free(&r);
}

/* kernel/fork.c copy_mm(): with CLONE_VM (vfork, posix_spawn) the child
 * shares the parent's mm; its exec (exec_mmap()) gives the child a new one
 * and leaves the parent's as it was. */
static void vfork_child_exec_leaves_the_parent(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	task(&s, 10, PID, MAIN, FL_TASK_FORK, CHILD, true);
	pfault(&s, CHILD, CHILD, 20, A + PG, WR);	/* fault 1: the shared mm */
	task(&s, 50, CHILD, CHILD, FL_TASK_EXEC_MM, -1, false);
	mapping(&s, 51, CHILD, B, B + LEN, "r-xp", "/usr/bin/helper", false);
	task(&s, 52, CHILD, CHILD, FL_TASK_EXEC, -1, false);
	pfault(&s, PID, MAIN, 60, A + 2 * PG, WR);	/* fault 2: the parent's A */
	pfault(&s, CHILD, CHILD, 70, A + 3 * PG, WR);	/* fault 3: not the child's */
	pfault(&s, CHILD, CHILD, 80, B + PG, RD);	/* fault 4: the child's image */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_VMA);
	EXPECT_OK(&r, 2, "ok");
	assert_int_equal(F(&r, 3)->place, FL_PLACE_NO_VMA);
	assert_int_equal(F(&r, 4)->place, FL_PLACE_VMA);
	replay_free(&r);
}

/* A vfork child runs on its parent's mm until its exec, and first builds
 * the exec's new mm: bprm_mm_init() write-locks it, copy_strings() reads
 * it.  Those are another mm's locks (their mm address is not the
 * parent's): MAIN's first write at 25, whose anon_vma trylock comes while
 * the child holds the new mm, meets no writer. */
static void vfork_child_builds_its_exec_mm_apart(void **state)
{
	const uint64_t new_mm = 0xffff888000004000ULL;
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	R_START(&s, MAIN, 2);		/* the parent's mm address */
	R_OK(&s, MAIN, 3);
	R_REL(&s, MAIN, 4);
	task(&s, 10, PID, MAIN, FL_TASK_FORK, CHILD, true);
	lock_of(&s, CHILD, 20, FL_LOCK_START, true, false, new_mm);
	lock_of(&s, CHILD, 21, FL_LOCK_ACQUIRED, true, true, new_mm);
	first_write(&s, MAIN, 25, A);		/* fault 1 */
	lock_of(&s, CHILD, 40, FL_LOCK_RELEASED, true, false, new_mm);
	play(&r, &s, false);

	assert_int_equal(r.sink.n, 1);
	assert_false(F(&r, 1)->o[0].fell_back);
	assert_string_equal(F(&r, 1)->o[0].counter, "vma_lock_success");
	assert_int_equal(r.sink.nw, 0);
	replay_free(&r);
}

/* perf records no clone flags: posix_spawn's child (CLONE_VM|CLONE_VFORK)
 * looks like a fork.  Its first mmap_lock event names the parent's mm
 * (the mm_struct address of the parent's own lock events): it runs on the
 * parent's mm, so the first write into the stack the parent mapped for it
 * (B) meets T2's write hold there, and its anon_vma trylock fails.  The
 * image its exec maps (before perf's COMM) goes to a new mm of its own,
 * not into the parent's. */
static void spawn_child_found_by_its_mm(void **state)
{
	const uint64_t mp[6] = { A + 0x8000, 0x1000, FL_PROT_READ };
	struct script s = { .n = 0 };
	struct replay r;
	struct fl_event *ev;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	task(&s, 50, PID, MAIN, FL_TASK_FORK, CHILD, false);
	s.v[s.n - 1].ev.u.task.clone_vm_known = false;
	locked_call(&s, T2, FL_MM_MPROTECT, 1000, 5000, 0, mp);	/* held 1002..4999 */
	ev = add(&s, FL_EV_FAULT, 2000, CHILD, CHILD);		/* fault 1 */
	fl_fault_from_x86_tracepoint(&ev->u.fault, B + 0x10, 0x401000, WR);
	R_START(&s, CHILD, 2100);				/* __vmf_anon_prepare() */
	R_FAIL(&s, CHILD, 2110);
	R_START(&s, CHILD, 2111);
	R_OK(&s, CHILD, 5001);
	add(&s, FL_EV_FAULT_END, 5050, CHILD, CHILD);
	R_REL(&s, CHILD, 5060);
	mapping(&s, 6000, CHILD, G, G + LEN, "r-xp", "/usr/bin/true", false);
	task(&s, 6001, CHILD, CHILD, FL_TASK_EXEC, -1, false);
	pfault(&s, PID, MAIN, 7000, G + PG, RD);		/* fault 2: not the parent's */
	pfault(&s, CHILD, CHILD, 7100, G + PG, RD);		/* fault 3: the child's image */
	play(&r, &s, false);

	EXPECT_RETRY(&r, 1, "no anon_vma");
	assert_int_not_equal(F(&r, 2)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	replay_free(&r);
}

#define US 1000

/* MAIN forks holding its own mm from t0 - 2 and the child's over [t0,
 * t0 + walk]; `gap`: it is switched out (preempted) at t0 + gap, with no
 * switch in seen before the end. */
static void fork_walk(struct script *s, uint64_t t0, uint64_t walk, uint64_t gap)
{
	const uint64_t child_mm = 0xffff888000003000ULL;

	W_START(s, MAIN, t0 - 3);
	W_OK(s, MAIN, t0 - 2);
	lock_of(s, MAIN, t0 - 1, FL_LOCK_START, true, false, child_mm);
	lock_of(s, MAIN, t0, FL_LOCK_ACQUIRED, true, true, child_mm);
	if (gap)
		sched_ev(s, MAIN, t0 + gap, FL_SCHED_SWITCH, 0, FL_SCHED_STATE_PREEMPTED);
	lock_of(s, MAIN, t0 + walk, FL_LOCK_RELEASED, true, false, child_mm);
	W_REL(s, MAIN, t0 + walk + 5);
}

/* fork(): dup_mmap() holds the parent's mmap_lock for write, write-locks
 * the child's new mm too (mmap_write_lock_nested()), and walks the
 * parent's VMAs in address order, vma_start_write() on each as it copies
 * it; each stays write-locked until the parent's lock is let go.  MAIN
 * forks holding its mm from 1002, the child's over [1004, 201004] (200
 * us): the walk reaches A (the lower) 30 us in, B (which costs it as much
 * as A) half-way through the rest.  T2 faults on B at 20 us (not reached:
 * its VMA lock) and on A at 40 us (reached: aborts); T1 on B at 160 us:
 * reached, unless MAIN was off its CPU from 50 to 150 us, when the walk
 * stood still. */
static void fork_walk_locks_the_vmas_in_address_order(void **state)
{
	(void)state;
	for (int preempted = 0; preempted < 2; preempted++) {
		struct script s = { .n = 0 };
		struct replay r;

		mmap_anon(&s, 10, 20, A, 0, true);
		mmap_anon(&s, 30, 40, B, 0, true);
		first_write(&s, T1, 100, A);		/* fault 1 */
		first_write(&s, T1, 200, B);		/* fault 2 */
		fork_walk(&s, 1004, 200 * US, 0);
		fault(&s, T2, 20 * US, B + 0x1000, WR);	/* fault 3 */
		fault_end(&s, T2, 20 * US + 10, false);
		fault(&s, T2, 40 * US, A + 0x1000, WR);	/* fault 4 */
		if (preempted) {
			sched_ev(&s, MAIN, 50 * US, FL_SCHED_SWITCH, T3, FL_SCHED_STATE_PREEMPTED);
			sched_ev(&s, T3, 150 * US, FL_SCHED_SWITCH, MAIN, 0);
		}
		fault(&s, T1, 160 * US, B + 0x2000, WR);	/* fault 5 */
		fault_end(&s, T2, 203 * US, false);
		fault_end(&s, T1, 204 * US, false);
		task(&s, 205 * US, PID, MAIN, FL_TASK_FORK, CHILD, false);
		play(&r, &s, false);

		assert_int_equal(r.sink.n, 5);
		EXPECT_OK(&r, 3, "ok");
		EXPECT_ABORT(&r, 4, "write-locked");
		if (preempted)
			EXPECT_OK(&r, 5, "ok");
		else
			EXPECT_ABORT(&r, 5, "write-locked");
		for (size_t i = 0; i < r.sink.nw; i++) {	/* the fork's: every VMA */
			if (!r.sink.w[i].traced) {
				assert_true(r.sink.w[i].fork);
				assert_int_equal(r.sink.w[i].vmas_written, 2);
			}
		}
		/* The walk's VMAs are known: no warning of a blind hold. */
		assert_int_equal(fl_engine_stats(r.e)->in_untraced_hold, 0);
		replay_free(&r);
	}
}

/* mbind() (mbind_range() -> vma_modify_policy()), mseal() and the like
 * take mmap_lock for write and write-lock the VMAs they change, but
 * neither recorder traces the call: the trace
 * has the hold and no call.  Which VMAs it locked is unknown, so the
 * faults of its mm made during it are counted (and the replay warns):
 * T2's at 1500, inside MAIN's hold [1000, 3000]; not T2's at 4000, after
 * it, nor that of process 200 at 2000. */
static void untraced_write_hold_counts_the_faults_inside(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	first_write(&s, T1, 100, A);		/* fault 1 */
	W_START(&s, MAIN, 999);
	W_OK(&s, MAIN, 1000);
	fault(&s, T2, 1500, A + 0x1000, WR);	/* fault 2: inside */
	pfault(&s, 200, 200, 2000, A + 0x2000, WR);	/* another mm */
	W_REL(&s, MAIN, 3000);
	fault_end(&s, T2, 3100, false);
	fault(&s, T2, 4000, A + 0x3000, WR);	/* after */
	fault_end(&s, T2, 4100, false);
	play(&r, &s, false);

	assert_int_equal(fl_engine_stats(r.e)->in_untraced_hold, 1);
	EXPECT_OK(&r, 2, "ok");		/* answered as if it locked nothing */
	replay_free(&r);
}

/* mlock() of the upper half of A (mm/mlock.c apply_vma_lock_flags() ->
 * mlock_fixup() -> vma_modify_flags() -> split_vma()): A is write-locked
 * for the rest of the hold, as under mprotect(), and B is not.  A second
 * mlock2() of the same half finds VM_LOCKED already set: mlock_fixup()
 * returns before vma_modify_flags(), so nothing is write-locked and a
 * fault there during that hold keeps its VMA lock.  munlock() of it
 * merges it back into A's lower half: both are write-locked. */
static void mlock_write_locks_only_what_it_changes(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t ml[6] = { A + 0x8000, 0x8000 };
	const uint64_t ml2[6] = { A + 0x8000, 0x8000, 0 };
	const struct fl_writer *w;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1 */
	first_write(&s, T2, 200, B);			/* fault 2 */

	call(&s, MAIN, FL_MM_MLOCK, 700, 2105, 0, ml);
	W_START(&s, MAIN, 710);
	W_OK(&s, MAIN, 720);
	fault(&s, T1, 1750, A + 0x1000, WR);		/* fault 3: in A, write-locked */
	R_START(&s, T1, 2035);
	fault(&s, T2, 2040, B + 0x1000, WR);		/* fault 4: in B, untouched */
	fault_end(&s, T2, 2045, false);
	W_REL(&s, MAIN, 2100);
	R_OK(&s, T1, 2101);
	fault_end(&s, T1, 2110, false);
	R_REL(&s, T1, 2115);

	call(&s, MAIN, FL_MM_MLOCK2, 3000, 4105, 0, ml2);
	W_START(&s, MAIN, 3010);
	W_OK(&s, MAIN, 3020);
	fault(&s, T1, 3750, A + 0x9000, WR);		/* fault 5: VM_LOCKED already */
	fault_end(&s, T1, 3760, false);
	W_REL(&s, MAIN, 4100);

	call(&s, MAIN, FL_MM_MUNLOCK, 5000, 6105, 0, ml);
	W_START(&s, MAIN, 5010);
	W_OK(&s, MAIN, 5020);
	fault(&s, T1, 5750, A + 0x2000, WR);		/* fault 6: the merge's prev */
	R_START(&s, T1, 5760);
	W_REL(&s, MAIN, 6100);
	R_OK(&s, T1, 6101);
	fault_end(&s, T1, 6110, false);
	R_REL(&s, T1, 6115);
	play(&r, &s, false);

	assert_int_equal(r.sink.n, 6);
	w = W(&r, FL_MM_MLOCK, 0);
	assert_true(w->vmas_written >= 2);		/* A modified, its upper half created */
	w = W(&r, FL_MM_MLOCK2, 0);
	assert_int_equal(w->vmas_written, 0);
	EXPECT_ABORT(&r, 3, "write-locked");
	EXPECT_GT(&r, 3, FL_GT_FALLBACK, "");
	EXPECT_OK(&r, 4, "ok");
	EXPECT_OK(&r, 5, "ok");
	EXPECT_ABORT(&r, 6, "write-locked");
	assert_int_equal(fl_engine_stats(r.e)->in_untraced_hold, 0);
	replay_free(&r);
}

/* A walk whose thread was preempted with no sign of when it came back
 * (faultline record traces a switch in only from another traced task):
 * it is taken to have come back in time to do what was left at the speed
 * of the walks seen whole.  The first fork's walk, of A and B, takes 200
 * us on its CPU; the second is preempted 50 us in and ends 1 ms later, so
 * it came back 150 us before the end, and reached B (half-way through the
 * rest after the 30 us start) 65 us after that.  T2's faults on B: at
 * 800 us into the walk (fault 3) before it, at 1000 us (fault 4) after. */
static void fork_walk_back_from_an_unseen_preemption(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t t0 = 1000 * US;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	mmap_anon(&s, 30, 40, B, 0, true);
	first_write(&s, T1, 100, A);		/* fault 1 */
	first_write(&s, T1, 200, B);		/* fault 2 */
	fork_walk(&s, 100 * US, 200 * US, 0);
	fork_walk(&s, t0, 1050 * US, 50 * US);
	fault(&s, T2, t0 + 800 * US, B + 0x1000, WR);	/* fault 3 */
	fault_end(&s, T2, t0 + 800 * US + 10, false);
	fault(&s, T2, t0 + 1000 * US, B + 0x2000, WR);	/* fault 4 */
	fault_end(&s, T2, t0 + 1060 * US, false);
	play(&r, &s, false);

	assert_int_equal(r.sink.n, 4);
	EXPECT_OK(&r, 3, "ok");
	EXPECT_ABORT(&r, 4, "write-locked");
	replay_free(&r);
}

/* fs/binfmt_elf.c: the loader maps the whole image read-only, then each
 * segment over it with MAP_FIXED; the last report of a range is what the
 * VMA is, so a write into the data segment is no access error. */
static void a_mapping_replaces_what_it_overlaps(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	task(&s, 50, PID, MAIN, FL_TASK_EXEC_MM, -1, false);
	mapping(&s, 51, PID, A, A + 4 * PG, "r--p", "/usr/bin/x", false);
	mapping(&s, 52, PID, A + PG, A + 2 * PG, "r-xp", "/usr/bin/x", false);
	mapping(&s, 53, PID, A + 3 * PG, A + 4 * PG, "rw-p", "/usr/bin/x", false);
	task(&s, 54, PID, MAIN, FL_TASK_EXEC, -1, false);
	pfault(&s, PID, MAIN, 60, A + 3 * PG + 8, WR);	/* fault 1: .data */
	pfault(&s, PID, MAIN, 70, A + 8, WR);		/* fault 2: read-only headers */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	assert_true(F(&r, 1)->vma.flags & FL_VM_WRITE);
	assert_false(F(&r, 2)->vma.flags & FL_VM_WRITE);
	assert_string_not_equal(F(&r, 1)->o[0].reason, "access error");
	assert_string_equal(F(&r, 2)->o[0].reason, "access error");
	replay_free(&r);
}

/* A process the trace never shows the origin of (created inside a loss, or
 * before an -a snapshot reached it) knows only what its traced calls map:
 * a fault elsewhere is unplaced, not a hole. */
static void process_of_unknown_origin_is_unplaced(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t args[6] = { 0, LEN, PROT_RW, MAP_ANON_PRIV, (uint64_t)-1, 0 };

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	call(&s, STRANGER, FL_MM_MMAP, 10, 20, (int64_t)B, args);
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].ev.tid == STRANGER)
			s.v[i].ev.pid = STRANGER;
	pfault(&s, STRANGER, STRANGER, 30, B + PG, WR);	/* fault 1: its own mapping */
	pfault(&s, STRANGER, STRANGER, 40, A + PG, WR);	/* fault 2: unknown there */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_UNKNOWN);
	assert_false(F(&r, 2)->o[0].fell_back);
	replay_free(&r);
}

/* An unplaced fault reaches no handler (FL_H_NONE), so without an end
 * event its latency is no handler's cost: not the calibrated cost of
 * whatever handler the view's field held (the enum's first, anon_read). */
static void unplaced_fault_has_no_handler(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	struct fl_event *ev;
	const uint64_t args[6] = { 0, LEN, PROT_RW, MAP_ANON_PRIV, (uint64_t)-1, 0 };

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	call(&s, STRANGER, FL_MM_MMAP, 10, 20, (int64_t)B, args);
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].ev.tid == STRANGER)
			s.v[i].ev.pid = STRANGER;
	pfault(&s, STRANGER, STRANGER, 30, B + PG, 0);	/* fault 1: a read, anon_read */
	ev = add(&s, FL_EV_FAULT, 40, STRANGER, STRANGER);	/* fault 2: unknown, no end */
	fl_fault_from_x86_tracepoint(&ev->u.fault, A + PG, 0x401000, WR);
	play(&r, &s, true);

	assert_int_equal(F(&r, 1)->handler, FL_H_ANON_READ);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_UNKNOWN);
	assert_false(F(&r, 2)->has_end);
	assert_int_equal(F(&r, 2)->handler, FL_H_NONE);
	assert_int_equal(F(&r, 2)->o[0].path, FL_PATH_NONE);	/* pervma */
	assert_int_equal(F(&r, 2)->o[0].latency, 0);
	assert_int_equal(F(&r, 2)->o[1].latency, F(&r, 2)->o[1].lock_wait);	/* classic */
	replay_free(&r);
}

/* faultline record -p/-a names every thread alive when it attaches, then
 * reads each process's layout: until the read of a process is in the
 * trace, its layout is unknown, even before the first read of all.  A
 * process that loads a library meanwhile knows only that mapping: its
 * faults elsewhere are unplaced, not in a hole. */
static void attached_process_before_any_layout_is_unplaced(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t args[6] = { 0, LEN, PROT_RW, MAP_ANON_PRIV, (uint64_t)-1, 0 };

	(void)state;
	task(&s, 1, STRANGER, STRANGER, FL_TASK_COMM, -1, false);
	s.v[s.n - 1].ev.u.task.at_attach = true;
	call(&s, STRANGER, FL_MM_MMAP, 10, 20, (int64_t)B, args);
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].ev.tid == STRANGER)
			s.v[i].ev.pid = STRANGER;
	pfault(&s, STRANGER, STRANGER, 30, B + PG, WR);	/* fault 1: its own mapping */
	pfault(&s, STRANGER, STRANGER, 40, A + PG, WR);	/* fault 2: not read yet */
	mapping(&s, 50, STRANGER, A, A + LEN, "rw-p", "", true);
	pfault(&s, STRANGER, STRANGER, 60, A + PG, WR);	/* fault 3: read now */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_UNKNOWN);
	assert_false(F(&r, 2)->o[0].fell_back);
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	replay_free(&r);
}

/* The same when the process's first events come before the recorder has
 * named the threads it attached to: faultline record enables its events
 * first, so a faultline trace is one whose processes all get a layout. */
static void attached_process_before_its_names_is_unplaced(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t args[6] = { 0, LEN, PROT_RW, MAP_ANON_PRIV, (uint64_t)-1, 0 };
	size_t i = 0;

	(void)state;
	while (fl_dialects[i] && strcmp(fl_dialects[i]->name, "faultline"))
		i++;
	assert_non_null(fl_dialects[i]);
	call(&s, STRANGER, FL_MM_MMAP, 10, 20, (int64_t)B, args);
	for (size_t k = 0; k < s.n; k++)
		s.v[k].ev.pid = STRANGER;
	pfault(&s, STRANGER, STRANGER, 30, B + PG, WR);	/* fault 1: its own mapping */
	pfault(&s, STRANGER, STRANGER, 40, A + PG, WR);	/* fault 2: not read yet */
	task(&s, 45, STRANGER, STRANGER, FL_TASK_COMM, -1, false);
	s.v[s.n - 1].ev.u.task.at_attach = true;
	mapping(&s, 50, STRANGER, A, A + LEN, "rw-p", "", true);
	pfault(&s, STRANGER, STRANGER, 60, A + PG, WR);	/* fault 3: read now */
	test_dialect = fl_dialects[i];
	play(&r, &s, false);
	test_dialect = NULL;

	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_UNKNOWN);
	assert_false(F(&r, 2)->o[0].fell_back);
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	replay_free(&r);
}

/* A ring that lost records may have lost any call or fault of the process:
 * after it, a hole may be a mapping whose mmap was lost, and a VMA from
 * before may have been given its anon_vma by a lost fault.  The replay
 * does not predict from either (no VMA, no anon_vma), and still predicts
 * from a VMA mapped after the loss (6.15: the anon_vma prepared under
 * mmap_read_trylock(), vmf_anon_prepare()). */
static void after_a_loss_no_fallback_rests_on_what_it_hid(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	struct fl_event *ev;

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	mmap_anon(&s, 10, 20, B + 2 * LEN, 0, false);
	ev = add(&s, FL_EV_LOST, 30, -1, -1);
	ev->u.lost = (struct fl_lost){ .count = 7, .t_begin = 25, .t_end = 30, .ring = true };
	pfault(&s, PID, MAIN, 40, B + PG, WR);		/* fault 1: a hole */
	pfault(&s, PID, MAIN, 50, B + 2 * LEN + PG, WR);	/* fault 2: no anon_vma, stale */
	mmap_anon(&s, 60, 70, B + 4 * LEN, 0, false);
	pfault(&s, PID, MAIN, 80, B + 4 * LEN + PG, WR);	/* fault 3: mapped after it */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_UNKNOWN);
	assert_false(F(&r, 1)->o[0].fell_back);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_UNKNOWN);
	assert_false(F(&r, 2)->o[0].fell_back);
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	assert_string_equal(F(&r, 3)->o[0].reason, "ok, anon_vma under trylock");
	replay_free(&r);
}

/* A /proc snapshot entry without VmFlags (the process changed the mapping
 * between the recorder's smaps and maps reads) still has VM_ACCOUNT when
 * it is private and writable: mm/mmap.c accountable_mapping() charged it.
 * A new private writable anonymous mmap right below it has the same flags
 * and merges into it (vma_merge_new_range()), so a fault there is in the
 * merged VMA, which has the neighbour's anon_vma. */
static void snapshot_without_vmflags_is_charged(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mapping(&s, 1, PID, A + LEN, A + 2 * LEN, "rw-p", "", true);
	mapping(&s, 1, PID, B, B + LEN, "r--p", "", true);
	mmap_anon(&s, 10, 20, A, 0, false);
	pfault(&s, PID, MAIN, 30, A + PG, WR);		/* fault 1: the new range */
	pfault(&s, PID, MAIN, 40, B + PG, RD);		/* fault 2: read-only */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 1)->vma.start, A);
	assert_int_equal(F(&r, 1)->vma.end, A + 2 * LEN);
	assert_true(F(&r, 1)->vma.flags & FL_VM_ACCOUNT);
	/* Read-only and anonymous: charged only if it was ever written (the
	 * snapshot takes a used anonymous mapping to have its anon_vma). */
	assert_int_equal(F(&r, 2)->place, FL_PLACE_VMA);
	replay_free(&r);
}

/* A read lock taken and released inside a write fault: on a private
 * mapping, __vmf_anon_prepare()'s trylock (the fault stayed on the VMA
 * lock); on a shared file mapping, which never prepares an anon_vma, the
 * fallback's lock_mm_and_find_vma(), let go before the end by
 * fault_dirty_shared_page() (ground_truth.h: shared_vma). */
static void shared_mapping_lock_released_is_a_fallback(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	mapping(&s, 1, PID, B, B + LEN, "rw-s", "/var/tmp/shared.dat", true);
	first_write(&s, MAIN, 100, A + PG);		/* fault 1 */
	first_write(&s, MAIN, 200, B + PG);		/* fault 2 */
	play(&r, &s, false);
	EXPECT_GT(&r, 1, FL_GT_VMA, "anon_vma trylock");
	EXPECT_GT(&r, 2, FL_GT_FALLBACK, "completed unlocked");
	replay_free(&r);
}

/* The names /proc and perf give shmem mappings: MAP_SHARED|MAP_ANONYMOUS
 * ("/dev/zero (deleted)"), SysV shared memory, memfd, POSIX shared memory
 * in /dev/shm.  Their faults are shmem_fault()'s, the others a file's. */
static void snapshot_shmem_by_name(void **state)
{
	static const struct {
		const char *path;
		enum fl_vma_kind kind;
	} m[] = {
		{ "/dev/zero (deleted)", FL_VMA_SHMEM },
		{ "/SYSV0052e2c1 (deleted)", FL_VMA_SHMEM },
		{ "/memfd:wayland-shm (deleted)", FL_VMA_SHMEM },
		{ "/dev/shm/PostgreSQL.1804289383", FL_VMA_SHMEM },
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", FL_VMA_FILE },
		{ "/dev/zero", FL_VMA_FILE },
	};
	struct script s = { .n = 0 };
	struct replay r;
	size_t n = sizeof(m) / sizeof(m[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		mapping(&s, 1, PID, A + i * LEN, A + i * LEN + LEN / 2, "rw-s", m[i].path, true);
	for (size_t i = 0; i < n; i++)
		pfault(&s, PID, MAIN, 30 + 10 * i, A + i * LEN + PG, RD);
	play(&r, &s, false);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(F(&r, i + 1)->place, FL_PLACE_VMA);
		assert_int_equal(F(&r, i + 1)->vma.kind, m[i].kind);
		/* SysV shm's vm_ops (shm_vm_ops) have no ->map_pages. */
		assert_int_equal(fl_vma_ops_of(&F(&r, i + 1)->vma),
				 i == 1 ? FL_VMA_OPS_SPECIAL : FL_VMA_OPS_FILE);
	}
	/* A first write to a SysV segment: vmf_can_call_fault() retries it;
	 * a /dev/shm file's completes under the VMA lock. */
	assert_string_equal(F(&r, 2)->o[0].reason, "no map_pages");
	assert_true(F(&r, 2)->o[0].fell_back);
	assert_string_equal(F(&r, 4)->o[0].reason, "ok");
	replay_free(&r);
}

/* smaps' Anonymous: for a snapshot mapping of the same extent (faultline
 * record -p, -a).  None: nothing was written there, so no anon_vma, and a
 * new neighbour merged into it has none either: its first write fault
 * prepares one (__vmf_anon_prepare(), under the mmap_lock trylock).  Some:
 * the neighbour's anon_vma is the merged VMA's, and the fault needs none. */
static void snapshot_anonymous_size(void **state)
{
	for (int used = 0; used < 2; used++) {
		struct script s = { .n = 0 };
		struct replay r;
		struct fl_event *ev;

		(void)state;
		mapping(&s, 1, PID, A + LEN, A + 2 * LEN, "rw-p", "", true);
		ev = &s.v[s.n - 1].ev;
		snprintf(ev->u.vma.vm_flags, sizeof(ev->u.vma.vm_flags), "rd wr mr mw me ac");
		ev->u.vma.anon_known = true;
		ev->u.vma.anon_kb = used ? 8 : 0;
		mmap_anon(&s, 10, 20, A, 0, false);
		pfault(&s, PID, MAIN, 30, A + PG, WR);
		play(&r, &s, false);

		assert_int_equal(F(&r, 1)->vma.start, A);
		assert_int_equal(F(&r, 1)->vma.end, A + 2 * LEN);
		assert_int_equal(F(&r, 1)->vma.anon_vma, used);
		assert_string_equal(F(&r, 1)->o[0].reason, used ? "ok" : "ok, anon_vma under trylock");
		replay_free(&r);
	}
}

/* A snapshot does not name anon_vmas.  Two used anonymous mappings side
 * by side with the same flags have different ones, or they would have
 * merged (is_mergeable_anon_vma()): made read-only and writable again, the
 * lower one stays apart (vma_modify_flags() does not merge it).  Pieces
 * side by side with different flags are one mapping that mprotect() split
 * (__split_vma() -> anon_vma_clone()): made writable again, they merge
 * back. */
static void snapshot_anon_vmas_apart_and_split(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t ro[6] = { A, LEN, FL_PROT_READ, 0, 0, 0 };
	const uint64_t rw_a[6] = { A, LEN, PROT_RW, 0, 0, 0 };
	const uint64_t rw_b[6] = { B + LEN, LEN, PROT_RW, 0, 0, 0 };
	static const struct { uint64_t start; const char *perms, *flags; } m[] = {
		{ A, "rw-p", "rd wr mr mw me ac" },
		{ A + LEN, "rw-p", "rd wr mr mw me ac" },
		{ B, "rw-p", "rd wr mr mw me ac" },
		{ B + LEN, "r--p", "rd mr mw me ac" },
	};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct fl_event *ev;

		mapping(&s, 1, PID, m[i].start, m[i].start + LEN, m[i].perms, "", true);
		ev = &s.v[s.n - 1].ev;
		snprintf(ev->u.vma.vm_flags, sizeof(ev->u.vma.vm_flags), "%s", m[i].flags);
		ev->u.vma.anon_known = true;
		ev->u.vma.anon_kb = 8;
	}
	call(&s, MAIN, FL_MM_MPROTECT, 10, 20, 0, ro);
	call(&s, MAIN, FL_MM_MPROTECT, 30, 40, 0, rw_a);
	call(&s, MAIN, FL_MM_MPROTECT, 50, 60, 0, rw_b);
	pfault(&s, PID, MAIN, 70, A + PG, WR);		/* fault 1: the lower one */
	pfault(&s, PID, MAIN, 80, B + LEN + PG, WR);	/* fault 2: writable again */
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->vma.start, A);
	assert_int_equal(F(&r, 1)->vma.end, A + LEN);
	assert_int_equal(F(&r, 2)->vma.start, B);
	assert_int_equal(F(&r, 2)->vma.end, B + 2 * LEN);
	replay_free(&r);
}

/* The kernel changes VMAs while writers hold mmap_lock, whatever order
 * their calls return in.  T1's munmap() of A holds the lock first, then
 * is preempted before it returns: A is gone from its release on.  T2's
 * mmap() takes the lock after it, gets the range T1 freed, and returns
 * first.  T1's exit comes last, but its munmap() happened before the
 * mmap(): A stays mapped. */
static void calls_apply_in_lock_order(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t unmap[6] = { A, LEN, 0, 0, 0, 0 };
	const uint64_t map[6] = { 0, LEN, PROT_RW, MAP_ANON_PRIV, (uint64_t)-1, 0 };

	(void)state;
	mapping(&s, 1, PID, A, A + LEN, "rw-p", "", true);
	mapping(&s, 1, PID, B, B + LEN, "rw-p", "", true);
	call(&s, T1, FL_MM_MUNMAP, 5, 60, 0, unmap);
	W_START(&s, T1, 6);
	W_OK(&s, T1, 10);
	W_REL(&s, T1, 20);
	call(&s, T2, FL_MM_MMAP, 25, 45, (int64_t)A, map);
	W_START(&s, T2, 26);
	W_OK(&s, T2, 30);
	W_REL(&s, T2, 40);
	fault(&s, T3, 22, A + 3 * PG, WR);	/* fault 1: A unmapped */
	fault_end(&s, T3, 23, false);
	fault(&s, T2, 50, A + PG, WR);		/* fault 2: before T1 returns */
	fault_end(&s, T2, 55, false);
	fault(&s, T2, 70, A + 2 * PG, WR);	/* fault 3: after */
	fault_end(&s, T2, 75, false);
	play(&r, &s, false);

	assert_int_equal(F(&r, 1)->place, FL_PLACE_NO_VMA);
	assert_int_equal(F(&r, 2)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 3)->place, FL_PLACE_VMA);
	assert_int_equal(F(&r, 3)->vma.start, A);
	replay_free(&r);
}

/* A writer that queued for mmap_lock and whose acquire the trace lost (a
 * lossy -a recording of a loaded machine): it may have waited behind
 * others for most of its call, so a fault on its VMA while it waited is
 * not taken to meet its write lock. */
static void writer_whose_acquire_was_lost(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t ro[6] = { A, LEN, FL_PROT_READ, 0, 0, 0 };

	(void)state;
	mapping(&s, 1, PID, A, A + 2 * LEN, "rw-p", "", true);
	call(&s, T1, FL_MM_MPROTECT, 5, 100, 0, ro);
	W_START(&s, T1, 6);
	fault(&s, T2, 50, A + LEN + PG, WR);	/* fault 1: while T1 waits */
	fault_end(&s, T2, 55, false);
	play(&r, &s, false);

	assert_string_not_equal(F(&r, 1)->o[0].reason, "write-locked");
	replay_free(&r);
}

/* A mapping a perf trace knows only by its start (PERF_RECORD_MMAP2 as
 * perf data convert writes it: no length), whose first pages ld.so makes
 * read-only (RELRO: mprotect(start, 2 pages, PROT_READ)).  mprotect_fixup()
 * splits the VMA at the call's end: the changed part ends there, and the
 * rest of the data segment keeps its write permission, in the process and
 * in a child forked after (dup_mmap()).  A write beyond the call's end is
 * no access error; a write inside it is. */
static void mprotect_of_a_mapping_known_by_its_start(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t args[6] = { A, 2 * PG, FL_PROT_READ, 0, 0, 0 };

	(void)state;
	task(&s, 50, PID, MAIN, FL_TASK_EXEC_MM, -1, false);
	mapping(&s, 51, PID, A, 0, "", "/usr/bin/x", false);
	s.v[s.n - 1].ev.u.vma.end_known = false;
	task(&s, 52, PID, MAIN, FL_TASK_EXEC, -1, false);
	pfault(&s, PID, MAIN, 60, A + PG + 8, RD);	/* fault 1: reaches 2 pages */
	locked_call(&s, MAIN, FL_MM_MPROTECT, 70, 80, 0, args);
	task(&s, 90, PID, MAIN, FL_TASK_FORK, CHILD, false);
	pfault(&s, CHILD, CHILD, 100, A + 2 * PG + 8, WR_PROT);	/* fault 2: child's .data */
	pfault(&s, PID, MAIN, 110, A + 2 * PG + 8, WR_PROT);	/* fault 3: parent's .data */
	pfault(&s, PID, MAIN, 120, A + 3 * PG + 8, WR);	/* fault 4: further on */
	pfault(&s, PID, MAIN, 130, A + 8, WR);		/* fault 5: RELRO */
	play(&r, &s, false);

	for (uint64_t id = 2; id <= 4; id++) {
		assert_int_equal(F(&r, id)->place, FL_PLACE_INFERRED);
		assert_int_equal(F(&r, id)->vma.start, A + 2 * PG);
		assert_true(F(&r, id)->vma.flags & FL_VM_WRITE);
		assert_string_not_equal(F(&r, id)->o[0].reason, "access error");
	}
	assert_int_equal(F(&r, 4)->vma.end, A + 4 * PG);
	assert_int_equal(F(&r, 5)->vma.end, A + 2 * PG);
	assert_string_equal(F(&r, 5)->o[0].reason, "access error");
	replay_free(&r);
}

/* Many threads mapping at once: twelve writers queued for mmap_lock
 * (rwsem_down_write_slowpath()) while a thirteenth, the holder, runs its
 * mprotect().  The holder's vma_start_write() is what a fault on its VMA
 * meets (lock_vma_under_rcu() fails), however many wait behind it. */
static void holder_among_many_queued_writers(void **state)
{
	struct script s = { .n = 0 };
	struct replay r;
	const uint64_t mp[6] = { A + 0x8000, 0x8000, FL_PROT_READ };
	const struct fl_writer *w;

	(void)state;
	mmap_anon(&s, 10, 20, A, 0, true);
	first_write(&s, T1, 100, A);			/* fault 1 */
	for (int i = 0; i < 12; i++)
		W_START(&s, 300 + i, 900 + (uint64_t)i);
	call(&s, MAIN, FL_MM_MPROTECT, 700, 2105, 0, mp);
	W_START(&s, MAIN, 710);
	W_OK(&s, MAIN, 720);
	fault(&s, T1, 1750, A + 0x1000, WR);		/* fault 2: in A, write-locked */
	R_START(&s, T1, 2035);
	W_REL(&s, MAIN, 2100);
	for (int i = 0; i < 12; i++) {
		W_OK(&s, 300 + i, 2110 + 2 * (uint64_t)i);
		W_REL(&s, 300 + i, 2111 + 2 * (uint64_t)i);
	}
	R_OK(&s, T1, 2140);
	fault_end(&s, T1, 2145, false);
	R_REL(&s, T1, 2150);
	play(&r, &s, false);

	w = W(&r, FL_MM_MPROTECT, 0);
	EXPECT_ABORT(&r, 2, "write-locked");
	assert_true(F(&r, 2)->o[0].has_writer);
	assert_int_equal(F(&r, 2)->o[0].writer.id, w->id);
	EXPECT_GT(&r, 2, FL_GT_FALLBACK, "");
	replay_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mprotect_split_aborts_in_write_window),
		cmocka_unit_test(fork_walk_locks_the_vmas_in_address_order),
		cmocka_unit_test(untraced_write_hold_counts_the_faults_inside),
		cmocka_unit_test(fork_walk_back_from_an_unseen_preemption),
		cmocka_unit_test(holder_among_many_queued_writers),
		cmocka_unit_test(munmap_downgrade_ends_the_window),
		cmocka_unit_test(fault_in_a_hole),
		cmocka_unit_test(stack_growth_below_growsdown),
		cmocka_unit_test(first_anon_write_and_the_trylock),
		cmocka_unit_test(first_anon_read_and_the_zero_page),
		cmocka_unit_test(thp_mode_decides_huge_faults),
		cmocka_unit_test(trylock_at_the_faults_own_attempt),
		cmocka_unit_test(trylock_and_writer_compared_by_their_returns),
		cmocka_unit_test(split_write_locks_after_its_allocations),
		cmocka_unit_test(brk_locks_the_heap_after_its_checks_until_the_release),
		cmocka_unit_test(split_writer_asleep_before_its_lock),
		cmocka_unit_test(syscall_span_windows),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(long_run_keeps_the_queue_short),
		cmocka_unit_test(abort_waits_for_the_writer),
		cmocka_unit_test(woken_writer_locked_the_vma_later),
		cmocka_unit_test(woken_writer_locks_the_rest_of_its_walk_later),
		cmocka_unit_test(writer_woken_before_its_sleep_locks_the_rest_once_it_runs),
		cmocka_unit_test(merge_locks_next_before_prev),
		cmocka_unit_test(replacing_mmap_locks_its_merge_later),
		cmocka_unit_test(preempted_replacing_mmap_merges_once_it_runs),
		cmocka_unit_test(writer_seen_by_its_wake_of_another),
		cmocka_unit_test(file_fault_that_waited_retries),
		cmocka_unit_test(exec_gives_a_new_mm),
		cmocka_unit_test(writer_open_across_an_exec),
		cmocka_unit_test(vfork_child_exec_leaves_the_parent),
		cmocka_unit_test(vfork_child_builds_its_exec_mm_apart),
		cmocka_unit_test(spawn_child_found_by_its_mm),
		cmocka_unit_test(snapshot_without_vmflags_is_charged),
		cmocka_unit_test(snapshot_anonymous_size),
		cmocka_unit_test(snapshot_shmem_by_name),
		cmocka_unit_test(shared_mapping_lock_released_is_a_fallback),
		cmocka_unit_test(mprotect_of_a_mapping_known_by_its_start),
		cmocka_unit_test(mlock_write_locks_only_what_it_changes),
		cmocka_unit_test(snapshot_anon_vmas_apart_and_split),
		cmocka_unit_test(calls_apply_in_lock_order),
		cmocka_unit_test(writer_whose_acquire_was_lost),
		cmocka_unit_test(a_mapping_replaces_what_it_overlaps),
		cmocka_unit_test(process_of_unknown_origin_is_unplaced),
		cmocka_unit_test(unplaced_fault_has_no_handler),
		cmocka_unit_test(attached_process_before_any_layout_is_unplaced),
		cmocka_unit_test(attached_process_before_its_names_is_unplaced),
		cmocka_unit_test(after_a_loss_no_fallback_rests_on_what_it_hid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
