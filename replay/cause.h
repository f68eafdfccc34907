/* cause: why a strategy decided a fault as it did, as one entry of a table.
 *
 * Each strategy (strategy_<name>.c) lists every (counter, reason) its
 * fault() can give in one static table, fl_strategy.causes; the outcomes
 * the engine decides itself have theirs in strategies.c (fl_engine_causes).
 * An outcome points at its entry (fl_outcome.cause): the store codes
 * outcome_causes by the entry's code and keeps the entry's code,
 * description and FL_CAUSE_UNPLACED with it (schema version 7), a
 * strategy's summary totals the entries by their flags, and
 * tests/unit/test_causes.c holds every outcome on the bundled traces to
 * the tables.
 * README-strategies.md ("Cause tables") says how to add one.
 */
#ifndef FL_CAUSE_H
#define FL_CAUSE_H

#include <stdint.h>

struct fl_cause {
	/* Unique in its table, from 1; the engine's table counts from
	 * FL_CAUSE_ENGINE_BASE, so that no strategy's code is one of them. */
	uint16_t code;
	unsigned flags;		/* FL_CAUSE_* */
	/* The kernel's counter the attempt bumps (a vm_event, a trace event),
	 * spelled as the kernel spells it; "" when it bumps none. */
	const char *counter;
	const char *reason;	/* the finer reason, as outcome_causes stores it */
	/* One line for a kernel engineer: which kernel function decides it,
	 * and what it does then (outcome_causes.description). */
	const char *description;
};

/* What a cause counts as, beyond its own counter (a strategy's summary
 * totals them). */
enum {
	/* Lespinasse's /proc/vmstat: count_vm_event(SPF_ATTEMPT) ran... */
	FL_CAUSE_VMSTAT_SPF_ATTEMPT = 1u << 0,
	/* ...and count_vm_event(SPF_ABORT): the attempt returned
	 * VM_FAULT_RETRY. */
	FL_CAUSE_VMSTAT_SPF_ABORT = 1u << 1,
	/* The model could not place the fault in a VMA it knew: it knew no
	 * layout at the address (FL_PLACE_UNKNOWN), only an extent it
	 * inferred (FL_PLACE_INFERRED), or no VMA holds the address
	 * (FL_PLACE_NO_VMA: the kernel's find finds none, a hole).  Stored as
	 * outcome_causes.unplaced: the report's faults outside every VMA the
	 * model knew (analyze/losses.c) are these entries' outcomes, found
	 * without matching the reason's text. */
	FL_CAUSE_UNPLACED = 1u << 2,
};

#define FL_CAUSE_ENGINE_BASE 1000

/* One run's outcomes of one cause. */
struct fl_cause_count {
	const struct fl_cause *cause;
	uint64_t n;
};

#endif
