#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# The writers' call sites, from the recorder to `report --by writer`:
# tests/workloads/callsites (built -O0 -g) makes its mmap, mprotect and
# munmap calls from grow_arena(), seal_arena() and release_arena() while
# another thread faults on the same arena; recorded, replayed, the report
# names those functions (tracer/call_site.h has the rule).
# Needs root and tracefs; without them every check is reported as skipped.
. "$FL_TOP/tests/lib.sh"

cs=$FL_BUILD/tests/workloads/callsites
checks=(
	"record exits 0"
	"the mm calls carry call sites"
	"replay -s all exits 0"
	"writers: the workload's calls have a call site in its binary"
	"report --by writer names grow_arena"
	"report --by writer names seal_arena"
	"report --by writer names release_arena"
	"--no-symbols: hex call sites"
)
need_recording root lttng tracefs -- "${checks[@]}"

# Recorded by the binary itself even under valgrind (make valgrind): a
# recorder slowed that much loses events, and the counts below want them
# all; the recorder's code runs under valgrind in t0100-record*, and
# what this test checks is what the call sites become.
t=$FL_TMP/trace
"$FL_BUILD/faultline" record -o "$t" -- "$cs" >"$FL_TMP/rec.out" 2>"$FL_TMP/rec.err"
is "record exits 0" "$?" 0

babeltrace2 "$t" 2>/dev/null | grep 'faultline:mm_call_enter:' >"$FL_TMP/enter.txt"
n=$(grep -vc 'call_site = 0x0 ' "$FL_TMP/enter.txt")
if [ "$n" -gt 0 ]; then ok "the mm calls carry call sites"; else
	not_ok "the mm calls carry call sites" "$(head -n 3 "$FL_TMP/enter.txt")"; fi

db=$FL_TMP/r.db
run_fl replay -s all -o "$db" "$t"
is "replay -s all exits 0" "$FL_RC" 0

# 200 rounds of one mmap, 8 mprotects and one munmap: every one of them
# from the binary's text (its r-xp mapping in the trace).
bin=$(readlink -f "$cs")
got=$(sqlite3 "$db" "SELECT call, count(*) FROM writers WHERE call_site IS NOT NULL AND
	call IN ('mmap', 'mprotect', 'munmap') GROUP BY call ORDER BY call" | tr '\n' ' ')
if [ "$(printf '%s' "$got" | awk '{ split($0, r, " "); ok = 1
	for (i in r) { split(r[i], f, "|"); if (f[1] == "mprotect" && f[2] < 1600) ok = 0
		if (f[1] != "mprotect" && f[2] < 200) ok = 0 }
	print ok }')" = 1 ] && [ -n "$got" ]; then
	ok "writers: the workload's calls have a call site in its binary"
else
	not_ok "writers: the workload's calls have a call site in its binary" "$got"
fi

# Every run's writers behind aborts, by caller.
: >"$FL_TMP/callers"
for r in $(sqlite3 "$db" "SELECT run_id FROM runs"); do
	"$FAULTLINE" report --by writer --run "$r" --top 0 --format csv "$db" >>"$FL_TMP/callers"
done
for f in grow_arena seal_arena release_arena; do
	if grep -Eq ",$f\+0x[0-9a-f]+ \(callsites\)$" "$FL_TMP/callers"; then
		ok "report --by writer names $f"
	else
		not_ok "report --by writer names $f" "$(cut -d, -f5,15 "$FL_TMP/callers" | sort | uniq -c)" \
			"binary: $bin"
	fi
done

run_fl report --by writer --top 0 --no-symbols --format csv "$db"
n=$(printf '%s\n' "$FL_OUT" | awk -F, 'NR > 1 && $NF != "" && $NF !~ /^0x[0-9a-f]+$/' | wc -l)
m=$(printf '%s\n' "$FL_OUT" | awk -F, 'NR > 1 && $NF ~ /^0x[0-9a-f]+$/' | wc -l)
if [ "$n" -eq 0 ] && [ "$m" -gt 0 ]; then ok "--no-symbols: hex call sites"; else
	not_ok "--no-symbols: hex call sites" "$(printf '%s\n' "$FL_OUT" | head -n 5)"; fi

done_testing
