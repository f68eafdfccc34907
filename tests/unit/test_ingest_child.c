/* The child process's event stream (replay/ingest_child.c) against the
 * decoding in this process (fl_ingest_direct()): every normalised event
 * must arrive with every field the dialects fill, the same in both.  A
 * field added to struct fl_event and not to the stream would otherwise be
 * lost silently behind fl_ingest() (it was: a vma_snapshot's perms, vm_flags
 * and whole, and a loss's ring flag). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctf_check.h"
#include "ingest.h"

struct events {
	struct fl_event *v;
	size_t n, cap;
};

static int keep(void *ctx, const struct fl_event *ev)
{
	struct events *e = ctx;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 4096;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		if (!e->v)
			return -1;
	}
	/* Field by field into a zeroed copy: padding is not compared. */
	memset(&e->v[e->n], 0, sizeof(e->v[e->n]));
	e->v[e->n].kind = ev->kind;
	e->v[e->n].t = ev->t;
	e->v[e->n].pid = ev->pid;
	e->v[e->n].tid = ev->tid;
	e->v[e->n].cpu = ev->cpu;
	e->v[e->n].u = ev->u;
	e->n++;
	return 0;
}

static void decode(const char *trace, bool child, struct events *out)
{
	struct fl_ingest_ops ops = { .event = keep };
	struct fl_ingest_result res;
	struct fl_err err;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&err, 0, sizeof(err));
	memset(out, 0, sizeof(*out));
	if (child) {
		rc = fl_ingest(trace, &ops, out, &res, &err);
	} else {
		char **dirs = NULL;
		size_t ndirs = 0;

		rc = fl_ingest_check(trace, &dirs, &ndirs, &err);
		if (rc == 0)
			rc = fl_ingest_direct(trace, dirs, ndirs, &ops, out, &res, &err);
		fl_ctf_free_list(dirs, ndirs);
	}
	if (rc < 0)
		fail_msg("%s (%s): %s", trace, child ? "child" : "direct", err.msg);
	fl_ingest_result_free(&res);
}

static void same_events(const char *trace)
{
	struct events a, b;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", getenv("FL_TOP") ? getenv("FL_TOP") : ".", trace);
	decode(path, false, &a);
	decode(path, true, &b);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		if (memcmp(&a.v[i].u, &b.v[i].u, sizeof(a.v[i].u)) || a.v[i].kind != b.v[i].kind ||
		    a.v[i].t != b.v[i].t || a.v[i].pid != b.v[i].pid || a.v[i].tid != b.v[i].tid ||
		    a.v[i].cpu != b.v[i].cpu)
			fail_msg("%s: event %zu (kind %d) differs between the child and this process",
				 trace, i, (int)a.v[i].kind);
	}
	free(a.v);
	free(b.v);
}

/* faultline record's dialect: vma snapshots with perms and flags, exec_mm. */
static void faultline_dialect(void **state)
{
	(void)state;
	same_events("traces/x86_64/fl-proctree");
}

/* A trace whose faultline:lost events say perf lost records. */
static void faultline_lossy(void **state)
{
	(void)state;
	same_events("tests/fixtures/fl-mapread");
}

/* Threads named at attach (-p): a task flag only such traces set. */
static void faultline_attach(void **state)
{
	(void)state;
	same_events("tests/fixtures/fl-attach");
}

static void perf_dialect(void **state)
{
	(void)state;
	same_events("traces/x86_64/mmchurn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(faultline_dialect),
		cmocka_unit_test(faultline_lossy),
		cmocka_unit_test(faultline_attach),
		cmocka_unit_test(perf_dialect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
