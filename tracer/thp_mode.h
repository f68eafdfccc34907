#ifndef FL_TRACER_THP_MODE_H
#define FL_TRACER_THP_MODE_H

#include <stddef.h>

/* The kernel's THP mode for anonymous PMD-size pages, "always", "madvise"
 * or "never", into buf; "" when sysfs does not say (no THP). */
void fl_thp_mode(char *buf, size_t len);

#endif
