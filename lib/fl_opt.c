/* fl_opt: a table of options parses argv and prints their help. */
#include "fl_opt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

size_t fl_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[64][64];

	if (la >= 64 || lb >= 64)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* "a, b or c" of a choice list. */
static void choice_list(const char *const *c, char *buf, size_t len)
{
	size_t n = 0, off = 0;

	while (c[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i]);
}

/* The option's name as the user wrote it: "--run" or "-r". */
static const char *shown(const struct fl_option *o, bool is_long, char *buf, size_t len)
{
	if (is_long || !o->short_name)
		snprintf(buf, len, "--%s", o->long_name);
	else
		snprintf(buf, len, "-%c", o->short_name);
	return buf;
}

static int take(const struct fl_option *o, bool is_long, const char *arg, char *err, size_t len)
{
	char name[64], list[256];

	if (o->seen)
		*o->seen = true;
	switch (o->type) {
	case FL_OPT_FLAG:
		*(bool *)o->value = true;
		return 0;
	case FL_OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case FL_OPT_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(arg, &end, 10);
		if (errno || end == arg || *end || v < o->min)
			return fail(err, len, "%s takes %s, not '%s'", shown(o, true, name, sizeof(name)),
				    o->what ? o->what : "an integer", arg);
		*(int64_t *)o->value = v;
		return 0;
	}
	case FL_OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++) {
			if (!strcmp(o->choices[i], arg)) {
				*(int *)o->value = i;
				return 0;
			}
		}
		choice_list(o->choices, list, sizeof(list));
		return fail(err, len, "unknown %s '%s' for %s (%s)", o->what ? o->what : "value", arg,
			    shown(o, is_long, name, sizeof(name)), list);
	case FL_OPT_CALLBACK:
	case FL_OPT_CALLBACK_OPTARG:
		return o->cb(o->value, arg, err, len);
	case FL_OPT_END:
		break;
	}
	return fail(err, len, "internal: bad option table");
}

/* Whether the option takes the next word as its value when it has no
 * "=VALUE" (or, short, no attached one). */
static bool needs_arg(const struct fl_option *o)
{
	return o->type != FL_OPT_FLAG && o->type != FL_OPT_CALLBACK_OPTARG;
}

/* An unknown --name: the nearest long option, for the message: the one
 * it begins (getopt_long took such abbreviations; fl_opt wants the whole
 * name, so that a new option never makes an old abbreviation ambiguous),
 * else the nearest by edit distance. */
static const char *nearest(const struct fl_option *opts, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3, nprefix = 0;

	for (const struct fl_option *o = opts; o->type != FL_OPT_END; o++) {
		if (name[0] && !strncmp(o->long_name, name, strlen(name))) {
			nprefix++;
			best = o->long_name;
		}
	}
	if (nprefix == 1)
		return best;
	best = NULL;
	for (const struct fl_option *o = opts; o->type != FL_OPT_END; o++) {
		size_t d = fl_edit_distance(name, o->long_name);

		if (d < best_d && 2 * d <= strlen(name)) {
			best_d = d;
			best = o->long_name;
		}
	}
	return best;
}

/* "--name" or "--name=VALUE" at argv[*i], and its value in argv[*i + 1]
 * when it takes one: 0, FL_OPT_PARSE_HELP, or -1 with err. */
static int parse_long(const struct fl_option *opts, int argc, char **argv, int *i, char *err,
		      size_t errlen)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const struct fl_option *o;

	for (o = opts; o->type != FL_OPT_END; o++)
		if (strlen(o->long_name) == n && !strncmp(o->long_name, name, n))
			break;
	if (o->type == FL_OPT_END) {
		char want[64];
		const char *near;

		if (!strcmp(name, "help"))
			return FL_OPT_PARSE_HELP;
		snprintf(want, sizeof(want), "%.*s", (int)(n < 63 ? n : 63), name);
		near = nearest(opts, want);
		if (near)
			return fail(err, errlen, "unknown option '--%s' (did you mean '--%s'?)", want,
				    near);
		return fail(err, errlen, "unknown option '--%s'", want);
	}
	if (o->type == FL_OPT_CALLBACK_OPTARG)
		return take(o, true, eq ? eq + 1 : NULL, err, errlen);
	if (!needs_arg(o)) {
		if (eq)
			return fail(err, errlen, "option '--%s' takes no value", o->long_name);
		return take(o, true, NULL, err, errlen);
	}
	if (!eq && *i + 1 >= argc)
		return fail(err, errlen, "option '--%s' needs a value", o->long_name);
	return take(o, true, eq ? eq + 1 : argv[++*i], err, errlen);
}

/* Short options at argv[*i], bundled: -wq, -r5, -r 5. */
static int parse_short(const struct fl_option *opts, int argc, char **argv, int *i, char *err,
		       size_t errlen)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct fl_option *o;
		int rc;

		for (o = opts; o->type != FL_OPT_END; o++)
			if (o->short_name == *p)
				break;
		if (o->type == FL_OPT_END) {
			if (*p == 'h')
				return FL_OPT_PARSE_HELP;
			return fail(err, errlen, "unknown option '-%c'", *p);
		}
		if (o->type == FL_OPT_CALLBACK_OPTARG)
			return take(o, false, p[1] ? p + 1 : NULL, err, errlen);
		if (!needs_arg(o)) {
			if ((rc = take(o, false, NULL, err, errlen)) < 0)
				return rc;
			continue;
		}
		if (p[1])
			return take(o, false, p + 1, err, errlen);
		if (*i + 1 < argc)
			return take(o, false, argv[++*i], err, errlen);
		return fail(err, errlen, "option '-%c' needs a value", *p);
	}
	return 0;
}

int fl_opt_parse_flags(const struct fl_option *opts, unsigned flags, int argc, char **argv,
		       char *err, size_t errlen)
{
	int npos = 0, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (++i < argc)
				argv[1 + npos++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {	/* a positional ("-" too) */
			argv[1 + npos++] = argv[i];
			if (flags & FL_OPT_PARSE_STOP_AT_ARG) {
				while (++i < argc)
					argv[1 + npos++] = argv[i];
				break;
			}
			continue;
		}
		rc = a[1] == '-' ? parse_long(opts, argc, argv, &i, err, errlen)
				 : parse_short(opts, argc, argv, &i, err, errlen);
		if (rc < 0)
			return rc;
	}
	return npos;
}

int fl_opt_parse(const struct fl_option *opts, int argc, char **argv, char *err, size_t errlen)
{
	return fl_opt_parse_flags(opts, 0, argc, argv, err, errlen);
}

static void print_one(FILE *out, const char *head, const char *help)
{
	const char *nl;

	if (strlen(head) > 21) {
		fprintf(out, "  %s\n%25s", head, "");
	} else {
		fprintf(out, "  %-23s", head);
	}
	/* Each line of help under the first. */
	while ((nl = strchr(help, '\n'))) {
		fprintf(out, "%.*s\n%25s", (int)(nl - help), help, "");
		help = nl + 1;
	}
	fprintf(out, "%s\n", help);
}

void fl_opt_print_help(FILE *out, const struct fl_option *opts)
{
	char head[96];

	fprintf(out, "options:\n");
	for (const struct fl_option *o = opts; o->type != FL_OPT_END; o++) {
		int n;

		if (o->short_name)
			n = snprintf(head, sizeof(head), "-%c, --%s", o->short_name, o->long_name);
		else
			n = snprintf(head, sizeof(head), "    --%s", o->long_name);
		if (n > 0 && (size_t)n < sizeof(head) && o->type == FL_OPT_CALLBACK_OPTARG)
			snprintf(head + n, sizeof(head) - (size_t)n, "[=%s]", o->argh ? o->argh : "VALUE");
		else if (needs_arg(o) && n > 0 && (size_t)n < sizeof(head))
			snprintf(head + n, sizeof(head) - (size_t)n, " %s", o->argh ? o->argh : "VALUE");
		print_one(out, head, o->help ? o->help : "");
	}
	print_one(out, "-h, --help", "this help");
}
