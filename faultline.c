/* faultline: the command table and dispatch (git.c, perf.c).
 *
 *   faultline [--version] [--help] COMMAND [ARGS]
 *
 * Every subcommand is one entry in `commands` below; its code and help text
 * live in its own builtin-<name>.c.
 */
#ifndef FL_RECORD_ONLY
#include <babeltrace2/babeltrace.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "fl_err.h"
#include "fl_out.h"
#include "fl_version.h"
#ifndef FL_RECORD_ONLY
#include "knob_doc.h"
#endif


static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct fl_cmd fl_cmd_help = {
	.name = "help",
	.summary = "show help for faultline or one of its commands",
	.usage = "faultline help [COMMAND|knobs|causes]",
	.help = "With no COMMAND, list the commands.  With one, print its full help:\n"
		"the same text as `faultline COMMAND --help` and `man faultline-COMMAND`.\n"
		"`faultline help knobs` lists every strategy's knobs (replay --set): unit,\n"
		"default, range, meaning and the review or kernel code it comes from.\n"
		"`faultline help causes` lists every (counter, reason) each strategy can\n"
		"give a fault, with the kernel function that decides it.\n"
		"\n"
		"examples:\n"
		"  faultline help report\n"
		"  faultline help knobs\n"
		"  faultline help causes\n",
	.run = cmd_help,
};

static const struct fl_cmd fl_cmd_version = {
	.name = "version",
	.summary = "print the faultline version",
	.usage = "faultline version",
	.help = "Print the version and the libbabeltrace2 it was built against.\n"
		"\n"
		"example:\n"
		"  faultline version\n",
	.run = cmd_version,
};

extern const struct fl_cmd fl_cmd_record;

static const struct fl_cmd *const commands[] = {
	&fl_cmd_record,
#ifndef FL_RECORD_ONLY	/* the cross-built recorder (make ppc64le) reads no traces */
	&fl_cmd_info,
	&fl_cmd_replay,
	&fl_cmd_report,
	&fl_cmd_diff,
	&fl_cmd_export,
	&fl_cmd_tui,
	&fl_cmd_sweep,
	&fl_cmd_merge,
#endif
	&fl_cmd_help,
	&fl_cmd_version,
	NULL,
};

static const struct fl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

void fl_cmd_print_help(const struct fl_cmd *cmd)
{
	printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->help && cmd->help[0])
		printf("\n%s", cmd->help);
	if (cmd->options) {
		printf("\n");
		fl_opt_print_help(stdout, cmd->options);
	}
	if (cmd->help_tail && cmd->help_tail[0])
		printf("\n%s", cmd->help_tail);
	if (cmd->help_more)
		cmd->help_more(stdout);
}

int fl_cmd_parse(const struct fl_cmd *cmd, int argc, char **argv)
{
	char err[512];
	int n = fl_opt_parse_flags(cmd->options, cmd->opt_flags, argc, argv, err, sizeof(err));

	if (n == FL_OPT_PARSE_HELP)
		fl_cmd_print_help(cmd);
	else if (n < 0)
		fl_cmd_usage_error(cmd, "%s", err);
	return n;
}

int fl_cmd_usage_error(const struct fl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "faultline %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\nhint: see 'faultline help %s'\n", cmd->usage, cmd->name);
	return FL_EXIT_USAGE;
}

static void print_main_help(FILE *out)
{
	fprintf(out,
		"usage: faultline [--version] [--help] COMMAND [ARGS]\n"
		"\n"
		"Capture page faults and mmap-family events, replay them through the\n"
		"kernel's fault-handling strategies, and show which faults would abort\n"
		"or retry, and why.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; commands[i]; i++)
		fprintf(out, "   %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nSee 'faultline help COMMAND' for one command's options.\n");
}

/* Nearest command name, for "did you mean": the smallest edit distance,
 * at most 2 and at most half the name's length; ties
 * go to the earlier command in the table; else the one command name
 * begins with ("rec" for record). */
static const char *suggest(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3, nprefix = 0;

	for (size_t i = 0; commands[i]; i++) {
		if (strlen(name) >= 2 && strncmp(commands[i]->name, name, strlen(name)) == 0) {
			nprefix++;
			best = commands[i]->name;
		}
	}
	if (nprefix != 1)
		best = NULL;

	for (size_t i = 0; commands[i]; i++) {
		size_t d = fl_edit_distance(name, commands[i]->name);

		if (d < best_d && 2 * d <= strlen(name) && (!best || nprefix != 1)) {
			best_d = d;
			best = commands[i]->name;
		}
	}
	return best;
}

static int unknown_command(const char *name)
{
	const char *s = suggest(name);

	fl_error("'%s' is not a faultline command", name);
	if (s)
		fprintf(stderr, "hint: did you mean '%s'?\n", s);
	else
		fprintf(stderr, "hint: see 'faultline --help' for the list of commands\n");
	return FL_EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	const struct fl_cmd *cmd;

	if (argc < 2) {
		print_main_help(stdout);
		return FL_EXIT_OK;
	}
	if (argc > 2)
		return fl_cmd_usage_error(&fl_cmd_help, "too many arguments");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fl_cmd_print_help(&fl_cmd_help);
		return FL_EXIT_OK;
	}
#ifndef FL_RECORD_ONLY
	if (strcmp(argv[1], "knobs") == 0) {
		printf("The knobs of each strategy, set with `faultline replay --set KEY=VALUE`\n"
		       "and recorded with the run (report and diff show those not at their\n"
		       "defaults).  Under --strategy all a knob applies to the strategies that\n"
		       "have it.\n\n");
		fl_knobs_print(stdout, NULL);
		return FL_EXIT_OK;
	}
	if (strcmp(argv[1], "causes") == 0) {
		printf("The causes each strategy gives a fault, as report counts them: the\n"
		       "kernel counter its attempt bumps (\"-\": none), the reason, and the\n"
		       "kernel function that decides it.  A database of schema version 7\n"
		       "keeps each run's with its description (outcome_causes).\n\n");
		fl_causes_print(stdout);
		return FL_EXIT_OK;
	}
#endif
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	fl_cmd_print_help(cmd);
	return FL_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return fl_cmd_usage_error(&fl_cmd_version, "takes no arguments");
	printf("faultline %s\n", FL_VERSION);
#ifdef FL_RECORD_ONLY
	printf("recorder only (no libbabeltrace2)\n");
#else
	printf("libbabeltrace2 %u.%u.%u\n", bt_version_get_major(), bt_version_get_minor(),
	       bt_version_get_patch());
#endif
	return FL_EXIT_OK;
}

/* A command's output that could not be written (a full disk, /dev/full,
 * EIO) is a failure, whatever the command thought. */
static int finish(int status)
{
	struct fl_err err = { 0 };

	if (fl_stdout_close(&err) < 0) {
		fl_err_print(&err, stderr);
		if (status == FL_EXIT_OK)
			status = FL_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct fl_cmd *cmd;

	if (argc < 2) {
		print_main_help(stderr);
		return FL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return finish(cmd_help(1, argv));
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return finish(cmd_version(1, argv));
	if (argv[1][0] == '-') {
		fl_error("unknown option '%s'", argv[1]);
		fprintf(stderr, "usage: faultline [--version] [--help] COMMAND [ARGS]\n"
				"hint: options of a command go after it: faultline COMMAND --help\n");
		return FL_EXIT_USAGE;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	/* Every command answers --help the same way, before parsing (or, when
	 * its options end at its first argument, in parsing). */
	for (int i = 2; i < argc && !(cmd->opt_flags & FL_OPT_PARSE_STOP_AT_ARG); i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fl_cmd_print_help(cmd);
			return finish(FL_EXIT_OK);
		}
	}
	return finish(cmd->run(argc - 1, argv + 1));
}
