/* The VMA set: ordering, interval lookup at the boundaries, splicing, and a
 * large set checked against a linear scan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm_vma.h"

#define PG 4096ULL

static struct fl_vma tmpl(uint64_t start, uint64_t end)
{
	struct fl_vma t;

	memset(&t, 0, sizeof(t));
	t.start = start;
	t.end = end;
	t.flags = FL_VM_READ | FL_VM_MAYREAD;
	t.kind = FL_VMA_ANON;
	return t;
}

static void empty_set(void **state)
{
	struct fl_vma_set s;

	(void)state;
	fl_vma_set_init(&s);
	assert_int_equal(fl_vma_count(&s), 0);
	assert_null(fl_vma_find(&s, 0));
	assert_null(fl_vma_lookup(&s, 0x1000));
	assert_null(fl_vma_find_intersection(&s, 0, UINT64_MAX));
	assert_null(fl_vma_prev_of(&s, 0x1000));
	assert_int_equal(fl_vma_find_idx(&s, 12345), 0);
	assert_int_equal(fl_vma_set_check(&s), 0);
	fl_vma_set_free(&s);
}

/* vm_start is inclusive and vm_end exclusive, as find_vma() and
 * vma_lookup() see them. */
static void lookup_boundaries(void **state)
{
	struct fl_vma_set s;
	struct fl_vma t, *a, *b;

	(void)state;
	fl_vma_set_init(&s);
	t = tmpl(10 * PG, 12 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, &a), 0);
	t = tmpl(12 * PG, 13 * PG);	/* adjacent: no gap */
	assert_int_equal(fl_vma_insert(&s, &t, &b), 0);
	t = tmpl(20 * PG, 30 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), 0);

	assert_null(fl_vma_lookup(&s, 10 * PG - 1));
	assert_ptr_equal(fl_vma_lookup(&s, 10 * PG), a);
	assert_ptr_equal(fl_vma_lookup(&s, 12 * PG - 1), a);
	assert_ptr_equal(fl_vma_lookup(&s, 12 * PG), b);	/* end is exclusive */
	assert_ptr_equal(fl_vma_lookup(&s, 13 * PG - 1), b);
	assert_null(fl_vma_lookup(&s, 13 * PG));
	assert_null(fl_vma_lookup(&s, 30 * PG));
	assert_non_null(fl_vma_lookup(&s, 30 * PG - 1));

	/* find_vma(): the first VMA ending above addr, possibly above it. */
	assert_ptr_equal(fl_vma_find(&s, 0), a);
	assert_int_equal(fl_vma_find(&s, 13 * PG)->start, 20 * PG);
	assert_null(fl_vma_find(&s, 30 * PG));

	/* find_vma_intersection() is half-open on both sides. */
	assert_null(fl_vma_find_intersection(&s, 13 * PG, 20 * PG));
	assert_int_equal(fl_vma_find_intersection(&s, 13 * PG, 20 * PG + 1)->start, 20 * PG);
	assert_null(fl_vma_find_intersection(&s, 0, 10 * PG));
	assert_ptr_equal(fl_vma_find_intersection(&s, 0, 10 * PG + 1), a);

	/* find_vma_prev(): the VMA ending at or below addr. */
	assert_null(fl_vma_prev_of(&s, 11 * PG));
	assert_ptr_equal(fl_vma_prev_of(&s, 12 * PG), a);
	assert_ptr_equal(fl_vma_prev_of(&s, 15 * PG), b);

	assert_int_equal(fl_vma_index_of(&s, b), 1);
	assert_int_equal(fl_vma_set_check(&s), 0);
	fl_vma_set_free(&s);
}

static void insert_refuses_overlap(void **state)
{
	struct fl_vma_set s;
	struct fl_vma t;

	(void)state;
	fl_vma_set_init(&s);
	t = tmpl(10 * PG, 20 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), 0);
	t = tmpl(19 * PG, 21 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), -EEXIST);
	t = tmpl(5 * PG, 11 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), -EEXIST);
	t = tmpl(12 * PG, 13 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), -EEXIST);
	t = tmpl(30 * PG, 30 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), -EINVAL);
	t = tmpl(31 * PG, 30 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, NULL), -EINVAL);
	assert_int_equal(fl_vma_count(&s), 1);
	fl_vma_set_free(&s);
}

/* Splice replaces a window of slots; ids stay unique and are not reused. */
static void splice_and_ids(void **state)
{
	struct fl_vma_set s;
	struct fl_vma t, *add[3], *old;
	uint64_t old_id;

	(void)state;
	fl_vma_set_init(&s);
	for (int i = 0; i < 5; i++) {
		t = tmpl((uint64_t)(10 * i + 10) * PG, (uint64_t)(10 * i + 15) * PG);
		assert_int_equal(fl_vma_insert(&s, &t, NULL), 0);
	}
	assert_int_equal(fl_vma_set_reserve(&s, 3, 3), 0);
	old = fl_vma_at(&s, 2);		/* [30, 35) */
	old_id = old->id;
	for (int i = 0; i < 3; i++) {
		t = tmpl((uint64_t)(30 + i) * PG, (uint64_t)(31 + i) * PG);
		add[i] = fl_vma_new(&s, &t);
		assert_non_null(add[i]);
		assert_true(add[i]->id > old_id);
	}
	assert_int_equal(fl_vma_set_splice(&s, 2, 3, add, 3), 0);
	fl_vma_release(&s, old);
	assert_int_equal(fl_vma_count(&s), 7);
	assert_int_equal(fl_vma_set_check(&s), 0);
	assert_ptr_equal(fl_vma_lookup(&s, 31 * PG), add[1]);
	assert_null(fl_vma_lookup(&s, 33 * PG));
	/* A released VMA is recycled with a fresh id. */
	t = tmpl(100 * PG, 101 * PG);
	assert_int_equal(fl_vma_insert(&s, &t, &old), 0);
	assert_true(old->id > add[2]->id);

	/* Shrinking the end in place needs the index told. */
	old = fl_vma_lookup(&s, 40 * PG);	/* [40, 45) */
	old->end = 44 * PG;
	assert_int_equal(fl_vma_set_check(&s), -EINVAL);
	fl_vma_set_sync(&s, fl_vma_index_of(&s, old));
	assert_int_equal(fl_vma_set_check(&s), 0);
	assert_null(fl_vma_lookup(&s, 44 * PG));
	assert_int_equal(fl_vma_set_splice(&s, 5, 4, NULL, 0), -EINVAL);
	fl_vma_set_free(&s);
}

static void kind_names_and_ops(void **state)
{
	struct fl_vma v;

	(void)state;
	assert_string_equal(fl_vma_kind_name(FL_VMA_ANON), "anon");
	assert_string_equal(fl_vma_kind_name(FL_VMA_HEAP), "heap");
	assert_string_equal(fl_vma_kind_name(FL_VMA_SPECIAL), "special");
	assert_string_equal(fl_vma_kind_name((enum fl_vma_kind)99), "?");
	memset(&v, 0, sizeof(v));
	v.kind = FL_VMA_ANON;
	assert_int_equal(fl_vma_ops_of(&v), FL_VMA_OPS_NONE);
	v.kind = FL_VMA_FILE;
	v.file_id = 7;
	assert_int_equal(fl_vma_ops_of(&v), FL_VMA_OPS_FILE);
	v.kind = FL_VMA_SPECIAL;
	assert_int_equal(fl_vma_ops_of(&v), FL_VMA_OPS_SPECIAL);
	/* The kernel's values, which traced vm_flags carry. */
	assert_int_equal(FL_VM_GROWSDOWN, 0x100);
	assert_int_equal(FL_VM_ACCOUNT, 0x100000);
	assert_int_equal(FL_VM_NOHUGEPAGE, 0x40000000);
	assert_int_equal(FL_VM_SPECIAL, 0x10044400);
}

static uint64_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 33;
}

/* 100k VMAs with gaps, then a million lookups against the arithmetic
 * truth: VMA i covers [ (3i+1) pages, (3i+3) pages ). */
#define NV 100000

static void large_set(void **state)
{
	struct fl_vma_set s;
	uint64_t seed = 42;

	(void)state;
	fl_vma_set_init(&s);
	/* Most in address order (appends), then every 50th in a scrambled
	 * order, so those land mid-array. */
	for (uint64_t i = 0; i < NV; i++) {
		struct fl_vma t = tmpl((3 * i + 1) * PG, (3 * i + 3) * PG);

		if (i % 50)
			assert_int_equal(fl_vma_insert(&s, &t, NULL), 0);
	}
	for (uint64_t k = 0; k < NV / 50; k++) {
		uint64_t i = 50 * ((k * 797) % (NV / 50));	/* 797 is coprime to 2000 */
		struct fl_vma t = tmpl((3 * i + 1) * PG, (3 * i + 3) * PG);

		assert_int_equal(fl_vma_insert(&s, &t, NULL), 0);
	}
	assert_int_equal(fl_vma_count(&s), NV);
	assert_int_equal(fl_vma_set_check(&s), 0);
	for (int n = 0; n < 1000000; n++) {
		uint64_t addr = rnd(&seed) % (3 * NV * PG + 2 * PG);
		uint64_t page = addr / PG, i = page / 3;
		struct fl_vma *v = fl_vma_lookup(&s, addr);

		if (page % 3 == 0 || i >= NV) {
			assert_null(v);
		} else {
			assert_non_null(v);
			assert_int_equal(v->start, (3 * i + 1) * PG);
		}
	}
	fl_vma_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_set),
		cmocka_unit_test(lookup_boundaries),
		cmocka_unit_test(insert_refuses_overlap),
		cmocka_unit_test(splice_and_ids),
		cmocka_unit_test(kind_names_and_ops),
		cmocka_unit_test(large_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
