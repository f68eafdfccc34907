/* chrome_trace: a run's replayed timeline as Chrome Trace Event JSON
 * (chrome_trace.h).  One event per line, so a large file stays greppable. */
#include "chrome_trace.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "knobs.h"
#include "store_read.h"

/* pid/tid offset per run when several runs share the file. */
#define RUN_STRIDE 10000000LL

struct ct_run {
	int64_t run_id, trace_id, seed, t_first;
	char strategy[32], profile[32], knobs[512], trace[512];
};

struct ct_fault {
	int64_t fault_id, t, latency, lock_wait, address;
	int32_t tid, pid, writer_id;	/* writer_id 0: none */
	int attempts;
	bool fell_back;
	bool outside;		/* out of the window once cut as in the whole run */
	char *name, *counter, *reason, *path, *access, *kind;
	int64_t dur;		/* latency, cut so the thread's slices nest (cut_to_nest) */
};

struct ct_writer {
	int64_t t0, t1, t_enter, t_exit;
	int32_t tid, pid;
	bool has_enter, has_exit, lock_window, wanted;
	char call[16];
};

struct ct {
	FILE *out;
	sqlite3 *db;
	const char *path;
	int64_t from, to;	/* absolute trace-clock ns */
	int64_t off;		/* pid/tid offset of the run */
	bool first;
};

/* A JSON string, RFC 8259 escapes. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Start one event: the comma before all but the first, and the common fields. */
static void ev(struct ct *c, const char *ph, const char *name, const char *cat, int64_t pid,
	       int64_t tid)
{
	fputs(c->first ? "\n" : ",\n", c->out);
	c->first = false;
	fprintf(c->out, "{\"ph\":\"%s\",\"name\":", ph);
	jstr(c->out, name);
	if (cat) {
		fputs(",\"cat\":", c->out);
		jstr(c->out, cat);
	}
	fprintf(c->out, ",\"pid\":%" PRId64 ",\"tid\":%" PRId64, pid + c->off, tid + c->off);
	if (!strcmp(ph, "M"))
		fputs(",\"ts\":0", c->out);	/* not read, but every event has one */
}

/* Microseconds since the trace's first event, exact to the ns. */
static void ts(struct ct *c, const char *key, int64_t ns)
{
	int64_t a = ns < 0 ? -ns : ns;

	fprintf(c->out, ",\"%s\":%s%" PRId64 ".%03" PRId64, key, ns < 0 ? "-" : "", a / 1000,
		a % 1000);
}

static int load_runs(struct ct *c, int64_t run_id, struct ct_run **runs, size_t *n,
		     struct fl_err *err)
{
	static const char sql[] =
		"SELECT r.run_id, r.trace_id, r.seed, t.t_first, r.strategy, r.profile, r.knobs,"
		" t.path FROM runs r JOIN traces t ON t.trace_id = r.trace_id"
		" WHERE ?1 = 0 OR r.run_id = ?1 ORDER BY r.run_id";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*runs = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fl_store_sql_error(c->db, c->path, "cannot query the store", err);
	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ct_run *r;
		char knobs[2048];

		if (fl_array_grow((void **)runs, &cap, *n + 1, sizeof(**runs)) < 0)
			break;
		r = &(*runs)[(*n)++];
		r->run_id = sqlite3_column_int64(s, 0);
		r->trace_id = sqlite3_column_int64(s, 1);
		r->seed = sqlite3_column_int64(s, 2);
		r->t_first = sqlite3_column_int64(s, 3);
		fl_store_col_copy(r->strategy, sizeof(r->strategy), s, 4);
		fl_store_col_copy(r->profile, sizeof(r->profile), s, 5);
		fl_store_col_copy(knobs, sizeof(knobs), s, 6);
		fl_run_knobs_nondefault(r->strategy, knobs, r->knobs, sizeof(r->knobs));
		fl_store_col_copy(r->trace, sizeof(r->trace), s, 7);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return fl_err_set(err, -ENOMEM, "%s: out of memory", c->path);
	if (rc != SQLITE_DONE)
		return fl_store_sql_error(c->db, c->path, "cannot read the runs", err);
	if (run_id > 0 && !*n)
		return fl_store_no_run(c->db, c->path, run_id, err);
	return 0;
}

/* "run 3 spf v12, seed 0, knobs writer_scale=150" */
static void run_label(const struct ct_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "run %" PRId64 " %s%s%s, seed %" PRId64 "%s%s", r->run_id, r->strategy,
		 r->profile[0] ? " " : "", r->profile, r->seed, r->knobs[0] ? ", knobs " : "",
		 r->knobs);
}

/* Processes and threads of the trace: their names, and the run. */
static int meta(struct ct *c, const struct ct_run *r)
{
	static const char sql[] =
		"SELECT tid, pid, comm FROM threads WHERE trace_id = ?1 ORDER BY pid, tid";
	sqlite3_stmt *s;
	int64_t last_pid = INT64_MIN;
	char label[1024], name[1200];
	int rc;

	run_label(r, label, sizeof(label));
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, r->trace_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t tid = sqlite3_column_int64(s, 0), pid = sqlite3_column_int64(s, 1);
		const char *comm = (const char *)sqlite3_column_text(s, 2);

		if (pid < 0)
			pid = 0;
		if (pid != last_pid) {
			last_pid = pid;
			/* the run in the name: Perfetto reads no other process
			 * metadata (process_labels is chrome://tracing's), and
			 * several runs' tracks look alike */
			snprintf(name, sizeof(name), "%s (pid %" PRId64 ") %.900s",
				 comm && comm[0] ? comm : "process", pid, label);
			ev(c, "M", "process_name", NULL, pid, 0);
			fputs(",\"args\":{\"name\":", c->out);
			jstr(c->out, name);
			fputs("}}", c->out);
			ev(c, "M", "process_labels", NULL, pid, 0);
			fputs(",\"args\":{\"labels\":", c->out);
			jstr(c->out, label);
			fputs("}}", c->out);
			ev(c, "M", "process_sort_index", NULL, pid, 0);
			fprintf(c->out, ",\"args\":{\"sort_index\":%" PRId64 "}}", r->run_id);
		}
		snprintf(name, sizeof(name), "%s %" PRId64, comm && comm[0] ? comm : "thread", tid);
		ev(c, "M", "thread_name", NULL, pid, tid);
		fputs(",\"args\":{\"name\":", c->out);
		jstr(c->out, name);
		fputs("}}", c->out);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int load_writers(struct ct *c, const struct ct_run *r, struct ct_writer **out, size_t *n)
{
	static const char sql[] =
		"SELECT writer_id, tid, pid, call, t_enter, t_exit,"
		" coalesce(t_lock_acquired, t_lock_start), t_lock_released"
		" FROM writers WHERE trace_id = ?1 ORDER BY writer_id";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, r->trace_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct ct_writer *w;

		/* writer_id counts from 1 in order: index id - 1 */
		if (id < 1 || id > 100000000)
			continue;
		if (fl_array_grow((void **)out, &cap, (size_t)id, sizeof(**out)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		while (*n < (size_t)id)
			memset(&(*out)[(*n)++], 0, sizeof(**out));
		w = &(*out)[id - 1];
		w->tid = sqlite3_column_int(s, 1);
		w->pid = sqlite3_column_int(s, 2) < 0 ? 0 : sqlite3_column_int(s, 2);
		fl_store_col_copy(w->call, sizeof(w->call), s, 3);
		w->has_enter = sqlite3_column_type(s, 4) != SQLITE_NULL;
		w->has_exit = sqlite3_column_type(s, 5) != SQLITE_NULL;
		w->t_enter = sqlite3_column_int64(s, 4);
		w->t_exit = sqlite3_column_int64(s, 5);
		w->lock_window = sqlite3_column_type(s, 6) != SQLITE_NULL &&
				 sqlite3_column_type(s, 7) != SQLITE_NULL;
		/* the write window: the lock hold, else the syscall span */
		w->t0 = w->lock_window ? sqlite3_column_int64(s, 6) : w->t_enter;
		w->t1 = w->lock_window ? sqlite3_column_int64(s, 7)
				       : w->has_exit ? w->t_exit : w->t_enter;
		if (!w->lock_window && !w->has_enter)
			w->call[0] = '\0';	/* no time at all: nothing to draw */
		if (w->t1 < w->t0)
			w->t1 = w->t0;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

static void faults_free(struct ct_fault *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].counter);
		free(f[i].reason);
		free(f[i].path);
		free(f[i].access);
		free(f[i].kind);
	}
	free(f);
}

/* The slice's name: what happened to the fault. */
static char *fault_name(const struct ct_fault *f)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s", f->counter[0] ? f->counter : f->path,
		 strcmp(f->reason, "ok") && f->reason[0] ? " (" : "",
		 strcmp(f->reason, "ok") ? f->reason : "",
		 strcmp(f->reason, "ok") && f->reason[0] ? ")" : "",
		 f->fell_back ? " -> mmap_lock" : "");
	return strdup(buf);
}

static int load_faults(struct ct *c, const struct ct_run *r, struct ct_fault **out, size_t *n)
{
	static const char sql[] =
		"SELECT o.fault_id, f.t, f.tid, f.pid, f.address, f.access, o.path, o.fell_back,"
		" o.counter, o.reason, o.attempts, o.latency, o.lock_wait, o.writer_id, o.vma_kind"
		" FROM outcomes o JOIN faults f ON f.trace_id = ?2 AND f.fault_id = o.fault_id"
		" WHERE o.run_id = ?1 ORDER BY o.fault_id";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, r->run_id);
	sqlite3_bind_int64(s, 2, r->trace_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(s, 1), lat = sqlite3_column_int64(s, 11);
		struct ct_fault *f;

		if (lat < 0)
			lat = 0;
		if (t + lat < c->from || t > c->to)
			continue;
		if (fl_array_grow((void **)out, &cap, *n + 1, sizeof(**out)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		f = &(*out)[(*n)++];
		memset(f, 0, sizeof(*f));
		f->fault_id = sqlite3_column_int64(s, 0);
		f->t = t;
		f->tid = sqlite3_column_int(s, 2);
		f->pid = sqlite3_column_int(s, 3) < 0 ? 0 : sqlite3_column_int(s, 3);
		f->address = sqlite3_column_int64(s, 4);
		f->access = fl_store_col_dup(s, 5);
		f->path = fl_store_col_dup(s, 6);
		f->fell_back = sqlite3_column_int(s, 7) != 0;
		f->counter = fl_store_col_dup(s, 8);
		f->reason = fl_store_col_dup(s, 9);
		f->attempts = sqlite3_column_int(s, 10);
		f->latency = lat;
		f->dur = lat;
		f->lock_wait = sqlite3_column_int64(s, 12);
		f->writer_id = sqlite3_column_type(s, 13) == SQLITE_NULL ? 0 : sqlite3_column_int(s, 13);
		f->kind = fl_store_col_dup(s, 14);
		if (!f->access || !f->path || !f->counter || !f->reason || !f->kind ||
		    !(f->name = fault_name(f))) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

/* qsort has no context argument in C11: the faults being ordered. */
static const struct ct_fault *sorting;

static int cmp_thread_time(const void *pa, const void *pb)
{
	const struct ct_fault *a = &sorting[*(const size_t *)pa], *b = &sorting[*(const size_t *)pb];

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->fault_id < b->fault_id ? -1 : a->fault_id > b->fault_id;
}

/* The write windows of the run's trace, by thread and start. */
static const struct ct_writer *sorting_w;

static int cmp_writer_thread_time(const void *pa, const void *pb)
{
	const struct ct_writer *a = &sorting_w[*(const size_t *)pa], *b = &sorting_w[*(const size_t *)pb];

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return a->t0 < b->t0 ? -1 : a->t0 > b->t0;
}

/* Cut f at the write windows of its own thread: at the end of the window it
 * starts in, else at the start of the thread's next window.  w_idx holds the
 * drawable windows of the trace in (tid, t0) order; a thread is in one
 * syscall at a time, so its windows do not overlap one another. */
static void cut_at_writers(struct ct_fault *f, const struct ct_writer *w, const size_t *w_idx,
			   size_t nw)
{
	size_t lo = 0, hi = nw;

	/* the first window of f's thread that starts after f */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ct_writer *m = &w[w_idx[mid]];

		if (m->tid < f->tid || (m->tid == f->tid && m->t0 <= f->t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nw && w[w_idx[lo]].tid == f->tid && f->t + f->dur > w[w_idx[lo]].t0)
		f->dur = w[w_idx[lo]].t0 - f->t;
	if (lo > 0) {
		const struct ct_writer *in = &w[w_idx[lo - 1]];

		if (in->tid == f->tid && in->t0 <= f->t && f->t < in->t1 && f->t + f->dur > in->t1)
			f->dur = in->t1 - f->t;
	}
}

/* A thread's slices must nest: Perfetto drops a slice that ends past the
 * end of the slice it starts in.  The replayed latency (a wait on the
 * simulated mmap_lock most of all) can outlast what the thread did next in
 * the trace, whose times the replay does not shift: so each fault is cut at
 * its thread's next fault and at its thread's write windows. */
static int cut_to_nest(struct ct_fault *f, size_t n, const struct ct_writer *w, size_t nw)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	size_t *w_idx = malloc((nw ? nw : 1) * sizeof(*w_idx));
	size_t nd = 0;

	if (!idx || !w_idx) {
		free(idx);
		free(w_idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sorting = f;
	qsort(idx, n, sizeof(*idx), cmp_thread_time);
	sorting = NULL;
	for (size_t i = 0; i < nw; i++)
		if (w[i].call[0])
			w_idx[nd++] = i;
	sorting_w = w;
	qsort(w_idx, nd, sizeof(*w_idx), cmp_writer_thread_time);
	sorting_w = NULL;
	for (size_t i = 0; i < n; i++) {
		struct ct_fault *a = &f[idx[i]];

		if (i + 1 < n) {
			const struct ct_fault *b = &f[idx[i + 1]];

			if (a->tid == b->tid && a->t + a->dur > b->t)
				a->dur = b->t - a->t;
		}
		cut_at_writers(a, w, w_idx, nd);
	}
	free(idx);
	free(w_idx);
	return 0;
}

static void emit_fault(struct ct *c, const struct ct_run *r, const struct ct_fault *f)
{
	int64_t rel = f->t - r->t_first;

	ev(c, "X", f->name, f->fell_back ? "fault,fallback" : "fault", f->pid, f->tid);
	ts(c, "ts", rel);
	ts(c, "dur", f->dur);
	fprintf(c->out, ",\"args\":{\"fault_id\":%" PRId64 ",\"address\":\"0x%" PRIx64 "\",\"access\":",
		f->fault_id, (uint64_t)f->address);
	jstr(c->out, f->access);
	fputs(",\"path\":", c->out);
	jstr(c->out, f->path);
	fputs(",\"counter\":", c->out);
	jstr(c->out, f->counter);
	fputs(",\"reason\":", c->out);
	jstr(c->out, f->reason);
	fprintf(c->out, ",\"fell_back\":%s,\"attempts\":%d,\"latency_ns\":%" PRId64
		",\"lock_wait_ns\":%" PRId64 ",\"vma_kind\":", f->fell_back ? "true" : "false",
		f->attempts, f->latency, f->lock_wait);
	jstr(c->out, f->kind);
	if (f->writer_id)
		fprintf(c->out, ",\"writer_id\":%d", f->writer_id);
	fputs("}}", c->out);
	if (f->lock_wait > 0) {
		/* the wait opens the fault: it asks for mmap_lock first */
		ev(c, "X", "mmap_lock wait", "lock_wait", f->pid, f->tid);
		ts(c, "ts", rel);
		ts(c, "dur", f->lock_wait < f->dur ? f->lock_wait : f->dur);
		fprintf(c->out, ",\"args\":{\"fault_id\":%" PRId64 ",\"lock_wait_ns\":%" PRId64 "}}",
			f->fault_id, f->lock_wait);
	}
}

static void emit_writer(struct ct *c, const struct ct_run *r, const struct ct_writer *w,
			size_t id)
{
	char name[48];

	snprintf(name, sizeof(name), "mmap_lock write: %s", w->call);
	ev(c, "X", name, "writer", w->pid, w->tid);
	ts(c, "ts", w->t0 - r->t_first);
	ts(c, "dur", w->t1 - w->t0);
	fprintf(c->out, ",\"args\":{\"writer_id\":%zu,\"call\":", id);
	jstr(c->out, w->call);
	fprintf(c->out, ",\"window\":\"%s\"", w->lock_window ? "mmap_lock write hold"
							     : "syscall span");
	if (w->has_enter)
		fprintf(c->out, ",\"syscall_enter_ns\":%" PRId64, w->t_enter - r->t_first);
	if (w->has_exit)
		fprintf(c->out, ",\"syscall_exit_ns\":%" PRId64, w->t_exit - r->t_first);
	fputs("}}", c->out);
}

/* A thread's fault next to the window: the last one before it, or the
 * first one after it. */
struct ct_edge {
	int32_t tid;
	int64_t t;
};

static int cmp_edge(const void *a, const void *b)
{
	int32_t x = ((const struct ct_edge *)a)->tid, y = ((const struct ct_edge *)b)->tid;

	return x < y ? -1 : x > y;
}

/* Per thread of run r, the time of its last fault before at (after: its
 * first fault after at), sorted by tid. */
static int load_edges(struct ct *c, const struct ct_run *r, int64_t at, bool after,
		      struct ct_edge **out, size_t *n)
{
	static const char before_sql[] =
		"SELECT f.tid, max(f.t) FROM outcomes o JOIN faults f ON f.trace_id = ?2"
		" AND f.fault_id = o.fault_id WHERE o.run_id = ?1 AND f.t < ?3 GROUP BY f.tid";
	static const char after_sql[] =
		"SELECT f.tid, min(f.t) FROM outcomes o JOIN faults f ON f.trace_id = ?2"
		" AND f.fault_id = o.fault_id WHERE o.run_id = ?1 AND f.t > ?3 GROUP BY f.tid";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(c->db, after ? after_sql : before_sql, -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, r->run_id);
	sqlite3_bind_int64(s, 2, r->trace_id);
	sqlite3_bind_int64(s, 3, at);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fl_array_grow((void **)out, &cap, *n + 1, sizeof(**out)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*out)[*n].tid = sqlite3_column_int(s, 0);
		(*out)[(*n)++].t = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	qsort(*out, *n, sizeof(**out), cmp_edge);
	return 0;
}

static const struct ct_edge *edge_of(const struct ct_edge *e, size_t n, int32_t tid)
{
	struct ct_edge key = { .tid = tid };

	return n ? bsearch(&key, e, n, sizeof(*e), cmp_edge) : NULL;
}

/* The window holds the faults that meet it as the whole run's export draws
 * them: load_faults() read only the faults near it, so a fault is also cut
 * at its thread's first fault after the window, and one before the window
 * that is not its thread's last there is left out (its next fault, before
 * the window, cuts it short of it). */
static int cut_to_window(struct ct *c, const struct ct_run *r, struct ct_fault *f, size_t n)
{
	struct ct_edge *before = NULL, *after = NULL;
	size_t nb = 0, na = 0;
	int rc = 0;

	if (c->from > r->t_first)
		rc = load_edges(c, r, c->from, false, &before, &nb);
	if (!rc && c->to < INT64_MAX)
		rc = load_edges(c, r, c->to, true, &after, &na);
	for (size_t i = 0; !rc && i < n; i++) {
		const struct ct_edge *b = edge_of(before, nb, f[i].tid);
		const struct ct_edge *a = edge_of(after, na, f[i].tid);

		if (a && f[i].t + f[i].dur > a->t)
			f[i].dur = a->t - f[i].t;
		f[i].outside = (b && f[i].t < b->t) || f[i].t + f[i].dur < c->from ||
			       f[i].t > c->to;
	}
	free(before);
	free(after);
	return rc;
}

static int one_run(struct ct *c, const struct ct_run *r, bool several, uint64_t *flow_id)
{
	struct ct_fault *f = NULL;
	struct ct_writer *w = NULL;
	size_t nf = 0, nw = 0;
	int rc;

	c->off = several ? r->run_id * RUN_STRIDE : 0;
	rc = meta(c, r);
	if (!rc)
		rc = load_writers(c, r, &w, &nw);
	if (!rc)
		rc = load_faults(c, r, &f, &nf);
	if (!rc)
		rc = cut_to_nest(f, nf, w, nw);
	if (!rc)
		rc = cut_to_window(c, r, f, nf);
	if (rc)
		goto out;
	/* The writers of the window, and those behind an abort in it (a flow
	 * starts inside its writer's slice). */
	for (size_t i = 0; i < nw; i++)
		w[i].wanted = w[i].call[0] && w[i].t1 >= c->from && w[i].t0 <= c->to;
	for (size_t i = 0; i < nf; i++)
		if (!f[i].outside && f[i].writer_id > 0 && (size_t)f[i].writer_id <= nw &&
		    w[f[i].writer_id - 1].call[0])
			w[f[i].writer_id - 1].wanted = true;
	for (size_t i = 0; i < nw; i++)
		if (w[i].wanted)
			emit_writer(c, r, &w[i], i + 1);
	for (size_t i = 0; i < nf; i++) {
		const struct ct_writer *by;
		int64_t at;

		if (f[i].outside)
			continue;
		emit_fault(c, r, &f[i]);
		if (f[i].writer_id < 1 || (size_t)f[i].writer_id > nw)
			continue;
		by = &w[f[i].writer_id - 1];
		if (!by->wanted)
			continue;
		/* the arrow: from the writer's window to the fault it aborted */
		++*flow_id;
		ev(c, "s", "aborted by", "abort", by->pid, by->tid);
		ts(c, "ts", by->t0 - r->t_first);
		fprintf(c->out, ",\"id\":%" PRIu64 "}", *flow_id);
		/* it lands where the abort met the writer: inside the fault */
		at = by->t0 > f[i].t ? by->t0 : f[i].t;
		if (at > f[i].t + f[i].dur)
			at = f[i].t + f[i].dur;
		ev(c, "f", "aborted by", "abort", f[i].pid, f[i].tid);
		ts(c, "ts", at - r->t_first);
		fprintf(c->out, ",\"bp\":\"e\",\"id\":%" PRIu64 "}", *flow_id);
	}
out:
	faults_free(f, nf);
	free(w);
	return rc;
}

int fl_chrome_trace_write(sqlite3 *db, const char *path, int64_t run_id, int64_t from, int64_t to,
			  FILE *out, struct fl_err *err)
{
	struct ct c = { .out = out, .db = db, .path = path, .first = true };
	struct ct_run *runs = NULL;
	uint64_t flow_id = 0;
	size_t n = 0;
	int rc;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fl_store_sql_error(db, path, "cannot read the store", err);
	rc = load_runs(&c, run_id, &runs, &n, err);
	if (rc)
		goto out;
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"database\":", out);
	jstr(out, path);
	fputs(",\"runs\":[", out);
	for (size_t i = 0; i < n; i++) {
		char label[1024];

		run_label(&runs[i], label, sizeof(label));
		fputs(i ? "," : "", out);
		jstr(out, label);
	}
	fputs("],\"trace\":", out);
	jstr(out, n ? runs[0].trace : "");
	fputs("},\n\"traceEvents\":[", out);
	for (size_t i = 0; i < n && !rc; i++) {
		/* the window is relative to each run's trace */
		c.from = from > INT64_MAX - runs[i].t_first ? INT64_MAX : runs[i].t_first + from;
		c.to = to > INT64_MAX - runs[i].t_first ? INT64_MAX : runs[i].t_first + to;
		rc = one_run(&c, &runs[i], n > 1, &flow_id);
	}
	fputs("\n]}\n", out);
	if (rc == -ENOMEM)
		fl_err_set(err, rc, "%s: out of memory", path);
	else if (rc)
		rc = fl_store_sql_error(db, path, "cannot read the store", err);
out:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	free(runs);
	return rc;
}

int fl_chrome_trace_parse_time(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!*end && v == 0) {
		*ns = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			double x = v * units[i].mult;

			if (x > 9.2e18)
				return -EINVAL;
			*ns = (int64_t)llround(x);
			return 0;
		}
	return -EINVAL;
}
