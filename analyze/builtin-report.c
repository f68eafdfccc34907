/* faultline report: what a replay predicted, cause by cause, and with
 * --fidelity how well a run agrees with the kernel's own answer.  This file
 * is the command line; each view is a report_*.c (report.h), the page
 * html.c. */
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "fl_err.h"
#include "html.h"
#include "report.h"
#include "store_read.h"
#include "symbols.h"
#include "table.h"

/* The command line of report, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct {
	int64_t run_id, limit, top;
	int by, format;
	const char *html;
	bool fidelity, spread, abs_time, no_symbols, wide;
	bool have_limit, have_format, have_top;
} ro;

static const char *const format_names[] = { "table", "text", "csv", "json", NULL };

static const struct fl_option report_options[] = {
	{ FL_OPT_INT, 'r', "run", "N", "only run N (default: every run; with\n"
	  "--fidelity, the newest pervma run)", &ro.run_id, NULL, 1,
	  "a run id (a positive integer)", NULL, NULL },
	{ FL_OPT_CHOICE, 'b', "by", "VIEW", "cause, reason, vma, thread, writer, time,\n"
	  "handler or ip", &ro.by, NULL, 0, "view", report_by_names + 1, NULL },
	{ FL_OPT_FLAG, 0, "abs-time", NULL, "times as the time of day of the trace's clock\n"
	  "(babeltrace2's form), not since its first event", &ro.abs_time, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 0, "no-symbols", NULL, "--by ip, vma, writer, --html: hex addresses, no\n"
	  "file names; the trace is not read", &ro.no_symbols, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_INT, 't', "top", "K", "rows of a ranked table (default 5; 0: all; CSV\n"
	  "and JSON of --by: all unless given)", &ro.top, &ro.have_top, 0,
	  "a count (0 for all)", NULL, NULL },
	{ FL_OPT_FLAG, 'w', "wide", NULL, "cut no column, whatever the width", &ro.wide, NULL, 0,
	  NULL, NULL, NULL },
	{ FL_OPT_CHOICE, 'f', "format", "FMT", "table (default, for people; 'text' too), csv or\n"
	  "json (table or json with --fidelity)", &ro.format, &ro.have_format, 0, "format",
	  format_names, NULL },
	{ FL_OPT_FLAG, 0, "fidelity", NULL, "compare a run with the kernel's answer", &ro.fidelity,
	  NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_INT, 'l', "limit", "K", "with --fidelity, list at most K disagreeing\n"
	  "faults (default 20; 0 lists all)", &ro.limit, &ro.have_limit, 0, "a count (0 for all)",
	  NULL, NULL },
	{ FL_OPT_STRING, 0, "html", "FILE", "write the HTML page to FILE", &ro.html, NULL, 0, NULL,
	  NULL, NULL },
	{ FL_OPT_FLAG, 0, "spread", NULL, "each cause's min / median / max over the runs\n"
	  "that differ only in their seed", &ro.spread, NULL, 0, NULL, NULL, NULL },
	FL_OPT_END_,
};

static int run_report(int argc, char **argv)
{
	static const enum report_fmt formats[] = { FMT_TEXT, FMT_TEXT, FMT_CSV, FMT_JSON };
	struct fl_err err = { 0 };
	struct report_syms syms = { .trace_id = -1 };
	enum report_fmt fmt;
	enum report_by by;
	bool fidelity, have_limit, have_format, have_top, spread, abs_time;
	int64_t run_id, limit, top;
	const char *path, *html;
	sqlite3 *db;
	int rc, npos;

	memset(&ro, 0, sizeof(ro));
	ro.by = -1;
	ro.limit = 20;
	ro.top = 5;
	npos = fl_cmd_parse(&fl_cmd_report, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	fmt = formats[ro.format];
	by = ro.by < 0 ? BY_DEFAULT : (enum report_by)(ro.by + 1);
	fidelity = ro.fidelity;
	spread = ro.spread;
	abs_time = ro.abs_time;
	syms.off = ro.no_symbols;
	fl_table_set_wide(ro.wide);
	have_limit = ro.have_limit;
	have_format = ro.have_format;
	have_top = ro.have_top;
	run_id = ro.run_id;
	limit = ro.limit;
	top = ro.top;
	html = ro.html;
	if (npos > 1)
		return fl_cmd_usage_error(&fl_cmd_report, "one database at a time ('%s' is extra)",
					  argv[2]);
	if (fidelity && fmt == FMT_CSV)
		return fl_cmd_usage_error(&fl_cmd_report, "--fidelity takes --format table or json "
					  "(its tables differ in shape; export writes CSV)");
	if (!fidelity && have_limit)
		return fl_cmd_usage_error(&fl_cmd_report, "--limit only applies to --fidelity");
	if (fidelity && (by != BY_DEFAULT || have_top || html))
		return fl_cmd_usage_error(&fl_cmd_report, "--fidelity is a view of its own: "
					  "without --by, --top or --html");
	if (spread && (fidelity || html || by != BY_DEFAULT || have_top))
		return fl_cmd_usage_error(&fl_cmd_report, "--spread is a view of its own: "
					  "without --fidelity, --html, --by or --top");
	if (by == BY_TRACE && !have_top)
		top = 0;	/* every setting: a sweep's table is the point */
	if (by == BY_TRACE && run_id)
		return fl_cmd_usage_error(&fl_cmd_report, "--by trace is over every run: without "
					  "--run");
	if (html && (by != BY_DEFAULT || have_format))
		return fl_cmd_usage_error(&fl_cmd_report, "--html writes the whole page: without "
					  "--by or --format");
	/* replay writes faultline.db by default, and report reads it, as
	 * perf report reads perf.data. */
	path = npos ? argv[1] : FL_DEFAULT_DB;

	if (fl_store_open_read(path, &db, &err) < 0)
		return fl_cmd_exit(-1, &err);
	if (spread)
		rc = report_spread(db, path, run_id, fmt, &err);
	else if (fidelity)
		rc = report_fidelity(db, path, run_id, (size_t)limit, fmt, abs_time, &err);
	else if (html)
		rc = fl_html_write(db, path, run_id, html, &syms, &err);
	else
		rc = report_runs(db, path, run_id, by, top, fmt == FMT_TEXT || have_top, fmt, &syms,
				 abs_time, &err);
	fl_symbols_free(syms.sym);
	sqlite3_close(db);
	if (rc >= 0 && html)
		fprintf(stderr, "wrote %s\n", html);
	return fl_cmd_exit(rc, &err);
}

const struct fl_cmd fl_cmd_report = {
	.name = "report",
	.summary = "summarise replayed runs: causes, latency, writers; fidelity; a page",
	.usage = "faultline report [--run N] [--by VIEW] [--top K] [--wide]\n"
		 "                        [--format table|csv|json] [DB]\n"
		 "       faultline report --fidelity [--run N] [--limit K]\n"
		 "                        [--format table|json] [DB]\n"
		 "       faultline report --html FILE [--run N] [DB]\n"
		 "       faultline report --spread [--run N] [--format F] [DB]",
	.help =
		"DB is an outcome store written by `faultline replay ... -o DB`\n"
		"(schemas/outcomes.sql; default faultline.db, what replay writes\n"
		"without -o).  It is opened read-only, so a replay may be\n"
		"writing it at the same time; the report shows the runs committed when it\n"
		"starts.\n"
		"\n"
		"The default view, for every run (or run N): a header (run id,\n"
		"strategy, profile, seed, knobs, trace, faults, predicted fallbacks,\n"
		"faults the mm model could not place); the outcomes (faults attempted\n"
		"under the VMA lock or speculatively, succeeded, aborted, retried,\n"
		"missed, fell back to mmap_lock, never attempted: counts and shares);\n"
		"the causes from cause_counts (the kernel counter of the attempt:\n"
		"vma_lock_success, _abort, _retry, _miss, ...; '-' when none was made;\n"
		"the finer reason; count; share; how many fell back); replayed latency\n"
		"and mmap_lock wait p50, p90, p99 (nearest rank) and max; the writers\n"
		"behind the aborts, top K by mm call, by the aborted faults' ip, by\n"
		"writer thread and by VMA; and, when the trace has ground truth, the\n"
		"fidelity counts (TP, FP, FN, TN, precision, recall).\n"
		"\n"
		"--by VIEW shows one table per run instead:\n"
		"  cause    counter, reason, count, share, fell back\n"
		"  reason   the causes summed by reason\n"
		"  vma      per VMA: faults, fell back, aborts, lock wait\n"
		"  thread   per thread: faults, fell back, blocked (traced and\n"
		"           predicted), wasted work, change in run time\n"
		"  writer   the writers that caused aborts, with call, thread, hold\n"
		"           and the call site (faultline record's traces)\n"
		"  time     faults, fallbacks and aborts over 20 slices of the trace\n"
		"  handler  per fault handler (the one the replay dispatched each fault\n"
		"           to, stored with it since schema version 6): faults,\n"
		"           fallbacks, latency, calibrated cost\n"
		"  ip       per faulting ip: its symbol, faults, fallbacks, aborts\n"
		"\n"
		"--by ip names each ip as perf does, symbol+0xoff (dso), --by writer\n"
		"each mm call's call site the same way (the return address into the\n"
		"function that made the call), and --by vma names a file-backed\n"
		"VMA's file: the trace is read again for its\n"
		"mappings (the store keeps none), and the files are read as they are\n"
		"now on this host.  A missing file leaves the hex ip with the dso's\n"
		"name; --no-symbols skips it all.\n"
		"\n"
		"--by trace is one table over every run of DB (a sweep's merged\n"
		"database): per strategy, profile and knob setting, the traces and\n"
		"runs, faults, fell back (share of all faults; lowest and highest\n"
		"share of one run) and the predicted mmap_lock blocked time with its\n"
		"change from the traces' own.  The setting column names the knobs\n"
		"that differ between a strategy's runs; CSV and JSON add every knob\n"
		"(knobs).  --top K keeps the K settings with the largest share.\n"
		"\n"
		"--fidelity: how well one run predicts the fallbacks the kernel took,\n"
		"as recorded by the trace's mmap_lock events (faults.gt).  The run is run\n"
		"N, or else the newest pervma run.  Faults whose ground truth is unknown\n"
		"are excluded and counted.  A predicted fallback is an outcome with\n"
		"fell_back = 1; a true fallback is a fault the kernel ran under mmap_lock.\n"
		"It prints TP, FP, FN, TN; precision = TP/(TP+FP) and recall =\n"
		"TP/(TP+FN), n/a when nothing is there to divide by; precision per\n"
		"predicted reason; recall per ground-truth detail (trylock failed,\n"
		"anon_vma retry, stack growth, ...); the confusion of predicted cause\n"
		"(counter, reason) against the kernel's answer; and the disagreeing\n"
		"faults with their thread, address, VMA, prediction, kernel answer, and\n"
		"the writer the replay named, or else the nearest mmap_lock writer of the\n"
		"same process within 1 ms of the fault.  It also compares the run's\n"
		"predicted mmap_lock blocked time with the waits the trace shows\n"
		"(start_locking to acquire_returned): the faults' total, the mm calls'\n"
		"(replayed as recorded), and the per-thread error over the threads\n"
		"with at least 1 ms recorded.  A run whose trace has no mmap_lock\n"
		"events has no ground truth and is refused.\n"
		"\n"
		"--spread: for the runs that differ only in their seed (replay --seeds\n"
		"N), each cause's count over them: min, median and max, in (counter,\n"
		"reason) order, as replay printed it; a run without a cause counts 0.\n"
		"\n"
		"--html FILE writes one self-contained page (inline SVG; no script,\n"
		"nothing fetched): the runs, the cause breakdown per strategy, fallbacks\n"
		"over time, the latency distribution, and a map of the VMAs where faults\n"
		"fell back, with their kinds and files (the trace read again, as for\n"
		"--by vma).  Open it in any browser.\n"
		"\n"
		"Tables fit the terminal: COLUMNS, else the terminal's width, else 80.\n"
		"Only thread names, VMA kinds and lists are cut (\"...\", and a line\n"
		"under the table says so); addresses, VMA ranges, paths and cause names\n"
		"never are; --wide cuts nothing.  A --by view shows its top K rows and\n"
		"says how many more there are; CSV and JSON hold every row unless --top\n"
		"is given.  Each run's first line names its strategy, profile, seed and\n"
		"the knobs not at their defaults, and marks a run `replay --live` is\n"
		"still growing [live], one whose live replay Ctrl-C stopped [cut short]\n"
		"(a footnote after the runs says so; --fidelity too).  Tables are\n"
		"coloured only on a terminal, never when NO_COLOR is set.  Addresses\n"
		"print as hex.\n"
		"\n"
		"Times are seconds with ns since the trace's first event, 0.051998454.\n"
		"--abs-time prints the wall-clock time of day instead, as babeltrace2\n"
		"prints an event's time: HH:MM:SS.nnnnnnnnn in local time (TZ), with\n"
		"the date (YYYY-MM-DD HH:MM:SS.nnnnnnnnn) when the trace's span crosses\n"
		"midnight.  The trace's clock includes its offset: the Unix epoch for\n"
		"faultline and LTTng traces; perf's clock counts from boot.  CSV and\n"
		"JSON always hold integer ns since the trace's first event (the t_ns\n"
		"columns of --by views, the t_*_ns keys of --fidelity, whose t_first_ns\n"
		"gives the first event on the trace's clock); export keeps the store's\n"
		"clock values.\n",
	.options = report_options,
	.help_tail =
		"columns for programs:\n"
		"  csv:  run_id,trace_id,strategy,profile,counter,reason,count,share_pct,\n"
		"        fell_back (one row per cause of each run); with --by VIEW,\n"
		"        run_id,strategy,profile then the view's columns, as in json\n"
		"  json: {database, runs: [{run_id, trace_id, trace, strategy, profile,\n"
		"        knobs, knobs_changed (\"k=v ...\", the knobs not at their\n"
		"        defaults), seed, state (complete, live or cut short),\n"
		"        tool_version, created_at, faults, fallbacks,\n"
		"        unplaced, causes: [{counter, reason, count, share_pct,\n"
		"        fell_back, description (what the kernel does; only from\n"
		"        schema version 7 on)}], summary: [{outcome, count, share_pct}],\n"
		"        latency: [{metric, n, p50_ns, p90_ns, p99_ns, max_ns,\n"
		"        total_ns}], top_writers: {by_call: [{call, aborts, share_pct,\n"
		"        writers}], by_ip: [{ip, ...}], by_thread: [{tid, comm, ...}],\n"
		"        by_vma: [{vma, vma_start, vma_end, vma_kind, ...}]},\n"
		"        fidelity: null | {compared, tp, fp, fn, tn, precision,\n"
		"        recall}}]}\n"
		"  --by json: {database, by, runs: [{run_id, trace_id, strategy,\n"
		"        profile, knobs_changed, seed, state, rows: [...],\n"
		"        more_rows}]}; rows of\n"
		"        reason: reason, count, share_pct, fell_back, counters\n"
		"        vma: vma, vma_start, vma_end, vma_kind, faults, fell_back,\n"
		"             fallback_pct, aborts, lock_wait_ns, file\n"
		"        ip: ip, pid, symbol, faults, fell_back, aborts\n"
		"        thread: tid, pid, comm, faults, fell_back, blocked_traced_ns,\n"
		"             blocked_pred_ns, wasted_ns, run_traced_ns, run_pred_ns,\n"
		"             run_delta_ns\n"
		"        writer: writer_id, call, tid, comm, aborts, share_pct, hold_ns,\n"
		"             t_ns, args, pid, call_site, caller\n"
		"        time: bucket, t_ns, faults, fell_back, fallback_pct, aborts\n"
		"        handler: handler, faults, share_pct, fell_back, fallback_pct,\n"
		"             latency_mean_ns, latency_max_ns, cost_ns\n"
		"  --spread: csv first_run,counter,reason,min,median,max; json\n"
		"        {database, spreads: [{runs, trace_id, strategy, profile,\n"
		"        knobs_changed, seed_min, seed_max, rows: [{counter, reason,\n"
		"        min, median, max}]}]}\n"
		"  --fidelity json: {database, run_id, strategy, profile, state, trace_id,\n"
		"        trace, trace_faults, compared, excluded_unknown, excluded_no_outcome,\n"
		"        tp, fp, fn, tn, precision, recall (0..1 or null),\n"
		"        by_reason: [{reason, predicted, tp, fp, precision}],\n"
		"        by_gt_detail: [{gt_detail, fallbacks, tp, fn, recall}],\n"
		"        confusion: [{counter, reason, predicted_fallback, gt_vma,\n"
		"        gt_fallback}], disagreements_total, disagreements: [{fault_id,\n"
		"        kind (FP|FN), t_ns, tid, pid, comm, address, access, vma_start,\n"
		"        vma_end, vma_kind, path, counter, reason, gt, gt_detail,\n"
		"        writer: null | {writer_id, linked, call, tid, pid, t_enter_ns,\n"
		"        t_exit_ns, t_lock_acquired_ns, t_lock_released_ns, gap_ns}}]}\n"
		"        Addresses are \"0x...\" strings.  gap_ns: 0 when the writer's\n"
		"        window overlaps the fault, < 0 when it ended before, > 0 after.\n"
		"\n"
		"exit status: 0 whatever the numbers are, 1 if the database cannot be read\n"
		"(missing, not faultline's, a newer schema), has no such run, the run\n"
		"has no ground truth for --fidelity, or the page cannot be written, 2 on\n"
		"a usage error.\n"
		"\n"
		"examples:\n"
		"  faultline report out.db\n"
		"  faultline report --run 2 --by writer --top 10 out.db\n"
		"  faultline report --by thread --format csv out.db\n"
		"  faultline report --fidelity --limit 0 out.db\n"
		"  faultline report --html report.html out.db\n",
	.run = run_report,
};
