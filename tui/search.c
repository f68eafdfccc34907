/* search: / n N, in a list's shown rows or the fault detail's lines
 * (less and tig): from the cursor (or the line last found), wrapping round
 * with a message, without case. */
#define _GNU_SOURCE		/* strcasestr */
#include <stdio.h>
#include <string.h>

#include "tui.h"

long tui_search_lines(struct tui_app *app, struct tui_view *v, int dir, bool skip, bool *wrapped)
{
	/* from the line under the top (or after the last hit) */
	size_t from = v->hit ? v->hit - 1 : v->top;
	long hit = -1;

	if (skip)
		from = v->hit ? (dir > 0 ? v->hit : (v->hit >= 2 ? v->hit - 2 : v->nlines - 1))
			      : from;
	for (size_t k = 0, i = from < v->nlines ? from : 0; k < v->nlines; k++) {
		if (strcasestr(v->lines[i].text, app->search)) {
			hit = (long)i;
			break;
		}
		if (dir < 0 && i == 0) {
			i = v->nlines - 1;
			*wrapped = true;
		} else if (dir > 0 && i + 1 >= v->nlines) {
			i = 0;
			*wrapped = true;
		} else {
			i = dir < 0 ? i - 1 : i + 1;
		}
	}
	if (hit >= 0) {
		v->hit = (size_t)hit + 1;
		/* the hit in sight: near the top */
		v->top = hit > 2 ? (size_t)hit - 2 : 0;
	}
	return hit;
}

long tui_search_rows(struct tui_app *app, struct tui_view *v, int dir, bool skip, bool *wrapped)
{
	size_t from = v->tab.cur;
	long hit;

	if (skip && v->tab.nvis)
		from = dir > 0 ? (from + 1) % v->tab.nvis
			       : (from ? from - 1 : v->tab.nvis - 1);
	hit = tui_table_search(&v->tab, app->search, from, dir, wrapped);
	if (skip && hit >= 0 && dir > 0 && (size_t)hit <= v->tab.cur)
		*wrapped = true;
	if (skip && hit >= 0 && dir < 0 && (size_t)hit >= v->tab.cur)
		*wrapped = true;
	if (hit >= 0)
		v->tab.cur = (size_t)hit;
	return hit;
}

bool tui_search(struct tui_app *app, int dir, bool skip)
{
	struct tui_view *v = app->depth ? app->stack[app->depth - 1] : NULL;
	bool wrapped = false;
	long hit;

	if (!v || !app->search[0]) {
		snprintf(app->msg, sizeof(app->msg), "no search yet: / searches");
		return false;
	}
	hit = v->ops->search(app, v, dir, skip, &wrapped);
	if (hit < 0)
		snprintf(app->msg, sizeof(app->msg), "not found: %.200s", app->search);
	else if (wrapped)
		snprintf(app->msg, sizeof(app->msg), "search hit %s, continuing at %s",
			 dir > 0 ? "BOTTOM" : "TOP", dir > 0 ? "TOP" : "BOTTOM");
	return hit >= 0;
}
