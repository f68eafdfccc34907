/* replay/knob_doc and analyze/knobs: every knob of every strategy has a
 * unit and a source; a run's knobs not at their defaults are named. */
#include "unit.h"

#include <stdio.h>

#include "analyze/knobs.h"
#include "knob_doc.h"

static void every_knob_documented(void **state)
{
	(void)state;
	for (size_t i = 0; fl_strategies[i]; i++) {
		const struct fl_knob *k = fl_strategies[i]->knobs;

		for (size_t n = 0; k && k[n].key; n++) {
			const struct fl_knob_doc *d = fl_knob_doc(fl_strategies[i]->name, k[n].key);

			if (!d)
				fail_msg("knob %s of %s has no unit and source", k[n].key,
					 fl_strategies[i]->name);
			assert_true(d->unit[0] && d->source[0]);
			assert_true(fl_knob_known(k[n].key));
		}
	}
	assert_true(fl_knob_known("arch"));
	assert_false(fl_knob_known("writer_scal"));
	assert_null(fl_knob_doc("spf", "nope"));
}

static void printed(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	fl_knobs_print(f, NULL);
	fl_knobs_list_line(f, fl_strategy_find("spf"));
	fclose(f);
	assert_non_null(strstr(buf, "writer_scale             percent, default 100, 0..1000\n"));
	assert_non_null(strstr(buf, "jitter_ns (ns, default 0)"));
	assert_non_null(strstr(buf, "vma_lock_delay"));
	free(buf);
}

static void nondefault(void **state)
{
	char buf[64], small[12];
	char *s;

	(void)state;
	s = fl_knobs_nondefault("spf", "{\"spec_file\":0,\"writer_scale\":200,"
				"\"jitter_ns\":0,\"arch\":\"ppc64\"}");
	assert_string_equal(s, "writer_scale=200 arch=ppc64");
	free(s);
	s = fl_knobs_nondefault("pervma", "{\"vma_lock_delay\":0}");
	assert_string_equal(s, "");
	free(s);
	/* A knob this build does not know is not at a default it knows. */
	s = fl_knobs_nondefault("pervma", "{\"vma_lock_delay\":0,\"newer\":1}");
	assert_string_equal(s, "newer=1");
	free(s);
	s = fl_knobs_nondefault("classic", "not json");
	assert_string_equal(s, "not json");
	free(s);
	/* Text that would not read back as one word is quoted; escapes decoded;
	 * spaces of any JSON writer; true, false, null and reals as written. */
	s = fl_knobs_nondefault("pervma", " { \"mmu\" : \"a b\" , \"x\":\"\", \"y\":\"q\\\"\","
				" \"t\":true, \"n\":null, \"r\":1.5, \"vma_lock_delay\" : 7 } ");
	assert_string_equal(s, "mmu=\"a b\" x=\"\" y=\"q\"\" t=true n=null r=1.5 vma_lock_delay=7");
	free(s);
	/* Not a flat object: as it is. */
	s = fl_knobs_nondefault("pervma", "{\"a\":1");
	assert_string_equal(s, "{\"a\":1");
	free(s);
	s = fl_knobs_nondefault("pervma", NULL);
	assert_string_equal(s, "");
	free(s);

	/* The label form: the same knobs, text unquoted, cut to the buffer. */
	assert_string_equal(fl_run_knobs_nondefault("spf", "{\"writer_scale\":200,\"jitter_ns\":0,"
						    "\"arch\":\"ppc64\"}", buf, sizeof(buf)),
			    "writer_scale=200 arch=ppc64");
	assert_string_equal(fl_run_knobs_nondefault("pervma", "{\"mmu\":\"a b\"}", buf,
						    sizeof(buf)), "mmu=a b");
	assert_string_equal(fl_run_knobs_nondefault("pervma", "not json", buf, sizeof(buf)), "");
	assert_string_equal(fl_run_knobs_nondefault("spf",
						    "{\"writer_scale\":200,\"arch\":\"ppc64\"}",
						    small, sizeof(small)), "writer_scal");
	assert_string_equal(fl_run_knobs_nondefault(NULL, "{\"a\":0}", buf, sizeof(buf)), "a=0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_knob_documented),
		cmocka_unit_test(printed),
		cmocka_unit_test(nondefault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
