/* The boundary between the recorder and the LTTng-UST provider.
 *
 * The provider (tracer/ust/, built as faultline-ust.so) is the only code
 * linked against liblttng-ust.  `faultline record` loads it with dlopen()
 * after its LTTng session is started, and emits every event through the
 * function table below; no other subcommand loads it, so `faultline info`
 * and the rest never start LTTng-UST's listener threads.
 *
 * Each struct is one event of the `faultline` provider; the field-by-field
 * meaning is in schemas/faultline-events.md.  Times (`ktime`) are the kernel's
 * own CLOCK_MONOTONIC timestamps in ns, taken from the perf record (or from
 * clock_gettime for what the recorder itself observes).
 */
#ifndef FL_UST_API_H
#define FL_UST_API_H

#include <stdint.h>

/* 2: sched_switch, sched_waking and readahead were added to the table;
 * 4: mm_call_enter.call_site. */
#define FL_UST_API_VERSION 5
#define FL_UST_API_SYMBOL "fl_ust_api"

/* fault.source */
enum { FL_UST_SRC_TRACEPOINT = 0, FL_UST_SRC_SW_EVENT = 1 };
/* mm_call_*.call: the order of enum fl_mm_kind (replay/fl_event.h) */
enum { FL_UST_MMAP, FL_UST_MUNMAP, FL_UST_MPROTECT, FL_UST_MREMAP, FL_UST_BRK, FL_UST_MADVISE,
       FL_UST_MLOCK, FL_UST_MLOCK2, FL_UST_MUNLOCK, FL_UST_MLOCKALL, FL_UST_MUNLOCKALL,
       FL_UST_PKEY_MPROTECT };
/* mmap_lock.phase */
enum { FL_UST_LOCK_START, FL_UST_LOCK_ACQUIRED, FL_UST_LOCK_RELEASED };
/* task.kind */
enum { FL_UST_TASK_FORK, FL_UST_TASK_CLONE_THREAD, FL_UST_TASK_EXEC, FL_UST_TASK_EXIT,
       FL_UST_TASK_COMM, FL_UST_TASK_EXEC_MM };
/* vma_snapshot.source */
enum { FL_UST_VMA_PROC_MAPS = 0, FL_UST_VMA_PERF_MMAP2 = 1 };
/* lost.source */
enum { FL_UST_LOST_PERF_RING = 0 };

struct fl_ust_header {
	const char *arch;
	uint32_t page_size;
	const char *kernel_release;
	const char *hostname;
	const char *clock_source;
	const char *recorder_version;
	const char *sources;	/* event sources in use, comma-separated */
	const char *missing;	/* wanted but absent on this kernel */
	const char *target;	/* "cmd: ...", "pid: ...", "all" */
	uint32_t ncpus;
	uint64_t ktime;		/* when recording started */
};

/* What every event from a perf record carries. */
struct fl_ust_ids {
	uint64_t ktime;
	uint32_t cpu;
	int32_t pid, tid;
};

struct fl_ust_fault {
	struct fl_ust_ids id;
	uint64_t address, ip;
	uint32_t access;	/* FL_ACC_* bits, see schemas/faultline-events.md */
	uint64_t arch_code;	/* x86 error_code, ppc64 DSISR */
	uint32_t trap;		/* ppc64 trap, 0 on x86 */
	uint8_t source;
};

struct fl_ust_fault_end {
	struct fl_ust_ids id;
	uint64_t address, ip;
	uint8_t major;
};

struct fl_ust_mm_enter {
	struct fl_ust_ids id;
	uint8_t call;
	uint8_t nargs;
	uint64_t args[6];
	uint64_t call_site;	/* the caller's user address, 0 unknown (call_site.h) */
};

struct fl_ust_mm_exit {
	struct fl_ust_ids id;
	uint8_t call;
	int64_t ret;
};

struct fl_ust_mmap_lock {
	struct fl_ust_ids id;
	uint8_t phase, write, success;
	uint64_t mm;
};

struct fl_ust_vma {
	uint64_t ktime;
	int32_t pid;
	uint64_t start, end, pgoff, inode;
	const char *perms;	/* "rw-p" */
	const char *dev;	/* "fd:01" */
	const char *path;
	uint8_t source;
	const char *vm_flags;	/* smaps VmFlags ("rd wr mr mw me ac nh"), "-" unknown */
	int64_t anon_kb;	/* smaps Anonymous: (kB), -1 unknown */
};

struct fl_ust_task {
	struct fl_ust_ids id;
	uint8_t kind;
	int32_t child_pid, child_tid;
	uint64_t clone_flags;
	uint8_t clone_flags_known;
	const char *comm;
	const char *filename;	/* exec only, "" otherwise */
};

/* sched:sched_switch, in the context of the thread leaving the CPU. */
struct fl_ust_sched_switch {
	struct fl_ust_ids id;	/* the thread switched out (prev) */
	uint64_t prev_state;	/* the tracepoint's prev_state (TASK_REPORT bits) */
	int32_t next_pid;	/* the thread switched in (a tid) */
};

/* sched:sched_waking, in the context of the waker (or of the thread an
 * interrupt found running). */
struct fl_ust_sched_waking {
	struct fl_ust_ids id;	/* the waker */
	int32_t woken_tid;	/* the tracepoint's pid: the thread woken */
};

/* readahead:page_cache_sync_ra / page_cache_async_ra. */
struct fl_ust_readahead {
	struct fl_ust_ids id;
	uint8_t async;		/* 1: page_cache_async_ra */
	uint64_t ino;		/* i_ino */
	uint64_t index;		/* page index in the file */
};

struct fl_ust_lost {
	uint64_t ktime;
	uint32_t cpu;
	uint64_t count;
	uint64_t t_begin, t_end;
	uint8_t source;
};

struct fl_ust_api {
	int version;
	void (*header)(const struct fl_ust_header *h);
	void (*fault)(const struct fl_ust_fault *f);
	void (*fault_end)(const struct fl_ust_fault_end *f);
	void (*mm_enter)(const struct fl_ust_mm_enter *m);
	void (*mm_exit)(const struct fl_ust_mm_exit *m);
	void (*mmap_lock)(const struct fl_ust_mmap_lock *l);
	void (*vma)(const struct fl_ust_vma *v);
	void (*task)(const struct fl_ust_task *t);
	void (*lost)(const struct fl_ust_lost *l);
	void (*sched_switch)(const struct fl_ust_sched_switch *s);
	void (*sched_waking)(const struct fl_ust_sched_waking *s);
	void (*readahead)(const struct fl_ust_readahead *r);
};

#endif
