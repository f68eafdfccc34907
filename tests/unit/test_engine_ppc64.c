/* The engine's arch profile: arch, page size and MMU from the trace meta
 * (the faultline dialect reads them from the trace name), and the --set
 * what-ifs over them. */
#include "unit.h"

#include "engine.h"
#include "mm_ops.h"
#include "strategy.h"

struct setup {
	const char *arch, *mmu;
	uint32_t page_size;
	const char *wi_arch, *wi_mmu;	/* what-if, NULL none */
	uint32_t wi_page_size;
};

/* The page-table profile and the run config the strategies get. */
static void profile_of(const struct setup *s, char *pgt, size_t len, struct fl_run_cfg *cfg)
{
	struct fl_engine_run run;
	struct fl_trace_meta meta;
	struct fl_engine *e;

	memset(&run, 0, sizeof(run));
	run.strategy = fl_strategy_find("pervma");
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.arch, sizeof(meta.arch), "%s", s->arch);
	snprintf(meta.mmu, sizeof(meta.mmu), "%s", s->mmu);
	snprintf(meta.release, sizeof(meta.release), "6.12.95+deb12-powerpc64le-64k");
	meta.page_size = s->page_size;
	e = fl_engine_new(&run, 1, NULL);
	assert_non_null(e);
	if (s->wi_arch || s->wi_mmu || s->wi_page_size)
		fl_engine_what_if(e, s->wi_arch, s->wi_page_size, s->wi_mmu);
	assert_int_equal(fl_engine_begin(e, &meta), 0);
	snprintf(pgt, len, "%s", fl_engine_pgt_name(e));
	*cfg = run.cfg;
	fl_engine_free(e);
}

static void from_the_trace(void **state)
{
	char pgt[32];
	struct fl_run_cfg cfg;

	(void)state;
	profile_of(&(struct setup){ "ppc64le", "radix", 65536, NULL, NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-radix-64k");
	assert_int_equal(cfg.page_shift, 16);
	assert_int_equal(cfg.arch, FL_MM_ARCH_PPC64);
	/* hash 64K: a PMD covers 16 MiB */
	profile_of(&(struct setup){ "ppc64le", "hash", 65536, NULL, NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-hash-64k");
	/* hash 4K: hash-4k.h's own geometry (H_PMD_INDEX_SIZE 7) */
	profile_of(&(struct setup){ "ppc64le", "hash", 4096, NULL, NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-hash-4k");
	assert_int_equal(cfg.page_shift, 12);
	/* no MMU in the trace (older recordings): radix, POWER9's default */
	profile_of(&(struct setup){ "ppc64le", "", 65536, NULL, NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-radix-64k");
	profile_of(&(struct setup){ "x86_64", "", 4096, NULL, NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "x86_64-4k");
	assert_int_equal(cfg.arch, FL_MM_ARCH_X86_64);
}

static void what_ifs(void **state)
{
	char pgt[32];
	struct fl_run_cfg cfg;

	(void)state;
	/* x86 trace as ppc64: 64K radix unless told */
	profile_of(&(struct setup){ "x86_64", "", 4096, "ppc64", NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-radix-64k");
	assert_int_equal(cfg.page_shift, 16);
	assert_int_equal(cfg.arch, FL_MM_ARCH_PPC64);
	profile_of(&(struct setup){ "x86_64", "", 4096, "ppc64", "hash", 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-hash-64k");
	profile_of(&(struct setup){ "x86_64", "", 4096, "ppc64", NULL, 4096 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-radix-4k");
	assert_int_equal(cfg.page_shift, 12);
	/* ppc64 hash trace as x86_64: 4K, the trace's MMU no longer applies */
	profile_of(&(struct setup){ "ppc64le", "hash", 65536, "x86_64", NULL, 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "x86_64-4k");
	assert_int_equal(cfg.page_shift, 12);
	assert_int_equal(cfg.arch, FL_MM_ARCH_X86_64);
	/* the same arch: only what was set changes */
	profile_of(&(struct setup){ "ppc64le", "radix", 65536, NULL, "hash", 0 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-hash-64k");
	profile_of(&(struct setup){ "ppc64le", "radix", 65536, NULL, NULL, 4096 }, pgt, sizeof(pgt), &cfg);
	assert_string_equal(pgt, "ppc64-radix-4k");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(from_the_trace),
		cmocka_unit_test(what_ifs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
