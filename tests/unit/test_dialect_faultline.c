/* The faultline adapter on real traces written by `faultline record`
 * (traces/x86_64/fl-mmchurn, and tests/fixtures/fl-mapread for the
 * scheduler and readahead events later recorders add): the normalised
 * events must carry exactly what babeltrace2 shows for the same CTF
 * events, with each event's time being its kernel `ktime` placed on the
 * CTF clock (ktime + the clock's offset, 1795312706767432222 ns in both
 * traces' metadata). */
#include "unit.h"

#define OFFSET 1795312706767432222ULL

static struct collected c;
static struct fl_ingest_result res;

static int setup(void **state)
{
	char path[4096];

	(void)state;
	collect(top_path("traces/x86_64/fl-mmchurn", path, sizeof(path)), &c, &res);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(c.ev);
	fl_ingest_result_free(&res);
	return 0;
}

/* faultline:header: { ..., arch = "x86_64", page_size = 4096, hostname = "vm" } */
static void meta(void **state)
{
	(void)state;
	assert_int_equal(c.began, 1);
	assert_string_equal(c.meta.dialect->name, "faultline");
	assert_string_equal(c.meta.arch, "x86_64");
	assert_int_equal(c.meta.page_size, 4096);
	assert_string_equal(c.meta.hostname, "vm");
	assert_int_equal(res.events, 52502);
	assert_int_equal(res.ignored, 0);
}

/* faultline:fault: { ktime = 25554281182292, cpu = 1, pid = 15751, tid =
 * 15751, address = 0x7F8029249B70, ip = 0x7F8029249B70, access = 0xC,
 * arch_code = 0x14, trap = 0x0, source = 0 } */
static void first_fault(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_FAULT, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->t, 25554281182292ULL + OFFSET);
	assert_int_equal(e->cpu, 1);
	assert_int_equal(e->pid, 15751);
	assert_int_equal(e->tid, 15751);
	assert_int_equal(e->u.fault.address, 0x7F8029249B70ULL);
	assert_int_equal(e->u.fault.ip, 0x7F8029249B70ULL);
	assert_int_equal(e->u.fault.arch_code, 0x14);
	assert_int_equal(e->u.fault.access, FL_ACC_EXEC | FL_ACC_USER);
	assert_int_equal(e->u.fault.trap, 0);
	assert_int_equal(e->u.fault.source, FL_SRC_TRACEPOINT);
}

/* mm_call_enter: { ktime = 25554283387342, cpu = 0, pid = 15751, tid = 15783,
 * call = 3, nargs = 5, args = [ 0x7F8029221000, 0x4000, 0x8000, 0x1, 0x0, 0x0 ] }
 * mm_call_exit: { ktime = 25554283418228, ..., call = 3, ret = 140188394885120 } */
static void first_mremap_paired(void **state)
{
	const struct fl_event *e = NULL;

	(void)state;
	for (size_t i = 0; i < c.n && !e; i++)
		if (c.ev[i].kind == FL_EV_MM_CALL && c.ev[i].u.mm_call.kind == FL_MM_MREMAP)
			e = &c.ev[i];
	assert_non_null(e);
	assert_int_equal(e->tid, 15783);
	assert_int_equal(e->pid, 15751);
	assert_true(e->u.mm_call.has_enter && e->u.mm_call.has_exit);
	assert_int_equal(e->u.mm_call.t_enter, 25554283387342ULL + OFFSET);
	assert_int_equal(e->u.mm_call.t_exit, 25554283418228ULL + OFFSET);
	assert_int_equal(e->t, e->u.mm_call.t_exit);
	assert_int_equal(e->u.mm_call.args[0], 0x7F8029221000ULL);
	assert_int_equal(e->u.mm_call.args[1], 0x4000);
	assert_int_equal(e->u.mm_call.args[2], 0x8000);
	assert_int_equal(e->u.mm_call.args[3], 1);
	assert_int_equal(e->u.mm_call.args[4], 0);
	assert_int_equal(e->u.mm_call.ret, 140188394885120LL);
}

/* The trace's recorder predates mm_call_enter.call_site (provider table
 * 4): every call reads with its call site unknown. */
static void older_table_no_call_site(void **state)
{
	size_t calls = 0;

	(void)state;
	for (size_t i = 0; i < c.n; i++)
		if (c.ev[i].kind == FL_EV_MM_CALL) {
			calls++;
			assert_int_equal(c.ev[i].u.mm_call.call_site, 0);
		}
	assert_true(calls > 0);
}

/* fault_end: { ktime = 25554281082223, cpu = 1, pid = 15751, tid = 15751,
 * ..., major = 0 }: a fault taken in the kernel during exec, before the
 * first user fault. */
static void first_fault_end(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_FAULT_END, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->t, 25554281082223ULL + OFFSET);
	assert_int_equal(e->tid, 15751);
	assert_false(e->u.fault_end.major);
}

/* vma_snapshot: { ktime = 25554281039008, pid = 15751, start = 0x7FFD94F5B000,
 * end = 0x7FFD94F7C000, perms = "rw-p", ..., path = "[stack]", source = 1 } */
static void first_vma(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_VMA_SNAPSHOT, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->t, 25554281039008ULL + OFFSET);
	assert_int_equal(e->pid, 15751);
	assert_int_equal(e->u.vma.start, 0x7FFD94F5B000ULL);
	assert_int_equal(e->u.vma.end, 0x7FFD94F7C000ULL);
	assert_true(e->u.vma.end_known);
	assert_string_equal(e->u.vma.path, "[stack]");
}

/* task: { ..., pid = 15751, tid = 15751, kind = 1, child_pid = 15751,
 * child_tid = 15781, clone_flags = 0x3D0F00, clone_flags_known = 1,
 * comm = "mmchurn", filename = "-" } */
static void thread_clone(void **state)
{
	const struct fl_event *e = NULL;

	(void)state;
	for (size_t i = 0; i < c.n && !e; i++)
		if (c.ev[i].kind == FL_EV_TASK && c.ev[i].u.task.kind == FL_TASK_CLONE_THREAD)
			e = &c.ev[i];
	assert_non_null(e);
	assert_int_equal(e->pid, 15751);
	assert_int_equal(e->u.task.child_pid, 15751);
	assert_int_equal(e->u.task.child_tid, 15781);
	assert_true(e->u.task.clone_vm_known && e->u.task.clone_vm);
	assert_string_equal(e->u.task.comm, "mmchurn");
}

static void counts_and_order(void **state)
{
	uint64_t last = 0;

	(void)state;
	assert_int_equal(count_kind(&c, FL_EV_FAULT), 14692);
	assert_int_equal(count_kind(&c, FL_EV_FAULT_END), 14696);
	assert_int_equal(count_kind(&c, FL_EV_MM_CALL), 4216);
	assert_int_equal(count_kind(&c, FL_EV_MMAP_LOCK), 14393);
	assert_int_equal(count_kind(&c, FL_EV_VMA_SNAPSHOT), 13);
	assert_int_equal(count_kind(&c, FL_EV_TASK), 9);
	assert_int_equal(count_kind(&c, FL_EV_LOST), 0);
	/* Recorded with the scheduler and readahead events. */
	assert_int_equal(count_kind(&c, FL_EV_SCHED), 149 + 116);
	assert_int_equal(count_kind(&c, FL_EV_READAHEAD), 1);
	for (size_t i = 0; i < c.n; i++) {
		/* Kernel time order, the recorder's promise. */
		assert_true(c.ev[i].t >= last);
		last = c.ev[i].t;
		if (c.ev[i].kind == FL_EV_MM_CALL) {
			assert_true(c.ev[i].u.mm_call.has_enter);
			assert_true(c.ev[i].u.mm_call.has_exit);
			assert_true(c.ev[i].u.mm_call.t_enter <= c.ev[i].u.mm_call.t_exit);
		}
		if (c.ev[i].kind == FL_EV_VMA_SNAPSHOT)
			assert_true(c.ev[i].u.vma.end_known);
	}
	assert_int_equal(res.mm_unpaired_enter, 0);
	assert_int_equal(res.mm_unpaired_exit, 0);
	assert_int_equal(res.discarded_events, 0);
}

/* tests/fixtures/fl-mapread: `faultline record -- mapread -s -p 6144
 * FILE` (tests/fixtures/README.md), one thread 19488 reading a 24 MiB file
 * it dropped from the page cache.  babeltrace2 counts 45 sched_switch
 * (43 in D), 10 sched_waking and 4 readahead among its 1165 events. */
static void mapread_sched_readahead(void **state)
{
	struct collected m;
	struct fl_ingest_result r;
	char path[4096];
	const struct fl_event *e;
	size_t nswitch = 0, nwaking = 0, nd = 0;
	uint64_t last = 0;

	(void)state;
	collect(top_path("tests/fixtures/fl-mapread", path, sizeof(path)), &m, &r);
	assert_string_equal(m.meta.dialect->name, "faultline");
	assert_int_equal(r.events, 1165);
	assert_int_equal(r.ignored, 0);	/* every class is read */

	/* sched_waking: { ktime = 22428708592683, cpu = 1, pid = 19488, tid =
	 * 19488, woken_tid = 19486 }: the first, by ktime (the recorder woken
	 * by the recorded thread). */
	e = nth_of_kind(&m, FL_EV_SCHED, 0);
	assert_non_null(e);
	assert_int_equal(e->u.sched.kind, FL_SCHED_WAKING);
	assert_int_equal(e->t, 22428708592683ULL + OFFSET);
	assert_int_equal(e->cpu, 1);
	assert_int_equal(e->pid, 19488);
	assert_int_equal(e->tid, 19488);
	assert_int_equal(e->u.sched.other, 19486);

	/* sched_switch: { ktime = 22428720066422, cpu = 1, pid = 19488, tid =
	 * 19488, prev_state = 0x100, next_pid = 19514 }: preempted (R+); the
	 * first in D: { ktime = 22428743604718, ..., prev_state = 0x2,
	 * next_pid = 0 } */
	e = NULL;
	for (size_t i = 0; i < m.n; i++) {
		if (m.ev[i].kind != FL_EV_SCHED)
			continue;
		if (m.ev[i].u.sched.kind == FL_SCHED_SWITCH) {
			nswitch++;
			if (!e) {
				e = &m.ev[i];
				assert_int_equal(e->t, 22428720066422ULL + OFFSET);
				assert_int_equal(e->cpu, 1);
				assert_int_equal(e->pid, 19488);
				assert_int_equal(e->tid, 19488);
				assert_int_equal(e->u.sched.prev_state, 0x100);
				assert_int_equal(e->u.sched.other, 19514);
			}
			if (m.ev[i].u.sched.prev_state & FL_SCHED_STATE_D) {
				if (!nd++) {
					assert_int_equal(m.ev[i].t, 22428743604718ULL + OFFSET);
					assert_int_equal(m.ev[i].u.sched.prev_state, FL_SCHED_STATE_D);
					assert_int_equal(m.ev[i].u.sched.other, 0);
				}
			}
		} else {
			assert_int_equal(m.ev[i].u.sched.kind, FL_SCHED_WAKING);
			assert_int_equal(m.ev[i].tid, 19488);	/* the waker: recorded */
			nwaking++;
		}
	}
	assert_int_equal(nswitch, 45);
	assert_int_equal(nwaking, 10);
	assert_int_equal(nd, 43);

	/* readahead: { ktime = 22428764616346, cpu = 1, pid = 19488, tid =
	 * 19488, async = 0, ino = 15040549, index = 0 }, then async at 1024
	 * (ktime 22428770343305, cpu 0), 2048 and 4096. */
	assert_int_equal(count_kind(&m, FL_EV_READAHEAD), 4);
	e = nth_of_kind(&m, FL_EV_READAHEAD, 0);
	assert_int_equal(e->t, 22428764616346ULL + OFFSET);
	assert_int_equal(e->cpu, 1);
	assert_int_equal(e->pid, 19488);
	assert_int_equal(e->tid, 19488);
	assert_false(e->u.ra.async);
	assert_int_equal(e->u.ra.ino, 15040549);
	assert_int_equal(e->u.ra.index, 0);
	e = nth_of_kind(&m, FL_EV_READAHEAD, 1);
	assert_int_equal(e->t, 22428770343305ULL + OFFSET);
	assert_int_equal(e->cpu, 0);
	assert_true(e->u.ra.async);
	assert_int_equal(e->u.ra.ino, 15040549);
	assert_int_equal(e->u.ra.index, 1024);
	assert_int_equal(nth_of_kind(&m, FL_EV_READAHEAD, 2)->u.ra.index, 2048);
	assert_int_equal(nth_of_kind(&m, FL_EV_READAHEAD, 3)->u.ra.index, 4096);

	/* The other kinds are as before, and all in kernel time order. */
	assert_int_equal(count_kind(&m, FL_EV_FAULT), 445);
	assert_int_equal(count_kind(&m, FL_EV_FAULT_END), 448);
	assert_int_equal(count_kind(&m, FL_EV_MM_CALL), 18);
	for (size_t i = 0; i < m.n; i++) {
		assert_true(m.ev[i].t >= last);
		last = m.ev[i].t;
	}
	free(m.ev);
	fl_ingest_result_free(&r);
}

/* tests/fixtures/fl-attach: `faultline record -p PID -d 0.3` of an idle
 * shell.  The recorder names the thread it finds at attach with a task
 * event of kind comm and no CPU (cpu = 4294967295): at_attach, which tells
 * the replay that the process's layout comes later, from its snapshot.  A
 * comm at exec or from task_rename has its CPU: fl-mapread's is not. */
static void comm_at_attach(void **state)
{
	struct collected a, m;
	struct fl_ingest_result r;
	char path[4096];
	const struct fl_event *e;

	(void)state;
	collect(top_path("tests/fixtures/fl-attach", path, sizeof(path)), &a, &r);
	e = nth_of_kind(&a, FL_EV_TASK, 0);
	assert_non_null(e);
	assert_int_equal(e->u.task.kind, FL_TASK_COMM);
	assert_int_equal(e->pid, 18017);
	assert_int_equal(e->cpu, -1);
	assert_true(e->u.task.at_attach);
	assert_string_equal(e->u.task.comm, "bash");
	assert_non_null(nth_of_kind(&a, FL_EV_VMA_SNAPSHOT, 42));
	free(a.ev);
	fl_ingest_result_free(&r);

	collect(top_path("tests/fixtures/fl-mapread", path, sizeof(path)), &m, &r);
	e = nth_of_kind(&m, FL_EV_TASK, 0);
	assert_non_null(e);
	assert_int_equal(e->u.task.kind, FL_TASK_COMM);
	assert_false(e->u.task.at_attach);
	free(m.ev);
	fl_ingest_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta),
		cmocka_unit_test(first_fault),
		cmocka_unit_test(first_mremap_paired),
		cmocka_unit_test(older_table_no_call_site),
		cmocka_unit_test(first_fault_end),
		cmocka_unit_test(first_vma),
		cmocka_unit_test(thread_clone),
		cmocka_unit_test(counts_and_order),
		cmocka_unit_test(mapread_sched_readahead),
		cmocka_unit_test(comm_at_attach),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
