/* The perf events faultline record opens, and opening them.
 *
 * One table (perf_events.c) lists every source: the page-fault, mmap_lock,
 * mmap-family syscall, task, scheduler (sched_switch, sched_waking) and
 * readahead tracepoints, and the minor-faults, major-faults and page-faults
 * software events, each with what the replay loses when this kernel lacks
 * it (the readahead ones, on recent kernels only, share one warning).  fl_pe_open() opens the available ones on
 * every CPU for every target, gives each CPU one ring buffer (the other
 * events of that CPU write into it through PERF_EVENT_IOC_SET_OUTPUT), and
 * maps every event id back to its source, for decoding.
 */
#ifndef FL_PERF_EVENTS_H
#define FL_PERF_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "call_site.h"
#include "fl_err.h"
#include "fl_map.h"
#include "perf_ring.h"
#include "tracefs.h"

/* The mm calls' call sites (call_site.h): the user registers and stack of
 * each sys_enter sample, and of those samples only. */
#if defined(__x86_64__)
/* PERF_REG_X86_SP, _IP (arch/x86/include/uapi/asm/perf_regs.h) */
#define FL_PE_REGS_USER ((1ULL << 7) | (1ULL << 8))
#define FL_PE_STACK_USER FL_CS_STACK_BYTES
#elif defined(__powerpc64__)
/* PERF_REG_POWERPC_NIP, _LINK: the link register is the call site */
#define FL_PE_REGS_USER ((1ULL << 32) | (1ULL << 36))
#define FL_PE_STACK_USER 0
#else
#define FL_PE_REGS_USER 0ULL
#define FL_PE_STACK_USER 0
#endif

enum fl_pe_role {
	PE_FAULT_TP,	/* exceptions:page_fault_user */
	PE_FAULT_SW,	/* page-faults: only without the tracepoint */
	PE_FAULT_END,	/* minor-faults (arg 0), major-faults (arg 1) */
	PE_LOCK,	/* mmap_lock:*, arg = FL_UST_LOCK_* */
	PE_SYS_ENTER,	/* arg = FL_UST_MMAP ... */
	PE_SYS_EXIT,
	PE_NEWTASK,	/* task:task_newtask (has clone_flags) */
	PE_FORK,	/* sched:sched_process_fork: only without task_newtask */
	PE_EXEC,
	PE_EXIT,
	PE_RENAME,
	PE_SCHED_SWITCH,	/* sched:sched_switch */
	PE_SCHED_WAKING,	/* sched:sched_waking */
	PE_READAHEAD,		/* readahead:page_cache_{sync,async}_ra, arg 1 async */
};

struct fl_pe_spec {
	const char *sys;	/* tracepoint system, NULL for a software event */
	const char *name;	/* tracepoint or perf's software event name */
	uint64_t sw_config;	/* PERF_COUNT_SW_* */
	enum fl_pe_role role;
	int arg;
	const char *loses;	/* what the replay loses without it */
};

/* A source that is open: its spec and, for a tracepoint, its layout. */
struct fl_pe_source {
	const struct fl_pe_spec *spec;
	struct fl_tp_format fmt;
	uint64_t sample_type;
	/* tracepoint field indices into fmt.fields, by role; -1 if absent */
	int f[7];
};

enum fl_pe_target_kind { PE_TARGET_CMD, PE_TARGET_PIDS, PE_TARGET_ALL };

struct fl_pe_set {
	struct fl_pe_source *sources;
	size_t nsources;
	int ncpus;
	struct fl_perf_ring *rings;	/* one per CPU */
	int *fds;			/* every event fd */
	int *fd_cpus;			/* the CPU (ring) of each fd */
	bool *fd_fault;			/* each fd's source is a fault's (PE_FAULT_*) */
	size_t nfds, capfds, capfd_cpus, capfd_fault;
	/* Each event's read() gives its lost count (PERF_FORMAT_LOST, Linux
	 * 6.0+); false on older kernels, which refuse the flag. */
	bool read_lost;
	struct fl_map ids;		/* perf event id -> fl_pe_source* */
	char sources_str[1024];		/* names in use, comma-separated */
	char missing_str[1024];		/* names missing on this kernel */
	int nmissing;
	/* fl_pe_release() let the events go on this thread. */
	pthread_t releaser;
	bool releasing;
};

struct fl_pe_options {
	enum fl_pe_target_kind target;
	const pid_t *tids;		/* PE_TARGET_CMD: the child; PIDS: every thread */
	size_t ntids;
	size_t ring_pages;		/* data pages per CPU ring, a power of two */
	bool quiet;			/* no warnings on stderr */
};

/* Find the sources this kernel has (warning about each missing one, with
 * what the replay loses), open them on every CPU for the targets, and map
 * the rings.  Events start disabled; with PE_TARGET_CMD they are enabled by
 * the child's exec. */
int fl_pe_open(struct fl_pe_set *set, const char *tracefs, const struct fl_pe_options *o,
	       struct fl_err *err);
/* Open the sources for more threads (found after the first scan). */
int fl_pe_add_tids(struct fl_pe_set *set, const struct fl_pe_options *o, const pid_t *tids,
		   size_t ntids, struct fl_err *err);
/* Which events fl_pe_enable() enables.  An attach enables the faults'
 * (page_fault_user or page-faults, minor- and major-faults) only once the
 * layouts are read (recorder_attach()): every fault recorded then comes
 * after its process's layout.  The side-band records (MMAP2, COMM, FORK)
 * ride on an event of the others. */
enum fl_pe_which { FL_PE_BUT_FAULTS, FL_PE_FAULTS };
int fl_pe_enable(struct fl_pe_set *set, enum fl_pe_which which, struct fl_err *err);
/* The records the kernel failed to write into each CPU's ring so far
 * (lost[cpu], ncpus entries, summed over the events sharing the ring).
 * The kernel reports a ring's failures as a PERF_RECORD_LOST only when a
 * later record fits: failures after the last record that fitted (a ring
 * that stayed full until the events were disabled) reach the reader only
 * this way.  -EOPNOTSUPP when the kernel cannot say (before 6.0). */
int fl_pe_lost(const struct fl_pe_set *set, uint64_t *lost);
void fl_pe_disable(struct fl_pe_set *set);
/* Once the rings are read for the last time: unmap them and close the
 * events on a thread of their own, which fl_pe_close() joins.  Releasing
 * the events waits for RCU grace periods (0.8 s at a recording's end), and
 * the rest of the shutdown (LTTng's) need not wait for them.  The rings'
 * counters stay readable. */
void fl_pe_release(struct fl_pe_set *set);
void fl_pe_close(struct fl_pe_set *set);

/* The table, for tests and documentation. */
extern const struct fl_pe_spec fl_pe_specs[];

#endif
