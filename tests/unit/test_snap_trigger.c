/* The flight recorder's built-in triggers: a long mmap_lock wait, and a
 * fallback share over a sliding window; quiet after firing. */
#include "unit.h"

#include "tracer/snap_trigger.h"

#define MS 1000000ull

static struct rec_ev lock_ev(uint64_t t, int tid, int phase, int write, int success)
{
	struct rec_ev e;

	memset(&e, 0, sizeof(e));
	e.t = t;
	e.type = REC_LOCK;
	e.u.lock.id.ktime = t;
	e.u.lock.id.tid = tid;
	e.u.lock.id.pid = 100;
	e.u.lock.phase = (uint8_t)phase;
	e.u.lock.write = (uint8_t)write;
	e.u.lock.success = (uint8_t)success;
	return e;
}

static struct rec_ev fault_end_ev(uint64_t t, int tid)
{
	struct rec_ev e;

	memset(&e, 0, sizeof(e));
	e.t = t;
	e.type = REC_FAULT_END;
	e.u.fault_end.id.ktime = t;
	e.u.fault_end.id.tid = tid;
	return e;
}

static void lock_wait(void **state)
{
	struct snap_trigger t;
	struct rec_ev e;

	(void)state;
	snap_trigger_init(&t);
	t.lock_wait_ns = 5 * MS;
	assert_true(snap_trigger_enabled(&t));
	/* 4 ms: below. */
	e = lock_ev(10 * MS, 7, FL_UST_LOCK_START, 1, 0);
	assert_false(snap_trigger_event(&t, &e));
	e = lock_ev(14 * MS, 7, FL_UST_LOCK_ACQUIRED, 1, 1);
	assert_false(snap_trigger_event(&t, &e));
	e = lock_ev(15 * MS, 7, FL_UST_LOCK_RELEASED, 1, 0);
	assert_false(snap_trigger_event(&t, &e));
	/* 6 ms, another thread's start in between: fires, names thread 8. */
	e = lock_ev(20 * MS, 8, FL_UST_LOCK_START, 0, 0);
	assert_false(snap_trigger_event(&t, &e));
	e = lock_ev(21 * MS, 9, FL_UST_LOCK_START, 0, 0);
	assert_false(snap_trigger_event(&t, &e));
	e = lock_ev(26 * MS, 8, FL_UST_LOCK_ACQUIRED, 0, 1);
	assert_true(snap_trigger_event(&t, &e));
	assert_non_null(strstr(t.why, "thread 8 waited 6.000 ms for mmap_lock (read"));
	/* Quiet for the hold-off (1 s), then armed again. */
	e = lock_ev(40 * MS, 9, FL_UST_LOCK_ACQUIRED, 0, 1);
	assert_false(snap_trigger_event(&t, &e));
	e = lock_ev(2000 * MS, 9, FL_UST_LOCK_START, 0, 0);
	assert_false(snap_trigger_event(&t, &e));
	e = lock_ev(2010 * MS, 9, FL_UST_LOCK_ACQUIRED, 0, 1);
	assert_true(snap_trigger_event(&t, &e));
	snap_trigger_free(&t);
}

static void fallback_window(void **state)
{
	struct snap_trigger t;
	struct rec_ev e;
	uint64_t now = 5000 * MS;

	(void)state;
	snap_trigger_init(&t);
	t.fallback_pct = 10;
	t.min_faults = 100;
	/* 200 faults, none under mmap_lock. */
	for (int i = 0; i < 200; i++) {
		e = fault_end_ev(now += MS / 2, 7);
		assert_false(snap_trigger_event(&t, &e));
	}
	/* Thread 7 takes mmap_lock; its faults now fall back.  10% of the
	 * window is reached at the 23rd (23 of 223 = 10.3%). */
	e = lock_ev(now += 1, 7, FL_UST_LOCK_START, 0, 0);
	snap_trigger_event(&t, &e);
	e = lock_ev(now += 1, 7, FL_UST_LOCK_ACQUIRED, 0, 1);
	snap_trigger_event(&t, &e);
	int fired_at = 0;
	for (int i = 1; i <= 30 && !fired_at; i++) {
		e = fault_end_ev(now += MS / 2, 7);
		if (snap_trigger_event(&t, &e))
			fired_at = i;
	}
	assert_int_equal(fired_at, 23);
	assert_non_null(strstr(t.why, "23 of the 223 faults in the last 1.000 s fell back"));
	snap_trigger_free(&t);
}

static void old_faults_leave_the_window(void **state)
{
	struct snap_trigger t;
	struct rec_ev e;
	uint64_t now = 1000 * MS;

	(void)state;
	snap_trigger_init(&t);
	t.fallback_pct = 50;
	t.min_faults = 10;
	/* 1000 clean faults, then 3 s later thread 7 falls back 10 times:
	 * the clean ones are out of the window, so 10 of 10 fire. */
	for (int i = 0; i < 1000; i++) {
		e = fault_end_ev(now += 100000, 7);
		assert_false(snap_trigger_event(&t, &e));
	}
	now += 3000 * MS;
	e = lock_ev(now, 7, FL_UST_LOCK_START, 1, 0);
	snap_trigger_event(&t, &e);
	e = lock_ev(now += 1, 7, FL_UST_LOCK_ACQUIRED, 1, 1);
	snap_trigger_event(&t, &e);
	int fired_at = 0;
	for (int i = 1; i <= 10 && !fired_at; i++) {
		e = fault_end_ev(now += MS, 7);
		if (snap_trigger_event(&t, &e))
			fired_at = i;
	}
	assert_int_equal(fired_at, 10);
	/* Disabled triggers never fire. */
	struct snap_trigger off;
	snap_trigger_init(&off);
	assert_false(snap_trigger_enabled(&off));
	e = lock_ev(now, 7, FL_UST_LOCK_START, 1, 0);
	assert_false(snap_trigger_event(&off, &e));
	e = lock_ev(now + 1000 * MS, 7, FL_UST_LOCK_ACQUIRED, 1, 1);
	assert_false(snap_trigger_event(&off, &e));
	snap_trigger_free(&off);
	snap_trigger_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lock_wait),
		cmocka_unit_test(fallback_window),
		cmocka_unit_test(old_faults_leave_the_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
