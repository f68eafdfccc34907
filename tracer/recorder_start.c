/* faultline record: the start-up, in its order.  The checks before
 * anything is touched (privileges, the sudo user, the output directory),
 * tracefs, the recorder's raised priority, a private session daemon
 * started early so that it comes up while the perf events are opened,
 * the LTTng session, the provider loaded once the session is started,
 * and the header; then the command is let go, or the attached processes'
 * layouts are read.  Apart from the loop (recorder_loop.c) because the
 * order matters and is easier to keep when it reads top to bottom in one
 * place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "fl_version.h"
#include "thp_mode.h"
#include "zero_page.h"
#include "recorder.h"
#include "trace_dir.h"
#include "tracefs.h"


/* ---------------------------------------------------------------------- */
/* Checks before anything is touched                                      */

static int check_privileges(struct fl_err *err)
{
	char buf[32];
	long paranoid = 2;

	if (geteuid() == 0)
		return 0;
	if (recorder_read_file_str("/proc/sys/kernel/perf_event_paranoid", buf, sizeof(buf)) == 0)
		paranoid = strtol(buf, NULL, 10);
	/* Raw tracepoint samples need CAP_PERFMON unless paranoid is -1
	 * (kernel/events/core.c, perf_paranoid_tracepoint_raw()). */
	if (paranoid > -1) {
		fl_err_set(err, -EPERM, "cannot trace page faults as uid %d: "
			   "/proc/sys/kernel/perf_event_paranoid is %ld, which reserves tracepoints "
			   "to root", (int)geteuid(), paranoid);
		fl_err_hint(err, "run it as root: sudo faultline record ... (the command still "
			    "runs as you); or, as root, sysctl kernel.perf_event_paranoid=-1");
		return err->code;
	}
	return 0;
}

static int make_outdir(struct recorder *r, struct fl_err *err)
{
	char def[64];
	const char *dir = r->o.output;
	struct stat st;

	if (!dir) {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(def, sizeof(def), "faultline-%Y%m%d-%H%M%S", &tm);
		dir = def;
	}
	if (lstat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode) && fl_trace_dir_complete(dir) == 1)
			fprintf(stderr, "faultline record: %s held a recording that was cut short; "
				"it is finished now and readable (faultline info %s)\n", dir, dir);
		fl_err_set(err, -EEXIST, "output directory %s exists", dir);
		fl_err_hint(err, "faultline record never writes into an existing directory: "
			    "give a new one with -o, or remove it");
		return err->code;
	}
	/* Owner-only from the start: traces hold production addresses. */
	if (mkdir(dir, 0700) < 0) {
		int e = errno;
		fl_err_set(err, -e, "cannot create output directory %s: %s", dir, strerror(e));
		fl_err_hint(err, e == EACCES || e == EROFS ? "choose a writable place with -o"
			    : e == ENOENT ? "its parent directory must exist"
			    : e == ENOSPC ? "the disk is full" : "check the path given with -o");
		return err->code;
	}
	r->made_outdir = true;
	if (!realpath(dir, r->outdir))
		return fl_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	if (fl_trace_dir_mark(r->outdir, r->sudo.active ? r->sudo.uid : geteuid(),
			      r->sudo.active ? r->sudo.gid : getegid()) < 0)
		return fl_err_set(err, -errno, "cannot write in %s: %s", r->outdir, strerror(errno));
	/* Before anything it may have to undo exists. */
	return fl_guard_start(&r->guard, r->outdir, &r->sudo, err);
}

/* ---------------------------------------------------------------------- */
/* The trace's metadata                                                   */

static const char *arch_name(const struct utsname *u)
{
	return u->machine;
}

void recorder_emit_header(struct recorder *r)
{
	struct utsname u;
	struct fl_ust_header h;

	uname(&u);
	memset(&h, 0, sizeof(h));
	/* A snapshot's header is written just before the snapshot. */
	h.ktime = r->o.snapshot ? fl_mono_ns() : r->t_start;
	h.arch = arch_name(&u);
	h.page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	h.kernel_release = u.release;
	h.clock_source = "CLOCK_MONOTONIC";
	h.recorder_version = "faultline " FL_VERSION;
	h.sources = rec_str(r->pe.sources_str);
	h.missing = rec_str(r->pe.missing_str);
	h.target = rec_str(r->target);
	h.hostname = rec_str(u.nodename);
	h.ncpus = (uint32_t)r->pe.ncpus;
	r->api->header(&h);
}

/* ppc64 book3s64: the MMU mode, "radix" or "hash" (/proc/cpuinfo's
 * "MMU : Radix"), which sets how much a PMD covers; "" elsewhere. */
static const char *mmu_name(void)
{
	static char mmu[16];
	char line[256];
	FILE *f;

	if (mmu[0])
		return mmu;
	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return "";
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "MMU", 3) != 0 || !strchr(line, ':'))
			continue;
		if (strstr(line, "Radix"))
			snprintf(mmu, sizeof(mmu), "radix");
		else if (strstr(line, "Hash"))
			snprintf(mmu, sizeof(mmu), "hash");
		break;
	}
	fclose(f);
	return mmu;
}

/* The session name lands in the trace's environment (trace_name), which
 * is all a reader sees before the first event: it carries the arch, the
 * page size, (ppc64) the MMU, whether the kernel maps the zero page
 * (tracer/zero_page.c) and its THP mode (tracer/thp_mode.c), which the
 * replay's page-table model needs and `faultline info` shows. */
static void session_name(char *buf, size_t len)
{
	struct utsname u;
	const char *mmu = mmu_name();
	int zp = fl_zero_page_probe();
	char zero[32] = "", thp[16];

	uname(&u);
	if (zp >= 0)
		snprintf(zero, sizeof(zero), " zero_page=%d", zp);
	fl_thp_mode(thp, sizeof(thp));
	snprintf(buf, len, "faultline-%d arch=%s page_size=%ld%s%s%s%s%s", (int)getpid(),
		 arch_name(&u), sysconf(_SC_PAGESIZE), mmu[0] ? " mmu=" : "", mmu, zero,
		 thp[0] ? " thp=" : "", thp);
}

/* ---------------------------------------------------------------------- */
/* The start-up order                                                     */

/* The LTTng channel's options, and --snapshot's built-in triggers. */
static void plan_channel(struct recorder *r, struct fl_lttng_channel_opts *co)
{
	co->rotate_size = (uint64_t)(r->o.rotate_mib * 1048576.0);
	co->rotate_every_us = (uint64_t)(r->o.rotate_s * 1e6);
	co->live_timer_us = (uint64_t)(r->o.live_ms * 1000.0);
	if (r->o.snapshot) {
		/* LTTng's rings are per CPU, and the recorder's one writer
		 * thread fills whichever CPU it runs on: each CPU's ring gets
		 * the whole window, in 1 MiB sub-buffers (at least 2). */
		uint64_t bytes = (uint64_t)(r->o.snapshot_mib ? r->o.snapshot_mib : 64) << 20;
		co->snapshot = true;
		co->subbuf_size = bytes >= (2u << 20) ? 1u << 20 : (uint64_t)sysconf(_SC_PAGESIZE);
		co->num_subbuf = 2;
		while (co->subbuf_size * co->num_subbuf * 2 <= bytes)
			co->num_subbuf *= 2;
		r->trig.lock_wait_ns = (uint64_t)(r->o.trigger_lock_ms * 1e6);
		r->trig.fallback_pct = r->o.trigger_fallback_pct;
		if (r->o.trigger_window_ms)
			r->trig.window_ns = (uint64_t)(r->o.trigger_window_ms * 1e6);
	}
}

/* The checks before anything is touched; tracefs. */
static int prepare(struct recorder *r, struct fl_err *err)
{
	bool mounted;
	int rc;

	if ((rc = check_privileges(err)) < 0)
		return rc;
	if ((rc = fl_sudo_user_get(&r->sudo, err)) < 0)
		return rc;
	if (!r->o.url && (rc = make_outdir(r, err)) < 0)
		return rc;
	if ((rc = fl_tracefs_open(r->tracefs, sizeof(r->tracefs), &mounted, err)) < 0)
		return rc;
	if (mounted && !r->o.quiet)
		fprintf(stderr, "faultline record: mounted tracefs on %s\n", r->tracefs);
	return 0;
}

/* Raise the recorder's priority, before it starts threads and the
 * session daemon, which inherit it.  The perf rings fill while their
 * reader waits for a CPU, and the LTTng consumer that writes the trace
 * out is the reader's back-pressure (load_provider()): on a machine the
 * recorded program and other work keep busy, a reader at the same nice
 * as them lost a run's records.  Raised, the two take the CPU they need
 * when there are events, which is no more CPU, only sooner.  The command
 * is put back at faultline's own nice (fl_child_spawn()). */
static void raise_priority(struct recorder *r)
{
	int n;

	errno = 0;
	n = getpriority(PRIO_PROCESS, 0);	/* this thread's, on Linux */
	r->nice0 = errno ? 0 : n;
	if (r->nice0 > RECORDER_NICE)
		setpriority(PRIO_PROCESS, 0, RECORDER_NICE);	/* unprivileged: stays */
}

/* The session daemon, now up; the session, started. */
static int start_session(struct recorder *r, const struct fl_lttng_channel_opts *co,
			 struct fl_err *err)
{
	char name[256];
	int rc;

	if ((rc = fl_lttng_sessiond_wait(&r->lt, r->o.quiet, err)) < 0)
		return rc;
	if (r->lt.sessiond_pid <= 0)
		fl_guard_sessiond(&r->guard, 0);	/* not ours to stop */
	session_name(name, sizeof(name));
	fl_guard_session(&r->guard, name);
	if ((rc = fl_lttng_start(&r->lt, name, r->o.url ? r->o.url : r->outdir, co, err)) < 0)
		return rc;
	if (r->o.live_ms) {
		char host[256] = "";

		gethostname(host, sizeof(host) - 1);
		fprintf(stderr, "faultline record: live session '%s' on %s (follow it with "
			"faultline replay --live net://RELAYD-HOST/host/%s/SESSION)\n", name,
			r->o.url, host);
	}
	return 0;
}

/* The provider, loaded once the session is started, and the writer. */
static int load_provider(struct recorder *r, struct fl_err *err)
{
	char provider[4096];

	/* The writer may wait for room in LTTng's buffers (up to the
	 * channel's blocking timeout) instead of discarding: back-pressure
	 * lands on the perf rings, where any loss is counted. */
	setenv("LTTNG_UST_ALLOW_BLOCKING", "1", 1);
	setenv("LTTNG_UST_REGISTER_TIMEOUT", "10000", 1);
	setenv("LTTNG_UST_WITHOUT_BADDR_STATEDUMP", "1", 1);
	setenv("LTTNG_UST_WITHOUT_PROCNAME_STATEDUMP", "1", 1);
	r->api = fl_ust_load(provider, sizeof(provider), err);
	if (!r->api)
		return err->code;
	rec_writer_init(&r->w, r->api);
	/* The wakings kept are those the target's threads do (rec_writer.h). */
	if (r->o.cmd && rec_writer_track(&r->w, r->child.pid) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < r->ntids; i++)
		if (rec_writer_track(&r->w, r->tids[i]) < 0)
			return fl_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

int recorder_start(struct recorder *r, struct fl_err *err)
{
	struct fl_pe_options po;
	struct fl_lttng_channel_opts co = {
		.subbuf_size = 1u << 20, .num_subbuf = 8, .blocking_timeout_us = 2000000,
	};
	int rc;

	plan_channel(r, &co);
	if ((rc = prepare(r, err)) < 0)
		return rc;
	raise_priority(r);
	recorder_describe_target(r);

	/* A private session daemon takes a while to answer: start it now,
	 * and open the perf events meanwhile. */
	if ((rc = fl_lttng_load(&r->lt, err)) < 0)
		return rc;
	if ((rc = fl_lttng_sessiond_spawn(&r->lt, err)) < 0)
		return rc;
	if (r->lt.spawned_pid > 0)
		fl_guard_sessiond(&r->guard, r->lt.spawned_pid);

	if ((rc = recorder_open_events(r, &po, err)) < 0)
		return rc;
	if ((rc = start_session(r, &co, err)) < 0)
		return rc;
	if ((rc = load_provider(r, err)) < 0)
		return rc;

	if (r->o.all) {
		recorder_find_excluded(r);
		r->dec.exclude = r->exclude;
		r->dec.nexclude = r->nexclude;
	}
	r->t_start = fl_mono_ns();
	recorder_emit_header(r);
	fl_guard_started(&r->guard);
	if (r->o.cmd) {
		rc = fl_child_go(&r->child, r->o.cmd, err);
		r->never_ran = rc < 0;
		return rc;
	}
	return recorder_attach(r, &po, err);
}
