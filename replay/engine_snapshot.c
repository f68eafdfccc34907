/* Layout snapshots (/proc/PID/maps, perf MMAP2, the exec's new image): each
 * mapping reported as a VMA of the model, with the flags the trace gives. */
#include "engine_state.h"

#include <errno.h>
#include <string.h>

/* The vm_flags a mapping's permissions give (mmap's calc_vm_prot_bits()
 * and calc_vm_flag_bits(); a private mapping may become anything). */
static uint64_t perms_flags(const char *perms)
{
	uint64_t f = 0;

	if (perms[0] == 'r')
		f |= FL_VM_READ;
	if (perms[1] == 'w')
		f |= FL_VM_WRITE;
	if (perms[2] == 'x')
		f |= FL_VM_EXEC;
	if (perms[3] == 's')
		return f | FL_VM_SHARED | FL_VM_MAYSHARE | FL_VM_MAYREAD | FL_VM_MAYEXEC |
		       (f & FL_VM_WRITE ? FL_VM_MAYWRITE : 0);
	return f | FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC;
}

/* smaps VmFlags (fs/proc/task_mmu.c show_smap_vma_flags()): the vm_flags
 * themselves, where the trace has them. */
static uint64_t smaps_flags(const char *s)
{
	static const struct { char m[3]; uint64_t f; } mn[] = {
		{ "rd", FL_VM_READ }, { "wr", FL_VM_WRITE }, { "ex", FL_VM_EXEC },
		{ "sh", FL_VM_SHARED }, { "mr", FL_VM_MAYREAD }, { "mw", FL_VM_MAYWRITE },
		{ "me", FL_VM_MAYEXEC }, { "ms", FL_VM_MAYSHARE }, { "gd", FL_VM_GROWSDOWN },
		{ "pf", FL_VM_PFNMAP }, { "lo", FL_VM_LOCKED }, { "io", FL_VM_IO },
		{ "sr", FL_VM_SEQ_READ }, { "rr", FL_VM_RAND_READ }, { "dc", FL_VM_DONTCOPY },
		{ "de", FL_VM_DONTEXPAND }, { "lf", FL_VM_LOCKONFAULT }, { "ac", FL_VM_ACCOUNT },
		{ "nr", FL_VM_NORESERVE }, { "ht", FL_VM_HUGETLB }, { "sf", FL_VM_SYNC },
		{ "wf", FL_VM_WIPEONFORK }, { "dd", FL_VM_DONTDUMP }, { "sd", FL_VM_SOFTDIRTY },
		{ "mm", FL_VM_MIXEDMAP }, { "hg", FL_VM_HUGEPAGE }, { "nh", FL_VM_NOHUGEPAGE },
		{ "mg", FL_VM_MERGEABLE }, { "um", FL_VM_UFFD_MISSING }, { "uw", FL_VM_UFFD_WP },
	};
	uint64_t f = 0;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!s[0] || !s[1])
			break;
		for (size_t i = 0; i < sizeof(mn) / sizeof(mn[0]); i++)
			if (s[0] == mn[i].m[0] && s[1] == mn[i].m[1])
				f |= mn[i].f;
		s += 2;
	}
	return f;
}

/* Mappings of shmem, by the names /proc and perf give them, and what
 * each name says of the VMA.  Their faults go to shmem_fault(), not
 * filemap_fault() (strategy_pervma.c). */
struct shmem_name {
	const char *name;
	bool prefix;		/* name begins the path, or is all of it */
	/* Always mapped shared: what a mapping without its permissions
	 * (perf MMAP2) still is. */
	bool shared;
	/* vm_ops without ->map_pages: shmat()'s shm_vm_ops wrap shmem's
	 * ->fault only, so vmf_can_call_fault() sends their faults to
	 * mmap_lock (6.7+), as a special mapping's. */
	bool no_map_pages;
};

static const struct shmem_name *snapshot_shmem(const char *path)
{
	static const struct shmem_name names[] = {
		/* MAP_SHARED|MAP_ANONYMOUS: shmem_zero_setup()'s file, unlinked */
		{ "/dev/zero (deleted)", false, true, false },
		{ "/SYSV", true, true, true },		/* SysV shared memory (shmat()) */
		{ "/memfd:", true, false, false },	/* memfd_create() */
		{ "/dev/shm/", true, false, false },	/* POSIX shared memory */
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].prefix ? !strncmp(path, names[i].name, strlen(names[i].name))
				    : !strcmp(path, names[i].name))
			return &names[i];
	return NULL;
}

static void snapshot_kind(struct fl_vma *v, const char *path)
{
	static const char *const special[] = { "[vdso]", "[vvar]", "[vsyscall]", "[uprobes]",
					       "[vvar_vclock]", NULL };
	uint64_t h = 1469598103934665603ULL;
	const struct shmem_name *shmem;

	v->flags = FL_VM_READ | FL_VM_WRITE | FL_VM_EXEC | FL_VM_MAYREAD | FL_VM_MAYWRITE |
		   FL_VM_MAYEXEC;
	for (int i = 0; special[i]; i++) {
		if (!strcmp(path, special[i])) {
			v->kind = FL_VMA_SPECIAL;
			v->flags = FL_VM_READ | FL_VM_EXEC | FL_VM_MAYREAD | FL_VM_MAYEXEC | FL_VM_IO;
			return;
		}
	}
	if (!strcmp(path, "[stack]")) {
		v->kind = FL_VMA_STACK;
		v->flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE |
			   FL_VM_MAYEXEC | FL_VM_GROWSDOWN | FL_VM_ACCOUNT;
		v->anon_vma = true;	/* the exec wrote argv and envp there */
		return;
	}
	if (!strcmp(path, "[heap]")) {
		v->kind = FL_VMA_HEAP;
		v->anon_vma = true;
		return;
	}
	if (!path[0] || !strcmp(path, "//anon") || path[0] == '[') {
		v->kind = FL_VMA_ANON;
		v->anon_vma = true;	/* unknown: the common case once used */
		return;
	}
	shmem = snapshot_shmem(path);
	v->kind = shmem ? FL_VMA_SHMEM : FL_VMA_FILE;
	v->no_map_pages = shmem && shmem->no_map_pages;
	if (shmem && shmem->shared)
		v->flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	for (const char *c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	v->file_id = (h & ~(FL_MM_FILE_FD | FL_MM_FILE_ANON)) | 1;
}

/* The vm_flags of a mapping whose VmFlags the trace lacks (the recorder
 * read maps and smaps apart, and a busy process changed the mapping in
 * between): the permissions, plus VM_ACCOUNT where the kernel sets it,
 * since a merge needs equal flags (is_mergeable_vma()) and a model VMA
 * without it would stay apart from its charged neighbours.  A private
 * writable mapping was charged when it was made or made writable
 * (accountable_mapping(), mprotect_fixup()); a private anonymous one that
 * lost write keeps the charge while it has an anon_vma, which the
 * snapshot takes it to have.  MAP_NORESERVE ("nr") cannot be told from
 * maps, and PROT_NONE guards are taken as never charged (the thread
 * stacks' guards are made before any page is touched). */
static uint64_t snapshot_unknown_flags(const struct fl_vma *v, const char *perms)
{
	uint64_t f = (v->flags & ~(FL_VM_READ | FL_VM_WRITE | FL_VM_EXEC | FL_VM_SHARED |
				   FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_MAYEXEC | FL_VM_MAYSHARE)) |
		     perms_flags(perms);
	bool priv = !(f & FL_VM_SHARED);

	if (priv && (f & FL_VM_WRITE))
		f |= FL_VM_ACCOUNT;
	else if (priv && (f & (FL_VM_READ | FL_VM_EXEC)) && v->kind != FL_VMA_FILE && v->anon_vma)
		f |= FL_VM_ACCOUNT;
	return f;
}

/* Which anon_vma a snapshot mapping has: the snapshot does not say.  Two
 * used anonymous mappings side by side with the same flags have different
 * ones, or they would have merged (is_mergeable_anon_vma()): a later call
 * that would join them must not.  Otherwise the model keeps taking them as
 * one, since pieces of one mapping (split by mprotect or madvise, or with
 * a piece unmapped between them) share its anon_vma (__split_vma() ->
 * anon_vma_clone()), and the snapshot cannot tell those from mappings
 * made and first written alone. */
static void snapshot_anon_vma(struct mmctx *mm, struct fl_vma *v)
{
	if (v->anon_vma) {
		if (mm->snap_last.anon && mm->snap_last.end == v->start &&
		    !((mm->snap_last.flags ^ v->flags) & ~FL_VM_SOFTDIRTY))
			v->anon_vma_id = mm->mm.next_anon_vma++;
		else
			v->anon_vma_id = 0;
	}
	mm->snap_last.end = v->end;
	mm->snap_last.flags = v->flags;
	mm->snap_last.anon = v->anon_vma;
	mm->snap_last.anon_id = v->anon_vma_id;
}

int eng_on_snapshot(struct fl_engine *e, struct thread *t, const struct fl_event *ev)
{
	const struct fl_vma_snapshot *s = &ev->u.vma;
	/* A /proc/PID/maps snapshot names only the process. */
	struct mmctx *mm = t ? t->mm : ev->pid >= 0 ? eng_mm_get(e, ev->pid) : NULL;
	struct fl_vma v;
	uint64_t page = 1ULL << e->page_shift;
	int rc;

	/* A mapping made by a traced call is the call's: the model applies
	 * it at the call's exit. */
	e->layouts = true;
	if (!mm || (t && t->in_call))
		return 0;
	if (ev->pid >= 0 && !s->whole) {
		/* A mapping reported alone (perf's MMAP2), not a line of a
		 * /proc/PID/maps read, which shows a vfork child the mm it
		 * shares.  A report names its process; a process's first
		 * thread has its pid. */
		struct thread *pt = t ? t : eng_thread_find(e, ev->pid);

		rc = pt ? eng_shared_mm_snapshot(e, pt) : 0;
		if (rc < 0)
			return rc;
		if (pt && pt->pub.pid == ev->pid)
			mm = pt->mm;
	}
	if (s->end_known && s->end > s->start) {
		/* A mapping with its extent (perf MMAP2, /proc/PID/maps) is
		 * the kernel's word on that range at that moment: it replaces
		 * whatever the model had there, as MAP_FIXED does (the ELF
		 * loader maps a whole image, then its segments over it). */
		uint64_t lo = s->start & ~(page - 1), hi = (s->end + page - 1) & ~(page - 1);

		if (hi > lo && fl_mm_munmap(&mm->mm, lo, hi - lo) < 0)
			return 0;
	} else {
		struct fl_vma *old = fl_vma_lookup(&mm->mm.vmas, s->start);

		if (old && (!mm->snap_run || old->id < mm->snap_first_id)) {
			/* A mapping reported outside any traced call replaces
			 * what the model had there: the exec's new image over
			 * the layout copied at fork, or a mapping made by a
			 * call the trace does not hold. */
			if (fl_mm_munmap(&mm->mm, s->start & ~(page - 1), page) < 0)
				return 0;
		} else if (old) {
			return 0;
		}
	}
	memset(&v, 0, sizeof(v));
	v.start = s->start & ~(page - 1);
	v.end = s->end_known && s->end > v.start ? s->end : v.start + page;
	v.extent_inferred = !s->end_known;
	v.pgoff = s->pgoff >> e->page_shift;
	snapshot_kind(&v, s->path);
	/* Its anonymous size in smaps, where the recorder read one for this
	 * very extent: anonymous pages mean an anon_vma; none, that nothing
	 * was written there yet, as far as smaps shows, so no anon_vma (the
	 * first write fault runs __vmf_anon_prepare(), and a new neighbour
	 * merging into it gets none).  The stack keeps its own (argv). */
	if (s->anon_known && v.kind != FL_VMA_STACK)
		v.anon_vma = s->anon_kb > 0;
	/* The permissions, where the trace has them (not for special
	 * mappings: vdso and vvar are what the kernel makes them). */
	if (s->vm_flags[0])
		v.flags = smaps_flags(s->vm_flags);
	else if (strlen(s->perms) == 4 && v.kind != FL_VMA_SPECIAL)
		v.flags = snapshot_unknown_flags(&v, s->perms);
	/* A mapping exec has just made: no page of it was written yet, so
	 * no anon_vma, except on the stack (argv, envp) and in the page
	 * padzero() cleared past the data segment's end (the writable
	 * file mapping with the bss after it). */
	if (mm->exec_image && v.kind == FL_VMA_ANON)
		v.anon_vma = false;
	if (mm->exec_image && v.kind == FL_VMA_FILE && (v.flags & FL_VM_WRITE) &&
	    !(v.flags & FL_VM_SHARED))
		v.anon_vma = true;
	if (v.kind != FL_VMA_FILE && !v.file_id)
		v.pgoff = v.start >> e->page_shift;
	/* Do not run into the next known VMA. */
	{
		struct fl_vma *next = fl_vma_find(&mm->mm.vmas, v.start);

		if (next && next->start < v.end)
			v.end = next->start;
	}
	if (v.end <= v.start)
		return 0;
	snapshot_anon_vma(mm, &v);
	{
		struct fl_vma *added = NULL;

		rc = fl_mm_add_vma(&mm->mm, &v, &added);
		if (rc == -ENOMEM)
			return oom(e);
		if (rc == 0 && added) {
			e->st.snapshots_used++;
			if (s->whole || mm->exec_image)
				mm->layout_known = true;
			if (!mm->snap_run) {
				mm->snap_run = true;
				mm->snap_first_id = added->id;
			}
		}
	}
	return 0;
}
