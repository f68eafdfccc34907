/* faultline info: what a trace holds and what it can answer. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "fl_err.h"
#include "fl_escape.h"
#include "fl_fmt.h"
#include "fl_json.h"
#include "ingest.h"
#include "trace_summary.h"
#include "tracer/trace_dir.h"

static int on_event(void *ctx, const struct fl_event *ev)
{
	return fl_summary_add(ctx, ev);
}

static const char *support_word(enum fl_support s)
{
	return s == FL_SUPPORT_YES ? "yes" : s == FL_SUPPORT_PARTIAL ? "partly" : "no";
}

/* --abs-time: times as the time of day of the trace's clock. */
static bool info_abs_time;

static void print_text(const char *path, const struct fl_ingest_result *res,
		       const struct fl_trace_summary *s, struct fl_thread_sum **thr, size_t nthr,
		       const struct fl_capability *caps)
{
	const struct fl_trace_meta *m = &res->meta;
	/* Every text from the trace is escaped: any process picks its comm. */
	char e1[8192], e2[1024];

	printf("trace:      %s\n", fl_escape(path, e1, sizeof(e1)));
	printf("dialect:    %s (%s)\n", m->dialect->name, m->dialect->description);
	printf("host:       %s, ", m->hostname[0] ? fl_escape(m->hostname, e1, sizeof(e1)) : "?");
	printf("kernel %s\n", m->release[0] ? fl_escape(m->release, e2, sizeof(e2)) : "?");
	printf("arch:       %s\n", m->arch[0] ? fl_escape(m->arch, e1, sizeof(e1)) : "unknown");
	if (m->mmu[0])
		printf("mmu:        %s\n", fl_escape(m->mmu, e1, sizeof(e1)));
	if (m->page_size)
		printf("page size:  %" PRIu32 "\n", m->page_size);
	else
		printf("page size:  unknown (not in this trace)\n");
	/* Said only by traces whose recorder probed it (faultline record,
	 * scripts/capture-perf-trace): the others' output is unchanged. */
	if (m->zero_page != FL_ZERO_PAGE_UNKNOWN)
		printf("zero page:  %s\n", m->zero_page == FL_ZERO_PAGE_ON
						   ? "yes (an anonymous read maps it)"
						   : "no (an anonymous read allocates a page, and "
						     "needs the VMA's anon_vma)");
	if (m->thp != FL_THP_UNKNOWN)
		printf("THP:        %s\n", m->thp == FL_THP_ALWAYS	 ? "always (any anonymous VMA)"
					  : m->thp == FL_THP_MADVISE ? "madvise (MADV_HUGEPAGE VMAs only)"
								     : "never");
	if (res->have_time) {
		struct fl_time_fmt tf;
		char a[64], b[64], d[32];

		/* The one convention (lib/fl_fmt.h): s since the first event,
		 * or the time of day as babeltrace2 prints it. */
		fl_time_fmt_init(&tf, (int64_t)res->t_first, (int64_t)res->t_last, info_abs_time);
		printf("time span:  %s .. %s", fl_fmt_at(a, sizeof(a), &tf, (int64_t)res->t_first),
		       fl_fmt_at(b, sizeof(b), &tf, (int64_t)res->t_last));
		if (info_abs_time)
			printf(" (%s s)\n", fl_fmt_secs(d, sizeof(d), (int64_t)res->t_last,
							 (int64_t)res->t_first));
		else
			printf(" (s since the first event)\n");
	}
	printf("CTF events: %" PRIu64 " read, %" PRIu64 " not used by faultline\n",
	       res->events, res->ignored);

	printf("\nprocesses and threads:\n");
	printf("  %7s %7s  %-16s %9s %9s %9s\n", "pid", "tid", "comm", "faults", "fellback", "mm_calls");
	for (size_t i = 0; i < nthr; i++)
		printf("  %7" PRId32 " %7" PRId32 "  %-16s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
		       thr[i]->pid, thr[i]->tid, thr[i]->comm[0] ? fl_escape(thr[i]->comm, e2, sizeof(e2)) : "?",
		       thr[i]->faults, thr[i]->fallbacks, thr[i]->mm_calls);

	printf("\nnormalised events:\n");
	printf("  %-13s %9" PRIu64 "  (read %" PRIu64 ", write %" PRIu64 ", exec %" PRIu64
	       ", protection %" PRIu64 ")\n", "fault", s->kinds[FL_EV_FAULT], s->fault_read,
	       s->fault_write, s->fault_exec, s->fault_prot);
	if (s->fault_no_thread)
		printf("  %-13s %9" PRIu64 "  (no thread id in the trace: not replayed)\n",
		       "fault, no tid", s->fault_no_thread);
	printf("  %-13s %9" PRIu64 "  (minor %" PRIu64 ", major %" PRIu64 ")\n", "fault_end",
	       s->kinds[FL_EV_FAULT_END], s->fault_minor, s->fault_major);
	/* The per-kind lists go on their own line to stay within 80 columns. */
	printf("  %-13s %9" PRIu64 "\n%6s", "mm_call", s->kinds[FL_EV_MM_CALL], "");
	for (int k = 0; k < FL_MM__CORE; k++)
		printf("%s%s %" PRIu64, k ? ", " : "", fl_mm_kind_name((enum fl_mm_kind)k), s->mm[k]);
	/* The mlock family, rare, on a line of its own when seen. */
	for (int k = FL_MM__CORE, n = 0; k < FL_MM__COUNT; k++)
		if (s->mm[k])
			printf("%s%s %" PRIu64, n++ ? ", " : "\n      ",
			       fl_mm_kind_name((enum fl_mm_kind)k), s->mm[k]);
	printf("\n");
	printf("  %-13s %9" PRIu64 "  (start %" PRIu64 ", acquired %" PRIu64 ", released %" PRIu64
	       ")\n", "mmap_lock", s->kinds[FL_EV_MMAP_LOCK], s->lock[FL_LOCK_START],
	       s->lock[FL_LOCK_ACQUIRED], s->lock[FL_LOCK_RELEASED]);
	printf("  %-13s %9" PRIu64 "  (extent known %" PRIu64 ", inferred %" PRIu64 ")\n",
	       "vma_snapshot", s->kinds[FL_EV_VMA_SNAPSHOT], s->vma_known, s->vma_inferred);
	printf("  %-13s %9" PRIu64 "\n%6s", "task", s->kinds[FL_EV_TASK], "");
	for (int k = 0; k < FL_TASK__COUNT; k++)
		printf("%s%s %" PRIu64, k ? ", " : "", fl_task_kind_name((enum fl_task_kind)k), s->task[k]);
	printf("\n");
	/* Recordings made before these events were captured show nothing. */
	if (s->kinds[FL_EV_SCHED])
		printf("  %-13s %9" PRIu64 "  (switch %" PRIu64 ", waking %" PRIu64 ")\n", "sched",
		       s->kinds[FL_EV_SCHED], s->sched[FL_SCHED_SWITCH], s->sched[FL_SCHED_WAKING]);
	if (s->kinds[FL_EV_READAHEAD])
		printf("  %-13s %9" PRIu64 "  (sync %" PRIu64 ", async %" PRIu64 ")\n", "readahead",
		       s->kinds[FL_EV_READAHEAD], s->kinds[FL_EV_READAHEAD] - s->ra_async,
		       s->ra_async);
	printf("  %-13s %9" PRIu64 "\n", "lost", s->kinds[FL_EV_LOST]);

	printf("\ndiscarded:  %" PRIu64 " events, %" PRIu64 " packets\n", res->discarded_events,
	       res->discarded_packets);
	if (res->mm_unpaired_enter || res->mm_unpaired_exit)
		printf("unpaired:   %" PRIu64 " mm calls without exit, %" PRIu64
		       " without entry (cut by the trace's ends%s)\n",
		       res->mm_unpaired_enter, res->mm_unpaired_exit,
		       res->inferred_losses ? ", or by lost records: see lost" : "");
	if (s->kinds[FL_EV_MMAP_LOCK] && s->kinds[FL_EV_FAULT])
	{
		printf("fell back:  %" PRIu64 " of %" PRIu64 " faults (%.2f%%) ran under mmap_lock\n",
		       s->fallbacks, s->kinds[FL_EV_FAULT],
		       100.0 * (double)s->fallbacks / (double)s->kinds[FL_EV_FAULT]);
		printf("            %" PRIu64 " more took only the anon_vma trylock\n",
		       s->anon_trylocks);
	}

	printf("\nwhat this trace supports:\n");
	for (int i = 0; i < FL_NCAPS; i++)
		printf("  %-24s %-6s %s\n", caps[i].what, support_word(caps[i].support), caps[i].why);
}

static void print_json(const char *path, const struct fl_ingest_result *res,
		       const struct fl_trace_summary *s, struct fl_thread_sum **thr, size_t nthr,
		       const struct fl_capability *caps)
{
	const struct fl_trace_meta *m = &res->meta;
	struct fl_json j;

	fl_json_init(&j, stdout);
	fl_json_obj_begin(&j, NULL);
	fl_json_str(&j, "trace", path);
	fl_json_str(&j, "dialect", m->dialect->name);
	fl_json_str(&j, "hostname", m->hostname);
	fl_json_str(&j, "kernel_release", m->release);
	if (m->arch[0])
		fl_json_str(&j, "arch", m->arch);
	else
		fl_json_null(&j, "arch");
	if (m->page_size)
		fl_json_u64(&j, "page_size", m->page_size);
	else
		fl_json_null(&j, "page_size");
	if (m->mmu[0])	/* ppc64 only: other traces' output is unchanged */
		fl_json_str(&j, "mmu", m->mmu);
	if (m->zero_page != FL_ZERO_PAGE_UNKNOWN)
		fl_json_bool(&j, "zero_page", m->zero_page == FL_ZERO_PAGE_ON);
	if (m->thp != FL_THP_UNKNOWN)
		fl_json_str(&j, "thp", fl_thp_mode_name(m->thp));
	/* The origin of every relative time, on the trace's clock. */
	fl_json_u64(&j, "t_first_ns", res->t_first);
	fl_json_u64(&j, "t_last_ns", res->t_last);
	fl_json_u64(&j, "span_ns", res->t_last - res->t_first);
	fl_json_u64(&j, "ctf_events", res->events);
	fl_json_u64(&j, "ctf_events_unused", res->ignored);

	fl_json_arr_begin(&j, "threads");
	for (size_t i = 0; i < nthr; i++) {
		fl_json_obj_begin(&j, NULL);
		fl_json_i64(&j, "pid", thr[i]->pid);
		fl_json_i64(&j, "tid", thr[i]->tid);
		fl_json_str(&j, "comm", thr[i]->comm);
		fl_json_u64(&j, "faults", thr[i]->faults);
		fl_json_u64(&j, "fallbacks", thr[i]->fallbacks);
		fl_json_u64(&j, "mm_calls", thr[i]->mm_calls);
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);

	fl_json_obj_begin(&j, "events");
	for (int k = 0; k < FL_EV__COUNT; k++)
		fl_json_u64(&j, fl_ev_kind_name((enum fl_ev_kind)k), s->kinds[k]);
	fl_json_obj_end(&j);
	fl_json_obj_begin(&j, "faults");
	fl_json_u64(&j, "read", s->fault_read);
	fl_json_u64(&j, "write", s->fault_write);
	fl_json_u64(&j, "exec", s->fault_exec);
	fl_json_u64(&j, "protection", s->fault_prot);
	fl_json_u64(&j, "minor", s->fault_minor);
	fl_json_u64(&j, "major", s->fault_major);
	fl_json_u64(&j, "fell_back", s->fallbacks);
	fl_json_u64(&j, "anon_vma_trylock", s->anon_trylocks);
	fl_json_u64(&j, "no_thread", s->fault_no_thread);
	fl_json_obj_end(&j);
	fl_json_obj_begin(&j, "mm_calls");
	for (int k = 0; k < FL_MM__COUNT; k++)
		fl_json_u64(&j, fl_mm_kind_name((enum fl_mm_kind)k), s->mm[k]);
	fl_json_u64(&j, "unpaired_enter", res->mm_unpaired_enter);
	fl_json_u64(&j, "unpaired_exit", res->mm_unpaired_exit);
	fl_json_u64(&j, "inferred_losses", res->inferred_losses);
	fl_json_obj_end(&j);
	fl_json_obj_begin(&j, "mmap_lock");
	for (int k = 0; k < FL_LOCK__COUNT; k++)
		fl_json_u64(&j, fl_lock_phase_name((enum fl_lock_phase)k), s->lock[k]);
	fl_json_obj_end(&j);
	fl_json_obj_begin(&j, "tasks");
	for (int k = 0; k < FL_TASK__COUNT; k++)
		fl_json_u64(&j, fl_task_kind_name((enum fl_task_kind)k), s->task[k]);
	fl_json_obj_end(&j);
	fl_json_obj_begin(&j, "vma_snapshot");
	fl_json_u64(&j, "extent_known", s->vma_known);
	fl_json_u64(&j, "extent_inferred", s->vma_inferred);
	fl_json_obj_end(&j);
	fl_json_obj_begin(&j, "discarded");
	fl_json_u64(&j, "events", res->discarded_events);
	fl_json_u64(&j, "packets", res->discarded_packets);
	fl_json_obj_end(&j);

	fl_json_arr_begin(&j, "supports");
	for (int i = 0; i < FL_NCAPS; i++) {
		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "what", caps[i].what);
		fl_json_str(&j, "support", support_word(caps[i].support));
		fl_json_str(&j, "why", caps[i].why);
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);
	fl_json_obj_end(&j);
	fl_json_finish(&j);
}

static int info_format;
static const char *const info_formats[] = { "text", "json", NULL };

static const struct fl_option info_options[] = {
	{ FL_OPT_CHOICE, 'f', "format", "FMT", "text (default, for people) or json (programs)",
	  &info_format, NULL, 0, "format", info_formats, NULL },
	{ FL_OPT_FLAG, 0, "abs-time", NULL, "the time span as the time of day of the trace's\n"
	  "clock (babeltrace2's form), not since its first event",
	  &info_abs_time, NULL, 0, NULL, NULL, NULL },
	FL_OPT_END_,
};

static int run_info(int argc, char **argv)
{
	struct fl_ingest_ops ops = { .event = on_event };
	struct fl_ingest_result res;
	struct fl_trace_summary sum;
	struct fl_capability caps[FL_NCAPS];
	struct fl_err err = { 0 };
	struct fl_thread_sum **thr;
	size_t nthr;
	bool json;
	int rc, npos, optind = 1;

	info_format = 0;
	info_abs_time = false;
	npos = fl_cmd_parse(&fl_cmd_info, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	json = info_format == 1;
	argc = npos + 1;
	if (optind >= argc)
		return fl_cmd_usage_error(&fl_cmd_info, "no trace given");
	if (argc - optind > 1)
		return fl_cmd_usage_error(&fl_cmd_info, "one trace at a time ('%s' is extra)",
					  argv[optind + 1]);

	/* A recording whose recorder died is finished first (owner-only
	 * modes, LTTng's nested layout moved up), and said to be cut short. */
	if (fl_trace_dir_complete(argv[optind]) == 1)
		fprintf(stderr, "faultline info: %s held a recording that was never finished; "
			"finished it\n", argv[optind]);
	{
		char note[256];
		if (fl_trace_dir_cut_short(argv[optind], note, sizeof(note)))
			fprintf(stderr, "faultline info: %s: %s\n", argv[optind], note);
	}
	fl_summary_init(&sum);
	rc = fl_ingest(argv[optind], &ops, &sum, &res, &err);
	if (rc < 0) {
		if (!err.code)
			fl_err_set(&err, rc, "%s: out of memory", argv[optind]);
		fl_err_print(&err, stderr);
		fl_summary_free(&sum);
		fl_ingest_result_free(&res);
		return FL_EXIT_FAIL;
	}
	if (!fl_summary_usable(&sum)) {
		fl_err_set(&err, -ENODATA,
			   "%s: none of the events faultline needs: no page faults, no mmap-family "
			   "syscalls, no mmap_lock events (%" PRIu64 " CTF events, all of other kinds)",
			   argv[optind], res.events);
		if (res.meta.dialect && strcmp(res.meta.dialect->name, "lttng-kernel") == 0)
			fl_err_hint(&err, "record with: lttng enable-event -k "
				    "x86_exceptions_page_fault_user,sched_process_fork,"
				    "sched_process_exec,sched_process_exit; lttng enable-event -k "
				    "--syscall mmap,munmap,mprotect,mremap,brk,madvise");
		else
			fl_err_hint(&err, "record with scripts/capture-perf-trace, or: perf record "
				    "-c 1 -d -e exceptions:page_fault_user -e minor-faults "
				    "-e major-faults -e 'mmap_lock:*' -e syscalls:sys_enter_mmap ... "
				    "(traces/README.md has the full list)");
		fl_err_print(&err, stderr);
		fl_summary_free(&sum);
		fl_ingest_result_free(&res);
		return FL_EXIT_FAIL;
	}
	thr = fl_summary_threads(&sum, &nthr);
	fl_summary_capabilities(&sum, &res, caps);
	if (json)
		print_json(argv[optind], &res, &sum, thr, nthr, caps);
	else
		print_text(argv[optind], &res, &sum, thr, nthr, caps);
	free(thr);
	fl_summary_free(&sum);
	fl_ingest_result_free(&res);
	return FL_EXIT_OK;
}

const struct fl_cmd fl_cmd_info = {
	.name = "info",
	.summary = "describe a trace: dialect, threads, events, what it can answer",
	.usage = "faultline info [--format text|json] [--abs-time] TRACE",
	.help =
		"TRACE is a CTF trace directory: the output of\n"
		"`perf data convert --all --to-ctf=DIR` (perf-ctf dialect) or an LTTng\n"
		"kernel trace (lttng-kernel dialect).  It is read through libbabeltrace2\n"
		"(source.ctf.fs, then filter.utils.muxer) into faultline's normalised\n"
		"events, and summarised:\n"
		"\n"
		"  - dialect, host, kernel release, arch, page size (when known), time span;\n"
		"  - processes and threads with their comm, faults, faults that fell back\n"
		"    to mmap_lock, and mm calls;\n"
		"  - counts per normalised event kind (fault, fault_end, mm_call,\n"
		"    mmap_lock, vma_snapshot, task, lost), and discarded events;\n"
		"  - what the trace can support and what it cannot, and why.\n"
		"\n"
		"The time span is in seconds with ns since the trace's first event\n"
		"(0.000000000 .. 0.087143938).  --abs-time prints it as babeltrace2\n"
		"prints an event's time: the time of day of the trace's clock,\n"
		"HH:MM:SS.nnnnnnnnn in local time (TZ), with the date when the span\n"
		"crosses midnight.  The clock includes the trace's offset: the Unix\n"
		"epoch for faultline and LTTng traces; perf's clock counts from boot.\n"
		"JSON gives t_first_ns and t_last_ns on the trace's clock (the origin\n"
		"of every time since the first event) and span_ns.\n"
		"\n"
		"A fault 'fell back' when its thread holds mmap_lock at the fault's end\n"
		"(minor-faults/major-faults): handle_mm_fault() ran under mmap_lock.  On a\n"
		"kernel with per-VMA locks that is the kernel's own answer to which faults\n"
		"left the fast path.  A fault that only took and released the trylock of\n"
		"__vmf_anon_prepare() (6.10+) stayed on the per-VMA lock; those are\n"
		"counted apart.\n",
	.options = info_options,
	.help_tail =
		"exit status: 0 on success, 1 if the trace cannot be read or holds none of\n"
		"the events faultline needs, 2 on a usage error.\n"
		"\n"
		"Corrupt traces: before decoding, the metadata must be complete and every\n"
		"stream file non-empty, with packet headers whose sizes are non-zero and\n"
		"within the file, and an index/ that matches; else the error names the\n"
		"file and the packet offset.  libbabeltrace2 then decodes in a child\n"
		"process: if it makes no progress for FL_DECODE_STALL_S seconds (default\n"
		"60), grows past FL_DECODE_MEM_MB MiB (default half the RAM) or crashes,\n"
		"the error names the trace and the stream file.  FL_INGEST_NO_CHECK=1\n"
		"skips the checks.  The same holds for `faultline replay`.\n"
		"\n"
		"example:\n"
		"  faultline info traces/x86_64/mmchurn\n",
	.run = run_info,
};
