/* keys: one table from keys to actions, and the help that lists them.
 * The keys follow perf report and tig where they have one
 * (../shared/reference/anchors.md §1, §7). */
#include <curses.h>
#include <stdio.h>

#include "tui.h"

#define CTRL(c) ((c) & 0x1f)

enum tui_action tui_key_action(int key)
{
	switch (key) {
	case KEY_UP: case 'k': return ACT_UP;
	case KEY_DOWN: case 'j': return ACT_DOWN;
	case KEY_PPAGE: case CTRL('b'): return ACT_PGUP;
	case KEY_NPAGE: case CTRL('f'): case ' ': return ACT_PGDN;
	case KEY_HOME: case 'g': return ACT_TOP;
	case KEY_END: case 'G': return ACT_BOTTOM;
	case KEY_ENTER: case '\n': case '\r': case KEY_RIGHT: return ACT_ENTER;
	case KEY_BACKSPACE: case 127: case CTRL('h'): case KEY_LEFT: return ACT_BACK;
	case 'q': case 27: return ACT_CLOSE;	/* Esc */
	case '\t': return ACT_TAB;
	case '/': return ACT_SEARCH;
	case 'n': return ACT_SEARCH_NEXT;
	case 'N': return ACT_SEARCH_PREV;
	case '|': case 'F': return ACT_FILTER;
	case 'P': return ACT_PRINT;
	case 's': return ACT_SORT;
	case 'r': return ACT_RUN;
	case 'd': return ACT_COMPARE;
	case '?': case 'h': case KEY_F(1): return ACT_HELP;
	case CTRL('l'): return ACT_REDRAW;
	case 'R': return ACT_REFRESH;
	case 'Q': return ACT_QUIT;
	case KEY_RESIZE: return ACT_RESIZE;
	default: return ACT_NONE;
	}
}

const char *tui_key_name(int key, char *buf, size_t len)
{
	if (key == '\n' || key == '\r' || key == KEY_ENTER)
		snprintf(buf, len, "Enter");
	else if (key == '\t')
		snprintf(buf, len, "Tab");
	else if (key == 127 || key == KEY_BACKSPACE)
		snprintf(buf, len, "Backspace");
	else if (key == 27)
		snprintf(buf, len, "Esc");
	else if (key > ' ' && key < 127)
		snprintf(buf, len, "%c", key);
	else if (key >= KEY_MIN && keyname(key))
		snprintf(buf, len, "%s", keyname(key));
	else
		snprintf(buf, len, "%d", key);
	return buf;
}

/* Every key, in the order the help shows them. */
const struct tui_help tui_help[] = {
	{ "Up/k  Down/j", "move one row" },
	{ "PgUp/^B  PgDn/^F/Space", "move one page" },
	{ "g/Home  G/End", "first row, last row" },
	{ "Enter/Right", "drill in: causes > by VMA.. > faults > fault" },
	{ "Backspace/Left", "back to the view before" },
	{ "q/Esc", "close this view (back toward the runs list)" },
	{ "Tab", "in a cause: by VMA, by thread, by writer" },
	{ "/  n  N", "search (any column, any case); next, previous match" },
	{ "|/F", "filter rows; empty clears; Up/Down: earlier filters" },
	{ "s", "sort on the next column; after the last, as read" },
	{ "r", "switch run: back to the runs list" },
	{ "d", "compare this run with another, cause by cause" },
	{ "^L", "read the runs again (new replays), redraw" },
	{ "R", "read everything again, in place (every 2 s while a run is live)" },
	{ "P", "save the screen as text to a file (its name is shown)" },
	{ "?/h/F1", "this help; any key closes it" },
	{ "Q", "quit from any view" },
};
const size_t tui_nhelp = sizeof(tui_help) / sizeof(tui_help[0]);
