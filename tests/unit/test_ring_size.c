/* The default perf ring size: grows with available memory, a power of two,
 * between the documented floor and cap per CPU. */
#include "unit.h"

#include "tracer/ring_size.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void bounds_and_growth(void **state)
{
	(void)state;
	/* Unknown or little memory: the floor, 4 MiB. */
	assert_int_equal(fl_ring_default_pages(2, 4096, 0), FL_RING_MIN_BYTES / 4096);
	assert_int_equal(fl_ring_default_pages(2, 4096, 256 * MiB), FL_RING_MIN_BYTES / 4096);
	/* 2 GiB, 2 CPUs: 2 GiB / 64 / 2 = 16 MiB each. */
	assert_int_equal(fl_ring_default_pages(2, 4096, 2 * GiB), 16 * MiB / 4096);
	/* Not a power of two: rounded down (3 GiB / 64 / 2 = 24 MiB -> 16). */
	assert_int_equal(fl_ring_default_pages(2, 4096, 3 * GiB), 16 * MiB / 4096);
	/* Plenty: the cap, 64 MiB per CPU. */
	assert_int_equal(fl_ring_default_pages(2, 4096, 64 * GiB), FL_RING_MAX_BYTES / 4096);
	/* Many CPUs share the same budget: 8 GiB / 64 / 64 = 2 MiB -> floor. */
	assert_int_equal(fl_ring_default_pages(64, 4096, 8 * GiB), FL_RING_MIN_BYTES / 4096);
	/* 64 KiB pages: the same bytes in fewer pages. */
	assert_int_equal(fl_ring_default_pages(2, 65536, 2 * GiB), 16 * MiB / 65536);
	/* Nonsense inputs still give a usable power of two. */
	assert_int_equal(fl_ring_default_pages(0, 0, 0), FL_RING_MIN_BYTES / 4096);
}

static void power_of_two(void **state)
{
	(void)state;
	for (uint64_t m = 0; m < 200 * GiB; m = m * 3 + MiB) {
		size_t p = fl_ring_default_pages(3, 4096, m);
		assert_true(p > 0 && (p & (p - 1)) == 0);
		assert_true((uint64_t)p * 4096 <= FL_RING_MAX_BYTES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounds_and_growth),
		cmocka_unit_test(power_of_two),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
