/* The perf-ctf adapter on a real trace (traces/x86_64/mmchurn): the
 * normalised events must carry exactly what babeltrace2 shows for the same
 * CTF events (values below are from `babeltrace2 --clock-seconds`). */
#include "unit.h"

static struct collected c;
static struct fl_ingest_result res;

static int setup(void **state)
{
	char path[4096];

	(void)state;
	collect(top_path("traces/x86_64/mmchurn", path, sizeof(path)), &c, &res);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(c.ev);
	fl_ingest_result_free(&res);
	return 0;
}

static void meta(void **state)
{
	(void)state;
	assert_int_equal(c.began, 1);
	assert_string_equal(c.meta.dialect->name, "perf-ctf");
	assert_string_equal(c.meta.arch, "x86_64");
	assert_int_equal(c.meta.page_size, 4096);
	assert_string_equal(c.meta.release, "6.18.44-fc-v595");
	assert_int_equal(res.events, 54116);
	assert_int_equal(res.ntraces, 1);
}

/* [21433.128398429] exceptions:page_fault_user: { cpu_id = 1 }, { perf_tid =
 * 13303, perf_pid = 13303, address = 0x7F347D9D5B70, ip = 0x7F347D9D5B70,
 * error_code = 0x14 } */
static void first_fault(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_FAULT, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->t, 21433128398429ULL);
	assert_int_equal(e->cpu, 1);
	assert_int_equal(e->pid, 13303);
	assert_int_equal(e->tid, 13303);
	assert_int_equal(e->u.fault.address, 0x7F347D9D5B70ULL);
	assert_int_equal(e->u.fault.ip, 0x7F347D9D5B70ULL);
	assert_int_equal(e->u.fault.arch_code, 0x14);
	assert_int_equal(e->u.fault.access, FL_ACC_EXEC | FL_ACC_USER);
	assert_int_equal(e->u.fault.source, FL_SRC_TRACEPOINT);
}

/* [21433.130375915] sys_enter_mremap: { cpu_id = 0 }, { perf_tid = 13307,
 * perf_pid = 13303, addr = 0x7F347D9AD000, old_len = 0x4000, new_len = 0x8000,
 * flags = 0x1, new_addr = 0x0 }
 * [21433.130405119] sys_exit_mremap: { ..., ret = 139863394570240 } */
static void first_mremap_paired(void **state)
{
	const struct fl_event *e = NULL;

	(void)state;
	for (size_t i = 0; i < c.n && !e; i++)
		if (c.ev[i].kind == FL_EV_MM_CALL && c.ev[i].u.mm_call.kind == FL_MM_MREMAP)
			e = &c.ev[i];
	assert_non_null(e);
	assert_int_equal(e->pid, 13303);
	assert_int_equal(e->tid, 13307);
	assert_true(e->u.mm_call.has_enter && e->u.mm_call.has_exit);
	assert_int_equal(e->u.mm_call.t_enter, 21433130375915ULL);
	assert_int_equal(e->u.mm_call.t_exit, 21433130405119ULL);
	assert_int_equal(e->t, e->u.mm_call.t_exit);
	assert_int_equal(e->u.mm_call.args[0], 0x7F347D9AD000ULL);
	assert_int_equal(e->u.mm_call.args[1], 0x4000);
	assert_int_equal(e->u.mm_call.args[2], 0x8000);
	assert_int_equal(e->u.mm_call.args[3], 1);	/* MREMAP_MAYMOVE */
	assert_int_equal(e->u.mm_call.args[4], 0);
	assert_int_equal(e->u.mm_call.ret, 139863394570240LL);
}

/* [21433.128295476] minor-faults: { cpu_id = 1 }, { perf_tid = 13303, ... } */
static void first_fault_end(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_FAULT_END, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->t, 21433128295476ULL);
	assert_int_equal(e->tid, 13303);
	assert_false(e->u.fault_end.major);
}

static void counts_and_order(void **state)
{
	uint64_t last = 0;

	(void)state;
	assert_int_equal(count_kind(&c, FL_EV_FAULT), 14692);
	assert_int_equal(count_kind(&c, FL_EV_FAULT_END), 14696);
	assert_int_equal(count_kind(&c, FL_EV_MM_CALL), 859 + 1649 + 806 + 800 + 3 + 99);
	assert_int_equal(count_kind(&c, FL_EV_MMAP_LOCK), 4254 + 5903 + 4219);
	assert_int_equal(count_kind(&c, FL_EV_SCHED), 119 + 103);
	assert_int_equal(count_kind(&c, FL_EV_READAHEAD), 1);
	assert_int_equal(count_kind(&c, FL_EV_VMA_SNAPSHOT), 1679);
	assert_int_equal(count_kind(&c, FL_EV_LOST), 0);
	for (size_t i = 0; i < c.n; i++) {
		/* One time-ordered stream (timestamp-0 side-band aside). */
		if (c.ev[i].t) {
			assert_true(c.ev[i].t >= last);
			last = c.ev[i].t;
		}
		if (c.ev[i].kind == FL_EV_MM_CALL) {
			assert_true(c.ev[i].u.mm_call.has_enter);
			assert_true(c.ev[i].u.mm_call.has_exit);
			assert_true(c.ev[i].u.mm_call.t_enter <= c.ev[i].u.mm_call.t_exit);
		}
		if (c.ev[i].kind == FL_EV_VMA_SNAPSHOT)
			assert_false(c.ev[i].u.vma.end_known);
	}
	assert_int_equal(res.mm_unpaired_enter, 0);
	assert_int_equal(res.mm_unpaired_exit, 0);
	/* perf data convert alone: no perf_lost in the environment, so losses
	 * are inferred, and every call being paired, none is. */
	assert_true(res.losses_inferred);
	assert_int_equal(res.inferred_losses, 0);
}

/* perf_fork for a thread: pid == ppid, so clone_thread with CLONE_VM. */
static void thread_clone(void **state)
{
	const struct fl_event *e = NULL;

	(void)state;
	for (size_t i = 0; i < c.n && !e; i++)
		if (c.ev[i].kind == FL_EV_TASK && c.ev[i].u.task.kind == FL_TASK_CLONE_THREAD)
			e = &c.ev[i];
	assert_non_null(e);
	assert_int_equal(e->pid, 13303);
	assert_int_equal(e->u.task.child_pid, 13303);
	assert_int_equal(e->u.task.child_tid, 13305);
	assert_true(e->u.task.clone_vm_known && e->u.task.clone_vm);
}

/* [21433.129626861] sched:sched_switch: { cpu_id = 0 }, { perf_tid = 13305,
 * perf_pid = 13303, ..., prev_pid = 13305, prev_state = 1, next_pid = 0 }
 * [21433.130305450] sched:sched_waking: { cpu_id = 0 }, { perf_tid = 13307,
 * perf_pid = 13303, ..., pid = 13305 } */
static void first_sched(void **state)
{
	const struct fl_event *sw = NULL, *wk = NULL;

	(void)state;
	for (size_t i = 0; i < c.n; i++) {
		if (c.ev[i].kind != FL_EV_SCHED)
			continue;
		if (!sw && c.ev[i].u.sched.kind == FL_SCHED_SWITCH)
			sw = &c.ev[i];
		if (!wk && c.ev[i].u.sched.kind == FL_SCHED_WAKING)
			wk = &c.ev[i];
	}
	assert_non_null(sw);
	assert_int_equal(sw->t, 21433129626861ULL);
	assert_int_equal(sw->tid, 13305);
	assert_int_equal(sw->pid, 13303);
	assert_int_equal(sw->u.sched.prev_state, 1);
	assert_int_equal(sw->u.sched.other, 0);
	assert_non_null(wk);
	assert_int_equal(wk->t, 21433130305450ULL);
	assert_int_equal(wk->tid, 13307);
	assert_int_equal(wk->u.sched.other, 13305);
}

/* [21433.128963319] readahead:page_cache_async_ra: { cpu_id = 1 }, {
 * perf_tid = 13303, ..., i_ino = 0xA720D1, ..., index = 0x1, ... } */
static void first_readahead(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_READAHEAD, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->t, 21433128963319ULL);
	assert_int_equal(e->tid, 13303);
	assert_true(e->u.ra.async);
	assert_int_equal(e->u.ra.ino, 0xA720D1);
	assert_int_equal(e->u.ra.index, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta),
		cmocka_unit_test(first_fault),
		cmocka_unit_test(first_mremap_paired),
		cmocka_unit_test(first_fault_end),
		cmocka_unit_test(counts_and_order),
		cmocka_unit_test(thread_clone),
		cmocka_unit_test(first_sched),
		cmocka_unit_test(first_readahead),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
