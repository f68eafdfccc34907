/* faultline record: the command line.  Parses the options, then hands
 * over: --trigger to send_trigger.c, a recording to the recorder
 * (recorder.h: recorder.c runs it, in the stages of recorder_start.c,
 * recorder_targets.c, recorder_loop.c and recorder_summary.c, which use
 * these modules):
 *   tracefs.c      find (or mount) tracefs, read tracepoint layouts
 *   perf_events.c  open the events per CPU for the target, one ring per CPU
 *   child.c        the recorded command, held until the events are open
 *   lttng_ctl.c    the session daemon and the LTTng session
 *   ust_load.c     the provider, loaded once the session is started
 *   rec_decode.c   perf records -> rec_ev
 *   rec_merge.c    kernel-time order across CPUs
 *   rec_writer.c   rec_ev -> provider calls, counts
 *   proc_maps.c    the address space of attached processes
 * This file holds the command line, its help and usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "recorder.h"

/* ---------------------------------------------------------------------- */
/* The command                                                            */

extern const struct fl_cmd fl_cmd_record;

static int parse_pids(struct rec_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);
		if (*end || v <= 0 || v > INT_MAX) {
			rc = -EINVAL;
			break;
		}
		if (recorder_push_pid(&o->pids, &o->npids, &o->cappids, (pid_t)v) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	free(copy);
	return rc;
}

enum {
	OPT_SNAPSHOT = 256, OPT_SNAPSHOT_SIZE, OPT_TRIGGER_LOCK, OPT_TRIGGER_FALLBACK,
	OPT_TRIGGER_WINDOW, OPT_TRIGGER, OPT_ROTATE_SIZE, OPT_ROTATE_EVERY, OPT_MAX_SIZE, OPT_LIVE,
};

/* A number in [lo, hi] for option name, or a usage error. */
static int parse_num(const char *name, const char *arg, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || !(*v >= lo && *v <= hi))
		return fl_cmd_usage_error(&fl_cmd_record, "--%s wants a number from %g to %g, not '%s'",
					  name, lo, hi, arg);
	return 0;
}

/* One option, c from getopt_long() (its value in optarg), into o. */
static int parse_opt(int c, char **argv, struct rec_opts *o)
{
	double num;
	char *end;
	int rc;

	switch (c) {
	case 'o':
		o->output = optarg;
		break;
	case 'p':
		if (parse_pids(o, optarg) < 0)
			return fl_cmd_usage_error(&fl_cmd_record, "bad process id list '%s'",
						  optarg);
		break;
	case 'a':
		o->all = true;
		break;
	case 'd':
		o->duration = strtod(optarg, &end);
		if (*end || !(o->duration > 0) || o->duration > 1e7)
			return fl_cmd_usage_error(&fl_cmd_record,
						  "--duration wants seconds > 0, not '%s'", optarg);
		break;
	case 'm': {
		unsigned long v = strtoul(optarg, &end, 10);
		if (*end || v < 1 || v > (1ul << 20) || (v & (v - 1)))
			return fl_cmd_usage_error(&fl_cmd_record, "--mmap-pages wants a power "
						  "of two from 1 to 1048576, not '%s'", optarg);
		o->ring_pages = v;
		break;
	}
	case 'q':
		o->quiet = true;
		break;
	case OPT_SNAPSHOT:
		o->snapshot = true;
		break;
	case OPT_SNAPSHOT_SIZE:
		if ((rc = parse_num("snapshot-size", optarg, 1, 65536, &num)) != 0)
			return rc;
		o->snapshot_mib = (unsigned long)num;
		break;
	case OPT_TRIGGER_LOCK:
		if ((rc = parse_num("trigger-lock-wait", optarg, 1e-6, 1e6, &num)) != 0)
			return rc;
		o->trigger_lock_ms = num;
		break;
	case OPT_TRIGGER_FALLBACK:
		if ((rc = parse_num("trigger-fallback", optarg, 0.001, 100, &num)) != 0)
			return rc;
		o->trigger_fallback_pct = num;
		break;
	case OPT_TRIGGER_WINDOW:
		if ((rc = parse_num("trigger-window", optarg, 1, 3.6e6, &num)) != 0)
			return rc;
		o->trigger_window_ms = num;
		break;
	case OPT_TRIGGER:
		o->trigger = true;
		break;
	case OPT_ROTATE_SIZE:
		if ((rc = parse_num("rotate-size", optarg, 1, 1e7, &num)) != 0)
			return rc;
		o->rotate_mib = num;
		break;
	case OPT_ROTATE_EVERY:
		if ((rc = parse_num("rotate-every", optarg, 0.1, 1e7, &num)) != 0)
			return rc;
		o->rotate_s = num;
		break;
	case OPT_MAX_SIZE:
		if ((rc = parse_num("max-size", optarg, 1, 1e9, &num)) != 0)
			return rc;
		o->max_mib = num;
		break;
	case 'U':
		/* LTTng's URL syntax; lttng-sessiond checks the rest. */
		if (strncmp(optarg, "net://", 6) && strncmp(optarg, "net6://", 7))
			return fl_cmd_usage_error(&fl_cmd_record, "--url wants net://HOST[:CTRL[:DATA]] "
						  "(or net6://), not '%s'", optarg);
		o->url = optarg;
		break;
	case OPT_LIVE:
		o->live_ms = 1000;	/* lttng create --live's default */
		if (optarg && (rc = parse_num("live", optarg, 1, 3600000, &o->live_ms)) != 0)
			return rc;
		break;
	case ':':
		return fl_cmd_usage_error(&fl_cmd_record, "option '%s' needs a value",
					  argv[optind - 1]);
	default:
		return fl_cmd_usage_error(&fl_cmd_record, "unknown option '%s'",
					  argv[optind - 1]);
	}
	return 0;
}

/* The options together: what goes with what, and one target. */
static int check_args(const struct rec_opts *o)
{
	if (o->trigger) {
		if (o->cmd || o->npids || o->all || o->snapshot)
			return fl_cmd_usage_error(&fl_cmd_record, "--trigger asks a running "
						  "recorder for a snapshot: give only -o DIR with it");
		return 0;
	}
	if (!o->snapshot && (o->snapshot_mib || o->trigger_lock_ms || o->trigger_fallback_pct ||
			     o->trigger_window_ms))
		return fl_cmd_usage_error(&fl_cmd_record, "--snapshot-size and --trigger-* "
					  "belong to --snapshot");
	if (o->snapshot && (o->rotate_mib || o->rotate_s))
		return fl_cmd_usage_error(&fl_cmd_record, "--snapshot writes only on a trigger: "
					  "it does not rotate");
	if (o->max_mib && !o->rotate_mib && !o->rotate_s)
		return fl_cmd_usage_error(&fl_cmd_record, "--max-size removes the oldest trace "
					  "chunks: give --rotate-size or --rotate-every with it");
	if (o->max_mib && o->rotate_mib && o->max_mib < 2 * o->rotate_mib)
		return fl_cmd_usage_error(&fl_cmd_record, "--max-size must be at least twice "
					  "--rotate-size: a chunk is removed only once a newer one is closed");
	if (o->trigger_window_ms && !o->trigger_fallback_pct)
		return fl_cmd_usage_error(&fl_cmd_record, "--trigger-window is the window of "
					  "--trigger-fallback");
	if (o->url && o->output)
		return fl_cmd_usage_error(&fl_cmd_record, "give -o DIR or --url URL, not both");
	if (o->live_ms && (!o->url || o->snapshot || o->rotate_mib || o->rotate_s))
		return fl_cmd_usage_error(&fl_cmd_record, "--live makes the --url session a live "
					  "one: it needs --url, and takes no --snapshot or rotation");
	if ((o->cmd != NULL) + (o->npids > 0) + o->all != 1)
		return fl_cmd_usage_error(&fl_cmd_record, o->cmd || o->npids || o->all
					  ? "give one target: -p PID, -a, or -- CMD"
					  : "nothing to record: give -p PID, -a, or -- CMD");
	return 0;
}

static int parse_args(int argc, char **argv, struct rec_opts *o)
{
	int rc;
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 'd' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
		{ "snapshot-size", required_argument, NULL, OPT_SNAPSHOT_SIZE },
		{ "trigger-lock-wait", required_argument, NULL, OPT_TRIGGER_LOCK },
		{ "trigger-fallback", required_argument, NULL, OPT_TRIGGER_FALLBACK },
		{ "trigger-window", required_argument, NULL, OPT_TRIGGER_WINDOW },
		{ "trigger", no_argument, NULL, OPT_TRIGGER },
		{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
		{ "rotate-every", required_argument, NULL, OPT_ROTATE_EVERY },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "url", required_argument, NULL, 'U' },
		{ "live", optional_argument, NULL, OPT_LIVE },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->ring_pages = 0;	/* sized from memory (ring_size.h) */
	opterr = 0;
	optind = 1;
	/* '+': the first non-option starts the command. */
	while ((c = getopt_long(argc, argv, "+:o:p:ad:m:q", opts, NULL)) != -1)
		if ((rc = parse_opt(c, argv, o)) != 0)
			return rc;
	if (optind < argc)
		o->cmd = argv + optind;
	return check_args(o);
}

static int run_record(int argc, char **argv)
{
	struct recorder r;
	int rc;

	recorder_init(&r);
	if ((rc = parse_args(argc, argv, &r.o)) != 0) {
		free(r.o.pids);
		snap_trigger_free(&r.trig);
		return rc;
	}
	if (r.o.trigger) {
		snap_trigger_free(&r.trig);
		return recorder_send_trigger(&r.o);
	}
	recorder_catch_signals();
	return recorder_run(&r);
}

const struct fl_cmd fl_cmd_record = {
	.name = "record",
	.summary = "capture page faults and mmap-family events into a trace",
	.usage = "faultline record [-o DIR | --url URL] [-d S] [-m PAGES] [-q] [--rotate-size MIB | --rotate-every S\n"
		 "                        [--max-size MIB]] [--snapshot [--snapshot-size MIB]\n"
		 "                        [--trigger-lock-wait MS] [--trigger-fallback PCT [--trigger-window MS]]]\n"
		 "                        (-p PID... | -a | [--] CMD [ARGS...])\n"
		 "       faultline record --trigger [-o DIR]",
	.help =
		"Record the page faults, fault ends, mmap-family calls (mmap, munmap,\n"
		"mprotect, mremap, brk, madvise), mmap_lock activity, thread lifecycle,\n"
		"context switches, wakings and readahead of a command, of running\n"
		"processes, or of the whole system, into an LTTng-UST trace in the\n"
		"faultline dialect (schemas/faultline-events.md), which `faultline info`\n"
		"and the replay read.\n"
		"\n"
		"Sources, opened per CPU with perf_event_open(2): the tracepoints\n"
		"exceptions:page_fault_user, mmap_lock:*, syscalls:sys_{enter,exit}_X for\n"
		"the six calls, task:task_newtask, sched:sched_process_{exec,exit},\n"
		"task:task_rename, sched:sched_switch, sched:sched_waking and\n"
		"readahead:page_cache_{sync,async}_ra; the software events minor-faults\n"
		"and major-faults.  Like every source, the scheduler's are the recorded\n"
		"threads' own: their switches and the wakings they do.  A kernel without\n"
		"the page-fault tracepoint gets the page-faults software event instead;\n"
		"any source this kernel lacks is named, with what the replay loses\n"
		"without it (the readahead tracepoints, which only recent kernels have,\n"
		"in one warning).  tracefs is mounted when it is not.\n"
		"\n"
		"The per-CPU perf rings are merged by kernel time and written through\n"
		"faultline's LTTng-UST provider; each event keeps its kernel timestamp\n"
		"in its `ktime` field.  The LTTng session is the recorder's own: it is\n"
		"created, started, stopped and destroyed here, and a private\n"
		"lttng-sessiond is started (and stopped at the end) when none runs.\n"
		"\n"
		"targets (exactly one):\n"
		"  -- CMD [ARGS...]       run CMD and record it and its threads and\n"
		"                         children; under sudo, CMD runs as the user who\n"
		"                         ran sudo.  Recording ends when CMD exits.\n"
		"  -p, --pid PID[,PID]    attach to running processes (repeatable); their\n"
		"                         /proc/PID/maps is written as vma_snapshot events.\n"
		"                         Recording ends when they have all exited.\n"
		"  -a, --all              every process on the system\n"
		"\n"
		"options:\n"
		"  -o, --output DIR       the trace directory, which must not exist\n"
		"                         (default: faultline-YYYYMMDD-HHMMSS); created\n"
		"                         owner-only, because traces hold addresses\n"
		"      --url URL          send the trace to an LTTng relay daemon instead:\n"
		"                         net://HOST[:CTRL[:DATA]] (default ports 5342 and\n"
		"                         5343), as `lttng create --set-url`; the collector's\n"
		"                         lttng-relayd writes it to its output directory, in\n"
		"                         HOSTNAME/SESSION-DATE-TIME/, where every faultline\n"
		"                         command reads it (docs/fleet.md)\n"
		"      --live[=MS]        with --url: a live session, which `faultline replay\n"
		"                         --live` follows as it records, its packets sent\n"
		"                         every MS (default 1000) or when one is full; a\n"
		"                         viewer attached later starts at the next packet\n"
		"                         (docs/fleet.md)\n"
		"  -d, --duration S       stop after S seconds\n"
		"  -m, --mmap-pages N     data pages of each CPU's perf ring, a power of\n"
		"                         two (default: 1/64 of the available memory\n"
		"                         shared by the CPUs, 4 to 64 MiB per CPU)\n"
		"  -q, --quiet            print only errors and losses\n"
		"\n"
		"flight recorder:\n"
		"  --snapshot             keep the events in LTTng's rings in memory,\n"
		"                         overwriting the oldest, and write nothing until\n"
		"                         a trigger; each trigger writes what the rings\n"
		"                         hold (everything that happened before it, as\n"
		"                         far back as they reach) as DIR/snapshot-N, a\n"
		"                         trace of its own, and recording goes on.\n"
		"                         Triggers: SIGUSR1, `faultline record --trigger`,\n"
		"                         and the two below.\n"
		"  --snapshot-size MIB    each CPU's ring (default 64)\n"
		"  --trigger-lock-wait MS a thread waited longer than MS for mmap_lock\n"
		"  --trigger-fallback PCT at least PCT% of the faults that ended in the\n"
		"                         window (at least 100 of them) ended while their\n"
		"                         thread held mmap_lock: they fell back\n"
		"  --trigger-window MS    that window (default 1000)\n"
		"                         A built-in trigger then stays quiet for 1 s.\n"
		"  --trigger              from another shell: ask the flight recorder\n"
		"                         writing -o DIR (or the only one running) for a\n"
		"                         snapshot now\n"
		"\n"
		"long recordings:\n"
		"  --rotate-size MIB      close the trace chunk after about MIB (LTTng\n"
		"                         checks the size as it writes; chunks run over)\n"
		"  --rotate-every S       close the trace chunk every S seconds\n"
		"                         Each closed chunk is DIR/archives/BEGIN-END-N, a\n"
		"                         trace of its own; info and replay read DIR as\n"
		"                         the whole recording.\n"
		"  --max-size MIB         keep DIR under MIB: the oldest closed chunks are\n"
		"                         removed (checked every 0.25 s and at the end;\n"
		"                         the newest closed chunk is always kept)\n"
		"  -h, --help             this help\n"
		"\n"
		"Recording stops cleanly on SIGINT, SIGTERM or SIGHUP, when the target is\n"
		"gone, after --duration, or when the output's file system runs low on\n"
		"space; the trace is complete and readable in every case.  At the end it\n"
		"prints how many events were written and at what rate, how many perf\n"
		"records were lost and how many events LTTng discarded, and how full the\n"
		"fullest perf ring got (a ring found above 75% full is warned about at\n"
		"once).  Lost records are\n"
		"also in the trace (`lost` events, and LTTng's own discarded counts) and\n"
		"`faultline info` shows them.\n"
		"\n"
		"Needs root (or perf_event_paranoid -1), LTTng (lttng-sessiond,\n"
		"liblttng-ctl, liblttng-ust) and faultline-ust.so, the provider, which\n"
		"`make` builds next to the binary and `make install` installs.\n"
		"\n"
		"exit status: 0 when the trace is complete, 3 when it was written but\n"
		"events were lost, 1 on an error (the message says what was kept),\n"
		"2 on a usage error.\n"
		"\n"
		"examples:\n"
		"  sudo faultline record -o t -- ./prog arg   # then: faultline info t\n"
		"  sudo faultline record -o t -d 10 -p 1234\n",
	.run = run_record,
};
