/* knobs: a run's knobs that differ from its strategy's defaults. */
#include "knobs.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategy.h"

/* Whether key=value (an integer) is the strategy's default for key. */
static bool is_default(const struct fl_strategy *s, const char *key, int type_integer,
		       int64_t v)
{
	if (!s || !s->knobs || !type_integer)
		return false;
	for (size_t i = 0; s->knobs[i].key; i++)
		if (strcmp(s->knobs[i].key, key) == 0)
			return s->knobs[i].def == v;
	return false;
}

char *fl_knobs_nondefault(sqlite3 *db, const char *strategy, const char *knobs_json)
{
	const struct fl_strategy *s = strategy ? fl_strategy_find(strategy) : NULL;
	sqlite3_stmt *st = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool object = false, first = true;

	if (!knobs_json)
		knobs_json = "";
	/* The JSON1 functions are built into SQLite since 3.38. */
	if (db && sqlite3_prepare_v2(db, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) END",
				     -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, knobs_json, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			object = strcmp((const char *)sqlite3_column_text(st, 0), "object") == 0;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (!object)
		return strdup(knobs_json);
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT key, type, atom, value FROM json_each(?1)", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, knobs_json, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *key = (const char *)sqlite3_column_text(st, 0);
			const char *type = (const char *)sqlite3_column_text(st, 1);
			const char *val = (const char *)sqlite3_column_text(st, 3);
			bool integer = type && strcmp(type, "integer") == 0;

			if (!key || is_default(s, key, integer, sqlite3_column_int64(st, 2)))
				continue;
			val = val ? val : "null";
			if (type && (!strcmp(type, "true") || !strcmp(type, "false") ||
				     !strcmp(type, "null")))
				val = type;
			/* A text value that would not read back as one word is quoted. */
			if (type && strcmp(type, "text") == 0 && (!val[0] || strpbrk(val, " \t\"=")))
				fprintf(f, "%s%s=\"%s\"", first ? "" : " ", key, val);
			else
				fprintf(f, "%s%s=%s", first ? "" : " ", key, val);
			first = false;
		}
		sqlite3_finalize(st);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
