/* The faultline dialect: what `faultline record` writes, through its own
 * LTTng-UST provider `faultline` (tracer/ust/faultline_tp.h), documented
 * field by field in schemas/faultline-events.md.
 *
 * It is the most complete dialect: every fault carries its access bits and
 * raw arch code, fault ends carry minor/major, mm calls carry every
 * argument, the mmap_lock events are there, tasks carry their clone flags,
 * the initial layout has full extents, and perf's lost records are events.
 *
 * Times.  LTTng stamps each event when the recorder writes it, which is
 * after the kernel saw it; the kernel's own CLOCK_MONOTONIC time is the
 * `ktime` payload field.  The recorder writes in ktime order from one
 * thread, so the CTF stream order and the ktime order agree, and every
 * normalised event gets t = ktime placed on the CTF clock's origin (ktime
 * + the clock class offset), the same scale as the trace's time span and
 * LTTng's discarded-event ranges.
 *
 * Empty strings are written as "-" (babeltrace2 2.0.x reads an empty
 * string field as the previous event's value); they read back as "".
 *
 * Later recorders added events; a trace from an earlier one simply does
 * not declare them, and reads as it always did: sched_switch,
 * sched_waking and readahead (FL_EV_SCHED, FL_EV_READAHEAD, with the
 * meanings the perf-ctf dialect gives the same kernel tracepoints).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bt_fields.h"
#include "dialect.h"
#include "ingest.h"

struct fl_priv {
	bool init;
	uint64_t offset_ns;		/* CTF clock offset from its origin */
	/* Payload members beyond what a spec lists (at most 8 there). */
	int64_t fault_trap, fault_source;
	int64_t mm_args;
	int64_t mm_call_site;		/* -1: a recorder before table 4 */
	int64_t task_flags, task_flags_known;
};

#define P(x) "faultline:" x

static int match(const struct fl_trace_env *env)
{
	uint64_t n;

	if (strcmp(env->domain, "ust") != 0 || strncmp(env->tracer_name, "lttng-ust", 9) != 0)
		return 0;
	n = bt_stream_class_get_event_class_count(env->stream_class);
	for (uint64_t i = 0; i < n; i++) {
		const char *en = bt_event_class_get_name(
			bt_stream_class_borrow_event_class_by_index_const(env->stream_class, i));
		if (en && strncmp(en, P(""), 10) == 0)
			return 100;
	}
	return 0;
}

/* The recorder names its session "faultline-PID arch=A page_size=N": the
 * trace_name entry of the environment is all a reader has before the
 * first event.  (The header event carries the same and more.) */
static void describe(const struct fl_trace_env *env, char *arch, size_t len, uint32_t *page_size)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(env->trace, "trace_name");
	const char *name = v && bt_value_is_string(v) ? bt_value_string_get(v) : "";
	const char *a = strstr(name, " arch="), *p = strstr(name, " page_size=");

	arch[0] = '\0';
	*page_size = 0;
	if (a) {
		a += 6;
		snprintf(arch, len, "%.*s", (int)strcspn(a, " "), a);
	}
	if (p)
		*page_size = (uint32_t)strtoul(p + 11, NULL, 10);
}

/* ppc64: " mmu=radix" or " mmu=hash" in the same session name. */
static void describe_mmu(const struct fl_trace_env *env, char *mmu, size_t len)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(env->trace, "trace_name");
	const char *name = v && bt_value_is_string(v) ? bt_value_string_get(v) : "";
	const char *m = strstr(name, " mmu=");

	mmu[0] = '\0';
	if (m)
		snprintf(mmu, len, "%.*s", (int)strcspn(m + 5, " "), m + 5);
}

static int need_member(const bt_event_class *ec, const char *field, int64_t *idx,
		       struct fl_err *err)
{
	const bt_field_class *pfc = bt_event_class_borrow_payload_field_class_const(ec);
	int64_t i = fl_struct_member_index(pfc, field);

	if (i < 0) {
		fl_err_set(err, -EPROTO, "event '%s' has no field '%s' (the faultline dialect "
			   "reads it; schemas/faultline-events.md)", bt_event_class_get_name(ec), field);
		return err->code;
	}
	if (*idx >= 0 && *idx != i) {
		fl_err_set(err, -EPROTO, "event '%s': field '%s' is laid out differently in two "
			   "streams of the trace", bt_event_class_get_name(ec), field);
		return err->code;
	}
	*idx = i;
	return 0;
}

/* A member some recorders' traces lack: *idx stays -1 without it. */
static int want_member(const bt_event_class *ec, const char *field, int64_t *idx,
		       struct fl_err *err)
{
	const bt_field_class *pfc = bt_event_class_borrow_payload_field_class_const(ec);

	if (fl_struct_member_index(pfc, field) < 0)
		return 0;
	return need_member(ec, field, idx, err);
}

static int prepare(struct fl_decoder *d, const bt_stream_class *sc, struct fl_err *err)
{
	struct fl_priv *p = fl_decoder_priv(d);
	const bt_clock_class *cc = bt_stream_class_borrow_default_clock_class_const(sc);
	uint64_t n = bt_stream_class_get_event_class_count(sc);

	if (!p->init) {
		p->init = true;
		p->fault_trap = p->fault_source = p->mm_args = p->mm_call_site = -1;
		p->task_flags = p->task_flags_known = -1;
	}
	if (cc) {
		int64_t s;
		uint64_t cycles, freq = bt_clock_class_get_frequency(cc);

		bt_clock_class_get_offset(cc, &s, &cycles);
		p->offset_ns = (uint64_t)s * 1000000000u +
			       (freq ? (uint64_t)((double)cycles * 1e9 / (double)freq) : 0);
	}
	for (uint64_t i = 0; i < n; i++) {
		const bt_event_class *ec = bt_stream_class_borrow_event_class_by_index_const(sc, i);
		const char *en = bt_event_class_get_name(ec);
		int rc = 0;

		if (!en)
			continue;
		if (strcmp(en, P("fault")) == 0) {
			rc = need_member(ec, "trap", &p->fault_trap, err);
			if (rc == 0)
				rc = need_member(ec, "source", &p->fault_source, err);
		} else if (strcmp(en, P("mm_call_enter")) == 0) {
			rc = need_member(ec, "args", &p->mm_args, err);
			if (rc == 0)
				rc = want_member(ec, "call_site", &p->mm_call_site, err);
		} else if (strcmp(en, P("task")) == 0) {
			rc = need_member(ec, "clone_flags", &p->task_flags, err);
			if (rc == 0)
				rc = need_member(ec, "clone_flags_known", &p->task_flags_known, err);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Kernel time on the CTF clock's scale. */
static uint64_t kt(const struct fl_priv *p, uint64_t ktime)
{
	return ktime ? ktime + p->offset_ns : 0;
}

/* ktime, cpu, pid, tid: the first four fields of every per-thread event. */
static void ids(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw,
		enum fl_ev_kind kind, struct fl_event *ev)
{
	const struct fl_priv *p = fl_decoder_priv(d);

	fl_decoder_init_event(d, b, raw, kind, ev);
	ev->t = kt(p, fl_member_u64(raw->payload, b->idx[0], NULL));
	ev->cpu = (int32_t)fl_member_u64(raw->payload, b->idx[1], NULL);
	ev->pid = (int32_t)fl_member_i64(raw->payload, b->idx[2], NULL);
	ev->tid = (int32_t)fl_member_i64(raw->payload, b->idx[3], NULL);
}

/* A string field; "-" stands for the empty string. */
static const char *str(const struct fl_raw *raw, uint64_t idx)
{
	const char *s = fl_member_str(raw->payload, idx);

	return strcmp(s, "-") == 0 ? "" : s;
}

/* The header carries what LTTng-UST's environment does not: the traced
 * host's kernel release and name. */
static int on_header(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_trace_meta *m = fl_decoder_meta(d);

	if (!m->release[0])
		snprintf(m->release, sizeof(m->release), "%s",
			 str(raw, b->idx[0]));
	if (!m->hostname[0])
		snprintf(m->hostname, sizeof(m->hostname), "%s",
			 str(raw, b->idx[1]));
	return 0;
}

static int on_fault(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	const struct fl_priv *p = fl_decoder_priv(d);
	struct fl_event ev;

	ids(d, b, raw, FL_EV_FAULT, &ev);
	ev.u.fault.address = fl_member_u64(raw->payload, b->idx[4], NULL);
	ev.u.fault.ip = fl_member_u64(raw->payload, b->idx[5], NULL);
	ev.u.fault.access = (uint32_t)fl_member_u64(raw->payload, b->idx[6], NULL);
	ev.u.fault.arch_code = fl_member_u64(raw->payload, b->idx[7], NULL);
	ev.u.fault.trap = (uint32_t)fl_member_u64(raw->payload, (uint64_t)p->fault_trap, NULL);
	ev.u.fault.source = fl_member_u64(raw->payload, (uint64_t)p->fault_source, NULL) == 1
				    ? FL_SRC_SW_EVENT : FL_SRC_TRACEPOINT;
	/* ppc64 (a trap is only written there): the access is decoded again
	 * from trap + DSISR + ip, so that a trace whose recorder left out a
	 * bit (USER, before it knew kernel-mode faults from user ones) reads
	 * as the current decoder says. */
	if (ev.u.fault.trap)
		ev.u.fault.access = fl_ppc64_access(ev.u.fault.trap, ev.u.fault.arch_code,
						    ev.u.fault.ip);
	return fl_decoder_emit(d, &ev);
}

static int on_fault_end(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	ids(d, b, raw, FL_EV_FAULT_END, &ev);
	ev.u.fault_end.major = fl_member_u64(raw->payload, b->idx[4], NULL) != 0;
	return fl_decoder_emit(d, &ev);
}

static int mm_kind(uint64_t call, enum fl_mm_kind *kind)
{
	if (call >= FL_MM__COUNT)
		return -1;
	*kind = (enum fl_mm_kind)call;
	return 0;
}

static int on_mm_enter(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	const struct fl_priv *p = fl_decoder_priv(d);
	uint64_t call = fl_member_u64(raw->payload, b->idx[4], NULL);
	uint64_t nargs = fl_member_u64(raw->payload, b->idx[5], NULL);
	const bt_field *arr = bt_field_structure_borrow_member_field_by_index_const(raw->payload,
										      (uint64_t)p->mm_args);
	uint64_t args[6] = { 0 };
	enum fl_mm_kind kind;
	struct fl_event ev;

	/* A call kind this reader does not know (a newer recorder) is kept
	 * out of the model rather than misread. */
	if (mm_kind(call, &kind) < 0)
		return 0;
	if (bt_field_get_class_type(arr) == BT_FIELD_CLASS_TYPE_STATIC_ARRAY) {
		uint64_t len = bt_field_array_get_length(arr);
		for (uint64_t i = 0; i < len && i < 6 && i < nargs; i++) {
			const bt_field *e = bt_field_array_borrow_element_field_by_index_const(arr, i);
			if (bt_field_class_type_is(bt_field_get_class_type(e),
						   BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
				args[i] = bt_field_integer_unsigned_get_value(e);
		}
	}
	ids(d, b, raw, FL_EV_MM_CALL, &ev);
	/* fl_decoder_mm_enter() keeps the rest of ev's mm_call. */
	if (p->mm_call_site >= 0)
		ev.u.mm_call.call_site = fl_member_u64(raw->payload, (uint64_t)p->mm_call_site, NULL);
	return fl_decoder_mm_enter(d, &ev, kind, args);
}

static int on_mm_exit(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	uint64_t call = fl_member_u64(raw->payload, b->idx[4], NULL);
	enum fl_mm_kind kind;
	struct fl_event ev;

	/* A call kind this reader does not know (a newer recorder) is kept
	 * out of the model rather than misread. */
	if (mm_kind(call, &kind) < 0)
		return 0;
	ids(d, b, raw, FL_EV_MM_CALL, &ev);
	return fl_decoder_mm_exit(d, &ev, kind, fl_member_i64(raw->payload, b->idx[5], NULL));
}

static int on_lock(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	uint64_t phase = fl_member_u64(raw->payload, b->idx[4], NULL);
	struct fl_event ev;

	if (phase >= FL_LOCK__COUNT)
		return 0;
	ids(d, b, raw, FL_EV_MMAP_LOCK, &ev);
	ev.u.lock.phase = (enum fl_lock_phase)phase;
	ev.u.lock.write = fl_member_u64(raw->payload, b->idx[5], NULL) != 0;
	ev.u.lock.success = fl_member_u64(raw->payload, b->idx[6], NULL) != 0;
	ev.u.lock.mm = fl_member_u64(raw->payload, b->idx[7], NULL);
	return fl_decoder_emit(d, &ev);
}

static int on_vma(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	const struct fl_priv *p = fl_decoder_priv(d);
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_VMA_SNAPSHOT, &ev);
	ev.t = kt(p, fl_member_u64(raw->payload, b->idx[0], NULL));
	ev.pid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
	ev.tid = -1;
	ev.cpu = -1;
	ev.u.vma.start = fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.vma.end = fl_member_u64(raw->payload, b->idx[3], NULL);
	ev.u.vma.end_known = true;
	ev.u.vma.pgoff = fl_member_u64(raw->payload, b->idx[4], NULL);
	snprintf(ev.u.vma.path, sizeof(ev.u.vma.path), "%s", str(raw, b->idx[5]));
	snprintf(ev.u.vma.perms, sizeof(ev.u.vma.perms), "%s", str(raw, b->idx[6]));
	ev.u.vma.whole = fl_member_u64(raw->payload, b->idx[7], NULL) == 0;	/* /proc */
	{
		/* Newer recorders write the VmFlags; looked up in this event's
		 * own class: a trace may hold two layouts of the event (two
		 * recorder versions under one session daemon). */
		int64_t i = fl_struct_member_index(bt_event_class_borrow_payload_field_class_const(
							   bt_event_borrow_class_const(raw->event)),
						   "vm_flags");

		if (i >= 0)
			snprintf(ev.u.vma.vm_flags, sizeof(ev.u.vma.vm_flags), "%s",
				 str(raw, (uint64_t)i));
	}
	{
		/* Recorders since provider table 5: the mapping's anonymous
		 * size from smaps, -1 unknown. */
		int64_t i = fl_struct_member_index(bt_event_class_borrow_payload_field_class_const(
							   bt_event_borrow_class_const(raw->event)),
						   "anon_kb");
		int64_t kb = i >= 0 ? fl_member_i64(raw->payload, (uint64_t)i, NULL) : -1;

		if (kb >= 0) {
			ev.u.vma.anon_known = true;
			ev.u.vma.anon_kb = (uint64_t)kb;
		}
	}
	return fl_decoder_emit(d, &ev);
}

static int on_task(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	const struct fl_priv *p = fl_decoder_priv(d);
	uint64_t kind = fl_member_u64(raw->payload, b->idx[4], NULL);
	struct fl_event ev;

	/* The recorder's kinds are enum fl_task_kind's, in its order. */
	if (kind >= FL_TASK__COUNT)
		return 0;
	ids(d, b, raw, FL_EV_TASK, &ev);
	ev.u.task.kind = (enum fl_task_kind)kind;
	ev.u.task.child_pid = (int32_t)fl_member_i64(raw->payload, b->idx[5], NULL);
	ev.u.task.child_tid = (int32_t)fl_member_i64(raw->payload, b->idx[6], NULL);
	snprintf(ev.u.task.comm, sizeof(ev.u.task.comm), "%s", str(raw, b->idx[7]));
	/* A name the recorder read from /proc when it attached has no CPU
	 * (tracer/proc_maps.c); task_rename's has the one it ran on. */
	ev.u.task.at_attach = kind == FL_TASK_COMM && ev.cpu == -1;
	if (kind == FL_TASK_FORK || kind == FL_TASK_CLONE_THREAD) {
		ev.u.task.clone_vm_known =
			fl_member_u64(raw->payload, (uint64_t)p->task_flags_known, NULL) != 0;
		/* CLONE_VM (0x100): the child shares the parent's mm */
		ev.u.task.clone_vm = ev.u.task.clone_vm_known &&
				     (fl_member_u64(raw->payload, (uint64_t)p->task_flags, NULL) & 0x100);
		if (kind == FL_TASK_CLONE_THREAD)
			ev.u.task.clone_vm_known = ev.u.task.clone_vm = true;
	}
	return fl_decoder_emit(d, &ev);
}

static int on_lost(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	const struct fl_priv *p = fl_decoder_priv(d);
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_LOST, &ev);
	ev.t = kt(p, fl_member_u64(raw->payload, b->idx[0], NULL));
	ev.cpu = (int32_t)fl_member_u64(raw->payload, b->idx[1], NULL);
	ev.pid = ev.tid = -1;
	ev.u.lost.count = fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.lost.packets = false;
	ev.u.lost.t_begin = kt(p, fl_member_u64(raw->payload, b->idx[3], NULL));
	ev.u.lost.t_end = kt(p, fl_member_u64(raw->payload, b->idx[4], NULL));
	ev.u.lost.stream_id = (uint64_t)ev.cpu;
	ev.u.lost.ring = true;
	return fl_decoder_emit(d, &ev);
}

/* sched_switch fires in the context of the thread leaving the CPU: the
 * event's thread is prev. */
static int on_sched_switch(struct fl_decoder *d, const struct fl_binding *b,
			   const struct fl_raw *raw)
{
	struct fl_event ev;

	ids(d, b, raw, FL_EV_SCHED, &ev);
	ev.u.sched.kind = FL_SCHED_SWITCH;
	ev.u.sched.prev_state = (uint32_t)fl_member_u64(raw->payload, b->idx[4], NULL);
	ev.u.sched.other = (int32_t)fl_member_i64(raw->payload, b->idx[5], NULL);
	return fl_decoder_emit(d, &ev);
}

/* sched_waking: the event's thread is the waker (or the thread an
 * interrupt found running), woken_tid the thread woken. */
static int on_sched_waking(struct fl_decoder *d, const struct fl_binding *b,
			   const struct fl_raw *raw)
{
	struct fl_event ev;

	ids(d, b, raw, FL_EV_SCHED, &ev);
	ev.u.sched.kind = FL_SCHED_WAKING;
	ev.u.sched.other = (int32_t)fl_member_i64(raw->payload, b->idx[4], NULL);
	return fl_decoder_emit(d, &ev);
}

static int on_readahead(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	ids(d, b, raw, FL_EV_READAHEAD, &ev);
	ev.u.ra.async = fl_member_u64(raw->payload, b->idx[4], NULL) != 0;
	ev.u.ra.ino = fl_member_u64(raw->payload, b->idx[5], NULL);
	ev.u.ra.index = fl_member_u64(raw->payload, b->idx[6], NULL);
	return fl_decoder_emit(d, &ev);
}

#define IDS "ktime", "cpu", "pid", "tid"

static const struct fl_event_spec specs[] = {
	{ P("header"), on_header, 0, { "kernel_release", "hostname" } },
	{ P("fault"), on_fault, 0, { IDS, "address", "ip", "access", "arch_code" } },
	{ P("fault_end"), on_fault_end, 0, { IDS, "major" } },
	{ P("mm_call_enter"), on_mm_enter, 0, { IDS, "call", "nargs" } },
	{ P("mm_call_exit"), on_mm_exit, 0, { IDS, "call", "ret" } },
	{ P("mmap_lock"), on_lock, 0, { IDS, "phase", "write", "success", "mm" } },
	{ P("vma_snapshot"), on_vma, 0, { "ktime", "pid", "start", "end", "pgoff", "path", "perms", "source" } },
	{ P("task"), on_task, 0, { IDS, "kind", "child_pid", "child_tid", "comm" } },
	{ P("lost"), on_lost, 0, { "ktime", "cpu", "count", "t_begin", "t_end" } },
	{ P("sched_switch"), on_sched_switch, 0, { IDS, "prev_state", "next_pid" } },
	{ P("sched_waking"), on_sched_waking, 0, { IDS, "woken_tid" } },
	{ P("readahead"), on_readahead, 0, { IDS, "async", "ino", "index" } },
	{ NULL, NULL, 0, { NULL } },
};

const struct fl_dialect fl_dialect_faultline = {
	.name = "faultline",
	.description = "faultline record",
	.match = match,
	.specs = specs,
	.prepare = prepare,
	.describe = describe,
	.describe_mmu = describe_mmu,
	.priv_size = sizeof(struct fl_priv),
	/* MMAP2 records of every exec's image; -p and -a: /proc layouts. */
	.layouts = true,
};
