/* One recorded event on its way from a perf ring buffer to the provider.
 *
 * The reader decodes each perf record into one of these, the merger orders
 * them by their kernel timestamp, and the writer hands the payload to
 * faultline-ust.so.  Strings longer than a comm (exec file names, mapping
 * paths) live in `str`, owned by the event and freed once emitted; so does
 * an mm call's sampled user stack (REC_MM_ENTER: str holds a struct
 * rec_ustack), from which the writer picks the call site in time order.
 */
#ifndef FL_REC_EVENT_H
#define FL_REC_EVENT_H

#include <stdint.h>

#include "ust_api.h"

enum rec_type {
	REC_FAULT,
	REC_FAULT_END,
	REC_MM_ENTER,
	REC_MM_EXIT,
	REC_LOCK,
	REC_TASK,
	REC_VMA,
	REC_LOST,
	REC_SCHED_SWITCH,
	REC_SCHED_WAKING,
	REC_READAHEAD,
	REC__COUNT
};

/* REC_MM_ENTER's `str` on x86_64: the user registers and the top of the
 * user stack at the syscall (call_site.h). */
struct rec_ustack {
	uint64_t ip, sp;
	uint32_t nwords;
	uint64_t w[];		/* the stack from sp up */
};

struct rec_ev {
	uint64_t t;		/* kernel CLOCK_MONOTONIC ns: the merge key */
	uint64_t seq;		/* read order: keeps equal times stable */
	uint8_t type;		/* enum rec_type */
	uint8_t has_vmflags;	/* REC_VMA: str holds "path\0VmFlags" (smaps) */
	uint8_t has_anon;	/* REC_VMA: u.vma.anon_kb is smaps' Anonymous: */
	char comm[17];		/* REC_TASK */
	char perms[8];		/* REC_VMA: "rw-p" */
	char dev[16];		/* REC_VMA: "fd:01", "" from MMAP2 */
	char *str;		/* REC_TASK exec file name, REC_VMA path, REC_MM_ENTER
				 * struct rec_ustack; may be NULL */
	int32_t tid;		/* REC_VMA from MMAP2: the thread that mapped */
	union {
		struct fl_ust_fault fault;
		struct fl_ust_fault_end fault_end;
		struct fl_ust_mm_enter mm_enter;
		struct fl_ust_mm_exit mm_exit;
		struct fl_ust_mmap_lock lock;
		struct fl_ust_task task;
		struct fl_ust_vma vma;
		struct fl_ust_lost lost;
		struct fl_ust_sched_switch sched_switch;
		struct fl_ust_sched_waking sched_waking;
		struct fl_ust_readahead readahead;
	} u;
};

const char *rec_type_name(enum rec_type t);

#endif
