/* The dialect registry: adding a dialect is one file and one line here. */
#include "dialect.h"

extern const struct fl_dialect fl_dialect_perf_ctf;
extern const struct fl_dialect fl_dialect_lttng_kernel;
extern const struct fl_dialect fl_dialect_faultline;

const struct fl_dialect *const fl_dialects[] = {
	&fl_dialect_perf_ctf,
	&fl_dialect_lttng_kernel,
	&fl_dialect_faultline,
	NULL,
};
