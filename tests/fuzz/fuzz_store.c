/* Fuzz target: the store readers on mutated databases.
 *
 * The first input byte picks what reads the database: a `faultline report`
 * view (the default report, --fidelity, --by each view, the CSV and JSON
 * forms), `faultline export` of a table, `faultline diff`, or the TUI's
 * data layer (every run loaded); the rest of the input is the database
 * file.  The seed corpus is a replay of the small bundled trace
 * tests/fixtures/fl-mapread (`make fuzz` makes it).  Output goes to
 * /dev/null.  A reader must refuse or report a broken database with an
 * error, never crash or trip a sanitizer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "fl_opt.h"
#include "tui.h"

/* The dispatcher's helpers (faultline.c holds main()): the options are
 * parsed as faultline.c does, the messages are dropped. */
void fl_cmd_print_help(const struct fl_cmd *cmd)
{
	(void)cmd;
}

int fl_cmd_usage_error(const struct fl_cmd *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	return FL_EXIT_USAGE;
}

int fl_cmd_parse(const struct fl_cmd *cmd, int argc, char **argv)
{
	char err[512];

	return fl_opt_parse(cmd->options, argc, argv, err, sizeof(err));
}

static char db[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	(void)argc;
	(void)argv;
	snprintf(db, sizeof(db), "%s/fuzz-store.XXXXXX", tmp ? tmp : "/tmp");
	fd = mkstemp(db);
	if (fd < 0) {
		perror("fuzz_store: mkstemp");
		exit(1);
	}
	close(fd);
	if (!freopen("/dev/null", "w", stdout))
		exit(1);
	return 0;
}

static int run(const struct fl_cmd *cmd, int n, ...)
{
	char *argv[12];
	va_list ap;

	va_start(ap, n);
	argv[0] = (char *)cmd->name;
	for (int i = 0; i < n && i < 10; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	argv[n + 1] = NULL;
	return cmd->run(n + 1, argv);
}

static void tui_data(void)
{
	struct tui_store st;
	struct fl_err err = { 0 };

	memset(&st, 0, sizeof(st));
	if (tui_store_open(&st, db, &err) == 0 && tui_store_load_runs(&st, &err) == 0) {
		for (size_t i = 0; i < st.nruns && i < 4; i++) {
			struct tui_loaded ld;
			struct fl_err e2 = { 0 };

			memset(&ld, 0, sizeof(ld));
			if (tui_load_run(&st, st.runs[i].run_id, &ld, &e2) == 0)
				tui_loaded_free(&ld);
		}
	}
	tui_store_close(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const by[] = { "cause", "reason", "vma", "thread", "writer", "time",
					  "handler" };
	static const char *const tables[] = { "meta", "traces", "threads", "writers", "faults",
					      "runs", "outcomes", "cause_counts", "thread_times" };
	FILE *f;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	f = fopen(db, "wb");
	if (!f)
		return 0;
	if (size > 1)
		fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	/* No -wal or -shm of an earlier input may pair with this one. */
	{
		char side[4200];

		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}

	switch (sel % 8) {
	case 0:
		run(&fl_cmd_report, 1, db);
		break;
	case 1:
		run(&fl_cmd_report, 2, "--fidelity", db);
		break;
	case 2:
		run(&fl_cmd_report, 3, "--by", by[(sel >> 3) % 7], db);
		break;
	case 3:
		run(&fl_cmd_report, 5, "--by", by[(sel >> 3) % 7], "--format",
		    (sel & 0x80) ? "json" : "csv", db);
		break;
	case 4:
		run(&fl_cmd_export, 3, "--table", tables[(sel >> 3) % 9], db);
		break;
	case 5:
		run(&fl_cmd_diff, 3, db, "1", "2");
		break;
	case 6:
		run(&fl_cmd_report, 3, "--format", "json", db);
		break;
	default:
		tui_data();
		break;
	}
	return 0;
}
