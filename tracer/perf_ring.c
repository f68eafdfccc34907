#include "perf_ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int fl_ring_map(struct fl_perf_ring *r, int fd, int cpu, size_t data_pages)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	memset(r, 0, offsetof(struct fl_perf_ring, scratch));
	r->fd = fd;
	r->cpu = cpu;
	r->map_len = (1 + data_pages) * page;
	r->base = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		return -errno;
	}
	struct perf_event_mmap_page *meta = r->base;
	/* data_offset/data_size exist since 4.1; before, data follows page 0. */
	r->data_size = meta->data_size ? meta->data_size : data_pages * page;
	r->data = (unsigned char *)r->base + (meta->data_offset ? meta->data_offset : page);
	return 0;
}

void fl_ring_unmap(struct fl_perf_ring *r)
{
	if (r->base)
		munmap(r->base, r->map_len);
	r->base = NULL;
}

void fl_ring_begin(struct fl_perf_ring *r)
{
	struct perf_event_mmap_page *meta = r->base;

	r->head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	r->tail = meta->data_tail;
	if (r->head - r->tail > r->peak)
		r->peak = r->head - r->tail;
}

const struct perf_event_header *fl_ring_next(struct fl_perf_ring *r)
{
	uint64_t mask = r->data_size - 1;
	const struct perf_event_header *h;
	uint64_t off, size;

	if (r->tail >= r->head)
		return NULL;
	off = r->tail & mask;
	h = (const void *)(r->data + off);
	/* The 8-byte header itself never wraps: records are 8-byte aligned. */
	size = h->size;
	if (size < sizeof(*h) || size > r->head - r->tail) {
		/* A torn or corrupt record: drop the rest of this snapshot,
		 * and say so (it counts as lost). */
		r->torn += r->head - r->tail;
		r->tail = r->head;
		return NULL;
	}
	if (off + size > r->data_size) {
		uint64_t first = r->data_size - off;
		memcpy(r->scratch, r->data + off, first);
		memcpy(r->scratch + first, r->data, size - first);
		h = (const void *)r->scratch;
	}
	r->tail += size;
	r->bytes += size;
	return h;
}

void fl_ring_end(struct fl_perf_ring *r)
{
	struct perf_event_mmap_page *meta = r->base;

	__atomic_store_n(&meta->data_tail, r->tail, __ATOMIC_RELEASE);
}
