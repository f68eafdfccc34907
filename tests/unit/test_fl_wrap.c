/* fl_wrap_next(): lines of whole words at most the width wide, a word
 * longer than the width alone on its line and never cut, spaces at the
 * ends of lines dropped. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "fl_wrap.h"

/* The lines of text at width, joined by '|'. */
static const char *lines_of(const char *text, size_t width, char *out, size_t len)
{
	const char *line;
	size_t n, at = 0;

	out[0] = '\0';
	while ((n = fl_wrap_next(&text, width, &line)) > 0) {
		assert_true(n <= width || !memchr(line, ' ', n));
		at += (size_t)snprintf(out + at, len - at, "%s%.*s", at ? "|" : "", (int)n, line);
		assert_true(at < len);
	}
	return out;
}

static void words_fill_each_line(void **state)
{
	char out[256];

	(void)state;
	assert_string_equal(lines_of("aa bb cc dd", 5, out, sizeof(out)), "aa bb|cc dd");
	assert_string_equal(lines_of("aa bb cc dd", 4, out, sizeof(out)), "aa|bb|cc|dd");
	assert_string_equal(lines_of("aa bb cc dd", 11, out, sizeof(out)), "aa bb cc dd");
	assert_string_equal(lines_of("aa bb cc dd", 10, out, sizeof(out)), "aa bb cc|dd");
}

static void a_long_word_is_kept_whole(void **state)
{
	char out[256];

	(void)state;
	assert_string_equal(lines_of("see __handle_speculative_fault() now", 8, out, sizeof(out)),
			    "see|__handle_speculative_fault()|now");
	assert_string_equal(lines_of("abcdefgh", 3, out, sizeof(out)), "abcdefgh");
}

static void spaces_at_the_ends_are_dropped(void **state)
{
	char out[256];
	const char *text = "   ", *line;

	(void)state;
	assert_string_equal(lines_of("  aa   bb  ", 20, out, sizeof(out)), "aa   bb");
	assert_string_equal(lines_of("aa   bb", 4, out, sizeof(out)), "aa|bb");
	assert_int_equal(fl_wrap_next(&text, 10, &line), 0);
	text = "";
	assert_int_equal(fl_wrap_next(&text, 10, &line), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_fill_each_line),
		cmocka_unit_test(a_long_word_is_kept_whole),
		cmocka_unit_test(spaces_at_the_ends_are_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
