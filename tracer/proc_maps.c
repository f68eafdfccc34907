#define _GNU_SOURCE
#include "proc_maps.h"

#include "fl_array.h"
#include "mono_clock.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fl_proc_maps_parse(const char *line, struct rec_ev *ev)
{
	uint64_t start, end, pgoff, inode;
	char perms[8], dev[16];
	int pos = 0;

	/* "start-end perms offset dev inode [path]" (proc(5)) */
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %15s %" SCNu64 " %n", &start, &end,
		   perms, &pgoff, dev, &inode, &pos) < 6)
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->type = REC_VMA;
	ev->u.vma.start = start;
	ev->u.vma.end = end;
	ev->u.vma.pgoff = pgoff;
	ev->u.vma.inode = inode;
	ev->u.vma.source = FL_UST_VMA_PROC_MAPS;
	snprintf(ev->perms, sizeof(ev->perms), "%s", perms);
	snprintf(ev->dev, sizeof(ev->dev), "%s", dev);
	const char *path = pos ? line + pos : "";
	size_t n = strcspn(path, "\n");
	ev->str = strndup(path, n);
	if (!ev->str)
		return -1;
	return 0;
}

static int push_vma(struct rec_ev *ev, pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq)
{
	ev->t = ktime;
	ev->seq = (*seq)++;
	ev->u.vma.ktime = ktime;
	ev->u.vma.pid = (int32_t)pid;
	if (rec_merge_push(m, ev) < 0) {
		free(ev->str);
		return -ENOMEM;
	}
	return 0;
}

/* A mapping's VmFlags, kept after its path: "path\0flags". */
static int add_vmflags(struct rec_ev *ev, const char *flags)
{
	size_t lp = strlen(ev->str), lf = strlen(flags);
	char *s = realloc(ev->str, lp + lf + 2);

	if (!s)
		return -ENOMEM;
	memcpy(s + lp + 1, flags, lf + 1);
	ev->str = s;
	ev->has_vmflags = 1;
	return 0;
}

int fl_proc_vmflags_read(pid_t pid, struct fl_vmflags_set *set)
{
	char path[64], line[4608];
	uint64_t start = 0, end = 0;
	int64_t anon_kb = -1;
	FILE *fp;

	memset(set, 0, sizeof(*set));
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		struct fl_vmflags *v;

		if (strncmp(line, "VmFlags:", 8)) {
			uint64_t s0, e0;
			long long kb;

			if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &s0, &e0) == 2 && strchr(line, ' ') &&
			    line[strcspn(line, " ") - 1] != ':') {
				start = s0;
				end = e0;
				anon_kb = -1;
			} else if (sscanf(line, "Anonymous: %lld kB", &kb) == 1 && kb >= 0) {
				anon_kb = kb;
			}
			continue;
		}
		if (fl_array_grow((void **)&set->v, &set->cap, set->n + 1, sizeof(*set->v)) < 0) {
			fclose(fp);
			return -ENOMEM;
		}
		v = &set->v[set->n++];
		v->start = start;
		v->end = end;
		v->anon_kb = anon_kb;
		snprintf(v->flags, sizeof(v->flags), "%.*s", (int)strcspn(line + 8 + strspn(line + 8, " \t"), "\n"),
			 line + 8 + strspn(line + 8, " \t"));
	}
	fclose(fp);
	return (int)set->n;
}

void fl_vmflags_free(struct fl_vmflags_set *set)
{
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* Whether smaps flags agree with a maps line's permissions. */
static bool same_perms(const char *flags, const char *perms)
{
	bool rd = strstr(flags, "rd") != NULL, wr = strstr(flags, "wr") != NULL,
	     ex = strstr(flags, "ex") != NULL, sh = strstr(flags, "sh") != NULL;

	return rd == (perms[0] == 'r') && wr == (perms[1] == 'w') && ex == (perms[2] == 'x') &&
	       sh == (perms[3] == 's');
}

/* The smaps entry of the mapping at [start, end): the one of the same
 * extent, else (the process split or merged it between the two reads, as
 * busy threads do) the one that held start, when its permissions agree.
 * smaps lists the mappings in address order: a binary search. */
static const struct fl_vmflags *vmflags_of(const struct fl_vmflags_set *set, uint64_t start,
					   uint64_t end, const char *perms)
{
	size_t lo = 0, hi = set ? set->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->v[mid].start <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	lo--;		/* the last entry starting at or below start */
	if (set->v[lo].start == start && set->v[lo].end == end)
		return &set->v[lo];
	if (start < set->v[lo].end && strlen(perms) == 4 && same_perms(set->v[lo].flags, perms))
		return &set->v[lo];
	return NULL;
}

/* A process's layout is stamped when its read has ended, not when it
 * began: a busy process changes its mappings while maps is read (ld.so
 * write-protects a library's RELRO right after relocating it), and a line
 * shows the mapping as it was when the read reached it.  Stamped at the
 * read's start, that later state would stand over the faults made before
 * it (writes into what was still writable); stamped at its end, those
 * faults come before the process's layout, where a replay says it cannot
 * place them, and the calls made meanwhile replay under it. */
static uint64_t read_end(uint64_t ktime)
{
	uint64_t now = fl_mono_ns();

	return now > ktime ? now : ktime;
}

int fl_proc_maps_snapshot(pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq,
			  const struct fl_vmflags_set *vf)
{
	char path[64], line[4608];
	struct rec_ev *evs = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		struct rec_ev ev;
		const struct fl_vmflags *f;

		if (fl_proc_maps_parse(line, &ev) < 0)
			continue;
		f = vmflags_of(vf, ev.u.vma.start, ev.u.vma.end, ev.perms);
		/* The anonymous size only for the same extent: a mapping
		 * split or merged since smaps was read may not have it. */
		if (f && f->start == ev.u.vma.start && f->end == ev.u.vma.end && f->anon_kb >= 0) {
			ev.has_anon = 1;
			ev.u.vma.anon_kb = f->anon_kb;
		}
		if ((f && add_vmflags(&ev, f->flags) < 0) ||
		    fl_array_grow((void **)&evs, &cap, n + 1, sizeof(*evs)) < 0) {
			free(ev.str);
			rc = -ENOMEM;
			break;
		}
		evs[n++] = ev;
	}
	fclose(fp);
	ktime = read_end(ktime);
	for (i = 0; i < n; i++) {
		if (rc < 0)
			free(evs[i].str);	/* not queued */
		else if (push_vma(&evs[i], pid, ktime, m, seq) < 0)
			rc = -ENOMEM;		/* push_vma() freed its string */
	}
	free(evs);
	return rc < 0 ? rc : (int)n;
}

int fl_proc_comms(pid_t pid, uint64_t ktime, struct rec_merge *m, uint64_t *seq)
{
	char path[64], cpath[400];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct rec_ev ev;
		FILE *fp;
		int tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		snprintf(cpath, sizeof(cpath), "%s/%s/comm", path, de->d_name);
		if (!(fp = fopen(cpath, "re")))
			continue;
		memset(&ev, 0, sizeof(ev));
		if (!fgets(ev.comm, sizeof(ev.comm), fp))
			ev.comm[0] = '\0';
		fclose(fp);
		ev.comm[strcspn(ev.comm, "\n")] = '\0';
		ev.type = REC_TASK;
		ev.t = ktime;
		ev.seq = (*seq)++;
		ev.u.task.id.ktime = ktime;
		ev.u.task.id.cpu = UINT32_MAX;	/* observed by the recorder: no CPU */
		ev.u.task.id.pid = (int32_t)pid;
		ev.u.task.id.tid = tid;
		ev.u.task.kind = FL_UST_TASK_COMM;
		ev.u.task.child_pid = ev.u.task.child_tid = -1;
		if (rec_merge_push(m, &ev) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		n++;
	}
	closedir(d);
	return n;
}
