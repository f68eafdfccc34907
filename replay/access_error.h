/* access_error: would the arch fault handler refuse this access to this
 * VMA (SEGV_ACCERR) before handle_mm_fault()?  x86 and powerpc differ. */
#ifndef FL_ACCESS_ERROR_H
#define FL_ACCESS_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#include "mm_ops.h"
#include "mm_vma.h"

/* acc: FL_ACC_* bits of the fault.  radix: ppc64 runs the radix MMU (only
 * radix has execute-only mappings); ignored on x86_64. */
bool fl_access_error(enum fl_mm_arch arch, bool radix, const struct fl_vma *v, uint32_t acc);

#endif
