/* cause_doc: `faultline help causes`, every cause table (cause.h) as text:
 * the one place a user reads the descriptions, which the store does not
 * keep (outcome_causes holds the counter and the reason, as it always did). */
#include <stdbool.h>
#include <string.h>

#include "knob_doc.h"
#include "strategy.h"

/* Each cause: its counter and reason on one line (the reason on the next
 * when both do not fit in 80 columns), then what it counts as, and its
 * description. */
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
