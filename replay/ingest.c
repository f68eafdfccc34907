/* The libbabeltrace2 graph and the decoder that sits in its sink.
 *
 * Graph: source.ctf.fs (all streams of the trace), or source.ctf.lttng-live
 * for a live session's URL, -> filter.utils.muxer
 * (one time-ordered stream) -> a simple sink whose consume function hands
 * each message to the decoder.  The decoder resolves each event class once
 * (binding: which dialect spec handles it, which member indices it reads),
 * so the per-event work is a hash lookup and a few field reads.
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bt_fields.h"
#include "ctf_check.h"
#include "fl_array.h"
#include "fl_map.h"
#include "ingest_errors.h"

struct class_entry {
	struct fl_binding b;
	uint64_t count;
	char name[128];
};

struct fl_decoder {
	const char *path;
	const struct fl_dialect *dialect;
	void *priv;
	const struct fl_ingest_ops *ops;
	void *ctx;
	struct fl_ingest_result *res;
	struct fl_err *err;

	struct fl_map classes;		/* bt_event_class* -> class_entry* */
	struct class_entry **clist;	/* the same, in first-seen order */
	size_t nclist, capclist;
	struct fl_map prepared;		/* bt_stream_class* -> (void *)1 */
	struct fl_map traces;		/* bt_trace* -> (void *)1 */
	struct fl_map stream_cpu;	/* bt_stream* -> (void *)(cpu + 1) */
	struct fl_map pending;		/* tid + 1 -> fl_event* (an mm_call, enter half filled) */
	/* Losses the trace cannot carry as CTF discarded-events messages
	 * (a dialect reads them from its environment): emitted at the end. */
	struct fl_event *queued;
	size_t nqueued, capqueued;
	/* The dialect's traces record no loss (infer_losses) and nothing told
	 * otherwise: a syscall cut in half mid-trace is a loss. */
	bool infer_losses;
	struct fl_map mm_done;		/* tid + 1 -> (void *)(exit time + 1) of its last call */

	const bt_packet *last_packet;
	int32_t last_cpu;
	int stop;			/* our own error code, 0 if none */
};

/* ---------------------------------------------------------------------- */
/* What adapters call                                                     */

void *fl_decoder_priv(struct fl_decoder *d)
{
	return d->priv;
}

struct fl_trace_meta *fl_decoder_meta(struct fl_decoder *d)
{
	return &d->res->meta;
}

void fl_decoder_init_event(struct fl_decoder *d, const struct fl_binding *b,
			   const struct fl_raw *raw, enum fl_ev_kind kind,
			   struct fl_event *ev)
{
	(void)d;
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->t = raw->t;
	ev->cpu = raw->cpu;
	ev->pid = -1;
	ev->tid = -1;
	if (raw->ctx) {
		if (b->ctx_pid >= 0)
			ev->pid = (int32_t)fl_member_i64(raw->ctx, (uint64_t)b->ctx_pid, NULL);
		if (b->ctx_tid >= 0)
			ev->tid = (int32_t)fl_member_i64(raw->ctx, (uint64_t)b->ctx_tid, NULL);
	}
}

int fl_decoder_emit(struct fl_decoder *d, const struct fl_event *ev)
{
	int rc = d->ops->event ? d->ops->event(d->ctx, ev) : 0;

	if (rc < 0 && !d->stop)
		d->stop = rc;
	return rc;
}

static uint64_t tid_key(int32_t tid)
{
	return (uint64_t)(uint32_t)tid + 1;
}

int fl_decoder_queue_lost(struct fl_decoder *d, const struct fl_event *ev)
{
	if (fl_array_grow((void **)&d->queued, &d->capqueued, d->nqueued + 1, sizeof(*d->queued)) < 0)
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	d->queued[d->nqueued++] = *ev;
	return 0;
}

void fl_decoder_losses_known(struct fl_decoder *d)
{
	d->infer_losses = false;
}

/* A recorded syscall's entry and exit come from one thread in order, and
 * nothing but a lost record separates them (a thread killed inside mmap()
 * still passes sys_exit on its way out): when the trace records no loss,
 * an entry followed by another entry, or an exit with no entry from a
 * thread whose earlier call the trace holds, means the trace lost at
 * least one record between the two. */
static int infer_loss(struct fl_decoder *d, const struct fl_event *base, uint64_t t_begin)
{
	struct fl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = FL_EV_LOST;
	ev.t = base->t;
	ev.pid = ev.tid = -1;
	ev.cpu = base->cpu;
	ev.u.lost.count = 1;
	ev.u.lost.t_begin = t_begin ? t_begin : base->t;
	ev.u.lost.t_end = base->t;
	ev.u.lost.stream_id = base->cpu >= 0 ? (uint64_t)base->cpu : UINT64_MAX;
	ev.u.lost.ring = true;
	ev.u.lost.inferred = true;
	d->res->inferred_losses++;
	return fl_decoder_emit(d, &ev);
}

int fl_decoder_mm_enter(struct fl_decoder *d, const struct fl_event *base,
			enum fl_mm_kind kind, const uint64_t args[6])
{
	struct fl_event *p = fl_map_del(&d->pending, tid_key(base->tid));
	int rc = 0;

	if (p) {
		/* The previous call's exit was lost: deliver it as cut off. */
		d->res->mm_unpaired_enter++;
		if (d->infer_losses)
			rc = infer_loss(d, base, p->u.mm_call.t_enter);
		if (rc >= 0)
			rc = fl_decoder_emit(d, p);
	} else {
		p = malloc(sizeof(*p));
		if (!p)
			return fl_err_set(d->err, -ENOMEM, "out of memory");
	}
	*p = *base;
	p->kind = FL_EV_MM_CALL;
	p->u.mm_call.kind = kind;
	p->u.mm_call.t_enter = base->t;
	p->u.mm_call.has_enter = true;
	memcpy(p->u.mm_call.args, args, sizeof(p->u.mm_call.args));
	if (fl_map_put(&d->pending, tid_key(base->tid), p) < 0) {
		free(p);
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	}
	if (rc >= 0 && d->ops->mm_enter) {
		rc = d->ops->mm_enter(d->ctx, p);
		if (rc < 0 && !d->stop)
			d->stop = rc;
	}
	return rc;
}

int fl_decoder_mm_exit(struct fl_decoder *d, const struct fl_event *base,
		       enum fl_mm_kind kind, int64_t ret)
{
	struct fl_event *p = fl_map_del(&d->pending, tid_key(base->tid));
	struct fl_event ev;
	int rc = 0;

	if (p && p->u.mm_call.kind != kind) {
		/* A different call's entry: its exit is lost, and so is this
		 * call's entry. */
		d->res->mm_unpaired_enter++;
		if (d->infer_losses)
			rc = infer_loss(d, base, p->u.mm_call.t_enter);
		if (rc >= 0)
			rc = fl_decoder_emit(d, p);
		free(p);
		p = NULL;
		if (rc < 0)
			return rc;
	} else if (!p && d->infer_losses) {
		/* No entry: before the trace began, unless this thread's
		 * earlier call is in it. */
		void *last = fl_map_get(&d->mm_done, tid_key(base->tid));

		if (last)
			rc = infer_loss(d, base, (uint64_t)(uintptr_t)last - 1);
	}
	if (rc < 0)
		return rc;
	if (d->infer_losses &&
	    fl_map_put(&d->mm_done, tid_key(base->tid), (void *)(uintptr_t)(base->t + 1)) < 0) {
		free(p);
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	}
	if (p) {
		ev = *p;
		free(p);
	} else {
		d->res->mm_unpaired_exit++;
		ev = *base;
		ev.kind = FL_EV_MM_CALL;
		ev.u.mm_call.kind = kind;
	}
	ev.t = base->t;
	ev.cpu = base->cpu;
	ev.u.mm_call.t_exit = base->t;
	ev.u.mm_call.has_exit = true;
	ev.u.mm_call.ret = ret;
	return fl_decoder_emit(d, &ev);
}

static int cmp_pending(const void *a, const void *b)
{
	const struct fl_event *pa = *(struct fl_event *const *)a;
	const struct fl_event *pb = *(struct fl_event *const *)b;

	if (pa->t != pb->t)
		return pa->t < pb->t ? -1 : 1;
	return (pa->tid > pb->tid) - (pa->tid < pb->tid);
}

/* Calls still inside the kernel when the trace ended: deliver them, in
 * entry order, at the trace's last timestamp. */
static int flush_pending(struct fl_decoder *d)
{
	struct fl_event **v;
	size_t n = 0, it = 0;
	void *val;
	int rc = 0;

	for (size_t i = 0; i < d->nqueued && rc >= 0; i++) {
		d->queued[i].t = d->res->t_last;
		rc = fl_decoder_emit(d, &d->queued[i]);
	}
	if (rc < 0 || !d->pending.len)
		return rc < 0 ? rc : 0;
	v = calloc(d->pending.len, sizeof(*v));
	if (!v)
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	while (fl_map_next(&d->pending, &it, NULL, &val))
		v[n++] = val;
	qsort(v, n, sizeof(*v), cmp_pending);
	for (size_t i = 0; i < n; i++) {
		v[i]->t = d->res->t_last;
		d->res->mm_unpaired_enter++;
		if (rc >= 0)
			rc = fl_decoder_emit(d, v[i]);
		free(v[i]);
	}
	free(v);
	fl_map_free(&d->pending);
	fl_map_init(&d->pending);
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------------- */
/* Dialect detection and per-class binding                                */

static const char *env_str(const bt_trace *trace, const char *name)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(trace, name);

	if (v && bt_value_is_string(v))
		return bt_value_string_get(v);
	return "";
}

/* The environment's zero_page entry (an integer, or a string "0"/"1":
 * scripts/capture-perf-trace writes it), else " zero_page=N" in the
 * trace_name (faultline record's session name). */
static enum fl_zero_page zero_page_of(const bt_trace *trace)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(trace, "zero_page");
	const char *name = env_str(trace, "trace_name"), *z = strstr(name, " zero_page=");
	const char *s = NULL;

	if (v && bt_value_is_signed_integer(v))
		return bt_value_integer_signed_get(v) ? FL_ZERO_PAGE_ON : FL_ZERO_PAGE_OFF;
	if (v && bt_value_is_unsigned_integer(v))
		return bt_value_integer_unsigned_get(v) ? FL_ZERO_PAGE_ON : FL_ZERO_PAGE_OFF;
	if (v && bt_value_is_string(v))
		s = bt_value_string_get(v);
	else if (z)
		s = z + strlen(" zero_page=");
	if (s && (s[0] == '0' || s[0] == '1') && (s[1] == '\0' || s[1] == ' '))
		return s[0] == '1' ? FL_ZERO_PAGE_ON : FL_ZERO_PAGE_OFF;
	return FL_ZERO_PAGE_UNKNOWN;
}

/* The THP modes' sysfs names. */
static const char *const thp_names[] = { [FL_THP_ALWAYS] = "always", [FL_THP_MADVISE] = "madvise",
					 [FL_THP_NEVER] = "never" };

/* A THP mode by its sysfs name; FL_THP_UNKNOWN for anything else. */
enum fl_thp_mode fl_thp_mode_of(const char *s, size_t len)
{
	for (size_t i = FL_THP_ALWAYS; i <= FL_THP_NEVER; i++)
		if (strlen(thp_names[i]) == len && !strncmp(s, thp_names[i], len))
			return (enum fl_thp_mode)i;
	return FL_THP_UNKNOWN;
}

const char *fl_thp_mode_name(enum fl_thp_mode mode)
{
	return mode >= FL_THP_ALWAYS && mode <= FL_THP_NEVER ? thp_names[mode] : NULL;
}

/* The environment's thp entry (scripts/capture-perf-trace), else
 * " thp=MODE" in the trace_name (faultline record's session name). */
static enum fl_thp_mode thp_of(const bt_trace *trace)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(trace, "thp");
	const char *name = env_str(trace, "trace_name"), *z = strstr(name, " thp=");

	if (v && bt_value_is_string(v))
		return fl_thp_mode_of(bt_value_string_get(v), strlen(bt_value_string_get(v)));
	if (z)
		return fl_thp_mode_of(z + 5, strcspn(z + 5, " "));
	return FL_THP_UNKNOWN;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static int detect_dialect(struct fl_decoder *d, const bt_stream *stream)
{
	const bt_trace *trace = bt_stream_borrow_trace_const(stream);
	struct fl_trace_env env = {
		.path = d->path,
		.tracer_name = env_str(trace, "tracer_name"),
		.domain = env_str(trace, "domain"),
		.trace = trace,
		.stream_class = bt_stream_borrow_class_const(stream),
	};
	const struct fl_dialect *best = NULL;
	int best_score = 0;
	struct fl_trace_meta *m = &d->res->meta;

	if (fl_map_get(&d->traces, (uintptr_t)trace))
		return 0;
	if (fl_map_put(&d->traces, (uintptr_t)trace, (void *)1) < 0)
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	d->res->ntraces++;

	for (size_t i = 0; fl_dialects[i]; i++) {
		int s = fl_dialects[i]->match(&env);
		if (s > best_score) {
			best_score = s;
			best = fl_dialects[i];
		}
	}
	if (!best) {
		fl_err_set(d->err, -EPROTO,
			   "%s: not a trace faultline can read (tracer_name \"%s\", domain \"%s\")",
			   d->path, env.tracer_name, env.domain);
		fl_err_hint(d->err, "faultline reads `perf data convert --all --to-ctf` output "
			    "and lttng-modules kernel traces; see `faultline help info`");
		return d->err->code;
	}
	if (d->dialect) {
		if (best != d->dialect) {
			fl_err_set(d->err, -EPROTO,
				   "%s: holds traces of two dialects (%s and %s); give one trace directory",
				   d->path, d->dialect->name, best->name);
			return d->err->code;
		}
		return 0;
	}

	d->dialect = best;
	d->infer_losses = best->infer_losses;
	if (best->priv_size) {
		d->priv = calloc(1, best->priv_size);
		if (!d->priv)
			return fl_err_set(d->err, -ENOMEM, "out of memory");
	}
	if (best->on_trace) {
		int rc = best->on_trace(d, &env, d->err);
		if (rc < 0)
			return rc;
	}
	m->dialect = best;
	copy_str(m->tracer, sizeof(m->tracer), env.tracer_name);
	copy_str(m->hostname, sizeof(m->hostname),
		 env_str(trace, "host")[0] ? env_str(trace, "host") : env_str(trace, "hostname"));
	copy_str(m->release, sizeof(m->release),
		 env_str(trace, "release")[0] ? env_str(trace, "release")
					      : env_str(trace, "kernel_release"));
	if (best->describe)
		best->describe(&env, m->arch, sizeof(m->arch), &m->page_size);
	if (best->describe_mmu)
		best->describe_mmu(&env, m->mmu, sizeof(m->mmu));
	m->zero_page = zero_page_of(trace);
	m->thp = thp_of(trace);
	if (d->ops->begin) {
		int rc = d->ops->begin(d->ctx, m);
		if (rc < 0)
			return d->stop = rc;
	}
	return 0;
}

static int prepare_stream_class(struct fl_decoder *d, const bt_stream_class *sc)
{
	if (fl_map_get(&d->prepared, (uintptr_t)sc))
		return 0;
	if (fl_map_put(&d->prepared, (uintptr_t)sc, (void *)1) < 0)
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	if (!bt_stream_class_borrow_default_clock_class_const(sc)) {
		fl_err_set(d->err, -EPROTO, "%s: stream class %" PRIu64 " has no clock: "
			   "events without timestamps cannot be replayed",
			   d->path, bt_stream_class_get_id(sc));
		return d->err->code;
	}
	if (d->dialect->prepare)
		return d->dialect->prepare(d, sc, d->err);
	return 0;
}

static const char *field_list(const struct fl_event_spec *spec, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < FL_SPEC_MAX_FIELDS && spec->fields[i]; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
					i ? ", " : "", spec->fields[i]);
	return buf;
}

static struct class_entry *bind_class(struct fl_decoder *d, const bt_event_class *ec)
{
	const char *name = bt_event_class_get_name(ec);
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
	struct class_entry *ce = calloc(1, sizeof(*ce));
	const struct fl_event_spec *spec = NULL;
	size_t si;

	if (!ce) {
		fl_err_set(d->err, -ENOMEM, "out of memory");
		return NULL;
	}
	copy_str(ce->name, sizeof(ce->name), name ? name : "(unnamed)");
	ce->b.ctx_pid = ce->b.ctx_tid = -1;
	for (si = 0; name && d->dialect->specs[si].name; si++) {
		if (strcmp(d->dialect->specs[si].name, name) == 0) {
			spec = &d->dialect->specs[si];
			break;
		}
	}
	if (spec) {
		const bt_field_class *pfc = bt_event_class_borrow_payload_field_class_const(ec);
		const bt_field_class *cfc =
			bt_stream_class_borrow_event_common_context_field_class_const(sc);

		for (int i = 0; i < FL_SPEC_MAX_FIELDS && spec->fields[i]; i++) {
			int64_t idx = fl_struct_member_index(pfc, spec->fields[i]);
			char want[256];

			if (idx < 0) {
				fl_err_set(d->err, -EPROTO,
					   "%s: event '%s' has no field '%s' (the %s dialect reads: %s)",
					   d->path, name, spec->fields[i], d->dialect->name,
					   field_list(spec, want, sizeof(want)));
				free(ce);
				return NULL;
			}
			const bt_field_class_structure_member *m =
				bt_field_class_structure_borrow_member_by_index_const(pfc, (uint64_t)idx);
			const bt_field_class *mfc =
				bt_field_class_structure_member_borrow_field_class_const(m);
			if (!fl_field_class_is_integer_like(mfc) && !fl_field_class_is_string(mfc) &&
			    bt_field_class_get_type(mfc) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
				fl_err_set(d->err, -EPROTO,
					   "%s: field '%s' of event '%s' is not an integer, a string "
					   "or a structure", d->path, spec->fields[i], name);
				free(ce);
				return NULL;
			}
			ce->b.idx[i] = (uint64_t)idx;
		}
		if (d->dialect->ctx_pid)
			ce->b.ctx_pid = fl_struct_member_index(cfc, d->dialect->ctx_pid);
		if (d->dialect->ctx_tid)
			ce->b.ctx_tid = fl_struct_member_index(cfc, d->dialect->ctx_tid);
		ce->b.spec = spec;
		ce->b.spec_index = si;
	}
	if (fl_array_grow((void **)&d->clist, &d->capclist, d->nclist + 1, sizeof(*d->clist)) < 0) {
		free(ce);
		fl_err_set(d->err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (fl_map_put(&d->classes, (uintptr_t)ec, ce) < 0) {
		free(ce);
		fl_err_set(d->err, -ENOMEM, "out of memory");
		return NULL;
	}
	d->clist[d->nclist++] = ce;
	return ce;
}

/* ---------------------------------------------------------------------- */
/* Messages                                                               */

static int32_t packet_cpu(const bt_packet *pkt)
{
	const bt_field *ctx = pkt ? bt_packet_borrow_context_field_const(pkt) : NULL;
	int64_t idx;

	if (!ctx)
		return -1;
	idx = fl_struct_member_index(bt_field_borrow_class_const(ctx), "cpu_id");
	if (idx < 0)
		return -1;
	return (int32_t)fl_member_u64(ctx, (uint64_t)idx, NULL);
}

static int snapshot_ns(const bt_clock_snapshot *snap, uint64_t *ns)
{
	int64_t v;

	if (bt_clock_snapshot_get_ns_from_origin(snap, &v) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return -ERANGE;
	*ns = (uint64_t)v;
	return 0;
}

/* Time span of the trace.  perf writes side-band records it synthesised
 * before recording (perf_comm of the tool itself) at time 0: those carry no
 * time and do not start the span. */
static void note_time(struct fl_ingest_result *res, uint64_t t)
{
	if (t == 0)
		return;
	if (!res->have_time) {
		res->have_time = true;
		res->t_first = res->t_last = t;
		return;
	}
	if (t < res->t_first)
		res->t_first = t;
	if (t > res->t_last)
		res->t_last = t;
}

static int handle_event(struct fl_decoder *d, const bt_message *msg)
{
	const bt_event *ev = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(ev);
	struct class_entry *ce = fl_map_get(&d->classes, (uintptr_t)ec);
	struct fl_raw raw;

	if (!ce && !(ce = bind_class(d, ec)))
		return d->err->code;
	ce->count++;
	d->res->events++;
	if (snapshot_ns(bt_message_event_borrow_default_clock_snapshot_const(msg), &raw.t) < 0)
		return fl_err_set(d->err, -ERANGE,
				  "%s: event '%s' has a timestamp out of range", d->path, ce->name);
	note_time(d->res, raw.t);
	if (!ce->b.spec) {
		d->res->ignored++;
		return 0;
	}
	const bt_packet *pkt = bt_event_borrow_packet_const(ev);
	if (pkt != d->last_packet) {
		d->last_packet = pkt;
		d->last_cpu = packet_cpu(pkt);
	}
	raw.event = ev;
	raw.payload = bt_event_borrow_payload_field_const(ev);
	raw.ctx = bt_event_borrow_common_context_field_const(ev);
	raw.cpu = d->last_cpu;
	return ce->b.spec->decode(d, &ce->b, &raw);
}

static int emit_lost(struct fl_decoder *d, const bt_stream *stream, uint64_t count,
		     bool packets, const bt_clock_snapshot *begin,
		     const bt_clock_snapshot *end)
{
	struct fl_event ev;
	void *cpu = fl_map_get(&d->stream_cpu, (uintptr_t)stream);

	memset(&ev, 0, sizeof(ev));
	ev.kind = FL_EV_LOST;
	ev.pid = ev.tid = -1;
	ev.cpu = cpu ? (int32_t)((uintptr_t)cpu - 1) : -1;
	ev.u.lost.count = count;
	ev.u.lost.packets = packets;
	ev.u.lost.stream_id = bt_stream_get_id(stream);
	if (begin && end) {
		snapshot_ns(begin, &ev.u.lost.t_begin);
		snapshot_ns(end, &ev.u.lost.t_end);
	}
	ev.t = ev.u.lost.t_end ? ev.u.lost.t_end : d->res->t_last;
	if (packets)
		d->res->discarded_packets += count;
	else
		d->res->discarded_events += count;
	return fl_decoder_emit(d, &ev);
}

static int handle_message(struct fl_decoder *d, const bt_message *msg)
{
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT:
		return handle_event(d, msg);
	case BT_MESSAGE_TYPE_STREAM_BEGINNING: {
		const bt_stream *s = bt_message_stream_beginning_borrow_stream_const(msg);
		int rc = detect_dialect(d, s);
		return rc < 0 ? rc : prepare_stream_class(d, bt_stream_borrow_class_const(s));
	}
	case BT_MESSAGE_TYPE_PACKET_BEGINNING: {
		const bt_packet *p = bt_message_packet_beginning_borrow_packet_const(msg);
		int32_t cpu = packet_cpu(p);

		/* libbabeltrace2 recycles packet objects: a new packet may sit
		 * at the address of one already gone, so forget the cache. */
		d->last_packet = NULL;
		if (d->ops->packet) {
			const char *name = bt_stream_get_name(bt_packet_borrow_stream_const(p));
			int rc = d->ops->packet(d->ctx, name ? name : "");

			if (rc < 0)
				return d->stop = rc;
		}
		if (cpu >= 0 && fl_map_put(&d->stream_cpu, (uintptr_t)bt_packet_borrow_stream_const(p),
					   (void *)(uintptr_t)(cpu + 1)) < 0)
			return fl_err_set(d->err, -ENOMEM, "out of memory");
		return 0;
	}
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
		const bt_stream *s = bt_message_discarded_events_borrow_stream_const(msg);
		const bt_stream_class *sc = bt_stream_borrow_class_const(s);
		uint64_t n = 0;
		bool clk = bt_stream_class_discarded_events_have_default_clock_snapshots(sc);

		/* Unknown count: at least one event was lost. */
		if (bt_message_discarded_events_get_count(msg, &n) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
			n = 1;
		return emit_lost(d, s, n, false,
				 clk ? bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg) : NULL,
				 clk ? bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg) : NULL);
	}
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS: {
		const bt_stream *s = bt_message_discarded_packets_borrow_stream_const(msg);
		const bt_stream_class *sc = bt_stream_borrow_class_const(s);
		uint64_t n = 0;
		bool clk = bt_stream_class_discarded_packets_have_default_clock_snapshots(sc);

		if (bt_message_discarded_packets_get_count(msg, &n) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
			n = 1;
		return emit_lost(d, s, n, true,
				 clk ? bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(msg) : NULL,
				 clk ? bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(msg) : NULL);
	}
	default:
		return 0;
	}
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *it,
								   void *data)
{
	struct fl_decoder *d = data;
	bt_message_array_const msgs;
	uint64_t count;
	int rc = 0;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (rc >= 0)
			rc = handle_message(d, msgs[i]);
		bt_message_put_ref(msgs[i]);
	}
	if (rc < 0) {
		if (!d->stop)
			d->stop = rc;
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* ---------------------------------------------------------------------- */
/* Input checks and libbabeltrace2 errors                                 */

/* The path is a directory with CTF traces in it (found by a bounded
 * search), and their files pass the checks of ctf_check.c. */
int fl_ingest_check(const char *path, char ***dirs, size_t *ndirs, struct fl_err *err)
{
	struct stat st;
	int rc;

	*dirs = NULL;
	*ndirs = 0;
	if (stat(path, &st) < 0) {
		fl_err_set(err, -errno, "%s: %s", path, strerror(errno));
		if (errno == ENOENT)
			fl_err_hint(err, "give the directory that perf data convert --to-ctf "
				    "or lttng wrote");
		return err->code;
	}
	if (!S_ISDIR(st.st_mode)) {
		fl_err_set(err, -ENOTDIR, "%s: not a directory: a CTF trace is a directory "
			   "holding a 'metadata' file and stream files", path);
		fl_err_hint(err, "for a perf.data file, convert it first: "
			    "perf data convert --all --to-ctf=DIR -i %s", path);
		return err->code;
	}
	if ((rc = fl_ctf_find_traces(path, dirs, ndirs, err)) < 0)
		return rc;
	if (!*ndirs) {
		fl_err_set(err, -ENOENT, "%s: no CTF trace here (no 'metadata' file in it "
			   "or below it)", path);
		fl_err_hint(err, "record one with perf record + perf data convert --all --to-ctf, "
			    "or lttng; see `faultline help info`");
		return err->code;
	}
	/* FL_INGEST_NO_CHECK=1 leaves the files to libbabeltrace2 alone: to
	 * see its own verdict on a trace, or its failures under the watchdog. */
	for (size_t i = 0; !getenv("FL_INGEST_NO_CHECK") && i < *ndirs; i++) {
		if ((rc = fl_ctf_check_dir((*dirs)[i], err)) < 0) {
			fl_ctf_free_list(*dirs, *ndirs);
			*dirs = NULL;
			*ndirs = 0;
			return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The graph                                                              */

/* The ctf and utils plugins, loaded once per process and kept: a replay
 * reads several traces, and keeping the shared objects mapped until exit
 * also lets leak checkers name them (babeltrace2 2.0.4's metadata parser
 * leaks a little on malformed metadata; see tests/lsan.supp).
 *
 * Both come from one bt_plugin_find_all(): bt_plugin_find() is a
 * bt_plugin_find_all() that keeps one plugin, so finding them one by one
 * loaded every plugin of the search path twice (lttng-utils pulls in
 * libdw, libelf and the compression libraries).  The search order and
 * "the first plugin of a name wins" are the same. */
static const bt_plugin *find_plugin(const char *name)
{
	static struct {
		const char *name;
		const bt_plugin *plugin;
	} cache[2] = { { "ctf", NULL }, { "utils", NULL } };
	static bool searched;

	if (!searched) {
		const bt_plugin_set *set = NULL;

		searched = true;
		if (bt_plugin_find_all(BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &set) ==
		    BT_PLUGIN_FIND_ALL_STATUS_OK) {
			uint64_t n = bt_plugin_set_get_plugin_count(set);

			for (uint64_t i = 0; i < n; i++) {
				const bt_plugin *p = bt_plugin_set_borrow_plugin_by_index_const(set, i);

				for (size_t k = 0; k < sizeof(cache) / sizeof(cache[0]); k++) {
					if (!cache[k].plugin && !strcmp(bt_plugin_get_name(p), cache[k].name)) {
						cache[k].plugin = p;
						bt_plugin_get_ref(p);
					}
				}
			}
			bt_plugin_set_put_ref(set);
		} else {
			bt_current_thread_clear_error();
		}
	}
	for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
		if (!strcmp(cache[i].name, name))
			return cache[i].plugin;
	return NULL;
}

static int add_component(bt_graph *graph, const char *plugin_name, const char *cls_name,
			 int kind, const char *name, const bt_value *params,
			 const void **comp, struct fl_err *err)
{
	const bt_plugin *plugin = find_plugin(plugin_name);
	int rc = 0;

	if (!plugin) {
		fl_err_set(err, -ENOENT, "babeltrace2 plugin '%s' not found", plugin_name);
		fl_err_hint(err, "install the babeltrace2 package (scripts/install-deps)");
		return err->code;
	}
	if (kind == 's') {
		const bt_component_class_source *cc =
			bt_plugin_borrow_source_component_class_by_name_const(plugin, cls_name);
		if (!cc || bt_graph_add_source_component(graph, cc, name, params,
							 BT_LOGGING_LEVEL_WARNING,
							 (const bt_component_source **)comp) !=
				   BT_GRAPH_ADD_COMPONENT_STATUS_OK)
			rc = -1;
	} else {
		const bt_component_class_filter *cc =
			bt_plugin_borrow_filter_component_class_by_name_const(plugin, cls_name);
		if (!cc || bt_graph_add_filter_component(graph, cc, name, params,
							 BT_LOGGING_LEVEL_NONE,
							 (const bt_component_filter **)comp) !=
				   BT_GRAPH_ADD_COMPONENT_STATUS_OK)
			rc = -1;
	}
	return rc;
}

static int build_graph(bt_graph *graph, struct fl_decoder *d, const char *path,
		       char *const *dirs, size_t ndirs, struct fl_err *err)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	const bt_component_source *src = NULL;
	const bt_component_filter *mux = NULL;
	const bt_component_sink *sink = NULL;
	int rc;

	bool bad = !params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
				      BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK;

	/* The trace directories the bounded search found, not path: the
	 * source's own search follows every symbolic link. */
	for (size_t i = 0; !bad && i < ndirs; i++)
		bad = bt_value_array_append_string_element(inputs, dirs[i]) !=
		      BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK;
	if (bad) {
		bt_value_put_ref(params);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	struct log_capture cap;
	char log_detail[512];
	bool bad_metadata;

	/* A live session: LTTng's relay daemon serves it to
	 * source.ctf.lttng-live, which ends when the session does (it is
	 * destroyed); a session that is not there ends it at once. */
	if (!bad && fl_ingest_is_live(path))
		bad = bt_value_map_insert_string_entry(params, "session-not-found-action", "end") !=
		      BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK;
	if (bad) {
		bt_value_put_ref(params);
		return fl_err_set(err, -ENOMEM, "out of memory");
	}
	ingest_capture_begin(&cap);
	rc = add_component(graph, "ctf", fl_ingest_is_live(path) ? "lttng-live" : "fs", 's',
			   "source", params, (const void **)&src, err);
	ingest_capture_end(&cap, log_detail, sizeof(log_detail), &bad_metadata);
	bt_value_put_ref(params);
	if (rc < 0) {
		if (err->code)
			return err->code;
		if (fl_ingest_is_live(path))
			return ingest_bt_error(err, path, "cannot connect to the LTTng relay daemon",
					     log_detail);
		return ingest_bt_error(err, path,
				     bad_metadata ? "cannot parse the CTF metadata"
				     : ingest_truncated(log_detail) ? "truncated CTF packet (a stream file ends "
							       "inside a packet)"
				     : "cannot open CTF trace",
				     log_detail);
	}
	rc = add_component(graph, "utils", "muxer", 'f', "muxer", NULL, (const void **)&mux, err);
	if (rc < 0)
		return err->code ? err->code : ingest_bt_error(err, path, "cannot create muxer", NULL);
	if (bt_graph_add_simple_sink_component(graph, "faultline", NULL, consume, NULL, d, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK)
		return ingest_bt_error(err, path, "cannot create sink", NULL);

	/* Each output port of the source is one stream file; the muxer grows
	 * a new input port every time one is connected. */
	uint64_t nout = bt_component_source_get_output_port_count(src);
	for (uint64_t i = 0; i < nout; i++) {
		const bt_port_output *op = bt_component_source_borrow_output_port_by_index_const(src, i);
		const bt_port_input *ip = bt_component_filter_borrow_input_port_by_index_const(mux, i);
		if (!ip || bt_graph_connect_ports(graph, op, ip, NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
			return ingest_bt_error(err, path, "cannot connect stream to muxer", NULL);
	}
	if (bt_graph_connect_ports(graph,
				   bt_component_filter_borrow_output_port_by_index_const(mux, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
		return ingest_bt_error(err, path, "cannot connect muxer to sink", NULL);
	return 0;
}

static int fill_classes(struct fl_decoder *d)
{
	struct fl_ingest_result *res = d->res;

	res->classes = calloc(d->nclist ? d->nclist : 1, sizeof(*res->classes));
	if (!res->classes)
		return fl_err_set(d->err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < d->nclist; i++) {
		copy_str(res->classes[i].name, sizeof(res->classes[i].name), d->clist[i]->name);
		res->classes[i].count = d->clist[i]->count;
		res->classes[i].handled = d->clist[i]->b.spec != NULL;
	}
	res->nclasses = d->nclist;
	return 0;
}

static void decoder_free(struct fl_decoder *d)
{
	size_t it = 0;
	void *val;

	while (fl_map_next(&d->pending, &it, NULL, &val))
		free(val);
	fl_map_free(&d->pending);
	fl_map_free(&d->mm_done);
	free(d->queued);
	for (size_t i = 0; i < d->nclist; i++)
		free(d->clist[i]);
	free(d->clist);
	fl_map_free(&d->classes);
	fl_map_free(&d->prepared);
	fl_map_free(&d->traces);
	fl_map_free(&d->stream_cpu);
	free(d->priv);
}

int fl_ingest_direct(const char *path, char *const *dirs, size_t ndirs,
		     const struct fl_ingest_ops *ops, void *ctx,
		     struct fl_ingest_result *res, struct fl_err *err)
{
	struct fl_decoder d = {
		.path = path, .ops = ops, .ctx = ctx, .res = res, .err = err, .last_cpu = -1,
	};
	bt_graph *graph;
	bt_graph_run_status st;
	int rc;

	memset(res, 0, sizeof(*res));
	res->meta.path = path;
	fl_map_init(&d.classes);
	fl_map_init(&d.prepared);
	fl_map_init(&d.traces);
	fl_map_init(&d.stream_cpu);
	fl_map_init(&d.pending);
	fl_map_init(&d.mm_done);

	graph = bt_graph_create(0);
	if (!graph)
		return fl_err_set(err, -ENOMEM, "out of memory");
	rc = build_graph(graph, &d, path, dirs, ndirs, err);
	while (rc == 0) {
		st = bt_graph_run(graph);
		if (st == BT_GRAPH_RUN_STATUS_OK)
			break;
		if (st == BT_GRAPH_RUN_STATUS_AGAIN) {
			/* A live session with nothing new: the source asks to
			 * be called again later. */
			if (fl_ingest_is_live(path))
				nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
			continue;
		}
		if (d.stop) {
			/* Our own error: it is already in err. */
			bt_current_thread_clear_error();
			rc = d.stop;
		} else {
			rc = ingest_bt_error(err, path, st == BT_GRAPH_RUN_STATUS_MEMORY_ERROR
						     ? "out of memory" : "cannot decode CTF trace",
					   NULL);
		}
	}
	bt_graph_put_ref(graph);
	if (rc == 0 && !d.dialect) {
		fl_err_set(err, -ENODATA, "%s: the trace holds no streams", path);
		rc = err->code;
	}
	if (rc == 0)
		rc = flush_pending(&d);
	res->losses_inferred = d.infer_losses;
	if (rc == 0)
		rc = fill_classes(&d);
	decoder_free(&d);
	/* What libbabeltrace2 still holds as this thread's error (a cause a
	 * component added before the graph stopped, after the one taken
	 * above) is of no more use, and bt_graph_create() refuses to start
	 * while one is set: an ingestion run again in this thread would
	 * abort on that precondition. */
	bt_current_thread_clear_error();
	if (rc < 0 && !err->code)
		fl_err_set(err, rc, "%s: ingestion stopped", path);
	return rc;
}

bool fl_ingest_is_live(const char *path)
{
	return !strncmp(path, "net://", 6) || !strncmp(path, "net6://", 7);
}

void fl_ingest_result_free(struct fl_ingest_result *res)
{
	free(res->classes);
	res->classes = NULL;
	res->nclasses = 0;
}

uint64_t fl_ingest_class_count(const struct fl_ingest_result *res, const char *name)
{
	for (size_t i = 0; i < res->nclasses; i++)
		if (strcmp(res->classes[i].name, name) == 0)
			return res->classes[i].count;
	return 0;
}
