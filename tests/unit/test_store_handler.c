/* store: each outcome keeps the handler the engine dispatched its fault
 * to (outcome_rows.handler, the view's column handler), and tally_handlers
 * counts it.  A fault of every handler kind goes through the store as the
 * engine hands it over (fl_store_fault(), fl_store_outcome()); the database
 * must give back the engine's handler by its fl_handler_name(), and none for
 * a fault the engine dispatched nowhere (not in a VMA), whatever its view's
 * handler field holds. */
#include "unit.h"

#include <stdio.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

/* The schema's dictionary names each code as fl_handler_name() does. */
static void dictionary_matches_engine_names(void **state)
{
	char dir[] = "/tmp/fl-handler-XXXXXX", path[64];
	struct fl_store *st = NULL;
	struct fl_err err = { 0 };
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.db", dir);
	assert_int_equal(fl_store_open(path, &st, &err), 0);
	assert_int_equal(fl_store_begin(st, &err), 0);
	assert_int_equal(fl_store_commit(st, &err), 0);
	fl_store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT handler_id, name FROM fault_handlers"
						" ORDER BY handler_id", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_int_equal(sqlite3_column_int(s, 0), n);
		assert_string_equal((const char *)sqlite3_column_text(s, 1),
				    fl_handler_name((enum fl_handler)n));
		n++;
	}
	assert_int_equal(n, FL_H__COUNT);
	sqlite3_finalize(s);
	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
}

/* One fault per handler in a VMA, then faults outside any VMA whose view
 * still holds a handler (the store must not trust the field there). */
static const enum fl_place outside[] = { FL_PLACE_NO_VMA, FL_PLACE_UNKNOWN, FL_PLACE_STACK };
#define NFAULTS (FL_H__COUNT + 3)

static void store_faults(struct fl_store *st, int64_t trace_id, int64_t run_id)
{
	struct fl_fault f = { .address = 0x10000, .ip = 0x400000 };
	struct fl_gt_result gt = { .gt = FL_GT_UNKNOWN, .detail = "" };
	static const struct fl_cause ok = { 1, 0, "vma_lock_success", "ok", "" };
	struct fl_outcome o = { .path = FL_PATH_VMA_LOCK, .cause = &ok, .attempts = 1,
				.latency = 1000 };

	for (int i = 0; i < NFAULTS; i++) {
		struct fl_fault_view v = { .fault_id = (uint64_t)i + 1, .t = 100 * ((uint64_t)i + 1),
					   .pid = 1, .tid = 1, .fault = &f,
					   .vma = { .start = 0x10000, .end = 0x20000 } };

		if (i < FL_H__COUNT) {
			v.place = i % 2 ? FL_PLACE_INFERRED : FL_PLACE_VMA;
			v.handler = (enum fl_handler)i;
		} else {
			v.place = outside[i - FL_H__COUNT];
			v.handler = FL_H_WP;
		}
		assert_int_equal(fl_store_fault(st, trace_id, &v, &gt), 0);
		assert_int_equal(fl_store_outcome(st, run_id, &v, &o), 0);
	}
}

static void handler_of_each_kind_stored(void **state)
{
	char dir[] = "/tmp/fl-handler-XXXXXX", path[64];
	struct fl_store *st = NULL;
	struct fl_err err = { 0 };
	struct fl_trace_meta meta = { .page_size = 4096 };
	struct fl_engine_run run = { .faults = NFAULTS };
	struct fl_ingest_result res = { .t_first = 100, .t_last = 100 * NFAULTS };
	int64_t trace_id, run_id;
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.db", dir);
	assert_int_equal(fl_store_open(path, &st, &err), 0);
	assert_int_equal(fl_store_begin(st, &err), 0);
	assert_int_equal(fl_store_trace_begin(st, "t", &meta, &trace_id, &err), 0);
	assert_int_equal(fl_store_run_begin(st, trace_id, "pervma", "6.15+", "{}", 0, &run_id, &err), 0);
	store_faults(st, trace_id, run_id);
	assert_int_equal(fl_store_run_end(st, run_id, &run, 1, &err), 0);
	assert_int_equal(fl_store_trace_end(st, &trace_id, &res, false, false, &err), 0);
	assert_int_equal(fl_store_commit(st, &err), 0);
	fl_store_close(st);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT fault_id, handler FROM outcomes"
						" ORDER BY fault_id", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int i = sqlite3_column_int(s, 0) - 1;

		if (i < FL_H__COUNT)
			assert_string_equal((const char *)sqlite3_column_text(s, 1),
					    fl_handler_name((enum fl_handler)i));
		else
			assert_int_equal(sqlite3_column_type(s, 1), SQLITE_NULL);
		n++;
	}
	sqlite3_finalize(s);
	assert_int_equal(n, NFAULTS);
	/* The tally: one fault per handler, and the three outside as none. */
	n = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT handler, faults FROM tally_handlers"
						" ORDER BY handler", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 0);

		assert_int_equal(sqlite3_column_int(s, 1), strcmp(h, "none") ? 1 : 3);
		n++;
	}
	sqlite3_finalize(s);
	assert_int_equal(n, FL_H__COUNT + 1);
	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dictionary_matches_engine_names),
		cmocka_unit_test(handler_of_each_kind_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
