/* thread_order: a tid-keyed map's records listed by (pid, tid), whatever
 * the map's order, with the records found at an offset inside the values
 * (the engine's map holds struct thread, its list the pub inside). */
#include "unit.h"

#include "thread_order.h"

struct rec {
	int32_t pid, tid;
	int tag;
};

struct outer {
	char before[24];
	struct rec pub;
};

FL_THREAD_ORDER_CHECK(struct rec);

static void sorted_by_pid_then_tid(void **state)
{
	static struct rec r[] = {
		{ 7, 9, 0 }, { 3, 4, 1 }, { 7, 7, 2 }, { -1, 5, 3 }, { 3, 3, 4 }, { 7, -2, 5 },
	};
	static const int want[] = { 3, 4, 1, 5, 2, 0 };
	struct fl_map m;
	struct rec **v;
	size_t n;

	(void)state;
	fl_map_init(&m);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		assert_int_equal(fl_map_put(&m, (uint64_t)(uint32_t)r[i].tid + 1, &r[i]), 0);
	v = (struct rec **)fl_threads_sorted(&m, 0, &n);
	assert_non_null(v);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i]->tag, want[i]);
	free(v);
	fl_map_free(&m);
}

static void records_inside_the_values(void **state)
{
	static struct outer o[] = { { "b", { 2, 20, 0 } }, { "a", { 1, 10, 1 } } };
	struct fl_map m;
	struct rec **v;
	size_t n;

	(void)state;
	fl_map_init(&m);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(fl_map_put(&m, (uint64_t)o[i].pub.tid + 1, &o[i]), 0);
	v = (struct rec **)fl_threads_sorted(&m, offsetof(struct outer, pub), &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(v[0], &o[1].pub);
	assert_ptr_equal(v[1], &o[0].pub);
	free(v);
	fl_map_free(&m);
}

static void empty_map(void **state)
{
	struct fl_map m;
	void **v;
	size_t n = 99;

	(void)state;
	fl_map_init(&m);
	v = fl_threads_sorted(&m, 0, &n);
	assert_non_null(v);
	assert_int_equal(n, 0);
	free(v);
	fl_map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorted_by_pid_then_tid),
		cmocka_unit_test(records_inside_the_values),
		cmocka_unit_test(empty_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
