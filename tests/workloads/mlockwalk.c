/* mlockwalk: write holds of mmap_lock beside faults.  The main
 * thread changes pieces of a region and changes them back, -n rounds
 * (default 2000), with one of three calls (-c):
 *   mlock  (default) mlock() then munlock(): do_mlock() takes mmap_lock for
 *          write, and mlock_fixup() splits the region's VMA
 *          (vma_start_write() on it) and merges it back on the munlock().
 *   mbind  mbind(MPOL_BIND, node 0) then mbind(MPOL_DEFAULT): do_mbind()
 *          takes mmap_lock for write, and mbind_range() ->
 *          vma_modify_policy() splits the VMA and write-locks it the same
 *          way, and merges it back on the second call.
 *   pkey   pkey_mprotect(PROT_READ|PROT_WRITE|PROT_EXEC, key -1) then back
 *          to PROT_READ|PROT_WRITE: do_mprotect_pkey() splits and merges
 *          as mprotect() does (key -1 keeps the VMA's key, and needs no
 *          protection-key hardware).
 * Both recorders trace the mlock family and pkey_mprotect() as mm calls
 * (t0157), but not
 * mbind(): with -c mbind the trace shows holds with no mm call around
 * them (t0155).  A second
 * thread keeps faulting on the same region (it writes a page, drops a few
 * with MADV_DONTNEED, and writes them again), so some of its faults come
 * during those holds.  With two CPUs or more the two threads are pinned to
 * two different ones: on one CPU (the kernel not preempting a task in a
 * short syscall) no fault would fall inside a hold.  The pieces are 32
 * pages, far below the default RLIMIT_MEMLOCK.  The calls go to the kernel
 * through syscall(): the sanitizers' runtimes intercept mlock() and
 * munlock() and do nothing (make asan builds the workloads with them), and
 * mbind() that way needs no libnuma.  mbind() needs a kernel built with
 * CONFIG_NUMA (ENOSYS without it; node 0 is there on any such kernel).
 * Prints `mlockwalk: rounds=N` on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REGION_PAGES 1024
#define PIECE_PAGES 32

/* <numaif.h> is libnuma's (libnuma-dev): the two modes from
 * <linux/mempolicy.h>, without it. */
#ifndef MPOL_DEFAULT
#define MPOL_DEFAULT 0
#endif
#ifndef MPOL_BIND
#define MPOL_BIND 2
#endif

static char *region;
static long page;
static atomic_int stop;

/* One round on the piece at p: 0, or -1 with errno set and *what naming the
 * call that failed (for perror()). */
static int round_mlock(char *p, const char **what)
{
	*what = "mlockwalk: mlock";
	if (syscall(SYS_mlock, p, PIECE_PAGES * page))
		return -1;
	syscall(SYS_munlock, p, PIECE_PAGES * page);
	return 0;
}

static int round_mbind(char *p, const char **what)
{
	unsigned long mask = 1;		/* node 0 */

	*what = "mlockwalk: mbind(MPOL_BIND)";
	if (syscall(SYS_mbind, p, PIECE_PAGES * page, MPOL_BIND, &mask, 64, 0))
		return -1;
	*what = "mlockwalk: mbind(MPOL_DEFAULT)";
	if (syscall(SYS_mbind, p, PIECE_PAGES * page, MPOL_DEFAULT, NULL, 0, 0))
		return -1;
	return 0;
}

static int round_pkey(char *p, const char **what)
{
	*what = "mlockwalk: pkey_mprotect";
	if (syscall(SYS_pkey_mprotect, p, PIECE_PAGES * page, PROT_READ | PROT_WRITE | PROT_EXEC, -1))
		return -1;
	if (syscall(SYS_pkey_mprotect, p, PIECE_PAGES * page, PROT_READ | PROT_WRITE, -1))
		return -1;
	return 0;
}

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
	int (*one_round)(char *, const char **) = round_mlock;
	unsigned s = 7;
	pthread_t t;

	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		if (opt == 'n' && (rounds = atoi(optarg)) > 0)
			continue;
		if (opt == 'c' && !strcmp(optarg, "mlock")) {
			one_round = round_mlock;
			continue;
		}
		if (opt == 'c' && !strcmp(optarg, "mbind")) {
			one_round = round_mbind;
			continue;
		}
		if (opt == 'c' && !strcmp(optarg, "pkey")) {
			one_round = round_pkey;
			continue;
		}
		fprintf(stderr, "usage: mlockwalk [-c mlock|mbind|pkey] [-n ROUNDS]\n");
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "usage: mlockwalk [-c mlock|mbind|pkey] [-n ROUNDS]\n");
		return 2;
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
		const char *what;

		if (one_round(piece, &what)) {
			int e = errno;

			perror(what);
			if (e == ENOSYS && one_round == round_mbind)
				fprintf(stderr, "mlockwalk: this kernel has no mbind() "
					"(built without CONFIG_NUMA)\n");
			else if (e == EPERM && one_round == round_mbind)
				fprintf(stderr, "mlockwalk: mbind() refused (a seccomp "
					"filter, or a container that forbids it)\n");
			return 1;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	fprintf(stderr, "mlockwalk: rounds=%d\n", rounds);
	return 0;
}
