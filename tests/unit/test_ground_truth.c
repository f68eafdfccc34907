/* The ground-truth classifier (ground_truth.c) on each mmap_lock event
 * sequence ground_truth.h lists, and on the edges around them: what the
 * faulting thread's own lock events between its page-fault event and the
 * fault's end (mm_account_fault()) say about where handle_mm_fault() ran. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "ground_truth.h"

/* One lock event of the faulting thread. */
static void ev(struct fl_gt_state *s, enum fl_lock_phase phase, bool write, bool success,
	       uint64_t t)
{
	struct fl_mmap_lock l = { .phase = phase, .write = write, .success = success, .mm = 0x1000 };

	fl_gt_lock(s, &l, t);
}

#define S(s, t)		ev(s, FL_LOCK_START, false, false, t)
#define A_OK(s, t)	ev(s, FL_LOCK_ACQUIRED, false, true, t)
#define A_FAIL(s, t)	ev(s, FL_LOCK_ACQUIRED, false, false, t)
#define R(s, t)		ev(s, FL_LOCK_RELEASED, false, false, t)
#define SW(s, t)	ev(s, FL_LOCK_START, true, false, t)
#define AW_OK(s, t)	ev(s, FL_LOCK_ACQUIRED, true, true, t)
#define RW(s, t)	ev(s, FL_LOCK_RELEASED, true, false, t)

static struct fl_gt_result end(struct fl_gt_state *s)
{
	struct fl_gt_result r;

	memset(&r, 0xa5, sizeof(r));	/* fl_gt_end must fill it all */
	fl_gt_end(s, &r);
	assert_non_null(r.detail);
	assert_false(s->in_fault);	/* the fault is over */
	return r;
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(fl_gt_name(FL_GT_VMA), "vma");
	assert_string_equal(fl_gt_name(FL_GT_FALLBACK), "fallback");
	assert_string_equal(fl_gt_name(FL_GT_UNKNOWN), "unknown");
}

/* (none): lock_vma_under_rcu() succeeded and handle_mm_fault() ran under
 * the VMA lock without touching mmap_lock. */
static void no_lock_events_is_vma(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	assert_true(s.in_fault);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_VMA);
	assert_string_equal(r.detail, "");
	assert_int_equal(r.lock_wait, 0);
}

/* S A(ok) R: __vmf_anon_prepare() (6.10+) took mmap_read_trylock() to set
 * the anon_vma and released it; the fault stayed on the VMA lock. */
static void anon_vma_trylock_released_is_vma(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 100);
	A_OK(&s, 101);
	R(&s, 130);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_VMA);
	assert_string_equal(r.detail, "anon_vma trylock");
	assert_int_equal(r.lock_wait, 0);
}

/* S A(ok) R on a shared VMA: no anon_vma there (__vmf_anon_prepare() is
 * for private mappings), so the lock was lock_mm_and_find_vma()'s after
 * a VM_FAULT_RETRY, and the attempt under it let it go before the end:
 * fault_dirty_shared_page() -> maybe_unlock_mmap_for_io() (the retry is
 * not FAULT_FLAG_TRIED unless the first attempt was major), then
 * balance_dirty_pages_ratelimited() and VM_FAULT_COMPLETED.  A fallback. */
static void shared_vma_lock_released_is_fallback(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	s.shared_vma = true;
	S(&s, 100);
	A_OK(&s, 101);
	R(&s, 130);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "completed unlocked");
	assert_int_equal(r.lock_wait, 1);
	/* The same, held at the end: a fallback as any. */
	fl_gt_fault(&s);
	s.shared_vma = true;
	S(&s, 200);
	A_OK(&s, 203);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "");
	/* No lock at all: the VMA lock. */
	fl_gt_fault(&s);
	s.shared_vma = true;
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_VMA);
}

/* S A(ok) ...end: lock_mm_and_find_vma()'s mmap_read_trylock() succeeded
 * and handle_mm_fault() ran under mmap_lock: a fallback. */
static void trylock_held_at_end_is_fallback(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 100);
	A_OK(&s, 102);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "");
	assert_int_equal(r.lock_wait, 2);
}

/* S A(fail) S A(ok) ...end: the trylock failed on a writer, then
 * mmap_read_lock_killable() waited for it. */
static void failed_trylock_then_lock_is_contended_fallback(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 1000);
	A_FAIL(&s, 1001);
	S(&s, 1002);
	A_OK(&s, 5000);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "trylock failed");
	/* From the first start_locking to the acquire. */
	assert_int_equal(r.lock_wait, 4000);
}

/* S A(fail) S A(fail) S A(ok): __vmf_anon_prepare()'s trylock failed
 * (VM_FAULT_RETRY, vma_lock_retry), then lock_mmap's trylock failed too and
 * the blocking read lock waited. */
static void anon_vma_retry(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 10);
	A_FAIL(&s, 11);
	S(&s, 20);
	A_FAIL(&s, 21);
	S(&s, 22);
	A_OK(&s, 310);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "anon_vma retry");
	assert_int_equal(r.lock_wait, 300);
}

/* lock_mm_and_find_vma() below a VM_GROWSDOWN VMA: read lock, dropped,
 * mmap_write_lock_killable(), expand_stack_locked(), mmap_write_downgrade()
 * (a read acquire with no start), and the fault runs under the read lock. */
static void stack_growth(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 100);
	A_OK(&s, 101);
	R(&s, 102);
	SW(&s, 103);
	AW_OK(&s, 110);
	A_OK(&s, 120);	/* the downgrade */
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "stack growth");
	/* The read lock's wait and the write lock's: not the time the write
	 * lock was held to grow the stack, nor the downgrade, which asked
	 * for nothing. */
	assert_int_equal(r.lock_wait, 1 + 7);

	/* Even if the write lock were still held at the end (no downgrade
	 * traced), it is the stack-growth fallback. */
	fl_gt_fault(&s);
	SW(&s, 200);
	AW_OK(&s, 201);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "stack growth");
	assert_int_equal(r.lock_wait, 1);
}

/* A write lock taken and released inside the fault (the stack grown, then
 * mmap_write_unlock) with nothing held at the end: not a fallback by the
 * header's rule, the thread does not hold mmap_lock at the end. */
static void write_taken_and_released_not_held(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	SW(&s, 100);
	AW_OK(&s, 101);
	RW(&s, 102);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_VMA);
	assert_int_equal(r.lock_wait, 0);
}

/* The anon_vma trylock taken and released, then a RETRY for IO
 * (filemap_fault) and lock_mmap: held at the end, a fallback.  Its wait is
 * the two acquisitions' own: between them the lock was free and the thread
 * was in the IO (a recorded cargo build: 0.4 ms of a major fault's read
 * was counted as blocked on mmap_lock when the wait ran from the first
 * start_locking to the last acquire). */
static void released_then_retaken_is_fallback(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 100);
	A_OK(&s, 101);
	R(&s, 105);
	S(&s, 200);
	A_OK(&s, 201);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "");
	assert_int_equal(r.lock_wait, 1 + 1);

	/* The same with a contended second acquisition: its failed trylock
	 * starts its wait. */
	fl_gt_fault(&s);
	S(&s, 100);
	A_OK(&s, 101);
	R(&s, 105);
	S(&s, 200);
	A_FAIL(&s, 201);
	S(&s, 202);
	A_OK(&s, 900);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_string_equal(r.detail, "trylock failed");
	assert_int_equal(r.lock_wait, 1 + 700);
	assert_int_equal(r.t_req, 202);

	/* A fallback under mmap_lock that dropped it for IO
	 * (maybe_unlock_mmap_for_io(), VM_FAULT_RETRY) and took it again. */
	fl_gt_fault(&s);
	S(&s, 100);
	A_OK(&s, 150);
	R(&s, 160);
	S(&s, 5000);
	A_OK(&s, 5003);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	assert_int_equal(r.lock_wait, 50 + 3);
}

/* A fault whose end comes with no fault begun (the page-fault event was
 * lost, or a kernel-mode fault's end): no ground truth. */
static void end_without_fault_is_unknown(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	memset(&s, 0, sizeof(s));
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_UNKNOWN);
	assert_string_equal(r.detail, "");
	assert_int_equal(r.lock_wait, 0);

	/* And after a fault ended, its end seen again: unknown. */
	fl_gt_fault(&s);
	S(&s, 1);
	A_OK(&s, 2);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_UNKNOWN);
}

/* The thread's lock events outside a fault (its own mm calls, the release
 * of the lock a fallback held) do not leak into its next fault. */
static void events_between_faults_ignored(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	S(&s, 10);
	A_OK(&s, 11);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_FALLBACK);
	R(&s, 20);		/* the fallback's mmap_read_unlock() after the end */
	SW(&s, 30);		/* an mprotect of its own */
	AW_OK(&s, 31);
	RW(&s, 40);

	fl_gt_fault(&s);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_VMA);
	assert_string_equal(r.detail, "");
	assert_int_equal(r.lock_wait, 0);
}

/* A release with nothing taken inside the fault (its acquire was before the
 * fault, or lost) is not "taken and released". */
static void stray_release(void **state)
{
	struct fl_gt_state s;
	struct fl_gt_result r;

	(void)state;
	fl_gt_fault(&s);
	R(&s, 5);
	r = end(&s);
	assert_int_equal(r.gt, FL_GT_VMA);
	assert_string_equal(r.detail, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(no_lock_events_is_vma),
		cmocka_unit_test(anon_vma_trylock_released_is_vma),
		cmocka_unit_test(trylock_held_at_end_is_fallback),
		cmocka_unit_test(failed_trylock_then_lock_is_contended_fallback),
		cmocka_unit_test(anon_vma_retry),
		cmocka_unit_test(stack_growth),
		cmocka_unit_test(write_taken_and_released_not_held),
		cmocka_unit_test(released_then_retaken_is_fallback),
		cmocka_unit_test(end_without_fault_is_unknown),
		cmocka_unit_test(events_between_faults_ignored),
		cmocka_unit_test(stray_release),
		cmocka_unit_test(shared_vma_lock_released_is_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
