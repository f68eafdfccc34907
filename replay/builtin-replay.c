/* faultline replay: run strategies over a trace and store every outcome
 * (the command line; replay.c runs it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "fl_err.h"
#include "ingest.h"
#include "knob_doc.h"
#include "replay.h"
#include "strategy.h"

/* Whether some strategy takes profile p: one it lists, or a kernel
 * version from 6.4 for one whose profiles are kernel versions. */
static bool profile_known(const char *p)
{
	for (size_t i = 0; fl_strategies[i]; i++) {
		const struct fl_strategy *s = fl_strategies[i];
		int kver;

		if (!s->profiles || !s->profiles[0])
			continue;
		for (int k = 0; s->profiles[k]; k++)
			if (!strcmp(s->profiles[k], p))
				return true;
		if (fl_profile_parse(s->profiles[0], &kver) == 0 && fl_profile_parse(p, &kver) == 0 &&
		    kver >= 604)
			return true;
	}
	return false;
}

/* --set arch=x86_64|ppc64, page_size=4096|65536, mmu=radix|hash,
 * zero_page=1|0, thp=always|madvise|never: 1 when
 * key is one of them (taken), 0 when it is a strategy knob, or a usage
 * error. */
static int what_if_set(struct replay *r, const char *key, const char *val)
{
	if (!strcmp(key, "arch")) {
		if (!strcmp(val, "x86_64"))
			r->wi_arch = "x86_64";
		else if (!strcmp(val, "ppc64") || !strcmp(val, "ppc64le"))
			r->wi_arch = "ppc64";
		else
			return fl_cmd_usage_error(&fl_cmd_replay, "--set arch=%s: x86_64 or ppc64", val),
			       -1;
	} else if (!strcmp(key, "page_size")) {
		if (!strcmp(val, "4096") || !strcmp(val, "4k") || !strcmp(val, "4K"))
			r->wi_page_size = 4096;
		else if (!strcmp(val, "65536") || !strcmp(val, "64k") || !strcmp(val, "64K"))
			r->wi_page_size = 65536;
		else
			return fl_cmd_usage_error(&fl_cmd_replay, "--set page_size=%s: 4096 or 65536 "
						  "(4k, 64k)", val), -1;
	} else if (!strcmp(key, "mmu")) {
		if (strcmp(val, "radix") && strcmp(val, "hash"))
			return fl_cmd_usage_error(&fl_cmd_replay, "--set mmu=%s: radix or hash", val), -1;
		r->wi_mmu = !strcmp(val, "radix") ? "radix" : "hash";
	} else if (!strcmp(key, "zero_page")) {
		if (!strcmp(val, "1") || !strcmp(val, "on"))
			r->wi_zero_page = "1";
		else if (!strcmp(val, "0") || !strcmp(val, "off"))
			r->wi_zero_page = "0";
		else
			return fl_cmd_usage_error(&fl_cmd_replay, "--set zero_page=%s: 1 or 0 (on, off)",
						  val), -1;
	} else if (!strcmp(key, "thp")) {
		r->wi_thp = fl_thp_mode_name(fl_thp_mode_of(val, strlen(val)));
		if (!r->wi_thp)
			return fl_cmd_usage_error(&fl_cmd_replay, "--set thp=%s: always, madvise or never",
						  val), -1;
	} else {
		return 0;
	}
	return 1;
}

/* The what-if keys together: x86_64 has 4K pages and no MMU modes. */
static int what_if_check(const struct replay *r)
{
	if (r->wi_arch && !strcmp(r->wi_arch, "x86_64") && r->wi_page_size == 65536)
		return fl_cmd_usage_error(&fl_cmd_replay, "--set page_size=65536: x86_64 has 4 KiB "
					  "pages (add --set arch=ppc64)");
	if (r->wi_arch && !strcmp(r->wi_arch, "x86_64") && r->wi_mmu)
		return fl_cmd_usage_error(&fl_cmd_replay, "--set mmu: ppc64 only");
	return 0;
}

/* The command line of replay, filled by fl_cmd_parse() (lib/fl_opt.h);
 * the --set values are taken in order once it is parsed. */
static struct {
	const char *strategy, *profile, *out, *decode_cache;
	char *sets[MAX_SETS * 2];
	size_t nsets;
	uint64_t seed, nseeds;
	bool again, replace, live;
	uint64_t batch_faults, batch_s;
} ra;

static int take_set(void *value, const char *arg, char *err, size_t len)
{
	(void)value;
	if (!strchr(arg, '=') || arg[0] == '=' || ra.nsets == sizeof(ra.sets) / sizeof(ra.sets[0])) {
		snprintf(err, len, "--set wants key=value, got '%s'", arg);
		return -1;
	}
	ra.sets[ra.nsets++] = (char *)arg;	/* argv is ours to cut at '=' */
	return 0;
}

static int take_seed(void *value, const char *arg, char *err, size_t len)
{
	char *end;

	errno = 0;
	*(uint64_t *)value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-') {
		snprintf(err, len, "--seed: '%s' is not a number", arg);
		return -1;
	}
	return 0;
}

static int take_seeds(void *value, const char *arg, char *err, size_t len)
{
	char *end;

	errno = 0;
	*(uint64_t *)value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || !ra.nseeds || ra.nseeds > MAX_RUNS) {
		snprintf(err, len, "--seeds: '%s' is not a number from 1 to %d", arg, MAX_RUNS);
		return -1;
	}
	return 0;
}

static int take_count(void *value, const char *arg, char *err, size_t len)
{
	char *end;

	errno = 0;
	*(uint64_t *)value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || !*(uint64_t *)value ||
	    *(uint64_t *)value > 1000000000) {
		snprintf(err, len, "'%s' is not a number from 1 to 1000000000", arg);
		return -1;
	}
	return 0;
}

static const struct fl_option replay_options[] = {
	{ FL_OPT_STRING, 's', "strategy", "S", "classic, pervma (default), spf, spf-mmseq, or all:\n"
	  "every strategy over one reading of the trace", &ra.strategy, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_STRING, 'p', "profile", "P", "kernel version of the strategy's rules: for pervma\n"
	  "6.4, 6.6, 6.7, 6.10 or 6.15+ (default 6.15+; any\n"
	  "6.N from 6.4 picks the rules of that version); for\n"
	  "spf v12 (default), v11, v10, or one of them with\n-ppc-intended", &ra.profile, NULL, 0,
	  NULL, NULL, NULL },
	{ FL_OPT_CALLBACK, 0, "set", "KEY=VALUE", "a strategy knob (listed below), recorded with the\n"
	  "run; or a what-if for every run: arch=x86_64|ppc64\n"
	  "(the other arch's fault paths over the same layout;\n"
	  "ppc64 defaults to 64K pages and radix),\n"
	  "page_size=4096|65536, mmu=radix|hash (ppc64 PMD\n"
	  "coverage: 2 or 16 MiB at 64K).  A larger page than\n"
	  "the trace's drops the faults whose page was already\n"
	  "mapped (\"no fault at 64 KiB pages\"); a smaller one\n"
	  "cannot add the faults it would take", NULL, NULL, 0, NULL, NULL, take_set },
	{ FL_OPT_CALLBACK, 0, "seed", "N", "seed for any jitter knob (default 0), recorded",
	  &ra.seed, NULL, 0, NULL, NULL, take_seed },
	{ FL_OPT_CALLBACK, 0, "seeds", "N", "N runs per strategy, seeds S .. S+N-1 from --seed S;\n"
	  "prints each cause's min / median / max over them\n"
	  "(report --spread shows it again); only a jitter\n"
	  "knob makes seeds differ, and a note says so\nwhen none is set", &ra.nseeds, NULL, 0,
	  NULL, NULL, take_seeds },
	{ FL_OPT_STRING, 'o', "output", "DB", "the database (default faultline.db); created if\n"
	  "missing, else the runs are added to it", &ra.out, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 0, "again", NULL, "store a run even when DB already holds one of the\n"
	  "same trace, strategy, profile, knobs and seed\n"
	  "(refused without it: the rows would be the same)", &ra.again, NULL, 0, NULL, NULL,
	  NULL },
	{ FL_OPT_FLAG, 0, "replace", NULL, "store the run in place of those DB holds of the\n"
	  "same trace, strategy, profile, knobs and seed:\n"
	  "they are deleted, with all their rows, in the\n"
	  "replay's transaction (kept if it does not commit)", &ra.replace, NULL, 0, NULL, NULL,
	  NULL },
	{ FL_OPT_STRING, 0, "decode-cache", "DIR", "keep the decoded trace in DIR (made if missing),\n"
	  "and read it from there when it is kept already:\n"
	  "a trace is decoded once for many replays.  Keyed\n"
	  "by the trace files' names, sizes, mtimes and\n"
	  "inodes, the wire format and faultline's version\n"
	  "and build ID;\n"
	  "a damaged entry is removed with a warning and\n"
	  "the trace decoded again", &ra.decode_cache, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 0, "live", NULL, "TRACE is an LTTng live session, net://HOST[:PORT]/\n"
	  "host/HOSTNAME/SESSION (lttng-relayd's live port,\n"
	  "default 5344): replay it as it records, committing\n"
	  "the runs in batches, until the session is destroyed\n"
	  "or Ctrl-C", &ra.live, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_CALLBACK, 0, "batch-faults", "N", "--live: commit every N decided faults (default\n"
	  "100000)", &ra.batch_faults, NULL, 0, NULL, NULL, take_count },
	{ FL_OPT_CALLBACK, 0, "batch-seconds", "S", "--live: commit at least every S seconds while\n"
	  "faults come (default 2)", &ra.batch_s, NULL, 0, NULL, NULL, take_count },
	FL_OPT_END_,
};

/* A strategy knob of --set: its key and value in r. */
static int take_knob(struct replay *r, char *key, const char *val)
{
	char *end;

	if (r->nsets == MAX_SETS)
		return fl_cmd_usage_error(&fl_cmd_replay, "--set: at most %d knobs", MAX_SETS);
	r->set_key[r->nsets] = key;
	errno = 0;
	r->set_val[r->nsets] = strtoll(val, &end, 0);
	if (errno || end == val || *end)
		return fl_cmd_usage_error(&fl_cmd_replay, "--set %s: '%s' is not a number", key, val);
	r->nsets++;
	return 0;
}

/* Under --strategy all a knob applies to the strategies that have it,
 * and a profile to those that take it: one that none has is a typo. */
static int check_all(const struct replay *r)
{
	char names[512];
	size_t off = 0;

	for (size_t k = 0; k < r->nsets; k++)
		if (!fl_knob_known(r->set_key[k]))
			return fl_cmd_usage_error(&fl_cmd_replay, "no strategy has a knob '%s' "
						  "(`faultline help knobs` lists them all)",
						  r->set_key[k]);
	if (!r->profile || profile_known(r->profile))
		return 0;
	names[0] = '\0';
	for (size_t i = 0; fl_strategies[i] && off < sizeof(names); i++) {
		if (!fl_strategies[i]->profiles)
			continue;
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s: ",
					off ? "; " : "", fl_strategies[i]->name);
		if (off < sizeof(names))
			replay_profile_names(fl_strategies[i], names + off, sizeof(names) - off);
		off += strlen(names + off);
	}
	return fl_cmd_usage_error(&fl_cmd_replay, "no strategy takes profile '%s' (%s)",
				  r->profile, names);
}

/* The parsed command line (ra) into r: 0, or FL_EXIT_USAGE (said). */
static int take_args(struct replay *r, int npos, char **argv)
{
	int rc;

	r->live = ra.live;
	r->replace = ra.replace;
	if (ra.again && ra.replace)
		return fl_cmd_usage_error(&fl_cmd_replay, "--again keeps the earlier runs, --replace "
					  "deletes them: one or the other");
	if (ra.live && ra.replace)
		return fl_cmd_usage_error(&fl_cmd_replay, "--replace does not go with --live");
	if (ra.live && ra.decode_cache)
		return fl_cmd_usage_error(&fl_cmd_replay, "--decode-cache does not go with --live: "
					  "a live session is never the same twice");
	r->decode_cache = ra.decode_cache;
	r->batch_faults = ra.batch_faults ? ra.batch_faults : 100000;
	r->batch_ms = (ra.batch_s ? ra.batch_s : 2) * 1000;
	if (!r->live && (ra.batch_faults || ra.batch_s))
		return fl_cmd_usage_error(&fl_cmd_replay, "--batch-faults and --batch-seconds "
					  "go with --live");
	r->profile = ra.profile;
	r->seed = ra.seed;
	r->nseeds = ra.nseeds;
	for (size_t k = 0; k < ra.nsets; k++) {
		char *key = ra.sets[k], *eq = strchr(key, '=');

		*eq = '\0';
		rc = what_if_set(r, key, eq + 1);
		if (rc < 0)
			return FL_EXIT_USAGE;
		if (rc == 0 && take_knob(r, key, eq + 1))
			return FL_EXIT_USAGE;
	}
	if (npos != 1)
		return fl_cmd_usage_error(&fl_cmd_replay, npos == 0 ? "no trace given"
								    : "one trace at a time");
	r->trace_path = argv[1];
	if (r->live && (!fl_ingest_is_live(r->trace_path) || !strstr(r->trace_path, "/host/")))
		return fl_cmd_usage_error(&fl_cmd_replay, "--live takes an LTTng live URL, "
					  "net://HOST[:PORT]/host/HOSTNAME/SESSION, not '%s'",
					  r->trace_path);
	if (!r->live && fl_ingest_is_live(r->trace_path))
		return fl_cmd_usage_error(&fl_cmd_replay, "'%s' is a live session: replay it with "
					  "--live", r->trace_path);
	if (what_if_check(r))
		return FL_EXIT_USAGE;
	if (!strcmp(ra.strategy, "all"))
		return check_all(r);
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	struct replay r;
	int npos, rc;

	memset(&r, 0, sizeof(r));
	memset(&ra, 0, sizeof(ra));
	ra.strategy = "pervma";
	ra.out = FL_DEFAULT_DB;
	npos = fl_cmd_parse(&fl_cmd_replay, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	rc = take_args(&r, npos, argv);
	if (rc)
		return rc;
	rc = replay_plan(&r, ra.strategy, ra.out, ra.again || ra.replace);
	if (!rc)
		rc = replay_run(&r, ra.out);
	replay_free_runs(&r);
	return rc;
}

static void replay_help_knobs(FILE *out)
{
	fprintf(out, "\nknobs (--set KEY=VALUE; `faultline help knobs` prints the same):\n\n");
	fl_knobs_print(out, NULL);
}

const struct fl_cmd fl_cmd_replay = {
	.name = "replay",
	.summary = "replay a trace through the kernel's fault paths and store the outcomes",
	.usage = "faultline replay [-s STRATEGY|all] [-p PROFILE] [--set KEY=VALUE]...\n"
		 "                        [--seed N] [--seeds N] [--again|--replace]\n"
		 "                        [--decode-cache DIR] [-o DB] TRACE\n"
		 "       faultline replay --live [--batch-faults N] [--batch-seconds S] [-s ...]\n"
		 "                        [-o DB] net://HOST[:PORT]/host/HOSTNAME/SESSION",
	.help =
		"Reads TRACE (a CTF directory: perf-ctf, lttng-kernel or faultline dialect),\n"
		"follows each process's VMA layout through its mmap-family calls, follows\n"
		"every mmap_lock writer, and decides for every user page fault what the\n"
		"chosen strategy's kernel would have done: which lock path ran the fault,\n"
		"which kernel counter the attempt bumped, why, and which writer caused an\n"
		"abort.  Every outcome goes into the SQLite database DB, one run per\n"
		"strategy; read it with `faultline report DB`.\n"
		"\n"
		"When the trace has mmap_lock events (a kernel with per-VMA locks, 6.4+),\n"
		"it also carries the kernel's own answer: the faults whose thread held\n"
		"mmap_lock at the fault's end.  They are stored with each fault, and\n"
		"`faultline report --fidelity DB` compares a pervma run with them.\n",
	.options = replay_options,
	.help_tail =
		"--decode-cache DIR keeps what the decoder (libbabeltrace2, in a child\n"
		"process) makes of TRACE in DIR/KEY.fld, KEY the SHA-256 of the trace\n"
		"files' names, sizes, mtimes (ns) and inodes, and reads it from there on\n"
		"the next replay of the same files, without decoding (`faultline sweep`\n"
		"gives it to its jobs).  A replay that finds no entry while another one\n"
		"decodes the same files into DIR waits for it (DIR/KEY.lock), then reads\n"
		"its entry.  A file changed in place with its size and mtime\n"
		"put back is not seen.  The decoder's warnings are kept with it and\n"
		"printed again.  A damaged entry (cut short, not one, a checksum that\n"
		"does not match) is removed with a warning and the trace decoded again;\n"
		"a DIR that cannot be made or written is a warning, not a failure.\n"
		"\n"
		"The whole replay is one transaction: interrupted, it leaves DB as it was\n"
		"(with --replace, the earlier runs too).\n"
		"\n"
		"--live follows an LTTng live session (`faultline record --url URL --live`)\n"
		"through lttng-relayd's live port: the runs are committed every N faults\n"
		"or S seconds, so that report and tui read them as they grow, marked live\n"
		"(meta 'run_state:RUN_ID'); the replay ends when the session is destroyed,\n"
		"with the runs complete (the mark removed), or on Ctrl-C (SIGINT, SIGTERM),\n"
		"with what came before committed and the runs marked 'cut short'.  Attach\n"
		"before the session's first packet: a viewer starts at the next one.\n"
		"The runs hold the trace's threads and thread times once complete.\n"
		"The same trace, strategy, profile, knobs and seed give the same outcome rows.\n"
		"A progress line is shown when stderr is a terminal.\n"
		"\n"
		"exit status: 0 on success, 1 if the trace or the database cannot be used,\n"
		"2 on a usage error.\n"
		"\n"
		"example:\n"
		"  faultline replay traces/x86_64/mmchurn -o o.db\n"
		"  faultline report --fidelity o.db\n"
		"  faultline replay --live net://collector/host/web42/SESSION -o live.db\n",
	.run = cmd_replay,
	.help_more = replay_help_knobs,
};
