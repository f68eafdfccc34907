/* knobs: what sets a run apart from another run of its strategy.
 *
 * runs.knobs holds every knob of the run's strategy, set or default, as a
 * flat JSON object (and the what-if keys arch, page_size, mmu when given).
 * Two runs that differ only in a knob look alike unless that knob is
 * shown, so every list of runs (report, diff, the HTML page, the TUI's runs
 * list, the chrome-trace metadata) names the knobs that are not at their
 * strategy's default.  One reading of runs.knobs serves them all.
 */
#ifndef FL_KNOBS_H
#define FL_KNOBS_H

#include <stddef.h>

/* "writer_scale=200 jitter_ns=50": the knobs of knobs_json (a run's
 * runs.knobs) that differ from strategy's defaults, in the order stored,
 * and every what-if key; "" when all are at their defaults.  A knob the
 * strategy does not know (a newer store) counts as not default; a text
 * value that would not read back as one word is quoted; knobs_json that is
 * not a flat JSON object is returned as it is.  Returns a string to free(),
 * or NULL when out of memory. */
char *fl_knobs_nondefault(const char *strategy, const char *knobs_json);

/* The same knobs into buf (cut to len), for short labels: text values
 * never quoted, and "" when knobs_json is not a flat JSON object. */
const char *fl_run_knobs_nondefault(const char *strategy, const char *knobs_json, char *buf,
				    size_t len);

#endif
