/* The classic strategy (mainline before 6.4), scenario by scenario: each
 * test builds the fault views by hand and names the kernel function whose
 * behaviour it checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rwsem.h"
#include "strategy.h"

extern const struct fl_strategy fl_strategy_classic;

#define S (&fl_strategy_classic)

static const uint64_t cost[FL_H__COUNT] = {
	[FL_H_ANON_READ] = 500,
	[FL_H_ANON_WRITE] = 1000,
	[FL_H_FILE_READ] = 2000,
	[FL_H_FILE_COW] = 3000,
	[FL_H_FILE_SHARED] = 2500,
	[FL_H_WP] = 800,
	[FL_H_SWAP] = 4000,
	[FL_H_SPURIOUS] = 100,
};

struct run {
	struct fl_run_cfg cfg;
	void *state;
	uint64_t next_id;
};

/* A run with the knobs at their defaults, or as set (-1: default). */
static void start(struct run *r, int64_t retry_cap, int64_t stack_write)
{
	struct fl_err err;

	memset(r, 0, sizeof(*r));
	memset(&err, 0, sizeof(err));
	memcpy(r->cfg.cost, cost, sizeof(cost));
	r->cfg.page_shift = 12;
	for (size_t i = 0; S->knobs[i].key; i++)
		r->cfg.knob[i] = S->knobs[i].def;
	if (retry_cap >= 0)
		r->cfg.knob[0] = retry_cap;
	if (stack_write >= 0)
		r->cfg.knob[1] = stack_write;
	r->state = calloc(1, S->state_size);
	assert_non_null(r->state);
	assert_int_equal(S->init(r->state, &r->cfg, &err), 0);
	r->next_id = 1;
}

static void stop(struct run *r)
{
	S->fini(r->state);
	free(r->state);
}

static const struct fl_fault user_write = { .address = 0x7f0000001000, .access = FL_ACC_WRITE | FL_ACC_USER };

/* A fault placed in a VMA, no end event, no writer around. */
static struct fl_fault_view view(int32_t pid, int32_t tid, uint64_t t, enum fl_handler h)
{
	struct fl_fault_view v;

	memset(&v, 0, sizeof(v));
	v.t = t;
	v.pid = pid;
	v.tid = tid;
	v.fault = &user_write;
	v.place = FL_PLACE_VMA;
	v.vma.start = 0x7f0000000000;
	v.vma.end = 0x7f0000100000;
	v.vma.flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE;
	v.handler = h;
	v.pmd_present = true;
	v.mm_users = 4;
	return v;
}

static void ended(struct fl_fault_view *v, uint64_t t_end, bool major)
{
	v->has_end = true;
	v->t_end = t_end;
	v->major = major;
}

/* A writer of pid, queued at q, holding for write [wb, we]. */
static struct fl_writer writer(uint64_t id, int32_t pid, uint64_t q, uint64_t wb, uint64_t we)
{
	struct fl_writer w;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.pid = pid;
	w.tid = pid + 100;
	w.traced = true;
	w.call.kind = FL_MM_MPROTECT;
	w.has_lock = true;
	w.t_lock_start = q;
	w.t_lock_acquired = wb;
	w.t_lock_released = we;
	w.q_begin = q;
	w.w_begin = wb;
	w.w_end = we;
	w.vmas_written = 1;
	return w;
}

static struct fl_outcome decide(struct run *r, struct fl_fault_view *v, const struct fl_writer_hit *hits,
				size_t nhits)
{
	struct fl_outcome o;

	memset(&o, 0xa5, sizeof(o));	/* the strategy must fill it all */
	v->fault_id = r->next_id++;
	v->hits = hits;
	v->nhits = nhits;
	S->fault(r->state, &r->cfg, v, &o);
	/* What every classic outcome says. */
	assert_int_equal(o.path, FL_PATH_MMAP_LOCK);
	assert_false(o.fell_back);
	assert_string_equal(fl_outcome_counter(&o), "mmap_lock");
	assert_true(fl_cause_of(S, o.cause));
	assert_null(o.writer);
	return o;
}

/* The descriptor the registry lists. */
static void descriptor(void **state)
{
	(void)state;
	assert_string_equal(S->name, "classic");
	assert_non_null(S->summary);
	assert_null(S->profiles);
	assert_int_equal(S->needs, FL_NEED_FAULTS);
	assert_true(S->state_size > 0);
	assert_non_null(S->init);
	assert_non_null(S->fault);
	assert_non_null(S->fini);
	assert_string_equal(S->knobs[0].key, "retry_cap");
	assert_int_equal(S->knobs[0].def, 1);
	assert_string_equal(S->knobs[1].key, "stack_write");
	assert_int_equal(S->knobs[1].def, 1);
	assert_null(S->knobs[2].key);
	for (size_t i = 0; S->knobs[i].key; i++) {
		assert_non_null(S->knobs[i].help);
		assert_true(S->knobs[i].min <= S->knobs[i].def);
		assert_true(S->knobs[i].def <= S->knobs[i].max);
	}
}

/* do_user_addr_fault() with mmap_read_trylock() succeeding: one
 * handle_mm_fault() under the read lock, no wait.  The latency is the
 * trace's when it has the end event, else the handler's cost. */
static void do_user_addr_fault_uncontended(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_ANON_WRITE);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.lock_wait, 0);
	assert_int_equal(o.latency, 1000);

	v = view(1, 2, 5000, FL_H_FILE_READ);
	ended(&v, 5777, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.latency, 777);
	stop(&r);
}

/* lock_mm_and_find_vma(): mmap_read_trylock() fails on a writer holding
 * the lock; mmap_read_lock_killable() waits for its release. */
static void lock_mm_and_find_vma_behind_holding_writer(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 900, 900, 1500);
	struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_ANON_WRITE);
	v.lock_contended = true;
	v.lock_free_at = 1500;
	o = decide(&r, &v, &hit, 1);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.lock_wait, 500);
	assert_int_equal(o.latency, 1000 + 500);

	/* With the end in the trace, the latency is the trace's. */
	v = view(1, 2, 1200, FL_H_ANON_WRITE);
	ended(&v, 4000, false);
	v.lock_contended = true;
	v.lock_free_at = 1500;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 300);
	assert_int_equal(o.latency, 2800);

	/* After the release the lock is free again. */
	v = view(1, 3, 1500, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);
	stop(&r);
}

/* rwsem_down_read_slowpath() as modelled: a writer queued behind a
 * reader (it waits in rwsem_down_write_slowpath()) makes the trylock fail,
 * and a later reader queues behind it rather than sharing the read hold. */
static void reader_behind_queued_writer(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 100, 1000, 1200);
	struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_ANON_WRITE);	/* read-held 0..1000 */
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);

	v = view(1, 2, 500, FL_H_ANON_READ);
	v.lock_contended = true;
	v.lock_free_at = 1200;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 700);
	assert_int_equal(o.latency, 500 + 700);
	stop(&r);
}

/* rwsem_down_read_slowpath(), reader optimistic lock stealing: a writer
 * waits (the trace shows its queue interval) but nobody holds the lock --
 * not a writer, no reader inside -- and HANDOFF is not set, so the fault
 * takes the lock at once.  Once the writer has waited RWSEM_WAIT_TIMEOUT,
 * HANDOFF makes the fault queue behind it. */
static void reader_steals_past_waiting_writer(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 100, 100 + FL_RWSEM_WSPIN_NS + FL_RWSEM_HANDOFF_NS + 50,
				    100 + FL_RWSEM_WSPIN_NS + FL_RWSEM_HANDOFF_NS + 80);
	struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_ANON_WRITE);
	ended(&v, 1500, false);
	v.lock_contended = true;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);

	v = view(1, 2, 100 + FL_RWSEM_WSPIN_NS + FL_RWSEM_HANDOFF_NS + 10, FL_H_ANON_WRITE);
	v.lock_contended = true;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 70);
	stop(&r);
}

/* A thread is blocked once per wait: it runs `behind` the trace after a
 * wait, so the faults the trace shows it taking during that wait come
 * after the writer's release and do not wait for it again. */
static void thread_blocked_once(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 1000, 1000, 5000);
	struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 7, 1100, FL_H_ANON_WRITE);
	ended(&v, 1200, false);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 3900);
	/* Its next fault in the trace, at 1300: really at 1300 + 3900. */
	v = view(1, 7, 1300, FL_H_ANON_WRITE);
	ended(&v, 1400, false);
	v.behind = 3900;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);
	/* Another thread, not behind, still waits. */
	v = view(1, 8, 1300, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 3700);
	stop(&r);
}

/* A writer that queues after the fault took the lock does not delay it
 * (it waits for the fault instead, but its window is the trace's). */
static void writer_queued_after_the_fault(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 1100, 2000, 2100);
	struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);
	assert_int_equal(o.attempts, 1);
	stop(&r);
}

/* A writer whose release the engine does not know yet (w_end ==
 * UINT64_MAX) is left out rather than blocking the mm for ever; seen again
 * with its release, it counts. */
static void writer_still_open(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 900, 900, UINT64_MAX);
	struct fl_writer_hit hit = { .w = &w };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_ANON_WRITE);
	v.lock_contended = true;
	v.lock_free_at = UINT64_MAX;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);
	w.w_end = w.t_lock_released = 1500;
	v = view(1, 2, 1100, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 400);
	stop(&r);
}

/* A writer of another mm holds another mmap_lock. */
static void other_mm_writer(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 2, 900, 900, 1500);
	struct fl_writer_hit hit = { .w = &w };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);
	stop(&r);
}

/* The engine's summary (lock_contended, lock_free_at) counts even when no
 * hit explains it. */
static void contended_without_hits(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 1000, FL_H_WP);
	v.lock_contended = true;
	v.lock_free_at = 1300;
	o = decide(&r, &v, NULL, 0);
	assert_int_equal(o.lock_wait, 300);
	assert_int_equal(o.latency, 800 + 300);
	stop(&r);
}

/* mmap_write_downgrade() by a traced writer: its write window ends at the
 * downgrade (w_end) and readers enter then, though the lock is only
 * released later. */
static void downgraded_writer(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 100, 100, 600);
	struct fl_writer_hit hit = { .w = &w };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	w.t_lock_released = 5000;
	start(&r, -1, -1);
	v = view(1, 1, 200, FL_H_ANON_READ);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 400);
	/* A stack growth wants the write lock: behind the read hold too. */
	v = view(1, 2, 300, FL_H_ANON_WRITE);
	v.place = FL_PLACE_STACK;
	o = decide(&r, &v, &hit, 1);
	assert_string_equal(fl_outcome_reason(&o), "stack growth");
	assert_int_equal(o.lock_wait, 5000 - 300);
	stop(&r);
}

/* lock_mm_and_find_vma() below a VM_GROWSDOWN VMA: mmap_read_unlock(),
 * mmap_write_lock_killable() behind the readers inside,
 * expand_stack_locked(), mmap_write_downgrade().  Readers queued during the
 * write hold enter at the downgrade; another mm is not concerned. */
static void lock_mm_and_find_vma_stack_growth(void **state)
{
	const uint64_t W = FL_RWSEM_WSPIN_NS;
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_ANON_WRITE);		/* read-held 0..3S */
	ended(&v, 3 * W, false);
	o = decide(&r, &v, NULL, 0);
	assert_int_equal(o.lock_wait, 0);

	v = view(1, 2, 100, FL_H_ANON_WRITE);
	v.place = FL_PLACE_STACK;
	v.vma.flags |= FL_VM_GROWSDOWN;
	v.vma.kind = FL_VMA_STACK;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "stack growth");
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.lock_wait, 3 * W - 100);	/* write lock at 3S */
	assert_int_equal(o.latency, 1000 + 3 * W - 100);
	/* The write part is half the fault: downgraded at 3S + 500. */

	/* While the writer spins (rwsem_optimistic_spin()), a reader takes
	 * the fast path; once it queued, readers wait for the downgrade. */
	v = view(1, 3, 200, FL_H_ANON_READ);
	o = decide(&r, &v, NULL, 0);
	assert_int_equal(o.lock_wait, 0);
	v = view(1, 5, W + 200, FL_H_ANON_READ);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.lock_wait, 3 * W + 500 - (W + 200));

	v = view(2, 20, W + 300, FL_H_ANON_READ);	/* another mm */
	o = decide(&r, &v, NULL, 0);
	assert_int_equal(o.lock_wait, 0);

	/* After the downgrade readers share the lock with it. */
	v = view(1, 4, 3 * W + 600, FL_H_ANON_READ);
	o = decide(&r, &v, NULL, 0);
	assert_int_equal(o.lock_wait, 0);
	stop(&r);
}

/* stack_write=0: kernels before lock_mm_and_find_vma() called
 * expand_stack() under the read lock: no write hold, nobody waits. */
static void stack_growth_under_read_lock(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, 0);
	v = view(1, 1, 0, FL_H_ANON_WRITE);
	decide(&r, &v, NULL, 0);
	v = view(1, 2, 100, FL_H_ANON_WRITE);
	v.place = FL_PLACE_STACK;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "stack growth");
	assert_int_equal(o.lock_wait, 0);
	v = view(1, 3, 200, FL_H_ANON_READ);
	o = decide(&r, &v, NULL, 0);
	assert_int_equal(o.lock_wait, 0);
	stop(&r);
}

/* lock_mm_and_find_vma() finds no VMA: SIGSEGV (SEGV_MAPERR) with the
 * lock dropped, no handle_mm_fault(); the lock was still waited for. */
static void lock_mm_and_find_vma_no_vma(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 0, 0, 400);
	struct fl_writer_hit hit = { .w = &w };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 100, FL_H_ANON_READ);
	v.place = FL_PLACE_NO_VMA;
	memset(&v.vma, 0, sizeof(v.vma));
	o = decide(&r, &v, &hit, 1);
	assert_string_equal(fl_outcome_reason(&o), "no VMA");
	assert_int_equal(o.attempts, 0);
	assert_int_equal(o.lock_wait, 300);
	assert_int_equal(o.latency, 300);
	stop(&r);
}

/* do_user_addr_fault(): access_error() refuses the access (SEGV_ACCERR)
 * before handle_mm_fault(). */
static void do_user_addr_fault_access_error(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 100, FL_H_ANON_WRITE);
	v.vma.flags = FL_VM_READ | FL_VM_MAYREAD;
	v.access_error = true;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "access error");
	assert_int_equal(o.attempts, 0);
	assert_int_equal(o.lock_wait, 0);
	assert_int_equal(o.latency, 0);
	stop(&r);
}

/* filemap_fault() on a page not in the page cache: it starts the read,
 * drops mmap_lock and returns VM_FAULT_RETRY; do_user_addr_fault() retries
 * with FAULT_FLAG_TRIED and queues on mmap_lock again, behind a writer
 * that queued during the IO. */
static void filemap_fault_drops_lock_for_io(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 50000, 50000, 99000);
	struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_FILE_READ);
	ended(&v, 100000, true);
	o = decide(&r, &v, &hit, 1);
	assert_string_equal(fl_outcome_reason(&o), "file IO");
	assert_int_equal(o.attempts, 2);
	/* Each hold is the handler's cost (2000): the retry queues at
	 * 100000 - 2000 = 98000, behind the writer until 99000. */
	assert_int_equal(o.lock_wait, 1000);
	assert_int_equal(o.latency, 100000);

	/* A reader arriving during the IO is not held up by the fault:
	 * mmap_lock was dropped. */
	v = view(1, 2, 10000, FL_H_ANON_READ);
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 0);
	stop(&r);
}

/* Major faults of each file handler take the same path; a write fault
 * to a shared file page (do_shared_fault) and a private one (do_cow_fault)
 * both read the page through filemap_fault(). */
static void filemap_fault_every_file_handler(void **state)
{
	static const enum fl_handler hs[] = { FL_H_FILE_READ, FL_H_FILE_COW, FL_H_FILE_SHARED };
	struct run r;

	(void)state;
	start(&r, -1, -1);
	for (size_t i = 0; i < 3; i++) {
		struct fl_fault_view v = view(1, 1, 1000 * i, hs[i]);
		struct fl_outcome o;

		v.major = true;		/* no end event: cost-based */
		o = decide(&r, &v, NULL, 0);
		assert_string_equal(fl_outcome_reason(&o), "file IO");
		assert_int_equal(o.attempts, 2);
		assert_int_equal(o.lock_wait, 0);
		assert_int_equal(o.latency, cost[hs[i]]);
	}
	stop(&r);
}

/* retry_cap=0: without FAULT_FLAG_ALLOW_RETRY filemap_fault() waits for
 * the IO holding mmap_lock: one attempt, and the writer queued during the
 * IO does not delay it (it is the writer that waits). */
static void filemap_fault_without_allow_retry(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 50000, 100000, 101000);
	struct fl_writer_hit hit = { .w = &w };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, 0, -1);
	v = view(1, 1, 0, FL_H_FILE_READ);
	ended(&v, 100000, true);
	o = decide(&r, &v, &hit, 1);
	assert_string_equal(fl_outcome_reason(&o), "file IO");
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.lock_wait, 0);
	stop(&r);
}

/* do_swap_page(): a swap-cache miss reads the page (VM_FAULT_MAJOR) and
 * __folio_lock_or_retry() drops mmap_lock while it waits: RETRY. */
static void do_swap_page_swap_io(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_SWAP);
	ended(&v, 80000, true);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "swap IO");
	assert_int_equal(o.attempts, 2);
	assert_int_equal(o.latency, 80000);

	/* A swap-cache hit is minor: no retry. */
	v = view(1, 1, 100000, FL_H_SWAP);
	ended(&v, 104000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.attempts, 1);
	stop(&r);
}

/* __folio_lock_or_retry(): the folio is locked for another thread's IO;
 * with ALLOW_RETRY and not TRIED the fault drops mmap_lock, waits for the
 * folio and returns RETRY, even though its own fault is not major. */
static void folio_lock_or_retry(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_FILE_READ);
	v.folio_locked = true;
	ended(&v, 30000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "folio locked");
	assert_int_equal(o.attempts, 2);

	v = view(1, 2, 100, FL_H_SWAP);
	v.folio_locked = true;
	ended(&v, 30000, true);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "folio locked");
	assert_int_equal(o.attempts, 2);
	stop(&r);
}

/* shmem_fault() keeps mmap_lock while it sleeps on a locked folio or
 * swaps a page in (shmem_get_folio_gfp()): one attempt, where a file's
 * filemap_fault() would drop it and RETRY. */
static void shmem_fault_keeps_mmap_lock(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_FILE_SHARED);
	v.vma.kind = FL_VMA_SHMEM;
	v.vma.flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	v.pc_wait = FL_PCW_SLEPT;
	ended(&v, 30000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.attempts, 1);
	v = view(1, 1, 100000, FL_H_FILE_READ);
	v.vma.kind = FL_VMA_SHMEM;
	ended(&v, 190000, true);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.attempts, 1);
	/* The same sleep in a file's fault: filemap_fault() retries. */
	v = view(1, 1, 200000, FL_H_FILE_READ);
	v.vma.kind = FL_VMA_FILE;
	v.pc_wait = FL_PCW_SLEPT;
	ended(&v, 230000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "folio locked");
	assert_int_equal(o.attempts, 2);
	stop(&r);
}

/* What the recording shows a file fault waiting for (pc_wait): readahead
 * (do_async_mmap_readahead() -> maybe_unlock_mmap_for_io()) or a sleep in
 * D on a locked folio (lock_folio_maybe_drop_mmap()): mmap_lock dropped,
 * VM_FAULT_RETRY, a second attempt.  An anonymous fault that slept did not
 * go through filemap_fault(): no retry. */
static void file_fault_waits_seen(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 0, FL_H_FILE_READ);
	v.pc_wait = FL_PCW_READAHEAD;
	ended(&v, 30000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "readahead");
	assert_int_equal(o.attempts, 2);

	v = view(1, 2, 100, FL_H_FILE_COW);
	v.pc_wait = FL_PCW_SLEPT;
	ended(&v, 30000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "folio locked");
	assert_int_equal(o.attempts, 2);

	v = view(1, 3, 200, FL_H_ANON_WRITE);
	v.pc_wait = FL_PCW_SLEPT;
	ended(&v, 30000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "ok");
	assert_int_equal(o.attempts, 1);
	stop(&r);
}

/* handle_pte_fault() handlers that do no IO: a major flag on them (the
 * model's handler disagrees with the trace) does not invent a retry. */
static void no_io_no_retry(void **state)
{
	static const enum fl_handler hs[] = { FL_H_ANON_READ, FL_H_ANON_WRITE, FL_H_WP,
					      FL_H_SPURIOUS };
	struct run r;

	(void)state;
	start(&r, -1, -1);
	for (size_t i = 0; i < 4; i++) {
		struct fl_fault_view v = view(1, 1, 1000 * i, hs[i]);
		struct fl_outcome o;

		v.major = true;
		o = decide(&r, &v, NULL, 0);
		assert_string_equal(fl_outcome_reason(&o), "ok");
		assert_int_equal(o.attempts, 1);
		assert_int_equal(o.latency, cost[hs[i]]);
	}
	stop(&r);
}

/* Faults the mm model could not place still take mmap_lock in classic:
 * the path and the wait do not depend on the layout. */
static void unplaced(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 0, 0, 250);
	struct fl_writer_hit hit = { .w = &w };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, -1, -1);
	v = view(1, 1, 50, FL_H_ANON_READ);
	v.place = FL_PLACE_UNKNOWN;
	o = decide(&r, &v, &hit, 1);
	assert_string_equal(fl_outcome_reason(&o), "unplaced: unknown layout");
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.lock_wait, 200);

	v = view(1, 1, 1000, FL_H_ANON_READ);	/* major: IO, whatever it was */
	v.place = FL_PLACE_UNKNOWN;
	ended(&v, 50000, true);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "unplaced: unknown layout");
	assert_int_equal(o.attempts, 2);

	v = view(1, 1, 60000, FL_H_ANON_WRITE);
	v.place = FL_PLACE_INFERRED;
	v.vma.extent_inferred = true;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "unplaced: inferred extent");
	assert_int_equal(o.attempts, 1);

	v = view(1, 1, 70000, FL_H_FILE_READ);
	v.place = FL_PLACE_INFERRED;
	v.major = true;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_reason(&o), "file IO");
	stop(&r);
}

/* A writer is passed with every fault it meets; it delays each of them
 * once, by its own window, and faults far apart in time do not keep
 * anything alive between them. */
static void writer_seen_by_many_faults(void **state)
{
	struct run r;
	struct fl_writer w = writer(1, 1, 1000, 1000, 2000);
	struct fl_writer_hit hit = { .w = &w };

	(void)state;
	start(&r, -1, -1);
	for (uint64_t i = 0; i < 100; i++) {
		struct fl_fault_view v = view(1, (int32_t)i, 1000 + i * 10, FL_H_ANON_READ);
		struct fl_outcome o = decide(&r, &v, &hit, 1);

		assert_int_equal(o.lock_wait, 1000 - i * 10);
	}
	for (uint64_t i = 0; i < 100000; i++) {
		struct fl_fault_view v = view(1 + (int32_t)(i % 3), 1, 10000 + i * 2000,
					      FL_H_ANON_WRITE);
		struct fl_outcome o = decide(&r, &v, NULL, 0);

		assert_int_equal(o.lock_wait, 0);
	}
	stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descriptor),
		cmocka_unit_test(do_user_addr_fault_uncontended),
		cmocka_unit_test(lock_mm_and_find_vma_behind_holding_writer),
		cmocka_unit_test(reader_behind_queued_writer),
		cmocka_unit_test(reader_steals_past_waiting_writer),
		cmocka_unit_test(thread_blocked_once),
		cmocka_unit_test(writer_queued_after_the_fault),
		cmocka_unit_test(other_mm_writer),
		cmocka_unit_test(writer_still_open),
		cmocka_unit_test(contended_without_hits),
		cmocka_unit_test(downgraded_writer),
		cmocka_unit_test(lock_mm_and_find_vma_stack_growth),
		cmocka_unit_test(stack_growth_under_read_lock),
		cmocka_unit_test(lock_mm_and_find_vma_no_vma),
		cmocka_unit_test(do_user_addr_fault_access_error),
		cmocka_unit_test(filemap_fault_drops_lock_for_io),
		cmocka_unit_test(filemap_fault_every_file_handler),
		cmocka_unit_test(filemap_fault_without_allow_retry),
		cmocka_unit_test(do_swap_page_swap_io),
		cmocka_unit_test(folio_lock_or_retry),
		cmocka_unit_test(file_fault_waits_seen),
		cmocka_unit_test(shmem_fault_keeps_mmap_lock),
		cmocka_unit_test(no_io_no_retry),
		cmocka_unit_test(unplaced),
		cmocka_unit_test(writer_seen_by_many_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
