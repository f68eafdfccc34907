/* lib/fl_opt: parsing (permuted positionals, --name=value, bundled short
 * flags, "--", options that end at the first positional, values that may
 * be left out, -h and --help), the checked values and their messages, and
 * the help block. */
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

/* An optional value: NULL when left out, counted as -1. */
static int64_t live;

static int take_live(void *value, const char *arg, char *err, size_t len)
{
	(void)value;
	if (arg && strcmp(arg, "5")) {
		snprintf(err, len, "--live: '%s' is not 5", arg);
		return -1;
	}
	live = arg ? 5 : -1;
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
	{ FL_OPT_CALLBACK_OPTARG, 'l', "live", "MS", "follow", NULL, NULL, 0, NULL, NULL, take_live },
	FL_OPT_END_,
};

static int parse_flags(char **argv, unsigned flags, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(&v, 0, sizeof(v));
	live = 0;
	return fl_opt_parse_flags(opts, flags, argc, argv, err, 256);
}

static int parse(char **argv, char *err)
{
	return parse_flags(argv, 0, err);
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

/* FL_OPT_PARSE_STOP_AT_ARG: the first positional and every word after it
 * are positionals (record's command line), "--" or not. */
static void stops_at_arg(void **state)
{
	char a0[] = "x", a1[] = "-w", a2[] = "prog", a3[] = "-q", a4[] = "--top=3", a5[] = "--",
	     a6[] = "--help", b2[] = "-t", b3[] = "2";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };
	char *dd[] = { a0, b2, b3, a5, a1, a6, NULL };
	char *perm[] = { a0, a2, a1, NULL };
	char err[256];

	(void)state;
	assert_int_equal(parse_flags(argv, FL_OPT_PARSE_STOP_AT_ARG, err), 5);
	assert_true(v.wide);
	assert_false(v.quiet || v.seen_top);
	assert_string_equal(argv[1], "prog");
	assert_string_equal(argv[2], "-q");
	assert_string_equal(argv[3], "--top=3");
	assert_string_equal(argv[4], "--");
	assert_string_equal(argv[5], "--help");
	assert_int_equal(parse_flags(dd, FL_OPT_PARSE_STOP_AT_ARG, err), 2);
	assert_int_equal(v.top, 2);
	assert_false(v.wide);
	assert_string_equal(dd[1], "-w");
	assert_string_equal(dd[2], "--help");
	/* Without the flag the options after a positional are still taken. */
	assert_int_equal(parse(perm, err), 1);
	assert_true(v.wide);
}

/* A value that may be left out: only --name=VALUE or -nVALUE give one. */
static void optional_value(void **state)
{
	char a0[] = "x", a1[] = "--live", a2[] = "5", b1[] = "--live=5", c1[] = "-l5", d1[] = "-wl",
	     e1[] = "--live=6";
	char *a[] = { a0, a1, a2, NULL }, *b[] = { a0, b1, NULL }, *c[] = { a0, c1, NULL },
	     *d[] = { a0, d1, NULL }, *e[] = { a0, e1, NULL };
	char err[256];

	(void)state;
	assert_int_equal(parse(a, err), 1);
	assert_int_equal(live, -1);
	assert_string_equal(a[1], "5");
	assert_int_equal(parse(b, err), 0);
	assert_int_equal(live, 5);
	assert_int_equal(parse(c, err), 0);
	assert_int_equal(live, 5);
	assert_int_equal(parse(d, err), 0);
	assert_true(v.wide);
	assert_int_equal(live, -1);
	assert_int_equal(parse(e, err), -1);
	assert_string_equal(err, "--live: '6' is not 5");
}

/* -h and --help where the options are; after "--" they are words. */
static void asks_help(void **state)
{
	char a0[] = "x", a1[] = "--help", b1[] = "-wh", c1[] = "--", d1[] = "--top", d2[] = "-h";
	char *a[] = { a0, a1, NULL }, *b[] = { a0, b1, NULL }, *c[] = { a0, c1, a1, NULL },
	     *d[] = { a0, d1, d2, NULL };
	char err[256];

	(void)state;
	assert_int_equal(parse(a, err), FL_OPT_PARSE_HELP);
	assert_int_equal(parse(b, err), FL_OPT_PARSE_HELP);
	assert_int_equal(parse(c, err), 1);
	/* A value that looks like -h is the value. */
	assert_int_equal(parse(d, err), -1);
	assert_string_equal(err, "--top takes a count (0 for all), not '-h'");
}

/* An unknown --name that begins one option's name suggests it. */
static void suggests_prefix(void **state)
{
	char a0[] = "x", a1[] = "--for", b1[] = "--h";
	char *a[] = { a0, a1, NULL }, *b[] = { a0, b1, NULL };
	char err[256];

	(void)state;
	assert_int_equal(parse(a, err), -1);
	assert_string_equal(err, "unknown option '--for' (did you mean '--format'?)");
	assert_int_equal(parse(b, err), -1);
	assert_string_equal(err, "unknown option '--h' (did you mean '--html'?)");
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
			    "  -l, --live[=MS]        follow\n"
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
		cmocka_unit_test(stops_at_arg),
		cmocka_unit_test(optional_value),
		cmocka_unit_test(asks_help),
		cmocka_unit_test(suggests_prefix),
		cmocka_unit_test(help),
		cmocka_unit_test(distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
