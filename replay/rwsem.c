/* rwsem: see rwsem.h.  The holds in flight are few (the writers around
 * now, the faults in progress), so every question is a scan of them. */
#include "rwsem.h"
#include "fl_array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void fl_rwsem_init(struct fl_rwsem *s)
{
	memset(s, 0, sizeof(*s));
}

void fl_rwsem_free(struct fl_rwsem *s)
{
	free(s->h);
	fl_rwsem_init(s);
}

void fl_rwsem_advance(struct fl_rwsem *s, uint64_t now)
{
	size_t j = 0;

	if (now <= s->floor)
		return;
	s->floor = now;
	for (size_t i = 0; i < s->len; i++)
		if (s->h[i].rel > now)
			s->h[j++] = s->h[i];
	s->len = j;
}

static uint64_t clamp(const struct fl_rwsem *s, uint64_t t)
{
	return t < s->floor ? s->floor : t;
}

/* The hold h is in the queue at t: queued at or before t, not released. */
static bool queued_at(const struct fl_rwsem_hold *h, uint64_t t)
{
	return h->q <= t && h->rel > t;
}

/* A writer not granted at t is in the wait list (RWSEM_FLAG_WAITERS set)
 * only once its optimistic spin is over: rwsem_down_write_slowpath() runs
 * rwsem_optimistic_spin() before it queues. */
static bool writer_listed_at(const struct fl_rwsem_hold *h, uint64_t t)
{
	return h->acq > t && t - h->q >= FL_RWSEM_WSPIN_NS;
}

bool fl_rwsem_read_trylock(const struct fl_rwsem *s, uint64_t t)
{
	t = clamp(s, t);
	for (size_t i = 0; i < s->len; i++) {
		const struct fl_rwsem_hold *h = &s->h[i];

		if (!queued_at(h, t))
			continue;
		/* A writer holds, or anyone is in the wait list (FLAG_WAITERS):
		 * a reader that waits, a writer past its spin. */
		if (h->write ? h->acq <= t || writer_listed_at(h, t) : h->acq > t)
			return false;
	}
	return true;
}

/* Must a reader arriving at t queue?  rwsem_down_read_slowpath(): it
 * goes to the queue when the lock is writer-locked, when HANDOFF is set,
 * or when it is reader-owned with other readers inside (rcnt > 1) and,
 * FLAG_WAITERS being set, a writer waits; else it steals the lock. */
static bool reader_queues(const struct fl_rwsem_hold *h, size_t n, uint64_t t)
{
	bool writer_waits = false, readers_inside = false;

	for (size_t i = 0; i < n; i++) {
		if (!queued_at(&h[i], t))
			continue;
		if (h[i].write && h[i].acq <= t)
			return true;			/* RWSEM_WRITER_LOCKED */
		if (h[i].write) {
			if (!writer_listed_at(&h[i], t))
				continue;		/* spinning: no FLAG_WAITERS */
			if (t - h[i].q >= FL_RWSEM_WSPIN_NS + FL_RWSEM_HANDOFF_NS &&
			    t >= h[i].no_handoff_before)
				return true;		/* RWSEM_FLAG_HANDOFF */
			writer_waits = true;
		} else if (h[i].acq <= t) {
			readers_inside = true;
		}
	}
	return writer_waits && readers_inside;
}

/* The writer whose release grants a reader queued at t: the last release
 * among the writers queued before it, or NULL when it does not queue. */
static const struct fl_rwsem_hold *read_blocker(const struct fl_rwsem_hold *h, size_t n,
						uint64_t t)
{
	const struct fl_rwsem_hold *b = NULL;

	if (!reader_queues(h, n, t))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (h[i].write && queued_at(&h[i], t) && (!b || h[i].rel > b->rel))
			b = &h[i];
	return b;
}

uint64_t fl_rwsem_read_grant(const struct fl_rwsem_hold *h, size_t n, uint64_t t,
			     uint64_t *blocker_id)
{
	const struct fl_rwsem_hold *b = read_blocker(h, n, t);

	if (blocker_id)
		*blocker_id = b ? b->id : 0;
	return b && b->rel > t ? b->rel : t;
}

uint64_t fl_rwsem_read_at(const struct fl_rwsem *s, uint64_t t)
{
	return fl_rwsem_read_grant(s->h, s->len, clamp(s, t), NULL);
}

bool fl_rwsem_read_blocker(const struct fl_rwsem *s, uint64_t t, uint64_t *id)
{
	const struct fl_rwsem_hold *b = read_blocker(s->h, s->len, clamp(s, t));

	if (b && id)
		*id = b->id;
	return b != NULL;
}

uint64_t fl_rwsem_write_at(const struct fl_rwsem *s, uint64_t t)
{
	uint64_t at;

	t = clamp(s, t);
	at = t;
	for (size_t i = 0; i < s->len; i++) {
		const struct fl_rwsem_hold *h = &s->h[i];

		if (queued_at(h, t) && h->rel > at)
			at = h->rel;
	}
	return at;
}

static int remember(struct fl_rwsem *s, uint64_t id, bool write, uint64_t q, uint64_t acq,
		    uint64_t rel)
{
	struct fl_rwsem_hold *h;

	/* Nothing for anyone to queue behind, or already in the past. */
	if (rel <= q || rel <= s->floor)
		return 0;
	if (fl_array_grow((void **)&s->h, &s->cap, s->len + 1, sizeof(*s->h)) < 0)
		return -ENOMEM;
	h = &s->h[s->len++];
	*h = (struct fl_rwsem_hold){ .id = id, .write = write, .q = q, .acq = acq, .rel = rel };
	return 0;
}

int fl_rwsem_read(struct fl_rwsem *s, uint64_t t, uint64_t hold_ns, uint64_t *acquired)
{
	t = clamp(s, t);
	*acquired = fl_rwsem_read_at(s, t);
	return remember(s, 0, false, t, *acquired, add_sat(*acquired, hold_ns));
}

int fl_rwsem_write(struct fl_rwsem *s, uint64_t t, uint64_t hold_ns, uint64_t *acquired)
{
	t = clamp(s, t);
	*acquired = fl_rwsem_write_at(s, t);
	return remember(s, 0, true, t, *acquired, add_sat(*acquired, hold_ns));
}

int fl_rwsem_write_downgrade(struct fl_rwsem *s, uint64_t t, uint64_t write_ns,
			     uint64_t read_ns, uint64_t *acquired)
{
	uint64_t down;
	int rc;

	t = clamp(s, t);
	*acquired = fl_rwsem_write_at(s, t);
	down = add_sat(*acquired, write_ns);
	/* The read part is queued with the write part, so that writers queued
	 * before the downgrade wait for it; readers only see the write part. */
	if (fl_array_grow((void **)&s->h, &s->cap, s->len + 2, sizeof(*s->h)) < 0)
		return -ENOMEM;
	rc = remember(s, 0, true, t, *acquired, down);
	if (rc == 0)
		rc = remember(s, 0, false, t, down, add_sat(down, read_ns));
	return rc;
}

int fl_rwsem_writer_fixed(struct fl_rwsem *s, uint64_t id, uint64_t q_begin,
			  uint64_t acquired, uint64_t released, uint64_t read_until)
{
	size_t j = 0;
	int rc;

	/* A writer seen again: its window as now known replaces the old one
	 * (answers already given stay). */
	if (id) {
		for (size_t i = 0; i < s->len; i++)
			if (s->h[i].id != id)
				s->h[j++] = s->h[i];
		s->len = j;
	}
	/* The trace's order, whatever a lost event did to it. */
	if (q_begin > acquired)
		q_begin = acquired;
	if (released < acquired)
		released = acquired;
	if (fl_array_grow((void **)&s->h, &s->cap, s->len + 2, sizeof(*s->h)) < 0)
		return -ENOMEM;
	rc = remember(s, id, true, q_begin, acquired, released);
	if (rc == 0 && read_until > released)
		rc = remember(s, id, false, q_begin, released, read_until);
	return rc;
}
