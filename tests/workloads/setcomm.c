/* setcomm NAME: names its thread NAME with prctl(PR_SET_NAME), as any
 * program may, then faults in 16 pages of an anonymous mapping.  The
 * tests name it with terminal control sequences, which faultline must
 * print escaped. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	size_t len = 16 * 4096;
	char *p;

	if (argc != 2) {
		fprintf(stderr, "usage: setcomm NAME\n");
		return 2;
	}
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) != 0) {
		perror("prctl");
		return 1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	munmap(p, len);
	return 0;
}
