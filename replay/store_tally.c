/* The tallies (cause_counts and the tally_* tables), counted as the
 * outcomes are stored and written at the end of each run and of the trace. */
#include "store_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "fl_fmt.h"
#include "fl_sql.h"

void store_run_tally_free(struct run_tally *t)
{
	store_run_codes_free(&t->codes);
	free(t->c);
	free(t->thr);
	fl_map_free(&t->thr_index);
	free(t->vma);
	fl_map_free(&t->vma_index);
	free(t->flags);
	free(t->cause_of);
}

struct run_tally *store_run_tally(struct fl_store *st, int64_t run_id)
{
	if (st->last_run < st->nruns && st->runs[st->last_run].run_id == run_id)
		return &st->runs[st->last_run];
	for (size_t i = 0; i < st->nruns; i++) {
		if (st->runs[i].run_id == run_id) {
			st->last_run = i;
			return &st->runs[i];
		}
	}
	return NULL;
}

/* Count an outcome under its (counter, reason), its cause's.  The strings
 * are static: the same pointer is the same cause, and a different pointer
 * is compared by its text (cause_counts has a row per text). */
int store_tally(struct run_tally *t, const struct fl_outcome *o)
{
	const char *counter = fl_outcome_counter(o), *reason = fl_outcome_reason(o);
	struct cause_tally *c = t->last < t->n ? &t->c[t->last] : NULL;
	size_t i;

	if (!c || c->counter != counter || c->reason != reason) {
		for (i = 0; i < t->n; i++)
			if (t->c[i].counter == counter && t->c[i].reason == reason)
				break;
		if (i == t->n)
			for (i = 0; i < t->n; i++)
				if (!strcmp(t->c[i].counter, counter) && !strcmp(t->c[i].reason, reason))
					break;
		if (i == t->n) {
			if (fl_array_grow((void **)&t->c, &t->cap, t->n + 1, sizeof(*t->c)) < 0)
				return -ENOMEM;
			t->c[t->n++] = (struct cause_tally){ .counter = counter, .reason = reason };
		}
		t->last = i;
		c = &t->c[i];
	}
	c->n++;
	c->fell_back += o->fell_back;
	return 0;
}

/* ---- the views' tallies ------------------------------------------------ */

static struct thread_tally *thread_tally(struct run_tally *t, int32_t tid)
{
	uint64_t key = (uint64_t)(uint32_t)tid + 1;
	void *idx;

	if (t->lastthr < t->nthr && t->thr[t->lastthr].tid == tid)
		return &t->thr[t->lastthr];
	idx = fl_map_get(&t->thr_index, key);
	if (!idx) {
		if (fl_array_grow((void **)&t->thr, &t->capthr, t->nthr + 1, sizeof(*t->thr)) < 0 ||
		    fl_map_put(&t->thr_index, key, (void *)(uintptr_t)(t->nthr + 1)) < 0)
			return NULL;
		t->thr[t->nthr++] = (struct thread_tally){ .tid = tid };
		idx = (void *)(uintptr_t)t->nthr;
	}
	t->lastthr = (size_t)(uintptr_t)idx - 1;
	return &t->thr[t->lastthr];
}

size_t store_vma_find(const struct fl_map *index, const void *recs, size_t n, size_t stride,
		      size_t last, const struct vma_key *key, uint64_t *slot)
{
	uint64_t h = (key->start * 0x9E3779B97F4A7C15ull) ^ (key->end + 0x632BE59BD9B4E019ull);
	const struct vma_key *x;
	void *idx;

	if (last < n) {
		x = (const void *)((const char *)recs + last * stride);
		if (x->start == key->start && x->end == key->end && x->kind == key->kind)
			return last;
	}
	if (!h)
		h = 1;
	/* Open probing over the keys: a key taken by another VMA moves on. */
	while ((idx = fl_map_get(index, h))) {
		size_t i = (uintptr_t)idx - 1;

		x = (const void *)((const char *)recs + i * stride);
		if (x->start == key->start && x->end == key->end && store_same_text(x->kind, key->kind))
			return i;
		h = h + 1 ? h + 1 : 1;
	}
	*slot = h;
	return n;
}

static struct vma_tally *vma_tally(struct run_tally *t, uint64_t start, uint64_t end,
				   const char *kind)
{
	const struct vma_key key = { start, end, kind };
	uint64_t slot;
	size_t i = store_vma_find(&t->vma_index, t->vma, t->nvma, sizeof(*t->vma), t->lastvma,
				  &key, &slot);

	if (i == t->nvma) {
		if (fl_array_grow((void **)&t->vma, &t->capvma, t->nvma + 1, sizeof(*t->vma)) < 0 ||
		    fl_map_put(&t->vma_index, slot, (void *)(uintptr_t)(t->nvma + 1)) < 0)
			return NULL;
		t->vma[t->nvma++] = (struct vma_tally){ .key = key };
	}
	t->lastvma = i;
	return &t->vma[i];
}

/* The latency histogram's bucket of the HTML report (analyze/html.c): the
 * halvings of the latency, as read back from its int64 column, until it
 * is below 2. */
static int latency_bucket(uint64_t lat)
{
	return lat < 2 ? 0 : 63 - __builtin_clzll(lat);
}

/* Count one outcome in its run's views.  False without memory. */
bool store_tally_views(struct fl_store *st, struct run_tally *t, const struct fl_fault_view *v,
			const struct fl_outcome *o, bool placed, const char *kind)
{
	struct thread_tally *th = thread_tally(t, v->tid);
	struct vma_tally *vt = vma_tally(t, placed ? v->vma.start : 0, placed ? v->vma.end : 0, kind);
	/* The handler stored with the outcome (outcome_rows.handler). */
	struct handler_tally *h = &t->h[store_handler_of(v)];
	int64_t lat = (int64_t)o->latency;

	if (!th || !vt)
		return false;
	th->fell_back += o->fell_back;
	vt->n++;
	vt->fell_back += o->fell_back;
	vt->aborts += o->writer != NULL;
	vt->lock_wait += o->lock_wait;
	h->n++;
	h->fell_back += o->fell_back;
	if (!h->lat_overflow && __builtin_add_overflow(h->lat_sum, lat, &h->lat_sum))
		h->lat_overflow = true;
	h->lat_sum_d += (double)lat;
	if (!h->any || lat > h->lat_max)
		h->lat_max = lat;
	h->any = true;
	if (v->fault_id >= t->capflags) {
		size_t cap = t->capflags;

		if (fl_array_grow((void **)&t->flags, &cap, v->fault_id + 1, 1) < 0)
			return false;
		memset(t->flags + t->capflags, 0, cap - t->capflags);
		t->capflags = cap;
	}
	t->flags[v->fault_id] = FLAG_SEEN | (o->fell_back ? FLAG_FELL_BACK : 0) |
				(o->writer ? FLAG_ABORT : 0);
	/* The cause counted last by store_tally(): this outcome's. */
	if (t->last > UINT16_MAX)
		return false;
	if (v->fault_id >= t->capcause &&
	    fl_array_grow((void **)&t->cause_of, &t->capcause, v->fault_id + 1,
			  sizeof(*t->cause_of)) < 0)
		return false;
	t->cause_of[v->fault_id] = (uint16_t)t->last;
	t->lat_hist[latency_bucket(o->latency)]++;
	(void)st;
	return true;
}

/* Write a run's thread, VMA and handler tallies. */
int store_write_view_tallies(struct fl_store *st, struct run_tally *t, struct fl_err *err)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (store_prepare(st, &s, "INSERT INTO tally_threads (run_id, tid, fell_back) VALUES (?,?,?)", err))
		return -EIO;
	for (size_t i = 0; i < t->nthr && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(s, 1, t->run_id);
		sqlite3_bind_int(s, 2, t->thr[i].tid);
		sqlite3_bind_int64(s, 3, (int64_t)t->thr[i].fell_back);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's tallies");
	if (store_prepare(st, &s, "INSERT INTO tally_vmas (run_id, vma_start, vma_end, vma_kind, faults,"
			   " fell_back, aborts, lock_wait) VALUES (?,?,?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t i = 0; i < t->nvma && rc == SQLITE_DONE; i++) {
		const struct vma_tally *x = &t->vma[i];

		sqlite3_bind_int64(s, 1, t->run_id);
		if (x->key.kind[0]) {
			sqlite3_bind_int64(s, 2, (int64_t)x->key.start);
			sqlite3_bind_int64(s, 3, (int64_t)x->key.end);
		} else {
			sqlite3_bind_null(s, 2);
			sqlite3_bind_null(s, 3);
		}
		sqlite3_bind_text(s, 4, x->key.kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, (int64_t)x->n);
		sqlite3_bind_int64(s, 6, (int64_t)x->fell_back);
		sqlite3_bind_int64(s, 7, (int64_t)x->aborts);
		sqlite3_bind_int64(s, 8, (int64_t)x->lock_wait);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's tallies");
	if (store_prepare(st, &s, "INSERT INTO tally_handlers (run_id, handler, faults, fell_back,"
			   " latency_sum, latency_max) VALUES (?,?,?,?,?,?)", err))
		return -EIO;
	for (int i = 0; i < H__COUNT && rc == SQLITE_DONE; i++) {
		const struct handler_tally *h = &t->h[i];

		if (!h->n)
			continue;
		sqlite3_bind_int64(s, 1, t->run_id);
		sqlite3_bind_text(s, 2, i == H_NONE ? "none" : fl_handler_name((enum fl_handler)i), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (int64_t)h->n);
		sqlite3_bind_int64(s, 4, (int64_t)h->fell_back);
		if (h->lat_overflow)
			sqlite3_bind_double(s, 5, h->lat_sum_d);
		else
			sqlite3_bind_int64(s, 5, h->lat_sum);
		sqlite3_bind_int64(s, 6, h->lat_max);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's tallies");
	if (store_prepare(st, &s, "INSERT INTO tally_latency (run_id, bucket, n) VALUES (?,?,?)", err))
		return -EIO;
	for (int i = 0; i < 64 && rc == SQLITE_DONE; i++) {
		if (!t->lat_hist[i])
			continue;
		sqlite3_bind_int64(s, 1, t->run_id);
		sqlite3_bind_int(s, 2, i);
		sqlite3_bind_int64(s, 3, (int64_t)t->lat_hist[i]);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's tallies");
	return 0;
}

/* Write every run's fidelity tally (tally_fidelity): each fault of the
 * trace by the run's outcome for it and by its ground truth as the faults
 * rows end up, with the marks fl_store_losses() and fl_store_trace_end()
 * put on them: 'unknown' for every fault of a trace without ground truth,
 * else 'unknown' / 'after loss' from the first loss on. */
int store_write_fidelity_tallies(struct fl_store *st, bool has_ground_truth, struct fl_err *err)
{
	size_t ng = st->ngtc + 2, g_after_loss = st->ngtc, g_no_gt = st->ngtc + 1;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (store_prepare(st, &s, "INSERT INTO tally_fidelity (run_id, outcome, counter, reason, fell_back,"
			   " gt, gt_detail, n) VALUES (?,?,?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t r = 0; r < st->nruns && rc == SQLITE_DONE; r++) {
		struct run_tally *t = &st->runs[r];
		size_t nc = t->n + 1;	/* the last: no outcome */
		uint64_t *cnt = calloc(nc * 2 * ng, sizeof(*cnt));

		if (!cnt) {
			sqlite3_finalize(s);
			return fl_err_set(err, -ENOMEM, "out of memory");
		}
		for (size_t id = 0; id < st->capfault_gt; id++) {
			bool seen, fb;
			size_t g, c;

			if (!st->fault_gt[id])
				continue;
			if (!has_ground_truth)
				g = g_no_gt;
			else if (st->loss_marked && id < st->capfault_t && st->fault_t[id] >= st->loss_from)
				g = g_after_loss;
			else
				g = st->fault_gt[id] - 1u;
			seen = id < t->capflags && (t->flags[id] & FLAG_SEEN) && id < t->capcause;
			fb = seen && (t->flags[id] & FLAG_FELL_BACK);
			c = seen ? t->cause_of[id] : nc - 1;
			cnt[(c * 2 + fb) * ng + g]++;
		}
		for (size_t i = 0; i < nc * 2 * ng && rc == SQLITE_DONE; i++) {
			size_t g = i % ng, fb = (i / ng) % 2, c = i / ng / 2;
			const char *gt = g == g_after_loss || g == g_no_gt ? "unknown" : st->gtc[g].gt;
			const char *detail = g == g_after_loss ? "after loss" : g == g_no_gt ? ""
					     : st->gtc[g].detail;

			if (!cnt[i])
				continue;
			sqlite3_bind_int64(s, 1, t->run_id);
			sqlite3_bind_int(s, 2, c < nc - 1);
			sqlite3_bind_text(s, 3, c < nc - 1 ? t->c[c].counter : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 4, c < nc - 1 ? t->c[c].reason : "", -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 5, (int)fb);
			sqlite3_bind_text(s, 6, gt, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 7, detail, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 8, (int64_t)cnt[i]);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
		}
		free(cnt);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's tallies");
	return 0;
}

/* The time slice of a fault at t, computed as the time view's SQL does
 * (analyze/views.c, fl_view_time()): the same doubles, so the same slice. */
static int64_t time_bucket(int64_t t, int64_t t0, uint64_t width, int buckets)
{
	int64_t d;
	double num, x;

	if (__builtin_sub_overflow(t, t0, &d))
		num = (double)t - (double)t0;
	else
		num = (double)d;
	x = num * 1.0 * buckets / (((double)t0 + (double)width) - (double)t0);
	if (x != x)
		return 0;
	if (x >= 9.2e18)
		return buckets - 1;
	if (x <= -9.2e18)
		return 0;
	d = (int64_t)x;
	return d < 0 ? 0 : d > buckets - 1 ? buckets - 1 : d;
}

/* The value at 0-based rank k of n ordered values of run_id, walked from
 * the nearer end of the index (the report's own walk, fl_sql_rank_value(),
 * done once here, while the run's pages are in the cache). */
static int pct_value(struct fl_store *st, int64_t run_id, bool lock_wait, int64_t n, int64_t k,
		     int64_t *out, struct fl_err *err)
{
	static const char *const sql[2][2] = {
		{ "SELECT latency FROM outcome_rows WHERE run_id = ?1 ORDER BY latency LIMIT 1 OFFSET ?2",
		  "SELECT latency FROM outcome_rows WHERE run_id = ?1 ORDER BY latency DESC LIMIT 1"
		  " OFFSET ?2" },
		/* Waits of 0 are not in outcomes_lock_wait: a rank below its
		 * entries is a 0. */
		{ NULL, "SELECT lock_wait FROM outcome_rows WHERE run_id = ?1 AND lock_wait > 0"
			" ORDER BY lock_wait DESC LIMIT 1 OFFSET ?2" },
	};

	switch (fl_sql_rank_value(st->db, sql[lock_wait][0], sql[lock_wait][1], run_id, n, k, out)) {
	case FL_SQL_PREPARE:
		return store_fail(st, err, "cannot prepare a statement");
	case FL_SQL_STEP:
		return store_fail(st, err, "cannot store the run's percentiles");
	default:
		return 0;
	}
}

/* tally_percentiles: p50, p90, p99 and max of each run's latency and lock
 * wait, so that the default report does not walk millions of index
 * entries per run. */
int store_write_percentile_tallies(struct fl_store *st, struct fl_err *err)
{
	static const unsigned pct[] = { 50, 90, 99, 100 };
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (store_prepare(st, &s, "INSERT OR REPLACE INTO tally_percentiles (run_id, metric, p, value)"
			   " VALUES (?,?,?,?)", err))
		return -EIO;
	for (size_t r = 0; r < st->nruns && rc == SQLITE_DONE; r++) {
		int64_t n = 0, v;

		for (size_t id = 0; id < st->runs[r].capflags; id++)
			n += !!(st->runs[r].flags[id] & FLAG_SEEN);
		for (int m = 0; m < 2 && n > 0 && rc == SQLITE_DONE; m++) {
			for (size_t i = 0; i < 4 && rc == SQLITE_DONE; i++) {
				uint64_t k1 = fl_nearest_rank((uint64_t)n, pct[i]);

				if (pct_value(st, st->runs[r].run_id, m == 1, n,
					      k1 < 1 ? 0 : (int64_t)k1 - 1, &v, err) < 0) {
					sqlite3_finalize(s);
					return -EIO;
				}
				sqlite3_bind_int64(s, 1, st->runs[r].run_id);
				sqlite3_bind_text(s, 2, m ? "lock wait" : "latency", -1, SQLITE_STATIC);
				sqlite3_bind_int(s, 3, (int)pct[i]);
				sqlite3_bind_int64(s, 4, v);
				rc = sqlite3_step(s);
				sqlite3_reset(s);
			}
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's percentiles");
	return 0;
}

/* Write every run's time slices, now that the trace's span is known. */
int store_write_time_tallies(struct fl_store *st, uint64_t t_first, uint64_t t_last,
			      struct fl_err *err)
{
	static const int nbuckets[] = { 20, 60 };
	int64_t t0 = (int64_t)t_first, t1 = (int64_t)t_last;
	uint64_t width = t1 > t0 ? (uint64_t)t1 - (uint64_t)t0 : 1;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (store_prepare(st, &s, "INSERT INTO tally_times (run_id, buckets, bucket, faults, fell_back,"
			   " aborts) VALUES (?,?,?,?,?,?)", err))
		return -EIO;
	for (size_t r = 0; r < st->nruns && rc == SQLITE_DONE; r++) {
		struct run_tally *t = &st->runs[r];

		for (size_t k = 0; k < 2 && rc == SQLITE_DONE; k++) {
			uint64_t n[60] = { 0 }, fb[60] = { 0 }, ab[60] = { 0 };
			int b = nbuckets[k];

			for (size_t id = 0; id < t->capflags; id++) {
				int64_t x;

				if (!(t->flags[id] & FLAG_SEEN))
					continue;
				x = time_bucket(id < st->capfault_t ? st->fault_t[id] : 0, t0, width, b);
				n[x]++;
				fb[x] += !!(t->flags[id] & FLAG_FELL_BACK);
				ab[x] += !!(t->flags[id] & FLAG_ABORT);
			}
			for (int i = 0; i < b && rc == SQLITE_DONE; i++) {
				if (!n[i])
					continue;
				sqlite3_bind_int64(s, 1, t->run_id);
				sqlite3_bind_int(s, 2, b);
				sqlite3_bind_int(s, 3, i);
				sqlite3_bind_int64(s, 4, (int64_t)n[i]);
				sqlite3_bind_int64(s, 5, (int64_t)fb[i]);
				sqlite3_bind_int64(s, 6, (int64_t)ab[i]);
				rc = sqlite3_step(s);
				sqlite3_reset(s);
			}
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot store the run's tallies");
	return 0;
}

int store_cmp_cause(const void *a, const void *b)
{
	const struct cause_tally *x = a, *y = b;
	int d = strcmp(x->counter, y->counter);

	return d ? d : strcmp(x->reason, y->reason);
}

/* Note the fault's ground truth for the fidelity tally.  False without
 * memory, or with more (gt, gt_detail) pairs than it counts. */
bool store_gt_classify(struct fl_store *st, uint64_t fault_id, const char *gt, const char *detail)
{
	size_t i;

	detail = detail ? detail : "";
	for (i = 0; i < st->ngtc; i++)
		if (st->gtc[i].gt == gt && st->gtc[i].detail == detail)
			break;
	if (i == st->ngtc)
		for (i = 0; i < st->ngtc; i++)
			if (!strcmp(st->gtc[i].gt, gt) && !strcmp(st->gtc[i].detail, detail))
				break;
	if (i == st->ngtc) {
		if (st->ngtc == sizeof(st->gtc) / sizeof(st->gtc[0]))
			return false;
		st->gtc[st->ngtc++] = (struct gt_class){ gt, detail };
	}
	if (fault_id >= st->capfault_gt) {
		size_t cap = st->capfault_gt;

		if (fl_array_grow((void **)&st->fault_gt, &cap, fault_id + 1, 1) < 0)
			return false;
		memset(st->fault_gt + st->capfault_gt, 0, cap - st->capfault_gt);
		st->capfault_gt = cap;
	}
	st->fault_gt[fault_id] = (uint8_t)(i + 1);
	return true;
}
