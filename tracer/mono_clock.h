/* The recorder's clock: CLOCK_MONOTONIC in ns, the clock the perf events
 * are opened with (use_clockid), so that what the recorder stamps itself
 * (the trace's start, a /proc snapshot, the session daemon's start-up)
 * orders with the kernel's own records. */
#ifndef FL_MONO_CLOCK_H
#define FL_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t fl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
