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

/* The engine's own outcomes (engine_decide.c run_fault()): no strategy ran. */
const struct fl_cause fl_engine_causes[] = {
	[FL_ENGINE_CAUSE_ABSORBED_64K] = {
		FL_CAUSE_ENGINE_BASE + 1, 0, "", "no fault at 64 KiB pages: its page was mapped",
		"what-if page size: an earlier fault already mapped this 64 KiB page, so the "
		"kernel would take no fault here (no handle_mm_fault())" },
	[FL_ENGINE_CAUSE_ABSORBED] = {
		FL_CAUSE_ENGINE_BASE + 2, 0, "", "no fault at the larger page: its page was mapped",
		"what-if page size: an earlier fault already mapped this larger page, so the "
		"kernel would take no fault here (no handle_mm_fault())" },
};

const size_t fl_engine_ncauses = sizeof(fl_engine_causes) / sizeof(fl_engine_causes[0]);

/* By equality: < between pointers into different arrays is undefined. */
static bool in_table(const struct fl_cause *t, size_t n, const struct fl_cause *c)
{
	for (size_t i = 0; t && i < n; i++)
		if (c == &t[i])
			return true;
	return false;
}

bool fl_cause_of(const struct fl_strategy *s, const struct fl_cause *c)
{
	return c && (in_table(fl_engine_causes, fl_engine_ncauses, c) ||
		     (s && in_table(s->causes, s->ncauses, c)));
}

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
