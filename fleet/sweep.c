/* sweep: the job matrix (sweep.h). */
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fl_array.h"
#include "fl_sha256.h"
#include "strategy.h"

/* The replay's what-ifs: every strategy takes them. */
static bool what_if(const char *key)
{
	return !strcmp(key, "arch") || !strcmp(key, "page_size") || !strcmp(key, "mmu");
}

static const struct fl_knob *knob_of(const struct fl_strategy *s, const char *key)
{
	for (int i = 0; s->knobs && s->knobs[i].key; i++)
		if (!strcmp(s->knobs[i].key, key))
			return &s->knobs[i];
	return NULL;
}

static bool takes_knob(const struct fl_strategy *s, const char *key)
{
	return what_if(key) || knob_of(s, key);
}

/* Does s take profile p: one of its named profiles, or a kernel version
 * from 6.4 on when its profiles are kernel versions (as replay decides). */
static bool takes_profile(const struct fl_strategy *s, const char *p)
{
	int kver;

	if (!s->profiles)
		return false;
	for (int i = 0; s->profiles[i]; i++)
		if (!strcmp(s->profiles[i], p))
			return true;
	return fl_profile_parse(s->profiles[0], &kver) == 0 && fl_profile_parse(p, &kver) == 0 &&
	       kver >= 604;
}

static int check_spec(const struct sweep_spec *spec, const struct fl_strategy **strat,
		      struct fl_err *err)
{
	for (size_t i = 0; i < spec->nstrategies; i++) {
		strat[i] = fl_strategy_find(spec->strategies[i]);
		if (!strat[i])
			return fl_err_set(err, -EINVAL, "unknown strategy '%s'", spec->strategies[i]);
	}
	for (size_t p = 0; p < spec->nprofiles; p++) {
		bool used = false;

		for (size_t i = 0; i < spec->nstrategies; i++)
			used |= takes_profile(strat[i], spec->profiles[p]);
		if (!used)
			return fl_err_set(err, -EINVAL, "profile '%s': none of the strategies takes it",
					  spec->profiles[p]);
	}
	for (size_t a = 0; a < spec->naxes; a++) {
		const struct sweep_axis *ax = &spec->axes[a];
		bool used = false;

		for (size_t i = 0; i < spec->nstrategies; i++) {
			const struct fl_knob *k = knob_of(strat[i], ax->key);

			used |= takes_knob(strat[i], ax->key);
			for (size_t v = 0; k && v < ax->nvals; v++) {
				char *end;
				long long x;

				errno = 0;
				x = strtoll(ax->vals[v], &end, 0);
				if (errno || end == ax->vals[v] || *end || x < k->min || x > k->max)
					return fl_err_set(err, -EINVAL, "--set %s=%s: %s takes %" PRId64
							  "..%" PRId64, ax->key, ax->vals[v], strat[i]->name,
							  k->min, k->max);
			}
		}
		if (!used)
			return fl_err_set(err, -EINVAL, "--set %s: none of the strategies has that knob",
					  ax->key);
		for (size_t v = 0; v < ax->nvals; v++)
			if (!ax->vals[v][0])
				return fl_err_set(err, -EINVAL, "--set %s: an empty value", ax->key);
	}
	return 0;
}

static int add_arg(struct sweep_job *j, const char *a, struct fl_err *err)
{
	if (j->argc == SWEEP_MAX_ARGS - 1)
		return fl_err_set(err, -E2BIG, "too many knobs in one job (at most %d arguments)",
				  SWEEP_MAX_ARGS - 1);
	j->argv[j->argc] = strdup(a);
	if (!j->argv[j->argc])
		return fl_err_set(err, -ENOMEM, "out of memory");
	j->argc++;
	return 0;
}

/* The shard's name: the SHA-256 of the job's arguments, so the same job
 * finds its shard on the next run whatever else the matrix holds.  The
 * arguments builtin-sweep.c adds to the command (-o SHARD, --decode-cache
 * DIR/decoded) are not in it: they are paths, the same for every job, and
 * not what the job computes. */
static int name_shard(struct sweep_job *j, const char *dir, struct fl_err *err)
{
	struct fl_sha256 h;
	uint8_t d[32];
	char hex[65];

	fl_sha256_init(&h);
	for (int i = 0; i < j->argc; i++)
		fl_sha256_update(&h, j->argv[i], strlen(j->argv[i]) + 1);
	fl_sha256_final(&h, d);
	fl_sha256_hex(d, hex);
	hex[16] = '\0';
	if ((size_t)snprintf(j->shard, sizeof(j->shard), "%s/%s.db", dir, hex) >= sizeof(j->shard) ||
	    (size_t)snprintf(j->log, sizeof(j->log), "%s/%s.log", dir, hex) >= sizeof(j->log))
		return fl_err_set(err, -ENAMETOOLONG, "%s: the shard directory's name is too long", dir);
	return 0;
}

/* One job: strategy s with profile (or NULL), the knob values picked by
 * pick[] (-1: the knob does not apply), seed, trace. */
static int add_job(struct sweep_jobs *jobs, const struct sweep_spec *spec, const char *dir,
		   const struct fl_strategy *s, const char *profile, const size_t *pick,
		   const bool *applies, uint64_t seed, const char *trace, struct fl_err *err)
{
	struct sweep_job *j;
	char buf[64];
	int rc = 0;

	if (fl_array_grow((void **)&jobs->v, &jobs->cap, jobs->n + 1, sizeof(*jobs->v)) < 0)
		return fl_err_set(err, -ENOMEM, "out of memory");
	j = &jobs->v[jobs->n++];
	memset(j, 0, sizeof(*j));
	rc = add_arg(j, "replay", err) ?: add_arg(j, "-s", err) ?: add_arg(j, s->name, err);
	if (!rc && profile)
		rc = add_arg(j, "-p", err) ?: add_arg(j, profile, err);
	for (size_t a = 0; !rc && a < spec->naxes; a++) {
		char kv[512];

		if (!applies[a])
			continue;
		if ((size_t)snprintf(kv, sizeof(kv), "%s=%s", spec->axes[a].key,
				     spec->axes[a].vals[pick[a]]) >= sizeof(kv))
			return fl_err_set(err, -E2BIG, "--set %s: value too long", spec->axes[a].key);
		rc = add_arg(j, "--set", err) ?: add_arg(j, kv, err);
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, seed);
	if (!rc)
		rc = add_arg(j, "--seed", err) ?: add_arg(j, buf, err) ?: add_arg(j, trace, err);
	if (!rc)
		rc = name_shard(j, dir, err);
	if (!rc)
		j->done = fl_sweep_shard_done(j->shard);
	return rc;
}

/* Every setting of the knobs that apply to s, odometer order (the last
 * knob turns fastest), then seeds. */
static int add_settings(struct sweep_jobs *jobs, const struct sweep_spec *spec, const char *dir,
			const struct fl_strategy *s, const char *profile, const char *trace,
			struct fl_err *err)
{
	size_t pick[64] = { 0 };
	bool applies[64];

	if (spec->naxes > 64)
		return fl_err_set(err, -E2BIG, "too many --set knobs (at most 64)");
	for (size_t a = 0; a < spec->naxes; a++)
		applies[a] = takes_knob(s, spec->axes[a].key);
	for (;;) {
		size_t a;

		for (uint64_t k = 0; k < spec->nseeds; k++)
			if (add_job(jobs, spec, dir, s, profile, pick, applies, spec->seed + k, trace, err))
				return err->code;
		for (a = spec->naxes; a-- > 0;) {
			if (!applies[a])
				continue;
			if (++pick[a] < spec->axes[a].nvals)
				break;
			pick[a] = 0;
		}
		if (a == (size_t)-1)
			return 0;
	}
}

int fl_sweep_jobs(const struct sweep_spec *spec, const char *dir, struct sweep_jobs *jobs,
		  struct fl_err *err)
{
	const struct fl_strategy *strat[64];

	memset(jobs, 0, sizeof(*jobs));
	if (spec->nstrategies > 64)
		return fl_err_set(err, -E2BIG, "too many strategies (at most 64)");
	if (check_spec(spec, strat, err))
		return err->code;
	for (size_t t = 0; t < spec->ntraces; t++) {
		for (size_t i = 0; i < spec->nstrategies; i++) {
			bool any = false;

			for (size_t p = 0; p < spec->nprofiles; p++) {
				if (!takes_profile(strat[i], spec->profiles[p]))
					continue;
				any = true;
				if (add_settings(jobs, spec, dir, strat[i], spec->profiles[p], spec->traces[t],
						 err))
					return err->code;
			}
			if (!any && add_settings(jobs, spec, dir, strat[i], NULL, spec->traces[t], err))
				return err->code;
		}
	}
	return 0;
}

void fl_sweep_jobs_free(struct sweep_jobs *jobs)
{
	for (size_t i = 0; i < jobs->n; i++)
		for (int a = 0; a < jobs->v[i].argc; a++)
			free(jobs->v[i].argv[a]);
	free(jobs->v);
	memset(jobs, 0, sizeof(*jobs));
}

bool fl_sweep_shard_done(const char *shard)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	bool done = false;

	/* Not read-only: the close of a connection that may write removes the
	 * WAL files, which a read-only one would leave; nothing is written. */
	if (access(shard, F_OK) != 0 ||
	    sqlite3_open_v2(shard, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return false;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT (SELECT application_id FROM pragma_application_id) = 1179405873"
				   " AND EXISTS (SELECT 1 FROM runs)", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		done = sqlite3_column_int(s, 0) == 1;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return done;
}

void fl_sweep_shell_quote(char *buf, size_t size, const char *arg)
{
	size_t n = strlen(buf);
	bool plain = arg[0] != '\0';

	for (const char *p = arg; *p && plain; p++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%", *p);
	if (plain) {
		snprintf(buf + n, size - n, "%s", arg);
		return;
	}
	if (n < size - 1)
		buf[n++] = '\'';
	for (const char *p = arg; *p && n < size - 1; p++) {
		if (*p == '\'') {
			n += (size_t)snprintf(buf + n, size - n, "'\\''");
			if (n >= size)
				n = size - 1;
		} else {
			buf[n++] = *p;
		}
	}
	if (n < size - 1)
		buf[n++] = '\'';
	buf[n] = '\0';
}
