/* The dialect adapter interface.
 *
 * A dialect is one way of writing page-fault and mm events into CTF: perf's
 * `data convert --to-ctf`, lttng-modules, or faultline's own UST provider.
 * Each lives in one file (dialect_<name>.c) that defines a struct fl_dialect
 * and is listed once in dialects.c; nothing else changes to add one.
 *
 * An adapter is a table of event specs: the event class name it handles, the
 * payload members it needs (resolved to indices once per class, so a missing
 * member is a clear error naming the event and the field, not a wrong
 * answer), and a decode function that turns one CTF event into zero or more
 * normalised events through the fl_decoder_* calls below.
 */
#ifndef FL_DIALECT_H
#define FL_DIALECT_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stdint.h>

#include "fl_err.h"
#include "fl_event.h"

#define FL_SPEC_MAX_FIELDS 8

struct fl_decoder;
struct fl_binding;

/* One CTF event, as an adapter sees it. */
struct fl_raw {
	const bt_event *event;
	const bt_field *payload;
	const bt_field *ctx;	/* event common context, NULL if none */
	uint64_t t;		/* ns from origin */
	int32_t cpu;		/* from the packet context, -1 if none */
};

typedef int (*fl_decode_fn)(struct fl_decoder *d, const struct fl_binding *b,
			    const struct fl_raw *raw);

struct fl_event_spec {
	const char *name;	/* CTF event class name, exact */
	fl_decode_fn decode;
	int arg;		/* passed through to decode: an fl_mm_kind, ... */
	/* Payload members decode reads, in the order of fl_binding.idx. */
	const char *fields[FL_SPEC_MAX_FIELDS];
};

struct fl_binding {
	const struct fl_event_spec *spec;	/* NULL: the class is ignored */
	uint64_t spec_index;			/* index into dialect->specs */
	uint64_t idx[FL_SPEC_MAX_FIELDS];	/* payload member indices */
	int64_t ctx_pid, ctx_tid;		/* common-context members, or -1 */
};

struct fl_trace_env {
	const char *path;		/* the trace, for messages */
	const char *tracer_name;	/* env "tracer_name", "" if absent */
	const char *domain;		/* env "domain", "" if absent */
	const bt_trace *trace;
	const bt_stream_class *stream_class;
};

struct fl_dialect {
	const char *name;		/* "perf-ctf", "lttng-kernel", ... */
	const char *description;	/* what writes it, for `faultline info` */
	/* How sure is this dialect that it reads this trace: 0 (no) to 100. */
	int (*match)(const struct fl_trace_env *env);
	/* Event specs, terminated by an entry with name == NULL. */
	const struct fl_event_spec *specs;
	/* Common-context members carrying pid and tid (NULL: none). */
	const char *ctx_pid;
	const char *ctx_tid;
	/* Optional: called once per stream class before its first event, to
	 * look at which event classes the trace declares. */
	int (*prepare)(struct fl_decoder *d, const bt_stream_class *sc,
		       struct fl_err *err);
	/* Arch and page size when the dialect can tell them; may be NULL. */
	void (*describe)(const struct fl_trace_env *env, char *arch, size_t arch_len,
			 uint32_t *page_size);
	/* The MMU mode ("radix", "hash" on ppc64) when the dialect can tell
	 * it; may be NULL. */
	void (*describe_mmu)(const struct fl_trace_env *env, char *mmu, size_t mmu_len);
	/* Size of the adapter's private state (zeroed) in the decoder. */
	size_t priv_size;
	/* The dialect's traces do not record what the tracer lost (perf's
	 * CTF conversion drops PERF_RECORD_LOST): infer losses from syscalls
	 * cut in half, unless on_trace finds them recorded after all. */
	bool infer_losses;
	/* Its traces show the layout of every process they follow: each
	 * exec's image, and the /proc layout of a process the recorder
	 * attached to.  A process whose layout the trace has not shown yet
	 * knows only its traced calls from the first event on (mmctx's
	 * layout_known), not just from the first layout the trace shows. */
	bool layouts;
	/* Optional: called once, with the trace's environment, when the
	 * dialect is chosen. */
	int (*on_trace)(struct fl_decoder *d, const struct fl_trace_env *env, struct fl_err *err);
};

/* The known dialects, NULL-terminated (dialects.c). */
extern const struct fl_dialect *const fl_dialects[];

/* --- what decode functions call ----------------------------------------- */

/* Adapter-private state (priv_size bytes, zeroed at start). */
void *fl_decoder_priv(struct fl_decoder *d);
/* The trace's metadata, for a dialect whose trace carries it in an event
 * (the faultline header): fill what the environment left empty. */
struct fl_trace_meta;
struct fl_trace_meta *fl_decoder_meta(struct fl_decoder *d);

/* An event with kind, t, pid, tid and cpu filled from raw and the common
 * context (or -1).  Adapters overwrite what they know better. */
void fl_decoder_init_event(struct fl_decoder *d, const struct fl_binding *b,
			   const struct fl_raw *raw, enum fl_ev_kind kind,
			   struct fl_event *ev);

/* Hand a finished normalised event downstream.  Returns < 0 to stop. */
int fl_decoder_emit(struct fl_decoder *d, const struct fl_event *ev);

/* mmap-family syscall halves: paired per tid into one FL_EV_MM_CALL. */
int fl_decoder_mm_enter(struct fl_decoder *d, const struct fl_event *base,
			enum fl_mm_kind kind, const uint64_t args[6]);
int fl_decoder_mm_exit(struct fl_decoder *d, const struct fl_event *base,
		       enum fl_mm_kind kind, int64_t ret);

/* A loss the trace records outside its event stream (in its environment):
 * emitted after the last event.  Returns < 0 on error. */
int fl_decoder_queue_lost(struct fl_decoder *d, const struct fl_event *ev);
/* The trace says what it lost (maybe nothing): infer no losses. */
void fl_decoder_losses_known(struct fl_decoder *d);

#endif
