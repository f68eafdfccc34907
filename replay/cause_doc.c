/* cause_doc: `faultline help causes`, every cause table (cause.h) as text,
 * from the binary: every entry, whether a run gave it or not (a database
 * of schema version 7 keeps the entries its runs gave, with their
 * descriptions, in outcome_causes). */
#include <stdbool.h>
#include <string.h>

#include "knob_doc.h"
#include "strategy.h"

/* Each cause: its counter and reason on one line (the reason on the next
 * when both do not fit in 80 columns), then what it counts as (vmstat,
 * unplaced), and its description. */
static void print_table(FILE *out, const char *name, const struct fl_cause *t, size_t n)
{
	fprintf(out, "%s:\n", name);
	for (size_t i = 0; i < n; i++) {
		const char *counter = t[i].counter[0] ? t[i].counter : "-";

		if (2 + strlen(counter) + 2 + strlen(t[i].reason) <= 80)
			fprintf(out, "  %s  %s\n", counter, t[i].reason);
		else
			fprintf(out, "  %s\n%13s%s\n", counter, "", t[i].reason);
		if (t[i].flags & FL_CAUSE_VMSTAT_SPF_ABORT)
			fprintf(out, "%13s[counts in vmstat spf_attempt and spf_abort]\n", "");
		else if (t[i].flags & FL_CAUSE_VMSTAT_SPF_ATTEMPT)
			fprintf(out, "%13s[counts in vmstat spf_attempt]\n", "");
		if (t[i].flags & FL_CAUSE_UNPLACED)
			fprintf(out, "%13s[unplaced: the model could not place the fault in a VMA it knew]\n",
				"");
		fl_doc_wrap(out, 13, "", t[i].description);
	}
}

void fl_causes_print(FILE *out)
{
	for (size_t i = 0; fl_strategies[i]; i++) {
		print_table(out, fl_strategies[i]->name, fl_strategies[i]->causes,
			    fl_strategies[i]->ncauses);
		fputc('\n', out);
	}
	print_table(out, "every strategy (the engine's)", fl_engine_causes, fl_engine_ncauses);
}
