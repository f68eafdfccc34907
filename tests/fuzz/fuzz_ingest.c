/* Fuzz target: CTF ingestion through the real libbabeltrace2 graph.
 *
 * The first input byte picks a file of one of two small bundled traces
 * (tests/fixtures/fl-mapread: LTTng-UST, faultline dialect, packetized
 * metadata, an index, two stream files; tests/fixtures/perf-mmchurn-head:
 * perf-ctf dialect, text metadata); the rest of the input replaces that
 * file in a private copy of the trace.  Then what `faultline info`
 * does: the checks (ctf_check.c), the graph, the dialect's decoders, the
 * summary.  The seed corpus is the trace's own files (tests/fuzz/seeds).
 *
 * By default the graph runs in this process (fl_ingest_direct), so the
 * fuzzer sees the coverage of the decoders, and an abort or a hang of
 * libbabeltrace2 that the checks do not catch shows up as a crash or a
 * timeout to minimise and report (tests/fuzz/README.md).  With
 * FUZZ_INGEST_FORK=1 it goes through fl_ingest(), child process and
 * watchdog included: then any crash is faultline's own.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctf_check.h"
#include "ingest.h"
#include "trace_summary.h"

/* The files an input can replace: two small traces, one per dialect read
 * from LTTng-UST and from perf (tests/fixtures/README.md). */
static const struct {
	const char *trace, *file;
} files[] = {
	{ "fl-mapread", "faultline_1" },
	{ "fl-mapread", "metadata" },
	{ "fl-mapread", "faultline_0" },
	{ "fl-mapread", "index/faultline_1.idx" },
	{ "perf-mmchurn-head", "perf_stream_0" },
	{ "perf-mmchurn-head", "metadata" },
	{ "perf-mmchurn-head", "perf_stream_1" },
};
#define NFILES (sizeof(files) / sizeof(files[0]))
static const char *const all_files[] = {
	"fl-mapread/faultline_0", "fl-mapread/faultline_1", "fl-mapread/metadata",
	"fl-mapread/index/faultline_0.idx", "fl-mapread/index/faultline_1.idx",
	"perf-mmchurn-head/metadata", "perf-mmchurn-head/perf_stream_0",
	"perf-mmchurn-head/perf_stream_1",
};

static char dir[4096];
static bool use_fork;

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	int rc = in && out ? 0 : -1;

	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	return rc;
}

static const char *fixtures(void)
{
	const char *top = getenv("FL_TOP");
	static char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fixtures", top ? top : ".");
	return path;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char from[4096], to[4096];

	(void)argc;
	(void)argv;
	use_fork = getenv("FUZZ_INGEST_FORK") && !strcmp(getenv("FUZZ_INGEST_FORK"), "1");
	snprintf(dir, sizeof(dir), "%s/fuzz-ingest.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("fuzz_ingest: mkdtemp");
		exit(1);
	}
	for (size_t i = 0; i < sizeof(all_files) / sizeof(all_files[0]); i++) {
		snprintf(to, sizeof(to), "%s/fl-mapread", dir);
		mkdir(to, 0700);
		snprintf(to, sizeof(to), "%s/fl-mapread/index", dir);
		mkdir(to, 0700);
		snprintf(to, sizeof(to), "%s/perf-mmchurn-head", dir);
		mkdir(to, 0700);
		snprintf(from, sizeof(from), "%s/%s", fixtures(), all_files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, all_files[i]);
		if (copy_file(from, to) < 0) {
			fprintf(stderr, "fuzz_ingest: cannot copy %s (set FL_TOP to the source tree)\n",
				from);
			exit(1);
		}
	}
	return 0;
}

static int on_event(void *ctx, const struct fl_event *ev)
{
	return fl_summary_add(ctx, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_ingest_ops ops = { .event = on_event };
	struct fl_trace_summary sum;
	struct fl_ingest_result res;
	struct fl_err err = { 0 };
	char path[4096], orig[4096], trace[4096];
	size_t which;
	FILE *f;

	if (size < 1)
		return 0;
	which = data[0] % NFILES;
	snprintf(trace, sizeof(trace), "%s/%s", dir, files[which].trace);
	snprintf(path, sizeof(path), "%s/%s", trace, files[which].file);
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size > 1)
		fwrite(data + 1, 1, size - 1, f);
	fclose(f);

	fl_summary_init(&sum);
	if (use_fork) {
		fl_ingest(trace, &ops, &sum, &res, &err);
	} else {
		char **dirs;
		size_t ndirs;

		memset(&res, 0, sizeof(res));
		if (fl_ingest_check(trace, &dirs, &ndirs, &err) == 0) {
			fl_ingest_direct(trace, dirs, ndirs, &ops, &sum, &res, &err);
			fl_ctf_free_list(dirs, ndirs);
		}
	}
	if (!err.code) {
		struct fl_capability caps[FL_NCAPS];
		size_t n;

		free(fl_summary_threads(&sum, &n));
		fl_summary_capabilities(&sum, &res, caps);
	}
	fl_summary_free(&sum);
	fl_ingest_result_free(&res);

	/* Put the file back for the next input. */
	snprintf(orig, sizeof(orig), "%s/%s/%s", fixtures(), files[which].trace, files[which].file);
	copy_file(orig, path);
	return 0;
}
