/* Which anonymous VMAs the kernel gives PMD-size transparent huge pages
 * on a fault: the replay's page-table model needs it (a huge page mapped
 * by the first fault in a 2 MiB range means no faults after it there).
 * The PMD size's own hugepages-NkB/enabled decides, unless it says
 * "inherit": then the top-level enabled does (mm/huge_memory.c,
 * __thp_vma_allowable_orders()). */
#include "thp_mode.h"

#include <stdio.h>
#include <string.h>

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* The bracketed word of a sysfs choice file ("always [madvise] never"). */
static int selected(const char *path, char *buf, size_t len)
{
	char line[256], *b, *e;
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return -1;
	b = fgets(line, sizeof(line), f) ? strchr(line, '[') : NULL;
	fclose(f);
	e = b ? strchr(b, ']') : NULL;
	if (!e)
		return -1;
	snprintf(buf, len, "%.*s", (int)(e - b - 1), b + 1);
	return 0;
}

void fl_thp_mode(char *buf, size_t len)
{
	char path[256], mode[32] = "";
	unsigned long pmd = 0;
	FILE *f = fopen(THP_DIR "/hpage_pmd_size", "re");

	buf[0] = '\0';
	if (f) {
		if (fscanf(f, "%lu", &pmd) != 1)
			pmd = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%lukB/enabled", pmd / 1024);
	if (!pmd || selected(path, mode, sizeof(mode)) < 0 || !strcmp(mode, "inherit"))
		selected(THP_DIR "/enabled", mode, sizeof(mode));
	if (!strcmp(mode, "always") || !strcmp(mode, "madvise") || !strcmp(mode, "never"))
		snprintf(buf, len, "%s", mode);
}
