/*
 * cowread: write faults on private file mappings whose pages are not in
 * the page cache, for the recorded lock wait of a fault that did IO
 * between two mmap_lock acquisitions (tests/fixtures/fl-cowread).
 *
 *   cowread [-n MAPS] FILE
 *
 * Writes FILE with 64 * MAPS pages, syncs it and drops it from the page
 * cache (POSIX_FADV_DONTNEED), then maps MAPS single pages of it, 64 pages
 * apart, each its own MAP_PRIVATE VMA (default 16), and writes one byte of
 * each.  Each first write is do_cow_fault(): vmf_anon_prepare() takes and
 * releases the mmap_lock trylock to give the new VMA its anon_vma, then
 * filemap_fault() drops the VMA lock to read the page (VM_FAULT_RETRY), and
 * the fault is done again under mmap_lock.  A page that an earlier read
 * brought in has no IO: that fault stays under its VMA lock.  FILE must be
 * on a file system with a page cache (not tmpfs); it is removed at the end.
 *
 * On stdout, the sum of one byte read back from each page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "cowread: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cowread [-n MAPS] FILE\n");
}

int main(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE), sum = 0, maps = 16;
	int opt, fd;
	char *buf, *end;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		switch (opt) {
		case 'n':
			maps = strtol(optarg, &end, 10);
			if (*end || maps < 1 || maps > 4096) {
				fprintf(stderr, "cowread: '%s' is not a number in [1, 4096]\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	fd = open(argv[optind], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(argv[optind]);
	buf = malloc((size_t)pg);
	if (!buf)
		die("malloc");
	memset(buf, 7, (size_t)pg);
	for (long i = 0; i < 64L * maps; i++)
		if (write(fd, buf, (size_t)pg) != pg)
			die("write");
	if (fsync(fd) < 0)
		die("fsync");
	/* Clean and unmapped now: dropped from the page cache. */
	errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (errno)
		die("posix_fadvise");
	for (long i = 0; i < maps; i++) {
		char *p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			       (off_t)i * 64 * pg);

		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		sum += p[1];
	}
	printf("%ld\n", sum);
	unlink(argv[optind]);
	free(buf);
	return 0;
}
