/* rwsem: a deterministic model of one mm's mmap_lock (docs/design.md §6).
 *
 * The kernel's rw_semaphore (kernel/locking/rwsem.c) as mmap_lock uses it,
 * reduced to a queue of timed holds:
 *
 *  - A reader that arrives while a writer holds the lock queues.  So does
 *    one that arrives while a writer waits and readers hold it (the lock
 *    "very likely owned by readers"), or while the first waiting writer
 *    has waited RWSEM_WAIT_TIMEOUT and set HANDOFF.  Otherwise it steals
 *    the lock past the waiting writers: rwsem_down_read_slowpath()'s
 *    reader optimistic lock stealing (since 5.11).  A reader that queued
 *    is granted when every writer queued before it has released (or
 *    downgraded): woken writers at the head go first, in order.
 *    mmap_read_trylock() fails whenever a writer holds or waits
 *    (RWSEM_READ_FAILED_MASK: WRITER_LOCKED, FLAG_WAITERS, HANDOFF).
 *  - A writer that cannot take the lock first spins
 *    (rwsem_optimistic_spin(), FL_RWSEM_WSPIN_NS) and only then joins the
 *    wait list and sets FLAG_WAITERS: while it spins, it blocks no reader
 *    and fails no trylock.  Its HANDOFF timeout starts when it queues.
 *  - A writer waits for every hold queued before it, readers and writers
 *    alike, to be released: the readers inside drain, earlier writers go
 *    first.
 *  - Writers whose window the trace fixed (start_locking, acquired,
 *    released) are registered as they are; nothing moves them.  Readers and
 *    writers the strategy simulates queue around them.  A fixed writer's
 *    wait does not block a reader by itself: the trace shows readers taking
 *    the lock in the middle of such waits.
 *
 * HANDOFF: the kernel sets it at the waiter's first attempt after
 * RWSEM_WAIT_TIMEOUT, when a release wakes it.  A fixed writer that the
 * trace shows still waiting while another writer took and released the
 * lock past the timeout had not set it then: for it, HANDOFF is taken as
 * set from the later of the timeout and that release
 * (fl_rwsem_hold.no_handoff_before).
 *
 * Simplifications: the spin lasts FL_RWSEM_WSPIN_NS whoever owns the lock
 * (the kernel spins on a running writer owner without a limit, but readers
 * cannot enter a writer-locked rwsem either way), and a simulated writer
 * is granted strictly in arrival order; HANDOFF is taken as set
 * RWSEM_WAIT_TIMEOUT after the writer queued (4 ms: 1 jiffy at HZ=250, 4 at
 * HZ=1000), where the kernel sets it at the waiter's next attempt after the
 * timeout.
 *
 * Time: each request sees only the holds queued at or before its own time,
 * and its answer is final (a request added later with an earlier time does
 * not move it).  Requests may come in any order at or after the floor that
 * fl_rwsem_advance() sets; advancing forgets every hold released at or
 * before the floor, which keeps memory at the holds in flight.  A request
 * before the floor is treated as made at the floor.
 */
#ifndef FL_RWSEM_H
#define FL_RWSEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One hold, queued at q, granted at acq, released at rel (q <= acq < rel). */
struct fl_rwsem_hold {
	uint64_t id;		/* a fixed writer's id (from 1); 0 simulated */
	uint64_t q, acq, rel;
	bool write;
	/* A waiting writer: HANDOFF is not set before this (another writer
	 * took the lock then); 0 when nothing says so. */
	uint64_t no_handoff_before;
};

struct fl_rwsem {
	struct fl_rwsem_hold *h;	/* in registration order */
	size_t len, cap;
	uint64_t floor;			/* see fl_rwsem_advance() */
};

void fl_rwsem_init(struct fl_rwsem *s);
void fl_rwsem_free(struct fl_rwsem *s);

/* No request will come before now: forget every hold released by then. */
void fl_rwsem_advance(struct fl_rwsem *s, uint64_t now);

/* Would mmap_read_trylock() succeed at t: no writer holds, nobody is in
 * the wait list. */
bool fl_rwsem_read_trylock(const struct fl_rwsem *s, uint64_t t);
/* When a reader queued at t would be granted the lock (>= t); nothing is
 * registered. */
uint64_t fl_rwsem_read_at(const struct fl_rwsem *s, uint64_t t);
/* When a writer queued at t would be granted the lock (>= t). */
uint64_t fl_rwsem_write_at(const struct fl_rwsem *s, uint64_t t);

/* mmap_read_lock() at t, held for hold_ns once granted.  *acquired is
 * always set; the return is 0, or -ENOMEM when the hold could not be
 * remembered (later requests then do not see it). */
int fl_rwsem_read(struct fl_rwsem *s, uint64_t t, uint64_t hold_ns, uint64_t *acquired);
/* mmap_write_lock() at t, held for hold_ns once granted. */
int fl_rwsem_write(struct fl_rwsem *s, uint64_t t, uint64_t hold_ns, uint64_t *acquired);
/* mmap_write_lock() at t, held write_ns, then mmap_write_downgrade() and
 * held for read read_ns: readers queued meanwhile enter at the downgrade,
 * writers wait for the end of the read hold. */
int fl_rwsem_write_downgrade(struct fl_rwsem *s, uint64_t t, uint64_t write_ns,
			     uint64_t read_ns, uint64_t *acquired);

/* A writer whose window the trace fixed: queued at q_begin, acquired,
 * released (or downgraded) at released; after a downgrade, read-held until
 * read_until (0 or <= released: no downgrade).  A writer may be passed
 * with every fault it meets: an id already known has its window replaced
 * by this one (the latest word on it; answers already given stay).  A
 * window released by the floor is ignored.  0 or -ENOMEM. */
int fl_rwsem_writer_fixed(struct fl_rwsem *s, uint64_t id, uint64_t q_begin,
			  uint64_t acquired, uint64_t released, uint64_t read_until);

/* RWSEM_WAIT_TIMEOUT, DIV_ROUND_UP(HZ, 250) jiffies: 4 ms at the usual HZ,
 * counted from when the writer joined the wait list. */
#define FL_RWSEM_HANDOFF_NS 4000000ULL
/* How long a writer that cannot take the lock spins before it joins the
 * wait list: rwsem_optimistic_spin() on a reader-owned lock gives up after
 * rwsem_rspin_threshold(), (20 + readers) / 2 us, 10 us with the readers
 * not counted.  While it spins RWSEM_FLAG_WAITERS is clear: readers take
 * the fast path and mmap_read_trylock() succeeds. */
#define FL_RWSEM_WSPIN_NS 10000ULL

/* When mmap_read_lock() at t is granted against the holds h[0..n) (any
 * order; the rules above): t when it steals or nothing is in the way.
 * *blocker_id (may be NULL) gets the id of the writer whose release grants
 * it (0 when simulated or when it does not wait). */
uint64_t fl_rwsem_read_grant(const struct fl_rwsem_hold *h, size_t n, uint64_t t,
			     uint64_t *blocker_id);

/* Does a reader queued at t wait?  If so, *id is the writer whose release
 * grants it (a fixed writer's id, 0 for a simulated one). */
bool fl_rwsem_read_blocker(const struct fl_rwsem *s, uint64_t t, uint64_t *id);

#endif
