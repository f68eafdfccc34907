/* detail: one fault, as text lines.
 *
 *   its facts: time, thread, address, access, VMA, the kernel's own answer;
 *   its outcome in the run, what its cause means (as its strategy's cause
 *   table says, where the database stores it), and the writer the outcome
 *   names;
 *   the timeline around it: the writers on its VMA and every writer whose
 *   mmap_lock window overlaps it, within TIMELINE_NS either side;
 *   the same fault's outcome under every run of the same trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/store_read.h"
#include "fl_array.h"
#include "fl_wrap.h"
#include "tui.h"

#define TIMELINE_NS 2000000	/* 2 ms either side of the fault */
#define TIMELINE_MAX 60

struct lines {
	struct tui_view *v;
	size_t cap;
	int rc;
};

static void FL_PRINTF(3, 4) add(struct lines *l, int style, const char *fmt, ...)
{
	char buf[512], clean[512];
	va_list ap;

	if (l->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tui_sanitize(clean, sizeof(clean), buf);
	if (fl_array_grow((void **)&l->v->lines, &l->cap, l->v->nlines + 1,
			  sizeof(*l->v->lines)) < 0 ||
	    !(l->v->lines[l->v->nlines].text = strdup(clean))) {
		l->rc = -ENOMEM;
		return;
	}
	l->v->lines[l->v->nlines++].style = style;
}

static int cmp_fault_out(const void *key, const void *elem)
{
	int64_t k = *(const int64_t *)key, id = ((const struct tui_out *)elem)->fault_id;

	return k < id ? -1 : k > id;
}

/* ld->outs is sorted by fault_id (the outcomes' ORDER BY). */
static const struct tui_out *find_out(const struct tui_loaded *ld, int64_t fault_id)
{
	if (!ld->n)
		return NULL;
	return bsearch(&fault_id, ld->outs, ld->n, sizeof(*ld->outs), cmp_fault_out);
}

static const char *comm_of(const struct tui_loaded *ld, int32_t tid)
{
	const struct tui_thread *t = tui_loaded_thread(ld, tid);

	return t && t->comm[0] ? t->comm : "?";
}

static int facts(struct tui_app *app, struct lines *l, int64_t fault_id, int64_t *t_end)
{
	static const char sql[] =
		"SELECT t, t_end, tid, pid, cpu, address, ip, access, arch_code, major, gt,"
		" gt_detail, gt_lock_wait FROM faults WHERE trace_id = ?1 AND fault_id = ?2";
	const struct tui_run *run = app->ld.run;
	sqlite3_stmt *s;
	char a[32], b[32];
	int rc;

	if (sqlite3_prepare_v2(app->st.db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, run->trace_id);
	sqlite3_bind_int64(s, 2, fault_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(s, 0);
		bool has_end = sqlite3_column_type(s, 1) != SQLITE_NULL;
		int64_t te = sqlite3_column_int64(s, 1);
		int32_t tid = sqlite3_column_int(s, 2);
		const char *major = sqlite3_column_type(s, 9) == SQLITE_NULL ? "no end event"
				    : sqlite3_column_int(s, 9) ? "major" : "minor";
		const char *gt = (const char *)sqlite3_column_text(s, 10);
		const char *gtd = (const char *)sqlite3_column_text(s, 11);

		*t_end = has_end ? te : t;
		add(l, 0, "  time      %s  (trace clock %" PRId64 " ns)",
		    tui_fmt_time(a, sizeof(a), run, t), t);
		if (has_end)
			add(l, 0, "  ended     %s later (%s)", tui_fmt_ns(b, sizeof(b), te - t), major);
		else
			add(l, 0, "  ended     (%s)", major);
		add(l, 0, "  thread    %d %s, pid %d, cpu %d", tid, comm_of(&app->ld, tid),
		    sqlite3_column_int(s, 3), sqlite3_column_int(s, 4));
		add(l, 0, "  address   0x%" PRIx64 "  ip 0x%" PRIx64 "  access %s  code 0x%x",
		    (uint64_t)sqlite3_column_int64(s, 5), (uint64_t)sqlite3_column_int64(s, 6),
		    sqlite3_column_text(s, 7), (unsigned)sqlite3_column_int(s, 8));
		if (sqlite3_column_type(s, 12) != SQLITE_NULL)
			add(l, 0, "  kernel    %s%s%s%s, lock wait %s  (the trace's own answer)",
			    gt ? gt : "", gtd && gtd[0] ? " (" : "", gtd ? gtd : "",
			    gtd && gtd[0] ? ")" : "",
			    tui_fmt_ns(b, sizeof(b), sqlite3_column_int64(s, 12)));
		else
			add(l, 0, "  kernel    %s%s%s%s  (the trace's own answer)", gt ? gt : "",
			    gtd && gtd[0] ? " (" : "", gtd ? gtd : "", gtd && gtd[0] ? ")" : "");
		rc = 0;
	} else {
		add(l, 2, "  fault %" PRId64 " is not in the trace's faults", fault_id);
		rc = rc == SQLITE_DONE ? 0 : -EIO;
	}
	sqlite3_finalize(s);
	return rc;
}

static void writer_line(struct tui_app *app, struct lines *l, const struct tui_writer *w,
			int32_t id, const char *note)
{
	char a[32], b[32];
	const struct tui_run *run = app->ld.run;

	add(l, 0, "  writer    #%d %s by %d %s%s, %s .. %s", id, w->call, w->tid,
	    comm_of(&app->ld, w->tid), note, tui_fmt_time(a, sizeof(a), run, w->t0),
	    tui_fmt_time(b, sizeof(b), run, w->t1));
}

/* The cause's description under its reason, in lines of at most
 * DESC_WIDTH characters cut at spaces (lib/fl_wrap.h, as `faultline help
 * causes` cuts it): the detail is read in a terminal of 80 columns. */
#define DESC_WIDTH 66

static void description(struct lines *l, const char *d)
{
	const char *label = "  meaning   ", *line;
	size_t n;

	while ((n = fl_wrap_next(&d, DESC_WIDTH, &line)) > 0) {
		add(l, 0, "%s%.*s", label, (int)n, line);
		label = "            ";
	}
}

static void outcome(struct tui_app *app, struct lines *l, const struct tui_out *o)
{
	const struct tui_cause *c = &app->ld.causes[o->cause];
	char a[32], b[32];

	char rl[80];

	add(l, 1, "Outcome in %s", tui_run_label(app->ld.run, rl, sizeof(rl)));
	add(l, 0, "  path      %s%s", tui_str(&app->ld.paths, o->path),
	    o->fell_back ? " (fell back to mmap_lock)" : "");
	add(l, 0, "  counter   %s", c->counter[0] ? c->counter : "(none: not attempted)");
	add(l, 0, "  reason    %s", c->reason);
	if (c->description && c->description[0])
		description(l, c->description);
	add(l, 0, "  attempts  %u   latency %s   lock wait %s", o->attempts,
	    tui_fmt_ns(a, sizeof(a), o->latency), tui_fmt_ns(b, sizeof(b), o->lock_wait));
	if (o->has_vma)
		add(l, 0, "  VMA       %" PRIx64 "-%" PRIx64 "  %s  %" PRId64 " KiB",
		    (uint64_t)o->vma_start, (uint64_t)o->vma_end, tui_str(&app->ld.kinds, o->kind),
		    (o->vma_end - o->vma_start) / 1024);
	else
		add(l, 0, "  VMA       none placed");
	if (o->writer_id) {
		const struct tui_writer *w = tui_loaded_writer(&app->ld, o->writer_id);

		if (w)
			writer_line(app, l, w, o->writer_id, " (caused it)");
		else
			add(l, 0, "  writer    #%d (not in the writers table)", o->writer_id);
	}
}

/* The thread's shift when the fault comes (replay/delay.h): each earlier
 * fault of the thread moved its later events by the run's wait minus the
 * trace's wait, plus the speculative work an abort threw away.  The run's
 * waits are in memory, the trace's are one sum over the faults that fell
 * back (an index covers them); the thrown-away work is not stored. */
static int thread_shift(struct tui_app *app, const struct tui_out *o, int64_t *pred,
			int64_t *traced)
{
	static const char sql[] =
		"SELECT coalesce(sum(coalesce(gt_lock_wait, 0)), 0) FROM faults"
		" WHERE trace_id = ?1 AND gt = 'fallback' AND tid = ?2 AND fault_id < ?3";
	sqlite3_stmt *s;
	int rc;

	*pred = *traced = 0;
	for (size_t i = 0; i < app->ld.n && app->ld.outs[i].fault_id < o->fault_id; i++)
		if (app->ld.outs[i].tid == o->tid)
			*pred += app->ld.outs[i].lock_wait;
	if (sqlite3_prepare_v2(app->st.db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, app->ld.run->trace_id);
	sqlite3_bind_int64(s, 2, o->tid);
	sqlite3_bind_int64(s, 3, o->fault_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*traced = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

/* The writer whose window holds time t, the one holding longest; -1 none. */
static long holder_at(const struct tui_loaded *ld, int64_t t)
{
	long best = -1;

	for (size_t i = 0; i < ld->nwriters; i++) {
		const struct tui_writer *w = &ld->writers[i];

		if (w->call[0] && w->t0 <= t && t < w->t1 &&
		    (best < 0 || w->t1 > ld->writers[best].t1))
			best = (long)i;
	}
	return best;
}

/* Why the fault waited as long as it did on mmap_lock. */
static int why_wait(struct tui_app *app, struct lines *l, const struct tui_out *o)
{
	const struct tui_loaded *ld = &app->ld;
	const char *path = tui_str(&ld->paths, o->path);
	bool spec = !strncmp(ld->run->strategy, "spf", 3);
	int64_t pred, traced, shift, behind, asks;
	long at_t, at_asks;
	char a[32], b[32], c[24], d[24];

	if (thread_shift(app, o, &pred, &traced) < 0)
		return -EIO;
	shift = pred - traced;
	behind = shift > 0 ? shift : 0;
	asks = o->t + behind;
	add(l, 1, "Why the lock wait is %s", tui_fmt_ns(a, sizeof(a), o->lock_wait));
	add(l, 0, "  shift     %s%s%s: the thread runs that much behind the trace", shift < 0 ? "-" : "+",
	    tui_fmt_ns(a, sizeof(a), shift < 0 ? -shift : shift), spec ? " or more" : "");
	add(l, 3, "            earlier faults' mmap_lock waits: %s here, %s traced",
	    tui_fmt_ns(b, sizeof(b), pred), tui_fmt_ns(c, sizeof(c), traced));
	if (spec)
		add(l, 3, "            (plus the speculative work its aborts threw away: not stored)");
	if (strcmp(path, "mmap_lock")) {
		add(l, 0, "  no wait   it ran under %s, not mmap_lock:",
		    !strcmp(path, "vma_lock") ? "the per-VMA lock" : path[0] ? path : "no lock");
		add(l, 0, "            no writer holding mmap_lock made it wait");
		return 0;
	}
	add(l, 0, "  asks      for mmap_lock at %s = traced %s + %s",
	    tui_fmt_time(a, sizeof(a), ld->run, asks),
	    tui_fmt_time(b, sizeof(b), ld->run, o->t), tui_fmt_ns(c, sizeof(c), behind));
	at_t = holder_at(ld, o->t);
	at_asks = holder_at(ld, asks);
	if (o->lock_wait > 0 && at_asks >= 0) {
		const struct tui_writer *w = &ld->writers[at_asks];

		add(l, 0, "  waits     writer #%ld %s holds it until %s (%s later)",
		    at_asks + 1, w->call, tui_fmt_time(a, sizeof(a), ld->run, w->t1),
		    tui_fmt_ns(b, sizeof(b), w->t1 - asks));
		if (w->t1 - asks != o->lock_wait)
			add(l, 3, "            the lock's queue makes up the difference");
	} else if (o->lock_wait > 0) {
		add(l, 0, "  waits     behind the lock's queue (writers queued before it, and "
		    "the readers they let in)");
	} else if (at_t >= 0 && at_t != at_asks) {
		const struct tui_writer *w = &ld->writers[at_t];

		(void)a;
		add(l, 2, "  no wait   writer #%ld %s held it at the traced time, until %s,",
		    at_t + 1, w->call, tui_fmt_time(b, sizeof(b), ld->run, w->t1));
		add(l, 2, "            but the thread, %s behind, asks after the release",
		    tui_fmt_ns(d, sizeof(d), behind));
	} else if (at_asks >= 0) {
		add(l, 0, "  no wait   writer #%ld %s holds mmap_lock then,", at_asks + 1,
		    ld->writers[at_asks].call);
		add(l, 0, "            but the strategy did not queue this fault behind it");
	} else {
		add(l, 0, "  no wait   no writer holds mmap_lock when it asks");
	}
	return 0;
}

static bool on_vma(const struct tui_writer *w, const struct tui_out *o)
{
	if (w->lo == w->hi)
		return false;
	if (o->has_vma)
		return w->lo < o->vma_end && w->hi > o->vma_start;
	return w->lo <= o->address && o->address < w->hi;
}

/* The fault's own row of the timeline, its times tw wide. */
static void timeline_fault(struct lines *l, const struct tui_loaded *ld, const struct tui_out *o,
			   int64_t t_end, int tw)
{
	char a[32], b[32];

	add(l, 2, "  %*s %*s %6s %-8s %6d %-10.10s", tw, tui_fmt_time(a, sizeof(a), ld->run, o->t),
	    tw, tui_fmt_time(b, sizeof(b), ld->run, t_end), "", "FAULT", o->tid,
	    comm_of(ld, o->tid));
}

static void timeline(struct tui_app *app, struct lines *l, const struct tui_out *o,
		     int64_t t_end)
{
	const struct tui_loaded *ld = &app->ld;
	int64_t lo = o->t - TIMELINE_NS, hi = t_end + TIMELINE_NS;
	size_t shown = 0;
	bool fault_shown = false;
	char a[32], b[32], id[24];
	/* Times in the one convention (since the first event, or the time of
	 * day); the window's last time is as wide as any in it. */
	int tw = (int)strlen(tui_fmt_time(a, sizeof(a), ld->run, hi));

	add(l, 1, "Timeline: writers on this VMA, and mmap_lock holders, within 2ms");
	add(l, 3, "  %*s %*s %6s %-8s %6s %-10s %-3s %s", tw, "from", tw, "to", "writer", "call",
	    "tid", "comm", "VMA", "mmap_lock");
	for (size_t i = 0; i < ld->nwriters; i++) {
		const struct tui_writer *w = &ld->writers[i];
		bool mine = on_vma(w, o), held = w->t0 <= t_end && w->t1 >= o->t;
		bool cause = o->writer_id == (int32_t)(i + 1);

		if (!w->call[0] || w->t1 < lo || w->t0 > hi || !(mine || held || cause))
			continue;
		if (!fault_shown && w->t0 > o->t) {
			timeline_fault(l, ld, o, t_end, tw);
			fault_shown = true;
		}
		if (shown++ >= TIMELINE_MAX) {
			add(l, 3, "  ... more writers in the window");
			break;
		}
		snprintf(id, sizeof(id), "#%zu", i + 1);
		add(l, cause ? 2 : 0, "  %*s %*s %6s %-8s %6d %-10.10s %-3s %s%s",
		    tw, tui_fmt_time(a, sizeof(a), ld->run, w->t0),
		    tw, tui_fmt_time(b, sizeof(b), ld->run, w->t1),
		    id, w->call, w->tid, comm_of(ld, w->tid), mine ? "yes" : "-",
		    held ? "held" : "", cause ? " << cause" : "");
	}
	if (!fault_shown)
		timeline_fault(l, ld, o, t_end, tw);
	if (!shown)
		add(l, 3, "  no writer on this VMA and no mmap_lock holder within 2ms");
}

static int other_runs(struct tui_app *app, struct lines *l, int64_t fault_id)
{
	static const char sql[] =
		"SELECT r.run_id, r.strategy, r.profile, o.path, o.counter, o.reason,"
		" o.latency, o.lock_wait, o.writer_id"
		" FROM runs r JOIN outcomes o ON o.run_id = r.run_id AND o.fault_id = ?2"
		" WHERE r.trace_id = ?1 ORDER BY r.run_id";
	sqlite3_stmt *s;
	int rc, n = 0;

	add(l, 1, "The same fault under each run of this trace");
	add(l, 3, " %-3s %-9s %-5s %-9s %-20s %-13s %8s %5s", "run", "strategy", "prof", "path",
	    "counter", "reason", "latency", "wr");
	if (sqlite3_prepare_v2(app->st.db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, app->ld.run->trace_id);
	sqlite3_bind_int64(s, 2, fault_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		char a[24], w[16] = "-";

		if (sqlite3_column_type(s, 8) != SQLITE_NULL)
			snprintf(w, sizeof(w), "#%d", sqlite3_column_int(s, 8));
		add(l, id == app->ld.run_id ? 2 : 0, "%c%-3" PRId64 " %-9.9s %-5.5s %-9.9s "
		    "%-20.20s %-13.13s %8s %5s", id == app->ld.run_id ? '>' : ' ', id,
		    sqlite3_column_text(s, 1), sqlite3_column_text(s, 2), sqlite3_column_text(s, 3),
		    sqlite3_column_text(s, 4), sqlite3_column_text(s, 5),
		    tui_fmt_ns(a, sizeof(a), sqlite3_column_int64(s, 6)), w);
		n++;
	}
	sqlite3_finalize(s);
	if (n == 1)
		add(l, 3, "  (the database holds no other run of this trace)");
	return rc == SQLITE_DONE ? 0 : -EIO;
}

struct tui_view *tui_view_detail(struct tui_app *app, int64_t fault_id, struct fl_err *err)
{
	struct tui_view *v = calloc(1, sizeof(*v));
	struct lines l = { .v = v };
	const struct tui_out *o = find_out(&app->ld, fault_id);
	int64_t t_end = 0;
	int rc;
	char name[64];

	if (!v) {
		fl_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	v->ops = &tui_detail_ops;
	v->cause = -1;
	v->run_id = app->ld.run_id;
	v->fault_id = fault_id;
	snprintf(v->title, sizeof(v->title), "%s > fault %" PRId64,
		 tui_run_label(app->ld.run, name, sizeof(name)), fault_id);
	sqlite3_exec(app->st.db, "BEGIN", NULL, NULL, NULL);
	add(&l, 1, "Fault %" PRId64 " of %s", fault_id,
	    tui_trace_name(app->ld.run->trace, name, sizeof(name)));
	rc = facts(app, &l, fault_id, &t_end);
	if (!rc && o) {
		if (t_end < o->t)
			t_end = o->t + o->latency;
		add(&l, 0, "%s", "");
		outcome(app, &l, o);
		add(&l, 0, "%s", "");
		rc = why_wait(app, &l, o);
		add(&l, 0, "%s", "");
		timeline(app, &l, o, t_end);
	}
	add(&l, 0, "%s", "");
	if (!rc)
		rc = other_runs(app, &l, fault_id);
	sqlite3_exec(app->st.db, "COMMIT", NULL, NULL, NULL);
	if (rc == -EIO)
		fl_store_sql_error(app->st.db, app->st.path, "cannot read the fault", err);
	else if (rc || l.rc)
		fl_err_set(err, -ENOMEM, "out of memory");
	if (rc || l.rc) {
		tui_view_free(v);
		return NULL;
	}
	return v;
}

static struct tui_view *detail_reload(struct tui_app *app, const struct tui_view *v, int cause,
				      struct fl_err *err)
{
	(void)cause;
	return tui_view_detail(app, v->fault_id, err);
}

/* Nothing lies below one fault. */
static enum tui_open detail_enter(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
				  struct fl_err *err)
{
	(void)v;
	(void)nv;
	(void)err;
	snprintf(app->msg, sizeof(app->msg), "the fault is the end of the road: q goes back");
	return TUI_OPEN_NONE;
}

static const char *detail_hints(const struct tui_view *v)
{
	(void)v;
	return "Up/Down scroll  q back  / search  n/N next  P save  ? help  Q quit";
}

/* The fault: text lines under the title and an empty context line. */
const struct tui_view_ops tui_detail_ops = {
	.name = "fault",
	.body_row = 2,
	.is_text = true,
	.needs_run = true,
	.reload = detail_reload,
	.enter = detail_enter,
	.hints = detail_hints,
	.draw_body = tui_draw_lines_body,
	.search = tui_search_lines,
};
