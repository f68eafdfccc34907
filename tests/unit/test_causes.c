/* The strategies' cause tables (cause.h): each one well formed, its
 * counters the kernel's names as README-strategies.md lists them,
 * FL_CAUSE_UNPLACED on the entries whose faults the model could not place
 * and on no other, and every outcome of every strategy on the bundled
 * traces an entry of its strategy's table or of the engine's.  A replay
 * stored as `faultline replay` stores it keeps each outcome's entry:
 * outcome_causes has its code, description and unplaced flag. */
#include "unit.h"

#include <stdio.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine.h"
#include "mm_ops.h"
#include "store.h"
#include "strategy.h"

/* ---- the tables -------------------------------------------------------- */

static void check_table(const char *name, const struct fl_cause *t, size_t n, bool engine)
{
	assert_non_null(t);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct fl_cause *c = &t[i];

		if (!c->counter || !c->reason || !c->reason[0] || !c->description ||
		    !c->description[0])
			fail_msg("%s: cause %zu lacks a counter, a reason or a description", name, i);
		if (engine ? c->code < FL_CAUSE_ENGINE_BASE
			   : c->code < 1 || c->code >= FL_CAUSE_ENGINE_BASE)
			fail_msg("%s: cause '%s' has code %u, out of its range", name, c->reason,
				 c->code);
		for (size_t j = 0; j < i; j++) {
			if (t[j].code == c->code)
				fail_msg("%s: code %u twice ('%s', '%s')", name, c->code, t[j].reason,
					 c->reason);
			if (!strcmp(t[j].counter, c->counter) && !strcmp(t[j].reason, c->reason))
				fail_msg("%s: (%s, %s) twice", name, c->counter, c->reason);
		}
		/* The store counts by text: no strategy's cause reads as one of
		 * the engine's. */
		for (size_t j = 0; !engine && j < fl_engine_ncauses; j++)
			if (!strcmp(fl_engine_causes[j].counter, c->counter) &&
			    !strcmp(fl_engine_causes[j].reason, c->reason))
				fail_msg("%s: (%s, %s) is the engine's", name, c->counter, c->reason);
	}
}

static void tables_well_formed(void **state)
{
	(void)state;
	check_table("engine", fl_engine_causes, fl_engine_ncauses, true);
	for (size_t i = 0; fl_strategies[i]; i++)
		check_table(fl_strategies[i]->name, fl_strategies[i]->causes,
			    fl_strategies[i]->ncauses, false);
}

/* ---- the unplaced entries ----------------------------------------------- */

/* Every entry whose faults the model could not place in a VMA it knew: no
 * layout known at the address, an inferred extent, or no VMA holding it
 * (a hole), by its table and reason.  The reports of version-6 databases
 * take for unplaced the reasons 'unplaced...' and 'no VMA'
 * (analyze/losses.c); spf's two hole entries are worded otherwise. */
static const struct {
	const char *table, *reason;
} unplaced_entries[] = {
	{ "classic", "no VMA" },
	{ "classic", "unplaced: unknown layout" },
	{ "classic", "unplaced: inferred extent" },
	{ "pervma", "unplaced: no VMA known" },
	{ "pervma", "no VMA" },
	{ "spf", "unplaced: no VMA known" },
	{ "spf", "no VMA (get_vma() NULL), no event" },
	{ "spf", "hole below the VMA (bounds check)" },
	{ "spf-mmseq", "unplaced: no VMA known" },
	{ "spf-mmseq", "no VMA" },
};

#define NUNPLACED (sizeof(unplaced_entries) / sizeof(unplaced_entries[0]))

static size_t check_unplaced(const char *name, const struct fl_cause *t, size_t n)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++) {
		bool listed = false;

		for (size_t k = 0; k < NUNPLACED; k++)
			listed |= !strcmp(unplaced_entries[k].table, name) &&
				  !strcmp(unplaced_entries[k].reason, t[i].reason);
		if (listed != !!(t[i].flags & FL_CAUSE_UNPLACED))
			fail_msg("%s: '%s' %s FL_CAUSE_UNPLACED", name, t[i].reason,
				 listed ? "lacks" : "has");
		found += listed;
	}
	return found;
}

static void unplaced_exactly_on_unplaced_entries(void **state)
{
	size_t found;

	(void)state;
	found = check_unplaced("engine", fl_engine_causes, fl_engine_ncauses);
	for (size_t i = 0; fl_strategies[i]; i++)
		found += check_unplaced(fl_strategies[i]->name, fl_strategies[i]->causes,
					fl_strategies[i]->ncauses);
	assert_int_equal(found, NUNPLACED);	/* no listed entry gone from its table */
}

/* ---- the counters against README-strategies.md ------------------------- */

static char *read_file(const char *rel)
{
	char path[4096];
	FILE *f = fopen(top_path(rel, path, sizeof(path)), "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The section "## NAME" of the README, up to the next "## " heading. */
static const char *section(const char *doc, const char *name, size_t *len)
{
	char head[64];
	const char *s, *end;

	snprintf(head, sizeof(head), "\n## %s\n", name);
	s = strstr(doc, head);
	if (!s)
		fail_msg("README-strategies.md has no section '## %s'", name);
	s += strlen(head);
	end = strstr(s, "\n## ");
	*len = end ? (size_t)(end - s) : strlen(s);
	return s;
}

static bool mentions(const char *s, size_t len, const char *word)
{
	char quoted[96];
	size_t q = (size_t)snprintf(quoted, sizeof(quoted), "`%s`", word);

	for (size_t i = 0; i + q <= len; i++)
		if (!memcmp(s + i, quoted, q))
			return true;
	return false;
}

static void counters_as_documented(void **state)
{
	char *doc = read_file("replay/README-strategies.md");

	(void)state;
	for (size_t i = 0; fl_strategies[i]; i++) {
		const struct fl_strategy *s = fl_strategies[i];
		size_t len;
		const char *sec = section(doc, s->name, &len);

		for (size_t k = 0; k < s->ncauses; k++) {
			const char *counter = s->causes[k].counter;

			if (counter[0] && !mentions(sec, len, counter))
				fail_msg("%s: counter `%s` (reason '%s') is not in its section of "
					 "README-strategies.md", s->name, counter, s->causes[k].reason);
		}
	}
	free(doc);
}

/* ---- every outcome on the bundled traces -------------------------------- */

#define MAX_TEST_RUNS 32
/* A cause's slot in check.by_code: its code, the engine's after the
 * strategies' (every table has fewer entries than this). */
#define CODE_SLOTS 128
#define ENGINE_SLOT 100

struct check {
	struct fl_engine *e;
	struct fl_engine_run runs[MAX_TEST_RUNS];
	size_t nruns;
	uint64_t outcomes, engine_outcomes;
	const char *trace;
	/* When the replay is stored: the store, the trace's and each run's
	 * ids, and each run's outcomes by their cause's code. */
	struct fl_store *st;
	int64_t trace_id, run_ids[MAX_TEST_RUNS];
	uint64_t by_code[MAX_TEST_RUNS][CODE_SLOTS];
};

static size_t code_slot(unsigned code)
{
	size_t slot = code >= FL_CAUSE_ENGINE_BASE ? ENGINE_SLOT + code - FL_CAUSE_ENGINE_BASE : code;

	assert_true(slot < CODE_SLOTS && (code >= FL_CAUSE_ENGINE_BASE || code < ENGINE_SLOT));
	return slot;
}

static int on_outcome(void *ctx, size_t run, const struct fl_fault_view *v,
		      const struct fl_outcome *o)
{
	struct check *k = ctx;
	const struct fl_strategy *s = k->runs[run].strategy;

	if (!fl_cause_of(s, o->cause))
		fail_msg("%s: %s %s: fault %llu has a cause (%s, %s) from no table", k->trace,
			 s->name, k->runs[run].cfg.profile ? k->runs[run].cfg.profile : "",
			 (unsigned long long)v->fault_id, fl_outcome_counter(o),
			 fl_outcome_reason(o));
	for (size_t i = 0; i < fl_engine_ncauses; i++)
		k->engine_outcomes += o->cause == &fl_engine_causes[i];
	/* A strategy marks unplaced only what the engine did not place, and
	 * every fault in a layout it knew nothing of. */
	if (fl_cause_of(s, o->cause) && (o->cause->flags & FL_CAUSE_UNPLACED) &&
	    v->place != FL_PLACE_UNKNOWN && v->place != FL_PLACE_INFERRED &&
	    v->place != FL_PLACE_NO_VMA)
		fail_msg("%s: %s: fault %llu placed (%s) has the unplaced cause '%s'", k->trace,
			 s->name, (unsigned long long)v->fault_id, fl_place_name(v->place),
			 o->cause->reason);
	if (v->place == FL_PLACE_UNKNOWN && o->cause->code < FL_CAUSE_ENGINE_BASE &&
	    !(o->cause->flags & FL_CAUSE_UNPLACED))
		fail_msg("%s: %s: fault %llu in an unknown layout has the cause '%s', not unplaced",
			 k->trace, s->name, (unsigned long long)v->fault_id, o->cause->reason);
	k->outcomes++;
	if (k->st) {
		k->by_code[run][code_slot(o->cause->code)]++;
		return fl_store_outcome(k->st, k->run_ids[run], v, o);
	}
	return 0;
}

static int on_fault(void *ctx, const struct fl_fault_view *v, const struct fl_gt_result *gt)
{
	struct check *k = ctx;

	return k->st ? fl_store_fault(k->st, k->trace_id, v, gt) : 0;
}

static int on_writer(void *ctx, const struct fl_writer *w)
{
	struct check *k = ctx;

	return k->st ? fl_store_writer(k->st, k->trace_id, w) : 0;
}

static int on_begin(void *ctx, const struct fl_trace_meta *meta)
{
	struct check *k = ctx;
	struct fl_err err = { 0 };

	if (k->st) {
		if (fl_store_trace_begin(k->st, k->trace, meta, &k->trace_id, &err) < 0)
			fail_msg("%s: %s", k->trace, err.msg);
		for (size_t i = 0; i < k->nruns; i++) {
			const struct fl_engine_run *run = &k->runs[i];

			if (fl_store_run_begin(k->st, k->trace_id, run->strategy->name,
					       run->cfg.profile ? run->cfg.profile : "", "{}", 0,
					       &k->run_ids[i], &err) < 0)
				fail_msg("%s: %s", k->trace, err.msg);
		}
	}
	return fl_engine_begin(k->e, meta);
}

static int on_event(void *ctx, const struct fl_event *ev)
{
	struct check *k = ctx;

	return fl_engine_event(k->e, ev);
}

static int on_mm_enter(void *ctx, const struct fl_event *ev)
{
	struct check *k = ctx;

	return fl_engine_mm_enter(k->e, ev);
}

static void add_run(struct check *k, const struct fl_strategy *s, const char *profile)
{
	struct fl_engine_run *run = &k->runs[k->nruns++];
	struct fl_err err = { 0 };

	assert_true(k->nruns <= MAX_TEST_RUNS);
	memset(run, 0, sizeof(*run));
	run->strategy = s;
	run->cfg.profile = profile;
	if (profile && fl_profile_parse(profile, &run->cfg.kver) < 0)
		run->cfg.kver = 0;	/* a series version (spf), not a kernel's */
	for (size_t i = 0; s->knobs && s->knobs[i].key; i++)
		run->cfg.knob[i] = s->knobs[i].def;
	run->state = calloc(1, s->state_size);
	assert_non_null(run->state);
	if (s->init(run->state, &run->cfg, &err) < 0)
		fail_msg("%s %s: %s", s->name, profile ? profile : "", err.msg);
}

/* The stored replay's causes (outcome_causes): each row the entry of its
 * run's strategy's table, or the engine's, that its code names, with that
 * entry's counter, reason, description and unplaced flag; and each run's
 * outcomes counted by their cause's code as the engine gave them. */
static void check_stored_causes(struct check *k, const char *db_path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t rows = 0;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT r.strategy, c.code, c.counter, c.reason,"
						" c.description, c.unplaced FROM outcome_causes c"
						" JOIN runs r USING (run_id)", -1, &s, NULL),
			 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const struct fl_strategy *strat = fl_strategy_find((const char *)sqlite3_column_text(s, 0));
		unsigned code = (unsigned)sqlite3_column_int(s, 1);
		const struct fl_cause *t = code >= FL_CAUSE_ENGINE_BASE ? fl_engine_causes
					   : strat->causes;
		size_t n = code >= FL_CAUSE_ENGINE_BASE ? fl_engine_ncauses : strat->ncauses, i;

		for (i = 0; i < n && t[i].code != code; i++)
			;
		if (i == n)
			fail_msg("%s: %s: stored code %u is in no table", k->trace, strat->name, code);
		assert_string_equal((const char *)sqlite3_column_text(s, 2), t[i].counter);
		assert_string_equal((const char *)sqlite3_column_text(s, 3), t[i].reason);
		assert_string_equal((const char *)sqlite3_column_text(s, 4), t[i].description);
		assert_int_equal(sqlite3_column_int(s, 5), !!(t[i].flags & FL_CAUSE_UNPLACED));
		rows++;
	}
	sqlite3_finalize(s);
	assert_true(rows > 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT c.code, count(*) FROM outcome_rows o"
						" JOIN outcome_causes c ON c.run_id = o.run_id"
						" AND c.cause_id = o.cause_id WHERE o.run_id = ?1"
						" GROUP BY c.code", -1, &s, NULL), SQLITE_OK);
	for (size_t r = 0; r < k->nruns; r++) {
		uint64_t got[CODE_SLOTS] = { 0 };

		sqlite3_bind_int64(s, 1, fl_store_run_id(k->st, k->run_ids[r]));
		while (sqlite3_step(s) == SQLITE_ROW)
			got[code_slot((unsigned)sqlite3_column_int(s, 0))] =
				(uint64_t)sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		for (size_t c = 0; c < CODE_SLOTS; c++)
			if (got[c] != k->by_code[r][c])
				fail_msg("%s: %s: %llu outcomes stored with code slot %zu, %llu given",
					 k->trace, k->runs[r].strategy->name,
					 (unsigned long long)got[c], c,
					 (unsigned long long)k->by_code[r][c]);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* Every strategy under each of its profiles over one trace; arch: a
 * what-if arch (NULL: the trace's).  ppc64's 64 KiB pages absorb faults,
 * which gives the engine's causes, and its fault handler spf's own.
 * store: the replay is stored too, as faultline replay stores it, and its
 * causes checked. */
static void replay_trace(const char *rel, const char *arch, bool store)
{
	struct fl_engine_sink sink = { .outcome = on_outcome, .fault = on_fault,
				       .writer = on_writer };
	char dir[] = "/tmp/fl-causes-XXXXXX", db_path[64];
	struct fl_ingest_ops ops = { .begin = on_begin, .event = on_event, .mm_enter = on_mm_enter };
	struct fl_ingest_result res;
	struct fl_err err = { 0 };
	struct check k;
	char path[4096];

	memset(&k, 0, sizeof(k));
	k.trace = rel;
	if (store) {
		assert_non_null(mkdtemp(dir));
		snprintf(db_path, sizeof(db_path), "%s/c.db", dir);
		if (fl_store_open(db_path, &k.st, &err) < 0 || fl_store_begin(k.st, &err) < 0)
			fail_msg("%s: %s", db_path, err.msg);
	}
	for (size_t i = 0; fl_strategies[i]; i++) {
		const struct fl_strategy *s = fl_strategies[i];

		if (!s->profiles)
			add_run(&k, s, NULL);
		for (size_t p = 0; s->profiles && s->profiles[p]; p++)
			add_run(&k, s, s->profiles[p]);
	}
	sink.ctx = &k;
	k.e = fl_engine_new(k.runs, k.nruns, &sink);
	assert_non_null(k.e);
	if (arch)
		assert_int_equal(fl_engine_what_if(k.e, arch, 0, NULL), 0);
	if (fl_ingest(top_path(rel, path, sizeof(path)), &ops, &k, &res, &err) < 0)
		fail_msg("%s: %s", rel, err.msg[0] ? err.msg : fl_engine_err(k.e)->msg);
	if (fl_engine_finish(k.e) < 0)
		fail_msg("%s: %s", rel, fl_engine_err(k.e)->msg);
	assert_true(k.outcomes > 0);
	assert_int_equal(k.outcomes, fl_engine_stats(k.e)->faults * k.nruns);
	if (arch)
		assert_true(k.engine_outcomes > 0);
	if (store) {
		for (size_t i = 0; i < k.nruns; i++)
			if (fl_store_run_end(k.st, k.run_ids[i], &k.runs[i], 0, &err) < 0)
				fail_msg("%s: %s", rel, err.msg);
		if (fl_store_trace_end(k.st, &k.trace_id, &res, false, false, &err) < 0 ||
		    fl_store_commit(k.st, &err) < 0)
			fail_msg("%s: %s", rel, err.msg);
		check_stored_causes(&k, db_path);
		fl_store_close(k.st);
		unlink(db_path);
		rmdir(dir);
	}
	fl_ingest_result_free(&res);
	fl_engine_free(k.e);
	for (size_t i = 0; i < k.nruns; i++) {
		k.runs[i].strategy->fini(k.runs[i].state);
		free(k.runs[i].state);
	}
}

static void bundled_fl_mmchurn(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/fl-mmchurn", NULL, false);
}

static void bundled_fl_node_gc(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/fl-node-gc", NULL, false);
}

static void bundled_fl_proctree(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/fl-proctree", NULL, false);
}

static void bundled_mmchurn(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/mmchurn", NULL, true);
}

static void bundled_node_gc(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/node-gc", NULL, false);
}

static void bundled_mmchurn_ppc64(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/mmchurn", "ppc64", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_well_formed),
		cmocka_unit_test(unplaced_exactly_on_unplaced_entries),
		cmocka_unit_test(counters_as_documented),
		cmocka_unit_test(bundled_fl_mmchurn),
		cmocka_unit_test(bundled_fl_node_gc),
		cmocka_unit_test(bundled_fl_proctree),
		cmocka_unit_test(bundled_mmchurn),
		cmocka_unit_test(bundled_node_gc),
		cmocka_unit_test(bundled_mmchurn_ppc64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
