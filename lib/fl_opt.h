/* fl_opt: one option parser for every command (git's parse-options in
 * miniature).  A command describes its options in a table; the same table
 * parses argv, checks values (integers with a floor, one of a list of
 * words) with the same messages everywhere, and prints the "options:"
 * block of the command's help, which is also its man page's OPTIONS.
 *
 * Options may come before, between or after the positional arguments (as
 * getopt_long permutes them); "--" ends them.  A command that runs another
 * (record -- CMD ARGS) asks for FL_OPT_PARSE_STOP_AT_ARG instead: the first
 * positional ends the options, and what follows it is the other command's,
 * options too (getopt's "+").  Long options take "--name VALUE" or
 * "--name=VALUE"; short ones "-n VALUE" or "-nVALUE", and flags bundle
 * ("-wq").  "-h" and "--help", which every help block lists, are found
 * where the options are, not taken for a value.
 */
#ifndef FL_OPT_H
#define FL_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum fl_opt_type {
	FL_OPT_END,
	FL_OPT_FLAG,	/* bool *value = true */
	FL_OPT_STRING,	/* const char **value = the argument */
	FL_OPT_INT,	/* int64_t *value, a whole decimal integer >= min */
	FL_OPT_CHOICE,	/* int *value = the index of the argument in choices */
	FL_OPT_CALLBACK,	/* cb(value, argument): a value with its own rules */
	/* cb(value, argument or NULL): a value that may be left out, given
	 * only as "--name=VALUE" or "-nVALUE" (getopt_long's
	 * optional_argument); help shows "--name[=ARGH]". */
	FL_OPT_CALLBACK_OPTARG,
};

struct fl_option {
	enum fl_opt_type type;
	int short_name;			/* 0: none */
	const char *long_name;
	const char *argh;		/* the value's name in help: "N", "FMT" */
	const char *help;		/* lines after the first are indented */
	void *value;
	bool *seen;			/* optional: set when the option is given */
	int64_t min;			/* FL_OPT_INT */
	const char *what;		/* INT: "a count (0 for all)"; CHOICE: "format" */
	const char *const *choices;	/* FL_OPT_CHOICE, NULL-terminated */
	/* FL_OPT_CALLBACK: 0, or -1 with a message in err. */
	int (*cb)(void *value, const char *arg, char *err, size_t errlen);
};

#define FL_OPT_END_ { FL_OPT_END, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL }

/* fl_opt_parse_flags()'s flags. */
#define FL_OPT_PARSE_STOP_AT_ARG 0x1u	/* the first positional ends the options */

/* fl_opt_parse()'s answer to "-h" or "--help" among the options. */
#define FL_OPT_PARSE_HELP (-2)

/* Parses argv[1..argc) against opts, storing values as they come (a later
 * option wins).  The positional arguments end up in argv[1..n], in their
 * order; returns n, FL_OPT_PARSE_HELP for -h or --help, or -1 with a
 * message for the user in err. */
int fl_opt_parse(const struct fl_option *opts, int argc, char **argv, char *err, size_t errlen);
/* The same, with FL_OPT_PARSE_* flags. */
int fl_opt_parse_flags(const struct fl_option *opts, unsigned flags, int argc, char **argv,
		       char *err, size_t errlen);

/* The "options:" block: "  -r, --run N            help", the help at
 * column 25 (on the next line when the name is longer), then
 * "  -h, --help             this help". */
void fl_opt_print_help(FILE *out, const struct fl_option *opts);

/* Edit distance with transpositions (optimal string alignment), for "did
 * you mean"; (size_t)-1 for strings of 64 bytes or more. */
size_t fl_edit_distance(const char *a, const char *b);

#endif
