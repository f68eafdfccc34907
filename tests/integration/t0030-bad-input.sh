#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# Bad input gets a clear error that names the problem, a non-zero exit,
# and never a crash.  Broken traces are made from a real bundled trace.
. "$FL_TOP/tests/lib.sh"

src=$FL_TOP/traces/x86_64/mmchurn

# A stream file cut in the middle of a packet.
cp -r "$src" "$FL_TMP/trunc"
truncate -s 100000 "$FL_TMP/trunc/perf_stream_0"
expect_fail "truncated CTF packet: exit 1, says truncated" 1 \
	"trunc: truncated CTF packet" info "$FL_TMP/trunc"
expect_fail "truncated CTF packet: names the stream file" 1 \
	"perf_stream_0" info "$FL_TMP/trunc"

# A stream file cut inside its first packet header.
cp -r "$src" "$FL_TMP/trunchdr"
truncate -s 10 "$FL_TMP/trunchdr/perf_stream_1"
expect_fail "stream file cut inside a packet header: exit 1, says truncated" 1 \
	"trunchdr: truncated CTF packet" info "$FL_TMP/trunchdr"

# Metadata with a syntax error.
cp -r "$src" "$FL_TMP/badmeta"
sed -i '0,/^event {/s//evnt {/' "$FL_TMP/badmeta/metadata"
expect_fail "corrupt metadata: exit 1, says metadata" 1 \
	"badmeta: cannot parse the CTF metadata" info "$FL_TMP/badmeta"

# Metadata cut short.
cp -r "$src" "$FL_TMP/shortmeta"
head -c 2000 "$src/metadata" >"$FL_TMP/shortmeta/metadata"
expect_fail "truncated metadata: exit 1, says metadata" 1 \
	"shortmeta: cannot parse the CTF metadata" info "$FL_TMP/shortmeta"

mkdir "$FL_TMP/empty"
expect_fail "empty directory: exit 1, no CTF trace" 1 \
	"empty: no CTF trace here \(no 'metadata' file" info "$FL_TMP/empty"

mkdir "$FL_TMP/notatrace"
echo "hello" >"$FL_TMP/notatrace/notes.txt"
mkdir "$FL_TMP/notatrace/sub"
expect_fail "directory that is not a trace: exit 1, no CTF trace" 1 \
	"notatrace: no CTF trace here" info "$FL_TMP/notatrace"

expect_fail "path that does not exist: exit 1, says so" 1 \
	"nonexistent: No such file or directory" info "$FL_TMP/nonexistent"

cp "$src/perf_stream_0" "$FL_TMP/perf.data"
expect_fail "a file, not a directory: exit 1, says so" 1 \
	"perf.data: not a directory" info "$FL_TMP/perf.data"
expect_fail "... with a hint to convert it" 1 \
	"hint: .*perf data convert --all --to-ctf" info "$FL_TMP/perf.data"

# (A trace with none of the needed events is tested in t0020.)
# A field the dialect reads is missing: the error names event and field.
cp -r "$src" "$FL_TMP/nofield"
sed -i '0,/} error_code;/s//} error_kode;/' "$FL_TMP/nofield/metadata"
expect_fail "an event lacks a field: names the event and the field" 1 \
	"event 'exceptions:page_fault_user' has no field 'error_code'" info "$FL_TMP/nofield"

# A trace whose tracer faultline does not know.
cp -r "$src" "$FL_TMP/othertracer"
sed -i 's/tracer_name = "perf"/tracer_name = "mytracer"/' "$FL_TMP/othertracer/metadata"
expect_fail "unknown tracer: names it" 1 \
	"not a trace faultline can read \(tracer_name \"mytracer\"" info "$FL_TMP/othertracer"

done_testing
