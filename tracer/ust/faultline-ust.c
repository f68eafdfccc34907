/* faultline-ust.so: the `faultline` tracepoint provider and the function
 * table the recorder calls (tracer/ust_api.h).
 *
 * This is the only object linked against liblttng-ust.  Loading it starts
 * LTTng-UST (its constructor registers with the session daemon and waits
 * for "registration done", which includes the enabled events of sessions
 * already started), so the recorder dlopen()s it after starting its
 * session, and the tracepoints are live when dlopen() returns.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "faultline_tp.h"

static void emit_header(const struct fl_ust_header *h)
{
	lttng_ust_tracepoint(faultline, header, h);
}

static void emit_fault(const struct fl_ust_fault *f)
{
	lttng_ust_tracepoint(faultline, fault, f);
}

static void emit_fault_end(const struct fl_ust_fault_end *f)
{
	lttng_ust_tracepoint(faultline, fault_end, f);
}

static void emit_mm_enter(const struct fl_ust_mm_enter *m)
{
	lttng_ust_tracepoint(faultline, mm_call_enter, m);
}

static void emit_mm_exit(const struct fl_ust_mm_exit *m)
{
	lttng_ust_tracepoint(faultline, mm_call_exit, m);
}

static void emit_mmap_lock(const struct fl_ust_mmap_lock *l)
{
	lttng_ust_tracepoint(faultline, mmap_lock, l);
}

static void emit_vma(const struct fl_ust_vma *v)
{
	lttng_ust_tracepoint(faultline, vma_snapshot, v);
}

static void emit_task(const struct fl_ust_task *t)
{
	lttng_ust_tracepoint(faultline, task, t);
}

static void emit_lost(const struct fl_ust_lost *l)
{
	lttng_ust_tracepoint(faultline, lost, l);
}

static void emit_sched_switch(const struct fl_ust_sched_switch *s)
{
	lttng_ust_tracepoint(faultline, sched_switch, s);
}

static void emit_sched_waking(const struct fl_ust_sched_waking *s)
{
	lttng_ust_tracepoint(faultline, sched_waking, s);
}

static void emit_readahead(const struct fl_ust_readahead *r)
{
	lttng_ust_tracepoint(faultline, readahead, r);
}

extern const struct fl_ust_api fl_ust_api;
const struct fl_ust_api fl_ust_api = {
	.version = FL_UST_API_VERSION,
	.header = emit_header,
	.fault = emit_fault,
	.fault_end = emit_fault_end,
	.mm_enter = emit_mm_enter,
	.mm_exit = emit_mm_exit,
	.mmap_lock = emit_mmap_lock,
	.vma = emit_vma,
	.task = emit_task,
	.lost = emit_lost,
	.sched_switch = emit_sched_switch,
	.sched_waking = emit_sched_waking,
	.readahead = emit_readahead,
};
