/* The zero-page probe: read a few fresh anonymous pages, then ask smaps
 * how much of the mapping is resident.  The zero page is a special PTE
 * that smaps' Rss does not count (vm_normal_page() is NULL for it), so a
 * kernel that maps it shows 0 kB; one that allocates shows every page.
 * No privilege is needed, unlike /proc/self/pagemap's PFNs.
 *
 * The replay needs the answer: without the zero page a read fault
 * prepares the VMA's anon_vma, which may take mmap_lock (replay/README-mm.md). */
#include "zero_page.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROBE_PAGES 4

/* smaps' Rss of the mapping that starts at start, in kB; -1 not found. */
static long rss_kb(uintptr_t start)
{
	char line[256], head[32];
	FILE *f = fopen("/proc/self/smaps", "re");
	long kb = -1;
	bool in = false;

	if (!f)
		return -1;
	snprintf(head, sizeof(head), "%lx-", (unsigned long)start);
	while (fgets(line, sizeof(line), f)) {
		if (!in) {
			in = !strncmp(line, head, strlen(head));
			continue;
		}
		if (sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

int fl_zero_page_probe(void)
{
	long page = sysconf(_SC_PAGESIZE), kb;
	size_t len;
	unsigned char *m;
	volatile unsigned char *p;
	unsigned sum = 0;

	if (page <= 0)
		return -1;
	/* The pages between two PROT_NONE guards: a VMA of their own, which
	 * no neighbour merges with, so smaps has it under its own start. */
	len = (size_t)page * (PROBE_PAGES + 2);
	m = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	p = m + page;
	if (mprotect((void *)p, (size_t)page * PROBE_PAGES, PROT_READ | PROT_WRITE) < 0) {
		munmap(m, len);
		return -1;
	}
	for (int i = 0; i < PROBE_PAGES; i++)
		sum += p[(size_t)i * (size_t)page];
	kb = rss_kb((uintptr_t)p);
	munmap(m, len);
	if (sum != 0 || kb < 0)
		return -1;
	if (kb == 0)
		return 1;
	return kb >= PROBE_PAGES * (page / 1024) ? 0 : -1;
}
