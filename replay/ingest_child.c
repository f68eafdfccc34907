/* fl_ingest(): the checks, then libbabeltrace2 in a child process.
 *
 * libbabeltrace2 2.0 can loop forever (growing its memory) or abort on a
 * corrupt trace, and neither can be stopped from inside the process.  So
 * the graph runs in a forked child (fl_ingest_direct()), which sends the
 * normalised events it decodes to the parent through a pipe, in a compact
 * binary form (fields one by one, strings with their length).  The parent
 * hands them to the caller in the same order, so `info` and `replay` see
 * exactly what an in-process decode gives, and watches the child:
 *
 *  - no byte from the child for FL_DECODE_STALL_S seconds (default 60,
 *    environment FL_DECODE_STALL_S) while the parent waits on it: a hang;
 *  - the child's resident memory above FL_DECODE_MEM_MB (default half of
 *    the RAM, environment FL_DECODE_MEM_MB): a runaway allocation;
 *  - the child killed by a signal: a crash (libbabeltrace2's assertions
 *    abort).
 *
 * Each becomes an error naming the trace, the stream file the child was
 * in and how many events it had sent.  The child's stderr goes to a
 * temporary file, so an assertion's own line can go into the message.
 *
 * Pre-validation (ctf_check.c) alone cannot replace this: it knows the
 * packet headers, not every way an event payload or a metadata can be
 * wrong.  The isolation alone gives worse messages for the common cases.
 * A side effect is that decoding (child) and the replay (parent) overlap
 * on two cores.
 */
#define _GNU_SOURCE	/* pipe2 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctf_check.h"
#include "decode_cache.h"

/* The records' format on the pipe, which decode_cache.c also keeps on
 * disk: bump WIRE_VERSION with any change of what the encoder below writes
 * (a record, a field, a field's type or size, the wire tables' order, the
 * dialects' order in fl_dialects[]), so that no cached decode of the old
 * form is read as the new one. */
#define WIRE_VERSION 1

enum {
	REC_BEGIN = 'B',
	REC_META = 'U',		/* the trace's description changed */
	REC_EVENT = 'E',
	REC_MM_ENTER = 'M',
	REC_PACKET = 'P',
	REC_RESULT = 'R',
	REC_ERROR = 'X',
};

#define BUF_SIZE 65536
#define MAX_STR 1024

/* ---------------------------------------------------------------------- */
/* The child: encode                                                      */

struct wbuf {
	int fd;
	bool failed;
	const struct fl_trace_meta *meta;	/* the decoder's, NULL before begin */
	struct fl_trace_meta sent;		/* as the parent has it */
	size_t n;
	unsigned char b[BUF_SIZE];
};

static void w_flush(struct wbuf *w)
{
	size_t off = 0;

	while (!w->failed && off < w->n) {
		ssize_t r = write(w->fd, w->b + off, w->n - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			w->failed = true;
		else
			off += (size_t)r;
	}
	w->n = 0;
}

static void w_put(struct wbuf *w, const void *p, size_t n)
{
	if (w->n + n > sizeof(w->b))
		w_flush(w);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

#define W_SCALAR(name, type)                                  \
	static void name(struct wbuf *w, type v)             \
	{                                                     \
		w_put(w, &v, sizeof(v));                      \
	}
W_SCALAR(w_u8, uint8_t)
W_SCALAR(w_u32, uint32_t)
W_SCALAR(w_i32, int32_t)
W_SCALAR(w_u64, uint64_t)

static void w_str(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);

	if (n > MAX_STR - 1)
		n = MAX_STR - 1;

	w_u32(w, (uint32_t)n);
	w_put(w, s, n);
}

/* An event on the pipe: kind, t, pid, tid and cpu, then its kind's
 * fields in the order of its table below, which both the child's encoder
 * and the parent's decoder follow. */
enum wire_type {
	WT_NUM,		/* an integer: its bytes as they are in memory */
	WT_FLAG,	/* a bool: one byte, 0 or 1 */
	WT_KIND,	/* an enum: one byte, below `count` when count is set */
	WT_TEXT,	/* a string: its length (u32), then its bytes */
};

struct wire_field {
	enum wire_type type;
	size_t off, size;	/* where it is in struct fl_event, its size there */
	unsigned count;
};

#define U_SIZE(m) sizeof(((struct fl_event *)0)->u.m)
#define NUM(m) { WT_NUM, offsetof(struct fl_event, u.m), U_SIZE(m), 0 }
#define FLAG(m) { WT_FLAG, offsetof(struct fl_event, u.m), U_SIZE(m), 0 }
#define KIND(m, n) { WT_KIND, offsetof(struct fl_event, u.m), U_SIZE(m), n }
#define TEXT(m) { WT_TEXT, offsetof(struct fl_event, u.m), U_SIZE(m), 0 }

/* A KIND travels through an unsigned int. */
_Static_assert(sizeof(enum fl_fault_source) == sizeof(unsigned) &&
	       sizeof(enum fl_mm_kind) == sizeof(unsigned) &&
	       sizeof(enum fl_lock_phase) == sizeof(unsigned) &&
	       sizeof(enum fl_task_kind) == sizeof(unsigned) &&
	       sizeof(enum fl_sched_kind) == sizeof(unsigned), "an enum is not an unsigned int");

static const struct wire_field fault_wire[] = {
	NUM(fault.address), NUM(fault.ip), NUM(fault.access), NUM(fault.arch_code),
	NUM(fault.trap), KIND(fault.source, 0),
};
static const struct wire_field fault_end_wire[] = { FLAG(fault_end.major) };
static const struct wire_field mm_call_wire[] = {
	KIND(mm_call.kind, FL_MM__COUNT), NUM(mm_call.t_enter), NUM(mm_call.t_exit),
	FLAG(mm_call.has_enter), FLAG(mm_call.has_exit), NUM(mm_call.args[0]),
	NUM(mm_call.args[1]), NUM(mm_call.args[2]), NUM(mm_call.args[3]),
	NUM(mm_call.args[4]), NUM(mm_call.args[5]), NUM(mm_call.ret), NUM(mm_call.call_site),
};
static const struct wire_field lock_wire[] = {
	KIND(lock.phase, FL_LOCK__COUNT), FLAG(lock.write), FLAG(lock.success), NUM(lock.mm),
};
static const struct wire_field vma_wire[] = {
	NUM(vma.start), NUM(vma.end), FLAG(vma.end_known), NUM(vma.pgoff), TEXT(vma.path),
	TEXT(vma.perms), TEXT(vma.vm_flags), FLAG(vma.anon_known), NUM(vma.anon_kb),
	FLAG(vma.whole),
};
static const struct wire_field task_wire[] = {
	KIND(task.kind, FL_TASK__COUNT), NUM(task.child_pid), NUM(task.child_tid),
	FLAG(task.clone_vm_known), FLAG(task.clone_vm), FLAG(task.at_attach), TEXT(task.comm),
};
static const struct wire_field lost_wire[] = {
	NUM(lost.count), FLAG(lost.packets), NUM(lost.t_begin), NUM(lost.t_end),
	NUM(lost.stream_id), FLAG(lost.ring), FLAG(lost.inferred),
};
static const struct wire_field sched_wire[] = {
	KIND(sched.kind, FL_SCHED__COUNT), NUM(sched.other), NUM(sched.prev_state),
};
static const struct wire_field ra_wire[] = { FLAG(ra.async), NUM(ra.ino), NUM(ra.index) };

#define WIRE(kind, fields) [kind] = { fields, sizeof(fields) / sizeof(fields[0]) }

static const struct wire_kind {
	const struct wire_field *f;
	size_t n;
} wire_kinds[FL_EV__COUNT] = {
	WIRE(FL_EV_FAULT, fault_wire),
	WIRE(FL_EV_FAULT_END, fault_end_wire),
	WIRE(FL_EV_MM_CALL, mm_call_wire),
	WIRE(FL_EV_MMAP_LOCK, lock_wire),
	WIRE(FL_EV_VMA_SNAPSHOT, vma_wire),
	WIRE(FL_EV_TASK, task_wire),
	WIRE(FL_EV_LOST, lost_wire),
	WIRE(FL_EV_SCHED, sched_wire),
	WIRE(FL_EV_READAHEAD, ra_wire),
};

static void w_field(struct wbuf *w, const struct wire_field *f, const struct fl_event *ev)
{
	const char *p = (const char *)ev + f->off;
	unsigned kind;

	switch (f->type) {
	case WT_NUM:
		w_put(w, p, f->size);
		break;
	case WT_FLAG:
		w_u8(w, *(const bool *)p);
		break;
	case WT_KIND:
		memcpy(&kind, p, sizeof(kind));
		w_u8(w, (uint8_t)kind);
		break;
	case WT_TEXT:
		w_str(w, p);
		break;
	}
}

static void w_event(struct wbuf *w, uint8_t rec, const struct fl_event *ev)
{
	w_u8(w, rec);
	w_u8(w, (uint8_t)ev->kind);
	w_u64(w, ev->t);
	w_i32(w, ev->pid);
	w_i32(w, ev->tid);
	w_i32(w, ev->cpu);
	if ((unsigned)ev->kind < FL_EV__COUNT)
		for (size_t i = 0; i < wire_kinds[ev->kind].n; i++)
			w_field(w, &wire_kinds[ev->kind].f[i], ev);
}

static void w_meta(struct wbuf *w, uint8_t rec, const struct fl_trace_meta *m)
{
	uint32_t idx = 0;

	while (fl_dialects[idx] && fl_dialects[idx] != m->dialect)
		idx++;
	w_u8(w, rec);
	w_u32(w, idx);
	w_str(w, m->tracer);
	w_str(w, m->hostname);
	w_str(w, m->release);
	w_str(w, m->arch);
	w_u32(w, m->page_size);
	w_str(w, m->mmu);
	w_u32(w, (uint32_t)m->zero_page);
	w_u32(w, (uint32_t)m->thp);
	w->sent = *m;
}

/* A dialect fills parts of the description from events (the faultline
 * dialect's header event): pass the change on before the next record, at
 * the point of the stream where an in-process reader would see it. */
static void meta_sync(struct wbuf *w)
{
	const struct fl_trace_meta *m = w->meta;

	/* The text fields are written with snprintf() into zeroed memory,
	 * so comparing the bytes compares the strings. */
	if (m && (m->page_size != w->sent.page_size ||
		  memcmp(m->tracer, w->sent.tracer, offsetof(struct fl_trace_meta, page_size) -
							offsetof(struct fl_trace_meta, tracer)) ||
		  strcmp(m->mmu, w->sent.mmu) || m->zero_page != w->sent.zero_page ||
		  m->thp != w->sent.thp))
		w_meta(w, REC_META, m);
}

static int c_begin(void *ctx, const struct fl_trace_meta *m)
{
	struct wbuf *w = ctx;

	w_meta(w, REC_BEGIN, m);
	w->meta = m;
	return w->failed ? -EPIPE : 0;
}

static int c_event(void *ctx, const struct fl_event *ev)
{
	struct wbuf *w = ctx;

	meta_sync(w);
	w_event(w, REC_EVENT, ev);
	return w->failed ? -EPIPE : 0;
}

static int c_mm_enter(void *ctx, const struct fl_event *ev)
{
	struct wbuf *w = ctx;

	meta_sync(w);
	w_event(w, REC_MM_ENTER, ev);
	return w->failed ? -EPIPE : 0;
}

static int c_packet(void *ctx, const char *stream)
{
	struct wbuf *w = ctx;

	meta_sync(w);
	w_u8(w, REC_PACKET);
	w_str(w, stream);
	return w->failed ? -EPIPE : 0;
}

static void c_result(struct wbuf *w, const struct fl_ingest_result *r)
{
	w_u8(w, REC_RESULT);
	w_u64(w, r->events);
	w_u64(w, r->ignored);
	w_u64(w, r->discarded_events);
	w_u64(w, r->discarded_packets);
	w_u64(w, r->mm_unpaired_enter);
	w_u64(w, r->mm_unpaired_exit);
	w_u64(w, r->inferred_losses);
	w_u8(w, r->losses_inferred);
	w_u8(w, r->have_time);
	w_u64(w, r->t_first);
	w_u64(w, r->t_last);
	w_u64(w, r->ntraces);
	w_u64(w, r->nclasses);
	for (size_t i = 0; i < r->nclasses; i++) {
		w_str(w, r->classes[i].name);
		w_u64(w, r->classes[i].count);
		w_u8(w, r->classes[i].handled);
	}
}

static void child_main(const char *path, char *const *dirs, size_t ndirs, int fd)
{
	static struct wbuf w;	/* 64 KiB: not on the stack */
	struct fl_ingest_ops ops = {
		.begin = c_begin, .event = c_event, .mm_enter = c_mm_enter, .packet = c_packet,
	};
	struct fl_ingest_result res;
	struct fl_err err = { 0 };
	int rc;

	w.fd = fd;
	rc = fl_ingest_direct(path, dirs, ndirs, &ops, &w, &res, &err);
	if (rc < 0) {
		w_u8(&w, REC_ERROR);
		w_i32(&w, err.code ? err.code : rc);
		w_str(&w, err.msg);
		w_str(&w, err.hint);
	} else {
		meta_sync(&w);
		c_result(&w, &res);
	}
	w_flush(&w);
	fl_ingest_result_free(&res);
	_exit(w.failed ? 2 : 0);
}

/* ---------------------------------------------------------------------- */
/* The parent: decode and watch                                           */

struct rbuf {
	int fd;			/* -1: the records are all in b (a cached decode) */
	pid_t pid;
	size_t at, n;
	bool eof;
	int stall_ms;
	uint64_t mem_limit;		/* bytes of resident memory */
	struct timespec last_mem;
	enum { W_NONE, W_STALL, W_MEMORY, W_STOP, W_IDLE } why;	/* the watchdog fired,
						 * fl_ingest_interrupt(), or idle failed */
	const struct fl_ingest_ops *ops;	/* ops->idle while a live session is quiet */
	void *ctx;
	int idle_rc;
	uint64_t rss;
	struct fl_decode_cache *tee;	/* what is read from the pipe also goes there */
	unsigned char *b;		/* buf, or a cached decode's records */
	unsigned char buf[BUF_SIZE];
};

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static uint64_t child_rss(pid_t pid)
{
	char p[64];
	unsigned long size = 0, resident = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/statm", (int)pid);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The memory watchdog, at most once a second. */
static bool mem_over(struct rbuf *r)
{
	if (ms_since(&r->last_mem) < 1000)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &r->last_mem);
	r->rss = child_rss(r->pid);
	if (r->rss > r->mem_limit) {
		r->why = W_MEMORY;
		return true;
	}
	return false;
}

static volatile sig_atomic_t interrupted;

void fl_ingest_interrupt(void)
{
	interrupted = 1;
}

/* Make n bytes available at r->b + r->at; false at EOF or when the
 * watchdog fired (r->why). */
static bool need(struct rbuf *r, size_t n)
{
	while (r->n - r->at < n) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		struct timespec start;
		ssize_t got;

		if (r->eof || r->why != W_NONE)
			return false;
		if (interrupted) {
			r->why = W_STOP;
			return false;
		}
		if (r->at) {
			memmove(r->b, r->b + r->at, r->n - r->at);
			r->n -= r->at;
			r->at = 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &start);
		for (;;) {
			long waited = ms_since(&start);
			int left = r->stall_ms - (int)waited, pr;

			if (mem_over(r))
				return false;
			if (left <= 0) {
				r->why = W_STALL;
				return false;
			}
			pr = poll(&pfd, 1, left < 1000 ? left : 1000);
			if (pr > 0)
				break;
			if (interrupted) {
				r->why = W_STOP;
				return false;
			}
			if (pr == 0 && r->ops && r->ops->idle &&
			    (r->idle_rc = r->ops->idle(r->ctx)) < 0) {
				r->why = W_IDLE;
				return false;
			}
			if (pr < 0 && errno != EINTR) {
				r->eof = true;
				return false;
			}
		}
		got = read(r->fd, r->b + r->n, sizeof(r->buf) - r->n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r->eof = true;
		} else {
			if (r->tee)
				fl_decode_cache_write(r->tee, r->b + r->n, (size_t)got);
			r->n += (size_t)got;
		}
	}
	return true;
}

#define R_SCALAR(name, type)                                  \
	static bool name(struct rbuf *r, type *v)            \
	{                                                     \
		if (!need(r, sizeof(*v)))                     \
			return false;                         \
		memcpy(v, r->b + r->at, sizeof(*v));          \
		r->at += sizeof(*v);                          \
		return true;                                  \
	}
R_SCALAR(r_u8, uint8_t)
R_SCALAR(r_u32, uint32_t)
R_SCALAR(r_i32, int32_t)
R_SCALAR(r_u64, uint64_t)

static bool r_bool(struct rbuf *r, bool *v)
{
	uint8_t u;

	if (!r_u8(r, &u))
		return false;
	*v = u != 0;
	return true;
}

/* A string into dst (len bytes), cut to fit. */
static bool r_str(struct rbuf *r, char *dst, size_t len)
{
	uint32_t n;

	if (!r_u32(r, &n) || n >= MAX_STR || !need(r, n))
		return false;
	snprintf(dst, len, "%.*s", (int)n, (const char *)r->b + r->at);
	r->at += n;
	return true;
}

static bool r_field(struct rbuf *r, const struct wire_field *f, struct fl_event *ev)
{
	char *p = (char *)ev + f->off;
	uint8_t u;
	unsigned kind;

	switch (f->type) {
	case WT_NUM:
		if (!need(r, f->size))
			return false;
		memcpy(p, r->b + r->at, f->size);
		r->at += f->size;
		return true;
	case WT_FLAG:
		return r_bool(r, (bool *)p);
	case WT_KIND:
		if (!r_u8(r, &u) || (f->count && u >= f->count))
			return false;
		kind = u;
		memcpy(p, &kind, sizeof(kind));
		return true;
	case WT_TEXT:
		return r_str(r, p, f->size);
	}
	return false;
}

static bool r_event(struct rbuf *r, struct fl_event *ev)
{
	uint8_t k;

	memset(ev, 0, sizeof(*ev));
	if (!r_u8(r, &k) || k >= FL_EV__COUNT || !r_u64(r, &ev->t) || !r_i32(r, &ev->pid) ||
	    !r_i32(r, &ev->tid) || !r_i32(r, &ev->cpu))
		return false;
	ev->kind = (enum fl_ev_kind)k;
	for (size_t i = 0; i < wire_kinds[k].n; i++)
		if (!r_field(r, &wire_kinds[k].f[i], ev))
			return false;
	return true;
}

static bool r_begin(struct rbuf *r, struct fl_trace_meta *m)
{
	uint32_t idx, n = 0, zp, thp;

	while (fl_dialects[n])
		n++;
	if (!r_u32(r, &idx) || idx >= n)
		return false;
	m->dialect = fl_dialects[idx];
	if (!(r_str(r, m->tracer, sizeof(m->tracer)) && r_str(r, m->hostname, sizeof(m->hostname)) &&
	      r_str(r, m->release, sizeof(m->release)) && r_str(r, m->arch, sizeof(m->arch)) &&
	      r_u32(r, &m->page_size) && r_str(r, m->mmu, sizeof(m->mmu)) && r_u32(r, &zp) && r_u32(r, &thp)) ||
	    zp > FL_ZERO_PAGE_OFF || thp > FL_THP_NEVER)
		return false;
	m->zero_page = (enum fl_zero_page)zp;
	m->thp = (enum fl_thp_mode)thp;
	return true;
}

static bool r_result(struct rbuf *r, struct fl_ingest_result *res, struct fl_err *err)
{
	uint64_t n;

	if (!r_u64(r, &res->events) || !r_u64(r, &res->ignored) ||
	    !r_u64(r, &res->discarded_events) || !r_u64(r, &res->discarded_packets) ||
	    !r_u64(r, &res->mm_unpaired_enter) || !r_u64(r, &res->mm_unpaired_exit) ||
	    !r_u64(r, &res->inferred_losses) || !r_bool(r, &res->losses_inferred) ||
	    !r_bool(r, &res->have_time) || !r_u64(r, &res->t_first) || !r_u64(r, &res->t_last) ||
	    !r_u64(r, &res->ntraces) || !r_u64(r, &n) || n > (1u << 20))
		return false;
	res->classes = calloc(n ? n : 1, sizeof(*res->classes));
	if (!res->classes) {
		fl_err_set(err, -ENOMEM, "out of memory");
		return false;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct fl_class_count *c = &res->classes[i];

		if (!r_str(r, c->name, sizeof(c->name)) || !r_u64(r, &c->count) ||
		    !r_bool(r, &c->handled))
			return false;
		res->nclasses++;
	}
	return true;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno || *end || v == 0 ? dflt : (uint64_t)v;
}

/* The line of the child's stderr that says why it died (an assertion),
 * or its last line. */
static void child_reason(FILE *log, char *out, size_t len)
{
	char line[1024];

	out[0] = '\0';
	rewind(log);
	while (fgets(line, sizeof(line), log)) {
		line[strcspn(line, "\n")] = '\0';
		/* A failed precondition is logged as three fatal lines: keep
		 * the one that says which. */
		if (!line[0] || strstr(line, "Aborting...") || strstr(line, "not satisfied; error is:"))
			continue;
		if (strstr(line, "Assertion") || !strstr(out, "Assertion")) {
			/* libbabeltrace2 decorates its assertion lines with a
			 * table-flip glyph: keep the words. */
			const char *p = strstr(line, "\u253b\u2501\u253b");

			p = p ? p + strlen("\u253b\u2501\u253b") : line;
			while (*p == ' ')
				p++;
			snprintf(out, len, "%.400s", p);
		}
	}
}

/* Pass on what the child printed (libbabeltrace2 warnings, FL_DEBUG_BT). */
static void copy_log(FILE *log)
{
	char buf[4096];
	size_t n;

	fflush(stderr);
	rewind(log);
	while ((n = fread(buf, 1, sizeof(buf), log)) > 0)
		if (fwrite(buf, 1, n, stderr) != n)
			break;
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGABRT: return "SIGABRT";
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGKILL: return "SIGKILL";
	default: return "a signal";
	}
}

/* Read the child's records and pass them on; the error, if any, in err. */
static int parent_loop(struct rbuf *r, const struct fl_ingest_ops *ops,
		       void *ctx, struct fl_ingest_result *res, char *stream, size_t slen,
		       uint64_t *nev, bool *done, struct fl_err *err)
{
	struct fl_event ev;
	uint8_t rec;
	int rc;

	while (r_u8(r, &rec)) {
		switch (rec) {
		case REC_BEGIN:
			if (!r_begin(r, &res->meta))
				return 1;
			if (ops->begin && (rc = ops->begin(ctx, &res->meta)) < 0)
				return rc;
			break;
		case REC_META:
			if (!r_begin(r, &res->meta))
				return 1;
			break;
		case REC_EVENT:
		case REC_MM_ENTER:
			if (!r_event(r, &ev))
				return 1;
			(*nev)++;
			rc = 0;
			if (rec == REC_EVENT && ops->event)
				rc = ops->event(ctx, &ev);
			else if (rec == REC_MM_ENTER && ops->mm_enter)
				rc = ops->mm_enter(ctx, &ev);
			if (rc < 0)
				return rc;
			break;
		case REC_PACKET:
			if (!r_str(r, stream, slen))
				return 1;
			if (ops->packet && (rc = ops->packet(ctx, stream)) < 0)
				return rc;
			break;
		case REC_RESULT:
			if (!r_result(r, res, err))
				return err->code ? err->code : 1;
			*done = true;
			return 0;
		case REC_ERROR: {
			int32_t code;
			struct fl_err e = { 0 };

			if (!r_i32(r, &code) || !r_str(r, e.msg, sizeof(e.msg)) ||
			    !r_str(r, e.hint, sizeof(e.hint)))
				return 1;
			fl_err_set(err, code < 0 ? code : -EPROTO, "%s", e.msg);
			if (e.hint[0])
				fl_err_hint(err, "%s", e.hint);
			*done = true;
			return err->code;
		}
		default:
			return 1;
		}
	}
	return 1;
}

/* The stream directories to decode: the URL itself for a live session,
 * else those fl_ingest_check() finds under path. */
static int ingest_dirs(const char *path, bool live, char ***dirs, size_t *ndirs,
		       struct fl_err *err)
{
	if (live) {
		/* No files to check: the source connects to the URL. */
		*dirs = calloc(1, sizeof(**dirs));
		if (!*dirs || !((*dirs)[0] = strdup(path))) {
			free(*dirs);
			return fl_err_set(err, -ENOMEM, "%s: out of memory", path);
		}
		*ndirs = 1;
		return 0;
	}
	return fl_ingest_check(path, dirs, ndirs, err);
}

/* The forked decoder: dies with the parent, writes to fd and its errors to
 * log, and exits from child_main(). */
static void decoder_child(const char *path, char *const *dirs, size_t ndirs, const int fds[2],
			  FILE *log, bool live)
{
	/* Die with the parent; write errors come back as EPIPE. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	/* A Ctrl-C of a live replay is the parent's to handle: it
	 * stops the child once it has what came before. */
	if (live) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	}
	close(fds[0]);
	dup2(fileno(log), STDERR_FILENO);
	child_main(path, dirs, ndirs, fds[1]);
}

/* The parent's reader of the decoder's pipe fd, with the watchdog's limits
 * from FL_DECODE_STALL_S and FL_DECODE_MEM_MB. */
static void rbuf_start(struct rbuf *r, int fd, pid_t pid, bool live,
		       const struct fl_ingest_ops *ops, void *ctx)
{
	uint64_t stall_s = env_u64("FL_DECODE_STALL_S", 60);

	memset(r, 0, offsetof(struct rbuf, buf));
	r->b = r->buf;
	r->fd = fd;
	r->pid = pid;
	r->stall_ms = (int)(stall_s > 86400 ? 86400000 : stall_s * 1000);
	r->mem_limit = env_u64("FL_DECODE_MEM_MB", (uint64_t)sysconf(_SC_PHYS_PAGES) *
					   (uint64_t)sysconf(_SC_PAGESIZE) / 2 / 1048576) * 1048576;
	/* A live session may send nothing for as long as its tracer sees
	 * nothing: no stall there, and the caller's idle() once a second. */
	if (live)
		r->stall_ms = INT_MAX;
	r->ops = ops;
	r->ctx = ctx;
	clock_gettime(CLOCK_MONOTONIC, &r->last_mem);
}

/* The error of a decoder that was stopped (stall, memory), crashed or ended
 * without a result, saying where in the trace it was; returns its code. */
static int decoder_failure(const char *path, const struct rbuf *r, int status, FILE *log,
			   const char *stream, uint64_t nev, struct fl_err *err)
{
	char where[700], why[512];

	if (stream[0])
		snprintf(where, sizeof(where), "in stream file '%s', after %" PRIu64
			 " events", stream, nev);
	else
		snprintf(where, sizeof(where), "while opening the trace, before any event");
	if (r->why == W_STALL) {
		fl_err_set(err, -ETIMEDOUT, "%s: libbabeltrace2 made no progress for %d s "
			   "decoding the trace (%s): stopped it", path, r->stall_ms / 1000,
			   where);
		fl_err_hint(err, "the trace is probably corrupt; FL_DECODE_STALL_S=SECONDS "
			    "gives the decoder longer");
	} else if (r->why == W_MEMORY) {
		fl_err_set(err, -ENOMEM, "%s: libbabeltrace2 used %" PRIu64 " MiB decoding the "
			   "trace (%s), more than the limit of %" PRIu64 " MiB: stopped it",
			   path, r->rss >> 20, where, r->mem_limit >> 20);
		fl_err_hint(err, "the trace is probably corrupt; FL_DECODE_MEM_MB=MIB "
			    "raises the limit");
	} else if (WIFSIGNALED(status)) {
		child_reason(log, why, sizeof(why));
		fl_err_set(err, -EPROTO, "%s: libbabeltrace2 crashed (%s) decoding the trace "
			   "(%s)%s%s", path, sig_name(WTERMSIG(status)), where,
			   why[0] ? ": " : "", why);
		fl_err_hint(err, "the trace is corrupt in a way libbabeltrace2 does not "
			    "check; tests/fuzz/README.md lists the known cases");
	} else {
		fl_err_set(err, -EPROTO, "%s: the decoder stopped without a result (%s, "
			   "exit status %d)", path, where,
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return err->code;
}

/* The trace decoded by a forked child; its records also go to cache when
 * it is not NULL, which keeps them if the decode ended well.  Into res as
 * fl_ingest_with_cache() cleared it, which also finishes a failure. */
static int ingest_forked(const char *path, bool live, struct fl_decode_cache *cache,
			 const struct fl_ingest_ops *ops, void *ctx,
			 struct fl_ingest_result *res, struct fl_err *err)
{
	static struct rbuf r;	/* 64 KiB: not on the stack; one ingestion at a time */
	char **dirs = NULL, stream[512] = "";
	size_t ndirs = 0;
	uint64_t nev = 0;
	bool done = false, whole;
	int fds[2], status = 0, rc;
	FILE *log;
	pid_t pid;

	if ((rc = ingest_dirs(path, live, &dirs, &ndirs, err)) < 0)
		return rc;
	log = tmpfile();
	if (!log || pipe2(fds, O_CLOEXEC) < 0) {
		fl_err_set(err, -errno, "%s: cannot start the decoder: %s", path, strerror(errno));
		if (log)
			fclose(log);
		fl_ctf_free_list(dirs, ndirs);
		return err->code;
	}
	/* A larger pipe: fewer switches between decoder and consumer (the
	 * default 64 KiB holds about a thousand events).  Best effort. */
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	/* Every stream, not only stdout: a caller's half-written output
	 * file (report --html reads symbols here mid-page) must not be
	 * left in a buffer the child holds a copy of. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fl_err_set(err, -errno, "%s: cannot start the decoder: %s", path, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		fclose(log);
		fl_ctf_free_list(dirs, ndirs);
		return err->code;
	}
	if (pid == 0)
		decoder_child(path, dirs, ndirs, fds, log, live);
	close(fds[1]);
	fl_ctf_free_list(dirs, ndirs);

	rbuf_start(&r, fds[0], pid, live, ops, ctx);
	r.tee = cache;
	rc = parent_loop(&r, ops, ctx, res, stream, sizeof(stream), &nev, &done, err);
	if (r.why == W_IDLE)
		rc = r.idle_rc;
	else if (r.why == W_STOP)
		rc = fl_err_set(err, -EINTR, "%s: interrupted after %" PRIu64 " events", path, nev);
	if (!done || rc != 0)
		kill(pid, SIGKILL);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Only a decode that ended well is kept: every record up to the
	 * result, and the child's clean exit. */
	whole = rc == 0 && done && r.why == W_NONE && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (rc < 0) {
		/* The caller's own error (its err, if it filled it), or the
		 * child's: not a crash, even though the child was killed. */
		if (!err->code)
			fl_err_set(err, rc, "%s: ingestion stopped", path);
		copy_log(log);
	} else if (r.why != W_NONE || WIFSIGNALED(status) || !done || rc != 0) {
		rc = decoder_failure(path, &r, status, log, stream, nev, err);
	} else {
		copy_log(log);
	}
	if (cache && whole)
		fl_decode_cache_commit(cache, log);
	fclose(log);
	return rc;
}

/* The records of a cached decode (decode_cache.h), passed on as the
 * child's would be, then the text the child printed then.  As
 * ingest_forked(), into res as fl_ingest_with_cache() cleared it. */
static int ingest_cached(const char *path, struct fl_decode_cache *c,
			 const struct fl_ingest_ops *ops, void *ctx,
			 struct fl_ingest_result *res, struct fl_err *err)
{
	static struct rbuf r;
	char stream[512] = "";
	uint64_t nev = 0;
	bool done = false;
	int rc;

	rbuf_start(&r, -1, 0, false, ops, ctx);
	r.b = (unsigned char *)c->wire;
	r.n = c->wire_len;
	r.eof = true;
	rc = parent_loop(&r, ops, ctx, res, stream, sizeof(stream), &nev, &done, err);
	if (rc > 0 || (rc == 0 && (!done || r.at != r.n))) {
		/* Whole by its checksum, yet not records of this format: the
		 * events before were passed on already, so no decode now. */
		fl_decode_cache_reject(c, "its records do not parse");
		fl_err_set(err, -EPROTO, "%s: the decode cache's records did not parse after %"
			   PRIu64 " events", path, nev);
		fl_err_hint(err, "replay again: the trace is then decoded");
		rc = err->code;
	} else if (c->log_len) {	/* as copy_log() after a decode, ended well or not */
		fflush(stderr);
		if (fwrite(c->log, 1, c->log_len, stderr) != c->log_len)
			clearerr(stderr);
	}
	return rc;
}

int fl_ingest_with_cache(const char *path, const char *cache_dir,
			 const struct fl_ingest_ops *ops, void *ctx,
			 struct fl_ingest_result *res, struct fl_err *err)
{
	struct fl_decode_cache cache;
	bool live = fl_ingest_is_live(path), opened, use;
	int rc;

	memset(res, 0, sizeof(*res));
	res->meta.path = path;
	/* A live session is never the same twice. */
	opened = cache_dir && !live && fl_decode_cache_open(&cache, cache_dir, path, WIRE_VERSION) == 0;
	if (opened && (fl_decode_cache_find(&cache) || fl_decode_cache_wait(&cache))) {
		rc = ingest_cached(path, &cache, ops, ctx, res, err);
		fl_decode_cache_close(&cache);
	} else {
		use = opened && fl_decode_cache_start(&cache);
		rc = ingest_forked(path, live, use ? &cache : NULL, ops, ctx, res, err);
		/* Removes what was not committed, and lets the replays that
		 * wait for this decode go on, even when nothing was written. */
		if (opened)
			fl_decode_cache_close(&cache);
	}
	/* Either way: nothing of a failed ingestion is kept, and it says
	 * why. */
	if (rc < 0) {
		fl_ingest_result_free(res);
		if (!err->code)
			fl_err_set(err, rc, "%s: ingestion stopped", path);
	}
	return rc < 0 ? rc : 0;
}

int fl_ingest(const char *path, const struct fl_ingest_ops *ops, void *ctx,
	      struct fl_ingest_result *res, struct fl_err *err)
{
	return fl_ingest_with_cache(path, NULL, ops, ctx, res, err);
}
