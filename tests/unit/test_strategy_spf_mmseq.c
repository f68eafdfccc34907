/* The spf-mmseq strategy (Michel Lespinasse's speculative page faults, v2,
 * January 2022): fault views built by hand, one that must produce each
 * SPF_ABORT_* cause and one that must not, each test naming the function
 * of the series it follows (x86 do_user_addr_fault() of 13/35, the walk of
 * 16/35, do_anonymous_page() of 19/35, __pte_map_lock(), the counters of
 * 31/35).  Time (replay/spec.h): d_spec = 1000 ns, lookup_ns = ptl_ns =
 * 100: mmap_seq is read at T, checked after the VMA copy at T+100, by
 * __pte_map_lock() at T+900 and again with the PTL held over (T+900,
 * T+1000].  Unlike spf, any writer of the mm counts: mmap_seq moves at
 * every mmap_write_lock(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mm_ops.h"
#include "strategy.h"

extern const struct fl_strategy fl_strategy_spf_mmseq;

#define S (&fl_strategy_spf_mmseq)
#define T 1000000ULL
#define D 1000ULL

enum { K_SPEC_FILE, K_PGTABLE_ALLOC, K_SINGLE_THREAD, K_WRITER_SCALE, K_JITTER, K_LOOKUP_NS,
       K_PTL_NS };

struct run {
	struct fl_run_cfg cfg;
	void *state;
};

static void start_cfg(struct run *r, const char *profile, int arch, const int64_t *knobs)
{
	struct fl_err err;

	memset(r, 0, sizeof(*r));
	memset(&err, 0, sizeof(err));
	for (int h = 0; h < FL_H__COUNT; h++)
		r->cfg.cost[h] = 1000;
	r->cfg.page_shift = 12;
	r->cfg.profile = profile;
	r->cfg.arch = arch;
	for (size_t i = 0; S->knobs[i].key; i++)
		r->cfg.knob[i] = knobs && knobs[i] >= 0 ? knobs[i] : S->knobs[i].def;
	r->state = calloc(1, S->state_size);
	assert_non_null(r->state);
	assert_int_equal(S->init(r->state, &r->cfg, &err), 0);
}

static void start(struct run *r, const char *profile)
{
	start_cfg(r, profile, FL_MM_ARCH_X86_64, NULL);
}

/* One knob set, the others at their defaults. */
static void start_knob(struct run *r, const char *profile, int knob, int64_t value)
{
	int64_t k[16];

	for (int i = 0; i < 16; i++)
		k[i] = -1;
	k[knob] = value;
	start_cfg(r, profile, FL_MM_ARCH_X86_64, k);
}

static void stop(struct run *r)
{
	S->fini(r->state);
	free(r->state);
}

static const struct fl_fault user_write = { .address = 0x7f0000001000,
					    .access = FL_ACC_WRITE | FL_ACC_USER };
static const struct fl_fault user_read = { .address = 0x7f0000001000,
					   .access = FL_ACC_READ | FL_ACC_USER };
static const struct fl_fault kernel_write = { .address = 0x7f0000001000, .access = FL_ACC_WRITE };

/* An anonymous VMA with its anon_vma and page tables, four threads, no
 * writer: the speculative path's home ground. */
static struct fl_fault_view view(enum fl_handler h)
{
	struct fl_fault_view v;

	memset(&v, 0, sizeof(v));
	v.fault_id = 1;
	v.t = T;
	v.pid = 1;
	v.tid = 2;
	v.fault = h == FL_H_ANON_READ ? &user_read : &user_write;
	v.has_end = true;
	v.t_end = T + D;
	v.d_spec = D;
	v.place = FL_PLACE_VMA;
	v.vma.start = 0x7f0000000000;
	v.vma.end = 0x7f0000100000;
	v.vma.flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE;
	v.vma.kind = FL_VMA_ANON;
	v.vma.anon_vma = true;
	v.vma.id = 7;
	v.handler = h;
	v.pud_present = v.pmd_present = true;
	v.mm_users = 4;
	return v;
}

/* A writer of the same mm acquiring at b, releasing at e. */
static struct fl_writer writer(uint64_t id, uint64_t b, uint64_t e)
{
	struct fl_writer w;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.pid = 1;
	w.tid = 3;
	w.traced = true;
	w.call.kind = FL_MM_MPROTECT;
	w.has_lock = true;
	w.t_lock_start = w.q_begin = b - 10;
	w.t_lock_acquired = w.w_begin = b;
	w.t_lock_released = w.w_end = e;
	w.vmas_written = 1;
	return w;
}

static struct fl_outcome decide(struct run *r, const struct fl_fault_view *v)
{
	struct fl_outcome o;

	memset(&o, 0, sizeof(o));
	S->fault(r->state, &r->cfg, v, &o);
	assert_true(fl_cause_of(S, o.cause));
	assert_true(fl_outcome_reason(&o)[0] != '\0');
	if (o.path == FL_PATH_SPECULATIVE) {
		assert_false(o.fell_back);
		assert_int_equal(o.lock_wait, 0);
		assert_null(o.writer);
	}
	return o;
}

#define EXPECT(o, path_, fell_, counter_, reason_)                      \
	do {                                                            \
		assert_int_equal((o).path, (path_));                    \
		assert_int_equal((o).fell_back, (fell_));               \
		assert_string_equal(fl_outcome_counter(&(o)), (counter_));           \
		assert_string_equal(fl_outcome_reason(&(o)), (reason_));             \
	} while (0)
#define EXPECT_OK(o) EXPECT(o, FL_PATH_SPECULATIVE, false, "spf_attempt", "ok")
#define EXPECT_RETRY(o, counter_, reason_) EXPECT(o, FL_PATH_MMAP_LOCK, true, counter_, reason_)

/* One view, one outcome, default profile. */
static struct fl_outcome once(const char *profile, const struct fl_fault_view *v)
{
	struct run r;
	struct fl_outcome o;

	start(&r, profile);
	o = decide(&r, v);
	stop(&r);
	return o;
}

/* ---------------------------------------------------------------------- */

static void descriptor(void **state)
{
	(void)state;
	assert_ptr_equal(fl_strategy_find("spf-mmseq"), S);
	assert_true(S->needs & FL_NEED_SPEC_WINDOW);
	assert_null(S->profiles);
	for (size_t i = 0; S->knobs[i].key; i++) {
		assert_true(S->knobs[i].min <= S->knobs[i].def);
		assert_true(S->knobs[i].def <= S->knobs[i].max);
	}
	assert_string_equal(S->knobs[K_PTL_NS].key, "ptl_ns");
}

/* Nothing in the way: count SPF_ATTEMPT, the PTE set under the PTL. */
static void clean_fault(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o = once(NULL, &v);

	(void)state;
	EXPECT_OK(o);
	assert_int_equal(o.latency, D);
}

/* do_user_addr_fault(): kernel faults and mm_users == 1 go to no_spf with
 * no counter; single_thread_shortcut=0 tries them. */
static void no_spf(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.mm_users = 1;
	o = once(NULL, &v);
	EXPECT(o, FL_PATH_MMAP_LOCK, false, "", "single-threaded (mm_users == 1), not tried");
	start_knob(&r, NULL, K_SINGLE_THREAD, 0);
	o = decide(&r, &v);
	EXPECT_OK(o);
	stop(&r);
	v = view(FL_H_ANON_WRITE);
	v.fault = &kernel_write;
	o = once(NULL, &v);
	EXPECT(o, FL_PATH_MMAP_LOCK, false, "", "kernel-mode fault, not tried");
}

/* mmap_seq_read_start(): odd while any writer holds mmap_lock -- also one
 * that writes another VMA, or none (SPF_ABORT_ODD); one that released
 * before T does not matter. */
static void abort_odd(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T - 500, T + 500);
	struct fl_writer_hit h = { .w = &w };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_ODD", "mmap_seq odd: a writer holds mmap_lock");
	assert_ptr_equal(o.writer, &w);
	assert_int_equal(o.lock_wait, 500);
	w = writer(5, T - 500, T - 1);
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* __find_vma() under RCU finds nothing at the address, or a VMA above it
 * (stack growth never goes speculative): SPF_ABORT_UNMAPPED. */
static void abort_unmapped(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.place = FL_PLACE_NO_VMA;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_UNMAPPED", "no VMA");
	v.place = FL_PLACE_STACK;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_UNMAPPED", "below the VMA (stack growth)");
	v.place = FL_PLACE_VMA;
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* !vma_is_anonymous(): SPF_ABORT_NO_SPECULATE; spec_file=1 takes file
 * VMAs with ->map_pages (vma_can_speculate() of the file series). */
static void abort_no_speculate(void **state)
{
	struct fl_fault_view v = view(FL_H_FILE_READ);
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.fault = &user_read;
	v.vma.kind = FL_VMA_FILE;
	v.vma.file_id = 0x1234;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_NO_SPECULATE", "not anonymous");
	start_knob(&r, NULL, K_SPEC_FILE, 1);
	o = decide(&r, &v);
	EXPECT_OK(o);
	/* ->fault that needs IO: SPF_ABORT_FAULT. */
	v.major = true;
	o = decide(&r, &v);
	EXPECT_RETRY(o, "SPF_ABORT_FAULT", "file IO");
	stop(&r);
}

/* pvma = *vma; rcu_read_unlock(); mmap_seq_read_check() fails: a writer
 * acquired mmap_lock during the copy, (T, T+100] -- any VMA. */
static void abort_vma_copy(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 50, T + 5000);
	struct fl_writer_hit h = { .w = &w };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_VMA_COPY", "mmap_seq changed during the VMA copy");
	assert_ptr_equal(o.writer, &w);
	w = writer(5, T + D + 50, T + 5000);	/* after the attempt */
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* access_error() on the copy: SPF_ABORT_ACCESS_ERROR, and the classic path
 * delivers the signal. */
static void abort_access_error(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.access_error = true;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_ACCESS_ERROR", "access error: the classic path signals");
}

/* The speculative walk never allocates: pud_none -> SPF_ABORT_PUD,
 * pmd_none or huge -> SPF_ABORT_PMD; pgtable_alloc=1 allocates (not THP). */
static void abort_pud_pmd(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.pud_present = v.pmd_present = false;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PUD", "walk: no PMD table (pud_none)");
	v.pud_present = true;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PMD", "walk: no PTE table (pmd_none)");
	start_knob(&r, NULL, K_PGTABLE_ALLOC, 1);
	o = decide(&r, &v);
	EXPECT(o, FL_PATH_SPECULATIVE, false, "spf_attempt", "ok, page table allocated");
	v.thp_fault = true;
	o = decide(&r, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PMD", "walk: huge PMD (THP)");
	stop(&r);
}

/* do_anonymous_page(): a write needs the anon_vma (SPF_ABORT_ANON_VMA); a
 * read maps the zero page without it.  uffd missing: SPF_ABORT_USERFAULTFD. */
static void abort_anon_vma_and_uffd(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.vma.anon_vma = false;
	v.needs_anon_vma = true;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_ANON_VMA", "no anon_vma yet");
	v = view(FL_H_ANON_READ);
	v.vma.anon_vma = false;
	o = once(NULL, &v);
	EXPECT_OK(o);
	v.vma.flags |= FL_VM_UFFD_MISSING;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_USERFAULTFD", "userfaultfd missing");
	v = view(FL_H_WP);
	v.vma.flags |= FL_VM_UFFD_WP;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_USERFAULTFD", "userfaultfd write-protect");
}

/* The order of v2's checks in mm/memory.c ("mm: anon spf statistics",
 * 31/35): do_anonymous_page() counts SPF_ABORT_ANON_VMA before it allocates
 * the folio, before any page-table lock; it counts SPF_ABORT_USERFAULTFD
 * only after pte_map_lock() succeeded (userfaultfd_missing() is checked
 * with the PTL held).  do_wp_page() checks userfaultfd_pte_wp() after
 * pte_spinlock(), and wp_page_copy() the anon_vma after that. */
static void check_order_anon_vma_uffd(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 500, T + 600);	/* in (t_walk, t_map] */
	struct fl_writer_hit h = { .w = &w, .wrote_any = true };
	uint64_t ends[1] = { T + 950 };				/* PTL busy at t_map */
	struct fl_outcome o;

	(void)state;
	/* Write, no anon_vma, uffd armed: the anon_vma comes first. */
	v.vma.anon_vma = false;
	v.needs_anon_vma = true;
	v.vma.flags |= FL_VM_UFFD_MISSING;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_ANON_VMA", "no anon_vma yet");

	/* Read of an uffd-armed VMA: pte_map_lock()'s checks come first. */
	v = view(FL_H_ANON_READ);
	v.vma.flags |= FL_VM_UFFD_MISSING;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_SEQ1", "mmap_seq changed before the PTL");
	v.nwhits = 0;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_USERFAULTFD", "userfaultfd missing");

	/* do_wp_page(): the PTL before uffd-wp, uffd-wp before the anon_vma. */
	v = view(FL_H_WP);
	v.vma.flags |= FL_VM_UFFD_WP;
	v.ptl_ends = ends;
	v.nptl_ends = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_PTL", "PTL busy (trylock)");
	v.nptl_ends = 0;
	v.vma.anon_vma = false;
	v.needs_anon_vma = true;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_USERFAULTFD", "userfaultfd write-protect");
	v.vma.flags &= ~FL_VM_UFFD_WP;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_SEQ1", "mmap_seq changed before the PTL");
	v.nwhits = 0;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_ANON_VMA", "no anon_vma yet");
}

/* do_swap_page() under FAULT_FLAG_SPECULATIVE: v2 aborts (SPF_ABORT_SWAP). */
static void abort_swap(void **state)
{
	struct fl_fault_view v = view(FL_H_SWAP);
	struct fl_outcome o;

	(void)state;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_SWAP", "swap: do_swap_page() not speculative in v2");
}

/* __pte_map_lock(): the sequence (SEQ1) -- a writer of any VMA acquiring
 * in (T+100, T+900] -- then the PMD, the PTL trylock, the sequence again
 * with the PTL held (SEQ2). */
static void abort_pte_map_lock(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 500, T + 600);
	struct fl_writer_hit h = { .w = &w };
	struct fl_vma_event e = { .t_begin = T + 400, .t_end = T + 400, .pmd_changed = true };
	uint64_t ends[1] = { T + 950 };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_SEQ1", "mmap_seq changed before the PTL");
	assert_ptr_equal(o.writer, &w);
	assert_int_equal(o.attempts, 2);
	w = writer(5, T + 950, T + 2000);
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_SEQ2", "mmap_seq changed with the PTL held");
	v.nwhits = 0;
	v.vevents = &e;
	v.nvevents = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_PMD", "PMD changed before the PTL");
	v.nvevents = 0;
	v.ptl_ends = ends;
	v.nptl_ends = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "SPF_ABORT_PTE_MAP_LOCK_PTL", "PTL busy (trylock)");
	ends[0] = T + 800;
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* Jitter is seeded and deterministic. */
static void deterministic(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 880, T + 2000);
	struct fl_writer_hit h = { .w = &w };
	struct fl_outcome a, b;
	struct run ra, rb;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	start_knob(&ra, NULL, K_JITTER, 100);
	start_knob(&rb, NULL, K_JITTER, 100);
	a = decide(&ra, &v);
	b = decide(&rb, &v);
	assert_string_equal(fl_outcome_counter(&a), fl_outcome_counter(&b));
	assert_int_equal(a.latency, b.latency);
	stop(&ra);
	stop(&rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descriptor),
		cmocka_unit_test(clean_fault),
		cmocka_unit_test(no_spf),
		cmocka_unit_test(abort_odd),
		cmocka_unit_test(abort_unmapped),
		cmocka_unit_test(abort_no_speculate),
		cmocka_unit_test(abort_vma_copy),
		cmocka_unit_test(abort_access_error),
		cmocka_unit_test(abort_pud_pmd),
		cmocka_unit_test(abort_anon_vma_and_uffd),
		cmocka_unit_test(check_order_anon_vma_uffd),
		cmocka_unit_test(abort_swap),
		cmocka_unit_test(abort_pte_map_lock),
		cmocka_unit_test(deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
