#include "trace_summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "thread_order.h"

void fl_summary_init(struct fl_trace_summary *s)
{
	memset(s, 0, sizeof(*s));
	fl_map_init(&s->threads);
}

void fl_summary_free(struct fl_trace_summary *s)
{
	size_t it = 0;
	void *v;

	while (fl_map_next(&s->threads, &it, NULL, &v))
		free(v);
	fl_map_free(&s->threads);
}

static struct fl_thread_sum *thread(struct fl_trace_summary *s, int32_t pid, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)tid + 1;
	struct fl_thread_sum *t;

	if (tid < 0)
		return NULL;
	t = fl_map_get(&s->threads, key);
	if (t) {
		if (t->pid < 0 && pid >= 0)
			t->pid = pid;
		return t;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pid = pid;
	t->tid = tid;
	if (fl_map_put(&s->threads, key, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void set_comm(struct fl_thread_sum *t, const char *comm)
{
	if (t && comm[0])
		snprintf(t->comm, sizeof(t->comm), "%s", comm);
}

int fl_summary_add(struct fl_trace_summary *s, const struct fl_event *ev)
{
	struct fl_thread_sum *t = NULL;

	s->kinds[ev->kind]++;
	/* The scheduler's and readahead's events are context, not a thread's
	 * own activity: they do not make a thread appear. */
	if (ev->kind != FL_EV_LOST && ev->kind != FL_EV_VMA_SNAPSHOT && ev->kind != FL_EV_SCHED &&
	    ev->kind != FL_EV_READAHEAD) {
		t = thread(s, ev->pid, ev->tid);
		if (!t && ev->tid >= 0)
			return -ENOMEM;
	}
	switch (ev->kind) {
	case FL_EV_FAULT: {
		uint32_t a = ev->u.fault.access;

		if (ev->tid < 0) {
			s->kinds[FL_EV_FAULT]--;
			s->fault_no_thread++;
			break;
		}
		/* ppc64's software event carries TRAP and DSISR (a trap is
		 * set): its access bits are real. */
		if (ev->u.fault.source == FL_SRC_SW_EVENT && !ev->u.fault.trap)
			s->fault_sw++;
		else if (a & FL_ACC_EXEC)
			s->fault_exec++;
		else if (a & FL_ACC_WRITE)
			s->fault_write++;
		else
			s->fault_read++;
		if (a & FL_ACC_PROT)
			s->fault_prot++;
		if (ev->u.fault.trap)
			s->fault_ppc64++;
		if (t) {
			t->faults++;
			fl_gt_fault(&t->gt);
		}
		break;
	}
	case FL_EV_FAULT_END:
		if (ev->u.fault_end.major)
			s->fault_major++;
		else
			s->fault_minor++;
		if (t) {
			struct fl_gt_result r;

			fl_gt_end(&t->gt, &r);
			if (r.gt == FL_GT_FALLBACK) {
				t->fallbacks++;
				s->fallbacks++;
			} else if (r.gt == FL_GT_VMA && r.detail[0]) {
				s->anon_trylocks++;
			}
		}
		break;
	case FL_EV_MMAP_LOCK:
		s->lock[ev->u.lock.phase]++;
		if (ev->u.lock.write)
			s->lock_write++;
		/* Ground truth (docs/design.md §7, ground_truth.h). */
		if (t)
			fl_gt_lock(&t->gt, &ev->u.lock, ev->t);
		break;
	case FL_EV_MM_CALL:
		s->mm[ev->u.mm_call.kind]++;
		if (ev->u.mm_call.has_exit && ev->u.mm_call.ret < 0 && ev->u.mm_call.ret > -4096)
			s->mm_failed++;
		if (t)
			t->mm_calls++;
		break;
	case FL_EV_VMA_SNAPSHOT:
		if (ev->u.vma.end_known)
			s->vma_known++;
		else
			s->vma_inferred++;
		break;
	case FL_EV_TASK:
		s->task[ev->u.task.kind]++;
		if (ev->u.task.kind == FL_TASK_COMM || ev->u.task.kind == FL_TASK_EXEC) {
			set_comm(t, ev->u.task.comm);
		} else if (ev->u.task.kind == FL_TASK_FORK || ev->u.task.kind == FL_TASK_CLONE_THREAD) {
			struct fl_thread_sum *c = thread(s, ev->u.task.child_pid, ev->u.task.child_tid);
			if (c) {
				/* A new thread starts with its parent's name. */
				set_comm(c, ev->u.task.comm[0] ? ev->u.task.comm : (t ? t->comm : ""));
			}
		}
		break;
	case FL_EV_LOST:
		if (ev->u.lost.packets)
			s->lost_packets += ev->u.lost.count;
		else
			s->lost_events += ev->u.lost.count;
		break;
	case FL_EV_SCHED:
		if ((unsigned)ev->u.sched.kind < FL_SCHED__COUNT)
			s->sched[ev->u.sched.kind]++;
		break;
	case FL_EV_READAHEAD:
		if (ev->u.ra.async)
			s->ra_async++;
		break;
	case FL_EV__COUNT:
		break;
	}
	return 0;
}

FL_THREAD_ORDER_CHECK(struct fl_thread_sum);

struct fl_thread_sum **fl_summary_threads(const struct fl_trace_summary *s, size_t *n)
{
	return (struct fl_thread_sum **)fl_threads_sorted(&s->threads, 0, n);
}

bool fl_summary_usable(const struct fl_trace_summary *s)
{
	return s->kinds[FL_EV_FAULT] || s->kinds[FL_EV_MM_CALL] || s->kinds[FL_EV_MMAP_LOCK];
}

static void cap(struct fl_capability *c, const char *what, enum fl_support sup,
		const char *why)
{
	c->what = what;
	c->support = sup;
	snprintf(c->why, sizeof(c->why), "%s", why);
}

void fl_summary_capabilities(const struct fl_trace_summary *s,
			     const struct fl_ingest_result *res,
			     struct fl_capability caps[FL_NCAPS])
{
	const char *dialect = res->meta.dialect ? res->meta.dialect->name : "";
	bool perf = strcmp(dialect, "perf-ctf") == 0;
	char missing[96] = "", why[160];
	size_t off = 0;
	int nmissing = 0;

	if (!s->kinds[FL_EV_FAULT])
		cap(&caps[0], "faults", FL_SUPPORT_NO, "no page-fault events");
	else if (s->fault_sw == s->kinds[FL_EV_FAULT])
		cap(&caps[0], "faults", FL_SUPPORT_PARTIAL,
		    "page-faults software event: address only, no access bits");
	else if (s->fault_ppc64 == s->kinds[FL_EV_FAULT])
		cap(&caps[0], "faults", FL_SUPPORT_YES,
		    "page-faults event with ppc64 trap and DSISR");
	else
		cap(&caps[0], "faults", FL_SUPPORT_YES, "page-fault tracepoint with error code");

	if (s->kinds[FL_EV_FAULT_END])
		cap(&caps[1], "fault end (minor/major)", FL_SUPPORT_YES,
		    "minor-faults/major-faults events present");
	else
		cap(&caps[1], "fault end (minor/major)", FL_SUPPORT_NO,
		    perf ? "no minor-faults/major-faults events"
			 : "the tracer has no end-of-fault event");

	if (s->kinds[FL_EV_MMAP_LOCK])
		cap(&caps[2], "fallback ground truth", FL_SUPPORT_YES, "mmap_lock events present");
	else
		cap(&caps[2], "fallback ground truth", FL_SUPPORT_NO,
		    perf ? "no mmap_lock events (record -e 'mmap_lock:*')"
			 : "no mmap_lock events in this dialect");

	/* The mlock family is rare: a trace without it misses nothing. */
	for (int k = 0; k < FL_MM__CORE; k++) {
		if (!s->mm[k]) {
			off += (size_t)snprintf(missing + off, off < sizeof(missing) ? sizeof(missing) - off : 0,
						"%s%s", nmissing ? " " : "", fl_mm_kind_name((enum fl_mm_kind)k));
			nmissing++;
		}
	}
	snprintf(why, sizeof(why), "none seen of: %s", missing);
	if (!s->kinds[FL_EV_MM_CALL])
		cap(&caps[3], "mm calls", FL_SUPPORT_NO, "no mmap-family syscall events");
	else if (nmissing)
		cap(&caps[3], "mm calls", FL_SUPPORT_PARTIAL, why);
	else
		cap(&caps[3], "mm calls", FL_SUPPORT_YES, "all six kinds seen");

	if (s->vma_known)
		cap(&caps[4], "VMA extents at start", FL_SUPPORT_YES, "/proc/PID/maps snapshot");
	else if (s->vma_inferred)
		cap(&caps[4], "VMA extents at start", FL_SUPPORT_PARTIAL,
		    "inferred, perf_mmap2 has no length");
	else
		cap(&caps[4], "VMA extents at start", FL_SUPPORT_NO,
		    perf ? "no perf_mmap2 records (convert with --all)"
			 : "no VMA statedump: layouts start empty");

	if (s->task[FL_TASK_FORK] || s->task[FL_TASK_CLONE_THREAD] || s->task[FL_TASK_EXIT])
		cap(&caps[5], "process lifecycle", FL_SUPPORT_YES, "fork/clone/exit events present");
	else
		cap(&caps[5], "process lifecycle", FL_SUPPORT_NO, "no fork, clone or exit events");

	/* The replay's evidence for a writer's vma_start_write() moment and
	 * for file faults that waited on the page cache. */
	if (s->sched[FL_SCHED_SWITCH] && s->sched[FL_SCHED_WAKING])
		cap(&caps[6], "writer/fault order", FL_SUPPORT_YES, "sched_switch, sched_waking present");
	else
		cap(&caps[6], "writer/fault order", FL_SUPPORT_NO,
		    "no sched_switch/sched_waking events");
	if (s->kinds[FL_EV_READAHEAD] && s->sched[FL_SCHED_SWITCH])
		cap(&caps[7], "page-cache waits", FL_SUPPORT_YES, "readahead and sched_switch present");
	else if (s->sched[FL_SCHED_SWITCH])
		cap(&caps[7], "page-cache waits", FL_SUPPORT_PARTIAL,
		    "sched_switch only, no readahead events");
	else
		cap(&caps[7], "page-cache waits", FL_SUPPORT_NO, "no readahead or sched_switch events");

	if (res->inferred_losses)
		cap(&caps[8], "complete", FL_SUPPORT_NO, "syscalls cut in half: perf lost records");
	else if (s->lost_events || s->lost_packets)
		cap(&caps[8], "complete", FL_SUPPORT_NO, "the tracer discarded events (see lost)");
	else if (res->losses_inferred)
		cap(&caps[8], "complete", FL_SUPPORT_PARTIAL,
		    "perf's losses not in the trace; none inferred");
	else
		cap(&caps[8], "complete", FL_SUPPORT_YES, "no discarded events reported");
}
