/* Shared by the cmocka unit tests: cmocka's includes, and a collector that
 * runs fl_ingest() on a trace and keeps every normalised event. */
#ifndef FL_TEST_UNIT_H
#define FL_TEST_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"

struct collected {
	struct fl_event *ev;
	size_t n, cap;
	int began;
	struct fl_trace_meta meta;
};

static inline int collect_begin(void *ctx, const struct fl_trace_meta *meta)
{
	struct collected *c = ctx;

	c->began++;
	c->meta = *meta;
	return 0;
}

static inline int collect_event(void *ctx, const struct fl_event *ev)
{
	struct collected *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct fl_event *v = realloc(c->ev, cap * sizeof(*v));
		if (!v)
			return -12;
		c->ev = v;
		c->cap = cap;
	}
	c->ev[c->n++] = *ev;
	return 0;
}

/* Ingest path into c; fails the test on error. */
static inline void collect(const char *path, struct collected *c, struct fl_ingest_result *res)
{
	struct fl_ingest_ops ops = { .begin = collect_begin, .event = collect_event };
	struct fl_err err = { 0 };
	int rc;

	memset(c, 0, sizeof(*c));
	rc = fl_ingest(path, &ops, c, res, &err);
	if (rc < 0)
		fail_msg("fl_ingest(%s): %s", path, err.msg);
}

static inline const struct fl_event *nth_of_kind(const struct collected *c, enum fl_ev_kind k,
						 size_t nth)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ev[i].kind == k && nth-- == 0)
			return &c->ev[i];
	return NULL;
}

static inline size_t count_kind(const struct collected *c, enum fl_ev_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->ev[i].kind == k;
	return n;
}

/* Path of a file in the source tree (tests/run runs us from the top). */
static inline const char *top_path(const char *rel, char *buf, size_t len)
{
	const char *top = getenv("FL_TOP");

	snprintf(buf, len, "%s/%s", top ? top : ".", rel);
	return buf;
}

#endif
