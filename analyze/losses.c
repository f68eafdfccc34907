#include "losses.h"

#include "fl_sql.h"

#include <inttypes.h>
#include <string.h>

int fl_losses_read(sqlite3 *db, int64_t trace_id, struct fl_loss_summary *s)
{
	bool v3 = fl_sql_has_column(db, "traces", "t_first_loss");
	sqlite3_stmt *q;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = sqlite3_prepare_v2(db, v3 ? "SELECT lost_events - lost_records, lost_packets, lost_records,"
				       " coalesce(t_first_loss, 0), t_first, (SELECT count(*) FROM losses"
				       " l WHERE l.trace_id = ?1) FROM traces WHERE trace_id = ?1"
				    : "SELECT lost_events, lost_packets, 0, 0, t_first, 0 FROM traces"
				      " WHERE trace_id = ?1", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, trace_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		s->events = (uint64_t)sqlite3_column_int64(q, 0);
		s->packets = (uint64_t)sqlite3_column_int64(q, 1);
		s->records = (uint64_t)sqlite3_column_int64(q, 2);
		s->t_first_loss = sqlite3_column_int64(q, 3);
		s->t_first = sqlite3_column_int64(q, 4);
		s->reports = (uint64_t)sqlite3_column_int64(q, 5);
	}
	sqlite3_finalize(q);
	s->lossy = s->events || s->packets || s->records;
	if (!s->lossy || !v3)
		return 0;
	rc = sqlite3_prepare_v2(db, "SELECT coalesce(sum(count), 0) FROM losses WHERE trace_id = ?1"
				    " AND what = 'perf records (inferred)'", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, trace_id);
	if (sqlite3_step(q) == SQLITE_ROW)
		s->inferred = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	/* The partial index faults_not_vma covers gt <> 'vma'. */
	rc = sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT tid) FROM faults WHERE trace_id = ?1"
				    " AND gt = 'unknown' AND gt_detail = 'after loss'", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, trace_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		s->faults_after = (uint64_t)sqlite3_column_int64(q, 0);
		s->threads_after = (uint64_t)sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return 0;
}

static void what_lost(char *buf, size_t len, const struct fl_loss_summary *s)
{
	if (s->inferred)
		snprintf(buf, len, "at least %" PRIu64 " perf records lost (%" PRIu64 " syscalls cut in"
			 " half; perf's own count is not in the trace), %" PRIu64 " events and %" PRIu64
			 " packets discarded", s->records, s->inferred, s->events, s->packets);
	else
		snprintf(buf, len, "%" PRIu64 " perf records lost, %" PRIu64 " events and %" PRIu64
			 " packets discarded", s->records, s->events, s->packets);
}

void fl_losses_print(FILE *f, const char *prefix, const struct fl_loss_summary *s,
		     const struct fl_time_fmt *tf)
{
	struct fl_time_fmt rel = { .t_first = s->t_first };
	char what[256], at[32];

	if (!s->lossy)
		return;
	what_lost(what, sizeof(what), s);
	fprintf(f, "%swarning:   the trace lost events (%s)\n", prefix, what);
	if (s->t_first_loss)
		fprintf(f, "%s           from %s%s on, %" PRIu64 " faults of %" PRIu64 " threads may rest on"
			" a wrong layout: their ground truth is 'unknown' (after loss), and\n"
			"%s           --fidelity leaves them out\n", prefix,
			fl_fmt_at(at, sizeof(at), tf ? tf : &rel, s->t_first_loss),
			tf && tf->abs ? "" : " s", s->faults_after, s->threads_after, prefix);
	else
		fprintf(f, "%s           when is not known: every answer from this trace may be wrong\n",
			prefix);
}

void fl_losses_line(char *buf, size_t len, const struct fl_loss_summary *s)
{
	char what[256];

	buf[0] = '\0';
	if (!s->lossy)
		return;
	what_lost(what, sizeof(what), s);
	snprintf(buf, len, "trace lost events (%s): %" PRIu64 " faults after the first loss are not "
		 "trustworthy", what, s->faults_after);
}

/* The run's unplaced outcomes.  Schema version 7 marks their causes
 * (outcome_causes.unplaced, the cause table's FL_CAUSE_UNPLACED); an older
 * database is read by the reasons' texts those causes had, as it always
 * was. */
static const char unplaced_count_v7[] =
	"SELECT coalesce(sum(n), 0) FROM cause_counts k WHERE run_id = ?1 AND EXISTS (SELECT 1"
	" FROM outcome_causes c WHERE c.run_id = k.run_id AND c.counter = k.counter"
	" AND c.reason = k.reason AND c.unplaced = 1)";
static const char unplaced_count_text[] =
	"SELECT coalesce(sum(n), 0) FROM cause_counts WHERE run_id = ?1 AND "
	"(reason LIKE 'unplaced%' OR reason = 'no VMA')";
static const char unplaced_list_v7[] =
	"SELECT f.pid, c.reason, count(*), min(f.t) - t.t_first FROM outcome_rows o"
	" JOIN outcome_causes c ON c.run_id = o.run_id AND c.cause_id = o.cause_id"
	" JOIN runs r ON r.run_id = o.run_id JOIN traces t ON t.trace_id = r.trace_id"
	" JOIN faults f ON f.trace_id = r.trace_id AND f.fault_id = o.fault_id"
	" WHERE o.run_id = ?1 AND c.unplaced = 1"
	" GROUP BY f.pid, c.reason ORDER BY 3 DESC, 1";
static const char unplaced_list_text[] =
	"SELECT f.pid, o.reason, count(*), min(f.t) - t.t_first FROM outcomes o"
	" JOIN runs r ON r.run_id = o.run_id JOIN traces t ON t.trace_id = r.trace_id"
	" JOIN faults f ON f.trace_id = r.trace_id AND f.fault_id = o.fault_id"
	" WHERE o.run_id = ?1 AND (o.reason LIKE 'unplaced%' OR o.reason = 'no VMA')"
	" GROUP BY f.pid, o.reason ORDER BY 3 DESC, 1";

int fl_unplaced_print(FILE *f, sqlite3 *db, int64_t run_id, const char *prefix,
		      const struct fl_time_fmt *tf)
{
	static const struct fl_time_fmt rel;
	bool flagged = fl_sql_has_column(db, "outcome_causes", "unplaced");
	char at[32];
	sqlite3_stmt *q;
	int64_t n = 0;
	bool head = false;

	if (sqlite3_prepare_v2(db, flagged ? unplaced_count_v7 : unplaced_count_text, -1, &q,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, run_id);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (!n)
		return 0;
	if (sqlite3_prepare_v2(db, flagged ? unplaced_list_v7 : unplaced_list_text, -1, &q,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, run_id);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (!head) {
			fprintf(f, "%sfaults outside every VMA the model knew, per process:\n"
				"%s  %8s  %-32s %8s  %s\n", prefix, prefix, "pid", "reason", "faults",
				"first at");
			head = true;
		}
		fprintf(f, "%s  %8d  %-32s %8" PRId64 "  %s%s\n", prefix, sqlite3_column_int(q, 0),
			(const char *)sqlite3_column_text(q, 1), (int64_t)sqlite3_column_int64(q, 2),
			fl_fmt_since(at, sizeof(at), tf ? tf : &rel, sqlite3_column_int64(q, 3)),
			tf && tf->abs ? "" : " s");
	}
	sqlite3_finalize(q);
	return 0;
}
