/* Fuzz target: the replay engine fed arbitrary normalised-event sequences.
 *
 * The input is read as fixed-size records, each one event: its kind, a
 * time step (which may go backwards or jump to near 2^64), a pid and tid
 * from a small set (so threads meet) or from anywhere, and the kind's
 * fields taken raw (addresses, lengths, counts, return values of any
 * size).  Every strategy runs over the same events, with the delay model,
 * as `faultline replay -s all` does; the sink only counts.  The engine
 * must never crash, trip a sanitizer, or loop on a value from the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "strategy.h"

#define REC 64

struct cursor {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct cursor *c, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes && c->n; i++, c->p++, c->n--)
		v |= (uint64_t)*c->p << (8 * i);
	return v;
}

static int32_t pick_id(uint8_t sel, uint32_t raw)
{
	/* Mostly a few known ids, so that faults, calls and locks meet. */
	switch (sel & 7) {
	case 0: return -1;
	case 1: return (int32_t)raw;
	default: return 100 + (sel & 3);
	}
}

static int sink_writer(void *ctx, const struct fl_writer *w)
{
	(void)w;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int sink_fault(void *ctx, const struct fl_fault_view *v, const struct fl_gt_result *gt)
{
	(void)v;
	(void)gt;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int sink_outcome(void *ctx, size_t run, const struct fl_fault_view *v,
			const struct fl_outcome *o)
{
	(void)run;
	(void)v;
	(void)o;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void decode(struct cursor *c, struct fl_event *ev, bool *enter, uint64_t *t)
{
	uint8_t kind = (uint8_t)take(c, 1), ids = (uint8_t)take(c, 1);
	int64_t step = (int64_t)(int16_t)take(c, 2);
	uint8_t big = (uint8_t)take(c, 1);

	memset(ev, 0, sizeof(*ev));
	ev->kind = (enum fl_ev_kind)(kind % FL_EV__COUNT);
	*enter = (kind & 0x80) && ev->kind == FL_EV_MM_CALL;
	/* Time: small steps either way; sometimes a jump anywhere. */
	if (big == 0xff)
		*t = take(c, 8);
	else
		*t += (uint64_t)(step * 1000);
	ev->t = *t;
	ev->pid = pick_id(ids, (uint32_t)take(c, 4));
	ev->tid = pick_id(ids >> 3, (uint32_t)take(c, 4));
	if (ev->pid >= 0 && ev->tid < 0 && (ids & 0x40))
		ev->tid = ev->pid;
	ev->cpu = (int32_t)(int8_t)take(c, 1);

	switch (ev->kind) {
	case FL_EV_FAULT: {
		uint64_t addr = take(c, 8), code = take(c, 2);

		if (!(big & 1))
			addr = 0x7f0000000000ull + (addr & 0xfffffff);
		fl_fault_from_x86_tracepoint(&ev->u.fault, addr, 0x401000, code);
		if (big & 2)
			ev->u.fault.source = FL_SRC_SW_EVENT;
		break;
	}
	case FL_EV_FAULT_END:
		ev->u.fault_end.major = take(c, 1) & 1;
		break;
	case FL_EV_MM_CALL: {
		struct fl_mm_call *m = &ev->u.mm_call;
		uint8_t flags = (uint8_t)take(c, 1);

		m->kind = (enum fl_mm_kind)(flags % FL_MM__COUNT);
		m->has_enter = flags & 0x10;
		m->has_exit = !*enter && (flags & 0x20);
		m->t_enter = (flags & 0x40) ? take(c, 8) : ev->t - (take(c, 2) * 100);
		m->t_exit = ev->t;
		for (int i = 0; i < 6; i++)
			m->args[i] = (flags & 0x80) ? take(c, 8)
				     : i == 0 ? 0x7f0000000000ull + (take(c, 3) << 12)
					      : take(c, 3) << (i == 1 ? 12 : 0);
		m->ret = (flags & 0x08) ? (int64_t)take(c, 8) : (int64_t)m->args[0];
		break;
	}
	case FL_EV_MMAP_LOCK: {
		uint8_t b = (uint8_t)take(c, 1);

		ev->u.lock.phase = (enum fl_lock_phase)(b % FL_LOCK__COUNT);
		ev->u.lock.write = b & 0x10;
		ev->u.lock.success = !(b & 0x20);
		ev->u.lock.mm = (b & 0x40) ? take(c, 8) : 0xffff888000000000ull;
		break;
	}
	case FL_EV_VMA_SNAPSHOT: {
		uint64_t start = (big & 1) ? take(c, 8) : 0x7f0000000000ull + (take(c, 3) << 12);

		ev->u.vma.start = start;
		ev->u.vma.end = (big & 2) ? take(c, 8) : start + (take(c, 2) << 12);
		ev->u.vma.end_known = big & 4;
		ev->u.vma.pgoff = take(c, 4);
		memcpy(ev->u.vma.path, (big & 8) ? "/lib/libc.so.6" : "", (big & 8) ? 15 : 1);
		break;
	}
	case FL_EV_TASK: {
		uint8_t b = (uint8_t)take(c, 1);

		ev->u.task.kind = (enum fl_task_kind)(b % FL_TASK__COUNT);
		ev->u.task.child_pid = pick_id((uint8_t)take(c, 1), (uint32_t)take(c, 4));
		ev->u.task.child_tid = pick_id((uint8_t)take(c, 1), (uint32_t)take(c, 4));
		ev->u.task.clone_vm_known = b & 0x10;
		ev->u.task.clone_vm = b & 0x20;
		memcpy(ev->u.task.comm, "fuzz", 5);
		break;
	}
	case FL_EV_LOST:
		ev->u.lost.count = take(c, 8);
		ev->u.lost.packets = big & 1;
		ev->u.lost.t_begin = take(c, 8);
		ev->u.lost.t_end = ev->t;
		break;
	case FL_EV_SCHED:
		ev->u.sched.kind = (enum fl_sched_kind)(take(c, 1) % FL_SCHED__COUNT);
		ev->u.sched.other = pick_id((uint8_t)take(c, 1), (uint32_t)take(c, 4));
		ev->u.sched.prev_state = (uint32_t)take(c, 4);
		break;
	case FL_EV_READAHEAD:
		ev->u.ra.async = big & 1;
		ev->u.ra.ino = take(c, 8);
		ev->u.ra.index = take(c, 8);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fl_trace_meta metas[] = {
		{ .path = "fuzz", .tracer = "fuzz", .release = "6.18.0", .arch = "x86_64",
		  .page_size = 4096 },
		{ .path = "fuzz", .tracer = "fuzz", .release = "6.12.0", .arch = "ppc64le",
		  .page_size = 65536, .mmu = "hash" },
		{ .path = "fuzz", .tracer = "fuzz", .release = "6.6.0", .arch = "ppc64le",
		  .page_size = 65536, .mmu = "radix" },
		{ .path = "fuzz", .tracer = "fuzz", .release = "", .arch = "", .page_size = 0 },
	};
	struct fl_engine_run runs[8];
	size_t nruns = 0;
	uint64_t count = 0, t = 1000000;
	struct cursor c = { data, size };
	struct fl_engine_sink sink = { .ctx = &count, .writer = sink_writer, .fault = sink_fault,
				       .outcome = sink_outcome };
	struct fl_engine *e;
	uint8_t head;

	if (size < 1)
		return 0;
	head = (uint8_t)take(&c, 1);
	memset(runs, 0, sizeof(runs));
	for (size_t i = 0; fl_strategies[i] && nruns < 8; i++) {
		const struct fl_strategy *s = fl_strategies[i];
		struct fl_engine_run *run = &runs[nruns];
		struct fl_err err = { 0 };

		run->strategy = s;
		run->cfg.profile = s->profiles ? s->profiles[0] : NULL;
		if (run->cfg.profile && fl_profile_parse(run->cfg.profile, &run->cfg.kver) < 0)
			run->cfg.kver = 0;
		run->cfg.seed = head;
		for (int k = 0; s->knobs && s->knobs[k].key; k++)
			run->cfg.knob[k] = s->knobs[k].def;
		run->state = s->state_size ? calloc(1, s->state_size) : NULL;
		if (s->init && s->init(run->state, &run->cfg, &err) < 0) {
			free(run->state);
			continue;
		}
		nruns++;
	}
	e = fl_engine_new(runs, nruns, &sink);
	if (e) {
		int rc = fl_engine_begin(e, &metas[head % 4]);

		while (rc >= 0 && c.n >= 8) {
			struct fl_event ev;
			bool enter;

			decode(&c, &ev, &enter, &t);
			rc = enter ? fl_engine_mm_enter(e, &ev) : fl_engine_event(e, &ev);
		}
		if (rc >= 0 && fl_engine_finish(e) >= 0) {
			/* What replay prints and stores per thread. */
			for (size_t i = 0; i < nruns; i++) {
				size_t n;
				struct fl_delay_thread **v = fl_delay_sorted(&runs[i].delay, &n);

				for (size_t k = 0; v && k < n; k++)
					count += fl_delay_run_pred(v[k]) + fl_delay_run_traced(v[k]);
				free(v);
			}
		}
		fl_engine_free(e);
	}
	for (size_t i = 0; i < nruns; i++) {
		if (runs[i].strategy->fini)
			runs[i].strategy->fini(runs[i].state);
		free(runs[i].state);
	}
	return 0;
}
