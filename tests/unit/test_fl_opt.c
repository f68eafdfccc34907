/* lib/fl_opt: parsing (permuted positionals, --name=value, bundled short
 * flags, "--"), the checked values and their messages, and the help block. */
#include "unit.h"

#include <stdio.h>

#include "fl_opt.h"

static struct {
	bool wide, quiet, seen_top;
	int64_t top;
	int fmt;
	const char *html;
} v;

static const char *const fmts[] = { "table", "csv", "json", NULL };
static int nsets;

/* A callback counts its calls and refuses "bad". */
static int take(void *value, const char *arg, char *err, size_t len)
{
	(void)value;
	if (!strcmp(arg, "bad")) {
		snprintf(err, len, "--set: '%s' is bad", arg);
		return -1;
	}
	nsets++;
	return 0;
}

static const struct fl_option opts[] = {
	{ FL_OPT_FLAG, 'w', "wide", NULL, "cut nothing", &v.wide, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 'q', "quiet", NULL, "say less", &v.quiet, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_INT, 't', "top", "K", "rows\nsecond line", &v.top, &v.seen_top, 0,
	  "a count (0 for all)", NULL, NULL },
	{ FL_OPT_CHOICE, 'f', "format", "FMT", "the format", &v.fmt, NULL, 0, "format", fmts, NULL },
	{ FL_OPT_STRING, 0, "html", "FILE", "a page", &v.html, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_CALLBACK, 0, "set", "K=V", "a knob", NULL, NULL, 0, NULL, NULL, take },
	FL_OPT_END_,
};

static int parse(char **argv, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(&v, 0, sizeof(v));
	return fl_opt_parse(opts, argc, argv, err, 256);
}

static void parses(void **state)
{
	char a0[] = "x", a1[] = "db", a2[] = "--top=7", a3[] = "-wq", a4[] = "-fjson",
	     a5[] = "--html", a6[] = "p.html", a7[] = "pos2", a8[] = "--", a9[] = "--wide",
	     s1[] = "--set", s2[] = "a=1", s3[] = "--set=b=2";
	char *argv[] = { a0, s1, s2, a1, a2, s3, a3, a4, a5, a6, a7, a8, a9, NULL };
	char err[256];

	(void)state;
	nsets = 0;
	assert_int_equal(parse(argv, err), 3);
	assert_int_equal(nsets, 2);
	assert_string_equal(argv[1], "db");
	assert_string_equal(argv[2], "pos2");
	assert_string_equal(argv[3], "--wide");	/* after "--": a positional */
	assert_true(v.wide && v.quiet && v.seen_top);
	assert_int_equal(v.top, 7);
	assert_int_equal(v.fmt, 2);
	assert_string_equal(v.html, "p.html");
}

static void refuses(void **state)
{
	char a0[] = "x", b1[] = "--wdie", c1[] = "--top", c2[] = "-1", d1[] = "-f", d2[] = "xml",
	     e1[] = "--html", f1[] = "-z", g1[] = "--wide=1", h1[] = "--set", h2[] = "bad";
	char *b[] = { a0, b1, NULL }, *c[] = { a0, c1, c2, NULL }, *d[] = { a0, d1, d2, NULL },
	     *e[] = { a0, e1, NULL }, *f[] = { a0, f1, NULL }, *g[] = { a0, g1, NULL },
	     *h[] = { a0, h1, h2, NULL };
	char err[256];

	(void)state;
	assert_int_equal(parse(b, err), -1);
	assert_string_equal(err, "unknown option '--wdie' (did you mean '--wide'?)");
	assert_int_equal(parse(c, err), -1);
	assert_string_equal(err, "--top takes a count (0 for all), not '-1'");
	assert_int_equal(parse(d, err), -1);
	assert_string_equal(err, "unknown format 'xml' for -f (table, csv or json)");
	assert_int_equal(parse(e, err), -1);
	assert_string_equal(err, "option '--html' needs a value");
	assert_int_equal(parse(f, err), -1);
	assert_string_equal(err, "unknown option '-z'");
	assert_int_equal(parse(g, err), -1);
	assert_string_equal(err, "option '--wide' takes no value");
	assert_int_equal(parse(h, err), -1);
	assert_string_equal(err, "--set: 'bad' is bad");
}

static void help(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	fl_opt_print_help(f, opts);
	fclose(f);
	assert_string_equal(buf, "options:\n"
			    "  -w, --wide             cut nothing\n"
			    "  -q, --quiet            say less\n"
			    "  -t, --top K            rows\n"
			    "                         second line\n"
			    "  -f, --format FMT       the format\n"
			    "      --html FILE        a page\n"
			    "      --set K=V          a knob\n"
			    "  -h, --help             this help\n");
	free(buf);
}

static void distance(void **state)
{
	(void)state;
	assert_int_equal(fl_edit_distance("reprot", "report"), 1);
	assert_int_equal(fl_edit_distance("report", "report"), 0);
	assert_int_equal(fl_edit_distance("rpt", "report"), 3);
	assert_int_equal(fl_edit_distance("", "abc"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses),
		cmocka_unit_test(refuses),
		cmocka_unit_test(help),
		cmocka_unit_test(distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
