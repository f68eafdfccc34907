/* LTTng session control for faultline record, through liblttng-ctl.
 *
 * liblttng-ctl is loaded with dlopen() by `record` alone: it drags in
 * libxml2, ICU and libstdc++, which `faultline info` and the rest have no
 * use for.  The recorder owns the whole session: it starts a private
 * lttng-sessiond when none runs (in its own session, so a Ctrl-C aimed at
 * the recorded command does not reach it) and stops only that one; it
 * creates, starts, stops and destroys its session itself.
 */
#ifndef FL_LTTNG_CTL_H
#define FL_LTTNG_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fl_err.h"

struct fl_lttng_fns;

struct fl_lttng {
	void *lib;
	const struct fl_lttng_fns *fn;
	pid_t sessiond_pid;		/* > 0: we started it, we stop it */
	pid_t spawned_pid;		/* forked, not yet known to answer */
	char sessiond_bin[256];
	uint64_t spawn_ns;		/* CLOCK_MONOTONIC when forked */
	uint64_t sessiond_ready_ns;	/* how long it took to answer */
	char session[256];
	bool created, started;
	bool flushed;			/* stopped, and no data pending */
	bool rotating;			/* the session rotates into trace chunks */
	void *handle;			/* struct lttng_handle * */
};

struct fl_lttng_channel_opts {
	uint64_t subbuf_size;		/* bytes, power of two */
	uint64_t num_subbuf;		/* power of two */
	int64_t blocking_timeout_us;	/* how long the writer may wait for room */
	bool snapshot;			/* flight recorder: rings in memory, overwritten */
	uint64_t rotate_size;		/* bytes: a new trace chunk each time; 0 never */
	uint64_t rotate_every_us;	/* a new trace chunk each period; 0 never */
	uint64_t live_timer_us;		/* with a URL: a live session, its packets
					 * flushed to the relay daemon this often;
					 * 0 not live */
};

int fl_lttng_load(struct fl_lttng *l, struct fl_err *err);
/* Use the running session daemon, or start a private one. */
int fl_lttng_sessiond(struct fl_lttng *l, bool quiet, struct fl_err *err);
/* The same in two halves, so that other set-up can run while a private
 * daemon starts: spawn forks one when none answers (spawned_pid), wait
 * waits until it answers (then sessiond_pid). */
int fl_lttng_sessiond_spawn(struct fl_lttng *l, struct fl_err *err);
int fl_lttng_sessiond_wait(struct fl_lttng *l, bool quiet, struct fl_err *err);
/* Create the session writing to dir (absolute), or streaming to an LTTng
 * URL (net://HOST[:CTRL[:DATA]], which lttng_create_session() takes in the
 * same argument), add the channel and the faultline:* events, start it. */
int fl_lttng_start(struct fl_lttng *l, const char *name, const char *dir,
		   const struct fl_lttng_channel_opts *o, struct fl_err *err);
/* Snapshot session: write what its rings hold now under path (absolute);
 * LTTng makes path/faultline-DATE-N/ust/uid/UID/64-bit/ there. */
int fl_lttng_snapshot(struct fl_lttng *l, const char *path, struct fl_err *err);
/* Stop the session (waits until its data is on disk) and read what LTTng
 * discarded. */
int fl_lttng_stop(struct fl_lttng *l, uint64_t *discarded, uint64_t *lost_packets,
		  struct fl_err *err);
/* Destroy the session, stop our private daemon, unload.  Safe to call in
 * any state, and more than once. */
void fl_lttng_cleanup(struct fl_lttng *l);

#endif
