/* faultline record: what was lost, and the summary at the end.  The perf
 * events' own lost counts, read after the last drain, give the losses no
 * PERF_RECORD_LOST reported; the summary adds up every loss (perf, the
 * decoder, LTTng), prints the event counts and rate, where the trace went,
 * and decides the exit status.  Apart from the loop (recorder_loop.c):
 * both run once, after recording has stopped, on the totals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "builtin.h"
#include "chunks.h"
#include "recorder.h"

/* The trace was written, but events were lost: it is incomplete. */
#define FL_EXIT_LOST 3

/* A ring that stayed full until the events were disabled lost records
 * that no PERF_RECORD_LOST reports (the kernel writes one only ahead of
 * the next record that fits): under load, a reader kept off the CPU for
 * the last few hundred ms of a recording dropped one thread's mmap exit
 * that way, and the trace said it lost nothing.  The events' own lost
 * counts say it; the difference becomes a `lost` event. */
int recorder_account_unreported_loss(struct recorder *r)
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

int recorder_summary(const struct recorder *r)
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
			recorder_ring_size_str(ring_bytes, sz, sizeof(sz)));
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
