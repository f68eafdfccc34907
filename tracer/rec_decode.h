/* Decoding perf records into rec_ev (rec_event.h).
 *
 * Samples are decoded by their source (the IDENTIFIER that starts every
 * sample), tracepoint payloads through the tracefs layout read when the
 * source was opened.  PERF_RECORD_LOST becomes a `lost` event covering the
 * time since the previous record of that CPU; PERF_RECORD_MMAP2 a mapping.
 * A loss the kernel never reported in a LOST record is made into the same
 * event at the end (rec_unreported_lost()).
 */
#ifndef FL_REC_DECODE_H
#define FL_REC_DECODE_H

#include <stdbool.h>
#include <sys/types.h>

#include "perf_events.h"
#include "rec_event.h"

struct rec_decoder {
	struct fl_pe_set *set;
	const pid_t *exclude;		/* -a: the recorder and LTTng's daemons */
	size_t nexclude;
	uint64_t seq;
	uint64_t throttled;		/* PERF_RECORD_THROTTLE seen */
	uint64_t unknown;		/* samples of an unknown id, or malformed */
	uint64_t lost_samples;		/* PERF_RECORD_LOST_SAMPLES total */
};

/* 1: ev is filled; 0: nothing to emit; -ENOMEM. */
int rec_decode(struct rec_decoder *d, struct fl_perf_ring *r, const struct perf_event_header *h,
	       struct rec_ev *ev);

/* The loss the kernel counted on ring r (kernel_lost: fl_pe_lost()'s
 * figure for its CPU) beyond the PERF_RECORD_LOSTs read from it: records
 * that failed after the last one that fitted, which no LOST record will
 * ever report once the events are disabled.  1: ev is a `lost` event
 * covering the time from r's newest record to t_end, and r->lost now
 * includes it; 0: the ring's LOST records told everything. */
int rec_unreported_lost(struct rec_decoder *d, struct fl_perf_ring *r, uint64_t kernel_lost,
			uint64_t t_end, struct rec_ev *ev);

#endif
