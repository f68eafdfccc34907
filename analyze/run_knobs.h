/* run_knobs: fl_run_knobs_nondefault(), a run's non-default knobs as a
 * short label; declared with the rest of the knobs in knobs.h. */
#ifndef FL_RUN_KNOBS_H
#define FL_RUN_KNOBS_H

#include "knobs.h"

#endif
