/*
 * proctree: a process tree of the shapes real programs take, for checking
 * that a recording follows every process's address space.
 *
 *   proctree [-w WORKERS] [-t THREADS] [-i ITER] [-x] [-s]
 *
 * The main process starts THREADS threads (default 8), then forks WORKERS
 * worker processes (default 3), each with THREADS threads of its own.
 * Every thread does ITER rounds (default 40) of: mmap 64 pages anonymous,
 * MADV_NOHUGEPAGE, write every page, mprotect a quarter read-only (a VMA
 * split: the mm's writer the other threads' faults meet), munmap.  One
 * thread per process also grows and shrinks the heap with brk (malloc of
 * large blocks with M_MMAP_THRESHOLD raised).
 * With -s the main process also starts two helpers, one with posix_spawn()
 * and one with vfork() + execv(), each `proctree -w 0 -t 2 -i 10` (their
 * mm is shared with the parent until their exec).
 * With -x the program first execs itself once more (without -x): a
 * process whose second image is the one that works.
 * Prints one line on stderr: `proctree: pid=P workers=W threads=T ...`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static long iters = 40;

static void *churn(void *arg)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 64 * pg;
	int heap = arg != NULL;

	for (long i = 0; i < iters; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t o = 0; o < len; o += pg)
			p[o] = (char)o;
		mprotect(p, len / 4, PROT_READ);
		munmap(p, len);
		if (heap) {
			char *b = malloc(96 * pg);

			if (b) {
				for (size_t o = 0; o < 96 * pg; o += pg)
					b[o] = 1;
				free(b);
				malloc_trim(0);
			}
		}
	}
	return NULL;
}

static void run_threads(long n)
{
	pthread_t th[256];

	if (n > 256)
		n = 256;
	for (long i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, churn, i == 0 ? (void *)1 : NULL))
			n = i;
	for (long i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static pid_t spawn_helper(const char *self, int use_vfork)
{
	char *argv[] = { (char *)self, "-w", "0", "-t", "2", "-i", "10", NULL };
	pid_t pid;

	if (!use_vfork)
		return posix_spawn(&pid, self, NULL, NULL, argv, environ) ? -1 : pid;
	pid = vfork();
	if (pid == 0) {
		execv(self, argv);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	long workers = 3, threads = 8;
	int spawn = 0, reexec = 0, opt, status, failed = 0;
	pid_t kids[66], helpers[2] = { -1, -1 };
	long nkids = 0;

	while ((opt = getopt(argc, argv, "w:t:i:xsh")) != -1) {
		switch (opt) {
		case 'w': workers = strtol(optarg, NULL, 10); break;
		case 't': threads = strtol(optarg, NULL, 10); break;
		case 'i': iters = strtol(optarg, NULL, 10); break;
		case 'x': reexec = 1; break;
		case 's': spawn = 1; break;
		default:
			fprintf(stderr, "usage: proctree [-w WORKERS] [-t THREADS] [-i ITER] [-x] [-s]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (workers < 0 || workers > 64 || threads < 1 || iters < 1) {
		fprintf(stderr, "proctree: -w 0..64, -t >= 1, -i >= 1\n");
		return 2;
	}
	if (reexec) {
		/* The same arguments less -x: the second image does the work. */
		char *nargv[64];
		int n = 0;

		for (int i = 0; i < argc && n < 63; i++)
			if (strcmp(argv[i], "-x"))
				nargv[n++] = argv[i];
		nargv[n] = NULL;
		execv("/proc/self/exe", nargv);
		perror("proctree: exec");
		return 1;
	}
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	if (spawn) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n <= 0)
			return 1;
		self[n] = '\0';
		helpers[0] = spawn_helper(self, 0);
		helpers[1] = spawn_helper(self, 1);
	}
	for (long w = 0; w < workers; w++) {
		pid_t pid = fork();

		if (pid == 0) {
			run_threads(threads);
			_exit(0);
		}
		if (pid > 0)
			kids[nkids++] = pid;
	}
	run_threads(threads);
	for (long i = 0; i < nkids; i++)
		if (waitpid(kids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	for (int i = 0; i < 2; i++)
		if (helpers[i] > 0 &&
		    (waitpid(helpers[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)))
			failed = 1;
	fprintf(stderr, "proctree: pid=%d workers=%ld threads=%ld iters=%ld spawned=%d\n",
		(int)getpid(), workers, threads, iters, spawn ? 2 : 0);
	return failed;
}
