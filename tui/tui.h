/* faultline tui: the types shared by tui/'s files.
 *
 *   data.c     the store: runs, one run's outcomes joined with its faults,
 *              writers and threads of a trace, the compare and detail reads
 *   table.c    the list state every list view keeps over its rows, a
 *              struct fl_table (analyze/table.h): filter, sort, cursor
 *   views.c    what each list view holds, and its struct tui_view_ops
 *   detail.c   the fault detail: facts, timeline, the other runs' outcomes;
 *              its struct tui_view_ops
 *   fmt.c      numbers, times and addresses as short text
 *   timing.c   the FL_TUI_TIMING frame log (scripts/bench-tui)
 *   keys.c     the key table and the help it prints
 *   search.c   / n N in a list or the fault detail
 *   draw.c     curses: frame, table, bars, sparklines, help, too small
 *   builtin-tui.c  the command, the view stack and the main loop
 *
 * Only draw.c, keys.c and builtin-tui.c include curses.
 */
#ifndef FL_TUI_H
#define FL_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fl_err.h"
#include "analyze/table.h"
#include "fl_fmt.h"

/* The smallest terminal the views are laid out for. */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

/* Time bins per cause for the sparklines, resampled to the screen width. */
#define TUI_BINS 256

/* ---- data.c ----------------------------------------------------------- */

struct tui_run {
	int64_t run_id, trace_id, seed, wall_ms;
	int64_t faults, fallbacks, unplaced;
	int64_t t_first, t_last;
	char strategy[24], profile[24], created[32], dialect[24];
	char *knobs;		/* JSON object */
	char *trace;		/* the trace's path */
	char *kernel;
	char lost[256];		/* the trace's losses, "" none (analyze/losses.h) */
	char state[16];		/* "live" (a live replay still adds to it), "cut
				 * short" (it stopped before its session ended),
				 * "" complete: meta 'run_state:RUN_ID' */
};

/* One outcome of the loaded run, with its fault's facts. */
struct tui_out {
	int64_t fault_id, t, address, latency, lock_wait, vma_start, vma_end;
	int32_t tid, writer_id;	/* writer_id 0: none named */
	uint16_t cause;		/* index into tui_loaded.causes */
	uint8_t path, kind, access;	/* indexes into the string tables */
	uint8_t fell_back, attempts, has_vma;
};

struct tui_cause {
	char *counter, *reason;
	/* What its cause table says of it (schema version 7); NULL when the
	 * database does not store it. */
	char *description;
	size_t n, fell_back;
	int64_t sum, p99;
	uint32_t bins[TUI_BINS];	/* this cause's outcomes over the trace */
};

/* A small table of distinct strings (paths, VMA kinds, access kinds). */
struct tui_strs {
	char *s[64];
	size_t n;
};

struct tui_writer {
	int64_t t0, t1;		/* window: the write hold, else the syscall span */
	int64_t lo, hi;		/* address range it touches; lo == hi: unknown */
	int32_t tid;
	char call[12];
};

struct tui_thread {
	int32_t tid, pid;
	char comm[20];
};

/* One run read into memory: every view of a run is computed from it. */
struct tui_loaded {
	int64_t run_id;		/* 0: none loaded */
	const struct tui_run *run;
	struct tui_out *outs;
	size_t n, cap;
	struct tui_cause *causes;
	size_t ncauses, causes_cap;
	uint32_t fell_bins[TUI_BINS];	/* every outcome that fell back */
	struct tui_strs paths, kinds, access;
	/* The trace's writers (index writer_id - 1) and threads. */
	int64_t trace_id;
	struct tui_writer *writers;
	size_t nwriters;
	struct tui_thread *threads;
	size_t nthreads;
};

/* One run's dictionaries of the compact outcome rows (data_codes.c),
 * indexed by code - 1; the TUI's own indexes (cause, path, kind) are
 * found at a code's first use, -1 until then, so that they come in the
 * order of the rows, as when read through the view. */
struct tui_code_cause {
	char *path, *counter, *reason;
	char *description;	/* NULL: not stored (before schema version 7) */
	int cause, path_i;
};

struct tui_code_vma {
	int64_t start, end;
	bool has_start;
	char *kind;
	int kind_i;
};

struct tui_codes {
	struct tui_code_cause *c;
	size_t nc;
	struct tui_code_vma *v;
	size_t nv;
	int none_kind_i;	/* "" interned for an outcome without a VMA */
};

/* 0 and k filled, 1 when the database has no compact outcomes (before
 * schema version 5), or a negative code. */
int tui_codes_load(sqlite3 *db, int64_t run_id, struct tui_codes *k);
void tui_codes_free(struct tui_codes *k);

struct tui_store {
	sqlite3 *db;
	const char *path;
	struct tui_run *runs;
	size_t nruns;
};

int tui_store_open(struct tui_store *st, const char *path, struct fl_err *err);
void tui_store_close(struct tui_store *st);
/* (Re)read the runs table; a replay may have added runs since. */
int tui_store_load_runs(struct tui_store *st, struct fl_err *err);
const struct tui_run *tui_store_run(const struct tui_store *st, int64_t run_id);
/* Whether a run of the database is still growing (a live replay). */
bool tui_store_any_live(const struct tui_store *st);

/* Read run_id's outcomes and its trace's faults, writers and threads. */
int tui_load_run(struct tui_store *st, int64_t run_id, struct tui_loaded *ld,
		 struct fl_err *err);
void tui_loaded_free(struct tui_loaded *ld);
const struct tui_thread *tui_loaded_thread(const struct tui_loaded *ld, int32_t tid);
const struct tui_writer *tui_loaded_writer(const struct tui_loaded *ld, int32_t writer_id);
/* The time bin of t in the run's trace. */
size_t tui_bin(const struct tui_run *run, int64_t t);

/* Counts of one cause in two runs, for the compare view. */
struct tui_cmp_row {
	char counter[64], reason[96];
	int64_t n_a, n_b, fb_a, fb_b;
};
int tui_compare(struct tui_store *st, int64_t a, int64_t b, struct tui_cmp_row **rows,
		size_t *nrows, int64_t only[2], struct fl_err *err);

/* ---- fmt.c ------------------------------------------------------------ */

/* ns as "950ns", "12.3us", "4.56ms", "1.23s": report's durations without
 * the space (lib/fl_fmt.h). */
static inline const char *tui_fmt_ns(char *buf, size_t len, int64_t ns)
{
	return fl_fmt_duration(buf, len, ns, FL_FMT_COMPACT);
}
/* Trace-clock time t of run's trace in the one convention (lib/fl_fmt.h):
 * seconds with ns since the trace's first event, "0.051998454", or after
 * tui_fmt_abs_time(true) (--abs-time) the time of day as babeltrace2
 * prints it, dated when the trace crosses midnight; up to 29 chars. */
const char *tui_fmt_time(char *buf, size_t len, const struct tui_run *run, int64_t t);
/* That convention for run's trace, for a table's FL_COL_SECS cells, which
 * hold tui_since(run, t). */
void tui_time_fmt(struct fl_time_fmt *tf, const struct tui_run *run);
/* Trace-clock time t as ns since run's trace's first event. */
int64_t tui_since(const struct tui_run *run, int64_t t);
void tui_fmt_abs_time(bool on);
const char *tui_fmt_count(char *buf, size_t len, int64_t n);
/* Copy src into dst, printable ASCII only (width = bytes on screen); dst
 * may be src (one byte out for each byte in). */
void tui_sanitize(char *dst, size_t len, const char *src);
/* A string-table entry, or "" past its end. */
const char *tui_str(const struct tui_strs *t, unsigned i);
/* Index of s in t, adding it (at most 64; later ones share the last). */
unsigned tui_intern(struct tui_strs *t, const char *s);
void tui_strs_free(struct tui_strs *t);

/* ---- table.c ---------------------------------------------------------- */

/* A list's rows are a struct fl_table (analyze/table.h): typed cells in
 * struct fl_col columns, shown as fl_table_text() formats them, the
 * formatter of the text report (the TUI's narrow cells: FL_COL_NARROW).
 * What a screen adds on top: how wide a column is drawn, the bar, what
 * each row stands for, and the list's state (filter, sort, cursor,
 * scroll). */
#define TUI_MAXCOLS 10

struct tui_col {
	struct fl_col col;	/* name, title (the label), kind, flags */
	int width;		/* minimum */
	int flex;		/* share of the spare columns */
	bool bar;		/* drawn as the row's bar: no text, not sorted on */
	bool by_size;		/* a change: sorted on its size, either sign */
};

/* What row i of the table's cells stands for. */
struct tui_row {
	int64_t ref, ref2;
	double bar;		/* 0..1, for the bar column */
};

struct tui_table {
	int ncols;
	struct tui_col cols[TUI_MAXCOLS];
	struct fl_col *fcols;	/* cols[].col, the columns of cells */
	struct fl_table cells;	/* the rows' typed cells */
	struct tui_row *rows;	/* row i of cells */
	size_t n, cap;
	/* The cells as the screen shows them (fl_table_text(), printable
	 * ASCII), rendered once when rows are added, so that the filter and
	 * search (every row, as typed) and drawing do not format again:
	 * text[row * ncols + col] is an offset in arena. */
	uint32_t *text;
	size_t ntext, text_cap;	/* rows rendered; capacity in offsets */
	char *arena;
	size_t alen, acap;
	size_t *vis;		/* rows shown: filtered, then sorted */
	size_t nvis;
	int sort;		/* column sorted on, -1: as read */
	char filter[64];
	size_t cur, top;	/* cursor and first row shown, in vis */
};

/* 0, or -ENOMEM (t is then as after tui_table_free). */
int tui_table_init(struct tui_table *t, const struct tui_col *cols, int ncols, int sort);
void tui_table_free(struct tui_table *t);
/* Append a row of NULL cells; the tui_table_int/dbl/str calls then set the
 * last row's cells (an allocation they fail marks t->cells.oom).
 * 0 or -ENOMEM. */
int tui_table_add(struct tui_table *t, int64_t ref, int64_t ref2, double bar);
void tui_table_int(struct tui_table *t, int col, int64_t v);
void tui_table_dbl(struct tui_table *t, int col, double v);
void tui_table_str(struct tui_table *t, int col, const char *s);
/* Column col of r as a value (analyze/table.h); NULL past the columns. */
const struct fl_cell *tui_table_value(const struct tui_table *t, const struct tui_row *r,
				      int col);
/* Column col of r as shown ("" for the bar). */
const char *tui_table_text(const struct tui_table *t, const struct tui_row *r, int col);
/* Whether a cell of r holds pat (any case); an empty pat matches. */
bool tui_table_row_has(const struct tui_table *t, const struct tui_row *r, const char *pat);
/* The first shown row holding pat from vis index from on, going dir (+1
 * or -1) and wrapping round (wrapped says so); -1 when none. */
long tui_table_search(const struct tui_table *t, const char *pat, size_t from, int dir,
		      bool *wrapped);
/* Render the rows added since, then rebuild vis from the filter and the
 * sort; keeps the cursor on its row.  0, or -ENOMEM. */
int tui_table_apply(struct tui_table *t);
/* Next sortable column (wrapping through "as read"). */
void tui_table_next_sort(struct tui_table *t);
const struct tui_row *tui_table_current(const struct tui_table *t);
/* Move the cursor by delta rows (clamped), or to the ends. */
void tui_table_move(struct tui_table *t, long delta);
void tui_table_home(struct tui_table *t, bool end);
/* Keep the cursor inside a window of h rows. */
void tui_table_scroll(struct tui_table *t, size_t h);

/* ---- views.c ---------------------------------------------------------- */

enum tui_group { G_VMA, G_THREAD, G_WRITER, G_COUNT };
enum tui_pick { PICK_OPEN, PICK_COMPARE };

struct tui_line {
	char *text;
	int style;		/* 0 plain, 1 heading, 2 highlight, 3 dim */
};

struct tui_app;
struct tui_view;

/* What a key that opens a view did: *nv goes on top of the view
 * (TUI_OPEN_PUSH) or takes its place (TUI_OPEN_REPLACE); nothing opened
 * (TUI_OPEN_NONE: app->msg may say why); or it failed, err set. */
enum tui_open { TUI_OPEN_FAIL = -1, TUI_OPEN_NONE, TUI_OPEN_PUSH, TUI_OPEN_REPLACE };

/* What one view does, as tig's struct view_ops: the generic code (the
 * main loop, draw, search, refresh) calls through v->ops and never asks
 * which view it holds.  One const instance per view, next to its code:
 * tui_runs_ops, tui_causes_ops, tui_groups_ops, tui_faults_ops,
 * tui_compare_ops (views.c), tui_detail_ops (detail.c). */
struct tui_view_ops {
	const char *name;	/* "runs", "causes", ...: for messages */
	/* Lines above the first line of the body: title, context, the
	 * causes' time strips, the column titles. */
	int body_row;
	/* Its body is text lines (v->lines, scrolled by v->top), not a
	 * table's rows: no filter or sort, and movement and search go by
	 * line. */
	bool is_text;
	/* It shows the loaded run (v->run_id): that run is read again when
	 * the view comes back on top or the database is read again. */
	bool needs_run;
	/* A reload finds its cursor row again by the texts of its first two
	 * cells (a cause: its refs are indexes a reload may change), else by
	 * the row's refs. */
	bool row_by_texts;
	/* The same view over the database as it is now (R); cause: v's cause
	 * found again in the run loaded now, -1 none.  NULL with err set. */
	struct tui_view *(*reload)(struct tui_app *app, const struct tui_view *v, int cause,
				   struct fl_err *err);
	/* What Enter opens from v. */
	enum tui_open (*enter)(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
			       struct fl_err *err);
	/* What Tab opens from v; NULL: Tab does nothing here. */
	enum tui_open (*tab)(struct tui_app *app, struct tui_view *v, struct tui_view **nv,
			     struct fl_err *err);
	/* The run d compares from: false when there is none (nothing happens);
	 * NULL: v->run_id. */
	bool (*compare_from)(const struct tui_view *v, int64_t *run_a);
	/* The context line (line 1), appended to buf, and a second line
	 * (line 2) when it has one, else left "". */
	void (*header)(struct tui_app *app, const struct tui_view *v, char *buf, size_t len,
		       char *line2, size_t len2);
	/* The status line's keys when no message is shown. */
	const char *(*hints)(const struct tui_view *v);
	/* Draw the body (draw.c: curses). */
	void (*draw_body)(struct tui_app *app, struct tui_view *v);
	/* The next match of app->search from the cursor (search.c): its
	 * index, -1 none; wrapped when it went round the end. */
	long (*search)(struct tui_app *app, struct tui_view *v, int dir, bool skip, bool *wrapped);
};

extern const struct tui_view_ops tui_runs_ops, tui_causes_ops, tui_groups_ops, tui_faults_ops,
	tui_compare_ops, tui_detail_ops;

struct tui_view {
	const struct tui_view_ops *ops;
	struct tui_table tab;
	char title[512];
	int64_t run_id;		/* the run it shows (runs list: none) */
	int cause;		/* groups, faults: index in causes, -1 any */
	enum tui_group group;	/* groups: how; faults: by what */
	bool grouped;		/* faults: restricted to one group */
	int64_t gkey, gkey2;	/* the group: VMA start/end, tid, writer id */
	enum tui_pick pick;	/* runs list */
	int64_t run_b;		/* runs list picking, compare: the other run */
	int64_t fault_id;	/* detail */
	int64_t only[2];	/* compare: faults falling back in A only, B only */
	struct tui_line *lines;	/* detail */
	size_t nlines, top;
	size_t hit;		/* detail: the line a search found, + 1; 0 none */
};

#define TUI_HIST 16		/* filters remembered for Up in the prompt */

struct tui_app {
	struct tui_store st;
	struct tui_loaded ld;
	struct tui_view *stack[16];
	int depth;
	bool color, utf8;
	char msg[256];		/* one-shot message on the status line */
	char search[64];	/* the last search, for n and N */
	char full[512];		/* the cut cells of the row under the cursor, in full */
	char hist[TUI_HIST][64];	/* earlier filters, the newest first */
	int nhist;
	int saved;		/* screens saved by P: the next file's number */
	char *timing_path;
	double key_t0;		/* when the key being handled arrived; 0 none */
	char key_name[32];
};

/* ---- timing.c --------------------------------------------------------- */

double tui_now_ms(void);
/* The first screen is on the terminal, t0 ms after the command started. */
void tui_timing_first(struct tui_app *app, double t0);
/* A frame is on the screen: log the time since the key that asked for it
 * arrived.  Modal keys (/, ?) call it on their own frames, and
 * tui_key_arrived for the keys they read. */
void tui_frame_done(struct tui_app *app);
void tui_key_arrived(struct tui_app *app, int key);

/* Build a view; NULL with err set on failure. */
struct tui_view *tui_view_runs(struct tui_app *app, enum tui_pick pick, int64_t run_a,
			       struct fl_err *err);
struct tui_view *tui_view_causes(struct tui_app *app, int64_t run_id, struct fl_err *err);
struct tui_view *tui_view_groups(struct tui_app *app, int cause, enum tui_group g,
				 struct fl_err *err);
struct tui_view *tui_view_faults(struct tui_app *app, int cause, bool grouped,
				 enum tui_group g, int64_t gkey, int64_t gkey2, struct fl_err *err);
struct tui_view *tui_view_compare(struct tui_app *app, int64_t a, int64_t b,
				  struct fl_err *err);
void tui_view_free(struct tui_view *v);
/* Read the database again (R, and every TUI_LIVE_REFRESH_MS while a run is
 * live) and rebuild every view of the stack from it, each with its filter,
 * sort, cursor row and scroll kept.  0, or -1 with err set (the views are
 * then as they were, when the runs could not be read). */
#define TUI_LIVE_REFRESH_MS 2000
int tui_refresh(struct tui_app *app, struct fl_err *err);
/* Make sure app->ld holds run_id. */
int tui_ensure_run(struct tui_app *app, int64_t run_id, struct fl_err *err);
/* "node-gc" from "traces/x86_64/node-gc/". */
const char *tui_trace_name(const char *path, char *buf, size_t len);
const char *tui_group_name(enum tui_group g);
/* "run 4 pervma 6.15+" */
const char *tui_run_label(const struct tui_run *r, char *buf, size_t len);

/* ---- detail.c --------------------------------------------------------- */

struct tui_view *tui_view_detail(struct tui_app *app, int64_t fault_id, struct fl_err *err);

/* ---- keys.c ----------------------------------------------------------- */

enum tui_action {
	ACT_NONE, ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_TOP, ACT_BOTTOM, ACT_ENTER, ACT_BACK, ACT_TAB,
	ACT_FILTER, ACT_SORT, ACT_RUN, ACT_COMPARE, ACT_HELP, ACT_REDRAW, ACT_QUIT, ACT_RESIZE,
	ACT_CLOSE, ACT_SEARCH, ACT_SEARCH_NEXT, ACT_SEARCH_PREV, ACT_PRINT, ACT_REFRESH,
};

enum tui_action tui_key_action(int key);
/* Name of a key for the timing log ("j", "KEY_DOWN", "Enter"). */
const char *tui_key_name(int key, char *buf, size_t len);

struct tui_help {
	const char *keys, *what;
};
extern const struct tui_help tui_help[];
extern const size_t tui_nhelp;

/* ---- draw.c ----------------------------------------------------------- */

void tui_draw_init(struct tui_app *app);
void tui_draw(struct tui_app *app);
void tui_draw_help(struct tui_app *app);
/* Rows of the list area of the top view, for PgUp/PgDn. */
int tui_page_rows(const struct tui_app *app);
/* Read a filter line on the status line, from an empty line (Up and Down
 * walk the earlier filters), applying it as it is typed; Enter keeps it,
 * Esc restores the previous one. */
void tui_draw_prompt_filter(struct tui_app *app);
/* Read a search line, jumping to the first match as it is typed; Enter
 * keeps it in app->search for n and N, Esc goes back to where it started. */
void tui_draw_prompt_search(struct tui_app *app);
/* Search the top view for app->search from its cursor (the line under
 * the top of a detail view): dir +1 forward, -1 backward; skip moves off
 * the current row first.  Sets the message when nothing matches or the
 * search wrapped. */
bool tui_search(struct tui_app *app, int dir, bool skip);
/* Write the screen as text to a new file in the current directory;
 * sets the message to its name, or to why it could not. */
void tui_draw_save_screen(struct tui_app *app);
/* The bodies the views' ops draw: a table's rows; the causes' time
 * strips, then their table; the runs' table, or how to fill an empty
 * database; a text view's lines. */
void tui_draw_table_body(struct tui_app *app, struct tui_view *v);
void tui_draw_causes_body(struct tui_app *app, struct tui_view *v);
void tui_draw_runs_body(struct tui_app *app, struct tui_view *v);
void tui_draw_lines_body(struct tui_app *app, struct tui_view *v);

/* ---- search.c --------------------------------------------------------- */

/* The searches the views' ops name: in a table's shown rows (the cursor
 * goes to the hit), in a text view's lines (the hit is shown near the
 * top). */
long tui_search_rows(struct tui_app *app, struct tui_view *v, int dir, bool skip, bool *wrapped);
long tui_search_lines(struct tui_app *app, struct tui_view *v, int dir, bool skip,
		      bool *wrapped);

#endif
