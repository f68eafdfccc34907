/* The mm calls' call sites (tracer/call_site.h): the rule on synthetic
 * stacks, and the executable mappings followed across fork and exec. */
#include "unit.h"

#include "tracer/call_site.h"

#define LIBC_LO 0x7f0000001000ull	/* the wrapper's mapping */
#define LIBC_HI 0x7f0000100000ull
#define PROG_LO 0x555500001000ull	/* the program's text */
#define PROG_HI 0x555500002000ull

static void setup(struct cs_table *t, int32_t pid)
{
	cs_table_init(t);
	assert_int_equal(cs_table_add(t, pid, PROG_LO, PROG_HI), 0);
	assert_int_equal(cs_table_add(t, pid, LIBC_LO, LIBC_HI), 0);
}

/* The wrapper's frame holds data and its own return addresses into the C
 * library; the first word in another executable mapping is the caller. */
static void picks_first_word_outside_the_wrapper(void **state)
{
	struct cs_table t;
	const uint64_t stack[] = {
		0x7ffc00000010ull,	/* a saved stack pointer: not executable */
		LIBC_LO + 0x40,		/* the wrapper's own helper return */
		42,
		PROG_LO + 0x1a2,	/* grow_arena's return address */
		PROG_LO + 0x3b0,	/* main's, further up */
	};

	(void)state;
	setup(&t, 100);
	assert_int_equal(cs_pick(cs_table_get(&t, 100), LIBC_LO + 0x10, stack, 5), PROG_LO + 0x1a2);
	/* The ip decides which mapping is the wrapper's. */
	assert_int_equal(cs_pick(cs_table_get(&t, 100), PROG_LO + 0x10, stack, 5), LIBC_LO + 0x40);
	cs_table_free(&t);
}

static void unknown_without_a_caller(void **state)
{
	struct cs_table t;
	const uint64_t only_libc[] = { LIBC_LO + 0x40, 7, LIBC_LO + 0x80 };

	(void)state;
	setup(&t, 100);
	assert_int_equal(cs_pick(cs_table_get(&t, 100), LIBC_LO, only_libc, 3), 0);
	assert_int_equal(cs_pick(cs_table_get(&t, 100), LIBC_LO, only_libc, 0), 0);
	/* A process whose mappings are not known. */
	assert_int_equal(cs_pick(cs_table_get(&t, 200), LIBC_LO, only_libc, 3), 0);
	cs_table_free(&t);
}

static void follows_fork_and_exec(void **state)
{
	struct cs_table t;
	const uint64_t stack[] = { PROG_LO + 0x1a2 };

	(void)state;
	setup(&t, 100);
	assert_int_equal(cs_table_fork(&t, 100, 101), 0);
	assert_int_equal(cs_pick(cs_table_get(&t, 101), LIBC_LO, stack, 1), PROG_LO + 0x1a2);
	/* exec forgets the old image until the new one is mapped */
	cs_table_exec(&t, 101);
	assert_int_equal(cs_pick(cs_table_get(&t, 101), LIBC_LO, stack, 1), 0);
	assert_int_equal(cs_pick(cs_table_get(&t, 100), LIBC_LO, stack, 1), PROG_LO + 0x1a2);
	/* a reused pid starts from its new parent's */
	assert_int_equal(cs_table_add(&t, 102, 0x1000, 0x2000), 0);
	assert_int_equal(cs_table_fork(&t, 100, 102), 0);
	assert_int_equal(cs_table_get(&t, 102)->n, 2);
	cs_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(picks_first_word_outside_the_wrapper),
		cmocka_unit_test(unknown_without_a_caller),
		cmocka_unit_test(follows_fork_and_exec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
