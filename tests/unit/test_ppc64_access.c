/* ppc64 book3s64 fault decoding: trap + DSISR (+ ip) into FL_ACC_* bits
 * (fl_ppc64_access, lib/fl_access.c: the one the recorder writes into the
 * trace and the replay decodes again),
 * from the values the qemu pseries POWER9 guest (Debian 6.12, radix and
 * hash, 4K and 64K pages) showed: trap 0x300 for every page fault, DSISR
 * 0x42000000 for a first write, 0x40000000 for a first read, 0x0a000000
 * for a write to a page that was read first (zero page: protection). */
#include "unit.h"

#include "fl_event.h"

#define USER_IP 0x100016a0ull		/* pftest's store loop */
#define KERNEL_IP 0xc000000000a1b2c0ull	/* a copy_to_user in the kernel */

static void first_write(void **state)
{
	(void)state;
	/* NOHPTE | ISSTORE: not present, write */
	assert_int_equal(fl_ppc64_access(0x300, 0x42000000, USER_IP), FL_ACC_WRITE | FL_ACC_USER);
}

static void first_read(void **state)
{
	(void)state;
	/* NOHPTE: not present, read */
	assert_int_equal(fl_ppc64_access(0x300, 0x40000000, USER_IP), FL_ACC_READ | FL_ACC_USER);
}

static void write_after_read(void **state)
{
	(void)state;
	/* PROTFAULT | ISSTORE: present (the zero page), write: COW */
	assert_int_equal(fl_ppc64_access(0x300, 0x0a000000, USER_IP),
			 FL_ACC_WRITE | FL_ACC_PROT | FL_ACC_USER);
}

static void same_meaning_as_x86(void **state)
{
	(void)state;
	/* The three observed cases mean what x86 error codes 0x6, 0x4, 0x7
	 * mean: the replay's access checks see the same bits. */
	assert_int_equal(fl_ppc64_access(0x300, 0x42000000, USER_IP), fl_x86_access(0x6));
	assert_int_equal(fl_ppc64_access(0x300, 0x40000000, USER_IP), fl_x86_access(0x4));
	assert_int_equal(fl_ppc64_access(0x300, 0x0a000000, USER_IP), fl_x86_access(0x7));
}

static void instruction_storage(void **state)
{
	(void)state;
	/* 0x400: an exec fault whatever the store bit says */
	assert_int_equal(fl_ppc64_access(0x400, 0x40000000, USER_IP), FL_ACC_EXEC | FL_ACC_USER);
	assert_int_equal(fl_ppc64_access(0x400, 0x08000000, USER_IP),
			 FL_ACC_EXEC | FL_ACC_PROT | FL_ACC_USER);
}

static void trap_low_bits_ignored(void **state)
{
	(void)state;
	/* regs->trap keeps flags in its low bits (TRAP() masks them) */
	assert_int_equal(fl_ppc64_access(0x301, 0x42000000, USER_IP), FL_ACC_WRITE | FL_ACC_USER);
	assert_int_equal(fl_ppc64_access(0x401, 0x40000000, USER_IP), FL_ACC_EXEC | FL_ACC_USER);
}

static void key_fault(void **state)
{
	(void)state;
	/* KEYFAULT (CONFIG_PPC_MEM_KEYS): a protection-key fault */
	assert_int_equal(fl_ppc64_access(0x300, 0x02200000, USER_IP),
			 FL_ACC_WRITE | FL_ACC_PKEY | FL_ACC_USER);
}

static void kernel_mode(void **state)
{
	(void)state;
	/* a kernel-mode fault on a user address (copy_to_user): no USER */
	assert_int_equal(fl_ppc64_access(0x300, 0x42000000, KERNEL_IP), FL_ACC_WRITE);
}

static void fault_from_sample(void **state)
{
	struct fl_fault f;

	(void)state;
	memset(&f, 0xff, sizeof(f));
	fl_fault_from_ppc64_sample(&f, 0x7fff7ce10000ull, USER_IP, 0x300, 0x0a000000);
	assert_int_equal(f.address, 0x7fff7ce10000ull);
	assert_int_equal(f.ip, USER_IP);
	assert_int_equal(f.trap, 0x300);
	assert_int_equal(f.arch_code, 0x0a000000);
	assert_int_equal(f.access, FL_ACC_WRITE | FL_ACC_PROT | FL_ACC_USER);
	assert_int_equal(f.source, FL_SRC_SW_EVENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_write),
		cmocka_unit_test(first_read),
		cmocka_unit_test(write_after_read),
		cmocka_unit_test(same_meaning_as_x86),
		cmocka_unit_test(instruction_storage),
		cmocka_unit_test(trap_low_bits_ignored),
		cmocka_unit_test(key_fault),
		cmocka_unit_test(kernel_mode),
		cmocka_unit_test(fault_from_sample),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
