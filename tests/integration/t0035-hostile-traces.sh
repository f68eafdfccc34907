#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# Corrupt traces that make libbabeltrace2 2.0 loop forever or abort: the
# checks before decoding name the file and the packet offset at once, and
# with the checks off (FL_INGEST_NO_CHECK=1) the decoder's child process
# turns the hang or the abort into an error through the watchdog.  Each
# broken trace is a small mutated copy of a bundled one, made here.
. "$FL_TOP/tests/lib.sh"

src=$FL_TOP/traces/x86_64/fl-mmchurn	# LTTng-UST: index/, packetized metadata
perf=$FL_TOP/traces/x86_64/mmchurn	# perf-ctf: no index, text metadata

# poke FILE OFFSET HEXBYTES: overwrite bytes in place.
poke() {
	printf "$(printf '%s' "$3" | sed 's/\(..\)/\\x\1/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# The second packet of fl-mmchurn's faultline_1 starts at 1 MiB; an LTTng
# packet header is 32 bytes, then timestamp_begin, timestamp_end,
# content_size, packet_size, packet_seq_num, events_discarded (8 each).
pkt2=1048576
ff=ffffffffffffffff

# run_timed SECONDS ARGS...: run_fl, and FL_SECS = whole seconds it took.
run_timed() {
	local t0=$SECONDS
	run_fl "$@"
	FL_SECS=$((SECONDS - t0))
}

# --- Zeroed content_size and packet_size: libbabeltrace2 indexes forever.
cp -r "$src" "$FL_TMP/zero"
poke "$FL_TMP/zero/faultline_0" 48 00000000000000000000000000000000
expect_fail "zeroed packet sizes: error names the file and the packet offset" 1 \
	"zero: corrupt CTF packet header: faultline_0, packet at offset 0: .*a size is zero" \
	info "$FL_TMP/zero"
cp -r "$perf" "$FL_TMP/zeroperf"
poke "$FL_TMP/zeroperf/perf_stream_1" 40 00000000000000000000000000000000
expect_fail "zeroed packet sizes in a perf-ctf stream: named too" 1 \
	"zeroperf: corrupt CTF packet header: perf_stream_1, packet at offset 0" \
	replay -o "$FL_TMP/z.db" "$FL_TMP/zeroperf"
[ ! -e "$FL_TMP/z.db" ] && ok "... and replay stores nothing" ||
	not_ok "... and replay stores nothing" "$FL_TMP/z.db exists"

# --- An index that no longer matches its stream.
cp -r "$src" "$FL_TMP/badidx"
cp "$src/index/faultline_1.idx" "$FL_TMP/badidx/index/faultline_0.idx"
expect_fail "index/ not matching the stream: names the index file" 1 \
	"badidx: the index does not match the stream: index/faultline_0.idx" info "$FL_TMP/badidx"
expect_fail "... and hints at removing it" 1 "hint: remove the trace's index/" \
	info "$FL_TMP/badidx"

# --- LTTng metadata cut inside a packet and at a packet boundary.
cp -r "$src" "$FL_TMP/cutmeta"
truncate -s 9000 "$FL_TMP/cutmeta/metadata"
expect_fail "metadata cut inside a packet: says so with the offset" 1 \
	"cutmeta: cannot parse the CTF metadata: the metadata packet at offset 8192 declares 4096 bytes, the file has 808 left" \
	info "$FL_TMP/cutmeta"
cp -r "$src" "$FL_TMP/cutmeta2"
truncate -s 8192 "$FL_TMP/cutmeta2/metadata"
expect_fail "metadata cut at a packet boundary: incomplete" 1 \
	"cutmeta2: cannot parse the CTF metadata: it is incomplete" info "$FL_TMP/cutmeta2"

# --- Counters at 2^64-1, which libbabeltrace2 asserts are never seen.
cp -r "$src" "$FL_TMP/disc"
poke "$FL_TMP/disc/faultline_1" $((pkt2 + 72)) $ff
expect_fail "events_discarded 2^64-1: names stream and packet" 1 \
	"disc: corrupt CTF packet header: faultline_1, packet at offset $pkt2: events_discarded" \
	info "$FL_TMP/disc"
cp -r "$src" "$FL_TMP/tsbeg"
poke "$FL_TMP/tsbeg/faultline_1" $((pkt2 + 32)) $ff
expect_fail "timestamp_begin 2^64-1: names stream and packet" 1 \
	"tsbeg: corrupt CTF packet header: faultline_1, packet at offset $pkt2: timestamp_begin" \
	info "$FL_TMP/tsbeg"
cp -r "$src" "$FL_TMP/psize"
poke "$FL_TMP/psize/faultline_1" $((pkt2 + 56)) 0000000000000080
expect_fail "packet_size 2^63: a corrupt header, not an abort" 1 \
	"psize: corrupt CTF packet header: faultline_1, packet at offset $pkt2" \
	info "$FL_TMP/psize"

# --- A zero-length stream file is an error, not a silent half trace.
cp -r "$src" "$FL_TMP/empty"
: >"$FL_TMP/empty/faultline_1"
rm -r "$FL_TMP/empty/index"
expect_fail "zero-length stream file: an error naming it" 1 \
	"empty: empty stream file 'faultline_1' \(0 bytes\)" info "$FL_TMP/empty"
expect_fail "... for replay too" 1 "empty stream file 'faultline_1'" \
	replay -o "$FL_TMP/e.db" "$FL_TMP/empty"

# --- With the checks off, the watchdog and the child process.
truncate -s 9000 "$FL_TMP/cutmeta/metadata"
FL_INGEST_NO_CHECK=1 FL_DECODE_STALL_S=3 run_timed info "$FL_TMP/cutmeta"
if [ "$FL_RC" = 1 ] && printf '%s' "$FL_ERR" | grep -q "cutmeta: libbabeltrace2 made no progress for 3 s"; then
	ok "hang in libbabeltrace2 (truncated metadata): the stall watchdog stops it"
else
	not_ok "hang in libbabeltrace2 (truncated metadata): the stall watchdog stops it" \
		"exit $FL_RC" "$FL_ERR"
fi
[ "$FL_SECS" -lt 60 ] && ok "... within a bounded time (${FL_SECS} s)" ||
	not_ok "... within a bounded time" "took $FL_SECS s"

cp -r "$src" "$FL_TMP/zeronoidx"
poke "$FL_TMP/zeronoidx/faultline_0" 48 00000000000000000000000000000000
rm -r "$FL_TMP/zeronoidx/index"
FL_INGEST_NO_CHECK=1 FL_DECODE_MEM_MB=200 FL_DECODE_STALL_S=600 run_timed info "$FL_TMP/zeronoidx"
if [ "$FL_RC" = 1 ] && printf '%s' "$FL_ERR" | grep -Eq "zeronoidx: libbabeltrace2 used [0-9]+ MiB .*more than the limit of 200 MiB"; then
	ok "runaway allocation in libbabeltrace2 (zeroed sizes): the memory watchdog stops it"
else
	not_ok "runaway allocation in libbabeltrace2 (zeroed sizes): the memory watchdog stops it" \
		"exit $FL_RC" "$FL_ERR"
fi

FL_INGEST_NO_CHECK=1 run_fl info "$FL_TMP/disc"
if [ "$FL_RC" = 1 ] && printf '%s' "$FL_ERR" |
	grep -Eq "disc: libbabeltrace2 crashed \(SIGABRT\) decoding the trace \(in stream file '[^']*faultline_1', after [0-9]+ events\): msg-iter.c:[0-9]+"; then
	ok "assertion in libbabeltrace2: an error naming the stream file, not a SIGABRT"
else
	not_ok "assertion in libbabeltrace2: an error naming the stream file, not a SIGABRT" \
		"exit $FL_RC" "$FL_ERR"
fi
FL_INGEST_NO_CHECK=1 run_fl replay -o "$FL_TMP/t.db" "$FL_TMP/tsbeg"
if [ "$FL_RC" = 1 ] && printf '%s' "$FL_ERR" | grep -q "tsbeg: libbabeltrace2 crashed (SIGABRT)"; then
	ok "... in replay too"
else
	not_ok "... in replay too" "exit $FL_RC" "$FL_ERR"
fi

# --- An abort the checks cannot foresee (found by tests/fuzz/fuzz_ingest):
# a pointer declarator in the metadata trips an assertion in the metadata
# parser.  With the checks on, the child process turns it into an error.
cp -r "$perf" "$FL_TMP/ptrfield"
sed -i '0,/} perf_tid;/s//} *perf_tid;/' "$FL_TMP/ptrfield/metadata"
expect_fail "assertion in libbabeltrace2's metadata parser: an error, not a SIGABRT" 1 \
	"ptrfield: (libbabeltrace2 crashed \(SIGABRT\) decoding the trace \(while opening the trace, before any event\)|cannot parse the CTF metadata)" \
	info "$FL_TMP/ptrfield"
expect_fail "... with the assertion's own words" 1 "visitor-generate-ir.c:[0-9]+|cannot parse" \
	replay -o "$FL_TMP/p.db" "$FL_TMP/ptrfield"

# A stream file fuzz_ingest found that makes libbabeltrace2 fail its own
# precondition in bt_packet_create() (tests/fuzz/README.md, bug 7).
cp -r "$FL_TOP/tests/fixtures/perf-mmchurn-head" "$FL_TMP/precond"
cp "$FL_TOP/tests/fuzz/crashes/perf-mmchurn-head.perf_stream_0.packet-precondition" \
	"$FL_TMP/precond/perf_stream_0"
expect_fail "precondition abort in libbabeltrace2: an error naming the trace" 1 \
	"precond: (libbabeltrace2 crashed \(SIGABRT\)|cannot (open|decode) CTF trace|corrupt)" \
	info "$FL_TMP/precond"

# --- The trace search is bounded.
mkdir "$FL_TMP/loops"
for i in $(seq 12); do ln -s . "$FL_TMP/loops/l$i"; done
run_timed info "$FL_TMP/loops"
if [ "$FL_RC" = 1 ] && printf '%s' "$FL_ERR" | grep -q "loops: no CTF trace here"; then
	ok "12 symbolic links to itself: no trace, found out quickly (${FL_SECS} s)"
else
	not_ok "12 symbolic links to itself: no trace, found out quickly" "exit $FL_RC" "$FL_ERR"
fi
[ "$FL_SECS" -lt 5 ] && ok "... in under 5 s" || not_ok "... in under 5 s" "took $FL_SECS s"
cp -r "$src" "$FL_TMP/loops/t"
expect_ok "a trace beside the links is still found" info "$FL_TMP/loops"
mkdir -p "$FL_TMP/linked/a"
ln -s "$src" "$FL_TMP/linked/a/trace"
expect_ok "a trace behind one symbolic link is found" info "$FL_TMP/linked"
mkdir -p "$FL_TMP/twolinks"
ln -s "$FL_TMP/linked" "$FL_TMP/twolinks/l"
expect_fail "... behind two, it is not (one level of links is followed)" 1 \
	"twolinks: no CTF trace here" info "$FL_TMP/twolinks"
mkdir "$FL_TMP/wide"
mkdir $(seq -f "$FL_TMP/wide/d%g" 1 2100)
for d in "$FL_TMP"/wide/d*; do : >"$d/a" ; : >"$d/b"; : >"$d/c"; : >"$d/e"; : >"$d/f" ; : >"$d/g"; : >"$d/h"; : >"$d/i"; : >"$d/j"; done
expect_fail "more than the entry limit: stops looking, says so" 1 \
	"wide: more than 20000 directory entries under it" info "$FL_TMP/wide"

# --- The good traces read as before through the child.
for t in "$src" "$perf"; do
	run_fl info --format json "$t"
	if [ "$FL_RC" = 0 ] && printf '%s' "$FL_OUT" | grep -q '"events"'; then
		ok "$(basename "$t"): read through the decoder's child process"
	else
		not_ok "$(basename "$t"): read through the decoder's child process" "$FL_ERR"
	fi
done

done_testing
