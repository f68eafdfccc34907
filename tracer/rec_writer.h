/* Writing merged events through the provider, and counting them.
 *
 * rec_write() is the rec_emit_fn of the merger: it turns a rec_ev into the
 * provider call of its type.  It also drops the MMAP2 side-band records a
 * thread's traced mm call made (between its mm_call_enter and _exit): the
 * trace has the call itself.  Every other MMAP2 record is written: the
 * mappings the kernel makes without a traced call, above all exec's
 * (binary, interpreter, stack, vdso), which follow the exec's COMM record
 * (written as a task `exec_mm` event) in every exec of a process, not only
 * its first; and shmat(), io_setup() and the like.
 *
 * And it keeps only the wakings done by recorded threads.  sched_waking
 * names the woken task to perf (__perf_task()), and perf_tp_event() can
 * hand such an event to the woken task's own per-task events as well as
 * to those of the task running: then a recorded thread's events would
 * also get the wakings other tasks (an IRQ on an idle CPU, a pipe's
 * writer) did to it, and a waking between two recorded threads would come
 * twice.  (6.18 delivers neither, measured; older kernels may.)  So with a
 * target of threads (-- CMD, -p) the writer follows which threads are
 * recorded (the first ones, then every fork and clone of a recorded
 * thread, in time order), drops a waking whose waker is not one of them,
 * and drops a waking equal to the one before.  The idle task's (tid 0)
 * scheduler events are dropped in every mode.
 *
 * And it picks each mm call's call site from its sampled user stack, with
 * the executable mappings of its process as they are at that moment
 * (call_site.h): every mapping event, fork and exec before it in time
 * order has been seen.
 */
#ifndef FL_REC_WRITER_H
#define FL_REC_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "call_site.h"
#include "fl_map.h"
#include "rec_event.h"
#include "ust_api.h"

struct rec_writer {
	const struct fl_ust_api *api;
	struct fl_map in_call;		/* tid + 1 -> 1 between its mm_call enter and exit */
	uint64_t count[REC__COUNT];	/* events written, by type */
	uint64_t total;
	uint64_t lost;			/* perf records lost (sum of lost events) */
	uint64_t mmap2_dropped;		/* MMAP2 records of traced calls */
	bool threads_only;		/* keep only the wakings of `threads` */
	struct fl_map threads;		/* tid + 1 -> 1: the recorded threads */
	struct fl_ust_sched_waking last_waking;
	uint64_t waking_foreign;	/* dropped: the waker was not recorded */
	uint64_t waking_dup;		/* dropped: a second copy */
	struct cs_table exec_maps;	/* each process's executable mappings */
	uint64_t call_sites;		/* mm calls written with a call site */
};

/* The string to write for s: "-" when s is empty or NULL.  babeltrace2
 * 2.0.x (Debian 12's) reads an empty string field as the previous event's
 * value of that field, so the trace never holds an empty string. */
const char *rec_str(const char *s);

void rec_writer_init(struct rec_writer *w, const struct fl_ust_api *api);
/* A thread of the target (-- CMD, -p): from the first call on, only the
 * wakings done by these threads and their descendants are written. */
int rec_writer_track(struct rec_writer *w, pid_t tid);
void rec_write(void *w, struct rec_ev *ev);
void rec_writer_free(struct rec_writer *w);

#endif
