/* The summary a replay prints: the trace, the ground truth, what was lost,
 * each run's fallbacks, the strategies' own totals (fl_strategy.summarize),
 * the delays and --seeds' spread. */
#include "replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_escape.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static const char *counter_of(const struct fl_cause_count *c)
{
	return c->cause ? c->cause->counter : "";
}

static const char *reason_of(const struct fl_cause_count *c)
{
	return c->cause ? c->cause->reason : "";
}

static uint64_t cause_n(const struct replay *r, size_t run, const char *counter, const char *reason)
{
	for (size_t i = 0; i < r->ncauses[run]; i++)
		if (!strcmp(counter_of(&r->causes[run][i]), counter) &&
		    !strcmp(reason_of(&r->causes[run][i]), reason))
			return r->causes[run][i].n;
	return 0;
}

/* The strategies' own totals (spf-mmseq's vmstat), run by run. */
static void print_strategy_totals(const struct replay *r)
{
	for (size_t i = 0; i < r->nruns; i++)
		if (r->runs[i].strategy->summarize)
			r->runs[i].strategy->summarize(stdout, r->run_ids[i], r->causes[i],
						       r->ncauses[i]);
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
	const struct fl_cause_count *a = *(const struct fl_cause_count *const *)pa;
	const struct fl_cause_count *b = *(const struct fl_cause_count *const *)pb;
	int c = strcmp(counter_of(a), counter_of(b));

	return c ? c : strcmp(reason_of(a), reason_of(b));
}

/* Every cause seen in any of the seeds' runs same[0..ns), in (counter,
 * reason) order, with its count's min, median and max over the runs. */
static void print_spread_rows(const struct replay *r, const size_t *same, size_t ns)
{
	const struct fl_cause_count *list[MAX_RUNS * MAX_CAUSES];
	size_t nl = 0;
	int wc = 7, wr = 6;

	for (size_t a = 0; a < ns; a++) {
		for (size_t k = 0; k < r->ncauses[same[a]]; k++) {
			const struct fl_cause_count *c = &r->causes[same[a]][k];
			bool seen = false;

			for (size_t b = 0; b < nl && !seen; b++)
				seen = !strcmp(counter_of(list[b]), counter_of(c)) &&
				       !strcmp(reason_of(list[b]), reason_of(c));
			if (!seen)
				list[nl++] = c;
		}
	}
	qsort(list, nl, sizeof(list[0]), cmp_cause);
	for (size_t i = 0; i < nl; i++) {
		if ((int)strlen(counter_of(list[i])) > wc)
			wc = (int)strlen(counter_of(list[i]));
		if ((int)strlen(reason_of(list[i])) > wr)
			wr = (int)strlen(reason_of(list[i]));
	}
	printf("  %-*s  %-*s  %7s  %7s  %7s\n", wc, "counter", wr, "reason", "min", "median", "max");
	for (size_t i = 0; i < nl; i++) {
		const struct fl_cause_count *c = list[i];
		const char *counter = counter_of(c), *reason = reason_of(c);
		uint64_t n[MAX_RUNS];

		for (size_t b = 0; b < ns; b++)
			n[b] = cause_n(r, same[b], counter, reason);
		qsort(n, ns, sizeof(n[0]), cmp_u64);
		printf("  %-*s  %-*s  %7" PRIu64 "  %7" PRIu64 "  %7" PRIu64 "\n", wc,
		       counter[0] ? counter : "-", wr, reason, n[0], n[ns / 2], n[ns - 1]);
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

void replay_print_summary(struct replay *r, const char *out)
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
	if (st->place[FL_PLACE_UNKNOWN] || st->place[FL_PLACE_INFERRED]) {
		printf("placement: %" PRIu64 " faults outside any known VMA, %" PRIu64
		       " in VMAs whose extent was inferred\n", st->place[FL_PLACE_UNKNOWN],
		       st->place[FL_PLACE_INFERRED]);
		if (st->unplaced_after_loss)
			printf("           %" PRIu64 " unplaced because of the losses: a hole, an "
			       "access error or a missing anon_vma where a lost event may have mapped, "
			       "changed or prepared it\n", st->unplaced_after_loss);
	}
	if (st->in_untraced_hold) {
		/* Not a loss, but as blind: on stderr too. */
		fprintf(stderr, "faultline: warning: %s: %" PRIu64 " faults came while their mm "
			"was held for write outside any mm call the trace records; which VMAs "
			"those holds write-locked is not in the trace, and the runs answer these "
			"faults as if they locked none\n",
			r->trace_path, st->in_untraced_hold);
		fprintf(stderr, "hint: mbind(), set_mempolicy_home_node(), mseal(), "
			"prctl(PR_SET_VMA) and userfaultfd registration take mmap_lock for write and "
			"are not traced; nor are the mlock family and pkey_mprotect() in traces "
			"recorded before they were\n");
		printf("untraced:  %" PRIu64 " faults during write holds with no traced mm call "
		       "(VMAs locked unknown)\n", st->in_untraced_hold);
	}
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
	print_strategy_totals(r);
	print_delay(r);
	if (r->nseeds > 1)
		print_spread(r);
	printf("stored in %s: faultline report %s\n", out, out);
}
