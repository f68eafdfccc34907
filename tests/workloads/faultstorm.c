/*
 * faultstorm: the event rate a production program can reach, for checking
 * that `faultline record` loses nothing at its default settings.
 *
 * Two toucher threads each do -r rounds (default 20) of: mmap -m MiB
 * (default 64) anonymous with MADV_NOHUGEPAGE, write every 4 KiB page
 * (fresh pages: one fault each), munmap.  A third thread churns mmap /
 * munmap of one page until the touchers are done, taking mmap_lock for
 * write all along.  Defaults: 2 x 20 x 16384 = 655,360 faults.
 * On stderr, one summary line:
 *   faultstorm: touchers=2 rounds=20 mib=64 faults=655360 churns=N elapsed_s=S rate=F
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long rounds = 20, mib = 64;
static atomic_int touchers_left = 2;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *toucher(void *arg)
{
	size_t len = (size_t)mib << 20, page = (size_t)sysconf(_SC_PAGESIZE);

	(void)arg;
	for (long r = 0; r < rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("faultstorm: mmap");
			exit(1);
		}
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += page)
			p[off] = 1;
		munmap(p, len);
	}
	atomic_fetch_sub(&touchers_left, 1);
	return NULL;
}

static void *churner(void *arg)
{
	long *n = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	while (atomic_load(&touchers_left) > 0) {
		void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, page);
		(*n)++;
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: faultstorm [-r ROUNDS] [-m MIB]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t t[3];
	long churns = 0;
	double t0, s;
	int c;

	while ((c = getopt(argc, argv, "r:m:h")) != -1) {
		switch (c) {
		case 'r':
			rounds = atol(optarg);
			break;
		case 'm':
			mib = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (rounds < 1 || mib < 1 || mib > 65536)
		usage();
	t0 = now_s();
	pthread_create(&t[0], NULL, toucher, NULL);
	pthread_create(&t[1], NULL, toucher, NULL);
	pthread_create(&t[2], NULL, churner, &churns);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	s = now_s() - t0;
	long faults = 2 * rounds * (mib << 20) / sysconf(_SC_PAGESIZE);
	fprintf(stderr, "faultstorm: touchers=2 rounds=%ld mib=%ld faults=%ld churns=%ld "
		"elapsed_s=%.3f rate=%.0f\n", rounds, mib, faults, churns, s, (double)faults / s);
	return 0;
}
