/* The recorder's state, shared by the stages of `faultline record`
 * (recorder*.c, send_trigger.c, builtin-record.c) and included by them
 * alone.  builtin-record.c is the command line; recorder.c the order of a
 * recording; recorder_start.c, recorder_targets.c, recorder_loop.c and
 * recorder_summary.c its stages.  Functions one stage calls in another
 * carry the recorder_ prefix. */
#ifndef FL_RECORDER_H
#define FL_RECORDER_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "child.h"
#include "mono_clock.h"
#include "fl_err.h"
#include "fl_map.h"
#include "guard.h"
#include "lttng_ctl.h"
#include "perf_events.h"
#include "rec_decode.h"
#include "rec_merge.h"
#include "rec_writer.h"
#include "snap_trigger.h"
#include "sudo_user.h"
#include "ust_load.h"

/* Stop before the output file system is this full: LTTng's buffers must
 * still fit when they are flushed at the end. */
#define DISK_RESERVE_BYTES (64ull << 20)
/* Warn once when a perf ring is found fuller than this: loss is near. */
#define FILL_WARN_PCT 75
/* The nice value of the recorder's threads and of the session daemon it
 * starts, when it may raise its priority (root): the rings are drained
 * on the CPUs the recorded program keeps busy (recorder_start.c). */
#define RECORDER_NICE (-10)

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
	int nice0;		/* the nice value faultline was started with */
	struct snap_trigger trig;	/* --snapshot's built-in triggers */
	bool trig_fired;
	char trig_why[256];
	unsigned nsnapshots;
	size_t chunks_removed;		/* --max-size */
	bool disk_full;
	char target[512];
};

/* Set by the signal handlers (recorder_catch_signals()): a signal that
 * stops the recording, SIGUSR1's request for a snapshot. */
extern volatile sig_atomic_t recorder_got_signal, recorder_got_snapshot_request;

/* recorder.c: the recording's life */
void recorder_init(struct recorder *r);
/* Start, record until stopped, finish the trace, print the summary, free
 * everything: the exit status. */
int recorder_run(struct recorder *r);

/* recorder_start.c: everything up to the first event */
int recorder_start(struct recorder *r, struct fl_err *err);
/* The trace's header event (again before each snapshot). */
void recorder_emit_header(struct recorder *r);

/* recorder_targets.c: the processes recorded */
int recorder_push_pid(pid_t **v, size_t *n, size_t *cap, pid_t p);
/* The first line of a small file such as /proc/PID/comm, without its
 * newline. */
int recorder_read_file_str(const char *path, char *buf, size_t len);
/* r->target, the header's "cmd: ...", "pid: ..." or "all". */
void recorder_describe_target(struct recorder *r);
int recorder_open_events(struct recorder *r, struct fl_pe_options *po, struct fl_err *err);
void recorder_find_excluded(struct recorder *r);
int recorder_attach(struct recorder *r, const struct fl_pe_options *po, struct fl_err *err);
/* Every -p process has exited. */
bool recorder_targets_gone(const struct recorder *r);

/* recorder_loop.c: reading the rings until the recording stops */
void recorder_catch_signals(void);
/* A ring's size for people: "4 KiB", "64 MiB". */
const char *recorder_ring_size_str(uint64_t bytes, char *buf, size_t len);
int recorder_loop(struct recorder *r, struct fl_err *err);
int recorder_finish_reading(struct recorder *r, struct fl_err *err);
void recorder_keep_chunks(struct recorder *r);

/* recorder_summary.c: what was lost, and the summary */
int recorder_account_unreported_loss(struct recorder *r);
/* Print the summary; FL_EXIT_OK, or 3 when anything was lost. */
int recorder_summary(const struct recorder *r);

/* send_trigger.c: faultline record --trigger */
int recorder_send_trigger(const struct rec_opts *o);

#endif
