/* html: `faultline report --html FILE`, one self-contained page.
 *
 * The page holds everything it shows: inline CSS and inline SVG, no script,
 * no font, no image or style sheet fetched from anywhere (a
 * Content-Security-Policy of default-src 'none' says so to the browser).
 * It shows, for every run (or run_id when > 0): the abort and retry causes
 * (the faults that fell back), fallbacks over the trace's time, the latency
 * tail, and
 * a map of the address space with the VMAs where faults fell back, each
 * with its kind and file (html_vma.c).  Every
 * chart has labelled axes with units and ticks; each run one colour and a
 * legend entry naming its profile, seed and non-default knobs.
 */
#ifndef FL_HTML_H
#define FL_HTML_H

#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"
#include "report.h"

/* Write the page of db (path names it) to out, replacing it; the VMAs'
 * files come from the runs' traces through syms (report.h).  0, or a
 * negative code with err set. */
int fl_html_write(sqlite3 *db, const char *path, int64_t run_id, const char *out,
		  struct report_syms *syms, struct fl_err *err);

#endif
