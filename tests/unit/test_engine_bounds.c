/* The engine on values no real trace holds: a timestamp past 2^62 ns is
 * refused with an error naming the event, before any arithmetic on it. */
#include "unit.h"

#include <string.h>

#include "engine.h"

extern const struct fl_strategy fl_strategy_pervma;

static int count_outcome(void *ctx, size_t run, const struct fl_fault_view *v,
			 const struct fl_outcome *o)
{
	(void)run;
	(void)v;
	(void)o;
	(*(int *)ctx)++;
	return 0;
}

static void refuse(enum fl_ev_kind kind, uint64_t t, uint64_t t_enter, bool enter)
{
	static const struct fl_trace_meta meta = {
		.path = "test", .tracer = "test", .release = "6.18.0", .arch = "x86_64",
		.page_size = 4096,
	};
	struct fl_engine_run run;
	struct fl_err err = { 0 };
	int n = 0;
	struct fl_engine_sink sink = { .ctx = &n, .outcome = count_outcome };
	struct fl_engine *e;
	struct fl_event ev;

	memset(&run, 0, sizeof(run));
	run.strategy = &fl_strategy_pervma;
	run.cfg.profile = "6.15+";
	assert_int_equal(fl_profile_parse(run.cfg.profile, &run.cfg.kver), 0);
	for (size_t i = 0; run.strategy->knobs && run.strategy->knobs[i].key; i++)
		run.cfg.knob[i] = run.strategy->knobs[i].def;
	run.state = calloc(1, run.strategy->state_size);
	assert_non_null(run.state);
	assert_int_equal(run.strategy->init(run.state, &run.cfg, &err), 0);
	e = fl_engine_new(&run, 1, &sink);
	assert_non_null(e);
	assert_int_equal(fl_engine_begin(e, &meta), 0);

	memset(&ev, 0, sizeof(ev));
	ev.kind = FL_EV_TASK;
	ev.t = 1000;
	ev.pid = ev.tid = 100;
	ev.u.task.kind = FL_TASK_COMM;
	assert_int_equal(fl_engine_event(e, &ev), 0);

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.t = t;
	ev.pid = ev.tid = 100;
	if (kind == FL_EV_MM_CALL) {
		ev.u.mm_call.kind = FL_MM_MUNMAP;
		ev.u.mm_call.has_enter = true;
		ev.u.mm_call.t_enter = t_enter;
		ev.u.mm_call.t_exit = t;
		ev.u.mm_call.args[0] = 0x7f0000000000ull;
		ev.u.mm_call.args[1] = 4096;
	} else if (kind == FL_EV_FAULT) {
		fl_fault_from_x86_tracepoint(&ev.u.fault, 0x7f0000000000ull, 0x401000, 6);
	}
	assert_true((enter ? fl_engine_mm_enter(e, &ev) : fl_engine_event(e, &ev)) < 0);
	assert_non_null(strstr(fl_engine_err(e)->msg, "event 2 ("));
	assert_non_null(strstr(fl_engine_err(e)->msg, "past 2^62 ns"));
	fl_engine_free(e);
	run.strategy->fini(run.state);
	free(run.state);
}

static void fault_past_2_62(void **state)
{
	(void)state;
	refuse(FL_EV_FAULT, UINT64_MAX - 10, 0, false);
}

static void mm_call_entry_past_2_62(void **state)
{
	(void)state;
	refuse(FL_EV_MM_CALL, 2000, UINT64_C(1) << 63, false);
	refuse(FL_EV_MM_CALL, UINT64_C(1) << 62, 0, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fault_past_2_62),
		cmocka_unit_test(mm_call_entry_past_2_62),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
