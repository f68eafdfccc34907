/* knob_doc: the unit and source of every strategy knob, for
 * `faultline help knobs`, `replay --help` and the messages about knobs.
 *
 * The knobs themselves (key, meaning, default, range) live with their
 * strategy (struct fl_knob); this table adds what a user needs to set one:
 * its unit, and where the knob comes from (the review or the kernel code
 * that made it a question).  tests/unit/test_knob_doc.c checks that every
 * knob of every strategy has an entry.
 */
#ifndef FL_KNOB_DOC_H
#define FL_KNOB_DOC_H

#include <stdio.h>

#include "strategy.h"

struct fl_knob_doc {
	const char *strategy;
	const char *key;
	const char *unit;	/* "ns", "percent", "0 or 1" */
	const char *source;	/* the review or kernel code it comes from */
};

/* The entry of strategy's knob key, or NULL. */
const struct fl_knob_doc *fl_knob_doc(const char *strategy, const char *key);
/* "percent" or "?" when the knob has no entry. */
const char *fl_knob_unit(const char *strategy, const char *key);

/* Every knob of s (or of every strategy when s is NULL), one block each:
 * key, unit, default, range, meaning, source; then the what-if keys that
 * apply to every strategy. */
void fl_knobs_print(FILE *out, const struct fl_strategy *s);
/* text from column indent, wrapped to fit 80 columns, after prefix (which
 * starts at indent): the help's knob and cause descriptions. */
void fl_doc_wrap(FILE *out, size_t indent, const char *prefix, const char *text);
/* "spec_file (0 or 1, default 0), writer_scale (percent, default 100),
 * ..." on one line, for an error message about strategy s. */
void fl_knobs_list_line(FILE *out, const struct fl_strategy *s);
/* Whether key is a knob of any strategy or a what-if key. */
int fl_knob_known(const char *key);

#endif
