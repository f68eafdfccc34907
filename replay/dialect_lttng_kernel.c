/* The lttng-kernel dialect: traces written by LTTng's kernel tracer
 * (lttng-modules 2.13), recorded with
 *   lttng enable-event -k x86_exceptions_page_fault_user,sched_process_fork,
 *       sched_process_exec,sched_process_exit
 *   lttng enable-event -k --syscall mmap,munmap,mprotect,mremap,brk,madvise
 *       (and mlock,mlock2,munlock,mlockall,munlockall,pkey_mprotect, which
 *       the replay uses when present)
 *   lttng add-context -k -t pid -t tid -t procname
 * Event and field names follow lttng-modules' instrumentation headers:
 * instrumentation/events/arch/x86/exceptions.h, the generated x86-64 syscall
 * headers (syscall_entry_<name> carries the syscall's arguments by their
 * kernel names, syscall_exit_<name> carries ret), and
 * instrumentation/events/sched.h.  The thread and process ids come from the
 * pid/tid contexts, so a trace without them is refused.  lttng-modules has
 * no end-of-fault event and no mmap_lock events, and its VMA statedump is
 * never emitted, so layouts start empty.
 */
#include <errno.h>
#include <string.h>

#include "bt_fields.h"
#include "dialect.h"

static int match(const struct fl_trace_env *env)
{
	if (strcmp(env->tracer_name, "lttng-modules") == 0)
		return 100;
	/* Older or hand-made traces: kernel domain, LTTng-looking. */
	if (strcmp(env->domain, "kernel") == 0 && strncmp(env->tracer_name, "lttng", 5) == 0)
		return 50;
	return 0;
}

static void describe(const struct fl_trace_env *env, char *arch, size_t len, uint32_t *page_size)
{
	uint64_t n = bt_stream_class_get_event_class_count(env->stream_class);

	/* lttng-modules' environment has no machine name; its page-fault
	 * events exist only on x86 and carry the arch in their name. */
	arch[0] = '\0';
	*page_size = 0;
	for (uint64_t i = 0; i < n; i++) {
		const char *en = bt_event_class_get_name(
			bt_stream_class_borrow_event_class_by_index_const(env->stream_class, i));
		if (en && strncmp(en, "x86_exceptions_", 15) == 0) {
			snprintf(arch, len, "x86_64");
			*page_size = 4096;
			return;
		}
	}
}

static int prepare(struct fl_decoder *d, const bt_stream_class *sc, struct fl_err *err)
{
	const bt_field_class *cfc = bt_stream_class_borrow_event_common_context_field_class_const(sc);

	(void)d;
	if (fl_struct_member_index(cfc, "tid") < 0 || fl_struct_member_index(cfc, "pid") < 0) {
		fl_err_set(err, -EPROTO, "lttng kernel trace without the pid and tid contexts: "
			   "faults cannot be given to threads");
		fl_err_hint(err, "record with: lttng add-context -k -t pid -t tid -t procname");
		return err->code;
	}
	return 0;
}

static int on_fault(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_FAULT, &ev);
	fl_fault_from_x86_tracepoint(&ev.u.fault, fl_member_u64(raw->payload, b->idx[0], NULL),
				     fl_member_u64(raw->payload, b->idx[1], NULL),
				     fl_member_u64(raw->payload, b->idx[2], NULL));
	return fl_decoder_emit(d, &ev);
}

static int on_sys_entry(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;
	uint64_t args[6] = {0};

	fl_decoder_init_event(d, b, raw, FL_EV_MM_CALL, &ev);
	for (int i = 0; i < 6 && b->spec->fields[i]; i++)
		args[i] = fl_member_u64(raw->payload, b->idx[i], NULL);
	return fl_decoder_mm_enter(d, &ev, (enum fl_mm_kind)b->spec->arg, args);
}

/* lttng-modules writes mmap's flags as a structure of two enumerations
 * (syscalls_integers_override.h): `type` is flags & MAP_TYPE and `options`
 * is the rest shifted right by 4.  Put the kernel's flags word back. */
static uint64_t mmap_flags(const bt_field *payload, uint64_t idx)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(payload, idx);
	const bt_field_class *fc = bt_field_borrow_class_const(f);
	int64_t type, options;

	if (bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return fl_member_u64(payload, idx, NULL);
	type = fl_struct_member_index(fc, "type");
	options = fl_struct_member_index(fc, "options");
	return (type >= 0 ? fl_member_u64(f, (uint64_t)type, NULL) : 0) |
	       (options >= 0 ? fl_member_u64(f, (uint64_t)options, NULL) << 4 : 0);
}

static int on_mmap_entry(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;
	uint64_t args[6];

	fl_decoder_init_event(d, b, raw, FL_EV_MM_CALL, &ev);
	for (int i = 0; i < 6; i++)
		args[i] = fl_member_u64(raw->payload, b->idx[i], NULL);
	args[3] = mmap_flags(raw->payload, b->idx[3]);
	return fl_decoder_mm_enter(d, &ev, FL_MM_MMAP, args);
}

static int on_sys_exit(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_MM_CALL, &ev);
	return fl_decoder_mm_exit(d, &ev, (enum fl_mm_kind)b->spec->arg,
				  fl_member_i64(raw->payload, b->idx[0], NULL));
}

/* sched_process_fork carries both ids of both sides: a child in its
 * parent's thread group is a thread. */
static int on_fork(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;
	int32_t parent_pid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	int32_t parent_tid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.pid = parent_pid;
	ev.tid = parent_tid;
	ev.u.task.child_pid = (int32_t)fl_member_i64(raw->payload, b->idx[2], NULL);
	ev.u.task.child_tid = (int32_t)fl_member_i64(raw->payload, b->idx[3], NULL);
	snprintf(ev.u.task.comm, sizeof(ev.u.task.comm), "%s", fl_member_str(raw->payload, b->idx[4]));
	if (ev.u.task.child_pid == parent_pid) {
		ev.u.task.kind = FL_TASK_CLONE_THREAD;
		ev.u.task.clone_vm_known = ev.u.task.clone_vm = true;
	} else {
		ev.u.task.kind = FL_TASK_FORK;
	}
	return fl_decoder_emit(d, &ev);
}

static int on_task(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.u.task.kind = (enum fl_task_kind)b->spec->arg;
	return fl_decoder_emit(d, &ev);
}

/* After exec a task's comm is its file's base name (fs/exec.c,
 * __set_task_comm(me, kbasename(bprm->filename))). */
static int on_exec(struct fl_decoder *d, const struct fl_binding *b, const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.u.task.kind = FL_TASK_EXEC;
	fl_task_comm_from_path(&ev.u.task, fl_member_str(raw->payload, b->idx[0]));
	return fl_decoder_emit(d, &ev);
}

/* The statedump names the threads alive when tracing started. */
static int on_statedump_process(struct fl_decoder *d, const struct fl_binding *b,
				const struct fl_raw *raw)
{
	struct fl_event ev;

	fl_decoder_init_event(d, b, raw, FL_EV_TASK, &ev);
	ev.tid = (int32_t)fl_member_i64(raw->payload, b->idx[0], NULL);
	ev.pid = (int32_t)fl_member_i64(raw->payload, b->idx[1], NULL);
	ev.u.task.kind = FL_TASK_COMM;
	snprintf(ev.u.task.comm, sizeof(ev.u.task.comm), "%s", fl_member_str(raw->payload, b->idx[2]));
	return fl_decoder_emit(d, &ev);
}

#define SYSCALL(n, kind, ...)                                                    \
	{ "syscall_entry_" n, on_sys_entry, kind, { __VA_ARGS__ } },             \
	{ "syscall_exit_" n, on_sys_exit, kind, { "ret" } }

static const struct fl_event_spec specs[] = {
	{ "x86_exceptions_page_fault_user", on_fault, 0, { "address", "ip", "error_code" } },
	{ "syscall_entry_mmap", on_mmap_entry, FL_MM_MMAP,
	  { "addr", "len", "prot", "flags", "fd", "offset" } },
	{ "syscall_exit_mmap", on_sys_exit, FL_MM_MMAP, { "ret" } },
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
	{ "syscall_entry_munlockall", on_sys_entry, FL_MM_MUNLOCKALL, { NULL } },
	{ "syscall_exit_munlockall", on_sys_exit, FL_MM_MUNLOCKALL, { "ret" } },
	{ "sched_process_fork", on_fork, 0,
	  { "parent_pid", "parent_tid", "child_pid", "child_tid", "child_comm" } },
	{ "sched_process_exec", on_exec, FL_TASK_EXEC, { "filename" } },
	{ "sched_process_exit", on_task, FL_TASK_EXIT, { NULL } },
	{ "lttng_statedump_process_state", on_statedump_process, 0, { "tid", "pid", "name" } },
	{ NULL, NULL, 0, { NULL } },
};

const struct fl_dialect fl_dialect_lttng_kernel = {
	.name = "lttng-kernel",
	.description = "LTTng kernel tracer (lttng-modules)",
	.match = match,
	.specs = specs,
	.ctx_pid = "pid",
	.ctx_tid = "tid",
	.prepare = prepare,
	.describe = describe,
};
