/* Trace texts escaped for terminals (lib/fl_escape.c). */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "fl_escape.h"

static void esc(const char *in, const char *want)
{
	char buf[256];
	char *owned;
	const char *s = fl_escape_str(in, &owned);

	assert_string_equal(fl_escape(in, buf, sizeof(buf)), want);
	assert_string_equal(s, want);
	assert_int_equal(fl_escape_needed(in), strcmp(in, want) != 0);
	if (!owned)
		assert_ptr_equal(s, in);	/* nothing to escape: no copy */
	free(owned);
}

static void controls(void **state)
{
	(void)state;
	esc("", "");
	esc("node", "node");
	esc("/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	esc("\x1b[2J\x1b]0;pwned\a", "\\e[2J\\e]0;pwned\\x07");
	esc("a\tb\nc\rd", "a\\tb\\nc\\rd");
	esc("back\\slash", "back\\\\slash");
	esc("del\x7f", "del\\x7f");
	esc("\x01\x1f", "\\x01\\x1f");
}

static void utf8(void **state)
{
	(void)state;
	esc("caf\xc3\xa9", "caf\xc3\xa9");			/* é passes */
	esc("\xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x82\xac \xf0\x9f\x98\x80");	/* €, an emoji */
	esc("\xc2\x9b" "2J", "\\xc2\\x9b2J");			/* C1 CSI, U+009B */
	esc("\x9b" "2J", "\\x9b2J");				/* a lone 8-bit CSI */
	esc("\xc0\xaf", "\\xc0\\xaf");				/* overlong '/' */
	esc("\xed\xa0\x80", "\\xed\\xa0\\x80");			/* a surrogate */
	esc("\xe2\x82", "\\xe2\\x82");				/* cut short */
	esc("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
}

static void short_buffer(void **state)
{
	char buf[6];

	(void)state;
	/* Cut at a whole escape, always terminated. */
	assert_string_equal(fl_escape("ab\x1b\x1b" "cd", buf, sizeof(buf)), "ab\\e");
	assert_string_equal(fl_escape("\x01", buf, 4), "");
	assert_string_equal(fl_escape("abcdefgh", buf, sizeof(buf)), "abcde");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(controls),
		cmocka_unit_test(utf8),
		cmocka_unit_test(short_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
