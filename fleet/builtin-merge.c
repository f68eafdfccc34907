/* faultline merge: combine the databases of many replays (a sweep's shards)
 * into one that report, diff, export and the TUI read across traces. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "fl_err.h"
#include "merge.h"

static int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "hash-only", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct fl_merge_stats stats;
	struct fl_err err = { 0 };
	int c, quiet = 0, hash_only = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'H':
			hash_only = 1;
			break;
		default:
			if (optopt)
				return fl_cmd_usage_error(&fl_cmd_merge, "unknown option '-%c'", optopt);
			return fl_cmd_usage_error(&fl_cmd_merge, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (hash_only) {
		if (argc == optind)
			return fl_cmd_usage_error(&fl_cmd_merge, "no database given");
		for (int i = optind; i < argc; i++) {
			if (fl_merge_hash_only(argv[i], &err) < 0) {
				fl_err_print(&err, stderr);
				return FL_EXIT_FAIL;
			}
		}
		return FL_EXIT_OK;
	}
	if (argc - optind < 2)
		return fl_cmd_usage_error(&fl_cmd_merge, argc == optind ? "no output database given"
									: "no shard database given");
	if (fl_merge(argv[optind], (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1),
		     &stats, &err) < 0) {
		fl_err_print(&err, stderr);
		return FL_EXIT_FAIL;
	}
	if (!quiet)
		printf("merged %d database%s into %s: %" PRId64 " run%s added, %" PRId64
		       " already there; %" PRId64 " trace%s added, %" PRId64 " already there\n",
		       argc - optind - 1, argc - optind - 1 == 1 ? "" : "s", argv[optind],
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
		"scheduler's hosts in parallel, not in the one merge at the end.\n"
		"\n"
		"options:\n"
		"  -q, --quiet      no summary line\n"
		"      --hash-only  only hash the traces of the databases given\n"
		"  -h, --help       this help\n"
		"\n"
		"exit status: 0 on success, 1 if a database cannot be read or written\n"
		"(nothing is merged then), 2 on a usage error.\n"
		"\n"
		"example:\n"
		"  faultline merge all.db sweep.shards/*.db && faultline report --by trace all.db\n",
	.run = cmd_merge,
};
