/* The subcommand table's entries (perf's builtin-*.c, git's git.c).
 *
 * Each subcommand lives in one builtin-<name>.c file in the folder that owns
 * its work and exports one struct fl_cmd.  Its help text is the one place
 * that documents it: `faultline help CMD`, `faultline CMD --help` and the
 * man page faultline-CMD(1) are all generated from it.
 */
#ifndef FL_BUILTIN_H
#define FL_BUILTIN_H

#include <stdio.h>

#include "fl_err.h"
#include "fl_opt.h"

/* Exit statuses shared by all subcommands. */
enum {
	FL_EXIT_OK = 0,
	FL_EXIT_FAIL = 1,	/* the work failed: bad input, I/O */
	FL_EXIT_USAGE = 2,	/* the command line was wrong */
};

/* The database replay writes without -o, and report, diff, export and tui
 * read without a DB argument (as perf record and perf report share
 * perf.data). */
#define FL_DEFAULT_DB "faultline.db"

struct fl_cmd {
	const char *name;
	const char *summary;	/* one line, for `faultline --help` */
	const char *usage;	/* "faultline info [--format text|json] TRACE" */
	const char *help;	/* the full description, options and examples */
	int (*run)(int argc, char **argv);
	/* Optional: the options as a table (lib/fl_opt.h).  Then help is the
	 * description, the "options:" block is printed from the table, and
	 * help_tail follows it (columns, exit status, examples). */
	const struct fl_option *options;
	const char *help_tail;
	/* FL_OPT_PARSE_* flags for the table.  With FL_OPT_PARSE_STOP_AT_ARG
	 * the words after the first positional are another command's, so
	 * the dispatcher leaves -h and --help to the parse, which knows
	 * where the options end. */
	unsigned opt_flags;
	/* Optional: more help printed after help, from tables the command
	 * owns (replay's knobs), so the help never repeats them by hand. */
	void (*help_more)(FILE *out);
};

extern const struct fl_cmd fl_cmd_info;
extern const struct fl_cmd fl_cmd_replay;
extern const struct fl_cmd fl_cmd_report;
extern const struct fl_cmd fl_cmd_diff;
extern const struct fl_cmd fl_cmd_export;
extern const struct fl_cmd fl_cmd_tui;
extern const struct fl_cmd fl_cmd_merge;
extern const struct fl_cmd fl_cmd_sweep;

/* Print the full help of cmd (usage, description) to stdout. */
void fl_cmd_print_help(const struct fl_cmd *cmd);
/* Parse argv against cmd->options: the positional arguments end up in
 * argv[1..n] and n is returned; or a usage error is printed and -1
 * returned; or, for -h or --help (reached only with
 * FL_OPT_PARSE_STOP_AT_ARG), the help is printed and FL_OPT_PARSE_HELP
 * returned. */
int fl_cmd_parse(const struct fl_cmd *cmd, int argc, char **argv);
/* Report an unknown option or bad argument for cmd and return FL_EXIT_USAGE. */
int fl_cmd_usage_error(const struct fl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A command's exit status from its work's result: err printed on stderr
 * and FL_EXIT_FAIL when rc < 0, else FL_EXIT_OK. */
static inline int fl_cmd_exit(int rc, const struct fl_err *err)
{
	if (rc >= 0)
		return FL_EXIT_OK;
	fl_err_print(err, stderr);
	return FL_EXIT_FAIL;
}

#endif
