/* fmt: numbers, durations and names as short screen text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* --abs-time: the whole session prints the time of day. */
static bool abs_time;

void tui_fmt_abs_time(bool on)
{
	abs_time = on;
}

void tui_time_fmt(struct fl_time_fmt *tf, const struct tui_run *run)
{
	fl_time_fmt_init(tf, run ? run->t_first : 0, run ? run->t_last : 0, abs_time);
}

int64_t tui_since(const struct tui_run *run, int64_t t)
{
	/* Wrapping rather than overflowing (undefined) for a damaged time
	 * more than 292 years from the first event. */
	return (int64_t)((uint64_t)t - (uint64_t)(run ? run->t_first : 0));
}

const char *tui_fmt_time(char *buf, size_t len, const struct tui_run *run, int64_t t)
{
	struct fl_time_fmt tf;

	tui_time_fmt(&tf, run);
	return fl_fmt_at(buf, len, &tf, t);
}

const char *tui_fmt_count(char *buf, size_t len, int64_t n)
{
	snprintf(buf, len, "%" PRId64, n);
	return buf;
}

void tui_sanitize(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	if (!len)
		return;
	for (; src && *src && i + 1 < len; src++)
		dst[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[i] = '\0';
}

const char *tui_str(const struct tui_strs *t, unsigned i)
{
	return i < t->n ? t->s[i] : "";
}

unsigned tui_intern(struct tui_strs *t, const char *s)
{
	size_t cap = sizeof(t->s) / sizeof(t->s[0]);
	char *d;

	if (!s)
		s = "";
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->s[i], s) == 0)
			return (unsigned)i;
	if (t->n == cap)
		return (unsigned)(cap - 1);
	d = strdup(s);
	if (!d)
		return t->n ? (unsigned)(t->n - 1) : 0;
	t->s[t->n] = d;
	return (unsigned)t->n++;
}

void tui_strs_free(struct tui_strs *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	t->n = 0;
}
