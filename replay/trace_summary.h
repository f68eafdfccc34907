/* trace_summary: what a trace holds, tallied from its normalised events.
 *
 * `faultline info` prints it; the replay uses the same tally to refuse a
 * trace that lacks what a strategy needs.  It is fed event by event
 * (fl_summary_add) so it costs one pass, with the ingestion.
 */
#ifndef FL_TRACE_SUMMARY_H
#define FL_TRACE_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_event.h"
#include "fl_map.h"
#include "ground_truth.h"
#include "ingest.h"

struct fl_thread_sum {
	int32_t pid, tid;
	char comm[FL_COMM_LEN + 1];
	uint64_t faults;
	uint64_t fallbacks;	/* faults the kernel ran under mmap_lock */
	uint64_t mm_calls;
	struct fl_gt_state gt;	/* the fault in progress (ground_truth.h) */
};

struct fl_trace_summary {
	uint64_t kinds[FL_EV__COUNT];
	uint64_t sched[FL_SCHED__COUNT];	/* FL_EV_SCHED by kind */
	uint64_t ra_async;			/* FL_EV_READAHEAD, async */
	uint64_t mm[FL_MM__COUNT];
	uint64_t mm_failed;		/* calls that returned an error */
	uint64_t lock[FL_LOCK__COUNT];
	uint64_t lock_write;		/* lock events of writers */
	uint64_t task[FL_TASK__COUNT];
	uint64_t fault_read, fault_write, fault_exec, fault_prot, fault_sw;
	uint64_t fault_ppc64;	/* with a ppc64 trap (and so DSISR) */
	/* Faults of no known thread (perf's perf_tid = -1): the replay has no
	 * thread to run them on, so they are counted here and not in
	 * kinds[FL_EV_FAULT], which is then the number of faults a replay
	 * decides. */
	uint64_t fault_no_thread;
	uint64_t fault_minor, fault_major;
	uint64_t fallbacks;		/* ground truth: faults that ran under mmap_lock */
	uint64_t anon_trylocks;		/* per-VMA faults that took the anon_vma trylock */
	uint64_t vma_known, vma_inferred;
	uint64_t lost_events, lost_packets;
	struct fl_map threads;		/* tid + 1 -> fl_thread_sum* */
};

void fl_summary_init(struct fl_trace_summary *s);
void fl_summary_free(struct fl_trace_summary *s);
int fl_summary_add(struct fl_trace_summary *s, const struct fl_event *ev);

/* Threads sorted by (pid, tid); caller frees the array, not the entries. */
struct fl_thread_sum **fl_summary_threads(const struct fl_trace_summary *s, size_t *n);

/* One line of "what this trace supports". */
enum fl_support { FL_SUPPORT_NO, FL_SUPPORT_PARTIAL, FL_SUPPORT_YES };

struct fl_capability {
	const char *what;		/* "fallback ground truth" */
	enum fl_support support;
	char why[160];			/* "mmap_lock events present" */
};

#define FL_NCAPS 9
/* Fill caps[FL_NCAPS] from a summary and the ingestion result. */
void fl_summary_capabilities(const struct fl_trace_summary *s,
			     const struct fl_ingest_result *res,
			     struct fl_capability caps[FL_NCAPS]);

/* Does the trace hold any event faultline can use (faults or mm calls)? */
bool fl_summary_usable(const struct fl_trace_summary *s);

#endif
