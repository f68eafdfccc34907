/* Decoding of x86 page-fault error codes and event names. */
#include "unit.h"

#include "fl_event.h"

/* arch/x86/include/asm/trap_pf.h: PROT=1 WRITE=2 USER=4 RSVD=8 INSTR=16 PK=32 */
static void x86_user_read_not_present(void **state)
{
	(void)state;
	assert_int_equal(fl_x86_access(0x4), FL_ACC_READ | FL_ACC_USER);
}

static void x86_user_write_not_present(void **state)
{
	(void)state;
	assert_int_equal(fl_x86_access(0x6), FL_ACC_WRITE | FL_ACC_USER);
}

static void x86_user_write_protection(void **state)
{
	(void)state;
	/* Copy-on-write or a write to a read-only PTE: present + write. */
	assert_int_equal(fl_x86_access(0x7), FL_ACC_WRITE | FL_ACC_USER | FL_ACC_PROT);
}

static void x86_instruction_fetch(void **state)
{
	(void)state;
	/* An instruction fetch is not a read. */
	assert_int_equal(fl_x86_access(0x14), FL_ACC_EXEC | FL_ACC_USER);
}

static void x86_pkey_and_reserved(void **state)
{
	(void)state;
	assert_true(fl_x86_access(0x25) & FL_ACC_PKEY);
	assert_true(fl_x86_access(0x25) & FL_ACC_PROT);
	assert_true(fl_x86_access(0x0c) & FL_ACC_RSVD);
	/* SGX (bit 15) and higher bits do not invent access kinds. */
	assert_int_equal(fl_x86_access(0x8004), FL_ACC_READ | FL_ACC_USER);
}

static void comm_from_exec_path(void **state)
{
	struct fl_task t;

	(void)state;
	fl_task_comm_from_path(&t, "/usr/bin/true");
	assert_string_equal(t.comm, "true");
	/* TASK_COMM_LEN is 16 with the NUL: 15 characters survive. */
	fl_task_comm_from_path(&t, "/opt/a-very-long-program-name");
	assert_string_equal(t.comm, "a-very-long-pro");
	fl_task_comm_from_path(&t, "relative");
	assert_string_equal(t.comm, "relative");
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(fl_ev_kind_name(FL_EV_MMAP_LOCK), "mmap_lock");
	assert_string_equal(fl_mm_kind_name(FL_MM_MADVISE), "madvise");
	assert_string_equal(fl_lock_phase_name(FL_LOCK_ACQUIRED), "acquired");
	assert_string_equal(fl_task_kind_name(FL_TASK_CLONE_THREAD), "clone_thread");
	assert_string_equal(fl_ev_kind_name((enum fl_ev_kind)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x86_user_read_not_present),
		cmocka_unit_test(x86_user_write_not_present),
		cmocka_unit_test(x86_user_write_protection),
		cmocka_unit_test(x86_instruction_fetch),
		cmocka_unit_test(x86_pkey_and_reserved),
		cmocka_unit_test(comm_from_exec_path),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
