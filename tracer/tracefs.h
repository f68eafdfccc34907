/* tracefs: where the kernel's tracepoints are described.
 *
 * perf_event_open() needs a tracepoint's numeric id, and decoding its raw
 * sample needs the field layout; both are in tracefs
 * (events/<system>/<name>/{id,format}).  Debian does not mount tracefs at
 * boot, so fl_tracefs_open() mounts it when it can.
 */
#ifndef FL_TRACEFS_H
#define FL_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_err.h"

#define FL_TP_MAX_FIELDS 12

struct fl_tp_field {
	char name[48];
	uint16_t offset, size;
	bool is_signed;
	bool data_loc;		/* __data_loc / __rel_loc: u32 (len << 16 | offset) */
	bool rel_loc;		/* __rel_loc: offset is relative to the field's end */
};

struct fl_tp_format {
	uint64_t id;
	int nfields;		/* the event's own fields, without common_* */
	struct fl_tp_field fields[FL_TP_MAX_FIELDS];
};

/* Find tracefs (FL_TRACEFS overrides), mounting it on /sys/kernel/tracing
 * if no mount has an events/ directory.  *mounted tells whether we did. */
int fl_tracefs_open(char *dir, size_t len, bool *mounted, struct fl_err *err);

/* Read events/<sys>/<name>/{id,format}.  Returns 0, -ENOENT when the event
 * does not exist on this kernel, or another negative code with err set. */
int fl_tracefs_format(const char *dir, const char *sys, const char *name,
		      struct fl_tp_format *fmt, struct fl_err *err);

/* The field called name, or NULL. */
const struct fl_tp_field *fl_tp_field(const struct fl_tp_format *fmt, const char *name);

#endif
