/* store_priv.h: the outcome store's private state, shared by its files
 * (store.c: open, close, the writer thread and its ring; store_newdb.c: a
 * new database's private file, schema and publication; store_rows.c: the
 * rows; store_codes.c: the outcome rows' per-run dictionaries;
 * store_tally.c: the tallies counted as outcomes are stored;
 * store_run.c: trace and run rows, totals, the commit). */
#ifndef FL_STORE_PRIV_H
#define FL_STORE_PRIV_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fl_map.h"
#include "store.h"

/* One run's outcomes counted by (counter, reason): its cause_counts rows.
 * The strings are the strategies' static ones (struct fl_outcome). */
struct cause_tally {
	const char *counter, *reason;
	uint64_t n, fell_back;
};

/* The report's views by thread, VMA and handler, counted as the outcomes
 * are stored (the tally_* tables of schemas/outcomes.sql). */
struct thread_tally {
	int32_t tid;
	uint64_t fell_back;
};

/* A VMA as the store keys it: its bounds and kind (static; "" not
 * placed). */
struct vma_key {
	uint64_t start, end;
	const char *kind;
};

struct vma_tally {
	struct vma_key key;
	uint64_t n, fell_back, aborts, lock_wait;
};

/* The handler the engine dispatched a fault to (enum fl_handler), or
 * H_NONE.  engine_decide.c dispatches a fault (eng_handler_of()) only once
 * it is placed in a VMA; a fault in a hole, in an unknown layout or
 * growing the stack reaches no handler, whatever v->handler holds. */
#define H_NONE		FL_H_NONE
#define H__COUNT	(FL_H__COUNT + 1)

static inline int store_handler_of(const struct fl_fault_view *v)
{
	bool dispatched = v->place == FL_PLACE_VMA || v->place == FL_PLACE_INFERRED;

	return dispatched && (unsigned)v->handler < FL_H__COUNT ? (int)v->handler : H_NONE;
}

struct handler_tally {
	uint64_t n, fell_back;
	int64_t lat_sum;	/* exact while it fits */
	bool lat_overflow;
	double lat_sum_d;
	int64_t lat_max;
	bool any;
};

/* Per fault of the run: what the time slices count. */
enum { FLAG_SEEN = 1, FLAG_FELL_BACK = 2, FLAG_ABORT = 4 };

/* The run's dictionaries of outcome_rows (schemas/outcomes.sql): an
 * outcome_causes row per distinct (path, cause) and an outcome_vmas row
 * per distinct placed VMA, coded from 1 in the order the run first uses
 * them.  A cause is told by its fl_cause.code (the strategy's table and
 * the engine's never share one), 0 for an outcome without a cause; the
 * strings are static (fl_cause, fl_path_name(), fl_vma_kind_name()). */
struct cause_code {
	const char *path;
	uint16_t code;
};

struct run_codes {
	struct cause_code *c;
	size_t nc, capc, lastc;
	struct vma_key *v;
	size_t nv, capv, lastv;
	struct fl_map v_index;	/* hash (probed) -> index + 1 */
};

struct run_tally {
	int64_t run_id;
	struct run_codes codes;
	struct cause_tally *c;
	size_t n, cap;
	size_t last;		/* the cause of the previous outcome */
	struct thread_tally *thr;
	size_t nthr, capthr, lastthr;
	struct fl_map thr_index;	/* tid + 1 -> index + 1 */
	struct vma_tally *vma;
	size_t nvma, capvma, lastvma;
	struct fl_map vma_index;	/* hash (probed) -> index + 1 */
	struct handler_tally h[H__COUNT];
	uint8_t *flags;		/* by fault_id */
	size_t capflags;
	/* By fault_id: the outcome's index in c (before cause_counts sorts a
	 * copy of it), for the fidelity tally. */
	uint16_t *cause_of;
	size_t capcause;
	uint64_t lat_hist[64];	/* outcomes per power of two of latency */
};

/* A fault's ground truth as stored: its (gt, gt_detail), static strings. */
struct gt_class {
	const char *gt, *detail;
};

/* The bulk rows (writers, faults, outcomes) go to SQLite on a writer
 * thread, so that the decode and the model on the calling thread and
 * SQLite's inserts run side by side.  A row is its table and its values,
 * copied (texts are static strings, or in the block's own text space);
 * rows travel in blocks through a bounded ring, so memory stays the same
 * whatever the trace's length.  The thread starts with the first row and
 * is joined before anything else touches the connection (store_sync()),
 * so the connection is only ever used by one thread at a time.  A block's
 * rows are inserted table by table, each table's in the order they were
 * given, several to a statement (write_block()); without a thread (it
 * could not be started) the calling thread inserts each block when it is
 * full. */
enum { TAB_WRITERS, TAB_FAULTS, TAB_CAUSES, TAB_VMAS, TAB_OUTCOMES, TAB__COUNT };
/* VAL_TEXT: a static string; VAL_BLOCK_TEXT: in the block's text space. */
enum { VAL_NULL, VAL_INT, VAL_TEXT, VAL_BLOCK_TEXT };

#define ROW_COLS	15
#define BLOCK_ROWS	256
#define BLOCK_TEXT	(BLOCK_ROWS * 48)
#define ROW_TEXT_MAX	160	/* a writer's args: 6 numbers as a JSON array */
#define NBLOCKS		8
union val {
	int64_t i;
	const char *s;
};

struct row {
	uint8_t table;
	uint8_t type[ROW_COLS];
	union val v[ROW_COLS];
};

struct block {
	size_t n, ntext;
	struct row rows[BLOCK_ROWS];
	char text[BLOCK_TEXT];
};

/* Rows of a table a multi-row INSERT takes at once: SQLite's cost of a
 * statement's step and reset is then paid once for them.  Measured on
 * 394k fault rows: 1 row a statement 0.46 s, 8 rows 0.33 s, 32 rows
 * 0.29 s. */
#define BATCH_ROWS	16

/* What each parameter of a statement is bound to: a binding lasts across
 * sqlite3_reset(), so a value equal to the previous row's in the same
 * place (the run or trace id, a pid, the same static string, NULL) is not
 * bound again. */
struct bindings {
	uint8_t type[BATCH_ROWS * ROW_COLS];
	union val v[BATCH_ROWS * ROW_COLS];
};

struct table {
	const char *name, *cols;
	int ncols;
	sqlite3_stmt *ins;	/* one row */
	sqlite3_stmt *ins_many;	/* BATCH_ROWS rows */
	struct bindings bound, bound_many;
};

struct fl_store {
	sqlite3 *db;
	const char *path;	/* the database as named: what messages show */
	/* A new database is written whole in a file of its own, next to
	 * path under a name no other process uses, and linked to path only
	 * once it is committed and checkpointed (publish_new()); NULL when
	 * path existed and the replay writes into it. */
	char *tmp_path;
	int64_t run_offset;	/* added to the run ids when copied into path */
	struct table tab[TAB__COUNT];
	bool in_txn;
	bool empty;		/* no schema yet: create_tables() */
	struct run_tally *runs;	/* per run of this replay */
	size_t nruns, capruns;
	size_t last_run;
	int64_t *fault_t;	/* each fault's time, by fault_id: the time slices */
	size_t capfault_t;
	/* Each fault's ground truth, by fault_id: index + 1 in gtc (0: no
	 * faults row), for the fidelity tally. */
	uint8_t *fault_gt;
	size_t capfault_gt;
	struct gt_class gtc[255];
	size_t ngtc;
	/* The faults from loss_from on are marked 'unknown' / 'after loss'
	 * (fl_store_losses()). */
	bool loss_marked;
	int64_t loss_from;
	bool tally_oom;		/* a tally could not grow: none is written */

	/* The ring: blocks [cons, cons + filled) are given to the thread, the
	 * producer fills blocks[prod] (prod = cons + filled), which is free
	 * while filled < NBLOCKS. */
	struct block *blocks[NBLOCKS];
	size_t nblocks;			/* allocated: NBLOCKS, or 1 without a thread */
	size_t prod, cons, filled;
	pthread_t thread;
	bool running;			/* the thread is started and not joined */
	bool no_thread;			/* it could not be started: insert inline */
	bool done;			/* no more blocks: the thread ends when filled is 0 */
	bool discard;			/* abandon the rows (rollback) */
	pthread_mutex_t mu;
	pthread_cond_t cv_thread, cv_prod;
	/* The first row that could not be stored (under mu while the thread
	 * runs); once set, no more rows are inserted: the replay fails and
	 * rolls back. */
	int row_rc;
	struct fl_err row_err;
	/* The calling thread's copy, taken under mu or after the join, with
	 * its own failures (out of memory): what fl_store_error() shows. */
	int failed;
	struct fl_err fail_err;
};

/* store.c: the connection and the helpers every file uses. */
int store_fail(struct fl_store *st, struct fl_err *err, const char *what);
int store_exec(struct fl_store *st, const char *sql, struct fl_err *err, const char *what);
int store_pragma_int(struct fl_store *st, const char *sql, int64_t *out);
int store_prepare(struct fl_store *st, sqlite3_stmt **s, const char *sql, struct fl_err *err);
int store_open_db(struct fl_store *st, const char *file, struct fl_err *err);
/* WAL mode, synchronous NORMAL: every database but a new one's private
 * file before its commit. */
int store_set_wal(struct fl_store *st, struct fl_err *err);
void store_close_db(struct fl_store *st);
/* Every row given so far is stored (or failed; with discard, dropped):
 * the calling thread has the connection to itself. */
int store_sync(struct fl_store *st, bool discard);
/* A new row of table in the producer's block, with text bytes of room
 * (*textp); NULL when an earlier row failed. */
struct row *store_row_new(struct fl_store *st, int table, size_t text, char **textp);

static inline void val_int(struct row *r, int c, int64_t v)
{
	r->type[c] = VAL_INT;
	r->v[c].i = v;
}

static inline void val_text(struct row *r, int c, const char *v)
{
	r->type[c] = VAL_TEXT;
	r->v[c].s = v ? v : "";
}

static inline void val_null(struct row *r, int c)
{
	r->type[c] = VAL_NULL;
}

static inline void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static inline void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

/* store_newdb.c: the schema's parts, a new database's private file and
 * its publication at the commit. */
const char *store_readers_indexes(void);
const char *store_tally_tables(void);
int store_create_tables(struct fl_store *st, struct fl_err *err);
void store_remove_stale_tmps(const char *path);
int store_make_tmp(struct fl_store *st, struct fl_err *err);
void store_remove_tmp(struct fl_store *st);
int store_publish_new(struct fl_store *st, struct fl_err *err);

/* store_run.c: the end of a transaction, and one copy of a trace. */
int store_reserve_pages(struct fl_store *st, const char *schema, struct fl_err *err);
int store_checkpoint(struct fl_store *st, const char *schema, bool whole, struct fl_err *err);
int store_merge_same_trace(struct fl_store *st, int64_t *trace_id, struct fl_err *err);

/* store_codes.c: the codes of an outcome's cause and VMA in its run's
 * dictionaries, each new one given as a row of outcome_causes or
 * outcome_vmas before the first outcome row that uses it.  A code, or
 * negative: out of memory (-ENOMEM) or an earlier row failed (-EIO). */
int64_t store_cause_code(struct fl_store *st, struct run_tally *t, const char *path,
			 const struct fl_cause *cause);
int64_t store_vma_code(struct fl_store *st, struct run_tally *t, uint64_t start, uint64_t end,
		       const char *kind);
void store_run_codes_free(struct run_codes *c);

/* Two of the static strings outcomes carry: the same pointer mostly. */
static inline bool store_same_text(const char *a, const char *b)
{
	return a == b || !strcmp(a, b);
}

/* store_tally.c: where key is among the n records of stride bytes at
 * recs, each beginning with a struct vma_key and indexed in index under
 * the key this gives (open probing over a hash of the bounds), trying
 * recs[last] first: its position, or n when it is not there, with *slot
 * the index key to put it under.  The VMA tally and the VMA codes share
 * it. */
size_t store_vma_find(const struct fl_map *index, const void *recs, size_t n, size_t stride,
		      size_t last, const struct vma_key *key, uint64_t *slot);

/* store_tally.c: the tallies, counted as the rows are given and written
 * at the ends of runs and of the trace. */
void store_run_tally_free(struct run_tally *t);
struct run_tally *store_run_tally(struct fl_store *st, int64_t run_id);
int store_tally(struct run_tally *t, const struct fl_outcome *o);
bool store_tally_views(struct fl_store *st, struct run_tally *t, const struct fl_fault_view *v,
		       const struct fl_outcome *o, bool placed, const char *kind);
bool store_gt_classify(struct fl_store *st, uint64_t fault_id, const char *gt, const char *detail);
int store_cmp_cause(const void *a, const void *b);
int store_write_view_tallies(struct fl_store *st, struct run_tally *t, struct fl_err *err);
int store_write_fidelity_tallies(struct fl_store *st, bool has_ground_truth, struct fl_err *err);
int store_write_percentile_tallies(struct fl_store *st, struct fl_err *err);
int store_write_time_tallies(struct fl_store *st, uint64_t t_first, uint64_t t_last,
			     struct fl_err *err);

#endif
