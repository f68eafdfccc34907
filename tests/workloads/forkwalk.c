/*
 * forkwalk: a multi-threaded process that forks, for the fork's write hold
 * of its mm.
 *
 * The main thread maps -r anonymous regions (default 32) of 64 KiB to 2 MiB,
 * each with a PROT_NONE guard page at its end, so each is a VMA of its
 * own, and every eighth a private read-only mapping of a file instead.
 * -t threads (default 3) then write (or, in the file mappings, read) random
 * pages of random regions, and now and then MADV_DONTNEED one, while the
 * main thread forks -f children (default 30), -g microseconds apart
 * (default 3000), each of which exits at once.  fork()'s dup_mmap() holds
 * the parent's mmap_lock for write and write-locks its VMAs in address
 * order as it copies them, so the threads' faults on the VMAs it has
 * reached fall back to mmap_lock and wait for the fork.
 *
 * Prints `forkwalk: threads=T regions=R forks=F elapsed_s=S` on stderr.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REGIONS 256
#define MAX_THREADS 64
#define PG 4096UL

static char *reg[MAX_REGIONS];
static size_t len[MAX_REGIONS];
static int nreg = 32;
static volatile int stop;

static int is_file(int i)
{
	return i % 8 == 7;
}

static void *writer(void *arg)
{
	unsigned seed = (unsigned)(long)arg * 7919u + 1;

	while (!stop) {
		int i = (int)(rand_r(&seed) % (unsigned)nreg);
		size_t off = (rand_r(&seed) % (len[i] / PG)) * PG;

		if (is_file(i)) {
			volatile char c = reg[i][off];
			(void)c;
		} else {
			reg[i][off]++;
		}
		if ((rand_r(&seed) & 1023) == 0 && !is_file(i))
			madvise(reg[i], len[i], MADV_DONTNEED);
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: forkwalk [-t THREADS] [-r REGIONS] [-f FORKS] [-g GAP_US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int nthreads = 3, nforks = 30, gap_us = 3000, opt, fd;
	unsigned seed = 3;
	pthread_t t[MAX_THREADS];
	struct timespec t0, t1;

	while ((opt = getopt(argc, argv, "t:r:f:g:h")) != -1) {
		switch (opt) {
		case 't': nthreads = atoi(optarg); break;
		case 'r': nreg = atoi(optarg); break;
		case 'f': nforks = atoi(optarg); break;
		case 'g': gap_us = atoi(optarg); break;
		default: usage();
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || nreg < 1 || nreg > MAX_REGIONS ||
	    nforks < 0 || gap_us < 0)
		usage();
	fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0) {
		perror("forkwalk: /proc/self/exe");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nreg; i++) {
		if (is_file(i)) {
			len[i] = PG;
			reg[i] = mmap(NULL, len[i], PROT_READ, MAP_PRIVATE, fd, 0);
		} else {
			len[i] = (16UL << (rand_r(&seed) % 6)) * PG;
			reg[i] = mmap(NULL, len[i], PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		}
		if (reg[i] == MAP_FAILED) {
			perror("forkwalk: mmap");
			return 1;
		}
		if (!is_file(i)) {
			/* A guard page keeps it apart from its neighbours. */
			len[i] -= PG;
			mprotect(reg[i] + len[i], PG, PROT_NONE);
		}
	}
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, writer, (void *)i);
	usleep(20000);
	for (int c = 0; c < nforks; c++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
		usleep((useconds_t)gap_us);
	}
	stop = 1;
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "forkwalk: threads=%d regions=%d forks=%d elapsed_s=%.3f\n", nthreads,
		nreg, nforks, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
