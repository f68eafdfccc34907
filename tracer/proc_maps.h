/* The address space of an attached process, from /proc/PID/maps.
 *
 * One vma_snapshot per line, all stamped with the CLOCK_MONOTONIC time the
 * read began.  The recorder reads it after enabling its perf events, so an
 * mm call that exits before that time is already in the snapshot, and one
 * still running may or may not be: the replay starts from the snapshot and
 * applies the calls that exit after it.
 */
#ifndef FL_PROC_MAPS_H
#define FL_PROC_MAPS_H

#include <stdint.h>
#include <sys/types.h>

#include "rec_merge.h"

/* Queue the snapshot of pid into m.  Returns the number of mappings, or a
 * negative errno (-ENOENT: the process is gone). */
int fl_proc_maps_snapshot(pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq);

/* Queue one `task` comm event per thread of pid (/proc/PID/task/TID/comm),
 * so that threads that existed before recording have their names.  Returns
 * the number of threads, or a negative errno. */
int fl_proc_comms(pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq);

/* One line of /proc/PID/maps into ev (REC_VMA); 0, or -1 if malformed. */
int fl_proc_maps_parse(const char *line, struct rec_ev *ev);

#endif
