/* lib/fl_fmt: durations, seconds since an origin, nearest ranks. */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "fl_fmt.h"

static void durations(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 0), "0");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 850), "850 ns");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 1234), "1.23 us");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 12345), "12.3 us");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 123456), "123 us");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 4560000), "4.56 ms");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), 1230000000), "1.23 s");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), -850), "-850 ns");
	assert_string_equal(fl_fmt_ns(b, sizeof(b), INT64_MIN), "-9223372036.85 s");
	/* The TUI's cells: no space, and zero with its unit. */
	assert_string_equal(fl_fmt_duration(b, sizeof(b), 0, FL_FMT_COMPACT), "0ns");
	assert_string_equal(fl_fmt_duration(b, sizeof(b), 950, FL_FMT_COMPACT), "950ns");
	assert_string_equal(fl_fmt_duration(b, sizeof(b), 12345, FL_FMT_COMPACT), "12.3us");
	assert_string_equal(fl_fmt_duration(b, sizeof(b), -4560000, FL_FMT_COMPACT), "-4.56ms");
	assert_string_equal(fl_fmt_duration(b, sizeof(b), 1230000000, FL_FMT_COMPACT), "1.23s");
}

static void seconds(void **state)
{
	char b[40];

	(void)state;
	assert_string_equal(fl_fmt_secs(b, sizeof(b), 1000000567, 0), "1.000000567");
	assert_string_equal(fl_fmt_secs(b, sizeof(b), 5000000000, 4000000000), "1.000000000");
	assert_string_equal(fl_fmt_secs(b, sizeof(b), 0, 1), "-0.000000001");
	assert_string_equal(fl_fmt_secs(b, sizeof(b), INT64_MIN, 0), "-9223372036.854775808");
	/* The difference of any two int64 values, exact. */
	assert_string_equal(fl_fmt_secs(b, sizeof(b), INT64_MAX, INT64_MIN),
			    "18446744073.709551615");
	assert_string_equal(fl_fmt_secs(b, sizeof(b), INT64_MIN, INT64_MAX),
			    "-18446744073.709551615");
}

/* Time of day as babeltrace2 prints it, in UTC so the test does not hang
 * on the machine's zone. */
static void clock_times(void **state)
{
	char b[64];
	struct fl_time_fmt tf;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* traces/x86_64/fl-mmchurn's first event, babeltrace2: 09:04:21.047640765 */
	assert_string_equal(fl_fmt_clock(b, sizeof(b), 0, 1795338261047640765, false),
			    "09:04:21.047640765");
	assert_string_equal(fl_fmt_clock(b, sizeof(b), 1795338261000000000, 47640765, true),
			    "2026-11-22 09:04:21.047640765");
	assert_string_equal(fl_fmt_clock(b, sizeof(b), 0, 0, false), "00:00:00.000000000");
	assert_string_equal(fl_fmt_clock(b, sizeof(b), 0, -1, true),
			    "1969-12-31 23:59:59.999999999");
	/* Any two int64: the sum does not overflow. */
	assert_non_null(fl_fmt_clock(b, sizeof(b), INT64_MAX, INT64_MAX, true));
	assert_non_null(fl_fmt_clock(b, sizeof(b), INT64_MIN, INT64_MIN, false));

	fl_time_fmt_init(&tf, 1795338261047640765, 1795338261134784703, false);
	assert_string_equal(fl_fmt_at(b, sizeof(b), &tf, 1795338261099639219), "0.051998454");
	assert_string_equal(fl_fmt_since(b, sizeof(b), &tf, 51998454), "0.051998454");
	fl_time_fmt_init(&tf, 1795338261047640765, 1795338261134784703, true);
	assert_false(tf.date);
	assert_string_equal(fl_fmt_at(b, sizeof(b), &tf, 1795338261099639219),
			    "09:04:21.099639219");
	assert_string_equal(fl_fmt_since(b, sizeof(b), &tf, 51998454), "09:04:21.099639219");
	/* A span across midnight prints the date. */
	fl_time_fmt_init(&tf, 86399000000000, 86401000000000, true);
	assert_true(tf.date);
	assert_string_equal(fl_fmt_since(b, sizeof(b), &tf, 2000000000),
			    "1970-01-02 00:00:01.000000000");
}

static void nearest_rank(void **state)
{
	(void)state;
	assert_int_equal(fl_nearest_rank(0, 99), 0);
	assert_int_equal(fl_nearest_rank(1, 99), 1);
	assert_int_equal(fl_nearest_rank(100, 99), 99);
	assert_int_equal(fl_nearest_rank(101, 99), 100);	/* ceil(99.99) */
	assert_int_equal(fl_nearest_rank(10, 50), 5);
	assert_int_equal(fl_nearest_rank(11, 50), 6);
	assert_int_equal(fl_nearest_rank(7, 100), 7);
	assert_int_equal(fl_nearest_rank(7, 0), 0);
	assert_int_equal(fl_nearest_rank(7, 250), 7);		/* at most 100 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),
		cmocka_unit_test(seconds),
		cmocka_unit_test(clock_times),
		cmocka_unit_test(nearest_rank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
