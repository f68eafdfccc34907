/* callsites: mm calls made from named functions, for `report --by writer`'s
 * call sites.  Built -O0 -g (the Makefile): each function keeps its frame
 * and its name, and the call into the C library's wrapper leaves the return
 * address into it on the stack (tracer/call_site.h).
 *
 * A faulting thread touches pages of an arena while the main thread, in
 * rounds, grows the arena with mmap (grow_arena), protects a part of it
 * with mprotect (seal_arena) and unmaps it with munmap (release_arena):
 * writers the faults can meet.  -n rounds (default 200).  Prints
 * `callsites: rounds=N` on stderr.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_PAGES 16
#define TOUCH_PAGES 256

static atomic_bool done;

static void *grow_arena(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void seal_arena(void *p, size_t len)
{
	if (mprotect(p, len / 2, PROT_READ) < 0) {
		perror("mprotect");
		exit(1);
	}
}

static void release_arena(void *p, size_t len)
{
	if (munmap(p, len) < 0) {
		perror("munmap");
		exit(1);
	}
}

/* Faults to meet the writers: fresh pages, dropped and touched again. */
static void *toucher(void *arg)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = TOUCH_PAGES * pg;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, len, MADV_NOHUGEPAGE);
	while (!atomic_load(&done)) {
		for (size_t i = 0; i < len; i += pg)
			buf[i] = 1;
		madvise(buf, len, MADV_DONTNEED);
	}
	munmap(buf, len);
	return NULL;
}

int main(int argc, char **argv)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = ARENA_PAGES * pg;
	int rounds = 200, opt;
	pthread_t t;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt == 'n') {
			rounds = atoi(optarg);
		} else {
			fprintf(stderr, "usage: callsites [-n ROUNDS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (pthread_create(&t, NULL, toucher, NULL) != 0)
		return 1;
	for (int r = 0; r < rounds; r++) {
		char *p = grow_arena(len);

		for (size_t i = 0; i < len; i += pg)
			p[i] = 1;
		seal_arena(p, len);
		release_arena(p, len);
	}
	atomic_store(&done, true);
	pthread_join(t, NULL);
	fprintf(stderr, "callsites: rounds=%d\n", rounds);
	return 0;
}
