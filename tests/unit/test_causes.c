/* The strategies' cause tables (cause.h): each one well formed, its
 * counters the kernel's names as README-strategies.md lists them, and
 * every outcome of every strategy on the bundled traces an entry of its
 * strategy's table or of the engine's. */
#include "unit.h"

#include <stdio.h>

#include "engine.h"
#include "mm_ops.h"
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

struct check {
	struct fl_engine *e;
	struct fl_engine_run runs[MAX_TEST_RUNS];
	size_t nruns;
	uint64_t outcomes, engine_outcomes;
	const char *trace;
};

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
	k->outcomes++;
	return 0;
}

static int on_begin(void *ctx, const struct fl_trace_meta *meta)
{
	struct check *k = ctx;

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

/* Every strategy under each of its profiles over one trace; arch: a
 * what-if arch (NULL: the trace's).  ppc64's 64 KiB pages absorb faults,
 * which gives the engine's causes, and its fault handler spf's own. */
static void replay_trace(const char *rel, const char *arch)
{
	struct fl_engine_sink sink = { .outcome = on_outcome };
	struct fl_ingest_ops ops = { .begin = on_begin, .event = on_event, .mm_enter = on_mm_enter };
	struct fl_ingest_result res;
	struct fl_err err = { 0 };
	struct check k;
	char path[4096];

	memset(&k, 0, sizeof(k));
	k.trace = rel;
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
	replay_trace("traces/x86_64/fl-mmchurn", NULL);
}

static void bundled_fl_node_gc(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/fl-node-gc", NULL);
}

static void bundled_fl_proctree(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/fl-proctree", NULL);
}

static void bundled_mmchurn(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/mmchurn", NULL);
}

static void bundled_node_gc(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/node-gc", NULL);
}

static void bundled_mmchurn_ppc64(void **state)
{
	(void)state;
	replay_trace("traces/x86_64/mmchurn", "ppc64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_well_formed),
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
