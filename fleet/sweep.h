/* sweep: the job matrix of `faultline sweep`.
 *
 * traces x strategies x profiles x knob settings x seeds, one `faultline
 * replay` per job into a database of its own (a shard), named by the hash
 * of the job's arguments so that the same job finds its shard again on a
 * later run.  A knob applies to the strategies that have it (and the
 * what-ifs arch, page_size, mmu to all): a strategy without it is not
 * replayed once per value, and a profile applies to the strategies that
 * take it.  Nothing here runs anything: builtin-sweep.c hands the jobs to
 * GNU parallel, a Slurm array or a list.
 */
#ifndef FL_SWEEP_H
#define FL_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_err.h"

#define SWEEP_MAX_ARGS 48

struct sweep_axis {
	char *key;		/* knob name */
	char **vals;
	size_t nvals;
};

struct sweep_spec {
	const char *const *traces;
	size_t ntraces;
	const char **strategies;	/* names */
	size_t nstrategies;
	const char **profiles;		/* empty: each strategy's default */
	size_t nprofiles;
	struct sweep_axis *axes;
	size_t naxes;
	uint64_t seed;			/* first seed */
	uint64_t nseeds;
};

struct sweep_job {
	/* replay's arguments after the binary, without -o and --decode-cache
	 * (paths, not in the shard's hash): "replay", "-s", ... TRACE */
	char *argv[SWEEP_MAX_ARGS];
	int argc;
	char shard[4096];	/* DIR/<hash>.db */
	char log[4096];		/* DIR/<hash>.log */
	bool done;		/* the shard holds a run */
};

struct sweep_jobs {
	struct sweep_job *v;
	size_t n, cap;
};

/* Check spec against the strategies' registry and make its jobs, their
 * shards in dir.  -EINVAL with err filled for a strategy, profile or knob
 * that none of the strategies takes. */
int fl_sweep_jobs(const struct sweep_spec *spec, const char *dir, struct sweep_jobs *jobs,
		  struct fl_err *err);
void fl_sweep_jobs_free(struct sweep_jobs *jobs);

/* A shard is done when it is a faultline database with a run in it: a
 * replay commits everything in one transaction, so a killed one leaves
 * none. */
bool fl_sweep_shard_done(const char *shard);

/* Append arg to buf quoted for sh (single quotes when needed). */
void fl_sweep_shell_quote(char *buf, size_t size, const char *arg);

#endif
