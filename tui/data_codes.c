/* data_codes: one run's dictionaries of the compact outcome rows (schema
 * version 5: outcome_causes, outcome_vmas; from version 7 each cause with
 * its description), read once when the run is opened, so that its outcome
 * rows are read as integers from outcome_rows instead of through the view
 * outcomes, whose columns look each code up again per row. */
#include "tui.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_array.h"
#include "fl_sql.h"

void tui_codes_free(struct tui_codes *k)
{
	for (size_t i = 0; i < k->nc; i++) {
		free(k->c[i].path);
		free(k->c[i].counter);
		free(k->c[i].reason);
		free(k->c[i].description);
	}
	for (size_t i = 0; i < k->nv; i++)
		free(k->v[i].kind);
	free(k->c);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static char *col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return strdup(t ? (const char *)t : "");
}

/* Grow the array to hold id (from 1), the new entries zeroed. */
static int reach(void **a, size_t *n, size_t *cap, int64_t id, size_t size)
{
	if (id < 1 || id > 1 << 24)
		return -EINVAL;
	if ((size_t)id <= *n)
		return 0;
	if (fl_array_grow(a, cap, (size_t)id, size) < 0)
		return -ENOMEM;
	memset((char *)*a + *n * size, 0, ((size_t)id - *n) * size);
	*n = (size_t)id;
	return 0;
}

static int fill_cause(void *entry, sqlite3_stmt *s)
{
	struct tui_code_cause *c = entry;

	free(c->path);
	free(c->counter);
	free(c->reason);
	free(c->description);
	c->path = col_dup(s, 1);
	c->counter = col_dup(s, 2);
	c->reason = col_dup(s, 3);
	/* The query's fifth column, when the database stores it. */
	c->description = sqlite3_column_count(s) > 4 ? col_dup(s, 4) : NULL;
	c->cause = c->path_i = -1;
	return c->path && c->counter && c->reason &&
	       (c->description || sqlite3_column_count(s) <= 4) ? 0 : -ENOMEM;
}

static int fill_vma(void *entry, sqlite3_stmt *s)
{
	struct tui_code_vma *v = entry;

	free(v->kind);
	v->has_start = sqlite3_column_type(s, 1) != SQLITE_NULL;
	v->start = sqlite3_column_int64(s, 1);
	v->end = sqlite3_column_int64(s, 2);
	v->kind = col_dup(s, 3);
	v->kind_i = -1;
	return v->kind ? 0 : -ENOMEM;
}

/* One dictionary of the run: each row (its code first) into the entry of
 * its code in *a (entries of size bytes), by fill.  1: no such table, a
 * database before version 5. */
static int load_dict(sqlite3 *db, const char *sql, int64_t run_id, void **a, size_t *n,
		     size_t size, int (*fill)(void *entry, sqlite3_stmt *s))
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_int64(s, 1, run_id);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		rc = reach(a, n, &cap, id, size);
		if (rc == -EINVAL) {	/* not a code a replay writes: skipped */
			rc = 0;
			continue;
		}
		if (!rc)
			rc = fill((char *)*a + (size_t)(id - 1) * size, s);
	}
	if (!rc && step != SQLITE_DONE)
		rc = -EIO;
	sqlite3_finalize(s);
	return rc;
}

int tui_codes_load(sqlite3 *db, int64_t run_id, struct tui_codes *k)
{
	int rc;

	memset(k, 0, sizeof(*k));
	k->none_kind_i = -1;
	rc = load_dict(db, fl_sql_has_column(db, "outcome_causes", "description")
		       ? "SELECT cause_id, path, counter, reason, description FROM outcome_causes"
			 " WHERE run_id = ?1"
		       : "SELECT cause_id, path, counter, reason FROM outcome_causes"
			 " WHERE run_id = ?1",
		       run_id, (void **)&k->c, &k->nc, sizeof(*k->c), fill_cause);
	if (!rc)
		rc = load_dict(db, "SELECT vma_id, vma_start, vma_end, vma_kind FROM outcome_vmas"
			       " WHERE run_id = ?1", run_id, (void **)&k->v, &k->nv, sizeof(*k->v),
			       fill_vma);
	if (rc)
		tui_codes_free(k);
	return rc;
}
