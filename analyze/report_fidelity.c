/* report --fidelity: a run's predicted fallbacks against the kernel's
 * answer (fidelity.h computes, this prints): TP/FP/FN/TN, precision and
 * recall, per reason, per kernel detail, the confusion, and the
 * disagreeing faults with their writer; as text or JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fidelity.h"
#include "fidelity_time.h"
#include "fl_escape.h"
#include "fl_fmt.h"
#include "fl_json.h"
#include "losses.h"
#include "report.h"

/* How the text prints times: seconds since the trace's first event
 * (traces.t_first), or the time of day (--abs-time); JSON holds ns since
 * the first event either way. */
static struct fl_time_fmt time_fmt;

/* Trace-clock ns in time_fmt's convention: 1.000000567. */
static const char *fmt_time(char *buf, size_t len, int64_t ns)
{
	return fl_fmt_at(buf, len, &time_fmt, ns);
}

/* Trace-clock ns as ns since the trace's first event, for JSON; wrapping,
 * not undefined, on a damaged store's extreme values. */
static int64_t rel_ns(int64_t ns)
{
	return (int64_t)((uint64_t)ns - (uint64_t)time_fmt.t_first);
}

static void json_ratio(struct fl_json *j, const char *key, uint64_t num, uint64_t den)
{
	double r;

	if (fl_ratio(num, den, &r))
		fl_json_double(j, key, r);
	else
		fl_json_null(j, key);
}

static void json_hex(struct fl_json *j, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	fl_json_str(j, key, buf);
}

static void json_opt_i64(struct fl_json *j, const char *key, bool has, int64_t v)
{
	if (has)
		fl_json_i64(j, key, v);
	else
		fl_json_null(j, key);
}

static int width(const char *s, int min)
{
	int n = (int)strlen(s);

	return n > min ? n : min;
}

static void print_writer_text(const struct fl_fid_miss *m)
{
	const struct fl_fid_writer *w = &m->writer;
	char a[32], b[32];

	if (!w->present) {
		printf("    writer    none of pid %" PRId64 " within 1 ms of the fault\n", m->pid);
		return;
	}
	if (!w->call) {
		printf("    writer    #%" PRId64 " (named by the replay, missing from writers)\n",
		       w->writer_id);
		return;
	}
	if (w->linked)
		printf("    writer    #%" PRId64 " %s by tid %" PRId64 ", named by the replay\n",
		       w->writer_id, w->call, w->tid);
	else
		printf("    writer    #%" PRId64 " %s by tid %" PRId64 ", nearest of pid %" PRId64
		       " (none named)\n", w->writer_id, w->call, w->tid, w->pid);
	if (w->has_acquired && w->has_released)
		printf("              lock %s..%s", fmt_time(a, sizeof(a), w->t_lock_acquired),
		       fmt_time(b, sizeof(b), w->t_lock_released));
	else if (w->has_enter && w->has_exit)
		printf("              syscall %s..%s", fmt_time(a, sizeof(a), w->t_enter),
		       fmt_time(b, sizeof(b), w->t_exit));
	else
		printf("              window partly outside the trace");
	if (w->gap == 0)
		printf(", overlaps the fault\n");
	else
		printf(", %s %.3f us %s\n", w->gap < 0 ? "ended" : "began",
		       (double)(w->gap < 0 ? -w->gap : w->gap) / 1e3,
		       w->gap < 0 ? "before" : "after its end");
}

/* state: the run's live mark (report_run_state()), "" for a whole run. */
static void print_fidelity_text(const struct fl_fidelity *f, const struct fl_fid_time *bt,
				const struct fl_loss_summary *ls, const char *state)
{
	uint64_t pred = f->tp + f->fp, truth = f->tp + f->fn;
	int wr = 6, wd = 6, wc = 7, wcr = 6;
	char p1[16], p2[16], t[32], epath[8192], ecomm[80];

	printf("fidelity of run %" PRId64 "%s%s%s (%s%s%s) against the kernel's answer\n", f->run_id,
	       state[0] ? " [" : "", state, state[0] ? "]" : "", f->strategy,
	       f->profile[0] ? ", profile " : "", f->profile);
	printf("  trace:     %s (trace %" PRId64 ")\n", fl_escape(f->trace_path, epath, sizeof(epath)),
	       f->trace_id);
	printf("  times:     %s\n", !time_fmt.abs ? "s since the trace's first event" :
				 "time of day of the trace's clock (babeltrace2's form)");
	printf("  faults:    %" PRIu64 " in the trace, %" PRIu64 " compared\n", f->trace_faults,
	       f->compared);
	printf("  excluded:  %" PRIu64 " with ground truth unknown", f->excluded_unknown);
	if (f->excluded_no_outcome)
		printf(", %" PRIu64 " with no outcome in the run", f->excluded_no_outcome);
	printf("\n");
	if (f->fallbacks_in_untraced)
		printf("  untraced:  %" PRIu64 " of the kernel's fallbacks came during write holds with "
		       "no traced mm call\n             (mbind(), mseal(), prctl(PR_SET_VMA)...): which "
		       "VMAs those locked is not in the trace\n", f->fallbacks_in_untraced);
	/* Before any number: what the trace lost, and what is left out. */
	if (ls->lossy)
		fl_losses_print(stdout, "", ls, &time_fmt);

	printf("\n  %-21s  %15s  %15s\n", "", "kernel fallback", "kernel vma");
	printf("  %-21s  %4s%11" PRIu64 "  %4s%11" PRIu64 "\n", "predicted fallback", "TP",
	       f->tp, "FP", f->fp);
	printf("  %-21s  %4s%11" PRIu64 "  %4s%11" PRIu64 "\n", "predicted no fallback", "FN",
	       f->fn, "TN", f->tn);
	printf("\n  precision  %7s  %" PRIu64 " of %" PRIu64 " predicted fallbacks were true\n",
	       report_fmt_pct(p1, sizeof(p1), f->tp, pred), f->tp, pred);
	printf("  recall     %7s  %" PRIu64 " of %" PRIu64 " true fallbacks were predicted\n",
	       report_fmt_pct(p2, sizeof(p2), f->tp, truth), f->tp, truth);
	if (bt->have) {
		printf("\n");
		fl_fid_time_print(bt, "");
	}

	printf("\nprecision per predicted reason:\n");
	if (!f->nreasons)
		printf("  no predicted fallbacks\n");
	else {
		for (size_t i = 0; i < f->nreasons; i++)
			wr = width(f->reasons[i].reason, wr);
		printf("  %-*s  %9s  %9s  %9s  %9s\n", wr, "reason", "predicted", "true", "false",
		       "precision");
		for (size_t i = 0; i < f->nreasons; i++) {
			const struct fl_fid_reason *r = &f->reasons[i];

			printf("  %-*s  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "  %9s\n", wr,
			       r->reason[0] ? r->reason : "(none)", r->tp + r->fp, r->tp, r->fp,
			       report_fmt_pct(p1, sizeof(p1), r->tp, r->tp + r->fp));
		}
	}

	printf("\nrecall per kernel detail (faults.gt_detail of true fallbacks):\n");
	if (!f->ndetails)
		printf("  no true fallbacks\n");
	else {
		for (size_t i = 0; i < f->ndetails; i++)
			wd = width(f->details[i].detail, wd);
		printf("  %-*s  %9s  %9s  %9s  %9s\n", wd, "detail", "fallbacks", "predicted",
		       "missed", "recall");
		for (size_t i = 0; i < f->ndetails; i++) {
			const struct fl_fid_detail *d = &f->details[i];

			printf("  %-*s  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "  %9s\n", wd,
			       d->detail[0] ? d->detail : "(none)", d->tp + d->fn, d->tp, d->fn,
			       report_fmt_pct(p1, sizeof(p1), d->tp, d->tp + d->fn));
		}
	}

	printf("\nconfusion, predicted cause x kernel answer:\n");
	if (!f->ncells)
		printf("  no faults compared\n");
	else {
		for (size_t i = 0; i < f->ncells; i++) {
			wc = width(f->cells[i].counter, wc);
			wcr = width(f->cells[i].reason, wcr);
		}
		printf("  %-*s  %-*s  %9s  %9s  %9s\n", wc, "counter", wcr, "reason", "pred. fb",
		       "kern. vma", "kern. fb");
		for (size_t i = 0; i < f->ncells; i++) {
			const struct fl_fid_cell *c = &f->cells[i];

			printf("  %-*s  %-*s  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "\n", wc,
			       c->counter[0] ? c->counter : "-", wcr,
			       c->reason[0] ? c->reason : "(none)", c->predicted_fallback, c->gt_vma,
			       c->gt_fallback);
		}
	}

	printf("\ndisagreements: %" PRIu64 " (%" PRIu64 " FP: predicted a fallback the kernel did "
	       "not take;\n  %" PRIu64 " FN: missed a fallback the kernel took)", f->misses_total,
	       f->fp, f->fn);
	if (f->nmisses < f->misses_total)
		printf(", the first %zu shown\n  (--limit 0 shows all)", f->nmisses);
	printf("\n");
	for (size_t i = 0; i < f->nmisses; i++) {
		const struct fl_fid_miss *m = &f->misses[i];

		printf("\n  fault %" PRId64 ": %s, t %s, tid %" PRId64 " (%s) of pid %" PRId64 "\n",
		       m->fault_id, m->false_positive ? "FP" : "FN", fmt_time(t, sizeof(t), m->t),
		       m->tid, m->comm[0] ? fl_escape(m->comm, ecomm, sizeof(ecomm)) : "?", m->pid);
		printf("    address   0x%" PRIx64 " %s\n", m->address, m->access);
		if (m->has_vma)
			printf("    VMA       0x%" PRIx64 "-0x%" PRIx64 " %s\n", m->vma_start,
			       m->vma_end, m->vma_kind[0] ? m->vma_kind : "(kind unknown)");
		else
			printf("    VMA       not placed\n");
		printf("    predicted %s / %s (path %s)\n", m->counter[0] ? m->counter : "no attempt",
		       m->reason[0] ? m->reason : "(none)", m->path);
		printf("    kernel    %s%s%s\n", m->gt, m->gt_detail[0] ? " / " : "", m->gt_detail);
		print_writer_text(m);
	}
}

/* The keys of a row of by_reason (predicted fallbacks: true or false) or
 * by_gt_detail (true fallbacks: predicted or missed). */
struct split_keys {
	const char *name, *total, *hit, *miss, *ratio;
};
static const struct split_keys reason_keys = { "reason", "predicted", "tp", "fp", "precision" };
static const struct split_keys detail_keys = { "gt_detail", "fallbacks", "tp", "fn", "recall" };

/* One such row: name, hit + miss, hit, miss and hit's share. */
static void json_split(struct fl_json *j, const struct split_keys *k, const char *name,
		       uint64_t hit, uint64_t miss)
{
	fl_json_obj_begin(j, NULL);
	fl_json_str(j, k->name, name);
	fl_json_u64(j, k->total, hit + miss);
	fl_json_u64(j, k->hit, hit);
	fl_json_u64(j, k->miss, miss);
	json_ratio(j, k->ratio, hit, hit + miss);
	fl_json_obj_end(j);
}

/* The disagreeing faults, each with its writer. */
static void json_misses(struct fl_json *j, const struct fl_fidelity *f)
{
	fl_json_u64(j, "disagreements_total", f->misses_total);
	fl_json_arr_begin(j, "disagreements");
	for (size_t i = 0; i < f->nmisses; i++) {
		const struct fl_fid_miss *m = &f->misses[i];
		const struct fl_fid_writer *w = &m->writer;

		fl_json_obj_begin(j, NULL);
		fl_json_i64(j, "fault_id", m->fault_id);
		fl_json_str(j, "kind", m->false_positive ? "FP" : "FN");
		fl_json_i64(j, "t_ns", rel_ns(m->t));
		fl_json_i64(j, "tid", m->tid);
		fl_json_i64(j, "pid", m->pid);
		fl_json_str(j, "comm", m->comm);
		json_hex(j, "address", m->address);
		fl_json_str(j, "access", m->access);
		if (m->has_vma) {
			json_hex(j, "vma_start", m->vma_start);
			json_hex(j, "vma_end", m->vma_end);
		} else {
			fl_json_null(j, "vma_start");
			fl_json_null(j, "vma_end");
		}
		fl_json_str(j, "vma_kind", m->vma_kind);
		fl_json_str(j, "path", m->path);
		fl_json_str(j, "counter", m->counter);
		fl_json_str(j, "reason", m->reason);
		fl_json_str(j, "gt", m->gt);
		fl_json_str(j, "gt_detail", m->gt_detail);
		if (!w->present) {
			fl_json_null(j, "writer");
		} else {
			fl_json_obj_begin(j, "writer");
			fl_json_i64(j, "writer_id", w->writer_id);
			fl_json_bool(j, "linked", w->linked);
			if (w->call) {
				fl_json_str(j, "call", w->call);
				fl_json_i64(j, "tid", w->tid);
				fl_json_i64(j, "pid", w->pid);
				json_opt_i64(j, "t_enter_ns", w->has_enter, rel_ns(w->t_enter));
				json_opt_i64(j, "t_exit_ns", w->has_exit, rel_ns(w->t_exit));
				json_opt_i64(j, "t_lock_acquired_ns", w->has_acquired,
					     rel_ns(w->t_lock_acquired));
				json_opt_i64(j, "t_lock_released_ns", w->has_released,
					     rel_ns(w->t_lock_released));
				fl_json_i64(j, "gap_ns", w->gap);
			} else {
				fl_json_null(j, "call");
			}
			fl_json_obj_end(j);
		}
		fl_json_obj_end(j);
	}
	fl_json_arr_end(j);
}

static void print_fidelity_json(const char *path, const struct fl_fidelity *f,
				const struct fl_fid_time *bt, const char *state)
{
	struct fl_json j;

	fl_json_init(&j, stdout);
	fl_json_obj_begin(&j, NULL);
	fl_json_str(&j, "database", path);
	fl_json_i64(&j, "run_id", f->run_id);
	fl_json_str(&j, "strategy", f->strategy);
	fl_json_str(&j, "profile", f->profile);
	fl_json_str(&j, "state", state[0] ? state : "complete");
	fl_json_i64(&j, "trace_id", f->trace_id);
	fl_json_str(&j, "trace", f->trace_path);
	/* The origin of every t_*_ns below, on the trace's clock. */
	fl_json_i64(&j, "t_first_ns", time_fmt.t_first);
	fl_json_u64(&j, "trace_faults", f->trace_faults);
	fl_json_u64(&j, "compared", f->compared);
	fl_json_u64(&j, "excluded_unknown", f->excluded_unknown);
	fl_json_u64(&j, "excluded_no_outcome", f->excluded_no_outcome);
	fl_json_u64(&j, "fallbacks_in_untraced_holds", f->fallbacks_in_untraced);
	fl_json_u64(&j, "tp", f->tp);
	fl_json_u64(&j, "fp", f->fp);
	fl_json_u64(&j, "fn", f->fn);
	fl_json_u64(&j, "tn", f->tn);
	json_ratio(&j, "precision", f->tp, f->tp + f->fp);
	json_ratio(&j, "recall", f->tp, f->tp + f->fn);
	if (bt->have) {
		fl_json_obj_begin(&j, "blocked");
		fl_json_u64(&j, "faults_recorded_ns", bt->faults_recorded);
		fl_json_u64(&j, "faults_predicted_ns", bt->faults_predicted);
		fl_json_u64(&j, "faults_after_loss_left_out", bt->after_loss);
		fl_json_u64(&j, "mm_calls_recorded_ns", bt->calls_recorded);
		fl_json_u64(&j, "mm_calls", bt->calls);
		fl_json_u64(&j, "threads_over_1ms", bt->threads);
		fl_json_double(&j, "thread_error_p50", bt->err_p50);
		fl_json_double(&j, "thread_error_p90", bt->err_p90);
		fl_json_double(&j, "thread_error_max", bt->err_max);
		fl_json_obj_end(&j);
	} else {
		fl_json_null(&j, "blocked");
	}

	fl_json_arr_begin(&j, "by_reason");
	for (size_t i = 0; i < f->nreasons; i++)
		json_split(&j, &reason_keys, f->reasons[i].reason, f->reasons[i].tp,
			   f->reasons[i].fp);
	fl_json_arr_end(&j);

	fl_json_arr_begin(&j, "by_gt_detail");
	for (size_t i = 0; i < f->ndetails; i++)
		json_split(&j, &detail_keys, f->details[i].detail, f->details[i].tp,
			   f->details[i].fn);
	fl_json_arr_end(&j);

	fl_json_arr_begin(&j, "confusion");
	for (size_t i = 0; i < f->ncells; i++) {
		const struct fl_fid_cell *c = &f->cells[i];

		fl_json_obj_begin(&j, NULL);
		fl_json_str(&j, "counter", c->counter);
		fl_json_str(&j, "reason", c->reason);
		fl_json_u64(&j, "predicted_fallback", c->predicted_fallback);
		fl_json_u64(&j, "gt_vma", c->gt_vma);
		fl_json_u64(&j, "gt_fallback", c->gt_fallback);
		fl_json_obj_end(&j);
	}
	fl_json_arr_end(&j);

	json_misses(&j, f);
	fl_json_obj_end(&j);
	fl_json_finish(&j);
}

int report_fidelity(sqlite3 *db, const char *path, int64_t run_id, size_t limit,
		    enum report_fmt fmt, bool abs_time, struct fl_err *err)
{
	struct fl_fidelity f;
	struct fl_fid_time bt;
	struct fl_loss_summary ls;
	char state[64];
	int rc;

	if (run_id <= 0) {
		rc = fl_fidelity_default_run(db, path, &run_id, err);
		if (rc < 0)
			return rc;
	}
	rc = fl_fidelity_compute(db, path, run_id, limit, &f, err);
	if (rc < 0)
		return rc;
	/* What the trace lost: the blocked time leaves the faults after it
	 * out, and the text says so first. */
	if (fl_losses_read(db, f.trace_id, &ls) < 0)
		memset(&ls, 0, sizeof(ls));
	rc = fl_fid_time_compute(db, path, run_id, ls.faults_after, &bt, err);
	if (rc < 0) {
		fl_fidelity_free(&f);
		return rc;
	}
	report_time_fmt(db, f.trace_id, abs_time, &time_fmt);
	/* A run replay --live still grows, or that was cut short, compares only
	 * the faults it has outcomes for: said beside what the trace lost. */
	report_run_state(db, run_id, state, sizeof(state));
	if (fmt == FMT_JSON) {
		print_fidelity_json(path, &f, &bt, state);
	} else {
		print_fidelity_text(&f, &bt, &ls, state);
		if (state[0])
			printf("\n[%s]: %s\n", state, report_state_note(state));
		printf("\n");
		fl_unplaced_print(stdout, db, run_id, "", &time_fmt);
	}
	fl_fidelity_free(&f);
	return 0;
}
