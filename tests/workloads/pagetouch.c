/*
 * pagetouch: a multi-threaded page toucher with a known list of faults and
 * mm calls, for checking what `faultline record` captures.
 *
 * Each thread (-t, default 2) repeats for -r rounds (default 2):
 *   mmap(NULL, P pages, RW, private anonymous)
 *   madvise(region, MADV_NOHUGEPAGE)    so that every 4 KiB page faults
 *   write every page                    P write faults, one per page
 *   mprotect(first half, PROT_READ)     splits the VMA
 *   madvise(second half, MADV_DONTNEED) zaps its PTEs
 *   munmap(region)
 * With -F each thread first reads every page of the fresh mapping, so
 * that the VMA's first fault is a read: mainline maps the zero page there
 * (and the writes fault again, to copy it), a kernel without the zero page
 * allocates, preparing the anon_vma on that first read (the writes then
 * take no fault).
 * P is -p (default 256).  -R N paces each thread to about N page touches a
 * second (0, the default: as fast as it goes), for measuring the fault rate
 * a recorder keeps up with.
 *
 * With -l FILE it writes what it did, one line per fact, after the threads
 * have finished (so the listing itself takes no fault or call inside the
 * measured part):
 *   touch tid=T page=0x7f...           one per page written
 *   call tid=T mmap 0x0 LEN 0x3 0x22 0xffffffff 0x0 ret=140...
 *   call tid=T madvise 0x7f... LEN 0xe ret=0
 *   ...
 * The call arguments are in the syscall's order, in lower-case hex, as the
 * kernel's syscall tracepoints see them; the return value is in decimal.
 * On stderr, one summary line:
 *   pagetouch: threads=2 rounds=2 pages=256 faults=1024 calls=20 elapsed_s=0.004 rate=...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

struct fact {
	char line[160];
};

struct worker {
	pthread_t th;
	int idx;
	pid_t tid;
	long rounds, pages, rate;
	bool read_first;
	size_t page_size;
	struct fact *facts;
	size_t nfacts;
	long faults;
	long sum;		/* of the -F reads: keeps them */
};

static void add(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->facts)
		return;
	va_start(ap, fmt);
	vsnprintf(w->facts[w->nfacts].line, sizeof(w->facts[w->nfacts].line), fmt, ap);
	va_end(ap);
	w->nfacts++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "pagetouch: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	size_t len = (size_t)w->pages * w->page_size;
	size_t half = (size_t)(w->pages / 2) * w->page_size;
	double t0 = now_s();
	long touched = 0;

	w->tid = (pid_t)syscall(SYS_gettid);
	for (long r = 0; r < w->rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		/* fd -1 reaches the kernel as the int glibc passes in a 64-bit
		 * register: 0xffffffff, not 0xffffffffffffffff. */
		add(w, "call tid=%d mmap 0x0 0x%zx 0x%x 0x%x 0xffffffff 0x0 ret=%lu", (int)w->tid,
		    len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (unsigned long)p);
		if (madvise(p, len, MADV_NOHUGEPAGE) < 0)
			die("madvise");
		add(w, "call tid=%d madvise %p 0x%zx 0x%x ret=0", (int)w->tid, (void *)p, len,
		    MADV_NOHUGEPAGE);
		for (long i = 0; w->read_first && i < w->pages; i++)
			w->sum += ((volatile char *)p)[(size_t)i * w->page_size];
		for (long i = 0; i < w->pages; i++) {
			p[(size_t)i * w->page_size] = (char)i;
			touched++;
			/* Pace: every 64 pages, wait until on schedule. */
			if (w->rate > 0 && (touched & 63) == 0)
				while (now_s() - t0 < (double)touched / (double)w->rate)
					;
		}
		w->faults += w->pages;
		for (long i = 0; i < w->pages; i++)
			add(w, "touch tid=%d page=%p", (int)w->tid, (void *)(p + (size_t)i * w->page_size));
		if (mprotect(p, half, PROT_READ) < 0)
			die("mprotect");
		add(w, "call tid=%d mprotect %p 0x%zx 0x%x ret=0", (int)w->tid, (void *)p, half,
		    PROT_READ);
		if (madvise(p + half, len - half, MADV_DONTNEED) < 0)
			die("madvise");
		add(w, "call tid=%d madvise %p 0x%zx 0x%x ret=0", (int)w->tid, (void *)(p + half),
		    len - half, MADV_DONTNEED);
		if (munmap(p, len) < 0)
			die("munmap");
		add(w, "call tid=%d munmap %p 0x%zx ret=0", (int)w->tid, (void *)p, len);
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pagetouch [-t THREADS] [-r ROUNDS] [-p PAGES] [-R TOUCHES_PER_S] [-F] "
		   "[-l FILE]\n");
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "pagetouch: '%s' is not a number in [%ld, %ld]\n", s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct worker w[MAX_THREADS];
	long threads = 2, rounds = 2, pages = 256, rate = 0;
	const char *list = NULL;
	long faults = 0;
	size_t calls = 0;
	double t0, t1;
	bool read_first = false;
	int c;

	while ((c = getopt(argc, argv, "t:r:p:R:Fl:h")) != -1) {
		switch (c) {
		case 't': threads = num(optarg, 1, MAX_THREADS); break;
		case 'r': rounds = num(optarg, 1, 1000000); break;
		case 'p': pages = num(optarg, 2, 1 << 20); break;
		case 'R': rate = num(optarg, 0, 1000000000); break;
		case 'F': read_first = true; break;
		case 'l': list = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	t0 = now_s();
	for (long i = 0; i < threads; i++) {
		w[i].idx = (int)i;
		w[i].rounds = rounds;
		w[i].pages = pages;
		w[i].rate = rate;
		w[i].read_first = read_first;
		w[i].page_size = (size_t)sysconf(_SC_PAGESIZE);
		/* Allocated and touched up front: during the run, the only mm
		 * calls are the listed ones (and the C library's thread stacks). */
		if (list) {
			size_t n = (size_t)rounds * (size_t)(pages + 5);
			w[i].facts = calloc(n, sizeof(*w[i].facts));
			if (!w[i].facts)
				die("calloc");
			memset(w[i].facts, 0, n * sizeof(*w[i].facts));
		}
		if ((errno = pthread_create(&w[i].th, NULL, run, &w[i])) != 0)
			die("pthread_create");
	}
	for (long i = 0; i < threads; i++)
		pthread_join(w[i].th, NULL);
	t1 = now_s();
	if (list) {
		FILE *f = fopen(list, "w");
		if (!f)
			die(list);
		for (long i = 0; i < threads; i++)
			for (size_t k = 0; k < w[i].nfacts; k++)
				fprintf(f, "%s\n", w[i].facts[k].line);
		fclose(f);
	}
	for (long i = 0; i < threads; i++) {
		faults += w[i].faults;
		calls += (size_t)w[i].rounds * 5;
		free(w[i].facts);
	}
	fprintf(stderr, "pagetouch: threads=%ld rounds=%ld pages=%ld faults=%ld calls=%zu "
		"elapsed_s=%.3f rate=%.0f\n", threads, rounds, pages, faults, calls, t1 - t0,
		(double)faults / (t1 - t0));
	return 0;
}
