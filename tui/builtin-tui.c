/* faultline tui: browse a replay database's retry and abort causes.
 *
 * The view stack: the runs list at the bottom, then whatever Enter opened
 * (causes > by VMA|thread|writer > faults > fault); Backspace pops.  Each
 * key is one action (keys.c), applied here, then the frame is drawn again
 * (draw.c).  With FL_TUI_TIMING=FILE every frame's cost is appended to FILE
 * (`first MS` for the first screen from the command's start, `key NAME MS`
 * for each key from its arrival to the screen update): scripts/bench-tui
 * reads it.
 */
#include <curses.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/store_read.h"
#include "builtin.h"
#include "fl_err.h"
#include "tui.h"

/* The key being handled: Esc and q share an action but not the first view. */
static int last_key;

static struct tui_view *top(struct tui_app *app)
{
	return app->depth ? app->stack[app->depth - 1] : NULL;
}

static void set_msg_err(struct tui_app *app, const struct fl_err *err)
{
	snprintf(app->msg, sizeof(app->msg), "%.250s", err->msg[0] ? err->msg : "failed");
}

static void push(struct tui_app *app, struct tui_view *v)
{
	if (!v)
		return;
	if (app->depth == (int)(sizeof(app->stack) / sizeof(app->stack[0]))) {
		tui_view_free(v);
		snprintf(app->msg, sizeof(app->msg), "too many views open: go back first");
		return;
	}
	app->stack[app->depth++] = v;
}

static void pop(struct tui_app *app)
{
	if (app->depth > 0)
		tui_view_free(app->stack[--app->depth]);
}

/* Put the runs view's cursor on run_id. */
static void runs_cursor(struct tui_view *v, int64_t run_id)
{
	for (size_t i = 0; i < v->tab.nvis; i++)
		if (v->tab.rows[v->tab.vis[i]].ref == run_id)
			v->tab.cur = i;
}

/* Read the runs again and rebuild the runs view at the bottom. */
static void reload_runs(struct tui_app *app)
{
	struct fl_err err = { 0 };
	struct tui_view *v;
	int64_t cur = 0;

	if (tui_store_load_runs(&app->st, &err) < 0) {
		set_msg_err(app, &err);
		return;
	}
	/* The loaded run points into the runs array just replaced. */
	if (app->ld.run_id) {
		app->ld.run = tui_store_run(&app->st, app->ld.run_id);
		if (!app->ld.run)
			tui_loaded_free(&app->ld);
	}
	if (app->depth && app->stack[0]->tab.nvis)
		cur = tui_table_current(&app->stack[0]->tab)->ref;
	v = tui_view_runs(app, PICK_OPEN, 0, &err);
	if (!v) {
		set_msg_err(app, &err);
		return;
	}
	runs_cursor(v, cur);
	if (app->depth) {
		tui_view_free(app->stack[0]);
		app->stack[0] = v;
	} else {
		app->stack[app->depth++] = v;
	}
}

/* Put what a key opened on the stack, or say why nothing was. */
static void open_view(struct tui_app *app, enum tui_open how, struct tui_view *nv,
		      const struct fl_err *err)
{
	switch (how) {
	case TUI_OPEN_FAIL:
		set_msg_err(app, err);
		break;
	case TUI_OPEN_NONE:
		break;
	case TUI_OPEN_REPLACE:
		pop(app);
		push(app, nv);
		break;
	case TUI_OPEN_PUSH:
		push(app, nv);
		break;
	}
}

static void enter(struct tui_app *app, struct tui_view *v)
{
	struct fl_err err = { 0 };
	struct tui_view *nv = NULL;
	/* before open_view reads nv */
	enum tui_open how = v->ops->enter(app, v, &nv, &err);

	open_view(app, how, nv, &err);
}

static void back(struct tui_app *app)
{
	struct fl_err err = { 0 };
	struct tui_view *v;

	if (app->depth <= 1) {
		snprintf(app->msg, sizeof(app->msg), "this is the first view: Q quits");
		return;
	}
	pop(app);
	v = top(app);
	/* the first view is always the runs list */
	if (app->depth == 1)
		reload_runs(app);
	else if (v->run_id && v->ops->needs_run && tui_ensure_run(app, v->run_id, &err) < 0)
		set_msg_err(app, &err);
}

static void tab(struct tui_app *app, struct tui_view *v)
{
	struct fl_err err = { 0 };
	struct tui_view *nv = NULL;
	enum tui_open how;

	if (!v->ops->tab) {
		snprintf(app->msg, sizeof(app->msg), "Tab switches VMA/thread/writer in a cause's view");
		return;
	}
	how = v->ops->tab(app, v, &nv, &err);
	open_view(app, how, nv, &err);
}

static void compare(struct tui_app *app, struct tui_view *v)
{
	struct fl_err err = { 0 };
	struct tui_view *nv;
	int64_t a;

	if (app->st.nruns < 2) {
		snprintf(app->msg, sizeof(app->msg), "the database holds one run: nothing to compare");
		return;
	}
	if (!v->ops->compare_from)
		a = v->run_id;
	else if (!v->ops->compare_from(v, &a))
		return;
	nv = tui_view_runs(app, PICK_COMPARE, a, &err);
	if (!nv) {
		set_msg_err(app, &err);
		return;
	}
	runs_cursor(nv, a);
	tui_table_move(&nv->tab, nv->tab.cur + 1 < nv->tab.nvis ? 1 : -1);
	push(app, nv);
}

static void move_by(struct tui_app *app, struct tui_view *v, long d)
{
	(void)app;
	if (v->ops->is_text) {
		long t = (long)v->top + d;

		v->top = t < 0 ? 0 : (size_t)t;	/* draw clamps the end */
	} else {
		tui_table_move(&v->tab, d);
	}
}

/* One action; false to quit. */
static bool act(struct tui_app *app, enum tui_action a)
{
	struct tui_view *v = top(app);
	long page = tui_page_rows(app);

	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS)
		return a != ACT_QUIT && a != ACT_CLOSE;	/* only q/Q and resizing work there */
	switch (a) {
	case ACT_QUIT:
		return false;
	case ACT_CLOSE:
		/* tig: q closes the view; on the first view it quits (Esc stays) */
		if (app->depth > 1)
			back(app);
		else if (last_key == 27)
			snprintf(app->msg, sizeof(app->msg), "this is the first view: Q quits");
		else
			return false;
		break;
	case ACT_SEARCH:
		tui_draw_prompt_search(app);
		break;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		tui_search(app, a == ACT_SEARCH_NEXT ? 1 : -1, true);
		break;
	case ACT_PRINT:
		tui_draw_save_screen(app);
		break;
	case ACT_UP: move_by(app, v, -1); break;
	case ACT_DOWN: move_by(app, v, 1); break;
	case ACT_PGUP:
	case ACT_PGDN:
		/* a page: the cursor and the window move together (less, tig) */
		if (a == ACT_PGUP)
			page = -page;
		if (!v->ops->is_text) {
			long t = (long)v->tab.top + page;

			v->tab.top = t < 0 ? 0 : (size_t)t;	/* draw clamps the end */
		}
		move_by(app, v, page);
		break;
	case ACT_TOP:
		if (v->ops->is_text)
			v->top = 0;
		else
			tui_table_home(&v->tab, false);
		break;
	case ACT_BOTTOM:
		if (v->ops->is_text)
			v->top = v->nlines;
		else
			tui_table_home(&v->tab, true);
		break;
	case ACT_ENTER: enter(app, v); break;
	case ACT_BACK: back(app); break;
	case ACT_TAB: tab(app, v); break;
	case ACT_FILTER:
		if (v->ops->is_text)
			snprintf(app->msg, sizeof(app->msg), "| filters the rows of a list: / searches");
		else
			tui_draw_prompt_filter(app);
		break;
	case ACT_SORT:
		if (v->ops->is_text) {
			snprintf(app->msg, sizeof(app->msg), "s sorts the rows of a list");
			break;
		}
		tui_table_next_sort(&v->tab);
		tui_table_apply(&v->tab);
		if (v->tab.sort < 0)
			snprintf(app->msg, sizeof(app->msg), "sorted as read");
		else
			snprintf(app->msg, sizeof(app->msg), "sorted on %s",
				 v->tab.cols[v->tab.sort].col.label[0] ? v->tab.cols[v->tab.sort].col.label
									: "bar");
		break;
	case ACT_RUN: {
		int64_t run = v->run_id;	/* the runs list's is 0: none */

		while (app->depth > 1)
			pop(app);
		reload_runs(app);
		if (run)
			runs_cursor(app->stack[0], run);
		snprintf(app->msg, sizeof(app->msg), "pick a run: Enter opens it");
		break;
	}
	case ACT_COMPARE: compare(app, v); break;
	case ACT_HELP:
		tui_draw(app);
		tui_draw_help(app);
		tui_frame_done(app);
		tui_key_arrived(app, getch());
		break;
	case ACT_REDRAW:
		reload_runs(app);
		clearok(curscr, TRUE);
		break;
	case ACT_REFRESH: {
		struct fl_err err = { 0 };

		if (tui_refresh(app, &err) < 0)
			set_msg_err(app, &err);
		else if (!app->msg[0])
			snprintf(app->msg, sizeof(app->msg), "read again%s",
				 tui_store_any_live(&app->st) ? ": a run is live, read every 2 s" : "");
		break;
	}
	case ACT_RESIZE:
	case ACT_NONE:
		break;
	}
	return true;
}

static int run_tui(struct tui_app *app, int64_t run_id, double t0)
{
	struct fl_err err = { 0 };
	SCREEN *scr;

	setlocale(LC_ALL, "");
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fl_error("cannot drive the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		fprintf(stderr, "hint: set TERM to your terminal's type, e.g. TERM=xterm-256color\n");
		return FL_EXIT_FAIL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	tui_draw_init(app);

	reload_runs(app);
	if (!run_id && app->st.nruns == 1)
		run_id = app->st.runs[0].run_id;
	if (run_id) {
		runs_cursor(app->stack[0], run_id);
		push(app, tui_view_causes(app, run_id, &err));
		if (app->depth == 1)
			set_msg_err(app, &err);
	}
	tui_draw(app);
	tui_timing_first(app, t0);
	for (;;) {
		int ch;

		/* A live run grows: read it again every few seconds. */
		timeout(tui_store_any_live(&app->st) ? TUI_LIVE_REFRESH_MS : -1);
		ch = getch();
		if (ch == ERR && tui_store_any_live(&app->st)) {
			struct fl_err rerr = { 0 };

			if (tui_refresh(app, &rerr) < 0)
				set_msg_err(app, &rerr);
			tui_draw(app);
			continue;
		}
		if (ch == ERR)
			continue;
		tui_key_arrived(app, ch);
		app->msg[0] = '\0';
		last_key = ch;
		if (!act(app, tui_key_action(ch)))
			break;
		tui_draw(app);
		tui_frame_done(app);
	}
	/* Leave the terminal as it was: out of the alternate screen, cooked. */
	endwin();
	delscreen(scr);
	return FL_EXIT_OK;
}

/* The command line of tui, filled by fl_cmd_parse() (lib/fl_opt.h). */
static struct {
	int64_t run_id;
	bool abs_time;
} to;

static const struct fl_option tui_options[] = {
	{ FL_OPT_INT, 'r', "run", "N", "open run N's causes (default: the runs list, or\n"
	  "the causes when DB holds one run)", &to.run_id, NULL, 1,
	  "a run id (a positive integer)", NULL, NULL },
	{ FL_OPT_FLAG, 0, "abs-time", NULL, "times as the time of day of the trace's clock\n"
	  "(babeltrace2's form), not since its first event", &to.abs_time, NULL, 0, NULL,
	  NULL, NULL },
	FL_OPT_END_,
};

static int cmd_tui(int argc, char **argv)
{
	struct tui_app app;
	struct fl_err err = { 0 };
	double t0 = tui_now_ms();
	const char *path;
	int64_t run_id;
	int n, rc;

	memset(&app, 0, sizeof(app));
	memset(&to, 0, sizeof(to));
	n = fl_cmd_parse(&fl_cmd_tui, argc, argv);
	if (n < 0)
		return FL_EXIT_USAGE;
	run_id = to.run_id;
	tui_fmt_abs_time(to.abs_time);
	if (n > 1)
		return fl_cmd_usage_error(&fl_cmd_tui, "one DB only ('%s' is extra)", argv[2]);
	/* replay writes faultline.db by default; tui reads it, as report does. */
	path = n ? argv[1] : FL_DEFAULT_DB;
	if (tui_store_open(&app.st, path, &err) < 0 ||
	    tui_store_load_runs(&app.st, &err) < 0 ||
	    (run_id && !tui_store_run(&app.st, run_id) &&
	     fl_store_no_run(app.st.db, app.st.path, run_id, &err) < 0)) {
		fl_err_print(&err, stderr);
		tui_store_close(&app.st);
		return FL_EXIT_FAIL;
	}
	/* After the store's checks, so a wrong file is named even in a pipe. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fl_error("tui: needs a terminal on stdin and stdout");
		fprintf(stderr, "hint: for a report to a file or pipe use `faultline report %s`\n",
			path);
		tui_store_close(&app.st);
		return FL_EXIT_FAIL;
	}
	app.timing_path = getenv("FL_TUI_TIMING");
	if (app.timing_path && !app.timing_path[0])
		app.timing_path = NULL;
	rc = run_tui(&app, run_id, t0);
	while (app.depth)
		pop(&app);
	tui_loaded_free(&app.ld);
	tui_store_close(&app.st);
	return rc;
}

const struct fl_cmd fl_cmd_tui = {
	.name = "tui",
	.summary = "browse a replay database's retry and abort causes in the terminal",
	.usage = "faultline tui [--run N] [--abs-time] [DB]",
	.help =
		"Open DB (written by `faultline replay ... -o DB`; default faultline.db in\n"
		"the current directory, what replay writes without -o) read-only and\n"
		"browse it: the runs, each run's causes (count, share, mean and p99\n"
		"latency, and a time strip of the aborts over the trace), a cause by VMA,\n"
		"thread or writer, the faults of a row, and one fault: its facts, the\n"
		"writers on its VMA and the mmap_lock holders around it, and its outcome\n"
		"under every other run of the same trace.  A replay may write DB meanwhile.\n"
		"A cell too narrow for its text is cut in the middle, and in full on the\n"
		"status line while its row is under the cursor.\n"
		"\n"
		"Times are seconds with ns since the trace's first event, 0.051998454,\n"
		"as report prints them; --abs-time shows the time of day of the trace's\n"
		"clock as babeltrace2 prints an event's time (HH:MM:SS.nnnnnnnnn in\n"
		"local time, with the date when the trace's span crosses midnight).\n",
	.options = tui_options,
	.help_tail =
		"keys (? shows them in the TUI):\n"
		"  Up/k Down/j, PgUp/PgDn, g/G   move\n"
		"  Enter, q/Esc/Backspace/Left   drill in, close the view (go back)\n"
		"  Tab                           by VMA / thread / writer\n"
		"  /  n  N                       search, next match, previous match\n"
		"  |/F  s                        filter (Up: earlier filters), sort\n"
		"  r  d                          switch run, compare two runs\n"
		"  P                             save the screen to faultline-tui.N.txt\n"
		"  ?  Q                          help, quit (q on the runs list quits too)\n"
		"\n"
		"It needs a terminal of at least 80x24.  Colour is used when the terminal\n"
		"has it, unless NO_COLOR is set.  FL_TUI_TIMING=FILE appends each frame's\n"
		"time in ms to FILE (scripts/bench-tui).\n"
		"\n"
		"example:\n"
		"  faultline replay traces/x86_64/node-gc -s all -o o.db && faultline tui o.db\n",
	.run = cmd_tui,
};
