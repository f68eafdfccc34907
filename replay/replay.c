/* Running a replay: the runs it makes, the engine fed by the trace's
 * decoder, the store written as the outcomes are decided, and --live's
 * batches. */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <sqlite3.h>

#include "builtin.h"
#include "fl_array.h"
#include "knob_doc.h"

static int live_batch(struct replay *r);

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

	/* A cause is one entry of a static table: the same pointer. */
	for (i = 0; i < r->ncauses[run]; i++)
		if (r->causes[run][i].cause == o->cause)
			break;
	if (i == r->ncauses[run] && i < MAX_CAUSES) {
		r->causes[run][i].cause = o->cause;
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
	if (r->wi_zero_page && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%s\"zero_page\":%s", i++ ? "," : "",
					r->wi_zero_page);
	if (r->wi_thp && off < n)
		off += (size_t)snprintf(buf + off, n - off, "%s\"thp\":\"%s\"", i++ ? "," : "",
					r->wi_thp);
	if (off < n)
		snprintf(buf + off, n - off, "}");
}

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

static int usage_strategies(void)
{
	fprintf(stderr, "strategies:");
	for (size_t i = 0; fl_strategies[i]; i++)
		fprintf(stderr, " %s", fl_strategies[i]->name);
	fprintf(stderr, " all\n");
	return FL_EXIT_USAGE;
}

void replay_profile_names(const struct fl_strategy *s, char *names, size_t len)
{
	size_t off = 0;

	names[0] = '\0';
	for (int i = 0; s->profiles && s->profiles[i] && off < len; i++)
		off += (size_t)snprintf(names + off, len - off, "%s%s", i ? ", " : "", s->profiles[i]);
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

				replay_profile_names(s, names, sizeof(names));
				return fl_cmd_usage_error(&fl_cmd_replay, "profile '%s': %s takes %s",
							  profile, s->name, names);
			}
		} else {
			if (fl_profile_parse(profile, &run->cfg.kver) < 0 || run->cfg.kver < 604) {
				char names[256];

				replay_profile_names(s, names, sizeof(names));
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

/* The runs of DB out (committed) that replayed the same trace (by its real
 * path) with run's strategy, profile, knobs and seed, in (*ids)[], grown
 * as needed (*cap), in order; how many, or (size_t)-1 without memory:
 * replaying it again gives the same rows, a duplicate a report would
 * count twice.  A database that cannot be read here is left to the store
 * to report. */
static size_t same_runs(const struct replay *r, const struct fl_engine_run *run, const char *out,
			int64_t **ids, size_t *cap)
{
	char want[PATH_MAX], have[PATH_MAX], knobs[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t found = 0;

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
	while (found != (size_t)-1 && sqlite3_step(st) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 1);

		if (!path || !realpath(path, have) || strcmp(have, want))
			continue;
		if (fl_array_grow((void **)ids, cap, found + 1, sizeof(**ids)) < 0)
			found = (size_t)-1;
		else
			(*ids)[found++] = sqlite3_column_int64(st, 0);
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

/* The runs: every strategy under "all", each with --seeds seeds; a run DB
 * out already holds is refused unless again (the same rows twice). */
int replay_plan(struct replay *r, const char *strategy, const char *out, bool again)
{
	int rc;

	if (!r->nseeds)
		r->nseeds = 1;
	if (!strcmp(strategy, "all")) {
		for (size_t i = 0; fl_strategies[i]; i++)
			for (uint64_t k = 0; k < r->nseeds; k++)
				if ((rc = add_run(r, fl_strategies[i], false, r->seed + k)))
					return rc;
	} else {
		const struct fl_strategy *s = fl_strategy_find(strategy);

		if (!s) {
			fl_cmd_usage_error(&fl_cmd_replay, "unknown strategy '%s'", strategy);
			return usage_strategies();
		}
		for (uint64_t k = 0; k < r->nseeds; k++)
			if ((rc = add_run(r, s, true, r->seed + k)))
				return rc;
	}
	if (r->nseeds > 1 && !any_jitter(r))
		fprintf(stderr, "faultline replay: note: no jitter knob is set (--set jitter_ns=N, "
			"spf and spf-mmseq): the %" PRIu64 " seeds change nothing, their runs will be "
			"the same\n", r->nseeds);
	for (size_t i = 0; i < r->nruns && !again && !r->live; i++) {
		int64_t *ids = NULL, id;
		size_t cap = 0, n = same_runs(r, &r->runs[i], out, &ids, &cap);

		id = n && n != (size_t)-1 ? ids[0] : 0;
		free(ids);
		if (id) {
			fprintf(stderr, "faultline replay: %s already holds run %" PRId64 ", the same "
				"trace, strategy (%s), profile, knobs and seed: a replay would store "
				"the same outcomes again\n", out, id, r->runs[i].strategy->name);
			fprintf(stderr, "hint: read it with `faultline report --run %" PRId64 " %s`, "
				"replace it with --replace, or add it anyway with --again\n", id, out);
			return FL_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < r->nruns; i++) {
		struct fl_engine_run *run = &r->runs[i];

		if (run->strategy->init && run->strategy->init(run->state, &run->cfg, &r->err) < 0) {
			fl_err_print(&r->err, stderr);
			return FL_EXIT_USAGE;
		}
	}
	return 0;
}

/* Open DB out and begin the replay's transaction, waiting for another
 * replay that writes it.  A live replay commits many times: a new
 * database is made and put in place first (empty), and the batches go
 * into it there. */
static int open_store(struct replay *r, const char *out)
{
	if (r->live && access(out, F_OK) != 0) {
		if (fl_store_open(out, &r->store, &r->err) < 0 || fl_store_begin(r->store, &r->err) < 0 ||
		    fl_store_commit(r->store, &r->err) < 0)
			return -1;
		fl_store_close(r->store);
		r->store = NULL;
	}
	if (fl_store_open(out, &r->store, &r->err) < 0)
		return -1;
	if (fl_store_begin(r->store, &r->err) == -EBUSY) {
		/* Another replay writes the database: its commit ends the wait. */
		fprintf(stderr, "faultline: %s: another process is writing it; waiting up to %d s for it "
			"to finish\n", out, FL_STORE_WAIT_S);
		r->err = (struct fl_err){ 0 };
		fl_store_begin_wait(r->store, FL_STORE_WAIT_S, &r->err);
	}
	return r->err.code ? -1 : 0;
}

/* Decode the trace into the engine and finish the runs: 0, -1 on a
 * failure (r->err), or 1 when a live session was interrupted before it
 * sent anything (nothing stored).  *cut: a live session ended by Ctrl-C. */
static int replay_ingest(struct replay *r, struct fl_ingest_result *res, bool *cut)
{
	struct fl_ingest_ops ops = { .begin = on_begin, .event = on_event, .mm_enter = on_mm_enter };
	int rc;

	if (r->live)	/* a quiet session: commit what is decided */
		ops.idle = on_idle;
	if (r->live) {
		/* SA_RESTART: SQLite's calls go on; the decoder's poll()
		 * returns and sees the request. */
		struct sigaction sa = { .sa_handler = on_interrupt, .sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	rc = fl_ingest_with_cache(r->trace_path, r->decode_cache, &ops, r, res, &r->err);
	if (rc == -EINTR && r->live && r->begun) {
		/* Ctrl-C: what came before is replayed and committed. */
		*cut = true;
		r->err = (struct fl_err){ 0 };
	} else if (rc == -EINTR && r->live) {
		fprintf(stderr, "faultline replay: interrupted before %s sent anything: nothing "
			"stored\n", r->trace_path);
		return 1;
	} else if (rc < 0) {
		if (r->live && !r->begun && r->err.code == -ENODATA)
			fl_err_hint(&r->err, "is the session recording (`lttng list` on the host; "
				    "`babeltrace2 -i lttng-live net://HOST` lists what the relay "
				    "daemon serves)?");
		return -1;
	}
	if (!r->live && check_needs(r, res) < 0)
		return -1;
	if (fl_engine_finish(r->engine) < 0) {
		if (!r->err.code)
			r->err = *fl_engine_err(r->engine);
		return -1;
	}
	progress(r, true);
	return 0;
}

/* The trace's threads, and each run's thread times and totals. */
static int store_threads_and_runs(struct replay *r, const char *out, bool cut, uint64_t ms)
{
	size_t nthr;
	struct fl_engine_thread **thr = fl_engine_threads(r->engine, &nthr);

	if (!thr)
		return fl_err_set(&r->err, -ENOMEM, "replay: out of memory");
	for (size_t i = 0; i < nthr; i++) {
		if (fl_store_thread(r->store, r->trace_id, thr[i]) < 0) {
			free(thr);
			return fl_err_set(&r->err, -EIO, "%s: cannot store the threads", out);
		}
	}
	free(thr);
	for (size_t i = 0; i < r->nruns; i++) {
		size_t n = 0;
		struct fl_delay_thread **dt = fl_delay_sorted(&r->runs[i].delay, &n);

		if (!dt)
			return fl_err_set(&r->err, -ENOMEM, "replay: out of memory");
		for (size_t k = 0; k < n; k++) {
			if (fl_store_thread_time(r->store, r->run_ids[i], dt[k]) < 0) {
				free(dt);
				return fl_err_set(&r->err, -EIO, "%s: cannot store the thread times", out);
			}
		}
		free(dt);
		if ((r->live && fl_store_run_rewrite(r->store, r->run_ids[i], &r->err) < 0) ||
		    fl_store_run_end(r->store, r->run_ids[i], &r->runs[i], ms, &r->err) < 0 ||
		    (r->live && fl_store_run_state(r->store, r->run_ids[i], cut ? "cut short" : NULL,
						  &r->err) < 0))
			return -EIO;
	}
	return 0;
}

/* --replace: delete the runs DB out held before this replay of the same
 * trace, strategy, profile, knobs and seed as one of its runs.  Read
 * through a connection of its own, which sees what is committed (this
 * replay holds the write lock: nothing else commits meanwhile), and
 * deleted in the replay's transaction: a replay that does not commit
 * leaves them. */
static int replace_earlier(struct replay *r, const char *out)
{
	int64_t *ids = NULL;
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < r->nruns && !rc; i++) {
		size_t n = same_runs(r, &r->runs[i], out, &ids, &cap);

		if (n == (size_t)-1)
			rc = fl_err_set(&r->err, -ENOMEM, "replay: out of memory");
		for (size_t k = 0; k < n && n != (size_t)-1 && !rc; k++) {
			rc = fl_store_run_delete(r->store, ids[k], &r->err);
			r->replaced += !rc;
		}
	}
	free(ids);
	return rc;
}

/* The end of the replay in the store: threads, runs, losses, the trace
 * row, the commit; then the runs' ids as committed. */
static int store_end(struct replay *r, const char *out, const struct fl_ingest_result *tres,
		     bool cut, uint64_t ms)
{
	const struct fl_engine_stats *st = fl_engine_stats(r->engine);

	if (store_threads_and_runs(r, out, cut, ms) < 0)
		return -1;
	if (fl_store_losses(r->store, r->trace_id, r->losses, r->nlosses, tres->t_first,
			    &r->after_loss, &r->err) < 0 ||
	    fl_store_trace_end(r->store, &r->trace_id, tres, st->lock_events, st->lock_events,
			       &r->err) < 0 ||
	    (r->replace && replace_earlier(r, out) < 0) ||
	    fl_store_commit(r->store, &r->err) < 0)
		return -1;
	for (size_t i = 0; i < r->nruns; i++)
		r->run_ids[i] = fl_store_run_id(r->store, r->run_ids[i]);
	return 0;
}

int replay_run(struct replay *r, const char *out)
{
	struct fl_engine_sink sink = { .ctx = r, .writer = sink_writer, .fault = sink_fault,
				       .outcome = sink_outcome };
	struct fl_ingest_result res, part;
	const struct fl_ingest_result *tres = &res;
	struct timespec t0, t1;
	bool cut = false;
	int rc, status = FL_EXIT_FAIL;

	memset(&res, 0, sizeof(res));
	r->engine = fl_engine_new(r->runs, r->nruns, &sink);
	if (r->engine)
		fl_engine_what_if(r->engine, r->wi_arch, r->wi_page_size, r->wi_mmu);
	if (r->engine && r->wi_zero_page)
		fl_engine_what_if_zero_page(r->engine, r->wi_zero_page[0] == '1');
	if (r->engine && r->wi_thp)
		fl_engine_what_if_thp(r->engine, fl_thp_mode_of(r->wi_thp, strlen(r->wi_thp)));
	r->progress = isatty(STDERR_FILENO);
	if (!r->engine || open_store(r, out) < 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->t_start = r->t_batch = t0;
	rc = replay_ingest(r, &res, &cut);
	if (rc > 0)
		goto done;
	if (rc < 0)
		goto fail;
	if (cut) {
		live_result(r, &part);
		tres = &part;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (store_end(r, out, tres, cut, (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000u +
					 (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000000)) < 0)
		goto fail;
	replay_print_summary(r, out);
	if (r->replace)
		printf("replaced:  %" PRIu64 " earlier run%s of the same trace, strategy, profile, knobs "
		       "and seed\n", r->replaced, r->replaced == 1 ? "" : "s");
	if (r->live)
		printf("live:      %s; %" PRIu64 " batches committed before the last\n",
		       cut ? "cut short (interrupted): the runs are marked so"
			   : "the session ended", r->batches);
	status = FL_EXIT_OK;
	goto done;
fail:
	if (r->progress)
		fputc('\n', stderr);
	if (!r->err.code)
		fl_err_set(&r->err, -EIO, "replay failed");
	fl_err_print(&r->err, stderr);
	if (r->live && r->batches) {
		live_abandon(r);
		fprintf(stderr, "faultline replay: the runs committed so far stay in %s, marked "
			"cut short\n", out);
	}
done:
	free(r->losses);
	r->losses = NULL;
	fl_store_close(r->store);
	r->store = NULL;
	fl_engine_free(r->engine);
	r->engine = NULL;
	fl_ingest_result_free(&res);
	return status;
}

void replay_free_runs(struct replay *r)
{
	for (size_t i = 0; i < r->nruns; i++) {
		if (r->runs[i].strategy->fini && r->runs[i].state)
			r->runs[i].strategy->fini(r->runs[i].state);
		free(r->runs[i].state);
	}
}
