/* faultline record: the processes recorded.  -- CMD's child, -p's threads
 * (scanned before the events are opened and again after, for threads
 * started in between), -a's exclusions (the recorder and LTTng's daemons),
 * the /proc layout of attached processes, each stamped when its read
 * ended, and whether every -p target is gone.  Apart from
 * the start-up order (recorder_start.c) because it is all /proc reading
 * and target bookkeeping, which the rest of the recorder never looks at.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_array.h"
#include "proc_maps.h"
#include "recorder.h"
#include "ring_size.h"

int recorder_push_pid(pid_t **v, size_t *n, size_t *cap, pid_t p)
{
	if (fl_array_grow((void **)v, cap, *n + 1, sizeof(**v)) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = p;
	return 0;
}

static bool has_pid(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

int recorder_read_file_str(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	buf[0] = '\0';
	if (!fp)
		return -errno;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int scan_tids(pid_t pid, pid_t **v, size_t *n, size_t *cap)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t t = (pid_t)atoi(de->d_name);
		if (t > 0 && !has_pid(*v, *n, t) && recorder_push_pid(v, n, cap, t) < 0) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

void recorder_describe_target(struct recorder *r)
{
	size_t off = 0;

	if (r->o.cmd) {
		off += (size_t)snprintf(r->target, sizeof(r->target), "cmd:");
		for (char **a = r->o.cmd; *a && off < sizeof(r->target); a++)
			off += (size_t)snprintf(r->target + off, sizeof(r->target) - off, " %s", *a);
	} else if (r->o.all) {
		snprintf(r->target, sizeof(r->target), "all");
	} else {
		off += (size_t)snprintf(r->target, sizeof(r->target), "pid:");
		for (size_t i = 0; i < r->o.npids && off < sizeof(r->target); i++)
			off += (size_t)snprintf(r->target + off, sizeof(r->target) - off, " %d",
						(int)r->o.pids[i]);
	}
}

/* -a: the recorder and LTTng's daemons would trace their own writing. */
void recorder_find_excluded(struct recorder *r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	recorder_push_pid(&r->exclude, &r->nexclude, &r->capexclude, getpid());
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300], comm[32];
		pid_t p = (pid_t)atoi(de->d_name);

		if (p <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (recorder_read_file_str(path, comm, sizeof(comm)) == 0 && strncmp(comm, "lttng-", 6) == 0)
			recorder_push_pid(&r->exclude, &r->nexclude, &r->capexclude, p);
	}
	closedir(d);
}

/* The processes whose layout is snapshot: -p's, or with -a every one.
 * Each layout is stamped when its own read ended, never before the events
 * were enabled (proc_maps.c says why: a line shows its mapping as the read
 * found it, and a layout stamped earlier turned a library's relocation
 * writes before its RELRO mprotect into access errors).  The fault events
 * are enabled after the reads (recorder_attach()), so no recorded fault
 * comes before its process's layout. */
static int each_target_pid(struct recorder *r, int (*fn)(struct recorder *, pid_t, void *), void *arg)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (!r->o.all) {
		for (size_t i = 0; i < r->o.npids && rc == 0; i++)
			rc = fn(r, r->o.pids[i], arg);
		return rc;
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while (rc == 0 && (de = readdir(d))) {
		pid_t p = (pid_t)atoi(de->d_name);

		if (p > 0 && !has_pid(r->exclude, r->nexclude, p))
			rc = fn(r, p, arg);
	}
	closedir(d);
	return rc;
}

static int read_vmflags(struct recorder *r, pid_t pid, void *arg)
{
	struct fl_vmflags_set *set = calloc(1, sizeof(*set));

	(void)arg;
	if (!set)
		return -ENOMEM;
	if (fl_proc_vmflags_read(pid, set) == -ENOMEM ||
	    fl_map_put(&r->vmflags, (uint64_t)(uint32_t)pid + 1, set) < 0) {
		fl_vmflags_free(set);
		free(set);
		return -ENOMEM;
	}
	return 0;
}

static void free_vmflags(struct recorder *r)
{
	size_t it = 0;
	void *val;

	while (fl_map_next(&r->vmflags, &it, NULL, &val)) {
		fl_vmflags_free(val);
		free(val);
	}
	fl_map_free(&r->vmflags);
}

static int snapshot_one(struct recorder *r, pid_t pid, void *arg)
{
	uint64_t t = *(const uint64_t *)arg;
	const struct fl_vmflags_set *vf = fl_map_get(&r->vmflags, (uint64_t)(uint32_t)pid + 1);

	if (fl_proc_maps_snapshot(pid, t, &r->merge, &r->dec.seq, vf) == -ENOMEM ||
	    fl_proc_comms(pid, t, &r->merge, &r->dec.seq) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

static int snapshot_all(struct recorder *r, uint64_t t)
{
	int rc = each_target_pid(r, snapshot_one, &t);

	free_vmflags(r);
	return rc;
}

bool recorder_targets_gone(const struct recorder *r)
{
	for (size_t i = 0; i < r->o.npids; i++)
		if (kill(r->o.pids[i], 0) == 0 || errno != ESRCH)
			return false;
	return true;
}

/* Open the perf events for the target: the command (spawned now, held
 * until recording starts), every process, or -p's threads. */
int recorder_open_events(struct recorder *r, struct fl_pe_options *po, struct fl_err *err)
{
	int rc;

	if (!r->o.ring_pages) {
		long ncpus = sysconf(_SC_NPROCESSORS_CONF);
		r->o.ring_pages = fl_ring_default_pages(ncpus > 0 ? (int)ncpus : 1,
							(size_t)sysconf(_SC_PAGESIZE),
							fl_ring_mem_available());
	}
	memset(po, 0, sizeof(*po));
	po->ring_pages = r->o.ring_pages;
	po->quiet = r->o.quiet;
	if (r->o.cmd) {
		if ((rc = fl_child_spawn(&r->child, r->o.cmd, &r->sudo, r->nice0, err)) < 0)
			return rc;
		r->have_child = true;
		fl_guard_child(&r->guard, r->child.pid);
		po->target = PE_TARGET_CMD;
		po->tids = &r->child.pid;
		po->ntids = 1;
	} else if (r->o.all) {
		po->target = PE_TARGET_ALL;
	} else {
		po->target = PE_TARGET_PIDS;
		for (size_t i = 0; i < r->o.npids; i++) {
			rc = scan_tids(r->o.pids[i], &r->tids, &r->ntids, &r->captids);
			if (rc == -ENOMEM)
				return fl_err_set(err, rc, "out of memory");
			if (rc < 0) {
				fl_err_set(err, rc, "no process %d to attach to: %s", (int)r->o.pids[i],
					   strerror(-rc));
				fl_err_hint(err, "check the id with ps; -p takes process ids, "
					    "comma-separated or repeated");
				return err->code;
			}
		}
		po->tids = r->tids;
		po->ntids = r->ntids;
	}
	r->pe_open = true;
	if ((rc = fl_pe_open(&r->pe, r->tracefs, po, err)) < 0)
		return rc;
	r->dec.set = &r->pe;
	return 0;
}

/* -p: the threads started between the scan and the open, whose creators'
 * events were not open yet to inherit them.  Those started after an open
 * are inherited.  A few rounds, as new threads may start more. */
static int attach_new_threads(struct recorder *r, const struct fl_pe_options *po,
			      struct fl_err *err)
{
	for (int round = 0; round < 8; round++) {
		size_t before = r->ntids;
		int rc;

		for (size_t i = 0; i < r->o.npids; i++)
			scan_tids(r->o.pids[i], &r->tids, &r->ntids, &r->captids);
		if (r->ntids == before)
			return 0;
		if ((rc = fl_pe_add_tids(&r->pe, po, r->tids + before, r->ntids - before, err)) < 0)
			return rc;
		for (size_t i = before; i < r->ntids; i++)
			if (rec_writer_track(&r->w, r->tids[i]) < 0)
				return fl_err_set(err, -ENOMEM, "out of memory");
		if ((rc = fl_pe_enable(&r->pe, FL_PE_BUT_FAULTS, err)) < 0)
			return rc;
	}
	return 0;
}

/* -p and -a, once the header is written: the threads started between the
 * scan and the open, then the layouts, read once every thread's mm calls
 * are traced, then the faults.  Read before a late thread's events were
 * open, a layout missed the mappings that thread made in between: its
 * first faults replayed as "no VMA" (a 16-thread churner attached with -p:
 * 120 of them).  Faults traced before the read came before their
 * process's layout, and replayed unplaced ("no VMA known"): a Node.js
 * process attached with -p made 284 in the 6 ms that enabling the events
 * and reading its 655 mappings took.  A fault in flight when the fault
 * events are enabled leaves only its end, which the replay drops, as at
 * the start of any recording. */
int recorder_attach(struct recorder *r, const struct fl_pe_options *po, struct fl_err *err)
{
	uint64_t t_all_enabled;
	int rc;

	/* smaps (slow: it walks page tables) before the events run; the
	 * layout itself (maps, quick) right after the mm calls' are enabled. */
	fl_map_init(&r->vmflags);
	if (each_target_pid(r, read_vmflags, NULL) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	if ((rc = fl_pe_enable(&r->pe, FL_PE_BUT_FAULTS, err)) < 0)
		return rc;
	if (!r->o.all && (rc = attach_new_threads(r, po, err)) < 0)
		return rc;
	t_all_enabled = fl_mono_ns();
	if (snapshot_all(r, t_all_enabled) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	return fl_pe_enable(&r->pe, FL_PE_FAULTS, err);
}
