#ifndef FL_TRACER_ZERO_PAGE_H
#define FL_TRACER_ZERO_PAGE_H

/* Whether this kernel maps the shared zero page on a read fault in a
 * private anonymous mapping (do_anonymous_page()): 1 it does (mainline),
 * 0 it allocates a page there instead (a kernel that forbids the zero
 * page), -1 the probe could not tell. */
int fl_zero_page_probe(void);

#endif
