/* fl_map against a plain array reference, through growth and deletions. */
#include "unit.h"

#include "fl_map.h"

#define N 5000

static void put_get_del(void **state)
{
	struct fl_map m;
	static uintptr_t ref[N];
	uint64_t seed = 12345;

	(void)state;
	fl_map_init(&m);
	assert_null(fl_map_get(&m, 7));
	for (int round = 0; round < 20000; round++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t k = (seed >> 33) % N + 1;	/* 0 is reserved */
		if ((seed >> 20) & 1) {
			uintptr_t v = (uintptr_t)round + 1;
			assert_int_equal(fl_map_put(&m, k, (void *)v), 0);
			ref[k - 1] = v;
		} else {
			assert_ptr_equal(fl_map_del(&m, k), (void *)ref[k - 1]);
			ref[k - 1] = 0;
		}
	}
	size_t live = 0;
	for (uint64_t k = 1; k <= N; k++) {
		assert_ptr_equal(fl_map_get(&m, k), (void *)ref[k - 1]);
		live += ref[k - 1] != 0;
	}
	assert_int_equal(m.len, live);

	size_t it = 0, seen = 0;
	uint64_t key;
	void *val;
	while (fl_map_next(&m, &it, &key, &val)) {
		assert_ptr_equal(val, (void *)ref[key - 1]);
		seen++;
	}
	assert_int_equal(seen, live);
	fl_map_free(&m);
}

static void zero_key_refused(void **state)
{
	struct fl_map m;

	(void)state;
	fl_map_init(&m);
	assert_true(fl_map_put(&m, 0, (void *)1) < 0);
	assert_null(fl_map_get(&m, 0));
	assert_null(fl_map_del(&m, 0));
	fl_map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_get_del),
		cmocka_unit_test(zero_key_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
