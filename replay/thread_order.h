/* thread_order: the threads of a tid-keyed map in (pid, tid) order.
 *
 * The trace summary (`info`), the engine and the delays each keep their
 * threads in an fl_map keyed by tid + 1, and each lists them in the same
 * order: by process, then by thread.  Their records differ, but each
 * begins with the same two fields, `int32_t pid, tid;`
 * (FL_THREAD_ORDER_CHECK() makes the compiler hold them to it).
 */
#ifndef FL_THREAD_ORDER_H
#define FL_THREAD_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "fl_map.h"

/* A record `type` fl_threads_sorted() can order: pid, then tid, first. */
#define FL_THREAD_ORDER_CHECK(type)                                                        \
	_Static_assert(offsetof(type, pid) == 0 && offsetof(type, tid) == sizeof(int32_t),  \
		       #type " must begin with int32_t pid, tid")

/* The map's values, each moved by `off` bytes to the record that begins
 * with pid and tid, sorted by (pid, tid).  A new array of *n pointers (one
 * slot at least), the caller's to free, not the records; NULL without
 * memory (*n is 0). */
void **fl_threads_sorted(const struct fl_map *m, size_t off, size_t *n);

#endif
