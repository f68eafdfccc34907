/* The strategy registry: adding a strategy is one file and one line here.
 * `--strategy all` runs them in this order. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mm_ops.h"
#include "strategy.h"

extern const struct fl_strategy fl_strategy_classic;
extern const struct fl_strategy fl_strategy_pervma;
extern const struct fl_strategy fl_strategy_spf;
extern const struct fl_strategy fl_strategy_spf_mmseq;

const struct fl_strategy *const fl_strategies[] = {
	&fl_strategy_classic,
	&fl_strategy_pervma,
	&fl_strategy_spf,
	&fl_strategy_spf_mmseq,
	NULL,
};

const struct fl_strategy *fl_strategy_find(const char *name)
{
	for (size_t i = 0; fl_strategies[i]; i++)
		if (!strcmp(fl_strategies[i]->name, name))
			return fl_strategies[i];
	return NULL;
}

int fl_profile_parse(const char *s, int *kver)
{
	unsigned major, minor;
	char plus = 0, extra;
	int n = sscanf(s, "%u.%u%c%c", &major, &minor, &plus, &extra);

	if (n < 2 || n > 3 || (n == 3 && plus != '+') || major != 6 || minor > 99)
		return -EINVAL;
	*kver = FL_MM_KVER((int)major, (int)minor);
	return 0;
}

const char *fl_place_name(enum fl_place p)
{
	static const char *const names[] = { "vma", "inferred", "stack", "no VMA", "unknown" };

	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

const char *fl_handler_name(enum fl_handler h)
{
	static const char *const names[] = { "anon_read", "anon_write", "file_read", "file_cow",
					     "file_shared", "wp", "swap", "spurious" };

	return (unsigned)h < sizeof(names) / sizeof(names[0]) ? names[h] : "?";
}

const char *fl_path_name(enum fl_path p)
{
	static const char *const names[] = { "vma_lock", "speculative", "mmap_lock", "none" };

	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}
