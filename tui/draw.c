/* draw: everything that puts characters on the screen.
 *
 *   line 0        title bar: the database and where you are
 *   line 1        context: the run, or the row under the cursor, in full
 *   (causes)      two time strips: all aborts, and the cause under the cursor
 *   next          column titles, then the rows
 *   last line     the status: a message, or the keys that matter here
 *
 * Colour only when the terminal has it and NO_COLOR is unset or empty
 * (no-color.org); without it, bold and reverse carry the same marks.
 * Bars and strips use block characters in a UTF-8 locale, ASCII otherwise.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "tui.h"

enum { P_TITLE = 1, P_BAR, P_HOT, P_HEAD, P_DIM };

void tui_draw_init(struct tui_app *app)
{
	const char *nc = getenv("NO_COLOR");
	const char *cs = nl_langinfo(CODESET);

	app->utf8 = cs && strcmp(cs, "UTF-8") == 0;
	app->color = has_colors() && !(nc && nc[0]);
	if (app->color) {
		start_color();
		use_default_colors();
		init_pair(P_TITLE, COLOR_WHITE, COLOR_BLUE);
		init_pair(P_BAR, COLOR_GREEN, -1);
		init_pair(P_HOT, COLOR_RED, -1);
		init_pair(P_HEAD, COLOR_CYAN, -1);
		init_pair(P_DIM, COLOR_YELLOW, -1);
	}
}

static attr_t style(const struct tui_app *app, int pair, attr_t mono)
{
	return app->color ? (attr_t)COLOR_PAIR(pair) | (pair == P_TITLE || pair == P_HEAD ? A_BOLD : 0)
			  : mono;
}

/* Text at (y, x), cut to w columns. */
static void put(int y, int x, int w, const char *s)
{
	if (w > 0)
		mvaddnstr(y, x, s, w);
}

static void fill_line(int y, attr_t a)
{
	attron(a);
	mvhline(y, 0, ' ', COLS);
	attroff(a);
}

static const struct tui_view *top(const struct tui_app *app)
{
	return app->depth > 0 ? app->stack[app->depth - 1] : NULL;
}

int tui_page_rows(const struct tui_app *app)
{
	const struct tui_view *v = top(app);
	int h = LINES - 1 - (v ? v->ops->body_row : 3);

	return h > 1 ? h : 1;
}

/* ---- time strips ---------------------------------------------------------- */

static void strip(const struct tui_app *app, int y, int x, int w, const uint32_t *bins,
		  attr_t a)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " .:-=+*#@";
	uint32_t cell[512], max = 0;

	if (w > 512)
		w = 512;
	for (int j = 0; j < w; j++) {
		size_t b0 = (size_t)j * TUI_BINS / (size_t)w, b1 = (size_t)(j + 1) * TUI_BINS / (size_t)w;

		if (b1 <= b0)
			b1 = b0 + 1;
		cell[j] = 0;
		for (size_t b = b0; b < b1 && b < TUI_BINS; b++)
			cell[j] += bins[b];
		if (cell[j] > max)
			max = cell[j];
	}
	attron(a);
	for (int j = 0; j < w; j++) {
		int lvl = cell[j] ? 1 + (int)((uint64_t)(cell[j] - 1) * 8 / (max ? max : 1)) : 0;

		if (lvl > 8)
			lvl = 8;
		if (app->utf8)
			mvaddstr(y, x + j, blocks[lvl]);
		else
			mvaddch(y, x + j, (chtype)(unsigned char)ascii[lvl]);
	}
	attroff(a);
}

static void bar(const struct tui_app *app, int y, int x, int w, double f, attr_t a)
{
	int n8 = (int)(f * w * 8 + 0.5), full = n8 / 8;
	static const char *const part[] = { "", "\u258f", "\u258e", "\u258d", "\u258c",
					    "\u258b", "\u258a", "\u2589" };

	if (f > 0 && n8 == 0)
		n8 = 1;
	full = n8 / 8;
	attron(a);
	for (int i = 0; i < full && i < w; i++)
		if (app->utf8)
			mvaddstr(y, x + i, "\u2588");
		else
			mvaddch(y, x + i, '#');
	if (full < w && n8 % 8) {
		if (app->utf8)
			mvaddstr(y, x + full, part[n8 % 8]);
		else
			mvaddch(y, x + full, n8 % 8 >= 4 ? '#' : '|');
	}
	attroff(a);
}

/* ---- tables --------------------------------------------------------------- */

static void widths(const struct tui_table *t, int *w)
{
	int used = 1, flex = 0, spare;

	for (int c = 0; c < t->ncols; c++) {
		w[c] = t->cols[c].width;
		used += w[c] + (c ? 1 : 0);
		flex += t->cols[c].flex;
	}
	spare = COLS - used;
	if (spare <= 0 || !flex)
		return;
	for (int c = 0, given = 0, acc = 0; c < t->ncols; c++) {
		int share;

		acc += t->cols[c].flex;
		share = spare * acc / flex - given;
		w[c] += share;
		given += share;
	}
}

/* s cut to w columns so that what differs stays seen: without focus, its
 * head and its tail around a '~' ("SPF_ABO~K_SEQ1": names that share a
 * prefix differ at the end); with focus >= 0, a window that shows the
 * character at focus, '~' where text is left out. */
static void cut_text(char *out, const char *s, int len, int w, int focus)
{
	if (len <= w || w < 3) {
		snprintf(out, (size_t)w + 1, "%s", s);
		return;
	}
	if (focus < 0) {
		int tail = (w - 1) / 2, head = w - 1 - tail;

		snprintf(out, (size_t)w + 1, "%.*s~%s", head, s, s + len - tail);
		return;
	}
	/* a window of w - 2 around focus, a '~' each side where cut */
	int from = focus - (w - 2) / 2;

	if (from < 1)
		from = 0;
	if (from + w - 1 >= len)
		from = len - (w - 1);
	if (from == 0)
		snprintf(out, (size_t)w + 1, "%.*s~", w - 1, s);
	else if (from + w - 1 == len)
		snprintf(out, (size_t)w + 1, "~%s", s + from + 1);
	else
		snprintf(out, (size_t)w + 1, "~%.*s~", w - 2, s + from + 1);
}

static void draw_cell(const struct tui_app *app, const struct tui_table *t, const struct tui_row *r,
		      int c, int y, int x, int w, bool cur, int focus)
{
	const char *s = tui_table_text(t, r, c);
	int len = (int)strlen(s);
	char cut[512];

	if (t->cols[c].bar) {
		bar(app, y, x, w, r->bar, cur ? A_REVERSE : style(app, P_BAR, A_BOLD));
		return;
	}
	/* numbers right-aligned, keeping their tail */
	if (fl_col_right(&t->cols[c].col)) {
		if (len > w)
			s += len - w, len = w;
		put(y, x + w - len, w, s);
		return;
	}
	if (len > w && w < (int)sizeof(cut)) {
		cut_text(cut, s, len, w, focus);
		s = cut;
	}
	put(y, x, w, s);
}

/* Where two rows' texts first differ. */
static int first_diff(const char *a, const char *b)
{
	int i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	return i;
}

/* For each shown row and text column: -1 to cut it the usual way, or the
 * position to keep in sight because another shown row's different text
 * would otherwise read the same. */
#define FOCUS_ROWS 256
static void focus_cuts(const struct tui_table *t, const int *w, int h, int (*focus)[TUI_MAXCOLS])
{
	char a[512], b[512];

	for (int i = 0; i < h && i < FOCUS_ROWS; i++)
		for (int c = 0; c < TUI_MAXCOLS; c++)
			focus[i][c] = -1;
	for (int c = 0; c < t->ncols; c++) {
		if (t->cols[c].bar || fl_col_right(&t->cols[c].col) || w[c] >= (int)sizeof(a))
			continue;
		for (int i = 0; i < h && i < FOCUS_ROWS && t->top + (size_t)i < t->nvis; i++) {
			const char *si = tui_table_text(t, &t->rows[t->vis[t->top + (size_t)i]], c);
			int li = (int)strlen(si);

			if (li <= w[c])
				continue;
			cut_text(a, si, li, w[c], -1);
			for (int j = 0; j < h && j < FOCUS_ROWS && t->top + (size_t)j < t->nvis; j++) {
				const char *sj = tui_table_text(t, &t->rows[t->vis[t->top + (size_t)j]], c);
				int lj = (int)strlen(sj), d;

				if (j == i || !strcmp(si, sj))
					continue;
				cut_text(b, sj, lj, w[c], -1);
				if (strcmp(a, b))
					continue;
				d = first_diff(si, sj);
				if (d > focus[i][c])
					focus[i][c] = d;
			}
		}
	}
}

/* The cells of the row under the cursor that the screen cuts, in full,
 * for the status line. */
static void full_text(struct tui_app *app, const struct tui_table *t, const int *w)
{
	const struct tui_row *r = tui_table_current(t);
	size_t off = 0;

	app->full[0] = '\0';
	for (int c = 0; r && c < t->ncols; c++) {
		const char *s = tui_table_text(t, r, c);

		if (t->cols[c].bar || (int)strlen(s) <= w[c] || off >= sizeof(app->full))
			continue;
		off += (size_t)snprintf(app->full + off, sizeof(app->full) - off, "%s%s: %s",
					off ? "   " : "", t->cols[c].col.label, s);
	}
}

static void draw_table(struct tui_app *app, struct tui_view *v, int y0)
{
	static int focus[FOCUS_ROWS][TUI_MAXCOLS];
	struct tui_table *t = &v->tab;
	int w[TUI_MAXCOLS], h = LINES - 1 - (y0 + 1);
	attr_t head = style(app, P_HEAD, A_BOLD);

	widths(t, w);
	attron(head);
	for (int c = 0, x = 1; c < t->ncols; x += w[c] + 1, c++) {
		const char *title = t->cols[c].col.label;
		int len = (int)strlen(title);

		/* the sorted column's title underlined */
		if (c == t->sort)
			attron(A_UNDERLINE);
		if (!fl_col_right(&t->cols[c].col) && !t->cols[c].bar)
			put(y0, x, w[c], title);
		else
			put(y0, x + (w[c] > len ? w[c] - len : 0), w[c], title);
		attroff(A_UNDERLINE);
	}
	attroff(head);
	tui_table_scroll(t, (size_t)h);
	focus_cuts(t, w, h, focus);
	full_text(app, t, w);
	if (!t->nvis) {
		put(y0 + 2, 2, COLS - 4, t->filter[0] ? "no row matches the filter: | to change it"
						      : "nothing to show here");
		return;
	}
	for (int i = 0; i < h && t->top + (size_t)i < t->nvis; i++) {
		size_t vi = t->top + (size_t)i;
		const struct tui_row *r = &t->rows[t->vis[vi]];
		bool cur = vi == t->cur;
		int y = y0 + 1 + i;

		if (cur)
			fill_line(y, A_REVERSE);
		if (cur)
			attron(A_REVERSE);
		for (int c = 0, x = 1; c < t->ncols; x += w[c] + 1, c++)
			draw_cell(app, t, r, c, y, x, w[c], cur, i < FOCUS_ROWS ? focus[i][c] : -1);
		if (cur)
			attroff(A_REVERSE);
	}
}

/* ---- the frame -------------------------------------------------------------- */

/* Line 1: the filter, then what the view says of itself; line 2 when the
 * view has a second context line. */
static void context(struct tui_app *app, struct tui_view *v)
{
	char buf[512], line2[512];

	buf[0] = '\0';
	line2[0] = '\0';
	if (!v->ops->is_text && v->tab.filter[0])
		snprintf(buf, sizeof(buf), "filter: %s (%zu rows)   ", v->tab.filter, v->tab.nvis);
	if (v->ops->header)
		v->ops->header(app, v, buf, sizeof(buf), line2, sizeof(line2));
	if (line2[0])
		put(2, 1, COLS - 2, line2);
	put(1, 1, COLS - 2, buf);
}

static void sparks(struct tui_app *app, struct tui_view *v)
{
	const struct tui_row *r = tui_table_current(&v->tab);
	int x = 11, w = COLS - x - 1;

	attron(A_BOLD);
	put(2, 1, 10, "aborts");
	attroff(A_BOLD);
	strip(app, 2, x, w, app->ld.fell_bins, style(app, P_HOT, A_BOLD));
	if (r && (size_t)r->ref < app->ld.ncauses) {
		put(3, 1, 10, "this cause");
		strip(app, 3, x, w, app->ld.causes[r->ref].bins, style(app, P_BAR, 0));
	}
}

void tui_draw_table_body(struct tui_app *app, struct tui_view *v)
{
	draw_table(app, v, v->ops->body_row - 1);
}

void tui_draw_causes_body(struct tui_app *app, struct tui_view *v)
{
	sparks(app, v);
	draw_table(app, v, v->ops->body_row - 1);
}

void tui_draw_lines_body(struct tui_app *app, struct tui_view *v)
{
	int h = LINES - 1 - 2;

	if (v->nlines <= (size_t)h)
		v->top = 0;
	else if (v->top > v->nlines - (size_t)h)
		v->top = v->nlines - (size_t)h;
	for (int i = 0; i < h && v->top + (size_t)i < v->nlines; i++) {
		const struct tui_line *l = &v->lines[v->top + (size_t)i];
		attr_t a = l->style == 1 ? style(app, P_HEAD, A_BOLD) :
			   l->style == 2 ? style(app, P_HOT, A_BOLD) :
			   l->style == 3 ? style(app, P_DIM, A_DIM) : 0;

		if (v->hit == v->top + (size_t)i + 1) {
			a = A_REVERSE;
			fill_line(2 + i, a);
		}

		attron(a);
		put(2 + i, 1, COLS - 2, l->text);
		attroff(a);
	}
}

static void too_small(void)
{
	char buf[128];
	int y = LINES / 2 - 1;

	erase();
	snprintf(buf, sizeof(buf), "terminal too small: %dx%d", COLS, LINES);
	put(y > 0 ? y : 0, 0, COLS, buf);
	snprintf(buf, sizeof(buf), "faultline tui needs %dx%d", TUI_MIN_COLS, TUI_MIN_ROWS);
	put(y + 1 > 0 ? y + 1 : 0, 0, COLS, buf);
	put(y + 2 > 0 ? y + 2 : 0, 0, COLS, "enlarge it, or Q to quit");
	refresh();
}

static void empty_db(struct tui_app *app)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s holds no runs yet.", app->st.path);
	put(4, 2, COLS - 4, buf);
	put(6, 2, COLS - 4, "Replay a trace into it, for example:");
	snprintf(buf, sizeof(buf), "  faultline replay traces/x86_64/node-gc -s all -o %s",
		 app->st.path);
	put(7, 2, COLS - 4, buf);
	put(9, 2, COLS - 4, "then press Ctrl-L here to read it again, or Q to quit.");
}

void tui_draw_runs_body(struct tui_app *app, struct tui_view *v)
{
	if (app->st.nruns == 0)
		empty_db(app);
	else
		draw_table(app, v, v->ops->body_row - 1);
}

void tui_draw(struct tui_app *app)
{
	struct tui_view *v = app->depth ? app->stack[app->depth - 1] : NULL;
	char title[1024];

	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
		too_small();
		return;
	}
	erase();
	app->full[0] = '\0';
	fill_line(0, style(app, P_TITLE, A_REVERSE));
	attron(style(app, P_TITLE, A_REVERSE));
	/* where you are first; the database after it, as room allows */
	snprintf(title, sizeof(title), "%s  [%.300s]", v ? v->title : "", app->st.path);
	put(0, 1, COLS - 2, title);
	attroff(style(app, P_TITLE, A_REVERSE));
	if (v) {
		context(app, v);
		v->ops->draw_body(app, v);
	}
	if (app->msg[0]) {
		attron(style(app, P_HOT, A_BOLD));
		put(LINES - 1, 0, COLS - 1, app->msg);
		attroff(style(app, P_HOT, A_BOLD));
	} else if (app->full[0]) {
		/* what the columns cut of the row under the cursor */
		put(LINES - 1, 0, COLS - 1, app->full);
	} else if (v) {
		attron(style(app, P_DIM, A_DIM));
		put(LINES - 1, 0, COLS - 1, v->ops->hints(v));
		attroff(style(app, P_DIM, A_DIM));
	}
	refresh();
}

void tui_draw_help(struct tui_app *app)
{
	int h = (int)tui_nhelp + 4, y0 = (LINES - h) / 2;

	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS)
		return;
	for (int y = y0; y < y0 + h; y++) {
		move(y, 0);
		clrtoeol();
	}
	attron(style(app, P_HEAD, A_BOLD));
	put(y0, 2, COLS - 4, "faultline tui: keys   (any key closes this)");
	attroff(style(app, P_HEAD, A_BOLD));
	mvhline(y0 + 1, 0, app->utf8 ? ACS_HLINE : '-', COLS);
	for (size_t i = 0; i < tui_nhelp; i++) {
		attron(A_BOLD);
		put(y0 + 2 + (int)i, 2, 24, tui_help[i].keys);
		attroff(A_BOLD);
		put(y0 + 2 + (int)i, 27, COLS - 28, tui_help[i].what);
	}
	mvhline(y0 + h - 1, 0, app->utf8 ? ACS_HLINE : '-', COLS);
	refresh();
}

/* One line read on the status line: label, then what is typed.  Up and
 * Down walk hist (the newest first); changed() runs after each edit.  true
 * on Enter, false on Esc. */
static bool prompt(struct tui_app *app, const char *label, char *buf, size_t len,
		   char (*hist)[64], int nhist, void (*changed)(struct tui_app *, const char *))
{
	size_t n = strlen(buf);
	int h = -1;		/* hist entry shown; -1 the line being typed */
	bool ok;

	curs_set(1);
	for (;;) {
		int ch;
		char line[160];

		app->msg[0] = '\0';
		tui_draw(app);
		snprintf(line, sizeof(line), "%s%s", label, buf);
		move(LINES - 1, 0);
		clrtoeol();
		put(LINES - 1, 0, COLS - 1, line);
		refresh();
		tui_frame_done(app);
		ch = getch();
		tui_key_arrived(app, ch);
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			ok = true;
			break;
		}
		if (ch == 27) {
			ok = false;
			break;
		}
		if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (n)
				buf[--n] = '\0';
		} else if (ch == 21) {	/* ^U */
			n = 0;
			buf[0] = '\0';
		} else if ((ch == KEY_UP || ch == KEY_DOWN) && hist) {
			h += ch == KEY_UP ? 1 : -1;
			if (h >= nhist)
				h = nhist - 1;
			if (h < -1)
				h = -1;
			snprintf(buf, len, "%s", h >= 0 ? hist[h] : "");
			n = strlen(buf);
		} else if (ch >= ' ' && ch < 127 && n + 1 < len) {
			buf[n++] = (char)ch;
			buf[n] = '\0';
		} else {
			continue;
		}
		if (changed)
			changed(app, buf);
	}
	curs_set(0);
	return ok;
}

static void filter_changed(struct tui_app *app, const char *s)
{
	struct tui_table *t = &app->stack[app->depth - 1]->tab;

	snprintf(t->filter, sizeof(t->filter), "%s", s);
	tui_table_apply(t);
}

/* Remember a filter for Up, the newest first, once. */
static void remember(struct tui_app *app, const char *s)
{
	int i;

	if (!s[0])
		return;
	for (i = 0; i < app->nhist && strcmp(app->hist[i], s); i++)
		;
	if (i == app->nhist && app->nhist < TUI_HIST)
		app->nhist++;
	if (i == TUI_HIST)
		i = TUI_HIST - 1;
	memmove(app->hist[1], app->hist[0], sizeof(app->hist[0]) * (size_t)i);
	snprintf(app->hist[0], sizeof(app->hist[0]), "%s", s);
}

void tui_draw_prompt_filter(struct tui_app *app)
{
	struct tui_table *t = &app->stack[app->depth - 1]->tab;
	char old[sizeof(t->filter)], line[sizeof(t->filter)] = "";

	memcpy(old, t->filter, sizeof(old));
	if (prompt(app, "filter: ", line, sizeof(line), app->hist, app->nhist, filter_changed)) {
		filter_changed(app, line);
		remember(app, line);
	} else {
		memcpy(t->filter, old, sizeof(old));
		tui_table_apply(t);
	}
}

/* Where the search started, so each edit searches from there again. */
static size_t search_from;

static void search_changed(struct tui_app *app, const char *s)
{
	struct tui_view *v = app->stack[app->depth - 1];

	if (v->ops->is_text)
		v->top = search_from;
	else
		v->tab.cur = search_from;
	snprintf(app->search, sizeof(app->search), "%s", s);
	if (s[0])
		tui_search(app, 1, false);
}

void tui_draw_prompt_search(struct tui_app *app)
{
	struct tui_view *v = app->stack[app->depth - 1];
	char old[sizeof(app->search)], line[sizeof(app->search)] = "";
	size_t hit = v->hit;

	memcpy(old, app->search, sizeof(old));
	search_from = v->ops->is_text ? v->top : v->tab.cur;
	if (prompt(app, "/", line, sizeof(line), NULL, 0, search_changed)) {
		if (line[0]) {
			search_changed(app, line);
			return;
		}
		/* an empty line searches for the last one again, as less does */
		memcpy(app->search, old, sizeof(old));
		if (app->search[0])
			tui_search(app, 1, true);
		return;
	}
	memcpy(app->search, old, sizeof(old));
	if (v->ops->is_text) {
		v->top = search_from;
		v->hit = hit;
	} else {
		v->tab.cur = search_from;
	}
}

void tui_draw_save_screen(struct tui_app *app)
{
	char name[64];
	FILE *f = NULL;
	int fd = -1;

	/* a new file each time, never one that is there (perf report's P) */
	for (int tries = 0; tries < 1000 && fd < 0; tries++) {
		snprintf(name, sizeof(name), "faultline-tui.%d.txt", app->saved++);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		snprintf(app->msg, sizeof(app->msg), "cannot save the screen to %s: %s", name,
			 strerror(e));
		return;
	}
	for (int y = 0; y < LINES; y++) {
		wchar_t wl[1024];
		char ml[4096];
		int n = mvinnwstr(y, 0, wl, COLS < 1023 ? COLS : 1023);
		size_t len;

		if (n < 0)
			n = 0;
		wl[n] = L'\0';
		len = wcstombs(ml, wl, sizeof(ml) - 1);
		if (len == (size_t)-1)
			len = 0;
		ml[len] = '\0';
		while (len && ml[len - 1] == ' ')
			ml[--len] = '\0';
		fprintf(f, "%s\n", ml);
	}
	if (fclose(f) != 0) {
		int e = errno;

		snprintf(app->msg, sizeof(app->msg), "cannot save the screen to %s: %s", name,
			 strerror(e));
		return;
	}
	snprintf(app->msg, sizeof(app->msg), "saved the screen to %s", name);
}
