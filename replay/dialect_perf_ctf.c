/* The perf-ctf dialect: what `perf data convert --all --to-ctf` writes for
 *   perf record -k CLOCK_MONOTONIC -c 1 -d \
 *     -e exceptions:page_fault_user -e minor-faults -e major-faults \
 *     -e 'mmap_lock:*' -e syscalls:sys_{enter,exit}_{mmap,munmap,...} \
 *     -e sched:sched_process_{fork,exec,exit} \
 *     -e sched:sched_switch -e sched:sched_waking \
 *     -e readahead:page_cache_{sync,async}_ra
 * (tools/perf/util/data-convert-bt.c).  Event classes are named after the
 * evsel; sample fields carry a perf_ prefix (perf_tid, perf_pid, perf_ip);
 * tracepoint fields are copied as the kernel's format file names them.
 * --all adds the side-band records perf_comm, perf_fork, perf_exit and
 * perf_mmap2, the last with only pid, tid, start and filename: a mapping's
 * length is not in the trace and must be inferred.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bt_fields.h"
#include "dialect.h"

struct perf_priv {
	bool has_tracepoint_faults;	/* page-faults sw event is then redundant */
	bool has_perf_fork;		/* sched fork/exit are then redundant */
	bool has_perf_exit;
};

static int match(const struct fl_trace_env *env)
{
	return strcmp(env->tracer_name, "perf") == 0 ? 100 : 0;
}

static void describe(const struct fl_trace_env *env, char *arch, size_t len, uint32_t *page_size)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(env->trace, "machine");
	const char *m = v && bt_value_is_string(v) ? bt_value_string_get(v) : "";

	snprintf(arch, len, "%s", m);
	/* x86_64 has one base page size; ppc64 kernels come in 4K and 64K
	 * builds and perf's CTF does not say which. */
	*page_size = strcmp(m, "x86_64") == 0 ? 4096 : 0;
}

static bool declares(const bt_stream_class *sc, const char *name)
{
	uint64_t n = bt_stream_class_get_event_class_count(sc);

	for (uint64_t i = 0; i < n; i++) {
		const char *en = bt_event_class_get_name(bt_stream_class_borrow_event_class_by_index_const(sc, i));
		if (en && strcmp(en, name) == 0)
			return true;
	}
	return false;
}

static int prepare(struct fl_decoder *d, const bt_stream_class *sc, struct fl_err *err)
{
	struct perf_priv *p = fl_decoder_priv(d);

	(void)err;
	p->has_tracepoint_faults |= declares(sc, "exceptions:page_fault_user");
	p->has_perf_fork |= declares(sc, "perf_fork");
	p->has_perf_exit |= declares(sc, "perf_exit");
	return 0;
}

/* perf's CTF conversion drops PERF_RECORD_LOST and LOST_SAMPLES, so what
 * perf lost is not in the events.  scripts/capture-perf-trace writes it
 * into the metadata's environment:
 *   perf_lost = "CPU:T_BEGIN:T_END:COUNT,...";  one per PERF_RECORD_LOST:
 *       the CPU's ring, the time of the last record it kept before the
 *       loss and of the LOST record (ns, the events' clock), records lost
 *   perf_lost_samples = N;  samples perf counted lost (LOST_SAMPLES)
 * A trace with perf_lost says what it lost; one without it (perf run by
 * hand) has its losses inferred by the decoder. */
static int env_losses(struct fl_decoder *d, const struct fl_trace_env *env, struct fl_err *err)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(env->trace, "perf_lost");
	const bt_value *ns = bt_trace_borrow_environment_entry_value_by_name_const(env->trace,
										 "perf_lost_samples");
	uint64_t windows = 0, samples = 0;
	struct fl_event ev;
	const char *s;

	if (!v)
		return 0;
	if (!bt_value_is_string(v))
		return fl_err_set(err, -EPROTO, "%s: trace environment entry 'perf_lost' is not a string",
				  env->path);
	if (ns && bt_value_is_signed_integer(ns) && bt_value_integer_signed_get(ns) > 0)
		samples = (uint64_t)bt_value_integer_signed_get(ns);
	else if (ns && bt_value_is_unsigned_integer(ns))
		samples = bt_value_integer_unsigned_get(ns);
	fl_decoder_losses_known(d);
	memset(&ev, 0, sizeof(ev));
	ev.kind = FL_EV_LOST;
	ev.pid = ev.tid = -1;
	ev.u.lost.ring = true;
	for (s = bt_value_string_get(v); *s;) {
		unsigned long long cpu, tb, te, n;
		int used = 0;

		if (sscanf(s, "%llu:%llu:%llu:%llu%n", &cpu, &tb, &te, &n, &used) != 4 || !used ||
		    (s[used] && s[used] != ',') || cpu > INT32_MAX || tb > te)
			return fl_err_set(err, -EPROTO, "%s: trace environment entry 'perf_lost': cannot "
					  "read \"%.40s\" (expected CPU:T_BEGIN:T_END:COUNT, comma-separated)",
					  env->path, s);
		ev.cpu = (int32_t)cpu;
		ev.u.lost.stream_id = cpu;
		ev.u.lost.t_begin = tb;
		ev.u.lost.t_end = te;
		ev.u.lost.count = n;
		ev.t = te;
		windows += n;
		if (fl_decoder_queue_lost(d, &ev) < 0)
			return err->code;
		s += used + (s[used] == ',');
	}
	/* Samples the kernel dropped with no ring overflow to place them:
	 * they may be anywhere. */
	if (samples > windows) {
		ev.cpu = -1;
		ev.u.lost.stream_id = UINT64_MAX;
		ev.u.lost.t_begin = ev.u.lost.t_end = ev.t = 0;
		ev.u.lost.count = samples - windows;
		if (fl_decoder_queue_lost(d, &ev) < 0)
			return err->code;
	}
	return 0;
}

/* Sample events: perf_pid and perf_tid are the first two fields. */
static void sample_ids(const struct fl_binding *b, const struct fl_raw *raw, struct fl_event *ev)
{
	ev->tid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	ev->pid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
}

static int on_fault_tp(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_FAULT, &ev);
	sample_ids(b, raw, &ev);
	fl_fault_from_x86_tracepoint(&ev.u.fault, fl_member_u64(raw->payload, b->idx[2], NULL),
				     fl_member_u64(raw->payload, b->idx[3], NULL),
				     fl_member_u64(raw->payload, b->idx[4], NULL));
	return fl_decoder_emit(d, &ev);
}

/* The page-faults software event: address only, no access bits. */
static int on_fault_sw(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct perf_priv *p = fl_decoder_priv(d);
	struct fl_event ev;

	if (p->has_tracepoint_faults)
		return 0;
	fl_decoder_init_event(d, b, raw, FL_EV_FAULT, &ev);
	sample_ids(b, raw, &ev);
	ev.u.fault.address = fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.fault.ip = fl_member_u64(raw->payload, b->idx[3], NULL);
	ev.u.fault.source = FL_SRC_SW_EVENT;
	return fl_decoder_emit(d, &ev);
}

static int on_fault_end(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_FAULT_END, &ev);
	sample_ids(b, raw, &ev);
	ev.u.fault_end.major = b->spec->arg;
	return fl_decoder_emit(d, &ev);
}

static int on_lock(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_MMAP_LOCK, &ev);
	sample_ids(b, raw, &ev);
	ev.u.lock.phase = (enum fl_lock_phase)b->spec->arg;
	ev.u.lock.mm = fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.lock.write = fl_member_u64(raw->payload, b->idx[3], NULL) != 0;
	if (ev.u.lock.phase == FL_LOCK_ACQUIRED)
		ev.u.lock.success = fl_member_u64(raw->payload, b->idx[4], NULL) != 0;
	return fl_decoder_emit(d, &ev);
}

static int on_sys_enter(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;
	uint64_t args[6] = {0};

	fl_decoder_init_event(d, b, raw, FL_EV_MM_CALL, &ev);
	sample_ids(b, raw, &ev);
	for (int i = 0; i < 6 && b->spec->fields[i + 2]; i++)
		args[i] = fl_member_u64(raw->payload, b->idx[i + 2], NULL);
	return fl_decoder_mm_enter(d, &ev, (enum fl_mm_kind)b->spec->arg, args);
}

static int on_sys_exit(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_MM_CALL, &ev);
	sample_ids(b, raw, &ev);
	return fl_decoder_mm_exit(d, &ev, (enum fl_mm_kind)b->spec->arg,
				  fl_member_i64(raw->payload, b->idx[2], NULL));
}

static int emit_task(struct fl_decoder *d, struct fl_event *ev, enum fl_task_kind kind,
		     const char *comm)
{
	ev->u.task.kind = kind;
	if (comm)
		snprintf(ev->u.task.comm, sizeof(ev->u.task.comm), "%s", comm);
	return fl_decoder_emit(d, ev);
}

/* perf_fork: pid/tid of the new task, ppid/ptid of its parent.  Same
 * thread group means a thread (CLONE_VM|CLONE_THREAD); a new group is a
 * process, whose CLONE_VM (vfork, posix_spawn) perf does not record. */
static int on_perf_fork(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;
	int32_t pid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	int32_t ppid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
	int32_t tid = (int32_t)fl_member_i64(raw->payload, b->idx[2], NULL);
	int32_t ptid = (int32_t)fl_member_i64(raw->payload, b->idx[3], NULL);

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.pid = ppid;
	ev.tid = ptid;
	ev.u.task.child_pid = pid;
	ev.u.task.child_tid = tid;
	if (pid == ppid) {
		ev.u.task.clone_vm_known = ev.u.task.clone_vm = true;
		return emit_task(d, &ev, FL_TASK_CLONE_THREAD, NULL);
	}
	return emit_task(d, &ev, FL_TASK_FORK, NULL);
}

static int on_perf_exit(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.pid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	ev.tid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
	return emit_task(d, &ev, FL_TASK_EXIT, NULL);
}

static int on_perf_comm(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.pid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	ev.tid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
	return emit_task(d, &ev, FL_TASK_COMM, fl_member_str(raw->payload, b->idx[2]));
}

static int on_perf_mmap2(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_VMA_SNAPSHOT, &ev);
	ev.pid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	ev.tid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
	ev.u.vma.start = fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.vma.end_known = false;
	snprintf(ev.u.vma.path, sizeof(ev.u.vma.path), "%s", fl_member_str(raw->payload, b->idx[3]));
	return fl_decoder_emit(d, &ev);
}

/* sched_process_fork: used only when the trace lacks perf_fork; it cannot
 * tell a thread from a process, so the child's group is unknown. */
static int on_sched_fork(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct perf_priv *p = fl_decoder_priv(d);
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	sample_ids(b, raw, &ev);
	ev.u.task.child_tid = (int32_t)fl_member_i64(raw->payload, b->idx[3], NULL);
	ev.u.task.child_pid = -1;
	snprintf(ev.u.task.comm, sizeof(ev.u.task.comm), "%s", fl_member_str(raw->payload, b->idx[2]));
	if (p->has_perf_fork) {
		/* perf_fork already said fork or thread: only the name is new. */
		ev.pid = -1;
		ev.tid = ev.u.task.child_tid;
		return emit_task(d, &ev, FL_TASK_COMM, NULL);
	}
	return emit_task(d, &ev, FL_TASK_FORK, NULL);
}

static int on_sched_exec(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	sample_ids(b, raw, &ev);
	ev.u.task.kind = FL_TASK_EXEC;
	fl_task_comm_from_path(&ev.u.task, fl_member_str(raw->payload, b->idx[2]));
	return fl_decoder_emit(d, &ev);
}

static int on_sched_exit(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct perf_priv *p = fl_decoder_priv(d);
	struct fl_event ev;

	if (p->has_perf_exit)
		return 0;
	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	sample_ids(b, raw, &ev);
	return emit_task(d, &ev, FL_TASK_EXIT, NULL);
}

/* sched_switch: the sample's thread is prev (the tracepoint fires in its
 * context); sched_waking: the sample's thread is the waker (or whoever an
 * interrupt found running), pid the woken thread. */
static int on_sched_switch(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_SCHED, &ev);
	sample_ids(b, raw, &ev);
	ev.u.sched.kind = FL_SCHED_SWITCH;
	ev.u.sched.prev_state = (uint32_t)fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.sched.other = (int32_t)fl_member_i64(raw->payload, b->idx[3], NULL);
	return fl_decoder_emit(d, &ev);
}

static int on_sched_waking(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_SCHED, &ev);
	sample_ids(b, raw, &ev);
	ev.u.sched.kind = FL_SCHED_WAKING;
	ev.u.sched.other = (int32_t)fl_member_i64(raw->payload, b->idx[2], NULL);
	return fl_decoder_emit(d, &ev);
}

static int on_readahead(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_READAHEAD, &ev);
	sample_ids(b, raw, &ev);
	ev.u.ra.async = b->spec->arg;
	ev.u.ra.ino = fl_member_u64(raw->payload, b->idx[2], NULL);
	ev.u.ra.index = fl_member_u64(raw->payload, b->idx[3], NULL);
	return fl_decoder_emit(d, &ev);
}

#define SAMPLE "perf_tid", "perf_pid"
#define SYSCALL(n, kind, ...)                                                         \
	{ "syscalls:sys_enter_" n, on_sys_enter, kind, { SAMPLE, __VA_ARGS__ } },      \
	{ "syscalls:sys_exit_" n, on_sys_exit, kind, { SAMPLE, "ret" } }

static const struct fl_event_spec specs[] = {
	{ "exceptions:page_fault_user", on_fault_tp, 0, { SAMPLE, "address", "ip", "error_code" } },
	{ "page-faults", on_fault_sw, 0, { SAMPLE, "perf_addr", "perf_ip" } },
	{ "minor-faults", on_fault_end, 0, { SAMPLE } },
	{ "major-faults", on_fault_end, 1, { SAMPLE } },
	{ "mmap_lock:mmap_lock_start_locking", on_lock, FL_LOCK_START, { SAMPLE, "mm", "write" } },
	{ "mmap_lock:mmap_lock_acquire_returned", on_lock, FL_LOCK_ACQUIRED,
	  { SAMPLE, "mm", "write", "success" } },
	{ "mmap_lock:mmap_lock_released", on_lock, FL_LOCK_RELEASED, { SAMPLE, "mm", "write" } },
	SYSCALL("mmap", FL_MM_MMAP, "addr", "len", "prot", "flags", "fd", "off"),
	SYSCALL("munmap", FL_MM_MUNMAP, "addr", "len"),
	SYSCALL("mprotect", FL_MM_MPROTECT, "start", "len", "prot"),
	SYSCALL("mremap", FL_MM_MREMAP, "addr", "old_len", "new_len", "flags", "new_addr"),
	SYSCALL("brk", FL_MM_BRK, "brk"),
	SYSCALL("madvise", FL_MM_MADVISE, "start", "len_in", "behavior"),
	SYSCALL("mlock", FL_MM_MLOCK, "start", "len"),
	SYSCALL("mlock2", FL_MM_MLOCK2, "start", "len", "flags"),
	SYSCALL("munlock", FL_MM_MUNLOCK, "start", "len"),
	SYSCALL("mlockall", FL_MM_MLOCKALL, "flags"),
	SYSCALL("pkey_mprotect", FL_MM_PKEY_MPROTECT, "start", "len", "prot", "pkey"),
	{ "syscalls:sys_enter_munlockall", on_sys_enter, FL_MM_MUNLOCKALL, { SAMPLE } },
	{ "syscalls:sys_exit_munlockall", on_sys_exit, FL_MM_MUNLOCKALL, { SAMPLE, "ret" } },
	{ "sched:sched_process_fork", on_sched_fork, 0, { SAMPLE, "child_comm", "child_pid" } },
	{ "sched:sched_process_exec", on_sched_exec, 0, { SAMPLE, "filename" } },
	{ "sched:sched_process_exit", on_sched_exit, 0, { SAMPLE } },
	{ "sched:sched_switch", on_sched_switch, 0, { SAMPLE, "prev_state", "next_pid" } },
	{ "sched:sched_waking", on_sched_waking, 0, { SAMPLE, "pid" } },
	{ "readahead:page_cache_sync_ra", on_readahead, 0, { SAMPLE, "i_ino", "index" } },
	{ "readahead:page_cache_async_ra", on_readahead, 1, { SAMPLE, "i_ino", "index" } },
	{ "perf_fork", on_perf_fork, 0, { "pid", "ppid", "tid", "ptid" } },
	{ "perf_exit", on_perf_exit, 0, { "pid", "tid" } },
	{ "perf_comm", on_perf_comm, 0, { "pid", "tid", "comm" } },
	{ "perf_mmap2", on_perf_mmap2, 0, { "pid", "tid", "start", "filename" } },
	{ NULL, NULL, 0, { NULL } },
};

const struct fl_dialect fl_dialect_perf_ctf = {
	.name = "perf-ctf",
	.description = "perf data convert --to-ctf",
	.match = match,
	.specs = specs,
	.prepare = prepare,
	.describe = describe,
	.priv_size = sizeof(struct perf_priv),
	.infer_losses = true,
	.on_trace = env_losses,
};
