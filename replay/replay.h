/* replay.h: one `faultline replay` (builtin-replay.c parses the command
 * line, replay.c runs the replay, replay_summary.c prints what it found). */
#ifndef FL_REPLAY_H
#define FL_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "engine.h"
#include "fl_err.h"
#include "ingest.h"
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
	/* Each run's outcomes by cause, for --seeds' spread and the
	 * strategies' summaries (fl_strategy.summarize). */
	struct fl_cause_count causes[MAX_RUNS][MAX_CAUSES];
	size_t ncauses[MAX_RUNS];
	uint64_t nseeds;
	size_t nruns;
	const char *trace_path;
	const char *decode_cache;	/* --decode-cache DIR, or NULL */
	int64_t trace_id;
	/* Events by kind: what check_needs() asks (faultline info's whole
	 * summary, per thread, is more than a replay needs). */
	uint64_t kinds[FL_EV__COUNT];
	struct fl_err err;
	const char *set_key[MAX_SETS];
	int64_t set_val[MAX_SETS];
	size_t nsets;
	const char *profile;
	/* --set arch=, page_size=, mmu=, zero_page=, thp=: the engine's
	 * what-if, for every run (wi_zero_page "0" or "1", wi_thp "always",
	 * "madvise" or "never"; NULL not given) */
	const char *wi_arch, *wi_mmu, *wi_zero_page, *wi_thp;
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
	/* --replace: the earlier runs of the same trace, strategy, profile,
	 * knobs and seed are deleted in the replay's transaction. */
	bool replace;
	uint64_t replaced;
};

/* "6.15+, 6.4, 6.6": the profiles of s. */
void replay_profile_names(const struct fl_strategy *s, char *names, size_t len);
/* The runs of the replay, from strategy ("all", or a name) and the
 * options in r; a run DB out already holds is refused unless again
 * (--again, or --replace).  0, or the exit status. */
int replay_plan(struct replay *r, const char *strategy, const char *out, bool again);
/* Decode the trace, run the strategies, store the runs in out and print
 * the summary: the exit status. */
int replay_run(struct replay *r, const char *out);
/* The runs' strategy states. */
void replay_free_runs(struct replay *r);
void replay_print_summary(struct replay *r, const char *out);

#endif
