#include "fl_event.h"

#include <stdio.h>
#include <string.h>

const char *fl_ev_kind_name(enum fl_ev_kind kind)
{
	static const char *const names[FL_EV__COUNT] = {
		[FL_EV_FAULT] = "fault",
		[FL_EV_FAULT_END] = "fault_end",
		[FL_EV_MM_CALL] = "mm_call",
		[FL_EV_MMAP_LOCK] = "mmap_lock",
		[FL_EV_VMA_SNAPSHOT] = "vma_snapshot",
		[FL_EV_TASK] = "task",
		[FL_EV_LOST] = "lost",
		[FL_EV_SCHED] = "sched",
		[FL_EV_READAHEAD] = "readahead",
	};
	return (unsigned)kind < FL_EV__COUNT ? names[kind] : "?";
}

const char *fl_mm_kind_name(enum fl_mm_kind kind)
{
	static const char *const names[FL_MM__COUNT] = {
		[FL_MM_MMAP] = "mmap",
		[FL_MM_MUNMAP] = "munmap",
		[FL_MM_MPROTECT] = "mprotect",
		[FL_MM_MREMAP] = "mremap",
		[FL_MM_BRK] = "brk",
		[FL_MM_MADVISE] = "madvise",
		[FL_MM_MLOCK] = "mlock",
		[FL_MM_MLOCK2] = "mlock2",
		[FL_MM_MUNLOCK] = "munlock",
		[FL_MM_MLOCKALL] = "mlockall",
		[FL_MM_MUNLOCKALL] = "munlockall",
		[FL_MM_PKEY_MPROTECT] = "pkey_mprotect",
	};
	return (unsigned)kind < FL_MM__COUNT ? names[kind] : "?";
}

const char *fl_lock_phase_name(enum fl_lock_phase phase)
{
	static const char *const names[FL_LOCK__COUNT] = {
		[FL_LOCK_START] = "start",
		[FL_LOCK_ACQUIRED] = "acquired",
		[FL_LOCK_RELEASED] = "released",
	};
	return (unsigned)phase < FL_LOCK__COUNT ? names[phase] : "?";
}

const char *fl_task_kind_name(enum fl_task_kind kind)
{
	static const char *const names[FL_TASK__COUNT] = {
		[FL_TASK_FORK] = "fork",
		[FL_TASK_CLONE_THREAD] = "clone_thread",
		[FL_TASK_EXEC] = "exec",
		[FL_TASK_EXIT] = "exit",
		[FL_TASK_COMM] = "comm",
		[FL_TASK_EXEC_MM] = "exec_mm",
	};
	return (unsigned)kind < FL_TASK__COUNT ? names[kind] : "?";
}

void fl_task_comm_from_path(struct fl_task *task, const char *path)
{
	const char *base = strrchr(path, '/');

	snprintf(task->comm, sizeof(task->comm), "%.*s", FL_COMM_LEN - 1, base ? base + 1 : path);
}

void fl_fault_from_x86_tracepoint(struct fl_fault *f, uint64_t address, uint64_t ip,
				  uint64_t error_code)
{
	f->address = address;
	f->ip = ip;
	f->arch_code = error_code;
	f->access = fl_x86_access(error_code);
	f->trap = 0;
	f->source = FL_SRC_TRACEPOINT;
}

void fl_fault_from_ppc64_sample(struct fl_fault *f, uint64_t address, uint64_t ip, uint32_t trap,
				uint64_t dsisr)
{
	f->address = address;
	f->ip = ip;
	f->arch_code = dsisr;
	f->trap = trap;
	f->access = fl_ppc64_access(trap, dsisr, ip);
	f->source = FL_SRC_SW_EVENT;
}
