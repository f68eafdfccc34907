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

/* A mapping over part of an older one (a JIT's new code page inside an
 * old region, a library mapped over a reservation) replaces it there; the
 * older one's pieces on either side are still one mapping, the ip's own. */
static void newer_mapping_cuts_an_older_one(void **state)
{
	struct cs_table t;
	const uint64_t mid = LIBC_LO + 0x20000;
	const uint64_t tail_then_mid[] = { LIBC_HI - 0x10, mid + 0x8 };
	const uint64_t tail_then_prog[] = { LIBC_HI - 0x10, PROG_LO + 0x1a2 };

	(void)state;
	setup(&t, 100);
	assert_int_equal(cs_table_add(&t, 100, mid, mid + 0x1000), 0);
	assert_int_equal(cs_table_get(&t, 100)->n, 4);	/* prog, libc head, new, libc tail */
	/* ip in libc's head: its tail is the same mapping, the new page not */
	assert_int_equal(cs_pick(cs_table_get(&t, 100), LIBC_LO + 0x40, tail_then_mid, 2), mid + 0x8);
	/* ip in the new page: libc's tail is another mapping */
	assert_int_equal(cs_pick(cs_table_get(&t, 100), mid, tail_then_prog, 2), LIBC_HI - 0x10);
	/* the same range mapped again is one mapping still */
	assert_int_equal(cs_table_add(&t, 100, mid, mid + 0x1000), 0);
	assert_int_equal(cs_table_get(&t, 100)->n, 4);
	/* one mapping over all of them leaves only itself */
	assert_int_equal(cs_table_add(&t, 100, PROG_LO - 0x1000, LIBC_HI + 0x1000), 0);
	assert_int_equal(cs_table_get(&t, 100)->n, 1);
	assert_int_equal(cs_pick(cs_table_get(&t, 100), LIBC_LO, tail_then_prog, 2), 0);
	cs_table_free(&t);
}

/* The list against the rule as stated (the newest mapping holding each
 * word, mappings told apart by when they were made), over many random
 * mappings that overlap, in a small address range so that they do. */
struct ref_map {
	uint64_t start, end;
};

static const struct ref_map *ref_holding(const struct ref_map *log, size_t n, uint64_t a)
{
	for (size_t i = n; i-- > 0;)
		if (a >= log[i].start && a < log[i].end)
			return &log[i];
	return NULL;
}

static uint64_t ref_pick(const struct ref_map *log, size_t n, uint64_t ip, const uint64_t *w, size_t nw)
{
	const struct ref_map *own = ref_holding(log, n, ip);

	for (size_t i = 0; i < nw; i++) {
		const struct ref_map *r = ref_holding(log, n, w[i]);

		if (r && r != own)
			return w[i];
	}
	return 0;
}

static void agrees_with_the_rule_on_random_mappings(void **state)
{
	enum { NMAPS = 1500, NPICKS = 10, NWORDS = 8 };
	static struct ref_map log[NMAPS];
	struct cs_table t;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	cs_table_init(&t);
	for (size_t n = 0; n < NMAPS; n++) {
		const struct cs_maps *m;
		uint64_t start, len;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		start = 0x10000 + ((seed >> 33) % 4096) * 0x1000;
		len = (((seed >> 20) % (n % 50 ? 4 : 64)) + 1) * 0x1000;
		log[n] = (struct ref_map){ start, start + len };
		assert_int_equal(cs_table_add(&t, 7, start, start + len), 0);
		m = cs_table_get(&t, 7);
		for (size_t k = 1; k < m->n; k++)	/* sorted, no overlap */
			assert_true(m->r[k - 1].end <= m->r[k].start);
		for (int p = 0; p < NPICKS; p++) {
			uint64_t w[NWORDS], ip;

			for (int k = 0; k < NWORDS; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				w[k] = 0x8000 + (seed >> 33) % (4200 * 0x1000ull);
			}
			ip = w[NWORDS - 1];
			assert_int_equal(cs_pick(m, ip, w, NWORDS - 1), ref_pick(log, n + 1, ip, w, NWORDS - 1));
		}
	}
	cs_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(picks_first_word_outside_the_wrapper),
		cmocka_unit_test(unknown_without_a_caller),
		cmocka_unit_test(follows_fork_and_exec),
		cmocka_unit_test(newer_mapping_cuts_an_older_one),
		cmocka_unit_test(agrees_with_the_rule_on_random_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
