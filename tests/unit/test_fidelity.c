/* fidelity: the comparison of a run's predicted fallbacks with the trace's
 * ground truth, and the store checks, on stores built in memory from
 * schemas/outcomes.sql (read at run time: it is the contract). */
#include "unit.h"

#include <errno.h>
#include <stdio.h>

#include "analyze/fidelity.h"
#include "analyze/store_read.h"

static char *schema;

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("%s\nin: %.200s", msg ? msg : "?", sql);
		sqlite3_free(msg);
	}
}

static int setup(void **state)
{
	char path[4096];
	FILE *f = fopen(top_path("schemas/outcomes.sql", path, sizeof(path)), "r");
	long n;

	(void)state;
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	schema = calloc(1, (size_t)n + 1);
	if (!schema || fread(schema, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(schema);
	return 0;
}

static sqlite3 *new_store(void)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(db, schema);
	return db;
}

/* Trace 1 with ground truth, trace 2 without; pid 100 (threads 101, 102)
 * and pid 200 (thread 201).  Writers of trace 1:
 *   1  mprotect, pid 100, lock held 1.000010000 .. 1.000040000
 *   2  munmap,   pid 100, no lock events: syscall 2.000000000 .. 2.000100000
 *   3  mmap,     pid 200, lock held 3.000000000 .. 3.000001000
 *   4  brk,      pid 100, lock held 4.001500000 .. 4.001600000 (1.5 ms after
 *                         the fault at 4.000000000: too far to be "near") */
static const char base_sql[] =
	"INSERT INTO traces VALUES"
	" (1, 't1', 'perf-ctf', 'perf', 'h', '6.18', 'x86_64', 4096, 0, 9000000000, 1, 0, 0, 1, 1, 0, NULL),"
	" (2, 't2', 'perf-ctf', 'perf', 'h', '6.1', 'x86_64', 4096, 0, 10, 1, 0, 0, 0, 0, 0, NULL);"
	"INSERT INTO threads VALUES (1, 101, 100, 'worker', 0, 0, 0), (1, 102, 100, 'main', 0, 0, 0),"
	" (1, 201, 200, 'other', 0, 0, 0);"
	"INSERT INTO writers VALUES"
	" (1, 1, 102, 100, 'mprotect', '[]', 0, 1000000000, 1000050000, 1000010000, 1000010000,"
	"  1000040000, 1, NULL),"
	" (1, 2, 102, 100, 'munmap', '[]', 0, 2000000000, 2000100000, NULL, NULL, NULL, 1, NULL),"
	" (1, 3, 201, 200, 'mmap', '[]', 0, 3000000000, 3000001000, 3000000000, 3000000000,"
	"  3000001000, 0, NULL),"
	" (1, 4, 102, 100, 'brk', '[]', 0, 4001500000, 4001600000, 4001500000, 4001500000,"
	"  4001600000, 0, NULL);";

/* A fault of trace 1 and run 1's outcome for it (NULL outcome: none). */
struct row {
	int id;
	long long t;
	int tid;
	const char *gt, *gt_detail;
	int fell_back;			/* -1: no outcome row */
	const char *counter, *reason;
	int writer_id;			/* 0: NULL */
};

static void add(sqlite3 *db, int run_id, const struct row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char sql[1024];

		snprintf(sql, sizeof(sql),
			 "INSERT OR IGNORE INTO faults VALUES (1, %d, %lld, %lld, %d, %d, 0, %lld, 0,"
			 " 'write', 6, 0, '%s', '%s', NULL);",
			 r[i].id, r[i].t, r[i].t + 1000, r[i].tid, r[i].tid == 201 ? 200 : 100,
			 0x7f0000000000LL + 4096LL * r[i].id, r[i].gt, r[i].gt_detail);
		exec(db, sql);
		if (r[i].fell_back < 0)
			continue;
		snprintf(sql, sizeof(sql),
			 "INSERT INTO outcomes VALUES (%d, %d, '%s', %d, '%s', '%s', 1, 1000, 0, %s,"
			 " %lld, %lld, 'anon', 'anon_write');", run_id, r[i].id,
			 r[i].fell_back ? "mmap_lock" : "vma_lock", r[i].fell_back, r[i].counter,
			 r[i].reason, r[i].writer_id ? (r[i].writer_id == 1 ? "1" : "2") : "NULL",
			 0x7f0000000000LL, 0x7f0001000000LL);
		exec(db, sql);
	}
}

static const struct row case_rows[] = {
	/* TN */
	{ 1, 1100000000, 101, "vma", "", 0, "vma_lock_success", "ok", 0 },
	{ 2, 1200000000, 101, "vma", "anon_vma trylock", 0, "vma_lock_success", "ok", 0 },
	/* TP */
	{ 3, 1000020000, 101, "fallback", "trylock failed", 1, "vma_lock_abort", "write-locked", 1 },
	{ 4, 1300000000, 101, "fallback", "", 1, "vma_lock_retry", "no anon_vma", 0 },
	{ 5, 1400000000, 101, "fallback", "anon_vma retry", 1, "vma_lock_retry", "no anon_vma", 0 },
	/* FP: in writer 2's syscall span (no lock events), none named */
	{ 6, 2000050000, 101, "vma", "", 1, "vma_lock_abort", "write-locked", 0 },
	/* FN: writer 3 is near but of pid 200; writer 4 of pid 100 is 1.5 ms off */
	{ 7, 3000000500, 101, "fallback", "trylock failed", 0, "vma_lock_success", "ok", 0 },
	{ 8, 4000000000, 102, "fallback", "stack growth", 0, "vma_lock_success", "ok", 0 },
	/* FN of pid 200: writer 3 overlaps it */
	{ 9, 3000000200, 201, "fallback", "", 0, "vma_lock_success", "ok", 0 },
	/* excluded: unknown truth, and a known truth with no outcome */
	{ 10, 5000000000, 101, "unknown", "", 1, "vma_lock_retry", "no anon_vma", 0 },
	{ 11, 5100000000, 101, "fallback", "", -1, "", "", 0 },
	/* FP with its writer named: writer 1 */
	{ 12, 1000030000, 101, "vma", "", 1, "vma_lock_abort", "write-locked", 1 },
};

static sqlite3 *case_store(void)
{
	sqlite3 *db = new_store();

	exec(db, base_sql);
	exec(db, "INSERT INTO runs VALUES (1, 1, 'pervma', '6.15+', '{}', 0, 't', 'x', 0, '{}',"
		 " 12, 6, 0);");
	add(db, 1, case_rows, sizeof(case_rows) / sizeof(case_rows[0]));
	return db;
}

/* The store check agrees with the schema file: same application_id, and
 * the schema's user_version is the one this build reads. */
static void schema_is_readable(void **state)
{
	struct fl_err err = { 0 };
	sqlite3 *db = new_store();

	(void)state;
	assert_int_equal(fl_store_check(db, "mem", &err), FL_STORE_VERSION);
	assert_int_equal(err.code, 0);
	sqlite3_close(db);
}

static void check_refuses_others(void **state)
{
	struct fl_err err = { 0 };
	sqlite3 *db = new_store();

	(void)state;
	exec(db, "PRAGMA user_version = 99;");
	assert_int_equal(fl_store_check(db, "x.db", &err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, "x.db"));
	assert_non_null(strstr(err.msg, "version 99"));
	assert_non_null(strstr(err.msg, "(version 7)"));
	assert_non_null(strstr(err.hint, "upgrade"));
	sqlite3_close(db);

	memset(&err, 0, sizeof(err));
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(db, "CREATE TABLE runs (x);");
	assert_int_equal(fl_store_check(db, "y.db", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "y.db: not a faultline database"));
	sqlite3_close(db);

	memset(&err, 0, sizeof(err));
	db = new_store();
	exec(db, "PRAGMA user_version = 0;");
	assert_true(fl_store_check(db, "z.db", &err) < 0);
	assert_non_null(strstr(err.msg, "without a schema version"));
	sqlite3_close(db);
}

static void ratio_never_divides_by_zero(void **state)
{
	double r = -1;

	(void)state;
	assert_false(fl_ratio(0, 0, &r));
	assert_true(r == 0);
	assert_false(fl_ratio(5, 0, &r));
	assert_true(fl_ratio(3, 4, &r));
	assert_true(r == 0.75);
}

static void counts(void **state)
{
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	sqlite3 *db = case_store();

	(void)state;
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 0, &f, &err), 0);
	assert_int_equal(f.trace_id, 1);
	assert_string_equal(f.strategy, "pervma");
	assert_string_equal(f.trace_path, "t1");
	assert_int_equal(f.trace_faults, 12);
	assert_int_equal(f.tp, 3);
	assert_int_equal(f.fp, 2);
	assert_int_equal(f.fn, 3);
	assert_int_equal(f.tn, 2);
	assert_int_equal(f.compared, 10);
	assert_int_equal(f.excluded_unknown, 1);
	assert_int_equal(f.excluded_no_outcome, 1);
	assert_int_equal(f.misses_total, 5);
	assert_int_equal(f.fallbacks_in_untraced, 0);	/* every writer has its call */
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

/* A write hold with no traced call (mlock(), mbind()...) locked VMAs the
 * trace does not name: the kernel's fallbacks of its process made inside
 * it are counted.  Writer 5 (pid 100) holds over fault 4, a fallback of
 * pid 100, and writer 6 (pid 200) over fault 9, one of pid 200: both
 * counted.  Not fault 7, of pid 100 under writer 6; nor fault 1 under
 * writer 7, which kept its VMA lock; nor fault 5 under writer 8, a fork's
 * walk; nor fault 3, stamped as writer 9 let go. */
static void fallbacks_in_untraced_holds(void **state)
{
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	sqlite3 *db = case_store();

	(void)state;
	exec(db, "INSERT INTO writers VALUES"
		 " (1, 5, 102, 100, 'untraced', '[]', NULL, NULL, NULL, 1299999800, 1299999900,"
		 "  1300000100, 0, NULL),"
		 " (1, 6, 201, 200, 'untraced', '[]', NULL, NULL, NULL, 3000000000, 3000000100,"
		 "  3000000900, 0, NULL),"
		 " (1, 7, 102, 100, 'untraced', '[]', NULL, NULL, NULL, 1099999980, 1099999990,"
		 "  1100000010, 0, NULL),"
		 " (1, 8, 102, 100, 'fork', '[]', NULL, NULL, NULL, 1399999980, 1399999990,"
		 "  1400000010, 2, NULL),"
		 " (1, 9, 102, 100, 'untraced', '[]', NULL, NULL, NULL, 1000010000, 1000015000,"
		 "  1000020000, 0, NULL);");
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 0, &f, &err), 0);
	assert_int_equal(f.fallbacks_in_untraced, 2);
	assert_int_equal(f.tp, 3);	/* counted, not left out */
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

static void per_reason_detail_and_confusion(void **state)
{
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	sqlite3 *db = case_store();

	(void)state;
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 0, &f, &err), 0);
	/* Predicted fallbacks: write-locked 3 (1 true), no anon_vma 2 (2 true);
	 * fault 10 (unknown truth) is not counted. */
	assert_int_equal(f.nreasons, 2);
	assert_string_equal(f.reasons[0].reason, "write-locked");
	assert_int_equal(f.reasons[0].tp, 1);
	assert_int_equal(f.reasons[0].fp, 2);
	assert_string_equal(f.reasons[1].reason, "no anon_vma");
	assert_int_equal(f.reasons[1].tp, 2);
	assert_int_equal(f.reasons[1].fp, 0);
	/* True fallbacks by detail: '' 2 (1 found), trylock failed 2 (1 found),
	 * anon_vma retry 1 (found), stack growth 1 (missed).  Fault 11 has no
	 * outcome and is not counted. */
	assert_int_equal(f.ndetails, 4);
	for (size_t i = 0; i < f.ndetails; i++) {
		const struct fl_fid_detail *d = &f.details[i];

		if (strcmp(d->detail, "") == 0 || strcmp(d->detail, "trylock failed") == 0) {
			assert_int_equal(d->tp, 1);
			assert_int_equal(d->fn, 1);
		} else if (strcmp(d->detail, "anon_vma retry") == 0) {
			assert_int_equal(d->tp, 1);
			assert_int_equal(d->fn, 0);
		} else {
			assert_string_equal(d->detail, "stack growth");
			assert_int_equal(d->tp, 0);
			assert_int_equal(d->fn, 1);
		}
	}
	/* (counter, reason) x gt. */
	assert_int_equal(f.ncells, 3);
	for (size_t i = 0; i < f.ncells; i++) {
		const struct fl_fid_cell *c = &f.cells[i];

		if (strcmp(c->counter, "vma_lock_success") == 0) {
			assert_int_equal(c->predicted_fallback, 0);
			assert_int_equal(c->gt_vma, 2);
			assert_int_equal(c->gt_fallback, 3);
		} else if (strcmp(c->counter, "vma_lock_abort") == 0) {
			assert_string_equal(c->reason, "write-locked");
			assert_int_equal(c->predicted_fallback, 3);
			assert_int_equal(c->gt_vma, 2);
			assert_int_equal(c->gt_fallback, 1);
		} else {
			assert_string_equal(c->counter, "vma_lock_retry");
			assert_int_equal(c->predicted_fallback, 2);
			assert_int_equal(c->gt_vma, 0);
			assert_int_equal(c->gt_fallback, 2);
		}
	}
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

static const struct fl_fid_miss *miss(const struct fl_fidelity *f, int64_t fault_id)
{
	for (size_t i = 0; i < f->nmisses; i++)
		if (f->misses[i].fault_id == fault_id)
			return &f->misses[i];
	fail_msg("fault %lld is not listed", (long long)fault_id);
	return NULL;
}

static void disagreements_and_writers(void **state)
{
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	const struct fl_fid_miss *m;
	sqlite3 *db = case_store();

	(void)state;
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 0, &f, &err), 0);
	assert_int_equal(f.nmisses, 5);
	/* In fault order. */
	assert_int_equal(f.misses[0].fault_id, 6);
	assert_int_equal(f.misses[4].fault_id, 12);

	m = miss(&f, 6);	/* FP, inside writer 2's syscall span */
	assert_true(m->false_positive);
	assert_string_equal(m->comm, "worker");
	assert_int_equal(m->address, 0x7f0000000000ULL + 6 * 4096);
	assert_true(m->has_vma);
	assert_true(m->writer.present);
	assert_false(m->writer.linked);
	assert_int_equal(m->writer.writer_id, 2);
	assert_string_equal(m->writer.call, "munmap");
	assert_false(m->writer.has_acquired);
	assert_int_equal(m->writer.gap, 0);

	m = miss(&f, 7);	/* FN of pid 100: writer 3 (pid 200) is not its */
	assert_false(m->false_positive);
	assert_string_equal(m->gt_detail, "trylock failed");
	assert_false(m->writer.present);

	m = miss(&f, 8);	/* writer 4 is 1.5 ms after: beyond the 1 ms reach */
	assert_string_equal(m->comm, "main");
	assert_false(m->writer.present);

	m = miss(&f, 9);	/* pid 200's fault finds pid 200's writer */
	assert_true(m->writer.present);
	assert_int_equal(m->writer.writer_id, 3);
	assert_int_equal(m->writer.gap, 0);

	m = miss(&f, 12);	/* named by the outcome, and its lock window */
	assert_true(m->false_positive);
	assert_true(m->writer.present);
	assert_true(m->writer.linked);
	assert_int_equal(m->writer.writer_id, 1);
	assert_string_equal(m->writer.call, "mprotect");
	assert_int_equal(m->writer.tid, 102);
	assert_int_equal(m->writer.t_lock_acquired, 1000010000);
	assert_int_equal(m->writer.t_lock_released, 1000040000);
	assert_int_equal(m->writer.gap, 0);
	fl_fidelity_free(&f);

	/* --limit: the first K listed, the total still counted. */
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 2, &f, &err), 0);
	assert_int_equal(f.nmisses, 2);
	assert_int_equal(f.misses_total, 5);
	assert_int_equal(f.misses[1].fault_id, 7);
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

/* A gap before and after: the nearest writer within 1 ms, signed. */
static void writer_gap_sign(void **state)
{
	static const struct row rows[] = {
		/* writer 1 released at 1.000040000: 0.5 ms later */
		{ 1, 1000540000, 101, "fallback", "", 0, "vma_lock_success", "ok", 0 },
		/* writer 4 acquired at 4.001500000: fault ends 4.001000000 + 1 us */
		{ 2, 4000999000, 101, "fallback", "", 0, "vma_lock_success", "ok", 0 },
	};
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	sqlite3 *db = new_store();

	(void)state;
	exec(db, base_sql);
	exec(db, "INSERT INTO runs VALUES (1, 1, 'pervma', '', '{}', 0, 't', 'x', 0, '{}', 2, 0, 0);");
	add(db, 1, rows, 2);
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 0, &f, &err), 0);
	assert_int_equal(f.nmisses, 2);
	assert_int_equal(f.misses[0].writer.writer_id, 1);
	assert_int_equal(f.misses[0].writer.gap, -500000);
	assert_int_equal(f.misses[1].writer.writer_id, 4);
	assert_int_equal(f.misses[1].writer.gap, 4001500000 - 4001000000);
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

/* Another run over the same trace, and another trace with the same fault
 * ids, do not leak into the run compared. */
static void only_the_run_and_its_trace(void **state)
{
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	sqlite3 *db = case_store();

	(void)state;
	exec(db, "INSERT INTO runs VALUES (2, 1, 'classic', '', '{}', 0, 't', 'x', 0, '{}', 12, 0, 0);"
		 "INSERT INTO outcomes SELECT 2, fault_id, 'mmap_lock', 0, 'mmap_lock', 'ok', 1, 1, 0,"
		 " NULL, NULL, NULL, '', NULL FROM faults WHERE trace_id = 1;"
		 "INSERT INTO faults SELECT 3, fault_id, t, t_end, tid, pid, cpu, address, ip, access,"
		 " arch_code, major, 'fallback', '', NULL FROM faults WHERE trace_id = 1;"
		 "INSERT INTO traces SELECT 3, 't3', dialect, tracer, hostname, kernel, arch,"
		 " page_size, t_first, t_last, ctf_events, lost_events, lost_packets, 1, 1, 0, NULL"
		 " FROM traces WHERE trace_id = 1;");
	assert_int_equal(fl_fidelity_compute(db, "mem", 1, 0, &f, &err), 0);
	assert_int_equal(f.tp, 3);
	assert_int_equal(f.fp, 2);
	assert_int_equal(f.fn, 3);
	assert_int_equal(f.tn, 2);
	fl_fidelity_free(&f);

	/* The classic run never falls back: no predicted fallback at all. */
	assert_int_equal(fl_fidelity_compute(db, "mem", 2, 0, &f, &err), 0);
	assert_int_equal(f.tp + f.fp, 0);
	assert_int_equal(f.fn, 7);	/* fault 11 has an outcome in this run */
	assert_int_equal(f.nreasons, 0);
	assert_int_equal(f.excluded_no_outcome, 0);
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

static void default_run_and_refusals(void **state)
{
	struct fl_err err = { 0 };
	struct fl_fidelity f;
	int64_t run = 0;
	sqlite3 *db = new_store();

	(void)state;
	exec(db, base_sql);
	/* No pervma run yet. */
	exec(db, "INSERT INTO runs VALUES (1, 1, 'classic', '', '{}', 0, 't', 'x', 0, '{}', 0, 0, 0);");
	assert_int_equal(fl_fidelity_default_run(db, "d.db", &run, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "d.db: no pervma run"));

	/* The newest pervma run, not the newer classic one. */
	exec(db, "INSERT INTO runs VALUES (2, 1, 'pervma', '', '{}', 0, 't', 'x', 0, '{}', 0, 0, 0),"
		 " (3, 2, 'pervma', '', '{}', 0, 't', 'x', 0, '{}', 0, 0, 0),"
		 " (4, 1, 'classic', '', '{}', 0, 't', 'x', 0, '{}', 0, 0, 0);");
	memset(&err, 0, sizeof(err));
	assert_int_equal(fl_fidelity_default_run(db, "d.db", &run, &err), 0);
	assert_int_equal(run, 3);

	/* Run 3's trace has no ground truth. */
	assert_int_equal(fl_fidelity_compute(db, "d.db", 3, 0, &f, &err), -ENODATA);
	assert_non_null(strstr(err.msg, "the trace has no mmap_lock events: no ground truth"));
	assert_non_null(strstr(err.hint, "mmap_lock:*"));
	assert_null(f.strategy);

	memset(&err, 0, sizeof(err));
	assert_int_equal(fl_fidelity_compute(db, "d.db", 9, 0, &f, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "d.db: no run 9: the database holds 4 runs, ids 1 to 4"));

	/* An empty run over a trace with ground truth: all zero, ratios n/a. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(fl_fidelity_compute(db, "d.db", 2, 0, &f, &err), 0);
	assert_int_equal(f.compared, 0);
	assert_int_equal(f.nmisses, 0);
	fl_fidelity_free(&f);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(schema_is_readable),
		cmocka_unit_test(check_refuses_others),
		cmocka_unit_test(ratio_never_divides_by_zero),
		cmocka_unit_test(counts),
		cmocka_unit_test(fallbacks_in_untraced_holds),
		cmocka_unit_test(per_reason_detail_and_confusion),
		cmocka_unit_test(disagreements_and_writers),
		cmocka_unit_test(writer_gap_sign),
		cmocka_unit_test(only_the_run_and_its_trace),
		cmocka_unit_test(default_run_and_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
