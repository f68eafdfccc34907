/* One perf ring buffer: mmap'd, read record by record.
 *
 * The kernel writes at data_head, we consume from data_tail
 * (include/uapi/linux/perf_event.h: the acquire/release pairing on these
 * two is the whole protocol).  A record that wraps around the end of the
 * buffer is copied into a scratch buffer so callers always see it whole.
 */
#ifndef FL_PERF_RING_H
#define FL_PERF_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct fl_perf_ring {
	int fd;				/* the event the buffer belongs to, -1 if none */
	int cpu;
	void *base;
	size_t map_len;
	uint64_t data_size;
	unsigned char *data;
	uint64_t head, tail;		/* snapshot between begin and end */
	unsigned char scratch[65536];	/* a record is at most 64 KiB */
	uint64_t last_t;		/* newest sample time seen on this CPU */
	uint64_t lost;			/* PERF_RECORD_LOST total */
	uint64_t torn;			/* bytes dropped after a malformed record header */
	uint64_t bytes;			/* bytes read, for statistics */
	uint64_t peak;			/* most bytes waiting at a read */
};

/* Map the ring of fd: 1 + data_pages pages (data_pages a power of two). */
int fl_ring_map(struct fl_perf_ring *r, int fd, int cpu, size_t data_pages);
void fl_ring_unmap(struct fl_perf_ring *r);

/* Snapshot data_head; records up to it can be read with fl_ring_next.
 * Also notes how full the ring was (peak). */
void fl_ring_begin(struct fl_perf_ring *r);
/* The next record, or NULL when the snapshot is consumed. */
const struct perf_event_header *fl_ring_next(struct fl_perf_ring *r);
/* Give the consumed space back to the kernel. */
void fl_ring_end(struct fl_perf_ring *r);

#endif
