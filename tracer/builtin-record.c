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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "recorder.h"

/* ---------------------------------------------------------------------- */
/* The command line                                                       */

extern const struct fl_cmd fl_cmd_record;

/* The options as parsed (lib/fl_opt.h): the table below points into it. */
static struct rec_opts ra;

static int take_pids(void *value, const char *arg, char *err, size_t len)
{
	struct rec_opts *o = value;
	char *copy = strdup(arg), *save = NULL, *tok;
	size_t had = o->npids;
	int rc = 0;

	if (!copy)
		goto nomem;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);
		if (*end || v <= 0 || v > INT_MAX) {
			rc = -1;
			break;
		}
		if (recorder_push_pid(&o->pids, &o->npids, &o->cappids, (pid_t)v) < 0) {
			free(copy);
			goto nomem;
		}
	}
	free(copy);
	if (rc < 0 || o->npids == had) {
		snprintf(err, len, "--pid wants process ids PID[,PID...], not '%s'", arg);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, len, "--pid: out of memory");
	return -1;
}

/* A number option: its name, the range it must be in, where it goes. */
struct rec_num {
	const char *name;
	double lo, hi;
	double *to;
};

/* A number in [n->lo, n->hi] for option n, or -1 with the message. */
static int parse_num(const struct rec_num *n, const char *arg, double *v, char *err, size_t len)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || !(*v >= n->lo && *v <= n->hi)) {
		snprintf(err, len, "--%s wants a number from %g to %g, not '%s'", n->name, n->lo,
			 n->hi, arg);
		return -1;
	}
	return 0;
}

static int take_num(void *value, const char *arg, char *err, size_t len)
{
	const struct rec_num *n = value;

	return parse_num(n, arg, n->to, err, len);
}

/* The ranges; the help below states each one. */
static struct rec_num num_snapshot_size = { "snapshot-size", 1, 65536, NULL };
static struct rec_num num_trigger_lock = { "trigger-lock-wait", 1e-6, 1e6, &ra.trigger_lock_ms };
static struct rec_num num_trigger_fallback = { "trigger-fallback", 0.001, 100,
					       &ra.trigger_fallback_pct };
static struct rec_num num_trigger_window = { "trigger-window", 1, 3.6e6, &ra.trigger_window_ms };
static struct rec_num num_rotate_size = { "rotate-size", 1, 1e7, &ra.rotate_mib };
static struct rec_num num_rotate_every = { "rotate-every", 0.1, 1e7, &ra.rotate_s };
static struct rec_num num_max_size = { "max-size", 1, 1e9, &ra.max_mib };
static struct rec_num num_live = { "live", 1, 3600000, &ra.live_ms };

static int take_snapshot_size(void *value, const char *arg, char *err, size_t len)
{
	double num;

	if (parse_num(&num_snapshot_size, arg, &num, err, len) < 0)
		return -1;
	*(unsigned long *)value = (unsigned long)num;
	return 0;
}

/* --live, or --live=MS. */
static int take_live(void *value, const char *arg, char *err, size_t len)
{
	(void)value;
	ra.live_ms = 1000;	/* lttng create --live's default */
	return arg ? take_num(&num_live, arg, err, len) : 0;
}

static int take_duration(void *value, const char *arg, char *err, size_t len)
{
	char *end;
	double d = strtod(arg, &end);

	if (*end || !(d > 0) || d > 1e7) {
		snprintf(err, len, "--duration wants seconds > 0, not '%s'", arg);
		return -1;
	}
	*(double *)value = d;
	return 0;
}

static int take_mmap_pages(void *value, const char *arg, char *err, size_t len)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || v < 1 || v > (1ul << 20) || (v & (v - 1))) {
		snprintf(err, len, "--mmap-pages wants a power of two from 1 to 1048576, not '%s'",
			 arg);
		return -1;
	}
	*(size_t *)value = v;
	return 0;
}

static int take_url(void *value, const char *arg, char *err, size_t len)
{
	/* LTTng's URL syntax; lttng-sessiond checks the rest. */
	if (strncmp(arg, "net://", 6) && strncmp(arg, "net6://", 7)) {
		snprintf(err, len, "--url wants net://HOST[:CTRL[:DATA]] (or net6://), not '%s'",
			 arg);
		return -1;
	}
	*(const char **)value = arg;
	return 0;
}

#define OPT_CB(type, s, l, argh, help, value, cb) \
	{ type, s, l, argh, help, value, NULL, 0, NULL, NULL, cb }
#define OPT_NUM(l, argh, help, num) OPT_CB(FL_OPT_CALLBACK, 0, l, argh, help, &num, take_num)
#define OPT_FLAG(s, l, help, value) OPT_CB(FL_OPT_FLAG, s, l, NULL, help, value, NULL)

/* Every option, its value's name, default and range: the "options:" block
 * of the help, the man page's OPTIONS and the bash completion. */
static const struct fl_option record_options[] = {
	{ FL_OPT_STRING, 'o', "output", "DIR", "the trace directory, which must not exist\n"
	  "(default: faultline-YYYYMMDD-HHMMSS); created\n"
	  "owner-only, because traces hold addresses", &ra.output, NULL, 0, NULL, NULL, NULL },
	OPT_CB(FL_OPT_CALLBACK, 0, "url", "URL", "send the trace to an LTTng relay daemon instead:\n"
	       "net://HOST[:CTRL[:DATA]] (default ports 5342 and\n"
	       "5343), as `lttng create --set-url`; the collector's\n"
	       "lttng-relayd writes it to its output directory, in\n"
	       "HOSTNAME/SESSION-DATE-TIME/, where every faultline\n"
	       "command reads it (docs/fleet.md)", &ra.url, take_url),
	OPT_CB(FL_OPT_CALLBACK_OPTARG, 0, "live", "MS", "with --url: a live session, which `faultline replay\n"
	       "--live` follows as it records, its packets sent\n"
	       "every MS, 1 to 3600000 (default 1000), or when one\n"
	       "is full; a viewer attached later starts at the\n"
	       "next packet (docs/fleet.md)", NULL, take_live),
	OPT_CB(FL_OPT_CALLBACK, 'p', "pid", "PID[,PID]", "a target: attach to running processes\n"
	       "(repeatable); their /proc/PID/maps is written as\n"
	       "vma_snapshot events, and their faults are traced\n"
	       "from after it.  Recording ends when they have all\n"
	       "exited", &ra, take_pids),
	OPT_FLAG('a', "all", "a target: every process on the system", &ra.all),
	OPT_CB(FL_OPT_CALLBACK, 'd', "duration", "S", "stop after S seconds, more than 0 and at most\n"
	       "10000000 (default: when the target is gone)", &ra.duration, take_duration),
	OPT_CB(FL_OPT_CALLBACK, 'm', "mmap-pages", "N", "data pages of each CPU's perf ring, a power of\n"
	       "two from 1 to 1048576 (default: 1/64 of the\n"
	       "available memory shared by the CPUs, 4 to 64 MiB\n"
	       "per CPU)", &ra.ring_pages, take_mmap_pages),
	OPT_FLAG('q', "quiet", "print only errors and losses", &ra.quiet),
	OPT_FLAG(0, "snapshot", "the flight recorder: keep the events in LTTng's\n"
		 "rings in memory, overwriting the oldest, and write\n"
		 "nothing until a trigger; each trigger writes what\n"
		 "the rings hold (everything that happened before it,\n"
		 "as far back as they reach) as DIR/snapshot-N, a\n"
		 "trace of its own, and recording goes on.\n"
		 "Triggers: SIGUSR1, `faultline record --trigger`,\n"
		 "and the two below", &ra.snapshot),
	OPT_CB(FL_OPT_CALLBACK, 0, "snapshot-size", "MIB", "with --snapshot: each CPU's ring, 1 to 65536\n"
	       "(default 64)", &ra.snapshot_mib, take_snapshot_size),
	OPT_NUM("trigger-lock-wait", "MS", "with --snapshot: trigger when a thread waited\n"
		"longer than MS for mmap_lock, 0.000001 to 1000000\n"
		"(default: no such trigger)", num_trigger_lock),
	OPT_NUM("trigger-fallback", "PCT", "with --snapshot: trigger when at least PCT% of\n"
		"the faults that ended in the window (at least 100\n"
		"of them) ended while their thread held mmap_lock:\n"
		"they fell back; 0.001 to 100 (default: no such\n"
		"trigger)", num_trigger_fallback),
	OPT_NUM("trigger-window", "MS", "with --trigger-fallback: that window, 1 to\n"
		"3600000 (default 1000).  A built-in trigger then\n"
		"stays quiet for 1 s", num_trigger_window),
	OPT_FLAG(0, "trigger", "from another shell: ask the flight recorder\n"
		 "writing -o DIR (or the only one running) for a\n"
		 "snapshot now; give only -o DIR with it", &ra.trigger),
	OPT_NUM("rotate-size", "MIB", "close the trace chunk after about MIB, 1 to\n"
		"10000000 (LTTng checks the size as it writes;\n"
		"chunks run over).  Each closed chunk is\n"
		"DIR/archives/BEGIN-END-N, a trace of its own; info\n"
		"and replay read DIR as the whole recording", num_rotate_size),
	OPT_NUM("rotate-every", "S", "close the trace chunk every S seconds, 0.1 to\n"
		"10000000", num_rotate_every),
	OPT_NUM("max-size", "MIB", "with --rotate-size or --rotate-every: keep DIR\n"
		"under MIB, 1 to 1000000000, at least twice\n"
		"--rotate-size: the oldest closed chunks are\n"
		"removed (checked every 0.25 s and at the end; the\n"
		"newest closed chunk is always kept)", num_max_size),
	FL_OPT_END_,
};

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

/* argv into o: 0 to record, FL_OPT_PARSE_HELP when the help was
 * printed, or FL_EXIT_USAGE (said).  The first word that is not an
 * option (or the word after "--") starts the command: the words after it
 * are its own, options too. */
static int parse_args(int argc, char **argv, struct rec_opts *o)
{
	int n;

	memset(&ra, 0, sizeof(ra));
	ra.ring_pages = 0;	/* sized from memory (ring_size.h) */
	n = fl_cmd_parse(&fl_cmd_record, argc, argv);
	*o = ra;
	if (n == FL_OPT_PARSE_HELP)
		return n;
	if (n < 0)
		return FL_EXIT_USAGE;
	argv[1 + n] = NULL;	/* the command's argv ends with it */
	if (n > 0)
		o->cmd = argv + 1;
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
		return rc == FL_OPT_PARSE_HELP ? FL_EXIT_OK : rc;
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
	.usage = "faultline record [-o DIR | --url URL [--live[=MS]]] [-d S] [-m N] [-q]\n"
		 "                        [--rotate-size MIB | --rotate-every S [--max-size MIB]]\n"
		 "                        [--snapshot [--snapshot-size MIB]\n"
		 "                         [--trigger-lock-wait MS]\n"
		 "                         [--trigger-fallback PCT [--trigger-window MS]]]\n"
		 "                        (-p PID[,PID]... | -a | [--] CMD [ARGS...])\n"
		 "       faultline record --trigger [-o DIR]",
	.help =
		"Record the page faults, fault ends, mmap-family calls (mmap, munmap,\n"
		"mprotect, mremap, brk, madvise, mlock, mlock2, munlock, mlockall,\n"
		"munlockall, pkey_mprotect), mmap_lock activity, thread lifecycle,\n"
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
		"lttng-sessiond is started (and stopped at the end) when none runs;\n"
		"when another recording uses it then, the last one to end stops it.\n"
		"As root, the recorder and that daemon run at nice -10, so that a busy\n"
		"machine does not keep them from draining the rings; the command runs\n"
		"at the nice value faultline was started with.\n"
		"\n"
		"The target is exactly one of: a command, run and recorded with its\n"
		"threads and children until it exits (`-- CMD [ARGS...]`; the `--` may\n"
		"be left out: the first word that is not an option starts CMD, and the\n"
		"words after it are CMD's, options too; under sudo, CMD runs as the user\n"
		"who ran sudo); running processes (-p); or every process (-a).\n",
	.options = record_options,
	.opt_flags = FL_OPT_PARSE_STOP_AT_ARG,
	.help_tail =
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
