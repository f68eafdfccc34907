/* The address space of an attached process, from /proc/PID/maps.
 *
 * One vma_snapshot per line, all stamped with the CLOCK_MONOTONIC time the
 * read of that process ended (proc_maps.c says why).  The recorder reads
 * it right after enabling the perf events, so an mm call made meanwhile is
 * both in the snapshot and in the trace, and the snapshot replays over it.
 */
#ifndef FL_PROC_MAPS_H
#define FL_PROC_MAPS_H

#include <stdint.h>
#include <sys/types.h>

#include "rec_merge.h"

/* The vm_flags of pid's mappings, from the VmFlags lines of
 * /proc/PID/smaps (what maps does not show: nh, hg, dc, ac, ... which
 * decide which VMAs the kernel merges).  smaps walks the page tables, so it
 * is read before the events are enabled; the maps read after, quick, takes
 * the flags of each mapping whose extent has not changed meanwhile.
 * Its Anonymous: size goes with a mapping of the very same extent: a
 * mapping with anonymous pages has its anon_vma, one without (never
 * written, as far as smaps knows) most likely has none yet. */
struct fl_vmflags {
	uint64_t start, end;
	char flags[96];
	int64_t anon_kb;	/* its Anonymous: line (kB), -1 none read */
};
struct fl_vmflags_set {
	struct fl_vmflags *v;
	size_t n, cap;
};
int fl_proc_vmflags_read(pid_t pid, struct fl_vmflags_set *set);
void fl_vmflags_free(struct fl_vmflags_set *set);

/* Queue the snapshot of pid into m, with the flags of vf (may be NULL),
 * stamped when the read ended (never before ktime).
 * Returns the number of mappings, or a negative errno (-ENOENT: the process
 * is gone). */
int fl_proc_maps_snapshot(pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq,
			  const struct fl_vmflags_set *vf);

/* Queue one `task` comm event per thread of pid (/proc/PID/task/TID/comm),
 * so that threads that existed before recording have their names.  Returns
 * the number of threads, or a negative errno. */
int fl_proc_comms(pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq);

/* One line of /proc/PID/maps into ev (REC_VMA); 0, or -1 if malformed. */
int fl_proc_maps_parse(const char *line, struct rec_ev *ev);

#endif
