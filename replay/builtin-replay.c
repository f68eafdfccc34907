/* faultline replay: run strategies over a trace and store every outcome. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "builtin.h"
#include "fl_array.h"
#include "engine.h"
#include "fl_err.h"
#include "fl_escape.h"
#include "ingest.h"
#include "knob_doc.h"
#include "store.h"
#include "strategy.h"

#define MAX_RUNS 64
#define MAX_CAUSES 64
#define MAX_SETS 16

struct replay {
	struct fl_engine *engine;
	struct fl_store *store;
	struct fl_engine_run runs[MAX_RUNS];
	int64_t run_ids[MAX_RUNS];
	/* Each run's outcomes by (counter, reason), for --seeds' spread. */
	struct cause { const char *counter, *reason; uint64_t n; } causes[MAX_RUNS][MAX_CAUSES];
	size_t ncauses[MAX_RUNS];
	uint64_t nseeds;
	size_t nruns;
	const char *trace_path;
	int64_t trace_id;
	/* Events by kind: what check_needs() asks (faultline info's whole
	 * summary, per thread, is more than a replay needs). */
	uint64_t kinds[FL_EV__COUNT];
	struct fl_err err;
	const char *set_key[MAX_SETS];
	int64_t set_val[MAX_SETS];
	size_t nsets;
	const char *profile;
	/* --set arch=, page_size=, mmu=: the engine's what-if, for every run */
	const char *wi_arch, *wi_mmu;
	uint32_t wi_page_size;
	uint64_t seed;
	bool progress;
	uint64_t nevents;
	time_t last_progress;
	/* What the trace lost, stored with it; the faults after the first
	 * loss, marked as such. */
	struct fl_store_loss *losses;
	size_t nlosses, caplosses;
	uint64_t lost_records, lost_events, lost_packets, after_loss;
	uint64_t lost_inferred;		/* of lost_records, inferred (fl_lost.inferred) */
	/* replay --live: the runs are committed every batch_faults faults or
	 * batch_ms, whichever comes first (live_batch()). */
	bool live, begun;
	uint64_t batch_faults, batch_ms;
	uint64_t faults_committed, batches;
	struct timespec t_start, t_batch;
	bool have_time;
	uint64_t t_first, t_last;	/* of the events so far (the trace row) */
};

/* A row the store could not take: its message names the row and SQLite's
 * reason, and goes before the engine's ("cannot store the outcome of fault
 * N"), whose fault may be a later one: the store inserts the rows on a
 * writer thread, and a failure shows in a later call. */
static int store_rc(struct replay *r, int rc)
{
	if (rc < 0 && !r->err.code)
		r->err = *fl_store_error(r->store);
	return rc;
}

static int sink_writer(void *ctx, const struct fl_writer *w)
{
	struct replay *r = ctx;

	return store_rc(r, fl_store_writer(r->store, r->trace_id, w));
}

static int sink_fault(void *ctx, const struct fl_fault_view *v, const struct fl_gt_result *gt)
{
	struct replay *r = ctx;

	return store_rc(r, fl_store_fault(r->store, r->trace_id, v, gt));
}

static int sink_outcome(void *ctx, size_t run, const struct fl_fault_view *v,
			const struct fl_outcome *o)
{
	struct replay *r = ctx;
	size_t i;

	for (i = 0; i < r->ncauses[run]; i++)
		if (!strcmp(r->causes[run][i].counter, o->counter) &&
		    !strcmp(r->causes[run][i].reason, o->reason))
			break;
	if (i == r->ncauses[run] && i < MAX_CAUSES) {
		r->causes[run][i].counter = o->counter;	/* static strings */
		r->causes[run][i].reason = o->reason;
		r->ncauses[run]++;
	}
	if (i < MAX_CAUSES)
		r->causes[run][i].n++;
	return store_rc(r, fl_store_outcome(r->store, r->run_ids[run], v, o));
}

/* The knobs of a run as a JSON object: every knob, set or default. */
static void knobs_json(const struct replay *r, const struct fl_engine_run *run, char *buf, size_t n)
{
	const struct fl_knob *k = run->strategy->knobs;
	size_t off = (size_t)snprintf(buf, n, "{");
	int i;

	for (i = 0; k && k[i].key && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s\"%s\":%" PRId64, i ? "," : "",
					k[i].key, run->cfg.knob[i]);
	/* The what-if keys, only when given: other runs' rows are unchanged. */
	if (r->wi_arch && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%s\"arch\":\"%s\"", i++ ? "," : "",
					r->wi_arch);
	if (r->wi_page_size && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%s\"page_size\":%" PRIu32, i++ ? "," : "",
					r->wi_page_size);
	if (r->wi_mmu && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%s\"mmu\":\"%s\"", i++ ? "," : "",
					r->wi_mmu);
	if (off < n)
		snprintf(buf + off, n - off, "}");
}

/* --set arch=x86_64|ppc64, page_size=4096|65536, mmu=radix|hash: 1 when
 * key is one of them (taken), 0 when it is a strategy knob, or a usage
 * error. */
static int what_if_set(struct replay *r, const char *key, const char *val);
static int live_batch(struct replay *r);

static int on_begin(void *ctx, const struct fl_trace_meta *meta)
{
	struct replay *r = ctx;
	int rc;

	fl_engine_begin(r->engine, meta);
	if (r->wi_arch || r->wi_page_size || r->wi_mmu)
		printf("what-if:   %s fault paths (page-table profile %s) over the %s trace's layout\n",
		       r->wi_arch ? r->wi_arch : meta->arch[0] ? meta->arch : "the trace's",
		       fl_engine_pgt_name(r->engine), meta->arch[0] ? meta->arch : "?");
	if (r->begun)	/* a live session's description: once is enough */
		return 0;
	r->begun = true;
	rc = fl_store_trace_begin(r->store, r->trace_path, meta, &r->trace_id, &r->err);
	for (size_t i = 0; i < r->nruns && !rc; i++) {
		const struct fl_engine_run *run = &r->runs[i];
		char knobs[512];

		knobs_json(r, run, knobs, sizeof(knobs));
		rc = fl_store_run_begin(r->store, r->trace_id, run->strategy->name,
					run->cfg.profile ? run->cfg.profile : "", knobs, run->cfg.seed,
					&r->run_ids[i], &r->err);
	}
	/* A live run shows at once, empty and marked live. */
	if (!rc && r->live)
		rc = live_batch(r);
	return rc;
}

static void progress(struct replay *r, bool last)
{
	time_t now = time(NULL);

	if (!r->progress || (!last && now == r->last_progress))
		return;
	r->last_progress = now;
	fprintf(stderr, "\rreplay: %" PRIu64 " events, %" PRIu64 " faults decided%s",
		r->nevents, fl_engine_stats(r->engine)->faults, last ? "\n" : "");
}

static int on_event(void *ctx, const struct fl_event *ev)
{
	struct replay *r = ctx;
	int rc;

	r->kinds[ev->kind]++;
	if (ev->kind == FL_EV_LOST) {
		if (fl_array_grow((void **)&r->losses, &r->caplosses, r->nlosses + 1,
				  sizeof(*r->losses)) < 0)
			return fl_err_set(&r->err, -ENOMEM, "replay: out of memory");
		r->losses[r->nlosses].l = ev->u.lost;
		r->losses[r->nlosses++].cpu = ev->cpu;
		*(ev->u.lost.ring ? &r->lost_records
				  : ev->u.lost.packets ? &r->lost_packets : &r->lost_events) +=
			ev->u.lost.count;
		if (ev->u.lost.inferred)
			r->lost_inferred += ev->u.lost.count;
	}
	rc = fl_engine_event(r->engine, ev);
	if (rc < 0) {
		if (!r->err.code)
			r->err = *fl_engine_err(r->engine);
		return rc;
	}
	if ((++r->nevents & 0xffff) == 0)
		progress(r, false);
	if (r->live) {
		if (!r->have_time || ev->t < r->t_first)
			r->t_first = ev->t;
		if (!r->have_time || ev->t > r->t_last)
			r->t_last = ev->t;
		r->have_time = true;
		if ((r->nevents & 0x3ff) == 0 || ev->kind == FL_EV_FAULT)
			return live_batch(r);
	}
	return 0;
}

static uint64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - t->tv_sec) * 1000u +
	       (uint64_t)((now.tv_nsec - t->tv_nsec) / 1000000);
}

/* A live session sends nothing for now: commit what is decided. */
static int on_idle(void *ctx)
{
	struct replay *r = ctx;

	return r->live && r->begun ? live_batch(r) : 0;
}

static int on_mm_enter(void *ctx, const struct fl_event *ev)
{
	struct replay *r = ctx;
	int rc = fl_engine_mm_enter(r->engine, ev);

	if (rc < 0 && !r->err.code)
		r->err = *fl_engine_err(r->engine);
	return rc;
}

/* The trace row of a live session so far: what the parent has seen. */
static void live_result(const struct replay *r, struct fl_ingest_result *part)
{
	memset(part, 0, sizeof(*part));
	part->t_first = r->t_first;
	part->t_last = r->t_last;
	part->have_time = r->have_time;
	part->events = r->nevents;
	part->discarded_events = r->lost_events;
	part->discarded_packets = r->lost_packets;
}

/* replay --live: commit the runs as they stand, every batch_faults
 * decided faults or batch_ms, whichever comes first, and at once for the
 * first call (the runs appear, empty).  Each batch writes every run's
 * totals, cause_counts and tallies again (fl_store_run_rewrite()) and the
 * trace row, marks the runs "live", commits and begins the next batch, so
 * that a report or the TUI reads the runs whole as they stand.  The
 * threads, their times and the losses are written by the last batch. */
static int live_batch(struct replay *r)
{
	const struct fl_engine_stats *st = fl_engine_stats(r->engine);
	struct fl_ingest_result part;
	uint64_t ms = ms_since(&r->t_start);

	if (r->batches &&
	    (st->faults == r->faults_committed ||
	     (st->faults - r->faults_committed < r->batch_faults && ms_since(&r->t_batch) < r->batch_ms)))
		return 0;
	live_result(r, &part);
	for (size_t i = 0; i < r->nruns; i++)
		if (fl_store_run_rewrite(r->store, r->run_ids[i], &r->err) < 0 ||
		    fl_store_run_end(r->store, r->run_ids[i], &r->runs[i], ms, &r->err) < 0 ||
		    fl_store_run_state(r->store, r->run_ids[i], "live", &r->err) < 0)
			return -EIO;
	if (fl_store_trace_end(r->store, &r->trace_id, &part, st->lock_events, st->lock_events,
			       &r->err) < 0 ||
	    fl_store_commit(r->store, &r->err) < 0)
		return -EIO;
	r->faults_committed = st->faults;
	r->batches++;
	clock_gettime(CLOCK_MONOTONIC, &r->t_batch);
	if (fl_store_begin(r->store, &r->err) == -EBUSY) {
		r->err = (struct fl_err){ 0 };
		fl_store_begin_wait(r->store, FL_STORE_WAIT_S, &r->err);
	}
	return r->err.code ? -EIO : 0;
}

/* A live replay that failed after some batches: its runs stay, marked
 * cut short, rather than "live" for ever. */
static void live_abandon(struct replay *r)
{
	struct fl_err e = { 0 };

	fl_store_rollback(r->store);
	if (fl_store_begin_wait(r->store, FL_STORE_WAIT_S, &e) < 0)
		return;
	for (size_t i = 0; i < r->nruns; i++)
		if (fl_store_run_state(r->store, r->run_ids[i], "cut short", &e) < 0) {
			fl_store_rollback(r->store);
			return;
		}
	if (fl_store_commit(r->store, &e) < 0)
		fl_store_rollback(r->store);
}

static void on_interrupt(int sig)
{
	(void)sig;
	fl_ingest_interrupt();
}

/* Refuse a trace that lacks what a strategy needs, naming the events. */
static int check_needs(struct replay *r, const struct fl_ingest_result *res)
{
	const char *dialect = res->meta.dialect ? res->meta.dialect->name : "";
	bool perf = !strcmp(dialect, "perf-ctf");
	unsigned needs = 0;

	for (size_t i = 0; i < r->nruns; i++)
		needs |= r->runs[i].strategy->needs;
	if ((needs & FL_NEED_FAULTS) && !r->kinds[FL_EV_FAULT]) {
		fl_err_set(&r->err, -EINVAL, "%s: the trace has no page-fault events: nothing to replay",
			   r->trace_path);
		fl_err_hint(&r->err, "%s", perf ? "record with -e exceptions:page_fault_user (x86) or "
						  "-e page-faults -d (scripts/capture-perf-trace does both)"
						: "record page faults: faultline record, or lttng enable-event "
						  "-k x86_exceptions_page_fault_user");
		return -EINVAL;
	}
	if ((needs & FL_NEED_MM_CALLS) && !r->kinds[FL_EV_MM_CALL]) {
		fl_err_set(&r->err, -EINVAL, "%s: the trace has no mmap-family syscall events "
			   "(mmap, munmap, mprotect, mremap, brk, madvise): the VMA layout cannot be followed",
			   r->trace_path);
		fl_err_hint(&r->err, "%s", perf ? "record with -e 'syscalls:sys_enter_mmap,syscalls:sys_exit_mmap,...' "
						  "(scripts/capture-perf-trace lists them all)"
						: "record the syscalls: lttng enable-event -k --syscall mmap,munmap,"
						  "mprotect,mremap,brk,madvise");
		return -EINVAL;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t cause_n(const struct replay *r, size_t run, const char *counter, const char *reason)
{
	for (size_t i = 0; i < r->ncauses[run]; i++)
		if (!strcmp(r->causes[run][i].counter, counter) &&
		    !strcmp(r->causes[run][i].reason, reason))
			return r->causes[run][i].n;
	return 0;
}

/* Lespinasse's /proc/vmstat totals: spf_attempt counts every attempt,
 * spf_abort the ones that fell back (an SPF_ABORT_* each). */
static void print_vmstat(const struct replay *r)
{
	for (size_t i = 0; i < r->nruns; i++) {
		uint64_t attempt = 0, abort_n = 0;

		if (strcmp(r->runs[i].strategy->name, "spf-mmseq"))
			continue;
		for (size_t k = 0; k < r->ncauses[i]; k++) {
			const struct cause *c = &r->causes[i][k];

			if (!strncmp(c->counter, "SPF_ABORT_", 10)) {
				abort_n += c->n;
				attempt += c->n;
			} else if (!strcmp(c->counter, "spf_attempt")) {
				attempt += c->n;
			}
		}
		printf("run %" PRId64 ":    vmstat spf_attempt %" PRIu64 ", spf_abort %" PRIu64 "\n",
		       r->run_ids[i], attempt, abort_n);
	}
}

/* Delay propagation: the thread whose blocked time the run changes most. */
static void print_delay(struct replay *r)
{
	size_t nthr = 0;
	struct fl_engine_thread **thr = fl_engine_threads(r->engine, &nthr);

	for (size_t i = 0; i < r->nruns; i++) {
		size_t n = 0;
		struct fl_delay_thread **v = fl_delay_sorted(&r->runs[i].delay, &n);
		const struct fl_delay_thread *best = NULL;
		int64_t best_d = 0;
		const char *comm = "";

		for (size_t k = 0; v && k < n; k++) {
			int64_t d = (int64_t)v[k]->blocked_traced -
				    (int64_t)(v[k]->blocked_pred + v[k]->wasted);

			if (!best || (d < 0 ? -d : d) > (best_d < 0 ? -best_d : best_d)) {
				best = v[k];
				best_d = d;
			}
		}
		if (best && best_d) {
			char ecomm[80];	/* a comm from the trace, escaped */

			for (size_t k = 0; thr && k < nthr; k++)
				if (thr[k]->tid == best->tid)
					comm = thr[k]->comm;
			printf("run %" PRId64 ":    under %s, thread %d%s%s%s would have spent %.3f ms %s "
			       "blocked (%.3f -> %.3f ms); its run %.3f -> %.3f ms\n",
			       r->run_ids[i], r->runs[i].strategy->name, best->tid, comm[0] ? " (" : "",
			       fl_escape(comm, ecomm, sizeof(ecomm)), comm[0] ? ")" : "", (double)(best_d < 0 ? -best_d : best_d) / 1e6,
			       best_d > 0 ? "less" : "more", (double)best->blocked_traced / 1e6,
			       (double)(best->blocked_pred + best->wasted) / 1e6,
			       (double)fl_delay_run_traced(best) / 1e6, (double)fl_delay_run_pred(best) / 1e6);
		}
		free(v);
	}
	free(thr);
}

static int cmp_cause(const void *pa, const void *pb)
{
	const struct cause *a = *(const struct cause *const *)pa, *b = *(const struct cause *const *)pb;
	int c = strcmp(a->counter, b->counter);

	return c ? c : strcmp(a->reason, b->reason);
}

/* Every cause seen in any of the seeds' runs same[0..ns), in (counter,
 * reason) order, with its count's min, median and max over the runs. */
static void print_spread_rows(const struct replay *r, const size_t *same, size_t ns)
{
	const struct cause *list[MAX_RUNS * MAX_CAUSES];
	size_t nl = 0;
	int wc = 7, wr = 6;

	for (size_t a = 0; a < ns; a++) {
		for (size_t k = 0; k < r->ncauses[same[a]]; k++) {
			const struct cause *c = &r->causes[same[a]][k];
			bool seen = false;

			for (size_t b = 0; b < nl && !seen; b++)
				seen = !strcmp(list[b]->counter, c->counter) &&
				       !strcmp(list[b]->reason, c->reason);
			if (!seen)
				list[nl++] = c;
		}
	}
	qsort(list, nl, sizeof(list[0]), cmp_cause);
	for (size_t i = 0; i < nl; i++) {
		if ((int)strlen(list[i]->counter) > wc)
			wc = (int)strlen(list[i]->counter);
		if ((int)strlen(list[i]->reason) > wr)
			wr = (int)strlen(list[i]->reason);
	}
	printf("  %-*s  %-*s  %7s  %7s  %7s\n", wc, "counter", wr, "reason", "min", "median", "max");
	for (size_t i = 0; i < nl; i++) {
		const struct cause *c = list[i];
		uint64_t n[MAX_RUNS];

		for (size_t b = 0; b < ns; b++)
			n[b] = cause_n(r, same[b], c->counter, c->reason);
		qsort(n, ns, sizeof(n[0]), cmp_u64);
		printf("  %-*s  %-*s  %7" PRIu64 "  %7" PRIu64 "  %7" PRIu64 "\n", wc,
		       c->counter[0] ? c->counter : "-", wr, c->reason, n[0], n[ns / 2], n[ns - 1]);
	}
}

/* --seeds N: per strategy and profile, each cause's count over the seeds. */
static void print_spread(const struct replay *r)
{
	bool done[MAX_RUNS] = { false };

	for (size_t i = 0; i < r->nruns; i++) {
		size_t same[MAX_RUNS], ns = 0;

		if (done[i])
			continue;
		for (size_t j = i; j < r->nruns; j++) {
			if (r->runs[j].strategy != r->runs[i].strategy ||
			    strcmp(r->runs[j].cfg.profile ? r->runs[j].cfg.profile : "",
				   r->runs[i].cfg.profile ? r->runs[i].cfg.profile : ""))
				continue;
			done[j] = true;
			same[ns++] = j;
		}
		printf("spread:    %s%s%s over %zu seeds (faults per cause; report --spread shows it "
		       "again)\n", r->runs[i].strategy->name,
		       r->runs[i].cfg.profile ? " " : "", r->runs[i].cfg.profile ? r->runs[i].cfg.profile : "",
		       ns);
		print_spread_rows(r, same, ns);
	}
}

static void print_summary(struct replay *r, const char *out)
{
	const struct fl_engine_stats *st = fl_engine_stats(r->engine);
	char epath[8192];

	printf("trace:     %s (%" PRIu64 " faults, %" PRIu64 " mmap_lock writers)\n",
	       fl_escape(r->trace_path, epath, sizeof(epath)), st->faults, st->writers);
	if (st->lock_events)
		printf("kernel:    %" PRIu64 " faults ran under mmap_lock (ground truth)\n",
		       st->gt[FL_GT_FALLBACK]);
	else
		printf("kernel:    no mmap_lock events: no ground truth in this trace\n");
	if (r->nlosses) {
		char recs[96];

		/* perf's CTF conversion leaves out what perf lost: then the
		 * syscalls cut in half show it, and only as a lower bound. */
		if (r->lost_inferred)
			snprintf(recs, sizeof(recs), "at least %" PRIu64 " perf records (%" PRIu64
				 " syscalls cut in half)", r->lost_records, r->lost_inferred);
		else
			snprintf(recs, sizeof(recs), "%" PRIu64 " perf records", r->lost_records);
		/* On stderr too: a replay of a broken trace is never silent. */
		fprintf(stderr, "faultline: warning: %s lost events: %s, %" PRIu64
			" events and %" PRIu64 " packets discarded; the %" PRIu64 " faults from the first "
			"loss on may rest on a wrong layout and are left out of --fidelity\n",
			r->trace_path, recs, r->lost_events, r->lost_packets, r->after_loss);
		fprintf(stderr, "hint: record with larger buffers (faultline record -m PAGES, perf "
			"record -m PAGES) or fewer processes\n");
		printf("lost:      %s, %" PRIu64 " events, %" PRIu64
		       " packets; %" PRIu64 " faults after the first loss (gt unknown)\n",
		       recs, r->lost_events, r->lost_packets, r->after_loss);
	}
	if (st->place[FL_PLACE_UNKNOWN] || st->place[FL_PLACE_INFERRED])
		printf("placement: %" PRIu64 " faults outside any known VMA, %" PRIu64
		       " in VMAs whose extent was inferred\n", st->place[FL_PLACE_UNKNOWN],
		       st->place[FL_PLACE_INFERRED]);
	for (size_t i = 0; i < r->nruns; i++) {
		const struct fl_engine_run *run = &r->runs[i];

		char seed[32] = "";

		if (r->nseeds > 1)
			snprintf(seed, sizeof(seed), " seed %" PRIu64, run->cfg.seed);
		printf("run %" PRId64 ":    %s%s%s%s: %" PRIu64 " of %" PRIu64 " faults fell back (%.2f%%)\n",
		       r->run_ids[i], run->strategy->name, run->cfg.profile ? " " : "",
		       run->cfg.profile ? run->cfg.profile : "", seed, run->fallbacks, run->faults,
		       run->faults ? 100.0 * (double)run->fallbacks / (double)run->faults : 0.0);
	}
	print_vmstat(r);
	print_delay(r);
	if (r->nseeds > 1)
		print_spread(r);
	printf("stored in %s: faultline report %s\n", out, out);
}

static int usage_strategies(void)
{
	fprintf(stderr, "strategies:");
	for (size_t i = 0; fl_strategies[i]; i++)
		fprintf(stderr, " %s", fl_strategies[i]->name);
	fprintf(stderr, " all\n");
	return FL_EXIT_USAGE;
}

extern const struct fl_cmd fl_cmd_replay;

/* "6.15+, 6.4, 6.6": the profiles of s. */
static void profile_names(const struct fl_strategy *s, char *names, size_t len)
{
	size_t off = 0;

	names[0] = '\0';
	for (int i = 0; s->profiles && s->profiles[i] && off < len; i++)
		off += (size_t)snprintf(names + off, len - off, "%s%s", i ? ", " : "", s->profiles[i]);
}

/* Whether some strategy takes profile p: one it lists, or a kernel
 * version from 6.4 for one whose profiles are kernel versions. */
static bool profile_known(const char *p)
{
	for (size_t i = 0; fl_strategies[i]; i++) {
		const struct fl_strategy *s = fl_strategies[i];
		int kver;

		if (!s->profiles || !s->profiles[0])
			continue;
		for (int k = 0; s->profiles[k]; k++)
			if (!strcmp(s->profiles[k], p))
				return true;
		if (fl_profile_parse(s->profiles[0], &kver) == 0 && fl_profile_parse(p, &kver) == 0 &&
		    kver >= 604)
			return true;
	}
	return false;
}

static int add_run(struct replay *r, const struct fl_strategy *s, bool explicit_profile,
		   uint64_t seed)
{
	struct fl_engine_run *run = &r->runs[r->nruns];
	const char *profile = NULL;

	if (r->nruns == MAX_RUNS)
		return fl_cmd_usage_error(&fl_cmd_replay, "too many strategies");
	memset(run, 0, sizeof(*run));
	run->strategy = s;
	if (s->profiles) {
		bool listed = false, kernel = s->profiles[0] && fl_profile_parse(s->profiles[0],
										&run->cfg.kver) == 0;

		profile = r->profile ? r->profile : s->profiles[0];
		for (int i = 0; s->profiles[i]; i++)
			listed |= !strcmp(s->profiles[i], profile);
		/* Under --strategy all, a profile meant for another strategy's
		 * kind (a kernel version, a series version) leaves this one at
		 * its default. */
		if (!explicit_profile && !listed && !kernel)
			profile = s->profiles[0];
		else if (!explicit_profile && kernel && fl_profile_parse(profile, &run->cfg.kver) < 0)
			profile = s->profiles[0];
		run->cfg.kver = 0;
		if (!kernel) {
			if (!listed) {
				char names[256];

				profile_names(s, names, sizeof(names));
				return fl_cmd_usage_error(&fl_cmd_replay, "profile '%s': %s takes %s",
							  profile, s->name, names);
			}
		} else {
			if (fl_profile_parse(profile, &run->cfg.kver) < 0 || run->cfg.kver < 604) {
				char names[256];

				profile_names(s, names, sizeof(names));
				return fl_cmd_usage_error(&fl_cmd_replay,
							  "profile '%s': %s models kernels from 6.4 on, "
							  "with the rules of %s (any 6.N from 6.4 takes "
							  "the rules of the nearest earlier one)", profile,
							  s->name, names);
			}
		}
	} else if (r->profile && explicit_profile) {
		return fl_cmd_usage_error(&fl_cmd_replay, "strategy '%s' takes no --profile", s->name);
	}
	run->cfg.profile = profile;
	run->cfg.seed = seed;
	for (int i = 0; s->knobs && s->knobs[i].key; i++)
		run->cfg.knob[i] = s->knobs[i].def;
	for (size_t k = 0; k < r->nsets; k++) {
		bool found = false;

		for (int i = 0; s->knobs && s->knobs[i].key; i++) {
			if (strcmp(s->knobs[i].key, r->set_key[k]))
				continue;
			found = true;
			if (r->set_val[k] < s->knobs[i].min || r->set_val[k] > s->knobs[i].max)
				return fl_cmd_usage_error(&fl_cmd_replay,
							  "--set %s=%" PRId64 ": out of range %" PRId64
							  "..%" PRId64, r->set_key[k], r->set_val[k],
							  s->knobs[i].min, s->knobs[i].max);
			run->cfg.knob[i] = r->set_val[k];
		}
		if (!found && explicit_profile) {
			char *list = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&list, &len);

			if (f) {
				fl_knobs_list_line(f, s);
				fclose(f);
			}
			fl_cmd_usage_error(&fl_cmd_replay, "strategy '%s' has no knob '%s'; its "
					   "knobs: %s (`faultline help knobs` says what each does)",
					   s->name, r->set_key[k], list ? list : "?");
			free(list);
			return FL_EXIT_USAGE;
		}
	}
	if (s->state_size) {
		run->state = calloc(1, s->state_size);
		if (!run->state)
			return FL_EXIT_FAIL;
	}
	r->nruns++;
	return 0;
}

static int what_if_set(struct replay *r, const char *key, const char *val)
{
	if (!strcmp(key, "arch")) {
		if (!strcmp(val, "x86_64"))
			r->wi_arch = "x86_64";
		else if (!strcmp(val, "ppc64") || !strcmp(val, "ppc64le"))
			r->wi_arch = "ppc64";
		else
			return fl_cmd_usage_error(&fl_cmd_replay, "--set arch=%s: x86_64 or ppc64", val),
			       -1;
	} else if (!strcmp(key, "page_size")) {
		if (!strcmp(val, "4096") || !strcmp(val, "4k") || !strcmp(val, "4K"))
			r->wi_page_size = 4096;
		else if (!strcmp(val, "65536") || !strcmp(val, "64k") || !strcmp(val, "64K"))
			r->wi_page_size = 65536;
		else
			return fl_cmd_usage_error(&fl_cmd_replay, "--set page_size=%s: 4096 or 65536 "
						  "(4k, 64k)", val), -1;
	} else if (!strcmp(key, "mmu")) {
		if (strcmp(val, "radix") && strcmp(val, "hash"))
			return fl_cmd_usage_error(&fl_cmd_replay, "--set mmu=%s: radix or hash", val), -1;
		r->wi_mmu = !strcmp(val, "radix") ? "radix" : "hash";
	} else {
		return 0;
	}
	return 1;
}

/* The what-if keys together: x86_64 has 4K pages and no MMU modes. */
static int what_if_check(const struct replay *r)
{
	if (r->wi_arch && !strcmp(r->wi_arch, "x86_64") && r->wi_page_size == 65536)
		return fl_cmd_usage_error(&fl_cmd_replay, "--set page_size=65536: x86_64 has 4 KiB "
					  "pages (add --set arch=ppc64)");
	if (r->wi_arch && !strcmp(r->wi_arch, "x86_64") && r->wi_mmu)
		return fl_cmd_usage_error(&fl_cmd_replay, "--set mmu: ppc64 only");
	return 0;
}

/* The run of DB out that replayed the same trace (by its real path) with
 * run's strategy, profile, knobs and seed, or 0: replaying it again gives
 * the same rows, a duplicate a report would count twice.  A database that
 * cannot be read here is left to the store to report. */
static int64_t same_run(const struct replay *r, const struct fl_engine_run *run, const char *out)
{
	char want[PATH_MAX], have[PATH_MAX], knobs[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t found = 0;

	if (access(out, F_OK) != 0 || !realpath(r->trace_path, want))
		return 0;
	if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto done;
	sqlite3_busy_timeout(db, 5000);
	/* Only a store of this schema: the store reports any other. */
	if (sqlite3_prepare_v2(db, "SELECT (SELECT application_id FROM pragma_application_id) = ?1 "
			       "AND (SELECT user_version FROM pragma_user_version) = ?2", -1, &st,
			       NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, FL_STORE_APP_ID);
	sqlite3_bind_int(st, 2, FL_STORE_VERSION);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 1)
		goto done;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT r.run_id, t.path FROM runs r JOIN traces t "
			       "ON t.trace_id = r.trace_id WHERE r.strategy = ?1 AND r.profile = ?2 "
			       "AND r.knobs = ?3 AND r.seed = ?4 ORDER BY r.run_id", -1, &st,
			       NULL) != SQLITE_OK)
		goto done;
	knobs_json(r, run, knobs, sizeof(knobs));
	sqlite3_bind_text(st, 1, run->strategy->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run->cfg.profile ? run->cfg.profile : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, knobs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)run->cfg.seed);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 1);

		if (path && realpath(path, have) && !strcmp(have, want))
			found = sqlite3_column_int64(st, 0);
	}
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

/* Whether a run of r has a jitter knob set: the only thing a seed moves. */
static bool any_jitter(const struct replay *r)
{
	for (size_t i = 0; i < r->nruns; i++) {
		const struct fl_knob *k = r->runs[i].strategy->knobs;

		for (size_t n = 0; k && k[n].key; n++)
			if (strstr(k[n].key, "jitter") && r->runs[i].cfg.knob[n] != 0)
				return true;
	}
	return false;
}

/* The command line of replay, filled by fl_cmd_parse() (lib/fl_opt.h);
 * the --set values are taken in order once it is parsed. */
static struct {
	const char *strategy, *profile, *out;
	char *sets[MAX_SETS * 2];
	size_t nsets;
	uint64_t seed, nseeds;
	bool again, live;
	uint64_t batch_faults, batch_s;
} ra;

static int take_set(void *value, const char *arg, char *err, size_t len)
{
	(void)value;
	if (!strchr(arg, '=') || arg[0] == '=' || ra.nsets == sizeof(ra.sets) / sizeof(ra.sets[0])) {
		snprintf(err, len, "--set wants key=value, got '%s'", arg);
		return -1;
	}
	ra.sets[ra.nsets++] = (char *)arg;	/* argv is ours to cut at '=' */
	return 0;
}

static int take_seed(void *value, const char *arg, char *err, size_t len)
{
	char *end;

	errno = 0;
	*(uint64_t *)value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-') {
		snprintf(err, len, "--seed: '%s' is not a number", arg);
		return -1;
	}
	return 0;
}

static int take_seeds(void *value, const char *arg, char *err, size_t len)
{
	char *end;

	errno = 0;
	*(uint64_t *)value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || !ra.nseeds || ra.nseeds > MAX_RUNS) {
		snprintf(err, len, "--seeds: '%s' is not a number from 1 to %d", arg, MAX_RUNS);
		return -1;
	}
	return 0;
}

static int take_count(void *value, const char *arg, char *err, size_t len)
{
	char *end;

	errno = 0;
	*(uint64_t *)value = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || !*(uint64_t *)value ||
	    *(uint64_t *)value > 1000000000) {
		snprintf(err, len, "'%s' is not a number from 1 to 1000000000", arg);
		return -1;
	}
	return 0;
}

static const struct fl_option replay_options[] = {
	{ FL_OPT_STRING, 's', "strategy", "S", "classic, pervma (default), spf, spf-mmseq, or all:\n"
	  "every strategy over one reading of the trace", &ra.strategy, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_STRING, 'p', "profile", "P", "kernel version of the strategy's rules: for pervma\n"
	  "6.4, 6.6, 6.7, 6.10 or 6.15+ (default 6.15+; any\n"
	  "6.N from 6.4 picks the rules of that version); for\n"
	  "spf v12 (default), v11, v10, or one of them with\n-ppc-intended", &ra.profile, NULL, 0,
	  NULL, NULL, NULL },
	{ FL_OPT_CALLBACK, 0, "set", "KEY=VALUE", "a strategy knob (listed below), recorded with the\n"
	  "run; or a what-if for every run: arch=x86_64|ppc64\n"
	  "(the other arch's fault paths over the same layout;\n"
	  "ppc64 defaults to 64K pages and radix),\n"
	  "page_size=4096|65536, mmu=radix|hash (ppc64 PMD\n"
	  "coverage: 2 or 16 MiB at 64K).  A larger page than\n"
	  "the trace's drops the faults whose page was already\n"
	  "mapped (\"no fault at 64 KiB pages\"); a smaller one\n"
	  "cannot add the faults it would take", NULL, NULL, 0, NULL, NULL, take_set },
	{ FL_OPT_CALLBACK, 0, "seed", "N", "seed for any jitter knob (default 0), recorded",
	  &ra.seed, NULL, 0, NULL, NULL, take_seed },
	{ FL_OPT_CALLBACK, 0, "seeds", "N", "N runs per strategy, seeds S .. S+N-1 from --seed S;\n"
	  "prints each cause's min / median / max over them\n"
	  "(report --spread shows it again); only a jitter\n"
	  "knob makes seeds differ, and a note says so\nwhen none is set", &ra.nseeds, NULL, 0,
	  NULL, NULL, take_seeds },
	{ FL_OPT_STRING, 'o', "output", "DB", "the database (default faultline.db); created if\n"
	  "missing, else the runs are added to it", &ra.out, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_FLAG, 0, "again", NULL, "store a run even when DB already holds one of the\n"
	  "same trace, strategy, profile, knobs and seed\n"
	  "(refused without it: the rows would be the same)", &ra.again, NULL, 0, NULL, NULL,
	  NULL },
	{ FL_OPT_FLAG, 0, "live", NULL, "TRACE is an LTTng live session, net://HOST[:PORT]/\n"
	  "host/HOSTNAME/SESSION (lttng-relayd's live port,\n"
	  "default 5344): replay it as it records, committing\n"
	  "the runs in batches, until the session is destroyed\n"
	  "or Ctrl-C", &ra.live, NULL, 0, NULL, NULL, NULL },
	{ FL_OPT_CALLBACK, 0, "batch-faults", "N", "--live: commit every N decided faults (default\n"
	  "100000)", &ra.batch_faults, NULL, 0, NULL, NULL, take_count },
	{ FL_OPT_CALLBACK, 0, "batch-seconds", "S", "--live: commit at least every S seconds while\n"
	  "faults come (default 2)", &ra.batch_s, NULL, 0, NULL, NULL, take_count },
	FL_OPT_END_,
};

static int cmd_replay(int argc, char **argv)
{
	struct replay r;
	struct fl_ingest_ops ops = { .begin = on_begin, .event = on_event, .mm_enter = on_mm_enter };
	struct fl_engine_sink sink;
	struct fl_ingest_result res, part;
	const struct fl_ingest_result *tres = &res;
	bool cut = false;
	const char *strategy, *out;
	struct timespec t0, t1;
	int rc, status = FL_EXIT_FAIL, npos;
	bool again;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	memset(&ra, 0, sizeof(ra));
	ra.strategy = "pervma";
	ra.out = FL_DEFAULT_DB;
	npos = fl_cmd_parse(&fl_cmd_replay, argc, argv);
	if (npos < 0)
		return FL_EXIT_USAGE;
	strategy = ra.strategy;
	out = ra.out;
	again = ra.again;
	r.live = ra.live;
	if (r.live)	/* a quiet session: commit what is decided */
		ops.idle = on_idle;
	r.batch_faults = ra.batch_faults ? ra.batch_faults : 100000;
	r.batch_ms = (ra.batch_s ? ra.batch_s : 2) * 1000;
	if (!r.live && (ra.batch_faults || ra.batch_s))
		return fl_cmd_usage_error(&fl_cmd_replay, "--batch-faults and --batch-seconds "
					  "go with --live");
	r.profile = ra.profile;
	r.seed = ra.seed;
	r.nseeds = ra.nseeds;
	for (size_t k = 0; k < ra.nsets; k++) {
		char *key = ra.sets[k], *eq = strchr(key, '='), *end;

		*eq = '\0';
		rc = what_if_set(&r, key, eq + 1);
		if (rc < 0)
			return FL_EXIT_USAGE;
		if (rc > 0)
			continue;
		if (r.nsets == MAX_SETS)
			return fl_cmd_usage_error(&fl_cmd_replay, "--set: at most %d knobs", MAX_SETS);
		r.set_key[r.nsets] = key;
		errno = 0;
		r.set_val[r.nsets] = strtoll(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end)
			return fl_cmd_usage_error(&fl_cmd_replay, "--set %s: '%s' is not a number",
						  key, eq + 1);
		r.nsets++;
	}
	if (npos != 1)
		return fl_cmd_usage_error(&fl_cmd_replay, npos == 0 ? "no trace given"
								    : "one trace at a time");
	r.trace_path = argv[1];
	if (r.live && (!fl_ingest_is_live(r.trace_path) || !strstr(r.trace_path, "/host/")))
		return fl_cmd_usage_error(&fl_cmd_replay, "--live takes an LTTng live URL, "
					  "net://HOST[:PORT]/host/HOSTNAME/SESSION, not '%s'",
					  r.trace_path);
	if (!r.live && fl_ingest_is_live(r.trace_path))
		return fl_cmd_usage_error(&fl_cmd_replay, "'%s' is a live session: replay it with "
					  "--live", r.trace_path);
	if (what_if_check(&r))
		return FL_EXIT_USAGE;
	/* Under --strategy all a knob applies to the strategies that have it,
	 * and a profile to those that take it: one that none has is a typo. */
	for (size_t k = 0; k < r.nsets && !strcmp(strategy, "all"); k++)
		if (!fl_knob_known(r.set_key[k]))
			return fl_cmd_usage_error(&fl_cmd_replay, "no strategy has a knob '%s' "
						  "(`faultline help knobs` lists them all)",
						  r.set_key[k]);
	if (r.profile && !strcmp(strategy, "all") && !profile_known(r.profile)) {
		char names[512];
		size_t off = 0;

		names[0] = '\0';
		for (size_t i = 0; fl_strategies[i] && off < sizeof(names); i++) {
			if (!fl_strategies[i]->profiles)
				continue;
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s: ",
						off ? "; " : "", fl_strategies[i]->name);
			if (off < sizeof(names))
				profile_names(fl_strategies[i], names + off, sizeof(names) - off);
			off += strlen(names + off);
		}
		return fl_cmd_usage_error(&fl_cmd_replay, "no strategy takes profile '%s' (%s)",
					  r.profile, names);
	}

	if (!r.nseeds)
		r.nseeds = 1;
	if (!strcmp(strategy, "all")) {
		for (size_t i = 0; fl_strategies[i]; i++)
			for (uint64_t k = 0; k < r.nseeds; k++)
				if ((rc = add_run(&r, fl_strategies[i], false, r.seed + k)))
					goto out;
	} else {
		const struct fl_strategy *s = fl_strategy_find(strategy);

		if (!s) {
			fl_cmd_usage_error(&fl_cmd_replay, "unknown strategy '%s'", strategy);
			rc = usage_strategies();
			goto out;
		}
		for (uint64_t k = 0; k < r.nseeds; k++)
			if ((rc = add_run(&r, s, true, r.seed + k)))
				goto out;
	}
	if (r.nseeds > 1 && !any_jitter(&r))
		fprintf(stderr, "faultline replay: note: no jitter knob is set (--set jitter_ns=N, "
			"spf and spf-mmseq): the %" PRIu64 " seeds change nothing, their runs will be "
			"the same\n", r.nseeds);
	for (size_t i = 0; i < r.nruns && !again && !r.live; i++) {
		int64_t id = same_run(&r, &r.runs[i], out);

		if (id) {
			fprintf(stderr, "faultline replay: %s already holds run %" PRId64 ", the same "
				"trace, strategy (%s), profile, knobs and seed: a replay would store "
				"the same outcomes again\n", out, id, r.runs[i].strategy->name);
			fprintf(stderr, "hint: read it with `faultline report --run %" PRId64 " %s`, "
				"or add it anyway with --again\n", id, out);
			rc = FL_EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < r.nruns; i++) {
		struct fl_engine_run *run = &r.runs[i];

		if (run->strategy->init && run->strategy->init(run->state, &run->cfg, &r.err) < 0) {
			fl_err_print(&r.err, stderr);
			rc = FL_EXIT_USAGE;
			goto out;
		}
	}

	sink = (struct fl_engine_sink){ .ctx = &r, .writer = sink_writer, .fault = sink_fault,
					.outcome = sink_outcome };
	r.engine = fl_engine_new(r.runs, r.nruns, &sink);
	if (r.engine)
		fl_engine_what_if(r.engine, r.wi_arch, r.wi_page_size, r.wi_mmu);
	r.progress = isatty(STDERR_FILENO);
	/* A live replay commits many times: a new database is made and put
	 * in place first (empty), and the batches go into it there. */
	if (r.engine && r.live && access(out, F_OK) != 0) {
		if (fl_store_open(out, &r.store, &r.err) < 0 || fl_store_begin(r.store, &r.err) < 0 ||
		    fl_store_commit(r.store, &r.err) < 0)
			goto fail;
		fl_store_close(r.store);
		r.store = NULL;
	}
	if (!r.engine || fl_store_open(out, &r.store, &r.err) < 0)
		goto fail;
	if (fl_store_begin(r.store, &r.err) == -EBUSY) {
		/* Another replay writes the database: its commit ends the wait. */
		fprintf(stderr, "faultline: %s: another process is writing it; waiting up to %d s for it "
			"to finish\n", out, FL_STORE_WAIT_S);
		r.err = (struct fl_err){ 0 };
		fl_store_begin_wait(r.store, FL_STORE_WAIT_S, &r.err);
	}
	if (r.err.code)
		goto fail;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r.t_start = r.t_batch = t0;
	if (r.live) {
		/* SA_RESTART: SQLite's calls go on; the decoder's poll()
		 * returns and sees the request. */
		struct sigaction sa = { .sa_handler = on_interrupt, .sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	rc = fl_ingest(r.trace_path, &ops, &r, &res, &r.err);
	if (rc == -EINTR && r.live && r.begun) {
		/* Ctrl-C: what came before is replayed and committed. */
		cut = true;
		r.err = (struct fl_err){ 0 };
	} else if (rc == -EINTR && r.live) {
		fprintf(stderr, "faultline replay: interrupted before %s sent anything: nothing "
			"stored\n", r.trace_path);
		status = FL_EXIT_FAIL;
		goto done;
	} else if (rc < 0) {
		if (r.live && !r.begun && r.err.code == -ENODATA)
			fl_err_hint(&r.err, "is the session recording (`lttng list` on the host; "
				    "`babeltrace2 -i lttng-live net://HOST` lists what the relay "
				    "daemon serves)?");
		goto fail;
	}
	if (cut) {
		live_result(&r, &part);
		tres = &part;
	}
	if (!r.live && check_needs(&r, &res) < 0)
		goto fail;
	if (fl_engine_finish(r.engine) < 0) {
		if (!r.err.code)
			r.err = *fl_engine_err(r.engine);
		goto fail;
	}
	progress(&r, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		uint64_t ms = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000u +
			      (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000000);
		size_t nthr;
		struct fl_engine_thread **thr = fl_engine_threads(r.engine, &nthr);
		const struct fl_engine_stats *st = fl_engine_stats(r.engine);

		if (!thr) {
			fl_err_set(&r.err, -ENOMEM, "replay: out of memory");
			goto fail;
		}
		for (size_t i = 0; i < nthr; i++) {
			if (fl_store_thread(r.store, r.trace_id, thr[i]) < 0) {
				free(thr);
				fl_err_set(&r.err, -EIO, "%s: cannot store the threads", out);
				goto fail;
			}
		}
		free(thr);
		for (size_t i = 0; i < r.nruns; i++) {
			size_t n = 0;
			struct fl_delay_thread **dt = fl_delay_sorted(&r.runs[i].delay, &n);

			if (!dt) {
				fl_err_set(&r.err, -ENOMEM, "replay: out of memory");
				goto fail;
			}
			for (size_t k = 0; k < n; k++) {
				if (fl_store_thread_time(r.store, r.run_ids[i], dt[k]) < 0) {
					free(dt);
					fl_err_set(&r.err, -EIO, "%s: cannot store the thread times", out);
					goto fail;
				}
			}
			free(dt);
			if ((r.live && fl_store_run_rewrite(r.store, r.run_ids[i], &r.err) < 0) ||
			    fl_store_run_end(r.store, r.run_ids[i], &r.runs[i], ms, &r.err) < 0 ||
			    (r.live && fl_store_run_state(r.store, r.run_ids[i], cut ? "cut short" : NULL,
							  &r.err) < 0))
				goto fail;
		}
		if (fl_store_losses(r.store, r.trace_id, r.losses, r.nlosses, tres->t_first,
				    &r.after_loss, &r.err) < 0 ||
		    fl_store_trace_end(r.store, &r.trace_id, tres, st->lock_events, st->lock_events,
				       &r.err) < 0 ||
		    fl_store_commit(r.store, &r.err) < 0)
			goto fail;
		for (size_t i = 0; i < r.nruns; i++)
			r.run_ids[i] = fl_store_run_id(r.store, r.run_ids[i]);
	}
	print_summary(&r, out);
	if (r.live)
		printf("live:      %s; %" PRIu64 " batches committed before the last\n",
		       cut ? "cut short (interrupted): the runs are marked so"
			   : "the session ended", r.batches);
	status = FL_EXIT_OK;
	goto done;
fail:
	if (r.progress)
		fputc('\n', stderr);
	if (!r.err.code)
		fl_err_set(&r.err, -EIO, "replay failed");
	fl_err_print(&r.err, stderr);
	if (r.live && r.batches) {
		live_abandon(&r);
		fprintf(stderr, "faultline replay: the runs committed so far stay in %s, marked "
			"cut short\n", out);
	}
done:
	free(r.losses);
	fl_store_close(r.store);
	fl_engine_free(r.engine);
	fl_ingest_result_free(&res);
	rc = status;
out:
	for (size_t i = 0; i < r.nruns; i++) {
		if (r.runs[i].strategy->fini && r.runs[i].state)
			r.runs[i].strategy->fini(r.runs[i].state);
		free(r.runs[i].state);
	}
	return rc;
}

static void replay_help_knobs(FILE *out)
{
	fprintf(out, "\nknobs (--set KEY=VALUE; `faultline help knobs` prints the same):\n\n");
	fl_knobs_print(out, NULL);
}

const struct fl_cmd fl_cmd_replay = {
	.name = "replay",
	.summary = "replay a trace through the kernel's fault paths and store the outcomes",
	.usage = "faultline replay [-s STRATEGY|all] [-p PROFILE] [--set KEY=VALUE]...\n"
		 "                        [--seed N] [--seeds N] [--again] [-o DB] TRACE\n"
		 "       faultline replay --live [--batch-faults N] [--batch-seconds S] [-s ...]\n"
		 "                        [-o DB] net://HOST[:PORT]/host/HOSTNAME/SESSION",
	.help =
		"Reads TRACE (a CTF directory: perf-ctf, lttng-kernel or faultline dialect),\n"
		"follows each process's VMA layout through its mmap-family calls, follows\n"
		"every mmap_lock writer, and decides for every user page fault what the\n"
		"chosen strategy's kernel would have done: which lock path ran the fault,\n"
		"which kernel counter the attempt bumped, why, and which writer caused an\n"
		"abort.  Every outcome goes into the SQLite database DB, one run per\n"
		"strategy; read it with `faultline report DB`.\n"
		"\n"
		"When the trace has mmap_lock events (a kernel with per-VMA locks, 6.4+),\n"
		"it also carries the kernel's own answer: the faults whose thread held\n"
		"mmap_lock at the fault's end.  They are stored with each fault, and\n"
		"`faultline report --fidelity DB` compares a pervma run with them.\n",
	.options = replay_options,
	.help_tail =
		"The whole replay is one transaction: interrupted, it leaves DB as it was.\n"
		"\n"
		"--live follows an LTTng live session (`faultline record --url URL --live`)\n"
		"through lttng-relayd's live port: the runs are committed every N faults\n"
		"or S seconds, so that report and tui read them as they grow, marked live\n"
		"(meta 'run_state:RUN_ID'); the replay ends when the session is destroyed,\n"
		"with the runs complete (the mark removed), or on Ctrl-C (SIGINT, SIGTERM),\n"
		"with what came before committed and the runs marked 'cut short'.  Attach\n"
		"before the session's first packet: a viewer starts at the next one.\n"
		"The runs hold the trace's threads and thread times once complete.\n"
		"The same trace, strategy, profile, knobs and seed give the same outcome rows.\n"
		"A progress line is shown when stderr is a terminal.\n"
		"\n"
		"exit status: 0 on success, 1 if the trace or the database cannot be used,\n"
		"2 on a usage error.\n"
		"\n"
		"example:\n"
		"  faultline replay traces/x86_64/mmchurn -o o.db\n"
		"  faultline report --fidelity o.db\n"
		"  faultline replay --live net://collector/host/web42/SESSION -o live.db\n",
	.run = cmd_replay,
	.help_more = replay_help_knobs,
};
