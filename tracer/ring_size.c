#include "ring_size.h"

#include <stdio.h>
#include <string.h>

size_t fl_ring_default_pages(int ncpus, size_t page_size, uint64_t avail)
{
	uint64_t per_cpu = FL_RING_MIN_BYTES, want;
	size_t pages;

	if (ncpus < 1)
		ncpus = 1;
	if (page_size == 0 || (page_size & (page_size - 1)))
		page_size = 4096;
	want = avail / FL_RING_MEM_SHARE / (uint64_t)ncpus;
	while (per_cpu * 2 <= want && per_cpu * 2 <= FL_RING_MAX_BYTES)
		per_cpu *= 2;
	pages = (size_t)(per_cpu / page_size);
	return pages ? pages : 1;
}

uint64_t fl_ring_mem_available(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}
