/* Processes and threads: one mm model per address space (mmctx), threads
 * bound to it, and fork/exec/exit as the kernel rebinds them (replay/README.md,
 * "Whose address space a fault is in"). */
#include "engine_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fl_array.h"
#include "thread_order.h"

void eng_mm_destroy(struct mmctx *mm)
{
	for (size_t i = 0; i < mm->nopen; i++)
		eng_writer_put(mm->open[i]);
	for (size_t i = 0; i < mm->nrecent; i++)
		eng_writer_put(mm->recent[i]);
	free(mm->open);
	fl_mm_free(&mm->mm);
	fl_pgt_free(&mm->pt);
	free(mm);
}

/* A new, empty address space, bound to no pid yet.  An mmctx lives until
 * the engine is freed: faults in the queue and open writers may still
 * point at one whose process has exec'd or exited. */
static struct mmctx *mm_new(struct fl_engine *e, int32_t pid)
{
	struct mmctx *mm;

	if (fl_array_grow((void **)&e->all_mms, &e->capall_mms, e->nall_mms + 1,
			  sizeof(*e->all_mms)) < 0)
		return NULL;
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->pid = pid;
	fl_mm_init(&mm->mm, e->page_shift, e->arch, e->kver);
	fl_pgt_init(&mm->pt, e->pgt);
	mm->pt.kver = e->kver;
	e->all_mms[e->nall_mms++] = mm;
	return mm;
}

/* Make pid's address space mm (fork with CLONE_VM shares the parent's;
 * exec gives the process a new one). */
static int mm_bind(struct fl_engine *e, int32_t pid, struct mmctx *mm)
{
	uint64_t key = (uint64_t)(uint32_t)pid + 1;
	struct mmctx *old = fl_map_get(&e->mms, key);

	if (old == mm)
		return 0;
	if (fl_map_put(&e->mms, key, mm) < 0)
		return -ENOMEM;
	if (old && old->refs)
		old->refs--;
	mm->refs++;
	return 0;
}

/* pid's address space, NULL none yet. */
static struct mmctx *mm_find(struct fl_engine *e, int32_t pid)
{
	return fl_map_get(&e->mms, (uint64_t)(uint32_t)pid + 1);
}

struct mmctx *eng_mm_get(struct fl_engine *e, int32_t pid)
{
	struct mmctx *mm = mm_find(e, pid);

	if (mm)
		return mm;
	mm = mm_new(e, pid);
	if (!mm || mm_bind(e, pid, mm) < 0)
		return NULL;
	return mm;
}

int eng_mm_kernel(struct fl_engine *e, struct thread *t, uint64_t kmm)
{
	struct mmctx *mm = t->mm, *pm;
	size_t it = 0;
	void *val;

	if (!kmm || !mm || mm->kmm)
		return 0;
	pm = mm->fork_parent ? mm_find(e, mm->fork_parent - 1) : NULL;
	mm->fork_parent = 0;
	if (!pm || pm == mm || !pm->refs || pm->kmm != kmm) {
		mm->kmm = kmm;
		return 0;
	}
	/* vfork or posix_spawn: the child runs on its parent's mm until it
	 * execs.  Its process and threads move there; the copy made at the
	 * fork is left unused. */
	if (mm_bind(e, t->pub.pid, pm) < 0)
		return -ENOMEM;
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		struct thread *o = val;

		if (o->pub.pid != t->pub.pid || o->exited || o->mm != mm)
			continue;
		o->mm = pm;
		if (mm->threads)
			mm->threads--;
		pm->threads++;
	}
	return 0;
}

struct thread *eng_thread_get(struct fl_engine *e, int32_t pid, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)tid + 1;
	struct thread *t;

	if (tid < 0)
		return NULL;
	t = fl_map_get(&e->threads, key);
	if (t) {
		if (t->pub.pid < 0 && pid >= 0) {
			t->pub.pid = pid;
			t->mm = eng_mm_get(e, pid);
			if (t->mm)
				t->mm->threads++;
		}
		return t;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pub.pid = pid;
	t->pub.tid = tid;
	if (pid >= 0) {
		t->mm = eng_mm_get(e, pid);
		if (!t->mm) {
			free(t);
			return NULL;
		}
		t->mm->threads++;
	}
	if (fl_map_put(&e->threads, key, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* exec_mmap(): the process gets a new mm; the old one goes on only for
 * the processes still sharing it (a vfork parent).  de_thread() has left
 * the exec'ing thread the only one of its process.  With keep_snap, the
 * mappings reported just before (an EXEC event with no EXEC_MM before it:
 * the exec's new image, reported before the exec event) move over. */
static int exec_replace(struct fl_engine *e, struct thread *t, int32_t pid, bool keep_snap)
{
	struct mmctx *old = t->mm, *mm = mm_new(e, pid);
	size_t it = 0;
	void *val;

	if (!mm)
		return oom(e);
	if (old && keep_snap && old->snap_run) {
		for (size_t i = 0; i < fl_vma_count(&old->mm.vmas); i++) {
			const struct fl_vma *v = fl_vma_at(&old->mm.vmas, i);

			if (v->id >= old->snap_first_id && fl_mm_add_vma(&mm->mm, v, NULL) == -ENOMEM)
				return oom(e);
		}
	}
	if (old) {
		mm->layout_known = !keep_snap || old->snap_run;
		old->snap_run = false;
	}
	if (mm_bind(e, pid, mm) < 0)
		return oom(e);
	while (fl_map_next(&e->threads, &it, NULL, &val)) {
		struct thread *o = val;

		if (o == t || o->pub.pid != pid || o->exited)
			continue;
		o->exited = true;
		if (o->mm && o->mm->threads)
			o->mm->threads--;
	}
	if (old && old->threads)
		old->threads--;
	t->mm = mm;
	t->pub.pid = pid;
	mm->threads = 1;
	return 0;
}

/* exec_mmap(): the process has its new mm, which the mappings reported
 * next fill; its EXEC event comes after them (eng_on_task()). */
static int exec_mm(struct fl_engine *e, struct thread *t, int32_t pid)
{
	int rc = exec_replace(e, t, pid, false);

	if (rc == 0)
		t->mm->exec_image = true;
	return rc;
}

/* A mapping reported for a process that runs on another's mm (a vfork or
 * posix_spawn child): perf reports no exec_mmap(), and such a child maps
 * nothing of its own before its exec, so this is its new image, and the
 * exec has given it its own mm.  0, or a negative code. */
int eng_shared_mm_snapshot(struct fl_engine *e, struct thread *t)
{
	if (!t->mm || t->mm->refs < 2 || t->mm->pid == t->pub.pid || t->pub.pid < 0)
		return 0;
	return exec_mm(e, t, t->pub.pid);
}

/* A ring lost records, or LTTng events or packets: any process may have
 * made a call or a fault the trace does not show (a ring is per CPU, and
 * which threads ran there is itself in the records).  From now on a hole
 * in its layout may be a mapping whose mmap was lost, and its VMAs may
 * have other flags, another extent or an anon_vma: eng_on_fault() does
 * not predict from them.  A process created later, or an exec, starts
 * afresh; a fork copies the doubt. */
void eng_on_loss(struct fl_engine *e, const struct fl_event *ev)
{
	size_t it = 0;
	void *val;

	if (!ev->u.lost.count)
		return;
	e->layouts = true;
	while (fl_map_next(&e->mms, &it, NULL, &val)) {
		struct mmctx *mm = val;

		mm->lossy = true;
		mm->layout_known = false;
		for (size_t i = 0; i < fl_vma_count(&mm->mm.vmas); i++)
			fl_vma_at(&mm->mm.vmas, i)->stale = true;
	}
}

int eng_on_task(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	const struct fl_task *k = &ev->u.task;

	switch (k->kind) {
	case FL_TASK_COMM:
	case FL_TASK_EXEC:
	case FL_TASK_EXEC_MM:
		/* A thread alive when the recorder attached: the trace reads
		 * the layouts of such processes, each later, so until its own
		 * read a fault outside its traced calls is unplaced
		 * (mmctx.layout_known), even before the first read of all. */
		if (k->at_attach)
			e->layouts = true;
		if (t && k->comm[0])
			snprintf(t->pub.comm, sizeof(t->pub.comm), "%s", k->comm);
		if (!t || ev->pid < 0)
			break;
		if (k->kind == FL_TASK_EXEC_MM)
			return exec_mm(e, t, ev->pid);
		if (k->kind == FL_TASK_EXEC) {
			/* The trace said when exec_mmap() replaced the mm
			 * (FL_TASK_EXEC_MM): the new image is in place. */
			if (t->mm && t->mm->exec_image) {
				t->mm->exec_image = false;
				t->mm->snap_run = false;
				return 0;
			}
			return exec_replace(e, t, ev->pid, true);
		}
		break;
	case FL_TASK_FORK:
	case FL_TASK_CLONE_THREAD: {
		struct thread *c;
		bool same_mm = k->kind == FL_TASK_CLONE_THREAD || (k->clone_vm_known && k->clone_vm);

		if (k->child_tid < 0)
			break;
		if (k->kind == FL_TASK_FORK && same_mm && t && t->mm) {
			/* vfork, posix_spawn, clone(CLONE_VM) without
			 * CLONE_THREAD: a process of its own on the parent's
			 * mm, until its exec gives it one. */
			if (mm_bind(e, k->child_pid, t->mm) < 0)
				return oom(e);
			c = eng_thread_get(e, k->child_pid, k->child_tid);
		} else if (same_mm || !t || !t->mm) {
			c = eng_thread_get(e, same_mm && t ? t->pub.pid : k->child_pid,
					   k->child_tid);
		} else {
			struct mmctx *child = eng_mm_get(e, k->child_pid);

			if (!child)
				return oom(e);
			if (!k->clone_vm_known)
				child->fork_parent = ev->pid + 1;
			/* dup_mmap(): the child starts with a copy of the
			 * parent's VMAs (VM_DONTCOPY ones excepted). */
			if (!fl_vma_count(&child->mm.vmas)) {
				child->layout_known = t->mm->layout_known;
				child->lossy = t->mm->lossy;
				for (size_t i = 0; i < fl_vma_count(&t->mm->mm.vmas); i++) {
					struct fl_vma v = *fl_vma_at(&t->mm->mm.vmas, i);

					if (v.flags & FL_VM_DONTCOPY)
						continue;
					v.anon_vma_fork_child = v.anon_vma;
					v.written_cycle = 0;
					if (fl_mm_add_vma(&child->mm, &v, NULL) == -ENOMEM)
						return oom(e);
				}
				if (fl_mm_copy_tails(&child->mm, &t->mm->mm) < 0)
					return oom(e);
			}
			c = eng_thread_get(e, k->child_pid, k->child_tid);
		}
		if (!c)
			return oom(e);
		if (t && !c->pub.comm[0])
			snprintf(c->pub.comm, sizeof(c->pub.comm), "%s",
				 k->comm[0] ? k->comm : t->pub.comm);
		break;
	}
	case FL_TASK_EXIT:
		if (t && !t->exited) {
			t->exited = true;
			if (t->mm && t->mm->threads)
				t->mm->threads--;
		}
		break;
	case FL_TASK__COUNT:
		break;
	}
	return 0;
}

struct thread *eng_thread_find(struct fl_engine *e, int32_t tid)
{
	return tid < 0 ? NULL : fl_map_get(&e->threads, (uint64_t)(uint32_t)tid + 1);
}

FL_THREAD_ORDER_CHECK(struct fl_engine_thread);

/* The map holds struct thread; the list, each one's pub. */
struct fl_engine_thread **fl_engine_threads(const struct fl_engine *e, size_t *n)
{
	return (struct fl_engine_thread **)fl_threads_sorted(&e->threads,
							     offsetof(struct thread, pub), n);
}
