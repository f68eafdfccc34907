/* mlockwalk: write holds of mmap_lock that no recorder names.  The main
 * thread mlock()s and munlock()s pieces of a region, -n rounds (default
 * 2000): do_mlock() takes mmap_lock for write, and mlock_fixup() splits
 * the region's VMA (vma_start_write() on it) and merges it back on the
 * munlock().  Neither call is an mm call faultline or perf traces, so the
 * trace shows the hold with no call around it.  A second thread keeps
 * faulting on the same region (it writes a page, drops a few with
 * MADV_DONTNEED, and writes them again), so some of its faults come during
 * those holds.  With two CPUs or more the two threads are pinned to two
 * different ones: on one CPU (the kernel not preempting a task in a short
 * syscall) no fault would fall inside a hold.  The pieces are 32 pages, far
 * below the default RLIMIT_MEMLOCK.  The calls go to the kernel through
 * syscall(): the sanitizers' runtimes intercept mlock() and munlock() and
 * do nothing (make asan builds the workloads with them).  Prints
 * `mlockwalk: rounds=N` on stderr. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REGION_PAGES 1024
#define PIECE_PAGES 32

static char *region;
static long page;
static atomic_int stop;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);	/* best effort */
}

static void *faulter(void *arg)
{
	unsigned s = 1;

	(void)arg;
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin(1);
	while (!atomic_load(&stop)) {
		size_t p = rand_r(&s) % (REGION_PAGES - 8);

		for (size_t i = 0; i < 8; i++)
			region[(p + i) * page] = 1;
		madvise(region + p * page, 8 * page, MADV_DONTNEED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = 2000, opt;
	unsigned s = 7;
	pthread_t t;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || (rounds = atoi(optarg)) <= 0) {
			fprintf(stderr, "usage: mlockwalk [-n ROUNDS]\n");
			return 2;
		}
	}
	page = sysconf(_SC_PAGESIZE);
	region = mmap(NULL, REGION_PAGES * page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("mlockwalk: mmap");
		return 1;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin(0);
	if (pthread_create(&t, NULL, faulter, NULL)) {
		fprintf(stderr, "mlockwalk: cannot start a thread\n");
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		char *piece = region + (rand_r(&s) % (REGION_PAGES - PIECE_PAGES)) * page;

		if (syscall(SYS_mlock, piece, PIECE_PAGES * page)) {
			perror("mlockwalk: mlock");
			return 1;
		}
		syscall(SYS_munlock, piece, PIECE_PAGES * page);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	fprintf(stderr, "mlockwalk: rounds=%d\n", rounds);
	return 0;
}
