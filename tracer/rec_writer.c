#include "rec_writer.h"

#include <string.h>

static const char *const names[REC__COUNT] = {
	[REC_FAULT] = "fault", [REC_FAULT_END] = "fault_end", [REC_MM_ENTER] = "mm_call_enter",
	[REC_MM_EXIT] = "mm_call_exit", [REC_LOCK] = "mmap_lock", [REC_TASK] = "task",
	[REC_VMA] = "vma_snapshot", [REC_LOST] = "lost", [REC_SCHED_SWITCH] = "sched_switch",
	[REC_SCHED_WAKING] = "sched_waking", [REC_READAHEAD] = "readahead",
};

const char *rec_type_name(enum rec_type t)
{
	return t < REC__COUNT ? names[t] : "?";
}

const char *rec_str(const char *s)
{
	return s && s[0] ? s : "-";
}

void rec_writer_init(struct rec_writer *w, const struct fl_ust_api *api)
{
	memset(w, 0, sizeof(*w));
	w->api = api;
	fl_map_init(&w->in_call);
	fl_map_init(&w->threads);
	cs_table_init(&w->exec_maps);
}

static uint64_t tid_key(int32_t tid)
{
	return (uint64_t)(uint32_t)tid + 1;
}

int rec_writer_track(struct rec_writer *w, pid_t tid)
{
	w->threads_only = true;
	return fl_map_put(&w->threads, tid_key((int32_t)tid), (void *)1) < 0 ? -1 : 0;
}

/* Whether a waking goes into the trace (see rec_writer.h). */
static bool keep_waking(struct rec_writer *w, const struct fl_ust_sched_waking *k)
{
	const struct fl_ust_sched_waking *l = &w->last_waking;

	if (k->id.tid == 0)
		return false;
	if (w->threads_only && !fl_map_get(&w->threads, tid_key(k->id.tid))) {
		w->waking_foreign++;
		return false;
	}
	if (k->id.ktime == l->id.ktime && k->id.cpu == l->id.cpu && k->id.tid == l->id.tid &&
	    k->woken_tid == l->woken_tid) {
		w->waking_dup++;
		return false;
	}
	w->last_waking = *k;
	return true;
}

/* The executable mappings the call sites are picked from follow the
 * layout in time order (call_site.h); allocation failures only leave
 * call sites unknown. */
static void follow_exec_maps(struct rec_writer *w, const struct rec_ev *ev)
{
	if (ev->type == REC_VMA && ev->perms[2] == 'x')
		cs_table_add(&w->exec_maps, ev->u.vma.pid, ev->u.vma.start, ev->u.vma.end);
	if (ev->type != REC_TASK)
		return;
	if (ev->u.task.kind == FL_UST_TASK_FORK && ev->u.task.child_tid > 0)
		cs_table_fork(&w->exec_maps, ev->u.task.id.pid,
			      ev->u.task.child_pid > 0 ? ev->u.task.child_pid : ev->u.task.child_tid);
	else if (ev->u.task.kind == FL_UST_TASK_EXEC_MM)
		cs_table_exec(&w->exec_maps, ev->u.task.id.pid);
}

static void pick_call_site(struct rec_writer *w, struct rec_ev *ev)
{
	const struct rec_ustack *u = (const struct rec_ustack *)ev->str;
	struct fl_ust_mm_enter *m = &ev->u.mm_enter;

	if (!u)
		return;		/* ppc64: decoded already (the link register) */
	m->call_site = cs_pick(cs_table_get(&w->exec_maps, m->id.pid), u->ip, u->w, u->nwords);
	if (m->call_site)
		w->call_sites++;
}

void rec_write(void *ctx, struct rec_ev *ev)
{
	struct rec_writer *w = ctx;
	const struct fl_ust_api *api = w->api;

	follow_exec_maps(w, ev);
	switch (ev->type) {
	case REC_FAULT:
		api->fault(&ev->u.fault);
		break;
	case REC_FAULT_END:
		api->fault_end(&ev->u.fault_end);
		break;
	case REC_MM_ENTER:
		fl_map_put(&w->in_call, tid_key(ev->u.mm_enter.id.tid), (void *)1);
		pick_call_site(w, ev);
		api->mm_enter(&ev->u.mm_enter);
		break;
	case REC_MM_EXIT:
		fl_map_del(&w->in_call, tid_key(ev->u.mm_exit.id.tid));
		api->mm_exit(&ev->u.mm_exit);
		break;
	case REC_LOCK:
		api->mmap_lock(&ev->u.lock);
		break;
	case REC_TASK:
		ev->u.task.comm = rec_str(ev->comm);
		ev->u.task.filename = rec_str(ev->str);
		/* A recorded thread's new thread or process is recorded (its
		 * events are inherited).  Never forgotten at exit: an exiting
		 * thread still wakes its joiner after its exit event. */
		if (w->threads_only && ev->u.task.child_tid > 0 &&
		    (ev->u.task.kind == FL_UST_TASK_FORK || ev->u.task.kind == FL_UST_TASK_CLONE_THREAD))
			fl_map_put(&w->threads, tid_key(ev->u.task.child_tid), (void *)1);
		if (ev->u.task.kind == FL_UST_TASK_EXIT)
			fl_map_del(&w->in_call, tid_key(ev->u.task.id.tid));
		api->task(&ev->u.task);
		break;
	case REC_VMA:
		if (ev->u.vma.source == FL_UST_VMA_PERF_MMAP2 &&
		    fl_map_get(&w->in_call, tid_key(ev->tid))) {
			w->mmap2_dropped++;
			return;
		}
		ev->u.vma.perms = rec_str(ev->perms);
		ev->u.vma.dev = rec_str(ev->dev);
		ev->u.vma.path = rec_str(ev->str);
		ev->u.vma.vm_flags = ev->has_vmflags && ev->str ? rec_str(ev->str + strlen(ev->str) + 1)
								: "-";
		if (!ev->has_anon)
			ev->u.vma.anon_kb = -1;
		api->vma(&ev->u.vma);
		break;
	case REC_LOST:
		w->lost += ev->u.lost.count;
		api->lost(&ev->u.lost);
		break;
	case REC_SCHED_SWITCH:
		if (ev->u.sched_switch.id.tid == 0)
			return;
		api->sched_switch(&ev->u.sched_switch);
		break;
	case REC_SCHED_WAKING:
		if (!keep_waking(w, &ev->u.sched_waking))
			return;
		api->sched_waking(&ev->u.sched_waking);
		break;
	case REC_READAHEAD:
		api->readahead(&ev->u.readahead);
		break;
	default:
		return;
	}
	w->count[ev->type]++;
	w->total++;
}

void rec_writer_free(struct rec_writer *w)
{
	fl_map_free(&w->in_call);
	fl_map_free(&w->threads);
	cs_table_free(&w->exec_maps);
}
