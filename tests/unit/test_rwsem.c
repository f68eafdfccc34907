/* The simulated mmap_lock: readers behind a holding or a queued writer,
 * reader lock stealing and HANDOFF,
 * writers behind readers, mmap_read_trylock(), chains of writers, FIFO
 * order, downgrade, fixed trace windows, and bounded memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "rwsem.h"

static uint64_t rd(struct fl_rwsem *s, uint64_t t, uint64_t hold)
{
	uint64_t acq = 0;

	assert_int_equal(fl_rwsem_read(s, t, hold, &acq), 0);
	assert_true(acq >= t);
	return acq;
}

static uint64_t wr(struct fl_rwsem *s, uint64_t t, uint64_t hold)
{
	uint64_t acq = 0;

	assert_int_equal(fl_rwsem_write(s, t, hold, &acq), 0);
	assert_true(acq >= t);
	return acq;
}

static void fixed(struct fl_rwsem *s, uint64_t id, uint64_t q, uint64_t acq, uint64_t rel)
{
	assert_int_equal(fl_rwsem_writer_fixed(s, id, q, acq, rel, 0), 0);
}

/* Readers share the lock: none waits for another. */
static void readers_share(void **state)
{
	struct fl_rwsem s;

	(void)state;
	fl_rwsem_init(&s);
	assert_true(fl_rwsem_read_trylock(&s, 0));
	assert_int_equal(rd(&s, 10, 1000), 10);
	assert_int_equal(rd(&s, 20, 1000), 20);
	assert_true(fl_rwsem_read_trylock(&s, 30));
	assert_int_equal(rd(&s, 30, 5), 30);
	assert_false(fl_rwsem_read_blocker(&s, 40, NULL));
	fl_rwsem_free(&s);
}

/* mmap_read_lock() while a writer holds it: granted at the release, which
 * is exclusive (a reader arriving at the release does not wait). */
static void reader_behind_holding_writer(void **state)
{
	struct fl_rwsem s;
	uint64_t id = 0;

	(void)state;
	fl_rwsem_init(&s);
	fixed(&s, 7, 100, 100, 200);
	assert_int_equal(rd(&s, 99, 10), 99);	/* before it queued */
	assert_int_equal(rd(&s, 100, 10), 200);	/* queued together: writer first */
	assert_int_equal(rd(&s, 150, 10), 200);
	assert_true(fl_rwsem_read_blocker(&s, 150, &id));
	assert_int_equal(id, 7);
	assert_int_equal(rd(&s, 200, 10), 200);
	assert_int_equal(rd(&s, 250, 10), 250);
	fl_rwsem_free(&s);
}

/* A writer waiting for readers to drain blocks new readers while readers
 * are inside: rwsem_down_read_slowpath() does not steal a lock "very
 * likely owned by readers" (rcnt > 1), it queues behind the writer --
 * once the writer is in the wait list, after its optimistic spin. */
static void reader_behind_queued_writer(void **state)
{
	struct fl_rwsem s;
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	fl_rwsem_init(&s);
	assert_int_equal(rd(&s, 0, S + 300), 0);	/* R1 holds 0..S+300 */
	assert_int_equal(wr(&s, 100, 50), S + 300);	/* W queued at 100 */
	assert_int_equal(rd(&s, S + 150, 10), S + 350);	/* behind W, not R1 */
	assert_int_equal(rd(&s, 99, 10), 99);		/* before W queued */
	fl_rwsem_free(&s);
}

/* rwsem_down_write_slowpath(): the writer first spins in
 * rwsem_optimistic_spin() -- on a reader-owned lock for
 * rwsem_rspin_threshold() -- and only queueing sets RWSEM_FLAG_WAITERS.
 * While it spins, readers take the fast path (rwsem_read_trylock()) and
 * mmap_read_trylock() succeeds. */
static void writer_spins_before_it_queues(void **state)
{
	struct fl_rwsem s;
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	fl_rwsem_init(&s);
	assert_int_equal(rd(&s, 0, 3 * S), 0);		/* R1 holds 0..3S */
	assert_int_equal(wr(&s, 100, 50), 3 * S);	/* W spins from 100 */
	assert_true(fl_rwsem_read_trylock(&s, 150));
	assert_true(fl_rwsem_read_trylock(&s, 100 + S - 1));
	assert_int_equal(fl_rwsem_read_at(&s, 150), 150);	/* fast path */
	assert_int_equal(fl_rwsem_read_at(&s, 100 + S - 1), 100 + S - 1);
	assert_false(fl_rwsem_read_trylock(&s, 100 + S));	/* queued now */
	assert_int_equal(fl_rwsem_read_at(&s, 100 + S), 3 * S + 50);
	fl_rwsem_free(&s);

	/* A fixed writer the trace shows waiting less than the spin never
	 * set FLAG_WAITERS. */
	fl_rwsem_init(&s);
	fixed(&s, 4, 1000, 1000 + S / 2, 1000 + S);
	assert_true(fl_rwsem_read_trylock(&s, 1000 + S / 4));
	assert_false(fl_rwsem_read_trylock(&s, 1000 + S / 2));	/* holds */
	fl_rwsem_free(&s);
}

/* Reader optimistic lock stealing: a writer waits, but nobody holds the
 * lock the reader can see (not writer-locked, no readers inside, no
 * HANDOFF), so the reader takes it at once.  Once the writer has waited
 * RWSEM_WAIT_TIMEOUT, HANDOFF stops the steals and the reader queues. */
static void reader_steals_past_waiting_writer(void **state)
{
	struct fl_rwsem s;
	uint64_t id = 99;
	const uint64_t H = FL_RWSEM_HANDOFF_NS;
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	fl_rwsem_init(&s);
	fixed(&s, 1, 1000, S + 1300, S + 1400);
	assert_false(fl_rwsem_read_blocker(&s, S + 1100, NULL));
	assert_int_equal(rd(&s, S + 1100, 10), S + 1100);
	/* A reader arriving while that reader is inside queues behind W. */
	assert_int_equal(fl_rwsem_read_at(&s, S + 1105), S + 1400);
	assert_int_equal(fl_rwsem_read_at(&s, S + 1200), S + 1200);
	/* ...but trylock still fails: FLAG_WAITERS. */
	assert_false(fl_rwsem_read_trylock(&s, S + 1200));
	fl_rwsem_free(&s);

	/* HANDOFF: RWSEM_WAIT_TIMEOUT after the writer joined the list. */
	fl_rwsem_init(&s);
	fixed(&s, 2, 0, S + H + 500, S + H + 600);
	assert_int_equal(fl_rwsem_read_at(&s, S + H - 1), S + H - 1);
	assert_int_equal(fl_rwsem_read_at(&s, S + H), S + H + 600);
	assert_true(fl_rwsem_read_blocker(&s, S + H + 100, &id));
	assert_int_equal(id, 2);
	fl_rwsem_free(&s);

	/* The same rule over a caller's holds. */
	struct fl_rwsem_hold h[2] = {
		{ .id = 5, .q = 0, .acq = 100, .rel = 200, .write = true },
		{ .id = 6, .q = 50, .acq = 200, .rel = 300, .write = true },
	};
	assert_int_equal(fl_rwsem_read_grant(h, 2, 60, &id), 60);	/* steals */
	assert_int_equal(id, 0);
	assert_int_equal(fl_rwsem_read_grant(h, 2, 150, &id), 300);	/* 5 holds */
	assert_int_equal(id, 6);
	assert_int_equal(fl_rwsem_read_grant(h, 1, 150, &id), 200);
	assert_int_equal(id, 5);
	assert_int_equal(fl_rwsem_read_grant(h, 0, 150, &id), 150);
}

/* The kernel sets HANDOFF at the waiter's first attempt after the
 * timeout, when a release wakes it: a waiter the trace shows passed over
 * by another writer's hold after the timeout had not set it before that
 * writer's release, and readers still steal until then. */
static void handoff_not_before_a_later_writer(void **state)
{
	const uint64_t H = FL_RWSEM_HANDOFF_NS;
	const uint64_t S = FL_RWSEM_WSPIN_NS;
	/* W1 queued at 0 and took the lock only at 2H; W2 held it in
	 * [S + H + 100, S + H + 200], past W1's timeout. */
	struct fl_rwsem_hold h[2] = {
		{ .id = 1, .q = 0, .acq = 2 * H, .rel = 2 * H + 50, .write = true,
		  .no_handoff_before = S + H + 200 },
		{ .id = 2, .q = S + H + 90, .acq = S + H + 100, .rel = S + H + 200, .write = true },
	};
	uint64_t id;

	(void)state;
	/* Past the timeout, before W2's release: no HANDOFF, it steals. */
	assert_int_equal(fl_rwsem_read_grant(h, 2, S + H + 50, &id), S + H + 50);
	assert_int_equal(id, 0);
	/* While W2 holds: it queues behind W1, queued before it. */
	assert_int_equal(fl_rwsem_read_grant(h, 2, S + H + 150, &id), 2 * H + 50);
	assert_int_equal(id, 1);
	/* From W2's release on, W1 has set HANDOFF: it queues. */
	assert_int_equal(fl_rwsem_read_grant(h, 2, S + H + 300, &id), 2 * H + 50);
	assert_int_equal(id, 1);
	/* Without that evidence HANDOFF is set at the timeout. */
	h[0].no_handoff_before = 0;
	assert_int_equal(fl_rwsem_read_grant(h, 2, S + H + 50, &id), 2 * H + 50);
}

/* mmap_write_lock() waits for the readers inside to drain. */
static void writer_waits_for_readers(void **state)
{
	struct fl_rwsem s;
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	fl_rwsem_init(&s);
	rd(&s, 0, S + 100);		/* 0..S+100 */
	rd(&s, 10, S + 200);		/* 10..S+210 */
	rd(&s, 20, 5);			/* 20..25: gone by 50 */
	assert_int_equal(fl_rwsem_write_at(&s, 50), S + 210);
	assert_int_equal(wr(&s, 50, 40), S + 210);
	/* A reader arriving once the writer queued is behind it. */
	assert_int_equal(rd(&s, S + 60, 10), S + 250);
	/* A reader queued after S+250 is free again. */
	assert_int_equal(rd(&s, S + 250, 10), S + 250);
	fl_rwsem_free(&s);
}

/* mmap_read_trylock() fails whenever a writer holds or waits
 * (RWSEM_READ_FAILED_MASK), and only then. */
static void trylock_semantics(void **state)
{
	struct fl_rwsem s;
	const uint64_t S = FL_RWSEM_WSPIN_NS;

	(void)state;
	fl_rwsem_init(&s);
	rd(&s, 0, S + 100);			/* read-held 0..S+100 */
	assert_true(fl_rwsem_read_trylock(&s, 10));
	wr(&s, 20, 30);				/* waits 20..S+100, holds ..S+130 */
	assert_true(fl_rwsem_read_trylock(&s, 19));	/* read-held only */
	assert_true(fl_rwsem_read_trylock(&s, 20));	/* spinning */
	assert_false(fl_rwsem_read_trylock(&s, S + 20));	/* waiting */
	assert_false(fl_rwsem_read_trylock(&s, S + 99));
	assert_false(fl_rwsem_read_trylock(&s, S + 100));	/* holding */
	assert_false(fl_rwsem_read_trylock(&s, S + 129));
	assert_true(fl_rwsem_read_trylock(&s, S + 130));	/* released */

	fixed(&s, 3, S + 200, S + 200, S + 210);
	assert_true(fl_rwsem_read_trylock(&s, S + 199));
	assert_false(fl_rwsem_read_trylock(&s, S + 200));
	assert_true(fl_rwsem_read_trylock(&s, S + 210));
	fl_rwsem_free(&s);
}

/* Writers queued one behind another: a reader waits for all of those
 * queued before it, not for those queued after. */
static void chains_of_writers(void **state)
{
	struct fl_rwsem s;
	uint64_t id = 0;

	(void)state;
	fl_rwsem_init(&s);
	fixed(&s, 1, 0, 0, 100);
	fixed(&s, 2, 50, 100, 150);
	fixed(&s, 3, 120, 150, 300);
	assert_int_equal(rd(&s, 60, 1), 150);	/* behind 1 and 2 */
	assert_true(fl_rwsem_read_blocker(&s, 60, &id));
	assert_int_equal(id, 2);
	assert_int_equal(rd(&s, 130, 1), 300);	/* behind 2 and 3 */
	assert_int_equal(rd(&s, 10, 1), 100);	/* behind 1 only */

	/* Simulated writers chain by themselves. */
	fl_rwsem_free(&s);
	fl_rwsem_init(&s);
	assert_int_equal(wr(&s, 0, 100), 0);
	assert_int_equal(wr(&s, 10, 100), 100);
	assert_int_equal(wr(&s, 20, 100), 200);
	assert_int_equal(rd(&s, 30, 1), 300);
	assert_int_equal(fl_rwsem_write_at(&s, 30), 301);
	fl_rwsem_free(&s);
}

/* Arrival order decides: a reader queued before a writer is granted
 * before it, and the writer waits for it; a reader behind the writer
 * waits for the writer.  At equal times the earlier request is first. */
static void fifo_order(void **state)
{
	struct fl_rwsem s;

	(void)state;
	fl_rwsem_init(&s);
	fixed(&s, 1, 0, 0, 100);
	assert_int_equal(rd(&s, 10, 50), 100);	/* R1: 100..150 */
	assert_int_equal(wr(&s, 20, 10), 150);	/* W: behind 1 and R1 */
	assert_int_equal(rd(&s, 30, 5), 160);	/* R2: behind W */
	assert_int_equal(wr(&s, 30, 10), 165);	/* W2: behind R2 */

	fl_rwsem_free(&s);
	fl_rwsem_init(&s);
	assert_int_equal(wr(&s, 5, 10), 5);
	assert_int_equal(rd(&s, 5, 10), 15);	/* same time, after: waits */
	fl_rwsem_free(&s);
}

/* mmap_write_downgrade(): readers queued during the write part enter at
 * the downgrade; writers wait for the read part too. */
static void downgrade(void **state)
{
	struct fl_rwsem s;
	uint64_t acq = 0;

	(void)state;
	fl_rwsem_init(&s);
	assert_int_equal(fl_rwsem_write_downgrade(&s, 0, 100, 100, &acq), 0);
	assert_int_equal(acq, 0);
	assert_false(fl_rwsem_read_trylock(&s, 50));
	assert_true(fl_rwsem_read_trylock(&s, 100));
	assert_int_equal(rd(&s, 50, 10), 100);
	assert_int_equal(wr(&s, 50, 10), 200);

	/* A fixed writer that downgraded: read-held until read_until. */
	fl_rwsem_free(&s);
	fl_rwsem_init(&s);
	assert_int_equal(fl_rwsem_writer_fixed(&s, 4, 0, 10, 100, 400), 0);
	assert_int_equal(fl_rwsem_read_at(&s, 50), 100);
	assert_int_equal(fl_rwsem_write_at(&s, 50), 400);
	assert_true(fl_rwsem_read_trylock(&s, 150));
	fl_rwsem_free(&s);
}

/* A fixed writer passed with every fault that meets it counts once, with
 * its latest window; a window already released by the floor is not
 * remembered; bad orders from lost events are straightened. */
static void fixed_windows(void **state)
{
	struct fl_rwsem s;

	(void)state;
	fl_rwsem_init(&s);
	fixed(&s, 9, 100, 150, 200);
	fixed(&s, 9, 100, 150, 200);
	fixed(&s, 9, 100, 150, 200);
	assert_int_equal(s.len, 1);
	fl_rwsem_advance(&s, 300);
	assert_int_equal(s.len, 0);
	fixed(&s, 9, 100, 150, 200);		/* seen again by a later fault */
	assert_int_equal(s.len, 0);
	/* Seen again with its window known better: the new one counts. */
	fixed(&s, 12, 300, 310, 900);
	assert_int_equal(fl_rwsem_read_at(&s, 320), 900);
	fixed(&s, 12, 300, 310, 330);
	assert_int_equal(fl_rwsem_read_at(&s, 320), 330);
	assert_int_equal(s.len, 1);
	fl_rwsem_advance(&s, 340);
	fixed(&s, 10, 500, 400, 350);		/* q > acq, rel < acq */
	assert_int_equal(s.len, 0);		/* empty: nothing to wait for */
	fixed(&s, 11, 500, 400, 450);		/* q > acq: queued at acq */
	assert_int_equal(fl_rwsem_read_at(&s, 420), 450);
	fl_rwsem_free(&s);
}

/* A request with a later time (a fault's retry after its IO) does not
 * change what earlier times see, and answers already given stay. */
static void out_of_order(void **state)
{
	struct fl_rwsem s;

	(void)state;
	fl_rwsem_init(&s);
	fl_rwsem_advance(&s, 100);
	assert_int_equal(wr(&s, 1000, 500), 1000);	/* a writer at 1000 */
	assert_int_equal(rd(&s, 200, 10), 200);		/* unaffected */
	assert_int_equal(rd(&s, 1200, 10), 1500);
	/* Before the floor: treated as made at the floor. */
	assert_int_equal(rd(&s, 50, 10), 100);
	fl_rwsem_free(&s);
}

/* Memory stays at the holds in flight however long the run. */
static void memory_bounded(void **state)
{
	struct fl_rwsem s;
	size_t most = 0;

	(void)state;
	fl_rwsem_init(&s);
	for (uint64_t i = 0; i < 200000; i++) {
		uint64_t t = i * 100;

		fl_rwsem_advance(&s, t);
		if (i % 1000 == 0)
			fixed(&s, i + 1, t, t + 50, t + 400);
		rd(&s, t, 250);
		if (s.len > most)
			most = s.len;
	}
	assert_true(most <= 8);
	assert_true(s.cap <= 16);
	fl_rwsem_free(&s);
	assert_null(s.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readers_share),
		cmocka_unit_test(reader_behind_holding_writer),
		cmocka_unit_test(reader_behind_queued_writer),
		cmocka_unit_test(writer_spins_before_it_queues),
		cmocka_unit_test(reader_steals_past_waiting_writer),
		cmocka_unit_test(handoff_not_before_a_later_writer),
		cmocka_unit_test(writer_waits_for_readers),
		cmocka_unit_test(trylock_semantics),
		cmocka_unit_test(chains_of_writers),
		cmocka_unit_test(fifo_order),
		cmocka_unit_test(downgrade),
		cmocka_unit_test(fixed_windows),
		cmocka_unit_test(out_of_order),
		cmocka_unit_test(memory_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
