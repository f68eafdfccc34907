/* callsites: mm calls made from named functions, for `report --by writer`'s
 * call sites.  Built -O0 -g (the Makefile): each function keeps its frame
 * and its name, and the call into the C library's wrapper leaves the return
 * address into it on the stack (tracer/call_site.h).
 *
 * The main thread does -n rounds (default 200): grow_arena() maps an arena
 * (mmap), seal_arena() makes its first half read-only and writable again
 * a few times (mprotect: each splits or merges the VMA, write-locking it),
 * release_arena() unmaps it (munmap).  A second thread reads every page of
 * the current arena and drops them (MADV_DONTNEED), and between arenas the
 * pages of a buffer of its own, so its faults meet those writers.  It
 * sweeps only when the main thread asks, once before each call: the trace
 * holds the same number of faults however loaded the machine is (about
 * 200k for 200 rounds), where a reader sweeping for as long as the run
 * lasted made a trace that grew with the load.  With two CPUs or more the
 * two threads run on two different ones: on a loaded machine the scheduler
 * otherwise kept them on one CPU, where (the kernel not preempting a task
 * in a short syscall) no fault ever fell inside an mmap or a munmap.
 * Prints `callsites: rounds=N` on stderr.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_PAGES 64
#define OWN_PAGES 256
#define SEALS 8

static _Atomic(char *) current;	/* the arena the reader may read */
static _Atomic(char *) in_use;	/* the arena it is reading */
static atomic_uint own_sweeps;	/* sweeps of its own buffer begun */
static atomic_uint own_wanted;	/* ... and asked for */
static atomic_uint arena_sweeps;	/* sweeps of an arena begun */
static atomic_uint arena_wanted;	/* ... and asked for */
static atomic_bool done;
static size_t page;

static char *grow_arena(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void seal_arena(char *p, size_t len, bool sealed)
{
	if (mprotect(p, len / 2, sealed ? PROT_READ : PROT_READ | PROT_WRITE) < 0) {
		perror("mprotect");
		exit(1);
	}
}

static void release_arena(char *p, size_t len)
{
	if (munmap(p, len) < 0) {
		perror("munmap");
		exit(1);
	}
}

/* Read faults (the zero page) on every page, then drop them. */
static void read_pages(char *p, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		(void)*(volatile char *)(p + i * page);
	madvise(p, npages * page, MADV_DONTNEED);
}

/* The n-th CPU (from 0) this process may run on, or -1. */
static int nth_cpu(int n)
{
	cpu_set_t all;

	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all) && n-- == 0)
			return c;
	return -1;
}

/* Keep the calling thread on CPU c. */
static void pin_to(int c)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(c, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static void *reader(void *arg)
{
	char *own = mmap(NULL, OWN_PAGES * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (*(int *)arg >= 0)
		pin_to(*(int *)arg);
	if (own == MAP_FAILED)
		return NULL;
	while (!atomic_load(&done)) {
		char *p = atomic_load(&current);

		if (p && atomic_load(&arena_sweeps) != atomic_load(&arena_wanted)) {
			/* Announce, then check it is still the current one:
			 * the main thread unmaps only what is not in use. */
			atomic_store(&in_use, p);
			if (atomic_load(&current) == p) {
				atomic_fetch_add(&arena_sweeps, 1);
				read_pages(p, ARENA_PAGES);
			}
			atomic_store(&in_use, NULL);
		} else if (!p && atomic_load(&own_sweeps) != atomic_load(&own_wanted)) {
			atomic_fetch_add(&own_sweeps, 1);
			read_pages(own, OWN_PAGES);
		} else {
			sched_yield();
		}
	}
	return NULL;
}

/* Ask the reader for one more sweep of what *sweeps counts, and wait
 * until it has begun: the call that follows meets its faults. */
static void await_sweep(atomic_uint *sweeps, atomic_uint *wanted)
{
	unsigned s0 = atomic_load(sweeps);

	atomic_fetch_add(wanted, 1);
	while (atomic_load(sweeps) == s0)
		sched_yield();
}

int main(int argc, char **argv)
{
	int rounds = 200, opt;
	size_t len;
	pthread_t t;
	int cpu0 = nth_cpu(0), cpu1 = nth_cpu(1);

	page = (size_t)sysconf(_SC_PAGESIZE);
	len = ARENA_PAGES * page;
	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt == 'n') {
			rounds = atoi(optarg);
		} else {
			fprintf(stderr, "usage: callsites [-n ROUNDS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	/* Main on the first CPU it may use, the reader on the second. */
	if (cpu1 >= 0)
		pin_to(cpu0);
	if (pthread_create(&t, NULL, reader, &cpu1) != 0)
		return 1;
	/* Each call is made once the reader has begun faulting where it
	 * meets it: mmap and munmap while it sweeps its own buffer (the
	 * arena merges with and splits from the VMAs around it), mprotect
	 * while it sweeps the arena. */
	for (int r = 0; r < rounds; r++) {
		char *p;

		await_sweep(&own_sweeps, &own_wanted);
		p = grow_arena(len);
		atomic_store(&current, p);
		/* Each seal at the start of a sweep of its own: one chance
		 * per call, not per round, that the two threads run at once
		 * on a loaded machine. */
		for (int k = 0; k < SEALS; k++) {
			await_sweep(&arena_sweeps, &arena_wanted);
			seal_arena(p, len, k % 2 == 0);
		}
		atomic_store(&current, NULL);
		while (atomic_load(&in_use) == p)
			sched_yield();
		await_sweep(&own_sweeps, &own_wanted);
		release_arena(p, len);
	}
	atomic_store(&done, true);
	pthread_join(t, NULL);
	fprintf(stderr, "callsites: rounds=%d\n", rounds);
	return 0;
}
