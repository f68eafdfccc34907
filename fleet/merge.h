/* merge: combine outcome stores (shards) into one.
 *
 * A sweep writes each replay into a database of its own; `faultline merge`
 * puts them together so that report, diff, export and the TUI read them as
 * one.  The merged database is what replaying the same jobs, in the same
 * order, into one database would have given: the same traces, runs and
 * outcome rows (the run and trace ids too, when OUT starts empty).
 *
 * - A trace is named by its content: the SHA-256 of its rows in every
 *   trace-keyed table (its traces row without trace_id, path and the hash
 *   itself), kept in traces.content_hash.  A trace already in OUT under
 *   that hash is not copied again; the shard's runs point at OUT's copy.
 * - A run is the same run when every column but its ids and the replay's
 *   own stamps (created_at, wall_ms) is equal: trace, strategy, profile,
 *   knobs, seed, tool version, cost table, totals.  Replays are
 *   deterministic, so this is the same job replayed again.  A run already
 *   in OUT is not copied again, so merging a shard twice adds nothing, and
 *   a sweep job run again after its shard was lost adds nothing either.
 *   Identical runs within one shard are counted: the k-th copy is added
 *   when OUT holds fewer than k.
 * - The tables are found in OUT's schema: every table with a trace_id
 *   column belongs to a trace, every one with a run_id column to a run, so
 *   a table added to schemas/outcomes.sql is merged without a change here.
 * - Everything happens in one transaction on OUT: a merge that fails, or
 *   is killed, leaves OUT as it was (and a new OUT is removed).
 * - The first shards, as many as SQLite attaches to one connection, are
 *   attached to OUT's and copied a table at a time (INSERT ... SELECT); the
 *   others row by row.  The result is the same: a caller with many shards
 *   that may commit them in several transactions (a sweep) merges them
 *   faster in groups of fl_merge_fast_shards().
 */
#ifndef FL_MERGE_H
#define FL_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "fl_err.h"

struct fl_merge_stats {
	int64_t traces_added;	/* new in OUT */
	int64_t traces_known;	/* already in OUT (or earlier in this merge) */
	int64_t runs_added;
	int64_t runs_known;	/* skipped: already in OUT */
};

/* Merge the nshards databases into out (created when missing).  0, or a
 * negative code with err naming the shard and what failed. */
int fl_merge(const char *out, const char *const *shards, size_t nshards,
	     struct fl_merge_stats *stats, struct fl_err *err);

/* fl_merge_ex()'s flags, for a caller that merges into one OUT again and
 * again (a sweep, as its jobs finish).  FL_MERGE_OUT_MADE: out is a
 * database an fl_merge_ex() of this process made or checked already, so it
 * is not opened through the store writer again (which checks it, adds
 * what an older schema lacks, gathers statistics, checkpoints and syncs:
 * tens of ms a call).  FL_MERGE_NO_ANALYZE: the query planner's statistics
 * are left to a later merge (the last). */
#define FL_MERGE_OUT_MADE	0x1u
#define FL_MERGE_NO_ANALYZE	0x2u

/* fl_merge() with flags; nshards may be 0 (with no FL_MERGE_NO_ANALYZE:
 * only gather the statistics). */
int fl_merge_ex(const char *out, const char *const *shards, size_t nshards, unsigned flags,
		struct fl_merge_stats *stats, struct fl_err *err);

/* How many shards one fl_merge() copies a table at a time (SQLite's limit
 * on attached databases, 10 by default); the rest it copies row by row. */
size_t fl_merge_fast_shards(void);

/* Compute and store the content hash of every trace of db that has none
 * (adding traces.content_hash when missing): a merge of db then takes the
 * hash as stored.  A sweep's jobs do it, so that the hashing is spread over
 * the jobs instead of done by the one merge at the end. */
int fl_merge_hash_only(const char *db, struct fl_err *err);

#endif
