/* html_page: what the files of `report --html`'s page share: html.c (the
 * page, its runs table and charts) and html_vma.c (the address-space
 * strip). */
#ifndef FL_HTML_PAGE_H
#define FL_HTML_PAGE_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "fl_err.h"
#include "report.h"

#define HTML_W 900		/* chart width, px */
#define HTML_PR 34		/* room right of a chart's plot area, px */

/* A run on the page, with its colour in every chart. */
struct hrun {
	int64_t run_id, trace_id, faults, fallbacks, seed;
	char strategy[64], profile[64], trace[512], knobs[512];
	char color[16];
};

/* Text into HTML (element content and attribute values alike). */
void html_esc(FILE *f, const char *s);
/* "run 3 spf" */
void html_run_short(FILE *f, const struct hrun *r);
/* "run 3 spf v12, seed 0, writer_scale=150": what tells it apart. */
void html_run_name(FILE *f, const struct hrun *r);
/* An inline <svg> of w x h px, id, and label for screen readers. */
void html_svg_open(FILE *f, const char *id, const char *label, int w, int h);

/* The address-space strip: per run, the VMAs its faults were placed in,
 * each with its kind and, from the trace read again through syms, its
 * file's path.  0, or a negative code with err set. */
int html_vma_strip(FILE *f, sqlite3 *db, const char *path, const struct hrun *runs, size_t n,
		   struct report_syms *syms, struct fl_err *err);

#endif
