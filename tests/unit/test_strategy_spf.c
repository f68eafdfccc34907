/* The spf strategy (Laurent Dufour's speculative page faults, v11/v12):
 * fault views built by hand, as the engine's second stage hands them over,
 * one that must produce each spf_* cause and one that must not, with the
 * kernel function each follows named above the test; then two tiny event
 * sequences through the engine, where a writer acquires mmap_lock in the
 * middle of a fault.  The attempt's time model is replay/spec.h: with
 * d_spec = 1000 ns, lookup_ns = ptl_ns = 100, a fault at T checks the
 * sequence at T (odd), T+100 (after the walk), T+200 (pte_unmap_same),
 * T+900 (pte_map_lock) and covers (T+900, T+1000] with the PTL held. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mm_ops.h"
#include "strategy.h"

extern const struct fl_strategy fl_strategy_spf;
extern const struct fl_strategy fl_strategy_spf_mmseq;

#define S (&fl_strategy_spf)
#define T 1000000ULL
#define D 1000ULL

enum { K_SPEC_FILE, K_PGTABLE_ALLOC, K_SINGLE_THREAD, K_PTE_WIDE, K_WRITER_SCALE, K_JITTER,
       K_NOANON_EVENT, K_PPC_MEM_KEYS, K_LOOKUP_NS, K_PTL_NS, K_SEQ_WINDOW, K_SEQ_BLOCK,
       K_SEQ_TAIL };

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
static const struct fl_fault user_pkey = { .address = 0x7f0000001000,
					   .access = FL_ACC_WRITE | FL_ACC_USER | FL_ACC_PKEY };
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
#define EXPECT_OK(o) EXPECT(o, FL_PATH_SPECULATIVE, false, "speculative_pgfault", "ok")
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
	assert_ptr_equal(fl_strategy_find("spf"), S);
	assert_true(S->needs & FL_NEED_SPEC_WINDOW);
	assert_string_equal(S->profiles[0], "v12");
	for (size_t i = 0; S->knobs[i].key; i++) {
		assert_true(S->knobs[i].min <= S->knobs[i].def);
		assert_true(S->knobs[i].def <= S->knobs[i].max);
	}
	assert_string_equal(S->knobs[K_PTE_WIDE].key, "pte_wide");
	assert_string_equal(S->knobs[K_PTL_NS].key, "ptl_ns");
}

/* An unknown profile is refused by init (the CLI checks the list too). */
static void unknown_profile(void **state)
{
	struct fl_run_cfg cfg;
	struct fl_err err;
	void *st = calloc(1, S->state_size);

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	cfg.profile = "6.7";
	assert_true(S->init(st, &cfg, &err) < 0);
	free(st);
}

/* Nothing in the way: handle_pte_fault() with FAULT_FLAG_SPECULATIVE, the
 * PTE set under pte_map_lock(); vmstat speculative_pgfault. */
static void clean_fault_goes_speculative(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o = once(NULL, &v);

	(void)state;
	EXPECT_OK(o);
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.latency, D);
}

/* handle_speculative_fault() (inline): mm->mm_users == 1 returns
 * VM_FAULT_RETRY at once -- no attempt, no event; the knob turns the
 * shortcut off. */
static void single_thread_shortcut(void **state)
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
	/* handle_speculative_fault(): no FAULT_FLAG_USER. */
	v = view(FL_H_ANON_WRITE);
	v.fault = &kernel_write;
	o = once(NULL, &v);
	EXPECT(o, FL_PATH_MMAP_LOCK, false, "", "kernel-mode fault, not tried");
}

/* x86 do_user_addr_fault() (v11 24/26): `if (!(error_code & X86_PF_PK))`:
 * a protection-key fault never goes speculative. */
static void x86_pkey_skipped(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.fault = &user_pkey;
	v.access_error = true;
	o = once(NULL, &v);
	EXPECT(o, FL_PATH_MMAP_LOCK, false, "", "x86: protection-key fault, not tried");
}

/* __handle_speculative_fault(): raw_read_seqcount(&vma->vm_sequence) is odd
 * while a writer is between vm_write_begin() and vm_write_end(): the
 * writer holding mmap_sem over the fault's VMA at T.  A writer holding it
 * over another VMA leaves this one's sequence alone. */
static void odd_at_lookup(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T - 500, T + 500);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence odd at lookup (writer inside)");
	assert_ptr_equal(o.writer, &w);
	assert_int_equal(o.attempts, 1);
	/* VM_FAULT_RETRY: the classic path queues behind the writer. */
	assert_int_equal(o.lock_wait, 500);
	h.wrote_vma = false;
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* vm_sequence is odd only between vm_write_begin() and vm_write_end(),
 * which wrap the VMA changes ([PATCH v12 10/31] "mm: protect VMA
 * modifications using VMA sequence count": mmap_region()'s final block,
 * mprotect_fixup() around change_protection(), madvise_behavior()'s
 * vm_flags write), not the whole mmap_sem hold.  An mmap writer holding
 * the lock over T keeps its VMA's sequence odd only for its last
 * seq_block_ns: a fault at T proceeds, one in that block sees it odd.
 * seq_window=0 is the whole hold. */
static void seq_window_mmap_block(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T - 5000, T + 5000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;
	struct run r;

	(void)state;
	w.call.kind = FL_MM_MMAP;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_OK(o);
	/* The block is [T+4000, T+5000]: a fault at T+4500 sees it odd. */
	v.t = T + 4500;
	v.t_end = v.t + D;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence odd at lookup (writer inside)");
	/* A fault at T+3500 sees vm_write_begin() at T+4000 in pte_map_lock(). */
	v.t = T + 3500;
	v.t_end = v.t + D;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "pte_map_lock: vm_sequence changed");
	v.t = T;
	v.t_end = T + D;
	start_knob(&r, NULL, K_SEQ_WINDOW, 0);
	o = decide(&r, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence odd at lookup (writer inside)");
	stop(&r);
	start_knob(&r, NULL, K_SEQ_BLOCK, 6000);
	o = decide(&r, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence odd at lookup (writer inside)");
	stop(&r);
}

/* mprotect_fixup() keeps vm_sequence odd from the vm_flags write through
 * change_protection(); after vm_write_end() the writer still holds
 * mmap_sem until it unlocks (seq_tail_ns).  A fault in that tail proceeds
 * where the whole-hold model said spf_vma_changed. */
static void seq_window_tail_after_write_end(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T - 5000, T + 1000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence odd at lookup (writer inside)");
	start_knob(&r, NULL, K_SEQ_TAIL, 2000);
	o = decide(&r, &v);
	EXPECT_OK(o);
	stop(&r);
}

/* The scheduler's word on vma_start_write(): a fault that held the VMA
 * lock woke the writer waiting in __vma_enter_locked() at its end, so the
 * writer changed the VMA after that wake (fl_writer_hit.late_t).  In
 * Dufour's kernel the same writer reaches vm_write_begin() there: a fault
 * before the wake proceeds, one after it sees the sequence odd. */
static void seq_window_sched_evidence(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T - 5000, T + 5000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true,
				   .late_t = T + D + 3 };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_OK(o);
	v.t = T + D + 10;
	v.t_end = v.t + D;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence odd at lookup (writer inside)");
}

/* read_seqcount_retry(&vma->vm_sequence, seq) after the walk: a writer
 * that acquired mmap_sem after T and changed the VMA before T+100. */
static void changed_during_walk(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 50, T + 5000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence changed during the walk");
	assert_ptr_equal(o.writer, &w);
	assert_int_equal(o.wasted, 100);
	assert_int_equal(o.lock_wait, 5000 - 100);
	h.wrote_vma = false;	/* another VMA: Dufour's count is per VMA */
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* pte_map_lock(): vma_has_changed() first -- a writer of the VMA in
 * (T+100, T+900]; a writer after the attempt ended does not matter. */
static void changed_at_pte_map_lock(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 500, T + 600);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "pte_map_lock: vm_sequence changed");
	assert_ptr_equal(o.writer, &w);
	assert_int_equal(o.attempts, 2);
	w = writer(5, T + D + 10, T + D + 100);
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* pte_map_lock(): vma_has_changed() again once spin_trylock(ptl)
 * succeeded: a writer in (T+900, T+1000]. */
static void changed_after_ptl(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 950, T + 2000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence changed after taking the PTL");
}

/* unmap_page_range() is bracketed by vm_write_begin()/vm_write_end() in
 * the series: MADV_DONTNEED under the read lock bumps vm_sequence too.
 * No mmap_lock writer: the outcome names none. */
static void read_lock_zap(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_vma_event z = { .t_begin = T - 2000, .t_end = T + 500, .kind = FL_MM_MADVISE,
				  .zap = true };
	struct fl_outcome o;

	(void)state;
	v.vevents = &z;
	v.nvevents = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "vm_sequence bumped by a read-lock zap (unmap_page_range)");
	assert_null(o.writer);
	z.t_end = T - 1;	/* done before the fault */
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* pte_spinlock()/pte_map_lock(): pmd_same(*vmf->pmd, vmf->orig_pmd) fails
 * with the VMA unchanged (a huge collapse behind our back). */
static void pmd_changed(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_vma_event e = { .t_begin = T + 400, .t_end = T + 400, .pmd_changed = true };
	struct fl_outcome o;

	(void)state;
	v.vevents = &e;
	v.nvevents = 1;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_pmd_changed", "pte_map_lock: PMD changed");
	e.t_begin = e.t_end = T - 100;	/* before the walk read it */
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* pte_map_lock(), v10 ("mm: Try spin lock in speculative path", the
 * spf_pte_lock event of v8-v10): spin_trylock(ptl) fails while another
 * thread's fault in the same PTE table holds the PTL -> spf_pte_lock.  v11
 * ([PATCH v11 20/26] has no spf_pte_lock) and v12 loop on `again:` and go
 * on: no event, the spin in the latency. */
static void pte_lock_v10_only(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	uint64_t ends[1] = { T + 950 };		/* held over [T+850, T+950) */
	struct fl_outcome o;

	(void)state;
	v.ptl_ends = ends;
	v.nptl_ends = 1;
	o = once("v10", &v);
	EXPECT_RETRY(o, "spf_pte_lock", "pte_map_lock: PTL busy (trylock)");
	o = once("v11", &v);
	EXPECT_OK(o);
	assert_int_equal(o.latency, D + 50);
	o = once("v12", &v);
	EXPECT_OK(o);
	assert_int_equal(o.latency, D + 50);
	ends[0] = T + 800;	/* let go before pte_map_lock */
	o = once("v10", &v);
	EXPECT_OK(o);
}

/* __handle_speculative_fault(): get_vma() is __find_vma(), the first VMA
 * with addr < vm_end.  A fault in a hole below a VMA runs that VMA's
 * checks: a file VMA above gives spf_vma_notsup, an anonymous one fails
 * the bounds check (address < vm_start): spf_vma_changed.  Only a hole
 * with no VMA above it returns VM_FAULT_RETRY without an event. */
static void get_vma_hole_below_a_vma(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.place = FL_PLACE_NO_VMA;
	memset(&v.vma, 0, sizeof(v.vma));
	v.has_above = true;
	v.above.start = 0x7f0000100000;
	v.above.end = 0x7f0000200000;
	v.above.flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE;
	v.above.kind = FL_VMA_ANON;
	v.above.anon_vma = true;
	v.above.id = 8;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "hole below the VMA (bounds check)");

	v.above.kind = FL_VMA_FILE;
	v.above.file_id = 0x1234;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "file-backed (vm_ops->fault)");

	v.has_above = false;
	o = once(NULL, &v);
	assert_int_equal(o.path, FL_PATH_MMAP_LOCK);
	assert_true(o.fell_back);
	assert_string_equal(fl_outcome_counter(&o), "");
	assert_string_equal(fl_outcome_reason(&o), "no VMA (get_vma() NULL), no event");
}

/* vma->vm_ops && vma->vm_ops->fault: spf_vma_notsup for file-backed and
 * special mappings; the what-if spec_file takes filemap_fault-compatible
 * ones (with ->map_pages). */
static void notsup_file(void **state)
{
	struct fl_fault_view v = view(FL_H_FILE_READ);
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.fault = &user_read;
	v.vma.kind = FL_VMA_FILE;
	v.vma.file_id = 0x1234;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "file-backed (vm_ops->fault)");
	start_knob(&r, NULL, K_SPEC_FILE, 1);
	o = decide(&r, &v);
	EXPECT_OK(o);
	v.vma.kind = FL_VMA_SPECIAL;
	v.vma.file_id = 0;
	o = decide(&r, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "special mapping (vm_ops->fault)");
	stop(&r);
}

/* !vma->anon_vma: __anon_vma_prepare() needs mmap_sem.  The code traces
 * spf_vma_notsup; the cover letter documents spf_vma_noanon for it, which
 * noanon_event=1 reports. */
static void notsup_or_noanon_without_anon_vma(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_READ);
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.vma.anon_vma = false;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "no anon_vma yet");
	start_knob(&r, NULL, K_NOANON_EVENT, 1);
	o = decide(&r, &v);
	EXPECT_RETRY(o, "spf_vma_noanon", "no anon_vma yet");
	v.vma.anon_vma = true;
	o = decide(&r, &v);
	EXPECT_OK(o);
	stop(&r);
}

/* VM_UFFD_MISSING and VM_GROWSDOWN: spf_vma_notsup. */
static void notsup_uffd_and_stack(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.vma.flags |= FL_VM_UFFD_MISSING;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "userfaultfd (VM_UFFD_MISSING)");
	v = view(FL_H_ANON_WRITE);
	v.vma.flags |= FL_VM_GROWSDOWN;
	v.vma.kind = FL_VMA_STACK;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "VM_GROWSDOWN (stack)");
}

/* A write without VM_WRITE: spf_vma_access and VM_FAULT_SIGSEGV -- not
 * RETRY, so x86 goes to `done` and the error handling, with no retry
 * under mmap_sem. */
static void access_error_sigsegv(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;

	(void)state;
	v.vma.flags &= ~FL_VM_WRITE;
	v.access_error = true;
	o = once(NULL, &v);
	EXPECT(o, FL_PATH_SPECULATIVE, false, "spf_vma_access",
	       "access error: VM_FAULT_SIGSEGV, no retry");
	assert_int_equal(o.attempts, 1);
	v = view(FL_H_ANON_WRITE);
	o = once(NULL, &v);
	EXPECT_OK(o);
}

/* The IRQ-off walk: pmd_none() (the first fault of a PMD range) and every
 * huge PMD go to out_walk: spf_vma_notsup.  pgtable_alloc allocates the
 * PTE table instead; THP still falls back. */
static void walk_no_table_and_thp(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_outcome o;
	struct run r;

	(void)state;
	v.pmd_present = false;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "walk: no PTE table (pmd_none)");
	start_knob(&r, NULL, K_PGTABLE_ALLOC, 1);
	o = decide(&r, &v);
	EXPECT(o, FL_PATH_SPECULATIVE, false, "speculative_pgfault", "ok, page table allocated");
	v.thp_fault = true;
	o = decide(&r, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "walk: huge PMD (THP)");
	stop(&r);
	v = view(FL_H_SPURIOUS);
	v.pmd_huge = true;
	o = once(NULL, &v);
	EXPECT_RETRY(o, "spf_vma_notsup", "walk: huge PMD (THP)");
}

/* pte_unmap_same() has three results under SPF: 0, VM_FAULT_PTNOTSAME (the
 * PTE another thread changed: do_swap_page() makes it 0), VM_FAULT_RETRY
 * (pte_spinlock() failed).  It only looks when sizeof(pte_t) >
 * sizeof(unsigned long): with pte_wide=0 it returns 0 at once, and the
 * same two races are caught later, under pte_map_lock(). */
static void pte_unmap_same_three_results(void **state)
{
	struct fl_fault_view v = view(FL_H_SWAP);
	struct fl_writer w = writer(5, T + 150, T + 3000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_outcome o;
	struct run narrow, wide;

	(void)state;
	v.major = true;
	start(&narrow, NULL);
	start_knob(&wide, NULL, K_PTE_WIDE, 1);
	/* Same PTE: 0, and the swap-in completes speculatively. */
	o = decide(&wide, &v);
	EXPECT_OK(o);
	o = decide(&narrow, &v);
	EXPECT_OK(o);
	/* Another thread swapped the page in at T+150. */
	v.pte_changed_at = T + 150;
	o = decide(&wide, &v);
	EXPECT(o, FL_PATH_SPECULATIVE, false, "speculative_pgfault",
	       "pte_unmap_same: VM_FAULT_PTNOTSAME, returns 0");
	assert_int_equal(o.latency, 200);
	o = decide(&narrow, &v);
	EXPECT(o, FL_PATH_SPECULATIVE, false, "speculative_pgfault",
	       "pte changed under the PTL: out_nomap, 0");
	/* A writer of the VMA between the walk and pte_unmap_same(). */
	v.pte_changed_at = 0;
	v.whits = &h;
	v.nwhits = 1;
	o = decide(&wide, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "pte_unmap_same: vm_sequence changed");
	assert_ptr_equal(o.writer, &w);
	o = decide(&narrow, &v);
	EXPECT_RETRY(o, "spf_vma_changed", "pte_map_lock: vm_sequence changed");
	stop(&narrow);
	stop(&wide);
}

/* arch/powerpc/mm/fault.c as posted (v11 25/26, v12):
 *   fault != VM_FAULT_RETRY && (IS_ENABLED(CONFIG_PPC_MEM_KEYS) && fault != VM_FAULT_SIGSEGV)
 * Without MEM_KEYS nothing short-circuits: the fault is redone under
 * mmap_sem.  The -ppc-intended profiles read it as (!MEM_KEYS || fault !=
 * SIGSEGV).  With MEM_KEYS a SIGSEGV goes to mmap_sem in both. */
static void ppc_mem_keys_as_posted_and_intended(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	int64_t k[16];
	struct run r;
	struct fl_outcome o;

	(void)state;
	for (int i = 0; i < 16; i++)
		k[i] = -1;
	start_cfg(&r, "v12", FL_MM_ARCH_PPC64, k);
	o = decide(&r, &v);
	EXPECT_OK(o);
	stop(&r);
	k[K_PPC_MEM_KEYS] = 0;
	start_cfg(&r, "v12", FL_MM_ARCH_PPC64, k);
	o = decide(&r, &v);
	EXPECT(o, FL_PATH_MMAP_LOCK, true, "speculative_pgfault",
	       "ppc as posted: MEM_KEYS off, fault redone under mmap_sem");
	assert_int_equal(o.attempts, 2);
	stop(&r);
	start_cfg(&r, "v12-ppc-intended", FL_MM_ARCH_PPC64, k);
	o = decide(&r, &v);
	EXPECT_OK(o);
	stop(&r);
	k[K_PPC_MEM_KEYS] = 1;
	v.vma.flags &= ~FL_VM_WRITE;
	v.access_error = true;
	start_cfg(&r, "v12-ppc-intended", FL_MM_ARCH_PPC64, k);
	o = decide(&r, &v);
	EXPECT(o, FL_PATH_MMAP_LOCK, true, "spf_vma_access",
	       "ppc MEM_KEYS: SIGSEGV redone under mmap_sem (key or protection?)");
	stop(&r);
}

/* The same view, knobs and seed: the same outcome; jitter moves writers
 * by the seed, deterministically. */
static void deterministic_and_seeded(void **state)
{
	struct fl_fault_view v = view(FL_H_ANON_WRITE);
	struct fl_writer w = writer(5, T + 880, T + 2000);
	struct fl_writer_hit h = { .w = &w, .wrote_vma = true, .wrote_any = true };
	int64_t k[16];
	int differ = 0;

	(void)state;
	v.whits = &h;
	v.nwhits = 1;
	for (int i = 0; i < 16; i++)
		k[i] = -1;
	k[K_JITTER] = 100;
	for (uint64_t seed = 0; seed < 16; seed++) {
		struct run a, b;
		struct fl_outcome oa, ob;

		start_cfg(&a, NULL, FL_MM_ARCH_X86_64, k);
		start_cfg(&b, NULL, FL_MM_ARCH_X86_64, k);
		a.cfg.seed = b.cfg.seed = seed;
		S->init(a.state, &a.cfg, NULL);
		S->init(b.state, &b.cfg, NULL);
		oa = decide(&a, &v);
		ob = decide(&b, &v);
		assert_string_equal(fl_outcome_reason(&oa), fl_outcome_reason(&ob));
		assert_int_equal(oa.latency, ob.latency);
		differ += strcmp(fl_outcome_reason(&oa), "pte_map_lock: vm_sequence changed") != 0;
		stop(&a);
		stop(&b);
	}
	/* +-100 ns around T+880 crosses pte_map_lock at T+900 for some seeds. */
	assert_true(differ > 0 && differ < 16);
}

/* ---------------------------------------------------------------------- */
/* Event sequences through the engine                                     */

struct sink {
	struct { char counter[40], reason[80]; uint64_t writer; bool set; } o[8][2];
	size_t n;
};

static int on_fault(void *ctx, const struct fl_fault_view *v, const struct fl_gt_result *gt)
{
	(void)ctx;
	(void)v;
	(void)gt;
	return 0;
}

static int on_outcome(void *ctx, size_t run, const struct fl_fault_view *v, const struct fl_outcome *o)
{
	struct sink *k = ctx;

	if (v->fault_id < 1 || v->fault_id > 8 || run > 1)
		return -1;
	snprintf(k->o[v->fault_id - 1][run].counter, 40, "%s", fl_outcome_counter(o));
	snprintf(k->o[v->fault_id - 1][run].reason, 80, "%s", fl_outcome_reason(o));
	k->o[v->fault_id - 1][run].writer = o->writer ? o->writer->id : 0;
	k->o[v->fault_id - 1][run].set = true;
	k->n++;
	return 0;
}

static struct fl_event ev_at(enum fl_ev_kind kind, uint64_t t, int32_t tid)
{
	struct fl_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.t = t;
	e.pid = 100;
	e.tid = tid;
	return e;
}

static void feed(struct fl_engine *e, struct fl_event ev, bool enter)
{
	assert_int_equal(enter ? fl_engine_mm_enter(e, &ev) : fl_engine_event(e, &ev), 0);
}

static void lock_ev(struct fl_engine *e, uint64_t t, int32_t tid, enum fl_lock_phase ph)
{
	struct fl_event ev = ev_at(FL_EV_MMAP_LOCK, t, tid);

	ev.u.lock.phase = ph;
	ev.u.lock.write = true;
	ev.u.lock.success = ph == FL_LOCK_ACQUIRED;
	feed(e, ev, false);
}

/* A call of tid over [t0, t1] holding mmap_lock for write over
 * [t0 + 2, t1 - 1]. */
static void call(struct fl_engine *e, int32_t tid, enum fl_mm_kind kind, uint64_t t0, uint64_t t1,
		 int64_t ret, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct fl_event ev = ev_at(FL_EV_MM_CALL, t0, tid);
	struct fl_mm_call c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.t_enter = t0;
	c.t_exit = t1;
	c.has_enter = c.has_exit = true;
	c.ret = ret;
	c.args[0] = a0;
	c.args[1] = a1;
	c.args[2] = a2;
	c.args[3] = a3;
	c.args[4] = a4;
	ev.u.mm_call = c;
	ev.u.mm_call.has_exit = false;
	feed(e, ev, true);
	lock_ev(e, t0 + 1, tid, FL_LOCK_START);
	lock_ev(e, t0 + 2, tid, FL_LOCK_ACQUIRED);
	lock_ev(e, t1 - 1, tid, FL_LOCK_RELEASED);
	ev = ev_at(FL_EV_MM_CALL, t1, tid);
	ev.u.mm_call = c;
	feed(e, ev, false);
}

static void fault_ev(struct fl_engine *e, int32_t tid, uint64_t t, uint64_t addr)
{
	struct fl_event ev = ev_at(FL_EV_FAULT, t, tid);

	fl_fault_from_x86_tracepoint(&ev.u.fault, addr, 0x401000, 6 /* USER|WRITE */);
	feed(e, ev, false);
}

static void fault_end_ev(struct fl_engine *e, int32_t tid, uint64_t t)
{
	feed(e, ev_at(FL_EV_FAULT_END, t, tid), false);
}

#define A 0x7f0000000000ULL
#define B 0x7f0000200000ULL
#define LEN 0x10000ULL

/* Two anonymous mappings A and B (2 MiB apart), each written once by the
 * main thread (anon_vma, PTE table), two more threads; then T1 faults in A
 * over [10000, 12000] while T2's mprotect() acquires mmap_lock at 10502:
 * over A, Dufour's vm_sequence of A changes before pte_map_lock()
 * (spf_vma_changed naming the mprotect); over B, A's count is untouched
 * and the fault completes -- but Lespinasse's mmap_seq moved all the same
 * (SPF_ABORT_PTE_MAP_LOCK_SEQ1). */
static void engine_sequence(void **state, uint64_t target, const char *spf_counter,
			    const char *spf_reason)
{
	static const struct fl_trace_meta meta = {
		.path = "test", .tracer = "test", .hostname = "h", .release = "6.18.0-test",
		.arch = "x86_64", .page_size = 4096,
	};
	struct fl_engine_run runs[2];
	struct fl_err err;
	struct sink k;
	struct fl_engine_sink sink = { .ctx = &k, .fault = on_fault, .outcome = on_outcome };
	struct fl_engine *e;
	const struct fl_strategy *ss[2] = { &fl_strategy_spf, &fl_strategy_spf_mmseq };

	(void)state;
	memset(&k, 0, sizeof(k));
	memset(runs, 0, sizeof(runs));
	memset(&err, 0, sizeof(err));
	for (int r = 0; r < 2; r++) {
		runs[r].strategy = ss[r];
		for (size_t i = 0; ss[r]->knobs[i].key; i++)
			runs[r].cfg.knob[i] = ss[r]->knobs[i].def;
		runs[r].state = calloc(1, ss[r]->state_size);
		assert_int_equal(ss[r]->init(runs[r].state, &runs[r].cfg, &err), 0);
	}
	e = fl_engine_new(runs, 2, &sink);
	assert_non_null(e);
	assert_int_equal(fl_engine_begin(e, &meta), 0);
	{
		struct fl_event c = ev_at(FL_EV_TASK, 10, 100);

		c.u.task.kind = FL_TASK_CLONE_THREAD;
		c.u.task.child_tid = 101;
		feed(e, c, false);
		c.u.task.child_tid = 102;
		feed(e, c, false);
	}
	call(e, 100, FL_MM_MMAP, 100, 200, (int64_t)A, 0, LEN, FL_PROT_READ | FL_PROT_WRITE,
	     FL_MAP_PRIVATE | FL_MAP_ANONYMOUS, (uint64_t)-1);
	call(e, 100, FL_MM_MMAP, 300, 400, (int64_t)B, 0, LEN, FL_PROT_READ | FL_PROT_WRITE,
	     FL_MAP_PRIVATE | FL_MAP_ANONYMOUS, (uint64_t)-1);
	fault_ev(e, 100, 1000, A);
	fault_end_ev(e, 100, 3000);
	fault_ev(e, 100, 4000, B);
	fault_end_ev(e, 100, 6000);
	fault_ev(e, 101, 10000, A + 0x1000);
	call(e, 102, FL_MM_MPROTECT, 10500, 11000, 0, target, 0x1000, FL_PROT_READ, 0, 0);
	fault_end_ev(e, 101, 12000);
	assert_int_equal(fl_engine_finish(e), 0);
	assert_true(k.o[2][0].set && k.o[2][1].set);
	assert_string_equal(k.o[2][0].counter, spf_counter);
	assert_string_equal(k.o[2][0].reason, spf_reason);
	assert_string_equal(k.o[2][1].counter, "SPF_ABORT_PTE_MAP_LOCK_SEQ1");
	/* Both name the mprotect (writer 3: after the two mmaps). */
	assert_int_equal(k.o[2][1].writer, 3);
	assert_int_equal(k.o[2][0].writer, strcmp(spf_counter, "spf_vma_changed") ? 0 : 3);
	fl_engine_free(e);
	for (int r = 0; r < 2; r++) {
		ss[r]->fini(runs[r].state);
		free(runs[r].state);
	}
}

static void engine_writer_of_the_vma(void **state)
{
	engine_sequence(state, A + 0x8000, "spf_vma_changed", "pte_map_lock: vm_sequence changed");
}

static void engine_writer_of_another_vma(void **state)
{
	engine_sequence(state, B, "speculative_pgfault", "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descriptor),
		cmocka_unit_test(unknown_profile),
		cmocka_unit_test(clean_fault_goes_speculative),
		cmocka_unit_test(single_thread_shortcut),
		cmocka_unit_test(x86_pkey_skipped),
		cmocka_unit_test(odd_at_lookup),
		cmocka_unit_test(changed_during_walk),
		cmocka_unit_test(changed_at_pte_map_lock),
		cmocka_unit_test(changed_after_ptl),
		cmocka_unit_test(read_lock_zap),
		cmocka_unit_test(pmd_changed),
		cmocka_unit_test(pte_lock_v10_only),
		cmocka_unit_test(seq_window_mmap_block),
		cmocka_unit_test(seq_window_tail_after_write_end),
		cmocka_unit_test(seq_window_sched_evidence),
		cmocka_unit_test(get_vma_hole_below_a_vma),
		cmocka_unit_test(notsup_file),
		cmocka_unit_test(notsup_or_noanon_without_anon_vma),
		cmocka_unit_test(notsup_uffd_and_stack),
		cmocka_unit_test(access_error_sigsegv),
		cmocka_unit_test(walk_no_table_and_thp),
		cmocka_unit_test(pte_unmap_same_three_results),
		cmocka_unit_test(ppc_mem_keys_as_posted_and_intended),
		cmocka_unit_test(deterministic_and_seeded),
		cmocka_unit_test(engine_writer_of_the_vma),
		cmocka_unit_test(engine_writer_of_another_vma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
