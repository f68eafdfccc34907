/* run_knobs: the knobs of a run that differ from its strategy's defaults,
 * as short text ("jitter_ns=500 writer_scale=150"), for the places that
 * name a run (the TUI's runs list, the HTML legend, the chrome-trace
 * metadata): two runs of one strategy that differ only in knobs must not
 * read the same.
 *
 * runs.knobs is a flat JSON object of every knob's value; the what-if keys
 * (arch, page_size, mmu) are stored only when given, so they always count.
 */
#ifndef FL_RUN_KNOBS_H
#define FL_RUN_KNOBS_H

#include <stddef.h>

/* Write the knobs of knobs_json that are not strategy's defaults into buf
 * ("" when all are default, or when knobs_json is not a flat object). */
const char *fl_run_knobs_nondefault(const char *strategy, const char *knobs_json, char *buf,
				    size_t len);

#endif
