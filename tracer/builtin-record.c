/* faultline record: capture page faults and mmap-family events into an
 * LTTng-UST trace in the faultline dialect.
 *
 * The steps, each in its own module:
 *   tracefs.c      find (or mount) tracefs, read tracepoint layouts
 *   perf_events.c  open the events per CPU for the target, one ring per CPU
 *   child.c        the recorded command, held until the events are open
 *   lttng_ctl.c    the session daemon and the LTTng session
 *   ust_load.c     the provider, loaded once the session is started
 *   rec_decode.c   perf records -> rec_ev
 *   rec_merge.c    kernel-time order across CPUs
 *   rec_writer.c   rec_ev -> provider calls, counts
 *   proc_maps.c    the address space of attached processes
 * This file holds the command line and the main loop.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "child.h"
#include "chunks.h"
#include "fl_array.h"
#include "fl_err.h"
#include "guard.h"
#include "lttng_ctl.h"
#include "perf_events.h"
#include "proc_maps.h"
#include "rec_decode.h"
#include "rec_merge.h"
#include "rec_writer.h"
#include "ring_size.h"
#include "snap_trigger.h"
#include "sudo_user.h"
#include "trace_dir.h"
#include "tracefs.h"
#include "ust_load.h"

#ifndef FL_VERSION
#define FL_VERSION "0.0.0-dev"
#endif

/* The trace was written, but events were lost: it is incomplete. */
#define FL_EXIT_LOST 3

/* A record's time is taken before the kernel commits it to the ring; one
 * not yet visible when a ring is read is at most this much older.  Not
 * 2 ms: on a loaded 2-vCPU guest a vCPU preempted between the two is gone
 * for longer (a late mmap exit put 64 faults before their mapping). */
#define MERGE_MARGIN_NS 50000000ull
/* Stop before the output file system is this full: LTTng's buffers must
 * still fit when they are flushed at the end. */
#define DISK_RESERVE_BYTES (64ull << 20)
/* Warn once when a perf ring is found fuller than this: loss is near. */
#define FILL_WARN_PCT 75

static volatile sig_atomic_t got_signal, got_snapshot_request;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	got_snapshot_request = 1;
}

static void on_sigchld(int sig)
{
	(void)sig;	/* only interrupts poll() */
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct rec_opts {
	const char *output;
	const char *url;	/* --url: to a relay daemon, no local directory */
	double live_ms;		/* --live[=MS]: the --url session is a live one,
				 * flushed to the relay daemon every MS; 0 not */
	pid_t *pids;
	size_t npids, cappids;
	bool all;
	double duration;	/* seconds, 0 = until the end */
	size_t ring_pages;
	bool quiet;
	char **cmd;
	bool snapshot;			/* --snapshot: the flight recorder */
	unsigned long snapshot_mib;	/* --snapshot-size */
	double trigger_lock_ms;		/* --trigger-lock-wait */
	double trigger_fallback_pct;	/* --trigger-fallback */
	double trigger_window_ms;	/* --trigger-window */
	bool trigger;			/* --trigger: ask a running recorder */
	double rotate_mib;		/* --rotate-size */
	double rotate_s;		/* --rotate-every */
	double max_mib;			/* --max-size */
};

struct recorder {
	struct rec_opts o;
	char outdir[PATH_MAX];
	bool made_outdir;
	bool never_ran;		/* the command could not be started */
	struct fl_guard guard;
	char tracefs[256];
	struct fl_sudo_user sudo;	/* whom the command runs as, who owns the trace */
	struct fl_child child;
	bool have_child;
	struct fl_pe_set pe;
	bool pe_open;
	struct fl_lttng lt;
	const struct fl_ust_api *api;
	struct rec_decoder dec;
	struct rec_merge merge;
	struct rec_writer w;
	pid_t *exclude;
	size_t nexclude, capexclude;
	struct fl_map vmflags;		/* pid + 1 -> fl_vmflags_set, until the snapshot */
	pid_t *tids;		/* -p: every thread opened */
	size_t ntids, captids;
	uint64_t t_begin;	/* the command started */
	uint64_t t_start, t_stop;
	uint64_t lttng_discarded, lttng_lost_packets;
	uint64_t unreported_lost;	/* perf losses no PERF_RECORD_LOST reported */
	bool ring_warned;	/* a ring ran above FILL_WARN_PCT */
	struct snap_trigger trig;	/* --snapshot's built-in triggers */
	bool trig_fired;
	char trig_why[256];
	unsigned nsnapshots;
	size_t chunks_removed;		/* --max-size */
	bool disk_full;
	char target[512];
};

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

static int push_pid(pid_t **v, size_t *n, size_t *cap, pid_t p)
{
	if (fl_array_grow((void **)v, cap, *n + 1, sizeof(**v)) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = p;
	return 0;
}

static bool has_pid(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

static int read_file_str(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	buf[0] = '\0';
	if (!fp)
		return -errno;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Checks before anything is touched                                      */

static int check_privileges(struct fl_err *err)
{
	char buf[32];
	long paranoid = 2;

	if (geteuid() == 0)
		return 0;
	if (read_file_str("/proc/sys/kernel/perf_event_paranoid", buf, sizeof(buf)) == 0)
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

static int scan_tids(pid_t pid, pid_t **v, size_t *n, size_t *cap)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t t = (pid_t)atoi(de->d_name);
		if (t > 0 && !has_pid(*v, *n, t) && push_pid(v, n, cap, t) < 0) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The trace's metadata                                                   */

static const char *arch_name(const struct utsname *u)
{
	return u->machine;
}

static void emit_header(struct recorder *r)
{
	struct utsname u;
	struct fl_ust_header h;

	uname(&u);
	memset(&h, 0, sizeof(h));
	/* A snapshot's header is written just before the snapshot. */
	h.ktime = r->o.snapshot ? now_ns() : r->t_start;
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
 * page size and (ppc64) the MMU, which the replay's page-table model
 * needs and `faultline info` shows. */
static void session_name(char *buf, size_t len)
{
	struct utsname u;
	const char *mmu = mmu_name();

	uname(&u);
	snprintf(buf, len, "faultline-%d arch=%s page_size=%ld%s%s", (int)getpid(), arch_name(&u),
		 sysconf(_SC_PAGESIZE), mmu[0] ? " mmu=" : "", mmu);
}

/* -a: the recorder and LTTng's daemons would trace their own writing. */
static void find_excluded(struct recorder *r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	push_pid(&r->exclude, &r->nexclude, &r->capexclude, getpid());
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300], comm[32];
		pid_t p = (pid_t)atoi(de->d_name);

		if (p <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (read_file_str(path, comm, sizeof(comm)) == 0 && strncmp(comm, "lttng-", 6) == 0)
			push_pid(&r->exclude, &r->nexclude, &r->capexclude, p);
	}
	closedir(d);
}

/* The layouts of the attached processes, stamped t: the moment their
 * events were enabled, not the moment of the read.  What a process did
 * between the two is both in the trace and already in what /proc shows, and
 * replaying those calls again over the layout changes nothing (a mapping
 * made again replaces itself, one unmapped again is gone already); while a
 * layout stamped at the read would leave every fault before it, often tens
 * of milliseconds of them, without a layout. */
/* The processes whose layout is snapshot: -p's, or with -a every one. */
static int each_target_pid(struct recorder *r, int (*fn)(struct recorder *, pid_t, void *), void *arg)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (!r->o.all) {
		for (size_t i = 0; i < r->o.npids && rc == 0; i++)
			rc = fn(r, r->o.pids[i], arg);
		return rc;
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while (rc == 0 && (de = readdir(d))) {
		pid_t p = (pid_t)atoi(de->d_name);

		if (p > 0 && !has_pid(r->exclude, r->nexclude, p))
			rc = fn(r, p, arg);
	}
	closedir(d);
	return rc;
}

static int read_vmflags(struct recorder *r, pid_t pid, void *arg)
{
	struct fl_vmflags_set *set = calloc(1, sizeof(*set));

	(void)arg;
	if (!set)
		return -ENOMEM;
	if (fl_proc_vmflags_read(pid, set) == -ENOMEM ||
	    fl_map_put(&r->vmflags, (uint64_t)(uint32_t)pid + 1, set) < 0) {
		fl_vmflags_free(set);
		free(set);
		return -ENOMEM;
	}
	return 0;
}

static void free_vmflags(struct recorder *r)
{
	size_t it = 0;
	void *val;

	while (fl_map_next(&r->vmflags, &it, NULL, &val)) {
		fl_vmflags_free(val);
		free(val);
	}
	fl_map_free(&r->vmflags);
}

static int snapshot_one(struct recorder *r, pid_t pid, void *arg)
{
	uint64_t t = *(const uint64_t *)arg;
	const struct fl_vmflags_set *vf = fl_map_get(&r->vmflags, (uint64_t)(uint32_t)pid + 1);

	if (fl_proc_maps_snapshot(pid, t, &r->merge, &r->dec.seq, vf) == -ENOMEM ||
	    fl_proc_comms(pid, t, &r->merge, &r->dec.seq) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

static int snapshot_all(struct recorder *r, uint64_t t)
{
	int rc = each_target_pid(r, snapshot_one, &t);

	free_vmflags(r);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */

/* A ring's size for people: "4 KiB", "64 MiB". */
static const char *ring_size_str(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ull << 20))
		snprintf(buf, len, "%" PRIu64 " MiB", bytes >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", bytes >> 10);
	return buf;
}

/* The merger's output: the built-in triggers look at each event, then it
 * is written. */
static void watch_and_write(void *ctx, struct rec_ev *ev)
{
	struct recorder *r = ctx;

	if (!r->trig_fired && snap_trigger_event(&r->trig, ev)) {
		r->trig_fired = true;
		snprintf(r->trig_why, sizeof(r->trig_why), "%s", r->trig.why);
	}
	rec_write(&r->w, ev);
}

/* Read every ring; return the time before which no new record can come. */
static int drain(struct recorder *r, uint64_t *limit)
{
	uint64_t lim = UINT64_MAX;

	for (int c = 0; c < r->pe.ncpus; c++) {
		struct fl_perf_ring *ring = &r->pe.rings[c];
		const struct perf_event_header *h;
		uint64_t t = now_ns();

		if (!ring->base)
			continue;
		if (t < lim)
			lim = t;
		fl_ring_begin(ring);
		if (!r->ring_warned && (ring->head - ring->tail) * 100 > ring->data_size * FILL_WARN_PCT) {
			char sz[32];
			r->ring_warned = true;
			fprintf(stderr, "faultline record: warning: CPU %d's perf ring was %" PRIu64
				"%% full (of %s); events will be lost if it fills: "
				"give the rings more room (-m %zu)\n", c,
				(ring->head - ring->tail) * 100 / ring->data_size,
				ring_size_str(ring->data_size, sz, sizeof(sz)), r->o.ring_pages * 4);
		}
		while ((h = fl_ring_next(ring))) {
			struct rec_ev ev;
			int rc = rec_decode(&r->dec, ring, h, &ev);
			if (rc < 0)
				return rc;
			if (rc > 0 && rec_merge_push(&r->merge, &ev) < 0) {
				free(ev.str);
				return -ENOMEM;
			}
		}
		fl_ring_end(ring);
	}
	*limit = lim > MERGE_MARGIN_NS ? lim - MERGE_MARGIN_NS : 0;
	return 0;
}

static bool disk_low(const char *dir)
{
	struct statvfs s;

	if (statvfs(dir, &s) < 0)
		return false;
	return (uint64_t)s.f_bavail * s.f_frsize < DISK_RESERVE_BYTES;
}

static bool targets_gone(const struct recorder *r)
{
	for (size_t i = 0; i < r->o.npids; i++)
		if (kill(r->o.pids[i], 0) == 0 || errno != ESRCH)
			return false;
	return true;
}

static void progress(const struct recorder *r, uint64_t now)
{
	double s = (double)(now - r->t_start) / 1e9;

	fprintf(stderr, "\rfaultline record: %.1f s, %" PRIu64 " events (%.0f/s), %" PRIu64
		" lost   ", s, r->w.total, s > 0 ? (double)r->w.total / s : 0.0, r->w.lost);
}

/* --snapshot: write what LTTng's rings hold now into DIR/snapshot-N, a
 * trace of its own, and go on.  Everything read from the perf rings until
 * now is written first, and the header again: the one at the start has
 * long been overwritten. */
static int take_snapshot(struct recorder *r, struct fl_err *err)
{
	char dir[PATH_MAX + 32];
	uint64_t limit;
	const char *why = r->trig_fired ? r->trig_why : "asked for (SIGUSR1 or --trigger)";
	int rc;

	uint64_t asked = now_ns();

	got_snapshot_request = 0;
	/* Everything that happened before the request goes in: read until
	 * the merge's margin has passed the moment it came. */
	for (;;) {
		if ((rc = drain(r, &limit)) < 0)
			return fl_err_set(err, rc, "reading the perf ring buffers: %s", strerror(-rc));
		rec_merge_flush(&r->merge, limit, watch_and_write, r);
		if (limit >= asked)
			break;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	emit_header(r);
	snprintf(dir, sizeof(dir), "%s/snapshot-%u", r->outdir, r->nsnapshots + 1);
	if (mkdir(dir, 0700) < 0)
		return fl_err_set(err, -errno, "cannot create %s: %s", dir, strerror(errno));
	if ((rc = fl_lttng_snapshot(&r->lt, dir, err)) < 0)
		return rc;
	fl_trace_dir_finish_snapshot(dir, r->sudo.active, r->sudo.uid, r->sudo.gid);
	r->nsnapshots++;
	fprintf(stderr, "faultline record: snapshot %u written to %s: %s\n", r->nsnapshots, dir, why);
	r->trig_fired = false;
	return 0;
}

/* Rotation: finish the chunks LTTng has closed, so each is readable as
 * soon as it is there, and keep the whole under --max-size. */
static void keep_chunks(struct recorder *r)
{
	fl_chunks_finish(r->outdir, r->sudo.active, r->sudo.uid, r->sudo.gid);
	if (r->o.max_mib)
		r->chunks_removed += fl_chunks_cap(r->outdir, (uint64_t)(r->o.max_mib * 1048576.0));
}

static int record_loop(struct recorder *r, struct fl_err *err)
{
	struct pollfd *pfd = calloc((size_t)r->pe.ncpus, sizeof(*pfd));
	bool tty = isatty(STDERR_FILENO) && !r->o.quiet;
	uint64_t next_check = 0, next_progress = 0, limit;
	int npfd = 0, rc = 0;

	if (!pfd)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (int c = 0; c < r->pe.ncpus; c++) {
		if (!r->pe.rings[c].base)
			continue;
		pfd[npfd].fd = r->pe.rings[c].fd;
		pfd[npfd].events = POLLIN;
		npfd++;
	}
	for (;;) {
		uint64_t now;

		poll(pfd, (nfds_t)npfd, 50);
		if ((rc = drain(r, &limit)) < 0)
			break;
		rec_merge_flush(&r->merge, limit, watch_and_write, r);
		if (r->o.snapshot && (got_snapshot_request || r->trig_fired) &&
		    (rc = take_snapshot(r, err)) < 0)
			break;
		now = now_ns();
		if (got_signal)
			break;
		if (r->have_child && fl_child_poll(&r->child))
			break;
		if (r->o.duration > 0 && now - r->t_start >= (uint64_t)(r->o.duration * 1e9))
			break;
		if (now >= next_check) {
			next_check = now + 250000000ull;
			if (r->o.npids && !r->o.all && targets_gone(r))
				break;
			if (!r->o.url && disk_low(r->outdir)) {
				r->disk_full = true;
				break;
			}
			if (r->o.rotate_mib || r->o.rotate_s)
				keep_chunks(r);
		}
		if (tty && now >= next_progress) {
			next_progress = now + 500000000ull;
			progress(r, now);
		}
	}
	if (tty)
		fprintf(stderr, "\r%*s\r", 70, "");
	free(pfd);
	if (rc < 0 && err->code)
		return err->code;	/* a snapshot failed */
	if (rc < 0)
		return fl_err_set(err, rc, "reading the perf ring buffers: %s", strerror(-rc));
	return 0;
}

/* A ring that stayed full until the events were disabled lost records
 * that no PERF_RECORD_LOST reports (the kernel writes one only ahead of
 * the next record that fits): under load, a reader kept off the CPU for
 * the last few hundred ms of a recording dropped one thread's mmap exit
 * that way, and the trace said it lost nothing.  The events' own lost
 * counts say it; the difference becomes a `lost` event. */
static int account_unreported_loss(struct recorder *r)
{
	uint64_t *lost = calloc((size_t)r->pe.ncpus, sizeof(*lost));
	int rc;

	if (!lost)
		return -ENOMEM;
	rc = fl_pe_lost(&r->pe, lost);
	if (rc == -EOPNOTSUPP) {
		free(lost);
		return 0;
	}
	for (int c = 0; rc == 0 && c < r->pe.ncpus; c++) {
		struct rec_ev ev;

		if (!r->pe.rings[c].base ||
		    rec_unreported_lost(&r->dec, &r->pe.rings[c], lost[c], r->t_stop, &ev) <= 0)
			continue;
		r->unreported_lost += ev.u.lost.count;
		if (rec_merge_push(&r->merge, &ev) < 0)
			rc = -ENOMEM;
	}
	free(lost);
	return rc;
}

/* Stop the events, take what is left in the rings, write everything. */
static int finish_reading(struct recorder *r, struct fl_err *err)
{
	uint64_t limit;
	int rc;

	fl_pe_disable(&r->pe);
	r->t_stop = now_ns();
	if ((rc = drain(r, &limit)) < 0)
		return fl_err_set(err, rc, "reading the perf ring buffers: %s", strerror(-rc));
	if ((rc = account_unreported_loss(r)) < 0)
		return fl_err_set(err, rc, "reading the perf events' lost counts: %s", strerror(-rc));
	rec_merge_flush(&r->merge, UINT64_MAX, watch_and_write, r);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* After recording                                                        */

static void describe_target(struct recorder *r)
{
	size_t off = 0;

	if (r->o.cmd) {
		off += (size_t)snprintf(r->target, sizeof(r->target), "cmd:");
		for (char **a = r->o.cmd; *a && off < sizeof(r->target); a++)
			off += (size_t)snprintf(r->target + off, sizeof(r->target) - off, " %s", *a);
	} else if (r->o.all) {
		snprintf(r->target, sizeof(r->target), "all");
	} else {
		off += (size_t)snprintf(r->target, sizeof(r->target), "pid:");
		for (size_t i = 0; i < r->o.npids && off < sizeof(r->target); i++)
			off += (size_t)snprintf(r->target + off, sizeof(r->target) - off, " %d",
						(int)r->o.pids[i]);
	}
}

static int summary(const struct recorder *r)
{
	double s = (double)(r->t_stop - r->t_start) / 1e9;
	uint64_t perf_lost = 0, torn = 0, peak = 0, ring_bytes = 0;
	int peak_cpu = 0;
	char sz[32];
	bool lost;

	for (int c = 0; c < r->pe.ncpus; c++) {
		const struct fl_perf_ring *ring = &r->pe.rings[c];
		perf_lost += ring->lost;
		torn += ring->torn;
		if (ring->data_size)
			ring_bytes = ring->data_size;
		if (ring->data_size && ring->peak * 1000 / ring->data_size > peak) {
			peak = ring->peak * 1000 / ring->data_size;
			peak_cpu = c;
		}
	}
	/* Samples the kernel dropped without a LOST record, and records we
	 * could not decode, are lost too. */
	perf_lost += r->dec.lost_samples + r->dec.unknown;
	lost = perf_lost || torn || r->lttng_discarded || r->lttng_lost_packets;
	if (r->have_child && r->child.exited && !r->o.quiet) {
		if (WIFEXITED(r->child.status))
			fprintf(stderr, "faultline record: %s exited with status %d\n", r->o.cmd[0],
				WEXITSTATUS(r->child.status));
		else if (WIFSIGNALED(r->child.status))
			fprintf(stderr, "faultline record: %s was killed by signal %d\n", r->o.cmd[0],
				WTERMSIG(r->child.status));
	}
	if (!r->o.quiet || lost) {
		fprintf(stderr, "faultline record: %" PRIu64 " events in %.3f s (%.0f events/s): %"
			PRIu64 " faults, %" PRIu64 " fault ends, %" PRIu64 " mm calls, %" PRIu64
			" mmap_lock, %" PRIu64 " task, %" PRIu64 " vma_snapshot, %" PRIu64
			" sched_switch, %" PRIu64 " sched_waking, %" PRIu64 " readahead\n",
			r->w.total, s, s > 0 ? (double)r->w.total / s : 0.0, r->w.count[REC_FAULT],
			r->w.count[REC_FAULT_END], r->w.count[REC_MM_EXIT], r->w.count[REC_LOCK],
			r->w.count[REC_TASK], r->w.count[REC_VMA], r->w.count[REC_SCHED_SWITCH],
			r->w.count[REC_SCHED_WAKING], r->w.count[REC_READAHEAD]);
		fprintf(stderr, "faultline record: lost: %" PRIu64 " perf records, %" PRIu64
			" LTTng events discarded, %" PRIu64 " LTTng packets lost; perf rings at most "
			"%" PRIu64 ".%" PRIu64 "%% full (CPU %d, %s each)\n", perf_lost,
			r->lttng_discarded, r->lttng_lost_packets, peak / 10, peak % 10, peak_cpu,
			ring_size_str(ring_bytes, sz, sizeof(sz)));
		if (r->unreported_lost)
			fprintf(stderr, "faultline record: %" PRIu64 " of the lost perf records were "
				"reported by no PERF_RECORD_LOST (a ring still full when recording "
				"stopped)\n", r->unreported_lost);
		if (torn)
			fprintf(stderr, "faultline record: %" PRIu64 " bytes of perf ring dropped after a "
				"malformed record\n", torn);
		if (r->dec.throttled)
			fprintf(stderr, "faultline record: the kernel throttled sampling %" PRIu64
				" times (kernel.perf_event_max_sample_rate)\n", r->dec.throttled);
		if (r->merge.late)
			fprintf(stderr, "faultline record: %" PRIu64 " events reached the recorder "
				"after newer ones and are out of time order in the trace\n", r->merge.late);
		fprintf(stderr, "faultline record: start-up %.3f s", (double)(r->t_start - r->t_begin) / 1e9);
		if (r->lt.sessiond_ready_ns)
			fprintf(stderr, " (the private lttng-sessiond answered after %.3f s, while the "
				"perf events were being opened)", (double)r->lt.sessiond_ready_ns / 1e9);
		fputc('\n', stderr);
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "faultline record: recorder CPU time %.3f s user, %.3f s system\n",
			(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
		if (r->o.url)
			fprintf(stderr, "faultline record: trace sent to %s: the relay daemon keeps it "
				"under its output directory, in HOSTNAME/%s-DATE-TIME/\n", r->o.url,
				r->lt.session);
		else if (r->o.snapshot)
			fprintf(stderr, "faultline record: %u snapshot%s written to %s%s\n",
				r->nsnapshots, r->nsnapshots == 1 ? "" : "s", r->outdir,
				r->nsnapshots ? "/snapshot-N" : " (none was asked for)");
		else if (r->o.rotate_mib || r->o.rotate_s)
			fprintf(stderr, "faultline record: trace written to %s as chunks in "
				"%s/archives (%.1f MiB on disk%s%zu removed under --max-size)\n",
				r->outdir, r->outdir, (double)fl_chunks_disk_usage(r->outdir) / 1048576.0,
				r->o.max_mib ? "; " : "; ", r->chunks_removed);
		else
			fprintf(stderr, "faultline record: trace written to %s\n", r->outdir);
	}
	if (lost) {
		fprintf(stderr, "faultline record: the trace is incomplete: events were lost\n"
			"hint: give the perf rings more room (-m %zu) or record fewer processes\n",
			r->o.ring_pages * 4);
		return FL_EXIT_LOST;
	}
	return FL_EXIT_OK;
}

static void teardown(struct recorder *r)
{
	if (r->have_child)
		fl_child_stop(&r->child);
	fl_lttng_cleanup(&r->lt);
	if (r->pe_open)
		fl_pe_close(&r->pe);
	rec_merge_free(&r->merge);
	rec_writer_free(&r->w);
	snap_trigger_free(&r->trig);
	free(r->exclude);
	free(r->tids);
	free(r->o.pids);
}

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
		if (push_pid(&o->pids, &o->npids, &o->cappids, (pid_t)v) < 0) {
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

static int parse_args(int argc, char **argv, struct rec_opts *o)
{
	double num;
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
	while ((c = getopt_long(argc, argv, "+:o:p:ad:m:q", opts, NULL)) != -1) {
		char *end;
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
	}
	if (optind < argc)
		o->cmd = argv + optind;
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

static int start(struct recorder *r, struct fl_err *err)
{
	struct fl_pe_options po;
	struct fl_lttng_channel_opts co = {
		.subbuf_size = 1u << 20, .num_subbuf = 8, .blocking_timeout_us = 2000000,
	};
	char name[256], provider[4096];
	bool mounted;
	uint64_t t_enable;
	int rc;

	co.rotate_size = (uint64_t)(r->o.rotate_mib * 1048576.0);
	co.rotate_every_us = (uint64_t)(r->o.rotate_s * 1e6);
	co.live_timer_us = (uint64_t)(r->o.live_ms * 1000.0);
	if (r->o.snapshot) {
		/* LTTng's rings are per CPU, and the recorder's one writer
		 * thread fills whichever CPU it runs on: each CPU's ring gets
		 * the whole window, in 1 MiB sub-buffers (at least 2). */
		uint64_t bytes = (uint64_t)(r->o.snapshot_mib ? r->o.snapshot_mib : 64) << 20;
		co.snapshot = true;
		co.subbuf_size = bytes >= (2u << 20) ? 1u << 20 : (uint64_t)sysconf(_SC_PAGESIZE);
		co.num_subbuf = 2;
		while (co.subbuf_size * co.num_subbuf * 2 <= bytes)
			co.num_subbuf *= 2;
		r->trig.lock_wait_ns = (uint64_t)(r->o.trigger_lock_ms * 1e6);
		r->trig.fallback_pct = r->o.trigger_fallback_pct;
		if (r->o.trigger_window_ms)
			r->trig.window_ns = (uint64_t)(r->o.trigger_window_ms * 1e6);
	}
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
	describe_target(r);

	/* A private session daemon takes a while to answer: start it now,
	 * and open the perf events meanwhile. */
	if ((rc = fl_lttng_load(&r->lt, err)) < 0)
		return rc;
	if ((rc = fl_lttng_sessiond_spawn(&r->lt, err)) < 0)
		return rc;
	if (r->lt.spawned_pid > 0)
		fl_guard_sessiond(&r->guard, r->lt.spawned_pid);

	if (!r->o.ring_pages) {
		long ncpus = sysconf(_SC_NPROCESSORS_CONF);
		r->o.ring_pages = fl_ring_default_pages(ncpus > 0 ? (int)ncpus : 1,
							(size_t)sysconf(_SC_PAGESIZE),
							fl_ring_mem_available());
	}
	memset(&po, 0, sizeof(po));
	po.ring_pages = r->o.ring_pages;
	po.quiet = r->o.quiet;
	if (r->o.cmd) {
		if ((rc = fl_child_spawn(&r->child, r->o.cmd, &r->sudo, err)) < 0)
			return rc;
		r->have_child = true;
		fl_guard_child(&r->guard, r->child.pid);
		po.target = PE_TARGET_CMD;
		po.tids = &r->child.pid;
		po.ntids = 1;
	} else if (r->o.all) {
		po.target = PE_TARGET_ALL;
	} else {
		po.target = PE_TARGET_PIDS;
		for (size_t i = 0; i < r->o.npids; i++) {
			rc = scan_tids(r->o.pids[i], &r->tids, &r->ntids, &r->captids);
			if (rc == -ENOMEM)
				return fl_err_set(err, rc, "out of memory");
			if (rc < 0) {
				fl_err_set(err, rc, "no process %d to attach to: %s", (int)r->o.pids[i],
					   strerror(-rc));
				fl_err_hint(err, "check the id with ps; -p takes process ids, "
					    "comma-separated or repeated");
				return err->code;
			}
		}
		po.tids = r->tids;
		po.ntids = r->ntids;
	}
	r->pe_open = true;
	if ((rc = fl_pe_open(&r->pe, r->tracefs, &po, err)) < 0)
		return rc;
	r->dec.set = &r->pe;

	if ((rc = fl_lttng_sessiond_wait(&r->lt, r->o.quiet, err)) < 0)
		return rc;
	session_name(name, sizeof(name));
	fl_guard_session(&r->guard, name);
	if ((rc = fl_lttng_start(&r->lt, name, r->o.url ? r->o.url : r->outdir, &co, err)) < 0)
		return rc;
	if (r->o.live_ms) {
		char host[256] = "";

		gethostname(host, sizeof(host) - 1);
		fprintf(stderr, "faultline record: live session '%s' on %s (follow it with "
			"faultline replay --live net://RELAYD-HOST/host/%s/SESSION)\n", name,
			r->o.url, host);
	}
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

	if (r->o.all) {
		find_excluded(r);
		r->dec.exclude = r->exclude;
		r->dec.nexclude = r->nexclude;
	}
	r->t_start = now_ns();
	emit_header(r);
	fl_guard_started(&r->guard);
	if (r->o.cmd) {
		rc = fl_child_go(&r->child, r->o.cmd, err);
		r->never_ran = rc < 0;
		return rc;
	}
	/* smaps (slow: it walks page tables) before the events run; the
	 * layout itself (maps, quick) right after they are enabled. */
	fl_map_init(&r->vmflags);
	if (each_target_pid(r, read_vmflags, NULL) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	t_enable = now_ns();
	if ((rc = fl_pe_enable(&r->pe, err)) < 0)
		return rc;
	if (snapshot_all(r, t_enable) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	if (!r->o.all) {
		/* Threads started between the scan and the open. */
		size_t before = r->ntids;
		for (size_t i = 0; i < r->o.npids; i++)
			scan_tids(r->o.pids[i], &r->tids, &r->ntids, &r->captids);
		if (r->ntids > before) {
			if ((rc = fl_pe_add_tids(&r->pe, &po, r->tids + before, r->ntids - before, err)) < 0)
				return rc;
			for (size_t i = before; i < r->ntids; i++)
				if (rec_writer_track(&r->w, r->tids[i]) < 0)
					return fl_err_set(err, -ENOMEM, "out of memory");
			if ((rc = fl_pe_enable(&r->pe, err)) < 0)
				return rc;
		}
	}
	return 0;
}

/* Is pid a `faultline record --snapshot`?  Its command line says so (the
 * comm may be a wrapper's, valgrind's for one): an argument naming the
 * faultline binary, then "record", then "--snapshot" before any "--". */
static bool is_flight_recorder(pid_t pid)
{
	char path[64], buf[8192];
	FILE *f;
	size_t n;
	int step = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		const char *arg = buf + i, *base = strrchr(arg, '/');

		base = base ? base + 1 : arg;
		if (step == 0 && strcmp(base, "faultline") == 0)
			step = 1;
		else if (step == 1)
			step = strcmp(arg, "record") == 0 ? 2 : 0;
		else if (step == 2 && strcmp(arg, "--") == 0)
			return false;	/* the recorded command's own arguments */
		else if (step == 2 && strcmp(arg, "--snapshot") == 0)
			return true;
	}
	return false;
}

/* faultline record --trigger [-o DIR]: ask the flight recorder writing DIR
 * (or the only one running) for a snapshot. */
static int send_trigger(const struct rec_opts *o)
{
	struct fl_err err = { 0 };
	pid_t pid = 0;

	if (o->output) {
		char path[PATH_MAX + 64], buf[64];
		snprintf(path, sizeof(path), "%s/%s", o->output, FL_TRACE_MARK_RECORDING);
		if (read_file_str(path, buf, sizeof(buf)) < 0 || sscanf(buf, "pid %d", &pid) != 1) {
			fl_err_set(&err, -ENOENT, "no recording in progress in %s", o->output);
			fl_err_hint(&err, "give the -o DIR of a running `faultline record --snapshot`");
			goto fail;
		}
		if (!is_flight_recorder(pid)) {
			fl_err_set(&err, -EINVAL, "the recorder of %s (pid %d) is not a flight recorder",
				   o->output, (int)pid);
			fl_err_hint(&err, "only `faultline record --snapshot` takes snapshots");
			goto fail;
		}
	} else {
		DIR *d = opendir("/proc");
		struct dirent *de;
		int found = 0;

		while (d && (de = readdir(d))) {
			pid_t p = (pid_t)atoi(de->d_name);
			if (p > 0 && p != getpid() && is_flight_recorder(p)) {
				found++;
				pid = p;
			}
		}
		if (d)
			closedir(d);
		if (found != 1) {
			fl_err_set(&err, -ESRCH, "%s", found ? "several flight recorders are running"
				   : "no flight recorder (faultline record --snapshot) is running");
			fl_err_hint(&err, "%s", found ? "say which with -o DIR" :
				    "start one with: sudo faultline record --snapshot -o DIR ...");
			goto fail;
		}
	}
	if (kill(pid, SIGUSR1) < 0) {
		fl_err_set(&err, -errno, "cannot signal the recorder (pid %d): %s", (int)pid, strerror(errno));
		fl_err_hint(&err, "run --trigger as the user who runs the recorder (root)");
		goto fail;
	}
	fprintf(stderr, "faultline record: asked the flight recorder (pid %d) for a snapshot\n", (int)pid);
	return FL_EXIT_OK;
fail:
	fl_err_print(&err, stderr);
	return FL_EXIT_FAIL;
}

static int run_record(int argc, char **argv)
{
	struct recorder r;
	struct fl_err err = { 0 };
	struct sigaction sa;
	int rc, status;

	memset(&r, 0, sizeof(r));
	r.guard.fd = -1;	/* no guard until the output directory exists */
	r.t_begin = now_ns();
	rec_merge_init(&r.merge);
	snap_trigger_init(&r.trig);
	if ((rc = parse_args(argc, argv, &r.o)) != 0) {
		free(r.o.pids);
		snap_trigger_free(&r.trig);
		return rc;
	}
	if (r.o.trigger) {
		snap_trigger_free(&r.trig);
		return send_trigger(&r.o);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = start(&r, &err);
	if (rc == 0 && got_signal)
		rc = 0;	/* interrupted while starting: still write what there is */
	if (rc == 0)
		rc = record_loop(&r, &err);
	if (r.api) {
		int rc2 = finish_reading(&r, &err);
		if (rc == 0)
			rc = rc2;
	}
	if (r.have_child && !r.child.exited)
		fl_child_stop(&r.child);
	if (r.have_child)
		fl_guard_child(&r.guard, 0);
	if (r.lt.started) {
		int rc2 = fl_lttng_stop(&r.lt, &r.lttng_discarded, &r.lttng_lost_packets, &err);
		if (rc == 0)
			rc = rc2;
	}
	fl_lttng_cleanup(&r.lt);
	fl_guard_session(&r.guard, NULL);
	fl_guard_sessiond(&r.guard, 0);
	if (r.made_outdir) {
		if (r.api && !r.never_ran && (r.o.rotate_mib || r.o.rotate_s))
			keep_chunks(&r);	/* the last chunk closed with the session */
		if (r.api && !r.never_ran)
			fl_trace_dir_finish(r.outdir, NULL, r.sudo.active, r.sudo.uid, r.sudo.gid);
		else	/* nothing recorded: leave nothing behind */
			fl_trace_dir_remove(r.outdir[0] ? r.outdir : r.o.output);
	}
	fl_guard_release(&r.guard);
	if (rc < 0) {
		fl_err_print(&err, stderr);
		if (r.api && !r.never_ran)
			fprintf(stderr, "faultline record: what was recorded is in %s\n", r.outdir);
		teardown(&r);
		return FL_EXIT_FAIL;
	}
	status = summary(&r);
	if (r.disk_full) {
		fl_err_set(&err, -ENOSPC, "stopped recording: the disk holding %s is almost full "
			   "(less than %llu MiB free)", r.outdir, DISK_RESERVE_BYTES >> 20);
		fl_err_hint(&err, "what was recorded until then is complete and readable; "
			    "record to a larger file system with -o");
		fl_err_print(&err, stderr);
		status = FL_EXIT_FAIL;
	}
	teardown(&r);
	return status;
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
