/* The lttng-kernel adapter.  lttng-modules cannot be installed on these
 * machines, so the trace is a fixture written through libbabeltrace2's own
 * API by tests/tools/mkfixture-lttng-kernel, with lttng-modules' event
 * names, fields and contexts; its content is documented in that tool. */
#include "unit.h"

#include <stdio.h>
#include <unistd.h>

static struct collected c;
static struct fl_ingest_result res;
static char dir[256];

static int setup(void **state)
{
	char cmd[1024];
	const char *build = getenv("FL_BUILD");

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fl-lttng-fixture.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && %s/tests/tools/mkfixture-lttng-kernel %s >/dev/null",
		 dir, build ? build : "build", dir);
	if (system(cmd) != 0)
		return -1;
	collect(dir, &c, &res);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	free(c.ev);
	fl_ingest_result_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void meta(void **state)
{
	(void)state;
	assert_string_equal(c.meta.dialect->name, "lttng-kernel");
	assert_string_equal(c.meta.arch, "x86_64");
	assert_int_equal(c.meta.page_size, 4096);
	assert_string_equal(c.meta.hostname, "fixture-host");
	assert_int_equal(res.events, 43);
}

/* syscall_entry_mmap: { pid = 1000, tid = 1000 }, { addr = 0x0,
 * len = 2097152, prot = 3, flags = { type = 0x2, options = 0x2 }, fd = -1,
 * offset = 0 }; syscall_exit_mmap: { ret = 0x7F3A5C000000 } */
static void mmap_flags_rebuilt(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_MM_CALL, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->u.mm_call.kind, FL_MM_MMAP);
	assert_int_equal(e->pid, 1000);
	assert_int_equal(e->tid, 1000);
	assert_int_equal(e->cpu, 0);
	assert_int_equal(e->u.mm_call.args[0], 0);
	assert_int_equal(e->u.mm_call.args[1], 2097152);
	assert_int_equal(e->u.mm_call.args[2], 3);		/* PROT_READ|PROT_WRITE */
	assert_int_equal(e->u.mm_call.args[3], 0x22);		/* MAP_PRIVATE|MAP_ANONYMOUS */
	assert_int_equal((int64_t)e->u.mm_call.args[4], -1);
	assert_int_equal(e->u.mm_call.ret, 0x7F3A5C000000LL);
	assert_int_equal(e->u.mm_call.t_exit - e->u.mm_call.t_enter, 5000);
}

/* x86_exceptions_page_fault_user: { tid = 1000 }, { address =
 * 0x7F3A5C000000, ip = 0x55D0C0A01234, error_code = 0x6 } */
static void first_fault(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_FAULT, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->tid, 1000);
	assert_int_equal(e->u.fault.address, 0x7F3A5C000000ULL);
	assert_int_equal(e->u.fault.ip, 0x55D0C0A01234ULL);
	assert_int_equal(e->u.fault.access, FL_ACC_WRITE | FL_ACC_USER);
}

/* sched_process_fork with child_pid == parent_pid is a thread. */
static void fork_and_clone(void **state)
{
	size_t clones = 0, forks = 0;

	(void)state;
	for (size_t i = 0; i < c.n; i++) {
		const struct fl_event *e = &c.ev[i];
		if (e->kind != FL_EV_TASK)
			continue;
		if (e->u.task.kind == FL_TASK_CLONE_THREAD) {
			clones++;
			assert_int_equal(e->u.task.child_pid, 1000);
			assert_int_equal(e->u.task.child_tid, 1001);
			assert_true(e->u.task.clone_vm);
		} else if (e->u.task.kind == FL_TASK_FORK) {
			forks++;
			assert_int_equal(e->u.task.child_pid, 1002);
			assert_int_equal(e->u.task.child_tid, 1002);
		}
	}
	assert_int_equal(clones, 1);
	assert_int_equal(forks, 1);
}

static void discarded_events(void **state)
{
	const struct fl_event *e = nth_of_kind(&c, FL_EV_LOST, 0);

	(void)state;
	assert_non_null(e);
	assert_int_equal(e->u.lost.count, 5);
	assert_false(e->u.lost.packets);
	assert_int_equal(e->cpu, 1);
	assert_true(e->u.lost.t_begin < e->u.lost.t_end);
	assert_int_equal(res.discarded_events, 5);
	assert_null(nth_of_kind(&c, FL_EV_LOST, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta),
		cmocka_unit_test(mmap_flags_rebuilt),
		cmocka_unit_test(first_fault),
		cmocka_unit_test(fork_and_clone),
		cmocka_unit_test(discarded_events),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
