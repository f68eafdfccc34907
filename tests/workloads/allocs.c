/*
 * allocs: a multi-threaded allocator workload for `make bench`.  Threads
 * (-t, default 4) each do -n rounds (default 50) of allocating a mix of
 * small and large blocks (glibc serves the large ones with mmap and its
 * per-thread arenas grow and trim with mprotect and madvise), writing
 * them, and freeing most of them, so the mm calls and faults come from
 * malloc itself, from several threads at once.
 * On stderr: allocs: threads=T rounds=N bytes=B elapsed_s=S
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long rounds = 50;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
	void *keep[64] = { 0 };
	size_t *bytes = calloc(1, sizeof(*bytes));

	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < 64; i++) {
			size_t sz;
			seed = seed * 1103515245u + 12345u;
			/* One in eight is large (mmap'd by malloc: 256 KiB to 2 MiB). */
			sz = (seed >> 8) % 8 == 0 ? (256u << 10) + (seed >> 12) % (1792u << 10)
						   : 16 + (seed >> 12) % 8192;
			free(keep[i]);
			keep[i] = malloc(sz);
			if (!keep[i])
				continue;
			memset(keep[i], (int)r, sz);
			*bytes += sz;
		}
		/* Free most of them: arenas shrink and grow again. */
		for (int i = 0; i < 56; i++) {
			free(keep[i]);
			keep[i] = NULL;
		}
	}
	for (int i = 0; i < 64; i++)
		free(keep[i]);
	return bytes;
}

int main(int argc, char **argv)
{
	long threads = 4;
	size_t total = 0;
	double t0;
	int c;

	while ((c = getopt(argc, argv, "t:n:")) != -1) {
		if (c == 't')
			threads = atol(optarg);
		else if (c == 'n')
			rounds = atol(optarg);
		else {
			fprintf(stderr, "usage: allocs [-t THREADS] [-n ROUNDS]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 256 || rounds < 1) {
		fprintf(stderr, "usage: allocs [-t THREADS] [-n ROUNDS]\n");
		return 2;
	}
	pthread_t t[256];
	t0 = now_s();
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (long i = 0; i < threads; i++) {
		void *b;
		pthread_join(t[i], &b);
		total += b ? *(size_t *)b : 0;
		free(b);
	}
	fprintf(stderr, "allocs: threads=%ld rounds=%ld bytes=%zu elapsed_s=%.3f\n", threads, rounds,
		total, now_s() - t0);
	return 0;
}
