/* faultline merge: combine the databases of many replays (a sweep's shards)
 * into one that report, diff, export and the TUI read across traces. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "fl_err.h"
#include "merge.h"

/* The command line of merge, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct {
	bool quiet, hash_only;
} mo;

static const struct fl_option merge_options[] = {
	{ FL_OPT_FLAG, 'q', "quiet", NULL, "no summary line", &mo.quiet, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 0, "hash-only", NULL, "only hash the traces of the databases given",
	  &mo.hash_only, NULL, 0, NULL, NULL, NULL },
	FL_OPT_END_,
};

static int cmd_merge(int argc, char **argv)
{
	struct fl_merge_stats stats;
	struct fl_err err = { 0 };
	int n;

	memset(&mo, 0, sizeof(mo));
	n = fl_cmd_parse(&fl_cmd_merge, argc, argv);
	if (n < 0)
		return FL_EXIT_USAGE;
	/* The databases are argv[1..n]. */
	if (mo.hash_only) {
		if (n == 0)
			return fl_cmd_usage_error(&fl_cmd_merge, "no database given");
		for (int i = 1; i <= n; i++) {
			if (fl_merge_hash_only(argv[i], &err) < 0) {
				fl_err_print(&err, stderr);
				return FL_EXIT_FAIL;
			}
		}
		return FL_EXIT_OK;
	}
	if (n < 2)
		return fl_cmd_usage_error(&fl_cmd_merge, n == 0 ? "no output database given"
								: "no shard database given");
	if (fl_merge(argv[1], (const char *const *)argv + 2, (size_t)(n - 1), &stats, &err) < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	if (!mo.quiet)
		printf("merged %d database%s into %s: %" PRId64 " run%s added, %" PRId64
		       " already there; %" PRId64 " trace%s added, %" PRId64 " already there\n",
		       n - 1, n - 1 == 1 ? "" : "s", argv[1],
		       stats.runs_added, stats.runs_added == 1 ? "" : "s", stats.runs_known,
		       stats.traces_added, stats.traces_added == 1 ? "" : "s", stats.traces_known);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fl_error("cannot write the summary: standard output failed");
		return FL_EXIT_FAIL;
	}
	return FL_EXIT_OK;
}

const struct fl_cmd fl_cmd_merge = {
	.name = "merge",
	.summary = "combine replay databases (a sweep's shards) into one",
	.usage = "faultline merge [-q] OUT.db SHARD.db...\n"
		 "       faultline merge --hash-only DB...",
	.help =
		"Adds the traces and runs of every SHARD database to OUT (created when\n"
		"missing), so that report, diff, export and tui read them together;\n"
		"`faultline report --by trace OUT.db` then compares the strategies and\n"
		"knob settings across traces.\n"
		"\n"
		"- A trace is stored once: traces are told apart by the SHA-256 of their\n"
		"  rows (kept in traces.content_hash), not by path, so the same trace\n"
		"  replayed on two hosts is one trace.\n"
		"- Run ids (and trace ids) are given anew in OUT; shards are taken in the\n"
		"  order given, so merging the shards of jobs in order into an empty OUT\n"
		"  gives the ids one replay after another into one database would.\n"
		"- A run already in OUT (the same trace, strategy, profile, knobs, seed,\n"
		"  version, cost table and totals: replays are deterministic) is not\n"
		"  added again: merging a shard twice adds nothing.  Identical runs of\n"
		"  one shard are kept as many times as the shard holds them.\n"
		"- The merge is one transaction: if it fails or is killed, OUT is as it\n"
		"  was (a new OUT is removed).  Shards are only read, and may be read\n"
		"  while a replay writes them (the last committed runs are taken).\n"
		"\n"
		"--hash-only stores the content hash of each DB's traces in DB itself and\n"
		"merges nothing: a later merge of DB takes the hash as stored.  Each job\n"
		"of `faultline sweep` runs it on its shard, so the hashing runs on the\n"
		"scheduler's hosts in parallel, not in the one merge at the end.\n",
	.options = merge_options,
	.help_tail =
		"exit status: 0 on success, 1 if a database cannot be read or written\n"
		"(nothing is merged then), 2 on a usage error.\n"
		"\n"
		"example:\n"
		"  faultline merge all.db sweep.shards/*.db && faultline report --by trace all.db\n",
	.run = cmd_merge,
};
