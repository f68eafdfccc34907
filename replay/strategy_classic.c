/* classic: mainline before 6.4, every fault under mmap_lock for read.
 *
 * The path of do_user_addr_fault() without the per-VMA-lock attempt:
 * lock_mm_and_find_vma() queues on the mm's mmap_lock (a simulated rwsem,
 * rwsem.h, around the writers the trace shows), grows the stack under the
 * write lock, refuses holes and access_error(); handle_mm_fault() runs
 * under the read lock; a fault that drops mmap_lock for IO
 * (filemap_fault(), __folio_lock_or_retry()) returns VM_FAULT_RETRY and is
 * retried once with FAULT_FLAG_TRIED, queueing on the lock again.
 * README-strategies.md says what is modelled and what is simplified.
 */
#include "strategy.h"
#include "fl_map.h"
#include "rwsem.h"

#include <stdlib.h>
#include <string.h>

/* Knob order: cfg->knob[] follows it. */
enum { K_RETRY_CAP, K_STACK_WRITE };

static const struct fl_knob classic_knobs[] = {
	[K_RETRY_CAP] = {
		"retry_cap",
		"VM_FAULT_RETRY retries: 1 drops mmap_lock for file/swap IO and retries "
		"once with FAULT_FLAG_TRIED; 0 holds it across the IO (no "
		"FAULT_FLAG_ALLOW_RETRY)",
		1, 0, 1,
	},
	[K_STACK_WRITE] = {
		"stack_write",
		"stack growth: 1 drops the read lock, takes mmap_lock for write and "
		"downgrades (lock_mm_and_find_vma); 0 expands the stack under the "
		"read lock, as kernels before the June 2023 rework",
		1, 0, 1,
	},
	{ NULL, NULL, 0, 0, 0 },
};

struct classic_state {
	struct fl_map mms;	/* pid key -> struct fl_rwsem *: one mmap_lock per mm */
	bool retry;
	bool stack_write;
};

/* Every outcome classic gives: counter mmap_lock, no attempt to fail. */
enum {
	R_OK,
	R_NO_VMA,
	R_ACCESS,
	R_STACK,
	R_FILE_IO,
	R_SWAP_IO,
	R_FOLIO,
	R_READAHEAD,
	R_UNKNOWN,
	R_INFERRED,
	R__COUNT
};

#define CAUSE(id, reason, desc) [id] = { (id) + 1, 0, "mmap_lock", reason, desc }
/* A fault the model could not place in a VMA it knew (cause.h). */
#define UNPLACED(id, reason, desc) \
	[id] = { (id) + 1, FL_CAUSE_UNPLACED, "mmap_lock", reason, desc }

static const struct fl_cause classic_causes[R__COUNT] = {
	CAUSE(R_OK, "ok", "handle_mm_fault() under mmap_read_lock(), no VM_FAULT_RETRY"),
	UNPLACED(R_NO_VMA, "no VMA", "lock_mm_and_find_vma() finds no VMA: bad_area_nosemaphore(), "
	      "SIGSEGV, no handle_mm_fault()"),
	CAUSE(R_ACCESS, "access error", "access_error() refuses the access: "
	      "bad_area_access_error(), SEGV_ACCERR, no handle_mm_fault()"),
	CAUSE(R_STACK, "stack growth", "below a VM_GROWSDOWN VMA: lock_mm_and_find_vma() takes "
	      "mmap_write_lock_killable() for expand_stack_locked(), then downgrades"),
	CAUSE(R_FILE_IO, "file IO", "major file fault: filemap_fault() drops mmap_lock for the IO "
	      "(maybe_unlock_mmap_for_io()), VM_FAULT_RETRY, retried with FAULT_FLAG_TRIED"),
	CAUSE(R_SWAP_IO, "swap IO", "major swap fault: do_swap_page() drops mmap_lock in "
	      "__folio_lock_or_retry(), VM_FAULT_RETRY, retried with FAULT_FLAG_TRIED"),
	CAUSE(R_FOLIO, "folio locked", "the folio is locked for another thread's IO: "
	      "__folio_lock_or_retry() drops mmap_lock, waits, VM_FAULT_RETRY"),
	CAUSE(R_READAHEAD, "readahead", "filemap_fault() starts readahead "
	      "(do_sync_mmap_readahead()/do_async_mmap_readahead()) with mmap_lock dropped, "
	      "VM_FAULT_RETRY"),
	UNPLACED(R_UNKNOWN, "unplaced: unknown layout", "the replay knows nothing of the mm's "
	      "layout at the address: taken as a fault under mmap_read_lock()"),
	UNPLACED(R_INFERRED, "unplaced: inferred extent", "in a VMA whose extent the replay "
	      "inferred: handle_mm_fault() under mmap_read_lock(), no VM_FAULT_RETRY"),
};

#undef CAUSE
#undef UNPLACED

/* Why a fault drops mmap_lock and returns VM_FAULT_RETRY, if it does. */
enum io_kind { IO_NONE, IO_FILE, IO_SWAP, IO_FOLIO, IO_READAHEAD };

static int classic_init(void *vs, const struct fl_run_cfg *cfg, struct fl_err *err)
{
	struct classic_state *st = vs;

	(void)err;
	memset(st, 0, sizeof(*st));
	fl_map_init(&st->mms);
	st->retry = cfg->knob[K_RETRY_CAP] != 0;
	st->stack_write = cfg->knob[K_STACK_WRITE] != 0;
	return 0;
}

static void classic_fini(void *vs)
{
	struct classic_state *st = vs;
	uint64_t key;
	void *val;

	for (size_t i = 0; fl_map_next(&st->mms, &i, &key, &val);) {
		fl_rwsem_free(val);
		free(val);
	}
	fl_map_free(&st->mms);
}

/* The mm's mmap_lock, created on first use; NULL without memory. */
static struct fl_rwsem *mm_lock(struct classic_state *st, int32_t pid)
{
	uint64_t key = (uint64_t)(uint32_t)pid + 1;	/* never 0 */
	struct fl_rwsem *s = fl_map_get(&st->mms, key);

	if (s)
		return s;
	s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	fl_rwsem_init(s);
	if (fl_map_put(&st->mms, key, s) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Put the trace's writers around this fault on the lock, where the trace
 * put them.  A writer is passed with every fault it meets; the rwsem keeps
 * it once, with the latest window seen. */
static void queue_writers(struct fl_rwsem *s, const struct fl_fault_view *f)
{
	for (size_t i = 0; i < f->nhits; i++) {
		const struct fl_writer *w = f->hits[i].w;
		uint64_t q, read_until = 0;

		if (!w || (w->pid >= 0 && f->pid >= 0 && w->pid != f->pid))
			continue;	/* another mm's lock */
		if (w->w_end == UINT64_MAX)
			continue;	/* still held: its release is not known yet */
		q = w->q_begin ? w->q_begin : w->w_begin;
		/* Released after the end of the write window: it downgraded
		 * and held the lock for read until then. */
		if (w->has_lock && w->t_lock_released > w->w_end)
			read_until = w->t_lock_released;
		fl_rwsem_writer_fixed(s, w->id, q, w->w_begin, w->w_end, read_until);
	}
	/* The engine saw the lock write-held or a writer queued at t that the
	 * hits do not explain: trust it, until lock_free_at. */
	if (f->lock_contended && f->lock_free_at > f->t && f->lock_free_at != UINT64_MAX &&
	    fl_rwsem_read_trylock(s, f->t))
		fl_rwsem_writer_fixed(s, 0, f->t, f->t, f->lock_free_at, 0);
}

static bool file_handler(enum fl_handler h)
{
	return h == FL_H_FILE_READ || h == FL_H_FILE_COW || h == FL_H_FILE_SHARED;
}

/* filemap_fault() drops mmap_lock while it waits for the page's IO;
 * do_swap_page() does it in __folio_lock_or_retry() after swapin; either
 * does it on a folio another thread's IO holds locked. */
static enum io_kind io_of(const struct fl_fault_view *f)
{
	/* shmem_fault() sleeps on the folio and swaps in with mmap_lock
	 * held (shmem_get_folio_gfp()); only a hole punch in progress drops
	 * it (shmem_falloc_wait()), which the trace does not show. */
	if (f->vma.kind == FL_VMA_SHMEM && file_handler(f->handler))
		return IO_NONE;
	if (f->folio_locked)
		return IO_FOLIO;
	/* The recording shows the wait (fl_fault_view.pc_wait): readahead
	 * or a sleep on a locked folio, both with mmap_lock dropped. */
	if (file_handler(f->handler) && f->pc_wait == FL_PCW_READAHEAD)
		return IO_READAHEAD;
	if (file_handler(f->handler) && f->pc_wait == FL_PCW_SLEPT)
		return IO_FOLIO;
	if (!f->major)
		return IO_NONE;
	if (f->handler == FL_H_SWAP)
		return IO_SWAP;
	if (file_handler(f->handler) || f->place == FL_PLACE_UNKNOWN)
		return IO_FILE;
	return IO_NONE;
}

static int reason_of(const struct fl_fault_view *f, enum io_kind io)
{
	if (f->place == FL_PLACE_NO_VMA)
		return R_NO_VMA;
	if (f->access_error)
		return R_ACCESS;
	if (f->place == FL_PLACE_STACK)
		return R_STACK;
	if (f->place == FL_PLACE_UNKNOWN)
		return R_UNKNOWN;
	switch (io) {
	case IO_FOLIO:
		return R_FOLIO;
	case IO_READAHEAD:
		return R_READAHEAD;
	case IO_SWAP:
		return R_SWAP_IO;
	case IO_FILE:
		return R_FILE_IO;
	case IO_NONE:
		break;
	}
	return f->place == FL_PLACE_INFERRED ? R_INFERRED : R_OK;
}

static void classic_fault(void *vs, const struct fl_run_cfg *cfg, const struct fl_fault_view *f,
			  struct fl_outcome *out)
{
	struct classic_state *st = vs;
	struct fl_rwsem tmp, *s = mm_lock(st, f->pid);
	bool segv = f->place == FL_PLACE_NO_VMA || f->access_error;
	bool stack = f->place == FL_PLACE_STACK;
	enum io_kind io = segv || stack ? IO_NONE : io_of(f);
	uint64_t cost = (unsigned)f->handler < FL_H__COUNT ? cfg->cost[f->handler] : 0;
	/* The thread asks for the lock as late as it runs behind the trace. */
	uint64_t t = f->t + f->behind, hold, acq, wait;

	if (!s) {
		/* No memory for this mm's lock: decide from the hits alone. */
		fl_rwsem_init(&tmp);
		s = &tmp;
	}
	fl_rwsem_advance(s, f->t);	/* the trace's time: other threads are not behind */
	queue_writers(s, f);

	/* How long the fault runs from lock to end: the trace's span, else
	 * the handler's cost (none when no handler runs). */
	if (f->has_end && f->t_end >= f->t)
		hold = f->t_end - f->t;
	else
		hold = segv ? 0 : cost;

	memset(out, 0, sizeof(*out));
	out->path = FL_PATH_MMAP_LOCK;
	out->fell_back = false;		/* nothing to fall back from */
	out->cause = &classic_causes[reason_of(f, io)];
	out->writer = NULL;		/* no attempt, so no abort to blame */

	if (stack && st->stack_write) {
		/* lock_mm_and_find_vma(): the read lock finds the VMA above,
		 * VM_GROWSDOWN; mmap_read_unlock(), mmap_write_lock_killable()
		 * (behind the readers inside and the writers queued),
		 * expand_stack_locked(), mmap_write_downgrade(): the expansion
		 * is taken as half the fault. */
		uint64_t rd = fl_rwsem_read_at(s, t);

		fl_rwsem_write_downgrade(s, rd, hold / 2, hold - hold / 2, &acq);
		wait = acq - t;
		out->attempts = segv ? 0 : 1;
	} else if (io != IO_NONE && st->retry) {
		/* First attempt: handle_mm_fault() up to the drop, the IO with
		 * no lock, then the retry with FAULT_FLAG_TRIED queues again
		 * and finds the folio ready.  Each hold is the handler's usual
		 * cost (mostly minor faults), at most a quarter of the span. */
		uint64_t d = cost < hold / 4 ? cost : hold / 4;
		uint64_t t_retry, acq2;

		fl_rwsem_read(s, t, d, &acq);
		t_retry = acq + (hold - d);
		fl_rwsem_read(s, t_retry, d, &acq2);
		wait = (acq - t) + (acq2 - t_retry);
		out->attempts = 2;
	} else {
		/* mmap_read_trylock(), else mmap_read_lock_killable(); held
		 * through handle_mm_fault() (and any IO without a retry); no
		 * handler runs after a failed lookup or access_error(). */
		fl_rwsem_read(s, t, hold, &acq);
		wait = acq - t;
		out->attempts = segv ? 0 : 1;
	}

	out->lock_wait = wait;
	out->latency = f->has_end && f->t_end >= f->t ? f->t_end - f->t : hold + wait;
	if (s == &tmp)
		fl_rwsem_free(&tmp);
}

/* Listed in strategies.c. */
extern const struct fl_strategy fl_strategy_classic;

const struct fl_strategy fl_strategy_classic = {
	.name = "classic",
	.summary = "mainline before 6.4: every fault under mmap_lock for read, "
		   "VM_FAULT_RETRY for IO",
	.profiles = NULL,
	.knobs = classic_knobs,
	.needs = FL_NEED_FAULTS,
	.state_size = sizeof(struct classic_state),
	.init = classic_init,
	.fault = classic_fault,
	.fini = classic_fini,
	.causes = classic_causes,
	.ncauses = R__COUNT,
};
