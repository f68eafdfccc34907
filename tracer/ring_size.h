/* The default size of faultline record's per-CPU perf rings.
 *
 * A ring must hold what its CPU produces while the recorder is off the CPU
 * (on a busy 2-vCPU machine, a 3-thread program took 4 MiB rings over the
 * edge).  So the default grows with the memory there is: 1/64 of the
 * available memory shared by all CPUs, rounded down to a power of two, at
 * least FL_RING_MIN_BYTES and at most FL_RING_MAX_BYTES per CPU.  -m
 * overrides it.
 */
#ifndef FL_RING_SIZE_H
#define FL_RING_SIZE_H

#include <stddef.h>
#include <stdint.h>

#define FL_RING_MIN_BYTES (4ull << 20)
#define FL_RING_MAX_BYTES (64ull << 20)
#define FL_RING_MEM_SHARE 64	/* all rings together: at most 1/64 of available memory */

/* Data pages per CPU ring (a power of two) for ncpus CPUs and avail bytes
 * of available memory (0: unknown, the minimum). */
size_t fl_ring_default_pages(int ncpus, size_t page_size, uint64_t avail);
/* MemAvailable from /proc/meminfo in bytes, 0 when unknown. */
uint64_t fl_ring_mem_available(void);

#endif
