/* The `faultline` LTTng-UST tracepoint provider: the faultline trace
 * dialect.  schemas/faultline-events.md documents every field.
 *
 * Each event takes one pointer to a struct of tracer/ust_api.h, so the
 * argument list stays short and the field list is the single place that
 * says what goes into the trace.  Integer widths are fixed (uint64_t for
 * addresses and times) so the trace reads the same whatever the host.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER faultline

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./faultline_tp.h"

#if !defined(FL_FAULTLINE_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define FL_FAULTLINE_TP_H

#include <lttng/tracepoint.h>

#include "../ust_api.h"

#define FL_TP_IDS(p)                                                  \
	lttng_ust_field_integer(uint64_t, ktime, (p)->id.ktime)       \
	lttng_ust_field_integer(uint32_t, cpu, (p)->id.cpu)           \
	lttng_ust_field_integer(int32_t, pid, (p)->id.pid)            \
	lttng_ust_field_integer(int32_t, tid, (p)->id.tid)

LTTNG_UST_TRACEPOINT_EVENT(faultline, header,
	LTTNG_UST_TP_ARGS(const struct fl_ust_header *, h),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, ktime, h->ktime)
		lttng_ust_field_string(arch, h->arch)
		lttng_ust_field_integer(uint32_t, page_size, h->page_size)
		lttng_ust_field_string(kernel_release, h->kernel_release)
		lttng_ust_field_string(hostname, h->hostname)
		lttng_ust_field_string(clock_source, h->clock_source)
		lttng_ust_field_string(recorder_version, h->recorder_version)
		lttng_ust_field_string(sources, h->sources)
		lttng_ust_field_string(missing, h->missing)
		lttng_ust_field_string(target, h->target)
		lttng_ust_field_integer(uint32_t, ncpus, h->ncpus)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, fault,
	LTTNG_UST_TP_ARGS(const struct fl_ust_fault *, f),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(f)
		lttng_ust_field_integer_hex(uint64_t, address, f->address)
		lttng_ust_field_integer_hex(uint64_t, ip, f->ip)
		lttng_ust_field_integer_hex(uint32_t, access, f->access)
		lttng_ust_field_integer_hex(uint64_t, arch_code, f->arch_code)
		lttng_ust_field_integer_hex(uint32_t, trap, f->trap)
		lttng_ust_field_integer(uint8_t, source, f->source)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, fault_end,
	LTTNG_UST_TP_ARGS(const struct fl_ust_fault_end *, f),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(f)
		lttng_ust_field_integer_hex(uint64_t, address, f->address)
		lttng_ust_field_integer_hex(uint64_t, ip, f->ip)
		lttng_ust_field_integer(uint8_t, major, f->major)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, mm_call_enter,
	LTTNG_UST_TP_ARGS(const struct fl_ust_mm_enter *, m),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(m)
		lttng_ust_field_integer(uint8_t, call, m->call)
		lttng_ust_field_integer(uint8_t, nargs, m->nargs)
		lttng_ust_field_array_hex(uint64_t, args, m->args, 6)
		lttng_ust_field_integer_hex(uint64_t, call_site, m->call_site)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, mm_call_exit,
	LTTNG_UST_TP_ARGS(const struct fl_ust_mm_exit *, m),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(m)
		lttng_ust_field_integer(uint8_t, call, m->call)
		lttng_ust_field_integer(int64_t, ret, m->ret)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, mmap_lock,
	LTTNG_UST_TP_ARGS(const struct fl_ust_mmap_lock *, l),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(l)
		lttng_ust_field_integer(uint8_t, phase, l->phase)
		lttng_ust_field_integer(uint8_t, write, l->write)
		lttng_ust_field_integer(uint8_t, success, l->success)
		lttng_ust_field_integer_hex(uint64_t, mm, l->mm)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, vma_snapshot,
	LTTNG_UST_TP_ARGS(const struct fl_ust_vma *, v),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, ktime, v->ktime)
		lttng_ust_field_integer(int32_t, pid, v->pid)
		lttng_ust_field_integer_hex(uint64_t, start, v->start)
		lttng_ust_field_integer_hex(uint64_t, end, v->end)
		lttng_ust_field_string(perms, v->perms)
		lttng_ust_field_integer_hex(uint64_t, pgoff, v->pgoff)
		lttng_ust_field_string(dev, v->dev)
		lttng_ust_field_integer(uint64_t, inode, v->inode)
		lttng_ust_field_string(path, v->path)
		lttng_ust_field_integer(uint8_t, source, v->source)
		lttng_ust_field_string(vm_flags, v->vm_flags)
		lttng_ust_field_integer(int64_t, anon_kb, v->anon_kb)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, task,
	LTTNG_UST_TP_ARGS(const struct fl_ust_task *, t),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(t)
		lttng_ust_field_integer(uint8_t, kind, t->kind)
		lttng_ust_field_integer(int32_t, child_pid, t->child_pid)
		lttng_ust_field_integer(int32_t, child_tid, t->child_tid)
		lttng_ust_field_integer_hex(uint64_t, clone_flags, t->clone_flags)
		lttng_ust_field_integer(uint8_t, clone_flags_known, t->clone_flags_known)
		lttng_ust_field_string(comm, t->comm)
		lttng_ust_field_string(filename, t->filename)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, sched_switch,
	LTTNG_UST_TP_ARGS(const struct fl_ust_sched_switch *, s),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(s)
		lttng_ust_field_integer_hex(uint64_t, prev_state, s->prev_state)
		lttng_ust_field_integer(int32_t, next_pid, s->next_pid)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, sched_waking,
	LTTNG_UST_TP_ARGS(const struct fl_ust_sched_waking *, s),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(s)
		lttng_ust_field_integer(int32_t, woken_tid, s->woken_tid)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, readahead,
	LTTNG_UST_TP_ARGS(const struct fl_ust_readahead *, r),
	LTTNG_UST_TP_FIELDS(
		FL_TP_IDS(r)
		lttng_ust_field_integer(uint8_t, async, r->async)
		lttng_ust_field_integer(uint64_t, ino, r->ino)
		lttng_ust_field_integer(uint64_t, index, r->index)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(faultline, lost,
	LTTNG_UST_TP_ARGS(const struct fl_ust_lost *, l),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, ktime, l->ktime)
		lttng_ust_field_integer(uint32_t, cpu, l->cpu)
		lttng_ust_field_integer(uint64_t, count, l->count)
		lttng_ust_field_integer(uint64_t, t_begin, l->t_begin)
		lttng_ust_field_integer(uint64_t, t_end, l->t_end)
		lttng_ust_field_integer(uint8_t, source, l->source)
	)
)

#endif

#include <lttng/tracepoint-event.h>
