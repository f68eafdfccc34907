/* delay: the per-thread sums and the predicted run time stay defined on the
 * absurd times a corrupt trace can hold: they saturate, never wrap (a
 * signed overflow in fl_delay_run_pred() was undefined behaviour). */
#include "unit.h"

#include "delay.h"

static void run_pred_of_an_ordinary_thread(void **state)
{
	struct fl_delay d;
	struct fl_delay_thread *t;

	(void)state;
	fl_delay_init(&d);
	assert_int_equal(fl_delay_span(&d, 1, 1, 1000, 5000), 0);
	t = fl_delay_get(&d, 1, 1);
	fl_delay_add(t, 100, 300, 50);		/* 250 ns later */
	assert_int_equal(t->shift, 250);
	assert_int_equal(fl_delay_run_traced(t), 4000);
	assert_int_equal(fl_delay_run_pred(t), 4250);
	fl_delay_add(t, 10000, 0, 0);		/* far earlier: never below 0 */
	assert_int_equal(fl_delay_run_pred(t), 0);
	fl_delay_free(&d);
}

static void huge_span_and_shift_saturate(void **state)
{
	struct fl_delay d;
	struct fl_delay_thread *t;

	(void)state;
	fl_delay_init(&d);
	/* A span past INT64_MAX, then a positive shift: the sum of the two
	 * overflowed int64_t. */
	assert_int_equal(fl_delay_span(&d, 1, 1, 0, UINT64_MAX - 5), 0);
	t = fl_delay_get(&d, 1, 1);
	fl_delay_add(t, 0, UINT64_MAX, UINT64_MAX);
	assert_int_equal(t->shift, INT64_MAX);
	assert_int_equal(t->blocked_pred, UINT64_MAX);
	assert_int_equal(t->wasted, UINT64_MAX);
	assert_true(fl_delay_run_pred(t) == UINT64_MAX);
	fl_delay_add(t, UINT64_MAX, 0, 0);
	fl_delay_add(t, UINT64_MAX, 0, 0);
	assert_true(t->blocked_traced == UINT64_MAX);
	assert_true(t->shift == INT64_MIN);
	/* The most negative shift against the largest span. */
	t->shift = INT64_MIN;
	assert_true(fl_delay_run_pred(t) == UINT64_MAX - 5 - (uint64_t)INT64_MAX - 1);
	fl_delay_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_pred_of_an_ordinary_thread),
		cmocka_unit_test(huge_span_and_shift_saturate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
