#define _GNU_SOURCE
#include "perf_events.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fl_array.h"
#include "ust_api.h"

#define LOSE_FAULTS "access bits and the x86 error code of each fault"
#define LOSE_ENDS "fault ends: minor/major and fault durations"
#define LOSE_LOCK "the fallback ground truth (which faults took mmap_lock) and writer lock windows"
#define LOSE_MM(c) c " calls: the mm model misses the address-space changes they make"
#define LOSE_TASK "thread and process lifecycle (fork/clone, exec, exit, names)"
#define LOSE_SWITCH "the faults that slept in the kernel (a file fault waiting on a locked folio or IO)"
#define LOSE_WAKING "the writers a fault woke as it ended (whether a fault read-locked its VMA before a writer's vma_start_write())"
#define LOSE_RA "the file faults that started readahead (and dropped their lock for the IO)"

#define SYS(n, c) \
	{ "syscalls", "sys_enter_" n, 0, PE_SYS_ENTER, c, LOSE_MM(n) }, \
	{ "syscalls", "sys_exit_" n, 0, PE_SYS_EXIT, c, LOSE_MM(n) }

const struct fl_pe_spec fl_pe_specs[] = {
	{ "exceptions", "page_fault_user", 0, PE_FAULT_TP, 0, LOSE_FAULTS },
	{ NULL, "page-faults", PERF_COUNT_SW_PAGE_FAULTS, PE_FAULT_SW, 0, "every page fault" },
	{ NULL, "minor-faults", PERF_COUNT_SW_PAGE_FAULTS_MIN, PE_FAULT_END, 0, LOSE_ENDS },
	{ NULL, "major-faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ, PE_FAULT_END, 1, LOSE_ENDS },
	{ "mmap_lock", "mmap_lock_start_locking", 0, PE_LOCK, FL_UST_LOCK_START, LOSE_LOCK },
	{ "mmap_lock", "mmap_lock_acquire_returned", 0, PE_LOCK, FL_UST_LOCK_ACQUIRED, LOSE_LOCK },
	{ "mmap_lock", "mmap_lock_released", 0, PE_LOCK, FL_UST_LOCK_RELEASED, LOSE_LOCK },
	SYS("mmap", FL_UST_MMAP),
	SYS("munmap", FL_UST_MUNMAP),
	SYS("mprotect", FL_UST_MPROTECT),
	SYS("mremap", FL_UST_MREMAP),
	SYS("brk", FL_UST_BRK),
	SYS("madvise", FL_UST_MADVISE),
	/* They take mmap_lock for write and split and write-lock the VMAs
	 * whose VM_LOCKED changes (mlock_fixup()). */
	SYS("mlock", FL_UST_MLOCK),
	SYS("mlock2", FL_UST_MLOCK2),
	SYS("munlock", FL_UST_MUNLOCK),
	SYS("mlockall", FL_UST_MLOCKALL),
	SYS("munlockall", FL_UST_MUNLOCKALL),
	/* mprotect() with a protection key (do_mprotect_pkey()). */
	SYS("pkey_mprotect", FL_UST_PKEY_MPROTECT),
	{ "task", "task_newtask", 0, PE_NEWTASK, 0, "whether a clone made a thread (CLONE_THREAD) or shared the mm (CLONE_VM)" },
	{ "sched", "sched_process_fork", 0, PE_FORK, 0, LOSE_TASK },
	{ "sched", "sched_process_exec", 0, PE_EXEC, 0, LOSE_TASK },
	{ "sched", "sched_process_exit", 0, PE_EXIT, 0, LOSE_TASK },
	{ "task", "task_rename", 0, PE_RENAME, 0, "thread names set after start (pthread_setname_np)" },
	/* Per task like the rest: only the recorded threads' switches, and
	 * the wakings done in their context (rec_writer.h: the copies perf
	 * may also hand to a recorded thread another task woke are dropped). */
	{ "sched", "sched_switch", 0, PE_SCHED_SWITCH, 0, LOSE_SWITCH },
	{ "sched", "sched_waking", 0, PE_SCHED_WAKING, 0, LOSE_WAKING },
	/* Optional: recent kernels only (missing ones get one warning). */
	{ "readahead", "page_cache_sync_ra", 0, PE_READAHEAD, 0, LOSE_RA },
	{ "readahead", "page_cache_async_ra", 0, PE_READAHEAD, 1, LOSE_RA },
	{ NULL, NULL, 0, 0, 0, NULL },
};

/* The tracepoint fields each role reads, in the order of source->f[]. */
static const char *const role_fields[][4] = {
	[PE_FAULT_TP] = { "address", "ip", "error_code", NULL },
	[PE_LOCK] = { "mm", "write", "success", NULL },
	[PE_SYS_EXIT] = { "ret", NULL },
	[PE_NEWTASK] = { "pid", "comm", "clone_flags", NULL },
	[PE_FORK] = { "child_pid", "child_comm", NULL },
	[PE_EXEC] = { "filename", "pid", NULL },
	[PE_EXIT] = { "comm", "pid", NULL },
	[PE_RENAME] = { "pid", "newcomm", NULL },
	[PE_SCHED_SWITCH] = { "prev_state", "next_pid", NULL },
	[PE_SCHED_WAKING] = { "pid", NULL },
	[PE_READAHEAD] = { "i_ino", "index", NULL },
};

/* Samples of every source share the trailer bits (TID, TIME, CPU,
 * IDENTIFIER), so the sample_id of non-sample records (LOST, MMAP2) has one
 * layout in every ring, and the first u64 of a sample names its source. */
#define SAMPLE_COMMON (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU)

#if defined(__powerpc64__)
/* PERF_REG_POWERPC_TRAP, _DAR, _DSISR (arch/powerpc/include/uapi/asm/perf_regs.h) */
#define FL_REGS_INTR ((1ULL << 40) | (1ULL << 41) | (1ULL << 42))
#define FL_FAULT_SW_INSTEAD "the page-faults software event with TRAP, DAR and DSISR " \
	"(PERF_SAMPLE_REGS_INTR: the access bits are decoded from them)"
#else
#define FL_REGS_INTR 0ULL
#define FL_FAULT_SW_INSTEAD "the page-faults software event (address only)"
#endif

static void append(char *buf, size_t len, const char *sys, const char *name)
{
	size_t off = strlen(buf);

	snprintf(buf + off, off < len ? len - off : 0, "%s%s%s%s", off ? "," : "",
		 sys ? sys : "", sys ? ":" : "", name);
}

static bool have_source(const struct fl_pe_set *set, enum fl_pe_role role)
{
	for (size_t i = 0; i < set->nsources; i++)
		if (set->sources[i].spec->role == role)
			return true;
	return false;
}

static int resolve_fields(struct fl_pe_source *s)
{
	enum fl_pe_role role = s->spec->role;

	for (int i = 0; i < 7; i++)
		s->f[i] = -1;
	if (role == PE_SYS_ENTER) {
		/* The arguments are the fields after __syscall_nr, in order
		 * (munlockall() has none). */
		return s->fmt.nfields >= 1 && strcmp(s->fmt.fields[0].name, "__syscall_nr") == 0 ? 0 : -1;
	}
	if (role >= (int)(sizeof(role_fields) / sizeof(role_fields[0])) || !role_fields[role][0])
		return 0;
	for (int i = 0; role_fields[role][i]; i++) {
		for (int k = 0; k < s->fmt.nfields; k++)
			if (strcmp(s->fmt.fields[k].name, role_fields[role][i]) == 0)
				s->f[i] = k;
		/* acquire_returned alone carries success */
		if (s->f[i] < 0 && !(role == PE_LOCK && i == 2))
			return -1;
	}
	return 0;
}

static void warn_missing(const struct fl_pe_spec *sp, const char *why, const char *instead,
			 bool quiet)
{
	if (quiet)
		return;
	fprintf(stderr, "faultline record: warning: %s%s%s %s on this kernel; the replay loses %s%s%s\n",
		sp->sys ? sp->sys : "", sp->sys ? ":" : "", sp->name, why, sp->loses,
		instead ? "; using " : "", instead ? instead : "");
}

static int find_sources(struct fl_pe_set *set, const char *tracefs, bool quiet, struct fl_err *err)
{
	char ra_missing[128] = "";
	int nra_missing = 0;
	size_t n = 0;

	for (const struct fl_pe_spec *sp = fl_pe_specs; sp->name; sp++)
		n++;
	set->sources = calloc(n, sizeof(*set->sources));
	if (!set->sources)
		return fl_err_set(err, -ENOMEM, "out of memory");

	for (const struct fl_pe_spec *sp = fl_pe_specs; sp->name; sp++) {
		struct fl_pe_source *s = &set->sources[set->nsources];
		const char *instead = NULL;

		/* Fallbacks: only when the better source is missing. */
		if (sp->role == PE_FAULT_SW && have_source(set, PE_FAULT_TP))
			continue;
		if (sp->role == PE_FORK && have_source(set, PE_NEWTASK))
			continue;
		s->spec = sp;
		if (sp->sys) {
			int rc = fl_tracefs_format(tracefs, sp->sys, sp->name, &s->fmt, err);
			if (rc == -ENOENT || (rc == 0 && resolve_fields(s) < 0)) {
				if (sp->role == PE_FAULT_TP)
					instead = FL_FAULT_SW_INSTEAD;
				else if (sp->role == PE_NEWTASK)
					instead = "sched:sched_process_fork (no clone flags)";
				if (sp->role == PE_READAHEAD) {
					/* Both are missing together: one warning. */
					size_t off = strlen(ra_missing);
					snprintf(ra_missing + off, sizeof(ra_missing) - off, "%s%s:%s",
						 off ? " and " : "", sp->sys, sp->name);
					nra_missing++;
				} else {
					warn_missing(sp, rc == -ENOENT ? "is missing" : "has an unknown layout",
						     instead, quiet);
				}
				append(set->missing_str, sizeof(set->missing_str), sp->sys, sp->name);
				set->nmissing++;
				continue;
			}
			if (rc < 0)
				return rc;
			s->sample_type = SAMPLE_COMMON | PERF_SAMPLE_RAW;
			if (sp->role == PE_SYS_ENTER && FL_PE_REGS_USER != 0)
				s->sample_type |= PERF_SAMPLE_REGS_USER;
			if (sp->role == PE_SYS_ENTER && FL_PE_STACK_USER != 0)
				s->sample_type |= PERF_SAMPLE_STACK_USER;
		} else {
			s->sample_type = SAMPLE_COMMON | PERF_SAMPLE_IP | PERF_SAMPLE_ADDR;
			if (sp->role == PE_FAULT_SW && FL_REGS_INTR)
				s->sample_type |= PERF_SAMPLE_REGS_INTR;
		}
		append(set->sources_str, sizeof(set->sources_str), sp->sys, sp->name);
		set->nsources++;
	}
	if (nra_missing && !quiet)
		fprintf(stderr, "faultline record: warning: %s %s not on this kernel (only recent "
			"kernels have them); recording without them: the replay loses %s\n", ra_missing,
			nra_missing > 1 ? "are" : "is", LOSE_RA);
	if (!have_source(set, PE_FAULT_TP) && !have_source(set, PE_FAULT_SW))
		return fl_err_set(err, -ENOENT, "no page-fault event at all on this kernel");
	return 0;
}

/* The fault sources: an attach enables them last (fl_pe_enable()). */
static bool is_fault_role(enum fl_pe_role role)
{
	return role == PE_FAULT_TP || role == PE_FAULT_SW || role == PE_FAULT_END;
}

static int add_fd(struct fl_pe_set *set, int fd, int cpu, bool fault, struct fl_err *err)
{
	if (fl_array_grow((void **)&set->fds, &set->capfds, set->nfds + 1, sizeof(int)) < 0 ||
	    fl_array_grow((void **)&set->fd_cpus, &set->capfd_cpus, set->nfds + 1, sizeof(int)) < 0 ||
	    fl_array_grow((void **)&set->fd_fault, &set->capfd_fault, set->nfds + 1, sizeof(bool)) < 0) {
		close(fd);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	set->fd_cpus[set->nfds] = cpu;
	set->fd_fault[set->nfds] = fault;
	set->fds[set->nfds++] = fd;
	return 0;
}

static const char *open_hint(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return "run as root (sudo faultline record ...), or lower "
		       "/proc/sys/kernel/perf_event_paranoid to -1";
	case EMFILE:
	case ENFILE:
		return "too many open files: raise the limit (ulimit -n) or trace fewer threads";
	case ESRCH:
		return "the process is gone";
	default:
		return "see perf_event_open(2)";
	}
}

static int open_one(struct fl_pe_set *set, const struct fl_pe_source *s, const struct fl_pe_options *o,
		    pid_t pid, int cpu, bool side_band, struct fl_err *err)
{
	struct perf_event_attr a;
	struct fl_perf_ring *ring = &set->rings[cpu];
	uint64_t id;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = s->spec->sys ? PERF_TYPE_TRACEPOINT : PERF_TYPE_SOFTWARE;
	a.config = s->spec->sys ? s->fmt.id : s->spec->sw_config;
	a.sample_period = 1;
	a.sample_type = s->sample_type;
	a.sample_regs_intr = (s->sample_type & PERF_SAMPLE_REGS_INTR) ? FL_REGS_INTR : 0;
	a.sample_regs_user = (s->sample_type & PERF_SAMPLE_REGS_USER) ? FL_PE_REGS_USER : 0;
	a.sample_stack_user = (s->sample_type & PERF_SAMPLE_STACK_USER) ? FL_PE_STACK_USER : 0;
	a.sample_id_all = 1;
	a.read_format = set->read_lost ? PERF_FORMAT_LOST : 0;
	a.disabled = 1;
	/* Per-task events follow the threads and children created later. */
	a.inherit = o->target != PE_TARGET_ALL;
	a.enable_on_exec = o->target == PE_TARGET_CMD;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	/* Wake the reader when a quarter of the ring is used. */
	a.wakeup_watermark = (uint32_t)(o->ring_pages * (size_t)sysconf(_SC_PAGESIZE) / 4);
	if (side_band) {
		/* The exec-time mappings (binary, interpreter, vdso) are made by
		 * the kernel, not by mmap calls: MMAP2 records carry them. */
		a.mmap = a.mmap2 = a.mmap_data = 1;
		/* exec's PERF_RECORD_COMM (PERF_RECORD_MISC_COMM_EXEC) comes
		 * from begin_new_exec() right after exec_mmap() put the new,
		 * empty mm in place, and before the new image is mapped: the
		 * moment the process's address space is replaced. */
		a.comm = a.comm_exec = 1;
	}
	fd = (int)syscall(SYS_perf_event_open, &a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && errno == EINVAL && set->read_lost) {
		/* Before 6.0: no lost count per event (fl_pe_lost() says so). */
		set->read_lost = false;
		a.read_format = 0;
		fd = (int)syscall(SYS_perf_event_open, &a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;
		if (e == ESRCH && o->target == PE_TARGET_PIDS)
			return 1;	/* the thread exited meanwhile */
		fl_err_set(err, -e, "cannot open perf event %s%s%s on CPU %d%s: %s",
			   s->spec->sys ? s->spec->sys : "", s->spec->sys ? ":" : "", s->spec->name,
			   cpu, o->target == PE_TARGET_ALL ? "" : " for the target", strerror(e));
		fl_err_hint(err, "%s", open_hint(e));
		return err->code;
	}
	if (add_fd(set, fd, cpu, is_fault_role(s->spec->role), err) < 0)
		return err->code;
	if (!ring->base) {
		int rc = fl_ring_map(ring, fd, cpu, o->ring_pages);
		if (rc < 0) {
			fl_err_set(err, rc, "cannot map the perf ring buffer of CPU %d (%zu KiB): %s",
				   cpu, o->ring_pages * (size_t)sysconf(_SC_PAGESIZE) / 1024, strerror(-rc));
			fl_err_hint(err, "use a smaller buffer (-m), or raise "
				    "/proc/sys/kernel/perf_event_mlock_kb");
			return err->code;
		}
	} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, ring->fd) < 0) {
		return fl_err_set(err, -errno, "cannot share the ring buffer of CPU %d: %s", cpu,
				  strerror(errno));
	}
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
		return fl_err_set(err, -errno, "cannot read a perf event id: %s", strerror(errno));
	if (fl_map_put(&set->ids, id, (void *)s) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static int open_for(struct fl_pe_set *set, const struct fl_pe_options *o, pid_t pid,
		    struct fl_err *err)
{
	size_t sb_source = 0;

	/* Side-band records once per CPU and task, on the first source that
	 * is not a fault's, which an attach enables before it reads the
	 * layouts.  An attached process's layout comes from /proc, but its
	 * later execs need their mappings too, and so does a call that was
	 * already running when the events were enabled (its exit is traced,
	 * its entry with the length is not). */
	while (sb_source + 1 < set->nsources && is_fault_role(set->sources[sb_source].spec->role))
		sb_source++;
	for (int cpu = 0; cpu < set->ncpus; cpu++) {
		for (size_t i = 0; i < set->nsources; i++) {
			bool sb = i == sb_source;
			int rc = open_one(set, &set->sources[i], o, pid, cpu, sb, err);
			if (rc < 0)
				return rc;
			if (rc > 0)
				return 0;	/* thread gone: skip it */
		}
	}
	return 0;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int fl_pe_open(struct fl_pe_set *set, const char *tracefs, const struct fl_pe_options *o,
	       struct fl_err *err)
{
	int rc;

	memset(set, 0, sizeof(*set));
	fl_map_init(&set->ids);
	set->read_lost = true;
	set->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (set->ncpus < 1)
		set->ncpus = 1;
	set->rings = calloc((size_t)set->ncpus, sizeof(*set->rings));
	if (!set->rings)
		return fl_err_set(err, -ENOMEM, "out of memory");
	for (int c = 0; c < set->ncpus; c++)
		set->rings[c].fd = -1;
	if ((rc = find_sources(set, tracefs, o->quiet, err)) < 0)
		return rc;
	raise_fd_limit();
	if (o->target == PE_TARGET_ALL)
		return open_for(set, o, -1, err);
	return fl_pe_add_tids(set, o, o->tids, o->ntids, err);
}

int fl_pe_add_tids(struct fl_pe_set *set, const struct fl_pe_options *o, const pid_t *tids,
		   size_t ntids, struct fl_err *err)
{
	for (size_t i = 0; i < ntids; i++) {
		int rc = open_for(set, o, tids[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int fl_pe_enable(struct fl_pe_set *set, enum fl_pe_which which, struct fl_err *err)
{
	for (size_t i = 0; i < set->nfds; i++)
		if ((which == FL_PE_FAULTS) == set->fd_fault[i] &&
		    ioctl(set->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0)
			return fl_err_set(err, -errno, "cannot enable a perf event: %s", strerror(errno));
	return 0;
}

int fl_pe_lost(const struct fl_pe_set *set, uint64_t *lost)
{
	if (!set->read_lost)
		return -EOPNOTSUPP;
	for (int c = 0; c < set->ncpus; c++)
		lost[c] = 0;
	for (size_t i = 0; i < set->nfds; i++) {
		/* read_format PERF_FORMAT_LOST alone: { value, lost }.  An
		 * inherited event's children write into its ring and count
		 * their failures on it (kernel/events/ring_buffer.c,
		 * __perf_output_begin(): output goes to event->parent). */
		uint64_t v[2];
		ssize_t n = read(set->fds[i], v, sizeof(v));

		if (n < 0)
			return -errno;
		if (n != (ssize_t)sizeof(v))
			return -EIO;
		if (set->fd_cpus[i] >= 0 && set->fd_cpus[i] < set->ncpus)
			lost[set->fd_cpus[i]] += v[1];
	}
	return 0;
}

void fl_pe_disable(struct fl_pe_set *set)
{
	for (size_t i = 0; i < set->nfds; i++)
		ioctl(set->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

struct close_job {
	const int *fds;
	size_t n, stride;
};

static void *close_some(void *arg)
{
	const struct close_job *j = arg;

	for (size_t i = 0; i < j->n; i += j->stride)
		close(j->fds[i]);
	return NULL;
}

/* Closing the last event of a tracepoint waits for an RCU grace period
 * (tracepoint_synchronize_unregister()), about 30 ms each: one after the
 * other, the 26 sources took 0.75 s at every recording's end.  Closed from
 * several threads at once, the waits share grace periods. */
static void close_all(int *fds, size_t nfds)
{
	enum { NTHREADS = 16 };
	pthread_t t[NTHREADS];
	struct close_job jobs[NTHREADS];
	size_t nt = nfds < NTHREADS ? nfds : NTHREADS, started = 0;

	for (size_t k = 0; k < nt; k++) {
		jobs[k].fds = fds + k;
		jobs[k].n = nfds - k;
		jobs[k].stride = nt;
		if (pthread_create(&t[k], NULL, close_some, &jobs[k]) != 0)
			break;
		started++;
	}
	for (size_t k = started; k < nt; k++)
		close_some(&jobs[k]);
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
}

/* An event is released when its fd is closed and its ring unmapped (the
 * mapping holds the event's file). */
static void release_all(struct fl_pe_set *set)
{
	if (set->rings)
		for (int c = 0; c < set->ncpus; c++)
			fl_ring_unmap(&set->rings[c]);
	close_all(set->fds, set->nfds);
	set->nfds = 0;
}

static void *releaser(void *arg)
{
	release_all(arg);
	return NULL;
}

void fl_pe_release(struct fl_pe_set *set)
{
	if (set->releasing)
		return;
	set->releasing = pthread_create(&set->releaser, NULL, releaser, set) == 0;
	if (!set->releasing)
		release_all(set);
}

void fl_pe_close(struct fl_pe_set *set)
{
	if (set->releasing)
		pthread_join(set->releaser, NULL);
	else
		release_all(set);
	free(set->fds);
	free(set->fd_cpus);
	free(set->fd_fault);
	free(set->rings);
	free(set->sources);
	fl_map_free(&set->ids);
	memset(set, 0, sizeof(*set));
}
