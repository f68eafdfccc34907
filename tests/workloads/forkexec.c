/*
 * forkexec: a multi-process workload for `make bench` and the recorder's
 * process-tree handling: -p processes (default 4) each fork -n children
 * (default 50) in turn; every child execs ARGV[0] itself with -c, which
 * touches -k pages (default 64) of a fresh mapping and exits.  So the
 * trace has forks, execs, exits and faults in many short-lived address
 * spaces.
 * On stderr: forkexec: procs=P children=N pages=K elapsed_s=S
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int touch(long pages)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = (size_t)pages * page;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
	munmap(p, len);
	return 0;
}

int main(int argc, char **argv)
{
	long procs = 4, children = 50, pages = 64;
	char kbuf[32];
	double t0;
	int c, child = 0;

	while ((c = getopt(argc, argv, "p:n:k:c")) != -1) {
		switch (c) {
		case 'p': procs = atol(optarg); break;
		case 'n': children = atol(optarg); break;
		case 'k': pages = atol(optarg); break;
		case 'c': child = 1; break;
		default:
			fprintf(stderr, "usage: forkexec [-p PROCS] [-n CHILDREN] [-k PAGES]\n");
			return 2;
		}
	}
	if (procs < 1 || procs > 64 || children < 0 || pages < 1 || pages > 1 << 20) {
		fprintf(stderr, "usage: forkexec [-p PROCS] [-n CHILDREN] [-k PAGES]\n");
		return 2;
	}
	if (child)
		return touch(pages);
	snprintf(kbuf, sizeof(kbuf), "%ld", pages);
	t0 = now_s();
	for (long p = 0; p < procs; p++) {
		if (fork() != 0)
			continue;
		for (long n = 0; n < children; n++) {
			pid_t pid = fork();
			if (pid == 0) {
				execl("/proc/self/exe", argv[0], "-c", "-k", kbuf, (char *)NULL);
				_exit(127);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	fprintf(stderr, "forkexec: procs=%ld children=%ld pages=%ld elapsed_s=%.3f\n", procs, children,
		pages, now_s() - t0);
	return 0;
}
