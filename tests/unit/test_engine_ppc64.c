/* The engine's arch profile: arch, page size and MMU from the trace meta
 * (the faultline dialect reads them from the trace name), and the --set
 * what-ifs over them. */
#include "unit.h"

#include "access_error.h"
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

static struct fl_vma vma_with(uint64_t flags)
{
	struct fl_vma v;

	memset(&v, 0, sizeof(v));
	v.start = 0x10000000;
	v.end = 0x10100000;
	v.flags = flags;
	v.kind = FL_VMA_ANON;
	return v;
}

/* arch/powerpc/mm/fault.c access_error() as in current kernels, with
 * "powerpc/mm: Fix false detection of read faults" (f2c7e3562b4c): an
 * instruction fetch needs VM_EXEC; a write needs VM_WRITE; a read fails
 * only on a PROT_NONE VMA (!vma_is_accessible()) or on an execute-only one
 * under radix.  A read with DSISR_PROTFAULT (a NUMA-hinting pte_protnone()
 * PTE) is no error by itself, where x86 refuses a present-page read. */
static void ppc64_access_error(void **state)
{
	const uint32_t user = FL_ACC_USER;
	struct fl_vma rw = vma_with(FL_VM_READ | FL_VM_WRITE);
	struct fl_vma rx = vma_with(FL_VM_READ | FL_VM_EXEC);
	struct fl_vma x = vma_with(FL_VM_EXEC);
	struct fl_vma w = vma_with(FL_VM_WRITE);
	struct fl_vma none = vma_with(0);

	(void)state;
	/* exec */
	assert_true(fl_access_error(FL_MM_ARCH_PPC64, true, &rw, FL_ACC_EXEC | user));
	assert_false(fl_access_error(FL_MM_ARCH_PPC64, true, &rx, FL_ACC_EXEC | user));
	assert_false(fl_access_error(FL_MM_ARCH_PPC64, true, &x, FL_ACC_EXEC | user));
	/* write */
	assert_true(fl_access_error(FL_MM_ARCH_PPC64, true, &rx, FL_ACC_WRITE | user));
	assert_false(fl_access_error(FL_MM_ARCH_PPC64, true, &w, FL_ACC_WRITE | user));
	/* read: VM_WRITE or VM_EXEC imply read, except exec-only on radix */
	assert_false(fl_access_error(FL_MM_ARCH_PPC64, true, &w, FL_ACC_READ | user));
	assert_true(fl_access_error(FL_MM_ARCH_PPC64, true, &x, FL_ACC_READ | user));
	assert_false(fl_access_error(FL_MM_ARCH_PPC64, false, &x, FL_ACC_READ | user));
	assert_true(fl_access_error(FL_MM_ARCH_PPC64, true, &none, FL_ACC_READ | user));
	assert_true(fl_access_error(FL_MM_ARCH_PPC64, false, &none, FL_ACC_READ | user));
	/* PROTFAULT on a read: NUMA hinting, not an error on ppc64; x86 says
	 * error (a present page read can only be NX or PROT_NONE there). */
	assert_false(fl_access_error(FL_MM_ARCH_PPC64, true, &rw, FL_ACC_READ | FL_ACC_PROT | user));
	assert_true(fl_access_error(FL_MM_ARCH_X86_64, false, &rw, FL_ACC_READ | FL_ACC_PROT | user));
	/* a key fault is refused on both */
	assert_true(fl_access_error(FL_MM_ARCH_PPC64, true, &rw, FL_ACC_READ | FL_ACC_PKEY | user));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(from_the_trace),
		cmocka_unit_test(what_ifs),
		cmocka_unit_test(ppc64_access_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
