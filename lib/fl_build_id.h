/* The running program's build ID: the NT_GNU_BUILD_ID note the linker
 * writes (a hash of the linked output), read from the program's own
 * headers.  It names this exact build where the version string does not:
 * two builds of one commit with different code (a tree with changes, other
 * compiler flags) share a version. */
#ifndef FL_BUILD_ID_H
#define FL_BUILD_ID_H

#include <stddef.h>

/* The build ID's bytes and their number (a SHA-1 build ID has 20), or 0
 * when the program was linked without one (--build-id=none). */
size_t fl_build_id(const unsigned char **id);

#endif
