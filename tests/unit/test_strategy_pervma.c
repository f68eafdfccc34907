/* The pervma strategy (mainline per-VMA locks), profile by profile: each
 * test builds fault views by hand, as the engine would hand them over, and
 * names the kernel function whose behaviour it checks.  The coverage by
 * version is kernel-fault-paths.md §4's table. */
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

extern const struct fl_strategy fl_strategy_pervma;

#define S (&fl_strategy_pervma)

static const uint64_t cost[FL_H__COUNT] = {
	[FL_H_ANON_READ] = 500,
	[FL_H_ANON_WRITE] = 1000,
	[FL_H_FILE_READ] = 2000,
	[FL_H_FILE_COW] = 3000,
	[FL_H_FILE_SHARED] = 2500,
	[FL_H_WP] = 800,
	[FL_H_SWAP] = 4000,
	[FL_H_SPURIOUS] = 100,
};

/* Every profile, oldest first; BEFORE_6_10 those whose lookup still checks
 * the anon_vma. */
static const char *const all_profiles[] = { "6.4", "6.6", "6.7", "6.10", "6.15+", NULL };
static const char *const from_6_6[] = { "6.6", "6.7", "6.10", "6.15+", NULL };
static const char *const from_6_7[] = { "6.7", "6.10", "6.15+", NULL };
static const char *const from_6_10[] = { "6.10", "6.15+", NULL };
static const char *const before_6_10[] = { "6.4", "6.6", "6.7", NULL };

struct run {
	struct fl_run_cfg cfg;
	void *state;
	uint64_t next_id;
};

/* A run of profile (NULL: none given) with the knobs at their defaults,
 * or vma_lock_delay as given (-1: default). */
static void start_knob(struct run *r, const char *profile, int64_t vma_lock_delay)
{
	struct fl_err err;

	memset(r, 0, sizeof(*r));
	memset(&err, 0, sizeof(err));
	memcpy(r->cfg.cost, cost, sizeof(cost));
	r->cfg.page_shift = 12;
	r->cfg.profile = profile;
	for (size_t i = 0; S->knobs && S->knobs[i].key; i++)
		r->cfg.knob[i] = S->knobs[i].def;
	if (vma_lock_delay >= 0)
		r->cfg.knob[0] = vma_lock_delay;
	if (profile)
		assert_int_equal(fl_profile_parse(profile, &r->cfg.kver), 0);
	r->state = calloc(1, S->state_size);
	assert_non_null(r->state);
	assert_int_equal(S->init(r->state, &r->cfg, &err), 0);
	r->next_id = 1;
}

static void start(struct run *r, const char *profile)
{
	start_knob(r, profile, -1);
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
static const struct fl_fault user_write_prot = { .address = 0x7f0000001000,
						 .access = FL_ACC_WRITE | FL_ACC_USER | FL_ACC_PROT };

/* A fault in a private anonymous VMA that already has its anon_vma, no end
 * event, no writer around. */
static struct fl_fault_view anon_view(uint64_t t, enum fl_handler h)
{
	struct fl_fault_view v;

	memset(&v, 0, sizeof(v));
	v.t = t;
	v.pid = 1;
	v.tid = 2;
	v.fault = h == FL_H_ANON_READ ? &user_read : &user_write;
	v.place = FL_PLACE_VMA;
	v.vma.start = 0x7f0000000000;
	v.vma.end = 0x7f0000100000;
	v.vma.flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE;
	v.vma.kind = FL_VMA_ANON;
	v.vma.anon_vma = true;
	v.vma.anon_vma_id = 1;
	v.vma.id = 7;
	v.handler = h;
	v.pmd_present = true;
	v.mm_users = 4;
	return v;
}

/* The same in a private file mapping (a filesystem's vm_ops, with
 * ->map_pages), no anon_vma yet. */
static struct fl_fault_view file_view(uint64_t t, enum fl_handler h)
{
	struct fl_fault_view v = anon_view(t, h);

	v.fault = h == FL_H_FILE_READ ? &user_read : &user_write;
	v.vma.kind = FL_VMA_FILE;
	v.vma.file_id = 0x1234;
	v.vma.anon_vma = false;
	v.vma.anon_vma_id = 0;
	if (h == FL_H_FILE_SHARED)
		v.vma.flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	return v;
}

/* A special mapping (vdso, device): vm_ops without ->map_pages. */
static struct fl_fault_view special_view(uint64_t t, enum fl_handler h)
{
	struct fl_fault_view v = file_view(t, h);

	v.vma.kind = FL_VMA_SPECIAL;
	v.vma.file_id = 0;
	v.vma.flags = FL_VM_READ | FL_VM_WRITE | FL_VM_MAYREAD | FL_VM_MAYWRITE | FL_VM_IO;
	return v;
}

static void ended(struct fl_fault_view *v, uint64_t t_end, bool major)
{
	v->has_end = true;
	v->t_end = t_end;
	v->major = major;
}

/* A writer holding mmap_lock for write over [wb, we]. */
static struct fl_writer writer(uint64_t id, enum fl_mm_kind kind, uint64_t wb, uint64_t we)
{
	struct fl_writer w;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.pid = 1;
	w.tid = 3;
	w.traced = true;
	w.call.kind = kind;
	w.call.has_enter = w.call.has_exit = true;
	w.call.t_enter = wb - 10;
	w.call.t_exit = we + 10;
	w.has_lock = true;
	w.t_lock_start = w.q_begin = wb - 5;
	w.t_lock_acquired = w.w_begin = wb;
	w.t_lock_released = w.w_end = we;
	w.vmas_written = 1;
	return w;
}

/* The outcome as the engine prepares it (engine_decide.c eng_decide()): zeroed, with
 * empty counter and reason; then the strategy decides. */
static struct fl_outcome decide(struct run *r, struct fl_fault_view *v, const struct fl_writer_hit *hits,
				size_t nhits)
{
	struct fl_outcome o;

	memset(&o, 0, sizeof(o));
	v->fault_id = r->next_id++;
	v->hits = hits;
	v->nhits = nhits;
	S->fault(r->state, &r->cfg, v, &o);
	/* What every pervma outcome says. */
	assert_true(fl_cause_of(S, o.cause));
	assert_true(fl_outcome_reason(&o)[0] != '\0');
	if (o.path == FL_PATH_VMA_LOCK) {
		assert_false(o.fell_back);
		assert_string_equal(fl_outcome_counter(&o), "vma_lock_success");
		assert_null(o.writer);
		assert_int_equal(o.attempts, 1);
		assert_int_equal(o.lock_wait, 0);
	} else if (o.path == FL_PATH_MMAP_LOCK) {
		assert_true(o.fell_back);
	} else {
		assert_int_equal(o.path, FL_PATH_NONE);
		assert_false(o.fell_back);
	}
	return o;
}

/* The outcome's path, fell_back, counter, reason and attempts, at the
 * caller's line. */
#define EXPECT(o, path_, fell_, counter_, reason_, attempts_)                \
	do {                                                                 \
		assert_int_equal((o).path, (path_));                         \
		assert_int_equal((o).fell_back, (fell_));                    \
		assert_string_equal(fl_outcome_counter(&(o)), (counter_));                \
		assert_string_equal(fl_outcome_reason(&(o)), (reason_));                  \
		assert_int_equal((o).attempts, (attempts_));                 \
	} while (0)

#define EXPECT_OK(o, reason_) EXPECT(o, FL_PATH_VMA_LOCK, false, "vma_lock_success", reason_, 1)
#define EXPECT_ABORT(o, reason_) EXPECT(o, FL_PATH_MMAP_LOCK, true, "vma_lock_abort", reason_, 1)
#define EXPECT_RETRY(o, reason_) EXPECT(o, FL_PATH_MMAP_LOCK, true, "vma_lock_retry", reason_, 2)

/* The descriptor the registry lists. */
static void descriptor(void **state)
{
	(void)state;
	assert_string_equal(S->name, "pervma");
	assert_non_null(S->summary);
	assert_ptr_equal(fl_strategy_find("pervma"), S);
	assert_int_equal(S->needs, FL_NEED_FAULTS | FL_NEED_MM_CALLS);
	assert_true(S->state_size > 0);
	assert_non_null(S->init);
	assert_non_null(S->fault);
	assert_non_null(S->fini);
	/* vma_start_write() is not traced: the knob shifts when a writer's
	 * VMAs count as write-locked; 0 = at its mmap_lock acquisition. */
	assert_non_null(S->knobs);
	assert_string_equal(S->knobs[0].key, "vma_lock_delay");
	assert_int_equal(S->knobs[0].def, 0);
	for (size_t i = 0; S->knobs[i].key; i++) {
		assert_non_null(S->knobs[i].help);
		assert_true(S->knobs[i].min <= S->knobs[i].def);
		assert_true(S->knobs[i].def <= S->knobs[i].max);
	}
	/* The default profile first, then every profile of the table. */
	assert_non_null(S->profiles);
	assert_string_equal(S->profiles[0], "6.15+");
	for (int i = 0; all_profiles[i]; i++) {
		bool listed = false;

		for (int k = 0; S->profiles[k]; k++)
			listed |= !strcmp(S->profiles[k], all_profiles[i]);
		assert_true(listed);
	}
	for (int k = 0; S->profiles[k]; k++) {
		int kver = 0;

		assert_int_equal(fl_profile_parse(S->profiles[k], &kver), 0);
		assert_true(kver >= FL_MM_KVER(6, 4));
	}
}

/* Without a profile the strategy follows 6.15+: an anonymous write with no
 * anon_vma stays on the VMA lock (__vmf_anon_prepare()'s trylock), which
 * no profile before 6.10 does. */
static void default_profile_is_latest(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, NULL);
	v = anon_view(100, FL_H_ANON_WRITE);
	v.vma.anon_vma = false;
	v.needs_anon_vma = true;
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok, anon_vma under trylock");
	stop(&r);
}

/* do_anonymous_page() etc. with nothing in the way: vma_lock_success on
 * every profile.  The latency is the trace's, else the handler's cost. */
static void anon_fault_success(void **state)
{
	static const enum fl_handler hs[] = { FL_H_ANON_READ, FL_H_ANON_WRITE, FL_H_WP,
					      FL_H_SPURIOUS };

	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;

		start(&r, all_profiles[p]);
		for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
			struct fl_fault_view v = anon_view(1000, hs[i]);
			struct fl_outcome o = decide(&r, &v, NULL, 0);

			EXPECT_OK(o, "ok");
			assert_int_equal(o.latency, cost[hs[i]]);

			v = anon_view(1000, hs[i]);
			ended(&v, 1777, false);
			o = decide(&r, &v, NULL, 0);
			EXPECT_OK(o, "ok");
			assert_int_equal(o.latency, 777);
		}
		stop(&r);
	}
}

/* lock_vma_under_rcu() -> vma_start_read(): the VMA the writer
 * vma_start_write()'d has vm_lock_seq == mm_lock_seq until the writer's
 * mmap_write_unlock(): the read lock fails, VMA_LOCK_ABORT, and the outcome
 * names the writer.  The fallback's mmap_read_lock waits for the writer. */
static void vma_start_read_write_locked(void **state)
{
	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;
		struct fl_writer w = writer(5, FL_MM_MPROTECT, 900, 1500);
		struct fl_writer_hit hit = { .w = &w, .wrote_vma = true, .wrote_any = true };
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, all_profiles[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.lock_contended = true;
		v.lock_free_at = 1500;
		v.lock_free_at_req = 1500;
		v.t_lock_req = v.t;
		o = decide(&r, &v, &hit, 1);
		EXPECT_ABORT(o, "write-locked");
		assert_ptr_equal(o.writer, &w);
		assert_int_equal(o.writer->id, 5);
		assert_int_equal(o.lock_wait, 500);

		/* A VMA the writer created (mmap) is write-locked too. */
		w.call.kind = FL_MM_MMAP;
		hit.wrote_vma = false;
		hit.created_at = true;
		v = anon_view(1000, FL_H_ANON_READ);
		v.lock_contended = true;
		v.lock_free_at = 1500;
		v.lock_free_at_req = 1500;
		v.t_lock_req = v.t;
		o = decide(&r, &v, &hit, 1);
		EXPECT_ABORT(o, "write-locked");
		assert_ptr_equal(o.writer, &w);

		/* The write lock is the abort even where a later check would
		 * also refuse (no anon_vma, a special VMA's missing ->map_pages):
		 * vma_start_read() comes first -- except on 6.4, whose
		 * lock_vma_under_rcu() tests anon_vma before vma_start_read(). */
		hit.created_at = false;
		hit.wrote_vma = true;
		v = special_view(1000, FL_H_FILE_READ);
		v.vma.kind = FL_VMA_ANON;
		v.vma.flags &= ~FL_VM_IO;
		v.vma.anon_vma = false;
		o = decide(&r, &v, &hit, 1);
		if (!strcmp(all_profiles[p], "6.4")) {
			EXPECT_ABORT(o, "no anon_vma");
			assert_null(o.writer);
		} else {
			EXPECT_ABORT(o, "write-locked");
			assert_ptr_equal(o.writer, &w);
		}
		/* Not contended (lock_free_at unknown): no wait recorded. */
		assert_int_equal(o.lock_wait, 0);
		stop(&r);
	}
}

/* A fault the kernel also sent to mmap_lock waits what the kernel's did:
 * its acquire_returned came after the writer released (a downgrade wakes
 * the readers queued behind it) once the thread ran again.  Running a few
 * us behind (delay propagation) does not make that CPU wait vanish: it
 * waits until the kernel's acquire, less how far behind it runs. */
static void fallback_waits_as_the_kernel_did(void **state)
{
	struct run r;
	struct fl_writer w = writer(5, FL_MM_MUNMAP, 900, 1500);
	struct fl_writer_hit hit = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.15+");
	v = anon_view(1000, FL_H_ANON_WRITE);
	v.lock_contended = true;
	v.t_lock_req = 1100;
	v.lock_free_at = v.lock_free_at_req = 1500;
	v.kernel_waited = true;
	v.kernel_wait = 3000000;	/* 3 ms: woken at 1500, ran much later */
	o = decide(&r, &v, &hit, 1);
	EXPECT_ABORT(o, "write-locked");
	assert_int_equal(o.lock_wait, 3000000);

	v.behind = 6000;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 3000000 - 6000);

	/* Behind by more than the kernel waited: the writers in the way. */
	v.kernel_wait = 300;
	v.behind = 100;
	v.lock_free_at_req = 1500;
	o = decide(&r, &v, &hit, 1);
	assert_int_equal(o.lock_wait, 1500 - (1100 + 100));
	stop(&r);
}

/* vma_lock_delay: the writer's vma_start_write() taken as coming that
 * long after its mmap_lock acquisition.  A fault before that point still
 * gets its VMA read lock; one after it aborts. */
static void vma_lock_delay_knob(void **state)
{
	struct run r;
	struct fl_writer w = writer(3, FL_MM_MPROTECT, 900, 1500);
	struct fl_writer_hit hit = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	/* Default 0: write-locked from the acquisition on, the fault at the
	 * acquisition itself included. */
	start(&r, "6.15+");
	v = anon_view(900, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	EXPECT_ABORT(o, "write-locked");
	stop(&r);

	start_knob(&r, "6.15+", 50);
	v = anon_view(1000, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	EXPECT_ABORT(o, "write-locked");
	assert_ptr_equal(o.writer, &w);
	stop(&r);

	start_knob(&r, "6.15+", 200);
	v = anon_view(1000, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	EXPECT_OK(o, "ok");
	v = anon_view(1100, FL_H_ANON_WRITE);
	o = decide(&r, &v, &hit, 1);
	EXPECT_ABORT(o, "write-locked");
	stop(&r);
}

/* The second of two writers is the one that locked the VMA: the outcome
 * names that one, not the first in window order. */
static void write_locked_names_the_right_writer(void **state)
{
	struct run r;
	struct fl_writer w1 = writer(1, FL_MM_MMAP, 900, 1500);
	struct fl_writer w2 = writer(2, FL_MM_MUNMAP, 950, 1600);
	struct fl_writer_hit hits[2] = {
		{ .w = &w1, .wrote_any = true },
		{ .w = &w2, .wrote_vma = true, .wrote_any = true },
	};
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.15+");
	v = anon_view(1000, FL_H_ANON_WRITE);
	v.lock_contended = true;
	v.lock_free_at = 1600;
	v.lock_free_at_req = 1600;
	v.t_lock_req = v.t;
	o = decide(&r, &v, hits, 2);
	EXPECT_ABORT(o, "write-locked");
	assert_ptr_equal(o.writer, &w2);
	assert_int_equal(o.lock_wait, 600);
	stop(&r);
}

/* A writer holding mmap_lock that did not vma_start_write() this VMA does
 * not stop lock_vma_under_rcu(): the per-VMA lock is the whole point. */
static void writer_on_another_vma_does_not_abort(void **state)
{
	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;
		struct fl_writer w = writer(1, FL_MM_MPROTECT, 900, 1500);
		struct fl_writer_hit hit = { .w = &w, .wrote_any = true };
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, all_profiles[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.lock_contended = true;
		v.lock_free_at = 1500;
		v.lock_free_at_req = 1500;
		v.t_lock_req = v.t;
		o = decide(&r, &v, &hit, 1);
		EXPECT_OK(o, "ok");
		stop(&r);
	}
}

/* lock_vma_under_rcu(): mas_walk() finds no VMA containing the address:
 * VMA_LOCK_ABORT, and lock_mm_and_find_vma() finds none either (SIGSEGV). */
static void lock_vma_under_rcu_no_vma(void **state)
{
	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, all_profiles[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.place = FL_PLACE_NO_VMA;
		memset(&v.vma, 0, sizeof(v.vma));
		o = decide(&r, &v, NULL, 0);
		EXPECT_ABORT(o, "no VMA");
		assert_null(o.writer);
		assert_int_equal(o.lock_wait, 0);

		/* The fallback waits for a writer holding mmap_lock. */
		v.lock_contended = true;
		v.lock_free_at = 1250;
		v.lock_free_at_req = 1250;
		v.t_lock_req = v.t;
		o = decide(&r, &v, NULL, 0);
		EXPECT_ABORT(o, "no VMA");
		assert_int_equal(o.lock_wait, 250);
		stop(&r);
	}
}

/* Below a VM_GROWSDOWN VMA mas_walk() finds nothing (the address is not in
 * the VMA yet): ABORT, and lock_mm_and_find_vma() grows the stack. */
static void lock_vma_under_rcu_stack_growth(void **state)
{
	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, all_profiles[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.place = FL_PLACE_STACK;
		v.vma.kind = FL_VMA_STACK;
		v.vma.flags |= FL_VM_GROWSDOWN;
		o = decide(&r, &v, NULL, 0);
		EXPECT_ABORT(o, "stack growth");
		assert_null(o.writer);
		stop(&r);
	}
}

/* 6.4 lock_vma_under_rcu(): "Only anonymous vmas are supported for now":
 * a file or special VMA is refused before vma_start_read(): ABORT.  From
 * 6.5 the lookup takes them and the handler decides. */
static void lock_vma_under_rcu_6_4_not_anonymous(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.4");
	v = file_view(1000, FL_H_FILE_READ);
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "not anonymous");

	v = file_view(1000, FL_H_FILE_READ);
	v.vma.anon_vma = true;		/* a COWed file VMA is still not anonymous */
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "not anonymous");

	v = special_view(1000, FL_H_FILE_READ);
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "not anonymous");

	/* Shared anonymous memory is a shmem file: not anonymous either. */
	v = file_view(1000, FL_H_FILE_SHARED);
	v.vma.kind = FL_VMA_SHMEM;
	v.vma.file_id = FL_MM_FILE_ANON | 9;
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "not anonymous");
	stop(&r);

	/* 6.6: do_read_fault()'s fault-around (->map_pages) maps the page
	 * under the VMA lock. */
	start(&r, "6.6");
	v = file_view(1000, FL_H_FILE_READ);
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");
	stop(&r);
}

/* 6.4-6.9 lock_vma_under_rcu(): "if (!vma->anon_vma) goto inval_end_read"
 * for an anonymous VMA, read or write: ABORT. */
static void lock_vma_under_rcu_no_anon_vma_before_6_10(void **state)
{
	(void)state;
	for (int p = 0; before_6_10[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, before_6_10[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.vma.anon_vma = false;
		v.needs_anon_vma = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_ABORT(o, "no anon_vma");

		v = anon_view(1000, FL_H_ANON_READ);
		v.vma.anon_vma = false;
		o = decide(&r, &v, NULL, 0);
		EXPECT_ABORT(o, "no anon_vma");
		stop(&r);
	}
}

/* 6.10+: the lookup no longer checks the anon_vma; a read maps the zero
 * page without one, and a write reaches __vmf_anon_prepare(), whose
 * mmap_read_trylock() sets the anon_vma when no writer holds or waits for
 * mmap_lock (success), and otherwise returns VM_FAULT_RETRY: RETRY. */
static void vmf_anon_prepare_from_6_10(void **state)
{
	(void)state;
	for (int p = 0; from_6_10[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_10[p]);
		v = anon_view(1000, FL_H_ANON_READ);
		v.vma.anon_vma = false;
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");

		v = anon_view(1000, FL_H_ANON_WRITE);
		v.vma.anon_vma = false;
		v.needs_anon_vma = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok, anon_vma under trylock");

		/* A writer holds or waits: the trylock fails. */
		v.lock_contended = true;
		v.lock_free_at = 4000;
		v.lock_free_at_req = 4000;
		v.t_lock_req = v.t;
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "no anon_vma");
		assert_null(o.writer);
		assert_int_equal(o.lock_wait, 3000);

		/* wp_page_copy() of a private COW prepares it the same way. */
		v = anon_view(1000, FL_H_WP);
		v.fault = &user_write_prot;
		v.vma.anon_vma = false;
		v.needs_anon_vma = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok, anon_vma under trylock");
		v.lock_contended = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "no anon_vma");
		stop(&r);
	}
}

/* do_read_fault(): a VMA without ->map_pages (a special mapping) gets no
 * fault-around, and vmf_can_call_fault() refuses ->fault under the VMA
 * lock: RETRY (6.5-6.6: the FAULT_FLAG_VMA_LOCK bail-out after
 * fault-around). */
static void vmf_can_call_fault_no_map_pages(void **state)
{
	(void)state;
	for (int p = 0; from_6_6[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_6[p]);
		v = special_view(1000, FL_H_FILE_READ);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "no map_pages");
		stop(&r);
	}
	/* From 6.7 the write handlers too. */
	for (int p = 0; from_6_7[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_7[p]);
		v = special_view(1000, FL_H_FILE_COW);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "no map_pages");
		v = special_view(1000, FL_H_FILE_SHARED);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "no map_pages");
		stop(&r);
	}
}

/* filemap_fault(): a page-cache miss drops the VMA lock for the read IO
 * and returns VM_FAULT_RETRY (the trace's major fault): RETRY, and the
 * retry runs under mmap_lock with FAULT_FLAG_TRIED. */
static void filemap_fault_major_file_io(void **state)
{
	(void)state;
	for (int p = 0; from_6_6[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_6[p]);
		v = file_view(1000, FL_H_FILE_READ);
		ended(&v, 91000, true);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "file IO");
		assert_int_equal(o.latency, 90000);

		/* The same fault minor: fault-around / ->fault under the lock. */
		v = file_view(1000, FL_H_FILE_READ);
		ended(&v, 3000, false);
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");
		stop(&r);
	}
	/* From 6.7 a COW or shared write that reads the page does too. */
	for (int p = 0; from_6_7[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_7[p]);
		v = file_view(1000, FL_H_FILE_COW);
		v.vma.anon_vma = true;
		ended(&v, 91000, true);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "file IO");
		v = file_view(1000, FL_H_FILE_SHARED);
		ended(&v, 91000, true);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "file IO");
		stop(&r);
	}
}

/* __folio_lock_or_retry() under the VMA lock: another thread's IO holds
 * the folio lock; the fault drops the VMA lock, waits, returns RETRY. */
static void folio_lock_or_retry(void **state)
{
	(void)state;
	for (int p = 0; from_6_6[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_6[p]);
		v = file_view(1000, FL_H_FILE_READ);
		v.folio_locked = true;
		ended(&v, 30000, false);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "folio locked");
		stop(&r);
	}
}

/* filemap_fault() under the VMA lock, as the recording shows it
 * (pc_wait): do_async_mmap_readahead() on a PG_readahead marker ->
 * maybe_unlock_mmap_for_io(), or lock_folio_maybe_drop_mmap() before
 * sleeping on a locked folio: RETRY though the fault is minor.  6.7+ for
 * COW and shared faults, which ran ->fault under the VMA lock from then. */
static void file_fault_waits_seen(void **state)
{
	(void)state;
	for (int p = 0; from_6_6[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, from_6_6[p]);
		v = file_view(1000, FL_H_FILE_READ);
		v.pc_wait = FL_PCW_READAHEAD;
		ended(&v, 30000, false);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "readahead");
		v = file_view(1000, FL_H_FILE_READ);
		v.pc_wait = FL_PCW_SLEPT;
		ended(&v, 30000, false);
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "folio locked");
		v = file_view(1000, FL_H_FILE_READ);
		ended(&v, 30000, false);
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");
		stop(&r);
	}
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	start(&r, "6.7");
	v = file_view(1000, FL_H_FILE_SHARED);
	v.pc_wait = FL_PCW_READAHEAD;
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "readahead");
	stop(&r);
}

/* shmem_fault() (MAP_SHARED|MAP_ANONYMOUS, tmpfs files, SysV and POSIX
 * shared memory, memfd) is not filemap_fault(): shmem_get_folio_gfp()
 * sleeps on a locked folio and swaps a page in with the VMA lock held.
 * Only shmem_falloc_wait(), a hole punch in progress, drops it.  A
 * shmem fault that slept, or was major, completes under the VMA lock,
 * where a file's would RETRY. */
static void shmem_fault_keeps_the_vma_lock(void **state)
{
	static const enum fl_handler hs[] = { FL_H_FILE_READ, FL_H_FILE_SHARED, FL_H_FILE_COW };

	(void)state;
	for (int p = 0; from_6_7[p]; p++) {
		for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
			struct run r;
			struct fl_fault_view v;
			struct fl_outcome o;

			start(&r, from_6_7[p]);
			v = file_view(1000, hs[i]);
			v.vma.kind = FL_VMA_SHMEM;
			v.vma.anon_vma = true;
			v.pc_wait = FL_PCW_SLEPT;
			ended(&v, 30000, false);
			o = decide(&r, &v, NULL, 0);
			EXPECT_OK(o, "ok");
			v = file_view(1000, hs[i]);
			v.vma.kind = FL_VMA_SHMEM;
			v.vma.anon_vma = true;
			ended(&v, 91000, true);
			o = decide(&r, &v, NULL, 0);
			EXPECT_OK(o, "ok");
			/* The same on a file: filemap_fault() drops the lock. */
			v = file_view(1000, hs[i]);
			v.vma.anon_vma = true;
			v.pc_wait = FL_PCW_SLEPT;
			ended(&v, 30000, false);
			o = decide(&r, &v, NULL, 0);
			EXPECT_RETRY(o, "folio locked");
			stop(&r);
		}
	}
}

/* 6.5-6.6 do_cow_fault()/do_shared_fault(): FAULT_FLAG_VMA_LOCK ->
 * vma_end_read(), VM_FAULT_RETRY.  6.7 ("mm: handle COW/shared faults
 * under the VMA lock") lets them run when vmf_can_call_fault() sees
 * ->map_pages; a COW still needs the anon_vma (vmf_anon_prepare()). */
static void do_cow_fault_by_version(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.6");
	v = file_view(1000, FL_H_FILE_COW);
	v.vma.anon_vma = true;
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "file fault");
	v = file_view(1000, FL_H_FILE_SHARED);
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "file fault");
	stop(&r);

	for (int p = 0; from_6_7[p]; p++) {
		start(&r, from_6_7[p]);
		v = file_view(1000, FL_H_FILE_COW);
		v.vma.anon_vma = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");
		v = file_view(1000, FL_H_FILE_SHARED);
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");
		stop(&r);
	}

	/* A first COW into a file VMA: 6.7-6.9 vmf_anon_prepare() returns
	 * RETRY without an anon_vma; 6.10+ takes the trylock. */
	start(&r, "6.7");
	v = file_view(1000, FL_H_FILE_COW);
	v.needs_anon_vma = true;
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "no anon_vma");
	stop(&r);
	for (int p = 0; from_6_10[p]; p++) {
		start(&r, from_6_10[p]);
		v = file_view(1000, FL_H_FILE_COW);
		v.needs_anon_vma = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok, anon_vma under trylock");
		v.lock_contended = true;
		v.lock_free_at = 1100;
		v.lock_free_at_req = 1100;
		v.t_lock_req = v.t;
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "no anon_vma");
		assert_int_equal(o.lock_wait, 100);
		stop(&r);
	}
}

/* do_swap_page(): 6.4 returns VM_FAULT_RETRY for any swap entry under the
 * VMA lock; from 6.6 ("handle swap page faults under per-VMA lock") it
 * runs, and the swap-in IO drops the lock in folio_lock_or_retry(). */
static void do_swap_page_by_version(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.4");
	v = anon_view(1000, FL_H_SWAP);
	ended(&v, 50000, true);
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "swap");
	assert_int_equal(o.latency, 49000);
	stop(&r);

	for (int p = 0; from_6_6[p]; p++) {
		start(&r, from_6_6[p]);
		v = anon_view(1000, FL_H_SWAP);
		ended(&v, 50000, true);
		v.pc_wait = FL_PCW_SLEPT;	/* slept on the folio locked for IO */
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "swap IO");
		stop(&r);
	}
}

/* do_swap_page() from 6.6 (Suren Baghdasaryan, "Per-VMA lock support for
 * swap and userfaults"): folio_lock_or_retry() drops the VMA lock only when
 * __folio_lock_or_retry()'s folio_trylock() fails.  A synchronous swap-in
 * (SWP_SYNCHRONOUS_IO, zram) reads the folio and unlocks it before: the
 * trylock succeeds and the fault completes under the VMA lock, major or
 * not.  Another thread's swap-in of the same folio holds its lock. */
static void folio_lock_or_retry_swap_trylock(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	for (int p = 0; from_6_6[p]; p++) {
		start(&r, from_6_6[p]);
		v = anon_view(1000, FL_H_SWAP);
		ended(&v, 12000, true);		/* major, no sleep: zram */
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");

		v = anon_view(1000, FL_H_SWAP);
		ended(&v, 12000, false);	/* swap-cache hit */
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");

		v = anon_view(1000, FL_H_SWAP);
		ended(&v, 12000, false);
		v.folio_locked = true;		/* another thread's swap-in */
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "swap IO");
		stop(&r);
	}
}

/* lock_vma_under_rcu() in 6.5 still refuses what 6.4 refused: file-backed
 * VMAs came in 6.6 ("mm: allow per-VMA locks on file-backed VMAs"), and so
 * did swap and userfaultfd ("Per-VMA lock support for swap and
 * userfaults").  6.5 aborts on a non-anonymous VMA, on a missing anon_vma
 * and on userfaultfd_armed(). */
static void lock_vma_under_rcu_6_5_as_6_4(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.5");
	v = file_view(1000, FL_H_FILE_READ);
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "not anonymous");

	v = anon_view(1000, FL_H_ANON_WRITE);
	v.vma.anon_vma = false;
	v.needs_anon_vma = true;
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "no anon_vma");

	v = anon_view(1000, FL_H_ANON_WRITE);
	v.vma.flags |= FL_VM_UFFD_MISSING;
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "uffd");

	v = anon_view(1000, FL_H_SWAP);
	ended(&v, 12000, true);
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "swap");
	stop(&r);

	start(&r, "6.6");
	v = file_view(1000, FL_H_FILE_READ);
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");
	stop(&r);
}

/* do_wp_page() in 6.6, before "mm: handle write faults to RO pages under
 * the VMA lock" (6.7): VM_FAULT_RETRY under the VMA lock only from
 * wp_page_shared() with ->page_mkwrite, and for a private copy when the VMA
 * has no anon_vma (wp_page_copy() would prepare one).  A private file COW
 * with an anon_vma completes, and so does a page reused in place. */
static void do_wp_page_6_6_retry_cases(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.6");
	/* Private file mapping, anon_vma present: wp_page_copy() goes on. */
	v = file_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	v.vma.anon_vma = true;
	v.vma.anon_vma_id = 3;
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");

	/* No anon_vma yet: the copy needs one, RETRY. */
	v = file_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "wp fault: no anon_vma");

	/* Shared file mapping: wp_page_shared() with ->page_mkwrite. */
	v = file_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	v.vma.flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	o = decide(&r, &v, NULL, 0);
	EXPECT_RETRY(o, "wp fault: page_mkwrite");

	/* Shared anonymous memory (shmem) has no ->page_mkwrite: reused. */
	v = file_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	v.vma.flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	v.vma.kind = FL_VMA_SHMEM;
	v.vma.file_id = FL_MM_FILE_ANON | 9;
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");

	/* Private anonymous page reused in place. */
	v = anon_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");
	stop(&r);
}

/* userfaultfd: 6.4 lock_vma_under_rcu() refuses userfaultfd_armed() VMAs
 * (ABORT); from 6.6 handle_userfault() drops the VMA lock and waits
 * (RETRY).  A write-protect fault on a present page is not a missing-page
 * userfault. */
static void userfaultfd_by_version(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.4");
	v = anon_view(1000, FL_H_ANON_WRITE);
	v.vma.flags |= FL_VM_UFFD_MISSING;
	o = decide(&r, &v, NULL, 0);
	EXPECT_ABORT(o, "uffd");
	stop(&r);

	for (int p = 0; from_6_6[p]; p++) {
		start(&r, from_6_6[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.vma.flags |= FL_VM_UFFD_MISSING;
		o = decide(&r, &v, NULL, 0);
		EXPECT_RETRY(o, "uffd");

		v = anon_view(1000, FL_H_WP);
		v.fault = &user_write_prot;
		v.vma.flags |= FL_VM_UFFD_MISSING;
		o = decide(&r, &v, NULL, 0);
		EXPECT_OK(o, "ok");
		stop(&r);
	}
}

/* x86 do_user_addr_fault(): access_error() on the VMA-locked VMA ->
 * vma_end_read() and goto lock_mmap, without counting any vma_lock event;
 * the mmap_lock path then signals. */
static void do_user_addr_fault_access_error(void **state)
{
	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, all_profiles[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.vma.flags &= ~FL_VM_WRITE;
		v.access_error = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT(o, FL_PATH_MMAP_LOCK, true, "", "access error", 1);
		assert_null(o.writer);

		/* PROT_NONE read. */
		v = anon_view(1000, FL_H_ANON_READ);
		v.vma.flags &= ~FL_VM_ACCESS_FLAGS;
		v.access_error = true;
		v.lock_contended = true;
		v.lock_free_at = 1300;
		v.lock_free_at_req = 1300;
		v.t_lock_req = v.t;
		o = decide(&r, &v, NULL, 0);
		EXPECT(o, FL_PATH_MMAP_LOCK, true, "", "access error", 1);
		assert_int_equal(o.lock_wait, 300);
		stop(&r);
	}

	/* 6.4: a file VMA is refused by the lookup before access_error(). */
	{
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, "6.4");
		v = file_view(1000, FL_H_FILE_COW);
		v.vma.flags &= ~FL_VM_WRITE;
		v.access_error = true;
		o = decide(&r, &v, NULL, 0);
		EXPECT_ABORT(o, "not anonymous");
		stop(&r);
	}
}

/* A fault the mm model could not place (nothing known of the layout): no
 * attempt modelled, no counter, path none, never a crash. */
static void unplaced(void **state)
{
	(void)state;
	for (int p = 0; all_profiles[p]; p++) {
		struct run r;
		struct fl_fault_view v;
		struct fl_outcome o;

		start(&r, all_profiles[p]);
		v = anon_view(1000, FL_H_ANON_WRITE);
		v.place = FL_PLACE_UNKNOWN;
		memset(&v.vma, 0, sizeof(v.vma));
		o = decide(&r, &v, NULL, 0);
		EXPECT(o, FL_PATH_NONE, false, "", "unplaced: no VMA known", 0);
		assert_null(o.writer);
		stop(&r);
	}
}

/* A VMA whose end the model inferred is still a VMA for the decision. */
static void inferred_extent_decides_like_a_vma(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.15+");
	v = anon_view(1000, FL_H_ANON_WRITE);
	v.place = FL_PLACE_INFERRED;
	v.vma.extent_inferred = true;
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");
	stop(&r);
}


/* 6.5-6.6 do_read_fault() runs fault-around only when
 * should_fault_around(): fault_around_pages > 1.  fault_around_bytes is
 * 64 KiB, so with 64 KiB pages (ppc64) fault_around_pages is 1, no
 * fault-around runs, and the FAULT_FLAG_VMA_LOCK check that follows
 * returns VM_FAULT_RETRY for every file read fault. */
static void do_read_fault_6_6_no_fault_around_on_64k_pages(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.6");
	r.cfg.page_shift = 16;
	v = file_view(1000, FL_H_FILE_READ);
	ended(&v, 3000, false);
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_counter(&o), "vma_lock_retry");
	assert_true(o.fell_back);
	assert_int_equal(o.attempts, 2);
	stop(&r);

	/* 6.7+: vmf_can_call_fault() lets ->fault run: success. */
	start(&r, "6.7");
	r.cfg.page_shift = 16;
	v = file_view(1000, FL_H_FILE_READ);
	ended(&v, 3000, false);
	o = decide(&r, &v, NULL, 0);
	EXPECT_OK(o, "ok");
	stop(&r);
}

/* 6.4 lock_vma_under_rcu() tests vma_is_anonymous() before
 * vma_start_read(), so a write-locked file VMA aborts as "not anonymous"
 * and no writer caused it. */
static void lock_vma_under_rcu_6_4_anonymous_check_first(void **state)
{
	struct run r;
	struct fl_writer w = writer(5, FL_MM_MPROTECT, 900, 1500);
	struct fl_writer_hit hit = { .w = &w, .wrote_vma = true, .wrote_any = true };
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.4");
	v = file_view(1000, FL_H_FILE_READ);
	o = decide(&r, &v, &hit, 1);
	EXPECT_ABORT(o, "not anonymous");
	assert_null(o.writer);
	stop(&r);
}

/* Before 6.7 ("mm: Handle write faults to RO pages under the VMA lock"),
 * do_wp_page() on a shared mapping returned VM_FAULT_RETRY under
 * FAULT_FLAG_VMA_LOCK instead of calling ->page_mkwrite; 6.7 replaced that
 * with vmf_can_call_fault(). */
static void wp_page_shared_6_6(void **state)
{
	struct run r;
	struct fl_fault_view v;
	struct fl_outcome o;

	(void)state;
	start(&r, "6.6");
	v = file_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	v.vma.flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_counter(&o), "vma_lock_retry");
	stop(&r);

	start(&r, "6.7");
	v = file_view(1000, FL_H_WP);
	v.fault = &user_write_prot;
	v.vma.flags |= FL_VM_SHARED | FL_VM_MAYSHARE;
	o = decide(&r, &v, NULL, 0);
	assert_string_equal(fl_outcome_counter(&o), "vma_lock_success");
	stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descriptor),
		cmocka_unit_test(default_profile_is_latest),
		cmocka_unit_test(anon_fault_success),
		cmocka_unit_test(vma_start_read_write_locked),
		cmocka_unit_test(fallback_waits_as_the_kernel_did),
		cmocka_unit_test(vma_lock_delay_knob),
		cmocka_unit_test(write_locked_names_the_right_writer),
		cmocka_unit_test(writer_on_another_vma_does_not_abort),
		cmocka_unit_test(lock_vma_under_rcu_no_vma),
		cmocka_unit_test(lock_vma_under_rcu_stack_growth),
		cmocka_unit_test(lock_vma_under_rcu_6_4_not_anonymous),
		cmocka_unit_test(lock_vma_under_rcu_no_anon_vma_before_6_10),
		cmocka_unit_test(vmf_anon_prepare_from_6_10),
		cmocka_unit_test(vmf_can_call_fault_no_map_pages),
		cmocka_unit_test(filemap_fault_major_file_io),
		cmocka_unit_test(folio_lock_or_retry),
		cmocka_unit_test(file_fault_waits_seen),
		cmocka_unit_test(shmem_fault_keeps_the_vma_lock),
		cmocka_unit_test(do_cow_fault_by_version),
		cmocka_unit_test(do_swap_page_by_version),
		cmocka_unit_test(userfaultfd_by_version),
		cmocka_unit_test(do_user_addr_fault_access_error),
		cmocka_unit_test(unplaced),
		cmocka_unit_test(inferred_extent_decides_like_a_vma),
		cmocka_unit_test(do_read_fault_6_6_no_fault_around_on_64k_pages),
		cmocka_unit_test(lock_vma_under_rcu_6_4_anonymous_check_first),
		cmocka_unit_test(wp_page_shared_6_6),
		cmocka_unit_test(folio_lock_or_retry_swap_trylock),
		cmocka_unit_test(lock_vma_under_rcu_6_5_as_6_4),
		cmocka_unit_test(do_wp_page_6_6_retry_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
