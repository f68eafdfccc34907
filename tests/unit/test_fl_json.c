/* The JSON writer: nesting, commas, escaping. */
#include "unit.h"

#include <stdio.h>

#include "fl_json.h"

static void document(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fl_json j;

	(void)state;
	fl_json_init(&j, f);
	fl_json_obj_begin(&j, NULL);
	fl_json_str(&j, "s", "a\"b\\c\n\x01");
	fl_json_u64(&j, "u", 18446744073709551615ULL);
	fl_json_i64(&j, "i", -3);
	fl_json_arr_begin(&j, "a");
	fl_json_bool(&j, NULL, true);
	fl_json_null(&j, NULL);
	fl_json_arr_end(&j);
	fl_json_arr_begin(&j, "empty");
	fl_json_arr_end(&j);
	fl_json_double(&j, "nan", 0.0 / 0.0);
	fl_json_obj_end(&j);
	fl_json_finish(&j);
	fclose(f);
	assert_string_equal(buf,
			    "{\n"
			    "  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n"
			    "  \"u\": 18446744073709551615,\n"
			    "  \"i\": -3,\n"
			    "  \"a\": [\n"
			    "    true,\n"
			    "    null\n"
			    "  ],\n"
			    "  \"empty\": [],\n"
			    "  \"nan\": null\n"
			    "}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
