/* Trace ingestion: a CTF trace directory in, normalised events out.
 *
 * fl_ingest() builds the libbabeltrace2 graph
 *     source.ctf.fs  ->  filter.utils.muxer  ->  our sink
 * picks the dialect from the trace's environment, and calls ops->event for
 * each normalised event, in time order.  Discarded events and packets come
 * through as FL_EV_LOST events and are totalled in the result.
 */
#ifndef FL_INGEST_H
#define FL_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dialect.h"
#include "fl_err.h"
#include "fl_event.h"

struct fl_trace_meta {
	const char *path;
	const struct fl_dialect *dialect;
	char tracer[64];	/* env tracer_name (+ version when known) */
	char hostname[128];
	char release[128];	/* kernel release */
	char arch[32];		/* "x86_64", "ppc64le", "" unknown */
	uint32_t page_size;	/* bytes, 0 unknown */
	char mmu[16];		/* ppc64: "radix" or "hash"; "" unknown or n/a */
	/* Whether the traced kernel maps the shared zero page on an
	 * anonymous read fault (do_anonymous_page()): mainline does, a
	 * kernel that forbids it allocates a page there, which needs the
	 * VMA's anon_vma.  The environment's zero_page entry (0 or 1), or
	 * " zero_page=N" in the faultline recorder's session name. */
	enum fl_zero_page { FL_ZERO_PAGE_UNKNOWN, FL_ZERO_PAGE_ON, FL_ZERO_PAGE_OFF } zero_page;
	/* The kernel's THP mode for anonymous PMD-size pages
	 * (/sys/kernel/mm/transparent_hugepage/enabled, or the PMD size's
	 * own hugepages-NkB/enabled when not "inherit"): "always" gives any
	 * anonymous VMA huge pages, "madvise" only MADV_HUGEPAGE ones.  The
	 * environment's thp entry, or " thp=MODE" in the session name. */
	enum fl_thp_mode { FL_THP_UNKNOWN, FL_THP_ALWAYS, FL_THP_MADVISE, FL_THP_NEVER } thp;
};

/* A THP mode by its sysfs name (len bytes of s); FL_THP_UNKNOWN else. */
enum fl_thp_mode fl_thp_mode_of(const char *s, size_t len);
/* A THP mode's sysfs name; NULL for FL_THP_UNKNOWN. */
const char *fl_thp_mode_name(enum fl_thp_mode mode);

struct fl_ingest_ops {
	/* Once, when the dialect is known, before any event.  May be NULL. */
	int (*begin)(void *ctx, const struct fl_trace_meta *meta);
	/* Each normalised event.  A negative return stops the ingestion with
	 * that code; the callee should have filled err via its own means. */
	int (*event)(void *ctx, const struct fl_event *ev);
	/* An mm call's entry, in time order with the events (ev->kind is
	 * FL_EV_MM_CALL, has_exit false).  The call itself still comes through
	 * event() at its exit; this tells a consumer that a syscall span has
	 * opened, which the replay needs to hold back faults it may cover.
	 * May be NULL. */
	int (*mm_enter)(void *ctx, const struct fl_event *ev);
	/* A packet begins in the stream named stream (src.ctf.fs names a
	 * stream after its file), so that a failure can name the place.
	 * May be NULL. */
	int (*packet)(void *ctx, const char *stream);
	/* About once a second while a live session sends nothing (fl_ingest()
	 * of a net:// URL), so that the caller can commit what it has.  A
	 * negative return stops the ingestion with that code.  May be NULL. */
	int (*idle)(void *ctx);
};

/* How many CTF events of one event class were read. */
struct fl_class_count {
	char name[128];
	uint64_t count;
	bool handled;		/* the dialect decodes it (else ignored) */
};

struct fl_ingest_result {
	struct fl_trace_meta meta;
	uint64_t events;		/* CTF events read */
	uint64_t ignored;		/* of which no spec handles */
	uint64_t discarded_events;
	uint64_t discarded_packets;
	uint64_t mm_unpaired_enter;	/* entry seen, exit not (trace end) */
	uint64_t mm_unpaired_exit;	/* exit seen, entry before the trace */
	uint64_t inferred_losses;	/* syscalls cut in half mid-trace by a loss
					 * the trace does not record (dialects
					 * with infer_losses) */
	bool losses_inferred;		/* the trace does not record its losses:
					 * inferred_losses is all there is */
	bool have_time;
	uint64_t t_first, t_last;	/* ns from origin, over all events */
	uint64_t ntraces;		/* CTF traces found under the path */
	struct fl_class_count *classes;	/* one per event class seen */
	size_t nclasses;
};

/* Read the trace at path.  Returns 0, or a negative code with err filled:
 * the message names the path and, where it can, the file, event or field.
 *
 * The files are checked first (ctf_check.h), then libbabeltrace2 decodes
 * them in a child process that streams the normalised events back
 * (ingest_child.c): a hang, a runaway allocation or an abort inside the
 * library becomes an error naming the trace and the stream, and the
 * decoding overlaps with what the caller does with the events. */
int fl_ingest(const char *path, const struct fl_ingest_ops *ops, void *ctx,
	      struct fl_ingest_result *res, struct fl_err *err);

/* fl_ingest(), with the decoded records kept in cache_dir (decode_cache.h)
 * when cache_dir is not NULL: a trace whose files have not changed since
 * they were kept there is read from there, without the checks and without
 * libbabeltrace2.  Nothing about the cache fails the ingestion: a damaged
 * entry or a directory that cannot be written is a warning, and the trace
 * is decoded.  A live session does not use it. */
int fl_ingest_with_cache(const char *path, const char *cache_dir,
			 const struct fl_ingest_ops *ops, void *ctx,
			 struct fl_ingest_result *res, struct fl_err *err);

/* The checks alone: path is a directory, the CTF traces under it (a
 * bounded search), each one's metadata and stream files.  Fills dirs with
 * the trace directories (free with fl_ctf_free_list()). */
int fl_ingest_check(const char *path, char ***dirs, size_t *ndirs, struct fl_err *err);

/* The decoding alone, in this process, of the trace directories dirs
 * (from fl_ingest_check()); path names the trace in messages.  Nothing
 * protects the caller from libbabeltrace2 here: fl_ingest() runs this in
 * its child, the fuzz targets run it directly. */
int fl_ingest_direct(const char *path, char *const *dirs, size_t ndirs,
		     const struct fl_ingest_ops *ops, void *ctx,
		     struct fl_ingest_result *res, struct fl_err *err);
void fl_ingest_result_free(struct fl_ingest_result *res);

/* A live session (LTTng's live URL, net://HOST[:PORT]/host/HOSTNAME/SESSION
 * or net6://...) instead of a trace directory: fl_ingest() reads it through
 * source.ctf.lttng-live until the session ends (its tracer stopped and the
 * session destroyed), and does not check files (there are none). */
bool fl_ingest_is_live(const char *path);

/* Stop a live fl_ingest() as soon as it waits for the decoder: it then
 * returns -EINTR with err saying so, and what came before was passed on.
 * Async-signal-safe (a SIGINT handler calls it). */
void fl_ingest_interrupt(void);

/* Count of one event class by name in a result (0 if never seen). */
uint64_t fl_ingest_class_count(const struct fl_ingest_result *res, const char *name);

#endif
