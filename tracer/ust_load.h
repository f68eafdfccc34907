/* Finding and loading faultline-ust.so, the LTTng-UST provider.
 *
 * Looked for, in order: $FL_UST_PROVIDER; next to the faultline binary (the
 * build tree); ../lib/faultline/ relative to it (`make install`); the
 * library directory compiled in (FL_LIBDIR).
 */
#ifndef FL_UST_LOAD_H
#define FL_UST_LOAD_H

#include "fl_err.h"
#include "ust_api.h"

/* Load the provider.  Call it only once the LTTng session is started:
 * loading starts LTTng-UST, which picks up the session's events then. */
const struct fl_ust_api *fl_ust_load(char *path, size_t len, struct fl_err *err);

/* Where the provider would be loaded from, without loading it ("" if
 * nowhere). */
void fl_ust_find(char *path, size_t len);

#endif
