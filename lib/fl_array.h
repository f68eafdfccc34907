/* fl_array_grow: the one growth rule for the project's dynamic arrays.
 *
 * Makes room for `need` elements of `elem` bytes in *p, doubling the
 * capacity from 16; *p and *cap are updated only on success.
 * Returns 0 or -ENOMEM.
 */
#ifndef FL_ARRAY_H
#define FL_ARRAY_H

#include <stddef.h>

int fl_array_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
