/* faultline record: the main loop.  Every 50 ms, or when a ring is a
 * quarter full, read every CPU's perf ring, decode and merge the records
 * by kernel time and write those older than the merge's margin; between
 * rounds, check what stops the recording (a signal, the command's exit,
 * the -p targets gone, --duration, a full disk), take --snapshot's
 * snapshots and finish --rotate-*'s chunks.  At the end, the last drain.
 * Apart from the start-up (recorder_start.c) and the summary
 * (recorder_summary.c): this is the one part that runs for the whole
 * recording, and the only one that reads the rings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "chunks.h"
#include "recorder.h"
#include "trace_dir.h"

/* A record's time is taken before the kernel commits it to the ring; one
 * not yet visible when a ring is read is at most this much older.  Not
 * 2 ms: on a loaded 2-vCPU guest a vCPU preempted between the two is gone
 * for longer (a late mmap exit put 64 faults before their mapping). */
#define MERGE_MARGIN_NS 50000000ull

volatile sig_atomic_t recorder_got_signal, recorder_got_snapshot_request;

static void on_signal(int sig)
{
	recorder_got_signal = sig;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	recorder_got_snapshot_request = 1;
}

static void on_sigchld(int sig)
{
	(void)sig;	/* only interrupts poll() */
}

/* SIGINT, SIGTERM and SIGHUP stop the recording; SIGCHLD wakes the loop
 * to see the command's exit; SIGUSR1 asks for a snapshot. */
void recorder_catch_signals(void)
{
	struct sigaction sa;

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
}

/* A ring's size for people: "4 KiB", "64 MiB". */
const char *recorder_ring_size_str(uint64_t bytes, char *buf, size_t len)
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
		uint64_t t = fl_mono_ns();

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
				recorder_ring_size_str(ring->data_size, sz, sizeof(sz)), r->o.ring_pages * 4);
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

	uint64_t asked = fl_mono_ns();

	recorder_got_snapshot_request = 0;
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
	recorder_emit_header(r);
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
void recorder_keep_chunks(struct recorder *r)
{
	fl_chunks_finish(r->outdir, r->sudo.active, r->sudo.uid, r->sudo.gid);
	if (r->o.max_mib)
		r->chunks_removed += fl_chunks_cap(r->outdir, (uint64_t)(r->o.max_mib * 1048576.0));
}

int recorder_loop(struct recorder *r, struct fl_err *err)
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
		if (r->o.snapshot && (recorder_got_snapshot_request || r->trig_fired) &&
		    (rc = take_snapshot(r, err)) < 0)
			break;
		now = fl_mono_ns();
		if (recorder_got_signal)
			break;
		if (r->have_child && fl_child_poll(&r->child))
			break;
		if (r->o.duration > 0 && now - r->t_start >= (uint64_t)(r->o.duration * 1e9))
			break;
		if (now >= next_check) {
			next_check = now + 250000000ull;
			if (r->o.npids && !r->o.all && recorder_targets_gone(r))
				break;
			if (!r->o.url && disk_low(r->outdir)) {
				r->disk_full = true;
				break;
			}
			if (r->o.rotate_mib || r->o.rotate_s)
				recorder_keep_chunks(r);
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

/* Stop the events, take what is left in the rings, write everything. */
int recorder_finish_reading(struct recorder *r, struct fl_err *err)
{
	uint64_t limit;
	int rc;

	fl_pe_disable(&r->pe);
	r->t_stop = fl_mono_ns();
	if ((rc = drain(r, &limit)) < 0)
		return fl_err_set(err, rc, "reading the perf ring buffers: %s", strerror(-rc));
	if ((rc = recorder_account_unreported_loss(r)) < 0)
		return fl_err_set(err, rc, "reading the perf events' lost counts: %s", strerror(-rc));
	rec_merge_flush(&r->merge, UINT64_MAX, watch_and_write, r);
	return 0;
}
