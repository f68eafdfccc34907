/*
 * mmchurn: a small multi-threaded page-fault / mmap_lock microbenchmark.
 *
 * Faulting threads (default 2) repeat, for each iteration:
 *   mmap(region, anonymous, private, RW)
 *   madvise(MADV_NOHUGEPAGE)            so that every 4 KiB page faults
 *   touch every page: most pages are written; every 4th page is read first
 *     (maps the zero page) and then written (a write-protection fault)
 *   madvise(MADV_DONTNEED)              zaps the PTEs, keeps the VMA
 *   write every page again
 *   munmap(region)
 *
 * Churning threads (default 1) repeat, for each iteration:
 *   mmap(8 pages, RW)
 *   write the first page
 *   mprotect(pages [2,4), PROT_READ)    splits the VMA in three
 *   mremap(pages [4,8) -> 8 pages, MREMAP_MAYMOVE)   grows (or moves) the tail
 *   munmap(pages [0,4))
 *   munmap(the grown tail)
 * Each of these mm calls takes mmap_lock for write, so the faulting threads
 * sometimes fall back from the per-VMA-lock path to mmap_lock.
 *
 * The churning threads are paced by the faulting threads' progress so that
 * the churn overlaps the faults for the whole run, and every count in the
 * summary is fixed by the options (it does not depend on timing).
 *
 * On exit, one line is printed on stderr with what was done, e.g.
 *   mmchurn: fault_threads=2 churn_threads=1 iterations=24 region_pages=128
 *   page_size=4096 churn_iterations=800 fault_tids=101,102 churn_tids=103
 *   pages_touched=6144,6144 expected_faults=6912,6912 mmap=848 munmap=1648
 *   mprotect=800 mremap=800 madvise=96 brk=0 elapsed_s=0.040
 * (one line; wrapped here). pages_touched counts both passes;
 * expected_faults is pages_touched plus one write-protection fault for each
 * read-first page. The mm-call counts are the calls made by this
 * program's own code, summed over all threads; the C library and the
 * dynamic loader make a few more (thread stacks, malloc arenas).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_FAULT_THREADS 2
#define DEFAULT_CHURN_THREADS 1
#define DEFAULT_ITERATIONS 24
#define DEFAULT_REGION_KIB 512
#define DEFAULT_CHURN_ITERATIONS 800
#define MAX_THREADS 64
#define CHURN_PAGES 8
#define PROGRESS_CHUNK 16 /* pages between progress updates */

struct opts {
	int fault_threads;
	int churn_threads;
	long iterations;
	long region_pages;
	long churn_iterations;
};

struct counts {
	long mmap, munmap, mprotect, mremap, madvise;
};

static void counts_add(struct counts *tot, const struct counts *c)
{
	tot->mmap += c->mmap;
	tot->munmap += c->munmap;
	tot->mprotect += c->mprotect;
	tot->mremap += c->mremap;
	tot->madvise += c->madvise;
}

struct fault_arg {
	int idx;
	pid_t tid;
	long pages_touched;
	long expected_faults;
	struct counts c;
};

struct churn_arg {
	int idx;
	pid_t tid;
	struct counts c;
};

static struct opts g_opts;
static size_t g_page;
static atomic_long g_progress;     /* pages touched so far, all faulting threads */
static long g_total_progress;      /* pages the faulting threads will touch */
static pthread_barrier_t g_start;

static void die(const char *what)
{
	fprintf(stderr, "mmchurn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static pid_t gettid_compat(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void advance(long pages)
{
	atomic_fetch_add_explicit(&g_progress, pages, memory_order_relaxed);
}

static void *fault_main(void *p)
{
	struct fault_arg *a = p;
	const long np = g_opts.region_pages;
	const size_t len = (size_t)np * g_page;
	volatile unsigned char sink = 0;

	a->tid = gettid_compat();
	pthread_barrier_wait(&g_start);

	for (long it = 0; it < g_opts.iterations; it++) {
		unsigned char *r = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r == MAP_FAILED)
			die("mmap (faulting thread)");
		a->c.mmap++;
		if (madvise(r, len, MADV_NOHUGEPAGE) != 0)
			die("madvise(MADV_NOHUGEPAGE)");
		a->c.madvise++;

		/* First pass: write most pages; read, then write, every 4th. */
		for (long i = 0; i < np; i++) {
			unsigned char *pg = r + (size_t)i * g_page;
			if (i % 4 == 3) {
				sink += pg[0];     /* read fault: zero page */
				pg[0] = (unsigned char)(it + i + sink); /* wp fault */
				a->expected_faults += 2;
			} else {
				pg[0] = (unsigned char)(it + i);
				a->expected_faults += 1;
			}
			a->pages_touched++;
			if ((i + 1) % PROGRESS_CHUNK == 0)
				advance(PROGRESS_CHUNK);
		}
		advance(np % PROGRESS_CHUNK);

		if (madvise(r, len, MADV_DONTNEED) != 0)
			die("madvise(MADV_DONTNEED)");
		a->c.madvise++;

		/* Second pass: every page faults again after the zap. */
		for (long i = 0; i < np; i++) {
			r[(size_t)i * g_page] = (unsigned char)(it ^ i);
			a->expected_faults += 1;
			a->pages_touched++;
			if ((i + 1) % PROGRESS_CHUNK == 0)
				advance(PROGRESS_CHUNK);
		}
		advance(np % PROGRESS_CHUNK);

		if (munmap(r, len) != 0)
			die("munmap (faulting thread)");
		a->c.munmap++;
	}
	(void)sink;
	return NULL;
}

/* Churn iteration k (0-based) waits until the faulting threads have done
 * k/churn_iterations of their work, so that churn is spread over the run. */
static void pace(long k)
{
	if (g_total_progress == 0)
		return;
	for (;;) {
		long done = atomic_load_explicit(&g_progress, memory_order_relaxed);
		if ((double)done * (double)g_opts.churn_iterations >=
		    (double)k * (double)g_total_progress)
			return;
		sched_yield();
	}
}

static void *churn_main(void *p)
{
	struct churn_arg *a = p;
	const size_t len = CHURN_PAGES * g_page;
	const size_t half = len / 2;

	a->tid = gettid_compat();
	pthread_barrier_wait(&g_start);

	for (long k = 0; k < g_opts.churn_iterations; k++) {
		pace(k);
		unsigned char *r = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r == MAP_FAILED)
			die("mmap (churning thread)");
		a->c.mmap++;
		r[0] = (unsigned char)k;

		if (mprotect(r + 2 * g_page, 2 * g_page, PROT_READ) != 0)
			die("mprotect");
		a->c.mprotect++;

		unsigned char *t = mremap(r + half, half, len, MREMAP_MAYMOVE);
		if (t == MAP_FAILED)
			die("mremap");
		a->c.mremap++;

		if (munmap(r, half) != 0)
			die("munmap (churning thread, head)");
		a->c.munmap++;
		if (munmap(t, len) != 0)
			die("munmap (churning thread, tail)");
		a->c.munmap++;
	}
	return NULL;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [-t N] [-c N] [-i N] [-s KIB] [-n N] [-h]\n"
		"  -t N    faulting threads (default %d)\n"
		"  -c N    churning threads (default %d, 0 allowed)\n"
		"  -i N    iterations per faulting thread (default %d)\n"
		"  -s KIB  region size per iteration, in KiB (default %d)\n"
		"  -n N    iterations per churning thread (default %d)\n"
		"  -h      this help\n"
		"Prints a one-line summary of what was done on stderr.\n",
		argv0, DEFAULT_FAULT_THREADS, DEFAULT_CHURN_THREADS,
		DEFAULT_ITERATIONS, DEFAULT_REGION_KIB, DEFAULT_CHURN_ITERATIONS);
}

static long parse_num(const char *s, const char *opt, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "mmchurn: %s: expected an integer in [%ld, %ld], got '%s'\n",
			opt, min, max, s);
		exit(2);
	}
	return v;
}

static void print_list_tids(FILE *f, const char *key, const pid_t *v, int n)
{
	fprintf(f, " %s=", key);
	if (n == 0)
		fputc('-', f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? "," : "", (int)v[i]);
}

static void print_list_long(FILE *f, const char *key, const long *v, int n)
{
	fprintf(f, " %s=", key);
	if (n == 0)
		fputc('-', f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%ld", i ? "," : "", v[i]);
}

int main(int argc, char **argv)
{
	int c;
	long region_kib = DEFAULT_REGION_KIB;

	g_opts.fault_threads = DEFAULT_FAULT_THREADS;
	g_opts.churn_threads = DEFAULT_CHURN_THREADS;
	g_opts.iterations = DEFAULT_ITERATIONS;
	g_opts.churn_iterations = DEFAULT_CHURN_ITERATIONS;

	while ((c = getopt(argc, argv, "t:c:i:s:n:h")) != -1) {
		switch (c) {
		case 't': g_opts.fault_threads = (int)parse_num(optarg, "-t", 0, MAX_THREADS); break;
		case 'c': g_opts.churn_threads = (int)parse_num(optarg, "-c", 0, MAX_THREADS); break;
		case 'i': g_opts.iterations = parse_num(optarg, "-i", 0, 100000000L); break;
		case 's': region_kib = parse_num(optarg, "-s", 4, 64L * 1024 * 1024); break;
		case 'n': g_opts.churn_iterations = parse_num(optarg, "-n", 0, 100000000L); break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mmchurn: unexpected argument '%s'\n", argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (g_opts.fault_threads + g_opts.churn_threads == 0) {
		fprintf(stderr, "mmchurn: nothing to do (-t 0 -c 0)\n");
		return 2;
	}

	long ps = sysconf(_SC_PAGESIZE);
	if (ps <= 0)
		die("sysconf(_SC_PAGESIZE)");
	g_page = (size_t)ps;
	g_opts.region_pages = (long)(((size_t)region_kib * 1024 + g_page - 1) / g_page);
	g_total_progress = (long)g_opts.fault_threads * g_opts.iterations *
			   2 * g_opts.region_pages;

	static struct fault_arg fa[MAX_THREADS];
	static struct churn_arg ca[MAX_THREADS];
	pthread_t th[2 * MAX_THREADS];
	int nth = 0;
	struct timespec t0, t1;

	int e = pthread_barrier_init(&g_start, NULL,
				     (unsigned)(g_opts.fault_threads + g_opts.churn_threads + 1));
	if (e != 0) {
		errno = e;
		die("pthread_barrier_init");
	}
	for (int i = 0; i < g_opts.fault_threads; i++) {
		fa[i].idx = i;
		if ((e = pthread_create(&th[nth++], NULL, fault_main, &fa[i])) != 0) {
			errno = e;
			die("pthread_create");
		}
	}
	for (int i = 0; i < g_opts.churn_threads; i++) {
		ca[i].idx = i;
		if ((e = pthread_create(&th[nth++], NULL, churn_main, &ca[i])) != 0) {
			errno = e;
			die("pthread_create");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&g_start);
	for (int i = 0; i < nth; i++) {
		if ((e = pthread_join(th[i], NULL)) != 0) {
			errno = e;
			die("pthread_join");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_barrier_destroy(&g_start);

	struct counts tot = {0, 0, 0, 0, 0};
	pid_t ftids[MAX_THREADS], ctids[MAX_THREADS];
	long touched[MAX_THREADS], expected[MAX_THREADS];
	for (int i = 0; i < g_opts.fault_threads; i++) {
		ftids[i] = fa[i].tid;
		touched[i] = fa[i].pages_touched;
		expected[i] = fa[i].expected_faults;
		counts_add(&tot, &fa[i].c);
	}
	for (int i = 0; i < g_opts.churn_threads; i++) {
		ctids[i] = ca[i].tid;
		counts_add(&tot, &ca[i].c);
	}
	double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	fprintf(stderr,
		"mmchurn: fault_threads=%d churn_threads=%d iterations=%ld region_pages=%ld"
		" page_size=%zu churn_iterations=%ld",
		g_opts.fault_threads, g_opts.churn_threads, g_opts.iterations,
		g_opts.region_pages, g_page, g_opts.churn_iterations);
	print_list_tids(stderr, "fault_tids", ftids, g_opts.fault_threads);
	print_list_tids(stderr, "churn_tids", ctids, g_opts.churn_threads);
	print_list_long(stderr, "pages_touched", touched, g_opts.fault_threads);
	print_list_long(stderr, "expected_faults", expected, g_opts.fault_threads);
	fprintf(stderr, " mmap=%ld munmap=%ld mprotect=%ld mremap=%ld madvise=%ld brk=0"
		" elapsed_s=%.3f\n",
		tot.mmap, tot.munmap, tot.mprotect, tot.mremap, tot.madvise, el);
	return 0;
}
