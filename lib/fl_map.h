/* fl_map: an open-addressing hash map from uint64_t keys to pointers.
 *
 * Used where the hot path needs a lookup per event (event class -> binding,
 * tid -> pending syscall), so it is linear probing over one array with no
 * per-entry allocation.  Key 0 is reserved as "empty": callers with keys that
 * may be 0 add 1 or use another key.
 */
#ifndef FL_MAP_H
#define FL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct fl_map_slot {
	uint64_t key;
	void *val;
};

struct fl_map {
	struct fl_map_slot *slots;
	size_t cap;	/* power of two, or 0 */
	size_t len;
};

void fl_map_init(struct fl_map *m);
void fl_map_free(struct fl_map *m);
void *fl_map_get(const struct fl_map *m, uint64_t key);
/* Insert or replace; returns 0, or -ENOMEM. */
int fl_map_put(struct fl_map *m, uint64_t key, void *val);
/* Remove and return the value (NULL if absent). */
void *fl_map_del(struct fl_map *m, uint64_t key);

/* Iterate: for (size_t i = 0; fl_map_next(m, &i, &k, &v); ) */
int fl_map_next(const struct fl_map *m, size_t *iter, uint64_t *key, void **val);

#endif
