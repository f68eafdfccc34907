/* Writing merged events through the provider, and counting them.
 *
 * rec_write() is the rec_emit_fn of the merger: it turns a rec_ev into the
 * provider call of its type.  It also drops the MMAP2 side-band records of
 * a process after its exec: those mappings come from mmap calls, which the
 * trace has as mm_call events already; only the mappings the kernel made
 * during exec (binary, interpreter, vdso) are the initial layout.
 */
#ifndef FL_REC_WRITER_H
#define FL_REC_WRITER_H

#include <stdint.h>

#include "fl_map.h"
#include "rec_event.h"
#include "ust_api.h"

struct rec_writer {
	const struct fl_ust_api *api;
	struct fl_map execd;		/* pid + 1 -> 1 once its exec is written */
	uint64_t count[REC__COUNT];	/* events written, by type */
	uint64_t total;
	uint64_t lost;			/* perf records lost (sum of lost events) */
	uint64_t mmap2_dropped;
};

/* The string to write for s: "-" when s is empty or NULL.  babeltrace2
 * 2.0.x (Debian 12's) reads an empty string field as the previous event's
 * value of that field, so the trace never holds an empty string. */
const char *rec_str(const char *s);

void rec_writer_init(struct rec_writer *w, const struct fl_ust_api *api);
void rec_write(void *w, struct rec_ev *ev);
void rec_writer_free(struct rec_writer *w);

#endif
