/* The normalised event stream (docs/design.md §3).
 *
 * Every dialect adapter turns its trace's events into these, and everything
 * downstream (info, the mm model, the strategies) sees only these.  Times are
 * kernel timestamps in ns from the trace clock's origin; the stream reaches
 * the consumer ordered by that time (the muxer orders the CTF streams), with
 * one exception documented on FL_EV_MM_CALL.
 */
#ifndef FL_EVENT_H
#define FL_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_access.h"

enum fl_ev_kind {
	FL_EV_FAULT,
	FL_EV_FAULT_END,
	FL_EV_MM_CALL,
	FL_EV_MMAP_LOCK,
	FL_EV_VMA_SNAPSHOT,
	FL_EV_TASK,
	FL_EV_LOST,
	FL_EV_SCHED,
	FL_EV_READAHEAD,
	FL_EV__COUNT
};

const char *fl_ev_kind_name(enum fl_ev_kind kind);

enum fl_fault_source {
	FL_SRC_TRACEPOINT,	/* exceptions:page_fault_user and kin */
	FL_SRC_SW_EVENT,	/* perf page-faults software event */
};

enum fl_mm_kind {
	FL_MM_MMAP,
	FL_MM_MUNMAP,
	FL_MM_MPROTECT,
	FL_MM_MREMAP,
	FL_MM_BRK,
	FL_MM_MADVISE,
	/* The six above every recorder traces (FL_MM__CORE).  The mlock
	 * family and pkey_mprotect only newer recordings have: older ones
	 * show their write holds of mmap_lock with no call. */
	FL_MM_MLOCK,
	FL_MM_MLOCK2,
	FL_MM_MUNLOCK,
	FL_MM_MLOCKALL,
	FL_MM_MUNLOCKALL,
	FL_MM_PKEY_MPROTECT,
	FL_MM__COUNT
};

#define FL_MM__CORE (FL_MM_MADVISE + 1)

const char *fl_mm_kind_name(enum fl_mm_kind kind);

enum fl_lock_phase {
	FL_LOCK_START,		/* mmap_lock_start_locking */
	FL_LOCK_ACQUIRED,	/* mmap_lock_acquire_returned (see .success) */
	FL_LOCK_RELEASED,	/* mmap_lock_released */
	FL_LOCK__COUNT
};

const char *fl_lock_phase_name(enum fl_lock_phase phase);

enum fl_task_kind {
	FL_TASK_FORK,		/* new process (own mm, unless clone_vm) */
	FL_TASK_CLONE_THREAD,	/* new thread in the same mm */
	FL_TASK_EXEC,
	FL_TASK_EXIT,
	FL_TASK_COMM,		/* a thread's name is known or changed */
	FL_TASK_EXEC_MM,	/* exec replaced the process's mm (exec_mmap()):
				 * the new image's mappings follow, then EXEC */
	FL_TASK__COUNT
};

const char *fl_task_kind_name(enum fl_task_kind kind);

#define FL_COMM_LEN 16
#define FL_PATH_LEN 256

struct fl_fault {
	uint64_t address;
	uint64_t ip;
	uint32_t access;	/* FL_ACC_* */
	uint64_t arch_code;	/* x86 error_code, or ppc64 DSISR */
	uint32_t trap;		/* ppc64 trap (0x300, 0x400); 0 on x86 */
	enum fl_fault_source source;
};

struct fl_fault_end {
	bool major;
};

/* A completed (or cut-off) mmap-family call.  It is delivered when its exit
 * is seen, so it appears at t == t_exit carrying t_enter; a call whose entry
 * precedes the trace has has_enter == false, a call still running when the
 * trace ends is delivered at the end with has_exit == false. */
struct fl_mm_call {
	enum fl_mm_kind kind;
	uint64_t t_enter;
	uint64_t t_exit;
	bool has_enter;
	bool has_exit;
	uint64_t args[6];	/* in the syscall's argument order */
	int64_t ret;
	/* The user address that made the call (the return address into the
	 * caller), 0 unknown: faultline traces from table 4 on. */
	uint64_t call_site;
};

struct fl_mmap_lock {
	enum fl_lock_phase phase;
	bool write;
	bool success;		/* only meaningful for FL_LOCK_ACQUIRED */
	uint64_t mm;		/* kernel mm_struct address, 0 if unknown */
};

/* One mapping known to exist: from /proc/PID/maps (end known) or from a
 * perf MMAP2 record (only start and filename: end_known == false). */
struct fl_vma_snapshot {
	uint64_t start;
	uint64_t end;
	bool end_known;
	uint64_t pgoff;
	char perms[5];		/* "rw-p" as in /proc/PID/maps; "" when unknown */
	char vm_flags[96];	/* smaps VmFlags ("rd wr mr mw me ac"); "" unknown */
	bool anon_known;	/* anon_kb is smaps' Anonymous: of this extent */
	uint64_t anon_kb;	/* kB of anonymous pages when it was read */
	bool whole;		/* part of a whole layout read at once (/proc/PID/maps),
				 * not one mapping reported alone (MMAP2) */
	char path[FL_PATH_LEN];
};

struct fl_task {
	enum fl_task_kind kind;
	int32_t child_pid;	/* FORK/CLONE_THREAD: the new task */
	int32_t child_tid;
	bool clone_vm_known;
	bool clone_vm;
	/* COMM: the recorder's name for a thread alive when it attached
	 * (faultline record -p/-a), whose layout the trace reads later. */
	bool at_attach;
	char comm[FL_COMM_LEN + 1];
};

/* The scheduler around the faults (sched:sched_switch, sched:sched_waking).
 * The replay uses two facts from them: a fault whose thread slept
 * uninterruptibly waited in the kernel (a locked folio, IO), and a writer
 * that a faulting thread woke while holding mmap_lock for write was
 * waiting in vma_start_write() for that fault's VMA read lock to drain. */
enum fl_sched_kind {
	FL_SCHED_SWITCH,	/* the event's thread left the CPU */
	FL_SCHED_WAKING,	/* the event's thread (or its IRQ) woke .other */
	FL_SCHED__COUNT
};

/* sched_switch prev_state as the tracepoint reports it (the TASK_REPORT
 * bits): TASK_UNINTERRUPTIBLE, the D of ps. */
#define FL_SCHED_STATE_D 0x2u
/* prev_state of a task switched out while runnable: TASK_REPORT_MAX,
 * the "+" of sched_switch's "R+" (4.14+), when it was preempted. */
#define FL_SCHED_STATE_PREEMPTED 0x100u

struct fl_sched {
	enum fl_sched_kind kind;
	int32_t other;		/* SWITCH: next_pid; WAKING: the woken tid */
	uint32_t prev_state;	/* SWITCH only */
};

/* Readahead started in the event thread's context
 * (readahead:page_cache_sync_ra, readahead:page_cache_async_ra).  Inside a
 * file fault it means filemap_fault() dropped the fault's lock for IO
 * (do_sync_mmap_readahead(), do_async_mmap_readahead():
 * maybe_unlock_mmap_for_io()) and returns VM_FAULT_RETRY. */
struct fl_readahead {
	bool async;		/* page_cache_async_ra: a PG_readahead marker hit */
	uint64_t ino;
	uint64_t index;		/* page index in the file */
};

/* Events the tracer discarded (CTF discarded events or packets), records
 * a perf ring lost, or records the trace must have lost because what is
 * left cannot be (inferred). */
struct fl_lost {
	uint64_t count;
	bool packets;		/* whole packets were lost, count is packets */
	uint64_t t_begin;	/* 0 when the trace does not say */
	uint64_t t_end;
	uint64_t stream_id;
	bool ring;		/* perf records lost from a ring buffer (stream_id is
				 * its CPU), not events the CTF tracer discarded */
	bool inferred;		/* ring too, and the trace does not record it: a
				 * syscall's entry or exit is missing mid-trace,
				 * so at least count records are gone between
				 * t_begin and t_end */
};

struct fl_event {
	enum fl_ev_kind kind;
	uint64_t t;		/* ns from the trace clock's origin */
	int32_t pid;		/* thread group id: identifies the mm; -1 unknown */
	int32_t tid;		/* -1 unknown */
	int32_t cpu;		/* -1 unknown */
	union {
		struct fl_fault fault;
		struct fl_fault_end fault_end;
		struct fl_mm_call mm_call;
		struct fl_mmap_lock lock;
		struct fl_vma_snapshot vma;
		struct fl_task task;
		struct fl_lost lost;
		struct fl_sched sched;
		struct fl_readahead ra;
	} u;
};

/* Set task->comm as exec does: the base name of path, at most 15 bytes. */
void fl_task_comm_from_path(struct fl_task *task, const char *path);

/* Fill a fault from an x86 page-fault tracepoint's address, ip, error_code. */
void fl_fault_from_x86_tracepoint(struct fl_fault *f, uint64_t address, uint64_t ip,
				  uint64_t error_code);

/* Fill a fault from a ppc64 `page-faults` sample: address (= DAR), ip,
 * and the TRAP and DSISR registers of PERF_SAMPLE_REGS_INTR. */
void fl_fault_from_ppc64_sample(struct fl_fault *f, uint64_t address, uint64_t ip, uint32_t trap,
				uint64_t dsisr);

#endif
