/* faultline record: a recording's life, in order.  The state starts
 * empty; recorder_run() starts (recorder_start.c), loops until something
 * stops the recording (recorder_loop.c), takes what is left in the rings,
 * stops the command and the LTTng session, finishes the trace directory,
 * prints the summary (recorder_summary.c) and frees everything.  Apart
 * from the command line (builtin-record.c) so that the order of the
 * stages, and what each failure still writes, read in one place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "recorder.h"
#include "trace_dir.h"

void recorder_init(struct recorder *r)
{
	memset(r, 0, sizeof(*r));
	r->guard.fd = -1;	/* no guard until the output directory exists */
	r->t_begin = fl_mono_ns();
	rec_merge_init(&r->merge);
	snap_trigger_init(&r->trig);
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

int recorder_run(struct recorder *r)
{
	struct fl_err err = { 0 };
	int rc, status;

	rc = recorder_start(r, &err);
	if (rc == 0 && recorder_got_signal)
		rc = 0;	/* interrupted while starting: still write what there is */
	if (rc == 0)
		rc = recorder_loop(r, &err);
	if (r->api) {
		int rc2 = recorder_finish_reading(r, &err);
		if (rc == 0)
			rc = rc2;
	}
	/* Nothing reads the perf events any more: let them go while LTTng
	 * stops (teardown() waits for that). */
	if (r->pe_open)
		fl_pe_release(&r->pe);
	if (r->have_child && !r->child.exited)
		fl_child_stop(&r->child);
	if (r->have_child)
		fl_guard_child(&r->guard, 0);
	if (r->lt.started) {
		int rc2 = fl_lttng_stop(&r->lt, &r->lttng_discarded, &r->lttng_lost_packets, &err);
		if (rc == 0)
			rc = rc2;
	}
	fl_lttng_cleanup(&r->lt);
	fl_guard_session(&r->guard, NULL);
	fl_guard_sessiond(&r->guard, 0);
	if (r->made_outdir) {
		if (r->api && !r->never_ran && (r->o.rotate_mib || r->o.rotate_s))
			recorder_keep_chunks(r);	/* the last chunk closed with the session */
		if (r->api && !r->never_ran)
			fl_trace_dir_finish(r->outdir, NULL, r->sudo.active, r->sudo.uid, r->sudo.gid);
		else	/* nothing recorded: leave nothing behind */
			fl_trace_dir_remove(r->outdir[0] ? r->outdir : r->o.output);
	}
	fl_guard_release(&r->guard);
	if (rc < 0) {
		fl_err_print(&err, stderr);
		if (r->api && !r->never_ran)
			fprintf(stderr, "faultline record: what was recorded is in %s\n", r->outdir);
		teardown(r);
		return FL_EXIT_FAIL;
	}
	status = recorder_summary(r);
	if (r->disk_full) {
		fl_err_set(&err, -ENOSPC, "stopped recording: the disk holding %s is almost full "
			   "(less than %llu MiB free)", r->outdir, DISK_RESERVE_BYTES >> 20);
		fl_err_hint(&err, "what was recorded until then is complete and readable; "
			    "record to a larger file system with -o");
		fl_err_print(&err, stderr);
		status = FL_EXIT_FAIL;
	}
	teardown(r);
	return status;
}

