/* The trace summary behind `faultline info`: a fault with no thread id
 * (perf's perf_tid = -1) is counted apart, so that info's fault count is
 * the number of faults a replay decides (the engine has no thread to run
 * such a fault on). */
#include "unit.h"

#include "trace_summary.h"

static struct fl_event fault(int32_t pid, int32_t tid)
{
	struct fl_event ev = { .kind = FL_EV_FAULT, .t = 1000, .pid = pid, .tid = tid };

	ev.u.fault.address = 0x1000;
	ev.u.fault.access = FL_ACC_WRITE;
	return ev;
}

static void no_thread(void **state)
{
	struct fl_trace_summary s;
	struct fl_event a = fault(10, 10), b = fault(-1, -1), c = fault(10, 11);
	struct fl_thread_sum **thr;
	size_t n = 0;

	(void)state;
	fl_summary_init(&s);
	assert_int_equal(fl_summary_add(&s, &a), 0);
	assert_int_equal(fl_summary_add(&s, &b), 0);
	assert_int_equal(fl_summary_add(&s, &c), 0);
	assert_int_equal(s.kinds[FL_EV_FAULT], 2);
	assert_int_equal(s.fault_no_thread, 1);
	assert_int_equal(s.fault_write, 2);
	thr = fl_summary_threads(&s, &n);
	assert_int_equal(n, 2);
	assert_int_equal(thr[0]->faults + thr[1]->faults, s.kinds[FL_EV_FAULT]);
	free(thr);
	fl_summary_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
