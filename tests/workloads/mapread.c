/*
 * mapread: file faults that start readahead, for checking that `faultline
 * record` captures the readahead tracepoints.
 *
 *   mapread [-p PAGES] [-s] FILE
 *
 * Writes FILE with PAGES pages (default 1024: 4 MiB with 4 KiB pages),
 * syncs it and drops it from the page cache (POSIX_FADV_DONTNEED, which
 * evicts a file's clean, unmapped pages), then maps it read-only and reads
 * one byte of every page, in order.  The page cache misses: the first
 * fault reads around it, and every fault that finds a PG_readahead marker
 * starts readahead of the next window in the faulting thread
 * (readahead:page_cache_async_ra).  With -s the mapping is MADV_SEQUENTIAL
 * and the first fault starts synchronous readahead
 * (readahead:page_cache_sync_ra) instead of reading around.  FILE must be
 * on a file system with a page cache that reads ahead (not tmpfs).
 *
 * On stderr, one line:
 *   mapread: tid=T ino=N pages=P sum=S elapsed_s=E
 * (ino is the file's inode number, what the readahead tracepoints report
 * as i_ino; sum keeps the reads from being optimised away).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "mapread: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mapread [-p PAGES] [-s] FILE\n");
}

int main(int argc, char **argv)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), len;
	long pages = 1024;
	int seq = 0, c, fd;
	unsigned long sum = 0;
	char *buf, *p;
	struct stat st;
	double t0;

	while ((c = getopt(argc, argv, "p:sh")) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			pages = strtol(optarg, &end, 10);
			if (*end || pages < 1 || pages > (1L << 20)) {
				fprintf(stderr, "mapread: '%s' is not a number in [1, 1048576]\n", optarg);
				return 2;
			}
			break;
		}
		case 's': seq = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	len = (size_t)pages * ps;
	fd = open(argv[optind], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		die(argv[optind]);
	buf = malloc(ps);
	if (!buf)
		die("malloc");
	for (long i = 0; i < pages; i++) {
		memset(buf, (int)(i & 0xff), ps);
		if (pwrite(fd, buf, ps, (off_t)((size_t)i * ps)) != (ssize_t)ps)
			die("write");
	}
	free(buf);
	/* Written back, then dropped: the reads below miss the page cache. */
	if (fsync(fd) < 0)
		die("fsync");
	errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (errno)
		die("posix_fadvise");
	if (fstat(fd, &st) < 0)
		die("fstat");

	t0 = now_s();
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (seq && madvise(p, len, MADV_SEQUENTIAL) < 0)
		die("madvise");
	for (size_t off = 0; off < len; off += ps)
		sum += (unsigned char)((volatile char *)p)[off];
	if (munmap(p, len) < 0)
		die("munmap");
	close(fd);
	fprintf(stderr, "mapread: tid=%d ino=%lu pages=%ld sum=%lu elapsed_s=%.3f\n",
		(int)syscall(SYS_gettid), (unsigned long)st.st_ino, pages, sum, now_s() - t0);
	return 0;
}
